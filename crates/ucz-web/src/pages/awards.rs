//! The pages of a zone's own programs: a call's competition and a firm's application to it
//! (`/awards/calls/{id}`), a firm's applications and an evaluator's score sheets (`/awards`),
//! and the operator's page of a call (`/awards/calls/{id}/manage`): its setup, evaluators,
//! assignment, ranking, selection, agreements and filings. Every act is a use case of
//! `ucz_service::awards`; refusals are shown beside the form in the visitor's language.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use ucz_core::award::filing::{AgreementBody, FilingBody};
use ucz_core::award::{Competition, QuestionKind};
use ucz_service::awards::{self, ApplicationBody, ConflictBody, InviteBody, ScoreBody, SelectBody};

use super::members::{messages, refused};
use super::{Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;

fn not_found(what: &str) -> ApiError {
    ApiError::from(ucz_service::Error::not_found(
        ucz_core::Key::NounApplication,
        what,
    ))
}

fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| not_found(text))
}

/// `/awards`: a firm's applications, an evaluator's assignments with their score sheets, or
/// the competitions an operator runs.
pub async fn mine(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = mine_page(&state, &visitor, StatusCode::OK, Vec::new()).await;
    visitor.respond(&state, result)
}

async fn mine_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    caller.user()?;
    let mut context = json!({"errors": errors, "applications": [], "assignments": [], "competitions": [], "rubrics": {}});
    match caller.role() {
        Some(Role::Firm { .. }) => {
            context["applications"] = json!(awards::my_applications(state, caller).await?);
        }
        Some(Role::Evaluator) => {
            let assignments = awards::my_assignments(state, caller).await?;
            let mut rubrics = BTreeMap::new();
            for a in &assignments {
                if let std::collections::btree_map::Entry::Vacant(slot) = rubrics.entry(a.call_id) {
                    let c = awards::read_competition(state, a.call_id).await?;
                    slot.insert(json!({"rubric": c.setup.rubric, "form": c.setup.form}));
                }
            }
            context["assignments"] = json!(assignments);
            context["rubrics"] = json!(
                rubrics
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<BTreeMap<_, _>>()
            );
        }
        _ => {}
    }
    context["competitions"] = json!(awards::competitions(state, caller).await?);
    visitor.page(state, status, "awards.html", context)
}

/// `/awards/calls/{id}`: the competition; for a firm its eligibility, its application (a form
/// while a draft), its result and filings.
pub async fn call(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = id_of(&id)?;
        call_page(&state, &visitor, id, StatusCode::OK, Vec::new()).await
    }
    .await;
    visitor.respond(&state, result)
}

async fn call_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    status: StatusCode,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let competition = awards::read_competition(state, id).await?;
    let runs = match caller.role() {
        Some(Role::Admin) => true,
        Some(Role::Operator { zone }) => *zone == competition.zone,
        _ => false,
    };
    let mut context = json!({
        "c": competition, "runs": runs, "firm": false, "precheck": null, "mine": null,
        "result": null, "agreement": null, "filings": [], "errors": errors,
    });
    if matches!(caller.role(), Some(Role::Firm { .. })) {
        context["firm"] = json!(true);
        context["precheck"] = json!(awards::precheck(state, caller, id).await?);
        let mine = current_application(state, visitor, id).await?;
        if let Some(mine) = &mine {
            if let Ok(result) = awards::own_result(state, caller, mine.id).await {
                context["result"] = json!(result);
            }
            if let Ok(agreement) = awards::agreement(state, caller, mine.id).await {
                context["agreement"] = json!(agreement);
                context["filings"] = json!(awards::filings_of(state, caller, mine.id).await?);
            }
        }
        context["mine"] = json!(mine);
    }
    visitor.page(state, status, "award.html", context)
}

/// The caller firm's application to a call that is not withdrawn (its latest).
async fn current_application(
    state: &AppState,
    visitor: &Visitor,
    call: i64,
) -> Result<Option<awards::ApplicationView>, ApiError> {
    Ok(awards::my_applications(state, &visitor.caller)
        .await?
        .into_iter()
        .rfind(|a| a.call_id == call && a.state != "withdrawn"))
}

/// A refusal to show beside the page's form (its status and messages); anything else as it is.
fn refusal(
    visitor: &Visitor,
    outcome: Result<Response, ApiError>,
) -> Result<Result<Response, ApiError>, (StatusCode, Vec<Value>)> {
    match outcome {
        Err(error) if refused(&error) => Err((error.status(), messages(&error, visitor.lang))),
        other => Ok(other),
    }
}

/// `POST /awards/calls/{id}/apply` (multipart): the answers and files of the form, saved as a
/// draft and, with `action=submit`, submitted.
pub async fn apply(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let id = id_of(&id)?;
        let competition = awards::read_competition(&state, id).await?;
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        let mut files: Vec<(String, String, String, Bytes)> = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::unreadable(e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if let Some(question) = name.strip_prefix("file_") {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let media_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::too_large()
                    } else {
                        ApiError::unreadable(e.body_text())
                    }
                })?;
                if !file_name.is_empty() && !bytes.is_empty() {
                    files.push((question.to_string(), file_name, media_type, bytes));
                }
            } else {
                let text = field.text().await.unwrap_or_default();
                fields.insert(name, text);
            }
        }
        visitor.check_form(fields.get("_csrf").map(String::as_str))?;
        let outcome = save(&state, &visitor, id, &competition.setup, &fields, files).await;
        match refusal(&visitor, outcome) {
            Ok(done) => done,
            Err((status, errors)) => call_page(&state, &visitor, id, status, errors).await,
        }
    }
    .await;
    visitor.respond(&state, result)
}

async fn save(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    setup: &Competition,
    fields: &BTreeMap<String, String>,
    files: Vec<(String, String, String, Bytes)>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let mine = current_application(state, visitor, id).await?;
    // Answers typed as the question asks; a number that is not one stays text, and the form's
    // check says so by its question.
    let mut answers: BTreeMap<String, Value> = mine
        .as_ref()
        .and_then(|m| serde_json::from_value(m.answers.clone()).ok())
        .unwrap_or_default();
    for question in &setup.form {
        let Some(text) = fields.get(&format!("q_{}", question.id)) else {
            continue;
        };
        let text = text.trim();
        let value = match question.kind {
            _ if text.is_empty() => Value::Null,
            QuestionKind::Number | QuestionKind::Money => text
                .replace(',', "")
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(text)),
            _ => Value::from(text),
        };
        if value.is_null() {
            answers.remove(&question.id);
        } else {
            answers.insert(question.id.clone(), value);
        }
    }
    for (question, name, media_type, bytes) in files {
        let file = awards::upload(state, caller, id, &question, &name, &media_type, &bytes).await?;
        answers.insert(question, json!(file));
    }
    let requested = match fields.get("requested").map(|t| t.replace(',', "")) {
        Some(t) if !t.trim().is_empty() => Some(t.trim().parse::<i64>().map_err(|_| {
            ApiError::from(ucz_service::Error::field(
                "requested",
                ucz_core::Message::new(ucz_core::Key::AwardWrongType).arg("kind", "money"),
            ))
        })?),
        _ => None,
    };
    let body = ApplicationBody { answers, requested };
    let saved = match mine {
        Some(m) => awards::update_application(state, caller, m.id, body).await?,
        None => awards::create_application(state, caller, id, body).await?,
    };
    if fields.get("action").map(String::as_str) == Some("submit") {
        awards::submit(state, caller, saved.id).await?;
    }
    Ok(visitor.redirect(&format!("/awards/calls/{id}")))
}

/// `POST /awards/applications/{id}/{act}`: withdraw, conflict, score (an evaluator's sheet),
/// agreement (an operator's), filing (a firm's).
pub async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, act)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id = id_of(&id)?;
        let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
        let number = |k: &str| -> i64 { get(k).replace(',', "").parse().unwrap_or(-1) };
        let caller = &visitor.caller;
        let application = awards::read_application(&state, caller, id).await?;
        let call = application.call_id;
        let outcome: Result<Response, ApiError> = async {
            match act.as_str() {
                "withdraw" => {
                    awards::withdraw(&state, caller, id).await?;
                    Ok(visitor.redirect(&format!("/awards/calls/{call}")))
                }
                "conflict" => {
                    awards::declare_conflict(
                        &state,
                        caller,
                        id,
                        ConflictBody {
                            reason: get("reason"),
                        },
                    )
                    .await?;
                    Ok(visitor.redirect("/awards"))
                }
                "score" => {
                    let competition = awards::read_competition(&state, call).await?;
                    let scores = competition
                        .setup
                        .rubric
                        .iter()
                        .filter_map(|c| {
                            let v = get(&format!("s_{}", c.id));
                            (!v.is_empty())
                                .then(|| (c.id.clone(), v.parse::<u32>().unwrap_or(u32::MAX)))
                        })
                        .collect();
                    let stage = Some(get("stage")).filter(|s| !s.is_empty());
                    awards::score(
                        &state,
                        caller,
                        id,
                        ScoreBody {
                            stage,
                            scores,
                            comment: get("comment"),
                        },
                    )
                    .await?;
                    Ok(visitor.redirect("/awards"))
                }
                "agreement" => {
                    let body = AgreementBody {
                        starts: get("starts").parse().map_err(bad_date("starts"))?,
                        ends: get("ends").parse().map_err(bad_date("ends"))?,
                        amount: number("amount"),
                        milestones: Vec::new(),
                    };
                    awards::sign_agreement(&state, caller, id, body).await?;
                    Ok(visitor.redirect(&format!("/awards/calls/{call}/manage")))
                }
                "filing" => {
                    let competition = awards::read_competition(&state, call).await?;
                    let kpis = competition
                        .setup
                        .kpis
                        .iter()
                        .filter_map(|k| {
                            Some((
                                k.id.clone(),
                                get(&format!("k_{}", k.id)).parse::<f64>().ok()?,
                            ))
                        })
                        .collect();
                    let body = FilingBody {
                        period: get("period").parse().unwrap_or(0),
                        as_of: get("as_of").parse().map_err(bad_date("as_of"))?,
                        employees: number("employees"),
                        youth_employees: number("youth_employees"),
                        revenue_krw: number("revenue_krw"),
                        export_revenue_krw: number("export_revenue_krw"),
                        investment_krw: number("investment_krw"),
                        patents_filed: number("patents_filed"),
                        patents_granted: number("patents_granted"),
                        kpis,
                        note: Some(get("note")).filter(|n| !n.is_empty()),
                    };
                    awards::file(&state, caller, id, body).await?;
                    Ok(visitor.redirect(&format!("/awards/calls/{call}")))
                }
                _ => Err(not_found(&act)),
            }
        }
        .await;
        let back_to_manage = act == "agreement";
        let back_to_mine = matches!(act.as_str(), "conflict" | "score");
        match refusal(&visitor, outcome) {
            Ok(done) => done,
            Err((status, errors)) if back_to_manage => {
                manage_page(&state, &visitor, call, status, errors).await
            }
            Err((status, errors)) if back_to_mine => {
                mine_page(&state, &visitor, status, errors).await
            }
            Err((status, errors)) => call_page(&state, &visitor, call, status, errors).await,
        }
    }
    .await;
    visitor.respond(&state, result)
}

fn bad_date(field: &'static str) -> impl Fn(String) -> ApiError {
    move |_| {
        ApiError::from(ucz_service::Error::field(
            field,
            ucz_core::Message::new(ucz_core::Key::AwardWrongType).arg("kind", "date"),
        ))
    }
}

/// `/awards/calls/{id}/manage`: the operator's page of a call.
pub async fn manage(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = id_of(&id)?;
        manage_page(&state, &visitor, id, StatusCode::OK, Vec::new()).await
    }
    .await;
    visitor.respond(&state, result)
}

async fn manage_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    status: StatusCode,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let competition = awards::read_competition(state, id).await?;
    let applications = awards::applications(state, caller, id).await?;
    let evaluators = awards::evaluators(state, caller, id).await?;
    let ranking = awards::ranking(state, caller, id, None).await.ok();
    let results = awards::results(state, caller, id).await.ok();
    let filings = awards::filings_table(state, caller, id).await?;
    let objections = awards::objections(state, caller, id).await?;
    let setup = serde_json::to_string_pretty(&competition.setup).unwrap_or_default();
    visitor.page(
        state,
        status,
        "award_manage.html",
        json!({
            "c": competition, "setup": setup, "applications": applications,
            "evaluators": evaluators, "ranking": ranking, "results": results,
            "filings": filings, "objections": objections, "errors": errors,
            "submitted": applications.iter().filter(|a| a.state == "submitted").count(),
        }),
    )
}

/// `POST /awards/calls/{id}/{act}`: setup, invite, assign, select (an operator's acts).
pub async fn run(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, act)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id = id_of(&id)?;
        let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
        let caller = &visitor.caller;
        let outcome: Result<(), ApiError> = async {
            match act.as_str() {
                "setup" => {
                    let setup: Competition = serde_json::from_str(&get("setup"))
                        .map_err(|e| ApiError::from(ucz_service::Error::unreadable(e)))?;
                    awards::set_competition(&state, caller, id, setup).await?;
                }
                "invite" => {
                    let affiliations = get("affiliations")
                        .split([',', '\n'])
                        .map(|a| a.trim().to_string())
                        .filter(|a| !a.is_empty())
                        .collect();
                    awards::invite(
                        &state,
                        caller,
                        id,
                        InviteBody {
                            email: get("email"),
                            name: get("name"),
                            affiliations,
                        },
                    )
                    .await?;
                }
                "assign" => {
                    awards::assign(&state, caller, id, None).await?;
                }
                "select" => {
                    awards::select(
                        &state,
                        caller,
                        id,
                        SelectBody {
                            publish: get("publish") == "1",
                            selected: None,
                        },
                    )
                    .await?;
                }
                _ => return Err(not_found(&act)),
            }
            Ok(())
        }
        .await;
        let outcome = outcome.map(|()| visitor.redirect(&format!("/awards/calls/{id}/manage")));
        match refusal(&visitor, outcome) {
            Ok(done) => done,
            Err((status, errors)) => manage_page(&state, &visitor, id, status, errors).await,
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// `/awards/calls/{id}/export/{applications|scores|sheets|filings}.{xlsx|csv}`: a call's
/// applications (their answers by question), the ranking with totals, every evaluator's sheet of
/// its stages, or every filing version, for its operator.
pub async fn export(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let result = async {
        let id = id_of(&id)?;
        let caller = &visitor.caller;
        let (what, format) = file.rsplit_once('.').ok_or_else(|| not_found(&file))?;
        let competition = awards::read_competition(&state, id).await?;
        let applications = awards::applications(&state, caller, id).await?;
        let numbers: BTreeMap<i64, (String, String)> = applications
            .iter()
            .map(|a| {
                (
                    a.id,
                    (a.number.clone(), a.firm_id.clone().unwrap_or_default()),
                )
            })
            .collect();
        let text = |v: &Value| match v {
            Value::Object(o) => o.get("name").cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        let sheet = match what {
            "applications" => {
                let mut header: Vec<String> = [
                    "number",
                    "firm_id",
                    "state",
                    "requested",
                    "submitted_at",
                    "receipt_sha256",
                ]
                .map(String::from)
                .to_vec();
                header.extend(competition.setup.form.iter().map(|q| q.id.clone()));
                let rows = applications
                    .iter()
                    .map(|a| {
                        let mut row = vec![
                            json!(a.number),
                            json!(a.firm_id),
                            json!(a.state),
                            json!(a.requested),
                            json!(a.submitted_at),
                            json!(a.receipt.as_ref().map(|r| r.sha256.clone())),
                        ];
                        row.extend(
                            competition
                                .setup
                                .form
                                .iter()
                                .map(|q| text(&a.answers[&q.id])),
                        );
                        row
                    })
                    .collect();
                super::export::Sheet {
                    name: "applications".into(),
                    header,
                    rows,
                }
            }
            "scores" => {
                let mut header: Vec<String> = [
                    "number", "firm_id", "rank", "score", "outcome", "amount", "totals",
                ]
                .map(String::from)
                .to_vec();
                header.extend(competition.setup.rubric.iter().map(|c| c.id.clone()));
                let ranking = match awards::results(&state, caller, id).await {
                    Ok(results) => results,
                    Err(_) => awards::ranking(&state, caller, id, None).await?,
                };
                let rows = ranking
                    .ranking
                    .iter()
                    .map(|r| {
                        let mut row = vec![
                            json!(r.number),
                            json!(r.firm_id),
                            json!(r.ranked.rank),
                            json!(r.ranked.score),
                            json!(r.ranked.outcome.as_str()),
                            json!(r.ranked.amount),
                            json!(
                                r.totals
                                    .iter()
                                    .map(|t| t.to_string())
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            ),
                        ];
                        row.extend(
                            competition
                                .setup
                                .rubric
                                .iter()
                                .map(|c| json!(r.criteria.get(&c.id))),
                        );
                        row
                    })
                    .collect();
                super::export::Sheet {
                    name: "scores".into(),
                    header,
                    rows,
                }
            }
            "sheets" => {
                let mut header: Vec<String> = [
                    "number",
                    "firm_id",
                    "stage",
                    "evaluator",
                    "comment",
                    "scored_at",
                ]
                .map(String::from)
                .to_vec();
                header.extend(competition.setup.rubric.iter().map(|c| c.id.clone()));
                let rows = awards::sheets(&state, caller, id)
                    .await?
                    .into_iter()
                    .map(|(sheet, evaluator)| {
                        let (number, firm) = numbers
                            .get(&sheet.application_id)
                            .cloned()
                            .unwrap_or_default();
                        let mut row = vec![
                            json!(number),
                            json!(firm),
                            json!(sheet.stage),
                            json!(evaluator),
                            json!(sheet.comment),
                            json!(sheet.scored_at),
                        ];
                        row.extend(
                            competition
                                .setup
                                .rubric
                                .iter()
                                .map(|c| sheet.sheet[&c.id].clone()),
                        );
                        row
                    })
                    .collect();
                super::export::Sheet {
                    name: "sheets".into(),
                    header,
                    rows,
                }
            }
            "filings" => {
                let header: Vec<String> = [
                    "number",
                    "firm_id",
                    "period",
                    "version",
                    "as_of",
                    "employees",
                    "youth_employees",
                    "revenue_krw",
                    "export_revenue_krw",
                    "investment_krw",
                    "patents_filed",
                    "patents_granted",
                    "note",
                    "filed_at",
                ]
                .map(String::from)
                .to_vec();
                let mut rows = Vec::new();
                for a in applications.iter().filter(|a| a.state == "submitted") {
                    for f in awards::filings_of(&state, caller, a.id).await? {
                        let (number, firm) = numbers.get(&a.id).cloned().unwrap_or_default();
                        let b = &f.body;
                        rows.push(vec![
                            json!(number),
                            json!(firm),
                            json!(b.period),
                            json!(f.version),
                            json!(b.as_of.to_string()),
                            json!(b.employees),
                            json!(b.youth_employees),
                            json!(b.revenue_krw),
                            json!(b.export_revenue_krw),
                            json!(b.investment_krw),
                            json!(b.patents_filed),
                            json!(b.patents_granted),
                            json!(b.note),
                            json!(f.filed_at),
                        ]);
                    }
                }
                super::export::Sheet {
                    name: "filings".into(),
                    header,
                    rows,
                }
            }
            _ => return Err(not_found(&file)),
        };
        let bytes = match format {
            "xlsx" => super::export::xlsx(&sheet)?,
            "csv" => super::export::csv(&sheet)?,
            _ => return Err(not_found(&file)),
        };
        Ok(super::export::attachment(
            &format!("call-{id}-{what}"),
            format,
            bytes,
        ))
    }
    .await;
    visitor.respond(&state, result)
}
