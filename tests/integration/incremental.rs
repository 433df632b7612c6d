//! The invariant: after any sequence of corpus edits, an incremental `index` leaves exactly what
//! `index --full` of the same corpus gives — the same ids with the same stored fields. Named
//! cases from the issues, then a randomised model over real sentences.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use policy_search::index::{update_index, IndexOptions};
use policy_search::Engine;
use proptest::prelude::*;

/// Every document of the index in `dir`: id → its stored JSON.
fn contents(dir: &Path) -> BTreeMap<String, String> {
    let engine = Engine::open(dir).expect("index opens");
    let mut documents = BTreeMap::new();
    engine
        .for_each_document(|document| {
            let json = serde_json::to_string(&document).expect("JSON");
            assert!(
                documents.insert(document.id.clone(), json).is_none(),
                "id {} twice in the index",
                document.id
            );
            Ok(())
        })
        .expect("documents read");
    documents
}

/// Index `roots` incrementally into `index`, then build them from scratch elsewhere, and check
/// both hold the same documents; returns how many.
fn assert_incremental_equals_full(roots: &[PathBuf], index: &Path) -> usize {
    update_index(roots, index, &IndexOptions::default(), |_| {}).expect("incremental run");
    let fresh = tempfile::tempdir().unwrap();
    let full = IndexOptions {
        full: true,
        ..IndexOptions::default()
    };
    update_index(roots, fresh.path(), &full, |_| {}).expect("full run");
    let (incremental, rebuilt) = (contents(index), contents(fresh.path()));
    assert_eq!(
        incremental.keys().collect::<Vec<_>>(),
        rebuilt.keys().collect::<Vec<_>>(),
        "ids differ"
    );
    for (id, document) in &rebuilt {
        assert_eq!(&incremental[id], document, "document {id} differs");
    }
    rebuilt.len()
}

fn line(id: &str, title: &str, body: &str) -> String {
    serde_json::json!({"id": id, "title": title, "body": body}).to_string() + "\n"
}

#[test]
fn the_same_id_in_two_files_follows_the_last_file_as_a_full_build_does() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let index = dir.path().join("index");
    let roots = [corpus.clone()];
    let a = corpus.join("a.jsonl");
    let b = corpus.join("b.jsonl");
    std::fs::write(
        &a,
        line("X", "太湖流域管理条例", "甲文本：加强太湖流域综合治理。"),
    )
    .unwrap();
    std::fs::write(&b, line("X", "太湖流域管理条例", "乙文本：保障防汛抗旱。")).unwrap();
    assert_eq!(assert_incremental_equals_full(&roots, &index), 1);
    // Editing any line of a.jsonl must not hand X to a.jsonl.
    std::fs::write(
        &a,
        line("X", "太湖流域管理条例", "甲文本，已修改。") + &line("Y", "另一件", "正文"),
    )
    .unwrap();
    assert_eq!(assert_incremental_equals_full(&roots, &index), 2);
    // Deleting b.jsonl leaves a.jsonl's X, not the deleted file's text.
    std::fs::remove_file(&b).unwrap();
    assert_eq!(assert_incremental_equals_full(&roots, &index), 2);
    let engine = Engine::open(&index).unwrap();
    assert!(engine.document("X").unwrap().body.contains("已修改"));
}

#[test]
fn a_text_file_and_a_json_document_with_its_id_resolve_as_on_a_full_build() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("dir")).unwrap();
    let index = dir.path().join("index");
    let roots = [corpus.clone()];
    std::fs::write(corpus.join("dir/same.txt"), "文本标题\n文本正文。").unwrap();
    std::fs::write(
        corpus.join("z.jsonl"),
        line("dir/same.txt", "JSON 标题", "JSON 正文。"),
    )
    .unwrap();
    assert_eq!(assert_incremental_equals_full(&roots, &index), 1);
    std::fs::write(corpus.join("dir/same.txt"), "文本标题\n文本正文，改过。").unwrap();
    assert_eq!(assert_incremental_equals_full(&roots, &index), 1);
    std::fs::remove_file(corpus.join("z.jsonl")).unwrap();
    assert_eq!(assert_incremental_equals_full(&roots, &index), 1);
}

#[test]
fn overlapping_and_changed_roots_give_what_a_fresh_build_gives() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let sample = crate::common::sample_corpus();
    for file in [
        "环太湖科技创新圈.txt",
        "行政法规/太湖流域管理条例(2011-09-07).md",
    ] {
        let target = corpus.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(sample.join(file), target).unwrap();
    }
    let index = dir.path().join("index");
    let sub = corpus.join("行政法规");
    // A file under both roots is one document, not two.
    let both = [corpus.clone(), sub.clone()];
    assert_eq!(assert_incremental_equals_full(&both, &index), 2);
    // Narrowing the corpus to the sub-folder: its file's id loses the folder, the rest goes.
    assert_eq!(
        assert_incremental_equals_full(std::slice::from_ref(&sub), &index),
        1
    );
    let engine = Engine::open(&index).unwrap();
    let document = engine.document("太湖流域管理条例(2011-09-07).md").unwrap();
    assert_eq!(document.metadata.category, None);
    // And back.
    assert_eq!(assert_incremental_equals_full(&both, &index), 2);
}

/// Real sentences the model's files are made of.
const SENTENCES: [&str; 6] = [
    "为了加强太湖流域水资源保护和水污染防治，制定本条例。",
    "共建环太湖科技创新圈，推进长三角一体化。",
    "县级以上地方人民政府应当优化营商环境。",
    "国务院水行政主管部门负责太湖流域管理。",
    "鼓励企业开展科技创新，保护知识产权。",
    "本条例自2011年11月1日起施行。",
];

/// One edit of the model corpus.
#[derive(Debug, Clone)]
enum Edit {
    /// Write text file `file` (of 4 names, two in a sub-folder).
    Text { file: usize, sentence: usize },
    /// Write JSONL file `file` (of 3) with lines of ids from a pool shared by all files.
    Lines {
        file: usize,
        lines: Vec<(usize, usize)>,
    },
    /// Remove file `file` (of the 7 above), if it is there.
    Remove { file: usize },
    /// Index the whole corpus, or only the sub-folder, or both (overlapping).
    Roots { which: usize },
}

const TEXT_FILES: [&str; 4] = ["a.txt", "b.md", "sub/c.txt", "sub/d.md"];
const LINE_FILES: [&str; 3] = ["e.jsonl", "sub/f.jsonl", "g.json"];
const IDS: [&str; 4] = ["sub/c.txt", "政策1", "政策2", "a.txt"];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..4usize, 0..6usize).prop_map(|(file, sentence)| Edit::Text { file, sentence }),
        (
            0..3usize,
            proptest::collection::vec((0..4usize, 0..6usize), 0..3)
        )
            .prop_map(|(file, lines)| Edit::Lines { file, lines }),
        (0..7usize).prop_map(|file| Edit::Remove { file }),
        (0..3usize).prop_map(|which| Edit::Roots { which }),
    ]
}

fn apply(corpus: &Path, edit: &Edit, roots: &mut Vec<PathBuf>) {
    let write = |name: &str, text: String| {
        let path = corpus.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        // Change detection reads size and modification time: a rewrite of the same size
        // within the file system's timestamp granularity looks unchanged (as to make or
        // rsync). Each write gets a later time, so the model tests the index, not the clock.
        static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tick = CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000 + tick);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_modified(time))
            .unwrap();
    };
    match edit {
        Edit::Text { file, sentence } => {
            let name = TEXT_FILES[*file];
            let heading = if name.ends_with(".md") { "# " } else { "" };
            write(
                name,
                format!("{heading}{}号文件\n{}", file, SENTENCES[*sentence]),
            );
        }
        Edit::Lines { file, lines } => {
            let records: Vec<serde_json::Value> = lines
                .iter()
                .map(|&(id, sentence)| {
                    serde_json::json!({"id": IDS[id], "title": format!("第{id}件"), "body": SENTENCES[sentence]})
                })
                .collect();
            let name = LINE_FILES[*file];
            let text = if name.ends_with(".json") {
                serde_json::Value::Array(records).to_string()
            } else {
                records.iter().map(|r| r.to_string() + "\n").collect()
            };
            write(name, text);
        }
        Edit::Remove { file } => {
            let name = TEXT_FILES.iter().chain(&LINE_FILES).nth(*file).unwrap();
            let _ = std::fs::remove_file(corpus.join(name));
        }
        Edit::Roots { which } => {
            let sub = corpus.join("sub");
            *roots = match which {
                0 => vec![corpus.to_path_buf()],
                1 => vec![sub],
                _ => vec![corpus.to_path_buf(), sub],
            };
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("POLICY_SEARCH_MODEL_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(48),
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    /// After every edit of a random sequence, the incremental index equals a full rebuild.
    #[test]
    fn after_any_edits_the_incremental_index_equals_a_full_rebuild(
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(corpus.join("sub")).unwrap();
        // Something to index from the start: a corpus with no document is refused.
        std::fs::write(corpus.join("sub/base.txt"), "基础文件\n太湖流域。").unwrap();
        let index = dir.path().join("index");
        let mut roots = vec![corpus.clone()];
        for edit in &edits {
            apply(&corpus, edit, &mut roots);
            assert_incremental_equals_full(&roots, &index);
        }
    }
}
