//! Open calls (공고): announcements of support programs from K-Startup and 기업마당, and the
//! calls a zone publishes itself. A call is read from its portal's record (`import`), given a
//! draft eligibility rule from its structured fields (`draft`) that a coordinator reviews, grouped
//! with the same call from the other portal (`group`), and put in a founder's calendar (`ical`).
//! Its status (open, upcoming, closed) is computed from its period at a moment, never taken from
//! the portal's flag.

pub mod clean;
pub mod draft;
pub mod group;
pub mod ical;
pub mod import;
pub mod region;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::date::{Date, utc_timestamp};

pub use draft::{Draft, DraftClause, Unread};
pub use import::{Imported, RecordError};

/// The record fields announcement terms (`catalog/call_terms.toml`) are read from.
pub const TERM_FIELDS: [&str; 2] = ["aply_trgt", "trgetNm"];

/// Where a call comes from.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum CallSource {
    /// K-Startup 사업공고 (창업진흥원).
    Kstartup,
    /// 기업마당 지원사업정보 (중소벤처기업부).
    Bizinfo,
    /// A call a zone's operator publishes in ucz.
    Ucz,
}

impl CallSource {
    pub const ALL: [CallSource; 3] = [CallSource::Kstartup, CallSource::Bizinfo, CallSource::Ucz];

    pub fn as_str(self) -> &'static str {
        match self {
            CallSource::Kstartup => "kstartup",
            CallSource::Bizinfo => "bizinfo",
            CallSource::Ucz => "ucz",
        }
    }

    pub fn parse(text: &str) -> Option<CallSource> {
        CallSource::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The portal's name as people know it.
    pub fn label(self) -> &'static str {
        match self {
            CallSource::Kstartup => "K-Startup",
            CallSource::Bizinfo => "기업마당",
            CallSource::Ucz => "ucz",
        }
    }
}

/// Who an announcement term admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Applicants {
    PreFounders,
    Firms,
    Institutions,
    Any,
}

impl Applicants {
    pub fn parse(text: &str) -> Option<Applicants> {
        Some(match text {
            "pre_founders" => Applicants::PreFounders,
            "firms" => Applicants::Firms,
            "institutions" => Applicants::Institutions,
            "any" => Applicants::Any,
            _ => return None,
        })
    }
}

/// When applications are taken. `closes_at` is a moment (the end of the closing day in Korea when
/// the portal gives a date only); `always` is a call taken all year (상시, 예산 소진시까지).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Period {
    /// The first day applications are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens: Option<Date>,
    /// The moment applications close, `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    /// Taken until further notice: no closing moment.
    #[serde(default)]
    pub always: bool,
    /// The period as the portal wrote it, when it was words (`상시`, `예산 소진시까지`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Period {
    /// The moment it closes.
    pub fn closes(&self) -> Option<Timestamp> {
        self.closes_at.as_deref().and_then(|t| t.parse().ok())
    }

    /// The day in Korea it closes.
    pub fn closing_day(&self) -> Option<Date> {
        self.closes().map(Date::in_korea)
    }

    /// A period closing at the end of `day` in Korea.
    pub fn closing_on(opens: Option<Date>, day: Date) -> Period {
        Period {
            opens,
            closes_at: Some(utc_timestamp(day.end_in_korea())),
            always: false,
            text: None,
        }
    }

    /// Open, upcoming or closed at `now`.
    pub fn status(&self, now: Timestamp) -> CallStatus {
        if let Some(opens) = self.opens {
            if now < opens.start_in_korea() {
                return CallStatus::Upcoming;
            }
        }
        // Without a closing moment (always open, or a portal that gave no period) it stays
        // open, with no D-day.
        match self.closes() {
            Some(closes) if now > closes => CallStatus::Closed,
            _ => CallStatus::Open,
        }
    }

    /// Days from today in Korea to the closing day: 0 on the day itself (D-day), `None` for a
    /// call with no closing day.
    pub fn days_left(&self, now: Timestamp) -> Option<i64> {
        self.closing_day()
            .map(|day| Date::in_korea(now).days_until(day))
    }
}

/// A call's status, computed from its period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    Open,
    Upcoming,
    Closed,
}

impl CallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Open => "open",
            CallStatus::Upcoming => "upcoming",
            CallStatus::Closed => "closed",
        }
    }
}

/// Where a call applies: every 시·도 it names (empty for the whole country), and what the portal
/// wrote. A name no catalog entry resolves is kept in `unread` and flagged for review.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CallRegion {
    /// The region as the portal wrote it (`서울`, `전국`, `충청권`).
    #[serde(default)]
    pub text: String,
    /// 시·도 ids; empty for nationwide (or unread).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Names no 시·도 or 광역경제권 resolves (`전남광주`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl CallRegion {
    pub fn nationwide(&self) -> bool {
        self.regions.is_empty() && self.unread.is_empty()
    }
}

/// One way to apply: online (a link), visit, e-mail, fax, post or other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApplyMethod {
    /// `online`, `visit`, `email`, `fax`, `post`, `other`.
    pub how: String,
    pub text: String,
    /// The link, absolute, when the text is or holds one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Where a call's rule stands: a draft from its fields (shown as "likely"), or approved by a
/// coordinator (decides eligibility).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RuleState {
    #[default]
    Draft,
    Approved,
}

impl RuleState {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleState::Draft => "draft",
            RuleState::Approved => "approved",
        }
    }
}

/// A call's eligibility rule and its review.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Review {
    pub state: RuleState,
    /// The rule in force: the draft's until a coordinator edits or approves it (CEL over `firm`).
    pub rule: String,
    /// What was drafted from the record's fields, clause by clause, and what could not be read.
    pub draft: Draft,
    /// Who approved it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<String>,
    /// The reviewer's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The portal's record changed after approval: the draft from the new record differs from
    /// the one approved.
    #[serde(default)]
    pub changed_since: bool,
}

/// An open call (공고) as ucz keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CallBody {
    pub source: CallSource,
    /// The portal's id (`pbanc_sn`, `pblancId`); for a call published in ucz, its own.
    pub source_id: String,
    pub title: String,
    /// The announcing body (K-Startup `pbanc_ntrp_nm`) or the ministry or local government in
    /// charge (기업마당 `jrsdInsttNm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The executing body (기업마당 `excInsttNm`; K-Startup's department).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The support field (`사업화`, `금융` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Who may apply, in the announcement's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Who may not, in its words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<String>,
    #[serde(default)]
    pub region: CallRegion,
    #[serde(default)]
    pub period: Period,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apply: Vec<ApplyMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The catalog program the call belongs to, when its title names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The zone that published it (`source = ucz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default)]
    pub review: Review,
    /// The portal's record as it came, for a reviewer and for reading it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<serde_json::Value>,
}

impl CallBody {
    pub fn status(&self, now: Timestamp) -> CallStatus {
        self.period.status(now)
    }
}

/// A call as stored: its number, its group (the number of the group's first call, or one a
/// coordinator set), whether the group was set by hand (imports keep it), and the store's
/// revision of the last change (what a search index or a matcher catches up from).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoredCall {
    pub id: i64,
    pub group: i64,
    #[serde(default)]
    pub grouped_by_hand: bool,
    pub revision: i64,
    #[serde(flatten)]
    pub call: CallBody,
}

/// The catalog program whose Korean name the title holds (spaces ignored), the longest when
/// several do: "2026년 예비창업패키지 (일반분야) 예비창업자 모집" → `pre_startup_package`.
pub fn program_of(catalog: &Catalog, title: &str) -> Option<String> {
    let squeezed: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    catalog
        .programs
        .iter()
        .filter_map(|p| {
            // A name's parenthetical ("(TIPS)") is a gloss, not part of what titles say.
            let name = region::base_name(&p.name_ko);
            let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
            (name.chars().count() >= 3 && squeezed.contains(&name)).then_some((name.len(), p))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, p)| p.id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a moment")
    }

    #[test]
    fn a_date_only_deadline_closes_at_the_end_of_that_day_in_korea() {
        let day = Date::new(2026, 8, 18).expect("date");
        let period = Period::closing_on(Date::new(2026, 8, 7), day);
        assert_eq!(period.closes_at.as_deref(), Some("2026-08-18T14:59:59Z"));
        assert_eq!(period.status(at("2026-08-18T14:59:59Z")), CallStatus::Open);
        assert_eq!(
            period.status(at("2026-08-18T15:00:00Z")),
            CallStatus::Closed
        );
        // Opens at midnight in Korea, 15:00 UTC the day before.
        assert_eq!(
            period.status(at("2026-08-06T14:59:59Z")),
            CallStatus::Upcoming
        );
        assert_eq!(period.status(at("2026-08-06T15:00:00Z")), CallStatus::Open);
        assert_eq!(period.days_left(at("2026-08-18T00:00:00Z")), Some(0));
        assert_eq!(period.days_left(at("2026-08-15T16:00:00Z")), Some(2));
    }

    #[test]
    fn an_always_open_call_has_no_day_left() {
        let period = Period {
            always: true,
            text: Some("상시".into()),
            ..Period::default()
        };
        assert_eq!(period.status(at("2030-01-01T00:00:00Z")), CallStatus::Open);
        assert_eq!(period.days_left(at("2030-01-01T00:00:00Z")), None);
    }

    #[test]
    fn a_title_names_its_program() {
        let catalog = Catalog::bundled().expect("catalog");
        let of = |t: &str| program_of(&catalog, t);
        assert_eq!(
            of("2026년 예비창업패키지 (일반분야) 예비창업자 모집").as_deref(),
            Some("pre_startup_package")
        );
        assert_eq!(
            of("2026년 초기 창업패키지 모집").as_deref(),
            Some("early_startup_package")
        );
        assert_eq!(of("2026 하반기 서울 AI 허브 입주기업 모집 공고"), None);
    }
}
