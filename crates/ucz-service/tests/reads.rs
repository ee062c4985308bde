//! The reads the pages make through the use cases: each part of a zone as far as the caller may
//! read it, and API tokens only of the caller's own account.

#![allow(clippy::unwrap_used)]

use ucz_core::account::RoleName;
use ucz_core::{Catalog, Clock};
use ucz_service::{Caller, Code, Role, Services, demo, tokens, zones};
use ucz_test_support::TestDatabase;

async fn services(database: &TestDatabase) -> Services {
    let clock = Clock::fixed_at("2026-06-30T09:00:00+09:00").unwrap();
    let store = database.store().await.with_clock(clock);
    store.migrate().await.unwrap();
    let state = Services::new(store, Catalog::bundled().unwrap()).with_clock(clock);
    demo::load(&state, 40, clock.today()).await.unwrap();
    assert!(demo::load_ladder(&state, clock.today()).await.unwrap() > 0);
    state
}

async fn caller(state: &Services, name: &str, role: &str, zone: Option<&str>) -> Caller {
    let user = state
        .store
        .add_user(
            "test",
            name,
            "x",
            RoleName::parse(role).unwrap(),
            zone,
            None,
        )
        .await
        .unwrap();
    let role = Role::of(&user).unwrap();
    Caller::User { user, role }
}

#[tokio::test]
async fn a_zone_holds_for_each_caller_what_its_page_showed() {
    let database = TestDatabase::sqlite();
    let state = services(&database).await;
    let own = caller(&state, "operator", "operator", Some("daejeon")).await;
    let other = caller(&state, "other", "operator", Some("busan")).await;
    let coordinator = caller(&state, "coordinator", "coordinator", None).await;
    let admin = caller(&state, "admin", "admin", None).await;

    let mine = zones::holdings(&state, &own, "daejeon").await.unwrap();
    assert!(
        !mine.leases.is_empty(),
        "its operator ends the zone's leases"
    );
    assert!(!mine.tenants.is_empty());
    assert!(!mine.facilities.is_empty());
    assert!(mine.facilities.iter().all(|f| f["spaces"].is_array()));
    let all = zones::holdings(&state, &admin, "daejeon").await.unwrap();
    assert_eq!(all.leases, mine.leases);

    // Another zone's operator sees the facilities, spaces and institutions as any account does,
    // but neither the leases nor the tenant firms.
    let theirs = zones::holdings(&state, &other, "daejeon").await.unwrap();
    assert!(theirs.leases.is_empty());
    assert!(theirs.tenants.is_empty());
    assert_eq!(theirs.facilities, mine.facilities);
    assert_eq!(theirs.institutions, mine.institutions);

    // A coordinator reads the tenant firms; the page lists leases only for whoever ends them.
    let region = zones::holdings(&state, &coordinator, "daejeon")
        .await
        .unwrap();
    assert!(region.leases.is_empty());
    assert_eq!(region.tenants, mine.tenants);

    // Anonymous visitors get the public diagnosis and counts only.
    let public = zones::holdings(&state, &Caller::Anonymous, "daejeon")
        .await
        .unwrap();
    assert!(public.facilities.is_empty() && public.institutions.is_empty());
    assert!(public.leases.is_empty() && public.tenants.is_empty());
    assert_eq!(public.tenants_by_stage, mine.tenants_by_stage);
    assert_eq!(
        serde_json::to_value(&public.diagnosis).unwrap(),
        serde_json::to_value(&mine.diagnosis).unwrap()
    );

    // The placement selector: an operator its own region, others every region with zones.
    assert_eq!(
        zones::regions(&state, &own).await.unwrap(),
        vec!["daejeon".to_string()]
    );
    assert!(zones::regions(&state, &admin).await.unwrap().len() > 1);
    assert_eq!(
        zones::regions(&state, &Caller::Anonymous)
            .await
            .unwrap_err()
            .code,
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn an_account_lists_and_revokes_only_its_own_tokens() {
    let database = TestDatabase::sqlite();
    let state = services(&database).await;
    let one = caller(&state, "one", "admin", None).await;
    let two = caller(&state, "two", "operator", Some("busan")).await;
    let (secret, info) = tokens::create(&state, &one, "script", None).await.unwrap();
    assert_eq!(secret.len(), 64);
    assert_eq!(tokens::list(&state, &one).await.unwrap().len(), 1);
    assert!(tokens::list(&state, &two).await.unwrap().is_empty());
    let refused = tokens::revoke(&state, &two, &info.id).await.unwrap_err();
    assert_eq!(refused.code, Code::NotFound);
    assert_eq!(
        tokens::create(&state, &one, "long", Some(400))
            .await
            .unwrap_err()
            .code,
        Code::Validation
    );
    tokens::revoke(&state, &one, &info.id).await.unwrap();
    assert!(tokens::list(&state, &one).await.unwrap().is_empty());
}
