//! `/users`: the caller's own account, and account administration.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::accounts::PasswordChange;
use folio_domain::accounts::model::{FieldUpdate, ProfileChanges};
use folio_domain::accounts::ports::UserQuery;
use folio_domain::accounts::values::{Bio, DisplayName, Email, ImageUrl, PasswordAttempt, Role, UserId, Username};
use folio_domain::pagination::SearchTerm;
use garde::Validate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::UserResponse;
use crate::auth::Authenticated;
use crate::envelope::{self, Data, List};
use crate::error::ApiError;
use crate::input::{
    self, FieldParse, Fields, accepted, filled, not_null, parses, parses_all, parses_if_present, present,
};
use crate::openapi as doc;
use crate::state::AppState;

/// Get my account
#[utoipa::path(
    get,
    path = crate::v1::paths::USERS_ME,
    operation_id = "getMyAccount",
    tag = "users",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The caller's account.", body = Data<UserResponse>)),
)]
pub(crate) async fn me(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<HttpResponse, ApiError> {
    let user = services.accounts().current_user(principal).await?;
    Ok(envelope::ok(UserResponse::from(user)))
}

/// A partial update of the caller's account: a field left out is kept.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UpdateMyAccountRequest)]
#[garde(context(FieldParse))]
pub(crate) struct UpdateMeRequest {
    /// May be changed, not removed: `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, format = Email, max_length = 254, example = "alice@example.com")]
    #[garde(custom(parses_if_present(Email::parse)))]
    email: Option<Option<String>>,
    /// May be changed, not removed: `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, min_length = 3, max_length = 32, example = "alice")]
    #[garde(custom(parses_if_present(Username::parse)))]
    username: Option<Option<String>>,
    /// `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 64)]
    #[garde(custom(parses_all(|name| input::field_update(name, DisplayName::parse))))]
    display_name: Option<Option<String>>,
    /// `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    #[garde(custom(parses_all(|bio| input::field_update(bio, Bio::parse))))]
    bio: Option<Option<String>>,
    /// An `http` or `https` URL; `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2048)]
    #[garde(custom(parses_all(|image| input::field_update(image, ImageUrl::parse))))]
    image: Option<Option<String>>,
    /// Settings to change; one left out is kept.
    #[serde(default)]
    #[garde(dive)]
    settings: Option<UpdateSettingsRequest>,
}

impl Fields for UpdateMeRequest {
    const BODY_ORDER: &'static [&'static str] =
        &["email", "username", "displayName", "bio", "image", "settings.notifyOnComment"];
}

/// A partial update of the account's settings.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UpdateUserSettingsRequest)]
#[garde(context(FieldParse))]
pub(crate) struct UpdateSettingsRequest {
    /// Mail me when someone else comments on my posts. May be changed, not removed: `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    #[garde(custom(not_null))]
    notify_on_comment: Option<Option<bool>>,
}

impl UpdateMeRequest {
    fn try_into_domain(self) -> Result<ProfileChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        input::validate_into(&mut errors, &self, &[]);
        errors.into_result()?;
        Ok(ProfileChanges {
            email: accepted(self.email.flatten(), Email::parse),
            username: accepted(self.username.flatten(), Username::parse),
            display_name: input::field_update(&self.display_name, DisplayName::parse).unwrap_or(FieldUpdate::Keep),
            bio: input::field_update(&self.bio, Bio::parse).unwrap_or(FieldUpdate::Keep),
            image: input::field_update(&self.image, ImageUrl::parse).unwrap_or(FieldUpdate::Keep),
            notify_on_comment: self.settings.and_then(|settings| settings.notify_on_comment.flatten()),
        })
    }
}

/// Update my account
#[utoipa::path(
    patch,
    path = crate::v1::paths::USERS_ME,
    operation_id = "updateMyAccount",
    tag = "users",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated account.", body = Data<UserResponse>),
        (status = 409, response = doc::Conflict),
    ),
)]
pub(crate) async fn update_me(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    body: web::Json<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().try_into_domain()?;
    let user = services.accounts().update_profile(principal, changes).await?;
    Ok(envelope::ok(UserResponse::from(user)))
}

/// The current password, to prove it is the owner, and the new one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[garde(context(FieldParse))]
pub(crate) struct ChangePasswordRequest {
    #[schema(value_type = String, format = Password)]
    #[garde(custom(filled(str::is_empty)))]
    current_password: Option<String>,
    /// At least 8 characters and at most 72 bytes; not a common password, nor the email or username.
    #[schema(value_type = String, format = Password, min_length = 8)]
    #[garde(custom(parses(input::password)))]
    new_password: Option<String>,
}

impl Fields for ChangePasswordRequest {
    const BODY_ORDER: &'static [&'static str] = &["currentPassword", "newPassword"];
}

/// Change my password
///
/// A wrong current password is a `VALIDATION_ERROR` on `currentPassword`.
#[utoipa::path(
    post,
    path = crate::v1::paths::USERS_ME_PASSWORD,
    operation_id = "changeMyPassword",
    tag = "users",
    security(("bearerAuth" = [])),
    responses((status = 204, description = "The password is changed.")),
)]
pub(crate) async fn change_password(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    input::validate_into(&mut errors, &body, &[]);
    let (Some(current), Some(new)) = (body.current_password, accepted(body.new_password, input::password)) else {
        return Err(errors.into());
    };
    errors.into_result()?;
    let change = PasswordChange { current: PasswordAttempt::new(current), new };
    services.accounts().change_password(principal, change).await?;
    Ok(envelope::no_content())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
    /// Only accounts whose email or username contains this text (case-insensitive).
    #[param(max_length = 100)]
    q: Option<String>,
}

impl ListQuery {
    fn try_into_domain(self) -> Result<UserQuery, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = input::page_request(&mut errors, input::Paging::Pages { page: self.page, limit: self.limit });
        let search = self.q.and_then(|q| errors.check("q", SearchTerm::parse(&q)).flatten());
        match page {
            Some(page) if errors.is_empty() => Ok(UserQuery { search, page }),
            _ => Err(errors),
        }
    }
}

/// List accounts
#[utoipa::path(
    get,
    path = crate::v1::paths::USERS,
    operation_id = "listUsers",
    tag = "admin",
    params(ListQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of accounts.", body = List<UserResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
    ),
)]
pub(crate) async fn list(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner().try_into_domain()?;
    let page = services.user_admin().list_users(principal, query).await?;
    Ok(envelope::page(page, UserResponse::from))
}

/// Get an account
#[utoipa::path(
    get,
    path = crate::v1::paths::USERS_ID,
    operation_id = "getUser",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The account's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The account.", body = Data<UserResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn get(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = services.user_admin().get_user(principal, UserId::new(id.into_inner())).await?;
    Ok(envelope::ok(UserResponse::from(user)))
}

/// The role to give.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[garde(context(FieldParse))]
pub(crate) struct ChangeRoleRequest {
    #[schema(schema_with = super::dto::role_schema, required = true)]
    #[garde(custom(parses(Role::parse)))]
    role: Option<String>,
}

impl Fields for ChangeRoleRequest {
    const BODY_ORDER: &'static [&'static str] = &["role"];
}

/// Change an account's role
///
/// The last active admin cannot lose the role (409).
#[utoipa::path(
    patch,
    path = crate::v1::paths::USERS_ID,
    operation_id = "changeUserRole",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The account's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The account with its new role.", body = Data<UserResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
    ),
)]
pub(crate) async fn change_role(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ChangeRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    input::validate_into(&mut errors, &body, &[]);
    let Some(role) = accepted(body.role, Role::parse).filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let user = services.user_admin().change_role(principal, UserId::new(id.into_inner()), role).await?;
    Ok(envelope::ok(UserResponse::from(user)))
}

/// Deactivate an account
///
/// The account can no longer log in and its tokens stop working. The last
/// active admin cannot be deactivated (409).
#[utoipa::path(
    post,
    path = crate::v1::paths::USERS_ID_DEACTIVATE,
    operation_id = "deactivateUser",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The account's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The deactivated account.", body = Data<UserResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
    ),
)]
pub(crate) async fn deactivate(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = services.user_admin().deactivate(principal, UserId::new(id.into_inner())).await?;
    Ok(envelope::ok(UserResponse::from(user)))
}

/// Reactivate an account
#[utoipa::path(
    post,
    path = crate::v1::paths::USERS_ID_REACTIVATE,
    operation_id = "reactivateUser",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The account's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The reactivated account.", body = Data<UserResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn reactivate(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = services.user_admin().reactivate(principal, UserId::new(id.into_inner())).await?;
    Ok(envelope::ok(UserResponse::from(user)))
}
