//! Profiles, following and unfollowing.

use super::*;

#[tokio::test]
async fn profile_returns_the_profile_as_seen_by_the_reader() {
    // Arrange
    let followed = profile(Author { following: Following::Yes, ..person(BOB, "bob") }, 5);
    let content = Ports::new().finding_profile("bob", Some(user_id(ALICE)), Some(followed.clone())).into_content();

    // Act
    let found = content.profile(Some(alice()), username("bob")).await.expect("the profile is found");

    // Assert
    assert_eq!(found, followed);
}

#[tokio::test]
async fn profile_for_an_anonymous_reader_is_read_with_no_reader() {
    // Arrange
    let stored = profile(person(BOB, "bob"), 5);
    let content = Ports::new().finding_profile("bob", None, Some(stored.clone())).into_content();

    // Act
    let found = content.profile(None, username("bob")).await.expect("the profile is found");

    // Assert
    assert_eq!(found, stored);
}

#[tokio::test]
async fn profile_of_an_unknown_username_returns_not_found() {
    // Arrange
    let content = Ports::new().finding_profile("nobody", None, None).into_content();

    // Act
    let result = content.profile(None, username("nobody")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn profile_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.profiles.expect_find_profile().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.profile(None, username("bob")).await;

    // Assert
    let Err(ProfileError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
/// Ports where Alice (un)follows Bob: his profile is read, `write` is expected
/// by the caller, then his profile is read again and answers `after`.
fn changing_the_follow_of_bob(
    set_up_write: impl FnOnce(&mut MockProfileRepository, &mut Sequence),
    after: Profile,
) -> Ports {
    let mut ports = Ports::new();
    let mut order = Sequence::new();
    let before = profile(person(BOB, "bob"), 4);
    ports
        .profiles
        .expect_find_profile()
        .with(eq(username("bob")), eq(Some(user_id(ALICE))))
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_, _| ready(Ok(Some(before.clone()))));
    set_up_write(&mut ports.profiles, &mut order);
    ports
        .profiles
        .expect_find_profile()
        .with(eq(username("bob")), eq(Some(user_id(ALICE))))
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_, _| ready(Ok(Some(after.clone()))));
    ports
}

#[tokio::test]
async fn follow_records_the_follow_at_now_and_returns_the_profile_read_again() {
    // Arrange
    let after = profile(Author { following: Following::Yes, ..person(BOB, "bob") }, 5);
    let mut ports = changing_the_follow_of_bob(
        |profiles, order| {
            profiles
                .expect_follow()
                .withf(|follower, followee, when, events| {
                    *follower == user_id(ALICE)
                        && *followee == user_id(BOB)
                        && *when == now()
                        && matches!(events, [NewEvent { data: EventData::UserFollowed { follower, followee }, .. }]
                            if follower.username == "alice" && followee.username == "bob")
                })
                .times(1)
                .in_sequence(order)
                .returning(|_, _, _, _| ready(Ok(())));
        },
        after.clone(),
    );
    ports.profiles.expect_unfollow().times(0);
    let content = ports.into_content();

    // Act
    let followed = content.follow(alice(), username("bob")).await.expect("the follow succeeds");

    // Assert
    assert_eq!(followed, after);
}

#[tokio::test]
async fn follow_of_an_unknown_username_returns_not_found_and_writes_nothing() {
    // Arrange
    let content =
        Ports::new().finding_profile("nobody", Some(user_id(ALICE)), None).changing_no_follow().into_content();

    // Act
    let result = content.follow(alice(), username("nobody")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn follow_of_oneself_returns_cannot_follow_self_and_writes_nothing() {
    // Arrange
    let own = profile(person(ALICE, "alice"), 2);
    let content =
        Ports::new().finding_profile("alice", Some(user_id(ALICE)), Some(own)).changing_no_follow().into_content();

    // Act
    let result = content.follow(alice(), username("alice")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::CannotFollowSelf)), "got {result:?}");
}

#[tokio::test]
async fn follow_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_profile("bob", Some(user_id(ALICE)), Some(profile(person(BOB, "bob"), 4)));
    ports.profiles.expect_follow().times(1).returning(|_, _, _, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.follow(alice(), username("bob")).await;

    // Assert
    let Err(ProfileError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn unfollow_removes_the_follow_and_returns_the_profile_read_again() {
    // Arrange
    let after = profile(person(BOB, "bob"), 3);
    let mut ports = changing_the_follow_of_bob(
        |profiles, order| {
            profiles
                .expect_unfollow()
                .with(eq(user_id(ALICE)), eq(user_id(BOB)))
                .times(1)
                .in_sequence(order)
                .returning(|_, _| ready(Ok(())));
        },
        after.clone(),
    );
    ports.profiles.expect_follow().times(0);
    let content = ports.into_content();

    // Act
    let unfollowed = content.unfollow(alice(), username("bob")).await.expect("the unfollow succeeds");

    // Assert
    assert_eq!(unfollowed, after);
}

#[tokio::test]
async fn unfollow_of_an_unknown_username_returns_not_found_and_writes_nothing() {
    // Arrange
    let content =
        Ports::new().finding_profile("nobody", Some(user_id(ALICE)), None).changing_no_follow().into_content();

    // Act
    let result = content.unfollow(alice(), username("nobody")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn unfollow_of_oneself_returns_cannot_follow_self_and_writes_nothing() {
    // Arrange
    let own = profile(person(ALICE, "alice"), 2);
    let content =
        Ports::new().finding_profile("alice", Some(user_id(ALICE)), Some(own)).changing_no_follow().into_content();

    // Act
    let result = content.unfollow(alice(), username("alice")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::CannotFollowSelf)), "got {result:?}");
}
