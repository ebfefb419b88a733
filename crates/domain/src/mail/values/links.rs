//! Links in e-mail: absolute URLs under the public base URL the front end is
//! served at.

use std::fmt;

use super::tokens::AccountToken;
use crate::content::values::Slug;

/// The absolute `http` or `https` URL that links in e-mail start with, e.g.
/// `https://folio.example.com` or `https://example.com/app`: no query, no
/// fragment, no trailing slash (one is removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBaseUrl(String);

/// Why a string is not a [`PublicBaseUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an absolute http or https URL with a host and no query or fragment, e.g. https://folio.example.com")]
pub struct InvalidBaseUrl;

impl PublicBaseUrl {
    /// Checks and normalises a base URL.
    ///
    /// # Errors
    /// [`InvalidBaseUrl`] when it is not an absolute http(s) URL with a host,
    /// or has a query, a fragment, white space or user info.
    pub fn parse(raw: &str) -> Result<Self, InvalidBaseUrl> {
        let url = raw.trim().trim_end_matches('/');
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or(InvalidBaseUrl)?;
        let host = rest.split('/').next().unwrap_or_default();
        let forbidden = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '<' | '>' | '"');
        if host.is_empty() || host.starts_with(':') || host.contains('@') || url.chars().any(forbidden) {
            return Err(InvalidBaseUrl);
        }
        Ok(Self(url.to_owned()))
    }

    /// Whether links would travel over TLS.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The page that verifies an address: `{base}/verify-email?token=...`.
    pub fn verify_email(&self, token: &AccountToken) -> String {
        format!("{}/verify-email?token={}", self.0, token.expose_secret())
    }

    /// The page that sets a new password: `{base}/reset-password?token=...`.
    pub fn reset_password(&self, token: &AccountToken) -> String {
        format!("{}/reset-password?token={}", self.0, token.expose_secret())
    }

    /// A post's page: `{base}/posts/{slug}`.
    pub fn post(&self, slug: &Slug) -> String {
        format!("{}/posts/{}", self.0, slug.as_str())
    }

    /// The account settings page: `{base}/settings`.
    pub fn settings(&self) -> String {
        format!("{}/settings", self.0)
    }
}

impl fmt::Display for PublicBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        let base = PublicBaseUrl::parse(" https://folio.example.com/app/ ").expect("valid");
        assert_eq!(base.as_str(), "https://folio.example.com/app");
        assert!(base.is_https());
        assert!(!PublicBaseUrl::parse("http://127.0.0.1:8080").expect("valid").is_https());
    }

    #[test]
    fn invalid_base_urls_are_refused() {
        for input in [
            "",
            "folio.example.com",
            "ftp://folio.example.com",
            "https://",
            "https://:8080",
            "https://user@folio.example.com",
            "https://folio.example.com/?a=b",
            "https://folio.example.com/#top",
            "https://folio example.com",
        ] {
            assert_eq!(PublicBaseUrl::parse(input), Err(InvalidBaseUrl), "input {input:?}");
        }
    }

    #[test]
    fn links_carry_the_token() {
        let base = PublicBaseUrl::parse("https://folio.example.com").expect("valid");
        let token = AccountToken::new("abc.def".to_owned());
        assert_eq!(base.verify_email(&token), "https://folio.example.com/verify-email?token=abc.def");
        assert_eq!(base.reset_password(&token), "https://folio.example.com/reset-password?token=abc.def");
        let slug = Slug::parse("hello-world").expect("valid");
        assert_eq!(base.post(&slug), "https://folio.example.com/posts/hello-world");
    }
}
