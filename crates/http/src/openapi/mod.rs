//! The OpenAPI 3.1 document of the native API (`/api/v1`), generated from the
//! code with `utoipa`: the handlers' `#[utoipa::path]` annotations, the DTOs'
//! `ToSchema` derives, and the error responses and security scheme below.
//!
//! Contract:
//! - the document names exactly the routes of the `/api/v1` route table (see
//!   `v1/mod.rs`; `tests/openapi.rs` checks it against the running router);
//! - every operation lists its own business errors in its annotation, and
//!   `CommonResponses` adds the ones every route shares, so no operation can
//!   forget them: 429, 500 and 503 everywhere; 401 where a bearer token is
//!   accepted; 400, 413 and 415 where a JSON body is read;
//! - every error response is the envelope
//!   `{"error": {"code", "message", "details", "requestId"}}` with one of the
//!   codes of [`ErrorCode`].
//!
//! It is served at `GET /api/v1/openapi.json`, printed by `folio openapi`, and
//! browsable at `/docs` (see `landing.rs`).

mod errors;
mod modifiers;

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use utoipa::OpenApi;

pub use self::errors::{
    BadRequest, Conflict, Forbidden, InternalError, NotFound, PayloadTooLarge, RateLimited, Unauthenticated,
    Unavailable, UnsupportedMediaType,
};
use self::modifiers::{CommonResponses, ReferenceNamedSchemas};
pub use crate::v1::V1_ROUTES;

/// The name of the bearer (JWT) security scheme in the document.
pub const BEARER: &str = "bearerAuth";

/// The name of the error envelope's schema in the document.
const ERROR_SCHEMA: &str = "Error";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        description = "The native API of Folio, a content-platform backend: accounts and roles, profiles and \
follows, posts with drafts, tags, comments and favourites, a personal feed, and signed webhooks.\n\n\
Successful answers are `{\"data\": ...}`; lists add `\"meta\": {\"page\", \"limit\", \"total\", \"totalPages\"}`. \
Every failure is `{\"error\": {\"code\", \"message\", \"details\", \"requestId\"}}` with a stable `code`. \
Field names are camelCase, times are RFC 3339 UTC with milliseconds, ids are UUIDs except comment ids (64-bit \
integers).\n\n\
Authenticate with `Authorization: Bearer <access token>`: the access token comes from `POST /api/v1/auth/login` \
(or `register`), lives 15 minutes, and is renewed with the refresh token at `POST /api/v1/auth/refresh`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    nest((path = "/api/v1", api = crate::v1::V1Api)),
    components(responses(
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        InternalError,
        Unavailable,
    )),
    modifiers(&CommonResponses, &ReferenceNamedSchemas),
    tags(
        (name = "auth", description = "Registration and sessions: access and refresh tokens."),
        (name = "users", description = "The caller's own account."),
        (name = "admin", description = "Account administration; admins only."),
        (name = "profiles", description = "Public profiles and following."),
        (name = "posts", description = "Posts, drafts, publishing, favourites and the personal feed."),
        (name = "comments", description = "Comments on posts."),
        (name = "tags", description = "Tags in use."),
        (name = "webhooks", description = "Webhook endpoints: signed POSTs of public events, and their delivery logs; \
admins only."),
        (name = "meta", description = "This document."),
    ),
)]
struct ApiDoc;

/// The OpenAPI document of the native API.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty-printed JSON, as served and as `folio openapi` prints it.
pub fn to_json() -> String {
    // Serialising a tree of strings, maps and numbers cannot fail.
    document().to_pretty_json().unwrap_or_default()
}

static JSON: LazyLock<String> = LazyLock::new(to_json);

/// This document, in OpenAPI 3.1 JSON.
#[utoipa::path(
    get,
    path = crate::v1::paths::OPENAPI_JSON,
    operation_id = "getOpenApiDocument",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json",
        body = Object)),
)]
pub(crate) async fn serve() -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(JSON.as_str())
}
