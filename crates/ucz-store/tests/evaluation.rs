//! The evaluation's versioned records in the store, on both databases: a record's edits and
//! delete close versions instead of changing them, so the records read as of a past moment are
//! the same after later writes.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use ucz_core::clock::Clock;
use ucz_store::Store;
use ucz_test_support::TestDatabase;

async fn at(url: &str, moment: &str) -> Store {
    Store::connect(url)
        .await
        .unwrap()
        .with_clock(Clock::fixed_at(moment).unwrap())
}

async fn versions_are_kept(url: &str) {
    let early = at(url, "2026-03-01T00:00:00Z").await;
    early.migrate().await.unwrap();
    let late = at(url, "2026-09-01T00:00:00Z").await;
    let before = "2026-06-01T00:00:00Z";

    let a = json!({"id": "a", "amount_krw": 100});
    early
        .put_evaluation_record("coord", "daejeon", "investment", "a", &a)
        .await
        .unwrap();
    early
        .put_evaluation_record(
            "coord",
            "daejeon",
            "investment",
            "b",
            &json!({"amount_krw": 5}),
        )
        .await
        .unwrap();
    // The same body again writes no version.
    let same = early
        .put_evaluation_record("coord", "daejeon", "investment", "a", &a)
        .await
        .unwrap();
    assert_eq!(same.version, 1);
    let then = early
        .evaluation_records(Some("daejeon"), "investment", Some(before))
        .await
        .unwrap();
    assert_eq!(then.len(), 2);

    // Later: a edited, b deleted, c added, and a record of another zone.
    late.put_evaluation_record(
        "coord",
        "daejeon",
        "investment",
        "a",
        &json!({"amount_krw": 999}),
    )
    .await
    .unwrap();
    assert!(
        late.delete_evaluation_record("coord", "daejeon", "investment", "b")
            .await
            .unwrap()
    );
    assert!(
        !late
            .delete_evaluation_record("coord", "daejeon", "investment", "b")
            .await
            .unwrap()
    );
    late.put_evaluation_record(
        "coord",
        "daejeon",
        "investment",
        "c",
        &json!({"amount_krw": 7}),
    )
    .await
    .unwrap();
    late.put_evaluation_record("coord", "ulsan", "investment", "x", &json!({}))
        .await
        .unwrap();

    let again = late
        .evaluation_records(Some("daejeon"), "investment", Some(before))
        .await
        .unwrap();
    let seen = |rows: &[ucz_store::EvaluationRow]| -> Vec<(i64, String, serde_json::Value)> {
        rows.iter()
            .map(|r| (r.version, r.key.clone(), r.body.clone()))
            .collect()
    };
    assert_eq!(
        seen(&again),
        seen(&then),
        "as of June: unchanged by September's writes"
    );
    let now: Vec<(String, serde_json::Value)> = late
        .evaluation_records(Some("daejeon"), "investment", None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.key, r.body))
        .collect();
    assert_eq!(
        now,
        [
            ("a".to_string(), json!({"amount_krw": 999})),
            ("c".to_string(), json!({"amount_krw": 7}))
        ]
    );
    assert_eq!(
        late.evaluation_records(None, "investment", None)
            .await
            .unwrap()
            .len(),
        3
    );
    let history = late
        .evaluation_history("daejeon", "investment", "a")
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].valid_to.as_deref(), Some("2026-09-01T00:00:00Z"));
    assert_eq!(history[1].valid_to, None);
    let audit = late.audit(1000, 0).await.unwrap();
    let writes = audit
        .iter()
        .filter(|e| e.entity == "evaluation investment")
        .count();
    assert_eq!(writes, 6, "a, b, a edited, b deleted, c, x");
}

#[tokio::test]
async fn evaluation_records_keep_their_versions_on_sqlite() {
    let database = TestDatabase::sqlite();
    versions_are_kept(&database.url).await;
}

#[tokio::test]
async fn evaluation_records_keep_their_versions_on_postgres() {
    let database = TestDatabase::postgres().await;
    versions_are_kept(&database.url).await;
}
