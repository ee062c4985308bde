//! Demo data for a first start: the five designated zones of `examples/zones/` with their
//! facilities and institutions, and synthetic firms, every record marked `demo`.

use serde_json::{Value, json};
use ucz_core::date::Date;
use ucz_store::{FACILITIES, FIRMS, INSTITUTIONS, ZONES};

use crate::Services;
use crate::error::Error;

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
pub async fn load(state: &Services, firms: usize, as_of: Date) -> Result<(usize, usize), Error> {
    if !state.store.is_empty(&ZONES).await? {
        return Ok((0, 0));
    }
    let actor = "demo";
    for text in ZONES_TOML {
        let table: toml::Table = toml::from_str(text).map_err(Error::internal)?;
        let mut zone = plain(serde_json::to_value(&table).map_err(Error::internal)?);
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
        let body = serde_json::to_value(&firm).map_err(Error::internal)?;
        let record = crate::firms::validate(state, &body, true).await?;
        state.store.create(actor, &FIRMS, &record).await?;
        loaded += 1;
    }
    Ok((ZONES_TOML.len(), loaded))
}

/// The space ladder of Daejeon for the demo, in a region where expansion space runs short:
/// sixteen tenants of the zone's incubator graduate over the next year, while the zone's
/// knowledge-industry center and a campus innovation park nearby free only a few Post-BI spaces,
/// so the placement page shows graduates without a space and why. Earlier graduates, some of
/// whom left for the capital region, give the retention figures. Loaded once, with the zones.
pub async fn load_ladder(state: &Services, as_of: Date) -> Result<usize, Error> {
    use ucz_store::{HUBS, LEASES, SPACES};
    let actor = "demo";
    if !state.store.is_empty(&HUBS).await? {
        return Ok(0);
    }
    let facilities = state.store.zone_parts("daejeon").await?.facilities;
    let of_type = |kind: &str| {
        facilities
            .iter()
            .find(|f| f["kind"] == kind)
            .and_then(|f| f["id"].as_i64())
    };
    let (Some(incubator), Some(tenant_space)) =
        (of_type("incubation_space"), of_type("tenant_space"))
    else {
        return Ok(0);
    };
    let space = |facility: Option<i64>,
                 hub: Option<&str>,
                 name: String,
                 kind: &str,
                 area: f64,
                 rent: i64,
                 sectors: &[&str]| {
        json!({"facility_id": facility, "hub_id": hub, "name": name, "kind": kind, "area_m2": area,
            "monthly_rent_krw": rent, "admits": {"sectors": sectors}})
    };
    let mut rooms = Vec::new();
    for i in 1..=16 {
        let record = space(
            Some(incubator),
            None,
            format!("선화 보육실 {i:02}"),
            "incubation_room",
            33.0,
            250_000,
            &[],
        );
        rooms.push(state.store.create(actor, &SPACES, &record).await?["id"].clone());
    }
    for (i, (area, sectors)) in [
        (66.0, &["J", "M"][..]),
        (66.0, &["J", "M"][..]),
        (99.0, &["C"][..]),
        (132.0, &[][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let record = space(
            Some(tenant_space),
            None,
            format!("지식산업센터 Post-BI {}", 201 + i),
            "post_bi_office",
            area,
            (area as i64) * 18_000,
            sectors,
        );
        state.store.create(actor, &SPACES, &record).await?;
    }
    let hub = json!({"id": "daejeon-hannam-cip", "name": "한남대 캠퍼스 혁신파크", "kind": "campus_innovation_park",
        "region": "daejeon", "site": {"lat": 36.354, "lon": 127.421}});
    state
        .store
        .create(actor, &HUBS, &json!({"id": hub["id"], "name": hub["name"], "kind": hub["kind"], "region": "daejeon", "body": hub, "demo": true}))
        .await?;
    for i in 0..3 {
        let record = space(
            None,
            Some("daejeon-hannam-cip"),
            format!("혁신파크 {}호", 101 + i),
            "rental_unit",
            100.0,
            1_400_000,
            &[],
        );
        state.store.create(actor, &SPACES, &record).await?;
    }
    // Tenants graduating month by month; their needs grow with them.
    let sectors = ["J62", "C26", "M70", "J63", "C29", "J58", "M71", "C27"];
    let graduation = |i: usize| as_of.add_months(1 + (i as i32 * 3) / 4);
    let mut leases = 0;
    for (i, room) in rooms.iter().enumerate() {
        let id = format!("DJ-BI-{:02}", i + 1);
        let firm = json!({"id": id, "name": format!("대전 보육기업 {:02}", i + 1), "founded": as_of.add_months(-30).to_string(),
            "stage": "growth", "region": "daejeon", "zone": "daejeon", "founder_age": 34 + (i % 12),
            "sector": sectors[i % sectors.len()], "employees": 4 + i % 9, "in_incubator": true});
        let record = crate::firms::validate(state, &firm, true).await?;
        state.store.create(actor, &FIRMS, &record).await?;
        let ends = graduation(i);
        let area = [60.0, 90.0, 120.0, 200.0][i % 4];
        let lease = json!({"space_id": room, "firm_id": id, "starts": ends.add_months(-24).to_string(), "ends": ends.to_string(),
            "needs": {"area_m2": area, "budget_krw": 2_500_000}, "note": "demo"});
        let checked = crate::leases::validate(state, None, &lease, 0).await?;
        state.store.create(actor, &LEASES, &checked.record).await?;
        leases += 1;
    }
    // Earlier graduates of the same rooms: where they went.
    let went = [
        Some("daejeon"),
        Some("seoul"),
        Some("gyeonggi"),
        None,
        Some("daejeon"),
        Some("seoul"),
    ];
    for (i, to) in went.iter().enumerate() {
        let id = format!("DJ-ALUM-{:02}", i + 1);
        let firm = json!({"id": id, "name": format!("대전 졸업기업 {:02}", i + 1), "founded": as_of.add_months(-60).to_string(),
            "stage": "growth", "region": "daejeon", "founder_age": 40,
            "sector": sectors[i], "graduated_incubator": true});
        let record = crate::firms::validate(state, &firm, true).await?;
        state.store.create(actor, &FIRMS, &record).await?;
        // It left the room the day the current tenant moved in.
        let ends = graduation(i).add_months(-24);
        let lease = json!({"space_id": rooms[i], "firm_id": id, "starts": ends.add_months(-24).to_string(), "ends": ends.to_string(),
            "status": "ended", "left_to": to, "note": "demo"});
        let checked = crate::leases::validate(state, None, &lease, 0).await?;
        state.store.create(actor, &LEASES, &checked.record).await?;
        leases += 1;
    }
    Ok(leases)
}
