//! Writes of accounts: creation, profile, password and access changes, each
//! with its events in one transaction.

use chrono::{DateTime, Utc};
use diesel::dsl::{case_when, exists};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::accounts::model::{ProfileChanges, User};
use folio_domain::accounts::ports::{AccessChange, AccessWriteError, AdminGuard, NewSession, NewUser, UserWriteError};
use folio_domain::accounts::values::{AccountStatus, Email, PasswordHash, Role, SessionId, UserId};

use super::rows::{NewUserRow, ProfileChangeset, UserRow, write_failed};
use crate::error::{TxError, pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::pool::PgPool;
use crate::schema::{sessions, users};
use crate::sessions::insert_session;
use folio_domain::events::NewEvent;

/// Transaction advisory lock taken by every change that must leave another
/// active admin ("folio" in ASCII, then 2): it serialises those changes, so
/// two admins demoting each other at once cannot both succeed.
const ADMIN_GUARD_LOCK: i64 = 0x666f_6c69_6f00_0002;

pub(super) async fn create(
    pool: &PgPool,
    user: &NewUser,
    session: Option<NewSession>,
    events: &[NewEvent],
) -> Result<User, UserWriteError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn update_profile(
    pool: &PgPool,
    id: UserId,
    changes: &ProfileChanges,
    now: DateTime<Utc>,
) -> Result<User, UserWriteError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    // updated_at is always in the changeset, so the SET list is never
    // empty, and an update that changes nothing still returns the row.
    // A new address is unverified: SET expressions read the row as it
    // was, so the CASE compares the old address with the new one and
    // keeps the verification only when they are the same.
    let new_email = changes.email.as_ref().map(Email::as_str);
    let same_address =
        new_email.into_sql::<Nullable<Text>>().is_null().or(users::email.nullable().eq(new_email)).assume_not_null();
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

pub(super) async fn change_password(
    pool: &PgPool,
    id: UserId,
    hash: &PasswordHash,
    keep: SessionId,
    now: DateTime<Utc>,
) -> Result<(), UserWriteError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn change_access(
    pool: &PgPool,
    id: UserId,
    change: AccessChange,
    guard: AdminGuard,
    now: DateTime<Utc>,
) -> Result<User, AccessWriteError> {
    let guarded = guard == AdminGuard::KeepAnActiveAdmin;
    let mut connection = pool.get().await.map_err(pool_failed)?;
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
                                .eq(case_when(users::status.ne(status.as_str()), now_sql).otherwise(users::updated_at)),
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
                    sessions::table.filter(sessions::user_id.eq(id.as_uuid())).filter(sessions::revoked_at.is_null()),
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
