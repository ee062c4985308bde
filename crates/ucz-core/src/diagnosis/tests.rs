//! One test per rule of the diagnosis, each on a small zone written for it.

use super::*;
use crate::source::SourceFile;

fn catalog() -> Catalog {
    Catalog::bundled().unwrap_or_else(|e| panic!("{e}"))
}

/// A zone in Gwangju (a new town) with `body` appended.
fn zone(body: &str) -> (Catalog, Zone) {
    let catalog = catalog();
    let text = format!(
        "id = \"t\"\nname = \"시험\"\nzone_type = \"new_town\"\nregion = \"gwangju\"\n{body}"
    );
    let zone =
        Zone::parse(SourceFile::new("t.toml", &text), &catalog).unwrap_or_else(|e| panic!("{e}"));
    (catalog, zone)
}

fn diagnosed(body: &str) -> Diagnosis {
    let (catalog, zone) = zone(body);
    diagnose(&catalog, &zone)
}

fn function(d: &Diagnosis, id: &str) -> FunctionStatus {
    d.functions
        .iter()
        .find(|f| f.id == id)
        .map(|f| f.status)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn linkage(d: &Diagnosis, id: &str) -> LinkageStatus {
    d.linkages
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.status)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn ids(list: &[Id]) -> Vec<&str> {
    list.iter().map(Id::as_str).collect()
}

fn facility(kind: &str, area: u32) -> String {
    format!("[[facility]]\ntype = \"{kind}\"\nname = \"{kind}\"\nfloor_area_m2 = {area}\n")
}

fn institution(kind: &str) -> String {
    format!("[[institution]]\nkind = \"{kind}\"\nname = \"{kind} 기관\"\n")
}

#[test]
fn an_empty_plan_has_every_function_absent() {
    let d = diagnosed("");
    assert!(
        d.functions
            .iter()
            .all(|f| f.status == FunctionStatus::Absent)
    );
    assert!(
        d.linkages
            .iter()
            .all(|l| l.status == LinkageStatus::Missing)
    );
}

#[test]
fn a_facility_makes_the_functions_of_its_type_present() {
    let d = diagnosed(&facility("worker_housing", 100));
    assert_eq!(function(&d, "living"), FunctionStatus::Present);
    assert_eq!(function(&d, "innovation"), FunctionStatus::Absent);
    let living = d
        .functions
        .iter()
        .find(|f| f.id == "living")
        .expect("living");
    assert_eq!(living.floor_area_m2, 100.0);
}

#[test]
fn institutions_serve_their_kinds_functions() {
    let d = diagnosed(
        &[
            institution("university"),
            institution("vc_ac"),
            institution("operator"),
        ]
        .concat(),
    );
    assert_eq!(function(&d, "innovation"), FunctionStatus::Present);
    assert_eq!(function(&d, "startup"), FunctionStatus::Present);
    assert_eq!(function(&d, "enterprise_support"), FunctionStatus::Absent);

    let d = diagnosed(&institution("anchor_firm"));
    assert_eq!(function(&d, "enterprise_support"), FunctionStatus::Present);
    let d = diagnosed(&institution("research_institute"));
    assert_eq!(function(&d, "innovation"), FunctionStatus::Present);
}

#[test]
fn a_program_in_use_serves_its_functions() {
    let d = diagnosed("programs = [\"smart_green_city\"]\n");
    assert_eq!(function(&d, "living"), FunctionStatus::Present);
    assert_eq!(function(&d, "innovation"), FunctionStatus::Present);
    assert_eq!(function(&d, "startup"), FunctionStatus::Absent);
}

#[test]
fn a_held_designation_counts_as_its_program_in_use() {
    let d = diagnosed("designations = [\"rnd_special_zone\"]\n");
    assert_eq!(function(&d, "innovation"), FunctionStatus::Present);
    let innovation = d
        .functions
        .iter()
        .find(|f| f.id == "innovation")
        .expect("innovation");
    assert_eq!(
        innovation.evidence,
        vec![Evidence::Designation {
            id: Id::new("rnd_special_zone")
        }]
    );
}

#[test]
fn a_support_program_serves_its_functions() {
    let d = diagnosed("support_programs = [\"shared_equipment_rental\"]\n");
    assert_eq!(function(&d, "enterprise_support"), FunctionStatus::Present);
}

#[test]
fn a_linkage_is_active_when_one_of_its_programs_runs() {
    let d = diagnosed("linkage_programs = [\"founder_cohousing\"]\n");
    assert_eq!(linkage(&d, "startup_living"), LinkageStatus::Active);
    let finding = d
        .linkages
        .iter()
        .find(|l| l.id == "startup_living")
        .expect("linkage");
    assert_eq!(ids(&finding.programs), ["founder_cohousing"]);
    assert!(finding.suggestions.is_empty());
}

#[test]
fn a_linkage_is_possible_when_both_functions_are_present_but_nothing_runs() {
    let d = diagnosed(
        &[
            facility("incubation_space", 10),
            facility("worker_housing", 10),
        ]
        .concat(),
    );
    assert_eq!(linkage(&d, "startup_living"), LinkageStatus::Possible);
    let finding = d
        .linkages
        .iter()
        .find(|l| l.id == "startup_living")
        .expect("linkage");
    assert_eq!(
        ids(&finding.suggestions),
        ["founder_cohousing", "youth_shared_stores"]
    );
}

#[test]
fn a_linkage_is_missing_when_a_function_is_absent() {
    let d = diagnosed(&facility("incubation_space", 10));
    assert_eq!(linkage(&d, "startup_living"), LinkageStatus::Missing);
    let finding = d
        .linkages
        .iter()
        .find(|l| l.id == "startup_living")
        .expect("linkage");
    assert_eq!(ids(&finding.missing_functions), ["living"]);
}

#[test]
fn the_primary_function_has_the_largest_facility_floor_area() {
    let d = diagnosed(
        &[
            facility("incubation_space", 100),
            facility("tenant_space", 60),
            facility("support_space", 60),
        ]
        .concat(),
    );
    assert_eq!(
        d.typology.primary_function.as_deref(),
        Some("enterprise_support")
    );
    assert_eq!(d.typology.id, "enterprise_tenant");
}

#[test]
fn ties_go_to_the_function_listed_first_in_the_catalog() {
    let d = diagnosed(
        &[
            facility("worker_housing", 50),
            facility("incubation_space", 50),
        ]
        .concat(),
    );
    assert_eq!(d.typology.primary_function.as_deref(), Some("startup"));
}

#[test]
fn remedies_are_the_types_linkages_not_yet_active() {
    let d = diagnosed(
        &[
            "linkage_programs = [\"graduate_expansion_space\"]\n".to_string(),
            facility("incubation_space", 100),
        ]
        .concat(),
    );
    assert_eq!(d.typology.id, "incubation");
    assert_eq!(ids(&d.typology.remedies), ["innovation_startup"]);
    assert!(!d.typology.limits_ko.is_empty());
}

#[test]
fn a_zone_with_every_linkage_active_is_convergence() {
    let all = "linkage_programs = [\"joint_rnd_commercialization\", \"tech_transfer_consulting\", \"graduate_expansion_space\", \"founder_cohousing\", \"employee_priority_housing\", \"community_living_lab\"]\n";
    let d = diagnosed(&[all.to_string(), facility("worker_housing", 10)].concat());
    assert_eq!(d.typology.id, "convergence");
    assert!(d.typology.remedies.is_empty());
    assert!(d.typology.limits_en.is_empty());
}

#[test]
fn packages_offer_what_serves_a_gap_and_is_not_yet_used() {
    let d = diagnosed(
        &[
            "programs = [\"startup_support_housing\"]\n".to_string(),
            facility("incubation_space", 10),
        ]
        .concat(),
    );
    let molit = d
        .packages
        .iter()
        .find(|p| p.ministry == "molit")
        .expect("molit package");
    assert!(
        !molit
            .programs
            .iter()
            .any(|p| p == "startup_support_housing"),
        "in use, so not offered"
    );
    // Living is present through the housing program, so a living-only program serves no gap
    // unless it serves an inactive linkage.
    assert!(
        molit
            .programs
            .iter()
            .any(|p| p == "employee_special_supply")
    );
    let item = molit
        .serves
        .iter()
        .find(|i| i.id == "employee_special_supply")
        .expect("item");
    assert!(item.functions.is_empty());
    assert_eq!(ids(&item.linkages), ["enterprise_living"]);
}

#[test]
fn designations_are_offered_under_their_lead_ministry_unless_held() {
    // With a university, so that a campus innovation park can be advised.
    let d = diagnosed(&institution("university"));
    let lead = d
        .packages
        .iter()
        .find(|p| p.ministry == "mss")
        .expect("lead ministry");
    assert!(
        lead.designations
            .iter()
            .any(|x| x == "campus_innovation_park")
    );
    assert!(!d.packages.iter().any(
        |p| p.ministry != "mss" && p.designations.iter().any(|x| x == "campus_innovation_park")
    ));
    // Designation-backed programs are offered as designations, not twice.
    assert!(
        !d.packages
            .iter()
            .any(|p| p.programs.iter().any(|x| x == "campus_innovation_park"))
    );

    let d = diagnosed("designations = [\"campus_innovation_park\"]\n");
    assert!(
        !d.packages
            .iter()
            .any(|p| p.designations.iter().any(|x| x == "campus_innovation_park"))
    );
}

#[test]
fn a_plan_with_no_gaps_gets_no_packages() {
    let all = "linkage_programs = [\"joint_rnd_commercialization\", \"tech_transfer_consulting\", \"graduate_expansion_space\", \"founder_cohousing\", \"employee_priority_housing\", \"community_living_lab\"]\n";
    let d = diagnosed(
        &[
            all.to_string(),
            institution("university"),
            institution("vc_ac"),
            institution("anchor_firm"),
            facility("worker_housing", 10),
        ]
        .concat(),
    );
    assert!(
        d.functions
            .iter()
            .all(|f| f.status == FunctionStatus::Present)
    );
    assert!(d.packages.is_empty(), "{:?}", d.packages);
}

#[test]
fn a_principle_is_met_with_its_evidence() {
    let d = diagnosed(&institution("operator"));
    let p = d
        .principles
        .iter()
        .find(|p| p.id == "expert_operator")
        .expect("principle");
    assert!(p.met);
    assert_eq!(
        p.evidence,
        vec![Evidence::Institution {
            institution_kind: Id::new("operator"),
            name: "operator 기관".into()
        }]
    );
    assert!(p.advice_ko.is_none());
}

#[test]
fn an_unmet_principle_names_what_is_missing_and_advises() {
    let d = diagnosed("strategic_industries = [\"로봇\"]\n");
    let p = d
        .principles
        .iter()
        .find(|p| p.id == "strategic_focus")
        .expect("principle");
    assert!(!p.met);
    assert_eq!(
        p.unmet.len(),
        1,
        "the industries are there, the institution is not"
    );
    assert!(matches!(&p.unmet[0], Requirement::InstitutionKindIn(_)));
    assert!(p.advice_en.as_deref().is_some_and(|a| !a.is_empty()));
}

fn principle<'d>(d: &'d Diagnosis, id: &str) -> &'d PrincipleFinding {
    d.principles
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn alternatives_in_a_principle_are_any_of() {
    let d = diagnosed("linkage_programs = [\"community_living_lab\"]\n");
    assert!(principle(&d, "community_cooperation").met);
    let d = diagnosed("designations = [\"regulation_free_zone\"]\n");
    assert!(principle(&d, "community_cooperation").met);
    let d = diagnosed(&[institution("university")].concat());
    let p = d
        .principles
        .iter()
        .find(|p| p.id == "local_partnership")
        .expect("principle");
    assert!(!p.met, "one kind of actor is not a partnership");
    let d = diagnosed(&[institution("university"), institution("anchor_firm")].concat());
    let p = d
        .principles
        .iter()
        .find(|p| p.id == "local_partnership")
        .expect("principle");
    assert!(p.met);
}

#[test]
fn zone_type_advice_says_when_the_plan_repeats_its_types_risk() {
    // A new town whose largest floor area is housing is the residential-combined type.
    let d = diagnosed(&facility("worker_housing", 100));
    assert_eq!(
        d.zone_type.resembles.as_deref(),
        Some("residential_combined")
    );
    assert!(d.zone_type.repeats_risk);
    assert!(!d.zone_type.advice.is_empty());
    let d = diagnosed(&facility("joint_rnd_center", 100));
    assert!(!d.zone_type.repeats_risk);
}

#[test]
fn a_zone_in_the_capital_region_is_warned_about() {
    let catalog = catalog();
    let text =
        "id = \"s\"\nname = \"서울\"\nzone_type = \"urban_regeneration\"\nregion = \"seoul\"\n";
    let zone =
        Zone::parse(SourceFile::new("s.toml", text), &catalog).unwrap_or_else(|e| panic!("{e}"));
    let d = diagnose(&catalog, &zone);
    assert!(d.warnings.contains(&Warning::CapitalRegion {
        region: Id::new("seoul")
    }));
    assert!(d.warnings.contains(&Warning::NoFacilities));
    assert!(
        !diagnosed(&facility("tenant_space", 1))
            .warnings
            .contains(&Warning::NoFacilities)
    );
}

#[test]
fn a_designation_listed_as_a_program_counts_as_held() {
    let d = diagnosed("programs = [\"regulation_free_zone\"]\n");
    let p = principle(&d, "community_cooperation");
    assert!(p.met, "listing the program is holding the designation");
    assert!(
        !d.packages
            .iter()
            .any(|p| p.designations.iter().any(|x| x == "regulation_free_zone"))
    );
}

fn anchor(name: &str, extra: &str) -> String {
    format!("[[institution]]\nkind = \"anchor_firm\"\nname = \"{name}\"\n{extra}")
}

#[test]
fn a_planned_anchor_makes_a_principle_planned_not_met() {
    let d = diagnosed(&anchor("앵커기업 (유치 예정)", "status = \"planned\"\n"));
    let p = principle(&d, "public_private_investment");
    assert_eq!(p.status, PrincipleStatus::Planned);
    assert!(!p.met);
    assert!(p.evidence.is_empty(), "{:?}", p.evidence);
    assert!(p.unmet.is_empty(), "{:?}", p.unmet);
    assert_eq!(p.pending.len(), 1);
    assert_eq!(
        p.to_secure,
        vec![Evidence::Institution {
            institution_kind: Id::new("anchor_firm"),
            name: "앵커기업 (유치 예정)".into()
        }]
    );
    assert!(
        p.advice_ko.is_some(),
        "a planned principle is still advised on"
    );
}

#[test]
fn a_planned_institution_completes_a_partnership_only_as_planned() {
    let d = diagnosed(
        &[
            institution("university"),
            anchor("A", "status = \"planned\"\n"),
        ]
        .concat(),
    );
    let p = principle(&d, "local_partnership");
    assert_eq!(p.status, PrincipleStatus::Planned);
    assert_eq!(p.evidence.len(), 1, "the secured university is evidence");
    assert_eq!(
        p.to_secure.len(),
        1,
        "the planned anchor is still to secure"
    );
    // Counting what is planned is not enough when something is missing outright.
    let d = diagnosed(&anchor("A", "status = \"planned\"\n"));
    let p = principle(&d, "local_partnership");
    assert_eq!(p.status, PrincipleStatus::Missing);
    assert_eq!(p.unmet.len(), 1);
    assert!(p.pending.is_empty());
}

#[test]
fn a_secured_private_anchor_meets_co_investment() {
    // Secured is the default; an anchor firm is private unless its zone file says otherwise.
    for extra in ["", "status = \"secured\"\nownership = \"private\"\n"] {
        let d = diagnosed(&anchor("민간 앵커기업", extra));
        let p = principle(&d, "public_private_investment");
        assert_eq!(p.status, PrincipleStatus::Met, "{extra}");
        assert!(p.met);
        assert_eq!(p.evidence.len(), 1);
        assert!(p.to_secure.is_empty() && p.pending.is_empty() && p.unmet.is_empty());
        assert!(p.advice_ko.is_none());
    }
}

#[test]
fn a_public_corporation_as_the_only_anchor_is_not_private_co_investment() {
    let d = diagnosed(&anchor("한국철도공사", "ownership = \"public\"\n"));
    let p = principle(&d, "public_private_investment");
    assert_eq!(p.status, PrincipleStatus::Missing);
    assert!(p.evidence.is_empty());
    assert!(matches!(
        &p.unmet[..],
        [Requirement::InstitutionKindsAtLeast {
            ownership: Some(Ownership::Private),
            ..
        }]
    ));
    // It still brings its function and counts as an actor of the partnership.
    assert_eq!(function(&d, "enterprise_support"), FunctionStatus::Present);
    // A public agency is public by its kind, and no designation stands in for the investment.
    let d = diagnosed(
        &[
            "designations = [\"investment_leading_district\"]\n".to_string(),
            institution("public_agency"),
        ]
        .concat(),
    );
    assert!(!principle(&d, "public_private_investment").met);
}

#[test]
fn a_designation_held_is_not_national_rnd_attracted() {
    // The R&D special zone designation makes national R&D possible; the principle asks for it won.
    let d = diagnosed("designations = [\"rnd_special_zone\"]\n");
    let p = principle(&d, "national_rnd_funding");
    assert_eq!(p.status, PrincipleStatus::Missing);
    assert!(p.evidence.is_empty(), "{:?}", p.evidence);
    let d = diagnosed("support_programs = [\"joint_rnd_program\"]\n");
    assert!(principle(&d, "national_rnd_funding").met);
}

#[test]
fn a_campus_innovation_park_is_advised_only_with_a_university() {
    let advised = |d: &Diagnosis| {
        d.packages
            .iter()
            .any(|p| p.designations.iter().any(|x| x == "campus_innovation_park"))
    };
    // Startup and enterprise support absent either way: the park would serve them.
    let without = diagnosed(&institution("research_institute"));
    assert!(
        !advised(&without),
        "no university land: {:?}",
        without.packages
    );
    let with = diagnosed(&[institution("research_institute"), institution("university")].concat());
    assert_eq!(
        function(&with, "enterprise_support"),
        FunctionStatus::Absent
    );
    assert!(advised(&with), "{:?}", with.packages);
}
