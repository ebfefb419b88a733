//! Webhooks: admins register URLs that receive signed POSTs of public events.
//!
//! - [`WebhookService`] is what drivers call to manage endpoints; [`Webhooks`]
//!   implements it over the ports. Only admins may use it.
//! - [`WebhookDispatcher`] turns events into deliveries (it is an
//!   [`crate::jobs::ports::EventSubscriber`]: one `webhook.delivery` job per enabled
//!   endpoint subscribed to the event's type, registered before the event
//!   happened) and makes them (it is the
//!   [`crate::jobs::ports::JobHandler`] of [`crate::jobs::values::JobKind::WebhookDelivery`]).
//! - [`TargetPolicy`] keeps deliveries away from private networks: URLs are
//!   checked when registered and again, resolved afresh, before every attempt.
//!
//! The rules of delivery:
//! - the body is `{"id", "type", "createdAt", "data"}` ([`payload`]), signed by
//!   the sender with the endpoint's secret;
//! - a 2xx answer is a success and resets the endpoint's consecutive failures;
//! - anything else (no answer, a timeout, a redirect, any other status, a URL
//!   that now resolves to a private address) is a failed attempt: the job is
//!   retried with backoff by the runner until its attempts run out, and the
//!   endpoint's consecutive failures grow by one;
//! - when they reach [`DeliveryPolicy::disable_after_failures`], the endpoint
//!   is disabled (reason `failures`); its pending deliveries are then given up
//!   without being sent, and an admin re-enables it with `enabled: true`.

mod delivery;
mod errors;
pub mod model;
pub mod ports;
mod service;
pub mod target;
pub mod values;

#[cfg(test)]
mod tests;

use std::future::Future;

pub use delivery::{DeliveryPolicy, WebhookDispatcher, payload};
pub use errors::{CreateWebhookError, UpdateWebhookError, WebhookAdminError};
pub use service::Webhooks;
pub use target::{CheckedTarget, TargetPolicy, TargetRefused, is_public};

use self::model::{CreatedEndpoint, Delivery, WebhookEndpoint};
use self::ports::EndpointChanges;
use self::values::{EventSet, WebhookId, WebhookUrl};
use crate::accounts::values::Principal;
use crate::pagination::{Page, PageRequest};

/// A validated registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRegistration {
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// What it receives.
    pub events: EventSet,
    /// `false` registers it disabled.
    pub enabled: bool,
}

/// What admins do with webhook endpoints.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait WebhookService: Send + Sync + 'static {
    /// Registers an endpoint with a new secret, which the answer carries this
    /// once and no other answer ever does.
    ///
    /// # Errors
    /// [`CreateWebhookError::Forbidden`] unless the caller is an admin;
    /// [`CreateWebhookError::Validation`] on `url` when its host does not
    /// resolve or resolves to an address that is not public (unless private
    /// targets are allowed).
    fn create_endpoint(
        &self,
        actor: Principal,
        registration: EndpointRegistration,
    ) -> impl Future<Output = Result<CreatedEndpoint, CreateWebhookError>> + Send;

    /// Lists endpoints, oldest first.
    ///
    /// # Errors
    /// [`WebhookAdminError::Forbidden`] unless the caller is an admin.
    fn list_endpoints(
        &self,
        actor: Principal,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<WebhookEndpoint>, WebhookAdminError>> + Send;

    /// One endpoint.
    ///
    /// # Errors
    /// [`WebhookAdminError::Forbidden`] unless the caller is an admin;
    /// [`WebhookAdminError::NotFound`].
    fn get_endpoint(
        &self,
        actor: Principal,
        id: WebhookId,
    ) -> impl Future<Output = Result<WebhookEndpoint, WebhookAdminError>> + Send;

    /// Changes an endpoint's URL, events or state. Enabling forgets its
    /// failures; disabling keeps the reason of an endpoint already disabled.
    ///
    /// # Errors
    /// [`UpdateWebhookError::Forbidden`] unless the caller is an admin;
    /// [`UpdateWebhookError::NotFound`]; [`UpdateWebhookError::Validation`] on
    /// `url` as for [`WebhookService::create_endpoint`].
    fn update_endpoint(
        &self,
        actor: Principal,
        id: WebhookId,
        changes: EndpointChanges,
    ) -> impl Future<Output = Result<WebhookEndpoint, UpdateWebhookError>> + Send;

    /// Deletes an endpoint and its delivery log; queued deliveries to it are
    /// dropped without being sent.
    ///
    /// # Errors
    /// [`WebhookAdminError::Forbidden`] unless the caller is an admin;
    /// [`WebhookAdminError::NotFound`].
    fn delete_endpoint(
        &self,
        actor: Principal,
        id: WebhookId,
    ) -> impl Future<Output = Result<(), WebhookAdminError>> + Send;

    /// An endpoint's deliveries, newest first.
    ///
    /// # Errors
    /// [`WebhookAdminError::Forbidden`] unless the caller is an admin;
    /// [`WebhookAdminError::NotFound`] when the endpoint does not exist.
    fn list_deliveries(
        &self,
        actor: Principal,
        id: WebhookId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Delivery>, WebhookAdminError>> + Send;
}
