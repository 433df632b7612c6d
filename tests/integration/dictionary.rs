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
        index.extend(["index", "--corpus", "corpus", "--index", "index"]);
        let output = policy_search(&index, dir.path());
        assert!(output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let mut export = dict.to_vec();
        export.extend(["export", "--index", "index", "--format", "quickwit"]);
        let output = policy_search(&export, dir.path());
        assert!(output.status.success());
        let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let words = line["body_words"]
            .as_str()
            .unwrap()
            .split(' ')
            .map(String::from)
            .collect::<Vec<_>>();
        (words, stderr)
    };
    let (without, _) = words(&[]);
    assert!(!without.contains(&"湾科创带".to_string()), "{without:?}");
    // The index records its dictionaries: an update with another one rebuilds the word view.
    let (with, stderr) = words(&["--dict", "extra.dict"]);
    assert!(stderr.contains("other --dict dictionaries"), "{stderr}");
    assert!(with.contains(&"湾科创带".to_string()), "{with:?}");
    // The shipped policy dictionary is still loaded beside it.
    assert!(with.iter().any(|w| w.contains("科创圈")), "{with:?}");
    // Searching it without the dictionary says so.
    let output = policy_search(&["search", "--index", "index", "太湖"], dir.path());
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("built with other --dict dictionaries"),
        "{stderr}"
    );
    // The same dictionary again: nothing to do.
    let output = policy_search(
        &[
            "--dict",
            "extra.dict",
            "index",
            "--corpus",
            "corpus",
            "--index",
            "index",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nothing changed"), "{stderr}");
}
