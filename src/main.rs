//! The `clausier` binary: the command line over the library (clap lives here, not in it).

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
