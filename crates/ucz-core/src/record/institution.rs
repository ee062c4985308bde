//! An institution of a zone (`/api/v1/institutions`): a university, a research institute, a
//! support agency.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldProblem, Fields, ZoneId};
use crate::Catalog;
use crate::message::Key;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Institution")]
pub struct InstitutionBody {
    pub zone_id: ZoneId,
    /// An institution kind id of the catalog.
    pub kind: String,
    pub name: String,
    /// `secured` (the default) or `planned` (유치 예정): only a secured institution is evidence
    /// that an operating principle is met.
    #[serde(default)]
    pub status: crate::zone::InstitutionStatus,
    /// `public` or `private`; absent, the kind's ownership in the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<crate::zone::Ownership>,
}

/// An optional field naming one of a few values: absent, null or empty (a form's blank choice)
/// is `None`.
fn one_of<T: serde::de::DeserializeOwned>(
    f: &mut Fields<'_>,
    name: &str,
    values: &[&str],
) -> Option<Option<T>> {
    let raw = f.raw(name).clone();
    if raw.is_null() || raw.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Some(None);
    }
    match serde_json::from_value::<T>(raw.clone()) {
        Ok(value) => Some(Some(value)),
        Err(_) => {
            f.push(
                name,
                crate::message::Message::new(Key::WithExpected)
                    .with(
                        "message",
                        crate::message::Message::new(Key::UnknownValue).arg("value", raw),
                    )
                    .arg("values", values.join(", ")),
            );
            None
        }
    }
}

impl InstitutionBody {
    pub fn parse(body: &Value, catalog: &Catalog) -> Result<Self, Vec<FieldProblem>> {
        let mut f = Fields::of(body);
        let zone_id = f.text("zone_id", Key::RequiredZoneId);
        let kind = f.text("kind", Key::RequiredInstitutionKindId);
        let name = f.text("name", Key::RequiredName);
        let kinds = catalog.institution_kinds.iter().map(|k| k.id.as_str());
        f.known("kind", kind.as_deref(), kinds, Key::NounInstitutionKind);
        let status = one_of(&mut f, "status", &["secured", "planned"]);
        let ownership = one_of(&mut f, "ownership", &["public", "private"]);
        let body = (|| {
            Some(InstitutionBody {
                zone_id: ZoneId(zone_id?),
                kind: kind?,
                name: name?,
                status: status?.unwrap_or_default(),
                ownership: ownership?,
            })
        })();
        f.finish(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_and_ownership_are_optional_and_checked() {
        let catalog = Catalog::bundled().expect("catalog");
        let body = |extra: Value| {
            let mut body =
                json!({"zone_id": "daejeon", "kind": "anchor_firm", "name": "한국철도공사"});
            if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            InstitutionBody::parse(&body, &catalog)
        };
        let plain = body(json!({})).expect("plain");
        assert_eq!(plain.status, crate::zone::InstitutionStatus::Secured);
        assert_eq!(plain.ownership, None);
        let public = body(json!({"status": "planned", "ownership": "public"})).expect("public");
        assert_eq!(public.status, crate::zone::InstitutionStatus::Planned);
        assert_eq!(public.ownership, Some(crate::zone::Ownership::Public));
        assert!(
            body(json!({"ownership": ""})).is_ok(),
            "a form's blank choice"
        );
        let problems = body(json!({"status": "예정", "ownership": "공기업"})).expect_err("bad");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["status", "ownership"]);
    }
}
