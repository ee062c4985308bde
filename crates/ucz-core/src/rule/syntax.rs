//! The CEL subset ucz's eligibility rules are written in: tokens, the syntax tree and a
//! recursive-descent parser following CEL's grammar and precedence
//! (`?:` < `||` < `&&` < relations < `+ -` < `* / %` < unary < member access and calls).

use std::ops::Range;

/// A node of the syntax tree, with the byte range of the rule text it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Double(f64),
    Str(String),
    Bool(bool),
    List(Vec<Expr>),
    /// An identifier: `firm` is the only one rules may use.
    Ident(String),
    /// `operand.field`
    Select(Box<Expr>, String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `condition ? then : otherwise`
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `name(args)`: `size`, `int`, `double`, `string`.
    Call(String, Vec<Expr>),
    /// `target.name(args)`: `startsWith`, `endsWith`, `contains`, `size`.
    Method(Box<Expr>, String, Vec<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    /// The comparison with its operands swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::Le => BinaryOp::Ge,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::Ge => BinaryOp::Le,
            other => other,
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }
}

/// A syntax error: where in the rule and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Int(i64),
    Double(f64),
    Str(String),
    Ident(String),
    Punct(&'static str),
    End,
}

const PUNCTUATION: [&str; 22] = [
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]",
    ",", ".", "?", ":",
];

fn lex(text: &str) -> Result<Vec<(Token, Range<usize>)>, SyntaxError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let mut is_double = false;
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                is_double = true;
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                is_double = true;
                i += 1;
                if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                    i += 1;
                }
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < bytes.len() && bytes[i] == b'_' {
                return Err(digit_separator(text, start, i));
            }
            let literal = &text[start..i];
            let token = if is_double {
                literal
                    .parse()
                    .map(Token::Double)
                    .map_err(|_| SyntaxError {
                        offset: start,
                        message: format!("invalid number {literal}"),
                    })?
            } else {
                literal.parse().map(Token::Int).map_err(|_| SyntaxError {
                    offset: start,
                    message: format!("integer {literal} is out of range"),
                })?
            };
            tokens.push((token, start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push((Token::Ident(text[start..i].to_string()), start..i));
        } else if c == b'"' || c == b'\'' {
            let quote = c;
            i += 1;
            let mut value = String::new();
            loop {
                let Some(ch) = text[i..].chars().next() else {
                    return Err(SyntaxError {
                        offset: start,
                        message: "unterminated string".into(),
                    });
                };
                i += ch.len_utf8();
                match ch {
                    _ if ch as u32 == quote as u32 => break,
                    '\\' => {
                        let Some(escaped) = text[i..].chars().next() else {
                            return Err(SyntaxError {
                                offset: start,
                                message: "unterminated string".into(),
                            });
                        };
                        i += escaped.len_utf8();
                        value.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            '\\' | '"' | '\'' => escaped,
                            other => {
                                // At the backslash, whatever the width of the escaped character.
                                return Err(SyntaxError {
                                    offset: i - other.len_utf8() - 1,
                                    message: format!("unsupported escape \\{other}"),
                                });
                            }
                        });
                    }
                    _ => value.push(ch),
                }
            }
            tokens.push((Token::Str(value), start..i));
        } else if let Some(p) = PUNCTUATION.iter().find(|p| text[i..].starts_with(**p)) {
            i += p.len();
            tokens.push((Token::Punct(p), start..i));
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(SyntaxError {
                offset: start,
                message: format!("unexpected character '{ch}'"),
            });
        }
    }
    tokens.push((Token::End, text.len()..text.len()));
    Ok(tokens)
}

/// `1_000_000` is not CEL: the error points at the first `_` and shows the literal without them.
fn digit_separator(text: &str, start: usize, underscore: usize) -> SyntaxError {
    let bytes = text.as_bytes();
    let mut end = underscore;
    while end < bytes.len()
        && (bytes[end].is_ascii_digit()
            || bytes[end] == b'_'
            || (bytes[end] == b'.' && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)))
    {
        end += 1;
    }
    let written: String = text[start..end].chars().filter(|c| *c != '_').collect();
    SyntaxError {
        offset: underscore,
        message: format!("CEL has no digit separators; write {written}"),
    }
}

/// Parses a rule into its syntax tree.
pub fn parse(text: &str) -> Result<Expr, SyntaxError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.conditional()?;
    match parser.peek() {
        Token::End => Ok(expr),
        _ => Err(parser.unexpected("an operator or the end of the rule")),
    }
}

struct Parser {
    tokens: Vec<(Token, Range<usize>)>,
    pos: usize,
    depth: usize,
}

/// Deep enough for any real rule, shallow enough that no rule can overflow the stack.
const MAX_DEPTH: usize = 64;

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].0
    }

    fn span(&self) -> Range<usize> {
        self.tokens[self.pos].1.clone()
    }

    fn next(&mut self) -> (Token, Range<usize>) {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, punct: &str) -> bool {
        if matches!(self.peek(), Token::Punct(p) if *p == punct) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: &str) -> Result<Range<usize>, SyntaxError> {
        let span = self.span();
        if self.eat(punct) {
            Ok(span)
        } else {
            Err(self.unexpected(&format!("'{punct}'")))
        }
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        let found = match self.peek() {
            Token::End => "the end of the rule".to_string(),
            Token::Int(i) => format!("{i}"),
            Token::Double(d) => format!("{d}"),
            Token::Str(s) => format!("\"{s}\""),
            Token::Ident(s) => format!("'{s}'"),
            Token::Punct(p) => format!("'{p}'"),
        };
        SyntaxError {
            offset: self.span().start,
            message: format!("expected {expected}, found {found}"),
        }
    }

    fn nest(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError {
                offset: self.span().start,
                message: "the rule is nested too deeply".into(),
            });
        }
        Ok(())
    }

    fn conditional(&mut self) -> Result<Expr, SyntaxError> {
        self.nest()?;
        let condition = self.or()?;
        let result = if self.eat("?") {
            let then = self.or()?;
            self.expect(":")?;
            let otherwise = self.conditional()?;
            let span = condition.span.start..otherwise.span.end;
            Expr {
                kind: ExprKind::Conditional(
                    Box::new(condition),
                    Box::new(then),
                    Box::new(otherwise),
                ),
                span,
            }
        } else {
            condition
        };
        self.depth -= 1;
        Ok(result)
    }

    fn binary_level(
        &mut self,
        ops: &[(&'static str, BinaryOp)],
        next: fn(&mut Self) -> Result<Expr, SyntaxError>,
    ) -> Result<Expr, SyntaxError> {
        let mut left = next(self)?;
        'outer: loop {
            for (symbol, op) in ops {
                let matched = match self.peek() {
                    Token::Punct(p) => p == symbol,
                    Token::Ident(word) => word == symbol,
                    _ => false,
                };
                if matched {
                    self.next();
                    let right = next(self)?;
                    let span = left.span.start..right.span.end;
                    left = Expr {
                        kind: ExprKind::Binary(*op, Box::new(left), Box::new(right)),
                        span,
                    };
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(&[("||", BinaryOp::Or)], Self::and)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(&[("&&", BinaryOp::And)], Self::relation)
    }

    fn relation(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(
            &[
                ("==", BinaryOp::Eq),
                ("!=", BinaryOp::Ne),
                ("<=", BinaryOp::Le),
                (">=", BinaryOp::Ge),
                ("<", BinaryOp::Lt),
                (">", BinaryOp::Gt),
                ("in", BinaryOp::In),
            ],
            Self::addition,
        )
    }

    fn addition(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(
            &[("+", BinaryOp::Add), ("-", BinaryOp::Sub)],
            Self::multiplication,
        )
    }

    fn multiplication(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(
            &[
                ("*", BinaryOp::Mul),
                ("/", BinaryOp::Div),
                ("%", BinaryOp::Rem),
            ],
            Self::unary,
        )
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.span().start;
        let op = if self.eat("!") {
            UnaryOp::Not
        } else if self.eat("-") {
            // A negative literal is one token in CEL: -9223372036854775808 is a valid int.
            if let Token::Int(_) | Token::Double(_) = self.peek() {
                let (token, span) = self.next();
                let kind = match token {
                    Token::Int(i) => ExprKind::Int(-i),
                    Token::Double(d) => ExprKind::Double(-d),
                    _ => unreachable!("checked above"),
                };
                return self.member(Expr {
                    kind,
                    span: start..span.end,
                });
            }
            UnaryOp::Neg
        } else {
            return self.member_expr();
        };
        self.nest()?;
        let operand = self.unary()?;
        self.depth -= 1;
        let span = start..operand.span.end;
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    fn member_expr(&mut self) -> Result<Expr, SyntaxError> {
        let primary = self.primary()?;
        self.member(primary)
    }

    fn member(&mut self, mut expr: Expr) -> Result<Expr, SyntaxError> {
        while self.eat(".") {
            let (token, span) = self.next();
            let Token::Ident(name) = token else {
                self.pos -= 1;
                return Err(self.unexpected("a field or method name"));
            };
            if self.eat("(") {
                let args = self.arguments()?;
                let end = self.tokens[self.pos - 1].1.end;
                expr = Expr {
                    span: expr.span.start..end,
                    kind: ExprKind::Method(Box::new(expr), name, args),
                };
            } else {
                expr = Expr {
                    span: expr.span.start..span.end,
                    kind: ExprKind::Select(Box::new(expr), name),
                };
            }
        }
        Ok(expr)
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, SyntaxError> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.conditional()?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        if matches!(
            self.peek(),
            Token::End
                | Token::Punct(
                    ")" | "]"
                        | ","
                        | "."
                        | "?"
                        | ":"
                        | "&&"
                        | "||"
                        | "=="
                        | "!="
                        | "<"
                        | "<="
                        | ">"
                        | ">="
                        | "*"
                        | "/"
                        | "%"
                        | "+"
                )
        ) {
            return Err(self.unexpected("an expression"));
        }
        let (token, span) = self.next();
        let kind = match token {
            Token::Int(i) => ExprKind::Int(i),
            Token::Double(d) => ExprKind::Double(d),
            Token::Str(s) => ExprKind::Str(s),
            Token::Ident(word) => match word.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                _ if self.eat("(") => {
                    let args = self.arguments()?;
                    let end = self.tokens[self.pos - 1].1.end;
                    return Ok(Expr {
                        kind: ExprKind::Call(word, args),
                        span: span.start..end,
                    });
                }
                _ => ExprKind::Ident(word),
            },
            Token::Punct("(") => {
                self.nest()?;
                let inner = self.conditional()?;
                self.depth -= 1;
                let end = self.expect(")")?.end;
                return Ok(Expr {
                    kind: inner.kind,
                    span: span.start..end,
                });
            }
            Token::Punct("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.conditional()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                let end = self.tokens[self.pos - 1].1.end;
                return Ok(Expr {
                    kind: ExprKind::List(items),
                    span: span.start..end,
                });
            }
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("an expression"));
            }
        };
        Ok(Expr { kind, span })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsupported_escape_is_reported_at_its_backslash_whatever_its_width() {
        for text in [r#""a\q""#, "\"𐓘\\🌀\""] {
            let error = crate::rule::Rule::parse(text).expect_err("an unsupported escape");
            assert_eq!(&text[error.offset..error.offset + 1], "\\", "{text}");
        }
    }

    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Double(d) => format!("{d:?}"),
            ExprKind::Str(s) => format!("{s:?}"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::List(items) => format!(
                "[{}]",
                items.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Ident(n) => n.clone(),
            ExprKind::Select(o, f) => format!("{}.{f}", shape(o)),
            ExprKind::Unary(UnaryOp::Not, o) => format!("!{}", shape(o)),
            ExprKind::Unary(UnaryOp::Neg, o) => format!("-{}", shape(o)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", shape(a), op.symbol(), shape(b)),
            ExprKind::Conditional(c, a, b) => {
                format!("({} ? {} : {})", shape(c), shape(a), shape(b))
            }
            ExprKind::Call(n, args) => format!(
                "{n}({})",
                args.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Method(t, n, args) => {
                format!(
                    "{}.{n}({})",
                    shape(t),
                    args.iter().map(shape).collect::<Vec<_>>().join(",")
                )
            }
        }
    }

    fn p(text: &str) -> String {
        shape(&parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}")))
    }

    #[test]
    fn precedence_follows_cel() {
        assert_eq!(p("a || b && c"), "(a || (b && c))");
        assert_eq!(
            p("1 + 2 * 3 < 10 == true"),
            "(((1 + (2 * 3)) < 10) == true)"
        );
        assert_eq!(p("!a.b && -x.y > 2"), "(!a.b && (-x.y > 2))");
        assert_eq!(p("a ? b : c ? d : e"), "(a ? b : (c ? d : e))");
        assert_eq!(
            p("\"C\" in firm.designations"),
            "(\"C\" in firm.designations)"
        );
        assert_eq!(
            p("firm.sector.startsWith('C2')"),
            "firm.sector.startsWith(\"C2\")"
        );
        assert_eq!(
            p("size(firm.designations) >= 2"),
            "(size(firm.designations) >= 2)"
        );
        assert_eq!(p("[1, 2.5, 'x']"), "[1,2.5,\"x\"]");
        assert_eq!(p("1000000 <= -3"), "(1000000 <= -3)");
        assert_eq!(p("-9223372036854775807 - 1"), "(-9223372036854775807 - 1)");
    }

    #[test]
    fn digit_separators_are_refused_as_in_cel() {
        let e = parse("firm.revenue_krw >= 1_000_000").expect_err("separator");
        assert_eq!(e.offset, 21);
        assert_eq!(e.message, "CEL has no digit separators; write 1000000");
        let e = parse("2_5.5 > 1.0").expect_err("separator in a double");
        assert_eq!(e.offset, 1);
        assert_eq!(e.message, "CEL has no digit separators; write 25.5");
        assert!(parse("firm.revenue_krw >= 1000000").is_ok());
    }

    #[test]
    fn spans_cover_the_source() {
        let text = "firm.age_years <= 7 && firm.stage == 'early'";
        let e = parse(text).expect("parse");
        let ExprKind::Binary(_, left, right) = &e.kind else {
            panic!("binary")
        };
        assert_eq!(&text[left.span.clone()], "firm.age_years <= 7");
        assert_eq!(&text[right.span.clone()], "firm.stage == 'early'");
        assert_eq!(e.span, 0..text.len());
    }

    #[test]
    fn errors_say_where_and_why() {
        let e = parse("firm.age_years <= ").expect_err("incomplete");
        assert_eq!(e.offset, 18);
        assert!(e.message.contains("expected an expression"), "{e:?}");
        let e = parse("firm.x # 2").expect_err("bad char");
        assert_eq!(e.offset, 7);
        assert!(parse("'abc").is_err());
        assert!(parse("(1 + 2").is_err());
        assert!(parse("99999999999999999999").is_err());
        let deep = format!("{}1{}", "(".repeat(200), ")".repeat(200));
        assert!(
            parse(&deep)
                .expect_err("deep")
                .message
                .contains("nested too deeply")
        );
    }
}
