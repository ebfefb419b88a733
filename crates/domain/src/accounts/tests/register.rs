//! Registration, and accounts created by the binary.

use super::*;

#[tokio::test]
async fn register_hashes_the_password_stores_a_user_with_role_user_and_signs_them_in() {
    // Arrange
    let stored = alice();
    let expected_email = stored.email.clone();
    let expected_username = stored.username.clone();
    let mut ports =
        Ports::new().handing_out_ids(&[ALICE, SESSION, TOKEN_ID]).making_a_refresh_token().signing(claims_for(&stored));
    ports.sessions.expect_start().times(0);
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == PASSWORD)
        .times(1)
        .returning(|_| ready(Ok(stored_hash())));
    let returned = stored.clone();
    ports
        .users
        .expect_create()
        .withf(move |new: &NewUser, session: &Option<NewSession>, events: &[NewEvent]| {
            registered_alice(events)
                && new.id == alice_id()
                && new.email == expected_email
                && new.username == expected_username
                && new.password_hash == stored_hash()
                && new.display_name.as_ref().map(DisplayName::as_str) == Some("Alice Smith")
                && new.bio.is_none()
                && new.image.is_none()
                && new.role == Role::User
                && new.created_at == now()
                && session.as_ref().is_some_and(|session| {
                    session.id == session_id()
                        && session.user_id == alice_id()
                        && session.refresh_token.hash == digest(REFRESH_TOKEN)
                        && session.refresh_token.expires_at == now() + seconds(REFRESH_TTL)
                        && session.created_at == now()
                })
        })
        .times(1)
        .returning(move |_, _, _| ready(Ok(returned.clone())));
    let accounts = ports.into_accounts();

    // Act
    let signed_in = accounts.register(registration(PASSWORD)).await.expect("registration succeeds");

    // Assert
    assert_eq!(signed_in.user, stored);
    assert_eq!(signed_in.tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(signed_in.tokens.refresh_token.expose_secret(), REFRESH_TOKEN);
    assert_eq!(signed_in.tokens.expires_in, ACCESS_TTL);
}

/// Registers Alice with `password`, which matches her identity, and checks that
/// the refusal names `password` and that nothing is hashed, stored or started.
async fn assert_register_refuses_identity_password(password: &str) {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.hasher.expect_hash().times(0);
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.register(registration(password)).await;

    // Assert
    let Err(RegisterError::Validation(errors)) = result else {
        panic!("password {password:?}: expected a validation error, got {result:?}");
    };
    let error = only_field_error(errors.errors());
    assert_eq!(error.field, "password", "password {password:?}");
    assert_eq!(error.code, "matches_identity", "password {password:?}");
}

#[tokio::test]
async fn register_with_the_email_as_password_is_refused_naming_password_and_stores_nothing() {
    assert_register_refuses_identity_password("Alice.Smith@Example.com").await;
}

#[tokio::test]
async fn register_with_the_email_local_part_as_password_is_refused_naming_password_and_stores_nothing() {
    assert_register_refuses_identity_password("alice.smith").await;
}

#[tokio::test]
async fn register_with_the_username_as_password_is_refused_naming_password_and_stores_nothing() {
    assert_register_refuses_identity_password("ALICE_SMITH").await;
}

/// Registers Alice while `create` fails with `error`, and returns the outcome.
async fn register_while_create_fails(error: fn() -> UserWriteError) -> Result<SignedIn, RegisterError> {
    let mut ports = Ports::new().handing_out_ids(&[ALICE, SESSION]).making_a_refresh_token().starting_no_session();
    ports.hasher.expect_hash().times(1).returning(|_| ready(Ok(stored_hash())));
    ports.users.expect_create().times(1).returning(move |_, _, _| ready(Err(error())));
    ports.into_accounts().register(registration(PASSWORD)).await
}

#[tokio::test]
async fn register_with_a_taken_email_returns_email_taken_and_starts_no_session() {
    let result = register_while_create_fails(|| UserWriteError::Duplicate(UniqueField::Email)).await;

    assert!(matches!(result, Err(RegisterError::EmailTaken)), "got {result:?}");
}

#[tokio::test]
async fn register_with_a_taken_username_returns_username_taken_and_starts_no_session() {
    let result = register_while_create_fails(|| UserWriteError::Duplicate(UniqueField::Username)).await;

    assert!(matches!(result, Err(RegisterError::UsernameTaken)), "got {result:?}");
}

#[tokio::test]
async fn register_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    let result = register_while_create_fails(|| UserWriteError::Port(unavailable())).await;

    let Err(RegisterError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn register_when_hashing_fails_returns_unknown_not_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.hasher.expect_hash().times(1).returning(|_| ready(Err(broken())));
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.register(registration(PASSWORD)).await;

    // Assert
    let Err(RegisterError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn create_account_stores_the_given_role_and_starts_no_session() {
    // Arrange
    let admin = alice().with_role(Role::Admin);
    let mut ports = Ports::new().handing_out_ids(&[ALICE]).starting_no_session();
    ports.hasher.expect_hash().times(1).returning(|_| ready(Ok(stored_hash())));
    let returned = admin.clone();
    ports
        .users
        .expect_create()
        .withf(|new: &NewUser, session: &Option<NewSession>, events: &[NewEvent]| {
            registered_alice(events)
                && new.role == Role::Admin
                && new.password_hash == stored_hash()
                && session.is_none()
        })
        .times(1)
        .returning(move |_, _, _| ready(Ok(returned.clone())));
    let accounts = ports.into_accounts();

    // Act
    let user = accounts.create_account(registration(PASSWORD), Role::Admin).await.expect("account created");

    // Assert
    assert_eq!(user, admin);
}
