//! `ucz housing draw INPUTS.json` draws a housing round from its frozen list and public random
//! value and prints what is published; `ucz housing verify ROUND.json` re-runs a published draw
//! and says whether it matches (exit 0), or which of its parts differ (exit 1). Neither touches
//! a database: anyone with the published file can check it.

use std::path::Path;
use std::process::ExitCode;

use ucz_core::housing::{Inputs, Published, draw};

use crate::input::{self, BadInput};
use crate::output;

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BadInput> {
    let text = input::read_text(path)?;
    serde_json::from_str(&text).map_err(|e| {
        BadInput(format!(
            "error: {}:{}:{}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// Draws a round: `round` names it in what is printed.
pub fn run_draw(path: &Path, round: &str) -> anyhow::Result<ExitCode> {
    let inputs: Inputs = read(path)?;
    let outcome =
        draw::draw(&inputs).map_err(|e| BadInput(format!("error: {}: {e}", path.display())))?;
    let published = Published {
        round: round.to_string(),
        inputs,
        outcome,
    };
    output::text(&(serde_json::to_string_pretty(&published)? + "\n"))?;
    Ok(ExitCode::SUCCESS)
}

pub fn verify(path: &Path) -> anyhow::Result<ExitCode> {
    let published: Published = read(path)?;
    let differ = draw::verify(&published.inputs, &published.outcome)
        .map_err(|e| BadInput(format!("error: {}: {e}", path.display())))?;
    let o = &published.outcome;
    if differ.is_empty() {
        output::text(&format!(
            "{}: the draw matches ({})\n  list_hash   {}\n  seed        {}\n  result_hash {}\n  {} housed, {} on reserve lists\n",
            published.round,
            published.inputs.algorithm,
            o.list_hash,
            o.seed,
            o.result_hash,
            o.housed.len(),
            o.reserve.values().map(Vec::len).sum::<usize>()
        ))?;
        Ok(ExitCode::SUCCESS)
    } else {
        output::text(&format!(
            "{}: the draw does NOT match: {} differ from what the published inputs give\n",
            published.round,
            differ.join(", ")
        ))?;
        Ok(ExitCode::from(1))
    }
}
