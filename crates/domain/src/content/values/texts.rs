//! The texts people write: titles, summaries, post bodies and comments.

use crate::text::{TextError, exceeds, parse_text, text_try_from_string};

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_LEN: usize = $max;

            /// Trims and checks the text.
            ///
            /// # Errors
            /// [`TextError`] says what is wrong.
            pub fn parse(raw: &str) -> Result<Self, TextError> {
                parse_text(raw, Self::MAX_LEN, $multiline).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        text_try_from_string!($name, $multiline);
    };
}

text_value!(
    /// A post's title: one line, 1 to 200 characters.
    Title, 200, false
);
text_value!(
    /// A post's summary: 1 to 500 characters.
    Description, 500, true
);
text_value!(
    /// A comment: 1 to 5000 characters.
    CommentBody, 5000, true
);

/// A post's Markdown body, stored exactly as given: 1 to 100,000 characters,
/// not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(String);

impl Body {
    /// Longest accepted body, in characters.
    pub const MAX_LEN: usize = 100_000;

    /// Checks a body without altering it.
    ///
    /// # Errors
    /// [`TextError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        Self::check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    fn check(raw: &str) -> Result<(), TextError> {
        if raw.trim().is_empty() {
            return Err(TextError::Blank);
        }
        if exceeds(raw, Self::MAX_LEN) {
            return Err(TextError::TooLong { max: Self::MAX_LEN });
        }
        Ok(())
    }

    /// The Markdown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a body it takes ownership of, as [`Body::parse`] does, without
/// copying it.
impl TryFrom<String> for Body {
    type Error = TextError;

    fn try_from(raw: String) -> Result<Self, TextError> {
        Self::check(&raw)?;
        Ok(Self(raw))
    }
}

into_string!(Title, Description, CommentBody, Body);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::values::{Tag, TagError};

    #[test]
    fn bodies_are_stored_as_given() {
        let body = Body::parse("  # Title\n\nText  ").expect("valid");
        assert_eq!(body.as_str(), "  # Title\n\nText  ");
        assert_eq!(Body::parse(" \n "), Err(TextError::Blank));
        assert_eq!(CommentBody::parse(&"x".repeat(5001)), Err(TextError::TooLong { max: 5000 }));
        assert!(CommentBody::parse(&"x".repeat(5000)).is_ok());
    }

    #[test]
    fn an_owned_body_is_checked_as_a_borrowed_one() {
        let body = Body::try_from("  # Title\n\nText  ".to_owned()).expect("valid");
        assert_eq!(String::from(body), "  # Title\n\nText  ");
        assert_eq!(Body::try_from(" \n ".to_owned()), Err(TextError::Blank));
        let too_long = "x".repeat(Body::MAX_LEN + 1);
        assert_eq!(Body::try_from(too_long), Err(TextError::TooLong { max: Body::MAX_LEN }));
    }

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        // 200 two-byte characters: 400 bytes, yet a title of the longest length.
        let accents = "é".repeat(Title::MAX_LEN);
        assert!(Title::parse(&accents).is_ok());
        assert_eq!(Title::parse(&format!("{accents}é")), Err(TextError::TooLong { max: Title::MAX_LEN }));
        assert!(Tag::parse(&"ü".repeat(Tag::MAX_LEN)).is_ok());
        assert_eq!(Tag::parse(&"ü".repeat(Tag::MAX_LEN + 1)), Err(TagError::TooLong));
    }
}
