//! Admission control: heavy requests (many hits, every matching 条, explanations, related
//! documents) share a few slots. When they are all taken, a heavy request waits a moment, then
//! is refused with 503 and `Retry-After`, so a flood of expensive queries cannot take every core
//! and the memory with it while cheap ones (a top 10, a document view) keep answering.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::search::SearchRequest;

/// Hits above which a search counts as heavy (each hit reads its stored text and snippet).
pub const HEAVY_LIMIT: usize = 50;
/// How long a heavy request waits for a slot before the 503.
pub const DEFAULT_WAIT: Duration = Duration::from_millis(500);
/// Seconds a refused client is told to wait (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The heavy slots of one server; clones share them.
#[derive(Debug, Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Default for Admission {
    /// One slot per two cores (at least one), waiting [`DEFAULT_WAIT`]: heavy work never
    /// takes more than half the machine, so cheap requests always find a core.
    fn default() -> Admission {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Admission::new(cores / 2, DEFAULT_WAIT)
    }
}

impl Admission {
    /// `slots` heavy requests at once (at least one); a further one waits up to `wait`.
    pub fn new(slots: usize, wait: Duration) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    /// A slot for a heavy request, held until the permit is dropped; `None` when none freed up
    /// within the wait (answer 503).
    pub async fn heavy(&self) -> Option<OwnedSemaphorePermit> {
        let acquire = self.slots.clone().acquire_owned();
        match tokio::time::timeout(self.wait, acquire).await {
            Ok(Ok(permit)) => Some(permit),
            _ => None,
        }
    }

    /// A slot if one is free now (for tests and tools that must hold one).
    pub fn try_heavy(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }
}

/// Whether a search is heavy: many hits, every matching 条 of each, or explanations.
pub fn is_heavy(request: &SearchRequest) -> bool {
    request.limit > HEAVY_LIMIT || request.articles || request.explain
}
