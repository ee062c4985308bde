//! How a zone's space is used, for its operator: occupancy of its rooms by facility and month,
//! utilisation of its shared resources by hour of the week with no-show rates, and the leases
//! ending within 90, 60 and 30 days with their outlook (renewal or graduation). The firms of
//! those leases are reminded through their inbox (`lease_notices`, in the notice scan).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use ucz_core::booking::{Holidays, Resource, civil, from_seconds};
use ucz_core::date::Date;
use ucz_core::notice::NoticeBody;
use ucz_core::occupancy::{
    self, Booked, Ending, Heat, PlaceMonth, Running, Space, Span, space_occupancy,
};
use ucz_core::record::{FacilityBody, LeaseBody, LeaseStatus};
use ucz_store::Filter;

use crate::Services;
use crate::access;
use crate::caller::Caller;
use crate::error::Error;

/// Weeks of bookings before today the heat map reads, and after.
pub const WEEKS_BEFORE: i64 = 8;
pub const WEEKS_AFTER: i64 = 4;

/// A zone's occupancy and utilisation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Dashboard {
    pub zone: String,
    pub as_of: Date,
    /// The last twelve months, by facility.
    pub months: Vec<PlaceMonth>,
    /// Each shared resource over the window.
    pub resources: Vec<Heat>,
    pub window_from: Date,
    pub window_until: Date,
    /// Leases ending within 90 days, soonest first.
    pub ending: Vec<Ending>,
}

/// The running leases of a zone (or of a firm) with what their terms allow.
async fn running(state: &Services, leases: Vec<(i64, LeaseBody)>) -> Result<Vec<Running>, Error> {
    let mut out = Vec::new();
    for (id, lease) in leases {
        if lease.status != LeaseStatus::Active {
            continue;
        }
        let space = state
            .store
            .repo::<ucz_core::record::SpaceBody>()
            .get(&lease.space_id)
            .await?;
        let Some(space) = space else { continue };
        let terms = crate::leases::terms_of(state, &space.record).await?;
        out.push(Running {
            lease_id: id,
            firm_id: lease.firm_id.0.clone(),
            space: space.record.name.clone(),
            ends: lease.ends,
            renewals: lease.renewals,
            max_renewals: terms.map(|t| t.rule.max_renewals),
        });
    }
    Ok(out)
}

pub async fn dashboard(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
) -> Result<Dashboard, Error> {
    let zone = access::kept_zone(caller, zone)?;
    crate::bookings::sweep(state).await?;
    let today = state.clock.today();
    let this_month = Date::new(today.year(), today.month(), 1).unwrap_or(today);
    let months: Vec<Date> = (0..12).rev().map(|i| this_month.add_months(-i)).collect();
    let facilities: BTreeMap<i64, String> = state
        .store
        .repo::<FacilityBody>()
        .list(&Filter {
            equals: vec![("zone_id", zone.clone())],
            limit: 1000,
            offset: 0,
        })
        .await?
        .0
        .into_iter()
        .map(|f| (f.id.0, f.record.name))
        .collect();
    let spaces: Vec<Space> = state
        .store
        .zone_spaces(&zone)
        .await?
        .into_iter()
        .map(|s| Space {
            id: s.id.0,
            place: s
                .record
                .facility_id
                .and_then(|f| facilities.get(&f.0).cloned())
                .unwrap_or_default(),
        })
        .collect();
    let leases = state.store.zone_leases(&zone).await?;
    let spans: Vec<Span> = leases
        .iter()
        .map(|l| Span {
            space_id: l.record.space_id.0,
            starts: l.record.starts,
            ends: l.record.ends,
        })
        .collect();
    let holidays = Holidays::of(&state.catalog.holidays);
    let (from, until) = (
        today.add_days(-7 * WEEKS_BEFORE),
        today.add_days(7 * WEEKS_AFTER),
    );
    let mut heats = Vec::new();
    for r in state.store.resources_of(Some(&zone), None).await? {
        let Ok(resource) = serde_json::from_value::<Resource>(r.body.clone()) else {
            continue;
        };
        let rows = state
            .store
            .bookings_between(
                std::slice::from_ref(&r.id),
                from.start_in_korea().as_second(),
                until.start_in_korea().as_second(),
            )
            .await?;
        let booked: Vec<Booked> = rows
            .iter()
            .map(|b| Booked {
                start: from_seconds(b.starts_at),
                end: from_seconds(b.ends_at),
                state: b.state.clone(),
            })
            .collect();
        heats.push(occupancy::heat(
            &resource,
            &booked,
            from,
            until,
            &holidays,
            civil(state.clock.now()),
        ));
    }
    let ending = occupancy::ending(
        &running(
            state,
            leases.into_iter().map(|l| (l.id.0, l.record)).collect(),
        )
        .await?,
        today,
    );
    Ok(Dashboard {
        zone,
        as_of: today,
        months: space_occupancy(&spaces, &spans, &months),
        resources: heats,
        window_from: from,
        window_until: until,
        ending,
    })
}

/// A lease ending as a notice: the firm's own, or its zone operator's (`keeper`).
fn reminder(e: Ending, keeper: bool) -> NoticeBody {
    NoticeBody::LeaseEnding {
        lease: e.lease_id,
        firm: e.firm_id,
        space: e.space,
        last_day: e.last_day.to_string(),
        days: e.days_left,
        band: e.band,
        graduate: e.outlook == occupancy::Outlook::Graduate,
        keeper,
    }
}

/// The reminders of a firm's leases ending within 90, 60 and 30 days, one per band.
pub async fn lease_notices(
    state: &Services,
    firm_id: &str,
    today: Date,
) -> Result<Vec<NoticeBody>, Error> {
    let leases = state
        .store
        .repo::<LeaseBody>()
        .list(&Filter {
            equals: vec![("firm_id", firm_id.to_string())],
            limit: 100,
            offset: 0,
        })
        .await?
        .0;
    let running = running(
        state,
        leases.into_iter().map(|l| (l.id.0, l.record)).collect(),
    )
    .await?;
    Ok(occupancy::ending(&running, today)
        .into_iter()
        .map(|e| reminder(e, false))
        .collect())
}

/// Reminds each zone's operators of the zone's leases ending within 90, 60 and 30 days (one
/// notice per lease and band in each operator's inbox). The notices added.
pub async fn remind_keepers(state: &Services, today: Date) -> Result<u64, Error> {
    let mut by_zone: BTreeMap<String, Vec<NoticeBody>> = BTreeMap::new();
    let mut added = 0;
    for (user, zone) in state.store.zone_keepers().await? {
        if !by_zone.contains_key(&zone) {
            let leases = state.store.zone_leases(&zone).await?;
            let running = running(
                state,
                leases.into_iter().map(|l| (l.id.0, l.record)).collect(),
            )
            .await?;
            let notices = occupancy::ending(&running, today)
                .into_iter()
                .map(|e| reminder(e, true))
                .collect();
            by_zone.insert(zone.clone(), notices);
        }
        let rows = crate::notices::stored(&by_zone[&zone]);
        if !rows.is_empty() {
            added += state.store.add_notices(user, &rows).await?;
        }
    }
    Ok(added)
}
