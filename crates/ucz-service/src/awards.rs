//! Running a zone's programs: the competition of a call a zone published, applications, review
//! by evaluators, ranking and selection, agreements and KPI filings.
//!
//! | | firm | evaluator (invited to the call) | operator (the call's zone) | admin |
//! |---|---|---|---|---|
//! | read a competition | yes | yes | yes | yes |
//! | set a competition, invite evaluators, assign, rank, select, agreements, filings table | | | yes | yes |
//! | apply (draft, upload, submit, withdraw), its result, objection, filings | its own | | | |
//! | declare a conflict, score | | assigned applications | | |
//!
//! Anonymous visitors read competitions too (the form and rubric are part of the announcement).

use std::collections::{BTreeMap, HashMap, HashSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use ucz_core::account::UserId;
use ucz_core::award::assignment::{self, Problem};
use ucz_core::award::filing::{AgreementBody, FilingBody, Period};
use ucz_core::award::scoring::{self, Final, Scored};
use ucz_core::award::selection::{self, Entry, Outcome, Ranked};
use ucz_core::award::{Competition, FileRef, QuestionKind, Sheet, form};
use ucz_core::call::{CallSource, CallStatus, StoredCall};
use ucz_core::date::{Date, korea_time};
use ucz_core::eligibility::explain;
use ucz_core::firm::Firm;
use ucz_core::record::Demo;
use ucz_core::rule::Rule;
use ucz_store::{
    AgreementRow, ApplicationChange, ApplicationRow, Created, FactRow, FilingRow, NewApplication,
    ObjectionRow, ScoreRow,
};

use crate::Services;
use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};
use crate::{accounts, tokens};

/// A check of an uploaded file before it is kept: a virus scanner (clamd, an ICAP service)
/// plugged in by the deployment. `Err` says why the file is refused.
pub trait FileScan: Send + Sync {
    fn check(&self, name: &str, media_type: &str, content: &[u8]) -> Result<(), String>;
}

/// Days an evaluator's invitation link works.
pub const INVITE_DAYS: i64 = 7;

/// A call's competition as everyone reads it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CompetitionView {
    pub call_id: i64,
    pub title: String,
    pub zone: String,
    /// When applications close (UTC).
    pub closes_at: Option<String>,
    pub status: CallStatus,
    pub setup: Competition,
    /// When the results were published to applicants.
    pub published_at: Option<String>,
}

/// An application as its reader may see it: the evaluators of a blind call see neither the
/// firm nor file names.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub call_id: i64,
    /// `<call>-<application>`, what receipts and lists show.
    pub number: String,
    pub firm_id: Option<String>,
    pub firm_name: Option<String>,
    /// `draft`, `submitted`, `withdrawn`.
    pub state: String,
    pub answers: Value,
    pub requested: Option<i64>,
    pub submitted_at: Option<String>,
    pub receipt: Option<Receipt>,
}

/// What a firm keeps of its submission: the number, the moment, and the hash of what was sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Receipt {
    pub number: String,
    pub submitted_at: String,
    /// SHA-256 of the submitted application (call, number, firm, answers, amount) as JSON.
    pub sha256: String,
}

/// An application's body: its answers by question id and, unless the call fixes it, the amount
/// asked for.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    #[serde(default)]
    pub answers: BTreeMap<String, Value>,
    #[serde(default)]
    pub requested: Option<i64>,
}

/// Whether the caller's firm meets a call's rules, with the reasons when not.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Precheck {
    pub eligible: bool,
    pub reasons_ko: Vec<String>,
    pub reasons_en: Vec<String>,
}

/// An evaluator invited to a call.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub email: String,
    pub name: String,
    /// Firm ids and organisation names the evaluator works or worked for: applications of
    /// these are its conflicts without its declaring them.
    #[serde(default)]
    pub affiliations: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct EvaluatorView {
    pub user_id: i64,
    pub username: String,
    pub name: Option<String>,
    pub affiliations: Vec<String>,
    /// Applications assigned in the first stage.
    pub load: usize,
    /// Applications it declared a conflict on.
    pub conflicts: usize,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictBody {
    /// `same_firm`, `former_employer`, `relative`, or other words.
    pub reason: String,
}

/// What an assignment came to.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AssignmentReport {
    pub stage: String,
    pub applications: usize,
    pub evaluators: usize,
    /// (application, evaluator) pairs.
    pub pairs: Vec<(i64, i64)>,
    /// Applications by evaluator.
    pub loads: BTreeMap<i64, usize>,
    /// Conflicts: declared, and found from affiliations.
    pub declared_conflicts: usize,
    pub found_conflicts: usize,
}

/// An application assigned to the calling evaluator.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Assignment {
    pub call_id: i64,
    pub call_title: String,
    pub stage: String,
    pub application: ApplicationView,
    /// Its sheet, once scored.
    pub sheet: Option<Value>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreBody {
    /// The stage (the first when left out).
    #[serde(default)]
    pub stage: Option<String>,
    pub scores: Sheet,
    #[serde(default)]
    pub comment: String,
}

/// A ranked application with what its rank came from.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct RankedView {
    #[serde(flatten)]
    pub ranked: Ranked,
    pub number: String,
    pub firm_id: String,
    /// Each evaluator's total as counted.
    pub totals: Vec<f64>,
    /// Mean scores by criterion.
    pub criteria: BTreeMap<String, f64>,
}

/// A stage's ranking and the selection down it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    pub call_id: i64,
    pub stage: String,
    pub budget: i64,
    pub awarded: i64,
    pub ranking: Vec<RankedView>,
    /// Assigned scores not in yet.
    pub missing_scores: usize,
    /// Set by hand (after objections), not by the walk down the ranking.
    #[serde(default)]
    pub by_hand: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectBody {
    /// Publish the results to the applicants.
    #[serde(default)]
    pub publish: bool,
    /// Applications selected by hand instead (checked against the budget and the awards).
    #[serde(default)]
    pub selected: Option<Vec<i64>>,
}

/// An applicant's own result: its rank and scores, never others'.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OwnResult {
    pub application_id: i64,
    pub number: String,
    pub rank: usize,
    pub of: usize,
    pub score: f64,
    pub outcome: Outcome,
    pub amount: i64,
    pub totals: Vec<f64>,
    pub criteria: BTreeMap<String, f64>,
    pub published_at: String,
    /// The last day an objection is taken.
    pub objections_until: Date,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    pub text: String,
}

/// A period of an agreement in the filings table.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct FilingStatus {
    pub application_id: i64,
    pub number: String,
    pub firm_id: String,
    pub period: Period,
    /// The latest version filed.
    pub version: Option<i64>,
    pub filed_at: Option<String>,
    /// Past due and not filed.
    pub late: bool,
}

/// A firm's dated facts and the fields they set.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Facts {
    pub firm_id: String,
    pub facts: Vec<Fact>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Fact {
    pub field: String,
    pub value: i64,
    pub as_of: String,
    pub source: String,
    pub recorded_at: String,
}

impl From<FactRow> for Fact {
    fn from(f: FactRow) -> Fact {
        Fact {
            field: f.field,
            value: f.value,
            as_of: f.as_of,
            source: f.source,
            recorded_at: f.recorded_at,
        }
    }
}

/// A stored agreement as read.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Agreement {
    pub application_id: i64,
    pub firm_id: String,
    #[serde(flatten)]
    pub body: AgreementBody,
    pub signed_at: String,
    pub periods: Vec<Period>,
}

/// One version of a filing.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Filing {
    pub id: i64,
    pub application_id: i64,
    pub version: i64,
    #[serde(flatten)]
    pub body: FilingBody,
    pub filed_at: String,
    pub filed_by: String,
}

/// The fields of a firm a filing dates (the ones eligibility rules read).
const FACT_FIELDS: [&str; 4] = [
    "employees",
    "youth_employees",
    "revenue_krw",
    "export_revenue_krw",
];

fn number(application: &ApplicationRow) -> String {
    format!("{}-{:05}", application.call_id, application.id)
}

/// A call and its competition.
struct Run {
    call: StoredCall,
    setup: Competition,
    zone: String,
    published_at: Option<String>,
    results: Option<Value>,
}

async fn call_of(state: &Services, call_id: i64) -> Result<StoredCall, Error> {
    let book = state.calls.fresh(&state.store).await?;
    book.get(call_id)
        .map(|e| e.stored.clone())
        .ok_or_else(|| Error::not_found(Key::NounCall, &call_id.to_string()))
}

async fn run_of(state: &Services, call_id: i64) -> Result<Run, Error> {
    let call = call_of(state, call_id).await?;
    let row = state
        .store
        .competition(call_id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounCall, &call_id.to_string()))?;
    let setup: Competition = serde_json::from_value(row.setup)
        .map_err(|e| Error::internal(format!("stored competition {call_id}: {e}")))?;
    Ok(Run {
        call,
        setup,
        zone: row.zone_id,
        published_at: row.published_at,
        results: row.results,
    })
}

fn operator(caller: &Caller, zone: &str) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin => Ok(()),
        Role::Operator { zone: own } if own == zone => Ok(()),
        _ => Err(Error::forbidden_because(Key::AwardOperatorsOnly)),
    }
}

fn firm_of(caller: &Caller) -> Result<&str, Error> {
    match caller.require_user()? {
        Role::Firm { firm } => Ok(firm),
        _ => Err(Error::forbidden_because(Key::FirmWritesItsOwn)),
    }
}

async fn evaluator_of(state: &Services, caller: &Caller, call_id: i64) -> Result<UserId, Error> {
    let user = caller.user()?;
    if !matches!(caller.role(), Some(Role::Evaluator))
        || !state
            .store
            .calls_evaluated_by(user.id)
            .await?
            .contains(&call_id)
    {
        return Err(Error::forbidden_because(Key::AwardEvaluatorsOnly));
    }
    Ok(user.id)
}

/// Sets a published call's competition (the call's zone's operator, or an admin). Every problem
/// of the setup is reported at once.
pub async fn set_competition(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    setup: Competition,
) -> Result<CompetitionView, Error> {
    let call = call_of(state, call_id).await?;
    let zone = match (&call.call.source, &call.call.zone) {
        (CallSource::Ucz, Some(zone)) => zone.clone(),
        _ => return Err(Error::conflict(Key::AwardNoCompetition)),
    };
    operator(caller, &zone)?;
    let mut errors: Vec<FieldError> = setup.problems().into_iter().map(Into::into).collect();
    if let Some(rule) = &setup.rule {
        if let Err(e) = crate::calls::checked_rule(rule) {
            errors.extend(e.errors.into_iter().map(|mut f| {
                f.field = "rule".into();
                f
            }));
        }
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    // Once an application is in, what it was written and scored against stays: the form, the
    // rubric, the stages, k and blindness. Budget, awards, ties and the rest may still change.
    if let Some(before) = state.store.competition(call_id).await? {
        let before: Competition = serde_json::from_value(before.setup).map_err(Error::internal)?;
        let submitted = state
            .store
            .applications(Some(call_id), None)
            .await?
            .iter()
            .any(|a| a.state != "draft");
        let locked = before.form != setup.form
            || before.rubric != setup.rubric
            || before.stages != setup.stages
            || before.reviewers_per_application != setup.reviewers_per_application
            || before.blind != setup.blind;
        if submitted && locked {
            return Err(Error::conflict(Key::AwardSetupLocked));
        }
    }
    let value = serde_json::to_value(&setup).map_err(Error::internal)?;
    state
        .store
        .set_competition(&caller.actor(), call_id, &zone, &value)
        .await?;
    read_competition(state, call_id).await
}

/// A call's competition: its form, rubric and rules (anyone).
pub async fn read_competition(state: &Services, call_id: i64) -> Result<CompetitionView, Error> {
    let run = run_of(state, call_id).await?;
    Ok(CompetitionView {
        call_id,
        title: run.call.call.title.clone(),
        zone: run.zone,
        closes_at: run.call.call.period.closes_at.clone(),
        status: run.call.call.status(state.clock.now()),
        setup: run.setup,
        published_at: run.published_at,
    })
}

/// The competitions the caller runs (an operator's zone's; every one for admins) or may apply
/// to and read (everyone else: all), newest first.
pub async fn competitions(
    state: &Services,
    caller: &Caller,
) -> Result<Vec<CompetitionView>, Error> {
    let zone = match caller.role() {
        Some(Role::Operator { zone }) => Some(zone.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    for call_id in state.store.competitions(zone).await? {
        out.push(read_competition(state, call_id).await?);
    }
    Ok(out)
}

/// The rules a firm must meet: the call's own, its catalog program's, and the competition's.
fn rules(state: &Services, run: &Run) -> Result<Vec<Rule>, Error> {
    let mut out = Vec::new();
    out.push(crate::calls::checked_rule(&run.call.call.review.rule)?);
    if let Some(program) = run
        .call
        .call
        .program
        .as_deref()
        .and_then(|p| state.rulebook.get(p))
    {
        out.push(program.rule.clone());
    }
    if let Some(rule) = &run.setup.rule {
        out.push(crate::calls::checked_rule(rule)?);
    }
    Ok(out)
}

/// A firm's record; not found when there is none.
pub(crate) async fn firm_record(state: &Services, firm_id: &str) -> Result<Firm, Error> {
    Ok(state
        .store
        .repo::<Demo<Firm>>()
        .find(firm_id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounFirm, firm_id))?
        .record
        .record)
}

fn precheck_of(state: &Services, run: &Run, firm: &Firm) -> Result<Precheck, Error> {
    let facts = firm.facts(state.clock.today(), &state.catalog);
    let (mut ko, mut en) = (Vec::new(), Vec::new());
    for rule in rules(state, run)? {
        let outcome = rule.explain(&facts);
        if let Some(failed) = outcome.failed {
            let words = |lang| {
                rule.node_at(&failed.span)
                    .and_then(|clause| {
                        explain::explain(clause, &failed, &facts, &state.catalog, lang)
                    })
                    .unwrap_or_else(|| failed.to_string())
            };
            ko.push(words(ucz_core::Lang::Ko));
            en.push(words(ucz_core::Lang::En));
        }
    }
    Ok(Precheck {
        eligible: en.is_empty(),
        reasons_ko: ko,
        reasons_en: en,
    })
}

/// Whether the caller's firm may apply, with reasons.
pub async fn precheck(state: &Services, caller: &Caller, call_id: i64) -> Result<Precheck, Error> {
    let firm_id = firm_of(caller)?;
    let run = run_of(state, call_id).await?;
    let firm = firm_record(state, firm_id).await?;
    precheck_of(state, &run, &firm)
}

/// Refuses outside the call's period: before it opens, or after its closing moment (the
/// server's time, to the second).
fn within_period(state: &Services, run: &Run) -> Result<(), Error> {
    let now = state.clock.now();
    let period = &run.call.call.period;
    match period.status(now) {
        CallStatus::Open => Ok(()),
        CallStatus::Upcoming => Err(Error::conflict(Message::new(Key::AwardNotYetOpen).arg(
            "opens",
            period.opens.map(|d| d.to_string()).unwrap_or_default(),
        ))),
        CallStatus::Closed => Err(Error::conflict(
            Message::new(Key::AwardLate)
                .arg(
                    "closes",
                    period
                        .closes_at
                        .as_deref()
                        .and_then(korea_time)
                        .unwrap_or_default(),
                )
                .arg("at", korea_time(&state.clock.stamp()).unwrap_or_default()),
        )),
    }
}

/// Checks answers (all of them, or a draft's). A file answer must name a file the firm uploaded
/// for that question of this call; its name, size and type are taken from the upload, not from
/// what the request says.
async fn checked_answers(
    state: &Services,
    run: &Run,
    firm_id: &str,
    body: &mut ApplicationBody,
    complete: bool,
) -> Result<(), Error> {
    let mut errors: Vec<FieldError> = Vec::new();
    for question in run
        .setup
        .form
        .iter()
        .filter(|q| q.kind == QuestionKind::File)
    {
        let Some(value) = body.answers.get_mut(&question.id) else {
            continue;
        };
        let Ok(file) = serde_json::from_value::<FileRef>(value.clone()) else {
            continue;
        };
        match state
            .store
            .upload_of(firm_id, run.call.id, &question.id, &file.sha256)
            .await?
        {
            Some((name, size, media_type)) => {
                *value = serde_json::to_value(FileRef {
                    sha256: file.sha256,
                    name,
                    size: size.max(0) as u64,
                    media_type,
                })
                .map_err(Error::internal)?;
            }
            None => errors.push(FieldError::new(
                format!("answers.{}", question.id),
                Message::new(Key::AwardFileMissing).arg("sha256", &file.sha256),
            )),
        }
    }
    let checked: Vec<FieldError> = form::check(&run.setup.form, &body.answers, complete)
        .into_iter()
        .map(FieldError::from)
        .filter(|e| !errors.iter().any(|f| f.field == e.field))
        .collect();
    errors.extend(checked);
    if !run.setup.fixed_amount {
        match body.requested {
            None if complete => errors.push(FieldError::new("requested", Key::AwardRequired)),
            Some(n) if n <= 0 => errors.push(FieldError::new("requested", Key::AwardPositive)),
            Some(n) if n > run.setup.max_amount => errors.push(FieldError::new(
                "requested",
                Message::new(Key::AwardAmountOver)
                    .arg("amount", n)
                    .arg("max", run.setup.max_amount),
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(errors))
    }
}

async fn application_view(
    state: &Services,
    application: ApplicationRow,
    blind: bool,
) -> Result<ApplicationView, Error> {
    let firm_name = if blind {
        None
    } else {
        state
            .store
            .repo::<Demo<Firm>>()
            .find(&application.firm_id)
            .await?
            .map(|f| f.record.record.name)
    };
    let mut answers = application.answers.clone();
    if blind {
        // File names often carry the firm's name: evaluators see the question's id instead.
        if let Some(map) = answers.as_object_mut() {
            for (id, value) in map.iter_mut() {
                if let Some(name) = value.get_mut("name") {
                    let ext = name
                        .as_str()
                        .and_then(|n| n.rsplit_once('.'))
                        .map(|(_, e)| format!(".{e}"))
                        .unwrap_or_default();
                    *name = Value::from(format!("{id}{ext}"));
                }
            }
        }
    }
    let receipt = match (
        &application.receipt,
        &application.submitted_at,
        &application.receipt_hash,
    ) {
        (Some(number), Some(at), Some(hash)) => Some(Receipt {
            number: number.clone(),
            submitted_at: at.clone(),
            sha256: hash.clone(),
        }),
        _ => None,
    };
    Ok(ApplicationView {
        id: application.id,
        call_id: application.call_id,
        number: number(&application),
        firm_id: (!blind).then(|| application.firm_id.clone()),
        firm_name,
        state: application.state,
        answers,
        requested: application.requested,
        submitted_at: application.submitted_at,
        receipt,
    })
}

/// Uploads a file for a question of a call's form (a firm's account): its size and type
/// checked against the question; kept by its SHA-256.
pub async fn upload(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    question: &str,
    name: &str,
    media_type: &str,
    content: &[u8],
) -> Result<FileRef, Error> {
    let firm_id = firm_of(caller)?;
    let run = run_of(state, call_id).await?;
    // Files are taken while applications are.
    within_period(state, &run)?;
    let asked = run
        .setup
        .form
        .iter()
        .find(|q| q.id == question && q.kind == QuestionKind::File)
        .ok_or_else(|| {
            Error::field(
                "question",
                Message::new(Key::AwardUnknownQuestion).arg("id", question),
            )
        })?;
    if let Some(problem) = asked.file_problem(content.len() as u64, media_type) {
        return Err(Error::field("file", problem));
    }
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(120)
        .collect();
    if let Some(scan) = &state.file_scan {
        scan.check(&name, media_type, content).map_err(|reason| {
            Error::field(
                "file",
                Message::new(Key::AwardFileRefused).arg("reason", reason),
            )
        })?;
    }
    let sha256 = hex(&Sha256::digest(content));
    let name = if name.is_empty() { "file".into() } else { name };
    state
        .store
        .put_file(
            &ucz_store::Upload {
                sha256: &sha256,
                firm_id,
                call_id,
                question,
                name: &name,
            },
            media_type,
            content,
        )
        .await?;
    Ok(FileRef {
        sha256,
        name,
        size: content.len() as u64,
        media_type: media_type.to_string(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts an application as a draft (the caller's firm), within the call's period.
pub async fn create_application(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    body: ApplicationBody,
) -> Result<ApplicationView, Error> {
    let firm_id = firm_of(caller)?.to_string();
    let run = run_of(state, call_id).await?;
    within_period(state, &run)?;
    let mut body = body;
    checked_answers(state, &run, &firm_id, &mut body, false).await?;
    let answers = serde_json::to_value(&body.answers).map_err(Error::internal)?;
    let created = state
        .store
        .create_application(
            &caller.actor(),
            &NewApplication {
                call_id,
                firm_id: &firm_id,
                user_id: Some(caller.user()?.id),
                answers: &answers,
                requested: body.requested,
                per_firm: i64::from(run.setup.per_firm),
            },
        )
        .await?;
    match created {
        Created::New(row) => application_view(state, *row, false).await,
        Created::OverLimit(count) => Err(Error::conflict(
            Message::new(Key::AwardPerFirm)
                .arg("count", count)
                .arg("max", run.setup.per_firm),
        )),
    }
}

/// The caller's own application (a firm's account).
async fn own_application(
    state: &Services,
    caller: &Caller,
    id: i64,
) -> Result<ApplicationRow, Error> {
    let firm_id = firm_of(caller)?;
    Some(application_of(state, id).await?)
        .filter(|a| a.firm_id == firm_id)
        .ok_or_else(|| Error::not_found(Key::NounApplication, &id.to_string()))
}

/// An application by number, or not found.
async fn application_of(state: &Services, id: i64) -> Result<ApplicationRow, Error> {
    state
        .store
        .application(id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounApplication, &id.to_string()))
}

/// Saves a draft's answers.
pub async fn update_application(
    state: &Services,
    caller: &Caller,
    id: i64,
    body: ApplicationBody,
) -> Result<ApplicationView, Error> {
    let application = own_application(state, caller, id).await?;
    let run = run_of(state, application.call_id).await?;
    within_period(state, &run)?;
    let mut body = body;
    checked_answers(state, &run, &application.firm_id, &mut body, false).await?;
    let answers = serde_json::to_value(&body.answers).map_err(Error::internal)?;
    let changed = state
        .store
        .change_application(
            &caller.actor(),
            id,
            "draft",
            &ApplicationChange {
                state: "draft",
                answers: Some(&answers),
                requested: body.requested,
                receipt: None,
                receipt_hash: None,
            },
        )
        .await?;
    let row = changed.ok_or_else(|| not_draft(&application))?;
    application_view(state, row, false).await
}

fn not_draft(application: &ApplicationRow) -> Error {
    Error::conflict(Message::new(Key::AwardNotDraft).arg("state", &application.state))
}

/// Submits a draft before the deadline: complete answers, the firm eligible (refused with the
/// reasons otherwise); the receipt gives its number, time and hash.
pub async fn submit(state: &Services, caller: &Caller, id: i64) -> Result<ApplicationView, Error> {
    let application = own_application(state, caller, id).await?;
    if application.state != "draft" {
        return Err(not_draft(&application));
    }
    let run = run_of(state, application.call_id).await?;
    within_period(state, &run)?;
    let mut body = ApplicationBody {
        answers: serde_json::from_value(application.answers.clone()).unwrap_or_default(),
        requested: application.requested,
    };
    checked_answers(state, &run, &application.firm_id, &mut body, true).await?;
    let firm = firm_record(state, &application.firm_id).await?;
    let check = precheck_of(state, &run, &firm)?;
    if !check.eligible {
        return Err(Error::new(
            crate::error::Code::Validation,
            Message::new(Key::AwardNotEligible).arg("reason", check.reasons_en.join("; ")),
        ));
    }
    let number = number(&application);
    let hash = hex(&Sha256::digest(
        serde_json::json!({
            "call": application.call_id, "number": number, "firm": application.firm_id,
            "answers": application.answers, "requested": application.requested,
        })
        .to_string(),
    ));
    let changed = state
        .store
        .change_application(
            &caller.actor(),
            id,
            "draft",
            &ApplicationChange {
                state: "submitted",
                answers: None,
                requested: None,
                receipt: Some(&number),
                receipt_hash: Some(&hash),
            },
        )
        .await?;
    let row = changed.ok_or_else(|| not_draft(&application))?;
    application_view(state, row, false).await
}

/// Withdraws an application (a draft or a submitted one) before the results are published.
pub async fn withdraw(
    state: &Services,
    caller: &Caller,
    id: i64,
) -> Result<ApplicationView, Error> {
    let application = own_application(state, caller, id).await?;
    let run = run_of(state, application.call_id).await?;
    if run.published_at.is_some() || application.state == "withdrawn" {
        return Err(Error::conflict(
            Message::new(Key::AwardDecided).arg("state", &application.state),
        ));
    }
    let changed = state
        .store
        .change_application(
            &caller.actor(),
            id,
            &application.state,
            &ApplicationChange {
                state: "withdrawn",
                answers: None,
                requested: None,
                receipt: None,
                receipt_hash: None,
            },
        )
        .await?;
    let row = changed.ok_or_else(|| not_draft(&application))?;
    application_view(state, row, false).await
}

/// The caller firm's applications, every call.
pub async fn my_applications(
    state: &Services,
    caller: &Caller,
) -> Result<Vec<ApplicationView>, Error> {
    let firm_id = firm_of(caller)?;
    let mut out = Vec::new();
    for row in state.store.applications(None, Some(firm_id)).await? {
        out.push(application_view(state, row, false).await?);
    }
    Ok(out)
}

/// A call's applications (its operator), by number.
pub async fn applications(
    state: &Services,
    caller: &Caller,
    call_id: i64,
) -> Result<Vec<ApplicationView>, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let mut out = Vec::new();
    for row in state.store.applications(Some(call_id), None).await? {
        out.push(application_view(state, row, false).await?);
    }
    Ok(out)
}

/// One application: its firm, the call's operator, or an evaluator assigned it (blind when the
/// call is).
pub async fn read_application(
    state: &Services,
    caller: &Caller,
    id: i64,
) -> Result<ApplicationView, Error> {
    let not_found = || Error::not_found(Key::NounApplication, &id.to_string());
    let application = application_of(state, id).await?;
    let run = run_of(state, application.call_id).await?;
    let blind = match caller.require_user()? {
        Role::Firm { firm } if *firm == application.firm_id => false,
        Role::Evaluator => {
            // Another call's evaluator learns nothing, not even that the application exists.
            let user = evaluator_of(state, caller, application.call_id)
                .await
                .map_err(|_| not_found())?;
            let assigned = run
                .setup
                .stages
                .iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>();
            let mut mine = false;
            for stage in assigned {
                mine |= state
                    .store
                    .assignments(application.call_id, &stage)
                    .await?
                    .contains(&(id, user.0));
            }
            if !mine {
                return Err(not_found());
            }
            run.setup.blind
        }
        _ => {
            operator(caller, &run.zone).map_err(|_| not_found())?;
            false
        }
    };
    application_view(state, application, blind).await
}

/// A file of an application, for those who may read the application.
pub async fn application_file(
    state: &Services,
    caller: &Caller,
    id: i64,
    question: &str,
) -> Result<(String, String, Vec<u8>), Error> {
    let shown = read_application(state, caller, id).await?;
    let file: FileRef = shown
        .answers
        .get(question)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .ok_or_else(|| Error::not_found(Key::NounFile, question))?;
    let (media_type, content) = state
        .store
        .file(&file.sha256)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounFile, question))?;
    Ok((file.name, media_type, content))
}

/// Invites an evaluator to a call (its operator): an existing evaluator account by address,
/// or a new one, mailed a link to set its password.
pub async fn invite(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    body: InviteBody,
) -> Result<EvaluatorView, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let email = ucz_core::credentials::email(&body.email).map_err(|m| Error::field("email", m))?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::field("name", Key::NameForm));
    }
    let affiliations: Vec<String> = body
        .affiliations
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let (user, new) = state
        .store
        .add_evaluator(&caller.actor(), call_id, &email, name, &affiliations)
        .await?
        .ok_or_else(|| {
            Error::field(
                "email",
                Message::new(Key::AwardNotEvaluator).arg("name", &email),
            )
        })?;
    if new {
        let secret = tokens::secret()?;
        state
            .store
            .add_link(
                user,
                ucz_store::LinkPurpose::Reset,
                &tokens::hash(&secret),
                &state.clock.stamp_in(INVITE_DAYS * 86_400),
            )
            .await?;
        let mail = ucz_core::notice::evaluator_invite(
            &email,
            &accounts::link(state, "/password/reset", &secret),
            &run.call.call.title,
            INVITE_DAYS,
        );
        accounts::send(state, Some(user), mail, "invite").await?;
    }
    evaluators(state, caller, call_id)
        .await?
        .into_iter()
        .find(|e| e.user_id == user.0)
        .ok_or_else(|| Error::internal("the invited evaluator is not listed"))
}

/// A call's evaluators with their loads (its operator).
pub async fn evaluators(
    state: &Services,
    caller: &Caller,
    call_id: i64,
) -> Result<Vec<EvaluatorView>, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let stage = &run.setup.stages[0].id;
    let pairs = state.store.assignments(call_id, stage).await?;
    let conflicts = state.store.conflicts(call_id).await?;
    Ok(state
        .store
        .evaluators(call_id)
        .await?
        .into_iter()
        .map(|e| EvaluatorView {
            load: pairs.iter().filter(|(_, u)| *u == e.user_id).count(),
            conflicts: conflicts.iter().filter(|(_, u, _)| *u == e.user_id).count(),
            user_id: e.user_id,
            username: e.username,
            name: e.name,
            affiliations: e.affiliations,
        })
        .collect())
}

/// An evaluator declares a conflict of interest on an application of its call: it is taken
/// off the application (and a score it gave is removed).
pub async fn declare_conflict(
    state: &Services,
    caller: &Caller,
    application_id: i64,
    body: ConflictBody,
) -> Result<(), Error> {
    let application = application_of(state, application_id).await?;
    let user = evaluator_of(state, caller, application.call_id).await?;
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(Error::field("reason", Key::AwardRequired));
    }
    state
        .store
        .declare_conflict(&caller.actor(), application_id, user, reason)
        .await?;
    Ok(())
}

/// The applications a stage reviews: every submitted one in the first; in a later one, those
/// the previous stage's ranking advanced.
async fn in_stage(
    state: &Services,
    run: &Run,
    call_id: i64,
    stage: usize,
) -> Result<Vec<ApplicationRow>, Error> {
    let submitted: Vec<ApplicationRow> = state
        .store
        .applications(Some(call_id), None)
        .await?
        .into_iter()
        .filter(|a| a.state == "submitted")
        .collect();
    if stage == 0 {
        return Ok(submitted);
    }
    let previous = &run.setup.stages[stage - 1];
    let ranking = Box::pin(rank(state, run, call_id, stage - 1)).await?;
    let advance = previous.advance.map_or(usize::MAX, |n| n as usize);
    let advanced: HashSet<i64> = ranking
        .ranking
        .iter()
        .take(advance)
        .map(|r| r.ranked.application)
        .collect();
    Ok(submitted
        .into_iter()
        .filter(|a| advanced.contains(&a.id))
        .collect())
}

fn stage_index(run: &Run, stage: Option<&str>) -> Result<usize, Error> {
    match stage {
        None => Ok(0),
        Some(id) => run.setup.stage(id).map(|(i, _)| i).ok_or_else(|| {
            Error::field(
                "stage",
                Message::new(Key::AwardNotAChoice).arg(
                    "values",
                    run.setup
                        .stages
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            )
        }),
    }
}

/// Assigns a stage's applications to the call's evaluators (its operator): k each, none with a
/// conflict (declared, or its firm among the evaluator's affiliations), no evaluator above the
/// load, loads as even as conflicts allow. Replaces the stage's earlier assignment; scores
/// given stay for the pairs kept.
pub async fn assign(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    stage: Option<&str>,
) -> Result<AssignmentReport, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let index = stage_index(&run, stage)?;
    let stage = run.setup.stages[index].id.clone();
    let applications = in_stage(state, &run, call_id, index).await?;
    let evaluators = state.store.evaluators(call_id).await?;
    let declared = state.store.conflicts(call_id).await?;
    let app_index: HashMap<i64, usize> = applications
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let eval_index: HashMap<i64, usize> = evaluators
        .iter()
        .enumerate()
        .map(|(i, e)| (e.user_id, i))
        .collect();
    let mut conflicts: HashSet<(usize, usize)> = declared
        .iter()
        .filter_map(|(a, u, _)| Some((*app_index.get(a)?, *eval_index.get(u)?)))
        .collect();
    let declared_count = conflicts.len();
    let mut names: HashMap<String, String> = HashMap::new();
    for a in &applications {
        if !names.contains_key(&a.firm_id) {
            let name = firm_record(state, &a.firm_id)
                .await
                .map(|f| f.name)
                .unwrap_or_default();
            names.insert(a.firm_id.clone(), name);
        }
    }
    let norm = |s: &str| s.split_whitespace().collect::<String>().to_lowercase();
    for (e, evaluator) in evaluators.iter().enumerate() {
        let affiliations: HashSet<String> =
            evaluator.affiliations.iter().map(|a| norm(a)).collect();
        for (a, application) in applications.iter().enumerate() {
            let name = names.get(&application.firm_id).map(|n| norm(n));
            if affiliations.contains(&norm(&application.firm_id))
                || name.is_some_and(|n| !n.is_empty() && affiliations.contains(&n))
            {
                conflicts.insert((a, e));
            }
        }
    }
    let found = conflicts.len() - declared_count;
    let k = run.setup.reviewers_per_application as usize;
    let assigned = assignment::assign(&Problem {
        applications: applications.len(),
        evaluators: evaluators.len(),
        conflicts: &conflicts,
        k,
        max_load: run.setup.max_load as usize,
    })
    .map_err(|short| {
        Error::conflict(
            Message::new(Key::AwardShortfall)
                .arg("application", number(&applications[short.application]))
                .arg("got", short.got)
                .arg("k", k)
                .arg("max", run.setup.max_load),
        )
    })?;
    let pairs: Vec<(i64, i64)> = assigned
        .iter()
        .enumerate()
        .flat_map(|(a, list)| list.iter().map(move |e| (a, *e)).collect::<Vec<_>>())
        .map(|(a, e)| (applications[a].id, evaluators[e].user_id))
        .collect();
    state
        .store
        .set_assignments(&caller.actor(), call_id, &stage, &pairs)
        .await?;
    let mut loads: BTreeMap<i64, usize> = evaluators.iter().map(|e| (e.user_id, 0)).collect();
    for (_, u) in &pairs {
        *loads.entry(*u).or_default() += 1;
    }
    Ok(AssignmentReport {
        stage,
        applications: applications.len(),
        evaluators: evaluators.len(),
        pairs,
        loads,
        declared_conflicts: declared_count,
        found_conflicts: found,
    })
}

/// The applications assigned to the calling evaluator, every call and stage (blind where the
/// call is).
pub async fn my_assignments(state: &Services, caller: &Caller) -> Result<Vec<Assignment>, Error> {
    let user = caller.user()?.id;
    if !matches!(caller.role(), Some(Role::Evaluator)) {
        return Err(Error::forbidden_because(Key::AwardEvaluatorsOnly));
    }
    let mut out = Vec::new();
    for call_id in state.store.calls_evaluated_by(user).await? {
        let run = run_of(state, call_id).await?;
        for stage in &run.setup.stages {
            let scores = state.store.scores(call_id, &stage.id).await?;
            for (application_id, _) in state
                .store
                .assignments(call_id, &stage.id)
                .await?
                .into_iter()
                .filter(|(_, u)| *u == user.0)
            {
                let Some(row) = state.store.application(application_id).await? else {
                    continue;
                };
                let mine = scores
                    .iter()
                    .find(|s| s.application_id == application_id && s.user_id == user.0);
                out.push(Assignment {
                    call_id,
                    call_title: run.call.call.title.clone(),
                    stage: stage.id.clone(),
                    application: application_view(state, row, run.setup.blind).await?,
                    sheet: mine.map(|s| s.sheet.clone()),
                    comment: mine.map(|s| s.comment.clone()),
                });
            }
        }
    }
    Ok(out)
}

/// An evaluator scores an application assigned to it on the call's rubric.
pub async fn score(
    state: &Services,
    caller: &Caller,
    application_id: i64,
    body: ScoreBody,
) -> Result<(), Error> {
    let application = application_of(state, application_id).await?;
    let user = evaluator_of(state, caller, application.call_id).await?;
    let run = run_of(state, application.call_id).await?;
    if run.published_at.is_some() {
        return Err(Error::conflict(Key::AwardPublished));
    }
    let stage = run.setup.stages[stage_index(&run, body.stage.as_deref())?]
        .id
        .clone();
    if state
        .store
        .conflicts(application.call_id)
        .await?
        .iter()
        .any(|(a, u, _)| *a == application_id && *u == user.0)
    {
        return Err(Error::forbidden_because(Key::AwardConflictDeclared));
    }
    let errors: Vec<FieldError> = scoring::check(&run.setup.rubric, &body.scores)
        .into_iter()
        .map(Into::into)
        .collect();
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    if body.comment.chars().count() > 4000 {
        return Err(Error::field(
            "comment",
            Message::new(Key::AwardTooLong)
                .arg("max", 4000)
                .arg("count", body.comment.chars().count()),
        ));
    }
    let stored = state
        .store
        .put_score(
            &caller.actor(),
            application.call_id,
            &ScoreRow {
                stage,
                application_id,
                user_id: user.0,
                sheet: serde_json::to_value(&body.scores).map_err(Error::internal)?,
                comment: body.comment.trim().to_string(),
                scored_at: String::new(),
            },
        )
        .await?;
    if stored {
        Ok(())
    } else {
        Err(Error::forbidden_because(Key::AwardNotAssigned))
    }
}

/// A stage's ranking and the selection down it, from the stored scores.
async fn rank(state: &Services, run: &Run, call_id: i64, stage: usize) -> Result<Results, Error> {
    let stage_id = run.setup.stages[stage].id.clone();
    // Only the stage's applications count: one withdrawn after its assignment has no rank,
    // and its scores neither weigh on its evaluators' standardising nor are waited for.
    let applications: HashMap<i64, ApplicationRow> = in_stage(state, run, call_id, stage)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    // Only the sheets of the current assignment: a pair a new assignment dropped keeps its
    // row but no longer counts.
    let assigned: HashSet<(i64, i64)> = state
        .store
        .assignments(call_id, &stage_id)
        .await?
        .into_iter()
        .collect();
    let scores: Vec<ScoreRow> = state
        .store
        .scores(call_id, &stage_id)
        .await?
        .into_iter()
        .filter(|s| {
            applications.contains_key(&s.application_id)
                && assigned.contains(&(s.application_id, s.user_id))
        })
        .collect();
    let scored: Vec<Scored> = scores
        .iter()
        .map(|s| Scored {
            application: s.application_id,
            evaluator: s.user_id,
            sheet: serde_json::from_value(s.sheet.clone()).unwrap_or_default(),
        })
        .collect();
    // Each application of the stage is owed k sheets: assigned later, left with fewer after a
    // conflict, or advanced anew, it waits for the operator to assign again.
    let k = run.setup.reviewers_per_application as usize;
    let missing: usize = applications
        .keys()
        .map(|a| k.saturating_sub(scores.iter().filter(|s| s.application_id == *a).count()))
        .sum();
    let finals: BTreeMap<i64, Final> = scoring::finals(
        &run.setup.rubric,
        &scored,
        run.setup.normalise,
        run.setup.trim,
    )
    .into_iter()
    .map(|f| (f.application, f))
    .collect();
    let entries: Vec<Entry> = finals
        .values()
        .filter_map(|f| {
            let a = applications.get(&f.application)?;
            Some(Entry {
                application: f.application,
                score: f.score,
                criteria: f.criteria.clone(),
                submitted_at: a.submitted_at.clone().unwrap_or_default(),
                requested: a.requested,
            })
        })
        .collect();
    let ranked = selection::select(&run.setup, entries);
    let awarded = ranked
        .iter()
        .filter(|r| r.outcome == Outcome::Selected)
        .map(|r| r.amount)
        .sum();
    Ok(Results {
        call_id,
        stage: stage_id,
        budget: run.setup.budget,
        awarded,
        ranking: ranked
            .into_iter()
            .filter_map(|r| {
                let a = applications.get(&r.application)?;
                let f = finals.get(&r.application)?;
                Some(RankedView {
                    number: number(a),
                    firm_id: a.firm_id.clone(),
                    totals: f.totals.clone(),
                    criteria: f.criteria.clone(),
                    ranked: r,
                })
            })
            .collect(),
        missing_scores: missing,
        by_hand: false,
        published_at: None,
    })
}

/// The ranking of a stage (the last when left out) as the stored scores give it now (its
/// operator).
pub async fn ranking(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    stage: Option<&str>,
) -> Result<Results, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let index = match stage {
        None => run.setup.stages.len() - 1,
        some => stage_index(&run, some)?,
    };
    rank(state, &run, call_id, index).await
}

/// Selects down the last stage's ranking (or as the operator sets by hand, within the budget
/// and the awards), stores the results, and publishes them when asked. Every assigned score
/// must be in.
pub async fn select(
    state: &Services,
    caller: &Caller,
    call_id: i64,
    body: SelectBody,
) -> Result<Results, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    // Published results are not recomputed; after objections the operator may revise the
    // selection by hand, and the publication's moment stays.
    if run.published_at.is_some() && body.selected.is_none() {
        return Err(Error::conflict(Key::AwardPublished));
    }
    let mut results = rank(state, &run, call_id, run.setup.stages.len() - 1).await?;
    if results.missing_scores > 0 {
        return Err(Error::conflict(
            Message::new(Key::AwardScoresMissing).arg("missing", results.missing_scores),
        ));
    }
    if let Some(chosen) = &body.selected {
        let amounts: Vec<i64> = results
            .ranking
            .iter()
            .filter(|r| chosen.contains(&r.ranked.application))
            .map(|r| r.ranked.amount)
            .collect();
        if let Some(unknown) = chosen
            .iter()
            .find(|id| !results.ranking.iter().any(|r| r.ranked.application == **id))
        {
            return Err(Error::field(
                "selected",
                Message::new(Key::NotFound)
                    .with("what", Key::NounApplication)
                    .arg("id", unknown),
            ));
        }
        if let Some((sum, count)) = selection::over_limits(&run.setup, &amounts) {
            return Err(Error::field(
                "selected",
                Message::new(Key::AwardOverBudget)
                    .arg("sum", sum)
                    .arg("count", count)
                    .arg("budget", run.setup.budget)
                    .arg("awards", run.setup.awards),
            ));
        }
        let mut reserve = run.setup.reserve;
        for r in results.ranking.iter_mut() {
            r.ranked.outcome = if chosen.contains(&r.ranked.application) {
                Outcome::Selected
            } else if reserve > 0 {
                reserve -= 1;
                Outcome::Reserve
            } else {
                Outcome::NotSelected
            };
        }
        results.awarded = amounts.iter().sum();
        results.by_hand = true;
    }
    let value = serde_json::to_value(&results).map_err(Error::internal)?;
    results.published_at = state
        .store
        .set_results(&caller.actor(), call_id, &value, body.publish)
        .await?;
    Ok(results)
}

/// Every score sheet of a call, each stage, with its evaluator and comment (its operator): what
/// the committee's minutes list.
pub async fn sheets(
    state: &Services,
    caller: &Caller,
    call_id: i64,
) -> Result<Vec<(ScoreRow, String)>, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let evaluators: HashMap<i64, String> = state
        .store
        .evaluators(call_id)
        .await?
        .into_iter()
        .map(|e| (e.user_id, e.name.unwrap_or(e.username)))
        .collect();
    let mut out = Vec::new();
    for stage in &run.setup.stages {
        for sheet in state.store.scores(call_id, &stage.id).await? {
            let name = evaluators.get(&sheet.user_id).cloned().unwrap_or_default();
            out.push((sheet, name));
        }
    }
    Ok(out)
}

/// The stored results of a call (its operator).
pub async fn results(state: &Services, caller: &Caller, call_id: i64) -> Result<Results, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    stored_results(&run)
}

fn stored_results(run: &Run) -> Result<Results, Error> {
    let value = run
        .results
        .clone()
        .ok_or_else(|| Error::conflict(Key::AwardNotPublished))?;
    let mut results: Results = serde_json::from_value(value).map_err(Error::internal)?;
    results.published_at = run.published_at.clone();
    Ok(results)
}

/// An applicant's own result once published: rank, score and outcome, never others'.
pub async fn own_result(
    state: &Services,
    caller: &Caller,
    application_id: i64,
) -> Result<OwnResult, Error> {
    let application = own_application(state, caller, application_id).await?;
    let run = run_of(state, application.call_id).await?;
    let published_at = run
        .published_at
        .clone()
        .ok_or_else(|| Error::conflict(Key::AwardNotPublished))?;
    let results = stored_results(&run)?;
    let mine = results
        .ranking
        .iter()
        .find(|r| r.ranked.application == application_id)
        .ok_or_else(|| Error::conflict(Key::AwardNotSelected))?;
    let day = korea_day(&published_at);
    Ok(OwnResult {
        application_id,
        number: mine.number.clone(),
        rank: mine.ranked.rank,
        of: results.ranking.len(),
        score: mine.ranked.score,
        outcome: mine.ranked.outcome,
        amount: mine.ranked.amount,
        totals: mine.totals.clone(),
        criteria: mine.criteria.clone(),
        published_at,
        objections_until: day.add_days(i64::from(run.setup.objection_days)),
    })
}

fn korea_day(stamp: &str) -> Date {
    stamp
        .parse::<jiff::Timestamp>()
        .map(Date::in_korea)
        .unwrap_or_else(|_| Date::in_korea(jiff::Timestamp::UNIX_EPOCH))
}

/// An applicant objects to its result within the call's objection period.
pub async fn object(
    state: &Services,
    caller: &Caller,
    application_id: i64,
    body: ObjectionBody,
) -> Result<ObjectionRow, Error> {
    let result = own_result(state, caller, application_id).await?;
    if state.clock.today() > result.objections_until {
        return Err(Error::conflict(
            Message::new(Key::AwardObjectionClosed).arg("day", result.objections_until),
        ));
    }
    let text = body.text.trim();
    let count = text.chars().count();
    if text.is_empty() {
        return Err(Error::field("text", Key::AwardRequired));
    }
    if count > 4000 {
        return Err(Error::field(
            "text",
            Message::new(Key::AwardTooLong)
                .arg("max", 4000)
                .arg("count", count),
        ));
    }
    Ok(state
        .store
        .object(&caller.actor(), application_id, text)
        .await?)
}

/// The objections to a call's results (its operator).
pub async fn objections(
    state: &Services,
    caller: &Caller,
    call_id: i64,
) -> Result<Vec<ObjectionRow>, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    Ok(state.store.objections(call_id).await?)
}

/// An application for its firm or the call's operator only: an agreement and its filings name
/// the firm and its figures, which evaluators (blind or not) have no need of.
async fn firm_or_operator(
    state: &Services,
    caller: &Caller,
    application_id: i64,
) -> Result<ApplicationRow, Error> {
    let not_found = || Error::not_found(Key::NounApplication, &application_id.to_string());
    let application = application_of(state, application_id).await?;
    match caller.require_user()? {
        Role::Firm { firm } if *firm == application.firm_id => Ok(application),
        _ => {
            let run = run_of(state, application.call_id).await?;
            operator(caller, &run.zone).map_err(|_| not_found())?;
            Ok(application)
        }
    }
}

fn agreement_of(row: AgreementRow, months: u32) -> Result<Agreement, Error> {
    let body: AgreementBody = serde_json::from_value(row.body).map_err(Error::internal)?;
    Ok(Agreement {
        application_id: row.application_id,
        firm_id: row.firm_id,
        periods: body.periods(months),
        body,
        signed_at: row.signed_at,
    })
}

/// Signs the agreement of a selected application (its operator): its amount at most the award.
pub async fn sign_agreement(
    state: &Services,
    caller: &Caller,
    application_id: i64,
    body: AgreementBody,
) -> Result<Agreement, Error> {
    let application = application_of(state, application_id).await?;
    let run = run_of(state, application.call_id).await?;
    operator(caller, &run.zone)?;
    if run.published_at.is_none() {
        return Err(Error::conflict(Key::AwardNotPublished));
    }
    if application.state != "submitted" {
        return Err(Error::conflict(Key::AwardNotSelected));
    }
    let results = stored_results(&run)?;
    let awarded = results
        .ranking
        .iter()
        .find(|r| r.ranked.application == application_id && r.ranked.outcome == Outcome::Selected)
        .map(|r| r.ranked.amount)
        .ok_or_else(|| Error::conflict(Key::AwardNotSelected))?;
    let errors: Vec<FieldError> = body.problems(awarded).into_iter().map(Into::into).collect();
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let value = serde_json::to_value(&body).map_err(Error::internal)?;
    let row = state
        .store
        .sign_agreement(&caller.actor(), &application, &value)
        .await?;
    agreement_of(row, run.setup.filing_months)
}

/// An application's agreement: its firm or the call's operator.
pub async fn agreement(
    state: &Services,
    caller: &Caller,
    application_id: i64,
) -> Result<Agreement, Error> {
    let application = firm_or_operator(state, caller, application_id).await?;
    let run = run_of(state, application.call_id).await?;
    let row = state
        .store
        .agreements(None, Some(application_id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found(Key::NounAgreement, &application_id.to_string()))?;
    agreement_of(row, run.setup.filing_months)
}

fn filing_of(row: FilingRow) -> Result<Filing, Error> {
    Ok(Filing {
        id: row.id,
        application_id: row.application_id,
        version: row.version,
        body: serde_json::from_value(row.body).map_err(Error::internal)?,
        filed_at: row.filed_at,
        filed_by: row.filed_by,
    })
}

/// Files a period's figures for the caller firm's agreement (a correction files the period
/// again: a new version, the earlier kept). The firm's dated facts record the figures; the
/// newest sets the firm's profile.
pub async fn file(
    state: &Services,
    caller: &Caller,
    application_id: i64,
    body: FilingBody,
) -> Result<Filing, Error> {
    let application = own_application(state, caller, application_id).await?;
    let run = run_of(state, application.call_id).await?;
    let agreement = state
        .store
        .agreements(None, Some(application_id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found(Key::NounAgreement, &application_id.to_string()))?;
    let agreement = agreement_of(agreement, run.setup.filing_months)?;
    let earlier = state.store.filings(None, Some(application_id)).await?;
    // The figures compared with: the latest version of the latest period before this one.
    let previous = earlier
        .iter()
        .filter(|f| f.period < i64::from(body.period))
        .max_by_key(|f| (f.period, f.version))
        .map(|f| filing_of(f.clone()))
        .transpose()?;
    let errors: Vec<FieldError> = body
        .problems(
            &agreement.periods,
            &run.setup.kpis,
            previous.as_ref().map(|p| &p.body),
            state.clock.today(),
        )
        .into_iter()
        .map(Into::into)
        .collect();
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let value = serde_json::to_value(&body).map_err(Error::internal)?;
    let facts = [
        (FACT_FIELDS[0], body.employees),
        (FACT_FIELDS[1], body.youth_employees),
        (FACT_FIELDS[2], body.revenue_krw),
        (FACT_FIELDS[3], body.export_revenue_krw),
    ];
    let row = state
        .store
        .file_filing(
            &caller.actor(),
            &application,
            i64::from(body.period),
            &value,
            &facts,
            &body.as_of.to_string(),
        )
        .await?;
    filing_of(row)
}

/// Every version of an application's filings: its firm or the call's operator.
pub async fn filings_of(
    state: &Services,
    caller: &Caller,
    application_id: i64,
) -> Result<Vec<Filing>, Error> {
    firm_or_operator(state, caller, application_id).await?;
    state
        .store
        .filings(None, Some(application_id))
        .await?
        .into_iter()
        .map(filing_of)
        .collect()
}

/// The filings table of a call (its operator): each agreement's periods, the latest version
/// filed, and the late ones (due before today, not filed).
pub async fn filings_table(
    state: &Services,
    caller: &Caller,
    call_id: i64,
) -> Result<Vec<FilingStatus>, Error> {
    let run = run_of(state, call_id).await?;
    operator(caller, &run.zone)?;
    let today = state.clock.today();
    let filings = state.store.filings(Some(call_id), None).await?;
    let applications: HashMap<i64, ApplicationRow> = state
        .store
        .applications(Some(call_id), None)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out = Vec::new();
    for row in state.store.agreements(Some(call_id), None).await? {
        let agreement = agreement_of(row, run.setup.filing_months)?;
        let Some(application) = applications.get(&agreement.application_id) else {
            continue;
        };
        for period in &agreement.periods {
            let latest = filings
                .iter()
                .filter(|f| {
                    f.application_id == agreement.application_id
                        && f.period == i64::from(period.index)
                })
                .max_by_key(|f| f.version);
            out.push(FilingStatus {
                application_id: agreement.application_id,
                number: number(application),
                firm_id: agreement.firm_id.clone(),
                period: *period,
                version: latest.map(|f| f.version),
                filed_at: latest.map(|f| f.filed_at.clone()),
                late: latest.is_none() && period.due < today,
            });
        }
    }
    Ok(out)
}

/// A firm's dated facts (the firm itself, its zone's operator, coordinators, admins).
pub async fn facts(state: &Services, caller: &Caller, firm_id: &str) -> Result<Facts, Error> {
    crate::firms::read(state, caller, firm_id).await?;
    Ok(Facts {
        firm_id: firm_id.to_string(),
        facts: state
            .store
            .facts(firm_id)
            .await?
            .into_iter()
            .map(Fact::from)
            .collect(),
    })
}

/// Dates a new firm's values of the fields filings report (called by the firm's creation).
pub(crate) async fn record_created(state: &Services, firm: &Firm) -> Result<(), Error> {
    let values = [
        (FACT_FIELDS[0], firm.employees),
        (FACT_FIELDS[1], firm.youth_employees),
        (FACT_FIELDS[2], firm.revenue_krw),
        (FACT_FIELDS[3], firm.export_revenue_krw),
    ];
    state
        .store
        .record_edit_facts(&firm.id, &values, &state.clock.today().to_string())
        .await?;
    Ok(())
}

/// Dates a firm's own edit of the fields filings report (called by the firm's update).
pub(crate) async fn record_edit(
    state: &Services,
    before: &Firm,
    after: &Firm,
) -> Result<(), Error> {
    let pairs = [
        (FACT_FIELDS[0], before.employees, after.employees),
        (
            FACT_FIELDS[1],
            before.youth_employees,
            after.youth_employees,
        ),
        (FACT_FIELDS[2], before.revenue_krw, after.revenue_krw),
        (
            FACT_FIELDS[3],
            before.export_revenue_krw,
            after.export_revenue_krw,
        ),
    ];
    let changed: Vec<(&str, i64)> = pairs
        .iter()
        .filter(|(_, b, a)| b != a)
        .map(|(f, _, a)| (*f, *a))
        .collect();
    if !changed.is_empty() {
        state
            .store
            .record_edit_facts(&after.id, &changed, &state.clock.today().to_string())
            .await?;
    }
    Ok(())
}

/// Reminders of a firm's filings: a period due within a week and not filed, or late.
pub(crate) async fn filing_notices(
    state: &Services,
    firm_id: &str,
    today: Date,
) -> Result<Vec<ucz_core::notice::NoticeBody>, Error> {
    let mut found = Vec::new();
    for application in state.store.applications(None, Some(firm_id)).await? {
        let Some(row) = state
            .store
            .agreements(None, Some(application.id))
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        let run = run_of(state, application.call_id).await?;
        let agreement = agreement_of(row, run.setup.filing_months)?;
        let filed: HashSet<i64> = state
            .store
            .filings(None, Some(application.id))
            .await?
            .iter()
            .map(|f| f.period)
            .collect();
        for period in &agreement.periods {
            let days = today.days_until(period.due);
            if days <= 7 && period.ends < today && !filed.contains(&i64::from(period.index)) {
                found.push(ucz_core::notice::NoticeBody::FilingDue {
                    application: application.id,
                    call: application.call_id,
                    title: run.call.call.title.clone(),
                    period: period.index,
                    due: period.due.to_string(),
                    days,
                });
            }
        }
    }
    Ok(found)
}
