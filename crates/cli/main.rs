//! The `toklon` command: a thin layer over the library crates.
//!
//! Arguments are parsed by clap into [`args::Cli`], turned into validated library
//! inputs, and only `main` decides the exit code: 0 success, 1 outputs written but a
//! quality gate failed (or `check --manifest` found changed inputs), 2 the run could
//! not happen (usage, config, unreadable input).

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

mod args;
mod bars;
mod commands;
mod eval;
mod explain;

use std::process::ExitCode;

// mimalloc: faster than glibc's malloc on the many small allocations of the
// standardize and write phases, and it returns freed memory to the OS sooner.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

/// How a command that ran ended.
pub enum Status {
    Success,
    /// Outputs were written, but a quality gate failed (exit code 1).
    QualityGateFailed,
    /// `check --manifest`: some input is no longer what the run read (exit code 1).
    InputsChanged,
}

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.verbose, cli.quiet);
    match commands::dispatch(cli) {
        Ok(Status::Success) => ExitCode::SUCCESS,
        Ok(Status::QualityGateFailed | Status::InputsChanged) => ExitCode::from(1),
        Err(e) => {
            // The error and its causes on one line: `{:#}` joins the chain with
            // `: `, and no error of this workspace repeats its cause.
            eprintln!("toklon: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the level chosen by `-v`/`-q`.
fn init_logging(verbose: u8, quiet: bool) {
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
