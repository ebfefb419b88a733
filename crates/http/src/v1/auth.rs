//! `/auth`: register, log in, refresh, log out.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::{AccountService, Registration};
use folio_domain::credentials::{Password, PasswordAttempt, RefreshToken};
use folio_domain::user::{DisplayName, Email, Username};
use serde::Deserialize;

use super::dto::SignedInBody;
use crate::auth::Authenticated;
use crate::envelope;
use crate::error::ApiError;
use crate::services::Services;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    email: Option<String>,
    username: Option<String>,
    password: Option<String>,
    display_name: Option<String>,
}

impl RegisterRequest {
    fn try_into_domain(self) -> Result<Registration, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors.require("email", self.email).map(|raw| Email::parse(&raw));
        let email = email.and_then(|parsed| errors.check("email", parsed));
        let username = errors.require("username", self.username).map(|raw| Username::parse(&raw));
        let username = username.and_then(|parsed| errors.check("username", parsed));
        let password = errors.require("password", self.password).map(Password::parse);
        let password = password.and_then(|parsed| errors.check("password", parsed));
        let display_name = match self.display_name {
            Some(raw) if !raw.trim().is_empty() => errors.check("displayName", DisplayName::parse(&raw)),
            _ => None,
        };
        match (email, username, password) {
            (Some(email), Some(username), Some(password)) if errors.is_empty() => {
                Ok(Registration { email, username, password, display_name })
            }
            _ => Err(errors),
        }
    }
}

pub(crate) async fn register<S: Services>(
    services: web::Data<S>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner().try_into_domain()?;
    let signed_in = services.accounts().register(registration).await?;
    Ok(envelope::created(SignedInBody::from(signed_in)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogInRequest {
    email: Option<String>,
    password: Option<String>,
}

pub(crate) async fn log_in<S: Services>(
    services: web::Data<S>,
    body: web::Json<LogInRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let email = errors.require("email", body.email.filter(|email| !email.trim().is_empty()));
    let password = errors.require("password", body.password.filter(|password| !password.is_empty()));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(errors.into());
    };
    let signed_in = services.accounts().log_in(email, PasswordAttempt::new(password)).await?;
    Ok(envelope::ok(SignedInBody::from(signed_in)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RefreshRequest {
    refresh_token: Option<String>,
}

pub(crate) async fn refresh<S: Services>(
    services: web::Data<S>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = body.into_inner().refresh_token.filter(|token| !token.is_empty()) else {
        return Err(ValidationErrors::single("refreshToken", "required", "refreshToken is required").into());
    };
    let signed_in = services.accounts().refresh(RefreshToken::new(token)).await?;
    Ok(envelope::ok(SignedInBody::from(signed_in)))
}

pub(crate) async fn log_out<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
) -> Result<HttpResponse, ApiError> {
    services.accounts().log_out(principal).await?;
    Ok(envelope::no_content())
}
