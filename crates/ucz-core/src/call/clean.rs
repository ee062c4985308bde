//! The text of portal records made plain: HTML entities decoded (`&#40;`, `&amp;`), tags
//! dropped from summaries, `\r\n` and runs of spaces folded, links found in Markdown and made
//! absolute.

/// Text with its HTML entities decoded, tags removed, line breaks and runs of white space folded
/// to one space, and trimmed. Used on every text field of an imported record.
pub fn plain(text: &str) -> String {
    let decoded = decode_entities(&strip_tags(text));
    // Entities may hide tags (`&lt;p&gt;`) only in text that means them literally; keep those.
    // The portals write the Hangul letter araea (ㆍ) as a middle dot; fonts for the web have the dot.
    decoded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\u{318D}', "·")
}

/// `Some(plain(text))` unless it is empty.
pub fn plain_opt(text: &str) -> Option<String> {
    let plain = plain(text);
    (!plain.is_empty()).then_some(plain)
}

/// HTML tags removed; a block tag (`<p>`, `<br>`, `<li>`, `<div>`) becomes a space.
fn strip_tags(text: &str) -> String {
    if !text.contains('<') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // A `<` not starting a tag (`a < b`, `<3`) is text.
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(close) if starts_tag => {
                out.push(' ');
                rest = &after[close + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Numeric (`&#40;`, `&#x28;`) and the common named entities decoded; anything else kept as is.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &after[..end];
            entity(name).map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "middot" => '·',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        _ => return None,
    })
}

/// A link in text: a Markdown link's target (`[www…](https://…)`), or the text itself when it is
/// an address; relative paths made absolute against `base`. `None` when there is no link.
pub fn link(text: &str, base: &str) -> Option<String> {
    let text = text.trim();
    let target = match (text.find("]("), text.ends_with(')')) {
        (Some(at), true) if text.starts_with('[') => &text[at + 2..text.len() - 1],
        _ => text,
    };
    absolute(target.trim(), base)
}

/// The words of a Markdown link (`[www.k-startup.go.kr](https://…)` → `www.k-startup.go.kr`);
/// other text as it is.
pub fn label(text: &str) -> String {
    let t = text.trim();
    match (t.starts_with('['), t.find("]("), t.ends_with(')')) {
        (true, Some(at), true) => t[1..at].to_string(),
        _ => t.to_string(),
    }
}

/// `url` if it is an http(s) address; a path (`/sii/…`) under `base`; `www.…` as https.
pub fn absolute(url: &str, base: &str) -> Option<String> {
    if url.contains(char::is_whitespace) || url.is_empty() {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(url.to_string());
    }
    if url.starts_with('/') && !url.starts_with("//") {
        return Some(format!("{}{url}", base.trim_end_matches('/')));
    }
    if lower.starts_with("www.") {
        return Some(format!("https://{url}"));
    }
    None
}

/// A title as grouping compares it: leading bracketed tags (`[대전]`, `(공고)`) dropped, every
/// character that is not a letter or a digit removed, Latin letters lower-cased. Two portals'
/// titles of one call differ in such things only.
pub fn title_key(title: &str) -> String {
    let mut rest = title.trim();
    loop {
        let closing = match rest.chars().next() {
            Some('[') => ']',
            Some('【') => '】',
            Some('<') => '>',
            Some('〈') => '〉',
            _ => break,
        };
        match rest.find(closing) {
            Some(end) => rest = rest[end + closing.len_utf8()..].trim_start(),
            None => break,
        }
    }
    rest.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_tags_and_line_breaks_become_plain_text() {
        assert_eq!(plain("기술개발(R&amp;D)"), "기술개발(R&D)");
        assert_eq!(plain("시설ㆍ공간ㆍ보육"), "시설·공간·보육");
        assert_eq!(plain("서울 AI 허브 &#40;본관&#41;"), "서울 AI 허브 (본관)");
        assert_eq!(
            plain("&#x28;x&#x29; &unknown; & more"),
            "(x) &unknown; & more"
        );
        assert_eq!(
            plain("2026 하반기 서울 AI 허브 입주기업 모집 공고\r\n"),
            "2026 하반기 서울 AI 허브 입주기업 모집 공고"
        );
        assert_eq!(plain("<p>첫째</p><p>둘째<br/>셋째</p>"), "첫째 둘째 셋째");
        assert_eq!(plain("a < b and 3<4"), "a < b and 3<4");
        assert_eq!(plain("&#0; &#99999999;"), "&#0; &#99999999;");
    }

    #[test]
    fn links_are_found_and_made_absolute() {
        let base = "https://www.bizinfo.go.kr";
        assert_eq!(
            link(
                "[www.k-startup.go.kr](https://www.k-startup.go.kr/apply/177976)",
                base
            )
            .as_deref(),
            Some("https://www.k-startup.go.kr/apply/177976")
        );
        assert_eq!(
            link(
                "/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000112233",
                base
            )
            .as_deref(),
            Some(
                "https://www.bizinfo.go.kr/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000112233"
            )
        );
        assert_eq!(
            link("https://buly.kr/HHf3KNe", base).as_deref(),
            Some("https://buly.kr/HHf3KNe")
        );
        assert_eq!(
            link("www.example.kr/apply", base).as_deref(),
            Some("https://www.example.kr/apply")
        );
        assert_eq!(link("방문 접수", base), None);
        assert_eq!(link("javascript:alert(1)", base), None);
    }

    #[test]
    fn titles_compare_without_tags_spaces_and_punctuation() {
        assert_eq!(
            title_key("[대전] 2026년 웰컴 투 팁스 1차 참가기업 모집(충청권)"),
            title_key("2026년 웰컴 투 팁스 1차 참가기업 모집 (충청권)")
        );
        assert_ne!(title_key("2026년 1차 모집"), title_key("2026년 2차 모집"));
    }
}
