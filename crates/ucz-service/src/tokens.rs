//! API tokens for machine clients: an account makes, lists and revokes its own. The secret is
//! shown once; the store keeps only its hash, and a token's public id is the hash's first 16
//! hex digits. Creation and revocation are audited.

use sha2::{Digest, Sha256};
use ucz_store::TokenInfo;

use crate::Services;
use crate::caller::Caller;
use crate::error::{Error, FieldError, Key, Message};

/// A token's life when the request names none, and the longest it may ask for.
pub const TOKEN_DAYS: i64 = 90;
pub const MAX_TOKEN_DAYS: i64 = 365;
/// Live tokens an account may hold at once.
pub const TOKENS_PER_ACCOUNT: i64 = 20;

/// 32 random bytes as hex: a token's secret (also the web's session and form tokens).
pub fn secret() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(Error::internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the store keeps of a secret.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn account(caller: &Caller) -> Result<ucz_core::account::UserId, Error> {
    Ok(caller.user()?.id)
}

/// Makes a token for the caller's own account, living `days` (default `TOKEN_DAYS`): the
/// secret, shown once, and what the account's list shows.
pub async fn create(
    state: &Services,
    caller: &Caller,
    name: &str,
    days: Option<i64>,
) -> Result<(String, TokenInfo), Error> {
    let user = account(caller)?;
    let mut errors = Vec::new();
    if !ucz_core::record::fields::is_text(name) || name.chars().count() > 100 {
        errors.push(FieldError::new("name", Key::TokenName));
    }
    let days = days.unwrap_or(TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        errors.push(FieldError::new(
            "days",
            Message::new(Key::TokenDays).arg("max", MAX_TOKEN_DAYS),
        ));
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let token = secret()?;
    let expires = state.clock.stamp_in(days * 86_400);
    let info = state
        .store
        .create_token(
            &caller.actor(),
            &hash(&token),
            user,
            name,
            &expires,
            TOKENS_PER_ACCOUNT,
        )
        .await?;
    Ok((token, info))
}

/// The caller's live tokens, newest first (never their secrets). Each account reads only its own.
pub async fn list(state: &Services, caller: &Caller) -> Result<Vec<TokenInfo>, Error> {
    Ok(state.store.tokens_of(account(caller)?).await?)
}

/// Revokes one of the caller's tokens by its public id; not found when the account has none
/// of that id.
pub async fn revoke(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    let user = account(caller)?;
    if id.len() != 16 || !state.store.revoke_token(&caller.actor(), user, id).await? {
        return Err(Error::not_found(Key::NounToken, id));
    }
    Ok(())
}

/// Revokes the caller's token whose secret this is (logging out with it); nothing when the
/// secret is none of the caller's tokens.
pub async fn revoke_secret(state: &Services, caller: &Caller, secret: &str) -> Result<(), Error> {
    let user = account(caller)?;
    state
        .store
        .revoke_token(&caller.actor(), user, &hash(secret))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn a_secret_is_kept_as_its_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
