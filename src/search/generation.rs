//! Values derived from the whole index rather than from one document (every document's 时效性,
//! the short forms the texts define), computed once per index generation and kept for the
//! searches after it.

use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::Searcher;

/// A searcher's segments, in its order, with their deletes: two searchers with equal keys see
/// the same documents at the same addresses.
type Generation = Vec<(SegmentId, Option<u64>)>;

/// The last few generations' values of one kind, each for a generation and an extra key (the
/// day, for 时效性). A server holds one or two searchers at a time, and several indexes may
/// share a process, so a handful are kept.
pub struct PerGeneration<K, T> {
    kept: Mutex<Vec<(Generation, K, Arc<T>)>>,
}

/// Values kept per kind.
const KEPT: usize = 4;

impl<K: PartialEq, T> PerGeneration<K, T> {
    /// An empty cache (usable in a `static`).
    pub const fn new() -> Self {
        PerGeneration {
            kept: Mutex::new(Vec::new()),
        }
    }

    /// The value for `searcher`'s generation and `key`, computed by `compute` on the first call
    /// and reused after.
    pub fn get<E>(
        &self,
        searcher: &Searcher,
        key: K,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let generation = generation(searcher);
        let find = |kept: &[(Generation, K, Arc<T>)]| {
            kept.iter()
                .find(|(g, k, _)| *g == generation && *k == key)
                .map(|(_, _, value)| Arc::clone(value))
        };
        if let Some(value) = find(&self.lock()) {
            return Ok(value);
        }
        // Computed without the lock: a second caller may compute it too, and one is kept.
        let value = Arc::new(compute()?);
        let mut kept = self.lock();
        if find(&kept).is_none() {
            if kept.len() == KEPT {
                kept.remove(0);
            }
            kept.push((generation, key, Arc::clone(&value)));
        }
        Ok(value)
    }

    /// The value for `searcher`'s generation and `key` if it is computed already (never
    /// computes it).
    pub fn kept(&self, searcher: &Searcher, key: &K) -> Option<Arc<T>> {
        let generation = generation(searcher);
        self.lock()
            .iter()
            .find(|(g, k, _)| *g == generation && k == key)
            .map(|(_, _, value)| Arc::clone(value))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Generation, K, Arc<T>)>> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn generation(searcher: &Searcher) -> Generation {
    searcher
        .segment_readers()
        .iter()
        .map(|segment| (segment.segment_id(), segment.delete_opstamp()))
        .collect()
}
