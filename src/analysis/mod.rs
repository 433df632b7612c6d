//! Text analysis: normalisation and the three token views the index is built from.
//!
//! This module owns normalisation ([`Normalized`]) and units; [`segment`] cuts words with
//! jieba, [`views`] turns a text into the index's token views, [`matching`] finds patterns in
//! a text on the same units, [`structure`] finds sentences, paragraphs and 条, and
//! [`expansion`] gives the other forms of a query term.
//!
//! Every text (a document at index time, a query term at search time) goes through
//! [`Normalized::new`], which computes exactly the `normalize()` of `../shared/eval/README.md`:
//! Unicode NFKC, then lowercase, then whitespace touching a CJK character removed and any other
//! whitespace run folded to one space. Each normalised character remembers the byte range of the
//! original text it came from, so every token's offsets index the *original* text exactly.
//!
//! The normalised text is then cut into *units* ([`Normalized::units`]): a maximal run of ASCII
//! letters and digits is one unit (`2025`, `covid`, `5g`), and every other non-space character
//! (a Chinese character, a punctuation mark) is a unit of its own. Units are the alphabet of
//! exact matching:
//!
//! * the **char view** indexes every unit (frequencies only) and answers one-unit phrases;
//! * the **gram view** indexes every pair of neighbouring units at the first unit's position,
//!   so a phrase of `k ≥ 2` units is a phrase query over a few bigrams;
//! * the **word view** indexes jieba's words (for BM25 ranking only).
//!
//! Because punctuation occupies a position and ASCII runs are never split, a document contains a
//! phrase (per the eval README, including its rule that `25年` is not in `2025年`) exactly when
//! the phrase's units occur consecutively in the document's units.

pub mod citations;
pub mod compare;
pub mod definitions;
pub mod expansion;
pub mod matching;
pub mod segment;
pub mod structure;
pub mod views;

use std::ops::Range;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

pub use segment::{dictionaries, is_word, jieba, use_dictionaries};
pub use views::{analyze, AnalyzedText, StreamCounter, View, ViewTokenizer};
pub use views::{CHARS_TOKENIZER, GRAMS_TOKENIZER, WORDS_TOKENIZER};

/// Separator between two ASCII units inside one bigram (`covid 19`), so that `ab`+`c` and
/// `a`+`bc` stay distinct terms. No unit contains a space, so the join is unambiguous.
const ASCII_PAIR_SEPARATOR: char = ' ';

/// True for characters whose neighbouring whitespace is not a word boundary: Han ideographs,
/// CJK punctuation, kana, Hangul and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x312F    // bopomofo
        | 0x3130..=0x318F    // Hangul compatibility jamo
        | 0x31A0..=0x31FF
        | 0x3200..=0x4DBF    // enclosed CJK, compatibility, extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF    // Hangul syllables
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF00..=0xFFEF    // half- and full-width forms
        | 0x20000..=0x3FFFF) // extensions B and later
}

/// The CJK Unified Ideographs of the basic block: NFKC leaves each alone and none composes
/// with a neighbour, so [`normalize_each`] passes them through, and a scan may skip those it
/// does not look for ([`matching::occurrences`]).
pub(crate) const STABLE_IDEOGRAPHS: std::ops::RangeInclusive<char> = '\u{4E00}'..='\u{9FFF}';

/// Characters that NFKC leaves alone and that never compose with a neighbour: the hot path.
fn is_nfkc_stable(c: char) -> bool {
    c.is_ascii() || STABLE_IDEOGRAPHS.contains(&c)
}

/// The normalised form of the punctuation of Chinese text, met between ideographs about once
/// in ten characters, without asking the Unicode tables: NFKC and lowercase of `c` when `c` is
/// alone (the test `punctuation_is_what_nfkc_makes_of_it` checks every character).
fn punctuation(c: char) -> Option<char> {
    match c {
        // Full-width ASCII: ，（）：；！？ and the rest.
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map(|ascii| ascii.to_ascii_lowercase())
        }
        '\u{3000}' => Some(' '),
        '、'
        | '。'
        | '\u{3008}'..='\u{3011}'
        | '\u{3014}'..='\u{301B}'
        | '‘'
        | '’'
        | '“'
        | '”'
        | '—'
        | '·' => Some(c),
        _ => None,
    }
}

/// A text after normalisation, with the way back to the original.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// `normalize(original)` as the eval README defines it.
    pub text: String,
    /// For every character of `text`, in order: the original byte range it came from.
    sources: Vec<Range<u32>>,
}

/// One unit of the normalised text: an ASCII alphanumeric run or any other single character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit<'a> {
    /// The unit's normalised text.
    pub text: &'a str,
    /// Its range in characters of the normalised text.
    pub chars: (usize, usize),
}

impl Normalized {
    /// Normalise `original`: NFKC, lowercase, CJK-aware whitespace folding.
    pub fn new(original: &str) -> Normalized {
        let mut builder = Builder {
            text: String::with_capacity(original.len()),
            sources: Vec::with_capacity(original.len() / 2),
            pending_space: None,
            last: None,
        };
        normalize_each(original, |c, source| builder.push(c, source));
        builder.finish()
    }

    /// The original byte range of the normalised characters `chars`.
    pub fn source_range(&self, chars: (usize, usize)) -> Range<usize> {
        debug_assert!(chars.0 < chars.1 && chars.1 <= self.sources.len());
        self.sources[chars.0].start as usize..self.sources[chars.1 - 1].end as usize
    }

    /// Number of characters in the normalised text.
    pub fn char_len(&self) -> usize {
        self.sources.len()
    }

    /// The units of the normalised text, in order (see the module documentation).
    pub fn units(&self) -> Vec<Unit<'_>> {
        self.unit_iter().collect()
    }

    /// The units of the normalised text, one at a time: what [`Normalized::units`] collects,
    /// without holding them all (the index views stream a long body this way).
    pub fn unit_iter(&self) -> Units<'_> {
        Units::resume(&self.text, UnitsState::default())
    }

    /// jieba's words of the normalised text, with their character ranges; whitespace and
    /// punctuation-only pieces are left out.
    pub fn words(&self) -> Vec<(&str, (usize, usize))> {
        let mut words = Vec::new();
        let mut next = Some(segment::ChunkStart::default());
        while let Some(start) = next {
            next = segment::cut_chunk(&self.text, start, segment::CHUNK_BYTES, |word, _, chars| {
                words.push((word, chars))
            });
        }
        words
    }
}

/// NFKC and lowercase of `original`, one character at a time, before whitespace folding:
/// `emit(c, source)` for every normalised character in order, with the original byte range it
/// came from (a whole run where characters composed). [`Normalized::new`] folds whitespace on
/// top of it; [`matching`] reads units from it without building the normalised text.
pub fn normalize_each(original: &str, mut emit: impl FnMut(char, Range<u32>)) {
    let bytes_of = |i: usize| i as u32;
    let mut chars = original.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let end = start + c.len_utf8();
        if is_nfkc_stable(c) {
            emit(c.to_ascii_lowercase(), bytes_of(start)..bytes_of(end));
            continue;
        }
        // Slow path: a run of characters NFKC may change or compose. Normalise the run as
        // one string so compositions across its characters come out as NFKC says.
        let mut run_end = end;
        while let Some(&(next_start, next)) = chars.peek() {
            if is_nfkc_stable(next) {
                break;
            }
            run_end = next_start + next.len_utf8();
            chars.next();
        }
        match punctuation(c) {
            // Alone between hot-path characters: nothing to compose with, one known result.
            Some(normalized) if run_end == end => emit(normalized, bytes_of(start)..bytes_of(end)),
            _ => normalize_run(original, start, run_end, &mut emit),
        }
    }
}

/// NFKC-normalise and lowercase `original[start..end]`, mapping each output character back
/// to the input character it came from, or to the whole run where characters composed.
fn normalize_run(
    original: &str,
    start: usize,
    end: usize,
    emit: &mut impl FnMut(char, Range<u32>),
) {
    let run = &original[start..end];
    let mut run_chars = run.chars();
    if let (Some(c), None) = (run_chars.next(), run_chars.next()) {
        // The common case (a full-width comma between ideographs): nothing to compose with.
        if canonical_combining_class(c) == 0 {
            let source = start as u32..end as u32;
            for normalized in std::iter::once(c).nfkc() {
                for lower in normalized.to_lowercase() {
                    emit(lower, source.clone());
                }
            }
            return;
        }
    }
    let composed: String = run.nfkc().collect();
    let per_char_equal = {
        let mut per_char = String::with_capacity(composed.len());
        for c in run.chars() {
            per_char.extend(std::iter::once(c).nfkc());
        }
        per_char == composed && !run.chars().any(|c| canonical_combining_class(c) != 0)
    };
    if per_char_equal {
        for (offset, c) in run.char_indices() {
            let source = (start + offset) as u32..(start + offset + c.len_utf8()) as u32;
            for normalized in std::iter::once(c).nfkc() {
                for lower in normalized.to_lowercase() {
                    emit(lower, source.clone());
                }
            }
        }
    } else {
        let source = start as u32..end as u32;
        for normalized in composed.chars() {
            for lower in normalized.to_lowercase() {
                emit(lower, source.clone());
            }
        }
    }
}

/// Where a [`Units`] iterator stands: a byte offset and a character index of the normalised
/// text. Lets a token stream that owns its text resume the units without borrowing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitsState {
    byte: usize,
    chars: usize,
}

/// The units of a normalised text, in order (see [`Normalized::unit_iter`]).
#[derive(Debug, Clone)]
pub struct Units<'a> {
    text: &'a str,
    state: UnitsState,
}

impl<'a> Units<'a> {
    /// The units of `text` from `state` on.
    pub fn resume(text: &'a str, state: UnitsState) -> Units<'a> {
        Units { text, state }
    }

    /// Where the iterator stands, to [`Units::resume`] from later.
    pub fn state(&self) -> UnitsState {
        self.state
    }
}

impl<'a> Iterator for Units<'a> {
    type Item = Unit<'a>;

    fn next(&mut self) -> Option<Unit<'a>> {
        loop {
            let UnitsState { byte, chars } = self.state;
            let c = self.text.get(byte..)?.chars().next()?;
            if c.is_ascii_alphanumeric() {
                let run = self.text.as_bytes()[byte..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                self.state = UnitsState {
                    byte: byte + run,
                    chars: chars + run,
                };
                return Some(Unit {
                    text: &self.text[byte..byte + run],
                    chars: (chars, chars + run),
                });
            }
            self.state = UnitsState {
                byte: byte + c.len_utf8(),
                chars: chars + 1,
            };
            if !c.is_whitespace() {
                return Some(Unit {
                    text: &self.text[byte..byte + c.len_utf8()],
                    chars: (chars, chars + 1),
                });
            }
        }
    }
}

struct Builder {
    text: String,
    sources: Vec<Range<u32>>,
    /// Whitespace seen since the last kept character, and where it was.
    pending_space: Option<Range<u32>>,
    last: Option<char>,
}

impl Builder {
    fn push(&mut self, c: char, source: Range<u32>) {
        if c.is_whitespace() {
            let range = match self.pending_space.take() {
                Some(previous) => previous.start..source.end,
                None => source,
            };
            self.pending_space = Some(range);
            return;
        }
        if let Some(space) = self.pending_space.take() {
            if let Some(last) = self.last {
                if !is_cjk(last) && !is_cjk(c) {
                    self.text.push(' ');
                    self.sources.push(space);
                }
            }
        }
        self.text.push(c);
        self.sources.push(source);
        self.last = Some(c);
    }

    fn finish(self) -> Normalized {
        Normalized {
            text: self.text,
            sources: self.sources,
        }
    }
}

/// FNV-1a over a sequence of byte strings, each ended by a separator: a fingerprint stable
/// across runs, platforms and Rust versions (document contents, dictionaries).
#[derive(Debug, Clone, Copy)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    /// Add one byte string.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.continue_with(bytes);
        self.continue_with(&[0xFF]);
    }

    /// Add bytes that continue the byte string last added, without ending it: feeding `ab` and
    /// then `c` this way fingerprints as `abc` fed at once.
    pub fn continue_with(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    /// The fingerprint so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

/// Bodies with fewer characters than this (whitespace aside) never count as copies of each
/// other: a short notice's set phrases may be written word for word by unrelated documents.
pub const COPY_MIN_CHARS: usize = 200;

/// The key that exact copies of one text share: the body without its whitespace (line breaks
/// and indentation are layout, not text), fingerprinted, with its length in characters. `None`
/// for a body shorter than [`COPY_MIN_CHARS`]. Documents with one key hold the same text,
/// whatever their titles, dates or categories say: one law filed under two 法律部门, one
/// interpretation saved under two spellings of its title.
pub fn copy_key(body: &str) -> Option<String> {
    let mut fingerprint = Fingerprint::default();
    let mut chars = 0usize;
    for piece in body.split_whitespace() {
        fingerprint.continue_with(piece.as_bytes());
        chars += piece.chars().count();
    }
    (chars >= COPY_MIN_CHARS).then(|| format!("{chars:x}-{:016x}", fingerprint.value()))
}

/// Prefix left off titles when matching a typed title: users type `招标投标法` for
/// `中华人民共和国招标投标法` about half the time.
const STATE_PREFIX: &str = "中华人民共和国";

/// The key under which a title is matched exactly: normalised, without whitespace and without
/// a leading 中华人民共和国. A query whose key equals a title's key is asking for that document.
pub fn title_key(title: &str) -> String {
    let normalized = Normalized::new(title);
    let key: String = normalized
        .text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match key.strip_prefix(STATE_PREFIX) {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => key,
    }
}

/// Words inside a title's brackets that mark a revision of the same instrument, not another
/// instrument: `（2018年修正）`, `（修订）`, `（试行）`, `（草案）`. Brackets holding anything else
/// name another instrument (`（二）`, `（浙江）`, `（1988年）`) and stay in the key.
const REVISION_MARKS: &[&str] = &["修订", "修正", "试行", "草案"];

/// The key of the instrument a title names, whichever version: the [`title_key`] without
/// revision marks in brackets, without the 、 and · between co-issuers and without title marks
/// (`北京市实施《中华人民共和国文物保护法》办法` as a title, `〈…〉` inside a citation). A
/// citation `《行政许可法》` and the title `中华人民共和国行政许可法（2019年修正）` share it.
pub fn instrument_key(title: &str) -> String {
    let mut key = String::new();
    let mut rest = title_key(title);
    // title_key normalised full-width brackets to ASCII ones.
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|at| open + at) else {
            break;
        };
        key.push_str(&rest[..open]);
        let inside = &rest[open + 1..close];
        if !REVISION_MARKS.iter().any(|mark| inside.contains(mark)) {
            key.push_str(&rest[open..=close]);
        }
        rest = rest[close + 1..].to_string();
    }
    key.push_str(&rest);
    key.retain(|c| !matches!(c, '、' | '·' | '《' | '》' | '〈' | '〉' | '<' | '>'));
    key
}

/// The key shared by the versions of one instrument: its [`instrument_key`] with the region
/// and the 效力级别 (a city's 条例 and a province's of the same name are different
/// instruments).
pub fn version_key(title: &str, region: Option<&str>, level: Option<&str>) -> String {
    format!(
        "{}|{}|{}",
        instrument_key(title),
        region.unwrap_or(""),
        level.unwrap_or("")
    )
}

/// Append the gram-view term for two neighbouring units to `out`.
pub fn push_gram(first: &str, second: &str, out: &mut String) {
    out.push_str(first);
    let is_ascii_word = |unit: &str| unit.as_bytes()[0].is_ascii_alphanumeric();
    if is_ascii_word(first) && is_ascii_word(second) {
        out.push(ASCII_PAIR_SEPARATOR);
    }
    out.push_str(second);
}

/// The gram-view term for two neighbouring units.
pub fn gram(first: &Unit<'_>, second: &Unit<'_>) -> String {
    let mut term = String::with_capacity(first.text.len() + second.text.len() + 1);
    push_gram(first.text, second.text, &mut term);
    term
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Copies share a key whatever their layout; another text, a changed character or a body
    /// too short to tell a copy from a coincidence does not.
    #[test]
    fn a_copy_key_is_the_text_without_its_layout() {
        let law = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/宪法相关法/中华人民共和国国务院组织法(2024-03-11).md"
        ))
        .unwrap();
        let key = copy_key(&law).unwrap();
        let rewrapped = law.replace('\n', "\r\n  ").replace('。', "。\n");
        assert_eq!(copy_key(&rewrapped), Some(key.clone()));
        let amended = law.replacen("国务院", "国务员", 1);
        assert_ne!(copy_key(&amended), Some(key.clone()));
        let shorter = law.replacen("国务院", "", 1);
        assert_ne!(copy_key(&shorter), Some(key));
        let notice: String = law
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(COPY_MIN_CHARS - 1)
            .collect();
        assert_eq!(copy_key(&notice), None);
        let long_enough: String = law
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(COPY_MIN_CHARS)
            .collect();
        assert!(copy_key(&long_enough).is_some());
    }

    /// Every character the punctuation shortcut answers for normalises, alone, to its answer.
    #[test]
    fn punctuation_is_what_nfkc_makes_of_it() {
        let mut answered = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if let Some(fast) = punctuation(c) {
                let slow: String = std::iter::once(c)
                    .nfkc()
                    .flat_map(char::to_lowercase)
                    .collect();
                assert_eq!(slow, fast.to_string(), "U+{:04X}", c as u32);
                assert_eq!(canonical_combining_class(c), 0);
                answered += 1;
            }
        }
        assert!(answered > 100);
    }

    fn unit_texts(text: &str) -> Vec<String> {
        Normalized::new(text)
            .units()
            .iter()
            .map(|u| u.text.to_string())
            .collect()
    }

    #[test]
    fn versions_share_a_key_and_other_instruments_do_not() {
        let key = |title| version_key(title, Some("上海"), Some("地方性法规"));
        assert_eq!(
            key("上海市科学技术进步条例"),
            key("上海市科学技术进步条例（2024年修订）")
        );
        assert_eq!(
            version_key("人民检察院刑事诉讼规则（试行）", None, Some("司法解释")),
            version_key("人民检察院刑事诉讼规则", None, Some("司法解释"))
        );
        assert_eq!(
            version_key("中华人民共和国公司法", None, Some("法律")),
            version_key("公司法", None, Some("法律"))
        );
        assert_eq!(
            version_key(
                "最高人民法院 最高人民检察院关于办理强奸案件的解释",
                None,
                None
            ),
            version_key(
                "最高人民法院、最高人民检察院关于办理强奸案件的解释",
                None,
                None
            )
        );
        for (a, b) in [
            (
                "中华人民共和国宪法修正案（1988年）",
                "中华人民共和国宪法修正案（1993年）",
            ),
            (
                "关于审理劳动争议案件适用法律若干问题的解释",
                "关于审理劳动争议案件适用法律若干问题的解释（二）",
            ),
            (
                "中国（浙江）自由贸易试验区条例",
                "中国（上海）自由贸易试验区条例",
            ),
        ] {
            assert_ne!(key(a), key(b), "{a} / {b}");
        }
        assert_ne!(
            version_key("优化营商环境条例", Some("上海"), Some("地方性法规")),
            version_key("优化营商环境条例", Some("北京"), Some("地方性法规"))
        );
    }

    #[test]
    fn full_width_forms_and_case_fold_to_ascii() {
        assert_eq!(Normalized::new("ＡＢＣ１２３，Covid").text, "abc123,covid");
    }

    #[test]
    fn line_break_inside_chinese_sentence_is_removed() {
        assert_eq!(
            Normalized::new("环太湖\n科技创新圈 2021 年").text,
            "环太湖科技创新圈2021年"
        );
        assert_eq!(Normalized::new("covid  \n 19").text, "covid 19");
    }

    #[test]
    fn ascii_runs_stay_whole_and_punctuation_takes_a_position() {
        assert_eq!(
            unit_texts("2025年5G网络、COVID-19"),
            ["2025", "年", "5g", "网", "络", "、", "covid", "-", "19"]
        );
    }

    #[test]
    fn sources_point_back_into_the_original() {
        let original = "第１２条　太湖\n流域";
        let normalized = Normalized::new(original);
        for unit in normalized.units() {
            let range = normalized.source_range(unit.chars);
            let back: String = original[range].nfkc().collect::<String>().to_lowercase();
            assert_eq!(back, unit.text);
        }
    }

    #[test]
    fn expanding_characters_map_to_their_source() {
        let original = "面积㎡和㈠项";
        let normalized = Normalized::new(original);
        assert_eq!(normalized.text, "面积m2和(一)项");
        let units = normalized.units();
        assert_eq!(&original[normalized.source_range(units[2].chars)], "㎡");
        assert_eq!(&original[normalized.source_range(units[5].chars)], "㈠");
    }

    #[test]
    fn bigrams_of_two_ascii_words_keep_a_separator() {
        let normalized = Normalized::new("ab c");
        let units = normalized.units();
        assert_eq!(gram(&units[0], &units[1]), "ab c");
    }
}
