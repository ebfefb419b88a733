#![doc = include_str!("../README.md")]

mod resolver;
mod secrets;
mod sender;
pub mod signature;

#[cfg(feature = "testing")]
pub mod testing;

pub use resolver::SystemResolver;
pub use secrets::{RandomSecretGenerator, SECRET_PREFIX};
pub use sender::{ReqwestSender, SenderSettings, USER_AGENT};
