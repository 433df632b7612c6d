//! Finding patterns in a text on the same units the index uses, so that a marked occurrence is
//! exactly an occurrence the phrase query found; ranges point into the original text.

use std::ops::Range;

use super::{normalize_each, Normalized, STABLE_IDEOGRAPHS};

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

/// Every occurrence of `patterns` in `text`: (original byte range, pattern index), by start
/// (by pattern index among occurrences that start at the same unit).
///
/// One pass over `text`: its characters are normalised one at a time ([`normalize_each`]) and
/// cut into units as [`Normalized::units`] cuts them, and each unit is looked up among the
/// patterns' units, without building the normalised text or its units. A unit no pattern has
/// breaks every partial match, so only the last few units are kept.
///
/// Most of a Chinese text is ideographs that no pattern holds. Each of [`STABLE_IDEOGRAPHS`]
/// is a unit of its own that NFKC leaves alone and that never composes with a neighbour, so a
/// run of them is skipped whole, only counted; the text between such runs is normalised as
/// above.
pub fn occurrences(text: &str, patterns: &[Pattern]) -> Vec<(Range<usize>, usize)> {
    if patterns.is_empty() {
        return Vec::new();
    }
    let mut scan = Scan::new(patterns);
    let bytes = text.as_bytes();
    // `text[fed..]` is not given to the scan yet; `at` is a character boundary at or after it.
    let (mut fed, mut at) = (0, 0);
    while at < bytes.len() {
        let end = scan.unheld_ideographs(bytes, at);
        if end == at {
            at += utf8_width(bytes[at]);
            continue;
        }
        scan.feed(&text[fed..at], fed);
        scan.skip((end - at) / IDEOGRAPH_BYTES);
        (fed, at) = (end, end);
    }
    scan.feed(&text[fed..], fed);
    scan.finish()
}

/// Bytes of a character of [`STABLE_IDEOGRAPHS`] in UTF-8.
const IDEOGRAPH_BYTES: usize = 3;

/// Bytes of the UTF-8 character whose first byte is `lead`.
#[inline]
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// A unit of a pattern, by number; [`UNKNOWN`] for a unit no pattern has.
type UnitId = u32;
const UNKNOWN: UnitId = UnitId::MAX;

/// The units of a text, met one normalised character at a time, matched against the patterns.
struct Scan<'p> {
    /// Every unit the patterns have, numbered: letter-and-digit runs by text, other units
    /// (single characters) by character, with a bit per character code to answer the
    /// common case, a character no pattern has, at once.
    ids: rustc_hash::FxHashMap<&'p str, UnitId>,
    char_ids: Vec<(char, UnitId)>,
    char_bits: Vec<u64>,
    /// The patterns as unit numbers.
    pattern_ids: Vec<Vec<UnitId>>,
    /// For each unit number, the patterns that end with it.
    ending_with: Vec<Vec<usize>>,
    /// The last units met since an unknown one (the longest pattern's length of them at least,
    /// twice that at most): their numbers, and their start bytes and positions among the
    /// text's units.
    recent: Vec<UnitId>,
    recent_starts: Vec<(u32, usize)>,
    longest: usize,
    /// The ASCII letter-and-digit run being read, with its source bytes.
    run: String,
    run_source: Range<u32>,
    /// Units met so far.
    position: usize,
    /// Matches: (position of the first unit, pattern, byte range).
    found: Vec<(usize, usize, Range<usize>)>,
}

impl<'p> Scan<'p> {
    fn new(patterns: &'p [Pattern]) -> Scan<'p> {
        let mut ids: rustc_hash::FxHashMap<&str, UnitId> = Default::default();
        let pattern_ids: Vec<Vec<UnitId>> = patterns
            .iter()
            .map(|pattern| {
                pattern
                    .units
                    .iter()
                    .map(|unit| {
                        let next = ids.len() as UnitId;
                        *ids.entry(unit.as_str()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        let mut ending_with = vec![Vec::new(); ids.len()];
        for (index, units) in pattern_ids.iter().enumerate() {
            if let Some(&last) = units.last() {
                ending_with[last as usize].push(index);
            }
        }
        let longest = pattern_ids.iter().map(Vec::len).max().unwrap_or(0);
        let mut char_ids: Vec<(char, UnitId)> = ids
            .iter()
            .filter_map(|(unit, &id)| {
                let mut chars = unit.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some((c, id)),
                    _ => None,
                }
            })
            .collect();
        char_ids.sort_unstable();
        let mut char_bits = vec![0u64; char_ids.last().map_or(0, |&(c, _)| c as usize / 64 + 1)];
        for &(c, _) in &char_ids {
            char_bits[c as usize / 64] |= 1 << (c as usize % 64);
        }
        Scan {
            ids,
            char_ids,
            char_bits,
            pattern_ids,
            ending_with,
            recent: Vec::with_capacity(2 * longest),
            recent_starts: Vec::with_capacity(2 * longest),
            longest,
            run: String::new(),
            run_source: 0..0,
            position: 0,
            found: Vec::new(),
        }
    }

    /// The next normalised character and the original bytes it came from.
    #[inline]
    fn push(&mut self, c: char, source: Range<u32>) {
        if c.is_ascii_alphanumeric() {
            if self.run.is_empty() {
                self.run_source = source;
            } else {
                self.run_source.end = source.end;
            }
            self.run.push(c);
            return;
        }
        if !self.run.is_empty() {
            self.end_run();
        }
        // No pattern unit is whitespace: a known character is a unit, and only an unknown one
        // needs asking whether it is whitespace (not a unit) or a unit that breaks matches.
        match self.char_id(c) {
            UNKNOWN if c.is_whitespace() => {}
            id => self.unit(id, source),
        }
    }

    /// The end of the run of [`STABLE_IDEOGRAPHS`] from byte `at` of `bytes` (a character
    /// boundary) that no pattern holds.
    #[inline]
    fn unheld_ideographs(&self, bytes: &[u8], mut at: usize) -> usize {
        let (first, last) = (
            *STABLE_IDEOGRAPHS.start() as usize,
            *STABLE_IDEOGRAPHS.end() as usize,
        );
        while let Some(&[lead @ 0xE0..=0xEF, second, third]) = bytes.get(at..at + IDEOGRAPH_BYTES) {
            let code = usize::from(lead & 0x0F) << 12
                | usize::from(second & 0x3F) << 6
                | usize::from(third & 0x3F);
            let held = self
                .char_bits
                .get(code / 64)
                .is_some_and(|bits| bits & (1 << (code % 64)) != 0);
            if !(first..=last).contains(&code) || held {
                break;
            }
            at += IDEOGRAPH_BYTES;
        }
        at
    }

    /// Normalises `piece`, which starts at byte `offset` of the text, character by character
    /// into the scan.
    fn feed(&mut self, piece: &str, offset: usize) {
        let offset = offset as u32;
        normalize_each(piece, |c, source| {
            self.push(c, source.start + offset..source.end + offset)
        });
    }

    /// `count` units that no pattern has (ideographs skipped whole): the same as pushing them
    /// one by one.
    fn skip(&mut self, count: usize) {
        self.end_run();
        self.position += count;
        self.recent.clear();
        self.recent_starts.clear();
    }

    /// Ends the letter-and-digit run being read, if any: it is one unit.
    fn end_run(&mut self) {
        if self.run.is_empty() {
            return;
        }
        let id = self.id(&self.run);
        let source = self.run_source.clone();
        self.run.clear();
        self.unit(id, source);
    }

    #[inline]
    fn char_id(&self, c: char) -> UnitId {
        let code = c as usize;
        match self.char_bits.get(code / 64) {
            Some(bits) if bits & (1 << (code % 64)) != 0 => self
                .char_ids
                .binary_search_by_key(&c, |&(c, _)| c)
                .map_or(UNKNOWN, |found| self.char_ids[found].1),
            _ => UNKNOWN,
        }
    }

    fn id(&self, unit: &str) -> UnitId {
        self.ids.get(unit).copied().unwrap_or(UNKNOWN)
    }

    /// The next unit of the text.
    #[inline]
    fn unit(&mut self, id: UnitId, source: Range<u32>) {
        let position = self.position;
        self.position += 1;
        if id == UNKNOWN {
            if !self.recent.is_empty() {
                self.recent.clear();
                self.recent_starts.clear();
            }
            return;
        }
        if self.recent.len() == 2 * self.longest {
            self.recent.drain(..self.longest);
            self.recent_starts.drain(..self.longest);
        }
        self.recent.push(id);
        self.recent_starts.push((source.start, position));
        for &index in &self.ending_with[id as usize] {
            let units = &self.pattern_ids[index];
            let Some(first) = self.recent.len().checked_sub(units.len()) else {
                continue;
            };
            if self.recent[first..] == units[..] {
                let (start, first_position) = self.recent_starts[first];
                self.found
                    .push((first_position, index, start as usize..source.end as usize));
            }
        }
    }

    fn finish(mut self) -> Vec<(Range<usize>, usize)> {
        self.end_run();
        self.found
            .sort_unstable_by_key(|&(position, index, _)| (position, index));
        self.found
            .into_iter()
            .map(|(_, index, range)| (range, index))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition: every start among the units of the whole normalised text where a
    /// pattern's units follow.
    fn occurrences_in_units(text: &str, patterns: &[Pattern]) -> Vec<(Range<usize>, usize)> {
        let normalized = Normalized::new(text);
        let units = normalized.units();
        let mut matches = Vec::new();
        for start in 0..units.len() {
            for (index, pattern) in patterns.iter().enumerate() {
                let end = start + pattern.units.len();
                if end <= units.len()
                    && units[start..end]
                        .iter()
                        .zip(&pattern.units)
                        .all(|(unit, p)| unit.text == p)
                {
                    let range =
                        normalized.source_range((units[start].chars.0, units[end - 1].chars.1));
                    matches.push((range, index));
                }
            }
        }
        matches
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 3000,
            max_global_rejects: 100_000,
            ..ProptestConfig::default()
        })]

        /// The one-pass scan finds exactly what matching the whole normalised text's units
        /// finds: the same occurrences, the same ranges, in the same order. The alphabet holds
        /// what changes units: whitespace (removed beside CJK, a break between letters),
        /// letters and digits (runs are one unit), full-width forms, characters that normalise
        /// into ideographs (⼀ 〸 ㈠, the compatibility ideograph 豈) or into several units (⑴),
        /// compositions (ｶﾞ, e◌́), and ideographs inside and outside the range the scan skips
        /// when no pattern holds them ([`STABLE_IDEOGRAPHS`]; 㐀 is U+3400).
        #[test]
        fn the_scan_finds_what_the_units_hold(
            text in "[太湖科技一十创新圈豈㐀 \n\t、，。（）()aB9２Ａｂ⼀〸㈠⑴ｶﾞe\u{0301}\u{3000}]{0,160}",
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
            prop_assert_eq!(occurrences(&text, &patterns), occurrences_in_units(&text, &patterns));
        }
    }

    #[test]
    fn matches_are_found_on_units_not_raw_characters() {
        fn find<'t>(text: &'t str, pattern: &str) -> Vec<&'t str> {
            let patterns = [Pattern::new(pattern, 1.0).unwrap()];
            occurrences(text, &patterns)
                .into_iter()
                .map(|(range, _)| &text[range])
                .collect()
        }
        // Whitespace beside a Chinese character is not there; a line break inside a word is not.
        assert_eq!(find("环太\n湖科技创新圈", "太湖"), ["太\n湖"]);
        assert_eq!(find("第一条　太湖流域", "条太湖"), ["条　太湖"]);
        // ⼀ (a Kangxi radical) normalises to 一.
        assert_eq!(find("⼀太湖", "一太湖"), ["⼀太湖"]);
        // A run of letters and digits is one unit: 5G is in 5G网络 but not in 25G网络.
        assert_eq!(find("推进5G网络", "5g网络"), ["5G网络"]);
        assert!(find("推进25G网络", "5g网络").is_empty());
        assert_eq!(find("推进 ５Ｇ 网络", "5g网络"), ["５Ｇ 网络"]);
        // Overlapping occurrences are each found.
        assert_eq!(find("太湖太湖太湖", "太湖太湖").len(), 2);
    }
}
