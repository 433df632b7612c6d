//! Indexing throughput against the limit: jieba-rs alone segmenting the same text on the same
//! cores, then a full index build, in one run.
//!
//! `cargo bench --bench indexing` (corpus: `../shared/corpus/large/policies.jsonl.gz`, or the
//! paths given after `--`).
//!
//! Last, the floor: Tantivy indexing the same tokens, cut beforehand, with no analysis in the
//! timed part — all three views, then the bigram view alone (what exact matching needs), then
//! no view (the stored text alone). No analysis, however fast, can make indexing faster than
//! that.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use std::sync::OnceLock;

use policy_search::analysis::{
    analyze, AnalyzedText, View, CHARS_TOKENIZER, GRAMS_TOKENIZER, WORDS_TOKENIZER,
};
use policy_search::index::schema::{build_schema, index_settings};
use policy_search::index::{update_index, IndexOptions, WRITER_HEAP_PER_THREAD};
use policy_search::ingest::{read_corpus, Document, Item, Limits};
use rayon::prelude::*;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexWriter, TantivyDocument};

fn dir_size(path: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let corpus = if args.is_empty() {
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/large/policies.jsonl.gz")]
    } else {
        args
    };
    let threads = rayon::current_num_threads();

    let documents = read_documents(&corpus);
    let texts: Vec<&str> = documents
        .iter()
        .flat_map(|document| [document.title.as_str(), document.body.as_str()])
        .collect();
    let bytes: usize = texts.iter().map(|text| text.len()).sum();
    let megabytes = bytes as f64 / 1e6;
    println!(
        "corpus: {} ({:.1} MB of text), {threads} threads",
        corpus[0].display(),
        megabytes
    );

    let (jieba_seconds, words) = common::jieba_alone(&texts);
    let jieba_rate = megabytes / jieba_seconds;
    println!(
        "jieba-rs alone (cut, HMM on): {jieba_seconds:.2} s, {jieba_rate:.1} MB/s, {words} words"
    );
    drop(texts);

    // The document graph's share: what indexing does beyond the views for citations, repeals
    // and version keys (#15 allows 20% more indexing time for it), timed alone on one thread.
    let started = Instant::now();
    let (mut cites, mut repeals) = (0, 0);
    for document in &documents {
        let links = policy_search::analysis::citations::links(&document.body);
        cites += links.cites.len();
        repeals += links.repeals.len();
        std::hint::black_box(policy_search::analysis::version_key(
            &document.title,
            document.metadata.region.as_deref(),
            document.metadata.level.as_deref(),
        ));
    }
    let graph_seconds = started.elapsed().as_secs_f64();
    println!(
        "document graph extraction alone (citations, repeals, version keys), one thread: \
         {graph_seconds:.2} s, {cites} citations and {repeals} repeals found"
    );
    drop(documents);

    let dir = tempfile::tempdir().expect("temp dir");
    let options = IndexOptions {
        full: true,
        ..IndexOptions::default()
    };
    let report = update_index(&corpus, dir.path(), &options, |_| {}).expect("index builds");
    let seconds = report.elapsed.as_secs_f64();
    let rate = report.megabytes_per_second();
    let size = dir_size(dir.path()) as f64 / 1e6;
    println!(
        "policy-search index: {seconds:.2} s, {rate:.1} MB/s, {:.0} documents/s, {:.0}% of jieba alone",
        report.documents as f64 / seconds,
        100.0 * rate / jieba_rate
    );
    println!(
        "document graph's share of that indexing time: {:.1}% (its one-thread time over {threads} threads)",
        100.0 * graph_seconds / threads as f64 / seconds
    );
    println!(
        "index size: {size:.1} MB ({:.2} × text, stored text included)",
        size / megabytes
    );
    println!("peak RSS: {:.0} MB", common::peak_rss_mb());
    let rerun = update_index(&corpus, dir.path(), &IndexOptions::default(), |_| {}).expect("rerun");
    assert!(rerun.nothing_changed);
    println!(
        "no-change rerun: {:.3} s ({} documents up to date)",
        rerun.elapsed.as_secs_f64(),
        rerun.documents
    );

    let documents = read_documents(&corpus);
    cut_views(&documents);
    for (what, views) in [
        (
            "all three views",
            &[View::Words, View::Grams, View::Chars][..],
        ),
        ("the bigram view alone", &[View::Grams][..]),
        ("no view (stored text and ids only)", &[][..]),
    ] {
        let floor = tantivy_floor(&documents, views);
        println!(
            "Tantivy alone, {what}, tokens cut beforehand (no analysis): {floor:.2} s, \
             {:.1} MB/s, {:.0}% of jieba alone",
            megabytes / floor,
            100.0 * megabytes / floor / jieba_rate
        );
    }
}

fn read_documents(corpus: &[PathBuf]) -> Vec<Document> {
    let mut documents = Vec::new();
    read_corpus(corpus, &Limits::default(), |item| {
        if let Item::Document(document) = item {
            documents.push(document);
        }
    })
    .expect("corpus readable");
    documents
}

/// Every document's views, cut before the timed part of [`tantivy_floor`].
static CUT: OnceLock<Vec<(AnalyzedText, AnalyzedText)>> = OnceLock::new();

/// A tokenizer that hands Tantivy the tokens cut beforehand: the "text" it is given is `t` or
/// `b` (title or body) and the document's number in [`CUT`].
#[derive(Clone)]
struct Replay {
    view: View,
    /// Whether this view is part of the measured index; the others get no tokens.
    indexed: bool,
}

struct ReplayStream {
    tokens: &'static [Token],
    next: usize,
}

impl Tokenizer for Replay {
    type TokenStream<'a> = ReplayStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ReplayStream {
        let cut = CUT.get().expect("views cut before indexing");
        let number: usize = text[1..].parse().expect("document number");
        let (title, body) = &cut[number];
        let text = if text.starts_with('t') { title } else { body };
        let tokens = match self.view {
            _ if !self.indexed => &[][..],
            View::Words => &text.words[..],
            View::Grams => &text.grams[..],
            View::Chars => &text.chars[..],
        };
        ReplayStream { tokens, next: 0 }
    }
}

impl TokenStream for ReplayStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        unreachable!("Tantivy's indexer only reads tokens")
    }
}

/// Cut every document's views (untimed) and print how many tokens each view has.
fn cut_views(documents: &[Document]) {
    let cut = CUT.get_or_init(|| {
        documents
            .par_iter()
            .map(|document| (analyze(&document.title), analyze(&document.body)))
            .collect()
    });
    let count = |view: fn(&AnalyzedText) -> usize| -> usize {
        cut.iter()
            .map(|(title, body)| view(title) + view(body))
            .sum()
    };
    println!(
        "tokens: {} unit bigrams (with positions), {} jieba words (with frequencies), {} \
         distinct units (documents only)",
        count(|text| text.grams.len()),
        count(|text| text.words.len()),
        count(|text| text.chars.len()),
    );
}

/// Seconds Tantivy takes to index `documents` with the tokens of `views` cut beforehand (see
/// [`cut_views`]): the same schema, writer threads and heap, the same stored text and the same
/// terms, with no analysis in the timed part. No analysis, however fast, makes indexing those
/// views faster than this.
fn tantivy_floor(documents: &[Document], views: &[View]) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let (schema, fields) = build_schema();
    let index = Index::builder()
        .schema(schema)
        .settings(index_settings())
        .create_in_dir(dir.path())
        .expect("index created");
    let manager = index.tokenizers();
    for (name, view) in [
        (WORDS_TOKENIZER, View::Words),
        (GRAMS_TOKENIZER, View::Grams),
        (CHARS_TOKENIZER, View::Chars),
    ] {
        let indexed = views.contains(&view);
        manager.register(name, Replay { view, indexed });
    }
    let threads = rayon::current_num_threads();
    let started = Instant::now();
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)
        .expect("writer");
    for (number, document) in documents.iter().enumerate() {
        let mut out = TantivyDocument::default();
        out.add_text(fields.id, &document.id);
        out.add_text(fields.title, &document.title);
        out.add_text(fields.body, &document.body);
        let (title, body) = (format!("t{number}"), format!("b{number}"));
        for field in [fields.title_words, fields.title_grams, fields.title_chars] {
            out.add_text(field, &title);
        }
        for field in [fields.body_words, fields.body_grams, fields.body_chars] {
            out.add_text(field, &body);
        }
        writer.add_document(out).expect("document added");
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merges");
    started.elapsed().as_secs_f64()
}
