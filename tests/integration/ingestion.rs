//! Real-world ingestion: every edge file, rich formats, metadata from the text, incremental
//! reindexing, the writer lock and --strict.

use crate::common::policy_search;

use std::path::{Path, PathBuf};
use std::process::Output;

use policy_search::index::{update_index, IndexOptions};
use policy_search::ingest::{list_files, read_file, Document, Item, Problem};
use policy_search::{Engine, SearchRequest};

fn read_all(path: &Path) -> (Vec<Document>, Vec<Problem>) {
    let (files, _) = list_files(&[path.to_path_buf()], |p| panic!("{p}")).unwrap();
    let (mut documents, mut problems) = (Vec::new(), Vec::new());
    for file in &files {
        read_file(file, &Default::default(), &mut |item| match item {
            Item::Document(d) => documents.push(d),
            Item::Problem(p) => problems.push(p),
        });
    }
    (documents, problems)
}

fn edge(name: &str) -> PathBuf {
    crate::common::data("edge").join(name)
}

fn seed_text() -> (String, String) {
    let (documents, _) = read_all(&crate::common::sample_file("环太湖科技创新圈.txt"));
    (documents[0].title.clone(), documents[0].body.clone())
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_edge_file_gives_text_or_a_one_line_reason() {
    let (seed_title, seed_body) = seed_text();
    for name in [
        "seed-gb18030.txt",
        "seed-utf16le-bom.txt",
        "seed-utf8-bom.txt",
        "seed-crlf.txt",
    ] {
        let (documents, problems) = read_all(&edge(name));
        assert_eq!(documents.len(), 1, "{name}: {problems:?}");
        assert_eq!(documents[0].title, seed_title, "{name}");
        assert_eq!(squeeze(&documents[0].body), squeeze(&seed_body), "{name}");
        assert!(problems.iter().all(|p| !p.skipped), "{name}: {problems:?}");
    }
    for (name, reason) in [
        ("empty.txt", "empty"),
        ("blank.txt", "empty"),
        ("binary.txt", "binary"),
    ] {
        let (documents, problems) = read_all(&edge(name));
        assert!(documents.is_empty(), "{name}");
        assert_eq!(problems.len(), 1, "{name}");
        let line = problems[0].to_string();
        assert!(
            line.contains(name) && line.contains(reason) && !line.contains('\n'),
            "{line}"
        );
    }
    let (documents, problems) = read_all(&edge("truncated-utf8.txt"));
    assert_eq!(documents.len(), 1);
    assert!(
        problems[0].to_string().contains("ends inside a character"),
        "{problems:?}"
    );
    assert!(!problems[0].skipped);
}

#[test]
fn mixed_jsonl_keeps_good_lines_and_names_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let report = update_index(
        &[edge("mixed.jsonl")],
        dir.path(),
        &IndexOptions::default(),
        |_| {},
    )
    .unwrap();
    let lines: Vec<Option<usize>> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [Some(2), Some(4)], "{:?}", report.problems);
    assert!(
        report.problems[1].reason.contains("body"),
        "{}",
        report.problems[1]
    );
    assert_eq!(report.documents, 2);
    let engine = Engine::open(dir.path()).unwrap();
    assert_eq!(
        engine.document("edge/3").unwrap().body,
        "第二版正文：环太湖科创圈"
    );
    assert!(engine
        .document("edge/1")
        .unwrap()
        .title
        .contains("环太湖科创圈"));
}

#[test]
fn truncated_gzip_keeps_complete_lines_and_reports_the_cut() {
    // The stream is cut inside its first (long) record: no line is complete, the cut is named.
    let (documents, problems) = read_all(&edge("truncated.jsonl.gz"));
    assert_eq!(problems.len(), 1, "{problems:?}");
    let line = problems[0].to_string();
    assert!(
        line.contains("truncated.jsonl.gz:") && line.contains("cut or corrupt"),
        "{line}"
    );
    assert_eq!(problems[0].line, Some(documents.len() + 1));
    // Complete lines before a cut are kept: cut a real gzip stream after its second line.
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"id":"t/1","title":"第一份","body":"太湖流域水资源保护"}"#,
        r#"{"id":"t/2","title":"第二份","body":"长江三角洲区域一体化"}"#,
        r#"{"id":"t/3","title":"第三份","body":"环太湖科技创新圈的建设方案与实施路径"}"#,
    ];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, lines.join("\n").as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    let path = dir.path().join("cut.jsonl.gz");
    std::fs::write(&path, &compressed[..compressed.len() - 12]).unwrap();
    let (documents, problems) = read_all(&path);
    assert_eq!(
        documents.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["t/1", "t/2"]
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(3));
}

#[test]
fn pdf_docx_and_html_fixtures_give_the_seed_text() {
    let (seed_title, seed_body) = seed_text();
    let fixtures = crate::common::data("fixtures");
    let first_paragraphs: Vec<String> = seed_body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(4)
        .map(squeeze)
        .collect();
    for name in ["seed.pdf", "seed.docx", "seed.html"] {
        let (documents, problems) = read_all(&fixtures.join(name));
        assert_eq!(documents.len(), 1, "{name}: {problems:?}");
        let document = &documents[0];
        assert_eq!(squeeze(&document.title), squeeze(&seed_title), "{name}");
        let body = squeeze(&document.body);
        for paragraph in &first_paragraphs {
            assert!(
                body.contains(paragraph.as_str()),
                "{name}: missing {paragraph}\n{body}"
            );
        }
        assert!(
            !body.contains("不应被索引的脚本")
                && !body.contains("版权所有")
                && !body.contains("首页"),
            "{name}"
        );
    }
}

#[test]
fn work_reports_are_dated_by_their_session_and_made_by_the_state_council() {
    let sample = crate::common::sample_corpus();
    let mut dated = Vec::new();
    for entry in std::fs::read_dir(sample.join("政府工作报告")).unwrap() {
        let (documents, _) = read_all(&entry.unwrap().path());
        let report = &documents[0];
        // Every one says `我代表国务院`; none was made by the session it was delivered at.
        assert_eq!(
            report.metadata.agency.as_deref(),
            Some("国务院"),
            "{}",
            report.id
        );
        if let Some(date) = report.metadata.date {
            assert!(
                report.title.starts_with(&date.year().to_string()),
                "{}",
                report.id
            );
            assert_eq!((date.month() as u8, date.day()), (3, 5), "{}", report.id);
            dated.push(date.year());
        }
    }
    // Four have a `——2021年3月5日在…会议上` line; 1998 and 2025 give no day and are dated by
    // the session of their title's year.
    dated.sort_unstable();
    assert_eq!(dated, [1998, 2021, 2022, 2023, 2024, 2025]);
}

/// One document's hand-checked metadata (`tests/data/eval/metadata-sample.tsv`).
struct Expected {
    id: String,
    fields: [Option<String>; 4],
}

fn expected_metadata(name: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(crate::common::data(name)).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("id\t"))
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 5, "{name}: {line}");
            let cell = |i: usize| (cells[i] != "-").then(|| cells[i].to_string());
            Expected {
                id: cells[0].to_string(),
                fields: [cell(1), cell(2), cell(3), cell(4)],
            }
        })
        .collect()
}

/// Per field (date, agency, doc_number, type), the share of `documents` whose extracted value
/// equals the hand-checked one, and every difference.
fn metadata_accuracy(documents: &[Document], expected: &[Expected]) -> ([f64; 4], Vec<String>) {
    let mut right = [0usize; 4];
    let mut differences = Vec::new();
    for want in expected {
        let Some(document) = documents.iter().find(|d| d.id == want.id) else {
            differences.push(format!("{}: not read", want.id));
            continue;
        };
        let meta = &document.metadata;
        let got = [
            meta.date.map(|d| d.to_string()),
            meta.agency.clone(),
            meta.doc_number.clone(),
            meta.doc_type.clone(),
        ];
        for (field, name) in ["date", "agency", "doc_number", "type"].iter().enumerate() {
            if got[field] == want.fields[field] {
                right[field] += 1;
            } else {
                differences.push(format!(
                    "{} {name}: {:?}, checked {:?}",
                    want.id, got[field], want.fields[field]
                ));
            }
        }
    }
    (right.map(|n| n as f64 / expected.len() as f64), differences)
}

/// Print each field's accuracy on `expected`, and fail on any difference.
fn assert_metadata_is_the_checked_one(documents: &[Document], expected: &[Expected]) {
    let (accuracy, differences) = metadata_accuracy(documents, expected);
    println!(
        "{} documents: date {:.3}, agency {:.3}, doc_number {:.3}, type {:.3}",
        expected.len(),
        accuracy[0],
        accuracy[1],
        accuracy[2],
        accuracy[3]
    );
    assert!(differences.is_empty(), "{differences:#?}");
}

#[test]
fn metadata_of_every_sample_document_is_the_hand_checked_one() {
    let expected = expected_metadata("eval/metadata-sample.tsv");
    let (documents, problems) = read_all(&crate::common::sample_corpus());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        expected.len(),
        documents.len(),
        "every sample document is checked"
    );
    assert_metadata_is_the_checked_one(&documents, &expected);
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn metadata_of_a_random_draw_of_the_large_corpus_is_the_hand_checked_one() {
    let expected = expected_metadata("eval/metadata-large.tsv");
    let (documents, _) = read_all(&crate::common::shared("corpus/large/policies.jsonl.gz"));
    assert_metadata_is_the_checked_one(&documents, &expected);
}

#[test]
fn metadata_is_read_from_real_documents() {
    let sample = crate::common::sample_corpus();
    let (documents, _) = read_all(&sample.join("行政法规/太湖流域管理条例(2011-09-07).md"));
    let taihu = &documents[0];
    assert_eq!(
        taihu.metadata.doc_number.as_deref(),
        Some("国务院令第604号")
    );
    assert_eq!(taihu.metadata.agency.as_deref(), Some("国务院"));
    assert_eq!(taihu.metadata.doc_type.as_deref(), Some("条例"));
    assert_eq!(
        taihu.metadata.published,
        Some(time::macros::date!(2011 - 09 - 07))
    );
    assert_eq!(
        taihu.metadata.effective,
        Some(time::macros::date!(2011 - 11 - 01))
    );

    let (documents, _) =
        read_all(&sample.join("地方性法规/上海/上海市优化营商环境条例(2024-09-27).md"));
    let shanghai = &documents[0];
    assert_eq!(
        shanghai.metadata.agency.as_deref(),
        Some("上海市人民代表大会常务委员会")
    );
    assert_eq!(shanghai.metadata.region.as_deref(), Some("上海"));
    // This version's date: the third revision's, not the first passing's (2020-04-10).
    assert_eq!(
        shanghai.metadata.published,
        Some(time::macros::date!(2024 - 09 - 27))
    );

    // JSONL fields win over extraction.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("given.jsonl");
    std::fs::write(&path, r#"{"id":"g","title":"关于印发方案的通知","body":"国办发〔2021〕3号","agency":"某某委员会","doc_number":"苏政办发[2020]12号"}"#).unwrap();
    let (documents, _) = read_all(&path);
    assert_eq!(documents[0].metadata.agency.as_deref(), Some("某某委员会"));
    assert_eq!(
        documents[0].metadata.doc_number.as_deref(),
        Some("苏政办发〔2020〕12号")
    );
    assert_eq!(
        documents[0].metadata.doc_number_original.as_deref(),
        Some("苏政办发[2020]12号")
    );
    assert_eq!(documents[0].metadata.doc_type.as_deref(), Some("通知"));
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn copy_sample(to: &Path, files: &[&str]) {
    let sample = crate::common::sample_corpus();
    for file in files {
        let target = to.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(sample.join(file), target).unwrap();
    }
}

#[test]
fn reindexing_does_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_sample(
        &corpus,
        &[
            "环太湖科技创新圈.txt",
            "行政法规/太湖流域管理条例(2011-09-07).md",
            "地方性法规/上海/上海市家政服务条例(2019-12-19).md",
        ],
    );
    let lines = [
        r#"{"id":"j/1","title":"第一份通知","body":"太湖治理第一版"}"#,
        r#"{"id":"j/2","title":"第二份通知","body":"长江保护"}"#,
    ];
    std::fs::write(corpus.join("notices.jsonl"), lines.join("\n")).unwrap();
    let run = |args: &[&str]| {
        let output = policy_search(args, dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    assert!(run(&["index"]).contains("5 documents: 5 added, 0 updated, 0 deleted, 0 unchanged"));
    assert!(run(&["index"]).contains("nothing changed: 5 documents"));

    // One line of the JSONL file changes, a file is edited, one is removed, one is added.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let changed = [
        r#"{"id":"j/1","title":"第一份通知","body":"太湖治理第二版"}"#,
        lines[1],
    ];
    std::fs::write(corpus.join("notices.jsonl"), changed.join("\n")).unwrap();
    let seed = corpus.join("环太湖科技创新圈.txt");
    let text = std::fs::read_to_string(&seed).unwrap();
    std::fs::write(&seed, format!("{text}\n补充：共建长三角科创共同体。\n")).unwrap();
    std::fs::remove_file(corpus.join("地方性法规/上海/上海市家政服务条例(2019-12-19).md")).unwrap();
    copy_sample(
        &corpus,
        &["地方性法规/上海/上海市志愿服务条例(2019-11-15).md"],
    );
    let summary = run(&["index"]);
    assert!(
        summary.contains("5 documents: 1 added, 2 updated, 1 deleted, 2 unchanged"),
        "{summary}"
    );

    let engine = Engine::open(&dir.path().join("index")).unwrap();
    let ids = |q: &str| -> Vec<String> {
        engine
            .search(&SearchRequest::new(q))
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(ids(r#""太湖治理第二版""#), ["j/1"]);
    assert!(ids(r#""太湖治理第一版""#).is_empty());
    assert_eq!(ids(r#""长三角科创共同体""#), ["环太湖科技创新圈.txt"]);
    assert!(engine
        .document("地方性法规/上海/上海市家政服务条例(2019-12-19).md")
        .is_err());
    assert!(engine
        .document("地方性法规/上海/上海市志愿服务条例(2019-11-15).md")
        .is_ok());

    let summary = run(&["index", "--full"]);
    assert!(summary.contains("5 documents: 5 added"), "{summary}");
}

#[test]
fn a_repeated_id_keeps_only_its_last_document() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("notices.jsonl");
    let lines = [
        r#"{"id":"n/1","title":"关于太湖治理的通知","body":"太湖蓝藻防控第一稿"}"#,
        r#"{"id":"n/2","title":"关于长江保护的通知","body":"长江禁渔"}"#,
        r#"{"id":"n/1","title":"关于太湖治理的通知","body":"太湖蓝藻防控定稿"}"#,
    ];
    std::fs::write(&corpus, lines.join("\n")).unwrap();
    let index = dir.path().join("index");
    let ids = |query: &str| -> Vec<String> {
        let engine = Engine::open(&index).unwrap();
        let response = engine.search(&SearchRequest::new(query)).unwrap();
        response.hits.into_iter().map(|hit| hit.id).collect()
    };
    for options in [
        IndexOptions::default(),
        IndexOptions {
            full: true,
            ..IndexOptions::default()
        },
    ] {
        let report = update_index(std::slice::from_ref(&corpus), &index, &options, |_| {}).unwrap();
        assert_eq!((report.documents, report.duplicates), (2, 1));
        assert_eq!(ids("太湖蓝藻防控"), ["n/1"]);
        assert_eq!(ids(r#""防控定稿""#), ["n/1"]);
        assert!(ids(r#""防控第一稿""#).is_empty());
    }

    // Rewritten with the first version last: that version replaces the indexed one.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&corpus, [lines[2], lines[1], lines[0]].join("\n")).unwrap();
    update_index(
        std::slice::from_ref(&corpus),
        &index,
        &IndexOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(ids("太湖蓝藻防控"), ["n/1"]);
    assert_eq!(ids(r#""防控第一稿""#), ["n/1"]);
    assert!(ids(r#""防控定稿""#).is_empty());
}

#[test]
fn a_second_writer_gets_a_lock_message() {
    let dir = tempfile::tempdir().unwrap();
    copy_sample(&dir.path().join("corpus"), &["环太湖科技创新圈.txt"]);
    assert!(policy_search(&["index"], dir.path()).status.success());
    std::fs::write(dir.path().join("corpus/新.txt"), "新通知\n正文").unwrap();
    let (index, _) = policy_search::index::schema::open_index(&dir.path().join("index")).unwrap();
    let writer: tantivy::IndexWriter = index.writer(50_000_000).unwrap();
    let output = policy_search(&["index"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is locked by another `policy-search index` process"),
        "{}",
        stderr(&output)
    );
    drop(writer);
    assert!(policy_search(&["index"], dir.path()).status.success());
}

#[test]
fn a_run_with_nothing_to_do_while_another_writer_works_says_the_index_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    copy_sample(&dir.path().join("corpus"), &["环太湖科技创新圈.txt"]);
    assert!(policy_search(&["index"], dir.path()).status.success());
    let (index, _) = policy_search::index::schema::open_index(&dir.path().join("index")).unwrap();
    let writer: tantivy::IndexWriter = index.writer(50_000_000).unwrap();
    let output = policy_search(&["index"], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is locked by another `policy-search index` process"),
        "{}",
        stderr(&output)
    );
    drop(writer);
    let output = policy_search(&["index"], dir.path());
    assert!(
        stderr(&output).contains("nothing changed"),
        "{}",
        stderr(&output)
    );
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_reported_not_ignored() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    copy_sample(&dir.path().join("corpus"), &["环太湖科技创新圈.txt"]);
    // 太湖.txt with its name in GBK, as Windows archives write it.
    let name = std::ffi::OsStr::from_bytes(b"\xcc\xab\xba\xfe.txt");
    std::fs::write(dir.path().join("corpus").join(name), "太湖\n正文").unwrap();
    let output = policy_search(&["index", "--strict"], dir.path());
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not valid UTF-8"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("convmv"), "{}", stderr(&output));
}

#[test]
fn strict_turns_skipped_input_into_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    copy_sample(&dir.path().join("corpus"), &["环太湖科技创新圈.txt"]);
    std::fs::write(dir.path().join("corpus/empty.txt"), "").unwrap();
    let output = policy_search(&["index"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("empty.txt: empty"),
        "{}",
        stderr(&output)
    );
    let output = policy_search(&["index", "--strict"], dir.path());
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    // The unchanged bad file is still reported on a run that reads nothing.
    assert!(
        stderr(&output).contains("empty.txt: empty"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn symbolic_links_are_followed_and_a_link_loop_is_reported() {
    let outside = tempfile::tempdir().unwrap();
    let corpus = tempfile::tempdir().unwrap();
    let regulation = "行政法规/太湖流域管理条例(2011-09-07).md";
    std::fs::copy(
        crate::common::sample_file(regulation),
        outside.path().join("太湖流域管理条例.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("太湖流域管理条例.md"),
        corpus.path().join("linked.md"),
    )
    .unwrap();
    std::fs::create_dir(corpus.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(corpus.path(), corpus.path().join("loop/back")).unwrap();
    let mut problems = Vec::new();
    let (files, _) = list_files(&[corpus.path().to_path_buf()], |p| problems.push(p)).unwrap();
    let mut documents = Vec::new();
    for file in &files {
        read_file(file, &Default::default(), &mut |item| match item {
            Item::Document(d) => documents.push(d),
            Item::Problem(p) => problems.push(p),
        });
    }
    let ids: Vec<&str> = documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["linked.md"], "{problems:?}");
    assert_eq!(documents[0].title, "太湖流域管理条例");
    assert!(
        problems
            .iter()
            .any(|p| p.skipped && p.reason.to_lowercase().contains("loop")),
        "{problems:?}"
    );
}

#[test]
fn a_text_with_old_mac_line_ends_has_its_first_line_as_title() {
    let corpus = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(crate::common::sample_file("环太湖科技创新圈.txt")).unwrap();
    std::fs::write(corpus.path().join("cr.txt"), text.replace('\n', "\r")).unwrap();
    let (documents, problems) = read_all(corpus.path());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(documents[0].title, "重磅!环太湖科创圈来了");
    assert!(!documents[0].body.contains('\r'));
}
