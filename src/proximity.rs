//! `/s` and `/p`: terms within one sentence or one paragraph, checked exactly.
//!
//! The candidates (documents with every term anywhere) come from the index; each candidate's
//! stored text is then split into sentences or paragraphs ([`crate::structure`]) and matched
//! on the same units as the index ([`crate::analysis`]), so the result is exact, not an
//! approximation by token distance.

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Term;
use tantivy::store::StoreReader;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyDocument, TERMINATED};

use crate::budget::Budget;
use crate::query::Proximity;
use crate::schema::Fields;
use crate::search::text_value;
use crate::snippet::{occurrences, Pattern};
use crate::structure::{paragraphs, sentences};

/// The forms of one term, as unit sequences: any of them occurring counts.
#[derive(Debug, Clone)]
pub struct TermPatterns(Vec<Pattern>);

impl TermPatterns {
    /// Patterns for the alternatives of a term.
    pub fn new(alternatives: &[String]) -> TermPatterns {
        TermPatterns(
            alternatives
                .iter()
                .filter_map(|alternative| Pattern::new(alternative, 1.0))
                .collect(),
        )
    }
}

/// Does some sentence (or paragraph) of `text` contain every term? Matching is the snippets'
/// ([`crate::snippet`]): the same units as the index.
pub fn within_one(text: &str, terms: &[TermPatterns], within: Proximity) -> bool {
    let parts = match within {
        Proximity::Sentence => sentences(text),
        Proximity::Paragraph => paragraphs(text),
    };
    let (patterns, owners): (Vec<Pattern>, Vec<usize>) = terms
        .iter()
        .enumerate()
        .flat_map(|(term, forms)| forms.0.iter().map(move |pattern| (pattern.clone(), term)))
        .unzip();
    parts.into_iter().any(|range| {
        let mut found = vec![false; terms.len()];
        for (_, pattern) in occurrences(&text[range], &patterns) {
            found[owners[pattern]] = true;
        }
        found.iter().all(|&term| term)
    })
}

#[derive(Debug)]
struct Check {
    terms: Vec<TermPatterns>,
    within: Proximity,
    fields: Fields,
    budget: Budget,
}

impl Check {
    fn accepts(&self, store: &StoreReader, doc: DocId) -> bool {
        let Ok(document) = store.get::<TantivyDocument>(doc) else {
            return false;
        };
        [self.fields.title, self.fields.body]
            .into_iter()
            .any(|field| {
                text_value(&document, field)
                    .is_some_and(|text| within_one(&text, &self.terms, self.within))
            })
    }
}

/// Documents of `candidates` in which every term occurs within one sentence or paragraph.
#[derive(Debug)]
pub struct ProximityQuery {
    candidates: Box<dyn Query>,
    check: Arc<Check>,
}

impl ProximityQuery {
    /// `candidates` must contain every document that can match (all terms anywhere). Checking
    /// a candidate reads its text, so each check first looks at `budget`: once it is spent, no
    /// further candidate matches.
    pub fn new(
        candidates: Box<dyn Query>,
        terms: Vec<TermPatterns>,
        within: Proximity,
        fields: Fields,
        budget: Budget,
    ) -> Self {
        ProximityQuery {
            candidates,
            check: Arc::new(Check {
                terms,
                within,
                fields,
                budget,
            }),
        }
    }
}

impl Clone for ProximityQuery {
    fn clone(&self) -> Self {
        ProximityQuery {
            candidates: self.candidates.box_clone(),
            check: self.check.clone(),
        }
    }
}

impl Query for ProximityQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ProximityWeight {
            candidates: self.candidates.weight(enable_scoring)?,
            check: self.check.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.candidates.query_terms(visitor);
    }
}

struct ProximityWeight {
    candidates: Box<dyn Weight>,
    check: Arc<Check>,
}

impl Weight for ProximityWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.candidates.scorer(reader, boost)?;
        let store = reader.get_store_reader(10)?;
        let mut scorer = ProximityScorer {
            inner,
            store,
            check: self.check.clone(),
            stopped: false,
        };
        scorer.skip_to_match();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let store = reader.get_store_reader(1)?;
        if !self.check.accepts(&store, doc) {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        self.candidates.explain(reader, doc)
    }
}

struct ProximityScorer {
    inner: Box<dyn Scorer>,
    store: StoreReader,
    check: Arc<Check>,
    /// The budget ran out: the stream has ended.
    stopped: bool,
}

impl ProximityScorer {
    fn skip_to_match(&mut self) -> DocId {
        let mut doc = self.inner.doc();
        while doc != TERMINATED {
            if self.check.budget.check() {
                self.stopped = true;
                return TERMINATED;
            }
            if self.check.accepts(&self.store, doc) {
                return doc;
            }
            doc = self.inner.advance();
        }
        doc
    }
}

impl DocSet for ProximityScorer {
    fn advance(&mut self) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        self.inner.advance();
        self.skip_to_match()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        self.inner.seek(target);
        self.skip_to_match()
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

impl Scorer for ProximityScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(texts: &[&str]) -> Vec<TermPatterns> {
        texts
            .iter()
            .map(|t| TermPatterns::new(&[t.to_string()]))
            .collect()
    }

    #[test]
    fn same_sentence_and_same_paragraph() {
        let text =
            "太湖流域管理机构负责水资源保护；县级以上人民政府负责防汛。\n流域内的水资源统一调度。";
        assert!(within_one(
            text,
            &terms(&["太湖", "水资源"]),
            Proximity::Sentence
        ));
        assert!(!within_one(
            text,
            &terms(&["太湖", "防汛"]),
            Proximity::Sentence
        ));
        assert!(within_one(
            text,
            &terms(&["太湖", "防汛"]),
            Proximity::Paragraph
        ));
        assert!(!within_one(
            text,
            &terms(&["太湖", "统一调度"]),
            Proximity::Paragraph
        ));
    }
}
