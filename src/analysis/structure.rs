//! The structure of a policy text: paragraphs, sentences, and 条 (articles).
//!
//! All ranges are byte ranges of the original text.

use std::ops::Range;

/// Characters that end a sentence (full- and half-width), line ends included.
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';') || ends_line(c)
}

/// Line ends: LF, a lone CR (JSON text from old Mac files), U+2028 and U+2029.
fn ends_line(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// The paragraphs of `text`: runs between line ends.
pub fn paragraphs(text: &str) -> Vec<Range<usize>> {
    split_after(text, ends_line)
}

/// The sentences of `text`: runs ending at 。！？； (or their half-width forms) or a line break.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    split_after(text, ends_sentence)
}

fn split_after(text: &str, is_end: impl Fn(char) -> bool) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (index, c) in text.char_indices() {
        if is_end(c) {
            let end = index + c.len_utf8();
            if text[start..end].trim().chars().count() > usize::from(!ends_line(c)) {
                ranges.push(start..end);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        ranges.push(start..text.len());
    }
    ranges
}

/// One 条 of a law or regulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Its label as written, e.g. `第十二条`.
    pub label: String,
    /// Its text, from the label to the next article or heading.
    pub range: Range<usize>,
}

/// Numerals that may appear in an article label.
fn is_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
    ) || c.is_ascii_digit()
        || ('０'..='９').contains(&c)
}

/// The label of an article starting `line`, such as `第十二条` in `第十二条 为了…`.
fn article_label(line: &str) -> Option<&str> {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '*' || c == '#');
    let rest = line.strip_prefix('第')?;
    let digits = rest
        .char_indices()
        .take_while(|(_, c)| is_numeral(*c))
        .last()?;
    let after = &rest[digits.0 + digits.1.len_utf8()..];
    let after = after.strip_prefix('条')?;
    // `第十二条之一` is an article of its own; `第十二条规定` mid-sentence is not a label.
    let label_len = line.len() - after.len();
    let label_end = if after.starts_with("之") {
        label_len + after.char_indices().nth(2).map_or(after.len(), |(i, _)| i)
    } else {
        label_len
    };
    let next = line[label_end..].chars().next();
    if next.is_some_and(|c| !c.is_whitespace() && c != '：' && c != ':' && c != '　') {
        return None;
    }
    Some(&line[..label_end])
}

/// Is `line` a heading (章, 节, 编) that ends the article before it?
fn is_heading(line: &str) -> bool {
    division_level(line).is_some()
}

/// The level of a 编 (1), 章 (2) or 节 (3) line such as `第三章 劳动就业`.
fn division_level(line: &str) -> Option<u8> {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '#');
    let rest = line.strip_prefix('第')?;
    match rest.chars().find(|c| !is_numeral(*c))? {
        '编' => Some(1),
        '章' => Some(2),
        '节' => Some(3),
        _ => None,
    }
}

/// Characters a heading line may have at most (a longer line starting 第…章 is running text).
const MAX_HEADING_CHARS: usize = 40;

/// The headings of `text`, in order: 编/章/节 lines (`第三章 劳动就业`) and the short outline
/// headings of notices and plans (`二、主要任务`), trimmed. What a document's parts are named
/// says what it treats.
pub fn headings(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || c == '#'))
        .filter(|line| heading_level(line).is_some())
        .collect()
}

/// The level of `line` as a heading, `None` for running text: 1 for a 编, 2 for a 章 or an
/// outline heading (`二、主要任务`), 3 for a 节. A heading is short and has no 。.
pub fn heading_level(line: &str) -> Option<u8> {
    let line = line.trim_matches(|c: char| c.is_whitespace() || c == '#');
    if line.chars().count() > MAX_HEADING_CHARS || line.contains('。') {
        return None;
    }
    division_level(line).or_else(|| is_outline_heading(line).then_some(2))
}

/// `一、总体要求`: Chinese numerals, then 、, then a few words.
fn is_outline_heading(line: &str) -> bool {
    let rest = line.trim_start_matches(is_numeral);
    rest.len() < line.len() && rest.starts_with('、') && rest.chars().count() > 2
}

/// The articles of `text`, in order. Text that is not inside an article (preamble, headings)
/// belongs to none.
pub fn articles(text: &str) -> Vec<Article> {
    let mut articles: Vec<Article> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if let Some(label) = article_label(line) {
            if let Some(last) = articles.last_mut() {
                if last.range.end == usize::MAX {
                    last.range.end = start;
                }
            }
            articles.push(Article {
                label: label.to_string(),
                range: start..usize::MAX,
            });
        } else if is_heading(line) {
            if let Some(last) = articles.last_mut() {
                if last.range.end == usize::MAX {
                    last.range.end = start;
                }
            }
        }
    }
    if let Some(last) = articles.last_mut() {
        if last.range.end == usize::MAX {
            last.range.end = text.len();
        }
    }
    for article in &mut articles {
        let trimmed = text[article.range.clone()].trim_end();
        article.range.end = article.range.start + trimmed.len();
    }
    articles
}

/// A part of a text as a reader moves through it: a heading line, a 条, or the text between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The 条's label (`第十二条`) for an article.
    pub label: Option<String>,
    /// The level of a heading line (see [`heading_level`]).
    pub heading: Option<u8>,
    /// Its byte range; the parts of a text cover it in order, without gaps.
    pub range: Range<usize>,
}

/// `text` cut into its 条 and, outside them, its heading lines and the text between: what a
/// reading view shows section by section and a table of contents jumps through. Headings
/// inside a 条 stay its text.
pub fn parts(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let between = |parts: &mut Vec<Part>, range: Range<usize>| {
        let mut start = range.start;
        let mut offset = range.start;
        for line in text[range].split_inclusive('\n') {
            if let Some(level) = heading_level(line) {
                parts.push(Part {
                    label: None,
                    heading: None,
                    range: start..offset,
                });
                parts.push(Part {
                    label: None,
                    heading: Some(level),
                    range: offset..offset + line.len(),
                });
                start = offset + line.len();
            }
            offset += line.len();
        }
        parts.push(Part {
            label: None,
            heading: None,
            range: start..offset,
        });
    };
    let mut cursor = 0;
    for article in articles(text) {
        between(&mut parts, cursor..article.range.start);
        cursor = article.range.end;
        parts.push(Part {
            label: Some(article.label),
            heading: None,
            range: article.range,
        });
    }
    between(&mut parts, cursor..text.len());
    parts.retain(|part| !part.range.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGULATION: &str =
        "# 太湖流域管理条例\n\n第一章 总则\n\n第一条 为了加强太湖流域水资源保护。\n\n\
        第二条 本条例所称太湖流域，包括江苏省、浙江省、上海市长江以南地区。\n第二章 水资源保护\n\
        第十二条之一 太湖流域管理机构应当会同有关部门；制订方案。\n依照第十二条规定处理。\n";

    #[test]
    fn articles_end_at_the_next_article_or_heading() {
        let found = articles(REGULATION);
        let labels: Vec<&str> = found.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["第一条", "第二条", "第十二条之一"]);
        assert_eq!(
            &REGULATION[found[0].range.clone()],
            "第一条 为了加强太湖流域水资源保护。"
        );
        assert!(REGULATION[found[1].range.clone()].ends_with("长江以南地区。"));
        assert!(REGULATION[found[2].range.clone()].ends_with("依照第十二条规定处理。"));
    }

    #[test]
    fn parts_cover_the_text_with_headings_and_articles_apart() {
        let found = parts(REGULATION);
        let mut covered = 0;
        for part in &found {
            assert_eq!(part.range.start, covered, "{found:?}");
            covered = part.range.end;
        }
        assert!(REGULATION[covered..].trim().is_empty());
        let outline: Vec<(Option<u8>, Option<&str>, &str)> = found
            .iter()
            .map(|p| {
                (
                    p.heading,
                    p.label.as_deref(),
                    REGULATION[p.range.clone()].trim(),
                )
            })
            .filter(|(_, _, text)| !text.is_empty())
            .map(|(heading, label, text)| (heading, label, text.split('。').next().unwrap_or(text)))
            .collect();
        assert_eq!(
            outline,
            [
                (None, None, "# 太湖流域管理条例"),
                (Some(2), None, "第一章 总则"),
                (None, Some("第一条"), "第一条 为了加强太湖流域水资源保护"),
                (
                    None,
                    Some("第二条"),
                    "第二条 本条例所称太湖流域，包括江苏省、浙江省、上海市长江以南地区"
                ),
                (Some(2), None, "第二章 水资源保护"),
                (
                    None,
                    Some("第十二条之一"),
                    "第十二条之一 太湖流域管理机构应当会同有关部门；制订方案"
                ),
            ]
        );
    }

    #[test]
    fn headings_are_chapter_lines_and_outline_headings() {
        let text = "# 残疾人保障法\n第四章　劳动就业\n第三十条 国家保障残疾人劳动的权利。\n\
                    二、主要任务\n三、各级人民政府应当采取措施，保障残疾人就业。\n第一节 一般规定\n";
        assert_eq!(
            headings(text),
            ["第四章　劳动就业", "二、主要任务", "第一节 一般规定"]
        );
        assert!(headings(REGULATION).contains(&"第二章 水资源保护"));
    }

    #[test]
    fn sentences_split_at_chinese_stops_and_line_breaks() {
        let text = "第一条 为了加强太湖流域管理；保护水资源。第二条\n适用本条例";
        let parts: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            parts,
            [
                "第一条 为了加强太湖流域管理；",
                "保护水资源。",
                "第二条\n",
                "适用本条例"
            ]
        );
        assert_eq!(paragraphs(text).len(), 2);
        // A lone CR and the Unicode separators end lines as LF does.
        for end in ["\r", "\r\n", "\u{2028}", "\u{2029}"] {
            let text = format!("数据安全{end}管理办法{end}第二段");
            assert_eq!(paragraphs(&text).len(), 3, "{end:?}");
            assert_eq!(sentences(&text).len(), 3, "{end:?}");
        }
    }
}
