//! policy-search: full-text search for Chinese policy documents.
//!
//! The map of the crate, in the order data flows through it:
//!
//! - [`ingest`]: corpus files (`.txt`, `.md`, `.jsonl`, `.jsonl.gz`) into [`ingest::Document`]s;
//! - [`analysis`]: normalisation and the word / bigram / unit views every text is indexed as;
//! - [`schema`]: the Tantivy fields and opening an index with the project's tokenizers;
//! - [`indexer`]: documents into an index, replaced in one commit;
//! - [`query`]: the query language, parsed; [`expansion`]: abbreviations, traditional/simplified;
//! - [`search`]: queries run, ranked and turned into hits; [`snippet`]: their highlighted passages;
//!   [`facets`]: counts per category, region, type, agency, year; [`proximity`]: `/s` and `/p`;
//!   [`budget`]: the time one search may take;
//! - [`phrase`]: exact phrases over the gram view, with a shortcut through the word view;
//! - [`structure`]: sentences, paragraphs and 条 of a text; [`metadata`]: 文种 and other fields;
//! - [`server`]: the JSON API over HTTP and the page; [`export`]: analysed documents for
//!   Quickwit or OpenSearch;
//! - [`error`]: the one error type, with codes and exit statuses.

pub mod analysis;
pub mod budget;
pub mod error;
pub mod expansion;
pub mod export;
pub mod facets;
pub mod indexer;
pub mod ingest;
pub mod metadata;
pub mod phrase;
pub mod proximity;
pub mod query;
pub mod schema;
pub mod search;
pub mod server;
pub mod snippet;
pub mod structure;

pub use error::{Error, Result};
pub use search::{Engine, SearchRequest, SearchResponse};
