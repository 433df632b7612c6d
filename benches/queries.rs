//! Query latency on an index of the large corpus, per query class, in-process.
//!
//! `cargo bench --bench queries`: builds a temporary index of
//! `../shared/corpus/large/policies.jsonl.gz`, then runs the phrase set quoted (all matching
//! documents, limit 1000) and the known-item titles unquoted (top 10, with snippets).

use std::path::PathBuf;
use std::time::Instant;

use policy_search::indexer::build_index;
use policy_search::{Engine, SearchRequest};

fn column(path: &PathBuf, index: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter_map(|line| line.split('\t').nth(index))
        .map(String::from)
        .collect()
}

fn report(name: &str, mut millis: Vec<f64>) {
    millis.sort_by(f64::total_cmp);
    let at = |q: f64| millis[((millis.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<34} n={:<4} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        millis.len(),
        at(0.5),
        at(0.99),
        millis[millis.len() - 1]
    );
}

fn time_queries(engine: &Engine, queries: &[String], limit: usize, rounds: usize) -> Vec<f64> {
    let mut millis = Vec::new();
    for round in 0..=rounds {
        for q in queries {
            let mut request = SearchRequest::new(q.clone());
            request.limit = limit;
            let started = Instant::now();
            let response = engine.search(&request).expect("search runs");
            let elapsed = started.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(response);
            if round > 0 {
                millis.push(elapsed); // round 0 warms the caches
            }
        }
    }
    millis
}

fn main() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let dir = tempfile::tempdir().expect("temp dir");
    build_index(
        &[shared.join("corpus/large/policies.jsonl.gz")],
        dir.path(),
        |_| {},
    )
    .expect("index builds");
    let engine = Engine::open(dir.path()).expect("index opens");

    let phrases: Vec<String> = column(&shared.join("eval/phrases-large.tsv"), 0)
        .into_iter()
        .map(|p| format!("\"{p}\""))
        .collect();
    let titles = column(&shared.join("eval/known-items-large.tsv"), 0);
    let words: Vec<String> = [
        "太湖",
        "营商环境",
        "科技创新",
        "长三角",
        "人民政府",
        "数据",
        "环境保护",
        "税",
    ]
    .iter()
    .map(|w| w.to_string())
    .collect();
    let pairs: Vec<String> = words
        .windows(2)
        .map(|pair| format!("{} {}", pair[0], pair[1]))
        .collect();

    report(
        "quoted phrase, all ids (limit 1000)",
        time_queries(&engine, &phrases, 1000, 3),
    );
    report(
        "quoted phrase, top 10",
        time_queries(&engine, &phrases, 10, 3),
    );
    report(
        "title as typed, top 10",
        time_queries(&engine, &titles, 10, 3),
    );
    report("single word, top 10", time_queries(&engine, &words, 10, 20));
    report(
        "two words AND, top 10",
        time_queries(&engine, &pairs, 10, 20),
    );

    // The two queries of benches/http.sh, for searches/s in-process next to requests/s over HTTP.
    for (name, q) in [
        ("word 环境保护", "环境保护"),
        ("phrase \"设工程设计方案\"", "\"设工程设计方案\""),
    ] {
        let millis = time_queries(&engine, &[q.to_string()], 10, 200);
        let per_second = 1000.0 * millis.len() as f64 / millis.iter().sum::<f64>();
        println!("in-process {name}, top 10: {per_second:.0} searches/s on one thread");
    }
}
