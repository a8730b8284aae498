//! The near cache: fresh entries this process read from Redis lately, kept
//! in its own memory for a moment, so a hot key costs no Redis round trip.
//!
//! Redis stays the cache every instance shares; this only spares asking it
//! again for what was fresh there a moment ago. An entry is kept here for
//! at most [`NEAR_TTL`] and never past its time to live in Redis, and only
//! while this process hears every namespace retirement: a write bumps a
//! namespace's version and publishes the namespace on one channel in the
//! same round trip, and every instance drops its near entries of that
//! namespace when the message arrives (about a millisecond later). A write
//! made by this process drops them before it returns. Without the
//! subscription (not yet up, connection lost, Redis down) nothing is kept
//! or served here; a subscription that dies without a word is caught by a
//! heartbeat, and [`NEAR_TTL`] bounds what it could serve meanwhile.
//!
//! A read that races a retirement never keeps what it read: it notes the
//! retirements heard before asking Redis and keeps its entry only if none
//! came in between, so an entry read under a version that was then retired
//! is either refused or dropped by the retirement that follows it.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, Weak,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::StreamExt;

/// The longest a near entry is served: the bound on what a subscription
/// that died silently could serve before the heartbeat notices.
pub const NEAR_TTL: Duration = Duration::from_secs(2);
/// The most the near entries of a process may hold; past it they are dropped.
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// How often the listener makes sure its subscription is alive.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long the listener waits before subscribing again after losing Redis.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);
/// Separates the namespaces of one retirement message.
const SEPARATOR: char = '\n';

pub(super) struct NearCache {
    state: Mutex<State>,
    /// Whether the subscription is up: nothing is kept or served otherwise.
    live: AtomicBool,
    /// Whether a listener task is running (or starting) for this cache.
    listening: AtomicBool,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Kept>,
    /// Retirements applied so far (heard, made here, or the subscription
    /// lost): a read keeps its entry only if this did not move meanwhile.
    retirements: u64,
    bytes: usize,
}

struct Kept {
    value: Arc<[u8]>,
    namespaces: Box<[String]>,
    fresh_until: Instant,
}

impl NearCache {
    pub fn new() -> Self {
        Self { state: Mutex::new(State::default()), live: AtomicBool::new(false), listening: AtomicBool::new(false) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The stored bytes of a fresh entry kept here.
    pub fn get(&self, key: &str) -> Option<Arc<[u8]>> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let mut state = self.state();
        let kept = state.entries.get(key)?;
        if Instant::now() < kept.fresh_until {
            return Some(kept.value.clone());
        }
        state.remove(key);
        None
    }

    /// The retirements applied so far; note it before reading Redis and
    /// hand it to [`NearCache::keep`].
    pub fn retirements(&self) -> u64 {
        self.state().retirements
    }

    /// Keeps a fresh entry read from Redis for `fresh_for` (at most
    /// [`NEAR_TTL`]), unless a retirement was applied since `retirements`
    /// was noted or the subscription is down.
    pub fn keep(&self, key: &str, namespaces: &[&str], value: &[u8], fresh_for: Duration, retirements: u64) {
        if !self.live.load(Ordering::Acquire) || fresh_for.is_zero() || value.len() > MAX_BYTES {
            return;
        }
        let now = Instant::now();
        let mut state = self.state();
        if state.retirements != retirements {
            return;
        }
        if state.bytes + value.len() > MAX_BYTES {
            state.drop_expired(now);
        }
        if state.bytes + value.len() > MAX_BYTES {
            state.clear();
        }
        state.remove(key);
        state.bytes += value.len();
        let kept = Kept {
            value: value.into(),
            namespaces: namespaces.iter().map(|namespace| (*namespace).to_owned()).collect(),
            fresh_until: now + fresh_for.min(NEAR_TTL),
        };
        state.entries.insert(key.to_owned(), kept);
    }

    /// Drops every entry of any of `namespaces`.
    pub fn retire(&self, namespaces: &[&str]) {
        let mut state = self.state();
        state.retirements += 1;
        let mut freed = 0;
        state.entries.retain(|_, kept| {
            let retired = kept.namespaces.iter().any(|namespace| namespaces.contains(&namespace.as_str()));
            if retired {
                freed += kept.value.len();
            }
            !retired
        });
        state.bytes -= freed;
    }

    fn go_live(&self) {
        self.live.store(true, Ordering::Release);
    }

    /// Stops keeping and serving, and forgets everything kept: retirements
    /// may now be missed.
    fn go_dark(&self) {
        self.live.store(false, Ordering::Release);
        let mut state = self.state();
        state.retirements += 1;
        state.clear();
    }

    /// Whether entries are being kept and served (the subscription is up).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

impl State {
    fn remove(&mut self, key: &str) {
        if let Some(kept) = self.entries.remove(key) {
            self.bytes -= kept.value.len();
        }
    }

    fn drop_expired(&mut self, now: Instant) {
        let mut freed = 0;
        self.entries.retain(|_, kept| {
            let fresh = now < kept.fresh_until;
            if !fresh {
                freed += kept.value.len();
            }
            fresh
        });
        self.bytes -= freed;
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

/// Where the store with keys under `prefix` publishes its retirements.
pub(super) fn channel(prefix: &str) -> String {
    format!("{prefix}:retired")
}

/// The message that retires `namespaces` on every instance.
pub(super) fn retirement_message(namespaces: &[&str]) -> String {
    namespaces.join(&SEPARATOR.to_string())
}

/// Starts the listener that keeps `near` told of the retirements of the
/// store under `prefix`, unless one runs already or there is no runtime to
/// run it on. It ends with its runtime or when the cache is gone, and
/// leaves the near cache dark. Called on every read, so the common case
/// (already listening) is one atomic load.
pub(super) fn listen(near: &Arc<NearCache>, client: &redis::Client, prefix: &str, command_timeout: Duration) {
    if near.listening.load(Ordering::Acquire) || near.listening.swap(true, Ordering::AcqRel) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        near.listening.store(false, Ordering::Release);
        return;
    };
    let listener = Listener { near: Arc::downgrade(near), client: client.clone(), channel: channel(prefix) };
    runtime.spawn(listener.run(command_timeout));
}

struct Listener {
    near: Weak<NearCache>,
    client: redis::Client,
    channel: String,
}

impl Listener {
    async fn run(self, command_timeout: Duration) {
        let _dark = DarkOnDrop(self.near.clone());
        // Connecting and subscribing may take longer than one command.
        let patience = command_timeout * 4;
        loop {
            let subscribed = tokio::time::timeout(patience, async {
                let mut pubsub = self.client.get_async_pubsub().await?;
                pubsub.subscribe(&self.channel).await?;
                redis::RedisResult::Ok(pubsub)
            })
            .await;
            if let Ok(Ok(pubsub)) = subscribed {
                let Some(near) = self.near.upgrade() else { return };
                near.go_live();
                drop(near);
                let heard_until_lost = self.hear(pubsub, patience).await;
                let Some(near) = self.near.upgrade() else { return };
                near.go_dark();
                if !heard_until_lost {
                    return;
                }
                tracing::warn!("lost the cache's retirement messages; near entries are off until they are back");
            }
            tokio::time::sleep(RESUBSCRIBE_AFTER).await;
            if self.near.strong_count() == 0 {
                return;
            }
        }
    }

    /// Applies every retirement heard until the subscription is lost
    /// (`true`) or the cache is gone (`false`).
    async fn hear(&self, pubsub: redis::aio::PubSub, patience: Duration) -> bool {
        let (mut sink, mut messages) = pubsub.split();
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else { return true };
                    let Some(near) = self.near.upgrade() else { return false };
                    let payload = String::from_utf8_lossy(message.get_payload_bytes());
                    let namespaces: Vec<&str> = payload.split(SEPARATOR).collect();
                    near.retire(&namespaces);
                }
                _ = heartbeat.tick() => {
                    if self.near.strong_count() == 0 {
                        return false;
                    }
                    let pong = tokio::time::timeout(patience, sink.ping::<redis::Value>()).await;
                    if !matches!(pong, Ok(Ok(_))) {
                        return true;
                    }
                }
            }
        }
    }
}

/// Leaves the near cache dark, and free for a new listener, when its
/// listener ends for any reason (its runtime shutting down included).
struct DarkOnDrop(Weak<NearCache>);

impl Drop for DarkOnDrop {
    fn drop(&mut self) {
        if let Some(near) = self.0.upgrade() {
            near.go_dark();
            near.listening.store(false, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> NearCache {
        let near = NearCache::new();
        near.go_live();
        near
    }

    const SOON: Duration = Duration::from_secs(60);

    #[test]
    fn nothing_is_kept_or_served_without_the_subscription() {
        let near = NearCache::new();
        near.keep("k", &["catalog"], b"1", SOON, near.retirements());
        assert!(near.get("k").is_none(), "kept while dark");
        near.go_live();
        near.keep("k", &["catalog"], b"1", SOON, near.retirements());
        assert_eq!(near.get("k").as_deref(), Some(&b"1"[..]));
        near.go_dark();
        near.go_live();
        assert!(near.get("k").is_none(), "losing the subscription forgets what was kept");
    }

    #[test]
    fn a_read_that_raced_a_retirement_is_not_kept() {
        let near = live();
        let noted = near.retirements();
        near.retire(&["catalog"]);
        near.keep("k", &["catalog"], b"old", SOON, noted);
        assert!(near.get("k").is_none());
        near.keep("k", &["catalog"], b"new", SOON, near.retirements());
        assert_eq!(near.get("k").as_deref(), Some(&b"new"[..]));
    }

    #[test]
    fn a_retirement_drops_the_entries_of_its_namespaces_only() {
        let near = live();
        let noted = near.retirements();
        near.keep("list", &["catalog"], b"1", SOON, noted);
        near.keep("mug", &["catalog", "product:mug"], b"2", SOON, noted);
        near.keep("lamp", &["catalog", "product:lamp"], b"3", SOON, noted);
        near.retire(&["product:mug"]);
        assert!(near.get("mug").is_none());
        assert!(near.get("list").is_some() && near.get("lamp").is_some());
        near.retire(&retirement_message(&["x", "catalog"]).split(SEPARATOR).collect::<Vec<_>>());
        assert!(near.get("list").is_none() && near.get("lamp").is_none());
        assert_eq!(near.state().bytes, 0);
    }

    #[test]
    fn an_entry_is_served_only_while_fresh() {
        let near = live();
        near.keep("k", &["catalog"], b"1", Duration::ZERO, near.retirements());
        assert!(near.get("k").is_none(), "an entry with no freshness left is not kept");
        near.keep("k", &["catalog"], b"1", Duration::from_millis(1), near.retirements());
        std::thread::sleep(Duration::from_millis(5));
        assert!(near.get("k").is_none());
        assert_eq!(near.state().bytes, 0, "an expired entry is dropped when met");
    }
}
