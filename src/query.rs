//! The query language, parsed into a tree. One parser serves the CLI and the HTTP API.
//!
//! ```text
//! 太湖 科创              both terms (AND; `AND` may be written)
//! 太湖 OR 长江  太湖 | 长江  either
//! -草案  NOT 草案          without
//! "湖科"  “湖科”           exact phrase (no expansion)
//! (太湖 OR 长江) 保护       grouping
//! title:营商环境  body:…   a term in one part of the document
//! type:条例 region:上海 category:行政法规 agency:国务院 doc_number:国发〔2021〕7号
//! date:2021  date:2020-01..2021-06  date:>=2019  date:<2020-06-01
//! 数据 /s 安全            both in the same sentence (split at 。！？；)
//! 数据 /p 安全            both in the same paragraph
//! ```
//!
//! Precedence, tightest first: `NOT`/`-`, `/s` `/p`, AND, OR. Errors name the 1-based
//! character position and what is wrong; nothing is silently reinterpreted.

use crate::document::{FieldKind, GraphFilter, MetaField};
use crate::error::{Error, Result};

/// Characters a query may have at most.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Terms a query may have at most (each costs a few posting-list lookups).
pub const MAX_TERMS: usize = 64;
/// Parentheses may nest this deep at most.
pub const MAX_DEPTH: usize = 16;

/// Which part of a document a term must occur in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Title or body.
    Any,
    /// The title only.
    Title,
    /// The body only.
    Body,
}

/// A range of days, `from` inclusive, `to` exclusive; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First day in the range.
    pub from: Option<time::Date>,
    /// First day after the range.
    pub to: Option<time::Date>,
}

/// Which text unit `/s` and `/p` look within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proximity {
    /// The same sentence (ends at 。！？； or a line break).
    Sentence,
    /// The same paragraph (ends at a line break).
    Paragraph,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A word or phrase.
    Term {
        /// The text as typed, without quotes.
        text: String,
        /// Quoted: exact phrase, no word matching, no expansion.
        quoted: bool,
        /// Where it must occur.
        scope: Scope,
    },
    /// A metadata filter, `field:value`.
    Meta {
        /// The field.
        field: MetaField,
        /// The value as typed.
        value: String,
    },
    /// A date filter.
    Date(DateRange),
    /// A filter on the document graph, `status:现行有效`, `cites:ID`, `cited_by:ID`.
    Graph {
        /// The filter.
        filter: GraphFilter,
        /// The value as typed.
        value: String,
    },
    /// All must match.
    And(Vec<Node>),
    /// Any must match.
    Or(Vec<Node>),
    /// Must not match.
    Not(Box<Node>),
    /// Two terms within one sentence or paragraph.
    Near {
        /// Left term.
        left: Box<Node>,
        /// Right term.
        right: Box<Node>,
        /// Sentence or paragraph.
        within: Proximity,
    },
}

impl Node {
    /// Whether the node selects documents by itself (is not only an exclusion).
    fn is_positive(&self) -> bool {
        match self {
            Node::Term { .. }
            | Node::Meta { .. }
            | Node::Date(_)
            | Node::Graph { .. }
            | Node::Near { .. } => true,
            Node::Not(_) => false,
            Node::And(children) => children.iter().any(Node::is_positive),
            Node::Or(children) => children.iter().all(Node::is_positive),
        }
    }

    /// Every term of the query that is not under a NOT, in order.
    pub fn positive_terms(&self) -> Vec<(&str, bool)> {
        let mut terms = Vec::new();
        self.collect_terms(&mut terms);
        terms
    }

    fn collect_terms<'a>(&'a self, out: &mut Vec<(&'a str, bool)>) {
        match self {
            Node::Term { text, quoted, .. } => out.push((text, *quoted)),
            Node::And(children) | Node::Or(children) => {
                children.iter().for_each(|c| c.collect_terms(out))
            }
            Node::Near { left, right, .. } => {
                left.collect_terms(out);
                right.collect_terms(out);
            }
            Node::Not(_) | Node::Meta { .. } | Node::Date(_) | Node::Graph { .. } => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Or,
    And,
    Not,
    /// `+` before a term: every term is required (see [`requires_every_term`]).
    Required,
    Near(Proximity),
    /// A term, possibly with a `field:` prefix, possibly negated by a leading `-`.
    Word {
        text: String,
        quoted: bool,
        field: Option<String>,
        negated: bool,
    },
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

fn invalid(message: String) -> Error {
    Error::InvalidQuery { message }
}

fn is_boundary(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || c == '|' || closing_quote(c).is_some()
}

/// Split the query into tokens, each with its 1-based character position.
fn lex(text: &str) -> Result<Vec<(Token, usize)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                tokens.push((Token::Open, position));
                i += 1;
                continue;
            }
            ')' => {
                tokens.push((Token::Close, position));
                i += 1;
                continue;
            }
            '|' => {
                tokens.push((Token::Or, position));
                i += 1;
                continue;
            }
            _ => {}
        }
        // A term: optional `-` (or `+`), optional `field:`, then a quoted phrase or a bare
        // word. `+` marks a term every hit must have, which keeps the whole query strict.
        if c == '+' && i + 1 < chars.len() && !is_boundary(chars[i + 1]) && chars[i + 1] != '-' {
            tokens.push((Token::Required, position));
            i += 1;
            continue;
        }
        let mut negated = false;
        if c == '-' && i + 1 < chars.len() {
            let next = chars[i + 1];
            if next == '(' {
                tokens.push((Token::Not, position));
                i += 1;
                continue;
            }
            if !next.is_whitespace() && next != ')' && next != '|' {
                negated = true;
                i += 1;
            }
        }
        let mut field = None;
        let word_start = i;
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_alphabetic() || chars[j] == '_') {
            j += 1;
        }
        if j > word_start && j < chars.len() && chars[j] == ':' {
            field = Some(chars[word_start..j].iter().collect::<String>());
            i = j + 1;
        }
        if i < chars.len() {
            if let Some(close) = closing_quote(chars[i]) {
                let open_position = i + 1;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == close)
                    .map(|offset| i + 1 + offset);
                let Some(end) = end else {
                    return Err(invalid(format!(
                        "unterminated quote at {open_position}: close the phrase with {close}"
                    )));
                };
                let phrase: String = chars[i + 1..end].iter().collect();
                if phrase.trim().is_empty() {
                    return Err(invalid(format!(
                        "empty phrase at {open_position}: put words between the quotes"
                    )));
                }
                tokens.push((
                    Token::Word {
                        text: phrase,
                        quoted: true,
                        field,
                        negated,
                    },
                    position,
                ));
                i = end + 1;
                continue;
            }
        }
        let start = i;
        while i < chars.len() && !is_boundary(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if word.is_empty() {
            let after = field
                .as_deref()
                .map_or("-".to_string(), |f| format!("{f}:"));
            return Err(invalid(format!(
                "`{after}` at {position} needs a value after it"
            )));
        }
        let token = match (word.as_str(), &field, negated) {
            ("OR", None, false) => Token::Or,
            ("AND", None, false) => Token::And,
            ("NOT", None, false) => Token::Not,
            ("/s", None, false) => Token::Near(Proximity::Sentence),
            ("/p", None, false) => Token::Near(Proximity::Paragraph),
            _ => Token::Word {
                text: word,
                quoted: false,
                field,
                negated,
            },
        };
        tokens.push((token, position));
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    depth: usize,
    terms: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(token, _)| token)
    }

    fn position(&self) -> usize {
        self.tokens
            .get(self.next)
            .map_or(self.end, |(_, position)| *position)
    }

    fn or(&mut self) -> Result<Node> {
        let mut branches = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            let position = self.position();
            self.next += 1;
            if matches!(self.peek(), None | Some(Token::Close) | Some(Token::Or)) {
                return Err(invalid(format!(
                    "OR at {position} needs a term on both sides"
                )));
            }
            branches.push(self.and()?);
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Node::Or(branches)
        })
    }

    fn and(&mut self) -> Result<Node> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) | Some(Token::Or) => break,
                Some(Token::And) => {
                    let position = self.position();
                    self.next += 1;
                    if items.is_empty()
                        || matches!(self.peek(), None | Some(Token::Close) | Some(Token::Or))
                    {
                        return Err(invalid(format!(
                            "AND at {position} needs a term on both sides"
                        )));
                    }
                }
                Some(_) => items.push(self.unary()?),
            }
        }
        match items.len() {
            0 => Err(invalid(format!("expected a term at {}", self.position()))),
            1 => Ok(items.remove(0)),
            _ => Ok(Node::And(items)),
        }
    }

    fn unary(&mut self) -> Result<Node> {
        if self.peek() == Some(&Token::Not) {
            let position = self.position();
            self.next += 1;
            if matches!(
                self.peek(),
                None | Some(Token::Close) | Some(Token::Or) | Some(Token::And)
            ) {
                return Err(invalid(format!("NOT at {position} needs a term after it")));
            }
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        // `-x /s y` excludes the whole `x /s y`, as `NOT x /s y` does.
        if let Some((Token::Word { negated, .. }, _)) = self.tokens.get_mut(self.next) {
            if *negated {
                *negated = false;
                return Ok(Node::Not(Box::new(self.near()?)));
            }
        }
        self.near()
    }

    fn near(&mut self) -> Result<Node> {
        let mut left = self.primary()?;
        while let Some(Token::Near(within)) = self.peek().cloned() {
            let position = self.position();
            self.next += 1;
            let operator = if within == Proximity::Sentence {
                "/s"
            } else {
                "/p"
            };
            let right = match self.peek() {
                Some(Token::Word {
                    negated: false,
                    field: None,
                    ..
                }) => self.primary()?,
                _ => {
                    return Err(invalid(format!(
                        "{operator} at {position} needs a word or phrase on both sides"
                    )))
                }
            };
            if !matches!(left, Node::Term { .. } | Node::Near { .. }) {
                return Err(invalid(format!(
                    "{operator} at {position} needs a word or phrase on both sides"
                )));
            }
            left = Node::Near {
                left: Box::new(left),
                right: Box::new(right),
                within,
            };
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Node> {
        let position = self.position();
        let Some((token, _)) = self.tokens.get(self.next).cloned() else {
            return Err(invalid(format!("expected a term at {position}")));
        };
        self.next += 1;
        match token {
            Token::Open => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(invalid(format!(
                        "parentheses nest deeper than {MAX_DEPTH} at {position}"
                    )));
                }
                if self.peek() == Some(&Token::Close) {
                    return Err(invalid(format!("empty parentheses at {position}")));
                }
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(invalid(format!(
                        "unbalanced parenthesis at {position}: no ) closes it"
                    )));
                }
                self.next += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Token::Close => Err(invalid(format!(
                "unbalanced parenthesis at {position}: no ( to close"
            ))),
            Token::Or | Token::And | Token::Near(_) | Token::Not | Token::Required => Err(invalid(
                format!("expected a term at {position}, found an operator"),
            )),
            Token::Word {
                text,
                quoted,
                field,
                negated,
            } => {
                self.terms += 1;
                if self.terms > MAX_TERMS {
                    return Err(invalid(format!(
                        "more than {MAX_TERMS} terms at {position}: shorten the query"
                    )));
                }
                let node = word_node(text, quoted, field.as_deref(), position)?;
                Ok(if negated {
                    Node::Not(Box::new(node))
                } else {
                    node
                })
            }
        }
    }
}

fn word_node(text: String, quoted: bool, field: Option<&str>, position: usize) -> Result<Node> {
    let meta = |field| {
        Ok(Node::Meta {
            field,
            value: text.clone(),
        })
    };
    match field {
        None => Ok(Node::Term {
            text,
            quoted,
            scope: Scope::Any,
        }),
        Some("title") => Ok(Node::Term {
            text,
            quoted,
            scope: Scope::Title,
        }),
        Some("body") => Ok(Node::Term {
            text,
            quoted,
            scope: Scope::Body,
        }),
        Some("date") => parse_date_range(&text)
            .map(Node::Date)
            .map_err(|reason| invalid(format!("date at {position}: {reason}"))),
        // `year:2021`, `year:2019..2021`, `year:>=2019`: `date:` written with years only.
        Some("year")
            if !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || ".<>=".contains(c)) =>
        {
            parse_date_range(&text)
                .map(Node::Date)
                .map_err(|reason| invalid(format!("year at {position}: {reason}")))
        }
        Some("year") => Err(invalid(format!(
            "year at {position}: `{text}` is not a year: write 2021, 2019..2021 or >=2019"
        ))),
        Some(name) if GraphFilter::named(name).is_some() => {
            let filter = GraphFilter::named(name).unwrap_or(GraphFilter::Status);
            filter
                .check(&text)
                .map_err(|reason| invalid(format!("{name} at {position}: {reason}")))?;
            Ok(Node::Graph {
                filter,
                value: text,
            })
        }
        Some(name) => match MetaField::named(name) {
            Some(field) if field.spec().kind == FieldKind::Keyword => meta(field),
            _ => {
                let keywords: Vec<&str> = MetaField::ALL
                    .iter()
                    .filter(|spec| spec.kind == FieldKind::Keyword)
                    .map(|spec| spec.name)
                    .collect();
                Err(invalid(format!(
                    "unknown field `{name}` at {position}: use title, body, {}, date or year",
                    keywords.join(", ")
                )))
            }
        },
    }
}

/// Whether the query asks for every term in every hit: it writes `AND` or marks a term with
/// `+` (`+电子政务 一网通办`). Otherwise a search whose terms are found together in few
/// documents lists the documents that lack one of them after those that have them all.
pub fn requires_every_term(text: &str) -> bool {
    lex(text).map_or(true, |tokens| {
        tokens
            .iter()
            .any(|(token, _)| matches!(token, Token::And | Token::Required))
    })
}

/// Parse `2021`, `2021-06`, `2021-06-08`, `A..B`, `>=A`, `>A`, `<=A`, `<A`.
pub fn parse_date_range(text: &str) -> std::result::Result<DateRange, String> {
    let bound = |part: &str| parse_partial_date(part.trim());
    if let Some((from, to)) = text.split_once("..") {
        let from = if from.is_empty() {
            None
        } else {
            Some(bound(from)?.0)
        };
        let to = if to.is_empty() {
            None
        } else {
            Some(bound(to)?.1)
        };
        if from.is_none() && to.is_none() {
            return Err(format!(
                "`{text}` has no date on either side: write 2020.., ..2021 or 2020..2021"
            ));
        }
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                return Err(format!(
                    "`{text}` is an empty range: put the earlier date first"
                ));
            }
        }
        return Ok(DateRange { from, to });
    }
    for (operator, make) in [
        (
            ">=",
            (|(from, _)| DateRange {
                from: Some(from),
                to: None,
            }) as fn((time::Date, time::Date)) -> DateRange,
        ),
        ("<=", |(_, to)| DateRange {
            from: None,
            to: Some(to),
        }),
        (">", |(_, to)| DateRange {
            from: Some(to),
            to: None,
        }),
        ("<", |(from, _)| DateRange {
            from: None,
            to: Some(from),
        }),
    ] {
        if let Some(rest) = text.strip_prefix(operator) {
            return Ok(make(bound(rest)?));
        }
    }
    let (from, to) = bound(text)?;
    Ok(DateRange {
        from: Some(from),
        to: Some(to),
    })
}

/// A year, month or day as the half-open range of days it covers.
fn parse_partial_date(text: &str) -> std::result::Result<(time::Date, time::Date), String> {
    let invalid = || format!("`{text}` is not a date: use 2021, 2021-06 or 2021-06-08");
    let parts: Vec<&str> = text.split('-').collect();
    let number = |part: &str, len: usize| -> std::result::Result<u32, String> {
        if part.len() == len && part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| invalid())
        } else {
            Err(invalid())
        }
    };
    let date = |y: u32, m: u32, d: u32| {
        let month = time::Month::try_from(m as u8).map_err(|_| invalid())?;
        time::Date::from_calendar_date(y as i32, month, d as u8).map_err(|_| invalid())
    };
    match parts.as_slice() {
        [year] => {
            let y = number(year, 4)?;
            Ok((date(y, 1, 1)?, date(y + 1, 1, 1)?))
        }
        [year, month] => {
            let (y, m) = (number(year, 4)?, number(month, 2)?);
            let next = if m == 12 {
                date(y + 1, 1, 1)?
            } else {
                date(y, m + 1, 1)?
            };
            Ok((date(y, m, 1)?, next))
        }
        [year, month, day] => {
            let day = date(number(year, 4)?, number(month, 2)?, number(day, 2)?)?;
            Ok((day, day.next_day().ok_or_else(invalid)?))
        }
        _ => Err(invalid()),
    }
}

/// Parse `text` into a query tree.
pub fn parse(text: &str) -> Result<Node> {
    let length = text.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "query has {length} characters; at most {MAX_QUERY_CHARS} are allowed"
        )));
    }
    let mut tokens = lex(text)?;
    tokens.retain(|(token, _)| *token != Token::Required);
    if tokens.is_empty() {
        return Err(invalid("empty query: type at least one word".to_string()));
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
        terms: 0,
        end: length + 1,
    };
    let node = parser.or()?;
    if let Some((_, position)) = parser.tokens.get(parser.next) {
        return Err(invalid(format!(
            "unbalanced parenthesis at {position}: no ( to close"
        )));
    }
    if !node.is_positive() {
        return Err(invalid(
            "the query only excludes documents: add a word to search for, e.g. `太湖 -草案`"
                .to_string(),
        ));
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str) -> Node {
        Node::Term {
            text: text.to_string(),
            quoted: false,
            scope: Scope::Any,
        }
    }

    fn phrase(text: &str) -> Node {
        Node::Term {
            text: text.to_string(),
            quoted: true,
            scope: Scope::Any,
        }
    }

    fn message(query: &str) -> String {
        parse(query).unwrap_err().to_string()
    }

    #[test]
    fn and_or_not_and_grouping() {
        assert_eq!(
            parse("太湖 科创").unwrap(),
            Node::And(vec![term("太湖"), term("科创")])
        );
        assert_eq!(
            parse("太湖 AND 科创").unwrap(),
            Node::And(vec![term("太湖"), term("科创")])
        );
        assert_eq!(
            parse("太湖 OR 长江 | 黄河").unwrap(),
            Node::Or(vec![term("太湖"), term("长江"), term("黄河")])
        );
        assert_eq!(
            parse("(太湖 OR 长江) -草案").unwrap(),
            Node::And(vec![
                Node::Or(vec![term("太湖"), term("长江")]),
                Node::Not(Box::new(term("草案")))
            ])
        );
        assert_eq!(
            parse("太湖 NOT 草案").unwrap(),
            Node::And(vec![term("太湖"), Node::Not(Box::new(term("草案")))])
        );
    }

    #[test]
    fn phrases_fields_and_dates() {
        assert_eq!(parse(r#"“湖科”"#).unwrap(), phrase("湖科"));
        assert_eq!(
            parse(r#"title:"营商 环境""#).unwrap(),
            Node::Term {
                text: "营商 环境".to_string(),
                quoted: true,
                scope: Scope::Title
            }
        );
        assert_eq!(
            parse("type:条例").unwrap(),
            Node::Meta {
                field: MetaField::Type,
                value: "条例".to_string()
            }
        );
        let Node::Date(range) = parse("date:2020-01..2021-06").unwrap() else {
            panic!()
        };
        assert_eq!(range.from, Some(time::macros::date!(2020 - 01 - 01)));
        assert_eq!(range.to, Some(time::macros::date!(2021 - 07 - 01)));
        let Node::Date(range) = parse("date:>=2019").unwrap() else {
            panic!()
        };
        assert_eq!(
            (range.from, range.to),
            (Some(time::macros::date!(2019 - 01 - 01)), None)
        );
        let Node::Date(range) = parse("date:2021").unwrap() else {
            panic!()
        };
        assert_eq!(range.to, Some(time::macros::date!(2022 - 01 - 01)));
    }

    #[test]
    fn proximity_binds_tighter_than_and() {
        assert_eq!(
            parse("数据 /s 安全 保护").unwrap(),
            Node::And(vec![
                Node::Near {
                    left: Box::new(term("数据")),
                    right: Box::new(term("安全")),
                    within: Proximity::Sentence
                },
                term("保护"),
            ])
        );
    }

    #[test]
    fn not_and_minus_both_exclude_a_whole_proximity_group() {
        let expected = Node::And(vec![
            term("太湖"),
            Node::Not(Box::new(Node::Near {
                left: Box::new(term("流域")),
                right: Box::new(term("管理")),
                within: Proximity::Sentence,
            })),
        ]);
        assert_eq!(parse("太湖 -流域 /s 管理").unwrap(), expected);
        assert_eq!(parse("太湖 NOT 流域 /s 管理").unwrap(), expected);
        assert_eq!(
            parse("太湖 -流域").unwrap(),
            Node::And(vec![term("太湖"), Node::Not(Box::new(term("流域")))])
        );
    }

    #[test]
    fn hyphen_inside_a_word_is_not_negation() {
        assert_eq!(parse("COVID-19").unwrap(), term("COVID-19"));
        // A lone hyphen is punctuation to search for, not an operator.
        assert_eq!(parse("-").unwrap(), term("-"));
        assert_eq!(
            parse("太湖 -(草案 OR 征求意见稿)").unwrap(),
            Node::And(vec![
                term("太湖"),
                Node::Not(Box::new(Node::Or(vec![term("草案"), term("征求意见稿")])))
            ])
        );
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(
            message("(太湖 OR 长江"),
            "invalid query: unbalanced parenthesis at 1: no ) closes it"
        );
        assert_eq!(
            message("太湖 科创)"),
            "invalid query: unbalanced parenthesis at 6: no ( to close"
        );
        assert_eq!(
            message(r#"太湖 "科创"#),
            "invalid query: unterminated quote at 4: close the phrase with \""
        );
        assert_eq!(
            message("太湖 OR"),
            "invalid query: OR at 4 needs a term on both sides"
        );
        assert!(message("foo:bar").contains("unknown field `foo` at 1"));
        assert!(message("year:去年").contains("year at 1: `去年` is not a year"));
        assert_eq!(
            format!("{:?}", parse("year:2019..2021").ok()),
            format!("{:?}", parse("date:2019..2021").ok())
        );
        assert!(message("date:2021-13").contains("date at 1"));
        assert!(message("太湖 /s").contains("/s at 4"));
    }

    #[test]
    fn negation_only_is_an_error() {
        assert!(message("-草案").contains("only excludes"));
        assert!(message("NOT 草案 -征求意见稿").contains("only excludes"));
        assert!(message("太湖 OR -草案").contains("only excludes"));
        assert!(parse("太湖 -草案").is_ok());
    }

    #[test]
    fn limits_are_enforced() {
        let deep = format!("{}太湖{}", "(".repeat(20), ")".repeat(20));
        assert!(message(&deep).contains("nest deeper"));
        let many = vec!["太湖"; 100].join(" ");
        assert!(message(&many).contains("more than 64 terms"));
        assert!(message(&"太".repeat(1001)).contains("at most 1000"));
    }

    #[test]
    fn empty_queries_are_errors() {
        assert!(parse("   ").is_err());
        assert!(parse(r#""  ""#).is_err());
        assert!(parse("()").is_err());
    }
}
