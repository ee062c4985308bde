//! Open calls in the browser: the list a founder searches (with what fits its firm, D-days and
//! bookmarks), a call's page, the coordinators' review queue and upload, the deadline calendar
//! and its private feed.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::call::{CallSource, RuleState};
use ucz_service::calls::{self, CallQuery, ReviewBody};
use ucz_store::MarkKind;

use super::{PageQuery, Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;

/// The list's filters as a page's query (the language switch adds `lang`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListPage {
    q: Option<String>,
    status: Option<String>,
    field: Option<String>,
    agency: Option<String>,
    region: Option<String>,
    within_days: Option<String>,
    fit: Option<String>,
    firm: Option<String>,
    offset: Option<i64>,
}

fn blank(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Only paths of this site are gone back to.
fn back(to: Option<&str>, fallback: &str) -> String {
    to.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    })
    .unwrap_or(fallback)
    .to_string()
}

pub async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(page): PageQuery<ListPage>,
) -> Response {
    let result = async {
        let within_days = match blank(&page.within_days) {
            Some(d) => Some(
                d.parse::<i64>()
                    .map_err(|_| ApiError::unreadable(format!("within_days={d}")))?,
            ),
            None => None,
        };
        let query = CallQuery {
            q: blank(&page.q),
            status: blank(&page.status),
            field: blank(&page.field),
            agency: blank(&page.agency),
            region: blank(&page.region),
            within_days,
            firm: blank(&page.firm),
            fit: blank(&page.fit),
            limit: Some(50),
            offset: page.offset,
            ..CallQuery::default()
        };
        let listed = calls::list(&state, &visitor.caller, &query).await?;
        let regions: Vec<Value> = state
            .catalog
            .regions
            .iter()
            .map(
                |r| json!({"id": r.id.as_str(), "name": visitor.lang.pick(&r.name_ko, &r.name_en)}),
            )
            .collect();
        let closing: Vec<&calls::CallView> = listed
            .items
            .iter()
            .filter(|v| v.days_left.is_some_and(|d| (0..=7).contains(&d)))
            .collect();
        let next_offset = page.offset.unwrap_or(0) + 50;
        visitor.page(
            &state,
            StatusCode::OK,
            "calls.html",
            json!({
                "list": listed,
                "closing_count": closing.len(),
                "query": {
                    "q": page.q, "status": page.status, "field": page.field,
                    "agency": page.agency, "region": page.region,
                    "within_days": page.within_days, "fit": page.fit, "firm": page.firm,
                },
                "more": (next_offset as usize) < listed.total,
                "next_offset": next_offset,
                "regions": regions,
                "reviews": matches!(visitor.role(), Some(Role::Admin | Role::Coordinator)),
                "publishes_for": match visitor.role() {
                    Some(Role::Operator { zone }) => Some(zone.clone()),
                    _ => None,
                },
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

fn call_id(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ucz_service::Error::not_found(ucz_core::Key::NounCall, text).into())
}

#[derive(Deserialize)]
pub struct DetailPage {
    firm: Option<String>,
    saved: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageQuery(page): PageQuery<DetailPage>,
) -> Response {
    let result = async {
        let id = call_id(&id)?;
        let view = calls::read(&state, &visitor.caller, id, blank(&page.firm).as_deref()).await?;
        let raw = view
            .stored
            .call
            .raw
            .as_ref()
            .and_then(|r| serde_json::to_string_pretty(r).ok());
        let applied = match &visitor.caller {
            ucz_service::Caller::User { .. } => calls::history(&state, &visitor.caller)
                .await?
                .iter()
                .any(|h| h.mark.call_id == id && h.mark.kind == MarkKind::Applied),
            ucz_service::Caller::Anonymous => false,
        };
        visitor.page(
            &state,
            StatusCode::OK,
            "call.html",
            json!({
                "view": view,
                "raw": raw,
                "applied": applied,
                "saved": page.saved.is_some(),
                "reviews": matches!(visitor.role(), Some(Role::Admin | Role::Coordinator)),
            }),
        )
    }
    .await;
    visitor.respond(&state, result)
}

/// A bookmark or an applied mark put on or taken off; back to the page it came from.
pub async fn mark(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id = call_id(&id)?;
        let kind = match form_value(&pairs, "kind") {
            Some("applied") => MarkKind::Applied,
            _ => MarkKind::Bookmarked,
        };
        if form_value(&pairs, "on") == Some("0") {
            calls::unmark(&state, &visitor.caller, id, kind).await?;
        } else {
            calls::mark(&state, &visitor.caller, id, kind).await?;
        }
        Ok(visitor.redirect(&back(form_value(&pairs, "back"), &format!("/calls/{id}"))))
    }
    .await;
    visitor.respond(&state, result)
}

/// An operator publishes a call of its zone from the list page's form: the closing day and
/// time are Korea's.
pub async fn publish(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let text = |key: &str| {
            form_value(&pairs, key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let opens = match text("opens") {
            Some(day) => Some(day.parse().map_err(|e: String| {
                ApiError::invalid(vec![crate::error::FieldError::new(
                    "opens",
                    ucz_core::Message::new(ucz_core::Key::InputText).arg("text", e),
                )])
            })?),
            None => None,
        };
        let closes_at = format!(
            "{}T{}:00+09:00",
            text("closes_on").unwrap_or_default(),
            text("closes_time").unwrap_or_else(|| "18:00".into())
        );
        let body = calls::PublishBody {
            zone: text("zone").unwrap_or_default(),
            id: None,
            title: text("title").unwrap_or_default(),
            summary: text("summary"),
            field: text("field"),
            target: text("target"),
            opens,
            closes_at,
            rule: text("rule"),
            apply_url: text("apply_url"),
        };
        let call = calls::publish(&state, &visitor.caller, &body).await?;
        Ok(visitor.redirect(&format!("/calls/{}?saved=1", call.id)))
    }
    .await;
    visitor.respond(&state, result)
}

/// A coordinator joins a call to another's group or splits it off.
pub async fn regroup(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id = call_id(&id)?;
        let with = match form_value(&pairs, "with")
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            Some(other) => Some(call_id(other)?),
            None => None,
        };
        calls::regroup(&state, &visitor.caller, id, with).await?;
        Ok(visitor.redirect(&format!("/calls/{id}?saved=1")))
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn queue(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = async {
        let items = calls::queue(&state, &visitor.caller).await?;
        visitor.page(
            &state,
            StatusCode::OK,
            "call_queue.html",
            json!({"items": items}),
        )
    }
    .await;
    visitor.respond(&state, result)
}

fn review_context(
    state: &AppState,
    view: &calls::CallView,
    rule_text: &str,
    error: Option<String>,
    saved: bool,
) -> Value {
    let trials = calls::checked_rule(rule_text)
        .ok()
        .map(|rule| calls::trials(state, &rule, state.clock.today()));
    json!({
        "view": view,
        "rule": rule_text,
        "error": error,
        "trials": trials,
        "saved": saved,
        "approved": view.stored.call.review.state == RuleState::Approved,
    })
}

pub async fn review_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageQuery(page): PageQuery<DetailPage>,
) -> Response {
    let result = async {
        let id = call_id(&id)?;
        // Reviewers only: the others are refused before anything is read.
        calls::may_review(&visitor.caller)?;
        let view = calls::read(&state, &visitor.caller, id, None).await?;
        let rule = view.stored.call.review.rule.clone();
        let context = review_context(&state, &view, &rule, None, page.saved.is_some());
        visitor.page(&state, StatusCode::OK, "call_review.html", context)
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn review_submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id = call_id(&id)?;
        let rule = form_value(&pairs, "rule").unwrap_or_default().to_string();
        let review = ReviewBody {
            rule: Some(rule.clone()),
            approve: form_value(&pairs, "action") == Some("approve"),
            note: form_value(&pairs, "note").map(str::to_string),
        };
        match calls::review(&state, &visitor.caller, id, &review).await {
            Ok(_) => Ok(visitor.redirect(&format!("/calls/{id}/review?saved=1"))),
            Err(error) if error.code == ucz_service::Code::Validation => {
                let view = calls::read(&state, &visitor.caller, id, None).await?;
                let message = error
                    .errors
                    .first()
                    .map(|e| e.message.render(visitor.lang))
                    .unwrap_or_else(|| error.detail.render(visitor.lang));
                let context = review_context(&state, &view, &rule, Some(message), false);
                visitor.page(
                    &state,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "call_review.html",
                    context,
                )
            }
            Err(error) => Err(error.into()),
        }
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn upload_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = async {
        calls::may_review(&visitor.caller)?;
        visitor.page(&state, StatusCode::OK, "call_import.html", json!({}))
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn upload(
    State(state): State<AppState>,
    visitor: Visitor,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let mut csrf = None;
        let mut source = None;
        let mut file: Option<Bytes> = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::unreadable(e.body_text()))?
        {
            match field.name() {
                Some("_csrf") => csrf = field.text().await.ok(),
                Some("source") => source = field.text().await.ok(),
                Some("file") => {
                    file = Some(field.bytes().await.map_err(|e| {
                        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            ApiError::too_large()
                        } else {
                            ApiError::unreadable(e.body_text())
                        }
                    })?)
                }
                _ => {}
            }
        }
        visitor.check_form(csrf.as_deref())?;
        let failure = |message: String| {
            visitor.page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "call_import.html",
                json!({"error": message}),
            )
        };
        let Some(source) = source
            .as_deref()
            .and_then(CallSource::parse)
            .filter(|s| *s != CallSource::Ucz)
        else {
            return failure(state.pages.word(visitor.lang, "calls_choose_source"));
        };
        let Some(bytes) = file.filter(|b| !b.is_empty()) else {
            return failure(state.pages.word(visitor.lang, "import_no_file"));
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return failure(state.pages.word(visitor.lang, "calls_not_utf8"));
        };
        match calls::import(&state, &visitor.caller, source, text).await {
            Ok(report) => {
                state
                    .monitoring
                    .metrics
                    .imported(report.written.created + report.written.updated);
                visitor.page(
                    &state,
                    StatusCode::OK,
                    "call_import.html",
                    json!({"report": report}),
                )
            }
            Err(error) if error.code == ucz_service::Code::Validation => {
                failure(error.detail.render(visitor.lang))
            }
            Err(error) => Err(error.into()),
        }
    }
    .await;
    visitor.respond(&state, result)
}

async fn calendar_context(
    state: &AppState,
    visitor: &Visitor,
    feed: Option<String>,
) -> Result<Value, ApiError> {
    let history = calls::history(state, &visitor.caller).await?;
    let mut marked: Vec<&calls::HistoryItem> = history
        .iter()
        .filter(|h| h.mark.kind == MarkKind::Bookmarked)
        .collect();
    marked.sort_by_key(|h| h.days_left.map_or((true, 0), |d| (d < 0, d)));
    let mut months: Vec<(String, Vec<Value>)> = Vec::new();
    for item in marked {
        let day = item.closing_day;
        let month = day.map_or_else(|| "—".to_string(), |d| d.month_text());
        let shown = json!({
            "id": item.mark.call_id, "title": item.title, "status": item.status,
            "days_left": item.days_left, "day": day.map(|d| d.to_string()),
        });
        match months.last_mut() {
            Some((m, items)) if *m == month => items.push(shown),
            _ => months.push((month, vec![shown])),
        }
    }
    let months: Vec<Value> = months
        .into_iter()
        .map(|(month, items)| json!({"month": month, "items": items}))
        .collect();
    Ok(json!({
        "months": months,
        "history": history,
        "feed": feed,
        "has_feed": calls::has_calendar(state, &visitor.caller).await?,
    }))
}

pub async fn calendar_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = async {
        let context = calendar_context(&state, &visitor, None).await?;
        visitor.page(&state, StatusCode::OK, "call_calendar.html", context)
    }
    .await;
    visitor.respond(&state, result)
}

/// Makes or renews the feed: its address is shown once, on the page this answers.
pub async fn renew_feed(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let secret = calls::renew_calendar(&state, &visitor.caller).await?;
        let context =
            calendar_context(&state, &visitor, Some(format!("/calendar/{secret}.ics"))).await?;
        visitor.page(&state, StatusCode::OK, "call_calendar.html", context)
    }
    .await;
    visitor.respond(&state, result)
}

/// The private iCalendar feed (`/calendar/<secret>.ics`): no session, the secret is the key.
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_string())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or_else(|| "ucz".into());
    match calls::calendar(&state, secret, &host).await {
        Ok(text) => {
            let mut response = text.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}
