//! A value kept as the JSON it was encoded to.
//!
//! A cached read that ends as a JSON answer gains nothing from decoding the
//! cached bytes into structs only to encode them again (on the cached
//! product list, sending the bytes as they are gave +8.9 % req/s; see the
//! README's "At a million products"). [`Encoded`] is read from the cache
//! by checking the bytes are JSON and copying them, and written out
//! unchanged. It encodes to the same bytes as the value itself, so a typed
//! read and an encoded read of one cache key share the entry.

use std::{fmt, marker::PhantomData};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::DeserializeOwned};
use serde_json::value::RawValue;

/// The JSON of a `T`, not decoded.
pub struct Encoded<T> {
    json: Box<RawValue>,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> Encoded<T> {
    pub fn encode(value: &T) -> serde_json::Result<Self> {
        Ok(Self { json: serde_json::value::to_raw_value(value)?, of: PhantomData })
    }
}

impl<T: DeserializeOwned> Encoded<T> {
    pub fn decode(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.json.get())
    }
}

impl<T> Encoded<T> {
    pub fn as_str(&self) -> &str {
        self.json.get()
    }
}

impl<T> Serialize for Encoded<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Encoded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self { json: Box::<RawValue>::deserialize(deserializer)?, of: PhantomData })
    }
}

impl<T> fmt::Debug for Encoded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Encoded").field(&self.as_str()).finish()
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Page {
        items: Vec<String>,
        total: i64,
    }

    #[test]
    fn encodes_to_the_bytes_of_the_value_itself() {
        let page = Page { items: vec!["lamp \"deluxe\"".into(), "mug".into()], total: 2 };
        let encoded = Encoded::encode(&page).unwrap();
        assert_eq!(serde_json::to_string(&encoded).unwrap(), serde_json::to_string(&page).unwrap());
        assert_eq!(encoded.decode().unwrap(), page);
    }

    #[test]
    fn reads_what_the_value_wrote_without_decoding_it_and_refuses_what_is_not_json() {
        let page = Page { items: vec!["chair".into()], total: 1 };
        let stored = serde_json::to_vec(&page).unwrap();
        let read: Encoded<Page> = serde_json::from_slice(&stored).unwrap();
        assert_eq!(read.as_str().as_bytes(), stored.as_slice());
        assert_eq!(read.decode().unwrap(), page);
        assert!(serde_json::from_slice::<Encoded<Page>>(b"{\"items\": [").is_err());
    }

    #[test]
    fn a_value_of_another_shape_is_found_when_decoded() {
        let read: Encoded<Page> = serde_json::from_str("{\"total\": \"many\"}").unwrap();
        assert!(read.decode().is_err());
    }
}
