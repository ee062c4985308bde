//! A portal's response read into calls: K-Startup's `{"data": [...]}` (with its paging fields)
//! and 기업마당's `{"jsonArray": {"item": [...]}}` or `{"jsonArray": [...]}`. Each record is
//! read on its own: a bad one is reported with its index and field and left out whole, the
//! others are read. Text is made plain (`clean`), dates `YYYYMMDD` and periods `YYYYMMDD ~
//! YYYYMMDD` read (words such as `상시` mean always open), links made absolute, the raw record
//! kept, and a draft rule made from the structured fields (`draft`).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::Catalog;
use crate::date::Date;
use crate::message::{Key, Message};

use super::clean::{absolute, link};
use super::{ApplyMethod, CallBody, CallSource, Period, Review, RuleState, draft, region};

/// Where K-Startup's relative links point.
pub const KSTARTUP_BASE: &str = "https://www.k-startup.go.kr";
/// Where 기업마당's relative links (`pblancUrl`) point.
pub const BIZINFO_BASE: &str = "https://www.bizinfo.go.kr";

/// A record, or the file, that could not be read: which record (its index in the list, from 0)
/// and which field, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordError {
    /// The record's index in the response's list; `None` for the file as a whole.
    pub index: Option<usize>,
    pub field: Option<String>,
    pub message: Message,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.index, &self.field) {
            (Some(i), Some(field)) => write!(f, "record {i}, field {field}: {}", self.message),
            (Some(i), None) => write!(f, "record {i}: {}", self.message),
            (None, _) => write!(f, "{}", self.message),
        }
    }
}

/// What a response held: the calls read (with their record's index) and the records refused.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    pub calls: Vec<(usize, CallBody)>,
    pub errors: Vec<RecordError>,
    /// How many records the response listed.
    pub records: usize,
    /// K-Startup's `totalCount`/`matchCount`, 기업마당's `totalCount`, when given: how many the
    /// source has in all (for paging).
    pub total: Option<u64>,
}

fn file_error(message: Message) -> RecordError {
    RecordError {
        index: None,
        field: None,
        message,
    }
}

/// The records of a response and its total, or why the response is not one of the envelopes.
fn records(source: CallSource, body: &Value) -> Result<(Vec<Value>, Option<u64>), RecordError> {
    let found = |body: &Value| -> String {
        match body {
            Value::Object(map) => {
                let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
                format!("an object with keys {}", keys.join(", "))
            }
            Value::Array(_) => "a bare list".into(),
            other => kind(other).to_string(),
        }
    };
    // The other portal's envelope is named, so that the right source is one step away.
    let hint = match (source, body.get("jsonArray"), body.get("data")) {
        (CallSource::Kstartup, Some(_), _) => " (기업마당's envelope: source bizinfo)",
        (CallSource::Bizinfo, _, Some(Value::Array(_))) => {
            " (K-Startup's envelope: source kstartup)"
        }
        _ => "",
    };
    let envelope = || {
        file_error(Message::new(Key::CallEnvelope).arg("found", format!("{}{hint}", found(body))))
    };
    let total =
        |v: Option<&Value>| v.and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()));
    match source {
        CallSource::Kstartup => match body.get("data") {
            Some(Value::Array(items)) => Ok((
                items.clone(),
                total(body.get("totalCount")).or_else(|| total(body.get("matchCount"))),
            )),
            _ => Err(envelope()),
        },
        CallSource::Bizinfo => match body.get("jsonArray") {
            Some(Value::Array(items)) => Ok((items.clone(), total(body.get("totalCount")))),
            Some(Value::Object(inner)) => {
                let total =
                    total(inner.get("totalCount")).or_else(|| total(body.get("totalCount")));
                match inner.get("item") {
                    Some(Value::Array(items)) => Ok((items.clone(), total)),
                    // An XML-to-JSON conversion writes a single item as an object.
                    Some(item @ Value::Object(_)) => Ok((vec![item.clone()], total)),
                    None | Some(Value::Null) => Ok((Vec::new(), total)),
                    Some(_) => Err(envelope()),
                }
            }
            _ => Err(envelope()),
        },
        CallSource::Ucz => Err(envelope()),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads a response of `source`: every record it can, every error with its place.
pub fn read(catalog: &Catalog, source: CallSource, text: &str) -> Result<Imported, RecordError> {
    let body: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        file_error(Message::new(Key::CallJson).arg(
            "detail",
            format!("line {}, column {}: {e}", e.line(), e.column()),
        ))
    })?;
    let (items, total) = records(source, &body)?;
    let mut imported = Imported {
        records: items.len(),
        total,
        ..Imported::default()
    };
    for (index, item) in items.into_iter().enumerate() {
        match record(catalog, source, &item) {
            Ok(call) => imported.calls.push((index, call)),
            Err(errors) => imported
                .errors
                .extend(errors.into_iter().map(|(field, message)| RecordError {
                    index: Some(index),
                    field,
                    message,
                })),
        }
    }
    Ok(imported)
}

type FieldErrors = Vec<(Option<String>, Message)>;

/// A record's fields made plain, and the errors of those that are not text.
struct Fields<'a> {
    raw: &'a Map<String, Value>,
    plain: Map<String, Value>,
    errors: FieldErrors,
}

impl<'a> Fields<'a> {
    fn new(raw: &'a Map<String, Value>) -> Self {
        let mut plain = Map::new();
        let mut errors = Vec::new();
        for (field, value) in raw {
            let text = match value {
                Value::Null => continue,
                Value::String(s) => super::clean::plain(s),
                Value::Number(n) => n.to_string(),
                Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
                    errors.push((
                        Some(field.clone()),
                        Message::new(Key::CallNotText).arg("field", field),
                    ));
                    continue;
                }
            };
            plain.insert(field.clone(), Value::String(text));
        }
        Fields { raw, plain, errors }
    }

    fn get(&self, field: &str) -> Option<String> {
        self.plain
            .get(field)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    }

    fn required(&mut self, field: &str) -> String {
        match self.get(field) {
            Some(text) => text,
            None => {
                if !self.errors.iter().any(|(f, _)| f.as_deref() == Some(field)) {
                    self.errors.push((
                        Some(field.into()),
                        Message::new(Key::CallMissing).arg("field", field),
                    ));
                }
                String::new()
            }
        }
    }

    fn fail(&mut self, field: &str, message: Message) {
        self.errors.push((Some(field.into()), message));
    }
}

/// `YYYYMMDD` (also `YYYY-MM-DD`, `YYYY.MM.DD`) as a date.
pub fn read_date(text: &str) -> Option<Date> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '.' | '/'))
        .collect();
    if digits.len() != 8 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (&digits[..4], &digits[4..6], &digits[6..]);
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Words that mean a call is taken until further notice.
fn always_words(text: &str) -> bool {
    ["상시", "수시", "소진", "별도", "추후", "연중"]
        .iter()
        .any(|w| text.contains(w))
}

/// A period from an opening and a closing text; `field` names where a bad date is.
fn period(
    fields: &mut Fields<'_>,
    opens: Option<(&str, String)>,
    closes: Option<(&str, String)>,
) -> Period {
    let mut period = Period::default();
    let day = |fields: &mut Fields<'_>, field: &str, text: &str| -> Option<Date> {
        let date = read_date(text);
        if date.is_none() {
            fields.fail(field, Message::new(Key::CallBadDate).arg("value", text));
        }
        date
    };
    if let Some((field, text)) = &opens {
        period.opens = day(fields, field, text);
    }
    if let Some((field, text)) = &closes {
        if always_words(text) {
            period.always = true;
            period.text = Some(text.clone());
        } else if let Some(close) = day(fields, field, text) {
            if let Some(open) = period.opens.filter(|open| *open > close) {
                fields.fail(
                    field,
                    Message::new(Key::CallPeriodOrder)
                        .arg("start", open.to_string())
                        .arg("end", close.to_string()),
                );
            }
            period = Period::closing_on(period.opens, close);
        }
    }
    period
}

fn record(catalog: &Catalog, source: CallSource, item: &Value) -> Result<CallBody, FieldErrors> {
    let Value::Object(raw) = item else {
        return Err(vec![(None, Message::new(Key::CallNotObject))]);
    };
    let call = match source {
        CallSource::Kstartup => kstartup(catalog, raw),
        _ => bizinfo(catalog, raw),
    }?;
    Ok(call)
}

fn review(draft: draft::Draft) -> Review {
    Review {
        state: RuleState::Draft,
        rule: draft.rule.clone(),
        draft,
        ..Review::default()
    }
}

fn kstartup(catalog: &Catalog, raw: &Map<String, Value>) -> Result<CallBody, FieldErrors> {
    let mut f = Fields::new(raw);
    let source_id = f.required("pbanc_sn");
    let title = f.required("biz_pbanc_nm");
    let opens = f
        .get("pbanc_rcpt_bgng_dt")
        .map(|t| ("pbanc_rcpt_bgng_dt", t));
    let closes = f.get("pbanc_rcpt_end_dt").map(|t| ("pbanc_rcpt_end_dt", t));
    let period = period(&mut f, opens, closes);
    let region = region::read(catalog, &f.get("supt_regin").unwrap_or_default());
    let mut apply = Vec::new();
    for (field, how) in [
        ("biz_aply_url", "online"),
        ("aply_mthd_onli_rcpt_istc", "online"),
        ("aply_mthd_vst_rcpt_istc", "visit"),
        ("aply_mthd_eml_rcpt_istc", "email"),
        ("aply_mthd_fax_rcpt_istc", "fax"),
        ("aply_mthd_pssr_rcpt_istc", "post"),
        ("aply_mthd_etc_istc", "other"),
    ] {
        if let Some(text) = f.get(field) {
            let url = link(&text, KSTARTUP_BASE);
            let text = super::clean::label(&text);
            if apply
                .iter()
                .any(|a: &ApplyMethod| a.url.is_some() && a.url == url)
            {
                continue;
            }
            apply.push(ApplyMethod {
                how: how.into(),
                text,
                url,
            });
        }
    }
    let detail_url = match f.get("detl_pg_url") {
        Some(url) => match absolute(&url, KSTARTUP_BASE) {
            Some(url) => Some(url),
            None => {
                f.fail(
                    "detl_pg_url",
                    Message::new(Key::CallBadUrl).arg("value", &url),
                );
                None
            }
        },
        None => None,
    };
    if !f.errors.is_empty() {
        return Err(f.errors);
    }
    let draft = draft::kstartup(catalog, &f.plain, &region);
    let target = f.get("aply_trgt_ctnt").or_else(|| f.get("aply_trgt"));
    Ok(CallBody {
        source: CallSource::Kstartup,
        program: super::program_of(catalog, &title),
        source_id,
        title,
        agency: f.get("pbanc_ntrp_nm"),
        executor: f.get("biz_prch_dprt_nm"),
        summary: f.get("pbanc_ctnt"),
        field: f.get("supt_biz_clsfc"),
        target,
        exclusions: f.get("aply_excl_trgt_ctnt"),
        region,
        period,
        apply,
        detail_url,
        contact: f.get("prch_cnpl_no"),
        zone: None,
        review: review(draft),
        raw: Some(Value::Object(f.raw.clone())),
    })
}

fn bizinfo(catalog: &Catalog, raw: &Map<String, Value>) -> Result<CallBody, FieldErrors> {
    let mut f = Fields::new(raw);
    let source_id = f.required("pblancId");
    let title = f.required("pblancNm");
    let period = match f.get("reqstBeginEndDe") {
        None => Period::default(),
        Some(text) if always_words(&text) => Period {
            always: true,
            text: Some(text),
            ..Period::default()
        },
        Some(text) => match text.split_once('~') {
            Some((from, to)) => {
                let (from, to) = (from.trim().to_string(), to.trim().to_string());
                period(
                    &mut f,
                    Some(("reqstBeginEndDe", from)),
                    Some(("reqstBeginEndDe", to)),
                )
            }
            None => match read_date(&text) {
                Some(day) => Period::closing_on(None, day),
                None => {
                    f.fail(
                        "reqstBeginEndDe",
                        Message::new(Key::CallBadPeriod).arg("value", &text),
                    );
                    Period::default()
                }
            },
        },
    };
    let region = draft::bizinfo_region(catalog, &f.plain);
    let mut apply = Vec::new();
    if let Some(text) = f.get("rceptEngnHmpgUrl") {
        let url = link(&text, BIZINFO_BASE);
        apply.push(ApplyMethod {
            how: "online".into(),
            text,
            url,
        });
    }
    if let Some(text) = f.get("reqstMthPapersCn") {
        apply.push(ApplyMethod {
            how: "other".into(),
            text,
            url: None,
        });
    }
    let detail_url = match f.get("pblancUrl") {
        Some(url) => match absolute(&url, BIZINFO_BASE) {
            Some(url) => Some(url),
            None => {
                f.fail(
                    "pblancUrl",
                    Message::new(Key::CallBadUrl).arg("value", &url),
                );
                None
            }
        },
        None => None,
    };
    if !f.errors.is_empty() {
        return Err(f.errors);
    }
    let draft = draft::bizinfo(catalog, &f.plain, &region);
    let field = match (
        f.get("pldirSportRealmLclasCodeNm"),
        f.get("pldirSportRealmMlsfcCodeNm"),
    ) {
        (Some(a), Some(b)) if a != b => Some(format!("{a} · {b}")),
        (a, b) => a.or(b),
    };
    Ok(CallBody {
        source: CallSource::Bizinfo,
        program: super::program_of(catalog, &title),
        source_id,
        title,
        agency: f.get("jrsdInsttNm"),
        executor: f.get("excInsttNm"),
        summary: f.get("bsnsSumryCn"),
        field,
        target: f.get("trgetNm"),
        exclusions: None,
        region,
        period,
        apply,
        detail_url,
        contact: f.get("refrncNm"),
        zone: None,
        review: review(draft),
        raw: Some(Value::Object(f.raw.clone())),
    })
}

#[cfg(test)]
mod tests;
