//! The plain interpreter: evaluates a rule for one firm, with CEL's semantics — checked int
//! arithmetic, IEEE doubles, and `&&` / `||` that absorb an error when the other side decides.

use std::cmp::Ordering;
use std::fmt;

use super::schema::Schema;
use super::syntax::{BinaryOp, Expr, ExprKind, UnaryOp};

/// A CEL value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Double(f64),
    String(String),
    Bool(bool),
    List(Vec<Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::String(s) => write!(f, "\"{s}\""),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", parts.join(", "))
            }
        }
    }
}

/// Why an expression has no value for a firm.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("division by zero")]
    DivisionByZero,
    #[error("modulus by zero")]
    ModulusByZero,
    #[error("integer overflow")]
    Overflow,
    #[error("cannot convert {0}")]
    Conversion(String),
    /// Only reachable for a rule that skipped the type check.
    #[error("type error: {0}")]
    Type(String),
}

/// Evaluates an expression for one record of the schema.
pub fn eval<S: Schema>(expr: &Expr, facts: &S::Record<'_>) -> Result<Value, EvalError> {
    eval_in::<S>(expr, &|field| S::value(facts, field))
}

/// Evaluates an expression with its fields' values read by `facts`: from a record, or from a population's
/// columns (where there is no record to read).
pub fn eval_in<S: Schema>(
    expr: &Expr,
    facts: &dyn Fn(S::Field) -> Value,
) -> Result<Value, EvalError> {
    match &expr.kind {
        ExprKind::Int(i) => Ok(Value::Int(*i)),
        ExprKind::Double(d) => Ok(Value::Double(*d)),
        ExprKind::Str(s) => Ok(Value::String(s.clone())),
        ExprKind::Bool(b) => Ok(Value::Bool(*b)),
        ExprKind::List(items) => items
            .iter()
            .map(|i| eval_in::<S>(i, facts))
            .collect::<Result<_, _>>()
            .map(Value::List),
        ExprKind::Ident(name) => Err(EvalError::Type(format!("unbound variable {name}"))),
        ExprKind::Select(..) => match super::field_of::<S>(expr) {
            Some(field) => Ok(facts(field)),
            None => Err(EvalError::Type("unknown field".into())),
        },
        ExprKind::Unary(op, operand) => match (op, eval_in::<S>(operand, facts)?) {
            (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
            (UnaryOp::Neg, Value::Int(i)) => {
                i.checked_neg().map(Value::Int).ok_or(EvalError::Overflow)
            }
            (UnaryOp::Neg, Value::Double(d)) => Ok(Value::Double(-d)),
            (_, v) => Err(EvalError::Type(format!("bad operand {v}"))),
        },
        ExprKind::Binary(BinaryOp::And, a, b) => {
            logic(eval_in::<S>(a, facts), || eval_in::<S>(b, facts), false)
        }
        ExprKind::Binary(BinaryOp::Or, a, b) => {
            logic(eval_in::<S>(a, facts), || eval_in::<S>(b, facts), true)
        }
        ExprKind::Binary(op, a, b) => binary(*op, eval_in::<S>(a, facts)?, eval_in::<S>(b, facts)?),
        ExprKind::Conditional(c, a, b) => match eval_in::<S>(c, facts)? {
            Value::Bool(true) => eval_in::<S>(a, facts),
            Value::Bool(false) => eval_in::<S>(b, facts),
            v => Err(EvalError::Type(format!("condition {v}"))),
        },
        ExprKind::Call(name, args) => {
            let [arg] = args.as_slice() else {
                return Err(EvalError::Type(format!("{name} arity")));
            };
            call(name, eval_in::<S>(arg, facts)?)
        }
        ExprKind::Method(target, name, args) => {
            let target = eval_in::<S>(target, facts)?;
            let args: Vec<Value> = args
                .iter()
                .map(|a| eval_in::<S>(a, facts))
                .collect::<Result<_, _>>()?;
            method(name, target, &args)
        }
    }
}

/// `&&` (`decisive` = false) and `||` (`decisive` = true): the decisive value wins over an error
/// on either side; otherwise an error propagates.
fn logic(
    left: Result<Value, EvalError>,
    right: impl FnOnce() -> Result<Value, EvalError>,
    decisive: bool,
) -> Result<Value, EvalError> {
    let as_bool = |v: Result<Value, EvalError>| match v {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(EvalError::Type(format!("logic operand {other}"))),
        Err(e) => Err(e),
    };
    let left = as_bool(left);
    if left == Ok(decisive) {
        return Ok(Value::Bool(decisive));
    }
    let right = as_bool(right());
    match (left, right) {
        (_, Ok(b)) if b == decisive => Ok(Value::Bool(decisive)),
        (Ok(_), Ok(_)) => Ok(Value::Bool(!decisive)),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// Numeric comparison across int and double, as CEL defines it; NaN is unordered.
pub fn compare_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Double(y)) => (*x as f64).partial_cmp(y),
        (Value::Double(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Double(_), Value::Int(_) | Value::Double(_)) => {
            compare_numbers(a, b) == Some(Ordering::Equal)
        }
        _ => a == b,
    }
}

pub(super) fn binary(op: BinaryOp, a: Value, b: Value) -> Result<Value, EvalError> {
    use BinaryOp::*;
    let ordered = |test: fn(Ordering) -> bool| -> Result<Value, EvalError> {
        let ordering = match (&a, &b) {
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            _ => compare_numbers(&a, &b),
        };
        Ok(Value::Bool(ordering.is_some_and(test)))
    };
    match op {
        Eq => Ok(Value::Bool(equal(&a, &b))),
        Ne => Ok(Value::Bool(!equal(&a, &b))),
        Lt => ordered(|o| o == Ordering::Less),
        Le => ordered(|o| o != Ordering::Greater),
        Gt => ordered(|o| o == Ordering::Greater),
        Ge => ordered(|o| o != Ordering::Less),
        In => match b {
            Value::List(items) => Ok(Value::Bool(items.iter().any(|i| equal(&a, i)))),
            other => Err(EvalError::Type(format!("in {other}"))),
        },
        Add | Sub | Mul | Div | Rem => arithmetic(op, a, b),
        And | Or => Err(EvalError::Type("logic handled elsewhere".into())),
    }
}

pub fn int_arithmetic(op: BinaryOp, x: i64, y: i64) -> Result<i64, EvalError> {
    match op {
        BinaryOp::Add => x.checked_add(y).ok_or(EvalError::Overflow),
        BinaryOp::Sub => x.checked_sub(y).ok_or(EvalError::Overflow),
        BinaryOp::Mul => x.checked_mul(y).ok_or(EvalError::Overflow),
        BinaryOp::Div if y == 0 => Err(EvalError::DivisionByZero),
        BinaryOp::Div => x.checked_div(y).ok_or(EvalError::Overflow),
        BinaryOp::Rem if y == 0 => Err(EvalError::ModulusByZero),
        BinaryOp::Rem => x.checked_rem(y).ok_or(EvalError::Overflow),
        _ => Err(EvalError::Type(format!("int {}", op.symbol()))),
    }
}

pub fn double_arithmetic(op: BinaryOp, x: f64, y: f64) -> f64 {
    match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
        _ => f64::NAN,
    }
}

fn arithmetic(op: BinaryOp, a: Value, b: Value) -> Result<Value, EvalError> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_arithmetic(op, x, y).map(Value::Int),
        (Value::Double(x), Value::Double(y)) if op != BinaryOp::Rem => {
            Ok(Value::Double(double_arithmetic(op, x, y)))
        }
        (a, b) => Err(EvalError::Type(format!("{a} {} {b}", op.symbol()))),
    }
}

/// `int(double)`: truncation toward zero, an error when out of range (CEL).
pub fn double_to_int(d: f64) -> Result<i64, EvalError> {
    // i64::MAX as f64 rounds up to 2^63, which is itself out of range.
    if d.is_nan() || d <= -9_223_372_036_854_775_808.0 - 1025.0 || d >= 9_223_372_036_854_775_808.0
    {
        return Err(EvalError::Conversion(format!("{d} to int")));
    }
    Ok(d.trunc() as i64)
}

pub(super) fn call(name: &str, arg: Value) -> Result<Value, EvalError> {
    match (name, arg) {
        ("size", Value::String(s)) => Ok(Value::Int(s.chars().count() as i64)),
        ("size", Value::List(items)) => Ok(Value::Int(items.len() as i64)),
        ("int", Value::Int(i)) => Ok(Value::Int(i)),
        ("int", Value::Double(d)) => double_to_int(d).map(Value::Int),
        ("int", Value::String(s)) => s
            .parse()
            .map(Value::Int)
            .map_err(|_| EvalError::Conversion(format!("\"{s}\" to int"))),
        ("double", Value::Int(i)) => Ok(Value::Double(i as f64)),
        ("double", Value::Double(d)) => Ok(Value::Double(d)),
        ("double", Value::String(s)) => s
            .parse()
            .map(Value::Double)
            .map_err(|_| EvalError::Conversion(format!("\"{s}\" to double"))),
        ("string", Value::String(s)) => Ok(Value::String(s)),
        ("string", Value::Int(i)) => Ok(Value::String(i.to_string())),
        ("string", Value::Double(d)) => Ok(Value::String(d.to_string())),
        ("string", Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (name, arg) => Err(EvalError::Type(format!("{name}({arg})"))),
    }
}

pub(super) fn method(name: &str, target: Value, args: &[Value]) -> Result<Value, EvalError> {
    match (name, target, args) {
        ("startsWith", Value::String(s), [Value::String(p)]) => {
            Ok(Value::Bool(s.starts_with(p.as_str())))
        }
        ("endsWith", Value::String(s), [Value::String(p)]) => {
            Ok(Value::Bool(s.ends_with(p.as_str())))
        }
        ("contains", Value::String(s), [Value::String(p)]) => {
            Ok(Value::Bool(s.contains(p.as_str())))
        }
        ("size", Value::String(s), []) => Ok(Value::Int(s.chars().count() as i64)),
        ("size", Value::List(items), []) => Ok(Value::Int(items.len() as i64)),
        (name, target, _) => Err(EvalError::Type(format!("{target}.{name}()"))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::*;
    use crate::firm::{Firm, FirmFacts, FirmSchema};
    use crate::id::Id;

    fn firm() -> Firm {
        Firm {
            id: "f1".into(),
            name: "시험".into(),
            founded: "2020-03-01".parse().ok(),
            closed: None,
            stage: Id::new("early"),
            employees: 10,
            youth_employees: 4,
            revenue_krw: 0,
            rnd_spend_krw: 50,
            export_revenue_krw: 0,
            sector: "C26".into(),
            region: Id::new("daejeon"),
            zone: String::new(),
            designations: vec![Id::new("rnd_special_zone")],
            in_incubator: true,
            graduated_incubator: false,
            venture_certified: false,
            has_rnd_lab: true,
            founder_age: 35,
            research_institute_share: 0,
            high_tech_sales_share: 0,
            strategic_industry: false,
            owns_home: false,
            assets_krw: 0,
        }
    }

    fn value(rule: &str) -> Result<Value, EvalError> {
        let f = firm();
        let facts = FirmFacts {
            firm: &f,
            age_years: 6,
            capital_region: false,
            sme: false,
        };
        let expr = super::super::syntax::parse(rule).expect("parse");
        eval::<FirmSchema>(&expr, &facts)
    }

    #[test]
    fn arithmetic_follows_cel() {
        assert_eq!(value("7 / 2"), Ok(Value::Int(3)));
        assert_eq!(value("-7 / 2"), Ok(Value::Int(-3)));
        assert_eq!(value("-7 % 2"), Ok(Value::Int(-1)));
        assert_eq!(value("7.0 / 2.0"), Ok(Value::Double(3.5)));
        assert_eq!(value("1 / 0"), Err(EvalError::DivisionByZero));
        assert_eq!(value("1 % 0"), Err(EvalError::ModulusByZero));
        assert_eq!(value("9223372036854775807 + 1"), Err(EvalError::Overflow));
        assert_eq!(
            value("-9223372036854775807 - 1 - 1"),
            Err(EvalError::Overflow)
        );
        assert_eq!(value("1.0 / 0.0"), Ok(Value::Double(f64::INFINITY)));
        assert_eq!(value("int(2.9)"), Ok(Value::Int(2)));
        assert_eq!(value("int(-2.9)"), Ok(Value::Int(-2)));
        assert!(value("int(1e19)").is_err());
        assert_eq!(
            value("double(firm.employees) / 4.0"),
            Ok(Value::Double(2.5))
        );
    }

    #[test]
    fn comparisons_mix_ints_and_doubles_and_nan_is_unordered() {
        assert_eq!(value("1 == 1.0"), Ok(Value::Bool(true)));
        assert_eq!(value("2 < 2.5"), Ok(Value::Bool(true)));
        assert_eq!(value("0.0 / 0.0 == 0.0 / 0.0"), Ok(Value::Bool(false)));
        assert_eq!(value("0.0 / 0.0 != 0.0 / 0.0"), Ok(Value::Bool(true)));
        assert_eq!(
            value("0.0 / 0.0 < 1.0 || 0.0 / 0.0 >= 1.0"),
            Ok(Value::Bool(false))
        );
        assert_eq!(value("'a' < 'b'"), Ok(Value::Bool(true)));
    }

    #[test]
    fn and_or_absorb_errors_when_the_other_side_decides() {
        assert_eq!(value("false && 1 / 0 > 0"), Ok(Value::Bool(false)));
        assert_eq!(value("1 / 0 > 0 && false"), Ok(Value::Bool(false)));
        assert_eq!(value("true || 1 / 0 > 0"), Ok(Value::Bool(true)));
        assert_eq!(value("1 / 0 > 0 || true"), Ok(Value::Bool(true)));
        assert_eq!(value("true && 1 / 0 > 0"), Err(EvalError::DivisionByZero));
        assert_eq!(value("1 / 0 > 0 || false"), Err(EvalError::DivisionByZero));
        assert_eq!(value("!(1 / 0 > 0)"), Err(EvalError::DivisionByZero));
    }

    #[test]
    fn fields_strings_and_lists() {
        assert_eq!(value("firm.sector.startsWith('C')"), Ok(Value::Bool(true)));
        assert_eq!(
            value("'rnd_special_zone' in firm.designations"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            value("firm.stage in ['early', 'growth']"),
            Ok(Value::Bool(true))
        );
        assert_eq!(value("size(firm.designations)"), Ok(Value::Int(1)));
        assert_eq!(value("firm.age_years"), Ok(Value::Int(6)));
        assert_eq!(value("firm.in_incubator ? 1 : 2"), Ok(Value::Int(1)));
        assert_eq!(value("'한국'.size()"), Ok(Value::Int(2)));
    }

    #[test]
    fn explanations_name_the_failing_clause_and_the_firms_values() {
        let f = firm();
        let facts = FirmFacts {
            firm: &f,
            age_years: 9,
            capital_region: false,
            sme: false,
        };
        let rule = Rule::parse("firm.stage != 'pre_startup' && firm.age_years <= 7").expect("rule");
        let outcome = rule.explain(&facts);
        assert!(!outcome.eligible);
        assert_eq!(
            outcome.failed.expect("failed").to_string(),
            "firm.age_years <= 7: 9"
        );

        let rule = Rule::parse("firm.rnd_spend_krw / firm.revenue_krw >= 1").expect("rule");
        let failed = rule.explain(&facts).failed.expect("failed");
        assert_eq!(
            failed.to_string(),
            "firm.rnd_spend_krw / firm.revenue_krw >= 1: error: division by zero"
        );

        let rule = Rule::parse("firm.employees > 100 || firm.founder_age < 30").expect("rule");
        let failed = rule.explain(&facts).failed.expect("failed");
        assert_eq!(
            failed.to_string(),
            "firm.employees > 100 || firm.founder_age < 30: firm.employees = 10, firm.founder_age = 35"
        );
        assert!(
            rule.explain(&FirmFacts {
                firm: &f,
                age_years: 1,
                capital_region: false,
                sme: false,
            })
            .failed
            .is_some()
        );
    }

    #[test]
    fn type_errors_are_found_before_any_firm() {
        for (rule, needle) in [
            ("firm.employees + 1.5 > 2", "convert with double()"),
            ("firm.stag == 'early'", "unknown firm field 'stag'"),
            ("firm.employees", "must be a condition"),
            ("firm.sector > 3", "no operator >"),
            ("foo == 1", "unknown variable"),
            ("firm.sector.matches('C.*')", "unknown method"),
            ("[1, 'a'] == [1]", "one type"),
        ] {
            let error = Rule::parse(rule).expect_err(rule);
            assert!(error.message.contains(needle), "{rule}: {error}");
        }
        let error = Rule::parse("firm.age_years <= 7 && firm.stag == 'x'").expect_err("field");
        assert_eq!(error.column, 29);
    }
}
