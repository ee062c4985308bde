use super::transit::{Transit, gtfs_minutes};
use super::*;

fn rules() -> NetworkRules {
    NetworkRules {
        detour_factor: 1.3,
        travel_speed_kmh: 30.0,
        reachable_minutes: 30.0,
        walk_speed_kmh: 4.5,
        max_walk_m: 800.0,
        transfer_minutes: 5.0,
    }
}

fn site(lat: f64, lon: f64) -> Option<Site> {
    Some(Site { lat, lon })
}

fn node(id: &str, kind: &str, at: Option<Site>, functions: &[&str]) -> Node {
    Node {
        id: id.into(),
        name: id.into(),
        name_en: None,
        kind: kind.into(),
        region: "daejeon".into(),
        site: at,
        functions: functions.iter().map(|f| f.to_string()).collect(),
        spaces: vec![],
    }
}

fn functions() -> Vec<String> {
    ["innovation", "startup", "enterprise_support", "living"]
        .map(String::from)
        .to_vec()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.into(), b.into())
}

#[test]
fn a_function_within_reach_is_no_gap_and_one_beyond_it_is() {
    // B is about 1.8 km east of A; C about 33 km south.
    let nodes = vec![
        node("a", "zone", site(36.35, 127.38), &["innovation", "startup"]),
        node(
            "b",
            "knowledge_industry_center",
            site(36.35, 127.40),
            &["enterprise_support"],
        ),
        node("c", "business_incubator", site(36.05, 127.38), &["startup"]),
        node("d", "business_incubator", None, &["startup"]),
    ];
    let moves = [
        pair("c", "a"),
        pair("c", "a"),
        pair("a", "b"),
        pair("a", "nowhere"),
        pair("a", "a"),
    ];
    let bookings = [pair("b", "a")];
    let net = build(nodes, &moves, &bookings, &functions(), &rules(), None);
    let ab = net
        .legs
        .iter()
        .find(|l| l.from == "a" && l.to == "b")
        .expect("a–b");
    assert!((ab.straight_m - 1790.0).abs() < 10.0, "{}", ab.straight_m);
    // 1.79 km × 1.3 at 30 km/h = 4.65 minutes.
    assert!((ab.minutes - ab.straight_m * 1.3 / 1000.0 / 30.0 * 60.0).abs() < 1e-9);
    assert_eq!(ab.by, By::Road);
    assert_eq!(net.legs.len(), 3, "d has no site");
    assert_eq!(net.unplaced, vec!["d".to_string()]);
    let gaps: Vec<(&str, &str, Option<&str>)> = net
        .gaps
        .iter()
        .map(|g| (g.hub.as_str(), g.function.as_str(), g.nearest.as_deref()))
        .collect();
    assert_eq!(
        gaps,
        vec![
            ("a", "living", None),
            ("b", "living", None),
            ("c", "innovation", Some("a")),
            ("c", "enterprise_support", Some("b")),
            ("c", "living", None),
        ]
    );
    let c_gap = &net.gaps[2];
    assert!(c_gap.nearest_minutes.is_some_and(|m| m > 30.0));
    let links: Vec<(&str, &str, LinkKind, usize)> = net
        .links
        .iter()
        .map(|l| (l.from.as_str(), l.to.as_str(), l.kind, l.count))
        .collect();
    assert_eq!(
        links,
        vec![
            ("a", "b", LinkKind::PostBiMove, 1),
            ("b", "a", LinkKind::Booking, 1),
            ("c", "a", LinkKind::PostBiMove, 2),
        ]
    );
}

#[test]
fn a_longer_reach_closes_the_gap() {
    let nodes = vec![
        node(
            "a",
            "zone",
            site(36.35, 127.38),
            &["innovation", "startup", "enterprise_support", "living"],
        ),
        node("c", "business_incubator", site(36.05, 127.38), &["startup"]),
    ];
    let mut wide = rules();
    wide.reachable_minutes = 120.0;
    let net = build(nodes, &[], &[], &functions(), &wide, None);
    assert!(net.gaps.is_empty(), "{:?}", net.gaps);
}

#[test]
fn transit_times_walk_wait_and_ride() {
    // Three stops about 1.8 km apart on one line: 5 minutes a hop.
    let stops = [
        Site {
            lat: 36.35,
            lon: 127.38,
        },
        Site {
            lat: 36.35,
            lon: 127.40,
        },
        Site {
            lat: 36.35,
            lon: 127.42,
        },
    ];
    let transit =
        Transit::new(&stops, &[(0, 1, 5.0), (1, 2, 6.0), (1, 2, 5.0)], &rules()).expect("transit");
    // At the stops: no walk, 5 minutes' wait, two hops.
    let m = transit.minutes(stops[0], stops[2]).expect("a journey");
    assert!((m - 15.0).abs() < 1e-9, "{m}");
    // Only forward: the line runs one way.
    assert_eq!(transit.minutes(stops[2], stops[0]), None);
    // 450 m from the first stop: 6 minutes' walk more.
    let near = Site {
        lat: 36.35 + 450.0 / 111_000.0,
        lon: 127.38,
    };
    let m = transit.minutes(near, stops[2]).expect("a journey");
    assert!((m - 21.0).abs() < 0.2, "{m}");
    // Far from every stop: none.
    assert_eq!(
        transit.minutes(
            Site {
                lat: 36.0,
                lon: 127.0
            },
            stops[2]
        ),
        None
    );
    // A hub network with the feed times a–b by transit.
    let nodes = vec![
        node("a", "zone", Some(stops[0]), &["startup"]),
        node("b", "zone", Some(stops[2]), &["startup"]),
    ];
    let net = build(nodes, &[], &[], &functions(), &rules(), Some(&transit));
    assert_eq!(net.legs[0].by, By::Transit);
    assert!((net.legs[0].minutes - 15.0).abs() < 1e-9);
    // Listed the other way round, the leg still takes the line's direction.
    let nodes = vec![
        node("a", "zone", Some(stops[2]), &["startup"]),
        node("b", "zone", Some(stops[0]), &["startup"]),
    ];
    let net = build(nodes, &[], &[], &functions(), &rules(), Some(&transit));
    assert_eq!((net.legs[0].by, net.legs[0].minutes), (By::Transit, 15.0));
}

#[test]
fn gtfs_times_read_past_midnight() {
    assert_eq!(gtfs_minutes("08:05:30"), Some(485.5));
    assert_eq!(gtfs_minutes("25:00:00"), Some(1500.0));
    assert_eq!(gtfs_minutes("8:5"), None);
    assert_eq!(gtfs_minutes("08:61:00"), None);
}
