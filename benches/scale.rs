//! Scale: the large corpus replicated N times with distinct ids and texts (generated in a temporary
//! folder, never committed), indexed, then queried.
//!
//! Prints, as `cargo bench --bench indexing` does for ×1, jieba-rs alone segmenting the text in the
//! same run and the ratio of the two.
//!
//! `cargo bench --bench scale -- 10` (default 10; 100 needs ~14 GB of temporary disk and about
//! 80 seconds per 1,000 MB of text at the current indexing speed).
//!
//! With `POLICY_SEARCH_SCALE_DIR=DIR` the index is kept in `DIR/index`, so that every query class
//! can then be measured on it: `POLICY_SEARCH_BENCH_INDEX=DIR/index cargo bench --bench queries`.

mod common;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use policy_search::index::{update_index, IndexOptions};
use policy_search::{Engine, SearchRequest};

fn main() {
    let replicas: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let scratch = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("POLICY_SEARCH_SCALE_DIR").map(PathBuf::from);
    let root = kept.unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&root).expect("scale dir");
    let corpus = root.join("replicated.jsonl");
    let source = flate2::read::MultiGzDecoder::new(
        std::fs::File::open(shared.join("corpus/large/policies.jsonl.gz")).expect("large corpus"),
    );
    let lines: Vec<String> = BufReader::new(source)
        .lines()
        .map(|l| l.expect("readable"))
        .collect();
    let mut out = BufWriter::new(std::fs::File::create(&corpus).expect("scratch file"));
    for replica in 0..replicas {
        for line in &lines {
            let mut record: serde_json::Value = serde_json::from_str(line).expect("JSON");
            let id = format!("{}#{replica}", record["id"].as_str().unwrap_or_default());
            record["id"] = serde_json::Value::String(id);
            // Each replica's text ends with its number: replicas of one text would otherwise be
            // exact copies, which a search folds into one hit.
            if let Some(body) = record["body"].as_str() {
                record["body"] = serde_json::Value::String(format!("{body}\n（副本{replica}）"));
            }
            serde_json::to_writer(&mut out, &record).expect("write");
            out.write_all(b"\n").expect("write");
        }
    }
    out.flush().expect("flush");
    drop(out);
    let jieba_rate = jieba_alone(&lines);

    let index = root.join("index");
    let options = IndexOptions {
        full: true,
        ..IndexOptions::default()
    };
    let (report, peak_anonymous) = common::peak_anonymous_rss_mb(|| {
        update_index(std::slice::from_ref(&corpus), &index, &options, |_| {}).expect("index builds")
    });
    std::fs::remove_file(&corpus).expect("scratch file removed");
    let size: u64 = std::fs::read_dir(&index)
        .expect("index")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let seconds = report.elapsed.as_secs_f64();
    println!(
        "×{replicas}: {} documents, {:.0} MB of text in {seconds:.1} s, {:.1} MB/s, {:.0} documents/s",
        report.documents,
        report.text_bytes as f64 / 1e6,
        report.megabytes_per_second(),
        report.documents as f64 / seconds
    );
    println!(
        "jieba-rs alone in the same run: {jieba_rate:.1} MB/s; indexing at {:.0}% of it",
        100.0 * report.megabytes_per_second() / jieba_rate
    );
    println!(
        "index size {:.0} MB ({:.2} × text), peak RSS {:.0} MB (anonymous {peak_anonymous:.0} MB, \
         the rest mapped index files)",
        size as f64 / 1e6,
        size as f64 / report.text_bytes as f64,
        common::peak_rss_mb()
    );

    let started = Instant::now();
    let engine = Engine::open(&index).expect("index opens");
    println!("open: {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    let phrases: Vec<String> = std::fs::read_to_string(shared.join("eval/phrases-large.tsv"))
        .expect("phrases")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(|p| format!("\"{p}\""))
        .collect();
    let words = common::WORDS;
    for (name, queries) in [
        (
            "single word, top 10",
            words.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        ),
        ("quoted phrase, top 10", phrases.clone()),
    ] {
        let mut millis = Vec::new();
        for round in 0..3 {
            for q in &queries {
                let started = Instant::now();
                std::hint::black_box(
                    engine
                        .search(&SearchRequest::new(q.clone()))
                        .expect("search"),
                );
                if round > 0 {
                    millis.push(started.elapsed().as_secs_f64() * 1e3);
                }
            }
        }
        let (p50, p99, max) = common::percentiles(millis);
        println!("{name:<28} p50 {p50:.2} ms  p99 {p99:.2} ms  max {max:.2} ms");
    }
    let mut millis = Vec::new();
    for q in &phrases {
        let started = Instant::now();
        std::hint::black_box(engine.matching_ids(q).expect("matches"));
        millis.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (p50, p99, max) = common::percentiles(millis);
    println!(
        "{:<28} p50 {p50:.2} ms  p99 {p99:.2} ms  max {max:.2} ms",
        "phrase, all matching ids"
    );
}

/// MB/s of jieba-rs alone (cut, HMM on) segmenting the titles and bodies of `lines` on every
/// core: one copy of the replicated text, since the replicas are the same text but for their
/// numbers.
fn jieba_alone(lines: &[String]) -> f64 {
    let texts: Vec<String> = lines
        .iter()
        .flat_map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("JSON");
            ["title", "body"].map(|key| record[key].as_str().unwrap_or_default().to_string())
        })
        .collect();
    let megabytes = texts.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    let (seconds, _) = common::jieba_alone(&texts);
    megabytes / seconds
}
