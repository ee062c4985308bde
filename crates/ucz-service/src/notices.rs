//! Notices to firm accounts and the mail that carries them: `scan` finds what each account
//! should hear of (approved open calls that fit its firm, its bookmarked calls at D-7 and D-1,
//! placement proposals for its firm in the stored plans and their changes); `digest` mails each
//! account one daily digest of what it was not yet mailed; `deliver` hands queued mail to the
//! relay with retries and backoff. The inbox, mail preferences and the outbox are read here too.

use std::future::Future;
use std::pin::Pin;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ucz_core::call::{CallStatus, RuleState};
use ucz_core::date::Date;
use ucz_core::notice::{self, NoticeBody, NoticeKind};
use ucz_store::{MarkKind, NewMail, OutboxMail, Recipient};

use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};
use crate::{Services, tokens};

/// Tries a mail gets before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// What sends mail: an SMTP relay at the edge (the web crate's), or none.
pub trait Relay: Send + Sync {
    fn send<'a>(
        &'a self,
        mail: &'a OutboxMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// What a scan did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Scanned {
    pub accounts: usize,
    pub added: u64,
}

/// Finds the notices of every firm account and adds the new ones to their inboxes.
pub async fn scan(state: &Services) -> Result<Scanned, Error> {
    let mut scanned = scan_for(state, &state.store.recipients().await?).await?;
    // Operators are reminded of their zone's leases ending.
    scanned.added += crate::occupancy::remind_keepers(state, state.clock.today()).await?;
    // Coordinators and operators are told of statutory deadlines at risk or past.
    scanned.added += crate::evaluation::records::remind_of_deadlines(state).await?;
    // Housing offers past their deadline lapse (offering on); old rounds' personal data goes.
    crate::housing::sweep(state).await?;
    Ok(scanned)
}

/// Notices as the inbox stores them: kind, key (one notice per key and account) and body.
pub(crate) fn stored(notices: &[NoticeBody]) -> Vec<(String, String, serde_json::Value)> {
    notices
        .iter()
        .map(|n| {
            (
                n.kind().as_str().to_string(),
                n.key(),
                serde_json::to_value(n).unwrap_or_default(),
            )
        })
        .collect()
}

/// A stored plan of a scope, read once per scan (many firms share a 시·도).
type Plans = std::collections::HashMap<String, Option<ucz_store::Stored<ucz_store::ShownPlan>>>;

async fn scan_for(state: &Services, recipients: &[Recipient]) -> Result<Scanned, Error> {
    let mut plans = Plans::new();
    let book = state.calls.fresh(&state.store).await?;
    let now = state.clock.now();
    let today = Date::in_korea(now);
    let mut scanned = Scanned::default();
    for recipient in recipients {
        let Some(firm) = state
            .store
            .repo::<ucz_core::record::Demo<ucz_core::firm::Firm>>()
            .find(&recipient.firm_id)
            .await?
        else {
            continue;
        };
        let firm = firm.record.record;
        let mut found: Vec<NoticeBody> = Vec::new();
        let fits = book.fits(&firm, today, &state.catalog);
        let mut groups = std::collections::HashSet::new();
        for entry in book.entries() {
            let call = &entry.stored;
            if call.call.review.state != RuleState::Approved
                || call.call.status(now) != CallStatus::Open
                || !fits.get(&call.id).copied().unwrap_or(false)
                || book.representative(call.group) != Some(call.id)
                || !groups.insert(call.group)
            {
                continue;
            }
            found.push(NoticeBody::CallFits {
                call: call.id,
                title: call.call.title.clone(),
                closes: call.call.period.closing_day().map(|d| d.to_string()),
            });
        }
        for mark in state.store.marks_of(recipient.user).await? {
            let Some(entry) = (mark.kind == MarkKind::Bookmarked)
                .then(|| book.get(mark.call_id))
                .flatten()
            else {
                continue;
            };
            let period = &entry.stored.call.period;
            let (Some(days), Some(day)) = (period.days_left(now), period.closing_day()) else {
                continue;
            };
            // The D-7 notice from a week ahead, the D-1 one on the day before; a reminder a
            // scan missed is still given while it is true.
            for at in [7, 1] {
                if (0..=at).contains(&days) && !(at == 7 && days <= 1) {
                    found.push(NoticeBody::CallClosing {
                        call: entry.stored.id,
                        title: entry.stored.call.title.clone(),
                        closes: day.to_string(),
                        days,
                        reminder: at,
                    });
                }
            }
        }
        found.extend(placement_notices(state, recipient, &firm, &mut plans).await?);
        found.extend(crate::awards::filing_notices(state, &recipient.firm_id, today).await?);
        found.extend(crate::occupancy::lease_notices(state, &recipient.firm_id, today).await?);
        let rows = stored(&found);
        scanned.accounts += 1;
        if !rows.is_empty() {
            scanned.added += state.store.add_notices(recipient.user, &rows).await?;
        }
    }
    Ok(scanned)
}

/// The proposals for the firm in the latest stored plans of its 시·도 and its 광역경제권: a
/// notice for a new proposal, and one saying what it was before when the space changed.
async fn placement_notices(
    state: &Services,
    recipient: &Recipient,
    firm: &ucz_core::firm::Firm,
    plans: &mut Plans,
) -> Result<Vec<NoticeBody>, Error> {
    let region = firm.region.to_string();
    let mut scopes = vec![region.clone()];
    if let Some(economic) = state.catalog.home_economic_region(&region) {
        scopes.push(economic.id.to_string());
    }
    let mut found = Vec::new();
    for scope in scopes {
        if !plans.contains_key(&scope) {
            plans.insert(scope.clone(), state.store.latest_plan(&scope).await?);
        }
        let Some(Some(plan)) = plans.get(&scope) else {
            continue;
        };
        let Some(proposal) = plan.record.proposals.iter().find(|p| p.firm_id == firm.id) else {
            continue;
        };
        let before = state
            .store
            .last_notice(recipient.user, &format!("placement:{scope}:"))
            .await?
            .and_then(|n| serde_json::from_value::<NoticeBody>(n.body).ok())
            .and_then(|n| match n {
                NoticeBody::Placement { space, .. } => Some(space),
                _ => None,
            })
            .filter(|space| *space != proposal.space_id);
        found.push(NoticeBody::Placement {
            scope: scope.clone(),
            space: proposal.space_id.clone(),
            before,
        });
    }
    Ok(found)
}

/// What a digest run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Digested {
    pub scanned: Scanned,
    /// Digests queued.
    pub queued: usize,
    /// Accounts whose digest of the day was queued already (by this or another process).
    pub already: usize,
}

/// The unsubscribe link of an account for a kind.
fn unsubscribe_link(state: &Services, token: &str, kind: NoticeKind) -> String {
    format!(
        "{}/unsubscribe?token={token}&kind={}",
        state.mail.site,
        kind.as_str()
    )
}

/// Scans, then queues one digest per account with a verified address and notices not yet
/// mailed (of the kinds it did not stop): at most one per account and day in Korea, whichever
/// process runs it.
pub async fn digest(state: &Services) -> Result<Digested, Error> {
    let recipients = state.store.recipients().await?;
    let scanned = scan_for(state, &recipients).await?;
    let today = state.clock.today();
    let mut done = Digested {
        scanned,
        ..Digested::default()
    };
    for recipient in recipients {
        let Some(to) = &recipient.email else {
            continue;
        };
        let notices = state.store.undigested(recipient.user).await?;
        let bodies: Vec<NoticeBody> = notices
            .iter()
            .filter_map(|n| serde_json::from_value(n.body.clone()).ok())
            .collect();
        if bodies.is_empty() {
            continue;
        }
        let token = state
            .store
            .unsubscribe_token_of(recipient.user, &tokens::secret()?)
            .await?;
        let mail = notice::digest(to, &bodies, &state.mail.site, |kind| {
            unsubscribe_link(state, &token, kind)
        });
        let ids: Vec<i64> = notices.iter().map(|n| n.id).collect();
        let queued = state
            .store
            .queue_digest(
                &NewMail {
                    user: Some(recipient.user),
                    to: &mail.to,
                    subject: &mail.subject,
                    body: &mail.body,
                    kind: "digest",
                    dedup: Some(format!("digest:{}:{today}", recipient.user)),
                    status: state.mail.status(),
                },
                &ids,
            )
            .await?;
        if queued {
            done.queued += 1;
        } else {
            done.already += 1;
        }
    }
    // Mail records live 90 days (the privacy notice says so).
    state
        .store
        .purge_mail(&state.clock.stamp_in(-90 * 86_400))
        .await?;
    state.mail.wake.notify_one();
    Ok(done)
}

/// What one delivery round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Delivered {
    pub sent: usize,
    /// Failed this time, to be tried again later.
    pub retrying: usize,
    /// Failed for the last time.
    pub failed: usize,
}

/// The wait before the next try after `attempts` tries: 1, 2, 4… minutes, at most six hours.
pub fn backoff_seconds(attempts: i64) -> i64 {
    (60_i64 << attempts.clamp(1, 20).saturating_sub(1)).min(6 * 3600)
}

/// Sends the queued mails that are due through the relay, each claimed for two minutes so that
/// another process does not send it too.
pub async fn deliver(state: &Services, relay: &dyn Relay) -> Result<Delivered, Error> {
    let mut done = Delivered::default();
    loop {
        let claimed = state.store.claim_mail(20, 120).await?;
        if claimed.is_empty() {
            return Ok(done);
        }
        for mail in &claimed {
            match relay.send(mail).await {
                Ok(()) => {
                    state.store.mail_outcome(mail.id, None, None).await?;
                    done.sent += 1;
                }
                Err(error) if mail.attempts < MAX_ATTEMPTS => {
                    tracing::warn!(
                        mail = mail.id,
                        attempts = mail.attempts,
                        "sending failed: {error}"
                    );
                    let next = state.clock.stamp_in(backoff_seconds(mail.attempts));
                    state
                        .store
                        .mail_outcome(mail.id, Some(&error), Some(&next))
                        .await?;
                    done.retrying += 1;
                }
                Err(error) => {
                    tracing::error!(mail = mail.id, "sending failed for the last time: {error}");
                    state
                        .store
                        .mail_outcome(mail.id, Some(&error), None)
                        .await?;
                    done.failed += 1;
                }
            }
        }
    }
}

/// One notice of the inbox.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct InboxItem {
    pub id: i64,
    pub kind: NoticeKind,
    /// The notice in English (pages show it in the visitor's language).
    pub text: String,
    /// Where it leads (a path of this site).
    pub link: String,
    pub body: NoticeBody,
    pub created_at: String,
    pub read_at: Option<String>,
    /// When it went out in a digest.
    pub mailed_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub unread: i64,
}

/// The caller's notices, newest first (the latest 200).
pub async fn inbox(state: &Services, caller: &Caller) -> Result<Inbox, Error> {
    let user = caller.user()?;
    let (notices, unread) = state.store.notices_of(user.id, 200).await?;
    let items = notices
        .into_iter()
        .filter_map(|n| {
            let body: NoticeBody = serde_json::from_value(n.body).ok()?;
            Some(InboxItem {
                id: n.id,
                kind: body.kind(),
                text: body.message().to_string(),
                link: body.link(),
                body,
                created_at: n.created_at,
                read_at: n.read_at,
                mailed_at: n.digested_at,
            })
        })
        .collect();
    Ok(Inbox { items, unread })
}

/// Marks one of the caller's notices read, or all with `None`.
pub async fn mark_read(state: &Services, caller: &Caller, id: Option<i64>) -> Result<u64, Error> {
    let user = caller.user()?;
    let marked = state.store.read_notices(user.id, id).await?;
    if id.is_some() && marked == 0 {
        let (all, _) = state.store.notices_of(user.id, 200).await?;
        if !all.iter().any(|n| Some(n.id) == id) {
            return Err(Error::not_found(
                Key::NounNotice,
                &id.unwrap_or_default().to_string(),
            ));
        }
    }
    Ok(marked)
}

/// Which kinds of notice an account gets by mail.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailPreferences {
    /// For each kind (`call_fits`, `call_closing`, `placement`): mailed in the digest or not.
    pub mail: std::collections::BTreeMap<String, bool>,
}

pub async fn preferences(state: &Services, caller: &Caller) -> Result<MailPreferences, Error> {
    let user = caller.user()?;
    let stopped = state.store.mail_stops(user.id).await?;
    Ok(MailPreferences {
        mail: NoticeKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    !stopped.iter().any(|s| s == k.as_str()),
                )
            })
            .collect(),
    })
}

fn kind_of(text: &str, field: &str) -> Result<NoticeKind, Error> {
    NoticeKind::parse(text).ok_or_else(|| {
        Error::invalid(vec![FieldError::new(
            field,
            Message::new(Key::UnknownNoticeKind)
                .arg("kind", text)
                .arg("kinds", NoticeKind::ALL.map(NoticeKind::as_str).join(", ")),
        )])
    })
}

/// Sets which kinds the caller gets by mail; kinds not named stay as they are.
pub async fn set_preferences(
    state: &Services,
    caller: &Caller,
    asked: &MailPreferences,
) -> Result<MailPreferences, Error> {
    let user = caller.user()?;
    let mut kinds = Vec::new();
    for (kind, mail) in &asked.mail {
        kinds.push((kind_of(kind, &format!("mail.{kind}"))?, *mail));
    }
    for (kind, mail) in kinds {
        state
            .store
            .set_mail_stop(&caller.actor(), user.id, kind.as_str(), !mail)
            .await?;
    }
    preferences(state, caller).await
}

/// Stops one kind of mail for the account of an unsubscribe link; the kind's name for people.
pub async fn unsubscribe(state: &Services, token: &str, kind: &str) -> Result<NoticeKind, Error> {
    let kind = kind_of(kind, "kind")?;
    let user = match token.len() {
        64 => state.store.user_by_unsubscribe(token).await?,
        _ => None,
    }
    .ok_or_else(|| Error::invalid(vec![FieldError::new("token", Key::LinkSpent)]))?;
    state
        .store
        .set_mail_stop(&user.username, user.id, kind.as_str(), true)
        .await?;
    Ok(kind)
}

/// The outbox for administrators: mail held (no relay), queued, sent or failed.
pub async fn outbox(
    state: &Services,
    caller: &Caller,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<OutboxMail>, i64), Error> {
    admin(caller)?;
    Ok(state
        .store
        .outbox(
            status.filter(|s| !s.is_empty()),
            limit.clamp(1, 500),
            offset.max(0),
        )
        .await?)
}

pub(crate) fn admin(caller: &Caller) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin => Ok(()),
        _ => Err(Error::forbidden_because(Key::AdminsOnly)),
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_seconds;

    #[test]
    fn retries_wait_longer_each_time_up_to_six_hours() {
        let waits: Vec<i64> = (1..=MAX).map(backoff_seconds).collect();
        assert_eq!(&waits[..4], &[60, 120, 240, 480]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(backoff_seconds(30), 6 * 3600);
        assert_eq!(backoff_seconds(0), 60);
    }

    const MAX: i64 = super::MAX_ATTEMPTS;
}
