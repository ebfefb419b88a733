//! [`PgSessionStore`]: sessions (refresh-token families) and their refresh
//! tokens, in the `sessions` and `refresh_tokens` tables.
//!
//! Spending a token is one conditional `UPDATE ... WHERE used_at IS NULL`:
//! PostgreSQL re-checks the condition after waiting for a concurrent writer's
//! row lock, so of two rotations of one token exactly one updates the row.

use chrono::{DateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::ports::{NewRefreshToken, NewSession, Rotation, SessionRecord, SessionStore};
use folio_domain::accounts::values::{AccountStatus, RefreshTokenHash, Role, SessionId, UserId, Username};
use uuid::Uuid;

use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{refresh_tokens, sessions, users};

/// [`SessionStore`] on PostgreSQL.
#[derive(Clone)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl std::fmt::Debug for PgSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSessionStore").field("pool", &self.pool.status()).finish()
    }
}

impl PgSessionStore {
    /// A store using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewRefreshTokenRow<'a> {
    token_hash: &'a [u8],
    session_id: Uuid,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl<'a> NewRefreshTokenRow<'a> {
    fn new(token: &'a NewRefreshToken, session_id: Uuid, now: DateTime<Utc>) -> Self {
        Self { token_hash: token.hash.as_bytes(), session_id, created_at: now, expires_at: token.expires_at }
    }
}

/// A session joined with its owner's role and status, in `find`'s column order.
#[derive(Queryable)]
struct SessionWithOwner {
    id: Uuid,
    user_id: Uuid,
    revoked_at: Option<DateTime<Utc>>,
    username: String,
    role: String,
    status: String,
}

/// Inserts a session and its first refresh token; call inside a transaction.
pub(crate) async fn insert_session(
    connection: &mut AsyncPgConnection,
    session: &NewSession,
) -> Result<(), diesel::result::Error> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(session.id.as_uuid()),
            sessions::user_id.eq(session.user_id.as_uuid()),
            sessions::created_at.eq(session.created_at),
        ))
        .execute(connection)
        .await?;
    diesel::insert_into(refresh_tokens::table)
        .values(NewRefreshTokenRow::new(&session.refresh_token, session.id.as_uuid(), session.created_at))
        .execute(connection)
        .await?;
    Ok(())
}

impl SessionStore for PgSessionStore {
    #[tracing::instrument(name = "db.sessions.start", skip_all, fields(user_id = %session.user_id))]
    async fn start(&self, session: &NewSession) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        connection
            .transaction(async |connection| insert_session(connection, session).await)
            .await
            .map_err(query_failed("starting a session"))
    }

    #[tracing::instrument(name = "db.sessions.rotate", skip_all)]
    async fn rotate(
        &self,
        presented: &RefreshTokenHash,
        replacement: &NewRefreshToken,
        now: DateTime<Utc>,
    ) -> Result<Rotation, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let rotated = connection
            .transaction(async |connection| {
                let live_session = exists(
                    sessions::table
                        .filter(sessions::id.eq(refresh_tokens::session_id))
                        .filter(sessions::revoked_at.is_null()),
                );
                let spent: Option<Uuid> = diesel::update(
                    refresh_tokens::table
                        .filter(refresh_tokens::token_hash.eq(presented.as_bytes()))
                        .filter(refresh_tokens::used_at.is_null())
                        .filter(refresh_tokens::expires_at.gt(now))
                        .filter(live_session),
                )
                .set(refresh_tokens::used_at.eq(now))
                .returning(refresh_tokens::session_id)
                .get_result(connection)
                .await
                .optional()?;
                let Some(session_id) = spent else {
                    return Ok(None);
                };
                let user_id: Uuid =
                    sessions::table.find(session_id).select(sessions::user_id).first(connection).await?;
                diesel::insert_into(refresh_tokens::table)
                    .values(NewRefreshTokenRow::new(replacement, session_id, now))
                    .execute(connection)
                    .await?;
                Ok::<_, diesel::result::Error>(Some((session_id, user_id)))
            })
            .await
            .map_err(query_failed("rotating a refresh token"))?;

        if let Some((session_id, user_id)) = rotated {
            return Ok(Rotation::Rotated { session_id: SessionId::new(session_id), user_id: UserId::new(user_id) });
        }

        // Nothing was spent: tell a replay (the token exists and was spent
        // before, whatever else is wrong with it now) from a token that was
        // never live. The losing side of a concurrent rotation lands here too,
        // and, reading after the winner committed, sees the token spent.
        let found: Option<(Uuid, Uuid, Option<DateTime<Utc>>)> = refresh_tokens::table
            .inner_join(sessions::table)
            .filter(refresh_tokens::token_hash.eq(presented.as_bytes()))
            .select((refresh_tokens::session_id, sessions::user_id, refresh_tokens::used_at))
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("looking up a refresh token"))?;
        Ok(match found {
            Some((session_id, user_id, Some(_used_at))) => {
                Rotation::AlreadySpent { session_id: SessionId::new(session_id), user_id: UserId::new(user_id) }
            }
            _ => Rotation::Rejected,
        })
    }

    #[tracing::instrument(name = "db.sessions.revoke", skip_all)]
    async fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // The revoked_at filter keeps the first revocation time.
        diesel::update(sessions::table.find(id.as_uuid()).filter(sessions::revoked_at.is_null()))
            .set(sessions::revoked_at.eq(now))
            .execute(&mut connection)
            .await
            .map_err(query_failed("revoking a session"))?;
        Ok(())
    }

    async fn find(&self, id: SessionId) -> Result<Option<SessionRecord>, PortError> {
        // Every authenticated request asks this: a primary-key read that
        // shares the thread's read connection (see `PgPool::get_shared`).
        let shared = self.pool.get_shared().await.map_err(pool_failed)?;
        let mut connection = shared.connection();
        let found = sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq(id.as_uuid()))
            .select((
                sessions::id,
                sessions::user_id,
                sessions::revoked_at,
                users::username,
                users::role,
                users::status,
            ))
            .first::<SessionWithOwner>(&mut connection)
            .await;
        let row = shared.check(found.optional()).map_err(query_failed("finding a session"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            id: SessionId::new(row.id),
            user_id: UserId::new(row.user_id),
            revoked_at: row.revoked_at,
            username: Username::parse(&row.username).map_err(invalid_stored("users.username"))?,
            user_role: Role::parse(&row.role).map_err(invalid_stored("users.role"))?,
            user_status: AccountStatus::parse(&row.status).map_err(invalid_stored("users.status"))?,
        }))
    }
}
