//! A synthetic firm population with the shape of Korea's: for tests, benchmarks and demo data.
//!
//! Shares come from published statistics where they exist (`shared/notes/statistics.md`):
//! - regions: 2015 Economic Census (Seoul 21.2%, Gyeonggi 21.4%, the capital region 47.4% of
//!   establishments), 2022 National Establishment Survey (Busan 6.5%), 2010 Economic Census
//!   (Gyeongnam 6.7%, Ulsan 2.1%); the other regions' shares are assumptions near their share of
//!   population;
//! - industries: 2022 survey (wholesale and retail 1.519 M, accommodation and food 864 k,
//!   transport 644 k of 6.141 M establishments); the other sections' shares are assumptions;
//! - size: 2015 census (fewer than 5 workers 80.7%, 100 or more 0.5%); the classes between are
//!   assumptions;
//! - founder age: 2022 survey (representative in their 50s 31.8%, 40s 26.3%, 60 or over 23.4%);
//!   the split of the rest between the 20s and 30s is an assumption;
//! - incubation: 6,151 tenant firms in 260 incubators (2019), about 0.1% of firms; graduates,
//!   venture certification, R&D labs, designations and zone tenancy are assumptions of the same
//!   order of magnitude.
//!
//! The same count and seed always give the same firms.

use crate::date::Date;
use crate::firm::Firm;
use crate::id::Id;

/// xoshiro256** — small, fast and stable across versions, so seeds stay reproducible.
pub struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // SplitMix64 expands the seed.
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit().max(f64::MIN_POSITIVE);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Regions and their share of establishments, in percent (see the module docs).
pub const REGION_SHARES: [(&str, f64); 17] = [
    ("seoul", 21.2),
    ("busan", 6.5),
    ("daegu", 4.9),
    ("incheon", 4.8),
    ("gwangju", 2.9),
    ("daejeon", 2.8),
    ("ulsan", 2.1),
    ("sejong", 0.6),
    ("gyeonggi", 21.4),
    ("gangwon", 3.4),
    ("chungbuk", 3.2),
    ("chungnam", 4.2),
    ("jeonbuk", 3.6),
    ("jeonnam", 3.7),
    ("gyeongbuk", 5.2),
    ("gyeongnam", 6.7),
    ("jeju", 1.6),
];

/// KSIC sections, their share of establishments in percent, and the divisions drawn within.
pub const SECTOR_SHARES: [(&str, f64, &[u8]); 19] = [
    ("G", 24.7, &[45, 46, 47]),
    ("I", 14.1, &[55, 56]),
    ("H", 10.5, &[49, 50, 52]),
    ("C", 9.5, &[10, 13, 20, 22, 24, 25, 26, 27, 28, 29, 30, 31]),
    ("S", 7.0, &[94, 95, 96]),
    ("F", 6.6, &[41, 42]),
    ("L", 5.0, &[68]),
    ("Q", 3.4, &[86, 87]),
    ("P", 3.3, &[85]),
    ("M", 2.5, &[70, 71, 72, 73]),
    ("N", 2.5, &[74, 75]),
    ("R", 2.3, &[90, 91]),
    ("J", 1.2, &[58, 59, 61, 62, 63]),
    ("K", 0.8, &[64, 65, 66]),
    ("E", 0.2, &[37, 38, 39]),
    ("D", 0.1, &[35]),
    ("A", 0.1, &[1, 2, 3]),
    ("O", 0.2, &[84]),
    ("B", 0.05, &[5, 6, 7, 8]),
];

/// Size classes by workers: (share %, lowest, highest).
pub const SIZE_SHARES: [(f64, i64, i64); 6] = [
    (80.7, 1, 4),
    (10.5, 5, 9),
    (7.6, 10, 49),
    (0.7, 50, 99),
    (0.4, 100, 299),
    (0.1, 300, 3000),
];

/// Founder age bands: (share %, lowest, highest).
pub const FOUNDER_AGE_SHARES: [(f64, i64, i64); 5] = [
    (3.5, 20, 29),
    (15.0, 30, 39),
    (26.3, 40, 49),
    (31.8, 50, 59),
    (23.4, 60, 79),
];

/// Where synthetic zone tenants are: the five designated zones.
const ZONES: [&str; 5] = ["busan", "daegu", "gwangju", "daejeon", "ulsan"];

const DESIGNATIONS: [(&str, f64); 8] = [
    ("rnd_special_zone", 0.02),
    ("regulation_free_zone", 0.01),
    ("industry_academia_district", 0.004),
    ("knowledge_industry_cluster", 0.01),
    ("investment_leading_district", 0.002),
    ("national_innovation_complex", 0.005),
    ("campus_innovation_park", 0.002),
    ("opportunity_development_zone", 0.005),
];

/// `count` firms from `seed`, as of `as_of` (founding dates are drawn before it).
pub fn firms(count: usize, seed: u64, as_of: Date) -> Vec<Firm> {
    let mut rng = Rng::new(seed);
    let region_weights: Vec<f64> = REGION_SHARES.iter().map(|(_, w)| *w).collect();
    let sector_weights: Vec<f64> = SECTOR_SHARES.iter().map(|(_, w, _)| *w).collect();
    let size_weights: Vec<f64> = SIZE_SHARES.iter().map(|(w, _, _)| *w).collect();
    let age_weights: Vec<f64> = FOUNDER_AGE_SHARES.iter().map(|(w, _, _)| *w).collect();
    let today = as_of.days_since_epoch();
    (0..count)
        .map(|i| {
            firm(
                &mut rng,
                i,
                today,
                &region_weights,
                &sector_weights,
                &size_weights,
                &age_weights,
            )
        })
        .collect()
}

fn firm(
    rng: &mut Rng,
    index: usize,
    today: i64,
    region_weights: &[f64],
    sector_weights: &[f64],
    size_weights: &[f64],
    age_weights: &[f64],
) -> Firm {
    let region = REGION_SHARES[rng.weighted(region_weights)].0;
    let (section, _, divisions) = SECTOR_SHARES[rng.weighted(sector_weights)];
    let division = divisions[rng.range(0, divisions.len() as i64 - 1) as usize];
    let (_, lo, hi) = SIZE_SHARES[rng.weighted(size_weights)];
    let employees = rng.range(lo, hi);
    let (_, age_lo, age_hi) = FOUNDER_AGE_SHARES[rng.weighted(age_weights)];
    let founder_age = rng.range(age_lo, age_hi);

    // Firm age: many young firms, a long tail (assumption: exponential with a mean of 9 years).
    let pre_startup = rng.chance(0.02);
    let age_days = (-(1.0 - rng.unit()).ln() * 9.0 * 365.25) as i64;
    let founded = if pre_startup {
        None
    } else {
        Date::from_days_since_epoch(today - age_days.min(60 * 365))
    };
    let age_years = age_days / 365;
    let young = age_years < 7;

    let in_incubator = young && !pre_startup && rng.chance(0.02);
    let graduated_incubator = !in_incubator && age_years >= 2 && rng.chance(0.015);
    let stage = if pre_startup {
        "pre_startup"
    } else if age_years < 3 {
        "early"
    } else if age_years < 7 {
        "growth"
    } else if employees >= 10 && rng.chance(0.4) {
        "scale_up"
    } else {
        "established"
    };
    let employees = if pre_startup { 0 } else { employees };

    // Revenue: log-normal around ₩60 million per worker (assumption).
    let revenue = if pre_startup {
        0
    } else {
        (employees as f64 * 6.0e7 * (0.8 * rng.normal()).exp()) as i64
    };
    let research_minded = matches!(section, "C" | "J" | "M");
    let rnd = if research_minded && rng.chance(0.3) {
        (revenue as f64 * 0.02 * (1.0 + rng.unit() * 5.0)) as i64
    } else {
        0
    };
    let export = if section == "C" && rng.chance(0.2) {
        (revenue as f64 * rng.unit() * 0.6) as i64
    } else {
        0
    };
    let youth = (0..employees.min(300)).filter(|_| rng.chance(0.3)).count() as i64;
    let youth = if employees > 300 {
        youth * employees / 300
    } else {
        youth
    };

    let zone = if ZONES.contains(&region) && rng.chance(0.01) {
        region.to_string()
    } else {
        String::new()
    };
    let designations = DESIGNATIONS
        .iter()
        .filter(|(_, p)| rng.chance(*p * if zone.is_empty() { 1.0 } else { 10.0 }))
        .map(|(d, _)| Id::new(*d))
        .collect();

    Firm {
        id: format!("F{index:08}"),
        name: format!("합성기업 {index}"),
        founded,
        closed: None,
        stage: Id::new(stage),
        employees,
        youth_employees: youth.min(employees),
        revenue_krw: revenue,
        rnd_spend_krw: rnd,
        export_revenue_krw: export,
        sector: format!("{section}{division:02}"),
        region: Id::new(region),
        zone,
        designations,
        in_incubator,
        graduated_incubator,
        venture_certified: research_minded && young && rng.chance(0.05),
        has_rnd_lab: research_minded && employees >= 5 && rng.chance(0.15),
        founder_age,
        research_institute_share: 0,
        high_tech_sales_share: 0,
        strategic_industry: false,
        owns_home: false,
        // ucz's assumption: assets of about one year's sales.
        assets_krw: revenue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn as_of() -> Date {
        Date::new(2026, 6, 30).expect("date")
    }

    #[test]
    fn the_same_seed_gives_the_same_firms() {
        assert_eq!(firms(500, 7, as_of()), firms(500, 7, as_of()));
        assert_ne!(firms(50, 7, as_of()), firms(50, 8, as_of()));
    }

    #[test]
    fn synthetic_firms_are_valid() {
        let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        for firm in firms(5_000, 1, as_of()) {
            assert_eq!(firm.problems(&catalog), Vec::new(), "{firm:?}");
        }
    }

    #[test]
    fn shares_follow_the_published_statistics() {
        let population = firms(100_000, 42, as_of());
        let share = |test: &dyn Fn(&Firm) -> bool| {
            population.iter().filter(|f| test(f)).count() as f64 / 1000.0
        };
        // Weights are normalised over the sections and regions listed.
        let region_total: f64 = REGION_SHARES.iter().map(|(_, w)| w).sum();
        let sector_total: f64 = SECTOR_SHARES.iter().map(|(_, w, _)| w).sum();
        let capital = share(&|f| matches!(f.region.as_str(), "seoul" | "incheon" | "gyeonggi"));
        assert!(
            (capital - 47.4 / region_total * 100.0).abs() < 1.0,
            "capital region {capital}%"
        );
        let retail = share(&|f| f.sector.starts_with('G'));
        assert!(
            (retail - 24.7 / sector_total * 100.0).abs() < 1.0,
            "wholesale and retail {retail}%"
        );
        let micro = share(&|f| f.employees < 5);
        assert!((micro - 80.7).abs() < 2.5, "fewer than 5 workers {micro}%");
        let fifties = share(&|f| (50..60).contains(&f.founder_age));
        assert!(
            (fifties - 31.8).abs() < 1.0,
            "founders in their 50s {fifties}%"
        );
    }
}
