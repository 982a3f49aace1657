//! The `steward` binary: a thin shim over `api::cli`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    api::cli::run().await
}
