//! Snippets: the passage of a document that best shows why it matched, with the matches marked.
//!
//! Matching runs on the same units as the index (see [`crate::analysis`]), so a highlighted
//! phrase is exactly an occurrence the phrase query found, and the marks are placed with the
//! units' offsets into the original text.

use crate::analysis::Normalized;

/// Length of a snippet in characters of the original text.
pub const SNIPPET_CHARS: usize = 120;
/// Characters of context shown before the first match, unless a sentence starts closer.
const LEAD_CHARS: usize = 24;

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

/// A passage cut into plain and highlighted pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// `(text, highlighted)` pieces in order; whitespace runs are folded to one space.
    pub pieces: Vec<(String, bool)>,
    /// Byte offset in the original text of the first marked match.
    first_match: Option<usize>,
}

impl Snippet {
    /// HTML: highlighted pieces in `<mark>…</mark>`, everything escaped.
    pub fn to_html(&self) -> String {
        let mut html = String::new();
        for (text, highlighted) in &self.pieces {
            if *highlighted {
                html.push_str("<mark>");
            }
            escape_html_into(text, &mut html);
            if *highlighted {
                html.push_str("</mark>");
            }
        }
        html
    }

    /// HTML without marks: everything escaped.
    pub fn to_plain_html(&self) -> String {
        let mut html = String::new();
        for (text, _) in &self.pieces {
            escape_html_into(text, &mut html);
        }
        html
    }

    /// Whether any match is marked.
    pub fn has_match(&self) -> bool {
        self.pieces.iter().any(|(_, highlighted)| *highlighted)
    }

    /// Byte offset in the original text of the first marked match.
    pub fn first_match(&self) -> Option<usize> {
        self.first_match
    }

    /// Read back a snippet rendered by [`Snippet::to_html`].
    pub fn from_html(html: &str) -> Snippet {
        let mut pieces = Vec::new();
        for (index, part) in html.split("<mark>").enumerate() {
            let (marked, rest) = match part.split_once("</mark>") {
                Some((marked, rest)) if index > 0 => (Some(marked), rest),
                _ => (None, part),
            };
            if let Some(marked) = marked {
                pieces.push((unescape_html(marked), true));
            }
            if !rest.is_empty() {
                pieces.push((unescape_html(rest), false));
            }
        }
        Snippet {
            pieces,
            first_match: None,
        }
    }

    /// Terminal text: highlighted pieces in bold when `ansi`, else in 【】 brackets.
    pub fn to_terminal(&self, ansi: bool) -> String {
        let (open, close) = if ansi {
            ("\x1b[1;31m", "\x1b[0m")
        } else {
            ("【", "】")
        };
        self.pieces
            .iter()
            .map(|(text, highlighted)| {
                if *highlighted {
                    format!("{open}{text}{close}")
                } else {
                    text.clone()
                }
            })
            .collect()
    }
}

/// Escape `&<>"'` for HTML text and attributes.
pub fn escape_html_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn unescape_html(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// All of `text` with every occurrence of `patterns` marked (for reading a whole section).
pub fn highlight(text: &str, patterns: &[Pattern]) -> Snippet {
    let mut marks = occurrences(text, patterns)
        .into_iter()
        .map(|(range, _)| range)
        .collect::<Vec<_>>();
    marks.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
    // A whole section keeps its own line breaks, unlike a folded snippet.
    Snippet {
        pieces: pieces_of(text, &marks),
        first_match: marks.first().map(|range| range.start),
    }
}

/// `text` cut at `marks` (sorted by start) into plain and marked pieces.
fn pieces_of(text: &str, marks: &[std::ops::Range<usize>]) -> Vec<(String, bool)> {
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

/// Every occurrence of `patterns` in `text`: (original byte range, pattern index), by start.
///
/// Normalising a whole document to find a few matches is most of a search's time, so when every
/// pattern starts with a CJK ideograph the text is only normalised in short windows from each
/// raw occurrence of such a first character ([`anchored_occurrences`]); otherwise, or when the
/// text holds characters that normalise *into* ideographs, all of it is normalised.
pub(crate) fn occurrences(
    text: &str,
    patterns: &[Pattern],
) -> Vec<(std::ops::Range<usize>, usize)> {
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
    units: &[crate::analysis::Unit<'_>],
    start: usize,
    candidates: &[usize],
    patterns: &[Pattern],
    base: usize,
    out: &mut Vec<(std::ops::Range<usize>, usize)>,
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
) -> Vec<(std::ops::Range<usize>, usize)> {
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
) -> Option<Vec<(std::ops::Range<usize>, usize)>> {
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
    let mut marks: Vec<std::ops::Range<usize>> = matches
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
    matches: &[(std::ops::Range<usize>, usize)],
    patterns: &[Pattern],
) -> Option<usize> {
    let mut counts = vec![0u32; patterns.len()];
    let (mut distinct, mut repeats) = (0.0f64, 0u32);
    let mut best: Option<(f64, usize)> = None;
    // The window [start, limit) spans `chars` characters (fewer at the end of the text).
    let (mut start, mut limit, mut chars) = (0usize, 0usize, 0usize);
    let mut next = 0; // first match not yet in the window
    for (i, (range, _)) in matches.iter().enumerate() {
        while start < range.start {
            let Some(c) = text[start..].chars().next() else {
                break;
            };
            start += c.len_utf8();
            chars = chars.saturating_sub(1);
        }
        limit = limit.max(start);
        while chars < SNIPPET_CHARS {
            let Some(c) = text[limit..].chars().next() else {
                break;
            };
            limit += c.len_utf8();
            chars += 1;
        }
        if next < i {
            next = i;
        }
        while next < matches.len() && matches[next].0.end <= limit {
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

fn render(text: &str, start: usize, end: usize, marks: &[std::ops::Range<usize>]) -> Snippet {
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
    Snippet {
        pieces,
        first_match: marks.first().map(|range| range.start),
    }
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

    /// The weight of the window from match `i`, counted the simple way.
    fn window_weight(
        text: &str,
        matches: &[(std::ops::Range<usize>, usize)],
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

    const SEED: &str = "5月27日,长三角一体化发展高层论坛上,一份战略合作框架协议的签署引人注目:\
        上海市嘉定区、青浦区,江苏省苏州市、无锡市、常州市,浙江省湖州市、嘉兴市,安徽省宣城市\
        两区六市签署协议,共建环太湖科技创新圈。";

    #[test]
    fn phrase_across_word_boundary_is_marked_where_it_occurs() {
        let patterns = [Pattern::new("湖科", 3.0).unwrap()];
        let html = snippet(SEED, &patterns).to_html();
        assert!(html.contains("环太<mark>湖科</mark>技创新圈"), "{html}");
    }

    #[test]
    fn markup_in_text_is_escaped() {
        let patterns = [Pattern::new("太湖", 1.0).unwrap()];
        let html = snippet("<script>alert(1)</script>环太湖", &patterns).to_html();
        assert_eq!(
            html,
            "&lt;script&gt;alert(1)&lt;/script&gt;环<mark>太湖</mark>"
        );
    }

    #[test]
    fn full_width_text_matches_half_width_query() {
        let patterns = [Pattern::new("covid-19", 1.0).unwrap()];
        let html = snippet("应对ＣＯＶＩＤ－１９疫情", &patterns).to_html();
        assert_eq!(html, "应对<mark>ＣＯＶＩＤ－１９</mark>疫情");
    }
}
