//! The annual evaluation report of a zone, made from its scorecard and records: the sections a
//! printable page, an Excel workbook (one sheet per section) and the open-data export read.
//! Reproducible for a past moment: every part is read as of the same moment.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};
use ucz_core::evaluation::plan::{
    ChecklistLine, Investment, InvestorKind, ItemStatus, MilestoneKind, MilestoneState,
};

use super::records::{self, MilestoneView, ProcedureView};
use super::{Scorecard, scorecard};
use crate::Services;
use crate::error::Error;

/// A zone's report of a year.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Report {
    pub scorecard: Scorecard,
    pub plan_title: Option<String>,
    pub checklist: Vec<ChecklistLine>,
    pub milestones: Vec<MilestoneView>,
    pub procedure: ProcedureView,
    pub investments: Vec<Investment>,
    /// When it was made (RFC 3339, UTC).
    pub made_at: String,
}

pub async fn report(
    state: &Services,
    zone: &str,
    year: i32,
    as_of: Option<&str>,
) -> Result<Report, Error> {
    let plan = records::plan(state, zone, as_of).await?;
    Ok(Report {
        scorecard: scorecard(state, zone, year, as_of).await?,
        plan_title: plan.plan.map(|p| p.title),
        checklist: plan.checklist,
        milestones: records::milestones(state, zone, as_of).await?,
        procedure: records::procedure(state, zone, as_of).await?,
        investments: records::investments(state, zone, as_of).await?,
        made_at: state.clock.stamp(),
    })
}

/// A section as a table: its sheet name, column titles and rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Section {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

fn number(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |v| json!((v * 100.0).round() / 100.0))
}

fn kind_ko(k: MilestoneKind) -> &'static str {
    match k {
        MilestoneKind::Land => "토지",
        MilestoneKind::Permit => "인허가",
        MilestoneKind::Construction => "공사",
        MilestoneKind::Opening => "개관",
        MilestoneKind::Other => "기타",
    }
}

fn state_ko(s: MilestoneState) -> &'static str {
    match s {
        MilestoneState::Planned => "예정",
        MilestoneState::Started => "진행 중",
        MilestoneState::Done => "완료",
        MilestoneState::Late => "지연",
    }
}

fn investor_ko(k: InvestorKind) -> &'static str {
    match k {
        InvestorKind::AnchorFirm => "앵커기업",
        InvestorKind::ResearchInstitute => "연구기관",
        InvestorKind::CoInvestment => "민간 공동투자",
        InvestorKind::Other => "기타",
    }
}

fn status_ko(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Present => "수록",
        ItemStatus::Partial => "일부",
        ItemStatus::Missing => "누락",
    }
}

/// The report's sections, in Korean, in the order the printed report has them.
pub fn sections(r: &Report) -> Vec<Section> {
    let s = &r.scorecard;
    let mut out = vec![Section {
        name: "개요".into(),
        header: vec!["항목".into(), "값".into()],
        rows: vec![
            vec![
                json!("특구"),
                json!(format!("{} ({})", s.zone_name, s.zone)),
            ],
            vec![json!("평가연도"), json!(s.year.to_string())],
            vec![
                json!("기준 시점"),
                json!(s.as_of.clone().unwrap_or_else(|| "작성 시점".into())),
            ],
            vec![json!("작성"), json!(r.made_at)],
            vec![
                json!("기본계획"),
                json!(r.plan_title.clone().unwrap_or_default()),
            ],
        ],
    }];
    let mut years: Vec<String> = s
        .lines
        .first()
        .map(|l| l.trend.iter().map(|p| p.year.to_string()).collect())
        .unwrap_or_default();
    let mut header: Vec<String> = [
        "지표",
        "지표명",
        "단위",
        "값",
        "목표",
        "목표 출처",
        "달성률(%)",
        "비교값",
        "근거",
    ]
    .map(String::from)
    .to_vec();
    header.append(&mut years);
    out.push(Section {
        name: "지표".into(),
        header,
        rows: s
            .lines
            .iter()
            .map(|l| {
                let mut row = vec![
                    json!(l.indicator),
                    json!(l.name_ko),
                    json!(l.unit),
                    number(l.value),
                    number(l.target),
                    json!(match (l.target, l.target_illustrative) {
                        (None, _) => "",
                        (Some(_), true) => "예시",
                        (Some(_), false) => "공개",
                    }),
                    number(l.achievement),
                    number(l.compared),
                    json!(l.source),
                ];
                row.extend(l.trend.iter().map(|p| number(p.value)));
                row
            })
            .collect(),
    });
    out.push(Section {
        name: "기본계획".into(),
        header: ["사항", "사항명", "수록", "수록 위치", "법문 확인"]
            .map(String::from)
            .to_vec(),
        rows: r
            .checklist
            .iter()
            .map(|c| {
                vec![
                    json!(c.item),
                    json!(c.name_ko),
                    json!(status_ko(c.status)),
                    json!(c.section),
                    json!(if c.verified {
                        "확인"
                    } else {
                        "확인 필요"
                    }),
                ]
            })
            .collect(),
    });
    out.push(Section {
        name: "마일스톤".into(),
        header: [
            "id",
            "이름",
            "종류",
            "계획 착수",
            "계획 완료",
            "실제 착수",
            "실제 완료",
            "상태",
            "예시",
        ]
        .map(String::from)
        .to_vec(),
        rows: r
            .milestones
            .iter()
            .map(|m| {
                let m2 = &m.milestone;
                vec![
                    json!(m2.id),
                    json!(m2.name_ko),
                    json!(kind_ko(m2.kind)),
                    json!(m2.planned_start),
                    json!(m2.planned_end),
                    json!(m2.actual_start),
                    json!(m2.actual_end),
                    json!(state_ko(m.state)),
                    json!(if m2.illustrative { "예시" } else { "" }),
                ]
            })
            .collect(),
    });
    out.push(Section {
        name: "법정절차".into(),
        header: [
            "단계",
            "단계명",
            "시작",
            "종료",
            "기한",
            "남은 일수",
            "상태",
            "근거",
        ]
        .map(String::from)
        .to_vec(),
        rows: r
            .procedure
            .steps
            .iter()
            .map(|st| {
                vec![
                    json!(st.step),
                    json!(st.name_ko),
                    json!(st.from),
                    json!(st.to),
                    json!(st.deadline),
                    json!(st.days_left),
                    json!(st.status),
                    json!(st.source),
                ]
            })
            .collect(),
    });
    out.push(Section {
        name: "투자유치".into(),
        header: ["id", "일자", "투자자", "구분", "금액(원)", "근거", "예시"]
            .map(String::from)
            .to_vec(),
        rows: r
            .investments
            .iter()
            .map(|i| {
                vec![
                    json!(i.id),
                    json!(i.day),
                    json!(i.investor),
                    json!(investor_ko(i.kind)),
                    json!(i.amount_krw),
                    json!(i.evidence),
                    json!(if i.illustrative { "예시" } else { "" }),
                ]
            })
            .collect(),
    });
    out
}

/// One row of the open-data export: a zone's indicator in a year. Non-personal: values of a
/// zone, no firm's figure.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct OpenRow {
    /// The zone's id.
    pub zone: String,
    pub year: i32,
    /// The indicator's id (`catalog/indicators.toml`).
    pub indicator: String,
    pub name_ko: String,
    pub name_en: String,
    /// The value's unit (명, %, 원, 개, 건).
    pub unit: String,
    /// The indicator's value; empty when it cannot be had (a rate of nothing).
    pub value: Option<f64>,
    /// The zone's target for the year, in the value's unit; empty without one.
    pub target: Option<f64>,
    /// The value over the target, in percent (100 = reached); target over value for a
    /// lower-is-better indicator.
    pub achievement: Option<f64>,
    /// The value as zones are compared on it: per km² of the zone, per firm of the zone, or as
    /// it is (`compared_by`).
    pub compared: Option<f64>,
    /// `area` (per km²), `firms` (per firm) or `none`.
    pub compared_by: ucz_core::evaluation::Normalise,
    /// The target is made up for the demonstration, not a public figure.
    pub target_illustrative: bool,
}

/// The open data of a year: every zone's indicators.
pub async fn open_data(
    state: &Services,
    year: i32,
    as_of: Option<&str>,
) -> Result<Vec<OpenRow>, Error> {
    let overview = super::overview(state, year, as_of).await?;
    Ok(overview
        .zones
        .into_iter()
        .flat_map(|card| {
            let zone = card.zone.clone();
            card.lines.into_iter().map(move |l| OpenRow {
                zone: zone.clone(),
                year,
                indicator: l.indicator,
                name_ko: l.name_ko,
                name_en: l.name_en,
                unit: l.unit,
                value: l.value,
                target: l.target,
                achievement: l.achievement,
                compared: l.compared,
                compared_by: l.normalise,
                target_illustrative: l.target_illustrative,
            })
        })
        .collect())
}
