//! What a use case answers when it does not succeed: one error type for the whole application,
//! with a `Code` that says which kind of failure it is. The web edge maps each code to an HTTP
//! status in one place; the pages decide what to show by the code, never by the message.
//! Messages are keys of the catalogue (`ucz_core::message`) with their arguments: the JSON API
//! answers their English text, the pages render them in the visitor's language.

use serde::Serialize;
pub use ucz_core::message::{Key, Message};

/// A field a request got wrong and what it should be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// In JSON, its English text.
    pub message: Message,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<Message>) -> Self {
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
    /// In JSON, its English text.
    pub detail: Message,
    pub errors: Vec<FieldError>,
}

impl Error {
    pub fn new(code: Code, detail: impl Into<Message>) -> Self {
        Error {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }
    /// No record `id`; `what` is the noun that names its kind (`Key::NounZone`, …).
    pub fn not_found(what: Key, id: &str) -> Self {
        Self::new(
            Code::NotFound,
            Message::new(Key::NotFound).with("what", what).arg("id", id),
        )
    }
    pub fn forbidden() -> Self {
        Self::new(Code::Forbidden, Key::Forbidden)
    }
    /// A refusal that says which rule refused.
    pub fn forbidden_because(detail: impl Into<Message>) -> Self {
        Self::new(Code::Forbidden, detail)
    }
    pub fn unauthenticated() -> Self {
        Self::new(Code::Unauthenticated, Key::Unauthenticated)
    }
    pub fn conflict(detail: impl Into<Message>) -> Self {
        Self::new(Code::Conflict, detail)
    }
    pub fn bad_request(detail: impl Into<Message>) -> Self {
        Self::new(Code::BadRequest, detail)
    }
    /// A body or parameters that a parser (serde, axum) could not read: its own text.
    pub fn unreadable(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(Message::new(Key::BadBody).arg("detail", detail))
    }
    /// The fields and rules that failed, all of them.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Error {
            errors,
            ..Self::new(Code::Validation, Key::Invalid)
        }
    }
    /// One field that failed.
    pub fn field(field: impl Into<String>, message: impl Into<Message>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }
    /// A failure of the server; the detail is for the operator's log.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::new(
            Code::Internal,
            Message::new(Key::Internal).arg("detail", detail),
        )
    }
}

impl From<ucz_store::StoreError> for Error {
    fn from(error: ucz_store::StoreError) -> Self {
        match error {
            ucz_store::StoreError::Conflict { what, id, .. } => {
                let message = Message::new(Key::AlreadyExists)
                    .arg("id", id)
                    .with("what", what);
                Error::new(Code::IdTaken, message)
            }
            ucz_store::StoreError::Rejected(reason) => {
                Error::conflict(Message::new(Key::Refused).with("reason", reason))
            }
            other => {
                // The details are for the operator's log, not for the client.
                tracing::error!(error = %other, "the database failed");
                Error::new(Code::Internal, Key::DatabaseFailed)
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
                .map(|e| FieldError {
                    message: e.message_by_key(),
                    field: e.field.unwrap_or_default(),
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
            what: Key::NounZone,
            id: "daejeon".into(),
        }
        .into();
        assert_eq!(taken.code, Code::IdTaken);
        let refused: Error = ucz_store::StoreError::Rejected(Key::ChangedMeanwhile.into()).into();
        assert_eq!(refused.code, Code::Conflict);
        assert_eq!(taken.detail.to_string(), "zone daejeon already exists");
        assert_eq!(
            taken.detail.render(ucz_core::Lang::Ko),
            "이미 있는 특구: daejeon"
        );
        assert_eq!(
            refused.detail.to_string(),
            "a record this one refers to, or that refers to it, changed meanwhile: read it again"
        );
        assert_eq!(
            refused.detail.render(ucz_core::Lang::Ko),
            "저장된 자료와 맞지 않아 할 수 없습니다: 이 기록이 가리키거나 이 기록을 가리키는 기록이 그사이 바뀌었습니다: 다시 읽어 주세요",
            "a store's refusal is told in Korean through and through"
        );
    }

    #[test]
    fn a_parsers_message_keeps_its_key_and_its_english() {
        let catalog = ucz_core::Catalog::bundled().expect("bundled catalog");
        let text = "id = \"f\"\nname = \"x\"\nstage = \"unicorn\"\nregion = \"daejeon\"\nfounded = \"2024-01-01\"\nfounder_age = 30\n";
        let errors = ucz_core::firm::Firm::parse(ucz_core::SourceFile::new("body", text), &catalog)
            .expect_err("unknown stage");
        let error: Error = errors.into();
        let message = &error.errors[0].message;
        assert!(
            message
                .to_string()
                .starts_with("unknown stage \"unicorn\"; expected one of: "),
            "{message}"
        );
        assert!(
            message
                .render(ucz_core::Lang::Ko)
                .starts_with("알 수 없는 성장단계 \"unicorn\"; 가능한 값: "),
            "{}",
            message.render(ucz_core::Lang::Ko)
        );
    }
}
