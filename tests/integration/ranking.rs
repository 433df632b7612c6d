//! Ranking on real text: documents about a term before passing mentions, documents lacking a
//! term after those with all (and only when asked), synonyms, and explanations.

use policy_search::search::{MatchMode, Synonyms};
use policy_search::{Engine, SearchRequest};

use crate::common::*;

fn titles(engine: &Engine, q: &str, limit: usize) -> Vec<String> {
    let mut request = SearchRequest::new(q);
    request.limit = limit;
    let response = engine.search(&request).unwrap();
    response.hits.into_iter().map(|hit| hit.title).collect()
}

#[test]
fn the_document_about_a_term_outranks_its_passing_mentions() {
    // 太湖流域管理条例 is about 太湖; the others mention it (环太湖 in a speech, once in a plan).
    let engine = sample_engine();
    assert_eq!(titles(engine, "太湖", 10)[0], "太湖流域管理条例");
    // Documents with the term itself lead documents that only have its words apart.
    let exact = quoted_ids(engine, "科技创新");
    let mut request = SearchRequest::new("科技创新");
    request.limit = 5;
    for hit in engine.search(&request).unwrap().hits {
        assert!(exact.contains(&hit.id), "{} lacks 科技创新", hit.title);
    }
}

#[test]
fn documents_lacking_a_term_follow_only_when_few_have_them_all() {
    let engine = sample_engine();
    let mut request = SearchRequest::new("电子政务 太湖");
    let response = engine.search(&request).unwrap();
    assert_eq!(response.total, 0, "no sample document has both");
    assert_eq!(response.partial, response.hits.len());
    assert_eq!(response.hits[0].title, "太湖流域管理条例");
    for hit in &response.hits {
        assert_eq!(hit.missing, ["电子政务"], "{}", hit.title);
    }
    // Strict on request: the parameter, an explicit AND, a `+`.
    request.match_mode = MatchMode::All;
    assert!(engine.search(&request).unwrap().hits.is_empty());
    for strict in ["电子政务 AND 太湖", "+电子政务 太湖", "电子政务 +太湖"] {
        let response = engine.search(&SearchRequest::new(strict)).unwrap();
        assert!(response.hits.is_empty(), "{strict}");
        assert_eq!(response.partial, 0, "{strict}");
    }
    // A full page of full matches lists no partial ones; every listed hit has every term.
    let response = engine.search(&SearchRequest::new("科技 创新")).unwrap();
    assert!(response.total >= 10);
    assert_eq!(response.partial, 0);
    assert!(response.hits.iter().all(|hit| hit.missing.is_empty()));
}

#[test]
fn partial_matches_page_after_every_full_match() {
    // 营商环境 is in many sample documents, 一网通办 in fewer: page past the full matches.
    let engine = sample_engine();
    let full = engine
        .search(&SearchRequest::new("营商环境 一网通办"))
        .unwrap()
        .total;
    let mut request = SearchRequest::new("营商环境 一网通办");
    request.limit = 100;
    // Each version its own hit, so the full matches are `total` hits.
    request.collapse = false;
    let response = engine.search(&request).unwrap();
    assert_eq!(response.total, full);
    assert!(response.partial > 0);
    let first_partial = response
        .hits
        .iter()
        .position(|hit| !hit.missing.is_empty())
        .unwrap();
    assert_eq!(first_partial, full, "every full match comes first");
    assert!(response.hits[first_partial..]
        .iter()
        .all(|hit| hit.missing == ["一网通办"] || hit.missing == ["营商环境"]));
}

#[test]
fn synonyms_find_documents_in_other_words() {
    let engine = sample_engine();
    // The shipped thesaurus: 低保 = 最低生活保障, 外资 = 外商投资.
    for (short, full) in [("低保", "最低生活保障"), ("外资", "外商投资")] {
        let found: std::collections::BTreeSet<String> =
            engine.matching_ids(short).unwrap().into_iter().collect();
        let wanted = quoted_ids(engine, full);
        assert!(!wanted.is_empty());
        assert!(found.is_superset(&wanted), "{short} misses {full}");
        // A quoted phrase is never expanded: it finds only the documents that write it.
        let literal = quoted_ids(engine, short);
        assert!(literal.len() < found.len(), "\"{short}\" was expanded");
        assert!(found.is_superset(&literal));
    }
}

#[test]
fn a_users_synonyms_file_expands_queries() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synonyms.txt");
    std::fs::write(&file, "# 太湖的古称\n震泽 = 太湖\n").unwrap();
    let (_index, engine) = build_sample_copy();
    assert!(engine.matching_ids("震泽").unwrap().is_empty());
    let engine = engine.with_synonyms(Synonyms::from_file(&file).unwrap());
    assert_eq!(titles(&engine, "震泽", 1), ["太湖流域管理条例"]);
    // A bad line is named with its file and number.
    std::fs::write(&file, "震泽 太湖\n").unwrap();
    let error = Synonyms::from_file(&file).err().unwrap().to_string();
    assert!(error.contains("synonyms.txt:1"), "{error}");
}

#[test]
fn explain_breaks_the_score_into_its_parts() {
    let engine = sample_engine();
    let mut request = SearchRequest::new("太湖 流域");
    request.explain = true;
    let hit = engine.search(&request).unwrap().hits.remove(0);
    let explanation = hit.explanation.expect("asked for");
    assert!((explanation.value - hit.score).abs() < 1e-3 * hit.score.max(1.0));
    let text = format!("{explanation:?}");
    for part in ["太湖", "流域", "occurrences in the title", "idf"] {
        assert!(text.contains(part), "no {part} in {text}");
    }
}

#[test]
fn short_forms_the_texts_define_expand_queries_while_a_text_defines_them() {
    use std::collections::BTreeSet;
    let corpus = tempfile::tempdir().unwrap();
    let zhejiang = corpus.path().join("浙江");
    copy_folder(&sample_corpus().join("地方性法规/浙江"), &zhejiang);
    copy_folder(
        &sample_corpus().join("行政法"),
        &corpus.path().join("行政法"),
    );
    let roots = [corpus.path().to_path_buf()];
    let index = tempfile::tempdir().unwrap();
    let _fresh = index_both_ways(&roots, index.path());
    let engine = Engine::open(index.path()).unwrap();
    // 杭州市科学技术进步条例 writes `科学技术协会（以下简称科协）`: 科协 also finds the texts
    // that write only the full form (科学技术进步法, 舟山).
    let found: BTreeSet<String> = engine.matching_ids("科协").unwrap().into_iter().collect();
    let full = quoted_ids(&engine, "科学技术协会");
    let literal = quoted_ids(&engine, "科协");
    assert!(!full.is_subset(&literal), "{full:?} {literal:?}");
    assert_eq!(found, &full | &literal);
    let analysis = engine.analyze("科协").unwrap();
    assert!(
        analysis.terms[0]
            .forms
            .iter()
            .any(|form| form.text == "科学技术协会" && form.kind == "defined"),
        "{analysis:?}"
    );
    drop(engine);
    // Once no indexed text defines it, 科协 is only itself, after an incremental reindex as
    // after a full one.
    std::fs::remove_file(zhejiang.join("杭州市科学技术进步条例(2011-12-07).md")).unwrap();
    let fresh = index_both_ways(&roots, index.path());
    for dir in [index.path(), fresh.path()] {
        let engine = Engine::open(dir).unwrap();
        let found: BTreeSet<String> = engine.matching_ids("科协").unwrap().into_iter().collect();
        assert_eq!(found, quoted_ids(&engine, "科协"), "{}", dir.display());
        assert!(!found.is_empty());
    }
}
