//! Export for distributed engines: every document with its metadata and its text already
//! analysed, so Quickwit or OpenSearch index exactly what this engine indexes.
//!
//! Each document gets, beside its stored fields, `title_words`/`body_words` (jieba's words,
//! space-separated, for BM25) and `title_units`/`body_units` (the normalised units,
//! space-separated). Indexed there with a whitespace tokenizer and positions, a phrase query over
//! the units of a phrase matches exactly the documents that contain it, by the same definition
//! as here.

use std::io::Write;

use serde::Serialize;

use crate::analysis::Normalized;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::search::Engine;

/// The engines an export is shaped for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// NDJSON, one document a line (`quickwit index ingest`).
    Quickwit,
    /// The `_bulk` API's form: an action line, then the document (`POST /_bulk`).
    Opensearch,
}

impl ExportFormat {
    /// Every format with its name and what it is for.
    pub const ALL: [(ExportFormat, &'static str, &'static str); 2] = [
        (
            ExportFormat::Quickwit,
            "quickwit",
            "NDJSON, one document a line (`quickwit index ingest`)",
        ),
        (
            ExportFormat::Opensearch,
            "opensearch",
            "The `_bulk` API's form: an action line, then the document (`POST /_bulk`)",
        ),
    ];
}

impl std::str::FromStr for ExportFormat {
    type Err = Error;

    fn from_str(text: &str) -> Result<ExportFormat> {
        ExportFormat::ALL
            .iter()
            .find(|(_, name, _)| *name == text)
            .map(|(format, _, _)| *format)
            .ok_or_else(|| Error::InvalidParameter {
                name: "format",
                message: format!("`{text}` is not an export format: use quickwit or opensearch"),
            })
    }
}

/// A document as exported.
#[derive(Debug, Serialize)]
pub struct AnalysedDocument {
    /// The stored document.
    #[serde(flatten)]
    pub document: Document,
    /// jieba's words of the title, space-separated.
    pub title_words: String,
    /// jieba's words of the body, space-separated.
    pub body_words: String,
    /// The title's units, space-separated.
    pub title_units: String,
    /// The body's units, space-separated.
    pub body_units: String,
}

fn words(text: &str) -> String {
    Normalized::new(text)
        .words()
        .into_iter()
        .map(|(word, _)| word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn units(text: &str) -> String {
    Normalized::new(text)
        .units()
        .iter()
        .map(|unit| unit.text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The analysed form of `document`.
pub fn analyse(document: Document) -> AnalysedDocument {
    AnalysedDocument {
        title_words: words(&document.title),
        body_words: words(&document.body),
        title_units: units(&document.title),
        body_units: units(&document.body),
        document,
    }
}

/// Write every document of `engine` to `out` in `format`; `index_name` names the OpenSearch
/// index in the action lines. Returns the number of documents written.
pub fn export(
    engine: &Engine,
    format: ExportFormat,
    index_name: &str,
    out: &mut impl Write,
) -> Result<usize> {
    let fail = |error: std::io::Error| Error::io(std::path::Path::new("<export output>"), error);
    engine.for_each_document(|document| {
        let analysed = analyse(document);
        if format == ExportFormat::Opensearch {
            let action =
                serde_json::json!({"index": {"_index": index_name, "_id": analysed.document.id}});
            writeln!(out, "{action}").map_err(fail)?;
        }
        serde_json::to_writer(&mut *out, &analysed).map_err(|e| Error::Internal(e.to_string()))?;
        out.write_all(b"\n").map_err(fail)
    })
}
