//! The workbench on an index of the large corpus, in-process, warm: a concordance's first page
//! (KWIC of `人民政府`, 20 lines, by document and by left context) and a table of every hit of
//! `的` (every document) written as CSV, and the collocates of `人民政府`.
//!
//! `cargo bench --bench workbench`. Set `POLICY_SEARCH_BENCH_INDEX=DIR` to reuse or keep an
//! index.

use std::path::PathBuf;
use std::time::Instant;

use policy_search::index::{update_index, IndexOptions};
use policy_search::workbench::{
    concordance, write_table, ConcordanceRequest, KwicSort, TableFormat,
};
use policy_search::{Engine, SearchRequest};

/// Milliseconds of `runs` calls of `work` after one warm-up call: (p50, max).
fn time(runs: usize, mut work: impl FnMut()) -> (f64, f64) {
    work();
    let mut millis: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    millis.sort_by(f64::total_cmp);
    (millis[millis.len() / 2], millis[millis.len() - 1])
}

fn main() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let kept = std::env::var_os("POLICY_SEARCH_BENCH_INDEX").map(PathBuf::from);
    let temporary = tempfile::tempdir().expect("temp dir");
    let dir = kept.unwrap_or_else(|| temporary.path().to_path_buf());
    if policy_search::index::last_build(&dir).is_none() {
        let corpus = [shared.join("corpus/large/policies.jsonl.gz")];
        update_index(&corpus, &dir, &IndexOptions::default(), |_| {}).expect("index builds");
    }
    let engine = Engine::open(&dir).expect("index opens");
    println!("index: {} documents", engine.num_docs());

    for (name, sort) in [
        ("by document", KwicSort::Doc),
        ("by left context", KwicSort::Left),
    ] {
        let mut request = ConcordanceRequest::new("人民政府");
        request.limit = 20;
        request.sort = sort;
        let mut total = 0;
        let (p50, max) = time(10, || {
            total = concordance(&engine, &request).expect("concordance").total;
        });
        println!("KWIC 人民政府, first 20 lines {name}: p50 {p50:.0} ms, max {max:.0} ms ({total} occurrences)");
    }

    let mut sentences = 0;
    let (p50, max) = time(3, || {
        sentences =
            policy_search::workbench::collocates(&engine, &SearchRequest::new("人民政府"), 20, 3)
                .expect("collocates")
                .sentences;
    });
    println!("collocates of 人民政府: p50 {p50:.0} ms, max {max:.0} ms ({sentences} sentences)");

    let matches = engine
        .all_matches(&SearchRequest::new("的"))
        .expect("matches");
    let mut rows = 0;
    let (p50, max) = time(3, || {
        rows = write_table(&matches, TableFormat::Csv, &mut std::io::sink(), None).expect("table");
    });
    println!("table of every hit of 的 as CSV: p50 {p50:.0} ms, max {max:.0} ms ({rows} rows)");
}
