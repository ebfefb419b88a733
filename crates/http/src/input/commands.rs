//! The domain commands built from request bodies and queries, shared by both
//! surfaces; each surface names its fields and passes its own rules as
//! parameters.

use folio_domain::ValidationErrors;
use folio_domain::accounts::Registration;
use folio_domain::accounts::values::{DisplayName, Email, Password, PasswordAttempt, Username};
use folio_domain::content::values::{Body, CommentBody, Description, PostStatus, Tag, TagList, Title};
use folio_domain::content::{AuthorSelector, PostDraft, PostUpdate};

use super::{optional, required};

/// A new post's fields as sent.
#[derive(Debug, Default)]
pub(crate) struct PostFields {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) body: Option<String>,
    pub(crate) tags: Option<Vec<String>>,
}

/// A new post, its tags reported under `tags_field`; `status` is parsed after
/// the other fields so that problems are listed in the body's order.
pub(crate) fn post_draft(
    errors: &mut ValidationErrors,
    fields: PostFields,
    tags_field: &str,
    status: impl FnOnce(&mut ValidationErrors) -> Option<PostStatus>,
) -> Option<PostDraft> {
    let title = required(errors, "title", fields.title, Title::parse);
    let description = required(errors, "description", fields.description, Description::parse);
    let body = required(errors, "body", fields.body, Body::parse);
    let tags = errors.check(tags_field, TagList::parse(&fields.tags.unwrap_or_default()));
    let status = status(errors);
    match (title, description, body, tags, status) {
        (Some(title), Some(description), Some(body), Some(tags), Some(status)) if errors.is_empty() => {
            Some(PostDraft { title, description, body, tags, status })
        }
        _ => None,
    }
}

/// A partial update of a post as sent: a field left out is kept.
#[derive(Debug, Default)]
pub(crate) struct PostChangeFields {
    pub(crate) title: Option<Option<String>>,
    pub(crate) description: Option<Option<String>>,
    pub(crate) body: Option<Option<String>>,
    pub(crate) tags: Option<Option<Vec<String>>>,
}

/// What a `null` tag list means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NullTags {
    /// It removes every tag, as `[]` does (the native API).
    Clear,
    /// It is refused: the field is an array (the RealWorld spec).
    Refuse,
}

/// A partial update of a post, its tags reported under `tags_field`.
pub(crate) fn post_update(
    errors: &mut ValidationErrors,
    fields: PostChangeFields,
    tags_field: &str,
    null_tags: NullTags,
) -> PostUpdate {
    PostUpdate {
        title: optional(errors, "title", fields.title, Title::parse),
        description: optional(errors, "description", fields.description, Description::parse),
        body: optional(errors, "body", fields.body, Body::parse),
        tags: match (fields.tags, null_tags) {
            (None, _) => None,
            (Some(None), NullTags::Refuse) => {
                errors.add(tags_field, "blank", format!("{tags_field} must be an array"));
                None
            }
            (Some(tags), _) => errors.check(tags_field, TagList::parse(&tags.unwrap_or_default())),
        },
    }
}

/// What a filter value that no tag or user could have does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvalidFilter {
    /// It is a field problem, and `author=me` means the caller (the native API).
    Refuse,
    /// The list matches nothing (the RealWorld spec, which has no `me`).
    MatchesNothing,
}

/// The list filters as sent, with the names of their fields.
#[derive(Debug, Default)]
pub(crate) struct PostFilters {
    pub(crate) tag: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) favorited_by: Option<String>,
}

/// The tag, author and favouriting user to filter on; `None` when a value can
/// match nothing and `invalid` says so (with no problem recorded).
pub(crate) fn post_filters(
    errors: &mut ValidationErrors,
    filters: PostFilters,
    favorited_field: &str,
    invalid: InvalidFilter,
) -> Option<(Option<Tag>, Option<AuthorSelector>, Option<Username>)> {
    if invalid == InvalidFilter::MatchesNothing {
        let tag = filters.tag.map(|raw| Tag::parse(&raw)).transpose().ok()?;
        let author = filters.author.map(|raw| Username::parse(&raw)).transpose().ok()?;
        let favorited_by = filters.favorited_by.map(|raw| Username::parse(&raw)).transpose().ok()?;
        return Some((tag, author.map(AuthorSelector::Username), favorited_by));
    }
    let tag = filters.tag.and_then(|raw| errors.check("tag", Tag::parse(&raw)));
    let author = filters.author.and_then(|raw| match raw.as_str() {
        "me" => Some(AuthorSelector::Me),
        _ => errors.check("author", Username::parse(&raw)).map(AuthorSelector::Username),
    });
    let favorited_by = filters.favorited_by.and_then(|raw| errors.check(favorited_field, Username::parse(&raw)));
    Some((tag, author, favorited_by))
}

/// A comment's text.
pub(crate) fn comment_body(body: Option<String>) -> Result<CommentBody, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    required(&mut errors, "body", body, CommentBody::parse).ok_or(errors)
}

/// A registration's fields as sent.
#[derive(Debug, Default)]
pub(crate) struct RegistrationFields {
    pub(crate) email: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) display_name: Option<String>,
}

/// A new account; a blank display name is no display name.
pub(crate) fn registration(fields: RegistrationFields) -> Result<Registration, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let email = required(&mut errors, "email", fields.email, Email::parse);
    let username = required(&mut errors, "username", fields.username, Username::parse);
    let password = errors.require("password", fields.password).map(Password::parse);
    let password = password.and_then(|parsed| errors.check("password", parsed));
    let display_name = match fields.display_name {
        Some(raw) if !raw.trim().is_empty() => errors.check("displayName", DisplayName::parse(&raw)),
        _ => None,
    };
    match (email, username, password) {
        (Some(email), Some(username), Some(password)) if errors.is_empty() => {
            Ok(Registration { email, username, password, display_name })
        }
        _ => Err(errors),
    }
}

/// An e-mail and password to log in with; blank ones are missing. The e-mail
/// is not parsed: an address that cannot exist is a wrong log-in like any other.
pub(crate) fn credentials(
    email: Option<String>,
    password: Option<String>,
) -> Result<(String, PasswordAttempt), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let email = errors.require("email", email.filter(|email| !email.trim().is_empty()));
    let password = errors.require("password", password.filter(|password| !password.is_empty()));
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, PasswordAttempt::new(password))),
        _ => Err(errors),
    }
}
