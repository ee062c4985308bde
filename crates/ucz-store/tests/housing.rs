//! Housing in the store, on both databases. One tenancy per unit at a time: 32 writers from two
//! stores (two processes sharing the database) sign overlapping tenancies of one unit and exactly
//! one holds; touching terms both hold; on PostgreSQL the exclusion constraint refuses an overlap
//! even written past the store's check. Every housing write adds the audit rows docs/audit.md
//! lists, and the audit never holds a declaration.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use ucz_core::housing::Term;
use ucz_store::{NewDocument, NewTenancy, Store, StoreError};
use ucz_test_support::TestDatabase;

fn tenancy(holder: String, starts_on: &str, ends_on: &str) -> NewTenancy {
    NewTenancy {
        unit_id: "dj-h1-0101".into(),
        zone_id: "daejeon".into(),
        application_id: None,
        holder,
        term: Term {
            starts_on: starts_on.parse().unwrap(),
            ends_on: ends_on.parse().unwrap(),
        },
        rent: 180_000,
        deposit: 5_000_000,
    }
}

async fn one_per_unit(first: Store, second: Store) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..32 {
        let store = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        // Terms starting on four different days of September, all overlapping.
        let starts_on = format!("2026-09-{:02}", 1 + i % 4);
        tasks.spawn(async move {
            store
                .sign_tenancy(
                    "test",
                    &tenancy(format!("세대 {i}"), &starts_on, "2028-08-31"),
                )
                .await
        });
    }
    let (mut signed, mut refused) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(_) => signed += 1,
            Err(StoreError::Rejected(m)) => {
                assert!(m.to_string().contains("dj-h1-0101"), "{m}");
                refused += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!((signed, refused), (1, 31));
    // The next term, from the day after the last, holds too; a renewal into it is refused.
    let next = first
        .sign_tenancy(
            "test",
            &tenancy("다음 세대".into(), "2028-09-01", "2030-08-31"),
        )
        .await
        .unwrap();
    let all = first.tenancies("daejeon").await.unwrap();
    assert_eq!(all.len(), 2);
    let earlier = all.iter().find(|t| t.id != next.id).unwrap();
    let renewed = first
        .renew_tenancy("test", earlier.id, "2029-08-31".parse().unwrap())
        .await;
    assert!(
        matches!(renewed, Err(StoreError::Rejected(_))),
        "{renewed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_tenancy_per_unit_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let first = Store::connect(&url).await.unwrap();
    first.migrate().await.unwrap();
    one_per_unit(first, Store::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_tenancy_per_unit_on_postgres() {
    let database = TestDatabase::postgres().await;
    let first = database.store().await;
    first.migrate().await.unwrap();
    one_per_unit(first, Store::connect(&database.url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_refuses_an_overlapping_tenancy_by_constraint() {
    let database = TestDatabase::postgres().await;
    let store = database.store().await;
    store.migrate().await.unwrap();
    let insert = |state: &'static str, from: i64, until: i64| {
        let pool = store.pool().clone();
        async move {
            sqlx::query(
                "INSERT INTO tenancies (unit_id, zone_id, holder, starts_on, ends_on, from_day, until_day, rent, deposit, renewals, state, signed_at) \
                 VALUES ('u', 'daejeon', 'h', '', '', $1, $2, 0, 0, 0, $3, 'now')",
            )
            .bind(from)
            .bind(until)
            .bind(state)
            .execute(&pool)
            .await
        }
    };
    insert("signed", 100, 200).await.unwrap();
    let error = insert("signed", 150, 250).await.unwrap_err();
    let code = error.as_database_error().and_then(|e| e.code()).unwrap();
    assert_eq!(code, "23P01", "exclusion_violation: {error}");
    insert("signed", 200, 300).await.unwrap();
    insert("ended", 150, 250).await.unwrap();
}

async fn audit_rows(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Runs `write` and checks it added `expected` audit rows.
macro_rules! adds {
    ($store:expr, $expected:expr, $write:expr) => {{
        let before = audit_rows($store).await;
        let out = $write.await.unwrap();
        assert_eq!(
            audit_rows($store).await - before,
            $expected,
            "{}",
            stringify!($write)
        );
        out
    }};
}

async fn audit_of_housing(store: Store) {
    store.migrate().await.unwrap();
    let s = &store;
    adds!(
        s,
        1,
        s.put_housing_unit("op", "u1", "daejeon", &json!({"id": "u1"}))
    );
    adds!(
        s,
        1,
        s.put_housing_unit("op", "u1", "daejeon", &json!({"id": "u1", "rent": 1}))
    );
    let invited = adds!(
        s,
        2,
        s.add_housing_employee("firm", "F1", "kim@x.test", "김직원")
    );
    let invited = invited.unwrap();
    assert!(invited.linked && !invited.password_set);
    let again = adds!(
        s,
        0,
        s.add_housing_employee("firm", "F1", "kim@x.test", "김직원")
    );
    assert!(!again.unwrap().linked);
    let round = adds!(
        s,
        1,
        s.create_housing_round("op", "daejeon", "DJ-1", &json!({"code": "DJ-1"}))
    );
    let declaration = json!({"name": "김직원", "household_income": 3_900_000});
    let app = adds!(
        s,
        1,
        s.save_housing_application(
            "kim",
            round.id,
            invited.user.0,
            "F1",
            false,
            &declaration,
            |_| Ok(())
        )
    );
    adds!(
        s,
        1,
        s.add_housing_document(
            "kim",
            app.id,
            NewDocument {
                kind: "resident_register",
                file_name: "등본.pdf",
                content_type: "application/pdf",
                bytes: b"%PDF-"
            },
            &[],
            |_, _| Ok(())
        )
    );
    let app = adds!(
        s,
        1,
        s.set_housing_application_state("kim", app.id, "submitted", |_, _| Ok(()))
    );
    assert_eq!(app.number.as_deref(), Some("DJ-1-001"));
    adds!(
        s,
        1,
        s.set_housing_verdict(
            "firm",
            app.id,
            None,
            &json!({"ok": true, "note": ""}),
            |_, _| Ok(())
        )
    );
    adds!(
        s,
        1,
        s.set_housing_verdict(
            "op",
            app.id,
            Some("household"),
            &json!({"ok": false, "note": "정다은 없음"}),
            |_, _| Ok(())
        )
    );
    // An edit of the declaration clears the verdicts given on the earlier one.
    let edited = adds!(
        s,
        1,
        s.save_housing_application(
            "kim",
            round.id,
            invited.user.0,
            "F1",
            false,
            &json!({"name": "김직원", "household_income": 3_000_000}),
            |_| Ok(())
        )
    );
    assert_eq!(
        (edited.employer_verdict, edited.verdicts),
        (None, json!({}))
    );
    adds!(
        s,
        1,
        s.freeze_housing_round("op", round.id, |_, _| Ok(json!({"list": []})))
    );
    adds!(
        s,
        1,
        s.draw_housing_round("op", round.id, |_, _| Ok(json!({"outcome": {}})))
    );
    let offers = adds!(
        s,
        1,
        s.make_housing_offers("op", round.id, 0, |_| vec![(
            app.id,
            "DJ-1-001".into(),
            "u1".into()
        )])
    );
    let (_, signed) = adds!(
        s,
        2,
        s.decide_housing_offer(
            "kim",
            offers[0].id,
            "accepted",
            Some(&tenancy("김직원".into(), "2026-09-01", "2028-08-31")),
            |_| Ok(())
        )
    );
    let signed = signed.unwrap();
    adds!(
        s,
        1,
        s.renew_tenancy("op", signed.id, "2029-08-31".parse().unwrap())
    );
    adds!(s, 1, s.erase_housing_round("ucz", round.id));
    // The audit holds hashes, never the declaration or the note.
    let payloads: Vec<Option<String>> = sqlx::query_scalar("SELECT after FROM audit")
        .fetch_all(s.pool())
        .await
        .unwrap();
    for p in payloads.into_iter().flatten() {
        assert!(
            !p.contains("3900000") && !p.contains("정다은") && !p.contains("등본.pdf"),
            "{p}"
        );
    }
    assert!(s.verify_audit().await.unwrap().broken_at.is_none());
}

#[tokio::test]
async fn housing_writes_are_audited_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    audit_of_housing(Store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn housing_writes_are_audited_on_postgres() {
    let database = TestDatabase::postgres().await;
    audit_of_housing(database.store().await).await;
}
