//! Replies: JSON bodies, errors with their status and code, and running engine work off the
//! async threads.

use std::convert::Infallible;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Rejection, Reply};

use super::{MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_URI_BYTES};
use crate::error::Error;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

/// A JSON error body `{"error":{"code":"…","message":"…"}}` with `status`.
pub fn error_reply(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail { code, message },
    };
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

/// `value` as JSON, or the error's body with its status.
pub fn reply_result<T: Serialize>(result: Result<T, Error>) -> Response {
    match result {
        Ok(value) => warp::reply::json(&value).into_response(),
        Err(error) => error_reply(
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            error.code(),
            error.to_string(),
        ),
    }
}

/// 503 with `Retry-After`: every heavy slot is taken (see [`super::admission`]).
pub fn overloaded() -> Response {
    let mut response = error_reply(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        format!(
            "the server is busy with heavy requests (limit over {}, articles, explain, similar): retry in {} s, or ask for fewer hits",
            super::admission::HEAVY_LIMIT,
            super::admission::RETRY_AFTER_SECONDS
        ),
    );
    response.headers_mut().insert(
        warp::http::header::RETRY_AFTER,
        warp::http::HeaderValue::from(super::admission::RETRY_AFTER_SECONDS),
    );
    response
}

/// Run `work` on the blocking pool so a slow search never stalls the async threads.
pub async fn blocking<T: Serialize + Send + 'static>(
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

/// `work` on the blocking pool as [`blocking`] runs it, holding one of `admission`'s heavy
/// slots while it runs when it is `heavy` (503 `overloaded` when none frees up in time).
pub async fn blocking_admitted<T: Serialize + Send + 'static>(
    admission: &super::admission::Admission,
    heavy: bool,
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Response {
    let slot = if heavy {
        match admission.heavy().await {
            Some(slot) => Some(slot),
            None => return overloaded(),
        }
    } else {
        None
    };
    blocking(move || {
        let _slot = slot;
        work()
    })
    .await
}

/// A request past the server's size limits.
#[derive(Debug, Clone, Copy)]
pub enum TooLarge {
    /// The request target is longer than [`MAX_URI_BYTES`].
    Uri,
    /// The headers are larger than [`MAX_HEADER_BYTES`].
    Headers,
}

impl warp::reject::Reject for TooLarge {}

/// Warp's rejections as JSON error bodies.
pub async fn handle_rejection(rejection: Rejection) -> Result<Response, Infallible> {
    Ok(if rejection.is_not_found() {
        error_reply(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route: see the README for the API".to_string(),
        )
    } else if let Some(too_large) = rejection.find::<TooLarge>() {
        match too_large {
            TooLarge::Uri => error_reply(
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                format!(
                    "request target is longer than {MAX_URI_BYTES} bytes: send long queries as POST /api/search with a JSON body"
                ),
            ),
            TooLarge::Headers => error_reply(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                format!("request headers are larger than {MAX_HEADER_BYTES} bytes"),
            ),
        }
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
