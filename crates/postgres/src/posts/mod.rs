//! [`PgPostRepository`]: posts with their tags in `posts`, favourites in
//! `favorites`.
//!
//! Reads join the author and answer "did the reader favourite it" and "does
//! the reader follow its author" with correlated `EXISTS` subqueries, so a
//! post, or a whole page of them, is one statement; a list adds one statement
//! for its total, sent in the same round trip (pipelined), except the public
//! list and a search, whose rows carry their total. Tags live in the post row
//! (an ordered `text[]`) and the favourites count is a column kept in step
//! with `favorites`, so nothing is ever loaded per row. Soft-deleted posts
//! (`deleted_at` set) are filtered out of every read.
//!
//! One way of writing SQL per kind of query:
//! - [`rows`]: the rows and columns, as Diesel `Selectable`, `Insertable` and
//!   `AsChangeset` structs; the columns that bind nothing are rendered once
//!   per process and replayed (see [`crate::sql::Rendered`]).
//! - [`writes`]: Diesel's DSL, each write and its events in one transaction.
//! - [`reads`]: Diesel's DSL; the read by slug is replayed from the text its
//!   DSL renders.
//! - [`lists`]: Diesel's DSL for the filtered lists, with [`crate::sql`]
//!   fragments where the DSL has no word.
//! - [`pages`]: the hand-tuned list queries, each a `.sql` file beside the
//!   code that binds it (see [`crate::sql::SqlFile`]).
//!
//! Every statement is prepared once per connection (see [`crate::sql`]).

mod lists;
mod pages;
mod reads;
mod rows;
mod writes;

use chrono::{DateTime, Utc};
use folio_domain::PortError;
use folio_domain::accounts::values::UserId;
use folio_domain::content::model::{Post, PostSummary, TagUsage};
use folio_domain::content::ports::{NewPost, PostRepository, PostWriteError};
use folio_domain::content::values::{PostId, Slug};
use folio_domain::content::{PostListing, PostUpdate};
use folio_domain::events::NewEvent;
use folio_domain::pagination::{Page, PageRequest};

use self::lists::Selection;
use crate::pool::PgPool;

/// [`PostRepository`] on PostgreSQL.
#[derive(Clone)]
pub struct PgPostRepository {
    pool: PgPool,
}

impl std::fmt::Debug for PgPostRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPostRepository").field("pool", &self.pool.status()).finish()
    }
}

impl PgPostRepository {
    /// A repository using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl PostRepository for PgPostRepository {
    #[tracing::instrument(name = "db.posts.create", skip_all, fields(post_id = %post.id))]
    async fn create(&self, post: &NewPost, events: &[NewEvent]) -> Result<(), PostWriteError> {
        writes::create(&self.pool, post, events).await
    }

    async fn find_by_slug(&self, slug: &Slug, reader: Option<UserId>) -> Result<Option<Post>, PortError> {
        reads::find_by_slug(&self.pool, slug, reader).await
    }

    #[tracing::instrument(name = "db.posts.update", skip_all, fields(post_id = %id))]
    async fn update(
        &self,
        id: PostId,
        update: &PostUpdate,
        new_slug: Option<Slug>,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> Result<(), PostWriteError> {
        writes::update(&self.pool, id, update, new_slug.as_ref(), now, events).await
    }

    #[tracing::instrument(name = "db.posts.publish", skip_all, fields(post_id = %id))]
    async fn publish(&self, id: PostId, now: DateTime<Utc>, events: &[NewEvent]) -> Result<(), PostWriteError> {
        writes::publish(&self.pool, id, now, events).await
    }

    #[tracing::instrument(name = "db.posts.delete", skip_all, fields(post_id = %id))]
    async fn delete(&self, id: PostId, now: DateTime<Utc>, events: &[NewEvent]) -> Result<(), PostWriteError> {
        writes::delete(&self.pool, id, now, events).await
    }

    async fn list(&self, listing: &PostListing, reader: Option<UserId>) -> Result<Page<PostSummary>, PortError> {
        lists::page_of(&self.pool, &Selection::of(listing, reader), reader, listing.page).await
    }

    async fn feed(&self, reader: UserId, page: PageRequest) -> Result<Page<PostSummary>, PortError> {
        lists::page_of(&self.pool, &Selection::feed(reader), Some(reader), page).await
    }

    #[tracing::instrument(name = "db.favorites.favorite", skip_all, fields(user_id = %user, post_id = %post))]
    async fn favorite(&self, user: UserId, post: PostId, now: DateTime<Utc>) -> Result<(), PortError> {
        writes::favorite(&self.pool, user, post, now).await
    }

    #[tracing::instrument(name = "db.favorites.unfavorite", skip_all, fields(user_id = %user, post_id = %post))]
    async fn unfavorite(&self, user: UserId, post: PostId) -> Result<(), PortError> {
        writes::unfavorite(&self.pool, user, post).await
    }

    async fn tags_in_use(&self) -> Result<Vec<TagUsage>, PortError> {
        reads::tags_in_use(&self.pool).await
    }
}
