//! Logging in and out in the browser, and the account page.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{PageQuery, Visitor, form_pairs, form_value};
use crate::AppState;
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::session::{close_session, open_session};

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only paths of this site are followed after login.
fn local(next: Option<&str>) -> Option<String> {
    // Browsers drop tabs and newlines from a `Location` before resolving it ("/\t/x" is "//x"):
    // no whitespace or control characters, and no second slash or backslash at the start.
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    })
    .map(String::from)
}

fn home(role: &Role) -> String {
    match role {
        Role::Firm { firm } => format!("/firms/{firm}"),
        Role::Operator { zone } => format!("/zones/{zone}"),
        Role::Founder => "/account/profile".into(),
        // An evaluator comes to score.
        Role::Evaluator => "/awards".into(),
        // An employee comes for housing.
        Role::Resident => "/housing".into(),
        _ => "/".into(),
    }
}

fn login_form(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    next: Option<String>,
    username: &str,
    error: Option<String>,
) -> Result<Response, ApiError> {
    visitor.page(
        state,
        status,
        "login.html",
        json!({"next": next, "username": username, "error": error}),
    )
}

pub async fn login_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(next): PageQuery<Next>,
) -> Response {
    let result = login_form(
        &state,
        &visitor,
        StatusCode::OK,
        local(next.next.as_deref()),
        "",
        None,
    );
    visitor.respond(&state, result)
}

pub async fn login(
    State(state): State<AppState>,
    crate::server::Peer(address): crate::server::Peer,
    visitor: Visitor,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |key: &str| form_value(&pairs, key);
    let result = async {
        visitor.check_form(get("_csrf"))?;
        let username = get("username").unwrap_or_default().trim();
        let next = local(get("next"));
        match open_session(
            &state,
            username,
            get("password").unwrap_or_default(),
            address,
            crate::session::agent(&headers),
        )
        .await
        {
            Ok((user, cookie, _)) => {
                let to = next.unwrap_or_else(|| Role::of(&user).map_or("/".into(), |r| home(&r)));
                let mut response = visitor.redirect(&to);
                response.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
                );
                Ok(response)
            }
            Err(error) if error.status().is_client_error() => {
                let key = if error.code == ucz_service::Code::TooManyAttempts {
                    "login_too_many"
                } else {
                    "login_failed"
                };
                login_form(
                    &state,
                    &visitor,
                    error.status(),
                    next,
                    username,
                    Some(state.pages.word(visitor.lang, key)),
                )
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

pub async fn logout(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        visitor.check_form(form_value(&form_pairs(&body), "_csrf"))?;
        let session = crate::auth::session_cookie(&headers);
        let mut response = visitor.redirect("/");
        if let Some(token) = session {
            let clear = close_session(&state, &token).await?;
            response.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&clear).map_err(ApiError::internal)?,
            );
        }
        Ok(response)
    }
    .await;
    visitor.respond(&state, result)
}

/// `GET /logout` (a typed or bookmarked address): logging out takes the button, which carries
/// the form token; the account page has it.
pub async fn logout_page(visitor: Visitor) -> Response {
    visitor.redirect(if visitor.role().is_some() {
        "/account"
    } else {
        "/"
    })
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let result = account_page(&state, &visitor, None, None, None).await;
    visitor.respond(&state, result)
}

/// The account with its personal data, sessions, mail and API tokens; a token just made is shown
/// once, an error beside the form, what was just done (`done`, a word's key) on top.
pub(super) async fn account_page(
    state: &AppState,
    visitor: &Visitor,
    new_token: Option<(String, ucz_store::TokenInfo)>,
    error: Option<ApiError>,
    done: Option<String>,
) -> Result<Response, ApiError> {
    let Caller::User { user, role } = &visitor.caller else {
        return Err(ApiError::unauthenticated());
    };
    let tokens = ucz_service::tokens::list(state, &visitor.caller).await?;
    let status = match &error {
        Some(error) => error.status(),
        None if new_token.is_some() => StatusCode::CREATED,
        None => StatusCode::OK,
    };
    let errors: Vec<String> = error
        .iter()
        .flat_map(|e| {
            if e.errors.is_empty() {
                vec![e.detail.render(visitor.lang)]
            } else {
                e.errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message.render(visitor.lang)))
                    .collect()
            }
        })
        .collect();
    let mut context = json!({
        "account": user, "home": home(role), "tokens": tokens, "errors": errors,
        "new_token": new_token.map(|(secret, info)| json!({"secret": secret, "info": info})),
        "max_days": crate::session::MAX_TOKEN_DAYS, "default_days": crate::session::TOKEN_DAYS,
        "done": done.map(|key| state.pages.word(visitor.lang, &key)),
    });
    if let (serde_json::Value::Object(all), serde_json::Value::Object(own)) = (
        &mut context,
        super::members::account_context(state, visitor, visitor.session.as_deref()).await?,
    ) {
        all.extend(own);
    }
    visitor.page(state, status, "account.html", context)
}

/// `POST /account/tokens`: a new API token for the visitor's account.
pub async fn create_token(
    State(state): State<AppState>,
    visitor: Visitor,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let get = |key: &str| form_value(&pairs, key);
    let result = async {
        visitor.check_form(get("_csrf"))?;
        let name = get("name").unwrap_or_default().trim().to_string();
        let days = match get("days").map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(days) => Some(days),
                Err(_) => Some(0),
            },
        };
        match ucz_service::tokens::create(&state, &visitor.caller, &name, days)
            .await
            .map_err(ApiError::from)
        {
            Ok(made) => account_page(&state, &visitor, Some(made), None, None).await,
            Err(error)
                if error.status().is_client_error()
                    && error.status() != StatusCode::UNAUTHORIZED =>
            {
                account_page(&state, &visitor, None, Some(error), None).await
            }
            Err(error) => Err(error),
        }
    }
    .await;
    visitor.respond(&state, result)
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    visitor: Visitor,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        visitor.check_form(form_value(&form_pairs(&body), "_csrf"))?;
        ucz_service::tokens::revoke(&state, &visitor.caller, &id).await?;
        Ok(visitor.redirect("/account"))
    }
    .await;
    visitor.respond(&state, result)
}

#[cfg(test)]
mod tests {
    use super::local;

    #[test]
    fn only_paths_of_this_site_are_followed_after_login() {
        assert_eq!(
            local(Some("/zones/daejeon?x=1")).as_deref(),
            Some("/zones/daejeon?x=1")
        );
        for outside in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil",
            "https://evil.example",
            "/\n/evil",
            "/ /evil",
        ] {
            assert_eq!(local(Some(outside)), None, "{outside:?}");
        }
    }
}
