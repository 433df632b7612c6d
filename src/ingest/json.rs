//! JSON input: `.json` files (one object or an array) and JSON Lines (`.jsonl`, `.jsonl.gz`),
//! each record in the schema of `../shared/corpus/large`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;

use super::{decode, metadata, Document, Format, Item, Limits, Problem};
use crate::document::{parse_day, Metadata};

/// One line of a JSONL corpus file (the schema of `../shared/corpus/large`).
#[derive(Debug, Deserialize)]
struct Record {
    id: String,
    title: String,
    body: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default, rename = "type")]
    doc_type: Option<String>,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    doc_number: Option<String>,
}

pub(super) fn read_json_lines(
    path: &Path,
    format: Format,
    limits: &Limits,
    sink: &mut impl FnMut(Item),
) {
    let problem = |line: Option<usize>, reason: String, skipped: bool| {
        Item::Problem(Problem {
            path: path.to_path_buf(),
            line,
            reason,
            skipped,
        })
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => return sink(problem(None, format!("cannot read: {error}"), true)),
    };
    let reader: Box<dyn Read> = match format {
        // The decompressed stream is capped: a gzip bomb stops at the cap with a message.
        Format::JsonLinesGz => {
            Box::new(flate2::read::MultiGzDecoder::new(file).take(limits.max_expanded_bytes + 1))
        }
        _ => Box::new(file),
    };
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut buffer = Vec::new();
    let mut line_number = 0;
    let mut expanded: u64 = 0;
    loop {
        buffer.clear();
        line_number += 1;
        // A line longer than the cap is skipped without being held in memory.
        match (&mut reader)
            .take(limits.max_line_bytes + 1)
            .read_until(b'\n', &mut buffer)
        {
            Ok(0) => break,
            Ok(read) => expanded += read as u64,
            Err(error) => {
                let reason = if format == Format::JsonLinesGz {
                    format!("compressed stream is cut or corrupt here ({error}); the lines before it were kept")
                } else {
                    format!("cannot read further ({error}); the lines before it were kept")
                };
                return sink(problem(Some(line_number), reason, true));
            }
        }
        if format == Format::JsonLinesGz && expanded > limits.max_expanded_bytes {
            let reason = format!(
                "decompresses to more than {} MB, the most read from one file; the lines before were kept",
                limits.max_expanded_bytes >> 20
            );
            return sink(problem(Some(line_number), reason, true));
        }
        if buffer.len() as u64 > limits.max_line_bytes && !buffer.ends_with(b"\n") {
            let mut skipped = buffer.len() as u64;
            loop {
                buffer.clear();
                match (&mut reader).take(1 << 20).read_until(b'\n', &mut buffer) {
                    Ok(0) => break,
                    Ok(read) => {
                        skipped += read as u64;
                        if buffer.ends_with(b"\n") {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            expanded += skipped;
            let reason = format!(
                "line of {} MB is longer than the {} MB allowed; skipped",
                skipped >> 20,
                limits.max_line_bytes >> 20
            );
            sink(problem(Some(line_number), reason, true));
            continue;
        }
        let line = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if line_number == 1 {
            line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
        } else {
            line
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: Record = match serde_json::from_slice(line) {
            Ok(record) => record,
            Err(error) => {
                sink(problem(Some(line_number), json_reason(&error), true));
                continue;
            }
        };
        match record.into_document(path) {
            Ok((document, warning)) => {
                if let Some(reason) = warning {
                    sink(problem(Some(line_number), reason, false));
                }
                sink(Item::Document(document));
            }
            Err(reason) => sink(problem(Some(line_number), reason, true)),
        }
    }
}

impl Record {
    /// The document this record describes, with a warning for a dropped field, or why it
    /// cannot be used.
    fn into_document(self, path: &Path) -> std::result::Result<(Document, Option<String>), String> {
        if self.id.trim().is_empty() {
            return Err("field `id` is empty".to_string());
        }
        let mut warning = None;
        let date = match self
            .date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => None,
            Some(text) => match parse_day(text) {
                Ok(date) => Some(date),
                Err(reason) => {
                    warning = Some(format!("field `date`: {reason}; indexed without a date"));
                    None
                }
            },
        };
        let non_empty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let mut document = Document {
            id: self.id,
            title: self.title,
            body: self.body,
            metadata: Metadata {
                date,
                category: non_empty(self.category),
                region: non_empty(self.region),
                doc_type: non_empty(self.doc_type),
                agency: non_empty(self.agency),
                doc_number_original: non_empty(self.doc_number.clone()),
                doc_number: non_empty(self.doc_number),
                source: non_empty(self.source),
                ..Metadata::default()
            },
            path: path.display().to_string(),
        };
        metadata::fill(&mut document);
        Ok((document, warning))
    }
}

/// A `.json` file: one document object, or an array of them.
pub(super) fn read_json(path: &Path, sink: &mut impl FnMut(Item)) {
    let problem = |reason: String, skipped: bool| {
        Item::Problem(Problem {
            path: path.to_path_buf(),
            line: None,
            reason,
            skipped,
        })
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => return sink(problem(format!("cannot read: {error}"), true)),
    };
    let text = match decode(&bytes) {
        Ok(decoded) => decoded.text,
        Err(reason) => return sink(problem(reason, true)),
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => return sink(problem(json_reason(&error), true)),
    };
    let records = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return sink(problem(
                "expected a document object or an array of them".to_string(),
                true,
            ))
        }
    };
    for (index, value) in records.into_iter().enumerate() {
        let element = |reason: String| format!("element {}: {reason}", index + 1);
        match serde_json::from_value::<Record>(value) {
            Ok(record) => match record.into_document(path) {
                Ok((document, warning)) => {
                    if let Some(reason) = warning {
                        sink(problem(element(reason), false));
                    }
                    sink(Item::Document(document));
                }
                Err(reason) => sink(problem(element(reason), true)),
            },
            Err(error) => sink(problem(element(error.to_string()), true)),
        }
    }
}

fn json_reason(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => format!("{error}"),
        Category::Eof => format!("JSON is cut off ({error})"),
        Category::Syntax => format!("malformed JSON ({error})"),
        Category::Io => format!("cannot read ({error})"),
    }
}
