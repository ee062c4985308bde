//! A 5 × 4 grid of 100 m cells worked out by hand.
//!
//! ```text
//!        col 0    1    2    3    4         station at the centre of (0,0)
//! row 0   S                 y    y         y: the district with 10 young residents per cell
//! row 1                     y    y         x: the excluded mask
//! row 2                     y    y
//! row 3   x                 y    y
//! ```
//! Station: rating 1 at 0 m falling to 0 at 200 m, weight 2. Youth: rating 0 at 0 to 1 at 10,
//! weight 1. Score = 100 × (2 × station + youth) / 3.

use super::*;

fn grid() -> Grid {
    Grid {
        x0: 0.0,
        y0: 400.0,
        cell_m: 100.0,
        cols: 5,
        rows: 4,
    }
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
    vec![vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
}

fn criteria(youth_weight: f64) -> Vec<Criterion> {
    vec![
        Criterion {
            id: "station".into(),
            name_ko: "역".into(),
            name_en: "Station".into(),
            weight: 2.0,
            curve: Curve(vec![(0.0, 1.0), (200.0, 0.0)]),
            source: Source::DistanceTo(Shapes::points(vec![(50.0, 350.0)])),
        },
        Criterion {
            id: "youth".into(),
            name_ko: "청년".into(),
            name_en: "Youth".into(),
            weight: youth_weight,
            curve: Curve(vec![(0.0, 0.0), (10.0, 1.0)]),
            source: Source::ValueIn(vec![(square(300.0, 0.0, 500.0, 400.0), 10.0)]),
        },
    ]
}

fn mask() -> Vec<Mask> {
    vec![Mask {
        id: "river".into(),
        polygons: vec![square(0.0, 0.0, 100.0, 100.0)],
        exclude: true,
    }]
}

fn near(a: f32, b: f64) -> bool {
    (f64::from(a) - b).abs() < 1e-3
}

#[test]
fn every_cell_scores_as_worked_by_hand() {
    for threads in [1, 2, 4] {
        let s = score(grid(), &[], &mask(), &criteria(1.0), threads);
        let at = |r: usize, c: usize| s.score[r * 5 + c];
        assert!(near(at(0, 0), 200.0 / 3.0), "(0,0) {}", at(0, 0));
        assert!(near(at(0, 1), 100.0 / 3.0), "0.5 × 2 / 3");
        // √2 × 100 m: 1 − 141.42 / 200 = 0.2929; × 2 / 3.
        assert!(near(
            at(1, 1),
            100.0 * 2.0 * (1.0 - 2f64.sqrt() / 2.0) / 3.0
        ));
        assert!(near(at(0, 2), 0.0), "200 m and outside the district");
        assert!(near(at(0, 3), 100.0 / 3.0), "the district alone");
        assert!(at(3, 0).is_nan(), "masked");
        assert_eq!(s.scored_cells, 19);
        assert!(near(s.values[0][2 * 5 + 2], 2f64.sqrt() * 200.0));
        assert!(s.values[1][0].is_nan() && s.values[1][4] == 10.0);
    }
}

#[test]
fn candidates_are_spaced_and_explained() {
    let s = score(grid(), &[], &mask(), &criteria(1.0), 2);
    let c = candidates(&s, &criteria(1.0), 3, 150.0);
    // (0,0) first; of the cells tied at 33.3 in index order, (0,1) and (1,0) are within 150 m of
    // it, (0,3) is not; then (0,4), (1,3), (1,4) are within 150 m of (0,3) and (2,3) is not.
    let cells: Vec<(f64, f64)> = c.iter().map(|c| (c.x, c.y)).collect();
    assert_eq!(cells, vec![(50.0, 350.0), (350.0, 350.0), (350.0, 150.0)]);
    assert_eq!(c.iter().map(|c| c.rank).collect::<Vec<_>>(), vec![1, 2, 3]);
    let first = &c[0];
    assert!((first.parts[0].contribution - 200.0 / 3.0).abs() < 1e-6);
    assert_eq!(first.parts[1].value, None);
    assert_eq!(first.parts[1].contribution, 0.0);
    let sum: f64 = c[1].parts.iter().map(|p| p.contribution).sum();
    assert!(
        (sum - c[1].score).abs() < 1e-3,
        "the parts add up to the score"
    );
}

#[test]
fn a_heavier_weight_changes_the_ranking() {
    let light = candidates(
        &score(grid(), &[], &[], &criteria(1.0), 1),
        &criteria(1.0),
        1,
        0.0,
    );
    let heavy = candidates(
        &score(grid(), &[], &[], &criteria(10.0), 1),
        &criteria(10.0),
        1,
        0.0,
    );
    assert_eq!((light[0].x, light[0].y), (50.0, 350.0));
    assert_eq!((heavy[0].x, heavy[0].y), (350.0, 350.0));
    assert!((heavy[0].score - 1000.0 / 12.0).abs() < 1e-3);
}

#[test]
fn the_study_area_limits_the_scored_cells() {
    let s = score(
        grid(),
        &[square(0.0, 200.0, 500.0, 400.0)],
        &[],
        &criteria(1.0),
        2,
    );
    assert_eq!(s.scored_cells, 10);
    assert!(s.score[15].is_nan());
}

#[test]
fn curves_rate_flat_outside_and_straight_between() {
    let c = Curve(vec![(100.0, 1.0), (300.0, 0.0)]);
    assert_eq!(c.rate(0.0), 1.0);
    assert_eq!(c.rate(200.0), 0.5);
    assert_eq!(c.rate(1e9), 0.0);
    assert_eq!(c.rate(f64::NAN), 0.0);
    assert!(Curve::problem(&[(1.0, 0.5), (1.0, 0.2)]).is_some());
    assert!(Curve::problem(&[(1.0, 1.5)]).is_some());
    assert!(Curve::problem(&[]).is_some());
}

#[test]
fn spec_problems_name_their_line_and_field() {
    let catalog = crate::Catalog::bundled().expect("catalog");
    let text = "[grid]\nregion = \"daejeon\"\n\n[[criterion]]\nid = \"station\"\nmeasure = \"distance\"\nweight = \"high\"\ncurve = [[0, 1.0]]\nlayer = \"s.geojson\"\n";
    let e = spec::Spec::parse(text, &catalog).expect_err("a weight that is not a number");
    assert_eq!(
        (e[0].line, e[0].field.as_str()),
        (7, "criterion[1].weight"),
        "{e:?}"
    );
    let text = "[grid]\nregion = \"atlantis\"\n\n[[criterion]]\nid = \"station\"\nmeasure = \"distance\"\nweight = 1\ncurve = [[0, 1.0], [0, 0.5]]\nlayer = \"s.geojson\"\n";
    let e = spec::Spec::parse(text, &catalog).expect_err("two problems");
    assert_eq!((e[0].line, e[0].field.as_str()), (2, "grid.region"));
    assert_eq!((e[1].line, e[1].field.as_str()), (8, "criterion[1].curve"));
    let text = "[grid]\nregion = \"daegyeong_area\"\ncell_m = 200\n\n[[criterion]]\nid = \"station\"\nmeasure = \"distance\"\nweight = 1\ncurve = [[0, 1.0]]\nlayer = \"s.geojson\"\n";
    let ok = spec::Spec::parse(text, &catalog).expect("a good file");
    assert_eq!(ok.area, spec::Area::EconomicRegion("daegyeong_area".into()));
    assert_eq!(ok.criteria[0].layer.line, 5);
    let e = ok
        .clone()
        .with_weights(&[("station".into(), f64::NAN)])
        .expect_err("NaN");
    assert_eq!(e.field, "weights.station");
    assert!(ok.with_weights(&[("nope".into(), 1.0)]).is_err());
}

#[test]
fn a_file_holds_a_bounded_number_of_criteria() {
    let catalog = crate::Catalog::bundled().expect("catalog");
    let mut text = String::from("[grid]\nregion = \"daejeon\"\n");
    for i in 0..33 {
        text.push_str(&format!("\n[[criterion]]\nid = \"c{i}\"\nmeasure = \"distance\"\nweight = 1\ncurve = [[0, 1.0]]\nlayer = \"s.geojson\"\n"));
    }
    let e = spec::Spec::parse(&text, &catalog).expect_err("33 criteria");
    assert_eq!(e[0].field, "criterion");
    assert!(e[0].message.contains("at most 32"), "{e:?}");
}

#[test]
fn lines_and_areas_are_near_along_them_and_inside() {
    let grid = Grid {
        x0: 0.0,
        y0: 1000.0,
        cell_m: 100.0,
        cols: 10,
        rows: 10,
    };
    let shapes = Shapes {
        points: vec![],
        // A road along y = 550 from x = 50 to 950; a park over x 600–1000, y 0–300.
        lines: vec![vec![(50.0, 550.0), (950.0, 550.0)]],
        areas: vec![square(600.0, 0.0, 1000.0, 300.0)],
    };
    let c = Criterion {
        id: "d".into(),
        name_ko: "d".into(),
        name_en: "d".into(),
        weight: 1.0,
        curve: Curve(vec![(0.0, 1.0), (1000.0, 0.0)]),
        source: Source::DistanceTo(shapes),
    };
    assert!(c.source.reaches(&grid));
    let s = score(grid, &[], &[], std::slice::from_ref(&c), 2);
    let at = |x: f64, y: f64| s.values[0][grid.index_of(x, y).expect("cell")];
    assert_eq!(at(450.0, 550.0), 0.0, "the middle of the road");
    assert_eq!(
        at(150.0, 250.0),
        300.0,
        "three cells from the road, five from the park"
    );
    assert_eq!(
        at(850.0, 50.0),
        0.0,
        "inside the park, far from its corners"
    );
    let far = Source::DistanceTo(Shapes::points(vec![(5000.0, 5000.0)]));
    assert!(!far.reaches(&grid));
}
