//! The value objects of webhooks: ids, the endpoint URL, the set of events an
//! endpoint subscribes to, and the signing secret.
//!
//! [`WebhookUrl`] is deliberately stricter than a general URL parser: the host
//! it reports is the one that is checked against private addresses and the
//! one that is connected to, so there must be no spelling of a URL that this
//! parser and an HTTP client read as two different hosts (`user@host`,
//! backslashes, percent-encoded or numeric shorthand hosts such as
//! `http://2130706433/` are all refused).

mod events;
mod ids;
mod secret;
mod status;
mod url;

pub use events::{EventSet, EventSetError};
pub use ids::{DeliveryId, WebhookId};
pub use secret::WebhookSecret;
pub use status::{DeliveryStatus, DisabledReason};
pub use url::{Host, Scheme, WebhookUrl, WebhookUrlError};
