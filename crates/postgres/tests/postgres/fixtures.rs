//! Builders for the values the tests store.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use folio_domain::accounts::ports::{NewRefreshToken, NewSession, NewUser, SessionStore, UserRepository};
use folio_domain::accounts::values::{Email, PasswordHash, RefreshTokenHash, Role, SessionId, UserId, Username};
use folio_domain::content::model::PostSummary;
use folio_domain::content::ports::{NewPost, PostRepository};
use folio_domain::content::values::{Body, Description, PostId, PostStatus, Slug, TagList, Title};
use folio_domain::content::{PostDraft, PostListing};
use folio_domain::pagination::{Page, PageRequest};
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgPostRepository, PgSessionStore, PgUserRepository};
use uuid::Uuid;

/// Now, at the database's precision (microseconds), so that a value read back
/// compares equal to the one written.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A user with role `user` named `username`, e-mail `<username>@example.com`.
pub(crate) fn new_user(username: &str) -> NewUser {
    NewUser {
        id: UserId::new(Uuid::now_v7()),
        email: Email::parse(&format!("{username}@example.com")).expect("a valid e-mail"),
        username: Username::parse(username).expect("a valid username"),
        password_hash: PasswordHash::new(format!("$2b$04$hash-of-{username}")),
        display_name: None,
        bio: None,
        image: None,
        role: Role::User,
        created_at: now(),
    }
}

/// A user with the given role.
pub(crate) fn new_user_with_role(username: &str, role: Role) -> NewUser {
    NewUser { role, ..new_user(username) }
}

/// A fresh 32-byte digest (the size of SHA-256).
pub(crate) fn token_hash() -> RefreshTokenHash {
    let mut bytes = Uuid::now_v7().as_bytes().to_vec();
    bytes.extend_from_slice(Uuid::now_v7().as_bytes());
    RefreshTokenHash::new(bytes)
}

/// A refresh token that expires `ttl` from now.
pub(crate) fn new_refresh_token(ttl: TimeDelta) -> NewRefreshToken {
    NewRefreshToken { hash: token_hash(), expires_at: now() + ttl }
}

/// Starts a session for `user_id` whose first token lives an hour; returns
/// the session and that token's digest.
pub(crate) async fn start_session(store: &PgSessionStore, user_id: UserId) -> (SessionId, RefreshTokenHash) {
    start_session_with_ttl(store, user_id, TimeDelta::hours(1)).await
}

/// As [`start_session`], with the first token living `ttl`.
pub(crate) async fn start_session_with_ttl(
    store: &PgSessionStore,
    user_id: UserId,
    ttl: TimeDelta,
) -> (SessionId, RefreshTokenHash) {
    let refresh_token = new_refresh_token(ttl);
    let hash = refresh_token.hash.clone();
    let session = NewSession { id: SessionId::new(Uuid::now_v7()), user_id, refresh_token, created_at: now() };
    store.start(&session).await.expect("the session starts");
    (session.id, hash)
}

/// Stores a user named `username` and returns their id.
pub(crate) async fn create_user(db: &TestDatabase, username: &str) -> UserId {
    let user = new_user(username);
    PgUserRepository::new(db.pool()).create(&user, None, &[]).await.expect("the user is stored");
    user.id
}

/// Tags from literals.
pub(crate) fn tags(names: &[&str]) -> TagList {
    TagList::parse(names).expect("valid tags")
}

/// A post by `author` titled `title` (slug derived from it), created (and,
/// when published, published) at `at`, without tags.
pub(crate) fn new_post(author: UserId, title: &str, status: PostStatus, at: DateTime<Utc>) -> NewPost {
    let title = Title::parse(title).expect("a valid title");
    NewPost {
        id: PostId::new(Uuid::now_v7()),
        slug: Slug::from_title(&title),
        author_id: author,
        created_at: at,
        draft: PostDraft {
            description: Description::parse(&format!("About {}", title.as_str())).expect("a valid description"),
            body: Body::parse(&format!("The body of {}.", title.as_str())).expect("a valid body"),
            title,
            tags: TagList::default(),
            status,
        },
    }
}

/// Stores a published post created at `at` and returns it.
pub(crate) async fn publish_post(posts: &PgPostRepository, author: UserId, title: &str, at: DateTime<Utc>) -> NewPost {
    let post = new_post(author, title, PostStatus::Published, at);
    posts.create(&post, &[]).await.expect("the post is stored");
    post
}

/// A page request.
pub(crate) fn page(page: u32, limit: u32) -> PageRequest {
    PageRequest::new(Some(page), Some(limit)).expect("a valid page")
}

/// A listing of published posts, first page of 20, with no filter.
pub(crate) fn published() -> PostListing {
    PostListing { status: Some(PostStatus::Published), page: page(1, 20), ..PostListing::default() }
}

/// The slugs of a page, in order.
pub(crate) fn slugs(page: &Page<PostSummary>) -> Vec<&str> {
    page.items.iter().map(|post| post.slug.as_str()).collect()
}

/// A username from a literal.
pub(crate) fn username(name: &str) -> Username {
    Username::parse(name).expect("a valid username")
}
