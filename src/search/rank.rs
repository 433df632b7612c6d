//! Ranking by aboutness: how much, and where, a document speaks of each query term.
//!
//! Matching (which documents qualify) is exact and lives in [`super::plan`]; this module only
//! orders them. Each query term is scored as BM25F over the parts of a document (its title, its
//! headings and its body): the occurrences of the term in each part are weighted by the part, normalised by
//! the part's length against the corpus average, summed, and saturated once, so a document that
//! speaks of a term often, and in its title, scores near the term's ceiling (its idf), while one
//! passing mention in a long text scores a small fraction of it.
//!
//! A term's occurrences are counted on the gram view without reading positions: a term of n
//! units occurs at most as often as the rarest of its n − 1 bigrams, and that bound is its
//! count (exact for one bigram, and nearly so for longer terms, whose bigrams rarely occur
//! apart). The documents it counts for have already passed the exact matcher. A substring
//! occurrence (太湖 inside 环太湖) counts like any other.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{ConstScoreQuery, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// The ranking's constants, in one place (see the README's "Ranking" section). None is tuned
/// to a query; each is a standard value or sized against the others.
pub mod weights {
    use crate::analysis::expansion::Kind;

    /// BM25's saturation: how fast more occurrences stop adding (the standard value).
    pub const K1: f32 = 1.2;
    /// Length normalisation of the body (the standard value).
    pub const B_BODY: f32 = 0.75;
    /// Length normalisation of the title: a term in a short title is the title's subject.
    pub const B_TITLE: f32 = 0.75;
    /// One occurrence in the title counts as this many in the body.
    pub const TITLE_WEIGHT: f32 = 8.0;
    /// One occurrence in a heading (a chapter named 劳动就业) counts as this many in the body.
    pub const HEADING_WEIGHT: f32 = 4.0;
    /// Length normalisation of the headings: none, a document's chapters are not diluted by
    /// having more of them.
    pub const B_HEADINGS: f32 = 0.0;
    /// The jieba words of a term (养老 and 服务 of 养老服务), scored like the term and added at
    /// this share: a document that has the words apart still speaks of the topic, but less
    /// surely than one with the term itself.
    pub const WORDS_FACTOR: f32 = 0.3;
    /// An abbreviation, a short form's full form a text defines, or a synonym (无人驾驶航空器
    /// for 无人机, 科创 for 科技创新), or the other script, against the term as typed.
    pub const EXPANSION_FACTOR: f32 = 0.9;
    /// A related term (一网通办 for 电子政务) against the term as typed.
    pub const RELATED_FACTOR: f32 = 0.6;

    /// What a form of a term counts for against the term as typed.
    pub fn form_factor(kind: Kind) -> f32 {
        match kind {
            Kind::Typed => 1.0,
            Kind::Script | Kind::Abbreviation | Kind::Defined | Kind::Synonym => EXPANSION_FACTOR,
            Kind::Related => RELATED_FACTOR,
        }
    }
    /// The whole query of several terms occurring as typed, as one more term at this share.
    pub const WHOLE_QUERY: f32 = 0.5;
    /// Added when the query is a document's title: the typed title ranks its document first.
    /// Larger than any sum of term scores (each at most its idf × (K1 + 1), about 20).
    pub const EXACT_TITLE: f32 = 100_000.0;
    /// Added per query term a document has, when partial matches are listed: documents with
    /// more of the terms rank above documents with fewer, whatever their term scores.
    pub const COVERAGE: f32 = 1_000.0;
}

/// The bigrams of a term read to count it in one part: its rarest ones.
const MAX_COUNTED_TERMS: usize = 3;

/// One part of a document (title or body) as a term is counted in it: the terms whose
/// least frequency is the term's count there.
#[derive(Debug, Clone)]
pub struct PartTerms {
    /// The part's name, for explanations (`title`, `body`).
    pub name: &'static str,
    /// The part's field (a gram or word view).
    pub field: Field,
    /// The bigrams (or the single word) of the term in that view.
    pub terms: Vec<Term>,
    /// What one occurrence here is worth against one in the body.
    pub weight: f32,
    /// Length normalisation in this part.
    pub b: f32,
}

/// BM25F of one term over the parts of a document. Matches the documents where the term can
/// occur in at least one part (every bigram present), so use it as a ranking clause beside an
/// exact matcher, never as the matcher.
#[derive(Debug, Clone)]
pub struct TermScore {
    label: String,
    parts: Vec<PartTerms>,
}

impl TermScore {
    /// The score of `label` (what explanations call it) counted in `parts`.
    pub fn new(label: impl Into<String>, parts: Vec<PartTerms>) -> TermScore {
        TermScore {
            label: label.into(),
            parts: parts
                .into_iter()
                .filter(|part| !part.terms.is_empty())
                .collect(),
        }
    }

    /// The term's weight, and the most it can score in any document: its idf × (k1 + 1), which
    /// a saturated count approaches but never reaches.
    pub fn weight_with_ceiling(
        &self,
        enable_scoring: EnableScoring<'_>,
    ) -> tantivy::Result<(Box<dyn Weight>, Score)> {
        let weight = self.term_weight(enable_scoring)?;
        let ceiling = weight.idf * (1.0 + weights::K1);
        Ok((Box::new(weight), ceiling))
    }

    fn term_weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<TermScoreWeight> {
        let mut parts = Vec::with_capacity(self.parts.len());
        let mut idf_value = 1.0;
        if let Some(searcher) = enable_scoring.searcher() {
            let docs = searcher.num_docs().max(1);
            // The term's document frequency, bounded like its count: by its rarest bigram in
            // each part, and the parts together at least the largest of those.
            let mut doc_freq = 0;
            for part in &self.parts {
                // The rarest bigrams bound the count the most tightly and are the cheapest to
                // look up: only those few are read.
                let mut by_rarity = Vec::with_capacity(part.terms.len());
                for term in &part.terms {
                    by_rarity.push((searcher.doc_freq(term)?, term.clone()));
                }
                by_rarity.sort_by_key(|(frequency, _)| *frequency);
                by_rarity.truncate(MAX_COUNTED_TERMS);
                doc_freq = doc_freq.max(by_rarity.first().map_or(0, |(f, _)| *f));
                let mut tokens = 0;
                for segment in searcher.segment_readers() {
                    tokens += segment.inverted_index(part.field)?.total_num_tokens();
                }
                let counted = PartTerms {
                    terms: by_rarity.into_iter().map(|(_, term)| term).collect(),
                    ..part.clone()
                };
                parts.push((counted, (tokens as Score / docs as Score).max(1.0)));
            }
            idf_value = idf(doc_freq.min(docs), docs);
        } else {
            parts.extend(self.parts.iter().map(|part| (part.clone(), 1.0)));
        }
        Ok(TermScoreWeight {
            label: self.label.clone(),
            parts,
            idf: idf_value,
        })
    }
}

/// log(1 + (N − n + 0.5) / (n + 0.5)), as BM25 computes it.
fn idf(doc_freq: u64, docs: u64) -> Score {
    let (n, docs) = (doc_freq as Score, docs as Score);
    (1.0 + (docs - n + 0.5) / (n + 0.5)).ln()
}

impl Query for TermScore {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.term_weight(enable_scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            for term in &part.terms {
                visitor(term, false);
            }
        }
    }
}

struct TermScoreWeight {
    label: String,
    /// Each part with its average length in the corpus.
    parts: Vec<(PartTerms, Score)>,
    idf: Score,
}

impl TermScoreWeight {
    fn term_scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<TermScorer> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for (part, average) in &self.parts {
            let index = reader.inverted_index(part.field)?;
            let mut postings = Vec::with_capacity(part.terms.len());
            for term in &part.terms {
                match index.read_postings(term, IndexRecordOption::WithFreqs)? {
                    Some(list) => postings.push(list),
                    None => break,
                }
            }
            if postings.len() < part.terms.len() {
                continue; // a bigram absent from this segment's part: no occurrence here
            }
            let mut scorer = PartScorer {
                name: part.name,
                postings,
                norms: reader.get_fieldnorms_reader(part.field)?,
                weight: part.weight,
                b: part.b,
                average: *average,
                doc: 0,
            };
            scorer.doc = scorer.align(0);
            parts.push(scorer);
        }
        let mut scorer = TermScorer {
            parts,
            doc: TERMINATED,
            factor: self.idf * (1.0 + weights::K1) * boost,
        };
        scorer.doc = scorer.least();
        Ok(scorer)
    }
}

impl Weight for TermScoreWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.term_scorer(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.term_scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "{} does not occur in document {doc}",
                self.label
            )));
        }
        let mut explanation = Explanation::new_with_string(
            format!("{}: idf × (k1 + 1) × tf / (k1 + tf)", self.label),
            scorer.score(),
        );
        explanation.add_const("idf", self.idf);
        for part in scorer.parts.iter().filter(|part| part.doc == doc) {
            let mut detail = Explanation::new_with_string(
                format!(
                    "occurrences in the {} × {} / length normalisation",
                    part.name, part.weight
                ),
                part.weighted_frequency(),
            );
            detail.add_const("occurrences", part.frequency() as Score);
            detail.add_const("length", part.norms.fieldnorm(doc) as Score);
            detail.add_const("average length", part.average);
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// A term's occurrences in one part: the documents with every one of its terms, and the least
/// of their frequencies.
struct PartScorer {
    name: &'static str,
    postings: Vec<SegmentPostings>,
    norms: FieldNormReader,
    weight: Score,
    b: Score,
    average: Score,
    doc: DocId,
}

impl PartScorer {
    /// The first document at or after `target` that has every term.
    fn align(&mut self, mut target: DocId) -> DocId {
        loop {
            let mut highest = target;
            for postings in &mut self.postings {
                let doc = if postings.doc() < highest {
                    postings.seek(highest)
                } else {
                    postings.doc()
                };
                highest = highest.max(doc);
            }
            if highest == TERMINATED || self.postings.iter().all(|p| p.doc() == highest) {
                return highest;
            }
            target = highest;
        }
    }

    fn advance(&mut self) {
        if self.doc != TERMINATED {
            self.doc = self.align(self.doc + 1);
        }
    }

    fn seek(&mut self, target: DocId) {
        if self.doc < target {
            self.doc = self.align(target);
        }
    }

    /// The term's count in the current document: the least frequency of its terms.
    fn frequency(&self) -> u32 {
        self.postings
            .iter()
            .map(|p| p.term_freq())
            .min()
            .unwrap_or(0)
    }

    /// The count, weighted by the part and normalised by its length.
    fn weighted_frequency(&self) -> Score {
        let length = self.norms.fieldnorm(self.doc) as Score;
        let normalisation = 1.0 - self.b + self.b * length / self.average;
        self.weight * self.frequency() as Score / normalisation.max(0.05)
    }
}

/// BM25F of one term: its parts' weighted counts summed, then saturated.
struct TermScorer {
    parts: Vec<PartScorer>,
    doc: DocId,
    factor: Score,
}

impl TermScorer {
    fn least(&self) -> DocId {
        self.parts
            .iter()
            .map(|part| part.doc)
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for TermScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for part in self.parts.iter_mut().filter(|part| part.doc == current) {
            part.advance();
        }
        self.doc = self.least();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        for part in &mut self.parts {
            part.seek(target);
        }
        self.doc = self.least();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts
            .iter()
            .filter_map(|part| part.postings.iter().map(|p| p.size_hint()).min())
            .sum()
    }
}

impl Scorer for TermScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let frequency: Score = self
            .parts
            .iter()
            .filter(|part| part.doc == doc)
            .map(PartScorer::weighted_frequency)
            .sum();
        self.factor * frequency / (weights::K1 + frequency)
    }
}

/// How a query's ranking clauses combine into a score: the tree the planner builds (a term's
/// forms at their best, its words summed at a share, the exact title as a constant).
/// [`super::top_k::Ranked`] evaluates it exactly as Tantivy's Boolean (sum), DisjunctionMax
/// (best) and Boost (scaled) queries would, and bounds it to skip documents that cannot
/// reach the top k.
#[derive(Debug)]
pub enum Ranking {
    /// BM25F of one term.
    Term(TermScore),
    /// A fixed score for every document the query matches.
    Constant(Box<dyn Query>, Score),
    /// The inner score times a factor.
    Scaled(Box<Ranking>, Score),
    /// The best of the inner scores.
    Best(Vec<Ranking>),
    /// The inner scores summed.
    Sum(Vec<Ranking>),
}

impl Clone for Ranking {
    fn clone(&self) -> Ranking {
        match self {
            Ranking::Term(term) => Ranking::Term(term.clone()),
            Ranking::Constant(query, score) => Ranking::Constant(query.box_clone(), *score),
            Ranking::Scaled(inner, factor) => Ranking::Scaled(inner.clone(), *factor),
            Ranking::Best(inner) => Ranking::Best(inner.clone()),
            Ranking::Sum(inner) => Ranking::Sum(inner.clone()),
        }
    }
}

/// A scored leaf of a [`Ranking`] (a term or a constant), with the factor the `Scaled` above it
/// apply and the most it can add to a document's score.
pub struct Leaf {
    pub weight: Box<dyn Weight>,
    pub scale: Score,
    pub ceiling: Score,
}

/// A [`Ranking`]'s shape over its leaves (by index into the leaves).
#[derive(Debug, Clone)]
pub enum Shape {
    Leaf(usize),
    Best(Vec<Shape>),
    Sum(Vec<Shape>),
}

impl Ranking {
    /// The leaves' weights (appended to `leaves`, with the product of the factors above them
    /// starting from `scale`) and the shape that combines them.
    pub fn flatten(
        &self,
        enable_scoring: EnableScoring<'_>,
        scale: Score,
        leaves: &mut Vec<Leaf>,
    ) -> tantivy::Result<Shape> {
        let mut leaf = |weight, ceiling: Score| {
            leaves.push(Leaf {
                weight,
                scale,
                ceiling: ceiling * scale,
            });
            Shape::Leaf(leaves.len() - 1)
        };
        Ok(match self {
            Ranking::Term(term) => {
                let (weight, ceiling) = term.weight_with_ceiling(enable_scoring)?;
                leaf(weight, ceiling)
            }
            Ranking::Constant(query, score) => {
                let query = ConstScoreQuery::new(query.box_clone(), *score);
                leaf(query.weight(enable_scoring)?, *score)
            }
            // Tantivy's BoostWeight hands the product down to the leaves' scorers: so do we.
            Ranking::Scaled(inner, factor) => {
                inner.flatten(enable_scoring, scale * factor, leaves)?
            }
            Ranking::Best(inner) => Shape::Best(
                inner
                    .iter()
                    .map(|ranking| ranking.flatten(enable_scoring, scale, leaves))
                    .collect::<tantivy::Result<_>>()?,
            ),
            Ranking::Sum(inner) => Shape::Sum(
                inner
                    .iter()
                    .map(|ranking| ranking.flatten(enable_scoring, scale, leaves))
                    .collect::<tantivy::Result<_>>()?,
            ),
        })
    }

    /// Every term the ranking reads.
    pub fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        match self {
            Ranking::Term(term) => term.query_terms(visitor),
            Ranking::Constant(query, _) => query.query_terms(visitor),
            Ranking::Scaled(inner, _) => inner.query_terms(visitor),
            Ranking::Best(inner) | Ranking::Sum(inner) => {
                for ranking in inner {
                    ranking.query_terms(visitor);
                }
            }
        }
    }
}

impl Shape {
    /// The combined score of the leaves' `scores` (`None`: the leaf does not match), summed in
    /// order from zero and maxed as Tantivy's combiners do, so that the result is the same
    /// number to the last bit. `None` when no leaf below matches.
    pub fn combine(&self, scores: &[Option<Score>]) -> Option<Score> {
        match self {
            Shape::Leaf(leaf) => scores[*leaf],
            Shape::Sum(inner) => inner
                .iter()
                .filter_map(|shape| shape.combine(scores))
                .fold(None, |sum, score| Some(sum.unwrap_or(0.0) + score)),
            Shape::Best(inner) => inner
                .iter()
                .filter_map(|shape| shape.combine(scores))
                .fold(None, |best, score| {
                    Some(Score::max(score, best.unwrap_or(0.0)))
                }),
        }
    }

    /// The explanation of the combined score, from the leaves' explanations.
    pub fn explain(&self, leaves: &mut [Option<Explanation>]) -> Option<Explanation> {
        let (description, inner) = match self {
            Shape::Leaf(leaf) => return leaves[*leaf].take(),
            Shape::Sum(inner) => ("sum of", inner),
            Shape::Best(inner) => ("best of", inner),
        };
        let details: Vec<Explanation> = inner
            .iter()
            .filter_map(|shape| shape.explain(leaves))
            .collect();
        let value = match self {
            Shape::Best(_) => details.iter().map(Explanation::value).fold(0.0, Score::max),
            _ => details
                .iter()
                .map(Explanation::value)
                .fold(0.0, |a, b| a + b),
        };
        match details.len() {
            0 => None,
            1 => details.into_iter().next(),
            _ => {
                let mut explanation = Explanation::new(description, value);
                for detail in details {
                    explanation.add_detail(detail);
                }
                Some(explanation)
            }
        }
    }
}

#[cfg(test)]
impl Ranking {
    /// The same ranking as Tantivy's own queries compose it, to check that evaluating the tree
    /// gives the same scores.
    pub fn as_tantivy_query(&self) -> Box<dyn Query> {
        use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur};
        match self {
            Ranking::Term(term) => Box::new(term.clone()),
            Ranking::Constant(query, score) => {
                Box::new(ConstScoreQuery::new(query.box_clone(), *score))
            }
            Ranking::Scaled(inner, factor) => {
                Box::new(BoostQuery::new(inner.as_tantivy_query(), *factor))
            }
            Ranking::Best(inner) => Box::new(DisjunctionMaxQuery::new(
                inner.iter().map(Ranking::as_tantivy_query).collect(),
            )),
            Ranking::Sum(inner) => Box::new(BooleanQuery::new(
                inner
                    .iter()
                    .map(|ranking| (Occur::Should, ranking.as_tantivy_query()))
                    .collect(),
            )),
        }
    }
}
