//! What a use case answers when it does not succeed: one error type for the whole application,
//! with a `Code` that says which kind of failure it is. The web edge maps each code to an HTTP
//! status in one place; the pages decide what to show by the code, never by the message.

use serde::Serialize;

/// A field a request got wrong and what it should be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<ucz_core::record::FieldProblem> for FieldError {
    fn from(problem: ucz_core::record::FieldProblem) -> Self {
        FieldError {
            field: problem.field,
            message: problem.message,
        }
    }
}

/// The kinds of failure, as the API's problem `code` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    NotFound,
    UnknownRoute,
    MethodNotAllowed,
    Unauthenticated,
    BadCredentials,
    Forbidden,
    Csrf,
    Timeout,
    TooManyAttempts,
    /// A record of that id exists already.
    IdTaken,
    /// The request contradicts stored records (a lease in the way, tenants left behind, …).
    Conflict,
    TooLarge,
    BadRequest,
    Validation,
    /// The server is at a limit it will leave (pending imports); try again later.
    Busy,
    Internal,
}

impl Code {
    pub const ALL: [Code; 16] = [
        Code::NotFound,
        Code::UnknownRoute,
        Code::MethodNotAllowed,
        Code::Unauthenticated,
        Code::BadCredentials,
        Code::Forbidden,
        Code::Csrf,
        Code::Timeout,
        Code::TooManyAttempts,
        Code::IdTaken,
        Code::Conflict,
        Code::TooLarge,
        Code::BadRequest,
        Code::Validation,
        Code::Busy,
        Code::Internal,
    ];

    /// The `code` of a problem document. A taken id is a `conflict` to API clients, as it has
    /// always been; the distinct code lets the pages put it beside the id field.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotFound => "not_found",
            Code::UnknownRoute => "unknown_route",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Unauthenticated => "unauthenticated",
            Code::BadCredentials => "bad_credentials",
            Code::Forbidden => "forbidden",
            Code::Csrf => "csrf",
            Code::Timeout => "timeout",
            Code::TooManyAttempts => "too_many_attempts",
            Code::IdTaken | Code::Conflict => "conflict",
            Code::TooLarge => "too_large",
            Code::BadRequest => "bad_request",
            Code::Validation => "validation",
            Code::Busy => "busy",
            Code::Internal => "internal",
        }
    }

    /// The distinct `code` values, for the API document.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for code in Code::ALL {
            if !names.contains(&code.as_str()) {
                names.push(code.as_str());
            }
        }
        names
    }
}

/// A use case's failure: its kind, a sentence for people, and the fields at fault.
#[derive(Debug, thiserror::Error)]
#[error("{}: {detail}", code.as_str())]
pub struct Error {
    pub code: Code,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

impl Error {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Error {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(Code::NotFound, format!("no {what} {id}"))
    }
    pub fn forbidden() -> Self {
        Self::new(Code::Forbidden, "your role may not do this")
    }
    /// A refusal that says which rule refused.
    pub fn forbidden_because(detail: impl Into<String>) -> Self {
        Self::new(Code::Forbidden, detail)
    }
    pub fn unauthenticated() -> Self {
        Self::new(Code::Unauthenticated, "log in or send an API token")
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(Code::Conflict, detail)
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(Code::BadRequest, detail)
    }
    /// The fields and rules that failed, all of them.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Error {
            errors,
            ..Self::new(Code::Validation, "the request is not valid")
        }
    }
    /// One field that failed.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::new(Code::Internal, detail.to_string())
    }
}

impl From<ucz_store::StoreError> for Error {
    fn from(error: ucz_store::StoreError) -> Self {
        match error {
            ucz_store::StoreError::Conflict { entity, id } => {
                Error::new(Code::IdTaken, format!("{entity} {id} already exists"))
            }
            ucz_store::StoreError::Rejected(reason) => Error::conflict(reason),
            other => {
                // The details are for the operator's log, not for the client.
                tracing::error!(error = %other, "the database failed");
                Error::internal("the database could not complete the request")
            }
        }
    }
}

impl From<ucz_core::InputErrors> for Error {
    fn from(errors: ucz_core::InputErrors) -> Self {
        Error::invalid(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_but_a_taken_id_stays_a_conflict() {
        let names = Code::names();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
        assert_eq!(Code::IdTaken.as_str(), "conflict");
        assert_eq!(names.len(), Code::ALL.len() - 1);
    }

    #[test]
    fn a_duplicate_record_is_a_taken_id_and_a_refusal_a_conflict() {
        let taken: Error = ucz_store::StoreError::Conflict {
            entity: "zone",
            id: "daejeon".into(),
        }
        .into();
        assert_eq!(taken.code, Code::IdTaken);
        let refused: Error = ucz_store::StoreError::Rejected("space s1 is leased".into()).into();
        assert_eq!(refused.code, Code::Conflict);
    }
}
