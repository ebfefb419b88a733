#![doc = include_str!("../README.md")]

mod account_tokens;
mod bcrypt_hasher;
mod jwt;

pub use account_tokens::HmacAccountTokenKeys;
pub use bcrypt_hasher::BcryptHasher;
pub use jwt::{JwtIssuer, JwtSettings};
