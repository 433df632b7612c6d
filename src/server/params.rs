//! Request parameters: a search from a query string or a JSON body, one path for both.

use std::collections::HashMap;

use crate::document::Filter;
use crate::error::Error;
use crate::search::{SearchRequest, DEFAULT_LIMIT};
use crate::workbench::kwic::DEFAULT_CONTEXT;
use crate::workbench::{ConcordanceRequest, TableFormat, TrendsRequest};

/// The whole number `name`, `default` when absent.
pub fn parse_number(
    params: &HashMap<String, String>,
    name: &'static str,
    default: usize,
) -> Result<usize, Error> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| Error::InvalidParameter {
            name,
            message: format!("`{text}` is not a non-negative whole number"),
        }),
    }
}

/// The flag `name`, `default` when absent.
fn parse_flag(
    params: &HashMap<String, String>,
    name: &'static str,
    default: bool,
) -> Result<bool, Error> {
    match params.get(name).map(|v| v.trim()) {
        None => Ok(default),
        Some("true" | "1" | "on" | "") => Ok(true),
        Some("false" | "0" | "off") => Ok(false),
        Some(text) => Err(Error::InvalidParameter {
            name,
            message: format!("`{text}` is not true or false"),
        }),
    }
}

/// Parameters of a search, by name, as the query string or the JSON body gives them: the
/// query, paging, every [`Filter`], then the options.
fn search_parameters() -> Vec<&'static str> {
    let mut names = vec!["q", "limit", "offset"];
    names.extend(Filter::all().map(Filter::name));
    names.extend([
        "sort",
        "facets",
        "articles",
        "highlight",
        "match",
        "explain",
        "collapse",
    ]);
    names
}

/// The query and filters that `params` describe, after checking that every parameter is one
/// of `known`.
fn query_and_filters(
    params: &HashMap<String, String>,
    known: &[&'static str],
) -> Result<SearchRequest, Error> {
    if let Some(unknown) = params.keys().find(|key| !known.contains(&key.as_str())) {
        return Err(Error::UnknownParameter {
            name: unknown.clone(),
            known: known.join(", "),
        });
    }
    let q = params.get("q").ok_or_else(|| Error::InvalidParameter {
        name: "q",
        message: "missing: add ?q=your+query".to_string(),
    })?;
    let mut request = SearchRequest::new(q.clone());
    for filter in Filter::all() {
        if let Some(value) = params.get(filter.name()) {
            request.filters.set(filter, value.as_str());
        }
    }
    Ok(request)
}

/// The search request that `params` describe; one path for GET and POST.
pub fn search_request(params: &HashMap<String, String>) -> Result<SearchRequest, Error> {
    let mut request = query_and_filters(params, &search_parameters())?;
    request.limit = parse_number(params, "limit", DEFAULT_LIMIT)?;
    request.offset = parse_number(params, "offset", 0)?;
    if let Some(sort) = params.get("sort") {
        request.sort = sort.parse()?;
    }
    request.facets = parse_flag(params, "facets", false)?;
    request.articles = parse_flag(params, "articles", false)?;
    request.highlight = parse_flag(params, "highlight", true)?;
    if let Some(mode) = params.get("match") {
        request.match_mode = mode.parse()?;
    }
    request.explain = parse_flag(params, "explain", false)?;
    request.collapse = parse_flag(params, "collapse", true)?;
    Ok(request)
}

/// The search and table format of `GET /api/export`: `q`, the filters, `sort` and `format`.
pub fn export_request(
    params: &HashMap<String, String>,
) -> Result<(SearchRequest, TableFormat), Error> {
    let mut known = vec!["q", "sort", "format"];
    known.extend(Filter::all().map(Filter::name));
    let mut request = query_and_filters(params, &known)?;
    if let Some(sort) = params.get("sort") {
        request.sort = sort.parse()?;
    }
    let format = params
        .get("format")
        .map_or(Ok(TableFormat::Csv), |f| f.parse())?;
    Ok((request, format))
}

/// The concordance of `GET /api/kwic`: `q`, the filters, `context`, `sort`, `limit`, `offset`.
pub fn concordance_request(params: &HashMap<String, String>) -> Result<ConcordanceRequest, Error> {
    let mut known = vec!["q", "context", "sort", "limit", "offset"];
    known.extend(Filter::all().map(Filter::name));
    let search = query_and_filters(params, &known)?;
    let mut request = ConcordanceRequest::new(search.q.clone());
    request.search = search;
    request.context = parse_number(params, "context", DEFAULT_CONTEXT)?;
    if let Some(sort) = params.get("sort") {
        request.sort = sort.parse()?;
    }
    request.limit = parse_number(params, "limit", request.limit)?;
    request.offset = parse_number(params, "offset", 0)?;
    Ok(request)
}

/// The concordance of `GET /api/kwic/export`: those of `GET /api/kwic` (`limit` and `offset`
/// are ignored: every line is written) and `format`.
pub fn concordance_export_request(
    params: &HashMap<String, String>,
) -> Result<(ConcordanceRequest, TableFormat), Error> {
    let mut params = params.clone();
    let format = params
        .remove("format")
        .map_or(Ok(TableFormat::Csv), |f| f.parse())?;
    Ok((concordance_request(&params)?, format))
}

/// The trend of `GET /api/trends`: `terms` (comma-separated), `by`, `measure` and the filters.
pub fn trends_request(params: &HashMap<String, String>) -> Result<TrendsRequest, Error> {
    let mut known = vec!["terms", "by", "measure"];
    known.extend(Filter::all().map(Filter::name));
    if let Some(unknown) = params.keys().find(|key| !known.contains(&key.as_str())) {
        return Err(Error::UnknownParameter {
            name: unknown.clone(),
            known: known.join(", "),
        });
    }
    let terms = params.get("terms").ok_or_else(|| Error::InvalidParameter {
        name: "terms",
        message: "missing: add ?terms=科技创新,数字经济".to_string(),
    })?;
    let mut filters = crate::document::Filters::default();
    for filter in Filter::all() {
        if let Some(value) = params.get(filter.name()) {
            filters.set(filter, value.as_str());
        }
    }
    Ok(TrendsRequest {
        terms: terms
            .split([',', '，'])
            .map(str::trim)
            .filter(|term| !term.is_empty())
            .map(str::to_string)
            .collect(),
        by: params
            .get("by")
            .map_or(Ok(crate::workbench::TrendBy::Year), |by| by.parse())?,
        measure: params
            .get("measure")
            .map_or(Ok(crate::workbench::Measure::Documents), |m| m.parse())?,
        filters,
    })
}

/// The search, `limit` and `min_count` of `GET /api/collocates`.
pub fn collocates_request(
    params: &HashMap<String, String>,
) -> Result<(SearchRequest, usize, u64), Error> {
    let mut known = vec!["q", "limit", "min_count"];
    known.extend(Filter::all().map(Filter::name));
    let search = query_and_filters(params, &known)?;
    let limit = parse_number(params, "limit", 20)?;
    let min_count = parse_number(params, "min_count", 3)? as u64;
    Ok((search, limit, min_count))
}

/// The text of `GET /api/analyze?text=…`.
pub fn analyze_text(params: &HashMap<String, String>) -> Result<String, Error> {
    if let Some(unknown) = params.keys().find(|key| key.as_str() != "text") {
        return Err(Error::UnknownParameter {
            name: unknown.clone(),
            known: "text".to_string(),
        });
    }
    let text = params.get("text").ok_or_else(|| Error::InvalidParameter {
        name: "text",
        message: "missing: add ?text=the+text+or+query".to_string(),
    })?;
    if text.chars().count() > crate::query::MAX_QUERY_CHARS {
        return Err(Error::InvalidParameter {
            name: "text",
            message: format!(
                "longer than {} characters: analyse a shorter text",
                crate::query::MAX_QUERY_CHARS
            ),
        });
    }
    Ok(text.clone())
}

/// The parameters of a JSON body: an object of strings, numbers and booleans.
pub fn body_parameters(body: &[u8]) -> Result<HashMap<String, String>, Error> {
    let invalid = |message: String| Error::InvalidParameter {
        name: "body",
        message,
    };
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| invalid(format!("not valid JSON: {error}")))?;
    let serde_json::Value::Object(object) = value else {
        return Err(invalid(
            "expected a JSON object such as {\"q\":\"太湖\"}".to_string(),
        ));
    };
    let mut params = HashMap::new();
    for (key, value) in object {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(number) => number.to_string(),
            serde_json::Value::Bool(flag) => flag.to_string(),
            _ => {
                return Err(invalid(format!(
                    "`{key}` must be a string, number or boolean"
                )))
            }
        };
        params.insert(key, text);
    }
    Ok(params)
}
