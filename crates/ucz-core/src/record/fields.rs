//! Reading a JSON object's fields into typed values, collecting every failure.

use serde_json::{Map, Value};

use crate::message::{Key, Message};

/// A field that failed, by its path (`needs.area_m2`), with what it should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: Message,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message: impl Into<Message>) -> Self {
        FieldProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The fields of one JSON object, read one at a time; each read that fails leaves a problem and
/// gives `None`, so a body is read to its end and every problem is reported.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    /// Where this object is in the body (`needs.`), for the problems' paths.
    prefix: String,
    pub problems: Vec<FieldProblem>,
}

static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

impl<'a> Fields<'a> {
    /// The fields of `value`; a value that is not an object has none (every required field is
    /// then reported missing).
    pub fn of(value: &'a Value) -> Self {
        Fields {
            object: value
                .as_object()
                .unwrap_or_else(|| EMPTY.get_or_init(Map::new)),
            prefix: String::new(),
            problems: Vec::new(),
        }
    }

    /// The fields of the object at `field`, whose problems are reported under `field.`.
    pub fn nested(value: &'a Value, field: &str) -> Self {
        Fields {
            prefix: format!("{field}."),
            ..Fields::of(value)
        }
    }

    /// The raw value of a field (`Null` when absent).
    pub fn raw(&self, name: &str) -> &'a Value {
        self.object.get(name).unwrap_or(&Value::Null)
    }

    pub fn push(&mut self, field: &str, message: impl Into<Message>) {
        self.problems.push(FieldProblem::new(
            format!("{}{field}", self.prefix),
            message,
        ));
    }

    /// A field `read` turns into a value of the JSON type `expected`. When it fails, a value
    /// of another type is told so ("wrong type: expected a number, found text"); a missing or
    /// unfit value of the right type gets the problem `what` ("required: …").
    pub fn read<T>(
        &mut self,
        name: &str,
        what: impl Into<Message>,
        expected: Json,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let raw = self.raw(name);
        let value = read(raw);
        if value.is_none() {
            match Json::of(raw).filter(|found| *found != expected) {
                Some(found) => self.push(name, expected.instead_of(found)),
                None => self.push(name, what),
            }
        }
        value
    }

    /// Non-empty visible text of one line, at most 300 characters.
    pub fn text(&mut self, name: &str, what: Key) -> Option<String> {
        self.read(name, what, Json::Text, |v| {
            v.as_str().filter(|s| is_text(s)).map(str::to_string)
        })
    }

    /// A number greater than 0, at most 1e9.
    pub fn positive(&mut self, name: &str, what: Key) -> Option<f64> {
        self.read(name, what, Json::Number, positive)
    }

    /// Absent, or a whole number a JavaScript client reads exactly.
    pub fn optional_count(&mut self, name: &str, what: Key) -> Option<Option<u64>> {
        self.read(name, what, Json::Number, |v| match v {
            Value::Null => Some(None),
            v => v.as_u64().filter(|x| *x <= 9_007_199_254_740_991).map(Some),
        })
    }

    /// Absent (false), or true or false.
    pub fn optional_bool(&mut self, name: &str, what: Key) -> Option<bool> {
        self.read(name, what, Json::Bool, |v| match v {
            Value::Null => Some(false),
            v => v.as_bool(),
        })
    }

    /// Absent, or a facility's or hub's own lease terms within their ranges.
    pub fn lease_rule(&mut self, name: &str) -> Option<Option<crate::catalog::LeaseRuleOverride>> {
        self.read(name, Key::LeaseRuleRange, Json::Object, |v| match v {
            Value::Null => Some(None),
            v => serde_json::from_value::<crate::catalog::LeaseRuleOverride>(v.clone())
                .ok()
                .filter(|own| own.is_plausible())
                .map(Some),
        })
    }

    /// Text that must be one of `ids`; a missing or malformed value was reported by the read
    /// that gave `value`.
    pub fn known<'i>(
        &mut self,
        field: &str,
        value: Option<&str>,
        ids: impl Iterator<Item = &'i str> + Clone,
        kind: Key,
    ) -> bool {
        let Some(value) = value else {
            return false;
        };
        if ids.clone().any(|id| id == value) {
            return true;
        }
        let expected: Vec<&str> = ids.collect();
        self.push(
            field,
            Message::new(Key::UnknownOf)
                .with("what", kind)
                .arg("id", value)
                .arg("values", expected.join(", ")),
        );
        false
    }

    /// The problems found, or the value when there were none.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldProblem>> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(self.problems),
        }
    }
}

/// The type of a JSON value, as a field's problem names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Json {
    Text,
    Number,
    Bool,
    List,
    Object,
}

impl Json {
    /// The type of `value`; `None` for `null` (absent).
    pub fn of(value: &Value) -> Option<Json> {
        Some(match value {
            Value::Null => return None,
            Value::String(_) => Json::Text,
            Value::Number(_) => Json::Number,
            Value::Bool(_) => Json::Bool,
            Value::Array(_) => Json::List,
            Value::Object(_) => Json::Object,
        })
    }

    fn noun(self) -> Key {
        match self {
            Json::Text => Key::JsonText,
            Json::Number => Key::JsonNumber,
            Json::Bool => Key::JsonBool,
            Json::List => Key::JsonList,
            Json::Object => Key::JsonObject,
        }
    }

    /// "wrong type: expected this, found `found`".
    pub fn instead_of(self, found: Json) -> Message {
        Message::new(Key::WrongType)
            .with("expected", self.noun())
            .with("found", found.noun())
    }
}

/// Non-empty visible text of one line, at most 300 characters (`crate::text`).
pub fn is_text(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= 300 && !s.chars().any(crate::text::is_hidden)
}

/// A number greater than 0, at most 1e9.
pub fn positive(v: &Value) -> Option<f64> {
    v.as_f64()
        .filter(|x| x.is_finite() && *x > 0.0 && *x <= 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_failing_field_is_reported_with_its_path() {
        let body = json!({"name": "", "area": -1, "count": 1.5, "flag": "yes"});
        let mut fields = Fields::nested(&body, "needs");
        assert_eq!(fields.text("name", Key::RequiredName), None);
        assert_eq!(fields.positive("area", Key::RequiredPositive), None);
        assert_eq!(
            fields.optional_count("count", Key::RequiredOptionalCount),
            None
        );
        assert_eq!(
            fields.optional_bool("flag", Key::RequiredOptionalBool),
            None
        );
        assert_eq!(
            fields.optional_count("absent", Key::RequiredOptionalCount),
            Some(None)
        );
        let paths: Vec<&str> = fields.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            paths,
            ["needs.name", "needs.area", "needs.count", "needs.flag"]
        );
        assert_eq!(
            fields.problems[0].message.to_string(),
            "required: a name: one line of at most 300 characters"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_told_so_and_a_missing_one_is_required() {
        let body = json!({"name": 5, "area": "big", "flag": 1, "count": [1], "gone": null});
        let mut fields = Fields::of(&body);
        assert_eq!(fields.text("name", Key::RequiredName), None);
        assert_eq!(fields.positive("area", Key::RequiredPositive), None);
        assert_eq!(
            fields.optional_bool("flag", Key::RequiredOptionalBool),
            None
        );
        assert_eq!(
            fields.optional_count("count", Key::RequiredOptionalCount),
            None
        );
        assert_eq!(fields.text("gone", Key::RequiredName), None);
        let told: Vec<String> = fields
            .problems
            .iter()
            .map(|p| p.message.to_string())
            .collect();
        assert_eq!(
            told,
            [
                "wrong type: expected text, found a number",
                "wrong type: expected a number, found text",
                "wrong type: expected true or false, found a number",
                "wrong type: expected a number, found a list",
                "required: a name: one line of at most 300 characters",
            ]
        );
        assert_eq!(
            fields.problems[1].message.render(crate::lang::Lang::Ko),
            "값의 형식이 다릅니다 (필요: 숫자, 입력: 글자)"
        );
    }

    #[test]
    fn an_unknown_id_names_the_accepted_ones() {
        let body = json!({});
        let mut fields = Fields::of(&body);
        let kind = Key::NounSpaceKind;
        assert!(fields.known("kind", Some("lab"), ["lab", "office"].into_iter(), kind));
        assert!(!fields.known("kind", Some("zoo"), ["lab", "office"].into_iter(), kind));
        assert!(!fields.known("kind", None, ["lab"].into_iter(), kind));
        assert_eq!(fields.problems.len(), 1);
        assert_eq!(
            fields.problems[0].message.to_string(),
            "unknown space kind \"zoo\"; expected one of: lab, office"
        );
    }

    #[test]
    fn text_is_one_visible_line_of_at_most_300_characters() {
        assert!(is_text("대전 스타트업파크"));
        assert!(!is_text("  "));
        assert!(!is_text(&"가".repeat(301)));
        assert!(!is_text("a\u{202E}b"));
    }
}
