//! The password policy wherever a password is set: registration and a change
//! refuse a well-known password under the strict policy (the default) and
//! accept it under the lenient one.

use super::*;
use crate::accounts::values::PasswordPolicy;

/// On the list of well-known passwords, and the RealWorld spec's example.
const WELL_KNOWN: &str = "password123";

#[tokio::test]
async fn register_with_a_well_known_password_is_refused_by_default_naming_password_and_stores_nothing() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.hasher.expect_hash().times(0);
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.register(registration(WELL_KNOWN)).await;

    // Assert
    let Err(RegisterError::Validation(errors)) = result else { panic!("expected a validation error, got {result:?}") };
    let error = only_field_error(errors.errors());
    assert_eq!((error.field.as_str(), error.code), ("password", "too_common"));
}

#[tokio::test]
async fn register_with_a_well_known_password_under_the_lenient_policy_goes_on_to_hash_it() {
    // Arrange: the hasher is reached, and its failure ends the attempt.
    let mut ports = Ports::new().starting_no_session();
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == WELL_KNOWN)
        .times(1)
        .returning(|_| ready(Err(unavailable())));
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts().with_password_policy(PasswordPolicy::LENIENT);

    // Act
    let result = accounts.register(registration(WELL_KNOWN)).await;

    // Assert
    assert!(!matches!(result, Err(RegisterError::Validation(_))), "the policy let it through: {result:?}");
}

#[tokio::test]
async fn register_with_the_username_as_password_is_refused_under_the_lenient_policy_too() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.hasher.expect_hash().times(0);
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts().with_password_policy(PasswordPolicy::LENIENT);

    // Act
    let result = accounts.register(registration("ALICE_SMITH")).await;

    // Assert
    let Err(RegisterError::Validation(errors)) = result else { panic!("expected a validation error, got {result:?}") };
    assert_eq!(only_field_error(errors.errors()).code, "matches_identity");
}

#[tokio::test]
async fn replace_password_with_a_well_known_one_follows_the_policy() {
    for (policy, refused) in [(PasswordPolicy::STRICT, true), (PasswordPolicy::LENIENT, false)] {
        // Arrange
        let mut ports = Ports::new().finding_user(alice());
        ports.hasher.expect_hash().times(usize::from(!refused)).returning(|_| ready(Ok(new_hash())));
        ports.users.expect_change_password().times(usize::from(!refused)).returning(|_, _, _, _| ready(Ok(())));
        let accounts = ports.into_accounts().with_password_policy(policy);
        let new = Password::parse(WELL_KNOWN.to_owned()).expect("a valid shape");

        // Act
        let result = accounts.replace_password(alice_signed_in_as(Role::User), new).await;

        // Assert
        if refused {
            let Err(ChangePasswordError::Validation(errors)) = result else {
                panic!("{policy:?}: expected a validation error, got {result:?}")
            };
            let error = only_field_error(errors.errors());
            assert_eq!((error.field.as_str(), error.code), ("newPassword", "too_common"));
        } else {
            assert!(result.is_ok(), "{policy:?}: {result:?}");
        }
    }
}
