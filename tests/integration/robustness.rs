//! Faults and bad input: the indexer killed mid-run, mutated and hostile files, archive bombs,
//! and random queries and texts. Nothing may panic, lose committed documents or leave the index
//! unusable.

use crate::common::{peak_rss_mb, policy_search, sample_corpus};

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use policy_search::ingest::{list_files, read_file, Item};
use policy_search::{Engine, SearchRequest};
use proptest::prelude::*;

/// A small deterministic generator (no rand dependency for one test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn killing_the_indexer_never_loses_the_last_commit() {
    let dir = tempfile::tempdir().unwrap();
    let sample = crate::common::sample_corpus();
    let corpus = sample.to_str().unwrap();
    let index = dir.path().join("index");
    let index_arg = index.to_str().unwrap();
    let output = policy_search(
        &["index", "--corpus", corpus, "--index", index_arg],
        dir.path(),
    );
    assert!(output.status.success());
    let started = Instant::now();
    assert!(policy_search(
        &["index", "--full", "--corpus", corpus, "--index", index_arg],
        dir.path()
    )
    .status
    .success());
    let full_run = started.elapsed();
    let cases = crate::common::phrase_cases("phrases-sample.tsv");
    let mut random = Lcg(20261125);
    for round in 0..20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policy-search"))
            .args(["index", "--full", "--corpus", corpus, "--index", index_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = Duration::from_micros(random.next() % (full_run.as_micros() as u64 + 1));
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let engine = Engine::open(&index)
            .unwrap_or_else(|e| panic!("round {round}: index does not open: {e}"));
        assert_eq!(engine.num_docs(), 77, "round {round}");
        for case in cases.iter().skip(round).step_by(20) {
            assert_eq!(
                crate::common::quoted_ids(&engine, &case.phrase),
                case.ids,
                "round {round}: {}",
                case.phrase
            );
        }
    }
    // The next run completes, and a stale lock is no obstacle (the OS released it).
    let output = policy_search(
        &["index", "--corpus", corpus, "--index", index_arg],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read_everything(path: &Path) -> (usize, Vec<String>) {
    let (files, _) = list_files(&[path.to_path_buf()], |_| {}).unwrap();
    let (mut documents, mut problems) = (0, Vec::new());
    for file in &files {
        read_file(file, &Default::default(), &mut |item| match item {
            Item::Document(_) => documents += 1,
            Item::Problem(problem) => problems.push(problem.to_string()),
        });
    }
    (documents, problems)
}

#[test]
fn mutated_real_files_give_a_document_or_a_one_line_reason() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = crate::common::data("fixtures");
    let sources = [
        crate::common::sample_file("环太湖科技创新圈.txt"),
        crate::common::sample_file("行政法规/太湖流域管理条例(2011-09-07).md"),
        fixtures.join("seed.pdf"),
        fixtures.join("seed.docx"),
        fixtures.join("seed.html"),
    ];
    let mut random = Lcg(7);
    let mut cases = 0;
    for source in &sources {
        let original = std::fs::read(source).unwrap();
        let extension = source.extension().unwrap().to_str().unwrap();
        for variant in 0..12 {
            let mut bytes = original.clone();
            match variant % 4 {
                0 => {
                    for _ in 0..(1 + random.next() % 16) {
                        let at = random.next() as usize % bytes.len();
                        bytes[at] ^= 1 << (random.next() % 8);
                    }
                }
                1 => bytes.truncate(random.next() as usize % bytes.len()),
                2 => {
                    bytes = (0..(random.next() % 4096))
                        .map(|_| random.next() as u8)
                        .collect()
                }
                _ => {
                    let at = random.next() as usize % bytes.len();
                    bytes.splice(at..at, std::iter::repeat_n(b'x', 200_000));
                }
            }
            let path = dir.path().join(format!("mutant-{cases}.{extension}"));
            std::fs::write(&path, &bytes).unwrap();
            let (documents, problems) = read_everything(&path);
            let skipped = problems
                .iter()
                .filter(|p| !p.contains("ends inside a character"))
                .count();
            assert!(
                documents == 1 || skipped >= 1,
                "{}: neither text nor a reason",
                path.display()
            );
            assert!(
                problems
                    .iter()
                    .all(|p| !p.contains('\n') && p.contains("mutant-")),
                "{problems:?}"
            );
            cases += 1;
        }
    }
    // Deeply nested JSON is refused with a reason, not a stack overflow.
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(dir.path().join("deep.json"), &deep).unwrap();
    std::fs::write(dir.path().join("deep.jsonl"), &deep).unwrap();
    for name in ["deep.json", "deep.jsonl"] {
        let (documents, problems) = read_everything(&dir.path().join(name));
        assert_eq!((documents, problems.len()), (0, 1), "{name}: {problems:?}");
    }
    assert_eq!(cases, 60);
}

#[test]
fn archive_bombs_and_huge_lines_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    // A gzip stream expanding to 8 MB of short lines, against a 2 MB cap.
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for n in 0..80_000 {
        writeln!(gzip, r#"{{"id":"b/{n}","title":"通知{n}","body":"太湖流域水资源保护与水污染防治管理办法全文。"}}"#).unwrap();
    }
    std::fs::write(corpus.join("bomb.jsonl.gz"), gzip.finish().unwrap()).unwrap();
    // A JSON line of 3 MB between two good lines, against a 1 MB line cap.
    let long = format!(
        r#"{{"id":"long","title":"长","body":"{}"}}"#,
        "太".repeat(1 << 20)
    );
    let lines = [
        r#"{"id":"l/1","title":"第一","body":"太湖"}"#,
        long.as_str(),
        r#"{"id":"l/2","title":"第二","body":"长江"}"#,
    ];
    std::fs::write(corpus.join("lines.jsonl"), lines.join("\n")).unwrap();
    // A DOCX whose text expands to 4 MB, against the 2 MB cap.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(
        format!(
            "<w:document><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>",
            "太".repeat(1_400_000)
        )
        .as_bytes(),
    )
    .unwrap();
    std::fs::write(corpus.join("bomb.docx"), zip.finish().unwrap().into_inner()).unwrap();

    let output = policy_search(
        &["index", "--max-expanded-mb", "2", "--max-line-mb", "1"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("bomb.jsonl.gz:") && stderr.contains("decompresses to more than 2 MB"),
        "{stderr}"
    );
    assert!(
        stderr.contains("lines.jsonl:2: line of 3 MB is longer than the 1 MB allowed"),
        "{stderr}"
    );
    assert!(stderr.contains("bomb.docx: DOCX text expands"), "{stderr}");
    let engine = Engine::open(&dir.path().join("index")).unwrap();
    assert!(engine.document("l/1").is_ok() && engine.document("l/2").is_ok());
    assert!(
        engine.document("b/0").is_ok(),
        "lines before the cap are kept"
    );
}

#[test]
fn path_like_ids_never_reach_the_file_system() {
    let engine = crate::common::sample_engine();
    for id in [
        "../../etc/passwd",
        "/etc/passwd",
        "..\\..\\windows",
        "%2e%2e%2fetc%2fpasswd",
        "",
    ] {
        assert!(engine.document(id).is_err(), "{id}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_and_errors_carry_a_position(query in "[ 太湖\"“”()|:/spa-zA-Z0-9年\\-，。、]{0,40}") {
        match policy_search::query::parse(&query) {
            Ok(_) => {}
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.contains(" at ") || message.contains("empty query") || message.contains("only excludes"), "{message}");
            }
        }
    }

    #[test]
    fn token_offsets_are_char_boundaries_of_the_original(text in "\\PC{0,200}") {
        let analyzed = policy_search::analysis::analyze(&text);
        for token in analyzed.words.iter().chain(&analyzed.grams).chain(&analyzed.chars) {
            prop_assert!(token.offset_from <= token.offset_to && token.offset_to <= text.len());
            prop_assert!(text.is_char_boundary(token.offset_from) && text.is_char_boundary(token.offset_to));
        }
    }

    #[test]
    fn searching_random_text_never_fails_unexpectedly(query in "\\PC{1,30}") {
        match crate::common::sample_engine().search(&SearchRequest::new(query.clone())) {
            Ok(response) => prop_assert!(response.hits.len() <= 10),
            Err(policy_search::Error::InvalidQuery { message }) => prop_assert!(!message.is_empty()),
            Err(other) => prop_assert!(false, "{query:?}: {other}"),
        }
    }
}

/// Seconds the soak test runs (the issue asks for 60; `POLICY_SEARCH_SOAK_SECONDS` shortens it
/// for a quick local run).
fn soak_seconds() -> u64 {
    std::env::var("POLICY_SEARCH_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

#[test]
fn the_server_answers_every_request_while_the_index_is_rebuilt() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for file in [
        "环太湖科技创新圈.txt",
        "行政法规/太湖流域管理条例(2011-09-07).md",
    ] {
        let source = crate::common::sample_corpus().join(file);
        std::fs::copy(source, corpus.join(Path::new(file).file_name().unwrap())).unwrap();
    }
    let index = dir.path().join("index");
    let reindex = |full: bool| {
        let mut args = vec![
            "index",
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ];
        if full {
            args.push("--full");
        }
        let output = policy_search(&args, dir.path());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    reindex(true);
    let addr =
        crate::common::serve_in_background(&index, policy_search::server::ServerOptions::default());

    let stop = Arc::new(AtomicBool::new(false));
    let (served, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let clients: Vec<_> = (0..32)
        .map(|client| {
            let (stop, served, failed) = (stop.clone(), served.clone(), failed.clone());
            std::thread::spawn(move || {
                let queries = [
                    "太湖",
                    "%22%E5%A4%AA%E6%B9%96%E6%B5%81%E5%9F%9F%22",
                    "%E7%A7%91%E5%88%9B",
                ];
                let mut n = client;
                while !stop.load(Ordering::Relaxed) {
                    let q = queries[n % queries.len()];
                    let q = if q == "太湖" {
                        crate::common::encode(q)
                    } else {
                        q.to_string()
                    };
                    let (status, body) =
                        crate::common::http_get(addr, &format!("/api/search?q={q}&limit=5"));
                    if status == 200 && body.contains("\"total\"") {
                        served.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    n += 1;
                }
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(soak_seconds());
    let mut commits = 0;
    while Instant::now() < deadline {
        // Each round adds a document with a phrase of its own, then a full rebuild removes it.
        let marker = format!("第{commits}轮测试专用短语");
        std::fs::write(corpus.join("round.txt"), format!("轮次通知\n{marker}")).unwrap();
        reindex(false);
        let committed = Instant::now();
        let query = format!(
            "/api/search?q={}",
            crate::common::encode(&format!("\"{marker}\""))
        );
        while !crate::common::http_get(addr, &query)
            .1
            .contains("\"total\":1")
        {
            assert!(
                committed.elapsed() < Duration::from_secs(1),
                "commit {commits} not visible within 1 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::remove_file(corpus.join("round.txt")).unwrap();
        reindex(true);
        commits += 2;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let (served, failed) = (
        served.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    println!(
        "soak: {served} requests answered, {failed} failed, {commits} commits in {} s",
        soak_seconds()
    );
    assert_eq!(failed, 0);
    assert!(served > 100 && commits >= 2);
}

#[test]
fn indexing_a_50_mb_text_takes_at_most_ten_times_its_size_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    // 50 MB of real policy text: the sample corpus's texts, over and over.
    let mut texts = String::new();
    for entry in walkdir::WalkDir::new(sample_corpus()).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry
            .path()
            .extension()
            .is_some_and(|e| e == "txt" || e == "md")
        {
            texts.push_str(&std::fs::read_to_string(entry.path()).unwrap());
            texts.push('\n');
        }
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(corpus.join("huge.txt")).unwrap());
    let mut size = 0;
    while size < 50 << 20 {
        file.write_all(texts.as_bytes()).unwrap();
        size += texts.len();
    }
    file.flush().unwrap();
    drop(file);

    let mut child = Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(["index"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let peak = peak_rss_mb(&mut child);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let size_mb = size as u64 >> 20;
    eprintln!("a {size_mb} MB text: peak RSS {peak} MB while indexing");
    assert!(
        peak <= 10 * size_mb,
        "peak RSS {peak} MB for a {size_mb} MB text"
    );
    let engine = Engine::open(&dir.path().join("index")).unwrap();
    let found = engine
        .search(&SearchRequest::new("\"环太湖科技创新圈\""))
        .unwrap();
    assert_eq!(found.total, 1);
}

#[test]
fn a_two_gigabyte_line_does_not_exhaust_memory() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    writeln!(gzip, r#"{{"id":"before","title":"之前","body":"太湖"}}"#).unwrap();
    gzip.write_all(br#"{"id":"huge","title":"huge","body":""#)
        .unwrap();
    let chunk = "太".repeat((1 << 20) / 3).into_bytes();
    let mut written = 0u64;
    while written < 2 << 30 {
        gzip.write_all(&chunk).unwrap();
        written += chunk.len() as u64;
    }
    gzip.write_all(b"\"}\n").unwrap();
    writeln!(gzip, r#"{{"id":"after","title":"之后","body":"长江"}}"#).unwrap();
    std::fs::write(corpus.join("huge.jsonl.gz"), gzip.finish().unwrap()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(["index"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let peak = peak_rss_mb(&mut child);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("huge.jsonl.gz:2: line of 2048 MB is longer than the 64 MB allowed"),
        "{stderr}"
    );
    assert!(peak < 1024, "peak RSS {peak} MB");
    let engine = Engine::open(&dir.path().join("index")).unwrap();
    assert!(engine.document("before").is_ok() && engine.document("after").is_ok());
}

#[test]
fn a_full_disk_fails_the_run_and_keeps_the_last_index() {
    // A 10 MB tmpfs in a private mount namespace (unshare maps the caller to root there, so
    // this needs no privileges where user namespaces are enabled, and runs as root in CI).
    let dir = tempfile::tempdir().unwrap();
    let (disk, out) = (dir.path().join("disk"), dir.path().join("out"));
    std::fs::create_dir_all(&disk).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=10m tmpfs "{disk}" || exit 90
B="{binary}"; S="{sample}"; I="{disk}/index"; O="{out}"
"$B" index --corpus "$S" --index "$I" > "$O/first.log" 2>&1; echo $? > "$O/first.code"
dd if=/dev/zero of="{disk}/filler" bs=64k 2>/dev/null
"$B" index --full --corpus "$S" --index "$I" > "$O/full.log" 2>&1; echo $? > "$O/full.code"
"$B" search --index "$I" --json --limit 1000 '"太湖"' > "$O/after.json" 2> "$O/after.log"; echo $? > "$O/after.code"
rm "{disk}/filler"
"$B" index --full --corpus "$S" --index "$I" > "$O/again.log" 2>&1; echo $? > "$O/again.code"
"#,
        disk = disk.display(),
        binary = env!("CARGO_BIN_EXE_policy-search"),
        sample = crate::common::sample_corpus().display(),
        out = out.display(),
    );
    let status = Command::new("unshare")
        .args(["-r", "-m", "sh", "-c", &script])
        .status()
        .expect("unshare (util-linux) runs");
    assert!(
        status.success(),
        "could not set up the small disk: {status:?}"
    );
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert_eq!(read("first.code").trim(), "0", "{}", read("first.log"));
    assert_eq!(
        read("full.code").trim(),
        "1",
        "the run on a full disk must fail: {}",
        read("full.log")
    );
    assert!(
        read("full.log").contains("check free disk space"),
        "{}",
        read("full.log")
    );
    assert_eq!(read("after.code").trim(), "0", "{}", read("after.log"));
    let response: policy_search::server::json::SearchJson =
        serde_json::from_str(&read("after.json")).expect("search answered");
    let expected = crate::common::quoted_ids(crate::common::sample_engine(), "太湖");
    let got: std::collections::BTreeSet<String> = response.hits.into_iter().map(|h| h.id).collect();
    assert_eq!(got, expected, "the last commit answers as before");
    assert_eq!(read("again.code").trim(), "0", "{}", read("again.log"));
}

#[test]
fn a_file_vanishing_or_changing_between_walk_and_read_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("gone.txt"), "将被删除的通知\n正文").unwrap();
    std::fs::write(corpus.join("changed.txt"), "第一版通知\n太湖治理第一版").unwrap();
    let (files, _) = list_files(std::slice::from_ref(&corpus), |_| {}).unwrap();
    std::fs::remove_file(corpus.join("gone.txt")).unwrap();
    std::fs::write(
        corpus.join("changed.txt"),
        "第二版通知\n太湖治理第二版，内容更长",
    )
    .unwrap();
    let mut items = Vec::new();
    for file in &files {
        read_file(file, &Default::default(), &mut |item| items.push(item));
    }
    let reasons: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Problem(problem) => Some(problem.to_string()),
            Item::Document(_) => None,
        })
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("gone.txt: cannot read"), "{reasons:?}");
    let bodies: Vec<&str> = items
        .iter()
        .filter_map(|item| match item {
            Item::Document(document) => Some(document.body.as_str()),
            Item::Problem(_) => None,
        })
        .collect();
    // The text read is the text as it is now; the next `index` run sees the new mtime.
    assert_eq!(bodies, ["太湖治理第二版，内容更长"]);
}

#[test]
fn a_file_written_to_while_it_is_indexed_is_read_again_next_run() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let index = dir.path().join("index");
    std::fs::create_dir(&corpus).unwrap();
    let report =
        std::fs::read_to_string(crate::common::sample_file("环太湖科技创新圈.txt")).unwrap();
    let paragraphs: Arc<Vec<String>> = Arc::new(
        report
            .lines()
            .filter(|l| l.chars().count() > 20)
            .map(str::to_string)
            .collect(),
    );
    let line = move |n: usize| {
        serde_json::json!({
            "id": format!("feed-{n}"),
            "title": format!("环太湖动态第{n}期"),
            "body": format!("{}（动态编号{n}号）", paragraphs[n % paragraphs.len()]),
        })
        .to_string()
            + "\n"
    };
    let feed = corpus.join("feed.jsonl");
    let initial = 2000;
    std::fs::write(&feed, (0..initial).map(&line).collect::<String>()).unwrap();

    // A scraper appends a line every millisecond while `index` reads the file.
    let stop = Arc::new(AtomicBool::new(false));
    let appender = {
        let (stop, feed, line) = (stop.clone(), feed.clone(), line.clone());
        std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&feed)
                .unwrap();
            let mut n = initial;
            while !stop.load(Ordering::Relaxed) {
                file.write_all(line(n).as_bytes()).unwrap();
                n += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(20));
    let first = policy_search::index::update_index(
        std::slice::from_ref(&corpus),
        &index,
        &Default::default(),
        |_| {},
    );
    stop.store(true, Ordering::Relaxed);
    let lines = appender.join().unwrap();
    let first = first.expect("the run completes");
    assert!(
        first.problems.iter().any(|p| p
            .to_string()
            .contains("feed.jsonl: changed while it was being read")),
        "{:?}",
        first.problems
    );
    let engine = Engine::open(&index).unwrap();
    assert!(engine.num_docs() >= initial as u64, "{}", engine.num_docs());
    assert!(engine.num_docs() < lines as u64);

    // Once the file is still, the next run reads it again and holds every line exactly once.
    let index_quietly = || {
        policy_search::index::update_index(
            std::slice::from_ref(&corpus),
            &index,
            &Default::default(),
            |problem| panic!("{problem}"),
        )
        .unwrap()
    };
    let second = index_quietly();
    assert!(!second.nothing_changed);
    assert_eq!(second.documents, lines);
    let engine = Engine::open(&index).unwrap();
    assert_eq!(engine.num_docs(), lines as u64);
    let last = format!("\"动态编号{}号\"", lines - 1);
    assert_eq!(
        engine.matching_ids(&last).unwrap(),
        [format!("feed-{}", lines - 1)]
    );
    assert!(index_quietly().nothing_changed);
}

/// An index of an older schema version in `dir` (one document, id `old`), next to a file that
/// is not the index's.
fn old_schema_index(dir: &Path) {
    use tantivy::schema::{Schema, STORED, STRING};
    let mut builder = Schema::builder();
    let id = builder.add_text_field("id", STRING | STORED);
    let index = tantivy::Index::create_in_dir(dir, builder.build()).unwrap();
    let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
    writer.add_document(tantivy::doc!(id => "old")).unwrap();
    writer.commit().unwrap();
    std::fs::write(dir.join(".gitignore"), "*\n").unwrap();
}

fn old_schema_documents(dir: &Path) -> u64 {
    let index = tantivy::Index::open_in_dir(dir).unwrap();
    index.reader().unwrap().searcher().num_docs()
}

#[test]
fn an_index_of_an_older_schema_is_replaced_only_once_the_new_one_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    std::fs::create_dir(&index).unwrap();
    old_schema_index(&index);
    let meta = std::fs::read(index.join("meta.json")).unwrap();
    let old_files: Vec<_> = std::fs::read_dir(&index)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();

    // A run that fails (a corpus with no document) leaves the old index exactly as it was.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = policy_search(
        &[
            "index",
            "--corpus",
            empty.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    assert_eq!(std::fs::read(index.join("meta.json")).unwrap(), meta);
    assert_eq!(old_schema_documents(&index), 1);

    // A run that succeeds switches to the new index and removes the old one's files only.
    let sample = sample_corpus();
    let output = policy_search(
        &[
            "index",
            "--corpus",
            sample.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let engine = Engine::open(&index).unwrap();
    assert_eq!(engine.search(&SearchRequest::new("太湖")).unwrap().total, 3);
    assert!(engine.document("old").is_err());
    let left: Vec<_> = std::fs::read_dir(&index)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.iter().any(|name| name == ".gitignore"), "{left:?}");
    assert!(
        !left.iter().any(|name| name == ".policy-search-upgrade"),
        "{left:?}"
    );
    for old in old_files {
        let name = old.to_string_lossy();
        if name.len() > 32 && name.contains('.') {
            assert!(
                !left.contains(&old),
                "{name} of the old index is still there"
            );
        }
    }
}

#[test]
fn a_damaged_index_is_named_and_index_full_rebuilds_it_as_the_message_says() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let sample = sample_corpus();
    let args = |full: bool| {
        let mut args = vec!["index", "--corpus", sample.to_str().unwrap(), "--index"];
        args.push(index.to_str().unwrap());
        if full {
            args.push("--full");
        }
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |full: bool| {
        let args = args(full);
        policy_search(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            dir.path(),
        )
    };
    assert!(run(false).status.success());
    std::fs::write(index.join("meta.json"), "garbage\n").unwrap();

    let output = run(false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is damaged") && stderr.contains("index --full"),
        "{stderr}"
    );

    let output = run(true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let engine = Engine::open(&index).unwrap();
    assert_eq!(engine.search(&SearchRequest::new("太湖")).unwrap().total, 3);
}
