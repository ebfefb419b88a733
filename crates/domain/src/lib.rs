#![doc = include_str!("../README.md")]

/// `String::from(value)` for text newtypes: hands the checked text on (to a
/// response body, say) without copying it.
macro_rules! into_string {
    ($($name:ty),+ $(,)?) => {
        $(
            impl From<$name> for String {
                fn from(value: $name) -> Self {
                    value.0
                }
            }
        )+
    };
}

// Features: one folder each, the same shape in every one.
pub mod accounts;
pub mod content;
pub mod jobs;
pub mod mail;
pub mod webhooks;

// Shared by several features.
mod errors;
pub mod events;
pub mod pagination;
pub mod rate_limit;
pub mod system;
pub mod text;

pub use errors::{FieldError, FieldProblem, PortError, ValidationErrors};
