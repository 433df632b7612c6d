//! From files to documents: walking corpus folders and reading `.txt`, `.md`, `.html`/`.htm`,
//! `.pdf`, `.docx`, `.json`, `.jsonl` and `.jsonl.gz` files in any common encoding. A file or line
//! that cannot be read becomes a [`Problem`] naming the file and line; it never stops the run.
//! Policy metadata missing from the input is filled in from the text ([`crate::metadata`]).

mod decode;
mod formats;

pub use decode::{decode, Decoded};

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// One document, as read from the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Unique id: a file's path relative to its corpus root, or a JSONL record's `id`.
    pub id: String,
    /// The title.
    pub title: String,
    /// The full text without the title.
    pub body: String,
    /// The document's date: given, from the file name, or its 公布/成文/施行 date.
    pub date: Option<time::Date>,
    /// 成文日期 found in the text.
    pub issued: Option<time::Date>,
    /// 公布日期 found in the text.
    pub published: Option<time::Date>,
    /// 施行日期 found in the text.
    pub effective: Option<time::Date>,
    /// Category, e.g. 行政法规 (a JSONL field, or the file's top-level folder).
    pub category: Option<String>,
    /// Province or city (a JSONL field, or a folder named after a province).
    pub region: Option<String>,
    /// 文种 (a JSONL field `type`, or the ending of the title).
    pub doc_type: Option<String>,
    /// 发文机关 (a JSONL field `agency`).
    pub agency: Option<String>,
    /// 发文字号 (a JSONL field `doc_number`), brackets normalised to 〔〕.
    pub doc_number: Option<String>,
    /// 发文字号 as written in the text.
    pub doc_number_original: Option<String>,
    /// Where the text was taken from (a JSONL field).
    pub source: Option<String>,
    /// The file the document was read from.
    pub path: String,
}

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

/// Counts of what the walk saw besides documents.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WalkStats {
    /// Files read (of a supported kind).
    pub files: usize,
    /// Files of other kinds, ignored.
    pub ignored_files: usize,
    /// Bytes of input read (compressed size for `.gz`).
    pub bytes: u64,
}

/// The kinds of file the indexer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.txt`: the first non-empty line is the title.
    Text,
    /// `.md`: the first `# ` heading is the title.
    Markdown,
    /// `.html`, `.htm`: `<meta name="ArticleTitle">` or `<title>`, and the article's text.
    Html,
    /// `.pdf`: the text layer; the first line is the title.
    Pdf,
    /// `.docx`: the paragraphs; the first is the title.
    Docx,
    /// `.json`: one document object, or an array of them.
    Json,
    /// `.jsonl`: one document object a line.
    JsonLines,
    /// `.jsonl.gz`: the same, gzipped.
    JsonLinesGz,
}

impl Format {
    /// The format of `path`, by its name.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let format = match name.rsplit('.').next()? {
            "gz" if name.ends_with(".jsonl.gz") => Format::JsonLinesGz,
            "jsonl" => Format::JsonLines,
            "json" => Format::Json,
            "md" | "markdown" => Format::Markdown,
            "txt" => Format::Text,
            "html" | "htm" => Format::Html,
            "pdf" => Format::Pdf,
            "docx" => Format::Docx,
            _ => return None,
        };
        Some(format)
    }
}

/// A corpus file found by [`list_files`].
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as walked.
    pub path: PathBuf,
    /// The folder ids are relative to.
    pub base: PathBuf,
    /// How to read it.
    pub format: Format,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when unknown).
    pub modified: u128,
    /// A stable key for the file: its absolute path.
    pub key: String,
}

impl SourceFile {
    /// Has the file changed on disk (size or modification time) since it was listed? Asked
    /// after reading it: a file written to while it was read may have given a mix of old and
    /// new text.
    pub fn changed_since_listed(&self) -> bool {
        let metadata = std::fs::metadata(&self.path).ok();
        metadata.is_some() && stamp(metadata) != (self.size, self.modified)
    }
}

/// Size and modification time (nanoseconds since the Unix epoch, 0 when unknown) of a file.
fn stamp(metadata: Option<std::fs::Metadata>) -> (u64, u128) {
    let size = metadata.as_ref().map_or(0, |m| m.len());
    let modified = metadata
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    (size, modified)
}

/// Size limits that keep hostile or broken input from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest JSON line read; a longer one is skipped and reported, never held in memory.
    pub max_line_bytes: u64,
    /// Most bytes a compressed file (`.jsonl.gz`, a DOCX's text) may expand to.
    pub max_expanded_bytes: u64,
    /// Largest single-document file read (text, HTML, PDF, DOCX, JSON).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 64 << 20,
            max_expanded_bytes: 16 << 30,
            max_file_bytes: 512 << 20,
        }
    }
}

static LIMITS: std::sync::RwLock<Option<Limits>> = std::sync::RwLock::new(None);

/// Set the limits for this process (`index --max-line-mb` and friends).
pub fn set_limits(limits: Limits) {
    if let Ok(mut current) = LIMITS.write() {
        *current = Some(limits);
    }
}

/// The limits in force.
pub fn limits() -> Limits {
    LIMITS.read().ok().and_then(|l| *l).unwrap_or_default()
}

/// Every supported file under `paths` (files or folders, walked recursively in name order,
/// hidden entries skipped). Problems walking a folder go to `on_problem`.
///
/// Fails only when a path does not exist.
pub fn list_files(
    paths: &[PathBuf],
    mut on_problem: impl FnMut(Problem),
) -> Result<(Vec<SourceFile>, WalkStats)> {
    for path in paths {
        if !path.exists() {
            return Err(Error::CorpusNotFound { path: path.clone() });
        }
    }
    let mut stats = WalkStats::default();
    let mut files = Vec::new();
    for root in paths {
        // A root that is itself a file: ids are relative to its folder.
        let base = if root.is_file() {
            root.parent().unwrap_or(Path::new(""))
        } else {
            root.as_path()
        };
        let walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error.path().unwrap_or(root).to_path_buf();
                    on_problem(Problem {
                        path,
                        line: None,
                        reason: error.to_string(),
                        skipped: true,
                    });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let Some(format) = Format::of(path) else {
                stats.ignored_files += 1;
                continue;
            };
            let (size, modified) = stamp(entry.metadata().ok());
            let key = std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .display()
                .to_string();
            stats.files += 1;
            stats.bytes += size;
            files.push(SourceFile {
                path: path.to_path_buf(),
                base: base.to_path_buf(),
                format,
                size,
                modified,
                key,
            });
        }
    }
    Ok((files, stats))
}

/// Read one file, handing its documents and problems to `sink` in order.
pub fn read_file(file: &SourceFile, sink: &mut impl FnMut(Item)) {
    let skip = |reason: String| {
        Item::Problem(Problem {
            path: file.path.clone(),
            line: None,
            reason,
            skipped: true,
        })
    };
    match file.format {
        Format::JsonLines | Format::JsonLinesGz => read_json_lines(&file.path, file.format, sink),
        Format::Json => match too_large(file) {
            Ok(()) => read_json(&file.path, sink),
            Err(reason) => sink(skip(reason)),
        },
        _ => match read_single(file) {
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
pub fn read_corpus(paths: &[PathBuf], mut sink: impl FnMut(Item)) -> Result<WalkStats> {
    let mut problems = Vec::new();
    let (files, stats) = list_files(paths, |problem| problems.push(problem))?;
    for problem in problems {
        sink(Item::Problem(problem));
    }
    for file in &files {
        read_file(file, &mut sink);
    }
    Ok(stats)
}

/// A file's id: its path relative to `base`, with `/` separators.
pub fn relative_id(path: &Path, base: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn too_large(file: &SourceFile) -> std::result::Result<(), String> {
    let max = limits().max_file_bytes;
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
fn read_single(file: &SourceFile) -> std::result::Result<(Document, Option<String>), String> {
    too_large(file)?;
    let bytes = std::fs::read(&file.path).map_err(|error| format!("cannot read: {error}"))?;
    let mut warning = None;
    let (title, body) = match file.format {
        Format::Pdf => split_title(&formats::pdf(&bytes)?, Format::Text),
        Format::Docx => split_title(&formats::docx(&bytes)?, Format::Text),
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
        date: date_in_file_name(&file.path),
        issued: None,
        published: None,
        effective: None,
        category: folders.first().map(|folder| folder.to_string()),
        region: folders
            .iter()
            .find(|folder| crate::metadata::is_region(folder))
            .map(|folder| folder.to_string()),
        doc_type: None,
        agency: None,
        doc_number: None,
        doc_number_original: None,
        source: None,
        path: file.path.display().to_string(),
        title,
        id,
    };
    crate::metadata::fill(&mut document);
    // Only the encoding note is worth a line of its own when the text itself was fine.
    let warning = warning.filter(|w| !w.starts_with("read as"));
    Ok((document, warning))
}

/// Split a plain file into title and body. For Markdown the title is the first `# ` heading
/// (else the first non-empty line); for text, the first non-empty line. The body is the rest.
fn split_title(text: &str, format: Format) -> Option<(String, String)> {
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
    parse_date(inner).ok()
}

/// Parse a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> std::result::Result<time::Date, String> {
    let invalid = || format!("`{text}` is not a date of the form YYYY-MM-DD");
    let mut parts = text.splitn(3, '-');
    let mut next = |len: usize| {
        parts
            .next()
            .filter(|part| part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
    };
    let (Some(year), Some(month), Some(day)) = (next(4), next(2), next(2)) else {
        return Err(invalid());
    };
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let month: u8 = month.parse().map_err(|_| invalid())?;
    let day: u8 = day.parse().map_err(|_| invalid())?;
    let month = time::Month::try_from(month).map_err(|_| invalid())?;
    time::Date::from_calendar_date(year, month, day).map_err(|_| invalid())
}

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

fn read_json_lines(path: &Path, format: Format, sink: &mut impl FnMut(Item)) {
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
    let limits = limits();
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
            Some(text) => match parse_date(text) {
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
            date,
            issued: None,
            published: None,
            effective: None,
            category: non_empty(self.category),
            region: non_empty(self.region),
            doc_type: non_empty(self.doc_type),
            agency: non_empty(self.agency),
            doc_number_original: non_empty(self.doc_number.clone()),
            doc_number: non_empty(self.doc_number),
            source: non_empty(self.source),
            path: path.display().to_string(),
        };
        crate::metadata::fill(&mut document);
        Ok((document, warning))
    }
}

/// A `.json` file: one document object, or an array of them.
fn read_json(path: &Path, sink: &mut impl FnMut(Item)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_title_is_first_non_empty_line() {
        let (title, body) =
            split_title("\n\n重磅!环太湖科创圈来了\n5月27日,长三角", Format::Text).unwrap();
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
        assert!(parse_date("2011-09-07").is_ok());
        assert!(parse_date("2011-02-30").is_err());
        assert!(parse_date("2011-9-7").is_err());
        assert_eq!(
            date_in_file_name(Path::new("太湖流域管理条例(2011-09-07).md")),
            Some(time::macros::date!(2011 - 09 - 07))
        );
    }
}
