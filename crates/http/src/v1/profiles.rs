//! `/profiles/{username}` and following.

use actix_web::{HttpResponse, web};
use folio_domain::content::ContentService;
use folio_domain::user::Username;

use super::content_dto::ProfileBody;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::envelope;
use crate::error::ApiError;
use crate::services::Services;

/// A username from the path; one that can't exist is simply not found.
pub(crate) fn username(raw: &str) -> Result<Username, ApiError> {
    Username::parse(raw).map_err(|_| ApiError::not_found("No profile has this username."))
}

pub(crate) async fn get<S: Services>(
    services: web::Data<S>,
    MaybeAuthenticated(reader): MaybeAuthenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = services.content().profile(reader, username(&path)?).await?;
    Ok(envelope::ok(ProfileBody::from(profile)))
}

pub(crate) async fn follow<S: Services>(
    services: web::Data<S>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = services.content().follow(reader, username(&path)?).await?;
    Ok(envelope::ok(ProfileBody::from(profile)))
}

pub(crate) async fn unfollow<S: Services>(
    services: web::Data<S>,
    Authenticated(reader): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = services.content().unfollow(reader, username(&path)?).await?;
    Ok(envelope::ok(ProfileBody::from(profile)))
}
