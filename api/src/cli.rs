//! The `steward` command line: serve (default), migrate, export-schema, seed-demo.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::graphql::schema;
use crate::settings::Settings;
use crate::startup::Application;
use crate::{db, demo, telemetry};

/// Steward: the GraphQL backend for multi-shop e-commerce agencies.
#[derive(Parser)]
#[command(name = "steward", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    ExportSchema,
    /// Apply migrations, load a demo agency through the API, and print its login.
    SeedDemo {
        /// Instead of the demo, a large agency for benchmarks: this many shops of 100
        /// products, a year of daily metrics over 6 traffic sources and 20 days of product
        /// metrics each (500 gives 50,000 products and about 1.1 million daily rows).
        #[arg(long)]
        scale: Option<usize>,
    },
}

/// Runs the command line; the exit code says whether it worked.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::ExportSchema) = cli.command {
        print!("{}", schema::sdl());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("steward: {err}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => migrate(settings).await,
        Command::SeedDemo { scale } => seed_demo(settings, scale).await,
        Command::Serve | Command::ExportSchema => serve(settings).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("steward: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings, Default::default()).await?;
    db::migrate(&db).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn seed_demo(settings: Settings, scale: Option<usize>) -> anyhow::Result<()> {
    let login = demo::seed(settings, scale).await?;
    println!(
        "Seeded {} shops. Sign in with:\n  email:    {}\n  password: {}",
        login.shops, login.email, login.password
    );
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    let host = settings
        .addr
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host);
    tracing::info!(port = app.port(), env = ?settings.env, "Steward is listening");
    if !settings.is_production() {
        tracing::info!("GraphiQL: http://{host}:{}/graphiql", app.port());
    }
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
