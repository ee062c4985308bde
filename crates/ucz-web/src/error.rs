//! RFC 9457 problem details: the application's errors (`ucz_service::Error`) as HTTP answers.
//! `status` is the only place that maps a kind of failure to a status code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
pub use ucz_service::{Code, FieldError, Key, Message};

/// The HTTP status of each kind of failure.
pub fn status(code: Code) -> StatusCode {
    match code {
        Code::NotFound | Code::UnknownRoute => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::Unauthenticated | Code::BadCredentials => StatusCode::UNAUTHORIZED,
        Code::Forbidden | Code::Csrf => StatusCode::FORBIDDEN,
        Code::Timeout => StatusCode::REQUEST_TIMEOUT,
        Code::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        Code::IdTaken | Code::Conflict => StatusCode::CONFLICT,
        Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::BadRequest => StatusCode::BAD_REQUEST,
        Code::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        Code::Busy => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An application error on its way to becoming an HTTP answer.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(pub ucz_service::Error);

impl From<ucz_service::Error> for ApiError {
    fn from(error: ucz_service::Error) -> Self {
        ApiError(error)
    }
}

impl From<ucz_store::StoreError> for ApiError {
    fn from(error: ucz_store::StoreError) -> Self {
        ApiError(error.into())
    }
}

impl From<ucz_core::InputErrors> for ApiError {
    fn from(errors: ucz_core::InputErrors) -> Self {
        ApiError(errors.into())
    }
}

impl std::ops::Deref for ApiError {
    type Target = ucz_service::Error;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl ApiError {
    fn new(code: Code, detail: impl Into<Message>) -> Self {
        ApiError(ucz_service::Error::new(code, detail))
    }
    pub fn status(&self) -> StatusCode {
        status(self.0.code)
    }
    pub fn not_found(what: Key, id: &str) -> Self {
        ApiError(ucz_service::Error::not_found(what, id))
    }
    /// No operation at this path and method.
    pub fn unknown_route() -> Self {
        Self::new(Code::UnknownRoute, Key::UnknownRoute)
    }
    pub fn method_not_allowed() -> Self {
        Self::new(Code::MethodNotAllowed, Key::MethodNotAllowed)
    }
    pub fn forbidden() -> Self {
        ApiError(ucz_service::Error::forbidden())
    }
    pub fn unauthenticated() -> Self {
        ApiError(ucz_service::Error::unauthenticated())
    }
    pub fn bad_credentials() -> Self {
        Self::new(Code::BadCredentials, Key::BadCredentials)
    }
    pub fn timed_out() -> Self {
        Self::new(Code::Timeout, Key::Timeout)
    }
    pub fn too_many_attempts() -> Self {
        Self::new(Code::TooManyAttempts, Key::TooManyAttempts)
    }
    pub fn csrf() -> Self {
        Self::new(Code::Csrf, Key::Csrf)
    }
    pub fn too_large() -> Self {
        Self::new(
            Code::TooLarge,
            Message::new(Key::TooLarge).arg("bytes", crate::MAX_BODY),
        )
    }
    pub fn bad_request(detail: impl Into<Message>) -> Self {
        ApiError(ucz_service::Error::bad_request(detail))
    }
    /// A body, form or parameters that axum or serde could not read: their own text.
    pub fn unreadable(detail: impl std::fmt::Display) -> Self {
        ApiError(ucz_service::Error::unreadable(detail))
    }
    /// 422 with the fields and rules that failed.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        ApiError(ucz_service::Error::invalid(errors))
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError(ucz_service::Error::internal(detail))
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
        if error.status().is_server_error() {
            response.extensions_mut().insert(ServerProblem {
                code: error.code.as_str(),
                detail: error.detail.to_string(),
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
    detail: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = Problem {
            kind: format!("https://ucz.example/problems/{}", self.code.as_str()),
            title: status.canonical_reason().unwrap_or("error"),
            status: status.as_u16(),
            code: self.code.as_str(),
            detail: self.detail.to_string(),
            errors: &self.errors,
        };
        let json = serde_json::to_string(&body).unwrap_or_default();
        let mut response = (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response();
        ServerProblem::attach(&self, &mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_of_its_class() {
        for code in Code::ALL {
            let status = status(code);
            assert!(
                status.is_client_error() || code == Code::Internal || code == Code::Busy,
                "{code:?} → {status}"
            );
        }
        assert_eq!(status(Code::IdTaken), StatusCode::CONFLICT);
    }
}
