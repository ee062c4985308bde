//! What the record use cases share: list parameters and pages, collecting every field error of
//! a body, and handing a body to the core's file parsers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, FieldError, Key, Message};

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
    pub fn page(&self) -> Result<(i64, i64), Error> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=500).contains(&limit) || offset < 0 {
            return Err(Error::invalid(vec![FieldError {
                field: "limit".into(),
                message: Key::PageLimits.into(),
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

/// A body field: its name, the check its value must pass, and what it should be.
pub type FieldRule = (&'static str, fn(&Value) -> bool, Key);

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
                    message: (*what).into(),
                });
            }
        }
        self
    }

    /// A text field must name one of `ids` (a missing one was reported by `rules`).
    pub fn known(&mut self, field: &str, value: &Value, ids: &[String], kind: Key) -> &mut Self {
        if let Some(id) = value.as_str() {
            if !ids.iter().any(|i| i == id) {
                self.0.push(FieldError {
                    field: field.into(),
                    message: Message::new(Key::UnknownOf)
                        .with("what", kind)
                        .arg("id", id)
                        .arg("values", ids.join(", ")),
                });
            }
        }
        self
    }

    /// The field errors of a check that may also fail otherwise (a database error passes).
    pub fn and(&mut self, result: Result<(), Error>) -> Result<&mut Self, Error> {
        match result {
            Ok(()) => {}
            Err(error) if error.code == crate::error::Code::Validation => {
                self.0.extend(error.errors);
            }
            Err(error) => return Err(error),
        }
        Ok(self)
    }

    pub fn done(&mut self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid(std::mem::take(&mut self.0)))
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
pub fn same_id(body: &Value, id: &str) -> Result<(), Error> {
    match body.get("id") {
        Some(given) if given.as_str() != Some(id) => Err(Error::invalid(vec![FieldError {
            field: "id".into(),
            message: Message::new(Key::IdNotUrl)
                .arg("given", given)
                .arg("id", id),
        }])),
        _ => Ok(()),
    }
}

/// JSON turned into TOML text, so that the core's file parsers (and their messages) apply.
/// JSON `null` means absent.
pub fn as_toml(value: &Value) -> Result<String, Error> {
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
        .map_err(|e| Error::bad_request(Message::new(Key::CannotReadBody).arg("detail", e)))
}

/// The fields of each record a body may name (besides `id`): the properties of its schema in
/// the API document, which a test of the web crate holds to this table.
pub const RECORD_FIELDS: [(&str, &[&str]); 5] = [
    (
        "Facility",
        &[
            "zone_id",
            "type",
            "name",
            "floor_area_m2",
            "units",
            "planned",
        ],
    ),
    (
        "Space",
        &[
            "facility_id",
            "hub_id",
            "name",
            "kind",
            "area_m2",
            "monthly_rent_krw",
            "admits",
        ],
    ),
    ("Hub", &["id", "name", "kind", "region", "site"]),
    (
        "Lease",
        &[
            "space_id", "firm_id", "starts", "ends", "status", "renewals", "needs", "left_to",
            "note",
        ],
    ),
    ("Institution", &["zone_id", "kind", "name"]),
];

/// Every top-level field of `body` must be a field of `record` (or `id`, which a `PUT` body
/// may repeat); each unknown one is a field error naming it and the accepted fields.
pub fn known_fields(body: &Value, record: &str) -> Result<(), Error> {
    let accepted = RECORD_FIELDS
        .iter()
        .find(|(name, _)| *name == record)
        .map_or(&[][..], |(_, fields)| *fields);
    let Some(object) = body.as_object() else {
        return Ok(());
    };
    let errors: Vec<FieldError> = object
        .keys()
        .filter(|key| *key != "id" && !accepted.contains(&key.as_str()))
        .map(|key| FieldError {
            field: key.clone(),
            message: Message::new(Key::UnknownField)
                .arg("key", key)
                .arg("record", record)
                .arg("fields", accepted.join(", ")),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(errors))
    }
}
