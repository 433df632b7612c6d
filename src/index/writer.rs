//! Documents into the index, incrementally. A run reads only files whose size or modification
//! time changed since the last commit, re-indexes only documents whose content changed, deletes
//! documents whose files are gone, and commits once. Until that commit readers keep seeing the
//! last good index; a failed or interrupted run leaves it untouched and the next run completes.
//!
//! What each file held is kept in a manifest (file → size, mtime, ids and content hashes) written
//! beside the index under the name recorded in the commit, so the manifest and the committed
//! index always agree.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::schema::Term;
use tantivy::{Index, IndexWriter};

use super::manifest::{content_hash, remove_old_manifests, FileEntry, Manifest, MANIFEST_PREFIX};
use super::progress::{Observer, OnProblem, Progress};
use super::schema::{
    build_schema, index_settings, last_build, register_tokenizers, to_tantivy, BuildInfo, Fields,
    IndexedDocument, SCHEMA_VERSION,
};
use crate::analysis::StreamCounter;
use crate::error::{Error, Result};
use crate::ingest::{list_files, read_file, Format, Item, Limits, Problem, SourceFile};

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
/// How to run `index`.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// Rebuild from scratch instead of updating.
    pub full: bool,
    /// Size limits on the input.
    pub limits: Limits,
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

/// Rebuild the index in `dir` from the corpus `paths` (see the module documentation). Each
/// problem is passed to `on_problem` as it is found.
pub fn build_index(
    paths: &[PathBuf],
    dir: &Path,
    on_problem: impl FnMut(&Problem),
) -> Result<BuildReport> {
    let options = IndexOptions {
        full: true,
        ..IndexOptions::default()
    };
    update_index(paths, dir, &options, on_problem)
}

/// Update the index in `dir` from the corpus `paths`: add, update and delete what changed, in
/// one commit. With `options.full`, rebuild it from scratch. Each problem is passed to
/// `on_problem` as it is found.
pub fn update_index(
    paths: &[PathBuf],
    dir: &Path,
    options: &IndexOptions,
    on_problem: impl FnMut(&Problem),
) -> Result<BuildReport> {
    update_index_observed(paths, dir, options, OnProblem(on_problem))
}

/// [`update_index`], with problems and progress going to `observer` as they happen.
pub fn update_index_observed(
    paths: &[PathBuf],
    dir: &Path,
    options: &IndexOptions,
    observer: impl Observer,
) -> Result<BuildReport> {
    let started = Instant::now();
    // A corpus path that is not there is refused before the index folder is touched: an empty
    // index created for nothing would read as a damaged one.
    if let Some(missing) = paths.iter().find(|path| !path.exists()) {
        return Err(Error::CorpusNotFound {
            path: missing.clone(),
        });
    }
    if must_be_replaced(dir, options.full)? {
        return replace(paths, dir, options, observer, started);
    }
    build_in(paths, dir, options, observer, started)
}

/// Name of the folder inside an index folder where a new index is built before it replaces
/// the one there (an index of another schema version, or a damaged one with `--full`).
pub const UPGRADE_FOLDER: &str = ".policy-search-upgrade";

/// True when the index in `dir` cannot be updated and must be replaced by a full build: it was
/// built by another schema version (which this version cannot read), or it is damaged and
/// `full` was asked for. A damaged index without `full` is an error that says to run it.
fn must_be_replaced(dir: &Path, full: bool) -> Result<bool> {
    if !dir.join("meta.json").is_file() {
        return Ok(false);
    }
    match Index::open_in_dir(dir) {
        Ok(index) => Ok(index.schema() != build_schema().0),
        Err(_) if full => Ok(true),
        Err(error) => Err(Error::DamagedIndex {
            dir: dir.to_path_buf(),
            detail: error.to_string(),
        }),
    }
}

/// Replace the index in `dir` (of another schema version, or damaged) by a full build of the
/// corpus, without ever leaving `dir` without a whole index: the new one is built in
/// [`UPGRADE_FOLDER`] while `dir`'s writer lock is held, then its files are moved in, its
/// `meta.json` last (one atomic rename switches from the old index to the new), and only then
/// are the old index's files removed. A run that fails or is killed before the switch leaves
/// the old index as it was.
fn replace(
    paths: &[PathBuf],
    dir: &Path,
    options: &IndexOptions,
    observer: impl Observer,
    started: Instant,
) -> Result<BuildReport> {
    use tantivy::directory::{Directory, MmapDirectory, INDEX_WRITER_LOCK};
    let directory = MmapDirectory::open(dir).map_err(|error| Error::index(dir, error.into()))?;
    let _lock = directory
        .acquire_lock(&INDEX_WRITER_LOCK)
        .map_err(|error| Error::index(dir, error.into()))?;
    let staging = dir.join(UPGRADE_FOLDER);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|source| Error::io(&staging, source))?;
    }
    let full = IndexOptions {
        full: true,
        ..options.clone()
    };
    let report = build_in(paths, &staging, &full, observer, started)?;
    let mut moved = HashSet::new();
    let mut meta = None;
    for entry in std::fs::read_dir(&staging).map_err(|source| Error::io(&staging, source))? {
        let entry = entry.map_err(|source| Error::io(&staging, source))?;
        let name = entry.file_name();
        if name == "meta.json" {
            meta = Some(entry.path());
        } else if !name.to_string_lossy().ends_with(".lock") {
            let target = dir.join(&name);
            std::fs::rename(entry.path(), &target).map_err(|source| Error::io(&target, source))?;
            moved.insert(name);
        }
    }
    let meta = meta.ok_or_else(|| Error::Internal("the rebuilt index has no meta.json".into()))?;
    let target = dir.join("meta.json");
    std::fs::rename(&meta, &target).map_err(|source| Error::io(&target, source))?;
    moved.insert("meta.json".into());
    remove_index_files(dir, &moved)?;
    std::fs::remove_dir_all(&staging).map_err(|source| Error::io(&staging, source))?;
    Ok(report)
}

/// Build or update the index in `dir`, which holds no index or one of this schema version.
fn build_in(
    paths: &[PathBuf],
    dir: &Path,
    options: &IndexOptions,
    observer: impl Observer,
    started: Instant,
) -> Result<BuildReport> {
    let observer = RefCell::new(observer);
    let (index, fields, streams) = open_or_create(dir)?;
    let previous = last_build(dir);
    // The word view was cut with the dictionaries recorded in the index: other ones mean every
    // document's words may differ, so the whole index is built again.
    let dictionaries_changed = previous
        .as_ref()
        .is_some_and(|info| info.dictionaries != crate::analysis::dictionaries());
    let full = options.full || previous.is_none() || dictionaries_changed;
    let old = if full {
        Manifest::default()
    } else {
        Manifest::load(dir, previous.as_ref())
    };
    let mut report = BuildReport::default();
    let report_problem = |problem: Problem, report: &mut BuildReport| {
        observer.borrow_mut().problem(&problem);
        report.problems.push(problem);
    };
    if dictionaries_changed && !options.full {
        report_problem(
            Problem {
                path: dir.to_path_buf(),
                line: None,
                reason: "was built with other --dict dictionaries than these: rebuilding it all"
                    .to_string(),
                skipped: false,
            },
            &mut report,
        );
    }

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
            Some(entry) if entry.describes(file) => {
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
        // A writer at work (`index --full` in another process) is about to replace this state:
        // say so, as a run with changes would, rather than report it up to date.
        use tantivy::directory::{Directory, INDEX_WRITER_LOCK};
        drop(
            index
                .directory()
                .acquire_lock(&INDEX_WRITER_LOCK)
                .map_err(|error| Error::index(dir, error.into()))?,
        );
        report.documents = report.unchanged;
        report.nothing_changed = true;
        report.elapsed = started.elapsed();
        return Ok(report);
    }

    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(MAX_WRITER_THREADS);
    let mut writer: IndexWriter<IndexedDocument> = index
        .writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)
        .map_err(|source| Error::index(dir, source))?;
    if full {
        writer
            .delete_all_documents()
            .map_err(|source| Error::index(dir, source))?;
    }
    let old_ids = old.ids();
    let mut seen: HashSet<String> = HashSet::new();
    // Id → the file (key) whose version of it this run wrote last.
    let mut written: HashMap<String, String> = HashMap::new();
    let streams_at_start = streams.opened();
    let mut handed_over: u64 = 0;
    let progress = |event| observer.borrow_mut().progress(event);
    let advance = |bytes, documents| progress(Progress::Advanced { bytes, documents });
    progress(Progress::Started {
        files: to_read.len(),
        bytes: to_read.iter().map(|f| f.size).sum(),
    });
    report.files_read = to_read.len();

    let mut handle = |item: Item,
                      report: &mut BuildReport,
                      file: &SourceFile,
                      entry: &mut FileEntry|
     -> Result<()> {
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
                        written.insert(document.id.clone(), file.key.clone());
                        writer
                            .add_document(to_tantivy(document, &fields))
                            .map_err(|source| Error::index(dir, source))?;
                        handed_over += 1;
                        wait_for_writer(&streams, streams_at_start, handed_over);
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
            let mut entry = FileEntry::for_file(file);
            let mut failure = None;
            read_file(file, &options.limits, &mut |item| {
                if failure.is_none() {
                    advance(0, usize::from(matches!(item, Item::Document(_))));
                    failure = handle(item, &mut report, file, &mut entry).err();
                }
            });
            if let Some(error) = failure {
                return Err(error);
            }
            advance(file.size, 0);
            if let Some(problem) = changed_while_read(file, &mut entry) {
                handle(Item::Problem(problem), &mut report, file, &mut entry)?;
            }
            manifest.files.insert(file.key.clone(), entry);
        } else {
            let read: Vec<Vec<Item>> = batch
                .par_iter()
                .map(|file| {
                    let mut items = Vec::new();
                    read_file(file, &options.limits, &mut |item| items.push(item));
                    items
                })
                .collect();
            for (file, items) in batch.iter().zip(read) {
                let mut entry = FileEntry::for_file(file);
                let documents = items
                    .iter()
                    .filter(|item| matches!(item, Item::Document(_)))
                    .count();
                for item in items {
                    handle(item, &mut report, file, &mut entry)?;
                }
                advance(file.size, documents);
                if let Some(problem) = changed_while_read(file, &mut entry) {
                    handle(Item::Problem(problem), &mut report, file, &mut entry)?;
                }
                manifest.files.insert(file.key.clone(), entry);
            }
        }
    }
    progress(Progress::Finished);

    // Where several files hold an id, the index must hold the version of the last one in walk
    // order, as a full build would: read that file again for the ids this run may have left
    // with another file's version.
    for (file, ids) in versions_to_restore(&files, &to_read, &old, &manifest, &written) {
        let mut failure = None;
        read_file(file, &options.limits, &mut |item| {
            let Item::Document(document) = item else {
                return;
            };
            if failure.is_none() && ids.contains(document.id.as_str()) {
                writer.delete_term(Term::from_field_text(fields.id, &document.id));
                failure = writer
                    .add_document(to_tantivy(document, &fields))
                    .map_err(|source| Error::index(dir, source))
                    .err();
            }
        });
        if let Some(error) = failure {
            return Err(error);
        }
    }

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
        dictionaries: crate::analysis::dictionaries(),
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

/// The files to read again, each with the ids whose version must come from it: an id this
/// run touched (held, now or at the last commit, by a file read this run or gone since) whose
/// winning file now (the last holder in walk order) is not the file this run last wrote it
/// from, unless that file always was its only holder.
fn versions_to_restore<'f>(
    files: &'f [SourceFile],
    read: &[&SourceFile],
    old: &Manifest,
    new: &Manifest,
    written: &HashMap<String, String>,
) -> Vec<(&'f SourceFile, HashSet<String>)> {
    let read: HashSet<&str> = read.iter().map(|file| file.key.as_str()).collect();
    let listed: HashSet<&str> = files.iter().map(|file| file.key.as_str()).collect();
    let (old_holders, new_holders) = (old.holders(), new.holders());
    let touched = old_holders
        .iter()
        .filter(|(_, keys)| keys.iter().any(|k| read.contains(k) || !listed.contains(k)))
        .chain(
            new_holders
                .iter()
                .filter(|(_, keys)| keys.iter().any(|k| read.contains(k))),
        )
        .map(|(id, _)| *id)
        .collect::<HashSet<&str>>();
    let order: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.key.as_str(), index))
        .collect();
    let mut restore: std::collections::BTreeMap<usize, HashSet<String>> = Default::default();
    for id in touched {
        let Some(keys) = new_holders.get(id) else {
            continue; // held by no file now: deleted
        };
        let Some(winner) = keys.iter().max_by_key(|key| order.get(*key)) else {
            continue;
        };
        let only_holder = |holders: &HashMap<&str, Vec<&str>>| {
            holders.get(id).is_some_and(|keys| keys == &[*winner])
        };
        let right_version = match written.get(id) {
            Some(from) => from == winner,
            None => only_holder(&old_holders) && only_holder(&new_holders),
        };
        if !right_version {
            if let Some(&index) = order.get(winner) {
                restore.entry(index).or_default().insert(id.to_string());
            }
        }
    }
    restore
        .into_iter()
        .map(|(index, ids)| (&files[index], ids))
        .collect()
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
fn wait_for_writer(streams: &StreamCounter, streams_at_start: u64, handed_over: u64) {
    let started = Instant::now();
    loop {
        let analysed = streams.opened().saturating_sub(streams_at_start) / 2;
        if handed_over.saturating_sub(analysed) <= MAX_DOCUMENTS_IN_FLIGHT
            || started.elapsed() > MAX_BACKPRESSURE_WAIT
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Open the index in `dir` (of this schema version: see [`index_of_another_schema`]), or create
/// it there.
fn open_or_create(dir: &Path) -> Result<(Index, Fields, StreamCounter)> {
    std::fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))?;
    let (schema, fields) = build_schema();
    if dir.join("meta.json").is_file() {
        let index = Index::open_in_dir(dir).map_err(|source| Error::index(dir, source))?;
        if index.schema() != schema {
            return Err(Error::IncompatibleIndex {
                dir: dir.to_path_buf(),
            });
        }
        let streams = register_tokenizers(&index);
        return Ok((index, fields, streams));
    }
    let index = Index::builder()
        .schema(schema)
        .settings(index_settings())
        .create_in_dir(dir)
        .map_err(|source| Error::index(dir, source))?;
    let streams = register_tokenizers(&index);
    Ok((index, fields, streams))
}

/// Remove an old index's files from `dir` but those named in `keep`, leaving files that are not
/// the index's (such as the repository's `index/.gitignore`).
fn remove_index_files(dir: &Path, keep: &HashSet<std::ffi::OsString>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::io(dir, source))?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::io(dir, source))?;
        if keep.contains(&entry.file_name()) {
            continue;
        }
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
