//! The records of a zone's evaluation that coordinators and the zone's operator enter: the basic
//! plan's checklist, targets, milestones, investment records and the procedure's dates. Each is
//! checked by field before anything is stored and kept in versions (`Store::put_evaluation_record`),
//! so the evaluation of a past moment reads what was valid then. The procedure's steps at risk of
//! their deadline or overdue become alerts on the overview and notices to coordinators and the
//! zone's operators. Anyone reads them: plans, targets and the procedure are public matters, and
//! an investment record's evidence is a public document.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use ucz_core::account::Role;
use ucz_core::date::Date;
use ucz_core::evaluation::plan::{
    BasicPlan, ChecklistLine, Investment, ItemStatus, Milestone, MilestoneState, Target, checklist,
};
use ucz_core::evaluation::procedure::{self, Dates, StepState};
use ucz_core::notice::NoticeBody;
use ucz_core::record::FieldProblem;

use super::known_zone;
use crate::Services;
use crate::caller::Caller;
use crate::error::{Error, FieldError, Key};

pub const PLAN: &str = "plan";
pub const TARGET: &str = "target";
pub const MILESTONE: &str = "milestone";
pub const INVESTMENT: &str = "investment";
pub const PROCEDURE: &str = "procedure";

/// Who writes a zone's evaluation records: admins, coordinators and the zone's operator.
fn may_write(caller: &Caller, zone: &str) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => Ok(()),
        Role::Operator { zone: own } if own == zone => Ok(()),
        _ => Err(Error::forbidden()),
    }
}

/// The day an evaluation is read as of: the day of `as_of` in Korea, else today. Milestones'
/// states and the procedure's deadlines are counted from it, so a past evaluation stays as it
/// was.
fn day_of(state: &Services, as_of: Option<&str>) -> Date {
    as_of
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or_else(|| state.clock.today(), Date::in_korea)
}

fn invalid(problems: Vec<FieldProblem>) -> Error {
    Error::invalid(
        problems
            .into_iter()
            .map(|p| FieldError::new(p.field, p.message))
            .collect(),
    )
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("stored {what}: {e}"))
}

/// The current (or `as_of`) records of a kind in a zone, read back as `T`.
async fn read<T: DeserializeOwned>(
    state: &Services,
    zone: &str,
    kind: &str,
    as_of: Option<&str>,
) -> Result<Vec<(T, String)>, Error> {
    state
        .store
        .evaluation_records(Some(zone), kind, as_of)
        .await?
        .into_iter()
        .map(|row| {
            serde_json::from_value::<T>(row.body)
                .map(|t| (t, row.valid_from))
                .map_err(|e| corrupt(kind, e))
        })
        .collect()
}

/// Writes a record of a zone once the caller may and the record has no problem (else every
/// problem by field, and nothing stored).
async fn write<T: Serialize>(
    state: &Services,
    caller: &Caller,
    zone: &str,
    (kind, key): (&str, &str),
    record: &T,
    problems: Vec<FieldProblem>,
) -> Result<(), Error> {
    may_write(caller, zone)?;
    known_zone(state, zone).await?;
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let body = serde_json::to_value(record).map_err(|e| corrupt(kind, e))?;
    state
        .store
        .put_evaluation_record(&caller.actor(), zone, kind, key, &body)
        .await?;
    Ok(())
}

async fn remove(
    state: &Services,
    caller: &Caller,
    zone: &str,
    kind: &str,
    key: &str,
    what: Key,
) -> Result<(), Error> {
    may_write(caller, zone)?;
    if state
        .store
        .delete_evaluation_record(&caller.actor(), zone, kind, key)
        .await?
    {
        Ok(())
    } else {
        Err(Error::not_found(what, key))
    }
}

// ---- The basic plan ----

/// A zone's basic plan with the act's checklist.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PlanView {
    pub zone: String,
    /// None until one is entered: every item is then missing.
    pub plan: Option<BasicPlan>,
    pub checklist: Vec<ChecklistLine>,
    pub present: usize,
    pub partial: usize,
    pub missing: usize,
    /// When the version shown was written.
    pub recorded_at: Option<String>,
}

pub async fn plan(state: &Services, zone: &str, as_of: Option<&str>) -> Result<PlanView, Error> {
    known_zone(state, zone).await?;
    let found = read::<BasicPlan>(state, zone, PLAN, as_of).await?.pop();
    let list = checklist(found.as_ref().map(|(p, _)| p), &state.catalog);
    let count = |s: ItemStatus| list.iter().filter(|l| l.status == s).count();
    Ok(PlanView {
        zone: zone.to_string(),
        present: count(ItemStatus::Present),
        partial: count(ItemStatus::Partial),
        missing: count(ItemStatus::Missing),
        checklist: list,
        recorded_at: found.as_ref().map(|(_, at)| at.clone()),
        plan: found.map(|(p, _)| p),
    })
}

pub async fn put_plan(
    state: &Services,
    caller: &Caller,
    zone: &str,
    plan: BasicPlan,
) -> Result<PlanView, Error> {
    let problems = plan.problems(&state.catalog, state.clock.today());
    write(state, caller, zone, (PLAN, PLAN), &plan, problems).await?;
    self::plan(state, zone, None).await
}

// ---- Targets ----

pub async fn targets(
    state: &Services,
    zone: &str,
    as_of: Option<&str>,
) -> Result<Vec<Target>, Error> {
    known_zone(state, zone).await?;
    Ok(read::<Target>(state, zone, TARGET, as_of)
        .await?
        .into_iter()
        .map(|(t, _)| t)
        .collect())
}

/// Sets the target of an indicator and year (replacing the one before).
pub async fn put_target(
    state: &Services,
    caller: &Caller,
    zone: &str,
    target: Target,
) -> Result<Target, Error> {
    let problems = target.problems(&state.catalog);
    write(
        state,
        caller,
        zone,
        (TARGET, &target.key()),
        &target,
        problems,
    )
    .await?;
    Ok(target)
}

pub async fn delete_target(
    state: &Services,
    caller: &Caller,
    zone: &str,
    indicator: &str,
    year: i32,
) -> Result<(), Error> {
    let key = format!("{indicator}/{year}");
    remove(state, caller, zone, TARGET, &key, Key::NounTarget).await
}

// ---- Milestones ----

/// A milestone with where it stands today.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct MilestoneView {
    #[serde(flatten)]
    pub milestone: Milestone,
    pub state: MilestoneState,
}

pub async fn milestones(
    state: &Services,
    zone: &str,
    as_of: Option<&str>,
) -> Result<Vec<MilestoneView>, Error> {
    known_zone(state, zone).await?;
    let today = day_of(state, as_of);
    let mut out: Vec<MilestoneView> = read::<Milestone>(state, zone, MILESTONE, as_of)
        .await?
        .into_iter()
        .map(|(m, _)| MilestoneView {
            state: m.state(today),
            milestone: m,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.milestone.planned_start, &a.milestone.id)
            .cmp(&(b.milestone.planned_start, &b.milestone.id))
    });
    Ok(out)
}

/// Creates or replaces a milestone (by its id).
pub async fn put_milestone(
    state: &Services,
    caller: &Caller,
    zone: &str,
    milestone: Milestone,
) -> Result<MilestoneView, Error> {
    let problems = milestone.problems(state.clock.today());
    write(
        state,
        caller,
        zone,
        (MILESTONE, &milestone.id),
        &milestone,
        problems,
    )
    .await?;
    Ok(MilestoneView {
        state: milestone.state(state.clock.today()),
        milestone,
    })
}

pub async fn delete_milestone(
    state: &Services,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<(), Error> {
    remove(state, caller, zone, MILESTONE, id, Key::NounMilestone).await
}

// ---- Investment records ----

pub async fn investments(
    state: &Services,
    zone: &str,
    as_of: Option<&str>,
) -> Result<Vec<Investment>, Error> {
    known_zone(state, zone).await?;
    let mut out: Vec<Investment> = read::<Investment>(state, zone, INVESTMENT, as_of)
        .await?
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    out.sort_by(|a, b| (a.day, &a.id).cmp(&(b.day, &b.id)));
    Ok(out)
}

/// Creates or replaces an investment record (by its id), with its evidence.
pub async fn put_investment(
    state: &Services,
    caller: &Caller,
    zone: &str,
    investment: Investment,
) -> Result<Investment, Error> {
    let problems = investment.problems(state.clock.today());
    write(
        state,
        caller,
        zone,
        (INVESTMENT, &investment.id),
        &investment,
        problems,
    )
    .await?;
    Ok(investment)
}

pub async fn delete_investment(
    state: &Services,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<(), Error> {
    remove(state, caller, zone, INVESTMENT, id, Key::NounInvestment).await
}

// ---- The statutory procedure ----

/// The procedure's dates a zone has reached, by their catalog id (`catalog/procedure_dates.toml`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureBody {
    pub dates: BTreeMap<String, Date>,
}

/// A zone's procedure: its dates and the timeline they give today.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ProcedureView {
    pub zone: String,
    pub today: Date,
    pub dates: BTreeMap<String, Date>,
    pub steps: Vec<StepState>,
}

async fn dates_of(state: &Services, zone: &str, as_of: Option<&str>) -> Result<Dates, Error> {
    Ok(read::<ProcedureBody>(state, zone, PROCEDURE, as_of)
        .await?
        .pop()
        .map(|(p, _)| p.dates)
        .unwrap_or_default())
}

pub async fn procedure(
    state: &Services,
    zone: &str,
    as_of: Option<&str>,
) -> Result<ProcedureView, Error> {
    known_zone(state, zone).await?;
    let dates = dates_of(state, zone, as_of).await?;
    let today = day_of(state, as_of);
    Ok(ProcedureView {
        zone: zone.to_string(),
        today,
        steps: procedure::timeline(&state.catalog, &dates, today),
        dates,
    })
}

/// Replaces a zone's procedure dates; impossible ones (a date before what it must follow, a
/// step shorter than the act allows) are refused by field.
pub async fn put_procedure(
    state: &Services,
    caller: &Caller,
    zone: &str,
    body: ProcedureBody,
) -> Result<ProcedureView, Error> {
    let problems = procedure::problems(&state.catalog, &body.dates, state.clock.today());
    write(state, caller, zone, (PROCEDURE, PROCEDURE), &body, problems).await?;
    self::procedure(state, zone, None).await
}

/// A step needing a coordinator's attention.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Alert {
    pub zone: String,
    #[serde(flatten)]
    pub step: StepState,
}

/// Every zone's steps at risk of their deadline or overdue.
pub async fn alerts(state: &Services, as_of: Option<&str>) -> Result<Vec<Alert>, Error> {
    let today = day_of(state, as_of);
    let mut out = Vec::new();
    for row in state
        .store
        .evaluation_records(None, PROCEDURE, as_of)
        .await?
    {
        let body: ProcedureBody =
            serde_json::from_value(row.body).map_err(|e| corrupt(PROCEDURE, e))?;
        for step in procedure::timeline(&state.catalog, &body.dates, today) {
            if step.status.alerts() {
                out.push(Alert {
                    zone: row.zone_id.clone(),
                    step,
                });
            }
        }
    }
    Ok(out)
}

/// Tells coordinators and admins of every zone's steps at risk or overdue, and each zone's
/// operators of their zone's (one notice per step, deadline and state). The notices added.
pub async fn remind_of_deadlines(state: &Services) -> Result<u64, Error> {
    let alerts = alerts(state, None).await?;
    if alerts.is_empty() {
        return Ok(0);
    }
    let notice = |a: &Alert| NoticeBody::ProcedureDue {
        zone: a.zone.clone(),
        step: a.step.step.clone(),
        name_ko: a.step.name_ko.clone(),
        name_en: a.step.name_en.clone(),
        deadline: a.step.deadline.map(|d| d.to_string()).unwrap_or_default(),
        days: a.step.days_left.unwrap_or_default(),
    };
    let all: Vec<NoticeBody> = alerts.iter().map(notice).collect();
    let mut added = 0;
    let rows = crate::notices::stored(&all);
    for user in state.store.coordinators().await? {
        added += state.store.add_notices(user, &rows).await?;
    }
    for (user, zone) in state.store.zone_keepers().await? {
        let own: Vec<NoticeBody> = alerts
            .iter()
            .filter(|a| a.zone == zone)
            .map(notice)
            .collect();
        if !own.is_empty() {
            added += state
                .store
                .add_notices(user, &crate::notices::stored(&own))
                .await?;
        }
    }
    Ok(added)
}

// ---- History ----

/// A version of a record, for its history.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Version {
    pub version: i64,
    pub body: serde_json::Value,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub actor: String,
}

/// Every version of one record, oldest first.
pub async fn history(
    state: &Services,
    caller: &Caller,
    zone: &str,
    kind: &str,
    key: &str,
) -> Result<Vec<Version>, Error> {
    may_write(caller, zone)?;
    if ![PLAN, TARGET, MILESTONE, INVESTMENT, PROCEDURE].contains(&kind) {
        return Err(Error::field(
            "kind",
            ucz_core::message::Message::new(Key::WithExpected)
                .with(
                    "message",
                    ucz_core::message::Message::new(Key::UnknownValue).arg("value", kind),
                )
                .arg("values", "plan, target, milestone, investment, procedure"),
        ));
    }
    Ok(state
        .store
        .evaluation_history(zone, kind, key)
        .await?
        .into_iter()
        .map(|r| Version {
            version: r.version,
            body: r.body,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            actor: r.actor,
        })
        .collect())
}
