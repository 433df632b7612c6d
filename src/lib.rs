//! policy-search: full-text search for Chinese policy documents.
//!
//! The map of the crate, in the order data flows through it (each layer uses only those above
//! it in this list; ARCHITECTURE.md draws it):
//!
//! - [`error`]: the one error type, with each error's code, HTTP status and exit code;
//! - [`document`]: the one [`Document`] with its [`document::Metadata`], the field list and the
//!   filters derived from it;
//! - [`ingest`]: corpus files (`.txt` `.md` `.html` `.pdf` `.docx` `.json` `.jsonl`
//!   `.jsonl.gz`) into documents, metadata filled in from the text;
//! - [`analysis`]: normalisation, jieba, the token views, matching patterns on units,
//!   sentences / paragraphs / 条, query-term expansions;
//! - [`index`]: the schema, the incremental writer, the manifest, progress events;
//! - [`query`]: the query language, parsed into a tree (a pure grammar);
//! - [`search`]: the [`Engine`]: planning, ranking, exact phrases, `/s` `/p`, the time
//!   budget, snippets, facets, related documents;
//! - [`export`]: analysed documents for Quickwit or OpenSearch;
//! - [`server`]: the JSON API over HTTP and the page (the only place that writes HTML).
//!
//! The command-line program (`src/main.rs`, `src/cli/`) is a thin shell over these.

pub mod analysis;
pub mod document;
pub mod error;
pub mod export;
pub mod index;
pub mod ingest;
pub mod query;
pub mod search;
pub mod server;
pub mod workbench;

pub use document::Document;
pub use error::{Error, Result};
pub use search::{Engine, SearchRequest, SearchResponse};
