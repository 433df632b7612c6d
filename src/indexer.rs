//! Documents into the index, incrementally. A run reads only files whose size or modification
//! time changed since the last commit, re-indexes only documents whose content changed, deletes
//! documents whose files are gone, and commits once. Until that commit readers keep seeing the
//! last good index; a failed or interrupted run leaves it untouched and the next run completes.
//!
//! What each file held is kept in a manifest (file → size, mtime, ids and content hashes) written
//! beside the index under the name recorded in the commit, so the manifest and the committed
//! index always agree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::Term;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument};

use crate::analysis::title_key;
use crate::error::{Error, Result};
use crate::ingest::{list_files, read_file, Document, Format, Item, Problem, SourceFile};
use crate::schema::{build_schema, index_settings, register_tokenizers, Fields, SCHEMA_VERSION};

/// Files read together in parallel before their documents go to the writer.
const FILE_BATCH: usize = 64;
/// Memory budget of the index writer per thread; bounded so that indexing memory does not grow
/// with the corpus.
pub const WRITER_HEAP_PER_THREAD: usize = 128 << 20;
/// Writer threads at most.
const MAX_WRITER_THREADS: usize = 4;
/// Documents handed to the writer but not yet analysed, at most (roughly). Tantivy's own queue
/// holds 10,000 documents, each with its text four times over; left alone, that queue alone
/// took 2 GB on the ×10 corpus.
const MAX_DOCUMENTS_IN_FLIGHT: u64 = 256;
/// Longest the reader waits for the writer at once before going on anyway.
const MAX_BACKPRESSURE_WAIT: Duration = Duration::from_millis(500);
/// Seconds between progress lines when stderr is not a terminal.
const PROGRESS_LINE_SECONDS: u64 = 5;
/// Manifest file names: `policy-search-manifest-<opstamp>.json`.
const MANIFEST_PREFIX: &str = "policy-search-manifest-";

/// How a run reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A progress bar on a terminal, plain periodic lines otherwise (on stderr).
    Auto,
    /// Nothing.
    Quiet,
}

/// How to run `index`.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Rebuild from scratch instead of updating.
    pub full: bool,
    /// Progress reporting.
    pub progress: Progress,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            full: false,
            progress: Progress::Quiet,
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Documents in the index after the run.
    pub documents: usize,
    /// Documents new to the index.
    pub added: usize,
    /// Documents whose content changed.
    pub updated: usize,
    /// Documents whose file or line is gone.
    pub deleted: usize,
    /// Documents left as they were.
    pub unchanged: usize,
    /// Documents whose id was seen again later in the corpus (the later one was kept).
    pub duplicates: usize,
    /// Files, lines or fields that were not used, with reasons.
    pub problems: Vec<Problem>,
    /// Supported files found.
    pub files: usize,
    /// Files read this run (new or changed).
    pub files_read: usize,
    /// Files of unsupported kinds, ignored.
    pub ignored_files: usize,
    /// Bytes of title and body text analysed this run.
    pub text_bytes: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Nothing had changed: no indexing work was done and nothing was committed.
    pub nothing_changed: bool,
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
    /// File name of the manifest that describes this commit.
    #[serde(default)]
    pub manifest: Option<String>,
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

/// What one corpus file held at the last commit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileEntry {
    size: u64,
    modified: u128,
    /// Document id → content hash.
    ids: BTreeMap<String, u64>,
    /// Problems found reading it, repeated while it is unchanged.
    problems: Vec<(Option<usize>, String, bool)>,
}

/// File key → entry.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    files: BTreeMap<String, FileEntry>,
}

impl Manifest {
    fn load(dir: &Path, info: Option<&BuildInfo>) -> Manifest {
        let Some(name) = info.and_then(|info| info.manifest.as_deref()) else {
            return Manifest::default();
        };
        std::fs::read(dir.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Write the manifest for commit `opstamp`, durably, and return its file name.
    fn save(&self, dir: &Path, opstamp: u64) -> Result<String> {
        use std::io::Write;
        let name = format!("{MANIFEST_PREFIX}{opstamp}.json");
        let path = dir.join(&name);
        let temporary = dir.join(format!("{name}.tmp"));
        let bytes = serde_json::to_vec(self).map_err(|e| Error::Internal(e.to_string()))?;
        let mut file =
            std::fs::File::create(&temporary).map_err(|source| Error::io(&temporary, source))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|source| Error::io(&temporary, source))?;
        std::fs::rename(&temporary, &path).map_err(|source| Error::io(&path, source))?;
        Ok(name)
    }

    fn ids(&self) -> HashMap<&str, u64> {
        self.files
            .values()
            .flat_map(|entry| entry.ids.iter().map(|(id, hash)| (id.as_str(), *hash)))
            .collect()
    }
}

/// Remove manifests other than `keep` (left behind by earlier commits or interrupted runs).
fn remove_old_manifests(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(MANIFEST_PREFIX) && name != keep {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// FNV-1a over a document's indexed content: stable across runs and Rust versions.
fn content_hash(document: &Document) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &byte in bytes.iter().chain(std::iter::once(&0xFF)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
        }
    };
    feed(document.title.as_bytes());
    feed(document.body.as_bytes());
    for field in [
        &document.category,
        &document.region,
        &document.source,
        &document.doc_type,
        &document.agency,
        &document.doc_number,
    ] {
        feed(field.as_deref().unwrap_or("").as_bytes());
    }
    for date in [
        document.date,
        document.issued,
        document.published,
        document.effective,
    ] {
        feed(date.map(|d| d.to_string()).unwrap_or_default().as_bytes());
    }
    hash
}

/// Reports progress on stderr: a bar on a terminal, a line every few seconds otherwise.
struct ProgressReporter {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    last_line: Instant,
    bytes: u64,
    total: u64,
    documents: usize,
    quiet: bool,
}

impl ProgressReporter {
    fn new(progress: Progress, total: u64) -> ProgressReporter {
        let quiet = progress == Progress::Quiet;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        let now = Instant::now();
        ProgressReporter {
            bar,
            started: now,
            last_line: now,
            bytes: 0,
            total,
            documents: 0,
            quiet,
        }
    }

    fn advance(&mut self, bytes: u64, documents: usize) {
        self.bytes += bytes;
        self.documents += documents;
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes);
            bar.set_message(format!("{} documents", self.documents));
        } else if !self.quiet && self.last_line.elapsed().as_secs() >= PROGRESS_LINE_SECONDS {
            self.last_line = Instant::now();
            let seconds = self.started.elapsed().as_secs_f64();
            eprintln!(
                "progress: {} documents, {:.1} of {:.1} MB read in {seconds:.0} s",
                self.documents,
                self.bytes as f64 / 1e6,
                self.total as f64 / 1e6
            );
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Update the index in `dir` from the corpus `paths` (see the module documentation). Each
/// problem is passed to `on_problem` as it is found.
pub fn build_index(
    paths: &[PathBuf],
    dir: &Path,
    on_problem: impl FnMut(&Problem),
) -> Result<BuildReport> {
    update_index(
        paths,
        dir,
        &IndexOptions {
            full: true,
            progress: Progress::Quiet,
        },
        on_problem,
    )
}

/// Update the index in `dir` from the corpus `paths`: add, update and delete what changed, in
/// one commit. With `options.full`, rebuild it from scratch.
pub fn update_index(
    paths: &[PathBuf],
    dir: &Path,
    options: &IndexOptions,
    mut on_problem: impl FnMut(&Problem),
) -> Result<BuildReport> {
    let started = Instant::now();
    let (index, fields) = open_or_create(dir)?;
    let previous = last_build(dir);
    let full = options.full || previous.is_none();
    let old = if full {
        Manifest::default()
    } else {
        Manifest::load(dir, previous.as_ref())
    };
    let mut report = BuildReport::default();
    let mut report_problem = |problem: Problem, report: &mut BuildReport| {
        on_problem(&problem);
        report.problems.push(problem);
    };

    let mut walk_problems = Vec::new();
    let (files, stats) = list_files(paths, |problem| walk_problems.push(problem))?;
    for problem in walk_problems {
        report_problem(problem, &mut report);
    }
    report.files = stats.files;
    report.ignored_files = stats.ignored_files;

    let mut manifest = Manifest::default();
    let mut to_read: Vec<&SourceFile> = Vec::new();
    for file in &files {
        match old.files.get(&file.key) {
            Some(entry)
                if entry.size == file.size
                    && entry.modified == file.modified
                    && file.modified != 0 =>
            {
                report.unchanged += entry.ids.len();
                for (line, reason, skipped) in &entry.problems {
                    let problem = Problem {
                        path: file.path.clone(),
                        line: *line,
                        reason: reason.clone(),
                        skipped: *skipped,
                    };
                    report_problem(problem, &mut report);
                }
                manifest.files.insert(file.key.clone(), entry.clone());
            }
            _ => to_read.push(file),
        }
    }
    let listed: HashSet<&str> = files.iter().map(|file| file.key.as_str()).collect();
    let files_gone = old.files.keys().any(|key| !listed.contains(key.as_str()));
    if !full && to_read.is_empty() && !files_gone {
        report.documents = report.unchanged;
        report.nothing_changed = true;
        report.elapsed = started.elapsed();
        return Ok(report);
    }

    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(MAX_WRITER_THREADS);
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)
        .map_err(|source| Error::index(dir, source))?;
    if full {
        writer
            .delete_all_documents()
            .map_err(|source| Error::index(dir, source))?;
    }
    let old_ids = old.ids();
    let mut seen: HashSet<String> = HashSet::new();
    let streams_at_start = crate::analysis::word_streams_opened();
    let mut handed_over: u64 = 0;
    let mut progress =
        ProgressReporter::new(options.progress, to_read.iter().map(|f| f.size).sum());
    report.files_read = to_read.len();

    let mut handle = |item: Item, report: &mut BuildReport, entry: &mut FileEntry| -> Result<()> {
        match item {
            Item::Problem(problem) => {
                entry
                    .problems
                    .push((problem.line, problem.reason.clone(), problem.skipped));
                report_problem(problem, report);
            }
            Item::Document(document) => {
                let hash = content_hash(&document);
                let duplicate = !seen.insert(document.id.clone());
                if duplicate {
                    report.duplicates += 1;
                }
                entry.ids.insert(document.id.clone(), hash);
                match old_ids.get(document.id.as_str()) {
                    Some(&old_hash) if old_hash == hash && !duplicate => report.unchanged += 1,
                    previous => {
                        if previous.is_some() && !duplicate {
                            report.updated += 1;
                        } else if !duplicate {
                            report.added += 1;
                        }
                        report.text_bytes += (document.title.len() + document.body.len()) as u64;
                        // Only an id already in the index (or met earlier in this run) has a
                        // document to replace; a delete per new id would only queue work.
                        if duplicate || previous.is_some() {
                            writer.delete_term(Term::from_field_text(fields.id, &document.id));
                        }
                        writer
                            .add_document(to_tantivy(&document, fields))
                            .map_err(|source| Error::index(dir, source))?;
                        handed_over += 1;
                        wait_for_writer(streams_at_start, handed_over);
                    }
                }
            }
        }
        Ok(())
    };

    // Files holding one document are read in parallel batches; JSON Lines stream on their own.
    let mut pending = to_read.as_slice();
    while !pending.is_empty() {
        let streaming = matches!(pending[0].format, Format::JsonLines | Format::JsonLinesGz);
        let batch_len = if streaming {
            1
        } else {
            pending
                .iter()
                .take(FILE_BATCH)
                .take_while(|f| !matches!(f.format, Format::JsonLines | Format::JsonLinesGz))
                .count()
        };
        let (batch, rest) = pending.split_at(batch_len);
        pending = rest;
        if streaming {
            let file = batch[0];
            let mut entry = FileEntry {
                size: file.size,
                modified: file.modified,
                ..FileEntry::default()
            };
            let mut failure = None;
            read_file(file, &mut |item| {
                if failure.is_none() {
                    progress.advance(0, usize::from(matches!(item, Item::Document(_))));
                    failure = handle(item, &mut report, &mut entry).err();
                }
            });
            if let Some(error) = failure {
                return Err(error);
            }
            progress.advance(file.size, 0);
            if let Some(problem) = changed_while_read(file, &mut entry) {
                handle(Item::Problem(problem), &mut report, &mut entry)?;
            }
            manifest.files.insert(file.key.clone(), entry);
        } else {
            let read: Vec<Vec<Item>> = batch
                .par_iter()
                .map(|file| {
                    let mut items = Vec::new();
                    read_file(file, &mut |item| items.push(item));
                    items
                })
                .collect();
            for (file, items) in batch.iter().zip(read) {
                let mut entry = FileEntry {
                    size: file.size,
                    modified: file.modified,
                    ..FileEntry::default()
                };
                let documents = items
                    .iter()
                    .filter(|item| matches!(item, Item::Document(_)))
                    .count();
                for item in items {
                    handle(item, &mut report, &mut entry)?;
                }
                progress.advance(file.size, documents);
                if let Some(problem) = changed_while_read(file, &mut entry) {
                    handle(Item::Problem(problem), &mut report, &mut entry)?;
                }
                manifest.files.insert(file.key.clone(), entry);
            }
        }
    }
    progress.finish();

    let new_ids: HashSet<&str> = manifest
        .files
        .values()
        .flat_map(|entry| entry.ids.keys().map(String::as_str))
        .collect();
    for id in old_ids.keys().filter(|id| !new_ids.contains(*id)) {
        writer.delete_term(Term::from_field_text(fields.id, id));
        report.deleted += 1;
    }
    report.documents = new_ids.len();
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

    let mut prepared = writer
        .prepare_commit()
        .map_err(|source| Error::index(dir, source))?;
    let manifest_name = manifest.save(dir, prepared.opstamp())?;
    let info = BuildInfo {
        schema_version: SCHEMA_VERSION,
        documents: report.documents,
        corpus: paths.iter().map(|p| p.display().to_string()).collect(),
        built_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        manifest: Some(manifest_name.clone()),
    };
    let payload = serde_json::to_string(&info).map_err(|e| Error::Internal(e.to_string()))?;
    prepared.set_payload(&payload);
    prepared
        .commit()
        .map_err(|source| Error::index(dir, source))?;
    writer
        .wait_merging_threads()
        .map_err(|source| Error::index(dir, source))?;
    remove_old_manifests(dir, &manifest_name);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// A file that changed while it was read is indexed as read, with a warning, and recorded with
/// no modification time so that the next run reads it again.
fn changed_while_read(file: &SourceFile, entry: &mut FileEntry) -> Option<Problem> {
    if !file.changed_since_listed() {
        return None;
    }
    entry.modified = 0;
    Some(Problem {
        path: file.path.clone(),
        line: None,
        reason: "changed while it was being read: indexed as read; the next run reads it again"
            .to_string(),
        skipped: false,
    })
}

/// Wait (briefly) while more than [`MAX_DOCUMENTS_IN_FLIGHT`] documents are queued unanalysed:
/// each analysed document opens two word-view token streams. The wait is bounded, so a
/// miscount can slow a run down but never stall it.
fn wait_for_writer(streams_at_start: u64, handed_over: u64) {
    let started = Instant::now();
    loop {
        let analysed = crate::analysis::word_streams_opened().saturating_sub(streams_at_start) / 2;
        if handed_over.saturating_sub(analysed) <= MAX_DOCUMENTS_IN_FLIGHT
            || started.elapsed() > MAX_BACKPRESSURE_WAIT
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
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
    for (field, date) in [
        (fields.date, document.date),
        (fields.issued, document.issued),
        (fields.published, document.published),
        (fields.effective, document.effective),
    ] {
        if let Some(date) = date {
            let seconds = date.midnight().assume_utc().unix_timestamp();
            out.add_date(field, DateTime::from_timestamp_secs(seconds));
        }
    }
    for (field, value) in [
        (fields.category, &document.category),
        (fields.region, &document.region),
        (fields.source, &document.source),
        (fields.doc_type, &document.doc_type),
        (fields.agency, &document.agency),
        (fields.doc_number, &document.doc_number),
        (fields.doc_number_original, &document.doc_number_original),
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
            || name.starts_with(MANIFEST_PREFIX)
            || name == ".managed.json"
            || name.contains('.') && name.split('.').next().is_some_and(|stem| stem.len() == 32);
        if is_index_file {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|source| Error::io(&path, source))?;
        }
    }
    Ok(())
}
