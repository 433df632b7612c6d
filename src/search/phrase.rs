//! Exact phrases of three or more units over the gram view, with a shortcut through the word
//! view.
//!
//! A phrase is a [`PhraseQuery`] over the bigrams that cover it, and checking a candidate means
//! decoding every position of those bigrams in it: for a common phrase such as 人民政府 over
//! hundreds of thousands of documents, that is nearly all of a search's time. Most documents
//! that contain a word-shaped phrase also have it as a jieba word, and a document whose word
//! view holds the phrase's text contains the phrase: for a phrase made only of single-character
//! units (no ASCII letters or digits, whose runs jieba may cut differently from the units), the
//! word's characters are the phrase's units, consecutive. So candidates (documents with every
//! covering bigram, no positions read) are first looked up in the word's postings, and only the
//! rest have their positions checked.

use tantivy::query::{
    intersect_scorers, EnableScoring, Explanation, PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocId, DocSet, Score, Searcher, SeekDangerResult, SegmentReader, TERMINATED};

/// Documents that contain a phrase: the `grams` at their offsets, consecutively; `word`, when
/// given, is the phrase's text in the word view of the same part (title or body), which
/// settles a candidate without reading positions.
///
/// Every bigram at 0, 2, 4, … (and the last) is checked: together they cover every unit. So is
/// any other bigram rarer than all of those: a rare bigram where two words meet (政机 in
/// 行政机构) cuts the candidates, and so the positions read, far more than it adds.
#[derive(Debug, Clone)]
pub struct GramPhraseQuery {
    grams: Vec<(usize, Term)>,
    word: Option<Term>,
}

impl GramPhraseQuery {
    /// `grams` are every bigram of the phrase at its offset, in order (at least two); `word`
    /// must only be given for a phrase whose units are all single characters (see the module
    /// documentation).
    pub fn new(grams: Vec<(usize, Term)>, word: Option<Term>) -> GramPhraseQuery {
        GramPhraseQuery { grams, word }
    }

    /// The bigrams to check: the covering ones, plus any rarer than all of them (by document
    /// frequency, when a searcher can tell).
    fn checked_grams(&self, searcher: Option<&Searcher>) -> tantivy::Result<Vec<(usize, Term)>> {
        let last = self.grams.len().saturating_sub(1);
        let covers = |index: usize| index.is_multiple_of(2) || index == last;
        let frequencies = match searcher {
            Some(searcher) => self
                .grams
                .iter()
                .map(|(_, term)| searcher.doc_freq(term))
                .collect::<tantivy::Result<Vec<u64>>>()?,
            None => Vec::new(),
        };
        let rarest_cover = (0..frequencies.len())
            .filter(|&index| covers(index))
            .map(|index| frequencies[index])
            .min()
            .unwrap_or(0);
        let rarer = |index: usize| frequencies.get(index).is_some_and(|&f| f < rarest_cover);
        Ok(self
            .grams
            .iter()
            .enumerate()
            .filter(|&(index, _)| covers(index) || rarer(index))
            .map(|(_, gram)| gram.clone())
            .collect())
    }
}

impl Query for GramPhraseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // The phrase is a filter: its callers wrap it in constant scores.
        let scoring = match enable_scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
        };
        let docs_only = |term: &Term| TermQuery::new(term.clone(), IndexRecordOption::Basic);
        let checked = self.checked_grams(enable_scoring.searcher())?;
        Ok(Box::new(GramPhraseWeight {
            grams: checked
                .iter()
                .map(|(_, term)| docs_only(term).weight(scoring))
                .collect::<tantivy::Result<_>>()?,
            word: self
                .word
                .as_ref()
                .map(|term| docs_only(term).weight(scoring))
                .transpose()?,
            phrase: PhraseQuery::new_with_offset(checked).weight(scoring)?,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (_, term) in &self.grams {
            visitor(term, true);
        }
    }
}

struct GramPhraseWeight {
    grams: Vec<Box<dyn Weight>>,
    word: Option<Box<dyn Weight>>,
    phrase: Box<dyn Weight>,
}

impl Weight for GramPhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let Some(word) = &self.word else {
            // No shortcut: the phrase query as it is.
            return self.phrase.scorer(reader, boost);
        };
        let grams = self
            .grams
            .iter()
            .map(|gram| gram.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut scorer = GramPhraseScorer {
            candidates: intersect_scorers(grams, reader.max_doc()),
            word: word.scorer(reader, boost)?,
            phrase: self.phrase.scorer(reader, boost)?,
        };
        let first = scorer.candidates.doc();
        scorer.settle(first);
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.phrase.explain(reader, doc)
    }
}

struct GramPhraseScorer {
    /// Documents with every covering gram.
    candidates: Box<dyn Scorer>,
    /// Documents with the phrase as a word.
    word: Box<dyn Scorer>,
    /// The phrase checked on positions, only at candidates without the word.
    phrase: Box<dyn Scorer>,
}

impl GramPhraseScorer {
    /// From candidate `doc` on, the first candidate that has the phrase.
    fn settle(&mut self, mut doc: DocId) -> DocId {
        while doc != TERMINATED {
            if self.word.doc() < doc {
                self.word.seek(doc);
            }
            if self.word.doc() == doc || self.has_phrase(doc) {
                return doc;
            }
            doc = self.candidates.advance();
        }
        TERMINATED
    }

    /// Does candidate `doc` have the phrase? Checks `doc` alone: `seek_danger` does not go on
    /// to the next match (which would read the positions of documents the word settles).
    /// Candidates only grow, and each is in the phrase scorer's own intersection of the same
    /// grams, as `seek_danger` requires.
    fn has_phrase(&mut self, doc: DocId) -> bool {
        match self.phrase.doc().cmp(&doc) {
            // Opened on its first match, which is past `doc`.
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => true,
            std::cmp::Ordering::Less => self.phrase.seek_danger(doc) == SeekDangerResult::Found,
        }
    }
}

impl DocSet for GramPhraseScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.candidates.advance();
        self.settle(doc)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.candidates.seek(target);
        self.settle(doc)
    }

    fn doc(&self) -> DocId {
        self.candidates.doc()
    }

    fn size_hint(&self) -> u32 {
        self.candidates.size_hint()
    }
}

impl Scorer for GramPhraseScorer {
    fn score(&mut self) -> Score {
        1.0
    }
}
