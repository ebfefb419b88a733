//! Comments on both surfaces: deleting one (a missing post is about the
//! post, a missing comment on a post that exists is about the comment), and
//! the RealWorld list, read whole in one call.

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use chrono::{TimeZone, Utc};
use common::TestServices;
use folio_domain::accounts::AuthenticateError;
use folio_domain::accounts::values::{Principal, Role, SessionId, UserId, Username};
use folio_domain::content::PostError;
use folio_domain::content::model::{Author, Comment, Following};
use folio_domain::content::values::{CommentBody, CommentId, PostId, Slug};
use folio_http::HttpSettings;
use mockall::predicate::eq;
use serde_json::{Value, json};
use uuid::Uuid;

const TOKEN: &str = "valid-token";

fn principal() -> Principal {
    Principal {
        user_id: UserId::new(Uuid::from_u128(1)),
        username: Username::parse("alice").expect("a valid username"),
        session_id: SessionId::new(Uuid::from_u128(2)),
        role: Role::User,
    }
}

/// The app, with `delete_comment` of comment 7 on `my-post` answering `outcome` once per surface.
async fn delete_comment(outcome: fn() -> PostError, uri: &str, scheme: &str) -> (StatusCode, Value) {
    let mut services = TestServices::new();
    services.accounts.expect_authenticate().returning(|token| {
        Box::pin(async move { if token == TOKEN { Ok(principal()) } else { Err(AuthenticateError::InvalidToken) } })
    });
    services
        .content
        .expect_delete_comment()
        .with(eq(principal()), eq(Slug::parse("my-post").expect("a valid slug")), eq(CommentId::new(7)))
        .times(1)
        .returning(move |_, _, _| Box::pin(async move { Err(outcome()) }));
    let app = test::init_service(folio_http::app(services.into_state(), HttpSettings::default())).await;
    let request = test::TestRequest::delete()
        .uri(uri)
        .insert_header((header::AUTHORIZATION, format!("{scheme} {TOKEN}")))
        .to_request();
    let response = test::call_service(&app, request).await;
    let status = response.status();
    (status, test::read_body_json(response).await)
}

#[actix_web::test]
async fn deleting_a_comment_of_a_missing_article_is_404_about_the_article_on_the_realworld_surface() {
    let (status, body) = delete_comment(|| PostError::NotFound, "/api/articles/my-post/comments/7", "Token").await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"errors": {"article": ["not found"]}})));
}

#[actix_web::test]
async fn deleting_a_missing_comment_of_an_article_is_404_about_the_comment_on_the_realworld_surface() {
    let (status, body) =
        delete_comment(|| PostError::CommentNotFound, "/api/articles/my-post/comments/7", "Token").await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"errors": {"comment": ["not found"]}})));
}

#[actix_web::test]
async fn deleting_someone_elses_comment_is_403_about_the_comment_on_the_realworld_surface() {
    let (status, body) = delete_comment(|| PostError::Forbidden, "/api/articles/my-post/comments/7", "Token").await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, json!({"errors": {"comment": ["forbidden"]}})));
}

#[actix_web::test]
async fn deleting_a_comment_of_a_missing_post_is_404_about_the_post_on_the_native_surface() {
    let (status, body) = delete_comment(|| PostError::NotFound, "/api/v1/posts/my-post/comments/7", "Bearer").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["error"]["message"], "No post has this slug.");
}

#[actix_web::test]
async fn deleting_a_missing_comment_of_a_post_is_404_about_the_comment_on_the_native_surface() {
    let (status, body) =
        delete_comment(|| PostError::CommentNotFound, "/api/v1/posts/my-post/comments/7", "Bearer").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["message"], "No comment with this id is on this post.");
}

fn comment(id: i64, text: &str) -> Comment {
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).single().expect("valid time");
    Comment {
        id: CommentId::new(id),
        post_id: PostId::new(Uuid::from_u128(3)),
        body: CommentBody::parse(text).expect("a valid comment"),
        author: Author {
            id: UserId::new(Uuid::from_u128(4)),
            username: Username::parse("bob").expect("a valid username"),
            display_name: None,
            bio: None,
            image: None,
            following: Following::Yes,
        },
        created_at: at,
        updated_at: at,
    }
}

#[actix_web::test]
async fn the_realworld_comment_list_reads_every_comment_in_one_call_and_no_page() {
    let mut services = TestServices::new();
    services.content.expect_comments().times(0);
    services
        .content
        .expect_all_comments()
        .with(eq(None), eq(Slug::parse("my-post").expect("a valid slug")))
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(vec![comment(1, "First!"), comment(2, "Second.")]) }));
    let app = test::init_service(folio_http::app(services.into_state(), HttpSettings::default())).await;

    let request = test::TestRequest::get().uri("/api/articles/my-post/comments").to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = test::read_body_json(response).await;
    let comments = body["comments"].as_array().expect("a list of comments");
    let listed: Vec<(&Value, &Value)> = comments.iter().map(|c| (&c["id"], &c["body"])).collect();
    assert_eq!(listed, [(&json!(1), &json!("First!")), (&json!(2), &json!("Second."))]);
    assert_eq!(comments[0]["author"], json!({"username": "bob", "bio": null, "image": null, "following": true}));
}

#[actix_web::test]
async fn the_realworld_comment_list_of_a_missing_article_is_404_about_the_article() {
    let mut services = TestServices::new();
    services.content.expect_all_comments().times(1).returning(|_, _| Box::pin(async { Err(PostError::NotFound) }));
    let app = test::init_service(folio_http::app(services.into_state(), HttpSettings::default())).await;

    let request = test::TestRequest::get().uri("/api/articles/my-post/comments").to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(body, json!({"errors": {"article": ["not found"]}}));
}
