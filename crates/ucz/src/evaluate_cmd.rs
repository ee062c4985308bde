//! `ucz evaluate --zone Z --year Y`: a zone's evaluation of a year from the platform's database —
//! the scorecard (every indicator of the catalog, docs/evaluation.md) as text or JSON, or the
//! whole report as an Excel workbook; now or as of a past moment (`--as-of`).

use std::path::PathBuf;

use ucz_core::Catalog;
use ucz_core::Lang;
use ucz_service::Services;

use crate::EvaluateFormat;
use crate::input::BadInput;
use crate::output;
use crate::serve_cmd::{Settings, existing_database, open, runtime};

/// What was asked on the command line.
pub struct Asked {
    pub zone: String,
    pub year: i32,
    pub format: EvaluateFormat,
    pub as_of: Option<String>,
    pub out: Option<PathBuf>,
    pub lang: Lang,
}

pub fn run(catalog: Catalog, settings: Settings, asked: Asked) -> anyhow::Result<()> {
    let Asked {
        zone,
        year,
        format,
        as_of,
        out,
        lang,
    } = asked;
    if !(1990..=2100).contains(&year) {
        return Err(BadInput(format!("error: --year {year}: a year from 1990 to 2100")).into());
    }
    // An evaluation reads a database; it does not create an empty one by mistake.
    existing_database(&settings)?;
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        let services = Services::new(store, catalog);
        let refused = |e: ucz_service::Error| {
            let field = e
                .errors
                .first()
                .map(|f| format!("--{}: ", f.field.replace('_', "-")))
                .unwrap_or_default();
            let detail = e
                .errors
                .first()
                .map(|f| f.message.render(lang))
                .unwrap_or_else(|| e.detail.render(lang));
            BadInput(format!("error: {field}{detail}"))
        };
        let as_of = ucz_service::evaluation::as_of(&services, as_of.as_deref()).map_err(refused)?;
        if format == EvaluateFormat::Xlsx {
            let report =
                ucz_service::evaluation::report::report(&services, &zone, year, as_of.as_deref())
                    .await
                    .map_err(refused)?;
            let bytes = ucz_web::report_workbook(&report).map_err(anyhow::Error::msg)?;
            let path =
                out.unwrap_or_else(|| PathBuf::from(format!("ucz-evaluation-{zone}-{year}.xlsx")));
            std::fs::write(&path, bytes)
                .map_err(|e| BadInput(format!("error: {}: {e}", path.display())))?;
            return output::text(&format!("{}\n", path.display()));
        }
        let card = ucz_service::evaluation::scorecard(&services, &zone, year, as_of.as_deref())
            .await
            .map_err(refused)?;
        if format == EvaluateFormat::Json {
            return output::json(&card);
        }
        output::text(&render(&card, lang))
    })
}

fn number(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => ucz_core::report::thousands(v),
        Some(v) => format!("{v:.1}"),
    }
}

fn render(card: &ucz_service::evaluation::Scorecard, lang: Lang) -> String {
    let title = match lang {
        Lang::Ko => format!("{} {}년 성과평가 지표", card.zone, card.year),
        Lang::En => format!("{} {}: evaluation indicators", card.zone, card.year),
    };
    let mut out = format!("{title}\n");
    if let Some(at) = &card.as_of {
        out.push_str(&match lang {
            Lang::Ko => format!("기준 시점 {at}\n"),
            Lang::En => format!("as of {at}\n"),
        });
    }
    out.push('\n');
    let (target, achieved) = match lang {
        Lang::Ko => ("목표", "달성"),
        Lang::En => ("target", "achieved"),
    };
    for l in &card.lines {
        let name = match lang {
            Lang::Ko => &l.name_ko,
            Lang::En => &l.name_en,
        };
        let unit = if l.value.is_some() {
            l.unit.as_str()
        } else {
            ""
        };
        out.push_str(&format!("  {:<32} {:>20} {unit}", name, number(l.value)));
        if let Some(t) = l.target {
            out.push_str(&format!("  ({target} {}", number(Some(t))));
            if let Some(a) = l.achievement {
                out.push_str(&format!(", {achieved} {a:.1}%"));
            }
            out.push(')');
        }
        out.push('\n');
    }
    out
}
