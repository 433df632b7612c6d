//! KWIC concordance: every occurrence of a query's terms in the documents it matches, one line
//! each with its left and right context, as AntConc and CQPweb show them.
//!
//! The documents are the search's full matches ([`Engine::all_matches`], filters included); in
//! each, the occurrences are those of the query's terms as typed, found on the units the index
//! uses ([`occurrences`]), so `"湖科"` lists exactly the places the phrase index finds, `太湖`
//! those inside `环太湖` too. (A document matched through a synonym alone has no line.)

use std::io::Write;
use std::ops::Range;

use serde::Serialize;

use crate::analysis::matching::{occurrences, Pattern};
use crate::analysis::structure::articles;
use crate::document::{Document, MetaField, Value};
use crate::error::{Error, Result};
use crate::search::{Engine, Matches, SearchRequest, Sort};
use crate::workbench::table::{TableFormat, TableWriter};

/// Context shown on each side of a match by default, in characters.
pub const DEFAULT_CONTEXT: usize = 20;
/// Context on each side at most, in characters.
pub const MAX_CONTEXT: usize = 200;
/// Lines a page holds at most.
pub const MAX_LINES: usize = 1000;
/// Occurrences that can be sorted by their context at most; past it, sort by document.
pub const MAX_SORTED: usize = 2_000_000;

/// The order of the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KwicSort {
    /// The search's order (best document first), then position in the document.
    Doc,
    /// Newest document first, then position.
    Date,
    /// By the left context read backwards from the match (the word before it first).
    Left,
    /// By the right context.
    Right,
}

impl std::str::FromStr for KwicSort {
    type Err = Error;

    fn from_str(text: &str) -> Result<KwicSort> {
        match text {
            "doc" => Ok(KwicSort::Doc),
            "date" => Ok(KwicSort::Date),
            "left" => Ok(KwicSort::Left),
            "right" => Ok(KwicSort::Right),
            _ => Err(Error::InvalidParameter {
                name: "sort",
                message: format!(
                    "`{text}` is not a concordance order: use doc, date, left or right"
                ),
            }),
        }
    }
}

/// A concordance to make.
#[derive(Debug, Clone)]
pub struct ConcordanceRequest {
    /// The search whose matches are read (its `q` and filters; its page is not used).
    pub search: SearchRequest,
    /// Characters of context on each side.
    pub context: usize,
    /// Order of the lines.
    pub sort: KwicSort,
    /// Lines to return.
    pub limit: usize,
    /// Lines to skip.
    pub offset: usize,
}

impl ConcordanceRequest {
    /// The first 100 lines for `q`, 20 characters of context, in the search's order.
    pub fn new(q: impl Into<String>) -> ConcordanceRequest {
        ConcordanceRequest {
            search: SearchRequest::new(q),
            context: DEFAULT_CONTEXT,
            sort: KwicSort::Doc,
            limit: 100,
            offset: 0,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.context > MAX_CONTEXT {
            return Err(Error::InvalidParameter {
                name: "context",
                message: format!("{} is out of range: use 0 to {MAX_CONTEXT}", self.context),
            });
        }
        if !(1..=MAX_LINES).contains(&self.limit) {
            return Err(Error::InvalidParameter {
                name: "limit",
                message: format!("{} is out of range: use 1 to {MAX_LINES}", self.limit),
            });
        }
        Ok(())
    }
}

/// One occurrence in context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KwicLine {
    /// The text before the match (whitespace runs as one space).
    pub left: String,
    /// The match as written.
    #[serde(rename = "match")]
    pub matched: String,
    /// The text after the match.
    pub right: String,
    /// The document.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its date.
    pub date: Option<String>,
    /// The 条 the match is in, when the body has 条 (`第十二条`).
    pub article: Option<String>,
    /// `title` or `body`.
    pub field: &'static str,
}

/// A page of a concordance.
#[derive(Debug, Clone, Serialize)]
pub struct Concordance {
    /// Every occurrence, over every matching document.
    pub total: usize,
    /// Matching documents.
    pub documents: usize,
    /// The page's lines.
    pub lines: Vec<KwicLine>,
}

/// `text[range]`'s context: up to `chars` characters before and after, whitespace runs folded.
fn context(text: &str, range: &Range<usize>, chars: usize) -> (String, String) {
    let left_start = text[..range.start]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(at, _)| at);
    let left = if chars == 0 {
        ""
    } else {
        &text[left_start..range.start]
    };
    let right_end = text[range.end..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(at, _)| range.end + at);
    (fold(left), fold(&text[range.end..right_end]))
}

fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space && !out.is_empty() {
        out.push(' ');
    }
    out
}

fn date_of(document: &Document) -> Option<String> {
    match document.metadata.get(MetaField::Date) {
        Some(Value::Date(date)) => Some(date.to_string()),
        _ => None,
    }
}

/// The lines of `document` for `patterns`, title first, then the body in order.
fn lines_of(document: &Document, patterns: &[Pattern], chars: usize) -> Vec<KwicLine> {
    let mut lines = Vec::new();
    let date = date_of(document);
    for (field, text) in [("title", &document.title), ("body", &document.body)] {
        let found = occurrences(text, patterns);
        if found.is_empty() {
            continue;
        }
        let labels = if field == "body" {
            articles(text)
        } else {
            Vec::new()
        };
        for (range, _) in found {
            let (left, right) = context(text, &range, chars);
            let article = labels
                .iter()
                .rev()
                .find(|article| article.range.start <= range.start)
                .filter(|article| range.start < article.range.end)
                .map(|article| article.label.clone());
            lines.push(KwicLine {
                left,
                matched: text[range].to_string(),
                right,
                id: document.id.clone(),
                title: document.title.clone(),
                date: date.clone(),
                article,
                field,
            });
        }
    }
    lines
}

/// The documents whose lines the concordance of `request` lists, in the order it lists them.
pub fn concordance_matches(engine: &Engine, request: &ConcordanceRequest) -> Result<Matches> {
    request.validate()?;
    let mut search = request.search.clone();
    search.sort = if request.sort == KwicSort::Date {
        Sort::DateDesc
    } else {
        Sort::Relevance
    };
    engine.all_matches(&search)
}

fn patterns(matches: &Matches) -> Vec<Pattern> {
    matches
        .terms
        .iter()
        .filter_map(|term| Pattern::new(term, 1.0))
        .collect()
}

/// Occurrences sorted by their context a batch at a time when a whole concordance is written:
/// the documents holding a batch are read again for it.
const SORTED_BATCH: usize = 20_000;

/// Every line of the concordance of `request` (its `limit` and `offset` aside) over `matches`
/// (from [`concordance_matches`]), in its order, written to `out` as a table in `format`:
/// `left, match, right, id, title, date, article, field`. Returns the lines written. Lines
/// sorted by document or date stream; sorted by context, only their sort keys are held.
pub fn write_concordance(
    matches: &Matches,
    request: &ConcordanceRequest,
    format: TableFormat,
    out: &mut dyn Write,
    xlsx_path: Option<&std::path::Path>,
) -> Result<usize> {
    let header: Vec<(String, bool)> = [
        "left", "match", "right", "id", "title", "date", "article", "field",
    ]
    .iter()
    .map(|name| (name.to_string(), false))
    .collect();
    let mut table = TableWriter::new(format, out, xlsx_path, "语境", &header)?;
    let mut write = |line: &KwicLine| {
        let cells = [
            line.left.clone(),
            line.matched.clone(),
            line.right.clone(),
            line.id.clone(),
            line.title.clone(),
            line.date.clone().unwrap_or_default(),
            line.article.clone().unwrap_or_default(),
            line.field.to_string(),
        ];
        table.row(&cells, line)
    };
    let patterns = patterns(matches);
    match request.sort {
        KwicSort::Doc | KwicSort::Date => {
            for found in matches.documents() {
                let (_, document) = found?;
                for line in lines_of(&document, &patterns, request.context) {
                    write(&line)?;
                }
            }
        }
        KwicSort::Left | KwicSort::Right => {
            let keys = sort_keys(matches, &patterns, request)?;
            for batch in keys.chunks(SORTED_BATCH) {
                for line in lines_at(matches, &patterns, request.context, batch)? {
                    write(&line)?;
                }
            }
        }
    }
    table.finish()
}

/// Every occurrence's sort key by its left or right context, with the document's rank and the
/// line's index in it, sorted.
fn sort_keys(
    matches: &Matches,
    patterns: &[Pattern],
    request: &ConcordanceRequest,
) -> Result<Vec<(String, usize, usize)>> {
    let left = request.sort == KwicSort::Left;
    let keyed = matches.par_map(|rank, _, document| {
        lines_of(&document, patterns, request.context)
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                let key: String = if left {
                    line.left.chars().rev().collect()
                } else {
                    line.right
                };
                (key, rank, index)
            })
            .collect::<Vec<_>>()
    })?;
    let mut keys: Vec<(String, usize, usize)> = keyed.into_iter().flatten().collect();
    if keys.len() > MAX_SORTED {
        return Err(Error::InvalidParameter {
            name: "sort",
            message: format!(
                "{} occurrences are more than the {MAX_SORTED} that can be sorted by context: narrow the query or use sort=doc",
                keys.len()
            ),
        });
    }
    keys.sort();
    Ok(keys)
}

/// The lines `wanted` names (rank of the document, index of the line), in that order.
fn lines_at(
    matches: &Matches,
    patterns: &[Pattern],
    context: usize,
    wanted: &[(String, usize, usize)],
) -> Result<Vec<KwicLine>> {
    let mut ranks: Vec<usize> = wanted.iter().map(|(_, rank, _)| *rank).collect();
    ranks.sort_unstable();
    ranks.dedup();
    let mut built: std::collections::HashMap<(usize, usize), KwicLine> = Default::default();
    for rank in ranks {
        let (_, document) = matches.document(rank)?;
        for (index, line) in lines_of(&document, patterns, context)
            .into_iter()
            .enumerate()
        {
            built.insert((rank, index), line);
        }
    }
    Ok(wanted
        .iter()
        .filter_map(|(_, rank, index)| built.remove(&(*rank, *index)))
        .collect())
}

/// A page of the concordance of `request` over `engine`'s index.
pub fn concordance(engine: &Engine, request: &ConcordanceRequest) -> Result<Concordance> {
    let matches = concordance_matches(engine, request)?;
    let patterns = patterns(&matches);
    let page = request.offset..request.offset.saturating_add(request.limit);
    let count = |document: &Document| {
        [&document.title, &document.body]
            .iter()
            .map(|text| occurrences(text, &patterns).len())
            .sum::<usize>()
    };
    let total;
    let mut lines = Vec::new();
    match request.sort {
        KwicSort::Doc | KwicSort::Date => {
            // Lines come in the documents' order: count every document's (on every core),
            // then build the page's lines from the documents that hold them.
            let counts = match matches.phrase_counts(&patterns)? {
                Some(counts) => counts,
                None => matches.par_map(|_, _, document| count(&document))?,
            };
            total = counts.iter().sum();
            let mut first = 0;
            for (rank, &lines_here) in counts.iter().enumerate() {
                let here = first..first + lines_here;
                first += lines_here;
                if here.end <= page.start || lines_here == 0 {
                    continue;
                }
                if here.start >= page.end {
                    break;
                }
                let (_, document) = matches.document(rank)?;
                let built = lines_of(&document, &patterns, request.context);
                let skip = page.start.saturating_sub(here.start);
                let take = page.end.min(here.end) - (here.start + skip);
                lines.extend(built.into_iter().skip(skip).take(take));
            }
        }
        KwicSort::Left | KwicSort::Right => {
            // Every line's sort key (on every core), then the page's lines built again from
            // their documents.
            let keys = sort_keys(&matches, &patterns, request)?;
            total = keys.len();
            let wanted = keys
                .get(page.start.min(total)..page.end.min(total))
                .unwrap_or_default();
            lines = lines_at(&matches, &patterns, request.context, wanted)?;
        }
    }
    Ok(Concordance {
        total,
        documents: matches.len(),
        lines,
    })
}
