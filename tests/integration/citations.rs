//! Citations (引用 / 被引用), repeals and 时效性 derived from the texts: on the sample corpus's
//! real citations, on a real repeal (上海市促进长三角生态绿色一体化发展示范区高质量发展条例 第六十六条
//! repeals the 2020 decision kept in `tests/data/graph`), under incremental reindexing, and
//! against the hand-checked fixtures of the large corpus.

use std::collections::BTreeMap;

use crate::common::*;
use policy_search::search::versions::Validity;
use policy_search::{Engine, SearchRequest};

const HANGZHOU: &str = "地方性法规/浙江/杭州市科学技术进步条例(2011-12-07).md";
const ZHEJIANG: &str = "地方性法规/浙江/浙江省科学技术进步条例(2011-05-25).md";
const ZHOUSHAN: &str = "地方性法规/浙江/舟山市科技创新促进条例(2019-12-13).md";
const NATIONAL_LAW: &str = "行政法/中华人民共和国科学技术进步法(2021-12-24).md";
const DEMONSTRATION_ZONE: &str =
    "地方性法规/上海/上海市促进长三角生态绿色一体化发展示范区高质量发展条例(2024-09-27).md";
const DECISION: &str = "地方性法规/上海/上海市人民代表大会常务委员会关于促进和保障长三角生态绿色一体化发展示范区建设若干问题的决定(2020-09-25).md";

fn ids(engine: &Engine, q: &str) -> Vec<String> {
    let mut request = SearchRequest::new(q);
    request.limit = 100;
    request.collapse = false;
    let mut ids: Vec<String> = engine
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_document_lists_what_it_cites_with_the_articles_and_who_cites_it() {
    let engine = sample_engine();
    let hangzhou = engine.citations(HANGZHOU).unwrap();
    let cited: Vec<(&str, usize, Vec<&str>)> = hangzhou
        .cites
        .iter()
        .map(|link| {
            (
                link.id.as_str(),
                link.count,
                link.at.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    // 第一条 and 第三十七条 of the Hangzhou regulation name the national law and the province's.
    assert_eq!(
        cited,
        [
            (NATIONAL_LAW, 2, vec!["第一条", "第三十七条"]),
            (ZHEJIANG, 2, vec!["第一条", "第三十七条"]),
        ]
    );
    let zhejiang = engine.citations(ZHEJIANG).unwrap();
    let citing: Vec<&str> = zhejiang.cited_by.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(citing, [HANGZHOU, ZHOUSHAN]);
    assert_eq!(zhejiang.cited_by[0].count, 2);
    // The national law is cited by every regulation implementing it, and cites nothing indexed.
    let national = engine.citations(NATIONAL_LAW).unwrap();
    assert!(national.cited_by.len() >= 7, "{:?}", national.cited_by);
    assert!(national.cited_by.iter().any(|l| l.id == ZHEJIANG));
}

#[test]
fn what_is_cited_but_not_indexed_is_listed_apart() {
    let found = sample_engine().citations(DEMONSTRATION_ZONE).unwrap();
    let texts: Vec<&str> = found.not_indexed.iter().map(|u| u.text.as_str()).collect();
    assert!(
        texts.contains(
            &"《上海市人民代表大会常务委员会关于促进和保障长三角生态绿色一体化发展示范区建设若干问题的决定》"
        ),
        "{texts:?}"
    );
    assert!(found.cites.iter().all(|link| !link.id.is_empty()));
}

#[test]
fn cites_and_cited_by_filter_a_search() {
    let engine = sample_engine();
    assert_eq!(
        ids(engine, &format!("cited_by:\"{ZHEJIANG}\"")),
        [HANGZHOU, ZHOUSHAN]
    );
    assert_eq!(
        ids(engine, &format!("cites:\"{HANGZHOU}\"")),
        [ZHEJIANG, NATIONAL_LAW]
    );
    // As a request filter, with a query.
    let mut request = SearchRequest::new("科学技术");
    request.collapse = false;
    request.filters.set(
        policy_search::document::Filter::Graph(policy_search::document::GraphFilter::CitedBy),
        ZHEJIANG,
    );
    let hits: Vec<String> = engine
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert!(hits.contains(&HANGZHOU.to_string()), "{hits:?}");
    assert!(!hits.contains(&NATIONAL_LAW.to_string()), "{hits:?}");
}

#[test]
fn a_repealed_document_is_已废止_and_says_by_which_article() {
    let engine = graph_engine();
    let view = engine.document_view(DECISION, None, 0).unwrap();
    assert_eq!(view.validity, Validity::Repealed);
    assert_eq!(view.repealed_by.len(), 1, "{:?}", view.repealed_by);
    let repeal = &view.repealed_by[0];
    assert_eq!(repeal.id, DEMONSTRATION_ZONE);
    assert_eq!(repeal.at.as_deref(), Some("第六十六条"));
    // The repealing regulation is in force, and the status filter and facet see both.
    let newer = engine.document_view(DEMONSTRATION_ZONE, None, 0).unwrap();
    assert_eq!(newer.validity, Validity::InForce);
    assert_eq!(ids(engine, "示范区 status:已废止"), [DECISION]);
    let in_force = ids(engine, "示范区 status:现行有效");
    assert!(in_force.contains(&DEMONSTRATION_ZONE.to_string()));
    assert!(!in_force.contains(&DECISION.to_string()));
    let mut request = SearchRequest::new("示范区");
    request.facets = true;
    let facets = engine.search(&request).unwrap().facets.unwrap();
    let status: BTreeMap<&str, u64> = facets["status"]
        .iter()
        .map(|c| (c.value.as_str(), c.count))
        .collect();
    assert_eq!(status.get("已废止"), Some(&1), "{status:?}");
    // A superseded version is 已修改, found by the filter too.
    let amended = ids(engine, "优化营商环境 status:已修改");
    assert!(
        amended.contains(&"地方性法规/北京/北京市优化营商环境条例(2020-03-27).md".to_string()),
        "{amended:?}"
    );
    let refused = engine
        .search(&SearchRequest::new("status:失效"))
        .unwrap_err();
    assert!(refused.to_string().contains("现行有效"), "{refused}");
}

/// Everything the graph says of the index in `dir`: every citation and repeal resolved, and
/// every document's 时效性.
fn graph_of(dir: &std::path::Path) -> (String, String, BTreeMap<String, Validity>) {
    let engine = Engine::open(dir).unwrap();
    let citations = serde_json::to_string(&engine.citation_links().unwrap()).unwrap();
    let repeals = serde_json::to_string(&engine.repeal_links().unwrap()).unwrap();
    let mut validity = BTreeMap::new();
    engine
        .for_each_document(|document| {
            let view = engine.document_view(&document.id, None, 0)?;
            validity.insert(document.id, view.validity);
            Ok(())
        })
        .unwrap();
    (citations, repeals, validity)
}

#[test]
fn an_incremental_index_keeps_links_as_a_full_rebuild_has_them() {
    let corpus = tempfile::tempdir().unwrap();
    let zhejiang = corpus.path().join("地方性法规/浙江");
    let shanghai = corpus.path().join("地方性法规/上海");
    copy_folder(&sample_corpus().join("地方性法规/浙江"), &zhejiang);
    copy_folder(&sample_corpus().join("地方性法规/上海"), &shanghai);
    let index = tempfile::tempdir().unwrap();
    let roots = [corpus.path().to_path_buf()];
    let check = || {
        let fresh = index_both_ways(&roots, index.path());
        assert_eq!(graph_of(index.path()), graph_of(fresh.path()));
        Engine::open(index.path()).unwrap()
    };
    let cited_by = |engine: &Engine, id: &str| -> Vec<String> {
        engine
            .citations(id)
            .unwrap()
            .cited_by
            .into_iter()
            .map(|l| l.id)
            .collect()
    };
    let engine = check();
    assert_eq!(cited_by(&engine, ZHEJIANG), [HANGZHOU, ZHOUSHAN]);
    // The cited end removed: the citations name nothing indexed.
    let cited_path = corpus.path().join(ZHEJIANG);
    let cited_text = std::fs::read_to_string(&cited_path).unwrap();
    std::fs::remove_file(&cited_path).unwrap();
    let engine = check();
    let hangzhou = engine.citations(HANGZHOU).unwrap();
    assert!(hangzhou.cites.is_empty(), "{:?}", hangzhou.cites);
    assert!(hangzhou
        .not_indexed
        .iter()
        .any(|u| u.text == "《浙江省科学技术进步条例》"));
    // Back under another path: the links follow it.
    let moved = zhejiang
        .join("2011")
        .join("浙江省科学技术进步条例(2011-05-25).md");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::write(&moved, &cited_text).unwrap();
    let engine = check();
    let new_id = "地方性法规/浙江/2011/浙江省科学技术进步条例(2011-05-25).md";
    assert_eq!(cited_by(&engine, new_id), [HANGZHOU, ZHOUSHAN]);
    // The citing end edited to cite it no more.
    let citing = corpus.path().join(HANGZHOU);
    let text = std::fs::read_to_string(&citing).unwrap();
    std::fs::write(
        &citing,
        text.replace("《浙江省科学技术进步条例》", "省条例"),
    )
    .unwrap();
    let engine = check();
    assert_eq!(cited_by(&engine, new_id), [ZHOUSHAN]);
    // A repeal: the repealed text added after the repealing one, then the repealing one removed.
    std::fs::copy(data("graph").join(DECISION), corpus.path().join(DECISION)).unwrap();
    let engine = check();
    assert_eq!(
        engine.document_view(DECISION, None, 0).unwrap().validity,
        Validity::Repealed
    );
    std::fs::remove_file(corpus.path().join(DEMONSTRATION_ZONE)).unwrap();
    let engine = check();
    assert_eq!(
        engine.document_view(DECISION, None, 0).unwrap().validity,
        Validity::InForce
    );
}

/// A fixture of hand-checked links: verdict (1 right, 0 wrong) and the link's columns.
fn fixture(name: &str) -> BTreeMap<String, bool> {
    std::fs::read_to_string(data(name))
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .map(|(verdict, link)| (link.to_string(), verdict == "1"))
        .collect()
}

fn precision(checked: &BTreeMap<String, bool>) -> f64 {
    checked.values().filter(|right| **right).count() as f64 / checked.len() as f64
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn repeals_of_the_large_corpus_are_the_hand_checked_ones() {
    let checked = fixture("eval/repeals-large.tsv");
    let links = large_engine().repeal_links().unwrap();
    let resolved: Vec<String> = links
        .iter()
        .filter(|link| !link.repealed.is_empty())
        .map(|link| link.line())
        .collect();
    let unchecked: Vec<&String> = resolved
        .iter()
        .filter(|link| !checked.contains_key(*link))
        .collect();
    assert!(
        unchecked.is_empty(),
        "repeals nobody checked: {unchecked:#?}"
    );
    eprintln!(
        "{} repeal sentences, {} naming an indexed document, precision {:.3}",
        links.len(),
        resolved.len(),
        precision(&checked)
    );
    assert!(resolved.len() >= 50, "{}", resolved.len());
    assert_eq!(
        resolved.len(),
        checked.len(),
        "a checked repeal is no longer found"
    );
    assert!(precision(&checked) >= 0.9);
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn citations_of_the_large_corpus_match_the_hand_checked_sample() {
    let checked = fixture("eval/citations-large.tsv");
    let links = large_engine().citation_links().unwrap();
    let resolved: std::collections::BTreeSet<String> =
        links.iter().map(|link| link.line()).collect();
    let lost: Vec<&String> = checked
        .keys()
        .filter(|link| !resolved.contains(*link))
        .collect();
    assert!(
        lost.is_empty(),
        "checked citations no longer found: {lost:#?}"
    );
    let citing: std::collections::BTreeSet<&str> = links.iter().map(|l| l.by.as_str()).collect();
    eprintln!(
        "{} citations of indexed documents in {} documents; sample of {}, precision {:.3}",
        links.len(),
        citing.len(),
        checked.len(),
        precision(&checked)
    );
    assert!(checked.len() >= 50);
    assert!(precision(&checked) >= 0.95);
    assert!(links.len() >= 5000, "{}", links.len());
}
