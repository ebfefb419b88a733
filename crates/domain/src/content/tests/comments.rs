//! Reading, adding and deleting comments.

use super::*;

/// Ports where `my-title` is `stored` and its comments are listed once, for
/// `reader` at [`page_request`], answering one page with [`comment`].
fn listing_comments(reader: Option<UserId>, stored: Post) -> Ports {
    let mut ports = Ports::new().finding_post(MY_TITLE, reader, Some(stored));
    ports
        .comments
        .expect_list()
        .with(eq(post_id()), eq(reader), eq(page_request()))
        .times(1)
        .returning(|_, _, _| ready(Ok(page_of(vec![comment()]))));
    ports
}

#[tokio::test]
async fn comments_of_a_published_post_are_listed_for_the_reader_at_the_page() {
    // Arrange
    let content = listing_comments(Some(user_id(CAROL)), published()).into_content();

    // Act
    let comments = content.comments(Some(carol()), slug(MY_TITLE), page_request()).await.expect("listed");

    // Assert
    assert_eq!(comments, page_of(vec![comment()]));
}

#[tokio::test]
async fn comments_for_an_anonymous_reader_are_listed_with_no_reader() {
    // Arrange
    let content = listing_comments(None, published()).into_content();

    // Act
    let comments = content.comments(None, slug(MY_TITLE), page_request()).await.expect("listed");

    // Assert
    assert_eq!(comments, page_of(vec![comment()]));
}

#[tokio::test]
async fn comments_of_a_draft_are_listed_for_a_moderator() {
    // Arrange
    let content = listing_comments(Some(user_id(MODERATOR)), draft()).into_content();

    // Act
    let comments = content.comments(Some(moderator()), slug(MY_TITLE), page_request()).await.expect("listed");

    // Assert
    assert_eq!(comments, page_of(vec![comment()]));
}

#[tokio::test]
async fn comments_of_a_draft_the_reader_may_not_see_return_not_found_without_listing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).touching_no_comment().into_content();

    // Act
    let result = content.comments(Some(bob()), slug(MY_TITLE), page_request()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn comments_of_an_unknown_slug_return_not_found_without_listing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, None, None).touching_no_comment().into_content();

    // Act
    let result = content.comments(None, slug(MY_TITLE), page_request()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn comments_while_the_store_is_unavailable_return_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, None, Some(published()));
    ports.comments.expect_list().times(1).returning(|_, _, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.comments(None, slug(MY_TITLE), page_request()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn add_comment_stores_it_on_the_post_by_the_commenter_at_now_and_returns_it() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published()));
    ports.comments.expect_next_id().times(1).returning(|| ready(Ok(comment_id())));
    ports
        .comments
        .expect_create()
        .withf(|new: &NewComment, events: &[NewEvent]| {
            matches!(events, [NewEvent { data: EventData::CommentCreated { comment_id, author, .. }, .. }]
                if *comment_id == COMMENT && author.username == "bob")
                && new.id == comment_id()
                && new.post_id == post_id()
                && new.author_id == user_id(BOB)
                && new.body.as_str() == "Nice post!"
                && new.created_at == now()
        })
        .times(1)
        .returning(|_, _| ready(Ok(comment())));
    let content = ports.into_content();

    // Act
    let added = content
        .add_comment(bob(), slug(MY_TITLE), CommentBody::parse("Nice post!").expect("a valid comment"))
        .await
        .expect("commented");

    // Assert
    assert_eq!(added, comment());
}

#[tokio::test]
async fn add_comment_on_a_draft_the_commenter_may_not_see_returns_not_found_and_stores_nothing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).touching_no_comment().into_content();

    // Act
    let result =
        content.add_comment(bob(), slug(MY_TITLE), CommentBody::parse("Nice post!").expect("a valid comment")).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn add_comment_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published()));
    ports.comments.expect_next_id().times(1).returning(|| ready(Ok(comment_id())));
    ports.comments.expect_create().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result =
        content.add_comment(bob(), slug(MY_TITLE), CommentBody::parse("Nice post!").expect("a valid comment")).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
/// Ports where `actor` sees `my-title` (`stored`) and Bob's comment is on it.
fn finding_bobs_comment(actor: &Principal, stored: Post) -> Ports {
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(actor.user_id), Some(stored));
    ports
        .comments
        .expect_find()
        .with(eq(post_id()), eq(comment_id()))
        .times(1)
        .returning(|_, _| ready(Ok(Some(comment_record(BOB)))));
    ports
}

/// `actor` deletes Bob's comment on `my-title` (`stored`), and it is deleted.
async fn delete_comment_as(actor: Principal, stored: Post) {
    let mut ports = finding_bobs_comment(&actor, stored);
    ports.comments.expect_delete().with(eq(comment_id())).times(1).returning(|_| ready(Ok(())));
    let content = ports.into_content();

    content.delete_comment(actor, slug(MY_TITLE), comment_id()).await.expect("deleted");
}

#[tokio::test]
async fn delete_comment_by_its_author_deletes_it() {
    delete_comment_as(bob(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_the_posts_author_deletes_it() {
    delete_comment_as(alice(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_a_moderator_deletes_it() {
    delete_comment_as(moderator(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_an_admin_deletes_it() {
    delete_comment_as(admin(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_the_author_of_a_draft_deletes_it() {
    delete_comment_as(alice(), draft()).await;
}

#[tokio::test]
async fn delete_comment_by_another_user_is_forbidden_and_deletes_nothing() {
    // Arrange
    let mut ports = finding_bobs_comment(&carol(), published());
    ports.comments.expect_delete().times(0);
    let content = ports.into_content();

    // Act
    let result = content.delete_comment(carol(), slug(MY_TITLE), comment_id()).await;

    // Assert
    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn delete_comment_not_on_the_post_returns_not_found_and_deletes_nothing() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(MODERATOR)), Some(published()));
    ports.comments.expect_find().with(eq(post_id()), eq(comment_id())).times(1).returning(|_, _| ready(Ok(None)));
    ports.comments.expect_delete().times(0);
    let content = ports.into_content();

    // Act
    let result = content.delete_comment(moderator(), slug(MY_TITLE), comment_id()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_comment_on_a_draft_the_actor_may_not_see_returns_not_found_without_looking_it_up() {
    // Arrange: even the comment's own author, once the post went back out of sight.
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).touching_no_comment().into_content();

    // Act
    let result = content.delete_comment(bob(), slug(MY_TITLE), comment_id()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_comment_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = finding_bobs_comment(&bob(), published());
    ports.comments.expect_delete().times(1).returning(|_| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.delete_comment(bob(), slug(MY_TITLE), comment_id()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
