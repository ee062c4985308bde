//! A set of rules kept in a TOML file, one `[[rule]]` table each with its `id` and its CEL
//! `rule`: what `ucz bench match --rules` measures, so that a rule set of one's own (real
//! announcements, a held-out set) can be timed beside other tools on the same firms.

use serde::Deserialize;
use toml::Spanned;

use super::Rule;
use crate::message::{Key, Message};
use crate::source::{InputErrors, SourceFile};

/// A rule of a set, with the id its file gives it.
#[derive(Clone, Debug)]
pub struct NamedRule {
    pub id: String,
    pub rule: Rule,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Spanned<String>,
    rule: Spanned<String>,
}

/// Reads a rule set, reporting every rule that does not parse or type-check at its line and
/// column, and every id given twice.
pub fn parse(file: SourceFile<'_>) -> Result<Vec<NamedRule>, InputErrors> {
    let parsed: File = toml::from_str(file.text).map_err(|e| file.toml_error(&e))?;
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut rules = Vec::with_capacity(parsed.rule.len());
    for entry in parsed.rule {
        let id = entry.id.get_ref().clone();
        if !seen.insert(id.clone()) {
            let message = Message::new(Key::DuplicateIdInFile).arg("id", &id);
            errors.push(file.error_keyed(Some(entry.id.span()), message));
            continue;
        }
        let span = entry.rule.span();
        match Rule::parse(entry.rule.get_ref()) {
            Ok(rule) => rules.push(NamedRule { id, rule }),
            Err(e) => {
                // Inside a one-line string: past its opening quote, at the error's offset.
                let at = span.start + 1 + e.offset;
                let message = format!("rule {id}: {}", e.message);
                errors.push(
                    file.error(Some(at..at), message)
                        .field(format!("{id}.rule")),
                );
            }
        }
    }
    if rules.is_empty() && errors.is_empty() {
        errors.push(file.error(None, "no [[rule]] with an id and a rule"));
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(InputErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_is_read_or_every_bad_rule_placed() {
        let good =
            "[[rule]]\nid = \"a\"\nrule = \"firm.employees > 3 ? firm.age_years < 7 : true\"\n";
        let rules = parse(SourceFile::new("r.toml", good)).expect("a rule set");
        assert_eq!((rules.len(), rules[0].id.as_str()), (1, "a"));
        let bad = "[[rule]]\nid = \"a\"\nrule = \"firm.employes > 3\"\n\n[[rule]]\nid = \"a\"\nrule = \"true\"\n";
        let errors = parse(SourceFile::new("r.toml", bad))
            .expect_err("bad rules")
            .0;
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].position, Some((3, 14)), "at the unknown field");
        assert!(
            errors[0].message.contains("employes"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[1].position, Some((6, 6)));
        assert!(parse(SourceFile::new("r.toml", "")).is_err());
        assert!(parse(SourceFile::new("r.toml", "[[rule]]\nid = 1\n")).is_err());
    }
}
