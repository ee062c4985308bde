//! The scenario file (TOML) and its checks: every parameter with its provenance, every range, every
//! id against the catalog, each error at its file, line and field. Also [`calibrate`], which puts
//! figures observed in ucz's records in place of a scenario's values.
//!
//! The file is read as a tree of spanned values (toml's `DeTable`), not through serde, so that one
//! reading reports every problem, each at the value it is about (`region[2].survival_incubation.value`).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::{Catalog, InputError, InputErrors, SourceFile};

/// Where firms come from: the sources of births, each a Poisson mean per region and year.
pub const BIRTH_SOURCES: [&str; 3] = ["universities", "research_institutes", "spinoffs"];

/// The ranges a parameter's value must be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bounds {
    /// A probability or a share: 0 to 1.
    Probability,
    /// Firms born a year (a Poisson mean): 0 to 10,000.
    Births,
    /// A mean length in months: 1 to 600.
    Months,
    /// The m² a graduate needs of a kind: 1 to 100,000.
    NeedM2,
    /// The m² of a space: 0 to 10,000,000.
    SpaceM2,
}

impl Bounds {
    fn check(self, value: f64) -> Result<(), String> {
        let (ok, expected) = match self {
            Bounds::Probability => (
                (0.0..=1.0).contains(&value),
                "a probability or share from 0 to 1",
            ),
            Bounds::Births => (
                (0.0..=10_000.0).contains(&value),
                "a mean number of firms a year from 0 to 10,000",
            ),
            Bounds::Months => ((1.0..=600.0).contains(&value), "months from 1 to 600"),
            // A graduate's need of at least 1 m² keeps a block's units (m² / need) within the
            // 10,000,000 of a space.
            Bounds::NeedM2 => ((1.0..=100_000.0).contains(&value), "m² from 1 to 100,000"),
            Bounds::SpaceM2 => (
                (0.0..=10_000_000.0).contains(&value),
                "m² from 0 to 10,000,000",
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{value} is out of range: {expected}"))
        }
    }
}

/// The parameters of a region that are one number each, with their ranges. Also in a region:
/// `births.<source>` ([`BIRTH_SOURCES`], [`Bounds::Births`]), `kind_share.<kind>` and
/// `need_m2.<kind>` for the expansion space kinds of the catalog.
pub const SCALARS: [(&str, Bounds); 8] = [
    ("incubation_months", Bounds::Months),
    ("survival_incubation", Bounds::Probability),
    ("post_bi_months", Bounds::Months),
    ("survival_post_bi", Bounds::Probability),
    ("survival_after", Bounds::Probability),
    ("unplaced_leave_share", Bounds::Probability),
    ("unplaced_close_share", Bounds::Probability),
    ("leave_per_year_after", Bounds::Probability),
];

/// Where a parameter's value comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// A published figure: `source = "…"` names it.
    Source(String),
    /// `assumed = true`: the scenario's assumption.
    Assumed,
    /// `calibrated = "…"`: filled from ucz's records (see [`calibrate`]), saying from which.
    Calibrated(String),
}

/// One parameter: its value and provenance, and where it was written (for errors).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Param {
    pub value: f64,
    pub provenance: Provenance,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl Param {
    pub fn assumed(value: f64) -> Self {
        Param {
            value,
            provenance: Provenance::Assumed,
            span: None,
        }
    }
}

/// Expansion (Post-BI) space of one kind in a hub, open from a year on. Its m² become units of a
/// graduate's need of that kind (`need_m2.<kind>`), whole units only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Space {
    pub hub: String,
    pub kind: String,
    pub m2: Param,
    /// The year it opens (from January); open from the start when absent or earlier.
    pub opens: Option<i32>,
}

/// A region of the scenario: a 시·도 of the catalog, its parameters (with those of `[defaults]`
/// it does not set) and its expansion space.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionSpec {
    pub id: String,
    /// By name: `incubation_months`, `births.universities`, `kind_share.lab`, `need_m2.lab`, ….
    pub params: BTreeMap<String, Param>,
    pub spaces: Vec<Space>,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl RegionSpec {
    /// A parameter's value (0 when absent: a checked scenario has them all).
    pub fn value(&self, name: &str) -> f64 {
        self.params.get(name).map_or(0.0, |p| p.value)
    }
}

/// One change of a variant, to one region: parameters set anew, and space added.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub region: String,
    pub set: BTreeMap<String, Param>,
    pub add_spaces: Vec<Space>,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// A named change set over the base.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Variant {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub changes: Vec<Change>,
}

/// A checked scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub start_year: i32,
    pub years: u32,
    pub runs: u32,
    pub seed: u64,
    pub regions: Vec<RegionSpec>,
    pub variants: Vec<Variant>,
    /// The expansion space kinds, in catalog order: the kinds graduates need.
    pub kinds: Vec<String>,
}

/// The id of the base in results (a variant may not take it).
pub const BASE: &str = "base";

pub const MAX_YEARS: u32 = 50;
pub const MAX_RUNS: u32 = 100_000;

impl Scenario {
    /// The regions as a variant sees them (`None`: the base): its parameters set, its space added
    /// after the base's.
    pub fn regions_of(&self, variant: Option<usize>) -> Vec<RegionSpec> {
        let mut regions = self.regions.clone();
        if let Some(variant) = variant.and_then(|v| self.variants.get(v)) {
            for change in &variant.changes {
                if let Some(region) = regions.iter_mut().find(|r| r.id == change.region) {
                    apply(region, change);
                }
            }
        }
        regions
    }

    /// Ids and names of the base and every variant, in order.
    pub fn variant_names(&self) -> Vec<(String, String, String)> {
        let mut names = vec![(BASE.to_string(), "기준".to_string(), "Base".to_string())];
        names.extend(
            self.variants
                .iter()
                .map(|v| (v.id.clone(), v.name_ko.clone(), v.name_en.clone())),
        );
        names
    }
}

fn apply(region: &mut RegionSpec, change: &Change) {
    for (name, param) in &change.set {
        region.params.insert(name.clone(), param.clone());
    }
    region.spaces.extend(change.add_spaces.iter().cloned());
}

// ---------------------------------------------------------------------------------------------
// Reading

type Value<'i> = Spanned<DeValue<'i>>;

struct Reader<'a> {
    file: SourceFile<'a>,
    errors: Vec<InputError>,
    kinds: Vec<String>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        _ => None,
    }
}

fn integer(value: &DeValue<'_>) -> Option<i64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

impl<'a> Reader<'a> {
    fn error(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        let error = self.file.error(Some(span), message);
        self.errors.push(if field.is_empty() {
            error
        } else {
            error.field(field)
        });
    }

    fn error_expected(
        &mut self,
        span: Range<usize>,
        field: &str,
        message: impl Into<String>,
        expected: Vec<String>,
    ) {
        let error = self
            .file
            .error(Some(span), message)
            .field(field)
            .expected(expected);
        self.errors.push(error);
    }

    fn table<'t, 'i>(&mut self, value: &'t Value<'i>, path: &str) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    value.span(),
                    path,
                    format!("expected a table, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Keys of a table not in `allowed`: each an error at its key.
    fn unknown_keys(&mut self, table: &DeTable<'_>, path: &str, allowed: &[&str]) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                self.error_expected(
                    key.span(),
                    &join(path, name),
                    format!("unknown field `{name}`"),
                    allowed.iter().map(|s| s.to_string()).collect(),
                );
            }
        }
    }

    fn text(
        &mut self,
        table: &DeTable<'_>,
        span: Range<usize>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        let field = join(path, key);
        match table.get(key) {
            None => {
                if required {
                    self.error(span, &field, format!("missing field `{key}`"));
                }
                None
            }
            Some(v) => match v.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => Some(s.to_string()),
                DeValue::String(_) => {
                    self.error(v.span(), &field, "empty text");
                    None
                }
                other => {
                    self.error(
                        v.span(),
                        &field,
                        format!("expected a text, found {}", type_name(other)),
                    );
                    None
                }
            },
        }
    }

    fn whole(
        &mut self,
        table: &DeTable<'_>,
        path: &str,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let v = table.get(key)?;
        let field = join(path, key);
        match integer(v.get_ref()) {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.error(
                    v.span(),
                    &field,
                    format!(
                        "{n} is out of range: a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
            None => {
                self.error(
                    v.span(),
                    &field,
                    format!("expected a whole number, found {}", type_name(v.get_ref())),
                );
                None
            }
        }
    }

    /// A parameter: `{ value = …, source = "…" }`, `{ value = …, assumed = true }` or
    /// `{ value = …, calibrated = "…" }`, with the value in range.
    fn param(&mut self, value: &Value<'_>, path: &str, bounds: Bounds) -> Option<Param> {
        let table = match value.get_ref() {
            DeValue::Table(t) => t,
            DeValue::Integer(_) | DeValue::Float(_) => {
                let text = self.file.text.get(value.span()).unwrap_or("0").trim();
                self.error(
                    value.span(),
                    path,
                    format!(
                        "a parameter needs its provenance: write `{{ value = {text}, source = \"…\" }}` or `{{ value = {text}, assumed = true }}`"
                    ),
                );
                return None;
            }
            other => {
                self.error(
                    value.span(),
                    path,
                    format!(
                        "expected a parameter `{{ value = …, source = \"…\" }}`, found {}",
                        type_name(other)
                    ),
                );
                return None;
            }
        };
        self.unknown_keys(table, path, &["value", "source", "assumed", "calibrated"]);
        let number_at = match table.get("value") {
            None => {
                self.error(value.span(), &join(path, "value"), "missing field `value`");
                None
            }
            Some(v) => match number(v.get_ref()) {
                Some(n) if n.is_finite() => Some((n, v.span())),
                Some(_) => {
                    self.error(v.span(), &join(path, "value"), "not a finite number");
                    None
                }
                None => {
                    self.error(
                        v.span(),
                        &join(path, "value"),
                        format!("expected a number, found {}", type_name(v.get_ref())),
                    );
                    None
                }
            },
        };
        let source = self.text(table, value.span(), path, "source", false);
        let calibrated = self.text(table, value.span(), path, "calibrated", false);
        let assumed = match table.get("assumed") {
            None => false,
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => *b,
                other => {
                    self.error(
                        v.span(),
                        &join(path, "assumed"),
                        format!("expected true or false, found {}", type_name(other)),
                    );
                    return None;
                }
            },
        };
        let given = usize::from(source.is_some())
            + usize::from(assumed)
            + usize::from(calibrated.is_some());
        let provenance = match (source, calibrated) {
            _ if given > 1 => {
                self.error(
                    value.span(),
                    path,
                    "give one provenance: `source = \"…\"`, `assumed = true` or `calibrated = \"…\"`",
                );
                return None;
            }
            (Some(s), _) => Provenance::Source(s),
            (_, Some(c)) => Provenance::Calibrated(c),
            _ if assumed => Provenance::Assumed,
            _ => {
                self.error(
                    value.span(),
                    path,
                    "no provenance: give `source = \"…\"` (where the figure comes from) or mark it `assumed = true`",
                );
                return None;
            }
        };
        let (n, span) = number_at?;
        if let Err(message) = bounds.check(n) {
            self.error(span, &join(path, "value"), message);
            return None;
        }
        Some(Param {
            value: n,
            provenance,
            span: Some(span),
        })
    }

    /// The parameters of a region, of `[defaults]` or of a variant's change: every key that is
    /// a parameter or a group of them (`births`, `kind_share`, `need_m2`). Other keys are the
    /// caller's.
    fn params(
        &mut self,
        table: &DeTable<'_>,
        path: &str,
    ) -> (BTreeMap<String, Param>, Vec<String>) {
        let mut params = BTreeMap::new();
        let mut failed = Vec::new();
        for (name, bounds) in SCALARS {
            if let Some(v) = table.get(name) {
                match self.param(v, &join(path, name), bounds) {
                    Some(p) => {
                        params.insert(name.to_string(), p);
                    }
                    None => failed.push(name.to_string()),
                }
            }
        }
        let kinds = self.kinds.clone();
        let groups: [(&str, Vec<&str>, Bounds); 3] = [
            ("births", BIRTH_SOURCES.to_vec(), Bounds::Births),
            (
                "kind_share",
                kinds.iter().map(String::as_str).collect(),
                Bounds::Probability,
            ),
            (
                "need_m2",
                kinds.iter().map(String::as_str).collect(),
                Bounds::NeedM2,
            ),
        ];
        for (group, members, bounds) in groups {
            let Some(v) = table.get(group) else {
                continue;
            };
            let group_path = join(path, group);
            let Some(t) = self.table(v, &group_path) else {
                failed.push(group.to_string());
                continue;
            };
            self.unknown_keys(t, &group_path, &members);
            for member in members {
                if let Some(v) = t.get(member) {
                    match self.param(v, &join(&group_path, member), bounds) {
                        Some(p) => {
                            params.insert(format!("{group}.{member}"), p);
                        }
                        None => failed.push(format!("{group}.{member}")),
                    }
                }
            }
        }
        (params, failed)
    }

    fn kind(&mut self, table: &DeTable<'_>, span: Range<usize>, path: &str) -> Option<String> {
        let kind = self.text(table, span, path, "kind", true)?;
        if self.kinds.contains(&kind) {
            Some(kind)
        } else {
            let at = table.get("kind").map_or(0..0, |v| v.span());
            let expected = self.kinds.clone();
            self.error_expected(
                at,
                &join(path, "kind"),
                format!("unknown expansion space kind \"{kind}\""),
                expected,
            );
            None
        }
    }

    /// A region's `[[region.space]]`: `hub`, `kind`, `m2` (a parameter), `opens` (a year).
    fn space(&mut self, value: &Value<'_>, path: &str) -> Option<Space> {
        let table = self.table(value, path)?;
        self.unknown_keys(table, path, &["hub", "kind", "m2", "opens"]);
        let hub = self.text(table, value.span(), path, "hub", true);
        let kind = self.kind(table, value.span(), path);
        let m2 = match table.get("m2") {
            Some(v) => self.param(v, &join(path, "m2"), Bounds::SpaceM2),
            None => {
                self.error(value.span(), &join(path, "m2"), "missing field `m2`");
                None
            }
        };
        let opens = self.whole(table, path, "opens", 1900..=2200);
        Some(Space {
            hub: hub?,
            kind: kind?,
            m2: m2?,
            opens: opens.map(|y| y as i32),
        })
    }

    /// m² a variant adds: `"+30000"`, or a number.
    fn added_m2(&mut self, value: &Value<'_>, path: &str) -> Option<Param> {
        let n = match value.get_ref() {
            DeValue::String(s) => {
                let text = s.trim().replace(['_', ','], "");
                match text.strip_prefix('+').map(str::parse::<f64>) {
                    Some(Ok(n)) => Some(n),
                    _ => None,
                }
            }
            other => number(other),
        };
        match n {
            Some(n) if n.is_finite() => match Bounds::SpaceM2.check(n) {
                Ok(()) => Some(Param {
                    value: n,
                    provenance: Provenance::Assumed,
                    span: Some(value.span()),
                }),
                Err(message) => {
                    self.error(value.span(), path, message);
                    None
                }
            },
            _ => {
                self.error(
                    value.span(),
                    path,
                    "expected m² added, as \"+30000\" or a number",
                );
                None
            }
        }
    }
}

/// Reads and checks a scenario file against the catalog: every error found, each with its
/// line, column and field.
pub fn parse(file: SourceFile<'_>, catalog: &Catalog) -> Result<Scenario, InputErrors> {
    let document = DeTable::parse(file.text).map_err(|e| InputErrors(vec![file.toml_error(&e)]))?;
    let mut reader = Reader {
        file,
        errors: Vec::new(),
        kinds: catalog.placement.expansion_kinds.clone(),
    };
    let root = document.get_ref();
    let whole = 0..file.text.len().min(1);
    reader.unknown_keys(root, "", &["scenario", "defaults", "region", "variant"]);

    // [scenario]
    let mut head = (String::new(), String::new(), String::new());
    let (mut start_year, mut years, mut runs, mut seed) = (2026, 10u32, 1_000u32, 1u64);
    match root.get("scenario") {
        None => reader.error(whole.clone(), "scenario", "missing table [scenario]"),
        Some(v) => {
            if let Some(t) = reader.table(v, "scenario") {
                reader.unknown_keys(
                    t,
                    "scenario",
                    &[
                        "id",
                        "name_ko",
                        "name_en",
                        "start_year",
                        "years",
                        "runs",
                        "seed",
                    ],
                );
                let span = v.span();
                head.0 = reader
                    .text(t, span.clone(), "scenario", "id", true)
                    .unwrap_or_default();
                head.1 = reader
                    .text(t, span.clone(), "scenario", "name_ko", true)
                    .unwrap_or_default();
                head.2 = reader
                    .text(t, span.clone(), "scenario", "name_en", true)
                    .unwrap_or_default();
                match t.get("start_year") {
                    None => reader.error(span, "scenario.start_year", "missing field `start_year`"),
                    Some(_) => {
                        if let Some(y) = reader.whole(t, "scenario", "start_year", 2000..=2100) {
                            start_year = y as i32;
                        }
                    }
                }
                if let Some(y) = reader.whole(t, "scenario", "years", 1..=i64::from(MAX_YEARS)) {
                    years = y as u32;
                }
                if let Some(r) = reader.whole(t, "scenario", "runs", 1..=i64::from(MAX_RUNS)) {
                    runs = r as u32;
                }
                if let Some(s) = reader.whole(t, "scenario", "seed", 0..=i64::MAX) {
                    seed = s as u64;
                }
            }
        }
    }

    // [defaults]
    let mut defaults = BTreeMap::new();
    let mut defaults_failed = Vec::new();
    if let Some(v) = root.get("defaults") {
        if let Some(t) = reader.table(v, "defaults") {
            let mut allowed: Vec<&str> = SCALARS.iter().map(|(n, _)| *n).collect();
            allowed.extend(["births", "kind_share", "need_m2"]);
            reader.unknown_keys(t, "defaults", &allowed);
            (defaults, defaults_failed) = reader.params(t, "defaults");
        }
    }

    // [[region]]
    let mut regions: Vec<RegionSpec> = Vec::new();
    let region_items: Vec<&Value<'_>> = match root.get("region") {
        None => {
            reader.error(whole.clone(), "region", "no [[region]]: give at least one");
            Vec::new()
        }
        Some(v) => match v.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            other => {
                reader.error(
                    v.span(),
                    "region",
                    format!("expected [[region]] tables, found {}", type_name(other)),
                );
                Vec::new()
            }
        },
    };
    let mut allowed_region: Vec<&str> = SCALARS.iter().map(|(n, _)| *n).collect();
    allowed_region.extend(["id", "births", "kind_share", "need_m2", "space"]);
    for (i, v) in region_items.iter().enumerate() {
        let path = format!("region[{i}]");
        let Some(t) = reader.table(v, &path) else {
            continue;
        };
        reader.unknown_keys(t, &path, &allowed_region);
        let id = reader.text(t, v.span(), &path, "id", true);
        let id_ok = id.as_ref().is_some_and(|id| {
            let at = t.get("id").map_or(v.span(), |x| x.span());
            check_region(&mut reader, catalog, id, at, &join(&path, "id"))
        });
        if let (Some(id), true) = (&id, id_ok) {
            if regions.iter().any(|r| &r.id == id) {
                let at = t.get("id").map_or(v.span(), |x| x.span());
                reader.error(
                    at,
                    &join(&path, "id"),
                    format!("region \"{id}\" is given twice"),
                );
            }
        }
        let mut params = defaults.clone();
        let (own, mut failed) = reader.params(t, &path);
        params.extend(own);
        failed.extend(defaults_failed.iter().cloned());
        let mut spaces = Vec::new();
        if let Some(sv) = t.get("space") {
            match sv.get_ref() {
                DeValue::Array(items) => {
                    for (k, item) in items.iter().enumerate() {
                        if let Some(s) = reader.space(item, &format!("{path}.space[{k}]")) {
                            spaces.push(s);
                        }
                    }
                }
                other => reader.error(
                    sv.span(),
                    &join(&path, "space"),
                    format!(
                        "expected [[region.space]] tables, found {}",
                        type_name(other)
                    ),
                ),
            }
        }
        if let (Some(id), true) = (id, id_ok) {
            let region = RegionSpec {
                id,
                params,
                spaces,
                span: Some(v.span()),
            };
            for (span, field, message) in combined(&region, &reader.kinds, &failed) {
                let span = span.unwrap_or_else(|| v.span());
                reader.error(span, &join(&path, &field), message);
            }
            regions.push(region);
        }
    }

    // [[variant]]
    let mut variants: Vec<Variant> = Vec::new();
    if let Some(v) = root.get("variant") {
        let items: Vec<&Value<'_>> = match v.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            other => {
                reader.error(
                    v.span(),
                    "variant",
                    format!("expected [[variant]] tables, found {}", type_name(other)),
                );
                Vec::new()
            }
        };
        for (j, item) in items.iter().enumerate() {
            let path = format!("variant[{j}]");
            if let Some(variant) = read_variant(&mut reader, catalog, item, &path, &regions) {
                if variant.id == BASE || variants.iter().any(|w| w.id == variant.id) {
                    let at = reader_span(item, "id");
                    reader.error(
                        at,
                        &join(&path, "id"),
                        format!(
                            "variant id \"{}\" is taken (by another variant, or `base`)",
                            variant.id
                        ),
                    );
                }
                variants.push(variant);
            }
        }
    }

    if !reader.errors.is_empty() {
        let mut errors = reader.errors;
        errors.sort_by_key(|e| e.position);
        return Err(InputErrors(errors));
    }
    Ok(Scenario {
        id: head.0,
        name_ko: head.1,
        name_en: head.2,
        start_year,
        years,
        runs,
        seed,
        regions,
        variants,
        kinds: reader.kinds,
    })
}

fn reader_span(item: &Value<'_>, key: &str) -> Range<usize> {
    match item.get_ref() {
        DeValue::Table(t) => t.get(key).map_or(item.span(), |v| v.span()),
        _ => item.span(),
    }
}

/// A region id must be a 시·도 of the catalog outside the capital region.
fn check_region(
    reader: &mut Reader<'_>,
    catalog: &Catalog,
    id: &str,
    span: Range<usize>,
    field: &str,
) -> bool {
    let outside: Vec<String> = catalog
        .regions
        .iter()
        .filter(|r| !r.capital_region)
        .map(|r| r.id.to_string())
        .collect();
    match catalog.regions.iter().find(|r| r.id.as_str() == id) {
        None => {
            reader.error_expected(span, field, format!("unknown region id \"{id}\""), outside);
            false
        }
        Some(r) if r.capital_region => {
            reader.error_expected(
                span,
                field,
                format!(
                    "\"{id}\" is in the capital region, where the firms of the model go when they leave"
                ),
                outside,
            );
            false
        }
        Some(_) => true,
    }
}

fn read_variant(
    reader: &mut Reader<'_>,
    catalog: &Catalog,
    item: &Value<'_>,
    path: &str,
    regions: &[RegionSpec],
) -> Option<Variant> {
    let table = reader.table(item, path)?;
    let errors_before = reader.errors.len();
    reader.unknown_keys(table, path, &["id", "name_ko", "name_en", "change"]);
    let id = reader.text(table, item.span(), path, "id", true);
    let name_ko = reader.text(table, item.span(), path, "name_ko", true);
    let name_en = reader.text(table, item.span(), path, "name_en", true);
    let mut changes = Vec::new();
    match table.get("change") {
        None => reader.error(
            item.span(),
            &join(path, "change"),
            "a variant changes something: add [[variant.change]] tables",
        ),
        Some(v) => match v.get_ref() {
            DeValue::Array(items) => {
                for (k, c) in items.iter().enumerate() {
                    let change_path = format!("{path}.change[{k}]");
                    if let Some(change) = read_change(reader, catalog, c, &change_path, regions) {
                        changes.push(change);
                    }
                }
            }
            other => reader.error(
                v.span(),
                &join(path, "change"),
                format!(
                    "expected [[variant.change]] tables, found {}",
                    type_name(other)
                ),
            ),
        },
    }
    // The regions as the variant leaves them must hold together as the base's do.
    let mut changed: Vec<RegionSpec> = regions.to_vec();
    for change in &changes {
        if let Some(region) = changed.iter_mut().find(|r| r.id == change.region) {
            apply(region, change);
        }
    }
    // Each changed region is checked once, at the last change to it (when every change was read,
    // so that the indices are the file's).
    let all_read = reader.errors.len() == errors_before;
    for (k, change) in changes.iter().enumerate() {
        if !all_read || changes[k + 1..].iter().any(|c| c.region == change.region) {
            continue;
        }
        let base: Vec<String> = regions
            .iter()
            .find(|r| r.id == change.region)
            .map(|r| {
                combined(r, &reader.kinds, &[])
                    .into_iter()
                    .map(|(_, field, _)| field)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(region) = changed.iter().find(|r| r.id == change.region) {
            for (_, field, message) in combined(region, &reader.kinds, &[]) {
                if base.contains(&field) {
                    continue;
                }
                let at = change.span.clone().unwrap_or_else(|| item.span());
                reader.error(
                    at,
                    &format!("{path}.change[{k}]"),
                    format!("with this change, {}: {message}", join(&region.id, &field)),
                );
            }
        }
    }
    Some(Variant {
        id: id?,
        name_ko: name_ko?,
        name_en: name_en?,
        changes,
    })
}

fn read_change(
    reader: &mut Reader<'_>,
    catalog: &Catalog,
    item: &Value<'_>,
    path: &str,
    regions: &[RegionSpec],
) -> Option<Change> {
    let table = reader.table(item, path)?;
    let errors_before = reader.errors.len();
    let mut allowed: Vec<&str> = SCALARS.iter().map(|(n, _)| *n).collect();
    allowed.extend([
        "region",
        "births",
        "kind_share",
        "need_m2",
        "post_bi_m2",
        "kind",
        "space_m2",
        "hub",
        "opens",
        "source",
    ]);
    reader.unknown_keys(table, path, &allowed);
    let region = reader.text(table, item.span(), path, "region", true)?;
    let at = reader_span(item, "region");
    if !check_region(reader, catalog, &region, at.clone(), &join(path, "region")) {
        return None;
    }
    if !regions.iter().any(|r| r.id == region) {
        reader.error(
            at,
            &join(path, "region"),
            format!("region \"{region}\" has no [[region]] table in this scenario"),
        );
        return None;
    }
    let (set, _) = reader.params(table, path);
    let source = reader.text(table, item.span(), path, "source", false);
    let provenance = source.map_or(Provenance::Assumed, Provenance::Source);
    let hub = reader
        .text(table, item.span(), path, "hub", false)
        .unwrap_or_else(|| "added".to_string());
    let opens = reader
        .whole(table, path, "opens", 1900..=2200)
        .map(|y| y as i32);
    let mut add_spaces = Vec::new();
    if let Some(v) = table.get("post_bi_m2") {
        let kind = if table.get("kind").is_some() {
            reader.kind(table, item.span(), path)
        } else {
            Some("post_bi_office".to_string()).filter(|k| reader.kinds.contains(k))
        };
        let m2 = reader.added_m2(v, &join(path, "post_bi_m2"));
        match (kind, m2) {
            (Some(kind), Some(mut m2)) => {
                m2.provenance = provenance.clone();
                add_spaces.push(Space {
                    hub: hub.clone(),
                    kind,
                    m2,
                    opens,
                });
            }
            (None, Some(_)) if table.get("kind").is_none() => reader.error(
                v.span(),
                &join(path, "kind"),
                "the catalog has no `post_bi_office` kind: name the kind",
            ),
            _ => {}
        }
    } else if let Some(v) = table.get("kind") {
        reader.error(
            v.span(),
            &join(path, "kind"),
            "`kind` goes with `post_bi_m2` (use `space_m2` for several kinds)",
        );
    }
    if let Some(v) = table.get("space_m2") {
        let space_path = join(path, "space_m2");
        if let Some(t) = reader.table(v, &space_path) {
            let kinds: Vec<String> = reader.kinds.clone();
            let members: Vec<&str> = kinds.iter().map(String::as_str).collect();
            reader.unknown_keys(t, &space_path, &members);
            for kind in &kinds {
                if let Some(m) = t.get(kind.as_str()) {
                    if let Some(mut m2) = reader.added_m2(m, &join(&space_path, kind)) {
                        m2.provenance = provenance.clone();
                        add_spaces.push(Space {
                            hub: hub.clone(),
                            kind: kind.clone(),
                            m2,
                            opens,
                        });
                    }
                }
            }
        }
    }
    if set.is_empty() && add_spaces.is_empty() && reader.errors.len() == errors_before {
        reader.error(
            item.span(),
            path,
            "the change changes nothing: give `post_bi_m2`, `space_m2` or a parameter",
        );
    }
    Some(Change {
        region,
        set,
        add_spaces,
        span: Some(item.span()),
    })
}

/// A problem across parameters: where (if one parameter is to blame), the field under the
/// region, and what is wrong.
type Problem = (Option<Range<usize>>, String, String);

/// Checks across a region's parameters, once defaults and changes are in: each
/// (span, field under the region, message).
/// Parameters that were written but could not be read (`failed`) are not told again as missing.
fn combined(region: &RegionSpec, kinds: &[String], failed: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut required: Vec<String> = SCALARS.iter().map(|(n, _)| n.to_string()).collect();
    required.extend(BIRTH_SOURCES.iter().map(|s| format!("births.{s}")));
    let written = |name: &str| {
        failed
            .iter()
            .any(|f| f == name || name.starts_with(&format!("{f}.")))
    };
    if failed
        .iter()
        .any(|f| f.starts_with("kind_share") || f.starts_with("need_m2"))
    {
        // Shares and needs are checked together once each one reads.
        return problems;
    }
    for name in required {
        if !region.params.contains_key(&name) && !written(&name) {
            problems.push((
                None,
                name,
                "missing: set it in the region or in [defaults]".to_string(),
            ));
        }
    }
    let shares: Vec<(&String, &Param)> = kinds
        .iter()
        .filter_map(|k| {
            region
                .params
                .get(&format!("kind_share.{k}"))
                .map(|p| (k, p))
        })
        .collect();
    if shares.is_empty() {
        problems.push((
            None,
            "kind_share".to_string(),
            format!(
                "missing: the share of graduates needing each space kind ({})",
                kinds.join(", ")
            ),
        ));
    } else {
        let sum: f64 = shares.iter().map(|(_, p)| p.value).sum();
        let sum = (sum * 1e6).round() / 1e6;
        if (sum - 1.0).abs() > 1e-6 {
            problems.push((
                shares.first().and_then(|(_, p)| p.span.clone()),
                "kind_share".to_string(),
                format!("the shares add up to {sum}, not 1"),
            ));
        }
    }
    let mut needed: Vec<&String> = shares.iter().map(|(k, _)| *k).collect();
    for space in &region.spaces {
        if !needed.contains(&&space.kind) {
            needed.push(&space.kind);
        }
    }
    for kind in needed {
        if !region.params.contains_key(&format!("need_m2.{kind}")) {
            problems.push((
                None,
                format!("need_m2.{kind}"),
                format!("missing: the m² a graduate needs of {kind}"),
            ));
        }
    }
    let leave = region.value("unplaced_leave_share");
    let close = region.value("unplaced_close_share");
    if leave + close > 1.0 + 1e-9 {
        problems.push((
            region
                .params
                .get("unplaced_close_share")
                .and_then(|p| p.span.clone()),
            "unplaced_close_share".to_string(),
            format!(
                "unplaced_leave_share {leave} and unplaced_close_share {close} add up to more than 1"
            ),
        ));
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Calibration

/// A figure observed in ucz's records, with the number of records it comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    pub value: f64,
    pub records: u32,
}

/// What ucz's records say of a region's ladder (the service computes these from leases and
/// recorded moves).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObservedRegion {
    pub region: String,
    /// Mean months of the incubation leases that ended.
    pub incubation_months: Option<Figure>,
    /// Share of incubated firms whose incubation ended in graduation (the others closed).
    pub graduating_share: Option<Figure>,
    /// Share of graduates that stayed in the region (as `placement::ladder::retention`).
    pub retention_share: Option<Figure>,
    /// Share of graduates that got Post-BI space in the region; 0 when not known (the brief:
    /// Post-BI space is almost absent).
    pub placed_share: Option<Figure>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    pub regions: Vec<ObservedRegion>,
}

/// Figures from fewer records than this leave the scenario's value as it is.
pub const MIN_RECORDS: u32 = 20;

/// The scenario with its regions' values replaced by what ucz observed, where enough records
/// back a figure, each marked `calibrated` with the records it comes from:
/// - `incubation_months` ← the mean months of incubation leases;
/// - `survival_incubation` ← the yearly survival `g^(12/L)` that makes a share `g` of firms
///   survive an incubation of `L` months (the calibrated `L`, else the scenario's);
/// - `unplaced_leave_share` ← `(1 − r) / (1 − p)`: with retention `r` and a share `p` placed,
///   the leavers are `1 − r` of graduates, all from the `1 − p` unplaced (clamped to 0..1, and
///   to what `unplaced_close_share` leaves room for).
///
/// Variants keep what they set. Pure: the service computes `observed` from its records.
pub fn calibrate(scenario: &Scenario, observed: &Observed) -> Scenario {
    let mut out = scenario.clone();
    for region in &mut out.regions {
        let Some(seen) = observed.regions.iter().find(|o| o.region == region.id) else {
            continue;
        };
        let enough =
            |f: &Option<Figure>| f.filter(|f| f.records >= MIN_RECORDS && f.value.is_finite());
        let set = |region: &mut RegionSpec, name: &str, value: f64, text: String| {
            region.params.insert(
                name.to_string(),
                Param {
                    value,
                    provenance: Provenance::Calibrated(text),
                    span: None,
                },
            );
        };
        if let Some(f) = enough(&seen.incubation_months) {
            set(
                region,
                "incubation_months",
                f.value.clamp(1.0, 600.0),
                format!("ucz: mean of {} incubation leases", f.records),
            );
        }
        if let Some(g) = enough(&seen.graduating_share) {
            let months = region.value("incubation_months").max(1.0);
            let survival = g.value.clamp(0.0, 1.0).powf(12.0 / months);
            set(
                region,
                "survival_incubation",
                survival.clamp(0.0, 1.0),
                format!(
                    "ucz: {} incubation leases, {:.1}% graduating over {months:.0} months",
                    g.records,
                    g.value * 100.0
                ),
            );
        }
        if let Some(r) = enough(&seen.retention_share) {
            let placed = enough(&seen.placed_share).map_or(0.0, |p| p.value.clamp(0.0, 1.0));
            if placed < 1.0 {
                let room = 1.0 - region.value("unplaced_close_share");
                let leave =
                    ((1.0 - r.value.clamp(0.0, 1.0)) / (1.0 - placed)).clamp(0.0, room.max(0.0));
                set(
                    region,
                    "unplaced_leave_share",
                    leave,
                    format!(
                        "ucz: {} graduates, retention {:.1}%, placed {:.1}%",
                        r.records,
                        r.value * 100.0,
                        placed * 100.0
                    ),
                );
            }
        }
    }
    out
}
