//! The `nexus` binary: serve the store, migrate, import a catalog, create users.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use nexus::server::{config::Config, serve, telemetry};
use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    cache::Cache,
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
    /// Migrate the database and serve the store (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load categories.csv, products.csv and variants.csv from DIR (idempotent).
    ImportCatalog { dir: PathBuf },
    /// Create an account.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Migrate => {
            let pool = db::connect(&config.database_url, 2).await?;
            db::migrate(&pool).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::ImportCatalog { dir } => import_catalog(config, dir).await,
        Command::CreateUser { email, password, name, role } => {
            let core = connect(&config).await?;
            let role = Role::from(role);
            let new_user = NewUser { email: &email, password: &password, name: &name, role };
            let id = core.accounts.create_user(new_user).await.context("cannot create the user")?;
            println!("created {role} {email} (id {id})");
            Ok(())
        }
    }
}

/// The core services over a small pool on a migrated database, for the
/// one-shot commands.
async fn connect(config: &Config) -> anyhow::Result<Core> {
    let pool = db::connect(&config.database_url, 2).await?;
    db::migrate(&pool).await?;
    let cache = Cache::new(&config.redis_url, config.cache_prefix.clone());
    Ok(Core::new(pool, cache, config.core_settings()))
}

async fn import_catalog(config: Config, dir: PathBuf) -> anyhow::Result<()> {
    let core = connect(&config).await?;
    let started = Instant::now();
    let mut report = |stage: &str, done: usize, total: usize| {
        println!("  {stage}: {done}/{total} ({:.1}s)", started.elapsed().as_secs_f64());
    };
    println!("importing the catalog in {}", dir.display());
    let summary = core
        .catalog
        .import(&dir, &mut report)
        .await
        .with_context(|| format!("importing {} failed; nothing was changed", dir.display()))?;
    println!(
        "imported {} categories, {} products and {} variants in {:.1}s",
        summary.categories,
        summary.products,
        summary.variants,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
