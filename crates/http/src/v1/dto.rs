//! Wire shapes of the native API and their conversion to and from the domain.

use folio_domain::accounts::SignedIn;
use folio_domain::accounts::model::User;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use uuid::Uuid;

use crate::envelope::timestamp;

/// A string schema limited to `values`, for fields the DTOs hold as `&'static str`.
pub(crate) fn one_of(values: &[&str], description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
}

/// The wire names of `folio_domain::accounts::values::Role`.
pub(crate) const ROLES: [&str; 3] = ["user", "moderator", "admin"];

pub(crate) fn role_schema() -> ObjectBuilder {
    one_of(
        &ROLES,
        "What the account may do: `moderator` may edit and delete others' content, `admin` also manages accounts.",
    )
}

/// The wire names of `folio_domain::accounts::values::AccountStatus`.
pub(crate) const ACCOUNT_STATUSES: [&str; 2] = ["active", "deactivated"];

fn account_status_schema() -> ObjectBuilder {
    one_of(&ACCOUNT_STATUSES, "A deactivated account cannot log in, and its tokens stop working.")
}

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = User)]
pub(crate) struct UserResponse {
    id: Uuid,
    #[schema(format = Email, example = "alice@example.com")]
    email: String,
    /// The unique handle: 3 to 32 of `a-z`, `0-9`, `_` and `-`, lower-cased.
    #[schema(example = "alice")]
    username: String,
    #[schema(required = true, example = "Alice Liddell")]
    display_name: Option<String>,
    #[schema(required = true)]
    bio: Option<String>,
    #[schema(required = true, format = "uri")]
    image: Option<String>,
    #[schema(schema_with = role_schema)]
    role: &'static str,
    #[schema(schema_with = account_status_schema)]
    status: &'static str,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    created_at: String,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    updated_at: String,
    /// Whether the owner confirmed the address through the link Folio mailed
    /// (`POST /api/v1/auth/verify-email`); false again after it changes.
    email_verified: bool,
    settings: SettingsResponse,
}

/// What the owner chose for their account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UserSettings)]
pub(crate) struct SettingsResponse {
    /// Mail me when someone else comments on my posts.
    #[schema(example = true)]
    notify_on_comment: bool,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: String::from(user.email),
            username: String::from(user.username),
            display_name: user.display_name.map(String::from),
            bio: user.bio.map(String::from),
            image: user.image.map(String::from),
            role: user.role.as_str(),
            status: user.status.as_str(),
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
            email_verified: user.email_verified_at.is_some(),
            settings: SettingsResponse { notify_on_comment: user.settings.notify_on_comment },
        }
    }
}

fn token_type_schema() -> ObjectBuilder {
    one_of(&["Bearer"], "How to send the access token: `Authorization: Bearer <accessToken>`.")
}

/// The answer to register, log in and refresh: the account and a fresh pair of tokens.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SignedIn)]
pub(crate) struct SignedInResponse {
    user: UserResponse,
    /// A JWT to send as `Authorization: Bearer <accessToken>`; it expires after `expiresIn` seconds.
    access_token: String,
    /// An opaque token for `POST /api/v1/auth/refresh`; it works once, and reusing it ends the session.
    refresh_token: String,
    #[schema(schema_with = token_type_schema)]
    token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    expires_in: u64,
}

impl From<SignedIn> for SignedInResponse {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            user: signed_in.user.into(),
            access_token: signed_in.tokens.access_token.expose_secret().to_owned(),
            refresh_token: signed_in.tokens.refresh_token.expose_secret().to_owned(),
            token_type: "Bearer",
            expires_in: signed_in.tokens.expires_in,
        }
    }
}

#[cfg(test)]
mod tests {
    use folio_domain::accounts::values::{AccountStatus, Role};
    use folio_domain::content::values::PostStatus;

    use super::super::content_dto::POST_STATUSES;
    use super::{ACCOUNT_STATUSES, ROLES};

    // Each match is exhaustive: a new variant fails to compile here until the
    // document lists it.

    #[test]
    fn documented_roles_are_the_domain_roles() {
        let roles = [Role::User, Role::Moderator, Role::Admin];
        for role in roles {
            match role {
                Role::User | Role::Moderator | Role::Admin => {}
            }
        }
        assert_eq!(roles.map(|role| role.as_str()), ROLES);
    }

    #[test]
    fn documented_account_statuses_are_the_domain_statuses() {
        let statuses = [AccountStatus::Active, AccountStatus::Deactivated];
        for status in statuses {
            match status {
                AccountStatus::Active | AccountStatus::Deactivated => {}
            }
        }
        assert_eq!(statuses.map(|status| status.as_str()), ACCOUNT_STATUSES);
    }

    #[test]
    fn documented_post_statuses_are_the_domain_statuses() {
        let statuses = [PostStatus::Draft, PostStatus::Published];
        for status in statuses {
            match status {
                PostStatus::Draft | PostStatus::Published => {}
            }
        }
        assert_eq!(statuses.map(|status| status.as_str()), POST_STATUSES);
    }
}
