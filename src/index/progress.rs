//! What an indexing run tells its caller while it works: each problem as it is found, and
//! progress as events. The library draws nothing; the CLI turns the events into a bar or lines.

use crate::ingest::Problem;

/// Progress of an indexing run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Reading starts: `files` files of `bytes` bytes in all are to be read.
    Started {
        /// Files to read (new or changed).
        files: usize,
        /// Their size in bytes.
        bytes: u64,
    },
    /// More was read since the last event.
    Advanced {
        /// Bytes of files finished.
        bytes: u64,
        /// Documents read.
        documents: usize,
    },
    /// Reading is done; committing follows.
    Finished,
}

/// Receives what an indexing run reports.
pub trait Observer {
    /// A file, line or field that was not used (or used with a warning).
    fn problem(&mut self, problem: &Problem);

    /// Progress; ignored unless overridden.
    fn progress(&mut self, _event: Progress) {}
}

/// An [`Observer`] that hands problems to a closure and ignores progress.
pub struct OnProblem<F>(pub F);

impl<F: FnMut(&Problem)> Observer for OnProblem<F> {
    fn problem(&mut self, problem: &Problem) {
        (self.0)(problem);
    }
}
