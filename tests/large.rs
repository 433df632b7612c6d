//! The large corpus (`../shared/corpus/large`, 3,487 documents): exact phrase recall and
//! precision, and known-item ranking, as the eval README defines them.

mod common;

use common::*;

#[test]
fn every_large_phrase_returns_exactly_its_documents() {
    let cases = phrase_cases("phrases-large.tsv");
    assert_eq!(cases.len(), 200);
    let (recall, precision, failures) = phrase_quality(large_engine(), &cases);
    println!("phrases-large: recall {recall:.3}, precision {precision:.3}");
    assert!(
        failures.is_empty(),
        "{} phrases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn known_large_titles_rank_first() {
    let items = known_items("known-items-large.tsv");
    let (p_at_1, mrr, misses) = known_item_quality(large_engine(), &items);
    println!("known-items-large: P@1 {p_at_1:.3}, MRR@10 {mrr:.3}; misses: {misses:#?}");
    assert!(p_at_1 >= 0.99, "P@1 {p_at_1:.3} below 0.99: {misses:#?}");
}

#[test]
fn unquoted_recall_covers_quoted_recall_on_the_large_set() {
    let engine = large_engine();
    for case in phrase_cases("phrases-large.tsv") {
        let unquoted: std::collections::BTreeSet<String> = engine
            .matching_ids(&case.phrase)
            .unwrap()
            .into_iter()
            .collect();
        assert!(
            unquoted.is_superset(&case.ids),
            "{}: unquoted lost {:?}",
            case.phrase,
            case.ids.difference(&unquoted)
        );
    }
}
