//! Verifying an address and asking for a new link.

use super::*;

#[tokio::test]
async fn verify_email_spends_a_live_token_and_verifies_the_address() {
    // Arrange
    let token = presented(TokenPurpose::VerifyEmail);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::VerifyEmail))).finding_user(alice());
    ports
        .tokens
        .expect_confirm_email()
        .with(eq(token_id()), eq(now()))
        .times(1)
        .returning(|_, _| ready(Ok(Redemption::Redeemed)));

    // Act
    let result = ports.into_service().verify_email(token).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

/// `verify_email` with `token` when storage has `record` (and Alice is
/// `user`) is refused as an invalid token, and writes nothing.
async fn verify_email_is_refused(token: AccountToken, record: Option<AccountTokenRecord>, user: Option<User>) {
    let mut ports = Ports::new().finding_token(&token, record).writing_nothing();
    if let Some(user) = user {
        ports = ports.finding_user(user);
    }

    let result = ports.into_service().verify_email(token).await;

    assert!(matches!(result, Err(VerifyEmailError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn verify_email_with_an_unknown_token_is_refused() {
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), None, None).await;
}

#[tokio::test]
async fn verify_email_with_an_expired_token_is_refused() {
    let expired = record(TokenPurpose::VerifyEmail).expired();
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(expired), None).await;
}

#[tokio::test]
async fn verify_email_with_a_spent_token_is_refused() {
    let spent = record(TokenPurpose::VerifyEmail).spent();
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(spent), None).await;
}

#[tokio::test]
async fn verify_email_with_a_password_reset_token_is_refused() {
    let reset = record(TokenPurpose::ResetPassword);
    verify_email_is_refused(presented(TokenPurpose::ResetPassword), Some(reset), None).await;
}

#[tokio::test]
async fn verify_email_for_a_deactivated_account_is_refused() {
    let live = record(TokenPurpose::VerifyEmail);
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(live), Some(alice().deactivated())).await;
}

#[tokio::test]
async fn verify_email_after_the_address_changed_is_refused() {
    let live = record(TokenPurpose::VerifyEmail);
    let moved = alice().at("alice@example.org");
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(live), Some(moved)).await;
}

#[tokio::test]
async fn verify_email_that_loses_a_race_for_the_token_is_refused() {
    // Arrange: the token was live when read, spent by the time of the write.
    let token = presented(TokenPurpose::VerifyEmail);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::VerifyEmail))).finding_user(alice());
    ports.tokens.expect_confirm_email().times(1).returning(|_, _| ready(Ok(Redemption::Stale)));

    // Act
    let result = ports.into_service().verify_email(token).await;

    // Assert
    assert!(matches!(result, Err(VerifyEmailError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn verify_email_reports_an_outage_as_unavailable() {
    let mut ports = Ports::new();
    ports.tokens.expect_find_by_hash().times(1).returning(|_| ready(Err(unavailable())));

    let result = ports.into_service().verify_email(presented(TokenPurpose::VerifyEmail)).await;

    let Err(VerifyEmailError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert!(PortError::is_unavailable(&error));
}
#[tokio::test]
async fn resend_verification_stores_a_token_and_its_event_together() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice()).handing_out_ids(&[TOKEN]);
    let expected_token = NewAccountToken {
        id: token_id(),
        user_id: UserId::new(ALICE),
        purpose: TokenPurpose::VerifyEmail,
        email: alice().email,
        hash: digest_of(&presented(TokenPurpose::VerifyEmail)),
        created_at: now(),
        expires_at: now() + Duration::hours(24),
    };
    let expected_event = NewEvent {
        occurred_at: now(),
        data: EventData::VerificationRequested {
            user: UserRef { id: ALICE, username: "alice".to_owned() },
            token_id: TOKEN,
        },
    };
    ports
        .tokens
        .expect_store()
        .withf(move |token, events| *token == expected_token && events == [expected_event.clone()])
        .times(1)
        .returning(|_, _| ready(Ok(())));

    // Act
    let result = ports.into_service().resend_verification(alice_signed_in()).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn resend_verification_for_a_verified_address_is_refused_and_writes_nothing() {
    let ports = Ports::new().finding_user(alice().verified()).writing_nothing();

    let result = ports.into_service().resend_verification(alice_signed_in()).await;

    assert!(matches!(result, Err(ResendVerificationError::AlreadyVerified)), "got {result:?}");
}

#[tokio::test]
async fn resend_verification_for_a_vanished_account_is_not_found() {
    let mut ports = Ports::new().writing_nothing();
    ports.users.expect_find_by_id().times(1).returning(|_| ready(Ok(None)));

    let result = ports.into_service().resend_verification(alice_signed_in()).await;

    assert!(matches!(result, Err(ResendVerificationError::NotFound)), "got {result:?}");
}
