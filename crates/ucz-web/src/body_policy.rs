//! One policy for request bodies: a JSON body with a key given twice is refused (parsers
//! disagree on which one wins). A record's body names only the fields of its schema in the
//! OpenAPI document: the use cases refuse an unknown field with its name
//! (`ucz_service::records::known_fields`), and a test here holds their field lists to the
//! document.

use std::collections::HashSet;
use std::fmt;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{ApiError, Key, Message};

/// The first key that a JSON text gives twice in one object, with its path (`/needs/area_m2`);
/// `Ok(None)` when there is none. Malformed JSON is left to the handler's own parser.
pub fn duplicate_key(json: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    match (Walk {
        path: String::new(),
    })
    .deserialize(&mut deserializer)
    {
        Err(error) => {
            let text = error.to_string();
            text.strip_prefix(DUPLICATE)
                .map(|rest| rest.split(" at line").next().unwrap_or(rest).to_string())
        }
        Ok(()) => None,
    }
}

const DUPLICATE: &str = "duplicate key ";

/// Walks a JSON value without keeping it, checking each object's keys.
struct Walk {
    path: String,
}

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(Walk {
                path: format!("{}/{i}", self.path),
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = format!("{}/{key}", self.path);
            if !seen.insert(key) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE}{path}")));
            }
            map.next_value_seed(Walk { path })?;
        }
        Ok(())
    }
}

/// Middleware: a JSON body with a duplicate key gets 400 before any handler reads it.
pub async fn refuse_duplicate_keys(request: Request, next: Next) -> Response {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json || matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, crate::MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::too_large().into_response(),
    };
    if let Some(path) = duplicate_key(&bytes) {
        return ApiError::bad_request(Message::new(Key::RepeatedKey).arg("path", path))
            .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_found_with_its_path() {
        assert_eq!(duplicate_key(br#"{"a": 1, "b": 2}"#), None);
        assert_eq!(duplicate_key(br#"{"a": 1, "a": 2}"#), Some("/a".into()));
        assert_eq!(
            duplicate_key(br#"{"needs": {"x": [1, {"k": 1, "k": 2}]}}"#),
            Some("/needs/x/1/k".into())
        );
        // The same key in two objects is fine; malformed JSON is left to the handler.
        assert_eq!(duplicate_key(br#"[{"a": 1}, {"a": 2}]"#), None);
        assert_eq!(duplicate_key(b"{\"a\": "), None);
    }

    #[test]
    fn the_fields_a_record_accepts_are_its_schemas_properties() {
        use ucz_core::record::{FacilityBody, HubBody, InstitutionBody, LeaseBody, SpaceBody};
        use ucz_service::records::fields_of;
        let document = crate::openapi();
        for (record, accepted) in [
            ("Facility", fields_of::<FacilityBody>()),
            ("Space", fields_of::<SpaceBody>()),
            ("Institution", fields_of::<InstitutionBody>()),
            ("Hub", fields_of::<HubBody>()),
            ("Lease", fields_of::<LeaseBody>()),
            ("Firm", fields_of::<ucz_core::firm::Firm>()),
            ("Zone", fields_of::<ucz_core::Zone>()),
        ] {
            let mut properties: Vec<&str> = document["components"]["schemas"][record]["properties"]
                .as_object()
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            properties.sort_unstable();
            let mut accepted: Vec<&str> = accepted.iter().map(String::as_str).collect();
            accepted.sort_unstable();
            assert_eq!(properties, accepted, "{record}");
            assert!(!accepted.is_empty(), "{record}");
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let error = ucz_service::records::known_fields::<ucz_core::record::HubBody>(
            &serde_json::json!({"name": "x", "role": "admin", "is_admin": true}),
        )
        .err()
        .map(|e| e.errors.iter().map(|f| f.field.clone()).collect::<Vec<_>>());
        assert_eq!(
            error,
            Some(vec!["is_admin".to_string(), "role".to_string()])
        );
        assert!(
            ucz_service::records::known_fields::<ucz_core::record::HubBody>(
                &serde_json::json!({"id": "h", "name": "x"})
            )
            .is_ok()
        );
    }
}
