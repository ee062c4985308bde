//! A space (`/api/v1/spaces`): a room or unit in a zone's facility or in a hub outside the
//! zones, of a space kind of the catalog, with what it admits.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::is_text;
use super::{FacilityId, FieldProblem, Fields, HubId, Json};
use crate::Catalog;
use crate::message::{Key, Message};

/// Where a space is: in a zone's facility, or in a hub outside the zones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpacePlace {
    Facility(FacilityId),
    Hub(HubId),
}

/// Who a space admits; each list empty admits all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Admits {
    /// Stage ids of the catalog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<String>,
    /// KSIC prefixes: a section letter A–U and up to five digits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    /// Equipment names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equipment: Vec<String>,
}

/// A space as the API takes it: in a facility (`facility_id`) or a hub (`hub_id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Space")]
pub struct SpaceBody {
    #[serde(default)]
    pub facility_id: Option<FacilityId>,
    #[serde(default)]
    pub hub_id: Option<HubId>,
    pub name: String,
    /// A space kind id of the catalog (`catalog/space_kinds.toml`).
    pub kind: String,
    /// Square metres, greater than 0 (at most 1e9).
    #[schemars(extend("exclusiveMinimum" = 0, "maximum" = 1e9))]
    pub area_m2: f64,
    #[serde(default)]
    pub monthly_rent_krw: Option<u64>,
    #[serde(default)]
    pub admits: Option<Admits>,
}

impl SpaceBody {
    pub fn place(&self) -> SpacePlace {
        match (&self.hub_id, self.facility_id) {
            (Some(hub), _) => SpacePlace::Hub(hub.clone()),
            (None, Some(facility)) => SpacePlace::Facility(facility),
            // `parse` gives one of the two.
            (None, None) => SpacePlace::Facility(FacilityId(-1)),
        }
    }

    pub fn parse(body: &Value, catalog: &Catalog) -> Result<Self, Vec<FieldProblem>> {
        let mut f = Fields::of(body);
        let hub = f.raw("hub_id").as_str().map(|h| HubId(h.to_string()));
        let facility = if hub.is_some() {
            if !f.raw("facility_id").is_null() {
                f.push("hub_id", Key::SpaceInFacilityOrHub);
            }
            Some(None)
        } else {
            f.read(
                "facility_id",
                Key::RequiredFacilityOrHub,
                Json::Number,
                |v| v.as_i64().map(|id| Some(FacilityId(id))),
            )
        };
        let admits = admits(&mut f, catalog);
        let name = f.text("name", Key::RequiredName);
        let kinds = catalog.space_kinds.iter().map(|k| k.id.as_str());
        let kind = f
            .raw("kind")
            .as_str()
            .filter(|k| is_text(k))
            .map(str::to_string);
        match Json::of(f.raw("kind")) {
            _ if kind.is_some() => {}
            Some(found) if found != Json::Text => f.push("kind", Json::Text.instead_of(found)),
            _ => {
                let all: Vec<&str> = kinds.clone().collect();
                f.push(
                    "kind",
                    Message::new(Key::RequiredSpaceKind).arg("values", one_of(&all)),
                );
            }
        }
        let area_m2 = f.positive("area_m2", Key::RequiredPositive);
        let rent = f.optional_count("monthly_rent_krw", Key::RequiredOptionalCount);
        f.known("kind", kind.as_deref(), kinds, Key::NounSpaceKind);
        let body = (|| {
            Some(SpaceBody {
                facility_id: facility?,
                hub_id: hub,
                name: name?,
                kind: kind?,
                area_m2: area_m2?,
                monthly_rent_krw: rent?,
                admits: admits?,
            })
        })();
        f.finish(body)
    }
}

/// `a, b or c`.
fn one_of(ids: &[&str]) -> String {
    match ids.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => String::new(),
    }
}

/// A KSIC prefix: a section letter A–U and up to five digits.
fn is_ksic_prefix(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|l| ('A'..='U').contains(&l))
        && chars.all(|d| d.is_ascii_digit())
        && code.len() <= 6
}

/// `admits`: absent, or an object of the three optional lists.
fn admits(f: &mut Fields, catalog: &Catalog) -> Option<Option<Admits>> {
    let value = f.raw("admits");
    if value.is_null() {
        return Some(None);
    }
    let Some(object) = value.as_object() else {
        f.push("admits", Key::AdmitsObject);
        return None;
    };
    let mut admits = Admits::default();
    let mut ok = true;
    for (key, items) in object {
        let list: Option<Vec<String>> = items.as_array().and_then(|a| {
            a.iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        });
        let sectors = || Message::new(Key::AdmitsSectors);
        let (fits, message) = match (key.as_str(), &list) {
            ("stages", Some(ids)) => (
                ids.iter()
                    .all(|s| catalog.stages.iter().any(|x| x.id.as_str() == s)),
                Message::new(Key::AdmitsStages),
            ),
            ("sectors", Some(codes)) => (codes.iter().all(|c| is_ksic_prefix(c)), sectors()),
            ("equipment", Some(names)) => (
                names.iter().all(|n| is_text(n)),
                Message::new(Key::AdmitsEquipment),
            ),
            ("stages", None) => (false, Message::new(Key::AdmitsStages)),
            ("sectors", None) => (false, sectors()),
            ("equipment", None) => (false, Message::new(Key::AdmitsEquipment)),
            _ => (false, Message::new(Key::AdmitsUnknownKey).arg("key", key)),
        };
        if !fits {
            f.push(&format!("admits.{key}"), message);
            ok = false;
            continue;
        }
        let list = list.unwrap_or_default();
        match key.as_str() {
            "stages" => admits.stages = list,
            "sectors" => admits.sectors = list,
            _ => admits.equipment = list,
        }
    }
    ok.then_some(Some(admits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_space_is_in_a_facility_or_a_hub_and_admits_known_stages() {
        let catalog = Catalog::bundled().expect("the bundled catalog");
        let stage = catalog.stages[0].id.to_string();
        let in_facility = json!({"facility_id": 3, "name": "301호", "kind": "lab", "area_m2": 40,
            "admits": {"stages": [stage], "sectors": ["C26"]}});
        let space = SpaceBody::parse(&in_facility, &catalog).expect("a valid space");
        assert_eq!(space.place(), SpacePlace::Facility(FacilityId(3)));
        assert_eq!(
            space.admits.map(|a| a.sectors),
            Some(vec!["C26".to_string()])
        );
        let both = json!({"facility_id": 3, "hub_id": "kaist", "name": "x", "kind": "lab", "area_m2": 1,
            "admits": {"stages": ["nope"], "colour": []}});
        let fields: Vec<String> = SpaceBody::parse(&both, &catalog)
            .expect_err("an invalid space")
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["hub_id", "admits.colour", "admits.stages"]);
    }
}
