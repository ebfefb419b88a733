//! The rows and columns of posts: what a read selects and converts into the
//! domain's [`PostSummary`] and [`Post`], and what a write stores.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use folio_domain::PortError;
use folio_domain::accounts::values::UserId;
use folio_domain::content::PostUpdate;
use folio_domain::content::model::{Favorited, Post, PostSummary};
use folio_domain::content::ports::NewPost;
use folio_domain::content::values::{Body, Description, PostId, PostStatus, Slug, Tag, TagList, Title};
use uuid::Uuid;

use crate::error::invalid_stored;
use crate::profiles::{AuthorRow, count};
use crate::schema::{favorites, follows, posts, users};
use crate::sql::{Fixed, Rendered, fixed, rendered_once};

/// A `posts` row without the body, which lists never need.
#[derive(Queryable, Selectable)]
#[diesel(table_name = posts, check_for_backend(Pg))]
pub(super) struct SummaryRow {
    id: Uuid,
    slug: String,
    title: String,
    description: String,
    tags: Vec<String>,
    status: String,
    favorites_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

/// Whether the reader favourited a post, or follows its author; `None` for
/// an anonymous reader, whose statements select `NULL` there. PostgreSQL
/// sends a null as its length alone, without the type's send function and
/// the buffer it fills, which two constant `false` columns paid on every row
/// (`just instructions --postgres`).
pub(super) type ReaderState = Option<bool>;

/// A [`ReaderState`] column of an anonymous reader's statement.
pub(super) fn no_reader() -> Fixed<Nullable<Bool>> {
    fixed("NULL::boolean")
}

/// Whether `reader` favourited the row's post: a signed-in reader's [`ReaderState`].
#[diesel::dsl::auto_type]
pub(super) fn favourited_by(reader: Uuid) -> _ {
    exists(favorites::table.filter(favorites::post_id.eq(posts::id)).filter(favorites::user_id.eq(reader))).nullable()
}

/// Whether `reader` follows the row's author: a signed-in reader's [`ReaderState`].
#[diesel::dsl::auto_type]
pub(super) fn author_followed_by(reader: Uuid) -> _ {
    exists(follows::table.filter(follows::follower_id.eq(reader)).filter(follows::followee_id.eq(posts::author_id)))
        .nullable()
}

/// A post as listed: the row, its author, and the reader's favourite and follow.
pub(super) type SummaryWithAuthor = (SummaryRow, AuthorRow, ReaderState, ReaderState);

/// A whole post, in [`post_columns`]' order.
pub(super) type PostWithAuthor = (SummaryRow, AuthorRow, ReaderState, ReaderState, String);

impl SummaryRow {
    pub(super) fn into_summary(
        self,
        author: AuthorRow,
        favorited: ReaderState,
        following: ReaderState,
    ) -> Result<PostSummary, PortError> {
        // An anonymous reader has favourited nothing and follows nobody.
        let (favorited, following) = (favorited.unwrap_or(false), following.unwrap_or(false));
        Ok(PostSummary {
            id: PostId::new(self.id),
            slug: Slug::parse(&self.slug).map_err(invalid_stored("posts.slug"))?,
            title: Title::try_from(self.title).map_err(invalid_stored("posts.title"))?,
            description: Description::try_from(self.description).map_err(invalid_stored("posts.description"))?,
            tags: TagList::parse(&self.tags).map_err(invalid_stored("posts.tags"))?,
            status: PostStatus::parse(&self.status).map_err(invalid_stored("posts.status"))?,
            author: author.into_author(following)?,
            favorited: Favorited::from(favorited),
            favorites_count: count(self.favorites_count, "negative favourites count")?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
        })
    }
}

pub(super) fn into_summary((row, author, favorited, following): SummaryWithAuthor) -> Result<PostSummary, PortError> {
    row.into_summary(author, favorited, following)
}

pub(super) fn into_post((row, author, favorited, following, body): PostWithAuthor) -> Result<Post, PortError> {
    Ok(Post {
        summary: row.into_summary(author, favorited, following)?,
        body: Body::try_from(body).map_err(invalid_stored("posts.body"))?,
    })
}

/// The SQL type of [`summary_columns`].
pub(super) type SummarySqlType = (
    diesel::dsl::SqlTypeOf<AsSelect<SummaryRow, Pg>>,
    diesel::dsl::SqlTypeOf<AsSelect<AuthorRow, Pg>>,
    Nullable<Bool>,
    Nullable<Bool>,
);

/// The columns of a [`SummaryWithAuthor`], for a query over posts joined to
/// their authors.
pub(super) type SummaryColumns = Box<dyn BoxableExpression<PostsAndAuthors, Pg, SqlType = SummarySqlType>>;

/// The SQL type of a summary's columns followed by one more.
pub(super) type SummarySqlTypeWith<Extra> = (
    diesel::dsl::SqlTypeOf<AsSelect<SummaryRow, Pg>>,
    diesel::dsl::SqlTypeOf<AsSelect<AuthorRow, Pg>>,
    Nullable<Bool>,
    Nullable<Bool>,
    Extra,
);

/// The SQL type of [`post_columns`]: the summary and the body.
pub(super) type PostSqlType = SummarySqlTypeWith<Text>;

/// The columns of a [`PostWithAuthor`].
pub(super) type PostColumns = Box<dyn BoxableExpression<PostsAndAuthors, Pg, SqlType = PostSqlType>>;

/// `posts JOIN users`, where the columns are selected from.
pub(super) type PostsAndAuthors = diesel::dsl::InnerJoinQuerySource<posts::table, users::table>;

/// A summary, its author and the reader's state. Anonymous readers get
/// another statement, with `NULL` for both: PostgreSQL then runs no
/// subquery at all, and each statement keeps one plan for every reader
/// (were the two kinds of reader one statement, the plan that fits the
/// anonymous one would be made again for every execution).
///
/// The anonymous reader's columns bind nothing, so their text is rendered
/// once per process and replayed (see [`Rendered`]).
pub(super) fn summary_columns(reader: Option<UserId>) -> SummaryColumns {
    static ANONYMOUS: OnceLock<Result<Rendered, String>> = OnceLock::new();
    let summary: AsSelect<SummaryRow, Pg> = SummaryRow::as_select();
    let author: AsSelect<AuthorRow, Pg> = AuthorRow::as_select();
    match reader {
        None => {
            let columns = (summary, author, no_reader(), no_reader());
            match rendered_once(&ANONYMOUS, || Rendered::of(&columns)).ok().and_then(Rendered::without_binds) {
                Some(text) => Box::new(fixed::<SummarySqlType>(text)),
                None => Box::new(columns),
            }
        }
        Some(reader) => {
            let reader = reader.as_uuid();
            Box::new((summary, author, favourited_by(reader), author_followed_by(reader)))
        }
    }
}

/// As [`summary_columns`], with the body.
pub(super) fn post_columns(reader: Option<UserId>) -> PostColumns {
    let summary: AsSelect<SummaryRow, Pg> = SummaryRow::as_select();
    let author: AsSelect<AuthorRow, Pg> = AuthorRow::as_select();
    match reader {
        None => Box::new((summary, author, no_reader(), no_reader(), posts::body)),
        Some(reader) => {
            let reader = reader.as_uuid();
            Box::new((summary, author, favourited_by(reader), author_followed_by(reader), posts::body))
        }
    }
}

/// A row of a page that carries its list's total: a [`SummaryWithAuthor`]
/// and the total.
pub(super) type CountedSummary = (SummaryRow, AuthorRow, ReaderState, ReaderState, i64);

/// The SQL type of a [`CountedSummary`]: the summary's columns and the list's total.
pub(super) type CountedSqlType = SummarySqlTypeWith<BigInt>;

#[derive(Insertable)]
#[diesel(table_name = posts)]
pub(super) struct NewPostRow<'a> {
    id: Uuid,
    slug: &'a str,
    title: &'a str,
    description: &'a str,
    body: &'a str,
    tags: Vec<&'a str>,
    status: &'static str,
    author_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a NewPost> for NewPostRow<'a> {
    fn from(post: &'a NewPost) -> Self {
        let draft = &post.draft;
        Self {
            id: post.id.as_uuid(),
            slug: post.slug.as_str(),
            title: draft.title.as_str(),
            description: draft.description.as_str(),
            body: draft.body.as_str(),
            tags: tag_names(&draft.tags),
            status: draft.status.as_str(),
            author_id: post.author_id.as_uuid(),
            created_at: post.created_at,
            updated_at: post.created_at,
            published_at: (draft.status == PostStatus::Published).then_some(post.created_at),
        }
    }
}

/// The columns an update writes; Diesel leaves `None` fields out of the `SET`
/// list, and `updated_at` keeps it from ever being empty.
#[derive(AsChangeset)]
#[diesel(table_name = posts)]
pub(super) struct PostChangeset<'a> {
    title: Option<&'a str>,
    slug: Option<&'a str>,
    description: Option<&'a str>,
    body: Option<&'a str>,
    tags: Option<Vec<&'a str>>,
    updated_at: DateTime<Utc>,
}

impl<'a> PostChangeset<'a> {
    pub(super) fn new(update: &'a PostUpdate, new_slug: Option<&'a Slug>, now: DateTime<Utc>) -> Self {
        Self {
            title: update.title.as_ref().map(Title::as_str),
            slug: new_slug.map(Slug::as_str),
            description: update.description.as_ref().map(Description::as_str),
            body: update.body.as_ref().map(Body::as_str),
            tags: update.tags.as_ref().map(tag_names),
            updated_at: now,
        }
    }
}

pub(super) fn tag_names(tags: &TagList) -> Vec<&str> {
    tags.tags().iter().map(Tag::as_str).collect()
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;

    use super::*;

    #[test]
    fn the_anonymous_summary_columns_are_replayed_as_the_dsl_writes_them() {
        let dsl = (SummaryRow::as_select(), AuthorRow::as_select(), no_reader(), no_reader());
        let replayed = debug_query::<Pg, _>(&summary_columns(None)).to_string();
        assert_eq!(replayed, debug_query::<Pg, _>(&dsl).to_string());
        assert!(replayed.starts_with("\"posts\".\"id\", \"posts\".\"slug\""), "{replayed}");
    }
}
