//! [`PgUserRepository`]: accounts in the `users` table.
//!
//! Uniqueness of e-mail and username is left to the database's constraints
//! (no check-then-insert), so it holds under concurrent writes; a violation is
//! recognised by the constraint's name.

mod reads;
mod rows;
mod writes;

use chrono::{DateTime, Utc};
use folio_domain::PortError;
use folio_domain::accounts::model::{ProfileChanges, User};
use folio_domain::accounts::ports::{
    AccessChange, AccessWriteError, AdminGuard, NewSession, NewUser, UserCredentials, UserQuery, UserRepository,
    UserWriteError,
};
use folio_domain::accounts::values::{Email, PasswordHash, SessionId, UserId};
use folio_domain::pagination::Page;

use crate::pool::PgPool;
use folio_domain::events::NewEvent;

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

impl UserRepository for PgUserRepository {
    #[tracing::instrument(name = "db.users.create", skip_all, fields(user_id = %user.id))]
    async fn create(
        &self,
        user: &NewUser,
        session: Option<NewSession>,
        events: &[NewEvent],
    ) -> Result<User, UserWriteError> {
        writes::create(&self.pool, user, session, events).await
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, PortError> {
        reads::find_by_id(&self.pool, id).await
    }

    async fn find_credentials_by_email(&self, email: &Email) -> Result<Option<UserCredentials>, PortError> {
        reads::find_credentials_by_email(&self.pool, email).await
    }

    async fn find_credentials_by_id(&self, id: UserId) -> Result<Option<UserCredentials>, PortError> {
        reads::find_credentials_by_id(&self.pool, id).await
    }

    #[tracing::instrument(name = "db.users.update_profile", skip_all, fields(user_id = %id))]
    async fn update_profile(
        &self,
        id: UserId,
        changes: &ProfileChanges,
        now: DateTime<Utc>,
    ) -> Result<User, UserWriteError> {
        writes::update_profile(&self.pool, id, changes, now).await
    }

    #[tracing::instrument(name = "db.users.change_password", skip_all, fields(user_id = %id))]
    async fn change_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: SessionId,
        now: DateTime<Utc>,
    ) -> Result<(), UserWriteError> {
        writes::change_password(&self.pool, id, hash, keep, now).await
    }

    #[tracing::instrument(name = "db.users.change_access", skip_all, fields(user_id = %id, change = ?change, guard = ?guard))]
    async fn change_access(
        &self,
        id: UserId,
        change: AccessChange,
        guard: AdminGuard,
        now: DateTime<Utc>,
    ) -> Result<User, AccessWriteError> {
        writes::change_access(&self.pool, id, change, guard, now).await
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, PortError> {
        reads::list(&self.pool, query).await
    }
}
