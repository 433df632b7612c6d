//! A time budget for one search: once it is spent, matching stops and the search answers with
//! what it found so far, marked as cut short.
//!
//! [`BudgetQuery`] wraps the matcher of the query a search runs (the planner puts it there,
//! below the ranking, so that the top-k collector still prunes); its scorer checks the clock
//! every `CHECK_EVERY` documents and ends the document stream when the budget is spent. Queries
//! that do expensive work per candidate ([`super::proximity`] reads stored text) are
//! [`FilterQuery`]s too, whose [`BudgetScorer`] checks the same [`Budget`] before each
//! candidate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::query::{Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::filter_query::{Filter, FilterQuery};

/// Documents a [`BudgetScorer`] passes between two looks at the clock.
const CHECK_EVERY: u32 = 1024;

/// The time one search may take, shared by every scorer of that search.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Option<Instant>,
    spent: Arc<AtomicBool>,
}

impl Budget {
    /// No limit.
    pub fn unlimited() -> Budget {
        Budget {
            deadline: None,
            spent: Arc::new(AtomicBool::new(false)),
        }
    }

    /// `limit` from now.
    pub fn new(limit: Duration) -> Budget {
        Budget {
            deadline: Instant::now().checked_add(limit),
            spent: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Is the budget spent? Looks at the clock; once spent, stays spent.
    pub fn check(&self) -> bool {
        if self.spent.load(Ordering::Relaxed) {
            return true;
        }
        let spent = self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline);
        if spent {
            self.spent.store(true, Ordering::Relaxed);
        }
        spent
    }

    /// Did some scorer find the budget spent (so the answer may be incomplete)?
    pub fn was_spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed)
    }
}

/// `inner`, cut off when the budget is spent.
pub type BudgetQuery = FilterQuery<Budget>;

impl Filter for Budget {
    fn scorer(
        &self,
        inner: &dyn Weight,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Box<dyn Scorer>> {
        if self.check() {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        }
        let inner = inner.scorer(reader, boost)?;
        Ok(Box::new(BudgetScorer::new(
            inner,
            self.clone(),
            CHECK_EVERY,
            None,
        )))
    }
}

/// Decides whether a candidate document matches (it may read the document: it is given the
/// candidates one at a time, with the budget checked before each).
pub type Accepts = Box<dyn FnMut(DocId) -> bool + Send>;

/// The documents of `inner` that `accepts` (all of them without it), ending once the budget is
/// spent.
pub struct BudgetScorer {
    inner: Box<dyn Scorer>,
    budget: Budget,
    accepts: Option<Accepts>,
    /// Documents between two looks at the clock.
    check_every: u32,
    countdown: u32,
    /// The budget ran out: the stream has ended.
    stopped: bool,
}

impl BudgetScorer {
    /// Wrap `inner`, looking at the clock every `check_every` documents (at least 1), and move
    /// to the first document that passes.
    pub fn new(
        inner: Box<dyn Scorer>,
        budget: Budget,
        check_every: u32,
        accepts: Option<Accepts>,
    ) -> BudgetScorer {
        let check_every = check_every.max(1);
        let mut scorer = BudgetScorer {
            inner,
            budget,
            accepts,
            check_every,
            countdown: check_every,
            stopped: false,
        };
        let first = scorer.inner.doc();
        scorer.settle(first);
        scorer
    }

    /// From `doc` of the inner stream on, the first document that passes, or the end of the
    /// stream if the budget is spent. Another scorer of the search (a `/s` check, perhaps inside
    /// an exclusion) may have found it spent while producing `doc`, so the flag is read every
    /// time and `doc` withheld: it may not have been checked to the end.
    fn settle(&mut self, mut doc: DocId) -> DocId {
        while doc != TERMINATED {
            self.countdown -= 1;
            if self.countdown == 0 {
                self.countdown = self.check_every;
                self.budget.check();
            }
            if self.budget.was_spent() {
                self.stopped = true;
                return TERMINATED;
            }
            let accepted = self.accepts.as_mut().is_none_or(|accepts| accepts(doc));
            if accepted {
                return doc;
            }
            doc = self.inner.advance();
        }
        TERMINATED
    }
}

impl DocSet for BudgetScorer {
    fn advance(&mut self) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        let doc = self.inner.advance();
        self.settle(doc)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        let doc = self.inner.seek(target);
        self.settle(doc)
    }

    fn doc(&self) -> DocId {
        if self.stopped {
            TERMINATED
        } else {
            self.inner.doc()
        }
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for BudgetScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_budget_is_spent_at_once_and_stays_spent() {
        let budget = Budget::new(Duration::ZERO);
        assert!(!budget.was_spent());
        assert!(budget.check());
        assert!(budget.was_spent());
        assert!(budget.clone().was_spent());
    }

    #[test]
    fn an_unlimited_budget_is_never_spent() {
        let budget = Budget::unlimited();
        assert!(!budget.check());
        assert!(!budget.was_spent());
        let generous = Budget::new(Duration::from_secs(3600));
        assert!(!generous.check());
    }
}
