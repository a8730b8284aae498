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

use std::{
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use redis::{AsyncCommands, aio::ConnectionManager, aio::ConnectionManagerConfig};
use serde::{Serialize, de::DeserializeOwned};

/// How long one Redis command may take before we treat Redis as down, unless
/// the store sets its own (`REDIS_TIMEOUT_MS`).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, requests skip Redis for this long before probing again.
const RETRY_AFTER: Duration = Duration::from_secs(2);

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

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    manager: Option<ConnectionManager>,
    /// Prepended to every key, so several stores (or test databases) can
    /// share one Redis without reading each other's entries.
    prefix: String,
    command_timeout: Duration,
    degraded: AtomicBool,
    /// While degraded: when the next request may try Redis again.
    retry_at: Mutex<Option<Instant>>,
}

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
        let manager = redis::Client::open(redis_url).ok().and_then(|client| {
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
            inner: Arc::new(Inner {
                degraded: AtomicBool::new(manager.is_none()),
                manager,
                prefix: prefix.into(),
                command_timeout,
                retry_at: Mutex::new(None),
            }),
        }
    }

    /// Stores a value with a time to live; failures are logged and ignored.
    pub async fn set_json<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let seconds = ttl.as_secs().max(1);
        let _: Option<()> = self.run(|mut conn| async move { conn.set_ex(key, bytes, seconds).await }).await;
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
        let keys: Vec<String> = namespaces.iter().map(|namespace| self.version_key(namespace)).collect();
        let bumped: Option<()> = self
            .run(|mut conn| async move {
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.incr(key, 1).ignore();
                }
                pipe.query_async(&mut conn).await
            })
            .await;
        if bumped.is_none() {
            tracing::warn!(?namespaces, "could not invalidate cache namespaces; entries expire by TTL");
        }
    }

    /// Cache-aside read: the entry under the current versions of
    /// `namespaces` (a write to any of them retires it), or `load` from the
    /// database (stored for next time). The versions are read before
    /// loading, so a value loaded while a write is bumping one lands under
    /// the retired key and is never served.
    pub async fn get_or_load<T, E, Fut>(
        &self,
        namespaces: &[&str],
        key: &str,
        ttl: Duration,
        load: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        Fut: Future<Output = Result<T, E>>,
    {
        let Some((stamp, hit)) = self.read_versioned(namespaces, key).await else {
            return load().await;
        };
        if let Some(hit) = hit {
            metrics::counter!("nexus_cache_requests_total", "result" => "hit").increment(1);
            return Ok(hit);
        }
        metrics::counter!("nexus_cache_requests_total", "result" => "miss").increment(1);
        let value = load().await?;
        self.set_json(&stamp.key(key), &value, ttl).await;
        Ok(value)
    }

    /// The current versions of `namespaces` and the entry stored under
    /// them, in one round trip (a small Lua script reads all). `None` when
    /// Redis is unavailable: callers then skip the cache entirely, because a
    /// guessed version could serve an entry that a write already retired.
    /// An undecodable entry is a miss.
    pub async fn read_versioned<T: DeserializeOwned>(
        &self,
        namespaces: &[&str],
        key: &str,
    ) -> Option<(VersionStamp, Option<T>)> {
        static READ_VERSIONED: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "local versions = {}
                 for i, version_key in ipairs(KEYS) do versions[i] = redis.call('GET', version_key) or '0' end
                 local stamp = table.concat(versions, '.')
                 local value = redis.call('GET', ARGV[1] .. ':v' .. stamp .. ':' .. ARGV[2])
                 return {stamp, value}",
            )
        });
        assert!(!namespaces.is_empty(), "a cached entry belongs to at least one namespace");
        // Every namespace is named in the key, so two sets of namespaces
        // with the same versions can never share an entry.
        let namespace_prefix = format!("{}:{}", self.inner.prefix, namespaces.join("+"));
        let mut invocation = READ_VERSIONED.prepare_invoke();
        for namespace in namespaces {
            invocation.key(self.version_key(namespace));
        }
        invocation.arg(&namespace_prefix).arg(key);
        let (versions, bytes): (String, Option<Vec<u8>>) =
            self.run(|mut conn| async move { invocation.invoke_async(&mut conn).await }).await?;
        let value = bytes.and_then(|bytes| match serde_json::from_slice(&bytes) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(key, %error, "discarding undecodable cache entry");
                None
            }
        });
        Some((VersionStamp { namespace_prefix, versions }, value))
    }

    /// Counts one hit in a fixed window shared by every instance: returns the
    /// hits so far in the window and the milliseconds until it ends, or
    /// `None` when Redis is unavailable.
    pub async fn count_hit(&self, key: &str, window: Duration) -> Option<(u64, u64)> {
        let key = format!("{}:{key}", self.inner.prefix);
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let (hits, ttl_ms): (u64, i64) = self
            .run(|mut conn| async move {
                redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(window_ms)
                    .arg("NX")
                    .ignore()
                    .pttl(&key)
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        Some((hits, u64::try_from(ttl_ms).unwrap_or(window_ms)))
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
