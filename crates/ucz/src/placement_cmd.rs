//! `ucz placement plan`: the graduation forecast and optimal Post-BI placement plan of a 시·도 or
//! a 광역경제권, from the platform's database.

use ucz_core::Catalog;
use ucz_core::Lang;
use ucz_core::date::Date;
use ucz_core::placement::Plan;
use ucz_service::Services;

use crate::input::BadInput;
use crate::output;
use crate::serve_cmd::{Settings, existing_database, open, runtime};

pub fn plan(
    catalog: Catalog,
    settings: Settings,
    region: &str,
    as_of: Date,
    horizon: u32,
    json: bool,
    lang: Lang,
) -> anyhow::Result<()> {
    let Some(scope) = catalog.placement_scope(region) else {
        let known: Vec<String> = catalog
            .regions
            .iter()
            .map(|r| r.id.to_string())
            .chain(catalog.economic_regions.iter().map(|e| e.id.to_string()))
            .collect();
        return Err(BadInput(format!(
            "error: unknown region \"{region}\"; expected a 시·도 or 광역경제권: {}",
            known.join(", ")
        ))
        .into());
    };
    if !(1..=60).contains(&horizon) {
        return Err(BadInput("error: --horizon must be 1 to 60 months".into()).into());
    }
    // Planning reads a database; it does not create an empty one by mistake.
    existing_database(&settings)?;
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        let services = Services::new(store, catalog);
        let ucz_service::ladder::Planned {
            forecast,
            plan,
            records,
            version,
        } = ucz_service::ladder::plan_region(&services, &scope, as_of, horizon)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
        if json {
            return output::json(&serde_json::json!({
                "region": region, "regions": scope.regions, "version": version, "as_of": forecast.as_of,
                "until": forecast.until, "months": forecast.months,
                "graduates": forecast.graduates.len(), "vacancies": forecast.vacancies.len(),
                "proposals": plan.proposals, "unplaced": plan.unplaced,
            }));
        }
        output::text(&render(&services.catalog, &forecast, &plan, &records, lang))
    })
}

fn render(
    catalog: &Catalog,
    forecast: &ucz_core::placement::ladder::Forecast,
    plan: &Plan,
    records: &ucz_service::ladder::Region,
    lang: Lang,
) -> String {
    let t = |ko: &str, en: &str| lang.pick(ko, en).to_string();
    let area = |id: &str| catalog.area_name(id, lang);
    let firm = |id: &str| {
        records
            .firms
            .get(id)
            .map(|f| f.name.as_str())
            .filter(|n| !n.is_empty())
            .map_or_else(|| id.to_string(), |name| format!("{name} ({id})"))
    };
    let scope = match catalog.economic_region(&forecast.region) {
        Some(e) => format!(
            "{}: {}",
            t("광역경제권", "economic region"),
            e.members
                .iter()
                .map(|m| area(m))
                .collect::<Vec<_>>()
                .join(" · ")
        ),
        None => t("시·도 안에서만 배치", "placed within the province only"),
    };
    let mut out = format!(
        "{} — {} ({scope}), {} ~ {}\n{}: {} · {}: {} · {}: {} · {}: {}\n\n",
        t("Post-BI 배치 계획", "Post-BI placement plan"),
        area(&forecast.region),
        forecast.as_of,
        forecast.until,
        t("졸업 예정", "graduates"),
        forecast.graduates.len(),
        t("확장공간", "spaces"),
        forecast.vacancies.len(),
        t("배치", "placed"),
        plan.proposals.len(),
        t("미배치", "unplaced"),
        plan.unplaced.len(),
    );
    out.push_str(&t("월별 졸업 / 공급\n", "By month: graduating / freeing\n"));
    for m in &forecast.months {
        out.push_str(&format!(
            "  {}  {:>3} / {:>3}\n",
            m.month, m.graduating, m.freeing
        ));
    }
    out.push_str(&t("\n제안\n", "\nProposals\n"));
    let from: std::collections::HashMap<&str, &str> = forecast
        .graduates
        .iter()
        .map(|g| (g.firm.as_str(), g.region.as_str()))
        .collect();
    for p in &plan.proposals {
        let hub = records.hub_names.get(&p.hub).unwrap_or(&p.hub);
        let space = p
            .space
            .parse::<i64>()
            .ok()
            .and_then(|id| records.room_names.get(&id))
            .unwrap_or(&p.space);
        let reasons = if lang == Lang::Ko {
            &p.reasons_ko
        } else {
            &p.reasons_en
        };
        let moves = match from.get(p.firm.as_str()) {
            Some(home) if *home != p.region => format!(" [{} → {}]", area(home), area(&p.region)),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {} → {hub} {space}{moves}: {}\n",
            firm(&p.firm),
            reasons.join("; ")
        ));
    }
    out.push_str(&t("\n미배치\n", "\nUnplaced\n"));
    for u in &plan.unplaced {
        out.push_str(&format!(
            "  {}: {}\n",
            firm(&u.firm),
            Plan::reason_named(u, catalog, lang)
        ));
    }
    out
}
