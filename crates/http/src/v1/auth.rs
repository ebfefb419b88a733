//! `/auth`: register, log in, refresh, log out.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::Registration;
use folio_domain::accounts::values::{RefreshToken, TokenLifetime};
use garde::Validate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::SignedInResponse;
use crate::auth::Authenticated;
use crate::envelope::{self, Data};
use crate::error::ApiError;
use crate::input::{self, FieldParse, Fields, filled};
use crate::openapi as doc;
use crate::state::AppState;

/// A new account. Every problem is reported at once, each under its field.
// The fields are `Option`s so that a missing one is a field error in `details`
// rather than a shapeless deserialisation failure; the document says what a
// client must send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    #[schema(value_type = String, format = Email, max_length = 254, example = "alice@example.com")]
    email: Option<String>,
    /// 3 to 32 of `a-z`, `0-9`, `_` and `-`; stored lower-cased.
    #[schema(value_type = String, min_length = 3, max_length = 32, example = "alice")]
    username: Option<String>,
    /// At least 8 characters and at most 72 bytes; not a common password, nor the email or username.
    #[schema(value_type = String, format = Password, min_length = 8, example = "correct horse battery staple")]
    password: Option<String>,
    /// A name to show instead of the username; optional.
    #[schema(max_length = 64, example = "Alice Liddell")]
    display_name: Option<String>,
}

impl RegisterRequest {
    fn try_into_domain(self) -> Result<Registration, ValidationErrors> {
        input::registration(input::RegistrationFields {
            email: self.email,
            username: self.username,
            password: self.password,
            display_name: self.display_name,
        })
    }
}

/// Register an account
///
/// Creates a `user` account and signs it in.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_REGISTER,
    operation_id = "register",
    tag = "auth",
    responses(
        (status = 201, description = "The account exists and is signed in.", body = Data<SignedInResponse>),
        (status = 409, response = doc::Conflict),
    ),
)]
pub(crate) async fn register(
    services: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner().try_into_domain()?;
    let signed_in = services.accounts().register(registration, TokenLifetime::Short).await?;
    Ok(envelope::created(SignedInResponse::from(signed_in)))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogInRequest {
    #[schema(value_type = String, format = Email, example = "alice@example.com")]
    email: Option<String>,
    #[schema(value_type = String, format = Password, example = "correct horse battery staple")]
    password: Option<String>,
}

/// Log in
///
/// Exchanges an email and password for an access and a refresh token. A wrong
/// email and a wrong password get the same 401; a deactivated account gets 403.
/// Repeated failures for one email lock it for a while: 429, even with the right password.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_LOGIN,
    operation_id = "logIn",
    tag = "auth",
    responses(
        (status = 200, description = "Signed in.", body = Data<SignedInResponse>),
        (status = 401, response = doc::Unauthenticated),
        (status = 403, response = doc::Forbidden),
    ),
)]
pub(crate) async fn log_in(
    services: web::Data<AppState>,
    body: web::Json<LogInRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (email, password) = input::credentials(body.email, body.password)?;
    let signed_in = services.accounts().log_in(email, password, TokenLifetime::Short).await?;
    Ok(envelope::ok(SignedInResponse::from(signed_in)))
}

/// A refresh token to trade for a new pair.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[garde(context(FieldParse))]
pub(crate) struct RefreshRequest {
    /// The `refreshToken` of the last sign-in or refresh.
    #[schema(value_type = String)]
    #[garde(custom(filled(str::is_empty)))]
    refresh_token: Option<String>,
}

impl Fields for RefreshRequest {
    const BODY_ORDER: &'static [&'static str] = &["refreshToken"];
}

/// Refresh the tokens
///
/// Trades a refresh token for a new access token and a new refresh token; the
/// old refresh token stops working. Presenting a refresh token a second time
/// ends the whole session. An invalid, expired or spent refresh token is a 401.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_REFRESH,
    operation_id = "refreshTokens",
    tag = "auth",
    responses(
        (status = 200, description = "A new pair of tokens.", body = Data<SignedInResponse>),
        (status = 401, response = doc::Unauthenticated),
    ),
)]
pub(crate) async fn refresh(
    services: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    input::validate_into(&mut errors, &body, &[]);
    let Some(token) = body.refresh_token.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let signed_in = services.accounts().refresh(RefreshToken::new(token)).await?;
    Ok(envelope::ok(SignedInResponse::from(signed_in)))
}

/// Log out
///
/// Ends the caller's session: its access and refresh tokens stop working.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_LOGOUT,
    operation_id = "logOut",
    tag = "auth",
    security(("bearerAuth" = [])),
    responses((status = 204, description = "The session has ended.")),
)]
pub(crate) async fn log_out(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<HttpResponse, ApiError> {
    services.accounts().log_out(principal).await?;
    Ok(envelope::no_content())
}
