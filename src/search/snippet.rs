//! Snippets: the passage of a document that best shows why it matched, with the matches
//! located.
//!
//! Matching runs on the same units as the index (see [`crate::analysis::matching`]), so a marked
//! phrase is exactly an occurrence the phrase query found. A [`Snippet`] is text plus the byte
//! ranges of its matches: the HTTP layer marks them as HTML, the CLI for a terminal.

use std::ops::Range;

use crate::analysis::matching::{occurrences, Pattern};

/// Length of a snippet in characters of the original text.
pub const SNIPPET_CHARS: usize = 120;
/// Characters of context shown before the first match, unless a sentence starts closer.
const LEAD_CHARS: usize = 24;

/// A passage with its matches: the text shown and, in order, the byte ranges of `text` that
/// match (never overlapping; two ranges may touch, each is one marked piece).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The passage; in a search hit, whitespace runs are folded to one space and `…` stands
    /// where the document goes on.
    pub text: String,
    /// Byte ranges of `text` that match, in order.
    pub matches: Vec<Range<usize>>,
    /// Byte offset in the original text of the first match.
    first_match: Option<usize>,
}

impl Snippet {
    /// The snippet as `(piece, matched)` pieces in order, matched pieces being whole matches.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, bool)> + '_ {
        let mut cursor = 0;
        let mut pieces = Vec::with_capacity(2 * self.matches.len() + 1);
        for range in &self.matches {
            if range.start > cursor {
                pieces.push((&self.text[cursor..range.start], false));
            }
            pieces.push((&self.text[range.clone()], true));
            cursor = range.end;
        }
        if cursor < self.text.len() {
            pieces.push((&self.text[cursor..], false));
        }
        pieces.into_iter()
    }

    /// Whether anything matches.
    pub fn has_match(&self) -> bool {
        !self.matches.is_empty()
    }

    /// Byte offset in the original text of the first match.
    pub fn first_match(&self) -> Option<usize> {
        self.first_match
    }

    /// A snippet from `(piece, matched)` pieces.
    fn from_pieces(pieces: Vec<(String, bool)>, first_match: Option<usize>) -> Snippet {
        let mut snippet = Snippet {
            first_match,
            ..Snippet::default()
        };
        for (piece, matched) in pieces {
            let start = snippet.text.len();
            snippet.text.push_str(&piece);
            if matched {
                snippet.matches.push(start..snippet.text.len());
            }
        }
        snippet
    }
}

/// All of `text` with every occurrence of `patterns` marked (for reading a whole section).
pub fn highlight(text: &str, patterns: &[Pattern]) -> Snippet {
    let mut marks = occurrences(text, patterns)
        .into_iter()
        .map(|(range, _)| range)
        .collect::<Vec<_>>();
    marks.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
    // A whole section keeps its own line breaks, unlike a folded snippet.
    Snippet::from_pieces(
        pieces_of(text, &marks),
        marks.first().map(|range| range.start),
    )
}

/// `text` cut at `marks` (sorted by start) into plain and marked pieces.
fn pieces_of(text: &str, marks: &[Range<usize>]) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut cursor = 0;
    for mark in marks {
        if mark.end <= cursor {
            continue;
        }
        let start = mark.start.max(cursor);
        if start > cursor {
            pieces.push((text[cursor..start].to_string(), false));
        }
        pieces.push((text[start..mark.end].to_string(), true));
        cursor = mark.end;
    }
    if cursor < text.len() {
        pieces.push((text[cursor..].to_string(), false));
    }
    pieces
}

/// The best passage of `text` for `patterns`: the window of [`SNIPPET_CHARS`] characters whose
/// matches weigh most (each pattern counted once), or the opening of the text if none matches.
pub fn snippet(text: &str, patterns: &[Pattern]) -> Snippet {
    let matches = occurrences(text, patterns);
    let window_bytes = |start: usize| byte_after_chars(text, start, SNIPPET_CHARS);
    let best = best_window(text, &matches, patterns);
    let (start, end) = match best {
        Some(i) => {
            let first = matches[i].0.start;
            // Near the end of the text, start earlier so the passage is still full length.
            let full_window_start = text
                .char_indices()
                .rev()
                .nth(SNIPPET_CHARS.saturating_sub(1))
                .map_or(0, |(index, _)| index);
            let start = passage_start(text, first).min(full_window_start);
            (start, window_bytes(start))
        }
        None => (0, window_bytes(0)),
    };
    let mut marks: Vec<Range<usize>> = matches
        .into_iter()
        .map(|(range, _)| range)
        .filter(|range| range.start >= start && range.end <= end)
        .collect();
    marks.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
    render(text, start, end, &marks)
}

/// The match whose window (the [`SNIPPET_CHARS`] characters from its start) weighs most: each
/// pattern's weight once, 0.05 for each repeat, over the matches from it on that end inside
/// the window. One pass: the windows' ends and contents only move forward.
fn best_window(
    text: &str,
    matches: &[(Range<usize>, usize)],
    patterns: &[Pattern],
) -> Option<usize> {
    // Where each match starts and ends, in characters (matches come by start).
    let mut positions = Vec::with_capacity(matches.len());
    let (mut byte, mut chars) = (0usize, 0usize);
    for (range, _) in matches {
        debug_assert!(range.start >= byte);
        chars += char_count(&text.as_bytes()[byte..range.start.max(byte)]);
        byte = byte.max(range.start);
        positions.push((chars, chars + char_count(&text.as_bytes()[range.clone()])));
    }
    let mut counts = vec![0u32; patterns.len()];
    let (mut distinct, mut repeats) = (0.0f64, 0u32);
    let mut best: Option<(f64, usize)> = None;
    let mut next = 0; // first match not yet in the window
    for (i, &(start, _)) in positions.iter().enumerate() {
        if next < i {
            next = i;
        }
        // The window is the SNIPPET_CHARS characters from `start`, or the rest of the text.
        while next < matches.len() && positions[next].1 <= start + SNIPPET_CHARS {
            let pattern = matches[next].1;
            if counts[pattern] == 0 {
                distinct += f64::from(patterns[pattern].weight);
            } else {
                repeats += 1;
            }
            counts[pattern] += 1;
            next += 1;
        }
        let score = distinct + 0.05 * f64::from(repeats);
        if best.is_none_or(|(best_score, _)| score > best_score + 1e-9) {
            best = Some((score, i));
        }
        if next > i {
            let pattern = matches[i].1;
            counts[pattern] -= 1;
            if counts[pattern] == 0 {
                distinct -= f64::from(patterns[pattern].weight);
            } else {
                repeats -= 1;
            }
        }
    }
    best.map(|(_, i)| i)
}

/// The number of characters in UTF-8 `bytes` (that start and end on character boundaries):
/// the bytes that do not continue a character.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Where a passage showing a match at `first` begins: the start of its sentence if that is
/// near, else a few characters before the match.
fn passage_start(text: &str, first: usize) -> usize {
    let before = &text[..first];
    let mut start = first;
    for (count, (index, c)) in before.char_indices().rev().enumerate() {
        if count >= LEAD_CHARS {
            break;
        }
        if matches!(c, '。' | '！' | '？' | '；' | '\n') {
            return index + c.len_utf8();
        }
        start = index;
    }
    start
}

/// The byte index `chars` characters after `start` (or the end of `text`).
fn byte_after_chars(text: &str, start: usize, chars: usize) -> usize {
    text[start..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(offset, _)| start + offset)
}

fn render(text: &str, start: usize, end: usize, marks: &[Range<usize>]) -> Snippet {
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut push = |piece: &str, highlighted: bool| {
        let folded = fold_whitespace(piece);
        if folded.is_empty() {
            return;
        }
        match pieces.last_mut() {
            Some((last, last_highlighted)) if *last_highlighted == highlighted => {
                last.push_str(&folded)
            }
            _ => pieces.push((folded, highlighted)),
        }
    };
    if start > 0 {
        push("…", false);
    }
    let mut cursor = start;
    for mark in marks {
        if mark.end <= cursor {
            continue;
        }
        let mark_start = mark.start.max(cursor);
        push(&text[cursor..mark_start], false);
        push(&text[mark_start..mark.end], true);
        cursor = mark.end;
    }
    push(&text[cursor..end], false);
    if end < text.len() {
        push("…", false);
    }
    if let Some((first, _)) = pieces.first_mut() {
        *first = first.trim_start().to_string();
    }
    Snippet::from_pieces(pieces, marks.first().map(|range| range.start))
}

fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_space = true;
        } else {
            if in_space && !out.is_empty() {
                out.push(' ');
            }
            in_space = false;
            out.push(c);
        }
    }
    if in_space && !out.is_empty() {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The weight of the window from match `i`, counted the simple way.
    fn window_weight(
        text: &str,
        matches: &[(Range<usize>, usize)],
        patterns: &[Pattern],
        i: usize,
    ) -> f64 {
        let limit = byte_after_chars(text, matches[i].0.start, SNIPPET_CHARS);
        let mut seen = vec![false; patterns.len()];
        let mut weight = 0.0;
        for (_, index) in matches[i..].iter().take_while(|(r, _)| r.end <= limit) {
            weight += if seen[*index] {
                0.05
            } else {
                f64::from(patterns[*index].weight)
            };
            seen[*index] = true;
        }
        weight
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// The one-pass window search finds a window as heavy as the heaviest.
        #[test]
        fn the_best_window_is_the_heaviest(
            words in proptest::collection::vec("[太湖科技创新，。 a1]{1,12}", 1..60),
            picks in proptest::collection::vec(("[太湖科技a1]{1,3}", 1u8..4), 1..4),
        ) {
            let text = words.concat();
            let patterns: Vec<Pattern> = picks
                .iter()
                .filter_map(|(p, w)| Pattern::new(p, f32::from(*w)))
                .collect();
            let matches = occurrences(&text, &patterns);
            let best = best_window(&text, &matches, &patterns);
            prop_assert_eq!(best.is_some(), !matches.is_empty());
            if let Some(best) = best {
                let heaviest = (0..matches.len())
                    .map(|i| window_weight(&text, &matches, &patterns, i))
                    .fold(0.0, f64::max);
                let found = window_weight(&text, &matches, &patterns, best);
                prop_assert!((found - heaviest).abs() < 1e-6, "{} < {}", found, heaviest);
            }
        }
    }
}
