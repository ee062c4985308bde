//! Worker housing of a zone (act Art. 30, decree Art. 21: special supply for the employees of
//! tenant firms): the rounds' verifiable draw. Pure: the service hands in the frozen list.

pub mod draw;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use draw::{ALGORITHM, DrawError, Entry, Inputs, Leftover, Outcome, Placed, Tier};

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
