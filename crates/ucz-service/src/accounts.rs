//! Accounts founders make themselves: sign-up with consent and a verified address, password
//! reset by a mailed link, password change, sessions, removal; the founder's firm profile and
//! its link to a zone's tenant record, which the zone's operator decides.
//!
//! Answers to sign-up and reset never say whether an address is registered: the owner of a
//! registered address is mailed instead.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ucz_core::credentials::{self, PrivacyNotice};
use ucz_core::notice;
use ucz_store::{Joined, LinkPurpose, NewMail, NewMember, Profile, SessionInfo, ZoneLink};

use crate::caller::{Caller, Role, User};
use crate::error::{Error, FieldError, Key, Message};
use crate::firms::FirmRecord;
use crate::{Services, tokens};

/// How long a verification link lives.
pub const VERIFY_HOURS: i64 = 24;
/// How long a reset link lives.
pub const RESET_MINUTES: i64 = 30;

/// Hashes a password with Argon2id (its default parameters, a random salt).
pub fn hash_password(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Whether a password is the one a hash was made from.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Argon2 takes tens of milliseconds of a core: off the async workers.
async fn hashed(password: &str) -> Result<String, Error> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(Error::internal)?
}

async fn verified(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A sign-up.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    #[schemars(required)]
    #[serde(default)]
    pub email: String,
    #[schemars(required)]
    #[serde(default)]
    pub password: String,
    /// The version of the privacy notice agreed to (`GET /api/v1/privacy`); it must be the
    /// current one.
    #[schemars(required)]
    #[serde(default)]
    pub consent_version: String,
    /// A registered firm's 사업자등록번호 (10 digits, with or without hyphens); none for a
    /// pre-founder.
    #[serde(default)]
    pub business_number: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// What sign-up, resend and reset requests answer, whatever the address.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Accepted {
    /// Always `mail_sent_if_registered` or `check_your_mail`: the same for every address.
    pub status: String,
}

fn optional_text(
    value: Option<&str>,
    max: usize,
    ok: impl Fn(char) -> bool,
    field: &str,
    key: Key,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = value.map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > max || !text.chars().all(ok) {
        errors.push(FieldError::new(field, key));
        return None;
    }
    Some(text.to_string())
}

/// The site-relative link of a one-time secret.
pub(crate) fn link(state: &Services, path: &str, secret: &str) -> String {
    format!("{}{path}?token={secret}", state.mail.site)
}

/// Queues an account mail and wakes the sender.
pub(crate) async fn send(
    state: &Services,
    user: Option<ucz_core::account::UserId>,
    mail: notice::Mail,
    kind: &str,
) -> Result<(), Error> {
    state
        .store
        .queue_mail(&NewMail {
            user,
            to: &mail.to,
            subject: &mail.subject,
            body: &mail.body,
            kind,
            dedup: None,
            status: state.mail.status(),
        })
        .await?;
    state.mail.wake.notify_one();
    Ok(())
}

/// Signs a founder up: checks every field at once, makes the unverified account and mails the
/// verification link; an address with an account already gets a mail saying so (with a reset
/// link) and the answer is the same.
pub async fn sign_up(state: &Services, body: Value) -> Result<Accepted, Error> {
    let asked: SignUp = serde_json::from_value(body).map_err(Error::unreadable)?;
    let mut errors = Vec::new();
    let email = credentials::email(&asked.email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .ok();
    if let Some(problem) = credentials::password_problem(&asked.password, email.as_deref()) {
        errors.push(FieldError::new("password", problem));
    }
    let notice = PrivacyNotice::current();
    if asked.consent_version != notice.version {
        errors.push(FieldError::new(
            "consent_version",
            Message::new(Key::ConsentNeeded).arg("version", &notice.version),
        ));
    }
    let business_number = match asked.business_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => credentials::business_number(text)
            .map_err(|m| errors.push(FieldError::new("business_number", m)))
            .ok(),
    };
    let name = optional_text(
        asked.name.as_deref(),
        50,
        |c| !c.is_control(),
        "name",
        Key::NameForm,
        &mut errors,
    );
    let phone = optional_text(
        asked.phone.as_deref(),
        20,
        |c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+'),
        "phone",
        Key::PhoneForm,
        &mut errors,
    );
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(Error::invalid(errors));
    };
    let secret = tokens::secret()?;
    let member = NewMember {
        username: format!("member-{}", &tokens::secret()?[..12]),
        email: email.clone(),
        password_hash: hashed(&asked.password).await?,
        name,
        phone,
        business_number,
        consent_version: notice.version.clone(),
        unsubscribe_token: tokens::secret()?,
    };
    let expires = state.clock.stamp_in(VERIFY_HOURS * 3600);
    match state
        .store
        .sign_up(&member, &tokens::hash(&secret), &expires)
        .await?
    {
        Joined::New(user) => {
            let mail = notice::verification(
                &email,
                &link(state, "/signup/verify", &secret),
                VERIFY_HOURS,
            );
            send(state, Some(user), mail, "verify").await?;
        }
        Joined::Taken(user) => {
            let reset = tokens::secret()?;
            state
                .store
                .add_link(
                    user,
                    LinkPurpose::Reset,
                    &tokens::hash(&reset),
                    &state.clock.stamp_in(RESET_MINUTES * 60),
                )
                .await?;
            let mail = notice::already_registered(&email, &link(state, "/password/reset", &reset));
            send(state, Some(user), mail, "taken").await?;
        }
    }
    Ok(Accepted {
        status: "check_your_mail".into(),
    })
}

fn spent() -> Error {
    Error::invalid(vec![FieldError::new("token", Key::LinkSpent)])
}

/// Verifies an address by the secret of its link.
pub async fn verify(state: &Services, token: &str) -> Result<(), Error> {
    if token.len() != 64 {
        return Err(spent());
    }
    state
        .store
        .use_link(&tokens::hash(token), LinkPurpose::Verify, None)
        .await?
        .ok_or_else(spent)?;
    Ok(())
}

/// Mails a reset link to the address's account, if it has one; the answer is the same.
pub async fn forgot(state: &Services, email: &str) -> Result<Accepted, Error> {
    let email = credentials::email(email).map_err(|m| Error::field("email", m))?;
    if let Some(user) = state.store.user_by_email(&email).await? {
        let secret = tokens::secret()?;
        state
            .store
            .add_link(
                user.id,
                LinkPurpose::Reset,
                &tokens::hash(&secret),
                &state.clock.stamp_in(RESET_MINUTES * 60),
            )
            .await?;
        let mail = notice::password_reset(
            &email,
            &link(state, "/password/reset", &secret),
            RESET_MINUTES,
        );
        send(state, Some(user.id), mail, "reset").await?;
    }
    Ok(Accepted {
        status: "mail_sent_if_registered".into(),
    })
}

/// Sets a new password by the secret of a reset link; every session of the account ends.
pub async fn reset(state: &Services, token: &str, password: &str) -> Result<(), Error> {
    if token.len() != 64 {
        return Err(spent());
    }
    // The new password is checked against the address of the link's account, as at sign-up.
    let email = match state.store.link_user(&tokens::hash(token)).await? {
        Some(user) => state.store.profile_of(user).await?.email,
        None => return Err(spent()),
    };
    if let Some(problem) = credentials::password_problem(password, email.as_deref()) {
        return Err(Error::field("password", problem));
    }
    let hash = hashed(password).await?;
    state
        .store
        .use_link(&tokens::hash(token), LinkPurpose::Reset, Some(&hash))
        .await?
        .ok_or_else(spent)?;
    Ok(())
}

/// Changes the caller's password, given the current one; the session `keep` (the one asking)
/// stays open, every other one ends.
pub async fn change_password(
    state: &Services,
    caller: &Caller,
    current: &str,
    new: &str,
    keep: Option<&str>,
) -> Result<(), Error> {
    let user = caller.user()?;
    let email = state.store.profile_of(user.id).await?.email;
    if let Some(problem) = credentials::password_problem(new, email.as_deref()) {
        return Err(Error::field("password", problem));
    }
    if !verified(current, &user.password_hash).await {
        return Err(Error::field("current_password", Key::CurrentPasswordWrong));
    }
    let hash = hashed(new).await?;
    state
        .store
        .set_password(&caller.actor(), user.id, &hash, keep)
        .await?;
    Ok(())
}

/// An account as its owner sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AccountView {
    pub user: User,
    pub profile: Profile,
    pub sessions: Vec<SessionInfo>,
    /// The kinds of notice mail the account stopped.
    pub mail_stopped: Vec<String>,
    /// The privacy notice version now in force.
    pub privacy_version: String,
    /// The firm's zone link request, if it made one.
    pub zone_link: Option<ZoneLink>,
}

/// The caller's account; `current`, the hash of the session asking, marks that session.
pub async fn account(
    state: &Services,
    caller: &Caller,
    current: Option<&str>,
) -> Result<AccountView, Error> {
    let user = caller.user()?;
    let zone_link = match &user.firm_id {
        Some(firm) => state.store.zone_link_of(&firm.0).await?,
        None => None,
    };
    Ok(AccountView {
        user: user.clone(),
        profile: state.store.profile_of(user.id).await?,
        sessions: state.store.sessions_of(user.id, current).await?,
        mail_stopped: state.store.mail_stops(user.id).await?,
        privacy_version: PrivacyNotice::current().version.clone(),
        zone_link,
    })
}

/// Ends one of the caller's sessions by its id.
pub async fn end_session(state: &Services, caller: &Caller, id: &str) -> Result<(), Error> {
    let user = caller.user()?;
    if id.len() != 16 || !state.store.end_session(user.id, id).await? {
        return Err(Error::not_found(Key::NounSession, id));
    }
    Ok(())
}

/// Removes the caller's account, given its password: personal data erased, the account a
/// pseudonym, the audit chain intact (`Store::remove_account`).
pub async fn remove(state: &Services, caller: &Caller, password: &str) -> Result<(), Error> {
    let user = caller.user()?;
    if !verified(password, &user.password_hash).await {
        return Err(Error::field("password", Key::CurrentPasswordWrong));
    }
    state.store.remove_account(&caller.actor(), user.id).await?;
    Ok(())
}

/// A founder makes its firm profile: the firm's fields (docs/firm.md), the account bound to it.
/// A `zone` named is not set on the firm but asked for: the zone's operator links the firm as
/// its tenant record when it approves.
pub async fn make_profile(
    state: &Services,
    caller: &Caller,
    mut body: Value,
) -> Result<(FirmRecord, Option<ZoneLink>), Error> {
    let user = caller.user()?;
    if !matches!(caller.role(), Some(Role::Founder)) {
        return Err(Error::forbidden_because(if user.firm_id.is_some() {
            Key::ProfileExists
        } else {
            Key::FoundersMakeProfiles
        }));
    }
    let zone = body["zone"]
        .as_str()
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .map(String::from);
    if let Some(zone) = &zone {
        let known = state.catalog.designated_zone(zone).is_some()
            || matches!(
                crate::parts::Known::default()
                    .zone_region(state, zone)
                    .await,
                Ok(Some(_))
            );
        if !known {
            return Err(Error::field(
                "zone",
                Message::new(Key::UnknownZone)
                    .arg("zone", zone)
                    .arg("zones", "GET /api/v1/zones"),
            ));
        }
    }
    if body.is_object() {
        body["zone"] = Value::from("");
    }
    if body["name"].as_str().is_none_or(|n| n.trim().is_empty()) {
        return Err(Error::field("name", Key::EmptyText));
    }
    let body = crate::records::without_read_only(body);
    let firm = crate::firms::validate(state, &body).await?;
    let record = ucz_core::record::Demo {
        record: firm,
        demo: false,
    };
    let created = state.store.repo().create(&caller.actor(), &record).await?;
    crate::awards::record_created(state, &created.record.record).await?;
    state
        .store
        .bind_firm(&caller.actor(), user.id, &created.record.record.id)
        .await?;
    let link = match zone {
        Some(zone) => Some(
            state
                .store
                .request_zone_link(&caller.actor(), user.id, &created.record.record.id, &zone)
                .await?,
        ),
        None => None,
    };
    Ok((created, link))
}

/// Zone link requests the caller decides: an operator's zone's, or (admin, coordinator) all.
pub async fn zone_links(
    state: &Services,
    caller: &Caller,
    status: Option<&str>,
) -> Result<Vec<ZoneLink>, Error> {
    let zone = match caller.require_user()? {
        Role::Operator { zone } => Some(zone.as_str()),
        Role::Admin | Role::Coordinator => None,
        _ => return Err(Error::forbidden_because(Key::OperatorsDecideLinks)),
    };
    Ok(state.store.zone_links(zone, status, 200).await?)
}

/// Approves or refuses a request: on approval the firm becomes the zone's tenant record (its
/// `zone` set, audited as the firm's update).
pub async fn decide_zone_link(
    state: &Services,
    caller: &Caller,
    id: i64,
    approve: bool,
) -> Result<ZoneLink, Error> {
    let link = state
        .store
        .zone_link(id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounZoneLink, &id.to_string()))?;
    match caller.require_user()? {
        Role::Operator { zone } if *zone == link.zone_id => {}
        Role::Admin => {}
        _ => return Err(Error::forbidden_because(Key::OperatorsDecideLinks)),
    }
    if link.status != "requested" {
        return Err(Error::conflict(Key::ZoneLinkDecided));
    }
    if approve {
        let firm = state
            .store
            .repo::<ucz_core::record::Demo<ucz_core::firm::Firm>>()
            .find(&link.firm_id)
            .await?
            .ok_or_else(|| Error::not_found(Key::NounFirm, &link.firm_id))?;
        let mut record = firm.record.clone();
        record.record.zone = link.zone_id.clone();
        let body = serde_json::to_value(&record.record).map_err(Error::internal)?;
        let checked = crate::firms::validate(state, &body).await?;
        record.record = checked;
        state
            .store
            .repo()
            .update(&caller.actor(), &firm.id, &record)
            .await?;
    }
    state
        .store
        .decide_zone_link(&caller.actor(), id, approve)
        .await?
        .ok_or_else(|| Error::conflict(Key::ZoneLinkDecided))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("긴 비밀번호 문장 하나").unwrap_or_default();
        assert!(verify_password("긴 비밀번호 문장 하나", &hash));
        assert!(!verify_password("긴 비밀번호 문장 둘", &hash));
        assert!(!verify_password("x", "not a hash"));
    }
}
