//! Finding patterns in a text on the same units the index uses, so that a marked occurrence is
//! exactly an occurrence the phrase query found; ranges point into the original text.

use std::ops::Range;

use super::{Normalized, Unit};

/// What to highlight: a sequence of units, with a weight for choosing the passage.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The normalised units of the pattern, in order.
    pub units: Vec<String>,
    /// How much an occurrence of this pattern is worth (a whole query phrase more than a word).
    pub weight: f32,
}

impl Pattern {
    /// A pattern for the normalised `text`, or `None` when it has no units.
    pub fn new(text: &str, weight: f32) -> Option<Pattern> {
        let normalized = Normalized::new(text);
        let units: Vec<String> = normalized
            .units()
            .iter()
            .map(|unit| unit.text.to_string())
            .collect();
        (!units.is_empty()).then_some(Pattern { units, weight })
    }
}

/// Every occurrence of `patterns` in `text`: (original byte range, pattern index), by start.
///
/// Normalising a whole document to find a few matches is most of a search's time, so when every
/// pattern starts with a CJK ideograph the text is only normalised in short windows from each
/// raw occurrence of such a first character (`anchored_occurrences`); otherwise, or when the
/// text holds characters that normalise *into* ideographs, all of it is normalised.
pub fn occurrences(text: &str, patterns: &[Pattern]) -> Vec<(Range<usize>, usize)> {
    if patterns.is_empty() {
        return Vec::new();
    }
    let by_first = by_first_unit(patterns);
    anchored_occurrences(text, patterns, &by_first)
        .unwrap_or_else(|| all_occurrences(text, patterns, &by_first))
}

/// Indexes of patterns by their first unit.
type ByFirstUnit<'p> = rustc_hash::FxHashMap<&'p str, Vec<usize>>;

/// Patterns by their first unit.
fn by_first_unit(patterns: &[Pattern]) -> ByFirstUnit<'_> {
    let mut by_first: rustc_hash::FxHashMap<&str, Vec<usize>> = Default::default();
    for (index, pattern) in patterns.iter().enumerate() {
        by_first
            .entry(pattern.units[0].as_str())
            .or_default()
            .push(index);
    }
    by_first
}

/// The matches of `patterns` that start at unit `start` of `units`, pushed to `out` with
/// their ranges in `normalized`'s original text moved by `base` bytes.
fn matches_at(
    normalized: &Normalized,
    units: &[Unit<'_>],
    start: usize,
    candidates: &[usize],
    patterns: &[Pattern],
    base: usize,
    out: &mut Vec<(Range<usize>, usize)>,
) {
    for &index in candidates {
        let pattern = &patterns[index].units;
        let end = start + pattern.len();
        if end <= units.len()
            && units[start..end]
                .iter()
                .zip(pattern)
                .all(|(unit, p)| unit.text == p)
        {
            let range = normalized.source_range((units[start].chars.0, units[end - 1].chars.1));
            out.push((range.start + base..range.end + base, index));
        }
    }
}

/// [`occurrences`] by normalising all of `text`.
fn all_occurrences(
    text: &str,
    patterns: &[Pattern],
    by_first: &ByFirstUnit<'_>,
) -> Vec<(Range<usize>, usize)> {
    let normalized = Normalized::new(text);
    let units = normalized.units();
    let mut matches = Vec::new();
    for start in 0..units.len() {
        if let Some(candidates) = by_first.get(units[start].text) {
            matches_at(
                &normalized,
                &units,
                start,
                candidates,
                patterns,
                0,
                &mut matches,
            );
        }
    }
    matches
}

/// A unified ideograph: normalisation leaves it alone, it is a unit of its own, and (in a text
/// without [`normalizes_into_ideographs`] characters) every one in the normalised text is one
/// of the original text.
fn is_plain_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Characters NFKC turns into unified ideographs: radicals, kanbun, enclosed and squared
/// ideographs, compatibility ideographs.
fn normalizes_into_ideographs(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3190..=0x319F | 0x3200..=0x33FF | 0xF900..=0xFAFF
        | 0x1F200..=0x1F2FF | 0x2F800..=0x2FA1F)
}

/// [`occurrences`] normalising only windows that start at a raw occurrence of a pattern's first
/// character; `None` when that shortcut does not apply.
fn anchored_occurrences(
    text: &str,
    patterns: &[Pattern],
    by_first: &ByFirstUnit<'_>,
) -> Option<Vec<(Range<usize>, usize)>> {
    // Each first character, with the most units a pattern starting with it has.
    let mut anchors = Vec::with_capacity(by_first.len());
    for (first, candidates) in by_first {
        let mut chars = first.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if is_plain_ideograph(c) => {
                let longest = candidates.iter().map(|&i| patterns[i].units.len()).max();
                anchors.push((c, longest.unwrap_or(1)));
            }
            _ => return None,
        }
    }
    anchors.sort_unstable();
    // One pass: where the anchors are, and whether the text allows windows at all. Windows cost
    // more per character than one pass of normalisation, so with many anchors (a common
    // character, a long title's words) that pass is cheaper, and the search for anchors stops.
    let budget = text.len() / 2;
    let mut spent = 0;
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for (at, c) in text.char_indices() {
        if is_plain_ideograph(c) {
            if let Ok(found) = anchors.binary_search_by_key(&c, |&(anchor, _)| anchor) {
                let longest = anchors[found].1;
                spent += 3 * window_chars(longest) + WINDOW_OVERHEAD_BYTES;
                if spent > budget {
                    return None;
                }
                starts.push((at, longest));
            }
        } else if normalizes_into_ideographs(c) {
            return None;
        }
    }
    let mut matches = Vec::new();
    for (start, longest) in starts {
        // A window long enough to hold the anchor's longest pattern, ended just before an
        // ideograph, where no unit or normalisation run can continue past it.
        let mut length = window_chars(longest);
        loop {
            let end = window_end(text, start, length);
            let normalized = Normalized::new(&text[start..end]);
            let units = normalized.units();
            if units.len() >= longest || end == text.len() {
                if let Some(candidates) = by_first.get(units[0].text) {
                    matches_at(
                        &normalized,
                        &units,
                        0,
                        candidates,
                        patterns,
                        start,
                        &mut matches,
                    );
                }
                break;
            }
            length *= 2;
        }
    }
    Some(matches)
}

/// What setting up one window costs, in bytes of text normalised in one pass (measured with
/// `cargo bench --bench queries`: the title class, many short words, is the sensitive one).
const WINDOW_OVERHEAD_BYTES: usize = 256;

/// Characters of the window first tried for patterns of up to `units` units (more when
/// whitespace or letter runs make units longer than one character).
fn window_chars(units: usize) -> usize {
    4 * units + 8
}

/// The byte where a window of `text` from `start` ends: after at least `chars` characters, just
/// before the next plain ideograph (or at the end of the text).
fn window_end(text: &str, start: usize, chars: usize) -> usize {
    for (seen, (offset, c)) in text[start..].char_indices().enumerate() {
        if seen >= chars && is_plain_ideograph(c) {
            return start + offset;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            max_global_rejects: 100_000,
            ..ProptestConfig::default()
        })]

        /// Normalising windows finds exactly what normalising the whole text finds.
        #[test]
        fn windows_find_what_the_whole_text_finds(
            text in "[太湖科技创新圈 \n\t、，。（）aB9２Ａｂ\u{0301}\u{3000}]{0,160}",
            cuts in proptest::collection::vec((0usize..160, 1usize..9), 1..5),
        ) {
            let chars: Vec<char> = text.chars().collect();
            let patterns: Vec<Pattern> = cuts
                .iter()
                .filter_map(|&(at, len)| {
                    let at = at.min(chars.len());
                    let piece: String = chars[at..(at + len).min(chars.len())].iter().collect();
                    Pattern::new(&piece, 1.0)
                })
                .collect();
            prop_assume!(!patterns.is_empty());
            let by_first = by_first_unit(&patterns);
            if let Some(anchored) = anchored_occurrences(&text, &patterns, &by_first) {
                prop_assert_eq!(anchored, all_occurrences(&text, &patterns, &by_first));
            }
        }
    }

    #[test]
    fn windows_are_not_used_where_they_could_miss_a_match() {
        let patterns = [Pattern::new("太湖", 1.0).unwrap()];
        // ⼀ (a Kangxi radical) normalises to 一, so 一 may occur where the raw text has none.
        assert!(anchored_occurrences("⼀太湖", &patterns, &by_first_unit(&patterns)).is_none());
        let long = format!("环太湖{}", "流域治理".repeat(100));
        assert!(anchored_occurrences(&long, &patterns, &by_first_unit(&patterns)).is_some());
        // Anchors everywhere: one pass over the text is cheaper than a window per anchor.
        assert!(
            anchored_occurrences(&"太湖".repeat(100), &patterns, &by_first_unit(&patterns))
                .is_none()
        );
        // A pattern starting with a letter or digit has no ideograph to anchor on.
        let latin = [Pattern::new("5g网络", 1.0).unwrap()];
        assert!(anchored_occurrences("推进5G网络", &latin, &by_first_unit(&latin)).is_none());
        assert_eq!(occurrences("推进5G网络", &latin).len(), 1);
        assert!(occurrences("推进25G网络", &latin).is_empty());
    }
}
