//! Shared helpers for the integration tests: the data they read (the repository's own
//! `corpus/` and `tests/data/`, and for the `#[ignore]`d tests `../shared`), indexes built once
//! per test run, and a minimal HTTP client.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use policy_search::index::build_index;
use policy_search::Engine;

/// Run the `policy-search` binary with `args` in `cwd`.
pub fn policy_search(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("binary runs")
}

/// The repository's root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled sample corpus, `corpus/` (the same 77 documents as `../shared/corpus/sample`).
pub fn sample_corpus() -> PathBuf {
    repo().join("corpus")
}

/// A document of the sample corpus, by its id.
pub fn sample_file(id: &str) -> PathBuf {
    sample_corpus().join(id)
}

/// A new temporary folder named `name…` for an index a whole test run shares.
///
/// Such an index sits in a `static`, which is never dropped, so its `TempDir` never deletes
/// it: each run's would pile up in `/tmp` (a large-corpus index is ~100 MB; CI once ran out of
/// disk). They go instead into this process's own folder under cargo's
/// `target/tmp/test-runs/`, and each run first removes the folders of runs that have ended
/// (their process gone from `/proc`), so at most the running ones' are kept.
pub fn shared_scratch(name: &str) -> tempfile::TempDir {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    let run = RUN.get_or_init(|| {
        let runs = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-runs");
        if Path::new("/proc/self").exists() {
            for entry in std::fs::read_dir(&runs).into_iter().flatten().flatten() {
                let ended = entry
                    .file_name()
                    .to_str()
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| !Path::new("/proc").join(pid.to_string()).exists());
                if ended {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let run = runs.join(std::process::id().to_string());
        std::fs::create_dir_all(&run).expect("test run folder");
        run
    });
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(run)
        .expect("temp dir")
}

/// `tests/data/<relative>`: edge inputs, fixtures and the sample eval sets, kept in the repo.
pub fn data(relative: &str) -> PathBuf {
    repo().join("tests/data").join(relative)
}

/// `../shared/<relative>` beside the repository, for the tests that need the large corpus or
/// its eval sets (they are `#[ignore]`d: `bash .ci/run` runs them). Fails with what to do when
/// it is missing.
pub fn shared(relative: &str) -> PathBuf {
    let path = repo().join("../shared").join(relative);
    assert!(
        path.exists(),
        "{} is missing: this test needs the project's shared data beside the repository \
         (../shared, as CI lays it out); run it where ../shared exists, or leave it ignored",
        path.display()
    );
    path
}

/// A row of a phrase set: the phrase and the exact ids of the documents containing it.
pub struct PhraseCase {
    pub phrase: String,
    pub ids: BTreeSet<String>,
}

/// An eval set by name: the sample sets are kept in `tests/data/eval`, the large ones are read
/// from `../shared/eval`.
fn eval_file(name: &str) -> PathBuf {
    let kept = data("eval").join(name);
    if kept.is_file() {
        kept
    } else {
        shared("eval").join(name)
    }
}

/// The rows of eval set `name` (a header line, then tab-separated `columns`), with the file's
/// path for messages.
fn eval_rows(name: &str, columns: usize) -> (PathBuf, Vec<Vec<String>>) {
    let path = eval_file(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows = text
        .lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let row: Vec<String> = line.split('\t').map(String::from).collect();
            assert_eq!(row.len(), columns, "{}: bad row {line}", path.display());
            row
        })
        .collect();
    (path, rows)
}

/// Read eval set `name` (columns phrase, count, ids).
pub fn phrase_cases(name: &str) -> Vec<PhraseCase> {
    let (path, rows) = eval_rows(name, 3);
    rows.into_iter()
        .map(|row| {
            let ids: BTreeSet<String> = row[2]
                .split('|')
                .filter(|id| !id.is_empty())
                .map(String::from)
                .collect();
            assert_eq!(
                ids.len(),
                row[1].parse::<usize>().unwrap(),
                "{}: count column disagrees",
                path.display()
            );
            PhraseCase {
                phrase: row[0].clone(),
                ids,
            }
        })
        .collect()
}

/// A row of a known-item set: the query and the ids any of which ranked first counts as found.
pub struct KnownItem {
    pub query: String,
    pub ids: BTreeSet<String>,
}

/// Read eval set `name` (columns query, title, ids).
pub fn known_items(name: &str) -> Vec<KnownItem> {
    let (_, rows) = eval_rows(name, 3);
    rows.into_iter()
        .map(|row| KnownItem {
            query: row[0].clone(),
            ids: row[2].split('|').map(String::from).collect(),
        })
        .collect()
}

/// Copy the files of folder `from` (not its subfolders) into `to`, made if missing.
pub fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Index `roots` incrementally into `index`, and from scratch into a new folder, returned.
pub fn index_both_ways(roots: &[PathBuf], index: &Path) -> tempfile::TempDir {
    use policy_search::index::{update_index, IndexOptions};
    update_index(roots, index, &IndexOptions::default(), |_| {}).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let full = IndexOptions {
        full: true,
        ..IndexOptions::default()
    };
    update_index(roots, fresh.path(), &full, |_| {}).unwrap();
    fresh
}

/// An index of the sample corpus and `tests/data/graph` (a text the sample repeals), built once
/// per test run.
pub fn graph_engine() -> &'static Engine {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| build_roots(&[sample_corpus(), data("graph")], "graph-index"))
        .1
}

fn build(corpus: PathBuf, name: &str) -> (tempfile::TempDir, Engine) {
    build_roots(&[corpus], name)
}

fn build_roots(roots: &[PathBuf], name: &str) -> (tempfile::TempDir, Engine) {
    let dir = shared_scratch(name);
    let report = build_index(roots, dir.path(), |problem| {
        panic!("unexpected problem: {problem}")
    })
    .expect("index builds");
    assert!(report.documents > 0);
    let engine = Engine::open(dir.path()).expect("index opens");
    (dir, engine)
}

/// A fresh index of the sample corpus, for a test that changes its engine.
pub fn build_sample_copy() -> (tempfile::TempDir, Engine) {
    build(sample_corpus(), "sample-copy")
}

/// The index of the sample corpus, built once per test run.
pub fn sample_engine() -> &'static Engine {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| build(sample_corpus(), "sample-index"))
        .1
}

/// The index of `../shared/corpus/large`, built once per test run.
pub fn large_engine() -> &'static Engine {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| build(shared("corpus/large"), "large-index"))
        .1
}

/// The first 100 hits of `q` among the documents with every term, versions and copies
/// collapsed or not.
pub fn full_matches(engine: &Engine, q: &str, collapse: bool) -> policy_search::SearchResponse {
    let mut request = policy_search::SearchRequest::new(q);
    request.limit = 100;
    request.match_mode = policy_search::search::MatchMode::All;
    request.collapse = collapse;
    engine.search(&request).unwrap()
}

/// The ids a quoted search for `phrase` returns (limit 1000, as the eval README asks).
pub fn quoted_ids(engine: &Engine, phrase: &str) -> BTreeSet<String> {
    let mut request = policy_search::SearchRequest::new(format!("\"{phrase}\""));
    request.limit = 1000;
    let response = engine
        .search(&request)
        .unwrap_or_else(|e| panic!("{phrase}: {e}"));
    assert!(
        response.total <= 1000,
        "{phrase}: more than 1000 hits, raise the limit"
    );
    // A hit stands for its other matching versions too.
    response
        .hits
        .iter()
        .flat_map(|hit| hit.documents())
        .map(str::to_string)
        .collect()
}

/// Check every phrase of a set; returns (recall, precision) over all phrases, and the failures.
pub fn phrase_quality(engine: &Engine, cases: &[PhraseCase]) -> (f64, f64, Vec<String>) {
    let (mut expected, mut returned, mut correct) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for case in cases {
        let got = quoted_ids(engine, &case.phrase);
        expected += case.ids.len();
        returned += got.len();
        correct += got.intersection(&case.ids).count();
        if got != case.ids {
            let missing: Vec<_> = case.ids.difference(&got).collect();
            let extra: Vec<_> = got.difference(&case.ids).collect();
            failures.push(format!(
                "{}: missing {missing:?}, extra {extra:?}",
                case.phrase
            ));
        }
    }
    (
        correct as f64 / expected.max(1) as f64,
        correct as f64 / returned.max(1) as f64,
        failures,
    )
}

/// Assert that every phrase of the set `name` (of `count` rows) returns exactly its documents.
pub fn assert_phrase_set_exact(engine: &Engine, name: &str, count: usize) {
    let cases = phrase_cases(name);
    assert_eq!(cases.len(), count);
    let (recall, precision, failures) = phrase_quality(engine, &cases);
    println!("{name}: recall {recall:.3}, precision {precision:.3}");
    assert!(
        failures.is_empty(),
        "{} phrases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Assert that at least `min_p_at_1` of the known items of set `name` rank first; prints MRR@10.
pub fn assert_known_items_rank_first(engine: &Engine, name: &str, min_p_at_1: f64) {
    let items = known_items(name);
    let (p_at_1, mrr, misses) = known_item_quality(engine, &items);
    println!("{name}: P@1 {p_at_1:.3}, MRR@10 {mrr:.3}; misses: {misses:#?}");
    assert!(
        p_at_1 >= min_p_at_1,
        "P@1 {p_at_1:.3} below {min_p_at_1}: {misses:#?}"
    );
}

/// Share found at rank 1 and MRR@10 of a known-item set.
pub fn known_item_quality(engine: &Engine, items: &[KnownItem]) -> (f64, f64, Vec<String>) {
    let mut at_one = 0;
    let mut reciprocal = 0.0;
    let mut misses = Vec::new();
    for item in items {
        let response = engine
            .search(&policy_search::SearchRequest::new(item.query.clone()))
            .expect("search runs");
        let rank = response
            .hits
            .iter()
            .position(|hit| item.ids.contains(&hit.id));
        match rank {
            Some(0) => at_one += 1,
            _ => misses.push(format!(
                "{} → rank {:?}, first {:?}",
                item.query,
                rank.map(|r| r + 1),
                response.hits.first().map(|h| &h.id)
            )),
        }
        if let Some(rank) = rank {
            reciprocal += 1.0 / (rank + 1) as f64;
        }
    }
    (
        at_one as f64 / items.len() as f64,
        reciprocal / items.len() as f64,
        misses,
    )
}

/// An HTTP response: status, raw head (lower-cased) and body.
pub struct HttpResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request to `addr`, with `Connection: close`.
pub fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let _ = stream.write_all(body);
    // Read the head, then exactly Content-Length bytes: some servers keep the connection open.
    let mut response = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut buffer).expect("read response");
        assert!(read > 0, "connection closed before the response head");
        response.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&response[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    match length {
        Some(length) => {
            while response.len() < head_end + length {
                let read = stream.read(&mut buffer).expect("read body");
                if read == 0 {
                    break;
                }
                response.extend_from_slice(&buffer[..read]);
            }
        }
        None => {
            let _ = stream.read_to_end(&mut response);
        }
    }
    let body = String::from_utf8_lossy(&response[head_end..]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(&body)
    } else {
        body
    };
    HttpResponse { status, head, body }
}

/// `GET path` against `addr`; returns the status code and the body.
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let response = http(addr, "GET", path, &[], b"");
    (response.status, response.body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

/// Percent-encode a path segment or query value.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Serve `dir`'s index in the background on a free port; returns the address.
pub fn serve_in_background(
    dir: &Path,
    options: policy_search::server::ServerOptions,
) -> std::net::SocketAddr {
    let engine = std::sync::Arc::new(Engine::open(dir).expect("index opens"));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            sender
                .send(listener.local_addr().expect("address"))
                .expect("send address");
            policy_search::server::serve(engine, listener, options, std::future::pending()).await;
        });
    });
    receiver.recv().expect("server started")
}

/// Peak resident memory of a running child, sampled until it exits, in MB.
pub fn peak_rss_mb(child: &mut std::process::Child) -> u64 {
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait().ok().flatten().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    peak_kb / 1024
}
