//! Logging in and out with a session cookie, and API tokens for machine clients.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use ucz_core::record::{Fields, Json as JsonType};

use crate::AppState;
use crate::auth::{Caller, SESSION_COOKIE, random_token, token_hash, verify_password};
use crate::error::{ApiError, FieldError};
use ucz_core::message::{Key, Message};

/// A login. A missing name or password is a field error of its own (read as empty here).
#[derive(Deserialize, schemars::JsonSchema)]
pub struct Login {
    #[serde(default)]
    #[schemars(required)]
    username: String,
    #[serde(default)]
    #[schemars(required)]
    password: String,
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sessions last twelve hours.
const SESSION_SECONDS: i64 = 12 * 3600;

pub async fn login(
    State(state): State<AppState>,
    crate::server::Peer(address): crate::server::Peer,
    headers: HeaderMap,
    payload: crate::api::Body,
) -> Result<Response, ApiError> {
    let body = crate::api::body(payload)?;
    // A missing, empty or mistyped name or password is a field error of its own.
    let mut fields = Fields::of(&body);
    let mut given = |field: &str, key: Key| {
        fields.read(field, key, JsonType::Text, |v| {
            v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
        })
    };
    let (username, password) = (
        given("username", Key::RequiredUsername),
        given("password", Key::RequiredPassword),
    );
    let (Some(username), Some(password)) = (username, password) else {
        return Err(refused(fields));
    };
    let (user, cookie, csrf) =
        open_session(&state, &username, &password, address, agent(&headers)).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    Ok((
        headers,
        Json(SessionAnswer {
            user,
            csrf_token: Some(csrf),
        }),
    )
        .into_response())
}

/// Checks a user name and password (rate-limited, in constant time whether the name exists or
/// not) and opens a session: the user, the `Set-Cookie` value and the session's CSRF token.
pub async fn open_session(
    state: &AppState,
    username: &str,
    password: &str,
    address: Option<std::net::IpAddr>,
    agent: Option<&str>,
) -> Result<(ucz_store::User, String, String), ApiError> {
    let login = Login {
        username: username.to_string(),
        password: password.to_string(),
    };
    // A user name, or an e-mail address (at most 254 characters).
    if login.username.len() > 254 {
        return Err(ApiError::bad_credentials());
    }
    if !state.limiter.attempt(&login.username, address) {
        return Err(ApiError::too_many_attempts());
    }
    // A full pool of password checks refuses at once instead of queueing the work.
    let Ok(_check) = state.limiter.checks.clone().try_acquire_owned() else {
        return Err(ApiError::too_many_attempts());
    };
    let user = state.store.user_by_login(&login.username).await?;
    // An unknown user name costs a password check too, so timing does not tell which names exist.
    // Argon2 takes tens of milliseconds: it runs off the async workers.
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => DUMMY_HASH
            .get_or_init(|| crate::auth::hash_password("x").unwrap_or_default())
            .clone(),
    };
    let password = login.password.clone();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    // A disabled account (its firm was deleted) cannot log in.
    let known = user.as_ref().is_some_and(|u| !u.disabled) && matches;
    let Some(user) = user.filter(|_| known) else {
        state.monitoring.metrics.login_failed();
        return Err(ApiError::bad_credentials());
    };
    state.limiter.succeeded(&login.username);
    let token = random_token()?;
    let csrf = random_token()?;
    let expires = state.clock.stamp_in(SESSION_SECONDS);
    state
        .store
        .create_session(&token_hash(&token), user.id, &csrf, &expires, agent)
        .await?;
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{secure}"
    );
    Ok((user, cookie, csrf))
}

/// The browser a request comes from, as its sessions list it.
pub fn agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// Ends the session of a cookie value; returns the `Set-Cookie` value that clears it.
pub async fn close_session(state: &AppState, token: &str) -> Result<String, ApiError> {
    state.store.delete_session(&token_hash(token)).await?;
    Ok(format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    ))
}

pub async fn me(caller: Caller) -> Result<Json<SessionAnswer>, ApiError> {
    match caller {
        Caller::User { user, .. } => Ok(Json(SessionAnswer {
            user,
            csrf_token: None,
        })),
        Caller::Anonymous => Err(ApiError::unauthenticated()),
    }
}

/// Ends the session of the cookie; called with a bearer token, revokes that token.
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require_user()?;
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        ucz_service::tokens::revoke_secret(&state, &caller, token).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let session = crate::auth::session_cookie(&headers);
    let clear = match session {
        Some(token) => close_session(&state, &token).await?,
        None => format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    };
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

pub use ucz_service::tokens::{MAX_TOKEN_DAYS, TOKEN_DAYS};

/// A token's body: `create_token` reads it field by field, each failing field told on its own.
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for; the use case refuses a missing or empty one on its field.
    #[serde(default)]
    #[schemars(required)]
    name: String,
    /// Days until it expires: 1 to 365, default 90.
    days: Option<i64>,
}

/// A token for the caller's own account; shown once.
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    payload: crate::api::Body,
) -> Result<(StatusCode, Json<NewTokenAnswer>), ApiError> {
    caller.require_user()?;
    let body = crate::api::body(payload)?;
    ucz_service::records::known_fields::<NewToken>(&body)?;
    // A value of the wrong type is told on its field; what a name or a term may be, the use
    // case tells (a missing name is an empty one).
    let mut fields = Fields::of(&body);
    let name = fields.read("name", Key::TokenName, JsonType::Text, |v| match v {
        Value::Null => Some(String::new()),
        v => v.as_str().map(str::to_string),
    });
    let term = Message::new(Key::TokenDays).arg("max", MAX_TOKEN_DAYS);
    let days = fields.read("days", term, JsonType::Number, |v| match v {
        Value::Null => Some(None),
        v => v.as_i64().map(Some),
    });
    let (Some(name), Some(days)) = (name, days) else {
        return Err(refused(fields));
    };
    let asked = NewToken { name, days };
    let (token, info) =
        ucz_service::tokens::create(&state, &caller, &asked.name, asked.days).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenAnswer {
            id: info.id,
            name: info.name,
            token,
            created_at: info.created_at,
            expires_at: info.expires_at,
        }),
    ))
}

/// The problems of a body's fields, as a 422.
fn refused(fields: Fields) -> ApiError {
    ApiError::invalid(fields.problems.into_iter().map(FieldError::from).collect())
}

/// The caller's live tokens (never their secrets).
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TokensAnswer>, ApiError> {
    let items = ucz_service::tokens::list(&state, &caller).await?;
    Ok(Json(TokensAnswer { items }))
}

/// The logged-in account; at login, with the CSRF token every write with the session cookie
/// sends back.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct SessionAnswer {
    pub user: ucz_store::User,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// A new API token: its secret is shown this once.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct NewTokenAnswer {
    pub id: String,
    pub name: String,
    pub token: String,
    pub created_at: String,
    pub expires_at: String,
}

/// The caller's live API tokens.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct TokensAnswer {
    pub items: Vec<ucz_store::TokenInfo>,
}

/// Revokes one of the caller's tokens by its id.
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    ucz_service::tokens::revoke(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
