//! The HTTP service (warp): the JSON API and the embedded search page. The engine knows nothing
//! of HTTP; this module translates requests into engine calls and [`Error`]s into status codes
//! and JSON error bodies `{"error":{"code":"…","message":"…"}}`.
//!
//! | route | |
//! | --- | --- |
//! | `GET /` | the search page (with `/app.js`, `/app.css`), embedded in the binary |
//! | `GET /api/search?q=…`, `POST /api/search` | search; the README lists every parameter |
//! | `GET /api/documents/{id}?q=…&from=…` | a document with its 条 and the query's matches marked; a long one in parts from character `from` |
//! | `GET /api/documents/{id}/similar` | related documents |
//! | `GET /api/documents/{id}/compare/{other}` | 新旧对照: the two aligned article by article, the older first |
//! | `GET /api/documents/{id}/citations` | the indexed documents it cites and those citing it, with counts and the 条 |
//! | `GET /api/stats`, `GET /healthz` | facts about the index; liveness |
//!
//! Searches run on Tokio's blocking pool, so a slow search never stalls other requests. The
//! engine's reader reloads by itself within a second of a commit by another process.

pub mod admission;
mod download;
pub mod json;
mod params;
mod reply;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use warp::http::header;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::error::Error;
use crate::search::{Engine, DEFAULT_SIMILAR};
use crate::workbench::{collocates, concordance, trends, KwicSort};
use admission::{is_heavy, Admission};
use json::{ComparisonJson, DocumentJson, SearchJson};
use params::{
    analyze_text, body_parameters, collocates_request, concordance_export_request,
    concordance_request, export_request, parse_number, search_request, trends_request,
};
use reply::{blocking, blocking_admitted, handle_rejection, reply_result, TooLarge};

/// Largest request body accepted (`POST /api/search`).
pub const MAX_BODY_BYTES: u64 = 64 * 1024;
/// Longest request target (path and query string) answered: a query is at most 1,000
/// characters, 9 KB percent-encoded. Longer targets get 414 `uri_too_long`.
pub const MAX_URI_BYTES: usize = 16 << 10;
/// Most bytes of request headers answered; more get 431 `headers_too_large`. (Past hyper's own
/// limits, ~400 KB of headers or 100 headers or a 64 KB target, hyper answers before any route
/// runs, with an empty body, and closes the connection.)
pub const MAX_HEADER_BYTES: usize = 32 << 10;

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
    /// The slots heavy requests share (see [`admission`]).
    pub admission: Admission,
}

fn static_file(content: &'static str, content_type: &'static str) -> Response {
    with_headers(
        Response::new(content.into()),
        &[
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
    )
}

/// `response` with each `(name, value)` header set.
fn with_headers(
    mut response: Response,
    headers: &[(header::HeaderName, &'static str)],
) -> Response {
    let map = response.headers_mut();
    for (name, value) in headers {
        map.insert(name.clone(), header::HeaderValue::from_static(value));
    }
    response
}

/// All routes of the service, for `engine`.
pub fn routes(
    engine: Arc<Engine>,
    options: &ServerOptions,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let workbench_engine = engine.clone();
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
    let admission = options.admission.clone();
    let with_admission = warp::any().map(move || admission.clone());
    let search = search_get
        .map(Ok)
        .or(search_post)
        .unify()
        .and(with_engine.clone())
        .and(with_admission.clone())
        .then(
            |params: Result<HashMap<String, String>, Error>,
             engine: Arc<Engine>,
             admission: Admission| async move {
                match params.and_then(|params| search_request(&params)) {
                    Ok(request) => {
                        blocking_admitted(&admission, is_heavy(&request), move || {
                            let highlight = request.highlight;
                            engine
                                .search(&request)
                                .map(|response| SearchJson::new(response, highlight))
                        })
                        .await
                    }
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
        .and(with_admission.clone())
        .then(
            |tail: warp::path::Tail,
             engine: Arc<Engine>,
             params: HashMap<String, String>,
             admission: Admission| async move {
                let decode = |raw: &str| {
                    percent_encoding::percent_decode_str(raw)
                        .decode_utf8_lossy()
                        .into_owned()
                };
                // Ids are percent-encoded (`/` as %2F), so a literal `/similar` ends the id
                // and a literal `/compare/` separates two.
                if let Some((raw, other)) = tail.as_str().split_once("/compare/") {
                    let (id, other) = (decode(raw), decode(other));
                    return blocking(move || engine.compare(&id, &other).map(ComparisonJson::from))
                        .await;
                }
                if let Some(raw) = tail.as_str().strip_suffix("/citations") {
                    let id = decode(raw);
                    return blocking(move || engine.citations(&id)).await;
                }
                match tail.as_str().strip_suffix("/similar") {
                    Some(raw) => {
                        let id = decode(raw);
                        match parse_number(&params, "limit", DEFAULT_SIMILAR) {
                            Ok(limit) => {
                                blocking_admitted(&admission, true, move || {
                                    engine.similar(&id, limit)
                                })
                                .await
                            }
                            Err(error) => reply_result::<()>(Err(error)),
                        }
                    }
                    None => {
                        let id = decode(tail.as_str());
                        let q = params.get("q").cloned();
                        match parse_number(&params, "from", 0) {
                            Ok(from) => {
                                blocking(move || {
                                    engine
                                        .document_view(&id, q.as_deref(), from)
                                        .map(DocumentJson::from)
                                })
                                .await
                            }
                            Err(error) => reply_result::<()>(Err(error)),
                        }
                    }
                }
            },
        );
    let kwic = get_with_query(
        warp::path!("api" / "kwic"),
        &workbench_engine,
        &options.admission,
    )
    .then(
        |params: HashMap<String, String>, engine: Arc<Engine>, admission: Admission| async move {
            match concordance_request(&params) {
                Ok(request) => {
                    // In the search's order a page costs a few ms (counts come from the
                    // index); sorted by context, every line's context is read.
                    let heavy = matches!(request.sort, KwicSort::Left | KwicSort::Right);
                    blocking_admitted(&admission, heavy, move || concordance(&engine, &request))
                        .await
                }
                Err(error) => reply_result::<()>(Err(error)),
            }
        },
    );
    let trends = get_with_query(
        warp::path!("api" / "trends"),
        &workbench_engine,
        &options.admission,
    )
    .then(
        |params: HashMap<String, String>, engine: Arc<Engine>, admission: Admission| async move {
            match trends_request(&params) {
                Ok(request) => {
                    blocking_admitted(&admission, true, move || trends(&engine, &request)).await
                }
                Err(error) => reply_result::<()>(Err(error)),
            }
        },
    );
    let collocates = get_with_query(
        warp::path!("api" / "collocates"),
        &workbench_engine,
        &options.admission,
    )
    .then(
        |params: HashMap<String, String>, engine: Arc<Engine>, admission: Admission| async move {
            match collocates_request(&params) {
                Ok((search, limit, min_count)) => {
                    blocking_admitted(&admission, true, move || {
                        collocates(&engine, &search, limit, min_count)
                    })
                    .await
                }
                Err(error) => reply_result::<()>(Err(error)),
            }
        },
    );
    let export = get_with_query(
        warp::path!("api" / "export"),
        &workbench_engine,
        &options.admission,
    )
    .then(
        |params: HashMap<String, String>, engine: Arc<Engine>, admission: Admission| async move {
            match export_request(&params) {
                Ok((request, format)) => {
                    download::export_reply(engine, admission, request, format).await
                }
                Err(error) => reply_result::<()>(Err(error)),
            }
        },
    );
    let kwic_export = get_with_query(
        warp::path!("api" / "kwic" / "export"),
        &workbench_engine,
        &options.admission,
    )
    .then(
        |params: HashMap<String, String>, engine: Arc<Engine>, admission: Admission| async move {
            match concordance_export_request(&params) {
                Ok((request, format)) => {
                    download::concordance_reply(engine, admission, request, format).await
                }
                Err(error) => reply_result::<()>(Err(error)),
            }
        },
    );
    let analyze = warp::path!("api" / "analyze")
        .and(warp::get())
        .and(warp::query::<HashMap<String, String>>())
        .and(with_engine.clone())
        .then(
            |params: HashMap<String, String>, engine: Arc<Engine>| async move {
                match analyze_text(&params) {
                    Ok(text) => blocking(move || engine.analyze(&text)).await,
                    Err(error) => reply_result::<()>(Err(error)),
                }
            },
        );
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

    // A browser asks before it POSTs JSON from another origin (CORS preflight): with an origin
    // allowed, every API route answers which methods and headers it takes.
    let cors_allowed = options.cors_origin.is_some();
    // The method is compared, not filtered: a method rejection here would outrank the 404 of
    // an unknown route.
    let preflight = warp::method().and(warp::path("api")).and_then(
        move |method: warp::http::Method| async move {
            if cors_allowed && method == warp::http::Method::OPTIONS {
                Ok(preflight_reply())
            } else {
                Err(warp::reject::not_found())
            }
        },
    );

    let api = within_limits()
        .and(
            page.or(preflight)
                .unify()
                .or(script)
                .unify()
                .or(style)
                .unify()
                .or(search)
                .unify()
                .or(document)
                .unify()
                .or(analyze)
                .unify()
                .or(kwic)
                .unify()
                .or(trends)
                .unify()
                .or(collocates)
                .unify()
                .or(export)
                .unify()
                .or(kwic_export)
                .unify()
                .or(stats)
                .unify()
                .or(health)
                .unify(),
        )
        .recover(handle_rejection)
        .unify();
    let cors = options.cors_origin.clone();
    api.map(move |response: Response| with_cors(response, cors.as_deref()))
        .with(warp::log::custom(access_log))
}

/// Passes requests whose target and headers are within [`MAX_URI_BYTES`] and
/// [`MAX_HEADER_BYTES`]; rejects the others with [`TooLarge`], which is answered in JSON.
/// `GET` at `path`, handing on its query parameters, the engine and the admission control.
fn get_with_query(
    path: impl Filter<Extract = (), Error = Rejection> + Clone,
    engine: &Arc<Engine>,
    admission: &Admission,
) -> impl Filter<Extract = (HashMap<String, String>, Arc<Engine>, Admission), Error = Rejection> + Clone
{
    let engine = engine.clone();
    let admission = admission.clone();
    path.and(warp::get())
        .and(warp::query::<HashMap<String, String>>())
        .and(warp::any().map(move || engine.clone()))
        .and(warp::any().map(move || admission.clone()))
}

fn within_limits() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::path::full()
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .and_then(
            |path: warp::path::FullPath, query: String, headers: header::HeaderMap| async move {
                if path.as_str().len() + query.len() > MAX_URI_BYTES {
                    return Err(warp::reject::custom(TooLarge::Uri));
                }
                let header_bytes: usize = headers
                    .iter()
                    .map(|(name, value)| name.as_str().len() + value.len() + 4)
                    .sum();
                if header_bytes > MAX_HEADER_BYTES {
                    return Err(warp::reject::custom(TooLarge::Headers));
                }
                Ok(())
            },
        )
        .untuple_one()
}

/// The answer to a CORS preflight (`with_cors` adds the allowed origin).
fn preflight_reply() -> Response {
    let mut response = Response::new(warp::hyper::body::Bytes::new().into());
    *response.status_mut() = warp::http::StatusCode::NO_CONTENT;
    with_headers(
        response,
        &[
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type"),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
}

impl ServerOptions {
    /// Check the options before serving: `--cors` must be an origin, `scheme://host[:port]`
    /// (a browser compares it letter for letter, so anything else would silently allow nothing).
    pub fn check(&self) -> Result<(), Error> {
        let Some(origin) = &self.cors_origin else {
            return Ok(());
        };
        let invalid = |why: &str| {
            Error::InvalidParameter {
            name: "cors",
            message: format!("`{origin}` is not an origin ({why}): give one such as https://example.org or http://localhost:8080"),
        }
        };
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .ok_or_else(|| invalid("it must start with http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
            return Err(invalid(
                "only a scheme, a host and a port: no path, no trailing /",
            ));
        }
        header::HeaderValue::from_str(origin).map_err(|_| invalid("not a valid header value"))?;
        Ok(())
    }
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
