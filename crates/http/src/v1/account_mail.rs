//! `/auth/verify-email` and `/auth/password-reset`: the links Folio mails.
//!
//! The mail itself leaves later, from a background job; these routes only
//! record what to send (202) or spend a token from a link (204).

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::values::{Email, Password};
use folio_domain::mail::values::AccountToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::envelope::{self, Data};
use crate::error::ApiError;
use crate::openapi as doc;
use crate::state::AppState;

/// What a 202 says: the request is recorded and a message will follow.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Accepted)]
pub(crate) struct AcceptedResponse {
    /// For a person.
    #[schema(example = "If an account uses this e-mail address, a link to reset its password is on its way.")]
    message: &'static str,
}

/// The one answer to every well-formed reset request, whether or not an
/// account has the address.
const RESET_REQUESTED: &str = "If an account uses this e-mail address, a link to reset its password is on its way.";

/// The answer to a request for a new verification link.
const VERIFICATION_REQUESTED: &str = "A new verification link is on its way to your e-mail address.";

/// The token field, required and not blank.
fn required_token(errors: &mut ValidationErrors, token: Option<String>) -> Option<AccountToken> {
    errors.require("token", token.filter(|token| !token.trim().is_empty())).map(AccountToken::new)
}

/// A token from a verification link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyEmailRequest {
    /// The `token` query parameter of the link in the message.
    #[schema(value_type = String, example = "0192f5a83c2e7b4a9d1e5f6a7b8c9d0e.Jx3y0E6Zr8s1QfVtYb2nW5kPq9uA7cDe4gHiLmNoRsT")]
    token: Option<String>,
}

/// Verify my e-mail address
///
/// Spends the token of a verification link and marks the address verified
/// (`emailVerified` in the account). A token that is unknown, expired (after
/// 24 hours), already used, or for an address the account no longer has is a
/// `VALIDATION_ERROR` on `token` with code `invalid_token`.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_VERIFY_EMAIL,
    operation_id = "verifyEmail",
    tag = "auth",
    responses((status = 204, description = "The address is verified.")),
)]
pub(crate) async fn verify_email(
    services: web::Data<AppState>,
    body: web::Json<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let Some(token) = required_token(&mut errors, body.into_inner().token) else {
        return Err(errors.into());
    };
    services.account_mail().verify_email(token).await?;
    Ok(envelope::no_content())
}

/// Send me a new verification link
///
/// Mails a fresh verification link (valid 24 hours) to the caller's address.
/// An address that is verified already is a 409.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_VERIFY_EMAIL_RESEND,
    operation_id = "resendVerificationEmail",
    tag = "auth",
    security(("bearerAuth" = [])),
    responses(
        (status = 202, description = "The link will be mailed.", body = Data<AcceptedResponse>),
        (status = 409, response = doc::Conflict),
    ),
)]
pub(crate) async fn resend_verification(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<HttpResponse, ApiError> {
    services.account_mail().resend_verification(principal).await?;
    Ok(envelope::accepted(AcceptedResponse { message: VERIFICATION_REQUESTED }))
}

/// Whose password to reset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordResetRequest {
    #[schema(value_type = String, format = Email, example = "alice@example.com")]
    email: Option<String>,
}

/// Ask for a password reset link
///
/// Mails a link to set a new password (valid one hour) if an active account
/// uses this address. The answer is the same whether or not one does, so it
/// reveals nothing about which addresses have accounts. Rate-limited like the
/// other authentication endpoints.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_PASSWORD_RESET,
    operation_id = "requestPasswordReset",
    tag = "auth",
    responses((status = 202, description = "Recorded; a link is mailed if the address has an account.",
        body = Data<AcceptedResponse>)),
)]
pub(crate) async fn request_password_reset(
    services: web::Data<AppState>,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let email = errors.require("email", body.into_inner().email).map(|raw| Email::parse(&raw));
    let Some(email) = email.and_then(|parsed| errors.check("email", parsed)) else {
        return Err(errors.into());
    };
    services.account_mail().request_password_reset(email).await?;
    Ok(envelope::accepted(AcceptedResponse { message: RESET_REQUESTED }))
}

/// A token from a reset link, and the new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PasswordResetConfirmRequest {
    /// The `token` query parameter of the link in the message.
    #[schema(value_type = String)]
    token: Option<String>,
    /// At least 8 characters and at most 72 bytes; not a common password, nor the email or username.
    #[schema(value_type = String, format = Password, min_length = 8)]
    new_password: Option<String>,
}

/// Set a new password with a reset link
///
/// Spends the token of a reset link, sets the new password and ends every
/// session of the account: its refresh tokens stop working, and so do the
/// other reset links sent before. A token that is unknown, expired (after one
/// hour) or already used is a `VALIDATION_ERROR` on `token` with code
/// `invalid_token`.
#[utoipa::path(
    post,
    path = crate::v1::paths::AUTH_PASSWORD_RESET_CONFIRM,
    operation_id = "confirmPasswordReset",
    tag = "auth",
    responses((status = 204, description = "The password is set; log in with it.")),
)]
pub(crate) async fn confirm_password_reset(
    services: web::Data<AppState>,
    body: web::Json<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let token = required_token(&mut errors, body.token);
    let password = errors.require("newPassword", body.new_password).map(Password::parse);
    let password = password.and_then(|parsed| errors.check("newPassword", parsed));
    let (Some(token), Some(password)) = (token, password) else {
        return Err(errors.into());
    };
    services.account_mail().reset_password(token, password).await?;
    Ok(envelope::no_content())
}
