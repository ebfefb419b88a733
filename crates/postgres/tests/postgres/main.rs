//! folio-postgres against a real PostgreSQL: every test gets its own database
//! (see `folio_postgres::testing`), so they run in parallel.

mod account_tokens;
mod comments;
mod fixtures;
mod jobs;
mod lists;
mod migrations;
mod pool;
mod posts;
mod profiles;
mod sessions;
mod statement_count;
mod users;
mod webhooks;
