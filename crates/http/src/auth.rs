//! Extractors for the caller: `Authenticated` (required) and
//! `MaybeAuthenticated` (optional).
//!
//! Authentication is lazy: only handlers that ask for the caller verify the
//! `Authorization` header, so a stale token sent to `/auth/refresh` or
//! `/auth/login` does not get in the way.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use folio_domain::accounts::values::Principal;

use crate::error::ApiError;
use crate::state::AppState;

/// The token of an `Authorization: Bearer <token>` header (`Token <token>`, the
/// RealWorld spelling, is accepted too). `None` when there is no header.
pub(crate) fn credentials(request: &HttpRequest) -> Option<Result<String, ApiError>> {
    let value = request.headers().get(header::AUTHORIZATION)?;
    let parsed = value.to_str().ok().and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
        let token = token.trim();
        (known && !token.is_empty()).then(|| token.to_owned())
    });
    Some(parsed.ok_or_else(|| {
        ApiError::unauthenticated("The Authorization header must be of the form 'Bearer <access token>'.")
    }))
}

async fn authenticate(state: Option<web::Data<AppState>>, token: String) -> Result<Principal, ApiError> {
    let state = state.ok_or_else(|| ApiError::internal(&anyhow::anyhow!("no application state registered")))?;
    let principal = state.accounts().authenticate(token).await?;
    tracing::Span::current().record("user_id", tracing::field::display(principal.user_id));
    Ok(principal)
}

/// The authenticated caller; answers 401 when there is no valid token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = credentials(request);
        let state = request.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.unwrap_or_else(|| {
                Err(ApiError::unauthenticated("Authentication required: send 'Authorization: Bearer <access token>'."))
            })?;
            authenticate(state, token).await.map(Self)
        })
    }
}

/// The caller if a token was sent; a token that was sent but is invalid is
/// still a 401, so a client never mistakes a broken session for anonymity.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = credentials(request);
        let state = request.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            match token {
                None => Ok(Self(None)),
                Some(token) => authenticate(state, token?).await.map(|p| Self(Some(p))),
            }
        })
    }
}
