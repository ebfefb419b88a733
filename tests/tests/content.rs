//! Content end to end: profiles, follows, posts, drafts, favourites, feed,
//! search, comments and tags, over HTTP against the real binary.

use folio_tests::{TestApp, access_token, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Writer {
    token: String,
    username: String,
}

async fn writer(app: &TestApp, username: &str) -> Writer {
    let data = app.register(username).await;
    Writer { token: access_token(&data), username: username.to_owned() }
}

async fn create_post(app: &TestApp, author: &Writer, body: Value) -> Value {
    let reply = app.send(Method::POST, "/api/v1/posts", Some(&author.token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["data"].clone()
}

async fn publish(app: &TestApp, author: &Writer, title: &str, tags: &[&str], body: &str) -> Value {
    create_post(
        app,
        author,
        json!({"title": title, "description": format!("About {title}"), "body": body, "tags": tags, "status": "published"}),
    )
    .await
}

fn slugs(list: &Value) -> Vec<String> {
    list["data"].as_array().expect("a list").iter().map(|p| p["slug"].as_str().expect("slug").to_owned()).collect()
}

#[tokio::test]
async fn posts_have_unique_slugs_ordered_tags_and_drafts_stay_private() {
    let app = spawn_app().await;
    let alice = writer(&app, "alice").await;
    let bob = writer(&app, "bob").await;
    let carol = writer(&app, "carol").await;

    let first = publish(&app, &alice, "Hello, Wörld!", &["Rust", "web", "rust", "API"], "# One").await;
    assert_eq!(first["slug"], "hello-world");
    assert_eq!(first["tags"], json!(["rust", "web", "api"]), "author's order, lower case, no duplicates");
    assert_eq!(first["status"], "published");
    assert_eq!(first["author"]["username"], "alice");
    assert_eq!(first["favorited"], false);
    let second = publish(&app, &bob, "Hello, World", &[], "# Two").await;
    let second_slug = second["slug"].as_str().expect("slug");
    assert_ne!(second_slug, "hello-world");
    assert!(second_slug.starts_with("hello-world-"), "{second_slug}");

    // A draft: visible to its author, 404 to everyone else (never 403).
    let draft = create_post(&app, &alice, json!({"title": "Secret plans", "description": "d", "body": "b"})).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["publishedAt"], Value::Null);
    let path = format!("/api/v1/posts/{}", draft["slug"].as_str().expect("slug"));
    assert_eq!(app.send(Method::GET, &path, Some(&alice.token), None).await.status, StatusCode::OK);
    assert_eq!(app.send(Method::GET, &path, None, None).await.status, StatusCode::NOT_FOUND);
    let reply = app.send(Method::GET, &path, Some(&bob.token), None).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let reply = app.send(Method::PATCH, &path, Some(&bob.token), Some(json!({"body": "mine now"}))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Lists show published posts only, newest first, without bodies.
    let list = app.send(Method::GET, "/api/v1/posts", None, None).await.body;
    assert_eq!(slugs(&list), [second_slug.to_owned(), "hello-world".to_owned()]);
    assert!(list["data"][0].get("body").is_none());
    assert_eq!(list["meta"]["total"], 2);
    let drafts = app.send(Method::GET, "/api/v1/posts?author=me&status=draft", Some(&alice.token), None).await.body;
    assert_eq!(slugs(&drafts), ["secret-plans"]);
    let reply = app.send(Method::GET, "/api/v1/posts?author=me&status=draft", None, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // Publishing makes it public and stamps publishedAt.
    let reply = app.send(Method::POST, &format!("{path}/publish"), Some(&carol.token), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "others can't see the draft, let alone publish it");
    let reply = app.send(Method::POST, &format!("{path}/publish"), Some(&alice.token), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["data"]["status"], "published");
    assert!(reply.body["data"]["publishedAt"].is_string());
    assert_eq!(app.send(Method::GET, &path, None, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn editing_keeps_or_moves_the_slug_and_only_the_author_may() {
    let app = spawn_app().await;
    let alice = writer(&app, "alice").await;
    let bob = writer(&app, "bob").await;
    let post = publish(&app, &alice, "Original title", &["a", "b"], "v1").await;
    let created_at = post["createdAt"].clone();

    let reply =
        app.send(Method::PATCH, "/api/v1/posts/original-title", Some(&bob.token), Some(json!({"body": "x"}))).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::FORBIDDEN, "FORBIDDEN"));

    let reply =
        app.send(Method::PATCH, "/api/v1/posts/original-title", Some(&alice.token), Some(json!({"body": "v2"}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["data"]["slug"], "original-title", "a body edit keeps the slug");
    assert_eq!(reply.body["data"]["body"], "v2");
    assert_eq!(reply.body["data"]["tags"], json!(["a", "b"]), "missing tags are kept");
    assert_eq!(reply.body["data"]["createdAt"], created_at);

    let reply = app
        .send(
            Method::PATCH,
            "/api/v1/posts/original-title",
            Some(&alice.token),
            Some(json!({"title": "A better title", "tags": []})),
        )
        .await;
    assert_eq!(reply.body["data"]["slug"], "a-better-title");
    assert_eq!(reply.body["data"]["tags"], json!([]));
    assert_eq!(app.send(Method::GET, "/api/v1/posts/original-title", None, None).await.status, StatusCode::NOT_FOUND);

    let reply =
        app.send(Method::PATCH, "/api/v1/posts/a-better-title", Some(&alice.token), Some(json!({"title": ""}))).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"));
}

#[tokio::test]
async fn deleted_posts_vanish_but_keep_their_slug() {
    let app = spawn_app().await;
    let alice = writer(&app, "alice").await;
    let bob = writer(&app, "bob").await;
    publish(&app, &alice, "Gone soon", &["temp"], "b").await;

    let reply = app.send(Method::DELETE, "/api/v1/posts/gone-soon", Some(&bob.token), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app.send(Method::DELETE, "/api/v1/posts/gone-soon", Some(&alice.token), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(Method::GET, "/api/v1/posts/gone-soon", None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.send(Method::GET, "/api/v1/posts", None, None).await.body["meta"]["total"], 0);
    assert_eq!(app.send(Method::GET, "/api/v1/tags", None, None).await.body["data"], json!([]));
    let again = publish(&app, &alice, "Gone soon", &[], "b").await;
    assert_ne!(again["slug"], "gone-soon", "the deleted post's slug stays reserved");
}

#[tokio::test]
async fn follows_favourites_feed_filters_and_search() {
    let app = spawn_app().await;
    let alice = writer(&app, "alice").await;
    let bob = writer(&app, "bob").await;
    let reader = writer(&app, "reader").await;
    publish(&app, &alice, "Async Rust in practice", &["rust"], "Tokio and futures, explained.").await;
    publish(&app, &bob, "Gardening notes", &["garden"], "Tomatoes love the sun. Also rust on tools.").await;
    publish(&app, &alice, "Web APIs", &["web", "rust"], "HTTP done well.").await;

    // Profiles and following.
    let reply = app.send(Method::POST, "/api/v1/profiles/reader/follow", Some(&reader.token), None).await;
    assert_eq!((reply.status, reply.error_code()), (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"));
    let reply = app.send(Method::POST, "/api/v1/profiles/nobody/follow", Some(&reader.token), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    for _ in 0..2 {
        let reply = app.send(Method::POST, "/api/v1/profiles/alice/follow", Some(&reader.token), None).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["data"]["following"], true);
        assert_eq!(reply.body["data"]["followersCount"], 1, "following twice counts once");
    }
    let reply = app.send(Method::GET, &format!("/api/v1/profiles/{}", alice.username), None, None).await;
    assert_eq!(reply.body["data"]["following"], false, "anonymous readers follow nobody");

    // The feed: only followed authors, newest first.
    let feed = app.send(Method::GET, "/api/v1/posts/feed", Some(&reader.token), None).await.body;
    assert_eq!(slugs(&feed), ["web-apis", "async-rust-in-practice"]);
    assert_eq!(feed["data"][0]["author"]["following"], true);

    // Favourites: idempotent, counted, visible per reader.
    for _ in 0..2 {
        let reply = app.send(Method::POST, "/api/v1/posts/web-apis/favorite", Some(&reader.token), None).await;
        assert_eq!(reply.body["data"]["favorited"], true);
        assert_eq!(reply.body["data"]["favoritesCount"], 1);
    }
    let reply = app.send(Method::POST, "/api/v1/posts/web-apis/favorite", Some(&alice.token), None).await;
    assert_eq!(reply.body["data"]["favoritesCount"], 2, "authors may favourite their own post");
    let list = app.send(Method::GET, "/api/v1/posts?favoritedBy=reader", Some(&bob.token), None).await.body;
    assert_eq!(slugs(&list), ["web-apis"]);
    assert_eq!(list["data"][0]["favorited"], false, "favorited is the reader's, not the filter's");
    let reply = app.send(Method::DELETE, "/api/v1/posts/web-apis/favorite", Some(&reader.token), None).await;
    assert_eq!(
        (reply.body["data"]["favorited"].clone(), reply.body["data"]["favoritesCount"].clone()),
        (json!(false), json!(1))
    );

    // Filters.
    assert_eq!(slugs(&app.send(Method::GET, "/api/v1/posts?tag=RUST", None, None).await.body).len(), 2);
    assert_eq!(slugs(&app.send(Method::GET, "/api/v1/posts?author=bob", None, None).await.body), ["gardening-notes"]);
    let page = app.send(Method::GET, "/api/v1/posts?limit=1&page=2", None, None).await.body;
    assert_eq!(page["meta"], json!({"page": 2, "limit": 1, "total": 3, "totalPages": 3}));
    let reply = app.send(Method::GET, "/api/v1/posts?limit=101", None, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // Search: title matches rank above body matches.
    let found = app.send(Method::GET, "/api/v1/posts?q=rust", None, None).await.body;
    let found = slugs(&found);
    assert_eq!(found.first().map(String::as_str), Some("async-rust-in-practice"), "{found:?}");
    assert!(found.contains(&"gardening-notes".to_owned()), "body matches are found too: {found:?}");
    let found = app.send(Method::GET, "/api/v1/posts?q=tomatoes%20-rust", None, None).await.body;
    assert_eq!(slugs(&found), Vec::<String>::new(), "websearch syntax: -word excludes");

    // Tags in use, most used first.
    let tags = app.send(Method::GET, "/api/v1/tags", None, None).await.body;
    assert_eq!(tags["data"][0], json!({"tag": "rust", "postsCount": 2}));
    assert_eq!(tags["data"].as_array().expect("list").len(), 3);
}

#[tokio::test]
async fn comments_are_listed_oldest_first_and_deleted_by_those_allowed() {
    let app = spawn_app().await;
    let alice = writer(&app, "alice").await;
    let bob = writer(&app, "bob").await;
    let carol = writer(&app, "carol").await;
    publish(&app, &alice, "Discuss", &[], "b").await;

    let reply = app.send(Method::GET, "/api/v1/posts/missing/comments", None, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "comments of a missing post are 404, not an empty list");

    let mut ids = Vec::new();
    for (who, text) in [(&bob, "first"), (&carol, "second"), (&bob, "third")] {
        let reply = app
            .send(Method::POST, "/api/v1/posts/discuss/comments", Some(&who.token), Some(json!({"body": text})))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert!(reply.body["data"]["id"].is_i64(), "comment ids are integers");
        ids.push(reply.body["data"]["id"].as_i64().expect("id"));
    }
    let reply =
        app.send(Method::POST, "/api/v1/posts/discuss/comments", Some(&bob.token), Some(json!({"body": ""}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let long = "x".repeat(5001);
    let reply =
        app.send(Method::POST, "/api/v1/posts/discuss/comments", Some(&bob.token), Some(json!({"body": long}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let list = app.send(Method::GET, "/api/v1/posts/discuss/comments?limit=2", None, None).await.body;
    let bodies: Vec<&str> = list["data"].as_array().expect("list").iter().filter_map(|c| c["body"].as_str()).collect();
    assert_eq!(bodies, ["first", "second"]);
    assert_eq!(list["meta"]["total"], 3);

    // Carol may not delete Bob's comment; Bob may; Alice (the post's author) may delete Carol's.
    let bobs = format!("/api/v1/posts/discuss/comments/{}", ids[0]);
    assert_eq!(app.send(Method::DELETE, &bobs, Some(&carol.token), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.send(Method::DELETE, &bobs, Some(&bob.token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(Method::DELETE, &bobs, Some(&bob.token), None).await.status, StatusCode::NOT_FOUND);
    let carols = format!("/api/v1/posts/discuss/comments/{}", ids[1]);
    assert_eq!(app.send(Method::DELETE, &carols, Some(&alice.token), None).await.status, StatusCode::NO_CONTENT);
    let list = app.send(Method::GET, "/api/v1/posts/discuss/comments", None, None).await.body;
    assert_eq!(list["meta"]["total"], 1);
}
