//! The space ladder of a region over HTTP: the graduation forecast, the optimal placement plan
//! with accept and reject, and Post-BI retention. The store's records are turned into the core's
//! `Room`s, `Lease`s and `Tenant`s; the core computes.

use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::lease::Lease;
use ucz_core::placement::ladder::{self, Graduation, Outcome, Room, Scope, Tenant};
use ucz_core::placement::{self as placement, Plan};
use ucz_core::record::{
    Demo, FirmId, HubBody, LeaseBody, LeaseStatus, SpaceBody, SpaceId, SpacePlace, ZonePlan,
};
use ucz_core::zone::Site;
use ucz_store::{Filter, Rejection, ShownPlan, ShownProposal, Stored};

use crate::access::Owner;
use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};
use crate::leases::{WrittenLease, create_lease, stored_lease};
use crate::{Services, access};

/// A region's rooms, with the zone each belongs to (none for hubs outside the zones), and the
/// names of its hubs.
pub struct Region {
    pub rooms: Vec<Room>,
    pub zone_of_room: HashMap<i64, String>,
    pub hub_names: HashMap<String, String>,
    /// Each room's name, and whom it answers to (`access::write_zone_part`).
    pub room_names: HashMap<i64, String>,
    pub room_owners: HashMap<i64, Owner>,
    pub leases: Vec<(Lease, LeaseBody)>,
    /// The firms of those leases, by id.
    pub firms: HashMap<String, Firm>,
    /// Placements turned down for the region's spaces.
    pub rejections: Vec<Rejection>,
}

/// A zone plan's site, if it gives a readable one.
pub(crate) fn site_of(plan: &ZonePlan) -> Option<Site> {
    plan.0
        .get("site")
        .and_then(|site| serde_json::from_value(site.clone()).ok())
}

fn room(
    catalog: &ucz_core::Catalog,
    space: &Stored<SpaceBody>,
    hub: &str,
    region: &str,
    site: Option<Site>,
) -> Room {
    let (record, admits) = (
        &space.record,
        space.record.admits.clone().unwrap_or_default(),
    );
    Room {
        id: space.id.0,
        hub: hub.to_string(),
        region: region.to_string(),
        kind: record.kind.clone(),
        area_m2: record.area_m2,
        rent_krw: record.monthly_rent_krw.and_then(|r| i64::try_from(r).ok()),
        stages: admits.stages,
        sectors: admits.sectors,
        equipment: admits.equipment,
        site,
        incubation: catalog.is_incubation_kind(&record.kind),
    }
}

/// The records of a scope (a 시·도, or each 시·도 of a 광역경제권), read 시·도 by 시·도 in a
/// fixed number of queries each (`Store::region_rows`).
pub async fn region_records(state: &Services, scope: &Scope) -> Result<Region, Error> {
    let mut records = Region {
        rooms: Vec::new(),
        zone_of_room: HashMap::new(),
        hub_names: HashMap::new(),
        room_names: HashMap::new(),
        room_owners: HashMap::new(),
        leases: Vec::new(),
        firms: HashMap::new(),
        rejections: Vec::new(),
    };
    let rows = state.store.region_rows(&scope.regions).await?;
    records.add(&state.catalog, rows, scope);
    Ok(records)
}

impl Region {
    /// Adds the rows of the scope's 시·도, each room with the 시·도 of its zone or hub.
    fn add(&mut self, catalog: &ucz_core::Catalog, rows: ucz_store::RegionRows, scope: &Scope) {
        let ucz_store::RegionRows {
            zones,
            facilities,
            hubs,
            spaces,
            leases,
            firms,
            rejections,
        } = rows;
        let zone_site: HashMap<&str, (Option<Site>, &str)> = zones
            .iter()
            .map(|z| {
                let (id, plan) = (z.id.as_str(), &z.record.record);
                self.hub_names
                    .insert(id.to_string(), plan.text("name").unwrap_or(id).to_string());
                (id, (site_of(plan), plan.text("region").unwrap_or_default()))
            })
            .collect();
        let facility_zone: HashMap<i64, &str> = facilities
            .iter()
            .map(|f| (f.id.0, f.record.zone_id.as_str()))
            .collect();
        let hub_of: HashMap<&str, &HubBody> = hubs
            .iter()
            .map(|h| {
                let hub = &h.record.record;
                self.hub_names.insert(hub.id.to_string(), hub.name.clone());
                (h.id.as_str(), hub)
            })
            .collect();
        for space in &spaces {
            let id = space.id.0;
            self.room_names.insert(id, space.record.name.clone());
            let owner = match space.record.place() {
                SpacePlace::Facility(facility) => facility_zone
                    .get(&facility.0)
                    .map(|z| Owner::Zone(z.to_string())),
                SpacePlace::Hub(hub) => Some(Owner::Hub(hub.0)),
            };
            // A room whose facility is not the region's answers to no zone: admins only.
            self.room_owners
                .insert(id, owner.unwrap_or(Owner::Zone(String::new())));
            let placed = match space.record.place() {
                SpacePlace::Facility(facility) => facility_zone.get(&facility.0).and_then(|zone| {
                    let (at, zone_region) = zone_site.get(zone)?;
                    scope.contains(zone_region).then(|| {
                        self.zone_of_room.insert(id, zone.to_string());
                        room(catalog, space, zone, zone_region, *at)
                    })
                }),
                SpacePlace::Hub(hub) => hub_of.get(hub.as_str()).and_then(|h| {
                    scope
                        .contains(&h.region)
                        .then(|| room(catalog, space, hub.as_str(), &h.region, h.site))
                }),
            };
            self.rooms.extend(placed);
        }
        self.leases
            .extend(leases.into_iter().map(|l| (stored_lease(&l), l.record)));
        self.firms
            .extend(firms.into_iter().map(|f| (f.id.0, f.record.record)));
        self.rejections
            .extend(rejections.into_iter().map(|r| r.record));
    }
}

fn tenants(region: &Region) -> HashMap<String, Tenant> {
    let rejections = &region.rejections;
    let mut tenants = HashMap::new();
    // A firm's needs are those stated on its latest lease (the one ending when it graduates).
    let mut latest: Vec<&(Lease, LeaseBody)> = region.leases.iter().collect();
    latest.sort_by_key(|(lease, _)| std::cmp::Reverse(lease.ends));
    for (lease, record) in latest {
        if tenants.contains_key(&lease.firm) {
            continue;
        }
        let Some(firm) = region.firms.get(&lease.firm) else {
            continue;
        };
        let needs = record.needs.clone().unwrap_or_default();
        tenants.insert(
            lease.firm.clone(),
            Tenant {
                firm: lease.firm.clone(),
                sector: firm.sector.clone(),
                stage: firm.stage.to_string(),
                area_m2: needs.area_m2,
                budget_krw: needs.budget_krw.and_then(|b| i64::try_from(b).ok()),
                equipment: needs.equipment.unwrap_or_default(),
                preferred_hubs: needs.preferred_hubs.unwrap_or_default(),
                rejected: rejections
                    .iter()
                    .filter(|r| r.firm_id.as_str() == lease.firm.as_str())
                    .map(|r| r.space_id.to_string())
                    .collect(),
                previous: None,
            },
        );
    }
    tenants
}

/// The forecast of a scope (a 시·도 or a 광역경제권) and its records; `shown` gives each
/// graduate the space the plan shown last proposed to it.
async fn forecast_region(
    state: &Services,
    scope: &Scope,
    as_of: Date,
    horizon: u32,
    shown: Option<&ShownPlan>,
) -> Result<(ladder::Forecast, Region), Error> {
    let records = region_records(state, scope).await?;
    let mut tenants = tenants(&records);
    for p in shown.iter().flat_map(|plan| &plan.proposals) {
        if let Some(tenant) = tenants.get_mut(&p.firm_id) {
            tenant.previous = Some(p.space_id.clone());
        }
    }
    let leases: Vec<Lease> = records.leases.iter().map(|(l, _)| l.clone()).collect();
    let forecast = ladder::forecast(
        scope,
        &records.rooms,
        &leases,
        &tenants,
        as_of,
        horizon,
        &state.catalog.placement,
    );
    Ok((forecast, records))
}

/// The forecast and plan of a scope (a 시·도 or a 광역경제권), as the API and the pages show
/// them. The plan keeps as many of the last shown plan's proposals as an optimal plan can
/// (`placement::plan`); when its proposals differ from those, it is stored as the scope's next
/// version.
pub async fn plan_region(
    state: &Services,
    scope: &Scope,
    as_of: Date,
    horizon: u32,
) -> Result<Planned, Error> {
    let shown = state.store.latest_plan(&scope.id).await?;
    let shown = shown.map(|s| s.record);
    let (forecast, records) = forecast_region(state, scope, as_of, horizon, shown.as_ref()).await?;
    let plan = placement::plan(
        &forecast.graduates,
        &forecast.vacancies,
        &state.catalog.placement,
    );
    let mut proposals: Vec<ShownProposal> = plan
        .proposals
        .iter()
        .map(|p| ShownProposal {
            firm_id: p.firm.clone(),
            space_id: p.space.clone(),
        })
        .collect();
    proposals.sort_by(|a, b| a.firm_id.cmp(&b.firm_id));
    let mut version = shown.as_ref().map(|s| s.version);
    if shown.as_ref().is_none_or(|s| s.proposals != proposals) {
        let next = ShownPlan {
            scope: scope.id.clone(),
            version: shown.as_ref().map_or(1, |s| s.version + 1),
            made_at: state.clock.stamp(),
            as_of: as_of.to_string(),
            horizon,
            proposals,
        };
        version = Some(next.version);
        match state.store.repo().create("placement", &next).await {
            // Another request stored this version first: its plan stands as shown.
            Ok(_) | Err(ucz_store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Planned {
        forecast,
        plan,
        records,
        version,
    })
}

/// A scope's forecast and plan, its records, and the version the plan is stored as.
pub struct Planned {
    pub forecast: ladder::Forecast,
    pub plan: Plan,
    pub records: Region,
    pub version: Option<i64>,
}

/// The graduates of one zone's incubation rooms. A zone's graduates compete with the region's
/// for the same expansion space, so a zone's view is the region's plan narrowed to them.
pub fn graduates_of_zone(
    records: &Region,
    forecast: &ladder::Forecast,
    zone: &str,
) -> std::collections::HashSet<String> {
    forecast
        .graduates
        .iter()
        .filter(|g| {
            records.leases.iter().any(|(lease, _)| {
                lease.firm == g.firm
                    && lease.ends == g.needed_by
                    && records.zone_of_room.get(&lease.space).map(String::as_str) == Some(zone)
            })
        })
        .map(|g| g.firm.clone())
        .collect()
}

/// What an operator may not see of a region's plan, as counts.
#[derive(Clone, Copy, Debug, Default, serde::Serialize, schemars::JsonSchema)]
pub struct Withheld {
    /// Graduates of other zones and hubs, not proposed a space the operator keeps.
    pub graduates: usize,
    /// Proposals between other zones' graduates and spaces the operator does not keep.
    pub proposals: usize,
    /// Other graduates left without space.
    pub unplaced: usize,
}

/// Narrows a region's plan to what the caller may see. Coordinators and admins see it whole; an
/// operator sees its own zone's graduates, the proposals for them and for the spaces it keeps
/// (whose graduates it must be able to accept), and every other graduate only as a count —
/// no firm id it could not open. Returns the counts withheld, if any.
pub fn visible_plan(
    caller: &Caller,
    records: &Region,
    forecast: &mut ladder::Forecast,
    plan: &mut placement::Plan,
) -> Option<Withheld> {
    let Some(Role::Operator { zone }) = caller.role() else {
        return None;
    };
    let ours = graduates_of_zone(records, forecast, zone);
    let keeps = |space: &str| {
        space
            .parse::<i64>()
            .ok()
            .and_then(|id| records.room_owners.get(&id))
            .is_some_and(|owner| owner.zone() == Some(zone.as_str()))
    };
    let mut shown: std::collections::HashSet<String> = ours.clone();
    shown.extend(
        plan.proposals
            .iter()
            .filter(|p| keeps(&p.space))
            .map(|p| p.firm.clone()),
    );
    let before = (
        forecast.graduates.len(),
        plan.proposals.len(),
        plan.unplaced.len(),
    );
    forecast.graduates.retain(|g| shown.contains(&g.firm));
    plan.proposals
        .retain(|p| ours.contains(&p.firm) || keeps(&p.space));
    plan.unplaced.retain(|u| ours.contains(&u.firm));
    Some(Withheld {
        graduates: before.0 - forecast.graduates.len(),
        proposals: before.1 - plan.proposals.len(),
        unplaced: before.2 - plan.unplaced.len(),
    })
}

/// Post-BI retention of a scope's (or one zone's) graduates, by year of graduation. A graduate
/// stayed when it took a later lease in the scope or was recorded as moving within it; a later
/// lease elsewhere in its 광역경제권 counts as leaving for that 시·도 (and staying in the
/// 광역경제권).
pub async fn retention_of(
    state: &Services,
    scope: &Scope,
    zone: Option<&str>,
    as_of: Date,
) -> Result<Vec<ladder::Retention>, Error> {
    // The 광역경제권 around the scope: where a graduate who left the scope may have gone on.
    let economic: Vec<String> = match state.catalog.economic_region(&scope.id) {
        Some(e) => e.members.iter().map(|m| m.to_string()).collect(),
        None => scope
            .regions
            .iter()
            .filter_map(|r| state.catalog.home_economic_region(r))
            .flat_map(|e| e.members.iter().map(|m| m.to_string()))
            .collect(),
    };
    let around = Scope {
        id: scope.id.clone(),
        regions: if economic.is_empty() {
            scope.regions.clone()
        } else {
            economic.clone()
        },
    };
    let records = region_records(state, &around).await?;
    let room_of: HashMap<i64, &Room> = records.rooms.iter().map(|r| (r.id, r)).collect();
    let mut graduations = Vec::new();
    for (lease, record) in &records.leases {
        let Some(room) = room_of.get(&lease.space) else {
            continue;
        };
        if !room.incubation || lease.ends > as_of || !scope.contains(&room.region) {
            continue;
        }
        if zone
            .is_some_and(|z| records.zone_of_room.get(&lease.space).map(String::as_str) != Some(z))
        {
            continue;
        }
        let moved_to = records
            .leases
            .iter()
            .filter(|(next, _)| next.firm == lease.firm && next.starts >= lease.ends)
            .filter_map(|(next, _)| room_of.get(&next.space))
            .min_by_key(|next| !scope.contains(&next.region))
            .map(|next| next.region.as_str());
        let outcome = match moved_to.or(record.left_to.as_deref()) {
            Some(to) if scope.contains(to) => Outcome::Stayed,
            Some(to) => Outcome::Left { to: to.to_string() },
            None => Outcome::Unknown,
        };
        graduations.push(Graduation {
            firm: lease.firm.clone(),
            year: lease.ends.year(),
            outcome,
        });
    }
    let capital: Vec<String> = state
        .catalog
        .regions
        .iter()
        .filter(|r| r.capital_region)
        .map(|r| r.id.to_string())
        .collect();
    Ok(ladder::retention(&graduations, &capital, &economic))
}

/// The region of an operator's zone, for the role rules.
async fn own_zone_region(state: &Services, caller: &Caller) -> Result<Option<String>, Error> {
    let Some(Role::Operator { zone }) = caller.role() else {
        return Ok(None);
    };
    zone_region(state, zone).await
}

/// The region of a stored zone; `None` when there is no such zone.
async fn zone_region(state: &Services, zone: &str) -> Result<Option<String>, Error> {
    crate::parts::Known::default()
        .zone_region(state, zone)
        .await
}

pub async fn may_see(state: &Services, caller: &Caller, scope: &Scope) -> Result<(), Error> {
    caller.require_user()?;
    let own = own_zone_region(state, caller).await?;
    access::ladder(caller, own.as_deref(), &scope.regions)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanParams {
    /// The 시·도 or 광역경제권 to plan (a region or economic region id of the catalog): a
    /// 광역경제권's graduates may be placed in any of its hubs.
    pub region: String,
    /// Narrows the region's plan to the graduates of one zone's incubators.
    pub zone: Option<String>,
    /// The day to answer for (`YYYY-MM-DD`; default today in Korea).
    #[schemars(with = "Option<ucz_core::date::Date>")]
    pub as_of: Option<String>,
    /// How many months ahead to forecast and place (1 to 60; default 12).
    pub horizon: Option<u32>,
}

/// The day asked for, or today by `clock`.
pub fn as_of(clock: &ucz_core::Clock, text: Option<&str>) -> Result<Date, Error> {
    match text {
        None => Ok(clock.today()),
        Some(text) => match text.parse::<Date>() {
            Ok(day) if (1900..=2200).contains(&day.year()) => Ok(day),
            Ok(day) => Err(invalid(
                "as_of",
                Message::new(Key::ImplausibleDay).arg("day", day),
            )),
            Err(message) => Err(invalid("as_of", Message::input(message))),
        },
    }
}

/// A `zone=` parameter names a zone of the scope.
async fn zone_in_region(state: &Services, zone: &str, scope: &Scope) -> Result<(), Error> {
    match zone_region(state, zone).await? {
        Some(r) if scope.contains(&r) => Ok(()),
        Some(_) => Err(invalid(
            "zone",
            Message::new(Key::ZoneNotInRegion)
                .arg("zone", zone)
                .arg("region", &scope.id),
        )),
        None => Err(invalid("zone", Message::new(Key::NoZone).arg("id", zone))),
    }
}

/// The 광역경제권 of a 시·도 as a plan's scope (the 시·도 alone when it is in none): where its
/// graduates may go and whose graduates its spaces may take.
pub fn home_scope(state: &Services, region: &str) -> Scope {
    state
        .catalog
        .home_economic_region(region)
        .and_then(|e| state.catalog.placement_scope(e.id.as_str()))
        .unwrap_or_else(|| Scope::region(region))
}

/// What a `region` parameter names: a 시·도, or a 광역경제권 and its members.
pub fn scope(state: &Services, region: &str) -> Result<Scope, Error> {
    state.catalog.placement_scope(region).ok_or_else(|| {
        Error::invalid(vec![FieldError {
            field: "region".into(),
            message: Message::new(Key::UnknownRegion).arg("id", region),
        }])
    })
}

pub async fn placement_plan(
    state: &Services,
    caller: &Caller,
    params: &PlanParams,
) -> Result<RegionPlan, Error> {
    let scope = scope(state, &params.region)?;
    may_see(state, caller, &scope).await?;
    let horizon = params.horizon.unwrap_or(12);
    if !(1..=60).contains(&horizon) {
        return Err(Error::invalid(vec![FieldError {
            field: "horizon".into(),
            message: Key::HorizonMonths.into(),
        }]));
    }
    let as_of = as_of(&state.clock, params.as_of.as_deref())?;
    if let Some(zone) = &params.zone {
        zone_in_region(state, zone, &scope).await?;
    }
    let Planned {
        mut forecast,
        mut plan,
        records,
        version,
    } = plan_region(state, &scope, as_of, horizon).await?;
    let graduates = forecast.graduates.len();
    if let Some(zone) = &params.zone {
        let ours = graduates_of_zone(&records, &forecast, zone);
        forecast.graduates.retain(|g| ours.contains(&g.firm));
        plan.proposals.retain(|p| ours.contains(&p.firm));
        plan.unplaced.retain(|u| ours.contains(&u.firm));
        for month in &mut forecast.months {
            month.graduating = forecast
                .graduates
                .iter()
                .filter(|g| ladder::month_of(g.needed_by) == month.month)
                .count();
        }
    }
    let graduates = if params.zone.is_some() {
        forecast.graduates.len()
    } else {
        graduates
    };
    let withheld = visible_plan(caller, &records, &mut forecast, &mut plan);
    let waitlist = plan
        .unplaced
        .iter()
        .filter(|u| u.fitting_spaces > 0)
        .map(|u| u.firm.clone())
        .collect();
    Ok(RegionPlan {
        version,
        zone: params.zone.clone(),
        region: params.region.clone(),
        as_of: forecast.as_of,
        until: forecast.until,
        months: forecast.months,
        graduates,
        vacancies: forecast.vacancies.len(),
        withheld,
        needs: forecast.graduates,
        supply: forecast.vacancies,
        proposals: plan.proposals,
        unplaced: plan.unplaced,
        waitlist,
        hubs: records.hub_names,
    })
}

/// A region's graduation forecast and placement plan, as the caller may see it.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct RegionPlan {
    /// The stored version of the scope's plan this is (`placement_plans`): one more each time
    /// the proposals change.
    pub version: Option<i64>,
    /// The zone asked about, if one was.
    pub zone: Option<String>,
    pub region: String,
    pub as_of: Date,
    pub until: Date,
    pub months: Vec<ladder::Month>,
    /// Graduates in the horizon (of the zone, when one was asked about).
    pub graduates: usize,
    /// Expansion spaces freeing up in the horizon.
    pub vacancies: usize,
    /// For an operator: what of the region's plan is shown only as counts.
    pub withheld: Option<Withheld>,
    /// Who graduates when, with what they need.
    pub needs: Vec<placement::Need>,
    /// What frees up when.
    pub supply: Vec<placement::Vacancy>,
    pub proposals: Vec<placement::Proposal>,
    pub unplaced: Vec<placement::Unplaced>,
    /// Unplaced graduates for whom some space would fit.
    pub waitlist: Vec<String>,
    /// Hub and zone names by id.
    pub hubs: HashMap<String, String>,
}

/// Post-BI retention by year of graduation, in a region or one of its zones.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct RegionRetention {
    pub region: String,
    pub zone: Option<String>,
    pub years: Vec<ladder::Retention>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub firm_id: String,
    /// The space's number, or its text as the plan's proposals give it (`"17"`).
    #[serde(deserialize_with = "space_number")]
    #[schemars(with = "SpaceNumber")]
    pub space_id: i64,
    /// For an accepted proposal: the lease's first day (default: the day the graduate needs the
    /// space) and its length in months (default 24, 1 to 120).
    pub starts: Option<String>,
    pub months: Option<i64>,
}

/// A space's number as a decision may give it: a number, or the plan's text for it.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum SpaceNumber {
    Number(i64),
    Text(String),
}

fn space_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    match SpaceNumber::deserialize(deserializer)? {
        SpaceNumber::Number(n) => Ok(n),
        SpaceNumber::Text(text) => text.trim().parse().map_err(|_| {
            serde::de::Error::custom(format!("space_id \"{text}\" is not a space's number"))
        }),
    }
}

fn decision(payload: Value) -> Result<Decision, Error> {
    serde_json::from_value(payload).map_err(Error::unreadable)
}

fn invalid(field: &str, message: Message) -> Error {
    Error::invalid(vec![FieldError {
        field: field.into(),
        message,
    }])
}

/// The space of a decision, its owner for the role rules, and its region.
pub async fn decided_space(
    state: &Services,
    id: i64,
) -> Result<(Stored<SpaceBody>, Owner, String), Error> {
    let space = state
        .store
        .repo::<SpaceBody>()
        .get(&SpaceId(id))
        .await?
        .ok_or_else(|| Error::not_found(Key::NounSpace, &id.to_string()))?;
    let owner = crate::parts::space_zone(state, &space.record).await?;
    let region = match &owner {
        Owner::Hub(hub) => {
            let found = state.store.repo::<Demo<HubBody>>().find(hub).await?;
            found.map(|h| h.record.record.region)
        }
        Owner::Zone(zone) => zone_region(state, zone).await?,
    }
    .unwrap_or_default();
    Ok((space, owner, region))
}

/// Accepting a proposal creates the lease: the firm must be a graduate of the space's
/// 광역경제권 looking for space and the space must fit it (the same requirements as the plan's), and every lease rule applies.
pub async fn accept(
    state: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<WrittenLease, Error> {
    caller.require_user()?;
    let decision = decision(payload)?;
    let (_, owner, region) = decided_space(state, decision.space_id).await?;
    access::write_zone_part(caller, &owner)?;
    // The proposal taken up already: the firm's latest lease, still running, is of this space.
    if let Some(lease) = state
        .store
        .latest_lease_of_firm(&decision.firm_id)
        .await?
        .filter(|l| {
            l.record.space_id.0 == decision.space_id && l.record.status == LeaseStatus::Active
        })
    {
        return Err(Error::conflict(
            Message::new(Key::AlreadyLeased)
                .arg("firm", &decision.firm_id)
                .arg("space", decision.space_id)
                .arg("lease", lease.id.0)
                .arg("starts", lease.record.starts),
        ));
    }
    // Every problem of the decision at once, as far as one does not hide another.
    let mut errors = Vec::new();
    let months = decision.months.unwrap_or(24);
    if !(1..=120).contains(&months) {
        errors.push(FieldError::new("months", Key::LeaseMonths));
    }
    let starts_given = match decision.starts.as_deref().map(str::parse::<Date>) {
        None => None,
        Some(Ok(day)) => Some(day),
        Some(Err(message)) => {
            errors.push(FieldError::new("starts", Message::input(message)));
            None
        }
    };
    // The graduates around the start asked for (or today): leases ending within 30 months
    // either side.
    let around = starts_given
        .unwrap_or_else(|| state.clock.today())
        .add_months(-30);
    // A graduate of any 시·도 of the space's 광역경제권 may take it.
    let scope = home_scope(state, &region);
    let (forecast, _) = forecast_region(state, &scope, around, 60, None).await?;
    let need = forecast
        .graduates
        .iter()
        .find(|g| g.firm == decision.firm_id);
    if need.is_none() {
        errors.push(FieldError::new(
            "firm_id",
            Message::new(Key::NotAGraduate)
                .arg("firm", &decision.firm_id)
                .arg("region", &scope.id),
        ));
    }
    let vacancy = forecast
        .vacancies
        .iter()
        .find(|v| v.space == decision.space_id.to_string());
    if vacancy.is_none() {
        errors.push(FieldError::new(
            "space_id",
            Message::new(Key::NotExpansionSpace)
                .arg("space", decision.space_id)
                .arg("region", &scope.id),
        ));
    }
    if let Some(vacancy) = vacancy {
        if starts_given.is_some_and(|starts| starts < vacancy.free_from) {
            errors.push(FieldError::new(
                "starts",
                Message::new(Key::SpaceFreeFrom)
                    .arg("space", decision.space_id)
                    .arg("day", vacancy.free_from),
            ));
        }
    }
    let (Some(need), Some(vacancy), true) = (need, vacancy, errors.is_empty()) else {
        return Err(Error::invalid(errors));
    };
    let unmet = placement::unmet(need, vacancy);
    if !unmet.is_empty() {
        return Err(invalid(
            "space_id",
            Message::new(Key::SpaceDoesNotFit)
                .arg("space", decision.space_id)
                .arg("firm", &decision.firm_id)
                .arg("unmet", unmet.join("; ")),
        ));
    }
    let starts = starts_given.unwrap_or_else(|| need.needed_by.max(vacancy.free_from));
    let lease = json!({
        "space_id": decision.space_id, "firm_id": decision.firm_id,
        "starts": starts.to_string(), "ends": starts.add_months(months as i32).to_string(),
        "note": "placement",
    });
    create_lease(state, caller, &lease).await
}

/// A decision on a rejection, by someone who may take it: the space's keeper, or a
/// coordinator (admins keep every space).
async fn rejection_decision(
    state: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<Decision, Error> {
    caller.require_user()?;
    let decision = decision(payload)?;
    let (_, owner, _) = decided_space(state, decision.space_id).await?;
    access::write_zone_part(caller, &owner).or_else(|_| match caller.role() {
        Some(Role::Coordinator) => Ok(()),
        _ => Err(Error::forbidden()),
    })?;
    Ok(decision)
}

/// The stored rejection of a decision's firm and space, if any.
async fn rejection_of(
    state: &Services,
    decision: &Decision,
) -> Result<Option<Stored<Rejection>>, Error> {
    let (existing, _) = state
        .store
        .repo::<Rejection>()
        .list(&Filter {
            equals: vec![
                ("firm_id", decision.firm_id.clone()),
                ("space_id", decision.space_id.to_string()),
            ],
            limit: 1,
            offset: 0,
        })
        .await?;
    Ok(existing.into_iter().next())
}

/// Rejecting a proposal keeps the plan from proposing that space to that firm again; rejecting
/// it twice changes nothing: the rejection, and whether it is new.
pub async fn reject(
    state: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<(Stored<Rejection>, bool), Error> {
    let decision = rejection_decision(state, caller, payload).await?;
    let firms = state.store.repo::<Demo<Firm>>();
    if firms.find(&decision.firm_id).await?.is_none() {
        return Err(invalid(
            "firm_id",
            Message::new(Key::NoFirm).arg("id", &decision.firm_id),
        ));
    }
    if let Some(rejection) = rejection_of(state, &decision).await? {
        return Ok((rejection, false));
    }
    let rejection = Rejection {
        firm_id: FirmId(decision.firm_id.clone()),
        space_id: SpaceId(decision.space_id),
    };
    let created = state
        .store
        .repo()
        .create(&caller.actor(), &rejection)
        .await?;
    Ok((created, true))
}

/// Taking a rejection back: the plan may propose that space to that firm again.
pub async fn unreject(state: &Services, caller: &Caller, payload: Value) -> Result<(), Error> {
    let decision = rejection_decision(state, caller, payload).await?;
    let rejection = rejection_of(state, &decision)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounRejection, &decision.firm_id))?;
    state
        .store
        .repo::<Rejection>()
        .delete(&caller.actor(), &rejection.id)
        .await?;
    Ok(())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionParams {
    /// The 시·도 or 광역경제권 whose graduates are followed (a region or economic region id of
    /// the catalog).
    pub region: String,
    /// Narrows retention to the graduates of one zone's incubators.
    pub zone: Option<String>,
    /// The day to answer for (`YYYY-MM-DD`; default today in Korea).
    #[schemars(with = "Option<ucz_core::date::Date>")]
    pub as_of: Option<String>,
}

pub async fn retention(
    state: &Services,
    caller: &Caller,
    params: &RetentionParams,
) -> Result<RegionRetention, Error> {
    let scope = scope(state, &params.region)?;
    may_see(state, caller, &scope).await?;
    if let Some(zone) = &params.zone {
        zone_in_region(state, zone, &scope).await?;
    }
    let as_of = as_of(&state.clock, params.as_of.as_deref())?;
    let years = retention_of(state, &scope, params.zone.as_deref(), as_of).await?;
    Ok(RegionRetention {
        region: params.region.clone(),
        zone: params.zone.clone(),
        years,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_names_its_space_by_number_or_by_the_plans_text() {
        let by_text = decision(json!({"firm_id": "f", "space_id": "17"}));
        assert_eq!(by_text.map(|d| d.space_id).ok(), Some(17));
        let by_number = decision(json!({"firm_id": "f", "space_id": 17}));
        assert_eq!(by_number.map(|d| d.space_id).ok(), Some(17));
        assert!(decision(json!({"firm_id": "f", "space_id": "room"})).is_err());
    }
}
