//! Query latency per query class on an index of the large corpus, in-process, warm and after
//! dropping the page cache.
//!
//! `cargo bench --bench queries` (corpus `../shared/corpus/large/policies.jsonl.gz`; queries from
//! `../shared/eval/` and the word list below). Set `POLICY_SEARCH_BENCH_INDEX=DIR` to reuse or
//! keep an index (e.g. of a replicated corpus).

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use policy_search::document::{Filter, Filters};
use policy_search::index::{update_index, IndexOptions};
use policy_search::search::Sort;
use policy_search::{Engine, SearchRequest};

fn column(path: &Path, index: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter_map(|line| line.split('\t').nth(index))
        .map(String::from)
        .collect()
}

fn report(name: &str, millis: Vec<f64>) {
    let count = millis.len();
    let (p50, p99, max) = common::percentiles(millis);
    println!("{name:<44} n={count:<5} p50 {p50:>8.3} ms  p99 {p99:>8.3} ms  max {max:>8.3} ms");
}

/// Time each request once per round; round 0 only warms the caches when `warm`.
fn time_requests(
    engine: &Engine,
    requests: &[SearchRequest],
    rounds: usize,
    warm: bool,
) -> Vec<f64> {
    let mut millis = Vec::new();
    for round in 0..=rounds {
        for request in requests {
            let started = Instant::now();
            std::hint::black_box(engine.search(request).expect("search runs"));
            if round > 0 || !warm {
                millis.push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
        if !warm {
            break;
        }
    }
    millis
}

fn requests(queries: &[String], configure: impl Fn(&mut SearchRequest)) -> Vec<SearchRequest> {
    queries
        .iter()
        .map(|q| {
            let mut request = SearchRequest::new(q.clone());
            configure(&mut request);
            request
        })
        .collect()
}

/// Drop the page cache (root only); false where the kernel does not allow it.
fn drop_page_cache() -> bool {
    let _ = std::process::Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
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
    // Warmed as `serve` opens it: each generation's 时效性 and defined short forms are worked
    // out before the first search, not inside the first timed one that needs them.
    let engine = Engine::open(&dir)
        .and_then(Engine::warmed)
        .expect("index opens");
    println!("index: {} documents", engine.num_docs());

    let phrases: Vec<String> = column(&shared.join("eval/phrases-large.tsv"), 0)
        .into_iter()
        .map(|p| format!("\"{p}\""))
        .collect();
    let titles = column(&shared.join("eval/known-items-large.tsv"), 0);
    let words: Vec<String> = common::WORDS.iter().map(|w| w.to_string()).collect();
    let pairs: Vec<String> = words
        .windows(2)
        .map(|pair| format!("{} {}", pair[0], pair[1]))
        .collect();
    let ors: Vec<String> = words
        .windows(2)
        .map(|pair| format!("{} OR {}", pair[0], pair[1]))
        .collect();

    let classes: Vec<(&str, Vec<SearchRequest>, usize)> = vec![
        ("single word, top 10", requests(&words, |_| {}), 20),
        ("two words AND, top 10", requests(&pairs, |_| {}), 20),
        ("two words OR, top 10", requests(&ors, |_| {}), 20),
        (
            "quoted phrase 1–12 chars, top 10",
            requests(&phrases, |_| {}),
            3,
        ),
        ("title as typed, top 10", requests(&titles, |_| {}), 3),
        (
            "word filtered by year 2021, top 10",
            requests(&words, |r| {
                r.filters = Filters::default().with(Filter::Year, "2021")
            }),
            20,
        ),
        (
            "word sorted by date, top 10",
            requests(&words, |r| r.sort = Sort::DateDesc),
            20,
        ),
        (
            "word with facets (as the page asks), top 10",
            requests(&words, |r| r.facets = true),
            20,
        ),
        (
            "word, deep page (offset 500)",
            requests(&words, |r| r.offset = 500),
            20,
        ),
        (
            "quoted phrase, every hit (limit 1000)",
            requests(&phrases, |r| r.limit = 1000),
            3,
        ),
    ];
    println!("-- warm");
    for (name, requests, rounds) in &classes {
        report(name, time_requests(&engine, requests, *rounds, true));
    }

    // Matching alone, without reading stored text: every matching id of each phrase.
    let mut millis = Vec::new();
    for round in 0..=10 {
        for q in &phrases {
            let started = Instant::now();
            std::hint::black_box(engine.matching_ids(q).expect("matches"));
            if round > 0 {
                millis.push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    report("quoted phrase, all matching ids (no text)", millis);

    // The floor of the every-hit class: the stored texts of each phrase's 1,000-hit page alone,
    // read on two threads as the engine reads a long page, no passage looked for. A page of
    // 1,000 snippets taken from the full texts cannot be faster than this (less an id lookup
    // per text, which the engine, holding addresses, does not do: microseconds beside reading
    // the text).
    let pages: Vec<Vec<String>> = requests(&phrases, |r| r.limit = 1000)
        .iter()
        .map(|request| {
            let hits = engine.search(request).expect("search runs").hits;
            hits.into_iter().map(|hit| hit.id).collect()
        })
        .collect();
    let read = |ids: &[String]| -> usize {
        ids.iter()
            .map(|id| engine.document(id).expect("stored").body.len())
            .sum()
    };
    let mut millis = Vec::new();
    let mut largest = (0, 0, "");
    for round in 0..=3 {
        for (ids, q) in pages.iter().zip(&phrases) {
            let started = Instant::now();
            let (half, rest) = ids.split_at(ids.len() / 2);
            let bytes = std::thread::scope(|scope| {
                let other = scope.spawn(|| read(rest));
                read(half) + other.join().expect("reader thread")
            });
            if round > 0 {
                millis.push(started.elapsed().as_secs_f64() * 1e3);
            }
            largest = largest.max((bytes, ids.len(), q.as_str()));
        }
    }
    report("quoted phrase, every hit: stored texts alone", millis);
    println!(
        "(largest page: {} hits of {}, {:.1} MB of text)",
        largest.1,
        largest.2,
        largest.0 as f64 / 1e6
    );

    // The two queries of benches/http.sh, for searches/s in-process next to requests/s over HTTP.
    for (name, q) in [
        ("word 环境保护", "环境保护"),
        ("phrase \"设工程设计方案\"", "\"设工程设计方案\""),
    ] {
        let millis = time_requests(&engine, &requests(&[q.to_string()], |_| {}), 200, true);
        let per_second = 1000.0 * millis.len() as f64 / millis.iter().sum::<f64>();
        println!("in-process {name}, top 10: {per_second:.0} searches/s on one thread");
    }

    // Cold: the index closed, the page cache dropped, the index opened and warmed again as
    // `serve` starts, then each query of the class once. Pages a live engine has touched stay
    // mapped in this process, and the kernel keeps mapped pages through a drop: only a closed
    // index is read from disk again.
    println!("-- cold (index closed, page cache dropped, index opened again before each class)");
    drop(engine);
    let mut opening = Vec::new();
    for (name, requests, _) in &classes {
        if !drop_page_cache() {
            println!("(cannot drop the page cache here: needs root and a writable /proc/sys/vm/drop_caches)");
            break;
        }
        let started = Instant::now();
        let engine = Engine::open(&dir)
            .and_then(Engine::warmed)
            .expect("index opens");
        opening.push(started.elapsed().as_secs_f64() * 1e3);
        report(name, time_requests(&engine, requests, 0, false));
    }
    if !opening.is_empty() {
        report("(opening and warming the index, cold)", opening);
    }
}
