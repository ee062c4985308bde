//! Uploaded application files: checked by the deployment's scanner before they are kept, and
//! kept where every server process reads them (the database, or a shared directory).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::json;
use ucz_core::account::RoleName;
use ucz_core::{Catalog, Clock};
use ucz_service::awards::{self, FileScan};
use ucz_service::{Caller, Role, Services, calls};
use ucz_test_support::TestDatabase;

/// Refuses files holding the EICAR test string, as a virus scanner would.
struct Eicar;

impl FileScan for Eicar {
    fn check(&self, _name: &str, _media_type: &str, content: &[u8]) -> Result<(), String> {
        let marker = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE";
        if content.windows(marker.len()).any(|w| w == marker) {
            Err("EICAR test signature".into())
        } else {
            Ok(())
        }
    }
}

async fn caller(
    state: &Services,
    name: &str,
    role: RoleName,
    zone: Option<&str>,
    firm: Option<&str>,
) -> Caller {
    let user = state
        .store
        .add_user("test", name, "x", role, zone, firm)
        .await
        .unwrap();
    let role = Role::of(&user).unwrap();
    Caller::User { user, role }
}

#[tokio::test]
async fn uploads_are_scanned_and_kept_where_every_process_reads_them() {
    let database = TestDatabase::sqlite();
    let files = tempfile::tempdir().unwrap();
    let clock = Clock::fixed_at("2026-06-30T09:00:00+09:00").unwrap();
    let store = database
        .store()
        .await
        .with_clock(clock)
        .with_files_dir(files.path().to_path_buf());
    store.migrate().await.unwrap();
    let mut state = Services::new(store, Catalog::bundled().unwrap()).with_clock(clock);
    state.file_scan = Some(Arc::new(Eicar));
    ucz_service::demo::load(&state, 5, clock.today())
        .await
        .unwrap();
    let operator = caller(&state, "op", RoleName::Operator, Some("daejeon"), None).await;
    let published = calls::publish(
        &state,
        &operator,
        &calls::PublishBody {
            zone: "daejeon".into(),
            id: None,
            title: "대전 실증 지원".into(),
            summary: None,
            field: None,
            target: None,
            opens: None,
            closes_at: "2026-07-10T18:00:00+09:00".into(),
            rule: None,
            apply_url: None,
        },
    )
    .await
    .unwrap();
    let setup = serde_json::from_value(json!({
        "budget": 100, "awards": 1, "max_amount": 100,
        "form": [{"id": "deck", "label": "발표자료", "kind": "file"}],
        "rubric": [{"id": "tech", "name": "기술성", "weight": 100, "scale": 10}],
        "reviewers_per_application": 1, "max_load": 10
    }))
    .unwrap();
    awards::set_competition(&state, &operator, published.id, setup)
        .await
        .unwrap();
    let admin = caller(&state, "admin", RoleName::Admin, None, None).await;
    ucz_service::firms::create(
        &state,
        &admin,
        json!({"id": "F-1", "name": "시험기업", "founded": "2024-03-01", "stage": "early",
               "employees": 4, "region": "daejeon", "zone": "daejeon", "founder_age": 33,
               "sector": "J62"}),
    )
    .await
    .unwrap();
    let firm_id = "F-1".to_string();
    let firm = caller(&state, "f", RoleName::Firm, None, Some(&firm_id)).await;

    let infected = b"%PDF X5O!P%@AP EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let refused = awards::upload(
        &state,
        &firm,
        published.id,
        "deck",
        "a.pdf",
        "application/pdf",
        infected,
    )
    .await
    .unwrap_err();
    assert_eq!(refused.errors[0].field, "file");
    assert!(refused.errors[0].message.to_string().contains("EICAR"));
    assert_eq!(
        std::fs::read_dir(files.path()).unwrap().count(),
        0,
        "nothing kept"
    );

    let deck = b"%PDF-1.4 a clean deck";
    let kept = awards::upload(
        &state,
        &firm,
        published.id,
        "deck",
        "a.pdf",
        "application/pdf",
        deck,
    )
    .await
    .unwrap();
    let on_disk = files.path().join(&kept.sha256[..2]).join(&kept.sha256);
    assert_eq!(std::fs::read(&on_disk).unwrap(), deck);
    // Another process's store on the same database and directory reads it.
    let other = database
        .store()
        .await
        .with_files_dir(files.path().to_path_buf());
    let (media_type, content) = other.file(&kept.sha256).await.unwrap().unwrap();
    assert_eq!(
        (media_type.as_str(), content.as_slice()),
        ("application/pdf", &deck[..])
    );
    // Without the directory, the server says where the file is, not a wrong answer.
    let without = database.store().await;
    assert!(without.file(&kept.sha256).await.is_err());
}
