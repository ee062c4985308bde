//! Mail at the edge: the SMTP relay (lettre) that sends what the use cases queue, and the
//! background work of a server — the sender, woken when a mail that should not wait is queued
//! and every few seconds otherwise, and the scheduler of the jobs that run once whichever
//! process gets to them (`ucz_service::jobs`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart, header::ContentTransferEncoding};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use ucz_service::jobs::Schedule;
use ucz_service::notices::Relay;
use ucz_store::OutboxMail;

use crate::AppState;

/// Where mail goes.
#[derive(Clone, Debug, Default)]
pub struct MailConfig {
    /// The relay: `smtp://host:25` (STARTTLS when offered), `smtp://host:587?tls=required`,
    /// `smtps://user:password@host:465`. None: mail is held in the outbox for administrators.
    pub smtp_url: Option<String>,
    /// The sender's address (`ucz <noreply@ucz.example.kr>`).
    pub from: String,
    /// The server's public address, which links in mail start with.
    pub site: String,
}

/// An SMTP relay.
pub struct SmtpRelay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpRelay {
    pub fn new(url: &str, from: &str) -> Result<SmtpRelay, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("mail_from {from:?}: {e}"))?;
        Ok(SmtpRelay { transport, from })
    }
}

impl Relay for SmtpRelay {
    fn send<'a>(
        &'a self,
        mail: &'a OutboxMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let to = mail
                .to
                .parse::<Mailbox>()
                .map_err(|e| format!("to {}: {e}", mail.to))?;
            // Base64 bodies reach every relay intact, 8BITMIME or not.
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(mail.subject.clone())
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .header(ContentTransferEncoding::Base64)
                        .body(mail.body.clone()),
                )
                .map_err(|e| e.to_string())?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

/// No relay: mail is held in the outbox when queued, so nothing is ever handed here.
pub struct NoRelay;

impl Relay for NoRelay {
    fn send<'a>(
        &'a self,
        _mail: &'a OutboxMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async { Err("no SMTP relay is configured (smtp_url)".to_string()) })
    }
}

/// How often the sender looks for due mail (retries) without being woken, and how often the
/// scheduler asks whether a job is due.
const SEND_EVERY: Duration = Duration::from_secs(5);
const TICK_EVERY: Duration = Duration::from_secs(20);

/// Starts the server's background work: the sender (when a relay is configured), and the job
/// scheduler when `schedule` is given. Each runs until the process ends; a failed round is
/// logged and the next one tries again.
pub fn start_background(state: &AppState, schedule: Option<Schedule>) {
    if state.services.mail.relay {
        let (services, relay) = (state.services.clone(), state.relay.clone());
        tokio::spawn(async move {
            loop {
                match ucz_service::notices::deliver(&services, relay.as_ref()).await {
                    Ok(done) if done.sent + done.retrying + done.failed > 0 => {
                        tracing::info!(
                            sent = done.sent,
                            retrying = done.retrying,
                            failed = done.failed,
                            "mail delivered"
                        );
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!("mail delivery: {}", error.detail),
                }
                let _ = tokio::time::timeout(SEND_EVERY, services.mail.wake.notified()).await;
            }
        });
    }
    if let Some(schedule) = schedule {
        let (services, relay) = (state.services.clone(), state.relay.clone());
        tokio::spawn(async move {
            loop {
                if let Err(error) =
                    ucz_service::jobs::tick(&services, &schedule, relay.as_ref()).await
                {
                    tracing::error!("scheduled jobs: {}", error.detail);
                }
                tokio::time::sleep(TICK_EVERY).await;
            }
        });
    }
}

impl AppState {
    /// The state sending mail as `config` says: through its relay, or held in the outbox.
    pub fn with_mail(mut self, config: &MailConfig) -> Result<Self, String> {
        let site = config.site.trim_end_matches('/').to_string();
        match &config.smtp_url {
            Some(url) => {
                self.relay = Arc::new(SmtpRelay::new(url, &config.from)?);
                self.services.mail.relay = true;
            }
            None => {
                self.relay = Arc::new(NoRelay);
                self.services.mail.relay = false;
            }
        }
        if !site.is_empty() {
            self.services.mail.site = site;
        }
        Ok(self)
    }
}
