//! A zone's performance evaluation through the API: every indicator of the catalog, a new firm
//! of the zone counted in its jobs, bad years and unknown zones refused.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{TestApp, firm_body};

fn measure(card: &Value, name: &str) -> f64 {
    card["measures"][name].as_f64().unwrap_or(f64::NAN)
}

pub async fn zones_are_evaluated(app: TestApp) {
    let path = "/zones/daejeon/evaluation?year=2026";
    let (status, card) = app.call("anonymous", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let catalog = ucz_core::Catalog::bundled().unwrap();
    assert_eq!(
        card["lines"].as_array().unwrap().len(),
        catalog.indicators.len()
    );
    let principles = card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["indicator"] == "principles_met")
        .unwrap();
    assert!(principles["value"].as_f64().is_some(), "{card}");
    let (firms, jobs) = (measure(&card, "firms"), measure(&card, "jobs"));
    assert!(firms > 0.0 && jobs > 0.0, "{card}");

    // A firm of the zone founded in 2024 with four employees adds one firm and four jobs.
    let (status, _) = app
        .call(
            "admin",
            Method::POST,
            "/firms",
            Some(&firm_body("EVAL-NEW", "daejeon")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, after) = app.call("anonymous", Method::GET, path, None).await;
    assert_eq!(measure(&after, "firms"), firms + 1.0);
    assert_eq!(measure(&after, "jobs"), jobs + 4.0);

    for (path, expected) in [
        (
            "/zones/daejeon/evaluation?year=12026",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/zones/atlantis/evaluation?year=2026",
            StatusCode::NOT_FOUND,
        ),
        (
            "/zones/daejeon/evaluation",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, body) = app.call("anonymous", Method::GET, path, None).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
}
