//! Editing a post.

use super::*;

fn new_body() -> Body {
    Body::parse("# Hello again\n\nRewritten.").expect("a valid body")
}

/// `editor` updates `my-title`, stored as `stored`, with a new body; nothing may
/// be written.
async fn update_refused(editor: Principal, stored: Post) -> Result<Post, PostError> {
    Ports::new()
        .finding_post(MY_TITLE, Some(editor.user_id), Some(stored))
        .writing_no_post()
        .handing_out_no_ids()
        .into_content()
        .update_post(editor, slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await
}

#[tokio::test]
async fn update_post_of_a_published_post_by_another_user_is_forbidden_and_writes_nothing() {
    let result = update_refused(bob(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_published_post_by_a_moderator_is_forbidden_and_writes_nothing() {
    let result = update_refused(moderator(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_published_post_by_an_admin_is_forbidden_and_writes_nothing() {
    let result = update_refused(admin(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_draft_by_another_user_returns_not_found_and_writes_nothing() {
    let result = update_refused(bob(), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_draft_by_a_moderator_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = update_refused(moderator(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_draft_by_an_admin_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = update_refused(admin(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_an_unknown_slug_returns_not_found_and_writes_nothing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), None).writing_no_post().into_content();

    // Act
    let result = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn update_post_with_nothing_to_change_writes_nothing_and_returns_the_post_as_read() {
    // Arrange
    let content = Ports::new()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .writing_no_post()
        .handing_out_no_ids()
        .into_content();

    // Act
    let updated = content.update_post(alice(), slug(MY_TITLE), PostUpdate::default()).await.expect("no-op update");

    // Assert
    assert_eq!(updated, published());
}

#[tokio::test]
async fn update_post_of_the_body_only_keeps_the_slug_and_returns_the_post_read_again() {
    // Arrange
    let after = published().with_body(new_body());
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(PostUpdate { body: Some(new_body()), ..PostUpdate::default() }, None, || Ok(()))
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_title_of_the_same_slug_keeps_the_slug() {
    // Arrange
    let after = published().with_title("MY TITLE!");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(PostUpdate { title: Some(title("MY TITLE!")), ..PostUpdate::default() }, None, || Ok(()))
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { title: Some(title("MY TITLE!")), ..PostUpdate::default() })
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_title_of_the_same_words_keeps_a_suffixed_slug() {
    // Arrange: the post got a suffix when it was created, as its title's slug was taken.
    let before = published().with_slug("my-title-3f9a2c");
    let after = before.clone().with_title("My Title");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post("my-title-3f9a2c", Some(user_id(ALICE)), Some(before))
        .updating(PostUpdate { title: Some(title("My Title")), ..PostUpdate::default() }, None, || Ok(()))
        .finding_post("my-title-3f9a2c", Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(
            alice(),
            slug("my-title-3f9a2c"),
            PostUpdate { title: Some(title("My Title")), ..PostUpdate::default() },
        )
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_new_title_moves_the_slug_and_returns_the_post_read_under_it() {
    // Arrange
    let update = PostUpdate {
        title: Some(title("Another story")),
        description: Some(description()),
        body: Some(new_body()),
        tags: Some(TagList::default()),
    };
    let after = published().with_slug("another-story").with_title("Another story");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(update.clone(), Some(slug("another-story")), || Ok(()))
        .finding_post("another-story", Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content.update_post(alice(), slug(MY_TITLE), update).await.expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_title_that_drops_a_word_moves_the_slug() {
    // Arrange: `learning-rust` has the shape of `learning` with a uniqueness
    // suffix, but it is the slug of the old title and must not be kept.
    let before = published().with_slug("learning-rust").with_title("Learning Rust");
    let after = published().with_slug("learning").with_title("Learning");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post("learning-rust", Some(user_id(ALICE)), Some(before))
        .updating(
            PostUpdate { title: Some(title("Learning")), ..PostUpdate::default() },
            Some(slug("learning")),
            || Ok(()),
        )
        .finding_post("learning", Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(
            alice(),
            slug("learning-rust"),
            PostUpdate { title: Some(title("Learning")), ..PostUpdate::default() },
        )
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

/// `update` of the post's title to "Another story" claiming the slug `at`
/// answers `outcome`, once.
fn retitling_at(mut ports: Ports, at: &'static str, outcome: fn() -> Result<(), PostWriteError>) -> Ports {
    ports
        .posts
        .expect_update()
        .withf(move |id, update, new_slug, when, _| {
            *id == post_id()
                && update.title == Some(title("Another story"))
                && new_slug.as_ref().map(Slug::as_str) == Some(at)
                && *when == now()
        })
        .times(1)
        .returning(move |_, _, _, _, _| ready(outcome()));
    ports
}

fn retitled() -> PostUpdate {
    PostUpdate { title: Some(title("Another story")), ..PostUpdate::default() }
}

#[tokio::test]
async fn update_post_with_a_new_title_whose_slug_is_taken_retries_with_six_hex_digits_from_a_new_id() {
    // Arrange
    let after = published().with_slug("another-story-c0ffee").with_title("Another story");
    let mut ports = Ports::new().handing_out_ids(&[id_ending_in(0xc0_ffee)]).finding_post(
        MY_TITLE,
        Some(user_id(ALICE)),
        Some(published()),
    );
    ports = retitling_at(ports, "another-story", || Err(PostWriteError::SlugTaken));
    ports = retitling_at(ports, "another-story-c0ffee", || Ok(()));
    let content = ports.finding_post("another-story-c0ffee", Some(user_id(ALICE)), Some(after.clone())).into_content();

    // Act
    let updated = content.update_post(alice(), slug(MY_TITLE), retitled()).await.expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_gives_up_with_unknown_after_five_taken_slugs() {
    // Arrange
    let mut ports = Ports::new()
        .handing_out_ids(&[
            id_ending_in(0x3f_9a2c),
            id_ending_in(0x0b_1e55),
            id_ending_in(0xc0_ffee),
            id_ending_in(0xde_cade),
        ])
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    for at in [
        "another-story",
        "another-story-3f9a2c",
        "another-story-0b1e55",
        "another-story-c0ffee",
        "another-story-decade",
    ] {
        ports = retitling_at(ports, at, || Err(PostWriteError::SlugTaken));
    }
    let content = ports.into_content();

    // Act
    let result = content.update_post(alice(), slug(MY_TITLE), retitled()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn update_post_of_a_post_deleted_meanwhile_returns_not_found() {
    // Arrange
    let content = Ports::new()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(PostUpdate { body: Some(new_body()), ..PostUpdate::default() }, None, || {
            Err(PostWriteError::NotFound)
        })
        .into_content();

    // Act
    let result = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn update_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    ports = retitling_at(ports, "another-story", || Err(PostWriteError::Port(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.update_post(alice(), slug(MY_TITLE), retitled()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
