//! Users, authentication and profiles of the RealWorld surface.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::model::{FieldUpdate, ProfileChanges};
use folio_domain::accounts::values::{Bio, Email, ImageUrl, Username};
use folio_domain::accounts::values::{Password, PasswordAttempt};
use folio_domain::accounts::{AccountService, LogInError, Registration};
use folio_domain::content::ContentService;
use serde::Deserialize;

use super::dto::{ProfileBody, ProfileEnvelope, UserBody, UserEnvelope};
use super::error::RwError;
use super::{MaybeRwUser, RwUser, respond};
use crate::error::ApiError;
use crate::rate_limit::{self, RateLimitSettings};
use crate::services::Services;
use crate::v1::dto::present;
use crate::v1::users::optional_update;

fn user_response(status: actix_web::http::StatusCode, body: UserBody) -> HttpResponse {
    respond(HttpResponse::build(status), &UserEnvelope { user: body })
}

fn profile_response(body: ProfileBody) -> HttpResponse {
    respond(HttpResponse::Ok(), &ProfileEnvelope { profile: body })
}

/// A username from the path; one that can't exist is simply not found.
fn username(raw: &str) -> Result<Username, RwError> {
    Username::parse(raw).map_err(|_| RwError::new(actix_web::http::StatusCode::NOT_FOUND, "profile", "not found"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogIn {
    email: Option<String>,
    password: Option<String>,
}

pub(crate) async fn log_in<S: Services>(
    services: web::Data<S>,
    limits: Option<web::Data<RateLimitSettings>>,
    body: web::Json<UserEnvelope<LogIn>>,
) -> Result<HttpResponse, RwError> {
    let body = body.into_inner().user;
    let mut errors = ValidationErrors::new();
    let email = errors.require("email", body.email.filter(|e| !e.trim().is_empty()));
    let password = errors.require("password", body.password.filter(|p| !p.is_empty()));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::from(errors).into());
    };
    let limits = limits.as_ref().map(|limits| limits.get_ref());
    rate_limit::check_account(services.get_ref(), limits, &email).await?;
    let signed_in = match services.accounts().log_in(email.clone(), PasswordAttempt::new(password)).await {
        Ok(signed_in) => signed_in,
        Err(LogInError::InvalidCredentials) => {
            rate_limit::account_failed(services.get_ref(), limits, &email).await;
            return Err(RwError::new(actix_web::http::StatusCode::UNAUTHORIZED, "credentials", "invalid"));
        }
        Err(LogInError::Deactivated) => {
            return Err(RwError::new(
                actix_web::http::StatusCode::UNAUTHORIZED,
                "credentials",
                "account is deactivated",
            ));
        }
        Err(other) => return Err(RwError::about("user")(other)),
    };
    let token = signed_in.tokens.access_token.expose_secret().to_owned();
    Ok(user_response(actix_web::http::StatusCode::OK, UserBody::new(signed_in.user, token)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewUser {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

pub(crate) async fn register<S: Services>(
    services: web::Data<S>,
    body: web::Json<UserEnvelope<NewUser>>,
) -> Result<HttpResponse, RwError> {
    let body = body.into_inner().user;
    let mut errors = ValidationErrors::new();
    let username =
        errors.require("username", body.username).and_then(|raw| errors.check("username", Username::parse(&raw)));
    let email = errors.require("email", body.email).and_then(|raw| errors.check("email", Email::parse(&raw)));
    let password =
        errors.require("password", body.password).and_then(|raw| errors.check("password", Password::parse(raw)));
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(ApiError::from(errors).into());
    };
    let registration = Registration { email, username, password, display_name: None };
    let signed_in = services.accounts().register(registration).await.map_err(RwError::about("user"))?;
    let token = signed_in.tokens.access_token.expose_secret().to_owned();
    Ok(user_response(actix_web::http::StatusCode::CREATED, UserBody::new(signed_in.user, token)))
}

pub(crate) async fn current<S: Services>(services: web::Data<S>, caller: RwUser) -> Result<HttpResponse, RwError> {
    let user = services.accounts().current_user(caller.principal).await.map_err(RwError::about("user"))?;
    Ok(user_response(actix_web::http::StatusCode::OK, UserBody::new(user, caller.token)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    password: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    image: Option<Option<String>>,
}

/// `email`, `username` and `password` may be left out but not blank or null.
fn not_blank(errors: &mut ValidationErrors, field: &str, value: Option<Option<String>>) -> Option<String> {
    match value {
        None => None,
        Some(Some(raw)) if !raw.trim().is_empty() => Some(raw),
        Some(_) => {
            errors.add(field, "blank", format!("{field} can't be blank"));
            None
        }
    }
}

pub(crate) async fn update<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    body: web::Json<UserEnvelope<UpdateUser>>,
) -> Result<HttpResponse, RwError> {
    let body = body.into_inner().user;
    let mut errors = ValidationErrors::new();
    let email = not_blank(&mut errors, "email", body.email).and_then(|raw| errors.check("email", Email::parse(&raw)));
    let username = not_blank(&mut errors, "username", body.username)
        .and_then(|raw| errors.check("username", Username::parse(&raw)));
    let password = not_blank(&mut errors, "password", body.password)
        .and_then(|raw| errors.check("password", Password::parse(raw)));
    let bio = optional_update(&mut errors, "bio", body.bio, Bio::parse);
    let image = optional_update(&mut errors, "image", body.image, ImageUrl::parse);
    if !errors.is_empty() {
        return Err(ApiError::from(errors).into());
    }
    let accounts = services.accounts();
    if let Some(password) = &password {
        // The identity rule needs the account as it will be after the update;
        // checked before any write, so a refused request changes nothing.
        let current = accounts.current_user(caller.principal.clone()).await.map_err(RwError::about("user"))?;
        let new_email = email.as_ref().unwrap_or(&current.email);
        let new_username = username.as_ref().unwrap_or(&current.username);
        if let Err(problem) = password.check_identity(new_email, new_username) {
            errors.check::<(), _>("password", Err(problem));
            return Err(ApiError::from(errors).into());
        }
    }
    let changes =
        ProfileChanges { email, username, display_name: FieldUpdate::Keep, bio, image, notify_on_comment: None };
    // Conflicts surface from the profile write, before the password is
    // touched; after it, only an outage can fail the password write.
    let user = accounts.update_profile(caller.principal.clone(), changes).await.map_err(RwError::about("user"))?;
    if let Some(password) = password {
        accounts.replace_password(caller.principal, password).await.map_err(RwError::about("user"))?;
    }
    Ok(user_response(actix_web::http::StatusCode::OK, UserBody::new(user, caller.token)))
}

pub(crate) async fn profile<S: Services>(
    services: web::Data<S>,
    MaybeRwUser(reader): MaybeRwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let profile = services.content().profile(reader, username(&path)?).await.map_err(RwError::about("profile"))?;
    Ok(profile_response(profile.into()))
}

pub(crate) async fn follow<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let profile =
        services.content().follow(caller.principal, username(&path)?).await.map_err(RwError::about("profile"))?;
    Ok(profile_response(profile.into()))
}

pub(crate) async fn unfollow<S: Services>(
    services: web::Data<S>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let profile =
        services.content().unfollow(caller.principal, username(&path)?).await.map_err(RwError::about("profile"))?;
    Ok(profile_response(profile.into()))
}
