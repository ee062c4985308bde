//! RFC 9457 problem details with a stable `code` per kind of failure: the only place that knows
//! HTTP status codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} {id}"),
        )
    }
    /// No operation at this path and method.
    pub fn unknown_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_route",
            "no such route; see /api/docs",
        )
    }
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not take this method; see /api/docs",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role may not do this",
        )
    }
    /// A refusal that says which rule refused.
    pub fn forbidden_because(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in or send an API token",
        )
    }
    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong user name or password",
        )
    }
    pub fn timed_out() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took longer than the server allows",
        )
    }
    pub fn too_many_attempts() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many login attempts; wait a minute",
        )
    }
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "a write with a session cookie needs the X-CSRF-Token header of the session",
        )
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", detail)
    }
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("request bodies are limited to {} bytes", crate::MAX_BODY),
        )
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }
    /// 422 with the fields and rules that failed.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        ApiError {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "the request is not valid",
            )
        }
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            detail.to_string(),
        )
    }
}

impl From<ucz_store::StoreError> for ApiError {
    fn from(error: ucz_store::StoreError) -> Self {
        match error {
            ucz_store::StoreError::Conflict { entity, id } => {
                ApiError::conflict(format!("{entity} {id} already exists"))
            }
            ucz_store::StoreError::Rejected(reason) => ApiError::conflict(reason),
            other => {
                // The details are for the operator's log, not for the client.
                tracing::error!(error = %other, "the database failed");
                ApiError::internal("the database could not complete the request")
            }
        }
    }
}

impl From<ucz_core::InputErrors> for ApiError {
    fn from(errors: ucz_core::InputErrors) -> Self {
        ApiError::invalid(
            errors
                .0
                .into_iter()
                .map(|e| {
                    let mut message = e.message;
                    if !e.expected.is_empty() {
                        message.push_str(&format!("; expected one of: {}", e.expected.join(", ")));
                    }
                    FieldError {
                        field: e.field.unwrap_or_default(),
                        message,
                    }
                })
                .collect(),
        )
    }
}

/// On a server error's response: what went wrong, for the request's log line (the server's
/// trace layer logs it at error).
#[derive(Clone, Debug)]
pub struct ServerProblem {
    pub code: &'static str,
    pub detail: String,
}

impl ServerProblem {
    /// Marks `response` with the problem when `error` is a server error.
    pub fn attach(error: &ApiError, response: &mut Response) {
        if error.status.is_server_error() {
            response.extensions_mut().insert(ServerProblem {
                code: error.code,
                detail: error.detail.clone(),
            });
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("https://ucz.example/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("error"),
            status: self.status.as_u16(),
            code: self.code,
            detail: &self.detail,
            errors: &self.errors,
        };
        let json = serde_json::to_string(&body).unwrap_or_default();
        let mut response = (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response();
        ServerProblem::attach(&self, &mut response);
        response
    }
}
