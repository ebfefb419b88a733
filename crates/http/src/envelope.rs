//! The success envelope: `{"data": ...}`, plus `meta` for paged lists.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use folio_domain::pagination::Page;
use serde::Serialize;
use utoipa::ToSchema;

/// A success answer: `{"data": ...}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Data<T> {
    data: T,
}

/// A page of a list: `{"data": [...], "meta": {...}}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct List<T> {
    data: Vec<T>,
    meta: Meta,
}

/// Paging metadata of a list response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta {
    /// The page returned, from 1.
    #[schema(example = 1)]
    page: u32,
    /// The page size asked for (default 20, at most 100).
    #[schema(example = 20)]
    limit: u32,
    /// How many items there are in all the pages.
    #[schema(example = 135)]
    total: u64,
    /// How many pages of `limit` items there are.
    #[schema(example = 7)]
    total_pages: u64,
}

/// 200 with `{"data": body}`.
pub(crate) fn ok<T: Serialize>(body: T) -> HttpResponse {
    with_status(StatusCode::OK, body)
}

/// 201 with `{"data": body}`.
pub(crate) fn created<T: Serialize>(body: T) -> HttpResponse {
    with_status(StatusCode::CREATED, body)
}

/// 202 with `{"data": body}`: recorded, done later.
pub(crate) fn accepted<T: Serialize>(body: T) -> HttpResponse {
    with_status(StatusCode::ACCEPTED, body)
}

/// 204 with no body.
pub(crate) fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

fn with_status<T: Serialize>(status: StatusCode, body: T) -> HttpResponse {
    HttpResponse::build(status).json(Data { data: body })
}

/// 200 with `{"data": [...], "meta": {...}}`, mapping each item.
pub(crate) fn page<T, D: Serialize>(page: Page<T>, map: impl FnMut(T) -> D) -> HttpResponse {
    let meta = Meta {
        page: page.request.page(),
        limit: page.request.limit(),
        total: page.total,
        total_pages: page.total_pages(),
    };
    HttpResponse::Ok().json(List { data: page.items.into_iter().map(map).collect(), meta })
}

/// RFC 3339, UTC, milliseconds: the one time format of the API.
pub(crate) fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}
