//! Long text (post bodies, descriptions, comments) written into JSON by a
//! vectorised escaper.
//!
//! serde_json escapes a string one byte at a time, and that loop was the
//! largest single cost of the post reads: 28 % of the instructions of
//! `GET /api/v1/posts/{slug}` (README, "Performance"). `json-escape-simd`
//! escapes 16 or 32 bytes per step (SSE2 or AVX2, chosen at run time) and
//! writes the same text serde_json writes. Its output reaches the response
//! as a [`RawValue`], which serde_json copies verbatim.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// Below this many bytes serde_json's own loop is as cheap as the escaper's
/// allocation and the check of its output: with the threshold at 64, a page
/// of 20 summaries (descriptions of 84 bytes on average) took as many
/// instructions as without the escaper.
const VECTORISED_FROM: usize = 128;

/// Text that is often long, serialised to JSON exactly as a `String` is.
///
/// Only for JSON: the serde data model has no "raw text", so a serializer for
/// another format would see serde_json's private `RawValue` token instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LongText(String);

impl From<String> for LongText {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl Serialize for LongText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.len() < VECTORISED_FROM {
            return serializer.serialize_str(&self.0);
        }
        // `from_string` parses the escaped text once more, at a fraction of
        // the escaping loop's cost; its unchecked twin is `unsafe`, which the
        // workspace forbids.
        match RawValue::from_string(json_escape_simd::escape(&self.0)) {
            Ok(raw) => raw.serialize(serializer),
            Err(_) => serializer.serialize_str(&self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_serde_json_writes(text: &str) {
        let long = LongText(text.to_owned());
        assert_eq!(
            serde_json::to_string(&long).expect("serialises"),
            serde_json::to_string(text).expect("serialises"),
            "{text:?}"
        );
        assert_eq!(
            serde_json::to_value(&long).expect("serialises"),
            serde_json::Value::String(text.to_owned()),
            "{text:?}"
        );
    }

    #[test]
    fn every_character_class_is_written_as_serde_json_writes_it() {
        // Each ASCII character and a few multi-byte ones, alone and at every
        // offset of a run long enough to take the vectorised path.
        let mut specials: Vec<char> = (0_u8..=0x7f).map(char::from).collect();
        specials.extend(['é', 'ß', '€', '😀', '\u{2028}', '\u{2029}', '\u{feff}', '\u{10ffff}']);
        for special in specials {
            as_serde_json_writes(&special.to_string());
            for offset in 0..70 {
                let mut text = "a".repeat(offset);
                text.push(special);
                text.push_str(&"b".repeat(VECTORISED_FROM + 70 - offset));
                as_serde_json_writes(&text);
            }
        }
    }

    #[test]
    fn lengths_around_the_vector_widths_are_written_as_serde_json_writes_them() {
        let pattern = "Markdown \"quoted\" \\ back\tslash\r\nline é😀 \u{1}\u{1f}";
        for length in 0..VECTORISED_FROM + 200 {
            let text: String = pattern.chars().cycle().take(length).collect();
            as_serde_json_writes(&text);
        }
        as_serde_json_writes("");
        as_serde_json_writes(&"\n".repeat(5_000));
        as_serde_json_writes(&"plain text without escapes ".repeat(400));
    }

    #[test]
    fn a_long_text_in_a_struct_is_written_as_its_string_would_be() {
        #[derive(Serialize)]
        struct Long {
            title: String,
            body: Option<LongText>,
        }
        #[derive(Serialize)]
        struct Plain {
            title: String,
            body: Option<String>,
        }
        let text = "# Title\n\nSome *Markdown* with \"quotes\" and a long line. ".repeat(30);
        let long = Long { title: "t".into(), body: Some(LongText(text.clone())) };
        let plain = Plain { title: "t".into(), body: Some(text) };
        assert_eq!(
            serde_json::to_string(&long).expect("serialises"),
            serde_json::to_string(&plain).expect("serialises")
        );
    }
}
