//! Zone-plan diagnosis: how a plan measures against the model of the brief — functions present,
//! linkages running, the Table-1 type it still resembles, the ministry packages that would close
//! its gaps, the operating principles it meets, and advice for its zone type.
//!
//! A diagnosis of a weak plan is still a diagnosis: every outcome is a value, never an error.

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalog::{Advice, Catalog, Requirement};
use crate::id::Id;
use crate::zone::{Institution, InstitutionStatus, Ownership, Zone};

/// The report on one zone plan. Its JSON form is documented by `docs/diagnosis.schema.json`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Diagnosis {
    pub zone: ZoneSummary,
    pub functions: Vec<FunctionFinding>,
    pub linkages: Vec<LinkageFinding>,
    pub typology: TypologyFinding,
    pub packages: Vec<Package>,
    pub principles: Vec<PrincipleFinding>,
    pub zone_type: ZoneTypeFinding,
    /// Things a reviewer should know that are not gaps of the model.
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ZoneSummary {
    pub id: Id,
    pub name: String,
    pub name_en: Option<String>,
    pub zone_type: Id,
    pub region: Id,
    pub location: Option<String>,
    pub area_km2: Option<f64>,
    /// Date of designation (`YYYY-MM-DD`), when designated.
    pub designated: Option<String>,
    pub strategic_industries: Vec<String>,
    pub facilities: usize,
    pub floor_area_m2: f64,
    pub institutions: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunctionStatus {
    Present,
    Absent,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct FunctionFinding {
    pub id: Id,
    pub status: FunctionStatus,
    /// Floor area of the facilities serving this function, in m².
    pub floor_area_m2: f64,
    /// What makes the function present.
    pub evidence: Vec<Evidence>,
}

/// Something in the zone plan that a finding rests on.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    Facility {
        facility_type: Id,
        name: String,
        floor_area_m2: f64,
        /// Planned, not yet built.
        planned: bool,
    },
    Institution {
        institution_kind: Id,
        name: String,
    },
    Program {
        id: Id,
    },
    /// A program in use because the site holds its designation.
    Designation {
        id: Id,
    },
    SupportProgram {
        id: Id,
    },
    LinkageProgram {
        id: Id,
    },
    StrategicIndustries {
        names: Vec<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkageStatus {
    /// A linkage program of it runs.
    Active,
    /// Both functions are present, but no linkage program runs.
    Possible,
    /// At least one of its functions is absent.
    Missing,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct LinkageFinding {
    pub id: Id,
    pub status: LinkageStatus,
    /// Linkage programs of it that run.
    pub programs: Vec<Id>,
    /// Its functions that are absent.
    pub missing_functions: Vec<Id>,
    /// Linkage programs of it that could start (Figure 3), when it is not active.
    pub suggestions: Vec<Id>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TypologyFinding {
    /// `convergence` when every linkage is active, else the Table-1 type of the primary function.
    pub id: Id,
    /// The function with the largest facility floor area.
    pub primary_function: Option<Id>,
    /// Table-1 limits of the type, in both languages.
    pub limits_ko: Vec<String>,
    pub limits_en: Vec<String>,
    /// The type's Table-1 linkages that are not active.
    pub remedies: Vec<Id>,
}

/// What one ministry offers to close the plan's gaps.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Package {
    pub ministry: Id,
    /// Programs not yet in use that serve a gap.
    pub programs: Vec<Id>,
    /// Designations not yet held that serve a gap (grouped under their lead ministry).
    pub designations: Vec<Id>,
    /// For each program and designation, the gaps it serves.
    pub serves: Vec<PackageItem>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PackageItem {
    pub id: Id,
    pub kind: PackageItemKind,
    /// Absent function ids it serves.
    pub functions: Vec<Id>,
    /// Non-active linkage ids it serves.
    pub linkages: Vec<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PackageItemKind {
    Program,
    Designation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipleStatus {
    /// Every requirement holds with what the plan has secured.
    Met,
    /// Every requirement holds, some only through institutions still to be attracted.
    Planned,
    /// Some requirement does not hold even counting what is planned.
    Missing,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PrincipleFinding {
    pub id: Id,
    pub status: PrincipleStatus,
    /// Whether `status` is `met`.
    pub met: bool,
    /// What in the plan, secured, satisfies the principle's requirements.
    pub evidence: Vec<Evidence>,
    /// Institutions still to be attracted that the requirements in `pending` rest on: what the
    /// plan must still secure.
    pub to_secure: Vec<Evidence>,
    /// The requirements that hold only through planned institutions, as written in the catalog.
    pub pending: Vec<Requirement>,
    /// The requirements that do not hold even counting what is planned, as written in the catalog.
    pub unmet: Vec<Requirement>,
    /// Advice when not met.
    pub advice_ko: Option<String>,
    pub advice_en: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ZoneTypeFinding {
    pub id: Id,
    /// The Table-1 type a zone of this type risks repeating.
    pub resembles: Option<Id>,
    /// Whether this plan's typology is that type.
    pub repeats_risk: bool,
    pub advice: Vec<Advice>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    /// The special act applies outside the capital region only.
    CapitalRegion { region: Id },
    /// No facility: the primary function, and so the typology, cannot be read from floor area.
    NoFacilities,
}

/// Diagnoses a zone plan. The zone must have been parsed against the same catalog.
pub fn diagnose(catalog: &Catalog, zone: &Zone) -> Diagnosis {
    let in_use = ProgramsInUse::of(catalog, zone);
    let functions: Vec<FunctionFinding> = catalog
        .functions
        .iter()
        .map(|f| function_finding(catalog, zone, &in_use, &f.id))
        .collect();
    let present = |id: &Id| {
        functions
            .iter()
            .any(|f| &f.id == id && f.status == FunctionStatus::Present)
    };
    let linkages: Vec<LinkageFinding> = catalog
        .linkages
        .iter()
        .map(|linkage| {
            let all: Vec<Id> = catalog
                .linkage_programs
                .iter()
                .filter(|p| p.linkage == linkage.id)
                .map(|p| p.id.clone())
                .collect();
            let (running, idle): (Vec<Id>, Vec<Id>) = all
                .into_iter()
                .partition(|p| zone.linkage_programs.contains(p));
            let missing_functions: Vec<Id> = linkage
                .functions
                .iter()
                .filter(|f| !present(f))
                .cloned()
                .collect();
            let status = if !running.is_empty() {
                LinkageStatus::Active
            } else if missing_functions.is_empty() {
                LinkageStatus::Possible
            } else {
                LinkageStatus::Missing
            };
            let suggestions = if status == LinkageStatus::Active {
                Vec::new()
            } else {
                idle
            };
            LinkageFinding {
                id: linkage.id.clone(),
                status,
                programs: running,
                missing_functions,
                suggestions,
            }
        })
        .collect();

    let mut warnings = Vec::new();
    if catalog
        .region(&zone.region)
        .is_some_and(|r| r.capital_region)
    {
        warnings.push(Warning::CapitalRegion {
            region: zone.region.clone(),
        });
    }
    if zone.facilities.is_empty() {
        warnings.push(Warning::NoFacilities);
    }

    let typology = typology_finding(catalog, &functions, &linkages);
    let kinds: Vec<&Id> = zone.institutions.iter().map(|i| &i.kind).collect();
    let packages = packages(catalog, &in_use, &kinds, &functions, &linkages);
    let principles = catalog
        .principles
        .iter()
        .map(|p| principle_finding(catalog, zone, &in_use, p))
        .collect();
    let zone_type = zone_type_finding(catalog, zone, &typology);

    Diagnosis {
        zone: ZoneSummary {
            id: zone.id.clone(),
            name: zone.name.to_string(),
            name_en: zone.name_en.as_ref().map(ToString::to_string),
            zone_type: zone.zone_type.clone(),
            region: zone.region.clone(),
            location: zone.location.clone(),
            area_km2: zone.area_km2.map(|a| a.get()),
            designated: zone.designated.map(|d| d.to_string()),
            strategic_industries: zone
                .strategic_industries
                .iter()
                .map(ToString::to_string)
                .collect(),
            facilities: zone.facilities.len(),
            floor_area_m2: zone.floor_area_m2(),
            institutions: zone.institutions.len(),
        },
        functions,
        linkages,
        typology,
        packages,
        principles,
        zone_type,
        warnings,
    }
}

/// Ministry programs the zone uses and designations it holds. A designation and the program that
/// consists in holding it are one thing: listing either counts as both.
struct ProgramsInUse {
    /// (program id, held through this designation).
    programs: Vec<(Id, Option<Id>)>,
    designations: Vec<Id>,
}

impl ProgramsInUse {
    fn of(catalog: &Catalog, zone: &Zone) -> Self {
        let mut programs: Vec<(Id, Option<Id>)> =
            zone.programs.iter().map(|p| (p.clone(), None)).collect();
        for designation in &zone.designations {
            if let Some(program) = catalog.program_of_designation(designation) {
                if !programs.iter().any(|(p, _)| p == &program.id) {
                    programs.push((program.id.clone(), Some(designation.clone())));
                }
            }
        }
        let mut designations = zone.designations.clone();
        for program in &zone.programs {
            if let Some(designation) = catalog
                .program(program)
                .and_then(|p| p.designation.as_ref())
            {
                if !designations.contains(designation) {
                    designations.push(designation.clone());
                }
            }
        }
        Self {
            programs,
            designations,
        }
    }

    fn contains(&self, program: &str) -> bool {
        self.programs.iter().any(|(p, _)| p == program)
    }

    fn evidence(&self, program: &Id) -> Evidence {
        match self.programs.iter().find(|(p, _)| p == program) {
            Some((_, Some(designation))) => Evidence::Designation {
                id: designation.clone(),
            },
            _ => Evidence::Program {
                id: program.clone(),
            },
        }
    }
}

fn function_finding(
    catalog: &Catalog,
    zone: &Zone,
    in_use: &ProgramsInUse,
    function: &Id,
) -> FunctionFinding {
    let mut evidence = Vec::new();
    let mut floor_area_m2 = 0.0;
    for facility in &zone.facilities {
        if catalog
            .facility_type(&facility.kind)
            .is_some_and(|t| t.functions.contains(function))
        {
            floor_area_m2 += facility.floor_area_m2.get();
            evidence.push(Evidence::Facility {
                facility_type: facility.kind.clone(),
                name: facility.name.to_string(),
                floor_area_m2: facility.floor_area_m2.get(),
                planned: facility.planned,
            });
        }
    }
    for institution in &zone.institutions {
        if catalog
            .institution_kind(&institution.kind)
            .is_some_and(|k| k.functions.contains(function))
        {
            evidence.push(Evidence::Institution {
                institution_kind: institution.kind.clone(),
                name: institution.name.to_string(),
            });
        }
    }
    for (program, _) in &in_use.programs {
        if catalog
            .program(program)
            .is_some_and(|p| p.functions.contains(function))
        {
            evidence.push(in_use.evidence(program));
        }
    }
    for program in &zone.support_programs {
        if catalog
            .support_program(program)
            .is_some_and(|p| p.functions.contains(function))
        {
            evidence.push(Evidence::SupportProgram {
                id: program.clone(),
            });
        }
    }
    let status = if evidence.is_empty() {
        FunctionStatus::Absent
    } else {
        FunctionStatus::Present
    };
    FunctionFinding {
        id: function.clone(),
        status,
        floor_area_m2,
        evidence,
    }
}

fn typology_finding(
    catalog: &Catalog,
    functions: &[FunctionFinding],
    linkages: &[LinkageFinding],
) -> TypologyFinding {
    // Ties, including a plan with no facilities, go to the function listed first in the catalog.
    let primary = functions
        .iter()
        .fold(None::<&FunctionFinding>, |best, f| match best {
            Some(b) if b.floor_area_m2 >= f.floor_area_m2 => Some(b),
            _ => Some(f),
        })
        .map(|f| f.id.clone());
    let all_active = linkages.iter().all(|l| l.status == LinkageStatus::Active);
    let typology = if all_active {
        catalog.convergence_typology()
    } else {
        primary
            .as_deref()
            .and_then(|f| catalog.typology_of_function(f))
    };
    match typology {
        Some(t) => TypologyFinding {
            id: t.id.clone(),
            primary_function: primary,
            limits_ko: if all_active {
                Vec::new()
            } else {
                t.limits_ko.clone()
            },
            limits_en: if all_active {
                Vec::new()
            } else {
                t.limits_en.clone()
            },
            remedies: t
                .remedies
                .iter()
                .filter(|r| {
                    linkages
                        .iter()
                        .any(|l| &l.id == *r && l.status != LinkageStatus::Active)
                })
                .cloned()
                .collect(),
        },
        // A checked catalog has a typology for every function and a convergence target.
        None => TypologyFinding {
            id: Id::new("convergence"),
            primary_function: primary,
            limits_ko: Vec::new(),
            limits_en: Vec::new(),
            remedies: Vec::new(),
        },
    }
}

fn packages(
    catalog: &Catalog,
    in_use: &ProgramsInUse,
    institution_kinds: &[&Id],
    functions: &[FunctionFinding],
    linkages: &[LinkageFinding],
) -> Vec<Package> {
    let absent: Vec<&Id> = functions
        .iter()
        .filter(|f| f.status == FunctionStatus::Absent)
        .map(|f| &f.id)
        .collect();
    let inactive: Vec<&Id> = linkages
        .iter()
        .filter(|l| l.status != LinkageStatus::Active)
        .map(|l| &l.id)
        .collect();
    let gaps = |fs: &[Id], ls: &[Id]| -> (Vec<Id>, Vec<Id>) {
        (
            fs.iter().filter(|f| absent.contains(f)).cloned().collect(),
            ls.iter()
                .filter(|l| inactive.contains(l))
                .cloned()
                .collect(),
        )
    };
    let held = |designation: &Id| in_use.designations.contains(designation);

    let mut packages: Vec<Package> = catalog
        .ministries
        .iter()
        .map(|m| Package {
            ministry: m.id.clone(),
            programs: Vec::new(),
            designations: Vec::new(),
            serves: Vec::new(),
        })
        .collect();
    let mut add = |ministry: &Id, item: PackageItem| {
        if let Some(package) = packages.iter_mut().find(|p| &p.ministry == ministry) {
            match item.kind {
                PackageItemKind::Program => package.programs.push(item.id.clone()),
                PackageItemKind::Designation => package.designations.push(item.id.clone()),
            }
            package.serves.push(item);
        }
    };
    // Programs that consist in a designation are offered as that designation.
    for program in catalog
        .programs
        .iter()
        .filter(|p| p.designation.is_none() && !in_use.contains(&p.id))
    {
        let (functions, linkages) = gaps(&program.functions, &program.linkages);
        if !functions.is_empty() || !linkages.is_empty() {
            add(
                &program.ministry,
                PackageItem {
                    id: program.id.clone(),
                    kind: PackageItemKind::Program,
                    functions,
                    linkages,
                },
            );
        }
    }
    // A designation that needs a kind of institution the zone lacks is not advised.
    let possible = |d: &&crate::catalog::Designation| {
        d.advised_with
            .as_ref()
            .is_none_or(|kind| institution_kinds.contains(&kind))
    };
    for designation in catalog
        .designations
        .iter()
        .filter(|d| !held(&d.id))
        .filter(possible)
    {
        let (functions, linkages) = gaps(&designation.functions, &designation.linkages);
        if functions.is_empty() && linkages.is_empty() {
            continue;
        }
        if let Some(lead) = designation.ministries.first() {
            add(
                lead,
                PackageItem {
                    id: designation.id.clone(),
                    kind: PackageItemKind::Designation,
                    functions,
                    linkages,
                },
            );
        }
    }
    packages.retain(|p| !p.serves.is_empty());
    packages
}

fn principle_finding(
    catalog: &Catalog,
    zone: &Zone,
    in_use: &ProgramsInUse,
    principle: &crate::catalog::Principle,
) -> PrincipleFinding {
    let mut evidence = Vec::new();
    let mut to_secure = Vec::new();
    let mut pending = Vec::new();
    let mut unmet = Vec::new();
    let secured = Scope {
        catalog,
        zone,
        in_use,
        count_planned: false,
    };
    let planned = Scope {
        count_planned: true,
        ..secured
    };
    for requirement in &principle.requires {
        if let Some(found) = secured.satisfy(requirement) {
            evidence.extend(found.into_iter().map(|f| f.evidence));
        } else if let Some(found) = planned.satisfy(requirement) {
            for f in found {
                if f.planned {
                    to_secure.push(f.evidence);
                } else {
                    evidence.push(f.evidence);
                }
            }
            pending.push(requirement.clone());
        } else {
            unmet.push(requirement.clone());
        }
    }
    let status = match (unmet.is_empty(), pending.is_empty()) {
        (true, true) => PrincipleStatus::Met,
        (true, false) => PrincipleStatus::Planned,
        (false, _) => PrincipleStatus::Missing,
    };
    let met = status == PrincipleStatus::Met;
    PrincipleFinding {
        id: principle.id.clone(),
        status,
        met,
        evidence: unique(evidence),
        to_secure: unique(to_secure),
        pending,
        unmet,
        advice_ko: (!met).then(|| principle.advice_ko.clone()),
        advice_en: (!met).then(|| principle.advice_en.clone()),
    }
}

/// Keeps each piece of evidence once even when several requirements point at it.
fn unique(all: Vec<Evidence>) -> Vec<Evidence> {
    let mut unique = Vec::new();
    for e in all {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    unique
}

/// A piece of evidence, and whether it is an institution still to be attracted.
struct Found {
    evidence: Evidence,
    planned: bool,
}

/// What requirements are checked against: the plan, with or without its planned institutions.
#[derive(Clone, Copy)]
struct Scope<'a> {
    catalog: &'a Catalog,
    zone: &'a Zone,
    in_use: &'a ProgramsInUse,
    count_planned: bool,
}

impl Scope<'_> {
    /// The institutions of these kinds that count, of `ownership` when one is asked for. An
    /// institution's own ownership overrides its kind's; one of no known ownership counts for neither.
    fn institutions(&self, kinds: &[Id], ownership: Option<Ownership>) -> Vec<&Institution> {
        self.zone
            .institutions
            .iter()
            .filter(|i| kinds.contains(&i.kind))
            .filter(|i| self.count_planned || i.status == InstitutionStatus::Secured)
            .filter(|i| {
                ownership.is_none_or(|wanted| {
                    let own = i.ownership.or_else(|| {
                        self.catalog
                            .institution_kind(&i.kind)
                            .and_then(|k| k.ownership)
                    });
                    own == Some(wanted)
                })
            })
            .collect()
    }

    /// The evidence that satisfies a requirement, or `None` when it does not hold.
    fn satisfy(&self, requirement: &Requirement) -> Option<Vec<Found>> {
        let plain = |evidence: Vec<Evidence>| -> Option<Vec<Found>> {
            Some(evidence).filter(|e| !e.is_empty()).map(|e| {
                e.into_iter()
                    .map(|evidence| Found {
                        evidence,
                        planned: false,
                    })
                    .collect()
            })
        };
        let of_institutions = |institutions: &[&Institution]| -> Vec<Found> {
            institutions
                .iter()
                .map(|i| Found {
                    evidence: Evidence::Institution {
                        institution_kind: i.kind.clone(),
                        name: i.name.to_string(),
                    },
                    planned: i.status == InstitutionStatus::Planned,
                })
                .collect()
        };
        let (zone, in_use) = (self.zone, self.in_use);
        match requirement {
            Requirement::StrategicIndustriesAtLeast(n) => {
                let names: Vec<String> = zone
                    .strategic_industries
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                (names.len() >= *n as usize)
                    .then(|| plain(vec![Evidence::StrategicIndustries { names }]))
                    .flatten()
            }
            Requirement::InstitutionKindIn(kinds) => {
                Some(of_institutions(&self.institutions(kinds, None))).filter(|e| !e.is_empty())
            }
            Requirement::InstitutionKindsAtLeast {
                count,
                kinds,
                ownership,
            } => {
                let institutions = self.institutions(kinds, *ownership);
                let mut distinct: Vec<&Id> = institutions.iter().map(|i| &i.kind).collect();
                distinct.sort();
                distinct.dedup();
                (distinct.len() >= *count as usize).then(|| of_institutions(&institutions))
            }
            Requirement::DesignationIn(ids) => plain(
                in_use
                    .designations
                    .iter()
                    .filter(|d| ids.contains(d))
                    .map(|d| Evidence::Designation { id: d.clone() })
                    .collect(),
            ),
            Requirement::ProgramIn(ids) => plain(
                ids.iter()
                    .filter(|p| in_use.contains(p))
                    .map(|p| in_use.evidence(p))
                    .collect(),
            ),
            Requirement::SupportProgramIn(ids) => plain(
                zone.support_programs
                    .iter()
                    .filter(|p| ids.contains(p))
                    .map(|p| Evidence::SupportProgram { id: p.clone() })
                    .collect(),
            ),
            Requirement::LinkageProgramIn(ids) => plain(
                zone.linkage_programs
                    .iter()
                    .filter(|p| ids.contains(p))
                    .map(|p| Evidence::LinkageProgram { id: p.clone() })
                    .collect(),
            ),
            Requirement::Any(options) => {
                let all: Vec<Found> = options
                    .iter()
                    .filter_map(|option| self.satisfy(option))
                    .flatten()
                    .collect();
                Some(all).filter(|e| !e.is_empty())
            }
        }
    }
}

fn zone_type_finding(
    catalog: &Catalog,
    zone: &Zone,
    typology: &TypologyFinding,
) -> ZoneTypeFinding {
    let zone_type = catalog.zone_type(&zone.zone_type);
    let resembles = zone_type.and_then(|t| t.resembles.clone());
    ZoneTypeFinding {
        id: zone.zone_type.clone(),
        repeats_risk: resembles.as_ref() == Some(&typology.id),
        resembles,
        advice: zone_type.map(|t| t.advice.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;

/// The JSON Schema of [`Diagnosis`], as published in `docs/diagnosis.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Diagnosis);
    serde_json::to_value(schema).unwrap_or_default()
}
