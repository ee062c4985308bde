//! Many firms read straight into the columns a [`Population`](crate::rule::columnar::Population)
//! is made of, without a [`Firm`] per row: a file reader hands each row's cells to a [`Part`] (one
//! per thread and block of rows), and a [`Builder`] appends the parts in file order into one
//! [`FirmBatch`]: the firm ids (one byte buffer), and the columns the rules read, ints and every
//! other field dictionary-encoded, each in the narrowest width it fits; repeated ids are found
//! once, at the end.
//!
//! A row is checked exactly as [`Firm::problems`] and [`Firm::date_problem`] check a firm: the
//! fast path accepts only rows it is sure of, and anything it doubts is read again through a
//! [`Firm`] ([`firm_of`]), whose verdict and message are the ones given.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use super::{Firm, FirmField};
use crate::catalog::Catalog;
use crate::date::Date;
use crate::id::Id;
use crate::rule::Value;
use crate::rule::columnar::{Codes, Column, Ints};

/// The columns of a firm file, in the order ucz writes them (the CSV header, the Parquet schema).
pub const COLUMNS: [&str; 23] = [
    "id",
    "name",
    "founded",
    "stage",
    "employees",
    "youth_employees",
    "revenue_krw",
    "rnd_spend_krw",
    "export_revenue_krw",
    "sector",
    "region",
    "zone",
    "designations",
    "in_incubator",
    "graduated_incubator",
    "venture_certified",
    "has_rnd_lab",
    "founder_age",
    "research_institute_share",
    "high_tech_sales_share",
    "strategic_industry",
    "owns_home",
    "assets_krw",
];

/// Columns every file must have; the others default to empty, zero or false.
pub const REQUIRED: [&str; 4] = ["id", "stage", "region", "founder_age"];

/// Positions of the columns in [`COLUMNS`] and in a [`Row`].
pub mod col {
    pub const ID: usize = 0;
    pub const NAME: usize = 1;
    pub const FOUNDED: usize = 2;
    pub const STAGE: usize = 3;
    pub const EMPLOYEES: usize = 4;
    pub const YOUTH_EMPLOYEES: usize = 5;
    pub const REVENUE_KRW: usize = 6;
    pub const RND_SPEND_KRW: usize = 7;
    pub const EXPORT_REVENUE_KRW: usize = 8;
    pub const SECTOR: usize = 9;
    pub const REGION: usize = 10;
    pub const ZONE: usize = 11;
    pub const DESIGNATIONS: usize = 12;
    pub const IN_INCUBATOR: usize = 13;
    pub const GRADUATED_INCUBATOR: usize = 14;
    pub const VENTURE_CERTIFIED: usize = 15;
    pub const HAS_RND_LAB: usize = 16;
    pub const FOUNDER_AGE: usize = 17;
    pub const RESEARCH_INSTITUTE_SHARE: usize = 18;
    pub const HIGH_TECH_SALES_SHARE: usize = 19;
    pub const STRATEGIC_INDUSTRY: usize = 20;
    pub const OWNS_HOME: usize = 21;
    pub const ASSETS_KRW: usize = 22;
}

/// One value of a row as a file holds it. Text is already trimmed; a missing column or a null is
/// `Empty`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Bool(bool),
    Date(Date),
    /// The designations as a list (Parquet, Arrow); in text they are `;`-separated.
    List(&'a [&'a str]),
    /// Text already looked up in the part's dictionary of its column ([`Part::code`]), so that a
    /// value a table column repeats is hashed once per batch, not once per row.
    Coded(&'a str, u32),
}

impl Cell<'_> {
    /// The value as a message quotes it.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Coded(s, _) => (*s).to_string(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::List(items) => items.join(";"),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty | Cell::Text("") | Cell::Coded("", _))
    }

    /// A coded cell as the text it stands for.
    fn uncoded(self) -> Self {
        match self {
            Cell::Coded(s, _) => Cell::Text(s),
            other => other,
        }
    }
}

/// A row's cells by their position in [`COLUMNS`].
pub type Row<'a> = [Cell<'a>; COLUMNS.len()];

/// Why a row was refused: the column, its value and the reason (the words of today's messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub column: &'static str,
    pub value: String,
    pub reason: String,
}

/// A row whose id an earlier row has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// The row's place (a line of a CSV, a row number of a table).
    pub line: u64,
    pub id: String,
    pub first_line: u64,
}

/// What every part of one read shares: the catalog, the evaluation date and the fields kept.
pub struct Setup<'c> {
    catalog: &'c Catalog,
    as_of: Date,
    /// `Catalog::sme_assets_below`, read once.
    sme_assets_below: Option<i64>,
    /// By the field's position in [`FirmField::ALL`].
    keep: [bool; FIELDS],
}

const FIELDS: usize = FirmField::ALL.len();

impl<'c> Setup<'c> {
    /// Firms checked against `catalog` at `as_of`, keeping the columns of `fields` (the fields the
    /// rules read: `Matcher::fields`).
    pub fn new(catalog: &'c Catalog, as_of: Date, fields: &[FirmField]) -> Self {
        let mut keep = [false; FIELDS];
        for field in fields {
            keep[*field as usize] = true;
        }
        Setup {
            catalog,
            as_of,
            sme_assets_below: catalog.sme_assets_below(),
            keep,
        }
    }

    fn keeps(&self, field: FirmField) -> bool {
        self.keep[field as usize]
    }
}

/// What a dictionary knows of one distinct value of a field.
#[derive(Clone, Debug)]
struct Info {
    /// The value passes the catalog's checks.
    ok: bool,
    /// A region in the capital region; the stage `pre_startup`.
    flag: bool,
    /// A zone's region.
    region: Option<Id>,
    /// A sector's SME revenue figure (`Catalog::sme_size`).
    revenue_max: Option<i64>,
}

/// The distinct values of a text field, each with its code.
#[derive(Default)]
struct Dict {
    /// Keys of up to 15 bytes packed into one integer (most ids are short): compared without
    /// a call to `memcmp`.
    short: HashMap<u128, u32>,
    codes: HashMap<Box<str>, u32>,
    values: Vec<Value>,
    info: Vec<Info>,
}

/// A key of up to 15 bytes as one integer: its bytes, then its length.
fn packed(key: &str) -> Option<u128> {
    let bytes = key.as_bytes();
    if bytes.len() > 15 {
        return None;
    }
    let mut buffer = [0u8; 16];
    buffer[..bytes.len()].copy_from_slice(bytes);
    buffer[15] = bytes.len() as u8;
    Some(u128::from_le_bytes(buffer))
}

/// What a dictionary knows of a distinct value of its field: the value, and the catalog's verdict.
fn entry(catalog: &Catalog, dict: usize, s: &str) -> (Value, Info) {
    let info = |ok: bool, flag: bool| Info {
        ok,
        flag,
        region: None,
        revenue_max: None,
    };
    match dict {
        STAGE => (
            Value::String(s.to_string()),
            info(catalog.stage(s).is_some(), s == "pre_startup"),
        ),
        SECTOR => (
            Value::String(s.to_string()),
            Info {
                revenue_max: catalog.sme_size(s).and_then(|r| r.revenue_max_krw),
                ..info(s.is_empty() || super::is_ksic(s), false)
            },
        ),
        REGION => {
            let found = catalog.region(s);
            (
                Value::String(s.to_string()),
                info(found.is_some(), found.is_some_and(|r| r.capital_region)),
            )
        }
        ZONE => {
            let found = catalog.designated_zone(s);
            let info = Info {
                region: found.map(|z| z.region.clone()),
                ..info(s.is_empty() || found.is_some(), false)
            };
            (Value::String(s.to_string()), info)
        }
        DESIGNATIONS => {
            let ids: Vec<&str> = designation_ids(s).collect();
            let ok = ids.iter().all(|d| catalog.designation(d).is_some());
            let value = Value::List(ids.iter().map(|d| Value::String(d.to_string())).collect());
            (value, info(ok, false))
        }
        _ => (Value::String(s.to_string()), info(true, false)),
    }
}

impl Dict {
    fn clear(&mut self) {
        self.short.clear();
        self.codes.clear();
        self.values.clear();
        self.info.clear();
    }

    fn code(&mut self, key: &str, new: impl FnOnce(&str) -> (Value, Info)) -> u32 {
        let short = packed(key);
        let found = match short {
            Some(k) => self.short.get(&k),
            None => self.codes.get(key),
        };
        if let Some(code) = found {
            return *code;
        }
        let code = self.values.len() as u32;
        let (value, info) = new(key);
        self.values.push(value);
        self.info.push(info);
        match short {
            Some(k) => self.short.insert(k, code),
            None => self.codes.insert(key.into(), code),
        };
        code
    }

    /// Every key with its code, in code order.
    fn keys(&self) -> Vec<(String, u32)> {
        let mut keys: Vec<(String, u32)> = self
            .codes
            .iter()
            .map(|(k, c)| (k.to_string(), *c))
            .chain(self.short.iter().map(|(k, c)| {
                let bytes = k.to_le_bytes();
                let len = usize::from(bytes[15]).min(15);
                (String::from_utf8_lossy(&bytes[..len]).into_owned(), *c)
            }))
            .collect();
        keys.sort_by_key(|(_, c)| *c);
        keys
    }
}

/// Text fields looked up in a dictionary: validated once per distinct value.
const STAGE: usize = 0;
const SECTOR: usize = 1;
const REGION: usize = 2;
const ZONE: usize = 3;
const DESIGNATIONS: usize = 4;
const NAME: usize = 5;
const DICTS: usize = 6;

const INT_FIELDS: [(FirmField, usize); 9] = [
    (FirmField::Employees, col::EMPLOYEES),
    (FirmField::YouthEmployees, col::YOUTH_EMPLOYEES),
    (FirmField::RevenueKrw, col::REVENUE_KRW),
    (FirmField::RndSpendKrw, col::RND_SPEND_KRW),
    (FirmField::ExportRevenueKrw, col::EXPORT_REVENUE_KRW),
    (FirmField::FounderAge, col::FOUNDER_AGE),
    (
        FirmField::ResearchInstituteShare,
        col::RESEARCH_INSTITUTE_SHARE,
    ),
    (FirmField::HighTechSalesShare, col::HIGH_TECH_SALES_SHARE),
    (FirmField::AssetsKrw, col::ASSETS_KRW),
];

const FLAG_FIELDS: [(FirmField, usize); 6] = [
    (FirmField::InIncubator, col::IN_INCUBATOR),
    (FirmField::GraduatedIncubator, col::GRADUATED_INCUBATOR),
    (FirmField::VentureCertified, col::VENTURE_CERTIFIED),
    (FirmField::HasRndLab, col::HAS_RND_LAB),
    (FirmField::StrategicIndustry, col::STRATEGIC_INDUSTRY),
    (FirmField::OwnsHome, col::OWNS_HOME),
];

const DICT_FIELDS: [(FirmField, usize); DICTS] = [
    (FirmField::Stage, STAGE),
    (FirmField::Sector, SECTOR),
    (FirmField::Region, REGION),
    (FirmField::Zone, ZONE),
    (FirmField::Designations, DESIGNATIONS),
    (FirmField::Name, NAME),
];

/// The rows one thread read from one block of a file, in order.
pub struct Part<'s> {
    setup: &'s Setup<'s>,
    len: usize,
    ids: Vec<u8>,
    id_ends: Vec<u32>,
    /// Int columns and code columns by field position; empty when not kept.
    ints: Vec<Vec<i64>>,
    codes: Vec<Vec<u32>>,
    dicts: Vec<Dict>,
    lines: Lines,
    /// The designations of a list cell joined, to look them up as text.
    scratch: String,
    /// Each dictionary's code of the empty text, once known: most rows leave a field empty.
    empty: [Option<u32>; DICTS],
}

impl<'s> Part<'s> {
    pub fn new(setup: &'s Setup<'s>) -> Self {
        Self::with_capacity(setup, 0)
    }

    /// A part with room for `rows` firms, so that its columns are not copied as they grow.
    pub fn with_capacity(setup: &'s Setup<'s>, rows: usize) -> Self {
        let ints = FirmField::ALL
            .iter()
            .map(|f| {
                let int = f.field_type() == super::FieldType::Int;
                Vec::with_capacity(if int && setup.keeps(*f) { rows } else { 0 })
            })
            .collect();
        let codes = FirmField::ALL
            .iter()
            .map(|f| {
                let int = f.field_type() == super::FieldType::Int;
                Vec::with_capacity(if !int && setup.keeps(*f) { rows } else { 0 })
            })
            .collect();
        Part {
            setup,
            len: 0,
            ids: Vec::with_capacity(rows * 12),
            id_ends: Vec::with_capacity(rows),
            ints,
            codes,
            dicts: (0..DICTS).map(|_| Dict::default()).collect(),
            lines: Lines::default(),
            scratch: String::new(),
            empty: [None; DICTS],
        }
    }

    /// Firms read so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Empties the part for the next rows, keeping its memory: a fresh part would be faulted in
    /// page by page.
    pub fn clear(&mut self) {
        self.len = 0;
        self.ids.clear();
        self.id_ends.clear();
        self.ints.iter_mut().for_each(Vec::clear);
        self.codes.iter_mut().for_each(Vec::clear);
        self.dicts.iter_mut().for_each(Dict::clear);
        self.lines.anchors.clear();
        self.empty = [None; DICTS];
    }

    /// Makes room for `rows` more firms.
    pub fn reserve(&mut self, rows: usize) {
        self.ids.reserve(rows * 12);
        self.id_ends.reserve(rows);
        for field in FirmField::ALL {
            if self.setup.keeps(field) {
                if field.field_type() == super::FieldType::Int {
                    self.ints[field as usize].reserve(rows);
                } else {
                    self.codes[field as usize].reserve(rows);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the ids read so far.
    pub fn id_bytes(&self) -> usize {
        self.ids.len()
    }

    /// Checks a row and keeps it, or says what is wrong with it. `line` places it in the file.
    pub fn push(&mut self, row: &Row<'_>, line: u64) -> Result<(), RowProblem> {
        if self.fast(row, line) {
            return Ok(());
        }
        let firm = firm_of(row, self.setup.catalog, self.setup.as_of)?;
        // A row the fast path doubted but a firm accepts (`+5`, `-0`, a date with spaces inside)
        // is kept in the firm's own terms, which the fast path reads.
        let designations: Vec<&str> = firm.designations.iter().map(Id::as_str).collect();
        let mut again = [Cell::Empty; COLUMNS.len()];
        again[col::ID] = Cell::Text(&firm.id);
        again[col::NAME] = Cell::Text(&firm.name);
        again[col::FOUNDED] = firm.founded.map_or(Cell::Empty, Cell::Date);
        again[col::STAGE] = Cell::Text(&firm.stage);
        again[col::EMPLOYEES] = Cell::Int(firm.employees);
        again[col::YOUTH_EMPLOYEES] = Cell::Int(firm.youth_employees);
        again[col::REVENUE_KRW] = Cell::Int(firm.revenue_krw);
        again[col::RND_SPEND_KRW] = Cell::Int(firm.rnd_spend_krw);
        again[col::EXPORT_REVENUE_KRW] = Cell::Int(firm.export_revenue_krw);
        again[col::SECTOR] = Cell::Text(&firm.sector);
        again[col::REGION] = Cell::Text(&firm.region);
        again[col::ZONE] = Cell::Text(&firm.zone);
        again[col::DESIGNATIONS] = Cell::List(&designations);
        again[col::IN_INCUBATOR] = Cell::Bool(firm.in_incubator);
        again[col::GRADUATED_INCUBATOR] = Cell::Bool(firm.graduated_incubator);
        again[col::VENTURE_CERTIFIED] = Cell::Bool(firm.venture_certified);
        again[col::HAS_RND_LAB] = Cell::Bool(firm.has_rnd_lab);
        again[col::FOUNDER_AGE] = Cell::Int(firm.founder_age);
        again[col::RESEARCH_INSTITUTE_SHARE] = Cell::Int(firm.research_institute_share);
        again[col::HIGH_TECH_SALES_SHARE] = Cell::Int(firm.high_tech_sales_share);
        again[col::STRATEGIC_INDUSTRY] = Cell::Bool(firm.strategic_industry);
        again[col::OWNS_HOME] = Cell::Bool(firm.owns_home);
        again[col::ASSETS_KRW] = Cell::Int(firm.assets_krw);
        if self.fast(&again, line) {
            Ok(())
        } else {
            Err(RowProblem {
                column: "id",
                value: firm.id.clone(),
                reason: "could not be stored".into(),
            })
        }
    }

    /// The code of `text` in the dictionary of a text column (`col::STAGE`, `col::SECTOR`,
    /// `col::REGION`, `col::ZONE`, `col::DESIGNATIONS` as text, `col::NAME` when the rules read
    /// it), for a [`Cell::Coded`] of this part; `None` for any other column.
    pub fn code(&mut self, column: usize, text: &str) -> Option<u32> {
        let dict = match column {
            col::STAGE => STAGE,
            col::SECTOR => SECTOR,
            col::REGION => REGION,
            col::ZONE => ZONE,
            col::DESIGNATIONS => DESIGNATIONS,
            col::NAME if self.setup.keeps(FirmField::Name) => NAME,
            _ => return None,
        };
        Some(self.code_text(dict, text))
    }

    fn code_text(&mut self, dict: usize, text: &str) -> u32 {
        let catalog = self.setup.catalog;
        self.dicts[dict].code(text, |s| entry(catalog, dict, s))
    }

    /// Whether `code` is one this part gave in `dict`.
    fn owns(&self, dict: usize, code: u32) -> bool {
        (code as usize) < self.dicts[dict].values.len()
    }

    /// A text cell's value and code: empty is the empty text; `None` for a cell that is not text.
    fn coded<'a>(&mut self, dict: usize, cell: &Cell<'a>) -> Option<(&'a str, u32)> {
        match *cell {
            Cell::Empty => {
                let code = match self.empty[dict] {
                    Some(code) => code,
                    None => {
                        let code = self.code_text(dict, "");
                        self.empty[dict] = Some(code);
                        code
                    }
                };
                Some(("", code))
            }
            Cell::Text(s) => Some((s, self.code_text(dict, s))),
            Cell::Coded(s, code) if self.owns(dict, code) => Some((s, code)),
            _ => None,
        }
    }

    /// Checks and keeps a row when every value is plainly good; false (and nothing kept) otherwise.
    fn fast(&mut self, row: &Row<'_>, line: u64) -> bool {
        let setup = self.setup;
        let Cell::Text(id) = row[col::ID] else {
            return false;
        };
        if id.trim().is_empty() {
            return false;
        }
        let name = match row[col::NAME] {
            Cell::Empty => "",
            Cell::Text(s) => s,
            Cell::Coded(s, code) if self.owns(NAME, code) => s,
            _ => return false,
        };
        if !plain_ascii(name) && crate::text::first_hidden(name).is_some() {
            return false;
        }
        let founded = match row[col::FOUNDED] {
            Cell::Empty | Cell::Text("") => None,
            Cell::Text(s) => match plain_date(s) {
                Some(d) => Some(d),
                None => return false,
            },
            Cell::Date(d) => Some(d),
            _ => return false,
        };
        if row[col::FOUNDER_AGE].is_empty() {
            return false;
        }
        let mut ints = [0i64; INT_FIELDS.len()];
        for (slot, (_, column)) in INT_FIELDS.iter().enumerate() {
            match count(&row[*column]) {
                Some(n) => ints[slot] = n,
                None => return false,
            }
        }
        let mut flags = [false; FLAG_FIELDS.len()];
        for (slot, (_, column)) in FLAG_FIELDS.iter().enumerate() {
            match flag(&row[*column]) {
                Some(b) => flags[slot] = b,
                None => return false,
            }
        }
        let (employees, youth, founder_age) = (ints[0], ints[1], ints[5]);
        // Shares are percentages (`Firm::problems`).
        let (institute, high_tech) = (ints[6], ints[7]);
        if youth > employees || founder_age > 120 || institute > 100 || high_tech > 100 {
            return false;
        }
        if founded.is_some_and(|f| f > setup.as_of) {
            return false;
        }

        let (Some(stage), Some(sector), Some((region, region_code)), Some((_, zone))) = (
            self.coded(STAGE, &row[col::STAGE]),
            self.coded(SECTOR, &row[col::SECTOR]),
            self.coded(REGION, &row[col::REGION]),
            self.coded(ZONE, &row[col::ZONE]),
        ) else {
            return false;
        };
        let (stage, sector) = (stage.1, sector.1);
        let stage_info = &self.dicts[STAGE].info[stage as usize];
        if !stage_info.ok || (founded.is_none() && !stage_info.flag) {
            return false;
        }
        let sector_info = &self.dicts[SECTOR].info[sector as usize];
        if !sector_info.ok {
            return false;
        }
        // As `Catalog::is_sme`: revenue within the sector's figure, assets below the cap.
        let (revenue, assets) = (ints[2], ints[8]);
        let sme = sector_info.revenue_max.is_some_and(|max| revenue <= max)
            && setup.sme_assets_below.is_none_or(|cap| assets < cap);
        let region_info = &self.dicts[REGION].info[region_code as usize];
        if !region_info.ok {
            return false;
        }
        let capital = region_info.flag;
        let zone_info = &self.dicts[ZONE].info[zone as usize];
        if !zone_info.ok || zone_info.region.as_ref().is_some_and(|r| *r != *region) {
            return false;
        }
        let designations = match row[col::DESIGNATIONS] {
            Cell::List(items) if !items.is_empty() => {
                let mut key = std::mem::take(&mut self.scratch);
                key.clear();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        key.push(';');
                    }
                    key.push_str(item.trim());
                }
                let code = self.code_text(DESIGNATIONS, &key);
                self.scratch = key;
                code
            }
            Cell::List(_) => match self.coded(DESIGNATIONS, &Cell::Empty) {
                Some((_, code)) => code,
                None => return false,
            },
            ref cell => match self.coded(DESIGNATIONS, cell) {
                Some((_, code)) => code,
                None => return false,
            },
        };
        if !self.dicts[DESIGNATIONS].info[designations as usize].ok {
            return false;
        }

        // Every check passed: keep the row.
        self.ids.extend_from_slice(id.as_bytes());
        self.id_ends.push(self.ids.len() as u32);
        let keep = |field: FirmField| setup.keeps(field);
        for (slot, (field, _)) in INT_FIELDS.iter().enumerate() {
            if keep(*field) {
                self.ints[*field as usize].push(ints[slot]);
            }
        }
        if keep(FirmField::AgeYears) {
            let age = founded.map_or(0, |f| f.whole_years_until(setup.as_of).max(0));
            self.ints[FirmField::AgeYears as usize].push(age);
        }
        for (slot, (field, _)) in FLAG_FIELDS.iter().enumerate() {
            if keep(*field) {
                self.codes[*field as usize].push(u32::from(flags[slot]));
            }
        }
        if keep(FirmField::CapitalRegion) {
            self.codes[FirmField::CapitalRegion as usize].push(u32::from(capital));
        }
        if keep(FirmField::Sme) {
            self.codes[FirmField::Sme as usize].push(u32::from(sme));
        }
        for (field, code) in [
            (FirmField::Stage, stage),
            (FirmField::Sector, sector),
            (FirmField::Region, region_code),
            (FirmField::Zone, zone),
            (FirmField::Designations, designations),
        ] {
            if keep(field) {
                self.codes[field as usize].push(code);
            }
        }
        if keep(FirmField::Name) {
            let code = match row[col::NAME] {
                Cell::Coded(_, code) => code,
                _ => self.code_text(NAME, name),
            };
            self.codes[FirmField::Name as usize].push(code);
        }
        self.lines.push(self.len as u32, line);
        self.len += 1;
        true
    }
}

/// Where rows are, with few entries: an anchor wherever a row is not on the line after the one
/// before it (a multi-line quoted value, a blank line, a bad row between).
#[derive(Default)]
struct Lines {
    anchors: Vec<(u32, u64)>,
}

impl Lines {
    fn push(&mut self, index: u32, line: u64) {
        let expected = self.anchors.last().map(|(i, l)| l + u64::from(index - i));
        if expected != Some(line) {
            self.anchors.push((index, line));
        }
    }

    fn line(&self, index: u32) -> Option<u64> {
        let at = self.anchors.partition_point(|(i, _)| *i <= index);
        let (first, line) = *self.anchors.get(at.checked_sub(1)?)?;
        Some(line + u64::from(index - first))
    }
}

/// The parts of one read appended in order: ids checked for duplicates, codes made global.
pub struct Builder<'s> {
    setup: &'s Setup<'s>,
    len: usize,
    ids: Vec<u8>,
    id_ends: Vec<u64>,
    /// Narrow from the start: the columns of a large file are never held at full width.
    ints: Vec<Ints>,
    codes: Vec<Codes>,
    dicts: Vec<Dict>,
    lines: Lines,
}

/// Firms read into columns: their ids, in order, and the columns kept.
pub struct FirmBatch {
    pub len: usize,
    pub ids: Ids,
    pub columns: Vec<(FirmField, Column)>,
}

/// Firm ids in one buffer.
pub struct Ids {
    bytes: Vec<u8>,
    ends: Vec<u64>,
}

impl Ids {
    /// Ids in order.
    pub fn new<I: AsRef<[u8]>>(ids: impl IntoIterator<Item = I>) -> Self {
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        for id in ids {
            bytes.extend_from_slice(id.as_ref());
            ends.push(bytes.len() as u64);
        }
        Ids { bytes, ends }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id of firm `i` (UTF-8: it was read as text).
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 8
    }
}

impl<'s> Builder<'s> {
    pub fn new(setup: &'s Setup<'s>) -> Self {
        Builder {
            setup,
            len: 0,
            ids: Vec::new(),
            id_ends: Vec::new(),
            ints: vec![Ints::default(); FIELDS],
            codes: vec![Codes::default(); FIELDS],
            dicts: (0..DICTS).map(|_| Dict::default()).collect(),
            lines: Lines::default(),
        }
    }

    /// Room for `firms` more firms with ids of `id_bytes` in all, so that the columns are not
    /// copied as they grow (a copy doubles them for a moment).
    pub fn reserve(&mut self, firms: usize, id_bytes: usize) {
        self.ids.reserve(id_bytes);
        self.id_ends.reserve(firms);
        for field in FirmField::ALL {
            if self.setup.keeps(field) {
                if field.field_type() == super::FieldType::Int {
                    self.ints[field as usize].reserve(firms);
                } else {
                    self.codes[field as usize].reserve(firms);
                }
            }
        }
    }

    /// Firms appended so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a part's firms after those before it. Repeated ids are found by [`finish`]
    /// (`Builder::finish`), once, on every core.
    pub fn append(&mut self, part: &Part<'_>) {
        let base = self.len as u32;
        let bytes = self.ids.len() as u64;
        self.ids.extend_from_slice(&part.ids);
        self.id_ends
            .extend(part.id_ends.iter().map(|end| bytes + u64::from(*end)));
        for (index, line) in &part.lines.anchors {
            self.lines.push(base + index, *line);
        }
        for field in FirmField::ALL {
            let f = field as usize;
            if !self.setup.keeps(field) || field == FirmField::Id {
                continue;
            }
            if field.field_type() == super::FieldType::Int {
                self.ints[f].extend_from(&part.ints[f]);
                continue;
            }
            let source = &part.codes[f];
            let target = &mut self.codes[f];
            match DICT_FIELDS.iter().find(|(d, _)| *d == field) {
                Some((_, dict)) => {
                    let local = &part.dicts[*dict];
                    let global = &mut self.dicts[*dict];
                    let map: Vec<u32> = local
                        .keys()
                        .iter()
                        .map(|(key, code)| {
                            global.code(key, |_| {
                                let i = *code as usize;
                                (local.values[i].clone(), local.info[i].clone())
                            })
                        })
                        .collect();
                    target.extend_from(source, Some(&map), global.values.len());
                }
                // A flag: false or true.
                None => target.extend_from(source, None, 2),
            }
        }
        self.len += part.len;
    }

    /// The firms read, with the columns kept, and the rows whose id an earlier row has (left
    /// out). `threads` look for repeated ids.
    pub fn finish(mut self, threads: usize) -> (FirmBatch, Vec<Duplicate>) {
        let repeated = repeated_ids(&self.ids, &self.id_ends, threads);
        let duplicates: Vec<Duplicate> = repeated
            .iter()
            .map(|(later, first)| Duplicate {
                line: self.lines.line(*later).unwrap_or(0),
                id: String::from_utf8_lossy(id_at(&self.ids, &self.id_ends, *later as usize))
                    .into_owned(),
                first_line: self.lines.line(*first).unwrap_or(0),
            })
            .collect();
        if !repeated.is_empty() {
            let left_out: Vec<u32> = repeated.iter().map(|(later, _)| *later).collect();
            self.leave_out(&left_out);
        }
        (self.columns(), duplicates)
    }

    /// Removes the firms at `rows` (ascending) from every column.
    fn leave_out(&mut self, rows: &[u32]) {
        let kept = |i: usize| rows.binary_search(&(i as u32)).is_err();
        let mut ids = Vec::with_capacity(self.ids.len());
        let mut ends = Vec::with_capacity(self.id_ends.len());
        let mut lines = Lines::default();
        for i in (0..self.len).filter(|i| kept(*i)) {
            ids.extend_from_slice(id_at(&self.ids, &self.id_ends, i));
            ends.push(ids.len() as u64);
            lines.push(
                ends.len() as u32 - 1,
                self.lines.line(i as u32).unwrap_or(0),
            );
        }
        for column in &mut self.ints {
            column.retain_rows(kept);
        }
        for column in &mut self.codes {
            column.retain_rows(kept);
        }
        self.ids = ids;
        self.id_ends = ends;
        self.lines = lines;
        self.len -= rows.len();
    }

    fn columns(self) -> FirmBatch {
        let mut columns = Vec::new();
        let mut ints = self.ints;
        let mut codes = self.codes;
        let mut dicts = self.dicts;
        let ids = Ids {
            bytes: self.ids,
            ends: self.id_ends,
        };
        for field in FirmField::ALL {
            if !self.setup.keeps(field) {
                continue;
            }
            let f = field as usize;
            let column = match field {
                FirmField::Id => Column::codes(
                    (0..ids.len() as u32).collect(),
                    (0..ids.len())
                        .map(|i| Value::String(String::from_utf8_lossy(ids.get(i)).into_owned()))
                        .collect(),
                ),
                _ if field.field_type() == super::FieldType::Int => {
                    Column::Ints(std::mem::take(&mut ints[f]))
                }
                _ => {
                    let values = match DICT_FIELDS.iter().find(|(d, _)| *d == field) {
                        Some((_, dict)) => std::mem::take(&mut dicts[*dict].values),
                        None => vec![Value::Bool(false), Value::Bool(true)],
                    };
                    Column::Codes {
                        codes: std::mem::take(&mut codes[f]),
                        values,
                    }
                }
            };
            columns.push((field, column));
        }
        FirmBatch {
            len: ids.len(),
            ids,
            columns,
        }
    }
}

/// Each firm whose id an earlier firm has, with that first firm: `(later, first)`, in file order.
///
/// The ids are cut by their hash into buckets small enough for a core's cache, each firm stored
/// in its bucket as the hash's low half and its place; every bucket is then checked with a table
/// of its own, the work shared among `threads`. Ids are compared only where the halves agree, so
/// the checking reads no id but a repeated one. A bucket holds its firms in file order: the first
/// of a repeated id is the one kept.
fn repeated_ids(bytes: &[u8], ends: &[u64], threads: usize) -> Vec<(u32, u32)> {
    const BUCKETS: usize = 1 << 8;
    let len = ends.len();
    if len < 2 {
        return Vec::new();
    }
    let hasher = DefaultHashBuilder::default();
    let hash = |i: usize| hasher.hash_one(id_at(bytes, ends, i));
    let bucket = |h: u64| (h >> 56) as usize;
    let threads = threads.clamp(1, 64);
    let step = len.div_ceil(threads);
    let ranges: Vec<std::ops::Range<usize>> = (0..len)
        .step_by(step)
        .map(|start| start..(start + step).min(len))
        .collect();
    // How many of each thread's firms fall in each bucket.
    let counts: Vec<Vec<usize>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|range| {
                let range = range.clone();
                scope.spawn(move || {
                    let mut counts = vec![0usize; BUCKETS];
                    for i in range {
                        counts[bucket(hash(i))] += 1;
                    }
                    counts
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    // Buckets one after another, each with the threads' firms in order: file order.
    let mut members = vec![(0u32, 0u32); len];
    let mut starts = Vec::with_capacity(BUCKETS + 1);
    let mut slots: Vec<Vec<&mut [(u32, u32)]>> = ranges.iter().map(|_| Vec::new()).collect();
    let mut rest = members.as_mut_slice();
    let mut at = 0;
    for b in 0..BUCKETS {
        starts.push(at);
        for (t, thread_counts) in counts.iter().enumerate() {
            let (slot, after) = rest.split_at_mut(thread_counts[b]);
            slots[t].push(slot);
            rest = after;
            at += thread_counts[b];
        }
    }
    starts.push(at);
    std::thread::scope(|scope| {
        for (range, mut slots) in ranges.iter().cloned().zip(slots) {
            scope.spawn(move || {
                let mut cursors = vec![0usize; BUCKETS];
                for i in range {
                    let h = hash(i);
                    let b = bucket(h);
                    slots[b][cursors[b]] = (h as u32, i as u32);
                    cursors[b] += 1;
                }
            });
        }
    });
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (members, starts, next) = (&members, &starts, &next);
    let mut found: Vec<(u32, u32)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    let mut table: HashTable<u32> = HashTable::new();
                    // The low half spread over a word: the table takes its tag from the top bits.
                    let spread = |low: u32| u64::from(low).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    loop {
                        let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if b >= BUCKETS {
                            return found;
                        }
                        let firms = &members[starts[b]..starts[b + 1]];
                        table.clear();
                        table.reserve(firms.len(), |k| spread(firms[*k as usize].0));
                        for (k, (low, i)) in firms.iter().enumerate() {
                            let entry = table.entry(
                                spread(*low),
                                |j| {
                                    let (other_low, other) = firms[*j as usize];
                                    other_low == *low
                                        && id_at(bytes, ends, other as usize)
                                            == id_at(bytes, ends, *i as usize)
                                },
                                |j| spread(firms[*j as usize].0),
                            );
                            match entry {
                                hashbrown::hash_table::Entry::Occupied(first) => {
                                    found.push((*i, firms[*first.get() as usize].1));
                                }
                                hashbrown::hash_table::Entry::Vacant(place) => {
                                    place.insert(k as u32);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    found.sort_unstable();
    found
}

fn id_at<'a>(bytes: &'a [u8], ends: &[u64], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &bytes[start..ends[i] as usize]
}

/// Printable ASCII has no hidden character.
fn plain_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// `YYYY-MM-DD` in digits only; anything else is left to [`Date`]'s own reading.
fn plain_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    Date::new(
        i32::try_from(digits(0..4)?).ok()?,
        u8::try_from(digits(5..7)?).ok()?,
        u8::try_from(digits(8..10)?).ok()?,
    )
}

/// A count as the fast path reads it: digits with `,` anywhere, not negative, in range.
fn count(cell: &Cell<'_>) -> Option<i64> {
    match cell {
        Cell::Empty => Some(0),
        Cell::Int(n) if *n >= 0 => Some(*n),
        Cell::Text(s) => {
            if s.is_empty() {
                return Some(0);
            }
            let mut n: i64 = 0;
            let mut digits = 0;
            for b in s.bytes() {
                match b {
                    b'0'..=b'9' => {
                        n = n.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
                        digits += 1;
                    }
                    b',' => {}
                    _ => return None,
                }
            }
            (digits > 0).then_some(n)
        }
        _ => None,
    }
}

fn flag(cell: &Cell<'_>) -> Option<bool> {
    match cell {
        Cell::Empty => Some(false),
        Cell::Bool(b) => Some(*b),
        Cell::Text(s) => match s.as_bytes() {
            b"" | b"0" => Some(false),
            b"1" => Some(true),
            t if t.eq_ignore_ascii_case(b"false") => Some(false),
            t if t.eq_ignore_ascii_case(b"true") => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn designation_ids(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|d| !d.is_empty())
}

/// A row read into a [`Firm`] and checked, with the first problem as the firm file reader has
/// always told it: the values that do not read (in the order of the fields), then the catalog's
/// checks, then the founding date against the evaluation date.
pub fn firm_of(row: &Row<'_>, catalog: &Catalog, as_of: Date) -> Result<Firm, RowProblem> {
    let row = &row.map(Cell::uncoded);
    let fail = |column: usize, reason: String| RowProblem {
        column: COLUMNS[column],
        value: row[column].text(),
        reason,
    };
    let text = |column: usize| match &row[column] {
        Cell::Text(s) => Ok((*s).to_string()),
        Cell::Empty => Ok(String::new()),
        other => Err(fail(column, format!("is not text: {}", other.text()))),
    };
    let count = |column: usize| -> Result<i64, RowProblem> {
        match &row[column] {
            Cell::Empty | Cell::Text("") => Ok(0),
            Cell::Int(n) if *n >= 0 => Ok(*n),
            Cell::Int(_) => Err(fail(column, "must be 0 or more".into())),
            Cell::Text(value) => match value.replace(',', "").parse::<i64>() {
                Ok(n) if n >= 0 => Ok(n),
                Ok(_) => Err(fail(column, "must be 0 or more".into())),
                Err(_) => Err(fail(column, "is not a whole number".into())),
            },
            _ => Err(fail(column, "is not a whole number".into())),
        }
    };
    let flag = |column: usize| -> Result<bool, RowProblem> {
        flag(&row[column]).ok_or_else(|| fail(column, "must be true or false".into()))
    };
    let founded = match &row[col::FOUNDED] {
        Cell::Empty | Cell::Text("") => None,
        Cell::Date(d) => Some(*d),
        Cell::Text(value) => Some(value.parse().map_err(|e: String| fail(col::FOUNDED, e))?),
        other => {
            let e = other.text().parse::<Date>().err().unwrap_or_default();
            return Err(fail(col::FOUNDED, e));
        }
    };
    if row[col::FOUNDER_AGE].is_empty() {
        return Err(fail(col::FOUNDER_AGE, "is required".into()));
    }
    let designations = match &row[col::DESIGNATIONS] {
        Cell::List(items) => items
            .iter()
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
            .map(Id::new)
            .collect(),
        _ => designation_ids(&text(col::DESIGNATIONS)?)
            .map(Id::new)
            .collect(),
    };
    let firm = Firm {
        id: text(col::ID)?,
        name: text(col::NAME)?,
        founded,
        closed: None,
        stage: Id::new(text(col::STAGE)?),
        employees: count(col::EMPLOYEES)?,
        youth_employees: count(col::YOUTH_EMPLOYEES)?,
        revenue_krw: count(col::REVENUE_KRW)?,
        rnd_spend_krw: count(col::RND_SPEND_KRW)?,
        export_revenue_krw: count(col::EXPORT_REVENUE_KRW)?,
        sector: text(col::SECTOR)?,
        region: Id::new(text(col::REGION)?),
        zone: text(col::ZONE)?,
        designations,
        in_incubator: flag(col::IN_INCUBATOR)?,
        graduated_incubator: flag(col::GRADUATED_INCUBATOR)?,
        venture_certified: flag(col::VENTURE_CERTIFIED)?,
        has_rnd_lab: flag(col::HAS_RND_LAB)?,
        founder_age: count(col::FOUNDER_AGE)?,
        research_institute_share: count(col::RESEARCH_INSTITUTE_SHARE)?,
        high_tech_sales_share: count(col::HIGH_TECH_SALES_SHARE)?,
        strategic_industry: flag(col::STRATEGIC_INDUSTRY)?,
        owns_home: flag(col::OWNS_HOME)?,
        assets_krw: count(col::ASSETS_KRW)?,
    };
    if let Some((field, message, expected)) = firm.problems(catalog).into_iter().next() {
        let name = field.split('[').next().unwrap_or(&field);
        let column = COLUMNS.iter().position(|c| *c == name).unwrap_or(col::ID);
        // The command line speaks English.
        let mut reason = message.to_string();
        if !expected.is_empty() && expected.len() <= 20 {
            reason.push_str(&format!("; expected one of: {}", expected.join(", ")));
        }
        return Err(fail(column, reason));
    }
    if let Some(problem) = firm.date_problem(as_of) {
        return Err(fail(col::FOUNDED, problem.to_string()));
    }
    Ok(firm)
}

#[cfg(test)]
mod tests;
