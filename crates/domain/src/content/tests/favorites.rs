//! Favouriting and unfavouriting a post.

use super::*;

#[tokio::test]
async fn favorite_of_a_published_post_records_it_at_now_and_returns_the_post_read_again() {
    // Arrange
    let after = published().favorited(1);
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published())).finding_post(
        MY_TITLE,
        Some(user_id(BOB)),
        Some(after.clone()),
    );
    ports
        .posts
        .expect_favorite()
        .with(eq(user_id(BOB)), eq(post_id()), eq(now()))
        .times(1)
        .returning(|_, _, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.favorite(bob(), slug(MY_TITLE)).await.expect("favourited");

    // Assert
    assert_eq!(post, after);
}

#[tokio::test]
async fn favorite_of_ones_own_draft_is_allowed() {
    // Arrange
    let after = draft().favorited(1);
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft())).finding_post(
        MY_TITLE,
        Some(user_id(ALICE)),
        Some(after.clone()),
    );
    ports
        .posts
        .expect_favorite()
        .with(eq(user_id(ALICE)), eq(post_id()), eq(now()))
        .times(1)
        .returning(|_, _, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.favorite(alice(), slug(MY_TITLE)).await.expect("favourited");

    // Assert
    assert_eq!(post, after);
}

#[tokio::test]
async fn favorite_of_a_draft_by_another_user_returns_not_found_and_records_nothing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).writing_no_post().into_content();

    // Act
    let result = content.favorite(bob(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn favorite_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published()));
    ports.posts.expect_favorite().times(1).returning(|_, _, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.favorite(bob(), slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn unfavorite_of_a_published_post_removes_it_and_returns_the_post_read_again() {
    // Arrange
    let before = published().favorited(3);
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(before)).finding_post(
        MY_TITLE,
        Some(user_id(BOB)),
        Some(published()),
    );
    ports.posts.expect_unfavorite().with(eq(user_id(BOB)), eq(post_id())).times(1).returning(|_, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.unfavorite(bob(), slug(MY_TITLE)).await.expect("unfavourited");

    // Assert
    assert_eq!(post, published());
}

#[tokio::test]
async fn unfavorite_of_a_draft_by_another_user_returns_not_found_and_writes_nothing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).writing_no_post().into_content();

    // Act
    let result = content.unfavorite(bob(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn unfavorite_of_an_unknown_slug_returns_not_found_and_writes_nothing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), None).writing_no_post().into_content();

    // Act
    let result = content.unfavorite(bob(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}
