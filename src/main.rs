//! The `clausier` binary: the command line over the library (clap lives here, not in it).

mod cli;

/// mimalloc rather than the system's allocator: what a load of a large policy spends in
/// `malloc` and `free` (see `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
