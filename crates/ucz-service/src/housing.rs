//! Worker housing: units and tenancies, special supply rounds, applications, the verifiable
//! draw and the offers after it (docs/housing-draw.md).
//!
//! | | applicant (resident, or a founder's firm account) | employer firm | operator (the zone's) | anyone |
//! |---|---|---|---|---|
//! | units, tenancies; open, freeze, draw a round; verify; offers | | | yes | |
//! | invite employees | | yes | | |
//! | apply, upload, submit, withdraw; answer an offer | its own | | | |
//! | confirm employment | | its employees' | | |
//! | a round's setup and published result | yes | yes | yes | yes |
//! | an application's personal data (declaration, documents) | its own | | yes | |
//!
//! Employers see only the employment they confirm (name, months employed). Personal data is
//! erased `retention_days` after the draw by the notice scan; the audit keeps hashes.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ucz_core::date::Date;
use ucz_core::housing::round::{self, HOUSEHOLD};
use ucz_core::housing::{
    Applicant, Assessment, Checked, Declaration, Entry, Evidence, Published, Setup, Status, Term,
    Unit, Verdict, draw,
};
use ucz_core::lang::Lang;
use ucz_store::{
    DocumentRow, HousingApplicationRow as AppRow, NewDocument, NewTenancy, OfferRow, RoundRow,
    TenancyRow,
};

use crate::Services;
use crate::access;
use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};

/// Largest document kept.
pub const MAX_DOCUMENT: usize = 5 * 1024 * 1024;
/// Days an employee's invitation link works.
const INVITE_DAYS: i64 = 7;

/// A unit with what is let of it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UnitView {
    #[serde(flatten)]
    pub unit: Unit,
    pub zone_id: String,
    /// Its signed tenancies, by start.
    pub tenancies: Vec<TenancyRow>,
}

/// What the round froze: the list's hash and the random value it will use.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Frozen {
    pub algorithm: String,
    pub list: Vec<Entry>,
    pub list_hash: String,
    /// Where the random value comes from (a named lottery draw, a beacon's value).
    pub random_source: String,
    /// When that value exists (Korean time); the draw is refused before.
    pub random_at: String,
    /// Points by applicant number (published only for tiers of at least five).
    pub scores: BTreeMap<String, i64>,
    /// The employers as they were when frozen: the draw makes the list again from these, so a
    /// firm moving or graduating afterwards does not change it.
    #[serde(default)]
    pub firms: BTreeMap<String, Employer>,
}

/// What the rules read of an employer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Employer {
    /// A tenant firm of the round's zone.
    pub tenant: bool,
    /// Its founding day (a founder's months employed count from it).
    pub founded: Option<Date>,
}

/// A round as anyone sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct RoundView {
    pub id: i64,
    pub zone_id: String,
    pub code: String,
    /// `open`, `frozen` or `drawn`.
    pub state: String,
    /// Whether applications are taken now.
    pub taking: bool,
    /// Whether its application period is over.
    pub closed: bool,
    pub setup: Setup,
    /// The frozen list's hash and the random value's source and time (once frozen).
    pub list_hash: Option<String>,
    pub random_source: Option<String>,
    pub random_at: Option<String>,
    pub applicants: usize,
    pub drawn_at: Option<String>,
    pub erased_at: Option<String>,
}

/// A check of an application as people read it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CheckView {
    /// A criterion's id, `household` or `unit_type`.
    pub id: String,
    pub label: String,
    pub status: Status,
    pub reason: String,
    pub reason_ko: String,
}

/// An application as its applicant and the round's operator see it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub round_id: i64,
    pub round_code: String,
    pub number: Option<String>,
    /// draft, submitted, withdrawn.
    pub state: String,
    pub employer: String,
    pub founder: bool,
    /// None once erased.
    pub declaration: Option<Declaration>,
    pub documents: Vec<DocumentRow>,
    pub employer_verdict: Option<Verdict>,
    pub checks: Vec<CheckView>,
    pub eligible: bool,
    pub tier: Option<String>,
    pub score: i64,
    /// Other applications of the round sharing a person with this household.
    pub shared_with: Vec<String>,
    /// The draw's outcome for it: `housed`, `reserve`, `not_housed` (after the draw).
    pub outcome: Option<String>,
    pub rank: Option<u32>,
    pub offers: Vec<OfferRow>,
    pub submitted_at: Option<String>,
}

/// An employee's application as its employer sees it: the employment alone (not its number,
/// which the published result would link to the household).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct EmploymentView {
    pub id: i64,
    pub round_code: String,
    pub name: String,
    pub months_employed: i64,
    pub verdict: Option<Verdict>,
    /// Whether the round still takes a confirmation.
    pub open: bool,
}

/// One line of the published result.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ResultLine {
    pub number: String,
    pub tier: String,
    pub unit_type: String,
    /// `housed` or `reserve`.
    pub outcome: String,
    pub rank: u32,
    /// Points, shown only for tiers of at least five applicants.
    pub score: Option<i64>,
}

/// A round's published result: pseudonymised lines, and what verification needs.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ResultView {
    pub round: RoundView,
    pub lines: Vec<ResultLine>,
    pub vacant: BTreeMap<String, u32>,
    pub published: Published,
}

/// Body of an invitation of an employee.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub email: String,
    pub name: String,
}

/// Body of an application.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// The employer that invited the applicant (when more than one did); a founder's firm
    /// account applies for its own firm.
    #[serde(default)]
    pub firm: Option<String>,
    pub declaration: Declaration,
}

/// Body of freezing a round.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeBody {
    /// Where the public random value will come from, named so anyone can look it up.
    pub random_source: String,
    /// When it exists, Korean time (`2026-06-20T20:45`); it must be later than now.
    pub random_at: String,
}

/// Body of a draw.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawBody {
    /// The public random value exactly as published by its source.
    pub random: String,
}

/// Body of a verdict.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictBody {
    /// A criterion's id or `household` (operators only; employers confirm employment).
    #[serde(default)]
    pub criterion: Option<String>,
    pub ok: bool,
    #[serde(default)]
    pub note: String,
}

/// Body of a tenancy signed by hand.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenancyBody {
    pub unit_id: String,
    pub holder: String,
    pub starts_on: Date,
    pub ends_on: Date,
    #[serde(default)]
    pub rent: Option<i64>,
    #[serde(default)]
    pub deposit: Option<i64>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{what}: {e}"))
}

fn setup_of(row: &RoundRow) -> Result<Checked, Error> {
    let setup: Setup =
        serde_json::from_value(row.setup.clone()).map_err(|e| corrupt("round setup", e))?;
    setup
        .check()
        .map_err(|p| corrupt("round setup", format!("{} problems", p.len())))
}

fn frozen_of(row: &RoundRow) -> Result<Option<Frozen>, Error> {
    row.frozen
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| corrupt("frozen list", e))
}

fn published_of(row: &RoundRow) -> Result<Option<Published>, Error> {
    row.published
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| corrupt("published draw", e))
}

fn korea(seconds: i64) -> String {
    ucz_core::booking::show(ucz_core::booking::from_seconds(seconds))
}

async fn round_row(state: &Services, id: i64) -> Result<RoundRow, Error> {
    state
        .store
        .housing_round(id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounHousingRound, &id.to_string()))
}

fn round_view(row: &RoundRow, applicants: usize, now: i64) -> Result<RoundView, Error> {
    let checked = setup_of(row)?;
    let frozen = frozen_of(row)?;
    Ok(RoundView {
        id: row.id,
        zone_id: row.zone_id.clone(),
        code: row.code.clone(),
        state: row.state.clone(),
        taking: row.state == "open" && checked.is_open(now),
        closed: now >= checked.closes_at,
        setup: checked.setup,
        list_hash: frozen.as_ref().map(|f| f.list_hash.clone()),
        random_source: frozen.as_ref().map(|f| f.random_source.clone()),
        random_at: frozen.map(|f| f.random_at),
        applicants,
        drawn_at: row.drawn_at.clone(),
        erased_at: row.erased_at.clone(),
    })
}

/// What of a round's applications its list is made from, hashed: an application added, moved,
/// edited or verified changes it.
fn fingerprint(apps: &[AppRow]) -> String {
    let parts: Vec<serde_json::Value> = apps
        .iter()
        .map(|a| {
            serde_json::json!([
                a.id,
                a.state,
                a.number,
                a.firm_id,
                a.founder,
                a.declaration_hash,
                a.employer_verdict,
                a.verdicts,
                a.erased_at
            ])
        })
        .collect();
    draw::sha256_hex(serde_json::Value::Array(parts).to_string().as_bytes())
}

fn now(state: &Services) -> i64 {
    state.clock.now().as_second()
}

/// The zone an operator keeps; refuses anyone else.
fn operator_of(caller: &Caller, zone: &str) -> Result<(), Error> {
    access::kept_zone(caller, Some(zone)).map(|_| ())
}

// ---- Units and tenancies ----

/// Creates or replaces a unit of the caller's zone (an operator's own, or the one named).
pub async fn put_unit(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    unit: Unit,
) -> Result<UnitView, Error> {
    let zone = access::kept_zone(caller, zone)?;
    let problems = unit.problems();
    if !problems.is_empty() {
        return Err(Error::invalid(
            problems
                .into_iter()
                .map(|p| FieldError::new(p.field, p.message))
                .collect(),
        ));
    }
    let body = serde_json::to_value(&unit).map_err(|e| corrupt("unit", e))?;
    state
        .store
        .put_housing_unit(&caller.actor(), &unit.id, &zone, &body)
        .await?;
    units(state, caller, Some(&zone))
        .await?
        .into_iter()
        .find(|u| u.unit.id == unit.id)
        .ok_or_else(|| Error::internal("the unit written is not listed"))
}

/// A zone's units with their tenancies (its operator).
pub async fn units(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
) -> Result<Vec<UnitView>, Error> {
    let zone = access::kept_zone(caller, zone)?;
    units_of(state, &zone).await
}

async fn units_of(state: &Services, zone: &str) -> Result<Vec<UnitView>, Error> {
    let tenancies = state.store.tenancies(zone).await?;
    state
        .store
        .housing_units(zone)
        .await?
        .into_iter()
        .map(|row| {
            let unit: Unit = serde_json::from_value(row.body).map_err(|e| corrupt("unit", e))?;
            Ok(UnitView {
                tenancies: tenancies
                    .iter()
                    .filter(|t| t.unit_id == unit.id && t.state == "signed")
                    .cloned()
                    .collect(),
                unit,
                zone_id: row.zone_id,
            })
        })
        .collect()
}

/// Units of a zone held by an open or accepted offer of any of its rounds: an accepted offer's
/// tenancy is signed with it, an open one keeps the unit for its answer.
async fn offered_units(
    state: &Services,
    zone: &str,
    except: Option<i64>,
) -> Result<BTreeSet<String>, Error> {
    let mut out = BTreeSet::new();
    for row in state.store.housing_rounds(Some(zone)).await? {
        if row.state != "drawn" || Some(row.id) == except {
            continue;
        }
        for o in state.store.housing_offers(row.id).await? {
            if o.state == "offered" {
                out.insert(o.unit_id);
            }
        }
    }
    Ok(out)
}

fn is_free(unit: &UnitView, term: &Term) -> bool {
    unit.unit.available_from <= term.starts_on
        && unit.tenancies.iter().all(|t| {
            match (t.starts_on.parse::<Date>(), t.ends_on.parse::<Date>()) {
                (Ok(starts_on), Ok(ends_on)) => !Term { starts_on, ends_on }.overlaps(term),
                _ => false,
            }
        })
}

/// Signs a tenancy by hand (a household housed before ucz, a renewal's successor).
pub async fn sign_tenancy(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    body: TenancyBody,
) -> Result<TenancyRow, Error> {
    let zone = access::kept_zone(caller, zone)?;
    let unit = units_of(state, &zone)
        .await?
        .into_iter()
        .find(|u| u.unit.id == body.unit_id)
        .ok_or_else(|| {
            Error::field(
                "unit_id",
                Message::new(Key::UnknownValue).arg("value", &body.unit_id),
            )
        })?;
    let mut problems = Vec::new();
    if body.ends_on < body.starts_on {
        problems.push(FieldError::new("ends_on", Key::BookingUntilBeforeFrom));
    }
    if body.starts_on < unit.unit.available_from {
        problems.push(FieldError::new(
            "starts_on",
            Message::new(Key::HousingTenancyOverlap)
                .arg("unit", &unit.unit.id)
                .arg("from", "…")
                .arg("to", unit.unit.available_from.add_days(-1)),
        ));
    }
    let holder = body.holder.trim();
    if holder.is_empty() || holder.chars().count() > 80 {
        problems.push(FieldError::new("holder", Key::NameForm));
    }
    for (field, v) in [("rent", body.rent), ("deposit", body.deposit)] {
        if let Some(v) = v.filter(|v| !(0..=10_000_000_000).contains(v)) {
            problems.push(FieldError::new(
                field,
                Message::new(Key::OutOfRange)
                    .arg("value", v)
                    .arg("min", 0)
                    .arg("max", 10_000_000_000_i64),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    // A unit held by an offer waits for its answer.
    if offered_units(state, &zone, None)
        .await?
        .contains(&unit.unit.id)
    {
        return Err(Error::conflict(
            Message::new(Key::HousingOfferClosed).arg("state", "offered"),
        ));
    }
    Ok(state
        .store
        .sign_tenancy(
            &caller.actor(),
            &NewTenancy {
                unit_id: unit.unit.id.clone(),
                zone_id: zone,
                application_id: None,
                holder: holder.to_string(),
                term: Term {
                    starts_on: body.starts_on,
                    ends_on: body.ends_on,
                },
                rent: body.rent.unwrap_or(unit.unit.rent),
                deposit: body.deposit.unwrap_or(unit.unit.deposit),
            },
        )
        .await?)
}

/// Renews a tenancy of the operator's zone to a new last day.
pub async fn renew_tenancy(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    id: i64,
    ends_on: Date,
) -> Result<TenancyRow, Error> {
    let zone = access::kept_zone(caller, zone)?;
    let known = state.store.tenancies(&zone).await?;
    let Some(current) = known.iter().find(|t| t.id == id) else {
        return Err(Error::not_found(Key::NounTenancy, &id.to_string()));
    };
    if ends_on.to_string() <= current.ends_on {
        return Err(Error::field("ends_on", Key::BookingUntilBeforeFrom));
    }
    state
        .store
        .renew_tenancy(&caller.actor(), id, ends_on)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounTenancy, &id.to_string()))
}

// ---- Employees ----

fn firm_of(caller: &Caller) -> Result<&str, Error> {
    match caller.require_user()? {
        Role::Firm { firm } => Ok(firm),
        _ => Err(Error::forbidden()),
    }
}

/// A firm invites an employee to apply: makes the resident account and mails a link to set
/// its password.
pub async fn invite(
    state: &Services,
    caller: &Caller,
    body: InviteBody,
) -> Result<Vec<(i64, String, String)>, Error> {
    let firm = firm_of(caller)?.to_string();
    let email = ucz_core::credentials::email(&body.email).map_err(|m| Error::field("email", m))?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::field("name", Key::NameForm));
    }
    let invited = state
        .store
        .add_housing_employee(&caller.actor(), &firm, &email, name)
        .await?
        .ok_or_else(|| {
            Error::field(
                "email",
                Message::new(Key::HousingAddressOtherAccount).arg("value", &email),
            )
        })?;
    let user = invited.user;
    let firm_name = crate::awards::firm_record(state, &firm).await?.name;
    // An account without a password yet gets a new link each time (an invitation again after
    // the first link expired); one that has a password is told which firm added it.
    if !invited.password_set {
        let secret = crate::tokens::secret()?;
        state
            .store
            .add_link(
                user,
                ucz_store::LinkPurpose::Reset,
                &crate::tokens::hash(&secret),
                &state.clock.stamp_in(INVITE_DAYS * 86_400),
            )
            .await?;
        let mail = ucz_core::notice::housing_invite(
            &email,
            &crate::accounts::link(state, "/password/reset", &secret),
            &firm_name,
            INVITE_DAYS,
        );
        crate::accounts::send(state, Some(user), mail, "invite").await?;
    } else if invited.linked {
        let mail = ucz_core::notice::housing_added(
            &email,
            &format!("{}/housing", state.mail.site),
            &firm_name,
        );
        crate::accounts::send(state, Some(user), mail, "invite").await?;
    }
    employees(state, caller).await
}

/// A firm's invited employees: (account, address, name).
pub async fn employees(
    state: &Services,
    caller: &Caller,
) -> Result<Vec<(i64, String, String)>, Error> {
    let firm = firm_of(caller)?;
    Ok(state.store.housing_employees(firm).await?)
}

/// The firms an applicant may apply for: a resident's inviting employers, a founder's own firm.
pub async fn my_employers(state: &Services, caller: &Caller) -> Result<Vec<String>, Error> {
    match caller.require_user()? {
        Role::Firm { firm } => Ok(vec![firm.clone()]),
        Role::Resident => Ok(state.store.housing_employers(caller.user()?.id.0).await?),
        _ => Ok(Vec::new()),
    }
}

// ---- Rounds ----

fn setup_errors(problems: Vec<ucz_core::record::FieldProblem>) -> Error {
    Error::invalid(
        problems
            .into_iter()
            .map(|p| FieldError::new(p.field, p.message))
            .collect(),
    )
}

/// Opens a round in the operator's zone: the setup checked by field, and each unit type
/// offered no more than the units free for the whole first term.
pub async fn open_round(
    state: &Services,
    caller: &Caller,
    zone: Option<&str>,
    setup: Setup,
) -> Result<RoundView, Error> {
    let zone = access::kept_zone(caller, zone)?;
    let checked = setup.check().map_err(setup_errors)?;
    if checked.closes_at <= now(state) {
        return Err(Error::field(
            "closes_at",
            Message::new(Key::HousingClosesPast).arg("now", korea(now(state))),
        ));
    }
    if state
        .store
        .housing_rounds(None)
        .await?
        .iter()
        .any(|r| r.code == checked.setup.code)
    {
        return Err(Error::field(
            "code",
            Message::new(Key::HousingCodeTaken).arg("value", &checked.setup.code),
        ));
    }
    let term = Term::of_months(checked.setup.moves_in, checked.setup.term_months);
    let units = units_of(state, &zone).await?;
    let held = offered_units(state, &zone, None).await?;
    // Rounds not drawn yet have promised their units.
    let mut promised: BTreeMap<String, usize> = BTreeMap::new();
    for other in state.store.housing_rounds(Some(&zone)).await? {
        if other.state != "drawn" && other.erased_at.is_none() {
            let theirs = setup_of(&other)?;
            let their_term = Term::of_months(theirs.setup.moves_in, theirs.setup.term_months);
            if their_term.overlaps(&term) {
                for (t, n) in &theirs.setup.units {
                    *promised.entry(t.clone()).or_default() += *n as usize;
                }
            }
        }
    }
    let mut short = Vec::new();
    for (unit_type, offered) in &checked.setup.units {
        let free = units
            .iter()
            .filter(|u| &u.unit.unit_type == unit_type && is_free(u, &term))
            .filter(|u| !held.contains(&u.unit.id))
            .count()
            .saturating_sub(promised.get(unit_type).copied().unwrap_or(0));
        if free < *offered as usize {
            short.push(FieldError::new(
                format!("units.{unit_type}"),
                Message::new(Key::HousingUnitsShort)
                    .arg("unit_type", unit_type)
                    .arg("offered", offered)
                    .arg("free", free),
            ));
        }
    }
    if !short.is_empty() {
        return Err(Error::invalid(short));
    }
    let body = serde_json::to_value(&checked.setup).map_err(|e| corrupt("setup", e))?;
    let row = state
        .store
        .create_housing_round(&caller.actor(), &zone, &checked.setup.code, &body)
        .await?;
    round_view(&row, 0, now(state))
}

/// Rounds, newest first: a zone's or all. Public.
pub async fn rounds(state: &Services, zone: Option<&str>) -> Result<Vec<RoundView>, Error> {
    let mut out = Vec::new();
    for row in state.store.housing_rounds(zone).await? {
        let count = applicants(state, &row).await?;
        out.push(round_view(&row, count, now(state))?);
    }
    Ok(out)
}

async fn applicants(state: &Services, row: &RoundRow) -> Result<usize, Error> {
    Ok(match frozen_of(row)? {
        Some(f) => f.list.len(),
        None => state
            .store
            .housing_applications(row.id)
            .await?
            .iter()
            .filter(|a| a.state == "submitted")
            .count(),
    })
}

/// A round. Public.
pub async fn round(state: &Services, id: i64) -> Result<RoundView, Error> {
    let row = round_row(state, id).await?;
    let count = applicants(state, &row).await?;
    round_view(&row, count, now(state))
}

// ---- Applications ----

struct Context {
    checked: Checked,
    apps: Vec<AppRow>,
    documents: Vec<DocumentRow>,
    /// The employers by firm id.
    firms: BTreeMap<String, Employer>,
    on: Date,
}

impl Context {
    /// The round's context for every application, or (`only`) for one: the others are read for
    /// the household check alone, their documents and employers are not.
    async fn load(
        state: &Services,
        row: &RoundRow,
        apps: Vec<AppRow>,
        only: Option<i64>,
    ) -> Result<Context, Error> {
        let checked = setup_of(row)?;
        let assessed = |a: &AppRow| only.is_none_or(|id| a.id == id);
        let ids: Vec<i64> = apps.iter().filter(|a| assessed(a)).map(|a| a.id).collect();
        let documents = state.store.housing_documents(&ids).await?;
        // Once frozen, the employers are those the list was made with.
        let mut firms = frozen_of(row)?.map(|f| f.firms).unwrap_or_default();
        if row.frozen.is_none() {
            for a in apps.iter().filter(|a| assessed(a)) {
                if !firms.contains_key(&a.firm_id) {
                    let employer = match crate::awards::firm_record(state, &a.firm_id).await {
                        Ok(firm) => Employer {
                            tenant: firm.zone == row.zone_id,
                            founded: firm.founded,
                        },
                        Err(_) => Employer::default(),
                    };
                    firms.insert(a.firm_id.clone(), employer);
                }
            }
        }
        let on = Date::in_korea(
            jiff::Timestamp::from_second(checked.closes_at).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        );
        Ok(Context {
            checked,
            apps,
            documents,
            firms,
            on,
        })
    }

    fn declaration(app: &AppRow) -> Option<Declaration> {
        if app.erased_at.is_some() {
            return None;
        }
        serde_json::from_value(app.declaration.clone()).ok()
    }

    /// The numbers of other submitted applications sharing a person with submitted `app`'s
    /// household (one rejected by the operator on its household does not count).
    fn shared_with(&self, app: &AppRow) -> Vec<String> {
        let Some(mine) = Self::declaration(app).filter(|_| app.state == "submitted") else {
            return Vec::new();
        };
        let people: BTreeSet<String> = mine.people().into_iter().collect();
        self.apps
            .iter()
            .filter(|o| o.id != app.id && o.state == "submitted")
            .filter(|o| {
                !o.verdicts
                    .get(HOUSEHOLD)
                    .is_some_and(|v| v.get("ok") == Some(&serde_json::Value::Bool(false)))
            })
            .filter_map(|o| {
                let theirs = Self::declaration(o)?;
                theirs
                    .people()
                    .iter()
                    .any(|p| people.contains(p))
                    .then(|| o.number.clone().unwrap_or_else(|| format!("#{}", o.id)))
            })
            .collect()
    }

    /// The application assessed with the other applications sharing a person with it. Only
    /// the operator is shown who (`reveal`): to the applicant the household waits for the
    /// operator, so that declaring someone else's name and birth date tells nothing.
    fn assess(&self, app: &AppRow, reveal: bool) -> Option<(Assessment, Vec<String>)> {
        let mut declared = Self::declaration(app)?;
        let employer = self.firms.get(&app.firm_id).cloned().unwrap_or_default();
        // A founder has worked for its firm since the firm's founding, whatever it declares.
        if app.founder {
            declared.months_employed = employer
                .founded
                .map_or(0, |f| i64::from(f.whole_months_until(self.on).max(0)));
        }
        let applicant = Applicant {
            declared,
            employer: app.firm_id.clone(),
            employer_tenant: employer.tenant,
            founder: app.founder,
            on: self.on,
        };
        let verdicts: BTreeMap<String, Verdict> =
            serde_json::from_value(app.verdicts.clone()).unwrap_or_default();
        // A founder's employment is its own firm's record.
        let employer = if app.founder {
            Some(Verdict {
                ok: true,
                note: String::new(),
            })
        } else {
            app.employer_verdict
                .clone()
                .and_then(|v| serde_json::from_value(v).ok())
        };
        let shared = self.shared_with(app);
        let hidden = !reveal && !shared.is_empty();
        let shared = if reveal { shared } else { Vec::new() };
        let evidence = Evidence {
            documents: self
                .documents
                .iter()
                .filter(|d| d.application_id == app.id)
                .map(|d| d.kind.clone())
                .collect(),
            employer,
            verdicts,
            shared_with: shared.clone(),
        };
        let mut assessment = self.checked.assess(&applicant, &evidence);
        if hidden {
            for c in &mut assessment.checks {
                if c.id == HOUSEHOLD {
                    c.status = Status::Unverified;
                    c.reason = Message::new(Key::HousingAwaitHousehold);
                }
            }
            assessment.eligible = false;
        }
        Some((assessment, shared))
    }

    /// The frozen list from the submitted applications as they are now, with the scores.
    fn list(&self) -> (Vec<Entry>, BTreeMap<String, i64>) {
        let assessed: Vec<(String, String, Assessment)> = self
            .apps
            .iter()
            .filter(|a| a.state == "submitted")
            .filter_map(|a| {
                let number = a.number.clone()?;
                let unit_type = Self::declaration(a)?.unit_type;
                let (assessment, _) = self.assess(a, true)?;
                Some((number, unit_type, assessment))
            })
            .collect();
        let rows: Vec<(String, String, &Assessment)> = assessed
            .iter()
            .map(|(n, t, a)| (n.clone(), t.clone(), a))
            .collect();
        let list = self.checked.list(&rows);
        let scores = list
            .iter()
            .filter_map(|e| {
                assessed
                    .iter()
                    .find(|(n, _, _)| *n == e.number)
                    .map(|(n, _, a)| (n.clone(), a.score))
            })
            .collect();
        (list, scores)
    }

    fn label(&self, id: &str) -> String {
        match id {
            HOUSEHOLD => "세대 구성 / household".into(),
            round::UNIT_TYPE => "주택형 / unit type".into(),
            round::TIER => "공급 순위 / tier".into(),
            _ => self
                .checked
                .setup
                .criteria
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.label.clone())
                .unwrap_or_else(|| id.to_string()),
        }
    }

    fn view(
        &self,
        row: &RoundRow,
        app: &AppRow,
        published: Option<&Published>,
        offers: &[OfferRow],
        operator: bool,
    ) -> ApplicationView {
        let assessed = self.assess(app, operator);
        let placed = published.and_then(|p| {
            let number = app.number.as_deref()?;
            if let Some(h) = p.outcome.housed.iter().find(|h| h.number == number) {
                return Some(("housed", h.rank));
            }
            p.outcome
                .reserve
                .values()
                .flat_map(|r| r.iter().enumerate())
                .find(|(_, h)| h.number == number)
                .map(|(i, _)| ("reserve", i as u32 + 1))
                .or(Some(("not_housed", 0)))
        });
        let (checks, eligible, tier, score, shared_with) = match assessed {
            Some((a, shared)) => (
                a.checks
                    .iter()
                    .map(|c| CheckView {
                        id: c.id.clone(),
                        label: self.label(&c.id),
                        status: c.status,
                        reason: c.reason.render(Lang::En),
                        reason_ko: c.reason.render(Lang::Ko),
                    })
                    .collect(),
                a.eligible,
                a.tier,
                a.score,
                shared,
            ),
            None => (Vec::new(), false, None, 0, Vec::new()),
        };
        ApplicationView {
            id: app.id,
            round_id: row.id,
            round_code: row.code.clone(),
            number: app.number.clone(),
            state: app.state.clone(),
            employer: app.firm_id.clone(),
            founder: app.founder,
            declaration: Self::declaration(app),
            documents: self
                .documents
                .iter()
                .filter(|d| d.application_id == app.id)
                .cloned()
                .collect(),
            employer_verdict: app
                .employer_verdict
                .clone()
                .and_then(|v| serde_json::from_value(v).ok()),
            checks,
            eligible,
            tier,
            score,
            shared_with,
            outcome: placed.map(|(o, _)| o.to_string()),
            rank: placed.map(|(_, r)| r).filter(|r| *r > 0),
            offers: offers
                .iter()
                .filter(|o| o.application_id == app.id)
                .cloned()
                .collect(),
            submitted_at: app.submitted_at.clone(),
        }
    }
}

fn declaration_problems(d: &Declaration, checked: &Checked, today: Date) -> Vec<FieldError> {
    let mut out = Vec::new();
    let today_ok = |date: Date| date.year() >= 1900 && date <= today;
    if d.name.trim().is_empty() || d.name.chars().count() > 80 {
        out.push(FieldError::new("declaration.name", Key::NameForm));
    }
    if !today_ok(d.birth_date) {
        out.push(FieldError::new(
            "declaration.birth_date",
            Message::new(Key::NotADate).arg("value", d.birth_date),
        ));
    }
    for (field, v) in [
        ("months_employed", d.months_employed),
        ("homes_owned", d.homes_owned),
        ("household_income", d.household_income),
    ] {
        if v < 0 {
            out.push(FieldError::new(
                format!("declaration.{field}"),
                Message::new(Key::NotPositive).arg("value", v),
            ));
        } else if v > 10_000_000_000 {
            out.push(FieldError::new(
                format!("declaration.{field}"),
                Key::ImplausiblyLarge,
            ));
        }
    }
    if d.members.len() > 12 {
        out.push(FieldError::new(
            "declaration.members",
            Message::new(Key::OutOfRange)
                .arg("value", d.members.len())
                .arg("min", 0)
                .arg("max", 12),
        ));
    }
    for (i, m) in d.members.iter().enumerate() {
        if m.relation.chars().count() > 20 {
            out.push(FieldError::new(
                format!("declaration.members[{i}].relation"),
                Message::new(Key::OutOfRange)
                    .arg("value", m.relation.chars().count())
                    .arg("min", 0)
                    .arg("max", 20),
            ));
        }
        if m.name.trim().is_empty() || m.name.chars().count() > 80 {
            out.push(FieldError::new(
                format!("declaration.members[{i}].name"),
                Key::NameForm,
            ));
        }
        if !today_ok(m.birth_date) {
            out.push(FieldError::new(
                format!("declaration.members[{i}].birth_date"),
                Message::new(Key::NotADate).arg("value", m.birth_date),
            ));
        }
    }
    if !checked.setup.units.contains_key(&d.unit_type) {
        out.push(FieldError::new(
            "declaration.unit_type",
            Message::new(Key::HousingUnknownUnitType).arg("value", &d.unit_type),
        ));
    }
    out
}

/// Refuses a change to an application unless its round takes applications now.
fn taking(checked: &Checked, row: &RoundRow, now: i64) -> Result<(), Message> {
    if row.state != "open" || !checked.is_open(now) {
        return Err(Message::new(Key::HousingNotOpen)
            .arg("opens", korea(checked.opens_at))
            .arg("closes", korea(checked.closes_at)));
    }
    Ok(())
}

fn conflict(e: ucz_store::StoreError) -> Error {
    match e {
        ucz_store::StoreError::Rejected(m) => Error::conflict(m),
        other => other.into(),
    }
}

/// Applies to a round (or edits the draft or submitted application while the round takes
/// applications): a resident for the employer that invited it, a founder's firm account for
/// its own firm. One application per applicant and round.
pub async fn apply(
    state: &Services,
    caller: &Caller,
    round_id: i64,
    body: ApplyBody,
) -> Result<ApplicationView, Error> {
    let user = caller.user()?.id.0;
    let (firm, founder) = match caller.require_user()? {
        Role::Firm { firm } => (firm.clone(), true),
        Role::Resident => {
            let employers = state.store.housing_employers(user).await?;
            match body.firm {
                Some(f) if employers.contains(&f) => (f, false),
                Some(f) => {
                    return Err(Error::field(
                        "firm",
                        Message::new(Key::HousingNotEmployee).arg("firm", f),
                    ));
                }
                None => match employers.as_slice() {
                    [only] => (only.clone(), false),
                    _ => return Err(Error::field("firm", Key::AwardRequired)),
                },
            }
        }
        _ => return Err(Error::forbidden()),
    };
    let row = round_row(state, round_id).await?;
    let checked = setup_of(&row)?;
    let problems = declaration_problems(&body.declaration, &checked, state.clock.today());
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let declaration =
        serde_json::to_value(&body.declaration).map_err(|e| corrupt("declaration", e))?;
    let at = now(state);
    let app = state
        .store
        .save_housing_application(
            &caller.actor(),
            round_id,
            user,
            &firm,
            founder,
            &declaration,
            |r| taking(&checked, r, at),
        )
        .await
        .map_err(conflict)?;
    application_view(state, &row, app.id).await
}

async fn own_application(state: &Services, caller: &Caller, id: i64) -> Result<AppRow, Error> {
    let user = caller.user()?.id.0;
    match state.store.housing_application(id).await? {
        Some(a) if a.user_id == user => Ok(a),
        _ => Err(Error::not_found(
            Key::NounHousingApplication,
            &id.to_string(),
        )),
    }
}

/// Submits (`true`) or withdraws an own application while the round takes applications. The
/// first submission gives it the round's next number.
pub async fn submit(
    state: &Services,
    caller: &Caller,
    id: i64,
    submit: bool,
) -> Result<ApplicationView, Error> {
    let app = own_application(state, caller, id).await?;
    let row = round_row(state, app.round_id).await?;
    let checked = setup_of(&row)?;
    let at = now(state);
    // The household is checked against the register extract: no submission without it.
    if submit {
        let documents = state.store.housing_documents(&[id]).await?;
        if !documents.iter().any(|d| d.kind == round::RESIDENT_REGISTER) {
            return Err(Error::field(
                "documents",
                Message::new(Key::HousingMissingDocument).arg("kind", round::RESIDENT_REGISTER),
            ));
        }
    }
    state
        .store
        .set_housing_application_state(
            &caller.actor(),
            id,
            if submit { "submitted" } else { "withdrawn" },
            |r, _| taking(&checked, r, at),
        )
        .await
        .map_err(conflict)?;
    application_view(state, &row, id).await
}

/// A document's type by its bytes, or why it is refused: too large, or not a PDF, PNG or JPEG
/// (named by its kind, `file_<kind>` as the form names it). Pages check files with it before
/// saving anything.
pub fn document_type(kind: &str, name: &str, content: &[u8]) -> Result<&'static str, Error> {
    let field = format!("file_{kind}");
    if content.len() > MAX_DOCUMENT {
        return Err(Error::field(
            field,
            Message::new(Key::HousingDocumentTooLarge)
                .arg("name", name)
                .arg("mb", MAX_DOCUMENT >> 20),
        ));
    }
    sniffed(content).ok_or_else(|| {
        Error::field(
            field,
            Message::new(Key::HousingDocumentType).arg("value", name),
        )
    })
}

fn sniffed(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Uploads a document of an own application: a kind the round asks for, a PDF, PNG or JPEG
/// (by its bytes, not its name), at most 5 MB, while the round takes applications.
pub async fn upload(
    state: &Services,
    caller: &Caller,
    id: i64,
    kind: &str,
    name: &str,
    content: &[u8],
) -> Result<DocumentRow, Error> {
    let app = own_application(state, caller, id).await?;
    let row = round_row(state, app.round_id).await?;
    let checked = setup_of(&row)?;
    let kinds = checked.document_kinds();
    if !kinds.contains(kind) {
        return Err(Error::field(
            "kind",
            Message::new(Key::HousingUnknownDocument)
                .arg("value", kind)
                .arg("kinds", kinds.into_iter().collect::<Vec<_>>().join(", ")),
        ));
    }
    let content_type = document_type(kind, name, content)?;
    if let Some(scan) = &state.file_scan {
        scan.check(name, content_type, content).map_err(|reason| {
            Error::field(
                "file",
                Message::new(Key::AwardFileRefused).arg("reason", reason),
            )
        })?;
    }
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(120)
        .collect();
    let at = now(state);
    // The checks this document proves are verified again.
    let clears: Vec<String> = checked
        .setup
        .criteria
        .iter()
        .filter(|c| c.documents.iter().any(|d| d == kind))
        .map(|c| c.id.clone())
        .chain((kind == round::RESIDENT_REGISTER).then(|| HOUSEHOLD.to_string()))
        .collect();
    state
        .store
        .add_housing_document(
            &caller.actor(),
            id,
            NewDocument {
                kind,
                file_name: if name.is_empty() { "document" } else { &name },
                content_type,
                bytes: content,
            },
            &clears,
            |r, _| taking(&checked, r, at),
        )
        .await
        .map_err(conflict)
}

/// A document's bytes: for its applicant and the round's operator.
pub async fn document(
    state: &Services,
    caller: &Caller,
    id: i64,
) -> Result<(DocumentRow, Vec<u8>), Error> {
    let not_found = || Error::not_found(Key::NounHousingDocument, &id.to_string());
    let (doc, bytes) = state
        .store
        .housing_document(id)
        .await?
        .ok_or_else(not_found)?;
    let app = state
        .store
        .housing_application(doc.application_id)
        .await?
        .ok_or_else(not_found)?;
    let user = caller.user()?.id.0;
    if app.user_id != user {
        let row = round_row(state, app.round_id).await?;
        operator_of(caller, &row.zone_id).map_err(|_| not_found())?;
    }
    if app.erased_at.is_some() {
        return Err(not_found());
    }
    Ok((doc, bytes))
}

async fn application_view(
    state: &Services,
    row: &RoundRow,
    id: i64,
) -> Result<ApplicationView, Error> {
    let apps = state.store.housing_applications(row.id).await?;
    let ctx = Context::load(state, row, apps, Some(id)).await?;
    let published = published_of(row)?;
    let offers = state.store.housing_offers(row.id).await?;
    let app = ctx
        .apps
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| Error::not_found(Key::NounHousingApplication, &id.to_string()))?;
    Ok(ctx.view(row, app, published.as_ref(), &offers, false))
}

/// The caller's own applications, newest first.
pub async fn mine(state: &Services, caller: &Caller) -> Result<Vec<ApplicationView>, Error> {
    let user = caller.user()?.id.0;
    let mut out = Vec::new();
    for app in state.store.housing_applications_of(user).await? {
        let row = round_row(state, app.round_id).await?;
        out.push(application_view(state, &row, app.id).await?);
    }
    Ok(out)
}

/// A round's applications with their checks (its operator).
pub async fn applications(
    state: &Services,
    caller: &Caller,
    round_id: i64,
) -> Result<Vec<ApplicationView>, Error> {
    let row = round_row(state, round_id).await?;
    operator_of(caller, &row.zone_id)?;
    let apps = state.store.housing_applications(round_id).await?;
    let ctx = Context::load(state, &row, apps, None).await?;
    let published = published_of(&row)?;
    let offers = state.store.housing_offers(round_id).await?;
    Ok(ctx
        .apps
        .iter()
        .filter(|a| a.state != "draft")
        .map(|a| ctx.view(&row, a, published.as_ref(), &offers, true))
        .collect())
}

/// The applications naming the caller firm as employer: the employment alone.
pub async fn employment(state: &Services, caller: &Caller) -> Result<Vec<EmploymentView>, Error> {
    let firm = firm_of(caller)?;
    let mut out = Vec::new();
    for app in state.store.housing_applications_for_firm(firm).await? {
        if app.state != "submitted" {
            continue;
        }
        let row = round_row(state, app.round_id).await?;
        let declared = Context::declaration(&app);
        out.push(EmploymentView {
            id: app.id,
            round_code: row.code.clone(),
            name: declared
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            months_employed: declared.map(|d| d.months_employed).unwrap_or_default(),
            verdict: app
                .employer_verdict
                .clone()
                .and_then(|v| serde_json::from_value(v).ok()),
            open: row.state == "open",
        });
    }
    Ok(out)
}

/// Refuses a verdict unless the round is still open (verification runs until it is frozen).
fn not_frozen(row: &RoundRow, app: &AppRow) -> Result<(), Message> {
    if row.state != "open" {
        return Err(Message::new(Key::HousingRoundState).arg("state", &row.state));
    }
    if app.state != "submitted" {
        return Err(Message::new(Key::HousingRoundState).arg("state", &app.state));
    }
    Ok(())
}

/// The employer confirms (or not) an employee's employment; the operator gives its verdict on
/// a criterion or the household. Until the round is frozen.
pub async fn verdict(
    state: &Services,
    caller: &Caller,
    id: i64,
    body: VerdictBody,
) -> Result<Option<ApplicationView>, Error> {
    let not_found = || Error::not_found(Key::NounHousingApplication, &id.to_string());
    let app = state
        .store
        .housing_application(id)
        .await?
        .ok_or_else(not_found)?;
    let row = round_row(state, app.round_id).await?;
    if body.note.chars().count() > 500 {
        return Err(Error::field(
            "note",
            Message::new(Key::OutOfRange)
                .arg("value", body.note.chars().count())
                .arg("min", 0)
                .arg("max", 500),
        ));
    }
    let verdict = serde_json::json!({"ok": body.ok, "note": body.note.trim()});
    if !body.ok && body.note.trim().is_empty() {
        return Err(Error::field("note", Key::AwardRequired));
    }
    let criterion = match caller.require_user()? {
        Role::Firm { firm } if *firm == app.firm_id && !app.founder => {
            if body.criterion.is_some() {
                return Err(Error::forbidden());
            }
            None
        }
        Role::Firm { .. } => return Err(not_found()),
        _ => {
            operator_of(caller, &row.zone_id).map_err(|_| not_found())?;
            let checked = setup_of(&row)?;
            let c = body
                .criterion
                .ok_or_else(|| Error::field("criterion", Key::AwardRequired))?;
            if c != HOUSEHOLD && !checked.setup.criteria.iter().any(|k| k.id == c) {
                return Err(Error::field(
                    "criterion",
                    Message::new(Key::UnknownValue).arg("value", &c),
                ));
            }
            Some(c)
        }
    };
    let is_employer = criterion.is_none();
    state
        .store
        .set_housing_verdict(
            &caller.actor(),
            id,
            criterion.as_deref(),
            &verdict,
            not_frozen,
        )
        .await
        .map_err(conflict)?;
    if is_employer {
        return Ok(None);
    }
    application_view(state, &row, id).await.map(Some)
}

// ---- Freeze, draw, result ----

/// Freezes the verified list once applications have closed and publishes its hash and the
/// public random value the draw will use (its source and a time later than now).
pub async fn freeze(
    state: &Services,
    caller: &Caller,
    round_id: i64,
    body: FreezeBody,
) -> Result<RoundView, Error> {
    let row = round_row(state, round_id).await?;
    operator_of(caller, &row.zone_id)?;
    let checked = setup_of(&row)?;
    let at = now(state);
    if at < checked.closes_at {
        return Err(Error::conflict(
            Message::new(Key::HousingNotClosed).arg("closes", korea(checked.closes_at)),
        ));
    }
    let source = body.random_source.trim();
    if source.is_empty() || source.chars().count() > 300 {
        return Err(Error::field("random_source", Key::AwardRequired));
    }
    let random_at = ucz_core::booking::parse_time(&body.random_at)
        .map(ucz_core::booking::seconds)
        .ok_or_else(|| {
            Error::field(
                "random_at",
                Message::new(Key::BookingUnknownTime).arg("value", &body.random_at),
            )
        })?;
    if random_at <= at {
        return Err(Error::field(
            "random_at",
            Message::new(Key::HousingRandomFuture).arg("now", korea(at)),
        ));
    }
    let apps = state.store.housing_applications(round_id).await?;
    let ctx = Context::load(state, &row, apps, None).await?;
    let (list, scores) = ctx.list();
    let frozen = Frozen {
        algorithm: draw::ALGORITHM.into(),
        list_hash: draw::list_hash(&list),
        list,
        random_source: source.to_string(),
        random_at: korea(random_at),
        scores,
        firms: ctx.firms.clone(),
    };
    let value = serde_json::to_value(&frozen).map_err(|e| corrupt("frozen", e))?;
    let read = fingerprint(&ctx.apps);
    let row = state
        .store
        .freeze_housing_round(&caller.actor(), round_id, |current, now_apps| {
            // The list is made from what was read above; refuse if an application moved since.
            if fingerprint(now_apps) != read {
                return Err(Key::ChangedMeanwhile.into());
            }
            if current.state != "open" {
                return Err(Message::new(Key::HousingRoundState).arg("state", &current.state));
            }
            Ok(value)
        })
        .await
        .map_err(conflict)?;
    let count = frozen.list.len();
    round_view(&row, count, at)
}

/// Draws a frozen round with the public random value, once its time has come: the list is made
/// again from the applications and must hash as published; the result is published.
pub async fn draw(
    state: &Services,
    caller: &Caller,
    round_id: i64,
    body: DrawBody,
) -> Result<ResultView, Error> {
    let row = round_row(state, round_id).await?;
    operator_of(caller, &row.zone_id)?;
    let checked = setup_of(&row)?;
    let frozen = frozen_of(&row)?.ok_or_else(|| {
        Error::conflict(Message::new(Key::HousingRoundState).arg("state", &row.state))
    })?;
    let random = body.random.trim();
    if random.is_empty() || random.chars().count() > 500 {
        return Err(Error::field("random", Key::HousingRandomRequired));
    }
    let at = now(state);
    let random_at = ucz_core::booking::parse_time(&frozen.random_at)
        .map(ucz_core::booking::seconds)
        .unwrap_or(i64::MAX);
    if at < random_at {
        return Err(Error::conflict(
            Message::new(Key::HousingTooEarly).arg("at", &frozen.random_at),
        ));
    }
    let apps = state.store.housing_applications(round_id).await?;
    let ctx = Context::load(state, &row, apps, None).await?;
    let (list, _) = ctx.list();
    let now_hash = draw::list_hash(&list);
    if now_hash != frozen.list_hash || draw::list_hash(&frozen.list) != frozen.list_hash {
        return Err(Error::conflict(
            Message::new(Key::HousingListChanged)
                .arg("frozen", &frozen.list_hash)
                .arg("now", &now_hash),
        ));
    }
    let inputs = checked.inputs(random, frozen.list.clone());
    let outcome = draw::draw(&inputs).map_err(|e| Error::internal(e.to_string()))?;
    let published = Published {
        round: row.code.clone(),
        inputs,
        outcome,
    };
    let value = serde_json::to_value(&published).map_err(|e| corrupt("published", e))?;
    // The list was made again from the applications read above; the draw is written only if
    // none of them moved since.
    let read = fingerprint(&ctx.apps);
    state
        .store
        .draw_housing_round(&caller.actor(), round_id, |_, now_apps| {
            if fingerprint(now_apps) != read {
                return Err(Key::ChangedMeanwhile.into());
            }
            Ok(value)
        })
        .await
        .map_err(conflict)?;
    let result = result(state, round_id).await?;
    // The housed are offered their units at once.
    advance(state, &caller.actor(), round_id).await?;
    Ok(result)
}

/// A round's published result. Public.
pub async fn result(state: &Services, round_id: i64) -> Result<ResultView, Error> {
    let row = round_row(state, round_id).await?;
    let published =
        published_of(&row)?.ok_or_else(|| Error::not_found(Key::NounHousingResult, &row.code))?;
    let scores = frozen_of(&row)?.map(|f| f.scores).unwrap_or_default();
    let mut tier_sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &published.inputs.list {
        *tier_sizes.entry(&e.tier).or_default() += 1;
    }
    let score = |number: &str, tier: &str| {
        (tier_sizes.get(tier).copied().unwrap_or(0) >= 5)
            .then(|| scores.get(number).copied())
            .flatten()
    };
    let mut lines: Vec<ResultLine> = published
        .outcome
        .housed
        .iter()
        .map(|p| ResultLine {
            number: p.number.clone(),
            tier: p.tier.clone(),
            unit_type: p.unit_type.clone(),
            outcome: "housed".into(),
            rank: p.rank,
            score: score(&p.number, &p.tier),
        })
        .collect();
    for list in published.outcome.reserve.values() {
        lines.extend(list.iter().map(|p| ResultLine {
            number: p.number.clone(),
            tier: p.tier.clone(),
            unit_type: p.unit_type.clone(),
            outcome: "reserve".into(),
            rank: p.rank,
            score: score(&p.number, &p.tier),
        }));
    }
    let count = published.inputs.list.len();
    Ok(ResultView {
        round: round_view(&row, count, now(state))?,
        lines,
        vacant: published.outcome.vacant.clone(),
        published,
    })
}

// ---- Offers ----

/// Lapses the round's offers past their deadline and offers each unit type's units still to
/// give to the next applicants: the housed first, then the reserve list in order. A unit type
/// gives at most as many units as the draw housed of it. Returns the offers made.
pub async fn advance(state: &Services, actor: &str, round_id: i64) -> Result<Vec<OfferRow>, Error> {
    let row = round_row(state, round_id).await?;
    let Some(published) = published_of(&row)? else {
        return Ok(Vec::new());
    };
    let checked = setup_of(&row)?;
    let at = now(state);
    for o in state.store.housing_offers(round_id).await? {
        if o.state == "offered" && o.deadline <= at {
            state
                .store
                .decide_housing_offer(actor, o.id, "lapsed", None, |_| Ok(()))
                .await
                .map_err(conflict)?;
        }
    }
    let term = Term::of_months(checked.setup.moves_in, checked.setup.term_months);
    let units = units_of(state, &row.zone_id).await?;
    // Units another round has offered are not this round's to offer.
    let elsewhere = offered_units(state, &row.zone_id, Some(round_id)).await?;
    let apps = state.store.housing_applications(round_id).await?;
    let deadline = at + i64::from(checked.setup.offer_days) * 86_400;
    let made = state
        .store
        .make_housing_offers(actor, round_id, deadline, |existing| {
            let active = |o: &&OfferRow| o.state == "offered" || o.state == "accepted";
            let offered: BTreeSet<String> = existing.iter().map(|o| o.number.clone()).collect();
            let busy: BTreeSet<&str> = existing
                .iter()
                .filter(active)
                .map(|o| o.unit_id.as_str())
                .collect();
            let mut plan = Vec::new();
            for unit_type in checked.setup.units.keys() {
                let capacity = published
                    .outcome
                    .housed
                    .iter()
                    .filter(|p| &p.unit_type == unit_type)
                    .count();
                let numbers_of_type: BTreeSet<&str> = published
                    .inputs
                    .list
                    .iter()
                    .filter(|e| &e.unit_type == unit_type)
                    .map(|e| e.number.as_str())
                    .collect();
                let mut taken = existing
                    .iter()
                    .filter(active)
                    .filter(|o| numbers_of_type.contains(o.number.as_str()))
                    .count();
                let mut free = units
                    .iter()
                    .filter(|u| &u.unit.unit_type == unit_type)
                    .filter(|u| !busy.contains(u.unit.id.as_str()) && is_free(u, &term))
                    .filter(|u| !elsewhere.contains(&u.unit.id));
                let candidates = published
                    .outcome
                    .housed
                    .iter()
                    .filter(|p| &p.unit_type == unit_type)
                    .chain(
                        published
                            .outcome
                            .reserve
                            .get(unit_type)
                            .into_iter()
                            .flatten(),
                    )
                    .filter(|p| !offered.contains(&p.number));
                for p in candidates {
                    if taken >= capacity {
                        break;
                    }
                    let Some(app) = apps.iter().find(|a| a.number.as_deref() == Some(&p.number))
                    else {
                        continue;
                    };
                    let Some(unit) = free.next() else { break };
                    plan.push((app.id, p.number.clone(), unit.unit.id.clone()));
                    taken += 1;
                }
            }
            plan
        })
        .await
        .map_err(conflict)?;
    Ok(made)
}

/// A round's offers (its operator), after lapsing those past their deadline and offering on.
pub async fn offers(
    state: &Services,
    caller: &Caller,
    round_id: i64,
) -> Result<Vec<OfferRow>, Error> {
    let row = round_row(state, round_id).await?;
    operator_of(caller, &row.zone_id)?;
    advance(state, &caller.actor(), round_id).await?;
    Ok(state.store.housing_offers(round_id).await?)
}

/// The applicant accepts (the tenancy is signed for the round's term at the unit's rent) or
/// refuses an offer before its deadline; a refusal offers the unit to the next on the reserve
/// list.
pub async fn answer(
    state: &Services,
    caller: &Caller,
    offer_id: i64,
    accept: bool,
) -> Result<(OfferRow, Option<TenancyRow>), Error> {
    let user = caller.user()?.id.0;
    let not_found = || Error::not_found(Key::NounHousingOffer, &offer_id.to_string());
    let mine = state.store.housing_applications_of(user).await?;
    let mut found = None;
    for app in &mine {
        if let Some(o) = state
            .store
            .housing_offers(app.round_id)
            .await?
            .into_iter()
            .find(|o| o.id == offer_id && o.application_id == app.id)
        {
            found = Some((app.clone(), o));
        }
    }
    let (app, offer) = found.ok_or_else(not_found)?;
    let row = round_row(state, app.round_id).await?;
    let checked = setup_of(&row)?;
    let at = now(state);
    let tenancy = if accept {
        let unit = units_of(state, &row.zone_id)
            .await?
            .into_iter()
            .find(|u| u.unit.id == offer.unit_id)
            .ok_or_else(not_found)?;
        // After the retention period the declaration is gone: there is nobody to sign for.
        let holder = Context::declaration(&app).map(|d| d.name).ok_or_else(|| {
            Error::conflict(Message::new(Key::HousingOfferClosed).arg("state", "erased"))
        })?;
        Some(NewTenancy {
            unit_id: unit.unit.id.clone(),
            zone_id: row.zone_id.clone(),
            application_id: Some(app.id),
            holder,
            term: Term::of_months(checked.setup.moves_in, checked.setup.term_months),
            rent: unit.unit.rent,
            deposit: unit.unit.deposit,
        })
    } else {
        None
    };
    let (decided, signed) = state
        .store
        .decide_housing_offer(
            &caller.actor(),
            offer_id,
            if accept { "accepted" } else { "refused" },
            tenancy.as_ref(),
            |o| {
                if o.state == "offered" && o.deadline <= at {
                    return Err(Message::new(Key::HousingOfferClosed).arg("state", "lapsed"));
                }
                Ok(())
            },
        )
        .await
        .map_err(conflict)?;
    if !accept {
        advance(state, &caller.actor(), row.id).await?;
    }
    Ok((decided, signed))
}

/// What the notice scan does for housing: lapses offers past their deadline (offering on) and
/// erases the personal data of rounds whose retention period has passed — counted from the draw,
/// or for a round never drawn from its closing. A round that fails is logged and the others go
/// on. Returns the rounds erased.
pub async fn sweep(state: &Services) -> Result<u64, Error> {
    let at = now(state);
    let mut erased = 0;
    for row in state.store.housing_rounds(None).await? {
        match sweep_round(state, &row, at).await {
            Ok(true) => erased += 1,
            Ok(false) => {}
            Err(error) => tracing::warn!(round = row.id, %error, "housing round not swept"),
        }
    }
    Ok(erased)
}

async fn sweep_round(state: &Services, row: &RoundRow, at: i64) -> Result<bool, Error> {
    if row.state == "drawn" {
        advance(state, "ucz", row.id).await?;
    }
    let checked = setup_of(row)?;
    let from = match &row.drawn_at {
        Some(t) => t
            .parse::<jiff::Timestamp>()
            .map_or(i64::MAX, |t| t.as_second()),
        None => checked.closes_at,
    };
    let due = from.saturating_add(i64::from(checked.setup.retention_days) * 86_400);
    if row.erased_at.is_some() || due > at {
        return Ok(false);
    }
    state.store.erase_housing_round("ucz", row.id).await?;
    Ok(true)
}

/// A round's draw as published, for `ucz housing verify`. Public once drawn.
pub async fn published(state: &Services, round_id: i64) -> Result<Published, Error> {
    let row = round_row(state, round_id).await?;
    published_of(&row)?.ok_or_else(|| Error::not_found(Key::NounHousingResult, &row.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_bytes() {
        assert_eq!(sniffed(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniffed(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniffed(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniffed(b"MZ\x90\x00 an executable renamed .pdf"), None);
    }
}
