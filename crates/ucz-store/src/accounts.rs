//! Accounts founders make themselves: sign-up with a verified address, one-time links (verify,
//! reset), sessions as their account lists them, the firm profile bound to the account, zone
//! link requests an operator decides, and removal — the personal columns cleared, the row kept
//! as a pseudonym, the audit rows about the account erased with the chain intact.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use ucz_core::account::{User, UserId};

use crate::audit::{ERASED, append};
use crate::{Store, StoreError};

/// What a sign-up gives, checked by the service.
#[derive(Clone, Debug)]
pub struct NewMember {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub business_number: Option<String>,
    pub consent_version: String,
    /// The secret of its unsubscribe links (it only stops kinds of mail).
    pub unsubscribe_token: String,
}

/// What a sign-up did: a new account, or the address belongs to one already.
#[derive(Clone, Debug, PartialEq)]
pub enum Joined {
    New(UserId),
    Taken(UserId),
}

/// Why a one-time link was mailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    Verify,
    Reset,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Verify => "verify",
            LinkPurpose::Reset => "reset",
        }
    }
}

/// A session as its account sees it: an id made from its hash, never the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: Option<String>,
    pub expires_at: String,
    /// The browser that opened it (its `User-Agent`, cut to 200 characters).
    pub agent: Option<String>,
    /// Whether it is the session asking.
    pub current: bool,
}

/// The personal data an account holds, as its owner reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Profile {
    pub email: Option<String>,
    pub verified: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub business_number: Option<String>,
    pub consent_version: Option<String>,
    pub consent_at: Option<String>,
}

/// A founder's firm asking to be a zone's tenant record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ZoneLink {
    pub id: i64,
    pub firm_id: String,
    pub zone_id: String,
    /// `requested`, `approved` or `refused`.
    pub status: String,
    pub requested_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
}

/// The public id of a session: the first 16 hex digits of its hash.
/// The account an invitation reaches, made in the caller's audited transaction.
pub(crate) struct InvitedAccount {
    pub id: i64,
    /// Made by this invitation.
    pub new: bool,
    /// It has a password (one an invitation made has none until its link is used).
    pub password_set: bool,
}

/// Finds the account of `email` with `role`, or makes one without a password (its invitation
/// mails the link that sets it) and audits it; `None` when the address is another role's.
pub(crate) async fn invited_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    by: &crate::audit::Author<'_>,
    email: &str,
    name: &str,
    role: &str,
) -> Result<Option<InvitedAccount>, StoreError> {
    let existing =
        sqlx::query("SELECT id, role, password_hash FROM users WHERE email = $1 OR username = $1")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(row) = existing {
        let found: String = row.try_get("role")?;
        if found != role {
            return Ok(None);
        }
        let hash: String = row.try_get("password_hash")?;
        return Ok(Some(InvitedAccount {
            id: row.try_get("id")?,
            new: false,
            password_set: hash != "!",
        }));
    }
    let row = sqlx::query(
        "INSERT INTO users (username, password_hash, role, email, name, created_at, email_verified_at) \
         VALUES ($1, '!', $2, $1, $3, $4, $4) RETURNING id",
    )
    .bind(email)
    .bind(role)
    .bind(name)
    .bind(by.at.clone())
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append(
        tx,
        by,
        "create",
        "user",
        &id.to_string(),
        None,
        Some(&serde_json::json!({"id": id, "username": email, "role": role, "name": name})),
    )
    .await?;
    Ok(Some(InvitedAccount {
        id,
        new: true,
        password_set: false,
    }))
}

fn session_id(hash: &str) -> String {
    hash.chars().take(16).collect()
}

fn zone_link(row: &AnyRow) -> Result<ZoneLink, StoreError> {
    Ok(ZoneLink {
        id: row.try_get("id")?,
        firm_id: row.try_get("firm_id")?,
        zone_id: row.try_get("zone_id")?,
        status: row.try_get("status")?,
        requested_at: row.try_get("requested_at")?,
        decided_at: row.try_get("decided_at")?,
        decided_by: row.try_get("decided_by")?,
    })
}

/// A one-time link of an account, in the caller's transaction.
async fn insert_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    link_hash: &str,
    user: UserId,
    purpose: LinkPurpose,
    at: &str,
    expires: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(link_hash)
    .bind(user.0)
    .bind(purpose.as_str())
    .bind(at)
    .bind(expires)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const LINK_COLUMNS: &str = "id, firm_id, zone_id, status, requested_at, decided_at, decided_by";

impl Store {
    /// Makes a founder's account, unverified, with the link that verifies it — or, when the
    /// address has an account already, says so and writes nothing (the service then mails the
    /// owner instead). Audited as the new account's creation.
    pub async fn sign_up(
        &self,
        member: &NewMember,
        link_hash: &str,
        link_expires: &str,
    ) -> Result<Joined, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author("signup");
        if let Some(row) = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(member.email.clone())
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok(Joined::Taken(UserId(row.try_get("id")?)));
        }
        let row = sqlx::query(
            "INSERT INTO users (username, password_hash, role, email, name, phone, business_number, consent_version, consent_at, created_at, unsubscribe_token) \
             VALUES ($1, $2, 'firm', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(member.username.clone())
        .bind(member.password_hash.clone())
        .bind(member.email.clone())
        .bind(member.name.clone())
        .bind(member.phone.clone())
        .bind(member.business_number.clone())
        .bind(member.consent_version.clone())
        .bind(by.at.clone())
        .bind(by.at.clone())
        .bind(member.unsubscribe_token.clone())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        insert_link(
            &mut tx,
            link_hash,
            UserId(id),
            LinkPurpose::Verify,
            &by.at,
            link_expires,
        )
        .await?;
        let record = serde_json::json!({
            "id": id, "username": member.username, "role": "firm", "email": member.email,
            "name": member.name, "phone": member.phone, "business_number": member.business_number,
            "consent_version": member.consent_version,
        });
        append(
            &mut tx,
            &by,
            "create",
            "user",
            &id.to_string(),
            None,
            Some(&record),
        )
        .await?;
        tx.commit().await?;
        Ok(Joined::New(UserId(id)))
    }

    /// A one-time link for an account (a password reset; verification links come with the
    /// sign-up). Earlier unused links of the same purpose stop working.
    pub async fn add_link(
        &self,
        user: UserId,
        purpose: LinkPurpose,
        link_hash: &str,
        expires: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM account_links WHERE user_id = $1 AND purpose = $2")
            .bind(user.0)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
        insert_link(
            &mut tx,
            link_hash,
            user,
            purpose,
            &self.clock().stamp(),
            expires,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a live link: verifies the account's address, or (a reset, with the new password's
    /// hash) sets the password, verifies the address (the mail reached its owner) and ends every
    /// session. `None` when the link is unknown, used, expired or of another purpose; nothing is
    /// changed then. Audited as an update of the account.
    pub async fn use_link(
        &self,
        link_hash: &str,
        purpose: LinkPurpose,
        new_password_hash: Option<&str>,
    ) -> Result<Option<UserId>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let now = self.clock().stamp();
        let Some(row) = sqlx::query(
            "SELECT user_id FROM account_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at >= $3",
        )
        .bind(link_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let user: i64 = row.try_get("user_id")?;
        let live = sqlx::query(
            "SELECT username FROM users WHERE id = $1 AND disabled = 0 AND removed_at IS NULL",
        )
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(live) = live else {
            return Ok(None);
        };
        let username: String = live.try_get("username")?;
        let by = self.author(&username);
        sqlx::query("UPDATE account_links SET used_at = $1 WHERE token_hash = $2")
            .bind(by.at.clone())
            .bind(link_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2",
        )
        .bind(by.at.clone())
        .bind(user)
        .execute(&mut *tx)
        .await?;
        let mut change = serde_json::json!({"email_verified": true});
        if let Some(hash) = new_password_hash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user)
                .execute(&mut *tx)
                .await?;
            change["password"] = "reset".into();
        }
        append(
            &mut tx,
            &by,
            purpose.as_str(),
            "user",
            &user.to_string(),
            None,
            Some(&change),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(UserId(user)))
    }

    /// The account a live link belongs to (unused, not expired), whatever its purpose.
    pub async fn link_user(&self, link_hash: &str) -> Result<Option<UserId>, StoreError> {
        Ok(sqlx::query(
            "SELECT user_id FROM account_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at >= $2",
        )
        .bind(link_hash)
        .bind(self.clock().stamp())
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get::<i64, _>("user_id"))
        .transpose()?
        .map(UserId))
    }

    /// The enabled, verified account of an address.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.user_where("email = $1 AND email_verified_at IS NOT NULL", email)
            .await
    }

    /// The account a login names: by user name, or by a verified e-mail address.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        if login.contains('@') {
            self.user_by_email(&login.to_lowercase()).await
        } else {
            self.user_by_name(login).await
        }
    }

    /// An account by its number.
    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.user_where("users.id = $1", id.0).await
    }

    /// What personal data an account holds.
    pub async fn profile_of(&self, user: UserId) -> Result<Profile, StoreError> {
        let row = sqlx::query(
            "SELECT email, email_verified_at, name, phone, business_number, consent_version, consent_at FROM users WHERE id = $1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Profile::default());
        };
        Ok(Profile {
            email: row.try_get("email")?,
            verified: row
                .try_get::<Option<String>, _>("email_verified_at")?
                .is_some(),
            name: row.try_get("name")?,
            phone: row.try_get("phone")?,
            business_number: row.try_get("business_number")?,
            consent_version: row.try_get("consent_version")?,
            consent_at: row.try_get("consent_at")?,
        })
    }

    /// Sets an account's password, audited (never the hash in the trail). With `keep`, that
    /// session stays open and every other one ends.
    pub async fn set_password(
        &self,
        actor: &str,
        user: UserId,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.0)
            .bind(keep.unwrap_or_default().to_string())
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &by,
            "update",
            "user",
            &user.to_string(),
            None,
            Some(&serde_json::json!({"password": "changed"})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's live sessions, newest first; `current` (a session's hash) is marked.
    pub async fn sessions_of(
        &self,
        user: UserId,
        current: Option<&str>,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT token_hash, created_at, expires_at, agent FROM sessions WHERE user_id = $1 AND expires_at >= $2 ORDER BY created_at DESC, token_hash",
        )
        .bind(user.0)
        .bind(self.clock().stamp())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let hash: String = r.try_get("token_hash")?;
                Ok(SessionInfo {
                    id: session_id(&hash),
                    current: current == Some(hash.as_str()),
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    agent: r.try_get("agent")?,
                })
            })
            .collect()
    }

    /// Ends one of an account's sessions by its public id; `false` when it has none of that id.
    pub async fn end_session(&self, user: UserId, id: &str) -> Result<bool, StoreError> {
        let rows = sqlx::query("SELECT token_hash FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        for row in rows {
            let hash: String = row.try_get("token_hash")?;
            if session_id(&hash) == id {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(hash)
                    .execute(&self.pool)
                    .await?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Binds a founder's account to the firm it made (its profile), audited.
    pub async fn bind_firm(
        &self,
        actor: &str,
        user: UserId,
        firm_id: &str,
    ) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let key: i64 = sqlx::query("SELECT key FROM firms WHERE id = $1")
            .bind(firm_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("key")?;
        sqlx::query("UPDATE users SET firm_key = $1 WHERE id = $2 AND firm_key IS NULL")
            .bind(key)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &by,
            "update",
            "user",
            &user.to_string(),
            None,
            Some(&serde_json::json!({"firm_id": firm_id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Asks that a founder's firm become a tenant record of a zone; an earlier open request
    /// of the firm is replaced. Audited.
    pub async fn request_zone_link(
        &self,
        actor: &str,
        user: UserId,
        firm_id: &str,
        zone_id: &str,
    ) -> Result<ZoneLink, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query("DELETE FROM zone_links WHERE firm_id = $1 AND status = 'requested'")
            .bind(firm_id)
            .execute(&mut *tx)
            .await?;
        let sql = format!(
            "INSERT INTO zone_links (user_id, firm_id, zone_id, status, requested_at) VALUES ($1, $2, $3, 'requested', $4) RETURNING {LINK_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.0)
            .bind(firm_id)
            .bind(zone_id)
            .bind(by.at.clone())
            .fetch_one(&mut *tx)
            .await?;
        let link = zone_link(&row)?;
        append(
            &mut tx,
            &by,
            "create",
            "zone link",
            &link.id.to_string(),
            None,
            Some(&serde_json::to_value(&link).unwrap_or_default()),
        )
        .await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Zone link requests, newest first: of one zone (an operator's queue) or all, of one
    /// status or any; at most `limit`.
    pub async fn zone_links(
        &self,
        zone: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ZoneLink>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM zone_links WHERE ($1 = '' OR zone_id = $1) AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(zone.unwrap_or_default().to_string())
            .bind(status.unwrap_or_default().to_string())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(zone_link).collect()
    }

    /// The firm's latest zone link request.
    pub async fn zone_link_of(&self, firm_id: &str) -> Result<Option<ZoneLink>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM zone_links WHERE firm_id = $1 ORDER BY id DESC LIMIT 1"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(firm_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| zone_link(&r))
            .transpose()
    }

    pub async fn zone_link(&self, id: i64) -> Result<Option<ZoneLink>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM zone_links WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| zone_link(&r))
            .transpose()
    }

    /// Decides an open request: approved or refused, by whom, audited (the service has set the
    /// firm's zone before an approval). `None` when the request is no longer open.
    pub async fn decide_zone_link(
        &self,
        actor: &str,
        id: i64,
        approve: bool,
    ) -> Result<Option<ZoneLink>, StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        let sql = format!(
            "UPDATE zone_links SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'requested' RETURNING {LINK_COLUMNS}"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(if approve { "approved" } else { "refused" })
            .bind(by.at.clone())
            .bind(actor)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let link = zone_link(&row)?;
        append(
            &mut tx,
            &by,
            if approve { "approve" } else { "refuse" },
            "zone link",
            &id.to_string(),
            None,
            Some(&serde_json::to_value(&link).unwrap_or_default()),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(link))
    }

    /// Removes an account: its personal columns cleared, its user name a pseudonym
    /// (`removed-<id>`), its password unusable, the account disabled and unbound from its firm;
    /// its sessions, tokens, links, notices, mail, marks, calendar feed and zone link requests
    /// deleted; and the payloads of the audit rows about the account erased (their hashes kept,
    /// so the chain verifies). The firm record stays. Audited as `remove` with no personal data.
    pub async fn remove_account(&self, actor: &str, user: UserId) -> Result<(), StoreError> {
        let (_serial, mut tx) = self.begin_audited().await?;
        let by = self.author(actor);
        sqlx::query(
            "UPDATE users SET username = $1, email = NULL, email_verified_at = NULL, name = NULL, phone = NULL, \
             business_number = NULL, unsubscribe_token = NULL, password_hash = '!', disabled = 1, firm_key = NULL, \
             zone_key = NULL, removed_at = $2 WHERE id = $3",
        )
        .bind(format!("removed-{}", user.0))
        .bind(by.at.clone())
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        for table in [
            "sessions",
            "api_tokens",
            "account_links",
            "notices",
            "mail_stops",
            "mail_outbox",
            "call_marks",
            "calendar_feeds",
            "zone_links",
        ] {
            let sql = format!("DELETE FROM {table} WHERE user_id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
        }
        let erased = sqlx::query(
            "UPDATE audit SET before = CASE WHEN before IS NULL THEN NULL ELSE $1 END, after = CASE WHEN after IS NULL THEN NULL ELSE $2 END, \
             payload_salt = NULL, erased_at = $3 WHERE entity = 'user' AND entity_id = $4 AND version >= 2 AND erased_at IS NULL",
        )
        .bind(ERASED)
        .bind(ERASED)
        .bind(by.at.clone())
        .bind(user.0.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        append(
            &mut tx,
            &by,
            "remove",
            "user",
            &user.to_string(),
            None,
            Some(&serde_json::json!({"erased_audit_rows": erased})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account by its unsubscribe secret.
    pub async fn user_by_unsubscribe(&self, token: &str) -> Result<Option<User>, StoreError> {
        self.user_where("unsubscribe_token = $1", token).await
    }

    /// The unsubscribe secret of an account, set to `fresh` when it has none (accounts an
    /// administrator made).
    pub async fn unsubscribe_token_of(
        &self,
        user: UserId,
        fresh: &str,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "UPDATE users SET unsubscribe_token = $1 WHERE id = $2 AND unsubscribe_token IS NULL",
        )
        .bind(fresh)
        .bind(user.0)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query("SELECT unsubscribe_token FROM users WHERE id = $1")
                .bind(user.0)
                .fetch_one(&self.pool)
                .await?
                .try_get::<Option<String>, _>("unsubscribe_token")?
                .unwrap_or_default(),
        )
    }
}

impl Store {
    /// The enabled account matching one condition on `users` with one text or number.
    async fn user_where<'q, T>(&self, condition: &str, value: T) -> Result<Option<User>, StoreError>
    where
        T: 'q + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
    {
        let sql = format!(
            "SELECT {} FROM {} WHERE {condition} AND disabled = 0",
            crate::records::USER_COLUMNS,
            crate::records::USER_JOIN
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| crate::records::user(&r))
            .transpose()
    }
}
