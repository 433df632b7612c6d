//! Short forms a text defines for itself: `网络预约出租汽车（以下简称网约车）`,
//! `科学技术协会（以下简称科协）`, `一体化在线政务服务平台(以下称一体化在线平台)`.
//!
//! Chinese legal texts name their own abbreviations, so an index learns pairs no one typed: a
//! query for the short form also finds texts that only write the full one. Only contractions
//! are kept: the short form's characters appear in the full form in order, but the short form
//! is not part of it (`科协` of `科学技术协会`). A short form inside its full form (`特区` of
//! `汕头经济特区`, `《药品管理法》` of `《中华人民共和国药品管理法》`) already matches every text
//! with the full form, and a generic one (`（以下称实验室）` after `病原微生物实验室`) would make
//! the full form match every text with the word.

use std::sync::OnceLock;

use regex::Regex;

/// Characters a short form may have, and a full form at most.
const SHORT_CHARS: std::ops::RangeInclusive<usize> = 2..=8;
const FULL_CHARS: usize = 30;
/// Characters a full form does not start with (unless its short form does).
const FUNCTION_CHARS: &[char] = &[
    '由', '在', '对', '将', '把', '与', '和', '及', '或', '的', '向', '从',
];
/// How far before the bracket the full form is looked for.
const LOOK_BACK_CHARS: usize = 30;

/// A short form a text defines, and the full form it stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShortForm {
    /// `网约车`.
    pub short: String,
    /// `网络预约出租汽车`.
    pub full: String,
}

impl ShortForm {
    /// The form stored in the index: `short=full` (neither has `=`).
    pub fn key(&self) -> String {
        format!("{}={}", self.short, self.full)
    }

    /// The pair a stored key names.
    pub fn from_key(key: &str) -> Option<ShortForm> {
        let (short, full) = key.split_once('=')?;
        Some(ShortForm {
            short: short.to_string(),
            full: full.to_string(),
        })
    }
}

/// `（以下简称“科协”）`, `(以下称实验室)`, `（简称《X》）`: the definition and the short form.
fn definition() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r#"[（(]\s*(?:以下简称|以下称|简称)\s*[“"「《]?(\p{Han}{2,8})[”"」》]?\s*[）)]"#)
            .unwrap_or_else(|e| unreachable!("bad built-in pattern: {e}"))
    })
}

/// Whether the characters of `short` appear in `full` in order.
fn contracts(short: &str, full: &str) -> bool {
    let mut rest = full.chars();
    short.chars().all(|c| rest.any(|f| f == c))
}

/// Every contraction `text` defines, each once, in the order defined.
pub fn short_forms(text: &str) -> Vec<ShortForm> {
    let mut found: Vec<ShortForm> = Vec::new();
    for definition in definition().captures_iter(text) {
        let (Some(whole), Some(short)) = (definition.get(0), definition.get(1)) else {
            continue;
        };
        let short = short.as_str();
        if !SHORT_CHARS.contains(&short.chars().count()) {
            continue;
        }
        let Some(full) = full_form(&text[..whole.start()], short) else {
            continue;
        };
        let pair = ShortForm {
            short: short.to_string(),
            full,
        };
        if !found.contains(&pair) {
            found.push(pair);
        }
    }
    found
}

/// The full form `short` abbreviates at the end of `before`: the Han characters right before
/// the bracket, from the last place the short form's first character starts a stretch that
/// holds all of its characters in order, widened to the start of the jieba word there (`最低`
/// of `最低生活保障` for `低保`).
fn full_form(before: &str, short: &str) -> Option<String> {
    let run: Vec<char> = before
        .chars()
        .rev()
        .take(LOOK_BACK_CHARS)
        .take_while(|c| is_han(*c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let first = short.chars().next()?;
    let start = (0..run.len())
        .rev()
        .find(|&at| run[at] == first && contracts(short, &run[at..].iter().collect::<String>()))?;
    let candidate: String = run[start..].iter().collect();
    if candidate.contains(short) || candidate.chars().count() > FULL_CHARS {
        return None;
    }
    // Widen to the word the first character belongs to, by jieba's reading of the stretch.
    let stretch: String = run.iter().collect();
    let mut offset = 0;
    let mut start_char = start;
    for word in super::jieba().cut(&stretch, true) {
        let chars = word.word.chars().count();
        if offset <= start && start < offset + chars {
            start_char = offset;
            break;
        }
        offset += chars;
    }
    // A preposition or conjunction jieba joined to the first word (`由市` of `由市人民政府…`).
    let first_kept = (start_char..start)
        .find(|&at| !FUNCTION_CHARS.contains(&run[at]))
        .unwrap_or(start);
    let full: String = run[first_kept..].iter().collect();
    (full.chars().count() > short.chars().count()).then_some(full)
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        short_forms(text)
            .into_iter()
            .map(|pair| (pair.short, pair.full))
            .collect()
    }

    #[test]
    fn contractions_real_texts_define() {
        // 杭州市科学技术进步条例, 全国一体化在线政务服务平台 in 优化营商环境条例, 道路运输条例.
        assert_eq!(
            pairs("各级科学技术协会（以下简称科协）应当发挥"),
            [("科协".to_string(), "科学技术协会".to_string())]
        );
        assert_eq!(
            pairs("国家建立全国一体化在线政务服务平台(以下称一体化在线平台)，推动"),
            [(
                "一体化在线平台".to_string(),
                "一体化在线政务服务平台".to_string()
            )]
        );
        // The full form starts at the start of the word its first character is in.
        assert_eq!(
            pairs("道路运输经营包括道路旅客运输经营（以下简称客运经营）"),
            [("客运经营".to_string(), "旅客运输经营".to_string())]
        );
        assert_eq!(
            pairs("具体工作由市人民政府侨务部门（以下简称市政府侨务部门）负责"),
            [(
                "市政府侨务部门".to_string(),
                "市人民政府侨务部门".to_string()
            )]
        );
        assert_eq!(
            pairs("为了保障城乡居民最低生活保障（以下简称“低保”）"),
            [("低保".to_string(), "最低生活保障".to_string())]
        );
    }

    #[test]
    fn forms_inside_their_full_form_and_descriptions_are_not_contractions() {
        assert!(pairs("结合汕头经济特区（以下简称特区）实际").is_empty());
        assert!(pairs("根据《中华人民共和国药品管理法》(以下简称《药品管理法》)").is_empty());
        assert!(pairs("菌（毒）种保藏中心或者专业实验室(以下称保藏机构)").is_empty());
        assert!(pairs("包括江苏省、浙江省、上海市(以下称两省一市)").is_empty());
    }

    #[test]
    fn keys_round_trip() {
        let pair = ShortForm {
            short: "科协".into(),
            full: "科学技术协会".into(),
        };
        assert_eq!(ShortForm::from_key(&pair.key()), Some(pair));
    }
}
