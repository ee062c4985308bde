//! The pages of monthly statements: a zone's month for its keeper (issue, the list, the Excel
//! export) or a firm's own statements (`/bookings/statements`), and one statement, printable,
//! with its credit note and payments (`/bookings/statements/{id}`). Every act is a use case of
//! `ucz_service::statements`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_service::statements::{self, CreditBody, IssueBody, PaymentBody};

use super::export::{Sheet, attachment, xlsx};
use super::members::{messages, refused};
use super::{Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    pub month: Option<String>,
}

fn unreadable(what: impl std::fmt::Display) -> ApiError {
    ApiError::from(ucz_service::Error::unreadable(what))
}

fn not_found(what: &str) -> ApiError {
    ApiError::from(ucz_service::Error::not_found(
        ucz_core::Key::NounStatement,
        what,
    ))
}

/// The last month that has ended, as `2026-07`.
fn last_month(state: &AppState) -> String {
    let first = state.clock.today().add_months(-1);
    format!("{:04}-{:02}", first.year(), first.month())
}

/// `/bookings/statements`: the keeper's month, or the firm's own statements.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<MonthQuery>,
) -> Response {
    let result = list_page(&state, &visitor, q.month, StatusCode::OK, Vec::new()).await;
    visitor.respond(&state, result)
}

async fn list_page(
    state: &AppState,
    visitor: &Visitor,
    month: Option<String>,
    status: StatusCode,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    caller.user()?;
    let month = month
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| last_month(state));
    let firm = matches!(caller.role(), Some(Role::Firm { .. }));
    let list = if firm {
        statements::mine(state, caller).await?
    } else {
        statements::of_zone(state, caller, None, Some(&month)).await?
    };
    visitor.page(
        state,
        status,
        "statements.html",
        json!({"statements": list, "month": month, "firm": firm, "errors": errors}),
    )
}

/// `POST /bookings/statements/issue`: the keeper issues a month.
pub async fn issue(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let month = form_value(&pairs, "month")
        .unwrap_or_default()
        .trim()
        .to_string();
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let done = statements::issue(
            &state,
            &visitor.caller,
            IssueBody {
                zone: None,
                month: month.clone(),
            },
        )
        .await;
        match done {
            Ok(_) => Ok(visitor.redirect(&format!("/bookings/statements?month={month}"))),
            Err(error) => {
                let error = ApiError::from(error);
                if !refused(&error) {
                    return Err(error);
                }
                let errors = messages(&error, visitor.lang);
                list_page(&state, &visitor, Some(month), error.status(), errors).await
            }
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// `/bookings/statements/export.xlsx?month=`: the keeper's month as a spreadsheet, one row per
/// line.
pub async fn export(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<MonthQuery>,
) -> Response {
    let result = async {
        let month = q
            .month
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| last_month(&state));
        let list = statements::of_zone(&state, &visitor.caller, None, Some(&month)).await?;
        let header = [
            "number",
            "kind",
            "firm_id",
            "month",
            "line",
            "description",
            "quantity",
            "amount",
            "supply",
            "vat",
            "total",
            "paid",
            "issued_at",
        ]
        .map(String::from)
        .to_vec();
        let mut rows = Vec::new();
        for s in &list {
            for l in &s.lines {
                rows.push(vec![
                    json!(s.number),
                    json!(s.kind),
                    json!(s.firm_id),
                    json!(s.month),
                    json!(l.kind),
                    json!(l.description),
                    json!(l.quantity),
                    json!(l.amount),
                    json!(s.totals.supply),
                    json!(s.totals.vat),
                    json!(s.totals.total),
                    json!(s.paid),
                    json!(s.issued_at),
                ]);
            }
        }
        let bytes = xlsx(&Sheet {
            name: "statements".into(),
            header,
            rows,
        })?;
        Ok(attachment(&format!("statements-{month}"), "xlsx", bytes))
    }
    .await;
    visitor.respond(&state, result)
}

/// `/bookings/statements/{id}`: one statement, printable.
pub async fn one(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let result = one_page(&state, &visitor, &id, StatusCode::OK, Vec::new()).await;
    visitor.respond(&state, result)
}

async fn one_page(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    status: StatusCode,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| not_found(id))?;
    let s = statements::read(state, &visitor.caller, id).await?;
    let keeper = !matches!(visitor.caller.role(), Some(Role::Firm { .. }));
    visitor.page(
        state,
        status,
        "statement.html",
        json!({"s": s, "keeper": keeper, "errors": errors, "today": state.clock.today().to_string()}),
    )
}

/// `POST /bookings/statements/{id}/{act}`: `credit` (a reason) or `pay` (amount, day, note).
pub async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, act)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let number: i64 = id.parse().map_err(|_| not_found(&id))?;
        let caller = &visitor.caller;
        let done: Result<i64, ApiError> = async {
            Ok(match act.as_str() {
                "credit" => {
                    statements::credit(
                        &state,
                        caller,
                        number,
                        CreditBody {
                            reason: get("reason"),
                        },
                    )
                    .await?
                    .id
                }
                "pay" => {
                    let amount = get("amount")
                        .replace(',', "")
                        .parse()
                        .map_err(|_| unreadable(format!("amount={}", get("amount"))))?;
                    let paid_on = get("paid_on")
                        .parse()
                        .map_err(|_| unreadable(format!("paid_on={}", get("paid_on"))))?;
                    statements::pay(
                        &state,
                        caller,
                        number,
                        PaymentBody {
                            amount,
                            paid_on,
                            note: get("note"),
                        },
                    )
                    .await?
                    .id
                }
                other => return Err(not_found(other)),
            })
        }
        .await;
        match done {
            Ok(shown) => Ok(visitor.redirect(&format!("/bookings/statements/{shown}"))),
            Err(error) if refused(&error) => {
                let errors = messages(&error, visitor.lang);
                one_page(&state, &visitor, &id, error.status(), errors).await
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}
