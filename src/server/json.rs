//! The JSON bodies of the API, rendered from the engine's typed results. This is the one place
//! where matches become `<mark>` HTML; `policy-search search --json` prints the same bodies.

use std::ops::Deref;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::analysis::compare::{Change, Side};
use crate::document::{format_day, Document, MetaField, Metadata, Value};
use crate::search::facets::Facets;
use crate::search::snippet::Snippet;
use crate::search::versions::Validity;
use crate::search::{
    ArticleHit, DocumentView, Hit, ScoreDetail, SearchResponse, Section, Truncated, VersionInfo,
};
use crate::search::{Comparison, RepealInfo};
use std::collections::BTreeMap;

/// The body of `GET /api/search`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchJson {
    /// The query as given.
    pub query: String,
    /// All documents with every term of the query (not only those returned).
    pub total: usize,
    /// Documents lacking some term, listed after those with every term (only when too few
    /// have them all to fill the page; `match=all` never lists them).
    #[serde(default)]
    pub partial: usize,
    /// Time spent searching, in milliseconds.
    pub took_ms: f64,
    /// The search ran out of its time budget: `total` and `hits` cover only the documents
    /// matched until then.
    #[serde(default)]
    pub timed_out: bool,
    /// The hits, best first.
    pub hits: Vec<HitJson>,
    /// Counts per facet value, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

impl SearchJson {
    /// The body for `response`; `highlight` marks matches, else snippets are plain escaped
    /// text.
    pub fn new(response: SearchResponse, highlight: bool) -> SearchJson {
        SearchJson {
            query: response.query,
            total: response.total,
            partial: response.partial,
            took_ms: response.took_ms,
            timed_out: response.timed_out,
            hits: response
                .hits
                .into_iter()
                .map(|hit| HitJson::new(hit, highlight))
                .collect(),
            facets: response.facets,
        }
    }
}

/// One hit in [`SearchJson`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HitJson {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Relevance score (only comparable within one response; 0 when sorted by date).
    pub score: f32,
    /// The metadata shown with hits (in JSON, fields of the hit itself).
    #[serde(flatten)]
    pub metadata: HitMetadata,
    /// The 条 the snippet comes from, e.g. `第十二条`.
    pub article: Option<String>,
    /// Best passage, HTML-escaped, matches in `<mark>…</mark>`.
    pub snippet: String,
    /// Every matching 条 with its snippet, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub articles: Option<Vec<ArticleJson>>,
    /// The query's terms this document lacks (only on the partial matches listed after the
    /// full ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The score broken into its parts, with `explain=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<ScoreDetail>,
    /// How many versions its instrument has in the index (1: no other).
    #[serde(default = "one")]
    pub versions: usize,
    /// The other versions that match the query too, newest first (versions are collapsed
    /// into one hit unless `collapse=false`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_versions: Vec<String>,
    /// The other documents that match and hold exactly this text (one law filed under two
    /// categories), folded into this hit unless `collapse=false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<String>,
    /// Its 时效性: 现行有效, 已修改 (a newer version is indexed) or 尚未生效 (its 施行 date is
    /// to come).
    #[serde(default)]
    pub status: Validity,
}

fn one() -> usize {
    1
}

impl HitJson {
    fn new(hit: Hit, highlight: bool) -> HitJson {
        HitJson {
            id: hit.id,
            title: hit.title,
            score: hit.score,
            metadata: HitMetadata(hit.metadata),
            article: hit.article,
            snippet: snippet_html(&hit.snippet, highlight),
            articles: hit.articles.map(|articles| {
                articles
                    .into_iter()
                    .map(|ArticleHit { label, snippet }| ArticleJson {
                        label,
                        snippet: snippet_html(&snippet, highlight),
                    })
                    .collect()
            }),
            missing: hit.missing,
            explanation: hit.explanation,
            versions: hit.versions,
            other_versions: hit.other_versions,
            copies: hit.copies,
            status: hit.validity,
        }
    }
}

/// A matching 条 of a hit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleJson {
    /// Its label, e.g. `第十二条`.
    pub label: String,
    /// Its best passage, matches marked.
    pub snippet: String,
}

/// The metadata fields marked [`in_hits`](crate::document::FieldSpec::in_hits), in the
/// table's order; reads back as [`Metadata`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitMetadata(pub Metadata);

impl Deref for HitMetadata {
    type Target = Metadata;

    fn deref(&self) -> &Metadata {
        &self.0
    }
}

impl Serialize for HitMetadata {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let mut map = out.serialize_map(None)?;
        for spec in MetaField::ALL.iter().filter(|spec| spec.in_hits) {
            match self.0.get(spec.field) {
                Some(Value::Date(date)) => map.serialize_entry(spec.name, &format_day(date))?,
                Some(Value::Text(text)) => map.serialize_entry(spec.name, text)?,
                None => map.serialize_entry(spec.name, &None::<&str>)?,
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for HitMetadata {
    fn deserialize<D: Deserializer<'de>>(input: D) -> Result<HitMetadata, D::Error> {
        Metadata::deserialize(input).map(HitMetadata)
    }
}

/// The body of `GET /api/documents/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentJson {
    /// The stored document.
    #[serde(flatten)]
    pub document: Document,
    /// The body cut into its headings, its 条 and the text between, in order.
    pub sections: Vec<SectionJson>,
    /// How many matches of the query `sections` mark, all together.
    #[serde(default)]
    pub matches: usize,
    /// Only for a body too long to show whole (`body` and `sections` then hold its beginning):
    /// `{"shown_chars","total_chars"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncated>,
    /// Its 时效性 (see [`HitJson::status`]).
    #[serde(default)]
    pub status: Validity,
    /// Every version of its instrument, oldest first, itself included; empty when it has no
    /// other.
    #[serde(default)]
    pub versions: Vec<VersionInfo>,
    /// The indexed documents that repeal it (why it is 已废止), with the 条 and the name they
    /// repeal it by.
    #[serde(default)]
    pub repealed_by: Vec<RepealInfo>,
}

impl From<DocumentView> for DocumentJson {
    fn from(view: DocumentView) -> DocumentJson {
        let sections: Vec<SectionJson> = view
            .sections
            .into_iter()
            .map(
                |Section {
                     label,
                     heading,
                     text,
                 }| SectionJson {
                    label,
                    heading,
                    matched: text.has_match(),
                    matches: text.matches.len(),
                    html: snippet_html(&text, true),
                },
            )
            .collect();
        DocumentJson {
            document: view.document,
            matches: sections.iter().map(|s| s.matches).sum(),
            sections,
            truncated: view.truncated,
            status: view.validity,
            versions: view.versions,
            repealed_by: view.repealed_by,
        }
    }
}

/// The body of `GET /api/documents/{id}/compare/{other}`: 新旧对照.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparisonJson {
    /// The older document (by date).
    pub old: VersionInfo,
    /// The newer document.
    pub new: VersionInfo,
    /// How many units (条, headings, paragraphs) are 未变, 修改, 新增 and 删除.
    pub summary: BTreeMap<String, usize>,
    /// The units aligned, in the newer text's order.
    pub pairs: Vec<PairJson>,
}

/// A unit of the older text beside the one it became in the newer text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairJson {
    /// 未变, 修改, 新增 or 删除.
    pub change: String,
    /// How alike the two sides are, 0 to 1.
    pub similarity: f32,
    /// In the older text; absent when added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<SideJson>,
    /// In the newer text; absent when removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<SideJson>,
}

/// One side of a [`PairJson`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideJson {
    /// Its number, e.g. `第十二条`; absent for a paragraph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Its text, HTML-escaped, with what the other side lacks in `<del>` (older side) or
    /// `<ins>` (newer side).
    pub html: String,
}

impl From<Comparison> for ComparisonJson {
    fn from(comparison: Comparison) -> ComparisonJson {
        let mut summary: BTreeMap<String, usize> = [
            Change::Unchanged,
            Change::Changed,
            Change::Added,
            Change::Removed,
        ]
        .iter()
        .map(|change| (change.name().to_string(), 0))
        .collect();
        let pairs = comparison
            .aligned
            .into_iter()
            .map(|aligned| {
                *summary
                    .entry(aligned.change.name().to_string())
                    .or_default() += 1;
                let side = |side: Option<Side>, tag: &str| {
                    side.map(|side| SideJson {
                        html: ranges_html(&side.text, &side.changed, tag),
                        label: side.label,
                    })
                };
                PairJson {
                    change: aligned.change.name().to_string(),
                    similarity: (aligned.similarity * 1000.0).round() / 1000.0,
                    old: side(aligned.old, "del"),
                    new: side(aligned.new, "ins"),
                }
            })
            .collect();
        ComparisonJson {
            old: comparison.old,
            new: comparison.new,
            summary,
            pairs,
        }
    }
}

/// `text` escaped, the byte `ranges` (ascending, apart) wrapped in `<tag>…</tag>`.
fn ranges_html(text: &str, ranges: &[std::ops::Range<usize>], tag: &str) -> String {
    let mut html = String::with_capacity(text.len() + 11 * ranges.len());
    let mut at = 0;
    for range in ranges {
        escape_html_into(&text[at..range.start], &mut html);
        html.push_str(&format!("<{tag}>"));
        escape_html_into(&text[range.clone()], &mut html);
        html.push_str(&format!("</{tag}>"));
        at = range.end;
    }
    escape_html_into(&text[at..], &mut html);
    html
}

/// One part of a document's text: a heading, a 条, or the text between.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectionJson {
    /// The 条's label, e.g. `第十二条`; none for text outside any 条.
    pub label: Option<String>,
    /// The text, HTML-escaped, with the query's matches in `<mark>…</mark>`.
    pub html: String,
    /// Whether the query matches in this section.
    pub matched: bool,
    /// How many matches of the query the section marks.
    #[serde(default)]
    pub matches: usize,
    /// For a heading (编, 章, 节, or an outline heading such as `二、主要任务`): its level, 1 for
    /// a 编, 2 for a 章 or outline heading, 3 for a 节. Absent for other text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<u8>,
}

/// `snippet` as HTML: everything escaped, matches in `<mark>…</mark>` when `highlight`.
pub fn snippet_html(snippet: &Snippet, highlight: bool) -> String {
    let mut html = String::with_capacity(snippet.text.len() + 16 * snippet.matches.len());
    for (piece, matched) in snippet.pieces() {
        let mark = matched && highlight;
        if mark {
            html.push_str("<mark>");
        }
        escape_html_into(piece, &mut html);
        if mark {
            html.push_str("</mark>");
        }
    }
    html
}

/// Escape `&<>"'` for HTML text and attributes.
pub fn escape_html_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::matching::Pattern;
    use crate::search::snippet::snippet;

    fn html(text: &str, pattern: &str) -> String {
        let patterns = [Pattern::new(pattern, 3.0).unwrap()];
        snippet_html(&snippet(text, &patterns), true)
    }

    const SEED: &str = "5月27日,长三角一体化发展高层论坛上,一份战略合作框架协议的签署引人注目:\
        上海市嘉定区、青浦区,江苏省苏州市、无锡市、常州市,浙江省湖州市、嘉兴市,安徽省宣城市\
        两区六市签署协议,共建环太湖科技创新圈。";

    #[test]
    fn phrase_across_word_boundary_is_marked_where_it_occurs() {
        let html = html(SEED, "湖科");
        assert!(html.contains("环太<mark>湖科</mark>技创新圈"), "{html}");
    }

    #[test]
    fn markup_in_text_is_escaped() {
        let html = html("<script>alert(1)</script>环太湖", "太湖");
        assert_eq!(
            html,
            "&lt;script&gt;alert(1)&lt;/script&gt;环<mark>太湖</mark>"
        );
    }

    #[test]
    fn full_width_text_matches_half_width_query() {
        let html = html("应对ＣＯＶＩＤ－１９疫情", "covid-19");
        assert_eq!(html, "应对<mark>ＣＯＶＩＤ－１９</mark>疫情");
    }

    #[test]
    fn without_highlight_matches_are_plain_escaped_text() {
        let patterns = [Pattern::new("太湖", 1.0).unwrap()];
        let plain = snippet_html(&snippet("<b>环太湖</b>", &patterns), false);
        assert_eq!(plain, "&lt;b&gt;环太湖&lt;/b&gt;");
    }
}
