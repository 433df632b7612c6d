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

/// A word worth indexing in the word view: it has at least one letter, digit or ideograph.
pub fn is_word(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

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
