//! [`PgProfileRepository`]: public profiles read from `users`, and who follows
//! whom in `follows`.
//!
//! A profile, its follow counts and whether the reader follows it are one
//! statement. Following is idempotent because the `follows` primary key is:
//! a second follow meets the key and does nothing, even when two race.

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, auto_type, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::values::{AccountStatus, Bio, DisplayName, ImageUrl, UserId, Username};
use folio_domain::content::model::{Author, Following, Profile};
use folio_domain::content::ports::ProfileRepository;
use uuid::Uuid;

use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::pool::PgPool;
use crate::schema::{follows, users};
use folio_domain::events::NewEvent;

/// [`ProfileRepository`] on PostgreSQL.
#[derive(Clone)]
pub struct PgProfileRepository {
    pool: PgPool,
}

impl std::fmt::Debug for PgProfileRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgProfileRepository").field("pool", &self.pool.status()).finish()
    }
}

impl PgProfileRepository {
    /// A repository using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// The public columns of a `users` row: what is shown next to content.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub(crate) struct AuthorRow {
    id: Uuid,
    username: String,
    display_name: Option<String>,
    bio: Option<String>,
    image: Option<String>,
}

impl AuthorRow {
    /// The author as the reader sees them.
    pub(crate) fn into_author(self, following: bool) -> Result<Author, PortError> {
        Ok(Author {
            id: UserId::new(self.id),
            username: Username::parse(&self.username).map_err(invalid_stored("users.username"))?,
            display_name: self
                .display_name
                .map(DisplayName::try_from)
                .transpose()
                .map_err(invalid_stored("users.display_name"))?,
            bio: self.bio.map(Bio::try_from).transpose().map_err(invalid_stored("users.bio"))?,
            image: self.image.as_deref().map(ImageUrl::parse).transpose().map_err(invalid_stored("users.image"))?,
            following: Following::from(following),
        })
    }
}

/// The id bound for "the reader" when there is none. No account has the nil
/// UUID (ids are v7), so every "does the reader ..." subquery is false, and
/// the statement's shape does not depend on whether someone is signed in.
pub(crate) fn reader_or_nil(reader: Option<UserId>) -> Uuid {
    reader.map_or(Uuid::nil(), |id| id.as_uuid())
}

/// Converts a count read from the database.
pub(crate) fn count(value: i64, what: &'static str) -> Result<u64, PortError> {
    u64::try_from(value).map_err(|error| PortError::Unknown(anyhow::Error::new(error).context(what)))
}

type ProfileRow = (AuthorRow, Option<i64>, Option<i64>, bool);

/// The profile columns: the user, both counts as scalar subqueries (each an
/// index-only count on one side of `follows`), and the reader's follow.
#[auto_type]
fn profile_columns(reader: Uuid) -> _ {
    let as_select: AsSelect<AuthorRow, Pg> = AuthorRow::as_select();
    (
        as_select,
        follows::table.filter(follows::followee_id.eq(users::id)).count().single_value(),
        follows::table.filter(follows::follower_id.eq(users::id)).count().single_value(),
        exists(follows::table.filter(follows::follower_id.eq(reader)).filter(follows::followee_id.eq(users::id))),
    )
}

impl ProfileRepository for PgProfileRepository {
    async fn find_profile(&self, username: &Username, reader: Option<UserId>) -> Result<Option<Profile>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row: Option<ProfileRow> = users::table
            .filter(users::username.eq(username.as_str()))
            .filter(users::status.eq(AccountStatus::Active.as_str()))
            .select(profile_columns(reader_or_nil(reader)))
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding a profile"))?;
        let Some((author, followers, following, reader_follows)) = row else {
            return Ok(None);
        };
        Ok(Some(Profile {
            author: author.into_author(reader_follows)?,
            followers_count: count(followers.unwrap_or(0), "negative followers count")?,
            following_count: count(following.unwrap_or(0), "negative following count")?,
        }))
    }

    #[tracing::instrument(name = "db.follows.follow", skip_all, fields(follower = %follower, followee = %followee))]
    async fn follow(
        &self,
        follower: UserId,
        followee: UserId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        connection
            .transaction(async |connection| {
                let inserted = diesel::insert_into(follows::table)
                    .values((
                        follows::follower_id.eq(follower.as_uuid()),
                        follows::followee_id.eq(followee.as_uuid()),
                        follows::created_at.eq(now),
                    ))
                    .on_conflict_do_nothing()
                    .execute(connection)
                    .await?;
                // Following again is not news.
                if inserted > 0 {
                    insert_events(connection, events).await?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .await
            .map_err(query_failed("following a user"))?;
        Ok(())
    }

    #[tracing::instrument(name = "db.follows.unfollow", skip_all, fields(follower = %follower, followee = %followee))]
    async fn unfollow(&self, follower: UserId, followee: UserId) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        diesel::delete(follows::table.find((follower.as_uuid(), followee.as_uuid())))
            .execute(&mut connection)
            .await
            .map_err(query_failed("unfollowing a user"))?;
        Ok(())
    }
}
