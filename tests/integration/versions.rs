//! The document graph on real revisions: the sample's two versions of 北京市优化营商环境条例
//! (2020, 2024) and of 上海市科学技术进步条例 (2010, 2024), and the large corpus's
//! 北京市机动车停车条例 (2021, 2024): version chains, collapsing, 时效性, 效力级别 and
//! 新旧对照, and chains kept right by an incremental `index`.

use std::collections::BTreeSet;

use crate::common::*;
use policy_search::analysis::compare::Change;
use policy_search::search::versions::Validity;
use policy_search::{Engine, SearchRequest};

const BEIJING_2020: &str = "地方性法规/北京/北京市优化营商环境条例(2020-03-27).md";
const BEIJING_2024: &str = "地方性法规/北京/北京市优化营商环境条例(2024-11-29).md";
const SHANGHAI_2010: &str = "地方性法规/上海/上海市科学技术进步条例(2010-09-17).md";
const SHANGHAI_2024: &str = "地方性法规/上海/上海市科学技术进步条例(2024-05-10).md";

#[test]
fn a_chain_of_versions_is_one_hit_its_newest_matching_version() {
    let engine = sample_engine();
    let collapsed = full_matches(engine, "北京市优化营商环境条例", true);
    let hit = collapsed
        .hits
        .iter()
        .find(|hit| hit.title == "北京市优化营商环境条例")
        .unwrap();
    assert_eq!(hit.id, BEIJING_2024);
    assert_eq!(hit.versions, 2);
    assert_eq!(hit.other_versions, [BEIJING_2020]);
    assert_eq!(hit.validity, Validity::InForce);
    assert!(collapsed.hits.iter().all(|h| h.id != BEIJING_2020));

    // Not collapsed, each version is a hit; the older one is 已修改.
    let every = full_matches(engine, "北京市优化营商环境条例", false);
    let old = every.hits.iter().find(|h| h.id == BEIJING_2020).unwrap();
    assert_eq!((old.versions, old.validity), (2, Validity::Amended));
    assert!(old.other_versions.is_empty());
    assert_eq!(
        every.total, collapsed.total,
        "total counts documents either way"
    );

    // A phrase only the older version has finds the older version, shown as itself.
    let only_old = full_matches(
        engine,
        "\"持续深化简政放权、放管结合、优化服务改革\" region:北京",
        true,
    );
    let ids: Vec<&str> = only_old.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, [BEIJING_2020]);
    assert_eq!(only_old.hits[0].validity, Validity::Amended);
    assert!(only_old.hits[0].other_versions.is_empty());
}

#[test]
fn collapsing_never_loses_a_matching_id() {
    let engine = sample_engine();
    for q in ["条例", "科学技术进步", "营商环境 北京", "\"优化营商环境\""] {
        let collapsed = full_matches(engine, q, true);
        let mut listed = BTreeSet::new();
        for hit in &collapsed.hits {
            for id in hit.documents() {
                assert!(listed.insert(id.to_string()), "{q}: {id} twice");
            }
        }
        let matching: BTreeSet<String> = engine.matching_ids(q).unwrap().into_iter().collect();
        assert_eq!(listed, matching, "{q}");
        assert_eq!(collapsed.total, matching.len(), "{q}");
    }
}

#[test]
fn a_page_of_collapsed_hits_follows_the_one_before() {
    let engine = sample_engine();
    let mut request = SearchRequest::new("条例");
    request.limit = 42;
    let one_page: Vec<String> = engine
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.id)
        .collect();
    request.limit = 7;
    let mut paged = Vec::new();
    for page in 0..6 {
        request.offset = page * 7;
        paged.extend(
            engine
                .search(&request)
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.id),
        );
    }
    assert_eq!(paged, one_page);
}

#[test]
fn the_document_view_lists_the_chain_oldest_first_with_each_status() {
    let view = sample_engine()
        .document_view(SHANGHAI_2010, None, 0)
        .unwrap();
    assert_eq!(view.validity, Validity::Amended);
    let chain: Vec<(&str, Option<&str>, Validity)> = view
        .versions
        .iter()
        .map(|v| (v.id.as_str(), v.date.as_deref(), v.status))
        .collect();
    assert_eq!(
        chain,
        [
            (SHANGHAI_2010, Some("2010-09-17"), Validity::Amended),
            (SHANGHAI_2024, Some("2024-05-10"), Validity::InForce),
        ]
    );
    // A document without other versions lists none.
    let alone = sample_engine()
        .document_view("行政法规/太湖流域管理条例(2011-09-07).md", None, 0)
        .unwrap();
    assert!(alone.versions.is_empty());
    assert_eq!(alone.validity, Validity::InForce);
}

#[test]
fn levels_follow_category_and_issuer_and_filter_a_search() {
    let engine = sample_engine();
    let level = |id: &str| engine.document(id).unwrap().metadata.level;
    for (id, expected) in [
        ("行政法规/太湖流域管理条例(2011-09-07).md", "行政法规"),
        (BEIJING_2024, "地方性法规"),
        (
            "司法解释/最高人民法院关于国家赔偿案件立案工作的规定(2012-01-13).md",
            "司法解释",
        ),
    ] {
        assert_eq!(level(id).as_deref(), Some(expected), "{id}");
    }
    let mut request = SearchRequest::new("level:行政法规 条例");
    request.limit = 100;
    request.facets = true;
    let response = engine.search(&request).unwrap();
    assert!(response.total > 0);
    for hit in &response.hits {
        assert_eq!(
            hit.metadata.level.as_deref(),
            Some("行政法规"),
            "{}",
            hit.id
        );
    }
    let everything = engine.search(&SearchRequest::new("条例")).unwrap();
    assert!(response.total < everything.total);
}

/// The pairs of a comparison as (change, old label, new label).
fn alignment(
    engine: &Engine,
    old: &str,
    new: &str,
) -> Vec<(Change, Option<String>, Option<String>)> {
    engine
        .compare(old, new)
        .unwrap()
        .aligned
        .into_iter()
        .map(|a| {
            (
                a.change,
                a.old.and_then(|s| s.label),
                a.new.and_then(|s| s.label),
            )
        })
        .collect()
}

/// The pairs that changed, labelled old → new (`-` for none).
fn changed(alignment: &[(Change, Option<String>, Option<String>)]) -> Vec<String> {
    alignment
        .iter()
        .filter(|(change, ..)| *change != Change::Unchanged)
        .map(|(change, old, new)| {
            format!(
                "{} {}→{}",
                change.name(),
                old.as_deref().unwrap_or("-"),
                new.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn a_rewritten_regulation_pairs_its_articles_by_content_across_renumbering() {
    let engine = sample_engine();
    // Given newest first, compared oldest first.
    let comparison = engine.compare(SHANGHAI_2024, SHANGHAI_2010).unwrap();
    assert_eq!(comparison.old.id, SHANGHAI_2010);
    let aligned = alignment(engine, SHANGHAI_2010, SHANGHAI_2024);
    let changes = changed(&aligned);
    // Checked by hand against the two texts: the 2024 revision rewrote the regulation; these
    // articles kept their subject under new numbers.
    for pair in [
        "修改 第一条→第一条",
        "修改 第五条→第四条",         // 市人民政府领导全市科学技术进步工作
        "修改 第十一条→第六条",       // 本市设立科学技术奖
        "修改 第三章→第五章",         // 科学技术研究开发机构（与科学技术人员）
        "修改 第四十九条→第四十七条", // 施行日期
    ] {
        assert!(
            changes.contains(&pair.to_string()),
            "{pair} not in {changes:#?}"
        );
    }
    // Short headings that merely share words are not paired.
    assert!(
        !changes.iter().any(|c| c.starts_with("修改 第五章→")),
        "{changes:#?}"
    );
    // Every article of both texts appears once.
    let articles = |labels: Vec<&Option<String>>| {
        labels
            .into_iter()
            .flatten()
            .filter(|l| l.ends_with('条'))
            .count()
    };
    let count = |id: &str| {
        policy_search::analysis::structure::articles(&engine.document(id).unwrap().body).len()
    };
    assert_eq!(
        articles(aligned.iter().map(|a| &a.1).collect()),
        count(SHANGHAI_2010)
    );
    assert_eq!(
        articles(aligned.iter().map(|a| &a.2).collect()),
        count(SHANGHAI_2024)
    );
}

#[test]
fn an_amended_regulation_shows_its_changed_articles_and_characters() {
    let engine = sample_engine();
    let comparison = engine.compare(BEIJING_2020, BEIJING_2024).unwrap();
    let second = comparison
        .aligned
        .iter()
        .find(|a| a.new.as_ref().and_then(|s| s.label.as_deref()) == Some("第二条"))
        .unwrap();
    assert_eq!(second.change, Change::Changed);
    assert_eq!(
        second.old.as_ref().unwrap().label.as_deref(),
        Some("第二条")
    );
    let new = second.new.as_ref().unwrap();
    let added: Vec<&str> = new.changed.iter().map(|r| &new.text[r.clone()]).collect();
    assert!(added.contains(&"以政府职能转变为核心"), "{added:?}");
    assert!(added.contains(&"经营"), "{added:?}");
    let old = second.old.as_ref().unwrap();
    let removed: Vec<&str> = old.changed.iter().map(|r| &old.text[r.clone()]).collect();
    assert!(
        removed.contains(&"持续深化简政放权、放管结合、优化服务改革"),
        "{removed:?}"
    );
    // The unchanged articles are most of the text; every pair marked 未变 has equal words.
    let unchanged = comparison
        .aligned
        .iter()
        .filter(|a| a.change == Change::Unchanged)
        .count();
    assert!(unchanged >= 20, "{unchanged}");
    for pair in comparison
        .aligned
        .iter()
        .filter(|a| a.change == Change::Unchanged)
    {
        let words = |s: &Option<policy_search::analysis::compare::Side>| {
            s.as_ref()
                .unwrap()
                .text
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        };
        assert_eq!(words(&pair.old), words(&pair.new));
    }
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn an_amendment_in_the_large_corpus_changes_exactly_three_articles() {
    let engine = large_engine();
    let aligned = alignment(
        engine,
        "laws/DLC/北京地方法规/地方性法规/北京/北京市机动车停车条例(2021-09-24)",
        "laws/DLC/北京地方法规/地方性法规/北京/北京市机动车停车条例(2024-03-29)",
    );
    // Checked by hand: the 2024 decision added 元 to 第二十三条's fine, let owners decide
    // parking fees together (第二十九条) and named the 治安管理处罚法 in 第三十九条; the
    // preamble gained the 2024 line.
    assert_eq!(
        changed(&aligned),
        [
            "修改 -→-",
            "新增 -→-",
            "修改 第二十三条→第二十三条",
            "修改 第二十九条→第二十九条",
            "修改 第三十九条→第三十九条",
        ]
    );
}

/// The versions of every hit of `q`, collapsed: (id, versions, other versions, status).
fn chains(engine: &Engine, q: &str) -> Vec<(String, usize, Vec<String>, Validity)> {
    full_matches(engine, q, true)
        .hits
        .into_iter()
        .map(|h| (h.id, h.versions, h.other_versions, h.validity))
        .collect()
}

#[test]
fn an_incremental_index_keeps_chains_as_a_full_rebuild_has_them() {
    let corpus = tempfile::tempdir().unwrap();
    let beijing = corpus.path().join("地方性法规/北京");
    copy_folder(&sample_corpus().join("地方性法规/北京"), &beijing);
    let index = tempfile::tempdir().unwrap();
    let roots = [corpus.path().to_path_buf()];
    let q = "北京市优化营商环境条例";
    let check = |expected_versions: usize| {
        let fresh = index_both_ways(&roots, index.path());
        let incremental = chains(&Engine::open(index.path()).unwrap(), q);
        assert_eq!(incremental, chains(&Engine::open(fresh.path()).unwrap(), q));
        let hit = incremental
            .iter()
            .find(|(id, ..)| id.contains("北京市优化营商环境条例"))
            .unwrap();
        assert_eq!(hit.1, expected_versions, "{incremental:?}");
        incremental
    };
    check(2);
    // The newer version removed: the older one stands alone and is in force again.
    let newer = beijing.join("北京市优化营商环境条例(2024-11-29).md");
    let text = std::fs::read(&newer).unwrap();
    std::fs::remove_file(&newer).unwrap();
    let alone = check(1);
    assert!(alone
        .iter()
        .any(|(id, _, _, status)| id.ends_with("(2020-03-27).md") && *status == Validity::InForce));
    // Back in another folder: a chain again, shown as the newer version.
    let moved = beijing.join("2024");
    std::fs::create_dir_all(&moved).unwrap();
    std::fs::write(moved.join("北京市优化营商环境条例(2024-11-29).md"), &text).unwrap();
    let again = check(2);
    assert!(
        again
            .iter()
            .any(|(id, _, others, _)| id.contains("/2024/") && others.len() == 1),
        "{again:?}"
    );
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn version_chains_of_the_large_corpus_are_the_hand_checked_ones() {
    let fixture = std::fs::read_to_string(data("eval/version-chains-large.tsv")).unwrap();
    let checked: std::collections::BTreeMap<&str, bool> = fixture
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .map(|(verdict, chain)| (chain, verdict == "1"))
        .collect();
    let found: Vec<String> = large_engine()
        .version_chains()
        .unwrap()
        .iter()
        .map(|chain| {
            chain
                .iter()
                .map(|(id, date)| format!("{} {id}", date.as_deref().unwrap_or("-")))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    let unchecked: Vec<&String> = found
        .iter()
        .filter(|chain| !checked.contains_key(chain.as_str()))
        .collect();
    assert!(
        unchecked.is_empty(),
        "chains nobody checked: {unchecked:#?}"
    );
    let right = found.iter().filter(|chain| checked[chain.as_str()]).count();
    let precision = right as f64 / found.len() as f64;
    eprintln!(
        "{} version chains ({} documents), precision {precision:.3}",
        found.len(),
        found.iter().map(|c| c.split('\t').count()).sum::<usize>()
    );
    assert!(found.len() >= 50);
    assert!(precision >= 0.95, "precision {precision}");
}
