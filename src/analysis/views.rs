//! The three token views every text is indexed as (see [`crate::analysis`]): Tantivy tokenizers
//! over one shared analysis of each text.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{push_gram, Normalized};

/// Name under which the word-view tokenizer is registered with Tantivy.
pub const WORDS_TOKENIZER: &str = "policy_words";
/// Name under which the bigram-view tokenizer is registered with Tantivy.
pub const GRAMS_TOKENIZER: &str = "policy_grams";
/// Name under which the unit (char) view tokenizer is registered with Tantivy.
pub const CHARS_TOKENIZER: &str = "policy_chars";

/// A span of the normalised text: byte range and character range.
#[derive(Debug, Clone, Copy)]
struct Span {
    bytes: (u32, u32),
    chars: (u32, u32),
}

/// Everything the index views need from one text, computed once and shared by the views.
struct Analysis {
    original: String,
    normalized: Normalized,
    units: Vec<Span>,
    /// jieba's words, computed on first use (only the word view needs them).
    words: std::cell::OnceCell<Vec<Span>>,
    /// The first occurrence of each distinct unit, in text order, computed on first use (only
    /// the unit view needs them).
    distinct_units: std::cell::OnceCell<Vec<Span>>,
}

impl Analysis {
    fn new(original: &str) -> Analysis {
        let normalized = Normalized::new(original);
        let base = normalized.text.as_ptr() as usize;
        let units = normalized
            .units()
            .iter()
            .map(|unit| {
                let start = unit.text.as_ptr() as usize - base;
                Span {
                    bytes: (start as u32, (start + unit.text.len()) as u32),
                    chars: (unit.chars.0 as u32, unit.chars.1 as u32),
                }
            })
            .collect();
        Analysis {
            original: original.to_string(),
            normalized,
            units,
            words: std::cell::OnceCell::new(),
            distinct_units: std::cell::OnceCell::new(),
        }
    }

    fn distinct_units(&self) -> &[Span] {
        self.distinct_units.get_or_init(|| {
            let mut seen = rustc_hash::FxHashSet::default();
            self.units
                .iter()
                .copied()
                .filter(|&unit| seen.insert(self.text(unit)))
                .collect()
        })
    }

    fn words(&self) -> &[Span] {
        self.words.get_or_init(|| {
            let base = self.normalized.text.as_ptr() as usize;
            self.normalized
                .words()
                .into_iter()
                .map(|(word, chars)| {
                    let start = word.as_ptr() as usize - base;
                    Span {
                        bytes: (start as u32, (start + word.len()) as u32),
                        chars: (chars.0 as u32, chars.1 as u32),
                    }
                })
                .collect()
        })
    }

    fn text(&self, span: Span) -> &str {
        &self.normalized.text[span.bytes.0 as usize..span.bytes.1 as usize]
    }

    fn source_range(&self, first: Span, last: Span) -> Range<usize> {
        self.normalized
            .source_range((first.chars.0 as usize, last.chars.1 as usize))
    }
}

/// Texts whose analysis is kept per thread: a document's title and body.
const CACHED_ANALYSES: usize = 2;

thread_local! {
    /// The last texts analysed on this thread, newest first. Tantivy tokenizes a document's
    /// fields one after the other, so the title's and the body's three views each share one
    /// normalisation.
    static RECENT_ANALYSES: std::cell::RefCell<Vec<std::rc::Rc<Analysis>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn analysis_of(text: &str) -> std::rc::Rc<Analysis> {
    RECENT_ANALYSES.with(|cell| {
        let mut recent = cell.borrow_mut();
        if let Some(found) = recent.iter().find(|analysis| analysis.original == text) {
            return found.clone();
        }
        let analysis = std::rc::Rc::new(Analysis::new(text));
        recent.insert(0, analysis.clone());
        recent.truncate(CACHED_ANALYSES);
        analysis
    })
}

/// Which view a [`ViewTokenizer`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// jieba words, positions counted in words.
    Words,
    /// Bigrams of units, at the position of their first unit.
    Grams,
    /// Each distinct unit once, at its first occurrence. The view only answers which documents
    /// contain a unit (it records no frequencies or positions), so indexing every occurrence
    /// would only cost time.
    Chars,
}

/// The Tantivy tokenizer of one index view. Token offsets index the original text.
#[derive(Debug, Clone)]
pub struct ViewTokenizer {
    view: View,
    /// Counts the streams opened (word view only).
    streams: StreamCounter,
}

impl ViewTokenizer {
    /// A tokenizer producing `view`, counting its streams in `streams`.
    pub fn new(view: View, streams: StreamCounter) -> ViewTokenizer {
        ViewTokenizer { view, streams }
    }
}

/// The token stream of a [`ViewTokenizer`]; reuses one token, so it allocates per text, not
/// per token.
pub struct ViewTokenStream {
    analysis: std::rc::Rc<Analysis>,
    view: View,
    next: usize,
    token: Token,
}

/// Counts the word-view token streams a tokenizer opens: two per indexed document (title and
/// body). The indexer compares it with the documents it has handed over to keep Tantivy's queue
/// short. Clones share one count.
#[derive(Debug, Clone, Default)]
pub struct StreamCounter(Arc<AtomicU64>);

impl StreamCounter {
    /// How many word-view token streams have been opened so far.
    pub fn opened(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Tokenizer for ViewTokenizer {
    type TokenStream<'a> = ViewTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ViewTokenStream {
        if self.view == View::Words {
            self.streams.0.fetch_add(1, Ordering::Relaxed);
        }
        ViewTokenStream {
            analysis: analysis_of(text),
            view: self.view,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for ViewTokenStream {
    fn advance(&mut self) -> bool {
        let analysis = &*self.analysis;
        let position = self.next;
        let (first, last) = match self.view {
            View::Chars => match analysis.distinct_units().get(position) {
                Some(&unit) => (unit, unit),
                None => return false,
            },
            View::Grams => match (
                analysis.units.get(position),
                analysis.units.get(position + 1),
            ) {
                (Some(&first), Some(&second)) => (first, second),
                _ => return false,
            },
            View::Words => match analysis.words().get(position) {
                Some(&word) => (word, word),
                None => return false,
            },
        };
        self.next += 1;
        let token = &mut self.token;
        token.text.clear();
        if self.view == View::Grams {
            push_gram(analysis.text(first), analysis.text(last), &mut token.text);
        } else {
            token.text.push_str(analysis.text(first));
        }
        let range = analysis.source_range(first, last);
        token.offset_from = range.start;
        token.offset_to = range.end;
        token.position = position;
        token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// All three views of one text, as Tantivy's tokenizers produce them (for tests and tools).
pub struct AnalyzedText {
    /// jieba words.
    pub words: Vec<Token>,
    /// Unit bigrams.
    pub grams: Vec<Token>,
    /// Single units.
    pub chars: Vec<Token>,
}

/// Analyse `original` into its three index views.
pub fn analyze(original: &str) -> AnalyzedText {
    let tokens = |view| {
        let mut tokenizer = ViewTokenizer::new(view, StreamCounter::default());
        let mut stream = tokenizer.token_stream(original);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().clone());
        }
        tokens
    };
    AnalyzedText {
        words: tokens(View::Words),
        grams: tokens(View::Grams),
        chars: tokens(View::Chars),
    }
}
