//! Writes of posts and favourites, written in Diesel's DSL. Each write and
//! the events it emits are one transaction.

use chrono::{DateTime, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Nullable, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::values::UserId;
use folio_domain::content::PostUpdate;
use folio_domain::content::ports::{NewPost, PostWriteError};
use folio_domain::content::values::{PostId, PostStatus, Slug};
use folio_domain::events::NewEvent;

use super::rows::{NewPostRow, PostChangeset};
use crate::error::{pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::pool::PgPool;
use crate::schema::{favorites, posts};

/// The unique constraint on `posts.slug` (deleted posts included).
const SLUG_KEY: &str = "posts_slug_key";

fn write_failed(action: &'static str) -> impl FnOnce(DieselError) -> PostWriteError {
    move |error| match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some(SLUG_KEY) =>
        {
            PostWriteError::SlugTaken
        }
        _ => PostWriteError::Port(query_failed(action)(error)),
    }
}

/// Stores a post and its events.
pub(super) async fn create(pool: &PgPool, post: &NewPost, events: &[NewEvent]) -> Result<(), PostWriteError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    // Tags are a column of the row, so the post and its tags are one
    // INSERT; the transaction is for its events.
    connection
        .transaction(async |connection| {
            diesel::insert_into(posts::table).values(NewPostRow::from(post)).execute(connection).await?;
            insert_events(connection, events).await
        })
        .await
        .map_err(write_failed("creating a post"))?;
    Ok(())
}

/// Publishes a live draft and stores its events.
pub(super) async fn publish(
    pool: &PgPool,
    id: PostId,
    now: DateTime<Utc>,
    events: &[NewEvent],
) -> Result<(), PostWriteError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let outcome = connection
        .transaction(async |connection| {
            // COALESCE(published_at, now): the first publication time is kept.
            let first_publication =
                case_when(posts::published_at.is_null(), Some(now).into_sql::<Nullable<Timestamptz>>())
                    .otherwise(posts::published_at);
            // Only a draft is published, so of two concurrent publishes
            // one changes the row and writes the event, the other neither.
            let live = posts::table.find(id.as_uuid()).filter(posts::deleted_at.is_null());
            let updated = diesel::update(live.filter(posts::status.eq(PostStatus::Draft.as_str())))
                .set((
                    posts::status.eq(PostStatus::Published.as_str()),
                    posts::published_at.eq(first_publication),
                    posts::updated_at.eq(now),
                ))
                .execute(connection)
                .await?;
            if updated > 0 {
                insert_events(connection, events).await?;
                return Ok(true);
            }
            diesel::select(diesel::dsl::exists(live)).get_result::<bool>(connection).await
        })
        .await
        .map_err(write_failed("publishing a post"))?;
    if !outcome {
        return Err(PostWriteError::NotFound);
    }
    Ok(())
}

/// Applies `update` (and the new slug, if any) to a live post and stores its events.
pub(super) async fn update(
    pool: &PgPool,
    id: PostId,
    update: &PostUpdate,
    new_slug: Option<&Slug>,
    now: DateTime<Utc>,
    events: &[NewEvent],
) -> Result<(), PostWriteError> {
    change_live(pool, id, LiveChange::Edit(PostChangeset::new(update, new_slug, now)), events).await
}

/// Soft-deletes a live post and stores its events.
pub(super) async fn delete(
    pool: &PgPool,
    id: PostId,
    now: DateTime<Utc>,
    events: &[NewEvent],
) -> Result<(), PostWriteError> {
    change_live(pool, id, LiveChange::Delete(now), events).await
}

/// What [`change_live`] writes into a live post's row.
enum LiveChange<'a> {
    Edit(PostChangeset<'a>),
    Delete(DateTime<Utc>),
}

/// Changes a live (not deleted) post and, when it exists, stores `events`, in
/// one transaction.
async fn change_live(
    pool: &PgPool,
    id: PostId,
    change: LiveChange<'_>,
    events: &[NewEvent],
) -> Result<(), PostWriteError> {
    let action = match change {
        LiveChange::Edit(_) => "updating a post",
        LiveChange::Delete(_) => "deleting a post",
    };
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let changed = connection
        .transaction(async |connection| {
            let live = posts::table.find(id.as_uuid()).filter(posts::deleted_at.is_null());
            let changed = match change {
                LiveChange::Edit(changeset) => diesel::update(live).set(changeset).execute(connection).await?,
                LiveChange::Delete(now) => {
                    diesel::update(live).set(posts::deleted_at.eq(now)).execute(connection).await?
                }
            };
            if changed > 0 {
                insert_events(connection, events).await?;
            }
            Ok(changed)
        })
        .await
        .map_err(write_failed(action))?;
    if changed == 0 {
        return Err(PostWriteError::NotFound);
    }
    Ok(())
}

/// Records a favourite and counts it.
pub(super) async fn favorite(pool: &PgPool, user: UserId, post: PostId, now: DateTime<Utc>) -> Result<(), PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    connection
        .transaction(async |connection| {
            // A concurrent favourite of the same pair waits on the primary
            // key and then inserts nothing, so exactly one of them counts.
            let inserted = diesel::insert_into(favorites::table)
                .values((
                    favorites::user_id.eq(user.as_uuid()),
                    favorites::post_id.eq(post.as_uuid()),
                    favorites::created_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(connection)
                .await?;
            if inserted > 0 {
                diesel::update(posts::table.find(post.as_uuid()))
                    .set(posts::favorites_count.eq(posts::favorites_count + 1))
                    .execute(connection)
                    .await?;
            }
            Ok::<_, DieselError>(())
        })
        .await
        .map_err(query_failed("favouriting a post"))
}

/// Removes a favourite and uncounts it.
pub(super) async fn unfavorite(pool: &PgPool, user: UserId, post: PostId) -> Result<(), PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    connection
        .transaction(async |connection| {
            // Of two concurrent deletes of one row, the second waits for
            // the first and then deletes nothing, so only one uncounts.
            let deleted =
                diesel::delete(favorites::table.find((user.as_uuid(), post.as_uuid()))).execute(connection).await?;
            if deleted > 0 {
                diesel::update(posts::table.find(post.as_uuid()))
                    .set(posts::favorites_count.eq(posts::favorites_count - 1))
                    .execute(connection)
                    .await?;
            }
            Ok::<_, DieselError>(())
        })
        .await
        .map_err(query_failed("unfavouriting a post"))
}
