//! What a name may hold: visible text on one line. Control characters, and the format characters
//! that change how text is shown without being seen (bidirectional overrides and isolates such
//! as U+202E, zero-width spaces and joiners, the byte-order mark, the soft hyphen), let a name
//! pass for another in a list or a report; they are refused wherever a name is read.

/// Whether `c` is a control or an invisible format character.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'                  // soft hyphen
            | '\u{061C}'                // Arabic letter mark
            | '\u{115F}' | '\u{1160}'   // Hangul choseong/jungseong fillers
            | '\u{180E}'                // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space, joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}'   // bidirectional embeddings and overrides
            | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}'   // bidirectional isolates, deprecated format characters
            | '\u{3164}'                // Hangul filler
            | '\u{FEFF}'                // zero-width no-break space (byte-order mark)
            | '\u{FFA0}'                // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tags
        )
}

/// The first hidden character of `text`, for a message that names it (`U+202E`).
pub fn first_hidden(text: &str) -> Option<String> {
    text.chars()
        .find(|c| is_hidden(*c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_and_latin_names_are_visible() {
        assert_eq!(first_hidden("대전 도심융합특구 Daejeon-1 (주)"), None);
    }

    #[test]
    fn overrides_zero_widths_and_controls_are_named() {
        assert_eq!(first_hidden("abc\u{202E}txt.exe"), Some("U+202E".into()));
        assert_eq!(first_hidden("a\u{200B}b"), Some("U+200B".into()));
        assert_eq!(first_hidden("a\u{2067}b"), Some("U+2067".into()));
        assert_eq!(first_hidden("line\nbreak"), Some("U+000A".into()));
        assert_eq!(first_hidden("\u{FEFF}bom"), Some("U+FEFF".into()));
    }
}
