//! `/profiles/{username}` and following.

use actix_web::{HttpResponse, web};

use super::content_dto::ProfileResponse;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::envelope::{self, Data};
use crate::error::ApiError;
use crate::input;
use crate::openapi as doc;
use crate::state::AppState;

/// Get a profile
///
/// Anyone may look; with a token, `following` says whether the caller follows them.
#[utoipa::path(
    get,
    path = crate::v1::paths::PROFILES_USERNAME,
    operation_id = "getProfile",
    tag = "profiles",
    params(("username" = String, Path, description = "The person's username.")),
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The profile.", body = Data<ProfileResponse>),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn get(
    services: web::Data<AppState>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = services.content().profile(reader, input::username(&path)?).await?;
    Ok(envelope::ok(ProfileResponse::from(profile)))
}

/// Follow a person
///
/// Following someone already followed changes nothing; following oneself is a
/// `VALIDATION_ERROR` on `username`.
#[utoipa::path(
    post,
    path = crate::v1::paths::PROFILES_USERNAME_FOLLOW,
    operation_id = "followProfile",
    tag = "profiles",
    params(("username" = String, Path, description = "The person's username.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The profile, now followed.", body = Data<ProfileResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn follow(
    services: web::Data<AppState>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = services.content().follow(reader, input::username(&path)?).await?;
    Ok(envelope::ok(ProfileResponse::from(profile)))
}

/// Unfollow a person
///
/// Unfollowing someone not followed changes nothing; unfollowing oneself is a
/// `VALIDATION_ERROR` on `username`.
#[utoipa::path(
    delete,
    path = crate::v1::paths::PROFILES_USERNAME_FOLLOW,
    operation_id = "unfollowProfile",
    tag = "profiles",
    params(("username" = String, Path, description = "The person's username.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The profile, no longer followed.", body = Data<ProfileResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn unfollow(
    services: web::Data<AppState>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = services.content().unfollow(reader, input::username(&path)?).await?;
    Ok(envelope::ok(ProfileResponse::from(profile)))
}
