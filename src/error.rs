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
        "no documents found in {paths}: give --corpus a folder of .txt/.md/.jsonl/.jsonl.gz files"
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

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidQuery { .. } => "invalid_query",
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::DocumentNotFound { .. } => "document_not_found",
            Error::CorpusNotFound { .. } => "corpus_not_found",
            Error::EmptyCorpus { .. } => "empty_corpus",
            Error::IndexNotFound { .. } => "index_not_found",
            Error::IndexLocked { .. } => "index_locked",
            Error::IncompatibleIndex { .. } => "incompatible_index",
            Error::IndexWriteFailed { .. } => "index_write_failed",
            Error::Index { .. } => "index_error",
            Error::Io { .. } => "io_error",
            Error::Strict { .. } => "skipped_input",
            Error::Internal(_) => "internal",
        }
    }

    /// The CLI exit code: 2 for what the user typed, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidQuery { .. }
            | Error::InvalidParameter { .. }
            | Error::CorpusNotFound { .. }
            | Error::DocumentNotFound { .. } => 2,
            Error::Strict { .. } => 3,
            _ => 1,
        }
    }
}
