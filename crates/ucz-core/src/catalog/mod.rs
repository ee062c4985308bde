//! The policy content of the zone model — functions, facilities, linkages, programs, designations,
//! principles, typologies — read from the TOML files under `catalog/` and checked as a whole.
//!
//! The catalog is data a policy researcher can review; nothing here knows a program by name.

mod check;
mod entries;
pub mod placement;

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use entries::*;
pub use placement::{MisfitWeights, NetworkRules, PlacementPolicy};

use crate::id::Id;
use crate::source::{InputError, InputErrors, SourceFile};

/// The whole catalog. Serialized, it is one JSON object with one array per kind.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Catalog {
    pub functions: Vec<Function>,
    pub facility_types: Vec<FacilityType>,
    pub linkages: Vec<Linkage>,
    pub linkage_programs: Vec<LinkageProgram>,
    pub support_programs: Vec<SupportProgram>,
    pub principles: Vec<Principle>,
    pub typologies: Vec<Typology>,
    pub zone_types: Vec<ZoneType>,
    pub ministries: Vec<Ministry>,
    pub programs: Vec<Program>,
    pub designations: Vec<Designation>,
    pub figure4_columns: Vec<Figure4Column>,
    pub improvements: Vec<Improvement>,
    pub institution_kinds: Vec<InstitutionKind>,
    pub regions: Vec<Region>,
    pub economic_regions: Vec<EconomicRegion>,
    pub stages: Vec<Stage>,
    pub designated_zones: Vec<DesignatedZone>,
    pub hub_kinds: Vec<HubKind>,
    pub space_kinds: Vec<SpaceKind>,
    pub placement_parameters: Vec<PlacementParameter>,
    pub sme_sizes: Vec<SmeSize>,
    pub call_terms: Vec<CallTerm>,
    pub holidays: Vec<Holiday>,
    pub indicators: Vec<Indicator>,
    pub plan_items: Vec<PlanItem>,
    pub procedure_dates: Vec<ProcedureDate>,
    pub procedure_steps: Vec<ProcedureStep>,
    /// `placement_parameters` and the expansion kinds, typed; derived, so not serialized.
    #[serde(skip)]
    pub placement: PlacementPolicy,
}

/// The catalog's files: for each kind, its JSON array name, its file and its TOML table name.
/// The place of a kind in [`KINDS`]; evaluated at compile time where it is used, so a kind that
/// is not there does not build.
const fn kind_index(kind: &str) -> usize {
    let mut i = 0;
    while i < KINDS.len() {
        if same_text(KINDS[i].0, kind) {
            return i;
        }
        i += 1;
    }
    panic!("not a kind of the catalog");
}

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

pub const KINDS: [(&str, &str, &str); 28] = [
    ("functions", "functions.toml", "function"),
    ("facility_types", "facility_types.toml", "facility_type"),
    ("linkages", "linkages.toml", "linkage"),
    (
        "linkage_programs",
        "linkage_programs.toml",
        "linkage_program",
    ),
    (
        "support_programs",
        "support_programs.toml",
        "support_program",
    ),
    ("principles", "principles.toml", "principle"),
    ("typologies", "typologies.toml", "typology"),
    ("zone_types", "zone_types.toml", "zone_type"),
    ("ministries", "ministries.toml", "ministry"),
    ("programs", "programs.toml", "program"),
    ("designations", "designations.toml", "designation"),
    ("figure4_columns", "figure4_columns.toml", "figure4_column"),
    ("improvements", "improvements.toml", "improvement"),
    (
        "institution_kinds",
        "institution_kinds.toml",
        "institution_kind",
    ),
    ("regions", "regions.toml", "region"),
    (
        "economic_regions",
        "economic_regions.toml",
        "economic_region",
    ),
    ("stages", "stages.toml", "stage"),
    (
        "designated_zones",
        "designated_zones.toml",
        "designated_zone",
    ),
    ("hub_kinds", "hub_kinds.toml", "hub_kind"),
    ("space_kinds", "space_kinds.toml", "space_kind"),
    (
        "placement_parameters",
        "placement.toml",
        "placement_parameter",
    ),
    ("sme_sizes", "sme_sizes.toml", "sme_size"),
    ("call_terms", "call_terms.toml", "call_term"),
    ("holidays", "holidays.toml", "holiday"),
    ("indicators", "indicators.toml", "indicator"),
    ("plan_items", "plan_items.toml", "plan_item"),
    ("procedure_dates", "procedure_dates.toml", "date"),
    ("procedure_steps", "procedure_steps.toml", "step"),
];

/// The rule tests, beside the rules (`ucz catalog test`).
pub const TEST_FILES: [&str; 3] = [
    "tests/programs.toml",
    "tests/support_programs.toml",
    "tests/linkage_programs.toml",
];

/// The texts of a catalog's files, as read by the caller, keyed by file name.
#[derive(Clone, Debug)]
pub struct CatalogSources {
    /// How the folder is named in messages (`catalog`, `/path/to/catalog`).
    pub folder: String,
    pub files: BTreeMap<String, String>,
}

macro_rules! bundled_files {
    ($($file:literal),* $(,)?) => {
        [$(($file, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalog/", $file)))),*]
    };
}

impl CatalogSources {
    /// The catalog of this repository, compiled into the program.
    pub fn bundled() -> Self {
        let files = bundled_files!(
            "functions.toml",
            "facility_types.toml",
            "linkages.toml",
            "linkage_programs.toml",
            "support_programs.toml",
            "principles.toml",
            "typologies.toml",
            "zone_types.toml",
            "ministries.toml",
            "programs.toml",
            "designations.toml",
            "figure4_columns.toml",
            "improvements.toml",
            "institution_kinds.toml",
            "regions.toml",
            "economic_regions.toml",
            "stages.toml",
            "designated_zones.toml",
            "hub_kinds.toml",
            "space_kinds.toml",
            "placement.toml",
            "sme_sizes.toml",
            "call_terms.toml",
            "holidays.toml",
            "indicators.toml",
            "plan_items.toml",
            "procedure_dates.toml",
            "procedure_steps.toml",
            "tests/programs.toml",
            "tests/support_programs.toml",
            "tests/linkage_programs.toml",
        );
        Self {
            folder: "catalog".to_string(),
            files: files
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// The path of a file as shown in messages.
    pub fn path(&self, file: &str) -> String {
        format!("{}/{}", self.folder.trim_end_matches('/'), file)
    }
}

impl Catalog {
    /// Parses every file and checks the catalog as a whole: unique identifiers, every reference
    /// resolved, names in both languages. Reports every problem found, not just the first.
    pub fn load(sources: &CatalogSources) -> Result<Self, InputErrors> {
        let mut errors = Vec::new();
        let paths: Vec<String> = KINDS
            .iter()
            .map(|(_, file, _)| sources.path(file))
            .collect();
        // Each kind by its name, found in `KINDS` at compile time: a misspelt kind does not build.
        macro_rules! parse {
            ($kind:ident) => {{
                let index = const { kind_index(stringify!($kind)) };
                let (_, file, key) = KINDS[index];
                match sources.files.get(file) {
                    None => {
                        errors.push(
                            SourceFile::new(&paths[index], "")
                                .error(None, "file missing from the catalog folder"),
                        );
                        Vec::new()
                    }
                    Some(text) => parse_kind(SourceFile::new(&paths[index], text), key)
                        .unwrap_or_else(|e| {
                            errors.push(*e);
                            Vec::new()
                        }),
                }
            }};
        }
        let mut catalog = Catalog {
            functions: parse!(functions),
            facility_types: parse!(facility_types),
            linkages: parse!(linkages),
            linkage_programs: parse!(linkage_programs),
            support_programs: parse!(support_programs),
            principles: parse!(principles),
            typologies: parse!(typologies),
            zone_types: parse!(zone_types),
            ministries: parse!(ministries),
            programs: parse!(programs),
            designations: parse!(designations),
            figure4_columns: parse!(figure4_columns),
            improvements: parse!(improvements),
            institution_kinds: parse!(institution_kinds),
            regions: parse!(regions),
            economic_regions: parse!(economic_regions),
            stages: parse!(stages),
            designated_zones: parse!(designated_zones),
            hub_kinds: parse!(hub_kinds),
            space_kinds: parse!(space_kinds),
            placement_parameters: parse!(placement_parameters),
            sme_sizes: parse!(sme_sizes),
            call_terms: parse!(call_terms),
            holidays: parse!(holidays),
            indicators: parse!(indicators),
            plan_items: parse!(plan_items),
            procedure_dates: parse!(procedure_dates),
            procedure_steps: parse!(procedure_steps),
            placement: PlacementPolicy::default(),
        };
        if !errors.is_empty() {
            return Err(InputErrors(errors));
        }
        check::check(&catalog, sources)?;
        // The check has found every parameter, so this only fails if the two disagree.
        catalog.placement = PlacementPolicy::of(&catalog).ok_or_else(|| {
            InputErrors(vec![
                SourceFile::new(&paths[const { kind_index("placement_parameters") }], "")
                    .error(None, "a placement parameter is missing"),
            ])
        })?;
        Ok(catalog)
    }

    /// The catalog compiled into the program. It is checked by the test suite, so this cannot
    /// fail in a released build; the error is still returned rather than hidden.
    pub fn bundled() -> Result<Self, InputErrors> {
        Self::load(&CatalogSources::bundled())
    }

    /// How many entries each kind has, in catalog order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let lens = [
            self.functions.len(),
            self.facility_types.len(),
            self.linkages.len(),
            self.linkage_programs.len(),
            self.support_programs.len(),
            self.principles.len(),
            self.typologies.len(),
            self.zone_types.len(),
            self.ministries.len(),
            self.programs.len(),
            self.designations.len(),
            self.figure4_columns.len(),
            self.improvements.len(),
            self.institution_kinds.len(),
            self.regions.len(),
            self.economic_regions.len(),
            self.stages.len(),
            self.designated_zones.len(),
            self.hub_kinds.len(),
            self.space_kinds.len(),
            self.placement_parameters.len(),
            self.sme_sizes.len(),
            self.call_terms.len(),
            self.holidays.len(),
            self.indicators.len(),
            self.plan_items.len(),
            self.procedure_dates.len(),
            self.procedure_steps.len(),
        ];
        KINDS
            .iter()
            .zip(lens)
            .map(|((kind, _, _), n)| (*kind, n))
            .collect()
    }

    pub fn function(&self, id: &str) -> Option<&Function> {
        find(&self.functions, id)
    }
    pub fn facility_type(&self, id: &str) -> Option<&FacilityType> {
        find(&self.facility_types, id)
    }
    pub fn linkage(&self, id: &str) -> Option<&Linkage> {
        find(&self.linkages, id)
    }
    pub fn linkage_program(&self, id: &str) -> Option<&LinkageProgram> {
        find(&self.linkage_programs, id)
    }
    pub fn support_program(&self, id: &str) -> Option<&SupportProgram> {
        find(&self.support_programs, id)
    }
    pub fn typology(&self, id: &str) -> Option<&Typology> {
        find(&self.typologies, id)
    }
    pub fn zone_type(&self, id: &str) -> Option<&ZoneType> {
        find(&self.zone_types, id)
    }
    pub fn ministry(&self, id: &str) -> Option<&Ministry> {
        find(&self.ministries, id)
    }
    pub fn program(&self, id: &str) -> Option<&Program> {
        find(&self.programs, id)
    }
    pub fn designation(&self, id: &str) -> Option<&Designation> {
        find(&self.designations, id)
    }
    pub fn hub_kind(&self, id: &str) -> Option<&HubKind> {
        find(&self.hub_kinds, id)
    }
    pub fn institution_kind(&self, id: &str) -> Option<&InstitutionKind> {
        find(&self.institution_kinds, id)
    }
    pub fn space_kind(&self, id: &str) -> Option<&SpaceKind> {
        find(&self.space_kinds, id)
    }
    /// Whether tenants of spaces of this kind graduate when their lease ends.
    pub fn is_incubation_kind(&self, id: &str) -> bool {
        self.space_kind(id).is_some_and(|k| k.incubation)
    }
    pub fn region(&self, id: &str) -> Option<&Region> {
        find(&self.regions, id)
    }
    pub fn economic_region(&self, id: &str) -> Option<&EconomicRegion> {
        find(&self.economic_regions, id)
    }
    /// The 광역경제권 of grouping `grouping` that `region` (a 시·도) belongs to.
    pub fn economic_region_of(&self, grouping: &str, region: &str) -> Option<&EconomicRegion> {
        self.economic_regions
            .iter()
            .find(|e| e.grouping == grouping && e.members.iter().any(|m| m == region))
    }
    /// The grouping of 광역경제권 ucz plans by: the one listed first in the file.
    pub fn economic_grouping(&self) -> Option<&str> {
        self.economic_regions.first().map(|e| e.grouping.as_str())
    }
    /// The 광역경제권 a 시·도 belongs to, in the grouping ucz plans by.
    pub fn home_economic_region(&self, region: &str) -> Option<&EconomicRegion> {
        self.economic_region_of(self.economic_grouping()?, region)
    }
    /// What a plan for `id` covers: a 시·도 alone, or a 광역경제권 with its members; `None` for
    /// an id that is neither.
    pub fn placement_scope(&self, id: &str) -> Option<crate::placement::ladder::Scope> {
        if self.region(id).is_some() {
            return Some(crate::placement::ladder::Scope::region(id));
        }
        self.economic_region(id)
            .map(|e| crate::placement::ladder::Scope {
                id: e.id.to_string(),
                regions: e.members.iter().map(|m| m.to_string()).collect(),
            })
    }
    /// The name of a 시·도 or 광역경제권 in one language; the id when it is neither.
    pub fn area_name(&self, id: &str, lang: crate::Lang) -> String {
        if let Some(r) = self.region(id) {
            return lang.pick(&r.name_ko, &r.name_en).to_string();
        }
        self.economic_region(id)
            .map(|e| lang.pick(&e.name_ko, &e.name_en).to_string())
            .unwrap_or_else(|| id.to_string())
    }
    /// The row of the SME size test a firm of `sector` (a KSIC code, or empty) is measured by:
    /// the longest code that begins `sector`; when none does, the lowest revenue figure among the
    /// rows `sector` could be (those it begins, or every row), so that such a firm is an SME only
    /// if it would be one in each (`catalog/sme_sizes.toml`).
    pub fn sme_size(&self, sector: &str) -> Option<&SmeSize> {
        fn lowest<'a>(rows: impl Iterator<Item = &'a SmeSize>) -> Option<&'a SmeSize> {
            rows.min_by_key(|r| r.revenue_max_krw.unwrap_or(i64::MAX))
        }
        let rows = || {
            self.sme_sizes
                .iter()
                .filter(|r| r.revenue_max_krw.is_some())
        };
        rows()
            .filter(|r| sector.starts_with(r.ksic.as_str()))
            .max_by_key(|r| r.ksic.len())
            .or_else(|| lowest(rows().filter(|r| r.ksic.starts_with(sector))))
            .or_else(|| lowest(rows()))
    }
    /// The total assets every SME stays below (시행령 제3조제1항제1호나목); none when the
    /// catalog sets no cap.
    pub fn sme_assets_below(&self) -> Option<i64> {
        self.sme_sizes.iter().find_map(|r| r.assets_below_krw)
    }
    /// Whether a firm of `sector` with this revenue and these total assets is an SME by size.
    pub fn is_sme(&self, sector: &str, revenue_krw: i64, assets_krw: i64) -> bool {
        self.sme_assets_below().is_none_or(|cap| assets_krw < cap)
            && self
                .sme_size(sector)
                .and_then(|r| r.revenue_max_krw)
                .is_some_and(|max| revenue_krw <= max)
    }
    pub fn designated_zone(&self, id: &str) -> Option<&DesignatedZone> {
        find(&self.designated_zones, id)
    }
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        find(&self.stages, id)
    }
    /// The stage after `id`, if any.
    pub fn next_stage(&self, id: &str) -> Option<&Stage> {
        let i = self.stages.iter().position(|s| s.id == id)?;
        self.stages.get(i + 1)
    }
    pub fn principle(&self, id: &str) -> Option<&Principle> {
        find(&self.principles, id)
    }

    /// The Table-1 type built around a function.
    pub fn typology_of_function(&self, function: &str) -> Option<&Typology> {
        self.typologies
            .iter()
            .find(|t| t.primary_function.as_deref() == Some(function))
    }

    /// The target type: every linkage runs.
    pub fn convergence_typology(&self) -> Option<&Typology> {
        self.typologies
            .iter()
            .find(|t| t.primary_function.is_none())
    }

    /// The program that consists in holding a designation, if the catalog has one.
    pub fn program_of_designation(&self, designation: &str) -> Option<&Program> {
        self.programs
            .iter()
            .find(|p| p.designation.as_deref() == Some(designation))
    }

    /// Korean or English name of any entry, by kind and id; the id itself if unknown.
    pub fn name(&self, kind: Kind, id: &str, lang: crate::Lang) -> String {
        let entry: Option<&dyn Entry> = match kind {
            Kind::Function => self.function(id).map(|e| e as &dyn Entry),
            Kind::FacilityType => self.facility_type(id).map(|e| e as &dyn Entry),
            Kind::Linkage => self.linkage(id).map(|e| e as &dyn Entry),
            Kind::LinkageProgram => self.linkage_program(id).map(|e| e as &dyn Entry),
            Kind::SupportProgram => self.support_program(id).map(|e| e as &dyn Entry),
            Kind::Principle => self.principle(id).map(|e| e as &dyn Entry),
            Kind::Typology => self.typology(id).map(|e| e as &dyn Entry),
            Kind::ZoneType => self.zone_type(id).map(|e| e as &dyn Entry),
            Kind::Ministry => self.ministry(id).map(|e| e as &dyn Entry),
            Kind::Program => self.program(id).map(|e| e as &dyn Entry),
            Kind::Designation => self.designation(id).map(|e| e as &dyn Entry),
            Kind::InstitutionKind => self.institution_kind(id).map(|e| e as &dyn Entry),
            Kind::Region => self.region(id).map(|e| e as &dyn Entry),
            Kind::Stage => self.stage(id).map(|e| e as &dyn Entry),
        };
        match (entry, lang) {
            (Some(e), crate::Lang::Ko) => e.name_ko().to_string(),
            (Some(e), crate::Lang::En) => e.name_en().to_string(),
            (None, _) => id.to_string(),
        }
    }
}

/// The kinds of entry a name can be looked up for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Function,
    FacilityType,
    Linkage,
    LinkageProgram,
    SupportProgram,
    Principle,
    Typology,
    ZoneType,
    Ministry,
    Program,
    Designation,
    InstitutionKind,
    Region,
    Stage,
}

fn find<'a, T: Entry>(items: &'a [T], id: &str) -> Option<&'a T> {
    items.iter().find(|e| e.id() == id)
}

/// Reads one file: a single array of tables named `key` (`[[program]]`).
// Boxed: an error is rare and large beside the entries.
fn parse_kind<T: DeserializeOwned>(
    file: SourceFile<'_>,
    key: &str,
) -> Result<Vec<T>, Box<InputError>> {
    let mut tables: BTreeMap<String, toml::Spanned<Vec<T>>> =
        toml::from_str(file.text).map_err(|e| Box::new(file.toml_error(&e)))?;
    if let Some(other) = tables.keys().find(|k| k.as_str() != key) {
        return Err(Box::new(
            file.error(
                Some(tables[other].span()),
                format!("unexpected top-level key `{other}`"),
            )
            .expected([format!("[[{key}]]")]),
        ));
    }
    match tables.remove(key) {
        Some(entries) => Ok(entries.into_inner()),
        None => Err(Box::new(
            file.error(None, format!("no `[[{key}]]` entries")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_is_valid() {
        let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(catalog.functions.len(), 4);
        assert_eq!(catalog.facility_types.len(), 6);
        assert_eq!(catalog.linkages.len(), 6);
        assert_eq!(catalog.principles.len(), 6);
        assert_eq!(catalog.ministries.len(), 7);
        assert_eq!(catalog.zone_types.len(), 3);
        assert_eq!(catalog.regions.len(), 17);
        assert_eq!(
            catalog
                .typologies
                .iter()
                .filter(|t| t.primary_function.is_some())
                .count(),
            4
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let mut sources = CatalogSources::bundled();
        sources.files.remove("ministries.toml");
        let errors = Catalog::load(&sources).expect_err("missing file");
        assert_eq!(errors.0[0].file, "catalog/ministries.toml");
        assert!(errors.0[0].message.contains("missing"));
    }

    #[test]
    fn a_misnamed_table_is_reported_with_the_expected_name() {
        let mut sources = CatalogSources::bundled();
        sources.files.insert(
            "functions.toml".into(),
            "[[functon]]\nid = \"innovation\"\nname_ko = \"혁신\"\nname_en = \"Innovation\"\nsource = \"x\"\n"
                .into(),
        );
        let errors = Catalog::load(&sources).expect_err("bad key");
        let first = &errors.0[0];
        assert_eq!(first.file, "catalog/functions.toml");
        assert!(first.message.contains("functon"), "{first}");
        assert_eq!(first.expected, vec!["[[function]]".to_string()]);
    }

    #[test]
    fn malformed_toml_is_reported_at_its_line() {
        let mut sources = CatalogSources::bundled();
        sources.files.insert(
            "linkages.toml".into(),
            "[[linkage]]\nid = \"x\nname_ko = 1\n".into(),
        );
        let errors = Catalog::load(&sources).expect_err("syntax");
        assert_eq!(errors.0[0].position.map(|p| p.0), Some(2));
    }
}
