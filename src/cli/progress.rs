//! The progress of `index` on stderr: a bar on a terminal, a line every few seconds otherwise,
//! and every problem as a `skipped:` or `warning:` line.

use std::io::IsTerminal;
use std::time::Instant;

use policy_search::index::{Observer, Progress};
use policy_search::ingest::Problem;

/// Seconds between progress lines when stderr is not a terminal.
const PROGRESS_LINE_SECONDS: u64 = 5;

/// Draws an indexing run's events on stderr.
pub struct ProgressReporter {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    last_line: Instant,
    bytes: u64,
    total: u64,
    documents: usize,
}

impl ProgressReporter {
    pub fn new() -> ProgressReporter {
        let now = Instant::now();
        ProgressReporter {
            bar: None,
            started: now,
            last_line: now,
            bytes: 0,
            total: 0,
            documents: 0,
        }
    }
}

impl Observer for ProgressReporter {
    fn problem(&mut self, problem: &Problem) {
        let kind = if problem.skipped {
            "skipped"
        } else {
            "warning"
        };
        let line = format!("{kind}: {problem}");
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn progress(&mut self, event: Progress) {
        match event {
            Progress::Started { bytes, .. } => {
                self.total = bytes;
                self.bar = std::io::stderr().is_terminal().then(|| {
                    let bar = indicatif::ProgressBar::new(bytes);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
                    ) {
                        bar.set_style(style);
                    }
                    bar
                });
            }
            Progress::Advanced { bytes, documents } => {
                self.bytes += bytes;
                self.documents += documents;
                if let Some(bar) = &self.bar {
                    bar.set_position(self.bytes);
                    bar.set_message(format!("{} documents", self.documents));
                } else if self.last_line.elapsed().as_secs() >= PROGRESS_LINE_SECONDS {
                    self.last_line = Instant::now();
                    let seconds = self.started.elapsed().as_secs_f64();
                    eprintln!(
                        "progress: {} documents, {:.1} of {:.1} MB read in {seconds:.0} s",
                        self.documents,
                        self.bytes as f64 / 1e6,
                        self.total as f64 / 1e6
                    );
                }
            }
            Progress::Finished => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
            }
        }
    }
}
