//! Lists of posts filtered by the API's parameters, written in Diesel's DSL:
//! every filter is a `WHERE` condition, so neither the page nor its total
//! depends on the page size. What the DSL has no word for (full-text search,
//! a status written as a literal) is a [`crate::sql`] fragment inside it.
//! The lists that have a hand-tuned statement (the public list, the feed, a
//! search alone) are sent to [`super::pages`].

use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::accounts::values::{UserId, Username};
use folio_domain::content::model::PostSummary;
use folio_domain::content::values::{PostStatus, Tag};
use folio_domain::content::{AuthorSelector, PostListing};
use folio_domain::pagination::{Page, PageRequest, SearchTerm};

use super::pages::{self, FeedPage, Total};
use super::rows::{SummaryWithAuthor, into_summary, summary_columns};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::profiles::{count, reader_or_nil};
use crate::schema::{favorites, follows, posts, tag_counts, users};
use crate::sql::{Fixed, FixedWithBind, fixed, fixed_with_bind};

pub(super) fn offset_of(page: PageRequest) -> Result<i64, PortError> {
    i64::try_from(page.offset())
        .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))
}

/// Whose posts a list asks for, once [`AuthorSelector::Me`] is the reader.
#[derive(Debug, Clone, Copy)]
enum Author<'a> {
    Named(&'a Username),
    Id(UserId),
}

/// Which posts a list or the feed asks for.
pub(super) struct Selection<'a> {
    status: PostStatus,
    tag: Option<&'a Tag>,
    author: Option<Author<'a>>,
    favorited_by: Option<&'a Username>,
    search: Option<&'a SearchTerm>,
    /// Only posts whose author this user follows (the feed).
    followed_by: Option<UserId>,
}

impl<'a> Selection<'a> {
    /// What `listing` asks for, as `reader` sees it. `author=me` without a
    /// reader (which the service never asks for) is the nil id's posts: none.
    pub(super) fn of(listing: &'a PostListing, reader: Option<UserId>) -> Self {
        let author = listing.author.as_ref().map(|author| match author {
            AuthorSelector::Username(username) => Author::Named(username),
            AuthorSelector::Me => Author::Id(UserId::new(reader_or_nil(reader))),
        });
        Self {
            status: listing.status(),
            tag: listing.tag.as_ref(),
            author,
            favorited_by: listing.favorited_by.as_ref(),
            search: listing.search.as_ref(),
            followed_by: None,
        }
    }

    /// How many filters a published list has (`None` for drafts): a list
    /// with one filter alone, or none, may read its total from a counter.
    fn published_filters(&self) -> Option<usize> {
        let set = [
            self.tag.is_some(),
            self.author.is_some(),
            self.favorited_by.is_some(),
            self.search.is_some(),
            self.followed_by.is_some(),
        ];
        (self.status == PostStatus::Published).then(|| set.into_iter().filter(|set| *set).count())
    }

    /// `filter`, when it is set and the only filter of a published list.
    fn alone<T>(&self, filter: Option<T>) -> Option<T> {
        filter.filter(|_| self.published_filters() == Some(1))
    }

    /// Every published post: the public list, served from `post_days`.
    fn is_all_published(&self) -> bool {
        self.published_filters() == Some(0)
    }

    /// The tag, when it is the only filter of a published list: its total is in `tag_counts`.
    fn only_tag(&self) -> Option<&'a Tag> {
        self.alone(self.tag)
    }

    /// The author, when it is the only filter of a published list: the
    /// total is in `author_post_counts`.
    fn only_author(&self) -> Option<Author<'a>> {
        self.alone(self.author)
    }

    /// The search, when it is the only filter of a published list (see [`pages::search_page`]).
    fn only_search(&self) -> Option<&'a SearchTerm> {
        self.alone(self.search)
    }

    /// The reader whose feed this is, when it is the feed (see [`FeedPage`]).
    fn only_feed(&self) -> Option<UserId> {
        self.alone(self.followed_by)
    }

    pub(super) fn feed(reader: UserId) -> Self {
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
pub(super) fn matching(selection: &Selection<'_>) -> diesel::dsl::IntoBoxed<'static, PostsWithAuthors, Pg> {
    let mut query = posts::table
        .inner_join(users::table)
        .filter(posts::deleted_at.is_null())
        .filter(status_is(selection.status))
        .into_boxed();
    if let Some(tag) = selection.tag {
        query = query.filter(posts::tags.contains(vec![tag.as_str().to_owned()]));
    }
    match selection.author {
        Some(Author::Named(username)) => query = query.filter(users::username.eq(username.as_str().to_owned())),
        Some(Author::Id(id)) => query = query.filter(posts::author_id.eq(id.as_uuid())),
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

/// One page of a selection and the total: two statements whatever the
/// page size, sent together so that they cost one round trip.
pub(super) async fn page_of(
    pool: &PgPool,
    selection: &Selection<'_>,
    reader: Option<UserId>,
    page: PageRequest,
) -> Result<Page<PostSummary>, PortError> {
    if let Some(term) = selection.only_search() {
        return pages::search_page(pool, selection, term, reader, page).await;
    }
    if selection.is_all_published() {
        return pages::latest_page(pool, reader, page).await;
    }
    let offset = offset_of(page)?;
    let limit = i64::from(page.limit());
    // The feed reads a few index entries and rows per followed author: it
    // shares the read connection. Other lists may scan, and take a
    // connection of their own.
    let (shared, exclusive) = if selection.only_feed().is_some() {
        (Some(pool.get_shared().await.map_err(pool_failed)?), None)
    } else {
        (None, Some(pool.get().await.map_err(pool_failed)?))
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
            let feed = FeedPage::new(reader, page, offset);
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
            return Total::of_feed(reader)?.get_result::<i64>(&mut for_total).await;
        }
        match selection.only_author() {
            Some(Author::Id(id)) => {
                return Total::of_author_id(id)?.get_result::<i64>(&mut for_total).await;
            }
            Some(Author::Named(name)) => {
                return Total::of_author_name(name)?.get_result::<i64>(&mut for_total).await;
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
