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
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '#');
    let Some(rest) = line.strip_prefix('第') else {
        return false;
    };
    let after: String = rest
        .chars()
        .skip_while(|c| is_numeral(*c))
        .take(1)
        .collect();
    matches!(after.as_str(), "章" | "节" | "编")
}

/// Characters a heading line may have at most (a longer line starting 第…章 is running text).
const MAX_HEADING_CHARS: usize = 40;

/// The headings of `text`, in order: 编/章/节 lines (`第三章 劳动就业`) and the short outline
/// headings of notices and plans (`二、主要任务`), trimmed. What a document's parts are named
/// says what it treats.
pub fn headings(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || c == '#'))
        .filter(|line| line.chars().count() <= MAX_HEADING_CHARS && !line.contains('。'))
        .filter(|line| is_heading(line) || is_outline_heading(line))
        .collect()
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
