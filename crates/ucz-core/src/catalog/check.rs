//! `ucz catalog check`: identifiers unique and well formed, names in both languages, every
//! reference resolved, and the shape the diagnosis relies on (a Table-1 type per function, two
//! functions per linkage, at least one program per linkage).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::placement::PARAMETERS;
use super::*;
use crate::source::Errors;

/// One catalog file and what the check needs to point into it.
struct Checked<'a> {
    file: SourceFile<'a>,
}

impl Checked<'_> {
    fn at(&self, id: &Id, field: impl Into<String>, message: impl Into<String>) -> InputError {
        self.file.error_at(id, message).field(field)
    }
}

/// The catalog's files, to point into: each file by name, as the messages show it.
struct Files<'a> {
    sources: &'a CatalogSources,
    paths: BTreeMap<&'static str, String>,
}

impl<'a> Files<'a> {
    fn new(sources: &'a CatalogSources) -> Self {
        Self {
            sources,
            paths: KINDS
                .iter()
                .map(|(_, file, _)| (*file, sources.path(file)))
                .collect(),
        }
    }

    fn of(&self, file: &'static str) -> Checked<'_> {
        let path = self.paths.get(file).map(String::as_str).unwrap_or(file);
        let text = self
            .sources
            .files
            .get(file)
            .map(String::as_str)
            .unwrap_or("");
        Checked {
            file: SourceFile::new(path, text),
        }
    }
}

pub(super) fn check(catalog: &Catalog, sources: &CatalogSources) -> Result<(), InputErrors> {
    let files = Files::new(sources);
    let mut errors = Errors::default();
    let e = &mut errors;
    all_entries(catalog, &files, e);
    designated_zones(catalog, &files, e);
    economic_regions(catalog, &files, e);
    facility_types(catalog, &files, e);
    linkages(catalog, &files, e);
    ruled_programs(catalog, &files, e);
    linkage_programs(catalog, &files, e);
    support_programs(catalog, &files, e);
    principles(catalog, &files, e);
    typologies(catalog, &files, e);
    zone_types(catalog, &files, e);
    ministries(catalog, &files, e);
    programs(catalog, &files, e);
    designations(catalog, &files, e);
    improvements(catalog, &files, e);
    institution_kinds(catalog, &files, e);
    space_kinds(catalog, &files, e);
    placement_parameters(catalog, &files, e);
    sme_sizes(catalog, &files, e);
    call_terms(catalog, &files, e);
    holidays(catalog, &files, e);
    indicators(catalog, &files, e);
    procedure(catalog, &files, e);
    region_names(catalog, &files, e);
    errors.finish(())
}

/// What every entry of every kind needs (`entries`).
fn all_entries(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    entries(&files.of("functions.toml"), "function", &c.functions, e);
    entries(
        &files.of("facility_types.toml"),
        "facility_type",
        &c.facility_types,
        e,
    );
    entries(&files.of("linkages.toml"), "linkage", &c.linkages, e);
    entries(
        &files.of("linkage_programs.toml"),
        "linkage_program",
        &c.linkage_programs,
        e,
    );
    entries(
        &files.of("support_programs.toml"),
        "support_program",
        &c.support_programs,
        e,
    );
    entries(&files.of("principles.toml"), "principle", &c.principles, e);
    entries(&files.of("typologies.toml"), "typology", &c.typologies, e);
    entries(&files.of("zone_types.toml"), "zone_type", &c.zone_types, e);
    entries(&files.of("ministries.toml"), "ministry", &c.ministries, e);
    entries(&files.of("programs.toml"), "program", &c.programs, e);
    entries(
        &files.of("designations.toml"),
        "designation",
        &c.designations,
        e,
    );
    entries(
        &files.of("figure4_columns.toml"),
        "figure4_column",
        &c.figure4_columns,
        e,
    );
    entries(
        &files.of("improvements.toml"),
        "improvement",
        &c.improvements,
        e,
    );
    entries(
        &files.of("institution_kinds.toml"),
        "institution_kind",
        &c.institution_kinds,
        e,
    );
    entries(&files.of("regions.toml"), "region", &c.regions, e);
    entries(
        &files.of("economic_regions.toml"),
        "economic_region",
        &c.economic_regions,
        e,
    );
    entries(&files.of("stages.toml"), "stage", &c.stages, e);
    entries(
        &files.of("designated_zones.toml"),
        "designated_zone",
        &c.designated_zones,
        e,
    );
    entries(&files.of("hub_kinds.toml"), "hub_kind", &c.hub_kinds, e);
    entries(
        &files.of("space_kinds.toml"),
        "space_kind",
        &c.space_kinds,
        e,
    );
    entries(
        &files.of("placement.toml"),
        "placement_parameter",
        &c.placement_parameters,
        e,
    );
    entries(&files.of("sme_sizes.toml"), "sme_size", &c.sme_sizes, e);
    entries(&files.of("call_terms.toml"), "call_term", &c.call_terms, e);
    entries(&files.of("holidays.toml"), "holiday", &c.holidays, e);
    entries(&files.of("plan_items.toml"), "plan_item", &c.plan_items, e);
    entries(
        &files.of("procedure_dates.toml"),
        "date",
        &c.procedure_dates,
        e,
    );
    entries(
        &files.of("procedure_steps.toml"),
        "step",
        &c.procedure_steps,
        e,
    );
}

/// A designated zone is in a known region.
fn designated_zones(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let dz = files.of("designated_zones.toml");
    for item in &c.designated_zones {
        refs(
            &dz,
            &item.id,
            "region",
            std::slice::from_ref(&item.region),
            &c.regions,
            "region",
            e,
        );
    }
}

/// A 광역경제권's members are known 시·도; each grouping covers every 시·도 exactly once; the
/// capital-region mark agrees with the members'; no id is a 시·도's (`--region` takes either).
fn economic_regions(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let er = files.of("economic_regions.toml");
    let mut groupings: BTreeMap<&str, Vec<&EconomicRegion>> = BTreeMap::new();
    for item in &c.economic_regions {
        refs(
            &er,
            &item.id,
            "members",
            &item.members,
            &c.regions,
            "region",
            e,
        );
        if item.members.is_empty() {
            e.push(er.at(&item.id, "members", "a 광역경제권 needs at least one 시·도"));
        }
        if !item.grouping.is_well_formed() {
            e.push(er.at(
                &item.id,
                "grouping",
                format!(
                    "grouping \"{}\" must be lower snake_case ([a-z][a-z0-9_]*)",
                    item.grouping
                ),
            ));
        }
        if c.region(item.id.as_str()).is_some() {
            e.push(er.at(
                &item.id,
                "id",
                format!(
                    "\"{}\" is a 시·도's id; a 광역경제권 needs an id of its own",
                    item.id
                ),
            ));
        }
        let members: Vec<&Region> = item
            .members
            .iter()
            .filter_map(|m| c.region(m.as_str()))
            .collect();
        if !members.is_empty() && members.iter().all(|r| r.capital_region) != item.capital_region {
            e.push(er.at(
                &item.id,
                "capital_region",
                format!(
                    "capital_region = {} disagrees with the members (regions.toml)",
                    item.capital_region
                ),
            ));
        }
        groupings
            .entry(item.grouping.as_str())
            .or_default()
            .push(item);
    }
    for (grouping, items) in groupings {
        for region in &c.regions {
            let holding: Vec<&&EconomicRegion> = items
                .iter()
                .filter(|i| i.members.contains(&region.id))
                .collect();
            match holding.as_slice() {
                [_] => {}
                [] => {
                    if let Some(first) = items.first() {
                        e.push(er.at(
                            &first.id,
                            "members",
                            format!(
                                "grouping {grouping}: 시·도 \"{}\" is in no 광역경제권",
                                region.id
                            ),
                        ));
                    }
                }
                [_, second, ..] => e.push(er.at(
                    &second.id,
                    "members",
                    format!(
                        "grouping {grouping}: 시·도 \"{}\" is in more than one 광역경제권",
                        region.id
                    ),
                )),
            }
        }
    }
}

/// A facility type, and a hub kind, serves at least one known function.
fn facility_types(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let ft = files.of("facility_types.toml");
    for item in &c.facility_types {
        refs(
            &ft,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
        non_empty(&ft, &item.id, "functions", &item.functions, e);
    }
    let hk = files.of("hub_kinds.toml");
    for item in &c.hub_kinds {
        refs(
            &hk,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
        non_empty(&hk, &item.id, "functions", &item.functions, e);
    }
}

/// A linkage links two different known functions, and a linkage program realizes it.
fn linkages(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let lk = files.of("linkages.toml");
    for item in &c.linkages {
        refs(
            &lk,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
        let distinct: HashSet<&str> = item.functions.iter().map(|i| i.as_str()).collect();
        if item.functions.len() != 2 || distinct.len() != 2 {
            e.push(lk.at(
                &item.id,
                "functions",
                "a linkage links exactly two different functions",
            ));
        }
        if !c.linkage_programs.iter().any(|p| p.linkage == item.id) {
            e.push(lk.at(&item.id, "id", "no linkage program realizes this linkage"));
        }
    }
}

/// Rules, references and stages of every program that has an eligibility rule; match results
/// name programs by id alone, so ids are unique across the three kinds.
fn ruled_programs(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let mut ruled_ids: HashMap<&str, &str> = HashMap::new();
    let kinds: [(&'static str, &str, Vec<&dyn Ruled>); 3] = [
        (
            "programs.toml",
            "program",
            c.programs.iter().map(|p| p as &dyn Ruled).collect(),
        ),
        (
            "support_programs.toml",
            "support_program",
            c.support_programs.iter().map(|p| p as &dyn Ruled).collect(),
        ),
        (
            "linkage_programs.toml",
            "linkage_program",
            c.linkage_programs.iter().map(|p| p as &dyn Ruled).collect(),
        ),
    ];
    for (file, kind, items) in kinds {
        let checked = files.of(file);
        for item in items {
            rules(&checked, item, &c.stages, e);
            if let Some(other) = ruled_ids.insert(item.id().as_str(), kind) {
                e.push(checked.at(
                    item.id(),
                    "id",
                    format!("id \"{}\" is also a {other} id; program ids must be unique across programs, support programs and linkage programs", item.id()),
                ));
            }
        }
    }
}

/// A linkage program realizes a known linkage.
fn linkage_programs(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let lp = files.of("linkage_programs.toml");
    for item in &c.linkage_programs {
        refs(
            &lp,
            &item.id,
            "linkage",
            std::slice::from_ref(&item.linkage),
            &c.linkages,
            "linkage",
            e,
        );
    }
}

/// A support program serves known functions.
fn support_programs(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let sp = files.of("support_programs.toml");
    for item in &c.support_programs {
        refs(
            &sp,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
    }
}

/// A principle asks for evidence that names catalog entries, and gives advice in both languages.
fn principles(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let pr = files.of("principles.toml");
    for item in &c.principles {
        if item.requires.is_empty() {
            e.push(
                pr.file
                    .error_at(&item.id, "a principle needs at least one requirement")
                    .field("requires"),
            );
        }
        for requirement in &item.requires {
            check_requirement(&pr, &item.id, requirement, c, e);
        }
        bilingual(&pr, &item.id, "advice", &item.advice_ko, &item.advice_en, e);
    }
}

/// Table 1: each typology's references and texts; exactly one typology per function, and one
/// convergence target with none.
fn typologies(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let ty = files.of("typologies.toml");
    for item in &c.typologies {
        if let Some(function) = &item.primary_function {
            refs(
                &ty,
                &item.id,
                "primary_function",
                std::slice::from_ref(function),
                &c.functions,
                "function",
                e,
            );
        }
        refs(
            &ty,
            &item.id,
            "remedies",
            &item.remedies,
            &c.linkages,
            "linkage",
            e,
        );
        if item.limits_ko.len() != item.limits_en.len() {
            e.push(ty.at(
                &item.id,
                "limits_en",
                "limits_ko and limits_en must list the same number of limits",
            ));
        }
        if item.remedies_ko.len() != item.remedies.len()
            || item.remedies_en.len() != item.remedies.len()
        {
            e.push(ty.at(
                &item.id,
                "remedies_ko",
                "remedies_ko and remedies_en must describe each remedy linkage, in order",
            ));
        }
    }
    let functions = files.of("functions.toml");
    for function in &c.functions {
        let n = c
            .typologies
            .iter()
            .filter(|t| t.primary_function.as_ref() == Some(&function.id))
            .count();
        if n != 1 {
            e.push(functions.at(
                &function.id,
                "id",
                format!("{n} typologies have this primary function; exactly one must (Table 1)"),
            ));
        }
    }
    if c.typologies
        .iter()
        .filter(|t| t.primary_function.is_none())
        .count()
        != 1
    {
        e.push(ty.file.error(
            None,
            "exactly one typology (the convergence target) must have no primary_function",
        ));
    }
}

/// A zone type's pilot region and resembled typology are known; its advice is bilingual.
fn zone_types(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let zt = files.of("zone_types.toml");
    for item in &c.zone_types {
        if let Some(pilot) = &item.pilot {
            refs(
                &zt,
                &item.id,
                "pilot",
                std::slice::from_ref(pilot),
                &c.regions,
                "region",
                e,
            );
        }
        if let Some(resembles) = &item.resembles {
            refs(
                &zt,
                &item.id,
                "resembles",
                std::slice::from_ref(resembles),
                &c.typologies,
                "typology",
                e,
            );
        }
        for (i, advice) in item.advice.iter().enumerate() {
            bilingual(
                &zt,
                &item.id,
                &format!("advice[{i}]"),
                &advice.ko,
                &advice.en,
                e,
            );
        }
    }
}

/// A ministry's direction is bilingual.
fn ministries(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let mi = files.of("ministries.toml");
    for item in &c.ministries {
        bilingual(
            &mi,
            &item.id,
            "direction",
            &item.direction_ko,
            &item.direction_en,
            e,
        );
    }
}

/// A ministry program's ministry, column, functions and linkages are known; a designation it
/// consists in is known and owned by its ministry.
fn programs(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let pg = files.of("programs.toml");
    for item in &c.programs {
        refs(
            &pg,
            &item.id,
            "ministry",
            std::slice::from_ref(&item.ministry),
            &c.ministries,
            "ministry",
            e,
        );
        refs(
            &pg,
            &item.id,
            "column",
            item.column.as_slice(),
            &c.figure4_columns,
            "figure4_column",
            e,
        );
        refs(
            &pg,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
        non_empty(&pg, &item.id, "functions", &item.functions, e);
        refs(
            &pg,
            &item.id,
            "linkages",
            &item.linkages,
            &c.linkages,
            "linkage",
            e,
        );
        if let Some(designation) = &item.designation {
            program_designation(&pg, item, designation, c, e);
        }
    }
}

fn program_designation(
    pg: &Checked<'_>,
    item: &Program,
    designation: &Id,
    c: &Catalog,
    e: &mut Errors,
) {
    match c.designation(designation) {
        None => e.push(
            pg.file
                .error_at(
                    designation,
                    format!("unknown designation id \"{designation}\""),
                )
                .field(format!("{}.designation", item.id))
                .expected(c.designations.iter().map(|d| d.id.clone())),
        ),
        Some(d) if !d.ministries.contains(&item.ministry) => e.push(pg.at(
            &item.ministry,
            format!("{}.ministry", item.id),
            format!(
                "designation \"{designation}\" is owned by {}, not by \"{}\"",
                join(&d.ministries),
                item.ministry
            ),
        )),
        Some(_) => {}
    }
}

/// A designation has known owning ministries, functions and linkages.
fn designations(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let de = files.of("designations.toml");
    for item in &c.designations {
        refs(
            &de,
            &item.id,
            "ministries",
            &item.ministries,
            &c.ministries,
            "ministry",
            e,
        );
        non_empty(&de, &item.id, "ministries", &item.ministries, e);
        refs(
            &de,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
        refs(
            &de,
            &item.id,
            "linkages",
            &item.linkages,
            &c.linkages,
            "linkage",
            e,
        );
        refs(
            &de,
            &item.id,
            "advised_with",
            item.advised_with.as_slice(),
            &c.institution_kinds,
            "institution kind",
            e,
        );
    }
}

/// An improvement lists as many points in each language.
fn improvements(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let im = files.of("improvements.toml");
    for item in &c.improvements {
        if item.points_ko.len() != item.points_en.len() {
            e.push(im.at(
                &item.id,
                "points_en",
                "points_ko and points_en must list the same number of points",
            ));
        }
    }
}

/// An institution kind brings known functions.
fn institution_kinds(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let ik = files.of("institution_kinds.toml");
    for item in &c.institution_kinds {
        refs(
            &ik,
            &item.id,
            "functions",
            &item.functions,
            &c.functions,
            "function",
            e,
        );
    }
}

/// The space ladder needs a kind to graduate from and a kind to move into; a kind is at most one.
fn space_kinds(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let sk = files.of("space_kinds.toml");
    for item in &c.space_kinds {
        if item.incubation && item.expansion {
            e.push(sk.at(
                &item.id,
                "expansion",
                "a space kind is an incubation kind or an expansion kind, not both",
            ));
        }
    }
    if !c.space_kinds.iter().any(|k| k.incubation) {
        e.push(sk.file.error(
            None,
            "no space kind has `incubation = true`; graduates leave from one",
        ));
    }
    if !c.space_kinds.iter().any(|k| k.expansion) {
        e.push(sk.file.error(
            None,
            "no space kind has `expansion = true`; graduates move into one",
        ));
    }
}

/// Every parameter the placement reads is given, none is unknown, each is in its range.
fn placement_parameters(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let pp = files.of("placement.toml");
    let known = || PARAMETERS.iter().map(|p| p.id.to_string());
    for item in &c.placement_parameters {
        let Some(spec) = PARAMETERS.iter().find(|p| item.id == p.id) else {
            e.push(
                pp.at(
                    &item.id,
                    "id",
                    format!("unknown placement parameter id \"{}\"", item.id),
                )
                .expected(known()),
            );
            continue;
        };
        let value = *item.value.get_ref();
        let whole = !spec.whole || value.fract() == 0.0;
        if !(spec.min..=spec.max).contains(&value) || !whole {
            let what = if spec.whole {
                "a whole number"
            } else {
                "a number"
            };
            e.push(
                pp.file
                    .error(
                        Some(item.value.span()),
                        format!(
                            "{value} is out of range; {} must be {what} from {} to {}",
                            item.id, spec.min, spec.max
                        ),
                    )
                    .field(format!("{}.value", item.id)),
            );
        }
    }
    for spec in PARAMETERS {
        if !c.placement_parameters.iter().any(|p| p.id == spec.id) {
            e.push(
                pp.file
                    .error(
                        None,
                        format!("placement parameter \"{}\" is missing", spec.id),
                    )
                    .field(spec.id)
                    .expected(known()),
            );
        }
    }
}

/// Holidays: the id names the date, one entry per date, a known kind, and a substitute day on a
/// working day (it moves a holiday off a weekend).
fn holidays(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let hf = files.of("holidays.toml");
    let mut seen = HashMap::new();
    for h in &c.holidays {
        let expected = format!("d{}", h.date.to_string().replace('-', "_"));
        if h.id.as_str() != expected {
            e.push(hf.at(
                &h.id,
                "id",
                format!("the id of {} is \"{expected}\"", h.date),
            ));
        }
        if let Some(first) = seen.insert(h.date, &h.id) {
            e.push(hf.at(&h.id, "date", format!("{} is also {first}", h.date)));
        }
        if !Holiday::KINDS.contains(&h.kind.as_str()) {
            e.push(hf.at(
                &h.id,
                "kind",
                format!(
                    "unknown kind \"{}\"; expected one of: {}",
                    h.kind,
                    Holiday::KINDS.join(", ")
                ),
            ));
        }
        if h.kind == "substitute" && h.date.weekday_number() >= 6 {
            e.push(hf.at(
                &h.id,
                "date",
                format!("a substitute holiday on a weekend ({})", h.date),
            ));
        }
    }
}

/// Indicators: a formula that type-checks as a number over the measures `m`, a known unit of
/// direction and comparison (by serde), names in both languages.
fn indicators(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let f = files.of("indicators.toml");
    for i in &c.indicators {
        if let Err(error) = crate::evaluation::formula(&i.formula) {
            e.push(f.at(&i.id, "formula", format!("{}: {}", i.formula, error)));
        }
    }
}

/// The procedure: every date a step or an `after` names is a procedure date, no date after
/// itself, and each step has exactly one length (`min_days`, `max_days` or `max_years`).
fn procedure(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let dates: HashSet<&str> = c.procedure_dates.iter().map(|d| d.id.as_str()).collect();
    let df = files.of("procedure_dates.toml");
    for d in &c.procedure_dates {
        for a in &d.after {
            if a == d.id.as_str() {
                e.push(df.at(&d.id, "after", format!("\"{a}\" cannot come after itself")));
            } else if !dates.contains(a.as_str()) {
                e.push(df.at(&d.id, "after", format!("unknown procedure date \"{a}\"")));
            }
        }
    }
    let sf = files.of("procedure_steps.toml");
    for s in &c.procedure_steps {
        for (field, date) in [("from", &s.from), ("to", &s.to)] {
            if !dates.contains(date.as_str()) {
                e.push(sf.at(&s.id, field, format!("unknown procedure date \"{date}\"")));
            }
        }
        let lengths = [s.min_days, s.max_days, s.max_years];
        if lengths.iter().flatten().count() != 1 {
            e.push(sf.at(
                &s.id,
                "min_days",
                "give exactly one of min_days, max_days, max_years",
            ));
        }
    }
}

/// Announcement terms: a known field, one reading per value, a known kind of applicant and a
/// rule that type-checks over firms.
fn call_terms(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let ct = files.of("call_terms.toml");
    let mut seen: HashMap<(&str, &str), &Id> = HashMap::new();
    for term in &c.call_terms {
        if !crate::call::TERM_FIELDS.contains(&term.field.as_str()) {
            e.push(ct.at(
                &term.id,
                "field",
                format!(
                    "unknown field \"{}\"; expected one of: {}",
                    term.field,
                    crate::call::TERM_FIELDS.join(", ")
                ),
            ));
        }
        if let Some(first) = seen.insert((term.field.as_str(), term.name_ko.as_str()), &term.id) {
            e.push(ct.at(
                &term.id,
                "name_ko",
                format!("\"{}\" of {} is also {first}'s", term.name_ko, term.field),
            ));
        }
        if crate::call::Applicants::parse(&term.applicants).is_none() {
            e.push(ct.at(
                &term.id,
                "applicants",
                format!(
                    "unknown applicants \"{}\"; expected one of: pre_founders, firms, institutions, any",
                    term.applicants
                ),
            ));
        }
        if let Some(rule) = &term.rule {
            if let Err(error) = crate::rule::Rule::parse(rule) {
                e.push(ct.at(&term.id, "rule", format!("{error}")));
            }
        }
        if term.note_ko.is_some() != term.note_en.is_some() {
            e.push(ct.at(&term.id, "note_ko", "a note needs both note_ko and note_en"));
        }
    }
}

/// Every Korean name of a 시·도 or 광역경제권 (its name and aliases) names one of them only, so
/// that an announcement's region reads one way.
fn region_names(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let mut names: HashMap<String, &Id> = HashMap::new();
    let regions = files.of("regions.toml");
    let economic = files.of("economic_regions.toml");
    let all = c
        .regions
        .iter()
        .map(|r| (&regions, &r.id, &r.name_ko, &r.aliases_ko))
        .chain(
            c.economic_regions
                .iter()
                .map(|r| (&economic, &r.id, &r.name_ko, &r.aliases_ko)),
        );
    for (file, id, name, aliases) in all {
        let base = crate::call::region::base_name(name);
        for alias in std::iter::once(&base).chain(aliases.iter()) {
            if let Some(first) = names.insert(alias.clone(), id) {
                if first != id {
                    e.push(file.at(
                        id,
                        "aliases_ko",
                        format!("the name \"{alias}\" is also {first}'s"),
                    ));
                }
            }
        }
    }
}

/// The SME size test: one row for every industry (`ksic = ""`) with the assets cap and nothing
/// else; every other row a KSIC code of its own with a revenue figure and nothing else.
fn sme_sizes(c: &Catalog, files: &Files<'_>, e: &mut Errors) {
    let ss = files.of("sme_sizes.toml");
    let mut codes: HashMap<&str, &Id> = HashMap::new();
    for item in &c.sme_sizes {
        let every = item.ksic.is_empty();
        if !every && !crate::firm::is_ksic(&item.ksic) {
            e.push(ss.at(
                &item.id,
                "ksic",
                format!(
                    "\"{}\" is not a KSIC code (a section letter A–U, then up to five digits)",
                    item.ksic
                ),
            ));
        }
        if let Some(first) = codes.insert(item.ksic.as_str(), &item.id) {
            e.push(ss.at(
                &item.id,
                "ksic",
                format!("ksic \"{}\" is also {first}'s", item.ksic),
            ));
        }
        let (revenue, assets) = (item.revenue_max_krw, item.assets_below_krw);
        let wanted = if every {
            (revenue.is_none() && assets.is_some_and(|a| a > 0))
                .then_some(())
                .ok_or("the row of every industry (ksic = \"\") needs assets_below_krw above 0 and no revenue_max_krw")
        } else {
            (assets.is_none() && revenue.is_some_and(|r| r > 0))
                .then_some(())
                .ok_or("an industry's row needs revenue_max_krw above 0 and no assets_below_krw")
        };
        if let Err(message) = wanted {
            let field = if every {
                "assets_below_krw"
            } else {
                "revenue_max_krw"
            };
            e.push(ss.at(&item.id, field, message));
        }
    }
    if !c.sme_sizes.is_empty() && !codes.contains_key("") {
        e.push(ss.file.error(
            None,
            "no row for every industry (ksic = \"\") with assets_below_krw",
        ));
    }
}

/// The rule parses and type-checks; the reference and stages are given.
fn rules(file: &Checked<'_>, item: &dyn Ruled, stages: &[Stage], e: &mut Errors) {
    let rule = item.eligibility();
    if let Err(error) = crate::rule::Rule::parse(rule.get_ref()) {
        e.push(
            file.file
                .error(
                    Some(rule.span()),
                    format!("invalid rule at column {}: {}", error.column, error.message),
                )
                .field(format!("{}.eligibility", item.id())),
        );
    }
    if item.reference().trim().is_empty() {
        e.push(file.at(
            item.id(),
            "reference",
            "the law or notice the rule rests on is required",
        ));
    }
    if item.stages().is_empty() {
        e.push(file.at(item.id(), "stages", "must list at least one growth stage"));
    }
    refs(file, item.id(), "stages", item.stages(), stages, "stage", e);
    basis(file, item, e);
}

/// A reference cites a law or notice in Korean; what the rule assumes, and whether it came after
/// the brief, are fields of their own, so that a Korean page never shows English notes.
fn basis(file: &Checked<'_>, item: &dyn Ruled, e: &mut Errors) {
    let reference = item.reference();
    let lower = reference.to_lowercase();
    for word in ["assumption", "brief", "since the", "section", "figure"] {
        if lower.contains(word) {
            e.push(file.at(
                item.id(),
                "reference",
                format!(
                    "\"{word}\" in a reference: cite the law or notice only; the brief goes in \
                     `source`, an assumption in `assumption_ko`/`assumption_en`, a later \
                     program is `since_brief = true`"
                ),
            ));
            break;
        }
    }
    let basis = item.basis();
    if basis.assumption_ko.is_some() != basis.assumption_en.is_some() {
        e.push(file.at(
            item.id(),
            "assumption_ko",
            "an assumption is stated in both assumption_ko and assumption_en",
        ));
    }
    if let Some(ko) = &basis.assumption_ko {
        if !ko.chars().any(|c| ('가'..='힣').contains(&c)) {
            e.push(file.at(
                item.id(),
                "assumption_ko",
                "assumption_ko is written in Korean",
            ));
        }
    }
}

/// Identifiers unique and well formed; names in both languages; a source.
fn entries<T: Entry>(file: &Checked<'_>, kind: &str, items: &[T], e: &mut Errors) {
    let mut seen: HashMap<&str, &Id> = HashMap::new();
    for item in items {
        let id = item.id();
        if !id.is_well_formed() {
            e.push(file.at(
                id,
                "id",
                format!("{kind} id \"{id}\" must be lower snake_case ([a-z][a-z0-9_]*)"),
            ));
        }
        if let Some(first) = seen.get(id.as_str()) {
            let line = first
                .span()
                .map(|s| file.file.locate(s.start).line)
                .unwrap_or(0);
            e.push(file.at(
                id,
                "id",
                format!("duplicate {kind} id \"{id}\" (first at line {line})"),
            ));
        } else {
            seen.insert(id.as_str(), id);
        }
        if !item.name_ko().chars().any(is_hangul) {
            e.push(file.at(id, "name_ko", "a Korean name (with Hangul) is required"));
        }
        if item.name_en().trim().is_empty() {
            e.push(file.at(id, "name_en", "an English name is required"));
        }
        if item.source().trim().is_empty() {
            e.push(file.at(
                id,
                "source",
                "the place in the brief or the law this entry comes from is required",
            ));
        }
    }
}

fn bilingual(file: &Checked<'_>, owner: &Id, field: &str, ko: &str, en: &str, e: &mut Errors) {
    if !ko.chars().any(is_hangul) {
        e.push(file.at(
            owner,
            format!("{field}_ko"),
            "Korean text (with Hangul) is required",
        ));
    }
    if en.trim().is_empty() {
        e.push(file.at(owner, format!("{field}_en"), "English text is required"));
    }
}

fn non_empty(file: &Checked<'_>, owner: &Id, field: &str, list: &[Id], e: &mut Errors) {
    if list.is_empty() {
        e.push(file.at(owner, field, "must list at least one id"));
    }
}

/// Every id in `list` names an entry of `targets`.
fn refs<T: Entry>(
    file: &Checked<'_>,
    owner: &Id,
    field: &str,
    list: &[Id],
    targets: &[T],
    kind: &str,
    e: &mut Errors,
) {
    for (i, id) in list.iter().enumerate() {
        if !targets.iter().any(|t| t.id() == id) {
            e.push(
                file.file
                    .error_at(id, format!("unknown {kind} id \"{id}\""))
                    .field(if list.len() == 1 && !field.ends_with('s') {
                        format!("{owner}.{field}")
                    } else {
                        format!("{owner}.{field}[{i}]")
                    })
                    .expected(targets.iter().map(|t| t.id().clone())),
            );
        }
    }
}

fn check_requirement(
    file: &Checked<'_>,
    owner: &Id,
    requirement: &Requirement,
    catalog: &Catalog,
    e: &mut Errors,
) {
    match requirement {
        Requirement::StrategicIndustriesAtLeast(_) => {}
        Requirement::InstitutionKindIn(kinds) => refs(
            file,
            owner,
            "requires.institution_kind_in",
            kinds,
            &catalog.institution_kinds,
            "institution kind",
            e,
        ),
        Requirement::InstitutionKindsAtLeast { count, kinds, .. } => {
            refs(
                file,
                owner,
                "requires.institution_kinds_at_least.kinds",
                kinds,
                &catalog.institution_kinds,
                "institution kind",
                e,
            );
            if *count as usize > kinds.len() || *count == 0 {
                e.push(file.at(
                    owner,
                    "requires.institution_kinds_at_least.count",
                    "count must be between 1 and the number of kinds",
                ));
            }
        }
        Requirement::DesignationIn(ids) => refs(
            file,
            owner,
            "requires.designation_in",
            ids,
            &catalog.designations,
            "designation",
            e,
        ),
        Requirement::ProgramIn(ids) => refs(
            file,
            owner,
            "requires.program_in",
            ids,
            &catalog.programs,
            "program",
            e,
        ),
        Requirement::SupportProgramIn(ids) => refs(
            file,
            owner,
            "requires.support_program_in",
            ids,
            &catalog.support_programs,
            "support program",
            e,
        ),
        Requirement::LinkageProgramIn(ids) => refs(
            file,
            owner,
            "requires.linkage_program_in",
            ids,
            &catalog.linkage_programs,
            "linkage program",
            e,
        ),
        Requirement::Any(nested) => {
            for inner in nested {
                check_requirement(file, owner, inner, catalog, e);
            }
        }
    }
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn join(ids: &[Id]) -> String {
    ids.iter().map(Id::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(name: &str, edit: impl FnOnce(&str) -> String) -> Result<Catalog, InputErrors> {
        let mut sources = CatalogSources::bundled();
        let text = sources.files[name].clone();
        sources.files.insert(name.to_string(), edit(&text));
        Catalog::load(&sources)
    }

    /// An indicator whose formula names an unknown measure, is not a number, or has an unknown
    /// direction is refused with its file, line, entry and field.
    #[test]
    fn indicators_are_type_checked_with_their_line() {
        for (from, to, words) in [
            (
                "formula = \"m.jobs\"",
                "formula = \"m.job\"",
                "unknown m field 'job'",
            ),
            (
                "formula = \"m.jobs\"",
                "formula = \"m.jobs > 1.0\"",
                "must be a number",
            ),
            (
                "direction = \"higher\"",
                "direction = \"up\"",
                "unknown variant `up`",
            ),
        ] {
            let error = with_file("indicators.toml", |text| text.replacen(from, to, 1))
                .expect_err(to)
                .to_string();
            assert!(error.contains("indicators.toml:"), "{error}");
            assert!(error.contains(words), "{to}: {error}");
        }
    }

    /// A reference with an English note, an assumption in one language only, or a misspelt
    /// field is refused with the entry and field.
    #[test]
    fn rule_entries_keep_assumptions_and_notes_apart_from_the_reference() {
        let cases = [
            (
                "reference = '중소기업창업 지원법 제2조 (예비창업자); 중소벤처기업부 예비창업패키지 공고'",
                "reference = '중소기업창업 지원법 제2조 (assumption: founders)'",
                "`reference`",
                "\"assumption\" in a reference",
            ),
            (
                "reference = '중소기업창업 지원법 제2조 (예비창업자); 중소벤처기업부 예비창업패키지 공고'",
                "reference = '중소기업창업 지원법 제2조'\nassumption_ko = '가정'",
                "`assumption_ko`",
                "stated in both assumption_ko and assumption_en",
            ),
            (
                "reference = '중소기업창업 지원법 제2조 (예비창업자); 중소벤처기업부 예비창업패키지 공고'",
                "reference = '중소기업창업 지원법 제2조'\nsince_brif = true",
                "since_brif",
                "unknown field",
            ),
        ];
        for (from, to, field, words) in cases {
            let error = with_file("programs.toml", |text| text.replacen(from, to, 1))
                .expect_err(to)
                .to_string();
            assert!(
                error.contains(field) && error.contains(words),
                "{to}: {error}"
            );
        }
    }

    /// The bundled map covers every 시·도 once; a 시·도 left out, put twice, unknown, or a
    /// capital-region mark that disagrees with the members is refused with the entry and field.
    #[test]
    fn economic_regions_cover_every_region_once() {
        let catalog = Catalog::bundled().expect("bundled catalog");
        for region in &catalog.regions {
            let area = catalog
                .economic_region_of("ogeuk_samteuk_2025", region.id.as_str())
                .unwrap_or_else(|| panic!("{} is in no 광역경제권", region.id));
            assert_eq!(area.capital_region, region.capital_region, "{}", region.id);
        }
        // Each edit of the file, and the field and words of the error it must give.
        let cases = [
            (
                r#"["daejeon", "sejong", "chungbuk", "chungnam"]"#,
                r#"["daejeon", "sejong", "chungbuk"]"#,
                "members",
                "grouping ogeuk_samteuk_2025: 시·도 \"chungnam\" is in no 광역경제권",
            ),
            (
                r#"["gwangju", "jeonnam"]"#,
                r#"["gwangju", "jeonnam", "jeonbuk"]"#,
                "members",
                "\"jeonbuk\" is in more than one",
            ),
            (r#"["jeju"]"#, r#"["jejoo"]"#, "jeju_area.members", "jejoo"),
            (
                "capital_region = true",
                "capital_region = false",
                "capital_region",
                "disagrees with the members",
            ),
            (
                r#"grouping = "ogeuk_samteuk_2025""#,
                r#"grouping = "5geuk""#,
                "grouping",
                "lower snake_case",
            ),
            (r#"id = "jeju_area""#, r#"id = "jeju""#, "id", "시·도's id"),
        ];
        for (from, to, field, words) in cases {
            let errors = with_file("economic_regions.toml", |t| t.replacen(from, to, 1))
                .expect_err("refused");
            assert!(
                errors
                    .0
                    .iter()
                    .any(|e| e.field.as_deref().is_some_and(|f| f.starts_with(field))
                        && e.message.contains(words)),
                "{from} → {to}: {errors}"
            );
        }
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let errors = with_file("functions.toml", |t| {
            t.replace("id = \"startup\"", "id = \"innovation\"")
        })
        .expect_err("duplicate");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.message == "duplicate function id \"innovation\" (first at line 5)"),
            "{errors}"
        );
    }

    #[test]
    fn unknown_references_name_the_field_and_the_allowed_ids() {
        let errors = with_file("programs.toml", |t| {
            t.replacen("ministry = \"mss\"", "ministry = \"mof\"", 1)
        })
        .expect_err("unknown ministry");
        let error = errors
            .0
            .iter()
            .find(|e| e.message.contains("mof"))
            .expect("reported");
        assert_eq!(
            error.field.as_deref(),
            Some("regulation_free_zone.ministry")
        );
        assert!(error.expected.contains(&"moel".to_string()));
        assert_eq!(error.file, "catalog/programs.toml");
        assert!(error.position.is_some());
    }

    #[test]
    fn missing_korean_names_are_refused() {
        let errors = with_file("ministries.toml", |t| {
            t.replace("name_ko = \"환경부\"", "name_ko = \"ME\"")
        })
        .expect_err("no hangul");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.field.as_deref() == Some("name_ko")),
            "{errors}"
        );
    }

    #[test]
    fn a_linkage_without_programs_is_refused() {
        let errors = with_file("linkage_programs.toml", |t| {
            t.replace(
                "linkage = \"startup_living\"",
                "linkage = \"startup_enterprise\"",
            )
        })
        .expect_err("no program");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.message.contains("no linkage program")),
            "{errors}"
        );
    }

    #[test]
    fn unknown_fields_are_refused_at_their_line() {
        let errors = with_file("functions.toml", |t| t.replacen("source =", "sauce =", 1))
            .expect_err("typo");
        assert!(errors.0[0].message.contains("sauce"), "{errors}");
        assert!(errors.0[0].position.is_some());
    }

    #[test]
    fn requirements_must_name_catalog_entries() {
        let errors = with_file("principles.toml", |t| {
            t.replace("[\"operator\"]", "[\"operater\"]")
        })
        .expect_err("bad kind");
        let error = errors
            .0
            .iter()
            .find(|e| e.message.contains("operater"))
            .expect("reported");
        assert!(error.expected.contains(&"operator".to_string()));
    }

    #[test]
    fn a_space_kind_is_not_both_incubation_and_expansion() {
        let errors = with_file("space_kinds.toml", |t| {
            t.replacen(
                "incubation = true",
                "incubation = true\nexpansion = true",
                1,
            )
        })
        .expect_err("both");
        let error = &errors.0[0];
        assert_eq!(error.file, "catalog/space_kinds.toml");
        assert_eq!(error.field.as_deref(), Some("expansion"));
        assert_eq!(error.position.map(|p| p.0), Some(9), "{errors}");
    }

    #[test]
    fn the_ladder_needs_an_incubation_kind_and_an_expansion_kind() {
        let errors = with_file("space_kinds.toml", |t| t.replace("expansion = true", ""))
            .expect_err("no expansion kind");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.message.contains("expansion = true")),
            "{errors}"
        );
        let errors = with_file("space_kinds.toml", |t| t.replace("incubation = true", ""))
            .expect_err("no incubation kind");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.message.contains("incubation = true")),
            "{errors}"
        );
    }

    #[test]
    fn space_kind_ids_are_unique() {
        let errors = with_file("space_kinds.toml", |t| {
            t.replace("id = \"lab\"", "id = \"rental_unit\"")
        })
        .expect_err("duplicate");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.message == "duplicate space_kind id \"rental_unit\" (first at line 23)"),
            "{errors}"
        );
    }

    #[test]
    fn sme_sizes_need_a_code_and_one_figure() {
        let errors = with_file("sme_sizes.toml", |t| {
            t.replace("ksic = \"C26\"", "ksic = \"C2x\"")
                .replace("ksic = \"C28\"", "ksic = \"C24\"")
                .replacen(
                    "revenue_max_krw = 100_000_000_000",
                    "assets_below_krw = 1",
                    1,
                )
        })
        .expect_err("bad rows");
        let messages: Vec<&str> = errors.0.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("\"C2x\" is not a KSIC code")),
            "{errors}"
        );
        assert!(messages.contains(&"ksic \"C24\" is also c24's"), "{errors}");
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("an industry's row needs revenue_max_krw")),
            "{errors}"
        );
        let errors = with_file("sme_sizes.toml", |t| {
            t.replace("assets_below_krw = 500_000_000_000", "revenue_max_krw = 1")
        })
        .expect_err("no assets cap");
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.field.as_deref() == Some("assets_below_krw")),
            "{errors}"
        );
    }

    #[test]
    fn a_firm_is_measured_by_the_longest_code_or_the_lowest_figure_it_could_be() {
        let c = Catalog::bundled().expect("catalog");
        let max = |sector: &str| c.sme_size(sector).and_then(|r| r.revenue_max_krw);
        const EOK: i64 = 100_000_000;
        assert_eq!(max("C26"), Some(1000 * EOK));
        assert_eq!(
            max("C26110"),
            Some(1000 * EOK),
            "a class is in its division"
        );
        assert_eq!(
            max("E36"),
            Some(1000 * EOK),
            "water supply, not the rest of E"
        );
        assert_eq!(max("E38"), Some(800 * EOK));
        assert_eq!(max("N76"), Some(400 * EOK));
        assert_eq!(max("N75"), Some(600 * EOK));
        assert_eq!(
            max("C"),
            Some(600 * EOK),
            "manufacturing: its lowest division (C34)"
        );
        assert_eq!(max(""), Some(400 * EOK), "no sector: the lowest of all");
        assert_eq!(
            max("O84"),
            Some(400 * EOK),
            "a section the table does not name"
        );
        assert!(c.is_sme("C26", 1000 * EOK, 0));
        assert!(!c.is_sme("C26", 1000 * EOK + 1, 0));
        assert!(
            !c.is_sme("C26", 10 * EOK, 5000 * EOK),
            "assets of 5,000억 or more"
        );
        assert!(c.is_sme("C26", 10 * EOK, 5000 * EOK - 1));
    }

    #[test]
    fn placement_parameters_are_known_and_complete() {
        let errors = with_file("placement.toml", |t| {
            t.replace("id = \"rent_max\"", "id = \"rent_cap\"")
        })
        .expect_err("unknown and missing");
        let unknown = errors
            .0
            .iter()
            .find(|e| {
                e.message
                    .contains("unknown placement parameter id \"rent_cap\"")
            })
            .expect("unknown reported");
        assert!(unknown.position.is_some());
        assert!(unknown.expected.contains(&"rent_max".to_string()));
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.message == "placement parameter \"rent_max\" is missing"),
            "{errors}"
        );
    }

    #[test]
    fn placement_parameters_are_unique() {
        let errors = with_file("placement.toml", |t| {
            t.replace("id = \"rent_max\"", "id = \"oversize_max\"")
        })
        .expect_err("duplicate");
        assert!(
            errors.0.iter().any(|e| e
                .message
                .starts_with("duplicate placement_parameter id \"oversize_max\"")),
            "{errors}"
        );
    }

    #[test]
    fn placement_parameters_out_of_range_are_refused_at_their_value() {
        for (from, to, message) in [
            (
                "value = 2.0",
                "value = 0.5",
                "0.5 is out of range; growth_factor must be a number from 1 to 10",
            ),
            (
                "value = 400",
                "value = -1",
                "-1 is out of range; outside_preferred_hubs must be a whole number from 0 to 1000",
            ),
            (
                "value = 30",
                "value = 2.5",
                "2.5 is out of range; idle_days_per_point must be a whole number from 1 to 3650",
            ),
            (
                "value = 300",
                "value = nan",
                "NaN is out of range; missing_equipment_max must be a whole number from 0 to 1000",
            ),
        ] {
            // Whole lines: "value = 30" is also the start of "value = 300".
            let errors = with_file("placement.toml", |t| {
                t.replacen(&format!("\n{from}\n"), &format!("\n{to}\n"), 1)
            })
            .expect_err("out of range");
            let error = &errors.0[0];
            assert_eq!(error.message, message, "{errors}");
            assert!(
                error
                    .field
                    .as_deref()
                    .is_some_and(|f| f.ends_with(".value"))
            );
            let line = CatalogSources::bundled().files["placement.toml"]
                .lines()
                .position(|l| l == from)
                .map(|i| i + 1);
            assert_eq!(error.position.map(|p| p.0), line);
        }
    }

    #[test]
    fn a_placement_value_must_be_a_number() {
        let errors = with_file("placement.toml", |t| {
            t.replacen("value = 2.0", "value = \"two\"", 1)
        })
        .expect_err("text");
        assert_eq!(errors.0[0].file, "catalog/placement.toml");
        assert!(errors.0[0].position.is_some(), "{errors}");
    }

    #[test]
    fn a_designation_program_must_belong_to_an_owner_of_the_designation() {
        let errors = with_file("programs.toml", |t| {
            t.replacen(
                "ministry = \"msit\"\ncolumn = \"overlap_designation\"",
                "ministry = \"moe\"\ncolumn = \"overlap_designation\"",
                1,
            )
        })
        .expect_err("wrong owner");
        assert!(
            errors.0.iter().any(|e| e.message.contains("owned by msit")),
            "{errors}"
        );
    }
}
