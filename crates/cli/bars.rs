//! Progress bars on stderr, shown only on a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use toklon_engine::Progress;

/// One bar per phase; invisible when disabled or when stderr is not a terminal.
pub struct Bars {
    enabled: bool,
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new(no_progress: bool) -> Bars {
        Bars {
            enabled: !no_progress && std::io::stderr().is_terminal(),
            current: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(guard) = self.current.lock()
            && let Some(bar) = guard.as_ref()
        {
            f(bar);
        }
    }
}

impl Progress for Bars {
    fn start(&self, phase: &str, total: Option<u64>) {
        self.begin(
            phase,
            total,
            "{msg:>16} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}",
        );
    }

    fn start_bytes(&self, phase: &str, total: u64) {
        self.begin(
            phase,
            Some(total),
            "{msg:>16} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        );
    }

    fn advance(&self, n: u64) {
        self.with_bar(|b| b.inc(n));
    }

    fn finish(&self) {
        if let Ok(mut guard) = self.current.lock()
            && let Some(bar) = guard.take()
        {
            bar.finish_and_clear();
        }
    }
}

impl Bars {
    fn begin(&self, phase: &str, total: Option<u64>, template: &str) {
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>16} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(phase.to_string());
        if let Ok(mut guard) = self.current.lock()
            && let Some(old) = guard.replace(bar)
        {
            old.finish_and_clear();
        }
    }
}
