//! Planning: a parsed query tree into one Tantivy query that matches exactly the documents the
//! query describes and ranks them, with the patterns to mark in their snippets.
//!
//! Each term becomes a *matcher* (which documents qualify) and *ranking* clauses (how they are
//! ordered):
//!
//! * matcher, quoted term: the phrase occurs in the title or the body (gram/char views: exact);
//! * matcher, unquoted term: the term or one of its expansions (abbreviations, traditional /
//!   simplified forms) occurs, or the document has all the term's jieba words;
//! * ranking: a [`Ranking`] tree of BM25F scores ([`super::rank`]): per term, the best of its
//!   forms plus its jieba words at a share; the whole query as one more term; a constant when
//!   the query is a document's title. The plan is a [`Ranked`] query ([`super::top_k`]), which
//!   finds the top k without scoring every match.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::budget::{Budget, BudgetQuery};
use super::graph::GraphQuery;
use super::phrase::GramPhraseQuery;
use super::proximity::{proximity_query, TermPatterns};
use super::rank::{weights, PartTerms, Ranking, TermScore};
use super::top_k::Ranked;
use super::versions::today;
use crate::analysis::expansion::{query_forms, Form, Kind, Thesaurus};
use crate::analysis::matching::Pattern;
use crate::analysis::{gram, title_key, Normalized, Unit};
use crate::document::MetaField;
use crate::index::schema::{day_to_tantivy, Fields};
use crate::query::{DateRange, Node, Scope};

/// Snippet weight of a whole query term against one of its words.
const PHRASE_HIGHLIGHT: f32 = 3.0;

/// A query ready to run, with what to highlight in its hits.
pub struct Plan {
    /// Matches and ranks.
    pub query: Box<dyn Query>,
    /// What to mark in the hits.
    pub highlights: Vec<Pattern>,
    /// For a relaxed plan ([`Planner::plan_relaxed`]), each term that may be missing, as
    /// typed, with its matcher: a hit lacks the terms whose matcher does not match it.
    pub optional_terms: Vec<(String, Box<dyn Query>)>,
}

/// Builds a [`Plan`] from a query tree.
pub struct Planner<'a> {
    fields: &'a Fields,
    thesaurus: &'a Thesaurus,
    /// The search's time budget, for the queries that check it themselves (`/s`, `/p`).
    budget: Budget,
    highlights: Vec<Pattern>,
    /// One ranking clause per positive term, in query order.
    ranking: Vec<Ranking>,
    /// The query's positive terms as typed (an expansion that is one of them is skipped).
    query_terms: Vec<String>,
    /// The query text as typed, when known: a title typed with its punctuation
    /// (`刑法修正案(七)`, whose parentheses the grammar reads as grouping) is still a title.
    typed: Option<String>,
}

impl<'a> Planner<'a> {
    /// A planner over `fields` that expands unquoted terms with `thesaurus`; `/s` and `/p`
    /// check `budget` themselves.
    pub fn new(fields: &'a Fields, thesaurus: &'a Thesaurus, budget: Budget) -> Planner<'a> {
        Planner {
            fields,
            thesaurus,
            budget,
            highlights: Vec::new(),
            ranking: Vec::new(),
            query_terms: Vec::new(),
            typed: None,
        }
    }

    /// The query text as the user typed it, for recognising a typed title.
    pub fn typed(mut self, q: &str) -> Planner<'a> {
        self.typed = Some(q.to_string());
        self
    }

    /// The query that matches and ranks `tree`: the exact matcher, scored by the terms'
    /// aboutness (see [`super::rank`]).
    pub fn plan(mut self, tree: &Node) -> Plan {
        self.query_terms = query_terms(tree);
        let matcher = filter(self.node(tree));
        self.finish(matcher, 0.0, tree, Vec::new())
    }

    /// The query that also matches documents lacking some of the query's terms, when the
    /// query is terms joined by AND (with any filters and exclusions, which stay required):
    /// a document scores [`weights::COVERAGE`] per term it has, so documents with every term
    /// come first, then those missing one, and so on, each group ranked by aboutness. `None`
    /// when the query has fewer than two such terms.
    pub fn plan_relaxed(mut self, tree: &Node) -> Option<Plan> {
        self.query_terms = query_terms(tree);
        let mut conjuncts = Vec::new();
        flatten_and(tree, &mut conjuncts);
        let terms = conjuncts
            .iter()
            .filter(|node| matches!(node, Node::Term { .. }))
            .count();
        if terms < 2 {
            return None;
        }
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut coverage: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut optional_terms = Vec::new();
        for node in conjuncts {
            match node {
                Node::Term {
                    text,
                    quoted,
                    scope,
                } => {
                    let matcher = self.term(text, *quoted, *scope);
                    optional_terms.push((text.clone(), matcher.box_clone()));
                    coverage.push((
                        Occur::Should,
                        Box::new(ConstScoreQuery::new(matcher, weights::COVERAGE)),
                    ));
                }
                Node::Not(inner) => required.push((Occur::MustNot, self.excluded(inner))),
                node => required.push((Occur::Must, filter(self.node(node)))),
            }
        }
        let coverage_ceiling = weights::COVERAGE * coverage.len() as f32;
        required.push((Occur::Must, Box::new(BooleanQuery::new(coverage))));
        Some(self.finish(
            Box::new(BooleanQuery::new(required)),
            coverage_ceiling,
            tree,
            optional_terms,
        ))
    }

    /// `matcher` (whose own score is at most `matcher_ceiling`) with the ranking clauses of
    /// the terms planned so far, the exact title and the whole query as a phrase. The matcher
    /// checks the search's time budget.
    fn finish(
        mut self,
        matcher: Box<dyn Query>,
        matcher_ceiling: f32,
        tree: &Node,
        optional_terms: Vec<(String, Box<dyn Query>)>,
    ) -> Plan {
        let fields = self.fields;
        let mut clauses: Vec<Ranking> = std::mem::take(&mut self.ranking);
        let terms = tree.positive_terms();
        if !terms.is_empty() {
            let whole: String = terms.iter().map(|(text, _)| *text).collect();
            let mut keys = vec![title_key(&whole)];
            keys.extend(self.typed.as_deref().map(title_key));
            keys.dedup();
            let titles: Vec<(Occur, Box<dyn Query>)> = keys
                .iter()
                .map(|key| {
                    let query: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(fields.title_key, key),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, query)
                })
                .collect();
            clauses.push(Ranking::Constant(
                Box::new(BooleanQuery::new(titles)),
                weights::EXACT_TITLE,
            ));
        }
        if terms.len() > 1 {
            let joined: Vec<&str> = terms.iter().map(|(text, _)| *text).collect();
            let joined = joined.join(" ");
            let normalized = Normalized::new(&joined);
            clauses.push(Ranking::Scaled(
                Box::new(Ranking::Term(term_score(
                    &joined,
                    &normalized.units(),
                    Scope::Any,
                    fields,
                ))),
                weights::WHOLE_QUERY,
            ));
        }
        let matcher = Box::new(BudgetQuery::new(matcher, self.budget.clone()));
        Plan {
            query: Box::new(Ranked::new(matcher, matcher_ceiling, clauses)),
            highlights: self.highlights,
            optional_terms,
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
            Node::Graph {
                filter: graph,
                value,
            } => filter(Box::new(GraphQuery::new(
                *self.fields,
                *graph,
                value,
                today(),
            ))),
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
                    .map(|(text, quoted)| {
                        let forms: Vec<String> = self
                            .alternatives(text, *quoted)
                            .into_iter()
                            .filter(|form| form.kind != Kind::Related)
                            .map(|form| form.text)
                            .collect();
                        TermPatterns::new(&forms)
                    })
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
        let mut planner = Planner::new(self.fields, self.thesaurus, self.budget.clone());
        planner.node(node)
    }

    /// The forms of a term that count as matching it.
    fn alternatives(&self, text: &str, quoted: bool) -> Vec<Form> {
        query_forms(text, quoted, self.thesaurus)
    }

    fn term(&mut self, text: &str, quoted: bool, scope: Scope) -> Box<dyn Query> {
        let fields = self.fields;
        let mut matcher: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // The term's score: the best of its forms (an expansion counts a little less), plus
        // its jieba words at a share when it has several.
        let mut forms: Vec<Ranking> = Vec::new();
        let mut words_score: Vec<Ranking> = Vec::new();
        for (index, form) in self.alternatives(text, quoted).iter().enumerate() {
            let alternative = form.text.as_str();
            if index > 0 && self.query_terms.iter().any(|term| term == alternative) {
                continue; // another term of the query: counted as itself, not twice
            }
            let normalized = Normalized::new(alternative);
            let units = normalized.units();
            if units.is_empty() {
                continue;
            }
            // A related term ranks a document that has it, but does not stand for the term.
            if form.kind != Kind::Related {
                if scope != Scope::Body {
                    matcher.push((Occur::Should, substring_query(&units, Part::title(fields))));
                }
                if scope != Scope::Title {
                    matcher.push((Occur::Should, substring_query(&units, Part::body(fields))));
                }
            }
            let form_score = Ranking::Term(term_score(alternative, &units, scope, fields));
            let factor = weights::form_factor(form.kind);
            forms.push(if factor == 1.0 {
                form_score
            } else {
                Ranking::Scaled(Box::new(form_score), factor)
            });
            self.highlights
                .extend(Pattern::new(alternative, PHRASE_HIGHLIGHT));
            if quoted || index > 0 {
                continue;
            }
            let words: Vec<String> = normalized
                .words()
                .into_iter()
                .map(|(word, _)| word.to_string())
                .collect();
            if !words.is_empty() && scope == Scope::Any {
                matcher.push((Occur::Should, all_words_query(&words, fields)));
            }
            self.highlights
                .extend(words.iter().filter_map(|word| Pattern::new(word, 1.0)));
            if words.len() > 1 {
                for word in &words {
                    words_score.push(Ranking::Term(word_score(word, word, scope, fields)));
                }
            }
        }
        if matcher.is_empty() {
            return Box::new(EmptyQuery);
        }
        let mut ranking = vec![Ranking::Best(forms)];
        if !words_score.is_empty() {
            ranking.push(Ranking::Scaled(
                Box::new(Ranking::Sum(words_score)),
                weights::WORDS_FACTOR,
            ));
        }
        self.ranking.push(Ranking::Sum(ranking));
        Box::new(BooleanQuery::new(matcher))
    }
}

fn query_terms(tree: &Node) -> Vec<String> {
    tree.positive_terms()
        .into_iter()
        .map(|(text, _)| text.to_string())
        .collect()
}

/// The conjuncts of `node`: its children if it is an AND (nested ANDs flattened), else itself.
fn flatten_and<'n>(node: &'n Node, out: &mut Vec<&'n Node>) {
    match node {
        Node::And(children) => children.iter().for_each(|child| flatten_and(child, out)),
        node => out.push(node),
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

/// A part of a document a term is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    Title,
    Headings,
    Body,
}

/// The parts of a document a term is counted in, by scope: headings are part of the body.
fn parts(scope: Scope) -> &'static [Counted] {
    match scope {
        Scope::Any => &[Counted::Title, Counted::Headings, Counted::Body],
        Scope::Title => &[Counted::Title],
        Scope::Body => &[Counted::Headings, Counted::Body],
    }
}

/// How much a document speaks of `units` (a term or one of its forms), in its title, its
/// headings and its body.
fn term_score(label: &str, units: &[Unit<'_>], scope: Scope, fields: &Fields) -> TermScore {
    let grams = |field| -> Vec<Term> {
        units
            .windows(2)
            .map(|pair| Term::from_field_text(field, &gram(&pair[0], &pair[1])))
            .collect()
    };
    // One unit has no bigram: count it as a jieba word (税, 水) where it is one.
    if let [unit] = units {
        return word_score(label, unit.text, scope, fields);
    }
    let parts = parts(scope)
        .iter()
        .map(|&counted| {
            let field = match counted {
                Counted::Title => fields.title_grams,
                Counted::Body => fields.body_grams,
                Counted::Headings => fields.heading_grams,
            };
            part_terms(counted, field, grams(field))
        })
        .collect();
    TermScore::new(label, parts)
}

/// How much a document speaks of one jieba `word`, in its title and body (the word view has
/// no headings), explained as `label`.
fn word_score(label: &str, word: &str, scope: Scope, fields: &Fields) -> TermScore {
    let parts = parts(scope)
        .iter()
        .filter_map(|&counted| {
            let field = match counted {
                Counted::Title => fields.title_words,
                Counted::Body => fields.body_words,
                Counted::Headings => return None,
            };
            Some(part_terms(
                counted,
                field,
                vec![Term::from_field_text(field, word)],
            ))
        })
        .collect();
    TermScore::new(label, parts)
}

fn part_terms(counted: Counted, field: Field, terms: Vec<Term>) -> PartTerms {
    let (name, weight, b) = match counted {
        Counted::Title => ("title", weights::TITLE_WEIGHT, weights::B_TITLE),
        Counted::Headings => ("headings", weights::HEADING_WEIGHT, weights::B_HEADINGS),
        Counted::Body => ("body", 1.0, weights::B_BODY),
    };
    PartTerms {
        name,
        field,
        terms,
        weight,
        b,
    }
}

/// Documents that have every one of `words`, each in the title or the body.
fn all_words_query(words: &[String], fields: &Fields) -> Box<dyn Query> {
    let has = |field, word: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::Basic,
        ))
    };
    Box::new(BooleanQuery::new(
        words
            .iter()
            .map(|word| {
                let either: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                    (Occur::Should, has(fields.title_words, word)),
                    (Occur::Should, has(fields.body_words, word)),
                ]));
                (Occur::Must, either)
            })
            .collect(),
    ))
}
