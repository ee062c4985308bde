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

/// A call Daejeon's operator publishes, open until 10 July.
async fn open_call(state: &Services, operator: &Caller, title: &str) -> ucz_core::call::StoredCall {
    calls::publish(
        state,
        operator,
        &calls::PublishBody {
            zone: "daejeon".into(),
            id: None,
            title: title.into(),
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
    .unwrap()
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
    let published = open_call(&state, &operator, "대전 실증 지원").await;
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

/// Two stages: the document review's best advance to the presentation, which alone decides.
#[tokio::test]
async fn the_second_stage_reviews_only_those_the_first_advanced() {
    let database = TestDatabase::sqlite();
    let clock = Clock::fixed_at("2026-06-30T09:00:00+09:00").unwrap();
    let store = database.store().await.with_clock(clock);
    store.migrate().await.unwrap();
    let state = Services::new(store, Catalog::bundled().unwrap()).with_clock(clock);
    ucz_service::demo::load(&state, 5, clock.today())
        .await
        .unwrap();
    let operator = caller(&state, "op", RoleName::Operator, Some("daejeon"), None).await;
    let admin = caller(&state, "admin", RoleName::Admin, None, None).await;
    let published = open_call(&state, &operator, "대전 발표평가 지원").await;
    let setup = serde_json::from_value(json!({
        "budget": 100, "awards": 1, "max_amount": 100, "fixed_amount": true,
        "form": [],
        "rubric": [{"id": "tech", "name": "기술성", "weight": 100, "scale": 10}],
        "stages": [{"id": "documents", "name": "서면", "advance": 2}, {"id": "pitch", "name": "발표"}],
        "reviewers_per_application": 1, "max_load": 10
    }))
    .unwrap();
    awards::set_competition(&state, &operator, published.id, setup)
        .await
        .unwrap();
    let mut applications = Vec::new();
    for i in 0..3 {
        let id = format!("S-{i}");
        ucz_service::firms::create(
            &state,
            &admin,
            json!({"id": id, "name": format!("기업{i}"), "founded": "2024-03-01", "stage": "early",
                   "employees": 4, "region": "daejeon", "zone": "daejeon", "founder_age": 33,
                   "sector": "J62"}),
        )
        .await
        .unwrap();
        let firm = caller(&state, &format!("f{i}"), RoleName::Firm, None, Some(&id)).await;
        let draft = awards::create_application(&state, &firm, published.id, Default::default())
            .await
            .unwrap();
        awards::submit(&state, &firm, draft.id).await.unwrap();
        applications.push(draft.id);
    }
    let judge = caller(&state, "judge@x.test", RoleName::Evaluator, None, None).await;
    awards::invite(
        &state,
        &operator,
        published.id,
        awards::InviteBody {
            email: "judge@x.test".into(),
            name: "심사".into(),
            affiliations: vec![],
        },
    )
    .await
    .unwrap();
    let score = |application: i64, stage: &str, tech: u32| {
        let (state, judge) = (&state, &judge);
        let body = awards::ScoreBody {
            stage: Some(stage.to_string()),
            scores: [("tech".to_string(), tech)].into(),
            comment: String::new(),
        };
        async move {
            awards::score(state, judge, application, body)
                .await
                .unwrap()
        }
    };
    let first = awards::assign(&state, &operator, published.id, Some("documents"))
        .await
        .unwrap();
    assert_eq!(first.applications, 3);
    // Documents: 0 best, then 1, then 2 (not advanced).
    for (application, tech) in applications.iter().zip([9, 7, 3]) {
        score(*application, "documents", tech).await;
    }
    let second = awards::assign(&state, &operator, published.id, Some("pitch"))
        .await
        .unwrap();
    assert_eq!(second.applications, 2, "the best two advance");
    assert!(second.pairs.iter().all(|(a, _)| *a != applications[2]));
    // The presentation reverses the order; it alone decides.
    score(applications[0], "pitch", 4).await;
    score(applications[1], "pitch", 8).await;
    let results = awards::select(&state, &operator, published.id, Default::default())
        .await
        .unwrap();
    assert_eq!(results.stage, "pitch");
    let order: Vec<i64> = results
        .ranking
        .iter()
        .map(|r| r.ranked.application)
        .collect();
    assert_eq!(order, [applications[1], applications[0]]);
    assert_eq!(
        results.ranking[0].ranked.outcome,
        ucz_core::award::Outcome::Selected
    );
}
