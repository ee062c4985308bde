//! A zone plan (도심융합특구 기본계획) as a TOML file: what the zone holds — facilities,
//! institutions, designations, programs — checked against the catalog.

use serde::{Deserialize, Deserializer, Serialize};

use crate::catalog::{Catalog, Entry};
use crate::id::Id;
use crate::message::{Key, Message};
use crate::source::{Errors, InputErrors, SourceFile};

/// A zone plan. See `docs/zone-file.md` for every field.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub id: Id,
    pub name: Text,
    pub name_en: Option<Text>,
    /// `new_town`, `urban_regeneration` or `industrial_complex`.
    pub zone_type: Id,
    /// 시도 id.
    pub region: Id,
    /// Where in the region (station, district).
    pub location: Option<String>,
    /// The site's position, for maps: `{ lat = 36.33, lon = 127.43 }` (WGS84, within Korea).
    pub site: Option<Site>,
    pub area_km2: Option<Positive>,
    /// Date of designation, when designated (`2024-11-07`).
    pub designated: Option<crate::date::Date>,
    #[serde(default)]
    pub strategic_industries: Vec<Text>,
    /// Designation ids held over (part of) the site.
    #[serde(default)]
    pub designations: Vec<Id>,
    /// Ministry program ids in use.
    #[serde(default)]
    pub programs: Vec<Id>,
    /// Support program ids (Figure 2) running.
    #[serde(default)]
    pub support_programs: Vec<Id>,
    /// Linkage program ids (Figure 3) running.
    #[serde(default)]
    pub linkage_programs: Vec<Id>,
    // In the API, a zone's facilities and institutions are records of their own.
    #[serde(default, rename = "facility")]
    #[schemars(skip)]
    pub facilities: Vec<Facility>,
    #[serde(default, rename = "institution")]
    #[schemars(skip)]
    pub institutions: Vec<Institution>,
}

/// A facility planned or built in the zone.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Facility type id.
    #[serde(rename = "type")]
    pub kind: Id,
    pub name: Text,
    pub floor_area_m2: Positive,
    pub units: Option<u32>,
    /// Planned (not yet built); counts the same in the diagnosis of a plan.
    #[serde(default)]
    pub planned: bool,
}

/// An institution taking part in the zone.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    /// Institution kind id.
    pub kind: Id,
    pub name: Text,
    /// Whether it is secured or still to be attracted (유치 예정).
    #[serde(default)]
    pub status: InstitutionStatus,
    /// Public or private ownership; when absent, the kind's ownership in the catalog, if any.
    pub ownership: Option<Ownership>,
}

/// Whether an institution takes part already or is still to be attracted. A plan names both,
/// but only a secured institution is evidence that an operating principle is met.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionStatus {
    #[default]
    Secured,
    Planned,
}

/// Who owns an institution: the brief's co-investment asks for private investment, which a
/// public corporation or agency does not bring however it is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    Public,
    Private,
}

/// A point in WGS84 degrees, within the bounds of South Korea's territory.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Site {
    pub lat: f64,
    pub lon: f64,
}

impl Site {
    pub const LAT: std::ops::RangeInclusive<f64> = 33.0..=38.7;
    pub const LON: std::ops::RangeInclusive<f64> = 124.5..=131.9;
}

impl<'de> Deserialize<'de> for Site {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            lat: f64,
            lon: f64,
        }
        let raw = Raw::deserialize(deserializer)?;
        if !Site::LAT.contains(&raw.lat) || !Site::LON.contains(&raw.lon) {
            return Err(serde::de::Error::custom(format!(
                "{}",
                Message::new(Key::OutsideKorea)
                    .arg("lat", raw.lat)
                    .arg("lon", raw.lon)
            )));
        }
        Ok(Site {
            lat: raw.lat,
            lon: raw.lon,
        })
    }
}

/// Non-empty text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Err(serde::de::Error::custom(Message::new(Key::EmptyText)));
        }
        if let Some(hidden) = crate::text::first_hidden(&text) {
            return Err(serde::de::Error::custom(
                Message::new(Key::HiddenText).arg("found", hidden),
            ));
        }
        Ok(Text(text))
    }
}

/// A finite number greater than zero and at most [`Positive::MAX`] (an area).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Positive(f64);

impl Positive {
    /// No floor area or site reaches a billion m² (or km²): larger values are typing mistakes.
    pub const MAX: f64 = 1e9;

    pub fn get(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Positive;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a number greater than 0")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Positive, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Positive, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Positive, E> {
                if !v.is_finite() || v <= 0.0 {
                    return Err(E::custom(Message::new(Key::NotPositive).arg("value", v)));
                }
                if v > Positive::MAX {
                    return Err(E::custom(
                        Message::new(Key::ImplausiblyLarge)
                            .arg("value", v)
                            .arg("max", Positive::MAX),
                    ));
                }
                Ok(Positive(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Zone {
    /// Reads a zone file and checks every id against the catalog. All problems are reported,
    /// each at its line and column.
    pub fn parse(file: SourceFile<'_>, catalog: &Catalog) -> Result<Zone, InputErrors> {
        let zone: Zone = toml::from_str(file.text)
            .map_err(|e| InputErrors::from(with_hint(file.toml_error(&e))))?;
        let mut errors = Errors::default();
        let e = &mut errors;
        if !zone.id.is_well_formed() {
            e.push(
                file.error_at_keyed(&zone.id, Message::new(Key::ZoneIdForm).arg("id", &zone.id))
                    .field("id"),
            );
        }
        known(
            file,
            "zone_type",
            std::slice::from_ref(&zone.zone_type),
            &catalog.zone_types,
            Key::NounZoneType,
            e,
        );
        known(
            file,
            "region",
            std::slice::from_ref(&zone.region),
            &catalog.regions,
            Key::NounRegion,
            e,
        );
        known(
            file,
            "designations",
            &zone.designations,
            &catalog.designations,
            Key::NounDesignation,
            e,
        );
        known(
            file,
            "programs",
            &zone.programs,
            &catalog.programs,
            Key::NounProgram,
            e,
        );
        known(
            file,
            "support_programs",
            &zone.support_programs,
            &catalog.support_programs,
            Key::NounSupportProgram,
            e,
        );
        known(
            file,
            "linkage_programs",
            &zone.linkage_programs,
            &catalog.linkage_programs,
            Key::NounLinkageProgram,
            e,
        );
        for (i, facility) in zone.facilities.iter().enumerate() {
            known(
                file,
                &format!("facility[{i}].type"),
                std::slice::from_ref(&facility.kind),
                &catalog.facility_types,
                Key::NounFacilityType,
                e,
            );
        }
        for (i, institution) in zone.institutions.iter().enumerate() {
            known(
                file,
                &format!("institution[{i}].kind"),
                std::slice::from_ref(&institution.kind),
                &catalog.institution_kinds,
                Key::NounInstitutionKind,
                e,
            );
        }
        errors.finish(zone)
    }

    /// Total floor area of the zone's facilities, in m².
    pub fn floor_area_m2(&self) -> f64 {
        self.facilities.iter().map(|f| f.floor_area_m2.get()).sum()
    }
}

/// Keys written after a `[[facility]]` or `[[institution]]` header belong to that table in TOML:
/// the commonest mistake in a zone file, so say so.
fn with_hint(mut error: crate::source::InputError) -> crate::source::InputError {
    const TOP_LEVEL: [&str; 6] = [
        "strategic_industries",
        "designations",
        "programs",
        "support_programs",
        "linkage_programs",
        "location",
    ];
    if TOP_LEVEL
        .iter()
        .any(|key| error.message.contains(&format!("unknown field `{key}`")))
    {
        let message = error.keyed_message();
        error.set_message(Message::new(Key::TomlTopLevelHint).with("message", message));
    }
    if error.message.contains("expected a sequence")
        && matches!(error.field.as_deref(), Some("facility" | "institution"))
    {
        let message = error.keyed_message();
        error.set_message(Message::new(Key::TomlDoubleBracketsHint).with("message", message));
    }
    error
}

/// Every id names a catalog entry of the right kind; a list names each at most once.
fn known<T: Entry>(
    file: SourceFile<'_>,
    field: &str,
    ids: &[Id],
    targets: &[T],
    kind: Key,
    e: &mut Errors,
) {
    let single = ids.len() == 1 && !field.ends_with('s');
    for (i, id) in ids.iter().enumerate() {
        let path = if single {
            field.to_string()
        } else {
            format!("{field}[{i}]")
        };
        if !targets.iter().any(|t| t.id() == id) {
            e.push(
                file.error_at_keyed(
                    id,
                    Message::new(Key::UnknownCatalogId)
                        .with("kind", kind)
                        .arg("id", id),
                )
                .field(path)
                .expected(targets.iter().map(|t| t.id().clone())),
            );
        } else if ids[..i].contains(id) {
            e.push(
                file.error_at_keyed(
                    id,
                    Message::new(Key::ListedTwice)
                        .with("kind", kind)
                        .arg("id", id),
                )
                .field(path),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::bundled().unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse(text: &str) -> Result<Zone, InputErrors> {
        Zone::parse(SourceFile::new("zone.toml", text), &catalog())
    }

    const MINIMAL: &str =
        "id = \"z\"\nname = \"시험 특구\"\nzone_type = \"new_town\"\nregion = \"gwangju\"\n";

    #[test]
    fn a_minimal_zone_parses() {
        let zone = parse(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
        assert!(zone.facilities.is_empty());
        assert_eq!(zone.floor_area_m2(), 0.0);
    }

    #[test]
    fn an_unknown_id_names_file_line_column_field_and_allowed_ids() {
        let text = format!("{MINIMAL}designations = [\"rnd_special_zone\", \"free_zone\"]\n");
        let errors = parse(&text).expect_err("unknown designation");
        let error = &errors.0[0];
        assert_eq!(error.position, Some((5, 37)));
        assert_eq!(error.field.as_deref(), Some("designations[1]"));
        assert!(error.expected.contains(&"regulation_free_zone".to_string()));
        assert_eq!(
            error.to_string().split(';').next(),
            Some("zone.toml:5:37: field `designations[1]`: unknown designation id \"free_zone\"")
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let errors = parse("id = \"z\"\nname = \"x\"\nregion = \"busan\"\n").expect_err("missing");
        assert!(errors.0[0].message.contains("zone_type"), "{errors}");
    }

    #[test]
    fn a_wrong_type_is_reported_at_its_place() {
        let text = format!(
            "{MINIMAL}[[facility]]\ntype = \"tenant_space\"\nname = \"A\"\nfloor_area_m2 = \"big\"\n"
        );
        let errors = parse(&text).expect_err("type");
        let error = &errors.0[0];
        assert_eq!(error.position.map(|p| p.0), Some(8));
        assert!(error.message.contains("number"), "{error}");
    }

    #[test]
    fn areas_must_be_positive() {
        let text = format!(
            "{MINIMAL}[[facility]]\ntype = \"tenant_space\"\nname = \"A\"\nfloor_area_m2 = 0\n"
        );
        let errors = parse(&text).expect_err("area");
        assert!(errors.0[0].message.contains("greater than 0"), "{errors}");
    }

    #[test]
    fn a_missing_area_is_named() {
        let text = format!("{MINIMAL}[[facility]]\ntype = \"tenant_space\"\nname = \"A\"\n");
        let errors = parse(&text).expect_err("missing");
        assert!(
            errors.0[0]
                .message
                .contains("missing field `floor_area_m2`"),
            "{errors}"
        );
    }

    #[test]
    fn implausible_areas_are_refused() {
        let text = format!(
            "{MINIMAL}[[facility]]\ntype = \"tenant_space\"\nname = \"A\"\nfloor_area_m2 = 1e19\n"
        );
        let errors = parse(&text).expect_err("huge");
        assert!(
            errors.0[0].message.contains("implausibly large"),
            "{errors}"
        );
        assert_eq!(
            errors.0[0].field.as_deref(),
            Some("facility[0].floor_area_m2")
        );
    }

    #[test]
    fn errors_inside_values_name_the_key() {
        let errors = parse(&MINIMAL.replace("\"시험 특구\"", "\"\"")).expect_err("empty");
        assert_eq!(errors.0[0].field.as_deref(), Some("name"));
        assert!(errors.0[0].message.contains("must not be empty"));
    }

    #[test]
    fn a_single_bracket_table_gets_a_hint() {
        let errors =
            parse(&format!("{MINIMAL}[facility]\ntype = \"tenant_space\"\n")).expect_err("table");
        assert!(errors.0[0].message.contains("[[facility]]"), "{errors}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let errors = parse(&format!("{MINIMAL}facilitys = []\n")).expect_err("typo");
        assert!(errors.0[0].message.contains("facilitys"), "{errors}");
    }

    #[test]
    fn a_top_level_key_after_a_table_gets_a_hint() {
        let text = format!(
            "{MINIMAL}[[facility]]\ntype = \"tenant_space\"\nname = \"A\"\nfloor_area_m2 = 1\nprograms = []\n"
        );
        let errors = parse(&text).expect_err("misplaced key");
        assert!(
            errors.0[0]
                .message
                .contains("must come before the first [[facility]]"),
            "{errors}"
        );
    }

    #[test]
    fn duplicates_in_a_list_are_refused() {
        let errors = parse(&format!(
            "{MINIMAL}programs = [\"living_lab_support\", \"living_lab_support\"]\n"
        ))
        .expect_err("dup");
        assert!(errors.0[0].message.contains("listed twice"), "{errors}");
    }

    #[test]
    fn an_institution_status_or_ownership_must_be_one_of_its_values() {
        let institution = "[[institution]]\nkind = \"anchor_firm\"\nname = \"A\"\n";
        let zone = parse(&format!(
            "{MINIMAL}{institution}status = \"planned\"\nownership = \"public\"\n"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(zone.institutions[0].status, InstitutionStatus::Planned);
        assert_eq!(zone.institutions[0].ownership, Some(Ownership::Public));
        let errors =
            parse(&format!("{MINIMAL}{institution}status = \"예정\"\n")).expect_err("status");
        let error = &errors.0[0];
        assert_eq!(error.position.map(|p| p.0), Some(8));
        assert_eq!(error.field.as_deref(), Some("institution[0].status"));
        assert!(
            error.message.contains("`secured`") && error.message.contains("`planned`"),
            "{error}"
        );
        assert!(error.to_string().starts_with("zone.toml:8:"), "{error}");
        let errors = parse(&format!("{MINIMAL}{institution}ownership = \"공기업\"\n"))
            .expect_err("ownership");
        let error = &errors.0[0];
        assert_eq!(error.field.as_deref(), Some("institution[0].ownership"));
        assert!(
            error.message.contains("`public`") && error.message.contains("`private`"),
            "{error}"
        );
    }

    #[test]
    fn malformed_toml_is_reported() {
        let errors = parse("id = \"z\nname = 1").expect_err("syntax");
        assert_eq!(errors.0[0].position.map(|p| p.0), Some(1));
    }
}
