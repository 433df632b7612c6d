//! Every hit of a search as a table: one row a document, with its metadata, its score, how
//! often each query term occurs in it and its best passage. CSV (UTF-8 with a byte-order mark,
//! so Excel reads the Chinese text), XLSX and JSON Lines; rows are written as the documents are
//! read, so memory does not grow with the number of hits.

use std::io::Write;

use serde::Serialize;

use crate::analysis::matching::{occurrences, Pattern};
use crate::document::{Document, MetaField, Value};
use crate::error::{Error, Result};
use crate::search::snippet::snippet;
use crate::search::Matches;

/// The formats a table of hits is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated values, UTF-8 with a byte-order mark.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// JSON Lines, one object a document.
    Jsonl,
}

impl TableFormat {
    /// Every format by name.
    pub const ALL: [(TableFormat, &'static str); 3] = [
        (TableFormat::Csv, "csv"),
        (TableFormat::Xlsx, "xlsx"),
        (TableFormat::Jsonl, "jsonl"),
    ];

    /// Its name (also the file extension).
    pub fn name(self) -> &'static str {
        TableFormat::ALL
            .iter()
            .find(|(format, _)| *format == self)
            .map_or("csv", |(_, name)| name)
    }

    /// The HTTP content type of a file of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            TableFormat::Csv => "text/csv; charset=utf-8",
            TableFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            TableFormat::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }
}

impl std::str::FromStr for TableFormat {
    type Err = Error;

    fn from_str(text: &str) -> Result<TableFormat> {
        TableFormat::ALL
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(format, _)| *format)
            .ok_or_else(|| Error::InvalidParameter {
                name: "format",
                message: format!("`{text}` is not a table format: use csv, xlsx or jsonl"),
            })
    }
}

/// The metadata columns, after `id` and `title`.
const META_COLUMNS: [MetaField; 6] = [
    MetaField::Date,
    MetaField::Category,
    MetaField::Region,
    MetaField::Type,
    MetaField::Agency,
    MetaField::DocNumber,
];

/// One row of the table, as a JSON Lines object.
#[derive(Debug, Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    date: Option<String>,
    category: Option<String>,
    region: Option<String>,
    #[serde(rename = "type")]
    doc_type: Option<String>,
    agency: Option<String>,
    doc_number: Option<String>,
    score: f32,
    /// Occurrences of each query term (as typed) in the title and the body.
    counts: std::collections::BTreeMap<&'a str, usize>,
    snippet: String,
}

impl Row<'_> {
    /// The row's cells, in the order of [`header`].
    fn cells(&self, terms: &[String]) -> Vec<String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let mut cells = vec![
            self.id.to_string(),
            self.title.to_string(),
            text(&self.date),
            text(&self.category),
            text(&self.region),
            text(&self.doc_type),
            text(&self.agency),
            text(&self.doc_number),
            format!("{:.3}", self.score),
        ];
        for term in terms {
            let count = self.counts.get(term.as_str()).copied().unwrap_or(0);
            cells.push(count.to_string());
        }
        cells.push(self.snippet.clone());
        cells
    }
}

/// The column names: `id, title, date, category, region, type, agency, doc_number, score`, one
/// `count:TERM` per query term, then `snippet`.
fn header(terms: &[String]) -> Vec<String> {
    let mut header = vec!["id".to_string(), "title".to_string()];
    header.extend(META_COLUMNS.iter().map(|field| field.name().to_string()));
    header.push("score".to_string());
    header.extend(terms.iter().map(|term| format!("count:{term}")));
    header.push("snippet".to_string());
    header
}

fn meta(document: &Document, field: MetaField) -> Option<String> {
    document.metadata.get(field).map(|value| match value {
        Value::Date(date) => date.to_string(),
        Value::Text(text) => text.to_string(),
    })
}

/// The row of `document`: `terms` are the query's terms, `patterns` their exact patterns
/// (same order), `highlights` what the query marks.
fn row<'a>(
    document: &'a Document,
    score: f32,
    terms: &'a [String],
    patterns: &[Option<Pattern>],
    highlights: &[Pattern],
) -> Row<'a> {
    let found: Vec<Pattern> = patterns.iter().flatten().cloned().collect();
    let mut by_pattern = vec![0; found.len()];
    for text in [&document.title, &document.body] {
        for (_, index) in occurrences(text, &found) {
            by_pattern[index] += 1;
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    let mut next = 0;
    for (term, pattern) in terms.iter().zip(patterns) {
        let count = if pattern.is_some() {
            next += 1;
            by_pattern[next - 1]
        } else {
            0
        };
        counts.insert(term.as_str(), count);
    }
    Row {
        id: &document.id,
        title: &document.title,
        date: meta(document, MetaField::Date),
        category: meta(document, MetaField::Category),
        region: meta(document, MetaField::Region),
        doc_type: meta(document, MetaField::Type),
        agency: meta(document, MetaField::Agency),
        doc_number: meta(document, MetaField::DocNumber),
        score,
        counts,
        snippet: snippet(&document.body, highlights).text,
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line end.
fn csv_field(text: &str, out: &mut String) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

fn csv_line(cells: &[String]) -> String {
    let mut line = String::new();
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        csv_field(cell, &mut line);
    }
    line.push_str("\r\n");
    line
}

/// A table being written in one of the [`TableFormat`]s, row by row: CSV and JSON Lines go to
/// `out` as they come, XLSX to its file (a constant-memory worksheet).
pub struct TableWriter<'a> {
    format: TableFormat,
    out: &'a mut dyn Write,
    xlsx: Option<(rust_xlsxwriter::Workbook, &'a std::path::Path)>,
    /// Which columns an XLSX sheet holds as numbers.
    numeric: Vec<bool>,
    rows: usize,
    path: std::path::PathBuf,
}

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("XLSX: {error}"))
}

impl<'a> TableWriter<'a> {
    /// Starts a table with `header` (a numeric column marked `true`), in a sheet named `sheet`.
    /// XLSX needs a seekable file: give it through `xlsx_path` (`out` is then unused).
    pub fn new(
        format: TableFormat,
        out: &'a mut dyn Write,
        xlsx_path: Option<&'a std::path::Path>,
        sheet: &str,
        header: &[(String, bool)],
    ) -> Result<TableWriter<'a>> {
        let path = xlsx_path.map_or_else(|| "-".into(), |p| p.to_path_buf());
        let mut table = TableWriter {
            format,
            out,
            xlsx: None,
            numeric: header.iter().map(|(_, numeric)| *numeric).collect(),
            rows: 0,
            path,
        };
        let names: Vec<String> = header.iter().map(|(name, _)| name.clone()).collect();
        match format {
            TableFormat::Csv => {
                let mut head = String::from("\u{feff}");
                head.push_str(&csv_line(&names));
                table.write(head.as_bytes())?;
            }
            TableFormat::Jsonl => {}
            TableFormat::Xlsx => {
                let path = xlsx_path.ok_or_else(|| Error::InvalidParameter {
                    name: "output",
                    message: "an XLSX table is written to a file: give --output FILE.xlsx".into(),
                })?;
                let mut workbook = rust_xlsxwriter::Workbook::new();
                let worksheet = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_error)?;
                worksheet.set_name(sheet).map_err(xlsx_error)?;
                for (column, name) in names.iter().enumerate() {
                    worksheet
                        .write_string(0, column as u16, name)
                        .map_err(xlsx_error)?;
                }
                table.xlsx = Some((workbook, path));
            }
        }
        Ok(table)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Adds a row: `cells` in the header's order for CSV and XLSX, `object` for JSON Lines.
    pub fn row(&mut self, cells: &[String], object: &impl Serialize) -> Result<()> {
        match self.format {
            TableFormat::Csv => self.write(csv_line(cells).as_bytes())?,
            TableFormat::Jsonl => {
                let mut line =
                    serde_json::to_string(object).map_err(|e| Error::Internal(e.to_string()))?;
                line.push('\n');
                self.write(line.as_bytes())?;
            }
            TableFormat::Xlsx => {
                let line = (self.rows + 1) as u32;
                if let Some((workbook, _)) = self.xlsx.as_mut() {
                    let sheet = workbook.worksheet_from_index(0).map_err(xlsx_error)?;
                    for (column, cell) in cells.iter().enumerate() {
                        let numeric = self.numeric.get(column).copied().unwrap_or(false);
                        let column = column as u16;
                        match cell.parse::<f64>() {
                            Ok(number) if numeric => sheet.write_number(line, column, number),
                            _ => sheet.write_string(line, column, cell),
                        }
                        .map_err(xlsx_error)?;
                    }
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the table; returns the rows written.
    pub fn finish(mut self) -> Result<usize> {
        match self.xlsx.take() {
            Some((mut workbook, path)) => workbook.save(path).map_err(xlsx_error)?,
            None => self.out.flush().map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?,
        }
        Ok(self.rows)
    }
}

/// Write every document of `matches` to `out` as a table in `format`; returns the rows
/// written. XLSX needs a seekable file: give it through `xlsx_path` (`out` is then unused).
pub fn write_table(
    matches: &Matches,
    format: TableFormat,
    out: &mut dyn Write,
    xlsx_path: Option<&std::path::Path>,
) -> Result<usize> {
    let terms = &matches.terms;
    let patterns: Vec<Option<Pattern>> = terms.iter().map(|t| Pattern::new(t, 1.0)).collect();
    // The score and the counts are numbers.
    let header: Vec<(String, bool)> = header(terms)
        .into_iter()
        .enumerate()
        .map(|(column, name)| (name, column >= 8 && column < 9 + terms.len()))
        .collect();
    let mut table = TableWriter::new(format, out, xlsx_path, "检索结果", &header)?;
    for found in matches.documents() {
        let (score, document) = found?;
        let row = row(&document, score, terms, &patterns, &matches.highlights);
        table.row(&row.cells(terms), &row)?;
    }
    table.finish()
}
