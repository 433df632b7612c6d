//! Publishing a committed index to read replicas: folders that `serve` processes on other
//! disks or machines (through a shared or synced file system) answer from.
//!
//! Tantivy never changes a segment file once written; a commit is the `meta.json` that names
//! the segments. So a replica is brought to a commit by copying the segment files it lacks
//! (each to a temporary name, then renamed), and then `meta.json` the same way, last: a replica
//! reader sees either the old commit or the new one, never a commit whose files are missing.
//! The writer lock is held while copying, so no `index` run merges segments away meanwhile.
//! Files of commits older than the previous one are removed afterwards.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tantivy::directory::{Directory, INDEX_WRITER_LOCK};
use tantivy::Index;

use crate::error::{Error, Result};

/// What one publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Replicas brought to the commit.
    pub replicas: usize,
    /// Segment files copied (over all replicas).
    pub files_copied: usize,
    /// Bytes copied (over all replicas).
    pub bytes_copied: u64,
    /// Files of older commits removed from the replicas.
    pub files_removed: usize,
}

/// The name a file is copied under before it is renamed into place.
const PARTIAL_SUFFIX: &str = ".publishing";

/// Bring every folder of `replicas` to the last commit of the index in `dir`.
pub fn publish(dir: &Path, replicas: &[PathBuf]) -> Result<PublishReport> {
    if !dir.join("meta.json").is_file() {
        return Err(Error::IndexNotFound {
            dir: dir.to_path_buf(),
        });
    }
    let index = Index::open_in_dir(dir).map_err(|source| Error::index(dir, source))?;
    let _lock = index
        .directory()
        .acquire_lock(&INDEX_WRITER_LOCK)
        .map_err(|error| Error::index(dir, error.into()))?;
    let meta = std::fs::read(dir.join("meta.json")).map_err(|source| Error::io(dir, source))?;
    let wanted = segment_files(dir, &segment_ids(&meta, dir)?)?;
    let mut report = PublishReport::default();
    for replica in replicas {
        if replica.canonicalize().ok() == dir.canonicalize().ok() {
            return Err(Error::InvalidParameter {
                name: "to",
                message: format!("{} is the index itself", replica.display()),
            });
        }
        std::fs::create_dir_all(replica).map_err(|source| Error::io(replica, source))?;
        // The commit the replica serves now: its files stay for readers still on it.
        let previous = std::fs::read(replica.join("meta.json"))
            .ok()
            .and_then(|old| segment_ids(&old, replica).ok())
            .map(|ids| segment_files(replica, &ids))
            .transpose()?
            .unwrap_or_default();
        for name in &wanted {
            let source = dir.join(name);
            let target = replica.join(name);
            let size = std::fs::metadata(&source)
                .map_err(|e| Error::io(&source, e))?
                .len();
            let present = std::fs::metadata(&target).is_ok_and(|m| m.len() == size);
            if !present {
                copy_into_place(&source, &target)?;
                report.files_copied += 1;
                report.bytes_copied += size;
            }
        }
        write_into_place(&replica.join("meta.json"), &meta)?;
        for (_, name) in segment_files_in(replica)? {
            if !wanted.contains(&name) && !previous.contains(&name) {
                let path = replica.join(&name);
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                report.files_removed += 1;
            }
        }
        report.replicas += 1;
    }
    Ok(report)
}

/// The segment ids (32 hex digits, as in file names) a `meta.json` names.
fn segment_ids(meta: &[u8], dir: &Path) -> Result<BTreeSet<String>> {
    let value: serde_json::Value =
        serde_json::from_slice(meta).map_err(|error| Error::DamagedIndex {
            dir: dir.to_path_buf(),
            detail: format!("meta.json: {error}"),
        })?;
    Ok(value["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|segment| segment["segment_id"].as_str())
        .map(|id| id.replace('-', ""))
        .collect())
}

/// The segment files in `dir`, each with its segment id: the files whose stem is 32 hex
/// digits, as Tantivy names them (every extension, deletes included), copies in progress left
/// out.
fn segment_files_in(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let name = entry.map_err(|e| Error::io(dir, e))?.file_name();
        let name = name.to_string_lossy().into_owned();
        let stem = name.split('.').next().unwrap_or_default();
        if stem.len() == 32
            && stem.bytes().all(|b| b.is_ascii_hexdigit())
            && !name.ends_with(PARTIAL_SUFFIX)
        {
            files.push((stem.to_string(), name));
        }
    }
    Ok(files)
}

/// The files in `dir` of the segments `ids` (names, not paths).
pub(crate) fn segment_files(dir: &Path, ids: &BTreeSet<String>) -> Result<BTreeSet<String>> {
    Ok(segment_files_in(dir)?
        .into_iter()
        .filter(|(stem, _)| ids.contains(stem))
        .map(|(_, name)| name)
        .collect())
}

/// Copy `source` to `target` through a temporary name, synced, then renamed.
fn copy_into_place(source: &Path, target: &Path) -> Result<()> {
    let partial = partial_name(target);
    std::fs::copy(source, &partial).map_err(|e| Error::io(&partial, e))?;
    sync(&partial)?;
    std::fs::rename(&partial, target).map_err(|e| Error::io(target, e))
}

/// Write `bytes` to `target` through a temporary name, synced, then renamed.
fn write_into_place(target: &Path, bytes: &[u8]) -> Result<()> {
    let partial = partial_name(target);
    std::fs::write(&partial, bytes).map_err(|e| Error::io(&partial, e))?;
    sync(&partial)?;
    std::fs::rename(&partial, target).map_err(|e| Error::io(target, e))
}

fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(PARTIAL_SUFFIX);
    PathBuf::from(name)
}

fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_gets_the_commit_and_drops_files_two_commits_old() {
        let corpus = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            std::fs::write(corpus.path().join(name), text).unwrap();
        };
        write(
            "a.txt",
            "太湖流域管理条例\n第一条 为了加强太湖流域水资源保护。",
        );
        let source = tempfile::tempdir().unwrap();
        let replica = tempfile::tempdir().unwrap();
        let corpus_paths = [corpus.path().to_path_buf()];
        let options = crate::index::IndexOptions::default();
        crate::index::update_index(&corpus_paths, source.path(), &options, |_| {}).unwrap();
        let first = publish(source.path(), &[replica.path().to_path_buf()]).unwrap();
        assert_eq!(first.replicas, 1);
        assert!(first.files_copied > 0);
        let engine = crate::Engine::open(replica.path()).unwrap();
        assert_eq!(engine.matching_ids("太湖").unwrap(), ["a.txt"]);
        // Nothing new: nothing copied.
        let again = publish(source.path(), &[replica.path().to_path_buf()]).unwrap();
        assert_eq!(again.files_copied, 0);
        // Two more commits: the replica follows, keeping only the last two commits' files.
        for (name, text) in [
            ("b.txt", "环太湖科技创新圈\n共建环太湖科技创新圈。"),
            ("c.txt", "长江保护法\n太湖。"),
        ] {
            write(name, text);
            crate::index::update_index(&corpus_paths, source.path(), &options, |_| {}).unwrap();
            publish(source.path(), &[replica.path().to_path_buf()]).unwrap();
        }
        drop(engine);
        let reopened = crate::Engine::open(replica.path()).unwrap();
        let mut fresh = reopened.matching_ids("太湖").unwrap();
        fresh.sort();
        assert_eq!(fresh, ["a.txt", "b.txt", "c.txt"]);
        let meta = std::fs::read(replica.path().join("meta.json")).unwrap();
        let live =
            segment_files(replica.path(), &segment_ids(&meta, replica.path()).unwrap()).unwrap();
        let on_disk: BTreeSet<String> = segment_files_in(replica.path())
            .unwrap()
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        assert!(on_disk.is_superset(&live));
        assert!(std::fs::read_dir(replica.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(PARTIAL_SUFFIX)));
        // The index itself is refused as a replica.
        assert!(publish(source.path(), &[source.path().to_path_buf()]).is_err());
    }
}
