//! `ucz site score`: the Daejeon sample's ranked sites as a table and JSON, its GeoTIFF, GeoJSON
//! and tiles written, and bad files, layers and weights told by file, line and field (exit 2).

use serde_json::Value;

use crate::{root, stderr, stdout, ucz};

const SAMPLE: &str = "examples/site/daejeon.toml";

#[test]
fn the_sample_ranks_ten_sites_and_writes_its_files() {
    let out = ucz(&["site", "score", SAMPLE, "--lang", "en"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("rank   score"), "{text}");
    assert!(text.contains("\n  10 "), "ten sites: {text}");
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let out = ucz(&[
        "site", "score", SAMPLE, "--weight", "youth=5", "--format", "json", "--out", out_dir,
        "--tiles", "10",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let sites = json["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 10);
    assert!(
        sites
            .windows(2)
            .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64())
    );
    let tif = std::fs::read(dir.path().join("score.tif")).unwrap();
    assert_eq!(&tif[..4], b"II*\0");
    let wgs84: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sites.geojson")).unwrap()).unwrap();
    let utmk: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sites-5179.geojson")).unwrap())
            .unwrap();
    assert!(wgs84.get("crs").is_none(), "RFC 7946 has no crs member");
    assert_eq!(
        utmk["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::5179"
    );
    let lon = wgs84["features"][0]["geometry"]["coordinates"][0]
        .as_f64()
        .unwrap();
    let x = utmk["features"][0]["geometry"]["coordinates"][0]
        .as_f64()
        .unwrap();
    assert!(
        (127.2..127.6).contains(&lon) && (950_000.0..1_020_000.0).contains(&x),
        "{lon} {x}"
    );
    let tiles = std::fs::read_dir(dir.path().join("tiles/10"))
        .unwrap()
        .count();
    assert!(tiles >= 1, "tiles of zoom 10");
}

/// The command exits 2 and says `told` on standard error.
fn refused(args: &[&str], told: &str) {
    let out = ucz(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(stderr(&out).contains(told), "{}", stderr(&out));
}

#[test]
fn bad_files_layers_and_weights_are_told_where() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(root().join(SAMPLE)).unwrap();
    let copy = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    // The layers are read beside the file.
    let layers = root().join("examples/site/daejeon");
    std::fs::create_dir_all(dir.path().join("daejeon")).unwrap();
    for entry in std::fs::read_dir(&layers).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("daejeon").join(entry.file_name()),
        )
        .unwrap();
    }
    let bad = copy(
        "weight.toml",
        &sample.replacen("weight = 3", "weight = \"high\"", 1),
    );
    let line = sample.lines().position(|l| l == "weight = 3").unwrap() + 1;
    refused(
        &["site", "score", &bad],
        &format!("weight.toml:{line}: criterion[1].weight:"),
    );
    let region = copy(
        "region.toml",
        &sample.replacen("region = \"daejeon\"", "region = \"atlantis\"", 1),
    );
    refused(
        &["site", "score", &region],
        "grid.region: unknown region `atlantis`",
    );
    std::fs::write(
        dir.path().join("daejeon/stations.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["x",36.3]}}]}"#,
    )
    .unwrap();
    let good = copy("good.toml", &sample);
    refused(
        &["site", "score", &good],
        "layer daejeon/stations.geojson: feature 0: geometry.coordinates",
    );
    refused(
        &["site", "score", SAMPLE, "--weight", "metro=2"],
        "--weight metro: no criterion `metro`",
    );
    refused(
        &["site", "score", SAMPLE, "--weight", "youth=x"],
        "--weight youth=x: `x` is not a number",
    );
}
