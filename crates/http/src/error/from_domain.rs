//! Every domain error as an [`ApiError`]: its status, stable code and a
//! message a person can act on. Written once here; the RealWorld surface
//! re-expresses these answers in its own words (`crate::realworld::RwError`).

use folio_domain::ValidationErrors;
use folio_domain::accounts::{
    AdminError, AuthenticateError, ChangePasswordError, CurrentUserError, LogInError, LogOutError, RefreshError,
    RegisterError, UpdateProfileError,
};
use folio_domain::content::{ListPostsError, PostError, ProfileError};
use folio_domain::mail::{RequestPasswordResetError, ResendVerificationError, ResetPasswordError, VerifyEmailError};
use folio_domain::webhooks::{CreateWebhookError, UpdateWebhookError, WebhookAdminError};

use super::{ApiError, ErrorCode};

impl From<RegisterError> for ApiError {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::Validation(errors) => Self::validation(errors),
            RegisterError::EmailTaken => Self::conflict("email", "This email is already registered."),
            RegisterError::UsernameTaken => Self::conflict("username", "This username is already taken."),
            RegisterError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<LogInError> for ApiError {
    fn from(error: LogInError) -> Self {
        match error {
            LogInError::InvalidCredentials => Self::unauthenticated("Email or password is incorrect."),
            LogInError::Deactivated => {
                Self::new(ErrorCode::Forbidden, "This account has been deactivated; contact an administrator.")
            }
            LogInError::TooManyFailures { retry_after } => {
                Self::rate_limited("Too many failed log-ins for this address; wait before trying again.", retry_after)
            }
            LogInError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::Rejected => Self::unauthenticated("The refresh token is invalid or expired; log in again."),
            RefreshError::Reused => Self::unauthenticated(
                "The refresh token was already used, so the session has been ended for safety; log in again.",
            ),
            RefreshError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<LogOutError> for ApiError {
    fn from(error: LogOutError) -> Self {
        match error {
            LogOutError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<AuthenticateError> for ApiError {
    fn from(error: AuthenticateError) -> Self {
        match error {
            AuthenticateError::InvalidToken => Self::unauthenticated("The access token is invalid."),
            AuthenticateError::Expired => {
                Self::unauthenticated("The access token has expired; refresh it or log in again.")
            }
            AuthenticateError::SessionEnded => Self::unauthenticated("This session has ended; log in again."),
            AuthenticateError::Deactivated => Self::unauthenticated("This account has been deactivated."),
            AuthenticateError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<CurrentUserError> for ApiError {
    fn from(error: CurrentUserError) -> Self {
        match error {
            CurrentUserError::NotFound => Self::unauthenticated("This account no longer exists."),
            CurrentUserError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<UpdateProfileError> for ApiError {
    fn from(error: UpdateProfileError) -> Self {
        match error {
            UpdateProfileError::NotFound => Self::unauthenticated("This account no longer exists."),
            UpdateProfileError::EmailTaken => Self::conflict("email", "This email is already registered."),
            UpdateProfileError::UsernameTaken => Self::conflict("username", "This username is already taken."),
            UpdateProfileError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(error: ChangePasswordError) -> Self {
        match error {
            ChangePasswordError::WrongPassword => Self::validation(ValidationErrors::single(
                "currentPassword",
                "incorrect",
                "The current password is incorrect.",
            )),
            ChangePasswordError::Validation(errors) => Self::validation(errors),
            ChangePasswordError::NotFound => Self::unauthenticated("This account no longer exists."),
            ChangePasswordError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::Forbidden => Self::new(ErrorCode::Forbidden, "Only admins may manage accounts."),
            AdminError::NotFound => Self::not_found("No user has this id."),
            AdminError::LastActiveAdmin => {
                Self::new(ErrorCode::Conflict, "This is the last active admin; promote another admin first.")
            }
            AdminError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<folio_domain::jobs::JobAdminError> for ApiError {
    fn from(error: folio_domain::jobs::JobAdminError) -> Self {
        use folio_domain::jobs::JobAdminError;
        match error {
            JobAdminError::Forbidden => Self::new(ErrorCode::Forbidden, "Only admins may manage jobs."),
            JobAdminError::NotFound => Self::not_found("No job has this id."),
            JobAdminError::NotDead => {
                Self::new(ErrorCode::Conflict, "Only dead jobs can be retried; this one is not dead.")
            }
            JobAdminError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::NotFound => Self::not_found("No profile has this username."),
            ProfileError::CannotFollowSelf => {
                Self::validation(ValidationErrors::single("username", "self_follow", "You cannot follow yourself."))
            }
            ProfileError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<PostError> for ApiError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::NotFound => Self::not_found("No post has this slug."),
            PostError::CommentNotFound => Self::not_found("No comment with this id is on this post."),
            PostError::Forbidden => Self::new(ErrorCode::Forbidden, "You may not change this."),
            PostError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<ListPostsError> for ApiError {
    fn from(error: ListPostsError) -> Self {
        match error {
            ListPostsError::SignInRequired => {
                Self::unauthenticated("Sign in to list your own posts or drafts (author=me, status=draft).")
            }
            ListPostsError::DraftsOfOthers => Self::validation(ValidationErrors::single(
                "status",
                "drafts_of_others",
                "Drafts can only be listed with author=me.",
            )),
            ListPostsError::Unknown(error) => Self::internal(&error),
        }
    }
}

/// 400 on `token`: a link that cannot be used (any reason, deliberately not told apart).
fn invalid_link() -> ApiError {
    ApiError::validation(ValidationErrors::single(
        "token",
        "invalid_token",
        "This link is invalid, has expired or was already used; ask for a new one.",
    ))
}

impl From<VerifyEmailError> for ApiError {
    fn from(error: VerifyEmailError) -> Self {
        match error {
            VerifyEmailError::InvalidToken => invalid_link(),
            VerifyEmailError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<ResendVerificationError> for ApiError {
    fn from(error: ResendVerificationError) -> Self {
        match error {
            ResendVerificationError::AlreadyVerified => {
                Self::new(ErrorCode::Conflict, "This e-mail address is already verified.")
            }
            ResendVerificationError::NotFound => Self::unauthenticated("This account no longer exists."),
            ResendVerificationError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<RequestPasswordResetError> for ApiError {
    fn from(error: RequestPasswordResetError) -> Self {
        match error {
            RequestPasswordResetError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<ResetPasswordError> for ApiError {
    fn from(error: ResetPasswordError) -> Self {
        match error {
            ResetPasswordError::InvalidToken => invalid_link(),
            ResetPasswordError::Validation(errors) => Self::validation(errors),
            ResetPasswordError::Unknown(error) => Self::internal(&error),
        }
    }
}

/// The one message of every webhook refusal to a non-admin.
const WEBHOOKS_FORBIDDEN: &str = "Only admins may manage webhooks.";
/// The one message of every unknown webhook endpoint.
const WEBHOOK_NOT_FOUND: &str = "No webhook endpoint has this id.";

impl From<CreateWebhookError> for ApiError {
    fn from(error: CreateWebhookError) -> Self {
        match error {
            CreateWebhookError::Forbidden => Self::new(ErrorCode::Forbidden, WEBHOOKS_FORBIDDEN),
            CreateWebhookError::Validation(errors) => Self::validation(errors),
            CreateWebhookError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<UpdateWebhookError> for ApiError {
    fn from(error: UpdateWebhookError) -> Self {
        match error {
            UpdateWebhookError::Forbidden => Self::new(ErrorCode::Forbidden, WEBHOOKS_FORBIDDEN),
            UpdateWebhookError::NotFound => Self::not_found(WEBHOOK_NOT_FOUND),
            UpdateWebhookError::Validation(errors) => Self::validation(errors),
            UpdateWebhookError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<WebhookAdminError> for ApiError {
    fn from(error: WebhookAdminError) -> Self {
        match error {
            WebhookAdminError::Forbidden => Self::new(ErrorCode::Forbidden, WEBHOOKS_FORBIDDEN),
            WebhookAdminError::NotFound => Self::not_found(WEBHOOK_NOT_FOUND),
            WebhookAdminError::Unknown(error) => Self::internal(&error),
        }
    }
}
