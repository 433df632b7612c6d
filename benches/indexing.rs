//! Indexing throughput against the limit: jieba-rs alone segmenting the same text on the same
//! cores, then a full index build, in one run.
//!
//! `cargo bench --bench indexing` (corpus: `../shared/corpus/large/policies.jsonl.gz`, or the
//! paths given after `--`).

mod common;

use std::path::PathBuf;
use std::time::Instant;

use policy_search::analysis::jieba;
use policy_search::indexer::{update_index, IndexOptions};
use policy_search::ingest::{read_corpus, Item};
use rayon::prelude::*;

fn dir_size(path: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let corpus = if args.is_empty() {
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/large/policies.jsonl.gz")]
    } else {
        args
    };
    let threads = rayon::current_num_threads();

    let mut texts = Vec::new();
    read_corpus(&corpus, |item| {
        if let Item::Document(document) = item {
            texts.push(document.title);
            texts.push(document.body);
        }
    })
    .expect("corpus readable");
    let bytes: usize = texts.iter().map(String::len).sum();
    let megabytes = bytes as f64 / 1e6;
    println!(
        "corpus: {} ({:.1} MB of text), {threads} threads",
        corpus[0].display(),
        megabytes
    );

    jieba();
    let started = Instant::now();
    let words: usize = texts
        .par_iter()
        .map(|text| jieba().cut(text, true).len())
        .sum();
    let jieba_seconds = started.elapsed().as_secs_f64();
    let jieba_rate = megabytes / jieba_seconds;
    println!(
        "jieba-rs alone (cut, HMM on): {jieba_seconds:.2} s, {jieba_rate:.1} MB/s, {words} words"
    );
    drop(texts);

    let dir = tempfile::tempdir().expect("temp dir");
    let options = IndexOptions {
        full: true,
        ..IndexOptions::default()
    };
    let report = update_index(&corpus, dir.path(), &options, |_| {}).expect("index builds");
    let seconds = report.elapsed.as_secs_f64();
    let rate = report.megabytes_per_second();
    let size = dir_size(dir.path()) as f64 / 1e6;
    println!(
        "policy-search index: {seconds:.2} s, {rate:.1} MB/s, {:.0} documents/s, {:.0}% of jieba alone",
        report.documents as f64 / seconds,
        100.0 * rate / jieba_rate
    );
    println!(
        "index size: {size:.1} MB ({:.2} × text, stored text included)",
        size / megabytes
    );
    println!("peak RSS: {:.0} MB", common::peak_rss_mb());
    let rerun = update_index(&corpus, dir.path(), &IndexOptions::default(), |_| {}).expect("rerun");
    assert!(rerun.nothing_changed);
    println!(
        "no-change rerun: {:.3} s ({} documents up to date)",
        rerun.elapsed.as_secs_f64(),
        rerun.documents
    );
}
