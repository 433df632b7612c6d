//! Collocates: the words that keep company with a query's terms. For every sentence of the
//! matching documents that holds an occurrence of a term (the node), its other jieba words are
//! counted (not the node, its pieces, or words built on it such as 太湖流域 for 太湖); each is then scored against its frequency in the whole index by Dunning's
//! log-likelihood (the measure AntConc ranks collocates by) and mutual information, from the
//! usual 2×2 table: the word's count in the node's sentences, all the words of those sentences,
//! the word's count in the index's word view, and all the words of the index.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::matching::{occurrences, Pattern};
use crate::analysis::structure::sentences;
use crate::analysis::Normalized;
use crate::error::{Error, Result};
use crate::search::{Engine, SearchRequest};

/// Collocates listed at most.
pub const MAX_COLLOCATES: usize = 200;

/// One collocate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Collocate {
    /// The word.
    pub word: String,
    /// Its occurrences in the sentences that hold the node.
    pub count: u64,
    /// Its occurrences in the whole index (titles and bodies).
    pub corpus_count: u64,
    /// Dunning's log-likelihood (higher: more strongly associated).
    pub ll: f64,
    /// Mutual information, in bits.
    pub mi: f64,
}

/// The collocates of a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Collocates {
    /// Sentences holding the node.
    pub sentences: u64,
    /// Words in those sentences, the node's own left out.
    pub words: u64,
    /// The collocates, most associated first (words seen at least `min_count` times, more
    /// often than chance).
    pub collocates: Vec<Collocate>,
}

/// Counts in the node's sentences, for one document or all.
#[derive(Default)]
struct Counts {
    sentences: u64,
    words: u64,
    by_word: HashMap<String, u64>,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.sentences += other.sentences;
        self.words += other.words;
        for (word, count) in other.by_word {
            *self.by_word.entry(word).or_default() += count;
        }
    }
}

/// The words around `patterns` in `text`'s sentences; `node` are the terms' normalised texts.
fn count_sentences(text: &str, patterns: &[Pattern], node: &[String], counts: &mut Counts) {
    let found = occurrences(text, patterns);
    if found.is_empty() {
        return;
    }
    let mut next = 0;
    for sentence in sentences(text) {
        while next < found.len() && found[next].0.start < sentence.start {
            next += 1;
        }
        if next >= found.len() {
            break;
        }
        if found[next].0.start >= sentence.end {
            continue;
        }
        counts.sentences += 1;
        let normalized = Normalized::new(&text[sentence]);
        for (word, _) in normalized.words() {
            // The node itself, a piece of it or a word built on it is not its company.
            if node
                .iter()
                .any(|term| term.contains(word) || word.contains(term.as_str()))
            {
                continue;
            }
            counts.words += 1;
            *counts.by_word.entry(word.to_string()).or_default() += 1;
        }
    }
}

/// `2 Σ O ln(O/E)` over the 2×2 table of a word (`o11` of `r1` words near the node, `c1` of
/// `n` words in the index).
fn log_likelihood(o11: f64, r1: f64, c1: f64, n: f64) -> f64 {
    let cells = [
        (o11, r1 * c1 / n),
        (r1 - o11, r1 * (n - c1) / n),
        (c1 - o11, (n - r1) * c1 / n),
        (n - r1 - c1 + o11, (n - r1) * (n - c1) / n),
    ];
    2.0 * cells
        .iter()
        .filter(|(observed, expected)| *observed > 0.0 && *expected > 0.0)
        .map(|(observed, expected)| observed * (observed / expected).ln())
        .sum::<f64>()
}

/// The collocates of `request`'s terms over its full matches: at most `limit`, each seen at
/// least `min_count` times near the node.
pub fn collocates(
    engine: &Engine,
    request: &SearchRequest,
    limit: usize,
    min_count: u64,
) -> Result<Collocates> {
    if !(1..=MAX_COLLOCATES).contains(&limit) {
        return Err(Error::InvalidParameter {
            name: "limit",
            message: format!("{limit} is out of range: use 1 to {MAX_COLLOCATES}"),
        });
    }
    let matches = engine.all_matches(request)?;
    let patterns: Vec<Pattern> = matches
        .terms
        .iter()
        .filter_map(|term| Pattern::new(term, 1.0))
        .collect();
    let node: Vec<String> = matches
        .terms
        .iter()
        .map(|term| Normalized::new(term).text)
        .collect();
    let mut counts = Counts::default();
    for document_counts in matches.par_map(|_, _, document| {
        let mut counts = Counts::default();
        count_sentences(&document.title, &patterns, &node, &mut counts);
        count_sentences(&document.body, &patterns, &node, &mut counts);
        counts
    })? {
        counts.add(document_counts);
    }
    // The most frequent candidates are scored (their index frequencies read from postings).
    let mut candidates: Vec<(String, u64)> = counts
        .by_word
        .into_iter()
        .filter(|(_, count)| *count >= min_count.max(1))
        .collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    candidates.truncate(MAX_COLLOCATES * 5);
    let (total, frequencies) =
        engine.word_frequencies(candidates.iter().map(|(word, _)| word.as_str()))?;
    let (r1, n) = (counts.words as f64, total as f64);
    let mut scored: Vec<Collocate> = candidates
        .into_iter()
        .zip(frequencies)
        .filter_map(|((word, count), corpus_count)| {
            let (o11, c1) = (count as f64, corpus_count.max(count) as f64);
            (n > 0.0 && r1 > 0.0 && o11 * n > r1 * c1).then(|| Collocate {
                ll: log_likelihood(o11, r1, c1, n),
                mi: (o11 * n / (r1 * c1)).log2(),
                word,
                count,
                corpus_count: corpus_count.max(count),
            })
        })
        .collect();
    scored.sort_by(|a, b| b.ll.total_cmp(&a.ll).then_with(|| a.word.cmp(&b.word)));
    scored.truncate(limit);
    Ok(Collocates {
        sentences: counts.sentences,
        words: counts.words,
        collocates: scored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_likelihood_is_the_g_statistic_of_the_two_by_two_table() {
        // The table [[10, 90], [10, 9890]]: G = 2N(H(rows) + H(columns) - H(cells)) = 65.5837…,
        // computed apart from this formula.
        let g = log_likelihood(10.0, 100.0, 20.0, 10_000.0);
        assert!((g - 65.583_708_115_493).abs() < 1e-6, "{g}");
        // A word exactly as frequent near the node as elsewhere is not associated.
        assert!(log_likelihood(1.0, 100.0, 100.0, 10_000.0).abs() < 1e-9);
    }
}
