//! Reads of one post and of the tags in use, written in Diesel's DSL. The
//! read of a post by its slug, the most frequent of all, replays the text its
//! DSL renders (see [`Rendered`]); a test keeps the two the same.

use std::sync::OnceLock;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use folio_domain::PortError;
use folio_domain::accounts::values::UserId;
use folio_domain::content::model::{Post, TagUsage};
use folio_domain::content::values::{Slug, Tag};
use uuid::Uuid;

use super::rows::{PostSqlType, PostWithAuthor, into_post, post_columns};
use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::pool::PgPool;
use crate::profiles::count;
use crate::schema::{posts, tag_counts, users};
use crate::sql::{Rendered, next_piece, rendered_once};

/// The statement of [`find_by_slug`], as the DSL writes it.
///
/// Slugs are unique (`posts_slug_key`), so it has no `LIMIT`: the plan would
/// gain a Limit node, whose set-up at every execution (a row type of all the
/// columns, looked up column by column) is a measurable share of the read
/// (`just instructions --postgres`).
pub(super) fn post_by_slug_dsl(slug: &str, reader: Option<UserId>) -> impl QueryFragment<Pg> + '_ {
    posts::table
        .inner_join(users::table)
        .filter(posts::slug.eq(slug))
        .filter(posts::deleted_at.is_null())
        .select(post_columns(reader))
}

/// [`post_by_slug_dsl`] replayed from its text, rendered once per kind of
/// reader (see [`Rendered`]): the most frequent read of all.
pub(super) struct PostBySlug<'a> {
    slug: &'a str,
    reader: Option<Uuid>,
}

impl<'a> PostBySlug<'a> {
    pub(super) fn new(slug: &'a str, reader: Option<UserId>) -> Self {
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

/// A live post by its slug, as `reader` sees it.
pub(super) async fn find_by_slug(
    pool: &PgPool,
    slug: &Slug,
    reader: Option<UserId>,
) -> Result<Option<Post>, PortError> {
    // One unique-index lookup: it shares the read connection.
    let shared = pool.get_shared().await.map_err(pool_failed)?;
    let mut connection = shared.connection();
    let found = PostBySlug::new(slug.as_str(), reader).get_result::<PostWithAuthor>(&mut connection).await;
    let row = shared.check(found.optional()).map_err(query_failed("finding a post by slug"))?;
    row.map(into_post).transpose()
}

/// Every tag on a published, live post, most used first.
pub(super) async fn tags_in_use(pool: &PgPool) -> Result<Vec<TagUsage>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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
    fn rendering_cuts_the_text_at_each_bind() {
        let rendered = Rendered::of(&post_by_slug_dsl("x", Some(UserId::new(Uuid::nil())))).expect("rendered");
        assert_eq!(rendered.pieces().count(), 4, "three binds: reader twice, slug");
        assert!(rendered.pieces().all(|piece| !piece.contains('$')));
    }
}
