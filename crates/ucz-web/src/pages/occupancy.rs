//! The occupancy page of a zone's keeper (`/bookings/occupancy`): rooms by facility and month,
//! shared resources by hour of the week, leases ending with their outlook; each chart with its
//! data table. The figures are `ucz_service::occupancy::dashboard`'s.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Visitor;
use crate::AppState;
/// `/bookings/occupancy`: the keeper's dashboard, charts with their data tables.
/// Which zone (the operator's own when left out).
#[derive(Debug, Default, serde::Deserialize)]
pub struct ZoneQuery {
    pub zone: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    axum::extract::Query(q): axum::extract::Query<ZoneQuery>,
) -> Response {
    let result = async {
        let zone = q.zone.as_deref().filter(|z| !z.is_empty());
        let d = ucz_service::occupancy::dashboard(&state, &visitor.caller, zone).await?;
        let lang = visitor.lang;
        let days: Vec<String> = (1..=7)
            .map(|i| state.pages.word(lang, &format!("bk_wd_{i}")))
            .collect();
        let heats: Vec<Value> = d
            .resources
            .iter()
            .map(|h| {
                json!({"h": h, "svg": super::charts::heat(&h.name, &days, &h.booked, &h.open)})
            })
            .collect();
        // The latest month's occupancy by facility, as bars of whole percents.
        let latest = d.months.last().map(|m| m.month.clone()).unwrap_or_default();
        let bars: Vec<(String, i64)> = d
            .months
            .iter()
            .filter(|m| m.month == latest)
            .map(|m| (m.place.clone(), (m.rate * 100.0).round() as i64))
            .collect();
        let chart = super::charts::bars(
            &format!("{} {latest} (%)", state.pages.word(lang, "oc_rate")),
            &bars,
        );
        let mut places: Vec<String> = d.months.iter().map(|m| m.place.clone()).collect();
        places.sort();
        places.dedup();
        let months: Vec<String> = {
            let mut m: Vec<String> = d.months.iter().map(|m| m.month.clone()).collect();
            m.dedup();
            m
        };
        let table: Vec<Value> = places
            .iter()
            .map(|p| {
                json!({"place": p, "rates": months.iter().map(|m| d.months.iter().find(|x| &x.place == p && &x.month == m).map(|x| x.rate)).collect::<Vec<_>>()})
            })
            .collect();
        visitor.page(
            &state,
            StatusCode::OK,
            "occupancy.html",
            json!({"d": d, "heats": heats, "chart": chart, "table": table, "months": months, "days": days}),
        )
    }
    .await;
    visitor.respond(&state, result)
}
