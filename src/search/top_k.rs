//! The best k documents of a search without scoring every match: MaxScore (Turtle and Flood,
//! 1995) over the leaves of the ranking.
//!
//! A search is an exact matcher (which documents qualify) and ranking clauses (how well each
//! scores, [`super::rank`]). Each leaf of the ranking (a term's BM25F, a constant such as the
//! exact title's) has a ceiling: the most it can add to any document. Once the top k is full,
//! its last score is a threshold a new document must beat. The leaves whose ceilings together
//! stay at or below the threshold cannot lift a document past it alone, so only documents that
//! have one of the other leaves (the "essential" ones) are candidates: the search walks the
//! union of those, intersected with the matcher, instead of every match. At a candidate, the
//! leaves are read from the highest ceiling down and the document is dropped as soon as what
//! it has plus what it could still get stays at or below the threshold.
//!
//! A common word of a long title (条例, 管理) stops being read once the threshold passes its
//! ceiling, which is what makes typed titles and multi-word queries cheap on large indexes.
//! The scores of the documents kept are computed exactly as Tantivy's Boolean, DisjunctionMax
//! and Boost queries compute them, so the top k is the one scoring every match would give.
//!
//! With scoring disabled (counts, facets, sorting by date), the query is its matcher alone.

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Term;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, TERMINATED};

use super::rank::{Leaf, Ranking, Shape};

/// Room left on every ceiling for the rounding of sums in another order: a document is only
/// skipped when even its inflated bound cannot beat the threshold.
const CEILING_SLACK: Score = 1e-3;

/// A leaf's ceiling with [`CEILING_SLACK`] added, relative and absolute.
fn inflated(ceiling: Score) -> Score {
    ceiling * (1.0 + CEILING_SLACK) + CEILING_SLACK
}

/// Relative margin on a document's bound before it is dropped: f32 sums of a few dozen leaves
/// round by at most that many units in the last place (1.2e-7 each).
const BOUND_MARGIN: f64 = 1e-5;

/// Documents `matcher` matches, scored by the matcher plus the sum of `ranking`.
#[derive(Debug)]
pub struct Ranked {
    matcher: Box<dyn Query>,
    matcher_ceiling: Score,
    ranking: Vec<Ranking>,
}

impl Clone for Ranked {
    fn clone(&self) -> Ranked {
        Ranked {
            matcher: self.matcher.box_clone(),
            matcher_ceiling: self.matcher_ceiling,
            ranking: self.ranking.clone(),
        }
    }
}

impl Ranked {
    /// `matcher`, whose own score is at most `matcher_ceiling`, ranked by the sum of `ranking`.
    pub fn new(matcher: Box<dyn Query>, matcher_ceiling: Score, ranking: Vec<Ranking>) -> Ranked {
        Ranked {
            matcher,
            matcher_ceiling,
            ranking,
        }
    }
}

impl Query for Ranked {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        if !enable_scoring.is_scoring_enabled() {
            return self.matcher.weight(enable_scoring);
        }
        let mut leaves = Vec::new();
        let clauses = self
            .ranking
            .iter()
            .map(|ranking| ranking.flatten(enable_scoring, 1.0, &mut leaves))
            .collect::<tantivy::Result<Vec<Shape>>>()?;
        Ok(Box::new(RankedWeight {
            matcher: self.matcher.weight(enable_scoring)?,
            matcher_ceiling: self.matcher_ceiling,
            leaves,
            shape: Arc::new(Shape::Sum(clauses)),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.matcher.query_terms(visitor);
        for ranking in &self.ranking {
            ranking.query_terms(visitor);
        }
    }
}

struct RankedWeight {
    matcher: Box<dyn Weight>,
    matcher_ceiling: Score,
    leaves: Vec<Leaf>,
    shape: Arc<Shape>,
}

impl RankedWeight {
    fn ranked_scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<RankedScorer> {
        let leaves = self
            .leaves
            .iter()
            .map(|leaf| leaf.weight.scorer(reader, leaf.scale * boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(RankedScorer {
            matcher: self.matcher.scorer(reader, boost)?,
            scores: vec![None; leaves.len()],
            leaves,
            shape: Arc::clone(&self.shape),
        })
    }
}

impl Weight for RankedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.ranked_scorer(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.ranked_scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let score = scorer.score();
        let mut leaves = Vec::with_capacity(self.leaves.len());
        for (leaf, read) in self.leaves.iter().zip(&scorer.scores) {
            leaves.push(match read {
                None => None,
                Some(value) => {
                    let inner = leaf.weight.explain(reader, doc)?;
                    Some(if leaf.scale == 1.0 {
                        inner
                    } else {
                        let mut scaled =
                            Explanation::new_with_string(format!("× {}", leaf.scale), *value);
                        scaled.add_detail(inner);
                        scaled
                    })
                }
            });
        }
        let ranking = self.shape.explain(&mut leaves);
        let matched = scorer.matcher.score();
        let ranking = match ranking {
            // The score is the ranking's alone.
            Some(ranking) if matched == 0.0 => return Ok(ranking),
            other => other,
        };
        let mut explanation = Explanation::new("sum of", score);
        if matched != 0.0 {
            // (A relaxed plan's matcher scores the query's terms a document has.)
            let mut coverage = Explanation::new("the matcher: terms the document has", matched);
            coverage.add_detail(self.matcher.explain(reader, doc)?);
            explanation.add_detail(coverage);
        }
        if let Some(ranking) = ranking {
            explanation.add_detail(ranking);
        }
        Ok(explanation)
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let scorer = self.ranked_scorer(reader, 1.0)?;
        let ceilings: Vec<Score> = self
            .leaves
            .iter()
            .map(|leaf| inflated(leaf.ceiling))
            .collect();
        MaxScore::new(scorer, ceilings, self.matcher_ceiling).run(threshold, callback);
        Ok(())
    }
}

/// The matcher's documents, each scored by the matcher plus the ranking's leaves that match it.
struct RankedScorer {
    matcher: Box<dyn Scorer>,
    leaves: Vec<Box<dyn Scorer>>,
    /// The leaves' scores at the current document (`None`: the leaf does not match it).
    scores: Vec<Option<Score>>,
    shape: Arc<Shape>,
}

impl RankedScorer {
    /// Reads leaf `leaf` at `doc` into `scores`.
    fn read(&mut self, leaf: usize, doc: DocId) -> Option<Score> {
        let scorer = &mut self.leaves[leaf];
        if scorer.doc() < doc {
            scorer.seek(doc);
        }
        let score = (scorer.doc() == doc).then(|| scorer.score());
        self.scores[leaf] = score;
        score
    }

    /// The score at the matcher's document, from the matcher's score `matched` and the leaves
    /// read into `scores`, summed as Tantivy's Boolean query sums a required clause and its
    /// optional ones.
    fn combined(&self, matched: Score) -> Score {
        let ranking = self.shape.combine(&self.scores);
        let score = 0.0 + matched;
        match ranking {
            Some(ranking) => score + ranking,
            None => score,
        }
    }
}

impl DocSet for RankedScorer {
    fn advance(&mut self) -> DocId {
        self.matcher.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.matcher.seek(target)
    }

    fn doc(&self) -> DocId {
        self.matcher.doc()
    }

    fn size_hint(&self) -> u32 {
        self.matcher.size_hint()
    }
}

impl Scorer for RankedScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc();
        for leaf in 0..self.leaves.len() {
            self.read(leaf, doc);
        }
        let matched = self.matcher.score();
        self.combined(matched)
    }
}

/// One segment's top-k walk.
struct MaxScore {
    scorer: RankedScorer,
    /// The leaves by ceiling, lowest first.
    order: Vec<usize>,
    /// `below[i]`: the sum of the ceilings of `order[..i]`.
    below: Vec<Score>,
    matcher_ceiling: Score,
}

impl MaxScore {
    fn new(scorer: RankedScorer, ceilings: Vec<Score>, matcher_ceiling: Score) -> MaxScore {
        let mut order: Vec<usize> = (0..ceilings.len()).collect();
        order.sort_by(|&a, &b| ceilings[a].total_cmp(&ceilings[b]));
        let mut below = Vec::with_capacity(order.len() + 1);
        let mut sum = 0.0;
        below.push(sum);
        for &leaf in &order {
            sum += ceilings[leaf];
            below.push(sum);
        }
        MaxScore {
            scorer,
            order,
            below,
            matcher_ceiling,
        }
    }

    /// How many of the lowest-ceiling leaves cannot lift a document past `threshold` on their
    /// own (with the matcher's score): `None` when even the matcher alone can, so every match
    /// is a candidate.
    fn non_essential(&self, threshold: Score) -> Option<usize> {
        if self.matcher_ceiling > threshold {
            return None;
        }
        Some(
            self.below
                .iter()
                .rposition(|&sum| self.matcher_ceiling + sum <= threshold)
                .unwrap_or(0),
        )
    }

    /// The first candidate at or after `target`: a match of the matcher that, unless every
    /// match is a candidate, has one of the essential leaves `order[first..]`.
    fn candidate(&mut self, target: DocId, essential: Option<usize>) -> DocId {
        let scorer = &mut self.scorer;
        let Some(first) = essential else {
            return if scorer.matcher.doc() < target {
                scorer.matcher.seek(target)
            } else {
                scorer.matcher.doc()
            };
        };
        let mut target = target;
        loop {
            let mut least = TERMINATED;
            for &leaf in &self.order[first..] {
                let leaf = &mut scorer.leaves[leaf];
                let doc = if leaf.doc() < target {
                    leaf.seek(target)
                } else {
                    leaf.doc()
                };
                least = least.min(doc);
            }
            if least == TERMINATED {
                return TERMINATED;
            }
            let matched = if scorer.matcher.doc() < least {
                scorer.matcher.seek(least)
            } else {
                scorer.matcher.doc()
            };
            if matched == least || matched == TERMINATED {
                return matched;
            }
            target = matched;
        }
    }

    fn run(mut self, mut threshold: Score, callback: &mut dyn FnMut(DocId, Score) -> Score) {
        let mut essential = self.non_essential(threshold);
        let mut target = 0;
        loop {
            if essential == Some(self.order.len()) {
                return; // no document left can beat the threshold
            }
            let doc = self.candidate(target, essential);
            if doc == TERMINATED {
                return;
            }
            target = doc + 1;
            // What the document has, plus what the leaves not read yet could still add (the
            // ceilings of `order[..=unread]`, summed from the smallest). Summed up, not taken
            // away from the sum of every ceiling: beside the exact title's 100,000 an f32 has
            // no room for the third decimal of a term's score, and a document scoring just
            // above the threshold was dropped. In f64, with a margin for the rounding of the
            // f32 sums the score itself is made of.
            let matched = self.scorer.matcher.score();
            let mut has = f64::from(matched);
            let mut dropped = false;
            for unread in (0..self.order.len()).rev() {
                let bound = has + f64::from(self.below[unread + 1]);
                if bound + bound.abs() * BOUND_MARGIN <= f64::from(threshold) {
                    dropped = true;
                    break;
                }
                has += f64::from(self.scorer.read(self.order[unread], doc).unwrap_or(0.0));
            }
            if dropped {
                continue;
            }
            let score = self.scorer.combined(matched);
            if score > threshold {
                threshold = callback(doc, score);
                essential = self.non_essential(threshold);
            }
        }
    }
}

#[cfg(test)]
impl Ranked {
    /// The same query as Tantivy's Boolean query of the matcher (required) and the ranking
    /// clauses (optional), which scores every match.
    pub fn as_boolean_query(&self) -> tantivy::query::BooleanQuery {
        use tantivy::query::Occur;
        let mut clauses = vec![(Occur::Must, self.matcher.box_clone())];
        clauses.extend(
            self.ranking
                .iter()
                .map(|ranking| (Occur::Should, ranking.as_tantivy_query())),
        );
        tantivy::query::BooleanQuery::new(clauses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::ConstScorer;

    /// Documents from a list.
    struct Docs(Vec<DocId>, usize);

    impl DocSet for Docs {
        fn advance(&mut self) -> DocId {
            self.1 += 1;
            self.doc()
        }

        fn doc(&self) -> DocId {
            self.0.get(self.1).copied().unwrap_or(TERMINATED)
        }

        fn size_hint(&self) -> u32 {
            self.0.len() as u32
        }
    }

    /// The best document the walk keeps, each document `doc` scoring `scores[doc]` on a leaf of
    /// its own (a term's forms at their best), beside an exact-title leaf that matches none.
    fn best_of(scores: &[Score]) -> (DocId, Score) {
        let scorer = |docs: Vec<DocId>, score: Score| -> Box<dyn Scorer> {
            Box::new(ConstScorer::new(Docs(docs, 0), score))
        };
        let mut leaves: Vec<Box<dyn Scorer>> = (0..scores.len())
            .map(|doc| scorer(vec![doc as DocId], scores[doc]))
            .collect();
        leaves.push(scorer(Vec::new(), 100_000.0));
        let mut ceilings = vec![0.7028; scores.len()];
        ceilings.push(100_000.0);
        let ceilings = ceilings.iter().map(|&ceiling| inflated(ceiling)).collect();
        let shape = Shape::Sum(vec![
            Shape::Best((0..scores.len()).map(Shape::Leaf).collect()),
            Shape::Leaf(scores.len()),
        ]);
        let all: Vec<DocId> = (0..scores.len() as DocId).collect();
        let ranked = RankedScorer {
            matcher: scorer(all, 0.0),
            scores: vec![None; leaves.len()],
            leaves,
            shape: Arc::new(shape),
        };
        let mut best = (TERMINATED, Score::MIN);
        MaxScore::new(ranked, ceilings, 0.0).run(Score::MIN, &mut |doc, score| {
            if score > best.1 {
                best = (doc, score);
            }
            best.1
        });
        best
    }

    /// A document scoring just above the threshold is kept, though the exact title's ceiling
    /// (100,000) is in the sum of ceilings: bounds are summed up, not taken away from that sum,
    /// where an f32 has no room left for a term score's third decimal. Documents come in
    /// rising order, each 0.0005 above the last (the threshold when it comes), with 2 to 40
    /// term leaves, so the sum of the ceilings rounds every way.
    #[test]
    fn a_document_just_above_the_threshold_is_kept_beside_a_huge_ceiling() {
        for documents in 2..=40 {
            let scores: Vec<Score> = (0..documents)
                .map(|doc| 0.68 + 0.0005 * doc as Score)
                .collect();
            let last = (documents - 1) as DocId;
            assert_eq!(
                best_of(&scores),
                (last, scores[documents - 1]),
                "{documents} documents"
            );
        }
    }
}
