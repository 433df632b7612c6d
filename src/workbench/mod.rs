//! The researcher's workbench: what is done with a search beyond its first page. [`table`]
//! writes every hit as a table (CSV, XLSX, JSON Lines) and [`kwic`] lists every occurrence of
//! the query's terms in context, a concordance. Both take every full match of the search
//! ([`crate::search::Engine::all_matches`]), with no page limit.

pub mod kwic;
pub mod table;

pub use kwic::{concordance, Concordance, ConcordanceRequest, KwicLine, KwicSort};
pub use table::{write_table, TableFormat};
