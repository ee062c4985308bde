//! The performance evaluation of a zone (act Art. 29, decree Art. 20: how far the principles are
//! met, the project's progress against its targets, investment attracted and jobs created),
//! computed from the operations records: `dataset` gathers the facts and computes the
//! [`measure`]s of a zone's year by their exact definitions; an [`Indicator`] of the catalog
//! (`catalog/indicators.toml`) is a formula over them, type-checked when the catalog loads.

pub mod dataset;
pub mod measure;
pub mod plan;
pub mod procedure;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rule::{Formula, RuleError};

pub use dataset::Dataset;
pub use measure::{MeasureId, MeasureSchema, Measures};

/// An indicator's formula, over the measures `m`.
pub type IndicatorFormula = Formula<MeasureSchema>;

/// Parses and type-checks an indicator's formula.
pub fn formula(text: &str) -> Result<IndicatorFormula, RuleError> {
    Formula::parse_over(text)
}

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Higher,
    Lower,
}

/// What a comparison across zones divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Normalise {
    /// Compared as it is.
    None,
    /// Per km² of the zone.
    Area,
    /// Per firm of the zone.
    Firms,
}

/// An indicator's value in a zone's year: `None` when it cannot be had (a rate of nothing).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Value {
    pub indicator: String,
    pub value: Option<f64>,
    /// The value divided as the indicator compares across zones.
    pub compared: Option<f64>,
}

/// Evaluates formulas (each with its normalisation) over a zone's year.
pub fn evaluate(
    indicators: &[(String, IndicatorFormula, Normalise)],
    measures: &Measures,
) -> Vec<Value> {
    indicators
        .iter()
        .map(|(id, formula, normalise)| {
            let value = formula.value(&measures);
            let by = match normalise {
                Normalise::None => Some(1.0),
                Normalise::Area => Some(measures.get(MeasureId::AreaKm2)),
                Normalise::Firms => Some(measures.get(MeasureId::Firms)),
            }
            .filter(|d| *d > 0.0);
            Value {
                indicator: id.clone(),
                value,
                compared: value.zip(by).map(|(v, d)| v / d),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
