//! [`PgAccountTokenRepository`]: single-use verification and password-reset
//! tokens in `account_tokens`, stored by SHA-256 digest.
//!
//! Spending a token is one conditional `UPDATE ... WHERE used_at IS NULL AND
//! expires_at > now`: PostgreSQL re-checks the condition after waiting for a
//! concurrent writer's row lock, so of two redemptions of one token exactly
//! one updates the row. The account is then updated under its own condition
//! (same address, still active), re-checked the same way, so an address
//! changed concurrently is never the one verified; when that condition fails
//! the whole transaction rolls back and the token stays unspent.

use chrono::{DateTime, Utc};
use diesel::dsl::case_when;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::values::{AccountStatus, Email, PasswordHash, UserId};
use folio_domain::events::NewEvent;
use folio_domain::mail::ports::{AccountTokenRecord, AccountTokenRepository, NewAccountToken, Redemption};
use folio_domain::mail::values::{AccountTokenHash, AccountTokenId, TokenPurpose};
use uuid::Uuid;

use crate::error::{TxError, invalid_stored, pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::pool::PgPool;
use crate::schema::{account_tokens, sessions, users};

/// [`AccountTokenRepository`] on PostgreSQL.
#[derive(Clone)]
pub struct PgAccountTokenRepository {
    pool: PgPool,
}

impl std::fmt::Debug for PgAccountTokenRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgAccountTokenRepository").field("pool", &self.pool.status()).finish()
    }
}

impl PgAccountTokenRepository {
    /// A repository using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = account_tokens, check_for_backend(Pg))]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    purpose: String,
    email: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn into_record(self) -> Result<AccountTokenRecord, PortError> {
        Ok(AccountTokenRecord {
            id: AccountTokenId::new(self.id),
            user_id: UserId::new(self.user_id),
            purpose: TokenPurpose::parse(&self.purpose).map_err(invalid_stored("account_tokens.purpose"))?,
            email: Email::parse(&self.email).map_err(invalid_stored("account_tokens.email"))?,
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: self.used_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = account_tokens)]
struct NewTokenRow<'a> {
    id: Uuid,
    user_id: Uuid,
    purpose: &'static str,
    token_hash: &'a [u8],
    email: &'a str,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl<'a> From<&'a NewAccountToken> for NewTokenRow<'a> {
    fn from(token: &'a NewAccountToken) -> Self {
        Self {
            id: token.id.as_uuid(),
            user_id: token.user_id.as_uuid(),
            purpose: token.purpose.as_str(),
            token_hash: token.hash.as_bytes(),
            email: token.email.as_str(),
            created_at: token.created_at,
            expires_at: token.expires_at,
        }
    }
}

/// Spends the token `id` of `purpose` if it is live at `now`; returns its
/// account and address. Call inside a transaction.
async fn spend(
    connection: &mut AsyncPgConnection,
    id: AccountTokenId,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>, diesel::result::Error> {
    diesel::update(
        account_tokens::table
            .find(id.as_uuid())
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(now)),
    )
    .set(account_tokens::used_at.eq(now))
    .returning((account_tokens::user_id, account_tokens::email))
    .get_result(connection)
    .await
    .optional()
}

/// The account `user_id` if it is active and still at `email`.
#[diesel::dsl::auto_type(no_type_alias)]
fn qualifying_account<'a>(user_id: Uuid, email: &'a str) -> _ {
    let active: &'static str = AccountStatus::Active.as_str();
    users::table.find(user_id).filter(users::email.eq(email)).filter(users::status.eq(active))
}

/// Deletes every account token that expired at or before `now`, used or not.
/// Shared by [`AccountTokenRepository::purge_expired`] and the scheduled
/// purge ([`crate::PgMaintenance`]).
pub(crate) async fn delete_expired(
    connection: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<usize, diesel::result::Error> {
    diesel::delete(account_tokens::table.filter(account_tokens::expires_at.le(now))).execute(connection).await
}

fn outcome(result: Result<(), TxError<Redemption>>, action: &'static str) -> Result<Redemption, PortError> {
    match result {
        Ok(()) => Ok(Redemption::Redeemed),
        Err(TxError::Outcome(outcome)) => Ok(outcome),
        Err(TxError::Db(error)) => Err(query_failed(action)(error)),
    }
}

impl AccountTokenRepository for PgAccountTokenRepository {
    #[tracing::instrument(name = "db.account_tokens.store", skip_all, fields(token_id = %token.id, purpose = token.purpose.as_str()))]
    async fn store(&self, token: &NewAccountToken, events: &[NewEvent]) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        connection
            .transaction(async |connection| {
                let inserted = diesel::insert_into(account_tokens::table)
                    .values(NewTokenRow::from(token))
                    .on_conflict(account_tokens::id)
                    .do_nothing()
                    .execute(connection)
                    .await?;
                // A token stored before (a retried job) already has its events.
                if inserted == 1 {
                    insert_events(connection, events).await?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .await
            .map_err(query_failed("storing an account token"))
    }

    async fn find(&self, id: AccountTokenId) -> Result<Option<AccountTokenRecord>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row = account_tokens::table
            .find(id.as_uuid())
            .select(TokenRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding an account token"))?;
        row.map(TokenRow::into_record).transpose()
    }

    async fn find_by_hash(&self, hash: &AccountTokenHash) -> Result<Option<AccountTokenRecord>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row = account_tokens::table
            .filter(account_tokens::token_hash.eq(hash.as_bytes()))
            .select(TokenRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding an account token by digest"))?;
        row.map(TokenRow::into_record).transpose()
    }

    #[tracing::instrument(name = "db.account_tokens.confirm_email", skip_all, fields(token_id = %id))]
    async fn confirm_email(&self, id: AccountTokenId, now: DateTime<Utc>) -> Result<Redemption, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let result = connection
            .transaction(async |connection| {
                let (user_id, email) = spend(connection, id, TokenPurpose::VerifyEmail, now)
                    .await?
                    .ok_or(TxError::Outcome(Redemption::Stale))?;
                let updated = diesel::update(qualifying_account(user_id, &email))
                    .set((
                        // The first verification time is kept.
                        users::email_verified_at.eq(case_when(
                            users::email_verified_at.is_null(),
                            now.into_sql::<Nullable<Timestamptz>>(),
                        )
                        .otherwise(users::email_verified_at)),
                        users::updated_at.eq(now),
                    ))
                    .execute(connection)
                    .await?;
                if updated == 0 {
                    return Err(TxError::Outcome(Redemption::Stale));
                }
                Ok(())
            })
            .await;
        outcome(result, "confirming an e-mail address")
    }

    #[tracing::instrument(name = "db.account_tokens.reset_password", skip_all, fields(token_id = %id))]
    async fn reset_password(
        &self,
        id: AccountTokenId,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Redemption, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let result = connection
            .transaction(async |connection| {
                let (user_id, email) = spend(connection, id, TokenPurpose::ResetPassword, now)
                    .await?
                    .ok_or(TxError::Outcome(Redemption::Stale))?;
                let updated = diesel::update(qualifying_account(user_id, &email))
                    .set((users::password_hash.eq(hash.as_str()), users::updated_at.eq(now)))
                    .execute(connection)
                    .await?;
                if updated == 0 {
                    return Err(TxError::Outcome(Redemption::Stale));
                }
                // Whoever held a session may have been the reason for the reset.
                diesel::update(
                    sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()),
                )
                .set(sessions::revoked_at.eq(now))
                .execute(connection)
                .await?;
                // Other reset links still in the mailbox must not undo this one.
                diesel::update(
                    account_tokens::table
                        .filter(account_tokens::user_id.eq(user_id))
                        .filter(account_tokens::purpose.eq(TokenPurpose::ResetPassword.as_str()))
                        .filter(account_tokens::used_at.is_null()),
                )
                .set(account_tokens::used_at.eq(now))
                .execute(connection)
                .await?;
                Ok(())
            })
            .await;
        outcome(result, "resetting a password")
    }

    #[tracing::instrument(name = "db.account_tokens.purge_expired", skip_all)]
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let deleted =
            delete_expired(&mut connection, now).await.map_err(query_failed("purging expired account tokens"))?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }
}
