//! Who is calling: argon2id password hashes, session cookies (HttpOnly, SameSite=Strict, Secure
//! behind TLS) with a CSRF token for writes, API tokens for machine clients, and a login rate
//! limit. Secrets are stored only as SHA-256 hashes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use sha2::{Digest, Sha256};
use ucz_store::User;

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "ucz_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The four roles, and anonymous callers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Coordinator,
    Operator { zone: String },
    Firm { firm: String },
}

impl Role {
    pub fn of(user: &User) -> Option<Role> {
        match (user.role.as_str(), &user.zone_id, &user.firm_id) {
            ("admin", _, _) => Some(Role::Admin),
            ("coordinator", _, _) => Some(Role::Coordinator),
            ("operator", Some(zone), _) => Some(Role::Operator { zone: zone.clone() }),
            ("firm", _, Some(firm)) => Some(Role::Firm { firm: firm.clone() }),
            _ => None,
        }
    }
}

/// The caller of a request.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    User { user: User, role: Role },
}

impl Caller {
    pub fn role(&self) -> Option<&Role> {
        match self {
            Caller::Anonymous => None,
            Caller::User { role, .. } => Some(role),
        }
    }

    /// The name recorded in the audit trail.
    pub fn actor(&self) -> String {
        match self {
            Caller::Anonymous => "anonymous".into(),
            Caller::User { user, .. } => user.username.clone(),
        }
    }

    pub fn require_user(&self) -> Result<&Role, ApiError> {
        self.role().ok_or_else(ApiError::unauthenticated)
    }
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// 32 random bytes as hex.
pub fn random_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_string())
        })
}

/// The session token of a request's cookie.
pub(crate) fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(str::to_string)
        })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(ApiError::unauthenticated)?;
            let user = state
                .store
                .token_user(&token_hash(token))
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            let role = Role::of(&user).ok_or_else(ApiError::forbidden)?;
            return Ok(Caller::User { user, role });
        }
        let Some(session) = cookie(parts, SESSION_COOKIE) else {
            return Ok(Caller::Anonymous);
        };
        let Some((user, csrf)) = state.store.session_user(&token_hash(&session)).await? else {
            return Ok(Caller::Anonymous);
        };
        // Cookies ride along on cross-site requests; a write must prove it read the session.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(csrf.as_str()) {
                return Err(ApiError::csrf());
            }
        }
        let role = Role::of(&user).ok_or_else(ApiError::forbidden)?;
        Ok(Caller::User { user, role })
    }
}

/// At most `LIMIT` login attempts per user name per minute, until one succeeds.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const LIMIT: u32 = 5;

impl LoginLimiter {
    /// Counts an attempt for the user name and says whether it may go ahead: attempts are
    /// counted before the password is checked, so concurrent guesses cannot slip past the limit.
    pub fn attempt(&self, username: &str) -> bool {
        let Ok(mut attempts) = self.failures.lock() else {
            return false;
        };
        // Expired windows are dropped so that random user names cannot grow the map for ever.
        if attempts.len() > 10_000 {
            attempts.retain(|_, (_, since)| since.elapsed() < Duration::from_secs(60));
        }
        let entry = attempts
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= Duration::from_secs(60) {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        entry.0 <= LIMIT
    }

    /// A successful login clears the user name's count.
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut attempts) = self.failures.lock() {
            attempts.remove(username);
        }
    }
}
