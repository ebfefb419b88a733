//! SQL that Diesel's DSL cannot say, written so that the statements holding
//! it are still prepared once per connection.
//!
//! Diesel never caches a statement that contains an `sql()` literal (the
//! text might have been built at run time, so the cache could grow without
//! bound): every execution then pays an extra round trip to prepare the
//! statement and a fresh plan. The fragments here hold only `&'static str`
//! text, so each call site produces one fixed statement text and caching is
//! safe. Values are always bound, never spliced into the text.

use std::marker::PhantomData;
use std::sync::OnceLock;

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping};
use diesel::pg::Pg;
use diesel::pg::PgQueryBuilder;
use diesel::query_builder::{AstPass, QueryBuilder, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{HasSqlType, SqlType};
use diesel::{expression::is_aggregate, serialize::ToSql};

/// An expression of type `ST` written as fixed SQL text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed<ST> {
    sql: &'static str,
    sql_type: PhantomData<ST>,
}

/// `sql` as an expression of type `ST`.
pub(crate) fn fixed<ST>(sql: &'static str) -> Fixed<ST> {
    Fixed { sql, sql_type: PhantomData }
}

impl<ST: TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<Pg> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    // The text varies between call sites, so the type alone does not name
    // the statement; the cache keys it by its SQL instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST: TypedExpressionType> SelectableExpression<QS> for Fixed<ST> {}
impl<QS, ST: TypedExpressionType> AppearsOnTable<QS> for Fixed<ST> {}
impl<ST, GB> ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = is_aggregate::Never;
}

/// `<before> $n <after>`: fixed text around one bound value of SQL type `BT`.
#[derive(Debug, Clone)]
pub(crate) struct FixedWithBind<ST, BT, V> {
    before: &'static str,
    value: V,
    after: &'static str,
    types: PhantomData<(ST, BT)>,
}

/// `before`, then `value` bound as `BT`, then `after`, as an expression of type `ST`.
pub(crate) fn fixed_with_bind<ST, BT, V>(
    before: &'static str,
    value: V,
    after: &'static str,
) -> FixedWithBind<ST, BT, V> {
    FixedWithBind { before, value, after, types: PhantomData }
}

impl<ST: TypedExpressionType, BT, V> Expression for FixedWithBind<ST, BT, V> {
    type SqlType = ST;
}

impl<ST, BT, V> QueryFragment<Pg> for FixedWithBind<ST, BT, V>
where
    BT: SqlType,
    Pg: HasSqlType<BT>,
    V: ToSql<BT, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.before);
        out.push_bind_param::<BT, V>(&self.value)?;
        out.push_sql(self.after);
        Ok(())
    }
}

impl<ST, BT, V> QueryId for FixedWithBind<ST, BT, V> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST: TypedExpressionType, BT, V> SelectableExpression<QS> for FixedWithBind<ST, BT, V> {}
impl<QS, ST: TypedExpressionType, BT, V> AppearsOnTable<QS> for FixedWithBind<ST, BT, V> {}
impl<ST, BT, V, GB> ValidGrouping<GB> for FixedWithBind<ST, BT, V> {
    type IsAggregate = is_aggregate::Never;
}

/// A statement's text as Diesel's DSL renders it, cut at its bind parameters,
/// so that it is rendered once per process and replayed on every execution.
///
/// Diesel walks a query's expression tree three times per execution (for the
/// text, the binds, and whether it may be cached), quoting every identifier
/// into a fresh string each time, a visible share of a one-row read's cost
/// (`just instructions`). A statement replayed from [`Rendered`] pushes the
/// same text and binds the same values in the same order as its DSL twin;
/// a test compares the two with `debug_query` so they cannot drift apart.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The text before the first bind, between binds, and after the last.
    pieces: Vec<String>,
}

impl Rendered {
    /// The text of `query`, which must not contain a `$` except in its bind
    /// parameters (Diesel writes them `$1`, `$2`, ...).
    pub(crate) fn of(query: &impl QueryFragment<Pg>) -> QueryResult<Self> {
        let mut builder = PgQueryBuilder::default();
        query.to_sql(&mut builder, &Pg)?;
        let sql = builder.finish();
        let mut pieces = Vec::new();
        let mut rest = sql.as_str();
        while let Some(at) = rest.find('$') {
            let digits = rest[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(diesel::result::Error::QueryBuilderError("a `$` that is not a bind parameter".into()));
            }
            pieces.push(rest[..at].to_owned());
            rest = &rest[at + 1 + digits..];
        }
        pieces.push(rest.to_owned());
        Ok(Self { pieces })
    }

    /// The pieces in order, for a `walk_ast` that pushes a bind between each
    /// two of them.
    pub(crate) fn pieces(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().map(String::as_str)
    }

    /// The whole text, when it binds nothing.
    pub(crate) fn without_binds(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// The statement kept in `cell`, rendered by `render` on first use.
pub(crate) fn rendered_once(
    cell: &'static OnceLock<Result<Rendered, String>>,
    render: impl FnOnce() -> QueryResult<Rendered>,
) -> QueryResult<&'static Rendered> {
    cell.get_or_init(|| render().map_err(|error| error.to_string()))
        .as_ref()
        .map_err(|error| diesel::result::Error::QueryBuilderError(error.clone().into()))
}

/// The piece `pieces` yields next, or an error when the replayed statement
/// has more binds than its rendered text (a bug its tests catch).
pub(crate) fn next_piece<'a>(pieces: &mut impl Iterator<Item = &'a str>) -> QueryResult<&'a str> {
    pieces.next().ok_or_else(|| diesel::result::Error::QueryBuilderError("more binds than rendered text".into()))
}

/// A statement written by hand in a `.sql` file beside the code that binds
/// it, with `{name}` slots where that code puts a bound value, the select list
/// or the page size (see [`sql_file!`]).
///
/// The file's comments (from `--` to the end of the line; the files hold no
/// string with `--` in it) are left out and its lines joined with one space,
/// so PostgreSQL receives (and the statement cache keys) one line of text, as
/// it would from a string in the code.
#[derive(Debug)]
pub(crate) struct SqlFile {
    /// The text before the first slot, between slots, and after the last.
    pieces: Vec<String>,
    /// The slots' names, in order: `pieces.len() - 1` of them.
    slots: Vec<String>,
}

impl SqlFile {
    /// Parses the text of a `.sql` file.
    ///
    /// # Errors
    /// A `{` without its `}`, or an empty slot name.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let joined = text
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default().trim())
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let (mut pieces, mut slots) = (Vec::new(), Vec::new());
        let mut rest = joined.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').ok_or_else(|| format!("a `{{` without its `}}` in {joined}"))? + open;
            let slot = rest[open + 1..close].trim();
            if slot.is_empty() {
                return Err(format!("an empty slot in {joined}"));
            }
            pieces.push(rest[..open].to_owned());
            slots.push(slot.to_owned());
            rest = &rest[close + 1..];
        }
        pieces.push(rest.to_owned());
        Ok(Self { pieces, slots })
    }

    /// Pushes the statement, calling `fill` for each slot in turn.
    ///
    /// # Errors
    /// What `fill` returns (an unknown slot name is a bug its tests catch).
    pub(crate) fn walk<'b>(
        &self,
        out: &mut AstPass<'_, 'b, Pg>,
        mut fill: impl FnMut(&str, &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>,
    ) -> QueryResult<()> {
        for (piece, slot) in self.pieces.iter().zip(&self.slots) {
            out.push_sql(piece);
            fill(slot, out)?;
        }
        if let Some(last) = self.pieces.last() {
            out.push_sql(last);
        }
        Ok(())
    }
}

/// The error of a slot that the statement's code does not fill.
pub(crate) fn unknown_slot(slot: &str) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(format!("no value for the slot `{{{slot}}}`").into())
}

/// The statement kept in `cell`, parsed from `text` on first use.
pub(crate) fn sql_file_once(
    cell: &'static OnceLock<Result<SqlFile, String>>,
    text: &'static str,
) -> QueryResult<&'static SqlFile> {
    cell.get_or_init(|| SqlFile::parse(text))
        .as_ref()
        .map_err(|error| diesel::result::Error::QueryBuilderError(error.clone().into()))
}

/// The [`SqlFile`] at `$path` (relative to the calling file), parsed once per
/// process: `sql_file!("feed_page.sql")?`.
macro_rules! sql_file {
    ($path:literal) => {{
        static FILE: ::std::sync::OnceLock<::std::result::Result<$crate::sql::SqlFile, ::std::string::String>> =
            ::std::sync::OnceLock::new();
        $crate::sql::sql_file_once(&FILE, include_str!($path))
    }};
}
pub(crate) use sql_file;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sql_file_is_one_line_without_its_comments_cut_at_its_slots() {
        let file = SqlFile::parse("-- why\nSELECT {columns}\n  FROM posts -- no\nLIMIT {limit}\n").expect("parsed");
        assert_eq!(file.slots, ["columns", "limit"]);
        assert_eq!(file.pieces, ["SELECT ", " FROM posts LIMIT ", ""]);
    }

    #[test]
    fn a_sql_file_with_a_broken_slot_is_refused() {
        for text in ["SELECT {columns", "SELECT {} FROM posts"] {
            assert!(SqlFile::parse(text).is_err(), "{text}");
        }
    }
}
