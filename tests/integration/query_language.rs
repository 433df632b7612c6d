//! The query language and result features on the sample corpus: operators, fields, dates,
//! proximity, expansion, facets, sorting, 条-level hits and related documents.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;
use policy_search::document::{Filter, Filters, MetaField};
use policy_search::search::Sort;
use policy_search::server::json::snippet_html;
use policy_search::{Error, SearchRequest};

const TAIHU_REGULATION: &str = "行政法规/太湖流域管理条例(2011-09-07).md";
const SEED: &str = "环太湖科技创新圈.txt";

fn ids(q: &str) -> BTreeSet<String> {
    let mut request = SearchRequest::new(q);
    request.limit = 1000;
    sample_engine()
        .search(&request)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn documents_containing(phrase: &str) -> BTreeSet<String> {
    quoted_ids(sample_engine(), phrase)
}

#[test]
fn or_is_the_union_and_not_the_difference() {
    let taihu = documents_containing("太湖");
    let changjiang = documents_containing("长江");
    assert_eq!(ids(r#""太湖" OR "长江""#), &taihu | &changjiang);
    assert_eq!(ids(r#""太湖" | "长江""#), &taihu | &changjiang);
    assert_eq!(ids(r#""太湖" -"长江""#), &taihu - &changjiang);
    assert_eq!(ids(r#""太湖" NOT "长江""#), &taihu - &changjiang);
    assert_eq!(
        ids(r#"("太湖" OR "长江") "水资源""#),
        &(&taihu | &changjiang) & &documents_containing("水资源")
    );
}

#[test]
fn title_and_body_fields_restrict_where_a_term_occurs() {
    let in_title = ids(r#"title:"营商环境""#);
    assert!(!in_title.is_empty());
    for id in &in_title {
        assert!(
            sample_engine()
                .document(id)
                .unwrap()
                .title
                .contains("营商环境"),
            "{id}"
        );
    }
    assert!(ids(r#"body:"营商环境""#).is_superset(&in_title));
}

#[test]
fn metadata_and_date_filters() {
    let shanghai_regulations = ids("type:条例 region:上海");
    assert!(shanghai_regulations.contains("地方性法规/上海/上海市优化营商环境条例(2024-09-27).md"));
    for id in &shanghai_regulations {
        let document = sample_engine().document(id).unwrap();
        assert_eq!(document.metadata.region.as_deref(), Some("上海"));
        assert_eq!(document.metadata.doc_type.as_deref(), Some("条例"));
    }
    assert_eq!(
        ids(r#""太湖" date:2011"#),
        BTreeSet::from([TAIHU_REGULATION.to_string()])
    );
    assert_eq!(
        ids(r#""太湖" date:2011-09-07"#),
        BTreeSet::from([TAIHU_REGULATION.to_string()])
    );
    assert!(ids(r#""太湖" date:2011-10..2030"#)
        .iter()
        .all(|id| id != TAIHU_REGULATION));
    assert!(ids(r#""太湖" date:>=2012"#)
        .iter()
        .all(|id| id != TAIHU_REGULATION));
    assert!(ids(r#""太湖" date:<2012"#).contains(TAIHU_REGULATION));
    let mut request = SearchRequest::new("营商环境");
    request.limit = 1000;
    request.filters = Filters::default()
        .with(Filter::Field(MetaField::Region), "山东")
        .with(Filter::Year, "2021");
    let response = sample_engine().search(&request).unwrap();
    assert!(response.total > 0);
    for hit in &response.hits {
        assert_eq!(hit.metadata.region.as_deref(), Some("山东"));
        assert_eq!(hit.metadata.date.map(|date| date.year()), Some(2021));
    }
}

#[test]
fn same_sentence_and_same_paragraph_are_exact() {
    // In 太湖流域管理条例, 太湖 and 取水 share sentences; the seed report never mentions 取水.
    let sentence = ids("太湖 /s 取水");
    assert!(sentence.contains(TAIHU_REGULATION));
    assert!(!sentence.contains(SEED));
    for id in &sentence {
        let body = sample_engine().document(id).unwrap().body;
        let found = policy_search::analysis::structure::sentences(&body)
            .into_iter()
            .any(|range| body[range.clone()].contains("太湖") && body[range].contains("取水"));
        assert!(found, "{id}: no sentence has both");
    }
    assert!(ids("太湖 /p 取水").is_superset(&sentence));
    // Words that both occur in a document but never in one sentence do not match.
    assert!(ids(r#""嘉定区" /s "宣城市""#).contains(SEED));
    assert!(!ids(r#""嘉定区" /s "太湖湾科创带""#).contains(SEED));
}

#[test]
fn abbreviations_and_script_forms_expand_unquoted_terms_only() {
    let full = documents_containing("长江三角洲");
    let short = documents_containing("长三角");
    assert!(ids("长江三角洲").is_superset(&(&full | &short)));
    assert_eq!(ids(r#""长江三角洲""#), full);
    // The title 廣州共產黨報告 is in traditional characters: typed in simplified, it is found
    // unquoted and, quoted, only as written.
    let traditional = "党代会报告/廣州共產黨報告_(一大).txt";
    assert!(ids("广州共产党报告").contains(traditional));
    assert!(!ids(r#""广州共产党报告""#).contains(traditional));
    assert!(ids(r#""廣州共產黨報告""#).contains(traditional));
    assert!(ids("共產黨").contains("政府工作报告/1998年中华人民共和国国务院政府工作报告.txt"));
}

#[test]
fn short_latin_digit_and_punctuation_queries_behave() {
    let engine = sample_engine();
    assert!(!ids("湖").is_empty(), "single character");
    assert_eq!(ids("湖"), documents_containing("湖"));
    assert!(ids("5G").iter().all(|id| {
        let document = engine.document(id).unwrap();
        let text = policy_search::analysis::Normalized::new(&format!(
            "{}\n{}",
            document.title, document.body
        ))
        .text;
        text.contains("5g")
    }));
    assert!(ids("2025年").contains("政府工作报告/2025年中华人民共和国国务院政府工作报告.txt"));
    assert!(
        !ids(r#""25年""#).contains("政府工作报告/2025年中华人民共和国国务院政府工作报告.txt") || {
            let body = engine
                .document("政府工作报告/2025年中华人民共和国国务院政府工作报告.txt")
                .unwrap()
                .body;
            body.match_indices("25年")
                .any(|(at, _)| !body[..at].ends_with(|c: char| c.is_ascii_digit()))
        }
    );
    assert!(!ids("，").is_empty(), "punctuation is searchable");
    assert!(ids("COVID-19").len() <= ids("COVID").len());
}

#[test]
fn malformed_queries_are_errors_with_positions() {
    for (q, expected) in [
        ("(太湖 OR 长江", "unbalanced parenthesis at 1"),
        ("-草案", "only excludes"),
        ("太湖 date:2021-13", "date at 4"),
        ("太湖 /s", "/s at 4"),
    ] {
        match sample_engine().search(&SearchRequest::new(q)) {
            Err(Error::InvalidQuery { message }) => {
                assert!(message.contains(expected), "{q}: {message}")
            }
            other => panic!("{q}: expected an invalid query, got {other:?}"),
        }
    }
}

#[test]
fn facets_count_the_matching_documents() {
    let mut request = SearchRequest::new("营商环境");
    request.facets = true;
    request.limit = 1000;
    // Facets count documents: list each version as its own hit to count them alike.
    request.collapse = false;
    let response = sample_engine().search(&request).unwrap();
    let facets = response.facets.expect("facets asked for");
    for facet in ["category", "region", "type", "year"] {
        assert!(facets.contains_key(facet), "{facet}");
    }
    let counted = |facet: &str, value: &str| {
        facets[facet]
            .iter()
            .find(|c| c.value == value)
            .map_or(0, |c| c.count) as usize
    };
    let in_shandong = response
        .hits
        .iter()
        .filter(|h| h.metadata.region.as_deref() == Some("山东"))
        .count();
    assert_eq!(counted("region", "山东"), in_shandong);
    let regulations = response
        .hits
        .iter()
        .filter(|h| h.metadata.doc_type.as_deref() == Some("条例"))
        .count();
    assert_eq!(counted("type", "条例"), regulations);
    // Every hit counted once in its year and once in its 时效性, as each hit says.
    let mut years: BTreeMap<String, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for hit in &response.hits {
        if let Some(date) = hit.metadata.date {
            *years.entry(date.year().to_string()).or_default() += 1;
        }
        *statuses.entry(hit.validity.name().to_string()).or_default() += 1;
    }
    assert!(years.len() > 3, "{years:?}");
    for (year, count) in &years {
        assert_eq!(counted("year", year), *count, "{year}");
    }
    assert_eq!(facets["year"].len(), years.len(), "{:?}", facets["year"]);
    assert!(statuses.len() > 1, "{statuses:?}");
    for (status, count) in &statuses {
        assert_eq!(counted("status", status), *count, "{status}");
        // The `status:` filter selects exactly the hits of that 时效性.
        let mut filtered = SearchRequest::new(format!("营商环境 status:{status}"));
        filtered.limit = 1000;
        filtered.collapse = false;
        let filtered = sample_engine().search(&filtered).unwrap();
        let mut got: Vec<&str> = filtered.hits.iter().map(|h| h.id.as_str()).collect();
        let mut want: Vec<&str> = response
            .hits
            .iter()
            .filter(|h| h.validity.name() == status)
            .map(|h| h.id.as_str())
            .collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{status}");
        assert_eq!(filtered.total, *count, "{status}");
    }
    assert_eq!(
        facets["status"].len(),
        statuses.len(),
        "{:?}",
        facets["status"]
    );
}

#[test]
fn sorting_by_date_orders_hits() {
    let mut request = SearchRequest::new("营商环境");
    request.limit = 1000;
    request.sort = Sort::DateDesc;
    let dates: Vec<time::Date> = sample_engine()
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .filter_map(|h| h.metadata.date)
        .collect();
    assert!(dates.len() > 3);
    assert!(dates.windows(2).all(|pair| pair[0] >= pair[1]), "{dates:?}");
    request.sort = Sort::DateAsc;
    let ascending: Vec<time::Date> = sample_engine()
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .filter_map(|h| h.metadata.date)
        .collect();
    assert!(
        ascending.windows(2).all(|pair| pair[0] <= pair[1]),
        "{ascending:?}"
    );
}

#[test]
fn hits_carry_the_matching_article() {
    let mut request = SearchRequest::new(r#""太湖流域管理机构" "取水总量控制""#);
    request.articles = true;
    let response = sample_engine().search(&request).unwrap();
    let hit = response
        .hits
        .iter()
        .find(|h| h.id == TAIHU_REGULATION)
        .expect("regulation found");
    let article = hit.article.as_deref().expect("a 条");
    assert!(
        article.starts_with('第') && article.ends_with('条'),
        "{article}"
    );
    let articles = hit.articles.as_ref().expect("all articles asked for");
    assert!(articles.len() > 1);
    assert!(articles.iter().any(|a| a.label == "第十八条"
        && snippet_html(&a.snippet, true).contains("<mark>取水总量控制</mark>")));
    assert!(articles
        .iter()
        .all(|a| snippet_html(&a.snippet, true).contains("<mark>")));
}

#[test]
fn a_work_report_is_found_by_its_year() {
    let mut request = SearchRequest::new("政府工作报告 year:2021");
    request.limit = 20;
    let response = sample_engine().search(&request).unwrap();
    let ids: Vec<&str> = response.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(
        ids[0], "政府工作报告/2021年中华人民共和国国务院政府工作报告.txt",
        "{ids:?}"
    );
}

#[test]
fn related_documents_share_the_subject() {
    let similar = sample_engine()
        .similar("地方性法规/北京/北京市优化营商环境条例(2020-03-27).md", 5)
        .unwrap();
    assert_eq!(similar.len(), 5);
    assert!(similar
        .iter()
        .all(|s| s.id != "地方性法规/北京/北京市优化营商环境条例(2020-03-27).md"));
    let about_business = similar
        .iter()
        .filter(|s| s.title.contains("营商环境"))
        .count();
    assert!(about_business >= 4, "{similar:#?}");
}

#[test]
fn the_whole_query_as_a_phrase_ranks_first() {
    // Two terms that occur together as typed beat documents with them apart.
    let response = sample_engine()
        .search(&SearchRequest::new("环太湖 科技创新圈"))
        .unwrap();
    assert_eq!(response.hits[0].id, SEED);
}

#[test]
fn a_search_that_runs_out_of_time_answers_with_what_it_found() {
    let dir = sample_engine().dir();
    let unlimited = policy_search::Engine::open(dir)
        .unwrap()
        .with_time_budget(None);
    let mut request = SearchRequest::new("的 /s 是");
    request.limit = 1000;
    let full = unlimited.search(&request).unwrap();
    assert!(!full.timed_out);
    assert!(full.total > 40, "{} documents", full.total);

    // No time at all: nothing is matched, and the answer says so.
    let none = policy_search::Engine::open(dir)
        .unwrap()
        .with_time_budget(Some(std::time::Duration::ZERO));
    let response = none.search(&request).unwrap();
    assert!(response.timed_out);
    assert_eq!(response.total, 0);

    // A millisecond: each /s candidate's text is read and split, so the budget runs out part
    // way; what was found is a correct part of the full answer.
    let short = policy_search::Engine::open(dir)
        .unwrap()
        .with_time_budget(Some(std::time::Duration::from_millis(1)));
    let response = short.search(&request).unwrap();
    assert!(response.timed_out);
    assert!(response.total < full.total);
    let all: BTreeSet<String> = full.hits.into_iter().map(|h| h.id).collect();
    assert!(response.hits.iter().all(|hit| all.contains(&hit.id)));

    // A cheap query finishes well inside the default budget.
    let response = sample_engine().search(&SearchRequest::new("太湖")).unwrap();
    assert!(!response.timed_out);
}

#[test]
fn a_date_range_with_no_date_on_either_side_is_an_error_not_a_crash() {
    match sample_engine().search(&SearchRequest::new("太湖 date:..")) {
        Err(Error::InvalidQuery { message }) => {
            assert!(message.contains("no date on either side"), "{message}")
        }
        other => panic!("expected an invalid query, got {other:?}"),
    }
    let mut request = SearchRequest::new("太湖");
    request.filters = Filters::default().with(Filter::Date, "..");
    match sample_engine().search(&request) {
        Err(Error::InvalidParameter { name, message }) => {
            assert_eq!(name, "date");
            assert!(message.contains("no date on either side"), "{message}");
        }
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
    // Open on one side still works.
    assert!(ids("太湖 date:2012..").contains(SEED));
}

#[test]
fn a_group_of_exclusions_keeps_what_it_does_not_exclude() {
    let flat = ids("太湖 -条例 -决定");
    assert!(flat.contains(SEED), "{flat:?}");
    assert!(!flat.contains(TAIHU_REGULATION));
    for grouped in ["太湖 (-条例 -决定)", "太湖 ((-条例) (-决定))"] {
        assert_eq!(ids(grouped), flat, "{grouped}");
    }
}
