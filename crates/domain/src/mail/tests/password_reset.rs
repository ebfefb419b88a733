//! Asking for a password reset and resetting it.

use super::*;

/// Finding credentials by Alice's address gives `user`, once.
fn finding_credentials(mut ports: Ports, user: Option<User>) -> Ports {
    ports.users.expect_find_credentials_by_email().with(eq(alice().email)).times(1).returning(move |_| {
        let credentials = user
            .clone()
            .map(|user| UserCredentials { user, password_hash: PasswordHash::new("$2b$04$stored".to_owned()) });
        ready(Ok(credentials))
    });
    ports
}

#[tokio::test]
async fn request_password_reset_for_an_unknown_email_succeeds_and_writes_nothing() {
    // Arrange: no hashing expected either (MockPasswordHasher has no
    // expectation, and writing_nothing forbids hash()).
    let ports = finding_credentials(Ports::new(), None).writing_nothing();

    // Act
    let result = ports.into_service().request_password_reset(alice().email).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn request_password_reset_for_a_deactivated_account_succeeds_and_writes_nothing() {
    let ports = finding_credentials(Ports::new(), Some(alice().deactivated())).writing_nothing();

    let result = ports.into_service().request_password_reset(alice().email).await;

    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn request_password_reset_for_an_active_account_stores_a_one_hour_token_and_its_event_together() {
    // Arrange
    let mut ports = finding_credentials(Ports::new(), Some(alice())).handing_out_ids(&[TOKEN]);
    ports.hasher.expect_hash().times(0);
    ports.hasher.expect_verify().times(0);
    let stored = Arc::new(Mutex::new(None));
    let log = Arc::clone(&stored);
    ports.tokens.expect_store().times(1).returning(move |token, events| {
        *log.lock().expect("not poisoned") = Some((token.clone(), events.to_vec()));
        ready(Ok(()))
    });

    // Act
    let result = ports.into_service().request_password_reset(alice().email).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
    let (token, events) = stored.lock().expect("not poisoned").clone().expect("a token was stored");
    assert_eq!(
        token,
        NewAccountToken {
            id: token_id(),
            user_id: UserId::new(ALICE),
            purpose: TokenPurpose::ResetPassword,
            email: alice().email,
            hash: digest_of(&presented(TokenPurpose::ResetPassword)),
            created_at: now(),
            expires_at: now() + Duration::hours(1),
        }
    );
    let expected_data = EventData::PasswordResetRequested {
        user: UserRef { id: ALICE, username: "alice".to_owned() },
        token_id: TOKEN,
    };
    assert_eq!(events, vec![NewEvent { occurred_at: now(), data: expected_data }]);
    let json = serde_json::to_string(&events[0].data).expect("serialises");
    let token = presented(TokenPurpose::ResetPassword);
    assert!(!json.contains(token.expose_secret()), "the event must not carry the token: {json}");
}

#[tokio::test]
async fn request_password_reset_reports_an_outage() {
    let mut ports = Ports::new().writing_nothing();
    ports.users.expect_find_credentials_by_email().times(1).returning(|_| ready(Err(unavailable())));

    let result = ports.into_service().request_password_reset(alice().email).await;

    let Err(RequestPasswordResetError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert!(PortError::is_unavailable(&error));
}
#[tokio::test]
async fn reset_password_hashes_the_password_then_spends_the_token_and_ends_every_session() {
    // Arrange
    let token = presented(TokenPurpose::ResetPassword);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
    let mut order = Sequence::new();
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == PASSWORD)
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| ready(Ok(new_hash())));
    // The port method that sets the hash, spends the token and revokes every
    // session in one transaction.
    ports
        .tokens
        .expect_reset_password()
        .with(eq(token_id()), eq(new_hash()), eq(now()))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _| ready(Ok(Redemption::Redeemed)));

    // Act
    let result = ports.into_service().reset_password(token, new_password()).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

/// `reset_password` with `token` when storage has `record` (and Alice is
/// `user`) is refused as an invalid token, hashing and writing nothing.
async fn reset_password_is_refused(token: AccountToken, record: Option<AccountTokenRecord>, user: Option<User>) {
    let mut ports = Ports::new().finding_token(&token, record).writing_nothing();
    if let Some(user) = user {
        ports = ports.finding_user(user);
    }

    let result = ports.into_service().reset_password(token, new_password()).await;

    assert!(matches!(result, Err(ResetPasswordError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn reset_password_with_an_unknown_token_is_refused() {
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), None, None).await;
}

#[tokio::test]
async fn reset_password_with_an_expired_token_is_refused() {
    let expired = record(TokenPurpose::ResetPassword).expired();
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(expired), None).await;
}

#[tokio::test]
async fn reset_password_with_a_used_token_is_refused() {
    let spent = record(TokenPurpose::ResetPassword).spent();
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(spent), None).await;
}

#[tokio::test]
async fn reset_password_with_a_verification_token_is_refused() {
    let verification = record(TokenPurpose::VerifyEmail);
    reset_password_is_refused(presented(TokenPurpose::VerifyEmail), Some(verification), None).await;
}

#[tokio::test]
async fn reset_password_for_a_deactivated_account_is_refused() {
    let live = record(TokenPurpose::ResetPassword);
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(live), Some(alice().deactivated())).await;
}

#[tokio::test]
async fn reset_password_after_the_address_changed_is_refused() {
    let live = record(TokenPurpose::ResetPassword);
    let moved = alice().at("alice@example.org");
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(live), Some(moved)).await;
}

#[tokio::test]
async fn reset_password_to_the_email_address_is_a_validation_error_and_changes_nothing() {
    // Arrange
    let token = presented(TokenPurpose::ResetPassword);
    let ports = Ports::new()
        .finding_token(&token, Some(record(TokenPurpose::ResetPassword)))
        .finding_user(alice())
        .writing_nothing();
    let same_as_email = Password::parse("alice@example.com".to_owned()).expect("passes the policy alone");

    // Act
    let result = ports.into_service().reset_password(token, same_as_email).await;

    // Assert
    let Err(ResetPasswordError::Validation(errors)) = result else { panic!("expected Validation, got {result:?}") };
    assert_eq!(errors.errors().len(), 1);
    assert_eq!((errors.errors()[0].field.as_str(), errors.errors()[0].code), ("newPassword", "matches_identity"));
}

#[tokio::test]
async fn reset_password_that_loses_a_race_for_the_token_is_refused() {
    // Arrange: both confirmations hashed; the other one spent the token first.
    let token = presented(TokenPurpose::ResetPassword);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
    ports.hasher.expect_hash().times(1).returning(|_| ready(Ok(new_hash())));
    ports.tokens.expect_reset_password().times(1).returning(|_, _, _| ready(Ok(Redemption::Stale)));

    // Act
    let result = ports.into_service().reset_password(token, new_password()).await;

    // Assert
    assert!(matches!(result, Err(ResetPasswordError::InvalidToken)), "got {result:?}");
}
