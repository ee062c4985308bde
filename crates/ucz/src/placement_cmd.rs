//! `ucz placement plan`: a region's graduation forecast and optimal Post-BI placement plan, from
//! the platform's database.

use ucz_core::Catalog;
use ucz_core::Lang;
use ucz_core::date::Date;
use ucz_core::placement::Plan;
use ucz_service::Services;

use crate::input::BadInput;
use crate::output;
use crate::serve_cmd::{Settings, open, runtime};

pub fn plan(
    catalog: Catalog,
    settings: Settings,
    region: &str,
    as_of: Date,
    horizon: u32,
    json: bool,
    lang: Lang,
) -> anyhow::Result<()> {
    if !catalog.regions.iter().any(|r| r.id.as_str() == region) {
        let known: Vec<String> = catalog.regions.iter().map(|r| r.id.to_string()).collect();
        return Err(BadInput(format!(
            "error: unknown region \"{region}\"; expected one of: {}",
            known.join(", ")
        ))
        .into());
    }
    if !(1..=60).contains(&horizon) {
        return Err(BadInput("error: --horizon must be 1 to 60 months".into()).into());
    }
    // Planning reads a database; it does not create an empty one by mistake.
    if let Some(path) = settings.database_url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(file).exists() {
            return Err(BadInput(format!(
                "error: no database at {file} (start `ucz serve` once, or give --database-url)"
            ))
            .into());
        }
    }
    let region_name = catalog
        .regions
        .iter()
        .find(|r| r.id.as_str() == region)
        .map(|r| lang.pick(&r.name_ko, &r.name_en).to_string())
        .unwrap_or_else(|| region.to_string());
    runtime()?.block_on(async {
        let store = open(&settings).await?;
        let services = Services::new(store, catalog);
        let (forecast, plan, records) =
            ucz_service::ladder::plan_region(&services, region, as_of, horizon)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
        if json {
            return output::json(&serde_json::json!({
                "region": region, "as_of": forecast.as_of, "until": forecast.until,
                "months": forecast.months, "graduates": forecast.graduates.len(),
                "vacancies": forecast.vacancies.len(), "proposals": plan.proposals,
                "unplaced": plan.unplaced,
            }));
        }
        output::text(&render(
            &region_name,
            &forecast,
            &plan,
            &records.hub_names,
            lang,
        ))
    })
}

fn render(
    region: &str,
    forecast: &ucz_core::placement::ladder::Forecast,
    plan: &Plan,
    hubs: &std::collections::HashMap<String, String>,
    lang: Lang,
) -> String {
    let t = |ko: &str, en: &str| lang.pick(ko, en).to_string();
    let mut out = format!(
        "{} — {region}, {} ~ {}\n{}: {} · {}: {} · {}: {} · {}: {}\n\n",
        t("Post-BI 배치 계획", "Post-BI placement plan"),
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
    for p in &plan.proposals {
        let hub = hubs.get(&p.hub).cloned().unwrap_or_else(|| p.hub.clone());
        let reasons = if lang == Lang::Ko {
            &p.reasons_ko
        } else {
            &p.reasons_en
        };
        out.push_str(&format!(
            "  {} → {} #{}: {}\n",
            p.firm,
            hub,
            p.space,
            reasons.join("; ")
        ));
    }
    out.push_str(&t("\n미배치\n", "\nUnplaced\n"));
    for u in &plan.unplaced {
        out.push_str(&format!("  {}: {}\n", u.firm, Plan::reason(u, lang)));
    }
    out
}
