//! What the HTTP adapter needs from the application: handles on the domain
//! services, which the binary builds (and tests build over the domain's mocks).
//!
//! The domain's services are generic over their ports and their methods return
//! `impl Future`, so they cannot be trait objects. Each handle here is the
//! object-safe face of one service: the same methods, each returning one boxed
//! future, and implemented for every type that implements the service. Handlers
//! then take one concrete [`AppState`] and need no type parameter: the cost is
//! one allocation and one dynamic call per service call.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use folio_domain::PortError;
use folio_domain::accounts::model::{ProfileChanges, User};
use folio_domain::accounts::ports::UserQuery;
use folio_domain::accounts::values::{
    Email, Password, PasswordAttempt, Principal, RefreshToken, Role, TokenLifetime, UserId, Username,
};
use folio_domain::accounts::{
    AccountService, AdminError, AuthenticateError, ChangePasswordError, CurrentUserError, LogInError, LogOutError,
    PasswordChange, RefreshError, RegisterError, Registration, SignedIn, UpdateProfileError, UserAdminService,
};
use folio_domain::content::model::{Comment, Post, PostSummary, Profile, TagUsage};
use folio_domain::content::values::{CommentBody, CommentId, Slug};
use folio_domain::content::{
    ContentService, ListPostsError, PostDraft, PostError, PostListing, PostUpdate, ProfileError,
};
use folio_domain::jobs::model::JobRecord;
use folio_domain::jobs::values::{JobId, JobState};
use folio_domain::jobs::{JobAdminError, JobAdminService};
use folio_domain::mail::values::AccountToken;
use folio_domain::mail::{
    AccountMailService, RequestPasswordResetError, ResendVerificationError, ResetPasswordError, VerifyEmailError,
};
use folio_domain::pagination::{Page, PageRequest};
use folio_domain::rate_limit::{RateDecision, RateLimit, RateLimiter};
use folio_domain::webhooks::model::{CreatedEndpoint, Delivery, WebhookEndpoint};
use folio_domain::webhooks::ports::EndpointChanges;
use folio_domain::webhooks::values::WebhookId;
use folio_domain::webhooks::{
    CreateWebhookError, EndpointRegistration, UpdateWebhookError, WebhookAdminError, WebhookService,
};

use crate::metrics::PoolMetrics;

/// A boxed, sendable future: what every handle method returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Declares a handle trait over a service trait: the same methods, boxed, and
/// the blanket implementation for every implementation of the service.
macro_rules! handle {
    ($(#[$doc:meta])* $handle:ident for $service:ident {
        $(fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $output:ty;)+
    }) => {
        $(#[$doc])*
        pub trait $handle: Send + Sync + 'static {
            $(
                #[doc = concat!("[`", stringify!($service), "::", stringify!($name), "`].")]
                fn $name(&self $(, $arg: $ty)*) -> BoxFuture<'_, $output>;
            )+
        }

        impl<T: $service> $handle for T {
            $(
                fn $name(&self $(, $arg: $ty)*) -> BoxFuture<'_, $output> {
                    Box::pin(<T as $service>::$name(self $(, $arg)*))
                }
            )+
        }
    };
}

handle! {
    /// The object-safe face of [`AccountService`].
    AccountsHandle for AccountService {
        fn register(&self, registration: Registration, lifetime: TokenLifetime) -> Result<SignedIn, RegisterError>;
        fn log_in(
            &self,
            email: String,
            password: PasswordAttempt,
            lifetime: TokenLifetime,
        ) -> Result<SignedIn, LogInError>;
        fn refresh(&self, token: RefreshToken) -> Result<SignedIn, RefreshError>;
        fn log_out(&self, principal: Principal) -> Result<(), LogOutError>;
        fn authenticate(&self, access_token: String) -> Result<Principal, AuthenticateError>;
        fn current_user(&self, principal: Principal) -> Result<User, CurrentUserError>;
        fn update_profile(&self, principal: Principal, changes: ProfileChanges) -> Result<User, UpdateProfileError>;
        fn change_password(&self, principal: Principal, change: PasswordChange) -> Result<(), ChangePasswordError>;
        fn replace_password(&self, principal: Principal, new: Password) -> Result<(), ChangePasswordError>;
    }
}

handle! {
    /// The object-safe face of [`UserAdminService`].
    UserAdminHandle for UserAdminService {
        fn list_users(&self, actor: Principal, query: UserQuery) -> Result<Page<User>, AdminError>;
        fn get_user(&self, actor: Principal, id: UserId) -> Result<User, AdminError>;
        fn change_role(&self, actor: Principal, id: UserId, role: Role) -> Result<User, AdminError>;
        fn deactivate(&self, actor: Principal, id: UserId) -> Result<User, AdminError>;
        fn reactivate(&self, actor: Principal, id: UserId) -> Result<User, AdminError>;
    }
}

handle! {
    /// The object-safe face of [`ContentService`].
    ContentHandle for ContentService {
        fn profile(&self, reader: Option<Principal>, username: Username) -> Result<Profile, ProfileError>;
        fn follow(&self, reader: Principal, username: Username) -> Result<Profile, ProfileError>;
        fn unfollow(&self, reader: Principal, username: Username) -> Result<Profile, ProfileError>;
        fn create_post(&self, author: Principal, draft: PostDraft) -> Result<Post, PostError>;
        fn post(&self, reader: Option<Principal>, slug: Slug) -> Result<Post, PostError>;
        fn update_post(&self, editor: Principal, slug: Slug, update: PostUpdate) -> Result<Post, PostError>;
        fn publish_post(&self, editor: Principal, slug: Slug) -> Result<Post, PostError>;
        fn delete_post(&self, actor: Principal, slug: Slug) -> Result<(), PostError>;
        fn list_posts(
            &self,
            reader: Option<Principal>,
            listing: PostListing,
        ) -> Result<Page<PostSummary>, ListPostsError>;
        fn feed(&self, reader: Principal, page: PageRequest) -> Result<Page<PostSummary>, ListPostsError>;
        fn favorite(&self, reader: Principal, slug: Slug) -> Result<Post, PostError>;
        fn unfavorite(&self, reader: Principal, slug: Slug) -> Result<Post, PostError>;
        fn comments(
            &self,
            reader: Option<Principal>,
            slug: Slug,
            page: PageRequest,
        ) -> Result<Page<Comment>, PostError>;
        fn all_comments(&self, reader: Option<Principal>, slug: Slug) -> Result<Vec<Comment>, PostError>;
        fn add_comment(&self, author: Principal, slug: Slug, body: CommentBody) -> Result<Comment, PostError>;
        fn delete_comment(&self, actor: Principal, slug: Slug, id: CommentId) -> Result<(), PostError>;
        fn tags(&self) -> Result<Vec<TagUsage>, ListPostsError>;
    }
}

handle! {
    /// The object-safe face of [`AccountMailService`].
    AccountMailHandle for AccountMailService {
        fn verify_email(&self, token: AccountToken) -> Result<(), VerifyEmailError>;
        fn resend_verification(&self, principal: Principal) -> Result<(), ResendVerificationError>;
        fn request_password_reset(&self, email: Email) -> Result<(), RequestPasswordResetError>;
        fn reset_password(&self, token: AccountToken, new: Password) -> Result<(), ResetPasswordError>;
    }
}

handle! {
    /// The object-safe face of [`JobAdminService`].
    JobAdminHandle for JobAdminService {
        fn list_jobs(
            &self,
            actor: Principal,
            state: Option<JobState>,
            page: PageRequest,
        ) -> Result<Page<JobRecord>, JobAdminError>;
        fn retry_job(&self, actor: Principal, id: JobId) -> Result<(), JobAdminError>;
    }
}

handle! {
    /// The object-safe face of [`WebhookService`].
    WebhookHandle for WebhookService {
        fn create_endpoint(
            &self,
            actor: Principal,
            registration: EndpointRegistration,
        ) -> Result<CreatedEndpoint, CreateWebhookError>;
        fn list_endpoints(&self, actor: Principal, page: PageRequest) -> Result<Page<WebhookEndpoint>, WebhookAdminError>;
        fn get_endpoint(&self, actor: Principal, id: WebhookId) -> Result<WebhookEndpoint, WebhookAdminError>;
        fn update_endpoint(
            &self,
            actor: Principal,
            id: WebhookId,
            changes: EndpointChanges,
        ) -> Result<WebhookEndpoint, UpdateWebhookError>;
        fn delete_endpoint(&self, actor: Principal, id: WebhookId) -> Result<(), WebhookAdminError>;
        fn list_deliveries(
            &self,
            actor: Principal,
            id: WebhookId,
            page: PageRequest,
        ) -> Result<Page<Delivery>, WebhookAdminError>;
    }
}

/// The object-safe face of [`RateLimiter`] (its keys are borrowed, so it is
/// written out rather than declared with `handle!`).
pub trait LimiterHandle: Send + Sync + 'static {
    /// [`RateLimiter::hit`].
    fn hit<'a>(&'a self, key: &'a str, limit: RateLimit) -> BoxFuture<'a, Result<RateDecision, PortError>>;
    /// [`RateLimiter::peek`].
    fn peek<'a>(&'a self, key: &'a str, limit: RateLimit) -> BoxFuture<'a, Result<RateDecision, PortError>>;
    /// [`RateLimiter::record`].
    fn record<'a>(&'a self, key: &'a str, limit: RateLimit) -> BoxFuture<'a, Result<(), PortError>>;
}

impl<T: RateLimiter> LimiterHandle for T {
    fn hit<'a>(&'a self, key: &'a str, limit: RateLimit) -> BoxFuture<'a, Result<RateDecision, PortError>> {
        Box::pin(RateLimiter::hit(self, key, limit))
    }

    fn peek<'a>(&'a self, key: &'a str, limit: RateLimit) -> BoxFuture<'a, Result<RateDecision, PortError>> {
        Box::pin(RateLimiter::peek(self, key, limit))
    }

    fn record<'a>(&'a self, key: &'a str, limit: RateLimit) -> BoxFuture<'a, Result<(), PortError>> {
        Box::pin(RateLimiter::record(self, key, limit))
    }
}

/// Whether the application can serve, for `/ready` and the metrics.
pub trait Health: Send + Sync + 'static {
    /// Whether every dependency needed to serve requests answers now.
    fn ready(&self) -> BoxFuture<'_, bool>;

    /// The database pool's figures.
    fn pool_metrics(&self) -> PoolMetrics {
        PoolMetrics::default()
    }
}

/// The services the routes call, as handles. Cloning it clones `Arc`s.
#[derive(Clone)]
pub struct AppState {
    /// Registration, sessions and the user's own account.
    pub accounts: Arc<dyn AccountsHandle>,
    /// Account administration.
    pub user_admin: Arc<dyn UserAdminHandle>,
    /// Profiles, posts, comments, tags.
    pub content: Arc<dyn ContentHandle>,
    /// E-mail verification and password reset.
    pub account_mail: Arc<dyn AccountMailHandle>,
    /// The background job queue, for admins.
    pub jobs: Arc<dyn JobAdminHandle>,
    /// Webhook endpoints and their delivery logs.
    pub webhooks: Arc<dyn WebhookHandle>,
    /// Counts requests for the rate limits.
    pub limiter: Arc<dyn LimiterHandle>,
    /// Readiness and pool figures.
    pub health: Arc<dyn Health>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// The account service.
    pub fn accounts(&self) -> &dyn AccountsHandle {
        &*self.accounts
    }

    /// The account administration service.
    pub fn user_admin(&self) -> &dyn UserAdminHandle {
        &*self.user_admin
    }

    /// The content service.
    pub fn content(&self) -> &dyn ContentHandle {
        &*self.content
    }

    /// The e-mail verification and password reset service.
    pub fn account_mail(&self) -> &dyn AccountMailHandle {
        &*self.account_mail
    }

    /// The job administration service.
    pub fn jobs(&self) -> &dyn JobAdminHandle {
        &*self.jobs
    }

    /// The webhook administration service.
    pub fn webhooks(&self) -> &dyn WebhookHandle {
        &*self.webhooks
    }

    /// The rate-limit counters.
    pub fn limiter(&self) -> &dyn LimiterHandle {
        &*self.limiter
    }
}
