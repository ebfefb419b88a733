//! Articles, favourites, comments and tags of the RealWorld surface.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::content::values::{PostStatus, Slug};
use folio_domain::content::{PostError, PostListing};
use folio_domain::pagination::Page;
use serde::Deserialize;

use super::dto::{
    ArticleEnvelope, ArticleList, ArticleResponse, CommentEnvelope, CommentList, CommentResponse, TagNames,
};
use super::error::RwError;
use super::{MaybeRwUser, RwUser, respond, respond_list};
use crate::error::ApiError;
use crate::input::{self, InvalidFilter, NullTags, Paging, present};
use crate::state::AppState;

/// A slug from the path, answered as the spec's missing article.
fn article_slug(raw: &str) -> Result<Slug, RwError> {
    input::slug(raw).map_err(RwError::about("article"))
}

fn article_response(status: StatusCode, article: ArticleResponse) -> HttpResponse {
    respond(HttpResponse::build(status), &ArticleEnvelope { article })
}

fn articles_response<T: Into<ArticleResponse>>(page: Page<T>) -> HttpResponse {
    let articles: Vec<ArticleResponse> = page.items.into_iter().map(Into::into).collect();
    let items = articles.len();
    respond_list(HttpResponse::Ok(), &ArticleList { articles, articles_count: page.total }, items)
}

fn empty_list() -> HttpResponse {
    respond(HttpResponse::Ok(), &ArticleList { articles: Vec::new(), articles_count: 0 })
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(crate) async fn list(
    services: web::Data<AppState>,
    MaybeRwUser(reader): MaybeRwUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, RwError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = input::page_request(&mut errors, Paging::Offset { offset: query.offset, limit: query.limit });
    let filters = input::PostFilters { tag: query.tag, author: query.author, favorited_by: query.favorited };
    // A filter value that no tag or user could have matches nothing.
    let filters = input::post_filters(&mut errors, filters, "favorited", InvalidFilter::MatchesNothing);
    let Some(page) = page else {
        return Err(ApiError::from(errors).into());
    };
    let Some((tag, author, favorited_by)) = filters else {
        return Ok(empty_list());
    };
    let listing = PostListing { tag, author, favorited_by, search: None, status: Some(PostStatus::Published), page };
    let page = services.content().list_posts(reader, listing).await.map_err(RwError::about("article"))?;
    Ok(articles_response(page))
}

#[derive(Debug, Deserialize)]
pub(crate) struct FeedQuery {
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(crate) async fn feed(
    services: web::Data<AppState>,
    caller: RwUser,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, RwError> {
    let page = input::page(Paging::Offset { offset: query.offset, limit: query.limit }).map_err(ApiError::from)?;
    let page = services.content().feed(caller.principal, page).await.map_err(RwError::about("article"))?;
    Ok(articles_response(page))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewArticle {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    tag_list: Option<Vec<String>>,
}

pub(crate) async fn create(
    services: web::Data<AppState>,
    caller: RwUser,
    body: web::Json<ArticleEnvelope<NewArticle>>,
) -> Result<HttpResponse, RwError> {
    let article = body.into_inner().article;
    let mut errors = ValidationErrors::new();
    let fields = input::PostFields {
        title: article.title,
        description: article.description,
        body: article.body,
        tags: article.tag_list,
        status: None,
    };
    let Some(draft) = input::post_draft(&mut errors, fields, "tagList", PostStatus::Published) else {
        return Err(ApiError::from(errors).into());
    };
    let post = services.content().create_post(caller.principal, draft).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::CREATED, post.into()))
}

pub(crate) async fn get(
    services: web::Data<AppState>,
    MaybeRwUser(reader): MaybeRwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let post = services.content().post(reader, article_slug(&path)?).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateArticle {
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    body: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    tag_list: Option<Option<Vec<String>>>,
}

pub(crate) async fn update(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
    body: web::Json<ArticleEnvelope<UpdateArticle>>,
) -> Result<HttpResponse, RwError> {
    let slug = article_slug(&path)?;
    let article = body.into_inner().article;
    let mut errors = ValidationErrors::new();
    let fields = input::PostChangeFields {
        title: article.title,
        description: article.description,
        body: article.body,
        tags: article.tag_list,
    };
    // `[]` clears the tags; a missing tagList keeps them; `null` is not an array.
    let update = input::post_update(&mut errors, fields, "tagList", NullTags::Refuse);
    errors.into_result().map_err(ApiError::from)?;
    let post =
        services.content().update_post(caller.principal, slug, update).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

pub(crate) async fn delete(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    services.content().delete_post(caller.principal, article_slug(&path)?).await.map_err(RwError::about("article"))?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn favorite(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let post =
        services.content().favorite(caller.principal, article_slug(&path)?).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

pub(crate) async fn unfavorite(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let post = services
        .content()
        .unfavorite(caller.principal, article_slug(&path)?)
        .await
        .map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

pub(crate) async fn comments(
    services: web::Data<AppState>,
    MaybeRwUser(reader): MaybeRwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let comments =
        services.content().all_comments(reader, article_slug(&path)?).await.map_err(RwError::about("article"))?;
    let comments: Vec<CommentResponse> = comments.into_iter().map(CommentResponse::from).collect();
    let items = comments.len();
    Ok(respond_list(HttpResponse::Ok(), &CommentList { comments }, items))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewComment {
    body: Option<String>,
}

pub(crate) async fn add_comment(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
    body: web::Json<CommentEnvelope<NewComment>>,
) -> Result<HttpResponse, RwError> {
    let slug = article_slug(&path)?;
    let text = input::comment_body(body.into_inner().comment.body).map_err(ApiError::from)?;
    let comment =
        services.content().add_comment(caller.principal, slug, text).await.map_err(RwError::about("article"))?;
    Ok(respond(HttpResponse::Created(), &CommentEnvelope { comment: CommentResponse::from(comment) }))
}

pub(crate) async fn delete_comment(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, RwError> {
    let (slug, id) = input::comment_path(path.into_inner()).map_err(RwError::about("article"))?;
    services.content().delete_comment(caller.principal, slug, id).await.map_err(|error| {
        // A missing article is about the article, whatever the comment; the
        // rest (a missing comment, a refusal) is about the comment.
        let resource = if matches!(error, PostError::NotFound) { "article" } else { "comment" };
        RwError::about(resource)(error)
    })?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn tags(services: web::Data<AppState>) -> Result<HttpResponse, RwError> {
    let tags = services.content().tags().await.map_err(RwError::about("tags"))?;
    let names: Vec<&str> = tags.iter().map(|usage| usage.tag.as_str()).collect();
    Ok(respond(HttpResponse::Ok(), &TagNames { tags: names }))
}
