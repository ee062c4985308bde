//! A lease as the API takes it (`/api/v1/leases`): a firm in a space from one day to the first
//! day after it. The rules across leases (one per space and firm at a time, an incubation term)
//! are `crate::lease`'s; this is the body alone.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::is_text;
use super::{FieldProblem, Fields, FirmId, Json, SpaceId};
use crate::Catalog;
use crate::date::Date;
use crate::message::{Key, Message};

/// Whether a lease runs or has ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeaseStatus {
    #[default]
    Active,
    Ended,
}

impl LeaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseStatus::Active => "active",
            LeaseStatus::Ended => "ended",
        }
    }
}

/// What the tenant will look for when it graduates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Needs {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_krw: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equipment: Option<Vec<String>>,
    /// Hub or zone ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_hubs: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Lease")]
pub struct LeaseBody {
    pub space_id: SpaceId,
    pub firm_id: FirmId,
    pub starts: Date,
    /// The first day after the lease.
    pub ends: Date,
    #[serde(default)]
    pub status: LeaseStatus,
    #[serde(default)]
    #[schemars(range(max = 99))]
    pub renewals: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Needs>,
    /// The region a firm moved to when it left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A day between 1900 and 2200.
pub fn plausible_date(value: &Value) -> Result<Date, Message> {
    value
        .as_str()
        .ok_or_else(|| Message::new(Key::ADate))
        .and_then(|text| text.parse::<Date>().map_err(Message::input))
        .and_then(|day| {
            if (1900..=2200).contains(&day.year()) {
                Ok(day)
            } else {
                Err(Message::new(Key::ImplausibleDay).arg("day", day))
            }
        })
}

/// A list of visible names, or absent.
fn names(v: &Value) -> Option<Option<Vec<String>>> {
    match v {
        Value::Null => Some(None),
        v => v
            .as_array()?
            .iter()
            .map(|i| i.as_str().filter(|s| is_text(s)).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some),
    }
}

impl Needs {
    fn parse(f: &mut Fields) -> Option<Option<Needs>> {
        let value = f.raw("needs");
        if value.is_null() {
            return Some(None);
        }
        if !value.is_object() {
            f.push("needs", Key::NeedsObject);
            return None;
        }
        let mut n = Fields::nested(value, "needs");
        let area_m2 = n.read(
            "area_m2",
            Key::RequiredOptionalPositive,
            Json::Number,
            |v| match v {
                Value::Null => Some(None),
                v => super::fields::positive(v).map(Some),
            },
        );
        let budget_krw = n.optional_count("budget_krw", Key::RequiredOptionalCount);
        let equipment = n.read("equipment", Key::RequiredNames, Json::List, names);
        let preferred_hubs = n.read(
            "preferred_hubs",
            Key::RequiredHubOrZoneIds,
            Json::List,
            names,
        );
        let problems = std::mem::take(&mut n.problems);
        let found = problems.is_empty();
        f.problems.extend(problems);
        let needs = (|| {
            Some(Needs {
                area_m2: area_m2?,
                budget_krw: budget_krw?,
                equipment: equipment?,
                preferred_hubs: preferred_hubs?,
            })
        })();
        needs.filter(|_| found).map(Some)
    }
}

impl LeaseBody {
    /// Reads a body; an ended lease ends by `today` at the latest.
    pub fn parse(body: &Value, catalog: &Catalog, today: Date) -> Result<Self, Vec<FieldProblem>> {
        let mut f = Fields::of(body);
        let space_id = f.read("space_id", Key::RequiredSpaceId, Json::Number, |v| {
            v.as_i64().map(SpaceId)
        });
        let firm_id = f.text("firm_id", Key::RequiredFirmId).map(FirmId);
        let status = f.read(
            "status",
            Key::RequiredLeaseStatus,
            Json::Text,
            |v| match v {
                Value::Null => Some(LeaseStatus::Active),
                v => match v.as_str()? {
                    "active" => Some(LeaseStatus::Active),
                    "ended" => Some(LeaseStatus::Ended),
                    _ => None,
                },
            },
        );
        let renewals = f.read(
            "renewals",
            Key::RequiredRenewals,
            Json::Number,
            |v| match v {
                Value::Null => Some(0),
                v => v.as_u64().filter(|r| *r <= 99).map(|r| r as u32),
            },
        );
        let date = |f: &mut Fields, name: &str| match plausible_date(f.raw(name)) {
            Ok(day) => Some(day),
            Err(message) => {
                f.push(name, message);
                None
            }
        };
        let starts = date(&mut f, "starts");
        let ends = date(&mut f, "ends");
        let needs = Needs::parse(&mut f);
        let left_to = f.raw("left_to").as_str().map(str::to_string);
        match status {
            Some(LeaseStatus::Ended) => {
                // `ends` is the first day after the lease: an ended lease's is today at the latest.
                if let Some(ends) = ends.filter(|e| *e > today) {
                    f.push(
                        "ends",
                        Message::new(Key::EndedLeaseEndsByToday).arg("ends", ends),
                    );
                }
            }
            _ if !f.raw("left_to").is_null() => f.push("left_to", Key::WentToOnlyWhenEnded),
            _ => {}
        }
        if !f.raw("left_to").is_null() {
            let regions = catalog.regions.iter().map(|r| r.id.as_str());
            let given = f.raw("left_to").as_str();
            if let Some(found) = Json::of(f.raw("left_to")).filter(|_| given.is_none()) {
                f.push("left_to", Json::Text.instead_of(found));
            }
            f.known("left_to", given, regions, Key::NounRegion);
        }
        let note = f.read("note", Key::RequiredOptionalNote, Json::Text, |v| match v {
            Value::Null => Some(None),
            v => v.as_str().map(|s| Some(s.to_string())),
        });
        let body = (|| {
            Some(LeaseBody {
                space_id: space_id?,
                firm_id: firm_id?,
                starts: starts?,
                ends: ends?,
                status: status?,
                renewals: renewals?,
                needs: needs?,
                left_to,
                note: note?,
            })
        })();
        f.finish(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> Date {
        Date::new(2026, 6, 30).expect("a date")
    }

    #[test]
    fn a_lease_is_read_with_its_defaults() {
        let catalog = Catalog::bundled().expect("the bundled catalog");
        let body = json!({"space_id": 4, "firm_id": "f-1", "starts": "2026-01-01", "ends": "2028-01-01",
            "needs": {"area_m2": 80, "preferred_hubs": ["kaist"]}});
        let lease = LeaseBody::parse(&body, &catalog, today()).expect("a valid lease");
        assert_eq!(lease.status, LeaseStatus::Active);
        assert_eq!(lease.renewals, 0);
        assert_eq!(lease.needs.and_then(|n| n.area_m2), Some(80.0));
    }

    #[test]
    fn every_failing_field_of_a_lease_is_named() {
        let catalog = Catalog::bundled().expect("the bundled catalog");
        let body = json!({"space_id": "4", "starts": "2026-02-30", "ends": "1800-01-01",
            "status": "paused", "renewals": 100, "needs": {"area_m2": -1, "equipment": [""]},
            "left_to": "atlantis"});
        let fields: Vec<String> = LeaseBody::parse(&body, &catalog, today())
            .expect_err("an invalid lease")
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "space_id",
                "firm_id",
                "status",
                "renewals",
                "starts",
                "ends",
                "needs.area_m2",
                "needs.equipment",
                "left_to",
                "left_to"
            ]
        );
    }

    #[test]
    fn an_ended_lease_ends_by_today() {
        let catalog = Catalog::bundled().expect("the bundled catalog");
        let body = json!({"space_id": 4, "firm_id": "f", "starts": "2026-01-01", "ends": "2026-07-02",
            "status": "ended", "left_to": "seoul"});
        let problems = LeaseBody::parse(&body, &catalog, today()).expect_err("ends after today");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "ends");
    }
}
