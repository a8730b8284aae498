//! The shared cache (Redis) behind a small interface.
//!
//! Redis is an optimisation, never a dependency: every read may miss and
//! every write may be dropped. When Redis is unreachable the cache warns once,
//! reports `degraded`, stops trying for a short back-off so requests do not
//! pay for a dead connection, and picks Redis up again by itself when it
//! comes back.
//!
//! Invalidation uses *versioned namespaces*: keys embed a version number
//! kept in Redis (`<prefix>:ns:<name>:version`), and a write bumps it with `INCR`.
//! Every app instance reads the same counter, so one write retires the whole
//! namespace everywhere at once without scanning or deleting keys. An entry
//! may belong to several namespaces (a product page: the catalog's and that
//! product's); its key embeds each version, so bumping any one retires it.
//!
//! No stampede: an entry stays in Redis for [`STALE_FOR`] past its time to
//! live. A read in that window gets the stale copy at once while one caller
//! rebuilds it (one per process through the in-process flights, one across
//! instances through a short Redis lock). A key with no entry at all (a new
//! namespace version, a first read) is loaded once too: the other callers
//! of the process wait for that load, and another instance's callers wait,
//! boundedly, for the value the lock holder stores. Staleness only ever
//! stretches the time to live; an entry of a retired version is never served.
//!
//! A fresh entry read from Redis is also kept in the process for a moment
//! (the [`near`] cache), so a hot key is served without a round trip; a
//! retirement reaches those copies by a published message.

mod near;

use std::{
    any::Any,
    borrow::Cow,
    collections::HashMap,
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use redis::{AsyncCommands, aio::ConnectionManager, aio::ConnectionManagerConfig};
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::watch;

pub use near::NEAR_TTL;
use near::NearCache;

/// How long one Redis command may take before we treat Redis as down, unless
/// the store sets its own (`REDIS_TIMEOUT_MS`).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, requests skip Redis for this long before probing again.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// How long past its time to live an entry is kept and may be served while
/// one caller rebuilds it. Writes never wait on it (they retire entries by
/// version); it only stretches the time-based expiry, the safety net for
/// changes that bypass the services. A minute covers a rebuild (1.4 s for
/// the home page at a million products) many times over, and several
/// rebuilders that die holding the lock, while a key nobody reads is gone a
/// minute after its time to live.
pub const STALE_FOR: Duration = Duration::from_secs(60);
/// How long a caller may hold the right to rebuild a key for every
/// instance. Longer than any cached read takes on a busy database; short
/// enough that a rebuilder that died (its process killed) holds up the
/// others by at most this, and the bound on how long another instance's
/// callers wait for its value before loading themselves.
const REBUILD_LOCK: Duration = Duration::from_secs(5);
/// How often a caller waiting for another instance's load looks for its
/// value: from the first interval, doubling up to the second.
const POLL_FIRST: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheStatus {
    Ok,
    Degraded,
}

/// The versions of a read's namespaces when it was made: the key of a
/// value loaded after a miss, so it is stored where that read looked.
#[derive(Clone, Debug)]
pub struct VersionStamp {
    namespace_prefix: String,
    versions: String,
}

impl VersionStamp {
    /// The full Redis key of `key` under these versions.
    pub fn key(&self, key: &str) -> String {
        format!("{}:v{}:{key}", self.namespace_prefix, self.versions)
    }

    /// The namespaces' versions, e.g. `3.1`.
    pub fn versions(&self) -> &str {
        &self.versions
    }
}

/// A loader's error as the callers that waited for that load receive it.
/// Errors are not `Clone` in general (a database error holds its driver's
/// own type), so each error type says how to copy itself, or declines.
pub trait ShareError: Sized + std::fmt::Display {
    /// A copy for one waiting caller, or `None` to have each waiting caller
    /// run its own loader instead (an error that holds what only its own
    /// caller can use, such as a rendered response).
    fn share(&self) -> Option<Self>;
}

impl ShareError for std::convert::Infallible {
    fn share(&self) -> Option<Self> {
        match *self {}
    }
}

impl ShareError for sqlx::Error {
    fn share(&self) -> Option<Self> {
        Some(match self {
            Self::PoolTimedOut => Self::PoolTimedOut,
            Self::PoolClosed => Self::PoolClosed,
            Self::WorkerCrashed => Self::WorkerCrashed,
            Self::RowNotFound => Self::RowNotFound,
            Self::Protocol(message) => Self::Protocol(message.clone()),
            Self::Io(error) => Self::Io(std::io::Error::new(error.kind(), error.to_string())),
            Self::Database(error) => Self::Database(Box::new(SharedDatabaseError::copy_of(error.as_ref()))),
            // Decoding and the like are the program's mistakes, the same on
            // every run: each caller may as well meet its own.
            _ => return None,
        })
    }
}

/// A copy of a database's error with what callers read of one (message,
/// SQLSTATE code, constraint, table, kind), so the waiters of a failed load
/// classify it exactly as its loader's caller does.
#[derive(Debug)]
struct SharedDatabaseError {
    message: String,
    code: Option<String>,
    constraint: Option<String>,
    table: Option<String>,
    kind: sqlx::error::ErrorKind,
}

impl SharedDatabaseError {
    fn copy_of(error: &dyn sqlx::error::DatabaseError) -> Self {
        Self {
            message: error.message().to_owned(),
            code: error.code().map(Cow::into_owned),
            constraint: error.constraint().map(str::to_owned),
            table: error.table().map(str::to_owned),
            kind: copy_kind(&error.kind()),
        }
    }
}

fn copy_kind(kind: &sqlx::error::ErrorKind) -> sqlx::error::ErrorKind {
    use sqlx::error::ErrorKind;
    match kind {
        ErrorKind::UniqueViolation => ErrorKind::UniqueViolation,
        ErrorKind::ForeignKeyViolation => ErrorKind::ForeignKeyViolation,
        ErrorKind::NotNullViolation => ErrorKind::NotNullViolation,
        ErrorKind::CheckViolation => ErrorKind::CheckViolation,
        _ => ErrorKind::Other,
    }
}

impl std::fmt::Display for SharedDatabaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SharedDatabaseError {}

impl sqlx::error::DatabaseError for SharedDatabaseError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.as_deref().map(Cow::Borrowed)
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        copy_kind(&self.kind)
    }
}

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
    /// The metric this handle's reads are counted under.
    counter: &'static str,
}

struct Inner {
    manager: Option<ConnectionManager>,
    /// For the near cache's subscription, which needs its own connection.
    client: Option<redis::Client>,
    near: Arc<NearCache>,
    /// Prepended to every key, so several stores (or test databases) can
    /// share one Redis without reading each other's entries.
    prefix: String,
    command_timeout: Duration,
    degraded: AtomicBool,
    /// While degraded: when the next request may try Redis again.
    retry_at: Mutex<Option<Instant>>,
    /// Loads under way in this process, by the key they fill: a caller
    /// that misses the same key waits for that load's outcome instead of
    /// running its own. A Redis key embeds the namespace versions, so a
    /// read that saw a newer version never joins a load of an older one.
    flights: Mutex<HashMap<String, watch::Receiver<Option<Outcome>>>>,
    /// Callers of this process now waiting for another's load.
    waiting: AtomicUsize,
    /// Invalidations this process made, whether Redis heard them or not:
    /// while Redis is down there are no versions, and this keys the
    /// flights instead, so a read after a write here never joins a load
    /// that began before it.
    local_writes: AtomicU64,
}

/// How a load ended, for the callers that waited for it.
#[derive(Clone)]
enum Outcome {
    /// The value, serialised as it is stored (each waiter decodes its own).
    Value(Arc<[u8]>),
    /// The loader's error, shared: a `Mutex<E>` each waiter copies with
    /// [`ShareError::share`].
    Failed(Arc<dyn Any + Send + Sync>),
    /// Each waiter runs its own loader (an error not for sharing).
    LoadYourself,
}

/// An entry as a read found it.
struct Entry<T> {
    value: T,
    /// Within its time to live; past it the entry is stale (kept for
    /// [`STALE_FOR`] more).
    fresh: bool,
}

/// An entry as Redis holds it: the stored bytes and the milliseconds it
/// has left there (its time to live plus [`STALE_FOR`]; -1 for no expiry).
struct Stored {
    bytes: Vec<u8>,
    expires_in_ms: i64,
}

impl Stored {
    /// How long it stays fresh; zero when it is stale.
    fn fresh_for(&self) -> Duration {
        match self.expires_in_ms {
            -1 => Duration::MAX,
            ms => Duration::from_millis(u64::try_from(ms).unwrap_or(0)).saturating_sub(STALE_FOR),
        }
    }
}

/// What a caller does about a key no entry answers.
enum Role {
    /// Load it, and tell the others how that went.
    Lead(Lead),
    /// Wait for the caller that loads it.
    Follow(watch::Receiver<Option<Outcome>>),
}

/// The right to load one key in this process. Dropping it unfinished (the
/// caller's request was cancelled) tells the waiters, who then load
/// themselves — one of them leading again — rather than hang.
struct Lead {
    cache: Cache,
    key: String,
    sender: watch::Sender<Option<Outcome>>,
}

impl Lead {
    fn finish(self, outcome: Outcome) {
        self.sender.send_replace(Some(outcome));
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        let mut flights = self.cache.inner.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.get(&self.key).is_some_and(|receiver| receiver.same_channel(&self.sender.subscribe())) {
            flights.remove(&self.key);
        }
    }
}

/// The right to rebuild one key for every instance (`SET NX PX` with a
/// random token, so only its holder releases it). A holder dropped without
/// releasing it (a cancelled request) releases it in the background, so
/// the others need not wait for it to expire.
struct RebuildLock {
    cache: Cache,
    key: String,
    token: String,
    held: bool,
}

impl RebuildLock {
    async fn release(mut self) {
        self.held = false;
        self.cache.release_lock(&self.key, &self.token).await;
    }
}

impl Drop for RebuildLock {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        let (cache, key, token) = (self.cache.clone(), std::mem::take(&mut self.key), std::mem::take(&mut self.token));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { cache.release_lock(&key, &token).await });
        }
    }
}

/// Counts one waiting caller while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Asking Redis for an entry's rebuild lock.
enum LockAttempt {
    Taken(RebuildLock),
    /// Another caller, of this instance or another, holds it.
    Held,
    /// Redis did not answer.
    Unavailable,
}

/// What this process does about a key no instance has an entry for.
enum Across {
    /// Another instance loaded it: its value as stored.
    Value(Vec<u8>),
    /// Load it here, under the lock if it could be taken.
    Load(Option<RebuildLock>),
}

/// How waiting for another instance's load ended.
enum Awaited {
    Value(Vec<u8>),
    /// The lock went without a value (that load failed or was cancelled).
    LockFreed,
    /// Waited as long as a lock lives, or Redis stopped answering.
    GaveUp,
}

/// How waiting for a load of this process ended.
enum Followed<T, E> {
    Done(Result<T, E>),
    /// Run your own loader (an error not for sharing, a value that does not decode).
    LoadYourself,
    /// The leader was cancelled: lead or follow anew.
    Abandoned,
}

/// The cache's own reads' counter (the page cache has its own).
const CACHE_REQUESTS: &str = "nexus_cache_requests_total";

impl Cache {
    /// Creates the cache without connecting: the first command connects,
    /// so start-up never waits for (or fails on) Redis.
    pub fn new(redis_url: &str, prefix: impl Into<String>) -> Self {
        Self::with_timeout(redis_url, prefix, DEFAULT_COMMAND_TIMEOUT)
    }

    /// [`Cache::new`] with another limit on how long a command may take
    /// before Redis counts as down: a remote Redis, or a machine as loaded as
    /// a test run, may need longer than the default.
    pub fn with_timeout(redis_url: &str, prefix: impl Into<String>, command_timeout: Duration) -> Self {
        let client = redis::Client::open(redis_url).ok();
        let manager = client.clone().and_then(|client| {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(command_timeout))
                .set_response_timeout(Some(command_timeout))
                .set_number_of_retries(0);
            ConnectionManager::new_lazy_with_config(client, config).ok()
        });
        if manager.is_none() {
            tracing::warn!("REDIS_URL could not be parsed; caching is disabled");
        }
        Self {
            counter: CACHE_REQUESTS,
            inner: Arc::new(Inner {
                degraded: AtomicBool::new(manager.is_none()),
                manager,
                client,
                near: Arc::new(NearCache::new()),
                prefix: prefix.into(),
                command_timeout,
                retry_at: Mutex::new(None),
                flights: Mutex::new(HashMap::new()),
                waiting: AtomicUsize::new(0),
                local_writes: AtomicU64::new(0),
            }),
        }
    }

    /// Stores a value for its time to live plus [`STALE_FOR`] and releases
    /// the rebuild lock if its token is still the one there, in one round
    /// trip; failures are logged and ignored.
    async fn store(&self, key: &str, bytes: &[u8], ttl: Duration, lock: Option<RebuildLock>) {
        static STORE: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
                 if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
                 return 1",
            )
        });
        let mut invocation = STORE.prepare_invoke();
        let (lock_key, token) = match &lock {
            Some(lock) => (lock.key.clone(), lock.token.clone()),
            None => (self.lock_key(key), String::new()),
        };
        invocation.key(key).key(lock_key).arg(bytes).arg(millis(ttl + STALE_FOR)).arg(token);
        let stored: Option<i64> = self.run(|mut conn| async move { invocation.invoke_async(&mut conn).await }).await;
        if let Some(mut lock) = lock {
            // Released by the script; if Redis failed, the drop tries once more.
            lock.held = stored.is_none();
        }
    }

    /// The same cache, its reads counted under another metric (the page
    /// cache's own), with a `result` label saying what each caller got:
    /// `near` (a fresh entry this process kept, see [`near`]), `hit` (a
    /// fresh entry from Redis), `stale` (served past its time to live), `refresh` (rebuilt a
    /// stale entry), `miss` (ran the loader for a missing entry) or
    /// `coalesced` (got another caller's load, of this instance or another).
    pub fn counted_as(&self, counter: &'static str) -> Self {
        Self { inner: self.inner.clone(), counter }
    }

    /// Retires every entry of a namespace on every instance.
    pub async fn invalidate(&self, namespace: &str) {
        self.invalidate_all(&[namespace]).await;
    }

    /// Retires every entry of each namespace, in one round trip.
    pub async fn invalidate_all(&self, namespaces: &[&str]) {
        if namespaces.is_empty() {
            return;
        }
        self.inner.local_writes.fetch_add(1, Ordering::SeqCst);
        let keys: Vec<String> = namespaces.iter().map(|namespace| self.version_key(namespace)).collect();
        let (channel, message) = (near::channel(&self.inner.prefix), near::retirement_message(namespaces));
        let bumped: Option<()> = self
            .run(|mut conn| async move {
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.incr(key, 1).ignore();
                }
                // After the bumps: an instance that hears it reads the new versions.
                pipe.publish(channel, message).ignore();
                pipe.query_async(&mut conn).await
            })
            .await;
        // After the bumps too, so a read of this process that began before
        // them does not keep what it read.
        self.inner.near.retire(namespaces);
        if bumped.is_none() {
            tracing::warn!(?namespaces, "could not invalidate cache namespaces; entries expire by TTL");
        }
    }

    /// Whether this process now keeps fresh entries near (its subscription
    /// to retirements is up), and how many retirements it has applied: what
    /// tests wait on to know another instance's write has reached it.
    pub fn near_status(&self) -> (bool, u64) {
        (self.inner.near.is_live(), self.inner.near.retirements())
    }

    /// Cache-aside read: the entry under the current versions of
    /// `namespaces` (a write to any of them retires it), or `load` from the
    /// database (stored for next time). The versions are read before
    /// loading, so a value loaded while a write is bumping one lands under
    /// the retired key and is never served.
    ///
    /// Past its time to live an entry is served stale while one caller
    /// rebuilds it; a key without an entry is loaded by one caller while
    /// the others wait for its value or its error (see the module's
    /// documentation). Without Redis every call loads, but concurrent calls
    /// of this process for the same key still share one load. Each call is
    /// counted by what it got (see [`Cache::counted_as`]).
    pub async fn get_or_load<T, E, Fut>(
        &self,
        namespaces: &[&str],
        key: &str,
        ttl: Duration,
        load: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        E: ShareError + Send + 'static,
        Fut: Future<Output = Result<T, E>>,
    {
        let namespace_prefix = self.namespace_prefix(namespaces);
        let near_key = format!("{namespace_prefix}:{key}");
        if let Some(value) = self.near_value(&near_key) {
            self.count("near");
            return Ok(value);
        }
        let retirements = self.inner.near.retirements();
        let Some((stamp, stored)) = self.read_stored(namespace_prefix, namespaces, key).await else {
            let writes = self.inner.local_writes.load(Ordering::SeqCst);
            let flight = format!("local:{writes}:{}:{key}", namespaces.join("+"));
            return self.coalesce(&flight, None, load).await;
        };
        if let Some(stored) = &stored {
            self.inner.near.keep(&near_key, namespaces, &stored.bytes, stored.fresh_for(), retirements);
        }
        let entry_key = stamp.key(key);
        match stored.and_then(|stored| decode(key, stored)) {
            Some(Entry { value, fresh: true }) => {
                self.count("hit");
                Ok(value)
            }
            Some(Entry { value, fresh: false }) => Ok(self.refresh(&entry_key, ttl, value, load).await),
            None => self.coalesce(&entry_key, Some(ttl), load).await,
        }
    }

    /// A fresh entry this process keeps near, decoded; starts the near
    /// cache's listener if it is not running.
    fn near_value<T: DeserializeOwned>(&self, near_key: &str) -> Option<T> {
        let client = self.inner.client.as_ref()?;
        near::listen(&self.inner.near, client, &self.inner.prefix, self.inner.command_timeout);
        let bytes = self.inner.near.get(near_key)?;
        serde_json::from_slice(&bytes).ok()
    }

    /// A stale entry: rebuilt by this caller if no one else (of this
    /// process or, by the lock, of any) is rebuilding it, else served as it
    /// is. A failed rebuild serves it as it is too: it is within its stale
    /// window, and the next reader tries again.
    async fn refresh<T, E, Fut>(&self, entry_key: &str, ttl: Duration, stale: T, load: impl FnOnce() -> Fut) -> T
    where
        T: Serialize,
        E: ShareError + Send + 'static,
        Fut: Future<Output = Result<T, E>>,
    {
        let Role::Lead(lead) = self.join_or_lead(entry_key) else {
            self.count("stale");
            return stale;
        };
        let Some(lock) = self.try_lock(entry_key).await else {
            self.count("stale");
            return stale;
        };
        self.count("refresh");
        match self.load_and_store(lead, Some(entry_key), ttl, Some(lock), load).await {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(key = entry_key, %error, "rebuilding a stale cache entry failed; serving it stale");
                stale
            }
        }
    }

    /// A key no entry answers, loaded once: by this caller if it leads,
    /// else awaited from the caller that does. `ttl` is `None` without
    /// Redis (nothing to store, no other instance to agree with).
    async fn coalesce<T, E, Fut>(&self, flight: &str, ttl: Option<Duration>, load: impl FnOnce() -> Fut) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        E: ShareError + Send + 'static,
        Fut: Future<Output = Result<T, E>>,
    {
        loop {
            let receiver = match self.join_or_lead(flight) {
                Role::Lead(lead) => {
                    let Some(ttl) = ttl else {
                        return self.load_and_store(lead, None, Duration::ZERO, None, load).await;
                    };
                    let lock = match self.lock_or_value(flight).await {
                        Across::Load(lock) => lock,
                        Across::Value(bytes) => match serde_json::from_slice(&bytes) {
                            Ok(value) => {
                                lead.finish(Outcome::Value(bytes.into()));
                                self.count("coalesced");
                                return Ok(value);
                            }
                            Err(_) => None,
                        },
                    };
                    self.count("miss");
                    return self.load_and_store(lead, Some(flight), ttl, lock, load).await;
                }
                Role::Follow(receiver) => receiver,
            };
            match self.follow(receiver).await {
                Followed::Done(result) => {
                    self.count("coalesced");
                    return result;
                }
                Followed::LoadYourself => return load().await,
                Followed::Abandoned => continue,
            }
        }
    }

    /// Whether this process loads a missing key, and under the rebuild lock:
    /// taken if free; while another instance holds it, the value that one
    /// stores, waited for no longer than a lock lives (then loaded here).
    async fn lock_or_value(&self, entry_key: &str) -> Across {
        let give_up_at = Instant::now() + REBUILD_LOCK;
        while Instant::now() < give_up_at {
            match self.lock(entry_key).await {
                LockAttempt::Taken(lock) => return Across::Load(Some(lock)),
                LockAttempt::Unavailable => break,
                LockAttempt::Held => match self.await_value(entry_key, give_up_at).await {
                    Awaited::Value(bytes) => return Across::Value(bytes),
                    Awaited::LockFreed => {}
                    Awaited::GaveUp => break,
                },
            }
        }
        Across::Load(None)
    }

    /// Runs the loader, stores its value under `entry_key` (when there is
    /// one) and tells this process's waiting callers how it went.
    async fn load_and_store<T, E, Fut>(
        &self,
        lead: Lead,
        entry_key: Option<&str>,
        ttl: Duration,
        lock: Option<RebuildLock>,
        load: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        T: Serialize,
        E: ShareError + Send + 'static,
        Fut: Future<Output = Result<T, E>>,
    {
        match load().await {
            Ok(value) => {
                let Ok(bytes) = serde_json::to_vec(&value) else {
                    lead.finish(Outcome::LoadYourself);
                    if let Some(lock) = lock {
                        lock.release().await;
                    }
                    return Ok(value);
                };
                if let Some(entry_key) = entry_key {
                    self.store(entry_key, &bytes, ttl, lock).await;
                }
                lead.finish(Outcome::Value(bytes.into()));
                Ok(value)
            }
            Err(error) => {
                // Told before the lock goes, so no waiter here outlives it.
                lead.finish(match error.share() {
                    Some(copy) => Outcome::Failed(Arc::new(Mutex::new(copy))),
                    None => Outcome::LoadYourself,
                });
                if let Some(lock) = lock {
                    lock.release().await;
                }
                Err(error)
            }
        }
    }

    /// Leads the load of `flight` in this process, or follows the caller
    /// that already does.
    fn join_or_lead(&self, flight: &str) -> Role {
        let mut flights = self.inner.flights.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(receiver) = flights.get(flight) {
            return Role::Follow(receiver.clone());
        }
        let (sender, receiver) = watch::channel(None);
        flights.insert(flight.to_owned(), receiver);
        Role::Lead(Lead { cache: self.clone(), key: flight.to_owned(), sender })
    }

    /// Waits for this process's load of the same key and takes its value,
    /// or a copy of its error.
    async fn follow<T, E>(&self, mut receiver: watch::Receiver<Option<Outcome>>) -> Followed<T, E>
    where
        T: DeserializeOwned,
        E: ShareError + Send + 'static,
    {
        let outcome = {
            let _waiting = Waiting::start(&self.inner.waiting);
            match receiver.wait_for(Option::is_some).await {
                Ok(outcome) => outcome.clone(),
                Err(_) => return Followed::Abandoned,
            }
        };
        match outcome {
            Some(Outcome::Value(bytes)) => match serde_json::from_slice(&bytes) {
                Ok(value) => Followed::Done(Ok(value)),
                Err(_) => Followed::LoadYourself,
            },
            Some(Outcome::Failed(error)) => error
                .downcast_ref::<Mutex<E>>()
                .and_then(|error| error.lock().unwrap_or_else(|e| e.into_inner()).share())
                .map_or(Followed::LoadYourself, |copy| Followed::Done(Err(copy))),
            Some(Outcome::LoadYourself) | None => Followed::LoadYourself,
        }
    }

    /// How many callers of this process are now waiting for another
    /// caller's load of the same key (what single flight saves the database
    /// right now; tests wait on it to line their callers up).
    pub fn waiting_for_loads(&self) -> usize {
        self.inner.waiting.load(Ordering::SeqCst)
    }

    /// Counts one read by what its caller got.
    fn count(&self, result: &'static str) {
        metrics::counter!(self.counter, "result" => result).increment(1);
    }

    /// The rebuild lock of an entry, if no one holds it and Redis answers.
    async fn try_lock(&self, entry_key: &str) -> Option<RebuildLock> {
        match self.lock(entry_key).await {
            LockAttempt::Taken(lock) => Some(lock),
            LockAttempt::Held | LockAttempt::Unavailable => None,
        }
    }

    async fn lock(&self, entry_key: &str) -> LockAttempt {
        let key = self.lock_key(entry_key);
        let token = crate::random::random_hex(8);
        let (key_ref, token_ref) = (&key, &token);
        let taken: Option<Option<String>> = self
            .run(|mut conn| async move {
                redis::cmd("SET")
                    .arg(key_ref)
                    .arg(token_ref)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(REBUILD_LOCK))
                    .query_async(&mut conn)
                    .await
            })
            .await;
        match taken {
            Some(Some(_)) => LockAttempt::Taken(RebuildLock { cache: self.clone(), key, token, held: true }),
            Some(None) => LockAttempt::Held,
            None => LockAttempt::Unavailable,
        }
    }

    /// Waits for the value another instance is loading under the lock.
    async fn await_value(&self, entry_key: &str, give_up_at: Instant) -> Awaited {
        let lock_key = self.lock_key(entry_key);
        let mut interval = POLL_FIRST;
        while Instant::now() < give_up_at {
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(POLL_MAX);
            // The lock is read first: its holder stores the value and drops
            // the lock in one step, so a lock gone before the value is read
            // means a failed load, never one that is just finishing.
            let lock_key = &lock_key;
            let read: Option<(bool, Option<Vec<u8>>)> =
                self.run(|mut conn| async move {
                    redis::pipe().exists(lock_key).get(entry_key).query_async(&mut conn).await
                })
                .await;
            match read {
                None => return Awaited::GaveUp,
                Some((_, Some(bytes))) => return Awaited::Value(bytes),
                Some((false, None)) => return Awaited::LockFreed,
                Some((true, None)) => {}
            }
        }
        Awaited::GaveUp
    }

    async fn release_lock(&self, key: &str, token: &str) {
        static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
                 return 0",
            )
        });
        let mut invocation = RELEASE.prepare_invoke();
        invocation.key(key).arg(token);
        let _: Option<i64> = self.run(|mut conn| async move { invocation.invoke_async(&mut conn).await }).await;
    }

    /// The rebuild lock of an entry: beside the entries, under a segment no
    /// namespace list produces.
    fn lock_key(&self, entry_key: &str) -> String {
        let rest = entry_key.strip_prefix(&self.inner.prefix).unwrap_or(entry_key);
        format!("{}:~rebuild{rest}", self.inner.prefix)
    }

    /// The current versions of `namespaces` and the entry stored under
    /// them, whether fresh or stale. `None` when Redis is unavailable:
    /// callers then skip the cache entirely, because a guessed version
    /// could serve an entry that a write already retired.
    pub async fn read_versioned<T: DeserializeOwned>(
        &self,
        namespaces: &[&str],
        key: &str,
    ) -> Option<(VersionStamp, Option<T>)> {
        let (stamp, entry) = self.read_entry(namespaces, key).await?;
        Some((stamp, entry.map(|entry| entry.value)))
    }

    /// The versions and the entry, decoded, with whether it is fresh. An
    /// undecodable entry is a miss.
    async fn read_entry<T: DeserializeOwned>(
        &self,
        namespaces: &[&str],
        key: &str,
    ) -> Option<(VersionStamp, Option<Entry<T>>)> {
        let (stamp, stored) = self.read_stored(self.namespace_prefix(namespaces), namespaces, key).await?;
        Some((stamp, stored.and_then(|stored| decode(key, stored))))
    }

    /// Every namespace is named in the key, so two sets of namespaces
    /// with the same versions can never share an entry.
    fn namespace_prefix(&self, namespaces: &[&str]) -> String {
        format!("{}:{}", self.inner.prefix, namespaces.join("+"))
    }

    /// The versions and the entry as stored, in one round trip (a small
    /// Lua script reads all).
    async fn read_stored(
        &self,
        namespace_prefix: String,
        namespaces: &[&str],
        key: &str,
    ) -> Option<(VersionStamp, Option<Stored>)> {
        static READ_VERSIONED: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "local versions = {}
                 for i, version_key in ipairs(KEYS) do versions[i] = redis.call('GET', version_key) or '0' end
                 local stamp = table.concat(versions, '.')
                 local key = ARGV[1] .. ':v' .. stamp .. ':' .. ARGV[2]
                 return {stamp, redis.call('GET', key), redis.call('PTTL', key)}",
            )
        });
        assert!(!namespaces.is_empty(), "a cached entry belongs to at least one namespace");
        let mut invocation = READ_VERSIONED.prepare_invoke();
        for namespace in namespaces {
            invocation.key(self.version_key(namespace));
        }
        invocation.arg(&namespace_prefix).arg(key);
        let (versions, bytes, expires_in_ms): (String, Option<Vec<u8>>, i64) =
            self.run(|mut conn| async move { invocation.invoke_async(&mut conn).await }).await?;
        let stored = bytes.map(|bytes| Stored { bytes, expires_in_ms });
        Some((VersionStamp { namespace_prefix, versions }, stored))
    }

    /// Counts one hit in a fixed window shared by every instance: returns the
    /// hits so far in the window and the milliseconds until it ends, or
    /// `None` when Redis is unavailable.
    pub async fn count_hit(&self, key: &str, window: Duration) -> Option<(u64, u64)> {
        // One number at a time, so no limit sizes the take.
        let (hits, _, resets_in_ms) = self.take_numbers(key, window, 0, 1, 1).await?;
        Some((hits, resets_in_ms))
    }

    /// Takes the next numbers of a fixed-window counter shared by every
    /// instance: as many as `share`th of the room left below `limit`,
    /// between 1 and `most`. Returns the first and last taken and the
    /// milliseconds until the window ends, or `None` when Redis is
    /// unavailable. A number past `limit` is a refused request's.
    pub async fn take_numbers(
        &self,
        key: &str,
        window: Duration,
        limit: u64,
        most: u64,
        share: u64,
    ) -> Option<(u64, u64, u64)> {
        static TAKE: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "local room = tonumber(ARGV[2]) - tonumber(redis.call('GET', KEYS[1]) or '0')
                 local take = math.max(1, math.min(tonumber(ARGV[3]), math.floor(room / tonumber(ARGV[4]))))
                 local last = redis.call('INCRBY', KEYS[1], take)
                 redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX')
                 return {last - take + 1, last, redis.call('PTTL', KEYS[1])}",
            )
        });
        let key = format!("{}:{key}", self.inner.prefix);
        let window_ms = millis(window);
        let mut invocation = TAKE.prepare_invoke();
        invocation.key(key).arg(window_ms).arg(limit).arg(most).arg(share.max(1));
        let (first, last, ttl_ms): (u64, u64, i64) =
            self.run(|mut conn| async move { invocation.invoke_async(&mut conn).await }).await?;
        Some((first, last, u64::try_from(ttl_ms).unwrap_or(window_ms)))
    }

    /// Forgets a counter (a successful sign-in clears its failures).
    pub async fn forget(&self, key: &str) {
        let key = format!("{}:{key}", self.inner.prefix);
        let _: Option<()> = self.run(|mut conn| async move { conn.del(key).await }).await;
    }

    /// `Ok` when Redis answers a PING now. Probing here lets `/health`
    /// notice a recovered Redis even when no request has used the cache.
    pub async fn status(&self) -> CacheStatus {
        let pong: Option<String> =
            self.run_now(|mut conn| async move { redis::cmd("PING").query_async(&mut conn).await }).await;
        if pong.is_some() { CacheStatus::Ok } else { CacheStatus::Degraded }
    }

    /// Runs a command unless we are inside the back-off window.
    async fn run<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if self.inner.degraded.load(Ordering::Relaxed) && !self.retry_due() {
            return None;
        }
        self.run_now(command).await
    }

    async fn run_now<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.inner.manager.clone()?;
        match tokio::time::timeout(self.inner.command_timeout * 2, command(conn)).await {
            Ok(Ok(value)) => {
                self.mark_ok();
                Some(value)
            }
            Ok(Err(error)) => {
                self.mark_degraded(&error.to_string());
                None
            }
            Err(_) => {
                self.mark_degraded("timed out");
                None
            }
        }
    }

    fn version_key(&self, namespace: &str) -> String {
        format!("{}:ns:{namespace}:version", self.inner.prefix)
    }

    fn retry_due(&self) -> bool {
        let mut retry_at = self.inner.retry_at.lock().unwrap_or_else(|e| e.into_inner());
        match *retry_at {
            Some(at) if Instant::now() < at => false,
            _ => {
                // Let exactly one caller probe; the rest keep skipping.
                *retry_at = Some(Instant::now() + RETRY_AFTER);
                true
            }
        }
    }

    fn mark_degraded(&self, reason: &str) {
        *self.inner.retry_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + RETRY_AFTER);
        if !self.inner.degraded.swap(true, Ordering::Relaxed) {
            tracing::warn!(reason, "Redis is unavailable; serving straight from PostgreSQL");
        }
    }

    fn mark_ok(&self) {
        if self.inner.degraded.swap(false, Ordering::Relaxed) {
            tracing::info!("Redis is reachable again; caching resumed");
        }
    }
}

/// A stored entry decoded; `None` (a miss) when it does not decode.
fn decode<T: DeserializeOwned>(key: &str, stored: Stored) -> Option<Entry<T>> {
    // Stored for its time to live plus the stale window: in the window's
    // last stretch it is stale.
    let fresh = !stored.fresh_for().is_zero();
    match serde_json::from_slice(&stored.bytes) {
        Ok(value) => Some(Entry { value, fresh }),
        Err(error) => {
            tracing::warn!(key, %error, "discarding undecodable cache entry");
            None
        }
    }
}

/// A duration in whole milliseconds, as Redis takes them (at least 1).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}
