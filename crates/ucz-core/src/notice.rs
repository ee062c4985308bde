//! Notices to an account — an open call that fits its firm, a bookmarked call closing, a
//! placement proposal for its firm or its change — and the mails that carry them: one daily
//! digest of the notices not yet mailed, and the account mails (verification, password reset).
//! Every text is a message of `messages.toml`; a mail is written in Korean with its English
//! below.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::message::{Key, Message};

/// What a notice is about. Each kind can be unsubscribed from on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// An approved open call that fits the account's firm.
    CallFits,
    /// A bookmarked call closes in 7 days, or tomorrow.
    CallClosing,
    /// A placement proposal for the account's firm, or its change.
    Placement,
    /// A KPI filing of the firm's agreement is due within a week, or late.
    FilingDue,
    /// A lease of the firm ends within 90, 60 or 30 days.
    LeaseEnding,
    /// A statutory step of a zone's procedure is near its deadline or past it (coordinators and
    /// the zone's operators).
    ProcedureDue,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::CallFits,
        NoticeKind::CallClosing,
        NoticeKind::Placement,
        NoticeKind::FilingDue,
        NoticeKind::LeaseEnding,
        NoticeKind::ProcedureDue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::CallFits => "call_fits",
            NoticeKind::CallClosing => "call_closing",
            NoticeKind::Placement => "placement",
            NoticeKind::FilingDue => "filing_due",
            NoticeKind::LeaseEnding => "lease_ending",
            NoticeKind::ProcedureDue => "procedure_due",
        }
    }

    pub fn parse(text: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind's name for people.
    pub fn name(self) -> Message {
        Message::new(match self {
            NoticeKind::CallFits => Key::NoticeKindCallFits,
            NoticeKind::CallClosing => Key::NoticeKindCallClosing,
            NoticeKind::Placement => Key::NoticeKindPlacement,
            NoticeKind::FilingDue => Key::NoticeKindFilingDue,
            NoticeKind::LeaseEnding => Key::NoticeKindLeaseEnding,
            NoticeKind::ProcedureDue => Key::NoticeKindProcedureDue,
        })
    }
}

impl fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a notice says, by kind, with what it needs to say it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeBody {
    CallFits {
        call: i64,
        title: String,
        /// The closing day in Korea, none for a call open until its budget runs out.
        closes: Option<String>,
    },
    CallClosing {
        call: i64,
        title: String,
        closes: String,
        /// Days left until the closing day in Korea.
        days: i64,
        /// Which reminder it is: 7 (the week before) or 1 (the day before).
        #[serde(default)]
        reminder: i64,
    },
    Placement {
        /// The 시·도 or 광역경제권 of the plan.
        scope: String,
        space: String,
        /// The space proposed before, when the proposal changed.
        before: Option<String>,
    },
    FilingDue {
        /// The application the agreement is of.
        application: i64,
        call: i64,
        title: String,
        /// The period's number and its due day.
        period: u32,
        due: String,
        /// Days until it is due (negative: late).
        days: i64,
    },
    LeaseEnding {
        lease: i64,
        firm: String,
        space: String,
        /// The lease's last day.
        last_day: String,
        days: i64,
        /// The reminder: 90, 60 or 30 days before.
        band: i64,
        /// Whether the firm graduates (an incubation lease with no renewal left).
        graduate: bool,
        /// The reminder of the zone's operator (else the firm's own).
        #[serde(default)]
        keeper: bool,
    },
    ProcedureDue {
        zone: String,
        step: String,
        /// The step's name (Korean and English).
        name_ko: String,
        name_en: String,
        /// Its deadline and the days left (negative: overdue).
        deadline: String,
        days: i64,
    },
}

impl NoticeBody {
    pub fn kind(&self) -> NoticeKind {
        match self {
            NoticeBody::CallFits { .. } => NoticeKind::CallFits,
            NoticeBody::CallClosing { .. } => NoticeKind::CallClosing,
            NoticeBody::Placement { .. } => NoticeKind::Placement,
            NoticeBody::FilingDue { .. } => NoticeKind::FilingDue,
            NoticeBody::LeaseEnding { .. } => NoticeKind::LeaseEnding,
            NoticeBody::ProcedureDue { .. } => NoticeKind::ProcedureDue,
        }
    }

    /// What makes the notice one of a kind for its account: the same key is never noticed twice.
    pub fn key(&self) -> String {
        match self {
            NoticeBody::CallFits { call, .. } => format!("call_fits:{call}"),
            NoticeBody::CallClosing { call, reminder, .. } => {
                format!("call_closing:{call}:{reminder}")
            }
            NoticeBody::Placement { scope, space, .. } => format!("placement:{scope}:{space}"),
            // One reminder a week before, one once late.
            NoticeBody::FilingDue {
                application,
                period,
                days,
                ..
            } => format!(
                "filing_due:{application}:{period}:{}",
                if *days < 0 { "late" } else { "soon" }
            ),
            NoticeBody::LeaseEnding { lease, band, .. } => format!("lease_ending:{lease}:{band}"),
            // One notice when at risk, one once overdue, per deadline.
            NoticeBody::ProcedureDue {
                zone,
                step,
                deadline,
                days,
                ..
            } => format!(
                "procedure_due:{zone}:{step}:{deadline}:{}",
                if *days < 0 { "overdue" } else { "at_risk" }
            ),
        }
    }

    /// Where in ucz the notice leads (a path).
    pub fn link(&self) -> String {
        match self {
            NoticeBody::CallFits { call, .. } | NoticeBody::CallClosing { call, .. } => {
                format!("/calls/{call}")
            }
            NoticeBody::Placement { scope, .. } => format!("/placement/{scope}"),
            NoticeBody::FilingDue { call, .. } => format!("/awards/calls/{call}"),
            NoticeBody::LeaseEnding { firm, .. } => format!("/firms/{firm}"),
            NoticeBody::ProcedureDue { zone, .. } => format!("/evaluation/{zone}/plan"),
        }
    }

    /// The notice in one sentence.
    pub fn message(&self) -> Message {
        match self {
            NoticeBody::CallFits { title, closes, .. } => Message::new(Key::NoticeCallFits)
                .arg("title", title.as_str())
                .with(
                    "closes",
                    closes
                        .clone()
                        .map_or(Message::new(Key::NoticeUntilBudget), |d| {
                            Message::new(Key::NoticeClosesOn).arg("date", d)
                        }),
                ),
            NoticeBody::CallClosing {
                title,
                closes,
                days,
                ..
            } => Message::new(Key::NoticeCallClosing)
                .arg("title", title.as_str())
                .arg("date", closes.as_str())
                .arg("days", *days),
            NoticeBody::Placement {
                scope,
                space,
                before,
            } => match before {
                None => Message::new(Key::NoticePlacement)
                    .arg("scope", scope.as_str())
                    .arg("space", space.as_str()),
                Some(before) => Message::new(Key::NoticePlacementChanged)
                    .arg("scope", scope.as_str())
                    .arg("space", space.as_str())
                    .arg("before", before.as_str()),
            },
            NoticeBody::FilingDue {
                title,
                period,
                due,
                days,
                ..
            } => Message::new(if *days < 0 {
                Key::NoticeFilingLate
            } else {
                Key::NoticeFilingDue
            })
            .arg("title", title.as_str())
            .arg("period", period)
            .arg("due", due.as_str()),
            NoticeBody::LeaseEnding {
                firm,
                space,
                last_day,
                days,
                graduate,
                keeper: true,
                ..
            } => Message::new(if *graduate {
                Key::NoticeTenantGraduates
            } else {
                Key::NoticeTenantRenews
            })
            .arg("firm", firm.as_str())
            .arg("space", space.as_str())
            .arg("date", last_day.as_str())
            .arg("days", *days),
            NoticeBody::LeaseEnding {
                space,
                last_day,
                days,
                graduate,
                ..
            } => Message::new(if *graduate {
                Key::NoticeLeaseGraduate
            } else {
                Key::NoticeLeaseRenew
            })
            .arg("space", space.as_str())
            .arg("date", last_day.as_str())
            .arg("days", *days),
            NoticeBody::ProcedureDue {
                zone,
                name_ko,
                name_en,
                deadline,
                days,
                ..
            } => Message::new(if *days < 0 {
                Key::NoticeProcedureOverdue
            } else {
                Key::NoticeProcedureAtRisk
            })
            .arg("zone", zone.as_str())
            .arg("step", format!("{name_ko} ({name_en})"))
            .arg("date", deadline.as_str())
            .arg("days", days.abs()),
        }
    }
}

/// A mail ready for the outbox: to whom, about what, its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A message in Korean, then in English.
fn both(message: &Message) -> String {
    format!(
        "{}\n\n{}",
        message.render(Lang::Ko),
        message.render(Lang::En)
    )
}

fn subject(message: &Message) -> String {
    format!(
        "[ucz] {} / {}",
        message.render(Lang::Ko),
        message.render(Lang::En)
    )
}

/// The link that confirms a new account's address.
pub fn verification(to: &str, link: &str, hours: i64) -> Mail {
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailVerifySubject)),
        body: both(
            &Message::new(Key::MailVerifyBody)
                .arg("link", link)
                .arg("hours", hours),
        ),
    }
}

/// A sign-up with an address already registered: the owner is told, and offered a reset, so
/// that the answer to the sign-up itself says nothing.
pub fn already_registered(to: &str, reset_link: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailTakenSubject)),
        body: both(&Message::new(Key::MailTakenBody).arg("link", reset_link)),
    }
}

/// The link that sets a new password.
pub fn password_reset(to: &str, link: &str, minutes: i64) -> Mail {
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailResetSubject)),
        body: both(
            &Message::new(Key::MailResetBody)
                .arg("link", link)
                .arg("minutes", minutes),
        ),
    }
}

/// The invitation of an evaluator to a call: the link sets its password (it works once).
pub fn evaluator_invite(to: &str, link: &str, call: &str, days: i64) -> Mail {
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailInviteSubject).arg("call", call)),
        body: both(
            &Message::new(Key::MailInviteBody)
                .arg("call", call)
                .arg("link", link)
                .arg("days", days),
        ),
    }
}

/// A firm's invitation of an employee to apply for worker housing.
pub fn housing_invite(to: &str, link: &str, firm: &str, days: i64) -> Mail {
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailHousingInviteSubject).arg("firm", firm)),
        body: both(
            &Message::new(Key::MailHousingInviteBody)
                .arg("firm", firm)
                .arg("link", link)
                .arg("days", days),
        ),
    }
}

/// A firm's notice to an employee who has an account already that it may apply as its employee.
pub fn housing_added(to: &str, link: &str, firm: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailHousingInviteSubject).arg("firm", firm)),
        body: both(
            &Message::new(Key::MailHousingAddedBody)
                .arg("firm", firm)
                .arg("link", link),
        ),
    }
}

/// One day's digest of an account's notices: each as a line with its address, grouped by kind,
/// and for each kind present the link that stops mails of that kind. `site` is the server's
/// public address (`https://ucz.example.kr`), `unsubscribe` the link for a kind.
pub fn digest(
    to: &str,
    notices: &[NoticeBody],
    site: &str,
    unsubscribe: impl Fn(NoticeKind) -> String,
) -> Mail {
    let mut body = String::new();
    for lang in [Lang::Ko, Lang::En] {
        body.push_str(&Message::new(Key::MailDigestIntro).render(lang));
        body.push('\n');
        for kind in NoticeKind::ALL {
            let of_kind: Vec<&NoticeBody> = notices.iter().filter(|n| n.kind() == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            body.push_str(&format!("\n■ {}\n", kind.name().render(lang)));
            for notice in of_kind {
                body.push_str(&format!(
                    "- {}\n  {site}{}\n",
                    notice.message().render(lang),
                    notice.link()
                ));
            }
            body.push_str(&format!(
                "  ({})\n",
                Message::new(Key::MailUnsubscribe)
                    .with("kind", kind.name())
                    .arg("link", unsubscribe(kind))
                    .render(lang)
            ));
        }
        body.push_str("\n----\n\n");
    }
    Mail {
        to: to.into(),
        subject: subject(&Message::new(Key::MailDigestSubject).arg("count", notices.len())),
        body: body.trim_end_matches(['\n', '-']).to_string() + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fits(call: i64) -> NoticeBody {
        NoticeBody::CallFits {
            call,
            title: "2027 예비창업패키지".into(),
            closes: Some("2027-01-15".into()),
        }
    }

    #[test]
    fn kinds_read_back_and_keys_tell_notices_apart() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("spam"), None);
        let closing = |reminder| NoticeBody::CallClosing {
            call: 3,
            title: "t".into(),
            closes: "2027-01-15".into(),
            days: 3,
            reminder,
        };
        assert_ne!(closing(7).key(), closing(1).key());
        assert_eq!(fits(3).key(), "call_fits:3");
        assert_eq!(fits(3).link(), "/calls/3");
    }

    #[test]
    fn a_digest_groups_by_kind_in_both_languages_with_unsubscribe_links() {
        let notices = [
            fits(3),
            NoticeBody::CallClosing {
                call: 4,
                title: "기술창업 지원".into(),
                closes: "2026-07-01".into(),
                days: 1,
                reminder: 1,
            },
            fits(5),
        ];
        let mail = digest("a@example.kr", &notices, "https://ucz.example.kr", |k| {
            format!("https://ucz.example.kr/unsubscribe?kind={k}")
        });
        assert!(mail.subject.contains('3'), "{}", mail.subject);
        assert!(mail.body.contains("https://ucz.example.kr/calls/5"));
        assert!(mail.body.contains("unsubscribe?kind=call_closing"));
        assert!(!mail.body.contains("kind=placement"), "no placement notice");
        // Korean first, then English, each kind's notices together.
        let ko = mail.body.find("맞춤").unwrap_or(usize::MAX);
        let en = mail.body.find("fit").unwrap_or(0);
        assert!(ko < en, "{}", mail.body);
        assert_eq!(mail.body.matches("/calls/3").count(), 2, "{}", mail.body);
    }
}
