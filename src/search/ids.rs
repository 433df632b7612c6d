//! Document ids by segment: read once per segment, so that listing every matching id costs
//! little more than the matching itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher};

/// The document ids of one segment, by the ordinal of the `id` fast field's dictionary.
pub struct IdTable {
    column: Option<tantivy::columnar::StrColumn>,
    by_ordinal: Vec<String>,
}

impl IdTable {
    /// The id of document `doc` of the segment.
    pub fn id(&self, doc: DocId) -> &str {
        self.column
            .as_ref()
            .and_then(|column| column.term_ords(doc).next())
            .and_then(|ordinal| self.by_ordinal.get(ordinal as usize))
            .map_or("", String::as_str)
    }
}

/// Id tables of the segments searched so far. Resolving an ordinal through the fast field's
/// compressed dictionary decompresses a block each time; reading the dictionary once per
/// segment (segments never change) makes [`super::Engine::matching_ids`] cost little more than the
/// matching itself.
#[derive(Default)]
pub struct IdTables(Mutex<HashMap<SegmentId, Arc<IdTable>>>);

impl IdTables {
    /// The table of segment `ord` of `searcher`.
    pub fn of(&self, searcher: &Searcher, ord: u32) -> tantivy::Result<Arc<IdTable>> {
        let segment = searcher.segment_reader(ord);
        let key = segment.segment_id();
        if let Some(table) = self.lock().get(&key) {
            return Ok(table.clone());
        }
        let column = segment.fast_fields().str("id")?;
        let mut by_ordinal = Vec::new();
        if let Some(column) = &column {
            by_ordinal.reserve(column.num_terms());
            let mut terms = column.dictionary().stream()?;
            while terms.advance() {
                by_ordinal.push(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        let table = Arc::new(IdTable { column, by_ordinal });
        let mut tables = self.lock();
        // A new segment: drop the tables of segments merged away since.
        tables.retain(|id, _| {
            searcher
                .segment_readers()
                .iter()
                .any(|reader| reader.segment_id() == *id)
        });
        tables.insert(key, table.clone());
        Ok(table)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SegmentId, Arc<IdTable>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
