use super::*;
use crate::call::group::same_call;
use crate::call::{CallStatus, RuleState};

const KSTARTUP: &str = include_str!("../../../../../examples/calls/kstartup.json");
const BIZINFO: &str = include_str!("../../../../../examples/calls/bizinfo.json");

fn catalog() -> Catalog {
    Catalog::bundled().expect("catalog")
}

fn read_ok(source: CallSource, text: &str) -> Imported {
    read(&catalog(), source, text).expect("the response reads")
}

#[test]
fn the_real_kstartup_records_read_plain() {
    let imported = read_ok(CallSource::Kstartup, KSTARTUP);
    assert!(imported.errors.is_empty(), "{:?}", imported.errors);
    assert_eq!(imported.records, 4);
    assert_eq!(imported.total, Some(4));
    let (_, tips) = &imported.calls[0];
    assert_eq!(tips.source_id, "178845");
    assert_eq!(tips.field.as_deref(), Some("기술개발(R&D)"));
    assert!(tips.region.nationwide());
    assert_eq!(tips.period.opens, Date::new(2026, 8, 7));
    assert_eq!(
        tips.period.closes_at.as_deref(),
        Some("2026-08-18T14:59:59Z")
    );
    assert_eq!(
        tips.apply[0].url.as_deref(),
        Some("https://buly.kr/HHf3KNe")
    );
    assert_eq!(
        tips.exclusions.as_deref(),
        Some(
            "팁스 R&D 및 팁스 연계 사업에 선정되어 협약을 체결한 이력이 있는 창업기업(대표자 포함)은 신청 불가"
        )
    );
    assert_eq!(tips.review.state, RuleState::Draft);
    // The raw record is kept as it came, entities and all.
    let raw = tips.raw.as_ref().expect("raw");
    assert_eq!(raw["supt_biz_clsfc"], "기술개발(R&amp;D)");

    let (_, hub) = &imported.calls[1];
    assert_eq!(hub.title, "2026 하반기 서울 AI 허브 입주기업 모집 공고");
    assert_eq!(
        hub.summary.as_deref(),
        Some("본 사업은 혁신적인 아이디어를 보유한 예비창업자의 사업화를 지원합니다.")
    );
    assert_eq!(hub.region.regions, ["seoul"]);
    assert_eq!(
        hub.apply[0].url.as_deref(),
        Some("https://www.k-startup.go.kr/apply/177976")
    );
    assert_eq!(hub.apply[0].text, "www.k-startup.go.kr");
    assert_eq!(
        hub.review.rule,
        "firm.age_years < 1 && firm.founder_age >= 20 && firm.founder_age <= 39 && firm.region == \"seoul\""
    );

    let (_, package) = &imported.calls[2];
    assert_eq!(package.program.as_deref(), Some("pre_startup_package"));
    assert_eq!(
        package.detail_url.as_deref(),
        Some(
            "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=179120"
        )
    );
    assert_eq!(
        package.status("2026-11-30T00:00:00Z".parse().expect("t")),
        CallStatus::Upcoming
    );
}

#[test]
fn bizinfo_reads_both_envelopes_and_words_for_periods() {
    let imported = read_ok(CallSource::Bizinfo, BIZINFO);
    assert!(imported.errors.is_empty(), "{:?}", imported.errors);
    assert_eq!(imported.calls.len(), 3);
    assert_eq!(imported.total, Some(3));
    let (_, package) = &imported.calls[0];
    assert_eq!(
        package.detail_url.as_deref(),
        Some(
            "https://www.bizinfo.go.kr/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000115230"
        )
    );
    assert_eq!(
        package.summary.as_deref(),
        Some("혁신적인 기술창업 아이디어를 보유한 예비창업자의 사업화를 지원합니다.")
    );
    assert_eq!(package.field.as_deref(), Some("창업 · 사업화"));
    assert_eq!(package.region.regions, ["daejeon"]);
    let (_, fund) = &imported.calls[1];
    assert!(fund.period.always);
    assert_eq!(fund.period.text.as_deref(), Some("예산 소진시까지"));
    assert_eq!(
        fund.summary.as_deref(),
        Some("대전 소재 중소기업의 경영안정자금을 지원합니다.")
    );

    // The flat envelope, and one item as an object.
    let flat = format!(
        "{{\"jsonArray\": {}}}",
        serde_json::to_string(
            &serde_json::from_str::<Value>(BIZINFO).expect("json")["jsonArray"]["item"]
        )
        .expect("text")
    );
    assert_eq!(read_ok(CallSource::Bizinfo, &flat).calls.len(), 3);
    let one = r#"{"jsonArray": {"item": {"pblancId": "PBLN_1", "pblancNm": "하나"}}}"#;
    assert_eq!(read_ok(CallSource::Bizinfo, one).calls.len(), 1);
}

#[test]
fn the_same_call_from_both_portals_is_recognised() {
    let k = read_ok(CallSource::Kstartup, KSTARTUP);
    let b = read_ok(CallSource::Bizinfo, BIZINFO);
    let pairs: Vec<(&str, &str)> = k
        .calls
        .iter()
        .flat_map(|(_, a)| b.calls.iter().map(move |(_, c)| (a, c)))
        .filter(|(a, c)| same_call(a, c))
        .map(|(a, c)| (a.source_id.as_str(), c.source_id.as_str()))
        .collect();
    assert_eq!(pairs, [("179120", "PBLN_000000000115230")]);
}

#[test]
fn bad_records_are_told_by_index_and_field_and_the_rest_read() {
    let text = r#"{"data": [
        {"pbanc_sn": 1, "biz_pbanc_nm": "좋은 공고", "pbanc_rcpt_end_dt": "20261231"},
        {"biz_pbanc_nm": "번호 없는 공고"},
        {"pbanc_sn": 3},
        {"pbanc_sn": 4, "biz_pbanc_nm": "없는 날", "pbanc_rcpt_end_dt": "20260230"},
        {"pbanc_sn": 5, "biz_pbanc_nm": "거꾸로", "pbanc_rcpt_bgng_dt": "20261231", "pbanc_rcpt_end_dt": "20261201"},
        "not a record",
        {"pbanc_sn": 7, "biz_pbanc_nm": ["list"]},
        {"pbanc_sn": 8, "biz_pbanc_nm": "나쁜 주소", "detl_pg_url": "javascript:alert(1)"},
        {"pbanc_sn": 9, "biz_pbanc_nm": "읽을 수 없는 지역", "supt_regin": "전남광주"}
    ]}"#;
    let imported = read_ok(CallSource::Kstartup, text);
    let read: Vec<usize> = imported.calls.iter().map(|(i, _)| *i).collect();
    assert_eq!(read, [0, 8]);
    let errors: Vec<(Option<usize>, Option<&str>, String)> = imported
        .errors
        .iter()
        .map(|e| (e.index, e.field.as_deref(), e.message.to_string()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                Some(1),
                Some("pbanc_sn"),
                "pbanc_sn is missing or empty".to_string()
            ),
            (
                Some(2),
                Some("biz_pbanc_nm"),
                "biz_pbanc_nm is missing or empty".to_string()
            ),
            (
                Some(3),
                Some("pbanc_rcpt_end_dt"),
                "\"20260230\" is not a date (YYYYMMDD)".to_string()
            ),
            (
                Some(4),
                Some("pbanc_rcpt_end_dt"),
                "the period ends (2026-12-01) before it starts (2026-12-31)".to_string()
            ),
            (Some(5), None, "the record is not a JSON object".to_string()),
            (
                Some(6),
                Some("biz_pbanc_nm"),
                "biz_pbanc_nm is not text or a number".to_string()
            ),
            (
                Some(7),
                Some("detl_pg_url"),
                "\"javascript:alert(1)\" is not a web address (http or https)".to_string()
            ),
        ]
    );
    // The unreadable region is not an error: the call is read and the region flagged.
    let (_, odd) = &imported.calls[1];
    assert_eq!(odd.region.unread, ["전남광주"]);
    assert_eq!(odd.review.draft.unread[0].field, "supt_regin");
}

#[test]
fn a_bad_file_is_refused_whole_with_where() {
    let c = catalog();
    let err = read(
        &c,
        CallSource::Kstartup,
        "{\"data\": [\n{\"pbanc_sn\": 1,}\n]}",
    )
    .expect_err("bad json");
    assert_eq!(err.index, None);
    assert!(
        err.message
            .to_string()
            .starts_with("the file is not JSON: line 2, column"),
        "{err}"
    );
    let err = read(&c, CallSource::Kstartup, BIZINFO).expect_err("wrong envelope");
    assert_eq!(
        err.message.to_string(),
        "unknown envelope: expected an object with a \"data\" list (K-Startup) or a \"jsonArray\" (기업마당), found an object with keys jsonArray (기업마당's envelope: source bizinfo)"
    );
    let err = read(&c, CallSource::Bizinfo, "[1, 2]").expect_err("a bare list");
    assert!(err.message.to_string().ends_with("found a bare list"));
    let err = read(&c, CallSource::Bizinfo, r#"{"jsonArray": {"item": 3}}"#).expect_err("bad item");
    assert!(err.message.to_string().contains("jsonArray"));
    let bad_period =
        r#"{"jsonArray": [{"pblancId": "P1", "pblancNm": "x", "reqstBeginEndDe": "곧"}]}"#;
    let imported = read(&c, CallSource::Bizinfo, bad_period).expect("reads");
    assert_eq!(imported.errors[0].field.as_deref(), Some("reqstBeginEndDe"));
}
