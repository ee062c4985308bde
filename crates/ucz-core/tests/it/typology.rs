//! One zone per Table-1 type, and one that runs every linkage: each must be diagnosed as its type
//! with exactly that type's remedies.

use ucz_core::diagnosis::{FunctionStatus, LinkageStatus};
use ucz_core::{Catalog, SourceFile, Zone, diagnose};

fn diagnosis_of(name: &str, text: &str) -> (Catalog, ucz_core::Diagnosis) {
    let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
    let zone = Zone::parse(SourceFile::new(name, text), &catalog).unwrap_or_else(|e| panic!("{e}"));
    let d = diagnose(&catalog, &zone);
    (catalog, d)
}

fn assert_type(name: &str, text: &str, typology: &str) {
    let (catalog, d) = diagnosis_of(name, text);
    assert_eq!(d.typology.id, typology, "{name}");
    let expected = &catalog
        .typology(typology)
        .expect("typology in catalog")
        .remedies;
    assert_eq!(&d.typology.remedies, expected, "{name}: remedies");
    assert!(!d.typology.limits_ko.is_empty(), "{name}: limits");
    for remedy in expected {
        let linkage = d
            .linkages
            .iter()
            .find(|l| &l.id == remedy)
            .expect("linkage");
        assert_ne!(
            linkage.status,
            LinkageStatus::Active,
            "{name}: a remedy is a linkage that is not active"
        );
    }
}

#[test]
fn a_research_only_zone_is_a_research_complex() {
    assert_type(
        "research_complex.toml",
        include_str!("zones/research_complex.toml"),
        "research_complex",
    );
}

#[test]
fn an_incubator_zone_without_expansion_space_is_incubation() {
    assert_type(
        "incubation.toml",
        include_str!("zones/incubation.toml"),
        "incubation",
    );
}

#[test]
fn a_production_complex_is_enterprise_tenant() {
    assert_type(
        "enterprise_tenant.toml",
        include_str!("zones/enterprise_tenant.toml"),
        "enterprise_tenant",
    );
}

#[test]
fn housing_without_anchors_is_residential_combined() {
    assert_type(
        "residential_combined.toml",
        include_str!("zones/residential_combined.toml"),
        "residential_combined",
    );
}

#[test]
fn a_zone_running_every_linkage_is_convergence() {
    let (_, d) = diagnosis_of("convergence.toml", include_str!("zones/convergence.toml"));
    assert_eq!(d.typology.id, "convergence");
    assert!(d.typology.remedies.is_empty());
    assert!(
        d.functions
            .iter()
            .all(|f| f.status == FunctionStatus::Present)
    );
    assert!(d.linkages.iter().all(|l| l.status == LinkageStatus::Active));
    assert!(d.packages.is_empty());
    assert!(d.principles.iter().any(|p| p.met));
}
