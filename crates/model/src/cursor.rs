//! Keyset cursors of the product list: where the next page starts.
//!
//! An offset page costs the database every row before it, so offset pages
//! stop at [`crate::pagination::MAX_LIST_DEPTH`]. A cursor instead names the
//! last row a page showed — its sort key and id — and the next page is the
//! rows after it in the sort's index: the same cost at page 2 and at page
//! 50,000, and a row inserted meanwhile never shifts a later page (no row is
//! shown twice or skipped, as an offset would). Relevance has no stable key
//! (a rank depends on the words), so its cursor is just the next offset page,
//! within the same depth.
//!
//! On the wire a cursor is opaque: the text form below in lowercase hex, so
//! it needs no escaping in a URL and nobody is tempted to build one.

use crate::Sort;

/// Longest cursor text accepted: a name key of 300 characters of up to four
/// UTF-8 bytes, hex-encoded, plus the other fields.
const MAX_ENCODED_LEN: usize = 2 * (4 * 300 + 64);
const VERSION: &str = "1";

/// A decoded cursor: the page it opens and where that page starts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListCursor {
    pub sort: Sort,
    /// The page number this cursor opens (for display; the key decides rows).
    pub page: u32,
    /// The last row of the previous page; `None` for relevance (offset).
    pub after: Option<After>,
}

/// The sort key and id of the last row shown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct After {
    pub key: SortKey,
    pub id: i64,
}

/// The value a row is ordered by, per sort family.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SortKey {
    /// `price` and `-price`.
    Price(i64),
    /// `name` and `-name`.
    Name(String),
    /// `newest`: the creation time in microseconds since 1970 (PostgreSQL's
    /// precision, so the key round-trips exactly).
    Created(i64),
    /// `rating`: the average in hundredths (0 without reviews) and the count.
    Rating { hundredths: i32, count: i32 },
}

impl SortKey {
    /// Whether this key orders rows of `sort`.
    fn fits(&self, sort: Sort) -> bool {
        matches!(
            (self, sort),
            (SortKey::Price(_), Sort::PriceAsc | Sort::PriceDesc)
                | (SortKey::Name(_), Sort::NameAsc | Sort::NameDesc)
                | (SortKey::Created(_), Sort::Newest)
                | (SortKey::Rating { .. }, Sort::Rating)
        )
    }
}

/// Why a cursor was refused; the message completes "cursor …".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("is not a cursor this list gave out; send `next_cursor` from the previous page unchanged")]
    Malformed,
    #[error("belongs to the `{0}` sort; send it with the same `sort` as the page it came from")]
    OtherSort(&'static str),
}

impl ListCursor {
    /// The opaque text of this cursor.
    pub fn encode(&self) -> String {
        let position = match &self.after {
            None => String::new(),
            Some(After { key, id }) => {
                let key = match key {
                    SortKey::Price(cents) => format!("p|{cents}"),
                    SortKey::Name(name) => format!("n|{name}"),
                    SortKey::Created(micros) => format!("c|{micros}"),
                    SortKey::Rating { hundredths, count } => format!("r|{hundredths}|{count}"),
                };
                // The name goes last: it may contain the separator.
                format!("{id}|{key}")
            }
        };
        let text = format!("{VERSION}|{}|{}|{position}", self.sort.as_str(), self.page);
        text.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Reads a cursor given out for `sort`.
    pub fn decode(encoded: &str, sort: Sort) -> Result<Self, CursorError> {
        let cursor = Self::decode_any(encoded).ok_or(CursorError::Malformed)?;
        if cursor.sort != sort {
            return Err(CursorError::OtherSort(cursor.sort.as_str()));
        }
        Ok(cursor)
    }

    fn decode_any(encoded: &str) -> Option<Self> {
        if encoded.len() > MAX_ENCODED_LEN || !encoded.len().is_multiple_of(2) {
            return None;
        }
        let bytes = (0..encoded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(encoded.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut fields = text.splitn(5, '|');
        let (version, sort, page) = (fields.next()?, fields.next()?, fields.next()?);
        let sort = Sort::parse(sort).filter(|_| version == VERSION)?;
        let page = page.parse::<u32>().ok().filter(|page| *page >= 2)?;
        let after = match (fields.next()?, fields.next()) {
            ("", None) => None,
            // Row ids start at 1, which also keeps `-id` (the rating sort's
            // tie-break) from overflowing.
            (id, Some(key)) => Some(After { id: id.parse().ok().filter(|id| *id >= 1)?, key: parse_key(key)? }),
            _ => return None,
        };
        // A keyset sort needs its key; relevance has none.
        let fits = match &after {
            None => sort == Sort::Relevance,
            Some(after) => after.key.fits(sort),
        };
        fits.then_some(Self { sort, page, after })
    }
}

/// Creation times a key may hold: the years 1 to 9999, which both chrono
/// and PostgreSQL represent (a crafted key outside would fail to bind).
const CREATED_RANGE: std::ops::RangeInclusive<i64> = -62_135_596_800_000_000..=253_402_300_799_999_999;

fn parse_key(text: &str) -> Option<SortKey> {
    let (kind, rest) = text.split_once('|')?;
    Some(match kind {
        "p" => SortKey::Price(rest.parse().ok()?),
        // PostgreSQL text cannot hold NUL.
        "n" if !rest.contains('\0') => SortKey::Name(rest.to_owned()),
        "c" => SortKey::Created(rest.parse().ok().filter(|micros| CREATED_RANGE.contains(micros))?),
        "r" => {
            let (hundredths, count) = rest.split_once('|')?;
            SortKey::Rating { hundredths: hundredths.parse().ok()?, count: count.parse().ok()? }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyset(sort: Sort, key: SortKey) -> ListCursor {
        ListCursor { sort, page: 7, after: Some(After { key, id: 42 }) }
    }

    #[test]
    fn every_cursor_round_trips_through_its_text() {
        let cursors = [
            keyset(Sort::PriceAsc, SortKey::Price(1299)),
            keyset(Sort::PriceDesc, SortKey::Price(0)),
            keyset(Sort::NameAsc, SortKey::Name("Lamp | \"Desk\" ü 5%".into())),
            keyset(Sort::NameDesc, SortKey::Name(String::new())),
            keyset(Sort::Newest, SortKey::Created(1_796_000_000_123_456)),
            keyset(Sort::Rating, SortKey::Rating { hundredths: 467, count: 12 }),
            ListCursor { sort: Sort::Relevance, page: 3, after: None },
        ];
        for cursor in cursors {
            let text = cursor.encode();
            assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "URL-safe: {text}");
            assert_eq!(ListCursor::decode(&text, cursor.sort), Ok(cursor));
        }
    }

    #[test]
    fn a_cursor_of_another_sort_is_refused_by_name() {
        let text = keyset(Sort::PriceAsc, SortKey::Price(1299)).encode();
        assert_eq!(ListCursor::decode(&text, Sort::PriceDesc), Err(CursorError::OtherSort("price")));
        assert_eq!(ListCursor::decode(&text, Sort::Relevance), Err(CursorError::OtherSort("price")));
    }

    #[test]
    fn malformed_cursors_are_refused() {
        let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        for text in [
            String::new(),
            "zz".into(),
            "abc".into(),
            hex("1|price|2"),
            hex("2|price|2|42|p|100"),
            hex("1|price|1|42|p|100"),
            hex("1|price|2|42|n|Lamp"),
            hex("1|price|2|x|p|100"),
            hex("1|price|2|42|p|1e3"),
            hex("1|newest|2|"),
            hex("1|price|2|0|p|100"),
            hex("1|price|2|-5|p|100"),
            hex("1|newest|2|42|c|999999999999999999"),
            hex("1|name|2|42|n|a\0b"),
            hex("1|relevance|2|42|p|100"),
            "a".repeat(MAX_ENCODED_LEN + 2),
        ] {
            assert_eq!(ListCursor::decode(&text, Sort::PriceAsc).err(), Some(CursorError::Malformed), "{text}");
        }
    }
}
