//! Logging in, and the lockout of an address after repeated failures.

use super::*;

#[tokio::test]
async fn log_in_with_the_right_password_starts_a_session_and_returns_tokens_carrying_the_users_role() {
    // Arrange
    let moderator = alice().with_role(Role::Moderator);
    let accounts = Ports::new()
        .handing_out_ids(&[SESSION, TOKEN_ID])
        .finding_credentials_by_email(moderator.clone())
        .verifying(PASSWORD, stored_hash(), PasswordMatch::Matches)
        .starting_a_session_for(&moderator)
        .into_accounts();

    // Act
    let signed_in = accounts
        .log_in("  Alice.Smith@Example.COM ".to_owned(), PasswordAttempt::new(PASSWORD.to_owned()))
        .await
        .expect("log-in succeeds");

    // Assert
    assert_eq!(signed_in.user, moderator);
    assert_eq!(signed_in.tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(signed_in.tokens.refresh_token.expose_secret(), REFRESH_TOKEN);
    assert_eq!(signed_in.tokens.expires_in, ACCESS_TTL);
}

#[tokio::test]
async fn log_in_with_unknown_email_hashes_a_dummy_and_returns_invalid_credentials() {
    // Arrange
    let mut ports = Ports::new().verifying(PASSWORD, dummy_hash(), PasswordMatch::DoesNotMatch).starting_no_session();
    ports
        .users
        .expect_find_credentials_by_email()
        .with(eq(Email::parse("nobody@example.com").expect("a valid email")))
        .times(1)
        .returning(|_| ready(Ok(None)));
    ports.hasher.expect_dummy_hash().times(1).returning(dummy_hash);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_in("nobody@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::InvalidCredentials)), "got {result:?}");
}

#[tokio::test]
async fn log_in_with_a_malformed_email_hashes_a_dummy_and_returns_invalid_credentials() {
    // Arrange
    let mut ports = Ports::new().verifying(PASSWORD, dummy_hash(), PasswordMatch::DoesNotMatch).starting_no_session();
    ports.users.expect_find_credentials_by_email().times(0);
    ports.hasher.expect_dummy_hash().times(1).returning(dummy_hash);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_in("not an email".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::InvalidCredentials)), "got {result:?}");
}

const LOCKOUT: crate::rate_limit::RateLimit =
    crate::rate_limit::RateLimit { max: 10, window: std::time::Duration::from_secs(15 * 60) };

#[tokio::test]
async fn log_in_to_a_locked_address_is_refused_before_any_lookup_or_hashing() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.users.expect_find_credentials_by_email().times(0);
    ports.hasher.expect_verify().times(0);
    let mut limiter = crate::rate_limit::MockRateLimiter::new();
    limiter
        .expect_peek()
        .withf(|key, limit| key == "login-failures:alice.smith@example.com" && *limit == LOCKOUT)
        .times(1)
        .returning(|_, _| {
            ready(Ok(crate::rate_limit::RateDecision::Limited { retry_after: std::time::Duration::from_secs(90) }))
        });
    limiter.expect_record().times(0);
    let accounts = ports.into_accounts().with_lockout(limiter, Some(LOCKOUT));

    // Act
    let result =
        accounts.log_in(" Alice.Smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(
        matches!(result, Err(LogInError::TooManyFailures { retry_after }) if retry_after.as_secs() == 90),
        "got {result:?}"
    );
}

#[tokio::test]
async fn a_failed_log_in_is_counted_against_the_address_and_a_success_is_not() {
    // Arrange: one wrong password, then the right one.
    let mut ports = Ports::new()
        .handing_out_ids(&[SESSION, TOKEN_ID])
        .verifying("wrong password", stored_hash(), PasswordMatch::DoesNotMatch)
        .verifying(PASSWORD, stored_hash(), PasswordMatch::Matches)
        .starting_a_session_for(&alice());
    ports.users.expect_find_credentials_by_email().times(2).returning(|_| ready(Ok(Some(credentials(alice())))));
    let mut limiter = crate::rate_limit::MockRateLimiter::new();
    limiter.expect_peek().times(2).returning(|_, limit| {
        ready(Ok(crate::rate_limit::RateDecision::Allowed { remaining: limit.max, reset_after: limit.window }))
    });
    limiter
        .expect_record()
        .withf(|key, limit| key == "login-failures:alice.smith@example.com" && *limit == LOCKOUT)
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let accounts = ports.into_accounts().with_lockout(limiter, Some(LOCKOUT));

    // Act
    let failed =
        accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new("wrong password".to_owned())).await;
    let succeeded =
        accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(failed, Err(LogInError::InvalidCredentials)), "got {failed:?}");
    assert!(succeeded.is_ok(), "got {succeeded:?}");
}

#[tokio::test]
async fn log_in_with_a_wrong_password_returns_invalid_credentials_and_starts_no_session() {
    // Arrange
    let mut ports = Ports::new()
        .finding_credentials_by_email(alice())
        .verifying("wrong password", stored_hash(), PasswordMatch::DoesNotMatch)
        .starting_no_session();
    ports.hasher.expect_dummy_hash().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new("wrong password".to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::InvalidCredentials)), "got {result:?}");
}

#[tokio::test]
async fn log_in_with_the_right_password_on_a_deactivated_account_returns_deactivated_and_starts_no_session() {
    // Arrange
    let accounts = Ports::new()
        .finding_credentials_by_email(alice().deactivated())
        .verifying(PASSWORD, stored_hash(), PasswordMatch::Matches)
        .starting_no_session()
        .into_accounts();

    // Act
    let result = accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::Deactivated)), "got {result:?}");
}

#[tokio::test]
async fn log_in_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.users.expect_find_credentials_by_email().times(1).returning(|_| ready(Err(unavailable())));
    ports.hasher.expect_verify().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    let Err(LogInError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
