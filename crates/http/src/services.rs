//! What the HTTP adapter needs from the application: the domain services.

use std::future::Future;

use folio_domain::accounts::{AccountService, UserAdminService};
use folio_domain::content::ContentService;
use folio_domain::jobs::JobAdminService;
use folio_domain::mail::AccountMailService;
use folio_domain::rate_limit::RateLimiter;
use folio_domain::webhooks::WebhookService;

use crate::metrics::PoolMetrics;

/// The domain services the routes call, bundled so handlers take one type
/// parameter. The binary implements it over the real services; tests over mocks.
pub trait Services: Send + Sync + 'static {
    /// Registration, sessions and the user's own account.
    type Accounts: AccountService;
    /// Account administration.
    type UserAdmin: UserAdminService;
    /// Profiles, posts, comments, tags.
    type Content: ContentService;
    /// Counts requests for the rate limits.
    type Limiter: RateLimiter;
    /// E-mail verification and password reset.
    type AccountMail: AccountMailService;
    /// The background job queue, for admins.
    type Jobs: JobAdminService;
    /// Webhook endpoints and their delivery logs.
    type Webhooks: WebhookService;

    /// The account service.
    fn accounts(&self) -> &Self::Accounts;

    /// The account administration service.
    fn user_admin(&self) -> &Self::UserAdmin;

    /// The content service.
    fn content(&self) -> &Self::Content;

    /// The rate-limit counters.
    fn limiter(&self) -> &Self::Limiter;

    /// The e-mail verification and password reset service.
    fn account_mail(&self) -> &Self::AccountMail;
    /// The job administration service.
    fn jobs(&self) -> &Self::Jobs;

    /// The webhook administration service.
    fn webhooks(&self) -> &Self::Webhooks;

    /// The database pool's figures, for the metrics.
    fn pool_metrics(&self) -> PoolMetrics {
        PoolMetrics::default()
    }

    /// Whether every dependency needed to serve requests answers now.
    fn ready(&self) -> impl Future<Output = bool> + Send;
}
