#![doc = include_str!("../README.md")]

mod comments;
mod connection;
mod error;
mod migrations;
mod outbox;
mod posts;
mod profiles;
mod schema;
pub mod seed;
mod sessions;
mod sql;
mod users;

#[cfg(feature = "testing")]
pub mod testing;

pub use comments::PgCommentRepository;
pub use connection::{PgPool, PoolSettings, build_pool, build_sharded_pool, ensure_database_exists, ping};
pub use error::DatabaseError;
pub use migrations::run_migrations;
pub use posts::PgPostRepository;
pub use profiles::PgProfileRepository;
pub use sessions::PgSessionStore;
pub use users::PgUserRepository;
