//! One story of the store, on SQLite always and on PostgreSQL (the server at 127.0.0.1:5432,
//! database `test`, or `UCZ_TEST_POSTGRES`): records written with their audit rows, the chain
//! verified, and a tampered row detected.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use ucz_store::{FACILITIES, Filter, Store, ZONES};

/// A fresh PostgreSQL schema per test, so tests never see each other's rows.
pub async fn postgres() -> Store {
    let base = std::env::var("UCZ_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!(
        "t{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let admin = Store::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(admin.pool())
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    Store::connect(&format!(
        "{base}{separator}options=-csearch_path%3D{schema}"
    ))
    .await
    .unwrap()
}

async fn story(store: Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // applying twice is harmless

    let zone = store
        .create(
            "admin",
            &ZONES,
            &json!({"id": "daejeon", "body": {"name": "대전"}, "demo": false}),
        )
        .await
        .unwrap();
    assert_eq!(zone["body"]["name"], "대전");
    let duplicate = store
        .create(
            "admin",
            &ZONES,
            &json!({"id": "daejeon", "body": {}, "demo": false}),
        )
        .await;
    assert!(matches!(
        duplicate,
        Err(ucz_store::StoreError::Conflict { .. })
    ));

    let facility = store
        .create(
            "operator",
            &FACILITIES,
            &json!({"zone_id": "daejeon", "kind": "incubation_space", "name": "선화", "floor_area_m2": 1200.5, "units": 10, "planned": true}),
        )
        .await
        .unwrap();
    let id = facility["id"].as_i64().unwrap().to_string();
    assert_eq!(facility["planned"], true);
    let mut changed = facility.clone();
    changed["name"] = json!("선화 창업보육센터");
    let updated = store
        .update("operator", &FACILITIES, &id, &changed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated["name"], "선화 창업보육센터");
    assert!(
        store
            .update("operator", &FACILITIES, "999", &changed)
            .await
            .unwrap()
            .is_none()
    );

    let filter = Filter {
        equals: vec![("zone_id", "daejeon".into())],
        limit: 10,
        offset: 0,
    };
    let (items, total) = store.list(&FACILITIES, &filter).await.unwrap();
    assert_eq!((items.len(), total), (1, 1));

    // Deleting the zone deletes its facilities.
    assert!(store.delete("admin", &ZONES, "daejeon").await.unwrap());
    assert!(store.get(&FACILITIES, &id).await.unwrap().is_none());
    assert!(!store.delete("admin", &ZONES, "daejeon").await.unwrap());

    let audit = store.audit(100, 0).await.unwrap();
    let trail: Vec<(&str, &str)> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.entity.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("delete", "zone"),
            ("delete", "facility"),
            ("update", "facility"),
            ("create", "facility"),
            ("create", "zone")
        ],
        "the facility deleted with its zone has its own row"
    );
    assert_eq!(audit[2].before.as_ref().unwrap()["name"], "선화");
    let verified = store.verify_audit().await.unwrap();
    assert_eq!((verified.rows, verified.broken_at), (5, None));

    // An import writes all its records or none.
    let zone = |id: &str| json!({"id": id, "body": {"name": id}, "demo": false});
    let all_or_none = store
        .create_many("importer", &ZONES, &[zone("a"), zone("b"), zone("a")])
        .await;
    assert!(matches!(
        all_or_none,
        Err(ucz_store::StoreError::Conflict { .. })
    ));
    assert!(
        store.get(&ZONES, "a").await.unwrap().is_none(),
        "rolled back"
    );
    let created = store
        .create_many("importer", &ZONES, &[zone("a"), zone("b")])
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(
        store.audit(100, 0).await.unwrap().len(),
        7,
        "one audit row each"
    );
    // A rule across records is checked inside the write: refused, nothing written; accepted, written.
    let refused = store
        .write_checked(
            "admin",
            &ZONES,
            None,
            &zone("c"),
            &[("id", "a".into())],
            |rows| {
                if rows.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{} is in the way", rows[0]["id"]))
                }
            },
        )
        .await;
    assert!(
        matches!(refused, Err(ucz_store::StoreError::Rejected(ref why)) if why == "\"a\" is in the way"),
        "{refused:?}"
    );
    assert!(store.get(&ZONES, "c").await.unwrap().is_none());
    let accepted = store
        .write_checked(
            "admin",
            &ZONES,
            None,
            &zone("c"),
            &[("id", "nobody".into())],
            |rows| {
                if rows.is_empty() {
                    Ok(())
                } else {
                    Err("in the way".into())
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(accepted.unwrap()["id"], "c");
    for id in ["a", "b", "c"] {
        assert!(store.delete("admin", &ZONES, id).await.unwrap());
    }
    let verified = store.verify_audit().await.unwrap();
    assert_eq!((verified.rows, verified.broken_at), (11, None));

    sqlx::query("UPDATE audit SET actor = 'mallory' WHERE id = (SELECT MIN(id) FROM audit)")
        .execute(store.pool())
        .await
        .unwrap();
    let verified = store.verify_audit().await.unwrap();
    assert_eq!(verified.broken_at, Some(audit[4].id));
}

#[tokio::test]
async fn the_store_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("ucz.db").display()))
        .await
        .unwrap();
    story(store).await;
}

#[tokio::test]
async fn the_store_story_on_postgres() {
    story(postgres().await).await;
}

/// A database made before firm accounts held their firm's key: its firm account is bound to the
/// firm's key by the migration, and an account whose firm no longer exists is disabled.
async fn accounts_made_before_firm_keys(store: Store, backend: &str) {
    let earlier = tempfile::tempdir().unwrap();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "0004" {
            std::fs::copy(&path, earlier.path().join(name)).unwrap();
        }
    }
    sqlx::migrate::Migrator::new(earlier.path())
        .await
        .unwrap()
        .run(store.pool())
        .await
        .unwrap();
    for sql in [
        "INSERT INTO firms (id, zone, region, stage, body) VALUES ('F-1', '', 'daejeon', 'early', '{}')",
        "INSERT INTO users (username, password_hash, role, firm_id) VALUES ('kept', 'x', 'firm', 'F-1')",
        "INSERT INTO users (username, password_hash, role, firm_id) VALUES ('orphan', 'x', 'firm', 'F-GONE')",
        "INSERT INTO api_tokens (token_hash, user_id, name) VALUES ('abc', 1, 'old')",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(store.pool())
            .await
            .unwrap();
    }
    store.migrate().await.unwrap();
    let kept = store.user_by_name("kept").await.unwrap().unwrap();
    assert_eq!(
        (kept.firm_id.as_deref(), kept.disabled),
        (Some("F-1"), false)
    );
    let orphan = store.user_by_name("orphan").await.unwrap().unwrap();
    assert_eq!((orphan.firm_id, orphan.disabled), (None, true));
    // Old tokens get an expiry and still work until then.
    assert!(store.token_user("abc").await.unwrap().is_some());
    // A firm made later gets a key of its own, never an earlier one.
    store
        .create(
            "admin",
            &ucz_store::FIRMS,
            &json!({"id": "F-2", "zone": "", "region": "daejeon", "stage": "early", "body": {}, "demo": false}),
        )
        .await
        .unwrap();
    assert!(
        store
            .delete("admin", &ucz_store::FIRMS, "F-1")
            .await
            .unwrap()
    );
    store
        .create(
            "admin",
            &ucz_store::FIRMS,
            &json!({"id": "F-1", "zone": "", "region": "daejeon", "stage": "early", "body": {}, "demo": false}),
        )
        .await
        .unwrap();
    let kept = store.user_by_name("kept").await.unwrap().unwrap();
    assert_eq!(
        (kept.firm_id, kept.disabled),
        (None, true),
        "not revived by a new F-1"
    );
}

#[tokio::test]
async fn accounts_made_before_firm_keys_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("ucz.db").display()))
        .await
        .unwrap();
    accounts_made_before_firm_keys(store, "sqlite").await;
}

#[tokio::test]
async fn accounts_made_before_firm_keys_on_postgres() {
    accounts_made_before_firm_keys(postgres().await, "postgres").await;
}

/// A region's ladder records are read by region: another region's zones, hubs, spaces, leases
/// and firms stay out.
async fn a_region_is_read_alone(store: Store) {
    store.migrate().await.unwrap();
    let create = |table: &'static ucz_store::Table, record: serde_json::Value| {
        let store = store.clone();
        async move { store.create("admin", table, &record).await.unwrap() }
    };
    for (zone, region) in [("dj", "daejeon"), ("bs", "busan")] {
        create(
            &ZONES,
            json!({"id": zone, "body": {"name": zone, "region": region}, "demo": false}),
        )
        .await;
        let facility = create(
            &FACILITIES,
            json!({"zone_id": zone, "kind": "incubation_space", "name": "F", "floor_area_m2": 10.0, "units": null, "planned": false}),
        )
        .await;
        let space = create(
            &ucz_store::SPACES,
            json!({"facility_id": facility["id"], "hub_id": null, "name": "S", "kind": "incubation_room", "area_m2": 5.0, "monthly_rent_krw": null, "admits": null}),
        )
        .await;
        let firm = format!("{zone}-firm");
        create(
            &ucz_store::FIRMS,
            json!({"id": firm, "zone": zone, "region": region, "stage": "early", "body": {}, "demo": false}),
        )
        .await;
        create(
            &ucz_store::LEASES,
            json!({"space_id": space["id"], "firm_id": firm, "starts": "2025-01-01", "ends": "2026-01-01", "status": "active", "renewals": 0, "body": {}}),
        )
        .await;
        create(
            &ucz_store::HUBS,
            json!({"id": format!("{zone}-hub"), "name": "H", "kind": "business_incubator", "region": region, "body": {}, "demo": false}),
        )
        .await;
    }
    let rows = store.region_rows("daejeon").await.unwrap();
    let ids = |items: &[serde_json::Value]| {
        items
            .iter()
            .map(|i| i["id"].to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(ids(&rows.zones), "\"dj\"");
    assert_eq!(ids(&rows.hubs), "\"dj-hub\"");
    assert_eq!(ids(&rows.firms), "\"dj-firm\"");
    assert_eq!(
        (rows.facilities.len(), rows.spaces.len(), rows.leases.len()),
        (1, 1, 1)
    );
    assert_eq!(rows.leases[0]["firm_id"], "dj-firm");
}

#[tokio::test]
async fn a_region_is_read_alone_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("ucz.db").display()))
        .await
        .unwrap();
    a_region_is_read_alone(store).await;
}

#[tokio::test]
async fn a_region_is_read_alone_on_postgres() {
    a_region_is_read_alone(postgres().await).await;
}
