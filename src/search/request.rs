//! What a search is asked and what it answers, as typed values. The engine fills these; the
//! HTTP layer (`server::json`) and the CLI render them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::facets::{FacetCount, Facets};
pub use super::graph::{CitationLink, Citations, RepealInfo, Unresolved};
use super::snippet::Snippet;
use super::versions::Validity;
use crate::analysis::compare::Aligned;
use crate::document::{Document, Filter, Filters, Metadata};
use crate::error::{Error, Result};
use crate::query::{parse, parse_date_range, Node};

/// Largest `limit` a search accepts.
pub const MAX_LIMIT: usize = 1000;
/// Largest `offset` a search accepts.
pub const MAX_OFFSET: usize = 100_000;
/// Default number of hits.
pub const DEFAULT_LIMIT: usize = 10;
/// Default number of related documents.
pub const DEFAULT_SIMILAR: usize = 10;
/// Default time one search may spend matching before it answers with what it has found
/// ([`SearchResponse::timed_out`]).
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(5);

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first; undated documents last.
    DateDesc,
    /// Oldest first; undated documents last.
    DateAsc,
}

impl std::str::FromStr for Sort {
    type Err = Error;

    fn from_str(text: &str) -> Result<Sort> {
        match text {
            "relevance" => Ok(Sort::Relevance),
            "date_desc" | "date" => Ok(Sort::DateDesc),
            "date_asc" => Ok(Sort::DateAsc),
            _ => Err(Error::InvalidParameter {
                name: "sort",
                message: format!(
                    "`{text}` is not a sort order: use relevance, date_desc or date_asc"
                ),
            }),
        }
    }
}

/// Whether every term must be in every hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// Documents with every term first; when they do not fill the page, documents lacking
    /// some term follow, each saying which ([`Hit::missing`]). Unless the query writes `AND`
    /// or `+term`.
    #[default]
    Auto,
    /// Only documents with every term.
    All,
}

impl std::str::FromStr for MatchMode {
    type Err = Error;

    fn from_str(text: &str) -> Result<MatchMode> {
        match text {
            "auto" => Ok(MatchMode::Auto),
            "all" => Ok(MatchMode::All),
            _ => Err(Error::InvalidParameter {
                name: "match",
                message: format!(
                    "`{text}` is not a match mode: use auto (documents lacking a term follow those with all, when few have all) or all"
                ),
            }),
        }
    }
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query text (see [`crate::query`]).
    pub q: String,
    /// Hits to return, 1..=[`MAX_LIMIT`].
    pub limit: usize,
    /// Hits to skip, 0..=[`MAX_OFFSET`].
    pub offset: usize,
    /// Extra filters.
    pub filters: Filters,
    /// Order of the hits.
    pub sort: Sort,
    /// Count matching documents per category, region, type, agency and year.
    pub facets: bool,
    /// Return every matching 条 of each hit, not only the best one.
    pub articles: bool,
    /// Whether renderers should mark the matches in snippets (the engine locates them either
    /// way; off, the HTTP API gives plain escaped text).
    pub highlight: bool,
    /// Whether documents lacking some of the terms may follow those with all of them.
    pub match_mode: MatchMode,
    /// Break each hit's score into its parts ([`Hit::explanation`]).
    pub explain: bool,
    /// Show the versions of one instrument as one hit, its newest matching version, the other
    /// matching ones in [`Hit::other_versions`]; off, every version is a hit of its own.
    /// `total` counts documents either way; `limit` and `offset` count hits.
    pub collapse: bool,
}

impl SearchRequest {
    /// A request for the first [`DEFAULT_LIMIT`] hits of `q`, by relevance.
    pub fn new(q: impl Into<String>) -> SearchRequest {
        SearchRequest {
            q: q.into(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            filters: Filters::default(),
            sort: Sort::Relevance,
            facets: false,
            articles: false,
            highlight: true,
            match_mode: MatchMode::Auto,
            explain: false,
            collapse: true,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(Error::InvalidParameter {
                name: "limit",
                message: format!("{} is out of range: use 1 to {MAX_LIMIT}", self.limit),
            });
        }
        if self.offset > MAX_OFFSET {
            return Err(Error::InvalidParameter {
                name: "offset",
                message: format!("{} is out of range: use 0 to {MAX_OFFSET}", self.offset),
            });
        }
        Ok(())
    }

    /// The query tree with the request's filters joined to it.
    pub(crate) fn tree(&self) -> Result<Node> {
        let mut nodes = vec![parse(&self.q)?];
        nodes.extend(self.filter_nodes()?);
        Ok(if nodes.len() == 1 {
            nodes.remove(0)
        } else {
            Node::And(nodes)
        })
    }

    /// The request's filters alone as a tree, `None` when it has none.
    pub(crate) fn filter_tree(&self) -> Result<Option<Node>> {
        let mut nodes = self.filter_nodes()?;
        Ok(match nodes.len() {
            0 => None,
            1 => Some(nodes.remove(0)),
            _ => Some(Node::And(nodes)),
        })
    }

    fn filter_nodes(&self) -> Result<Vec<Node>> {
        let mut nodes = Vec::new();
        for (filter, value) in self.filters.iter() {
            let name = filter.name();
            let invalid = |message| Error::InvalidParameter { name, message };
            nodes.push(match filter {
                Filter::Field(field) => Node::Meta {
                    field,
                    value: value.to_string(),
                },
                Filter::Graph(graph) => {
                    graph.check(value).map_err(invalid)?;
                    Node::Graph {
                        filter: graph,
                        value: value.to_string(),
                    }
                }
                Filter::Year => {
                    if !(value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit())) {
                        return Err(invalid(format!("`{value}` is not a year such as 2021")));
                    }
                    Node::Date(parse_date_range(value).map_err(invalid)?)
                }
                Filter::Date => Node::Date(parse_date_range(value).map_err(invalid)?),
            });
        }
        Ok(nodes)
    }
}

/// The answer to a search.
#[derive(Debug, Clone)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// All documents with every term of the query (not only those returned).
    pub total: usize,
    /// Documents lacking some term that were listed after those (0 unless too few had them
    /// all to fill the page; see [`MatchMode`]).
    pub partial: usize,
    /// Time spent searching, in milliseconds.
    pub took_ms: f64,
    /// The search ran out of its time budget: `total` and `hits` cover only the documents
    /// matched until then, and `hits` may be fewer than asked for (those whose text and
    /// snippets were built in time, best first).
    pub timed_out: bool,
    /// The hits, best first.
    pub hits: Vec<Hit>,
    /// Counts per facet value, when asked for.
    pub facets: Option<Facets>,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Relevance score (higher is better; only comparable within one response; 0 when sorted
    /// by date).
    pub score: f32,
    /// What is known of the document.
    pub metadata: Metadata,
    /// The 条 the snippet comes from, e.g. `第十二条`.
    pub article: Option<String>,
    /// Best passage with its matches.
    pub snippet: Snippet,
    /// Every matching 条 with its snippet, when asked for.
    pub articles: Option<Vec<ArticleHit>>,
    /// The query's terms (as typed) this document lacks; empty for a full match.
    pub missing: Vec<String>,
    /// The score broken into its parts, when asked for.
    pub explanation: Option<ScoreDetail>,
    /// How many versions its instrument has in the index (1: no other version).
    pub versions: usize,
    /// The other versions that match too, newest first, when versions are collapsed.
    pub other_versions: Vec<String>,
    /// The other documents that match and hold exactly this text (one law filed under two
    /// categories, one interpretation saved under two spellings of its title), folded into this
    /// hit when versions are collapsed.
    pub copies: Vec<String>,
    /// Its 时效性.
    pub validity: Validity,
}

impl Hit {
    /// The ids of every matching document this hit stands for: its own, its other matching
    /// versions, then its copies.
    pub fn documents(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.other_versions.iter().map(String::as_str))
            .chain(self.copies.iter().map(String::as_str))
    }
}

/// A score and the parts it is made of (as Elasticsearch's `_explain` gives them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDetail {
    /// What this part is.
    pub description: String,
    /// Its value.
    pub value: f32,
    /// The parts it is computed from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ScoreDetail>,
}

impl From<&tantivy::query::Explanation> for ScoreDetail {
    fn from(explanation: &tantivy::query::Explanation) -> ScoreDetail {
        // Tantivy's explanation serialises to the same shape; only its parts are read.
        #[derive(Deserialize)]
        struct Node {
            description: String,
            value: f32,
            #[serde(default)]
            details: Vec<Node>,
        }
        fn convert(node: Node) -> ScoreDetail {
            ScoreDetail {
                description: node.description,
                value: node.value,
                details: node.details.into_iter().map(convert).collect(),
            }
        }
        serde_json::to_value(explanation)
            .and_then(serde_json::from_value::<Node>)
            .map(convert)
            .unwrap_or_else(|error| ScoreDetail {
                description: format!("explanation unavailable: {error}"),
                value: explanation.value(),
                details: Vec::new(),
            })
    }
}

/// A matching 条 of a hit.
#[derive(Debug, Clone)]
pub struct ArticleHit {
    /// Its label, e.g. `第十二条`.
    pub label: String,
    /// Its best passage with its matches.
    pub snippet: Snippet,
}

/// One part of a document's text for display: the preamble or a 条.
#[derive(Debug, Clone)]
pub struct Section {
    /// The 条's label, e.g. `第十二条`; none for text outside any 条.
    pub label: Option<String>,
    /// For a heading line (编, 章, 节 or an outline heading such as `二、主要任务`), its level:
    /// 1 for a 编, 2 for a 章 or outline heading, 3 for a 节. See
    /// [`heading_level`](crate::analysis::structure::heading_level).
    pub heading: Option<u8>,
    /// The text with the query's matches.
    pub text: Snippet,
}

/// A document with its structure, for reading.
#[derive(Debug, Clone)]
pub struct DocumentView {
    /// The stored document.
    pub document: Document,
    /// The body cut into its headings, its 条 and the text between, in order.
    pub sections: Vec<Section>,
    /// Set when the body was too long to show whole: `document.body` and `sections` hold its
    /// beginning only.
    pub truncated: Option<Truncated>,
    /// Its 时效性.
    pub validity: Validity,
    /// Every version of its instrument in the index, oldest first, itself included; empty when
    /// it has no other version.
    pub versions: Vec<VersionInfo>,
    /// The indexed documents that repeal it (its 已废止 explained), with the 条 and the name.
    pub repealed_by: Vec<RepealInfo>,
}

/// Two documents aligned article by article (新旧对照), the older first.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The older document (by date; an undated one counts as older).
    pub old: VersionInfo,
    /// The newer document.
    pub new: VersionInfo,
    /// Their units aligned, in the newer text's order.
    pub aligned: Vec<Aligned>,
}

/// One version of an instrument, as a document view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Its date, if known.
    pub date: Option<String>,
    /// Its 时效性.
    pub status: Validity,
}

/// Which part of a long document a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncated {
    /// Characters shown.
    pub shown_chars: usize,
    /// Characters in the whole body.
    pub total_chars: usize,
    /// The character of the body the part shown starts at.
    pub from_char: usize,
    /// Where the next part starts (the `from` to ask for), `None` after the last part.
    pub next_from: Option<usize>,
}

/// Facts about the index; the JSON body of `GET /api/stats`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    /// Documents in the index.
    pub documents: u64,
    /// Bytes the index takes on disk.
    pub index_bytes: u64,
    /// Seconds since the Unix epoch of the last commit, if known.
    pub last_commit: Option<u64>,
    /// Documents per category, most first.
    pub categories: Vec<FacetCount>,
}

/// A related document; the JSON of `GET /api/documents/{id}/similar` lists them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Similar {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Similarity score.
    pub score: f32,
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
}
