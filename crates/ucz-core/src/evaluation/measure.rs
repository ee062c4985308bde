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
