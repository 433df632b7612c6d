//! The manifest: what each corpus file held at the last commit (size, modification time, the
//! ids it gave with their content hashes, the problems it had), so that a run reads only what
//! changed. It is written beside the index under the name the commit records, so manifest and
//! index always agree.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::schema::BuildInfo;
use crate::analysis::Fingerprint;
use crate::document::{Document, MetaField, Value};
use crate::error::{Error, Result};
use crate::ingest::SourceFile;

/// Manifest file names: `policy-search-manifest-<opstamp>.json`.
pub const MANIFEST_PREFIX: &str = "policy-search-manifest-";

/// What one corpus file held at the last commit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileEntry {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0: read it again next time).
    pub modified: u128,
    /// Document id → content hash.
    pub ids: BTreeMap<String, u64>,
    /// Problems found reading it, repeated while it is unchanged.
    pub problems: Vec<(Option<usize>, String, bool)>,
    /// The folder its ids were made relative to: under another corpus root, the same file
    /// gives other ids and is read again.
    #[serde(default)]
    pub base: String,
}

impl FileEntry {
    /// An empty entry for `file` as listed now.
    pub fn for_file(file: &SourceFile) -> FileEntry {
        FileEntry {
            size: file.size,
            modified: file.modified,
            base: file.base.display().to_string(),
            ..FileEntry::default()
        }
    }

    /// Whether `file` is as this entry found it: same size, modification time and corpus root
    /// (a modification time of 0 is unknown and never matches).
    pub fn describes(&self, file: &SourceFile) -> bool {
        self.size == file.size
            && self.modified == file.modified
            && file.modified != 0
            && self.base == file.base.display().to_string()
    }
}

/// File key → entry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// What each file held.
    pub files: BTreeMap<String, FileEntry>,
}

impl Manifest {
    /// The manifest the commit described by `info` names (empty if none).
    pub fn load(dir: &Path, info: Option<&BuildInfo>) -> Manifest {
        let Some(name) = info.and_then(|info| info.manifest.as_deref()) else {
            return Manifest::default();
        };
        std::fs::read(dir.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Write the manifest for commit `opstamp`, durably, and return its file name.
    pub fn save(&self, dir: &Path, opstamp: u64) -> Result<String> {
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

    /// Id → the keys of the files holding it.
    pub fn holders(&self) -> HashMap<&str, Vec<&str>> {
        let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
        for (key, entry) in &self.files {
            for id in entry.ids.keys() {
                holders.entry(id.as_str()).or_default().push(key.as_str());
            }
        }
        holders
    }

    /// Every id with its content hash.
    pub fn ids(&self) -> HashMap<&str, u64> {
        self.files
            .values()
            .flat_map(|entry| entry.ids.iter().map(|(id, hash)| (id.as_str(), *hash)))
            .collect()
    }
}

/// Remove manifests other than `keep` (left behind by earlier commits or interrupted runs).
pub fn remove_old_manifests(dir: &Path, keep: &str) {
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

/// FNV-1a over everything a document stores: stable across runs and Rust versions. Two
/// documents with the same hash index and store the same, so an unchanged hash needs no work.
pub fn content_hash(document: &Document) -> u64 {
    let mut hash = Fingerprint::default();
    hash.feed(document.title.as_bytes());
    hash.feed(document.body.as_bytes());
    hash.feed(document.path.as_bytes());
    for spec in MetaField::ALL {
        match document.metadata.get(spec.field) {
            Some(Value::Text(text)) => hash.feed(text.as_bytes()),
            Some(Value::Date(date)) => hash.feed(date.to_string().as_bytes()),
            None => hash.feed(b""),
        }
    }
    hash.value()
}
