//! One error type for the library. Every variant has a stable machine-readable code (used by
//! the HTTP API), a message that says what to change, and an exit code for the CLI.

use std::path::{Path, PathBuf};

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, as the user should hear it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query text could not be understood.
    #[error("invalid query: {message}")]
    InvalidQuery {
        /// What is wrong, with the character position where it applies.
        message: String,
    },
    /// A request or command-line parameter is out of range or malformed.
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A request names a parameter the endpoint does not take.
    #[error("unknown parameter `{name}`: use {known}")]
    UnknownParameter {
        /// The parameter as given.
        name: String,
        /// The parameters the endpoint takes, joined for display.
        known: String,
    },
    /// No document has this id.
    #[error("no document with id `{id}`")]
    DocumentNotFound {
        /// The id asked for.
        id: String,
    },
    /// A corpus path given to `index` does not exist.
    #[error("corpus path {} does not exist", path.display())]
    CorpusNotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The corpus gave no document at all.
    #[error(
        "no documents found in {paths}: give --corpus a folder of .txt, .md, .html, .pdf, .docx, .json, .jsonl or .jsonl.gz files"
    )]
    EmptyCorpus {
        /// The corpus paths, joined for display.
        paths: String,
    },
    /// No index has been built at this location.
    #[error("no index at {}: run `policy-search index --index {}` first", dir.display(), dir.display())]
    IndexNotFound {
        /// The index directory.
        dir: PathBuf,
    },
    /// Another process is writing to the index.
    #[error("index at {} is locked by another `policy-search index` process; wait for it to finish", dir.display())]
    IndexLocked {
        /// The index directory.
        dir: PathBuf,
    },
    /// The folder has index files that cannot be read.
    #[error("index at {} is damaged ({detail}); rebuild it with `policy-search index --full --index {}`", dir.display(), dir.display())]
    DamagedIndex {
        /// The index directory.
        dir: PathBuf,
        /// What could not be read.
        detail: String,
    },
    /// The index was built by a version with another schema.
    #[error("index at {} was built by an incompatible version; rebuild it with `policy-search index --index {}`", dir.display(), dir.display())]
    IncompatibleIndex {
        /// The index directory.
        dir: PathBuf,
    },
    /// Writing the index failed part-way (a full disk, a read-only folder); the last commit is
    /// untouched.
    #[error("writing the index at {} failed ({detail}); check free disk space and write permission: the previous index is still in place", dir.display())]
    IndexWriteFailed {
        /// The index directory.
        dir: PathBuf,
        /// Tantivy's account of it.
        detail: String,
    },
    /// Tantivy failed on the index at `dir`.
    #[error("index at {}: {source}", dir.display())]
    Index {
        /// The index directory.
        dir: PathBuf,
        /// Tantivy's error.
        source: tantivy::TantivyError,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// `index --strict` skipped some input.
    #[error("{skipped} files or lines were skipped (listed above) and --strict was given")]
    Strict {
        /// How many.
        skipped: usize,
    },
    /// A bug or an unexpected failure inside the engine.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Wrap a Tantivy error about the index at `dir`, recognising the writer lock.
    pub fn index(dir: &Path, source: tantivy::TantivyError) -> Error {
        match source {
            tantivy::TantivyError::LockFailure(..) => Error::IndexLocked {
                dir: dir.to_path_buf(),
            },
            tantivy::TantivyError::ErrorInThread(detail) => Error::IndexWriteFailed {
                dir: dir.to_path_buf(),
                detail,
            },
            source => Error::Index {
                dir: dir.to_path_buf(),
                source,
            },
        }
    }

    /// Wrap an I/O error about `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// This error's row of the table: its stable machine-readable code, its HTTP status and
    /// its CLI exit code (2 for what the user typed, 3 for `--strict`, 1 for everything else).
    /// Every variant has its row here and nowhere else.
    fn row(&self) -> (&'static str, u16, u8) {
        match self {
            Error::InvalidQuery { .. } => ("invalid_query", 400, 2),
            Error::InvalidParameter { .. } | Error::UnknownParameter { .. } => {
                ("invalid_parameter", 400, 2)
            }
            Error::DocumentNotFound { .. } => ("document_not_found", 404, 2),
            Error::CorpusNotFound { .. } => ("corpus_not_found", 500, 2),
            Error::EmptyCorpus { .. } => ("empty_corpus", 500, 1),
            Error::IndexNotFound { .. } => ("index_not_found", 500, 1),
            Error::IndexLocked { .. } => ("index_locked", 500, 1),
            Error::IncompatibleIndex { .. } => ("incompatible_index", 500, 1),
            Error::DamagedIndex { .. } => ("index_damaged", 500, 1),
            Error::IndexWriteFailed { .. } => ("index_write_failed", 500, 1),
            Error::Index { .. } => ("index_error", 500, 1),
            Error::Io { .. } => ("io_error", 500, 1),
            Error::Strict { .. } => ("skipped_input", 500, 3),
            Error::Internal(_) => ("internal", 500, 1),
        }
    }

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        self.row().0
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        self.row().1
    }

    /// The CLI exit code.
    pub fn exit_code(&self) -> u8 {
        self.row().2
    }
}
