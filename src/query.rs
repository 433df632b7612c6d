//! The query language: what a user types, parsed into terms.
//!
//! This is the minimum language: whitespace-separated terms that must all match; a term in
//! double quotes (`"环太湖科创"`, also `“环太湖科创”`) is an exact phrase, any other term matches
//! as a substring or through its jieba words. Errors carry the 1-based character position.

use crate::error::{Error, Result};

/// Characters a query may have at most.
pub const MAX_QUERY_CHARS: usize = 1000;

/// A parsed query: all terms must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The terms, in the order typed.
    pub terms: Vec<QueryTerm>,
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// The term as typed, without quotes.
    pub text: String,
    /// Whether it was quoted: an exact phrase, no word-level matching.
    pub quoted: bool,
}

/// The quote that closes a phrase opened by `open`, if `open` opens one.
fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '“' => Some('”'),
        '＂' => Some('＂'),
        _ => None,
    }
}

/// Parse `text` into a [`Query`].
pub fn parse(text: &str) -> Result<Query> {
    let invalid = |message: String| Error::InvalidQuery { message };
    let length = text.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "query has {length} characters; at most {MAX_QUERY_CHARS} are allowed"
        )));
    }
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().enumerate();
    while let Some((index, c)) = chars.next() {
        if let Some(close) = closing_quote(c) {
            flush(&mut current, &mut terms);
            let mut phrase = String::new();
            let mut closed = false;
            for (_, inner) in chars.by_ref() {
                if inner == close {
                    closed = true;
                    break;
                }
                phrase.push(inner);
            }
            if !closed {
                return Err(invalid(format!(
                    "unterminated quote at {}: close the phrase with {close}",
                    index + 1
                )));
            }
            if phrase.trim().is_empty() {
                return Err(invalid(format!(
                    "empty phrase at {}: put words between the quotes",
                    index + 1
                )));
            }
            terms.push(QueryTerm {
                text: phrase,
                quoted: true,
            });
        } else if c.is_whitespace() {
            flush(&mut current, &mut terms);
        } else {
            current.push(c);
        }
    }
    flush(&mut current, &mut terms);
    if terms.is_empty() {
        return Err(invalid("empty query: type at least one word".to_string()));
    }
    Ok(Query { terms })
}

fn flush(current: &mut String, terms: &mut Vec<QueryTerm>) {
    if !current.is_empty() {
        terms.push(QueryTerm {
            text: std::mem::take(current),
            quoted: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, quoted: bool) -> QueryTerm {
        QueryTerm {
            text: text.to_string(),
            quoted,
        }
    }

    #[test]
    fn terms_and_phrases() {
        let query = parse(r#"太湖  "湖科 创" “长三角”"#).unwrap();
        assert_eq!(
            query.terms,
            [
                term("太湖", false),
                term("湖科 创", true),
                term("长三角", true)
            ]
        );
    }

    #[test]
    fn unterminated_quote_names_its_position() {
        let error = parse(r#"太湖 "科创"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid query: unterminated quote at 4: close the phrase with \""
        );
    }

    #[test]
    fn empty_queries_are_errors() {
        assert!(parse("   ").is_err());
        assert!(parse(r#""  ""#).is_err());
    }
}
