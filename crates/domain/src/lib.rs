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

pub mod accounts;
pub mod content;
pub mod credentials;
pub mod error;
pub mod events;
pub mod jobs;
pub mod mail;
pub mod pagination;
pub mod ports;
pub mod user;
pub mod webhooks;

pub use error::{FieldError, FieldProblem, PortError, ValidationErrors};
