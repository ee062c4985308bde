//! The placement's policy (`catalog/placement.toml` and the expansion kinds of
//! `catalog/space_kinds.toml`) as one typed value. Rust knows which numbers the placement reads
//! and the ranges that keep them meaningful; their values are the catalog's.

use super::Catalog;

/// A number the placement reads: its id in `placement.toml`, the range that keeps it meaningful
/// (and the cost sums far from overflow), and whether it counts whole points or days.
#[derive(Clone, Copy, Debug)]
pub struct ParameterSpec {
    pub id: &'static str,
    pub min: f64,
    pub max: f64,
    pub whole: bool,
}

const fn points(id: &'static str, max: f64) -> ParameterSpec {
    ParameterSpec {
        id,
        min: 0.0,
        max,
        whole: true,
    }
}

/// Every parameter `placement.toml` must give, once.
pub const PARAMETERS: [ParameterSpec; 16] = [
    ParameterSpec {
        id: "growth_factor",
        min: 1.0,
        max: 10.0,
        whole: false,
    },
    points("no_preferred_hub", 1000.0),
    points("outside_preferred_hubs", 1000.0),
    points("missing_equipment", 1000.0),
    points("missing_equipment_max", 1000.0),
    points("oversize_per_percent", 100.0),
    points("oversize_max", 1000.0),
    points("rent_per_percent", 100.0),
    points("rent_max", 1000.0),
    ParameterSpec {
        id: "idle_days_per_point",
        min: 1.0,
        max: 3650.0,
        whole: true,
    },
    range("detour_factor", 1.0, 3.0),
    range("travel_speed_kmh", 1.0, 200.0),
    range("reachable_minutes", 1.0, 600.0),
    range("walk_speed_kmh", 1.0, 10.0),
    range("max_walk_m", 0.0, 5000.0),
    range("transfer_minutes", 0.0, 60.0),
];

const fn range(id: &'static str, min: f64, max: f64) -> ParameterSpec {
    ParameterSpec {
        id,
        min,
        max,
        whole: false,
    }
}

/// What the placement's choices are. All zero (and no kinds) until a catalog is loaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlacementPolicy {
    /// A graduate that states no need looks for this many times the area of the room it leaves.
    pub growth_factor: f64,
    pub misfit: MisfitWeights,
    /// Idle days of a space that weigh as much as one misfit point.
    pub idle_days_per_point: i64,
    /// How far apart hubs are (the hub network; placement itself keeps straight lines).
    pub network: NetworkRules,
    /// The space kinds graduates move into, in catalog order.
    pub expansion_kinds: Vec<String>,
}

/// Distances and travel times between hubs, and what counts as reachable (`network`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct NetworkRules {
    pub detour_factor: f64,
    pub travel_speed_kmh: f64,
    pub reachable_minutes: f64,
    pub walk_speed_kmh: f64,
    pub max_walk_m: f64,
    pub transfer_minutes: f64,
}

/// The misfit points of a fitting space (see `placement::misfit`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MisfitWeights {
    /// The graduate states no preferred hub.
    pub no_preferred_hub: i64,
    /// The space is outside the hubs the graduate prefers.
    pub outside_preferred_hubs: i64,
    /// Each piece of wanted equipment the space lacks, up to `missing_equipment_max`.
    pub missing_equipment: i64,
    pub missing_equipment_max: i64,
    /// Each percent the space is larger than needed, up to `oversize_max`.
    pub oversize_per_percent: i64,
    pub oversize_max: i64,
    /// Each percent of the budget the rent takes, up to `rent_max`.
    pub rent_per_percent: i64,
    pub rent_max: i64,
}

impl MisfitWeights {
    /// The most misfit a space can have.
    pub fn max(&self) -> i64 {
        self.no_preferred_hub.max(self.outside_preferred_hubs)
            + self.missing_equipment_max
            + self.oversize_max
            + self.rent_max
    }
}

impl PlacementPolicy {
    /// The policy of a catalog; `None` when a parameter is missing, which `catalog check`
    /// reports with its place.
    pub(super) fn of(catalog: &Catalog) -> Option<Self> {
        let value = |id: &str| {
            catalog
                .placement_parameters
                .iter()
                .find(|p| p.id.as_str() == id)
                .map(|p| *p.value.get_ref())
        };
        // The check keeps whole parameters whole and in range, so the conversion is exact.
        let whole = |id: &str| value(id).map(|v| v as i64);
        Some(Self {
            growth_factor: value("growth_factor")?,
            misfit: MisfitWeights {
                no_preferred_hub: whole("no_preferred_hub")?,
                outside_preferred_hubs: whole("outside_preferred_hubs")?,
                missing_equipment: whole("missing_equipment")?,
                missing_equipment_max: whole("missing_equipment_max")?,
                oversize_per_percent: whole("oversize_per_percent")?,
                oversize_max: whole("oversize_max")?,
                rent_per_percent: whole("rent_per_percent")?,
                rent_max: whole("rent_max")?,
            },
            idle_days_per_point: whole("idle_days_per_point")?,
            network: NetworkRules {
                detour_factor: value("detour_factor")?,
                travel_speed_kmh: value("travel_speed_kmh")?,
                reachable_minutes: value("reachable_minutes")?,
                walk_speed_kmh: value("walk_speed_kmh")?,
                max_walk_m: value("max_walk_m")?,
                transfer_minutes: value("transfer_minutes")?,
            },
            expansion_kinds: catalog
                .space_kinds
                .iter()
                .filter(|k| k.expansion)
                .map(|k| k.id.to_string())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_policy_is_the_documented_one() {
        let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        let policy = &catalog.placement;
        assert_eq!(policy.growth_factor, 2.0);
        assert_eq!(policy.idle_days_per_point, 30);
        assert_eq!(policy.misfit.max(), 1000, "docs/space-ladder.md");
        assert_eq!(
            policy.expansion_kinds,
            ["post_bi_office", "rental_unit", "lab"]
        );
    }

    #[test]
    fn every_parameter_is_in_the_bundled_file_and_within_its_range() {
        let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        for spec in PARAMETERS {
            let p = catalog
                .placement_parameters
                .iter()
                .find(|p| p.id.as_str() == spec.id)
                .unwrap_or_else(|| panic!("{} missing", spec.id));
            assert!(
                (spec.min..=spec.max).contains(p.value.get_ref()),
                "{}",
                spec.id
            );
        }
        assert_eq!(catalog.placement_parameters.len(), PARAMETERS.len());
    }
}
