#![doc = include_str!("../README.md")]

mod connection;
mod error;
mod migrations;
mod schema;
mod sessions;
mod users;

#[cfg(feature = "testing")]
pub mod testing;

pub use connection::{PgPool, PoolSettings, build_pool, ensure_database_exists, ping};
pub use error::DatabaseError;
pub use migrations::run_migrations;
pub use sessions::PgSessionStore;
pub use users::PgUserRepository;
