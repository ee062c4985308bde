//! Every value of the fields a draft reads (`../shared/domain/announcements.md`), each tested on
//! firms either side of its bound: the draft rule must type-check and decide as documented in
//! docs/calls.md.

use serde_json::json;

use super::*;
use crate::date::Date;
use crate::firm::Firm;
use crate::rule::Rule;

fn catalog() -> Catalog {
    Catalog::bundled().expect("catalog")
}

fn as_of() -> Date {
    Date::new(2026, 11, 30).expect("date")
}

/// A firm: a 35-year-old founder's firm in Daejeon founded `years` years ago (none: a
/// pre-founder), changed by `with`.
fn firm(years: Option<i64>, with: serde_json::Value) -> Firm {
    let mut body = json!({
        "id": "f", "stage": "early", "region": "daejeon", "founder_age": 35, "employees": 3,
        "revenue_krw": 100_000_000,
    });
    match years {
        Some(y) => {
            body["founded"] = json!(format!("{}-06-01", 2026 - y));
            if y == 0 {
                body["founded"] = json!("2026-06-01");
            }
        }
        None => body["stage"] = json!("pre_startup"),
    }
    if let (Some(body), Some(with)) = (body.as_object_mut(), with.as_object()) {
        for (k, v) in with {
            body.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(body).expect("a firm")
}

fn kstartup_draft(record: serde_json::Value) -> Draft {
    let catalog = catalog();
    let record = record.as_object().expect("object").clone();
    let region = region::read(&catalog, text(&record, "supt_regin"));
    kstartup(&catalog, &record, &region)
}

fn holds(draft: &Draft, firm: &Firm) -> bool {
    let rule = Rule::parse(&draft.rule)
        .unwrap_or_else(|e| panic!("the draft {:?} does not type-check: {e}", draft.rule));
    rule.holds(&firm.facts(as_of(), &catalog()))
}

#[test]
fn business_age_buckets_read_as_their_widest_bound() {
    // `예비창업자` alone: pre-founders only.
    let d = kstartup_draft(json!({"biz_enyy": "예비창업자"}));
    assert_eq!(d.rule, "firm.stage == \"pre_startup\"");
    assert!(holds(&d, &firm(None, json!({}))));
    assert!(!holds(&d, &firm(Some(0), json!({}))));
    // Each `N년미만` alone: founded firms under N years; a pre-founder is not admitted.
    for n in [1, 2, 3, 5, 7, 10] {
        let d = kstartup_draft(json!({"biz_enyy": format!("{n}년미만")}));
        assert_eq!(
            d.rule,
            format!("firm.stage != \"pre_startup\" && firm.age_years < {n}")
        );
        assert!(holds(&d, &firm(Some(n - 1), json!({}))), "{n}: n-1 years");
        assert!(!holds(&d, &firm(Some(n), json!({}))), "{n}: n years");
        assert!(!holds(&d, &firm(None, json!({}))), "{n}: a pre-founder");
    }
    // Several: the widest, and pre-founders too when ticked (the Seoul AI hub sample).
    let d = kstartup_draft(json!({"biz_enyy": "예비창업자,1년미만"}));
    assert_eq!(d.rule, "firm.age_years < 1");
    assert!(holds(&d, &firm(None, json!({}))));
    assert!(holds(&d, &firm(Some(0), json!({}))));
    assert!(!holds(&d, &firm(Some(1), json!({}))));
    // "업력 7년 이내" ticked as 7년미만,10년미만: read as under 10, the text is for the reviewer.
    let d = kstartup_draft(json!({"biz_enyy": "7년미만,10년미만"}));
    assert!(d.rule.ends_with("firm.age_years < 10"));
    assert!(holds(&d, &firm(Some(9), json!({}))));
    // An unknown bucket is flagged, not guessed.
    let d = kstartup_draft(json!({"biz_enyy": "10년이상"}));
    assert_eq!(d.rule, "true");
    assert_eq!(d.unread[0].field, "biz_enyy");
    assert_eq!(d.unread[0].value, "10년이상");
}

#[test]
fn founder_age_buckets_are_joined_into_ranges() {
    let d = kstartup_draft(json!({"biz_trgt_age": "만 20세 미만"}));
    assert_eq!(d.rule, "firm.founder_age <= 19");
    assert!(holds(&d, &firm(Some(1), json!({"founder_age": 19}))));
    assert!(!holds(&d, &firm(Some(1), json!({"founder_age": 20}))));

    let d = kstartup_draft(json!({"biz_trgt_age": "만 20세 이상 ~ 만 39세 이하"}));
    assert_eq!(d.rule, "firm.founder_age >= 20 && firm.founder_age <= 39");
    for (age, fits) in [(19, false), (20, true), (39, true), (40, false)] {
        assert_eq!(
            holds(&d, &firm(Some(1), json!({"founder_age": age}))),
            fits,
            "{age}"
        );
    }

    let d = kstartup_draft(json!({"biz_trgt_age": "만 40세 이상"}));
    assert_eq!(d.rule, "firm.founder_age >= 40");
    assert!(!holds(&d, &firm(Some(1), json!({"founder_age": 39}))));
    assert!(holds(&d, &firm(Some(1), json!({"founder_age": 40}))));

    // Adjacent buckets merge (the TIPS sample): 20 and over.
    let d = kstartup_draft(json!({"biz_trgt_age": "만 20세 이상 ~ 만 39세 이하,만 40세 이상"}));
    assert_eq!(d.rule, "firm.founder_age >= 20");
    assert!(!holds(&d, &firm(Some(1), json!({"founder_age": 19}))));
    assert!(holds(&d, &firm(Some(1), json!({"founder_age": 70}))));

    // Under 20 or 40 and over: two ranges.
    let d = kstartup_draft(json!({"biz_trgt_age": "만 20세 미만,만 40세 이상"}));
    assert_eq!(
        d.rule,
        "(firm.founder_age <= 19) || (firm.founder_age >= 40)"
    );
    assert!(!holds(&d, &firm(Some(1), json!({"founder_age": 30}))));
    assert!(holds(&d, &firm(Some(1), json!({"founder_age": 45}))));

    // All three: every age, no clause.
    let d = kstartup_draft(
        json!({"biz_trgt_age": "만 20세 미만,만 20세 이상 ~ 만 39세 이하,만 40세 이상"}),
    );
    assert_eq!(d.rule, "true");
    assert!(d.unread.is_empty());

    let d = kstartup_draft(json!({"biz_trgt_age": "청년"}));
    assert_eq!(d.rule, "true");
    assert_eq!(d.unread[0].value, "청년");
}

#[test]
fn support_regions_read_every_spelling_and_flag_the_unreadable() {
    let d = kstartup_draft(json!({"supt_regin": "전국"}));
    assert_eq!(d.rule, "true");

    for (text, inside, outside) in [
        ("서울", "seoul", "daejeon"),
        ("서울특별시", "seoul", "gyeonggi"),
        ("부산", "busan", "ulsan"),
        ("대구", "daegu", "gyeongbuk"),
        ("인천", "incheon", "seoul"),
        ("광주", "gwangju", "jeonnam"),
        ("대전", "daejeon", "sejong"),
        ("울산", "ulsan", "busan"),
        ("세종", "sejong", "daejeon"),
        ("경기", "gyeonggi", "seoul"),
        ("강원", "gangwon", "chungbuk"),
        ("강원특별자치도", "gangwon", "chungbuk"),
        ("충북", "chungbuk", "chungnam"),
        ("충남", "chungnam", "chungbuk"),
        ("전북", "jeonbuk", "jeonnam"),
        ("전북특별자치도", "jeonbuk", "jeonnam"),
        ("전남", "jeonnam", "jeonbuk"),
        ("경북", "gyeongbuk", "gyeongnam"),
        ("경남", "gyeongnam", "gyeongbuk"),
        ("제주", "jeju", "jeonnam"),
    ] {
        let d = kstartup_draft(json!({"supt_regin": text}));
        assert_eq!(d.rule, format!("firm.region == \"{inside}\""), "{text}");
        assert!(
            holds(&d, &firm(Some(1), json!({"region": inside}))),
            "{text}"
        );
        assert!(
            !holds(&d, &firm(Some(1), json!({"region": outside}))),
            "{text}"
        );
    }

    let d = kstartup_draft(json!({"supt_regin": "충청권"}));
    assert_eq!(
        d.rule,
        "firm.region in [\"daejeon\", \"sejong\", \"chungbuk\", \"chungnam\"]"
    );
    assert!(holds(&d, &firm(Some(1), json!({"region": "sejong"}))));
    assert!(!holds(&d, &firm(Some(1), json!({"region": "jeonbuk"}))));

    let d = kstartup_draft(json!({"supt_regin": "전남광주"}));
    assert_eq!(d.rule, "true");
    assert_eq!(d.unread[0].field, "supt_regin");
    assert_eq!(d.unread[0].value, "전남광주");
}

#[test]
fn applicant_kinds_say_who_may_apply() {
    let pre = firm(None, json!({}));
    let founded = firm(Some(2), json!({}));
    for (kinds, rule, pre_fits, firm_fits) in [
        ("예비창업자", "firm.stage == \"pre_startup\"", true, false),
        ("대학생", "firm.stage == \"pre_startup\"", true, false),
        ("청소년", "firm.stage == \"pre_startup\"", true, false),
        ("일반인", "firm.stage == \"pre_startup\"", true, false),
        ("일반기업", "firm.stage != \"pre_startup\"", false, true),
        ("1인 창조기업", "firm.stage != \"pre_startup\"", false, true),
        ("대학", "false", false, false),
        ("연구기관", "false", false, false),
        ("대학,연구기관", "false", false, false),
        ("예비창업자,일반기업", "true", true, true),
        ("청소년,대학생,일반인,1인 창조기업", "true", true, true),
        (
            "일반기업,1인 창조기업",
            "firm.stage != \"pre_startup\"",
            false,
            true,
        ),
        (
            "일반기업,대학",
            "firm.stage != \"pre_startup\"",
            false,
            true,
        ),
    ] {
        let d = kstartup_draft(json!({"aply_trgt": kinds}));
        assert_eq!(d.rule, rule, "{kinds}");
        assert_eq!(holds(&d, &pre), pre_fits, "{kinds}: a pre-founder");
        assert_eq!(holds(&d, &founded), firm_fits, "{kinds}: a firm");
    }
    let d = kstartup_draft(json!({"aply_trgt": "1인 창조기업"}));
    assert!(
        d.clauses[0]
            .note_ko
            .as_deref()
            .is_some_and(|n| n.contains("1인 창조기업"))
    );
    let d = kstartup_draft(json!({"aply_trgt": "외국인"}));
    assert_eq!(d.rule, "true");
    assert_eq!(d.unread[0].value, "외국인");
}

#[test]
fn the_samples_drafts_and_their_caveats() {
    // 웰컴 투 팁스 (충청권): the fields say 전국; the text says 충청권 — left to the reviewer.
    let d = kstartup_draft(json!({
        "supt_regin": "전국", "biz_enyy": "3년미만",
        "biz_trgt_age": "만 20세 이상 ~ 만 39세 이하,만 40세 이상",
        "aply_trgt": "일반기업,1인 창조기업",
        "aply_trgt_ctnt": "충청권(대전·세종·충남·충북) 소재 창업 후 2년 3개월 미만 기업",
        "aply_excl_trgt_ctnt": "팁스 R&D 및 팁스 연계 사업에 선정되어 협약을 체결한 이력이 있는 창업기업(대표자 포함)은 신청 불가",
    }));
    assert_eq!(
        d.rule,
        "firm.stage != \"pre_startup\" && firm.age_years < 3 && firm.founder_age >= 20"
    );
    let fields: Vec<&str> = d.unread.iter().map(|u| u.field.as_str()).collect();
    assert_eq!(fields, ["aply_trgt_ctnt", "aply_excl_trgt_ctnt"]);
    let origins: Vec<&str> = d.clauses.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        origins,
        ["biz_enyy", "biz_enyy", "biz_trgt_age", "aply_trgt"]
    );
}

fn bizinfo_draft(record: serde_json::Value) -> Draft {
    let catalog = catalog();
    let record = record.as_object().expect("object").clone();
    let region = bizinfo_region(&catalog, &record);
    bizinfo(&catalog, &record, &region)
}

#[test]
fn bizinfo_targets_tags_and_governments() {
    let sme = firm(Some(3), json!({}));
    let big = firm(
        Some(3),
        json!({"revenue_krw": 900_000_000_000_i64, "sector": "J62"}),
    );
    let d =
        bizinfo_draft(json!({"trgetNm": "중소기업", "hashTags": "2026,금융,서울,중소벤처기업부"}));
    assert_eq!(
        d.rule,
        "firm.region == \"seoul\" && firm.stage != \"pre_startup\" && firm.sme"
    );
    assert!(holds(&d, &firm(Some(3), json!({"region": "seoul"}))));
    assert!(!holds(&d, &sme), "not in Seoul");
    assert!(!holds(
        &d,
        &firm(
            Some(3),
            json!({"region": "seoul", "revenue_krw": 900_000_000_000_i64, "sector": "J62"})
        )
    ));

    let d = bizinfo_draft(json!({"trgetNm": "중견기업", "hashTags": "2026,수출,전국"}));
    assert_eq!(d.rule, "firm.stage != \"pre_startup\" && !firm.sme");
    assert!(holds(&d, &big));
    assert!(!holds(&d, &sme));

    let d = bizinfo_draft(json!({"trgetNm": "창업벤처", "jrsdInsttNm": "부산광역시"}));
    assert_eq!(
        d.rule,
        "firm.region == \"busan\" && (firm.stage == \"pre_startup\" || firm.age_years < 7 || firm.venture_certified)"
    );
    assert!(holds(&d, &firm(Some(6), json!({"region": "busan"}))));
    assert!(!holds(&d, &firm(Some(8), json!({"region": "busan"}))));
    assert!(holds(
        &d,
        &firm(
            Some(8),
            json!({"region": "busan", "venture_certified": true})
        )
    ));

    let d = bizinfo_draft(json!({"trgetNm": "1인기업", "jrsdInsttNm": "중소벤처기업부"}));
    assert_eq!(
        d.rule,
        "firm.stage != \"pre_startup\" && firm.employees <= 1"
    );
    assert!(holds(&d, &firm(Some(1), json!({"employees": 1}))));
    assert!(!holds(&d, &firm(Some(1), json!({"employees": 2}))));

    let d = bizinfo_draft(json!({"trgetNm": "사회적기업"}));
    assert_eq!(d.rule, "firm.stage != \"pre_startup\"");
    assert!(
        d.clauses[0]
            .note_en
            .as_deref()
            .is_some_and(|n| n.contains("certification"))
    );

    // A region tag no entry reads is flagged, not dropped (the call would look nationwide).
    let d = bizinfo_draft(
        json!({"trgetNm": "중소기업", "hashTags": "2026,금융,전남광주,중소벤처기업부"}),
    );
    assert_eq!(d.unread[0].field, "hashTags");
    assert_eq!(d.unread[0].value, "전남광주");

    let d = bizinfo_draft(json!({"trgetNm": "소상공인,중소기업"}));
    assert_eq!(d.rule, "firm.stage != \"pre_startup\" && firm.sme");
}
