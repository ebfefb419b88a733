//! A user's account as the rest of the system sees it, and the changes its
//! owner makes to it.

use chrono::{DateTime, Utc};

use super::values::{AccountStatus, Bio, DisplayName, Email, ImageUrl, Role, UserId, Username};

/// A registered account, as the rest of the system sees it (no credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable identifier.
    pub id: UserId,
    /// Login and contact address, unique.
    pub email: Email,
    /// Public handle, unique.
    pub username: Username,
    /// Optional display name.
    pub display_name: Option<DisplayName>,
    /// Optional self-description.
    pub bio: Option<Bio>,
    /// Optional avatar URL.
    pub image: Option<ImageUrl>,
    /// What the user may do.
    pub role: Role,
    /// Whether the account may be used.
    pub status: AccountStatus,
    /// When the account was created, as stored.
    pub created_at: DateTime<Utc>,
    /// When the account last changed, as stored.
    pub updated_at: DateTime<Utc>,
    /// When the owner proved they read mail at [`User::email`]; `None` until
    /// then, and again after the address changes.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// The owner's own preferences.
    pub settings: UserSettings,
}

impl User {
    /// Whether the account may log in and use its tokens.
    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active
    }

    /// Whether the current address has been verified.
    pub fn is_email_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }
}

/// What a user chose for their own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserSettings {
    /// Mail me when someone comments on my posts (default on).
    pub notify_on_comment: bool,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self { notify_on_comment: true }
    }
}

/// A change to one optional field: leave it, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FieldUpdate<T> {
    /// Leave the stored value as it is.
    #[default]
    Keep,
    /// Remove the stored value.
    Clear,
    /// Replace the stored value.
    Set(T),
}

impl<T> FieldUpdate<T> {
    /// Whether this update changes nothing.
    pub fn is_keep(&self) -> bool {
        matches!(self, Self::Keep)
    }
}

/// A partial update of a user's own profile; `None` leaves a required field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    /// New e-mail address.
    pub email: Option<Email>,
    /// New handle.
    pub username: Option<Username>,
    /// New, cleared or unchanged display name.
    pub display_name: FieldUpdate<DisplayName>,
    /// New, cleared or unchanged bio.
    pub bio: FieldUpdate<Bio>,
    /// New, cleared or unchanged avatar.
    pub image: FieldUpdate<ImageUrl>,
    /// Turn comment notices on or off.
    pub notify_on_comment: Option<bool>,
}

impl ProfileChanges {
    /// Whether applying these changes would change nothing.
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.username.is_none()
            && self.display_name.is_keep()
            && self.bio.is_keep()
            && self.image.is_keep()
            && self.notify_on_comment.is_none()
    }
}
