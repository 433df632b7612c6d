//! From files to documents: walking corpus folders and reading `.txt`, `.md`, `.html`/`.htm`,
//! `.pdf`, `.docx`, `.json`, `.jsonl` and `.jsonl.gz` files in any common encoding. A file or line
//! that cannot be read becomes a [`Problem`] naming the file and line; it never stops the run.
//! Policy metadata missing from the input is filled in from the text ([`metadata`]).

mod decode;
mod formats;
mod json;
pub mod metadata;
mod walk;

pub use decode::{decode, Decoded};
pub use walk::{list_files, relative_id, Format, SourceFile, WalkStats};

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::document::Document;
use crate::document::{parse_day, Metadata};
use crate::error::Result;

/// Something in the corpus that could not be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, for line-oriented files.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
    /// Whether a whole document (or file) was skipped, or only a field was dropped.
    pub skipped: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

/// What reading the corpus yields, in order.
// Documents are by far the common case and are moved once each: boxing them would only add an
// allocation per document.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Item {
    /// A document to index.
    Document(Document),
    /// A file, line or field that was not used.
    Problem(Problem),
}

/// Size limits that keep hostile or broken input from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest JSON line read; a longer one is skipped and reported, never held in memory.
    pub max_line_bytes: u64,
    /// Most bytes a compressed file (`.jsonl.gz`, a DOCX's text) may expand to.
    pub max_expanded_bytes: u64,
    /// Largest single-document file read (text, HTML, PDF, DOCX, JSON). Indexing one document
    /// takes about 25 times its size in memory (1.3 GB for a 50 MB text, measured), so the
    /// default, 64 MB, keeps a run under 2 GB.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 64 << 20,
            max_expanded_bytes: 16 << 30,
            max_file_bytes: 64 << 20,
        }
    }
}

/// Read one file, handing its documents and problems to `sink` in order.
pub fn read_file(file: &SourceFile, limits: &Limits, sink: &mut impl FnMut(Item)) {
    let skip = |reason: String| {
        Item::Problem(Problem {
            path: file.path.clone(),
            line: None,
            reason,
            skipped: true,
        })
    };
    match file.format {
        Format::JsonLines | Format::JsonLinesGz => {
            json::read_json_lines(&file.path, file.format, limits, sink)
        }
        Format::Json => match too_large(file, limits) {
            Ok(()) => json::read_json(&file.path, sink),
            Err(reason) => sink(skip(reason)),
        },
        _ => match read_single(file, limits) {
            Ok((document, warning)) => {
                if let Some(reason) = warning {
                    sink(Item::Problem(Problem {
                        path: file.path.clone(),
                        line: None,
                        reason,
                        skipped: false,
                    }));
                }
                sink(Item::Document(document));
            }
            Err(reason) => sink(skip(reason)),
        },
    }
}

/// Read every supported file under `paths`, handing each document and each problem to `sink`.
///
/// Fails only when a path does not exist; everything else is reported through `sink`.
pub fn read_corpus(
    paths: &[PathBuf],
    limits: &Limits,
    mut sink: impl FnMut(Item),
) -> Result<WalkStats> {
    let mut problems = Vec::new();
    let (files, stats) = list_files(paths, |problem| problems.push(problem))?;
    for problem in problems {
        sink(Item::Problem(problem));
    }
    for file in &files {
        read_file(file, limits, &mut sink);
    }
    Ok(stats)
}

fn too_large(file: &SourceFile, limits: &Limits) -> std::result::Result<(), String> {
    let max = limits.max_file_bytes;
    if file.size > max {
        return Err(format!(
            "file of {} MB is larger than the {} MB allowed",
            file.size >> 20,
            max >> 20
        ));
    }
    Ok(())
}

/// A file holding one document: text, Markdown, HTML, PDF or DOCX. Returns the document and
/// a warning worth reporting, or why the file was skipped.
fn read_single(
    file: &SourceFile,
    limits: &Limits,
) -> std::result::Result<(Document, Option<String>), String> {
    too_large(file, limits)?;
    let bytes = std::fs::read(&file.path).map_err(|error| format!("cannot read: {error}"))?;
    let mut warning = None;
    let (title, body) = match file.format {
        Format::Pdf => split_title(&formats::pdf(&bytes)?, Format::Text),
        Format::Docx => split_title(
            &formats::docx(&bytes, limits.max_expanded_bytes)?,
            Format::Text,
        ),
        format => {
            let decoded = decode(&bytes)?;
            warning = decoded.warning;
            if let Some(encoding) = decoded.encoding {
                warning.get_or_insert_with(|| format!("read as {encoding}"));
            }
            if format == Format::Html {
                match formats::html(&decoded.text) {
                    (Some(title), body) => Some((title, body)),
                    (None, body) => split_title(&body, Format::Text),
                }
            } else {
                split_title(&decoded.text, format)
            }
        }
    }
    .ok_or_else(|| "empty: no title and no text".to_string())?;
    let id = relative_id(&file.path, &file.base);
    let folders: Vec<&str> = id.split('/').collect();
    let folders = &folders[..folders.len().saturating_sub(1)];
    let mut document = Document {
        body,
        metadata: Metadata {
            date: date_in_file_name(&file.path),
            category: folders.first().map(|folder| folder.to_string()),
            region: folders
                .iter()
                .find(|folder| metadata::is_region(folder))
                .map(|folder| folder.to_string()),
            ..Metadata::default()
        },
        path: file.path.display().to_string(),
        title,
        id,
    };
    metadata::fill(&mut document);
    // Only the encoding note is worth a line of its own when the text itself was fine.
    let warning = warning.filter(|w| !w.starts_with("read as"));
    Ok((document, warning))
}

/// Split a plain file into title and body. For Markdown the title is the first `# ` heading
/// (else the first non-empty line); for text, the first non-empty line. The body is the rest.
/// Every line end is read as one: CR LF (Windows), a lone CR (old Mac files), and the Unicode
/// line and paragraph separators U+2028 and U+2029 all become LF.
fn split_title(text: &str, format: Format) -> Option<(String, String)> {
    let text = &unify_line_ends(text);
    let mut offset = 0;
    let mut first_non_empty = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim();
        let range = offset..offset + line.len();
        offset += line.len();
        if content.is_empty() {
            continue;
        }
        if format == Format::Markdown {
            if let Some(heading) = content.strip_prefix("# ") {
                return Some(without_line(text, range, heading.trim()));
            }
        }
        if first_non_empty.is_none() {
            first_non_empty = Some((range, content));
            if format == Format::Text {
                break;
            }
        }
    }
    let (range, title) = first_non_empty?;
    Some(without_line(text, range, title))
}

/// `text` with every kind of line end as LF.
fn unify_line_ends(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\r', '\u{2028}', '\u{2029}']) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.replace("\r\n", "\n")
            .replace(['\r', '\u{2028}', '\u{2029}'], "\n"),
    )
}

fn without_line(text: &str, line: std::ops::Range<usize>, title: &str) -> (String, String) {
    let mut body = String::with_capacity(text.len() - line.len());
    body.push_str(&text[..line.start]);
    body.push_str(&text[line.end..]);
    (title.to_string(), body)
}

/// The date in a file name such as `太湖流域管理条例(2011-09-07).md`.
fn date_in_file_name(path: &Path) -> Option<time::Date> {
    let name = path.file_stem()?.to_str()?;
    let open = name.rfind('(')?;
    let inner = name[open + 1..].strip_suffix(')')?;
    parse_day(inner).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_title_is_first_non_empty_line() {
        let (title, body) =
            split_title("\n\n重磅!环太湖科创圈来了\n5月27日,长三角", Format::Text).unwrap();
        // Old Mac (CR only), Windows (CR LF) and Unicode separators end lines too.
        for text in [
            "重磅!环太湖科创圈来了\r5月27日,长三角\r共建",
            "重磅!环太湖科创圈来了\r\n5月27日,长三角\r\n共建",
            "重磅!环太湖科创圈来了\u{2028}5月27日,长三角\u{2029}共建",
        ] {
            let (title, body) = split_title(text, Format::Text).unwrap();
            assert_eq!(title, "重磅!环太湖科创圈来了", "{text:?}");
            assert_eq!(body, "5月27日,长三角\n共建", "{text:?}");
        }
        assert_eq!(title, "重磅!环太湖科创圈来了");
        assert_eq!(body, "\n\n5月27日,长三角");
    }

    #[test]
    fn markdown_title_is_first_heading() {
        let (title, body) = split_title(
            "# 太湖流域管理条例\n\n第一条 为了加强太湖流域",
            Format::Markdown,
        )
        .unwrap();
        assert_eq!(title, "太湖流域管理条例");
        assert_eq!(body, "\n第一条 为了加强太湖流域");
    }

    #[test]
    fn dates_are_validated() {
        assert!(parse_day("2011-09-07").is_ok());
        assert!(parse_day("2011-02-30").is_err());
        assert!(parse_day("2011-9-7").is_err());
        assert_eq!(
            date_in_file_name(Path::new("太湖流域管理条例(2011-09-07).md")),
            Some(time::macros::date!(2011 - 09 - 07))
        );
    }
}
