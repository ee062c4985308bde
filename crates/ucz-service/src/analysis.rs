//! Computed on demand: a zone's diagnosis, a firm's package, the catalog, the audit trail.
use serde::Deserialize;
use serde_json::Value;
use ucz_core::date::Date;
use ucz_core::record::{Demo, ZonePlan};
use ucz_core::{SourceFile, Zone, diagnose};
use ucz_store::ZoneParts;

use crate::caller::Caller;
use crate::error::Error;
use crate::firms;
use crate::{Services, access};

/// One kind of the catalog (`programs`, `designations`, …) as JSON.
pub fn catalog_kind(state: &Services, kind: &str) -> Result<Value, Error> {
    let all = serde_json::to_value(state.catalog.as_ref()).map_err(Error::internal)?;
    all.get(kind)
        .cloned()
        .ok_or_else(|| Error::not_found(crate::error::Key::NounCatalogKind, kind))
}

/// The zone file of a stored zone: its plan, facilities and institutions.
async fn zone_text(state: &Services, id: &str, parts: &ZoneParts) -> Result<String, Error> {
    let zone = state
        .store
        .repo::<Demo<ZonePlan>>()
        .find(id)
        .await?
        .ok_or_else(|| Error::not_found(crate::error::Key::NounZone, id))?;
    let ZoneParts {
        facilities,
        institutions,
    } = parts;
    let mut document = Value::Object(zone.record.record.0);
    // A zone file's facilities and institutions, without the record fields a file has not.
    document["facility"] = facilities
        .iter()
        .map(|f| {
            let f = &f.record;
            serde_json::json!({
                "type": f.kind, "name": f.name, "floor_area_m2": f.floor_area_m2,
                "planned": f.planned, "units": f.units,
            })
        })
        .collect();
    document["institution"] = institutions
        .iter()
        .map(|i| {
            let mut institution = serde_json::json!({"kind": i.record.kind, "name": i.record.name,
                "status": i.record.status});
            if let Some(ownership) = i.record.ownership {
                institution["ownership"] = serde_json::json!(ownership);
            }
            institution
        })
        .collect();
    crate::records::as_toml(&document)
}

/// The diagnosis of a stored zone with its facilities and institutions.
pub async fn diagnosis_of(state: &Services, id: &str) -> Result<ucz_core::Diagnosis, Error> {
    let parts = state.store.zone_parts(id).await?;
    diagnosis_with(state, id, &parts).await
}

/// The diagnosis of a stored zone whose facilities and institutions were read already.
pub async fn diagnosis_with(
    state: &Services,
    id: &str,
    parts: &ZoneParts,
) -> Result<ucz_core::Diagnosis, Error> {
    let text = zone_text(state, id, parts).await?;
    let zone = Zone::parse(SourceFile::new(id, &text), &state.catalog)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(diagnose(&state.catalog, &zone))
}

/// `?as_of=`; any other parameter is refused.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageParams {
    /// The day to answer for (`YYYY-MM-DD`; default today in Korea).
    #[schemars(with = "Option<ucz_core::date::Date>")]
    pub as_of: Option<String>,
}

pub async fn package(
    state: &Services,
    caller: &Caller,
    id: &str,
    params: &PackageParams,
) -> Result<ucz_core::eligibility::Package, Error> {
    let firm = firms::read(state, caller, id).await?.record.record;
    let as_of = match &params.as_of {
        Some(text) => text.parse::<Date>().map_err(|e| {
            Error::invalid(vec![crate::error::FieldError {
                field: "as_of".into(),
                message: crate::error::Message::input(e),
            }])
        })?,
        None => state.clock.today(),
    };
    Ok(state.rulebook.package(&state.catalog, &firm, as_of))
}

/// A page of the audit trail, newest first, and the state of its whole chain.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct AuditPage {
    pub items: Vec<ucz_store::AuditEntry>,
    pub chain: ucz_store::Verification,
}

/// `?limit=&offset=`; any other parameter is refused.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Entries per page, 1 to 1000 (default 100; a value outside is brought within).
    pub limit: Option<i64>,
    /// Entries to skip, newest first (default 0; a negative value counts as 0).
    pub offset: Option<i64>,
}

pub async fn audit(
    state: &Services,
    caller: &Caller,
    params: &AuditParams,
) -> Result<AuditPage, Error> {
    access::read_audit(caller)?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit(limit, params.offset.unwrap_or(0).max(0))
        .await?;
    let verification = state.store.verify_audit().await?;
    Ok(AuditPage {
        items: entries,
        chain: verification,
    })
}
