//! A call's draft eligibility rule, read from its record's structured fields: K-Startup's
//! `biz_enyy` (business age), `biz_trgt_age` (founder age), `supt_regin` (region) and
//! `aply_trgt` (applicant kinds); 기업마당's `trgetNm` (target), `hashTags` (region tags) and
//! `jrsdInsttNm` (the local government in charge). Each clause says which field and value it
//! comes from; what cannot be read (free text, unknown values) is listed for the reviewer. The
//! portals' ticks are coarse: a draft decides nothing until a coordinator approves it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::{CallTerm, Catalog};

use super::region::{self, NATIONWIDE};
use super::{Applicants, CallRegion};

/// A draft rule: its clauses (joined by `&&`; `true` when none) and what was not read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Draft {
    pub rule: String,
    pub clauses: Vec<DraftClause>,
    pub unread: Vec<Unread>,
}

/// One clause and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DraftClause {
    /// CEL over `firm`.
    pub rule: String,
    /// The record field and value it was read from.
    pub field: String,
    pub value: String,
    /// What the reading assumes or leaves unchecked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_ko: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

/// A field, or a value of one, that the draft does not read: for a person to check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Unread {
    pub field: String,
    pub value: String,
    pub why_ko: String,
    pub why_en: String,
}

impl Draft {
    fn clause(&mut self, rule: String, field: &str, value: &str, note: Option<(String, String)>) {
        let (note_ko, note_en) = match note {
            Some((ko, en)) => (Some(ko), Some(en)),
            None => (None, None),
        };
        self.clauses.push(DraftClause {
            rule,
            field: field.into(),
            value: value.into(),
            note_ko,
            note_en,
        });
    }

    fn unread(&mut self, field: &str, value: &str, why_ko: &str, why_en: &str) {
        self.unread.push(Unread {
            field: field.into(),
            value: value.into(),
            why_ko: why_ko.into(),
            why_en: why_en.into(),
        });
    }

    /// The rule: the clauses joined, a clause two fields both say (`firm.stage != "pre_startup"`
    /// from the business age and the applicant kinds) once.
    fn finish(mut self) -> Draft {
        let mut unique: Vec<&str> = Vec::new();
        for clause in &self.clauses {
            if !unique.contains(&clause.rule.as_str()) {
                unique.push(&clause.rule);
            }
        }
        self.rule = join_clauses(unique.into_iter());
        self
    }
}

/// Clauses joined by `&&`, each in parentheses when it has a top-level `||`; `true` for none.
pub fn join_clauses<'a>(clauses: impl Iterator<Item = &'a str>) -> String {
    let clauses: Vec<&str> = clauses.collect();
    let alone = clauses.len() == 1;
    let parts: Vec<String> = clauses
        .into_iter()
        .map(|c| {
            if c.contains("||") && !alone {
                format!("({c})")
            } else {
                c.to_string()
            }
        })
        .collect();
    if parts.is_empty() {
        "true".into()
    } else {
        parts.join(" && ")
    }
}

fn text<'a>(record: &'a Map<String, Value>, field: &str) -> &'a str {
    record
        .get(field)
        .and_then(Value::as_str)
        .map_or("", str::trim)
}

fn list(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

const FREE_TEXT_KO: &str = "글로 쓴 조건은 규칙으로 읽지 않음: 검토자가 읽고 규칙에 반영해야 함";
const FREE_TEXT_EN: &str = "conditions written in words are not read into the rule: a reviewer reads them and edits the rule";

/// The draft of a K-Startup record (its text fields already plain).
pub fn kstartup(catalog: &Catalog, record: &Map<String, Value>, region: &CallRegion) -> Draft {
    let mut draft = Draft::default();
    business_age(&mut draft, text(record, "biz_enyy"));
    founder_age(&mut draft, text(record, "biz_trgt_age"));
    region_clause(&mut draft, "supt_regin", region);
    applicants(&mut draft, catalog, "aply_trgt", text(record, "aply_trgt"));
    for field in ["aply_trgt_ctnt", "aply_excl_trgt_ctnt", "prfn_matr"] {
        let value = text(record, field);
        if !value.is_empty() {
            draft.unread(field, value, FREE_TEXT_KO, FREE_TEXT_EN);
        }
    }
    draft.finish()
}

/// The draft of a 기업마당 record (its text fields already plain).
pub fn bizinfo(catalog: &Catalog, record: &Map<String, Value>, region: &CallRegion) -> Draft {
    let mut draft = Draft::default();
    let origin = if region.text.is_empty() {
        "jrsdInsttNm"
    } else {
        "hashTags"
    };
    region_clause(&mut draft, origin, region);
    applicants(&mut draft, catalog, "trgetNm", text(record, "trgetNm"));
    let summary = text(record, "bsnsSumryCn");
    if !summary.is_empty() {
        draft.unread("bsnsSumryCn", summary, FREE_TEXT_KO, FREE_TEXT_EN);
    }
    draft.finish()
}

/// The region of a 기업마당 record: the region tags of `hashTags` (`전국` among them: the whole
/// country), else the local government in charge (`jrsdInsttNm`), else the whole country.
pub fn bizinfo_region(catalog: &Catalog, record: &Map<String, Value>) -> CallRegion {
    // A tag that names no region but holds a region's name (`전남광주`) is kept, to be flagged as
    // unread; years, fields and ministries are not regions.
    let tags: Vec<&str> = list(text(record, "hashTags"))
        .into_iter()
        .filter(|t| {
            *t == NATIONWIDE
                || region::resolve(catalog, t).is_some()
                || region::mentions_region(catalog, t)
        })
        .collect();
    if !tags.is_empty() {
        return region::read(catalog, &tags.join(","));
    }
    match region::of_government(catalog, text(record, "jrsdInsttNm")) {
        Some(id) => CallRegion {
            text: String::new(),
            regions: vec![id],
            unread: Vec::new(),
        },
        None => CallRegion::default(),
    }
}

/// `biz_enyy`: `예비창업자` and `N년미만` buckets, read as an upper bound (the largest N).
fn business_age(draft: &mut Draft, value: &str) {
    if value.is_empty() {
        return;
    }
    let mut pre = false;
    let mut below: Option<i64> = None;
    for bucket in list(value) {
        let squeezed: String = bucket.chars().filter(|c| !c.is_whitespace()).collect();
        if squeezed == "예비창업자" {
            pre = true;
        } else if let Some(n) = squeezed
            .strip_suffix("년미만")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| (1..=100).contains(n))
        {
            below = Some(below.map_or(n, |b| b.max(n)));
        } else {
            draft.unread(
                "biz_enyy",
                bucket,
                "알 수 없는 업력 구간",
                "a business-age bucket ucz does not know",
            );
        }
    }
    let note = Some((
        "공고기관이 표시한 업력 구간 중 가장 넓은 것으로 읽음 (본문의 정확한 기준을 확인)".to_string(),
        "read as the widest business-age bucket the agency ticked (check the exact limit in the text)"
            .to_string(),
    ));
    let rule = match (pre, below) {
        (true, Some(n)) => format!("firm.age_years < {n}"),
        (true, None) => "firm.stage == \"pre_startup\"".to_string(),
        (false, Some(n)) => {
            // Two clauses, so that the applicant kinds' "firms only" is not said twice.
            draft.clause(
                "firm.stage != \"pre_startup\"".into(),
                "biz_enyy",
                value,
                None,
            );
            format!("firm.age_years < {n}")
        }
        (false, None) => return,
    };
    draft.clause(rule, "biz_enyy", value, note);
}

/// One age bound in words: `만 20세 미만`, `만 39세 이하`, `만 40세 이상`, `만 19세 초과`.
fn age_bound(text: &str) -> Option<(i64, &'static str)> {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let rest = squeezed.strip_prefix('만').unwrap_or(&squeezed);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: i64 = digits.parse().ok().filter(|n| *n <= 150)?;
    let word = rest[digits.len()..].strip_prefix('세')?;
    ["미만", "이하", "이상", "초과"]
        .into_iter()
        .find(|w| word == *w)
        .map(|w| (n, w))
}

/// An age bucket as the inclusive range of whole ages it admits.
fn age_range(bucket: &str) -> Option<(i64, i64)> {
    let (mut low, mut high) = (0, i64::MAX);
    for side in bucket.split('~') {
        let (n, word) = age_bound(side)?;
        match word {
            "미만" => high = high.min(n - 1),
            "이하" => high = high.min(n),
            "이상" => low = low.max(n),
            _ => low = low.max(n + 1),
        }
    }
    (low <= high).then_some((low, high))
}

/// `biz_trgt_age`: the union of the founder-age buckets ticked; no clause when they cover every age.
fn founder_age(draft: &mut Draft, value: &str) {
    if value.is_empty() {
        return;
    }
    let mut ranges = Vec::new();
    for bucket in list(value) {
        match age_range(bucket) {
            Some(range) => ranges.push(range),
            None => draft.unread(
                "biz_trgt_age",
                bucket,
                "알 수 없는 연령 구간",
                "an age bucket ucz does not know",
            ),
        }
    }
    ranges.sort();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (low, high) in ranges {
        match merged.last_mut() {
            Some(last) if low <= last.1.saturating_add(1) => last.1 = last.1.max(high),
            _ => merged.push((low, high)),
        }
    }
    if merged.is_empty() || merged == [(0, i64::MAX)] {
        return;
    }
    let range = |(low, high): (i64, i64)| match (low > 0, high < i64::MAX) {
        (true, true) => format!("firm.founder_age >= {low} && firm.founder_age <= {high}"),
        (true, false) => format!("firm.founder_age >= {low}"),
        (false, true) => format!("firm.founder_age <= {high}"),
        (false, false) => "true".into(),
    };
    let rule = if merged.len() == 1 {
        range(merged[0])
    } else {
        merged
            .into_iter()
            .map(|r| format!("({})", range(r)))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    draft.clause(
        rule,
        "biz_trgt_age",
        value,
        Some((
            "대표자(예비창업자) 나이로 읽음".into(),
            "read as the founder's (or pre-founder's) age".into(),
        )),
    );
}

fn region_clause(draft: &mut Draft, field: &str, region: &CallRegion) {
    for name in &region.unread {
        draft.unread(
            field,
            name,
            "어느 시·도인지 읽을 수 없는 지역: 지역 조건을 검토자가 정해야 함",
            "a region no 시·도 or 광역경제권 name resolves: the reviewer sets the region condition",
        );
    }
    let quoted: Vec<String> = region.regions.iter().map(|r| format!("\"{r}\"")).collect();
    let rule = match quoted.as_slice() {
        [] => return,
        [one] => format!("firm.region == {one}"),
        many => format!("firm.region in [{}]", many.join(", ")),
    };
    let value = if region.text.is_empty() {
        region.regions.join(",")
    } else {
        region.text.clone()
    };
    draft.clause(
        rule,
        field,
        &value,
        Some((
            "사업장 소재지로 읽음 (본문에 더 좁은 지역이 있는지 확인)".into(),
            "read as where the firm is (check the text for a narrower region)".into(),
        )),
    );
}

/// `aply_trgt` or `trgetNm`: who the listed values admit (`catalog/call_terms.toml`), and the
/// conditions they add.
fn applicants(draft: &mut Draft, catalog: &Catalog, field: &str, value: &str) {
    let values = list(value);
    if values.is_empty() {
        return;
    }
    let mut terms: Vec<&CallTerm> = Vec::new();
    for v in values {
        match catalog
            .call_terms
            .iter()
            .find(|t| t.field == field && t.name_ko == v)
        {
            Some(term) => terms.push(term),
            None => draft.unread(
                field,
                v,
                "ucz가 모르는 대상 구분",
                "an applicant kind ucz does not know",
            ),
        }
    }
    if terms.is_empty() {
        return;
    }
    let admits = |a: Applicants| {
        terms
            .iter()
            .any(|t| Applicants::parse(&t.applicants) == Some(a))
    };
    let (any, pre, firms) = (
        admits(Applicants::Any),
        admits(Applicants::PreFounders),
        admits(Applicants::Firms),
    );
    let notes: Vec<&CallTerm> = terms
        .iter()
        .copied()
        .filter(|t| t.note_ko.is_some())
        .collect();
    let note = (!notes.is_empty()).then(|| {
        let pick = |ko: bool| {
            notes
                .iter()
                .filter_map(|t| {
                    if ko {
                        t.note_ko.clone()
                    } else {
                        t.note_en.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        (pick(true), pick(false))
    });
    // The terms that admit firms or anyone: with a condition each, the condition of any of them.
    let admitting: Vec<&CallTerm> = terms
        .iter()
        .copied()
        .filter(|t| {
            matches!(
                Applicants::parse(&t.applicants),
                Some(Applicants::Firms | Applicants::Any)
            )
        })
        .collect();
    let conditions: Vec<String> = admitting.iter().filter_map(|t| t.rule.clone()).collect();
    let condition = (!admitting.is_empty() && conditions.len() == admitting.len()).then(|| {
        let mut unique = conditions.clone();
        unique.sort();
        unique.dedup();
        let alone = unique.len() == 1;
        unique
            .iter()
            .map(|c| {
                if c.contains("||") && !alone {
                    format!("({c})")
                } else {
                    c.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" || ")
    });
    let stage = if any || (pre && firms) {
        None
    } else if pre {
        Some("firm.stage == \"pre_startup\"".to_string())
    } else if firms {
        Some("firm.stage != \"pre_startup\"".to_string())
    } else {
        // Universities and research institutes only: no firm applies.
        draft.clause(
            "false".into(),
            field,
            value,
            Some((
                "대학·연구기관만 대상: 기업은 신청할 수 없음".into(),
                "for universities and research institutes only: no firm applies".into(),
            )),
        );
        return;
    };
    let rule = match (stage, condition) {
        (Some(stage), Some(condition)) if pre => {
            // Pre-founders, or firms that meet the condition.
            Some(format!("{stage} || {condition}"))
        }
        (Some(stage), Some(condition)) if condition.contains("||") => {
            Some(format!("{stage} && ({condition})"))
        }
        (Some(stage), Some(condition)) => Some(format!("{stage} && {condition}")),
        (Some(stage), None) => Some(stage),
        // A value that admits anyone says in its own condition how pre-founders qualify.
        (None, Some(condition)) if !pre => Some(condition),
        (None, Some(condition)) => Some(format!("firm.stage == \"pre_startup\" || {condition}")),
        (None, None) => None,
    };
    if let Some(rule) = rule {
        draft.clause(rule, field, value, note);
    } else if let Some((ko, en)) = note {
        draft.unread(field, value, &ko, &en);
    }
}

#[cfg(test)]
mod tests;
