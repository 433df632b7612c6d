//! Executing queries: from a parsed [`Node`](crate::query::Node) tree to ranked hits with
//! snippets, facets and related documents.
//!
//! [`request`] holds what a search is asked and answers; [`plan`] turns a query tree into one
//! Tantivy query; [`phrase`] and [`proximity`] are the exact-matching queries it uses;
//! [`budget`] bounds the time a search may take; [`mod@snippet`] finds the passage to show;
//! [`facets`] counts; `ids` reads string fast fields (ids, version keys, regions, targets) through per-segment tables.

pub mod address_set;
pub mod analyze;
pub mod budget;
pub mod counting;
pub mod facets;
pub mod filter_query;
mod generation;
pub mod graph;
pub(crate) mod ids;
pub mod phrase;
pub mod plan;
mod preload;
pub mod proximity;
pub mod rank;
pub mod related;
pub mod request;
pub mod snippet;
pub mod synonyms;
pub mod top_k;
pub mod versions;

pub use request::{
    ArticleHit, CitationLink, Citations, Comparison, DocumentView, Hit, MatchMode, RepealInfo,
    ScoreDetail, SearchRequest, SearchResponse, Section, Similar, Sort, Stats, Truncated,
    Unresolved, VersionInfo, DEFAULT_LIMIT, DEFAULT_SIMILAR, DEFAULT_TIME_BUDGET, MAX_LIMIT,
    MAX_OFFSET,
};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use related::related_query;
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryClone, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument,
    Warmer,
};

use crate::analysis::citations::{Citation, Links};
use crate::analysis::expansion::expansions;
use crate::analysis::expansion::Thesaurus;
use crate::analysis::matching::Pattern;
use crate::analysis::structure::{articles, parts};
use crate::document::{format_day, Document, MetaField};
use crate::error::{Error, Result};
use crate::index::schema::{
    last_build, open_index, stored_document, stored_metadata, text_value, Fields,
};
use crate::query::{parse, requires_every_term};
use budget::Budget;
use facets::{FacetCollector, Facets};
use plan::{Plan, Planner};
use snippet::{highlight, snippet};
pub use synonyms::Synonyms;
use versions::Validity;

/// Bytes of a body a document view shows at most (about 700,000 Chinese characters): a 50 MB
/// text would otherwise become hundreds of MB of JSON and a page no browser can hold.
pub const MAX_VIEW_BYTES: usize = 2 << 20;

/// Documents from which a search by relevance runs its two passes (the top k, pruned; the count
/// and facets of every match) side by side on two threads. Over the ×100 index (348,700
/// documents) 人民政府 with facets took 57 ms one pass after the other and 30 ms side by side
/// (p50 of 30 in-process runs); over the large corpus (3,487) nothing was gained (2.3 against
/// 2.4 ms), so small indexes keep to one thread.
const PASSES_IN_PARALLEL_FROM: u64 = 50_000;

/// Hits from which a page's hits (stored text, snippets, 时效性) are built on two threads: a
/// page of 1,000 hits with snippets took 150 ms on one and 98–114 ms on two (`"人民政府"` over
/// the large corpus, p50 of 10 to 30 in-process runs); a top-10 page is built in well under a
/// millisecond, where a thread would cost more than it saves.
const HITS_IN_PARALLEL_FROM: usize = 64;

/// Bytes of a document's text that [`Engine::similar`] picks its terms from: the terms that
/// characterise a document show in its first pages, and a 50 MB document would otherwise take
/// seconds to analyse.
pub const SIMILAR_SAMPLE_BYTES: usize = 256 << 10;

/// Cut `text` to at most `max` bytes, on a character boundary.
fn cut_at_char_boundary(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

/// Cut `body` to the part a view shows: from character `from` on, at most [`MAX_VIEW_BYTES`],
/// ending at the last line break in the final tenth before the limit, else at the last
/// character boundary. `None` when that part is the whole body.
fn cut_for_view(body: &mut String, from: usize) -> Result<Option<Truncated>> {
    if from == 0 && body.len() <= MAX_VIEW_BYTES {
        return Ok(None);
    }
    let total_chars = body.chars().count();
    if from >= total_chars {
        return Err(Error::InvalidParameter {
            name: "from",
            message: format!("{from} is past the end of the document ({total_chars} characters)"),
        });
    }
    let start = body
        .char_indices()
        .nth(from)
        .map_or(body.len(), |(byte, _)| byte);
    let rest = &body[start..];
    let mut end = rest.len();
    if rest.len() > MAX_VIEW_BYTES {
        end = MAX_VIEW_BYTES;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let mut near = end - end / 10;
        while !rest.is_char_boundary(near) {
            near += 1;
        }
        if let Some(line) = rest[near..end].rfind('\n') {
            end = near + line + 1;
        }
    }
    let shown = rest[..end].to_string();
    let shown_chars = shown.chars().count();
    *body = shown;
    Ok(Some(Truncated {
        shown_chars,
        total_chars,
        from_char: from,
        next_from: (from + shown_chars < total_chars).then_some(from + shown_chars),
    }))
}

/// The order of the date fast field a sort asks for; `None` for relevance.
fn date_order(sort: Sort) -> Option<Order> {
    match sort {
        Sort::Relevance => None,
        Sort::DateDesc => Some(Order::Desc),
        Sort::DateAsc => Some(Order::Asc),
    }
}

/// Every document matching a search ([`Engine::all_matches`]).
pub struct Matches {
    dir: PathBuf,
    fields: Fields,
    searcher: Searcher,
    scored: Vec<(f32, DocAddress)>,
    /// What the query marks: its terms and their other forms, as patterns.
    pub highlights: Vec<Pattern>,
    /// The query's positive terms as typed, in query order.
    pub terms: Vec<String>,
}

impl Matches {
    /// How many documents match.
    pub fn len(&self) -> usize {
        self.scored.len()
    }

    /// True when no document matches.
    pub fn is_empty(&self) -> bool {
        self.scored.is_empty()
    }

    /// `visit` applied to each matching document and its score, on every core, the results
    /// in the documents' order. For work whose result is small beside the document (counts,
    /// sort keys): every result is held until the end.
    pub fn par_map<T: Send>(
        &self,
        visit: impl Fn(usize, f32, Document) -> T + Sync + Send,
    ) -> Result<Vec<T>> {
        use rayon::prelude::*;
        self.scored
            .par_iter()
            .enumerate()
            .map(|(rank, &(score, address))| Ok(visit(rank, score, self.read(address)?)))
            .collect()
    }

    /// For each matching document (in order), the occurrences of `patterns` in its title and
    /// body, read from the index's positions ([`counting::phrase_counts`]) without the stored
    /// text; `None` when a pattern has a single unit.
    pub fn phrase_counts(&self, patterns: &[Pattern]) -> Result<Option<Vec<usize>>> {
        let addresses: Vec<DocAddress> = self.scored.iter().map(|(_, address)| *address).collect();
        counting::phrase_counts(&self.searcher, &self.fields, &addresses, patterns)
            .map_err(|e| Error::index(&self.dir, e))
    }

    /// For each matching document (in order), its value of `field` read from the fast fields
    /// (no stored text): the year of its date for [`MetaField::Date`], else the field's first
    /// value; `None` when it has none.
    pub fn values(&self, field: MetaField) -> Result<Vec<Option<String>>> {
        let error = |e: tantivy::TantivyError| Error::index(&self.dir, e);
        let segments = self.searcher.segment_readers();
        if field == MetaField::Date {
            let dates = segments
                .iter()
                .map(|segment| segment.fast_fields().date(field.name()))
                .collect::<tantivy::Result<Vec<Column<DateTime>>>>()
                .map_err(error)?;
            return Ok(self
                .scored
                .iter()
                .map(|(_, address)| {
                    let date = dates
                        .get(address.segment_ord as usize)?
                        .first(address.doc_id)?;
                    Some(date.into_utc().year().to_string())
                })
                .collect());
        }
        // Strings through each segment's table ([`ids`]): an ordinal looked up in the column's
        // dictionary would decompress a block per document.
        let tables = (0..segments.len() as u32)
            .map(|ord| ids::table(&self.searcher, ord, field.name()))
            .collect::<tantivy::Result<Vec<_>>>()
            .map_err(error)?;
        Ok(self
            .scored
            .iter()
            .map(|(_, address)| {
                let table = tables.get(address.segment_ord as usize)?;
                table.values(address.doc_id).next().map(String::from)
            })
            .collect())
    }

    /// The matching document at `rank` (in order) with its score.
    pub fn document(&self, rank: usize) -> Result<(f32, Document)> {
        let &(score, address) = self.scored.get(rank).ok_or_else(|| {
            Error::Internal(format!("no match at rank {rank} of {}", self.scored.len()))
        })?;
        Ok((score, self.read(address)?))
    }

    /// The stored document at `address`.
    fn read(&self, address: DocAddress) -> Result<Document> {
        let document: TantivyDocument = self
            .searcher
            .doc(address)
            .map_err(|e| Error::index(&self.dir, e))?;
        Ok(stored_document(&document, &self.fields))
    }

    /// Each matching document with its score (0 when sorted by date), in order, read from the
    /// store as the iterator is walked: only one is held at a time.
    pub fn documents(&self) -> impl Iterator<Item = Result<(f32, Document)>> + '_ {
        self.scored
            .iter()
            .map(|&(score, address)| Ok((score, self.read(address)?)))
    }
}

/// A document a page shows, with what its chain of versions says of it.
struct Shown {
    score: f32,
    address: DocAddress,
    /// The length of its chain.
    versions: usize,
    /// The other versions that match, newest first (collapsed searches only).
    other_versions: Vec<String>,
    /// The exact copies of it that match (collapsed searches only).
    copies: Vec<String>,
    /// Whether a newer version exists.
    superseded: bool,
}

impl Shown {
    /// A document shown on its own (not collapsed, or without other versions).
    fn alone(score: f32, address: DocAddress, chain: &versions::Chain) -> Shown {
        Shown {
            score,
            address,
            versions: chain.len().max(1),
            other_versions: Vec::new(),
            copies: Vec::new(),
            superseded: chain.has_newer_than(address),
        }
    }
}

/// How many ranked documents to group into chains for the first `want` hits: a little more
/// than `want`, since most chains are one document (more are fetched when that falls short).
fn collapse_fetch(want: usize) -> usize {
    want + want / 4 + 10
}

/// Runs `there` on a thread of its own while `here` runs on this one, and returns both (`there`'s
/// first); a panic on that thread gives `failed`'s value instead. A scoped thread, not rayon's
/// pool, where a long concordance would hold a search back.
fn side_by_side<T: Send, U>(
    there: impl FnOnce() -> T + Send,
    here: impl FnOnce() -> U,
    failed: impl FnOnce() -> T,
) -> (T, U) {
    std::thread::scope(|scope| {
        let other = scope.spawn(there);
        let here = here();
        (other.join().unwrap_or_else(|_| failed()), here)
    })
}

/// Fills the per-generation caches of a new searcher generation ([`Engine::warmed`]).
struct GenerationWarmer {
    fields: Fields,
    /// The index folder, whose files [`preload::preload`] reads.
    dir: PathBuf,
    /// The segments whose files were read for an earlier generation.
    preloaded: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Warmer for GenerationWarmer {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        // A failure here must not hold the new generation back: the search that needs the
        // value computes it again and reports the error itself.
        if let Err(error) = synonyms::defined_short_forms(searcher) {
            tracing::warn!("working out the short forms the texts define: {error}");
        }
        if let Err(error) = graph::validities(searcher, &self.fields, versions::today()) {
            tracing::warn!("working out every document's 时效性: {error}");
        }
        let mut done = self
            .preloaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match preload::preload(&self.dir, searcher, preload::available_memory(), &mut done) {
            Ok(read) => tracing::debug!("read ahead of the first search: {read:?}"),
            Err(error) => tracing::warn!("reading the index ahead of the first search: {error}"),
        }
        Ok(())
    }

    /// Nothing to drop: the caches keep a few generations each and let the oldest go.
    fn garbage_collect(&self, _: &[&tantivy::SearcherGeneration]) {}
}

/// A reader of `index` (in `dir`) that loads each new commit by itself, through `warmers`.
fn reader(
    index: &Index,
    dir: &Path,
    warmers: Vec<std::sync::Weak<dyn Warmer>>,
) -> Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::OnCommitWithDelay)
        .warmers(warmers)
        .try_into()
        .map_err(|source| Error::index(dir, source))
}

/// An open index, ready to search. Cheap to share between threads (`Arc<Engine>`); the reader
/// picks up new commits by itself.
pub struct Engine {
    dir: PathBuf,
    fields: Fields,
    reader: IndexReader,
    index: Index,
    time_budget: Option<Duration>,
    synonyms: Synonyms,
    /// Kept alive for the reader, which holds it weakly ([`Engine::warmed`]).
    warmer: Option<Arc<dyn Warmer>>,
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
        let reader = reader(&index, dir, Vec::new())?;
        Ok(Engine {
            dir: dir.to_path_buf(),
            fields,
            reader,
            index,
            time_budget: Some(DEFAULT_TIME_BUDGET),
            synonyms: Synonyms::default(),
            warmer: None,
        })
    }

    /// Work out what the index says of all its documents together (every document's 时效性,
    /// the short forms the texts define) whenever the reader loads a new generation of the
    /// index, before searches see it, rather than in the first search that needs it: for a
    /// server, whose first user after a reindex would otherwise wait for it (about a second
    /// at 350,000 documents). Searches keep using the previous generation meanwhile. The
    /// current generation is worked out here, before this returns. Each generation's files are
    /// also read once into the page cache when they fit in half the available memory (only the
    /// term dictionaries, fast fields and field norms otherwise), so the first searches after a
    /// cold start do not wait on the disk (see [`preload`]).
    pub fn warmed(mut self) -> Result<Engine> {
        let warmer: Arc<dyn Warmer> = Arc::new(GenerationWarmer {
            fields: self.fields,
            dir: self.dir.clone(),
            preloaded: Default::default(),
        });
        self.reader = reader(&self.index, &self.dir, vec![Arc::downgrade(&warmer)])?;
        self.warmer = Some(warmer);
        Ok(self)
    }

    /// Whether the index's word view was cut with other user dictionaries (`--dict`) than this
    /// process uses: queries are then cut differently from the documents, and ranking (not
    /// exact matching, which does not use words) suffers. Rebuild, or give the same `--dict`.
    pub fn built_with_other_dictionaries(&self) -> bool {
        last_build(&self.dir)
            .is_some_and(|info| info.dictionaries != crate::analysis::dictionaries())
    }

    /// Let each search spend at most `limit` matching (`None`: no limit). A search that runs
    /// out answers with what it found, marked [`SearchResponse::timed_out`].
    pub fn with_time_budget(mut self, limit: Option<Duration>) -> Engine {
        self.time_budget = limit;
        self
    }

    /// Expand terms with the shipped thesaurus and the groups in `synonyms` (reread when the
    /// file changes).
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Engine {
        self.synonyms = synonyms;
        self
    }

    /// What the engine makes of `text`: its normalised form, units, words and, for a query,
    /// each term's forms with this engine's synonyms.
    pub fn analyze(&self, text: &str) -> Result<analyze::Analysis> {
        let searcher = self.reader.searcher();
        Ok(analyze::analyze(text, &*self.thesaurus(&searcher)?))
    }

    /// The thesaurus searches of `searcher` expand with: the shipped one, the user's file (as
    /// it is now) and the short forms `searcher`'s texts define.
    fn thesaurus(&self, searcher: &Searcher) -> Result<Arc<Thesaurus>> {
        let current = self.synonyms.current();
        let defined = synonyms::defined_short_forms(searcher).map_err(|e| self.error(e))?;
        Ok(if defined.is_empty() {
            current
        } else {
            Arc::new(current.with_defined(defined))
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
        let tree = request.tree()?;
        let budget = self.time_budget.map_or_else(Budget::unlimited, Budget::new);
        let searcher = self.reader.searcher();
        let thesaurus = self.thesaurus(&searcher)?;
        let planner = || Planner::new(&self.fields, &thesaurus, budget.clone()).typed(&request.q);
        let plan = planner().plan(&tree);
        let mut ranking = plan.query.box_clone();
        // (The plan's matcher checks the budget itself; wrapping the whole query would hide
        // the ranking's pruning from the top-k collector.)
        let query = plan.query;
        // Collapsed, a page of hits is cut from the groups of the best `fetch` documents.
        let (fetch, skip) = if request.collapse {
            (collapse_fetch(request.offset + request.limit), 0)
        } else {
            (request.limit, request.offset)
        };
        let top = TopDocs::with_limit(fetch).and_offset(skip);
        let facets = match request.facets {
            true => Some(FacetCollector::with_validities(
                graph::validities(&searcher, &self.fields, versions::today())
                    .map_err(|e| self.error(e))?,
            )),
            false => None,
        };
        let (mut scored, total, facets): (Vec<(f32, DocAddress)>, usize, Option<Facets>) =
            match date_order(request.sort) {
                // By relevance, the top k alone (pruned: not every match is scored) and the
                // count and facets apart, over the matcher alone.
                None => {
                    let ranked = || searcher.search(&query, &top.order_by_score());
                    let counted = || searcher.search(&query, &(Count, facets));
                    // Over a large index the two passes run side by side.
                    let (counted, scored) = if searcher.num_docs() >= PASSES_IN_PARALLEL_FROM {
                        side_by_side(counted, ranked, || {
                            Err(tantivy::TantivyError::InternalError(
                                "the counting pass failed".to_string(),
                            ))
                        })
                    } else {
                        (counted(), ranked())
                    };
                    scored.and_then(|scored| counted.map(|(total, facets)| (scored, total, facets)))
                }
                Some(order) => {
                    let by_date =
                        top.order_by_fast_field::<DateTime>(MetaField::Date.name(), order);
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
        let mut listed: &dyn Query = &query;
        // Too few documents have every term to fill the page: those lacking some follow.
        let mut partial = 0;
        let mut optional_terms = Vec::new();
        let relax = request.sort == Sort::Relevance
            && request.match_mode == MatchMode::Auto
            && total < request.offset + request.limit
            && !requires_every_term(&request.q);
        let relaxed = relax.then(|| planner().plan_relaxed(&tree)).flatten();
        let relaxed_query;
        if let Some(relaxed) = relaxed {
            ranking = relaxed.query.box_clone();
            optional_terms = relaxed.optional_terms;
            relaxed_query = relaxed.query;
            let top = TopDocs::with_limit(fetch).and_offset(skip);
            let (hits, count) = searcher
                .search(&relaxed_query, &top.order_by_score())
                .and_then(|hits| Ok((hits, searcher.search(&relaxed_query, &Count)?)))
                .map_err(|e| self.error(e))?;
            scored = hits;
            partial = count.saturating_sub(total);
            listed = &relaxed_query;
        }
        let shown = self.versions_of_hits(&searcher, listed, request, scored, fetch)?;
        let addresses: Vec<(f32, DocAddress)> =
            shown.iter().map(|hit| (hit.score, hit.address)).collect();
        let missing = self.missing_terms(&searcher, &optional_terms, &addresses)?;
        let hits = self.build_hits(
            &searcher,
            shown.into_iter().zip(missing).collect(),
            &plan.highlights,
            request,
            ranking.as_ref(),
            &budget,
        )?;
        Ok(SearchResponse {
            query: request.q.clone(),
            total,
            partial,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            timed_out: budget.was_spent(),
            hits,
            facets,
        })
    }

    /// The best `fetch` documents of `query` in the request's order (relevance or date).
    fn top_documents(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        sort: Sort,
        fetch: usize,
    ) -> Result<Vec<(f32, DocAddress)>> {
        let top = TopDocs::with_limit(fetch);
        match date_order(sort) {
            None => searcher.search(query, &top.order_by_score()),
            Some(order) => searcher
                .search(
                    query,
                    &top.order_by_fast_field::<DateTime>(MetaField::Date.name(), order),
                )
                .map(|hits| hits.into_iter().map(|(_, a)| (0.0, a)).collect()),
        }
        .map_err(|e| self.error(e))
    }

    /// The page of hits in `scored` (the best `fetch` documents of `listed`, from the first
    /// when collapsing, else from the request's offset), each with its versions. Collapsed,
    /// each chain of versions is one hit at the place of its best placed version, shown as its
    /// newest version that `listed` matches; when the chains of the best `fetch` documents do
    /// not fill the page, more are fetched.
    fn versions_of_hits(
        &self,
        searcher: &Searcher,
        listed: &dyn Query,
        request: &SearchRequest,
        mut scored: Vec<(f32, DocAddress)>,
        mut fetch: usize,
    ) -> Result<Vec<Shown>> {
        let fields = &self.fields;
        if !request.collapse {
            let mut chains = versions::Chains::new(searcher, fields);
            return scored
                .into_iter()
                .map(|(score, address)| {
                    let chain = chains.of(address).map_err(|e| self.error(e))?;
                    Ok(Shown::alone(score, address, &chain))
                })
                .collect();
        }
        let want = request.offset + request.limit;
        let weight = listed
            .weight(tantivy::query::EnableScoring::disabled_from_searcher(
                searcher,
            ))
            .map_err(|e| self.error(e))?;
        let at_shown = request.sort == Sort::DateAsc;
        let groups = loop {
            let groups = versions::group(searcher, fields, weight.as_ref(), &scored, at_shown)
                .map_err(|e| self.error(e))?;
            if groups.len() >= want || scored.len() < fetch {
                break groups;
            }
            fetch = fetch.saturating_mul(2);
            // (A relaxed list is only made for a search by relevance.)
            scored = self.top_documents(searcher, listed, request.sort, fetch)?;
        };
        Ok(groups
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .map(|group| Shown {
                score: group.score,
                address: group.shown,
                versions: group.chain.len(),
                other_versions: group.other_matching,
                copies: group.copies,
                superseded: group.chain.has_newer_than(group.shown),
            })
            .collect())
    }

    /// The hits for `shown` documents, each with the terms it lacks. The budget covers them
    /// too (stored text, snippets, every matching 条): out of time, the hits built so far are
    /// kept, best first, and the rest dropped (the answer says it timed out).
    fn build_hits(
        &self,
        searcher: &Searcher,
        shown: Vec<(Shown, Vec<String>)>,
        highlights: &[Pattern],
        request: &SearchRequest,
        ranking: &dyn Query,
        budget: &Budget,
    ) -> Result<Vec<Hit>> {
        let today = versions::today();
        // Every document's 时效性, when this generation's are worked out already (always in
        // `serve`, which warms each generation): a lookup per hit instead of resolving its
        // repealers, the same answer (a test compares the two on every document).
        let known = graph::kept_validities(searcher, today);
        let build = |(shown, missing): (Shown, Vec<String>)| -> Result<Option<Hit>> {
            if budget.check() {
                return Ok(None);
            }
            let address = shown.address;
            let document: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
            let mut hit = self.hit(&document, shown.score, highlights, request.articles);
            hit.missing = missing;
            hit.versions = shown.versions;
            hit.other_versions = shown.other_versions;
            hit.copies = shown.copies;
            hit.validity = match &known {
                Some(validities) => validities.of(address),
                None => {
                    let repealed = !graph::repealers(searcher, &self.fields, address)
                        .map_err(|e| self.error(e))?
                        .is_empty();
                    Validity::of(repealed, shown.superseded, hit.metadata.effective, today)
                }
            };
            if request.explain {
                let explanation = ranking
                    .explain(searcher, address)
                    .map_err(|e| self.error(e))?;
                hit.explanation = Some(ScoreDetail::from(&explanation));
            }
            Ok(Some(hit))
        };
        // A long list is built on two threads, one taking the even places and one the odd, so
        // that what is built when the budget runs out is still (nearly) a prefix of the list.
        let built: Vec<Result<Option<Hit>>> = if shown.len() >= HITS_IN_PARALLEL_FROM {
            let (mut even, mut odd) = (Vec::new(), Vec::new());
            for (place, item) in shown.into_iter().enumerate() {
                if place % 2 == 0 {
                    even.push(item)
                } else {
                    odd.push(item)
                }
            }
            let (odd, even) = side_by_side(
                || odd.into_iter().map(&build).collect::<Vec<_>>(),
                || even.into_iter().map(&build).collect::<Vec<_>>(),
                || {
                    vec![Err(self.error(tantivy::TantivyError::InternalError(
                        "building hits failed".to_string(),
                    )))]
                },
            );
            let mut odd = odd.into_iter();
            even.into_iter()
                .flat_map(|hit| std::iter::once(hit).chain(odd.next()))
                .collect()
        } else {
            shown.into_iter().map(build).collect()
        };
        // Out of time, the hits built up to the first one missing are kept, best first.
        let mut hits = Vec::with_capacity(built.len());
        for hit in built {
            match hit? {
                Some(hit) => hits.push(hit),
                None => break,
            }
        }
        Ok(hits)
    }

    /// For each hit, the optional terms (as typed) whose matcher does not match it.
    fn missing_terms(
        &self,
        searcher: &Searcher,
        terms: &[(String, Box<dyn Query>)],
        hits: &[(f32, DocAddress)],
    ) -> Result<Vec<Vec<String>>> {
        let mut missing = vec![Vec::new(); hits.len()];
        for (text, matcher) in terms {
            let weight = matcher
                .weight(tantivy::query::EnableScoring::disabled_from_searcher(
                    searcher,
                ))
                .map_err(|e| self.error(e))?;
            for (index, (_, address)) in hits.iter().enumerate() {
                if !versions::matches(searcher, weight.as_ref(), *address)
                    .map_err(|e| self.error(e))?
                {
                    missing[index].push(text.clone());
                }
            }
        }
        Ok(missing)
    }

    /// Every document that matches `request` fully, in its sort order: no page, no partial
    /// matches and no time budget (for exports and concordances, which promise every match).
    /// The stored documents are read one at a time as [`Matches::documents`] is walked.
    /// A request whose `q` is empty matches every document its filters let through.
    pub fn all_matches(&self, request: &SearchRequest) -> Result<Matches> {
        let searcher = self.reader.searcher();
        let thesaurus = self.thesaurus(&searcher)?;
        let (plan, terms) = if request.q.trim().is_empty() {
            let query: Box<dyn Query> = match request.filter_tree()? {
                Some(tree) => {
                    Planner::new(&self.fields, &thesaurus, Budget::unlimited()).node(&tree)
                }
                None => Box::new(tantivy::query::AllQuery),
            };
            let plan = Plan {
                query,
                highlights: Vec::new(),
                optional_terms: Vec::new(),
            };
            (plan, Vec::new())
        } else {
            let tree = request.tree()?;
            let terms = tree
                .positive_terms()
                .into_iter()
                .map(|(term, _)| term.to_string())
                .collect();
            let plan = Planner::new(&self.fields, &thesaurus, Budget::unlimited())
                .typed(&request.q)
                .plan(&tree);
            (plan, terms)
        };
        let total = searcher
            .search(plan.query.as_ref(), &Count)
            .map_err(|e| self.error(e))?;
        let scored = if total == 0 {
            Vec::new()
        } else {
            let top = TopDocs::with_limit(total);
            match date_order(request.sort) {
                None => searcher.search(plan.query.as_ref(), &top.order_by_score()),
                Some(order) => {
                    let by_date =
                        top.order_by_fast_field::<DateTime>(MetaField::Date.name(), order);
                    searcher
                        .search(plan.query.as_ref(), &by_date)
                        .map(|hits| hits.into_iter().map(|(_, a)| (0.0, a)).collect())
                }
            }
            .map_err(|e| self.error(e))?
        };
        Ok(Matches {
            dir: self.dir.clone(),
            fields: self.fields,
            searcher,
            scored,
            highlights: plan.highlights,
            terms,
        })
    }

    /// Occurrences of each of `words` in the word view (titles and bodies, deleted documents
    /// left out) and the word view's total number of words (collocates' corpus frequencies).
    pub fn word_frequencies<'w>(
        &self,
        words: impl Iterator<Item = &'w str>,
    ) -> Result<(u64, Vec<u64>)> {
        let searcher = self.reader.searcher();
        counting::word_frequencies(
            &searcher,
            [self.fields.title_words, self.fields.body_words],
            words,
        )
        .map_err(|e| self.error(e))
    }

    /// The ids of every document matching `q`, in no particular order (for exhaustive checks
    /// and benchmarks: no stored text is read).
    pub fn matching_ids(&self, q: &str) -> Result<Vec<String>> {
        // The matcher alone: ranking clauses would only cost time here.
        let searcher = self.reader.searcher();
        let thesaurus = self.thesaurus(&searcher)?;
        let matcher = Planner::new(&self.fields, &thesaurus, Budget::unlimited()).node(&parse(q)?);
        let plan = Plan {
            query: matcher,
            highlights: Vec::new(),
            optional_terms: Vec::new(),
        };
        let addresses = searcher
            .search(plan.query.as_ref(), &tantivy::collector::DocSetCollector)
            .map_err(|e| self.error(e))?;
        let mut ids = Vec::with_capacity(addresses.len());
        let mut tables = BTreeMap::new();
        for address in addresses {
            let table = match tables.entry(address.segment_ord) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => entry.insert(
                    ids::table(&searcher, address.segment_ord, "id").map_err(|e| self.error(e))?,
                ),
            };
            ids.push(table.first(address.doc_id).to_string());
        }
        Ok(ids)
    }

    /// Every stored document, in index order, handed to `visit`; returns how many.
    pub fn for_each_document(
        &self,
        mut visit: impl FnMut(Document) -> Result<()>,
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
                visit(stored_document(&document, &self.fields))?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// The stored document with `id`.
    pub fn document(&self, id: &str) -> Result<Document> {
        let searcher = self.reader.searcher();
        let (_, document) = self
            .find(&searcher, id)?
            .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
        Ok(stored_document(&document, &self.fields))
    }

    /// The document with `id`, cut into its preamble and 条, with the matches of `q` marked.
    /// A body longer than [`MAX_VIEW_BYTES`] is shown in parts: from character `from` up to
    /// the cap (at a line break where one is near), with [`DocumentView::truncated`] saying
    /// which part this is and where the next starts.
    pub fn document_view(&self, id: &str, q: Option<&str>, from: usize) -> Result<DocumentView> {
        let searcher = self.reader.searcher();
        let (address, stored) = self
            .find(&searcher, id)?
            .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
        let mut document = stored_document(&stored, &self.fields);
        let (validity, versions) = self.versions_of(&searcher, address, &document)?;
        let repealed_by = self.repeals_of(&searcher, address)?;
        let truncated = cut_for_view(&mut document.body, from)?;
        let highlights = match q.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                Planner::new(
                    &self.fields,
                    &*self.thesaurus(&searcher)?,
                    Budget::unlimited(),
                )
                .plan(&parse(q)?)
                .highlights
            }
            None => Vec::new(),
        };
        let body = &document.body;
        let sections = parts(body)
            .into_iter()
            .filter_map(|part| {
                let text = body[part.range].trim();
                (!text.is_empty()).then(|| Section {
                    label: part.label,
                    heading: part.heading,
                    text: highlight(text, &highlights),
                })
            })
            .collect();
        Ok(DocumentView {
            document,
            sections,
            truncated,
            validity,
            versions,
            repealed_by,
        })
    }

    /// What the document with `id` cites and who cites it, resolved against the documents
    /// indexed now (see [`graph`]).
    pub fn citations(&self, id: &str) -> Result<Citations> {
        let searcher = self.reader.searcher();
        let fields = &self.fields;
        let (address, stored) = self
            .find(&searcher, id)?
            .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
        let about = |address: DocAddress| -> Result<(String, Option<String>)> {
            let document: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
            let metadata = stored_metadata(&document, fields);
            Ok((
                text_value(&document, fields.title).unwrap_or_default(),
                metadata.date.map(format_day),
            ))
        };
        let by = graph::node(&searcher, address).map_err(|e| self.error(e))?;
        let mut named: HashMap<String, Vec<graph::Node>> = HashMap::new();
        let mut cites = Vec::new();
        let mut not_indexed: Vec<graph::Unresolved> = Vec::new();
        for citation in graph::stored_links(&stored, fields).cites {
            if !named.contains_key(&citation.target) {
                let found = graph::cited(&searcher, fields, &by, &citation.target)
                    .map_err(|e| self.error(e))?;
                named.insert(citation.target.clone(), found);
            }
            let found = named.get(&citation.target).map_or(&[][..], Vec::as_slice);
            if found.is_empty() {
                match not_indexed.iter_mut().find(|u| u.text == citation.text) {
                    Some(unresolved) => unresolved.count += 1,
                    None => not_indexed.push(graph::Unresolved {
                        text: citation.text.clone(),
                        count: 1,
                    }),
                }
            }
            for node in found {
                graph::tally(&mut cites, node, &citation, || about(node.address))?;
            }
        }
        let mut cited_by = Vec::new();
        for (citer, targets) in
            graph::citers(&searcher, fields, address).map_err(|e| self.error(e))?
        {
            let document: TantivyDocument =
                searcher.doc(citer.address).map_err(|e| self.error(e))?;
            for citation in graph::stored_links(&document, fields).cites {
                if targets.contains(&citation.target) {
                    graph::tally(&mut cited_by, &citer, &citation, || about(citer.address))?;
                }
            }
        }
        let mut cited_by: Vec<graph::CitationLink> =
            cited_by.into_iter().map(|(_, link)| link).collect();
        cited_by.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| b.date.cmp(&a.date)));
        Ok(Citations {
            cites: cites.into_iter().map(|(_, link)| link).collect(),
            cited_by,
            not_indexed,
        })
    }

    /// The documents repealing the document at `address`, with where and by what name.
    fn repeals_of(&self, searcher: &Searcher, address: DocAddress) -> Result<Vec<RepealInfo>> {
        let fields = &self.fields;
        let mut out = Vec::new();
        for (by, target) in
            graph::repealers(searcher, fields, address).map_err(|e| self.error(e))?
        {
            let document: TantivyDocument = searcher.doc(by.address).map_err(|e| self.error(e))?;
            let links = graph::stored_links(&document, fields);
            let Some(repeal) = links.repeals.iter().find(|r| r.target == target) else {
                continue;
            };
            out.push(RepealInfo {
                id: by.id,
                title: text_value(&document, fields.title).unwrap_or_default(),
                date: by.date.map(format_day),
                at: repeal.at.clone(),
                text: repeal.text.clone(),
            });
        }
        Ok(out)
    }

    /// Every repeal the indexed texts make, in the order of the repealing documents' ids: what
    /// the corpus says of its own repeals (for the accuracy fixture and for auditing).
    pub fn repeal_links(&self) -> Result<Vec<graph::RepealLink>> {
        self.each_link(
            |links| links.repeals,
            graph::repeal_targets,
            graph::repealed,
        )
        .map(|found| {
            found
                .into_iter()
                .map(|(by, citation, named)| graph::RepealLink {
                    by,
                    at: citation.at,
                    text: citation.text,
                    repealed: named,
                })
                .collect()
        })
    }

    /// Every citation of an indexed document in the indexed texts, in the order of the citing
    /// documents' ids (citations naming no indexed document left out).
    pub fn citation_links(&self) -> Result<Vec<graph::CitationOf>> {
        self.each_link(|links| links.cites, graph::cited_targets, graph::cited)
            .map(|found| {
                found
                    .into_iter()
                    .filter(|(_, _, named)| !named.is_empty())
                    .map(|(by, citation, named)| graph::CitationOf {
                        by,
                        at: citation.at,
                        text: citation.text,
                        article: citation.article,
                        cited: named,
                    })
                    .collect()
            })
    }

    /// Each link of one kind (`which` of the stored links, found by `targets` in the fast
    /// fields) of every document, with the ids `resolve` names.
    fn each_link(
        &self,
        which: impl Fn(Links) -> Vec<Citation>,
        targets: impl Fn(&Searcher, DocAddress) -> tantivy::Result<Vec<String>>,
        resolve: impl Fn(&Searcher, &Fields, &graph::Node, &str) -> tantivy::Result<Vec<graph::Node>>,
    ) -> Result<Vec<(String, Citation, Vec<String>)>> {
        let searcher = self.reader.searcher();
        let fields = &self.fields;
        let mut out = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc in segment.doc_ids_alive() {
                let address = DocAddress::new(ord as u32, doc);
                if targets(&searcher, address)
                    .map_err(|e| self.error(e))?
                    .is_empty()
                {
                    continue;
                }
                let by = graph::node(&searcher, address).map_err(|e| self.error(e))?;
                let stored: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
                for citation in which(graph::stored_links(&stored, fields)) {
                    let named = resolve(&searcher, fields, &by, &citation.target)
                        .map_err(|e| self.error(e))?;
                    let ids = named.into_iter().map(|node| node.id).collect();
                    out.push((by.id.clone(), citation, ids));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Every chain of two or more versions in the index, each oldest first as
    /// `(id, date)`, the chains in the order of their oldest id: what the corpus says of its
    /// own revisions (for the accuracy fixture and for anyone auditing the derivation).
    pub fn version_chains(&self) -> Result<Vec<versions::ChainIds>> {
        let searcher = self.reader.searcher();
        let mut seen = std::collections::HashSet::new();
        let mut chains = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc in segment.doc_ids_alive() {
                let address = DocAddress::new(ord as u32, doc);
                if seen.contains(&address) {
                    continue;
                }
                let chain = versions::chain_of(&searcher, &self.fields, address)
                    .map_err(|e| self.error(e))?;
                seen.extend(chain.0.iter().map(|member| member.address));
                if chain.len() > 1 {
                    chains.push(
                        chain
                            .0
                            .into_iter()
                            .map(|member| (member.id, member.date.map(format_day)))
                            .collect::<Vec<_>>(),
                    );
                }
            }
        }
        chains.sort();
        Ok(chains)
    }

    /// The documents `a` and `b` aligned article by article (新旧对照), the older one (by date)
    /// first whichever order they are given in.
    pub fn compare(&self, a: &str, b: &str) -> Result<Comparison> {
        let searcher = self.reader.searcher();
        let read = |id: &str| -> Result<(VersionInfo, String)> {
            let (address, stored) = self
                .find(&searcher, id)?
                .ok_or_else(|| Error::DocumentNotFound { id: id.to_string() })?;
            let document = stored_document(&stored, &self.fields);
            // Its status only: the chain's ids, not its members' stored texts.
            let status = graph::validity(
                &searcher,
                &self.fields,
                address,
                document.metadata.effective,
                versions::today(),
            )
            .map_err(|e| self.error(e))?;
            let info = VersionInfo {
                id: document.id,
                title: document.title,
                date: document.metadata.date.map(format_day),
                status,
            };
            Ok((info, document.body))
        };
        let (mut old, mut new) = (read(a)?, read(b)?);
        if old.0.date > new.0.date {
            std::mem::swap(&mut old, &mut new);
        }
        Ok(Comparison {
            aligned: crate::analysis::compare::compare(&old.1, &new.1),
            old: old.0,
            new: new.0,
        })
    }

    /// The 时效性 of `document` (at `address`) and its chain of versions, oldest first (empty
    /// when it has none).
    fn versions_of(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        document: &Document,
    ) -> Result<(Validity, Vec<VersionInfo>)> {
        let chain =
            versions::chain_of(searcher, &self.fields, address).map_err(|e| self.error(e))?;
        let today = versions::today();
        let validity = graph::validity(
            searcher,
            &self.fields,
            address,
            document.metadata.effective,
            today,
        )
        .map_err(|e| self.error(e))?;
        if chain.len() < 2 {
            return Ok((validity, Vec::new()));
        }
        let listed = chain
            .0
            .iter()
            .map(|member| {
                let stored: TantivyDocument =
                    searcher.doc(member.address).map_err(|e| self.error(e))?;
                let metadata = stored_metadata(&stored, &self.fields);
                Ok(VersionInfo {
                    id: member.id.clone(),
                    title: text_value(&stored, self.fields.title).unwrap_or_default(),
                    date: member.date.map(format_day),
                    status: graph::validity(
                        searcher,
                        &self.fields,
                        member.address,
                        metadata.effective,
                        today,
                    )
                    .map_err(|e| self.error(e))?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((validity, listed))
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
            last_commit: last_build(&self.dir).map(|info| info.built_at),
            categories: facets.get("category").cloned().unwrap_or_default(),
        })
    }

    /// Documents most like the one with `id`: the others that speak most of what its title and
    /// body are about (see [`related`]).
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
            let mut text = text_value(&document, field).unwrap_or_default();
            cut_at_char_boundary(&mut text, SIMILAR_SAMPLE_BYTES);
            text
        };
        let Some(query) = related_query(
            &self.index,
            &searcher,
            fields,
            &text(fields.title),
            &text(fields.body),
        )
        .map_err(|e| self.error(e))?
        else {
            return Ok(Vec::new());
        };
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
                    date: stored_metadata(&document, fields).date.map(format_day),
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
        all_articles: bool,
    ) -> Hit {
        let fields = &self.fields;
        let body = text_value(document, fields.body).unwrap_or_default();
        let best = snippet(&body, highlights);
        let structure = articles(&body);
        let article_of = |offset: usize| {
            structure
                .iter()
                .find(|article| article.range.contains(&offset))
                .map(|article| article.label.clone())
        };
        let matching_articles = all_articles.then(|| {
            structure
                .iter()
                .filter_map(|article| {
                    let snippet = snippet(&body[article.range.clone()], highlights);
                    snippet.has_match().then(|| ArticleHit {
                        label: article.label.clone(),
                        snippet,
                    })
                })
                .collect()
        });
        Hit {
            id: text_value(document, fields.id).unwrap_or_default(),
            title: text_value(document, fields.title).unwrap_or_default(),
            score,
            metadata: stored_metadata(document, fields),
            article: best.first_match().and_then(article_of),
            snippet: best,
            articles: matching_articles,
            missing: Vec::new(),
            explanation: None,
            versions: 1,
            other_versions: Vec::new(),
            copies: Vec::new(),
            validity: Validity::InForce,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::expansion::Thesaurus;

    /// The pruned top k (MaxScore, [`top_k`]) is, score for score and document for document,
    /// the top k of Tantivy's Boolean query scoring every match, on the sample corpus, for
    /// words, several words, OR, exclusions, quoted phrases, typed titles and relaxed plans.
    #[test]
    fn the_pruned_top_k_is_the_top_k_of_scoring_every_match() {
        // One run (one segment, or two when the indexing threads each write one) and two
        // runs (two segments at least, every time).
        for runs in [1, 2] {
            let dir = sample_index(runs);
            let engine = Engine::open(dir.path()).unwrap();
            assert!(engine.reader.searcher().segment_readers().len() >= runs);
            assert_pruning_changes_no_result(&engine);
        }
    }

    /// An index of the sample corpus built by one run, or by two: a second, incremental run
    /// adding the laws of 行政法 to an index of the rest.
    fn sample_index(runs: usize) -> tempfile::TempDir {
        fn copy(from: &std::path::Path, to: &std::path::Path) {
            std::fs::create_dir_all(to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let entry = entry.unwrap();
                let target = to.join(entry.file_name());
                if entry.file_type().unwrap().is_dir() {
                    copy(&entry.path(), &target);
                } else {
                    std::fs::copy(entry.path(), &target).unwrap();
                }
            }
        }
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let dir = tempfile::tempdir().unwrap();
        if runs == 1 {
            crate::index::build_index(&[sample], dir.path(), |_| {}).unwrap();
            return dir;
        }
        let corpus = tempfile::tempdir().unwrap();
        copy(&sample, corpus.path());
        let (laws, aside) = (corpus.path().join("行政法"), corpus.path().join("aside"));
        std::fs::rename(&laws, &aside).unwrap();
        std::fs::create_dir(&laws).unwrap();
        crate::index::build_index(&[corpus.path().to_path_buf()], dir.path(), |_| {}).unwrap();
        std::fs::remove_dir(&laws).unwrap();
        std::fs::rename(&aside, &laws).unwrap();
        let options = crate::index::IndexOptions::default();
        crate::index::update_index(&[corpus.path().to_path_buf()], dir.path(), &options, |_| {})
            .unwrap();
        dir
    }

    fn assert_pruning_changes_no_result(engine: &Engine) {
        let searcher = engine.reader.searcher();
        let thesaurus = engine.thesaurus(&searcher).unwrap();
        let queries = [
            "太湖",
            "环境",
            "生态 保护",
            "长三角 一体化 发展",
            "环境保护 OR 生态文明",
            "水污染 防治 -条例",
            "\"生态环境\"",
            "太湖流域管理条例",
            "中华人民共和国环境保护法",
            "科技 创新 人才 金融",
            "电子政务 一网通办",
        ];
        let mut compared = 0;
        for q in queries {
            let tree = parse(q).unwrap();
            let planner = || Planner::new(&engine.fields, &thesaurus, Budget::unlimited()).typed(q);
            let plans = [Some(planner().plan(&tree)), planner().plan_relaxed(&tree)];
            for plan in plans.into_iter().flatten() {
                let ranked = plan.query.downcast_ref::<top_k::Ranked>().unwrap();
                let every_match = ranked.as_boolean_query();
                for k in [1, 3, 10, 40] {
                    let top = || TopDocs::with_limit(k).order_by_score();
                    let pruned = searcher.search(plan.query.as_ref(), &top()).unwrap();
                    // With a second collector, Tantivy scores every match.
                    let (scored, total) = searcher.search(&every_match, &(top(), Count)).unwrap();
                    let (unpruned, _) = searcher
                        .search(plan.query.as_ref(), &(top(), Count))
                        .unwrap();
                    assert_eq!(pruned, scored, "{q}, top {k} of {total}");
                    assert_eq!(unpruned, scored, "{q}, top {k} of {total}");
                    assert_eq!(pruned.len(), k.min(total), "{q}");
                    compared += 1;
                }
            }
        }
        assert!(compared >= 60, "{compared}");
    }

    /// A warmed engine has every document's 时效性 worked out for the generation it opened and
    /// for each one it reloads, before a search asks; an engine not warmed leaves it to the
    /// first search.
    #[test]
    fn a_warmed_engine_works_out_each_generation_before_it_is_searched() {
        let corpus = tempfile::tempdir().unwrap();
        let write =
            |name: &str, text: &str| std::fs::write(corpus.path().join(name), text).unwrap();
        write(
            "a.txt",
            "太湖流域管理条例\n第一条 为了加强太湖流域水资源保护。",
        );
        let build = |dir: &Path| {
            let options = crate::index::IndexOptions::default();
            crate::index::update_index(&[corpus.path().to_path_buf()], dir, &options, |_| {})
                .unwrap();
        };
        let today = versions::today();
        let plain = tempfile::tempdir().unwrap();
        build(plain.path());
        let engine = Engine::open(plain.path()).unwrap();
        assert!(graph::kept_validities(&engine.reader.searcher(), today).is_none());
        engine
            .search(&SearchRequest::new("status:现行有效"))
            .unwrap();
        assert!(graph::kept_validities(&engine.reader.searcher(), today).is_some());

        let dir = tempfile::tempdir().unwrap();
        build(dir.path());
        let engine = Engine::open(dir.path()).unwrap().warmed().unwrap();
        assert!(graph::kept_validities(&engine.reader.searcher(), today).is_some());
        write("b.txt", "长江保护法\n第一条 太湖、巢湖等重点湖泊。");
        build(dir.path());
        engine.reader.reload().unwrap();
        let searcher = engine.reader.searcher();
        assert_eq!(searcher.num_docs(), 2);
        assert!(graph::kept_validities(&searcher, today).is_some());
    }

    /// A hit's 时效性 is the same whether it is resolved for the hit (its repealers, its
    /// chain) or looked up in the generation's worked-out [`graph::Validities`], for every
    /// document of an index holding each kind: the sample corpus (amended versions) and
    /// `tests/data/graph` (a decision the sample repeals), versions listed apart and collapsed.
    #[test]
    fn hits_say_the_same_validity_resolved_one_by_one_or_looked_up() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        crate::index::build_index(
            &[root.join("corpus"), root.join("tests/data/graph")],
            dir.path(),
            |_| {},
        )
        .unwrap();
        let engine = Engine::open(dir.path()).unwrap();
        let today = versions::today();
        let listed = |collapse: bool| {
            let mut request = SearchRequest::new("的 OR 条 OR 法");
            request.limit = 1000;
            request.collapse = collapse;
            let response = engine.search(&request).unwrap();
            assert!(!response.timed_out);
            if !collapse {
                // (Collapsed, `total` still counts documents, two versions being one hit.)
                assert_eq!(response.hits.len(), response.total);
            }
            response
                .hits
                .into_iter()
                .map(|hit| (hit.id, hit.validity))
                .collect::<BTreeMap<_, _>>()
        };
        let one_by_one = [listed(false), listed(true)];
        assert!(graph::kept_validities(&engine.reader.searcher(), today).is_none());
        graph::validities(&engine.reader.searcher(), &engine.fields, today).unwrap();
        assert!(graph::kept_validities(&engine.reader.searcher(), today).is_some());
        let looked_up = [listed(false), listed(true)];
        assert_eq!(one_by_one, looked_up);
        let all = &one_by_one[0];
        assert_eq!(all.len() as u64, engine.num_docs());
        for kind in [Validity::Amended, Validity::Repealed, Validity::InForce] {
            assert!(all.values().any(|&v| v == kind), "no {kind:?} in {all:?}");
        }
    }

    #[test]
    fn a_spent_budget_stops_building_hits_and_time_builds_them_all() {
        let corpus = tempfile::tempdir().unwrap();
        for (name, text) in [
            (
                "a.txt",
                "太湖流域管理条例\n第一条 为了加强太湖流域水资源保护。",
            ),
            ("b.txt", "环太湖科技创新圈\n共建环太湖科技创新圈。"),
            ("c.txt", "长江保护法\n太湖、巢湖等重点湖泊。"),
        ] {
            std::fs::write(corpus.path().join(name), text).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        crate::index::build_index(&[corpus.path().to_path_buf()], dir.path(), |_| {}).unwrap();
        let engine = Engine::open(dir.path()).unwrap();
        let searcher = engine.reader.searcher();
        let thesaurus = Thesaurus::default();
        let plan = Planner::new(&engine.fields, &thesaurus, Budget::unlimited())
            .plan(&parse("太湖").unwrap());
        let scored: Vec<(f32, DocAddress)> = searcher
            .search(
                plan.query.as_ref(),
                &TopDocs::with_limit(10).order_by_score(),
            )
            .unwrap();
        assert_eq!(scored.len(), 3);
        let with_missing = || {
            scored
                .iter()
                .map(|&(score, address)| {
                    let chain = versions::Chain::default();
                    (Shown::alone(score, address, &chain), Vec::new())
                })
                .collect::<Vec<_>>()
        };
        let request = SearchRequest::new("太湖");
        let build = |budget: &Budget| {
            engine
                .build_hits(
                    &searcher,
                    with_missing(),
                    &plan.highlights,
                    &request,
                    plan.query.as_ref(),
                    budget,
                )
                .unwrap()
        };
        let spent = Budget::new(Duration::ZERO);
        assert!(build(&spent).is_empty());
        assert!(spent.was_spent());
        let hits = build(&Budget::unlimited());
        assert_eq!(hits.len(), 3);
        assert!(hits.iter().all(|hit| hit.snippet.has_match()));
    }

    /// A page long enough to be built on two threads ([`HITS_IN_PARALLEL_FROM`]) holds the
    /// hits, in order, with the snippets, that pages too short for it give one after another.
    #[test]
    fn a_long_page_built_on_two_threads_is_the_short_pages_end_to_end() {
        let dir = sample_index(1);
        let engine = Engine::open(dir.path()).unwrap();
        let page = |offset: usize, limit: usize| {
            let mut request = SearchRequest::new("的 OR 条 OR 法");
            request.collapse = false;
            request.offset = offset;
            request.limit = limit;
            let response = engine.search(&request).unwrap();
            (response.total, response.hits)
        };
        let (total, long) = page(0, 1000);
        assert!(total >= HITS_IN_PARALLEL_FROM, "{total}");
        assert_eq!(long.len(), total);
        let short = 10;
        assert!(short < HITS_IN_PARALLEL_FROM);
        let mut pieced = Vec::new();
        for offset in (0..total).step_by(short) {
            pieced.extend(page(offset, short).1);
        }
        let shown = |hits: &[Hit]| {
            hits.iter()
                .map(|hit| (hit.id.clone(), hit.snippet.text.clone(), hit.validity))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(&long), shown(&pieced));
    }
}
