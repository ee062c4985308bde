//! Who is calling: argon2id password hashes (`ucz_service::accounts`), session cookies (HttpOnly, SameSite=Strict, Secure
//! behind TLS) with a CSRF token for writes, API tokens for machine clients, and a login rate
//! limit. Secrets are stored only as SHA-256 hashes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "ucz_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub use ucz_service::{Caller, Role};

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Ok(ucz_service::accounts::hash_password(password)?)
}

pub use ucz_service::accounts::verify_password;

/// 32 random bytes as hex.
pub fn random_token() -> Result<String, ApiError> {
    Ok(ucz_service::tokens::secret()?)
}

/// What the store keeps of a session's or API token's secret.
pub fn token_hash(token: &str) -> String {
    ucz_service::tokens::hash(token)
}

/// Whether a secret a client sent is the configured one, compared by their hashes so that the
/// time taken says nothing of how much of it was right.
pub fn same_secret(sent: &str, secret: &str) -> bool {
    let (a, b) = (token_hash(sent), token_hash(secret));
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The session of a session cookie's value: its account and CSRF token; `None` when the
/// session has ended or expired.
pub async fn session_user(
    state: &AppState,
    session: &str,
) -> Result<Option<ucz_store::Session>, ApiError> {
    Ok(state.store.session_user(&token_hash(session)).await?)
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
        let Some(ucz_store::Session { user, csrf, .. }) = session_user(state, &session).await?
        else {
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

/// Login attempts are limited three ways within a sliding minute: per user name (a password
/// guessed against one account), per client address (one client trying many names), and in all
/// (many clients at once); a successful login clears its name's count. Password checks run on a
/// bounded pool: when it is full, an attempt is refused at once rather than queued, so a flood of
/// logins cannot take the server's cores.
pub struct LoginLimiter {
    windows: Mutex<Windows>,
    /// Password checks under way (Argon2 takes tens of milliseconds of a core each).
    pub checks: Arc<tokio::sync::Semaphore>,
    limits: LoginLimits,
}

/// How many login attempts each window allows per minute.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub per_name: u32,
    pub per_address: u32,
    pub total: u32,
    /// Password checks at once.
    pub concurrent_checks: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_name: 5,
            per_address: 30,
            total: 600,
            concurrent_checks: 4,
        }
    }
}

#[derive(Default)]
struct Windows {
    names: HashMap<String, (u32, Instant)>,
    addresses: HashMap<std::net::IpAddr, (u32, Instant)>,
    total: (u32, Option<Instant>),
}

const WINDOW: Duration = Duration::from_secs(60);

/// Counts one attempt in a window; whether it is within `limit`.
fn count(entry: &mut (u32, Instant), limit: u32) -> bool {
    if entry.1.elapsed() >= WINDOW {
        *entry = (0, Instant::now());
    }
    entry.0 += 1;
    entry.0 <= limit
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(LoginLimits::default())
    }
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            windows: Mutex::default(),
            checks: Arc::new(tokio::sync::Semaphore::new(limits.concurrent_checks.max(1))),
            limits,
        }
    }

    /// Counts an attempt for the user name and the address and says whether it may go ahead:
    /// attempts are counted before the password is checked, so concurrent guesses cannot slip
    /// past the limit.
    /// A request that mails an address (sign-up, password reset) counts as an attempt on that
    /// address, so that nobody floods a mailbox through ucz; 429 past the limits.
    pub fn mailing(
        &self,
        kind: &str,
        email: &str,
        address: Option<std::net::IpAddr>,
    ) -> Result<(), ApiError> {
        let key = format!("{kind}:{}", email.trim().to_lowercase());
        if self.attempt(&key, address) {
            Ok(())
        } else {
            Err(ApiError::too_many_attempts())
        }
    }

    pub fn attempt(&self, username: &str, address: Option<std::net::IpAddr>) -> bool {
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        // Expired windows are dropped so that random names or addresses cannot grow the maps.
        if windows.names.len() > 10_000 {
            windows
                .names
                .retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        if windows.addresses.len() > 10_000 {
            windows
                .addresses
                .retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let total = match windows.total {
            (n, Some(since)) if since.elapsed() < WINDOW => (n + 1, since),
            _ => (1, Instant::now()),
        };
        windows.total = (total.0, Some(total.1));
        let mut ok = total.0 <= self.limits.total;
        if let Some(address) = address {
            let entry = windows
                .addresses
                .entry(address)
                .or_insert((0, Instant::now()));
            ok &= count(entry, self.limits.per_address);
        }
        let entry = windows
            .names
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        ok &= count(entry, self.limits.per_name);
        ok
    }

    /// A successful login clears the user name's count.
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut windows) = self.windows.lock() {
            windows.names.remove(username);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_limited_per_name_per_address_and_in_all() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_name: 2,
            per_address: 2,
            total: 5,
            concurrent_checks: 1,
        });
        let a = Some(std::net::IpAddr::from([10, 0, 0, 1]));
        let b = Some(std::net::IpAddr::from([10, 0, 0, 2]));
        assert!(limiter.attempt("kim", a));
        assert!(limiter.attempt("kim", a));
        assert!(!limiter.attempt("kim", b), "a third try at one name");
        // One address trying many names.
        assert!(!limiter.attempt("lee", a), "a third try from one address");
        assert!(limiter.attempt("park", b));
        // Everyone together: a fresh name from a fresh address, past the total.
        let c = Some(std::net::IpAddr::from([10, 0, 0, 3]));
        assert!(!limiter.attempt("choi", c), "a sixth try in all");
        limiter.succeeded("kim");
    }
}
