//! The `toklon` command line as a library: a thin layer over the library crates.
//!
//! Arguments are parsed by clap into [`args::Cli`], turned into validated library
//! inputs, and only [`main_from`] decides the exit code: 0 success, 1 outputs written
//! but a quality gate failed (or `check --manifest` found changed inputs), 2 the run
//! could not happen (usage, config, unreadable input).
//!
//! The `toklon` binary is `main_from(std::env::args_os())`; the Python package calls
//! the same function for its `toklon` script, and [`run_job`] for `toklon.run`, so
//! both run exactly what the command runs.
//!
//! ```no_run
//! let code = toklon_cli::main_from(["toklon", "run", "fixtures/demo", "--as-of", "2025-01-01"]);
//! ```

/// Writes to stdout, ignoring a closed pipe (`toklon eval … | head` must not panic).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Like [`outln!`] without the newline.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

pub mod args;
mod bars;
mod commands;
mod eval;
mod explain;

use std::ffi::OsString;

use clap::Parser;

pub use commands::run_job;

/// How a command that ran ended.
pub enum Status {
    Success,
    /// Outputs were written, but a quality gate failed (exit code 1).
    QualityGateFailed,
    /// `check --manifest`: some input is no longer what the run read (exit code 1).
    InputsChanged,
}

/// Runs the command line `args` (the program's name first) and returns its exit
/// code (a number, so that the Python package can return it too).
pub fn main_from<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    init_logging(cli.verbose, cli.quiet);
    match commands::dispatch(cli) {
        Ok(Status::Success) => 0,
        Ok(Status::QualityGateFailed | Status::InputsChanged) => 1,
        Err(e) => {
            // The error and its causes on one line: `{:#}` joins the chain with
            // `: `, and no error of this workspace repeats its cause.
            eprintln!("toklon: error: {e:#}");
            2
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the level chosen by `-v`/`-q`. The
/// first call in a process sets the level (the Python package calls it with the
/// command's default, warnings).
pub fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .try_init();
}
