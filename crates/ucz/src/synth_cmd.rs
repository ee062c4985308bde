//! `ucz synth firms`: a synthetic firm population with the shape of Korea's (`ucz_core::synth`).

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use ucz_core::date::Date;

use crate::firms_csv;
use crate::match_cmd::write_output;

pub fn firms(count: usize, seed: u64, as_of: Date, out: &Path) -> anyhow::Result<()> {
    crate::match_cmd::check_output(Path::new(""), out)?;
    let started = Instant::now();
    let firms = ucz_core::synth::firms(count, seed, as_of);
    let parquet = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if parquet && !cfg!(feature = "parquet") {
        return Err(crate::input::BadInput(format!(
            "error: --out {}: this ucz was built without the `parquet` feature; write CSV",
            out.display()
        ))
        .into());
    }
    write_output(out, |w| {
        if parquet {
            #[cfg(feature = "parquet")]
            return crate::tables::write_firms(w, &firms);
        }
        firms_csv::write(w, &firms)
    })
    .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "synthetic firms: {count} (seed {seed}, as of {as_of}) in {:.2} s → {}",
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
