//! `/api/v1/leases`: a firm in a space from one day to another. A lease keeps the rules of
//! `ucz_core::lease` (it ends after it starts, one lease per space and per firm at a time); a
//! lease that breaks one is refused with the conflict named. An incubation lease beyond its
//! facility's or hub's terms is written, and the answer carries `warnings` saying so. Its
//! `needs` say what the tenant will look for when it graduates; `left_to` records the region a
//! firm moved to when it left.
use serde::Serialize;
use serde_json::Value;
use ucz_core::Catalog;
use ucz_core::catalog::LeaseRule;
use ucz_core::firm::Firm;
use ucz_core::lease::{Lease, RuleOwner, Terms, problems, warnings};
use ucz_core::record::{Demo, FacilityBody, FacilityId, HubBody, LeaseBody, LeaseId, SpaceBody};
use ucz_store::{Filter, LeaseScope, Stored};

use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};
use crate::parts::space_zone;

use crate::access::Owner;
use crate::records::{Findings, ListParams, Page};
use crate::{Services, access};

/// A stored lease.
pub type LeaseRecord = Stored<LeaseBody>;

/// The catalog's default rule for incubation leases: the first facility type that has one.
fn default_rule(catalog: &Catalog) -> Option<LeaseRule> {
    catalog
        .facility_types
        .iter()
        .find_map(|t| t.lease_rule.clone())
}

/// The terms an incubation room's lease is held to: its facility type's rule (or the catalog's
/// default) with the facility's own terms, or the default with its hub's own terms. `None` for
/// a room that is not an incubator's.
pub fn terms(
    catalog: &Catalog,
    space: &SpaceBody,
    facility: Option<(&FacilityId, &FacilityBody)>,
    hub: Option<&HubBody>,
) -> Option<Terms> {
    if !catalog.is_incubation_kind(&space.kind) {
        return None;
    }
    if let Some((id, facility)) = facility {
        let default = catalog
            .facility_type(&facility.kind)
            .and_then(|t| t.lease_rule.clone())
            .or_else(|| default_rule(catalog))?;
        let owner = RuleOwner::Facility { id: id.0 };
        return Some(Terms::of(&default, facility.lease_rule.as_ref(), owner));
    }
    let default = default_rule(catalog)?;
    Some(match hub {
        Some(hub) => Terms::of(
            &default,
            hub.lease_rule.as_ref(),
            RuleOwner::Hub {
                id: hub.id.0.clone(),
            },
        ),
        None => Terms::of(&default, None, RuleOwner::Catalog),
    })
}

/// The terms of `space`'s leases, its facility or hub read from the store.
pub(crate) async fn terms_of(state: &Services, space: &SpaceBody) -> Result<Option<Terms>, Error> {
    if !state.catalog.is_incubation_kind(&space.kind) {
        return Ok(None);
    }
    let facility = match &space.facility_id {
        Some(id) => state.store.repo::<FacilityBody>().get(id).await?,
        None => None,
    };
    let hub = match &space.hub_id {
        Some(id) => state.store.repo::<Demo<HubBody>>().get(id).await?,
        None => None,
    };
    Ok(terms(
        &state.catalog,
        space,
        facility.as_ref().map(|f| (&f.id, &f.record)),
        hub.as_ref().map(|h| &h.record.record),
    ))
}

/// How a lease goes beyond its terms, each on the field it is about.
pub fn warnings_of(lease: &Lease, terms: Option<&Terms>) -> Vec<FieldError> {
    warnings(lease, terms)
        .iter()
        .map(|w| FieldError::new(w.field(), w.message()))
        .collect()
}

/// The leases that could clash with `lease`.
fn scope(lease: &Lease) -> LeaseScope {
    LeaseScope {
        space_id: lease.space,
        firm_id: lease.firm.clone(),
        starts: lease.starts.to_string(),
        ends: lease.ends.to_string(),
    }
}

/// A lease as the lease rules see it; `id` 0 for one not stored yet.
pub fn lease_of(id: i64, lease: &LeaseBody) -> Lease {
    Lease {
        id,
        space: lease.space_id.0,
        firm: lease.firm_id.0.clone(),
        starts: lease.starts,
        ends: lease.ends,
        renewals: lease.renewals,
    }
}

/// A stored lease as the lease rules see it.
pub fn stored_lease(stored: &LeaseRecord) -> Lease {
    lease_of(stored.id.0, &stored.record)
}

/// A lease as written, with how it goes beyond its space's terms (written all the same).
#[derive(Clone, Debug, Serialize)]
pub struct WrittenLease {
    #[serde(flatten)]
    pub lease: LeaseRecord,
    /// Empty when the lease keeps its terms; in JSON each message is its English text.
    pub warnings: Vec<FieldError>,
}

/// A lease body that passed the checks: the record to store, the owner of its space (for the
/// role rules), the lease (checked again against other leases when it is written) and how it
/// goes beyond its terms.
pub struct Checked {
    pub record: LeaseBody,
    pub owner: Owner,
    lease: Lease,
    pub warnings: Vec<FieldError>,
    /// Whether the caller may read the firm: if not, a clash with its other leases is told
    /// without naming them.
    firm_readable: bool,
}

/// The rule problems as the caller may read them.
impl Checked {
    /// Writes the lease (creates it, or updates lease `id`) if, under the store's write lock,
    /// no other lease of its space or firm has come in the way meanwhile.
    pub async fn write(
        &self,
        state: &Services,
        caller: &Caller,
        id: Option<&LeaseId>,
    ) -> Result<Option<WrittenLease>, Error> {
        let written = state
            .store
            .write_lease(
                &caller.actor(),
                id,
                &self.record,
                &scope(&self.lease),
                |rows| {
                    let mut others: Vec<Lease> = rows.iter().map(stored_lease).collect();
                    others.sort_by_key(|l| l.id);
                    others.dedup_by_key(|l| l.id);
                    let found = problems(&self.lease, &others);
                    let told = found
                        .iter()
                        .map(|p| p.told(&self.lease, self.firm_readable));
                    match Message::in_turn(told) {
                        None => Ok(()),
                        Some(found) => Err(found),
                    }
                },
            )
            .await?;
        Ok(written.map(|lease| WrittenLease {
            lease,
            warnings: self.warnings.clone(),
        }))
    }
}

/// Checks a lease body against the API's fields and the lease rules.
///
/// `caller`, when given, must be allowed to write in the lease's space; that is checked as soon
/// as the space is known, before anything about other leases is looked at (a refusal must not
/// reveal who holds a space).
pub async fn validate(
    state: &Services,
    caller: Option<&Caller>,
    body: &Value,
    id: i64,
) -> Result<Checked, Error> {
    // Firms do not write leases; others only in spaces they keep.
    if let Some(caller) = caller {
        if matches!(caller.require_user()?, Role::Firm { .. }) {
            return Err(Error::forbidden_because(Key::FirmsDoNotWriteLeases));
        }
    }
    let space = match body["space_id"].as_i64() {
        Some(space) => {
            state
                .store
                .repo::<SpaceBody>()
                .get(&ucz_core::record::SpaceId(space))
                .await?
        }
        None => None,
    };
    if let (Some(caller), Some(space)) = (caller, &space) {
        access::write_zone_part(caller, &space_zone(state, &space.record).await?)?;
    }
    let mut findings = Findings::default();
    findings.and(crate::records::known_fields::<LeaseBody>(body))?;
    let parsed = findings.parsed(LeaseBody::parse(body, &state.catalog, state.clock.today()));
    let firm = referenced(state, body, space.is_some(), &mut findings).await?;
    findings.done()?;
    let (Some(space), Some(parsed)) = (space, parsed) else {
        return Err(Error::invalid(vec![]));
    };
    let owner = space_zone(state, &space.record).await?;
    let lease = lease_of(id, &parsed);
    let terms = terms_of(state, &space.record).await?;
    // The other leases of the space and of the firm that overlap it.
    let others: Vec<Lease> = state
        .store
        .leases_in_the_way(&scope(&lease))
        .await?
        .iter()
        .map(stored_lease)
        .collect();
    let firm_zone = firm.as_ref().map_or("", |f| f.zone.as_str());
    let firm_id = parsed.firm_id.as_str();
    let firm_readable = caller.is_none_or(|c| access::read_firm(c, firm_id, firm_zone).is_ok());
    let found = problems(&lease, &others);
    if !found.is_empty() {
        return Err(refusal(&found, &lease, firm_readable));
    }
    Ok(Checked {
        record: parsed,
        owner,
        warnings: warnings_of(&lease, terms.as_ref()),
        lease,
        firm_readable,
    })
}

/// The records a lease body names, each checked to exist: the hubs or zones its tenant prefers,
/// its space (looked up by the caller, `space_found`) and its firm, which it returns.
async fn referenced(
    state: &Services,
    body: &Value,
    space_found: bool,
    findings: &mut Findings,
) -> Result<Option<Firm>, Error> {
    let preferred = body["needs"]["preferred_hubs"].as_array();
    let known = crate::parts::Known::default();
    for hub in preferred.into_iter().flatten().filter_map(Value::as_str) {
        if !crate::parts::hub_or_zone_exists(state, &known, hub).await? {
            findings.and(Err(Error::invalid(vec![FieldError {
                field: "needs.preferred_hubs".into(),
                message: Message::new(Key::NoHubOrZone).arg("id", hub),
            }])))?;
        }
    }
    if let Some(space_id) = body["space_id"].as_i64().filter(|_| !space_found) {
        findings.and(Err(Error::invalid(vec![FieldError {
            field: "space_id".into(),
            message: Message::new(Key::NoSpace).arg("id", space_id),
        }])))?;
    }
    let firm_id = body["firm_id"].as_str().unwrap_or_default();
    let firm = match firm_id {
        "" => None,
        id => state.store.repo::<Demo<Firm>>().find(id).await?,
    };
    if !firm_id.is_empty() && firm.is_none() {
        findings.and(Err(Error::invalid(vec![FieldError {
            field: "firm_id".into(),
            message: Message::new(Key::NoFirm).arg("id", firm_id),
        }])))?;
    }
    Ok(firm.map(|f| f.record.record))
}

/// The refusal of a lease that breaks the lease rules, as the caller may read it: another lease
/// in the way is a conflict; a lease that ends before it starts is invalid on its field.
fn refusal(found: &[ucz_core::lease::LeaseProblem], lease: &Lease, firm_readable: bool) -> Error {
    if found.iter().any(|p| p.is_conflict()) {
        let told = Message::in_turn(found.iter().map(|p| p.told(lease, firm_readable)));
        let detail = told.unwrap_or_else(|| Key::LeaseProblem.into());
        return Error::conflict(Message::new(Key::LeaseProblem).with("detail", detail));
    }
    Error::invalid(
        found
            .iter()
            .map(|p| FieldError {
                field: p.field().into(),
                message: Message::new(Key::LeaseProblem)
                    .with("detail", p.told(lease, firm_readable)),
            })
            .collect(),
    )
}

/// May the caller read a lease?
async fn readable(state: &Services, caller: &Caller, lease: &LeaseBody) -> Result<bool, Error> {
    Ok(match caller.require_user()? {
        Role::Admin | Role::Coordinator => true,
        Role::Firm { firm } => lease.firm_id.as_str() == firm.as_str(),
        Role::Founder | Role::Evaluator | Role::Resident => false,
        Role::Operator { zone } => {
            let space = state.store.repo::<SpaceBody>().get(&lease.space_id).await?;
            match space {
                Some(space) => {
                    space_zone(state, &space.record).await?.zone() == Some(zone.as_str())
                }
                None => false,
            }
        }
    })
}

pub async fn list(
    state: &Services,
    caller: &Caller,
    params: &ListParams,
) -> Result<Page<LeaseRecord>, Error> {
    caller.require_user()?;
    let (limit, offset) = params.page(&state.catalog)?;
    let mut equals = Vec::new();
    if let Some(space) = &params.space_id {
        equals.push(("space_id", space.clone()));
    }
    if let Some(firm) = &params.firm_id {
        equals.push(("firm_id", firm.clone()));
    }
    // What `readable` allows, in SQL: a firm its own leases, an operator those of its zone.
    let zone = match caller.role() {
        Some(Role::Firm { firm }) => {
            equals.push(("firm_id", firm.clone()));
            None
        }
        Some(Role::Operator { zone }) => Some(zone.as_str()),
        _ => None,
    };
    let filter = Filter {
        equals,
        limit,
        offset,
    };
    let (items, total) = state.store.list_leases(&filter, zone).await?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub async fn read(state: &Services, caller: &Caller, id: &str) -> Result<LeaseRecord, Error> {
    caller.require_user()?;
    let record = crate::parts::existing::<LeaseBody>(state, id).await?;
    if !readable(state, caller, &record.record).await? {
        return Err(Error::forbidden());
    }
    Ok(record)
}

/// Creates a lease for a caller allowed to write in its space.
pub async fn create_lease(
    state: &Services,
    caller: &Caller,
    body: &Value,
) -> Result<WrittenLease, Error> {
    caller.require_user()?;
    let checked = validate(state, Some(caller), body, 0).await?;
    access::write_zone_part(caller, &checked.owner)?;
    checked
        .write(state, caller, None)
        .await?
        .ok_or_else(|| Error::internal("a created lease was not returned"))
}

pub async fn create(
    state: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<WrittenLease, Error> {
    create_lease(state, caller, &payload).await
}

/// Those who keep the space of a stored lease may change it.
async fn keeps_space(state: &Services, caller: &Caller, lease: &LeaseBody) -> Result<(), Error> {
    if let Some(space) = state.store.repo::<SpaceBody>().get(&lease.space_id).await? {
        access::write_zone_part(caller, &space_zone(state, &space.record).await?)?;
    }
    Ok(())
}

pub async fn update(
    state: &Services,
    caller: &Caller,
    id: &str,
    payload: Value,
) -> Result<WrittenLease, Error> {
    caller.require_user()?;
    let before = crate::parts::existing::<LeaseBody>(state, id).await?;
    keeps_space(state, caller, &before.record).await?;
    let checked = validate(state, Some(caller), &payload, before.id.0).await?;
    access::write_zone_part(caller, &checked.owner)?;
    checked
        .write(state, caller, Some(&before.id))
        .await?
        .ok_or_else(|| Error::not_found(Key::NounLease, id))
}

pub async fn delete(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    caller.require_user()?;
    let before = crate::parts::existing::<LeaseBody>(state, id).await?;
    keeps_space(state, caller, &before.record).await?;
    state
        .store
        .repo::<LeaseBody>()
        .delete(&caller.actor(), &before.id)
        .await?;
    Ok(())
}

/// Ends a lease: on its recorded last day or an earlier `ends` (the first day after it), and
/// where the firm went when it left the region (`left_to`, a region id), or nowhere.
pub async fn end(
    state: &Services,
    caller: &Caller,
    id: &str,
    ends: Option<&str>,
    left_to: Option<&str>,
) -> Result<WrittenLease, Error> {
    let mut changed = crate::records::shown(&read(state, caller, id).await?.record);
    changed["status"] = Value::from("ended");
    if let Some(ends) = ends {
        changed["ends"] = Value::from(ends);
    }
    changed["left_to"] = left_to.map_or(Value::Null, Value::from);
    update(state, caller, id, changed).await
}
