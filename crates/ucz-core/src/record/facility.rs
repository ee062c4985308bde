//! A facility of a zone, as the API takes it (`/api/v1/facilities`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldProblem, Fields, Json, ZoneId};
use crate::Catalog;
use crate::catalog::LeaseRuleOverride;
use crate::message::Key;

/// A facility: its zone, its type (a facility type of the catalog), name and floor area.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Facility")]
pub struct FacilityBody {
    pub zone_id: ZoneId,
    /// A facility type id of the catalog.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    /// Square metres, greater than 0 (at most 1e9).
    #[schemars(extend("exclusiveMinimum" = 0, "maximum" = 1e9))]
    pub floor_area_m2: f64,
    #[serde(default)]
    pub units: Option<u32>,
    /// Planned rather than built.
    #[serde(default)]
    pub planned: bool,
    /// An incubator's own lease terms (its 입주 rules), each replacing the catalog default's
    /// for the incubation rooms in it; a lease beyond them is written with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_rule: Option<LeaseRuleOverride>,
}

impl FacilityBody {
    /// Reads a body, reporting every field that fails.
    pub fn parse(body: &Value, catalog: &Catalog) -> Result<Self, Vec<FieldProblem>> {
        let mut f = Fields::of(body);
        let zone_id = f.text("zone_id", Key::RequiredZoneId);
        let kind = f.text("type", Key::RequiredFacilityTypeId);
        let name = f.text("name", Key::RequiredName);
        let floor_area_m2 = f.positive("floor_area_m2", Key::RequiredPositive);
        let units = f.read(
            "units",
            Key::RequiredOptionalU32,
            Json::Number,
            |v| match v {
                Value::Null => Some(None),
                v => v.as_u64().and_then(|u| u32::try_from(u).ok()).map(Some),
            },
        );
        let planned = f.optional_bool("planned", Key::RequiredOptionalBool);
        let lease_rule = f.lease_rule("lease_rule");
        let types = catalog.facility_types.iter().map(|t| t.id.as_str());
        f.known("type", kind.as_deref(), types, Key::NounFacilityType);
        let body = (|| {
            Some(FacilityBody {
                zone_id: ZoneId(zone_id?),
                kind: kind?,
                name: name?,
                floor_area_m2: floor_area_m2?,
                units: units?,
                planned: planned?,
                lease_rule: lease_rule?,
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
    fn a_facility_is_read_or_every_failing_field_named() {
        let catalog = Catalog::bundled().expect("the bundled catalog");
        let kind = catalog.facility_types[0].id.to_string();
        let good = json!({"zone_id": "daejeon", "type": kind, "name": "창업센터", "floor_area_m2": 1200.5});
        let facility = FacilityBody::parse(&good, &catalog).expect("a valid facility");
        assert_eq!(facility.units, None);
        assert!(!facility.planned);
        assert_eq!(facility.lease_rule, None);
        let own = json!({"zone_id": "daejeon", "type": kind, "name": "창업센터", "floor_area_m2": 900,
            "lease_rule": {"max_months": 36}});
        let facility = FacilityBody::parse(&own, &catalog).expect("a facility with its own terms");
        assert_eq!(facility.lease_rule.and_then(|r| r.max_months), Some(36));
        let bad = json!({"type": "castle", "name": " ", "floor_area_m2": 0, "units": -1, "planned": "no",
            "lease_rule": {"max_months": 0}});
        let fields: Vec<String> = FacilityBody::parse(&bad, &catalog)
            .expect_err("an invalid facility")
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "zone_id",
                "name",
                "floor_area_m2",
                "units",
                "planned",
                "lease_rule",
                "type"
            ]
        );
    }
}
