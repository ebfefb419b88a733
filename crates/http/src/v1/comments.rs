//! `/posts/{slug}/comments`: a post's comments.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::content_dto::CommentResponse;
use super::posts::PageQuery;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::envelope::{self, Data, List};
use crate::error::ApiError;
use crate::input;
use crate::openapi as doc;
use crate::state::AppState;

/// List a post's comments
#[utoipa::path(
    get,
    path = crate::v1::paths::POSTS_SLUG_COMMENTS,
    operation_id = "listComments",
    tag = "comments",
    params(("slug" = String, Path, description = "The post's slug."), PageQuery),
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of comments.", body = List<CommentResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn list(
    services: web::Data<AppState>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = input::slug(&path)?;
    let page = query.into_inner().try_into_domain()?;
    let page = services.content().comments(reader, slug, page).await?;
    Ok(envelope::page(page, CommentResponse::from))
}

/// A new comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateCommentRequest)]
pub(crate) struct CommentRequest {
    #[schema(value_type = String, max_length = 5000, example = "It takes a Jacobian")]
    body: Option<String>,
}

/// Comment on a post
#[utoipa::path(
    post,
    path = crate::v1::paths::POSTS_SLUG_COMMENTS,
    operation_id = "createComment",
    tag = "comments",
    params(("slug" = String, Path, description = "The post's slug.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "The new comment.", body = Data<CommentResponse>),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn create(
    services: web::Data<AppState>,
    Authenticated(author): Authenticated,
    path: web::Path<String>,
    body: web::Json<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = input::slug(&path)?;
    let text = input::comment_body(body.into_inner().body)?;
    let comment = services.content().add_comment(author, slug, text).await?;
    Ok(envelope::created(CommentResponse::from(comment)))
}

/// Delete a comment
///
/// Only the comment's author, a moderator or an admin may.
#[utoipa::path(
    delete,
    path = crate::v1::paths::POSTS_SLUG_COMMENTS_ID,
    operation_id = "deleteComment",
    tag = "comments",
    params(
        ("slug" = String, Path, description = "The post's slug."),
        ("id" = i64, Path, description = "The comment's id."),
    ),
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "The comment is deleted."),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn delete(
    services: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = input::comment_path(path.into_inner())?;
    services.content().delete_comment(actor, slug, id).await?;
    Ok(envelope::no_content())
}
