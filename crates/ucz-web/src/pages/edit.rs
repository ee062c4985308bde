//! Forms that create, edit and delete zones, facilities, spaces, institutions and firms. Each
//! submission goes through the API handler of the same operation, so validation and role rules
//! are the API's; the page puts each error beside its field.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
use ucz_store::Filter;

use super::form::{self, Choice, Options, Resource};
use super::{Visitor, form_pairs, form_value};
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::resources::{facilities, firms, institutions, spaces, zones};
use crate::{AppState, access};

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for plural in ["zones", "facilities", "spaces", "institutions", "firms"] {
        router = router
            .route(&format!("/{plural}/new"), get(new_form).post(create))
            .route(
                &format!("/{plural}/{{id}}/edit"),
                get(edit_form).post(update),
            )
            .route(&format!("/{plural}/{{id}}/delete"), post(delete));
    }
    router
}

/// The resource of a path such as `/facilities/new`.
fn resource_of(uri: &axum::http::Uri) -> Result<Resource, ApiError> {
    uri.path()
        .split('/')
        .nth(1)
        .and_then(Resource::parse)
        .ok_or_else(ApiError::unknown_route)
}

pub async fn read(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    id: &str,
) -> Result<Value, ApiError> {
    let (s, p) = (State(state.clone()), Path(id.to_string()));
    Ok(match resource {
        Resource::Zone => zones::read(s, p).await?.0,
        Resource::Facility => facilities::read(s, caller.clone(), p).await?.0,
        Resource::Space => spaces::read(s, caller.clone(), p).await?.0,
        Resource::Institution => institutions::read(s, caller.clone(), p).await?.0,
        Resource::Firm => firms::read(s, caller.clone(), p).await?.0,
    })
}

pub async fn create_record(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    body: Value,
) -> Result<Value, ApiError> {
    let (s, c, b) = (State(state.clone()), caller.clone(), Ok(Json(body)));
    Ok(match resource {
        Resource::Zone => zones::create(s, c, b).await?.1.0,
        Resource::Facility => facilities::create(s, c, b).await?.1.0,
        Resource::Space => spaces::create(s, c, b).await?.1.0,
        Resource::Institution => institutions::create(s, c, b).await?.1.0,
        Resource::Firm => firms::create(s, c, b).await?.1.0,
    })
}

async fn update_record(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    id: &str,
    body: Value,
) -> Result<Value, ApiError> {
    let (s, c, p, b) = (
        State(state.clone()),
        caller.clone(),
        Path(id.to_string()),
        Ok(Json(body)),
    );
    Ok(match resource {
        Resource::Zone => zones::update(s, c, p, b).await?.0,
        Resource::Facility => facilities::update(s, c, p, b).await?.0,
        Resource::Space => spaces::update(s, c, p, b).await?.0,
        Resource::Institution => institutions::update(s, c, p, b).await?.0,
        Resource::Firm => firms::update(s, c, p, b).await?.0,
    })
}

async fn delete_record(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    id: &str,
) -> Result<(), ApiError> {
    let (s, c, p) = (State(state.clone()), caller.clone(), Path(id.to_string()));
    match resource {
        Resource::Zone => zones::delete(s, c, p).await?,
        Resource::Facility => facilities::delete(s, c, p).await?,
        Resource::Space => spaces::delete(s, c, p).await?,
        Resource::Institution => institutions::delete(s, c, p).await?,
        Resource::Firm => firms::delete(s, c, p).await?,
    };
    Ok(())
}

/// The zone page a record belongs on.
pub async fn zone_of(state: &AppState, resource: Resource, record: &Value) -> Option<String> {
    let text = |v: &Value| v.as_str().map(String::from);
    match resource {
        Resource::Zone => text(&record["id"]),
        Resource::Facility | Resource::Institution => text(&record["zone_id"]),
        Resource::Firm => text(&record["zone"]).filter(|z| !z.is_empty()),
        Resource::Space => {
            let facility = record["facility_id"].as_i64()?.to_string();
            let facility = state
                .store
                .get(&ucz_store::FACILITIES, &facility)
                .await
                .ok()??;
            text(&facility["zone_id"])
        }
    }
}

fn page_of(resource: Resource, zone: Option<String>, record: &Value) -> String {
    match (resource, zone) {
        (Resource::Firm, _) => format!("/firms/{}", record["id"].as_str().unwrap_or_default()),
        (_, Some(zone)) => format!("/zones/{zone}"),
        (_, None) => "/".into(),
    }
}

/// Zones the visitor may choose for a facility, institution or firm, and facilities for a space.
pub async fn options(state: &AppState, caller: &Caller) -> Result<Options, ApiError> {
    let all = |equals| Filter {
        equals,
        limit: i64::MAX,
        offset: 0,
    };
    let (zones, _) = state.store.list(&ucz_store::ZONES, &all(vec![])).await?;
    let own = |zone: &str| match caller.role() {
        Some(Role::Operator { zone: own }) => own == zone,
        Some(Role::Firm { .. }) | None => false,
        Some(_) => true,
    };
    let zone_choices = zones
        .iter()
        .filter_map(|z| {
            let id = z["id"].as_str()?;
            own(id).then(|| Choice {
                value: id.to_string(),
                label: format!("{} ({id})", z["body"]["name"].as_str().unwrap_or(id)),
            })
        })
        .collect();
    let (facilities, _) = state
        .store
        .list(&ucz_store::FACILITIES, &all(vec![]))
        .await?;
    let facility_choices = facilities
        .iter()
        .filter(|f| own(f["zone_id"].as_str().unwrap_or_default()))
        .map(|f| Choice {
            value: f["id"].to_string(),
            label: format!(
                "{} — {}",
                f["name"].as_str().unwrap_or_default(),
                f["zone_id"].as_str().unwrap_or_default()
            ),
        })
        .collect();
    Ok(Options {
        zones: zone_choices,
        facilities: facility_choices,
    })
}

struct FormPage<'a> {
    resource: Resource,
    fields: Vec<form::Field>,
    /// Errors that belong to no field.
    errors: Vec<String>,
    action: String,
    cancel: String,
    editing: Option<&'a str>,
}

fn show(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    page: FormPage<'_>,
) -> Result<Response, ApiError> {
    let word = |key: &str| state.pages.word(visitor.lang, key);
    let title = format!(
        "{} {}",
        word(&format!("r_{}", page.resource.plural())),
        word(if page.editing.is_some() {
            "edit"
        } else {
            "new"
        })
    );
    visitor.page(
        state,
        status,
        "form.html",
        json!({
            "title": title,
            "resource": page.resource.plural(),
            "fields": page.fields,
            "errors": page.errors,
            "action": page.action,
            "cancel": page.cancel,
            "delete": page.editing.map(|id| format!("/{}/{id}/delete", page.resource.plural())),
        }),
    )
}

/// After a submission: the record's page when it was saved; the form again, each error beside
/// its field, when the API refused the values.
async fn after_submit(
    state: &AppState,
    visitor: &Visitor,
    attempt: Result<Value, ApiError>,
    mut page: FormPage<'_>,
) -> Result<Response, ApiError> {
    match attempt {
        Ok(saved) => {
            let zone = zone_of(state, page.resource, &saved).await;
            let to = page_of(page.resource, zone, &saved);
            Ok(visitor.redirect(&format!("{to}?saved=1")))
        }
        Err(error)
            if matches!(
                error.status,
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT | StatusCode::BAD_REQUEST
            ) =>
        {
            page.errors = form::attach(&mut page.fields, error.errors)
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            if error.status != StatusCode::UNPROCESSABLE_ENTITY {
                page.errors.push(error.detail);
            }
            show(state, visitor, StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(error) => Err(error),
    }
}

/// May the visitor open the form at all? The API decides for each submission; this spares a
/// visitor a form they could never submit.
fn may_write(caller: &Caller, resource: Resource) -> Result<(), ApiError> {
    let role = caller.require_user()?;
    let ok = match resource {
        Resource::Zone => matches!(role, Role::Admin | Role::Coordinator),
        Resource::Facility | Resource::Space | Resource::Institution => {
            matches!(role, Role::Admin | Role::Operator { .. })
        }
        Resource::Firm => matches!(role, Role::Admin | Role::Operator { .. }),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
    Query(preset): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let result = async {
        let resource = resource_of(&uri)?;
        may_write(&visitor.caller, resource)?;
        let options = options(&state, &visitor.caller).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        // `?zone=busan` or `?facility=3` preselects the parent.
        let preset_record = json!({
            "zone_id": preset.get("zone"), "zone": preset.get("zone"),
            "facility_id": preset.get("facility"),
        });
        form::fill(&mut fields, &preset_record);
        let cancel = preset
            .get("zone")
            .map_or("/".to_string(), |z| format!("/zones/{z}"));
        show(
            &state,
            &visitor,
            StatusCode::OK,
            FormPage {
                resource,
                fields,
                errors: vec![],
                action: format!("/{}/new", resource.plural()),
                cancel,
                editing: None,
            },
        )
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
    body: Bytes,
) -> Response {
    let result = async {
        let resource = resource_of(&uri)?;
        let pairs = form_pairs(&body);
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        may_write(&visitor.caller, resource)?;
        let options = options(&state, &visitor.caller).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        form::read(&mut fields, &pairs);
        let attempt = match form::body(&mut fields, visitor.lang) {
            Some(body) => create_record(&state, &visitor.caller, resource, body).await,
            None => Err(ApiError::invalid(vec![])),
        };
        let page = FormPage {
            resource,
            fields,
            errors: vec![],
            action: format!("/{}/new", resource.plural()),
            cancel: "/".into(),
            editing: None,
        };
        after_submit(&state, &visitor, attempt, page).await
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn edit_form(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let resource = resource_of(&uri)?;
        let record = read(&state, &visitor.caller, resource, &id).await?;
        let zone = zone_of(&state, resource, &record).await;
        check_edit(&visitor.caller, resource, &id, zone.as_deref())?;
        let options = options(&state, &visitor.caller).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        locked(&visitor.caller, &mut fields, &record);
        form::fill(&mut fields, &record);
        show(
            &state,
            &visitor,
            StatusCode::OK,
            FormPage {
                resource,
                fields,
                errors: vec![],
                action: format!("/{}/{id}/edit", resource.plural()),
                cancel: page_of(resource, zone, &record),
                editing: (resource != Resource::Firm
                    || !matches!(visitor.role(), Some(Role::Firm { .. })))
                .then_some(&id),
            },
        )
    }
    .await;
    visitor.respond(&state, result)
}

/// The edit form opens for those the API lets write the record.
fn check_edit(
    caller: &Caller,
    resource: Resource,
    id: &str,
    zone: Option<&str>,
) -> Result<(), ApiError> {
    let zone = zone.unwrap_or_default();
    match resource {
        Resource::Zone => access::update_zone(caller, id),
        Resource::Firm => access::write_firm(caller, id, zone),
        _ => access::write_zone_part(caller, zone),
    }
}

/// A firm edits its profile but stays in its zone: the zone select offers only the current one.
fn locked(caller: &Caller, fields: &mut [form::Field], record: &Value) {
    if matches!(caller.role(), Some(Role::Firm { .. })) {
        if let Some(zone) = fields.iter_mut().find(|f| f.name == "zone") {
            let current = record["zone"].as_str().unwrap_or_default();
            zone.choices.retain(|c| c.value == current);
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let resource = resource_of(&uri)?;
        let pairs = form_pairs(&body);
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let before = read(&state, &visitor.caller, resource, &id).await?;
        let options = options(&state, &visitor.caller).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        locked(&visitor.caller, &mut fields, &before);
        form::read(&mut fields, &pairs);
        let attempt = match form::body(&mut fields, visitor.lang) {
            Some(mut body) => {
                if matches!(resource, Resource::Zone | Resource::Firm) {
                    body["id"] = Value::from(id.as_str());
                }
                update_record(&state, &visitor.caller, resource, &id, body).await
            }
            None => Err(ApiError::invalid(vec![])),
        };
        let zone = zone_of(&state, resource, &before).await;
        let page = FormPage {
            resource,
            fields,
            errors: vec![],
            action: format!("/{}/{id}/edit", resource.plural()),
            cancel: page_of(resource, zone, &before),
            editing: Some(&id),
        };
        after_submit(&state, &visitor, attempt, page).await
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn delete(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let resource = resource_of(&uri)?;
        visitor.check_form(form_value(&form_pairs(&body), "_csrf"))?;
        let before = read(&state, &visitor.caller, resource, &id).await?;
        let zone = zone_of(&state, resource, &before).await;
        delete_record(&state, &visitor.caller, resource, &id).await?;
        Ok(visitor.redirect(
            match (resource, &zone) {
                (Resource::Zone, _) => "/".to_string(),
                (Resource::Firm, _) => "/firms".to_string(),
                (_, Some(zone)) => format!("/zones/{zone}"),
                (_, None) => "/".to_string(),
            }
            .as_str(),
        ))
    }
    .await;
    visitor.respond(&state, result)
}
