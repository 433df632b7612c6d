//! The HTTP service (warp): the JSON API and the embedded search page. The engine knows nothing
//! of HTTP; this module translates requests into engine calls and [`Error`]s into status codes
//! and JSON error bodies `{"error":{"code":"…","message":"…"}}`.
//!
//! | route | |
//! | --- | --- |
//! | `GET /` | the search page (with `/app.js`, `/app.css`), embedded in the binary |
//! | `GET /api/search?q=…`, `POST /api/search` | search; the README lists every parameter |
//! | `GET /api/documents/{id}?q=…` | a document with its 条 and the query's matches marked |
//! | `GET /api/documents/{id}/similar` | related documents |
//! | `GET /api/stats`, `GET /healthz` | facts about the index; liveness |
//!
//! Searches run on Tokio's blocking pool, so a slow search never stalls other requests. The
//! engine's reader reloads by itself within a second of a commit by another process.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use warp::http::{header, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::error::Error;
use crate::search::{Engine, Filters, SearchRequest, DEFAULT_LIMIT, DEFAULT_SIMILAR};

/// Largest request body accepted (`POST /api/search`).
pub const MAX_BODY_BYTES: u64 = 64 * 1024;

/// The page, its script and its style, served as they are.
const PAGE_HTML: &str = include_str!("page/index.html");
const PAGE_JS: &str = include_str!("page/app.js");
const PAGE_CSS: &str = include_str!("page/app.css");
/// The page loads nothing from elsewhere and runs no inline script.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

/// How the service behaves beyond its defaults.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// An origin allowed to call the API from a browser (CORS); none by default.
    pub cors_origin: Option<String>,
}

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

/// Parameters of a search, by name, as the query string or the JSON body gives them.
const SEARCH_PARAMETERS: &[&str] = &[
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

/// The search request that `params` describe; one path for GET and POST.
fn search_request(params: &HashMap<String, String>) -> Result<SearchRequest, Error> {
    if let Some(unknown) = params
        .keys()
        .find(|key| !SEARCH_PARAMETERS.contains(&key.as_str()))
    {
        return Err(Error::InvalidParameter {
            name: "request",
            message: format!(
                "unknown parameter `{unknown}`: use {}",
                SEARCH_PARAMETERS.join(", ")
            ),
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

/// The parameters of a JSON body: an object of strings, numbers and booleans.
fn body_parameters(body: &[u8]) -> Result<HashMap<String, String>, Error> {
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

fn static_file(content: &'static str, content_type: &'static str) -> Response {
    let mut response = Response::new(content.into());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

/// All routes of the service, for `engine`.
pub fn routes(
    engine: Arc<Engine>,
    options: &ServerOptions,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let with_engine = warp::any().map(move || engine.clone());
    let page = warp::path::end()
        .and(warp::get())
        .map(|| static_file(PAGE_HTML, "text/html; charset=utf-8"));
    let script = warp::path!("app.js")
        .and(warp::get())
        .map(|| static_file(PAGE_JS, "text/javascript; charset=utf-8"));
    let style = warp::path!("app.css")
        .and(warp::get())
        .map(|| static_file(PAGE_CSS, "text/css; charset=utf-8"));

    let search_get = warp::path!("api" / "search")
        .and(warp::get())
        .and(warp::query::<HashMap<String, String>>());
    let search_post = warp::path!("api" / "search")
        .and(warp::post())
        .and(warp::body::content_length_limit(MAX_BODY_BYTES))
        .and(warp::body::bytes())
        .map(|body: warp::hyper::body::Bytes| body_parameters(&body));
    let search = search_get
        .map(Ok)
        .or(search_post)
        .unify()
        .and(with_engine.clone())
        .then(
            |params: Result<HashMap<String, String>, Error>, engine: Arc<Engine>| async move {
                match params.and_then(|params| search_request(&params)) {
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
                    blocking(move || engine.document_view(&id, params.get("q").map(String::as_str))).await
                }
            }
        });
    let stats = warp::path!("api" / "stats")
        .and(warp::get())
        .and(with_engine.clone())
        .then(|engine: Arc<Engine>| async move { blocking(move || engine.stats()).await });
    let health = warp::path!("healthz")
        .and(warp::get())
        .and(with_engine)
        .map(|engine: Arc<Engine>| {
            warp::reply::json(&serde_json::json!({"status": "ok", "documents": engine.num_docs()}))
                .into_response()
        });

    let api = page
        .or(script)
        .unify()
        .or(style)
        .unify()
        .or(search)
        .unify()
        .or(document)
        .unify()
        .or(stats)
        .unify()
        .or(health)
        .unify()
        .recover(handle_rejection)
        .unify();
    let cors = options.cors_origin.clone();
    api.map(move |response: Response| with_cors(response, cors.as_deref()))
        .with(warp::log::custom(access_log))
}

/// Add CORS headers for the one allowed origin, if any.
fn with_cors(mut response: Response, origin: Option<&str>) -> Response {
    if let Some(value) = origin.and_then(|o| header::HeaderValue::from_str(o).ok()) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, header::HeaderValue::from_static("Origin"));
    }
    response
}

fn access_log(info: warp::log::Info<'_>) {
    tracing::info!(
        target: "policy_search::access",
        method = %info.method(),
        path = info.path(),
        status = info.status().as_u16(),
        ms = info.elapsed().as_secs_f64() * 1e3,
        "request"
    );
}

async fn handle_rejection(rejection: Rejection) -> Result<Response, Infallible> {
    Ok(if rejection.is_not_found() {
        error_reply(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route: see the README for the API".to_string(),
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        error_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than {} bytes", MAX_BODY_BYTES),
        )
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        error_reply(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "send a Content-Length header".to_string(),
        )
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        error_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route answers GET (and POST for /api/search)".to_string(),
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

/// Serve on `listener` until `shutdown` completes, then finish the requests in flight.
pub async fn serve(
    engine: Arc<Engine>,
    listener: tokio::net::TcpListener,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let started = Instant::now();
    let routes = routes(engine, &options);
    tracing::debug!("routes ready in {:?}", started.elapsed());
    warp::serve(routes)
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
}
