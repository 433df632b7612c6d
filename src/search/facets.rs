//! Facet counts: how many matching documents fall in each category, region, type, agency and
//! year, read from fast fields (no stored text is touched).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DateTime, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::document::{Filter, MetaField};

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
pub struct FacetCollector;

impl FacetCollector {
    /// A collector for every facet.
    pub fn new() -> FacetCollector {
        FacetCollector
    }
}

/// Per-segment counting.
pub struct FacetSegmentCollector {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
    dates: Column<DateTime>,
    years: BTreeMap<i32, u64>,
}

type RawCounts = BTreeMap<String, BTreeMap<String, u64>>;

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
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
            years: BTreeMap::new(),
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
        for (column, counts) in self.columns.iter().zip(&mut self.counts) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    if let Some(count) = counts.get_mut(ord as usize) {
                        *count += 1;
                    }
                }
            }
        }
        if let Some(date) = self.dates.first(doc) {
            *self.years.entry(date.into_utc().year()).or_default() += 1;
        }
    }

    fn harvest(self) -> RawCounts {
        let mut out: RawCounts = BTreeMap::new();
        for ((name, column), counts) in string_facets().zip(&self.columns).zip(&self.counts) {
            let Some(column) = column else { continue };
            let values = out.entry(name.to_string()).or_default();
            for (ord, &count) in counts.iter().enumerate().filter(|(_, &count)| count > 0) {
                let mut value = String::new();
                if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    values.insert(value, count);
                }
            }
        }
        let years = out.entry(Filter::Year.name().to_string()).or_default();
        for (year, count) in self.years {
            years.insert(year.to_string(), count);
        }
        out
    }
}
