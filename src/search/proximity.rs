//! `/s` and `/p`: terms within one sentence or one paragraph, checked exactly.
//!
//! The candidates (documents with every term anywhere) come from the index; each candidate's
//! stored text is then split into sentences or paragraphs ([`crate::analysis::structure`]) and matched
//! on the same units as the index ([`crate::analysis`]), so the result is exact, not an
//! approximation by token distance.

use std::sync::Arc;

use tantivy::query::{Explanation, Query, Scorer, Weight};
use tantivy::store::StoreReader;
use tantivy::{DocId, Score, SegmentReader, TantivyDocument};

use super::budget::{Budget, BudgetScorer};
use super::filter_query::{Filter, FilterQuery};
use crate::analysis::matching::{occurrences, Pattern};
use crate::analysis::structure::{paragraphs, sentences};
use crate::index::schema::{text_value, Fields};
use crate::query::Proximity;

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
/// ([`crate::analysis::matching`]): the same units as the index.
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

/// What a candidate must pass: every term within one sentence or paragraph of its title or
/// body, read from the store.
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

impl Filter for Arc<Check> {
    fn scorer(
        &self,
        candidates: &dyn Weight,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Box<dyn Scorer>> {
        let candidates = candidates.scorer(reader, boost)?;
        let store = reader.get_store_reader(10)?;
        let check = self.clone();
        let accepts = Box::new(move |doc| check.accepts(&store, doc));
        // Each candidate reads its text: the clock is looked at before every one.
        Ok(Box::new(BudgetScorer::new(
            candidates,
            self.budget.clone(),
            1,
            Some(accepts),
        )))
    }

    fn explain(
        &self,
        candidates: &dyn Weight,
        reader: &SegmentReader,
        doc: DocId,
    ) -> tantivy::Result<Explanation> {
        let store = reader.get_store_reader(1)?;
        if !self.accepts(&store, doc) {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        candidates.explain(reader, doc)
    }
}

/// Documents of `candidates` in which every term occurs within one sentence or paragraph.
/// `candidates` must contain every document that can match (all terms anywhere). Checking a
/// candidate reads its text, so each check first looks at `budget`: once it is spent, no
/// further candidate matches.
pub fn proximity_query(
    candidates: Box<dyn Query>,
    terms: Vec<TermPatterns>,
    within: Proximity,
    fields: Fields,
    budget: Budget,
) -> Box<dyn Query> {
    let check = Check {
        terms,
        within,
        fields,
        budget,
    };
    Box::new(FilterQuery::new(candidates, Arc::new(check)))
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
        for (other, within, expected) in [
            ("水资源", Proximity::Sentence, true),
            ("防汛", Proximity::Sentence, false),
            ("防汛", Proximity::Paragraph, true),
            ("统一调度", Proximity::Paragraph, false),
        ] {
            let found = within_one(text, &terms(&["太湖", other]), within);
            assert_eq!(found, expected, "太湖 and {other} within one {within:?}");
        }
    }
}
