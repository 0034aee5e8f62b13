//! The `toklon` binary: the command line of [`toklon_cli`], with mimalloc.

use std::process::ExitCode;

// mimalloc: faster than glibc's malloc on the many small allocations of the
// standardize and write phases, and it returns freed memory to the OS sooner.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(toklon_cli::main_from(std::env::args_os()))
}
