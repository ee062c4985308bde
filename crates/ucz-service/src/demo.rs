//! Demo data for a first start: the five designated zones of `examples/zones/` with their
//! facilities and institutions, and synthetic firms, every record marked `demo`.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::record::{
    Demo, FacilityBody, FacilityId, HubBody, InstitutionBody, LeaseBody, SpaceBody, ZonePlan,
};

use crate::Services;
use crate::error::Error;

const EVALUATION_TOML: [(&str, &str); 5] = [
    (
        "busan",
        include_str!("../../../examples/evaluation/busan.toml"),
    ),
    (
        "daegu",
        include_str!("../../../examples/evaluation/daegu.toml"),
    ),
    (
        "gwangju",
        include_str!("../../../examples/evaluation/gwangju.toml"),
    ),
    (
        "daejeon",
        include_str!("../../../examples/evaluation/daejeon.toml"),
    ),
    (
        "ulsan",
        include_str!("../../../examples/evaluation/ulsan.toml"),
    ),
];

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

/// A record of the demo, from its JSON.
fn record<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(Error::internal)
}

/// A firm of the demo, checked as the API checks firms.
async fn firm(state: &Services, body: &Value) -> Result<Demo<Firm>, Error> {
    Ok(Demo {
        record: crate::firms::validate(state, body).await?,
        demo: true,
    })
}

/// A lease of the demo, checked as the API checks leases.
async fn lease(state: &Services, body: &Value) -> Result<LeaseBody, Error> {
    Ok(crate::leases::validate(state, None, body, 0).await?.record)
}

/// Loads the demo data unless zones exist already. Returns (zones, firms) loaded.
pub async fn load(state: &Services, firms: usize, as_of: Date) -> Result<(usize, usize), Error> {
    if !state.store.repo::<Demo<ZonePlan>>().is_empty().await? {
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
        let plan = Demo {
            record: record::<ZonePlan>(zone)?,
            demo: true,
        };
        state.store.repo().create(actor, &plan).await?;
        for f in facilities.as_array().into_iter().flatten() {
            let facility: FacilityBody = record(json!({
                "zone_id": id, "type": f["type"], "name": f["name"], "floor_area_m2": f["floor_area_m2"],
                "units": f["units"], "planned": f["planned"].as_bool().unwrap_or(false),
            }))?;
            state.store.repo().create(actor, &facility).await?;
        }
        for i in institutions.as_array().into_iter().flatten() {
            let mut body = json!({"zone_id": id, "kind": i["kind"], "name": i["name"]});
            // What the zone file leaves out takes the record's default.
            for field in ["status", "ownership"] {
                if !i[field].is_null() {
                    body[field] = i[field].clone();
                }
            }
            let institution: InstitutionBody = record(body)?;
            state.store.repo().create(actor, &institution).await?;
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
        let firm = self::firm(state, &body).await?;
        state.store.repo().create(actor, &firm).await?;
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
    let actor = "demo";
    if !state.store.repo::<Demo<HubBody>>().is_empty().await? {
        return Ok(0);
    }
    let facilities = state.store.zone_parts("daejeon").await?.facilities;
    let of_type = |kind: &str| {
        facilities
            .iter()
            .find(|f| f.record.kind == kind)
            .map(|f| f.id)
    };
    let (Some(incubator), Some(tenant_space)) =
        (of_type("incubation_space"), of_type("tenant_space"))
    else {
        return Ok(0);
    };
    let space = |facility: Option<FacilityId>,
                 hub: Option<&str>,
                 name: String,
                 kind: &str,
                 area: f64,
                 rent: i64,
                 sectors: &[&str]| {
        record::<SpaceBody>(
            json!({"facility_id": facility, "hub_id": hub, "name": name, "kind": kind,
            "area_m2": area, "monthly_rent_krw": rent, "admits": {"sectors": sectors}}),
        )
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
        )?;
        rooms.push(state.store.repo().create(actor, &record).await?.id);
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
        )?;
        state.store.repo().create(actor, &record).await?;
    }
    let hub = json!({"id": "daejeon-hannam-cip", "name": "한남대 캠퍼스 혁신파크", "kind": "campus_innovation_park",
        "region": "daejeon", "site": {"lat": 36.354, "lon": 127.421}});
    let hub = Demo {
        record: record::<HubBody>(hub)?,
        demo: true,
    };
    state.store.repo().create(actor, &hub).await?;
    for i in 0..3 {
        let record = space(
            None,
            Some("daejeon-hannam-cip"),
            format!("혁신파크 {}호", 101 + i),
            "rental_unit",
            100.0,
            1_400_000,
            &[],
        )?;
        state.store.repo().create(actor, &record).await?;
    }
    // Tenants graduating month by month; their needs grow with them.
    let sectors = ["J62", "C26", "M70", "J63", "C29", "J58", "M71", "C27"];
    let graduation = |i: usize| as_of.add_months(1 + (i as i32 * 3) / 4);
    let mut leases = 0;
    for (i, room) in rooms.iter().enumerate() {
        let id = format!("DJ-BI-{:02}", i + 1);
        let firm = json!({"id": id, "name": format!("대전 보육기업 {:02}", i + 1), "founded": as_of.add_months(-30).to_string(),
            "stage": "growth", "region": "daejeon", "zone": "daejeon", "founder_age": 34 + (i % 12),
            "sector": sectors[i % sectors.len()], "employees": 4 + i % 9,
            // Incubated start-ups hire young: about half their staff is 15–34.
            "youth_employees": (4 + i % 9) / 2 + i % 2, "in_incubator": true});
        let firm = self::firm(state, &firm).await?;
        state.store.repo().create(actor, &firm).await?;
        let ends = graduation(i);
        let area = [60.0, 90.0, 120.0, 200.0][i % 4];
        let lease = json!({"space_id": room, "firm_id": id, "starts": ends.add_months(-24).to_string(), "ends": ends.to_string(),
            "needs": {"area_m2": area, "budget_krw": 2_500_000}, "note": "demo"});
        let lease = self::lease(state, &lease).await?;
        state.store.repo().create(actor, &lease).await?;
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
        let firm = self::firm(state, &firm).await?;
        state.store.repo().create(actor, &firm).await?;
        // It left the room the day the current tenant moved in.
        let ends = graduation(i).add_months(-24);
        let lease = json!({"space_id": rooms[i], "firm_id": id, "starts": ends.add_months(-24).to_string(), "ends": ends.to_string(),
            "status": "ended", "left_to": to, "note": "demo"});
        let lease = self::lease(state, &lease).await?;
        state.store.repo().create(actor, &lease).await?;
        leases += 1;
    }
    Ok(leases)
}

/// More hubs of Daejeon's network for the demo (docs/hub-network.md): the technopark's incubator,
/// a public rental knowledge-industry center and an innovation growth center (the last two
/// illustrative), with rooms, and three earlier graduates of the technopark's incubator who
/// moved on to Post-BI space in the knowledge-industry center or the zone — the links the hub
/// network shows. The leases ended before `today`, so the space ladder's forecast is unchanged.
/// Loaded once, after the ladder.
pub async fn load_network(state: &Services, today: Date) -> Result<usize, Error> {
    let actor = "demo";
    let repo = state.store.repo::<Demo<HubBody>>();
    if repo.find("daejeon-tp-bi").await?.is_some()
        || repo.find("daejeon-hannam-cip").await?.is_none()
    {
        return Ok(0);
    }
    let hubs = [
        (
            "daejeon-tp-bi",
            "대전테크노파크 창업보육센터",
            "business_incubator",
            36.4263,
            127.3915,
        ),
        (
            "daejeon-daedeok-kic",
            "대덕 공공임대형 지식산업센터 (예시)",
            "knowledge_industry_center",
            36.4340,
            127.4205,
        ),
        (
            "daejeon-growth-center",
            "대전 혁신성장센터 (예시)",
            "innovation_growth_center",
            36.3625,
            127.3555,
        ),
    ];
    for (id, name, kind, lat, lon) in hubs {
        let hub = json!({"id": id, "name": name, "kind": kind, "region": "daejeon", "site": {"lat": lat, "lon": lon}});
        repo.create(
            actor,
            &Demo {
                record: record::<HubBody>(hub)?,
                demo: true,
            },
        )
        .await?;
    }
    let mut rooms = Vec::new();
    for (hub, name, kind, area) in [
        ("daejeon-tp-bi", "TP 보육실 1", "incubation_room", 30.0),
        ("daejeon-tp-bi", "TP 보육실 2", "incubation_room", 30.0),
        (
            "daejeon-daedeok-kic",
            "지식산업센터 301호",
            "rental_unit",
            120.0,
        ),
        (
            "daejeon-daedeok-kic",
            "지식산업센터 302호",
            "rental_unit",
            120.0,
        ),
    ] {
        let body = json!({"hub_id": hub, "name": name, "kind": kind, "area_m2": area, "monthly_rent_krw": (area as i64) * 15_000});
        rooms.push(
            state
                .store
                .repo()
                .create(actor, &record::<SpaceBody>(body)?)
                .await?
                .id,
        );
    }
    let spaces = state
        .store
        .repo::<SpaceBody>()
        .list(&ucz_store::Filter {
            equals: vec![],
            limit: 1000,
            offset: 0,
        })
        .await?;
    let post_bi = spaces
        .0
        .iter()
        .find(|s| s.record.kind == "post_bi_office" && s.record.hub_id.is_none());
    // Where each went next: the two rental units and the zone's Post-BI office.
    let next = [Some(rooms[2]), Some(rooms[3]), post_bi.map(|s| s.id)];
    let mut leases = 0;
    for (i, to) in next.into_iter().enumerate() {
        let id = format!("DJ-NET-{:02}", i + 1);
        let sector = ["J62", "C26", "M70"][i];
        let firm = json!({"id": id, "name": format!("대전 TP 졸업기업 {:02}", i + 1), "founded": today.add_months(-72).to_string(),
            "stage": "growth", "region": "daejeon", "founder_age": 38, "sector": sector, "graduated_incubator": true});
        state
            .store
            .repo()
            .create(actor, &self::firm(state, &firm).await?)
            .await?;
        let graduated = today.add_months(-40 + 13 * i as i32);
        let stays = [(rooms[i % 2], graduated.add_months(-24), graduated)]
            .into_iter()
            .chain(to.map(|space| (space, graduated, today.add_months(-2))));
        for (space, starts, ends) in stays {
            let lease = json!({"space_id": space, "firm_id": id, "starts": starts.to_string(), "ends": ends.to_string(), "status": "ended", "note": "demo"});
            state
                .store
                .repo()
                .create(actor, &self::lease(state, &lease).await?)
                .await?;
            leases += 1;
        }
    }
    Ok(leases)
}

const CALLS_KSTARTUP: &str = include_str!("../../../examples/calls/kstartup.json");
const CALLS_BIZINFO: &str = include_str!("../../../examples/calls/bizinfo.json");

/// The example announcements (`examples/calls`), their periods moved so that each is open on
/// `as_of` and closes 3 to 40 days later (the examples' own dates would soon be past), with
/// the rules of the 예비창업패키지 and 창업지원주택 calls approved as a coordinator would; once,
/// into a database with no calls. Returns how many calls were stored.
pub async fn load_calls(state: &Services, as_of: Date) -> Result<usize, Error> {
    if state.store.calls_revision().await? > 0 {
        return Ok(0);
    }
    let mut calls = Vec::new();
    for (source, text) in [
        (ucz_core::call::CallSource::Kstartup, CALLS_KSTARTUP),
        (ucz_core::call::CallSource::Bizinfo, CALLS_BIZINFO),
    ] {
        let imported = ucz_core::call::import::read(&state.catalog, source, text)
            .map_err(|e| Error::internal(e.to_string()))?;
        calls.extend(imported.calls.into_iter().map(|(_, c)| c));
    }
    // The same call on both portals keeps one period, so that the two stay grouped.
    let mut days: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (i, call) in calls.iter_mut().enumerate() {
        if call.period.always {
            continue;
        }
        let key = ucz_core::call::clean::title_key(&call.title);
        let next = [3, 12, 26, 9, 40, 5, 18][i % 7];
        let left = *days.entry(key).or_insert(next);
        call.period =
            ucz_core::call::Period::closing_on(Some(as_of.add_days(-5)), as_of.add_days(left));
        if call.title.contains("예비창업패키지") || call.title.contains("창업지원주택")
        {
            call.review.state = ucz_core::call::RuleState::Approved;
            call.review.reviewed_by = Some("demo".into());
        }
    }
    let written = state.store.import_calls("demo", calls).await?;
    Ok(written.created)
}

/// Bookable resources of the Daejeon zone's first facility for the demo: a seminar room booked
/// with its projector, a 3D printer needing a safety training and the operator's approval, a
/// test chamber, and a mentor's office hours. Loaded once.
pub async fn load_resources(state: &Services) -> Result<usize, Error> {
    if !state
        .store
        .resources_of(Some("daejeon"), None)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let facilities = state
        .store
        .repo::<FacilityBody>()
        .list(&ucz_store::Filter {
            equals: vec![("zone_id", "daejeon".to_string())],
            limit: 1,
            offset: 0,
        })
        .await?
        .0;
    let Some(facility) = facilities.first() else {
        return Ok(0);
    };
    let f = facility.id.0;
    let weekdays = json!(["mon", "tue", "wed", "thu", "fri"]);
    let resources = [
        json!({"id": "dj-projector-1", "name": "빔프로젝터 1", "kind": "equipment", "facility_id": f,
            "rules": [{"applies_to": "anyone", "hours": [{"days": weekdays, "open": "09:00", "close": "18:00"}]}]}),
        json!({"id": "dj-seminar-a", "name": "세미나실 A (20석)", "kind": "room", "facility_id": f,
        "with": ["dj-projector-1"],
        "price": {"tenant_per_hour": 10_000, "other_per_hour": 20_000, "tenant_free_hours_month": 8},
        "rules": [
            {"applies_to": "anyone", "hours": [{"days": weekdays, "open": "09:00", "close": "18:00"}],
             "max_minutes": 240, "horizon_days": 30, "quota_week_minutes": 480},
            {"applies_to": "tenant", "hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "open": "08:00", "close": "22:00"}],
             "max_minutes": 480, "horizon_days": 60}
        ]}),
        json!({"id": "dj-3dp-1", "name": "산업용 3D 프린터", "kind": "equipment", "facility_id": f,
            "training": "3d_printer_safety", "approval": true,
            "price": {"tenant_per_hour": 5_000, "other_per_hour": 12_000, "per_use": 10_000},
            "rules": [{"applies_to": "region", "hours": [{"days": weekdays, "open": "09:00", "close": "18:00"}],
                "slot_minutes": 60, "min_minutes": 60, "max_minutes": 480, "notice_hours": 24, "buffer_minutes": 30,
                "quota_month_minutes": 2400}]}),
        json!({"id": "dj-test-chamber", "name": "환경시험 챔버", "kind": "equipment", "facility_id": f,
            "approval": true, "price": {"tenant_per_hour": 30_000, "other_per_hour": 60_000, "per_use": 50_000},
            "rules": [{"applies_to": "anyone", "hours": [{"days": weekdays, "open": "09:00", "close": "18:00"}],
                "slot_minutes": 60, "min_minutes": 120, "max_minutes": 480, "notice_hours": 48, "buffer_minutes": 60}]}),
        json!({"id": "dj-mentor-hours", "name": "투자 멘토 상담 (오피스아워)", "kind": "mentor", "facility_id": f,
            "approval": true,
            "rules": [{"applies_to": "tenant", "hours": [{"days": ["tue", "thu"], "open": "14:00", "close": "17:00"}],
                "slot_minutes": 30, "min_minutes": 30, "max_minutes": 60, "notice_hours": 24, "quota_month_minutes": 120}]}),
    ];
    for body in &resources {
        let setup: ucz_core::booking::Resource = record(body.clone())?;
        let value = serde_json::to_value(&setup).map_err(Error::internal)?;
        state
            .store
            .set_resource("demo", &setup.id, Some("daejeon"), None, &value)
            .await?;
    }
    Ok(resources.len())
}

/// The example round (examples/housing/setup.json) with its dates moved to `today`: taking
/// applications from yesterday for two weeks, moving in on the first of the month after next.
pub fn example_round(today: Date) -> Result<ucz_core::housing::Setup, Error> {
    let mut setup: ucz_core::housing::Setup =
        serde_json::from_str(include_str!("../../../examples/housing/setup.json"))
            .map_err(Error::internal)?;
    let moves_in = today.add_months(2);
    setup.code = format!("DJ-{}-H1", today.year());
    setup.opens_at = format!("{}T09:00", today.add_days(-1));
    setup.closes_at = format!("{}T18:00", today.add_days(14));
    setup.moves_in = Date::new(moves_in.year(), moves_in.month(), 1).unwrap_or(moves_in);
    Ok(setup)
}

/// The worker housing of the Daejeon zone: eight units and a round taking applications from
/// yesterday for two weeks (examples/housing/setup.json, its dates moved to `today`). Nothing
/// when the zone has units already.
pub async fn load_housing(state: &Services, today: Date) -> Result<usize, Error> {
    if !state.store.housing_units("daejeon").await?.is_empty() {
        return Ok(0);
    }
    let mut units = 0;
    for (i, (unit_type, rooms, area, rent)) in [
        ("studio", 1, 26.4, 180_000),
        ("studio", 1, 26.4, 180_000),
        ("studio", 1, 29.8, 195_000),
        ("studio", 1, 29.8, 195_000),
        ("studio", 1, 33.1, 210_000),
        ("studio", 1, 33.1, 210_000),
        ("two_room", 2, 46.2, 290_000),
        ("two_room", 2, 51.5, 320_000),
    ]
    .into_iter()
    .enumerate()
    {
        let unit = ucz_core::housing::Unit {
            id: format!("dj-h1-{:02}{:02}", i / 4 + 1, i % 4 + 1),
            facility: "대전 원도심 청년창업주택".into(),
            unit_type: unit_type.into(),
            area_m2: area,
            rooms,
            rent,
            deposit: rent * 25,
            accessible: i == 0,
            available_from: today,
        };
        let value = serde_json::to_value(&unit).map_err(Error::internal)?;
        state
            .store
            .put_housing_unit("demo", &unit.id, "daejeon", &value)
            .await?;
        units += 1;
    }
    let setup = example_round(today)?;
    let checked = setup
        .check()
        .map_err(|p| Error::internal(format!("{} problems", p.len())))?;
    let value = serde_json::to_value(&checked.setup).map_err(Error::internal)?;
    state
        .store
        .create_housing_round("demo", "daejeon", &checked.setup.code, &value)
        .await?;
    Ok(units)
}

/// A zone's evaluation records as `examples/evaluation/<zone>.toml` has them.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluationFile {
    plan: ucz_core::evaluation::plan::BasicPlan,
    procedure: crate::evaluation::records::ProcedureBody,
    #[serde(default)]
    target: Vec<ucz_core::evaluation::plan::Target>,
    #[serde(default)]
    milestone: Vec<ucz_core::evaluation::plan::Milestone>,
    #[serde(default)]
    investment: Vec<ucz_core::evaluation::plan::Investment>,
}

/// Reads and checks an example evaluation file as the API checks each record: problems named
/// with the file and field.
fn evaluation_file(
    zone: &str,
    text: &str,
    catalog: &ucz_core::Catalog,
    today: Date,
) -> Result<EvaluationFile, Error> {
    let file = format!("examples/evaluation/{zone}.toml");
    let table: toml::Table =
        toml::from_str(text).map_err(|e| Error::internal(format!("{file}: {e}")))?;
    let value = plain(serde_json::to_value(&table).map_err(Error::internal)?);
    let f: EvaluationFile =
        serde_json::from_value(value).map_err(|e| Error::internal(format!("{file}: {e}")))?;
    let mut problems: Vec<(String, ucz_core::record::FieldProblem)> = f
        .plan
        .problems(catalog, today)
        .into_iter()
        .map(|p| ("plan".to_string(), p))
        .collect();
    let mut add = |what: String, found: Vec<ucz_core::record::FieldProblem>| {
        problems.extend(found.into_iter().map(|p| (what.clone(), p)));
    };
    add(
        "procedure".into(),
        ucz_core::evaluation::procedure::problems(catalog, &f.procedure.dates, today),
    );
    for (i, t) in f.target.iter().enumerate() {
        add(format!("target[{i}]"), t.problems(catalog));
    }
    for (i, m) in f.milestone.iter().enumerate() {
        add(format!("milestone[{i}]"), m.problems(today));
    }
    for (i, inv) in f.investment.iter().enumerate() {
        add(format!("investment[{i}]"), inv.problems(today));
    }
    if let Some((what, p)) = problems.first() {
        return Err(Error::internal(format!(
            "{file}: {what}.{}: {}",
            p.field,
            p.message.render(ucz_core::Lang::En)
        )));
    }
    Ok(f)
}

/// The evaluation of the five zones for the demo: each zone's basic plan, procedure dates,
/// targets, milestones and investment records (`examples/evaluation/`, marked illustrative
/// where not public), and a year of operations before `today` — the tenant firms' quarterly
/// employment filings and the Daejeon resources' bookings used — so that the scorecards and the
/// report are not empty. Once: nothing when a zone has a basic plan already. The records
/// written.
pub async fn load_evaluation(state: &Services, today: Date) -> Result<usize, Error> {
    use crate::evaluation::records::{INVESTMENT, MILESTONE, PLAN, PROCEDURE, TARGET};
    if !state
        .store
        .evaluation_records(None, PLAN, None)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let zones = crate::evaluation::zone_ids(state).await?;
    let actor = "demo";
    let mut written = 0;
    for (zone, text) in EVALUATION_TOML {
        if !zones.iter().any(|z| z == zone) {
            continue;
        }
        let f = evaluation_file(zone, text, &state.catalog, today)?;
        fn json<T: serde::Serialize>(t: &T) -> Result<Value, Error> {
            serde_json::to_value(t).map_err(Error::internal)
        }
        let mut put = vec![
            (PLAN, PLAN.to_string(), json(&f.plan)?),
            (PROCEDURE, PROCEDURE.to_string(), json(&f.procedure)?),
        ];
        for t in &f.target {
            put.push((TARGET, t.key(), json(t)?));
        }
        for m in &f.milestone {
            put.push((MILESTONE, m.id.clone(), json(m)?));
        }
        for i in &f.investment {
            put.push((INVESTMENT, i.id.clone(), json(i)?));
        }
        for (kind, key, body) in put {
            state
                .store
                .put_evaluation_record(actor, zone, kind, &key, &body)
                .await?;
            written += 1;
        }
    }
    written += year_of_operations(state, today).await?;
    Ok(written)
}

/// A year of operations before `today`: each tenant firm of a zone files its employees and youth
/// employees at the end of the last four quarters (growing towards its record's figures), and
/// the Daejeon zone's shared resources are booked and used through the year. The facts and
/// bookings written.
async fn year_of_operations(state: &Services, today: Date) -> Result<usize, Error> {
    let (firms, _) = state
        .store
        .repo::<Demo<Firm>>()
        .list(&ucz_store::Filter {
            equals: Vec::new(),
            limit: 100_000,
            offset: 0,
        })
        .await?;
    let quarter_ends: Vec<Date> = (1..=4)
        .filter_map(|q| {
            let month_start = Date::new(today.year(), today.month(), 1)?.add_months(-3 * (q - 1));
            let quarter = (i32::from(month_start.month()) - 1) / 3;
            Date::new(month_start.year(), (quarter * 3 + 1) as u8, 1).map(|d| d.add_days(-1))
        })
        .collect();
    let mut facts = Vec::new();
    for (i, firm) in firms.iter().map(|f| &f.record.record).enumerate() {
        if firm.zone.is_empty() {
            continue;
        }
        for (q, end) in quarter_ends.iter().enumerate() {
            // The oldest quarter at 70% of today's staff, then 10 points more each quarter.
            let share = 100 - 10 * (q as i64 + 1) + (i as i64 % 3) * 5;
            // Rounded to the nearest person: a firm of two keeps its one young employee.
            let of = |n: i64| (n * share.min(100) + 50) / 100;
            let employees = of(firm.employees).max(1);
            let youth = of(firm.youth_employees).min(employees);
            let day = end.to_string();
            facts.push((firm.id.clone(), "employees", employees, day.clone()));
            facts.push((firm.id.clone(), "youth_employees", youth, day));
        }
    }
    state.store.record_facts_batch(&facts).await?;
    let mut written = facts.len();
    let tenant = firms
        .iter()
        .map(|f| &f.record.record)
        .find(|f| f.zone == "daejeon")
        .map(|f| f.id.clone());
    let Some(tenant) = tenant else {
        return Ok(written);
    };
    // Resource, weekday (1 = Monday) and hours used each week.
    let pattern: [(&str, i8, i64, i64); 5] = [
        ("dj-seminar-a", 2, 10, 12),
        ("dj-seminar-a", 4, 14, 17),
        ("dj-3dp-1", 3, 9, 13),
        ("dj-test-chamber", 1, 13, 17),
        ("dj-mentor-hours", 2, 14, 15),
    ];
    let known = state.store.resources_of(Some("daejeon"), None).await?;
    for (resource, weekday, from, until) in pattern {
        if !known.iter().any(|r| r.id == resource) {
            continue;
        }
        let dates: Vec<Vec<ucz_store::Slot>> = (1..=365)
            .map(|back| today.add_days(-back))
            .filter(|d| d.weekday_number() == weekday)
            .filter(|d| !state.catalog.holidays.iter().any(|h| h.date == *d))
            .map(|d| {
                let start = d.start_in_korea().as_second();
                let (starts_at, ends_at) = (start + from * 3600, start + until * 3600);
                vec![ucz_store::Slot {
                    resource_id: resource.to_string(),
                    starts_at,
                    ends_at,
                    held_until: ends_at,
                    grace_until: starts_at + 15 * 60,
                    price: 0,
                }]
            })
            .collect();
        let booked = state
            .store
            .book(
                "demo",
                &ucz_store::NewBooking {
                    firm_id: &tenant,
                    user_id: None,
                    state: "checked_in",
                    applicant: "tenant",
                    note: "",
                    dates,
                    partial: true,
                    series: None,
                },
            )
            .await?;
        if let ucz_store::Booked::Done { rows, .. } = booked {
            written += rows.len();
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_evaluation_file_passes_the_apis_checks() {
        let catalog = ucz_core::Catalog::bundled().expect("catalog");
        // The demo's day in the tests: every actual date of the examples has happened by then.
        let day: Date = "2026-06-30".parse().expect("a day");
        for (zone, text) in EVALUATION_TOML {
            let f = evaluation_file(zone, text, &catalog, day).unwrap_or_else(|e| panic!("{e:?}"));
            assert!(!f.target.is_empty() && !f.milestone.is_empty(), "{zone}");
        }
        let broken =
            EVALUATION_TOML[0]
                .1
                .replacen("indicator = \"jobs\"", "indicator = \"joy\"", 1);
        let error = format!(
            "{:?}",
            evaluation_file("busan", &broken, &catalog, day).err()
        );
        assert!(
            error.contains("examples/evaluation/busan.toml: target[0].indicator"),
            "{error}"
        );
    }
}
