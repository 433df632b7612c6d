//! Related documents: what a document is about, said as a weighted query over the jieba words
//! of the others.
//!
//! A document's subject is in the words its title and its body repeat and the rest of the
//! corpus seldom uses. Each word of the title and of the body's first
//! [`SIMILAR_SAMPLE_BYTES`](super::SIMILAR_SAMPLE_BYTES) is counted, a title occurrence as
//! [`TITLE_WEIGHT`] body occurrences (the ranking's own weight); words of one character, and
//! words in fewer than two documents or in more than a fifth of them (条例, 应当, 管理…), say
//! nothing of a subject and are left out. A word's weight is its count times its idf (as
//! Lucene's more-like-this weighs); the [`MAX_TERMS`] heaviest words are asked, each boosted by
//! its weight, of the other documents' bodies and titles, and BM25 scores them there, term
//! frequency and length normalisation included (Tantivy's more-like-this, used before, asks
//! without frequencies and never counts the title: a word the title says once fails its
//! minimum count). `benches/relevance.rs` measures the lists against the topic set.

use std::collections::HashMap;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, Searcher};

use super::rank::weights::TITLE_WEIGHT;
use crate::index::schema::Fields;

/// The words a related-documents query asks at most.
pub const MAX_TERMS: usize = 40;

/// The query for the documents related to one with `title` and `body` (the document itself
/// excepted by the caller), or `None` when the text has no word that says what it is about.
pub fn related_query(
    index: &Index,
    searcher: &Searcher,
    fields: &Fields,
    title: &str,
    body: &str,
) -> tantivy::Result<Option<BooleanQuery>> {
    let mut counts: HashMap<String, f32> = HashMap::new();
    count_words(index, fields.title_words, title, TITLE_WEIGHT, &mut counts)?;
    count_words(index, fields.body_words, body, 1.0, &mut counts)?;
    let documents = searcher.num_docs().max(1);
    let common = (documents / 5).max(2);
    let mut weighted = Vec::new();
    for (word, count) in counts {
        if word.chars().count() < 2 || count < 2.0 {
            continue;
        }
        let term = Term::from_field_text(fields.body_words, &word);
        let frequency = searcher.doc_freq(&term)?;
        if !(2..=common).contains(&frequency) {
            continue;
        }
        let idf = ((documents as f32 - frequency as f32 + 0.5) / (frequency as f32 + 0.5)).ln_1p();
        weighted.push((idf * count, word));
    }
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    weighted.truncate(MAX_TERMS);
    let Some(&(heaviest, _)) = weighted.first() else {
        return Ok(None);
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (weight, word) in weighted {
        for field in [fields.body_words, fields.title_words] {
            let term = TermQuery::new(
                Term::from_field_text(field, &word),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(term), weight / heaviest)),
            ));
        }
    }
    Ok(Some(BooleanQuery::new(clauses)))
}

/// Adds `weight` to the count of every word of `text`, as `field`'s analyzer cuts it.
fn count_words(
    index: &Index,
    field: Field,
    text: &str,
    weight: f32,
    counts: &mut HashMap<String, f32>,
) -> tantivy::Result<()> {
    let mut analyzer = index.tokenizer_for_field(field)?;
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        *counts.entry(stream.token().text.clone()).or_default() += weight;
    }
    Ok(())
}
