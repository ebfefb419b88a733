//! `/webhooks`: endpoints that receive signed POSTs of public events, and
//! their delivery logs. Admins only (the domain decides).

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::events::EventType;
use folio_domain::webhooks::EndpointRegistration;
use folio_domain::webhooks::model::{CreatedEndpoint, Delivery, EndpointState, WebhookEndpoint};
use folio_domain::webhooks::ports::EndpointChanges;
use folio_domain::webhooks::values::{EventSet, WebhookId, WebhookUrl};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::one_of;
use crate::auth::Authenticated;
use crate::envelope::{self, Data, List, timestamp};
use crate::error::ApiError;
use crate::input::{self, FieldParse, Fields, accepted, not_null, parses, parses_if_present, present};
use crate::openapi as doc;
use crate::state::AppState;

/// The wire names of `folio_domain::webhooks::values::DeliveryStatus`.
pub(crate) const DELIVERY_STATUSES: [&str; 3] = ["pending", "succeeded", "failed"];

/// The wire names of `folio_domain::webhooks::values::DisabledReason`.
pub(crate) const DISABLED_REASONS: [&str; 2] = ["admin", "failures"];

fn event_name_schema() -> ObjectBuilder {
    one_of(&EventType::PUBLIC.map(EventType::as_str), "A public event name.")
}

fn events_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(event_name_schema())
        .min_items(Some(1))
        .unique_items(true)
        .description(Some("The events delivered to the endpoint, in a fixed order."))
}

fn requested_events_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(event_name_schema())
        .min_items(Some(1))
        .description(Some("The events to deliver to the endpoint; at least one (a name given twice counts once)."))
}

fn delivery_status_schema() -> ObjectBuilder {
    one_of(
        &DELIVERY_STATUSES,
        "`pending`: not delivered yet (queued, or waiting for a retry); `succeeded`: the receiver answered 2xx; \
         `failed`: given up (attempts ran out, or the endpoint was disabled or the event pruned).",
    )
}

fn disabled_reason_schema() -> ObjectBuilder {
    let values =
        DISABLED_REASONS.iter().map(|reason| serde_json::Value::from(*reason)).chain([serde_json::Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some(
            "Why the endpoint is disabled: `admin` (switched off by an admin) or `failures` (too many consecutive \
             failed attempts); `null` while enabled.",
        ))
}

/// A webhook endpoint as the API shows it (never with its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Webhook)]
pub(crate) struct WebhookResponse {
    id: Uuid,
    /// Where deliveries are POSTed.
    #[schema(format = "uri", example = "https://hooks.example.com/folio")]
    url: String,
    #[schema(schema_with = events_schema)]
    events: Vec<&'static str>,
    /// Whether new events are delivered to it.
    enabled: bool,
    #[schema(schema_with = disabled_reason_schema, required = true)]
    disabled_reason: Option<&'static str>,
    /// When it was disabled; `null` while enabled.
    #[schema(required = true, format = DateTime)]
    disabled_at: Option<String>,
    /// Failed attempts since the last successful delivery.
    consecutive_failures: u32,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    created_at: String,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    updated_at: String,
}

impl From<WebhookEndpoint> for WebhookResponse {
    fn from(endpoint: WebhookEndpoint) -> Self {
        let (disabled_reason, disabled_at) = match endpoint.state {
            EndpointState::Enabled => (None, None),
            EndpointState::Disabled { reason, since } => (Some(reason.as_str()), Some(timestamp(since))),
        };
        Self {
            id: endpoint.id.as_uuid(),
            url: endpoint.url.as_str().to_owned(),
            events: endpoint.events.names(),
            enabled: disabled_reason.is_none(),
            disabled_reason,
            disabled_at,
            consecutive_failures: endpoint.consecutive_failures,
            created_at: timestamp(endpoint.created_at),
            updated_at: timestamp(endpoint.updated_at),
        }
    }
}

/// A new endpoint, with the secret its deliveries are signed with. This is
/// the only answer that shows the secret: store it now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreatedWebhook)]
pub(crate) struct CreatedWebhookResponse {
    #[serde(flatten)]
    webhook: WebhookResponse,
    /// The HMAC-SHA256 key of `X-Folio-Signature`: `whsec_` and 64 hex digits.
    #[schema(example = "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0")]
    secret: String,
}

impl From<CreatedEndpoint> for CreatedWebhookResponse {
    fn from(created: CreatedEndpoint) -> Self {
        Self { secret: created.secret.expose_secret().to_owned(), webhook: WebhookResponse::from(created.endpoint) }
    }
}

/// One event sent (or to be sent) to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookDelivery)]
pub(crate) struct DeliveryResponse {
    /// The delivery's id: the `X-Folio-Delivery` header, the same on every retry.
    id: Uuid,
    /// The event's id: the body's `id`.
    event_id: Uuid,
    #[schema(schema_with = event_name_schema)]
    event_type: &'static str,
    #[schema(schema_with = delivery_status_schema)]
    status: &'static str,
    /// Requests made so far.
    attempts: u32,
    /// The HTTP status of the latest answer; `null` if the receiver did not answer.
    #[schema(required = true, example = 200)]
    response_code: Option<u16>,
    /// How long the latest attempt took.
    #[schema(required = true, example = 87)]
    latency_ms: Option<u32>,
    /// Why the latest attempt failed, or why the delivery was given up.
    #[schema(required = true)]
    last_error: Option<String>,
    /// When the event was queued for this endpoint.
    #[schema(format = DateTime)]
    created_at: String,
    /// When the latest attempt was made; `null` before the first.
    #[schema(required = true, format = DateTime)]
    last_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<Delivery> for DeliveryResponse {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id.as_uuid(),
            event_id: delivery.event_id,
            event_type: delivery.event_type.as_str(),
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            response_code: delivery.response_code,
            latency_ms: delivery.latency_ms,
            last_error: delivery.last_error,
            created_at: timestamp(delivery.created_at),
            last_attempt_at: delivery.last_attempt_at.map(timestamp),
            updated_at: timestamp(delivery.updated_at),
        }
    }
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CreateWebhookRequest)]
#[garde(context(FieldParse))]
pub(crate) struct CreateRequest {
    /// An absolute `http` or `https` URL without user name, password or
    /// fragment. Its host must resolve to public addresses only (unless the
    /// server allows private targets).
    #[schema(value_type = String, format = "uri", max_length = 2048, required = true,
        example = "https://hooks.example.com/folio")]
    #[garde(custom(parses(WebhookUrl::parse)))]
    url: Option<String>,
    #[schema(schema_with = requested_events_schema, required = true)]
    #[garde(custom(parses(EventSet::parse::<String>)))]
    events: Option<Vec<String>>,
    /// `false` registers it disabled. Default `true`.
    #[schema(default = true)]
    #[garde(skip)]
    enabled: Option<bool>,
}

impl Fields for CreateRequest {
    const BODY_ORDER: &'static [&'static str] = &["url", "events"];
}

impl CreateRequest {
    fn try_into_domain(self) -> Result<EndpointRegistration, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        input::validate_into(&mut errors, &self, &[]);
        let url = accepted(self.url, WebhookUrl::parse);
        let events = accepted(self.events, EventSet::parse::<String>);
        match (url, events) {
            (Some(url), Some(events)) if errors.is_empty() => {
                Ok(EndpointRegistration { url, events, enabled: self.enabled.unwrap_or(true) })
            }
            _ => Err(errors),
        }
    }
}

/// A partial update: a field left out is kept; none may be `null`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UpdateWebhookRequest)]
#[garde(context(FieldParse))]
pub(crate) struct UpdateRequest {
    /// A new URL, checked like a new endpoint's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, format = "uri", max_length = 2048)]
    #[garde(custom(parses_if_present(WebhookUrl::parse)))]
    url: Option<Option<String>>,
    /// A new set of events (replaces the old one).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = requested_events_schema)]
    #[garde(custom(parses_if_present(EventSet::parse::<String>)))]
    events: Option<Option<Vec<String>>>,
    /// `true` enables it and forgets its failures; `false` disables it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    #[garde(custom(not_null))]
    enabled: Option<Option<bool>>,
}

impl Fields for UpdateRequest {
    const BODY_ORDER: &'static [&'static str] = &["url", "events", "enabled"];
}

impl UpdateRequest {
    fn try_into_domain(self) -> Result<EndpointChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        input::validate_into(&mut errors, &self, &[]);
        errors.into_result()?;
        Ok(EndpointChanges {
            url: accepted(self.url.flatten(), WebhookUrl::parse),
            events: accepted(self.events.flatten(), EventSet::parse::<String>),
            enabled: self.enabled.flatten(),
        })
    }
}

/// Register a webhook endpoint
///
/// Answers the endpoint with its signing `secret`, which no other answer
/// shows. A URL whose host resolves to a loopback, private, link-local or
/// otherwise non-public address is refused (`VALIDATION_ERROR` on `url`).
#[utoipa::path(
    post,
    path = crate::v1::paths::WEBHOOKS,
    operation_id = "createWebhook",
    tag = "webhooks",
    security(("bearerAuth" = [])),
    responses(
        (status = 201, description = "The new endpoint, with its secret.", body = Data<CreatedWebhookResponse>),
        (status = 403, response = doc::Forbidden),
    ),
)]
pub(crate) async fn create(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    body: web::Json<CreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner().try_into_domain()?;
    let created = services.webhooks().create_endpoint(principal, registration).await?;
    Ok(envelope::created(CreatedWebhookResponse::from(created)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
}

impl PageQuery {
    fn try_into_domain(self) -> Result<folio_domain::pagination::PageRequest, ValidationErrors> {
        input::page(input::Paging::Pages { page: self.page, limit: self.limit })
    }
}

/// List webhook endpoints
///
/// Oldest first.
#[utoipa::path(
    get,
    path = crate::v1::paths::WEBHOOKS,
    operation_id = "listWebhooks",
    tag = "webhooks",
    params(PageQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of endpoints.", body = List<WebhookResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
    ),
)]
pub(crate) async fn list(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().try_into_domain()?;
    let endpoints = services.webhooks().list_endpoints(principal, page).await?;
    Ok(envelope::page(endpoints, WebhookResponse::from))
}

/// Get a webhook endpoint
#[utoipa::path(
    get,
    path = crate::v1::paths::WEBHOOKS_ID,
    operation_id = "getWebhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The endpoint.", body = Data<WebhookResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn get(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = services.webhooks().get_endpoint(principal, WebhookId::new(id.into_inner())).await?;
    Ok(envelope::ok(WebhookResponse::from(endpoint)))
}

/// Update a webhook endpoint
///
/// Changes its URL (checked like a new one), its events, or whether it is
/// enabled. Enabling an endpoint that was disabled after failures forgets
/// them.
#[utoipa::path(
    patch,
    path = crate::v1::paths::WEBHOOKS_ID,
    operation_id = "updateWebhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The updated endpoint.", body = Data<WebhookResponse>),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn update(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().try_into_domain()?;
    let endpoint = services.webhooks().update_endpoint(principal, WebhookId::new(id.into_inner()), changes).await?;
    Ok(envelope::ok(WebhookResponse::from(endpoint)))
}

/// Delete a webhook endpoint
///
/// Its delivery log goes with it; deliveries still queued are dropped unsent.
#[utoipa::path(
    delete,
    path = crate::v1::paths::WEBHOOKS_ID,
    operation_id = "deleteWebhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "The endpoint is deleted."),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn delete(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    services.webhooks().delete_endpoint(principal, WebhookId::new(id.into_inner())).await?;
    Ok(envelope::no_content())
}

/// List a webhook endpoint's deliveries
///
/// Newest first, with the outcome of each delivery's latest attempt.
#[utoipa::path(
    get,
    path = crate::v1::paths::WEBHOOKS_ID_DELIVERIES,
    operation_id = "listWebhookDeliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id."), PageQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of deliveries.", body = List<DeliveryResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
    ),
)]
pub(crate) async fn deliveries(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().try_into_domain()?;
    let deliveries = services.webhooks().list_deliveries(principal, WebhookId::new(id.into_inner()), page).await?;
    Ok(envelope::page(deliveries, DeliveryResponse::from))
}

#[cfg(test)]
mod tests {
    use folio_domain::webhooks::values::{DeliveryStatus, DisabledReason};

    use super::{DELIVERY_STATUSES, DISABLED_REASONS};

    // Exhaustive matches: a new variant fails to compile here until the
    // document lists it.

    #[test]
    fn documented_delivery_statuses_are_the_domain_statuses() {
        for status in DeliveryStatus::ALL {
            match status {
                DeliveryStatus::Pending | DeliveryStatus::Succeeded | DeliveryStatus::Failed => {}
            }
        }
        assert_eq!(DeliveryStatus::ALL.map(DeliveryStatus::as_str), DELIVERY_STATUSES);
    }

    #[test]
    fn documented_disabled_reasons_are_the_domain_reasons() {
        for reason in DisabledReason::ALL {
            match reason {
                DisabledReason::Admin | DisabledReason::Failures => {}
            }
        }
        assert_eq!(DisabledReason::ALL.map(DisabledReason::as_str), DISABLED_REASONS);
    }
}
