//! The thesaurus a search expands terms with: the shipped one, plus a user's file that is
//! reread when it changes (so `serve` picks up edits without a restart or a reindex), plus the
//! short forms the indexed texts define ([`defined_short_forms`]).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use tantivy::Searcher;

use super::generation::PerGeneration;
use crate::analysis::definitions::ShortForm;
use crate::analysis::expansion::Thesaurus;
use crate::error::Result;

/// Full forms kept for one short form, those defined by the most texts first (自贸区 may stand
/// for several free-trade zones).
const FULL_FORMS_KEPT: usize = 3;

/// [`defined_short_forms`] per index generation.
static DEFINED: PerGeneration<(), Vec<ShortForm>> = PerGeneration::new();

/// The short forms the texts of `searcher` define (the `short_forms` fast field of every live
/// document), each short form with at most [`FULL_FORMS_KEPT`] full forms, those defined by
/// the most texts first. Read once per index generation, so a search always expands with
/// exactly what the indexed texts define, after any incremental reindex.
pub fn defined_short_forms(searcher: &Searcher) -> tantivy::Result<Arc<Vec<ShortForm>>> {
    DEFINED.get(searcher, (), || {
        let mut texts: HashMap<String, usize> = HashMap::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            // Through the segment's table: a value looked up by ordinal in the column's
            // dictionary would decompress a block per lookup (seconds at a million documents).
            let table = super::ids::table(searcher, ord as u32, "short_forms")?;
            for doc in segment.doc_ids_alive() {
                for key in table.values(doc) {
                    match texts.get_mut(key) {
                        Some(count) => *count += 1,
                        None => {
                            texts.insert(key.to_string(), 1);
                        }
                    }
                }
            }
        }
        let mut by_short: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
        for (key, count) in texts {
            if let Some(pair) = ShortForm::from_key(&key) {
                by_short
                    .entry(pair.short)
                    .or_default()
                    .push((count, pair.full));
            }
        }
        let mut defined = Vec::new();
        for (short, mut fulls) in by_short {
            fulls.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            defined.extend(
                fulls
                    .into_iter()
                    .take(FULL_FORMS_KEPT)
                    .map(|(_, full)| ShortForm {
                        short: short.clone(),
                        full,
                    }),
            );
        }
        Ok(defined)
    })
}

/// The shipped thesaurus, or the shipped one with a user's file, kept current.
pub struct Synonyms {
    file: Option<PathBuf>,
    /// The file's modification time when last read, and what it gave.
    state: RwLock<(Option<SystemTime>, Arc<Thesaurus>)>,
}

impl Default for Synonyms {
    fn default() -> Synonyms {
        Synonyms {
            file: None,
            state: RwLock::new((None, Arc::new(Thesaurus::shipped().clone()))),
        }
    }
}

impl Synonyms {
    /// The shipped thesaurus with `file` added; an error names the file and the bad line.
    pub fn from_file(file: &Path) -> Result<Synonyms> {
        let thesaurus = Thesaurus::with_file(file)?;
        Ok(Synonyms {
            file: Some(file.to_path_buf()),
            state: RwLock::new((modified(file), Arc::new(thesaurus))),
        })
    }

    /// The user's file, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The thesaurus now: the user's file is reread when its modification time changed. A
    /// file that no longer parses is reported on standard error and the last good version is
    /// kept.
    pub fn current(&self) -> Arc<Thesaurus> {
        let Some(file) = &self.file else {
            return self.read().1.clone();
        };
        let now = modified(file);
        {
            let state = self.read();
            if state.0 == now {
                return state.1.clone();
            }
        }
        let mut state = match self.state.write() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        if state.0 != now {
            state.0 = now;
            match Thesaurus::with_file(file) {
                Ok(thesaurus) => state.1 = Arc::new(thesaurus),
                Err(error) => eprintln!("warning: {error}; keeping the synonyms read before"),
            }
        }
        state.1.clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (Option<SystemTime>, Arc<Thesaurus>)> {
        match self.state.read() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn modified(file: &Path) -> Option<SystemTime> {
    std::fs::metadata(file).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_reread_and_a_broken_one_keeps_the_last_good() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mine.txt");
        std::fs::write(&file, "太湖 = 震泽\n").unwrap();
        let synonyms = Synonyms::from_file(&file).unwrap();
        let has = |synonyms: &Synonyms, text: &str| {
            crate::analysis::expansion::forms("太湖", &synonyms.current())
                .iter()
                .any(|form| form.text == text)
        };
        assert!(has(&synonyms, "震泽"));
        // A different modification time, as an editor's save gives.
        std::fs::write(&file, "太湖 = 具区\n").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(has(&synonyms, "具区"));
        assert!(!has(&synonyms, "震泽"));
        std::fs::write(&file, "太湖 具区\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later + std::time::Duration::from_secs(5))
            .unwrap();
        assert!(has(&synonyms, "具区"), "the last good file is kept");
        let error = Synonyms::from_file(&file).err().unwrap().to_string();
        assert!(error.contains("mine.txt:1"), "{error}");
    }
}
