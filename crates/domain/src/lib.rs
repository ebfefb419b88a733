#![doc = include_str!("../README.md")]

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
