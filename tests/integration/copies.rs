//! Exact copies: one text filed twice (the large corpus files 职业病防治法 under both 社会法 and
//! 经济法) is one hit that names the other, whatever the layout of either; a text differing by
//! one character is not a copy; a filter that only one copy passes lists that one alone; and an
//! incremental `index` folds exactly as a full rebuild does.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::Path;

use crate::common::*;
use policy_search::{Engine, SearchRequest};

const LAW: &str = "中华人民共和国广告法(2021-04-29).md";
const FILED: &str = "经济法/中华人民共和国广告法(2021-04-29).md";
const FILED_AGAIN: &str = "行政法/中华人民共和国广告法(2021-04-29).md";
const NEAR_COPY: &str = "民法商法/中华人民共和国广告法(2021-04-29).md";

/// The sample's 广告法 filed under 经济法, again under 行政法 with other line breaks, and under
/// 民法商法 with one character changed.
fn write_corpus(root: &Path) {
    let text = std::fs::read_to_string(sample_file(FILED)).unwrap();
    for (id, text) in [
        (FILED, text.clone()),
        (FILED_AGAIN, text.replace('\n', "\r\n\r\n  ")),
        (NEAR_COPY, text.replacen("第八届", "第九届", 1)),
    ] {
        let path = root.join(id);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Each hit's id with the copies folded into it (the copy shown is the one with the smallest
/// id, whichever was indexed first).
fn folded(response: &policy_search::SearchResponse) -> BTreeMap<String, Vec<String>> {
    response
        .hits
        .iter()
        .map(|hit| (hit.id.clone(), hit.copies.clone()))
        .collect()
}

#[test]
fn one_text_filed_twice_is_one_hit_naming_the_other() {
    let corpus = tempfile::tempdir().unwrap();
    write_corpus(corpus.path());
    let index = tempfile::tempdir().unwrap();
    policy_search::index::build_index(&[corpus.path().to_path_buf()], index.path(), |p| {
        panic!("{p}")
    })
    .unwrap();
    let engine = Engine::open(index.path()).unwrap();

    let collapsed = full_matches(&engine, "广告 发布", true);
    assert_eq!(collapsed.total, 3, "total counts documents");
    assert_eq!(
        folded(&collapsed),
        BTreeMap::from([
            (FILED.to_string(), vec![FILED_AGAIN.to_string()]),
            (NEAR_COPY.to_string(), vec![]),
        ])
    );
    let listed: BTreeSet<&str> = collapsed.hits.iter().flat_map(|h| h.documents()).collect();
    assert_eq!(listed, BTreeSet::from([FILED, FILED_AGAIN, NEAR_COPY]));

    // The phrase the near copy changed: the two copies, folded.
    let phrase = full_matches(&engine, "\"第八届全国人民代表大会\"", true);
    assert_eq!(
        folded(&phrase),
        BTreeMap::from([(FILED.to_string(), vec![FILED_AGAIN.to_string()])])
    );

    // Not collapsed, each document is a hit of its own.
    let every = full_matches(&engine, "广告 发布", false);
    assert_eq!(every.hits.len(), 3);
    assert!(every.hits.iter().all(|hit| hit.copies.is_empty()));

    // A filter only one copy passes: that copy alone, naming no copy that does not match.
    let filtered = full_matches(&engine, "广告 category:行政法", true);
    assert_eq!(
        folded(&filtered),
        BTreeMap::from([(FILED_AGAIN.to_string(), vec![])])
    );
}

#[test]
fn an_incremental_index_folds_copies_as_a_full_rebuild_does() {
    let corpus = tempfile::tempdir().unwrap();
    write_corpus(corpus.path());
    let index = tempfile::tempdir().unwrap();
    let roots = [corpus.path().to_path_buf()];
    let check = || {
        let fresh = index_both_ways(&roots, index.path());
        let incremental = folded(&full_matches(
            &Engine::open(index.path()).unwrap(),
            "广告",
            true,
        ));
        let full = folded(&full_matches(
            &Engine::open(fresh.path()).unwrap(),
            "广告",
            true,
        ));
        assert_eq!(incremental, full);
        incremental
    };
    assert_eq!(check()[FILED], [FILED_AGAIN]);

    // One copy gone: the other stands alone.
    let again = corpus.path().join(FILED_AGAIN);
    let text = std::fs::read(&again).unwrap();
    std::fs::remove_file(&again).unwrap();
    let alone = check();
    assert_eq!(alone.len(), 2, "{alone:?}");
    assert!(alone.values().all(Vec::is_empty), "{alone:?}");

    // The near copy made a copy: folded with the first, shown as the smaller id (民 < 经).
    std::fs::write(corpus.path().join(NEAR_COPY), &text).unwrap();
    assert_eq!(
        check(),
        BTreeMap::from([(NEAR_COPY.to_string(), vec![FILED.to_string()])])
    );

    // The copy back in another folder: all three fold, shown as the smallest id (宪).
    let moved = corpus.path().join("宪法相关法");
    std::fs::create_dir_all(&moved).unwrap();
    std::fs::write(moved.join(LAW), &text).unwrap();
    assert_eq!(
        check(),
        BTreeMap::from([(
            format!("宪法相关法/{LAW}"),
            vec![NEAR_COPY.to_string(), FILED.to_string()]
        )])
    );
}

/// Over the large corpus: every group of documents whose bodies are the same text (whitespace
/// aside, at least 200 characters: found here by reading the corpus file, not through the
/// index) is one hit for a phrase of that text, and each document a hit of its own without
/// collapsing.
#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn copies_in_the_large_corpus_are_one_hit() {
    let file = std::fs::File::open(shared("corpus/large/policies.jsonl.gz")).unwrap();
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file)).lines() {
        let record: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let text: String = record["body"]
            .as_str()
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if text.chars().count() >= 200 {
            let id = record["id"].as_str().unwrap().to_string();
            groups.entry(text).or_default().insert(id);
        }
    }
    groups.retain(|_, ids| ids.len() > 1);
    assert!(groups.len() >= 5, "{groups:?}");
    let engine = large_engine();
    for (text, ids) in &groups {
        // Twelve characters from the text's middle, searched as a phrase.
        let middle = text.chars().count() / 2;
        let phrase: String = text.chars().skip(middle).take(12).collect();
        let q = format!("\"{phrase}\"");
        let mut request = SearchRequest::new(&q);
        request.limit = 1000;
        let response = engine.search(&request).unwrap();
        let holding: Vec<_> = response
            .hits
            .iter()
            .filter(|hit| hit.documents().any(|id| ids.contains(id)))
            .collect();
        assert_eq!(holding.len(), 1, "{q}: {ids:?} in {} hits", holding.len());
        let folded: BTreeSet<String> = holding[0].documents().map(str::to_string).collect();
        assert!(
            folded.is_superset(ids),
            "{q}: {folded:?} lacks some of {ids:?}"
        );
        request.collapse = false;
        let every = engine.search(&request).unwrap();
        let separate = every
            .hits
            .iter()
            .filter(|hit| ids.contains(&hit.id))
            .count();
        assert_eq!(separate, ids.len(), "{q}: not collapsed");
    }
}
