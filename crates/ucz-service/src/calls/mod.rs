//! Open calls, for founders, coordinators and operators: import a portal's response, list and
//! search calls with what fits a firm, review a call's rule, group the same call from both
//! portals by hand, publish a zone's own call, bookmark and mark calls, and a private calendar.
//!
//! | | anonymous | firm | operator (zone Z) | coordinator | admin |
//! |---|---|---|---|---|---|
//! | list, read, search | yes | yes, with its fit | yes; a firm of Z's fit | yes; any firm's fit | all |
//! | import, review, group | | | | yes | yes |
//! | publish (`source = ucz`) | | | calls of Z | | yes |
//! | marks, history, calendar | | its own | its own | its own | its own |

mod book;
pub mod search;

use serde::{Deserialize, Serialize};
use ucz_core::account::UserId;
use ucz_core::call::{
    CallBody, CallSource, CallStatus, Period, Review, RuleState, StoredCall, draft, ical, import,
};
use ucz_core::date::Date;
use ucz_core::eligibility::explain;
use ucz_core::firm::Firm;
use ucz_core::record::Demo;
use ucz_core::rule::Rule;
use ucz_store::{CallImport, Mark, MarkKind};

pub use book::CallBook;

use crate::Services;
use crate::caller::{Caller, Role};
use crate::error::{Error, FieldError, Key, Message};

/// The largest portal response an import takes (a page of 1,000 records is about 2 MB).
pub const MAX_IMPORT_BYTES: usize = 32 << 20;

/// What an import did, and the records it refused.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    pub source: CallSource,
    /// Records the response listed.
    pub records: usize,
    #[serde(flatten)]
    pub written: CallImport,
    /// The source's total, when the response gave one (for paging).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    pub errors: Vec<RecordProblem>,
}

/// A record refused: its index in the response, its field, why (English and Korean).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct RecordProblem {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    pub message_ko: String,
}

/// Coordinators and admins import, review and group calls.
pub fn may_review(caller: &Caller) -> Result<(), Error> {
    match caller.require_user()? {
        Role::Admin | Role::Coordinator => Ok(()),
        _ => Err(Error::forbidden_because(Key::CallReviewers)),
    }
}

fn account(caller: &Caller) -> Result<UserId, Error> {
    match caller {
        Caller::User { user, .. } => Ok(user.id),
        Caller::Anonymous => Err(Error::unauthenticated()),
    }
}

/// Imports a portal's response (`text`, JSON): every record it can read is created or updated,
/// every other reported with its index and field. A file that is not one of the envelopes is
/// refused whole.
pub async fn import(
    state: &Services,
    caller: &Caller,
    source: CallSource,
    text: &str,
) -> Result<ImportReport, Error> {
    may_review(caller)?;
    if source == CallSource::Ucz {
        return Err(Error::field(
            "source",
            Message::new(Key::CallSource).arg("value", source.as_str()),
        ));
    }
    let imported = import::read(&state.catalog, source, text)
        .map_err(|e| Error::new(crate::Code::Validation, e.message))?;
    let errors = imported
        .errors
        .iter()
        .map(|e| RecordProblem {
            index: e.index.unwrap_or(0),
            field: e.field.clone(),
            message: e.message.render(ucz_core::Lang::En),
            message_ko: e.message.render(ucz_core::Lang::Ko),
        })
        .collect();
    let calls: Vec<CallBody> = imported.calls.into_iter().map(|(_, c)| c).collect();
    let written = state.store.import_calls(&caller.actor(), calls).await?;
    Ok(ImportReport {
        source,
        records: imported.records,
        written,
        total: imported.total,
        errors,
    })
}

/// How a call fits a firm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Its approved rule admits the firm.
    Fits,
    /// Its draft rule admits the firm: likely, with the draft's caveats.
    Likely,
    /// Its rule refuses the firm.
    No,
}

/// A call as listed or read: the call, its status and D-day at the moment asked, how it fits
/// the firm asked about, and the other portal's announcement of it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CallView {
    #[serde(flatten)]
    pub stored: StoredCall,
    pub status: CallStatus,
    /// Days to the closing day in Korea (0: closes today); none for a call taken all year.
    pub days_left: Option<i64>,
    pub fit: Option<Fit>,
    /// Why it does not fit, or the caveats of a likely fit, in Korean and English.
    pub reasons_ko: Vec<String>,
    pub reasons_en: Vec<String>,
    /// The same call from the other portal (its group's other calls), by number and source.
    pub also: Vec<AlsoAt>,
    pub bookmarked: bool,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AlsoAt {
    pub id: i64,
    pub source: CallSource,
    pub source_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_url: Option<String>,
}

/// What a list asks for. Every filter is optional; without `status` a list shows open and
/// upcoming calls.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallQuery {
    /// Words to search for (Korean n-grams: "예비 창업").
    pub q: Option<String>,
    /// `open`, `upcoming`, `closed`, or `all`.
    pub status: Option<String>,
    /// A support field, as the calls give it (`사업화`, `금융`).
    pub field: Option<String>,
    /// The announcing body or ministry (part of its name).
    pub agency: Option<String>,
    /// A 시·도 id: calls of that region and nationwide ones.
    pub region: Option<String>,
    /// Calls closing within this many days.
    pub within_days: Option<i64>,
    /// The firm to fit calls to (a firm account's own by default).
    pub firm: Option<String>,
    /// `fits`, `likely` (fits or likely), or `all` (the default).
    pub fit: Option<String>,
    /// `kstartup`, `bizinfo`, `ucz`.
    pub source: Option<String>,
    /// Only calls whose rule is in this review state (`draft`, `approved`).
    pub review: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<i64>,
    /// How many matching calls to skip (default 0).
    pub offset: Option<i64>,
}

/// A page of calls and how many match.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CallList {
    pub items: Vec<CallView>,
    pub total: usize,
    /// The firm the fits are for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firm: Option<String>,
    /// The moment the statuses are computed at.
    pub now: String,
}

/// The firm a caller asks about: `asked`, or a firm account's own; `None` for no firm.
async fn firm_of(
    state: &Services,
    caller: &Caller,
    asked: Option<&str>,
) -> Result<Option<Firm>, Error> {
    let id = match (asked.filter(|f| !f.is_empty()), caller.role()) {
        (Some(id), _) => id.to_string(),
        (None, Some(Role::Firm { firm })) => firm.clone(),
        (None, _) => return Ok(None),
    };
    let record = crate::firms::read(state, caller, &id).await?;
    Ok(Some(record.record.record))
}

/// A list parameter refused, with what it accepts.
fn bad_query(field: &str, value: &str) -> Error {
    let accepted = match field {
        "status" => "open, upcoming, closed, all",
        "fit" => "fits, likely, all (with a firm: a firm account's own, or firm=)",
        "source" => "kstartup, bizinfo, ucz",
        "review" => "draft, approved",
        "region" => "a 시·도 id of catalog/regions.toml (seoul, daejeon, …)",
        "limit" => "1 to 500",
        "within_days" | "offset" => "0 or more",
        _ => "",
    };
    Error::invalid(vec![FieldError::new(
        field,
        Message::new(Key::BadQuery).arg("detail", format!("{field}={value}; accepted: {accepted}")),
    )])
}

/// Calls by the query, with their fit to the firm asked about. Groups are shown once (their
/// first call, the others under `also`); the firm's fitting calls come first, then by closing day.
pub async fn list(state: &Services, caller: &Caller, query: &CallQuery) -> Result<CallList, Error> {
    let firm = firm_of(state, caller, query.firm.as_deref()).await?;
    let statuses: &[CallStatus] = match query.status.as_deref() {
        None | Some("") => &[CallStatus::Open, CallStatus::Upcoming],
        Some("open") => &[CallStatus::Open],
        Some("upcoming") => &[CallStatus::Upcoming],
        Some("closed") => &[CallStatus::Closed],
        Some("all") => &[CallStatus::Open, CallStatus::Upcoming, CallStatus::Closed],
        Some(other) => return Err(bad_query("status", other)),
    };
    let fit_wanted = match query.fit.as_deref() {
        None | Some("") | Some("all") => None,
        Some("fits") => Some(&[Fit::Fits][..]),
        Some("likely") => Some(&[Fit::Fits, Fit::Likely][..]),
        Some(other) => return Err(bad_query("fit", other)),
    };
    if fit_wanted.is_some() && firm.is_none() {
        return Err(bad_query("fit", query.fit.as_deref().unwrap_or_default()));
    }
    let source = match query.source.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(CallSource::parse(s).ok_or_else(|| bad_query("source", s))?),
    };
    let review = match query.review.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("draft") => Some(RuleState::Draft),
        Some("approved") => Some(RuleState::Approved),
        Some(other) => return Err(bad_query("review", other)),
    };
    if let Some(region) = query.region.as_deref().filter(|r| !r.is_empty()) {
        if state.catalog.region(region).is_none() {
            return Err(bad_query("region", region));
        }
    }
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(bad_query("limit", &limit.to_string()));
    }
    let offset = match query.offset {
        Some(o) if o < 0 => return Err(bad_query("offset", &o.to_string())),
        o => o.unwrap_or(0) as usize,
    };
    if let Some(d) = query.within_days.filter(|d| *d < 0) {
        return Err(bad_query("within_days", &d.to_string()));
    }

    let now = state.clock.now();
    let book = state.calls.fresh(&state.store).await?;
    let found: Option<Vec<i64>> = match query.q.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => {
            Some(book.search(q, book.len().max(1)).map_err(Error::internal)?)
        }
        _ => None,
    };
    let bookmarks = bookmarked(state, caller).await?;
    let today = Date::in_korea(now);
    let facts = firm.as_ref().map(|f| f.facts(today, &state.catalog));
    let fits = firm.as_ref().map(|f| book.fits(f, today, &state.catalog));
    /// A call that passed the filters: how it is sorted, and what its view needs.
    struct Listed<'a> {
        entry: &'a book::Entry,
        status: CallStatus,
        days_left: Option<i64>,
        fit: Option<Fit>,
    }
    let mut listed: Vec<Listed<'_>> = Vec::new();
    // Each group once, as its representative: the ids searched (best first) or all, by number.
    let mut seen_groups = std::collections::HashSet::new();
    let ids: Vec<i64> = match &found {
        Some(ids) => ids.clone(),
        None => book.entries().map(|e| e.stored.id).collect(),
    };
    let candidates = ids.into_iter().filter_map(|id| {
        let group = book.get(id)?.stored.group;
        if !seen_groups.insert(group) {
            return None;
        }
        book.get(book.representative(group)?)
    });
    for entry in candidates {
        let call = &entry.stored.call;
        let status = call.status(now);
        if !statuses.contains(&status) {
            continue;
        }
        if source.is_some_and(|s| s != call.source)
            || review.is_some_and(|r| r != call.review.state)
        {
            continue;
        }
        if let Some(field) = query.field.as_deref().filter(|f| !f.is_empty()) {
            if !call.field.as_deref().is_some_and(|f| f.contains(field)) {
                continue;
            }
        }
        if let Some(agency) = query.agency.as_deref().filter(|a| !a.is_empty()) {
            let named = [&call.agency, &call.executor]
                .into_iter()
                .flatten()
                .any(|a| a.contains(agency));
            if !named {
                continue;
            }
        }
        if let Some(region) = query.region.as_deref().filter(|r| !r.is_empty()) {
            if !(call.region.nationwide() || call.region.regions.iter().any(|r| r == region)) {
                continue;
            }
        }
        let days_left = call.period.days_left(now);
        if let Some(within) = query.within_days {
            if !days_left.is_some_and(|d| (0..=within).contains(&d)) {
                continue;
            }
        }
        // Only whether it fits here: the reasons are put in words for the page shown.
        let fit = match (&fits, &entry.rule) {
            (Some(fits), Some(_)) => Some(match fits.get(&entry.stored.id) {
                Some(true) if entry.stored.call.review.state == RuleState::Approved => Fit::Fits,
                Some(true) => Fit::Likely,
                _ => Fit::No,
            }),
            _ => None,
        };
        if let Some(wanted) = fit_wanted {
            if !fit.is_some_and(|f| wanted.contains(&f)) {
                continue;
            }
        }
        listed.push(Listed {
            entry,
            status,
            days_left,
            fit,
        });
    }
    if found.is_none() {
        // Fitting calls first, then the soonest to close; calls taken all year last.
        listed.sort_by_key(|l| {
            (
                match l.fit {
                    Some(Fit::Fits) => 0,
                    Some(Fit::Likely) => 1,
                    _ => 2,
                },
                l.days_left
                    .map_or(i64::MAX, |d| if d < 0 { i64::MAX - 1 } else { d }),
                l.entry.stored.id,
            )
        });
    }
    let total = listed.len();
    let items = listed
        .into_iter()
        .skip(offset)
        .take(limit as usize)
        .map(
            |Listed {
                 entry,
                 status,
                 days_left,
                 fit,
             }| {
                let (_, reasons_ko, reasons_en) = match &facts {
                    Some(facts) => fit_of(state, entry, facts),
                    None => (None, Vec::new(), Vec::new()),
                };
                CallView {
                    stored: without_raw(&entry.stored),
                    status,
                    days_left,
                    fit,
                    reasons_ko,
                    reasons_en,
                    also: book.also(&entry.stored),
                    bookmarked: book
                        .members(entry.stored.group)
                        .iter()
                        .any(|m| bookmarks.contains(m)),
                }
            },
        )
        .collect();
    Ok(CallList {
        items,
        total,
        firm: firm.map(|f| f.id),
        now: ucz_core::date::utc_timestamp(now),
    })
}

/// A call for a list: without the portal's raw record.
fn without_raw(stored: &StoredCall) -> StoredCall {
    let mut shown = stored.clone();
    shown.call.raw = None;
    shown
}

/// How a call's rule fits a firm, with the reasons (the failed clause in words, or the draft's
/// caveats).
fn fit_of(
    state: &Services,
    entry: &book::Entry,
    facts: &ucz_core::firm::FirmFacts<'_>,
) -> (Option<Fit>, Vec<String>, Vec<String>) {
    let Some(rule) = &entry.rule else {
        return (None, Vec::new(), Vec::new());
    };
    let call = &entry.stored.call;
    let outcome = rule.explain(facts);
    match outcome.failed {
        None if call.review.state == RuleState::Approved => {
            (Some(Fit::Fits), Vec::new(), Vec::new())
        }
        None => {
            let draft = &call.review.draft;
            let mut ko: Vec<String> = draft
                .clauses
                .iter()
                .filter_map(|c| c.note_ko.clone())
                .collect();
            let mut en: Vec<String> = draft
                .clauses
                .iter()
                .filter_map(|c| c.note_en.clone())
                .collect();
            for unread in &draft.unread {
                ko.push(format!("{}: {}", unread.field, unread.why_ko));
                en.push(format!("{}: {}", unread.field, unread.why_en));
            }
            (Some(Fit::Likely), ko, en)
        }
        Some(failed) => {
            let words = |lang| {
                rule.node_at(&failed.span)
                    .and_then(|clause| {
                        explain::explain(clause, &failed, facts, &state.catalog, lang)
                    })
                    .unwrap_or_else(|| failed.to_string())
            };
            (
                Some(Fit::No),
                vec![words(ucz_core::Lang::Ko)],
                vec![words(ucz_core::Lang::En)],
            )
        }
    }
}

async fn bookmarked(
    state: &Services,
    caller: &Caller,
) -> Result<std::collections::HashSet<i64>, Error> {
    Ok(match caller {
        Caller::User { user, .. } => state
            .store
            .marks_of(user.id)
            .await?
            .into_iter()
            .filter(|m| m.kind == MarkKind::Bookmarked)
            .map(|m| m.call_id)
            .collect(),
        Caller::Anonymous => Default::default(),
    })
}

/// One call with its raw record, its fit to the firm asked about; a signed-in caller's view is
/// recorded in its history.
pub async fn read(
    state: &Services,
    caller: &Caller,
    id: i64,
    firm: Option<&str>,
) -> Result<CallView, Error> {
    let book = state.calls.fresh(&state.store).await?;
    let entry = book
        .get(id)
        .ok_or_else(|| Error::not_found(Key::NounCall, &id.to_string()))?;
    let firm = firm_of(state, caller, firm).await?;
    let now = state.clock.now();
    let (fit, reasons_ko, reasons_en) = match &firm {
        Some(firm) => fit_of(
            state,
            entry,
            &firm.facts(Date::in_korea(now), &state.catalog),
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    if let Caller::User { user, .. } = caller {
        state.store.mark_call(user.id, id, MarkKind::Viewed).await?;
    }
    let bookmarks = bookmarked(state, caller).await?;
    Ok(CallView {
        stored: entry.stored.clone(),
        status: entry.stored.call.status(now),
        days_left: entry.stored.call.period.days_left(now),
        fit,
        reasons_ko,
        reasons_en,
        also: book.also(&entry.stored),
        bookmarked: bookmarks.contains(&id),
    })
}

/// A coordinator's edit of a call's rule.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// The rule (CEL over `firm`); the draft's when left out.
    pub rule: Option<String>,
    /// Approve it: from then on it decides eligibility.
    #[serde(default)]
    pub approve: bool,
    pub note: Option<String>,
}

/// A rule tried on the review firms.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Trial {
    pub firm: String,
    pub name: String,
    pub fits: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
}

/// The firms a rule is tried on in review (`review_firms.toml`).
pub fn review_firms() -> Vec<Firm> {
    #[derive(Deserialize)]
    struct File {
        firm: Vec<Firm>,
    }
    toml::from_str::<File>(include_str!("review_firms.toml"))
        .map(|f| f.firm)
        .unwrap_or_default()
}

/// A rule's text checked: parsed and type-checked over firms, or the field error with its column.
pub fn checked_rule(text: &str) -> Result<Rule, Error> {
    Rule::parse(text).map_err(|e| {
        Error::invalid(vec![FieldError::new(
            "rule",
            Message::new(Key::CallRuleRefused)
                .arg("column", e.column.to_string())
                .arg("reason", e.message),
        )])
    })
}

/// A rule tried on the review firms, as of `today`.
pub fn trials(state: &Services, rule: &Rule, today: Date) -> Vec<Trial> {
    review_firms()
        .iter()
        .map(|firm| {
            let facts = firm.facts(today, &state.catalog);
            let outcome = rule.explain(&facts);
            let reason = |lang| {
                outcome.failed.as_ref().map(|failed| {
                    rule.node_at(&failed.span)
                        .and_then(|c| explain::explain(c, failed, &facts, &state.catalog, lang))
                        .unwrap_or_else(|| failed.to_string())
                })
            };
            Trial {
                firm: firm.id.clone(),
                name: firm.name.clone(),
                fits: outcome.failed.is_none(),
                reason_ko: reason(ucz_core::Lang::Ko),
                reason_en: reason(ucz_core::Lang::En),
            }
        })
        .collect()
}

/// A call reviewed: its view and its rule tried on the review firms.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Reviewed {
    pub call: StoredCall,
    pub trials: Vec<Trial>,
}

/// Edits and (or) approves a call's rule. A rule that does not type-check is refused with its
/// column; an approved rule is checked the same way.
pub async fn review(
    state: &Services,
    caller: &Caller,
    id: i64,
    body: &ReviewBody,
) -> Result<Reviewed, Error> {
    may_review(caller)?;
    let stored = state
        .store
        .call(id)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounCall, &id.to_string()))?;
    let text = body
        .rule
        .clone()
        .unwrap_or_else(|| stored.call.review.rule.clone());
    let rule = checked_rule(&text)?;
    let review = Review {
        state: if body.approve {
            RuleState::Approved
        } else {
            stored.call.review.state
        },
        rule: text,
        draft: stored.call.review.draft.clone(),
        reviewed_by: Some(caller.actor()),
        reviewed_at: Some(state.clock.stamp()),
        note: body.note.clone().filter(|n| !n.trim().is_empty()).or(stored
            .call
            .review
            .note
            .clone()),
        changed_since: if body.approve {
            false
        } else {
            stored.call.review.changed_since
        },
    };
    let call = state
        .store
        .review_call(&caller.actor(), id, review)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounCall, &id.to_string()))?;
    let trials = trials(state, &rule, state.clock.today());
    Ok(Reviewed { call, trials })
}

/// The review queue: calls whose rule is a draft (or changed since approval), open or upcoming,
/// soonest to close first.
pub async fn queue(state: &Services, caller: &Caller) -> Result<Vec<CallView>, Error> {
    may_review(caller)?;
    let now = state.clock.now();
    let book = state.calls.fresh(&state.store).await?;
    let mut items: Vec<CallView> = book
        .entries()
        .filter(|e| {
            let c = &e.stored.call;
            (c.review.state == RuleState::Draft || c.review.changed_since)
                && c.status(now) != CallStatus::Closed
        })
        .map(|e| CallView {
            stored: without_raw(&e.stored),
            status: e.stored.call.status(now),
            days_left: e.stored.call.period.days_left(now),
            fit: None,
            reasons_ko: Vec::new(),
            reasons_en: Vec::new(),
            also: book.also(&e.stored),
            bookmarked: false,
        })
        .collect();
    items.sort_by_key(|v| (v.days_left.unwrap_or(i64::MAX), v.stored.id));
    Ok(items)
}

/// Joins a call to another's group (`with`), or splits it off into a group of its own (`None`).
/// Calls of one portal, or of different regions, are never joined.
pub async fn regroup(
    state: &Services,
    caller: &Caller,
    id: i64,
    with: Option<i64>,
) -> Result<StoredCall, Error> {
    may_review(caller)?;
    let missing = |id: i64| Error::not_found(Key::NounCall, &id.to_string());
    let call = state.store.call(id).await?.ok_or_else(|| missing(id))?;
    let group = match with {
        None => {
            // The others keep a group of their own: the group's number was this call's.
            let others: Vec<i64> = state
                .store
                .calls_of_group(call.group)
                .await?
                .iter()
                .map(|m| m.id)
                .filter(|m| *m != id)
                .collect();
            if call.group == id {
                if let Some(first) = others.iter().min().copied() {
                    for other in &others {
                        state
                            .store
                            .regroup_call(&caller.actor(), *other, first)
                            .await?;
                    }
                }
            }
            id
        }
        Some(other) => {
            let other = state
                .store
                .call(other)
                .await?
                .ok_or_else(|| missing(other))?;
            let members = state.store.calls_of_group(other.group).await?;
            let regions = |c: &CallBody| {
                let mut r = c.region.regions.clone();
                r.sort();
                (r, c.region.unread.clone())
            };
            let clash = members.iter().any(|m| {
                m.id != id
                    && (m.call.source == call.call.source
                        || regions(&m.call) != regions(&call.call))
            });
            if clash {
                return Err(Error::field("with", Key::CallGroupSources));
            }
            other.group
        }
    };
    let stored = state
        .store
        .regroup_call(&caller.actor(), id, group)
        .await?
        .ok_or_else(|| missing(id))?;
    Ok(stored)
}

/// A call a zone publishes itself.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The zone publishing (an operator's own).
    pub zone: String,
    /// Its own id within the zone's calls; a new one is made when left out.
    pub id: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub field: Option<String>,
    pub target: Option<String>,
    /// The first day applications are taken (`YYYY-MM-DD`).
    pub opens: Option<Date>,
    /// When applications close: `YYYY-MM-DDTHH:MM:SS+09:00` (or `Z`).
    pub closes_at: String,
    /// Who may apply, as a rule over `firm` (everyone when left out); a zone's call is approved
    /// as published.
    pub rule: Option<String>,
    /// Where to apply.
    pub apply_url: Option<String>,
}

/// Publishes (or republishes, by its id) a zone's own call: `source = ucz`, its region the zone's.
pub async fn publish(
    state: &Services,
    caller: &Caller,
    body: &PublishBody,
) -> Result<StoredCall, Error> {
    match caller.require_user()? {
        Role::Admin => {}
        Role::Operator { zone } if *zone == body.zone => {}
        _ => return Err(Error::forbidden_because(Key::CallPublishers)),
    }
    let zone = state
        .store
        .repo::<Demo<ucz_core::record::ZonePlan>>()
        .find(&body.zone)
        .await?
        .ok_or_else(|| Error::not_found(Key::NounZone, &body.zone))?;
    let region = zone
        .record
        .record
        .text("region")
        .unwrap_or_default()
        .to_string();
    let mut errors = Vec::new();
    let title = ucz_core::call::clean::plain(&body.title);
    if title.is_empty() {
        errors.push(FieldError::new(
            "title",
            Message::new(Key::CallMissing).arg("field", "title"),
        ));
    }
    let closes: Option<jiff::Timestamp> = body.closes_at.trim().parse().ok();
    match closes {
        None => errors.push(FieldError::new("closes_at", Key::CallClosing)),
        Some(closes) if closes <= state.clock.now() => errors.push(FieldError::new(
            "closes_at",
            Message::new(Key::CallClosed).arg("value", &body.closes_at),
        )),
        Some(closes) => {
            if let Some(opens) = body.opens.filter(|o| *o > Date::in_korea(closes)) {
                errors.push(FieldError::new(
                    "opens",
                    Message::new(Key::CallPeriodOrder)
                        .arg("start", opens.to_string())
                        .arg("end", Date::in_korea(closes).to_string()),
                ));
            }
        }
    }
    let rule_text = body
        .rule
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "true".into());
    if let Err(e) = checked_rule(&rule_text) {
        errors.extend(e.errors);
    }
    let apply_url = match body.apply_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => match ucz_core::call::clean::absolute(url.trim(), "") {
            Some(url) if url.starts_with("http") => Some(url),
            _ => {
                errors.push(FieldError::new(
                    "apply_url",
                    Message::new(Key::CallBadUrl).arg("value", url),
                ));
                None
            }
        },
        None => None,
    };
    let (Some(closes), true) = (closes, errors.is_empty()) else {
        return Err(Error::invalid(errors));
    };
    let source_id = match &body.id {
        Some(id) if !id.trim().is_empty() => format!("{}/{}", body.zone, id.trim()),
        _ => format!(
            "{}/{}",
            body.zone,
            crate::tokens::secret()?.get(..12).unwrap_or("0")
        ),
    };
    let draft = draft::Draft {
        rule: rule_text.clone(),
        ..draft::Draft::default()
    };
    let call = CallBody {
        source: CallSource::Ucz,
        source_id: source_id.clone(),
        program: ucz_core::call::program_of(&state.catalog, &title),
        title,
        agency: zone.record.record.text("name").map(str::to_string),
        executor: None,
        summary: body
            .summary
            .as_deref()
            .and_then(ucz_core::call::clean::plain_opt),
        field: body
            .field
            .as_deref()
            .and_then(ucz_core::call::clean::plain_opt),
        target: body
            .target
            .as_deref()
            .and_then(ucz_core::call::clean::plain_opt),
        exclusions: None,
        region: ucz_core::call::CallRegion {
            text: String::new(),
            regions: vec![region],
            unread: Vec::new(),
        },
        period: Period {
            opens: body.opens,
            closes_at: Some(ucz_core::date::utc_timestamp(closes)),
            always: false,
            text: None,
        },
        apply: apply_url
            .map(|url| ucz_core::call::ApplyMethod {
                how: "online".into(),
                text: url.clone(),
                url: Some(url),
            })
            .into_iter()
            .collect(),
        detail_url: None,
        contact: None,
        zone: Some(body.zone.clone()),
        review: Review {
            state: RuleState::Approved,
            rule: rule_text,
            draft,
            reviewed_by: Some(caller.actor()),
            reviewed_at: Some(state.clock.stamp()),
            note: None,
            changed_since: false,
        },
        raw: None,
    };
    state
        .store
        .import_calls(&caller.actor(), vec![call.clone()])
        .await?;
    let book = state.calls.fresh(&state.store).await?;
    book.entries()
        .find(|e| e.stored.call.source == CallSource::Ucz && e.stored.call.source_id == source_id)
        .map(|e| e.stored.clone())
        .ok_or_else(|| Error::internal("the published call is not stored"))
}

/// Marks a call for the caller's account (bookmark, applied; views are recorded by `read`).
pub async fn mark(state: &Services, caller: &Caller, id: i64, kind: MarkKind) -> Result<(), Error> {
    let user = account(caller)?;
    if !state.store.mark_call(user, id, kind).await? {
        return Err(Error::not_found(Key::NounCall, &id.to_string()));
    }
    Ok(())
}

/// Takes a mark off; nothing to take off is no error.
pub async fn unmark(
    state: &Services,
    caller: &Caller,
    id: i64,
    kind: MarkKind,
) -> Result<(), Error> {
    let user = account(caller)?;
    state.store.unmark_call(user, id, kind).await?;
    Ok(())
}

/// One line of an account's history.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct HistoryItem {
    #[serde(flatten)]
    pub mark: Mark,
    pub title: String,
    pub status: CallStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The day in Korea it closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_day: Option<Date>,
}

/// The calls the caller viewed, bookmarked and applied to, latest first.
pub async fn history(state: &Services, caller: &Caller) -> Result<Vec<HistoryItem>, Error> {
    let user = account(caller)?;
    let now = state.clock.now();
    let book = state.calls.fresh(&state.store).await?;
    let marks = state.store.marks_of(user).await?;
    Ok(marks
        .into_iter()
        .filter_map(|mark| {
            let entry = book.get(mark.call_id)?;
            Some(HistoryItem {
                title: entry.stored.call.title.clone(),
                status: entry.stored.call.status(now),
                days_left: entry.stored.call.period.days_left(now),
                closing_day: entry.stored.call.period.closing_day(),
                mark,
            })
        })
        .collect())
}

/// Makes (or renews) the caller's calendar secret: the old feed URL stops working. The secret
/// is shown once; the store keeps its hash.
pub async fn renew_calendar(state: &Services, caller: &Caller) -> Result<String, Error> {
    let user = account(caller)?;
    let secret = crate::tokens::secret()?;
    state
        .store
        .set_calendar_secret(user, &crate::tokens::hash(&secret))
        .await?;
    Ok(secret)
}

/// Whether the caller has a calendar feed.
pub async fn has_calendar(state: &Services, caller: &Caller) -> Result<bool, Error> {
    let user = account(caller)?;
    Ok(state.store.has_calendar(user).await?)
}

/// The iCalendar feed behind a secret: the account's bookmarked calls that have a closing day.
/// An unknown secret is "not found", saying nothing more.
pub async fn calendar(state: &Services, secret: &str, host: &str) -> Result<String, Error> {
    let not_found = || Error::not_found(Key::NounCall, "calendar");
    let user = state
        .store
        .calendar_user(&crate::tokens::hash(secret))
        .await?
        .ok_or_else(not_found)?;
    let book = state.calls.fresh(&state.store).await?;
    let marks = state.store.marks_of(user).await?;
    let mut deadlines = Vec::new();
    for mark in marks.iter().filter(|m| m.kind == MarkKind::Bookmarked) {
        let Some(entry) = book.get(mark.call_id) else {
            continue;
        };
        let call = &entry.stored.call;
        let Some(day) = call.period.closing_day() else {
            continue;
        };
        let mut description = Vec::new();
        if let Some(agency) = &call.agency {
            description.push(agency.clone());
        }
        description.push(format!("{} {}", call.source.label(), call.source_id));
        deadlines.push(ical::Deadline {
            uid: format!("call-{}@{host}", entry.stored.id),
            title: call.title.clone(),
            closing_day: day,
            closes_at: call.period.closes(),
            description: description.join("\n"),
            url: call
                .detail_url
                .clone()
                .or_else(|| call.apply.iter().find_map(|a| a.url.clone())),
        });
    }
    Ok(ical::calendar(
        "ucz 관심사업 마감",
        &deadlines,
        state.clock.now(),
    ))
}
