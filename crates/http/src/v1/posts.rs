//! `/posts`: posts, drafts, publishing, favourites, the feed, comments; `/tags`.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::content::values::{Body, CommentBody, CommentId, Description, PostStatus, Slug, Tag, TagList, Title};
use folio_domain::content::{AuthorSelector, ContentService, PostDraft, PostListing, PostUpdate};
use folio_domain::error::FieldProblem;
use folio_domain::pagination::{PageRequest, SearchTerm};
use folio_domain::user::Username;
use serde::Deserialize;

use super::content_dto::{CommentBody as CommentOut, PostBody, TagBody};
use super::dto::present;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::envelope;
use crate::error::ApiError;
use crate::services::Services;

/// A slug from the path; one that could never have been generated is simply not found.
fn slug(raw: &str) -> Result<Slug, ApiError> {
    Slug::parse(raw).map_err(|_| ApiError::not_found("No post has this slug."))
}

/// `page` and `limit` as a [`PageRequest`], problems recorded under their names.
pub(crate) fn page_request(
    errors: &mut ValidationErrors,
    page: Option<u32>,
    limit: Option<u32>,
) -> Option<PageRequest> {
    match PageRequest::new(page, limit) {
        Ok(request) => Some(request),
        Err(problem) => errors.check(problem.parameter(), Err::<PageRequest, _>(problem)),
    }
}

fn required<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    errors.require(field, value).and_then(|raw| errors.check(field, parse(&raw)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreatePostRequest {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    tags: Option<Vec<String>>,
    status: Option<String>,
}

impl CreatePostRequest {
    fn try_into_domain(self) -> Result<PostDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = required(&mut errors, "title", self.title, Title::parse);
        let description = required(&mut errors, "description", self.description, Description::parse);
        let body = required(&mut errors, "body", self.body, Body::parse);
        let tags = errors.check("tags", TagList::parse(&self.tags.unwrap_or_default()));
        let status = match self.status {
            None => Some(PostStatus::Draft),
            Some(raw) => errors.check("status", PostStatus::parse(&raw)),
        };
        match (title, description, body, tags, status) {
            (Some(title), Some(description), Some(body), Some(tags), Some(status)) if errors.is_empty() => {
                Ok(PostDraft { title, description, body, tags, status })
            }
            _ => Err(errors),
        }
    }
}

pub(crate) async fn create<S: Services>(
    services: web::Data<S>,
    Authenticated(author): Authenticated,
    body: web::Json<CreatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner().try_into_domain()?;
    let post = services.content().create_post(author, draft).await?;
    Ok(envelope::created(PostBody::from(post)))
}

pub(crate) async fn get<S: Services>(
    services: web::Data<S>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().post(reader, slug(&path)?).await?;
    Ok(envelope::ok(PostBody::from(post)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdatePostRequest {
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    body: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    tags: Option<Option<Vec<String>>>,
}

/// A field that may be left out but, when present, must be a valid value.
fn optional<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match value {
        None => None,
        Some(None) => {
            errors.add(field, "blank", format!("{field} can't be null"));
            None
        }
        Some(Some(raw)) => errors.check(field, parse(&raw)),
    }
}

impl UpdatePostRequest {
    fn try_into_domain(self) -> Result<PostUpdate, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let update = PostUpdate {
            title: optional(&mut errors, "title", self.title, Title::parse),
            description: optional(&mut errors, "description", self.description, Description::parse),
            body: optional(&mut errors, "body", self.body, Body::parse),
            // `null` and `[]` both remove every tag.
            tags: self.tags.and_then(|tags| errors.check("tags", TagList::parse(&tags.unwrap_or_default()))),
        };
        errors.into_result().map(|()| update)
    }
}

pub(crate) async fn update<S: Services>(
    services: web::Data<S>,
    Authenticated(editor): Authenticated,
    path: web::Path<String>,
    body: web::Json<UpdatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug(&path)?;
    let update = body.into_inner().try_into_domain()?;
    let post = services.content().update_post(editor, slug, update).await?;
    Ok(envelope::ok(PostBody::from(post)))
}

pub(crate) async fn publish<S: Services>(
    services: web::Data<S>,
    Authenticated(editor): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().publish_post(editor, slug(&path)?).await?;
    Ok(envelope::ok(PostBody::from(post)))
}

pub(crate) async fn delete<S: Services>(
    services: web::Data<S>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    services.content().delete_post(actor, slug(&path)?).await?;
    Ok(envelope::no_content())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    page: Option<u32>,
    limit: Option<u32>,
    tag: Option<String>,
    author: Option<String>,
    favorited_by: Option<String>,
    q: Option<String>,
    status: Option<String>,
}

impl ListQuery {
    fn try_into_domain(self) -> Result<PostListing, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = page_request(&mut errors, self.page, self.limit);
        let tag = self.tag.and_then(|raw| errors.check("tag", Tag::parse(&raw)));
        let author = self.author.and_then(|raw| match raw.as_str() {
            "me" => Some(AuthorSelector::Me),
            _ => errors.check("author", Username::parse(&raw)).map(AuthorSelector::Username),
        });
        let favorited_by = self.favorited_by.and_then(|raw| errors.check("favoritedBy", Username::parse(&raw)));
        let search = self.q.and_then(|raw| errors.check("q", SearchTerm::parse(&raw)).flatten());
        let status = self.status.and_then(|raw| errors.check("status", PostStatus::parse(&raw)));
        match page {
            Some(page) if errors.is_empty() => Ok(PostListing { tag, author, favorited_by, search, status, page }),
            _ => Err(errors),
        }
    }
}

pub(crate) async fn list<S: Services>(
    services: web::Data<S>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = query.into_inner().try_into_domain()?;
    let page = services.content().list_posts(reader, listing).await?;
    Ok(envelope::page(page, PostBody::from))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    page: Option<u32>,
    limit: Option<u32>,
}

impl PageQuery {
    fn try_into_domain(self) -> Result<PageRequest, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        page_request(&mut errors, self.page, self.limit).ok_or(errors)
    }
}

pub(crate) async fn feed<S: Services>(
    services: web::Data<S>,
    Authenticated(reader): Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().try_into_domain()?;
    let page = services.content().feed(reader, page).await?;
    Ok(envelope::page(page, PostBody::from))
}

pub(crate) async fn favorite<S: Services>(
    services: web::Data<S>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().favorite(reader, slug(&path)?).await?;
    Ok(envelope::ok(PostBody::from(post)))
}

pub(crate) async fn unfavorite<S: Services>(
    services: web::Data<S>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().unfavorite(reader, slug(&path)?).await?;
    Ok(envelope::ok(PostBody::from(post)))
}

pub(crate) async fn comments<S: Services>(
    services: web::Data<S>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug(&path)?;
    let page = query.into_inner().try_into_domain()?;
    let page = services.content().comments(reader, slug, page).await?;
    Ok(envelope::page(page, CommentOut::from))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommentRequest {
    body: Option<String>,
}

pub(crate) async fn add_comment<S: Services>(
    services: web::Data<S>,
    Authenticated(author): Authenticated,
    path: web::Path<String>,
    body: web::Json<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug(&path)?;
    let mut errors = ValidationErrors::new();
    let Some(text) = required(&mut errors, "body", body.into_inner().body, CommentBody::parse) else {
        return Err(errors.into());
    };
    let comment = services.content().add_comment(author, slug, text).await?;
    Ok(envelope::created(CommentOut::from(comment)))
}

pub(crate) async fn delete_comment<S: Services>(
    services: web::Data<S>,
    Authenticated(actor): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_slug, id) = path.into_inner();
    services.content().delete_comment(actor, slug(&raw_slug)?, CommentId::new(id)).await?;
    Ok(envelope::no_content())
}

pub(crate) async fn tags<S: Services>(services: web::Data<S>) -> Result<HttpResponse, ApiError> {
    let tags = services.content().tags().await?;
    Ok(envelope::ok(tags.into_iter().map(TagBody::from).collect::<Vec<_>>()))
}
