//! Scheduled work that runs once whichever process gets to it: the notice scan (every
//! `scan_minutes`) and the daily digest (at `digest_hour` in Korea). Each process's scheduler
//! asks `tick` now and then; a job due is claimed by one process (`Store::claim_job`), run, and
//! its outcome recorded and audited as the system's. Administrators read the jobs and run one
//! at once (`run`).

use schemars::JsonSchema;
use serde::Serialize;
use ucz_core::date::{Date, utc_timestamp};
use ucz_store::JobInfo;

use crate::Services;
use crate::caller::Caller;
use crate::error::{Error, Key};
use crate::notices::{self, Relay};

/// When the scheduled jobs run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The hour of the day in Korea the digest goes out (8: at 08:00).
    pub digest_hour: u8,
    /// Minutes between notice scans.
    pub scan_minutes: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            digest_hour: 8,
            scan_minutes: 15,
        }
    }
}

/// The jobs by name: `notices`, `digest`, and `mail` (a delivery round, which every process
/// runs on its own; its mails are claimed one by one).
pub const NAMES: [&str; 3] = ["notices", "digest", "mail"];

/// What a job's run did, as its outcome says.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct JobRun {
    pub name: String,
    pub outcome: String,
}

/// The digest's slot: today's digest hour in Korea, or tomorrow's once it passed. With
/// `this`, the slot that began last (due now when the hour passed today).
fn digest_slot(state: &Services, schedule: &Schedule, this: bool) -> String {
    let now = state.clock.now();
    let today = Date::in_korea(now);
    let at = |day: Date| {
        utc_timestamp(
            day.start_in_korea()
                + jiff::SignedDuration::from_hours(i64::from(schedule.digest_hour)),
        )
    };
    let today_slot = at(today);
    let passed = today_slot <= state.clock.stamp();
    match (this, passed) {
        (true, _) | (false, false) => today_slot,
        (false, true) => at(today.add_days(1)),
    }
}

async fn run_named(state: &Services, name: &str, relay: &dyn Relay) -> Result<String, Error> {
    Ok(match name {
        "notices" => {
            let s = notices::scan(state).await?;
            format!("{} accounts scanned, {} notices added", s.accounts, s.added)
        }
        "digest" => {
            let d = notices::digest(state).await?;
            format!(
                "{} accounts scanned, {} notices added, {} digests queued, {} already queued today",
                d.scanned.accounts, d.scanned.added, d.queued, d.already
            )
        }
        "mail" => {
            let d = notices::deliver(state, relay).await?;
            format!(
                "{} sent, {} to retry, {} failed",
                d.sent, d.retrying, d.failed
            )
        }
        other => return Err(Error::not_found(Key::NounJob, other)),
    })
}

/// Runs a job and records how it went (audited as the system's): its outcome, or its failure.
/// The outer error is the record's own.
async fn run_and_record(
    state: &Services,
    name: &str,
    relay: &dyn Relay,
) -> Result<Result<String, Error>, Error> {
    let result = run_named(state, name, relay).await;
    let (outcome, failed) = match &result {
        Ok(outcome) => (outcome.clone(), false),
        Err(error) => (error.detail.to_string(), true),
    };
    state.store.job_done(name, &outcome, failed).await?;
    Ok(result)
}

/// Runs the jobs that are due and this process claimed; what each did.
pub async fn tick(
    state: &Services,
    schedule: &Schedule,
    relay: &dyn Relay,
) -> Result<Vec<JobRun>, Error> {
    let mut ran = Vec::new();
    let plans = [
        (
            "notices",
            state.clock.stamp(),
            state.clock.stamp_in(schedule.scan_minutes * 60),
        ),
        (
            "digest",
            digest_slot(state, schedule, true),
            digest_slot(state, schedule, false),
        ),
    ];
    for (name, first, next) in plans {
        if !state.store.claim_job(name, &first, &next).await? {
            continue;
        }
        let outcome = match run_and_record(state, name, relay).await? {
            Ok(outcome) => {
                tracing::info!(job = name, "{outcome}");
                outcome
            }
            Err(error) => {
                tracing::error!(job = name, "scheduled job failed: {}", error.detail);
                error.detail.to_string()
            }
        };
        ran.push(JobRun {
            name: name.into(),
            outcome,
        });
    }
    Ok(ran)
}

/// The jobs and how they last went (administrators).
pub async fn list(state: &Services, caller: &Caller) -> Result<Vec<JobInfo>, Error> {
    notices::admin(caller)?;
    Ok(state.store.jobs().await?)
}

/// Runs a job at once (administrators), outside its schedule; the digest still goes out once
/// per account and day.
pub async fn run(
    state: &Services,
    caller: &Caller,
    name: &str,
    relay: &dyn Relay,
) -> Result<JobRun, Error> {
    notices::admin(caller)?;
    if !NAMES.contains(&name) {
        return Err(Error::not_found(Key::NounJob, name));
    }
    run_and_record(state, name, relay)
        .await?
        .map(|outcome| JobRun {
            name: name.into(),
            outcome,
        })
}
