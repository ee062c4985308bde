//! The pages of accounts founders make themselves: sign-up with the privacy notice, the
//! verification and reset links, the firm profile, the inbox, account care (password, sessions,
//! mail, removal), unsubscribe links; and for operators and administrators the zone link queue
//! and the outbox. Each calls the use case the API calls.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use ucz_core::credentials::PrivacyNotice;
use ucz_core::lang::Lang;
use ucz_core::notice::NoticeKind;
use ucz_service::{accounts, notices};

use super::form::{self, Resource};
use super::{PageQuery, Visitor, edit, form_pairs, form_value};
use crate::AppState;
use crate::auth::{Caller, Role};
use crate::error::ApiError;

/// A mailed link's secret, and (unsubscribe) its kind.
#[derive(Deserialize, Default)]
pub struct Link {
    token: Option<String>,
    kind: Option<String>,
}

/// What a refused form says, in the visitor's language: each field's message, or the detail.
pub(super) fn messages(error: &ApiError, lang: Lang) -> Vec<Value> {
    if error.errors.is_empty() {
        return vec![json!({"field": "", "message": error.detail.render(lang)})];
    }
    error
        .errors
        .iter()
        .map(|f| json!({"field": f.field, "message": f.message.render(lang)}))
        .collect()
}

/// A client's refusal shown beside the form; anything else is the error page.
pub(super) fn refused(error: &ApiError) -> bool {
    error.status().is_client_error()
        && !matches!(
            error.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        )
}

/// A page of one message: a heading, a sentence, and where to go on.
fn said(
    state: &AppState,
    visitor: &Visitor,
    title: &str,
    text: &str,
    link: Option<(&str, &str)>,
) -> Result<Response, ApiError> {
    let word = |k: &str| state.pages.word(visitor.lang, k);
    visitor.page(
        state,
        StatusCode::OK,
        "message.html",
        json!({
            "title": word(title), "text": word(text),
            "link": link.map(|(href, label)| json!({"href": href, "label": word(label)})),
        }),
    )
}

fn notice_of(lang: Lang) -> Value {
    let notice = PrivacyNotice::current();
    let text = match lang {
        Lang::Ko => &notice.ko,
        Lang::En => &notice.en,
    };
    json!({"version": notice.version, "text": text})
}

fn signup_form(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    values: Value,
    errors: Vec<Value>,
) -> Result<Response, ApiError> {
    visitor.page(
        state,
        status,
        "signup.html",
        json!({"privacy": notice_of(visitor.lang), "values": values, "errors": errors}),
    )
}

pub async fn signup_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = signup_form(&state, &visitor, StatusCode::OK, json!({}), Vec::new());
    visitor.respond(&state, result)
}

pub async fn signup(
    State(state): State<AppState>,
    crate::server::Peer(address): crate::server::Peer,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |key: &str| form_value(&pairs, key).unwrap_or_default().to_string();
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let consented = form_value(&pairs, "consent") == Some("yes");
        let asked = json!({
            "email": get("email"), "password": get("password"),
            "consent_version": if consented { get("consent_version") } else { String::new() },
            "business_number": get("business_number"), "name": get("name"), "phone": get("phone"),
        });
        let values = json!({
            "email": get("email"), "business_number": get("business_number"),
            "name": get("name"), "phone": get("phone"), "founder": get("founder"),
        });
        state.limiter.mailing("signup", &get("email"), address)?;
        match accounts::sign_up(&state, asked)
            .await
            .map_err(ApiError::from)
        {
            Ok(_) => said(
                &state,
                &visitor,
                "signup_sent_title",
                if state.services.mail.relay {
                    "signup_sent"
                } else {
                    "signup_sent_outbox"
                },
                None,
            ),
            Err(error) if refused(&error) => signup_form(
                &state,
                &visitor,
                error.status(),
                values,
                messages(&error, visitor.lang),
            ),
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// The verification link opens a page with a button: mail scanners that open links do not use
/// them up.
pub async fn verify_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(link): PageQuery<Link>,
) -> Response {
    let result = visitor.page(
        &state,
        StatusCode::OK,
        "verify.html",
        json!({"token": link.token.unwrap_or_default()}),
    );
    visitor.respond(&state, result)
}

pub async fn verify(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let token = form_value(&pairs, "token").unwrap_or_default();
        match accounts::verify(&state, token)
            .await
            .map_err(ApiError::from)
        {
            Ok(()) => said(
                &state,
                &visitor,
                "verified_title",
                "verified",
                Some(("/login", "login")),
            ),
            Err(error) if refused(&error) => said(
                &state,
                &visitor,
                "link_spent_title",
                "link_spent",
                Some(("/password/forgot", "forgot_password")),
            ),
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn forgot_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = visitor.page(
        &state,
        StatusCode::OK,
        "forgot.html",
        json!({"errors": [], "email": ""}),
    );
    visitor.respond(&state, result)
}

pub async fn forgot(
    State(state): State<AppState>,
    crate::server::Peer(address): crate::server::Peer,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let email = form_value(&pairs, "email").unwrap_or_default();
        state.limiter.mailing("forgot", email, address)?;
        match accounts::forgot(&state, email)
            .await
            .map_err(ApiError::from)
        {
            Ok(_) => said(
                &state,
                &visitor,
                "forgot_sent_title",
                "forgot_sent",
                Some(("/login", "login")),
            ),
            Err(error) if refused(&error) => visitor.page(
                &state,
                error.status(),
                "forgot.html",
                json!({"errors": messages(&error, visitor.lang), "email": email}),
            ),
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn reset_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(link): PageQuery<Link>,
) -> Response {
    let result = visitor.page(
        &state,
        StatusCode::OK,
        "reset.html",
        json!({"token": link.token.unwrap_or_default(), "errors": []}),
    );
    visitor.respond(&state, result)
}

pub async fn reset(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let token = form_value(&pairs, "token").unwrap_or_default();
        let password = form_value(&pairs, "password").unwrap_or_default();
        match accounts::reset(&state, token, password)
            .await
            .map_err(ApiError::from)
        {
            Ok(()) => said(
                &state,
                &visitor,
                "reset_done_title",
                "reset_done",
                Some(("/login", "login")),
            ),
            Err(error) if refused(&error) => visitor.page(
                &state,
                error.status(),
                "reset.html",
                json!({"token": token, "errors": messages(&error, visitor.lang)}),
            ),
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn privacy(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = visitor.page(
        &state,
        StatusCode::OK,
        "privacy.html",
        json!({"privacy": notice_of(visitor.lang)}),
    );
    visitor.respond(&state, result)
}

pub async fn inbox(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = async {
        let inbox = notices::inbox(&state, &visitor.caller).await?;
        let items: Vec<Value> = inbox
            .items
            .iter()
            .map(|n| {
                json!({
                    "id": n.id, "kind": state.pages.word(visitor.lang, &format!("notice_{}", n.kind.as_str())),
                    "text": n.body.message().render(visitor.lang), "link": n.link,
                    "at": n.created_at, "read": n.read_at.is_some(), "mailed": n.mailed_at.is_some(),
                })
            })
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "inbox.html",
            json!({"items": items, "unread": inbox.unread}),
        )
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn read_notices(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let id = form_value(&pairs, "id").and_then(|i| i.parse().ok());
        notices::mark_read(&state, &visitor.caller, id).await?;
        Ok(visitor.redirect("/inbox"))
    }
    .await;
    visitor.respond(&state, result)
}

/// The account's own part of the account page: personal data, sessions, mail, removal.
pub async fn account_context(
    state: &AppState,
    visitor: &Visitor,
    current: Option<&str>,
) -> Result<Value, ApiError> {
    let view = accounts::account(state, &visitor.caller, current).await?;
    let kinds: Vec<Value> = NoticeKind::ALL
        .iter()
        .map(|k| {
            json!({
                "kind": k.as_str(), "name": k.name().render(visitor.lang),
                "mail": !view.mail_stopped.iter().any(|s| s == k.as_str()),
            })
        })
        .collect();
    Ok(json!({
        "profile": view.profile, "sessions": view.sessions, "mail_kinds": kinds,
        "zone_link": view.zone_link, "founder": matches!(visitor.role(), Some(Role::Founder)),
    }))
}

/// `POST /account/password`, `/account/mail`, `/account/remove`, `/account/sessions/{id}/end`:
/// the account page again with what was done or refused.
async fn account_again(
    state: &AppState,
    visitor: &Visitor,
    done: Result<&str, ApiError>,
) -> Result<Response, ApiError> {
    match done {
        Ok(word) => {
            super::account::account_page(state, visitor, None, None, Some(word.to_string())).await
        }
        Err(error) if refused(&error) => {
            super::account::account_page(state, visitor, None, Some(error), None).await
        }
        Err(error) => Err(error),
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let keep = visitor.session.clone();
        let done = accounts::change_password(
            &state,
            &visitor.caller,
            form_value(&pairs, "current_password").unwrap_or_default(),
            form_value(&pairs, "password").unwrap_or_default(),
            keep.as_deref(),
        )
        .await
        .map(|()| "password_changed")
        .map_err(ApiError::from);
        account_again(&state, &visitor, done).await
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn end_session(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        visitor.check_form(form_value(&form_pairs(&body), "_csrf"))?;
        accounts::end_session(&state, &visitor.caller, &id).await?;
        Ok(visitor.redirect("/account#sessions"))
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn mail_preferences(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let mail = NoticeKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    form_value(&pairs, &format!("mail_{}", k.as_str())) == Some("yes"),
                )
            })
            .collect();
        let done =
            notices::set_preferences(&state, &visitor.caller, &notices::MailPreferences { mail })
                .await
                .map(|_| "mail_saved")
                .map_err(ApiError::from);
        account_again(&state, &visitor, done).await
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn remove(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let password = form_value(&pairs, "password").unwrap_or_default();
        match accounts::remove(&state, &visitor.caller, password)
            .await
            .map_err(ApiError::from)
        {
            Ok(()) => {
                let mut response = said(
                    &state,
                    &visitor,
                    "removed_title",
                    "removed",
                    Some(("/", "nav_overview")),
                )?;
                if let Some(token) = crate::auth::session_cookie(&headers) {
                    let clear = crate::session::close_session(&state, &token).await?;
                    if let Ok(value) = axum::http::HeaderValue::from_str(&clear) {
                        response
                            .headers_mut()
                            .append(axum::http::header::SET_COOKIE, value);
                    }
                }
                Ok(response)
            }
            Err(error) => account_again(&state, &visitor, Err(error)).await,
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// The founder's profile form: the firm form of the edit pages (its fields, typed text → body,
/// each error beside its field), submitted to the founder's own use case. The zone chosen is
/// asked for, not set.
async fn profile_form(
    state: &AppState,
    visitor: &Visitor,
    pairs: Option<&[(String, String)]>,
) -> Result<Response, ApiError> {
    if !matches!(visitor.role(), Some(Role::Founder)) {
        return match visitor.caller {
            Caller::Anonymous => Err(ApiError::unauthenticated()),
            _ => Err(
                ucz_service::Error::forbidden_because(ucz_core::Key::FoundersMakeProfiles).into(),
            ),
        };
    }
    let options = edit::options(state, &visitor.caller, visitor.lang).await?;
    let mut fields = form::fields(state, Resource::Firm, visitor.lang, &options);
    edit::restrict(
        state,
        &visitor.caller,
        visitor.lang,
        &mut fields,
        &Value::Null,
    )
    .await;
    for zone in fields.iter_mut().filter(|f| f.name == "zone") {
        zone.hint = state.pages.word(visitor.lang, "profile_zone_help");
    }
    let page = |fields| edit::FormPage {
        resource: Resource::Firm,
        fields,
        errors: vec![],
        action: "/account/profile".into(),
        cancel: "/account".into(),
        editing: None,
        deletable: false,
    };
    let Some(pairs) = pairs else {
        return edit::show(state, visitor, StatusCode::OK, page(fields));
    };
    form::read(&mut fields, pairs);
    let attempt = match form::body(&mut fields, visitor.lang) {
        (body, true) => accounts::make_profile(state, &visitor.caller, body)
            .await
            .map(|(made, _)| ucz_service::records::shown(&made))
            .map_err(ApiError::from),
        (body, false) => Err(edit::check_only(state, Resource::Firm, &body).await),
    };
    edit::after_submit(state, visitor, attempt, page(fields)).await
}

pub async fn profile_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = profile_form(&state, &visitor, None).await;
    visitor.respond(&state, result)
}

pub async fn make_profile(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        profile_form(&state, &visitor, Some(&pairs)).await
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn zone_links(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = async {
        let links = accounts::zone_links(&state, &visitor.caller, None).await?;
        visitor.page(
            &state,
            StatusCode::OK,
            "zone_links.html",
            json!({"links": links}),
        )
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn decide_zone_link(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let result = async {
        visitor.check_form(form_value(&form_pairs(&body), "_csrf"))?;
        let approve = match action.as_str() {
            "approve" => true,
            "refuse" => false,
            _ => {
                return Err(ApiError::from(ucz_service::Error::not_found(
                    ucz_core::Key::NounZoneLink,
                    &id,
                )));
            }
        };
        let id: i64 = id.parse().map_err(|_| {
            ApiError::from(ucz_service::Error::not_found(
                ucz_core::Key::NounZoneLink,
                &id,
            ))
        })?;
        accounts::decide_zone_link(&state, &visitor.caller, id, approve).await?;
        Ok(visitor.redirect("/zone-links"))
    }
    .await;
    visitor.respond(&state, result)
}

/// The outbox for administrators: every mail's text, so that without a relay (the demo) the
/// links of sign-up and reset mails can be followed from here.
pub async fn outbox(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = async {
        let (mails, total) = notices::outbox(&state, &visitor.caller, None, 100, 0).await?;
        let jobs = ucz_service::jobs::list(&state, &visitor.caller).await?;
        visitor.page(
            &state,
            StatusCode::OK,
            "outbox.html",
            json!({"mails": mails, "total": total, "jobs": jobs, "relay": state.services.mail.relay}),
        )
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn unsubscribe_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(link): PageQuery<Link>,
) -> Response {
    let kind = link.kind.unwrap_or_default();
    let name = NoticeKind::parse(&kind).map(|k| k.name().render(visitor.lang));
    let result = visitor.page(
        &state,
        StatusCode::OK,
        "unsubscribe.html",
        json!({"token": link.token.unwrap_or_default(), "kind": kind, "name": name}),
    );
    visitor.respond(&state, result)
}

pub async fn unsubscribe(State(state): State<AppState>, visitor: Visitor, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let result = async {
        visitor.check_form(form_value(&pairs, "_csrf"))?;
        let token = form_value(&pairs, "token").unwrap_or_default();
        let kind = form_value(&pairs, "kind").unwrap_or_default();
        match notices::unsubscribe(&state, token, kind)
            .await
            .map_err(ApiError::from)
        {
            Ok(_) => said(&state, &visitor, "unsubscribed_title", "unsubscribed", None),
            Err(error) if refused(&error) => said(
                &state,
                &visitor,
                "link_spent_title",
                "link_spent",
                Some(("/account", "account")),
            ),
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}
