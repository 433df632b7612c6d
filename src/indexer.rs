//! Documents into the index. A build replaces the index's contents in one Tantivy commit: until
//! that commit, readers keep seeing the last good index, and a failed or interrupted build
//! leaves it untouched.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::Term;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument};

use crate::analysis::title_key;
use crate::error::{Error, Result};
use crate::ingest::{read_corpus, Document, Item, Problem};
use crate::schema::{build_schema, index_settings, register_tokenizers, Fields, SCHEMA_VERSION};

/// Documents analysed together in parallel before they are handed to the writer.
const BATCH_SIZE: usize = 256;
/// Memory budget of the index writer per thread; bounded so that indexing memory does not grow
/// with the corpus.
const WRITER_HEAP_PER_THREAD: usize = 128 << 20;
/// Writer threads at most.
const MAX_WRITER_THREADS: usize = 4;

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Documents in the new index.
    pub documents: usize,
    /// Documents whose id was seen again later in the corpus (the later one was kept).
    pub duplicates: usize,
    /// Files, lines or fields that were not used, with reasons.
    pub problems: Vec<Problem>,
    /// Files read.
    pub files: usize,
    /// Files of unsupported kinds, ignored.
    pub ignored_files: usize,
    /// Bytes of title and body text indexed.
    pub text_bytes: u64,
    /// Wall time of the build.
    pub elapsed: Duration,
}

impl BuildReport {
    /// Documents or files skipped (problems that lost a whole document).
    pub fn skipped(&self) -> usize {
        self.problems.iter().filter(|p| p.skipped).count()
    }

    /// Indexing throughput in MB of text per second.
    pub fn megabytes_per_second(&self) -> f64 {
        self.text_bytes as f64 / 1e6 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Stored in the commit: what built the index, for `search`/`serve` to know it is complete.
#[derive(Debug, Serialize, Deserialize)]
pub struct BuildInfo {
    /// [`SCHEMA_VERSION`] of the build.
    pub schema_version: u32,
    /// Documents committed.
    pub documents: usize,
    /// Corpus paths as given.
    pub corpus: Vec<String>,
    /// Seconds since the Unix epoch at commit.
    pub built_at: u64,
}

/// The [`BuildInfo`] of the last complete build in `dir`, if there is one.
pub fn last_build(dir: &Path) -> Option<BuildInfo> {
    if !dir.join("meta.json").is_file() {
        return None;
    }
    let index = Index::open_in_dir(dir).ok()?;
    let payload = index.load_metas().ok()?.payload?;
    serde_json::from_str(&payload).ok()
}

/// Build the index in `dir` from the corpus `paths`, replacing what it held in one commit.
/// Each problem is passed to `on_problem` as it is found.
pub fn build_index(
    paths: &[PathBuf],
    dir: &Path,
    mut on_problem: impl FnMut(&Problem),
) -> Result<BuildReport> {
    let started = Instant::now();
    let (index, fields) = open_or_create(dir)?;
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(MAX_WRITER_THREADS);
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)
        .map_err(|source| Error::index(dir, source))?;
    writer
        .delete_all_documents()
        .map_err(|source| Error::index(dir, source))?;

    let mut report = BuildReport::default();
    let mut seen = HashSet::new();
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut failure = None;
    let stats = read_corpus(paths, |item| match item {
        Item::Document(document) => {
            batch.push(document);
            if batch.len() == BATCH_SIZE && failure.is_none() {
                failure = add_batch(&writer, fields, &mut batch, &mut seen, &mut report).err();
            }
        }
        Item::Problem(problem) => {
            on_problem(&problem);
            report.problems.push(problem);
        }
    })?;
    if failure.is_none() {
        failure = add_batch(&writer, fields, &mut batch, &mut seen, &mut report).err();
    }
    if let Some(error) = failure {
        return Err(Error::index(dir, error));
    }
    report.files = stats.files;
    report.ignored_files = stats.ignored_files;
    report.documents = seen.len();
    if report.documents == 0 {
        // Leave the previous index as it was rather than commit an empty one.
        return Err(Error::EmptyCorpus {
            paths: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }

    let info = BuildInfo {
        schema_version: SCHEMA_VERSION,
        documents: report.documents,
        corpus: paths.iter().map(|p| p.display().to_string()).collect(),
        built_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let payload = serde_json::to_string(&info).map_err(|e| Error::Internal(e.to_string()))?;
    let mut prepared = writer
        .prepare_commit()
        .map_err(|source| Error::index(dir, source))?;
    prepared.set_payload(&payload);
    prepared
        .commit()
        .map_err(|source| Error::index(dir, source))?;
    writer
        .wait_merging_threads()
        .map_err(|source| Error::index(dir, source))?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Analyse `batch` in parallel and add it to the writer; a repeated id replaces the earlier one.
fn add_batch(
    writer: &IndexWriter<TantivyDocument>,
    fields: Fields,
    batch: &mut Vec<Document>,
    seen: &mut HashSet<String>,
    report: &mut BuildReport,
) -> tantivy::Result<()> {
    let analysed: Vec<TantivyDocument> = batch
        .par_iter()
        .map(|document| to_tantivy(document, fields))
        .collect();
    for (document, analysed) in batch.drain(..).zip(analysed) {
        report.text_bytes += (document.title.len() + document.body.len()) as u64;
        if !seen.insert(document.id.clone()) {
            report.duplicates += 1;
            writer.delete_term(Term::from_field_text(fields.id, &document.id));
        }
        writer.add_document(analysed)?;
    }
    Ok(())
}

/// The Tantivy document for `document`: stored fields plus every analysed view.
pub fn to_tantivy(document: &Document, fields: Fields) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(fields.id, &document.id);
    out.add_text(fields.title, &document.title);
    out.add_text(fields.body, &document.body);
    for field in [fields.title_words, fields.title_grams, fields.title_chars] {
        out.add_text(field, &document.title);
    }
    for field in [fields.body_words, fields.body_grams, fields.body_chars] {
        out.add_text(field, &document.body);
    }
    out.add_text(fields.title_key, title_key(&document.title));
    if let Some(date) = document.date {
        let seconds = date.midnight().assume_utc().unix_timestamp();
        out.add_date(fields.date, DateTime::from_timestamp_secs(seconds));
    }
    for (field, value) in [
        (fields.category, &document.category),
        (fields.region, &document.region),
        (fields.source, &document.source),
        (fields.doc_type, &document.doc_type),
        (fields.agency, &document.agency),
        (fields.doc_number, &document.doc_number),
    ] {
        if let Some(value) = value {
            out.add_text(field, value);
        }
    }
    out.add_text(fields.path, &document.path);
    out
}

/// Open the index in `dir`, or create it there. An index of another schema version is
/// replaced: this version could not read it anyway.
fn open_or_create(dir: &Path) -> Result<(Index, Fields)> {
    std::fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))?;
    let (schema, fields) = build_schema();
    if dir.join("meta.json").is_file() {
        let index = Index::open_in_dir(dir).map_err(|source| Error::index(dir, source))?;
        if index.schema() == schema {
            register_tokenizers(&index);
            return Ok((index, fields));
        }
        drop(index);
        remove_index_files(dir)?;
    }
    let index = Index::builder()
        .schema(schema)
        .settings(index_settings())
        .create_in_dir(dir)
        .map_err(|source| Error::index(dir, source))?;
    register_tokenizers(&index);
    Ok((index, fields))
}

/// Remove an old index's files from `dir`, leaving files that are not the index's (such as
/// the repository's `index/.gitignore`).
fn remove_index_files(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::io(dir, source))?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::io(dir, source))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_index_file = name == "meta.json"
            || name == ".managed.json"
            || name.contains('.') && name.split('.').next().is_some_and(|stem| stem.len() == 32);
        if is_index_file {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|source| Error::io(&path, source))?;
        }
    }
    Ok(())
}
