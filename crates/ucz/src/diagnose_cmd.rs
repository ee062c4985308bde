//! `ucz diagnose ZONE.toml`.

use std::path::Path;

use ucz_core::report::{self, Style};
use ucz_core::{Catalog, Lang, SourceFile, Zone, diagnose};

use crate::ReportFormat;
use crate::input::{self, BadInput};
use crate::output;

pub fn run(catalog: &Catalog, path: &Path, format: ReportFormat, lang: Lang) -> anyhow::Result<()> {
    let text = input::read_text(path)?;
    let name = input::name(path);
    let zone = Zone::parse(SourceFile::new(&name, &text), catalog).map_err(BadInput::from)?;
    let diagnosis = diagnose(catalog, &zone);
    match format {
        ReportFormat::Json => output::json(&diagnosis),
        ReportFormat::Text => output::text(&report::render(&diagnosis, catalog, lang, Style::Text)),
        ReportFormat::Md => {
            output::text(&report::render(&diagnosis, catalog, lang, Style::Markdown))
        }
    }
}
