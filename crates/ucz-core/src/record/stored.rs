//! What the database keeps beside a record's own fields: whether it is demonstration data, and
//! a zone's plan as its keepers wrote it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ZoneId;

/// A zone, hub or firm with whether it is demonstration data (`serve --demo` adds them, and
/// removing the demonstration removes only them). Clients read `demo` and never write it.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Demo<T> {
    #[serde(flatten)]
    pub record: T,
    pub demo: bool,
}

/// A zone's plan: the fields of a zone file but its facilities and institutions (records of
/// their own), as its keepers wrote them. The zone-file parser checked them when they were
/// written; they are kept as written so that a plan reads back the way it was given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZonePlan(pub Map<String, Value>);

impl ZonePlan {
    pub fn id(&self) -> ZoneId {
        ZoneId(self.text("id").unwrap_or_default().to_string())
    }

    /// A top-level text field (`region`, `name`).
    pub fn text(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(Value::as_str)
    }
}
