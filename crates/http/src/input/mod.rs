//! The input layer both surfaces share: field parsers, paging, path values and
//! the domain commands built from request bodies.
//!
//! `/api/v1` and `/api` are wire codecs over this module: each deserialises its
//! own body shapes and writes its own error shape. Every write's request or
//! command struct derives `garde::Validate`, its validators calling the
//! domain's constructors (see `validators`), and [`validate_into`] records
//! every problem in one [`ValidationErrors`], so a client hears of all of them
//! at once. Where the surfaces differ on purpose (RealWorld filters that cannot
//! match answer an empty list; its `limit` is clamped), the difference is a
//! parameter here, not a second copy.

mod commands;
mod validators;

use folio_domain::ValidationErrors;
use folio_domain::accounts::model::FieldUpdate;
use folio_domain::accounts::values::{Password, PasswordError, Username};
use folio_domain::content::values::{CommentId, Slug};
use folio_domain::pagination::PageRequest;
use serde::{Deserialize, Deserializer};

pub(crate) use self::commands::{
    InvalidFilter, NullTags, PostChangeFields, PostFields, PostFilters, RegistrationFields, comment_body, credentials,
    post_draft, post_filters, post_update, registration,
};
pub(crate) use self::validators::{
    FieldParse, Fields, accepted, filled, is_blank, not_null, parses, parses_all, parses_if_filled, parses_if_present,
    validate_into,
};
use crate::error::ApiError;

/// Deserialises a field that may be absent (outer `None`), `null`
/// (`Some(None)`) or a value, for partial updates.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Records that a partial update sent `null` for a field that cannot be removed.
fn refuse_null(errors: &mut ValidationErrors, field: &str) {
    errors.add(field, "blank", format!("{field} can't be null"));
}

/// Records that a partial update sent `null` or a blank value for a field that
/// must have one.
fn refuse_blank(errors: &mut ValidationErrors, field: &str) {
    errors.add(field, "blank", format!("{field} can't be blank"));
}

/// A field that can be removed: kept when left out, cleared by `null` or `""`,
/// set to what `parse` makes of it otherwise.
///
/// # Errors
/// The problem `parse` found with the value.
pub(crate) fn field_update<T, E>(
    value: &Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<FieldUpdate<T>, E> {
    match value {
        None => Ok(FieldUpdate::Keep),
        Some(None) => Ok(FieldUpdate::Clear),
        Some(Some(raw)) if raw.trim().is_empty() => Ok(FieldUpdate::Clear),
        Some(Some(raw)) => parse(raw).map(FieldUpdate::Set),
    }
}

/// How a list asks for its page.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paging {
    /// `page` (from 1) and `limit`; a `limit` over the maximum is refused.
    Pages { page: Option<u32>, limit: Option<u32> },
    /// `offset` and `limit`; a `limit` over the maximum gets the largest page
    /// (the RealWorld spec sets no maximum).
    Offset { offset: Option<u64>, limit: Option<u32> },
}

/// The page asked for, problems recorded under the parameters' names.
pub(crate) fn page_request(errors: &mut ValidationErrors, paging: Paging) -> Option<PageRequest> {
    let request = match paging {
        Paging::Pages { page, limit } => PageRequest::new(page, limit),
        Paging::Offset { offset, limit } => {
            PageRequest::from_offset(offset, limit.map(|limit| limit.min(PageRequest::MAX_LIMIT)))
        }
    };
    match request {
        Ok(request) => Some(request),
        Err(problem) => errors.check(problem.parameter(), Err::<PageRequest, _>(problem)),
    }
}

/// As [`page_request`], alone.
pub(crate) fn page(paging: Paging) -> Result<PageRequest, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    page_request(&mut errors, paging).ok_or(errors)
}

/// A new password, checked against the policy.
///
/// # Errors
/// The policy's problem with it.
pub(crate) fn password(raw: &str) -> Result<Password, PasswordError> {
    Password::parse(raw.to_owned())
}

/// A post's slug from the path; one that could never have been generated is
/// simply not found.
pub(crate) fn slug(raw: &str) -> Result<Slug, ApiError> {
    Slug::parse(raw).map_err(|_| ApiError::not_found("No post has this slug."))
}

/// A username from the path; one that can't exist is simply not found.
pub(crate) fn username(raw: &str) -> Result<Username, ApiError> {
    Username::parse(raw).map_err(|_| ApiError::not_found("No profile has this username."))
}

/// A comment's path: its post's slug and its id.
pub(crate) fn comment_path((raw_slug, id): (String, i64)) -> Result<(Slug, CommentId), ApiError> {
    Ok((slug(&raw_slug)?, CommentId::new(id)))
}

#[cfg(test)]
mod tests {
    use folio_domain::accounts::values::Bio;

    use super::*;

    #[test]
    fn field_updates_keep_clear_or_set() {
        assert!(matches!(field_update(&None, Bio::parse), Ok(FieldUpdate::Keep)));
        assert!(matches!(field_update(&Some(None), Bio::parse), Ok(FieldUpdate::Clear)));
        assert!(matches!(field_update(&Some(Some(" ".into())), Bio::parse), Ok(FieldUpdate::Clear)));
        assert!(matches!(field_update(&Some(Some("Hi".into())), Bio::parse), Ok(FieldUpdate::Set(_))));
        assert!(field_update(&Some(Some("x".repeat(5000))), Bio::parse).is_err());
    }

    #[test]
    fn offset_paging_clamps_the_limit_and_page_paging_refuses_it() {
        let clamped = page(Paging::Offset { offset: Some(40), limit: Some(1000) }).expect("clamped");
        assert_eq!((clamped.offset(), clamped.limit()), (40, PageRequest::MAX_LIMIT));
        let refused = page(Paging::Pages { page: Some(1), limit: Some(1000) }).expect_err("refused");
        assert_eq!(refused.errors()[0].field, "limit");
    }
}
