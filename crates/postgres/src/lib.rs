#![doc = include_str!("../README.md")]

mod account_tokens;
mod comments;
mod error;
mod jobs;
mod maintenance;
mod migrations;
mod notices;
mod outbox;
mod pool;
mod posts;
mod profiles;
mod schema;
mod sessions;
mod sql;
mod users;
mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

/// For tools that talk to the server without the pool (the demo-data
/// generator, `folio-seed`): the URL parsed as the pool parses it, a server
/// named without its password, identifier quoting and error text.
pub mod server {
    pub use crate::error::error_chain;
    pub use crate::pool::connect::{describe_target, parse_url};
    pub use crate::pool::database::quote_identifier;
}

pub use account_tokens::PgAccountTokenRepository;
pub use comments::PgCommentRepository;
pub use error::DatabaseError;
pub use jobs::PgJobStore;
pub use maintenance::PgMaintenance;
pub use migrations::run_migrations;
pub use notices::PgCommentNotices;
pub use pool::{PgPool, PoolSettings, build_pool, build_sharded_pool, ensure_database_exists, ping};
pub use posts::PgPostRepository;
pub use profiles::PgProfileRepository;
pub use sessions::PgSessionStore;
pub use users::PgUserRepository;
pub use webhooks::PgWebhookRepository;
