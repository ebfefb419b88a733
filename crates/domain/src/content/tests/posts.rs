//! Writing a post and reading one.

use super::*;

#[tokio::test]
async fn create_post_stores_it_under_the_slug_of_its_title_and_returns_it_read_again() {
    // Arrange
    let stored = published().with_slug("rust-2024-what-s-new").with_title("Rust 2024: What's New?");
    let mut ports = Ports::new().handing_out_ids(&[POST]).finding_post(
        "rust-2024-what-s-new",
        Some(user_id(ALICE)),
        Some(stored.clone()),
    );
    ports
        .posts
        .expect_create()
        .withf(|new: &NewPost, events: &[NewEvent]| {
            matches!(events, [NewEvent { data: EventData::PostPublished { post }, .. }]
                if post.slug == "rust-2024-what-s-new" && post.author.username == "alice")
                && new.id == post_id()
                && new.slug == slug("rust-2024-what-s-new")
                && new.draft.title == title("Rust 2024: What's New?")
                && new.draft.description == description()
                && new.draft.body == body()
                && new.draft.tags == tags(&["rust"])
                && new.draft.status == PostStatus::Published
                && new.author_id == user_id(ALICE)
                && new.created_at == now()
        })
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let created = content
        .create_post(alice(), new_post("Rust 2024: What's New?", PostStatus::Published))
        .await
        .expect("the post is created");

    // Assert
    assert_eq!(created, stored);
}

#[tokio::test]
async fn create_post_keeps_a_draft_a_draft() {
    // Arrange
    let mut ports = Ports::new().handing_out_ids(&[POST]).finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft()));
    ports
        .posts
        .expect_create()
        .withf(|new: &NewPost, events: &[NewEvent]| {
            new.slug == slug(MY_TITLE) && new.draft.status == PostStatus::Draft && events.is_empty()
        })
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let created = content.create_post(alice(), new_post("My title", PostStatus::Draft)).await.expect("created");

    // Assert
    assert_eq!(created, draft());
}

#[tokio::test]
async fn create_post_with_a_taken_slug_retries_with_six_hex_digits_from_the_tail_of_a_new_id() {
    // Arrange
    let stored = published().with_slug("my-title-3f9a2c");
    let content = Ports::new()
        .handing_out_ids(&[POST, id_ending_in(0x3f_9a2c)])
        .creating_at(MY_TITLE, || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-3f9a2c", || Ok(()))
        .finding_post("my-title-3f9a2c", Some(user_id(ALICE)), Some(stored.clone()))
        .into_content();

    // Act
    let created = content.create_post(alice(), new_post("My title", PostStatus::Published)).await.expect("created");

    // Assert
    assert_eq!(created, stored);
}

#[tokio::test]
async fn create_post_gives_up_with_unknown_after_five_taken_slugs() {
    // Arrange
    let mut ports = Ports::new()
        .handing_out_ids(&[
            POST,
            id_ending_in(0x3f_9a2c),
            id_ending_in(0x0b_1e55),
            id_ending_in(0xc0_ffee),
            id_ending_in(0xde_cade),
        ])
        .creating_at(MY_TITLE, || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-3f9a2c", || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-0b1e55", || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-c0ffee", || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-decade", || Err(PostWriteError::SlugTaken));
    ports.posts.expect_find_by_slug().times(0);
    let content = ports.into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn create_post_when_the_store_reports_not_found_returns_unknown_without_retrying() {
    // Arrange
    let mut ports = Ports::new().handing_out_ids(&[POST]).creating_at(MY_TITLE, || Err(PostWriteError::NotFound));
    ports.posts.expect_find_by_slug().times(0);
    let content = ports.into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn create_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable_without_retrying() {
    // Arrange
    let mut ports =
        Ports::new().handing_out_ids(&[POST]).creating_at(MY_TITLE, || Err(PostWriteError::Port(unavailable())));
    ports.posts.expect_find_by_slug().times(0);
    let content = ports.into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn create_post_deleted_before_it_is_read_again_returns_not_found() {
    // Arrange
    let content = Ports::new()
        .handing_out_ids(&[POST])
        .creating_at(MY_TITLE, || Ok(()))
        .finding_post(MY_TITLE, Some(user_id(ALICE)), None)
        .into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}
/// Reads `my-title`, stored as `stored`, as `reader`; nothing may be written.
async fn read_post_as(reader: Option<Principal>, stored: Post) -> Result<Post, PostError> {
    Ports::new()
        .finding_post(MY_TITLE, reader.as_ref().map(|r| r.user_id), Some(stored))
        .writing_no_post()
        .into_content()
        .post(reader, slug(MY_TITLE))
        .await
}

#[tokio::test]
async fn post_published_is_visible_to_an_anonymous_reader() {
    let result = read_post_as(None, published()).await;

    assert_eq!(result.expect("visible"), published());
}

#[tokio::test]
async fn post_published_is_visible_to_another_user() {
    let result = read_post_as(Some(bob()), published()).await;

    assert_eq!(result.expect("visible"), published());
}

#[tokio::test]
async fn post_draft_is_visible_to_its_author() {
    let result = read_post_as(Some(alice()), draft()).await;

    assert_eq!(result.expect("visible"), draft());
}

#[tokio::test]
async fn post_draft_is_visible_to_a_moderator() {
    let result = read_post_as(Some(moderator()), draft()).await;

    assert_eq!(result.expect("visible"), draft());
}

#[tokio::test]
async fn post_draft_is_visible_to_an_admin() {
    let result = read_post_as(Some(admin()), draft()).await;

    assert_eq!(result.expect("visible"), draft());
}

#[tokio::test]
async fn post_draft_is_not_found_not_forbidden_for_an_anonymous_reader() {
    let result = read_post_as(None, draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn post_draft_is_not_found_not_forbidden_for_another_user() {
    let result = read_post_as(Some(bob()), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn post_of_an_unknown_slug_returns_not_found() {
    // Arrange
    let content = Ports::new().finding_post("no-such-post", None, None).into_content();

    // Act
    let result = content.post(None, slug("no-such-post")).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_find_by_slug().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.post(None, slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
