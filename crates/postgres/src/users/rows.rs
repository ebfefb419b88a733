//! The rows of `users` and what writes store in them, with their
//! conversions to and from the domain's types.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use folio_domain::PortError;
use folio_domain::accounts::model::{FieldUpdate, ProfileChanges, User, UserSettings};
use folio_domain::accounts::ports::{NewUser, UniqueField, UserCredentials, UserQuery, UserWriteError};
use folio_domain::accounts::values::{AccountStatus, Bio, DisplayName, Email, ImageUrl, PasswordHash, Role, Username};
use folio_domain::content::model::Author;
use uuid::Uuid;

use crate::error::{invalid_stored, query_failed};
use crate::profiles::AuthorRow;
use crate::schema::users;

/// The unique constraint on `users.email`.
pub(super) const EMAIL_KEY: &str = "users_email_key";
/// The unique constraint on `users.username`.
pub(super) const USERNAME_KEY: &str = "users_username_key";

/// A `users` row without the password hash, which most reads never need.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub(super) struct UserRow {
    /// The public columns, as content shows them.
    #[diesel(embed)]
    pub(super) public: AuthorRow,
    pub(super) email: String,
    pub(super) role: String,
    pub(super) status: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) email_verified_at: Option<DateTime<Utc>>,
    pub(super) notify_on_comment: bool,
}

impl UserRow {
    pub(super) fn into_user(self) -> Result<User, PortError> {
        // Following is the reader's relation to an author; an account has none.
        let Author { id, username, display_name, bio, image, following: _ } = self.public.into_author(false)?;
        Ok(User {
            id,
            email: Email::parse(&self.email).map_err(invalid_stored("users.email"))?,
            username,
            display_name,
            bio,
            image,
            role: Role::parse(&self.role).map_err(invalid_stored("users.role"))?,
            status: AccountStatus::parse(&self.status).map_err(invalid_stored("users.status"))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            email_verified_at: self.email_verified_at,
            settings: UserSettings { notify_on_comment: self.notify_on_comment },
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub(super) struct CredentialsRow {
    #[diesel(embed)]
    pub(super) user: UserRow,
    pub(super) password_hash: String,
}

impl CredentialsRow {
    pub(super) fn into_credentials(self) -> Result<UserCredentials, PortError> {
        Ok(UserCredentials { user: self.user.into_user()?, password_hash: PasswordHash::new(self.password_hash) })
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub(super) struct NewUserRow<'a> {
    pub(super) id: Uuid,
    pub(super) email: &'a str,
    pub(super) username: &'a str,
    pub(super) password_hash: &'a str,
    pub(super) display_name: Option<&'a str>,
    pub(super) bio: Option<&'a str>,
    pub(super) image: Option<&'a str>,
    pub(super) role: &'static str,
    pub(super) status: &'static str,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl<'a> From<&'a NewUser> for NewUserRow<'a> {
    fn from(user: &'a NewUser) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email.as_str(),
            username: user.username.as_str(),
            password_hash: user.password_hash.as_str(),
            display_name: user.display_name.as_ref().map(DisplayName::as_str),
            bio: user.bio.as_ref().map(Bio::as_str),
            image: user.image.as_ref().map(ImageUrl::as_str),
            role: user.role.as_str(),
            status: AccountStatus::Active.as_str(),
            created_at: user.created_at,
            updated_at: user.created_at,
        }
    }
}

/// The columns a profile update writes. Diesel leaves a `None` field out of
/// the `SET` list, and writes NULL for `Some(None)`.
#[derive(AsChangeset)]
#[diesel(table_name = users)]
pub(super) struct ProfileChangeset<'a> {
    pub(super) email: Option<&'a str>,
    pub(super) username: Option<&'a str>,
    pub(super) display_name: Option<Option<&'a str>>,
    pub(super) bio: Option<Option<&'a str>>,
    pub(super) image: Option<Option<&'a str>>,
    pub(super) notify_on_comment: Option<bool>,
    pub(super) updated_at: DateTime<Utc>,
}

impl<'a> ProfileChangeset<'a> {
    pub(super) fn new(changes: &'a ProfileChanges, now: DateTime<Utc>) -> Self {
        Self {
            email: changes.email.as_ref().map(Email::as_str),
            username: changes.username.as_ref().map(Username::as_str),
            display_name: column_update(&changes.display_name, DisplayName::as_str),
            bio: column_update(&changes.bio, Bio::as_str),
            image: column_update(&changes.image, ImageUrl::as_str),
            notify_on_comment: changes.notify_on_comment,
            updated_at: now,
        }
    }
}

pub(super) fn column_update<'a, T>(
    update: &'a FieldUpdate<T>,
    as_str: fn(&'a T) -> &'a str,
) -> Option<Option<&'a str>> {
    match update {
        FieldUpdate::Keep => None,
        FieldUpdate::Clear => Some(None),
        FieldUpdate::Set(value) => Some(Some(as_str(value))),
    }
}

/// Which unique field a failed write collided on, if that is why it failed.
pub(super) fn duplicate_field(error: &DieselError) -> Option<UniqueField> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match info.constraint_name() {
            Some(EMAIL_KEY) => Some(UniqueField::Email),
            Some(USERNAME_KEY) => Some(UniqueField::Username),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn write_failed(action: &'static str) -> impl FnOnce(DieselError) -> UserWriteError {
    move |error| match duplicate_field(&error) {
        Some(field) => UserWriteError::Duplicate(field),
        None => UserWriteError::Port(query_failed(action)(error)),
    }
}

/// `%`, `_` and the escape character itself match literally in the pattern.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The users matching a query, as a fresh boxed query (the list runs it twice:
/// once to count, once for the page).
pub(super) fn matching_users(query: &UserQuery) -> users::BoxedQuery<'static, Pg> {
    let mut matching = users::table.into_boxed();
    if let Some(search) = &query.search {
        let pattern = format!("%{}%", escape_like(search.as_str()));
        // The trigram indexes on both columns serve ILIKE with a leading %.
        matching = matching
            .filter(users::email.ilike(pattern.clone()).escape('\\').or(users::username.ilike(pattern).escape('\\')));
    }
    matching
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_and_the_escape_character_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(escape_like("plain"), "plain");
    }
}
