//! The verifiable draw of a housing round (docs/housing-draw.md): every input is committed
//! before the draw — the frozen list of verified applicants (its hash published when
//! applications close) and a public random value that did not exist yet (a named lottery's
//! numbers, a randomness beacon's value at a stated time) — so that anyone can re-run the draw
//! from the published data and check the result, as RFC 3797 does for nominating committees.
//!
//! The algorithm (`ucz-draw-1`):
//! 1. the list is the applicants sorted by number, each `{number, tier, unit_type, score_rank}`
//!    (`score_rank`: 1 for the highest score in the tier, equal scores equal ranks; 1 for all in
//!    an unscored tier); `list_hash` = SHA-256 of its canonical JSON (RFC 8785), hex;
//! 2. `seed` = SHA-256 of the canonical JSON `{"list_hash": …, "random": …}`, hex;
//! 3. each applicant's `key` = SHA-256 of `seed` ‖ `:` ‖ `number` (UTF-8), hex;
//! 4. tiers in priority order; within a tier, applicants by `score_rank`, then `key`;
//! 5. each unit type offers a tier its quota plus, when the round says so, what earlier tiers
//!    left, and the last tier also the units no tier's quota names; applicants are housed in
//!    order while their unit type has units;
//! 6. the applicants not housed, in the same order tier after tier, form each unit type's
//!    reserve list, up to `reserve` each;
//! 7. `result_hash` = SHA-256 of the canonical JSON of the allocations and reserve lists.
//!
//! Only integers and strings appear in what is hashed, so the canonical form is exactly the
//! sorted-keys, no-whitespace JSON every language writes alike.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The name of the algorithm above; a round says which one it used.
pub const ALGORITHM: &str = "ucz-draw-1";

/// What is left of a tier's quota when it runs out of applicants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Leftover {
    /// Goes to the next tier.
    NextTier,
    /// Stays empty (for a later round).
    Keep,
}

/// A tier of priority with its quota of units by type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub id: String,
    pub quotas: BTreeMap<String, u32>,
}

/// An applicant as the draw sees it: pseudonymous.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub number: String,
    pub tier: String,
    pub unit_type: String,
    /// 1 for the highest score in the tier; equal scores share a rank.
    pub score_rank: u32,
}

/// Everything the draw needs, as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    pub algorithm: String,
    /// Units offered by type.
    pub units: BTreeMap<String, u32>,
    pub tiers: Vec<Tier>,
    pub leftover: Leftover,
    /// Reserve places per unit type.
    pub reserve: u32,
    /// The public random value, exactly as typed.
    pub random: String,
    pub list: Vec<Entry>,
}

/// An applicant housed, or on a reserve list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Placed {
    pub number: String,
    pub tier: String,
    pub unit_type: String,
    /// Its place in its tier's order (1 first).
    pub rank: u32,
}

/// The draw's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Outcome {
    pub list_hash: String,
    pub seed: String,
    pub housed: Vec<Placed>,
    /// By unit type, in order.
    pub reserve: BTreeMap<String, Vec<Placed>>,
    /// Units of each type no applicant took.
    pub vacant: BTreeMap<String, u32>,
    pub result_hash: String,
}

/// What keeps a round from being drawn.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("unknown algorithm \"{0}\" (this is {ALGORITHM})")]
    Algorithm(String),
    #[error("the quotas of {unit_type} add up to {quotas}, more than its {units} units")]
    Quotas {
        unit_type: String,
        quotas: u64,
        units: u32,
    },
    #[error("applicant {number}: unknown {what} \"{value}\"")]
    Unknown {
        number: String,
        what: &'static str,
        value: String,
    },
    #[error("applicant {0} is listed twice")]
    Twice(String),
    #[error("the random value is empty")]
    NoRandom,
}

/// The canonical JSON of a value (RFC 8785 for integers and strings: keys sorted, no spaces).
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            // RFC 8785 sorts keys by their UTF-16 code units.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&map[*k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hash_of<T: Serialize>(value: &T) -> String {
    sha256_hex(canonical(&serde_json::to_value(value).unwrap_or(Value::Null)).as_bytes())
}

/// The frozen list's hash: its entries sorted by number.
pub fn list_hash(list: &[Entry]) -> String {
    let mut sorted = list.to_vec();
    sorted.sort_by(|a, b| a.number.cmp(&b.number));
    hash_of(&sorted)
}

/// Checks the inputs, then draws.
pub fn draw(inputs: &Inputs) -> Result<Outcome, DrawError> {
    if inputs.algorithm != ALGORITHM {
        return Err(DrawError::Algorithm(inputs.algorithm.clone()));
    }
    if inputs.random.trim().is_empty() {
        return Err(DrawError::NoRandom);
    }
    for (unit_type, units) in &inputs.units {
        let quotas: u64 = inputs
            .tiers
            .iter()
            .filter_map(|t| t.quotas.get(unit_type))
            .map(|q| u64::from(*q))
            .sum();
        if quotas > u64::from(*units) {
            return Err(DrawError::Quotas {
                unit_type: unit_type.clone(),
                quotas,
                units: *units,
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for e in &inputs.list {
        if !seen.insert(&e.number) {
            return Err(DrawError::Twice(e.number.clone()));
        }
        if !inputs.tiers.iter().any(|t| t.id == e.tier) {
            return Err(DrawError::Unknown {
                number: e.number.clone(),
                what: "tier",
                value: e.tier.clone(),
            });
        }
        if !inputs.units.contains_key(&e.unit_type) {
            return Err(DrawError::Unknown {
                number: e.number.clone(),
                what: "unit type",
                value: e.unit_type.clone(),
            });
        }
    }
    let list_hash = list_hash(&inputs.list);
    let seed = hash_of(&serde_json::json!({"list_hash": list_hash, "random": inputs.random}));
    let key = |number: &str| sha256_hex(format!("{seed}:{number}").as_bytes());
    let mut left: BTreeMap<String, u32> = inputs.units.keys().map(|t| (t.clone(), 0)).collect();
    let mut remaining: BTreeMap<String, u32> = inputs.units.clone();
    let mut housed = Vec::new();
    let mut waiting: Vec<Placed> = Vec::new();
    // Units no quota names go to the last tier.
    let unassigned: BTreeMap<&str, u32> = inputs
        .units
        .iter()
        .map(|(t, units)| {
            let quotas: u32 = inputs.tiers.iter().filter_map(|x| x.quotas.get(t)).sum();
            (t.as_str(), units.saturating_sub(quotas))
        })
        .collect();
    for (index, tier) in inputs.tiers.iter().enumerate() {
        let last = index + 1 == inputs.tiers.len();
        let mut order: Vec<(&Entry, String)> = inputs
            .list
            .iter()
            .filter(|e| e.tier == tier.id)
            .map(|e| (e, key(&e.number)))
            .collect();
        order.sort_by(|a, b| a.0.score_rank.cmp(&b.0.score_rank).then(a.1.cmp(&b.1)));
        // What the tier may take of each type: its quota and what earlier tiers left.
        let mut offer: BTreeMap<&str, u32> = inputs
            .units
            .keys()
            .map(|t| {
                let quota = tier.quotas.get(t).copied().unwrap_or(0);
                let carried = match inputs.leftover {
                    Leftover::NextTier => left[t],
                    Leftover::Keep => 0,
                };
                let rest = if last { unassigned[t.as_str()] } else { 0 };
                (t.as_str(), quota + carried + rest)
            })
            .collect();
        for (rank, (e, _)) in order.iter().enumerate() {
            let placed = Placed {
                number: e.number.clone(),
                tier: tier.id.clone(),
                unit_type: e.unit_type.clone(),
                rank: rank as u32 + 1,
            };
            let free = remaining.get(&e.unit_type).copied().unwrap_or(0);
            match offer.get_mut(e.unit_type.as_str()) {
                Some(n) if *n > 0 && free > 0 => {
                    *n -= 1;
                    if let Some(r) = remaining.get_mut(&e.unit_type) {
                        *r -= 1;
                    }
                    housed.push(placed);
                }
                _ => waiting.push(placed),
            }
        }
        for (t, n) in offer {
            if let Some(l) = left.get_mut(t) {
                *l = n;
            }
        }
    }
    let mut reserve: BTreeMap<String, Vec<Placed>> = BTreeMap::new();
    for p in waiting {
        let list = reserve.entry(p.unit_type.clone()).or_default();
        if (list.len() as u64) < u64::from(inputs.reserve) {
            list.push(p);
        }
    }
    let result_hash = hash_of(&serde_json::json!({"housed": housed, "reserve": reserve}));
    Ok(Outcome {
        list_hash,
        seed,
        housed,
        reserve,
        vacant: remaining,
        result_hash,
    })
}

/// Whether a published outcome is the one the inputs give: the fields that differ, empty when
/// it matches.
pub fn verify(inputs: &Inputs, published: &Outcome) -> Result<Vec<&'static str>, DrawError> {
    let again = draw(inputs)?;
    let mut differ = Vec::new();
    if again.list_hash != published.list_hash {
        differ.push("list_hash");
    }
    if again.seed != published.seed {
        differ.push("seed");
    }
    if again.housed != published.housed {
        differ.push("housed");
    }
    if again.reserve != published.reserve {
        differ.push("reserve");
    }
    if again.vacant != published.vacant {
        differ.push("vacant");
    }
    if again.result_hash != published.result_hash {
        differ.push("result_hash");
    }
    Ok(differ)
}

/// Dense ranks of scores within a tier, highest first: `[70, 90, 70] → [2, 1, 2]`.
pub fn score_ranks(scores: &[i64]) -> Vec<u32> {
    let mut distinct: Vec<i64> = scores.to_vec();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    scores
        .iter()
        .map(|s| {
            distinct
                .iter()
                .position(|d| d == s)
                .map_or(0, |i| i as u32 + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: &str, tier: &str, unit_type: &str, score_rank: u32) -> Entry {
        Entry {
            number: number.into(),
            tier: tier.into(),
            unit_type: unit_type.into(),
            score_rank,
        }
    }

    fn inputs(list: Vec<Entry>, leftover: Leftover) -> Inputs {
        Inputs {
            algorithm: ALGORITHM.into(),
            units: BTreeMap::from([("a".into(), 3), ("b".into(), 1)]),
            tiers: vec![
                Tier {
                    id: "zone_employees".into(),
                    quotas: BTreeMap::from([("a".into(), 2)]),
                },
                Tier {
                    id: "founders".into(),
                    quotas: BTreeMap::from([("a".into(), 1), ("b".into(), 1)]),
                },
                Tier {
                    id: "general".into(),
                    quotas: BTreeMap::new(),
                },
            ],
            leftover,
            reserve: 2,
            random: "2026-07-04 로또 1231회 3 11 19 24 33 41 + 7".into(),
            list,
        }
    }

    fn numbers(placed: &[Placed]) -> Vec<&str> {
        placed.iter().map(|p| p.number.as_str()).collect()
    }

    #[test]
    fn tiers_in_order_within_quotas_scores_before_the_draw() {
        let list = vec![
            entry("H-01", "zone_employees", "a", 2),
            entry("H-02", "zone_employees", "a", 1),
            entry("H-03", "zone_employees", "a", 1),
            entry("H-04", "founders", "a", 1),
            entry("H-05", "founders", "b", 1),
            entry("H-06", "general", "a", 1),
        ];
        let out = draw(&inputs(list, Leftover::NextTier)).expect("draws");
        let housed = numbers(&out.housed);
        // The two best scores of the first tier take its two units; H-01 (lower score) waits.
        assert!(housed.contains(&"H-02") && housed.contains(&"H-03"));
        assert!(!housed.contains(&"H-01"));
        assert!(housed.contains(&"H-04") && housed.contains(&"H-05"));
        assert_eq!(out.housed.len(), 4);
        assert_eq!(out.vacant.values().sum::<u32>(), 0);
        // The first tier's waiting applicant heads the reserve of its type.
        assert_eq!(numbers(&out.reserve["a"]), ["H-01", "H-06"]);
    }

    #[test]
    fn leftover_flows_to_the_next_tier_or_stays() {
        // The first tier has one applicant for its two units.
        let list = vec![
            entry("H-01", "zone_employees", "a", 1),
            entry("H-02", "founders", "a", 1),
            entry("H-03", "founders", "a", 1),
        ];
        let flows = draw(&inputs(list.clone(), Leftover::NextTier)).expect("draws");
        assert_eq!(
            flows.housed.len(),
            3,
            "founders take their unit and the one left"
        );
        let kept = draw(&inputs(list, Leftover::Keep)).expect("draws");
        assert_eq!(kept.housed.len(), 2);
        assert_eq!(kept.vacant["a"], 1);
        assert_eq!(kept.reserve["a"].len(), 1);
    }

    #[test]
    fn units_no_quota_names_go_to_the_last_tier() {
        let mut round = inputs(
            vec![
                entry("H-01", "general", "a", 1),
                entry("H-02", "general", "a", 1),
            ],
            Leftover::Keep,
        );
        round.tiers[0].quotas.clear();
        round.tiers[1].quotas = BTreeMap::from([("a".into(), 1)]);
        let out = draw(&round).expect("draws");
        assert_eq!(out.housed.len(), 2, "the two units no quota names");
        assert_eq!(out.vacant["a"], 1, "the founders' unit stays theirs");
    }

    #[test]
    fn verify_finds_a_changed_applicant_or_random_value() {
        let list: Vec<Entry> = (1..=20)
            .map(|i| {
                entry(
                    &format!("H-{i:02}"),
                    if i % 2 == 0 { "founders" } else { "general" },
                    "a",
                    1 + (i % 3),
                )
            })
            .collect();
        let round = inputs(list, Leftover::NextTier);
        let out = draw(&round).expect("draws");
        assert!(verify(&round, &out).expect("verifies").is_empty());
        let mut changed = round.clone();
        changed.list[4].score_rank += 1;
        assert!(
            verify(&changed, &out)
                .expect("verifies")
                .contains(&"list_hash")
        );
        let mut other = round.clone();
        other.random.push('8');
        assert!(verify(&other, &out).expect("verifies").contains(&"seed"));
    }

    #[test]
    fn bad_rounds_are_refused() {
        let mut round = inputs(vec![entry("H-01", "nobody", "a", 1)], Leftover::Keep);
        assert!(matches!(draw(&round), Err(DrawError::Unknown { .. })));
        round.list = vec![
            entry("H-01", "general", "a", 1),
            entry("H-01", "general", "a", 1),
        ];
        assert!(matches!(draw(&round), Err(DrawError::Twice(_))));
        round.list.pop();
        round.tiers[0].quotas.insert("a".into(), 5);
        assert!(matches!(draw(&round), Err(DrawError::Quotas { .. })));
        round.tiers[0].quotas.insert("a".into(), 1);
        round.random = " ".into();
        assert!(matches!(draw(&round), Err(DrawError::NoRandom)));
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_spaces() {
        let v = serde_json::json!({"b": [1, "두"], "a": {"z": 1, "ä": 2, "A": 3}});
        assert_eq!(canonical(&v), r#"{"a":{"A":3,"z":1,"ä":2},"b":[1,"두"]}"#);
        assert_eq!(score_ranks(&[70, 90, 70, 50]), [2, 1, 2, 3]);
    }

    proptest::proptest! {
        #[test]
        fn the_same_inputs_give_the_same_allocation_and_no_unit_twice(
            people in proptest::collection::vec((0usize..3, 0usize..2, 1u32..4), 0..60),
            seed in "[0-9 ]{1,20}",
            flip in proptest::bool::ANY,
        ) {
            let tiers = ["zone_employees", "founders", "general"];
            let types = ["a", "b"];
            let list: Vec<Entry> = people.iter().enumerate()
                .map(|(i, (t, u, s))| entry(&format!("H-{i:03}"), tiers[*t], types[*u], *s))
                .collect();
            let mut round = inputs(list, if flip { Leftover::NextTier } else { Leftover::Keep });
            round.random = format!("r{seed}");
            let first = draw(&round).expect("draws");
            // The order applicants are listed in does not matter.
            round.list.reverse();
            let second = draw(&round).expect("draws");
            proptest::prop_assert_eq!(&first, &second);
            let mut seen = std::collections::HashSet::new();
            for p in &first.housed {
                proptest::prop_assert!(seen.insert(p.number.clone()), "housed twice");
            }
            for (t, units) in &round.units {
                let taken = first.housed.iter().filter(|p| &p.unit_type == t).count() as u32;
                proptest::prop_assert!(taken <= *units);
                proptest::prop_assert_eq!(taken + first.vacant[t], *units);
            }
        }
    }
}
