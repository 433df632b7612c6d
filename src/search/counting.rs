//! How often a phrase occurs in each of a set of documents, read from the gram view's positions
//! instead of the stored text: a phrase of `k ≥ 2` units occurs at unit `p` exactly when its
//! `i`-th bigram is at `p + i` for every `i` (see [`crate::analysis`]), so the count is the
//! size of the intersection of the bigrams' shifted positions. Title and body are counted
//! together. A one-unit phrase has no bigram (the char view keeps no positions): `None`.
//! Also a word's total occurrences in the word view, for collocates.

use tantivy::postings::{Postings, SegmentPostings};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocAddress, DocSet, Searcher};

use crate::analysis::matching::Pattern;
use crate::analysis::{gram, Unit};
use crate::index::Fields;

/// The bigrams of `pattern`, in order; `None` for a one-unit pattern.
fn grams(pattern: &Pattern) -> Option<Vec<String>> {
    if pattern.units.len() < 2 {
        return None;
    }
    fn unit(text: &str) -> Unit<'_> {
        Unit {
            text,
            chars: (0, 0),
        }
    }
    Some(
        pattern
            .units
            .windows(2)
            .map(|pair| gram(&unit(&pair[0]), &unit(&pair[1])))
            .collect(),
    )
}

/// For each of `documents` (in their order), the occurrences of every pattern in its title and
/// body, summed; `None` when a pattern has a single unit.
pub fn phrase_counts(
    searcher: &Searcher,
    fields: &Fields,
    documents: &[DocAddress],
    patterns: &[Pattern],
) -> tantivy::Result<Option<Vec<usize>>> {
    let Some(all_grams) = patterns.iter().map(grams).collect::<Option<Vec<_>>>() else {
        return Ok(None);
    };
    let mut counts = vec![0; documents.len()];
    // Each segment's documents, by doc id, with their place in `documents`.
    let mut by_segment: std::collections::BTreeMap<u32, Vec<(u32, usize)>> = Default::default();
    for (index, address) in documents.iter().enumerate() {
        by_segment
            .entry(address.segment_ord)
            .or_default()
            .push((address.doc_id, index));
    }
    let mut positions: Vec<u32> = Vec::new();
    let mut starts: Vec<u32> = Vec::new();
    for (segment_ord, mut docs) in by_segment {
        docs.sort_unstable();
        let segment = searcher.segment_reader(segment_ord);
        for field in [fields.title_grams, fields.body_grams] {
            let inverted = segment.inverted_index(field)?;
            for grams in &all_grams {
                let mut postings: Vec<SegmentPostings> = Vec::with_capacity(grams.len());
                for text in grams {
                    let term = Term::from_field_text(field, text);
                    match inverted.read_postings(&term, IndexRecordOption::WithFreqsAndPositions)? {
                        Some(found) => postings.push(found),
                        None => break,
                    }
                }
                if postings.len() < grams.len() {
                    continue; // a bigram absent from the segment: no occurrence here
                }
                count_in(
                    &mut postings,
                    &docs,
                    &mut counts,
                    &mut positions,
                    &mut starts,
                );
            }
        }
    }
    Ok(Some(counts))
}

/// Add to `counts` the occurrences of the phrase whose bigrams' postings are `postings` (the
/// `i`-th at offset `i`) in each of `docs` (sorted doc ids with their place in `counts`).
fn count_in(
    postings: &mut [SegmentPostings],
    docs: &[(u32, usize)],
    counts: &mut [usize],
    positions: &mut Vec<u32>,
    starts: &mut Vec<u32>,
) {
    'documents: for &(doc, index) in docs {
        for posting in postings.iter_mut() {
            if posting.doc() > doc || posting.seek(doc) != doc {
                continue 'documents;
            }
        }
        starts.clear();
        postings[0].positions(starts);
        for (offset, posting) in postings.iter_mut().enumerate().skip(1) {
            positions.clear();
            posting.positions(positions);
            let offset = offset as u32;
            // Keep the starts whose bigram `offset` follows at start + offset (both sorted).
            let mut next = 0;
            starts.retain(|&start| {
                while next < positions.len() && positions[next] < start + offset {
                    next += 1;
                }
                next < positions.len() && positions[next] == start + offset
            });
            if starts.is_empty() {
                continue 'documents;
            }
        }
        counts[index] += starts.len();
    }
}

/// Occurrences of each word in the word view of `fields` (title and body) and the view's total
/// number of words, deleted documents left out ([`super::Engine::word_frequencies`]).
pub fn word_frequencies<'w>(
    searcher: &tantivy::Searcher,
    fields: [tantivy::schema::Field; 2],
    words: impl Iterator<Item = &'w str>,
) -> tantivy::Result<(u64, Vec<u64>)> {
    let words: Vec<&str> = words.collect();
    let mut total = 0;
    let mut counts = vec![0; words.len()];
    for segment in searcher.segment_readers() {
        for field in fields {
            let inverted = segment.inverted_index(field)?;
            total += inverted.total_num_tokens();
            for (index, word) in words.iter().enumerate() {
                let term = Term::from_field_text(field, word);
                if let Some(mut postings) =
                    inverted.read_postings(&term, IndexRecordOption::WithFreqs)?
                {
                    while postings.doc() != tantivy::TERMINATED {
                        if !segment.is_deleted(postings.doc()) {
                            counts[index] += u64::from(postings.term_freq());
                        }
                        postings.advance();
                    }
                }
            }
        }
    }
    Ok((total, counts))
}
