//! The caller's own account and profile.

use super::*;

#[tokio::test]
async fn current_user_returns_the_principals_account() {
    let accounts = Ports::new().finding_user(alice()).into_accounts();

    let user = accounts.current_user(alice_signed_in_as(Role::User)).await.expect("the account exists");

    assert_eq!(user, alice());
}

#[tokio::test]
async fn current_user_of_a_deleted_account_returns_not_found() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_by_id().with(eq(alice_id())).times(1).returning(|_| ready(Ok(None)));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.current_user(alice_signed_in_as(Role::User)).await;

    // Assert
    assert!(matches!(result, Err(CurrentUserError::NotFound)), "got {result:?}");
}
fn new_bio_and_email() -> ProfileChanges {
    ProfileChanges {
        email: Some(Email::parse("alice@example.org").expect("a valid email")),
        bio: FieldUpdate::Set(Bio::parse("Writes about Rust.").expect("a valid bio")),
        ..ProfileChanges::default()
    }
}

/// Ports where `update_profile(alice, changes, now)` gives `outcome`, once.
fn updating_profile(
    changes: ProfileChanges,
    outcome: impl Fn() -> Result<User, UserWriteError> + Send + 'static,
) -> Ports {
    let mut ports = Ports::new();
    ports
        .users
        .expect_update_profile()
        .with(eq(alice_id()), eq(changes), eq(now()))
        .times(1)
        .returning(move |_, _, _| ready(outcome()));
    ports
}

#[tokio::test]
async fn update_profile_writes_the_changes_and_returns_the_account_as_stored() {
    // Arrange
    let changes = new_bio_and_email();
    let stored = User {
        email: changes.email.clone().expect("the change sets an email"),
        bio: Some(Bio::parse("Writes about Rust.").expect("a valid bio")),
        updated_at: now(),
        ..alice()
    };
    let returned = stored.clone();
    let accounts = updating_profile(changes.clone(), move || Ok(returned.clone())).into_accounts();

    // Act
    let user = accounts.update_profile(alice_signed_in_as(Role::User), changes).await.expect("the update succeeds");

    // Assert
    assert_eq!(user, stored);
}

#[tokio::test]
async fn update_profile_with_no_changes_writes_nothing_and_returns_the_account() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice());
    ports.users.expect_update_profile().times(0);
    let accounts = ports.into_accounts();

    // Act
    let user = accounts
        .update_profile(alice_signed_in_as(Role::User), ProfileChanges::default())
        .await
        .expect("nothing to change");

    // Assert
    assert_eq!(user, alice());
}

#[tokio::test]
async fn update_profile_to_a_taken_email_returns_email_taken() {
    let accounts =
        updating_profile(new_bio_and_email(), || Err(UserWriteError::Duplicate(UniqueField::Email))).into_accounts();

    let result = accounts.update_profile(alice_signed_in_as(Role::User), new_bio_and_email()).await;

    assert!(matches!(result, Err(UpdateProfileError::EmailTaken)), "got {result:?}");
}

#[tokio::test]
async fn update_profile_to_a_taken_username_returns_username_taken() {
    // Arrange
    let changes = ProfileChanges {
        username: Some(Username::parse("bob").expect("a valid username")),
        ..ProfileChanges::default()
    };
    let accounts =
        updating_profile(changes.clone(), || Err(UserWriteError::Duplicate(UniqueField::Username))).into_accounts();

    // Act
    let result = accounts.update_profile(alice_signed_in_as(Role::User), changes).await;

    // Assert
    assert!(matches!(result, Err(UpdateProfileError::UsernameTaken)), "got {result:?}");
}

#[tokio::test]
async fn update_profile_of_a_deleted_account_returns_not_found() {
    let accounts = updating_profile(new_bio_and_email(), || Err(UserWriteError::NotFound)).into_accounts();

    let result = accounts.update_profile(alice_signed_in_as(Role::User), new_bio_and_email()).await;

    assert!(matches!(result, Err(UpdateProfileError::NotFound)), "got {result:?}");
}
