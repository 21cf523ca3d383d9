//! The `clausier` binary.

fn main() -> std::process::ExitCode {
    clausier::cli::run()
}
