//! Facet counts: how many matching documents fall in each category, region, type, agency and
//! year, read from fast fields (no stored text is touched), and in each 时效性 when the
//! index's validities are given.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{DateTime, DocId, Score, SegmentOrdinal, SegmentReader};

use super::graph::Validities;
use crate::document::{Filter, GraphFilter, MetaField, Validity};

/// The fields counted, by schema name, as they appear in the response: the facet fields.
fn string_facets() -> impl Iterator<Item = &'static str> {
    MetaField::ALL
        .iter()
        .filter(|spec| spec.facet)
        .map(|spec| spec.name)
}

/// One value of a facet and how many matching documents have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// Matching documents with it.
    pub count: u64,
}

/// Counts per facet (`category`, `region`, `type`, `agency`, `year`), most frequent first.
pub type Facets = BTreeMap<String, Vec<FacetCount>>;

/// Collects [`Facets`] for the documents a query matches.
#[derive(Debug, Default)]
pub struct FacetCollector {
    validities: Option<Arc<Validities>>,
}

impl FacetCollector {
    /// A collector for every facet of the fast fields.
    pub fn new() -> FacetCollector {
        FacetCollector { validities: None }
    }

    /// A collector that also counts the `status` facet (时效性) from the index's `validities`
    /// (a document they leave out is 现行有效), in the same pass as the others.
    pub fn with_validities(validities: Arc<Validities>) -> FacetCollector {
        FacetCollector {
            validities: Some(validities),
        }
    }
}

/// Per-segment counting.
pub struct FacetSegmentCollector {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
    dates: Column<DateTime>,
    /// Matching documents by year: each year's span of timestamps as met, and its count.
    years: Vec<YearCount>,
    /// The segment's documents not 现行有效, when 时效性 is counted.
    validities: Option<(Arc<Validities>, SegmentOrdinal)>,
    /// Where the next document collected is looked for in the segment's list: matches come
    /// in doc id order, so the list is walked once.
    next_listed: usize,
    /// Matching documents by validity, in [`Validity::ALL`]'s order.
    by_validity: [u64; Validity::ALL.len()],
    /// A block's values of one single-valued column (reused from block to block).
    ords: Vec<Option<u64>>,
    days: Vec<Option<DateTime>>,
}

type RawCounts = BTreeMap<String, BTreeMap<String, u64>>;

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let fast = reader.fast_fields();
        let columns = string_facets()
            .map(|name| fast.str(name))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let counts = columns
            .iter()
            .map(|column| vec![0; column.as_ref().map_or(0, |c| c.dictionary().num_terms())])
            .collect();
        Ok(FacetSegmentCollector {
            columns,
            counts,
            dates: fast.date(MetaField::Date.name())?,
            years: Vec::new(),
            validities: self.validities.clone().map(|v| (v, segment)),
            next_listed: 0,
            by_validity: [0; Validity::ALL.len()],
            ords: Vec::new(),
            days: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<RawCounts>) -> tantivy::Result<Facets> {
        let mut merged: RawCounts = BTreeMap::new();
        for segment in segments {
            for (facet, values) in segment {
                let into = merged.entry(facet).or_default();
                for (value, count) in values {
                    *into.entry(value).or_default() += count;
                }
            }
        }
        Ok(merged
            .into_iter()
            .map(|(facet, values)| {
                let mut counts: Vec<FacetCount> = values
                    .into_iter()
                    .map(|(value, count)| FacetCount { value, count })
                    .collect();
                counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                (facet, counts)
            })
            .collect())
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = RawCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    /// A block of matches at a time: a single-valued column's values are read for the whole
    /// block in one call rather than through a value iterator per document.
    fn collect_block(&mut self, docs: &[DocId]) {
        for (column, counts) in self.columns.iter().zip(&mut self.counts) {
            let Some(column) = column else { continue };
            let mut count = |ord: u64| {
                if let Some(count) = counts.get_mut(ord as usize) {
                    *count += 1;
                }
            };
            if column.ords().get_cardinality() == Cardinality::Multivalued {
                for &doc in docs {
                    column.term_ords(doc).for_each(&mut count);
                }
            } else {
                self.ords.clear();
                self.ords.resize(docs.len(), None);
                column.ords().first_vals(docs, &mut self.ords);
                self.ords.iter().flatten().copied().for_each(count);
            }
        }
        self.days.clear();
        self.days.resize(docs.len(), None);
        self.dates.first_vals(docs, &mut self.days);
        for &date in self.days.iter().flatten() {
            count_year(&mut self.years, date);
        }
        if let Some((validities, segment)) = &self.validities {
            let listed = validities.segment(*segment);
            for &doc in docs {
                // Past the document last counted; a document before it restarts the walk.
                if self.next_listed > 0 && listed[self.next_listed - 1].0 > doc {
                    self.next_listed = 0;
                }
                while listed
                    .get(self.next_listed)
                    .is_some_and(|(listed_doc, _)| *listed_doc < doc)
                {
                    self.next_listed += 1;
                }
                let validity = match listed.get(self.next_listed) {
                    Some(&(listed_doc, validity)) if listed_doc == doc => validity,
                    _ => Validity::InForce,
                };
                if let Some(at) = Validity::ALL.iter().position(|v| *v == validity) {
                    self.by_validity[at] += 1;
                }
            }
        }
    }

    fn harvest(self) -> RawCounts {
        let mut out: RawCounts = BTreeMap::new();
        for ((name, column), counts) in string_facets().zip(&self.columns).zip(&self.counts) {
            let Some(column) = column else { continue };
            let values = out.entry(name.to_string()).or_default();
            // The values counted, read in one walk over the dictionary (in ordinal order, each
            // block decompressed once) rather than one lookup, and one block, per value.
            let (ords, counted): (Vec<u64>, Vec<u64>) = counts
                .iter()
                .enumerate()
                .filter(|(_, &count)| count > 0)
                .map(|(ord, &count)| (ord as u64, count))
                .unzip();
            let mut counted = counted.into_iter();
            // An unreadable dictionary leaves the facet short; a search does not fail for it.
            let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |value| {
                if let Some(count) = counted.next() {
                    values.insert(String::from_utf8_lossy(value).into_owned(), count);
                }
            });
        }
        let years = out.entry(Filter::Year.name().to_string()).or_default();
        for counted in self.years {
            years.insert(counted.year.to_string(), counted.count);
        }
        if self.validities.is_some() {
            let statuses = out
                .entry(GraphFilter::Status.name().to_string())
                .or_default();
            for (validity, count) in Validity::ALL.iter().zip(self.by_validity) {
                if count > 0 {
                    statuses.insert(validity.name().to_string(), count);
                }
            }
        }
        out
    }
}

/// One year's documents: the year, its span in microseconds since the epoch (UTC), and how many.
struct YearCount {
    year: i32,
    span: std::ops::Range<i64>,
    count: u64,
}

/// Count `date` in its year: found among the years met so far, kept in order, by a binary
/// search of their timestamp spans (a calendar conversion per document costs more than the
/// rest of its facets, and a corpus spans decades), the year worked out only for a date
/// outside them.
fn count_year(years: &mut Vec<YearCount>, date: DateTime) {
    let at = date.into_timestamp_micros();
    let next = years.partition_point(|counted| counted.span.end <= at);
    if let Some(counted) = years.get_mut(next) {
        if counted.span.contains(&at) {
            counted.count += 1;
            return;
        }
    }
    let year = date.into_utc().year();
    // A year's first instant in the index's own units, as `at` is.
    let start = |year: i32| {
        time::Date::from_calendar_date(year, time::Month::January, 1)
            .map(|day| DateTime::from_utc(day.midnight().assume_utc()).into_timestamp_micros())
    };
    // A year the calendar cannot bound is counted on its own, for this one date.
    let span = match (start(year), start(year + 1)) {
        (Ok(from), Ok(to)) => from..to,
        _ => at..at.saturating_add(1),
    };
    match years.iter_mut().find(|counted| counted.year == year) {
        Some(counted) => counted.count += 1,
        None => years.insert(
            next,
            YearCount {
                year,
                span,
                count: 1,
            },
        ),
    }
}
