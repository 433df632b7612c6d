//! From files to documents: walking corpus folders and reading `.txt`, `.md`, `.jsonl` and
//! `.jsonl.gz` files. A file or line that cannot be read becomes a [`Problem`] naming the file
//! and line; it never stops the run.

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
    /// Publication date, `YYYY-MM-DD`.
    pub date: Option<time::Date>,
    /// Category, e.g. 行政法规 (a JSONL field, or the file's top-level folder).
    pub category: Option<String>,
    /// Province or city (a JSONL field, or a folder named after a province).
    pub region: Option<String>,
    /// 文种 (a JSONL field `type`, or the ending of the title).
    pub doc_type: Option<String>,
    /// 发文机关 (a JSONL field `agency`).
    pub agency: Option<String>,
    /// 发文字号 (a JSONL field `doc_number`).
    pub doc_number: Option<String>,
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
enum Format {
    Text,
    Markdown,
    JsonLines,
    JsonLinesGz,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".jsonl.gz") {
            Some(Format::JsonLinesGz)
        } else if name.ends_with(".jsonl") {
            Some(Format::JsonLines)
        } else if name.ends_with(".md") || name.ends_with(".markdown") {
            Some(Format::Markdown)
        } else if name.ends_with(".txt") {
            Some(Format::Text)
        } else {
            None
        }
    }
}

/// Province-level names recognised as a region when a folder is named after one.
const REGIONS: &[&str] = &[
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// Read every supported file under `paths` (files or folders, walked recursively in name
/// order, hidden entries skipped), handing each document and each problem to `sink`.
///
/// Fails only when a path does not exist; everything else is reported through `sink`.
pub fn read_corpus(paths: &[PathBuf], mut sink: impl FnMut(Item)) -> Result<WalkStats> {
    for path in paths {
        if !path.exists() {
            return Err(Error::CorpusNotFound { path: path.clone() });
        }
    }
    let mut stats = WalkStats::default();
    for root in paths {
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
                    sink(Item::Problem(Problem {
                        path,
                        line: None,
                        reason: error.to_string(),
                        skipped: true,
                    }));
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
            stats.files += 1;
            stats.bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
            // A root that is itself a file: ids are relative to its folder.
            let base = if root.is_file() {
                root.parent().unwrap_or(Path::new(""))
            } else {
                root.as_path()
            };
            match format {
                Format::Text | Format::Markdown => match read_plain_file(path, base, format) {
                    Ok(document) => sink(Item::Document(document)),
                    Err(reason) => sink(Item::Problem(Problem {
                        path: path.to_path_buf(),
                        line: None,
                        reason,
                        skipped: true,
                    })),
                },
                Format::JsonLines | Format::JsonLinesGz => read_json_lines(path, format, &mut sink),
            }
        }
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

/// Decode a text file: UTF-8, with or without a byte-order mark.
fn decode(bytes: &[u8]) -> std::result::Result<&str, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 text is not supported yet: save the file as UTF-8".to_string());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes), not text".to_string());
    }
    std::str::from_utf8(bytes).map_err(|error| {
        format!(
            "not valid UTF-8 at byte {} (GB18030 and other encodings are not supported yet: save the file as UTF-8)",
            error.valid_up_to()
        )
    })
}

fn read_plain_file(
    path: &Path,
    base: &Path,
    format: Format,
) -> std::result::Result<Document, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read: {error}"))?;
    let text = decode(&bytes)?;
    let (title, body) =
        split_title(text, format).ok_or_else(|| "empty file: no title and no text".to_string())?;
    let id = relative_id(path, base);
    let folders: Vec<&str> = id.split('/').collect();
    let folders = &folders[..folders.len().saturating_sub(1)];
    Ok(Document {
        body,
        date: date_in_file_name(path),
        category: folders.first().map(|folder| folder.to_string()),
        region: folders
            .iter()
            .find(|folder| REGIONS.contains(folder))
            .map(|folder| folder.to_string()),
        doc_type: crate::metadata::document_type(&title).map(str::to_string),
        agency: None,
        doc_number: None,
        source: None,
        path: path.display().to_string(),
        title,
        id,
    })
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
    let reader: Box<dyn Read> = match format {
        Format::JsonLinesGz => Box::new(flate2::read::MultiGzDecoder::new(file)),
        _ => Box::new(file),
    };
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut buffer = Vec::new();
    let mut line_number = 0;
    loop {
        buffer.clear();
        line_number += 1;
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                let reason = if format == Format::JsonLinesGz {
                    format!("compressed stream is cut or corrupt here ({error}); the lines before it were kept")
                } else {
                    format!("cannot read further ({error}); the lines before it were kept")
                };
                return sink(problem(Some(line_number), reason, true));
            }
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
        if record.id.trim().is_empty() {
            sink(problem(
                Some(line_number),
                "field `id` is empty".to_string(),
                true,
            ));
            continue;
        }
        let date = match record
            .date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => None,
            Some(text) => match parse_date(text) {
                Ok(date) => Some(date),
                Err(reason) => {
                    sink(problem(
                        Some(line_number),
                        format!("field `date`: {reason}; indexed without a date"),
                        false,
                    ));
                    None
                }
            },
        };
        let non_empty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let doc_type = non_empty(record.doc_type)
            .or_else(|| crate::metadata::document_type(&record.title).map(str::to_string));
        sink(Item::Document(Document {
            doc_type,
            agency: non_empty(record.agency),
            doc_number: non_empty(record.doc_number),
            id: record.id,
            title: record.title,
            body: record.body,
            date,
            category: non_empty(record.category),
            region: non_empty(record.region),
            source: non_empty(record.source),
            path: path.display().to_string(),
        }));
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

    #[test]
    fn non_utf8_is_refused_with_a_reason() {
        let gb18030 = [0xCC, 0xAB, 0xBA, 0xFE]; // 太湖 in GB18030
        assert!(decode(&gb18030).unwrap_err().contains("not valid UTF-8"));
        assert!(decode(b"\xFF\xFE\x2A\x59").unwrap_err().contains("UTF-16"));
        assert_eq!(decode("\u{FEFF}太湖".as_bytes()).unwrap(), "太湖");
    }
}
