//! The application form a call builds: its questions, and the answers an application gives,
//! checked question by question (every problem at once, by question id).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::date::Date;
use crate::message::{Key, Message};
use crate::record::FieldProblem;

/// What kind of answer a question takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    LongText,
    Number,
    /// Won, a whole number.
    Money,
    Date,
    Choice,
    /// An uploaded file, answered by the reference its upload gave.
    File,
}

impl QuestionKind {
    fn name(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::LongText => "long_text",
            QuestionKind::Number => "number",
            QuestionKind::Money => "money",
            QuestionKind::Date => "date",
            QuestionKind::Choice => "choice",
            QuestionKind::File => "file",
        }
    }
}

/// One question of a call's form, with its limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    /// The question as applicants read it (Korean).
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    /// Text: the most characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    /// Number, money: the least and the most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Choice: the choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// File: the largest size in bytes (10 MB when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// File: the media types taken (`application/pdf`); PDF when left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

/// The largest file a question takes when it does not say.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// An uploaded file as an answer refers to it: content-addressed by its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub name: String,
    pub size: u64,
    #[serde(rename = "type")]
    pub media_type: String,
}

/// An application's answers by question id.
pub type Answers = BTreeMap<String, Value>;

impl Question {
    /// Problems of the question itself (its limits), by its own field names.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if self.label.trim().is_empty() {
            out.push(FieldProblem::new("label", Key::AwardRequired));
        }
        if let (Some(min), Some(max)) = (self.min, self.max) {
            if min > max {
                out.push(FieldProblem::new(
                    "min",
                    Message::new(Key::AwardMinOverMax)
                        .arg("min", min)
                        .arg("max", max),
                ));
            }
        }
        if self.kind == QuestionKind::Choice && self.choices.is_empty() {
            out.push(FieldProblem::new("choices", Key::AwardRequired));
        }
        out
    }

    fn types(&self) -> Vec<String> {
        if self.types.is_empty() {
            vec!["application/pdf".into()]
        } else {
            self.types.clone()
        }
    }

    /// Whether a file of this size and type may answer the question.
    pub fn file_problem(&self, size: u64, media_type: &str) -> Option<Message> {
        let max = self.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
        if size > max {
            return Some(
                Message::new(Key::AwardFileTooBig)
                    .arg("size", size)
                    .arg("max", max),
            );
        }
        let types = self.types();
        (!types.iter().any(|t| t == media_type)).then(|| {
            Message::new(Key::AwardFileType)
                .arg("type", media_type)
                .arg("types", types.join(", "))
        })
    }

    /// The problem of one answer, if any.
    fn answer_problem(&self, value: &Value) -> Option<Message> {
        let wrong = || Some(Message::new(Key::AwardWrongType).arg("kind", self.kind.name()));
        match self.kind {
            QuestionKind::Text | QuestionKind::LongText => {
                let text = value.as_str()?;
                let limit = self.max_chars.unwrap_or(match self.kind {
                    QuestionKind::Text => 200,
                    _ => 10_000,
                });
                let count = text.chars().count();
                (count > limit as usize).then(|| {
                    Message::new(Key::AwardTooLong)
                        .arg("max", limit)
                        .arg("count", count)
                })
            }
            QuestionKind::Number | QuestionKind::Money => {
                let Some(n) = value.as_i64() else {
                    return wrong();
                };
                let (min, max) = (
                    self.min.unwrap_or(if self.kind == QuestionKind::Money {
                        0
                    } else {
                        i64::MIN
                    }),
                    self.max.unwrap_or(i64::MAX),
                );
                (n < min || n > max).then(|| {
                    Message::new(Key::AwardOutOfRange)
                        .arg("min", min)
                        .arg("max", max)
                })
            }
            QuestionKind::Date => match value.as_str().map(str::parse::<Date>) {
                Some(Ok(_)) => None,
                _ => wrong(),
            },
            QuestionKind::Choice => {
                let text = value.as_str()?;
                (!self.choices.iter().any(|c| c == text)).then(|| {
                    Message::new(Key::AwardNotAChoice).arg("values", self.choices.join(", "))
                })
            }
            QuestionKind::File => match serde_json::from_value::<FileRef>(value.clone()) {
                Ok(file) => self.file_problem(file.size, &file.media_type),
                Err(_) => wrong(),
            },
        }
    }
}

/// Checks answers against the form: each answer's type and limits, answers to questions the
/// form lacks, and — when `complete` (a submission, not a draft) — the required ones given.
/// Problems are by question id, in the form's order.
pub fn check(form: &[Question], answers: &Answers, complete: bool) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for question in form {
        let field = format!("answers.{}", question.id);
        match answers.get(&question.id) {
            None | Some(Value::Null) => {
                if complete && question.required {
                    out.push(FieldProblem::new(field, Key::AwardRequired));
                }
            }
            Some(Value::String(s))
                if s.trim().is_empty() && question.kind != QuestionKind::File =>
            {
                if complete && question.required {
                    out.push(FieldProblem::new(field, Key::AwardRequired));
                }
            }
            Some(value) => {
                let problem = match (question.kind, value) {
                    (QuestionKind::Text | QuestionKind::LongText | QuestionKind::Choice, v)
                        if !v.is_string() =>
                    {
                        Some(Message::new(Key::AwardWrongType).arg("kind", question.kind.name()))
                    }
                    _ => question.answer_problem(value),
                };
                if let Some(message) = problem {
                    out.push(FieldProblem::new(field, message));
                }
            }
        }
    }
    for id in answers.keys() {
        if !form.iter().any(|q| &q.id == id) {
            out.push(FieldProblem::new(
                format!("answers.{id}"),
                Message::new(Key::AwardUnknownQuestion).arg("id", id),
            ));
        }
    }
    out
}

/// The files an application's answers refer to.
pub fn files(form: &[Question], answers: &Answers) -> Vec<FileRef> {
    form.iter()
        .filter(|q| q.kind == QuestionKind::File)
        .filter_map(|q| answers.get(&q.id))
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::award::tests::competition;
    use serde_json::json;

    fn answers(value: Value) -> Answers {
        serde_json::from_value(value).expect("answers")
    }

    #[test]
    fn good_answers_pass_and_a_draft_may_leave_required_ones_out() {
        let form = competition().form;
        let good = answers(json!({
            "plan": "AI 기반 설비 예지정비", "amount": 50_000_000, "team": 4, "field": "AI",
            "deck": {"sha256": "ab", "name": "deck.pdf", "size": 1000, "type": "application/pdf"}
        }));
        assert_eq!(check(&form, &good, true), vec![]);
        let draft = answers(json!({"team": 4}));
        assert_eq!(check(&form, &draft, false), vec![]);
        let fields: Vec<String> = check(&form, &draft, true)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["answers.plan", "answers.amount"]);
    }

    #[test]
    fn each_wrong_answer_is_told_by_its_question() {
        let form = competition().form;
        let bad = answers(json!({
            "plan": 12, "amount": "오천만원", "team": 0, "field": "핀테크",
            "deck": {"sha256": "ab", "name": "deck.hwp", "size": 2_000_000, "type": "application/x-hwp"},
            "extra": "x"
        }));
        let problems = check(&form, &bad, true);
        let told: Vec<(String, String)> = problems
            .iter()
            .map(|p| (p.field.clone(), p.message.to_string()))
            .collect();
        assert_eq!(told.len(), 6, "{told:?}");
        assert_eq!(told[0].0, "answers.plan");
        assert!(told[1].1.contains("money"), "{told:?}");
        assert!(
            told[2].1.contains("1") && told[2].1.contains("500"),
            "{told:?}"
        );
        assert!(told[3].1.contains("AI, 바이오, 모빌리티"), "{told:?}");
        assert!(told[4].1.contains("1000000"), "{told:?}");
        assert_eq!(told[5].0, "answers.extra");
    }

    #[test]
    fn a_file_of_a_refused_type_is_told_its_types() {
        let deck = &competition().form[4];
        assert_eq!(deck.file_problem(10, "application/pdf"), None);
        let message = deck.file_problem(10, "image/png").expect("refused");
        assert!(message.to_string().contains("application/pdf"));
    }
}
