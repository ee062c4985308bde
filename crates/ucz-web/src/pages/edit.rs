//! Forms that create, edit and delete zones, facilities, spaces, institutions and firms. Each
//! submission goes through the API handler of the same operation, so validation and role rules
//! are the API's; the page puts each error beside its field.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
use ucz_core::Lang;

use super::form::{self, Choice, Options, Resource};
use super::{PageQuery, Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, FieldError, Key};
use ucz_service::access;
use ucz_service::records::shown;
use ucz_service::{Code, facilities, firms, hubs, institutions, spaces, zones};

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for plural in [
        "zones",
        "facilities",
        "spaces",
        "institutions",
        "firms",
        "hubs",
    ] {
        router = router
            .route(&format!("/{plural}/new"), get(new_form).post(create))
            .route(
                &format!("/{plural}/{{id}}/edit"),
                get(edit_form).post(update),
            )
            .route(
                &format!("/{plural}/{{id}}/delete"),
                get(confirm_delete).post(delete),
            );
    }
    router.route("/leases/{id}/end", post(end_lease))
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
    Ok(match resource {
        Resource::Zone => shown(&zones::read(state, id).await?),
        Resource::Facility => shown(&facilities::read(state, caller, id).await?),
        Resource::Space => shown(&spaces::read(state, caller, id).await?),
        Resource::Institution => shown(&institutions::read(state, caller, id).await?),
        Resource::Firm => shown(&firms::read(state, caller, id).await?),
        Resource::Hub => shown(&hubs::read(state, caller, id).await?),
        Resource::Bookable => json!(ucz_service::bookings::resource(state, id).await?),
    })
}

pub async fn create_record(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    body: Value,
) -> Result<Value, ApiError> {
    Ok(match resource {
        Resource::Zone => shown(&zones::create(state, caller, body).await?),
        Resource::Facility => shown(&facilities::create(state, caller, body).await?),
        Resource::Space => shown(&spaces::create(state, caller, body).await?),
        Resource::Institution => shown(&institutions::create(state, caller, body).await?),
        Resource::Firm => shown(&firms::create(state, caller, body).await?),
        Resource::Hub => shown(&hubs::create(state, caller, body).await?),
        Resource::Bookable => {
            json!(ucz_service::bookings::set_resource(state, caller, body).await?)
        }
    })
}

async fn update_record(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    id: &str,
    body: Value,
) -> Result<Value, ApiError> {
    Ok(match resource {
        Resource::Zone => shown(&zones::update(state, caller, id, body).await?),
        Resource::Facility => shown(&facilities::update(state, caller, id, body).await?),
        Resource::Space => shown(&spaces::update(state, caller, id, body).await?),
        Resource::Institution => shown(&institutions::update(state, caller, id, body).await?),
        Resource::Firm => shown(&firms::update(state, caller, id, body).await?),
        Resource::Hub => shown(&hubs::update(state, caller, id, body).await?),
        Resource::Bookable => {
            json!(ucz_service::bookings::set_resource(state, caller, body).await?)
        }
    })
}

async fn delete_record(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    id: &str,
) -> Result<(), ApiError> {
    match resource {
        Resource::Zone => zones::delete(state, caller, id).await?,
        Resource::Facility => facilities::delete(state, caller, id).await?,
        Resource::Space => spaces::delete(state, caller, id).await?,
        Resource::Institution => institutions::delete(state, caller, id).await?,
        Resource::Firm => firms::delete(state, caller, id).await?,
        Resource::Hub => hubs::delete(state, caller, id).await?,
        Resource::Bookable => return Err(ApiError::unknown_route()),
    };
    Ok(())
}

/// The zone page a record belongs on.
pub async fn zone_of(state: &AppState, resource: Resource, record: &Value) -> Option<String> {
    let text = |v: &Value| v.as_str().map(String::from);
    match resource {
        Resource::Zone => text(&record["id"]),
        Resource::Hub => None,
        Resource::Bookable => text(&record["zone_id"]),
        Resource::Facility | Resource::Institution => text(&record["zone_id"]),
        Resource::Firm => text(&record["zone"]).filter(|z| !z.is_empty()),
        Resource::Space => {
            // A hub's space has no zone page.
            record["facility_id"].as_i64()?;
            let space: ucz_core::record::SpaceBody = serde_json::from_value(record.clone()).ok()?;
            let owner = ucz_service::parts::space_zone(state, &space).await.ok()?;
            owner.zone().map(String::from)
        }
    }
}

fn page_of(resource: Resource, zone: Option<String>, record: &Value) -> String {
    match (resource, zone) {
        (Resource::Firm, _) => format!("/firms/{}", record["id"].as_str().unwrap_or_default()),
        (Resource::Hub, _) => "/hubs".into(),
        (_, Some(zone)) => format!("/zones/{zone}"),
        (_, None) => "/".into(),
    }
}

/// Zones the visitor may choose for a facility, institution or firm, and facilities for a space.
pub async fn options(state: &AppState, caller: &Caller, lang: Lang) -> Result<Options, ApiError> {
    let ucz_service::zones::Choices { zones, facilities } =
        ucz_service::zones::choices(state, caller).await?;
    let own = |zone: &str| match caller.role() {
        Some(Role::Operator { zone: own }) => own == zone,
        Some(Role::Firm { .. }) | None => false,
        Some(_) => true,
    };
    let names: std::collections::HashMap<&str, String> = zones
        .iter()
        .map(|z| (z.id.as_str(), super::zone_name(&z.record.record, lang)))
        .collect();
    let zone_choices = zones
        .iter()
        .filter_map(|z| {
            let id = z.id.as_str();
            own(id).then(|| Choice {
                value: id.to_string(),
                label: names.get(id).cloned().unwrap_or_default(),
                names: ["name", "name_en"]
                    .iter()
                    .filter_map(|k| z.record.record.text(k).map(String::from))
                    .collect(),
            })
        })
        .collect();
    let facility_choices = facilities
        .iter()
        .filter(|f| own(f.record.zone_id.as_str()))
        .map(|f| Choice {
            value: f.id.to_string(),
            label: format!(
                "{} — {}",
                f.record.name,
                names
                    .get(f.record.zone_id.as_str())
                    .cloned()
                    .unwrap_or_default()
            ),
            names: Vec::new(),
        })
        .collect();
    Ok(Options {
        zones: zone_choices,
        facilities: facility_choices,
    })
}

/// A record's form as a page shows it (also the founder's profile form, `members`).
pub(super) struct FormPage<'a> {
    pub resource: Resource,
    pub fields: Vec<form::Field>,
    /// Errors that belong to no field.
    pub errors: Vec<String>,
    pub action: String,
    pub cancel: String,
    pub editing: Option<&'a str>,
    /// Whether the visitor may delete the record (a firm edits its profile, not its existence).
    pub deletable: bool,
}

pub(super) fn show(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    page: FormPage<'_>,
) -> Result<Response, ApiError> {
    let word = |key: &str| state.pages.word(visitor.lang, key);
    let thing = word(&format!("r_{}", page.resource.plural()));
    let thing = match visitor.lang {
        ucz_core::Lang::Ko => thing,
        ucz_core::Lang::En => thing.to_lowercase(),
    };
    let title = word(if page.editing.is_some() {
        "edit_title"
    } else {
        "new_title"
    })
    .replace("{}", &thing);
    // A record keeps its id: the field is shown but not editable.
    let mut fields = page.fields;
    if page.editing.is_some() {
        for field in fields.iter_mut().filter(|f| f.name == "id") {
            field.readonly = true;
        }
    }
    visitor.page(
        state,
        status,
        "form.html",
        json!({
            "title": title,
            "resource": page.resource.plural(),
            "fields": fields,
            "errors": page.errors,
            "action": page.action,
            "cancel": page.cancel,
            "delete": page
                .editing
                .filter(|_| page.deletable)
                .map(|id| format!("/{}/{id}/delete", page.resource.plural())),
        }),
    )
}

/// The API's validation of a body, without writing: when some fields could not be read, the
/// others still get their errors, all in one answer.
pub async fn check_only(state: &AppState, resource: Resource, body: &Value) -> ApiError {
    let checked = match resource {
        Resource::Zone => zones::validate(state, body).map(|_| ()),
        Resource::Facility => ucz_service::parts::facility_in(state, &Default::default(), body)
            .await
            .map(|_| ()),
        Resource::Space => ucz_service::parts::space_in(state, &Default::default(), body)
            .await
            .map(|_| ()),
        Resource::Institution => {
            ucz_service::parts::institution_in(state, &Default::default(), body)
                .await
                .map(|_| ())
        }
        Resource::Firm => firms::validate(state, body).await.map(|_| ()),
        Resource::Hub => ucz_service::hubs::validate(state, body).map(|_| ()),
        Resource::Bookable => Ok(()),
    };
    match checked {
        Err(error) if error.code == Code::Validation => error.into(),
        _ => ApiError::invalid(vec![]),
    }
}

/// After a submission: the record's page when it was saved; the form again, each error beside
/// its field, when the API refused the values.
pub(super) async fn after_submit(
    state: &AppState,
    visitor: &Visitor,
    attempt: Result<Value, ApiError>,
    mut page: FormPage<'_>,
) -> Result<Response, ApiError> {
    let attempt = attempt.map_err(|mut error| {
        let creating = page.editing.is_none();
        if error.code == Code::IdTaken {
            error.errors.push(FieldError {
                field: "id".into(),
                message: Key::IdTaken.into(),
            });
            error.code = Code::Validation;
        } else if error.code == Code::Forbidden
            && creating
            && page.resource == Resource::Firm
            && matches!(visitor.role(), Some(Role::Operator { .. }))
        {
            // An operator's new firm in its own zone is refused only when the id is taken
            // (by a firm it may not see).
            error = ApiError::invalid(vec![FieldError {
                field: "id".into(),
                message: Key::IdUnavailable.into(),
            }]);
        }
        error
    });
    match attempt {
        Ok(saved) => {
            let zone = zone_of(state, page.resource, &saved).await;
            let to = page_of(page.resource, zone, &saved);
            Ok(visitor.redirect(&format!("{to}?saved=1")))
        }
        Err(mut error)
            if matches!(
                error.code,
                Code::Validation | Code::Conflict | Code::BadRequest
            ) =>
        {
            let errors = std::mem::take(&mut error.errors)
                .into_iter()
                .map(|e| FieldError {
                    message: super::named(&state.catalog, &e.message, visitor.lang),
                    ..e
                })
                .collect();
            page.errors = form::attach(&mut page.fields, errors, visitor.lang)
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message.render(visitor.lang)))
                .collect();
            // A refusal that is no field's (a lease in the way) is said above the form.
            if error.code != Code::Validation {
                let detail = super::named(&state.catalog, &error.detail, visitor.lang);
                page.errors.push(detail.render(visitor.lang));
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
        Resource::Hub => matches!(role, Role::Admin | Role::Coordinator),
        Resource::Bookable => matches!(
            role,
            Role::Admin | Role::Operator { .. } | Role::Coordinator
        ),
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
    PageQuery(preset): PageQuery<std::collections::HashMap<String, String>>,
) -> Response {
    let result = async {
        let resource = resource_of(&uri)?;
        may_write(&visitor.caller, resource)?;
        let options = options(&state, &visitor.caller, visitor.lang).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        restrict(
            &state,
            &visitor.caller,
            visitor.lang,
            &mut fields,
            &Value::Null,
        )
        .await;
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
                deletable: false,
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
        let options = options(&state, &visitor.caller, visitor.lang).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        restrict(
            &state,
            &visitor.caller,
            visitor.lang,
            &mut fields,
            &Value::Null,
        )
        .await;
        form::read(&mut fields, &pairs);
        let attempt = match form::body(&mut fields, visitor.lang) {
            (body, true) => create_record(&state, &visitor.caller, resource, body).await,
            (body, false) => Err(check_only(&state, resource, &body).await),
        };
        let page = FormPage {
            resource,
            fields,
            errors: vec![],
            action: format!("/{}/new", resource.plural()),
            cancel: "/".into(),
            editing: None,
            deletable: false,
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
        let options = options(&state, &visitor.caller, visitor.lang).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        restrict(&state, &visitor.caller, visitor.lang, &mut fields, &record).await;
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
                editing: Some(&id),
                deletable: !matches!(visitor.role(), Some(Role::Firm { .. })),
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
    Ok(match resource {
        Resource::Zone => access::update_zone(caller, id),
        Resource::Firm => access::write_firm(caller, id, zone),
        Resource::Hub => access::write_hub(caller),
        _ => access::write_zone_part(caller, &access::Owner::Zone(zone.to_string())),
    }?)
}

/// The zone a firm may name: a firm stays in its own (the select offers only it); an operator's
/// firms are tenants of its zone (no "none").
pub(super) async fn restrict(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    fields: &mut Vec<form::Field>,
    record: &Value,
) {
    // A hub's space stays in its hub: no facility to choose.
    if record["hub_id"].is_string() {
        fields.retain(|f| f.name != "facility_id");
    }
    let Some(zone) = fields.iter_mut().find(|f| f.name == "zone") else {
        return;
    };
    match caller.role() {
        Some(Role::Firm { .. }) => {
            let current = record["zone"].as_str().unwrap_or_default().to_string();
            let label = if current.is_empty() {
                zone.choices
                    .first()
                    .map(|c| c.label.clone())
                    .unwrap_or_default()
            } else {
                match zones::read(state, &current).await {
                    Ok(zone) => super::zone_name(&zone.record.record, lang),
                    Err(_) => current.clone(),
                }
            };
            zone.choices = vec![Choice {
                value: current,
                label,
                names: Vec::new(),
            }];
        }
        Some(Role::Operator { .. }) => {
            zone.choices.retain(|c| !c.value.is_empty());
            zone.required = true;
        }
        _ => {}
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
        let options = options(&state, &visitor.caller, visitor.lang).await?;
        let mut fields = form::fields(&state, resource, visitor.lang, &options);
        restrict(&state, &visitor.caller, visitor.lang, &mut fields, &before).await;
        form::read(&mut fields, &pairs);
        let (mut body, readable) = form::body(&mut fields, visitor.lang);
        if matches!(resource, Resource::Zone | Resource::Firm) {
            body["id"] = Value::from(id.as_str());
        }
        // What the form does not show stays as it is: a space's admissions and its hub.
        if resource == Resource::Space {
            body["admits"] = before["admits"].clone();
            if before["hub_id"].is_string() {
                body["hub_id"] = before["hub_id"].clone();
                body["facility_id"] = Value::Null;
            }
        }
        let attempt = if readable {
            update_record(&state, &visitor.caller, resource, &id, body).await
        } else {
            Err(check_only(&state, resource, &body).await)
        };
        let zone = zone_of(&state, resource, &before).await;
        let page = FormPage {
            resource,
            fields,
            errors: vec![],
            action: format!("/{}/{id}/edit", resource.plural()),
            cancel: page_of(resource, zone, &before),
            editing: Some(&id),
            deletable: !matches!(visitor.role(), Some(Role::Firm { .. })),
        };
        after_submit(&state, &visitor, attempt, page).await
    }
    .await;
    visitor.respond(&state, result)
}

/// What deleting would remove, and the button that does it.
pub async fn confirm_delete(
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
        if resource == Resource::Firm && matches!(visitor.role(), Some(Role::Firm { .. })) {
            return Err(ApiError::forbidden());
        }
        let name = record["name"]
            .as_str()
            .or(record["id"].as_str())
            .map_or_else(|| id.clone(), String::from);
        let word = |key: &str| state.pages.word(visitor.lang, key);
        visitor.page(
            &state,
            StatusCode::OK,
            "confirm.html",
            json!({
                "title": word("delete_title").replace("{}", &name),
                "warning": word(&format!("delete_warning_{}", resource.plural())),
                "action": format!("/{}/{id}/delete", resource.plural()),
                "cancel": format!("/{}/{id}/edit", resource.plural()),
            }),
        )
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
        let back = match (resource, &zone) {
            (Resource::Zone, _) => "/".to_string(),
            (Resource::Firm, _) => "/firms".to_string(),
            (_, Some(zone)) => format!("/zones/{zone}"),
            (_, None) => "/".to_string(),
        };
        Ok(visitor.redirect(&format!("{back}?deleted=1")))
    }
    .await;
    visitor.respond(&state, result)
}

/// Ending a lease from the zone page: its last day and, when the firm leaves, where it went.
pub async fn end_lease(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let pairs = form_pairs(&body);
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let filled = |name| form_value(&pairs, name).filter(|v| !v.is_empty());
        let _ended = ucz_service::leases::end(
            &state,
            &visitor.caller,
            &id,
            filled("ends"),
            filled("left_to"),
        )
        .await?;
        let back = form_value(&pairs, "back")
            .filter(|b| b.starts_with("/zones/"))
            .unwrap_or("/");
        Ok(visitor.redirect(&format!("{back}?saved=1#leases")))
    }
    .await;
    visitor.respond(&state, result)
}
