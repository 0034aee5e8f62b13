//! The process's resident memory, read at the end of each phase for
//! `summary.json` (`memory_mib`): what a national run needs to know to fit a
//! machine. Linux only (`/proc/self/status`); elsewhere nothing is recorded.

use serde::{Deserialize, Serialize};

/// Resident memory at the end of a phase, MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseMemory {
    /// Resident set when the phase ended.
    pub rss: u64,
    /// The most the process had resident so far (`VmHWM`): a phase whose `peak`
    /// is above the previous phase's reached it.
    pub peak: u64,
}

impl PhaseMemory {
    /// Now, or `None` where `/proc/self/status` cannot be read.
    pub(crate) fn now() -> Option<PhaseMemory> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        Self::parse(&status)
    }

    fn parse(status: &str) -> Option<PhaseMemory> {
        let kib = |key: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(key))?;
            line[key.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        };
        Some(PhaseMemory {
            rss: kib("VmRSS:")? / 1024,
            peak: kib("VmHWM:")? / 1024,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_resident_and_peak_lines() {
        let status = "Name:\ttoklon\nVmHWM:\t 7142128 kB\nVmRSS:\t 2621440 kB\nThreads:\t2\n";
        assert_eq!(
            PhaseMemory::parse(status),
            Some(PhaseMemory {
                rss: 2560,
                peak: 6974
            })
        );
        assert_eq!(PhaseMemory::parse("Name:\ttoklon\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_memory() {
        let m = PhaseMemory::now().expect("linux has /proc/self/status");
        assert!(m.rss > 0 && m.peak >= m.rss);
    }
}
