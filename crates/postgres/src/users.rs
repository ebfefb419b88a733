//! [`PgUserRepository`]: accounts in the `users` table.
//!
//! Uniqueness of e-mail and username is left to the database's constraints
//! (no check-then-insert), so it holds under concurrent writes; a violation is
//! recognised by the constraint's name.

use chrono::{DateTime, Utc};
use diesel::dsl::{case_when, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::model::{FieldUpdate, ProfileChanges, User, UserSettings};
use folio_domain::accounts::ports::{
    AccessChange, AccessWriteError, AdminGuard, NewSession, NewUser, UniqueField, UserCredentials, UserQuery,
    UserRepository, UserWriteError,
};
use folio_domain::accounts::values::{AccountStatus, Bio, DisplayName, Email, ImageUrl, Role, UserId, Username};
use folio_domain::accounts::values::{PasswordHash, SessionId};
use folio_domain::pagination::Page;
use uuid::Uuid;

use crate::error::{TxError, invalid_stored, pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::pool::PgPool;
use crate::schema::{sessions, users};
use crate::sessions::insert_session;
use folio_domain::events::NewEvent;

/// The unique constraint on `users.email`.
const EMAIL_KEY: &str = "users_email_key";
/// The unique constraint on `users.username`.
const USERNAME_KEY: &str = "users_username_key";

/// Transaction advisory lock taken by every change that must leave another
/// active admin ("folio" in ASCII, then 2): it serialises those changes, so
/// two admins demoting each other at once cannot both succeed.
const ADMIN_GUARD_LOCK: i64 = 0x666f_6c69_6f00_0002;

/// [`UserRepository`] on PostgreSQL.
#[derive(Clone)]
pub struct PgUserRepository {
    pool: PgPool,
}

impl std::fmt::Debug for PgUserRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgUserRepository").field("pool", &self.pool.status()).finish()
    }
}

impl PgUserRepository {
    /// A repository using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A `users` row without the password hash, which most reads never need.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Pg))]
struct UserRow {
    id: Uuid,
    email: String,
    username: String,
    display_name: Option<String>,
    bio: Option<String>,
    image: Option<String>,
    role: String,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    email_verified_at: Option<DateTime<Utc>>,
    notify_on_comment: bool,
}

impl UserRow {
    fn into_user(self) -> Result<User, PortError> {
        Ok(User {
            id: UserId::new(self.id),
            email: Email::parse(&self.email).map_err(invalid_stored("users.email"))?,
            username: Username::parse(&self.username).map_err(invalid_stored("users.username"))?,
            display_name: self
                .display_name
                .map(DisplayName::try_from)
                .transpose()
                .map_err(invalid_stored("users.display_name"))?,
            bio: self.bio.map(Bio::try_from).transpose().map_err(invalid_stored("users.bio"))?,
            image: self.image.as_deref().map(ImageUrl::parse).transpose().map_err(invalid_stored("users.image"))?,
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
struct CredentialsRow {
    #[diesel(embed)]
    user: UserRow,
    password_hash: String,
}

impl CredentialsRow {
    fn into_credentials(self) -> Result<UserCredentials, PortError> {
        Ok(UserCredentials { user: self.user.into_user()?, password_hash: PasswordHash::new(self.password_hash) })
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    id: Uuid,
    email: &'a str,
    username: &'a str,
    password_hash: &'a str,
    display_name: Option<&'a str>,
    bio: Option<&'a str>,
    image: Option<&'a str>,
    role: &'static str,
    status: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
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
struct ProfileChangeset<'a> {
    email: Option<&'a str>,
    username: Option<&'a str>,
    display_name: Option<Option<&'a str>>,
    bio: Option<Option<&'a str>>,
    image: Option<Option<&'a str>>,
    notify_on_comment: Option<bool>,
    updated_at: DateTime<Utc>,
}

impl<'a> ProfileChangeset<'a> {
    fn new(changes: &'a ProfileChanges, now: DateTime<Utc>) -> Self {
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

fn column_update<'a, T>(update: &'a FieldUpdate<T>, as_str: fn(&'a T) -> &'a str) -> Option<Option<&'a str>> {
    match update {
        FieldUpdate::Keep => None,
        FieldUpdate::Clear => Some(None),
        FieldUpdate::Set(value) => Some(Some(as_str(value))),
    }
}

/// Which unique field a failed write collided on, if that is why it failed.
fn duplicate_field(error: &DieselError) -> Option<UniqueField> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match info.constraint_name() {
            Some(EMAIL_KEY) => Some(UniqueField::Email),
            Some(USERNAME_KEY) => Some(UniqueField::Username),
            _ => None,
        },
        _ => None,
    }
}

fn write_failed(action: &'static str) -> impl FnOnce(DieselError) -> UserWriteError {
    move |error| match duplicate_field(&error) {
        Some(field) => UserWriteError::Duplicate(field),
        None => UserWriteError::Port(query_failed(action)(error)),
    }
}

/// `%`, `_` and the escape character itself match literally in the pattern.
fn escape_like(text: &str) -> String {
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
fn matching_users(query: &UserQuery) -> users::BoxedQuery<'static, Pg> {
    let mut matching = users::table.into_boxed();
    if let Some(search) = &query.search {
        let pattern = format!("%{}%", escape_like(search.as_str()));
        // The trigram indexes on both columns serve ILIKE with a leading %.
        matching = matching
            .filter(users::email.ilike(pattern.clone()).escape('\\').or(users::username.ilike(pattern).escape('\\')));
    }
    matching
}

impl UserRepository for PgUserRepository {
    #[tracing::instrument(name = "db.users.create", skip_all, fields(user_id = %user.id))]
    async fn create(
        &self,
        user: &NewUser,
        session: Option<NewSession>,
        events: &[NewEvent],
    ) -> Result<User, UserWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row = connection
            .transaction(async |connection| {
                let row = diesel::insert_into(users::table)
                    .values(NewUserRow::from(user))
                    .returning(UserRow::as_returning())
                    .get_result(connection)
                    .await?;
                if let Some(session) = &session {
                    insert_session(connection, session).await?;
                }
                insert_events(connection, events).await?;
                Ok(row)
            })
            .await
            .map_err(write_failed("creating a user"))?;
        Ok(row.into_user()?)
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row = users::table
            .find(id.as_uuid())
            .select(UserRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding a user by id"))?;
        row.map(UserRow::into_user).transpose()
    }

    async fn find_credentials_by_email(&self, email: &Email) -> Result<Option<UserCredentials>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row = users::table
            .filter(users::email.eq(email.as_str()))
            .select(CredentialsRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding credentials by e-mail"))?;
        row.map(CredentialsRow::into_credentials).transpose()
    }

    async fn find_credentials_by_id(&self, id: UserId) -> Result<Option<UserCredentials>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row = users::table
            .find(id.as_uuid())
            .select(CredentialsRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding credentials by id"))?;
        row.map(CredentialsRow::into_credentials).transpose()
    }

    #[tracing::instrument(name = "db.users.update_profile", skip_all, fields(user_id = %id))]
    async fn update_profile(
        &self,
        id: UserId,
        changes: &ProfileChanges,
        now: DateTime<Utc>,
    ) -> Result<User, UserWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // updated_at is always in the changeset, so the SET list is never
        // empty, and an update that changes nothing still returns the row.
        // A new address is unverified: SET expressions read the row as it
        // was, so the CASE compares the old address with the new one and
        // keeps the verification only when they are the same.
        let new_email = changes.email.as_ref().map(Email::as_str);
        let same_address = new_email
            .into_sql::<Nullable<Text>>()
            .is_null()
            .or(users::email.nullable().eq(new_email))
            .assume_not_null();
        let verified = case_when(same_address, users::email_verified_at)
            .otherwise(None::<DateTime<Utc>>.into_sql::<Nullable<Timestamptz>>());
        let row = diesel::update(users::table.find(id.as_uuid()))
            .set((ProfileChangeset::new(changes, now), users::email_verified_at.eq(verified)))
            .returning(UserRow::as_returning())
            .get_result(&mut connection)
            .await
            .optional()
            .map_err(write_failed("updating a profile"))?
            .ok_or(UserWriteError::NotFound)?;
        Ok(row.into_user()?)
    }

    #[tracing::instrument(name = "db.users.change_password", skip_all, fields(user_id = %id))]
    async fn change_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: SessionId,
        now: DateTime<Utc>,
    ) -> Result<(), UserWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let result = connection
            .transaction(async |connection| {
                let updated = diesel::update(users::table.find(id.as_uuid()))
                    .set((users::password_hash.eq(hash.as_str()), users::updated_at.eq(now)))
                    .execute(connection)
                    .await?;
                if updated == 0 {
                    return Err(TxError::Outcome(UserWriteError::NotFound));
                }
                diesel::update(
                    sessions::table
                        .filter(sessions::user_id.eq(id.as_uuid()))
                        .filter(sessions::id.ne(keep.as_uuid()))
                        .filter(sessions::revoked_at.is_null()),
                )
                .set(sessions::revoked_at.eq(now))
                .execute(connection)
                .await?;
                Ok(())
            })
            .await;
        result.map_err(|error| match error {
            TxError::Outcome(outcome) => outcome,
            TxError::Db(error) => UserWriteError::Port(query_failed("changing a password")(error)),
        })
    }

    #[tracing::instrument(name = "db.users.change_access", skip_all, fields(user_id = %id, change = ?change, guard = ?guard))]
    async fn change_access(
        &self,
        id: UserId,
        change: AccessChange,
        guard: AdminGuard,
        now: DateTime<Utc>,
    ) -> Result<User, AccessWriteError> {
        let guarded = guard == AdminGuard::KeepAnActiveAdmin;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let result = connection
            .transaction(async |connection| {
                if guarded {
                    // Taken before anything is read, so the check below sees
                    // every guarded change that committed before this one.
                    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                        .bind::<BigInt, _>(ADMIN_GUARD_LOCK)
                        .execute(connection)
                        .await?;
                }
                let target = users::table.find(id.as_uuid());
                let now_sql = now.into_sql::<Timestamptz>();
                // A change that changes nothing (deactivating a deactivated
                // account) keeps updated_at: the account did not change.
                let row = match change {
                    AccessChange::SetRole(role) => {
                        diesel::update(target)
                            .set((
                                users::role.eq(role.as_str()),
                                users::updated_at
                                    .eq(case_when(users::role.ne(role.as_str()), now_sql).otherwise(users::updated_at)),
                            ))
                            .returning(UserRow::as_returning())
                            .get_result(connection)
                            .await
                    }
                    AccessChange::SetStatus(status) => {
                        diesel::update(target)
                            .set((
                                users::status.eq(status.as_str()),
                                users::updated_at
                                    .eq(case_when(users::status.ne(status.as_str()), now_sql)
                                        .otherwise(users::updated_at)),
                            ))
                            .returning(UserRow::as_returning())
                            .get_result(connection)
                            .await
                    }
                }
                .optional()?
                .ok_or(TxError::Outcome(AccessWriteError::NotFound))?;

                if guarded {
                    // Checked after the write, inside the transaction: the
                    // rows as they will be committed, not as someone read them.
                    let an_active_admin_remains = diesel::select(exists(
                        users::table
                            .filter(users::role.eq(Role::Admin.as_str()))
                            .filter(users::status.eq(AccountStatus::Active.as_str())),
                    ))
                    .get_result::<bool>(connection)
                    .await?;
                    if !an_active_admin_remains {
                        return Err(TxError::Outcome(AccessWriteError::NoActiveAdminLeft));
                    }
                }

                if change == AccessChange::SetStatus(AccountStatus::Deactivated) {
                    diesel::update(
                        sessions::table
                            .filter(sessions::user_id.eq(id.as_uuid()))
                            .filter(sessions::revoked_at.is_null()),
                    )
                    .set(sessions::revoked_at.eq(now))
                    .execute(connection)
                    .await?;
                }
                Ok(row)
            })
            .await;
        let row = result.map_err(|error| match error {
            TxError::Outcome(outcome) => outcome,
            TxError::Db(error) => AccessWriteError::Port(query_failed("changing access")(error)),
        })?;
        Ok(row.into_user()?)
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, PortError> {
        let limit = i64::from(query.page.limit());
        let offset = i64::try_from(query.page.offset())
            .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))?;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let total: i64 =
            matching_users(query).count().get_result(&mut connection).await.map_err(query_failed("counting users"))?;
        let rows: Vec<UserRow> = matching_users(query)
            .select(UserRow::as_select())
            .order((users::created_at.asc(), users::id.asc()))
            .limit(limit)
            .offset(offset)
            .load(&mut connection)
            .await
            .map_err(query_failed("listing users"))?;
        let items = rows.into_iter().map(UserRow::into_user).collect::<Result<Vec<_>, _>>()?;
        let total = u64::try_from(total)
            .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("negative user count")))?;
        Ok(Page { items, request: query.page, total })
    }
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
