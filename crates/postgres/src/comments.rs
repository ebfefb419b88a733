//! [`PgCommentRepository`]: comments in `comments`.
//!
//! A page of comments is one statement joining the authors, with "does the
//! reader follow this commenter" as a correlated `EXISTS`, plus one `COUNT`;
//! the unpaged list is the same statement without the count.
//! Ids come from the table's identity column.

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, auto_type, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::values::UserId;
use folio_domain::content::model::Comment;
use folio_domain::content::ports::{CommentRecord, CommentRepository, MAX_UNPAGED_COMMENTS, NewComment};
use folio_domain::content::values::{CommentBody, CommentId, PostId};
use folio_domain::pagination::{Page, PageRequest};
use uuid::Uuid;

use crate::pool::PgPool;

diesel::define_sql_function! {
    /// The comments table's id sequence, advanced.
    #[sql_name = "nextval"]
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

fn next_comment_id() -> nextval<&'static str> {
    nextval("comments_id_seq")
}
use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::profiles::{AuthorRow, count, reader_or_nil};
use crate::schema::{comments, follows, users};
use folio_domain::events::NewEvent;

/// [`CommentRepository`] on PostgreSQL.
#[derive(Clone)]
pub struct PgCommentRepository {
    pool: PgPool,
}

impl std::fmt::Debug for PgCommentRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCommentRepository").field("pool", &self.pool.status()).finish()
    }
}

impl PgCommentRepository {
    /// A repository using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(Pg))]
struct CommentRow {
    id: i64,
    post_id: Uuid,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CommentRow {
    fn into_comment(self, author: AuthorRow, following: bool) -> Result<Comment, PortError> {
        Ok(Comment {
            id: CommentId::new(self.id),
            post_id: PostId::new(self.post_id),
            body: CommentBody::parse(&self.body).map_err(invalid_stored("comments.body"))?,
            author: author.into_author(following)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A comment, its author and whether the reader follows them, for a query
/// over comments joined to their authors.
#[auto_type]
fn comment_columns(reader: Uuid) -> _ {
    let comment: AsSelect<CommentRow, Pg> = CommentRow::as_select();
    let author: AsSelect<AuthorRow, Pg> = AuthorRow::as_select();
    (
        comment,
        author,
        exists(
            follows::table.filter(follows::follower_id.eq(reader)).filter(follows::followee_id.eq(comments::author_id)),
        ),
    )
}

/// A row of [`comments_of`]: the comment, its author, whether the reader follows them.
type CommentJoin = (CommentRow, AuthorRow, bool);

/// A post's comments joined to their authors as `reader` sees them, oldest
/// first (ties by id): the statement of both the paged and the unpaged list.
#[auto_type]
fn comments_of(post: Uuid, reader: Uuid) -> _ {
    let columns: comment_columns = comment_columns(reader);
    comments::table
        .inner_join(users::table)
        .filter(comments::post_id.eq(post))
        .select(columns)
        .order((comments::created_at.asc(), comments::id.asc()))
}

fn into_comments(rows: Vec<CommentJoin>) -> Result<Vec<Comment>, PortError> {
    rows.into_iter().map(|(comment, author, following)| comment.into_comment(author, following)).collect()
}

impl CommentRepository for PgCommentRepository {
    async fn list(&self, post: PostId, reader: Option<UserId>, page: PageRequest) -> Result<Page<Comment>, PortError> {
        let offset = i64::try_from(page.offset())
            .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))?;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let rows: Vec<CommentJoin> = comments_of(post.as_uuid(), reader_or_nil(reader))
            .limit(i64::from(page.limit()))
            .offset(offset)
            .load(&mut connection)
            .await
            .map_err(query_failed("listing comments"))?;
        let total: i64 = comments::table
            .filter(comments::post_id.eq(post.as_uuid()))
            .count()
            .get_result(&mut connection)
            .await
            .map_err(query_failed("counting comments"))?;
        let items = into_comments(rows)?;
        Ok(Page { items, request: page, total: count(total, "negative comment count")? })
    }

    async fn list_all(&self, post: PostId, reader: Option<UserId>) -> Result<Vec<Comment>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let rows: Vec<CommentJoin> = comments_of(post.as_uuid(), reader_or_nil(reader))
            .limit(i64::from(MAX_UNPAGED_COMMENTS))
            .load(&mut connection)
            .await
            .map_err(query_failed("listing all comments"))?;
        into_comments(rows)
    }

    async fn next_id(&self) -> Result<CommentId, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let id: i64 = diesel::select(next_comment_id())
            .get_result(&mut connection)
            .await
            .map_err(query_failed("reserving a comment id"))?;
        Ok(CommentId::new(id))
    }

    #[tracing::instrument(name = "db.comments.create", skip_all, fields(post_id = %comment.post_id, author_id = %comment.author_id))]
    async fn create(&self, comment: &NewComment, events: &[NewEvent]) -> Result<Comment, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // The author is read first so that the transaction holds only the
        // writes: a failure can then never leave a stored comment behind an
        // error (which a client would answer by posting it again).
        let author: AuthorRow = users::table
            .find(comment.author_id.as_uuid())
            .select(AuthorRow::as_select())
            .first(&mut connection)
            .await
            .map_err(query_failed("reading a comment's author"))?;
        let row: CommentRow = connection
            .transaction(async |connection| {
                let row = diesel::insert_into(comments::table)
                    .values((
                        comments::id.eq(comment.id.get()),
                        comments::post_id.eq(comment.post_id.as_uuid()),
                        comments::author_id.eq(comment.author_id.as_uuid()),
                        comments::body.eq(comment.body.as_str()),
                        comments::created_at.eq(comment.created_at),
                        comments::updated_at.eq(comment.created_at),
                    ))
                    .returning(CommentRow::as_returning())
                    .get_result(connection)
                    .await?;
                insert_events(connection, events).await?;
                Ok::<_, diesel::result::Error>(row)
            })
            .await
            .map_err(query_failed("creating a comment"))?;
        // The reader is the commenter, who cannot follow themself.
        row.into_comment(author, false)
    }

    async fn find(&self, post: PostId, id: CommentId) -> Result<Option<CommentRecord>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row: Option<(i64, Uuid, Uuid)> = comments::table
            .find(id.get())
            .filter(comments::post_id.eq(post.as_uuid()))
            .select((comments::id, comments::post_id, comments::author_id))
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding a comment"))?;
        Ok(row.map(|(id, post_id, author_id)| CommentRecord {
            id: CommentId::new(id),
            post_id: PostId::new(post_id),
            author_id: UserId::new(author_id),
        }))
    }

    #[tracing::instrument(name = "db.comments.delete", skip_all, fields(comment_id = id.get()))]
    async fn delete(&self, id: CommentId) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        diesel::delete(comments::table.find(id.get()))
            .execute(&mut connection)
            .await
            .map_err(query_failed("deleting a comment"))?;
        Ok(())
    }
}
