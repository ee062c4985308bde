//! Eligibility: which programs of every ministry a firm qualifies for, why, and what opens at its
//! next stage — the one-stop package of the zone. The rules are catalog data; this module only
//! evaluates and groups them.

pub mod cases;
pub mod explain;
pub use explain::describe;
pub mod report;

use serde::Serialize;

use crate::catalog::{Catalog, Ruled};
use crate::date::Date;
use crate::firm::Firm;
use crate::id::Id;
use crate::rule::Rule;

/// The three kinds of program that carry a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    /// A ministry program (Figure 4, section 3).
    Program,
    /// A support program run in the zone (Figure 2).
    SupportProgram,
    /// A linkage program between two functions (Figure 3).
    LinkageProgram,
}

impl ProgramKind {
    /// Run by a zone's operator (Figure 2's support programs, Figure 3's linkage programs), so
    /// open to a firm only where its zone runs it.
    pub fn is_zone_run(self) -> bool {
        matches!(
            self,
            ProgramKind::SupportProgram | ProgramKind::LinkageProgram
        )
    }
}

/// A program with its parsed rule.
#[derive(Clone, Debug)]
pub struct RuledProgram {
    pub kind: ProgramKind,
    pub id: Id,
    pub rule: Rule,
    pub reference: String,
    pub basis: crate::catalog::Basis,
    pub stages: Vec<Id>,
    pub functions: Vec<Id>,
    pub ministry: Option<Id>,
}

impl RuledProgram {
    /// The catalog kind its names are looked up in.
    pub fn catalog_kind(&self) -> crate::catalog::Kind {
        match self.kind {
            ProgramKind::Program => crate::catalog::Kind::Program,
            ProgramKind::SupportProgram => crate::catalog::Kind::SupportProgram,
            ProgramKind::LinkageProgram => crate::catalog::Kind::LinkageProgram,
        }
    }
}

/// Every program of a checked catalog with its rule, in catalog order: ministry programs, then
/// support programs, then linkage programs.
#[derive(Clone, Debug)]
pub struct Rulebook {
    pub programs: Vec<RuledProgram>,
}

impl Rulebook {
    /// Parses the rules of a catalog that `Catalog::load` has checked; a rule that does not parse
    /// (only possible for an unchecked catalog) is left out.
    pub fn new(catalog: &Catalog) -> Rulebook {
        let mut programs = Vec::new();
        let mut add = |kind, entry: &dyn Ruled, functions: Vec<Id>, ministry: Option<Id>| {
            if let Ok(rule) =
                Rule::parse(&with_stages(entry.eligibility().get_ref(), entry.stages()))
            {
                programs.push(RuledProgram {
                    kind,
                    id: entry.id().clone(),
                    rule,
                    reference: entry.reference().to_string(),
                    basis: entry.basis().clone(),
                    stages: entry.stages().to_vec(),
                    functions,
                    ministry,
                });
            }
        };
        for p in &catalog.programs {
            add(
                ProgramKind::Program,
                p,
                p.functions.clone(),
                Some(p.ministry.clone()),
            );
        }
        for p in &catalog.support_programs {
            add(ProgramKind::SupportProgram, p, p.functions.clone(), None);
        }
        for p in &catalog.linkage_programs {
            let functions = catalog
                .linkage(&p.linkage)
                .map(|l| l.functions.clone())
                .unwrap_or_default();
            add(ProgramKind::LinkageProgram, p, functions, None);
        }
        Rulebook { programs }
    }

    pub fn get(&self, id: &str) -> Option<&RuledProgram> {
        self.programs.iter().find(|p| p.id == id)
    }

    pub fn rules(&self) -> Vec<Rule> {
        self.programs.iter().map(|p| p.rule.clone()).collect()
    }

    /// The package of one firm at a date: every program it qualifies for with the reference,
    /// every program it does not with the clause that failed, and what opens at its next stage.
    pub fn package(&self, catalog: &Catalog, firm: &Firm, as_of: Date) -> Package {
        let facts = firm.facts(as_of, catalog);
        let mut eligible = Vec::new();
        let mut ineligible = Vec::new();
        for program in &self.programs {
            let outcome = program.rule.explain(&facts);
            match outcome.failed {
                None => eligible.push(Offer::of(program, catalog)),
                Some(failed) => {
                    let words = |lang| {
                        program
                            .rule
                            .node_at(&failed.span)
                            .and_then(|clause| {
                                explain::explain(clause, &failed, &facts, catalog, lang)
                            })
                            .unwrap_or_else(|| failed.to_string())
                    };
                    ineligible.push(Refusal {
                        id: program.id.clone(),
                        kind: program.kind,
                        name_ko: catalog.name(program.catalog_kind(), &program.id, crate::Lang::Ko),
                        name_en: catalog.name(program.catalog_kind(), &program.id, crate::Lang::En),
                        ministry: program.ministry.clone(),
                        reason: failed.to_string(),
                        explanation_ko: words(crate::Lang::Ko),
                        explanation_en: words(crate::Lang::En),
                        clause: failed.clause.clone(),
                        values: failed
                            .values
                            .iter()
                            .map(|(f, v)| FieldValue {
                                field: f.name().to_string(),
                                value: explain::json_value(v),
                            })
                            .collect(),
                        error: failed.error,
                    })
                }
            }
        }

        let next_stage = catalog.next_stage(&firm.stage);
        let mut opens_next = Vec::new();
        if let Some(next) = next_stage {
            let mut later = firm.clone();
            later.stage = next.id.clone();
            let mut facts = later.facts(as_of, catalog);
            facts.age_years = facts.age_years.max(next.from_age_years);
            for program in &self.programs {
                let now = eligible.iter().any(|o: &Offer| o.id == program.id);
                if !now && program.stages.contains(&next.id) && program.rule.holds(&facts) {
                    opens_next.push(Offer::of(program, catalog));
                }
            }
        }
        Package {
            firm: firm.id.clone(),
            name: firm.name.clone(),
            as_of: as_of.to_string(),
            stage: firm.stage.clone(),
            next_stage: next_stage.map(|s| s.id.clone()),
            age_years: facts.age_years,
            eligible,
            ineligible,
            next_stage_programs: opens_next,
        }
    }
}

/// The rule a program applies: its stages, then its own conditions. A program serves only the
/// stages it lists, so a firm at another stage is told so (`firm.stage in ["early"]: "growth"`).
pub fn with_stages(rule: &str, stages: &[Id]) -> String {
    let listed: Vec<String> = stages.iter().map(|s| format!("\"{s}\"")).collect();
    let guard = format!("firm.stage in [{}]", listed.join(", "));
    // `&&` binds tighter than `||` and `?:`: only those need parentheses to stay one condition.
    let top_level_loose = crate::rule::syntax::parse(rule).is_ok_and(|e| {
        matches!(
            e.kind,
            crate::rule::ExprKind::Binary(crate::rule::BinaryOp::Or, ..)
                | crate::rule::ExprKind::Conditional(..)
        )
    });
    if top_level_loose {
        format!("{guard} && ({rule})")
    } else {
        format!("{guard} && {rule}")
    }
}

/// One firm's package. Its JSON form is the output of `ucz match --firm … --format json`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "FirmPackage")]
pub struct Package {
    pub firm: String,
    pub name: String,
    pub as_of: String,
    pub stage: Id,
    pub next_stage: Option<Id>,
    pub age_years: i64,
    pub eligible: Vec<Offer>,
    pub ineligible: Vec<Refusal>,
    /// Programs the firm does not qualify for now but would at its next stage.
    pub next_stage_programs: Vec<Offer>,
}

/// A program the firm qualifies for.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Offer {
    pub id: Id,
    pub kind: ProgramKind,
    pub name_ko: String,
    pub name_en: String,
    pub ministry: Option<Id>,
    pub functions: Vec<Id>,
    pub reference: String,
    /// Whether it came after the brief, the English reference and what the rule assumes.
    #[serde(flatten)]
    pub basis: crate::catalog::Basis,
    pub rule: String,
}

impl Offer {
    fn of(program: &RuledProgram, catalog: &Catalog) -> Offer {
        Offer {
            id: program.id.clone(),
            kind: program.kind,
            name_ko: catalog.name(program.catalog_kind(), &program.id, crate::Lang::Ko),
            name_en: catalog.name(program.catalog_kind(), &program.id, crate::Lang::En),
            ministry: program.ministry.clone(),
            functions: program.functions.clone(),
            reference: program.reference.clone(),
            basis: program.basis.clone(),
            rule: program.rule.text().to_string(),
        }
    }
}

/// A program the firm does not qualify for, and why.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Refusal {
    pub id: Id,
    pub kind: ProgramKind,
    pub name_ko: String,
    pub name_en: String,
    pub ministry: Option<Id>,
    /// `firm.age_years <= 7: 9`: the failing clause and the firm's values.
    pub reason: String,
    /// The same in words: `업력 3년 미만 대상 (현재 4년)`.
    pub explanation_ko: String,
    pub explanation_en: String,
    /// The clause of the rule that failed, as written.
    pub clause: String,
    /// The firm's values of the fields the clause reads.
    pub values: Vec<FieldValue>,
    /// Set when the clause could not be evaluated (say, a division by zero).
    pub error: Option<String>,
}

/// A firm's value of a field.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct FieldValue {
    pub field: String,
    pub value: serde_json::Value,
}
