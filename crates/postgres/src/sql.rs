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

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
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
