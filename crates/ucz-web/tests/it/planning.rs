//! Planning through the API: site suitability scored with a planner's weights, the kept
//! surface's tiles, GeoTIFF and sites; refusals that name the line, field or layer; the hub
//! network of Daejeon with its links and gaps, by road and over a GTFS feed.

use std::io::Write;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::TestApp;

/// A GET as a role, the raw bytes and content type.
async fn raw(app: &TestApp, role: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(format!("token-{role}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub async fn planners_score_sites(app: TestApp) {
    let score = |role: &'static str, body: Value| {
        let app = &app;
        async move {
            app.call(role, Method::POST, "/site/score", Some(&body))
                .await
        }
    };
    assert_eq!(
        score("anonymous", json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(score("firm", json!({})).await.0, StatusCode::FORBIDDEN);
    let (status, sample) = score("coordinator", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{sample}");
    let sites = sample["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 10);
    let cells = sample["scored_cells"].as_u64().unwrap();
    assert!(
        (40_000..70_000).contains(&cells),
        "Daejeon at 100 m: {cells}"
    );
    for s in sites {
        let parts: f64 = s["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["contribution"].as_f64().unwrap())
            .sum();
        assert!((parts - s["score"].as_f64().unwrap()).abs() < 1e-3, "{s}");
    }
    // Another balance moves the best site; the same request again is the same surface.
    let (_, young) = score("operator", json!({"weights": {"youth": 40, "station": 0}})).await;
    assert_ne!(
        young["sites"][0]["x_5179"], sample["sites"][0]["x_5179"],
        "{young}"
    );
    let (_, again) = score("coordinator", json!({})).await;
    assert_eq!(again["key"], sample["key"]);

    let key = sample["key"].as_str().unwrap();
    let (status, kind, png) = raw(
        &app,
        "coordinator",
        &format!("/site/{key}/tiles/11/1748/801.png"),
    )
    .await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
    assert_eq!(&png[1..4], b"PNG");
    let (status, _, tif) = raw(&app, "coordinator", &format!("/site/{key}/score.tif")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&tif[..4], b"II*\0");
    let (status, _, geo) = raw(
        &app,
        "coordinator",
        &format!("/site/{key}/sites.geojson?crs=EPSG:5179"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let geo: Value = serde_json::from_slice(&geo).unwrap();
    assert_eq!(
        geo["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::5179"
    );
    assert_eq!(geo["features"].as_array().unwrap().len(), 10);
    assert!(geo["features"][0]["properties"]["station_part"].is_number());
    assert_eq!(
        raw(
            &app,
            "coordinator",
            &format!("/site/{key}/sites.geojson?crs=EPSG:2097")
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        raw(&app, "firm", &format!("/site/{key}/score.tif")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        raw(&app, "coordinator", "/site/0000/score.tif").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        raw(
            &app,
            "coordinator",
            &format!("/site/{key}/tiles/3/99/1.png")
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Refusals name what is wrong and where.
    let (status, problem) = score("coordinator", json!({"weights": {"station": "high"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (status, problem) = score("coordinator", json!({"weights": {"metro": 1}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["weights.metro"], "{problem}");
    let file = "[grid]\nregion = \"atlantis\"\n\n[[criterion]]\nid = \"station\"\nmeasure = \"distance\"\nweight = 1.5\ncurve = [[0, 1.0], [0, 0.5]]\nlayer = \"s.geojson\"\n";
    let (status, problem) = score("coordinator", json!({"file": file})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&problem),
        vec!["file:2 grid.region", "file:8 criterion[1].curve"],
        "{problem}"
    );
    // A small file of one's own: a bbox around Daejeon station, points in EPSG:5186.
    let file = "[grid]\nbbox = [127.40, 36.31, 127.46, 36.35]\ncell_m = 50\n\n[candidates]\ncount = 3\nspacing_m = 500\n\n[[criterion]]\nid = \"station\"\nmeasure = \"distance\"\nweight = 1\ncurve = [[0, 1.0], [2000, 0.0]]\nlayer = \"s.csv\"\ncrs = \"EPSG:5186\"\n";
    // Daejeon station (127.4343 E, 36.3323 N) in EPSG:5186, by cs2cs.
    let csv = "name,x,y\n대전역,238993.3,415004.9\n";
    let (status, own) = score(
        "coordinator",
        json!({"file": file, "layers": {"s.csv": csv}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let best = &own["sites"][0];
    assert!(
        (best["lon"].as_f64().unwrap() - 127.4343).abs() < 0.002
            && (best["lat"].as_f64().unwrap() - 36.3323).abs() < 0.002,
        "{best}"
    );
    let unknown = json!({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:2097"}}, "features": []});
    let file5179 = file
        .replace("s.csv", "s.geojson")
        .replace("crs = \"EPSG:5186\"\n", "");
    let (status, problem) = score(
        "coordinator",
        json!({"file": file5179, "layers": {"s.geojson": unknown}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem), vec!["layers.s.geojson"], "{problem}");
    assert!(problem.to_string().contains("EPSG:2097"), "{problem}");
    let (status, problem) = score("coordinator", json!({"file": file5179})).await;
    assert_eq!(
        (status, fields(&problem)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["layers.s.geojson".to_string()]
        )
    );
}

/// A GTFS feed of one line from the technopark's incubator to the knowledge-industry center.
fn feed(bad: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("stops.txt", options).unwrap();
    zip.write_all("stop_id,stop_name,stop_lat,stop_lon\nA,테크노파크,36.4265,127.3912\nB,문평동,36.4338,127.4203\n".as_bytes()).unwrap();
    zip.start_file("stop_times.txt", options).unwrap();
    let second = if bad { "C" } else { "B" };
    zip.write_all(format!("trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,A,1\nT1,08:07:00,08:07:00,{second},2\n").as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

pub async fn the_hub_network_of_a_region(app: TestApp) {
    let state = ucz_web::AppState::new(
        app.store.clone(),
        ucz_core::Catalog::bundled().unwrap(),
        false,
    );
    let today = app.clock.today();
    assert!(ucz_web::demo::load_ladder(&state, today).await.unwrap() > 0);
    assert_eq!(
        ucz_service::demo::load_network(&state, today)
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        ucz_service::demo::load_network(&state, today)
            .await
            .unwrap(),
        0,
        "once"
    );

    assert_eq!(
        app.call("firm", Method::GET, "/network/daejeon", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("other_operator", Method::GET, "/network/daejeon", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .call("coordinator", Method::GET, "/network/atlantis", None)
        .await;
    assert!(
        status.is_client_error() && status != StatusCode::FORBIDDEN,
        "{status}"
    );
    let (status, net) = app
        .call("operator", Method::GET, "/network/daejeon", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{net}");
    let ids: Vec<&str> = net["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for id in [
        "daejeon",
        "daejeon-hannam-cip",
        "daejeon-tp-bi",
        "daejeon-daedeok-kic",
        "daejeon-growth-center",
    ] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    let links: Vec<(String, String, String, u64)> = net["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["from"].as_str().unwrap().into(),
                l["to"].as_str().unwrap().into(),
                l["kind"].as_str().unwrap().into(),
                l["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        links.contains(&(
            "daejeon-tp-bi".into(),
            "daejeon-daedeok-kic".into(),
            "post_bi_move".into(),
            2
        )),
        "{links:?}"
    );
    assert!(
        links.contains(&(
            "daejeon-tp-bi".into(),
            "daejeon".into(),
            "post_bi_move".into(),
            1
        )),
        "{links:?}"
    );
    let kic = net["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "daejeon-daedeok-kic")
        .unwrap();
    assert_eq!(kic["functions"], json!(["enterprise_support"]));
    assert_eq!(kic["spaces"][0]["count"], 2);
    // No hub of the demo's Daejeon serves the living function: each lacks it, with none in reach.
    let gaps = net["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["hub"] == "daejeon" && g["function"] == "living" && g["nearest"].is_null()),
        "{gaps:?}"
    );
    let legs = net["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 10, "five hubs with sites, ten pairs");
    assert!(legs.iter().all(|l| l["by"] == "road"));

    // A hub's name cannot end the page's map data.
    let hub = json!({"id": "daejeon-xss", "name": "</script><script>alert(1)</script>", "kind": "business_incubator",
        "region": "daejeon", "site": {"lat": 36.35, "lon": 127.39}});
    assert_eq!(
        app.call("coordinator", Method::POST, "/hubs", Some(&hub))
            .await
            .0,
        StatusCode::CREATED
    );
    let browser = crate::pages::Browser::new(&app, Some("coordinator")).await;
    let (status, _, page) = browser.get("/planning/network?region=daejeon").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>alert(1)"), "the name is escaped");
    assert!(
        page.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"),
        "and kept in the map data"
    );
    assert_eq!(
        app.call("coordinator", Method::DELETE, "/hubs/daejeon-xss", None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );

    // Over a feed: the technopark–center leg by transit (walk, 5 minutes' wait, 7 minutes' ride).
    let response = app
        .client
        .post(format!("{}/network/daejeon/gtfs", app.base))
        .bearer_auth("token-coordinator")
        .header("content-type", "application/zip")
        .body(feed(false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let net: Value = response.json().await.unwrap();
    let leg = net["legs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["from"] == "daejeon-daedeok-kic" && l["to"] == "daejeon-tp-bi")
        .unwrap();
    assert_eq!(leg["by"], "transit", "{leg}");
    let minutes = leg["minutes"].as_f64().unwrap();
    assert!((12.0..16.0).contains(&minutes), "{leg}");
    let response = app
        .client
        .post(format!("{}/network/daejeon/gtfs", app.base))
        .bearer_auth("token-coordinator")
        .header("content-type", "application/zip")
        .body(feed(true))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        fields(&problem),
        vec!["stop_times.txt:3:stop_id"],
        "{problem}"
    );
    let response = app
        .client
        .post(format!("{}/network/daejeon/gtfs", app.base))
        .bearer_auth("token-coordinator")
        .header("content-type", "application/zip")
        .body("not a zip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

pub async fn planners_simulate_the_pipeline(app: TestApp) {
    let simulate = |role: &'static str, body: Value| {
        let app = &app;
        async move {
            app.call(role, Method::POST, "/pipeline/simulate", Some(&body))
                .await
        }
    };
    assert_eq!(
        simulate("anonymous", json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(simulate("firm", json!({})).await.0, StatusCode::FORBIDDEN);
    let (status, result) = simulate("operator", json!({"runs": 40})).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["runs"], 40);
    let variants = result["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3, "the base and two variants");
    assert_eq!(variants[0]["id"], "base");
    let last = |v: &Value, region: &str| -> Value {
        v["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["region"] == region)
            .unwrap()["years"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone()
    };
    for v in &variants[1..] {
        let year = last(v, "daejeon");
        assert_eq!(
            year["versus_base"]["retention_lower_runs"], 0,
            "more space never lowers retention: {year}"
        );
        assert!(
            year["retention"]["mean"].as_f64().unwrap()
                > last(&variants[0], "daejeon")["retention"]["mean"]
                    .as_f64()
                    .unwrap()
        );
        // Busan is not changed by the variants: the same firms, the same fates.
        assert_eq!(
            last(v, "busan")["retention"],
            last(&variants[0], "busan")["retention"]
        );
    }
    // The same seed, the same result.
    let (_, again) = simulate("coordinator", json!({"runs": 40})).await;
    assert_eq!(again["variants"], result["variants"]);
    let (_, other) = simulate("coordinator", json!({"runs": 40, "seed": 7})).await;
    assert_ne!(other["variants"], result["variants"]);
    // Calibrated from the demo's records: too few leases back a figure, so nothing changes.
    let (status, calibrated) =
        simulate("coordinator", json!({"runs": 10, "calibrate": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(calibrated["calibrated"].is_array());

    let response = app
        .client
        .post(format!("{}/pipeline/simulate?format=csv", app.base))
        .bearer_auth("token-coordinator")
        .json(&json!({"runs": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    assert!(
        csv.starts_with("variant,region,year,measure,mean,p5,p50,p95\n"),
        "{csv}"
    );
    assert!(csv.contains("\nbase,daejeon,2026,born,"), "{}", &csv[..200]);

    let response = app
        .client
        .post(format!("{}/pipeline/simulate?format=xml", app.base))
        .bearer_auth("token-coordinator")
        .json(&json!({"runs": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(fields(&problem), vec!["format"]);
    let (status, problem) = simulate("coordinator", json!({"runs": 0})).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["runs".to_string()])
    );
    let bad = ucz_service::pipeline::SAMPLE.replacen(
        "survival_incubation = { value = 0.92",
        "survival_incubation = { value = 1.5",
        1,
    );
    let line = bad.lines().position(|l| l.contains("value = 1.5")).unwrap() + 1;
    let (status, problem) = simulate("coordinator", json!({"scenario": bad})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let field = fields(&problem).join(" ");
    assert!(
        field.starts_with(&format!("scenario:{line}:")) && field.contains("survival_incubation"),
        "{problem}"
    );
    let unknown = ucz_service::pipeline::SAMPLE.replacen("id = \"busan\"", "id = \"atlantis\"", 1);
    let (status, problem) = simulate("coordinator", json!({"scenario": unknown})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        fields(&problem).join(" ").contains("region[0].id"),
        "{problem}"
    );
}
