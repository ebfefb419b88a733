//! What the HTTP adapter needs from the application: the domain services.

use std::future::Future;

use folio_domain::accounts::{AccountService, UserAdminService};
use folio_domain::content::ContentService;

/// The domain services the routes call, bundled so handlers take one type
/// parameter. The binary implements it over the real services; tests over mocks.
pub trait Services: Send + Sync + 'static {
    /// Registration, sessions and the user's own account.
    type Accounts: AccountService;
    /// Account administration.
    type UserAdmin: UserAdminService;
    /// Profiles, posts, comments, tags.
    type Content: ContentService;

    /// The account service.
    fn accounts(&self) -> &Self::Accounts;

    /// The account administration service.
    fn user_admin(&self) -> &Self::UserAdmin;

    /// The content service.
    fn content(&self) -> &Self::Content;

    /// Whether every dependency needed to serve requests answers now.
    fn ready(&self) -> impl Future<Output = bool> + Send;
}
