//! Users, authentication and profiles of the RealWorld surface.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::LogInError;
use folio_domain::accounts::model::{FieldUpdate, ProfileChanges};
use folio_domain::accounts::values::{Bio, Email, ImageUrl, TokenLifetime, Username};
use garde::Validate;
use serde::Deserialize;

use super::dto::{ProfileEnvelope, ProfileResponse, UserEnvelope, UserResponse};
use super::error::RwError;
use super::{MaybeRwUser, RwUser, respond};
use crate::error::ApiError;
use crate::input::{self, FieldParse, Fields, accepted, parses_all, parses_if_filled, present};
use crate::state::AppState;

fn user_response(status: actix_web::http::StatusCode, body: UserResponse) -> HttpResponse {
    respond(HttpResponse::build(status), &UserEnvelope { user: body })
}

fn profile_response(body: ProfileResponse) -> HttpResponse {
    respond(HttpResponse::Ok(), &ProfileEnvelope { profile: body })
}

/// A username from the path, answered as the spec's missing profile.
fn profile_username(raw: &str) -> Result<Username, RwError> {
    input::username(raw).map_err(RwError::about("profile"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogIn {
    email: Option<String>,
    password: Option<String>,
}

pub(crate) async fn log_in(
    services: web::Data<AppState>,
    body: web::Json<UserEnvelope<LogIn>>,
) -> Result<HttpResponse, RwError> {
    let body = body.into_inner().user;
    let (email, password) = input::credentials(body.email, body.password).map_err(ApiError::from)?;
    let signed_in = match services.accounts().log_in(email, password, TokenLifetime::Session).await {
        Ok(signed_in) => signed_in,
        Err(LogInError::InvalidCredentials) => {
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
    Ok(user_response(actix_web::http::StatusCode::OK, UserResponse::new(signed_in.user, token)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewUser {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

pub(crate) async fn register(
    services: web::Data<AppState>,
    body: web::Json<UserEnvelope<NewUser>>,
) -> Result<HttpResponse, RwError> {
    let body = body.into_inner().user;
    let registration = input::registration(input::RegistrationFields {
        email: body.email,
        username: body.username,
        password: body.password,
        display_name: None,
    })
    .map_err(ApiError::from)?;
    let signed_in =
        services.accounts().register(registration, TokenLifetime::Session).await.map_err(RwError::about("user"))?;
    let token = signed_in.tokens.access_token.expose_secret().to_owned();
    Ok(user_response(actix_web::http::StatusCode::CREATED, UserResponse::new(signed_in.user, token)))
}

pub(crate) async fn current(services: web::Data<AppState>, caller: RwUser) -> Result<HttpResponse, RwError> {
    let user = services.accounts().current_user(caller.principal).await.map_err(RwError::about("user"))?;
    Ok(user_response(actix_web::http::StatusCode::OK, UserResponse::new(user, caller.token)))
}

/// `email`, `username` and `password` may be left out but not blank or null.
#[derive(Debug, Deserialize, Validate)]
#[garde(context(FieldParse))]
pub(crate) struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[garde(custom(parses_if_filled(Email::parse)))]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[garde(custom(parses_if_filled(Username::parse)))]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[garde(custom(parses_if_filled(input::password)))]
    password: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[garde(custom(parses_all(|bio| input::field_update(bio, Bio::parse))))]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[garde(custom(parses_all(|image| input::field_update(image, ImageUrl::parse))))]
    image: Option<Option<String>>,
}

impl Fields for UpdateUser {
    const BODY_ORDER: &'static [&'static str] = &["email", "username", "password", "bio", "image"];
}

pub(crate) async fn update(
    services: web::Data<AppState>,
    caller: RwUser,
    body: web::Json<UserEnvelope<UpdateUser>>,
) -> Result<HttpResponse, RwError> {
    let body = body.into_inner().user;
    let mut errors = ValidationErrors::new();
    input::validate_into(&mut errors, &body, &[]);
    if !errors.is_empty() {
        return Err(ApiError::from(errors).into());
    }
    let email = accepted(body.email.flatten(), Email::parse);
    let username = accepted(body.username.flatten(), Username::parse);
    let password = accepted(body.password.flatten(), input::password);
    let bio = input::field_update(&body.bio, Bio::parse).unwrap_or(FieldUpdate::Keep);
    let image = input::field_update(&body.image, ImageUrl::parse).unwrap_or(FieldUpdate::Keep);
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
    Ok(user_response(actix_web::http::StatusCode::OK, UserResponse::new(user, caller.token)))
}

pub(crate) async fn profile(
    services: web::Data<AppState>,
    MaybeRwUser(reader): MaybeRwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let profile =
        services.content().profile(reader, profile_username(&path)?).await.map_err(RwError::about("profile"))?;
    Ok(profile_response(profile.into()))
}

pub(crate) async fn follow(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let profile = services
        .content()
        .follow(caller.principal, profile_username(&path)?)
        .await
        .map_err(RwError::about("profile"))?;
    Ok(profile_response(profile.into()))
}

pub(crate) async fn unfollow(
    services: web::Data<AppState>,
    caller: RwUser,
    path: web::Path<String>,
) -> Result<HttpResponse, RwError> {
    let profile = services
        .content()
        .unfollow(caller.principal, profile_username(&path)?)
        .await
        .map_err(RwError::about("profile"))?;
    Ok(profile_response(profile.into()))
}
