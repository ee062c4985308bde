//! Static types of rule expressions, as CEL defines them for the operators ucz supports. A rule
//! that would fail with "no matching overload" in CEL is refused when the catalog is checked.

use std::fmt;

use super::schema::Schema;
use super::syntax::{BinaryOp, Expr, ExprKind, SyntaxError, UnaryOp};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Int,
    Double,
    String,
    Bool,
    List(Box<Type>),
    /// The element type of an empty list literal.
    Any,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => write!(f, "int"),
            Type::Double => write!(f, "double"),
            Type::String => write!(f, "string"),
            Type::Bool => write!(f, "bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Any => write!(f, "dyn"),
        }
    }
}

impl Type {
    fn numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Double)
    }

    fn compatible(&self, other: &Type) -> bool {
        self == other
            || *self == Type::Any
            || *other == Type::Any
            || (self.numeric() && other.numeric())
    }
}

fn err(expr: &Expr, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        offset: expr.span.start,
        message: message.into(),
    }
}

/// The type of an expression over the schema's variable.
pub fn type_of<S: Schema>(expr: &Expr) -> Result<Type, SyntaxError> {
    match &expr.kind {
        ExprKind::Int(_) => Ok(Type::Int),
        ExprKind::Double(_) => Ok(Type::Double),
        ExprKind::Str(_) => Ok(Type::String),
        ExprKind::Bool(_) => Ok(Type::Bool),
        ExprKind::List(items) => {
            let mut element = Type::Any;
            for item in items {
                let t = type_of::<S>(item)?;
                if matches!(t, Type::List(_)) {
                    return Err(err(item, "lists of lists are not supported"));
                }
                if element == Type::Any {
                    element = t;
                } else if element != t {
                    return Err(err(
                        item,
                        format!("list elements must have one type: {element} and {t}"),
                    ));
                }
            }
            Ok(Type::List(Box::new(element)))
        }
        ExprKind::Ident(name) if name == S::VARIABLE => {
            let example = S::fields()
                .iter()
                .find(|f| S::field_type(**f) == Type::Int)
                .or(S::fields().first())
                .map_or("", |f| S::name(*f));
            Err(err(
                expr,
                format!(
                    "use a field of the {v}, such as {v}.{example}",
                    v = S::VARIABLE
                ),
            ))
        }
        ExprKind::Ident(name) => Err(err(
            expr,
            format!(
                "unknown variable '{name}'; rules can only read {}",
                S::VARIABLE
            ),
        )),
        ExprKind::Select(operand, name) => match &operand.kind {
            ExprKind::Ident(var) if var == S::VARIABLE => match S::field(name) {
                Some(field) => Ok(S::field_type(field)),
                None => Err(SyntaxError {
                    offset: operand.span.end + 1,
                    message: format!(
                        "unknown {} field '{name}'; expected one of: {}",
                        S::VARIABLE,
                        S::fields()
                            .iter()
                            .map(|f| S::name(*f))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            },
            _ => Err(err(
                expr,
                format!("only fields of {} can be selected", S::VARIABLE),
            )),
        },
        ExprKind::Unary(op, operand) => {
            let t = type_of::<S>(operand)?;
            match (op, &t) {
                (UnaryOp::Not, Type::Bool) => Ok(Type::Bool),
                (UnaryOp::Neg, Type::Int | Type::Double) => Ok(t),
                (UnaryOp::Not, _) => Err(err(expr, format!("'!' needs a bool, not {t}"))),
                (UnaryOp::Neg, _) => Err(err(expr, format!("'-' needs a number, not {t}"))),
            }
        }
        ExprKind::Binary(op, a, b) => {
            let (ta, tb) = (type_of::<S>(a)?, type_of::<S>(b)?);
            let mismatch = || {
                err(
                    expr,
                    format!("no operator {} for {ta} and {tb}", op.symbol()),
                )
            };
            match op {
                BinaryOp::And | BinaryOp::Or => {
                    if ta != Type::Bool {
                        return Err(err(
                            a,
                            format!("'{}' needs bool operands, not {ta}", op.symbol()),
                        ));
                    }
                    if tb != Type::Bool {
                        return Err(err(
                            b,
                            format!("'{}' needs bool operands, not {tb}", op.symbol()),
                        ));
                    }
                    Ok(Type::Bool)
                }
                BinaryOp::Eq | BinaryOp::Ne => {
                    if matches!(ta, Type::List(_))
                        || matches!(tb, Type::List(_))
                        || !ta.compatible(&tb)
                    {
                        return Err(mismatch());
                    }
                    Ok(Type::Bool)
                }
                BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                    if (ta.numeric() && tb.numeric()) || (ta == Type::String && tb == Type::String)
                    {
                        Ok(Type::Bool)
                    } else {
                        Err(mismatch())
                    }
                }
                BinaryOp::In => match &tb {
                    Type::List(element)
                        if !matches!(ta, Type::List(_)) && ta.compatible(element) =>
                    {
                        Ok(Type::Bool)
                    }
                    _ => Err(mismatch()),
                },
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                    match (&ta, &tb) {
                        (Type::Int, Type::Int) => Ok(Type::Int),
                        (Type::Double, Type::Double) if *op != BinaryOp::Rem => Ok(Type::Double),
                        (Type::Int, Type::Double) | (Type::Double, Type::Int) => Err(err(
                            expr,
                            format!(
                                "no operator {} for {ta} and {tb}; convert with double() or int()",
                                op.symbol()
                            ),
                        )),
                        _ => Err(mismatch()),
                    }
                }
            }
        }
        ExprKind::Conditional(c, a, b) => {
            let tc = type_of::<S>(c)?;
            if tc != Type::Bool {
                return Err(err(
                    c,
                    format!("the condition of '?:' must be a bool, not {tc}"),
                ));
            }
            let (ta, tb) = (type_of::<S>(a)?, type_of::<S>(b)?);
            if ta != tb {
                return Err(err(
                    expr,
                    format!("both branches of '?:' must have one type: {ta} and {tb}"),
                ));
            }
            Ok(ta)
        }
        ExprKind::Call(name, args) => {
            let [arg] = args.as_slice() else {
                return Err(err(expr, format!("{name}() takes one argument")));
            };
            let t = type_of::<S>(arg)?;
            match (name.as_str(), &t) {
                ("size", Type::String | Type::List(_)) => Ok(Type::Int),
                ("int", Type::Int | Type::Double | Type::String) => Ok(Type::Int),
                ("double", Type::Int | Type::Double | Type::String) => Ok(Type::Double),
                ("string", Type::Int | Type::Double | Type::String | Type::Bool) => {
                    Ok(Type::String)
                }
                ("size" | "int" | "double" | "string", _) => {
                    Err(err(expr, format!("no function {name}({t})")))
                }
                _ => Err(err(
                    expr,
                    format!("unknown function {name}(); expected size, int, double or string"),
                )),
            }
        }
        ExprKind::Method(target, name, args) => {
            let t = type_of::<S>(target)?;
            match (name.as_str(), &t, args.as_slice()) {
                ("startsWith" | "endsWith" | "contains", Type::String, [arg]) => {
                    let ta = type_of::<S>(arg)?;
                    if ta != Type::String {
                        return Err(err(arg, format!("{name}() takes a string, not {ta}")));
                    }
                    Ok(Type::Bool)
                }
                ("size", Type::String | Type::List(_), []) => Ok(Type::Int),
                ("startsWith" | "endsWith" | "contains" | "size", _, _) => Err(err(
                    expr,
                    format!("no method {name} on {t} with {} arguments", args.len()),
                )),
                _ => Err(err(
                    expr,
                    format!(
                        "unknown method {name}(); expected startsWith, endsWith, contains or size"
                    ),
                )),
            }
        }
    }
}
