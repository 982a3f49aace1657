//! The `steward` binary: a thin shim over `api::cli`.

use std::process::ExitCode;

/// mimalloc instead of the system allocator: a request allocates and frees many small values
/// (rows, GraphQL values, JSON), and glibc's malloc took about a sixth of the service's CPU time
/// under load (see BENCHMARKS.md). Built not to ask for transparent huge pages (Cargo.toml); the Docker
/// image also makes it give freed memory back at once (`MIMALLOC_ARENA_PURGE_MULT`, README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    api::cli::run().await
}
