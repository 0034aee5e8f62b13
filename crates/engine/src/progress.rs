/// How the engine reports progress. The library never prints: the binary implements
/// this with progress bars on a terminal, and tests pass [`Silent`].
pub trait Progress: Sync {
    /// A phase begins; `total` units of work when known.
    fn start(&self, phase: &str, total: Option<u64>);
    /// A phase measured in bytes begins (`total` bytes); shown as sizes.
    fn start_bytes(&self, phase: &str, total: u64) {
        self.start(phase, Some(total));
    }
    /// `n` more units done in the current phase.
    fn advance(&self, n: u64);
    /// The current phase is done.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
