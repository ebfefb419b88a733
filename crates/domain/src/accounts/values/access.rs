//! What a user may do: their role, and whether their account may be used.

use crate::errors::FieldProblem;

/// What a user may do beyond their own content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages their own account and content.
    User,
    /// May also remove other people's content and see drafts.
    Moderator,
    /// May also manage accounts and roles.
    Admin,
}

/// A role name that is not one of `user`, `moderator`, `admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("role must be one of: user, moderator, admin")]
pub struct RoleError;

impl FieldProblem for RoleError {
    fn code(&self) -> &'static str {
        "invalid_role"
    }
}

impl Role {
    /// Parses the lower-case role name used on the wire and in storage.
    ///
    /// # Errors
    /// [`RoleError`] for any other name.
    pub fn parse(raw: &str) -> Result<Self, RoleError> {
        match raw {
            "user" => Ok(Self::User),
            "moderator" => Ok(Self::Moderator),
            "admin" => Ok(Self::Admin),
            _ => Err(RoleError),
        }
    }

    /// The lower-case role name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    /// Whether this role moderates content (moderators and admins).
    pub fn can_moderate(&self) -> bool {
        matches!(self, Self::Moderator | Self::Admin)
    }
}

/// Whether an account may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// The account can log in and its tokens work.
    Active,
    /// An admin switched the account off: no log-in, no refresh, no access.
    Deactivated,
}

impl AccountStatus {
    /// The lower-case name used on the wire and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    /// Parses the stored name.
    ///
    /// # Errors
    /// Returns `None`-like [`UnknownStatus`] for any other name.
    pub fn parse(raw: &str) -> Result<Self, UnknownStatus> {
        match raw {
            "active" => Ok(Self::Active),
            "deactivated" => Ok(Self::Deactivated),
            _ => Err(UnknownStatus),
        }
    }
}

/// A stored status name that this version does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown account status")]
pub struct UnknownStatus;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in [Role::User, Role::Moderator, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("root"), Err(RoleError));
        assert!(Role::Moderator.can_moderate());
        assert!(!Role::User.can_moderate());
    }
}
