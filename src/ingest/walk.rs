//! Walking the corpus: which files there are, of which format, and the ids they give.

use std::path::{Component, Path, PathBuf};

use super::Problem;
use crate::error::{Error, Result};

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
    // A file under two roots given (`--corpus S --corpus S/行政法规`) is listed once, under the
    // first: it holds one set of documents.
    let mut listed = std::collections::HashSet::new();
    for root in paths {
        // A root that is itself a file: ids are relative to its folder.
        let base = if root.is_file() {
            root.parent().unwrap_or(Path::new(""))
        } else {
            root.as_path()
        };
        // Symbolic links are followed (a corpus assembled from links is common); a link loop
        // is reported as a problem, never walked forever.
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
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
            let Some(format) = Format::of(Path::new(&*entry.file_name().to_string_lossy())) else {
                stats.ignored_files += 1;
                continue;
            };
            if path.strip_prefix(base).unwrap_or(path).to_str().is_none() {
                on_problem(Problem {
                    path: path.to_path_buf(),
                    line: None,
                    reason: "its name is not valid UTF-8 (GBK names from Windows archives often \
                             are), so it can have no id: rename it to UTF-8, e.g. `convmv -f gbk \
                             -t utf8 -r --notest FOLDER`; not read"
                        .to_string(),
                    skipped: true,
                });
                continue;
            }
            let (size, modified) = stamp(entry.metadata().ok());
            let key = std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .display()
                .to_string();
            if !listed.insert(key.clone()) {
                continue;
            }
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
