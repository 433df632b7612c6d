//! A query matching the documents at given addresses of one searcher.
//!
//! The graph's filters (`status:`, `cites:`, `cited_by:`) select documents by what the whole
//! index says of them; they are resolved to addresses when a search runs, on the searcher it
//! runs on, so the documents can be matched where they are, with no id looked up or matched
//! again (a `status:现行有效` over a large index selects hundreds of thousands).

use std::collections::HashMap;

use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::{BitSet, DocAddress, DocId, Score, Searcher, SegmentReader, TantivyError};

/// The documents at a set of addresses of one searcher, each scoring the query's boost.
///
/// A weight is handed segment readers, not ordinals, so the documents are kept by segment id;
/// run on another searcher's segments, the query matches only what it holds of theirs.
#[derive(Debug, Clone, Default)]
pub struct AddressSetQuery {
    /// Each segment's documents, in doc id order, without repeats.
    segments: HashMap<SegmentId, Vec<DocId>>,
}

impl AddressSetQuery {
    /// The documents at `addresses` of `searcher` (an address naming no segment of it is left
    /// out).
    pub fn new(searcher: &Searcher, addresses: impl IntoIterator<Item = DocAddress>) -> Self {
        let readers = searcher.segment_readers();
        let mut segments: HashMap<SegmentId, Vec<DocId>> = HashMap::new();
        for address in addresses {
            if let Some(reader) = readers.get(address.segment_ord as usize) {
                segments
                    .entry(reader.segment_id())
                    .or_default()
                    .push(address.doc_id);
            }
        }
        for docs in segments.values_mut() {
            docs.sort_unstable();
            docs.dedup();
        }
        AddressSetQuery { segments }
    }

    fn docs(&self, reader: &SegmentReader) -> &[DocId] {
        self.segments
            .get(&reader.segment_id())
            .map_or(&[], Vec::as_slice)
    }
}

impl Query for AddressSetQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for AddressSetQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self.docs(reader);
        if docs.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        let mut set = BitSet::with_max_value(reader.max_doc());
        for &doc in docs.iter().filter(|&&doc| doc < reader.max_doc()) {
            set.insert(doc);
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(set), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.docs(reader).binary_search(&doc).is_err() {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("selected by the document graph", 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{AllQuery, BooleanQuery, Occur};
    use tantivy::schema::{Schema, STORED, STRING};
    use tantivy::{doc, Index, IndexWriter};

    /// An index of two segments of three documents each.
    fn two_segments() -> (Index, Searcher) {
        let mut schema = Schema::builder();
        let id = schema.add_text_field("id", STRING | STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for batch in [["a", "b", "c"], ["d", "e", "f"]] {
            for value in batch {
                writer.add_document(doc!(id => value)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        (index, searcher)
    }

    fn matched(searcher: &Searcher, query: &dyn Query) -> Vec<DocAddress> {
        let mut found: Vec<_> = searcher
            .search(query, &DocSetCollector)
            .unwrap()
            .into_iter()
            .collect();
        found.sort();
        found
    }

    #[test]
    fn matches_exactly_the_addresses_given_in_every_segment() {
        let (_index, searcher) = two_segments();
        let wanted = vec![
            DocAddress::new(1, 2),
            DocAddress::new(0, 0),
            DocAddress::new(1, 0),
            DocAddress::new(0, 0),
        ];
        let query = AddressSetQuery::new(&searcher, wanted);
        assert_eq!(
            matched(&searcher, &query),
            vec![
                DocAddress::new(0, 0),
                DocAddress::new(1, 0),
                DocAddress::new(1, 2)
            ]
        );
        // Its complement, as `status:现行有效` uses it.
        let others = BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
            (Occur::MustNot, Box::new(query)),
        ]);
        assert_eq!(
            matched(&searcher, &others),
            vec![
                DocAddress::new(0, 1),
                DocAddress::new(0, 2),
                DocAddress::new(1, 1)
            ]
        );
    }

    #[test]
    fn addresses_outside_the_searcher_match_nothing() {
        let (_index, searcher) = two_segments();
        let query = AddressSetQuery::new(&searcher, [DocAddress::new(7, 0)]);
        assert!(matched(&searcher, &query).is_empty());
        let segment = &searcher.segment_readers()[0];
        assert!(Weight::explain(&query, segment, 0).is_err());
        let query = AddressSetQuery::new(&searcher, [DocAddress::new(0, 1)]);
        assert!(Weight::explain(&query, segment, 1).is_ok());
        assert!(Weight::explain(&query, segment, 0).is_err());
    }
}
