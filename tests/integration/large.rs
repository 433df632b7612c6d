//! The large corpus (`../shared/corpus/large`, 3,487 documents): exact phrase recall and
//! precision, and known-item ranking, as the eval README defines them.

use crate::common::*;

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn every_large_phrase_returns_exactly_its_documents() {
    assert_phrase_set_exact(large_engine(), "phrases-large.tsv", 200);
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn known_large_titles_rank_first() {
    assert_known_items_rank_first(large_engine(), "known-items-large.tsv", 0.99);
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn unquoted_recall_covers_quoted_recall_on_the_large_set() {
    let engine = large_engine();
    for case in phrase_cases("phrases-large.tsv") {
        let unquoted: std::collections::BTreeSet<String> = engine
            .matching_ids(&case.phrase)
            .unwrap()
            .into_iter()
            .collect();
        assert!(
            unquoted.is_superset(&case.ids),
            "{}: unquoted lost {:?}",
            case.phrase,
            case.ids.difference(&unquoted)
        );
    }
}

#[test]
#[ignore = "needs ../shared/corpus/large"]
fn exporting_every_document_as_a_table_keeps_memory_flat() {
    let engine = large_engine();
    let index = engine.dir().to_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("de.csv");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(["search", "--index", &index, "--export", "csv", "--output"])
        .arg(&csv)
        .arg("的")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let peak = peak_rss_mb(&mut child);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = std::fs::read_to_string(&csv)
        .unwrap()
        .split_terminator("\r\n")
        .count()
        - 1;
    assert_eq!(rows as u64, engine.num_docs(), "every document has 的");
    eprintln!("exported {rows} rows, peak RSS {peak} MB");
    assert!(peak < 200, "peak RSS {peak} MB");
}
