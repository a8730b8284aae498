//! How busy this process is serving requests, so the workers beside the web
//! server can step aside for them: a checkout should not wait behind the
//! e-mails of the checkouts before it. The web server counts its requests in
//! flight; the workers read the count before each job.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

/// Requests in flight in this process. Cheap to clone; clones share the
/// count.
#[derive(Clone, Debug, Default)]
pub struct Foreground {
    in_flight: Arc<AtomicUsize>,
}

impl Foreground {
    /// Counts one request until the returned guard is dropped.
    pub fn begin(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight { in_flight: self.in_flight.clone() }
    }

    /// Whether any request is being served now.
    pub fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }
}

/// One request being served; see [`Foreground::begin`].
#[derive(Debug)]
pub struct InFlight {
    in_flight: Arc<AtomicUsize>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_while_a_request_is_in_flight_in_any_clone() {
        let foreground = Foreground::default();
        let web = foreground.clone();
        assert!(!foreground.busy());
        let first = web.begin();
        let second = web.begin();
        assert!(foreground.busy());
        drop(first);
        assert!(foreground.busy(), "one is still in flight");
        drop(second);
        assert!(!foreground.busy());
    }
}
