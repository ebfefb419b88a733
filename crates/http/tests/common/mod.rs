//! The services the HTTP tests drive the app over: mocks of the domain's
//! service traits, and a limiter that never limits.

use folio_domain::accounts::{MockAccountService, MockUserAdminService, Unlimited};
use folio_domain::content::MockContentService;
use folio_domain::jobs::MockJobAdminService;
use folio_domain::mail::MockAccountMailService;
use folio_domain::webhooks::MockWebhookService;
use folio_http::Services;

pub(crate) struct TestServices {
    pub(crate) accounts: MockAccountService,
    pub(crate) admin: MockUserAdminService,
    pub(crate) content: MockContentService,
    pub(crate) mail: MockAccountMailService,
    pub(crate) jobs: MockJobAdminService,
    pub(crate) webhooks: MockWebhookService,
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
        }
    }
}

impl Services for TestServices {
    type Accounts = MockAccountService;
    type UserAdmin = MockUserAdminService;
    type Content = MockContentService;
    type Limiter = Unlimited;
    type AccountMail = MockAccountMailService;
    type Jobs = MockJobAdminService;
    type Webhooks = MockWebhookService;

    fn accounts(&self) -> &Self::Accounts {
        &self.accounts
    }

    fn user_admin(&self) -> &Self::UserAdmin {
        &self.admin
    }

    fn content(&self) -> &Self::Content {
        &self.content
    }

    fn limiter(&self) -> &Self::Limiter {
        &Unlimited
    }

    fn account_mail(&self) -> &Self::AccountMail {
        &self.mail
    }

    fn jobs(&self) -> &Self::Jobs {
        &self.jobs
    }

    fn webhooks(&self) -> &Self::Webhooks {
        &self.webhooks
    }

    async fn ready(&self) -> bool {
        true
    }
}
