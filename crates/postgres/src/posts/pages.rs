//! The hand-tuned list queries: the public list, the feed, a search and the
//! totals read from the counting tables. Each statement is a `.sql` file
//! beside this one, and the structs here bind it: the select list (the
//! summary's columns, as [`summary_columns`] writes them for the reader), the
//! bound values, and the page size.
//!
//! The page size is written into the SQL (one statement per size, at most
//! 100): with a bound `LIMIT` PostgreSQL prices a generic plan for an unknown
//! number of rows, keeps re-planning the statement for each execution, and
//! planning these statements costs more than running them.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, SqlType, Text};
use diesel_async::RunQueryDsl;
use folio_domain::PortError;
use folio_domain::accounts::values::UserId;
use folio_domain::content::model::PostSummary;
use folio_domain::pagination::{Page, PageRequest, SearchTerm};
use uuid::Uuid;

use super::lists::{Selection, matching, offset_of};
use super::rows::{CountedSqlType, CountedSummary, SummaryColumns, SummarySqlType, summary_columns};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::profiles::count;
use crate::schema::post_total;
use crate::sql::{SqlFile, sql_file, unknown_slot};

/// One page of every published post, newest first, with the number of
/// published posts in every row (`latest_first_page.sql`, `latest_page.sql`).
///
/// A page deeper than the first starts in the day where the count of newer
/// posts (from `post_days`) passes the offset, found by one index descent,
/// so a deep page costs what the first does (migrations
/// `00000000000003_list_counts` and `00000000000009_post_days_older`). The
/// page's rows come straight from the partial index's heap fetches, under the
/// name `posts`: joining ids from an index-only scan back to `posts` would pay
/// a second index descent per row. Only the page's rows are joined to their
/// authors.
///
/// The first page, by far the most read, is a statement of its own without
/// the day's look-up: it saves three scans of `post_total`, the `post_days`
/// descent and the set-up of their plan nodes at every execution (measured
/// with `just instructions --postgres`).
struct LatestPage {
    columns: SummaryColumns,
    offset: i64,
    limit: u32,
}

impl QueryFragment<Pg> for LatestPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let this: &'b Self = self;
        let file = if this.offset > 0 { sql_file!("latest_page.sql")? } else { sql_file!("latest_first_page.sql")? };
        file.walk(&mut out, move |slot, out| match slot {
            "columns" => this.columns.walk_ast(out.reborrow()),
            "offset" => out.push_bind_param::<BigInt, _>(&this.offset),
            "limit" => {
                out.push_sql(&this.limit.to_string());
                Ok(())
            }
            other => Err(unknown_slot(other)),
        })
    }
}

/// One page of the feed: the newest live posts of the authors `reader`
/// follows (`feed_page.sql`). Its cost follows the number of followed authors
/// and the page, not the number of their posts.
pub(super) struct FeedPage {
    columns: SummaryColumns,
    reader: Uuid,
    offset: i64,
    limit: u32,
    /// `offset + limit`: how many of each author's newest posts may be on the page.
    window: i64,
}

impl FeedPage {
    pub(super) fn new(reader: UserId, page: PageRequest, offset: i64) -> Self {
        Self {
            columns: summary_columns(Some(reader)),
            reader: reader.as_uuid(),
            offset,
            limit: page.limit(),
            window: offset.saturating_add(i64::from(page.limit())),
        }
    }
}

impl QueryFragment<Pg> for FeedPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let this: &'b Self = self;
        sql_file!("feed_page.sql")?.walk(&mut out, move |slot, out| match slot {
            "columns" => this.columns.walk_ast(out.reborrow()),
            "window" => out.push_bind_param::<BigInt, _>(&this.window),
            "reader" => out.push_bind_param::<diesel::sql_types::Uuid, _>(&this.reader),
            "offset" => out.push_bind_param::<BigInt, _>(&this.offset),
            "limit" => {
                out.push_sql(&this.limit.to_string());
                Ok(())
            }
            other => Err(unknown_slot(other)),
        })
    }
}

/// One page of a search, best match first, with the number of matches in
/// every row (`search_page.sql`); a page past the end has no row to carry it,
/// and the caller counts.
struct SearchPage {
    columns: SummaryColumns,
    term: String,
    offset: i64,
    limit: u32,
}

impl QueryFragment<Pg> for SearchPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let this: &'b Self = self;
        sql_file!("search_page.sql")?.walk(&mut out, move |slot, out| match slot {
            "columns" => this.columns.walk_ast(out.reborrow()),
            "term" => out.push_bind_param::<Text, _>(&this.term),
            "offset" => out.push_bind_param::<BigInt, _>(&this.offset),
            "limit" => {
                out.push_sql(&this.limit.to_string());
                Ok(())
            }
            other => Err(unknown_slot(other)),
        })
    }
}

/// A list's total read from a counting table: a `.sql` file with one slot,
/// for a value bound as `BT`.
pub(super) struct Total<BT, V> {
    file: &'static SqlFile,
    value: V,
    bind_type: std::marker::PhantomData<BT>,
}

impl Total<diesel::sql_types::Uuid, Uuid> {
    /// The live posts of the authors `reader` follows (`feed_total.sql`).
    pub(super) fn of_feed(reader: UserId) -> QueryResult<Self> {
        Ok(Self::new(sql_file!("feed_total.sql")?, reader.as_uuid()))
    }

    /// An author's live posts (`author_total_by_id.sql`).
    pub(super) fn of_author_id(author: UserId) -> QueryResult<Self> {
        Ok(Self::new(sql_file!("author_total_by_id.sql")?, author.as_uuid()))
    }
}

impl Total<Text, String> {
    /// An author's live posts, by username (`author_total_by_name.sql`).
    pub(super) fn of_author_name(author: &folio_domain::accounts::values::Username) -> QueryResult<Self> {
        Ok(Self::new(sql_file!("author_total_by_name.sql")?, author.as_str().to_owned()))
    }
}

impl<BT, V> Total<BT, V> {
    fn new(file: &'static SqlFile, value: V) -> Self {
        Self { file, value, bind_type: std::marker::PhantomData }
    }
}

impl<BT, V> QueryFragment<Pg> for Total<BT, V>
where
    BT: SqlType + Send,
    Pg: HasSqlType<BT>,
    V: ToSql<BT, Pg> + Send,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let value: &'b V = &self.value;
        self.file.walk(&mut out, move |_, out| out.push_bind_param::<BT, V>(value))
    }
}

macro_rules! hand_written_query {
    ($($query:ty => $sql_type:ty),* $(,)?) => {$(
        impl QueryId for $query {
            type QueryId = ();
            // The text depends on the page size or the file: cached by its
            // SQL, not its type.
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl Query for $query {
            type SqlType = $sql_type;
        }
    )*};
}

hand_written_query! {
    LatestPage => CountedSqlType,
    FeedPage => SummarySqlType,
    SearchPage => CountedSqlType,
}

impl<BT, V> QueryId for Total<BT, V> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<BT, V> Query for Total<BT, V> {
    type SqlType = BigInt;
}

/// A page of a search and the number of matches, in one statement; a second
/// only for a page past the last match.
pub(super) async fn search_page(
    pool: &PgPool,
    selection: &Selection<'_>,
    term: &SearchTerm,
    reader: Option<UserId>,
    page: PageRequest,
) -> Result<Page<PostSummary>, PortError> {
    let offset = offset_of(page)?;
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let rows: Vec<CountedSummary> =
        SearchPage { columns: summary_columns(reader), term: term.as_str().to_owned(), offset, limit: page.limit() }
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
/// statement on the shared read connection; a second only for a page past
/// the last post.
pub(super) async fn latest_page(
    pool: &PgPool,
    reader: Option<UserId>,
    page: PageRequest,
) -> Result<Page<PostSummary>, PortError> {
    let offset = offset_of(page)?;
    let shared = pool.get_shared().await.map_err(pool_failed)?;
    let mut connection = shared.connection();
    let latest = LatestPage { columns: summary_columns(reader), offset, limit: page.limit() };
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

/// A page from rows that carry their list's total.
fn counted_page(rows: Vec<CountedSummary>, total: i64, page: PageRequest) -> Result<Page<PostSummary>, PortError> {
    let items = rows
        .into_iter()
        .map(|(row, author, favorited, following, _)| row.into_summary(author, favorited, following))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, request: page, total: count(total, "negative post count")? })
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;
    use folio_domain::accounts::values::Username;

    use super::*;

    fn text(query: &impl QueryFragment<Pg>) -> String {
        debug_query::<Pg, _>(query).to_string()
    }

    #[test]
    fn every_slot_of_the_hand_written_queries_is_filled() {
        let reader = UserId::new(Uuid::from_u128(7));
        let page = PageRequest::from_offset(Some(40), Some(20)).expect("valid");
        for who in [None, Some(reader)] {
            for offset in [0, 40] {
                let latest = text(&LatestPage { columns: summary_columns(who), offset, limit: 20 });
                assert!(latest.contains("LIMIT 20") && !latest.contains('{'), "{latest}");
            }
            let search = SearchPage { columns: summary_columns(who), term: "ferris".into(), offset: 40, limit: 20 };
            let search = text(&search);
            assert!(search.contains("\"ferris\"") && !search.contains('{'), "{search}");
        }
        let feed = text(&FeedPage::new(reader, page, 40));
        assert!(feed.contains("binds: [60, ") && !feed.contains('{'), "window, reader, offset: {feed}");
        let username = Username::parse("alice").expect("valid");
        for total in [
            text(&Total::of_feed(reader).expect("parsed")),
            text(&Total::of_author_id(reader).expect("parsed")),
            text(&Total::of_author_name(&username).expect("parsed")),
        ] {
            assert!(total.contains("$1") && !total.contains("$2") && !total.contains('{'), "{total}");
        }
    }
}
