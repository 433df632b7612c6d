//! The three token views every text is indexed as (see [`crate::analysis`]): Tantivy tokenizers
//! over one shared analysis of each text.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::segment::{self, ChunkStart};
use super::{push_gram, Normalized, Unit, Units, UnitsState};

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

impl Span {
    fn of_unit(unit: &Unit<'_>, text: &str) -> Span {
        let start = unit.text.as_ptr() as usize - text.as_ptr() as usize;
        Span {
            bytes: (start as u32, (start + unit.text.len()) as u32),
            chars: (unit.chars.0 as u32, unit.chars.1 as u32),
        }
    }
}

/// The normalisation of one text, computed once and shared by its three views. The views walk
/// it as streams (units one at a time, words a piece at a time), so what a text costs to index
/// beyond its normalisation does not grow with its length.
struct Analysis {
    /// Which text this is the analysis of.
    key: TextKey,
    normalized: Normalized,
    /// Views of the text not yet streamed: once all three have been, the analysis leaves the
    /// cache, so a long body's normalisation is freed as soon as its last view is indexed
    /// (not when two more texts have pushed it out).
    views_left: std::cell::Cell<u8>,
}

/// Identifies a text without keeping a copy of it (a body can be tens of megabytes): its length
/// and a hash keyed at random per thread, so no text can be made to collide with another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextKey {
    len: usize,
    hash: u64,
}

impl TextKey {
    fn of(text: &str) -> TextKey {
        use std::hash::BuildHasher;
        thread_local! {
            static KEYS: std::hash::RandomState = std::hash::RandomState::new();
        }
        TextKey {
            len: text.len(),
            hash: KEYS.with(|keys| keys.hash_one(text)),
        }
    }
}

impl Analysis {
    fn new(original: &str, key: TextKey) -> Analysis {
        Analysis {
            key,
            normalized: Normalized::new(original),
            views_left: std::cell::Cell::new(3),
        }
    }

    fn text(&self, span: Span) -> &str {
        &self.normalized.text[span.bytes.0 as usize..span.bytes.1 as usize]
    }

    fn source_range(&self, first: Span, last: Span) -> Range<usize> {
        self.normalized
            .source_range((first.chars.0 as usize, last.chars.1 as usize))
    }

    /// The unit after `state`, and the state after it.
    fn next_unit(&self, state: &mut UnitsState) -> Option<Span> {
        let text = self.normalized.text.as_str();
        let mut units = Units::resume(text, *state);
        let unit = units.next()?;
        *state = units.state();
        Some(Span::of_unit(&unit, text))
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
        let key = TextKey::of(text);
        let analysis = match recent.iter().position(|analysis| analysis.key == key) {
            Some(found) => recent[found].clone(),
            None => {
                let analysis = std::rc::Rc::new(Analysis::new(text, key));
                recent.insert(0, analysis.clone());
                recent.truncate(CACHED_ANALYSES);
                analysis
            }
        };
        let views_left = analysis.views_left.get().saturating_sub(1);
        analysis.views_left.set(views_left);
        if views_left == 0 {
            recent.retain(|cached| !std::rc::Rc::ptr_eq(cached, &analysis));
        }
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

/// The token stream of a [`ViewTokenizer`]; reuses one token, so it allocates per text (and per
/// piece of a long text), not per token.
pub struct ViewTokenStream {
    analysis: std::rc::Rc<Analysis>,
    cursor: Cursor,
    /// The position of the next token.
    next: usize,
    token: Token,
}

/// How far a stream has walked its text.
enum Cursor {
    /// Distinct units: the units after `units`, less those already seen.
    Chars {
        units: UnitsState,
        seen: rustc_hash::FxHashSet<String>,
    },
    /// Bigrams: the unit that starts the next one, and the units after it.
    Grams {
        first: Option<Span>,
        units: UnitsState,
    },
    /// Words: those of the current piece not yet given, and where the next piece starts.
    Words {
        piece: std::collections::VecDeque<Span>,
        next_piece: Option<ChunkStart>,
    },
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
        let analysis = analysis_of(text);
        let cursor = match self.view {
            View::Chars => Cursor::Chars {
                units: UnitsState::default(),
                seen: rustc_hash::FxHashSet::default(),
            },
            View::Grams => {
                let mut units = UnitsState::default();
                Cursor::Grams {
                    first: analysis.next_unit(&mut units),
                    units,
                }
            }
            View::Words => {
                self.streams.0.fetch_add(1, Ordering::Relaxed);
                Cursor::Words {
                    piece: std::collections::VecDeque::new(),
                    next_piece: Some(ChunkStart::default()),
                }
            }
        };
        ViewTokenStream {
            analysis,
            cursor,
            next: 0,
            token: Token::default(),
        }
    }
}

impl ViewTokenStream {
    /// The spans of the next token (its first and last unit, or one word twice).
    fn next_spans(&mut self) -> Option<(Span, Span)> {
        let analysis = &*self.analysis;
        match &mut self.cursor {
            Cursor::Chars { units, seen } => loop {
                let unit = analysis.next_unit(units)?;
                if !seen.contains(analysis.text(unit)) {
                    seen.insert(analysis.text(unit).to_string());
                    return Some((unit, unit));
                }
            },
            Cursor::Grams { first, units } => {
                let second = analysis.next_unit(units)?;
                let gram = ((*first)?, second);
                *first = Some(second);
                Some(gram)
            }
            Cursor::Words { piece, next_piece } => loop {
                if let Some(word) = piece.pop_front() {
                    return Some((word, word));
                }
                let text = analysis.normalized.text.as_str();
                *next_piece = segment::cut_chunk(
                    text,
                    (*next_piece)?,
                    segment::CHUNK_BYTES,
                    |word, byte, chars| {
                        piece.push_back(Span {
                            bytes: (byte as u32, (byte + word.len()) as u32),
                            chars: (chars.0 as u32, chars.1 as u32),
                        })
                    },
                );
            },
        }
    }
}

impl TokenStream for ViewTokenStream {
    fn advance(&mut self) -> bool {
        let Some((first, last)) = self.next_spans() else {
            return false;
        };
        let analysis = &*self.analysis;
        let token = &mut self.token;
        token.text.clear();
        if matches!(self.cursor, Cursor::Grams { .. }) {
            push_gram(analysis.text(first), analysis.text(last), &mut token.text);
        } else {
            token.text.push_str(analysis.text(first));
        }
        let range = analysis.source_range(first, last);
        token.offset_from = range.start;
        token.offset_to = range.end;
        token.position = self.next;
        token.position_length = 1;
        self.next += 1;
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
