//! The input layer both surfaces share: field parsers, paging, path values and
//! the domain commands built from request bodies.
//!
//! `/api/v1` and `/api` are wire codecs over this module: each deserialises its
//! own body shapes and writes its own error shape, and hands the raw values
//! here, where they are parsed by the domain's constructors. Every problem is
//! recorded in one [`ValidationErrors`], so a client hears of all of them at
//! once. Where the surfaces differ on purpose (RealWorld filters that cannot
//! match answer an empty list; its `limit` is clamped), the difference is a
//! parameter here, not a second copy.

mod commands;
mod validators;

use folio_domain::accounts::model::FieldUpdate;
use folio_domain::accounts::values::Username;
use folio_domain::content::values::{CommentId, Slug};
use folio_domain::pagination::PageRequest;
use folio_domain::{FieldProblem, ValidationErrors};
use serde::{Deserialize, Deserializer};

pub(crate) use self::commands::{
    InvalidFilter, NullTags, PostChangeFields, PostFields, PostFilters, RegistrationFields, comment_body, credentials,
    post_draft, post_filters, post_update, registration,
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

/// A field of a partial update that may be left out but, when present, must be
/// a valid value: `null` is refused.
pub(crate) fn optional<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match value? {
        Some(raw) => errors.check(field, parse(&raw)),
        None => {
            refuse_null(errors, field);
            None
        }
    }
}

/// Records that a partial update sent `null` for a field that cannot be removed.
fn refuse_null(errors: &mut ValidationErrors, field: &str) {
    errors.add(field, "blank", format!("{field} can't be null"));
}

/// As [`optional`], refusing a blank value as well as `null`, before parsing.
pub(crate) fn optional_not_blank<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> Option<T> {
    match value? {
        Some(raw) if !raw.trim().is_empty() => errors.check(field, parse(raw)),
        _ => {
            errors.add(field, "blank", format!("{field} can't be blank"));
            None
        }
    }
}

/// A field that can be removed: kept when left out, cleared by `null` or `""`,
/// set otherwise.
pub(crate) fn clearable<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> FieldUpdate<T> {
    match value {
        None => FieldUpdate::Keep,
        Some(None) => FieldUpdate::Clear,
        Some(Some(raw)) if raw.trim().is_empty() => FieldUpdate::Clear,
        Some(Some(raw)) => errors.check(field, parse(&raw)).map_or(FieldUpdate::Keep, FieldUpdate::Set),
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
    use folio_domain::content::values::Title;

    use super::*;

    #[test]
    fn optional_fields_keep_when_left_out_and_refuse_null() {
        let mut errors = ValidationErrors::new();
        assert_eq!(optional(&mut errors, "title", None, Title::parse), None);
        assert!(errors.is_empty());
        assert_eq!(optional(&mut errors, "title", Some(None), Title::parse), None);
        assert_eq!(errors.errors()[0].code, "blank");
    }

    #[test]
    fn clearable_fields_keep_clear_or_set() {
        let mut errors = ValidationErrors::new();
        assert!(matches!(clearable(&mut errors, "bio", None, Bio::parse), FieldUpdate::Keep));
        assert!(matches!(clearable(&mut errors, "bio", Some(None), Bio::parse), FieldUpdate::Clear));
        assert!(matches!(clearable(&mut errors, "bio", Some(Some(" ".into())), Bio::parse), FieldUpdate::Clear));
        assert!(matches!(clearable(&mut errors, "bio", Some(Some("Hi".into())), Bio::parse), FieldUpdate::Set(_)));
        assert!(errors.is_empty());
    }

    #[test]
    fn offset_paging_clamps_the_limit_and_page_paging_refuses_it() {
        let clamped = page(Paging::Offset { offset: Some(40), limit: Some(1000) }).expect("clamped");
        assert_eq!((clamped.offset(), clamped.limit()), (40, PageRequest::MAX_LIMIT));
        let refused = page(Paging::Pages { page: Some(1), limit: Some(1000) }).expect_err("refused");
        assert_eq!(refused.errors()[0].field, "limit");
    }
}
