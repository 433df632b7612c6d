//! The workbench: every hit as a table, every occurrence in context. Counts are checked
//! against a brute-force count over the sample corpus's stored texts.

use std::process::{Command, Stdio};

use policy_search::analysis::Normalized;
use policy_search::workbench::{concordance, ConcordanceRequest, KwicSort};
use policy_search::Engine;

use crate::common::{policy_search, sample_engine};

/// Occurrences of the Chinese `term` in `document`'s title and body, after normalisation.
fn count_in(document: &policy_search::Document, term: &str) -> usize {
    [&document.title, &document.body]
        .iter()
        .map(|text| Normalized::new(text).text.matches(term).count())
        .sum()
}

/// Occurrences of the Chinese `term` in every document's title and body, after normalisation,
/// and the documents holding it, by reading every stored text.
fn brute_force(engine: &Engine, term: &str) -> (usize, usize) {
    let (mut occurrences, mut documents) = (0, 0);
    engine
        .for_each_document(|document| {
            let count = count_in(&document, term);
            occurrences += count;
            documents += usize::from(count > 0);
            Ok(())
        })
        .unwrap();
    (occurrences, documents)
}

#[test]
fn a_concordance_lists_every_occurrence_the_index_finds() {
    let engine = sample_engine();
    for term in ["湖科", "太湖", "人民政府", "高质量发展", "第十二条"] {
        let (expected, holding) = brute_force(engine, term);
        assert!(expected > 0, "{term}");
        let mut request = ConcordanceRequest::new(format!("\"{term}\""));
        request.limit = 1000;
        let page = concordance(engine, &request).unwrap();
        assert_eq!(page.total, expected, "{term}");
        assert_eq!(page.documents, holding, "{term}");
        assert_eq!(page.lines.len(), expected.min(1000), "{term}");
        // Counted from the index's positions, document by document, as in the stored text.
        let matches = engine
            .all_matches(&policy_search::SearchRequest::new(format!("\"{term}\"")))
            .unwrap();
        let patterns: Vec<_> = policy_search::analysis::matching::Pattern::new(term, 1.0)
            .into_iter()
            .collect();
        let from_positions = matches.phrase_counts(&patterns).unwrap().unwrap();
        let from_text = matches
            .par_map(|_, _, document| count_in(&document, term))
            .unwrap();
        assert_eq!(from_positions, from_text, "{term}");
        for line in &page.lines {
            assert_eq!(Normalized::new(&line.matched).text, term);
            assert!(line.left.chars().count() <= 20 && line.right.chars().count() <= 20);
        }
    }
}

#[test]
fn concordance_pages_add_up_and_sort_by_context() {
    let engine = sample_engine();
    let mut whole = ConcordanceRequest::new("太湖");
    whole.limit = 1000;
    let all = concordance(engine, &whole).unwrap();
    let mut paged = Vec::new();
    let mut request = ConcordanceRequest::new("太湖");
    request.limit = 7;
    while paged.len() < all.total {
        let page = concordance(engine, &request).unwrap();
        assert_eq!(page.total, all.total);
        assert!(!page.lines.is_empty());
        paged.extend(page.lines);
        request.offset += 7;
    }
    assert_eq!(paged, all.lines);

    for sort in [KwicSort::Left, KwicSort::Right] {
        let mut request = ConcordanceRequest::new("太湖");
        request.limit = 1000;
        request.sort = sort;
        let sorted = concordance(engine, &request).unwrap();
        assert_eq!(sorted.total, all.total);
        let keys: Vec<String> = sorted
            .lines
            .iter()
            .map(|line| match sort {
                KwicSort::Left => line.left.chars().rev().collect(),
                _ => line.right.clone(),
            })
            .collect();
        assert!(keys.windows(2).all(|pair| pair[0] <= pair[1]), "{sort:?}");
        let mut same = sorted.lines.clone();
        let mut original = all.lines.clone();
        let key = |line: &policy_search::workbench::KwicLine| {
            (
                line.id.clone(),
                line.left.clone(),
                line.right.clone(),
                line.field,
            )
        };
        same.sort_by_key(key);
        original.sort_by_key(key);
        assert_eq!(same, original, "the same lines in another order");
    }
    // Lines in the body say their 条, and that 条 holds the match.
    let with_article: Vec<_> = all.lines.iter().filter(|l| l.article.is_some()).collect();
    assert!(with_article.len() > 10, "{}", with_article.len());
    for line in with_article {
        let body = engine.document(&line.id).unwrap().body;
        let label = line.article.as_deref().unwrap();
        let article = policy_search::analysis::structure::articles(&body)
            .into_iter()
            .find(|article| article.label == label)
            .unwrap();
        let text = &body[article.range];
        assert!(
            text.contains(&line.matched),
            "{label} of {} lacks {}",
            line.id,
            line.matched
        );
    }
}

/// Cells of a CSV line (quoted fields, doubled quotes), enough for the engine's own output.
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[test]
fn search_export_writes_every_hit_as_a_table() {
    let engine = sample_engine();
    let index = engine.dir().to_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    // More hits than a page holds: the table has them all.
    let total = engine
        .search(&policy_search::SearchRequest::new("人民政府"))
        .unwrap()
        .total;
    assert!(total > 20, "{total}");
    let csv = dir.path().join("hits.csv");
    let output = policy_search(
        &[
            "search",
            "--index",
            &index,
            "--export",
            "csv",
            "--output",
            csv.to_str().unwrap(),
            "人民政府",
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    let rows: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        rows[0],
        "id,title,date,category,region,type,agency,doc_number,score,count:人民政府,snippet"
    );
    assert_eq!(rows.len(), total + 1);
    for row in &rows[1..] {
        let cells = csv_cells(row);
        assert_eq!(cells.len(), 11, "{row}");
        let document = engine.document(&cells[0]).unwrap();
        assert_eq!(cells[1], document.title);
        let count: usize = cells[9].parse().unwrap();
        let expected = count_in(&document, "人民政府");
        assert_eq!(count, expected, "{}", cells[0]);
    }

    // JSON Lines to standard output: one object a hit, in the same order.
    let output = policy_search(
        &["search", "--index", &index, "--export", "jsonl", "人民政府"],
        dir.path(),
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let ids: Vec<String> = stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let csv_ids: Vec<String> = rows[1..]
        .iter()
        .map(|row| csv_cells(row)[0].clone())
        .collect();
    assert_eq!(ids, csv_ids);

    // XLSX needs a file; with one, Python reads the same table where openpyxl is installed
    // (`.ci/run` installs it), and Python's csv module reads the CSV with its Chinese intact.
    let output = policy_search(
        &["search", "--index", &index, "--export", "xlsx", "人民政府"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--output"));
    let xlsx = dir.path().join("hits.xlsx");
    let output = policy_search(
        &[
            "search",
            "--index",
            &index,
            "--export",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
            "人民政府",
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let script = r#"
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
print(len(rows) - 1, rows[0][9], rows[1][1])
try:
    import openpyxl
except ImportError:
    sys.exit(0 if not sys.argv[3] else 5)
sheet = openpyxl.load_workbook(sys.argv[2], read_only=True).active
cells = list(sheet.iter_rows(values_only=True))
assert [list(r[:2]) for r in cells[1:]] == [r[:2] for r in rows[1:]], "xlsx differs from csv"
print("xlsx", len(cells) - 1)
"#;
    let in_ci = if std::env::var_os("CI").is_some() {
        "ci"
    } else {
        ""
    };
    let python = Command::new("python3")
        .args([
            "-c",
            script,
            csv.to_str().unwrap(),
            xlsx.to_str().unwrap(),
            in_ci,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("python3 runs");
    let printed = String::from_utf8_lossy(&python.stdout);
    assert!(
        python.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let first_title = csv_cells(rows[1])[1].clone();
    assert!(
        printed.starts_with(&format!("{total} count:人民政府 {first_title}")),
        "{printed}"
    );
    if !in_ci.is_empty() {
        assert!(printed.contains(&format!("xlsx {total}")), "{printed}");
    }
}

#[test]
fn concordance_export_writes_every_line_in_the_concordance_order() {
    let engine = sample_engine();
    let index = engine.dir().to_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut request = ConcordanceRequest::new("太湖");
    request.limit = 1000;
    request.sort = KwicSort::Left;
    let expected = concordance(engine, &request).unwrap();
    assert!(expected.total > 100, "{}", expected.total);
    // `kwic --sort left --export FORMAT --output FILE 太湖`, which succeeds.
    let export = |format: &str, file: &std::path::Path| {
        let output = policy_search(
            &[
                "kwic",
                "--index",
                &index,
                "--sort",
                "left",
                "--export",
                format,
                "--output",
                file.to_str().unwrap(),
                "太湖",
            ],
            dir.path(),
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let csv = dir.path().join("kwic.csv");
    export("csv", &csv);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<String>> = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel")
        .split_terminator("\r\n")
        .map(csv_cells)
        .collect();
    assert_eq!(
        rows[0],
        ["left", "match", "right", "id", "title", "date", "article", "field"]
    );
    assert_eq!(rows.len(), expected.total + 1);
    for (row, line) in rows[1..].iter().zip(&expected.lines) {
        let date = line.date.clone().unwrap_or_default();
        let article = line.article.clone().unwrap_or_default();
        assert_eq!(
            row,
            &[
                &line.left,
                &line.matched,
                &line.right,
                &line.id,
                &line.title,
                &date,
                &article,
                line.field
            ]
        );
    }

    // An XLSX workbook holds the same lines, as Python reads them where openpyxl is installed.
    let xlsx = dir.path().join("kwic.xlsx");
    export("xlsx", &xlsx);
    let script = r#"
import csv, sys
try:
    import openpyxl
except ImportError:
    sys.exit(0 if not sys.argv[3] else 5)
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
sheet = openpyxl.load_workbook(sys.argv[2], read_only=True).active
cells = [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)]
assert cells == rows, "xlsx differs from csv"
print("xlsx", len(cells) - 1)
"#;
    let in_ci = if std::env::var_os("CI").is_some() {
        "ci"
    } else {
        ""
    };
    let python = Command::new("python3")
        .args([
            "-c",
            script,
            csv.to_str().unwrap(),
            xlsx.to_str().unwrap(),
            in_ci,
        ])
        .output()
        .expect("python3 runs");
    let printed = String::from_utf8_lossy(&python.stdout);
    assert!(
        python.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&python.stderr)
    );
    if !in_ci.is_empty() {
        assert!(
            printed.contains(&format!("xlsx {}", expected.total)),
            "{printed}"
        );
    }
}

#[test]
fn trends_equal_a_brute_force_count_over_every_document() {
    use policy_search::document::{MetaField, Value};
    use policy_search::workbench::{trends, Measure, TrendBy, TrendsRequest};
    use std::collections::BTreeMap;

    let engine = sample_engine();
    let terms = ["人民政府", "太湖", "发展"];
    for by in [TrendBy::Year, TrendBy::Region, TrendBy::Category] {
        // Brute force: every stored document, its bucket, its length and each term's count.
        let mut documents: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut occurrences: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut chars: BTreeMap<String, usize> = BTreeMap::new();
        engine
            .for_each_document(|document| {
                let field = match by {
                    TrendBy::Year => MetaField::Date,
                    TrendBy::Region => MetaField::Region,
                    TrendBy::Category => MetaField::Category,
                };
                let bucket = match document.metadata.get(field) {
                    Some(Value::Date(date)) => date.year().to_string(),
                    Some(Value::Text(text)) => text.to_string(),
                    None => return Ok(()),
                };
                *chars.entry(bucket.clone()).or_default() +=
                    document.title.chars().count() + document.body.chars().count();
                let docs = documents
                    .entry(bucket.clone())
                    .or_insert(vec![0; terms.len()]);
                let occ = occurrences.entry(bucket).or_insert(vec![0; terms.len()]);
                for (index, term) in terms.iter().enumerate() {
                    let count: usize = count_in(&document, term);
                    docs[index] += usize::from(count > 0);
                    occ[index] += count;
                }
                Ok(())
            })
            .unwrap();
        for measure in [
            Measure::Documents,
            Measure::Occurrences,
            Measure::Per10kChars,
        ] {
            let request = TrendsRequest {
                terms: terms.iter().map(|t| t.to_string()).collect(),
                by,
                measure,
                filters: Default::default(),
            };
            let answer = trends(engine, &request).unwrap();
            assert_eq!(answer.series.len(), terms.len());
            for (index, series) in answer.series.iter().enumerate() {
                let buckets: Vec<&str> = series.points.iter().map(|p| p.bucket.as_str()).collect();
                if by != TrendBy::Year {
                    let mut sorted = buckets.clone();
                    sorted.sort_unstable();
                    let expected: Vec<&str> = chars.keys().map(String::as_str).collect();
                    assert_eq!(sorted, expected, "{by:?}: a point for every bucket");
                } else {
                    assert!(chars.keys().all(|year| buckets.contains(&year.as_str())));
                }
                for point in &series.points {
                    let expected = match measure {
                        Measure::Documents => {
                            documents.get(&point.bucket).map_or(0, |c| c[index]) as f64
                        }
                        Measure::Occurrences => {
                            occurrences.get(&point.bucket).map_or(0, |c| c[index]) as f64
                        }
                        Measure::Per10kChars => match chars.get(&point.bucket) {
                            Some(&n) => {
                                occurrences[&point.bucket][index] as f64 * 10_000.0 / n as f64
                            }
                            None => 0.0,
                        },
                    };
                    assert!(
                        (point.value - expected).abs() < 1e-9,
                        "{by:?} {measure:?} {} {}: {} vs {expected}",
                        series.term,
                        point.bucket,
                        point.value
                    );
                }
            }
        }
    }
}

#[test]
fn collocates_are_counted_in_the_sentences_that_hold_the_term() {
    use policy_search::analysis::structure::sentences;
    use policy_search::workbench::collocates;

    let engine = sample_engine();
    let found = collocates(engine, &policy_search::SearchRequest::new("太湖"), 10, 3).unwrap();
    assert!(!found.collocates.is_empty());
    assert!(found
        .collocates
        .windows(2)
        .all(|pair| pair[0].ll >= pair[1].ll));
    // Brute force: the words of every sentence holding 太湖, in every stored text.
    let mut counts: std::collections::HashMap<String, u64> = Default::default();
    let mut holding = 0;
    engine
        .for_each_document(|document| {
            for text in [&document.title, &document.body] {
                for sentence in sentences(text) {
                    let normalized = Normalized::new(&text[sentence]);
                    if !normalized.text.contains("太湖") {
                        continue;
                    }
                    holding += 1;
                    for (word, _) in normalized.words() {
                        if !"太湖".contains(word) && !word.contains("太湖") {
                            *counts.entry(word.to_string()).or_default() += 1;
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(found.sentences, holding);
    for collocate in &found.collocates {
        assert_eq!(
            collocate.count, counts[&collocate.word],
            "{}",
            collocate.word
        );
        assert!(collocate.corpus_count >= collocate.count && collocate.count >= 3);
        assert!(collocate.mi > 0.0, "only words seen more often than chance");
    }
    assert!(found.collocates.iter().all(|c| !c.word.contains("太湖")));
}
