//! Column-wise evaluation of many rules over a whole population.
//!
//! Rules are compiled into one graph of kernels with common sub-expressions shared across rules
//! (`firm.stage == "early"` is computed once for every rule that tests it). The population is cut
//! into chunks of [`CHUNK`] records; for each chunk every condition kernel fills two bitsets — the
//! records for which its value is `true` and those for which it is `false`; a record in neither
//! is an error. With these, `&&`, `||` and `!` are word-wide bit operations that keep CEL's error
//! absorption: `t = a.t & b.t, f = a.f | b.f` for `&&`, and the dual for `||`.
//!
//! Every expression the type checker accepts compiles to kernels; the interpreter is never run
//! record by record:
//! - an expression that reads only dictionary-encoded fields (stage, sector, region, zone, flags,
//!   designations — one or several of them) is a table over the combinations of their codes
//!   present in the population, evaluated once per combination and gathered per record; a
//!   condition's table gives bits (a condition true for at most four codes of a field, or false
//!   for at most four, compares the codes instead), a number's a vector;
//! - an int field compared with an int literal reads the column in its stored width (columns
//!   are narrowed to i8/i16/i32 where their values fit) straight into bits;
//! - numeric expressions (`+ - * / %`, `double()`, `int()`, `c ? x : y`) are vectors with an
//!   error bitset, and comparisons of them bitsets; int and double compare as doubles;
//! - `c ? a : b` over conditions is a select of bitsets: `t = c.t & a.t | c.f & b.t`, and an
//!   error in `c` is an error of the whole, as the interpreter has it;
//! - `x in [a, b]` is `x == a`, `x == b` or-ed, with an error of any of them an error of the
//!   whole (no absorption, as in the interpreter);
//! - a comparison or `in` with a `?:` operand is a select of comparisons: `x < (c ? a : b)` is
//!   `c ? x < a : x < b`;
//! - what is left — strings and lists computed from numbers (`string(firm.employees).size()`) —
//!   are kernels over per-record values that apply the interpreter's own functions to each.

// Word loops index several bitsets in step; an index reads better than zipped iterators.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};

mod narrow;

pub use narrow::{Codes, Ints};

use super::eval::{self, Value, double_to_int};
use super::schema::Schema;
use super::syntax::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::types::{self, Type};
use super::{Rule, field_of};
use crate::catalog::Catalog;
use crate::date::Date;
use crate::firm::{Firm, FirmField, FirmSchema};

/// Records per chunk: 64 words of 64 bits.
pub const CHUNK: usize = 4096;
const WORDS: usize = CHUNK / 64;
type Bits = [u64; WORDS];

/// One field of a population, laid out as a column, each in the narrowest width it fits.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// An int field's values, one per record.
    Ints(Ints),
    /// Any other field, dictionary-encoded: each record's code, an index into `values`, the
    /// field's distinct values.
    Codes { codes: Codes, values: Vec<Value> },
}

impl Column {
    /// An int column of `values`.
    pub fn ints(values: Vec<i64>) -> Column {
        Column::Ints(Ints::from(values))
    }

    /// A dictionary-encoded column: `codes` index `values`.
    pub fn codes(codes: Vec<u32>, values: Vec<Value>) -> Column {
        Column::Codes {
            codes: Codes::new(codes, values.len()),
            values,
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Ints(v) => v.len(),
            Column::Codes { codes, .. } => codes.len(),
        }
    }
}

/// A column that does not fit its population.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("column {field}: {len} values for {records} records")]
    Length {
        field: &'static str,
        len: usize,
        records: usize,
    },
    #[error("column {field}: an int field needs int values, other fields codes")]
    Kind { field: &'static str },
    #[error("column {field}: code {code} has no value")]
    Code { field: &'static str, code: u32 },
    #[error("the rules read {field}, which the population does not have")]
    Missing { field: &'static str },
}

impl Codes {
    fn slice(&self, start: usize, len: usize) -> Index<'_> {
        match self {
            Codes::U8(v) => Index::U8(&v[start..start + len]),
            Codes::U16(v) => Index::U16(&v[start..start + len]),
            Codes::U32(v) => Index::U32(&v[start..start + len]),
        }
    }
}

enum Stored {
    Ints(Ints),
    Codes(Codes, Vec<Value>),
}

impl Stored {
    fn new(column: Column) -> Stored {
        match column {
            Column::Ints(values) => Stored::Ints(values),
            Column::Codes { codes, values } => Stored::Codes(codes, values),
        }
    }
}

/// A population of records (firms unless said otherwise) laid out by column: only the fields
/// rules read, and no record kept, so that millions of firms fit in a few columns.
pub struct Population<S: Schema = FirmSchema> {
    len: usize,
    /// By the field's position in `S::fields()`; `None` for a field not loaded.
    columns: Vec<Option<Stored>>,
    schema: PhantomData<fn() -> S>,
}

impl Population {
    /// Firms with their facts at an evaluation date; only `fields` are kept (the fields the
    /// rules read: [`Matcher::fields`]).
    pub fn new(firms: &[Firm], as_of: Date, catalog: &Catalog, fields: &[FirmField]) -> Self {
        let facts: Vec<_> = firms.iter().map(|f| f.facts(as_of, catalog)).collect();
        Population::from_records(&facts, fields)
    }
}

impl<S: Schema> Population<S> {
    /// Records laid out by column, for the given fields.
    pub fn from_records(records: &[S::Record<'_>], fields: &[S::Field]) -> Self {
        let mut columns: Vec<Option<Stored>> = (0..S::fields().len()).map(|_| None).collect();
        for field in fields.iter().copied() {
            let column = if S::field_type(field) == Type::Int {
                Column::ints(records.iter().map(|r| S::int(r, field)).collect())
            } else {
                let mut codes = Vec::with_capacity(records.len());
                let mut values = Vec::new();
                let mut seen: HashMap<super::Category<'_>, u32> = HashMap::new();
                for record in records {
                    let next = seen.len() as u32;
                    let code = *seen.entry(S::category(record, field)).or_insert_with(|| {
                        values.push(S::value(record, field));
                        next
                    });
                    codes.push(code);
                }
                Column::codes(codes, values)
            };
            columns[position::<S>(field)] = Some(Stored::new(column));
        }
        Population {
            len: records.len(),
            columns,
            schema: PhantomData,
        }
    }

    /// A population from columns built elsewhere (a file read straight into columns). Each column
    /// must have `len` values, ints for int fields, and codes that index its values.
    pub fn from_columns(len: usize, columns: Vec<(S::Field, Column)>) -> Result<Self, ColumnError> {
        let mut by_position: Vec<Option<Stored>> = (0..S::fields().len()).map(|_| None).collect();
        for (field, column) in columns {
            let name = S::name(field);
            if column.len() != len {
                return Err(ColumnError::Length {
                    field: name,
                    len: column.len(),
                    records: len,
                });
            }
            match &column {
                Column::Ints(_) if S::field_type(field) == Type::Int => {}
                Column::Codes { codes, values } if S::field_type(field) != Type::Int => {
                    if let Some(code) = codes.first_at_least(values.len()) {
                        return Err(ColumnError::Code { field: name, code });
                    }
                }
                _ => return Err(ColumnError::Kind { field: name }),
            }
            by_position[position::<S>(field)] = Some(Stored::new(column));
        }
        Ok(Population {
            len,
            columns: by_position,
            schema: PhantomData,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the population has the field's column.
    pub fn has(&self, field: S::Field) -> bool {
        self.columns
            .get(position::<S>(field))
            .is_some_and(Option::is_some)
    }

    /// Bytes held by the columns (not counting the dictionaries' text).
    pub fn column_bytes(&self) -> usize {
        self.columns
            .iter()
            .flatten()
            .map(|c| match c {
                Stored::Ints(v) => v.bytes(),
                Stored::Codes(codes, values) => {
                    codes.bytes() + values.len() * std::mem::size_of::<Value>()
                }
            })
            .sum()
    }

    fn ints(&self, position: usize) -> Option<&Ints> {
        match self.columns.get(position) {
            Some(Some(Stored::Ints(v))) => Some(v),
            _ => None,
        }
    }

    fn codes(&self, position: usize) -> Option<(&Codes, &[Value])> {
        match self.columns.get(position) {
            Some(Some(Stored::Codes(codes, values))) => Some((codes, values)),
            _ => None,
        }
    }
}

/// The position of a field in its schema's list.
fn position<S: Schema>(field: S::Field) -> usize {
    S::fields()
        .iter()
        .position(|f| *f == field)
        .unwrap_or(usize::MAX)
}

/// Whether a field is dictionary-encoded in a population (every field but ints).
fn coded<S: Schema>(field: S::Field) -> bool {
    S::field_type(field) != Type::Int
}

type NodeId = usize;
type KeyId = usize;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Num {
    /// An int field, by its position in the schema.
    Column(usize),
    Int(i64),
    /// A double literal, by its bits.
    Double(u64),
    IntOp(BinaryOp, NodeId, NodeId),
    DoubleOp(BinaryOp, NodeId, NodeId),
    NegInt(NodeId),
    NegDouble(NodeId),
    ToDouble(NodeId),
    ToInt(NodeId),
    /// `c ? x : y`: a condition node and two numeric nodes of the same type.
    Select(NodeId, NodeId, NodeId),
    /// A number computed from dictionary-encoded fields: a table by their codes' combination.
    Lookup(KeyId, String),
    /// Per-record values that are numbers.
    FromValues(NodeId),
}

/// Kernels over per-record values, for strings and lists that are not a table's: each applies
/// the interpreter's function for its operator to every record's operands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Values {
    /// An expression of dictionary-encoded fields, gathered from its table.
    Lookup(KeyId, String),
    FromBits(NodeId),
    FromNum(NodeId),
    Call(String, NodeId),
    Method(String, NodeId, Vec<NodeId>),
    Binary(BinaryOp, NodeId, NodeId),
    Select(NodeId, NodeId, NodeId),
    List(Vec<NodeId>),
    /// An expression the type checker refuses: an error for every record.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Num(Num),
    Values(Values),
    /// A comparison of two numeric nodes.
    Compare(BinaryOp, NodeId, NodeId),
    /// An int column (by position) compared with an int constant.
    CompareColumn(BinaryOp, usize, i64),
    /// A condition on dictionary-encoded fields: a table by their codes' combination (no
    /// fields: a constant).
    Lookup(KeyId, String),
    And(NodeId, NodeId),
    Or(NodeId, NodeId),
    Not(NodeId),
    /// `c ? a : b` over conditions.
    Select(NodeId, NodeId, NodeId),
    /// `a == b` over conditions.
    Same(NodeId, NodeId),
    /// Any of the conditions true, and an error when any of them errs: `x in [a, b]`.
    AnyOf(Vec<NodeId>),
    /// Per-record values that are bools.
    FromValues(NodeId),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Bits,
    Num,
    Values,
}

impl Node {
    fn kind(&self) -> Kind {
        match self {
            Node::Num(_) => Kind::Num,
            Node::Values(_) => Kind::Values,
            _ => Kind::Bits,
        }
    }

    fn operands(&self) -> Vec<NodeId> {
        match self {
            Node::Num(num) => match num {
                Num::IntOp(_, a, b) | Num::DoubleOp(_, a, b) => vec![*a, *b],
                Num::NegInt(a) | Num::NegDouble(a) | Num::ToDouble(a) | Num::ToInt(a) => vec![*a],
                Num::FromValues(a) => vec![*a],
                Num::Select(c, a, b) => vec![*c, *a, *b],
                Num::Column(_) | Num::Int(_) | Num::Double(_) | Num::Lookup(..) => Vec::new(),
            },
            Node::Values(values) => match values {
                Values::Lookup(..) | Values::Error => Vec::new(),
                Values::FromBits(a) | Values::FromNum(a) | Values::Call(_, a) => vec![*a],
                Values::Method(_, t, args) => std::iter::once(*t).chain(args.clone()).collect(),
                Values::Binary(_, a, b) => vec![*a, *b],
                Values::Select(c, a, b) => vec![*c, *a, *b],
                Values::List(items) => items.clone(),
            },
            Node::Compare(_, a, b) | Node::And(a, b) | Node::Or(a, b) | Node::Same(a, b) => {
                vec![*a, *b]
            }
            Node::Not(a) | Node::FromValues(a) => vec![*a],
            Node::Select(c, a, b) => vec![*c, *a, *b],
            Node::AnyOf(items) => items.clone(),
            Node::CompareColumn(..) | Node::Lookup(..) => Vec::new(),
        }
    }

    fn lookup(&self) -> Option<(KeyId, &str)> {
        match self {
            Node::Lookup(key, text)
            | Node::Num(Num::Lookup(key, text))
            | Node::Values(Values::Lookup(key, text)) => Some((*key, text)),
            _ => None,
        }
    }
}

/// Rules compiled together.
pub struct Matcher<S: Schema = FirmSchema> {
    nodes: Vec<Node>,
    /// The syntax of lookup nodes, by their canonical text.
    exprs: HashMap<String, Expr>,
    /// Each key's fields, by position in the schema, ascending.
    keys: Vec<Vec<usize>>,
    /// Each node's working slot among those of its kind: a slot is reused once the node's last
    /// reader has run, so a chunk's working set stays in cache.
    slots: Vec<usize>,
    slot_counts: [usize; 3],
    /// The rules whose result each node is.
    rules_of: Vec<Vec<usize>>,
    roots: Vec<NodeId>,
    schema: PhantomData<fn() -> S>,
}

impl<S: Schema> Matcher<S> {
    pub fn compile(rules: &[Rule<S>]) -> Matcher<S> {
        let mut compiler = Compiler::<S> {
            nodes: Vec::new(),
            index: HashMap::new(),
            exprs: HashMap::new(),
            keys: Vec::new(),
            key_index: HashMap::new(),
            schema: PhantomData,
        };
        let roots: Vec<NodeId> = rules.iter().map(|r| compiler.boolean(r.expr())).collect();
        let nodes = compiler.nodes;
        let mut rules_of = vec![Vec::new(); nodes.len()];
        for (rule, root) in roots.iter().enumerate() {
            rules_of[*root].push(rule);
        }
        let (slots, slot_counts) = allocate_slots(&nodes);
        Matcher {
            nodes,
            exprs: compiler.exprs,
            keys: compiler.keys,
            slots,
            slot_counts,
            rules_of,
            roots,
            schema: PhantomData,
        }
    }

    /// How many kernels the rules share after common sub-expressions are merged.
    pub fn kernel_count(&self) -> usize {
        self.nodes.len()
    }

    /// How many kernels work on per-record values (strings and lists computed from numbers)
    /// with the interpreter's functions, rather than on bits, vectors or tables. Every expression
    /// compiles to kernels; these are the only ones that still apply the interpreter firm by firm.
    pub fn value_kernel_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Values(v) if !matches!(v, Values::FromBits(_) | Values::FromNum(_))))
            .count()
    }

    pub fn rule_count(&self) -> usize {
        self.roots.len()
    }

    /// The fields the rules read: the columns a population needs.
    pub fn fields(&self) -> Vec<S::Field> {
        let mut positions = Vec::new();
        for node in &self.nodes {
            match node {
                Node::Num(Num::Column(position)) | Node::CompareColumn(_, position, _) => {
                    positions.push(*position);
                }
                _ => {
                    if let Some((key, _)) = node.lookup() {
                        positions.extend(self.keys[key].iter().copied());
                    }
                }
            }
        }
        let mut fields: Vec<S::Field> = positions
            .into_iter()
            .filter_map(|p| S::fields().get(p).copied())
            .collect();
        fields.sort();
        fields.dedup();
        fields
    }

    /// The first field the rules read that the population lacks, or has with the wrong kind.
    fn missing(&self, population: &Population<S>) -> Option<ColumnError> {
        self.fields()
            .into_iter()
            .find(|f| {
                let p = position::<S>(*f);
                if coded::<S>(*f) {
                    population.codes(p).is_none()
                } else {
                    population.ints(p).is_none()
                }
            })
            .map(|f| ColumnError::Missing { field: S::name(f) })
    }

    /// Evaluates every rule for every firm, `threads` chunks at a time, and hands each chunk's
    /// result to `sink` (from several threads; the chunk's first firm index comes with it).
    /// `progress` counts the firms done. Every field the rules read must be in the population.
    pub fn run(
        &self,
        population: &Population<S>,
        threads: usize,
        progress: &AtomicUsize,
        sink: &(dyn Fn(usize, &ChunkResult) + Sync),
    ) -> Result<(), ColumnError> {
        if let Some(missing) = self.missing(population) {
            return Err(missing);
        }
        let prepared = self.prepare(population);
        let chunks = population.len().div_ceil(CHUNK);
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1).min(chunks.max(1)) {
                scope.spawn(|| {
                    let mut state = ChunkState::new(self.slot_counts, self.keys.len());
                    let mut result = ChunkResult {
                        len: 0,
                        eligible: vec![[0; WORDS]; self.roots.len()],
                        decided: vec![[0; WORDS]; self.roots.len()],
                    };
                    loop {
                        let chunk = next.fetch_add(1, Ordering::Relaxed);
                        if chunk >= chunks {
                            break;
                        }
                        let start = chunk * CHUNK;
                        let len = CHUNK.min(population.len() - start);
                        result.len = len;
                        self.evaluate_chunk(
                            population,
                            &prepared,
                            start,
                            len,
                            &mut state,
                            &mut result,
                        );
                        sink(start, &result);
                        progress.fetch_add(len, Ordering::Relaxed);
                    }
                });
            }
        });
        Ok(())
    }

    /// Every rule's result for every firm: `matrix[firm][rule]`. For tests and small populations.
    pub fn matrix(&self, population: &Population<S>) -> Result<Vec<Vec<bool>>, ColumnError> {
        let rows = std::sync::Mutex::new(vec![vec![false; self.roots.len()]; population.len()]);
        self.run(population, 1, &AtomicUsize::new(0), &|start, chunk| {
            if let Ok(mut rows) = rows.lock() {
                for firm in 0..chunk.len {
                    for rule in 0..self.roots.len() {
                        rows[start + firm][rule] = chunk.holds(rule, firm);
                    }
                }
            }
        })?;
        Ok(rows.into_inner().unwrap_or_default())
    }

    /// The population's keys (how a record finds its row in a table) and every lookup node's
    /// table, each row evaluated once by the interpreter.
    fn prepare<'p>(&self, population: &'p Population<S>) -> Prepared<'p> {
        let keys: Vec<KeyPlan<'p>> = self
            .keys
            .iter()
            .map(|fields| KeyPlan::new(population, fields))
            .collect();
        let mut tables: Vec<Option<Table>> = (0..self.nodes.len()).map(|_| None).collect();
        for (id, node) in self.nodes.iter().enumerate() {
            let Some((key, text)) = node.lookup() else {
                continue;
            };
            let Some(expr) = self.exprs.get(text) else {
                continue;
            };
            let plan = &keys[key];
            let fields = &self.keys[key];
            let mut rows: Vec<Option<Value>> = vec![None; plan.table_len];
            for (index, codes) in &plan.rows {
                let read = |field: S::Field| {
                    let p = position::<S>(field);
                    fields
                        .iter()
                        .position(|f| *f == p)
                        .and_then(|k| population.codes(p).map(|(_, values)| (k, values)))
                        .and_then(|(k, values)| values.get(codes[k] as usize).cloned())
                        .unwrap_or(Value::Bool(false))
                };
                rows[*index as usize] = eval::eval_in::<S>(expr, &read).ok();
            }
            tables[id] = Some(Table::new(node.kind(), rows, plan.index_bound()));
        }
        Prepared { keys, tables }
    }

    fn evaluate_chunk(
        &self,
        population: &Population<S>,
        prepared: &Prepared<'_>,
        start: usize,
        len: usize,
        state: &mut ChunkState,
        result: &mut ChunkResult,
    ) {
        let valid = valid_words(len);
        for (k, plan) in prepared.keys.iter().enumerate() {
            plan.fill(start, len, &mut state.keys[k]);
        }
        for (id, node) in self.nodes.iter().enumerate() {
            let out = self.slots[id];
            match node {
                Node::Num(num) => {
                    self.numeric(num, id, population, prepared, start, len, state);
                    continue;
                }
                Node::Values(values) => {
                    self.values(values, id, prepared, start, len, state);
                    continue;
                }
                Node::CompareColumn(op, column, c) => {
                    let (t, f) = state.bits_mut(out);
                    if let Some(ints) = population.ints(*column) {
                        compare_column(*op, ints, *c, start, len, t);
                    }
                    for w in 0..WORDS {
                        f[w] = !t[w] & valid[w];
                    }
                }
                Node::Compare(op, a, b) => {
                    let (sa, sb) = (self.slots[*a], self.slots[*b]);
                    let mut t = [0u64; WORDS];
                    compare(*op, &state.nums[sa], &state.nums[sb], len, &mut t);
                    let (ea, eb) = (&state.nums[sa].err, &state.nums[sb].err);
                    let mut f = [0u64; WORDS];
                    for w in 0..WORDS {
                        let err = ea[w] | eb[w];
                        t[w] &= !err & valid[w];
                        f[w] = !t[w] & !err & valid[w];
                    }
                    state.t[out] = t;
                    state.f[out] = f;
                }
                Node::Lookup(key, _) => {
                    let index = prepared.keys[*key].index(start, len, &state.keys[*key]);
                    let (t, f) = (&mut state.t[out], &mut state.f[out]);
                    if let Some(Table::Bits {
                        entries,
                        errors,
                        few,
                    }) = &prepared.tables[id]
                    {
                        match (few, &index) {
                            (Some(Few { codes: k, negated }), Index::U8(codes)) => {
                                pack_map(codes, t, |c| {
                                    ((c == k[0]) | (c == k[1]) | (c == k[2]) | (c == k[3]))
                                        != *negated
                                });
                            }
                            _ => lookup_bits(&index, entries, *errors, t, f),
                        }
                        if !errors {
                            for w in 0..WORDS {
                                f[w] = !t[w] & valid[w];
                            }
                        }
                    }
                }
                Node::And(a, b) => {
                    let (a, b) = (self.slots[*a], self.slots[*b]);
                    for w in 0..WORDS {
                        state.t[out][w] = state.t[a][w] & state.t[b][w];
                        state.f[out][w] = state.f[a][w] | state.f[b][w];
                    }
                }
                Node::Or(a, b) => {
                    let (a, b) = (self.slots[*a], self.slots[*b]);
                    for w in 0..WORDS {
                        state.t[out][w] = state.t[a][w] | state.t[b][w];
                        state.f[out][w] = state.f[a][w] & state.f[b][w];
                    }
                }
                Node::Not(a) => {
                    let a = self.slots[*a];
                    state.t[out] = state.f[a];
                    state.f[out] = state.t[a];
                }
                Node::Select(c, a, b) => {
                    let (c, a, b) = (self.slots[*c], self.slots[*a], self.slots[*b]);
                    for w in 0..WORDS {
                        let (ct, cf) = (state.t[c][w], state.f[c][w]);
                        state.t[out][w] = ct & state.t[a][w] | cf & state.t[b][w];
                        state.f[out][w] = ct & state.f[a][w] | cf & state.f[b][w];
                    }
                }
                Node::Same(a, b) => {
                    let (a, b) = (self.slots[*a], self.slots[*b]);
                    for w in 0..WORDS {
                        let (at, af, bt, bf) =
                            (state.t[a][w], state.f[a][w], state.t[b][w], state.f[b][w]);
                        state.t[out][w] = at & bt | af & bf;
                        state.f[out][w] = at & bf | af & bt;
                    }
                }
                Node::AnyOf(items) => {
                    let (mut t, mut err) = ([0u64; WORDS], [0u64; WORDS]);
                    for item in items {
                        let s = self.slots[*item];
                        for w in 0..WORDS {
                            t[w] |= state.t[s][w];
                            err[w] |= !(state.t[s][w] | state.f[s][w]);
                        }
                    }
                    for w in 0..WORDS {
                        state.t[out][w] = t[w] & !err[w] & valid[w];
                        state.f[out][w] = !t[w] & !err[w] & valid[w];
                    }
                }
                Node::FromValues(a) => {
                    let (mut t, mut f) = ([0u64; WORDS], [0u64; WORDS]);
                    for (i, value) in state.values[self.slots[*a]][..len].iter().enumerate() {
                        match value {
                            Some(Value::Bool(true)) => t[i / 64] |= 1 << (i % 64),
                            Some(Value::Bool(false)) => f[i / 64] |= 1 << (i % 64),
                            _ => {}
                        }
                    }
                    state.t[out] = t;
                    state.f[out] = f;
                }
            }
            if len < CHUNK {
                for w in 0..WORDS {
                    state.t[out][w] &= valid[w];
                    state.f[out][w] &= valid[w];
                }
            }
            for rule in &self.rules_of[id] {
                result.eligible[*rule] = state.t[out];
                for w in 0..WORDS {
                    result.decided[*rule][w] = state.t[out][w] | state.f[out][w];
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn numeric(
        &self,
        num: &Num,
        id: NodeId,
        population: &Population<S>,
        prepared: &Prepared<'_>,
        start: usize,
        len: usize,
        state: &mut ChunkState,
    ) {
        let slot = self.slots[id];
        let slot_of = |node: NodeId| self.slots[node];
        let mut out = std::mem::take(&mut state.nums[slot]);
        out.err = [0; WORDS];
        match num {
            Num::Column(field) => {
                let mut values = take_ints(&mut out.data, len);
                if let Some(ints) = population.ints(*field) {
                    ints.widen(start, &mut values);
                }
                out.data = Data::Ints(values);
            }
            Num::Int(i) => out.data = Data::ConstInt(*i),
            Num::Double(bits) => out.data = Data::ConstDouble(f64::from_bits(*bits)),
            Num::IntOp(op, a, b) => {
                let mut values = take_ints(&mut out.data, len);
                let (na, nb) = (&state.nums[slot_of(*a)], &state.nums[slot_of(*b)]);
                let mut err = [0u64; WORDS];
                int_op(*op, na, nb, &mut values, &mut err);
                for w in 0..WORDS {
                    out.err[w] = err[w] | na.err[w] | nb.err[w];
                }
                out.data = Data::Ints(values);
            }
            Num::DoubleOp(op, a, b) => {
                let mut values = take_doubles(&mut out.data, len);
                let (na, nb) = (&state.nums[slot_of(*a)], &state.nums[slot_of(*b)]);
                match op {
                    BinaryOp::Add => double_kernel(na, nb, &mut values, |x, y| x + y),
                    BinaryOp::Sub => double_kernel(na, nb, &mut values, |x, y| x - y),
                    BinaryOp::Mul => double_kernel(na, nb, &mut values, |x, y| x * y),
                    BinaryOp::Div => double_kernel(na, nb, &mut values, |x, y| x / y),
                    op => double_kernel(na, nb, &mut values, |x, y| {
                        eval::double_arithmetic(*op, x, y)
                    }),
                }
                for w in 0..WORDS {
                    out.err[w] = na.err[w] | nb.err[w];
                }
                out.data = Data::Doubles(values);
            }
            Num::NegInt(a) => {
                let mut values = take_ints(&mut out.data, len);
                let na = &state.nums[slot_of(*a)];
                let mut err = [0u64; WORDS];
                int_op(
                    BinaryOp::Sub,
                    &NumValues::constant(0),
                    na,
                    &mut values,
                    &mut err,
                );
                for w in 0..WORDS {
                    out.err[w] = err[w] | na.err[w];
                }
                out.data = Data::Ints(values);
            }
            Num::NegDouble(a) => {
                let mut values = take_doubles(&mut out.data, len);
                let na = &state.nums[slot_of(*a)];
                double_kernel(na, &NumValues::constant(0), &mut values, |x, _| -x);
                out.err = na.err;
                out.data = Data::Doubles(values);
            }
            Num::ToDouble(a) => {
                let mut values = take_doubles(&mut out.data, len);
                let na = &state.nums[slot_of(*a)];
                double_kernel(na, &NumValues::constant(0), &mut values, |x, _| x);
                out.err = na.err;
                out.data = Data::Doubles(values);
            }
            Num::ToInt(a) => {
                let mut values = take_ints(&mut out.data, len);
                let na = &state.nums[slot_of(*a)];
                let mut err = [0u64; WORDS];
                for (i, slot) in values.iter_mut().enumerate() {
                    match double_to_int(na.double_at(i)) {
                        Ok(v) => *slot = v,
                        Err(_) => err[i / 64] |= 1 << (i % 64),
                    }
                }
                for w in 0..WORDS {
                    out.err[w] = err[w] | na.err[w];
                }
                out.data = Data::Ints(values);
            }
            Num::Select(c, a, b) => {
                let (c, a, b) = (slot_of(*c), slot_of(*a), slot_of(*b));
                let (ct, cf) = (&state.t[c], &state.f[c]);
                let (na, nb) = (&state.nums[a], &state.nums[b]);
                if na.is_double() || nb.is_double() {
                    let mut values = take_doubles(&mut out.data, len);
                    double_select(ct, na, nb, &mut values);
                    out.data = Data::Doubles(values);
                } else {
                    let mut values = take_ints(&mut out.data, len);
                    match (&na.data, &nb.data) {
                        (Data::Ints(x), Data::ConstInt(y)) => {
                            select(ct, &mut values, x.as_slice(), Constant::new(*y))
                        }
                        (Data::ConstInt(x), Data::Ints(y)) => {
                            select(ct, &mut values, Constant::new(*x), y.as_slice())
                        }
                        (Data::Ints(x), Data::Ints(y)) => {
                            select(ct, &mut values, x.as_slice(), y.as_slice())
                        }
                        _ => select(
                            ct,
                            &mut values,
                            Constant::new(na.int_at(0)),
                            Constant::new(nb.int_at(0)),
                        ),
                    }
                    out.data = Data::Ints(values);
                }
                // A condition that errs errs the whole; otherwise the chosen branch's error.
                for w in 0..WORDS {
                    out.err[w] = !(ct[w] | cf[w]) | ct[w] & na.err[w] | cf[w] & nb.err[w];
                }
            }
            Num::Lookup(key, _) => {
                let index = prepared.keys[*key].index(start, len, &state.keys[*key]);
                match &prepared.tables[id] {
                    Some(Table::Ints { values: table, err }) => {
                        let mut values = take_ints(&mut out.data, len);
                        gather(&index, table, &mut values);
                        if let Some(err) = err {
                            lookup_bits(&index, err, false, &mut out.err, &mut [0; WORDS]);
                        }
                        out.data = Data::Ints(values);
                    }
                    Some(Table::Doubles { values: table, err }) => {
                        let mut values = take_doubles(&mut out.data, len);
                        gather(&index, table, &mut values);
                        if let Some(err) = err {
                            lookup_bits(&index, err, false, &mut out.err, &mut [0; WORDS]);
                        }
                        out.data = Data::Doubles(values);
                    }
                    _ => {
                        out.data = Data::ConstInt(0);
                        out.err = [!0; WORDS];
                    }
                }
            }
            Num::FromValues(a) => {
                let source = &state.values[slot_of(*a)];
                let double = source[..len]
                    .iter()
                    .any(|v| matches!(v, Some(Value::Double(_))));
                if double {
                    let mut values = take_doubles(&mut out.data, len);
                    for (i, v) in source[..len].iter().enumerate() {
                        match v {
                            Some(Value::Double(d)) => values[i] = *d,
                            _ => out.err[i / 64] |= 1 << (i % 64),
                        }
                    }
                    out.data = Data::Doubles(values);
                } else {
                    let mut values = take_ints(&mut out.data, len);
                    for (i, v) in source[..len].iter().enumerate() {
                        match v {
                            Some(Value::Int(n)) => values[i] = *n,
                            _ => out.err[i / 64] |= 1 << (i % 64),
                        }
                    }
                    out.data = Data::Ints(values);
                }
            }
        }
        state.nums[slot] = out;
    }

    fn values(
        &self,
        node: &Values,
        id: NodeId,
        prepared: &Prepared<'_>,
        start: usize,
        len: usize,
        state: &mut ChunkState,
    ) {
        let slot = self.slots[id];
        let mut out = std::mem::take(&mut state.values[slot]);
        out.clear();
        let at = |state: &ChunkState, node: NodeId, i: usize| -> Option<Value> {
            let s = self.slots[node];
            match self.nodes[node].kind() {
                Kind::Bits => {
                    let bit = |bits: &Bits| bits[i / 64] >> (i % 64) & 1 == 1;
                    if bit(&state.t[s]) {
                        Some(Value::Bool(true))
                    } else if bit(&state.f[s]) {
                        Some(Value::Bool(false))
                    } else {
                        None
                    }
                }
                Kind::Num => {
                    let n = &state.nums[s];
                    if n.err[i / 64] >> (i % 64) & 1 == 1 {
                        None
                    } else if n.is_double() {
                        Some(Value::Double(n.double_at(i)))
                    } else {
                        Some(Value::Int(n.int_at(i)))
                    }
                }
                Kind::Values => state.values[s][i].clone(),
            }
        };
        match node {
            Values::Lookup(key, _) => {
                let index = prepared.keys[*key].index(start, len, &state.keys[*key]);
                if let Some(Table::Values(rows)) = &prepared.tables[id] {
                    out.extend((0..len).map(|i| rows[index.at(i)].clone()));
                }
            }
            Values::FromBits(a) | Values::FromNum(a) => {
                out.extend((0..len).map(|i| at(state, *a, i)));
            }
            Values::Call(name, a) => {
                out.extend(
                    (0..len).map(|i| at(state, *a, i).and_then(|v| eval::call(name, v).ok())),
                );
            }
            Values::Method(name, target, args) => {
                out.extend((0..len).map(|i| {
                    let target = at(state, *target, i)?;
                    let args: Option<Vec<Value>> = args.iter().map(|a| at(state, *a, i)).collect();
                    eval::method(name, target, &args?).ok()
                }));
            }
            Values::Binary(op, a, b) => {
                out.extend((0..len).map(|i| {
                    let (a, b) = (at(state, *a, i)?, at(state, *b, i)?);
                    eval::binary(*op, a, b).ok()
                }));
            }
            Values::Select(c, a, b) => {
                out.extend((0..len).map(|i| match at(state, *c, i) {
                    Some(Value::Bool(true)) => at(state, *a, i),
                    Some(Value::Bool(false)) => at(state, *b, i),
                    _ => None,
                }));
            }
            Values::Error => out.resize(len, None),
            Values::List(items) => {
                out.extend((0..len).map(|i| {
                    items
                        .iter()
                        .map(|item| at(state, *item, i))
                        .collect::<Option<Vec<Value>>>()
                        .map(Value::List)
                }));
            }
        }
        state.values[slot] = out;
    }
}

/// Assigns each node a slot of its kind, reusing a slot once its node's last reader has run.
fn allocate_slots(nodes: &[Node]) -> (Vec<usize>, [usize; 3]) {
    let mut last_use: Vec<usize> = (0..nodes.len()).collect();
    for (id, node) in nodes.iter().enumerate() {
        for operand in node.operands() {
            last_use[operand] = last_use[operand].max(id);
        }
    }
    let mut dying: Vec<Vec<NodeId>> = vec![Vec::new(); nodes.len()];
    for (id, last) in last_use.iter().enumerate() {
        dying[*last].push(id);
    }
    let kind_index = |k: Kind| match k {
        Kind::Bits => 0,
        Kind::Num => 1,
        Kind::Values => 2,
    };
    let mut free: [Vec<usize>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut counts = [0usize; 3];
    let mut slots = vec![0; nodes.len()];
    for (id, node) in nodes.iter().enumerate() {
        let k = kind_index(node.kind());
        slots[id] = free[k].pop().unwrap_or_else(|| {
            counts[k] += 1;
            counts[k] - 1
        });
        // Operands read for the last time by this node, and the node itself when nothing reads
        // it (a rule's result, copied out as soon as it is computed), free their slots.
        for dead in &dying[id] {
            free[kind_index(nodes[*dead].kind())].push(slots[*dead]);
        }
    }
    (slots, counts)
}

/// Where a chunk's records find their rows in a key's tables.
enum Index<'a> {
    /// No fields: one row.
    Zero,
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
}

impl Index<'_> {
    fn at(&self, i: usize) -> usize {
        match self {
            Index::Zero => 0,
            Index::U8(v) => v[i].into(),
            Index::U16(v) => v[i].into(),
            Index::U32(v) => v[i] as usize,
        }
    }
}

/// How records find the rows of a key's tables in one population.
struct KeyPlan<'p> {
    how: KeyHow<'p>,
    /// The table rows to evaluate: each row's index and its codes, one per field.
    rows: Vec<(u32, Vec<u32>)>,
    table_len: usize,
}

enum KeyHow<'p> {
    Zero,
    /// One field: its codes are the rows.
    Single(&'p Codes),
    /// Several fields with few combinations: the index is the codes in mixed radix.
    Radix(Vec<(&'p Codes, u32)>),
    /// Several fields with many: each record's combination, interned.
    Interned(Vec<u32>),
}

/// Most combinations a mixed-radix table may have.
const RADIX_LIMIT: u64 = 1 << 16;

impl<'p> KeyPlan<'p> {
    fn new<S: Schema>(population: &'p Population<S>, fields: &[usize]) -> KeyPlan<'p> {
        let columns: Vec<(&Codes, usize)> = fields
            .iter()
            .filter_map(|p| population.codes(*p))
            .map(|(codes, values)| (codes, values.len()))
            .collect();
        match columns.as_slice() {
            [] => KeyPlan {
                how: KeyHow::Zero,
                rows: vec![(0, Vec::new())],
                table_len: 1,
            },
            [(codes, n)] => KeyPlan {
                how: KeyHow::Single(codes),
                rows: (0..*n as u32).map(|c| (c, vec![c])).collect(),
                table_len: *n,
            },
            _ => {
                let product = columns
                    .iter()
                    .try_fold(1u64, |p, (_, n)| p.checked_mul((*n).max(1) as u64));
                match product {
                    Some(product) if product <= RADIX_LIMIT => {
                        let mut strides = Vec::with_capacity(columns.len());
                        let mut stride = 1u32;
                        for (codes, n) in &columns {
                            strides.push((*codes, stride));
                            stride = stride.saturating_mul((*n).max(1) as u32);
                        }
                        let mut present = vec![false; product as usize];
                        for i in 0..population.len() {
                            let index: u32 = strides.iter().map(|(c, s)| c.get(i) * s).sum();
                            present[index as usize] = true;
                        }
                        let rows = present
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| **p)
                            .map(|(index, _)| {
                                let codes = columns
                                    .iter()
                                    .zip(&strides)
                                    .map(|((_, n), (_, s))| (index as u32 / s) % (*n).max(1) as u32)
                                    .collect();
                                (index as u32, codes)
                            })
                            .collect();
                        KeyPlan {
                            how: KeyHow::Radix(strides),
                            rows,
                            table_len: product as usize,
                        }
                    }
                    _ => {
                        let mut seen: HashMap<Vec<u32>, u32> = HashMap::new();
                        let mut rows = Vec::new();
                        let ids = (0..population.len())
                            .map(|i| {
                                let combination: Vec<u32> =
                                    columns.iter().map(|(c, _)| c.get(i)).collect();
                                let next = seen.len() as u32;
                                *seen.entry(combination.clone()).or_insert_with(|| {
                                    rows.push((next, combination));
                                    next
                                })
                            })
                            .collect();
                        let table_len = rows.len();
                        KeyPlan {
                            how: KeyHow::Interned(ids),
                            rows,
                            table_len,
                        }
                    }
                }
            }
        }
    }

    /// The widest index a record can have, plus one: the length tables are padded to, so
    /// that a gather by a u8 code needs no bounds check.
    fn index_bound(&self) -> usize {
        match &self.how {
            KeyHow::Single(Codes::U8(_)) => 256,
            _ => self.table_len,
        }
    }

    /// Computes a chunk's indices where they are not a column's codes.
    fn fill(&self, start: usize, len: usize, out: &mut Vec<u32>) {
        if let KeyHow::Radix(strides) = &self.how {
            out.clear();
            out.resize(len, 0);
            for (codes, stride) in strides {
                match codes.slice(start, len) {
                    Index::U8(c) => out
                        .iter_mut()
                        .zip(c)
                        .for_each(|(o, c)| *o += u32::from(*c) * stride),
                    Index::U16(c) => out
                        .iter_mut()
                        .zip(c)
                        .for_each(|(o, c)| *o += u32::from(*c) * stride),
                    Index::U32(c) => out.iter_mut().zip(c).for_each(|(o, c)| *o += *c * stride),
                    Index::Zero => {}
                }
            }
        }
    }

    fn index<'a>(&'a self, start: usize, len: usize, filled: &'a [u32]) -> Index<'a> {
        match &self.how {
            KeyHow::Zero => Index::Zero,
            KeyHow::Single(codes) => codes.slice(start, len),
            KeyHow::Radix(_) => Index::U32(&filled[..len]),
            KeyHow::Interned(ids) => Index::U32(&ids[start..start + len]),
        }
    }
}

/// A lookup node's values by row.
enum Table {
    /// Per row: bit 0 true, bit 1 false, neither an error. `few`: for one-byte codes and no
    /// errors, when at most four codes are true (or at most four false, `negated`), those
    /// codes: equality tests vectorise where a table gather does not.
    Bits {
        entries: Vec<u8>,
        errors: bool,
        few: Option<Few>,
    },
    Ints {
        values: Vec<i64>,
        err: Option<Vec<u8>>,
    },
    Doubles {
        values: Vec<f64>,
        err: Option<Vec<u8>>,
    },
    Values(Vec<Option<Value>>),
}

impl Table {
    fn new(kind: Kind, rows: Vec<Option<Value>>, bound: usize) -> Table {
        let pad = bound.max(rows.len());
        match kind {
            Kind::Bits => {
                let mut entries: Vec<u8> = rows
                    .iter()
                    .map(|v| match v {
                        Some(Value::Bool(true)) => 1,
                        Some(Value::Bool(false)) => 2,
                        _ => 0,
                    })
                    .collect();
                let errors = entries.contains(&0);
                let n = entries.len();
                let few = (bound == 256 && !errors && n < 256)
                    .then(|| {
                        let codes = |entry: u8| -> Vec<u8> {
                            (0..n)
                                .filter(|c| entries[*c] == entry)
                                .map(|c| c as u8)
                                .collect()
                        };
                        let (trues, falses) = (codes(1), codes(2));
                        let (set, negated) = if trues.len() <= 4 {
                            (trues, false)
                        } else {
                            (falses, true)
                        };
                        // Unused slots repeat a code, or name one no record has.
                        let fill = set.first().copied().unwrap_or(n as u8);
                        (set.len() <= 4).then(|| Few {
                            codes: std::array::from_fn(|i| set.get(i).copied().unwrap_or(fill)),
                            negated,
                        })
                    })
                    .flatten();
                entries.resize(pad, 0);
                Table::Bits {
                    entries,
                    errors,
                    few,
                }
            }
            Kind::Num => {
                let errors = rows
                    .iter()
                    .any(|v| !matches!(v, Some(Value::Int(_) | Value::Double(_))));
                let err = errors.then(|| {
                    let mut err: Vec<u8> = rows
                        .iter()
                        .map(|v| u8::from(!matches!(v, Some(Value::Int(_) | Value::Double(_)))))
                        .collect();
                    err.resize(pad, 0);
                    err
                });
                if rows.iter().any(|v| matches!(v, Some(Value::Double(_)))) {
                    let mut values: Vec<f64> = rows
                        .iter()
                        .map(|v| match v {
                            Some(Value::Double(d)) => *d,
                            _ => 0.0,
                        })
                        .collect();
                    values.resize(pad, 0.0);
                    Table::Doubles { values, err }
                } else {
                    let mut values: Vec<i64> = rows
                        .iter()
                        .map(|v| match v {
                            Some(Value::Int(i)) => *i,
                            _ => 0,
                        })
                        .collect();
                    values.resize(pad, 0);
                    Table::Ints { values, err }
                }
            }
            Kind::Values => {
                let mut rows = rows;
                rows.resize(pad, None);
                Table::Values(rows)
            }
        }
    }
}

/// The codes for which a condition's table is true (or false, when negated).
struct Few {
    codes: [u8; 4],
    negated: bool,
}

struct Prepared<'p> {
    keys: Vec<KeyPlan<'p>>,
    /// By node: the tables of lookup nodes.
    tables: Vec<Option<Table>>,
}

/// Gathers `table[index[i]]` into `out`.
fn gather<T: Copy + Default>(index: &Index<'_>, table: &[T], out: &mut [T]) {
    match index {
        Index::Zero => out.fill(table.first().copied().unwrap_or_default()),
        Index::U8(codes) => {
            let table: &[T; 256] = match table.get(..256).and_then(|t| t.try_into().ok()) {
                Some(t) => t,
                None => return,
            };
            out.iter_mut()
                .zip(*codes)
                .for_each(|(o, c)| *o = table[usize::from(*c)]);
        }
        Index::U16(codes) => out
            .iter_mut()
            .zip(*codes)
            .for_each(|(o, c)| *o = table[usize::from(*c)]),
        Index::U32(codes) => out
            .iter_mut()
            .zip(*codes)
            .for_each(|(o, c)| *o = table[*c as usize]),
    }
}

/// Looks each record's row up in a table of 2-bit entries (bit 0 true, bit 1 false): `t` from
/// bit 0, and `f` from bit 1 when the table has errors (otherwise the caller derives it).
fn lookup_bits(index: &Index<'_>, entries: &[u8], errors: bool, t: &mut Bits, f: &mut Bits) {
    fn by<C: Copy>(codes: &[C], t: &mut Bits, f: &mut Bits, errors: bool, entry: impl Fn(C) -> u8) {
        pack_map(codes, t, |c| entry(c) & 1 != 0);
        if errors {
            pack_map(codes, f, |c| entry(c) & 2 != 0);
        }
    }
    match index {
        Index::Zero => {
            let e = entries.first().copied().unwrap_or(0);
            *t = [if e & 1 != 0 { !0 } else { 0 }; WORDS];
            *f = [if e & 2 != 0 { !0 } else { 0 }; WORDS];
        }
        Index::U8(codes) => {
            if let Some(table) = entries
                .get(..256)
                .and_then(|t| <&[u8; 256]>::try_from(t).ok())
            {
                by(codes, t, f, errors, |c| table[usize::from(c)]);
            }
        }
        Index::U16(codes) => by(codes, t, f, errors, |c| entries[usize::from(c)]),
        Index::U32(codes) => by(codes, t, f, errors, |c| entries[c as usize]),
    }
}

/// The rules' results for one chunk of firms.
pub struct ChunkResult {
    /// Firms in the chunk.
    pub len: usize,
    eligible: Vec<Bits>,
    /// Firms for which the rule has a value (true or false), not an error.
    decided: Vec<Bits>,
}

impl ChunkResult {
    /// Whether firm `firm` of the chunk satisfies rule `rule`.
    pub fn holds(&self, rule: usize, firm: usize) -> bool {
        self.eligible[rule][firm / 64] >> (firm % 64) & 1 == 1
    }

    /// How many firms of the chunk the rule could not be evaluated for (counted as not eligible).
    pub fn error_count(&self, rule: usize) -> u32 {
        let valid = valid_words(self.len);
        self.decided[rule]
            .iter()
            .zip(valid)
            .map(|(d, v)| (!d & v).count_ones())
            .sum()
    }

    /// How many firms of the chunk satisfy rule `rule`.
    pub fn count(&self, rule: usize) -> u32 {
        self.eligible[rule].iter().map(|w| w.count_ones()).sum()
    }

    /// Calls `f(firm, rule)` for every rule a firm satisfies: firms in order, each firm's rules
    /// in order. The bits are turned firm by firm 64 firms at a time, so the work follows the
    /// pairs found, not firms times rules.
    pub fn for_each_pair(&self, mut f: impl FnMut(usize, usize)) {
        let rules = self.eligible.len();
        let rule_words = rules.div_ceil(64);
        // Per firm of a 64-firm word, its rules as bits.
        let mut masks = vec![0u64; 64 * rule_words];
        for w in 0..WORDS {
            if w * 64 >= self.len {
                break;
            }
            let mut any = 0u64;
            for (rule, bits) in self.eligible.iter().enumerate() {
                let mut word = bits[w];
                any |= word;
                while word != 0 {
                    let firm = word.trailing_zeros() as usize;
                    masks[firm * rule_words + rule / 64] |= 1 << (rule % 64);
                    word &= word - 1;
                }
            }
            while any != 0 {
                let bit = any.trailing_zeros() as usize;
                any &= any - 1;
                let firm = w * 64 + bit;
                for k in 0..rule_words {
                    let slot = &mut masks[bit * rule_words + k];
                    let mut mask = std::mem::take(slot);
                    if firm >= self.len {
                        continue;
                    }
                    while mask != 0 {
                        f(firm, k * 64 + mask.trailing_zeros() as usize);
                        mask &= mask - 1;
                    }
                }
            }
        }
    }

    /// The chunk's firms that satisfy rule `rule`, in order.
    pub fn firms(&self, rule: usize) -> impl Iterator<Item = usize> + '_ {
        self.eligible[rule]
            .iter()
            .enumerate()
            .flat_map(|(w, word)| {
                let mut bits = *word;
                std::iter::from_fn(move || {
                    if bits == 0 {
                        return None;
                    }
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    Some(w * 64 + bit)
                })
            })
    }
}

#[derive(Clone, Default)]
enum Data {
    #[default]
    Empty,
    ConstInt(i64),
    ConstDouble(f64),
    Ints(Vec<i64>),
    Doubles(Vec<f64>),
}

/// A numeric kernel's values for a chunk, and the firms for which it has none (errors).
#[derive(Clone)]
struct NumValues {
    data: Data,
    err: Bits,
}

impl Default for NumValues {
    fn default() -> Self {
        NumValues {
            data: Data::Empty,
            err: [0; WORDS],
        }
    }
}

impl NumValues {
    fn constant(value: i64) -> Self {
        NumValues {
            data: Data::ConstInt(value),
            err: [0; WORDS],
        }
    }

    fn is_double(&self) -> bool {
        matches!(self.data, Data::ConstDouble(_) | Data::Doubles(_))
    }

    fn int_at(&self, i: usize) -> i64 {
        match &self.data {
            Data::ConstInt(v) => *v,
            Data::Ints(values) => values[i],
            _ => 0,
        }
    }

    fn double_at(&self, i: usize) -> f64 {
        match &self.data {
            Data::ConstDouble(v) => *v,
            Data::Doubles(values) => values[i],
            Data::ConstInt(v) => *v as f64,
            Data::Ints(values) => values[i] as f64,
            Data::Empty => 0.0,
        }
    }
}

/// A source of ints for a kernel, 64 records at a time: a vector or a constant, so that each
/// pair is its own loop.
trait IntSource: Copy {
    fn block(&self, w: usize, n: usize) -> &[i64];
}

impl IntSource for &[i64] {
    #[inline(always)]
    fn block(&self, w: usize, n: usize) -> &[i64] {
        &self[w * 64..w * 64 + n]
    }
}

#[derive(Clone, Copy)]
struct Constant([i64; 64]);

impl Constant {
    fn new(c: i64) -> Constant {
        Constant([c; 64])
    }
}

impl IntSource for Constant {
    #[inline(always)]
    fn block(&self, _: usize, n: usize) -> &[i64] {
        &self.0[..n]
    }
}

/// `out[i] = f(x[i], y[i])` with an error bit where `f` says so, 64 records at a time and with
/// no branch per record.
#[inline(always)]
fn int_map(
    x: impl IntSource,
    y: impl IntSource,
    out: &mut [i64],
    err: &mut Bits,
    f: impl Fn(i64, i64) -> (i64, bool),
) {
    for (w, block) in out.chunks_mut(64).enumerate() {
        let n = block.len();
        let (xs, ys) = (x.block(w, n), y.block(w, n));
        let mut bad = [0u8; 64];
        for (((o, b), x), y) in block.iter_mut().zip(bad.iter_mut()).zip(xs).zip(ys) {
            let (v, e) = f(*x, *y);
            *o = v;
            *b = u8::from(e);
        }
        err[w] = pack64(&bad);
    }
}

/// Checked int arithmetic as the interpreter's: an overflow or a zero divisor is an error.
fn int_op(op: BinaryOp, a: &NumValues, b: &NumValues, out: &mut [i64], err: &mut Bits) {
    fn run(op: BinaryOp, x: impl IntSource, y: impl IntSource, out: &mut [i64], err: &mut Bits) {
        match op {
            BinaryOp::Add => int_map(x, y, out, err, i64::overflowing_add),
            BinaryOp::Sub => int_map(x, y, out, err, i64::overflowing_sub),
            BinaryOp::Mul => int_map(x, y, out, err, i64::overflowing_mul),
            BinaryOp::Div => int_map(x, y, out, err, |x, y| {
                let bad = y == 0 || (x == i64::MIN && y == -1);
                (x / if bad { 1 } else { y }, bad)
            }),
            BinaryOp::Rem => int_map(x, y, out, err, |x, y| {
                let bad = y == 0 || (x == i64::MIN && y == -1);
                (x % if bad { 1 } else { y }, bad)
            }),
            _ => int_map(x, y, out, err, |_, _| (0, true)),
        }
    }
    // Division by hardware is slow; for operands below 2^52 a double division truncated is
    // exact (the quotient cannot round across an integer), and vectorises.
    let small = |d: &Data| match d {
        Data::Ints(v) => v
            .iter()
            .fold(true, |ok, x| ok & (x.unsigned_abs() < 1 << 52)),
        Data::ConstInt(c) => c.unsigned_abs() < 1 << 52,
        _ => false,
    };
    if matches!(op, BinaryOp::Div | BinaryOp::Rem) && small(&a.data) && small(&b.data) {
        let divide = move |x: i64, y: i64| {
            let bad = y == 0;
            let q = (x as f64 / if bad { 1.0 } else { y as f64 }) as i64;
            (if op == BinaryOp::Div { q } else { x - q * y }, bad)
        };
        match (&a.data, &b.data) {
            (Data::Ints(x), Data::Ints(y)) => int_map(x.as_slice(), y.as_slice(), out, err, divide),
            (Data::Ints(x), Data::ConstInt(c)) => {
                int_map(x.as_slice(), Constant::new(*c), out, err, divide)
            }
            (Data::ConstInt(c), Data::Ints(y)) => {
                int_map(Constant::new(*c), y.as_slice(), out, err, divide)
            }
            (Data::ConstInt(c), Data::ConstInt(d)) => {
                int_map(Constant::new(*c), Constant::new(*d), out, err, divide)
            }
            _ => {}
        }
        return;
    }
    match (&a.data, &b.data) {
        (Data::Ints(x), Data::Ints(y)) => run(op, x.as_slice(), y.as_slice(), out, err),
        (Data::Ints(x), Data::ConstInt(c)) => run(op, x.as_slice(), Constant::new(*c), out, err),
        (Data::ConstInt(c), Data::Ints(y)) => run(op, Constant::new(*c), y.as_slice(), out, err),
        (Data::ConstInt(c), Data::ConstInt(d)) => {
            run(op, Constant::new(*c), Constant::new(*d), out, err)
        }
        _ => {
            out.fill(0);
            *err = valid_words(out.len());
        }
    }
}

/// A source of doubles for a kernel: doubles, ints converted, or a constant; read 64 records
/// at a time into a buffer, so that the kernel's own loop has no bounds to check.
trait DoubleSource: Copy {
    fn fill(self, w: usize, out: &mut [f64]);
}

impl DoubleSource for &[f64] {
    #[inline(always)]
    fn fill(self, w: usize, out: &mut [f64]) {
        out.copy_from_slice(&self[w * 64..w * 64 + out.len()]);
    }
}

#[derive(Clone, Copy)]
struct Widened<'a>(&'a [i64]);

impl DoubleSource for Widened<'_> {
    #[inline(always)]
    fn fill(self, w: usize, out: &mut [f64]) {
        let n = out.len();
        for (o, v) in out.iter_mut().zip(&self.0[w * 64..w * 64 + n]) {
            *o = *v as f64;
        }
    }
}

#[derive(Clone, Copy)]
struct DoubleConstant(f64);

impl DoubleSource for DoubleConstant {
    #[inline(always)]
    fn fill(self, _: usize, out: &mut [f64]) {
        out.fill(self.0);
    }
}

/// `out[i] = f(a[i], b[i])` over doubles (ints converted), one loop per pair of sources.
fn double_kernel(
    a: &NumValues,
    b: &NumValues,
    out: &mut [f64],
    f: impl Fn(f64, f64) -> f64 + Copy,
) {
    #[inline(always)]
    fn run(
        x: impl DoubleSource,
        y: impl DoubleSource,
        out: &mut [f64],
        f: impl Fn(f64, f64) -> f64,
    ) {
        let (mut xs, mut ys) = ([0.0; 64], [0.0; 64]);
        for (w, block) in out.chunks_mut(64).enumerate() {
            let n = block.len();
            x.fill(w, &mut xs[..n]);
            y.fill(w, &mut ys[..n]);
            for ((o, x), y) in block.iter_mut().zip(&xs[..n]).zip(&ys[..n]) {
                *o = f(*x, *y);
            }
        }
    }
    #[inline(always)]
    fn second(x: impl DoubleSource, b: &NumValues, out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
        match &b.data {
            Data::Doubles(y) => run(x, y.as_slice(), out, f),
            Data::Ints(y) => run(x, Widened(y), out, f),
            Data::ConstInt(c) => run(x, DoubleConstant(*c as f64), out, f),
            Data::ConstDouble(c) => run(x, DoubleConstant(*c), out, f),
            Data::Empty => run(x, DoubleConstant(0.0), out, f),
        }
    }
    match &a.data {
        Data::Doubles(x) => second(x.as_slice(), b, out, f),
        Data::Ints(x) => second(Widened(x), b, out, f),
        Data::ConstInt(c) => second(DoubleConstant(*c as f64), b, out, f),
        Data::ConstDouble(c) => second(DoubleConstant(*c), b, out, f),
        Data::Empty => second(DoubleConstant(0.0), b, out, f),
    }
}

/// `out[i] = c[i] ? x[i] : y[i]` over ints.
#[inline(always)]
fn select(c: &Bits, out: &mut [i64], x: impl IntSource, y: impl IntSource) {
    for (w, block) in out.chunks_mut(64).enumerate() {
        let n = block.len();
        let bits = c[w];
        for (j, (o, (x, y))) in block
            .iter_mut()
            .zip(x.block(w, n).iter().zip(y.block(w, n)))
            .enumerate()
        {
            let pick = (bits >> j & 1).wrapping_neg() as i64;
            *o = x & pick | y & !pick;
        }
    }
}

/// `out[i] = c[i] ? a[i] : b[i]` over doubles (ints converted), one loop per pair of sources.
fn double_select(c: &Bits, a: &NumValues, b: &NumValues, out: &mut [f64]) {
    #[inline(always)]
    fn run(c: &Bits, x: impl DoubleSource, y: impl DoubleSource, out: &mut [f64]) {
        let (mut xs, mut ys) = ([0.0; 64], [0.0; 64]);
        for (w, block) in out.chunks_mut(64).enumerate() {
            let n = block.len();
            x.fill(w, &mut xs[..n]);
            y.fill(w, &mut ys[..n]);
            let bits = c[w];
            for (j, (o, (x, y))) in block
                .iter_mut()
                .zip(xs[..n].iter().zip(&ys[..n]))
                .enumerate()
            {
                let pick = (bits >> j & 1).wrapping_neg();
                *o = f64::from_bits(x.to_bits() & pick | y.to_bits() & !pick);
            }
        }
    }
    #[inline(always)]
    fn second(c: &Bits, x: impl DoubleSource, b: &NumValues, out: &mut [f64]) {
        match &b.data {
            Data::Doubles(y) => run(c, x, y.as_slice(), out),
            Data::Ints(y) => run(c, x, Widened(y), out),
            Data::ConstInt(k) => run(c, x, DoubleConstant(*k as f64), out),
            Data::ConstDouble(k) => run(c, x, DoubleConstant(*k), out),
            Data::Empty => run(c, x, DoubleConstant(0.0), out),
        }
    }
    match &a.data {
        Data::Doubles(x) => second(c, x.as_slice(), b, out),
        Data::Ints(x) => second(c, Widened(x), b, out),
        Data::ConstInt(k) => second(c, DoubleConstant(*k as f64), b, out),
        Data::ConstDouble(k) => second(c, DoubleConstant(*k), b, out),
        Data::Empty => second(c, DoubleConstant(0.0), b, out),
    }
}

fn take_ints(data: &mut Data, len: usize) -> Vec<i64> {
    // Every kernel writes each of the chunk's values (or marks it an error), so the old
    // contents need no clearing.
    let mut values = match std::mem::take(data) {
        Data::Ints(v) => v,
        _ => Vec::with_capacity(CHUNK),
    };
    values.resize(len, 0);
    values
}

fn take_doubles(data: &mut Data, len: usize) -> Vec<f64> {
    let mut values = match std::mem::take(data) {
        Data::Doubles(v) => v,
        _ => Vec::with_capacity(CHUNK),
    };
    values.resize(len, 0.0);
    values
}

/// One thread's working memory for a chunk: the slots of bitsets, numbers and values, and the
/// chunk's indices for keys of several fields.
struct ChunkState {
    nums: Vec<NumValues>,
    t: Vec<Bits>,
    f: Vec<Bits>,
    values: Vec<Vec<Option<Value>>>,
    keys: Vec<Vec<u32>>,
}

impl ChunkState {
    fn new(slots: [usize; 3], keys: usize) -> Self {
        ChunkState {
            t: vec![[0; WORDS]; slots[0]],
            f: vec![[0; WORDS]; slots[0]],
            nums: vec![NumValues::default(); slots[1]],
            values: vec![Vec::new(); slots[2]],
            keys: vec![Vec::new(); keys],
        }
    }

    fn bits_mut(&mut self, slot: usize) -> (&mut Bits, &mut Bits) {
        (&mut self.t[slot], &mut self.f[slot])
    }
}

fn valid_words(len: usize) -> Bits {
    let mut valid = [0u64; WORDS];
    for (w, word) in valid.iter_mut().enumerate() {
        let lo = w * 64;
        *word = if len >= lo + 64 {
            u64::MAX
        } else if len > lo {
            (1u64 << (len - lo)) - 1
        } else {
            0
        };
    }
    valid
}

/// Packs 64 bytes of 0 or 1 into a word, eight at a time by one multiplication.
#[inline(always)]
fn pack64(bytes: &[u8; 64]) -> u64 {
    let mut bits = 0u64;
    for k in 0..8 {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&bytes[k * 8..k * 8 + 8]);
        let b = u64::from_le_bytes(eight);
        bits |= (b.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (k * 8);
    }
    bits
}

/// `t`'s bit `i` = `test(x[i])`; the words past `x` are cleared. The test fills 64 bytes that
/// the compiler vectorises, then they are packed.
#[inline(always)]
fn pack_map<T: Copy>(x: &[T], t: &mut Bits, test: impl Fn(T) -> bool) {
    let mut chunks = x.chunks_exact(64);
    let mut w = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 64];
        for (b, v) in bytes.iter_mut().zip(chunk) {
            *b = u8::from(test(*v));
        }
        t[w] = pack64(&bytes);
        w += 1;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut bytes = [0u8; 64];
        for (b, v) in bytes.iter_mut().zip(rest) {
            *b = u8::from(test(*v));
        }
        t[w] = pack64(&bytes);
        w += 1;
    }
    for word in &mut t[w..] {
        *word = 0;
    }
}

/// `t`'s bit `i` = `test(x[i], y[i])`.
#[inline(always)]
fn pack_zip<T: Copy, U: Copy>(x: &[T], y: &[U], t: &mut Bits, test: impl Fn(T, U) -> bool) {
    let len = x.len().min(y.len());
    let mut w = 0;
    while w * 64 < len {
        let base = w * 64;
        let n = (len - base).min(64);
        let mut bytes = [0u8; 64];
        for (b, (x, y)) in bytes[..n]
            .iter_mut()
            .zip(x[base..base + n].iter().zip(&y[base..base + n]))
        {
            *b = u8::from(test(*x, *y));
        }
        t[w] = pack64(&bytes);
        w += 1;
    }
    for word in &mut t[w..] {
        *word = 0;
    }
}

/// The records of an int column, in its stored width, for which `x op c` holds. Every
/// comparison with a constant is a range `lo..=hi` (or its complement), clamped to the width.
fn compare_column(op: BinaryOp, ints: &Ints, c: i64, start: usize, len: usize, t: &mut Bits) {
    let c = i128::from(c);
    let (lo, hi, negate) = match op {
        BinaryOp::Eq => (c, c, false),
        BinaryOp::Ne => (c, c, true),
        BinaryOp::Lt => (i128::MIN, c - 1, false),
        BinaryOp::Le => (i128::MIN, c, false),
        BinaryOp::Gt => (c + 1, i128::MAX, false),
        BinaryOp::Ge => (c, i128::MAX, false),
        _ => (1, 0, false),
    };
    fn range<T: Copy + PartialOrd + TryFrom<i128> + Into<i64>>(
        x: &[T],
        lo: i128,
        hi: i128,
        negate: bool,
        (min, max): (T, T),
        t: &mut Bits,
    ) {
        let (tmin, tmax) = (i128::from(min.into()), i128::from(max.into()));
        let (lo, hi) = (lo.max(tmin), hi.min(tmax));
        if lo > hi {
            // No value of the width is in the range.
            let word = if negate { !0 } else { 0 };
            let valid = valid_words(x.len());
            for w in 0..WORDS {
                t[w] = word & valid[w];
            }
            return;
        }
        let (lower, upper) = (lo > tmin, hi < tmax);
        let (Ok(lo), Ok(hi)) = (T::try_from(lo), T::try_from(hi)) else {
            return;
        };
        // One bound where the other is the width's own: one comparison per value.
        match (lower, upper) {
            (false, false) => pack_map(x, t, |_| !negate),
            (false, true) => pack_map(x, t, |v| (v <= hi) != negate),
            (true, false) => pack_map(x, t, |v| (v >= lo) != negate),
            (true, true) => pack_map(x, t, |v| (lo <= v && v <= hi) != negate),
        }
    }
    let end = start + len;
    match ints {
        Ints::I8(v) => range(&v[start..end], lo, hi, negate, (i8::MIN, i8::MAX), t),
        Ints::I16(v) => range(&v[start..end], lo, hi, negate, (i16::MIN, i16::MAX), t),
        Ints::I32(v) => range(&v[start..end], lo, hi, negate, (i32::MIN, i32::MAX), t),
        Ints::I64(v) => range(&v[start..end], lo, hi, negate, (i64::MIN, i64::MAX), t),
    }
}

/// Compares two numeric kernels into the bitset of records for which the comparison holds
/// (errors are masked by the caller). Mixed int and double compare as doubles, as the
/// interpreter does; NaN is unordered.
fn compare(op: BinaryOp, a: &NumValues, b: &NumValues, len: usize, t: &mut Bits) {
    fn by<T: Copy + PartialOrd>(op: BinaryOp, x: &[T], y: &[T], t: &mut Bits) {
        match op {
            BinaryOp::Eq => pack_zip(x, y, t, |a, b| a == b),
            BinaryOp::Ne => pack_zip(x, y, t, |a, b| a != b),
            BinaryOp::Lt => pack_zip(x, y, t, |a, b| a < b),
            BinaryOp::Le => pack_zip(x, y, t, |a, b| a <= b),
            BinaryOp::Gt => pack_zip(x, y, t, |a, b| a > b),
            BinaryOp::Ge => pack_zip(x, y, t, |a, b| a >= b),
            _ => *t = [0; WORDS],
        }
    }
    fn with<T: Copy + PartialOrd>(op: BinaryOp, x: &[T], c: T, t: &mut Bits) {
        match op {
            BinaryOp::Eq => pack_map(x, t, |a| a == c),
            BinaryOp::Ne => pack_map(x, t, |a| a != c),
            BinaryOp::Lt => pack_map(x, t, |a| a < c),
            BinaryOp::Le => pack_map(x, t, |a| a <= c),
            BinaryOp::Gt => pack_map(x, t, |a| a > c),
            BinaryOp::Ge => pack_map(x, t, |a| a >= c),
            _ => *t = [0; WORDS],
        }
    }
    fn scalar<T: PartialOrd>(op: BinaryOp, a: T, b: T) -> bool {
        match op {
            BinaryOp::Eq => a == b,
            BinaryOp::Ne => a != b,
            BinaryOp::Lt => a < b,
            BinaryOp::Le => a <= b,
            BinaryOp::Gt => a > b,
            BinaryOp::Ge => a >= b,
            _ => false,
        }
    }
    match (&a.data, &b.data) {
        (Data::Ints(x), Data::Ints(y)) => by(op, x, y, t),
        (Data::Ints(x), Data::ConstInt(c)) => with(op, x, *c, t),
        (Data::ConstInt(c), Data::Ints(y)) => with(op.flipped(), y, *c, t),
        (Data::Doubles(x), Data::Doubles(y)) => by(op, x, y, t),
        (Data::Doubles(x), Data::ConstDouble(c)) => with(op, x, *c, t),
        (Data::ConstDouble(c), Data::Doubles(y)) => with(op.flipped(), y, *c, t),
        (Data::Doubles(x), Data::ConstInt(c)) => with(op, x, *c as f64, t),
        (Data::ConstInt(c), Data::Doubles(y)) => with(op.flipped(), y, *c as f64, t),
        (Data::ConstInt(c), Data::ConstInt(d)) => {
            *t = if scalar(op, c, d) {
                valid_words(len)
            } else {
                [0; WORDS]
            };
        }
        (Data::Empty, _) | (_, Data::Empty) => *t = [0; WORDS],
        _ => {
            let mut bytes = vec![0u8; len];
            for (i, byte) in bytes.iter_mut().enumerate() {
                *byte = u8::from(scalar(op, a.double_at(i), b.double_at(i)));
            }
            pack_map(&bytes, t, |b| b == 1);
        }
    }
}

struct Compiler<S: Schema> {
    nodes: Vec<Node>,
    index: HashMap<Node, NodeId>,
    exprs: HashMap<String, Expr>,
    keys: Vec<Vec<usize>>,
    key_index: HashMap<Vec<usize>, KeyId>,
    schema: PhantomData<fn() -> S>,
}

/// A synthetic expression with the span of the one it stands for.
fn synthetic(kind: ExprKind, like: &Expr) -> Expr {
    Expr {
        kind,
        span: like.span.clone(),
    }
}

impl<S: Schema> Compiler<S> {
    fn add(&mut self, node: Node) -> NodeId {
        if let Some(id) = self.index.get(&node) {
            return *id;
        }
        let id = self.nodes.len();
        self.nodes.push(node.clone());
        self.index.insert(node, id);
        id
    }

    fn type_of(expr: &Expr) -> Type {
        types::type_of::<S>(expr).unwrap_or(Type::Any)
    }

    /// The key and canonical text of an expression that reads only dictionary-encoded fields
    /// (or none): such an expression is a table.
    fn table(&mut self, expr: &Expr) -> Option<(KeyId, String)> {
        let mut fields = Vec::new();
        super::collect_fields::<S>(expr, &mut fields);
        if !fields.iter().all(|f| coded::<S>(*f)) {
            return None;
        }
        let mut positions: Vec<usize> = fields.iter().map(|f| position::<S>(*f)).collect();
        positions.sort_unstable();
        let next = self.keys.len();
        let key = *self.key_index.entry(positions.clone()).or_insert(next);
        if key == next {
            self.keys.push(positions);
        }
        let text = super::expr_to_string(expr);
        self.exprs
            .entry(text.clone())
            .or_insert_with(|| expr.clone());
        Some((key, text))
    }

    /// Compiles a condition into a kernel of bits.
    fn boolean(&mut self, expr: &Expr) -> NodeId {
        match &expr.kind {
            ExprKind::Binary(BinaryOp::And, a, b) => {
                let (a, b) = (self.boolean(a), self.boolean(b));
                return self.add(Node::And(a, b));
            }
            ExprKind::Binary(BinaryOp::Or, a, b) => {
                let (a, b) = (self.boolean(a), self.boolean(b));
                return self.add(Node::Or(a, b));
            }
            ExprKind::Unary(UnaryOp::Not, a) => {
                let a = self.boolean(a);
                return self.add(Node::Not(a));
            }
            _ => {}
        }
        if let Some((key, text)) = self.table(expr) {
            return self.add(Node::Lookup(key, text));
        }
        if let Some(pushed) = self.select_of_comparisons(expr) {
            return pushed;
        }
        match &expr.kind {
            ExprKind::Conditional(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.boolean(a), self.boolean(b));
                self.add(Node::Select(c, a, b))
            }
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let (ta, tb) = (Self::type_of(a), Self::type_of(b));
                let numeric = |t: &Type| matches!(t, Type::Int | Type::Double);
                if numeric(&ta) && numeric(&tb) {
                    if let Some(node) = self.column_constant(*op, a, b) {
                        return node;
                    }
                    let (a, b) = (self.numeric(a), self.numeric(b));
                    self.add(Node::Compare(*op, a, b))
                } else if ta == Type::Bool && tb == Type::Bool {
                    let (a, b) = (self.boolean(a), self.boolean(b));
                    let same = self.add(Node::Same(a, b));
                    match op {
                        BinaryOp::Ne => self.add(Node::Not(same)),
                        _ => same,
                    }
                } else {
                    self.per_record_bool(expr)
                }
            }
            ExprKind::Binary(BinaryOp::In, x, list) => match &list.kind {
                ExprKind::List(items) if !items.is_empty() => {
                    let checks = items
                        .iter()
                        .map(|item| {
                            let eq =
                                ExprKind::Binary(BinaryOp::Eq, x.clone(), Box::new(item.clone()));
                            self.boolean(&synthetic(eq, expr))
                        })
                        .collect::<Vec<_>>();
                    match checks.as_slice() {
                        [one] => *one,
                        _ => self.add(Node::AnyOf(checks)),
                    }
                }
                _ => self.per_record_bool(expr),
            },
            _ => self.per_record_bool(expr),
        }
    }

    /// A comparison (or `in`) with a `?:` operand as a select of comparisons:
    /// `x < (c ? a : b)` is `c ? x < a : x < b`, so that each branch compares with what it
    /// has (often a constant: a threshold kernel) and the select is over bits. The errors are
    /// the same: the condition's, then the chosen branch's or the other operand's.
    fn select_of_comparisons(&mut self, expr: &Expr) -> Option<NodeId> {
        let ExprKind::Binary(op, left, right) = &expr.kind else {
            return None;
        };
        if !(op.is_comparison() || *op == BinaryOp::In) {
            return None;
        }
        let (c, a, b) = match (&left.kind, &right.kind) {
            (ExprKind::Conditional(c, x, y), _) => (
                c,
                synthetic(ExprKind::Binary(*op, x.clone(), right.clone()), expr),
                synthetic(ExprKind::Binary(*op, y.clone(), right.clone()), expr),
            ),
            (_, ExprKind::Conditional(c, x, y)) => (
                c,
                synthetic(ExprKind::Binary(*op, left.clone(), x.clone()), expr),
                synthetic(ExprKind::Binary(*op, left.clone(), y.clone()), expr),
            ),
            _ => return None,
        };
        let (c, a, b) = (self.boolean(c), self.boolean(&a), self.boolean(&b));
        Some(self.add(Node::Select(c, a, b)))
    }

    /// `firm.<int field> <op> <int literal>` (either way round), read in the column's width.
    fn column_constant(&mut self, op: BinaryOp, a: &Expr, b: &Expr) -> Option<NodeId> {
        let int_field = |e: &Expr| field_of::<S>(e).filter(|f| S::field_type(*f) == Type::Int);
        let literal = |e: &Expr| match &e.kind {
            ExprKind::Int(i) => Some(*i),
            ExprKind::Unary(UnaryOp::Neg, inner) => match inner.kind {
                ExprKind::Int(i) => i.checked_neg(),
                _ => None,
            },
            _ => None,
        };
        let (field, op, c) = match (int_field(a), literal(b), int_field(b), literal(a)) {
            (Some(f), Some(c), _, _) => (f, op, c),
            (_, _, Some(f), Some(c)) => (f, op.flipped(), c),
            _ => return None,
        };
        Some(self.add(Node::CompareColumn(op, position::<S>(field), c)))
    }

    fn per_record_bool(&mut self, expr: &Expr) -> NodeId {
        let values = self.operation(expr);
        self.add(Node::FromValues(values))
    }

    /// Compiles a numeric expression into a vector kernel.
    fn numeric(&mut self, expr: &Expr) -> NodeId {
        let ty = Self::type_of(expr);
        if let Some((key, text)) = self.table(expr) {
            // A constant stays a scalar.
            if let Some(value) = self.constant(expr) {
                return self.add(Node::Num(value));
            }
            return self.add(Node::Num(Num::Lookup(key, text)));
        }
        let num = match &expr.kind {
            ExprKind::Select(..) => match field_of::<S>(expr) {
                Some(field) => Num::Column(position::<S>(field)),
                None => Num::FromValues(self.operation(expr)),
            },
            ExprKind::Unary(UnaryOp::Neg, a) => {
                let a = self.numeric(a);
                if ty == Type::Int {
                    Num::NegInt(a)
                } else {
                    Num::NegDouble(a)
                }
            }
            ExprKind::Binary(
                op
                @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem),
                a,
                b,
            ) => {
                let (a, b) = (self.numeric(a), self.numeric(b));
                if ty == Type::Int {
                    Num::IntOp(*op, a, b)
                } else {
                    Num::DoubleOp(*op, a, b)
                }
            }
            ExprKind::Conditional(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.numeric(a), self.numeric(b));
                Num::Select(c, a, b)
            }
            ExprKind::Call(name, args) if args.len() == 1 => {
                match (name.as_str(), Self::type_of(&args[0])) {
                    ("double", Type::Int) => Num::ToDouble(self.numeric(&args[0])),
                    ("double", Type::Double) | ("int", Type::Int) => return self.numeric(&args[0]),
                    ("int", Type::Double) => Num::ToInt(self.numeric(&args[0])),
                    _ => Num::FromValues(self.operation(expr)),
                }
            }
            _ => Num::FromValues(self.operation(expr)),
        };
        self.add(Node::Num(num))
    }

    /// The value of an expression that reads no field, as a numeric kernel, when it has one.
    fn constant(&self, expr: &Expr) -> Option<Num> {
        let mut fields = Vec::new();
        super::collect_fields::<S>(expr, &mut fields);
        if !fields.is_empty() {
            return None;
        }
        match eval::eval_in::<S>(expr, &|_| Value::Bool(false)) {
            Ok(Value::Int(i)) => Some(Num::Int(i)),
            Ok(Value::Double(d)) => Some(Num::Double(d.to_bits())),
            _ => None,
        }
    }

    /// Compiles any expression into a kernel of per-record values.
    fn value(&mut self, expr: &Expr) -> NodeId {
        if let Some((key, text)) = self.table(expr) {
            return self.add(Node::Values(Values::Lookup(key, text)));
        }
        match Self::type_of(expr) {
            Type::Bool => {
                let bits = self.boolean(expr);
                self.add(Node::Values(Values::FromBits(bits)))
            }
            Type::Int | Type::Double => {
                let num = self.numeric(expr);
                self.add(Node::Values(Values::FromNum(num)))
            }
            _ => self.operation(expr),
        }
    }

    /// The expression's own operator over per-record values of its operands.
    fn operation(&mut self, expr: &Expr) -> NodeId {
        if let Some((key, text)) = self.table(expr) {
            return self.add(Node::Values(Values::Lookup(key, text)));
        }
        let values = match &expr.kind {
            ExprKind::Call(name, args) if args.len() == 1 => {
                Values::Call(name.clone(), self.value(&args[0]))
            }
            ExprKind::Method(target, name, args) => {
                let target = self.value(target);
                let args = args.iter().map(|a| self.value(a)).collect();
                Values::Method(name.clone(), target, args)
            }
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.value(a), self.value(b));
                Values::Binary(*op, a, b)
            }
            ExprKind::Conditional(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.value(a), self.value(b));
                Values::Select(c, a, b)
            }
            ExprKind::List(items) => Values::List(items.iter().map(|i| self.value(i)).collect()),
            ExprKind::Unary(..) | ExprKind::Select(..) => {
                // Numbers and conditions: their own kernels, as values.
                return match Self::type_of(expr) {
                    Type::Bool => {
                        let bits = self.boolean(expr);
                        self.add(Node::Values(Values::FromBits(bits)))
                    }
                    _ => {
                        let num = self.numeric(expr);
                        self.add(Node::Values(Values::FromNum(num)))
                    }
                };
            }
            // Refused by the type checker: an error for every record, as the interpreter has it.
            _ => Values::Error,
        };
        self.add(Node::Values(values))
    }
}

#[cfg(test)]
mod tests;
