//! One error enum per webhook administration operation.

use crate::errors::{ValidationErrors, unknown_from_port_error};

/// Failure of [`super::WebhookService::create_endpoint`].
#[derive(Debug, thiserror::Error)]
pub enum CreateWebhookError {
    /// The caller is not an admin.
    #[error("only admins may manage webhooks")]
    Forbidden,
    /// The URL may not receive deliveries (it resolves to a private address,
    /// or does not resolve); the problem is reported on `url`.
    #[error(transparent)]
    Validation(ValidationErrors),
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::WebhookService::update_endpoint`].
#[derive(Debug, thiserror::Error)]
pub enum UpdateWebhookError {
    /// The caller is not an admin.
    #[error("only admins may manage webhooks")]
    Forbidden,
    /// No such endpoint.
    #[error("webhook endpoint not found")]
    NotFound,
    /// The new URL may not receive deliveries; reported on `url`.
    #[error(transparent)]
    Validation(ValidationErrors),
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of the other [`super::WebhookService`] operations.
#[derive(Debug, thiserror::Error)]
pub enum WebhookAdminError {
    /// The caller is not an admin.
    #[error("only admins may manage webhooks")]
    Forbidden,
    /// No such endpoint.
    #[error("webhook endpoint not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

unknown_from_port_error!(CreateWebhookError, UpdateWebhookError, WebhookAdminError);
