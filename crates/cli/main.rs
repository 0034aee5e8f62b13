//! The `toklon` binary: the command line of [`toklon_cli`], with mimalloc.

use std::process::ExitCode;

// mimalloc: faster than glibc's malloc on the many small allocations of the
// standardize and write phases, and it returns freed memory to the OS sooner.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    allocator::settle();
    ExitCode::from(toklon_cli::main_from(std::env::args_os()))
}

/// mimalloc's settings. It reads them from the environment as the process
/// starts, before `main`, so a setting the environment lacks is given by
/// starting the program again with it.
mod allocator {
    /// How long memory freed by the program stays with it before it is given
    /// back to the system, in milliseconds (mimalloc's default: 1000).
    ///
    /// The stages of a large run free gigabytes and allocate as many a few
    /// seconds later (a registry's records and links, a blocking rule's pairs,
    /// a list's batches). Given back, every page is faulted in and zeroed again,
    /// and on a virtual machine that hands free pages back to its host (free
    /// page reporting) the host faults it in too. Kept a few seconds, the next
    /// allocation reuses it. At 10M people (benches/RESULTS.md, session 18):
    /// the run 169.8 → 150.2 s, system time 31.2 → 20.7 s, peak 2,850 → 2,898 MB
    /// (10 s: 145.6 s but 3,037 MB; never: 3,806 MB).
    const PURGE_DELAY_MS: &str = "3000";
    const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

    /// Runs the program again, in this process, with the settings the
    /// environment lacks; a setting the environment gives is kept as given,
    /// which also stops the second start from starting a third. When the
    /// program cannot be started again it runs on with mimalloc's defaults.
    #[cfg(unix)]
    pub fn settle() {
        use std::os::unix::process::CommandExt;
        if std::env::var_os(PURGE_DELAY).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let Some(arg0) = args.next() else {
            return;
        };
        // `exec` returns only when it failed.
        let _ = std::process::Command::new(exe)
            .arg0(arg0)
            .args(args)
            .env(PURGE_DELAY, PURGE_DELAY_MS)
            .exec();
    }

    #[cfg(not(unix))]
    pub fn settle() {}
}
