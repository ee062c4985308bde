//! The JSON API's handlers: each reads its request (caller, path, query, body), calls the use
//! case of the same name in `ucz_service`, and answers with its status. The rules, the checks
//! and the audit trail are the use cases'.

mod crud {
    /// The five handlers of a record whose use cases all take the caller.
    macro_rules! crud {
        ($module:ident, $service:path, $query:ty) => {
            pub mod $module {
                use axum::Json;
                use axum::extract::{Path, State};
                use axum::http::StatusCode;
                use serde::Serialize;
                use ucz_service::ListParams;

                use crate::AppState;
                use crate::api::{Body, Q, body};
                use crate::auth::Caller;
                use crate::error::ApiError;
                use $service as service;

                pub async fn list(
                    State(state): State<AppState>,
                    caller: Caller,
                    Q(query): Q<$query>,
                ) -> Result<Json<impl Serialize + use<>>, ApiError> {
                    let params = ListParams::from(query);
                    Ok(Json(service::list(&state, &caller, &params).await?))
                }

                pub async fn read(
                    State(state): State<AppState>,
                    caller: Caller,
                    Path(id): Path<String>,
                ) -> Result<Json<impl Serialize + use<>>, ApiError> {
                    Ok(Json(service::read(&state, &caller, &id).await?))
                }

                pub async fn create(
                    State(state): State<AppState>,
                    caller: Caller,
                    payload: Body,
                ) -> Result<(StatusCode, Json<impl Serialize + use<>>), ApiError> {
                    let created = service::create(&state, &caller, body(payload)?).await?;
                    Ok((StatusCode::CREATED, Json(created)))
                }

                pub async fn update(
                    State(state): State<AppState>,
                    caller: Caller,
                    Path(id): Path<String>,
                    payload: Body,
                ) -> Result<Json<impl Serialize + use<>>, ApiError> {
                    let updated = service::update(&state, &caller, &id, body(payload)?).await?;
                    Ok(Json(updated))
                }

                pub async fn delete(
                    State(state): State<AppState>,
                    caller: Caller,
                    Path(id): Path<String>,
                ) -> Result<StatusCode, ApiError> {
                    service::delete(&state, &caller, &id).await?;
                    Ok(StatusCode::NO_CONTENT)
                }
            }
        };
    }
    pub(crate) use crud;
}

pub mod accounts;
pub mod analysis;
pub mod awards;
pub mod bookings;
pub mod calls;
pub mod evaluation;
pub mod firms;
pub mod housing;
pub mod hubs;
pub mod ladder;
pub mod leases;
pub mod network;
pub mod occupancy;
pub mod operations;
pub mod parts;
pub mod pipeline;
pub mod statements;
pub mod suitability;
pub mod zones;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde_json::Value;

use crate::error::{ApiError, FieldError, Key, Message};

pub use parts::{facilities, institutions, spaces};

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
                message: Message::new(Key::BadQuery).arg("detail", rejection.body_text()),
            }])),
        }
    }
}

/// A JSON body, or a 400 that says what is wrong with it.
pub fn body(result: Result<Json<Value>, JsonRejection>) -> Result<Value, ApiError> {
    match result {
        Ok(Json(value)) if value.is_object() => Ok(value),
        Ok(_) => Err(ApiError::bad_request(Key::BodyNotObject)),
        Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            Err(ApiError::too_large())
        }
        Err(rejection) => Err(ApiError::unreadable(rejection.body_text())),
    }
}

/// Refuses a request with query parameters, for the routes that take none.
pub async fn refuse_any_query(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.uri().query().is_some_and(|q| !q.is_empty()) {
        return ApiError::invalid(vec![FieldError::new(
            "query",
            ucz_core::message::Key::NoQueryParameters,
        )])
        .into_response();
    }
    next.run(request).await
}

/// Whether an answer is asked for as CSV (`?format=csv`) rather than JSON (the default, or
/// `json`); another format is refused by name.
pub fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ucz_service::Error::field(
            "format",
            ucz_core::Message::new(ucz_core::Key::WithExpected)
                .with(
                    "message",
                    ucz_core::Message::new(ucz_core::Key::UnknownValue).arg("value", other),
                )
                .arg("values", "json, csv"),
        )
        .into()),
    }
}

/// The body of a request to a handler.
pub type Body = Result<Json<Value>, JsonRejection>;

/// A body read into the type a handler takes; what does not fit is refused as unreadable.
pub fn typed<T: serde::de::DeserializeOwned>(payload: Body) -> Result<T, ApiError> {
    serde_json::from_value(body(payload)?)
        .map_err(|e| ApiError::from(ucz_service::Error::unreadable(e)))
}

#[cfg(test)]
mod query_tests {
    use axum::extract::FromRequestParts;
    use proptest::strategy::Strategy;

    use super::*;
    use ucz_service::ListParams;

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
                proptest::prop_assert_eq!(error.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
                proptest::prop_assert_eq!(error.errors.len(), 1);
                proptest::prop_assert_eq!(error.errors[0].field.as_str(), "query");
                proptest::prop_assert!(!error.errors[0].message.to_string().is_empty());
            }
        }
    }
}
