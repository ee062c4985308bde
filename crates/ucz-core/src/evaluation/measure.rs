//! The measures indicators are written over: named numbers of a zone's year, each computed from
//! the operations records by an exact definition (below and in docs/evaluation.md). Formulas
//! read them as the variable `m` (`m.youth_jobs / m.jobs * 100.0`); every measure is a double.

use crate::rule::{Schema, Type, Value};

macro_rules! measures {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// A measure of a zone's year.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum MeasureId {
            $(#[doc = $doc] $variant,)*
        }

        impl MeasureId {
            pub const ALL: &'static [MeasureId] = &[$(MeasureId::$variant,)*];

            /// The name formulas use after `m.`.
            pub fn name(self) -> &'static str {
                match self {
                    $(MeasureId::$variant => $name,)*
                }
            }

            /// Its exact definition.
            pub fn definition(self) -> &'static str {
                match self {
                    $(MeasureId::$variant => $doc,)*
                }
            }
        }
    };
}

measures! {
    Firms = "firms": "Firms of the zone on the last day of the year: founded by then (or with no founding day), not closed, and registered in the zone on their record or holding a lease of its space that day (a firm registered in one zone and leasing in another counts for both).",
    FirmsFounded = "firms_founded": "Firms of the zone founded during the year.",
    FirmsAttracted = "firms_attracted": "Firms whose first lease of a space in the zone starts during the year and that were founded before it (moved in, not founded here).",
    Jobs = "jobs": "Employees of the zone's firms on the last day of the year: each firm's latest filed figure up to that day, else its first filed figure (a filing made later), else its record's.",
    JobsBefore = "jobs_before": "The same count on the last day of the previous year.",
    YouthJobs = "youth_jobs": "Employees aged 15–34 of the zone's firms on the last day of the year, as `jobs` counts them.",
    Investment = "investment_krw": "Investment attracted during the year, in won: the firms' filed investment figures for periods ending in the year, and investment records (anchor firms, research institutes, co-investment) dated in the year.",
    IncubationRooms = "incubation_rooms": "Incubation rooms (보육실) of the zone: its spaces of the incubation kind.",
    IncubationExits = "incubation_exits": "Leases of the zone's incubation rooms whose last day falls in the year (the room turned over).",
    Graduates = "graduates": "Of `incubation_exits`, those whose firm graduated (moved on, not closed).",
    GraduatesInRegion = "graduates_in_region": "Of `graduates`, those whose next place is in the zone's economic region (광역경제권): the province of the firm's next lease starting after it, else the province the lease says it left to.",
    GraduatesToCapital = "graduates_to_capital": "Of `graduates`, those that left for the capital region (서울, 인천, 경기).",
    BookedMinutes = "booked_minutes": "Minutes of shared resources booked and used (not cancelled, not no-shows) during the year.",
    OpenMinutes = "open_minutes": "Minutes the shared resources were open to book during the year.",
    Applications = "applications": "Applications submitted to the zone's programs run in ucz during the year.",
    Awards = "awards": "Applications selected during the year.",
    AwardAmount = "award_amount_krw": "Amounts awarded during the year, in won.",
    SupportedThreeYearsAgo = "supported_3y_ago": "Firms selected in a program three years before the year.",
    SupportedSurviving = "supported_surviving": "Of `supported_3y_ago`, firms still operating at the end of the year: their record not closed by then.",
    Principles = "principles": "Operating principles of the model the zone's diagnosis checks.",
    PrinciplesMet = "principles_met": "Of `principles`, those the zone's diagnosis finds met.",
    MilestonesDue = "milestones_due": "Milestones of the zone's development project planned to be done by the end of the year.",
    MilestonesDone = "milestones_done": "Of `milestones_due`, those done by the end of the year.",
    AreaKm2 = "area_km2": "The zone's area in km², for indicators normalised by area.",
}

impl MeasureId {
    pub fn by_name(name: &str) -> Option<MeasureId> {
        MeasureId::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Its definition in Korean, for the pages (the English one is the reference).
    pub fn definition_ko(self) -> &'static str {
        match self {
            MeasureId::Firms => {
                "연말 현재 특구의 기업 수: 그날까지 창업했고(창업일이 없으면 포함) 폐업하지 않았으며, 기록상 특구 소재이거나 그날 특구 공간을 임차 중인 기업 (한 특구 소재이면서 다른 특구를 임차하면 양쪽에 셈)."
            }
            MeasureId::FirmsFounded => "그해 창업한 특구 기업 수.",
            MeasureId::FirmsAttracted => {
                "특구 공간의 첫 임차가 그해 시작되고 그 전에 창업한 기업 수 (유치: 특구에서 창업하지 않고 들어온 기업)."
            }
            MeasureId::Jobs => {
                "연말 현재 특구 기업의 고용 인원: 기업마다 그날까지 공시한 최근 값, 없으면 처음 공시한 값(나중의 공시), 그것도 없으면 기업 기록의 값."
            }
            MeasureId::JobsBefore => "전년 말일 기준 같은 고용 인원.",
            MeasureId::YouthJobs => "연말 현재 특구 기업의 15–34세 고용 인원 (`jobs`와 같은 방식).",
            MeasureId::Investment => {
                "그해 유치한 투자액(원): 그해 끝나는 기간에 기업이 공시한 투자액과, 그해 일자의 투자유치 실적(앵커기업, 연구기관, 민간 공동투자)."
            }
            MeasureId::IncubationRooms => "특구의 보육실 수: 보육 유형의 공간.",
            MeasureId::IncubationExits => "마지막 날이 그해인 특구 보육실 임차 (보육실 회전).",
            MeasureId::Graduates => "`incubation_exits` 중 졸업(폐업이 아닌 이전)한 기업.",
            MeasureId::GraduatesInRegion => {
                "`graduates` 중 다음 입지가 특구의 광역경제권 안인 기업: 이후 시작한 다음 임차의 시·도, 없으면 임차 종료 때 기록한 이전 시·도."
            }
            MeasureId::GraduatesToCapital => {
                "`graduates` 중 수도권(서울, 인천, 경기)으로 떠난 기업."
            }
            MeasureId::BookedMinutes => "그해 예약되어 실제 이용된(취소·노쇼 제외) 공용 자원의 분.",
            MeasureId::OpenMinutes => "그해 공용 자원이 예약 가능하게 열려 있던 분.",
            MeasureId::Applications => "그해 특구가 ucz로 운영한 사업에 제출된 신청 수.",
            MeasureId::Awards => "그해 선정된 신청 수.",
            MeasureId::AwardAmount => "그해 지원 결정 금액(원).",
            MeasureId::SupportedThreeYearsAgo => "3년 전 사업에 선정된 기업 수.",
            MeasureId::SupportedSurviving => {
                "`supported_3y_ago` 중 연말까지 폐업하지 않은 기업 수."
            }
            MeasureId::Principles => "특구 진단이 점검하는 모델의 운영 원칙 수.",
            MeasureId::PrinciplesMet => "`principles` 중 진단이 충족으로 본 원칙 수.",
            MeasureId::MilestonesDue => "연말까지 완료 예정인 특구 개발사업 마일스톤 수.",
            MeasureId::MilestonesDone => "`milestones_due` 중 연말까지 완료한 수.",
            MeasureId::AreaKm2 => "특구 면적(km²): 면적으로 나누어 비교하는 지표에 씀.",
        }
    }

    /// Whether the measure is a fact of the zone or a total kept per zone and year (its area,
    /// the principles met, its rooms, the minutes booked and open) rather than a sum of records
    /// one can list.
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            MeasureId::AreaKm2
                | MeasureId::Principles
                | MeasureId::PrinciplesMet
                | MeasureId::IncubationRooms
                | MeasureId::BookedMinutes
                | MeasureId::OpenMinutes
        )
    }
}

/// A zone's year: every measure's value, in `MeasureId::ALL` order.
#[derive(Clone, Debug, PartialEq)]
pub struct Measures {
    values: Vec<f64>,
}

impl Default for Measures {
    fn default() -> Self {
        Measures {
            values: vec![0.0; MeasureId::ALL.len()],
        }
    }
}

impl Measures {
    pub fn get(&self, m: MeasureId) -> f64 {
        self.values.get(m as usize).copied().unwrap_or_default()
    }

    pub fn set(&mut self, m: MeasureId, value: f64) {
        if let Some(v) = self.values.get_mut(m as usize) {
            *v = value;
        }
    }

    pub fn add(&mut self, m: MeasureId, value: f64) {
        if let Some(v) = self.values.get_mut(m as usize) {
            *v += value;
        }
    }

    /// Every measure with its name, for reports and drill-down.
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        MeasureId::ALL
            .iter()
            .map(|m| (m.name(), self.get(*m)))
            .collect()
    }
}

/// Formulas over measures: the variable `m`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeasureSchema;

impl Schema for MeasureSchema {
    type Field = MeasureId;
    type Record<'r> = &'r Measures;

    const VARIABLE: &'static str = "m";

    fn fields() -> &'static [MeasureId] {
        MeasureId::ALL
    }

    fn name(field: MeasureId) -> &'static str {
        field.name()
    }

    fn field_type(_: MeasureId) -> Type {
        Type::Double
    }

    fn value(record: &&Measures, field: MeasureId) -> Value {
        Value::Double(record.get(field))
    }
}
