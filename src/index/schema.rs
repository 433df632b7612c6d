//! The index schema: which fields exist and how each is indexed; a [`Document`] into a Tantivy
//! document and back; opening an index with the project's tokenizers registered; what a commit
//! records of the build.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing,
    TextOptions, Value as _, FAST, STORED, STRING,
};
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{DateTime, Index, IndexSettings, TantivyDocument};

use crate::analysis::citations::{self, number_target, title_targets};
use crate::analysis::{
    copy_key, title_key, version_key, StreamCounter, View, ViewTokenizer, CHARS_TOKENIZER,
    GRAMS_TOKENIZER, WORDS_TOKENIZER,
};
use crate::document::{Document, FieldKind, MetaField, Metadata, Value};
use crate::error::{Error, Result};

/// Bumped whenever the schema or the analysis changes in a way that needs a rebuild.
pub const SCHEMA_VERSION: u32 = 11;

/// Handles to every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Unique document id (raw, indexed for lookups and deletes, stored).
    pub id: Field,
    /// Original title text (stored only).
    pub title: Field,
    /// Original body text (stored only).
    pub body: Field,
    /// Title's jieba words (BM25).
    pub title_words: Field,
    /// Body's jieba words (BM25).
    pub body_words: Field,
    /// Title's unit bigrams with positions (exact phrases).
    pub title_grams: Field,
    /// Body's unit bigrams with positions (exact phrases).
    pub body_grams: Field,
    /// Title's single units (one-unit phrases).
    pub title_chars: Field,
    /// Body's single units (one-unit phrases).
    pub body_chars: Field,
    /// The unit bigrams of the body's headings (章, 节, outline headings), with frequencies:
    /// ranking only (see [`crate::analysis::structure::headings`]).
    pub heading_grams: Field,
    /// The title as typed by a user looking for exactly this document (see
    /// [`crate::analysis::title_key`]).
    pub title_key: Field,
    /// The key the versions of one instrument share (see [`crate::analysis::version_key`]):
    /// indexed to list a chain, a fast field to collapse hits by it.
    pub version_key: Field,
    /// The key exact copies of one text share (see [`crate::analysis::copy_key`]; none for a
    /// short body): indexed to find a hit's copies, a fast field to read a hit's key.
    pub copy_key: Field,
    /// What citations of this document are written as (see
    /// [`crate::analysis::citations::title_target`] and `number_target`): indexed to find the
    /// documents a citation names.
    pub cite_target: Field,
    /// The targets this document cites: indexed to find who cites a document, a fast field to
    /// read them without the stored text.
    pub cites: Field,
    /// The targets this document repeals (`…同时废止`), indexed and fast like [`Fields::cites`].
    pub repeals: Field,
    /// Each citation and repeal with its text and 条 (JSON of
    /// [`crate::analysis::citations::Links`]; stored only).
    pub links: Field,
    /// The short forms the text defines (`网约车=网络预约出租汽车`, see
    /// [`crate::analysis::definitions`]): a fast field read once per index generation into the
    /// expansions every search uses.
    pub short_forms: Field,
    /// The file the document was read from (stored only).
    pub path: Field,
    /// Each metadata field, in [`MetaField::ALL`]'s order.
    metadata: [Field; MetaField::ALL.len()],
}

impl Fields {
    /// The index field of a metadata field.
    pub fn meta(&self, field: MetaField) -> Field {
        self.metadata[field as usize]
    }
}

fn view_options(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

/// Build the schema and its field handles.
pub fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let words = view_options(WORDS_TOKENIZER, IndexRecordOption::WithFreqs);
    let grams = view_options(GRAMS_TOKENIZER, IndexRecordOption::WithFreqsAndPositions);
    let chars = view_options(CHARS_TOKENIZER, IndexRecordOption::Basic);
    let date = DateOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast()
        .set_precision(DateTimePrecision::Seconds);
    let id = builder.add_text_field("id", STRING | STORED | FAST);
    let title = builder.add_text_field("title", STORED);
    let body = builder.add_text_field("body", STORED);
    let title_words = builder.add_text_field("title_words", words.clone());
    let body_words = builder.add_text_field("body_words", words);
    let title_grams = builder.add_text_field("title_grams", grams.clone());
    let body_grams = builder.add_text_field("body_grams", grams);
    let title_chars = builder.add_text_field("title_chars", chars.clone());
    let body_chars = builder.add_text_field("body_chars", chars);
    let title_key = builder.add_text_field("title_key", STRING);
    let version_key = builder.add_text_field("version_key", STRING | FAST);
    let copy_key = builder.add_text_field("copy_key", STRING | FAST);
    let cite_target = builder.add_text_field("cite_target", STRING | FAST);
    let cites = builder.add_text_field("cites", STRING | FAST);
    let repeals = builder.add_text_field("repeals", STRING | FAST);
    let links = builder.add_text_field("links", STORED);
    let short_forms = builder.add_text_field("short_forms", STRING | FAST);
    let heading_grams = builder.add_text_field(
        "heading_grams",
        view_options(GRAMS_TOKENIZER, IndexRecordOption::WithFreqs),
    );
    let metadata = std::array::from_fn(|i| {
        let spec = &MetaField::ALL[i];
        match spec.kind {
            FieldKind::Date => builder.add_date_field(spec.name, date.clone()),
            FieldKind::Keyword => builder.add_text_field(spec.name, STRING | STORED | FAST),
            FieldKind::Stored => builder.add_text_field(spec.name, STORED),
        }
    });
    let path = builder.add_text_field("path", STORED);
    let fields = Fields {
        id,
        title,
        body,
        title_words,
        body_words,
        title_grams,
        body_grams,
        title_chars,
        body_chars,
        heading_grams,
        title_key,
        version_key,
        copy_key,
        cite_target,
        cites,
        repeals,
        links,
        short_forms,
        path,
        metadata,
    };
    (builder.build(), fields)
}

/// Register the project's tokenizers on `index`: needed every time an index is opened. The
/// returned counter counts the word-view streams opened (see [`StreamCounter`]).
pub fn register_tokenizers(index: &Index) -> StreamCounter {
    let streams = StreamCounter::default();
    let manager = index.tokenizers();
    for (name, view) in [
        (WORDS_TOKENIZER, View::Words),
        (GRAMS_TOKENIZER, View::Grams),
        (CHARS_TOKENIZER, View::Chars),
    ] {
        manager.register(name, ViewTokenizer::new(view, streams.clone()));
    }
    streams
}

/// Index settings: zstd for the document store, where the full texts live.
pub fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor::default()),
        ..IndexSettings::default()
    }
}

/// Open the index in `dir`, checking that it has this version's schema.
pub fn open_index(dir: &Path) -> Result<(Index, Fields)> {
    let index = Index::open_in_dir(dir).map_err(|source| Error::index(dir, source))?;
    let (schema, fields) = build_schema();
    if index.schema() != schema {
        return Err(Error::IncompatibleIndex {
            dir: dir.to_path_buf(),
        });
    }
    register_tokenizers(&index);
    Ok((index, fields))
}

/// The Tantivy document for `document`: stored fields plus every analysed view.
///
/// The title and the body each go to four fields (stored, words, grams, chars); an
/// [`IndexedDocument`] holds each text once and hands the same text to all four, where a
/// `TantivyDocument` would copy it into each (three extra copies of a 50 MB body).
pub fn to_tantivy(document: Document, fields: &Fields) -> IndexedDocument {
    let headings = crate::analysis::structure::headings(&document.body).join("\n");
    let title_key = title_key(&document.title);
    let version_key = version_key(
        &document.title,
        document.metadata.region.as_deref(),
        document.metadata.level.as_deref(),
    );
    let mut targets = title_targets(&document.title);
    targets.extend(document.metadata.doc_number.as_deref().map(number_target));
    let links = citations::links(&document.body);
    let short_forms = crate::analysis::definitions::short_forms(&document.body);
    let copy_key = copy_key(&document.body);
    let title = FieldValue::text(document.title);
    let body = FieldValue::text(document.body);
    let mut out = IndexedDocument::default();
    out.add(fields.id, FieldValue::text(document.id));
    for field in [
        fields.title,
        fields.title_words,
        fields.title_grams,
        fields.title_chars,
    ] {
        out.add(field, title.clone());
    }
    for field in [
        fields.body,
        fields.body_words,
        fields.body_grams,
        fields.body_chars,
    ] {
        out.add(field, body.clone());
    }
    out.add(fields.heading_grams, FieldValue::text(headings));
    out.add(fields.title_key, FieldValue::text(title_key));
    out.add(fields.version_key, FieldValue::text(version_key));
    if let Some(key) = copy_key {
        out.add(fields.copy_key, FieldValue::text(key));
    }
    for target in targets {
        out.add(fields.cite_target, FieldValue::text(target));
    }
    let distinct = |citations: &[citations::Citation]| -> BTreeSet<String> {
        citations.iter().map(|c| c.target.clone()).collect()
    };
    for target in distinct(&links.cites) {
        out.add(fields.cites, FieldValue::text(target));
    }
    for target in distinct(&links.repeals) {
        out.add(fields.repeals, FieldValue::text(target));
    }
    if !links.is_empty() {
        // Serialising plain strings and options cannot fail.
        if let Ok(json) = serde_json::to_string(&links) {
            out.add(fields.links, FieldValue::text(json));
        }
    }
    for pair in short_forms {
        out.add(fields.short_forms, FieldValue::text(pair.key()));
    }
    for spec in MetaField::ALL {
        let field = fields.meta(spec.field);
        match document.metadata.get(spec.field) {
            Some(Value::Date(date)) => out.add(field, FieldValue::Date(day_to_tantivy(date))),
            Some(Value::Text(text)) => out.add(field, FieldValue::text(text)),
            None => {}
        }
    }
    out.add(fields.path, FieldValue::text(document.path));
    out
}

/// A document as the index writer takes it (see [`to_tantivy`]): its fields' values, each text
/// shared by the fields that index it.
#[derive(Debug, Default)]
pub struct IndexedDocument {
    values: Vec<(Field, FieldValue)>,
}

/// One value of an [`IndexedDocument`].
#[derive(Debug, Clone)]
pub enum FieldValue {
    /// A text, shared by every field it is given to.
    Text(std::sync::Arc<str>),
    /// A day.
    Date(DateTime),
}

impl FieldValue {
    fn text(text: impl Into<std::sync::Arc<str>>) -> FieldValue {
        FieldValue::Text(text.into())
    }
}

impl IndexedDocument {
    fn add(&mut self, field: Field, value: FieldValue) {
        self.values.push((field, value));
    }
}

impl<'a> tantivy::schema::Value<'a> for &'a FieldValue {
    type ArrayIter = std::iter::Empty<Self>;
    type ObjectIter = std::iter::Empty<(&'a str, Self)>;

    fn as_value(&self) -> tantivy::schema::document::ReferenceValue<'a, Self> {
        use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
        ReferenceValue::Leaf(match self {
            FieldValue::Text(text) => ReferenceValueLeaf::Str(text),
            FieldValue::Date(date) => ReferenceValueLeaf::Date(*date),
        })
    }
}

impl tantivy::schema::Document for IndexedDocument {
    type Value<'a> = &'a FieldValue;
    type FieldsValuesIter<'a> = std::iter::Map<
        std::slice::Iter<'a, (Field, FieldValue)>,
        fn(&'a (Field, FieldValue)) -> (Field, &'a FieldValue),
    >;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.values.iter().map(|(field, value)| (*field, value))
    }
}

/// A day as Tantivy stores it: midnight UTC.
pub fn day_to_tantivy(date: time::Date) -> DateTime {
    DateTime::from_timestamp_secs(date.midnight().assume_utc().unix_timestamp())
}

/// The first text value of `field`.
pub fn text_value(document: &TantivyDocument, field: Field) -> Option<String> {
    document
        .get_first(field)
        .and_then(|value| value.as_str())
        .map(str::to_string)
}

/// The metadata stored in `document`.
pub fn stored_metadata(document: &TantivyDocument, fields: &Fields) -> Metadata {
    let mut metadata = Metadata::default();
    for spec in MetaField::ALL {
        let Some(value) = document.get_first(fields.meta(spec.field)) else {
            continue;
        };
        match spec.kind {
            FieldKind::Date => {
                if let Some(date) = value.as_datetime() {
                    metadata.set(spec.field, Value::Date(date.into_utc().date()));
                }
            }
            FieldKind::Keyword | FieldKind::Stored => {
                if let Some(text) = value.as_str() {
                    metadata.set(spec.field, Value::Text(text));
                }
            }
        }
    }
    metadata
}

/// The [`Document`] stored in `document`.
pub fn stored_document(document: &TantivyDocument, fields: &Fields) -> Document {
    Document {
        id: text_value(document, fields.id).unwrap_or_default(),
        title: text_value(document, fields.title).unwrap_or_default(),
        body: text_value(document, fields.body).unwrap_or_default(),
        metadata: stored_metadata(document, fields),
        path: text_value(document, fields.path).unwrap_or_default(),
    }
}

/// Stored in the commit: what built the index, for `search`/`serve` to know it is complete.
#[derive(Debug, Serialize, Deserialize)]
pub struct BuildInfo {
    /// [`SCHEMA_VERSION`] of the build.
    pub schema_version: u32,
    /// Documents committed.
    pub documents: usize,
    /// Corpus paths as given.
    pub corpus: Vec<String>,
    /// Seconds since the Unix epoch at commit.
    pub built_at: u64,
    /// File name of the manifest that describes this commit.
    #[serde(default)]
    pub manifest: Option<String>,
    /// The fingerprint of the user dictionaries (`--dict`) the word view was cut with
    /// ([`crate::analysis::dictionaries`]); none without.
    #[serde(default)]
    pub dictionaries: Option<u64>,
}

/// The [`BuildInfo`] of the last complete build in `dir`, if there is one.
pub fn last_build(dir: &Path) -> Option<BuildInfo> {
    if !dir.join("meta.json").is_file() {
        return None;
    }
    let index = Index::open_in_dir(dir).ok()?;
    let payload = index.load_metas().ok()?.payload?;
    serde_json::from_str(&payload).ok()
}
