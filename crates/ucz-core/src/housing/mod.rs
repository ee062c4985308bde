//! Worker housing of a zone (act Art. 30, decree Art. 21: special supply for the employees of
//! tenant firms): the stock of units, the rounds (criteria, tiers, quotas, scoring) with the
//! assessment of each application, and the verifiable draw. Pure: the service hands in what
//! applicants declared and what was verified.

pub mod applicant;
pub mod draw;
pub mod round;
pub mod stock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use applicant::{Applicant, ApplicantSchema, Declaration, Member};
pub use draw::{ALGORITHM, DrawError, Entry, Inputs, Leftover, Outcome, Placed, Tier};
pub use round::{Assessment, Check, Checked, Evidence, Setup, Status, Verdict};
pub use stock::{Term, Unit};

/// A round's draw as published: what went in and what came out, everything a verifier needs
/// (`ucz housing verify ROUND.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Published {
    /// The round's name or number.
    pub round: String,
    pub inputs: Inputs,
    pub outcome: Outcome,
}
