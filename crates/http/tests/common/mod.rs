//! The services the HTTP tests drive the app over: mocks of the domain's
//! service traits, and a limiter that never limits unless told to refuse.

use folio_domain::PortError;
use folio_domain::accounts::{MockAccountService, MockUserAdminService};
use folio_domain::content::MockContentService;
use folio_domain::jobs::MockJobAdminService;
use folio_domain::mail::MockAccountMailService;
use folio_domain::rate_limit::{RateDecision, RateLimit, RateLimiter};
use folio_domain::webhooks::MockWebhookService;
use std::sync::Arc;

use folio_http::{AppState, BoxFuture, Health};

pub(crate) struct TestServices {
    pub(crate) accounts: MockAccountService,
    pub(crate) admin: MockUserAdminService,
    pub(crate) content: MockContentService,
    pub(crate) mail: MockAccountMailService,
    pub(crate) jobs: MockJobAdminService,
    pub(crate) webhooks: MockWebhookService,
    pub(crate) limiter: TestLimiter,
}

/// Allows everything, or refuses everything once `refuse` is set, or the keys
/// that start with `refuse_keys`.
#[derive(Debug, Default)]
pub(crate) struct TestLimiter {
    pub(crate) refuse: bool,
    pub(crate) refuse_keys: Option<&'static str>,
}

impl TestLimiter {
    fn decide(&self, key: &str, limit: RateLimit) -> RateDecision {
        if self.refuse || self.refuse_keys.is_some_and(|prefix| key.starts_with(prefix)) {
            RateDecision::Limited { retry_after: std::time::Duration::from_secs(30) }
        } else {
            RateDecision::Allowed { remaining: limit.max, reset_after: limit.window }
        }
    }
}

impl RateLimiter for TestLimiter {
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        Ok(self.decide(key, limit))
    }

    async fn peek(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        Ok(self.decide(key, limit))
    }

    async fn record(&self, _: &str, _: RateLimit) -> Result<(), PortError> {
        Ok(())
    }
}

impl TestServices {
    /// Mocks with no expectations: any call fails the test.
    pub(crate) fn new() -> Self {
        Self {
            accounts: MockAccountService::new(),
            admin: MockUserAdminService::new(),
            content: MockContentService::new(),
            mail: MockAccountMailService::new(),
            jobs: MockJobAdminService::new(),
            webhooks: MockWebhookService::new(),
            limiter: TestLimiter::default(),
        }
    }
}

impl TestServices {
    /// The application state over these mocks.
    pub(crate) fn into_state(self) -> AppState {
        let accounts = Arc::new(self.accounts);
        AppState {
            accounts,
            user_admin: Arc::new(self.admin),
            content: Arc::new(self.content),
            account_mail: Arc::new(self.mail),
            jobs: Arc::new(self.jobs),
            webhooks: Arc::new(self.webhooks),
            limiter: Arc::new(self.limiter),
            health: Arc::new(AlwaysReady),
        }
    }
}

/// Every dependency answers.
struct AlwaysReady;

impl Health for AlwaysReady {
    fn ready(&self) -> BoxFuture<'_, bool> {
        Box::pin(async { true })
    }
}
