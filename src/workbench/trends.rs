//! Term trends: for several terms side by side, how many documents hold each (or how often it
//! occurs, or how often per 10,000 characters of text) in each year, region or category.
//!
//! Each term is an exact phrase (the definition quoted phrases use), so the counts are those
//! of the phrase index: documents from the search's matches, occurrences from the gram view's
//! positions ([`crate::search::counting`]). The buckets are every value of the field among the
//! documents the filters let through (years from the first to the last, gaps included), so a
//! series has a point for every bucket, zeros included. Documents without the field's value
//! (no date, no region) are in no bucket.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::matching::{occurrences, Pattern};
use crate::document::{Filters, MetaField};
use crate::error::{Error, Result};
use crate::search::{Engine, SearchRequest};

/// Terms a trend compares at most.
pub const MAX_TERMS: usize = 10;

/// What the buckets are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendBy {
    /// The year of the document's date.
    Year,
    /// The document's region.
    Region,
    /// The document's category.
    Category,
}

impl TrendBy {
    fn field(self) -> MetaField {
        match self {
            TrendBy::Year => MetaField::Date,
            TrendBy::Region => MetaField::Region,
            TrendBy::Category => MetaField::Category,
        }
    }

    /// Its name in requests and answers.
    pub fn name(self) -> &'static str {
        match self {
            TrendBy::Year => "year",
            TrendBy::Region => "region",
            TrendBy::Category => "category",
        }
    }
}

impl std::str::FromStr for TrendBy {
    type Err = Error;

    fn from_str(text: &str) -> Result<TrendBy> {
        [TrendBy::Year, TrendBy::Region, TrendBy::Category]
            .into_iter()
            .find(|by| by.name() == text)
            .ok_or_else(|| Error::InvalidParameter {
                name: "by",
                message: format!("`{text}` is not a bucket: use year, region or category"),
            })
    }
}

/// What is counted in each bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Documents holding the term.
    Documents,
    /// Occurrences of the term.
    Occurrences,
    /// Occurrences per 10,000 characters of all the bucket's text (titles and bodies).
    Per10kChars,
}

impl Measure {
    /// Its name in requests and answers.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Documents => "documents",
            Measure::Occurrences => "occurrences",
            Measure::Per10kChars => "per_10k_chars",
        }
    }
}

impl std::str::FromStr for Measure {
    type Err = Error;

    fn from_str(text: &str) -> Result<Measure> {
        [
            Measure::Documents,
            Measure::Occurrences,
            Measure::Per10kChars,
        ]
        .into_iter()
        .find(|measure| measure.name() == text)
        .ok_or_else(|| Error::InvalidParameter {
            name: "measure",
            message: format!(
                "`{text}` is not a measure: use documents, occurrences or per_10k_chars"
            ),
        })
    }
}

/// A trend to compute.
#[derive(Debug, Clone)]
pub struct TrendsRequest {
    /// The terms, each an exact phrase.
    pub terms: Vec<String>,
    /// The buckets.
    pub by: TrendBy,
    /// What is counted.
    pub measure: Measure,
    /// Filters, as in a search.
    pub filters: Filters,
}

/// One bucket's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The year, region or category.
    pub bucket: String,
    /// The count (or rate).
    pub value: f64,
}

/// One term's points, a point for every bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The term.
    pub term: String,
    /// Its points, in bucket order.
    pub points: Vec<Point>,
}

/// The answer of a trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trends {
    /// `year`, `region` or `category`.
    pub by: &'static str,
    /// `documents`, `occurrences` or `per_10k_chars`.
    pub measure: &'static str,
    /// One series a term, in the request's order.
    pub series: Vec<Series>,
}

/// Every term's trend over the buckets.
pub fn trends(engine: &Engine, request: &TrendsRequest) -> Result<Trends> {
    if request.terms.is_empty() || request.terms.len() > MAX_TERMS {
        return Err(Error::InvalidParameter {
            name: "terms",
            message: format!("give 1 to {MAX_TERMS} terms, separated by commas"),
        });
    }
    let field = request.by.field();
    // The buckets: the field's values among every document the filters let through.
    let mut everything = SearchRequest::new("");
    everything.filters = request.filters.clone();
    let all = engine.all_matches(&everything)?;
    let all_values = all.values(field)?;
    let mut documents_in: HashMap<&str, usize> = HashMap::new();
    for value in all_values.iter().flatten() {
        *documents_in.entry(value.as_str()).or_default() += 1;
    }
    let mut buckets: Vec<String> = documents_in.keys().map(|b| b.to_string()).collect();
    if request.by == TrendBy::Year {
        let years: Vec<i32> = buckets.iter().filter_map(|y| y.parse().ok()).collect();
        buckets = match (years.iter().min(), years.iter().max()) {
            (Some(&first), Some(&last)) => (first..=last).map(|y| y.to_string()).collect(),
            _ => Vec::new(),
        };
    } else {
        buckets.sort_by(|a, b| {
            documents_in[b.as_str()]
                .cmp(&documents_in[a.as_str()])
                .then_with(|| a.cmp(b))
        });
    }
    // Characters of text per bucket, for rates: every document's title and body.
    let mut chars_in: HashMap<String, usize> = HashMap::new();
    if request.measure == Measure::Per10kChars {
        let lengths = all.par_map(|_, _, document| {
            document.title.chars().count() + document.body.chars().count()
        })?;
        for (value, length) in all_values.iter().zip(lengths) {
            if let Some(value) = value {
                *chars_in.entry(value.clone()).or_default() += length;
            }
        }
    }
    let mut series = Vec::with_capacity(request.terms.len());
    for term in &request.terms {
        if term.contains('"') || term.trim().is_empty() {
            return Err(Error::InvalidParameter {
                name: "terms",
                message: format!("`{term}` is not a phrase: give words without quotes"),
            });
        }
        let mut search = SearchRequest::new(format!("\"{}\"", term.trim()));
        search.filters = request.filters.clone();
        let matches = engine.all_matches(&search)?;
        let values = matches.values(field)?;
        let counts: Vec<usize> = match request.measure {
            Measure::Documents => vec![1; values.len()],
            Measure::Occurrences | Measure::Per10kChars => {
                let patterns: Vec<Pattern> = Pattern::new(term, 1.0).into_iter().collect();
                match matches.phrase_counts(&patterns)? {
                    Some(counts) => counts,
                    None => matches.par_map(|_, _, document| {
                        occurrences(&document.title, &patterns).len()
                            + occurrences(&document.body, &patterns).len()
                    })?,
                }
            }
        };
        let mut per_bucket: HashMap<&str, usize> = HashMap::new();
        for (value, count) in values.iter().zip(counts) {
            if let Some(value) = value {
                *per_bucket.entry(value.as_str()).or_default() += count;
            }
        }
        let points = buckets
            .iter()
            .map(|bucket| {
                let count = per_bucket.get(bucket.as_str()).copied().unwrap_or(0) as f64;
                let value = match request.measure {
                    Measure::Per10kChars => match chars_in.get(bucket) {
                        Some(&chars) if chars > 0 => count * 10_000.0 / chars as f64,
                        _ => 0.0,
                    },
                    _ => count,
                };
                Point {
                    bucket: bucket.clone(),
                    value,
                }
            })
            .collect();
        series.push(Series {
            term: term.trim().to_string(),
            points,
        });
    }
    Ok(Trends {
        by: request.by.name(),
        measure: request.measure.name(),
        series,
    })
}
