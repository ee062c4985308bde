//! One tenancy per unit at a time, on both databases: 32 writers from two stores (two processes
//! sharing the database) sign overlapping tenancies of one unit and exactly one holds; touching
//! terms both hold; and on PostgreSQL the exclusion constraint refuses an overlap even written
//! past the store's check.

#![allow(clippy::unwrap_used)]

use ucz_core::housing::Term;
use ucz_store::{NewTenancy, Store, StoreError};
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
