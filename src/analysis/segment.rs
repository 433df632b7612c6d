//! Word segmentation: jieba with the shipped policy dictionary and the user's own.
//!
//! The segmenter is built once per process, before the first text is cut: `--dict` files are
//! read into it at start-up ([`use_dictionaries`]), and index and search must use the same ones.

use std::sync::OnceLock;

use jieba_rs::Jieba;

use super::Fingerprint;
use crate::error::{Error, Result};

static JIEBA: OnceLock<Jieba> = OnceLock::new();
/// The fingerprint of the user dictionaries given (`--dict`), set with the segmenter.
static DICTIONARIES: OnceLock<u64> = OnceLock::new();

/// The policy-domain user dictionary shipped with the engine (jieba's `word freq tag` format).
const POLICY_DICTIONARY: &str = include_str!("../../corpus/dict/policy.dict");

fn policy_jieba() -> Jieba {
    let mut jieba = Jieba::new();
    // The shipped dictionary is checked by a unit test; a bad line cannot reach a release.
    let _ = jieba.load_dict(&mut std::io::BufReader::new(POLICY_DICTIONARY.as_bytes()));
    jieba
}

/// The process-wide jieba segmenter: jieba's dictionary plus the shipped policy dictionary,
/// loaded on first use (~0.2 s).
pub fn jieba() -> &'static Jieba {
    JIEBA.get_or_init(policy_jieba)
}

/// Add user dictionaries (`--dict FILE`, jieba's `word [freq [tag]]` a line) to the segmenter.
/// Must be called before the first segmentation; index and search must use the same ones.
pub fn use_dictionaries(paths: &[std::path::PathBuf]) -> Result<()> {
    let mut segmenter = policy_jieba();
    let mut fingerprint = Fingerprint::default();
    for path in paths {
        let text = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        fingerprint.feed(&text);
        segmenter
            .load_dict(&mut std::io::BufReader::new(text.as_slice()))
            .map_err(|error| Error::InvalidParameter {
                name: "dict",
                message: format!("{}: {error}", path.display()),
            })?;
    }
    JIEBA
        .set(segmenter)
        .map_err(|_| Error::Internal("jieba was loaded before --dict was applied".into()))?;
    if !paths.is_empty() {
        let _ = DICTIONARIES.set(fingerprint.value());
    }
    Ok(())
}

/// A fingerprint of the user dictionaries this process segments with (their contents, in
/// order); `None` when there are none. An index records it: its word view was cut with them.
pub fn dictionaries() -> Option<u64> {
    DICTIONARIES.get().copied()
}

/// About how many bytes of a text jieba is given at a time (see [`cut_chunk`]): a long body is
/// cut piece by piece, so its words never all exist at once.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Where the next piece of a text starts: a byte offset and a character index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkStart {
    byte: usize,
    chars: usize,
}

/// True for a character after which jieba's cut of a text equals the cut of the text before
/// it followed by the cut of the text after it. jieba cuts maximal runs of its `RE_HAN_DEFAULT`
/// class (ideographs, ASCII letters and digits, `+#&._%-`) with its dictionary and emits every
/// other character as a token of its own (`\r\n` aside), so a character outside that class,
/// not a line end, closes every block it touches. These are the punctuation marks a normalised
/// policy text is full of.
fn ends_jieba_block(c: char) -> bool {
    (c.is_ascii_punctuation() && !matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-'))
        || matches!(c, '\u{3001}'..='\u{303F}' | '\u{2010}'..='\u{2027}')
}

/// Cut the piece of `text` that starts at `start` and ends after the first block-closing
/// character past `chunk_bytes` bytes (or at the end of the text): every word worth indexing
/// ([`is_word`]) goes to `emit` with its byte offset and character range in the whole text.
/// Returns where the next piece starts, `None` after the last. Cutting a text piece by piece
/// gives exactly the words of cutting it whole (it ends only after a character outside
/// jieba's `RE_HAN_DEFAULT` class, which closes every block).
pub fn cut_chunk<'a>(
    text: &'a str,
    start: ChunkStart,
    chunk_bytes: usize,
    mut emit: impl FnMut(&'a str, usize, (usize, usize)),
) -> Option<ChunkStart> {
    let rest = text.get(start.byte..)?;
    if rest.is_empty() {
        return None;
    }
    let mut end = rest.len();
    if chunk_bytes < rest.len() {
        let mut from = chunk_bytes;
        while !rest.is_char_boundary(from) {
            from += 1;
        }
        if let Some((offset, c)) = rest[from..]
            .char_indices()
            .find(|&(_, c)| ends_jieba_block(c))
        {
            end = from + offset + c.len_utf8();
        }
    }
    let piece = &rest[..end];
    let base = piece.as_ptr() as usize - text.as_ptr() as usize;
    let mut chars = start.chars;
    for token in jieba().cut(piece, true) {
        chars = start.chars + token.end;
        if is_word(token.word) {
            let byte = token.word.as_ptr() as usize - text.as_ptr() as usize;
            emit(token.word, byte, (start.chars + token.start, chars));
        }
    }
    (end < rest.len()).then_some(ChunkStart {
        byte: base + end,
        chars,
    })
}

/// A word worth indexing in the word view: it has at least one letter, digit or ideograph.
pub fn is_word(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_piece_by_piece_gives_the_words_of_the_whole_text() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut texts = 0;
        for entry in walkdir::WalkDir::new(corpus) {
            let entry = entry.unwrap();
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let text = crate::analysis::Normalized::new(&text).text;
            let whole: Vec<(&str, usize, usize)> = jieba()
                .cut(&text, true)
                .into_iter()
                .filter(|token| is_word(token.word))
                .map(|token| (token.word, token.start, token.end))
                .collect();
            for chunk_bytes in [1, 40, 700] {
                let mut pieces = Vec::new();
                let mut next = Some(ChunkStart::default());
                while let Some(start) = next {
                    next = cut_chunk(&text, start, chunk_bytes, |word, byte, chars| {
                        assert_eq!(&text[byte..byte + word.len()], word);
                        pieces.push((word, chars.0, chars.1));
                    });
                }
                assert_eq!(
                    pieces,
                    whole,
                    "{} in pieces of {chunk_bytes}",
                    entry.path().display()
                );
            }
            texts += 1;
        }
        assert!(texts > 70, "only {texts} texts read");
    }

    #[test]
    fn shipped_dictionary_loads_and_keeps_policy_terms_whole() {
        let mut jieba = Jieba::new();
        jieba
            .load_dict(&mut std::io::BufReader::new(POLICY_DICTIONARY.as_bytes()))
            .unwrap();
        let words: Vec<&str> = jieba
            .cut("共建环太湖科创圈，推进长三角一体化示范区", true)
            .iter()
            .map(|t| t.word)
            .collect();
        assert!(
            words.contains(&"科创圈") || words.contains(&"环太湖科创圈"),
            "{words:?}"
        );
        assert!(words.contains(&"长三角"), "{words:?}");
    }
}
