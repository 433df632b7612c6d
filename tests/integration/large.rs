//! The large corpus (`../shared/corpus/large`, 3,487 documents): exact phrase recall and
//! precision, and known-item ranking, as the eval README defines them.

use crate::common::*;

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn every_large_phrase_returns_exactly_its_documents() {
    assert_phrase_set_exact(large_engine(), "phrases-large.tsv", 200);
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
fn known_large_titles_rank_first() {
    assert_known_items_rank_first(large_engine(), "known-items-large.tsv", 0.99);
}

#[test]
#[ignore = "needs ../shared/corpus/large: bash .ci/run runs it"]
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
