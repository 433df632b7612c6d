//! `--dict`: a user dictionary changes jieba's words for the whole process. In a test binary
//! of its own, since the segmenter is loaded once per process.

use policy_search::analysis::{analyze, use_dictionaries};

#[test]
fn a_user_dictionary_adds_words_to_the_word_view() {
    let text = "从太湖湾科创带到环太湖科创圈";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extra.dict");
    std::fs::write(&path, "湾科创带 100000 n\n").unwrap();
    use_dictionaries(&[path]).unwrap();
    let words: Vec<String> = analyze(text).words.into_iter().map(|t| t.text).collect();
    assert!(words.contains(&"湾科创带".to_string()), "{words:?}");
    // The shipped policy dictionary is still loaded beside it.
    assert!(words.iter().any(|w| w.contains("科创圈")), "{words:?}");
}
