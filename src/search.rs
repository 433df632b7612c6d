//! Executing queries: from a parsed [`Query`] to Tantivy queries, ranked hits and snippets.
//!
//! Each term becomes a *matcher* (which documents qualify) and *ranking* clauses (how they are
//! ordered):
//!
//! * matcher, quoted term: the phrase occurs in the title or the body (gram/char views: exact);
//! * matcher, unquoted term: the same, or the document has all the term's jieba words;
//! * ranking: BM25 over jieba words (title words boosted), plus a constant per term for an
//!   exact-substring match in the title or the body, so substring matches rank above scattered
//!   ones, plus a large constant when the whole query is a document's title.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument};

use crate::analysis::{gram, title_key, Normalized, Unit};
use crate::error::{Error, Result};
use crate::query::{parse, Query};
use crate::schema::{open_index, Fields};
use crate::snippet::{snippet, Pattern};

/// Ranking constants, chosen on `../shared/eval/known-items-*.tsv` and checked against the
/// phrase sets (see the README's "Ranking" section).
mod ranking {
    /// Added once when the query, as a title key, equals the document's title key: the
    /// document whose title was typed ranks first.
    pub const EXACT_TITLE: f32 = 100_000.0;
    /// Added per term that occurs as a substring of the title.
    pub const TITLE_SUBSTRING: f32 = 2_000.0;
    /// Added per term that occurs as a substring of the body. Larger than any BM25 sum seen on
    /// the eval sets, so exact-substring matches rank above scattered-word matches.
    pub const BODY_SUBSTRING: f32 = 1_000.0;
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
}

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

impl SearchRequest {
    /// A request for the first [`DEFAULT_LIMIT`] hits of `q`.
    pub fn new(q: impl Into<String>) -> SearchRequest {
        SearchRequest {
            q: q.into(),
            limit: DEFAULT_LIMIT,
            offset: 0,
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
    /// The hits, best first.
    pub hits: Vec<Hit>,
}

/// One search result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Relevance score (higher is better; only comparable within one response).
    pub score: f32,
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Best passage, HTML-escaped, matches in `<mark>…</mark>`.
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
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Where the text came from.
    pub source: Option<String>,
    /// The file it was read from.
    pub path: Option<String>,
}

/// An open index, ready to search. Cheap to share between threads (`Arc<Engine>`); the reader
/// picks up new commits by itself.
pub struct Engine {
    dir: PathBuf,
    fields: Fields,
    reader: IndexReader,
    #[allow(dead_code)]
    index: Index,
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
        // Load jieba's dictionary now rather than inside the first search.
        crate::analysis::jieba();
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
        })
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
        let query = parse(&request.q)?;
        let plan = self.plan(&query);
        let searcher = self.reader.searcher();
        let collector = (
            TopDocs::with_limit(request.limit)
                .and_offset(request.offset)
                .order_by_score(),
            Count,
        );
        let (top, total) = searcher
            .search(plan.query.as_ref(), &collector)
            .map_err(|e| self.error(e))?;
        let hits = top
            .into_iter()
            .map(|(score, address)| {
                let document: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
                Ok(self.hit(&document, score, &plan.highlights))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SearchResponse {
            query: request.q.clone(),
            total,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            hits,
        })
    }

    /// The ids of every document matching `q`, in no particular order (for exhaustive checks).
    pub fn matching_ids(&self, q: &str) -> Result<Vec<String>> {
        let query = parse(q)?;
        let plan = self.plan(&query);
        let searcher = self.reader.searcher();
        let addresses = searcher
            .search(plan.query.as_ref(), &tantivy::collector::DocSetCollector)
            .map_err(|e| self.error(e))?;
        addresses
            .into_iter()
            .map(|address| {
                let document: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
                Ok(text_value(&document, self.fields.id).unwrap_or_default())
            })
            .collect()
    }

    /// The stored document with `id`.
    pub fn document(&self, id: &str) -> Result<StoredDocument> {
        let searcher = self.reader.searcher();
        let document = self
            .find(&searcher, id)?
            .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
        let fields = &self.fields;
        Ok(StoredDocument {
            id: id.to_string(),
            title: text_value(&document, fields.title).unwrap_or_default(),
            body: text_value(&document, fields.body).unwrap_or_default(),
            date: date_value(&document, fields.date),
            category: text_value(&document, fields.category),
            region: text_value(&document, fields.region),
            source: text_value(&document, fields.source),
            path: text_value(&document, fields.path),
        })
    }

    fn find(&self, searcher: &Searcher, id: &str) -> Result<Option<TantivyDocument>> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| self.error(e))?;
        top.first()
            .map(|(_, address)| searcher.doc(*address).map_err(|e| self.error(e)))
            .transpose()
    }

    fn error(&self, source: tantivy::TantivyError) -> Error {
        Error::index(&self.dir, source)
    }

    fn hit(&self, document: &TantivyDocument, score: f32, highlights: &[Pattern]) -> Hit {
        let fields = &self.fields;
        let body = text_value(document, fields.body).unwrap_or_default();
        Hit {
            id: text_value(document, fields.id).unwrap_or_default(),
            title: text_value(document, fields.title).unwrap_or_default(),
            score,
            date: date_value(document, fields.date),
            category: text_value(document, fields.category),
            region: text_value(document, fields.region),
            snippet: snippet(&body, highlights).to_html(),
        }
    }

    /// Translate a parsed query into the Tantivy query and the patterns to highlight.
    fn plan(&self, query: &Query) -> Plan {
        let fields = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        let mut highlights = Vec::new();
        let mut ranking_words: Vec<String> = Vec::new();
        for term in &query.terms {
            let normalized = Normalized::new(&term.text);
            let units = normalized.units();
            if units.is_empty() {
                continue;
            }
            let words: Vec<String> = normalized
                .words()
                .into_iter()
                .map(|(word, _)| word.to_string())
                .collect();
            let mut matcher: Vec<(Occur, Box<dyn tantivy::query::Query>)> = vec![
                (
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        substring_query(&units, fields.title_grams, fields.title_chars),
                        ranking::TITLE_SUBSTRING,
                    )),
                ),
                (
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        substring_query(&units, fields.body_grams, fields.body_chars),
                        ranking::BODY_SUBSTRING,
                    )),
                ),
            ];
            if !term.quoted && !words.is_empty() {
                matcher.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(all_words_query(&words, fields), 0.0)),
                ));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(matcher))));
            highlights.extend(Pattern::new(&term.text, ranking::PHRASE_HIGHLIGHT));
            if !term.quoted {
                highlights.extend(words.iter().filter_map(|word| Pattern::new(word, 1.0)));
            }
            for word in words {
                if !ranking_words.contains(&word) {
                    ranking_words.push(word);
                }
            }
        }
        if clauses.is_empty() {
            return Plan {
                query: Box::new(EmptyQuery),
                highlights,
            };
        }
        for word in &ranking_words {
            clauses.push((Occur::Should, word_query(word, fields)));
        }
        let whole: String = query.terms.iter().map(|term| term.text.as_str()).collect();
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
        Plan {
            query: Box::new(BooleanQuery::new(clauses)),
            highlights,
        }
    }
}

/// A query ready to run, with what to highlight in its hits.
struct Plan {
    query: Box<dyn tantivy::query::Query>,
    highlights: Vec<Pattern>,
}

/// Documents whose `grams`/`chars` views contain `units` consecutively: exactly the documents
/// that contain the text as a phrase, per the eval README's definition.
fn substring_query(
    units: &[Unit<'_>],
    grams: Field,
    chars: Field,
) -> Box<dyn tantivy::query::Query> {
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
            // Bigrams at positions 0, 2, 4, … cover every unit; the last bigram closes an odd gap.
            let last = units.len() - 2;
            let mut positions: Vec<usize> = (0..=last).step_by(2).collect();
            if positions.last() != Some(&last) {
                positions.push(last);
            }
            let terms = positions
                .into_iter()
                .map(|p| {
                    (
                        p,
                        Term::from_field_text(grams, &gram(&units[p], &units[p + 1])),
                    )
                })
                .collect();
            Box::new(PhraseQuery::new_with_offset(terms))
        }
    }
}

/// BM25 of `word` in the title (boosted) or the body.
fn word_query(word: &str, fields: &Fields) -> Box<dyn tantivy::query::Query> {
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
fn all_words_query(words: &[String], fields: &Fields) -> Box<dyn tantivy::query::Query> {
    Box::new(BooleanQuery::new(
        words
            .iter()
            .map(|word| (Occur::Must, word_query(word, fields)))
            .collect(),
    ))
}

fn text_value(document: &TantivyDocument, field: Field) -> Option<String> {
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
