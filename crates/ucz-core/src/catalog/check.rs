//! `ucz catalog check`: identifiers unique and well formed, names in both languages, every
//! reference resolved, and the shape the diagnosis relies on (a Table-1 type per function, two
//! functions per linkage, at least one program per linkage).

use std::collections::HashSet;

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

pub(super) fn check(catalog: &Catalog, sources: &CatalogSources) -> Result<(), InputErrors> {
    let paths: Vec<String> = KINDS
        .iter()
        .map(|(_, file, _)| sources.path(file))
        .collect();
    let text = |i: usize| {
        sources
            .files
            .get(KINDS[i].1)
            .map(String::as_str)
            .unwrap_or("")
    };
    let file = |i: usize| Checked {
        file: SourceFile::new(&paths[i], text(i)),
    };
    let mut errors = Errors::default();
    let e = &mut errors;

    entries(&file(0), "function", &catalog.functions, e);
    entries(&file(1), "facility_type", &catalog.facility_types, e);
    entries(&file(2), "linkage", &catalog.linkages, e);
    entries(&file(3), "linkage_program", &catalog.linkage_programs, e);
    entries(&file(4), "support_program", &catalog.support_programs, e);
    entries(&file(5), "principle", &catalog.principles, e);
    entries(&file(6), "typology", &catalog.typologies, e);
    entries(&file(7), "zone_type", &catalog.zone_types, e);
    entries(&file(8), "ministry", &catalog.ministries, e);
    entries(&file(9), "program", &catalog.programs, e);
    entries(&file(10), "designation", &catalog.designations, e);
    entries(&file(11), "figure4_column", &catalog.figure4_columns, e);
    entries(&file(12), "improvement", &catalog.improvements, e);
    entries(&file(13), "institution_kind", &catalog.institution_kinds, e);
    entries(&file(14), "region", &catalog.regions, e);
    entries(&file(15), "stage", &catalog.stages, e);
    entries(&file(16), "designated_zone", &catalog.designated_zones, e);
    entries(&file(17), "hub_kind", &catalog.hub_kinds, e);
    let dz = file(16);
    for item in &catalog.designated_zones {
        refs(
            &dz,
            &item.id,
            "region",
            std::slice::from_ref(&item.region),
            &catalog.regions,
            "region",
            e,
        );
    }

    let f = &catalog.functions;
    let links = &catalog.linkages;

    let ft = file(1);
    for item in &catalog.facility_types {
        refs(
            &ft,
            &item.id,
            "functions",
            &item.functions,
            f,
            "function",
            e,
        );
        non_empty(&ft, &item.id, "functions", &item.functions, e);
    }

    let lk = file(2);
    for item in links {
        refs(
            &lk,
            &item.id,
            "functions",
            &item.functions,
            f,
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
        if !catalog
            .linkage_programs
            .iter()
            .any(|p| p.linkage == item.id)
        {
            e.push(lk.at(&item.id, "id", "no linkage program realizes this linkage"));
        }
    }

    // Rules, references and stages of every program that has an eligibility rule; match results
    // name programs by id alone, so ids are unique across the three kinds.
    let mut ruled_ids: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (index, kind, items) in [
        (
            9,
            "program",
            catalog
                .programs
                .iter()
                .map(|p| p as &dyn Ruled)
                .collect::<Vec<_>>(),
        ),
        (
            4,
            "support_program",
            catalog
                .support_programs
                .iter()
                .map(|p| p as &dyn Ruled)
                .collect(),
        ),
        (
            3,
            "linkage_program",
            catalog
                .linkage_programs
                .iter()
                .map(|p| p as &dyn Ruled)
                .collect(),
        ),
    ] {
        let checked = file(index);
        for item in items {
            rules(&checked, item, &catalog.stages, e);
            if let Some(other) = ruled_ids.insert(item.id().as_str(), kind) {
                e.push(checked.at(
                    item.id(),
                    "id",
                    format!("id \"{}\" is also a {other} id; program ids must be unique across programs, support programs and linkage programs", item.id()),
                ));
            }
        }
    }

    let lp = file(3);
    for item in &catalog.linkage_programs {
        refs(
            &lp,
            &item.id,
            "linkage",
            std::slice::from_ref(&item.linkage),
            links,
            "linkage",
            e,
        );
    }

    let sp = file(4);
    for item in &catalog.support_programs {
        refs(
            &sp,
            &item.id,
            "functions",
            &item.functions,
            f,
            "function",
            e,
        );
    }

    let pr = file(5);
    for item in &catalog.principles {
        if item.requires.is_empty() {
            e.push(
                pr.file
                    .error_at(&item.id, "a principle needs at least one requirement")
                    .field("requires"),
            );
        }
        for requirement in &item.requires {
            check_requirement(&pr, &item.id, requirement, catalog, e);
        }
        bilingual(&pr, &item.id, "advice", &item.advice_ko, &item.advice_en, e);
    }

    let ty = file(6);
    for item in &catalog.typologies {
        if let Some(function) = &item.primary_function {
            refs(
                &ty,
                &item.id,
                "primary_function",
                std::slice::from_ref(function),
                f,
                "function",
                e,
            );
        }
        refs(
            &ty,
            &item.id,
            "remedies",
            &item.remedies,
            links,
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
    for function in f {
        let n = catalog
            .typologies
            .iter()
            .filter(|t| t.primary_function.as_ref() == Some(&function.id))
            .count();
        if n != 1 {
            e.push(file(0).at(
                &function.id,
                "id",
                format!("{n} typologies have this primary function; exactly one must (Table 1)"),
            ));
        }
    }
    if catalog
        .typologies
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

    let zt = file(7);
    for item in &catalog.zone_types {
        if let Some(pilot) = &item.pilot {
            refs(
                &zt,
                &item.id,
                "pilot",
                std::slice::from_ref(pilot),
                &catalog.regions,
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
                &catalog.typologies,
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

    let mi = file(8);
    for item in &catalog.ministries {
        bilingual(
            &mi,
            &item.id,
            "direction",
            &item.direction_ko,
            &item.direction_en,
            e,
        );
    }

    let pg = file(9);
    for item in &catalog.programs {
        refs(
            &pg,
            &item.id,
            "ministry",
            std::slice::from_ref(&item.ministry),
            &catalog.ministries,
            "ministry",
            e,
        );
        refs(
            &pg,
            &item.id,
            "column",
            std::slice::from_ref(&item.column),
            &catalog.figure4_columns,
            "figure4_column",
            e,
        );
        refs(
            &pg,
            &item.id,
            "functions",
            &item.functions,
            f,
            "function",
            e,
        );
        non_empty(&pg, &item.id, "functions", &item.functions, e);
        refs(
            &pg,
            &item.id,
            "linkages",
            &item.linkages,
            links,
            "linkage",
            e,
        );
        if let Some(designation) = &item.designation {
            match catalog.designation(designation) {
                None => e.push(
                    pg.file
                        .error_at(
                            designation,
                            format!("unknown designation id \"{designation}\""),
                        )
                        .field(format!("{}.designation", item.id))
                        .expected(catalog.designations.iter().map(|d| d.id.clone())),
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
    }

    let de = file(10);
    for item in &catalog.designations {
        refs(
            &de,
            &item.id,
            "ministries",
            &item.ministries,
            &catalog.ministries,
            "ministry",
            e,
        );
        non_empty(&de, &item.id, "ministries", &item.ministries, e);
        refs(
            &de,
            &item.id,
            "functions",
            &item.functions,
            f,
            "function",
            e,
        );
        refs(
            &de,
            &item.id,
            "linkages",
            &item.linkages,
            links,
            "linkage",
            e,
        );
    }

    let im = file(12);
    for item in &catalog.improvements {
        if item.points_ko.len() != item.points_en.len() {
            e.push(im.at(
                &item.id,
                "points_en",
                "points_ko and points_en must list the same number of points",
            ));
        }
    }

    let ik = file(13);
    for item in &catalog.institution_kinds {
        refs(
            &ik,
            &item.id,
            "functions",
            &item.functions,
            f,
            "function",
            e,
        );
    }

    errors.finish(())
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
}

/// Identifiers unique and well formed; names in both languages; a source.
fn entries<T: Entry>(file: &Checked<'_>, kind: &str, items: &[T], e: &mut Errors) {
    let mut seen: std::collections::HashMap<&str, &Id> = std::collections::HashMap::new();
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
        Requirement::InstitutionKindsAtLeast { count, kinds } => {
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
