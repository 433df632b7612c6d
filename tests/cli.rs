//! The real binary over a temporary corpus: `index`, `search`, `search --json`, errors.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use policy_search::SearchResponse;

fn policy_search(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A corpus folder with two real sample documents (the seed report and the 太湖 regulation).
fn temp_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sample = common::shared().join("corpus/sample");
    std::fs::create_dir_all(dir.path().join("corpus/行政法规")).unwrap();
    std::fs::copy(
        sample.join("环太湖科技创新圈.txt"),
        dir.path().join("corpus/环太湖科技创新圈.txt"),
    )
    .unwrap();
    std::fs::copy(
        sample.join("行政法规/太湖流域管理条例(2011-09-07).md"),
        dir.path()
            .join("corpus/行政法规/太湖流域管理条例(2011-09-07).md"),
    )
    .unwrap();
    dir
}

#[test]
fn index_then_search_json_over_a_temporary_corpus() {
    let dir = temp_corpus();
    let output = policy_search(
        &["index", "--corpus", "corpus", "--index", "idx"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("indexed 2 documents"),
        "{}",
        text(&output.stderr)
    );

    let output = policy_search(
        &[
            "search",
            "--index",
            "idx",
            "--json",
            "--limit",
            "5",
            "\"湖科\"",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let response: SearchResponse =
        serde_json::from_slice(&output.stdout).expect("stdout is the JSON body");
    assert_eq!(response.total, 1);
    assert_eq!(response.hits[0].id, "环太湖科技创新圈.txt");
    assert!(response.hits[0].snippet.contains("<mark>湖科</mark>"));

    let output = policy_search(&["search", "--index", "idx", "太湖"], dir.path());
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("2 results for 太湖"), "{stdout}");
    assert!(
        stdout.contains("行政法规/太湖流域管理条例(2011-09-07).md  2011-09-07"),
        "{stdout}"
    );
}

#[test]
fn search_builds_the_index_from_corpus_on_first_use() {
    let dir = temp_corpus();
    let output = policy_search(&["search", "--json", "流域管理机构"], dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("building it from corpus/"),
        "{}",
        text(&output.stderr)
    );
    assert!(dir.path().join("index/meta.json").is_file());
    let response: SearchResponse = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        response.hits[0].id,
        "行政法规/太湖流域管理条例(2011-09-07).md"
    );
}

#[test]
fn errors_are_one_line_with_a_meaningful_exit_code() {
    let dir = temp_corpus();
    let output = policy_search(
        &["index", "--corpus", "missing", "--index", "idx"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr).trim(),
        "error: corpus path missing does not exist"
    );

    assert!(policy_search(
        &["index", "--corpus", "corpus", "--index", "idx"],
        dir.path()
    )
    .status
    .success());
    let output = policy_search(&["search", "--index", "idx", "\"太湖"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("unterminated quote at 1"),
        "{}",
        text(&output.stderr)
    );

    let output = policy_search(
        &["search", "--index", "idx", "--limit", "0", "太湖"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("invalid parameter `limit`"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_failed_reindex_leaves_the_last_index_searchable() {
    let dir = temp_corpus();
    assert!(policy_search(
        &["index", "--corpus", "corpus", "--index", "idx"],
        dir.path()
    )
    .status
    .success());
    // A corpus with nothing usable fails the build and must not replace the index.
    std::fs::create_dir(dir.path().join("broken")).unwrap();
    std::fs::write(
        dir.path().join("broken/bad.jsonl"),
        "{\"id\": \"x\", \"title\": \"缺少正文\"}\n",
    )
    .unwrap();
    let output = policy_search(
        &["index", "--corpus", "broken", "--index", "idx"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("bad.jsonl:1: missing field `body`"),
        "{stderr}"
    );
    let output = policy_search(&["search", "--index", "idx", "--json", "太湖"], dir.path());
    let response: SearchResponse = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(response.total, 2);
}
