//! The domain commands built from request bodies and queries, shared by both
//! surfaces; each surface names its fields and passes its own rules as
//! parameters.

use folio_domain::ValidationErrors;
use folio_domain::accounts::Registration;
use folio_domain::accounts::values::{DisplayName, Email, PasswordAttempt, Username};
use folio_domain::content::values::{
    Body, CommentBody, Description, InvalidPostStatus, PostStatus, Tag, TagList, TagListError, Title,
};
use folio_domain::content::{AuthorSelector, PostDraft, PostUpdate};
use folio_domain::text::TextError;
use garde::Validate;

use super::validators::{
    FieldParse, Fields, accepted, filled, is_blank, parses, parses_all, parses_if_present, validate_into,
};

/// A new post's fields as sent.
#[derive(Debug, Default, Validate)]
#[garde(context(FieldParse))]
pub(crate) struct PostFields {
    #[garde(custom(parses(Title::parse)))]
    pub(crate) title: Option<String>,
    #[garde(custom(parses(Description::parse)))]
    pub(crate) description: Option<String>,
    #[garde(custom(parses(Body::parse)))]
    pub(crate) body: Option<String>,
    #[garde(custom(parses_all(tag_list)))]
    pub(crate) tags: Option<Vec<String>>,
    #[garde(custom(parses_all(post_status)))]
    pub(crate) status: Option<String>,
}

impl Fields for PostFields {
    const BODY_ORDER: &'static [&'static str] = &["title", "description", "body", "tags", "status"];
}

/// Tags left out are no tags.
fn tag_list(raw: &Option<Vec<String>>) -> Result<TagList, TagListError> {
    TagList::parse(raw.as_deref().unwrap_or_default())
}

/// A status left out is the surface's default.
fn post_status(raw: &Option<String>) -> Result<Option<PostStatus>, InvalidPostStatus> {
    raw.as_deref().map(PostStatus::parse).transpose()
}

/// A new post, its tags reported under `tags_field`, its status `status` unless
/// it says otherwise.
pub(crate) fn post_draft(
    errors: &mut ValidationErrors,
    fields: PostFields,
    tags_field: &str,
    status: PostStatus,
) -> Option<PostDraft> {
    validate_into(errors, &fields, &[("tags", tags_field)]);
    if !errors.is_empty() {
        return None;
    }
    Some(PostDraft {
        title: accepted(fields.title, Title::parse)?,
        description: accepted(fields.description, Description::parse)?,
        body: accepted(fields.body, Body::parse)?,
        tags: tag_list(&fields.tags).ok()?,
        status: post_status(&fields.status).ok()?.unwrap_or(status),
    })
}

/// A partial update of a post as sent: a field left out is kept.
#[derive(Debug, Default, Validate)]
#[garde(context(FieldParse))]
pub(crate) struct PostChangeFields {
    #[garde(custom(parses_if_present(Title::parse)))]
    pub(crate) title: Option<Option<String>>,
    #[garde(custom(parses_if_present(Description::parse)))]
    pub(crate) description: Option<Option<String>>,
    #[garde(custom(parses_if_present(Body::parse)))]
    pub(crate) body: Option<Option<String>>,
    /// What `null` means differs between the surfaces ([`NullTags`]), so
    /// [`post_update`] checks the tags itself, after the other fields.
    #[garde(skip)]
    pub(crate) tags: Option<Option<Vec<String>>>,
}

impl Fields for PostChangeFields {
    const BODY_ORDER: &'static [&'static str] = &["title", "description", "body"];
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
    validate_into(errors, &fields, &[]);
    PostUpdate {
        title: accepted(fields.title.flatten(), Title::parse),
        description: accepted(fields.description.flatten(), Description::parse),
        body: accepted(fields.body.flatten(), Body::parse),
        tags: match (fields.tags, null_tags) {
            (None, _) => None,
            (Some(None), NullTags::Refuse) => {
                errors.add(tags_field, "blank", format!("{tags_field} must be an array"));
                None
            }
            (Some(tags), _) => errors.check(tags_field, tag_list(&tags)),
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

/// A comment as sent.
#[derive(Debug, Validate)]
#[garde(context(FieldParse))]
struct CommentFields {
    #[garde(custom(parses(CommentBody::parse)))]
    body: Option<String>,
}

impl Fields for CommentFields {
    const BODY_ORDER: &'static [&'static str] = &["body"];
}

/// A comment's text.
pub(crate) fn comment_body(body: Option<String>) -> Result<CommentBody, ValidationErrors> {
    let fields = CommentFields { body };
    let mut errors = ValidationErrors::new();
    validate_into(&mut errors, &fields, &[]);
    accepted(fields.body, CommentBody::parse).ok_or(errors)
}

/// A registration's fields as sent.
#[derive(Debug, Default, Validate)]
#[garde(context(FieldParse))]
pub(crate) struct RegistrationFields {
    #[garde(custom(parses(Email::parse)))]
    pub(crate) email: Option<String>,
    #[garde(custom(parses(Username::parse)))]
    pub(crate) username: Option<String>,
    #[garde(custom(parses(super::password)))]
    pub(crate) password: Option<String>,
    #[garde(custom(parses_all(optional_display_name)))]
    pub(crate) display_name: Option<String>,
}

impl Fields for RegistrationFields {
    const BODY_ORDER: &'static [&'static str] = &["email", "username", "password", "displayName"];
}

/// A blank display name is no display name.
fn optional_display_name(raw: &Option<String>) -> Result<Option<DisplayName>, TextError> {
    match raw {
        Some(raw) if !raw.trim().is_empty() => DisplayName::parse(raw).map(Some),
        _ => Ok(None),
    }
}

/// A new account.
pub(crate) fn registration(fields: RegistrationFields) -> Result<Registration, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    validate_into(&mut errors, &fields, &[]);
    let registration = || {
        Some(Registration {
            email: accepted(fields.email, Email::parse)?,
            username: accepted(fields.username, Username::parse)?,
            password: accepted(fields.password, super::password)?,
            display_name: optional_display_name(&fields.display_name).ok()?,
        })
    };
    errors.into_result().and_then(|()| registration().ok_or_else(ValidationErrors::new))
}

/// An e-mail and password to log in with, as sent.
#[derive(Debug, Validate)]
#[garde(context(FieldParse))]
struct CredentialFields {
    #[garde(custom(filled(is_blank)))]
    email: Option<String>,
    #[garde(custom(filled(str::is_empty)))]
    password: Option<String>,
}

impl Fields for CredentialFields {
    const BODY_ORDER: &'static [&'static str] = &["email", "password"];
}

/// An e-mail and password to log in with; blank ones are missing. The e-mail
/// is not parsed: an address that cannot exist is a wrong log-in like any other.
pub(crate) fn credentials(
    email: Option<String>,
    password: Option<String>,
) -> Result<(String, PasswordAttempt), ValidationErrors> {
    let fields = CredentialFields { email, password };
    let mut errors = ValidationErrors::new();
    validate_into(&mut errors, &fields, &[]);
    match (fields.email, fields.password) {
        (Some(email), Some(password)) if errors.is_empty() => Ok((email, PasswordAttempt::new(password))),
        _ => Err(errors),
    }
}
