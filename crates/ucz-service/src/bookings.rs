//! Booking the zone's shared resources: resources and their rules, closures and trainings, a
//! day's availability, bookings (single, bundled, weekly series), approval, check-in and
//! no-shows, the waitlist, and iCalendar feeds.
//!
//! | | anyone | firm | operator (the resource's zone) / coordinator (a hub's) | admin |
//! |---|---|---|---|---|
//! | read resources, a day's availability, a resource's feed (busy times, no names) | yes | yes | yes | yes |
//! | book, join a waitlist, take an offer, its own bookings and feed | | its own | | |
//! | cancel, check in | | its own | yes | yes |
//! | set resources, closures, trainings; approve or decline; the bookings list | | | yes | yes |
//!
//! Every use case first turns confirmed bookings past their grace period into no-shows (their
//! slots go to the waitlist), so what a caller reads is what the clock says.

use jiff::civil::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ucz_core::booking::check::{self, quota_windows};
use ucz_core::booking::ical::{self, Event};
use ucz_core::booking::{
    Applicant, Ask, Closure, Context, Holidays, Refusal, Resource, from_seconds, parse_time,
    seconds, series, show, write,
};
use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::record::{Demo, FacilityBody, FacilityId, HubBody};
use ucz_store::{
    Booked, BookingRow, ClosureRow, HOLDING, NewBooking, ResourceRow, Slot, Taken, TrainingRow,
    WaitRow,
};

use crate::Services;
use crate::access::{self, Owner};
use crate::awards::firm_record;
use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};

/// A resource with whose it is.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ResourceView {
    pub zone_id: Option<String>,
    pub hub_id: Option<String>,
    pub setup: Resource,
    pub updated_at: String,
}

/// A booking as its firm and the operator read it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct BookingView {
    pub id: i64,
    pub resource_id: String,
    pub resource_name: String,
    pub firm_id: String,
    /// `requested`, `offered`, `confirmed`, `checked_in`, `declined`, `cancelled`, `no_show`.
    pub state: String,
    /// Civil times in Korea: `2026-12-07T10:00`.
    pub start: String,
    pub end: String,
    /// The other resources booked with it (a bundle).
    pub with: Vec<String>,
    pub series_id: Option<i64>,
    /// `tenant`, `region` or `anyone`: the rules and price it was booked under.
    pub applicant: String,
    /// Won, VAT excluded, before a tenant's free hours.
    pub price: i64,
    pub note: String,
    pub created_at: String,
    pub checked_in_at: Option<String>,
}

/// A date of a booking that was refused, and why (each rule named).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Refused {
    pub start: String,
    pub end: String,
    /// The rules refusing it (`hours`, `holiday`, `quota_week`, `taken`, …).
    pub rules: Vec<String>,
    pub reasons_ko: Vec<String>,
    pub reasons_en: Vec<String>,
}

/// What a booking request came to.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct BookingOutcome {
    pub bookings: Vec<BookingView>,
    /// Dates of a series left out (booked in part).
    pub refused: Vec<Refused>,
    /// The waitlist entry made when the slot was taken and the firm asked to wait.
    pub waitlisted: Option<WaitView>,
}

/// A firm waiting for a slot.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WaitView {
    pub id: i64,
    pub resource_id: String,
    pub start: String,
    pub end: String,
    /// `waiting` or `offered` (the booking holding the slot for the firm is `booking_id`).
    pub state: String,
    pub booking_id: Option<i64>,
}

/// A booking asked for.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    pub resource_id: String,
    /// `2026-12-07T10:00` (Korea) or with an offset.
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub note: String,
    /// Every week on the same hours.
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// Book the dates of a series that can be had when some cannot.
    #[serde(default)]
    pub partial: bool,
    /// When the slot is taken, wait for it: the firm is offered it if it frees.
    #[serde(default)]
    pub waitlist: bool,
}

/// A weekly series: `weeks` occurrences (at most 52) or until a date, skipping `except`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    #[serde(default)]
    pub weeks: Option<u32>,
    #[serde(default)]
    pub until: Option<Date>,
    #[serde(default)]
    pub except: Vec<Date>,
}

/// A day of a resource as an applicant sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Day {
    pub resource_id: String,
    pub name: String,
    pub date: Date,
    /// Why the day is closed, if it is (a holiday, a closure, not open that weekday, no rules).
    pub closed: Option<String>,
    pub slot_minutes: u32,
    pub slots: Vec<DaySlot>,
    /// Whether the holidays of this date are known (the catalog's table covers its year).
    pub holidays_known: bool,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct DaySlot {
    pub start: String,
    pub end: String,
    /// `free`, `taken`, `mine` (the caller's firm holds it), `past`, or `closed` (a resource
    /// booked with it cannot be had then).
    pub state: String,
}

/// A closure an operator adds.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureBody {
    /// The zone closing, or else the hub.
    #[serde(default)]
    pub zone_id: Option<String>,
    #[serde(default)]
    pub hub_id: Option<String>,
    #[serde(flatten)]
    pub closure: Closure,
}

/// A training a firm holds, recorded by the operator.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingBody {
    #[serde(default)]
    pub zone_id: Option<String>,
    #[serde(default)]
    pub hub_id: Option<String>,
    pub training: String,
    pub firm_id: String,
    /// Who attended, for the record.
    pub person: String,
}

/// A place's closures and trainings, for its operator.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Upkeep {
    pub closures: Vec<ClosureView>,
    pub trainings: Vec<TrainingView>,
    /// The last year the holiday table covers; bookings after it are not checked for holidays.
    pub holidays_until: Option<i32>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ClosureView {
    pub id: i64,
    /// Bookings and waitlist entries of the closed days cancelled when the closure was added.
    pub cancelled: usize,
    pub resource_id: Option<String>,
    pub from: String,
    pub until: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TrainingView {
    pub training: String,
    pub firm_id: String,
    pub person: String,
    pub recorded_at: String,
}

fn owner_of(row: &ResourceRow) -> Owner {
    match (&row.zone_id, &row.hub_id) {
        (Some(z), _) => Owner::Zone(z.clone()),
        (None, Some(h)) => Owner::Hub(h.clone()),
        (None, None) => Owner::Zone(String::new()),
    }
}

fn owner_key(owner: &Owner) -> String {
    match owner {
        Owner::Zone(z) => format!("zone:{z}"),
        Owner::Hub(h) => format!("hub:{h}"),
    }
}

fn setup_of(row: &ResourceRow) -> Result<Resource, Error> {
    serde_json::from_value(row.body.clone())
        .map_err(|e| Error::internal(format!("resource {}: {e}", row.id)))
}

fn view(row: &ResourceRow) -> Result<ResourceView, Error> {
    Ok(ResourceView {
        zone_id: row.zone_id.clone(),
        hub_id: row.hub_id.clone(),
        setup: setup_of(row)?,
        updated_at: row.updated_at.clone(),
    })
}

fn booking_view(b: &BookingRow, name: &str, with: Vec<String>) -> BookingView {
    BookingView {
        id: b.id,
        resource_id: b.resource_id.clone(),
        resource_name: name.to_string(),
        firm_id: b.firm_id.clone(),
        state: b.state.clone(),
        start: write(from_seconds(b.starts_at)),
        end: write(from_seconds(b.ends_at)),
        with,
        series_id: b.series_id,
        applicant: b.applicant.clone(),
        price: b.price,
        note: b.note.clone(),
        created_at: b.created_at.clone(),
        checked_in_at: b.checked_in_at.clone(),
    }
}

fn wait_view(w: &WaitRow) -> WaitView {
    WaitView {
        id: w.id,
        resource_id: w.resource_id.clone(),
        start: write(from_seconds(w.starts_at)),
        end: write(from_seconds(w.ends_at)),
        state: w.state.clone(),
        booking_id: w.booking_id,
    }
}

/// Bookings as views: heads only, a bundle's others named in `with`.
async fn views(state: &Services, rows: &[BookingRow]) -> Result<Vec<BookingView>, Error> {
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::new();
    for b in rows.iter().filter(|b| b.bundle_of.is_none()) {
        if !names.contains_key(&b.resource_id) {
            let name = match state.store.resource(&b.resource_id).await? {
                Some(r) => setup_of(&r)?.name,
                None => b.resource_id.clone(),
            };
            names.insert(b.resource_id.clone(), name);
        }
        let with = rows
            .iter()
            .filter(|o| o.bundle_of == Some(b.id))
            .map(|o| o.resource_id.clone())
            .collect();
        out.push(booking_view(b, &names[&b.resource_id], with));
    }
    Ok(out)
}

async fn resource_row(state: &Services, id: &str) -> Result<ResourceRow, Error> {
    state
        .store
        .resource(id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounResource, id))
}

/// The no-shows of the moment, their slots offered to the waitlist.
pub async fn sweep(state: &Services) -> Result<usize, Error> {
    let now = state.clock.now().as_second();
    Ok(state.store.sweep_no_shows("system", now).await?.len())
}

/// Where a resource is: the zone of its facility, or its hub (which must exist).
async fn place(state: &Services, r: &Resource) -> Result<Owner, Error> {
    if let Some(f) = r.facility_id {
        let facility = state
            .store
            .repo::<FacilityBody>()
            .get(&FacilityId(f))
            .await?
            .ok_or_else(|| {
                Error::field("facility_id", Message::new(Key::NoFacility).arg("id", f))
            })?;
        return Ok(Owner::Zone(facility.record.zone_id.0));
    }
    let hub = r.hub_id.clone().unwrap_or_default();
    if state
        .store
        .repo::<Demo<HubBody>>()
        .find(&hub)
        .await?
        .is_none()
    {
        return Err(Error::not_found(Key::NounHub, &hub));
    }
    Ok(Owner::Hub(hub))
}

/// A resource's setup read and checked (every problem by field), its place found, and the
/// caller its keeper there.
async fn checked_setup(
    state: &Services,
    caller: &Caller,
    body: Value,
) -> Result<(Resource, Owner), Error> {
    let setup: Resource =
        serde_json::from_value(body).map_err(|e| Error::unreadable(format!("{e}")))?;
    let problems = setup.problems();
    if !problems.is_empty() {
        return Err(Error::invalid(
            problems
                .into_iter()
                .map(|p| FieldError::new(p.field, p.message))
                .collect(),
        ));
    }
    let owner = place(state, &setup).await?;
    access::write_zone_part(caller, &owner)?;
    Ok((setup, owner))
}

/// Sets a resource (its operator, or a coordinator for a hub's). Every problem of the setup is
/// reported by field; the resources of a bundle must exist in the same place.
pub async fn set_resource(
    state: &Services,
    caller: &Caller,
    body: Value,
) -> Result<ResourceView, Error> {
    caller.require_user()?;
    let (setup, owner) = checked_setup(state, caller, body).await?;
    if let Some(existing) = state.store.resource(&setup.id).await? {
        access::write_zone_part(caller, &owner_of(&existing))?;
    }
    for (i, w) in setup.with.iter().enumerate() {
        let same_place = match state.store.resource(w).await? {
            Some(other) => owner_of(&other) == owner,
            None => false,
        };
        if !same_place {
            return Err(Error::field(
                format!("with[{i}]"),
                Message::new(Key::BookingBundleMissing).arg("id", w),
            ));
        }
    }
    let value = serde_json::to_value(&setup).map_err(Error::internal)?;
    let row = state
        .store
        .set_resource(
            &caller.actor(),
            &setup.id,
            owner.zone(),
            match &owner {
                Owner::Hub(h) => Some(h.as_str()),
                Owner::Zone(_) => None,
            },
            &value,
        )
        .await?;
    view(&row)
}

pub async fn resource(state: &Services, id: &str) -> Result<ResourceView, Error> {
    view(&resource_row(state, id).await?)
}

/// The resources of a zone or a hub (or every one when neither is given).
pub async fn resources(
    state: &Services,
    zone: Option<&str>,
    hub: Option<&str>,
) -> Result<Vec<ResourceView>, Error> {
    state
        .store
        .resources_of(zone, hub)
        .await?
        .iter()
        .map(view)
        .collect()
}

/// What a firm is to a resource's place: its tenant, a firm of its region, or anyone.
async fn applicant_of(state: &Services, firm: &Firm, owner: &Owner) -> Result<Applicant, Error> {
    let region = match owner {
        Owner::Zone(zone) => {
            if !firm.zone.is_empty() && firm.zone == *zone {
                return Ok(Applicant::Tenant);
            }
            crate::parts::Known::default()
                .zone_region(state, zone)
                .await?
        }
        Owner::Hub(hub) => state
            .store
            .repo::<Demo<HubBody>>()
            .find(hub)
            .await?
            .map(|h| h.record.record.region),
    };
    Ok(if region.as_deref() == Some(firm.region.as_str()) {
        Applicant::Region
    } else {
        Applicant::Anyone
    })
}

fn firm_of(caller: &Caller) -> Result<&str, Error> {
    match caller.require_user()? {
        Role::Firm { firm } => Ok(firm),
        _ => Err(Error::forbidden_because(Key::BookingNoFirm)),
    }
}

fn closures_of(rows: &[ClosureRow]) -> Vec<Closure> {
    rows.iter()
        .filter_map(|c| {
            Some(Closure {
                resource_id: c.resource_id.clone(),
                from: c.from_day.parse().ok()?,
                until: c.until_day.parse().ok()?,
                reason: c.reason.clone(),
            })
        })
        .collect()
}

fn time(field: &str, text: &str) -> Result<DateTime, Error> {
    parse_time(text).ok_or_else(|| {
        Error::field(
            field,
            Message::new(Key::BookingUnknownTime).arg("value", text),
        )
    })
}

/// A refusal, by the resource it is about when that is a bundle's other resource.
type Named = (Option<String>, Refusal);

/// The reason of a refusal, naming a bundle's other resource.
fn reason(named: &Named) -> Message {
    match &named.0 {
        None => named.1.message(),
        Some(resource) => Message::new(Key::BookingOfBundle)
            .arg("resource", resource)
            .with("reason", named.1.message()),
    }
}

fn refused(ask: &Ask, refusals: &[Named]) -> Refused {
    let render = |lang| {
        refusals
            .iter()
            .map(|r| reason(r).render(lang))
            .collect::<Vec<_>>()
    };
    Refused {
        start: write(ask.start),
        end: write(ask.end),
        rules: refusals.iter().map(|r| r.1.rule().to_string()).collect(),
        reasons_ko: render(ucz_core::lang::Lang::Ko),
        reasons_en: render(ucz_core::lang::Lang::En),
    }
}

fn refusal_errors(dates: &[(Ask, Vec<Named>)]) -> Error {
    let mut errors = Vec::new();
    for (ask, refusals) in dates {
        for r in refusals {
            errors.push(FieldError::new(
                "start",
                Message::new(Key::BookingRefused)
                    .arg("start", show(ask.start))
                    .arg("end", show(ask.end))
                    .with("reason", reason(r))
                    .arg("rule", r.1.rule()),
            ));
        }
    }
    Error::invalid(errors)
}

fn taken_message(t: &Taken, name: &str) -> Message {
    Message::new(Key::BookingTaken)
        .arg("resource", name)
        .arg("start", show(from_seconds(t.starts_at)))
        .arg("end", show(from_seconds(t.ends_at)))
}

/// Books a resource (with its bundle) for the caller's firm: once, or every week. Each date is
/// checked against the rules for the firm; a refused date refuses the request unless `partial`,
/// and then only the other dates are booked. A taken slot refuses (409) unless `waitlist`.
pub async fn book(
    state: &Services,
    caller: &Caller,
    body: BookingBody,
) -> Result<BookingOutcome, Error> {
    let firm_id = firm_of(caller)?.to_string();
    let user_id = caller.user()?.id.0;
    sweep(state).await?;
    let row = resource_row(state, &body.resource_id).await?;
    let resource = setup_of(&row)?;
    let owner = owner_of(&row);
    let firm = firm_record(state, &firm_id).await?;
    let applicant = applicant_of(state, &firm, &owner).await?;
    let first = Ask {
        start: time("start", &body.start)?,
        end: time("end", &body.end)?,
    };
    let dates = match &body.repeat {
        None => vec![first],
        Some(r) => series::weekly(first, r.weeks, r.until, &r.except),
    };
    if dates.is_empty() {
        return Err(Error::field("repeat", Message::new(Key::BookingNoDates)));
    }
    let holidays = Holidays::of(&state.catalog.holidays);
    let today = state.clock.today();
    let closures = closures_of(
        &state
            .store
            .closures_of(&row.owner(), &today.to_string())
            .await?,
    );
    let trained = match &resource.training {
        Some(t) => state.store.has_training(&row.owner(), t, &firm_id).await?,
        None => true,
    };
    // A bundle's other resources are booked under their own hours, holidays, closures and
    // trainings too (their quotas and prices are their own; the booking takes their buffer).
    let mut bundle = Vec::new();
    for w in &resource.with {
        let other = resource_row(state, w).await?;
        let setup = setup_of(&other)?;
        let trained = match &setup.training {
            Some(t) => {
                state
                    .store
                    .has_training(&other.owner(), t, &firm_id)
                    .await?
            }
            None => true,
        };
        bundle.push((other.id.clone(), setup, trained));
    }
    // Minutes this request adds to each week and month, so a series counts its own dates.
    let mut added: std::collections::HashMap<Date, i64> = Default::default();
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for ask in &dates {
        let ((w0, w1), (m0, m1)) = quota_windows(ask.day());
        let held = |from: Date, until: Date| {
            state.store.minutes_held(
                &firm_id,
                &resource.id,
                from.start_in_korea().as_second(),
                until.start_in_korea().as_second(),
            )
        };
        let mine = |from: Date, until: Date| -> i64 {
            added
                .iter()
                .filter(|(d, _)| from <= **d && **d < until)
                .map(|(_, m)| m)
                .sum()
        };
        let cx = Context {
            applicant,
            now: state.clock.now(),
            holidays: &holidays,
            closures: &closures,
            used_week: held(w0, w1).await? + mine(w0, w1),
            used_month: held(m0, m1).await? + mine(m0, m1),
            trained,
        };
        let mut refusals: Vec<Named> = check::check(&resource, ask, &cx)
            .into_iter()
            .map(|r| (None, r))
            .collect();
        for (_, other, trained) in &bundle {
            let own = Context {
                used_week: 0,
                used_month: 0,
                trained: *trained,
                ..cx.clone()
            };
            // What the main resource refuses already is not said again of its bundle.
            for r in check::check(other, ask, &own) {
                if !refusals.iter().any(|(_, mine)| mine.rule() == r.rule()) {
                    refusals.push((Some(other.name.clone()), r));
                }
            }
        }
        if refusals.is_empty() {
            *added.entry(ask.day()).or_default() += ask.minutes();
            good.push(*ask);
        } else {
            bad.push((*ask, refusals));
        }
    }
    if good.is_empty() || (!bad.is_empty() && !body.partial) {
        if bad.len() > 1 && !good.is_empty() {
            let mut error = refusal_errors(&bad);
            error.detail = Message::new(Key::BookingSeriesConflicts).arg("count", bad.len());
            return Err(error);
        }
        return Err(refusal_errors(&bad));
    }
    let buffer = |r: &Resource, ask: &Ask| {
        r.rules_for(applicant, ask.day())
            .map_or(0, |r| i64::from(r.buffer_minutes) * 60)
    };
    let slots = |ask: &Ask| -> Vec<Slot> {
        let (s, e) = (seconds(ask.start), seconds(ask.end));
        let grace = s + i64::from(resource.grace_minutes) * 60;
        let mut out = vec![Slot {
            resource_id: resource.id.clone(),
            starts_at: s,
            ends_at: e,
            held_until: e + buffer(&resource, ask),
            grace_until: grace,
            price: resource.price.of(applicant, ask.minutes()),
        }];
        for (id, other, _) in &bundle {
            out.push(Slot {
                resource_id: id.clone(),
                starts_at: s,
                ends_at: e,
                held_until: e + buffer(other, ask),
                grace_until: grace,
                price: other.price.of(applicant, ask.minutes()),
            });
        }
        out
    };
    let written = state
        .store
        .book(
            &caller.actor(),
            &NewBooking {
                firm_id: &firm_id,
                user_id: Some(user_id),
                state: if resource.approval {
                    "requested"
                } else {
                    "confirmed"
                },
                applicant: applicant.as_str(),
                note: body.note.trim(),
                dates: good.iter().map(slots).collect(),
                partial: body.partial,
                series: body
                    .repeat
                    .as_ref()
                    .map(|r| serde_json::to_value(r).unwrap_or_default()),
            },
        )
        .await?;
    let mut refused_dates: Vec<Refused> = bad.iter().map(|(a, r)| refused(a, r)).collect();
    match written {
        Booked::Done { rows, taken } => {
            for t in &taken {
                let ask = good[t.date];
                let mut r = refused(&ask, &[]);
                r.rules.push("taken".into());
                let m = taken_message(t, &resource.name);
                r.reasons_ko.push(m.render(ucz_core::lang::Lang::Ko));
                r.reasons_en.push(m.render(ucz_core::lang::Lang::En));
                refused_dates.push(r);
            }
            Ok(BookingOutcome {
                bookings: views(state, &rows).await?,
                refused: refused_dates,
                waitlisted: None,
            })
        }
        Booked::Refused(taken) => {
            if body.waitlist && dates.len() == 1 {
                let ask = good[0];
                let slot = slots(&ask).remove(0);
                let entry = state
                    .store
                    .join_waitlist(
                        &caller.actor(),
                        &WaitRow {
                            id: 0,
                            resource_id: resource.id.clone(),
                            firm_id: firm_id.clone(),
                            user_id: Some(user_id),
                            starts_at: slot.starts_at,
                            ends_at: slot.ends_at,
                            held_until: slot.held_until,
                            grace_until: slot.grace_until,
                            applicant: applicant.as_str().into(),
                            price: slot.price,
                            state: "waiting".into(),
                            booking_id: None,
                            created_at: String::new(),
                        },
                    )
                    .await?
                    .ok_or_else(|| Error::conflict(Key::BookingWaitingAlready))?;
                return Ok(BookingOutcome {
                    bookings: Vec::new(),
                    refused: Vec::new(),
                    waitlisted: Some(wait_view(&entry)),
                });
            }
            let first = taken
                .first()
                .map(|t| taken_message(t, &resource.name))
                .unwrap_or_else(|| Message::new(Key::BookingOrder));
            if taken.len() > 1 {
                return Err(Error::conflict(
                    Message::new(Key::BookingSeriesConflicts).arg("count", taken.len()),
                ));
            }
            Err(Error::conflict(first))
        }
    }
}

/// Reads a booking for whoever may act on it: its firm, or the resource's keeper.
async fn acted_on(
    state: &Services,
    caller: &Caller,
    id: i64,
    keeper_only: bool,
) -> Result<(BookingRow, ResourceRow, bool), Error> {
    let role = caller.require_user()?;
    let booking = state
        .store
        .booking(id)
        .await?
        .filter(|b| b.bundle_of.is_none())
        .ok_or_else(|| Error::not_found(Key::NounBooking, &id.to_string()))?;
    let resource = resource_row(state, &booking.resource_id).await?;
    let own = matches!(role, Role::Firm { firm } if *firm == booking.firm_id);
    if own && !keeper_only {
        return Ok((booking, resource, false));
    }
    match access::write_zone_part(caller, &owner_of(&resource)) {
        Ok(()) => Ok((booking, resource, true)),
        // Another firm's booking does not exist for a firm.
        Err(_) if matches!(role, Role::Firm { .. }) && !own => {
            Err(Error::not_found(Key::NounBooking, &id.to_string()))
        }
        Err(e) => Err(e),
    }
}

fn bad_state(b: &BookingRow, action: &str) -> Error {
    Error::conflict(
        Message::new(Key::BookingBadState)
            .arg("state", &b.state)
            .arg("action", action),
    )
}

async fn moved(
    state: &Services,
    caller: &Caller,
    b: &BookingRow,
    from: &[&str],
    to: &str,
    column: &str,
    action: &str,
) -> Result<BookingView, Error> {
    let rows = state
        .store
        .move_booking(
            &caller.actor(),
            b.id,
            from,
            to,
            column,
            state.clock.now().as_second(),
        )
        .await?
        .ok_or_else(|| bad_state(b, action))?;
    views(state, &rows)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("a booking without its head"))
}

/// Approves or declines a booking waiting for approval (the resource's keeper).
pub async fn decide(
    state: &Services,
    caller: &Caller,
    id: i64,
    approve: bool,
) -> Result<BookingView, Error> {
    sweep(state).await?;
    let (b, _, _) = acted_on(state, caller, id, true).await?;
    let (to, action) = if approve {
        ("confirmed", "approved")
    } else {
        ("declined", "declined")
    };
    if approve {
        not_late(state, &b)?;
    }
    moved(state, caller, &b, &["requested"], to, "decided_at", action).await
}

/// Refuses confirming a booking whose grace period is over: it would be a no-show at once.
fn not_late(state: &Services, b: &BookingRow) -> Result<(), Error> {
    if state.clock.now().as_second() > b.grace_until {
        return Err(Error::conflict(
            Message::new(Key::BookingTooLate).arg("until", show(from_seconds(b.grace_until))),
        ));
    }
    Ok(())
}

/// Cancels a booking (its firm before the start, or the resource's keeper at any time); the
/// slot goes to the waitlist.
pub async fn cancel(state: &Services, caller: &Caller, id: i64) -> Result<BookingView, Error> {
    sweep(state).await?;
    let (b, _, keeper) = acted_on(state, caller, id, false).await?;
    if !keeper && state.clock.now().as_second() >= b.starts_at && b.state == "confirmed" {
        return Err(Error::conflict(Key::BookingCancelStarted));
    }
    moved(
        state,
        caller,
        &b,
        &["requested", "offered", "confirmed"],
        "cancelled",
        "closed_at",
        "cancelled",
    )
    .await
}

/// Cancels a series' bookings from a date on (every one when none is given); the earlier ones
/// stay. The bookings cancelled.
pub async fn cancel_series(
    state: &Services,
    caller: &Caller,
    series_id: i64,
    from: Option<Date>,
) -> Result<Vec<BookingView>, Error> {
    let firm_id = firm_of(caller)?;
    let now = state.clock.now().as_second();
    let since = from.map_or(now, |d| d.start_in_korea().as_second().max(now));
    let mine = state.store.bookings_of_firm(firm_id, since).await?;
    let mut out = Vec::new();
    for b in mine
        .iter()
        .filter(|b| b.series_id == Some(series_id) && b.bundle_of.is_none() && b.starts_at >= since)
    {
        if ["requested", "confirmed"].contains(&b.state.as_str()) {
            out.push(
                moved(
                    state,
                    caller,
                    b,
                    &["requested", "confirmed"],
                    "cancelled",
                    "closed_at",
                    "cancelled",
                )
                .await?,
            );
        }
    }
    if out.is_empty() && !mine.iter().any(|b| b.series_id == Some(series_id)) {
        return Err(Error::not_found(Key::NounBooking, &series_id.to_string()));
    }
    Ok(out)
}

/// Checks a firm in: from 15 minutes before the start to the end of the grace period.
pub async fn check_in(state: &Services, caller: &Caller, id: i64) -> Result<BookingView, Error> {
    sweep(state).await?;
    let (b, _, _) = acted_on(state, caller, id, false).await?;
    let now = state.clock.now().as_second();
    if now < b.starts_at - 15 * 60 || now > b.grace_until {
        return Err(Error::conflict(
            Message::new(Key::BookingCheckInWindow).arg("until", show(from_seconds(b.grace_until))),
        ));
    }
    moved(
        state,
        caller,
        &b,
        &["confirmed"],
        "checked_in",
        "checked_in_at",
        "checked in",
    )
    .await
}

/// Takes (or lets go) a slot the waitlist offered the caller's firm. Taken, it is confirmed, or
/// requested when the resource needs approval; let go, it is offered to the next firm.
pub async fn answer_offer(
    state: &Services,
    caller: &Caller,
    id: i64,
    take: bool,
) -> Result<BookingView, Error> {
    let firm_id = firm_of(caller)?.to_string();
    let (b, resource, _) = acted_on(state, caller, id, false).await?;
    if b.firm_id != firm_id {
        return Err(Error::not_found(Key::NounBooking, &id.to_string()));
    }
    let approval = setup_of(&resource)?.approval;
    if take {
        not_late(state, &b)?;
    }
    let (to, column, action) = match (take, approval) {
        (true, false) => ("confirmed", "decided_at", "taken"),
        (true, true) => ("requested", "decided_at", "taken"),
        (false, _) => ("declined", "closed_at", "let go"),
    };
    moved(state, caller, &b, &["offered"], to, column, action).await
}

/// The caller firm's bookings from yesterday on, and its waitlist.
pub async fn mine(
    state: &Services,
    caller: &Caller,
) -> Result<(Vec<BookingView>, Vec<WaitView>), Error> {
    let firm_id = firm_of(caller)?;
    sweep(state).await?;
    let since = state
        .clock
        .today()
        .add_days(-1)
        .start_in_korea()
        .as_second();
    let rows = state.store.bookings_of_firm(firm_id, since).await?;
    let waits = state.store.waitlist_of_firm(firm_id).await?;
    Ok((
        views(state, &rows).await?,
        waits.iter().map(wait_view).collect(),
    ))
}

/// The bookings of a zone's (or hub's) resources over `days` from `from`, for its keeper.
pub async fn bookings_of(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    hub: Option<&str>,
    from: Date,
    days: i64,
) -> Result<Vec<BookingView>, Error> {
    let owner = access::keeper(caller, zone, hub)?;
    sweep(state).await?;
    let ids: Vec<String> = state
        .store
        .resources_of(
            owner.zone(),
            match &owner {
                Owner::Hub(h) => Some(h.as_str()),
                Owner::Zone(_) => None,
            },
        )
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let rows = state
        .store
        .bookings_between(
            &ids,
            from.start_in_korea().as_second(),
            from.add_days(days.clamp(1, 92))
                .start_in_korea()
                .as_second(),
        )
        .await?;
    views(state, &rows).await
}

/// A day of a resource: its slots free, taken, the caller's, past or closed, under the rules
/// that apply to the caller (anyone's for a visitor).
pub async fn day(state: &Services, caller: &Caller, id: &str, date: Date) -> Result<Day, Error> {
    days(state, caller, id, date, 1)
        .await?
        .pop()
        .ok_or_else(|| Error::internal("a day without its slots"))
}

/// `count` days of a resource from `from` (a week's calendar), read once for all of them.
pub async fn days(
    state: &Services,
    caller: &Caller,
    id: &str,
    from: Date,
    count: i64,
) -> Result<Vec<Day>, Error> {
    sweep(state).await?;
    let row = resource_row(state, id).await?;
    let resource = setup_of(&row)?;
    let owner = owner_of(&row);
    let firm = match caller.role() {
        Some(Role::Firm { firm }) => Some(firm_record(state, firm).await?),
        _ => None,
    };
    let applicant = match &firm {
        Some(f) => applicant_of(state, f, &owner).await?,
        None => Applicant::Anyone,
    };
    let holidays = Holidays::of(&state.catalog.holidays);
    let closures = closures_of(
        &state
            .store
            .closures_of(&row.owner(), &from.to_string())
            .await?,
    );
    // A bundle's other resources: their bookings and their own hours, holidays and closures
    // (a slot one of them cannot give is shown closed).
    let mut members = Vec::new();
    for w in &resource.with {
        if let Some(row) = state.store.resource(w).await? {
            members.push(setup_of(&row)?);
        }
    }
    let mut ids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
    ids.push(resource.id.clone());
    let (start, end) = (
        from.start_in_korea().as_second(),
        from.add_days(count.max(1)).start_in_korea().as_second(),
    );
    let taken = state.store.bookings_between(&ids, start, end).await?;
    let seen = Seen {
        resource: &resource,
        members: &members,
        applicant,
        firm: firm.as_ref().map(|f| f.id.as_str()),
        holidays: &holidays,
        closures: &closures,
        taken: &taken,
        today: state.clock.today(),
        now: state.clock.now().as_second(),
    };
    Ok((0..count.max(1))
        .map(|i| seen.day(from.add_days(i)))
        .collect())
}

/// What a calendar of a resource is drawn from.
struct Seen<'a> {
    resource: &'a Resource,
    members: &'a [Resource],
    applicant: Applicant,
    firm: Option<&'a str>,
    holidays: &'a Holidays,
    closures: &'a [Closure],
    /// The holding bookings of the resource and its bundle over the days drawn.
    taken: &'a [BookingRow],
    today: Date,
    now: i64,
}

impl Seen<'_> {
    fn day(&self, date: Date) -> Day {
        let resource = self.resource;
        let mut day = Day {
            resource_id: resource.id.clone(),
            name: resource.name.clone(),
            date,
            closed: None,
            slot_minutes: 30,
            slots: Vec::new(),
            holidays_known: !self.holidays.unknown_after(date),
        };
        let lang = ucz_core::lang::Lang::Ko;
        let applicant = self.applicant;
        let Some(rules) = resource.rules_for(applicant, date) else {
            day.closed = Some(Refusal::NotAllowed { applicant }.message().render(lang));
            return day;
        };
        day.slot_minutes = rules.slot_minutes.max(1);
        let open: Vec<(u32, u32)> = rules
            .hours
            .iter()
            .filter_map(|o| o.on(date.weekday_number()))
            .collect();
        let closed = match self.holidays.on(date) {
            Some((ko, en)) if rules.closed_on_holidays => Some(
                Refusal::Holiday {
                    name_ko: ko.into(),
                    name_en: en.into(),
                }
                .message()
                .render(lang),
            ),
            _ => match self.closures.iter().find(|c| c.covers(&resource.id, date)) {
                Some(c) => Some(c.reason.clone()),
                None if open.is_empty() => Some(
                    Refusal::Hours {
                        open: String::new(),
                    }
                    .message()
                    .render(lang),
                ),
                None if self.today.days_until(date) > i64::from(rules.horizon_days) => Some(
                    Refusal::Horizon {
                        days: rules.horizon_days,
                    }
                    .message()
                    .render(lang),
                ),
                None => None,
            },
        };
        if closed.is_some() {
            day.closed = closed;
            return day;
        }
        let permissive = Context {
            applicant,
            now: jiff::Timestamp::MIN,
            holidays: self.holidays,
            closures: self.closures,
            used_week: 0,
            used_month: 0,
            trained: true,
        };
        let member_closed = |s: i64, e: i64| {
            let ask = Ask {
                start: from_seconds(s),
                end: from_seconds(e),
            };
            self.members.iter().any(|m| {
                check::check(m, &ask, &permissive).iter().any(|r| {
                    matches!(
                        r,
                        Refusal::Hours { .. }
                            | Refusal::Holiday { .. }
                            | Refusal::Closure { .. }
                            | Refusal::NotAllowed { .. }
                    )
                })
            })
        };
        // A slot inside the notice period can no longer be booked: shown as past.
        let now = self.now + i64::from(rules.notice_hours) * 3600;
        let midnight = date.start_in_korea().as_second();
        let step = i64::from(day.slot_minutes) * 60;
        for (o, c) in open {
            let mut s = midnight + i64::from(o) * 60;
            let close = midnight + i64::from(c) * 60;
            while s + step <= close {
                let e = s + step;
                let holder = self.taken.iter().find(|b| {
                    HOLDING.contains(&b.state.as_str()) && b.starts_at < e && b.held_until > s
                });
                let slot_state = match holder {
                    Some(b) if self.firm == Some(b.firm_id.as_str()) => "mine",
                    Some(_) => "taken",
                    None if s <= now => "past",
                    None if member_closed(s, e) => "closed",
                    None => "free",
                };
                day.slots.push(DaySlot {
                    start: write(from_seconds(s)),
                    end: write(from_seconds(e)),
                    state: slot_state.into(),
                });
                s = e;
            }
        }
        day
    }
}

/// Adds a closure (a temporary holiday of the zone, or one resource's).
pub async fn add_closure(
    state: &Services,
    caller: &Caller,
    body: ClosureBody,
) -> Result<ClosureView, Error> {
    let owner = access::keeper(caller, body.zone_id.as_deref(), body.hub_id.as_deref())?;
    let c = &body.closure;
    if c.until < c.from {
        return Err(Error::field(
            "until",
            Message::new(Key::BookingUntilBeforeFrom),
        ));
    }
    if c.reason.trim().is_empty() {
        return Err(Error::field("reason", Message::new(Key::AwardRequired)));
    }
    if let Some(r) = &c.resource_id {
        if owner_of(&resource_row(state, r).await?) != owner {
            return Err(Error::not_found(Key::NounResource, r));
        }
    }
    let row = state
        .store
        .add_closure(
            &caller.actor(),
            &owner_key(&owner),
            c.resource_id.as_deref(),
            &c.from.to_string(),
            &c.until.to_string(),
            c.reason.trim(),
        )
        .await?;
    // The bookings and waiting firms of the closed days are cancelled (their firms see it in
    // their bookings); nothing is offered on a closed day.
    let resources: Vec<String> = match &c.resource_id {
        Some(r) => vec![r.clone()],
        None => state
            .store
            .resources_of(
                owner.zone(),
                match &owner {
                    Owner::Hub(h) => Some(h.as_str()),
                    Owner::Zone(_) => None,
                },
            )
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect(),
    };
    let cancelled = state
        .store
        .close_days(
            &caller.actor(),
            &resources,
            c.from.start_in_korea().as_second(),
            c.until.add_days(1).start_in_korea().as_second(),
        )
        .await?;
    let mut view = closure_view(&row);
    view.cancelled = cancelled;
    Ok(view)
}

fn closure_view(c: &ClosureRow) -> ClosureView {
    ClosureView {
        cancelled: 0,
        id: c.id,
        resource_id: c.resource_id.clone(),
        from: c.from_day.clone(),
        until: c.until_day.clone(),
        reason: c.reason.clone(),
    }
}

/// Records that a firm holds a training.
pub async fn record_training(
    state: &Services,
    caller: &Caller,
    body: TrainingBody,
) -> Result<TrainingView, Error> {
    let owner = access::keeper(caller, body.zone_id.as_deref(), body.hub_id.as_deref())?;
    for (field, value) in [("training", &body.training), ("person", &body.person)] {
        if value.trim().is_empty() {
            return Err(Error::field(field, Message::new(Key::AwardRequired)));
        }
    }
    firm_record(state, &body.firm_id).await?;
    let row = state
        .store
        .record_training(
            &caller.actor(),
            &owner_key(&owner),
            body.training.trim(),
            &body.firm_id,
            body.person.trim(),
        )
        .await?;
    Ok(training_view(&row))
}

fn training_view(t: &TrainingRow) -> TrainingView {
    TrainingView {
        training: t.training.clone(),
        firm_id: t.firm_id.clone(),
        person: t.person.clone(),
        recorded_at: t.recorded_at.clone(),
    }
}

/// A place's closures from today on and its trainings, for its keeper.
pub async fn upkeep(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    hub: Option<&str>,
) -> Result<Upkeep, Error> {
    let owner = access::keeper(caller, zone, hub)?;
    let key = owner_key(&owner);
    let today = state.clock.today();
    Ok(Upkeep {
        closures: state
            .store
            .closures_of(&key, &today.to_string())
            .await?
            .iter()
            .map(closure_view)
            .collect(),
        trainings: state
            .store
            .trainings_of(&key)
            .await?
            .iter()
            .map(training_view)
            .collect(),
        holidays_until: Holidays::of(&state.catalog.holidays).last_year(),
    })
}

/// A resource's calendar: its held slots from a week ago on, without firms' names (the busy
/// times anyone may see).
pub async fn resource_feed(state: &Services, id: &str) -> Result<String, Error> {
    let row = resource_row(state, id).await?;
    let resource = setup_of(&row)?;
    let from = state
        .clock
        .today()
        .add_days(-7)
        .start_in_korea()
        .as_second();
    let rows = state
        .store
        .bookings_between(std::slice::from_ref(&resource.id), from, i64::MAX / 2)
        .await?;
    let events: Vec<Event> = rows
        .iter()
        .filter(|b| HOLDING.contains(&b.state.as_str()))
        .map(|b| Event {
            uid: format!("booking-{}@ucz", b.id),
            start: from_seconds(b.starts_at),
            end: from_seconds(b.ends_at),
            summary: format!("{} 예약", resource.name),
            description: String::new(),
            tentative: b.state == "requested" || b.state == "offered",
        })
        .collect();
    Ok(ical::calendar(&resource.name, &events, state.clock.now()))
}

/// A firm's bookings as a calendar, reached by the secret of its account's calendar feed.
pub async fn firm_feed(state: &Services, secret: &str) -> Result<String, Error> {
    let not_found = || Error::not_found(Key::NounBooking, "calendar");
    let user = state
        .store
        .calendar_user(&crate::tokens::hash(secret))
        .await?
        .ok_or_else(not_found)?;
    let user = state.store.user_by_id(user).await?.ok_or_else(not_found)?;
    let firm_id = user.firm_id.map(|f| f.0).ok_or_else(not_found)?;
    let from = state
        .clock
        .today()
        .add_days(-7)
        .start_in_korea()
        .as_second();
    let rows = state.store.bookings_of_firm(&firm_id, from).await?;
    let mut events = Vec::new();
    for b in views(state, &rows).await? {
        if !HOLDING.contains(&b.state.as_str()) {
            continue;
        }
        let (Some(start), Some(end)) = (parse_time(&b.start), parse_time(&b.end)) else {
            continue;
        };
        events.push(Event {
            uid: format!("booking-{}@ucz", b.id),
            start,
            end,
            summary: b.resource_name.clone(),
            description: b.note.clone(),
            tentative: b.state == "requested" || b.state == "offered",
        });
    }
    Ok(ical::calendar(
        "예약 · Bookings",
        &events,
        state.clock.now(),
    ))
}

/// Takes the caller's firm off a waitlist it is still waiting on.
pub async fn leave_waitlist(state: &Services, caller: &Caller, id: i64) -> Result<(), Error> {
    let firm_id = firm_of(caller)?;
    if state
        .store
        .leave_waitlist(&caller.actor(), id, firm_id)
        .await?
    {
        Ok(())
    } else {
        Err(Error::not_found(Key::NounWaitlist, &id.to_string()))
    }
}

/// The flat fields a spreadsheet row may change of a resource (its rules stay as they are).
const FLAT: [&str; 11] = [
    "name",
    "kind",
    "facility_id",
    "hub_id",
    "approval",
    "training",
    "grace_minutes",
    "tenant_per_hour",
    "other_per_hour",
    "per_use",
    "tenant_free_hours_month",
];

/// A resource with a row's fields applied (an Excel bulk update): the resource must exist and
/// be the caller's to keep, before and after; every problem is reported by field. The setup, and
/// the zone or hub it is in.
pub async fn updated_setup(
    state: &Services,
    caller: &Caller,
    id: &str,
    row: &Value,
) -> Result<(Resource, Option<String>, Option<String>), Error> {
    caller.require_user()?;
    let existing = state.store.resource(id).await?.ok_or_else(|| {
        Error::field(
            "id",
            Message::new(Key::NotFound)
                .with("what", Key::NounResource)
                .arg("id", id),
        )
    })?;
    access::write_zone_part(caller, &owner_of(&existing))?;
    let mut body = existing.body.clone();
    for field in FLAT {
        let Some(value) = row.get(field) else {
            continue;
        };
        match field {
            "tenant_per_hour" | "other_per_hour" | "per_use" | "tenant_free_hours_month" => {
                body["price"][field] = value.clone();
            }
            "facility_id" if !value.is_null() => {
                body["facility_id"] = value.clone();
                body["hub_id"] = Value::Null;
            }
            "hub_id" if !value.is_null() => {
                body["hub_id"] = value.clone();
                body["facility_id"] = Value::Null;
            }
            _ => body[field] = value.clone(),
        }
    }
    if let Some(object) = body.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    let (setup, owner) = checked_setup(state, caller, body).await?;
    let hub = match &owner {
        Owner::Hub(h) => Some(h.clone()),
        Owner::Zone(_) => None,
    };
    Ok((setup, owner.zone().map(str::to_string), hub))
}

/// Writes resources checked by `updated_setup` in one transaction; how many.
pub async fn set_many(
    state: &Services,
    caller: &Caller,
    resources: &[(Option<String>, Option<String>, Resource)],
) -> Result<usize, Error> {
    let rows: Vec<(String, Option<String>, Option<String>, Value)> = resources
        .iter()
        .map(|(zone, hub, setup)| {
            Ok((
                setup.id.clone(),
                zone.clone(),
                hub.clone(),
                serde_json::to_value(setup).map_err(Error::internal)?,
            ))
        })
        .collect::<Result<_, Error>>()?;
    Ok(state.store.set_resources(&caller.actor(), &rows).await?)
}
