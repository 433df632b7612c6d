//! The one policy document: what ingest makes, the index stores and search returns.
//!
//! Its metadata fields are listed once, in `metadata_fields!`'s invocation below: that list
//! makes the [`Metadata`] struct, the [`MetaField`] enum and its table, and from the table the
//! index schema, the stored fields read back, the facets, the search filters (CLI flags and
//! HTTP parameters) and the query language's `field:` names all follow.

use serde::{Deserialize, Serialize};

/// One document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Unique id: a file's path relative to its corpus root, or a JSONL record's `id`.
    pub id: String,
    /// The title.
    pub title: String,
    /// The full text without the title.
    pub body: String,
    /// Dates, category, region, 文种, 发文机关, 发文字号 and source (in JSON, fields of the
    /// document itself).
    #[serde(flatten)]
    pub metadata: Metadata,
    /// The file the document was read from.
    pub path: String,
}

/// How a metadata field is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A day: indexed for ranges, sortable, stored.
    Date,
    /// A value matched exactly (`field:value`), counted by facets, stored.
    Keyword,
    /// Stored for display only.
    Stored,
}

/// A metadata field's entry in [`MetaField::ALL`].
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The field.
    pub field: MetaField,
    /// Its name in the schema, in JSON and in the query language.
    pub name: &'static str,
    /// How it is indexed.
    pub kind: FieldKind,
    /// Shown with every search hit, not only in the document view.
    pub in_hits: bool,
    /// Counted as a facet and offered as a filter (`--region`, `region=`).
    pub facet: bool,
    /// What it is, for help texts: `region (e.g. 上海)`.
    pub about: &'static str,
}

/// A metadata value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A day.
    Date(time::Date),
    /// Text.
    Text(&'a str),
}

/// Writes the metadata struct, the field enum and the field table from one list.
macro_rules! metadata_fields {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident / $variant:ident : $kind:ident = $name:literal,
            in_hits: $in_hits:literal, facet: $facet:literal, about: $about:literal;
    )*) => {
        /// What is known of a document beside its id, title, text and path.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Metadata {
            $(
                $(#[doc = $doc])*
                #[serde(rename = $name, default, with = "field_value")]
                pub $field: metadata_fields!(@type $kind),
            )*
        }

        /// A metadata field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MetaField {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl MetaField {
            /// Every metadata field, in the order of the JSON documents.
            pub const ALL: &'static [FieldSpec] = &[
                $(FieldSpec {
                    field: MetaField::$variant,
                    name: $name,
                    kind: FieldKind::$kind,
                    in_hits: $in_hits,
                    facet: $facet,
                    about: $about,
                },)*
            ];
        }

        impl Metadata {
            /// The value of `field`, if known.
            pub fn get(&self, field: MetaField) -> Option<Value<'_>> {
                match field {
                    $( MetaField::$variant => metadata_fields!(@get $kind, self.$field), )*
                }
            }

            /// Set `field` to `value`; a value of the other kind is ignored.
            pub fn set(&mut self, field: MetaField, value: Value<'_>) {
                match field {
                    $( MetaField::$variant => metadata_fields!(@set $kind, self.$field, value), )*
                }
            }
        }
    };
    (@type Date) => { Option<time::Date> };
    (@type Keyword) => { Option<String> };
    (@type Stored) => { Option<String> };
    (@get Date, $value:expr) => { $value.map(Value::Date) };
    (@get $kind:ident, $value:expr) => { $value.as_deref().map(Value::Text) };
    (@set Date, $slot:expr, $value:expr) => {
        if let Value::Date(date) = $value { $slot = Some(date) }
    };
    (@set $kind:ident, $slot:expr, $value:expr) => {
        if let Value::Text(text) = $value { $slot = Some(text.to_string()) }
    };
}

metadata_fields! {
    /// The document's date: given, from the file name, or its 公布/成文/施行 date.
    date / Date: Date = "date", in_hits: true, facet: false, about: "date";
    /// Category, e.g. 行政法规 (a JSONL field, or the file's top-level folder).
    category / Category: Keyword = "category", in_hits: true, facet: true,
        about: "category (e.g. 行政法规)";
    /// Province or city (a JSONL field, or a folder named after a province).
    region / Region: Keyword = "region", in_hits: true, facet: true, about: "region (e.g. 上海)";
    /// 文种 (a JSONL field `type`, or the ending of the title).
    doc_type / Type: Keyword = "type", in_hits: true, facet: true, about: "文种 (e.g. 条例)";
    /// 效力级别: how binding the document is (宪法, 法律, 行政法规, 司法解释, 部门规章, 地方性法规,
    /// 地方政府规章, 规范性文件, 工作报告), a JSONL field `level` or derived from the category,
    /// the issuing body and the 文种 (see `ingest::metadata::level_of`).
    level / Level: Keyword = "level", in_hits: true, facet: true,
        about: "效力级别 (e.g. 地方性法规)";
    /// 发文机关 (a JSONL field `agency`, or found in the text).
    agency / Agency: Keyword = "agency", in_hits: true, facet: true, about: "发文机关";
    /// 发文字号, brackets normalised to 〔〕.
    doc_number / DocNumber: Keyword = "doc_number", in_hits: true, facet: false,
        about: "发文字号";
    /// 发文字号 as written in the text.
    doc_number_original / DocNumberOriginal: Stored = "doc_number_original", in_hits: false,
        facet: false, about: "发文字号 as written";
    /// 成文日期 found in the text.
    issued / Issued: Date = "issued", in_hits: false, facet: false, about: "成文日期";
    /// 公布日期 found in the text.
    published / Published: Date = "published", in_hits: false, facet: false, about: "公布日期";
    /// 施行日期 found in the text.
    effective / Effective: Date = "effective", in_hits: false, facet: false, about: "施行日期";
    /// Where the text was taken from (a JSONL field).
    source / Source: Stored = "source", in_hits: false, facet: false, about: "source";
}

impl MetaField {
    /// This field's entry in [`MetaField::ALL`].
    pub fn spec(self) -> &'static FieldSpec {
        // ALL lists every variant in declaration order.
        &MetaField::ALL[self as usize]
    }

    /// Its name in the schema, in JSON and in the query language.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The field named `name`.
    pub fn named(name: &str) -> Option<MetaField> {
        MetaField::ALL
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.field)
    }
}

/// A filter on the document graph: what other documents say of a document, resolved when the
/// search runs (see `search::graph`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphFilter {
    /// 时效性: 现行有效, 已修改, 已废止 or 尚未生效.
    Status,
    /// The documents the document with this id cites.
    Cites,
    /// The documents citing the document with this id.
    CitedBy,
}

impl GraphFilter {
    /// Every graph filter.
    pub const ALL: [GraphFilter; 3] = [
        GraphFilter::Status,
        GraphFilter::Cites,
        GraphFilter::CitedBy,
    ];

    /// Its name in the query language, as a CLI flag and as an HTTP parameter.
    pub fn name(self) -> &'static str {
        match self {
            GraphFilter::Status => "status",
            GraphFilter::Cites => "cites",
            GraphFilter::CitedBy => "cited_by",
        }
    }

    /// The graph filter named `name`.
    pub fn named(name: &str) -> Option<GraphFilter> {
        GraphFilter::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether `value` is one this filter takes (a 时效性 for `status`; any id otherwise), and
    /// if not, why.
    pub fn check(self, value: &str) -> Result<(), String> {
        if self == GraphFilter::Status && Validity::named(value).is_none() {
            return Err(format!(
                "`{value}` is not one of {}",
                Validity::ALL.map(Validity::name).join(", ")
            ));
        }
        Ok(())
    }
}

/// A way to narrow a search beside its query: a facet field's value, a year or a date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// A [`FieldSpec::facet`] field, exactly.
    Field(MetaField),
    /// A filter on the document graph.
    Graph(GraphFilter),
    /// A year, `2021`.
    Year,
    /// A date range in the query language's form, `2020-01..2021-06` or `>=2019`.
    Date,
}

impl Filter {
    /// Every filter, in the order of CLI flags and HTTP parameters.
    pub fn all() -> impl Iterator<Item = Filter> {
        MetaField::ALL
            .iter()
            .filter(|spec| spec.facet)
            .map(|spec| Filter::Field(spec.field))
            .chain([
                Filter::Graph(GraphFilter::Status),
                Filter::Year,
                Filter::Date,
            ])
            .chain([GraphFilter::Cites, GraphFilter::CitedBy].map(Filter::Graph))
    }

    /// Its name as a CLI flag (`--region`) and an HTTP parameter (`region=`).
    pub fn name(self) -> &'static str {
        match self {
            Filter::Field(field) => field.name(),
            Filter::Graph(filter) => filter.name(),
            Filter::Year => "year",
            Filter::Date => "date",
        }
    }

    /// The filter named `name`.
    pub fn named(name: &str) -> Option<Filter> {
        Filter::all().find(|filter| filter.name() == name)
    }

    /// One line of help.
    pub fn help(self) -> String {
        match self {
            Filter::Field(field) => format!("Only this {}.", field.spec().about),
            Filter::Graph(GraphFilter::Status) => {
                "Only this 时效性 (现行有效, 已修改, 已废止, 尚未生效).".to_string()
            }
            Filter::Graph(GraphFilter::Cites) => {
                "Only documents the document with this id cites.".to_string()
            }
            Filter::Graph(GraphFilter::CitedBy) => {
                "Only documents citing the document with this id.".to_string()
            }
            Filter::Year => "Only this year (e.g. 2021).".to_string(),
            Filter::Date => "Only this date range (2021, 2020-01..2021-06, >=2019).".to_string(),
        }
    }
}

/// Filters that narrow a search, beside those written in the query itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(Vec<(Filter, String)>);

impl Filters {
    /// These filters and `filter` set to `value` (an empty value sets nothing).
    pub fn with(mut self, filter: Filter, value: impl Into<String>) -> Filters {
        self.set(filter, value);
        self
    }

    /// Set `filter` to `value`, replacing an earlier value; an empty value removes it.
    pub fn set(&mut self, filter: Filter, value: impl Into<String>) {
        let value = value.into();
        self.0.retain(|(f, _)| *f != filter);
        if !value.is_empty() {
            self.0.push((filter, value));
        }
    }

    /// The value of `filter`, if set.
    pub fn get(&self, filter: Filter) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == filter)
            .map(|(_, value)| value.as_str())
    }

    /// The filters set, in [`Filter::all`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = (Filter, &str)> {
        Filter::all().filter_map(|filter| self.get(filter).map(|value| (filter, value)))
    }
}

/// The 时效性 of a document, as far as the indexed texts tell it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    /// No newer version is indexed and the 施行 date, if any, has come.
    #[default]
    #[serde(rename = "现行有效")]
    InForce,
    /// A newer version of the same instrument is indexed.
    #[serde(rename = "已修改")]
    Amended,
    /// Its 施行 date is still to come.
    #[serde(rename = "尚未生效")]
    NotYetInForce,
    /// Another indexed document repeals it (`…《X》同时废止`; see `search::graph`).
    #[serde(rename = "已废止")]
    Repealed,
}

impl Validity {
    /// Its name, as in JSON and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Validity::InForce => "现行有效",
            Validity::Amended => "已修改",
            Validity::NotYetInForce => "尚未生效",
            Validity::Repealed => "已废止",
        }
    }

    /// Every validity, in the order a facet lists them.
    pub const ALL: [Validity; 4] = [
        Validity::InForce,
        Validity::Amended,
        Validity::Repealed,
        Validity::NotYetInForce,
    ];

    /// The validity named `name` (`现行有效`).
    pub fn named(name: &str) -> Option<Validity> {
        Validity::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The validity of a document that another repeals (`repealed`), whose chain has a newer
    /// version (`superseded`) and whose 施行 date is `effective`, on `today`. A repeal says
    /// most (a new version that repeals the old one by name makes it 已废止), then a newer
    /// version: a text already replaced is 已修改 even if it never came into force.
    pub fn of(
        repealed: bool,
        superseded: bool,
        effective: Option<time::Date>,
        today: time::Date,
    ) -> Validity {
        if repealed {
            Validity::Repealed
        } else if superseded {
            Validity::Amended
        } else if effective.is_some_and(|day| day > today) {
            Validity::NotYetInForce
        } else {
            Validity::InForce
        }
    }
}

/// `YYYY-MM-DD`, the form every date takes in JSON and on screen.
pub fn format_day(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parse a `YYYY-MM-DD` date.
pub fn parse_day(text: &str) -> Result<time::Date, String> {
    let invalid = || format!("`{text}` is not a date of the form YYYY-MM-DD");
    let mut parts = text.splitn(3, '-');
    let mut next = |len: usize| {
        parts
            .next()
            .filter(|part| part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
    };
    let (Some(year), Some(month), Some(day)) = (next(4), next(2), next(2)) else {
        return Err(invalid());
    };
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let month: u8 = month.parse().map_err(|_| invalid())?;
    let day: u8 = day.parse().map_err(|_| invalid())?;
    let month = time::Month::try_from(month).map_err(|_| invalid())?;
    time::Date::from_calendar_date(year, month, day).map_err(|_| invalid())
}

/// A metadata value's text form in JSON: a day as `YYYY-MM-DD`, a text as itself.
trait FieldValue: Sized {
    fn to_text(&self) -> std::borrow::Cow<'_, str>;
    fn from_text(text: String) -> Result<Self, String>;
}

impl FieldValue for String {
    fn to_text(&self) -> std::borrow::Cow<'_, str> {
        self.into()
    }

    fn from_text(text: String) -> Result<Self, String> {
        Ok(text)
    }
}

impl FieldValue for time::Date {
    fn to_text(&self) -> std::borrow::Cow<'_, str> {
        format_day(*self).into()
    }

    fn from_text(text: String) -> Result<Self, String> {
        parse_day(&text)
    }
}

/// Serde for every metadata field: its text form, or null.
mod field_value {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::FieldValue;

    pub fn serialize<T: FieldValue, S: Serializer>(
        value: &Option<T>,
        out: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => out.serialize_str(&value.to_text()),
            None => out.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: FieldValue, D: Deserializer<'de>>(
        input: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(input)?
            .map(|text| T::from_text(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_field_in_declaration_order() {
        for (index, spec) in MetaField::ALL.iter().enumerate() {
            assert_eq!(spec.field as usize, index, "{}", spec.name);
            assert_eq!(MetaField::named(spec.name), Some(spec.field));
        }
    }

    #[test]
    fn json_keys_follow_the_table_and_dates_read_back() {
        let mut document = Document {
            id: "行政法规/太湖流域管理条例.md".into(),
            title: "太湖流域管理条例".into(),
            ..Document::default()
        };
        document.metadata.doc_type = Some("条例".into());
        document.metadata.effective = Some(time::macros::date!(2011 - 11 - 01));
        let json = serde_json::to_string(&document).unwrap();
        assert!(json.contains(r#""type":"条例""#), "{json}");
        assert!(json.contains(r#""effective":"2011-11-01""#), "{json}");
        let keys: Vec<&str> = MetaField::ALL.iter().map(|spec| spec.name).collect();
        let positions: Vec<usize> = keys
            .iter()
            .map(|key| json.find(&format!("\"{key}\":")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{json}");
        assert_eq!(serde_json::from_str::<Document>(&json).unwrap(), document);
    }

    #[test]
    fn filters_follow_the_facet_fields() {
        let names: Vec<&str> = Filter::all().map(Filter::name).collect();
        assert_eq!(
            names,
            [
                "category", "region", "type", "level", "agency", "status", "year", "date", "cites",
                "cited_by"
            ]
        );
        let filters = Filters::default()
            .with(Filter::Year, "2021")
            .with(Filter::Field(MetaField::Region), "山东")
            .with(Filter::Year, "");
        assert_eq!(
            filters.iter().collect::<Vec<_>>(),
            [(Filter::Field(MetaField::Region), "山东")]
        );
    }
}
