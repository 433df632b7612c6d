//! A time budget for one search: once it is spent, matching stops and the search answers with
//! what it found so far, marked as cut short.
//!
//! [`BudgetQuery`] wraps the query a search runs; its scorer checks the clock every
//! [`CHECK_EVERY`] documents and ends the document stream when the budget is spent. Scorers
//! that do expensive work per candidate ([`crate::proximity`] reads stored text) check the
//! same [`Budget`] per candidate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Term;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

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

/// `inner`, cut off when `budget` is spent.
#[derive(Debug)]
pub struct BudgetQuery {
    inner: Box<dyn Query>,
    budget: Budget,
}

impl BudgetQuery {
    /// Wrap `inner`.
    pub fn new(inner: Box<dyn Query>, budget: Budget) -> BudgetQuery {
        BudgetQuery { inner, budget }
    }
}

impl Clone for BudgetQuery {
    fn clone(&self) -> Self {
        BudgetQuery {
            inner: self.inner.box_clone(),
            budget: self.budget.clone(),
        }
    }
}

impl Query for BudgetQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(BudgetWeight {
            inner: self.inner.weight(enable_scoring)?,
            budget: self.budget.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct BudgetWeight {
    inner: Box<dyn Weight>,
    budget: Budget,
}

impl Weight for BudgetWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if self.budget.check() {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        }
        let inner = self.inner.scorer(reader, boost)?;
        if self.budget.was_spent() {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        }
        Ok(Box::new(BudgetScorer {
            inner,
            budget: self.budget.clone(),
            countdown: CHECK_EVERY,
            stopped: false,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

struct BudgetScorer {
    inner: Box<dyn Scorer>,
    budget: Budget,
    countdown: u32,
    stopped: bool,
}

impl BudgetScorer {
    /// `doc`, or the end of the stream if the budget is spent. Another scorer of the search
    /// (a `/s` check, perhaps inside an exclusion) may have found it spent while producing
    /// `doc`, so the flag is read every time and `doc` withheld: it may not have been checked
    /// to the end.
    fn pass(&mut self, doc: DocId) -> DocId {
        self.countdown -= 1;
        if self.countdown == 0 {
            self.countdown = CHECK_EVERY;
            self.budget.check();
        }
        self.stopped = self.budget.was_spent();
        if self.stopped {
            TERMINATED
        } else {
            doc
        }
    }
}

impl DocSet for BudgetScorer {
    fn advance(&mut self) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        let doc = self.inner.advance();
        self.pass(doc)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        let doc = self.inner.seek(target);
        self.pass(doc)
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
