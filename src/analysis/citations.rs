//! Citations and repeals, read from a text alone: every `《…》` title it names (with the 条 it
//! cites, when given, and the 条 where it is named), every 发文字号 it names, and the titles a
//! sentence says are repealed (`…《X条例》同时废止`).
//!
//! What is found here is a *target*: a key another document may answer to (see
//! [`title_target`] and [`number_target`]), not a document. Which document a target names is
//! decided at search time, against the documents indexed then (`search::graph`), so a link
//! follows its ends through every incremental reindex.

use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::instrument_key;
use super::structure::{articles, sentences};
use crate::ingest::metadata::numbered_documents;

/// What a text says of other documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    /// Each citation, in the order of the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cites: Vec<Citation>,
    /// Each repeal, in the order of the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeals: Vec<Citation>,
}

/// One place where a text names another document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// What it names: a [`title_target`] or a [`number_target`].
    pub target: String,
    /// The name as written: `《行政许可法》`, `国发〔2015〕40号`.
    pub text: String,
    /// The article of the named document cited right after it (`《行政许可法》第十二条`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// The 条 of this text where it is named (none in a preamble or a text without 条).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Links {
    /// Whether the text names nothing.
    pub fn is_empty(&self) -> bool {
        self.cites.is_empty() && self.repeals.is_empty()
    }
}

/// The targets a document with `title` answers to: its [`instrument_key`], so that a citation
/// names every version of an instrument, with or without `中华人民共和国`; a provisional text
/// (`（试行）`, `（草案）`) answers also to its key with the mark, which is what a citation of
/// that text names (`《民事诉讼法（试行）》` is the 1982 text, not the 2021 one).
pub fn title_targets(title: &str) -> Vec<String> {
    let mut targets = vec![format!("t:{}", instrument_key(title))];
    targets.extend(title_target(title).filter(|marked| marked.contains('#')));
    targets
}

/// The target a citation of `title` names: its [`instrument_key`], with the provisional mark
/// when it has one (see [`title_targets`]); none for a title of one character.
pub fn title_target(title: &str) -> Option<String> {
    let key = instrument_key(title);
    if key.chars().count() < 2 {
        return None;
    }
    Some(match provisional_mark(title) {
        Some(mark) => format!("t:{key}#{mark}"),
        None => format!("t:{key}"),
    })
}

/// Marks in a title's brackets that make it a text of its own: a 试行 or 草案 text is replaced,
/// not amended, by the final one.
const PROVISIONAL_MARKS: &[&str] = &["试行", "草案"];

/// The provisional mark in `title`'s brackets, if any.
fn provisional_mark(title: &str) -> Option<&'static str> {
    let open = title.find(['（', '('])?;
    let inside = &title[open..];
    PROVISIONAL_MARKS
        .iter()
        .copied()
        .find(|mark| inside.contains(mark))
}

/// The target a document with the (normalised) 发文字号 `number` answers to.
pub fn number_target(number: &str) -> String {
    format!("n:{number}")
}

/// Title marks: a citation is the text between an outermost pair.
const OPEN: char = '《';
const CLOSE: char = '》';

/// Longest title taken for a citation, in characters (longer is a stray mark).
const MAX_TITLE_CHARS: usize = 100;

/// A `《…》` in a text: the byte range of the whole, marks included.
fn titles(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match c {
            OPEN => {
                if depth == 0 {
                    start = at;
                }
                depth += 1;
            }
            CLOSE if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    found.push(start..at + c.len_utf8());
                }
            }
            // A title never runs over a line: an unclosed mark is dropped.
            '\n' | '\r' => depth = 0,
            _ => {}
        }
    }
    found.retain(|range| {
        let inner = text[range.clone()].chars().count() - 2;
        (2..=MAX_TITLE_CHARS).contains(&inner)
    });
    found
}

/// The title inside the marks of `text[range]`.
fn inner<'t>(text: &'t str, range: &Range<usize>) -> &'t str {
    &text[range.start + OPEN.len_utf8()..range.end - CLOSE.len_utf8()]
}

/// Numerals of an article number.
fn is_numeral(c: char) -> bool {
    "零〇一二三四五六七八九十百千".contains(c) || c.is_ascii_digit()
}

/// The article label `text` starts with: `第十二条`, `第十二条之一`.
fn article_at(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let rest = text.strip_prefix('第')?;
    let digits = rest.len() - rest.trim_start_matches(is_numeral).len();
    if digits == 0 {
        return None;
    }
    let after = rest[digits..].strip_prefix('条')?;
    let mut end = text.len() - after.len();
    if let Some(more) = after.strip_prefix('之') {
        let numerals = more.len() - more.trim_start_matches(is_numeral).len();
        if numerals > 0 {
            end += '之'.len_utf8() + numerals;
        }
    }
    Some(&text[..end])
}

/// `（以下简称《B》）` right after a citation: the byte range of `《B》`.
fn abbreviation_after(text: &str) -> Option<Range<usize>> {
    let rest = text.strip_prefix(['（', '('])?;
    let rest = rest
        .strip_prefix("以下简称")?
        .trim_start_matches(['：', ':']);
    let offset = text.len() - rest.len();
    let range = titles(rest).into_iter().next().filter(|r| r.start == 0)?;
    Some(offset + range.start..offset + range.end)
}

/// The 条 of `articles` holding byte `at`.
fn article_of(articles: &[(String, Range<usize>)], at: usize) -> Option<String> {
    let index = articles.partition_point(|(_, range)| range.start <= at);
    let (label, range) = articles.get(index.checked_sub(1)?)?;
    range.contains(&at).then(|| label.clone())
}

/// What `body` cites and repeals. A new version naming the title it replaces (`…修正的
/// 《河南省物业管理条例》同时废止`) cites and repeals its own title: search resolves such a name
/// to the other versions.
pub fn links(body: &str) -> Links {
    let articles: Vec<(String, Range<usize>)> = articles(body)
        .into_iter()
        .map(|article| (article.label, article.range))
        .collect();
    let mut aliases: HashMap<String, String> = HashMap::new();
    let mut skip_until = 0;
    let mut named: Vec<(Range<usize>, Citation)> = Vec::new();
    for range in titles(body) {
        if range.start < skip_until {
            continue;
        }
        let Some(own) = title_target(inner(body, &range)) else {
            continue;
        };
        let after = &body[range.end..];
        let target = aliases.get(&own).cloned().unwrap_or(own);
        if let Some(alias) = abbreviation_after(after) {
            if let Some(alias_target) = title_target(inner(after, &alias)) {
                aliases.insert(alias_target, target.clone());
            }
            skip_until = range.end + alias.end;
        }
        let citation = Citation {
            target,
            text: body[range.clone()].to_string(),
            article: article_at(after).map(str::to_string),
            at: article_of(&articles, range.start),
        };
        named.push((range, citation));
    }
    let repeals = repeals(body, &named, &articles);
    let mut numbered = Vec::new();
    for (range, number) in numbered_documents(body) {
        // A number written beside a title (`《…规定》（法释〔2001〕27号）`) is that title's.
        let beside_title = named
            .iter()
            .any(|(title, _)| title.end <= range.start && range.start - title.end <= 6);
        if beside_title {
            continue;
        }
        let citation = Citation {
            target: number_target(&number),
            text: body[range.clone()].to_string(),
            article: None,
            at: article_of(&articles, range.start),
        };
        numbered.push((range, citation));
    }
    named.extend(numbered);
    named.sort_by_key(|(range, _)| range.start);
    Links {
        cites: named.into_iter().map(|(_, citation)| citation).collect(),
        repeals,
    }
}

/// Words that, written between a title and the 废止 after it, mean the sentence does not repeal
/// that title as a whole: a provision repealed (`中关于反补贴的规定`), or the title as the
/// authority for a repeal (`依照《…》的规定予以废止`).
const NOT_A_WHOLE_REPEAL: &[&str] = &[
    "规定", "依照", "根据", "按照", "参照", "适用", "条款", "部分", "内容",
];

/// Words right before `废止` that make it an act of this text (`同时废止`, `予以废止`).
const REPEAL_MARKS: &[&str] = &["同时", "予以", "即行", "宣布", "一并", "决定", "相应"];

/// The titles each sentence of `body` repeals: a sentence with `废止` outside title marks,
/// marked as an act (`同时废止`, `予以废止`, or ending the sentence), repeals the titles before
/// it whose text up to the `废止` holds no word of [`NOT_A_WHOLE_REPEAL`] or article number.
fn repeals(
    body: &str,
    titles: &[(Range<usize>, Citation)],
    articles: &[(String, Range<usize>)],
) -> Vec<Citation> {
    let mut out = Vec::new();
    for sentence in sentences(body) {
        let inside: Vec<&(Range<usize>, Citation)> = titles
            .iter()
            .filter(|(range, _)| sentence.start <= range.start && range.end <= sentence.end)
            .collect();
        if inside.is_empty() {
            continue;
        }
        let text = &body[sentence.clone()];
        let Some(verb) = repeal_verb(text, sentence.start, &inside) else {
            continue;
        };
        for (range, citation) in inside {
            if range.end > verb {
                continue;
            }
            let between = outside_brackets(&body[range.end..verb]);
            if NOT_A_WHOLE_REPEAL.iter().any(|word| between.contains(word))
                || names_an_article(&between)
            {
                continue;
            }
            out.push(Citation {
                target: citation.target.clone(),
                text: citation.text.clone(),
                article: None,
                at: article_of(articles, range.start),
            });
        }
    }
    out
}

/// The byte offset (in the body) of the last `废止` of a sentence that is an act of repeal:
/// outside title marks, and after one of [`REPEAL_MARKS`] or ending the sentence.
fn repeal_verb(text: &str, offset: usize, titles: &[&(Range<usize>, Citation)]) -> Option<usize> {
    const VERB: &str = "废止";
    let mut found = None;
    for (at, _) in text.match_indices(VERB) {
        let absolute = offset + at;
        if titles.iter().any(|(range, _)| range.contains(&absolute)) {
            continue;
        }
        let before = &text[..at];
        let after = text[at + VERB.len()..].trim_start();
        let ends = after.is_empty() || after.starts_with(['。', '；', ';', '\n', '，', ',']);
        if ends || REPEAL_MARKS.iter().any(|mark| before.ends_with(mark)) {
            found = Some(absolute);
        }
    }
    found
}

/// `text` without what is in brackets (a 发文字号 or a date beside a title) or title marks (the
/// next title repealed).
fn outside_brackets(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '（' | '(' | OPEN => depth += 1,
            '）' | ')' | CLOSE => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `text` names an article (`第十条`): a repeal of part of a document.
fn names_an_article(text: &str) -> bool {
    text.match_indices('第')
        .any(|(at, _)| article_at(&text[at..]).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(citations: &[Citation]) -> Vec<&str> {
        citations.iter().map(|c| c.target.as_str()).collect()
    }

    #[test]
    fn a_citation_names_the_instrument_with_the_article_cited_and_the_article_citing() {
        let body = "第一条 为了规范行政许可，根据《中华人民共和国行政许可法》第十二条，制定本办法。\n\
                    第二条 依照《行政许可法》和《北京市实施〈中华人民共和国文物保护法〉办法》执行。";
        let found = links(body);
        assert_eq!(
            targets(&found.cites),
            [
                "t:行政许可法",
                "t:行政许可法",
                "t:北京市实施中华人民共和国文物保护法办法"
            ]
        );
        assert_eq!(found.cites[0].article.as_deref(), Some("第十二条"));
        assert_eq!(found.cites[0].at.as_deref(), Some("第一条"));
        assert_eq!(found.cites[1].article, None);
        assert_eq!(found.cites[2].at.as_deref(), Some("第二条"));
        assert!(found.repeals.is_empty());
    }

    #[test]
    fn an_abbreviation_defined_in_the_text_names_the_full_title() {
        let body =
            "根据《长江三角洲区域一体化发展规划纲要》（以下简称《纲要》），落实《纲要》要求。";
        let found = links(body);
        assert_eq!(
            targets(&found.cites),
            ["t:长江三角洲区域一体化发展规划纲要"; 2]
        );
    }

    #[test]
    fn document_numbers_are_cited_unless_they_belong_to_a_title_beside_them() {
        let body = "按照《国务院关于积极推进“互联网+”行动的指导意见》（国发〔2015〕40号）和\
                    国办发[2016]55号文件要求。";
        let found = links(body);
        assert_eq!(
            targets(&found.cites),
            [
                "t:国务院关于积极推进“互联网+”行动的指导意见",
                "n:国办发〔2016〕55号"
            ]
        );
    }

    #[test]
    fn repeals_in_real_closing_articles() {
        // From the large corpus: 北京市实施《中华人民共和国文物保护法》办法, 中华人民共和国反补贴条例,
        // 机动车登记规定.
        let both = "第五十条 本办法自2004年10月1日起施行。1987年6月23日市第八届人民代表大会常务委员会\
                    第三十七次会议通过、1997年10月16日市第十届人民代表大会常务委员会第四十次会议修改的\
                    《北京市文物保护管理条例》以及1993年5月4日市人民政府批准、1997年12月31日市政府第十二号令\
                    修改的《北京市馆藏文物管理规定》同时废止。";
        let found = links(both);
        assert_eq!(
            targets(&found.repeals),
            ["t:北京市文物保护管理条例", "t:北京市馆藏文物管理规定"]
        );
        assert_eq!(found.repeals[0].at.as_deref(), Some("第五十条"));
        let part = "第五十八条 本条例自2002年1月1日起施行。1997年3月25日国务院发布的\
                    《中华人民共和国反倾销和反补贴条例》中关于反补贴的规定同时废止。";
        assert!(links(part).repeals.is_empty());
        let numbered = "本规定自2022年5月1日起施行。2008年5月27日发布的《机动车登记规定》（公安部令第102号）\
                        和2012年9月12日发布的《公安部关于修改<机动车登记规定>的决定》（公安部令第124号）同时废止。";
        assert_eq!(
            targets(&links(numbered).repeals),
            ["t:机动车登记规定", "t:公安部关于修改机动车登记规定的决定"]
        );
    }

    #[test]
    fn a_provisional_text_is_named_apart_from_the_final_one() {
        assert_eq!(
            title_targets("中华人民共和国民事诉讼法（试行）"),
            ["t:民事诉讼法", "t:民事诉讼法#试行"]
        );
        assert_eq!(title_targets("中华人民共和国民事诉讼法"), ["t:民事诉讼法"]);
        let body =
            "第三百零六条 本法自公布之日起施行，《中华人民共和国民事诉讼法（试行）》同时废止。";
        assert_eq!(targets(&links(body).repeals), ["t:民事诉讼法#试行"]);
    }

    #[test]
    fn a_repeal_named_in_a_title_or_by_authority_is_not_a_repeal() {
        let amended = "2022年3月29日 《国务院关于修改和废止部分行政法规的决定》第四次修订";
        assert!(links(amended).repeals.is_empty());
        let authority = "违反本条例的，依照《中华人民共和国行政许可法》的规定予以废止。";
        assert!(links(authority).repeals.is_empty());
        let article = "《上海市河道管理条例》第十条同时废止。";
        assert!(links(article).repeals.is_empty());
    }
}
