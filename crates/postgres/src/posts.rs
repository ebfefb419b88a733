//! [`PgPostRepository`]: posts with their tags in `posts`, favourites in
//! `favorites`.
//!
//! Reads join the author and answer "did the reader favourite it" and "does
//! the reader follow its author" with correlated `EXISTS` subqueries, so a
//! post, or a whole page of them, is one statement; a list adds one statement
//! for its total, sent in the same round trip (pipelined), except the public
//! list and a search, whose rows carry their total. Tags live in the
//! post row (an ordered `text[]`) and the favourites count is a column kept
//! in step with `favorites`, so nothing is ever loaded per row. Soft-deleted
//! posts (`deleted_at` set) are filtered out of every read.
//!
//! The public list (published posts, no filter) never counts or skips posts:
//! its total is the one row of `post_total`, and a page starts in the day
//! where the count of newer posts (from `post_days`) passes the page's
//! offset, found by one index descent, so page 2,000 costs what page 1 does
//! (see `00000000000003_list_counts` and `00000000000009_post_days_older`).
//! A list filtered by one tag reads its total from `tag_counts`; other
//! filters count their matches.
//! Every statement is prepared once per connection (see [`crate::sql`]).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, case_when, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Bool, Float, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::values::{UserId, Username};
use folio_domain::content::model::{Favorited, Post, PostSummary, TagUsage};
use folio_domain::content::ports::{AuthorFilter, NewPost, PostChanges, PostQuery, PostRepository, PostWriteError};
use folio_domain::content::values::{Body, Description, PostId, PostStatus, Slug, Tag, TagList, Title};
use folio_domain::pagination::{Page, PageRequest, SearchTerm};
use uuid::Uuid;

use crate::connection::PgPool;
use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::outbox::insert_events;
use crate::profiles::{AuthorRow, count};
use crate::schema::{favorites, follows, post_total, posts, tag_counts, users};
use crate::sql::{Fixed, FixedWithBind, Rendered, fixed, fixed_with_bind, next_piece, rendered_once};
use folio_domain::events::NewEvent;

/// The unique constraint on `posts.slug` (deleted posts included).
const SLUG_KEY: &str = "posts_slug_key";

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

/// A `posts` row without the body, which lists never need.
#[derive(Queryable, Selectable)]
#[diesel(table_name = posts, check_for_backend(Pg))]
struct SummaryRow {
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
/// the buffer it fills: two constant `false` columns had cost a page of 20
/// posts 3 % of PostgreSQL's instructions (README, "Performance").
type ReaderState = Option<bool>;

/// A [`ReaderState`] column of an anonymous reader's statement.
fn no_reader() -> Fixed<Nullable<Bool>> {
    fixed("NULL::boolean")
}

/// Whether `reader` favourited the row's post: a signed-in reader's [`ReaderState`].
#[diesel::dsl::auto_type]
fn favourited_by(reader: Uuid) -> _ {
    exists(favorites::table.filter(favorites::post_id.eq(posts::id)).filter(favorites::user_id.eq(reader))).nullable()
}

/// Whether `reader` follows the row's author: a signed-in reader's [`ReaderState`].
#[diesel::dsl::auto_type]
fn author_followed_by(reader: Uuid) -> _ {
    exists(follows::table.filter(follows::follower_id.eq(reader)).filter(follows::followee_id.eq(posts::author_id)))
        .nullable()
}

/// A post as listed: the row, its author, and the reader's favourite and follow.
type SummaryWithAuthor = (SummaryRow, AuthorRow, ReaderState, ReaderState);

/// A whole post, in [`post_columns`]' order.
type PostWithAuthor = (SummaryRow, AuthorRow, ReaderState, ReaderState, String);

impl SummaryRow {
    fn into_summary(
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

fn into_summary((row, author, favorited, following): SummaryWithAuthor) -> Result<PostSummary, PortError> {
    row.into_summary(author, favorited, following)
}

fn into_post((row, author, favorited, following, body): PostWithAuthor) -> Result<Post, PortError> {
    Ok(Post {
        summary: row.into_summary(author, favorited, following)?,
        body: Body::try_from(body).map_err(invalid_stored("posts.body"))?,
    })
}

/// The SQL type of [`summary_columns`].
type SummarySqlType = (
    diesel::dsl::SqlTypeOf<AsSelect<SummaryRow, Pg>>,
    diesel::dsl::SqlTypeOf<AsSelect<AuthorRow, Pg>>,
    Nullable<Bool>,
    Nullable<Bool>,
);

/// The columns of a [`SummaryWithAuthor`], for a query over posts joined to
/// their authors.
type SummaryColumns = Box<dyn BoxableExpression<PostsAndAuthors, Pg, SqlType = SummarySqlType>>;

/// The SQL type of a summary's columns followed by one more.
type SummarySqlTypeWith<Extra> = (
    diesel::dsl::SqlTypeOf<AsSelect<SummaryRow, Pg>>,
    diesel::dsl::SqlTypeOf<AsSelect<AuthorRow, Pg>>,
    Nullable<Bool>,
    Nullable<Bool>,
    Extra,
);

/// The SQL type of [`post_columns`]: the summary and the body.
type PostSqlType = SummarySqlTypeWith<Text>;

/// The columns of a [`PostWithAuthor`].
type PostColumns = Box<dyn BoxableExpression<PostsAndAuthors, Pg, SqlType = PostSqlType>>;

/// `posts JOIN users`, where the columns are selected from.
type PostsAndAuthors = diesel::dsl::InnerJoinQuerySource<posts::table, users::table>;

/// A summary, its author and the reader's state. Anonymous readers get
/// another statement, with `NULL` for both: PostgreSQL then runs no
/// subquery at all, and each statement keeps one plan for every reader
/// (were the two kinds of reader one statement, the plan that fits the
/// anonymous one would be made again for every execution).
///
/// The anonymous reader's columns bind nothing, so their text is rendered
/// once per process and replayed (see [`Rendered`]).
fn summary_columns(reader: Option<UserId>) -> SummaryColumns {
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
fn post_columns(reader: Option<UserId>) -> PostColumns {
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

/// The statement of [`PgPostRepository::find_by_slug`], as the DSL writes it.
///
/// Slugs are unique (`posts_slug_key`), so it has no `LIMIT`: the plan would
/// gain a Limit node, whose set-up at every execution (a row type of all 18
/// columns, looked up column by column) cost PostgreSQL 12,000 of the read's
/// 141,000 instructions (`just instructions --postgres`; README,
/// "Performance").
fn post_by_slug_dsl(slug: &str, reader: Option<UserId>) -> impl QueryFragment<Pg> + '_ {
    posts::table
        .inner_join(users::table)
        .filter(posts::slug.eq(slug))
        .filter(posts::deleted_at.is_null())
        .select(post_columns(reader))
}

/// [`post_by_slug_dsl`] replayed from its text, rendered once per kind of
/// reader (see [`Rendered`]): the most frequent read of all.
struct PostBySlug<'a> {
    slug: &'a str,
    reader: Option<Uuid>,
}

impl<'a> PostBySlug<'a> {
    fn new(slug: &'a str, reader: Option<UserId>) -> Self {
        Self { slug, reader: reader.map(|reader| reader.as_uuid()) }
    }
}

impl QueryFragment<Pg> for PostBySlug<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        static ANONYMOUS: OnceLock<Result<Rendered, String>> = OnceLock::new();
        static READER: OnceLock<Result<Rendered, String>> = OnceLock::new();
        let (text, reader) = match self.reader {
            None => (&ANONYMOUS, None),
            Some(ref reader) => (&READER, Some(reader)),
        };
        let rendered = rendered_once(text, || {
            let example = reader.map(|reader| UserId::new(*reader));
            Rendered::of(&post_by_slug_dsl("", example))
        })?;
        let mut pieces = rendered.pieces();
        out.push_sql(next_piece(&mut pieces)?);
        // The binds in the DSL's order: the reader twice in the select list
        // (favourited, following), then the slug.
        if let Some(reader) = reader {
            for _ in 0..2 {
                out.push_bind_param::<diesel::sql_types::Uuid, _>(reader)?;
                out.push_sql(next_piece(&mut pieces)?);
            }
        }
        out.push_bind_param::<Text, _>(&self.slug)?;
        out.push_sql(next_piece(&mut pieces)?);
        Ok(())
    }
}

impl QueryId for PostBySlug<'_> {
    type QueryId = ();
    // Two texts (anonymous and signed-in readers) share the type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for PostBySlug<'_> {
    type SqlType = PostSqlType;
}

/// A row of a page that carries its list's total: a [`SummaryWithAuthor`]
/// and the total.
type CountedSummary = (SummaryRow, AuthorRow, ReaderState, ReaderState, i64);

/// The SQL type of [`counted_columns`]: the summary and the list's total.
type CountedSqlType = SummarySqlTypeWith<BigInt>;

/// The columns of a [`CountedSummary`].
type CountedColumns = Box<dyn BoxableExpression<PostsAndAuthors, Pg, SqlType = CountedSqlType>>;

/// Where a page's rows find their list's total.
#[derive(Debug, Clone, Copy)]
enum TotalColumn {
    /// The number of matches [`SearchPage`] counts.
    SearchMatches,
    /// Every published post, from `post_total` (for [`LatestPage`]).
    Published,
}

/// As [`summary_columns`], with the list's total in every row: a page and its
/// total in one statement. Anonymous readers' columns are rendered once.
fn counted_columns(reader: Option<UserId>, total: TotalColumn) -> CountedColumns {
    static SEARCH: OnceLock<Result<Rendered, String>> = OnceLock::new();
    static PUBLISHED: OnceLock<Result<Rendered, String>> = OnceLock::new();
    let summary: AsSelect<SummaryRow, Pg> = SummaryRow::as_select();
    let author: AsSelect<AuthorRow, Pg> = AuthorRow::as_select();
    let (total, anonymous) = match total {
        TotalColumn::SearchMatches => (fixed::<BigInt>("matches.total"), &SEARCH),
        TotalColumn::Published => (fixed::<BigInt>("(SELECT posts FROM post_total)"), &PUBLISHED),
    };
    match reader {
        None => {
            let columns = (summary, author, no_reader(), no_reader(), total);
            match rendered_once(anonymous, || Rendered::of(&columns)).ok().and_then(Rendered::without_binds) {
                Some(text) => Box::new(fixed::<CountedSqlType>(text)),
                None => Box::new(columns),
            }
        }
        Some(reader) => {
            let reader = reader.as_uuid();
            Box::new((summary, author, favourited_by(reader), author_followed_by(reader), total))
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = posts)]
struct NewPostRow<'a> {
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
        Self {
            id: post.id.as_uuid(),
            slug: post.slug.as_str(),
            title: post.title.as_str(),
            description: post.description.as_str(),
            body: post.body.as_str(),
            tags: tag_names(&post.tags),
            status: post.status.as_str(),
            author_id: post.author_id.as_uuid(),
            created_at: post.created_at,
            updated_at: post.created_at,
            published_at: (post.status == PostStatus::Published).then_some(post.created_at),
        }
    }
}

/// The columns an update writes; Diesel leaves `None` fields out of the `SET`
/// list, and `updated_at` keeps it from ever being empty.
#[derive(AsChangeset)]
#[diesel(table_name = posts)]
struct PostChangeset<'a> {
    title: Option<&'a str>,
    slug: Option<&'a str>,
    description: Option<&'a str>,
    body: Option<&'a str>,
    tags: Option<Vec<&'a str>>,
    updated_at: DateTime<Utc>,
}

impl<'a> PostChangeset<'a> {
    fn new(changes: &'a PostChanges, now: DateTime<Utc>) -> Self {
        Self {
            title: changes.title.as_ref().map(Title::as_str),
            slug: changes.slug.as_ref().map(Slug::as_str),
            description: changes.description.as_ref().map(Description::as_str),
            body: changes.body.as_ref().map(Body::as_str),
            tags: changes.tags.as_ref().map(tag_names),
            updated_at: now,
        }
    }
}

fn tag_names(tags: &TagList) -> Vec<&str> {
    tags.tags().iter().map(Tag::as_str).collect()
}

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

fn offset_of(page: PageRequest) -> Result<i64, PortError> {
    i64::try_from(page.offset())
        .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))
}

/// Which posts a list or the feed asks for.
struct Selection<'a> {
    status: PostStatus,
    tag: Option<&'a Tag>,
    author: Option<&'a AuthorFilter>,
    favorited_by: Option<&'a Username>,
    search: Option<&'a SearchTerm>,
    /// Only posts whose author this user follows (the feed).
    followed_by: Option<UserId>,
}

impl<'a> Selection<'a> {
    fn of(query: &'a PostQuery) -> Self {
        Self {
            status: query.status,
            tag: query.tag.as_ref(),
            author: query.author.as_ref(),
            favorited_by: query.favorited_by.as_ref(),
            search: query.search.as_ref(),
            followed_by: None,
        }
    }

    /// Every published post: the public list, served from `post_days`.
    fn is_all_published(&self) -> bool {
        self.status == PostStatus::Published
            && self.tag.is_none()
            && self.author.is_none()
            && self.favorited_by.is_none()
            && self.search.is_none()
            && self.followed_by.is_none()
    }

    /// The tag, when it is the only filter of a published list: its total is in `tag_counts`.
    fn only_tag(&self) -> Option<&'a Tag> {
        let only = self.status == PostStatus::Published
            && self.author.is_none()
            && self.favorited_by.is_none()
            && self.search.is_none()
            && self.followed_by.is_none();
        self.tag.filter(|_| only)
    }

    /// The author, when it is the only filter of a published list: the
    /// total is in `author_post_counts`.
    fn only_author(&self) -> Option<&'a AuthorFilter> {
        let only = self.status == PostStatus::Published
            && self.tag.is_none()
            && self.favorited_by.is_none()
            && self.search.is_none()
            && self.followed_by.is_none();
        self.author.filter(|_| only)
    }

    /// The search, when it is the only filter of a published list (see [`SearchPage`]).
    fn only_search(&self) -> Option<&'a SearchTerm> {
        let only = self.status == PostStatus::Published
            && self.tag.is_none()
            && self.author.is_none()
            && self.favorited_by.is_none()
            && self.followed_by.is_none();
        self.search.filter(|_| only)
    }

    /// The reader whose feed this is, when it is the feed (see [`FeedPage`]).
    fn only_feed(&self) -> Option<UserId> {
        let only = self.status == PostStatus::Published
            && self.tag.is_none()
            && self.author.is_none()
            && self.favorited_by.is_none()
            && self.search.is_none();
        self.followed_by.filter(|_| only)
    }

    fn feed(reader: UserId) -> Self {
        Self {
            status: PostStatus::Published,
            tag: None,
            author: None,
            favorited_by: None,
            search: None,
            followed_by: Some(reader),
        }
    }
}

// `users` as the favouriter in the `favoritedBy` filter, whose outer query
// already has `users` as the author.
diesel::alias! {
    const FAVORITER: Alias<Favoriter> = users as favoriter;
}

type PostsWithAuthors = diesel::dsl::InnerJoin<posts::table, users::table>;

/// `posts.search` matches the web-search-style query `term` (quoted phrases,
/// `or`, `-word`). `term` is bound, never spliced into the SQL.
fn search_matches(term: &str) -> FixedWithBind<Bool, Text, String> {
    fixed_with_bind("posts.search @@ websearch_to_tsquery('english', ", term.to_owned(), ")")
}

/// How relevant a post is to the web-search-style query `term`: `ts_rank`
/// over `search_head`, the title (weight A) and description (weight B), so a
/// title match outranks a description match, which outranks a match in the
/// body only (rank 0). Ranking by the whole `search` vector would decompress
/// a vector of the body for every match (see `00000000000007_read_paths`).
fn search_rank(term: &str) -> FixedWithBind<Float, Text, String> {
    fixed_with_bind("ts_rank(posts.search_head, websearch_to_tsquery('english', ", term.to_owned(), "))")
}

/// `posts.status = 'published'` (or `'draft'`) with the status written into
/// the SQL rather than bound: the partial indexes are defined for those
/// literals, and a plan made for a bound `$1` (a generic plan of a prepared
/// statement) could not use them. The text comes from a closed enum, never
/// from input.
fn status_is(status: PostStatus) -> diesel::dsl::Eq<posts::status, Fixed<Text>> {
    posts::status.eq(fixed::<Text>(match status {
        PostStatus::Published => "'published'",
        PostStatus::Draft => "'draft'",
    }))
}

/// The live posts a selection asks for, joined to their authors, as a fresh
/// boxed query (a list runs it twice: once for the page, once to count).
/// Every filter is a `WHERE` condition, so neither statement depends on the
/// page size.
fn matching(selection: &Selection<'_>) -> diesel::dsl::IntoBoxed<'static, PostsWithAuthors, Pg> {
    let mut query = posts::table
        .inner_join(users::table)
        .filter(posts::deleted_at.is_null())
        .filter(status_is(selection.status))
        .into_boxed();
    if let Some(tag) = selection.tag {
        query = query.filter(posts::tags.contains(vec![tag.as_str().to_owned()]));
    }
    match selection.author {
        Some(AuthorFilter::Username(username)) => {
            query = query.filter(users::username.eq(username.as_str().to_owned()))
        }
        Some(AuthorFilter::Id(id)) => query = query.filter(posts::author_id.eq(id.as_uuid())),
        None => {}
    }
    if let Some(username) = selection.favorited_by {
        // The outer query's `users` is the author; the favouriter is another
        // row of it, under an alias.
        let favoriter = FAVORITER
            .filter(FAVORITER.field(users::username).eq(username.as_str().to_owned()))
            .select(FAVORITER.field(users::id));
        query = query.filter(exists(
            favorites::table.filter(favorites::post_id.eq(posts::id)).filter(favorites::user_id.eq_any(favoriter)),
        ));
    }
    if let Some(term) = selection.search {
        query = query.filter(search_matches(term.as_str()));
    }
    if let Some(reader) = selection.followed_by {
        let followees = follows::table.filter(follows::follower_id.eq(reader.as_uuid())).select(follows::followee_id);
        query = query.filter(posts::author_id.eq_any(followees));
    }
    query
}

/// One page of every published post, newest first: the public list without
/// a count or a scan of the newer posts.
///
/// `post_days` gives, per day, its number of published posts and the number
/// in all older days (`older`). The page starts in the newest day that has
/// fewer than `total - offset` older posts: its posts and the newer ones pass
/// the offset. That day is one descent of `post_days_older_idx`, however deep
/// the page. `before` posts lie in newer days, so the page is the posts
/// published before the end of that day, skipping `offset - before` of them
/// (fewer than one day's posts). The page's rows come straight from the
/// partial index's heap fetches, under the name `posts` so the columns read as
/// usual; joining ids from an index-only scan back to `posts` by primary key
/// cost a third more per page (first and deep pages alike), as each row then
/// paid a second index descent. Only the page's rows are joined to their
/// authors. Each row carries the total (`post_total`, see [`counted_columns`]).
/// An offset past the end finds no day and an empty page.
///
/// The first page, by far the most read, needs none of that: it is the
/// newest `limit` posts. It gets a statement of its own without the day's
/// look-up, which cost PostgreSQL a fifth of the first page's instructions
/// (three more scans of `post_total`, the `post_days` descent, and the
/// executor's set-up of their plan nodes at every execution; README,
/// "Performance").
///
/// The page size is written into the SQL (one statement per size, at most
/// 100): with a bound `LIMIT` PostgreSQL prices a generic plan for an unknown
/// number of rows, keeps re-planning the statement for each execution, and
/// planning this statement costs more than running it.
#[derive(Debug, Clone)]
struct LatestPage<S> {
    columns: S,
    offset: i64,
    limit: u32,
}

impl<S: QueryFragment<Pg>> QueryFragment<Pg> for LatestPage<S> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let deeper = self.offset > 0;
        if deeper {
            out.push_sql(
                "WITH start AS (\
                    SELECT day, (SELECT posts FROM post_total) - older - posts AS before FROM post_days \
                    WHERE older < (SELECT posts FROM post_total) - ",
            );
            out.push_bind_param::<BigInt, _>(&self.offset)?;
            out.push_sql(" ORDER BY older DESC, day DESC LIMIT 1) ");
        }
        out.push_sql("SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(" FROM (SELECT * FROM posts WHERE status = 'published' AND deleted_at IS NULL ");
        if deeper {
            out.push_sql("AND published_at < (SELECT to_timestamp(((day + 1) * 86400)::double precision) FROM start) ");
        }
        out.push_sql("ORDER BY published_at DESC, id DESC LIMIT ");
        out.push_sql(&self.limit.to_string());
        if deeper {
            out.push_sql(" OFFSET (SELECT ");
            out.push_bind_param::<BigInt, _>(&self.offset)?;
            out.push_sql(" - before FROM start)");
        }
        out.push_sql(
            ") AS posts \
            JOIN users ON users.id = posts.author_id \
            ORDER BY posts.published_at DESC, posts.id DESC",
        );
        Ok(())
    }
}

impl<S> QueryId for LatestPage<S> {
    type QueryId = ();
    // The text depends on the page size: cached by its SQL, not its type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<S: Expression> Query for LatestPage<S> {
    type SqlType = S::SqlType;
}

/// One page of the feed: the newest live posts of the authors `reader`
/// follows.
///
/// A page can only hold posts that are among the newest `offset + limit` of
/// their author, so the query takes that many from each followed author
/// (an index-only scan of `posts_author_live_idx` per author), sorts those
/// few candidates, and joins only the page's rows to their authors. Its cost
/// follows the number of followed authors and the page, not the number of
/// their posts.
#[derive(Debug, Clone)]
struct FeedPage<S> {
    columns: S,
    reader: Uuid,
    offset: i64,
    limit: u32,
    /// `offset + limit`: how many of each author's newest posts may be on the page.
    window: i64,
}

impl<S: QueryFragment<Pg>> QueryFragment<Pg> for FeedPage<S> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH candidates AS (\
                SELECT newest.id, newest.published_at FROM follows \
                CROSS JOIN LATERAL (\
                    SELECT id, published_at FROM posts \
                    WHERE posts.author_id = follows.followee_id \
                      AND status = 'published' AND deleted_at IS NULL \
                    ORDER BY published_at DESC, id DESC \
                    LIMIT ",
        );
        out.push_bind_param::<BigInt, _>(&self.window)?;
        out.push_sql(") AS newest WHERE follows.follower_id = ");
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.reader)?;
        out.push_sql(
            "), page AS (\
                SELECT id FROM candidates ORDER BY published_at DESC, id DESC LIMIT ",
        );
        out.push_sql(&self.limit.to_string());
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        out.push_sql(") SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(
            " FROM page JOIN posts ON posts.id = page.id JOIN users ON users.id = posts.author_id \
            ORDER BY posts.published_at DESC, posts.id DESC",
        );
        Ok(())
    }
}

impl<S> QueryId for FeedPage<S> {
    type QueryId = ();
    // The text depends on the page size: cached by its SQL, not its type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<S: Expression> Query for FeedPage<S> {
    type SqlType = S::SqlType;
}

/// One page of a search, best match first, with the number of matches.
///
/// A search ranks every match, so it visits them all anyway; the count is
/// a window over the same rows (`count(*) OVER ()`) instead of a second scan.
/// Only the page's rows are joined to their authors. Each row carries the
/// total (`matches.total`, see [`counted_columns`]); a page past the end has
/// no row to carry it, and the caller counts.
#[derive(Debug, Clone)]
struct SearchPage<S> {
    columns: S,
    term: String,
    offset: i64,
    limit: u32,
}

impl<S: QueryFragment<Pg>> QueryFragment<Pg> for SearchPage<S> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH matches AS (\
                SELECT posts.id, posts.published_at, ts_rank(posts.search_head, query) AS rank, \
                       count(*) OVER () AS total \
                FROM posts, websearch_to_tsquery('english', ",
        );
        out.push_bind_param::<Text, _>(&self.term)?;
        out.push_sql(
            ") AS query \
                WHERE posts.status = 'published' AND posts.deleted_at IS NULL AND posts.search @@ query \
                ORDER BY rank DESC, posts.published_at DESC, posts.id DESC \
                LIMIT ",
        );
        out.push_sql(&self.limit.to_string());
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        out.push_sql(") SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(
            " FROM matches JOIN posts ON posts.id = matches.id \
            JOIN users ON users.id = posts.author_id \
            ORDER BY matches.rank DESC, matches.published_at DESC, matches.id DESC",
        );
        Ok(())
    }
}

impl<S> QueryId for SearchPage<S> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<S: Expression> Query for SearchPage<S> {
    type SqlType = S::SqlType;
}

/// The feed's total: the live posts of the followed authors, summed from
/// `author_post_counts` (one index lookup per followed author).
fn feed_total(reader: UserId) -> FixedWithBind<BigInt, diesel::sql_types::Uuid, Uuid> {
    fixed_with_bind(
        "(SELECT coalesce(sum(counts.posts), 0)::bigint FROM follows \
          JOIN author_post_counts AS counts ON counts.author_id = follows.followee_id \
          WHERE follows.follower_id = ",
        reader.as_uuid(),
        ")",
    )
}

/// An author's live posts, from `author_post_counts`, by id.
fn author_total_by_id(author: UserId) -> FixedWithBind<BigInt, diesel::sql_types::Uuid, Uuid> {
    fixed_with_bind(
        "(SELECT coalesce(max(posts), 0)::bigint FROM author_post_counts WHERE author_id = ",
        author.as_uuid(),
        ")",
    )
}

/// An author's live posts, from `author_post_counts`, by username.
fn author_total_by_name(author: &Username) -> FixedWithBind<BigInt, Text, String> {
    fixed_with_bind(
        "(SELECT coalesce(max(counts.posts), 0)::bigint FROM author_post_counts AS counts \
          JOIN users ON users.id = counts.author_id WHERE users.username = ",
        author.as_str().to_owned(),
        ")",
    )
}

impl PgPostRepository {
    /// One page of a selection and the total: two statements whatever the
    /// page size, sent together so that they cost one round trip.
    async fn page_of(
        &self,
        selection: &Selection<'_>,
        reader: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<PostSummary>, PortError> {
        if let Some(term) = selection.only_search() {
            return self.search_page(selection, term, reader, page).await;
        }
        if selection.is_all_published() {
            return self.latest_page(reader, page).await;
        }
        let offset = offset_of(page)?;
        let limit = i64::from(page.limit());
        // The feed reads a few index entries and rows per followed author: it
        // shares the read connection. Other lists may scan, and take a
        // connection of their own.
        let (shared, exclusive) = if selection.only_feed().is_some() {
            (Some(self.pool.get_shared().await.map_err(pool_failed)?), None)
        } else {
            (None, Some(self.pool.get().await.map_err(pool_failed)?))
        };
        let connection: &AsyncPgConnection = match (&shared, &exclusive) {
            (Some(shared), _) => shared.connection(),
            (None, Some(exclusive)) => exclusive,
            (None, None) => unreachable!("one of the two is taken above"),
        };
        // Two futures on one connection are pipelined: both statements go
        // out before the first answer comes back.
        let (mut for_rows, mut for_total) = (connection, connection);

        let rows = async {
            if let Some(reader) = selection.only_feed() {
                let feed = FeedPage {
                    columns: summary_columns(Some(reader)),
                    reader: reader.as_uuid(),
                    offset,
                    limit: page.limit(),
                    window: offset.saturating_add(limit),
                };
                return feed.load::<SummaryWithAuthor>(&mut for_rows).await;
            }
            let mut rows = matching(selection).select(summary_columns(reader));
            if let Some(term) = selection.search {
                // Best match first; the usual order breaks ties.
                rows = rows.order_by(search_rank(term.as_str()).desc());
            }
            rows = match selection.status {
                PostStatus::Published => rows.then_order_by((posts::published_at.desc(), posts::id.desc())),
                PostStatus::Draft => rows.then_order_by((posts::created_at.desc(), posts::id.desc())),
            };
            rows.limit(limit).offset(offset).load::<SummaryWithAuthor>(&mut for_rows).await
        };
        let total = async {
            if let Some(reader) = selection.only_feed() {
                return diesel::select(feed_total(reader)).get_result::<i64>(&mut for_total).await;
            }
            match selection.only_author() {
                Some(AuthorFilter::Id(id)) => {
                    return diesel::select(author_total_by_id(*id)).get_result::<i64>(&mut for_total).await;
                }
                Some(AuthorFilter::Username(name)) => {
                    return diesel::select(author_total_by_name(name)).get_result::<i64>(&mut for_total).await;
                }
                None => {}
            }
            if let Some(tag) = selection.only_tag() {
                let counted: Option<i64> = tag_counts::table
                    .find(tag.as_str())
                    .select(tag_counts::posts)
                    .first(&mut for_total)
                    .await
                    .optional()?;
                return Ok(counted.unwrap_or(0));
            }
            matching(selection).count().get_result::<i64>(&mut for_total).await
        };
        let mut both = futures_util::future::try_join(rows, total).await;
        if let Some(shared) = &shared {
            both = shared.check(both);
        }
        let (rows, total) = both.map_err(query_failed("listing posts"))?;

        let items = rows.into_iter().map(into_summary).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, request: page, total: count(total, "negative post count")? })
    }
}

impl PgPostRepository {
    /// A page of a search and the number of matches, in one statement (see
    /// [`SearchPage`]); a second only for a page past the last match.
    async fn search_page(
        &self,
        selection: &Selection<'_>,
        term: &SearchTerm,
        reader: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<PostSummary>, PortError> {
        let offset = offset_of(page)?;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let rows: Vec<CountedSummary> = SearchPage {
            columns: counted_columns(reader, TotalColumn::SearchMatches),
            term: term.as_str().to_owned(),
            offset,
            limit: page.limit(),
        }
        .load(&mut connection)
        .await
        .map_err(query_failed("searching posts"))?;
        let total = match <[_]>::first(&rows) {
            Some((.., total)) => *total,
            None if offset == 0 => 0,
            None => matching(selection)
                .count()
                .get_result::<i64>(&mut connection)
                .await
                .map_err(query_failed("counting search matches"))?,
        };
        counted_page(rows, total, page)
    }

    /// A page of the public list and the number of published posts, in one
    /// statement (see [`LatestPage`]) on the shared read connection; a second
    /// only for a page past the last post.
    async fn latest_page(&self, reader: Option<UserId>, page: PageRequest) -> Result<Page<PostSummary>, PortError> {
        let offset = offset_of(page)?;
        let shared = self.pool.get_shared().await.map_err(pool_failed)?;
        let mut connection = shared.connection();
        let latest =
            LatestPage { columns: counted_columns(reader, TotalColumn::Published), offset, limit: page.limit() };
        let rows: Vec<CountedSummary> =
            shared.check(latest.load(&mut connection).await).map_err(query_failed("listing posts"))?;
        let total = match <[_]>::first(&rows) {
            Some((.., total)) => *total,
            None if offset == 0 => 0,
            None => shared
                .check(post_total::table.select(post_total::posts).first::<i64>(&mut connection).await)
                .map_err(query_failed("counting posts"))?,
        };
        counted_page(rows, total, page)
    }
}

/// A page from rows that carry their list's total (see [`counted_columns`]).
fn counted_page(rows: Vec<CountedSummary>, total: i64, page: PageRequest) -> Result<Page<PostSummary>, PortError> {
    let items = rows
        .into_iter()
        .map(|(row, author, favorited, following, _)| row.into_summary(author, favorited, following))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, request: page, total: count(total, "negative post count")? })
}

impl PostRepository for PgPostRepository {
    #[tracing::instrument(name = "db.posts.create", skip_all, fields(post_id = %post.id))]
    async fn create(&self, post: &NewPost, events: &[NewEvent]) -> Result<(), PostWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    async fn find_by_slug(&self, slug: &Slug, reader: Option<UserId>) -> Result<Option<Post>, PortError> {
        // One unique-index lookup: it shares the read connection.
        let shared = self.pool.get_shared().await.map_err(pool_failed)?;
        let mut connection = shared.connection();
        let found = PostBySlug::new(slug.as_str(), reader).get_result::<PostWithAuthor>(&mut connection).await;
        let row = shared.check(found.optional()).map_err(query_failed("finding a post by slug"))?;
        row.map(into_post).transpose()
    }

    #[tracing::instrument(name = "db.posts.update", skip_all, fields(post_id = %id))]
    async fn update(
        &self,
        id: PostId,
        changes: &PostChanges,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> Result<(), PostWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let updated = connection
            .transaction(async |connection| {
                let updated = diesel::update(posts::table.find(id.as_uuid()).filter(posts::deleted_at.is_null()))
                    .set(PostChangeset::new(changes, now))
                    .execute(connection)
                    .await?;
                if updated > 0 {
                    insert_events(connection, events).await?;
                }
                Ok(updated)
            })
            .await
            .map_err(write_failed("updating a post"))?;
        if updated == 0 {
            return Err(PostWriteError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(name = "db.posts.publish", skip_all, fields(post_id = %id))]
    async fn publish(&self, id: PostId, now: DateTime<Utc>, events: &[NewEvent]) -> Result<(), PostWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    #[tracing::instrument(name = "db.posts.delete", skip_all, fields(post_id = %id))]
    async fn delete(&self, id: PostId, now: DateTime<Utc>, events: &[NewEvent]) -> Result<(), PostWriteError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let deleted = connection
            .transaction(async |connection| {
                let deleted = diesel::update(posts::table.find(id.as_uuid()).filter(posts::deleted_at.is_null()))
                    .set(posts::deleted_at.eq(now))
                    .execute(connection)
                    .await?;
                if deleted > 0 {
                    insert_events(connection, events).await?;
                }
                Ok(deleted)
            })
            .await
            .map_err(write_failed("deleting a post"))?;
        if deleted == 0 {
            return Err(PostWriteError::NotFound);
        }
        Ok(())
    }

    async fn list(&self, query: &PostQuery) -> Result<Page<PostSummary>, PortError> {
        self.page_of(&Selection::of(query), query.reader, query.page).await
    }

    async fn feed(&self, reader: UserId, page: PageRequest) -> Result<Page<PostSummary>, PortError> {
        self.page_of(&Selection::feed(reader), Some(reader), page).await
    }

    #[tracing::instrument(name = "db.favorites.favorite", skip_all, fields(user_id = %user, post_id = %post))]
    async fn favorite(&self, user: UserId, post: PostId, now: DateTime<Utc>) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    #[tracing::instrument(name = "db.favorites.unfavorite", skip_all, fields(user_id = %user, post_id = %post))]
    async fn unfavorite(&self, user: UserId, post: PostId) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    async fn tags_in_use(&self) -> Result<Vec<TagUsage>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // Kept by triggers on `posts`, in the same transaction as every
        // change, so this is exact without reading a single post.
        let rows: Vec<(String, i64)> = tag_counts::table
            .filter(tag_counts::posts.gt(0))
            .order((tag_counts::posts.desc(), tag_counts::tag.asc()))
            .select((tag_counts::tag, tag_counts::posts))
            .load(&mut connection)
            .await
            .map_err(query_failed("counting tags"))?;
        rows.into_iter()
            .map(|(tag, posts_count)| {
                Ok(TagUsage {
                    tag: Tag::parse(&tag).map_err(invalid_stored("tag_counts.tag"))?,
                    posts_count: count(posts_count, "negative tag count")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;

    use super::*;

    #[test]
    fn the_replayed_post_by_slug_is_the_dsl_statement_with_the_same_binds() {
        let reader = UserId::new(Uuid::from_u128(7));
        for reader in [None, Some(reader)] {
            let replayed = PostBySlug::new("a-slug", reader);
            let dsl = post_by_slug_dsl("a-slug", reader);
            let replayed = debug_query::<Pg, _>(&replayed).to_string();
            assert_eq!(replayed, debug_query::<Pg, _>(&dsl).to_string());
            assert!(replayed.contains("\"a-slug\""), "the slug is bound: {replayed}");
        }
    }

    #[test]
    fn the_anonymous_summary_columns_are_replayed_as_the_dsl_writes_them() {
        let dsl = (SummaryRow::as_select(), AuthorRow::as_select(), no_reader(), no_reader());
        let replayed = debug_query::<Pg, _>(&summary_columns(None)).to_string();
        assert_eq!(replayed, debug_query::<Pg, _>(&dsl).to_string());
        assert!(replayed.starts_with("\"posts\".\"id\", \"posts\".\"slug\""), "{replayed}");
    }

    #[test]
    fn rendering_cuts_the_text_at_each_bind() {
        let rendered = Rendered::of(&post_by_slug_dsl("x", Some(UserId::new(Uuid::nil())))).expect("rendered");
        assert_eq!(rendered.pieces().count(), 4, "three binds: reader twice, slug");
        assert!(rendered.pieces().all(|piece| !piece.contains('$')));
    }
}
