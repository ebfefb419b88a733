//! Account administration: only admins, and never the last active admin away.

use super::model::User;
use super::ports::{
    AccessChange, AccessWriteError, AdminGuard, PasswordHasher, SessionStore, TokenIssuer, UserQuery, UserRepository,
};
use super::values::{AccountStatus, Principal, Role, UserId};
use super::{Accounts, AdminError, UserAdminService};
use crate::pagination::Page;
use crate::rate_limit::RateLimiter;
use crate::system::{Clock, IdGenerator};

impl<U, S, H, T, C, I, L> Accounts<U, S, H, T, C, I, L>
where
    U: UserRepository,
    S: SessionStore,
    H: PasswordHasher,
    T: TokenIssuer,
    C: Clock,
    I: IdGenerator,
    L: RateLimiter,
{
    async fn apply_access_change(
        &self,
        actor: Principal,
        id: UserId,
        change: AccessChange,
    ) -> Result<User, AdminError> {
        require_admin(&actor)?;
        self.users.change_access(id, change, guard_for(change), self.clock.now()).await.map_err(|error| match error {
            AccessWriteError::NotFound => AdminError::NotFound,
            AccessWriteError::NoActiveAdminLeft => AdminError::LastActiveAdmin,
            AccessWriteError::Port(error) => error.into(),
        })
    }
}

fn require_admin(actor: &Principal) -> Result<(), AdminError> {
    if actor.role == Role::Admin { Ok(()) } else { Err(AdminError::Forbidden) }
}

/// The guard for `change`. Decided from the change alone, never from an earlier
/// read of the target, which a concurrent change could have made stale: any
/// demotion or deactivation might remove the last active admin.
fn guard_for(change: AccessChange) -> AdminGuard {
    match change {
        AccessChange::SetRole(Role::Admin) | AccessChange::SetStatus(AccountStatus::Active) => AdminGuard::None,
        AccessChange::SetRole(_) | AccessChange::SetStatus(AccountStatus::Deactivated) => AdminGuard::KeepAnActiveAdmin,
    }
}

impl<U, S, H, T, C, I, L> UserAdminService for Accounts<U, S, H, T, C, I, L>
where
    U: UserRepository,
    S: SessionStore,
    H: PasswordHasher,
    T: TokenIssuer,
    C: Clock,
    I: IdGenerator,
    L: RateLimiter,
{
    async fn list_users(&self, actor: Principal, query: UserQuery) -> Result<Page<User>, AdminError> {
        require_admin(&actor)?;
        Ok(self.users.list(&query).await?)
    }

    async fn get_user(&self, actor: Principal, id: UserId) -> Result<User, AdminError> {
        require_admin(&actor)?;
        self.users.find_by_id(id).await?.ok_or(AdminError::NotFound)
    }

    async fn change_role(&self, actor: Principal, id: UserId, role: Role) -> Result<User, AdminError> {
        self.apply_access_change(actor, id, AccessChange::SetRole(role)).await
    }

    async fn deactivate(&self, actor: Principal, id: UserId) -> Result<User, AdminError> {
        self.apply_access_change(actor, id, AccessChange::SetStatus(AccountStatus::Deactivated)).await
    }

    async fn reactivate(&self, actor: Principal, id: UserId) -> Result<User, AdminError> {
        self.apply_access_change(actor, id, AccessChange::SetStatus(AccountStatus::Active)).await
    }
}
