//! Configuration comes from environment variables only (12-factor). Every
//! problem is reported as one sentence naming the variable, what was wrong
//! and how to fix it, so start-up never ends in a backtrace.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use nexus_core::{
    Secret, Settings,
    mail::check_settings,
    model::order::Pricing,
    rate_limit::{Limit, RateLimits},
    settings::{JobSettings, MailSettings},
};

use super::{
    client_ip::{ForwardedHeader, TrustedProxies},
    graphql::limits::Limits as GraphqlLimits,
};

/// Typed configuration for every subcommand.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub redis_url: String,
    /// How long a Redis command may take before Redis counts as down and
    /// the store serves from PostgreSQL alone (`REDIS_TIMEOUT_MS`, default 250).
    pub redis_timeout: Duration,
    /// Prefix of every cache key (`NEXUS_CACHE_PREFIX`, default `nexus`).
    pub cache_prefix: String,
    pub addr: SocketAddr,
    pub environment: Environment,
    /// Signs sessions and tokens; never logged (see the `Debug` impl of `Secret`).
    pub secret_key: Secret,
    pub currency: String,
    pub media_dir: PathBuf,
    /// Where cargo-leptos put the compiled site (`pkg/` with JS, wasm, CSS).
    pub site_root: PathBuf,
    pub db_max_connections: u32,
    pub request_timeout: Duration,
    pub log_format: LogFormat,
    /// Absolute origin shoppers reach the store at (`NEXUS_PUBLIC_URL`), for
    /// canonical links, OpenGraph tags and the sitemap. No trailing slash.
    pub public_url: String,
    /// Limits on sign-in, registration, refresh and API requests
    /// (`NEXUS_RATE_LIMITS`, `NEXUS_API_READS_PER_MINUTE`, `NEXUS_API_WRITES_PER_MINUTE`).
    pub rate_limits: RateLimits,
    /// Origins of web apps that may call the API from a browser
    /// (`NEXUS_CORS_ORIGINS`, comma-separated; none by default).
    pub cors_origins: Vec<String>,
    /// Shipping prices and tax rate (`NEXUS_SHIPPING_*`, `NEXUS_TAX_RATE_BASIS_POINTS`).
    pub pricing: Pricing,
    /// The IANA zone the store's days are counted in (`NEXUS_TIME_ZONE`,
    /// default `UTC`); checked against PostgreSQL's zones at start-up.
    pub time_zone: String,
    /// Reverse proxies whose forwarding header names the client
    /// (`NEXUS_TRUSTED_PROXIES`, `NEXUS_CLIENT_IP_HEADER`).
    pub trusted_proxies: TrustedProxies,
    /// What one GraphQL request may cost (depth, complexity, size, time);
    /// the defaults are `graphql::limits`' constants, tests lower them.
    pub graphql: GraphqlLimits,
    /// How many jobs this process runs at once (`NEXUS_WORKERS`, default
    /// 4); `0` runs no workers, for web-only instances beside `nexus worker`.
    pub workers: usize,
    /// SMTP server and sender (`NEXUS_SMTP_URL`, `NEXUS_MAIL_FROM`).
    pub mail: MailSettings,
    /// Retries and periodic clean-up (`NEXUS_JOB_MAX_ATTEMPTS`,
    /// `NEXUS_JOB_RETRY_SECS`, `NEXUS_GUEST_CART_DAYS`).
    pub jobs: JobSettings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A configuration problem, phrased for the person starting the app.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable} {problem}; {fix} (see .env.example)")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
    pub fix: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { variable, problem: problem.into(), fix: fix.into() }
    }
}

const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// What the core services need of this configuration.
    pub fn core_settings(&self) -> Settings {
        Settings {
            currency: self.currency.clone(),
            pricing: self.pricing,
            media_dir: self.media_dir.clone(),
            secret_key: self.secret_key.clone(),
            rate_limits: self.rate_limits,
            time_zone: self.time_zone.clone(),
            public_url: self.public_url.clone(),
            mail: self.mail.clone(),
            jobs: self.jobs.clone(),
        }
    }

    /// Cookies carry `Secure` everywhere except local development over
    /// plain HTTP.
    pub fn secure_cookies(&self) -> bool {
        self.environment == Environment::Production || self.public_url.starts_with("https://")
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL").ok_or_else(|| {
            ConfigError::new(
                "DATABASE_URL",
                "is not set",
                "set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/nexus",
            )
        })?;
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::new(
                "DATABASE_URL",
                format!("must start with postgres:// but starts with `{}`", scheme_of(&database_url)),
                "set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/nexus",
            ));
        }

        let redis_url = get("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
        if !(redis_url.starts_with("redis://") || redis_url.starts_with("rediss://")) {
            return Err(ConfigError::new(
                "REDIS_URL",
                format!("must start with redis:// but starts with `{}`", scheme_of(&redis_url)),
                "set it to a Redis URL such as redis://127.0.0.1:6379",
            ));
        }

        let redis_timeout_ms = parse_number(
            &get,
            "REDIS_TIMEOUT_MS",
            nexus_core::cache::DEFAULT_COMMAND_TIMEOUT.as_millis() as u64,
            1..=60_000,
        )?;

        let time_zone = get("NEXUS_TIME_ZONE").unwrap_or_else(|| "UTC".to_owned());
        if time_zone.is_empty()
            || time_zone.len() > 64
            || !time_zone.chars().all(|c| c.is_ascii_alphanumeric() || "_+-/".contains(c))
        {
            return Err(ConfigError::new(
                "NEXUS_TIME_ZONE",
                format!("is `{time_zone}`"),
                "set it to an IANA time zone such as UTC or Europe/Berlin",
            ));
        }

        let cache_prefix = get("NEXUS_CACHE_PREFIX").unwrap_or_else(|| "nexus".to_owned());

        let addr_text = get("NEXUS_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        let addr = addr_text.parse().map_err(|_| {
            ConfigError::new(
                "NEXUS_ADDR",
                format!("is `{addr_text}`, which is not an IP address and port"),
                "set it to something like 127.0.0.1:3000 or 0.0.0.0:8080",
            )
        })?;

        let environment = match get("NEXUS_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "NEXUS_ENV",
                    format!("is `{other}`"),
                    "set it to `development` or `production`",
                ));
            }
        };

        let secret_key = match get("NEXUS_SECRET_KEY") {
            Some(key) if key.len() >= MIN_SECRET_LEN => Secret::new(key),
            Some(key) => {
                return Err(ConfigError::new(
                    "NEXUS_SECRET_KEY",
                    format!("is {} characters long, fewer than {MIN_SECRET_LEN}", key.len()),
                    "generate one with `openssl rand -hex 32`",
                ));
            }
            None if environment == Environment::Production => {
                return Err(ConfigError::new(
                    "NEXUS_SECRET_KEY",
                    "is not set, and production needs a stable secret",
                    "generate one with `openssl rand -hex 32`",
                ));
            }
            // Development without a key: sessions simply do not survive a restart.
            None => Secret::random(2 * MIN_SECRET_LEN),
        };

        let currency = get("NEXUS_CURRENCY").unwrap_or_else(|| "USD".to_owned());
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ConfigError::new(
                "NEXUS_CURRENCY",
                format!("is `{currency}`, not an ISO 4217 code"),
                "set it to three capital letters such as USD or EUR",
            ));
        }

        let media_dir = PathBuf::from(get("NEXUS_MEDIA_DIR").unwrap_or_else(|| "media".to_owned()));
        let site_root = PathBuf::from(get("NEXUS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()));

        let db_max_connections = parse_number(&get, "NEXUS_DB_MAX_CONNECTIONS", 10, 1..=1000)?;
        let timeout_secs = parse_number(&get, "NEXUS_REQUEST_TIMEOUT_SECS", 30, 1..=3600)?;

        let log_format = match get("NEXUS_LOG_FORMAT").as_deref() {
            None if environment == Environment::Production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "NEXUS_LOG_FORMAT",
                    format!("is `{other}`"),
                    "set it to `pretty` or `json`",
                ));
            }
        };

        let public_url = get("NEXUS_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
        let public_url = public_url.trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) || public_url.contains(['?', '#'])
        {
            return Err(ConfigError::new(
                "NEXUS_PUBLIC_URL",
                format!("is `{public_url}`, not an http(s) origin"),
                "set it to the address shoppers use, such as https://shop.example.com",
            ));
        }

        let defaults = RateLimits::default();
        let per_minute = |variable, default: Limit| {
            parse_number(&get, variable, default.max, 1..=1_000_000).map(|max| Limit::per(max, Duration::from_secs(60)))
        };
        let api_reads = per_minute("NEXUS_API_READS_PER_MINUTE", defaults.api_reads)?;
        let api_writes = per_minute("NEXUS_API_WRITES_PER_MINUTE", defaults.api_writes)?;
        let rate_limits = match get("NEXUS_RATE_LIMITS").as_deref() {
            None | Some("on") => RateLimits { api_reads, api_writes, ..defaults },
            Some("off") => RateLimits { enabled: false, ..defaults },
            Some(other) => {
                return Err(ConfigError::new(
                    "NEXUS_RATE_LIMITS",
                    format!("is `{other}`"),
                    "set it to `on` (the default) or `off` (load tests only)",
                ));
            }
        };

        let cors_origins = parse_origins(get("NEXUS_CORS_ORIGINS").as_deref().unwrap_or_default())?;

        let defaults = Pricing::default();
        let money = |variable, default: i64| parse_number(&get, variable, default as u64, 0..=100_000_000);
        let pricing = Pricing {
            standard_shipping_cents: money("NEXUS_SHIPPING_STANDARD_CENTS", defaults.standard_shipping_cents)? as i64,
            express_shipping_cents: money("NEXUS_SHIPPING_EXPRESS_CENTS", defaults.express_shipping_cents)? as i64,
            free_shipping_from_cents: money("NEXUS_FREE_SHIPPING_FROM_CENTS", defaults.free_shipping_from_cents)?
                as i64,
            tax_rate_basis_points: parse_number(
                &get,
                "NEXUS_TAX_RATE_BASIS_POINTS",
                defaults.tax_rate_basis_points as u64,
                0..=10_000,
            )? as i64,
        };

        let blocks =
            TrustedProxies::parse_blocks(&get("NEXUS_TRUSTED_PROXIES").unwrap_or_default()).map_err(|problem| {
                ConfigError::new(
                    "NEXUS_TRUSTED_PROXIES",
                    format!("is not a list of address blocks: {problem}"),
                    "set it to your proxies' addresses or CIDR blocks, comma-separated, such as 10.0.0.0/8,fd00::/8",
                )
            })?;
        let forwarded_header = match get("NEXUS_CLIENT_IP_HEADER").as_deref() {
            None | Some("x-forwarded-for") => ForwardedHeader::XForwardedFor,
            Some("forwarded") => ForwardedHeader::Forwarded,
            Some(other) => {
                return Err(ConfigError::new(
                    "NEXUS_CLIENT_IP_HEADER",
                    format!("is `{other}`"),
                    "set it to `x-forwarded-for` (the default) or `forwarded`, whichever your proxy appends to",
                ));
            }
        };
        let trusted_proxies = TrustedProxies::new(blocks, forwarded_header);

        let workers = parse_number(&get, "NEXUS_WORKERS", 4, 0..=64)? as usize;
        let mail = MailSettings {
            smtp_url: get("NEXUS_SMTP_URL").filter(|url| !url.trim().is_empty()).map(Secret::new),
            from: get("NEXUS_MAIL_FROM").unwrap_or_else(|| MailSettings::default().from),
        };
        check_settings(&mail).map_err(|error| {
            let variable = match error {
                nexus_core::mail::MailConfigError::SmtpUrl(_) => "NEXUS_SMTP_URL",
                nexus_core::mail::MailConfigError::From(_) => "NEXUS_MAIL_FROM",
            };
            ConfigError::new(variable, "cannot be used", error.to_string())
        })?;
        let job_defaults = JobSettings::default();
        let jobs = JobSettings {
            max_attempts: parse_number(&get, "NEXUS_JOB_MAX_ATTEMPTS", u64::from(job_defaults.max_attempts), 1..=100)?
                as u32,
            first_retry_after: Duration::from_secs(parse_number(
                &get,
                "NEXUS_JOB_RETRY_SECS",
                job_defaults.first_retry_after.as_secs(),
                1..=86_400,
            )?),
            guest_cart_days: parse_number(
                &get,
                "NEXUS_GUEST_CART_DAYS",
                u64::from(job_defaults.guest_cart_days),
                1..=3650,
            )? as u32,
            ..job_defaults
        };

        Ok(Self {
            database_url,
            redis_url,
            redis_timeout: Duration::from_millis(redis_timeout_ms),
            cache_prefix,
            addr,
            environment,
            secret_key,
            currency,
            media_dir,
            site_root,
            db_max_connections: db_max_connections as u32,
            request_timeout: Duration::from_secs(timeout_secs),
            log_format,
            public_url,
            rate_limits,
            cors_origins,
            pricing,
            time_zone,
            trusted_proxies,
            graphql: GraphqlLimits::within(Duration::from_secs(timeout_secs)),
            workers,
            mail,
            jobs,
        })
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(text) = get(variable) else {
        return Ok(default);
    };
    text.parse::<u64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        ConfigError::new(
            variable,
            format!("is `{text}`"),
            format!("set it to a whole number from {} to {}", range.start(), range.end()),
        )
    })
}

/// `https://app.example.com, http://localhost:5173` → each origin as
/// browsers send it: a scheme, a host, maybe a port, nothing else.
fn parse_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    let origin = |entry: &str| {
        let rest = entry.strip_prefix("https://").or_else(|| entry.strip_prefix("http://"))?;
        let host_and_port = !rest.is_empty() && !rest.contains(['/', '?', '#', '*', ' ', '@']);
        host_and_port.then(|| entry.to_ascii_lowercase())
    };
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            origin(entry).ok_or_else(|| {
            ConfigError::new(
                "NEXUS_CORS_ORIGINS",
                format!("holds `{entry}`, which is not an origin"),
                "list origins such as https://app.example.com,http://localhost:5173 (scheme, host and port; no path)",
            )
        })
        })
        .collect()
}

fn scheme_of(url: &str) -> &str {
    url.split_once("://").map_or(url, |(scheme, _)| scheme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://postgres@127.0.0.1/nexus");

    #[test]
    fn defaults_fill_everything_but_the_database() {
        let config = config(&[DB]).unwrap();
        assert_eq!(config.addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(config.redis_timeout, Duration::from_millis(250));
        assert_eq!(config.currency, "USD");
        assert_eq!(config.environment, Environment::Development);
        assert!(config.secret_key.expose().len() >= MIN_SECRET_LEN);
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
    }

    #[test]
    fn the_public_url_loses_its_trailing_slash() {
        let config = config(&[DB, ("NEXUS_PUBLIC_URL", "https://shop.example.com/")]).unwrap();
        assert_eq!(config.public_url, "https://shop.example.com");
    }

    #[test]
    fn missing_database_url_names_the_variable_and_the_fix() {
        let error = config(&[]).unwrap_err();
        assert_eq!(error.variable, "DATABASE_URL");
        assert!(error.to_string().contains("is not set"));
        assert!(error.to_string().contains("postgres://"));
    }

    #[test]
    fn bad_values_are_rejected_with_one_sentence_each() {
        for (vars, variable) in [
            (vec![("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (vec![DB, ("REDIS_URL", "http://x")], "REDIS_URL"),
            (vec![DB, ("REDIS_TIMEOUT_MS", "0")], "REDIS_TIMEOUT_MS"),
            (vec![DB, ("NEXUS_TIME_ZONE", "Mars/Olympus Mons")], "NEXUS_TIME_ZONE"),
            (vec![DB, ("NEXUS_ADDR", "localhost")], "NEXUS_ADDR"),
            (vec![DB, ("NEXUS_ENV", "staging")], "NEXUS_ENV"),
            (vec![DB, ("NEXUS_SECRET_KEY", "short")], "NEXUS_SECRET_KEY"),
            (vec![DB, ("NEXUS_ENV", "production")], "NEXUS_SECRET_KEY"),
            (vec![DB, ("NEXUS_CURRENCY", "dollars")], "NEXUS_CURRENCY"),
            (vec![DB, ("NEXUS_DB_MAX_CONNECTIONS", "0")], "NEXUS_DB_MAX_CONNECTIONS"),
            (vec![DB, ("NEXUS_REQUEST_TIMEOUT_SECS", "soon")], "NEXUS_REQUEST_TIMEOUT_SECS"),
            (vec![DB, ("NEXUS_PUBLIC_URL", "shop.example.com")], "NEXUS_PUBLIC_URL"),
            (vec![DB, ("NEXUS_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")], "NEXUS_TRUSTED_PROXIES"),
            (vec![DB, ("NEXUS_CLIENT_IP_HEADER", "x-real-ip")], "NEXUS_CLIENT_IP_HEADER"),
            (vec![DB, ("NEXUS_WORKERS", "many")], "NEXUS_WORKERS"),
            (vec![DB, ("NEXUS_SMTP_URL", "http://mail.example.com")], "NEXUS_SMTP_URL"),
            (vec![DB, ("NEXUS_MAIL_FROM", "not an address")], "NEXUS_MAIL_FROM"),
            (vec![DB, ("NEXUS_JOB_MAX_ATTEMPTS", "0")], "NEXUS_JOB_MAX_ATTEMPTS"),
            (vec![DB, ("NEXUS_GUEST_CART_DAYS", "0")], "NEXUS_GUEST_CART_DAYS"),
        ] {
            let error = config(&vars).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
            assert!(!error.to_string().contains('\n'));
        }
    }

    #[test]
    fn cors_origins_and_api_budgets_are_read_and_checked() {
        let read = config(&[
            DB,
            ("NEXUS_CORS_ORIGINS", "https://App.example.com, http://localhost:5173"),
            ("NEXUS_API_READS_PER_MINUTE", "1000"),
        ])
        .unwrap();
        assert_eq!(read.cors_origins, ["https://app.example.com", "http://localhost:5173"]);
        assert_eq!(read.rate_limits.api_reads.max, 1000);
        assert_eq!(read.rate_limits.api_writes, RateLimits::default().api_writes);
        assert!(config(&[DB]).unwrap().cors_origins.is_empty(), "none by default");
        for bad in ["*", "https://app.example.com/", "app.example.com"] {
            let error = config(&[DB, ("NEXUS_CORS_ORIGINS", bad)]).unwrap_err();
            assert_eq!(error.variable, "NEXUS_CORS_ORIGINS", "{bad}");
        }
        let error = config(&[DB, ("NEXUS_API_WRITES_PER_MINUTE", "0")]).unwrap_err();
        assert_eq!(error.variable, "NEXUS_API_WRITES_PER_MINUTE");
    }

    #[test]
    fn workers_and_mail_are_read_and_the_smtp_password_never_shows() {
        let defaults = config(&[DB]).unwrap();
        assert_eq!(defaults.workers, 4);
        assert!(defaults.mail.smtp_url.is_none(), "the demo records e-mails without sending them");
        assert_eq!(defaults.jobs.guest_cart_days, 30);
        let read = config(&[
            DB,
            ("NEXUS_WORKERS", "0"),
            ("NEXUS_SMTP_URL", "smtp://shop:hunter2secret@mail.example.com:587?tls=required"),
            ("NEXUS_MAIL_FROM", "Shop <shop@example.com>"),
            ("NEXUS_JOB_MAX_ATTEMPTS", "7"),
            ("NEXUS_JOB_RETRY_SECS", "30"),
            ("NEXUS_GUEST_CART_DAYS", "14"),
        ])
        .unwrap();
        assert_eq!(read.workers, 0);
        assert_eq!(read.mail.from, "Shop <shop@example.com>");
        assert_eq!((read.jobs.max_attempts, read.jobs.first_retry_after.as_secs()), (7, 30));
        assert_eq!(read.jobs.guest_cart_days, 14);
        assert!(!format!("{read:?}").contains("hunter2secret"));
        let error = config(&[DB, ("NEXUS_SMTP_URL", "smtp://shop:hunter2secret@mail example.com")]).unwrap_err();
        assert!(!error.to_string().contains("hunter2secret"), "{error}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let key = "k".repeat(40);
        let config = config(&[DB, ("NEXUS_SECRET_KEY", key.as_str())]).unwrap();
        assert!(!format!("{config:?}").contains(&key));
    }
}
