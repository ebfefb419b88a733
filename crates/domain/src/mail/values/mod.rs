//! The values of account e-mail: single-use tokens (their purpose, id, the
//! token a user receives and the digest storage keeps) and the public base
//! URL that links in messages start with.

mod links;
mod tokens;

pub use links::{InvalidBaseUrl, PublicBaseUrl};
pub use tokens::{AccountToken, AccountTokenHash, AccountTokenId, TokenPurpose, UnknownPurpose};
