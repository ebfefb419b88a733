//! PgProfileRepository: profiles with follow counts, follows and unfollows.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use folio_domain::accounts::ports::{AccessChange, AdminGuard, UserRepository};
use folio_domain::accounts::values::{AccountStatus, Bio, DisplayName, ImageUrl, UserId};
use folio_domain::content::model::{Author, Following, Profile};
use folio_domain::content::ports::ProfileRepository;
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgProfileRepository, PgUserRepository};
use uuid::Uuid;

use crate::fixtures::{create_user, new_user, now, username};

async fn profile(profiles: &PgProfileRepository, name: &str, reader: Option<UserId>) -> Profile {
    profiles.find_profile(&username(name), reader).await.expect("read").expect("found")
}

#[tokio::test]
async fn find_profile_returns_the_public_fields_counts_and_whether_the_reader_follows() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let mut alice = new_user("alice");
    alice.display_name = Some(DisplayName::parse("Alice A.").expect("valid"));
    alice.bio = Some(Bio::parse("Writes about Rust.").expect("valid"));
    alice.image = Some(ImageUrl::parse("https://example.com/a.png").expect("valid"));
    PgUserRepository::new(db.pool()).create(&alice, None, &[]).await.expect("created");
    let bob = create_user(&db, "bob").await;
    let carol = create_user(&db, "carol").await;
    // bob and carol follow alice; alice follows bob.
    profiles.follow(bob, alice.id, now(), &[]).await.expect("followed");
    profiles.follow(carol, alice.id, now(), &[]).await.expect("followed");
    profiles.follow(alice.id, bob, now(), &[]).await.expect("followed");

    let seen_by_bob = profile(&profiles, "alice", Some(bob)).await;

    let expected = Profile {
        author: Author {
            id: alice.id,
            username: alice.username.clone(),
            display_name: alice.display_name.clone(),
            bio: alice.bio.clone(),
            image: alice.image.clone(),
            following: Following::Yes,
        },
        followers_count: 2,
        following_count: 1,
    };
    assert_eq!(seen_by_bob, expected);
    let anonymous = profile(&profiles, "alice", None).await;
    assert_eq!(anonymous.author.following, Following::No, "nobody is following for an anonymous reader");
    let herself = profile(&profiles, "alice", Some(alice.id)).await;
    assert_eq!(herself.author.following, Following::No);
    let bobs = profile(&profiles, "bob", Some(carol)).await;
    assert_eq!((bobs.followers_count, bobs.following_count, bobs.author.following), (1, 1, Following::No));
}

#[tokio::test]
async fn find_profile_of_an_unknown_or_deactivated_user_is_none() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;

    assert_eq!(profiles.find_profile(&username("nobody"), None).await.expect("read"), None);

    let deactivate = AccessChange::SetStatus(AccountStatus::Deactivated);
    PgUserRepository::new(db.pool()).change_access(alice, deactivate, AdminGuard::None, now()).await.expect("done");
    assert_eq!(profiles.find_profile(&username("alice"), None).await.expect("read"), None);
}

#[tokio::test]
async fn following_twice_keeps_one_follow_and_unfollowing_twice_is_harmless() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;

    profiles.follow(bob, alice, now(), &[]).await.expect("followed");
    profiles.follow(bob, alice, now(), &[]).await.expect("following again is not an error");

    let followed = profile(&profiles, "alice", Some(bob)).await;
    assert_eq!((followed.followers_count, followed.author.following), (1, Following::Yes));

    profiles.unfollow(bob, alice).await.expect("unfollowed");
    profiles.unfollow(bob, alice).await.expect("unfollowing again is not an error");

    let unfollowed = profile(&profiles, "alice", Some(bob)).await;
    assert_eq!((unfollowed.followers_count, unfollowed.author.following), (0, Following::No));
    assert_eq!(profile(&profiles, "bob", None).await.following_count, 0);
}

#[tokio::test]
async fn unfollowing_someone_never_followed_changes_nothing() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let carol = create_user(&db, "carol").await;
    profiles.follow(carol, alice, now(), &[]).await.expect("followed");

    profiles.unfollow(bob, alice).await.expect("not an error");

    assert_eq!(profile(&profiles, "alice", None).await.followers_count, 1, "carol's follow stays");
}

#[tokio::test]
async fn the_database_refuses_a_self_follow() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;

    let result = profiles.follow(alice, alice, now(), &[]).await;

    assert!(result.is_err(), "{result:?}");
    // The refusal is the named CHECK, not something else that went wrong.
    let mut connection = db.pool().get().await.expect("a connection");
    let direct = diesel::sql_query("INSERT INTO follows VALUES ($1, $1, now())")
        .bind::<diesel::sql_types::Uuid, _>(alice.as_uuid())
        .execute(&mut connection)
        .await;
    let Err(DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info)) = direct else {
        panic!("expected a check violation, got {direct:?}");
    };
    assert_eq!(info.constraint_name(), Some("follows_not_self"));
    assert_eq!(profile(&profiles, "alice", None).await.followers_count, 0);
}

#[tokio::test]
async fn following_an_unknown_user_fails_without_storing_anything() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;

    let result = profiles.follow(alice, UserId::new(Uuid::now_v7()), now(), &[]).await;

    assert!(result.is_err(), "the foreign key refuses it: {result:?}");
    assert_eq!(profile(&profiles, "alice", None).await.following_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_follows_of_one_user_are_each_counted_once() {
    let db = TestDatabase::create().await;
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let mut followers = Vec::new();
    for number in 0..12 {
        followers.push(create_user(&db, &format!("follower_{number}")).await);
    }

    // Each follower follows twice at once: the twin insert meets the primary
    // key and does nothing, instead of failing.
    let mut tasks = tokio::task::JoinSet::new();
    for follower in followers.iter().copied() {
        for _twin in 0..2 {
            let profiles = profiles.clone();
            tasks.spawn(async move { profiles.follow(follower, alice, now(), &[]).await });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("the task ran to completion").expect("followed");
    }

    assert_eq!(profile(&profiles, "alice", None).await.followers_count, 12);
}
