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

/// The bytes a hidden character's UTF-8 form starts with: ASCII controls, and the lead bytes of
/// the blocks that hold one (U+0080–U+00BF, U+0600–U+063F, U+1000–U+3FFF, U+F000–U+FFFF,
/// U+C0000–U+FFFFF). Hangul syllables and most text never start with one, so a name is usually
/// passed after one look at each byte.
const SUSPECT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[0x7F] = true;
    table[0xC2] = true;
    table[0xD8] = true;
    table[0xE1] = true;
    table[0xE2] = true;
    table[0xE3] = true;
    table[0xEF] = true;
    table[0xF3] = true;
    table
};

/// The first hidden character of `text`, for a message that names it (`U+202E`).
pub fn first_hidden(text: &str) -> Option<String> {
    if !text.bytes().any(|b| SUSPECT[usize::from(b)]) {
        return None;
    }
    text.chars()
        .find(|c| is_hidden(*c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hidden character starts with a byte the prefilter looks at.
    #[test]
    fn every_hidden_character_starts_with_a_suspect_byte() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if is_hidden(c) {
                let mut buffer = [0u8; 4];
                let first = c.encode_utf8(&mut buffer).as_bytes()[0];
                assert!(SUSPECT[usize::from(first)], "U+{:04X}", u32::from(c));
            }
        }
    }

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
