//! One story of the store, on SQLite always and on PostgreSQL (the server at 127.0.0.1:5432,
//! database `test`, or `UCZ_TEST_POSTGRES`): records written with their audit rows, the chain
//! verified, and a tampered row detected.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use ucz_store::{FACILITIES, Filter, Store, ZONES};
use ucz_test_support::TestDatabase;

/// A fresh PostgreSQL schema per test, so tests never see each other's rows; removed when the
/// returned guard is dropped, at the end of the test.
pub async fn postgres() -> (Store, TestDatabase) {
    let database = TestDatabase::postgres().await;
    (database.store().await, database)
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
                    Err(ucz_core::Message::input(format!(
                        "{} is in the way",
                        rows[0]["id"]
                    )))
                }
            },
        )
        .await;
    assert!(
        matches!(refused, Err(ucz_store::StoreError::Rejected(ref why)) if why.to_string() == "\"a\" is in the way"),
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
                    Err(ucz_core::Message::input("in the way"))
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
    let (store, _database) = postgres().await;
    story(store).await;
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
    let (store, _database) = postgres().await;
    accounts_made_before_firm_keys(store, "postgres").await;
}

/// Two processes writing at once — two stores, each with its own connections and its own
/// in-process lock, as `ucz user add` beside a running server, or two servers — append to one
/// linear chain: every write lands, and the chain verifies.
async fn two_processes_append_one_chain(first: Store, second: Store) {
    first.migrate().await.unwrap();
    second.migrate().await.unwrap();
    let writes = |store: Store, name: &'static str| {
        tokio::spawn(async move {
            for i in 0..20 {
                let id = format!("{name}-{i}");
                store
                    .create(
                        name,
                        &ZONES,
                        &json!({"id": id, "body": {"name": id}, "demo": false}),
                    )
                    .await
                    .unwrap();
                store
                    .add_user(
                        name,
                        &format!("{name}.{i}"),
                        "x",
                        ucz_core::account::RoleName::Admin,
                        None,
                        None,
                    )
                    .await
                    .unwrap();
            }
        })
    };
    let mut all = Vec::new();
    for (store, name) in [
        (&first, "first"),
        (&second, "second"),
        (&first, "third"),
        (&second, "fourth"),
    ] {
        all.push(writes(store.clone(), name));
    }
    for task in all {
        task.await.unwrap();
    }
    let verified = second.verify_audit().await.unwrap();
    assert_eq!((verified.rows, verified.broken_at), (160, None));
    assert_eq!(first.verify_audit().await.unwrap(), verified);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_append_one_chain_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let first = Store::connect(&url).await.unwrap();
    first.migrate().await.unwrap();
    two_processes_append_one_chain(first, Store::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_append_one_chain_on_postgres() {
    let database = TestDatabase::postgres().await;
    let url = database.url.clone();
    two_processes_append_one_chain(
        Store::connect(&url).await.unwrap(),
        Store::connect(&url).await.unwrap(),
    )
    .await;
}

/// The version 1 digest of a row written before payload hashes, as the store wrote it then.
fn digest_v1(parts: [&str; 8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A database with rows written before payload hashes: they keep their hashes and verify; rows
/// written after carry payload hashes. Erasing a newer row's payload (a firm's founder's age, an
/// account's user name) keeps the chain intact and is itself audited; editing a payload breaks
/// the chain at that row; an older row cannot be erased. Removing the newest rows leaves a chain
/// that verifies, but with another head.
async fn payloads_can_be_erased(store: Store, backend: &str) {
    let earlier = tempfile::tempdir().unwrap();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "0005" {
            std::fs::copy(&path, earlier.path().join(name)).unwrap();
        }
    }
    sqlx::migrate::Migrator::new(earlier.path())
        .await
        .unwrap()
        .run(store.pool())
        .await
        .unwrap();
    let genesis = ucz_store::GENESIS;
    let after = r#"{"id":1,"username":"kim.old"}"#;
    let old = digest_v1([
        genesis,
        "2025-01-01T00:00:00Z",
        "ucz",
        "create",
        "user",
        "1",
        "",
        after,
    ]);
    sqlx::query("INSERT INTO audit (at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES ('2025-01-01T00:00:00Z', 'ucz', 'create', 'user', '1', NULL, $1, $2, $3)")
        .bind(after)
        .bind(genesis)
        .bind(old.clone())
        .execute(store.pool())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let verified = store.verify_audit().await.unwrap();
    assert_eq!(
        (verified.rows, verified.broken_at, verified.head.as_str()),
        (1, None, old.as_str()),
        "a row written before keeps its hash"
    );

    let firm = json!({"id": "F-1", "zone": "", "region": "daejeon", "stage": "early", "body": {"name": "김민수 연구소", "founder_age": 33}, "demo": false});
    store
        .create("operator", &ucz_store::FIRMS, &firm)
        .await
        .unwrap();
    let mut older = firm.clone();
    older["body"]["founder_age"] = json!(34);
    store
        .update("operator", &ucz_store::FIRMS, "F-1", &older)
        .await
        .unwrap()
        .unwrap();
    store
        .add_user(
            "admin",
            "lee.jiwoo",
            "x",
            ucz_core::account::RoleName::Coordinator,
            None,
            None,
        )
        .await
        .unwrap();
    let trail = store.audit(10, 0).await.unwrap();
    let (user_row, update_row, create_row) = (&trail[0], &trail[1], &trail[2]);
    assert_eq!(
        (update_row.version, update_row.payload_hash.is_some()),
        (2, true)
    );
    assert_eq!(
        (trail[3].version, trail[3].payload_hash.as_ref()),
        (1, None)
    );
    let head = store.verify_audit().await.unwrap();
    assert_eq!(
        (head.rows, head.broken_at, head.head.as_str()),
        (4, None, user_row.hash.as_str())
    );

    // Erasing: the personal data is gone, the chain verifies, the erasure has its own row.
    assert!(
        store
            .erase_audit_payload("admin", update_row.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .erase_audit_payload("admin", user_row.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .erase_audit_payload("admin", user_row.id)
            .await
            .unwrap(),
        "erasing twice changes nothing"
    );
    assert!(!store.erase_audit_payload("admin", 9999).await.unwrap());
    let trail = store.audit(10, 0).await.unwrap();
    let erased = trail.iter().find(|e| e.id == update_row.id).unwrap();
    assert_eq!(erased.before, Some(json!({"erased": true})));
    assert_eq!(erased.after, Some(json!({"erased": true})));
    assert!(erased.erased_at.is_some());
    assert_eq!(erased.payload_hash, update_row.payload_hash, "kept");
    let user = trail.iter().find(|e| e.id == user_row.id).unwrap();
    assert_eq!(
        (user.before.as_ref(), user.after.as_ref()),
        (None, Some(&json!({"erased": true})))
    );
    let raw: Vec<String> = sqlx::query("SELECT COALESCE(before, '') || COALESCE(after, '') AS payload FROM audit WHERE erased_at IS NOT NULL")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::try_get(r, "payload").unwrap())
        .collect();
    assert!(
        raw.iter()
            .all(|p| !p.contains("founder_age") && !p.contains("lee.jiwoo")),
        "{raw:?}"
    );
    assert_eq!(
        (
            trail[0].action.as_str(),
            trail[0].entity.as_str(),
            trail[0].entity_id.clone()
        ),
        ("erase", "audit", user_row.id.to_string())
    );
    // The salt goes with the payload: the kept hash confirms no guess of what was erased.
    let salted: Vec<(i64, bool)> = sqlx::query(
        "SELECT id, COALESCE(payload_salt, '') AS salt FROM audit WHERE version = 2 ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            sqlx::Row::try_get(r, "id").unwrap(),
            sqlx::Row::try_get::<String, _>(r, "salt").unwrap().len() == 64,
        )
    })
    .collect();
    for (id, salted) in salted {
        assert_eq!(salted, id != update_row.id && id != user_row.id, "row {id}");
    }
    let verified = store.verify_audit().await.unwrap();
    assert_eq!(
        (verified.rows, verified.broken_at, verified.erased),
        (6, None, 2)
    );

    // A row written before payload hashes cannot be erased.
    let refused = store.erase_audit_payload("admin", trail[5].id).await;
    assert!(
        matches!(refused, Err(ucz_store::StoreError::Rejected(_))),
        "{refused:?}"
    );

    // Truncating the newest rows verifies, with another head.
    let before_truncation = store.verify_audit().await.unwrap().head;
    sqlx::query("DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)")
        .execute(store.pool())
        .await
        .unwrap();
    let truncated = store.verify_audit().await.unwrap();
    assert_eq!((truncated.rows, truncated.broken_at), (5, None));
    assert_ne!(truncated.head, before_truncation);
    assert_eq!(
        store.audit_row_with_hash(&before_truncation).await.unwrap(),
        None
    );

    // Editing a payload that was not erased breaks the chain at its row; so does passing an
    // edit off as an erasure.
    sqlx::query("UPDATE audit SET after = REPLACE(after, '33', '43') WHERE id = $1")
        .bind(create_row.id)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap().broken_at,
        Some(create_row.id)
    );
    sqlx::query("UPDATE audit SET erased_at = 'now' WHERE id = $1")
        .bind(create_row.id)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap().broken_at,
        Some(create_row.id)
    );
}

#[tokio::test]
async fn payloads_can_be_erased_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("ucz.db").display()))
        .await
        .unwrap();
    payloads_can_be_erased(store, "sqlite").await;
}

#[tokio::test]
async fn payloads_can_be_erased_on_postgres() {
    let (store, _database) = postgres().await;
    payloads_can_be_erased(store, "postgres").await;
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
            json!({"id": firm, "zone": zone, "region": region, "stage": "early", "body": {"id": firm, "zone": zone, "region": region, "stage": "early", "founder_age": 40}, "demo": false}),
        )
        .await;
        create(
            &ucz_store::LEASES,
            json!({"space_id": space["id"], "firm_id": firm, "starts": "2025-01-01", "ends": "2026-01-01", "status": "active", "renewals": 0, "body": {}}),
        )
        .await;
        create(
            &ucz_store::HUBS,
            json!({"id": format!("{zone}-hub"), "name": "H", "kind": "business_incubator", "region": region, "body": {"id": format!("{zone}-hub"), "name": "H", "kind": "business_incubator", "region": region}, "demo": false}),
        )
        .await;
    }
    let rows = store.region_rows(&["daejeon".to_string()]).await.unwrap();
    fn ids<T: ucz_store::Aggregate>(items: &[ucz_store::Stored<T>]) -> String {
        items
            .iter()
            .map(|i| format!("{:?}", i.id.to_string()))
            .collect::<Vec<_>>()
            .join(",")
    }
    assert_eq!(ids(&rows.zones), "\"dj\"");
    assert_eq!(ids(&rows.hubs), "\"dj-hub\"");
    assert_eq!(ids(&rows.firms), "\"dj-firm\"");
    assert_eq!(
        (rows.facilities.len(), rows.spaces.len(), rows.leases.len()),
        (1, 1, 1)
    );
    assert_eq!(rows.leases[0].record.firm_id.as_str(), "dj-firm");
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
    let (store, _database) = postgres().await;
    a_region_is_read_alone(store).await;
}

/// The store reads the time from the clock it is given: audit rows carry it in the form they
/// are hashed over, and sessions and tokens expire by it.
async fn the_store_keeps_its_clocks_time(store: Store) {
    let clock = ucz_core::Clock::fixed_at("2026-06-15T09:00:00+09:00").unwrap();
    let store = store.with_clock(clock);
    store.migrate().await.unwrap();
    let user = store
        .add_user(
            "admin",
            "kim.minji",
            "x",
            ucz_core::account::RoleName::Admin,
            None,
            None,
        )
        .await
        .unwrap();
    let audit = store.audit(10, 0).await.unwrap();
    assert_eq!(audit[0].at, "2026-06-15T00:00:00Z");
    assert_eq!(store.verify_audit().await.unwrap().broken_at, None);
    // A session that ended a second before the clock's time is over; one ending at it is not.
    store
        .create_session("ended", user.id, "c1", &clock.stamp_in(-1), None)
        .await
        .unwrap();
    store
        .create_session("live", user.id, "c2", &clock.stamp_in(0), None)
        .await
        .unwrap();
    assert!(store.session_user("ended").await.unwrap().is_none());
    assert!(store.session_user("live").await.unwrap().is_some());
    let info = store
        .create_token("admin", "t1", user.id, "ci", &clock.stamp_in(86_400), 5)
        .await
        .unwrap();
    assert_eq!(info.created_at, "2026-06-15T00:00:00Z");
    assert_eq!(info.expires_at, "2026-06-16T00:00:00Z");
    assert!(store.token_user("t1").await.unwrap().is_some());
    // A day later by another clock on the same database, the token has expired.
    let later = store.with_clock(ucz_core::Clock::fixed_at("2026-06-16T00:00:01Z").unwrap());
    assert!(later.token_user("t1").await.unwrap().is_none());
    assert!(later.tokens_of(user.id).await.unwrap().is_empty());
    assert!(later.session_user("live").await.unwrap().is_none());
}

#[tokio::test]
async fn the_store_keeps_its_clocks_time_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("ucz.db").display()))
        .await
        .unwrap();
    the_store_keeps_its_clocks_time(store).await;
}

#[tokio::test]
async fn the_store_keeps_its_clocks_time_on_postgres() {
    let (store, _database) = postgres().await;
    the_store_keeps_its_clocks_time(store).await;
}

/// Every write of the store, and how many audit rows docs/audit.md says it adds: a story checked
/// step by step against the number of rows.
async fn every_write_adds_its_documented_audit_rows(store: Store) {
    store.migrate().await.unwrap();
    let rows = || async { store.verify_audit().await.unwrap().rows };
    let mut expected = rows().await;
    assert_eq!(expected, 0);
    let mut step = async |what: &str, added: i64| {
        expected += added;
        let verification = store.verify_audit().await.unwrap();
        assert_eq!(verification.rows, expected, "after {what}");
        assert_eq!(verification.broken_at, None, "after {what}");
    };

    // The catalog stored: one row; stored again unchanged: none.
    let catalog = [(
        "function".to_string(),
        "f1".to_string(),
        json!({"id": "f1"}),
    )];
    assert!(store.sync_catalog(&catalog).await.unwrap());
    step("a catalog sync", 1).await;
    assert!(!store.sync_catalog(&catalog).await.unwrap());
    step("an unchanged catalog", 0).await;

    // Records: one row per create, update and delete.
    let zone = json!({"id": "z", "body": {"name": "Z"}, "demo": false});
    store.create("admin", &ZONES, &zone).await.unwrap();
    step("a create", 1).await;
    store
        .update(
            "admin",
            &ZONES,
            "z",
            &json!({"body": {"name": "Z2"}, "demo": false}),
        )
        .await
        .unwrap();
    step("an update", 1).await;
    let facility = store
        .create(
            "admin",
            &FACILITIES,
            &json!({"zone_id": "z", "kind": "k", "name": "F", "floor_area_m2": 10.0, "units": null, "planned": false}),
        )
        .await
        .unwrap();
    let space = store
        .create(
            "admin",
            &ucz_store::SPACES,
            &json!({"facility_id": facility["id"], "hub_id": null, "name": "S", "kind": "incubation_room", "area_m2": 5.0, "monthly_rent_krw": null, "admits": null}),
        )
        .await
        .unwrap();
    step("two creates", 2).await;

    // An import: one row per record, all in one transaction; a refused import: none.
    let firm = |id: &str| json!({"id": id, "zone": "z", "region": "daejeon", "stage": "early", "body": {}, "demo": false});
    let imported = store
        .create_counted(
            "admin",
            &ucz_store::FIRMS,
            &[firm("f1"), firm("f2"), firm("f3")],
        )
        .await
        .unwrap();
    assert_eq!(imported, 3);
    step("an import of three", 3).await;
    assert!(
        store
            .create_counted("admin", &ucz_store::FIRMS, &[firm("f4"), firm("f1")])
            .await
            .is_err()
    );
    step("a refused import", 0).await;

    // A checked lease write: one row; refused: none.
    let lease: ucz_core::record::LeaseBody = serde_json::from_value(json!({"space_id": space["id"], "firm_id": "f1", "starts": "2026-01-01", "ends": "2027-01-01", "status": "active", "renewals": 0})).unwrap();
    let scope = ucz_store::LeaseScope {
        space_id: space["id"].as_i64().unwrap(),
        firm_id: "f1".into(),
        starts: "2026-01-01".into(),
        ends: "2027-01-01".into(),
    };
    store
        .write_lease("admin", None, &lease, &scope, |rows| {
            rows.is_empty()
                .then_some(())
                .ok_or(ucz_core::Message::input("taken"))
        })
        .await
        .unwrap();
    step("a lease", 1).await;
    assert!(
        store
            .write_lease("admin", None, &lease, &scope, |rows| {
                rows.is_empty()
                    .then_some(())
                    .ok_or(ucz_core::Message::input("taken"))
            })
            .await
            .is_err()
    );
    step("a refused lease", 0).await;
    // A deletion refused by leases: none.
    assert!(
        store
            .delete("admin", &ucz_store::FIRMS, "f1")
            .await
            .is_err()
    );
    step("a refused deletion", 0).await;

    // Accounts and tokens: one row each; sessions: none.
    let user = store
        .add_user(
            "ucz",
            "firm-f2",
            "hash",
            ucz_core::account::RoleName::Firm,
            None,
            Some("f2"),
        )
        .await
        .unwrap();
    step("an account", 1).await;
    store
        .create_session(
            "session-hash",
            user.id,
            "csrf",
            "2999-01-01T00:00:00Z",
            None,
        )
        .await
        .unwrap();
    store.delete_session("session-hash").await.unwrap();
    step("a session opened and closed", 0).await;
    let token = store
        .create_token(
            "firm-f2",
            "token-hash",
            user.id,
            "t",
            "2999-01-01T00:00:00Z",
            5,
        )
        .await
        .unwrap();
    step("a token", 1).await;
    assert!(
        store
            .revoke_token("firm-f2", user.id, &token.id)
            .await
            .unwrap()
    );
    step("a token revoked", 1).await;
    assert!(
        !store
            .revoke_token("firm-f2", user.id, &token.id)
            .await
            .unwrap()
    );
    step("no token to revoke", 0).await;

    // Deleting a firm: its row and one per account disabled.
    store
        .delete("admin", &ucz_store::FIRMS, "f2")
        .await
        .unwrap();
    step("a firm with an account deleted", 2).await;
    // Deleting a zone: its row and one per record deleted with it (a facility and its space).
    store.delete("admin", &ZONES, "z").await.unwrap_err();
    step("a zone with a leased space", 0).await;
    store
        .delete("admin", &ucz_store::SPACES, &space["id"].to_string())
        .await
        .unwrap_err();
    step("a leased space", 0).await;

    store
        .create(
            "admin",
            &ZONES,
            &json!({"id": "y", "body": {}, "demo": false}),
        )
        .await
        .unwrap();
    store
        .create(
            "admin",
            &ucz_store::INSTITUTIONS,
            &json!({"zone_id": "y", "kind": "university", "name": "U", "status": "secured", "ownership": null}),
        )
        .await
        .unwrap();
    store
        .create(
            "admin",
            &FACILITIES,
            &json!({"zone_id": "y", "kind": "k", "name": "G", "floor_area_m2": 1.0, "units": null, "planned": false}),
        )
        .await
        .unwrap();
    step("three creates", 3).await;
    store.delete("admin", &ZONES, "y").await.unwrap();
    step("a zone with a facility and an institution deleted", 3).await;

    // An erasure: one row.
    let newest = store.audit(1, 0).await.unwrap()[0].id;
    assert!(store.erase_audit_payload("ucz", newest).await.unwrap());
    step("an erasure", 1).await;

    // A founder's account: sign-up, its links, password, firm, zone link, mail, removal.
    let member = ucz_store::NewMember {
        username: "member-1".into(),
        email: "m@example.kr".into(),
        password_hash: "h".into(),
        name: Some("이름".into()),
        phone: None,
        business_number: None,
        consent_version: "v1".into(),
        unsubscribe_token: "u".repeat(64),
    };
    let until = store.clock().stamp_in(3600);
    let ucz_store::Joined::New(user) = store.sign_up(&member, "link-1", &until).await.unwrap()
    else {
        panic!("a new account");
    };
    step("a sign-up", 1).await;
    assert_eq!(
        store.sign_up(&member, "link-2", &until).await.unwrap(),
        ucz_store::Joined::Taken(user)
    );
    step("a sign-up with a registered address", 0).await;
    assert_eq!(
        store
            .use_link("link-1", ucz_store::LinkPurpose::Verify, None)
            .await
            .unwrap(),
        Some(user)
    );
    step("a verification", 1).await;
    assert_eq!(
        store
            .use_link("link-1", ucz_store::LinkPurpose::Verify, None)
            .await
            .unwrap(),
        None
    );
    store
        .add_link(user, ucz_store::LinkPurpose::Reset, "link-3", &until)
        .await
        .unwrap();
    step("a used link, a reset link made", 0).await;
    store
        .use_link("link-3", ucz_store::LinkPurpose::Reset, Some("h2"))
        .await
        .unwrap();
    step("a reset", 1).await;
    store
        .set_password("member-1", user, "h3", None)
        .await
        .unwrap();
    step("a password change", 1).await;
    store
        .create(
            "member-1",
            &ucz_store::FIRMS,
            &json!({"id": "F-M", "zone": "", "region": "daejeon", "stage": "early", "body": {}, "demo": false}),
        )
        .await
        .unwrap();
    store.bind_firm("member-1", user, "F-M").await.unwrap();
    step("a profile and its binding", 2).await;
    let link = store
        .request_zone_link("member-1", user, "F-M", "daejeon")
        .await
        .unwrap();
    step("a zone link asked for", 1).await;
    assert!(
        store
            .decide_zone_link("op", link.id, false)
            .await
            .unwrap()
            .is_some()
    );
    step("a zone link decided", 1).await;
    assert!(
        store
            .decide_zone_link("op", link.id, true)
            .await
            .unwrap()
            .is_none()
    );
    step("a zone link decided already", 0).await;
    store
        .set_mail_stop("member-1", user, "placement", true)
        .await
        .unwrap();
    store
        .set_mail_stop("member-1", user, "placement", true)
        .await
        .unwrap();
    step("a kind of mail stopped, twice", 1).await;
    store
        .add_notices(user, &[("placement".into(), "k".into(), json!({}))])
        .await
        .unwrap();
    step("a notice", 0).await;
    store.job_done("digest", "ok", false).await.unwrap();
    step("a job's run", 1).await;
    store.remove_account("member-1", user).await.unwrap();
    step("a removal (its rows erased in place)", 1).await;
    let dump = store.audit(100, 0).await.unwrap();
    assert!(
        dump.iter()
            .filter(|e| e.entity == "user"
                && e.entity_id == user.to_string()
                && e.action != "remove")
            .all(|e| e.erased_at.is_some()),
        "the rows about the account are erased"
    );

    // Running a zone's program (migration 0014).
    store
        .set_competition("op", 7, "daejeon", &json!({"budget": 1}))
        .await
        .unwrap();
    store
        .set_competition("op", 7, "daejeon", &json!({"budget": 2}))
        .await
        .unwrap();
    step("a competition set, then changed", 2).await;
    let sha = "ab".repeat(32);
    store
        .put_file(
            &ucz_store::Upload {
                sha256: &sha,
                firm_id: "F-A",
                call_id: 7,
                question: "deck",
                name: "deck.pdf",
            },
            "application/pdf",
            b"%PDF",
        )
        .await
        .unwrap();
    assert!(
        store
            .upload_of("F-A", 7, "deck", &sha)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .upload_of("F-B", 7, "deck", &sha)
            .await
            .unwrap()
            .is_none()
    );
    step("a file kept", 0).await;
    let answers = json!({"plan": "x"});
    let new = ucz_store::NewApplication {
        call_id: 7,
        firm_id: "F-A",
        user_id: None,
        answers: &answers,
        requested: Some(10),
        per_firm: 1,
    };
    let ucz_store::Created::New(application) = store.create_application("f", &new).await.unwrap()
    else {
        panic!("a first application is made");
    };
    assert!(matches!(
        store.create_application("f", &new).await.unwrap(),
        ucz_store::Created::OverLimit(1)
    ));
    step("an application, and a second one refused", 1).await;
    let submit = ucz_store::ApplicationChange {
        state: "submitted",
        answers: None,
        requested: None,
        receipt: Some("7-00001"),
        receipt_hash: Some("h"),
    };
    assert!(
        store
            .change_application("f", application.id, "draft", &submit)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .change_application("f", application.id, "draft", &submit)
            .await
            .unwrap()
            .is_none()
    );
    step("a submission, and a second one refused", 1).await;
    let (judge, made) = store
        .add_evaluator("op", 7, "judge@x.test", "심사위원", &["F-B".to_string()])
        .await
        .unwrap()
        .unwrap();
    assert!(made);
    step("an evaluator invited with a new account", 2).await;
    store
        .add_evaluator("op", 8, "judge@x.test", "심사위원", &[])
        .await
        .unwrap()
        .unwrap();
    step("the same evaluator invited to another call", 1).await;
    store
        .set_assignments("op", 7, "documents", &[(application.id, judge.0)])
        .await
        .unwrap();
    step("an assignment", 1).await;
    let score = ucz_store::ScoreRow {
        stage: "documents".into(),
        application_id: application.id,
        user_id: judge.0,
        sheet: json!({"tech": 5}),
        comment: String::new(),
        scored_at: String::new(),
    };
    assert!(store.put_score("judge@x.test", 7, &score).await.unwrap());
    step("a score", 1).await;
    store
        .declare_conflict("judge@x.test", application.id, judge, "relative")
        .await
        .unwrap();
    step("a conflict (the assignment and score removed)", 1).await;
    assert!(!store.put_score("judge@x.test", 7, &score).await.unwrap());
    step("a score once not assigned", 0).await;
    store
        .set_results("op", 7, &json!({"ranking": []}), true)
        .await
        .unwrap();
    step("results published", 1).await;
    store
        .object("f", application.id, "다시 봐 주세요")
        .await
        .unwrap();
    step("an objection", 1).await;
    store
        .sign_agreement("op", &application, &json!({"amount": 10}))
        .await
        .unwrap();
    step("an agreement", 1).await;
    store
        .create(
            "admin",
            &ucz_store::FIRMS,
            &json!({"id": "F-A", "zone": "", "region": "daejeon", "stage": "early", "body": {"employees": 3}, "demo": false}),
        )
        .await
        .unwrap();
    step("the applicant's firm", 1).await;
    store
        .file_filing(
            "f",
            &application,
            1,
            &json!({}),
            &[("employees", 5)],
            "2026-09-30",
        )
        .await
        .unwrap();
    step("a filing that changes the firm", 2).await;
    store
        .file_filing(
            "f",
            &application,
            1,
            &json!({}),
            &[("employees", 4)],
            "2026-08-31",
        )
        .await
        .unwrap();
    step(
        "a correction of the period: its facts replace the first's",
        2,
    )
    .await;
    store
        .record_edit_facts("F-A", &[("employees", 6)], "2026-10-05")
        .await
        .unwrap();
    step("an edit's facts", 0).await;
    assert_eq!(store.facts("F-A").await.unwrap().len(), 2);
}

#[tokio::test]
async fn every_write_adds_its_documented_audit_rows_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("ucz.db").display()))
        .await
        .unwrap();
    every_write_adds_its_documented_audit_rows(store).await;
}

#[tokio::test]
async fn every_write_adds_its_documented_audit_rows_on_postgres() {
    let (store, _database) = postgres().await;
    every_write_adds_its_documented_audit_rows(store).await;
}

/// A zone's operator account holds the zone's internal key: the zone's deletion disables it, a
/// new zone of the same id gets a new key, and the account does not reach it.
async fn zone_accounts_follow_their_zone(store: Store) {
    store.migrate().await.unwrap();
    let zone = json!({"id": "z1", "body": {"id": "z1"}, "demo": false});
    store.create("admin", &ZONES, &zone).await.unwrap();
    store
        .add_user(
            "admin",
            "op",
            "x",
            ucz_core::account::RoleName::Operator,
            Some("z1"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_name("op")
            .await
            .unwrap()
            .unwrap()
            .zone_id
            .as_deref(),
        Some("z1")
    );
    assert!(store.delete("admin", &ZONES, "z1").await.unwrap());
    store.create("admin", &ZONES, &zone).await.unwrap();
    let account = store.user_by_name("op").await.unwrap().unwrap();
    assert!(account.disabled);
    assert_eq!(
        account.zone_id, None,
        "the account names no zone it did not hold"
    );
    assert!(
        store
            .add_user(
                "admin",
                "op2",
                "x",
                ucz_core::account::RoleName::Operator,
                Some("nowhere"),
                None
            )
            .await
            .is_err()
    );
    assert_eq!(store.verify_audit().await.unwrap().broken_at, None);
}

#[tokio::test]
async fn zone_accounts_follow_their_zone_on_sqlite() {
    let database = TestDatabase::sqlite();
    zone_accounts_follow_their_zone(database.store().await).await;
}

#[tokio::test]
async fn zone_accounts_follow_their_zone_on_postgres() {
    let (store, _database) = postgres().await;
    zone_accounts_follow_their_zone(store).await;
}

/// A record without a required value is refused, not stored with an empty one; a numeric key
/// written as text names no record.
#[tokio::test]
async fn records_are_stored_whole_or_not_at_all() {
    let database = TestDatabase::sqlite();
    let store = database.store().await;
    store.migrate().await.unwrap();
    let zone = json!({"id": "z", "body": {"id": "z"}, "demo": false});
    store.create("admin", &ZONES, &zone).await.unwrap();
    let without_name = json!({"zone_id": "z", "kind": "tenant_space", "floor_area_m2": 10.0, "units": null, "planned": false});
    assert!(
        store
            .create("admin", &FACILITIES, &without_name)
            .await
            .is_err()
    );
    let (facilities, total) = store
        .list(
            &FACILITIES,
            &Filter {
                equals: vec![],
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert!(facilities.is_empty() && total == 0, "nothing was stored");
    assert_eq!(store.get(&FACILITIES, "first").await.unwrap(), None);
    assert_eq!(
        store.audit(10, 0).await.unwrap().len(),
        1,
        "only the zone's row"
    );
}

/// A write refused inside its transaction (a facility of no zone breaks a foreign key) rolls
/// back and lets go of the lock every audited write takes: another process writes at once
/// rather than waiting for the refused one's connection to be used again.
#[tokio::test]
async fn a_refused_write_releases_the_write_lock_on_postgres() {
    let database = TestDatabase::postgres().await;
    let (first, second) = (database.store().await, database.store().await);
    first.migrate().await.unwrap();
    let orphan: ucz_core::record::FacilityBody = serde_json::from_value(json!({
        "zone_id": "nowhere", "type": "startup_support", "name": "F", "floor_area_m2": 10.0,
    }))
    .unwrap();
    for _ in 0..3 {
        assert!(first.repo().create("admin", &orphan).await.is_err());
    }
    let zone = ucz_core::record::Demo {
        record: ucz_core::record::ZonePlan(
            json!({"id": "z", "name": "Z", "zone_type": "new_town", "region": "daejeon"})
                .as_object()
                .unwrap()
                .clone(),
        ),
        demo: false,
    };
    let written = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        second.repo().create("admin", &zone),
    )
    .await
    .expect("the lock is free");
    assert_eq!(written.unwrap().id.as_str(), "z");
    assert_eq!(first.verify_audit().await.unwrap().broken_at, None);
}

/// A hub has an internal key, as zones and firms do: a hub deleted and made again under the same
/// public id gets a new key, never the old one.
async fn a_hub_keeps_a_key_never_given_again(store: Store) {
    store.migrate().await.unwrap();
    let hub = |name: &str| ucz_core::record::Demo {
        record: serde_json::from_value::<ucz_core::record::HubBody>(json!({
            "id": "dj-hub", "name": name, "kind": "business_incubator", "region": "daejeon",
        }))
        .unwrap(),
        demo: false,
    };
    let first = store.repo().create("admin", &hub("A")).await.unwrap();
    let key = store.key_of::<ucz_core::record::Demo<ucz_core::record::HubBody>>(&first.id);
    let first_key = key.await.unwrap().expect("a key");
    let other = ucz_core::record::Demo {
        record: ucz_core::record::HubBody {
            id: ucz_core::record::HubId("other".into()),
            ..hub("B").record
        },
        demo: false,
    };
    store.repo().create("admin", &other).await.unwrap();
    assert!(
        store
            .repo::<ucz_core::record::Demo<ucz_core::record::HubBody>>()
            .delete("admin", &first.id)
            .await
            .unwrap()
    );
    let again = store.repo().create("admin", &hub("C")).await.unwrap();
    let key = store.key_of::<ucz_core::record::Demo<ucz_core::record::HubBody>>(&again.id);
    let again_key = key.await.unwrap().expect("a key");
    assert!(again_key > first_key, "{again_key} after {first_key}");
}

#[tokio::test]
async fn a_hub_keeps_a_key_never_given_again_on_sqlite() {
    let database = TestDatabase::sqlite();
    a_hub_keeps_a_key_never_given_again(database.store().await).await;
}

#[tokio::test]
async fn a_hub_keeps_a_key_never_given_again_on_postgres() {
    let (store, _database) = postgres().await;
    a_hub_keeps_a_key_never_given_again(store).await;
}
