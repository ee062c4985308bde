//! The pages of worker housing: `/housing` (the rounds; an applicant's application, documents,
//! result and offers; a firm's employees and the employment it confirms), `/housing/manage`
//! (the operator's units, rounds, verification, freeze, draw and offers) and the public page of
//! a round's result with how to verify it (`/housing/rounds/{id}`). Every act is a use case of
//! `ucz_service::housing`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::date::Date;
use ucz_core::housing::{Declaration, Member, Setup, Unit};
use ucz_service::housing::{self, ApplyBody, DrawBody, FreezeBody, InviteBody, VerdictBody};

use super::members::{messages, refused};
use super::{Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;

fn unreadable(what: impl std::fmt::Display) -> ApiError {
    ApiError::from(ucz_service::Error::unreadable(what))
}

fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::from(ucz_service::Error::not_found(
            ucz_core::Key::NounHousingRound,
            text,
        ))
    })
}

/// `/housing`: the rounds for everyone; the caller's applications, or a firm's employees.
pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = home(&state, &visitor, StatusCode::OK, Vec::new(), None).await;
    visitor.respond(&state, result)
}

async fn home(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    errors: Vec<Value>,
    draft: Option<Value>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let rounds = housing::rounds(state, None).await?;
    let role = caller.role().cloned();
    let applicant = matches!(role, Some(Role::Firm { .. } | Role::Resident));
    let firm = matches!(role, Some(Role::Firm { .. }));
    let (mine, employers) = if applicant {
        (
            housing::mine(state, caller).await?,
            housing::my_employers(state, caller).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let (employees, employment) = if firm {
        (
            housing::employees(state, caller)
                .await?
                .into_iter()
                .map(|(id, email, name)| json!({"id": id, "email": email, "name": name}))
                .collect(),
            housing::employment(state, caller).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let operator = matches!(role, Some(Role::Operator { .. } | Role::Admin));
    // The rounds an applicant may still apply to, with the documents each asks for.
    let open: Vec<Value> = rounds
        .iter()
        .filter(|r| r.taking)
        .map(|r| {
            let kinds: std::collections::BTreeSet<String> =
                std::iter::once(ucz_core::housing::round::RESIDENT_REGISTER.to_string())
                    .chain(r.setup.criteria.iter().flat_map(|c| c.documents.clone()))
                    .collect();
            let mine = mine.iter().find(|a| a.round_id == r.id);
            let declared = mine.and_then(|a| a.declaration.as_ref());
            // The form's values: the saved declaration, or what was typed and refused.
            let typed = |k: &str| draft.as_ref().and_then(|d| d.get(k)).cloned();
            let d = match declared {
                Some(d) => json!({"name": d.name, "birth_date": d.birth_date, "months_employed": d.months_employed,
                    "homes_owned": d.homes_owned, "household_income": d.household_income, "unit_type": d.unit_type}),
                None => json!({"name": typed("name").unwrap_or(json!("")), "birth_date": typed("birth_date").unwrap_or(json!("")),
                    "months_employed": typed("months_employed").unwrap_or(json!(0)), "homes_owned": typed("homes_owned").unwrap_or(json!(0)),
                    "household_income": typed("household_income").unwrap_or(json!(0)), "unit_type": typed("unit_type").unwrap_or(json!(""))}),
            };
            let members = declared
                .map(members_text)
                .or_else(|| typed("members").and_then(|m| m.as_str().map(String::from)))
                .unwrap_or_default();
            json!({"round": r, "kinds": kinds, "mine": mine, "d": d, "members": members})
        })
        .collect();
    visitor.page(
        state,
        status,
        "housing.html",
        json!({"rounds": rounds, "open": open, "mine": mine, "employers": employers,
            "applicant": applicant, "firm": firm, "operator": operator,
            "employees": employees, "employment": employment, "errors": errors, "draft": draft}),
    )
}

fn members_text(d: &Declaration) -> String {
    d.members
        .iter()
        .map(|m| format!("{}, {}, {}", m.name, m.birth_date, m.relation))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Members typed one a line: `name, YYYY-MM-DD, relation`.
fn members_of(text: &str) -> Result<Vec<Member>, ApiError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let parts: Vec<&str> = line.split(',').map(str::trim).collect();
            let birth = parts.get(1).and_then(|b| b.parse::<Date>().ok());
            match (parts.first(), birth) {
                (Some(name), Some(birth_date)) if !name.is_empty() => Ok(Member {
                    name: name.to_string(),
                    birth_date,
                    relation: parts.get(2).unwrap_or(&"").to_string(),
                }),
                _ => Err(unreadable(format!(
                    "members, line {}: \"{line}\" (name, YYYY-MM-DD, relation)",
                    i + 1
                ))),
            }
        })
        .collect()
}

fn number(fields: &BTreeMap<String, String>, key: &str) -> Result<i64, ApiError> {
    let text = fields
        .get(key)
        .map(|t| t.trim().replace(',', ""))
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| unreadable(format!("{key}={text}")))
}

/// `POST /housing/rounds/{id}/apply` (multipart): the declaration saved, the documents chosen
/// uploaded (`file_<kind>`), and with `action=submit` the application submitted.
pub async fn apply(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let round = id_of(&id)?;
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        let mut files: Vec<(String, String, Bytes)> = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::unreadable(e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if let Some(kind) = name.strip_prefix("file_") {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::too_large()
                    } else {
                        ApiError::unreadable(e.body_text())
                    }
                })?;
                if !file_name.is_empty() && !bytes.is_empty() {
                    files.push((kind.to_string(), file_name, bytes));
                }
            } else {
                fields.insert(name, field.text().await.unwrap_or_default());
            }
        }
        visitor.check_form(fields.get("_csrf").map(String::as_str))?;
        let caller = &visitor.caller;
        let done: Result<(), ApiError> = async {
            // Files are checked before anything is saved.
            for (kind, name, bytes) in &files {
                housing::document_type(kind, name, bytes)?;
            }
            let birth = fields.get("birth_date").cloned().unwrap_or_default();
            let declaration = Declaration {
                name: fields
                    .get("name")
                    .cloned()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                birth_date: birth.trim().parse().map_err(|_| {
                    ApiError::from(ucz_service::Error::field(
                        "birth_date",
                        ucz_core::Message::new(ucz_core::Key::NotADate).arg("value", &birth),
                    ))
                })?,
                months_employed: number(&fields, "months_employed")?,
                homes_owned: number(&fields, "homes_owned")?,
                household_income: number(&fields, "household_income")?,
                members: members_of(fields.get("members").map(String::as_str).unwrap_or(""))?,
                unit_type: fields.get("unit_type").cloned().unwrap_or_default(),
            };
            let firm = fields.get("firm").filter(|f| !f.is_empty()).cloned();
            let app =
                housing::apply(&state, caller, round, ApplyBody { firm, declaration }).await?;
            for (kind, name, bytes) in files {
                housing::upload(&state, caller, app.id, &kind, &name, &bytes).await?;
            }
            if fields.get("action").map(String::as_str) == Some("submit") {
                housing::submit(&state, caller, app.id, true).await?;
            }
            Ok(())
        }
        .await;
        match done {
            Ok(()) => Ok(visitor.redirect("/housing#mine")),
            Err(error) if refused(&error) => {
                let errors = messages(&error, visitor.lang);
                home(
                    &state,
                    &visitor,
                    error.status(),
                    errors,
                    Some(json!(fields)),
                )
                .await
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// `POST /housing/{thing}/{id}/{act}`: an applicant withdraws or answers an offer; a firm
/// confirms an employment; the firm invites (`/housing/employees/new/invite`).
pub async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((thing, id, act)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let caller = &visitor.caller;
        let done: Result<(), ApiError> = async {
            match (thing.as_str(), act.as_str()) {
                ("employees", "invite") => {
                    housing::invite(
                        &state,
                        caller,
                        InviteBody {
                            email: get("email"),
                            name: get("name"),
                        },
                    )
                    .await?;
                }
                ("applications", "withdraw") => {
                    housing::submit(&state, caller, id_of(&id)?, false).await?;
                }
                ("applications", "submit") => {
                    housing::submit(&state, caller, id_of(&id)?, true).await?;
                }
                ("applications", "confirm" | "deny") => {
                    housing::verdict(
                        &state,
                        caller,
                        id_of(&id)?,
                        VerdictBody {
                            criterion: None,
                            ok: act == "confirm",
                            note: get("note"),
                        },
                    )
                    .await?;
                }
                ("offers", "accept" | "refuse") => {
                    housing::answer(&state, caller, id_of(&id)?, act == "accept").await?;
                }
                _ => return Err(id_of("-").err().unwrap_or_else(|| unreadable(&act))),
            }
            Ok(())
        }
        .await;
        match done {
            Ok(()) => Ok(visitor.redirect("/housing")),
            Err(error) if refused(&error) => {
                let errors = messages(&error, visitor.lang);
                home(&state, &visitor, error.status(), errors, None).await
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

#[derive(Debug, Default, Deserialize)]
pub struct ManageQuery {
    pub zone: Option<String>,
    pub round: Option<String>,
}

/// `/housing/manage`: the operator's units, rounds, and one round's applications and offers.
pub async fn manage(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<ManageQuery>,
) -> Response {
    let result = manage_page(&state, &visitor, &q, StatusCode::OK, Vec::new(), None).await;
    visitor.respond(&state, result)
}

/// A new unit to start from: an id no unit has yet, free from today.
fn sample_unit(units: &[ucz_service::housing::UnitView], today: Date) -> String {
    let id = (1..)
        .map(|n| format!("new-unit-{n:02}"))
        .find(|id| units.iter().all(|u| &u.unit.id != id))
        .unwrap_or_default();
    let unit = json!({"id": id, "facility": "", "unit_type": "studio", "area_m2": 26.4, "rooms": 1,
        "rent": 180000, "deposit": 5000000, "accessible": false, "available_from": today});
    serde_json::to_string_pretty(&unit).unwrap_or_default()
}

async fn manage_page(
    state: &AppState,
    visitor: &Visitor,
    q: &ManageQuery,
    status: StatusCode,
    errors: Vec<Value>,
    typed: Option<(&str, String)>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let zone = q.zone.as_deref().filter(|z| !z.is_empty());
    let units = housing::units(state, caller, zone).await?;
    let zone_id = match caller.role() {
        Some(Role::Operator { zone }) => zone.clone(),
        _ => zone.unwrap_or_default().to_string(),
    };
    let rounds = housing::rounds(state, Some(&zone_id)).await?;
    let chosen = q
        .round
        .as_deref()
        .and_then(|r| r.parse::<i64>().ok())
        .or_else(|| rounds.first().map(|r| r.id));
    let (round, applications, offers) = match chosen.filter(|id| rounds.iter().any(|r| r.id == *id))
    {
        Some(id) => (
            rounds.iter().find(|r| r.id == id).cloned(),
            housing::applications(state, caller, id).await?,
            housing::offers(state, caller, id).await?,
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    let today = state.clock.today();
    let (unit_text, round_text) = match typed {
        Some(("unit", text)) => (text, String::new()),
        Some((_, text)) => (sample_unit(&units, today), text),
        None => (sample_unit(&units, today), String::new()),
    };
    // The example round with its dates from today, a code no round has.
    let round_text = if round_text.is_empty() {
        let mut example = ucz_service::demo::example_round(today)?;
        example.code = (1..)
            .map(|n| format!("{}-{}-H{n}", zone_id.to_uppercase(), today.year()))
            .find(|c| rounds.iter().all(|r| &r.code != c))
            .unwrap_or_default();
        serde_json::to_string_pretty(&example).unwrap_or_default()
    } else {
        round_text
    };
    // The checks the operator verifies: not those the employer confirms or the rules decide.
    let employer_confirms: Vec<String> = round
        .iter()
        .flat_map(|r| r.setup.criteria.iter())
        .filter(|c| c.employer_confirms && c.documents.is_empty())
        .map(|c| c.id.clone())
        .collect();
    visitor.page(
        state,
        status,
        "housing_manage.html",
        json!({"zone": zone_id, "units": units, "rounds": rounds, "round": round, "employer_confirms": employer_confirms,
            "applications": applications, "offers": offers, "errors": errors,
            "unit_text": unit_text, "round_text": round_text}),
    )
}

/// `POST /housing/manage/{act}`: `unit`, `round` (JSON), `verdict`, `freeze`, `draw`.
pub async fn manage_act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(act): Path<String>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
    let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
    let q = ManageQuery {
        zone: opt("zone"),
        round: opt("round"),
    };
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let caller = &visitor.caller;
        let zone = q.zone.as_deref();
        let round = || id_of(&get("round"));
        let done: Result<Option<i64>, ApiError> = async {
            Ok(match act.as_str() {
                "unit" => {
                    let unit: Unit = serde_json::from_str(&get("unit")).map_err(unreadable)?;
                    housing::put_unit(&state, caller, zone, unit).await?;
                    None
                }
                "round" => {
                    let setup: Setup = serde_json::from_str(&get("setup")).map_err(unreadable)?;
                    Some(housing::open_round(&state, caller, zone, setup).await?.id)
                }
                "verdict" => {
                    let ok = get("ok") == "true";
                    housing::verdict(
                        &state,
                        caller,
                        id_of(&get("application"))?,
                        VerdictBody {
                            criterion: opt("criterion"),
                            ok,
                            note: get("note"),
                        },
                    )
                    .await?;
                    Some(round()?)
                }
                "freeze" => {
                    let id = round()?;
                    housing::freeze(
                        &state,
                        caller,
                        id,
                        FreezeBody {
                            random_source: get("random_source"),
                            random_at: get("random_at"),
                        },
                    )
                    .await?;
                    Some(id)
                }
                "draw" => {
                    let id = round()?;
                    housing::draw(
                        &state,
                        caller,
                        id,
                        DrawBody {
                            random: get("random"),
                        },
                    )
                    .await?;
                    Some(id)
                }
                other => return Err(unreadable(other)),
            })
        }
        .await;
        let zone_part = q
            .zone
            .as_ref()
            .map(|z| format!("zone={z}&"))
            .unwrap_or_default();
        match done {
            Ok(Some(id)) => Ok(visitor.redirect(&format!("/housing/manage?{zone_part}round={id}"))),
            Ok(None) => Ok(visitor.redirect(&format!(
                "/housing/manage?{}#units",
                zone_part.trim_end_matches('&')
            ))),
            Err(error) if refused(&error) => {
                let errors = messages(&error, visitor.lang);
                let typed = match act.as_str() {
                    "unit" => Some(("unit", get("unit"))),
                    "round" => Some(("round", get("setup"))),
                    _ => None,
                };
                manage_page(&state, &visitor, &q, error.status(), errors, typed).await
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// `/housing/rounds/{id}`: a round as anyone sees it — its rules, the frozen list's hash, the
/// random value's source, the published result, and how to verify it.
pub async fn round(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = id_of(&id)?;
        let round = housing::round(&state, id).await?;
        let result = if round.state == "drawn" {
            Some(housing::result(&state, id).await?)
        } else {
            None
        };
        visitor.page(
            &state,
            StatusCode::OK,
            "housing_round.html",
            json!({"r": round, "result": result.as_ref().map(|r| json!({"lines": r.lines, "vacant": r.vacant, "seed": r.published.outcome.seed, "result_hash": r.published.outcome.result_hash, "random": r.published.inputs.random}))}),
        )
    }
    .await;
    visitor.respond(&state, result)
}
