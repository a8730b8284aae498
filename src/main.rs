//! The `nexus` binary: serve the store, migrate, import, export or generate a
//! catalog, create users.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use nexus::server::{config::Config, serve, telemetry};
use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    cache::Cache,
    catalog::{
        demo,
        import::{ImportError, ImportSummary, RowCounts},
    },
    db,
};

#[derive(Parser)]
#[command(name = "nexus", version, about = "The Nexus store: web pages, JSON API and tools")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the store (the default), with the
    /// background job workers unless NEXUS_WORKERS=0.
    Serve,
    /// Run only the background job workers (e-mails, alerts, periodic jobs).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load categories.csv, products.csv and variants.csv from DIR (idempotent).
    ImportCatalog { dir: PathBuf },
    /// Write the whole catalog as categories.csv, products.csv and variants.csv into DIR.
    ExportCatalog { dir: PathBuf },
    /// Generate a demo catalog into DIR (same seed and size, same files). Needs no database.
    DemoCatalog {
        /// How many products.
        #[arg(long, default_value_t = demo::DEFAULT_PRODUCTS)]
        products: usize,
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        dir: PathBuf,
    },
    /// Create an account.
    CreateUser {
        #[arg(long)]
        email: String,
        /// Better left out: the password is then read from the first line
        /// of standard input, where other users of the machine cannot see
        /// it (a command line shows in `ps`).
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Customer)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Customer,
    Staff,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Customer => Role::Customer,
            RoleArg::Staff => Role::Staff,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// With the cache's answers served from the process, allocation is a
/// fifth of a cached API read, and glibc's arenas contend for a lock
/// between the runtime's threads; see the README's "At a million products".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::DemoCatalog { products, seed, dir }) = &cli.command {
        return match demo_catalog(*products, *seed, dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("nexus: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("nexus: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("nexus: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("nexus: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve::run(config).await,
        Command::Worker => serve::run_worker(config).await,
        Command::Migrate => {
            let pool = db::connect(&config.database_url, 2).await?;
            db::migrate(&pool).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::ImportCatalog { dir } => import_catalog(config, dir).await,
        Command::ExportCatalog { dir } => export_catalog(config, dir).await,
        Command::DemoCatalog { .. } => unreachable!("handled before the configuration is read"),
        Command::CreateUser { email, password, name, role } => {
            let password = match password {
                Some(password) => password,
                None => password_from_stdin()?,
            };
            let core = connect(&config).await?;
            let role = Role::from(role);
            let new_user = NewUser { email: &email, password: &password, name: &name, role };
            let id = core.accounts.create_user(new_user).await.context("cannot create the user")?;
            println!("created {role} {email} (id {id})");
            Ok(())
        }
    }
}

/// The first line of standard input, without its line ending.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(!password.is_empty(), "no password: give it on standard input (or --password)");
    Ok(password)
}

/// The core services over a small pool on a migrated database, for the
/// one-shot commands.
async fn connect(config: &Config) -> anyhow::Result<Core> {
    let pool = db::connect(&config.database_url, 2).await?;
    db::migrate(&pool).await?;
    let cache = Cache::with_timeout(&config.redis_url, config.cache_prefix.clone(), config.redis_timeout);
    Ok(Core::new(pool, cache, config.core_settings()))
}

async fn import_catalog(config: Config, dir: PathBuf) -> anyhow::Result<()> {
    let core = connect(&config).await?;
    let started = Instant::now();
    let mut report = |stage: &str, done: usize, total: usize| {
        println!("  {stage}: {done}/{total} ({:.1}s)", started.elapsed().as_secs_f64());
    };
    println!("importing the catalog in {}", dir.display());
    let summary = match core.catalog.import(&dir, &mut report).await {
        Ok(summary) => summary,
        Err(ImportError::Invalid(bad)) => {
            for row in &bad.rows {
                eprintln!("{}: {row}", dir.display());
            }
            if bad.unlisted > 0 {
                eprintln!("… and {} more bad rows", bad.unlisted);
            }
            anyhow::bail!("{bad}");
        }
        Err(error) => {
            return Err(error).with_context(|| format!("importing {} failed; nothing was changed", dir.display()));
        }
    };
    print_import_summary(&summary);
    println!(
        "imported {} categories, {} products and {} variants in {:.1}s",
        summary.categories.rows,
        summary.products.rows,
        summary.total_variants(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_import_summary(summary: &ImportSummary) {
    let line = |what: &str, counts: RowCounts| {
        println!(
            "  {what:<17} {:>8} rows: {:>8} created, {:>8} updated, {:>8} unchanged",
            counts.rows,
            counts.created,
            counts.updated,
            counts.unchanged()
        );
    };
    line("categories.csv", summary.categories);
    line("products.csv", summary.products);
    line("variants.csv", summary.variants);
    line("default variants", summary.default_variants);
}

async fn export_catalog(config: Config, dir: PathBuf) -> anyhow::Result<()> {
    let core = connect(&config).await?;
    let started = Instant::now();
    let summary =
        core.catalog.export_to_dir(&dir).await.with_context(|| format!("exporting into {} failed", dir.display()))?;
    println!(
        "exported {} categories, {} products and {} variants into {} in {:.1}s",
        summary.categories,
        summary.products,
        summary.variants,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn demo_catalog(products: usize, seed: u64, dir: &std::path::Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut report = |_: &str, done: usize, total: usize| {
        if done.is_multiple_of(100_000) && done < total {
            println!("  products: {done}/{total} ({:.1}s)", started.elapsed().as_secs_f64());
        }
    };
    let summary = demo::generate(dir, products, seed, &mut report)
        .with_context(|| format!("cannot write the demo catalog into {}", dir.display()))?;
    println!(
        "wrote {} categories, {} products ({} inactive, {} out of stock) and {} variants ({} with their own price) \
         into {} in {:.1}s (seed {seed})",
        summary.categories,
        summary.products,
        summary.inactive,
        summary.out_of_stock,
        summary.variants,
        summary.variant_prices,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
