//! The real binary over a temporary corpus: `index`, `search`, `search --json`, errors.

use crate::common::policy_search;

use policy_search::server::json::SearchJson as SearchResponse;

/// Assert that `output` is a failure with exit status `code` whose message mentions `needle`.
fn assert_fails_with(output: &std::process::Output, code: i32, needle: &str) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A corpus folder with two real sample documents (the seed report and the 太湖 regulation).
fn temp_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sample = crate::common::sample_corpus();
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
        text(&output.stderr).contains("2 documents: 2 added"),
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
    // Nothing was created for it: a later `index` builds normally and `search` does not
    // report a damaged index.
    assert!(!dir.path().join("idx/meta.json").exists());

    assert!(policy_search(
        &["index", "--corpus", "corpus", "--index", "idx"],
        dir.path()
    )
    .status
    .success());
    let output = policy_search(&["search", "--index", "idx", "\"太湖"], dir.path());
    assert_fails_with(&output, 2, "unterminated quote at 1");

    let output = policy_search(
        &["search", "--index", "idx", "--limit", "0", "太湖"],
        dir.path(),
    );
    assert_fails_with(&output, 2, "invalid parameter `limit`");

    // A date range with no date on either side is a bad argument, not a crash (exit 101).
    let output = policy_search(
        &["search", "--index", "idx", "--date", "..", "太湖"],
        dir.path(),
    );
    assert_fails_with(&output, 2, "no date on either side");

    // A --cors value that is no origin stops `serve` before it starts.
    let output = policy_search(
        &["serve", "--index", "idx", "--cors", "example.org/app"],
        dir.path(),
    );
    assert_fails_with(&output, 2, "is not an origin");

    // An --index that is a file, or an index whose files cannot be read, says what to do.
    std::fs::write(dir.path().join("a-file"), "not an index").unwrap();
    let output = policy_search(&["search", "--index", "a-file", "太湖"], dir.path());
    assert_fails_with(&output, 2, "is a file: give the index's folder");
    std::fs::create_dir(dir.path().join("damaged")).unwrap();
    std::fs::write(dir.path().join("damaged/meta.json"), "{ not json").unwrap();
    let output = policy_search(&["search", "--index", "damaged", "太湖"], dir.path());
    assert_fails_with(&output, 1, "is damaged");
    assert!(text(&output.stderr).contains("index --full --index damaged"));
}

#[test]
fn serve_resolves_a_host_name_and_says_what_to_do_when_the_port_is_busy() {
    use std::io::BufRead;
    let dir = temp_corpus();
    let index = policy_search(
        &["index", "--corpus", "corpus", "--index", "idx"],
        dir.path(),
    );
    assert!(index.status.success());
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let output = policy_search(&["serve", "--index", "idx", "--addr", &addr], dir.path());
    assert_fails_with(&output, 2, "or --addr 127.0.0.1:0 for any free one");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_policy-search"))
        .args(["serve", "--index", "idx", "--addr", "localhost:0"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    let serving = std::io::BufReader::new(stderr)
        .lines()
        .take(5)
        .map_while(Result::ok)
        .find(|line| line.starts_with("serving"));
    let _ = server.kill();
    let _ = server.wait();
    let serving = serving.expect("serve started on localhost:0");
    assert!(
        serving.starts_with("serving 2 documents on http://"),
        "{serving}"
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
    assert_fails_with(&output, 1, "bad.jsonl:1: missing field `body`");
    let output = policy_search(&["search", "--index", "idx", "--json", "太湖"], dir.path());
    let response: SearchResponse = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(response.total, 2);
}

#[test]
fn metadata_from_jsonl_is_filterable_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    let lines = [
        r#"{"id":"n/1","title":"国务院关于加强太湖流域综合治理的通知","body":"各省人民政府：为加强太湖流域水环境综合治理……","date":"2021-06-08","agency":"国务院","doc_number":"国发〔2021〕7号","category":"通知"}"#,
        r#"{"id":"n/2","title":"江苏省人民政府办公厅关于太湖治理的意见","body":"太湖流域水环境综合治理的意见……","date":"2020-03-01","agency":"江苏省人民政府办公厅","doc_number":"苏政办发〔2020〕12号"}"#,
    ];
    std::fs::write(dir.path().join("corpus/notices.jsonl"), lines.join("\n")).unwrap();
    assert!(policy_search(&["index"], dir.path()).status.success());
    let output = policy_search(
        &["search", "--json", "--facets", "太湖 agency:国务院"],
        dir.path(),
    );
    let response: SearchResponse = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        response
            .hits
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        ["n/1"]
    );
    assert_eq!(
        response.hits[0].metadata.doc_number.as_deref(),
        Some("国发〔2021〕7号")
    );
    assert_eq!(response.hits[0].metadata.doc_type.as_deref(), Some("通知"));
    let output = policy_search(&["search", "--json", "--facets", "太湖"], dir.path());
    let response: SearchResponse = serde_json::from_slice(&output.stdout).expect("JSON");
    let agencies: Vec<&str> = response.facets.as_ref().unwrap()["agency"]
        .iter()
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(agencies, ["国务院", "江苏省人民政府办公厅"]);
    let types: Vec<&str> = response.facets.as_ref().unwrap()["type"]
        .iter()
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(types, ["意见", "通知"]);
    let output = policy_search(
        &["search", "--json", "太湖 doc_number:苏政办发〔2020〕12号"],
        dir.path(),
    );
    let response: SearchResponse = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        response
            .hits
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        ["n/2"]
    );
}

#[test]
fn dict_files_are_checked_and_used_by_index_and_search() {
    let dir = temp_corpus();
    std::fs::write(dir.path().join("extra.dict"), "湾科创带 10000 n\n").unwrap();
    std::fs::write(dir.path().join("bad.dict"), "太湖 notanumber n\n").unwrap();
    let output = policy_search(&["--dict", "bad.dict", "index"], dir.path());
    assert_fails_with(&output, 2, "bad.dict");
    let output = policy_search(&["--dict", "missing.dict", "index"], dir.path());
    assert!(
        text(&output.stderr).contains("missing.dict"),
        "{}",
        text(&output.stderr)
    );
    assert!(
        policy_search(&["--dict", "extra.dict", "index"], dir.path())
            .status
            .success()
    );
    // Index and search both run with the extra dictionary (its effect on words is checked in
    // tests/dictionary.rs).
    let output = policy_search(
        &["--dict", "extra.dict", "search", "--json", "湾科创带"],
        dir.path(),
    );
    let response: SearchResponse = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(response.hits[0].id, "环太湖科技创新圈.txt");
}

#[test]
fn export_writes_analysed_documents_for_quickwit_and_opensearch() {
    let dir = temp_corpus();
    assert!(policy_search(&["index"], dir.path()).status.success());
    let output = policy_search(&["export", "--format", "quickwit"], dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("NDJSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    let seed = lines
        .iter()
        .find(|d| d["id"] == "环太湖科技创新圈.txt")
        .expect("seed exported");
    // The units are space-separated, so a phrase's units occur consecutively, even 湖科.
    assert!(seed["body_units"]
        .as_str()
        .unwrap()
        .contains(" 太 湖 科 技 创 新 圈 "));
    assert!(seed["body_words"]
        .as_str()
        .unwrap()
        .split(' ')
        .any(|w| w == "太湖" || w == "环太湖"));
    let regulation = lines
        .iter()
        .find(|d| d["type"] == "条例")
        .expect("regulation exported");
    assert_eq!(regulation["doc_number"], "国务院令第604号");

    let output = policy_search(
        &[
            "export",
            "--format",
            "opensearch",
            "--index-name",
            "laws",
            "--output",
            "bulk.ndjson",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let bulk = std::fs::read_to_string(dir.path().join("bulk.ndjson")).unwrap();
    let lines: Vec<serde_json::Value> = bulk
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["index"]["_index"], "laws");
    assert_eq!(lines[0]["index"]["_id"], lines[1]["id"]);
}

#[test]
fn search_timeout_ms_marks_a_cut_short_answer() {
    let dir = temp_corpus();
    let index = ["index", "--corpus", "corpus", "--index", "idx"];
    assert!(policy_search(&index, dir.path()).status.success());
    let search = |timeout: &str| {
        policy_search(
            &[
                "search",
                "--index",
                "idx",
                "--json",
                "--timeout-ms",
                timeout,
                "太湖",
            ],
            dir.path(),
        )
    };
    // 0 lifts the limit.
    let output = search("0");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let response: SearchResponse = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!response.timed_out);
    assert_eq!(response.total, 2);
    assert!(!text(&output.stderr).contains("--timeout-ms"));

    let output = policy_search(
        &["search", "--index", "idx", "--timeout-ms", "soon", "太湖"],
        dir.path(),
    );
    assert_fails_with(&output, 2, "--timeout-ms");
}

#[test]
fn analyze_shows_units_words_and_synonyms_and_takes_a_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = policy_search(&["analyze", "无人机", "环太湖"], dir.path());
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.contains("units:      无 人 机 环 太 湖"), "{stdout}");
    assert!(stdout.contains("无人驾驶航空器 (synonym)"), "{stdout}");
    let file = dir.path().join("mine.txt");
    std::fs::write(&file, "震泽 = 太湖\n").unwrap();
    let output = policy_search(
        &["--synonyms", file.to_str().unwrap(), "analyze", "震泽"],
        dir.path(),
    );
    assert!(text(&output.stdout).contains("太湖 (synonym)"));
    std::fs::write(&file, "震泽 太湖\n").unwrap();
    let output = policy_search(
        &["--synonyms", file.to_str().unwrap(), "analyze", "震泽"],
        dir.path(),
    );
    assert_fails_with(&output, 2, "mine.txt:1: expected forms joined by `=`");
}

#[test]
fn an_exclusion_before_the_query_gets_a_hint_not_a_cut_word() {
    let dir = tempfile::tempdir().unwrap();
    let output = policy_search(&["search", "-草案", "太湖"], dir.path());
    assert_fails_with(&output, 2, "`-草案` is an exclusion, not an option");
    assert!(!text(&output.stderr).contains("'-草'"));
}
