//! The JSON API over HTTP (warp). The engine knows nothing of HTTP; this module translates
//! requests into [`SearchRequest`]s and [`Error`]s into status codes and JSON error bodies.
//!
//! Routes: `GET /api/search?q=…` (see the README for every parameter), `GET
//! /api/documents/{id}` (id percent-encoded), `GET /api/documents/{id}/similar`, `GET /healthz`.
//! Errors: `{"error":{"code":"…","message":"…"}}`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::error::Error;
use crate::search::{Engine, Filters, SearchRequest, DEFAULT_LIMIT, DEFAULT_SIMILAR};

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

fn error_reply(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail { code, message },
    };
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

/// The HTTP status for an engine error.
fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::InvalidQuery { .. } | Error::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
        Error::DocumentNotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn reply_result<T: Serialize>(result: Result<T, Error>) -> Response {
    match result {
        Ok(value) => warp::reply::json(&value).into_response(),
        Err(error) => error_reply(status_of(&error), error.code(), error.to_string()),
    }
}

/// Run `work` on the blocking pool so a slow search never stalls the async threads.
async fn blocking<T: Serialize + Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => reply_result(result),
        Err(error) => error_reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("search failed: {error}"),
        ),
    }
}

fn parse_number(
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

/// The search request a query string describes.
fn search_request(params: &HashMap<String, String>) -> Result<SearchRequest, Error> {
    const KNOWN: &[&str] = &[
        "q",
        "limit",
        "offset",
        "category",
        "region",
        "type",
        "agency",
        "year",
        "date",
        "sort",
        "facets",
        "articles",
        "highlight",
    ];
    if let Some(unknown) = params.keys().find(|key| !KNOWN.contains(&key.as_str())) {
        return Err(Error::InvalidParameter {
            name: "query string",
            message: format!("unknown parameter `{unknown}`: use {}", KNOWN.join(", ")),
        });
    }
    let q = params.get("q").ok_or_else(|| Error::InvalidParameter {
        name: "q",
        message: "missing: add ?q=your+query".to_string(),
    })?;
    let text = |name: &str| params.get(name).cloned();
    let mut request = SearchRequest::new(q.clone());
    request.limit = parse_number(params, "limit", DEFAULT_LIMIT)?;
    request.offset = parse_number(params, "offset", 0)?;
    request.filters = Filters {
        category: text("category"),
        region: text("region"),
        doc_type: text("type"),
        agency: text("agency"),
        year: text("year"),
        date: text("date"),
    };
    if let Some(sort) = params.get("sort") {
        request.sort = sort.parse()?;
    }
    request.facets = parse_flag(params, "facets", false)?;
    request.articles = parse_flag(params, "articles", false)?;
    request.highlight = parse_flag(params, "highlight", true)?;
    Ok(request)
}

/// All routes of the API, for `engine`.
pub fn routes(
    engine: Arc<Engine>,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
    let with_engine = warp::any().map(move || engine.clone());
    let search = warp::path!("api" / "search")
        .and(warp::get())
        .and(warp::query::<HashMap<String, String>>())
        .and(with_engine.clone())
        .then(
            |params: HashMap<String, String>, engine: Arc<Engine>| async move {
                match search_request(&params) {
                    Ok(request) => blocking(move || engine.search(&request)).await,
                    Err(error) => reply_result::<()>(Err(error)),
                }
            },
        );
    let document = warp::path("api")
        .and(warp::path("documents"))
        .and(warp::path::tail())
        .and(warp::get())
        .and(with_engine.clone())
        .and(warp::query::<HashMap<String, String>>())
        .then(|tail: warp::path::Tail, engine: Arc<Engine>, params: HashMap<String, String>| async move {
            let decode = |raw: &str| percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned();
            // Ids are percent-encoded (`/` as %2F), so a literal `/similar` ends the id.
            match tail.as_str().strip_suffix("/similar") {
                Some(raw) => {
                    let id = decode(raw);
                    match parse_number(&params, "limit", DEFAULT_SIMILAR) {
                        Ok(limit) => blocking(move || engine.similar(&id, limit)).await,
                        Err(error) => reply_result::<()>(Err(error)),
                    }
                }
                None => {
                    let id = decode(tail.as_str());
                    blocking(move || engine.document(&id)).await
                }
            }
        });
    let health = warp::path!("healthz")
        .and(warp::get())
        .and(with_engine)
        .map(|engine: Arc<Engine>| {
            warp::reply::json(&serde_json::json!({"status": "ok", "documents": engine.num_docs()}))
                .into_response()
        });
    search
        .or(document)
        .unify()
        .or(health)
        .unify()
        .recover(handle_rejection)
        .unify()
}

async fn handle_rejection(rejection: Rejection) -> Result<Response, Infallible> {
    Ok(if rejection.is_not_found() {
        error_reply(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route: see the README for the API".to_string(),
        )
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        error_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "use GET for this route".to_string(),
        )
    } else if let Some(error) = rejection.find::<warp::reject::InvalidQuery>() {
        error_reply(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("malformed query string: {error}"),
        )
    } else {
        error_reply(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{rejection:?}"),
        )
    })
}

/// Serve the API on `listener` until `shutdown` completes.
pub async fn serve(
    engine: Arc<Engine>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    warp::serve(routes(engine))
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
}
