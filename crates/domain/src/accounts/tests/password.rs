//! Changing and replacing one's own password.

use super::*;

const NEW_PASSWORD: &str = "a brand new passphrase";

fn password_change(current: &str, new: &str) -> PasswordChange {
    PasswordChange {
        current: PasswordAttempt::new(current.to_owned()),
        new: Password::parse(new.to_owned()).expect("passes the policy on its own"),
    }
}

/// Ports where Alice's credentials are found by id, once.
fn finding_alices_credentials() -> Ports {
    let mut ports = Ports::new();
    ports
        .users
        .expect_find_credentials_by_id()
        .with(eq(alice_id()))
        .times(1)
        .returning(|_| ready(Ok(Some(credentials(alice())))));
    ports
}

#[tokio::test]
async fn change_password_with_a_wrong_current_password_returns_wrong_password_and_writes_nothing() {
    // Arrange
    let mut ports =
        finding_alices_credentials().verifying("not my password", stored_hash(), PasswordMatch::DoesNotMatch);
    ports.hasher.expect_hash().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts
        .change_password(alice_signed_in_as(Role::User), password_change("not my password", NEW_PASSWORD))
        .await;

    // Assert
    assert!(matches!(result, Err(ChangePasswordError::WrongPassword)), "got {result:?}");
}

#[tokio::test]
async fn change_password_to_the_username_is_refused_naming_new_password_and_writes_nothing() {
    // Arrange
    let mut ports = finding_alices_credentials().verifying(PASSWORD, stored_hash(), PasswordMatch::Matches);
    ports.hasher.expect_hash().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.change_password(alice_signed_in_as(Role::User), password_change(PASSWORD, "Alice_Smith")).await;

    // Assert
    let Err(ChangePasswordError::Validation(errors)) = result else {
        panic!("expected a validation error, got {result:?}");
    };
    let error = only_field_error(errors.errors());
    assert_eq!(error.field, "newPassword");
    assert_eq!(error.code, "matches_identity");
}

#[tokio::test]
async fn change_password_stores_the_new_hash_and_keeps_only_the_callers_session() {
    // Arrange
    let mut ports = finding_alices_credentials().verifying(PASSWORD, stored_hash(), PasswordMatch::Matches);
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == NEW_PASSWORD)
        .times(1)
        .returning(|_| ready(Ok(new_hash())));
    ports
        .users
        .expect_change_password()
        .with(eq(alice_id()), eq(new_hash()), eq(session_id()), eq(now()))
        .times(1)
        .returning(|_, _, _, _| ready(Ok(())));
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.change_password(alice_signed_in_as(Role::User), password_change(PASSWORD, NEW_PASSWORD)).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn replace_password_needs_no_current_password_and_keeps_only_the_callers_session() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice());
    ports.hasher.expect_verify().times(0);
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == NEW_PASSWORD)
        .times(1)
        .returning(|_| ready(Ok(new_hash())));
    ports
        .users
        .expect_change_password()
        .with(eq(alice_id()), eq(new_hash()), eq(session_id()), eq(now()))
        .times(1)
        .returning(|_, _, _, _| ready(Ok(())));
    let accounts = ports.into_accounts();

    // Act
    let new = Password::parse(NEW_PASSWORD.to_owned()).expect("valid");
    let result = accounts.replace_password(alice_signed_in_as(Role::User), new).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn replace_password_with_the_username_is_refused_and_writes_nothing() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice());
    ports.hasher.expect_hash().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let new = Password::parse(alice().username.as_str().to_owned()).expect("passes the policy alone");
    let result = accounts.replace_password(alice_signed_in_as(Role::User), new).await;

    // Assert
    assert!(matches!(result, Err(ChangePasswordError::Validation(_))), "got {result:?}");
}

#[tokio::test]
async fn change_password_of_a_deleted_account_returns_not_found_and_checks_nothing() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_credentials_by_id().times(1).returning(|_| ready(Ok(None)));
    ports.hasher.expect_verify().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.change_password(alice_signed_in_as(Role::User), password_change(PASSWORD, NEW_PASSWORD)).await;

    // Assert
    assert!(matches!(result, Err(ChangePasswordError::NotFound)), "got {result:?}");
}
