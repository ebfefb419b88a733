//! What a user shows of themself: a display name, a bio and an avatar.

use crate::errors::FieldProblem;
use crate::text::{TextError, parse_text, text_try_from_string};

/// The name shown next to a user's content: 1 to 64 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Longest allowed display name, in characters.
    pub const MAX_LEN: usize = 64;

    /// Trims and checks a display name.
    ///
    /// # Errors
    /// [`TextError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        parse_text(raw, Self::MAX_LEN, false).map(Self)
    }

    /// The display name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_try_from_string!(DisplayName, false);

/// A short self-description: 1 to 1000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bio(String);

impl Bio {
    /// Longest allowed bio, in characters.
    pub const MAX_LEN: usize = 1000;

    /// Trims and checks a bio.
    ///
    /// # Errors
    /// [`TextError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        parse_text(raw, Self::MAX_LEN, true).map(Self)
    }

    /// The bio.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_try_from_string!(Bio, true);

/// An absolute `http` or `https` URL of an avatar image, at most 2048 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUrl(String);

/// Why a string is not an [`ImageUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageUrlError {
    /// Nothing but white space.
    #[error("image can't be blank")]
    Blank,
    /// Longer than 2048 characters.
    #[error("image URL must be at most {max} characters", max = ImageUrl::MAX_LEN)]
    TooLong,
    /// Not an absolute http(s) URL with a host.
    #[error("image must be an absolute http or https URL")]
    Invalid,
}

impl FieldProblem for ImageUrlError {
    fn code(&self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::TooLong => "too_long",
            Self::Invalid => "invalid_url",
        }
    }
}

impl ImageUrl {
    /// Longest accepted URL.
    pub const MAX_LEN: usize = 2048;

    /// Trims and checks a URL.
    ///
    /// # Errors
    /// [`ImageUrlError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, ImageUrlError> {
        let url = raw.trim();
        if url.is_empty() {
            return Err(ImageUrlError::Blank);
        }
        if url.len() > Self::MAX_LEN {
            return Err(ImageUrlError::TooLong);
        }
        let rest =
            url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or(ImageUrlError::Invalid)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_ok = !host.is_empty() && !host.starts_with(':') && !host.contains('@');
        let refused = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"');
        // In ASCII, white space and control characters are the bytes up to a space, and DEL.
        let chars_ok = if url.is_ascii() {
            !url.bytes().any(|b| b <= b' ' || b == 0x7f || matches!(b, b'<' | b'>' | b'"'))
        } else {
            !url.chars().any(refused)
        };
        if host_ok && chars_ok { Ok(Self(url.to_owned())) } else { Err(ImageUrlError::Invalid) }
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

into_string!(DisplayName, Bio, ImageUrl);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::values::{Username, UsernameError};

    #[test]
    fn usernames_and_image_urls_are_checked_alike_in_ascii_and_beyond() {
        assert_eq!(Username::parse(" Alice_B ").map(String::from), Ok("alice_b".to_owned()));
        assert_eq!(Username::parse("ÀLICE"), Err(UsernameError::InvalidCharacter));
        for url in ["https://a.example/x.png", "https://a.example/é.png"] {
            assert!(ImageUrl::parse(url).is_ok(), "{url}");
        }
        for url in [
            "https://a.example/x y.png",
            "https://a.example/\u{7f}",
            "https://a.example/\u{a0}é",
            "https://a.example/<",
        ] {
            assert_eq!(ImageUrl::parse(url), Err(ImageUrlError::Invalid), "{url}");
        }
    }

    #[test]
    fn display_names_are_one_line_and_bounded() {
        assert_eq!(DisplayName::parse(" Alice ").expect("valid").as_str(), "Alice");
        assert_eq!(DisplayName::parse(" "), Err(TextError::Blank));
        assert_eq!(DisplayName::parse("a\nb"), Err(TextError::ControlCharacter));
        assert_eq!(DisplayName::parse(&"é".repeat(65)), Err(TextError::TooLong { max: 64 }));
        assert!(DisplayName::parse(&"é".repeat(64)).is_ok());
        assert!(Bio::parse("line one\nline two").is_ok());
    }

    #[test]
    fn image_urls_must_be_absolute_http() {
        assert!(ImageUrl::parse("https://cdn.example.com/a.png").is_ok());
        assert!(ImageUrl::parse("http://localhost:8080/a.png").is_ok());
        for input in ["ftp://x/a.png", "javascript:alert(1)", "https://", "https:// x", "/a.png", "https://u@evil"] {
            assert!(ImageUrl::parse(input).is_err(), "input {input:?}");
        }
    }
}
