//! Standard output for the commands. `println!` panics when the reader has gone
//! (`clausier eval … | head -1`); these stop the program quietly instead, as Unix tools do.

use std::io::{ErrorKind, Write as _};

use crate::cli::{OK, TROUBLE};

/// Writes to standard output; a closed pipe ends the program with status 0 and no message.
pub(crate) fn print(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        stop(&e);
    }
}

/// Ends the program after a failed write: quietly when nobody reads any more (there is nobody
/// to tell), with an error on standard error otherwise.
fn stop(e: &std::io::Error) -> ! {
    if e.kind() == ErrorKind::BrokenPipe {
        std::process::exit(OK.into());
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(TROUBLE.into())
}

/// `print!` through [`print`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::print(format_args!($($arg)*))
    };
}

/// `println!` through [`print`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}
