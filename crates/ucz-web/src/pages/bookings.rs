//! The pages of booking shared resources: a week of a resource as a calendar of slots to book,
//! the firm's bookings and offers (`/bookings`), and the keeper's page (`/bookings/manage`):
//! bookings to approve and check in, resources as JSON, closures, trainings and the holiday
//! table's reach. Every act is a use case of `ucz_service::bookings`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::date::Date;
use ucz_service::bookings::{self, BookingBody, ClosureBody, Repeat, TrainingBody};

use super::members::{messages, refused};
use super::{Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;

/// Which resource and week the calendar shows.
#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    pub resource: Option<String>,
    pub week: Option<String>,
}

/// Whose resources the keeper's page shows.
#[derive(Debug, Default, Deserialize)]
pub struct ManageQuery {
    pub zone: Option<String>,
    pub hub: Option<String>,
    pub edit: Option<String>,
}

fn unreadable(what: impl std::fmt::Display) -> ApiError {
    ApiError::from(ucz_service::Error::unreadable(what))
}

/// The Monday of the week of `day`.
fn monday(day: Date) -> Date {
    day.add_days(-(i64::from(day.weekday_number()) - 1))
}

/// `/bookings`: the resources, a week of one as slots to book, and the firm's bookings.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<WeekQuery>,
) -> Response {
    let result = week_page(&state, &visitor, &q, StatusCode::OK, Vec::new()).await;
    visitor.respond(&state, result)
}

async fn week_page(
    state: &AppState,
    visitor: &Visitor,
    q: &WeekQuery,
    status: StatusCode,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let resources = bookings::resources(state, None, None).await?;
    let today = state.clock.today();
    let week = match q.week.as_deref().filter(|w| !w.is_empty()) {
        Some(w) => w
            .parse::<Date>()
            .map_err(|_| unreadable(format!("week={w}")))?,
        None => today,
    };
    let first = monday(week);
    let chosen = q
        .resource
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| resources.first().map(|r| r.setup.id.clone()));
    let mut context = json!({
        "resources": resources, "resource": null, "days": [], "times": [], "grid": {},
        "week": first.to_string(), "prev": first.add_days(-7).to_string(),
        "next": first.add_days(7).to_string(), "mine": [], "waitlist": [], "errors": errors,
        "firm": matches!(caller.role(), Some(Role::Firm { .. })),
    });
    if let Some(id) = chosen {
        let resource = bookings::resource(state, &id).await?;
        // Rows of the calendar: every slot start of the week, each day's state at it.
        let mut grid: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut days = Vec::new();
        for day in bookings::days(state, caller, &id, first, 7).await? {
            let date = day.date;
            for s in &day.slots {
                let time = s.start.get(11..16).unwrap_or_default().to_string();
                grid.entry(time).or_default().insert(
                    date.to_string(),
                    json!({"state": s.state, "start": s.start, "end": s.end}),
                );
            }
            days.push(
                json!({"date": date.to_string(), "weekday": date.weekday_number(),
                "closed": day.closed, "holidays_known": day.holidays_known}),
            );
        }
        context["times"] = json!(grid.keys().collect::<Vec<_>>());
        context["grid"] = json!(grid);
        context["days"] = json!(days);
        context["resource"] = json!(resource);
    }
    if matches!(caller.role(), Some(Role::Firm { .. })) {
        let (mine, waitlist) = bookings::mine(state, caller).await?;
        context["mine"] = json!(mine);
        context["waitlist"] = json!(waitlist);
    }
    visitor.page(state, status, "bookings.html", context)
}

/// `POST /bookings/book`: a slot of the calendar (or a longer one, weekly) for the firm.
pub async fn book(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let get = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_string();
    let back = WeekQuery {
        resource: Some(get("resource_id")),
        week: get("start").get(..10).map(str::to_string),
    };
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let weeks: Option<u32> = match get("weeks").as_str() {
            "" | "1" => None,
            w => Some(w.parse().map_err(|_| unreadable(format!("weeks={w}")))?),
        };
        let body = BookingBody {
            resource_id: get("resource_id"),
            start: get("start"),
            end: get("end"),
            note: get("note"),
            repeat: weeks.map(|w| Repeat {
                weeks: Some(w),
                ..Repeat::default()
            }),
            partial: get("partial") == "1",
            waitlist: get("waitlist") == "1",
        };
        let outcome = bookings::book(&state, &visitor.caller, body).await;
        match outcome {
            Ok(_) => Ok(visitor.redirect(&format!(
                "/bookings?resource={}&week={}#mine",
                back.resource.as_deref().unwrap_or_default(),
                back.week.as_deref().unwrap_or_default()
            ))),
            Err(error) => {
                let error = ApiError::from(error);
                if refused(&error) {
                    week_page(
                        &state,
                        &visitor,
                        &back,
                        error.status(),
                        messages(&error, visitor.lang),
                    )
                    .await
                } else {
                    Err(error)
                }
            }
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// `POST /bookings/{id}/{act}`: cancel, check-in, take, let-go (the firm), approve, decline,
/// cancel, check-in (the keeper).
pub async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, act)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id: i64 = id.parse().map_err(|_| {
            ApiError::from(ucz_service::Error::not_found(
                ucz_core::Key::NounBooking,
                &id,
            ))
        })?;
        let caller = &visitor.caller;
        let done = match act.as_str() {
            "cancel" => bookings::cancel(&state, caller, id).await,
            "check-in" => bookings::check_in(&state, caller, id).await,
            "take" => bookings::answer_offer(&state, caller, id, true).await,
            "let-go" => bookings::answer_offer(&state, caller, id, false).await,
            "approve" => bookings::decide(&state, caller, id, true).await,
            "decline" => bookings::decide(&state, caller, id, false).await,
            other => {
                return Err(ApiError::from(ucz_service::Error::not_found(
                    ucz_core::Key::NounBooking,
                    other,
                )));
            }
        };
        // The keeper's page keeps the zone or hub it was showing.
        let place = ManageQuery {
            zone: form_value(&pairs, "zone")
                .filter(|z| !z.is_empty())
                .map(str::to_string),
            hub: form_value(&pairs, "hub")
                .filter(|h| !h.is_empty())
                .map(str::to_string),
            edit: None,
        };
        let manage = form_value(&pairs, "back") == Some("manage");
        let back = if manage {
            manage_path(&place)
        } else {
            "/bookings#mine".to_string()
        };
        match done {
            Ok(_) => Ok(visitor.redirect(&back)),
            Err(error) => {
                let error = ApiError::from(error);
                if !refused(&error) {
                    return Err(error);
                }
                let errors = messages(&error, visitor.lang);
                if manage {
                    manage_page(&state, &visitor, &place, error.status(), errors, None).await
                } else {
                    week_page(
                        &state,
                        &visitor,
                        &WeekQuery::default(),
                        error.status(),
                        errors,
                    )
                    .await
                }
            }
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// The keeper's page of a zone or hub (the operator's own zone when neither is given).
fn manage_path(q: &ManageQuery) -> String {
    let pairs: Vec<(&str, &str)> = [("zone", &q.zone), ("hub", &q.hub)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect();
    if pairs.is_empty() {
        return "/bookings/manage".into();
    }
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("/bookings/manage?{query}")
}

/// `/bookings/manage`: the keeper's page.
pub async fn manage(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<ManageQuery>,
) -> Response {
    let result = manage_page(&state, &visitor, &q, StatusCode::OK, Vec::new(), None).await;
    visitor.respond(&state, result)
}

async fn manage_page(
    state: &AppState,
    visitor: &Visitor,
    q: &ManageQuery,
    status: StatusCode,
    errors: Vec<Value>,
    setup: Option<String>,
) -> Result<Response, ApiError> {
    let caller = &visitor.caller;
    let (zone, hub) = (
        q.zone.as_deref().filter(|z| !z.is_empty()),
        q.hub.as_deref().filter(|h| !h.is_empty()),
    );
    let today = state.clock.today();
    let list = bookings::bookings_of(state, caller, zone, hub, today.add_days(-1), 15).await?;
    let upkeep = bookings::upkeep(state, caller, zone, hub).await?;
    let place_zone = match (zone, hub, caller.role()) {
        (Some(z), _, _) => Some(z.to_string()),
        (None, None, Some(Role::Operator { zone })) => Some(zone.clone()),
        _ => None,
    };
    let resources = bookings::resources(state, place_zone.as_deref(), hub).await?;
    let editing = match q.edit.as_deref().filter(|e| !e.is_empty()) {
        Some(id) => resources.iter().find(|r| r.setup.id == id),
        None => None,
    };
    let setup = setup.unwrap_or_else(|| match editing {
        Some(r) => serde_json::to_string_pretty(&r.setup).unwrap_or_default(),
        None => serde_json::to_string_pretty(&json!({
            "id": "", "name": "", "kind": "room",
            "facility_id": null,
            "rules": [{"applies_to": "anyone", "hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}]}]
        }))
        .unwrap_or_default(),
    });
    let waiting = list.iter().filter(|b| b.state == "requested").count();
    let holidays_warning = upkeep
        .holidays_until
        .is_none_or(|last| today.add_days(60).year() > last);
    visitor.page(
        state,
        status,
        "bookings_manage.html",
        json!({
            "bookings": list, "waiting": waiting, "upkeep": upkeep, "resources": resources,
            "setup": setup, "errors": errors, "zone": zone.unwrap_or_default(),
            "hub": hub.unwrap_or_default(), "holidays_warning": holidays_warning,
            "today": today.to_string(),
        }),
    )
}

/// `POST /bookings/manage/{act}`: a resource (JSON), a closure, a training.
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
        hub: opt("hub"),
        edit: None,
    };
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let caller = &visitor.caller;
        let done: Result<(), ApiError> = async {
            match act.as_str() {
                "resource" => {
                    let value: Value = serde_json::from_str(&get("setup")).map_err(unreadable)?;
                    bookings::set_resource(&state, caller, value).await?;
                }
                "closure" => {
                    let day = |k: &str| {
                        get(k)
                            .parse::<Date>()
                            .map_err(|_| unreadable(format!("{k}={}", get(k))))
                    };
                    bookings::add_closure(
                        &state,
                        caller,
                        ClosureBody {
                            zone_id: q.zone.clone(),
                            hub_id: q.hub.clone(),
                            closure: ucz_core::booking::Closure {
                                resource_id: opt("resource_id"),
                                from: day("from")?,
                                until: day("until")?,
                                reason: get("reason"),
                            },
                        },
                    )
                    .await?;
                }
                "training" => {
                    bookings::record_training(
                        &state,
                        caller,
                        TrainingBody {
                            zone_id: q.zone.clone(),
                            hub_id: q.hub.clone(),
                            training: get("training"),
                            firm_id: get("firm_id"),
                            person: get("person"),
                        },
                    )
                    .await?;
                }
                other => {
                    return Err(ApiError::from(ucz_service::Error::not_found(
                        ucz_core::Key::NounResource,
                        other,
                    )));
                }
            }
            Ok(())
        }
        .await;
        match done {
            Ok(()) => Ok(visitor.redirect(&manage_path(&q))),
            Err(error) if refused(&error) => {
                let setup = (act == "resource").then(|| get("setup"));
                manage_page(
                    &state,
                    &visitor,
                    &q,
                    error.status(),
                    messages(&error, visitor.lang),
                    setup,
                )
                .await
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// The firm's bookings as iCalendar (`/calendar/bookings/<secret>.ics`): no session, the
/// secret of its calendar feed is the key.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    match bookings::firm_feed(&state, secret).await {
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
