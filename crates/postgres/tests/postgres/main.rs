//! folio-postgres against a real PostgreSQL: every test gets its own database
//! (see `folio_postgres::testing`), so they run in parallel.

mod fixtures;
mod migrations;
mod pool;
mod sessions;
mod users;
