//! The same call announced on both portals: grouped and shown once when its title (made plain:
//! `clean::title_key`), its agency and its period agree — and never across regions. A coordinator
//! can split or join groups by hand; a group so set is kept by later imports.

use super::CallBody;
use super::clean::title_key;

/// What a store looks candidates up by: the title made plain and the period's days. Calls with
/// different keys are never the same call; calls with the same key are if [`same_call`] says so.
pub fn group_key(call: &CallBody) -> String {
    let day = |d: Option<crate::date::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    format!(
        "{}|{}|{}|{}",
        title_key(&call.title),
        day(call.period.opens),
        day(call.period.closing_day()),
        if call.period.always { "always" } else { "" }
    )
}

/// An agency's name as compared: no spaces, no `(주)`-style brackets, no punctuation.
fn agency_key(name: &str) -> String {
    name.replace("(주)", "")
        .replace("㈜", "")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether two calls of different portals announce the same thing: same title and period (the
/// group key), an agency in common (the announcing body, the ministry in charge or the executing
/// body of either), and the same region.
pub fn same_call(a: &CallBody, b: &CallBody) -> bool {
    if a.source == b.source || group_key(a) != group_key(b) {
        return false;
    }
    let agencies = |c: &CallBody| -> Vec<String> {
        [&c.agency, &c.executor]
            .into_iter()
            .flatten()
            .map(|n| agency_key(n))
            .filter(|k| !k.is_empty())
            .collect()
    };
    let (ours, theirs) = (agencies(a), agencies(b));
    if !ours.iter().any(|k| theirs.contains(k)) {
        return false;
    }
    let mut ra = a.region.regions.clone();
    let mut rb = b.region.regions.clone();
    ra.sort();
    rb.sort();
    ra == rb && a.region.unread == b.region.unread
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::{CallRegion, CallSource, Period};
    use crate::date::Date;

    fn call(source: CallSource, title: &str, agency: &str, regions: &[&str]) -> CallBody {
        CallBody {
            source,
            source_id: "1".into(),
            title: title.into(),
            agency: Some(agency.into()),
            executor: None,
            summary: None,
            field: None,
            target: None,
            exclusions: None,
            region: CallRegion {
                text: String::new(),
                regions: regions.iter().map(|r| r.to_string()).collect(),
                unread: Vec::new(),
            },
            period: Period::closing_on(
                Date::new(2026, 8, 7),
                Date::new(2026, 8, 18).expect("date"),
            ),
            apply: Vec::new(),
            detail_url: None,
            contact: None,
            program: None,
            zone: None,
            review: Default::default(),
            raw: None,
        }
    }

    #[test]
    fn the_same_call_on_both_portals_is_one() {
        let k = call(
            CallSource::Kstartup,
            "2026년 예비창업패키지 예비창업자 모집",
            "중소벤처기업부",
            &[],
        );
        let b = call(
            CallSource::Bizinfo,
            "[전국] 2026년 예비창업패키지 예비창업자 모집",
            "중소벤처기업부",
            &[],
        );
        assert!(same_call(&k, &b));
        // Not within one portal.
        let k2 = call(
            CallSource::Kstartup,
            "2026년 예비창업패키지 예비창업자 모집",
            "중소벤처기업부",
            &[],
        );
        assert!(!same_call(&k, &k2));
        // Not with another agency.
        let other = call(
            CallSource::Bizinfo,
            "2026년 예비창업패키지 예비창업자 모집",
            "서울특별시",
            &[],
        );
        assert!(!same_call(&k, &other));
        // Not across regions, even with the same title.
        let busan = call(
            CallSource::Kstartup,
            "청년 창업 지원",
            "창업진흥원",
            &["busan"],
        );
        let ulsan = call(
            CallSource::Bizinfo,
            "청년 창업 지원",
            "창업진흥원",
            &["ulsan"],
        );
        assert!(!same_call(&busan, &ulsan));
        // Not with another period.
        let mut later = b.clone();
        later.period =
            Period::closing_on(Date::new(2026, 8, 7), Date::new(2026, 8, 19).expect("date"));
        assert!(!same_call(&k, &later));
    }
}
