//! The values of a string fast field by segment (document ids, version keys, regions, citation
//! targets), read once per segment, so that looking one up costs an array index instead of a
//! block of the field's compressed dictionary decompressed each time.
//!
//! Segments never change, so a segment's table stays right for as long as the segment lives;
//! tables of segments no longer searched are dropped when new ones are made.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Searcher};

/// The values of one string fast field in one segment, by the ordinal of its dictionary.
pub struct StrTable {
    column: Option<tantivy::columnar::StrColumn>,
    /// Every value, one after another; `ends[i]` is where value `i` ends.
    text: String,
    ends: Vec<usize>,
}

impl StrTable {
    fn read(column: Option<tantivy::columnar::StrColumn>) -> tantivy::Result<StrTable> {
        let mut text = String::new();
        let mut ends = Vec::new();
        if let Some(column) = &column {
            ends.reserve(column.num_terms());
            let mut terms = column.dictionary().stream()?;
            while terms.advance() {
                text.push_str(&String::from_utf8_lossy(terms.key()));
                ends.push(text.len());
            }
        }
        Ok(StrTable { column, text, ends })
    }

    fn value(&self, ordinal: u64) -> Option<&str> {
        let at = usize::try_from(ordinal).ok()?;
        let end = *self.ends.get(at)?;
        let start = at.checked_sub(1).map_or(0, |before| self.ends[before]);
        self.text.get(start..end)
    }

    /// Every value of document `doc` of the segment.
    pub fn values(&self, doc: DocId) -> impl Iterator<Item = &str> + '_ {
        self.column
            .iter()
            .flat_map(move |column| column.term_ords(doc))
            .filter_map(|ordinal| self.value(ordinal))
    }

    /// The first value of document `doc` of the segment ("" when it has none).
    pub fn first(&self, doc: DocId) -> &str {
        self.values(doc).next().unwrap_or("")
    }
}

/// Past this many tables (across every index open in the process), making a new one first drops
/// those of segments the searcher making it no longer has.
const KEPT: usize = 256;

/// Tables by segment and field.
type Tables = HashMap<(SegmentId, &'static str), Arc<StrTable>>;

/// The tables made so far.
static TABLES: Mutex<Option<Tables>> = Mutex::new(None);

fn tables() -> MutexGuard<'static, Option<Tables>> {
    TABLES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The table of the string fast field `field` in segment `ord` of `searcher`.
pub fn table(searcher: &Searcher, ord: u32, field: &'static str) -> tantivy::Result<Arc<StrTable>> {
    let segment = searcher.segment_reader(ord);
    let key = (segment.segment_id(), field);
    if let Some(table) = tables().as_ref().and_then(|tables| tables.get(&key)) {
        return Ok(table.clone());
    }
    let table = Arc::new(StrTable::read(segment.fast_fields().str(field)?)?);
    let mut guard = tables();
    let tables = guard.get_or_insert_with(HashMap::new);
    if tables.len() >= KEPT {
        // Drop the tables of segments this searcher no longer has (merged away, or of another
        // index); segment ids are unique, so a table is never taken for another segment's.
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|reader| reader.segment_id())
            .collect();
        tables.retain(|(segment, _), _| live.contains(segment));
    }
    tables.insert(key, table.clone());
    Ok(table)
}

/// Every value of the string fast field `field` of the document at `address`.
pub fn values(
    searcher: &Searcher,
    address: DocAddress,
    field: &'static str,
) -> tantivy::Result<Vec<String>> {
    let table = table(searcher, address.segment_ord, field)?;
    Ok(table.values(address.doc_id).map(String::from).collect())
}
