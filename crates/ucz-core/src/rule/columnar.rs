//! Column-wise evaluation of many rules over a whole firm population.
//!
//! Rules are compiled into one graph of kernels with common sub-expressions shared across rules
//! (`firm.stage == "early"` is computed once for every rule that tests it). The population is cut
//! into chunks of [`CHUNK`] firms; for each chunk every kernel fills two bitsets — the firms for
//! which its value is `true` and those for which it is `false`; a firm in neither is an error. With
//! these, `&&`, `||` and `!` are word-wide bit operations that keep CEL's error absorption:
//! `t = a.t & b.t, f = a.f | b.f` for `&&`, and the dual for `||`.
//!
//! Kernels:
//! - numeric expressions over int fields, literals, `+ - * / %`, `double()`, `int()` and
//!   `c ? x : y` become vectors (with an error bitset), and comparisons of them become bitsets;
//! - `c ? a : b` over conditions is a select of bitsets: `t = c.t & a.t | c.f & b.t`, and an
//!   error in `c` is an error of the whole, as the interpreter has it;
//! - a condition that reads a single categorical field (stage, sector, region, zone, a flag, the
//!   designations) is evaluated once per distinct value of that field in the population, then
//!   looked up per firm;
//! - anything else falls back to the interpreter, firm by firm, so every rule can be compiled.

// Word loops index several bitsets in step; an index reads better than zipped iterators.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::eval::{self, Value, double_to_int, int_arithmetic};
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

/// One field of a population, laid out as a column.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// An int field's values, one per record.
    Ints(Vec<i64>),
    /// Any other field, dictionary-encoded: each record's code, an index into `values`, the
    /// field's distinct values.
    Codes { codes: Vec<u32>, values: Vec<Value> },
}

impl Column {
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

/// A population of records (firms unless said otherwise) laid out by column: only the fields
/// rules read, and no record kept, so that millions of firms fit in a few columns.
pub struct Population<S: Schema = FirmSchema> {
    len: usize,
    /// By the field's position in `S::fields()`; `None` for a field not loaded.
    columns: Vec<Option<Column>>,
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
        let mut columns: Vec<Option<Column>> = vec![None; S::fields().len()];
        for field in fields.iter().copied() {
            let column = if S::field_type(field) == Type::Int {
                Column::Ints(records.iter().map(|r| S::int(r, field)).collect())
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
                Column::Codes { codes, values }
            };
            columns[position::<S>(field)] = Some(column);
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
        let mut by_position: Vec<Option<Column>> = vec![None; S::fields().len()];
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
                    if let Some(code) = codes.iter().find(|c| **c as usize >= values.len()) {
                        return Err(ColumnError::Code {
                            field: name,
                            code: *code,
                        });
                    }
                }
                _ => return Err(ColumnError::Kind { field: name }),
            }
            by_position[position::<S>(field)] = Some(column);
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
                Column::Ints(v) => v.len() * 8,
                Column::Codes { codes, values } => {
                    codes.len() * 4 + values.len() * std::mem::size_of::<Value>()
                }
            })
            .sum()
    }

    fn ints(&self, position: usize) -> &[i64] {
        match self.columns.get(position) {
            Some(Some(Column::Ints(v))) => v,
            _ => &[],
        }
    }

    fn codes(&self, position: usize) -> (&[u32], &[Value]) {
        match self.columns.get(position) {
            Some(Some(Column::Codes { codes, values })) => (codes, values),
            _ => (&[], &[]),
        }
    }

    /// Record `i`'s value of a field, for the interpreter (fallback kernels).
    fn value(&self, field: S::Field, i: usize) -> Value {
        let position = position::<S>(field);
        match self.columns.get(position) {
            Some(Some(Column::Ints(v))) => Value::Int(v[i]),
            Some(Some(Column::Codes { codes, values })) => values[codes[i] as usize].clone(),
            // `run` checks every field a rule reads is loaded.
            _ => Value::Bool(false),
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

type NodeId = usize;

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
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Num(Num),
    /// A comparison of two numeric nodes.
    Compare(BinaryOp, NodeId, NodeId),
    /// A condition on one categorical field (by position), looked up by the field's dictionary
    /// code.
    Categorical(usize, String),
    And(NodeId, NodeId),
    Or(NodeId, NodeId),
    Not(NodeId),
    /// `c ? a : b` over conditions.
    Select(NodeId, NodeId, NodeId),
    /// An expression that reads no field: one value for every firm.
    Const(String),
    /// Evaluated by the interpreter firm by firm.
    Fallback(String),
}

/// Rules compiled together.
pub struct Matcher<S: Schema = FirmSchema> {
    nodes: Vec<Node>,
    /// The syntax of `Categorical` and `Fallback` nodes, by their canonical text.
    exprs: HashMap<String, Expr>,
    roots: Vec<NodeId>,
    schema: PhantomData<fn() -> S>,
}

impl<S: Schema> Matcher<S> {
    pub fn compile(rules: &[Rule<S>]) -> Matcher<S> {
        let mut compiler = Compiler::<S> {
            nodes: Vec::new(),
            index: HashMap::new(),
            exprs: HashMap::new(),
            schema: PhantomData,
        };
        let roots = rules.iter().map(|r| compiler.boolean(r.expr())).collect();
        Matcher {
            nodes: compiler.nodes,
            exprs: compiler.exprs,
            roots,
            schema: PhantomData,
        }
    }

    /// How many kernels the rules share after common sub-expressions are merged.
    pub fn kernel_count(&self) -> usize {
        self.nodes.len()
    }

    /// How many kernels fall back to the interpreter.
    pub fn fallback_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Fallback(_)))
            .count()
    }

    pub fn rule_count(&self) -> usize {
        self.roots.len()
    }

    /// The fields the rules read: the columns a population needs.
    pub fn fields(&self) -> Vec<S::Field> {
        let mut fields = Vec::new();
        for node in &self.nodes {
            match node {
                Node::Num(Num::Column(position)) | Node::Categorical(position, _) => {
                    fields.push(S::fields()[*position]);
                }
                Node::Fallback(key) => {
                    if let Some(expr) = self.exprs.get(key) {
                        super::collect_fields::<S>(expr, &mut fields);
                    }
                }
                _ => {}
            }
        }
        fields.sort();
        fields.dedup();
        fields
    }

    /// The first field the rules read that the population lacks.
    fn missing(&self, population: &Population<S>) -> Option<ColumnError> {
        self.fields()
            .into_iter()
            .find(|f| !population.has(*f))
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
        let tables = self.tables(population);
        let chunks = population.len().div_ceil(CHUNK);
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                scope.spawn(|| {
                    let mut state = ChunkState::new(self.nodes.len());
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
                        self.evaluate_chunk(population, &tables, start, len, &mut state);
                        result.len = len;
                        for (rule, root) in self.roots.iter().enumerate() {
                            result.eligible[rule] = state.t[*root];
                            result.decided[rule] = state.t[*root];
                            for w in 0..WORDS {
                                result.decided[rule][w] |= state.f[*root][w];
                            }
                        }
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

    /// For each categorical node, its value (0 false, 1 true, 2 error) per dictionary code; for
    /// each constant, its one value.
    fn tables(&self, population: &Population<S>) -> HashMap<NodeId, Vec<u8>> {
        let decide = |value: Result<Value, eval::EvalError>| match value {
            Ok(Value::Bool(false)) => 0,
            Ok(Value::Bool(true)) => 1,
            _ => 2,
        };
        let mut tables = HashMap::new();
        for (id, node) in self.nodes.iter().enumerate() {
            match node {
                Node::Categorical(field, key) => {
                    let Some(expr) = self.exprs.get(key) else {
                        continue;
                    };
                    let (_, values) = population.codes(*field);
                    let table = values
                        .iter()
                        .map(|value| decide(eval::eval_in::<S>(expr, &|_| value.clone())))
                        .collect();
                    tables.insert(id, table);
                }
                Node::Const(key) => {
                    if let Some(expr) = self.exprs.get(key) {
                        let value = eval::eval_in::<S>(expr, &|_| Value::Bool(false));
                        tables.insert(id, vec![decide(value)]);
                    }
                }
                _ => {}
            }
        }
        tables
    }

    fn evaluate_chunk(
        &self,
        population: &Population<S>,
        tables: &HashMap<NodeId, Vec<u8>>,
        start: usize,
        len: usize,
        state: &mut ChunkState,
    ) {
        let valid = valid_words(len);
        for (id, node) in self.nodes.iter().enumerate() {
            match node {
                Node::Num(num) => self.numeric(num, id, population, start, len, state),
                Node::Compare(op, a, b) => {
                    let (t, f) = compare(*op, &state.nums[*a], &state.nums[*b], len);
                    state.t[id] = t;
                    state.f[id] = f;
                }
                Node::Categorical(field, _) => {
                    let (mut t, mut f) = ([0u64; WORDS], [0u64; WORDS]);
                    let (codes, _) = population.codes(*field);
                    if let Some(table) = tables.get(&id) {
                        for (i, code) in codes[start..start + len].iter().enumerate() {
                            match table[*code as usize] {
                                0 => f[i / 64] |= 1 << (i % 64),
                                1 => t[i / 64] |= 1 << (i % 64),
                                _ => {}
                            }
                        }
                    }
                    state.t[id] = t;
                    state.f[id] = f;
                }
                Node::And(a, b) => {
                    for w in 0..WORDS {
                        state.t[id][w] = state.t[*a][w] & state.t[*b][w];
                        state.f[id][w] = state.f[*a][w] | state.f[*b][w];
                    }
                }
                Node::Or(a, b) => {
                    for w in 0..WORDS {
                        state.t[id][w] = state.t[*a][w] | state.t[*b][w];
                        state.f[id][w] = state.f[*a][w] & state.f[*b][w];
                    }
                }
                Node::Not(a) => {
                    state.t[id] = state.f[*a];
                    state.f[id] = state.t[*a];
                }
                Node::Select(c, a, b) => {
                    for w in 0..WORDS {
                        let (ct, cf) = (state.t[*c][w], state.f[*c][w]);
                        state.t[id][w] = ct & state.t[*a][w] | cf & state.t[*b][w];
                        state.f[id][w] = ct & state.f[*a][w] | cf & state.f[*b][w];
                    }
                }
                Node::Const(_) => {
                    let value = tables.get(&id).and_then(|t| t.first().copied());
                    state.t[id] = [if value == Some(1) { !0 } else { 0 }; WORDS];
                    state.f[id] = [if value == Some(0) { !0 } else { 0 }; WORDS];
                }
                Node::Fallback(key) => {
                    let (mut t, mut f) = ([0u64; WORDS], [0u64; WORDS]);
                    if let Some(expr) = self.exprs.get(key) {
                        for i in 0..len {
                            let record = |field| population.value(field, start + i);
                            match eval::eval_in::<S>(expr, &record) {
                                Ok(Value::Bool(true)) => t[i / 64] |= 1 << (i % 64),
                                Ok(Value::Bool(false)) => f[i / 64] |= 1 << (i % 64),
                                _ => {}
                            }
                        }
                    }
                    state.t[id] = t;
                    state.f[id] = f;
                }
            }
            for w in 0..WORDS {
                state.t[id][w] &= valid[w];
                state.f[id][w] &= valid[w];
            }
        }
    }

    fn numeric(
        &self,
        num: &Num,
        id: NodeId,
        population: &Population<S>,
        start: usize,
        len: usize,
        state: &mut ChunkState,
    ) {
        let mut out = std::mem::take(&mut state.nums[id]);
        out.err = [0; WORDS];
        match num {
            Num::Column(field) => {
                let mut values = take_ints(&mut out.data, len);
                values.copy_from_slice(&population.ints(*field)[start..start + len]);
                out.data = Data::Ints(values);
            }
            Num::Int(i) => out.data = Data::ConstInt(*i),
            Num::Double(bits) => out.data = Data::ConstDouble(f64::from_bits(*bits)),
            Num::IntOp(op, a, b) => {
                let mut values = take_ints(&mut out.data, len);
                let (na, nb) = (&state.nums[*a], &state.nums[*b]);
                let op = *op;
                let mut err = [0u64; WORDS];
                match op {
                    BinaryOp::Add => {
                        int_kernel(na, nb, &mut values, &mut err, |x, y| x.checked_add(y))
                    }
                    BinaryOp::Sub => {
                        int_kernel(na, nb, &mut values, &mut err, |x, y| x.checked_sub(y))
                    }
                    BinaryOp::Mul => {
                        int_kernel(na, nb, &mut values, &mut err, |x, y| x.checked_mul(y))
                    }
                    _ => int_kernel(na, nb, &mut values, &mut err, |x, y| {
                        int_arithmetic(op, x, y).ok()
                    }),
                }
                for w in 0..WORDS {
                    out.err[w] = err[w] | na.err[w] | nb.err[w];
                }
                out.data = Data::Ints(values);
            }
            Num::DoubleOp(op, a, b) => {
                let mut values = take_doubles(&mut out.data, len);
                let (na, nb) = (&state.nums[*a], &state.nums[*b]);
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
                let na = &state.nums[*a];
                let mut err = [0u64; WORDS];
                int_kernel(
                    na,
                    &NumValues::constant(0),
                    &mut values,
                    &mut err,
                    |x, _| x.checked_neg(),
                );
                for w in 0..WORDS {
                    out.err[w] = err[w] | na.err[w];
                }
                out.data = Data::Ints(values);
            }
            Num::NegDouble(a) => {
                let mut values = take_doubles(&mut out.data, len);
                let na = &state.nums[*a];
                double_kernel(na, &NumValues::constant(0), &mut values, |x, _| -x);
                out.err = na.err;
                out.data = Data::Doubles(values);
            }
            Num::ToDouble(a) => {
                let mut values = take_doubles(&mut out.data, len);
                let na = &state.nums[*a];
                double_kernel(na, &NumValues::constant(0), &mut values, |x, _| x);
                out.err = na.err;
                out.data = Data::Doubles(values);
            }
            Num::ToInt(a) => {
                let mut values = take_ints(&mut out.data, len);
                let na = &state.nums[*a];
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
                let (ct, cf) = (&state.t[*c], &state.f[*c]);
                let (na, nb) = (&state.nums[*a], &state.nums[*b]);
                if na.is_double() {
                    let mut values = take_doubles(&mut out.data, len);
                    for (i, slot) in values.iter_mut().enumerate() {
                        let (x, y) = (na.double_at(i), nb.double_at(i));
                        *slot = if ct[i / 64] >> (i % 64) & 1 == 1 {
                            x
                        } else {
                            y
                        };
                    }
                    out.data = Data::Doubles(values);
                } else {
                    let mut values = take_ints(&mut out.data, len);
                    for (i, slot) in values.iter_mut().enumerate() {
                        let (x, y) = (na.int_at(i), nb.int_at(i));
                        *slot = if ct[i / 64] >> (i % 64) & 1 == 1 {
                            x
                        } else {
                            y
                        };
                    }
                    out.data = Data::Ints(values);
                }
                // A condition that errs errs the whole; otherwise the chosen branch's error.
                for w in 0..WORDS {
                    out.err[w] = !(ct[w] | cf[w]) | ct[w] & na.err[w] | cf[w] & nb.err[w];
                }
            }
        }
        state.nums[id] = out;
    }
}

/// The rules' results for one chunk of firms.
pub struct ChunkResult {
    /// Firms in the chunk.
    pub len: usize,
    eligible: Vec<[u64; WORDS]>,
    /// Firms for which the rule has a value (true or false), not an error.
    decided: Vec<[u64; WORDS]>,
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
    err: [u64; WORDS],
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

/// `out[i] = f(a[i], b[i])` over ints, an error bit where `f` has no value. Constants stay
/// scalars; each combination is its own loop so that the compiler can vectorise it.
fn int_kernel(
    a: &NumValues,
    b: &NumValues,
    out: &mut [i64],
    err: &mut [u64; WORDS],
    f: impl Fn(i64, i64) -> Option<i64>,
) {
    let len = out.len();
    let mut put = |i: usize, v: Option<i64>| match v {
        Some(v) => out[i] = v,
        None => err[i / 64] |= 1 << (i % 64),
    };
    match (&a.data, &b.data) {
        (Data::Ints(x), Data::Ints(y)) => (0..len).for_each(|i| put(i, f(x[i], y[i]))),
        (Data::Ints(x), Data::ConstInt(c)) => (0..len).for_each(|i| put(i, f(x[i], *c))),
        (Data::ConstInt(c), Data::Ints(y)) => (0..len).for_each(|i| put(i, f(*c, y[i]))),
        (Data::ConstInt(c), Data::ConstInt(d)) => {
            let v = f(*c, *d);
            (0..len).for_each(|i| put(i, v))
        }
        _ => (0..len).for_each(|i| put(i, None)),
    }
}

/// `out[i] = f(a[i], b[i])` over doubles (ints converted).
fn double_kernel(a: &NumValues, b: &NumValues, out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    match (&a.data, &b.data) {
        (Data::Doubles(x), Data::Doubles(y)) => out
            .iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = f(x[i], y[i])),
        (Data::Doubles(x), Data::ConstDouble(c)) => out
            .iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = f(x[i], *c)),
        (Data::ConstDouble(c), Data::Doubles(y)) => out
            .iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = f(*c, y[i])),
        _ => out
            .iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = f(a.double_at(i), b.double_at(i))),
    }
}

fn take_ints(data: &mut Data, len: usize) -> Vec<i64> {
    let mut values = match std::mem::take(data) {
        Data::Ints(v) => v,
        _ => Vec::with_capacity(CHUNK),
    };
    values.clear();
    values.resize(len, 0);
    values
}

fn take_doubles(data: &mut Data, len: usize) -> Vec<f64> {
    let mut values = match std::mem::take(data) {
        Data::Doubles(v) => v,
        _ => Vec::with_capacity(CHUNK),
    };
    values.clear();
    values.resize(len, 0.0);
    values
}

struct ChunkState {
    nums: Vec<NumValues>,
    t: Vec<[u64; WORDS]>,
    f: Vec<[u64; WORDS]>,
}

impl ChunkState {
    fn new(nodes: usize) -> Self {
        ChunkState {
            nums: vec![NumValues::default(); nodes],
            t: vec![[0; WORDS]; nodes],
            f: vec![[0; WORDS]; nodes],
        }
    }
}

fn valid_words(len: usize) -> [u64; WORDS] {
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

/// Compares two numeric kernels into (true, false) bitsets; errors set neither. Mixed int and
/// double compare as doubles, as the interpreter does; NaN is unordered.
fn compare(op: BinaryOp, a: &NumValues, b: &NumValues, len: usize) -> ([u64; WORDS], [u64; WORDS]) {
    let mut t = [0u64; WORDS];
    if a.is_double() || b.is_double() {
        match op {
            BinaryOp::Eq => bits_by(&mut t, len, |i| a.double_at(i) == b.double_at(i)),
            BinaryOp::Ne => bits_by(&mut t, len, |i| a.double_at(i) != b.double_at(i)),
            BinaryOp::Lt => bits_by(&mut t, len, |i| a.double_at(i) < b.double_at(i)),
            BinaryOp::Le => bits_by(&mut t, len, |i| a.double_at(i) <= b.double_at(i)),
            BinaryOp::Gt => bits_by(&mut t, len, |i| a.double_at(i) > b.double_at(i)),
            BinaryOp::Ge => bits_by(&mut t, len, |i| a.double_at(i) >= b.double_at(i)),
            _ => {}
        }
    } else {
        match (&a.data, &b.data) {
            (Data::Ints(x), Data::ConstInt(c)) => int_compare(&mut t, op, x, |_| *c),
            (Data::ConstInt(c), Data::Ints(y)) => int_compare(&mut t, op.flipped(), y, |_| *c),
            (Data::Ints(x), Data::Ints(y)) => int_compare(&mut t, op, x, |i| y[i]),
            (Data::ConstInt(c), Data::ConstInt(d)) => {
                let holds = match op {
                    BinaryOp::Eq => c == d,
                    BinaryOp::Ne => c != d,
                    BinaryOp::Lt => c < d,
                    BinaryOp::Le => c <= d,
                    BinaryOp::Gt => c > d,
                    BinaryOp::Ge => c >= d,
                    _ => false,
                };
                if holds {
                    t = valid_words(len);
                }
            }
            _ => {}
        }
    }
    let mut f = [0u64; WORDS];
    for w in 0..WORDS {
        let err = a.err[w] | b.err[w];
        t[w] &= !err;
        f[w] = !t[w] & !err;
    }
    (t, f)
}

fn int_compare(t: &mut [u64; WORDS], op: BinaryOp, x: &[i64], y: impl Fn(usize) -> i64) {
    let len = x.len();
    match op {
        BinaryOp::Eq => bits_by(t, len, |i| x[i] == y(i)),
        BinaryOp::Ne => bits_by(t, len, |i| x[i] != y(i)),
        BinaryOp::Lt => bits_by(t, len, |i| x[i] < y(i)),
        BinaryOp::Le => bits_by(t, len, |i| x[i] <= y(i)),
        BinaryOp::Gt => bits_by(t, len, |i| x[i] > y(i)),
        BinaryOp::Ge => bits_by(t, len, |i| x[i] >= y(i)),
        _ => {}
    }
}

/// Packs `test(i)` for `i < len` into bits, 64 at a time.
#[inline(always)]
fn bits_by(t: &mut [u64; WORDS], len: usize, test: impl Fn(usize) -> bool) {
    let full = len / 64;
    for w in 0..full {
        let base = w * 64;
        let mut bits = 0u64;
        for bit in 0..64 {
            bits |= (test(base + bit) as u64) << bit;
        }
        t[w] = bits;
    }
    if full < WORDS && len % 64 != 0 {
        let base = full * 64;
        let mut bits = 0u64;
        for bit in 0..len % 64 {
            bits |= (test(base + bit) as u64) << bit;
        }
        t[full] = bits;
    }
}

struct Compiler<S: Schema> {
    nodes: Vec<Node>,
    index: HashMap<Node, NodeId>,
    exprs: HashMap<String, Expr>,
    schema: PhantomData<fn() -> S>,
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

    fn keyed(&mut self, expr: &Expr) -> String {
        let key = super::expr_to_string(expr);
        self.exprs
            .entry(key.clone())
            .or_insert_with(|| expr.clone());
        key
    }

    /// Compiles a boolean expression.
    fn boolean(&mut self, expr: &Expr) -> NodeId {
        let mut fields = Vec::new();
        super::collect_fields::<S>(expr, &mut fields);
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
        match fields.as_slice() {
            [] => {
                let key = self.keyed(expr);
                self.add(Node::Const(key))
            }
            [field] if S::categorical(*field) => {
                let key = self.keyed(expr);
                self.add(Node::Categorical(position::<S>(*field), key))
            }
            _ => {
                if let ExprKind::Binary(op, a, b) = &expr.kind {
                    if op.is_comparison() {
                        if let (Some(a), Some(b)) = (self.numeric(a), self.numeric(b)) {
                            return self.add(Node::Compare(*op, a, b));
                        }
                    }
                }
                if let ExprKind::Conditional(c, a, b) = &expr.kind {
                    let (c, a, b) = (self.boolean(c), self.boolean(a), self.boolean(b));
                    return self.add(Node::Select(c, a, b));
                }
                if let Some(field) = field_of::<S>(expr) {
                    if S::field_type(field) == Type::Bool && S::categorical(field) {
                        let key = self.keyed(expr);
                        return self.add(Node::Categorical(position::<S>(field), key));
                    }
                }
                let key = self.keyed(expr);
                self.add(Node::Fallback(key))
            }
        }
    }

    /// Compiles a numeric expression, if it is made of what the kernels support.
    fn numeric(&mut self, expr: &Expr) -> Option<NodeId> {
        let ty = types::type_of::<S>(expr).ok()?;
        let num = match &expr.kind {
            ExprKind::Int(i) => Num::Int(*i),
            ExprKind::Double(d) => Num::Double(d.to_bits()),
            ExprKind::Select(..) => match field_of::<S>(expr)? {
                field if S::field_type(field) == Type::Int => Num::Column(position::<S>(field)),
                _ => return None,
            },
            ExprKind::Unary(UnaryOp::Neg, a) => {
                let a = self.numeric(a)?;
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
                let (a, b) = (self.numeric(a)?, self.numeric(b)?);
                match ty {
                    Type::Int => Num::IntOp(*op, a, b),
                    Type::Double => Num::DoubleOp(*op, a, b),
                    _ => return None,
                }
            }
            ExprKind::Conditional(c, a, b) => {
                // Both branches of the expression's own type, so that a value keeps its type
                // whichever branch it comes from.
                let same = |e: &Expr| types::type_of::<S>(e).ok().as_ref() == Some(&ty);
                if !(matches!(ty, Type::Int | Type::Double) && same(a) && same(b)) {
                    return None;
                }
                let (a, b) = (self.numeric(a)?, self.numeric(b)?);
                Num::Select(self.boolean(c), a, b)
            }
            ExprKind::Call(name, args) if args.len() == 1 => {
                let arg_type = types::type_of::<S>(&args[0]).ok()?;
                match (name.as_str(), arg_type) {
                    ("double", Type::Int) => Num::ToDouble(self.numeric(&args[0])?),
                    ("double", Type::Double) | ("int", Type::Int) => return self.numeric(&args[0]),
                    ("int", Type::Double) => Num::ToInt(self.numeric(&args[0])?),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(self.add(Node::Num(num)))
    }
}

#[cfg(test)]
mod tests;
