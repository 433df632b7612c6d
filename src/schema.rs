//! The index schema: which fields exist, how each is indexed, and opening an index with the
//! project's tokenizers registered.

use std::path::Path;

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing,
    TextOptions, FAST, STORED, STRING,
};
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{Index, IndexSettings};

use crate::analysis::{View, ViewTokenizer, CHARS_TOKENIZER, GRAMS_TOKENIZER, WORDS_TOKENIZER};
use crate::error::{Error, Result};

/// Bumped whenever the schema or the analysis changes in a way that needs a rebuild.
pub const SCHEMA_VERSION: u32 = 4;

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
    /// The title as typed by a user looking for exactly this document (see [`crate::search::title_key`]).
    pub title_key: Field,
    /// Publication date.
    pub date: Field,
    /// Category (e.g. 行政法规), raw.
    pub category: Field,
    /// Province or city, raw.
    pub region: Field,
    /// 文种 (document type, e.g. 条例), raw.
    pub doc_type: Field,
    /// 发文机关 (issuing body), raw.
    pub agency: Field,
    /// 发文字号 (document number), brackets normalised, raw.
    pub doc_number: Field,
    /// 发文字号 as written (stored only).
    pub doc_number_original: Field,
    /// 成文日期.
    pub issued: Field,
    /// 公布日期.
    pub published: Field,
    /// 施行日期.
    pub effective: Field,
    /// Where the text was taken from.
    pub source: Field,
    /// The file the document was read from.
    pub path: Field,
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
    let raw_fast = STRING | STORED | FAST;
    let date = DateOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast()
        .set_precision(DateTimePrecision::Seconds);
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED | FAST),
        title: builder.add_text_field("title", STORED),
        body: builder.add_text_field("body", STORED),
        title_words: builder.add_text_field("title_words", words.clone()),
        body_words: builder.add_text_field("body_words", words),
        title_grams: builder.add_text_field("title_grams", grams.clone()),
        body_grams: builder.add_text_field("body_grams", grams),
        title_chars: builder.add_text_field("title_chars", chars.clone()),
        body_chars: builder.add_text_field("body_chars", chars),
        title_key: builder.add_text_field("title_key", STRING),
        date: builder.add_date_field("date", date.clone()),
        category: builder.add_text_field("category", raw_fast.clone()),
        region: builder.add_text_field("region", raw_fast.clone()),
        doc_type: builder.add_text_field("type", raw_fast.clone()),
        agency: builder.add_text_field("agency", raw_fast.clone()),
        doc_number: builder.add_text_field("doc_number", raw_fast),
        doc_number_original: builder.add_text_field("doc_number_original", STORED),
        issued: builder.add_date_field("issued", date.clone()),
        published: builder.add_date_field("published", date.clone()),
        effective: builder.add_date_field("effective", date),
        source: builder.add_text_field("source", STORED),
        path: builder.add_text_field("path", STORED),
    };
    (builder.build(), fields)
}

/// Register the project's tokenizers on `index`: needed every time an index is opened.
pub fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(WORDS_TOKENIZER, ViewTokenizer(View::Words));
    manager.register(GRAMS_TOKENIZER, ViewTokenizer(View::Grams));
    manager.register(CHARS_TOKENIZER, ViewTokenizer(View::Chars));
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
