//! [`PgCommentNotices`]: what a comment notice says, read when it is sent.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use folio_domain::PortError;
use folio_domain::accounts::values::{UserId, Username};
use folio_domain::content::values::{CommentBody, CommentId, PostId, Slug, Title};
use folio_domain::mail::ports::{CommentNotice, CommentNotices};
use uuid::Uuid;

use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{comments, posts, users};

/// [`CommentNotices`] on PostgreSQL.
#[derive(Clone)]
pub struct PgCommentNotices {
    pool: PgPool,
}

impl std::fmt::Debug for PgCommentNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCommentNotices").field("pool", &self.pool.status()).finish()
    }
}

impl PgCommentNotices {
    /// A reader using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// `(comment id, body, commenter id, commenter name, post id, title, slug, post author id)`.
type NoticeRow = (i64, String, Uuid, String, Uuid, String, String, Uuid);

impl CommentNotices for PgCommentNotices {
    async fn comment_notice(&self, id: CommentId) -> Result<Option<CommentNotice>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // posts and comments both join users, so the commenter's join names its ON clause.
        let row: Option<NoticeRow> = comments::table
            .inner_join(posts::table)
            .inner_join(users::table.on(users::id.eq(comments::author_id)))
            .filter(comments::id.eq(id.get()))
            .filter(posts::deleted_at.is_null())
            .select((
                comments::id,
                comments::body,
                comments::author_id,
                users::username,
                posts::id,
                posts::title,
                posts::slug,
                posts::author_id,
            ))
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("reading a comment notice"))?;
        let Some((comment_id, body, commenter_id, commenter, post_id, title, slug, author_id)) = row else {
            return Ok(None);
        };
        Ok(Some(CommentNotice {
            comment_id: CommentId::new(comment_id),
            body: CommentBody::parse(&body).map_err(invalid_stored("comments.body"))?,
            commenter_id: UserId::new(commenter_id),
            commenter: Username::parse(&commenter).map_err(invalid_stored("users.username"))?,
            post_id: PostId::new(post_id),
            post_title: Title::parse(&title).map_err(invalid_stored("posts.title"))?,
            post_slug: Slug::parse(&slug).map_err(invalid_stored("posts.slug"))?,
            post_author_id: UserId::new(author_id),
        }))
    }
}
