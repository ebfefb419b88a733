//! `/posts`: posts, drafts, publishing, favourites, the feed; `/tags`.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::content::values::PostStatus;
use folio_domain::content::{PostDraft, PostListing, PostUpdate};
use folio_domain::pagination::{PageRequest, SearchTerm};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::content_dto::{PostResponse, TagResponse};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::envelope::{self, Data, List};
use crate::error::ApiError;
use crate::input::{self, InvalidFilter, NullTags, Paging, present};
use crate::openapi as doc;
use crate::state::AppState;

/// A new post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreatePostRequest {
    /// One line; the slug is derived from it.
    #[schema(value_type = String, max_length = 200, example = "How to train your dragon")]
    title: Option<String>,
    #[schema(value_type = String, max_length = 500, example = "Ever wonder how?")]
    description: Option<String>,
    /// Markdown, stored as given.
    #[schema(value_type = String, max_length = 100000, example = "You have to believe.")]
    body: Option<String>,
    /// At most 10 tags of at most 32 characters; stored lower-cased, duplicates removed.
    #[schema(nullable = false, max_items = 10, example = json!(["dragons", "training"]))]
    tags: Option<Vec<String>>,
    /// `draft` (the default) or `published`.
    #[schema(schema_with = super::content_dto::post_status_schema)]
    status: Option<String>,
}

impl CreatePostRequest {
    fn try_into_domain(self) -> Result<PostDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let fields = input::PostFields {
            title: self.title,
            description: self.description,
            body: self.body,
            tags: self.tags,
            status: self.status,
        };
        input::post_draft(&mut errors, fields, "tags", PostStatus::Draft).ok_or(errors)
    }
}

/// Create a post
///
/// The caller becomes the author. A post starts as a draft unless `status` is `published`.
#[utoipa::path(
    post,
    path = crate::v1::paths::POSTS,
    operation_id = "createPost",
    tag = "posts",
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The new post.", body = Data<PostResponse>)),
)]
pub(crate) async fn create(
    services: web::Data<AppState>,
    Authenticated(author): Authenticated,
    body: web::Json<CreatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner().try_into_domain()?;
    let post = services.content().create_post(author, draft).await?;
    Ok(envelope::created(PostResponse::from(post)))
}

/// Get a post
///
/// A draft is visible only to its author, moderators and admins; to anyone else it does not exist.
#[utoipa::path(
    get,
    path = crate::v1::paths::POSTS_SLUG,
    operation_id = "getPost",
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The post, with its body.", body = Data<PostResponse>),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn get(
    services: web::Data<AppState>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().post(reader, input::slug(&path)?).await?;
    Ok(envelope::ok(PostResponse::from(post)))
}

/// A partial update of a post: a field left out is kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdatePostRequest {
    /// May be changed, not removed: `null` is refused. When the title's words change, the slug follows.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, max_length = 200)]
    title: Option<Option<String>>,
    /// May be changed, not removed: `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, max_length = 500)]
    description: Option<Option<String>>,
    /// May be changed, not removed: `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, max_length = 100000)]
    body: Option<Option<String>>,
    /// Replaces every tag; `null` or `[]` removes them all.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>, max_items = 10)]
    tags: Option<Option<Vec<String>>>,
}

impl UpdatePostRequest {
    fn try_into_domain(self) -> Result<PostUpdate, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let fields = input::PostChangeFields {
            title: self.title,
            description: self.description,
            body: self.body,
            tags: self.tags,
        };
        // `null` and `[]` both remove every tag.
        let update = input::post_update(&mut errors, fields, "tags", NullTags::Clear);
        errors.into_result().map(|()| update)
    }
}

/// Update a post
///
/// Only the author, a moderator or an admin may.
#[utoipa::path(
    patch,
    path = crate::v1::paths::POSTS_SLUG,
    operation_id = "updatePost",
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated post.", body = Data<PostResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn update(
    services: web::Data<AppState>,
    Authenticated(editor): Authenticated,
    path: web::Path<String>,
    body: web::Json<UpdatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = input::slug(&path)?;
    let update = body.into_inner().try_into_domain()?;
    let post = services.content().update_post(editor, slug, update).await?;
    Ok(envelope::ok(PostResponse::from(post)))
}

/// Publish a post
///
/// Makes a draft visible to everyone; publishing a published post changes nothing.
/// Only the author, a moderator or an admin may.
#[utoipa::path(
    post,
    path = crate::v1::paths::POSTS_SLUG_PUBLISH,
    operation_id = "publishPost",
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The published post.", body = Data<PostResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn publish(
    services: web::Data<AppState>,
    Authenticated(editor): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().publish_post(editor, input::slug(&path)?).await?;
    Ok(envelope::ok(PostResponse::from(post)))
}

/// Delete a post
///
/// Only the author, a moderator or an admin may.
#[utoipa::path(
    delete,
    path = crate::v1::paths::POSTS_SLUG,
    operation_id = "deletePost",
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "The post is deleted."),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn delete(
    services: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    services.content().delete_post(actor, input::slug(&path)?).await?;
    Ok(envelope::no_content())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
    /// Only posts with this tag.
    #[param(max_length = 32, example = "dragons")]
    tag: Option<String>,
    /// Only posts by this username, or `me` for the caller's own (which needs a token).
    #[param(example = "alice")]
    author: Option<String>,
    /// Only posts this username has favourited.
    #[param(example = "alice")]
    favorited_by: Option<String>,
    /// Full-text search, in web-search syntax (`"quoted phrase"`, `-excluded`); best match first.
    #[param(max_length = 100)]
    q: Option<String>,
    /// `published` (the default) or `draft`; drafts can only be listed with `author=me`.
    #[param(inline, schema_with = super::content_dto::post_status_schema)]
    status: Option<String>,
}

impl ListQuery {
    fn try_into_domain(self) -> Result<PostListing, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = input::page_request(&mut errors, Paging::Pages { page: self.page, limit: self.limit });
        let filters = input::PostFilters { tag: self.tag, author: self.author, favorited_by: self.favorited_by };
        let (tag, author, favorited_by) =
            input::post_filters(&mut errors, filters, "favoritedBy", InvalidFilter::Refuse).unwrap_or_default();
        let search = self.q.and_then(|raw| errors.check("q", SearchTerm::parse(&raw)).flatten());
        let status = self.status.and_then(|raw| errors.check("status", PostStatus::parse(&raw)));
        match page {
            Some(page) if errors.is_empty() => Ok(PostListing { tag, author, favorited_by, search, status, page }),
            _ => Err(errors),
        }
    }
}

/// List posts
///
/// Published posts, most recently published first, without their bodies; filters combine.
/// `author=me` and `status=draft` need a token (401 without one).
#[utoipa::path(
    get,
    path = crate::v1::paths::POSTS,
    operation_id = "listPosts",
    tag = "posts",
    params(ListQuery),
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of posts, without their bodies.", body = List<PostResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 401, response = doc::Unauthenticated),
    ),
)]
pub(crate) async fn list(
    services: web::Data<AppState>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = query.into_inner().try_into_domain()?;
    let page = services.content().list_posts(reader, listing).await?;
    Ok(envelope::page(page, PostResponse::from))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
}

impl PageQuery {
    pub(crate) fn try_into_domain(self) -> Result<PageRequest, ValidationErrors> {
        input::page(Paging::Pages { page: self.page, limit: self.limit })
    }
}

/// My feed
///
/// Published posts by the people the caller follows, most recently published first, without their bodies.
#[utoipa::path(
    get,
    path = crate::v1::paths::POSTS_FEED,
    operation_id = "getFeed",
    tag = "posts",
    params(PageQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of posts, without their bodies.", body = List<PostResponse>),
        (status = 400, response = doc::BadRequest),
    ),
)]
pub(crate) async fn feed(
    services: web::Data<AppState>,
    Authenticated(reader): Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().try_into_domain()?;
    let page = services.content().feed(reader, page).await?;
    Ok(envelope::page(page, PostResponse::from))
}

/// Favourite a post
///
/// Favouriting a post already favourited changes nothing.
#[utoipa::path(
    post,
    path = crate::v1::paths::POSTS_SLUG_FAVORITE,
    operation_id = "favoritePost",
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The post, favourited.", body = Data<PostResponse>),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn favorite(
    services: web::Data<AppState>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().favorite(reader, input::slug(&path)?).await?;
    Ok(envelope::ok(PostResponse::from(post)))
}

/// Unfavourite a post
///
/// Unfavouriting a post not favourited changes nothing.
#[utoipa::path(
    delete,
    path = crate::v1::paths::POSTS_SLUG_FAVORITE,
    operation_id = "unfavoritePost",
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The post, no longer favourited.", body = Data<PostResponse>),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn unfavorite(
    services: web::Data<AppState>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let post = services.content().unfavorite(reader, input::slug(&path)?).await?;
    Ok(envelope::ok(PostResponse::from(post)))
}

/// List tags in use
///
/// Every tag on a published post, most used first.
#[utoipa::path(
    get,
    path = crate::v1::paths::TAGS,
    operation_id = "listTags",
    tag = "tags",
    responses((status = 200, description = "The tags in use.", body = Data<Vec<TagResponse>>)),
)]
pub(crate) async fn tags(services: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let tags = services.content().tags().await?;
    Ok(envelope::ok(tags.into_iter().map(TagResponse::from).collect::<Vec<_>>()))
}
