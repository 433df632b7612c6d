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

/// Every occurrence of `patterns` in `text`: (original byte range, pattern index).
pub(crate) fn occurrences(
    text: &str,
    patterns: &[Pattern],
) -> Vec<(std::ops::Range<usize>, usize)> {
    let normalized = Normalized::new(text);
    let units = normalized.units();
    let mut by_first: rustc_hash::FxHashMap<&str, Vec<usize>> = Default::default();
    for (index, pattern) in patterns.iter().enumerate() {
        by_first
            .entry(pattern.units[0].as_str())
            .or_default()
            .push(index);
    }
    let mut matches = Vec::new();
    for start in 0..units.len() {
        let Some(candidates) = by_first.get(units[start].text) else {
            continue;
        };
        for &index in candidates {
            let pattern = &patterns[index].units;
            let end = start + pattern.len();
            if end <= units.len()
                && units[start..end]
                    .iter()
                    .zip(pattern)
                    .all(|(unit, p)| unit.text == p)
            {
                matches.push((
                    normalized.source_range((units[start].chars.0, units[end - 1].chars.1)),
                    index,
                ));
            }
        }
    }
    matches
}

/// The best passage of `text` for `patterns`: the window of [`SNIPPET_CHARS`] characters whose
/// matches weigh most (each pattern counted once), or the opening of the text if none matches.
pub fn snippet(text: &str, patterns: &[Pattern]) -> Snippet {
    let matches = occurrences(text, patterns);
    let window_bytes = |start: usize| byte_after_chars(text, start, SNIPPET_CHARS);
    let mut best: Option<(f32, usize)> = None;
    for (i, (first, _)) in matches.iter().enumerate() {
        let limit = window_bytes(first.start);
        let mut seen = vec![false; patterns.len()];
        let mut score = 0.0;
        for (_, index) in matches[i..]
            .iter()
            .take_while(|(range, _)| range.end <= limit)
        {
            score += if seen[*index] {
                0.05
            } else {
                patterns[*index].weight
            };
            seen[*index] = true;
        }
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, i));
        }
    }
    let (start, end) = match best {
        Some((_, i)) => {
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
