//! Planning: a parsed query tree into one Tantivy query that matches exactly the documents the
//! query describes and ranks them, with the patterns to mark in their snippets.
//!
//! Each term becomes a *matcher* (which documents qualify) and *ranking* clauses (how they are
//! ordered):
//!
//! * matcher, quoted term: the phrase occurs in the title or the body (gram/char views: exact);
//! * matcher, unquoted term: the term or one of its expansions (abbreviations, traditional /
//!   simplified forms) occurs, or the document has all the term's jieba words;
//! * ranking: BM25 over jieba words (title words boosted), plus a constant per term for an
//!   exact-substring match in the title or the body, so substring matches rank above scattered
//!   ones, plus constants when the whole query occurs as a phrase or is a document's title.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::budget::Budget;
use super::phrase::GramPhraseQuery;
use super::proximity::{proximity_query, TermPatterns};
use crate::analysis::expansion::expansions;
use crate::analysis::matching::Pattern;
use crate::analysis::{gram, title_key, Normalized, Unit};
use crate::document::MetaField;
use crate::index::schema::{day_to_tantivy, Fields};
use crate::query::{DateRange, Node, Scope};

/// Ranking constants, chosen on `../shared/eval/known-items-*.tsv` and checked against the
/// phrase sets (see the README's "Ranking" section).
mod ranking {
    /// Added once when the query, as a title key, equals the document's title key: the
    /// document whose title was typed ranks first.
    pub const EXACT_TITLE: f32 = 100_000.0;
    /// Added when a query of several terms occurs, as typed, as one phrase.
    pub const WHOLE_QUERY_PHRASE: f32 = 5_000.0;
    /// Added per term that occurs as a substring of the title.
    pub const TITLE_SUBSTRING: f32 = 2_000.0;
    /// Added per term that occurs as a substring of the body. Larger than any BM25 sum seen on
    /// the eval sets, so exact-substring matches rank above scattered-word matches.
    pub const BODY_SUBSTRING: f32 = 1_000.0;
    /// An expansion (科创 for 科技创新, a traditional form) counts a little less than the
    /// term as typed.
    pub const EXPANSION_FACTOR: f32 = 0.9;
    /// Weight of BM25 on title words against body words.
    pub const TITLE_WORDS_BOOST: f32 = 5.0;
    /// Snippet weight of a whole query term against one of its words.
    pub const PHRASE_HIGHLIGHT: f32 = 3.0;
}

/// A query ready to run, with what to highlight in its hits.
pub struct Plan {
    /// Matches and ranks.
    pub query: Box<dyn Query>,
    /// What to mark in the hits.
    pub highlights: Vec<Pattern>,
}

/// Builds a [`Plan`] from a query tree.
pub struct Planner<'a> {
    fields: &'a Fields,
    /// The search's time budget, for the queries that check it themselves (`/s`, `/p`).
    budget: Budget,
    highlights: Vec<Pattern>,
    ranking_words: Vec<String>,
}

impl<'a> Planner<'a> {
    /// A planner over `fields`; `/s` and `/p` check `budget` themselves.
    pub fn new(fields: &'a Fields, budget: Budget) -> Planner<'a> {
        Planner {
            fields,
            budget,
            highlights: Vec::new(),
            ranking_words: Vec::new(),
        }
    }

    /// The query that matches and ranks `tree`.
    pub fn plan(mut self, tree: &Node) -> Plan {
        let matcher = self.node(tree);
        let fields = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matcher)];
        for word in &self.ranking_words {
            clauses.push((Occur::Should, word_query(word, fields)));
        }
        let terms = tree.positive_terms();
        if !terms.is_empty() {
            let whole: String = terms.iter().map(|(text, _)| *text).collect();
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(fields.title_key, &title_key(&whole)),
                        IndexRecordOption::Basic,
                    )),
                    ranking::EXACT_TITLE,
                )),
            ));
        }
        if terms.len() > 1 {
            let joined: Vec<&str> = terms.iter().map(|(text, _)| *text).collect();
            let normalized = Normalized::new(&joined.join(" "));
            let units = normalized.units();
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    substring_in_document(&units, fields),
                    ranking::WHOLE_QUERY_PHRASE,
                )),
            ));
        }
        Plan {
            query: Box::new(BooleanQuery::new(clauses)),
            highlights: self.highlights,
        }
    }

    /// The matcher of `node` alone: which documents qualify, without ranking clauses.
    pub fn node(&mut self, node: &Node) -> Box<dyn Query> {
        match node {
            Node::Term {
                text,
                quoted,
                scope,
            } => self.term(text, *quoted, *scope),
            Node::Meta { field, value } => filter(Box::new(TermQuery::new(
                Term::from_field_text(self.fields.meta(*field), value),
                IndexRecordOption::Basic,
            ))),
            Node::Date(range) => filter(date_query(self.fields.meta(MetaField::Date), range)),
            Node::And(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = children
                    .iter()
                    .map(|child| match child {
                        Node::Not(inner) => (Occur::MustNot, self.excluded(inner)),
                        child => (Occur::Must, self.node(child)),
                    })
                    .collect();
                // A group of exclusions only (`太湖 (-条例 -决定)`) keeps every document they
                // do not exclude; a query of exclusions alone matches nothing in Tantivy.
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(children) => Box::new(BooleanQuery::new(
                children
                    .iter()
                    .map(|child| (Occur::Should, self.node(child)))
                    .collect(),
            )),
            Node::Not(inner) => {
                let excluded = self.excluded(inner);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery)),
                    (Occur::MustNot, excluded),
                ]))
            }
            Node::Near { within, .. } => {
                let mut operands = Vec::new();
                flatten_near(node, &mut operands);
                let candidates = operands
                    .iter()
                    .map(|(text, quoted)| (Occur::Must, self.term(text, *quoted, Scope::Any)))
                    .collect();
                let patterns = operands
                    .iter()
                    .map(|(text, quoted)| TermPatterns::new(&self.alternatives(text, *quoted)))
                    .collect();
                proximity_query(
                    Box::new(BooleanQuery::new(candidates)),
                    patterns,
                    *within,
                    *self.fields,
                    self.budget.clone(),
                )
            }
        }
    }

    /// The documents a negated node excludes (no ranking, no highlights).
    fn excluded(&mut self, node: &Node) -> Box<dyn Query> {
        let mut planner = Planner::new(self.fields, self.budget.clone());
        planner.node(node)
    }

    /// The forms of a term that count as matching it.
    fn alternatives(&self, text: &str, quoted: bool) -> Vec<String> {
        if quoted {
            vec![text.to_string()]
        } else {
            expansions(text)
        }
    }

    fn term(&mut self, text: &str, quoted: bool, scope: Scope) -> Box<dyn Query> {
        let fields = self.fields;
        let mut matcher: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (index, alternative) in self.alternatives(text, quoted).iter().enumerate() {
            let normalized = Normalized::new(alternative);
            let units = normalized.units();
            if units.is_empty() {
                continue;
            }
            let factor = if index == 0 {
                1.0
            } else {
                ranking::EXPANSION_FACTOR
            };
            if scope != Scope::Body {
                let title = substring_query(&units, Part::title(fields));
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        title,
                        ranking::TITLE_SUBSTRING * factor,
                    )),
                ));
            }
            if scope != Scope::Title {
                let body = substring_query(&units, Part::body(fields));
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(body, ranking::BODY_SUBSTRING * factor)),
                ));
            }
            self.highlights
                .extend(Pattern::new(alternative, ranking::PHRASE_HIGHLIGHT));
            if quoted || index > 0 {
                continue;
            }
            let words: Vec<String> = normalized
                .words()
                .into_iter()
                .map(|(word, _)| word.to_string())
                .collect();
            if !words.is_empty() && scope == Scope::Any {
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(all_words_query(&words, fields), 0.0)),
                ));
            }
            self.highlights
                .extend(words.iter().filter_map(|word| Pattern::new(word, 1.0)));
            for word in words {
                if !self.ranking_words.contains(&word) {
                    self.ranking_words.push(word);
                }
            }
        }
        if matcher.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(matcher))
    }
}

/// The terms joined by `/s` or `/p`, left to right.
fn flatten_near<'n>(node: &'n Node, out: &mut Vec<(&'n str, bool)>) {
    match node {
        Node::Near { left, right, .. } => {
            flatten_near(left, out);
            flatten_near(right, out);
        }
        Node::Term { text, quoted, .. } => out.push((text, *quoted)),
        _ => {}
    }
}

/// A filter: matches without adding to the score.
fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

fn date_query(field: Field, range: &DateRange) -> Box<dyn Query> {
    let term = |date: time::Date| Term::from_field_date(field, day_to_tantivy(date));
    let lower = range
        .from
        .map_or(Bound::Unbounded, |d| Bound::Included(term(d)));
    let upper = range
        .to
        .map_or(Bound::Unbounded, |d| Bound::Excluded(term(d)));
    if matches!((&lower, &upper), (Bound::Unbounded, Bound::Unbounded)) {
        // Tantivy refuses a range with no bound (the parser never makes one): every document
        // with a date.
        return Box::new(tantivy::query::ExistsQuery::new(
            MetaField::Date.name().to_string(),
            false,
        ));
    }
    Box::new(RangeQuery::new(lower, upper))
}

/// Documents whose title or body contains `units` consecutively.
fn substring_in_document(units: &[Unit<'_>], fields: &Fields) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, substring_query(units, Part::title(fields))),
        (Occur::Should, substring_query(units, Part::body(fields))),
    ]))
}

/// The three views of the title or of the body.
#[derive(Debug, Clone, Copy)]
struct Part {
    words: Field,
    grams: Field,
    chars: Field,
}

impl Part {
    fn title(fields: &Fields) -> Part {
        Part {
            words: fields.title_words,
            grams: fields.title_grams,
            chars: fields.title_chars,
        }
    }

    fn body(fields: &Fields) -> Part {
        Part {
            words: fields.body_words,
            grams: fields.body_grams,
            chars: fields.body_chars,
        }
    }
}

/// Documents whose part (title or body) contains `units` consecutively: exactly the documents
/// that contain the text as a phrase, per the eval README's definition.
fn substring_query(units: &[Unit<'_>], part: Part) -> Box<dyn Query> {
    let (grams, chars) = (part.grams, part.chars);
    match units {
        [] => Box::new(EmptyQuery),
        [unit] => Box::new(TermQuery::new(
            Term::from_field_text(chars, unit.text),
            IndexRecordOption::Basic,
        )),
        [first, second] => Box::new(TermQuery::new(
            Term::from_field_text(grams, &gram(first, second)),
            IndexRecordOption::Basic,
        )),
        _ => {
            // Every bigram of the phrase, at its offset; GramPhraseQuery picks those to check.
            let terms = (0..units.len() - 1)
                .map(|p| {
                    (
                        p,
                        Term::from_field_text(grams, &gram(&units[p], &units[p + 1])),
                    )
                })
                .collect();
            // A word of single-character units settles candidates without positions.
            let single_characters = units
                .iter()
                .all(|unit| !unit.text.as_bytes()[0].is_ascii_alphanumeric());
            let word = single_characters.then(|| {
                let text: String = units.iter().map(|unit| unit.text).collect();
                Term::from_field_text(part.words, &text)
            });
            Box::new(GramPhraseQuery::new(terms, word))
        }
    }
}

/// BM25 of `word` in the title (boosted) or the body.
fn word_query(word: &str, fields: &Fields) -> Box<dyn Query> {
    let term = |field| {
        Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ))
    };
    Box::new(BooleanQuery::new(vec![
        (
            Occur::Should,
            Box::new(BoostQuery::new(
                term(fields.title_words),
                ranking::TITLE_WORDS_BOOST,
            )),
        ),
        (Occur::Should, term(fields.body_words)),
    ]))
}

/// Documents that have every one of `words`, each in the title or the body.
fn all_words_query(words: &[String], fields: &Fields) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        words
            .iter()
            .map(|word| (Occur::Must, word_query(word, fields)))
            .collect(),
    ))
}
