//! E-mail end to end: the real binary with the file mailer writing into a
//! folder of this test's own, the job runner sending in the background.
//! Tests wait for a message (or for the job that would send one) with a
//! deadline, never for a fixed time.

use std::path::{Path, PathBuf};

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use folio_tests::{MailDir, PASSWORD, TestApp, access_token, eventually, refresh_token, spawn_app_with};
use mailparse::MailHeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BASE: &str = "https://folio.test";
const NEW_PASSWORD: &str = "a completely new passphrase";

/// How long a test waits for background work.
const DEADLINE: Duration = Duration::from_secs(30);

/// A message as a reader sees it.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    subject: String,
    text: String,
    html: String,
}

impl Mail {
    /// The token of the first link to `{BASE}/{page}?token=` in the text part,
    /// checking the HTML part has the same link.
    fn token(&self, page: &str) -> String {
        let prefix = format!("{BASE}/{page}?token=");
        let start =
            self.text.find(&prefix).unwrap_or_else(|| panic!("no {page} link in: {}", self.text)) + prefix.len();
        let token: String = self.text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
        assert!(
            self.html.contains(&format!("href=\"{prefix}{token}\"")),
            "the HTML part links the same: {}",
            self.html
        );
        token
    }
}

fn read(path: &Path) -> Mail {
    let raw = std::fs::read(path).expect("the message is readable");
    let parsed = mailparse::parse_mail(&raw).expect("an RFC 5322 message");
    let headers = parsed.get_headers();
    let header = |name: &str| headers.get_first_value(name).unwrap_or_default();
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative", "{}", path.display());
    let part = |mimetype: &str| {
        parsed
            .subparts
            .iter()
            .find(|part| part.ctype.mimetype == mimetype)
            .unwrap_or_else(|| panic!("a {mimetype} part"))
            .get_body()
            .expect("decodable")
            .replace("\r\n", "\n")
    };
    Mail { to: header("To"), subject: header("Subject"), text: part("text/plain"), html: part("text/html") }
}

/// Every message in the folder, oldest first (the file names sort by time).
fn messages(dir: &MailDir) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir.path()) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable folder").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
        .collect();
    paths.sort();
    paths.iter().map(|path| read(path)).collect()
}

/// Waits until a message to `to` whose subject contains `subject` is in the
/// folder, and returns it.
async fn wait_for_mail(dir: &MailDir, to: &str, subject: &str) -> Mail {
    let what = format!("a message to {to} about {subject:?}");
    eventually(&what, DEADLINE, || async {
        messages(dir).into_iter().find(|mail| mail.to.contains(to) && mail.subject.contains(subject))
    })
    .await
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Runs a `SELECT count(*) AS count ...` on the app's database, with `bind`
/// as `$1` when the query has one.
async fn count(app: &TestApp, query: &str, bind: Option<&str>) -> i64 {
    let mut connection = app.database.pool().get().await.expect("a connection");
    let row: Counted = match bind {
        Some(value) => diesel::sql_query(query).bind::<Text, _>(value).get_result(&mut connection).await,
        None => diesel::sql_query(query).get_result(&mut connection).await,
    }
    .expect("counted");
    row.count
}

/// Waits until `query` counts `expected`.
async fn wait_for_count(app: &TestApp, query: &str, expected: i64) {
    let what = format!("{query} to be {expected}");
    eventually(&what, DEADLINE, || async { (count(app, query, None).await == expected).then_some(()) }).await;
}

async fn spawn() -> TestApp {
    spawn_app_with(&[("FOLIO__MAIL__PUBLIC_BASE_URL", BASE)]).await
}

async fn me(app: &TestApp, token: &str) -> Value {
    let reply = app.send(Method::GET, "/api/v1/users/me", Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["data"].clone()
}

#[tokio::test]
async fn registering_mails_a_link_that_verifies_the_address_once() {
    // Arrange
    let app = spawn().await;
    let dir = &app.mail_dir;
    let alice = app.register("alice").await;
    let token = access_token(&alice);
    assert_eq!(me(&app, &token).await["emailVerified"], false);

    // Act
    let welcome = wait_for_mail(dir, "alice@example.com", "Welcome to Folio").await;
    let link_token = welcome.token("verify-email");
    let verified = app.send(Method::POST, "/api/v1/auth/verify-email", None, Some(json!({"token": link_token}))).await;

    // Assert
    assert_eq!(verified.status, StatusCode::NO_CONTENT, "{}", verified.body);
    assert_eq!(me(&app, &token).await["emailVerified"], true);
    let again = app.send(Method::POST, "/api/v1/auth/verify-email", None, Some(json!({"token": link_token}))).await;
    assert_eq!((again.status, again.error_code()), (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"));
    assert_eq!(again.body["error"]["details"][0]["code"], "invalid_token");
    let resend = app.send(Method::POST, "/api/v1/auth/verify-email/resend", Some(&token), None).await;
    assert_eq!(resend.status, StatusCode::CONFLICT, "nothing left to verify");

    // Neither the outbox nor the jobs ever held the token, nor its secret part.
    let secret = link_token.split('.').nth(1).expect("id.secret");
    for needle in [link_token.as_str(), secret] {
        let in_events = "SELECT count(*) AS count FROM outbox_events WHERE strpos(body::text, $1) > 0";
        let in_jobs = "SELECT count(*) AS count FROM jobs WHERE strpos(payload::text, $1) > 0";
        assert_eq!(count(&app, in_events, Some(needle)).await, 0, "an event carries the token");
        assert_eq!(count(&app, in_jobs, Some(needle)).await, 0, "a job carries the token");
    }
}

#[tokio::test]
async fn a_new_verification_link_can_be_asked_for() {
    let app = spawn().await;
    let dir = &app.mail_dir;
    let token = access_token(&app.register("alice").await);
    wait_for_mail(dir, "alice@example.com", "Welcome").await;

    let resend = app.send(Method::POST, "/api/v1/auth/verify-email/resend", Some(&token), None).await;

    assert_eq!(resend.status, StatusCode::ACCEPTED, "{}", resend.body);
    let mail = wait_for_mail(dir, "alice@example.com", "Confirm your e-mail address").await;
    let verified = app
        .send(Method::POST, "/api/v1/auth/verify-email", None, Some(json!({"token": mail.token("verify-email")})))
        .await;
    assert_eq!(verified.status, StatusCode::NO_CONTENT, "{}", verified.body);
    assert_eq!(me(&app, &token).await["emailVerified"], true);
}

#[tokio::test]
async fn a_password_reset_answers_alike_for_every_address_and_its_link_works_once() {
    // Arrange
    let app = spawn().await;
    let dir = &app.mail_dir;
    let alice = app.register("alice").await;
    let old_refresh = refresh_token(&alice);

    // Act: the same answer whether or not the address has an account.
    let unknown =
        app.send(Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "nobody@example.com"}))).await;
    let known =
        app.send(Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "alice@example.com"}))).await;

    // Assert
    assert_eq!((unknown.status, known.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    assert_eq!(unknown.body, known.body, "indistinguishable answers");
    let reset = wait_for_mail(dir, "alice@example.com", "Reset your Folio password").await;
    let link_token = reset.token("reset-password");
    let confirm = json!({"token": link_token, "newPassword": NEW_PASSWORD});
    let confirmed = app.send(Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(confirm.clone())).await;
    assert_eq!(confirmed.status, StatusCode::NO_CONTENT, "{}", confirmed.body);

    // The new password works, the old one and the old session do not.
    assert_eq!(app.log_in("alice@example.com", NEW_PASSWORD).await.status, StatusCode::OK);
    assert_eq!(app.log_in("alice@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let refreshed =
        app.send(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refreshToken": old_refresh}))).await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED, "every session ended");
    let stale = app.send(Method::GET, "/api/v1/users/me", Some(&access_token(&alice)), None).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "the old access token is refused too");

    // The link works once.
    let again = json!({"token": link_token, "newPassword": "yet another passphrase"});
    let reused = app.send(Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(again)).await;
    assert_eq!((reused.status, reused.error_code()), (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"));
    assert_eq!(
        reused.body["error"]["details"][0],
        json!({
            "field": "token", "code": "invalid_token",
            "message": "This link is invalid, has expired or was already used; ask for a new one."
        })
    );
    assert_eq!(app.log_in("alice@example.com", NEW_PASSWORD).await.status, StatusCode::OK);

    // Nothing was ever written, or sent, for the unknown address.
    let requested = "SELECT count(*) AS count FROM outbox_events WHERE event_type = 'user.password_reset_requested'";
    assert_eq!(count(&app, requested, None).await, 1);
    assert!(messages(dir).iter().all(|mail| !mail.to.contains("nobody@example.com")));
}

#[tokio::test]
async fn an_expired_reset_link_is_refused_and_changes_nothing() {
    // Arrange
    let app = spawn().await;
    let dir = &app.mail_dir;
    app.register("alice").await;
    let requested =
        app.send(Method::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "alice@example.com"}))).await;
    assert_eq!(requested.status, StatusCode::ACCEPTED);
    let reset = wait_for_mail(dir, "alice@example.com", "Reset your Folio password").await;
    // An hour and more passes.
    let mut connection = app.database.pool().get().await.expect("a connection");
    let expired = diesel::sql_query(
        "UPDATE account_tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' \
         WHERE purpose = 'reset_password'",
    )
    .execute(&mut connection)
    .await
    .expect("updated");
    assert_eq!(expired, 1);

    // Act
    let body = json!({"token": reset.token("reset-password"), "newPassword": NEW_PASSWORD});
    let confirmed = app.send(Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(body)).await;

    // Assert
    assert_eq!((confirmed.status, confirmed.error_code()), (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"));
    assert_eq!(confirmed.body["error"]["details"][0]["code"], "invalid_token");
    assert_eq!(app.log_in("alice@example.com", PASSWORD).await.status, StatusCode::OK, "the password is unchanged");
}

#[tokio::test]
async fn a_comment_mails_the_post_author_unless_they_wrote_it_or_turned_notices_off() {
    // Arrange
    let app = spawn().await;
    let dir = &app.mail_dir;
    let alice = access_token(&app.register("alice").await);
    let bob = access_token(&app.register("bob").await);
    let post = json!({"title": "Tips & tricks", "description": "d", "body": "b", "status": "published"});
    let created = app.send(Method::POST, "/api/v1/posts", Some(&alice), Some(post)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let slug = created.body["data"]["slug"].as_str().expect("a slug").to_owned();
    let comments = format!("/api/v1/posts/{slug}/comments");
    let comment = |token: &str, text: &str| {
        let token = token.to_owned();
        let body = json!({"body": text});
        let path = comments.clone();
        let app = &app;
        async move {
            let reply = app.send(Method::POST, &path, Some(&token), Some(body)).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        }
    };

    // Act / Assert: bob's comment reaches alice, escaped in the HTML part.
    comment(&bob, "Great <b>post</b>!").await;
    let notice = wait_for_mail(dir, "alice@example.com", "bob commented on").await;
    assert_eq!(notice.subject, "bob commented on \"Tips & tricks\"");
    assert!(notice.text.contains("> Great <b>post</b>!"), "{}", notice.text);
    assert!(notice.html.contains("Great &lt;b&gt;post&lt;/b&gt;!") && !notice.html.contains("<b>post</b>"));
    assert!(notice.text.contains(&format!("{BASE}/posts/{slug}")));

    // Her own comment asks for no notice at all.
    comment(&alice, "Thanks!").await;
    let relayed = "SELECT count(*) AS count FROM outbox_events \
                   WHERE event_type = 'comment.created' AND handled_at IS NOT NULL";
    wait_for_count(&app, relayed, 2).await;
    let notices = "SELECT count(*) AS count FROM jobs WHERE kind = 'mail.comment_notice'";
    assert_eq!(count(&app, notices, None).await, 1);

    // Turned off, a notice is not sent: its job succeeds without a message.
    let off = json!({"settings": {"notifyOnComment": false}});
    let patched = app.send(Method::PATCH, "/api/v1/users/me", Some(&alice), Some(off)).await;
    assert_eq!(patched.body["data"]["settings"]["notifyOnComment"], false, "{}", patched.body);
    comment(&bob, "Another one").await;
    let done = "SELECT count(*) AS count FROM jobs WHERE kind = 'mail.comment_notice' AND state = 'succeeded'";
    wait_for_count(&app, done, 2).await;
    let to_alice = messages(dir).into_iter().filter(|mail| mail.subject.starts_with("bob commented")).count();
    assert_eq!(to_alice, 1, "no notice once they are off");
}
