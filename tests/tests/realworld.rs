//! The RealWorld surface under `/api`, section by section of the RealWorld
//! spec 2.0.0, against the real binary. The spec's operations are kept as data
//! in `tests/realworld-routes.txt` (its header says where they come from).

use folio_tests::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Every operation of the spec, `METHOD /path` a line.
const SPEC_ROUTES: &str = include_str!("../realworld-routes.txt");

/// A request in the spec's style: `Authorization: Token <jwt>`.
async fn rw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.request(method, &format!("/api{path}"));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
    (status, body)
}

async fn sign_up(app: &TestApp, username: &str) -> String {
    let (status, body) = rw(
        app,
        Method::POST,
        "/users",
        None,
        Some(json!({"user": {"username": username, "email": format!("{username}@example.com"), "password": "password-of-a-good-length"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["user"]["token"].as_str().expect("token").to_owned()
}

async fn new_article(app: &TestApp, token: &str, title: &str, tags: &[&str]) -> Value {
    let (status, body) = rw(
        app,
        Method::POST,
        "/articles",
        Some(token),
        Some(json!({"article": {"title": title, "description": "desc", "body": "body text", "tagList": tags}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["article"].clone()
}

#[tokio::test]
async fn every_path_and_method_of_the_spec_is_routed() {
    let app = spawn_app().await;
    let mut checked = 0;
    for line in SPEC_ROUTES.lines().filter(|line| !line.is_empty() && !line.starts_with('#')) {
        let (method, path) = line.split_once(' ').unwrap_or_else(|| panic!("`METHOD /path` expected: {line}"));
        let concrete = path.replace("{username}", "someone").replace("{slug}", "some-slug").replace("{id}", "1");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let (status, body) = rw(&app, method.clone(), &concrete, None, None).await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(body["errors"].get("route").is_none(), "{method} {path} is not routed: {body}");
        assert!(body.get("error").is_none(), "{method} {path} answered in the native shape: {body}");
        checked += 1;
    }
    assert_eq!(checked, 19, "the spec has 19 operations");
}

mod users_and_authentication {
    use super::*;

    #[tokio::test]
    async fn register_log_in_get_and_update_the_current_user() {
        let app = spawn_app().await;
        let (status, body) = rw(
            &app,
            Method::POST,
            "/users",
            None,
            Some(json!({"user": {"username": "jake", "email": "jake@jake.jake", "password": "jakejakejake"}})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["user"]["username"], "jake");
        assert_eq!(body["user"]["email"], "jake@jake.jake");
        assert_eq!(body["user"]["bio"], Value::Null);
        assert_eq!(body["user"]["image"], Value::Null);
        let keys: Vec<&String> = body["user"].as_object().expect("object").keys().collect();
        assert_eq!(keys.len(), 5, "exactly the spec's User: {keys:?}");

        let (status, body) = rw(
            &app,
            Method::POST,
            "/users/login",
            None,
            Some(json!({"user": {"email": "jake@jake.jake", "password": "jakejakejake"}})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let token = body["user"]["token"].as_str().expect("token").to_owned();

        let (status, body) = rw(&app, Method::GET, "/user", Some(&token), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["user"]["token"], token.as_str());

        // Bearer is accepted too.
        let response = app.request(Method::GET, "/api/user").bearer_auth(&token).send().await.expect("answers");
        assert_eq!(response.status(), StatusCode::OK);

        // Updates: bio set, image set then cleared with null, username and email changed.
        let (status, body) = rw(
            &app,
            Method::PUT,
            "/user",
            Some(&token),
            Some(json!({"user": {"bio": "I work at statefarm", "image": "https://i.stack.imgur.com/xHWG8.jpg", "username": "jacob", "email": "jacob@jake.jake"}})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["bio"], "I work at statefarm");
        assert_eq!(body["user"]["username"], "jacob");
        let (_, body) = rw(&app, Method::PUT, "/user", Some(&token), Some(json!({"user": {"image": null}}))).await;
        assert_eq!(body["user"]["image"], Value::Null);
        assert_eq!(body["user"]["bio"], "I work at statefarm", "a missing field is unchanged");
        let (_, body) = rw(&app, Method::PUT, "/user", Some(&token), Some(json!({"user": {"bio": null}}))).await;
        assert_eq!(body["user"]["bio"], Value::Null);

        // The token survives the username and e-mail change.
        let (status, body) = rw(&app, Method::GET, "/user", Some(&token), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["user"]["email"], "jacob@jake.jake");

        // Blank username, email or password are refused with the spec's words.
        for field in ["username", "email", "password"] {
            let (status, body) = rw(&app, Method::PUT, "/user", Some(&token), Some(json!({"user": {field: ""}}))).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            assert_eq!(body["errors"][field], json!(["can't be blank"]), "{field}");
            let (status, _) = rw(&app, Method::PUT, "/user", Some(&token), Some(json!({"user": {field: null}}))).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field} null");
        }

        // A new password works at once.
        let (status, _) =
            rw(&app, Method::PUT, "/user", Some(&token), Some(json!({"user": {"password": "a new long password"}})))
                .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = rw(
            &app,
            Method::POST,
            "/users/login",
            None,
            Some(json!({"user": {"email": "jacob@jake.jake", "password": "a new long password"}})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn errors_use_the_specs_statuses_and_shape() {
        let app = spawn_app().await;
        sign_up(&app, "taken").await;
        let (status, body) = rw(
            &app,
            Method::POST,
            "/users",
            None,
            Some(json!({"user": {"username": "taken", "email": "other@example.com", "password": "long enough pw"}})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body, json!({"errors": {"username": ["has already been taken"]}}));
        let (status, body) = rw(
            &app,
            Method::POST,
            "/users",
            None,
            Some(json!({"user": {"username": "other", "email": "taken@example.com", "password": "long enough pw"}})),
        )
        .await;
        assert_eq!((status, &body["errors"]["email"]), (StatusCode::CONFLICT, &json!(["has already been taken"])));

        let (status, body) = rw(&app, Method::POST, "/users", None, Some(json!({"user": {"username": ""}}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["username", "email", "password"] {
            assert_eq!(body["errors"][field], json!(["can't be blank"]), "{field}: {body}");
        }

        let (status, body) = rw(
            &app,
            Method::POST,
            "/users/login",
            None,
            Some(json!({"user": {"email": "taken@example.com", "password": "wrong password"}})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, json!({"errors": {"credentials": ["invalid"]}}));

        let (status, body) = rw(&app, Method::GET, "/user", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, json!({"errors": {"token": ["is missing"]}}));
        let (status, _) = rw(&app, Method::GET, "/user", Some("not.a.jwt"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Malformed JSON is a 422 in the spec's shape, never plain text.
        let response = app
            .request(Method::POST, "/api/users/login")
            .header("content-type", "application/json")
            .body("{\"user\": ")
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.expect("JSON");
        assert!(body["errors"].is_object(), "{body}");
    }
}

mod profiles {
    use super::*;

    #[tokio::test]
    async fn get_follow_and_unfollow_a_profile() {
        let app = spawn_app().await;
        let reader = sign_up(&app, "reader").await;
        sign_up(&app, "celeb").await;

        let (status, body) = rw(&app, Method::GET, "/profiles/celeb", None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"profile": {"username": "celeb", "bio": null, "image": null, "following": false}}));

        let (status, body) = rw(&app, Method::POST, "/profiles/celeb/follow", Some(&reader), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["profile"]["following"], true);
        let (_, body) = rw(&app, Method::GET, "/profiles/celeb", Some(&reader), None).await;
        assert_eq!(body["profile"]["following"], true);
        let (status, body) = rw(&app, Method::DELETE, "/profiles/celeb/follow", Some(&reader), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["profile"]["following"], false);

        let (status, body) = rw(&app, Method::GET, "/profiles/nobody", None, None).await;
        assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"errors": {"profile": ["not found"]}})));
        let (status, _) = rw(&app, Method::POST, "/profiles/celeb/follow", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = rw(&app, Method::POST, "/profiles/nobody/follow", Some(&reader), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

mod articles {
    use super::*;

    #[tokio::test]
    async fn create_read_list_update_and_delete_articles() {
        let app = spawn_app().await;
        let author = sign_up(&app, "author").await;
        let other = sign_up(&app, "other").await;

        let article = new_article(&app, &author, "How to train your dragon", &["dragons", "training"]).await;
        assert_eq!(article["slug"], "how-to-train-your-dragon");
        assert_eq!(article["tagList"], json!(["dragons", "training"]));
        assert_eq!(article["favorited"], false);
        assert_eq!(article["favoritesCount"], 0);
        assert_eq!(article["author"], json!({"username": "author", "bio": null, "image": null, "following": false}));
        let created_at = article["createdAt"].as_str().expect("createdAt").to_owned();
        assert!(created_at.ends_with('Z') && created_at.len() == 24, "{created_at}");
        new_article(&app, &author, "Second", &["zeta", "alpha"]).await;

        let (status, body) = rw(&app, Method::GET, "/articles/how-to-train-your-dragon", None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["article"]["body"], "body text");
        assert_eq!(body["article"]["createdAt"], created_at.as_str(), "the same timestamp in every response");

        let (status, body) = rw(&app, Method::GET, "/articles", None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["articlesCount"], 2);
        assert_eq!(body["articles"][0]["slug"], "second", "newest first");
        assert!(body["articles"][0].get("body").is_none(), "list items have no body key");
        assert_eq!(body["articles"][0]["tagList"], json!(["zeta", "alpha"]), "the author's order");
        let (_, body) = rw(&app, Method::GET, "/articles?limit=1&offset=1", None, None).await;
        assert_eq!(body["articlesCount"], 2, "the total before limit and offset");
        assert_eq!(body["articles"].as_array().expect("list").len(), 1);
        assert_eq!(body["articles"][0]["slug"], "how-to-train-your-dragon");
        let (_, body) = rw(&app, Method::GET, "/articles?tag=dragons", None, None).await;
        assert_eq!(body["articlesCount"], 1);
        let (_, body) = rw(&app, Method::GET, "/articles?author=author", None, None).await;
        assert_eq!(body["articlesCount"], 2);
        let (_, body) = rw(&app, Method::GET, "/articles?author=Not%20A%20User", None, None).await;
        assert_eq!(body, json!({"articles": [], "articlesCount": 0}));

        // Update: 403 for others; tagList [] clears, missing keeps; blank title refused.
        let (status, body) = rw(
            &app,
            Method::PUT,
            "/articles/how-to-train-your-dragon",
            Some(&other),
            Some(json!({"article": {"body": "mine"}})),
        )
        .await;
        assert_eq!((status, body), (StatusCode::FORBIDDEN, json!({"errors": {"article": ["forbidden"]}})));
        // Timestamps have millisecond precision: make sure one passes.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (status, body) = rw(
            &app,
            Method::PUT,
            "/articles/how-to-train-your-dragon",
            Some(&author),
            Some(json!({"article": {"body": "new body"}})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["article"]["tagList"], json!(["dragons", "training"]));
        assert_eq!(body["article"]["createdAt"], created_at.as_str());
        assert_ne!(body["article"]["updatedAt"], created_at.as_str(), "updatedAt moves on update");
        let (_, body) = rw(
            &app,
            Method::PUT,
            "/articles/how-to-train-your-dragon",
            Some(&author),
            Some(json!({"article": {"tagList": []}})),
        )
        .await;
        assert_eq!(body["article"]["tagList"], json!([]));
        let (status, body) = rw(
            &app,
            Method::PUT,
            "/articles/how-to-train-your-dragon",
            Some(&author),
            Some(json!({"article": {"title": ""}})),
        )
        .await;
        assert_eq!((status, &body["errors"]["title"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!(["can't be blank"])));

        // Create: 422 for blank fields, 401 without a token.
        let (status, body) = rw(&app, Method::POST, "/articles", Some(&author), Some(json!({"article": {}}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"]["title"], json!(["can't be blank"]));
        let (status, _) = rw(&app, Method::POST, "/articles", None, Some(json!({"article": {}}))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Delete: 401 before anything else, 403 for others, 204 with an empty body, then 404.
        let (status, _) = rw(&app, Method::DELETE, "/articles/missing-article", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "401 is checked before existence");
        let (status, _) = rw(&app, Method::DELETE, "/articles/how-to-train-your-dragon", Some(&other), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = rw(&app, Method::DELETE, "/articles/how-to-train-your-dragon", Some(&author), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        let (status, body) = rw(&app, Method::GET, "/articles/how-to-train-your-dragon", None, None).await;
        assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"errors": {"article": ["not found"]}})));
    }

    #[tokio::test]
    async fn the_feed_lists_followed_authors_only() {
        let app = spawn_app().await;
        let reader = sign_up(&app, "reader").await;
        let followed = sign_up(&app, "followed").await;
        let stranger = sign_up(&app, "stranger").await;
        new_article(&app, &followed, "From followed", &[]).await;
        new_article(&app, &stranger, "From stranger", &[]).await;
        rw(&app, Method::POST, "/profiles/followed/follow", Some(&reader), None).await;
        let (status, body) = rw(&app, Method::GET, "/articles/feed", Some(&reader), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["articlesCount"], 1);
        assert_eq!(body["articles"][0]["slug"], "from-followed");
        assert_eq!(body["articles"][0]["author"]["following"], true);
        let (status, _) = rw(&app, Method::GET, "/articles/feed", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

mod favorites {
    use super::*;

    #[tokio::test]
    async fn favourite_and_unfavourite_an_article() {
        let app = spawn_app().await;
        let author = sign_up(&app, "author").await;
        let fan = sign_up(&app, "fan").await;
        new_article(&app, &author, "Loved", &[]).await;
        let (status, body) = rw(&app, Method::POST, "/articles/loved/favorite", Some(&fan), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (body["article"]["favorited"].clone(), body["article"]["favoritesCount"].clone()),
            (json!(true), json!(1))
        );
        let (_, body) = rw(&app, Method::GET, "/articles?favorited=fan", None, None).await;
        assert_eq!(body["articlesCount"], 1);
        let (status, body) = rw(&app, Method::DELETE, "/articles/loved/favorite", Some(&fan), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["article"]["favoritesCount"], 0);
        let (status, _) = rw(&app, Method::POST, "/articles/missing/favorite", Some(&fan), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = rw(&app, Method::POST, "/articles/loved/favorite", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

mod comments {
    use super::*;

    #[tokio::test]
    async fn add_list_and_delete_comments() {
        let app = spawn_app().await;
        let author = sign_up(&app, "author").await;
        let commenter = sign_up(&app, "commenter").await;
        let other = sign_up(&app, "other").await;
        new_article(&app, &author, "Talk", &[]).await;

        let (status, body) = rw(
            &app,
            Method::POST,
            "/articles/talk/comments",
            Some(&commenter),
            Some(json!({"comment": {"body": "Thank you so much!"}})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let id = body["comment"]["id"].as_i64().expect("an integer id");
        assert_eq!(body["comment"]["author"]["username"], "commenter");

        let (status, body) = rw(&app, Method::GET, "/articles/talk/comments", None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["comments"].as_array().expect("list").len(), 1);
        let (status, body) = rw(&app, Method::GET, "/articles/missing/comments", None, None).await;
        assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"errors": {"article": ["not found"]}})));
        let (status, body) =
            rw(&app, Method::POST, "/articles/talk/comments", Some(&commenter), Some(json!({"comment": {"body": ""}})))
                .await;
        assert_eq!((status, &body["errors"]["body"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!(["can't be blank"])));

        let path = format!("/articles/talk/comments/{id}");
        let (status, _) = rw(&app, Method::DELETE, &path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = rw(&app, Method::DELETE, &path, Some(&other), None).await;
        assert_eq!((status, body), (StatusCode::FORBIDDEN, json!({"errors": {"comment": ["forbidden"]}})));
        let (status, body) = rw(&app, Method::DELETE, &path, Some(&commenter), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        let (status, body) = rw(&app, Method::DELETE, &path, Some(&commenter), None).await;
        assert_eq!((status, body), (StatusCode::NOT_FOUND, json!({"errors": {"comment": ["not found"]}})));
    }
}

mod tags {
    use super::*;

    #[tokio::test]
    async fn every_tag_in_use_is_listed() {
        let app = spawn_app().await;
        let author = sign_up(&app, "author").await;
        let (status, body) = rw(&app, Method::GET, "/tags", None, None).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"tags": []})));
        new_article(&app, &author, "One", &["rust", "web"]).await;
        new_article(&app, &author, "Two", &["rust"]).await;
        let (_, body) = rw(&app, Method::GET, "/tags", None, None).await;
        assert_eq!(body, json!({"tags": ["rust", "web"]}));
    }
}

#[tokio::test]
async fn browsers_may_preflight_from_an_allowed_origin_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/articles")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let response = preflight("http://localhost:4100").await.expect("answers");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], "http://localhost:4100");
    let allowed = response.headers()["access-control-allow-headers"].to_str().expect("ascii").to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");

    let response = preflight("https://evil.example").await.expect("answers");
    assert!(response.headers().get("access-control-allow-origin").is_none());

    let response =
        app.request(Method::GET, "/api/tags").header("Origin", "http://localhost:4100").send().await.expect("answers");
    assert_eq!(response.headers()["access-control-allow-origin"], "http://localhost:4100");
}

mod review_findings {
    use super::*;

    #[tokio::test]
    async fn a_refused_user_update_changes_nothing() {
        let app = spawn_app().await;
        let token = sign_up(&app, "partial").await;
        let (status, body) = rw(
            &app,
            Method::PUT,
            "/user",
            Some(&token),
            Some(json!({"user": {"bio": "changed bio", "username": "partialnew", "password": "partialnew"}})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["errors"]["password"].is_array(), "{body}");
        let (_, body) = rw(&app, Method::GET, "/user", Some(&token), None).await;
        assert_eq!(body["user"]["username"], "partial");
        assert_eq!(body["user"]["bio"], Value::Null);
    }

    #[tokio::test]
    async fn large_limits_are_served_as_the_largest_page_and_null_tag_lists_are_refused() {
        let app = spawn_app().await;
        let token = sign_up(&app, "author").await;
        new_article(&app, &token, "Tagged", &["b", "a"]).await;
        let (status, body) = rw(&app, Method::GET, "/articles?limit=1000", None, None).await;
        assert_eq!((status, body["articlesCount"].clone()), (StatusCode::OK, json!(1)));
        let (status, _) =
            rw(&app, Method::PUT, "/articles/tagged", Some(&token), Some(json!({"article": {"tagList": null}}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, body) = rw(&app, Method::GET, "/articles/tagged", None, None).await;
        assert_eq!(body["article"]["tagList"], json!(["b", "a"]));
    }

    #[tokio::test]
    async fn an_article_titled_feed_stays_reachable() {
        let app = spawn_app().await;
        let token = sign_up(&app, "author").await;
        let article = new_article(&app, &token, "Feed", &[]).await;
        let slug = article["slug"].as_str().expect("slug").to_owned();
        assert_ne!(slug, "feed");
        let (status, _) = rw(&app, Method::GET, &format!("/articles/{slug}"), None, None).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn the_body_limit_applies_to_the_realworld_surface_too() {
        let app = spawn_app().await;
        let big = json!({"user": {"email": "a".repeat(1_100_000), "password": "x"}});
        let (status, body) = rw(&app, Method::POST, "/users/login", None, Some(big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(body["errors"].is_object());
    }
}
