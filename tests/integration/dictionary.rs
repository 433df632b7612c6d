//! `--dict`: a user dictionary changes jieba's words for the whole process. The segmenter is
//! loaded once per process, so the effect is checked through the binary: `export` prints the
//! word view each document was indexed with.

use crate::common::policy_search;

#[test]
fn a_user_dictionary_adds_words_to_the_word_view() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    std::fs::write(
        dir.path().join("corpus/湾区.txt"),
        "太湖湾科创带建设方案\n从太湖湾科创带到环太湖科创圈\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("extra.dict"), "湾科创带 100000 n\n").unwrap();
    let words = |dict: &[&str]| {
        let mut index = dict.to_vec();
        // --full: the index does not yet record the dictionaries it was built with.
        index.extend(["index", "--full", "--corpus", "corpus", "--index", "index"]);
        assert!(policy_search(&index, dir.path()).status.success());
        let mut export = dict.to_vec();
        export.extend(["export", "--index", "index", "--format", "quickwit"]);
        let output = policy_search(&export, dir.path());
        assert!(output.status.success());
        let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        line["body_words"]
            .as_str()
            .unwrap()
            .split(' ')
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let without = words(&[]);
    assert!(!without.contains(&"湾科创带".to_string()), "{without:?}");
    let with = words(&["--dict", "extra.dict"]);
    assert!(with.contains(&"湾科创带".to_string()), "{with:?}");
    // The shipped policy dictionary is still loaded beside it.
    assert!(with.iter().any(|w| w.contains("科创圈")), "{with:?}");
}
