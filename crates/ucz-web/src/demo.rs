//! Demo data for a first start: the five designated zones of `examples/zones/` with their
//! facilities and institutions, and synthetic firms, every record marked `demo`.

use serde_json::{Value, json};
use ucz_core::date::Date;
use ucz_store::{FACILITIES, FIRMS, INSTITUTIONS, ZONES};

use crate::AppState;
use crate::error::ApiError;

const ZONES_TOML: [&str; 5] = [
    include_str!("../../../examples/zones/busan.toml"),
    include_str!("../../../examples/zones/daegu.toml"),
    include_str!("../../../examples/zones/gwangju.toml"),
    include_str!("../../../examples/zones/daejeon.toml"),
    include_str!("../../../examples/zones/ulsan.toml"),
];

/// TOML dates become plain `YYYY-MM-DD` strings in JSON.
fn plain(value: Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("$__toml_private_datetime") => map
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or(Value::Null),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, plain(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
        other => other,
    }
}

/// Loads the demo data unless zones exist already. Returns (zones, firms) loaded.
pub async fn load(state: &AppState, firms: usize, as_of: Date) -> Result<(usize, usize), ApiError> {
    let (_, existing) = state
        .store
        .list(
            &ZONES,
            &ucz_store::Filter {
                equals: Vec::new(),
                limit: 1,
                offset: 0,
            },
        )
        .await?;
    if existing > 0 {
        return Ok((0, 0));
    }
    let actor = "demo";
    for text in ZONES_TOML {
        let table: toml::Table = toml::from_str(text).map_err(ApiError::internal)?;
        let mut zone = plain(serde_json::to_value(&table).map_err(ApiError::internal)?);
        let facilities = zone
            .as_object_mut()
            .and_then(|z| z.remove("facility"))
            .unwrap_or(Value::Null);
        let institutions = zone
            .as_object_mut()
            .and_then(|z| z.remove("institution"))
            .unwrap_or(Value::Null);
        let id = zone["id"].clone();
        state
            .store
            .create(
                actor,
                &ZONES,
                &json!({"id": id, "body": zone, "demo": true}),
            )
            .await?;
        for f in facilities.as_array().into_iter().flatten() {
            let record = json!({
                "zone_id": id, "kind": f["type"], "name": f["name"], "floor_area_m2": f["floor_area_m2"],
                "units": f["units"], "planned": f["planned"].as_bool().unwrap_or(false),
            });
            state.store.create(actor, &FACILITIES, &record).await?;
        }
        for i in institutions.as_array().into_iter().flatten() {
            state
                .store
                .create(
                    actor,
                    &INSTITUTIONS,
                    &json!({"zone_id": id, "kind": i["kind"], "name": i["name"]}),
                )
                .await?;
        }
    }
    let zone_regions = ["busan", "daegu", "gwangju", "daejeon", "ulsan"];
    let mut loaded = 0;
    for (i, mut firm) in ucz_core::synth::firms(firms, 2026, as_of)
        .into_iter()
        .enumerate()
    {
        // A third of the firms in a zone's region are its tenants, so every zone has some.
        if zone_regions.contains(&firm.region.as_str()) && i % 3 == 0 {
            firm.zone = firm.region.to_string();
        }
        let body = serde_json::to_value(&firm).map_err(ApiError::internal)?;
        let record = crate::resources::firms::validate(state, &body, true).await?;
        state.store.create(actor, &FIRMS, &record).await?;
        loaded += 1;
    }
    Ok((ZONES_TOML.len(), loaded))
}
