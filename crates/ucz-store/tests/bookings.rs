//! No double allocation of a resource, on both databases: 64 writers from two stores (two
//! processes sharing the database) race for one slot and exactly one booking holds it; a bundle
//! whose second resource is taken writes nothing; a series booked in part writes its free dates
//! whole; and on PostgreSQL the exclusion constraint refuses an overlap even written past the
//! store's check.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use ucz_store::{Booked, NewBooking, Slot, Store};
use ucz_test_support::TestDatabase;

const HOUR: i64 = 3600;
const NINE: i64 = 1_782_864_000; // 2026-07-01T00:00:00Z, 09:00 in Korea

fn slot(resource: &str, start: i64, end: i64) -> Slot {
    Slot {
        resource_id: resource.into(),
        starts_at: start,
        ends_at: end,
        held_until: end,
        grace_until: start + 900,
        price: 0,
    }
}

fn new<'a>(firm: &'a str, dates: Vec<Vec<Slot>>, partial: bool) -> NewBooking<'a> {
    NewBooking {
        firm_id: firm,
        user_id: None,
        state: "confirmed",
        applicant: "anyone",
        note: "",
        dates,
        partial,
        series: None,
    }
}

async fn holding(store: &Store, resource: &str) -> Vec<(i64, i64)> {
    store
        .bookings_between(&[resource.to_string()], 0, i64::MAX / 2)
        .await
        .unwrap()
        .into_iter()
        .filter(|b| ucz_store::HOLDING.contains(&b.state.as_str()))
        .map(|b| (b.starts_at, b.ends_at))
        .collect()
}

async fn no_double_allocation(first: Store, second: Store) {
    for store in [&first, &second] {
        store.migrate().await.unwrap();
    }
    for id in ["room", "projector"] {
        first
            .set_resource("test", id, Some("daejeon"), None, &json!({"id": id}))
            .await
            .unwrap();
    }
    // 64 writers, half on each store, for overlapping slots of the room.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64 {
        let store = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let offset = (i % 4) * 15 * 60;
        tasks.spawn(async move {
            let firm = format!("F-{i}");
            let dates = vec![vec![slot("room", NINE + offset, NINE + offset + HOUR)]];
            store.book("test", &new(&firm, dates, false)).await.unwrap()
        });
    }
    let mut done = 0;
    while let Some(result) = tasks.join_next().await {
        if matches!(result.unwrap(), Booked::Done { .. }) {
            done += 1;
        }
    }
    assert_eq!(done, 1, "exactly one of 64 overlapping bookings is written");
    assert_eq!(holding(&first, "room").await.len(), 1);
    // The booking written has its one audit row (docs/audit.md), the refused ones none.
    let audit = first.audit(1_000, 0).await.unwrap();
    let rows = |entity: &str| audit.iter().filter(|e| e.entity == entity).count();
    assert_eq!((rows("resource"), rows("booking")), (2, 1));

    // A bundle whose projector is taken writes nothing, not even the room.
    let later = NINE + 3 * HOUR;
    let taken = first
        .book(
            "test",
            &new(
                "P",
                vec![vec![slot("projector", later, later + HOUR)]],
                false,
            ),
        )
        .await
        .unwrap();
    assert!(matches!(taken, Booked::Done { .. }));
    let bundle = vec![vec![
        slot("room", later, later + HOUR),
        slot("projector", later + 1800, later + HOUR),
    ]];
    let refused = second.book("test", &new("B", bundle, false)).await.unwrap();
    let Booked::Refused(t) = refused else {
        panic!("the bundle is refused")
    };
    assert_eq!(t[0].resource_id, "projector");
    assert_eq!(
        holding(&first, "room").await.len(),
        1,
        "the room stays free"
    );

    // A series of three dates, the second taken: refused whole, or written in part with the
    // taken date reported.
    let day = 24 * HOUR;
    let dates = |n: i64| {
        (0..n)
            .map(|w| vec![slot("room", NINE + w * 7 * day, NINE + w * 7 * day + HOUR)])
            .collect::<Vec<_>>()
    };
    first
        .book(
            "test",
            &new(
                "X",
                vec![vec![slot("room", NINE + 7 * day, NINE + 7 * day + HOUR)]],
                false,
            ),
        )
        .await
        .unwrap();
    let whole = second
        .book("test", &new("S", dates(3)[1..].to_vec(), false))
        .await
        .unwrap();
    assert!(matches!(whole, Booked::Refused(_)));
    let series = vec![
        vec![slot("room", NINE + day, NINE + day + HOUR)],
        vec![slot("room", NINE + 7 * day, NINE + 7 * day + HOUR)],
        vec![slot("room", NINE + 14 * day, NINE + 14 * day + HOUR)],
    ];
    let Booked::Done { rows, taken } = second.book("test", &new("S", series, true)).await.unwrap()
    else {
        panic!("booked in part")
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].date, 1);
    assert_eq!(first.verify_audit().await.unwrap().broken_at, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_double_allocation_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ucz.db").display());
    let first = Store::connect(&url).await.unwrap();
    first.migrate().await.unwrap();
    no_double_allocation(first, Store::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_double_allocation_on_postgres() {
    let database = TestDatabase::postgres().await;
    let url = database.url.clone();
    no_double_allocation(
        Store::connect(&url).await.unwrap(),
        Store::connect(&url).await.unwrap(),
    )
    .await;
}

/// The database itself refuses an overlap, whatever wrote it: a row inserted past the store's
/// check breaks the exclusion constraint; a cancelled booking holds nothing.
#[tokio::test]
async fn postgres_refuses_an_overlap_by_constraint() {
    let database = TestDatabase::postgres().await;
    let store = database.store().await;
    store.migrate().await.unwrap();
    let insert = |state: &'static str, start: i64, end: i64| {
        let pool = store.pool().clone();
        async move {
            sqlx::query(
                "INSERT INTO bookings (resource_id, firm_id, state, starts_at, ends_at, held_until, grace_until, applicant, price, note, created_at) \
                 VALUES ('room', 'F', $1, $2, $3, $3, $2, 'anyone', 0, '', 'now')",
            )
            .bind(state)
            .bind(start)
            .bind(end)
            .execute(&pool)
            .await
        }
    };
    insert("confirmed", NINE, NINE + HOUR).await.unwrap();
    let error = insert("requested", NINE + 1800, NINE + 2 * HOUR)
        .await
        .unwrap_err();
    let code = error.as_database_error().and_then(|e| e.code()).unwrap();
    assert_eq!(code, "23P01", "exclusion_violation: {error}");
    // Touching ends do not overlap; released states hold nothing.
    insert("confirmed", NINE + HOUR, NINE + 2 * HOUR)
        .await
        .unwrap();
    insert("cancelled", NINE, NINE + HOUR).await.unwrap();
    insert("no_show", NINE, NINE + HOUR).await.unwrap();
}
