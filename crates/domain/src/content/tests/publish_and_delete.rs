//! Publishing a draft and deleting a post.

use super::*;

#[tokio::test]
async fn publish_post_of_a_draft_by_its_author_publishes_it_at_now_and_returns_it_read_again() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft())).finding_post(
        MY_TITLE,
        Some(user_id(ALICE)),
        Some(published()),
    );
    ports
        .posts
        .expect_publish()
        .withf(|id, when, events| {
            *id == post_id()
                && *when == now()
                && matches!(events, [NewEvent { data: EventData::PostPublished { post }, .. }] if post.slug == MY_TITLE)
        })
        .times(1)
        .returning(|_, _, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.publish_post(alice(), slug(MY_TITLE)).await.expect("published");

    // Assert
    assert_eq!(post, published());
}

#[tokio::test]
async fn publish_post_of_a_published_post_writes_nothing_and_returns_it() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published())).writing_no_post().into_content();

    // Act
    let post = content.publish_post(alice(), slug(MY_TITLE)).await.expect("already published");

    // Assert
    assert_eq!(post, published());
}

/// `editor` publishes `my-title`, stored as `stored`; nothing may be written.
async fn publish_refused(editor: Principal, stored: Post) -> Result<Post, PostError> {
    Ports::new()
        .finding_post(MY_TITLE, Some(editor.user_id), Some(stored))
        .writing_no_post()
        .into_content()
        .publish_post(editor, slug(MY_TITLE))
        .await
}

#[tokio::test]
async fn publish_post_of_a_draft_by_a_moderator_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = publish_refused(moderator(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_of_a_draft_by_an_admin_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = publish_refused(admin(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_of_a_draft_by_another_user_returns_not_found_and_writes_nothing() {
    let result = publish_refused(bob(), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_of_a_published_post_by_another_user_is_forbidden() {
    let result = publish_refused(bob(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft()));
    ports.posts.expect_publish().times(1).returning(|_, _, _| ready(Err(PostWriteError::Port(unavailable()))));
    let content = ports.into_content();

    // Act
    let result = content.publish_post(alice(), slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
/// `actor` deletes `my-title`, stored as `stored`, and the post is soft-deleted at now.
async fn delete_post_as(actor: Principal, stored: Post) {
    let content =
        Ports::new().finding_post(MY_TITLE, Some(actor.user_id), Some(stored)).deleting_the_post().into_content();

    content.delete_post(actor, slug(MY_TITLE)).await.expect("deleted");
}

#[tokio::test]
async fn delete_post_by_its_author_soft_deletes_it_at_now() {
    delete_post_as(alice(), published()).await;
}

#[tokio::test]
async fn delete_post_by_its_author_deletes_a_draft_too() {
    delete_post_as(alice(), draft()).await;
}

#[tokio::test]
async fn delete_post_by_a_moderator_deletes_it() {
    delete_post_as(moderator(), published()).await;
}

#[tokio::test]
async fn delete_post_by_an_admin_deletes_it() {
    delete_post_as(admin(), published()).await;
}

#[tokio::test]
async fn delete_post_by_a_moderator_deletes_a_draft_they_can_see() {
    delete_post_as(moderator(), draft()).await;
}

/// `actor` deletes `my-title`, stored as `stored`; nothing may be written.
async fn delete_refused(actor: Principal, stored: Post) -> Result<(), PostError> {
    Ports::new()
        .finding_post(MY_TITLE, Some(actor.user_id), Some(stored))
        .writing_no_post()
        .into_content()
        .delete_post(actor, slug(MY_TITLE))
        .await
}

#[tokio::test]
async fn delete_post_by_another_user_is_forbidden_and_deletes_nothing() {
    let result = delete_refused(bob(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_of_a_draft_by_another_user_returns_not_found_and_deletes_nothing() {
    let result = delete_refused(bob(), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_of_an_unknown_slug_returns_not_found_and_deletes_nothing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), None).writing_no_post().into_content();

    // Act
    let result = content.delete_post(alice(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_of_a_post_deleted_meanwhile_returns_not_found() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    ports.posts.expect_delete().times(1).returning(|_, _, _| ready(Err(PostWriteError::NotFound)));
    let content = ports.into_content();

    // Act
    let result = content.delete_post(alice(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    ports.posts.expect_delete().times(1).returning(|_, _, _| ready(Err(PostWriteError::Port(unavailable()))));
    let content = ports.into_content();

    // Act
    let result = content.delete_post(alice(), slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
