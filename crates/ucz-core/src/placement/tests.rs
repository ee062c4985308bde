use super::*;

/// The placement policy of the bundled catalog: the tests check the plan under it.
fn policy() -> &'static PlacementPolicy {
    static CATALOG: std::sync::LazyLock<crate::Catalog> =
        std::sync::LazyLock::new(|| crate::Catalog::bundled().unwrap_or_else(|e| panic!("{e}")));
    &CATALOG.placement
}

fn date(text: &str) -> Date {
    text.parse().expect("date")
}

fn need(firm: &str, area: f64, sector: &str) -> Need {
    Need {
        firm: firm.into(),
        region: "daejeon".into(),
        area: "daejeon".into(),
        needed_by: date("2027-03-31"),
        area_m2: area,
        sector: sector.into(),
        stage: "growth".into(),
        budget_krw: None,
        kinds: vec!["post_bi_office".into(), "rental_unit".into()],
        equipment: vec![],
        preferred_hubs: vec![],
        site: None,
        excluded: vec![],
        previous: None,
    }
}

fn space(id: &str, hub: &str, area: f64) -> Vacancy {
    Vacancy {
        space: id.into(),
        hub: hub.into(),
        region: "daejeon".into(),
        area: "daejeon".into(),
        kind: "post_bi_office".into(),
        area_m2: area,
        rent_krw: None,
        stages: vec![],
        sectors: vec![],
        equipment: vec![],
        site: None,
        free_from: date("2027-01-01"),
    }
}

#[test]
fn unmet_requirements_are_named() {
    let mut s = space("s", "hub", 100.0);
    s.sectors = vec!["J".into()];
    let n = need("c", 150.0, "C26");
    let unmet = unmet(&n, &s);
    assert_eq!(
        unmet,
        [
            "100 m² is less than the 150 m² needed",
            "it admits sectors J, not C26"
        ]
    );
    assert!(super::unmet(&need("j", 50.0, "J62"), &s).is_empty());
    assert!(fits(&need("j", 50.0, "J62"), &s));
}

#[test]
fn placing_more_graduates_beats_a_better_fit_for_one() {
    // A greedy pass gives the big space to the first graduate and strands the second.
    let needs = [need("a", 50.0, "J62"), need("b", 150.0, "J62")];
    let spaces = [space("big", "hub1", 200.0), space("small", "hub2", 60.0)];
    let plan = plan(&needs, &spaces, policy());
    assert_eq!(plan.proposals.len(), 2);
    let of = |firm: &str| {
        plan.proposals
            .iter()
            .find(|p| p.firm == firm)
            .map(|p| p.space.as_str())
    };
    assert_eq!((of("a"), of("b")), (Some("small"), Some("big")));
}

#[test]
fn preferences_then_distance_decide_among_fitting_spaces() {
    let mut a = need("a", 50.0, "J62");
    a.preferred_hubs = vec!["far".into()];
    a.site = Some(Site {
        lat: 36.35,
        lon: 127.38,
    });
    let mut near = space("near", "near", 60.0);
    near.site = Some(Site {
        lat: 36.351,
        lon: 127.381,
    });
    let mut far = space("far-1", "far", 60.0);
    far.site = Some(Site {
        lat: 36.5,
        lon: 127.5,
    });
    let plan = plan(&[a.clone()], &[near.clone(), far.clone()], policy());
    assert_eq!(
        plan.proposals[0].space, "far-1",
        "the preferred hub wins over distance"
    );
    a.preferred_hubs.clear();
    let plan = super::plan(&[a], &[far, near], policy());
    assert_eq!(plan.proposals[0].space, "near", "then the nearer one");
    assert!(
        plan.proposals[0]
            .reasons_en
            .iter()
            .any(|r| r.ends_with("km from its current site"))
    );
}

#[test]
fn an_unplaced_graduate_is_told_which_requirement_no_space_meets() {
    let mut spaces = vec![space("s1", "hub", 120.0)];
    spaces[0].sectors = vec!["J".into()];
    let plan = plan(&[need("c", 200.0, "C26")], &spaces, policy());
    assert!(plan.proposals.is_empty());
    assert_eq!(
        plan.unplaced[0].reason_en,
        "no space of kind post_bi_office/rental_unit ≥ 200 m² in daejeon"
    );
    let mut big = space("s2", "hub", 300.0);
    big.sectors = vec!["J".into()];
    let plan = super::plan(&[need("c", 200.0, "C26")], &[big], policy());
    assert_eq!(
        plan.unplaced[0].reason_en,
        "no space of kind post_bi_office/rental_unit ≥ 200 m² admitting C26 in daejeon"
    );
    let mut late = space("s3", "hub", 300.0);
    late.free_from = date("2027-06-01");
    let plan = super::plan(&[need("c", 200.0, "C26")], &[late], policy());
    assert!(
        plan.unplaced[0]
            .reason_en
            .ends_with("in daejeon before 2027-03-31"),
        "{}",
        plan.unplaced[0].reason_en
    );
    assert!(
        plan.unplaced[0]
            .reason_ko
            .ends_with("2027-03-31까지 입주 가능 공간 없음"),
        "{}",
        plan.unplaced[0].reason_ko
    );
}

#[test]
fn a_graduate_outbid_for_every_fitting_space_is_waitlisted() {
    let plan = plan(
        &[need("a", 50.0, "J62"), need("b", 50.0, "J62")],
        &[space("only", "hub", 60.0)],
        policy(),
    );
    assert_eq!(plan.proposals.len(), 1);
    assert_eq!(plan.unplaced[0].fitting_spaces, 1);
    assert!(plan.unplaced[0].reason_en.contains("waitlisted"));
}

/// A small random region, reproducible from a seed.
fn random_region(seed: u64) -> (Vec<Need>, Vec<Vacancy>) {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let sectors = ["C26", "J62", "M70"];
    let hubs = ["h1", "h2", "h3"];
    let needs: Vec<Need> = (0..1 + next(5))
        .map(|i| {
            let mut n = need(
                &format!("g{i}"),
                (1 + next(4)) as f64 * 50.0,
                sectors[next(3) as usize],
            );
            n.budget_krw = (next(2) == 0).then(|| (1 + next(4) as i64) * 1_000_000);
            n.preferred_hubs = if next(2) == 0 {
                vec![hubs[next(3) as usize].to_string()]
            } else {
                vec![]
            };
            n.equipment = if next(2) == 0 {
                vec!["cnc".to_string()]
            } else {
                vec![]
            };
            // Different days needed, stages, and a space turned down now and then.
            n.needed_by = date(["2027-02-15", "2027-03-31", "2027-07-01"][next(3) as usize]);
            n.stage = ["growth", "scale_up"][next(2) as usize].to_string();
            if next(4) == 0 {
                n.excluded = vec![format!("s{}", next(3))];
            }
            n.site = Some(Site {
                lat: 36.0 + next(50) as f64 / 100.0,
                lon: 127.0 + next(50) as f64 / 100.0,
            });
            n
        })
        .collect();
    let spaces: Vec<Vacancy> = (0..1 + next(6))
        .map(|i| {
            let mut s = space(
                &format!("s{i}"),
                hubs[next(3) as usize],
                (1 + next(5)) as f64 * 50.0,
            );
            s.rent_krw = Some((1 + next(4) as i64) * 1_000_000);
            s.sectors = match next(3) {
                0 => vec![],
                1 => vec!["C".into()],
                _ => vec!["J".into(), "M".into()],
            };
            s.equipment = if next(2) == 0 {
                vec!["cnc".to_string()]
            } else {
                vec![]
            };
            if next(4) == 0 {
                s.stages = vec!["growth".to_string()];
            }
            // A hub's spaces share its site, so identical rooms freeing on different days
            // form one type.
            let at = hubs.iter().position(|h| *h == s.hub).unwrap_or(0) as f64;
            s.site = Some(Site {
                lat: 36.0 + at / 10.0,
                lon: 127.0 + at / 10.0,
            });
            s.free_from = if next(3) == 0 {
                date("2027-05-01")
            } else {
                date("2027-01-01")
            };
            s
        })
        .collect();
    // Half the time, copies of the spaces freeing on other days: rooms of one type.
    let mut spaces = spaces;
    if next(2) == 0 {
        let mut copies = Vec::new();
        for (i, s) in spaces.iter().enumerate() {
            if next(2) == 0 {
                let day = ["2027-01-01", "2027-03-01", "2027-06-01"][next(3) as usize];
                copies.push(Vacancy {
                    space: format!("c{i}"),
                    free_from: date(day),
                    ..s.clone()
                });
            }
        }
        spaces.extend(copies);
    }
    (needs, spaces)
}

/// Every assignment, the best by (placed, −cost).
fn brute_force(needs: &[Need], spaces: &[Vacancy]) -> (usize, i64) {
    fn walk(
        i: usize,
        needs: &[Need],
        spaces: &[Vacancy],
        used: &mut Vec<bool>,
        placed: usize,
        cost: i64,
        best: &mut (usize, i64),
    ) {
        if i == needs.len() {
            if placed > best.0 || (placed == best.0 && cost < best.1) {
                *best = (placed, cost);
            }
            return;
        }
        walk(i + 1, needs, spaces, used, placed, cost, best);
        for s in 0..spaces.len() {
            if !used[s] && fits(&needs[i], &spaces[s]) {
                used[s] = true;
                walk(
                    i + 1,
                    needs,
                    spaces,
                    used,
                    placed + 1,
                    cost + super::cost(&needs[i], &spaces[s], policy()),
                    best,
                );
                used[s] = false;
            }
        }
    }
    let mut best = (0, 0);
    walk(
        0,
        needs,
        spaces,
        &mut vec![false; spaces.len()],
        0,
        0,
        &mut best,
    );
    best
}

#[test]
fn the_plan_is_optimal_on_small_regions_checked_by_brute_force() {
    for seed in 0..1500 {
        let (needs, spaces) = random_region(seed);
        let plan = plan(&needs, &spaces, policy());
        let (placed, cost) = brute_force(&needs, &spaces);
        assert_eq!(
            (plan.proposals.len(), plan.cost),
            (placed, cost),
            "seed {seed}"
        );
        // The proposals are real: each fits, no space twice, costs add up.
        let mut used = std::collections::HashSet::new();
        let mut total = 0;
        for p in &plan.proposals {
            let n = needs.iter().find(|n| n.firm == p.firm).expect("need");
            let s = spaces.iter().find(|s| s.space == p.space).expect("space");
            assert!(fits(n, s) && used.insert(&p.space), "seed {seed}");
            total += super::cost(n, s, policy());
        }
        assert_eq!(total, plan.cost, "seed {seed}");
        assert_eq!(plan.proposals.len() + plan.unplaced.len(), needs.len());
    }
}

/// Every assignment: the best (placed, cost), and the most previous proposals an assignment of
/// that (placed, cost) keeps.
fn brute_force_kept(needs: &[Need], spaces: &[Vacancy]) -> (usize, i64, usize) {
    fn walk(
        i: usize,
        needs: &[Need],
        spaces: &[Vacancy],
        used: &mut Vec<bool>,
        now: (usize, i64, usize),
        best: &mut (usize, i64, usize),
    ) {
        if i == needs.len() {
            let (placed, cost, kept) = now;
            if (placed, Reverse(cost), kept) > (best.0, Reverse(best.1), best.2) {
                *best = now;
            }
            return;
        }
        walk(i + 1, needs, spaces, used, now, best);
        for s in 0..spaces.len() {
            if !used[s] && fits(&needs[i], &spaces[s]) {
                used[s] = true;
                let keeps = needs[i].previous.as_deref() == Some(spaces[s].space.as_str());
                let next = (
                    now.0 + 1,
                    now.1 + super::cost(&needs[i], &spaces[s], policy()),
                    now.2 + usize::from(keeps),
                );
                walk(i + 1, needs, spaces, used, next, best);
                used[s] = false;
            }
        }
    }
    use std::cmp::Reverse;
    let mut best = (0, 0, 0);
    walk(
        0,
        needs,
        spaces,
        &mut vec![false; spaces.len()],
        (0, 0, 0),
        &mut best,
    );
    best
}

fn kept(plan: &Plan, needs: &[Need]) -> usize {
    plan.proposals
        .iter()
        .filter(|p| {
            needs
                .iter()
                .any(|n| n.firm == p.firm && n.previous.as_deref() == Some(p.space.as_str()))
        })
        .count()
}

#[test]
fn after_a_rejection_or_a_new_space_the_plan_keeps_the_most_proposals_an_optimal_plan_can() {
    let mut changed = 0;
    for seed in 0..1500 {
        let (mut needs, mut spaces) = random_region(seed);
        let shown = plan(&needs, &spaces, policy());
        for p in &shown.proposals {
            if let Some(n) = needs.iter_mut().find(|n| n.firm == p.firm) {
                n.previous = Some(p.space.clone());
            }
        }
        // Odd seeds: the first proposal is turned down; even ones: a space is added.
        if seed % 2 == 1 {
            let Some(p) = shown.proposals.first() else {
                continue;
            };
            if let Some(n) = needs.iter_mut().find(|n| n.firm == p.firm) {
                n.excluded.push(p.space.clone());
            }
        } else {
            let mut added = spaces[seed as usize % spaces.len()].clone();
            added.space = "new".into();
            added.area_m2 += 50.0;
            spaces.push(added);
        }
        let next = plan(&needs, &spaces, policy());
        let (placed, cost, most_kept) = brute_force_kept(&needs, &spaces);
        assert_eq!(
            (next.proposals.len(), next.cost, kept(&next, &needs)),
            (placed, cost, most_kept),
            "seed {seed}"
        );
        // The same with one first choice: the previous space is always among a graduate's.
        let one = plan_with(&needs, &spaces, policy(), 1);
        assert_eq!(
            (one.proposals.len(), one.cost, kept(&one, &needs)),
            (placed, cost, most_kept),
            "seed {seed}, one first choice"
        );
        let before = shown.proposals.len();
        changed += usize::from(most_kept + 1 < before);
    }
    assert!(changed > 0, "some changes do move other graduates");
}

#[test]
fn random_previous_proposals_are_kept_as_far_as_an_optimal_plan_allows() {
    for seed in 0..1500 {
        let (mut needs, spaces) = random_region(seed);
        for (i, n) in needs.iter_mut().enumerate() {
            // Any space, fitting or not, or none.
            n.previous = (!(seed as usize + i).is_multiple_of(3))
                .then(|| format!("s{}", (seed as usize * 7 + i) % (spaces.len() + 1)));
        }
        let next = plan(&needs, &spaces, policy());
        let (placed, cost, most_kept) = brute_force_kept(&needs, &spaces);
        assert_eq!(
            (next.proposals.len(), next.cost, kept(&next, &needs)),
            (placed, cost, most_kept),
            "seed {seed}"
        );
    }
}

#[test]
fn rejecting_one_proposal_moves_no_one_else_when_it_need_not() {
    // Three graduates, four identical spaces but for the hub: any one-to-one plan is optimal.
    let needs: Vec<Need> = ["a", "b", "c"]
        .iter()
        .map(|f| need(f, 50.0, "J62"))
        .collect();
    let spaces: Vec<Vacancy> = ["s1", "s2", "s3", "s4"]
        .iter()
        .map(|s| space(s, "hub", 60.0))
        .collect();
    let shown = plan(&needs, &spaces, policy());
    let mut needs = needs;
    for p in &shown.proposals {
        if let Some(n) = needs.iter_mut().find(|n| n.firm == p.firm) {
            n.previous = Some(p.space.clone());
        }
    }
    let turned_down = shown.proposals[0].clone();
    needs
        .iter_mut()
        .find(|n| n.firm == turned_down.firm)
        .expect("graduate")
        .excluded
        .push(turned_down.space.clone());
    let next = plan(&needs, &spaces, policy());
    for p in &shown.proposals[1..] {
        assert!(
            next.proposals
                .iter()
                .any(|q| q.firm == p.firm && q.space == p.space),
            "{} keeps {}: {next:?}",
            p.firm,
            p.space
        );
    }
    assert!(
        next.proposals
            .iter()
            .any(|q| q.firm == turned_down.firm && q.space != turned_down.space)
    );
}

#[test]
fn rooms_of_one_type_go_to_those_who_need_them_soonest() {
    let mut late = need("late", 50.0, "J62");
    late.needed_by = date("2027-12-31");
    let mut soon = need("soon", 50.0, "J62");
    soon.needed_by = date("2027-02-28");
    let mut january = space("jan", "hub", 60.0);
    january.free_from = date("2027-01-01");
    let mut june = space("jun", "hub", 60.0);
    june.free_from = date("2027-06-01");
    // Whichever is routed first, both get a room, and only the January one suits `soon`.
    for needs in [[late.clone(), soon.clone()], [soon.clone(), late.clone()]] {
        let plan = plan(&needs, &[june.clone(), january.clone()], policy());
        let of = |firm: &str| {
            plan.proposals
                .iter()
                .find(|p| p.firm == firm)
                .map(|p| p.space.as_str())
        };
        assert_eq!((of("soon"), of("late")), (Some("jan"), Some("jun")));
    }
}

#[test]
fn a_space_turned_down_is_not_proposed_again() {
    let mut a = need("a", 50.0, "J62");
    let spaces = [space("s1", "hub", 60.0), space("s2", "hub", 60.0)];
    let first = plan(&[a.clone()], &spaces, policy()).proposals[0]
        .space
        .clone();
    a.excluded = vec![first.clone()];
    let plan = plan(&[a], &spaces, policy());
    assert_eq!(plan.proposals.len(), 1);
    assert_ne!(plan.proposals[0].space, first);
}

/// Placing one more graduate may move thousands of others to worse spaces; it must still win.
#[test]
fn one_more_graduate_placed_beats_any_sum_of_worse_fits() {
    let n = 5_500;
    let code = |i: usize| format!("X{i:05}");
    // A spare space for g_0, so that everyone can be placed if everyone moves down one.
    let mut spare = space("spare", "spare", 150.0);
    spare.sectors = vec![code(0)];
    let mut spaces = vec![spare];
    // s_j admits the sectors of g_j and g_(j+1); it is g_j's preferred hub, with its equipment
    // and just its size; for g_(j+1) it is a worse fit.
    for j in 0..=n {
        let mut s = space(&format!("s{j}"), &format!("h{j}"), 100.0);
        s.sectors = vec![code(j), code(j + 1)];
        s.equipment = (0..3).map(|k| format!("e{j}.{k}")).collect();
        spaces.push(s);
    }
    let mut needs = Vec::new();
    for i in 0..=n {
        let mut g = need(&format!("g{i}"), 100.0, &code(i));
        g.preferred_hubs = vec![format!("h{i}")];
        g.equipment = (0..3).map(|k| format!("e{i}.{k}")).collect();
        needs.push(g);
    }
    // One more graduate who fits only the last space, which g_n would rather have.
    let mut extra = need("extra", 100.0, &code(n + 1));
    extra.excluded = vec![];
    needs.push(extra);
    let plan = plan(&needs, &spaces, policy());
    assert!(
        plan.unplaced.is_empty(),
        "all {} placed: {:?}",
        needs.len(),
        plan.unplaced.first()
    );
    assert_eq!(plan.proposals.len(), n + 2);
}

#[test]
fn the_misfit_and_its_weight_against_idle_days_are_the_catalogs() {
    let mut a = need("a", 50.0, "J62");
    a.equipment = vec!["cnc".into(), "3d_printer".into()];
    a.budget_krw = Some(1_000_000);
    let mut s = space("s", "hub", 75.0);
    s.rent_krw = Some(250_000);
    // No preferred hub 150, two missing pieces 200, 50 % larger 50, a quarter of the budget 25.
    assert_eq!(misfit(&a, &s, &policy().misfit), 425);
    let mut other = policy().clone();
    other.misfit.no_preferred_hub = 0;
    other.misfit.missing_equipment_max = 100;
    other.misfit.oversize_per_percent = 2;
    other.misfit.rent_per_percent = 0;
    assert_eq!(misfit(&a, &s, &other.misfit), 200);
    // 89 idle days (free from January 1st, needed by March 31st).
    assert_eq!(cost(&a, &s, policy()), (425 * 30 + 89) * FIT_STEP);
    other.idle_days_per_point = 1;
    assert_eq!(cost(&a, &s, &other), (200 + 89) * FIT_STEP);
}

/// The reasons as first written: the requirements checked one by one over every type's first
/// space and earliest day, up to the first that leaves none.
fn straightforward_requirements_met(need: &Need, vacancies: &[Vacancy]) -> usize {
    let index = index::Index::new(std::slice::from_ref(need), vacancies);
    type Check<'a> = &'a dyn Fn(&Vacancy, Date) -> bool;
    let checks: [Check; REQUIREMENTS] = [
        &|v, _| v.region == need.region,
        &|v, _| need.kinds.contains(&v.kind),
        &|v, _| v.area_m2 >= need.area_m2,
        &|v, _| admits_sector(&v.sectors, &need.sector),
        &|v, _| admits_stage(&v.stages, &need.stage),
        &|v, _| match (v.rent_krw, need.budget_krw) {
            (Some(rent), Some(budget)) => rent <= budget,
            _ => true,
        },
        &|_, earliest| earliest <= need.needed_by,
    ];
    let mut remaining: Vec<(&Vacancy, Date)> = index
        .types
        .iter()
        .filter_map(|t| Some((&vacancies[*t.members.first()?], *t.days.first()?)))
        .collect();
    for (met, keep) in checks.iter().enumerate() {
        remaining.retain(|(v, earliest)| keep(v, *earliest));
        if remaining.is_empty() {
            return met;
        }
    }
    REQUIREMENTS
}

/// A region of a few hubs in two regions, spaces of three kinds: small enough to check every
/// graduate's reasons against the straightforward reading.
fn mixed_region() -> impl Strategy<Value = (Vec<Need>, Vec<Vacancy>)> {
    let need_fields = (
        0usize..3,
        1u32..6,
        0usize..4,
        0usize..3,
        proptest::option::of(1i64..5),
        0usize..3,
        proptest::collection::vec(0usize..3, 0..3),
    );
    let space_fields = (
        0usize..3,
        0usize..3,
        1u32..6,
        proptest::option::of(1i64..5),
        0usize..3,
        0usize..3,
        0usize..4,
    );
    (
        proptest::collection::vec(need_fields, 1..6),
        proptest::collection::vec(space_fields, 0..12),
    )
        .prop_map(|(needs, spaces)| {
            let regions = ["daejeon", "sejong", "busan"];
            let kinds = ["post_bi_office", "rental_unit", "lab"];
            let days = ["2027-01-01", "2027-03-01", "2027-06-01", "2027-09-01"];
            let needs = needs
                .into_iter()
                .enumerate()
                .map(|(i, (region, area, sector, stage, budget, day, k))| {
                    let mut n = need(
                        &format!("g{i}"),
                        f64::from(area) * 50.0,
                        ["C26", "J62", "M70", "C10"][sector],
                    );
                    n.region = regions[region].into();
                    n.area = regions[region].into();
                    n.stage = ["growth", "scale_up", "seed"][stage].into();
                    n.budget_krw = budget.map(|b| b * 1_000_000);
                    n.needed_by = date(days[day + 1]);
                    n.kinds = k.into_iter().map(|k| kinds[k].to_string()).collect();
                    n
                })
                .collect();
            let spaces = spaces
                .into_iter()
                .enumerate()
                .map(|(i, (region, kind, area, rent, sectors, stages, day))| {
                    let mut s = space(
                        &format!("s{i}"),
                        ["h1", "h2"][i % 2],
                        f64::from(area) * 50.0,
                    );
                    s.region = regions[region % 2].into();
                    s.area = regions[region % 2].into();
                    s.kind = kinds[kind].into();
                    s.rent_krw = rent.map(|r| r * 1_000_000);
                    s.sectors =
                        [vec![], vec!["C".into()], vec!["J".into(), "M".into()]][sectors].clone();
                    s.stages = [vec![], vec!["growth".into()], vec!["seed".into()]][stages].clone();
                    s.free_from = date(days[day]);
                    s
                })
                .collect();
            (needs, spaces)
        })
}

use proptest::prelude::*;

proptest! {
    #[test]
    fn indexed_reasons_equal_the_straightforward_ones((needs, spaces) in mixed_region()) {
        let index = index::Index::new(&needs, &spaces);
        for (n, need) in needs.iter().enumerate() {
            prop_assert_eq!(
                index.requirements_met(n, need),
                straightforward_requirements_met(need, &spaces),
                "{}", need.firm
            );
        }
    }

    #[test]
    fn the_plan_is_the_same_with_few_first_choices((needs, spaces) in mixed_region()) {
        let all = plan_with(&needs, &spaces, policy(), usize::MAX);
        let one = plan_with(&needs, &spaces, policy(), 1);
        prop_assert_eq!(
            (one.proposals.len(), one.cost),
            (all.proposals.len(), all.cost)
        );
    }
}

#[test]
fn graduates_sharing_a_site_stay_optimal_with_one_first_choice() {
    // Graduates of one incubator share its site (or have none): they read each class's types
    // nearest first from one kept order.
    for seed in 0..800 {
        let (mut needs, spaces) = random_region(seed);
        for (i, need) in needs.iter_mut().enumerate() {
            need.site = (i % 3 < 2).then_some(Site {
                lat: 36.0 + (i % 3) as f64 * 0.15,
                lon: 127.05,
            });
        }
        let plan = plan_with(&needs, &spaces, policy(), 1);
        assert_eq!(
            (plan.proposals.len(), plan.cost),
            brute_force(&needs, &spaces),
            "seed {seed}"
        );
    }
}

#[test]
fn one_first_choice_stays_optimal_on_small_regions() {
    for seed in 0..1500 {
        let (needs, spaces) = random_region(seed);
        let plan = plan_with(&needs, &spaces, policy(), 1);
        assert_eq!(
            (plan.proposals.len(), plan.cost),
            brute_force(&needs, &spaces),
            "seed {seed}"
        );
    }
}
