//! The researcher's workbench: what is done with a search beyond its first page.
//! [`table`](mod@table) writes every hit as a table (CSV, XLSX, JSON Lines),
//! [`kwic`](mod@kwic) lists every occurrence of the query's terms in context (a concordance),
//! [`trends`](mod@trends) counts terms per year, region or category, and
//! [`collocates`](mod@collocates) finds the words that keep company with the terms. Each takes
//! every full match of the search ([`crate::search::Engine::all_matches`]), with no page limit.

pub mod collocates;
pub mod kwic;
pub mod table;
pub mod trends;

pub use collocates::{collocates, Collocate, Collocates};
pub use kwic::{
    concordance, concordance_matches, write_concordance, Concordance, ConcordanceRequest, KwicLine,
    KwicSort,
};
pub use table::{write_table, TableFormat, TableWriter};
pub use trends::{trends, Measure, TrendBy, Trends, TrendsRequest};
