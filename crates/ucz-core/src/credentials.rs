//! What a founder gives to make an account of its own: an e-mail address, a password, the
//! business registration number (사업자등록번호) of a registered firm, and consent to the privacy
//! notice of a version. Each is checked here, without I/O; a problem is a message key.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::message::{Key, Message};

/// Passwords shorter than this are refused (NIST SP 800-63B asks for 8 at least; a list of
/// common passwords and no composition rules beside it).
pub const MIN_PASSWORD: usize = 10;
/// Longer ones are refused too: Argon2 hashes what it is given, and a megabyte of password is
/// work for the server, not safety for the account.
pub const MAX_PASSWORD: usize = 128;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// What is wrong with a new password, if anything: too short or long, among the common
/// passwords (`data/common-passwords.txt`, compared in lower case), or the account's own e-mail
/// address or its name part.
pub fn password_problem(password: &str, email: Option<&str>) -> Option<Message> {
    let length = password.chars().count();
    if length < MIN_PASSWORD {
        return Some(Message::new(Key::PasswordShort).arg("min", MIN_PASSWORD));
    }
    if length > MAX_PASSWORD {
        return Some(Message::new(Key::PasswordLong).arg("max", MAX_PASSWORD));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Some(Message::new(Key::PasswordCommon));
    }
    if let Some(email) = email {
        let email = email.to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        if lower == email || (local.chars().count() >= 4 && lower.contains(local)) {
            return Some(Message::new(Key::PasswordHasEmail));
        }
    }
    None
}

/// An e-mail address as ucz keeps it: trimmed, in lower case (addresses are compared so), of a
/// plain form — a local part of letters, digits and `.!#$%&'*+/=?^_`{|}~-`, an `@`, and a domain
/// of at least two labels of letters, digits and hyphens; 254 characters at most (RFC 5321).
/// Quoted local parts and address literals, which no founder types, are refused.
pub fn email(text: &str) -> Result<String, Message> {
    let address = text.trim().to_lowercase();
    let wrong = || Message::new(Key::EmailForm);
    if address.len() > 254 {
        return Err(wrong());
    }
    let (local, domain) = address.split_once('@').ok_or_else(wrong)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()) && tld.len() >= 2);
    if local_ok && domain_ok {
        Ok(address)
    } else {
        Err(wrong())
    }
}

/// A business registration number (사업자등록번호) as ten digits, from `123-45-67890` or
/// `1234567890`, when its check digit is right: the first nine digits weighed by
/// 1,3,7,1,3,7,1,3,5, the ninth's product's tens added, and the tenth digit making the sum a
/// multiple of ten (국세청's rule).
pub fn business_number(text: &str) -> Result<String, Message> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    let wrong = || Message::new(Key::BusinessNumberForm);
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(wrong());
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = d.iter().zip(WEIGHTS).map(|(a, w)| a * w).sum();
    sum += d[8] * 5 / 10;
    if (10 - sum % 10) % 10 == d[9] {
        Ok(digits)
    } else {
        Err(wrong())
    }
}

/// The privacy notice (개인정보 처리방침) founders consent to, by version: what is collected,
/// why, for how long, and what is kept after an account is removed. Its text is data
/// (`data/privacy.toml`); a sign-up records the version it agreed to.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
pub struct PrivacyNotice {
    pub version: String,
    pub ko: NoticeText,
    pub en: NoticeText,
}

/// One language of the notice: headed sections of paragraphs.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
pub struct NoticeText {
    pub title: String,
    pub sections: Vec<NoticeSection>,
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
pub struct NoticeSection {
    pub heading: String,
    pub text: String,
}

static PRIVACY: LazyLock<PrivacyNotice> = LazyLock::new(|| {
    toml::from_str(include_str!("../data/privacy.toml"))
        .unwrap_or_else(|e| panic!("data/privacy.toml (compiled in, tested): {e}"))
});

impl PrivacyNotice {
    /// The notice compiled in.
    pub fn current() -> &'static PrivacyNotice {
        &PRIVACY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_numbers_are_checked_by_their_check_digit() {
        // Numbers whose check digit follows the rule.
        assert_eq!(business_number("220-81-62517").as_deref(), Ok("2208162517"));
        assert_eq!(business_number("124-81-00998").as_deref(), Ok("1248100998"));
        assert!(
            business_number("220-81-62518").is_err(),
            "a wrong check digit"
        );
        assert!(business_number("220-81-6251").is_err(), "nine digits");
        assert!(business_number("22O-81-62517").is_err(), "a letter");
        assert!(business_number("").is_err());
    }

    #[test]
    fn e_mail_addresses_of_a_plain_form() {
        assert_eq!(
            email(" Kim.Founder+ucz@Example.KR ").as_deref(),
            Ok("kim.founder+ucz@example.kr")
        );
        for bad in [
            "founder",
            "founder@",
            "@example.kr",
            "a@b",
            "a..b@example.kr",
            "a@-example.kr",
            "a b@example.kr",
            "김@example.kr",
            "a@example.k1",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@example.kr", "a".repeat(65))).is_err());
    }

    #[test]
    fn passwords_short_long_common_or_the_address_are_refused() {
        let key = |p: &str, e: Option<&str>| password_problem(p, e).map(|m| m.key);
        assert_eq!(key("short", None), Some(Key::PasswordShort));
        assert_eq!(key(&"x".repeat(129), None), Some(Key::PasswordLong));
        assert_eq!(key("QWERTYUIOP", None), Some(Key::PasswordCommon));
        assert_eq!(key("qwer1234!@", None), Some(Key::PasswordCommon));
        assert_eq!(
            key("founder.kim2026", Some("founder.kim@example.kr")),
            Some(Key::PasswordHasEmail)
        );
        assert_eq!(key("말 없는 오후의 창가 7", None), None);
        assert_eq!(key("correct horse battery", Some("kim@example.kr")), None);
    }

    #[test]
    fn the_privacy_notice_reads_in_both_languages() {
        let notice = PrivacyNotice::current();
        assert!(!notice.version.is_empty());
        assert_eq!(notice.ko.sections.len(), notice.en.sections.len());
        assert!(notice.ko.sections.len() >= 5);
    }
}
