//! The integration tests, in one binary so the suite links once.
//!
//! Tests that need only the repository run everywhere. Those that need something outside it
//! (Chromium, HAProxy, `../shared/corpus/large`) are `#[ignore = "needs …"]`: `cargo test` lists them as
//! ignored, and `bash .ci/run` installs what they need and runs `cargo test -- --include-ignored`.

mod common;

mod browser;
mod citations;
mod cli;
mod copies;
mod dictionary;
mod http;
mod incremental;
mod ingestion;
mod large;
mod matching;
mod query_language;
mod ranking;
mod replicas;
mod robustness;
mod versions;
mod workbench;
