//! Lists of posts, the feed, and tags.

use super::*;

/// Lists with `listing` as `reader`, expecting exactly `expected` and
/// `expected_reader` to reach the store once, and checks that its page comes
/// back as it is.
async fn assert_lists(
    reader: Option<Principal>,
    listing: PostListing,
    expected: PostListing,
    expected_reader: Option<UserId>,
) {
    // Arrange
    let page = page_of(vec![published().summary]);
    let returned = page.clone();
    let mut ports = Ports::new();
    ports
        .posts
        .expect_list()
        .with(eq(expected), eq(expected_reader))
        .times(1)
        .returning(move |_, _| ready(Ok(returned.clone())));
    let content = ports.into_content();

    // Act
    let listed = content.list_posts(reader, listing).await.expect("listed");

    // Assert
    assert_eq!(listed, page);
}

/// Lists with `listing` as `reader` and checks that the store is not asked.
async fn list_refused(reader: Option<Principal>, listing: PostListing) -> Result<Page<PostSummary>, ListPostsError> {
    let mut ports = Ports::new();
    ports.posts.expect_list().times(0);
    ports.into_content().list_posts(reader, listing).await
}

#[tokio::test]
async fn list_posts_by_default_lists_everyones_published_posts() {
    assert_lists(None, PostListing::default(), PostListing::default(), None).await;
}

#[tokio::test]
async fn list_posts_passes_every_filter_the_page_and_the_reader_through() {
    let listing = PostListing {
        tag: Some(Tag::parse("rust").expect("a valid tag")),
        author: Some(AuthorSelector::Username(username("alice"))),
        favorited_by: Some(username("bob")),
        search: SearchTerm::parse("async traits").expect("short enough"),
        status: Some(PostStatus::Published),
        page: page_request(),
    };
    assert_lists(Some(carol()), listing.clone(), listing, Some(user_id(CAROL))).await;
}

#[tokio::test]
async fn list_posts_of_author_me_lists_the_readers_published_posts() {
    let listing = PostListing { author: Some(AuthorSelector::Me), ..PostListing::default() };
    assert_lists(Some(alice()), listing.clone(), listing, Some(user_id(ALICE))).await;
}

#[tokio::test]
async fn list_posts_of_drafts_without_an_author_lists_the_readers_own_drafts() {
    assert_lists(
        Some(alice()),
        PostListing { status: Some(PostStatus::Draft), page: page_request(), ..PostListing::default() },
        PostListing {
            author: Some(AuthorSelector::Me),
            status: Some(PostStatus::Draft),
            page: page_request(),
            ..PostListing::default()
        },
        Some(user_id(ALICE)),
    )
    .await;
}

#[tokio::test]
async fn list_posts_of_drafts_with_author_me_lists_the_readers_own_drafts() {
    let listing = PostListing {
        author: Some(AuthorSelector::Me),
        status: Some(PostStatus::Draft),
        tag: Some(Tag::parse("rust").expect("a valid tag")),
        ..PostListing::default()
    };
    assert_lists(Some(moderator()), listing.clone(), listing, Some(user_id(MODERATOR))).await;
}

#[tokio::test]
async fn list_posts_of_author_me_without_a_reader_requires_sign_in_and_lists_nothing() {
    let result = list_refused(None, PostListing { author: Some(AuthorSelector::Me), ..PostListing::default() }).await;

    assert!(matches!(result, Err(ListPostsError::SignInRequired)), "got {result:?}");
}

#[tokio::test]
async fn list_posts_of_drafts_without_a_reader_requires_sign_in_and_lists_nothing() {
    let result = list_refused(None, PostListing { status: Some(PostStatus::Draft), ..PostListing::default() }).await;

    assert!(matches!(result, Err(ListPostsError::SignInRequired)), "got {result:?}");
}

#[tokio::test]
async fn list_posts_of_drafts_of_a_username_returns_drafts_of_others_even_for_a_moderator() {
    let listing = PostListing {
        author: Some(AuthorSelector::Username(username("alice"))),
        status: Some(PostStatus::Draft),
        ..PostListing::default()
    };

    let result = list_refused(Some(moderator()), listing).await;

    assert!(matches!(result, Err(ListPostsError::DraftsOfOthers)), "got {result:?}");
}

#[tokio::test]
async fn list_posts_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_list().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.list_posts(None, PostListing::default()).await;

    // Assert
    let Err(ListPostsError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
#[tokio::test]
async fn feed_asks_for_the_readers_feed_at_the_page_and_returns_it() {
    // Arrange
    let page = page_of(vec![published().summary]);
    let returned = page.clone();
    let mut ports = Ports::new();
    ports
        .posts
        .expect_feed()
        .with(eq(user_id(BOB)), eq(page_request()))
        .times(1)
        .returning(move |_, _| ready(Ok(returned.clone())));
    let content = ports.into_content();

    // Act
    let feed = content.feed(bob(), page_request()).await.expect("the feed");

    // Assert
    assert_eq!(feed, page);
}

#[tokio::test]
async fn feed_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_feed().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.feed(bob(), PageRequest::default()).await;

    // Assert
    let Err(ListPostsError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
#[tokio::test]
async fn tags_returns_the_tags_in_use_in_the_stores_order() {
    // Arrange
    let usage = vec![
        TagUsage { tag: Tag::parse("rust").expect("a valid tag"), posts_count: 12 },
        TagUsage { tag: Tag::parse("web").expect("a valid tag"), posts_count: 3 },
    ];
    let returned = usage.clone();
    let mut ports = Ports::new();
    ports.posts.expect_tags_in_use().times(1).returning(move || ready(Ok(returned.clone())));
    let content = ports.into_content();

    // Act
    let tags = content.tags().await.expect("the tags");

    // Assert
    assert_eq!(tags, usage);
}

#[tokio::test]
async fn tags_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_tags_in_use().times(1).returning(|| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.tags().await;

    // Assert
    let Err(ListPostsError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
