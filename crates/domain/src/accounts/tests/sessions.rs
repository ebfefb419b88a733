//! Sessions: refreshing a token pair, logging out, authenticating a request.

use super::*;

const PRESENTED: &str = "presented-refresh-token";

/// Ports where presenting [`PRESENTED`] makes the store answer `rotation`, after
/// a replacement [`REFRESH_TOKEN`] valid for [`REFRESH_TTL`] was offered.
fn rotating_to(rotation: Rotation) -> Ports {
    let mut ports = Ports::new();
    ports
        .tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| Ok((RefreshToken::new(REFRESH_TOKEN.to_owned()), digest(REFRESH_TOKEN))));
    ports
        .sessions
        .expect_rotate()
        .withf(|presented, replacement, at| {
            *presented == digest(PRESENTED)
                && replacement.hash == digest(REFRESH_TOKEN)
                && replacement.expires_at == now() + seconds(REFRESH_TTL)
                && *at == now()
        })
        .times(1)
        .returning(move |_, _, _| ready(Ok(rotation)));
    ports
}

fn rotated() -> Rotation {
    Rotation::Rotated { session_id: session_id(), user_id: alice_id() }
}

fn presented() -> RefreshToken {
    RefreshToken::new(PRESENTED.to_owned())
}

#[tokio::test]
async fn refresh_with_a_live_token_returns_a_new_pair_with_the_replacement_refresh_token() {
    // Arrange: Alice was promoted since her last token; the new one says so.
    let moderator = alice().with_role(Role::Moderator);
    let accounts = rotating_to(rotated())
        .handing_out_ids(&[TOKEN_ID])
        .finding_user(moderator.clone())
        .signing(claims_for(&moderator))
        .revoking_nothing()
        .into_accounts();

    // Act
    let signed_in = accounts.refresh(presented()).await.expect("refresh succeeds");

    // Assert
    assert_eq!(signed_in.user, moderator);
    assert_eq!(signed_in.tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(signed_in.tokens.refresh_token.expose_secret(), REFRESH_TOKEN);
    assert_eq!(signed_in.tokens.expires_in, ACCESS_TTL);
}

#[tokio::test]
async fn refresh_with_a_spent_token_revokes_its_session_and_returns_reused() {
    // Arrange
    let mut ports = rotating_to(Rotation::AlreadySpent { session_id: session_id(), user_id: alice_id() })
        .revoking_the_session()
        .starting_no_session();
    ports.users.expect_find_by_id().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Reused)), "got {result:?}");
}

#[tokio::test]
async fn refresh_with_a_rejected_token_returns_rejected_and_revokes_nothing() {
    // Arrange
    let mut ports = rotating_to(Rotation::Rejected).revoking_nothing().starting_no_session();
    ports.users.expect_find_by_id().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Rejected)), "got {result:?}");
}

#[tokio::test]
async fn refresh_for_a_deactivated_user_revokes_the_session_and_returns_rejected() {
    // Arrange
    let accounts = rotating_to(rotated())
        .finding_user(alice().deactivated())
        .revoking_the_session()
        .starting_no_session()
        .into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Rejected)), "got {result:?}");
}

#[tokio::test]
async fn refresh_for_a_deleted_user_revokes_the_session_and_returns_rejected() {
    // Arrange
    let mut ports = rotating_to(rotated()).revoking_the_session().starting_no_session();
    ports.users.expect_find_by_id().with(eq(alice_id())).times(1).returning(|_| ready(Ok(None)));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Rejected)), "got {result:?}");
}
#[tokio::test]
async fn log_out_revokes_the_principals_session() {
    // Arrange
    let accounts = Ports::new().revoking_the_session().into_accounts();

    // Act
    let result = accounts.log_out(alice_signed_in_as(Role::User)).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn log_out_while_the_session_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.sessions.expect_revoke().times(1).returning(|_, _| ready(Err(unavailable())));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_out(alice_signed_in_as(Role::User)).await;

    // Assert
    let Err(LogOutError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
/// Ports where the access token is refused with `problem` and no session is read.
fn refusing_access_token(problem: InvalidAccessToken) -> Ports {
    let mut ports = Ports::new();
    ports.tokens.expect_verify_access().with(eq(ACCESS_TOKEN)).times(1).returning(move |_| Err(problem));
    ports.sessions.expect_find().times(0);
    ports
}

#[tokio::test]
async fn authenticate_with_an_expired_token_returns_expired_without_reading_the_session() {
    let accounts = refusing_access_token(InvalidAccessToken::Expired).into_accounts();

    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    assert!(matches!(result, Err(AuthenticateError::Expired)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_with_an_invalid_token_returns_invalid_token_without_reading_the_session() {
    let accounts = refusing_access_token(InvalidAccessToken::Invalid).into_accounts();

    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    assert!(matches!(result, Err(AuthenticateError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_with_an_unknown_session_returns_session_ended() {
    // Arrange
    let accounts = Ports::new().verifying_access_token(claims_for(&alice())).finding_session(None).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::SessionEnded)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_with_a_revoked_session_returns_session_ended() {
    // Arrange
    let revoked = SessionRecord { revoked_at: Some(now() - Duration::minutes(1)), ..live_session(Role::User) };
    let accounts =
        Ports::new().verifying_access_token(claims_for(&alice())).finding_session(Some(revoked)).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::SessionEnded)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_when_the_session_belongs_to_another_user_returns_invalid_token() {
    // Arrange
    let someone_elses = SessionRecord { user_id: UserId::new(OTHER_ADMIN), ..live_session(Role::Admin) };
    let accounts =
        Ports::new().verifying_access_token(claims_for(&alice())).finding_session(Some(someone_elses)).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_for_a_deactivated_account_returns_deactivated() {
    // Arrange
    let deactivated = SessionRecord { user_status: AccountStatus::Deactivated, ..live_session(Role::User) };
    let accounts =
        Ports::new().verifying_access_token(claims_for(&alice())).finding_session(Some(deactivated)).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::Deactivated)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_returns_the_role_from_the_session_record_not_from_the_token() {
    // Arrange: the token was issued while Alice was an admin; she has since been demoted.
    let token_claims = claims_for(&alice().with_role(Role::Admin));
    let accounts = Ports::new()
        .verifying_access_token(token_claims)
        .finding_session(Some(live_session(Role::User)))
        .into_accounts();

    // Act
    let principal = accounts.authenticate(ACCESS_TOKEN.to_owned()).await.expect("the token is accepted");

    // Assert
    assert_eq!(principal, alice_signed_in_as(Role::User));
}

#[tokio::test]
async fn authenticate_while_the_session_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().verifying_access_token(claims_for(&alice()));
    ports.sessions.expect_find().times(1).returning(|_| ready(Err(unavailable())));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    let Err(AuthenticateError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
