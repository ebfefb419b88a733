//! Wire shapes of the native API and their conversion to and from the domain.

use folio_domain::accounts::SignedIn;
use folio_domain::user::User;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::envelope::timestamp;

/// An account as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserBody {
    id: Uuid,
    email: String,
    username: String,
    display_name: Option<String>,
    bio: Option<String>,
    image: Option<String>,
    role: &'static str,
    status: &'static str,
    created_at: String,
    updated_at: String,
}

impl From<User> for UserBody {
    fn from(user: User) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            display_name: user.display_name.map(|v| v.as_str().to_owned()),
            bio: user.bio.map(|v| v.as_str().to_owned()),
            image: user.image.map(|v| v.as_str().to_owned()),
            role: user.role.as_str(),
            status: user.status.as_str(),
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
        }
    }
}

/// The answer to register, log in and refresh.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignedInBody {
    user: UserBody,
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: u64,
}

impl From<SignedIn> for SignedInBody {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            user: signed_in.user.into(),
            access_token: signed_in.tokens.access_token.expose_secret().to_owned(),
            refresh_token: signed_in.tokens.refresh_token.expose_secret().to_owned(),
            token_type: "Bearer",
            expires_in: signed_in.tokens.expires_in,
        }
    }
}

/// Deserialises a field that may be absent (outer `None`), `null`
/// (`Some(None)`) or a value, for partial updates.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
