//! Leases of API budgets: an instance takes several numbers of a caller's
//! window from Redis in one round trip and hands them out to that caller's
//! next requests itself, so a busy caller costs Redis one round trip per
//! lease instead of one per request.
//!
//! Every number is taken from the one counter every instance shares, and a
//! request is admitted only with a number within the limit, so a caller is
//! never admitted more than its limit, however many instances serve it.
//! What a lease costs is the other way: numbers an instance holds and does
//! not use before the window ends are lost to that caller. A lease is
//! therefore at most [`LEASE_MOST`] numbers and a [`LEASE_SHARE`]th of the
//! room left in the window, and a single number near the limit, where
//! every request asks Redis as it would without leases.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Instant,
};

/// The most numbers one lease takes.
pub const LEASE_MOST: u64 = 64;
/// A lease takes at most this fraction (its inverse) of the room left.
pub const LEASE_SHARE: u64 = 8;
/// Past this many callers with leases, ended leases are swept.
const SWEEP_PAST: usize = 10_000;

/// Numbers `next..=last` of a window that ends at `ends`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    pub next: u64,
    pub last: u64,
    pub ends: Instant,
}

/// The leases this instance holds, by counter key.
#[derive(Default)]
pub struct Leases {
    held: Mutex<HashMap<String, VecDeque<Lease>>>,
}

impl Leases {
    /// The next number held for `key` in a window that has not ended, and
    /// when that window ends.
    pub fn take(&self, key: &str, now: Instant) -> Option<(u64, Instant)> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let leases = held.get_mut(key)?;
        while let Some(lease) = leases.front_mut() {
            if lease.ends > now && lease.next <= lease.last {
                let number = lease.next;
                lease.next += 1;
                return Some((number, lease.ends));
            }
            leases.pop_front();
        }
        held.remove(key);
        None
    }

    /// Holds the rest of a lease for the next requests of `key`.
    pub fn hold(&self, key: &str, lease: Lease, now: Instant) {
        if lease.next > lease.last {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.len() > SWEEP_PAST {
            held.retain(|_, leases| leases.iter().any(|lease| lease.ends > now));
        }
        held.entry(key.to_owned()).or_default().push_back(lease);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn numbers_are_handed_out_once_each_until_the_window_ends() {
        let leases = Leases::default();
        let now = Instant::now();
        let ends = now + Duration::from_secs(60);
        assert_eq!(leases.take("k", now), None);
        leases.hold("k", Lease { next: 2, last: 3, ends }, now);
        leases.hold("k", Lease { next: 9, last: 9, ends }, now);
        let taken: Vec<_> = std::iter::from_fn(|| leases.take("k", now)).map(|(number, _)| number).collect();
        assert_eq!(taken, [2, 3, 9]);
        assert_eq!(leases.take("other", now), None, "keys hold their own leases");

        leases.hold("k", Lease { next: 4, last: 8, ends }, now);
        assert_eq!(leases.take("k", ends), None, "a lease ends with its window");
    }
}
