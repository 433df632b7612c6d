//! Policy metadata read from the text itself: 发文字号, 发文机关, 成文/公布/施行 dates, 文种 and
//! 地区. Fields the input already has (JSONL, folder names) win; extraction fills what is missing.

use std::sync::OnceLock;

use regex::Regex;

use crate::document::Document;

/// Characters of the body searched for the promulgation lines and the document number.
const HEAD_CHARS: usize = 3000;
/// Characters at the end of the body searched for the signature block.
const TAIL_CHARS: usize = 400;

/// 文种 recognised from the end of a title, longest first where one ends another
/// (实施细则 before 细则, 暂行规定 before 规定).
const DOCUMENT_TYPES: &[&str] = &[
    "实施细则",
    "实施办法",
    "暂行规定",
    "暂行办法",
    "暂行条例",
    "工作报告",
    "自治条例",
    "单行条例",
    "条例",
    "规定",
    "办法",
    "细则",
    "规则",
    "决定",
    "决议",
    "通知",
    "通告",
    "公告",
    "意见",
    "方案",
    "规划",
    "纲要",
    "报告",
    "解释",
    "批复",
    "协议",
    "命令",
    "指引",
    "指南",
    "计划",
    "修正案",
    "标准",
    "法典",
    "法",
];

/// The 文种 of a document from its title: `太湖流域管理条例` → `条例`, a 司法解释 titled
/// `…的解释（二）` → `解释`. Ordinal suffixes such as `（二）` and a trailing `(试行)` are ignored.
pub fn document_type(title: &str) -> Option<&'static str> {
    // A title in traditional characters (`…報告`) ends with the same 文种.
    let simplified = character_converter::traditional_to_simplified(title);
    let mut title = simplified.trim();
    loop {
        let before = title;
        for (open, close) in [("（", "）"), ("(", ")")] {
            if let Some(stripped) = title.strip_suffix(close) {
                if let Some(at) = stripped.rfind(open) {
                    title = stripped[..at].trim_end();
                }
            }
        }
        if title == before {
            break;
        }
    }
    DOCUMENT_TYPES
        .iter()
        .copied()
        .find(|kind| title.ends_with(kind))
}

/// A built-in pattern, compiled on first use.
macro_rules! regex {
    ($pattern:expr) => {{
        static CELL: OnceLock<Regex> = OnceLock::new();
        // The patterns are constants checked by the unit tests below.
        CELL.get_or_init(|| {
            Regex::new($pattern).unwrap_or_else(|e| unreachable!("bad built-in pattern: {e}"))
        })
    }};
}

/// 发文字号 such as `国发〔2021〕7号`, `苏政办发[2020]12号`, `沪府规【2023】1号`.
fn numbered_document() -> &'static Regex {
    regex!(
        r"([\p{Han}]{1,10})\s*[〔\[【(（［]\s*((?:19|20)\d{2})\s*[〕\]】)）］]\s*第?\s*(\d{1,5})\s*号"
    )
}

/// Orders such as `国务院令第604号`, `中华人民共和国主席令第三十一号`.
fn order_number() -> &'static Regex {
    regex!(
        r"((?:中华人民共和国)?[\p{Han}]{1,20}?令)\s*第\s*([0-9一二三四五六七八九十百零〇]+)\s*号"
    )
}

/// A date in `2021年6月8日`, `2021-06-08` or `二〇二一年六月八日` form.
fn date_pattern() -> &'static Regex {
    regex!(
        r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})|([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
    )
}

/// `…人民代表大会常务委员会第…次会议通过`: the legislature that passed a law or a local
/// regulation. Groups: the place (empty for the national one), `全国`, the body.
fn passed_by() -> &'static Regex {
    regex!(
        r"([\p{Han}]{0,20}?)(?:第[一二三四五六七八九十百]+届)?(全国)?(人民代表大会(?:常务委员会)?)第[一二三四五六七八九十百]+次(?:全体)?会议"
    )
}

/// `杭州市第十一届人民代表大会常务委员会公告第56号公布`: the announcement a local legislature
/// promulgated a regulation with.
fn announcement_number() -> &'static Regex {
    regex!(r"([\p{Han}]{2,30}?公告)\s*第\s*(\d{1,5})\s*号\s*公布")
}

/// `我代表国务院，向大会报告` / `受国务院的委托`: the body a report or speech is made for.
fn speaking_for() -> &'static Regex {
    regex!(
        r"(?:我(?:现在)?代表([\p{Han}]{2,24}?)(?:[，,、：:]|向|作|提出|报告))|(?:受([\p{Han}]{2,24}?)的?委托)"
    )
}

/// `2021年3月5日在第十三届全国人民代表大会第四次会议上`: a report's date is the meeting it was
/// delivered at.
fn delivered_at(after_date: &str) -> bool {
    let line = after_date.split('\n').next().unwrap_or("").trim_start();
    line.starts_with('在')
        && ["会议上", "會議上", "大会上", "大會上"]
            .iter()
            .any(|w| line.contains(w))
}

/// Names that end the name of an issuing body.
const ORGANS: &[&str] = &[
    "人民政府办公厅",
    "人民政府办公室",
    "人民政府",
    "委员会",
    "办公厅",
    "办公室",
    "局",
    "部",
    "厅",
    "院",
];

/// Province-level regions: the abbreviation used in document numbers (苏政发 = 江苏省人民政府),
/// the full name, and the short name used as the `region` value.
const PROVINCES: &[(&str, &str, &str)] = &[
    ("京", "北京市", "北京"),
    ("津", "天津市", "天津"),
    ("沪", "上海市", "上海"),
    ("渝", "重庆市", "重庆"),
    ("冀", "河北省", "河北"),
    ("晋", "山西省", "山西"),
    ("辽", "辽宁省", "辽宁"),
    ("吉", "吉林省", "吉林"),
    ("黑", "黑龙江省", "黑龙江"),
    ("苏", "江苏省", "江苏"),
    ("浙", "浙江省", "浙江"),
    ("皖", "安徽省", "安徽"),
    ("闽", "福建省", "福建"),
    ("赣", "江西省", "江西"),
    ("鲁", "山东省", "山东"),
    ("豫", "河南省", "河南"),
    ("鄂", "湖北省", "湖北"),
    ("湘", "湖南省", "湖南"),
    ("粤", "广东省", "广东"),
    ("琼", "海南省", "海南"),
    ("川", "四川省", "四川"),
    ("黔", "贵州省", "贵州"),
    ("云", "云南省", "云南"),
    ("陕", "陕西省", "陕西"),
    ("甘", "甘肃省", "甘肃"),
    ("青", "青海省", "青海"),
    ("蒙", "内蒙古自治区", "内蒙古"),
    ("桂", "广西壮族自治区", "广西"),
    ("藏", "西藏自治区", "西藏"),
    ("宁", "宁夏回族自治区", "宁夏"),
    ("新", "新疆维吾尔自治区", "新疆"),
    ("港", "香港特别行政区", "香港"),
    ("澳", "澳门特别行政区", "澳门"),
    ("台", "台湾省", "台湾"),
];

/// Whether `name` is the short name of a province-level region (上海, 江苏, 内蒙古 …).
pub fn is_region(name: &str) -> bool {
    PROVINCES.iter().any(|(_, _, short)| *short == name)
}

/// Issuing bodies of the State Council's own document numbers.
const STATE_PREFIXES: &[(&str, &str)] = &[
    ("国办发", "国务院办公厅"),
    ("国办函", "国务院办公厅"),
    ("国发", "国务院"),
    ("国函", "国务院"),
    ("国令", "国务院"),
];

/// A 发文字号 found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber {
    /// Brackets normalised: `苏政办发〔2020〕12号`.
    pub normalized: String,
    /// As written: `苏政办发[2020]12号`.
    pub original: String,
    /// The prefix before the year: `苏政办发`.
    pub prefix: String,
}

/// The first 发文字号 in `text`.
pub fn find_doc_number(text: &str) -> Option<DocNumber> {
    if let Some(found) = numbered_document().captures(text) {
        let prefix = found[1].to_string();
        return Some(DocNumber {
            normalized: format!("{}〔{}〕{}号", prefix, &found[2], &found[3]),
            original: found[0].to_string(),
            prefix,
        });
    }
    if let Some(found) = order_number().captures(text) {
        let prefix = found[1].trim_start_matches("中华人民共和国").to_string();
        return Some(DocNumber {
            normalized: format!("{}第{}号", prefix, &found[2]),
            original: found[0].to_string(),
            prefix,
        });
    }
    let found = announcement_number().captures(text)?;
    let name = found.get(1)?;
    let prefix = not_a_date_end(text, name.start(), name.as_str()).to_string();
    Some(DocNumber {
        normalized: format!("{}第{}号", prefix, &found[2]),
        original: format!("{}第{}号", prefix, &found[2]),
        prefix,
    })
}

/// `name` found at `start` of `text` without the `日` of a date written right before it
/// (`2010年10月29日广州市…`: the Han characters a pattern takes start at that `日`).
fn not_a_date_end<'t>(text: &str, start: usize, name: &'t str) -> &'t str {
    match name.strip_prefix('日') {
        Some(rest) if text[..start].ends_with(|c: char| c.is_ascii_digit()) => rest,
        _ => name,
    }
}

/// Characters no 发文字号 starts with, which the pattern may take from the words before one:
/// `和国办发`, `根据京政发`.
const NOT_A_PREFIX_START: &[char] = &[
    '和', '及', '与', '的', '见', '按', '照', '依', '据', '根', '以', '印', '转', '件', '号',
];

/// Every 发文字号 of the `国发〔2015〕40号` form in `text` (orders such as `国务院令第604号` left
/// out: a regulation names its own orders in its history), with its byte range and its
/// normalised form.
pub fn numbered_documents(
    text: &str,
) -> impl Iterator<Item = (std::ops::Range<usize>, String)> + '_ {
    numbered_document().captures_iter(text).filter_map(|found| {
        let whole = found.get(0)?;
        // The pattern takes every Han character before the bracket: `和国办发〔…` is 国办发's.
        let prefix = found[1].trim_start_matches(NOT_A_PREFIX_START);
        let start = found.get(1)?.end() - prefix.len();
        (!prefix.is_empty()).then(|| {
            (
                start..whole.end(),
                format!("{}〔{}〕{}号", prefix, &found[2], &found[3]),
            )
        })
    })
}

/// The issuing body a document-number prefix names: `国办发` → 国务院办公厅, `苏政办发` →
/// 江苏省人民政府办公厅, `沪府规` → 上海市人民政府, `国务院令` → 国务院.
pub fn agency_of_prefix(prefix: &str) -> Option<String> {
    if let Some(order) = prefix.strip_suffix('令') {
        return (!order.is_empty() && order != "主席").then(|| order.to_string());
    }
    if let Some((_, agency)) = STATE_PREFIXES.iter().find(|(p, _)| prefix.starts_with(p)) {
        return Some(agency.to_string());
    }
    let (_, province, _) = PROVINCES
        .iter()
        .find(|(short, _, _)| prefix.starts_with(short))?;
    let rest = &prefix[prefix
        .char_indices()
        .nth(1)
        .map_or(prefix.len(), |(i, _)| i)..];
    let body = if rest.starts_with("政办") || rest.starts_with("府办") {
        "人民政府办公厅"
    } else if rest.starts_with('政') || rest.starts_with('府') {
        "人民政府"
    } else {
        return None;
    };
    Some(format!("{province}{body}"))
}

fn chinese_numeral(text: &str) -> Option<u32> {
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .or((c == '零').then_some(0))
    };
    if text.chars().count() == 4 {
        // Years are written digit by digit: 二〇二一.
        return text
            .chars()
            .try_fold(0, |n, c| Some(n * 10 + digit(c)? as u32));
    }
    match text.chars().collect::<Vec<_>>().as_slice() {
        ['十'] => Some(10),
        ['十', units] => Some(10 + digit(*units)? as u32),
        [tens, '十'] => Some(digit(*tens)? as u32 * 10),
        [tens, '十', units] => Some(digit(*tens)? as u32 * 10 + digit(*units)? as u32),
        [units] => digit(*units).map(|d| d as u32),
        _ => None,
    }
}

fn date_from(found: &regex::Captures<'_>) -> Option<time::Date> {
    let (year, month, day) = if let Some(year) = found.get(1) {
        (
            year.as_str().parse().ok()?,
            found[2].parse().ok()?,
            found[3].parse().ok()?,
        )
    } else if let Some(year) = found.get(4) {
        (
            year.as_str().parse().ok()?,
            found[5].parse().ok()?,
            found[6].parse().ok()?,
        )
    } else {
        (
            chinese_numeral(&found[7])?,
            chinese_numeral(&found[8])?,
            chinese_numeral(&found[9])?,
        )
    };
    time::Date::from_calendar_date(
        year as i32,
        time::Month::try_from(month as u8).ok()?,
        day as u8,
    )
    .ok()
}

/// Every date in `text`, with the byte range it was written in.
pub fn find_dates(text: &str) -> Vec<(time::Date, std::ops::Range<usize>)> {
    date_pattern()
        .captures_iter(text)
        .filter_map(|found| Some((date_from(&found)?, found.get(0)?.range())))
        .collect()
}

/// The dates of a policy document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PolicyDates {
    /// 成文日期: the date under the signature.
    pub issued: Option<time::Date>,
    /// 公布日期 of this version: the latest promulgation line's date (`…公布`, `…通过`,
    /// `…修正`, `…批准`), or a labelled 发布日期.
    pub published: Option<time::Date>,
    /// 施行日期: `自…起施行`.
    pub effective: Option<time::Date>,
}

fn prefix_chars(text: &str, chars: usize) -> &str {
    &text[..text
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)]
}

fn suffix_chars(text: &str, chars: usize) -> &str {
    if chars == 0 {
        return &text[text.len()..];
    }
    text.char_indices()
        .rev()
        .nth(chars - 1)
        .map_or(text, |(i, _)| &text[i..])
}

/// What a promulgation line says was done on its date.
const ACTS: &[&str] = &["公布", "发布", "通过", "修正", "修订", "批准"];

/// 成文, 公布 and 施行 dates found in `body`.
pub fn policy_dates(body: &str) -> PolicyDates {
    let head = prefix_chars(body, HEAD_CHARS);
    let mut dates = PolicyDates::default();
    let mut passed = None;
    let mut latest_act = None;
    for (date, range) in find_dates(head) {
        let after = prefix_chars(&head[range.end..], 40);
        let next_line = after.split('\n').next().unwrap_or("").trim();
        let rest_of_line = head[range.end..].split('\n').next().unwrap_or("");
        let before = suffix_chars(&head[..range.start], 2);
        let label = suffix_chars(&head[..range.start], 8);
        let labelled = |words: &[&str]| words.iter().any(|w| label.contains(w));
        if dates.published.is_none() && labelled(&["发布时间", "发布日期", "公布日期", "发文日期"])
        {
            dates.published = Some(date);
            continue;
        }
        if dates.issued.is_none() && labelled(&["成文日期"]) {
            dates.issued = Some(date);
            continue;
        }
        if dates.effective.is_none()
            && (before.ends_with('自') && after.contains("施行")
                || next_line.starts_with("施行")
                || next_line.starts_with("起施行"))
        {
            dates.effective = Some(date);
        } else if head[..range.start]
            .rsplit('\n')
            .next()
            .is_some_and(|line| line.trim_start_matches([' ', '　', '（', '(']).is_empty())
            && ACTS.iter().any(|act| rest_of_line.contains(act))
        {
            // A promulgation line (`2024年9月27日 …第三次修正`): the latest is this version's.
            latest_act = latest_act.max(Some(date));
        } else if dates.published.is_none()
            && (next_line.contains("公布") || next_line.contains("发布") || delivered_at(after))
        {
            dates.published = Some(date);
        } else if passed.is_none() && next_line.contains("通过") {
            passed = Some(date);
        }
    }
    // A version is dated by its latest promulgation line (the last revision, or the session
    // that passed or approved it when no 公布 line is given).
    dates.published = dates.published.max(latest_act).or(passed);
    if dates.effective.is_none() {
        for (date, range) in find_dates(body) {
            if suffix_chars(&body[..range.start], 2).ends_with('自')
                && prefix_chars(&body[range.end..], 10).contains("施行")
            {
                dates.effective = Some(date);
                break;
            }
        }
    }
    let tail = suffix_chars(body, TAIL_CHARS);
    if let Some((date, range)) = find_dates(tail).into_iter().last() {
        // A signature date stands alone on the last lines.
        let line_start = tail[..range.start].rfind('\n').map_or(0, |i| i + 1);
        if tail[line_start..range.start].trim().is_empty()
            && tail[range.end..].trim().chars().count() < 20
        {
            dates.issued = Some(date);
        }
    }
    dates
}

/// The bodies a title names before `关于` (`最高人民法院关于…的解释`, `最高人民法院  最高人民检察院
/// 关于…`), joined with `、`; `None` unless every name before `关于` is an issuing body's.
pub fn title_issuer(title: &str) -> Option<String> {
    let (before, _) = title.split_once("关于")?;
    let names: Vec<&str> = before
        .split(|c: char| c.is_whitespace() || "、，,_".contains(c))
        .filter(|name| !name.is_empty())
        .collect();
    let organ = |name: &&str| {
        (2..=30).contains(&name.chars().count())
            && (ORGANS.iter().any(|end| name.ends_with(end)) || *name == "中共中央")
    };
    (!names.is_empty() && names.iter().all(organ)).then(|| names.join("、"))
}

/// The body that issued the document, from its number, its title (`…关于`), its promulgation
/// lines or its signature block.
pub fn find_agency(title: &str, body: &str, number: Option<&DocNumber>) -> Option<String> {
    if let Some(agency) = number.and_then(|n| agency_of_prefix(&n.prefix)) {
        return Some(agency);
    }
    if let Some(agency) = title_issuer(title) {
        return Some(agency);
    }
    let head = prefix_chars(body, HEAD_CHARS);
    if let Some(found) = order_number().captures(head) {
        let order = found[1].trim_start_matches("中华人民共和国");
        if let Some(agency) = agency_of_prefix(order) {
            return Some(agency);
        }
    }
    // A report or speech is made for the body its speaker represents (`我代表国务院`).
    let speaker = speaking_for().captures_iter(head).find_map(|found| {
        let organ = found.get(1).or_else(|| found.get(2))?.as_str();
        let organ = organ.trim_start_matches("中华人民共和国");
        ORGANS
            .iter()
            .any(|end| organ.ends_with(end))
            .then(|| organ.to_string())
    });
    if speaker.is_some() {
        return speaker;
    }
    // The session that passed the text (`…常务委员会第三十次会议通过`); a report delivered 在 a
    // session (`在第十四届全国人民代表大会第二次会议上`) was not made by it.
    // The first such line names the body that made the text (a city's congress, not the
    // province's that approved it; the NPC that enacted a law its Standing Committee revised).
    for found in passed_by().captures_iter(head) {
        let (Some(place), Some(organ)) = (found.get(1), found.get(3)) else {
            continue;
        };
        let place = not_a_date_end(head, place.start(), place.as_str());
        if !place.starts_with('在') {
            let national = found.get(2).map_or("", |m| m.as_str());
            return Some(format!("{place}{national}{}", organ.as_str()));
        }
    }
    let tail = suffix_chars(body, TAIL_CHARS);
    let lines: Vec<&str> = tail
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.iter().rev().take(3).find_map(|line| {
        let chars = line.chars().count();
        ((3..=30).contains(&chars)
            && line
                .chars()
                .all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || c == '、')
            && ORGANS.iter().any(|organ| line.ends_with(organ)))
        .then(|| line.to_string())
    })
}

/// The province a title or agency names at its start.
pub fn region_of(text: &str) -> Option<&'static str> {
    let text = text.trim_start_matches("中华人民共和国");
    PROVINCES
        .iter()
        .find(|(_, full, short)| text.starts_with(full) || text.starts_with(short))
        .map(|(_, _, short)| *short)
}

/// The 效力级别 every level name, from the most binding down.
pub const LEVELS: &[&str] = &[
    "宪法",
    "法律",
    "行政法规",
    "司法解释",
    "部门规章",
    "地方性法规",
    "地方政府规章",
    "规范性文件",
    "工作报告",
];

/// Categories (the folders of a law collection such as LawRefBook's) whose documents are
/// 法律: the NPC's and its Standing Committee's laws and decisions, by 法律部门.
const LAW_CATEGORIES: &[&str] = &[
    "宪法相关法",
    "民法典",
    "民法商法",
    "行政法",
    "经济法",
    "社会法",
    "刑法",
    "诉讼与非诉讼程序法",
];

/// 文种 a government makes rules with (地方政府规章, 部门规章), as opposed to notices and opinions.
const RULE_TYPES: &[&str] = &[
    "规定",
    "办法",
    "实施办法",
    "实施细则",
    "细则",
    "规则",
    "暂行规定",
    "暂行办法",
];

/// The 效力级别 of a document: from its category when that is a level or a 法律部门, otherwise
/// from who issued it and its 文种. `None` when nothing says (no category, no agency).
pub fn level_of(document: &Document) -> Option<&'static str> {
    let meta = &document.metadata;
    let title = document.title.trim_start_matches("中华人民共和国");
    let agency = meta.agency.as_deref().unwrap_or("");
    // 规章 are never named 条例 (规章制定程序条例 第七条), and a text a people's congress passed
    // is not one, whatever body its signature names.
    let regulation_by_government = || {
        agency.ends_with("人民政府")
            && meta
                .doc_type
                .as_deref()
                .is_some_and(|t| RULE_TYPES.contains(&t))
            && !prefix_chars(&document.body, 300).contains("人民代表大会")
    };
    match meta.category.as_deref() {
        Some("宪法") => return Some("宪法"),
        Some(category) if LAW_CATEGORIES.contains(&category) => {
            return Some(if title.starts_with("宪法") {
                "宪法"
            } else {
                "法律"
            })
        }
        Some("政府工作报告" | "党代会报告") => return Some("工作报告"),
        // A collection's 地方性法规 folder also holds the rules a provincial government made.
        Some("地方性法规") if regulation_by_government() => return Some("地方政府规章"),
        Some(category) => {
            if let Some(level) = LEVELS.iter().find(|level| **level == category) {
                return Some(level);
            }
        }
        None => {}
    }
    if title.contains("工作报告") || meta.doc_type.as_deref() == Some("工作报告") {
        return Some("工作报告");
    }
    if agency.is_empty() {
        return None;
    }
    let doc_type = meta.doc_type.as_deref().unwrap_or("");
    let is_rule = RULE_TYPES.contains(&doc_type);
    Some(if agency.starts_with("全国人民代表大会") {
        if title.starts_with("宪法") {
            "宪法"
        } else {
            "法律"
        }
    } else if agency.starts_with("最高人民法院") || agency.starts_with("最高人民检察院")
    {
        "司法解释"
    } else if agency == "国务院"
        && (doc_type == "条例" || is_rule)
        && !title.starts_with("国务院关于")
    {
        "行政法规"
    } else if agency.contains("人民代表大会") {
        "地方性法规"
    } else if regulation_by_government() {
        "地方政府规章"
    } else if is_rule
        && meta
            .doc_number
            .as_deref()
            .is_some_and(|number| number.contains('令'))
    {
        "部门规章"
    } else {
        "规范性文件"
    })
}

/// The body a document's category implies when its text names none: every 行政法规 is the
/// State Council's; a 地方性法规 titled `…条例` after a place (`上海市…条例`) was made by that
/// place's people's congress standing committee, which makes all but a few (those its full
/// congress passes say so in their text).
fn agency_of_category(document: &Document) -> Option<String> {
    match document.metadata.category.as_deref()? {
        "行政法规" => Some("国务院".to_string()),
        "地方性法规" => {
            let doc_type = document.metadata.doc_type.as_deref()?;
            // 规章 are never named 条例 (规章制定程序条例 第七条); a 规定 or 办法 may be one.
            if !["条例", "自治条例", "单行条例"].contains(&doc_type) {
                return None;
            }
            let title = document.title.as_str();
            let end = ["自治区", "自治州", "自治县", "省", "市", "县"]
                .iter()
                .filter_map(|unit| title.find(unit).map(|at| at + unit.len()))
                .min()?;
            let place = &title[..end];
            (2..=10)
                .contains(&place.chars().count())
                .then(|| format!("{place}人民代表大会常务委员会"))
        }
        _ => None,
    }
}

/// The day a 政府工作报告 whose text gives no date was delivered: its title's year, 5 March, the
/// opening day of the National People's Congress's annual session since 1998 (and the date
/// the large corpus's source gives every report; 2020's session opened on 22 May).
fn report_session(title: &str) -> Option<time::Date> {
    let year: i32 = title.get(..4)?.parse().ok()?;
    // The State Council's report (a province's `…人民政府工作报告` goes to its own congress).
    let rest = title.get(4..)?.trim_start_matches('年');
    if !(rest.contains("国务院政府工作报告") || rest == "政府工作报告") {
        return None;
    }
    let (month, day) = match year {
        2020 => (time::Month::May, 22),
        1998.. => (time::Month::March, 5),
        _ => return None,
    };
    time::Date::from_calendar_date(year, month, day).ok()
}

/// `text` with full-width digits (`２０１２年`) written as ASCII ones, as the patterns read them.
fn ascii_digits(text: &str) -> std::borrow::Cow<'_, str> {
    let full_width = |c: char| ('０'..='９').contains(&c);
    if !text.contains(full_width) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if full_width(c) {
                char::from(b'0' + (c as u32 - '０' as u32) as u8)
            } else {
                c
            }
        })
        .collect::<String>()
        .into()
}

/// Fill the metadata `document` lacks from its title and text.
pub fn fill(document: &mut Document) {
    // The text is taken out while the fields are filled, and put back before the level (which
    // reads it through `document`) is derived.
    let text = std::mem::take(&mut document.body);
    let body = ascii_digits(&text);
    if document.metadata.doc_type.is_none() {
        document.metadata.doc_type = document_type(&document.title).map(str::to_string);
    }
    let head = prefix_chars(&body, HEAD_CHARS);
    let number = find_doc_number(&document.title).or_else(|| find_doc_number(head));
    if document.metadata.doc_number.is_none() {
        if let Some(number) = &number {
            document.metadata.doc_number = Some(number.normalized.clone());
            document.metadata.doc_number_original = Some(number.original.clone());
        }
    } else if let Some(given) = &document.metadata.doc_number {
        // Given numbers are normalised the same way; the original is kept.
        if let Some(parsed) = find_doc_number(given) {
            document.metadata.doc_number = Some(parsed.normalized);
        }
    }
    if document.metadata.agency.is_none() {
        document.metadata.agency = find_agency(&document.title, &body, number.as_ref())
            .or_else(|| agency_of_category(document));
    }
    let dates = policy_dates(&body);
    if document.metadata.date.is_none() {
        document.metadata.date = dates
            .published
            .or(dates.issued)
            .or(dates.effective)
            .or_else(|| report_session(&document.title));
    }
    document.metadata.issued = dates.issued;
    document.metadata.published = dates.published;
    document.metadata.effective = dates.effective;
    drop(body);
    document.body = text;
    if document.metadata.level.is_none() {
        document.metadata.level = level_of(document).map(str::to_string);
    }
    if document.metadata.region.is_none() {
        let from_agency = document.metadata.agency.as_deref().and_then(region_of);
        document.metadata.region = from_agency
            .or_else(|| region_of(&document.title))
            .map(str::to_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_in_every_bracket_style() {
        for (text, normalized, prefix) in [
            (
                "国务院关于印发…的通知 国发〔2021〕7号",
                "国发〔2021〕7号",
                "国发",
            ),
            ("苏政办发[2020]12号", "苏政办发〔2020〕12号", "苏政办发"),
            ("沪府规【2023】1号", "沪府规〔2023〕1号", "沪府规"),
            ("浙政发（2019）第5号", "浙政发〔2019〕5号", "浙政发"),
        ] {
            let found = find_doc_number(text).unwrap();
            assert_eq!(
                (found.normalized.as_str(), found.prefix.as_str()),
                (normalized, prefix),
                "{text}"
            );
        }
        let order = find_doc_number("2011年9月7日 中华人民共和国国务院令第604号公布").unwrap();
        assert_eq!(order.normalized, "国务院令第604号");
        assert_eq!(order.original, "中华人民共和国国务院令第604号");
    }

    #[test]
    fn agencies_from_number_prefixes() {
        assert_eq!(agency_of_prefix("国办发").as_deref(), Some("国务院办公厅"));
        assert_eq!(agency_of_prefix("国发").as_deref(), Some("国务院"));
        assert_eq!(
            agency_of_prefix("苏政办发").as_deref(),
            Some("江苏省人民政府办公厅")
        );
        assert_eq!(
            agency_of_prefix("沪府规").as_deref(),
            Some("上海市人民政府")
        );
        assert_eq!(agency_of_prefix("国务院令").as_deref(), Some("国务院"));
    }

    #[test]
    fn labelled_dates_in_news_and_notices() {
        let dates = policy_dates(
            "重磅!环太湖科创圈来了\n发布时间: 2021-06-08\n5月27日,长三角一体化发展高层论坛上",
        );
        assert_eq!(dates.published, Some(time::macros::date!(2021 - 06 - 08)));
        let dates = policy_dates("成文日期：2020年3月1日\n各区人民政府：");
        assert_eq!(dates.issued, Some(time::macros::date!(2020 - 03 - 01)));
    }

    #[test]
    fn a_work_report_is_dated_by_its_session_and_made_by_the_body_it_speaks_for() {
        let report = "政府工作报告\n\n——2021年3月5日在第十三届全国人民代表大会第四次会议上\n\n\
                      国务院总理\n　李克强\n\n各位代表：\n\n现在，我代表国务院，向大会报告政府工作，请予审议。";
        let dates = policy_dates(report);
        assert_eq!(dates.published, Some(time::macros::date!(2021 - 03 - 05)));
        assert_eq!(find_agency("", report, None).as_deref(), Some("国务院"));
        let older = "各位代表：\n现在，我代表中华人民共和国国务院向第一届全国人民代表大会第三次会议提出报告。";
        assert_eq!(find_agency("", older, None).as_deref(), Some("国务院"));
        let entrusted = "各位代表：\n我受国务院的委托，现在向大会提出关于国民经济计划安排的报告。";
        assert_eq!(find_agency("", entrusted, None).as_deref(), Some("国务院"));
        // A regulation is still made by the session that passed it.
        let regulation =
            "2011年11月17日 上海市第十三届人民代表大会常务委员会第三十次会议通过\n第一条 为了";
        assert_eq!(
            find_agency("", regulation, None).as_deref(),
            Some("上海市人民代表大会常务委员会")
        );
        // Speaking for someone who is not a body says nothing of the agency.
        assert_eq!(find_agency("", "我代表个人，向大家致意。", None), None);
    }

    #[test]
    fn the_body_that_made_a_text_from_its_title_or_its_first_passing_line() {
        assert_eq!(
            title_issuer("最高人民法院  最高人民检察院关于办理强奸、猥亵未成年人刑事案件适用法律若干问题的解释")
                .as_deref(),
            Some("最高人民法院、最高人民检察院")
        );
        assert_eq!(
            title_issuer("浙江省人民代表大会常务委员会关于政府规章设定罚款限额的规定").as_deref(),
            Some("浙江省人民代表大会常务委员会")
        );
        // What stands before 关于 must be a body: a title about something names none.
        assert_eq!(title_issuer("关于印发方案的通知"), None);
        assert_eq!(title_issuer("郑州市实施关于工会的办法"), None);
        // The session number (第八届) is not part of the body's name; a law revised by the
        // Standing Committee was made by the congress that first passed it.
        let law = "1996年3月17日 第八届全国人民代表大会第四次会议通过\n\
                   2021年1月22日 第十三届全国人民代表大会常务委员会第二十五次会议修订\n";
        assert_eq!(
            find_agency("", law, None).as_deref(),
            Some("全国人民代表大会")
        );
        // 日照 starts with 日, which is not the end of the date before it.
        let city = "2020年12月31日 日照市第十八届人民代表大会常务委员会第三十二次会议通过\n\
                    2021年1月28日山东省第十三届人民代表大会常务委员会第二十五次会议批准\n";
        assert_eq!(
            find_agency("", city, None).as_deref(),
            Some("日照市人民代表大会常务委员会")
        );
        let glued = "2010年10月29日广州市第十三届人民代表大会常务委员会第三十五次会议通过";
        assert_eq!(
            find_agency("", glued, None).as_deref(),
            Some("广州市人民代表大会常务委员会")
        );
    }

    #[test]
    fn announcements_and_full_width_orders_are_numbers() {
        let number =
            find_doc_number("2011年12月7日 杭州市第十一届人民代表大会常务委员会公告第56号公布")
                .unwrap();
        assert_eq!(
            number.normalized,
            "杭州市第十一届人民代表大会常务委员会公告第56号"
        );
        // An announcement with no number is none.
        assert_eq!(find_doc_number("2004年12月30日 最高人民法院公告公布"), None);
        let mut document = Document {
            title: "公安机关办理行政案件程序规定".into(),
            body: "２０１２年１２月３日 公安部部长办公会议通过\n\
                   ２０１２年１２月１９日 中华人民共和国公安部令第１２５号发布，\n\
                   ２０１３年１月１日 施行\n第一条 为了"
                .into(),
            ..Default::default()
        };
        fill(&mut document);
        let meta = &document.metadata;
        assert_eq!(meta.doc_number.as_deref(), Some("公安部令第125号"));
        assert_eq!(meta.agency.as_deref(), Some("公安部"));
        assert_eq!(meta.date, Some(time::macros::date!(2012 - 12 - 19)));
        assert_eq!(meta.effective, Some(time::macros::date!(2013 - 01 - 01)));
        assert!(
            document.body.starts_with("２０１２"),
            "the text is kept as written"
        );
    }

    #[test]
    fn a_work_report_without_a_date_is_dated_by_its_years_session() {
        assert_eq!(
            report_session("2025年中华人民共和国国务院政府工作报告"),
            Some(time::macros::date!(2025 - 03 - 05))
        );
        assert_eq!(
            report_session("2020年中华人民共和国国务院政府工作报告"),
            Some(time::macros::date!(2020 - 05 - 22))
        );
        // Sessions before 1998 opened on other days: no date rather than a wrong one.
        assert_eq!(
            report_session("1957年中华人民共和国国务院政府工作报告"),
            None
        );
        assert_eq!(report_session("2025年上海市人民政府工作报告"), None);
    }

    #[test]
    fn dates_in_three_forms() {
        let dates: Vec<time::Date> = find_dates("2021年6月8日、2021-06-08 和 二〇二一年六月八日")
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(dates, vec![time::macros::date!(2021 - 06 - 08); 3]);
        assert_eq!(chinese_numeral("二十三"), Some(23));
        assert_eq!(chinese_numeral("十"), Some(10));
    }

    #[test]
    fn types_from_real_titles() {
        assert_eq!(document_type("太湖流域管理条例"), Some("条例"));
        assert_eq!(
            document_type("中华人民共和国招标投标法实施条例"),
            Some("条例")
        );
        assert_eq!(
            document_type("最高人民法院关于审理发生在我国管辖海域相关案件若干问题的规定（二）"),
            Some("规定")
        );
        assert_eq!(
            document_type("人民检察院刑事诉讼规则（试行）"),
            Some("规则")
        );
        assert_eq!(
            document_type("郑州市实施《中华人民共和国工会法》办法"),
            Some("办法")
        );
        assert_eq!(document_type("中华人民共和国国务院组织法"), Some("法"));
        assert_eq!(
            document_type("1998年中华人民共和国国务院政府工作报告"),
            Some("工作报告")
        );
        assert_eq!(document_type("重磅!环太湖科创圈来了"), None);
        assert_eq!(document_type("廣州共產黨報告 (一大)"), Some("报告"));
        assert_eq!(
            document_type("中华人民共和国刑法修正案（十一）"),
            Some("修正案")
        );
    }
}
