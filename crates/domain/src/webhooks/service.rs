//! [`Webhooks`]: endpoint administration over the ports.

use super::model::{CreatedEndpoint, Delivery, WebhookEndpoint};
use super::ports::{EndpointChanges, HostResolver, NewEndpoint, SecretGenerator, WebhookRepository};
use super::target::{TargetPolicy, TargetRefused};
use super::values::{WebhookId, WebhookUrl};
use super::{CreateWebhookError, EndpointRegistration, UpdateWebhookError, WebhookAdminError, WebhookService};
use crate::accounts::values::{Principal, Role};
use crate::errors::{FieldProblem as _, ValidationErrors};
use crate::pagination::{Page, PageRequest};
use crate::system::{Clock, IdGenerator};

/// The webhook administration use cases, generic over the ports they need.
#[derive(Debug, Clone)]
pub struct Webhooks<R, G, H, C, I> {
    repository: R,
    secrets: G,
    resolver: H,
    clock: C,
    ids: I,
    policy: TargetPolicy,
}

impl<R, G, H, C, I> Webhooks<R, G, H, C, I>
where
    R: WebhookRepository,
    G: SecretGenerator,
    H: HostResolver,
    C: Clock,
    I: IdGenerator,
{
    /// Builds the service from its ports and the target policy.
    pub fn new(repository: R, secrets: G, resolver: H, clock: C, ids: I, policy: TargetPolicy) -> Self {
        Self { repository, secrets, resolver, clock, ids, policy }
    }

    /// The URL may receive deliveries, or the problem on `url`.
    async fn check_url(&self, url: &WebhookUrl) -> Result<(), ValidationErrors> {
        self.policy
            .check(&self.resolver, url)
            .await
            .map(drop)
            .map_err(|refused: TargetRefused| ValidationErrors::single("url", refused.code(), refused.to_string()))
    }
}

/// A caller may manage webhooks only as an admin.
fn is_admin(actor: &Principal) -> bool {
    actor.role == Role::Admin
}

impl<R, G, H, C, I> WebhookService for Webhooks<R, G, H, C, I>
where
    R: WebhookRepository,
    G: SecretGenerator,
    H: HostResolver,
    C: Clock,
    I: IdGenerator,
{
    async fn create_endpoint(
        &self,
        actor: Principal,
        registration: EndpointRegistration,
    ) -> Result<CreatedEndpoint, CreateWebhookError> {
        if !is_admin(&actor) {
            return Err(CreateWebhookError::Forbidden);
        }
        self.check_url(&registration.url).await.map_err(CreateWebhookError::Validation)?;
        let secret = self.secrets.generate()?;
        let new = NewEndpoint {
            id: WebhookId::new(self.ids.new_id()),
            url: registration.url,
            events: registration.events,
            secret: secret.clone(),
            enabled: registration.enabled,
            created_at: self.clock.now(),
        };
        let endpoint = self.repository.create(&new).await?;
        Ok(CreatedEndpoint { endpoint, secret })
    }

    async fn list_endpoints(
        &self,
        actor: Principal,
        page: PageRequest,
    ) -> Result<Page<WebhookEndpoint>, WebhookAdminError> {
        if !is_admin(&actor) {
            return Err(WebhookAdminError::Forbidden);
        }
        Ok(self.repository.list(page).await?)
    }

    async fn get_endpoint(&self, actor: Principal, id: WebhookId) -> Result<WebhookEndpoint, WebhookAdminError> {
        if !is_admin(&actor) {
            return Err(WebhookAdminError::Forbidden);
        }
        self.repository.find(id).await?.ok_or(WebhookAdminError::NotFound)
    }

    async fn update_endpoint(
        &self,
        actor: Principal,
        id: WebhookId,
        changes: EndpointChanges,
    ) -> Result<WebhookEndpoint, UpdateWebhookError> {
        if !is_admin(&actor) {
            return Err(UpdateWebhookError::Forbidden);
        }
        if changes.is_empty() {
            return self.repository.find(id).await?.ok_or(UpdateWebhookError::NotFound);
        }
        if let Some(url) = &changes.url {
            self.check_url(url).await.map_err(UpdateWebhookError::Validation)?;
        }
        self.repository.update(id, &changes, self.clock.now()).await?.ok_or(UpdateWebhookError::NotFound)
    }

    async fn delete_endpoint(&self, actor: Principal, id: WebhookId) -> Result<(), WebhookAdminError> {
        if !is_admin(&actor) {
            return Err(WebhookAdminError::Forbidden);
        }
        if self.repository.delete(id).await? { Ok(()) } else { Err(WebhookAdminError::NotFound) }
    }

    async fn list_deliveries(
        &self,
        actor: Principal,
        id: WebhookId,
        page: PageRequest,
    ) -> Result<Page<Delivery>, WebhookAdminError> {
        if !is_admin(&actor) {
            return Err(WebhookAdminError::Forbidden);
        }
        self.repository.deliveries(id, page).await?.ok_or(WebhookAdminError::NotFound)
    }
}
