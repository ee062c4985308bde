//! `ucz evaluate --zone Z --year Y`: a zone's scorecard of a year from the platform's database —
//! every indicator of the catalog (docs/evaluation.md) as text or JSON.

use ucz_core::Catalog;
use ucz_core::Lang;
use ucz_service::Services;

use crate::input::BadInput;
use crate::output;
use crate::serve_cmd::{Settings, existing_database, open, runtime};

pub fn run(
    catalog: Catalog,
    settings: Settings,
    zone: &str,
    year: i32,
    json: bool,
    lang: Lang,
) -> anyhow::Result<()> {
    if !(1990..=2100).contains(&year) {
        return Err(BadInput(format!("error: --year {year}: a year from 1990 to 2100")).into());
    }
    // An evaluation reads a database; it does not create an empty one by mistake.
    existing_database(&settings)?;
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        let services = Services::new(store, catalog);
        let card = ucz_service::evaluation::scorecard(&services, zone, year)
            .await
            .map_err(|e| BadInput(format!("error: {}", e.detail.render(lang))))?;
        if json {
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
    let mut out = format!("{title}\n\n");
    for l in &card.lines {
        let name = match lang {
            Lang::Ko => &l.name_ko,
            Lang::En => &l.name_en,
        };
        out.push_str(&format!(
            "  {:<32} {:>20} {}\n",
            name,
            number(l.value),
            if l.value.is_some() {
                l.unit.as_str()
            } else {
                ""
            }
        ));
    }
    out
}
