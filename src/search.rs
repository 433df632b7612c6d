//! Executing queries: from a parsed [`Node`] tree to Tantivy queries, ranked hits, snippets,
//! facets and related documents.
//!
//! Each term becomes a *matcher* (which documents qualify) and *ranking* clauses (how they are
//! ordered):
//!
//! * matcher, quoted term: the phrase occurs in the title or the body (gram/char views: exact);
//! * matcher, unquoted term: the term or one of its expansions (abbreviations, traditional /
//!   simplified forms) occurs, or the document has all the term's jieba words;
//! * ranking: BM25 over jieba words (title words boosted), plus a constant per term for an
//!   exact-substring match in the title or the body, so substring matches rank above scattered
//!   ones, plus constants when the whole query occurs as a phrase or is a document's title.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, MoreLikeThisQuery, Occur,
    Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, OwnedValue, Term, Value};
use tantivy::{
    DateTime, DocAddress, DocId, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument,
};

use crate::analysis::{gram, title_key, Normalized, Unit};
use crate::budget::{Budget, BudgetQuery};
use crate::error::{Error, Result};
use crate::expansion::expansions;
use crate::facets::{FacetCollector, Facets};
use crate::phrase::GramPhraseQuery;
use crate::proximity::{proximity_query, TermPatterns};
use crate::query::{parse, DateRange, MetaField, Node, Scope};
use crate::schema::{open_index, Fields};
use crate::snippet::{Pattern, Snippet};
use crate::structure::articles;

/// Ranking constants, chosen on `../shared/eval/known-items-*.tsv` and checked against the
/// phrase sets (see the README's "Ranking" section).
mod ranking {
    /// Added once when the query, as a title key, equals the document's title key: the
    /// document whose title was typed ranks first.
    pub const EXACT_TITLE: f32 = 100_000.0;
    /// Added when a query of several terms occurs, as typed, as one phrase.
    pub const WHOLE_QUERY_PHRASE: f32 = 5_000.0;
    /// Added per term that occurs as a substring of the title.
    pub const TITLE_SUBSTRING: f32 = 2_000.0;
    /// Added per term that occurs as a substring of the body. Larger than any BM25 sum seen on
    /// the eval sets, so exact-substring matches rank above scattered-word matches.
    pub const BODY_SUBSTRING: f32 = 1_000.0;
    /// An expansion (科创 for 科技创新, a traditional form) counts a little less than the
    /// term as typed.
    pub const EXPANSION_FACTOR: f32 = 0.9;
    /// Weight of BM25 on title words against body words.
    pub const TITLE_WORDS_BOOST: f32 = 5.0;
    /// Snippet weight of a whole query term against one of its words.
    pub const PHRASE_HIGHLIGHT: f32 = 3.0;
}

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

/// Filters that narrow a search, beside those written in the query itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Category, exactly.
    #[serde(default)]
    pub category: Option<String>,
    /// Region, exactly.
    #[serde(default)]
    pub region: Option<String>,
    /// 文种, exactly.
    #[serde(default, rename = "type")]
    pub doc_type: Option<String>,
    /// 发文机关, exactly.
    #[serde(default)]
    pub agency: Option<String>,
    /// A year, `2021`.
    #[serde(default)]
    pub year: Option<String>,
    /// A date range in the query language's form, `2020-01..2021-06` or `>=2019`.
    #[serde(default)]
    pub date: Option<String>,
}

/// A search to run.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchRequest {
    /// The query text (see [`crate::query`]).
    pub q: String,
    /// Hits to return, 1..=[`MAX_LIMIT`].
    #[serde(default = "default_limit")]
    pub limit: usize,
    /// Hits to skip, 0..=[`MAX_OFFSET`].
    #[serde(default)]
    pub offset: usize,
    /// Extra filters.
    #[serde(default)]
    pub filters: Filters,
    /// Order of the hits.
    #[serde(default)]
    pub sort: Sort,
    /// Count matching documents per category, region, type, agency and year.
    #[serde(default)]
    pub facets: bool,
    /// Return every matching 条 of each hit, not only the best one.
    #[serde(default)]
    pub articles: bool,
    /// Mark matches in snippets (`<mark>`); off gives plain escaped text.
    #[serde(default = "default_true")]
    pub highlight: bool,
}

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

fn default_true() -> bool {
    true
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
        }
    }

    fn validate(&self) -> Result<()> {
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
    fn tree(&self) -> Result<Node> {
        let mut nodes = vec![parse(&self.q)?];
        let filters = &self.filters;
        for (field, value) in [
            (MetaField::Category, &filters.category),
            (MetaField::Region, &filters.region),
            (MetaField::Type, &filters.doc_type),
            (MetaField::Agency, &filters.agency),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                nodes.push(Node::Meta {
                    field,
                    value: value.to_string(),
                });
            }
        }
        for (name, value) in [("year", &filters.year), ("date", &filters.date)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                let invalid = |message| Error::InvalidParameter { name, message };
                if name == "year"
                    && !(value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(invalid(format!("`{value}` is not a year such as 2021")));
                }
                nodes.push(Node::Date(
                    crate::query::parse_date_range(value).map_err(invalid)?,
                ));
            }
        }
        Ok(if nodes.len() == 1 {
            nodes.remove(0)
        } else {
            Node::And(nodes)
        })
    }
}

/// The answer to a search; the exact JSON body of `GET /api/search`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// All matching documents (not only those returned).
    pub total: usize,
    /// Time spent searching, in milliseconds.
    pub took_ms: f64,
    /// The search ran out of its time budget: `total` and `hits` cover only the documents
    /// matched until then.
    #[serde(default)]
    pub timed_out: bool,
    /// The hits, best first.
    pub hits: Vec<Hit>,
    /// Counts per facet value, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

/// One search result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Relevance score (higher is better; only comparable within one response; 0 when sorted
    /// by date).
    pub score: f32,
    /// Date, category, region, 文种, 发文机关, 发文字号.
    #[serde(flatten)]
    pub metadata: Metadata,
    /// The 条 the snippet comes from, e.g. `第十二条`.
    pub article: Option<String>,
    /// Best passage, HTML-escaped, matches in `<mark>…</mark>`.
    pub snippet: String,
    /// Every matching 条 with its snippet, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub articles: Option<Vec<ArticleHit>>,
}

/// What a hit and a stored document both say of a document, beside its id and title (in their
/// JSON, these are fields of the hit or document itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// 文种.
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    /// 发文机关.
    pub agency: Option<String>,
    /// 发文字号, brackets normalised.
    pub doc_number: Option<String>,
}

/// A matching 条 of a hit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleHit {
    /// Its label, e.g. `第十二条`.
    pub label: String,
    /// Its best passage, matches marked.
    pub snippet: String,
}

/// A stored document; the JSON body of `GET /api/documents/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDocument {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Full text.
    pub body: String,
    /// Date, category, region, 文种, 发文机关, 发文字号.
    #[serde(flatten)]
    pub metadata: Metadata,
    /// 发文字号 as written.
    pub doc_number_original: Option<String>,
    /// 成文日期.
    pub issued: Option<String>,
    /// 公布日期.
    pub published: Option<String>,
    /// 施行日期.
    pub effective: Option<String>,
    /// Where the text came from.
    pub source: Option<String>,
    /// The file it was read from.
    pub path: Option<String>,
}

/// One part of a document's text for display: the preamble or a 条.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    /// The 条's label, e.g. `第十二条`; none for text outside any 条.
    pub label: Option<String>,
    /// The text, HTML-escaped, with the query's matches in `<mark>…</mark>`.
    pub html: String,
    /// Whether the query matches in this section.
    pub matched: bool,
}

/// A document with its structure, for reading; the JSON body of `GET /api/documents/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentView {
    /// The stored document.
    #[serde(flatten)]
    pub document: StoredDocument,
    /// The body cut into the preamble and its 条, in order.
    pub sections: Vec<Section>,
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
    pub categories: Vec<crate::facets::FacetCount>,
}

/// A related document.
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

/// An open index, ready to search. Cheap to share between threads (`Arc<Engine>`); the reader
/// picks up new commits by itself.
pub struct Engine {
    dir: PathBuf,
    fields: Fields,
    reader: IndexReader,
    #[allow(dead_code)]
    index: Index,
    time_budget: Option<Duration>,
    ids: IdTables,
}

impl Engine {
    /// Open the index in `dir`.
    pub fn open(dir: &Path) -> Result<Engine> {
        if !dir.join("meta.json").is_file() {
            return Err(Error::IndexNotFound {
                dir: dir.to_path_buf(),
            });
        }
        let (index, fields) = open_index(dir)?;
        // Load jieba's dictionary and the character tables now rather than in the first search.
        crate::analysis::jieba();
        expansions("太湖");
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|source| Error::index(dir, source))?;
        Ok(Engine {
            dir: dir.to_path_buf(),
            fields,
            reader,
            index,
            time_budget: Some(DEFAULT_TIME_BUDGET),
            ids: IdTables::default(),
        })
    }

    /// Let each search spend at most `limit` matching (`None`: no limit). A search that runs
    /// out answers with what it found, marked [`SearchResponse::timed_out`].
    pub fn with_time_budget(mut self, limit: Option<Duration>) -> Engine {
        self.time_budget = limit;
        self
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Run `request`.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse> {
        let started = Instant::now();
        request.validate()?;
        let tree = request.tree()?;
        let budget = self.time_budget.map_or_else(Budget::unlimited, Budget::new);
        let plan = Planner::new(&self.fields, budget.clone()).plan(&tree);
        let query = BudgetQuery::new(plan.query, budget.clone());
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(request.limit).and_offset(request.offset);
        let facets = request.facets.then(FacetCollector::new);
        let (scored, total, facets): (Vec<(f32, DocAddress)>, usize, Option<Facets>) =
            match request.sort {
                Sort::Relevance => searcher.search(&query, &(top.order_by_score(), Count, facets)),
                Sort::DateDesc | Sort::DateAsc => {
                    let order = if request.sort == Sort::DateDesc {
                        Order::Desc
                    } else {
                        Order::Asc
                    };
                    let by_date = top.order_by_fast_field::<DateTime>("date", order);
                    searcher.search(&query, &(by_date, Count, facets)).map(
                        |(hits, total, facets)| {
                            (
                                hits.into_iter().map(|(_, a)| (0.0, a)).collect(),
                                total,
                                facets,
                            )
                        },
                    )
                }
            }
            .map_err(|e| self.error(e))?;
        let hits = scored
            .into_iter()
            .map(|(score, address)| {
                let document: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
                Ok(self.hit(&document, score, &plan.highlights, request))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SearchResponse {
            query: request.q.clone(),
            total,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            timed_out: budget.was_spent(),
            hits,
            facets,
        })
    }

    /// The ids of every document matching `q`, in no particular order (for exhaustive checks
    /// and benchmarks: no stored text is read).
    pub fn matching_ids(&self, q: &str) -> Result<Vec<String>> {
        // The matcher alone: ranking clauses would only cost time here.
        let matcher = Planner::new(&self.fields, Budget::unlimited()).node(&parse(q)?);
        let plan = Plan {
            query: matcher,
            highlights: Vec::new(),
        };
        let searcher = self.reader.searcher();
        let addresses = searcher
            .search(plan.query.as_ref(), &tantivy::collector::DocSetCollector)
            .map_err(|e| self.error(e))?;
        let mut ids = Vec::with_capacity(addresses.len());
        let mut tables = BTreeMap::new();
        for address in addresses {
            let table = match tables.entry(address.segment_ord) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => entry.insert(
                    self.ids
                        .of(&searcher, address.segment_ord)
                        .map_err(|e| self.error(e))?,
                ),
            };
            ids.push(table.id(address.doc_id).to_string());
        }
        Ok(ids)
    }

    /// Every stored document, in index order, handed to `visit`; returns how many.
    pub fn for_each_document(
        &self,
        mut visit: impl FnMut(StoredDocument) -> Result<()>,
    ) -> Result<usize> {
        let searcher = self.reader.searcher();
        let mut count = 0;
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| Error::Internal(e.to_string()))?;
            for doc_id in 0..segment.max_doc() {
                if segment.is_deleted(doc_id) {
                    continue;
                }
                let document: TantivyDocument = store.get(doc_id).map_err(|e| self.error(e))?;
                visit(self.stored(&document))?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// The stored document with `id`.
    pub fn document(&self, id: &str) -> Result<StoredDocument> {
        let searcher = self.reader.searcher();
        let (_, document) = self
            .find(&searcher, id)?
            .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
        Ok(self.stored(&document))
    }

    fn stored(&self, document: &TantivyDocument) -> StoredDocument {
        let fields = &self.fields;
        StoredDocument {
            id: text_value(document, fields.id).unwrap_or_default(),
            title: text_value(document, fields.title).unwrap_or_default(),
            body: text_value(document, fields.body).unwrap_or_default(),
            metadata: self.metadata(document),
            doc_number_original: text_value(document, fields.doc_number_original),
            issued: date_value(document, fields.issued),
            published: date_value(document, fields.published),
            effective: date_value(document, fields.effective),
            source: text_value(document, fields.source),
            path: text_value(document, fields.path),
        }
    }

    fn metadata(&self, document: &TantivyDocument) -> Metadata {
        let fields = &self.fields;
        Metadata {
            date: date_value(document, fields.date),
            category: text_value(document, fields.category),
            region: text_value(document, fields.region),
            doc_type: text_value(document, fields.doc_type),
            agency: text_value(document, fields.agency),
            doc_number: text_value(document, fields.doc_number),
        }
    }

    /// The document with `id`, cut into its preamble and 条, with the matches of `q` marked.
    pub fn document_view(&self, id: &str, q: Option<&str>) -> Result<DocumentView> {
        let document = self.document(id)?;
        let highlights = match q.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                Planner::new(&self.fields, Budget::unlimited())
                    .plan(&parse(q)?)
                    .highlights
            }
            None => Vec::new(),
        };
        let body = &document.body;
        let mut sections = Vec::new();
        let mut push = |label: Option<String>, range: std::ops::Range<usize>| {
            let text = body[range].trim();
            if text.is_empty() {
                return;
            }
            let marked = crate::snippet::highlight(text, &highlights);
            sections.push(Section {
                label,
                matched: marked.has_match(),
                html: marked.to_html(),
            });
        };
        let mut cursor = 0;
        for article in articles(body) {
            push(None, cursor..article.range.start);
            push(Some(article.label), article.range.clone());
            cursor = article.range.end;
        }
        push(None, cursor..body.len());
        Ok(DocumentView { document, sections })
    }

    /// Facts about the index.
    pub fn stats(&self) -> Result<Stats> {
        let searcher = self.reader.searcher();
        let facets = searcher
            .search(&AllQuery, &FacetCollector::new())
            .map_err(|e| self.error(e))?;
        let index_bytes = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        Ok(Stats {
            documents: searcher.num_docs(),
            index_bytes,
            last_commit: crate::indexer::last_build(&self.dir).map(|info| info.built_at),
            categories: facets.get("category").cloned().unwrap_or_default(),
        })
    }

    /// Documents most like the one with `id` (more-like-this over its jieba words).
    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<Similar>> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::InvalidParameter {
                name: "limit",
                message: format!("{limit} is out of range: use 1 to {MAX_LIMIT}"),
            });
        }
        let searcher = self.reader.searcher();
        let (_, document) = self
            .find(&searcher, id)?
            .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
        let fields = &self.fields;
        let text = |field| {
            vec![OwnedValue::Str(
                text_value(&document, field).unwrap_or_default(),
            )]
        };
        let query = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(2)
            .with_max_doc_frequency((searcher.num_docs() / 5).max(2))
            .with_min_term_frequency(2)
            .with_max_query_terms(40)
            .with_min_word_length(2)
            .with_document_fields(vec![
                (fields.title_words, text(fields.title)),
                (fields.body_words, text(fields.body)),
            ]);
        let without_itself = BooleanQuery::new(vec![
            (Occur::Must, Box::new(query) as Box<dyn Query>),
            (
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_text(fields.id, id),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let top = searcher
            .search(
                &without_itself,
                &TopDocs::with_limit(limit).order_by_score(),
            )
            .map_err(|e| self.error(e))?;
        top.into_iter()
            .map(|(score, address)| {
                let document: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
                Ok(Similar {
                    id: text_value(&document, fields.id).unwrap_or_default(),
                    title: text_value(&document, fields.title).unwrap_or_default(),
                    score,
                    date: date_value(&document, fields.date),
                })
            })
            .collect()
    }

    fn find(&self, searcher: &Searcher, id: &str) -> Result<Option<(DocAddress, TantivyDocument)>> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| self.error(e))?;
        top.first()
            .map(|(_, address)| {
                searcher
                    .doc(*address)
                    .map(|d| (*address, d))
                    .map_err(|e| self.error(e))
            })
            .transpose()
    }

    fn error(&self, source: tantivy::TantivyError) -> Error {
        Error::index(&self.dir, source)
    }

    fn hit(
        &self,
        document: &TantivyDocument,
        score: f32,
        highlights: &[Pattern],
        request: &SearchRequest,
    ) -> Hit {
        let fields = &self.fields;
        let body = text_value(document, fields.body).unwrap_or_default();
        let render = |snippet: &Snippet| {
            if request.highlight {
                snippet.to_html()
            } else {
                snippet.to_plain_html()
            }
        };
        let best = crate::snippet::snippet(&body, highlights);
        let structure = articles(&body);
        let article_of = |offset: usize| {
            structure
                .iter()
                .find(|article| article.range.contains(&offset))
                .map(|article| article.label.clone())
        };
        let matching_articles = request.articles.then(|| {
            structure
                .iter()
                .filter_map(|article| {
                    let snippet = crate::snippet::snippet(&body[article.range.clone()], highlights);
                    snippet.has_match().then(|| ArticleHit {
                        label: article.label.clone(),
                        snippet: render(&snippet),
                    })
                })
                .collect()
        });
        Hit {
            id: text_value(document, fields.id).unwrap_or_default(),
            title: text_value(document, fields.title).unwrap_or_default(),
            score,
            metadata: self.metadata(document),
            article: best.first_match().and_then(article_of),
            snippet: render(&best),
            articles: matching_articles,
        }
    }
}

/// The document ids of one segment, by the ordinal of the `id` fast field's dictionary.
struct IdTable {
    column: Option<tantivy::columnar::StrColumn>,
    by_ordinal: Vec<String>,
}

impl IdTable {
    /// The id of document `doc` of the segment.
    fn id(&self, doc: DocId) -> &str {
        self.column
            .as_ref()
            .and_then(|column| column.term_ords(doc).next())
            .and_then(|ordinal| self.by_ordinal.get(ordinal as usize))
            .map_or("", String::as_str)
    }
}

/// Id tables of the segments searched so far. Resolving an ordinal through the fast field's
/// compressed dictionary decompresses a block each time; reading the dictionary once per
/// segment (segments never change) makes [`Engine::matching_ids`] cost little more than the
/// matching itself.
#[derive(Default)]
struct IdTables(std::sync::Mutex<std::collections::HashMap<SegmentId, Arc<IdTable>>>);

impl IdTables {
    /// The table of segment `ord` of `searcher`.
    fn of(&self, searcher: &Searcher, ord: u32) -> tantivy::Result<Arc<IdTable>> {
        let segment = searcher.segment_reader(ord);
        let key = segment.segment_id();
        if let Some(table) = self.lock().get(&key) {
            return Ok(table.clone());
        }
        let column = segment.fast_fields().str("id")?;
        let mut by_ordinal = Vec::new();
        if let Some(column) = &column {
            by_ordinal.reserve(column.num_terms());
            let mut terms = column.dictionary().stream()?;
            while terms.advance() {
                by_ordinal.push(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        let table = Arc::new(IdTable { column, by_ordinal });
        let mut tables = self.lock();
        // A new segment: drop the tables of segments merged away since.
        tables.retain(|id, _| {
            searcher
                .segment_readers()
                .iter()
                .any(|reader| reader.segment_id() == *id)
        });
        tables.insert(key, table.clone());
        Ok(table)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<SegmentId, Arc<IdTable>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A query ready to run, with what to highlight in its hits.
struct Plan {
    query: Box<dyn Query>,
    highlights: Vec<Pattern>,
}

/// Builds a [`Plan`] from a query tree.
struct Planner<'a> {
    fields: &'a Fields,
    /// The search's time budget, for the queries that check it themselves (`/s`, `/p`).
    budget: Budget,
    highlights: Vec<Pattern>,
    ranking_words: Vec<String>,
}

impl<'a> Planner<'a> {
    fn new(fields: &'a Fields, budget: Budget) -> Planner<'a> {
        Planner {
            fields,
            budget,
            highlights: Vec::new(),
            ranking_words: Vec::new(),
        }
    }

    fn plan(mut self, tree: &Node) -> Plan {
        let matcher = self.node(tree);
        let fields = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matcher)];
        for word in &self.ranking_words {
            clauses.push((Occur::Should, word_query(word, fields)));
        }
        let terms = tree.positive_terms();
        if !terms.is_empty() {
            let whole: String = terms.iter().map(|(text, _)| *text).collect();
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(fields.title_key, &title_key(&whole)),
                        IndexRecordOption::Basic,
                    )),
                    ranking::EXACT_TITLE,
                )),
            ));
        }
        if terms.len() > 1 {
            let joined: Vec<&str> = terms.iter().map(|(text, _)| *text).collect();
            let normalized = Normalized::new(&joined.join(" "));
            let units = normalized.units();
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    substring_in_document(&units, fields),
                    ranking::WHOLE_QUERY_PHRASE,
                )),
            ));
        }
        Plan {
            query: Box::new(BooleanQuery::new(clauses)),
            highlights: self.highlights,
        }
    }

    fn node(&mut self, node: &Node) -> Box<dyn Query> {
        match node {
            Node::Term {
                text,
                quoted,
                scope,
            } => self.term(text, *quoted, *scope),
            Node::Meta { field, value } => {
                let field = match field {
                    MetaField::Type => self.fields.doc_type,
                    MetaField::Region => self.fields.region,
                    MetaField::Category => self.fields.category,
                    MetaField::Agency => self.fields.agency,
                    MetaField::DocNumber => self.fields.doc_number,
                };
                filter(Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                )))
            }
            Node::Date(range) => filter(date_query(self.fields.date, range)),
            Node::And(children) => {
                let clauses = children
                    .iter()
                    .map(|child| match child {
                        Node::Not(inner) => (Occur::MustNot, self.excluded(inner)),
                        child => (Occur::Must, self.node(child)),
                    })
                    .collect();
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(children) => Box::new(BooleanQuery::new(
                children
                    .iter()
                    .map(|child| (Occur::Should, self.node(child)))
                    .collect(),
            )),
            Node::Not(inner) => {
                let excluded = self.excluded(inner);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery)),
                    (Occur::MustNot, excluded),
                ]))
            }
            Node::Near { within, .. } => {
                let mut operands = Vec::new();
                flatten_near(node, &mut operands);
                let candidates = operands
                    .iter()
                    .map(|(text, quoted)| (Occur::Must, self.term(text, *quoted, Scope::Any)))
                    .collect();
                let patterns = operands
                    .iter()
                    .map(|(text, quoted)| TermPatterns::new(&self.alternatives(text, *quoted)))
                    .collect();
                proximity_query(
                    Box::new(BooleanQuery::new(candidates)),
                    patterns,
                    *within,
                    *self.fields,
                    self.budget.clone(),
                )
            }
        }
    }

    /// The documents a negated node excludes (no ranking, no highlights).
    fn excluded(&mut self, node: &Node) -> Box<dyn Query> {
        let mut planner = Planner::new(self.fields, self.budget.clone());
        planner.node(node)
    }

    /// The forms of a term that count as matching it.
    fn alternatives(&self, text: &str, quoted: bool) -> Vec<String> {
        if quoted {
            vec![text.to_string()]
        } else {
            expansions(text)
        }
    }

    fn term(&mut self, text: &str, quoted: bool, scope: Scope) -> Box<dyn Query> {
        let fields = self.fields;
        let mut matcher: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (index, alternative) in self.alternatives(text, quoted).iter().enumerate() {
            let normalized = Normalized::new(alternative);
            let units = normalized.units();
            if units.is_empty() {
                continue;
            }
            let factor = if index == 0 {
                1.0
            } else {
                ranking::EXPANSION_FACTOR
            };
            if scope != Scope::Body {
                let title = substring_query(&units, Part::title(fields));
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        title,
                        ranking::TITLE_SUBSTRING * factor,
                    )),
                ));
            }
            if scope != Scope::Title {
                let body = substring_query(&units, Part::body(fields));
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(body, ranking::BODY_SUBSTRING * factor)),
                ));
            }
            self.highlights
                .extend(Pattern::new(alternative, ranking::PHRASE_HIGHLIGHT));
            if quoted || index > 0 {
                continue;
            }
            let words: Vec<String> = normalized
                .words()
                .into_iter()
                .map(|(word, _)| word.to_string())
                .collect();
            if !words.is_empty() && scope == Scope::Any {
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(all_words_query(&words, fields), 0.0)),
                ));
            }
            self.highlights
                .extend(words.iter().filter_map(|word| Pattern::new(word, 1.0)));
            for word in words {
                if !self.ranking_words.contains(&word) {
                    self.ranking_words.push(word);
                }
            }
        }
        if matcher.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(matcher))
    }
}

/// The terms joined by `/s` or `/p`, left to right.
fn flatten_near<'n>(node: &'n Node, out: &mut Vec<(&'n str, bool)>) {
    match node {
        Node::Near { left, right, .. } => {
            flatten_near(left, out);
            flatten_near(right, out);
        }
        Node::Term { text, quoted, .. } => out.push((text, *quoted)),
        _ => {}
    }
}

/// A filter: matches without adding to the score.
fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

fn date_query(field: Field, range: &DateRange) -> Box<dyn Query> {
    let term = |date: time::Date| {
        let seconds = date.midnight().assume_utc().unix_timestamp();
        Term::from_field_date(field, DateTime::from_timestamp_secs(seconds))
    };
    let lower = range
        .from
        .map_or(Bound::Unbounded, |d| Bound::Included(term(d)));
    let upper = range
        .to
        .map_or(Bound::Unbounded, |d| Bound::Excluded(term(d)));
    Box::new(RangeQuery::new(lower, upper))
}

/// Documents whose title or body contains `units` consecutively.
fn substring_in_document(units: &[Unit<'_>], fields: &Fields) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, substring_query(units, Part::title(fields))),
        (Occur::Should, substring_query(units, Part::body(fields))),
    ]))
}

/// The three views of the title or of the body.
#[derive(Debug, Clone, Copy)]
struct Part {
    words: Field,
    grams: Field,
    chars: Field,
}

impl Part {
    fn title(fields: &Fields) -> Part {
        Part {
            words: fields.title_words,
            grams: fields.title_grams,
            chars: fields.title_chars,
        }
    }

    fn body(fields: &Fields) -> Part {
        Part {
            words: fields.body_words,
            grams: fields.body_grams,
            chars: fields.body_chars,
        }
    }
}

/// Documents whose part (title or body) contains `units` consecutively: exactly the documents
/// that contain the text as a phrase, per the eval README's definition.
fn substring_query(units: &[Unit<'_>], part: Part) -> Box<dyn Query> {
    let (grams, chars) = (part.grams, part.chars);
    match units {
        [] => Box::new(EmptyQuery),
        [unit] => Box::new(TermQuery::new(
            Term::from_field_text(chars, unit.text),
            IndexRecordOption::Basic,
        )),
        [first, second] => Box::new(TermQuery::new(
            Term::from_field_text(grams, &gram(first, second)),
            IndexRecordOption::Basic,
        )),
        _ => {
            // Every bigram of the phrase, at its offset; GramPhraseQuery picks those to check.
            let terms = (0..units.len() - 1)
                .map(|p| {
                    (
                        p,
                        Term::from_field_text(grams, &gram(&units[p], &units[p + 1])),
                    )
                })
                .collect();
            // A word of single-character units settles candidates without positions.
            let single_characters = units
                .iter()
                .all(|unit| !unit.text.as_bytes()[0].is_ascii_alphanumeric());
            let word = single_characters.then(|| {
                let text: String = units.iter().map(|unit| unit.text).collect();
                Term::from_field_text(part.words, &text)
            });
            Box::new(GramPhraseQuery::new(terms, word))
        }
    }
}

/// BM25 of `word` in the title (boosted) or the body.
fn word_query(word: &str, fields: &Fields) -> Box<dyn Query> {
    let term = |field| {
        Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ))
    };
    Box::new(BooleanQuery::new(vec![
        (
            Occur::Should,
            Box::new(BoostQuery::new(
                term(fields.title_words),
                ranking::TITLE_WORDS_BOOST,
            )),
        ),
        (Occur::Should, term(fields.body_words)),
    ]))
}

/// Documents that have every one of `words`, each in the title or the body.
fn all_words_query(words: &[String], fields: &Fields) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        words
            .iter()
            .map(|word| (Occur::Must, word_query(word, fields)))
            .collect(),
    ))
}

/// The first text value of `field`.
pub(crate) fn text_value(document: &TantivyDocument, field: Field) -> Option<String> {
    document
        .get_first(field)
        .and_then(|value| value.as_str())
        .map(str::to_string)
}

fn date_value(document: &TantivyDocument, field: Field) -> Option<String> {
    let date = document.get_first(field)?.as_datetime()?.into_utc().date();
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}
