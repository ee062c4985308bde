//! CRUD of zones, facilities, spaces, institutions and firms: list (paginated, filterable), read,
//! create, update (`PUT`, the whole record), delete. Every body is validated with `ucz-core`
//! before it is stored; every write is one transaction with its audit row.

pub mod firms;
pub mod hubs;
pub mod leases;
pub(crate) mod parts;
pub mod zones;

use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, FieldError};

pub use parts::handlers::{facilities, institutions, spaces};

/// Query parameters, or a problem+json that says which one is wrong.
pub struct Q<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Q(value)),
            Err(rejection) => Err(ApiError::invalid(vec![FieldError {
                field: "query".into(),
                message: rejection.body_text(),
            }])),
        }
    }
}

/// `?limit=&offset=` and filters; an unknown parameter is refused rather than ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub zone_id: Option<String>,
    pub facility_id: Option<String>,
    pub region: Option<String>,
    pub stage: Option<String>,
    pub zone: Option<String>,
    pub space_id: Option<String>,
    pub firm_id: Option<String>,
}

impl ListParams {
    pub fn page(&self) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=500).contains(&limit) || offset < 0 {
            return Err(ApiError::invalid(vec![FieldError {
                field: "limit".into(),
                message: "limit must be 1 to 500 and offset 0 or more".into(),
            }]));
        }
        Ok((limit, offset))
    }
}

#[derive(Serialize)]
pub struct Page {
    pub items: Vec<Value>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// A JSON body, or a 400 that says what is wrong with it.
pub fn body(result: Result<axum::Json<Value>, JsonRejection>) -> Result<Value, ApiError> {
    match result {
        Ok(axum::Json(value)) if value.is_object() => Ok(value),
        Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
        Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            Err(ApiError::too_large())
        }
        Err(rejection) => Err(ApiError::bad_request(rejection.body_text())),
    }
}

/// A body field: its name, the check its value must pass, and what it should be.
pub type FieldRule = (&'static str, fn(&Value) -> bool, &'static str);

/// The problems found in a body, all of them, so that a client fixes them in one go.
#[derive(Default)]
pub struct Findings(Vec<FieldError>);

impl Findings {
    /// Each field must pass its check.
    pub fn rules(&mut self, value: &Value, fields: &[FieldRule]) -> &mut Self {
        for (name, ok, what) in fields {
            if !ok(&value[*name]) {
                self.0.push(FieldError {
                    field: (*name).into(),
                    message: format!("required: {what}"),
                });
            }
        }
        self
    }

    /// A text field must name one of `ids` (a missing one was reported by `rules`).
    pub fn known(&mut self, field: &str, value: &Value, ids: &[String], kind: &str) -> &mut Self {
        if let Some(id) = value.as_str() {
            if !ids.iter().any(|i| i == id) {
                self.0.push(FieldError {
                    field: field.into(),
                    message: format!(
                        "unknown {kind} \"{id}\"; expected one of: {}",
                        ids.join(", ")
                    ),
                });
            }
        }
        self
    }

    /// The field errors of a check that may also fail otherwise (a database error passes).
    pub fn and(&mut self, result: Result<(), ApiError>) -> Result<&mut Self, ApiError> {
        match result {
            Ok(()) => {}
            Err(error) if error.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
                self.0.extend(error.errors);
            }
            Err(error) => return Err(error),
        }
        Ok(self)
    }

    pub fn done(&mut self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(std::mem::take(&mut self.0)))
        }
    }
}

/// Non-empty visible text of one line, at most 300 characters (`ucz_core::text`).
pub fn is_text(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        !s.trim().is_empty()
            && s.chars().count() <= 300
            && !s.chars().any(ucz_core::text::is_hidden)
    })
}
pub fn is_positive(v: &Value) -> bool {
    v.as_f64()
        .is_some_and(|x| x.is_finite() && x > 0.0 && x <= 1e9)
}
pub fn is_optional_count(v: &Value) -> bool {
    // Within the integers a JavaScript client reads exactly.
    v.is_null()
        || v.as_i64()
            .is_some_and(|x| (0..=9_007_199_254_740_991).contains(&x))
}
pub fn is_optional_bool(v: &Value) -> bool {
    v.is_null() || v.is_boolean()
}

/// A body that names an id must name the one of the URL.
pub fn same_id(body: &Value, id: &str) -> Result<(), ApiError> {
    match body.get("id") {
        Some(given) if given.as_str() != Some(id) => Err(ApiError::invalid(vec![FieldError {
            field: "id".into(),
            message: format!("the body's id {given} is not the id of the URL, \"{id}\""),
        }])),
        _ => Ok(()),
    }
}

/// JSON turned into TOML text, so that the core's file parsers (and their messages) apply.
/// JSON `null` means absent.
pub fn as_toml(value: &Value) -> Result<String, ApiError> {
    fn without_nulls(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }
    toml::to_string(&without_nulls(value))
        .map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))
}

#[cfg(test)]
mod query_tests {
    use axum::extract::FromRequestParts;
    use proptest::strategy::Strategy;

    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 512, failure_persistence: None, ..Default::default() })]

        /// Any query string of a list is its parameters or a 422 about the query, with a
        /// message: never a panic.
        #[test]
        fn any_query_string_is_parameters_or_a_query_error(
            query in proptest::prop_oneof![
                proptest::string::string_regex("([a-z_]{0,10}=[A-Za-z0-9%+._-]{0,12}&?){0,5}").unwrap_or_else(|e| panic!("{e}")),
                proptest::string::string_regex("(limit|offset|zone_id|stage)=(-?[0-9]{0,20}|%[0-9A-Fa-f]{0,2}|%FF%FE)(&(limit|offset|zone_id|stage)=[0-9a-z%]{0,6})?").unwrap_or_else(|e| panic!("{e}")),
                proptest::arbitrary::any::<String>().prop_map(|s| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>()),
            ],
        ) {
            let Ok(request) = axum::http::Request::builder().uri(format!("/api/v1/zones?{query}")).body(()) else {
                // Not a URI a client could send.
                return Ok(());
            };
            let (mut parts, ()) = request.into_parts();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let result = runtime.block_on(Q::<ListParams>::from_request_parts(&mut parts, &()));
            if let Err(error) = result {
                proptest::prop_assert_eq!(error.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
                proptest::prop_assert_eq!(error.errors.len(), 1);
                proptest::prop_assert_eq!(error.errors[0].field.as_str(), "query");
                proptest::prop_assert!(!error.errors[0].message.is_empty());
            }
        }
    }
}
