//! What the engine makes of a text or a query: its normalised form, the units exact matching
//! uses, jieba's words, and the forms each unquoted term expands to. `GET /api/analyze` and
//! `policy-search analyze` show it, so researchers and maintainers can see why a document
//! matches and ranks where it does.

use serde::{Deserialize, Serialize};

use crate::analysis::expansion::{query_forms, Kind, Thesaurus};
use crate::analysis::Normalized;
use crate::query::parse;

/// A text as the engine analyses it; the JSON of `GET /api/analyze`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The text as given.
    pub text: String,
    /// After normalisation (NFKC, lowercase, whitespace next to CJK removed).
    pub normalized: String,
    /// The units exact matching compares (a CJK character, or a run of ASCII letters and
    /// digits).
    pub units: Vec<String>,
    /// jieba's words (the word view ranking reads).
    pub words: Vec<String>,
    /// When the text parses as a query: each positive term, with what it matches.
    pub terms: Vec<AnalyzedTerm>,
}

/// One query term and its forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzedTerm {
    /// The term as typed.
    pub term: String,
    /// Quoted: an exact phrase, never expanded.
    pub quoted: bool,
    /// The forms it matches or ranks by, the term first.
    pub forms: Vec<AnalyzedForm>,
}

/// A form of a term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzedForm {
    /// The text.
    pub text: String,
    /// `typed`, `script` (traditional ↔ simplified), `abbreviation`, `defined` (the full form of
    /// a short form an indexed text defines), `synonym` (these five match), or `related` (ranks
    /// a document that has it, does not stand for the term).
    pub kind: String,
}

/// Analyse `text` with `thesaurus`.
pub fn analyze(text: &str, thesaurus: &Thesaurus) -> Analysis {
    let normalized = Normalized::new(text);
    let units = normalized
        .units()
        .iter()
        .map(|unit| unit.text.to_string())
        .collect();
    let words = normalized
        .words()
        .into_iter()
        .map(|(word, _)| word.to_string())
        .collect();
    let terms = parse(text)
        .map(|tree| {
            tree.positive_terms()
                .into_iter()
                .map(|(term, quoted)| AnalyzedTerm {
                    term: term.to_string(),
                    quoted,
                    forms: query_forms(term, quoted, thesaurus)
                        .into_iter()
                        .map(|form| AnalyzedForm {
                            text: form.text,
                            kind: kind_name(form.kind).to_string(),
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    Analysis {
        text: text.to_string(),
        normalized: normalized.text.clone(),
        units,
        words,
        terms,
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Typed => "typed",
        Kind::Script => "script",
        Kind::Abbreviation => "abbreviation",
        Kind::Defined => "defined",
        Kind::Synonym => "synonym",
        Kind::Related => "related",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_shows_its_units_words_and_forms() {
        let analysis = analyze("无人机  环太湖", Thesaurus::shipped());
        // Whitespace next to CJK is not a boundary (the terms below still are two).
        assert_eq!(analysis.normalized, "无人机环太湖");
        assert_eq!(analysis.units, ["无", "人", "机", "环", "太", "湖"]);
        assert!(analysis.words.contains(&"无人机".to_string()));
        let drone = &analysis.terms[0];
        assert_eq!(drone.forms[0].kind, "typed");
        assert!(drone
            .forms
            .iter()
            .any(|form| form.text == "无人驾驶航空器" && form.kind == "synonym"));
        // Not a query: the text alone.
        assert!(analyze("\"未闭合", Thesaurus::shipped()).terms.is_empty());
    }
}
