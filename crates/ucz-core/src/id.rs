//! Identifiers as written in catalog and zone files, remembering where they were written so that
//! a reference that does not resolve can be reported at its line and column.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `snake_case` identifier of a catalog entry (`innovation`, `rnd_special_zone`, …).
///
/// Equality, ordering and hashing look at the text only; the span is where the identifier was
/// read from, if it was read from a TOML file.
#[derive(Clone, Debug)]
pub struct Id {
    text: String,
    span: Option<Range<usize>>,
}

impl Id {
    /// An identifier made in code, with no place in a file.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            span: None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Byte range in the file it was read from.
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.clone()
    }

    /// Whether the text has the shape every catalog identifier must have: `[a-z][a-z0-9_]*`.
    pub fn is_well_formed(&self) -> bool {
        let mut chars = self.text.chars();
        matches!(chars.next(), Some('a'..='z'))
            && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    }
}

impl Deref for Id {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Id {}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&str> for Id {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = toml::Spanned::<String>::deserialize(deserializer)?;
        let span = spanned.span();
        Ok(Self {
            text: spanned.into_inner(),
            span: Some(span),
        })
    }
}

/// An identifier from any format, without a place in a file: for records that are read back
/// from the database as JSON, whose identifiers no message points into.
pub fn plain<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Id, D::Error> {
    String::deserialize(deserializer).map(Id::new)
}

/// [`plain`] for a list.
pub fn plain_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Id>, D::Error> {
    Vec::<String>::deserialize(deserializer).map(|ids| ids.into_iter().map(Id::new).collect())
}

impl schemars::JsonSchema for Id {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]*$",
            "description": "A catalog identifier"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_ids_are_lower_snake_case() {
        assert!(Id::new("rnd_special_zone").is_well_formed());
        assert!(Id::new("c26").is_well_formed());
        assert!(!Id::new("R&D").is_well_formed());
        assert!(!Id::new("_x").is_well_formed());
        assert!(!Id::new("").is_well_formed());
        assert!(!Id::new("연구").is_well_formed());
    }

    #[test]
    fn ids_read_from_toml_keep_their_span() {
        #[derive(Deserialize)]
        struct Doc {
            id: Id,
        }
        let text = "id = \"innovation\"\n";
        let doc: Doc = toml::from_str(text).expect("valid toml");
        assert_eq!(doc.id, "innovation");
        let span = doc.id.span().expect("span");
        assert_eq!(&text[span], "\"innovation\"");
    }
}
