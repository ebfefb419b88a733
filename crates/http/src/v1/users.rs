//! `/users`: the caller's own account, and account administration.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::{AccountService, PasswordChange, UserAdminService};
use folio_domain::credentials::{Password, PasswordAttempt};
use folio_domain::error::FieldProblem;
use folio_domain::pagination::SearchTerm;
use folio_domain::ports::UserQuery;
use folio_domain::user::{Bio, DisplayName, Email, FieldUpdate, ImageUrl, ProfileChanges, Role, UserId, Username};
use serde::Deserialize;
use uuid::Uuid;

use super::dto::{UserBody, present};
use crate::auth::Authenticated;
use crate::envelope;
use crate::error::ApiError;
use crate::services::Services;

pub(crate) async fn me<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
) -> Result<HttpResponse, ApiError> {
    let user = services.accounts().current_user(principal).await?;
    Ok(envelope::ok(UserBody::from(user)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateMeRequest {
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    image: Option<Option<String>>,
}

/// A required field may be left out, but not set to `null`.
fn required_update<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match value {
        None => None,
        Some(None) => {
            errors.add(field, "blank", format!("{field} can't be null"));
            None
        }
        Some(Some(raw)) => errors.check(field, parse(&raw)),
    }
}

/// An optional field is kept when left out, cleared by `null` or `""`, set otherwise.
fn optional_update<T, E: FieldProblem>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> FieldUpdate<T> {
    match value {
        None => FieldUpdate::Keep,
        Some(None) => FieldUpdate::Clear,
        Some(Some(raw)) if raw.trim().is_empty() => FieldUpdate::Clear,
        Some(Some(raw)) => errors.check(field, parse(&raw)).map_or(FieldUpdate::Keep, FieldUpdate::Set),
    }
}

impl UpdateMeRequest {
    fn try_into_domain(self) -> Result<ProfileChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = ProfileChanges {
            email: required_update(&mut errors, "email", self.email, Email::parse),
            username: required_update(&mut errors, "username", self.username, Username::parse),
            display_name: optional_update(&mut errors, "displayName", self.display_name, DisplayName::parse),
            bio: optional_update(&mut errors, "bio", self.bio, Bio::parse),
            image: optional_update(&mut errors, "image", self.image, ImageUrl::parse),
        };
        errors.into_result().map(|()| changes)
    }
}

pub(crate) async fn update_me<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    body: web::Json<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().try_into_domain()?;
    let user = services.accounts().update_profile(principal, changes).await?;
    Ok(envelope::ok(UserBody::from(user)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ChangePasswordRequest {
    current_password: Option<String>,
    new_password: Option<String>,
}

pub(crate) async fn change_password<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let current = errors.require("currentPassword", body.current_password.filter(|p| !p.is_empty()));
    let new = errors.require("newPassword", body.new_password).map(Password::parse);
    let new = new.and_then(|parsed| errors.check("newPassword", parsed));
    let (Some(current), Some(new)) = (current, new) else {
        return Err(errors.into());
    };
    let change = PasswordChange { current: PasswordAttempt::new(current), new };
    services.accounts().change_password(principal, change).await?;
    Ok(envelope::no_content())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    page: Option<u32>,
    limit: Option<u32>,
    q: Option<String>,
}

impl ListQuery {
    fn try_into_domain(self) -> Result<UserQuery, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = super::posts::page_request(&mut errors, self.page, self.limit);
        let search = self.q.and_then(|q| errors.check("q", SearchTerm::parse(&q)).flatten());
        match page {
            Some(page) if errors.is_empty() => Ok(UserQuery { search, page }),
            _ => Err(errors),
        }
    }
}

pub(crate) async fn list<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner().try_into_domain()?;
    let page = services.user_admin().list_users(principal, query).await?;
    Ok(envelope::page(page, UserBody::from))
}

pub(crate) async fn get<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = services.user_admin().get_user(principal, UserId::new(id.into_inner())).await?;
    Ok(envelope::ok(UserBody::from(user)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeRoleRequest {
    role: Option<String>,
}

pub(crate) async fn change_role<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ChangeRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let role = errors.require("role", body.into_inner().role).map(|raw| Role::parse(&raw));
    let Some(role) = role.and_then(|parsed| errors.check("role", parsed)) else {
        return Err(errors.into());
    };
    let user = services.user_admin().change_role(principal, UserId::new(id.into_inner()), role).await?;
    Ok(envelope::ok(UserBody::from(user)))
}

pub(crate) async fn deactivate<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = services.user_admin().deactivate(principal, UserId::new(id.into_inner())).await?;
    Ok(envelope::ok(UserBody::from(user)))
}

pub(crate) async fn reactivate<S: Services>(
    services: web::Data<S>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = services.user_admin().reactivate(principal, UserId::new(id.into_inner())).await?;
    Ok(envelope::ok(UserBody::from(user)))
}
