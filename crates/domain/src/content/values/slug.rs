//! Slugs: the URL names of posts, derived from their titles.

use std::fmt;

use super::texts::Title;

/// A post's URL name: lower-case ASCII letters and digits separated by single
/// hyphens, at most 120 characters, unique across all posts (deleted ones too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// A string that is not a slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a slug is lower-case letters, digits and single hyphens")]
pub struct InvalidSlug;

impl Slug {
    /// Longest slug, in characters; titles are cut at a word boundary to fit.
    pub const MAX_LEN: usize = 120;
    /// The slug of a title with no letters or digits at all.
    const FALLBACK: &'static str = "post";
    /// Words that name a route next to `/posts/{slug}` (`/posts/feed`); a
    /// title that would take one gets a suffix, as if it were taken.
    const RESERVED: &'static [&'static str] = &["feed"];

    /// Parses a slug from a URL. Anything that could not have been generated is
    /// refused, so lookups of garbage never reach storage.
    ///
    /// # Errors
    /// [`InvalidSlug`] when `raw` is not of the slug alphabet and shape.
    pub fn parse(raw: &str) -> Result<Self, InvalidSlug> {
        let well_formed = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if well_formed { Ok(Self(raw.to_owned())) } else { Err(InvalidSlug) }
    }

    /// Derives a slug from a title: accents folded to ASCII where a plain letter
    /// exists, everything else that is not a letter or digit becomes a hyphen.
    pub fn from_title(title: &Title) -> Self {
        let mut slug = String::with_capacity(title.as_str().len());
        let mut pending_hyphen = false;
        for c in title.as_str().chars().flat_map(fold_to_ascii) {
            if c.is_ascii_alphanumeric() {
                if pending_hyphen && !slug.is_empty() {
                    slug.push('-');
                }
                pending_hyphen = false;
                slug.push(c.to_ascii_lowercase());
            } else {
                pending_hyphen = true;
            }
        }
        if slug.len() > Self::MAX_LEN - 8 {
            // Leave room for a uniqueness suffix; cut at the last whole word.
            slug.truncate(Self::MAX_LEN - 8);
            if let Some(cut) = slug.rfind('-') {
                slug.truncate(cut);
            }
        }
        if slug.is_empty() {
            slug.push_str(Self::FALLBACK);
        }
        if Self::RESERVED.contains(&slug.as_str()) {
            slug.push_str("-post");
        }
        Self(slug)
    }

    /// This slug with a suffix, to make it unique: `my-title-3f9a2c`.
    pub fn with_suffix(&self, suffix: &str) -> Self {
        let suffix: String =
            suffix.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        Self(format!("{}-{suffix}", self.0))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The ASCII spelling of common Latin letters with diacritics; other characters
/// are returned as they are (and become separators unless ASCII alphanumeric).
fn fold_to_ascii(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ą' => {
            "a"
        }
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'ð' | 'Ď' | 'Đ' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "e",
        'ğ' | 'Ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "i",
        'ł' | 'ľ' | 'Ł' | 'Ľ' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => {
            "o"
        }
        'œ' | 'Œ' => "oe",
        'ř' | 'Ř' => "r",
        'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'Ť' | 'Ţ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => "u",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        _ => "",
    };
    let single = folded.is_empty().then_some(c);
    folded.chars().chain(single)
}

into_string!(Slug);

#[cfg(test)]
mod tests {
    use super::*;

    fn slug_of(title: &str) -> String {
        Slug::from_title(&Title::parse(title).expect("valid title")).as_str().to_owned()
    }

    #[test]
    fn slugs_are_lower_case_ascii_and_hyphenated() {
        assert_eq!(slug_of("How to Train Your Dragon"), "how-to-train-your-dragon");
        assert_eq!(slug_of("  Rust 2024: what's new?! "), "rust-2024-what-s-new");
        assert_eq!(slug_of("Crème brûlée à la française"), "creme-brulee-a-la-francaise");
        assert_eq!(slug_of("Straße"), "strasse");
        assert_eq!(slug_of("日本語"), "post");
        assert_eq!(slug_of("--a--b--"), "a-b");
        assert_eq!(slug_of("Feed"), "feed-post", "a route name is never a slug");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let slug = slug_of(&"word ".repeat(39));
        assert!(slug.len() <= Slug::MAX_LEN - 8, "{slug}");
        assert!(slug.ends_with("word"));
        assert!(Slug::parse(&slug).is_ok());
    }

    #[test]
    fn suffixes_make_distinct_valid_slugs() {
        let base = Slug::parse("my-title").expect("valid");
        let suffixed = base.with_suffix("3F9A2C");
        assert_eq!(suffixed.as_str(), "my-title-3f9a2c");
        assert!(Slug::parse(suffixed.as_str()).is_ok());
    }

    #[test]
    fn slug_parse_refuses_what_could_not_be_generated() {
        for raw in ["", "Upper", "a--b", "-a", "a-", "a b", "a/b", "é"] {
            assert_eq!(Slug::parse(raw), Err(InvalidSlug), "{raw:?}");
        }
    }
}
