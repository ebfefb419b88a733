//! Reads of accounts: by id, by e-mail for signing in, and the admin's list.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use folio_domain::PortError;
use folio_domain::accounts::model::User;
use folio_domain::accounts::ports::{UserCredentials, UserQuery};
use folio_domain::accounts::values::{Email, UserId};
use folio_domain::pagination::Page;

use super::rows::{CredentialsRow, UserRow, matching_users};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::users;

pub(super) async fn find_by_id(pool: &PgPool, id: UserId) -> Result<Option<User>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row = users::table
        .find(id.as_uuid())
        .select(UserRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(query_failed("finding a user by id"))?;
    row.map(UserRow::into_user).transpose()
}

pub(super) async fn find_credentials_by_email(
    pool: &PgPool,
    email: &Email,
) -> Result<Option<UserCredentials>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row = users::table
        .filter(users::email.eq(email.as_str()))
        .select(CredentialsRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(query_failed("finding credentials by e-mail"))?;
    row.map(CredentialsRow::into_credentials).transpose()
}

pub(super) async fn find_credentials_by_id(pool: &PgPool, id: UserId) -> Result<Option<UserCredentials>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row = users::table
        .find(id.as_uuid())
        .select(CredentialsRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(query_failed("finding credentials by id"))?;
    row.map(CredentialsRow::into_credentials).transpose()
}

pub(super) async fn list(pool: &PgPool, query: &UserQuery) -> Result<Page<User>, PortError> {
    let limit = i64::from(query.page.limit());
    let offset = i64::try_from(query.page.offset())
        .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))?;
    let mut connection = pool.get().await.map_err(pool_failed)?;
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
