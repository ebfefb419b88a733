//! Free text that users type (names, bios, titles, descriptions): the checks
//! every text value object shares, so that each states only its limit.

use crate::errors::FieldProblem;

/// Why a free-text value is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing but white space.
    #[error("can't be blank")]
    Blank,
    /// Longer than the limit.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Contains control characters (other than line breaks and tabs where allowed).
    #[error("must not contain control characters")]
    ControlCharacter,
}

impl FieldProblem for TextError {
    fn code(&self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::TooLong { .. } => "too_long",
            Self::ControlCharacter => "invalid_characters",
        }
    }
}

/// Whether `text` has more than `max` characters. A character takes at least
/// one byte, so only text longer than `max` bytes is counted: reads of stored
/// text (checked again on every read) mostly skip the count.
pub(crate) fn exceeds(text: &str, max: usize) -> bool {
    text.len() > max && text.chars().count() > max
}

/// `text` lower-cased; ASCII text (nearly every handle and tag) without
/// Unicode case mapping.
pub(crate) fn lowercase(text: &str) -> String {
    if text.is_ascii() { text.to_ascii_lowercase() } else { text.to_lowercase() }
}

/// Trims `raw` and checks it is not blank, at most `max` characters, and free
/// of control characters (line breaks and tabs allowed when `multiline`).
pub(crate) fn parse_text(raw: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let text = raw.trim();
    check_text(text, max, multiline)?;
    Ok(text.to_owned())
}

/// [`parse_text`] of a string it takes ownership of: text that needs no
/// trimming (all stored text) is kept, not copied.
pub(crate) fn parse_owned_text(raw: String, max: usize, multiline: bool) -> Result<String, TextError> {
    let text = raw.trim();
    check_text(text, max, multiline)?;
    Ok(if text.len() == raw.len() { raw } else { text.to_owned() })
}

fn check_text(text: &str, max: usize, multiline: bool) -> Result<(), TextError> {
    if text.is_empty() {
        return Err(TextError::Blank);
    }
    if exceeds(text, max) {
        return Err(TextError::TooLong { max });
    }
    if has_control_character(text, multiline) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

/// Whether `text` holds a control character, line breaks and tabs aside
/// when `multiline`. Every stored title, description and bio is checked
/// again on every read, so ASCII text, the common case, is scanned as bytes
/// without stopping early, which the compiler turns into a vector loop.
fn has_control_character(text: &str, multiline: bool) -> bool {
    let allowed = |byte: u8| multiline & ((byte == b'\n') | (byte == b'\r') | (byte == b'\t'));
    let (non_ascii, control) = text.bytes().fold((false, false), |(non_ascii, control), byte| {
        (non_ascii | (byte >= 0x80), control | (((byte < 0x20) | (byte == 0x7f)) & !allowed(byte)))
    });
    if !non_ascii {
        return control;
    }
    text.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

/// `TryFrom<String>` for text values checked by [`parse_owned_text`]: the
/// same checks as their `parse`, keeping the string when it needs no trimming.
macro_rules! text_try_from_string {
    ($name:ty, $multiline:expr) => {
        impl TryFrom<String> for $name {
            type Error = TextError;

            fn try_from(raw: String) -> Result<Self, TextError> {
                $crate::text::parse_owned_text(raw, Self::MAX_LEN, $multiline).map(Self)
            }
        }
    };
}
pub(crate) use text_try_from_string;
#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::values::{Bio, DisplayName};
    use crate::content::values::{Description, Title};

    /// Texts on both sides of every check: trimming, blank, length in
    /// characters (multi-byte ones included), ASCII and non-ASCII control
    /// characters, line breaks and tabs.
    fn texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "Plain",
            "  padded\t",
            "",
            " \n ",
            "bell\u{7}",
            "del\u{7f}",
            "line\nbreak",
            "tab\there",
            "cr\rlf",
            "é accent",
            "next line\u{85}é",
            "zero width\u{200b}",
            "\u{9f}",
            "quote \" and \\",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        for length in [63, 64, 65, 999, 1000, 1001] {
            texts.push("x".repeat(length));
            texts.push("é".repeat(length));
        }
        texts
    }

    #[test]
    fn text_values_from_owned_strings_pass_the_checks_of_parse_and_keep_the_result() {
        for text in texts() {
            assert_eq!(
                DisplayName::try_from(text.clone()).map(String::from),
                DisplayName::parse(&text).map(String::from),
                "{text:?}"
            );
            assert_eq!(Bio::try_from(text.clone()).map(String::from), Bio::parse(&text).map(String::from), "{text:?}");
            assert_eq!(Title::try_from(text.clone()).map(String::from), Title::parse(&text).map(String::from));
            assert_eq!(
                Description::try_from(text.clone()).map(String::from),
                Description::parse(&text).map(String::from)
            );
        }
    }

    #[test]
    fn control_characters_are_found_in_ascii_and_beyond() {
        for text in texts() {
            for multiline in [false, true] {
                let by_char = text.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
                assert_eq!(has_control_character(&text, multiline), by_char, "{text:?}, multiline {multiline}");
            }
        }
        assert!(has_control_character("del\u{7f}", true));
        assert!(!has_control_character("two\nlines", true));
        assert!(has_control_character("two\nlines", false));
    }
}
