//! Value objects of content: ids, slugs, titles, bodies, tags.

use std::fmt;

use uuid::Uuid;

use crate::errors::FieldProblem;
use crate::text::{TextError, exceeds, lowercase, parse_text, text_try_from_string};

/// A post's identifier (UUID v7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostId(Uuid);

impl PostId {
    /// Wraps a stored or generated id.
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for PostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A comment's identifier: a positive 64-bit integer assigned by storage (the
/// RealWorld spec requires integer comment ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentId(i64);

impl CommentId {
    /// Wraps a stored id.
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    /// The integer.
    pub fn get(&self) -> i64 {
        self.0
    }
}

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

/// A tag: trimmed, lower-cased, 1 to 32 characters, no commas or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// Why a string is not a [`Tag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// Nothing but white space.
    #[error("a tag can't be blank")]
    Blank,
    /// More than 32 characters.
    #[error("a tag must be at most {max} characters", max = Tag::MAX_LEN)]
    TooLong,
    /// A comma or control character.
    #[error("a tag must not contain commas or control characters")]
    InvalidCharacter,
}

impl FieldProblem for TagError {
    fn code(&self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::TooLong => "too_long",
            Self::InvalidCharacter => "invalid_characters",
        }
    }
}

impl Tag {
    /// Longest tag, in characters.
    pub const MAX_LEN: usize = 32;

    /// Trims, lower-cases and checks a tag.
    ///
    /// # Errors
    /// [`TagError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, TagError> {
        let tag = lowercase(raw.trim());
        if tag.is_empty() {
            return Err(TagError::Blank);
        }
        if exceeds(&tag, Self::MAX_LEN) {
            return Err(TagError::TooLong);
        }
        if tag.chars().any(|c| c == ',' || c.is_control()) {
            return Err(TagError::InvalidCharacter);
        }
        Ok(Self(tag))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post's tags in the author's order, without duplicates, at most 10.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagList(Vec<Tag>);

/// Why a list of tags is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagListError {
    /// More than 10 distinct tags.
    #[error("a post can have at most {max} tags", max = TagList::MAX_TAGS)]
    TooMany,
    /// One of the tags is invalid.
    #[error("tag {position}: {error}")]
    InvalidTag {
        /// 1-based position in the list as given.
        position: usize,
        /// What is wrong with it.
        error: TagError,
    },
}

impl FieldProblem for TagListError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooMany => "too_many",
            Self::InvalidTag { error, .. } => error.code(),
        }
    }
}

impl TagList {
    /// Most tags on one post.
    pub const MAX_TAGS: usize = 10;

    /// Parses each tag; later duplicates (after normalisation) are dropped, the
    /// first occurrence keeps its place.
    ///
    /// # Errors
    /// [`TagListError`] for an invalid tag or too many tags.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, TagListError> {
        let mut tags: Vec<Tag> = Vec::with_capacity(raw.len().min(Self::MAX_TAGS));
        for (index, item) in raw.iter().enumerate() {
            let tag =
                Tag::parse(item.as_ref()).map_err(|error| TagListError::InvalidTag { position: index + 1, error })?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > Self::MAX_TAGS {
            return Err(TagListError::TooMany);
        }
        Ok(Self(tags))
    }

    /// The tags in order.
    pub fn tags(&self) -> &[Tag] {
        &self.0
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether a post can be read by everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostStatus {
    /// Visible only to its author, moderators and admins.
    Draft,
    /// Visible to everyone.
    Published,
}

impl PostStatus {
    /// The lower-case name used on the wire and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    /// Parses the lower-case name.
    ///
    /// # Errors
    /// [`InvalidPostStatus`] for any other name.
    pub fn parse(raw: &str) -> Result<Self, InvalidPostStatus> {
        match raw {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            _ => Err(InvalidPostStatus),
        }
    }
}

/// A status name other than `draft` or `published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("status must be draft or published")]
pub struct InvalidPostStatus;

impl FieldProblem for InvalidPostStatus {
    fn code(&self) -> &'static str {
        "invalid_status"
    }
}

into_string!(Slug, Title, Description, CommentBody, Body, Tag);

impl IntoIterator for TagList {
    type Item = Tag;
    type IntoIter = std::vec::IntoIter<Tag>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

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

    #[test]
    fn tag_lists_keep_order_drop_duplicates_and_cap_at_ten() {
        let tags = TagList::parse(&["Rust", " web ", "rust", "API"]).expect("valid");
        let names: Vec<&str> = tags.tags().iter().map(Tag::as_str).collect();
        assert_eq!(names, ["rust", "web", "api"]);
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(TagList::parse(&eleven), Err(TagListError::TooMany));
        assert_eq!(TagList::parse(&["ok", " "]), Err(TagListError::InvalidTag { position: 2, error: TagError::Blank }));
        assert_eq!(Tag::parse(&"x".repeat(33)), Err(TagError::TooLong));
        assert_eq!(Tag::parse("a,b"), Err(TagError::InvalidCharacter));
    }

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

    #[test]
    fn a_tag_list_hands_its_tags_over_in_order() {
        let tags = TagList::parse(&["b", "a"]).expect("valid");
        let tags: Vec<String> = tags.into_iter().map(String::from).collect();
        assert_eq!(tags, ["b", "a"]);
    }
}
