//! Chinese matching on real text: the eval sets' exact phrase ground truth, known items, and
//! the substring behaviour a researcher relies on.

use crate::common::*;
use policy_search::analysis::{analyze, gram, Normalized};
use policy_search::server::json::snippet_html;
use policy_search::SearchRequest;

#[test]
fn every_sample_phrase_returns_exactly_its_documents() {
    assert_phrase_set_exact(sample_engine(), "phrases-sample.tsv", 300);
}

#[test]
fn known_sample_titles_rank_first() {
    assert_known_items_rank_first(sample_engine(), "known-items-sample.tsv", 0.9);
}

#[test]
fn unquoted_taihu_finds_the_cooperation_report_and_the_basin_regulation() {
    let engine = sample_engine();
    let mut request = SearchRequest::new("太湖");
    request.limit = 100;
    let response = engine.search(&request).unwrap();
    let ids: Vec<&str> = response.hits.iter().map(|hit| hit.id.as_str()).collect();
    assert!(ids.contains(&"环太湖科技创新圈.txt"), "{ids:?}");
    assert!(
        ids.contains(&"行政法规/太湖流域管理条例(2011-09-07).md"),
        "{ids:?}"
    );
    // Every hit really contains 太湖: unquoted search matched it as a substring.
    for hit in &response.hits {
        let document = engine.document(&hit.id).unwrap();
        let text = Normalized::new(&format!("{}\n{}", document.title, document.body)).text;
        assert!(text.contains("太湖"), "{} has no 太湖", hit.id);
    }
}

#[test]
fn phrase_inside_a_word_is_found_though_jieba_never_emits_it() {
    // 湖科 straddles jieba's 太湖 | 科技; only the bigram view can find it.
    let ids = quoted_ids(sample_engine(), "湖科");
    assert!(ids.contains("环太湖科技创新圈.txt"), "{ids:?}");
    let snippet = snippet_html(
        &sample_engine()
            .search(&SearchRequest::new("\"湖科\""))
            .unwrap()
            .hits[0]
            .snippet,
        true,
    );
    assert!(snippet.contains("<mark>湖科</mark>"), "{snippet}");
}

#[test]
fn digits_stay_whole_numbers() {
    let engine = sample_engine();
    // 1998年 occurs in the 1998 work report; 98年 must not match inside it.
    let with_year = quoted_ids(engine, "1998年");
    assert!(with_year.contains("政府工作报告/1998年中华人民共和国国务院政府工作报告.txt"));
    for id in quoted_ids(engine, "98年") {
        let document = engine.document(&id).unwrap();
        let text = Normalized::new(&format!("{}\n{}", document.title, document.body)).text;
        let standalone = text
            .match_indices("98年")
            .any(|(at, _)| !text[..at].ends_with(|c: char| c.is_ascii_digit()));
        assert!(standalone, "{id} matched 98年 only inside a longer number");
    }
}

#[test]
fn unquoted_recall_is_never_below_quoted() {
    let engine = sample_engine();
    for case in phrase_cases("phrases-sample.tsv").iter().step_by(5) {
        let mut request = SearchRequest::new(case.phrase.clone());
        request.limit = 1000;
        let unquoted: std::collections::BTreeSet<String> = engine
            .search(&request)
            .unwrap()
            .hits
            .iter()
            .flat_map(|hit| hit.documents())
            .map(str::to_string)
            .collect();
        assert!(
            unquoted.is_superset(&case.ids),
            "{}: unquoted lost {:?}",
            case.phrase,
            case.ids.difference(&unquoted)
        );
    }
}

#[test]
fn token_offsets_cover_the_original_text_of_a_whole_document() {
    let path = sample_file("环太湖科技创新圈.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let analyzed = analyze(&text);
    for (view, tokens) in [
        ("words", &analyzed.words),
        ("grams", &analyzed.grams),
        ("chars", &analyzed.chars),
    ] {
        assert!(!tokens.is_empty(), "{view}: no tokens");
        for token in tokens.iter() {
            assert!(
                text.is_char_boundary(token.offset_from) && text.is_char_boundary(token.offset_to),
                "{view}: {token:?}"
            );
            let original = &text[token.offset_from..token.offset_to];
            // The original span, normalised, is the token; a bigram is the span's two units.
            let normalized = Normalized::new(original);
            let expected = if view == "grams" {
                let units = normalized.units();
                assert_eq!(units.len(), 2, "grams: {original:?}");
                gram(&units[0], &units[1])
            } else {
                normalized.text.clone()
            };
            assert_eq!(
                expected, token.text,
                "{view}: offsets {}..{}",
                token.offset_from, token.offset_to
            );
        }
    }
}

#[test]
fn positions_count_units_so_punctuation_separates_words() {
    // 违纪、违法 must not match the phrase 违纪违法.
    let analyzed = analyze("违纪、违法");
    let grams: Vec<(usize, &str)> = analyzed
        .grams
        .iter()
        .map(|t| (t.position, t.text.as_str()))
        .collect();
    assert_eq!(
        grams.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let punctuated = Normalized::new("纪、");
    let units = punctuated.units();
    assert_eq!(grams[1].1, gram(&units[0], &units[1]));
    // The unit view answers "which documents contain this unit": each distinct unit once.
    let texts: Vec<&str> = analyzed.chars.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["违", "纪", "、", "法"]);
}

#[test]
fn a_phrase_is_found_whether_or_not_jieba_cut_it_as_a_word() {
    // The phrase matcher settles documents that hold the phrase as a jieba word without
    // reading positions; documents where it sits inside a longer word, spans two words, or
    // only has its bigrams apart must still be decided exactly.
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for (name, text) in [
        ("word.txt", "通知\n各级人民政府应当加强环境保护工作。"),
        ("inside.txt", "通知\n加强生态环境保护，落实环境保护法。"),
        ("across.txt", "通知\n改善人居环境保护耕地。"),
        ("apart.txt", "通知\n保护生态环境，治理环境污染，保护水源。"),
        ("spaced.txt", "通知\n加强环境 保护。"),
        ("latin.txt", "通知\n推进5G网络建设。"),
        ("longer-run.txt", "通知\n推进25G网络建设。"),
    ] {
        std::fs::write(corpus.join(name), text).unwrap();
    }
    let index = dir.path().join("index");
    policy_search::index::build_index(&[corpus], &index, |p| panic!("{p}")).unwrap();
    let engine = policy_search::Engine::open(&index).unwrap();
    let ids = |q: &str| {
        let mut ids = engine.matching_ids(q).unwrap();
        ids.sort();
        ids
    };
    assert_eq!(
        ids("\"环境保护\""),
        ["across.txt", "inside.txt", "spaced.txt", "word.txt"]
    );
    assert_eq!(ids("\"环境保护工作\""), ["word.txt"]);
    assert_eq!(ids("\"生态环境保护\""), ["inside.txt"]);
    // A digit run is one unit: 5g网络 is not in 25G网络.
    assert_eq!(ids("\"5g网络\""), ["latin.txt"]);
}
