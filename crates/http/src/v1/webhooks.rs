//! `/webhooks`: endpoints that receive signed POSTs of public events, and
//! their delivery logs. Admins only (the domain decides).

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::webhooks::EndpointRegistration;
use folio_domain::webhooks::ports::EndpointChanges;
use folio_domain::webhooks::values::{EventSet, WebhookId, WebhookUrl};
use garde::Validate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::webhook_dto::{CreatedWebhookResponse, DeliveryResponse, WebhookResponse, requested_events_schema};
use crate::auth::Authenticated;
use crate::envelope::{self, Data, List};
use crate::error::ApiError;
use crate::input::{self, FieldParse, Fields, accepted, not_null, parses, parses_if_present, present};
use crate::openapi as doc;
use crate::state::AppState;

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
