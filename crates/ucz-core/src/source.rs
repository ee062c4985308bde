//! Where input came from, and errors that point into it: `file:line:column`, the field, what is
//! wrong and what was expected. Every error a user can cause by editing a file is one of these.

use std::fmt;
use std::ops::Range;

use crate::id::Id;
use crate::message::{Key, Message};

/// A named text, as read by the caller (the core does no I/O).
#[derive(Clone, Copy, Debug)]
pub struct SourceFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl<'a> SourceFile<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Self {
        Self { name, text }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: self.name.to_string(),
            line,
            column,
        }
    }

    /// An error at the start of `span`, or at the file as a whole when there is no span.
    pub fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> InputError {
        InputError {
            file: self.name.to_string(),
            position: span.map(|s| {
                let l = self.locate(s.start);
                (l.line, l.column)
            }),
            field: None,
            message: message.into(),
            keyed: None,
            expected: Vec::new(),
        }
    }

    /// An error with a message of the catalogue, so that it can be shown in either language.
    pub fn error_keyed(&self, span: Option<Range<usize>>, message: Message) -> InputError {
        InputError {
            keyed: Some(Box::new(message.clone())),
            ..self.error(span, message.to_string())
        }
    }

    /// [`SourceFile::error_keyed`], placed where the identifier was written.
    pub fn error_at_keyed(&self, id: &Id, message: Message) -> InputError {
        self.error_keyed(id.span(), message)
    }

    /// An error about an identifier, placed where the identifier was written.
    pub fn error_at(&self, id: &Id, message: impl Into<String>) -> InputError {
        self.error(id.span(), message)
    }

    /// Turns a TOML syntax or shape error into an [`InputError`] at its place.
    pub fn toml_error(&self, error: &toml::de::Error) -> InputError {
        // Rust type names mean nothing to the people who write these files.
        let message = error
            .message()
            .trim_end()
            .replace("i64", "a whole number")
            .replace("i128", "a whole number")
            .replace("u32", "a whole number")
            .replace("f64", "a number")
            .replace("a spanned value", "a text value");
        // The core's own deserialisers' messages keep their key; TOML's text goes inside one.
        let keyed = Message::recognize(error.message().trim_end(), Message::DESERIALISERS)
            .unwrap_or_else(|| Message::new(Key::Toml).arg("detail", &message));
        let located = InputError {
            keyed: Some(Box::new(keyed)),
            ..self.error(error.span(), message)
        };
        // A missing field is reported at its table, not at any key of it.
        if error.message().starts_with("missing field") {
            return located;
        }
        match error.span().and_then(|span| self.field_at(span)) {
            Some(field) => located.field(field),
            None => located,
        }
    }

    /// The key a TOML error points at, as a path (`facility[1].floor_area_m2`): the key of the
    /// `key = value` line the span lies on, under the array-of-tables header above it.
    fn field_at(&self, span: Range<usize>) -> Option<String> {
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[line_start..line_end].trim();
        let header = |line: &str| -> Option<String> {
            let name = line.strip_prefix("[[")?.split("]]").next()?.trim();
            let count = self.text[..line_start]
                .lines()
                .filter(|l| {
                    l.trim()
                        .strip_prefix("[[")
                        .and_then(|r| r.split("]]").next())
                        .map(str::trim)
                        == Some(name)
                })
                .count();
            Some(format!("{name}[{count}]"))
        };
        if line.starts_with("[[") {
            return header(line);
        }
        if let Some(name) = line.strip_prefix('[').and_then(|r| r.split(']').next()) {
            return Some(name.trim().to_string());
        }
        if span.end > line_end {
            return None;
        }
        let key = line.split('=').next()?.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return None;
        }
        // The nearest table header above decides what the key belongs to.
        let table = self.text[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('['));
        match table {
            Some(t) if t.starts_with("[[") => {
                let name = t.trim_start_matches('[').split(']').next()?.trim();
                let index = self.text[..line_start]
                    .lines()
                    .filter(|l| {
                        l.trim()
                            .strip_prefix("[[")
                            .and_then(|r| r.split("]]").next())
                            .map(str::trim)
                            == Some(name)
                    })
                    .count();
                Some(format!("{name}[{}].{key}", index.saturating_sub(1)))
            }
            Some(t) => Some(format!(
                "{}.{key}",
                t.trim_start_matches('[').split(']').next()?.trim()
            )),
            None => Some(key.to_string()),
        }
    }
}

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// One thing wrong with a file a user wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// Line and column, both from 1.
    pub position: Option<(usize, usize)>,
    /// The field, as a path (`facility[2].type`).
    pub field: Option<String>,
    /// The English text: what the command line prints.
    pub message: String,
    /// The same message by key, for showing it in either language (boxed: errors travel in
    /// `Result`s). The catalog's own checks,
    /// read by its maintainers on the command line, have none.
    pub keyed: Option<Box<Message>>,
    /// The values that would have been accepted, when there is a short list of them.
    pub expected: Vec<String>,
}

impl InputError {
    /// The message by key (an unkeyed one inside a keyed sentence).
    pub fn keyed_message(&self) -> Message {
        match &self.keyed {
            Some(message) => (**message).clone(),
            None => Message::new(Key::InputText).arg("text", &self.message),
        }
    }

    /// [`InputError::keyed_message`] with the values that would have been accepted.
    pub fn message_by_key(&self) -> Message {
        let message = self.keyed_message();
        if self.expected.is_empty() {
            message
        } else {
            Message::new(Key::WithExpected)
                .with("message", message)
                .arg("values", self.expected.join(", "))
        }
    }

    /// Replaces the message, in English and by key.
    pub fn set_message(&mut self, message: Message) {
        self.message = message.to_string();
        self.keyed = Some(Box::new(message));
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn expected<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        self.expected = values.into_iter().map(|v| v.to_string()).collect();
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if !self.expected.is_empty() {
            write!(f, "; expected one of: {}", self.expected.join(", "))?;
        }
        Ok(())
    }
}

/// Everything wrong with a set of files, in the order found. Never empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {error}")?;
        }
        Ok(())
    }
}

impl From<InputError> for InputErrors {
    fn from(error: InputError) -> Self {
        Self(vec![error])
    }
}

/// Collects errors while a check goes on, so that one run reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Vec<InputError>);

impl Errors {
    pub(crate) fn push(&mut self, error: InputError) {
        self.0.push(error);
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, InputErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(InputErrors(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns_in_characters() {
        let file = SourceFile::new("z.toml", "a = 1\n이름 = \"x\"\n");
        assert_eq!(
            file.locate(0),
            Location {
                file: "z.toml".into(),
                line: 1,
                column: 1
            }
        );
        let offset = file.text.find('"').expect("quote");
        let loc = file.locate(offset);
        assert_eq!((loc.line, loc.column), (2, 6));
    }

    #[test]
    fn displays_file_line_column_field_and_expected() {
        let file = SourceFile::new("z.toml", "x = \"foo\"\n");
        let error = file
            .error(Some(4..9), "unknown function id \"foo\"")
            .field("functions[0]")
            .expected(["innovation", "startup"]);
        assert_eq!(
            error.to_string(),
            "z.toml:1:5: field `functions[0]`: unknown function id \"foo\"; expected one of: innovation, startup"
        );
    }
}
