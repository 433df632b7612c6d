//! Documents into the index: the schema ([`schema`]), the incremental writer ([`writer`]), the
//! manifest that lets a run read only what changed ([`manifest`]) and the events a run reports
//! ([`progress`]).

pub mod manifest;
pub mod progress;
pub mod publish;
pub mod schema;
pub mod writer;

pub use progress::{Observer, OnProblem, Progress};
pub use publish::{publish, PublishReport};
pub use schema::{last_build, BuildInfo, Fields, SCHEMA_VERSION};
pub use writer::{
    build_index, update_index, update_index_observed, BuildReport, IndexOptions,
    WRITER_HEAP_PER_THREAD,
};
