//! Articles, favourites, comments and tags of the RealWorld surface.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::values::Username;
use folio_domain::content::values::{Body, CommentBody, CommentId, Description, PostStatus, Slug, Tag, TagList, Title};
use folio_domain::content::{AuthorSelector, ContentService, PostDraft, PostListing, PostUpdate};
use folio_domain::pagination::{Page, PageRequest};
use serde::Deserialize;

use super::dto::{
    ArticleBody, ArticleEnvelope, ArticleList, CommentBody as CommentOut, CommentEnvelope, CommentList, TagNames,
};
use super::error::RwError;
use super::{MaybeRwUser, RwUser, respond, respond_list};
use crate::error::ApiError;
use crate::services::Services;
use crate::v1::dto::present;

/// Comments come unpaged in the spec; the domain pages them, so the whole list
/// is read a page at a time up to this many.
const MAX_COMMENTS: u64 = 1000;

fn slug(raw: &str) -> Result<Slug, RwError> {
    Slug::parse(raw).map_err(|_| RwError::new(StatusCode::NOT_FOUND, "article", "not found"))
}

fn article_response(status: StatusCode, article: ArticleBody) -> HttpResponse {
    respond(HttpResponse::build(status), &ArticleEnvelope { article })
}

fn articles_response<T: Into<ArticleBody>>(page: Page<T>) -> HttpResponse {
    let articles: Vec<ArticleBody> = page.items.into_iter().map(Into::into).collect();
    let items = articles.len();
    respond_list(HttpResponse::Ok(), &ArticleList { articles, articles_count: page.total }, items)
}

fn empty_list() -> HttpResponse {
    respond(HttpResponse::Ok(), &ArticleList { articles: Vec::new(), articles_count: 0 })
}

/// The spec sets no maximum `limit`; larger ones get the largest page the
/// domain serves rather than an error.
fn page_request(offset: Option<u64>, limit: Option<u32>) -> Result<PageRequest, RwError> {
    let limit = limit.map(|limit| limit.min(PageRequest::MAX_LIMIT));
    PageRequest::from_offset(offset, limit).map_err(|problem| {
        let mut errors = ValidationErrors::new();
        errors.check::<(), _>(problem.parameter(), Err(problem));
        RwError::from(ApiError::from(errors))
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(crate) async fn list<S: Services>(
    services: web::Data<S>,
    MaybeRwUser(reader): MaybeRwUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, RwError> {
    let query = query.into_inner();
    let page = page_request(query.offset, query.limit)?;
    // A filter value that no tag or user could have matches nothing.
    let tag = query.tag.map(|raw| Tag::parse(&raw)).transpose();
    let author = query.author.map(|raw| Username::parse(&raw)).transpose();
    let favorited_by = query.favorited.map(|raw| Username::parse(&raw)).transpose();
    let (Ok(tag), Ok(author), Ok(favorited_by)) = (tag, author, favorited_by) else {
        return Ok(empty_list());
    };
    let listing = PostListing {
        tag,
        author: author.map(AuthorSelector::Username),
        favorited_by,
        search: None,
        status: Some(PostStatus::Published),
        page,
    };
    let page = services.content().list_posts(reader, listing).await.map_err(RwError::about("article"))?;
    Ok(articles_response(page))
}

#[derive(Debug, Deserialize)]
pub(crate) struct FeedQuery {
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(crate) async fn feed<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, RwError> {
    let page = page_request(query.offset, query.limit)?;
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

pub(crate) async fn create<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    body: web::Json<ArticleEnvelope<NewArticle>>,
) -> Result<HttpResponse, RwError> {
    let article = body.into_inner().article;
    let mut errors = ValidationErrors::new();
    let title = errors.require("title", article.title).and_then(|raw| errors.check("title", Title::parse(&raw)));
    let description = errors
        .require("description", article.description)
        .and_then(|raw| errors.check("description", Description::parse(&raw)));
    let body = errors.require("body", article.body).and_then(|raw| errors.check("body", Body::parse(&raw)));
    let tags = errors.check("tagList", TagList::parse(&article.tag_list.unwrap_or_default()));
    let (Some(title), Some(description), Some(body), Some(tags)) = (title, description, body, tags) else {
        return Err(ApiError::from(errors).into());
    };
    let draft = PostDraft { title, description, body, tags, status: PostStatus::Published };
    let post = services.content().create_post(caller.principal, draft).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::CREATED, post.into()))
}

pub(crate) async fn get<S: Services>(
    services: web::Data<S>,
    MaybeRwUser(reader): MaybeRwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let post = services.content().post(reader, slug(&path)?).await.map_err(RwError::about("article"))?;
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

/// A text field of an update: left out keeps it; `null` or blank is refused.
fn text<T, E: folio_domain::FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match value? {
        Some(raw) => errors.check(field, parse(&raw)),
        None => {
            errors.add(field, "blank", format!("{field} can't be blank"));
            None
        }
    }
}

pub(crate) async fn update<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
    body: web::Json<ArticleEnvelope<UpdateArticle>>,
) -> Result<HttpResponse, RwError> {
    let slug = slug(&path)?;
    let article = body.into_inner().article;
    let mut errors = ValidationErrors::new();
    let update = PostUpdate {
        title: text(&mut errors, "title", article.title, Title::parse),
        description: text(&mut errors, "description", article.description, Description::parse),
        body: text(&mut errors, "body", article.body, Body::parse),
        // `[]` clears the tags; a missing tagList keeps them; `null` is not an array.
        tags: match article.tag_list {
            None => None,
            Some(None) => {
                errors.add("tagList", "blank", "tagList must be an array");
                None
            }
            Some(Some(tags)) => errors.check("tagList", TagList::parse(&tags)),
        },
    };
    errors.into_result().map_err(ApiError::from)?;
    let post =
        services.content().update_post(caller.principal, slug, update).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

pub(crate) async fn delete<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    services.content().delete_post(caller.principal, slug(&path)?).await.map_err(RwError::about("article"))?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn favorite<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let post = services.content().favorite(caller.principal, slug(&path)?).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

pub(crate) async fn unfavorite<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let post =
        services.content().unfavorite(caller.principal, slug(&path)?).await.map_err(RwError::about("article"))?;
    Ok(article_response(StatusCode::OK, post.into()))
}

pub(crate) async fn comments<S: Services>(
    services: web::Data<S>,
    MaybeRwUser(reader): MaybeRwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let slug = slug(&path)?;
    let mut comments: Vec<CommentOut> = Vec::new();
    let mut offset = 0;
    loop {
        let page = PageRequest::from_offset(Some(offset), Some(PageRequest::MAX_LIMIT))
            .map_err(|_| RwError::new(StatusCode::INTERNAL_SERVER_ERROR, "server", "internal error"))?;
        let page =
            services.content().comments(reader.clone(), slug.clone(), page).await.map_err(RwError::about("article"))?;
        let fetched = page.items.len() as u64;
        comments.extend(page.items.into_iter().map(CommentOut::from));
        offset += fetched;
        if fetched == 0 || offset >= page.total || offset >= MAX_COMMENTS {
            break;
        }
    }
    let items = comments.len();
    Ok(respond_list(HttpResponse::Ok(), &CommentList { comments }, items))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewComment {
    body: Option<String>,
}

pub(crate) async fn add_comment<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
    body: web::Json<CommentEnvelope<NewComment>>,
) -> Result<HttpResponse, RwError> {
    let slug = slug(&path)?;
    let mut errors = ValidationErrors::new();
    let text = errors
        .require("body", body.into_inner().comment.body)
        .and_then(|raw| errors.check("body", CommentBody::parse(&raw)));
    let Some(text) = text else {
        return Err(ApiError::from(errors).into());
    };
    let comment =
        services.content().add_comment(caller.principal, slug, text).await.map_err(RwError::about("article"))?;
    Ok(respond(HttpResponse::Created(), &CommentEnvelope { comment: CommentOut::from(comment) }))
}

pub(crate) async fn delete_comment<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, RwError> {
    let (raw_slug, id) = path.into_inner();
    services
        .content()
        .delete_comment(caller.principal, slug(&raw_slug)?, CommentId::new(id))
        .await
        .map_err(RwError::about("comment"))?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn tags<S: Services>(services: web::Data<S>) -> Result<HttpResponse, RwError> {
    let tags = services.content().tags().await.map_err(RwError::about("tags"))?;
    let names: Vec<&str> = tags.iter().map(|usage| usage.tag.as_str()).collect();
    Ok(respond(HttpResponse::Ok(), &TagNames { tags: names }))
}
