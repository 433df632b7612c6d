//! Reading an index generation's files ahead of its first search, as Lucene's
//! `MMapDirectory.setPreload` and Elasticsearch's `index.store.preload` do.
//!
//! The index is memory-mapped: a search reads only the pages it touches, and on a cold start
//! (after a reboot, or once other work has pushed the index out of the page cache) each page
//! it touches is a wait on the disk. Measured with the queries bench, which closes the index
//! and drops the page cache before each cold class: the first top-10 search over the large
//! corpus took 25–51 ms instead of 2–3, and over 100 times that corpus 140–460 ms instead
//! of 10–40. Read once when a server opens a generation, the files are in the page cache
//! before anyone searches.
//!
//! Only what fits is read: every file of the generation's segments when they take at most
//! [`SHARE_OF_AVAILABLE_MEMORY`] of the memory the system reports available, else only the
//! small files every search touches wherever its terms are (term dictionaries, fast fields,
//! field norms: 0.9% of the index of 100 times the large corpus). A new generation reads only
//! the segments the last one did not have (a commit keeps most of them). The page cache holds
//! what is read as it holds any file: the kernel takes it back when programs need the memory.

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::Path;

use tantivy::Searcher;

use crate::error::{Error, Result};
use crate::index::publish::segment_files;

/// The share of the available memory (`MemAvailable`) a generation's files may take to be
/// read whole.
pub const SHARE_OF_AVAILABLE_MEMORY: f64 = 0.5;

/// The extensions of the files read even when the whole generation does not fit.
const ALWAYS: [&str; 3] = ["term", "fast", "fieldnorm"];

/// What [`preload`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preloaded {
    /// Files read.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Whether every file of the generation was read (else only the small ones).
    pub whole: bool,
}

/// Reads the files of `searcher`'s segments in `dir` (see the module's doc), with
/// `available` bytes of memory to count against (`None`: only the small files). Segments in
/// `done` (read for an earlier generation: a commit mostly keeps its segments) are counted but
/// not read again; `done` ends up holding this generation's segments.
pub fn preload(
    dir: &Path,
    searcher: &Searcher,
    available: Option<u64>,
    done: &mut HashSet<String>,
) -> Result<Preloaded> {
    let stems: BTreeSet<String> = searcher
        .segment_readers()
        .iter()
        .map(|segment| segment.segment_id().uuid_string())
        .collect();
    // Per file: its path, its size, whether it is to be read in any case, whether its segment
    // is new.
    let mut files = Vec::new();
    for name in segment_files(dir, &stems)? {
        // A segment's files are named by its id: `{id}.idx`, `{id}.term`, `{id}.{opstamp}.del`.
        let Some((stem, extension)) = name.split_once('.') else {
            continue;
        };
        let new = !done.contains(stem);
        let small = ALWAYS.contains(&extension) && new;
        let path = dir.join(&name);
        let size = std::fs::metadata(&path)
            .map_err(|e| Error::io(&path, e))?
            .len();
        files.push((path, size, small, new));
    }
    let total: u64 = files.iter().map(|(_, size, _, _)| size).sum();
    let whole =
        available.is_some_and(|bytes| total as f64 <= bytes as f64 * SHARE_OF_AVAILABLE_MEMORY);
    let mut read = Preloaded {
        whole,
        ..Preloaded::default()
    };
    let mut buffer = vec![0u8; 1 << 20];
    for (path, _, small, new) in files {
        if !(small || whole && new) {
            continue;
        }
        let failed = |e| Error::io(&path, e);
        let mut file = std::fs::File::open(&path).map_err(failed)?;
        loop {
            let n = file.read(&mut buffer).map_err(failed)?;
            if n == 0 {
                break;
            }
            read.bytes += n as u64;
        }
        read.files += 1;
    }
    *done = stems.into_iter().collect();
    Ok(read)
}

/// The memory the system reports available (`MemAvailable` in `/proc/meminfo`), `None` where
/// it does not say.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text
        .lines()
        .find(|line| line.starts_with("MemAvailable:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generation_that_fits_is_read_whole_and_one_that_does_not_only_its_small_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        crate::index::update_index(&[corpus], dir.path(), &Default::default(), |_| {})
            .expect("the sample corpus indexes");
        let (index, _) = crate::index::schema::open_index(dir.path()).expect("index opens");
        let searcher = index.reader().expect("reader").searcher();
        // Every file of the current segments, by size, and the small ones apart.
        let ids: Vec<String> = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.segment_id().uuid_string())
            .collect();
        let (mut all, mut small) = (0u64, 0u64);
        for entry in std::fs::read_dir(dir.path()).expect("index folder") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().to_string();
            let Some((stem, extension)) = name.split_once('.') else {
                continue;
            };
            if ids.iter().any(|id| id == stem) {
                let size = entry.metadata().expect("metadata").len();
                all += size;
                if ALWAYS.contains(&extension) {
                    small += size;
                }
            }
        }
        assert!(small > 0 && small < all / 2, "small {small} of {all}");

        let fresh = HashSet::new;
        let whole = preload(dir.path(), &searcher, Some(4 * all), &mut fresh()).expect("reads");
        assert!(whole.whole);
        assert_eq!(whole.bytes, all);
        let part = preload(dir.path(), &searcher, Some(all), &mut fresh()).expect("reads");
        assert!(!part.whole);
        assert_eq!(part.bytes, small);
        let none = preload(dir.path(), &searcher, None, &mut fresh()).expect("reads");
        assert_eq!(none, part);
        // A later generation with the same segments reads nothing again.
        let mut done = fresh();
        preload(dir.path(), &searcher, Some(4 * all), &mut done).expect("reads");
        assert_eq!(done, ids.iter().cloned().collect::<HashSet<String>>());
        let again = preload(dir.path(), &searcher, Some(4 * all), &mut done).expect("reads");
        assert_eq!((again.files, again.bytes, again.whole), (0, 0, true));
        assert!(available_memory().is_some_and(|bytes| bytes > 0));
    }
}
