//! The JSON API over HTTP (warp). The engine knows nothing of HTTP; this module translates
//! requests into [`SearchRequest`]s and [`Error`]s into status codes and JSON error bodies.
//!
//! Routes: `GET /api/search?q=…&limit=10&offset=0`, `GET /api/documents/{id}` (id
//! percent-encoded), `GET /healthz`. Errors: `{"error":{"code":"…","message":"…"}}`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::error::Error;
use crate::search::{Engine, SearchRequest, DEFAULT_LIMIT};

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

fn search_request(params: &HashMap<String, String>) -> Result<SearchRequest, Error> {
    let q = params.get("q").ok_or_else(|| Error::InvalidParameter {
        name: "q",
        message: "missing: add ?q=your+query".to_string(),
    })?;
    Ok(SearchRequest {
        q: q.clone(),
        limit: parse_number(params, "limit", DEFAULT_LIMIT)?,
        offset: parse_number(params, "offset", 0)?,
    })
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
        .then(|tail: warp::path::Tail, engine: Arc<Engine>| async move {
            let id = percent_encoding::percent_decode_str(tail.as_str())
                .decode_utf8_lossy()
                .into_owned();
            blocking(move || engine.document(&id)).await
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
