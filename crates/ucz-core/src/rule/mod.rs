//! Eligibility rules: CEL expressions over one variable of a [`Schema`] (`firm` for firms), checked
//! for types when the catalog is loaded, evaluated one record at a time by [`eval`] (with
//! explanations) or for a whole population at once by [`columnar`]. The supported subset is
//! documented in `docs/rules.md`. Every part is generic over the schema; `Rule` alone means a rule
//! over firms.

pub mod columnar;
mod eval;
mod schema;
pub mod set;
pub mod syntax;
mod types;

use std::marker::PhantomData;
use std::ops::Range;

pub use eval::{EvalError, Value};
pub use schema::{Category, Schema};
pub use syntax::{BinaryOp, Expr, ExprKind, UnaryOp};
pub use types::Type;

use crate::firm::{FirmField, FirmSchema};

/// A parsed and type-checked rule over the variable of schema `S` (firms unless said otherwise).
pub struct Rule<S: Schema = FirmSchema> {
    text: String,
    expr: Expr,
    schema: PhantomData<fn() -> S>,
}

impl<S: Schema> Clone for Rule<S> {
    fn clone(&self) -> Self {
        Rule {
            text: self.text.clone(),
            expr: self.expr.clone(),
            schema: PhantomData,
        }
    }
}

impl<S: Schema> std::fmt::Debug for Rule<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("variable", &S::VARIABLE)
            .field("text", &self.text)
            .field("expr", &self.expr)
            .finish()
    }
}

/// Why a rule was refused: where in its text, and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct RuleError {
    /// Byte offset in the rule text.
    pub offset: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub message: String,
}

impl Rule {
    /// Parses a rule and checks that it is a well-typed boolean expression over `firm`.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        Rule::parse_over(text)
    }

    /// Builds a rule from a syntax tree (used to make variants of catalog rules for benchmarks).
    pub fn from_expr(expr: Expr) -> Result<Rule, RuleError> {
        Rule::from_expr_over(expr)
    }
}

impl<S: Schema> Rule<S> {
    /// Parses a rule and checks that it is a well-typed boolean expression over the schema's
    /// variable.
    pub fn parse_over(text: &str) -> Result<Rule<S>, RuleError> {
        let error = |offset: usize, message: String| RuleError {
            offset,
            column: text.get(..offset).map_or(offset, |t| t.chars().count()) + 1,
            message,
        };
        let expr = syntax::parse(text).map_err(|e| error(e.offset, e.message))?;
        match types::type_of::<S>(&expr) {
            Ok(Type::Bool) => Ok(Rule {
                text: text.to_string(),
                expr,
                schema: PhantomData,
            }),
            Ok(other) => Err(error(
                0,
                format!("a rule must be a condition (bool), not {other}"),
            )),
            Err(e) => Err(error(e.offset, e.message)),
        }
    }

    /// Builds a rule from a syntax tree.
    pub fn from_expr_over(expr: Expr) -> Result<Rule<S>, RuleError> {
        let text = expr_to_string(&expr);
        Rule::parse_over(&text)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Evaluates the rule for one record (a firm's facts): `true` only when the rule holds; a rule
    /// that errors for a record (say, a division by zero) does not hold.
    pub fn holds(&self, facts: &S::Record<'_>) -> bool {
        matches!(eval::eval::<S>(&self.expr, facts), Ok(Value::Bool(true)))
    }

    /// The rule's value for one record, errors included.
    pub fn evaluate(&self, facts: &S::Record<'_>) -> Result<Value, EvalError> {
        eval::eval::<S>(&self.expr, facts)
    }

    /// Evaluates and explains: when the rule does not hold, the clause that failed (the first
    /// false conjunct of the top-level `&&` chain, else the first in error, else the whole rule)
    /// with the firm's values of the fields it reads.
    pub fn explain(&self, facts: &S::Record<'_>) -> Outcome<S> {
        let result = eval::eval::<S>(&self.expr, facts);
        if matches!(result, Ok(Value::Bool(true))) {
            return Outcome {
                eligible: true,
                failed: None,
            };
        }
        let mut conjuncts = Vec::new();
        flatten(&self.expr, BinaryOp::And, &mut conjuncts);
        let evaluated: Vec<(&Expr, Result<Value, EvalError>)> = conjuncts
            .iter()
            .map(|c| (*c, eval::eval::<S>(c, facts)))
            .collect();
        let failed = evaluated
            .iter()
            .find(|(_, r)| matches!(r, Ok(Value::Bool(false))))
            .or_else(|| evaluated.iter().find(|(_, r)| r.is_err()))
            .map(|(e, r)| (*e, r.clone()))
            .unwrap_or((&self.expr, result));
        let (clause, value) = failed;
        let mut fields = Vec::new();
        collect_fields::<S>(clause, &mut fields);
        Outcome {
            eligible: false,
            failed: Some(FailedClause {
                clause: self
                    .text
                    .get(clause.span.clone())
                    .unwrap_or(&self.text)
                    .to_string(),
                span: clause.span.clone(),
                values: fields
                    .into_iter()
                    .map(|f| (f, S::value(facts, f)))
                    .collect(),
                error: value.err().map(|e| e.to_string()),
            }),
        }
    }

    /// The node of the rule's syntax tree that covers exactly `span`.
    pub fn node_at(&self, span: &Range<usize>) -> Option<&Expr> {
        fn find<'e>(expr: &'e Expr, span: &Range<usize>) -> Option<&'e Expr> {
            if expr.span == *span {
                return Some(expr);
            }
            let children: Vec<&Expr> = match &expr.kind {
                ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().collect(),
                ExprKind::Select(o, _) | ExprKind::Unary(_, o) => vec![o],
                ExprKind::Binary(_, a, b) => vec![a, b],
                ExprKind::Conditional(c, a, b) => vec![c, a, b],
                ExprKind::Method(t, _, args) => {
                    std::iter::once(t.as_ref()).chain(args.iter()).collect()
                }
                _ => Vec::new(),
            };
            children.into_iter().find_map(|c| find(c, span))
        }
        find(&self.expr, span)
    }

    /// The fields the rule reads, in order of first appearance.
    pub fn fields(&self) -> Vec<S::Field> {
        let mut fields = Vec::new();
        collect_fields::<S>(&self.expr, &mut fields);
        fields
    }
}

/// A parsed and type-checked number over the variable of schema `S`: an indicator's formula
/// (`m.youth_jobs / m.jobs * 100.0`). Same syntax and checks as a [`Rule`], but its type is a
/// number, not a condition.
pub struct Formula<S: Schema> {
    text: String,
    expr: Expr,
    schema: PhantomData<fn() -> S>,
}

impl<S: Schema> Clone for Formula<S> {
    fn clone(&self) -> Self {
        Formula {
            text: self.text.clone(),
            expr: self.expr.clone(),
            schema: PhantomData,
        }
    }
}

impl<S: Schema> std::fmt::Debug for Formula<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Formula")
            .field("variable", &S::VARIABLE)
            .field("text", &self.text)
            .finish()
    }
}

impl<S: Schema> Formula<S> {
    /// Parses a formula and checks that it is a well-typed number (int or double) over the
    /// schema's variable.
    pub fn parse_over(text: &str) -> Result<Formula<S>, RuleError> {
        let error = |offset: usize, message: String| RuleError {
            offset,
            column: text.get(..offset).map_or(offset, |t| t.chars().count()) + 1,
            message,
        };
        let expr = syntax::parse(text).map_err(|e| error(e.offset, e.message))?;
        match types::type_of::<S>(&expr) {
            Ok(Type::Int | Type::Double) => Ok(Formula {
                text: text.to_string(),
                expr,
                schema: PhantomData,
            }),
            Ok(other) => Err(error(0, format!("a formula must be a number, not {other}"))),
            Err(e) => Err(error(e.offset, e.message)),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The formula's value for one record as a double; `None` when it cannot be had (a
    /// division by zero: a rate of nothing) or is not finite.
    pub fn value(&self, facts: &S::Record<'_>) -> Option<f64> {
        match eval::eval::<S>(&self.expr, facts) {
            Ok(Value::Int(i)) => Some(i as f64),
            Ok(Value::Double(d)) if d.is_finite() => Some(d),
            _ => None,
        }
    }

    /// The fields the formula reads, in order of first appearance.
    pub fn fields(&self) -> Vec<S::Field> {
        let mut fields = Vec::new();
        collect_fields::<S>(&self.expr, &mut fields);
        fields
    }
}

/// The result of evaluating a rule for one record, with the reason when it does not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome<S: Schema = FirmSchema> {
    pub eligible: bool,
    pub failed: Option<FailedClause<S>>,
}

/// The part of a rule that failed, and the record's values it read.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedClause<S: Schema = FirmSchema> {
    /// The clause as written in the rule.
    pub clause: String,
    /// Where the clause is in the rule's text.
    pub span: Range<usize>,
    pub values: Vec<(S::Field, Value)>,
    /// Set when the clause could not be evaluated.
    pub error: Option<String>,
}

impl<S: Schema> std::fmt::Display for FailedClause<S> {
    /// `firm.age_years <= 7: 9`, `a && b: firm.x = 1, firm.y = 2`, `…: error: division by zero`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.clause)?;
        if let Some(error) = &self.error {
            return write!(f, "error: {error}");
        }
        match self.values.as_slice() {
            [] => write!(f, "false"),
            [(_, value)] => write!(f, "{value}"),
            values => {
                let parts: Vec<String> = values
                    .iter()
                    .map(|(field, v)| format!("{}.{} = {v}", S::VARIABLE, S::name(*field)))
                    .collect();
                write!(f, "{}", parts.join(", "))
            }
        }
    }
}

/// The operands of a chain of one operator (`a && b && c`, `a || b`), left to right.
pub(crate) fn flatten<'a>(expr: &'a Expr, op: BinaryOp, out: &mut Vec<&'a Expr>) {
    match &expr.kind {
        ExprKind::Binary(found, left, right) if *found == op => {
            flatten(left, op, out);
            flatten(right, op, out);
        }
        _ => out.push(expr),
    }
}

fn collect_fields<S: Schema>(expr: &Expr, out: &mut Vec<S::Field>) {
    visit(expr, &mut |e| {
        if let Some(field) = field_of::<S>(e) {
            if !out.contains(&field) {
                out.push(field);
            }
        }
    });
}

/// `firm.<field>`, if the expression is one.
pub fn as_field(expr: &Expr) -> Option<FirmField> {
    field_of::<FirmSchema>(expr)
}

/// `<variable>.<field>` of the schema, if the expression is one.
pub fn field_of<S: Schema>(expr: &Expr) -> Option<S::Field> {
    match &expr.kind {
        ExprKind::Select(operand, name) if matches!(&operand.kind, ExprKind::Ident(i) if i == S::VARIABLE) => {
            S::field(name)
        }
        _ => None,
    }
}

/// Calls `f` on every node, parents before children, left to right.
pub fn visit(expr: &Expr, f: &mut impl FnMut(&Expr)) {
    f(expr);
    match &expr.kind {
        ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().for_each(|i| visit(i, f)),
        ExprKind::Select(operand, _) | ExprKind::Unary(_, operand) => visit(operand, f),
        ExprKind::Binary(_, a, b) => {
            visit(a, f);
            visit(b, f);
        }
        ExprKind::Conditional(c, a, b) => {
            visit(c, f);
            visit(a, f);
            visit(b, f);
        }
        ExprKind::Method(target, _, args) => {
            visit(target, f);
            args.iter().for_each(|a| visit(a, f));
        }
        ExprKind::Int(_)
        | ExprKind::Double(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Ident(_) => {}
    }
}

/// Writes a syntax tree back as CEL text, fully parenthesized.
pub fn expr_to_string(expr: &Expr) -> String {
    let list = |items: &[Expr]| {
        items
            .iter()
            .map(expr_to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &expr.kind {
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Double(d) => {
            let s = format!("{d:?}");
            if s.contains(['.', 'e', 'E']) || !d.is_finite() {
                s
            } else {
                format!("{s}.0")
            }
        }
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Ident(name) => name.clone(),
        ExprKind::Select(operand, name) => format!("{}.{name}", expr_to_string(operand)),
        ExprKind::Unary(UnaryOp::Not, operand) => format!("!({})", expr_to_string(operand)),
        ExprKind::Unary(UnaryOp::Neg, operand) => format!("-({})", expr_to_string(operand)),
        ExprKind::Binary(op, a, b) => format!(
            "({} {} {})",
            expr_to_string(a),
            op.symbol(),
            expr_to_string(b)
        ),
        ExprKind::Conditional(c, a, b) => {
            format!(
                "({} ? {} : {})",
                expr_to_string(c),
                expr_to_string(a),
                expr_to_string(b)
            )
        }
        ExprKind::Call(name, args) => format!("{name}({})", list(args)),
        ExprKind::Method(target, name, args) => {
            format!("{}.{name}({})", expr_to_string(target), list(args))
        }
    }
}
