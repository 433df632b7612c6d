//! One wrapper for every query here that cuts or narrows another query's document stream: the
//! time budget ([`super::budget`]) and `/s` `/p` ([`super::proximity`]).

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Term;
use tantivy::{DocId, Score, SegmentReader};

/// How a [`FilterQuery`] makes its scorers from those of the query it wraps.
pub trait Filter: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The scorer for segment `reader`, from the wrapped query's weight `inner`.
    fn scorer(
        &self,
        inner: &dyn Weight,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Box<dyn Scorer>>;

    /// Why `doc` matches: the wrapped query's explanation unless the filter has more to say.
    fn explain(
        &self,
        inner: &dyn Weight,
        reader: &SegmentReader,
        doc: DocId,
    ) -> tantivy::Result<Explanation> {
        inner.explain(reader, doc)
    }
}

/// `inner`, its scorers passed through `filter`: the one shape of every query here that cuts
/// or narrows another's document stream (the budget itself, `/s` and `/p`).
#[derive(Debug)]
pub struct FilterQuery<F> {
    inner: Box<dyn Query>,
    filter: F,
}

impl<F: Filter> FilterQuery<F> {
    /// Wrap `inner`.
    pub fn new(inner: Box<dyn Query>, filter: F) -> FilterQuery<F> {
        FilterQuery { inner, filter }
    }
}

impl<F: Filter> Clone for FilterQuery<F> {
    fn clone(&self) -> Self {
        FilterQuery {
            inner: self.inner.box_clone(),
            filter: self.filter.clone(),
        }
    }
}

impl<F: Filter> Query for FilterQuery<F> {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(FilterWeight {
            inner: self.inner.weight(enable_scoring)?,
            filter: self.filter.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

/// The weight of a [`FilterQuery`].
pub struct FilterWeight<F> {
    inner: Box<dyn Weight>,
    filter: F,
}

impl<F: Filter> Weight for FilterWeight<F> {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.filter.scorer(self.inner.as_ref(), reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.filter.explain(self.inner.as_ref(), reader, doc)
    }
}
