//! PgUserRepository: accounts, uniqueness, profile and access changes, the list.

use chrono::TimeDelta;
use folio_domain::accounts::model::{FieldUpdate, ProfileChanges, User, UserSettings};
use folio_domain::accounts::ports::{
    AccessChange, AccessWriteError, AdminGuard, NewSession, NewUser, SessionStore, UniqueField, UserQuery,
    UserRepository, UserWriteError,
};
use folio_domain::accounts::values::{
    AccountStatus, Bio, DisplayName, Email, ImageUrl, PasswordHash, Role, UserId, Username,
};
use folio_domain::pagination::{PageRequest, SearchTerm};
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgSessionStore, PgUserRepository};
use uuid::Uuid;

use crate::fixtures::{new_user, new_user_with_role, now, start_session};

fn repositories(db: &TestDatabase) -> (PgUserRepository, PgSessionStore) {
    (PgUserRepository::new(db.pool()), PgSessionStore::new(db.pool()))
}

#[tokio::test]
async fn create_stores_the_user_and_find_by_id_reads_it_back() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let mut new = new_user("alice");
    new.display_name = Some(DisplayName::parse("Alice A.").expect("valid"));
    new.bio = Some(Bio::parse("Writes about\nRust.").expect("valid"));
    new.image = Some(ImageUrl::parse("https://example.com/a.png").expect("valid"));
    new.role = Role::Moderator;

    let created = users.create(&new, None, &[]).await.expect("created");

    let expected = User {
        id: new.id,
        email: new.email.clone(),
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        bio: new.bio.clone(),
        image: new.image.clone(),
        role: Role::Moderator,
        status: AccountStatus::Active,
        created_at: new.created_at,
        updated_at: new.created_at,
        email_verified_at: None,
        settings: UserSettings::default(),
    };
    assert_eq!(created, expected);
    assert_eq!(users.find_by_id(new.id).await.expect("read"), Some(expected));
}

#[tokio::test]
async fn finders_return_none_for_unknown_users() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let unknown = UserId::new(Uuid::now_v7());

    assert_eq!(users.find_by_id(unknown).await.expect("read"), None);
    assert!(users.find_credentials_by_id(unknown).await.expect("read").is_none());
    let email = Email::parse("nobody@example.com").expect("valid");
    assert!(users.find_credentials_by_email(&email).await.expect("read").is_none());
}

#[tokio::test]
async fn credentials_are_found_by_email_and_by_id_with_the_password_hash() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let new = new_user("alice");
    users.create(&new, None, &[]).await.expect("created");

    let typed = Email::parse("  ALICE@Example.com ").expect("valid");
    let by_email = users.find_credentials_by_email(&typed).await.expect("read").expect("found");
    assert_eq!(by_email.user.id, new.id);
    assert_eq!(by_email.password_hash, new.password_hash);

    let by_id = users.find_credentials_by_id(new.id).await.expect("read").expect("found");
    assert_eq!(by_id.user.email, new.email);
    assert_eq!(by_id.password_hash, new.password_hash);
}

#[tokio::test]
async fn create_with_a_taken_email_returns_duplicate_email() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    users.create(&new_user("alice"), None, &[]).await.expect("created");

    let mut other = new_user("alice2");
    // The domain lower-cases, so a differently cased address is the same one.
    other.email = Email::parse("ALICE@example.com").expect("valid");
    let result = users.create(&other, None, &[]).await;

    assert!(matches!(result, Err(UserWriteError::Duplicate(UniqueField::Email))), "{result:?}");
    assert_eq!(users.find_by_id(other.id).await.expect("read"), None, "nothing stored");
}

#[tokio::test]
async fn create_with_a_taken_username_returns_duplicate_username() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    users.create(&new_user("alice"), None, &[]).await.expect("created");

    let mut other = new_user("someone");
    other.username = Username::parse("ALICE").expect("valid");
    let result = users.create(&other, None, &[]).await;

    assert!(matches!(result, Err(UserWriteError::Duplicate(UniqueField::Username))), "{result:?}");
}

#[tokio::test]
async fn concurrent_creates_of_one_email_store_exactly_one() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let first = new_user("alice");
    let mut second = new_user("alice2");
    second.email = first.email.clone();

    let (a, b) = tokio::join!(users.create(&first, None, &[]), users.create(&second, None, &[]));

    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} / {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(UserWriteError::Duplicate(UniqueField::Email))), "{loser:?}");
}

#[tokio::test]
async fn update_profile_sets_clears_and_keeps_each_field_and_bumps_updated_at() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let mut new = new_user("alice");
    new.display_name = Some(DisplayName::parse("Alice").expect("valid"));
    new.bio = Some(Bio::parse("Old bio").expect("valid"));
    new.image = Some(ImageUrl::parse("https://example.com/old.png").expect("valid"));
    users.create(&new, None, &[]).await.expect("created");
    let later = new.created_at + TimeDelta::minutes(5);

    let changes = ProfileChanges {
        email: Some(Email::parse("alice@example.org").expect("valid")),
        username: None,
        display_name: FieldUpdate::Set(DisplayName::parse("Alice B.").expect("valid")),
        bio: FieldUpdate::Clear,
        image: FieldUpdate::Keep,
        notify_on_comment: None,
    };
    let updated = users.update_profile(new.id, &changes, later).await.expect("updated");

    assert_eq!(updated.email.as_str(), "alice@example.org", "email set");
    assert_eq!(updated.username, new.username, "username kept");
    assert_eq!(updated.display_name.as_ref().map(DisplayName::as_str), Some("Alice B."), "display name set");
    assert_eq!(updated.bio, None, "bio cleared");
    assert_eq!(updated.image, new.image, "image kept");
    assert_eq!(updated.created_at, new.created_at);
    assert_eq!(updated.updated_at, later);
    assert_eq!(users.find_by_id(new.id).await.expect("read"), Some(updated), "returned as stored");

    let changes = ProfileChanges {
        username: Some(Username::parse("alice_b").expect("valid")),
        display_name: FieldUpdate::Clear,
        image: FieldUpdate::Clear,
        ..ProfileChanges::default()
    };
    let updated = users.update_profile(new.id, &changes, later).await.expect("updated");
    assert_eq!(updated.username.as_str(), "alice_b");
    assert_eq!(updated.email.as_str(), "alice@example.org", "email kept");
    assert_eq!((updated.display_name, updated.bio, updated.image), (None, None, None));
}

#[tokio::test]
async fn update_profile_to_a_taken_email_or_username_returns_duplicate() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    users.create(&new_user("alice"), None, &[]).await.expect("created");
    let bob = new_user("bob");
    users.create(&bob, None, &[]).await.expect("created");

    let take_email =
        ProfileChanges { email: Some(Email::parse("alice@example.com").expect("valid")), ..ProfileChanges::default() };
    let result = users.update_profile(bob.id, &take_email, now()).await;
    assert!(matches!(result, Err(UserWriteError::Duplicate(UniqueField::Email))), "{result:?}");

    let take_username =
        ProfileChanges { username: Some(Username::parse("alice").expect("valid")), ..ProfileChanges::default() };
    let result = users.update_profile(bob.id, &take_username, now()).await;
    assert!(matches!(result, Err(UserWriteError::Duplicate(UniqueField::Username))), "{result:?}");

    let stored = users.find_by_id(bob.id).await.expect("read").expect("found");
    assert_eq!((stored.email.as_str(), stored.username.as_str()), ("bob@example.com", "bob"), "unchanged");
}

#[tokio::test]
async fn update_profile_of_an_unknown_user_returns_not_found() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let changes = ProfileChanges { bio: FieldUpdate::Clear, ..ProfileChanges::default() };

    let result = users.update_profile(UserId::new(Uuid::now_v7()), &changes, now()).await;

    assert!(matches!(result, Err(UserWriteError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn change_password_replaces_the_hash_and_revokes_every_other_session() {
    let db = TestDatabase::create().await;
    let (users, sessions) = repositories(&db);
    let alice = new_user("alice");
    let bob = new_user("bob");
    users.create(&alice, None, &[]).await.expect("created");
    users.create(&bob, None, &[]).await.expect("created");
    let (current, _) = start_session(&sessions, alice.id).await;
    let (other, _) = start_session(&sessions, alice.id).await;
    let (bobs, _) = start_session(&sessions, bob.id).await;
    let new_hash = PasswordHash::new("$2b$04$the-new-hash".to_owned());
    let at = now();

    users.change_password(alice.id, &new_hash, current, at).await.expect("changed");

    let credentials = users.find_credentials_by_id(alice.id).await.expect("read").expect("found");
    assert_eq!(credentials.password_hash, new_hash);
    assert_eq!(credentials.user.updated_at, at);
    let revoked_at = |id| {
        let sessions = sessions.clone();
        async move { sessions.find(id).await.expect("read").expect("found").revoked_at }
    };
    assert_eq!(revoked_at(current).await, None, "the session that changed it stays");
    assert_eq!(revoked_at(other).await, Some(at), "every other session is revoked");
    assert_eq!(revoked_at(bobs).await, None, "other users' sessions are untouched");
}

#[tokio::test]
async fn change_password_of_an_unknown_user_returns_not_found() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let hash = PasswordHash::new("$2b$04$x".to_owned());
    let session = folio_domain::accounts::values::SessionId::new(Uuid::now_v7());

    let result = users.change_password(UserId::new(Uuid::now_v7()), &hash, session, now()).await;

    assert!(matches!(result, Err(UserWriteError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let admin = new_user_with_role("admin", Role::Admin);
    users.create(&admin, None, &[]).await.expect("created");
    // A deactivated admin is not "another active admin".
    let dormant = new_user_with_role("dormant", Role::Admin);
    users.create(&dormant, None, &[]).await.expect("created");
    let deactivate = AccessChange::SetStatus(AccountStatus::Deactivated);
    users.change_access(dormant.id, deactivate, AdminGuard::None, now()).await.expect("deactivated");

    for change in [AccessChange::SetRole(Role::Moderator), AccessChange::SetRole(Role::User), deactivate] {
        let result = users.change_access(admin.id, change, AdminGuard::KeepAnActiveAdmin, now()).await;
        assert!(matches!(result, Err(AccessWriteError::NoActiveAdminLeft)), "{change:?}: {result:?}");
    }
    let stored = users.find_by_id(admin.id).await.expect("read").expect("found");
    assert_eq!((stored.role, stored.status), (Role::Admin, AccountStatus::Active), "nothing changed");
    assert_eq!(stored.updated_at, admin.created_at, "nothing changed");
}

#[tokio::test]
async fn a_guarded_change_that_leaves_the_admins_alone_succeeds() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let admin = new_user_with_role("admin", Role::Admin);
    users.create(&admin, None, &[]).await.expect("created");
    let member = new_user("member");
    users.create(&member, None, &[]).await.expect("created");

    let deactivate = AccessChange::SetStatus(AccountStatus::Deactivated);
    let changed = users.change_access(member.id, deactivate, AdminGuard::KeepAnActiveAdmin, now()).await;
    assert_eq!(changed.expect("the admin is untouched").status, AccountStatus::Deactivated);
}

#[tokio::test]
async fn an_admin_can_be_demoted_when_another_active_admin_exists() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let first = new_user_with_role("first", Role::Admin);
    let second = new_user_with_role("second", Role::Admin);
    users.create(&first, None, &[]).await.expect("created");
    users.create(&second, None, &[]).await.expect("created");
    let at = now() + TimeDelta::seconds(1);

    let demoted = users
        .change_access(first.id, AccessChange::SetRole(Role::User), AdminGuard::KeepAnActiveAdmin, at)
        .await
        .expect("demoted");

    assert_eq!(demoted.role, Role::User);
    assert_eq!(demoted.updated_at, at);
    assert_eq!(users.find_by_id(first.id).await.expect("read"), Some(demoted));
    // Now `second` is the last one.
    let result =
        users.change_access(second.id, AccessChange::SetRole(Role::User), AdminGuard::KeepAnActiveAdmin, at).await;
    assert!(matches!(result, Err(AccessWriteError::NoActiveAdminLeft)), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guarded_changes_of_the_only_two_admins_leave_exactly_one() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    // Repeated, with both kinds of change, because a race that is lost only
    // sometimes is exactly what this guards against.
    for round in 0..8 {
        let a = new_user_with_role(&format!("admin_a{round}"), Role::Admin);
        let b = new_user_with_role(&format!("admin_b{round}"), Role::Admin);
        users.create(&a, None, &[]).await.expect("created");
        users.create(&b, None, &[]).await.expect("created");
        let change_b = if round % 2 == 0 {
            AccessChange::SetRole(Role::User)
        } else {
            AccessChange::SetStatus(AccountStatus::Deactivated)
        };
        let guard = AdminGuard::KeepAnActiveAdmin;

        let (first, second) = tokio::join!(
            users.change_access(a.id, AccessChange::SetRole(Role::Moderator), guard, now()),
            users.change_access(b.id, change_b, guard, now()),
        );

        let succeeded = [first.is_ok(), second.is_ok()].iter().filter(|ok| **ok).count();
        assert_eq!(succeeded, 1, "round {round}: {first:?} / {second:?}");
        let refused = if first.is_ok() { second } else { first };
        assert!(matches!(refused, Err(AccessWriteError::NoActiveAdminLeft)), "round {round}: {refused:?}");
        let remaining = active_admins(&users, &[a.id, b.id]).await;
        assert_eq!(remaining.len(), 1, "round {round}: exactly one active admin remains");
        // Retire the survivor (unguarded) so the next round starts with none.
        users
            .change_access(remaining[0], AccessChange::SetRole(Role::User), AdminGuard::None, now())
            .await
            .expect("retired");
    }
}

async fn active_admins(users: &PgUserRepository, ids: &[UserId]) -> Vec<UserId> {
    let mut active = Vec::new();
    for id in ids {
        let user = users.find_by_id(*id).await.expect("read").expect("found");
        if user.role == Role::Admin && user.is_active() {
            active.push(*id);
        }
    }
    active
}

#[tokio::test]
async fn deactivation_revokes_every_session_of_the_user_and_reactivation_does_not_restore_them() {
    let db = TestDatabase::create().await;
    let (users, sessions) = repositories(&db);
    let alice = new_user("alice");
    let bob = new_user("bob");
    users.create(&alice, None, &[]).await.expect("created");
    users.create(&bob, None, &[]).await.expect("created");
    let (first, _) = start_session(&sessions, alice.id).await;
    let (second, _) = start_session(&sessions, alice.id).await;
    let (bobs, _) = start_session(&sessions, bob.id).await;
    let at = now();

    let deactivated = users
        .change_access(alice.id, AccessChange::SetStatus(AccountStatus::Deactivated), AdminGuard::None, at)
        .await
        .expect("deactivated");

    assert_eq!(deactivated.status, AccountStatus::Deactivated);
    for id in [first, second] {
        let record = sessions.find(id).await.expect("read").expect("found");
        assert_eq!(record.revoked_at, Some(at));
        assert_eq!(record.user_status, AccountStatus::Deactivated);
    }
    assert_eq!(sessions.find(bobs).await.expect("read").expect("found").revoked_at, None);

    let reactivated = users
        .change_access(alice.id, AccessChange::SetStatus(AccountStatus::Active), AdminGuard::None, now())
        .await
        .expect("reactivated");
    assert_eq!(reactivated.status, AccountStatus::Active);
    assert_eq!(sessions.find(first).await.expect("read").expect("found").revoked_at, Some(at));
}

#[tokio::test]
async fn an_access_change_that_changes_nothing_keeps_updated_at() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let alice = new_user("alice");
    users.create(&alice, None, &[]).await.expect("created");

    let same = users
        .change_access(alice.id, AccessChange::SetRole(Role::User), AdminGuard::None, now() + TimeDelta::hours(1))
        .await
        .expect("applied");

    assert_eq!(same.updated_at, alice.created_at);
}

#[tokio::test]
async fn change_access_of_an_unknown_user_returns_not_found() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let unknown = UserId::new(Uuid::now_v7());

    for guard in [AdminGuard::None, AdminGuard::KeepAnActiveAdmin] {
        let result = users.change_access(unknown, AccessChange::SetRole(Role::User), guard, now()).await;
        assert!(matches!(result, Err(AccessWriteError::NotFound)), "{guard:?}: {result:?}");
    }
}

fn query(search: Option<&str>, page: u32, limit: u32) -> UserQuery {
    UserQuery {
        search: search.and_then(|text| SearchTerm::parse(text).expect("a short search")),
        page: PageRequest::new(Some(page), Some(limit)).expect("a valid page"),
    }
}

fn usernames(users: &[User]) -> Vec<&str> {
    users.iter().map(|user| user.username.as_str()).collect()
}

#[tokio::test]
async fn list_pages_oldest_first_with_the_total() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let start = now();
    // Created out of order; two share a creation time, so the id breaks the tie.
    let specs = [("user_c", 2), ("user_a", 0), ("user_e", 3), ("user_b", 1), ("user_d", 2)];
    for (name, minutes) in specs {
        let mut new = new_user(name);
        new.created_at = start + TimeDelta::minutes(minutes);
        users.create(&new, None, &[]).await.expect("created");
    }

    let first = users.list(&query(None, 1, 2)).await.expect("listed");
    let second = users.list(&query(None, 2, 2)).await.expect("listed");
    let third = users.list(&query(None, 3, 2)).await.expect("listed");
    let beyond = users.list(&query(None, 4, 2)).await.expect("listed");

    // user_c was created before user_d, and UUID v7 ids sort by creation.
    assert_eq!(usernames(&first.items), ["user_a", "user_b"]);
    assert_eq!(usernames(&second.items), ["user_c", "user_d"]);
    assert_eq!(usernames(&third.items), ["user_e"]);
    assert!(beyond.items.is_empty());
    for page in [&first, &second, &third, &beyond] {
        assert_eq!(page.total, 5);
        assert_eq!(page.total_pages(), 3);
    }
    assert_eq!(second.request, PageRequest::new(Some(2), Some(2)).expect("valid"));
}

#[tokio::test]
async fn list_search_matches_a_substring_of_email_or_username_ignoring_case() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    users.create(&new_user("alice_smith"), None, &[]).await.expect("created");
    users.create(&new_user("bob"), None, &[]).await.expect("created");
    let mut carol = new_user("carol");
    carol.email = Email::parse("carol@smith.example").expect("valid");
    users.create(&carol, None, &[]).await.expect("created");

    let found = users.list(&query(Some("SMITH"), 1, 20)).await.expect("listed");

    assert_eq!(usernames(&found.items), ["alice_smith", "carol"]);
    assert_eq!(found.total, 2);
    let none = users.list(&query(Some("zed"), 1, 20)).await.expect("listed");
    assert_eq!((none.items.len(), none.total), (0, 0));
}

#[tokio::test]
async fn list_search_treats_percent_underscore_and_backslash_literally() {
    let db = TestDatabase::create().await;
    let (users, _) = repositories(&db);
    let mut percent = new_user("percent");
    percent.email = Email::parse("50%off@example.com").expect("valid");
    let mut backslash = new_user("backslash");
    backslash.email = Email::parse("back\\slash@example.com").expect("valid");
    for new in [new_user("a_b"), new_user("axb"), percent, backslash, new_user("plain")] {
        users.create(&new, None, &[]).await.expect("created");
    }

    let underscore = users.list(&query(Some("a_b"), 1, 20)).await.expect("listed");
    assert_eq!(usernames(&underscore.items), ["a_b"], "_ is not a wildcard");

    let percent = users.list(&query(Some("%"), 1, 20)).await.expect("listed");
    assert_eq!(usernames(&percent.items), ["percent"], "% is not a wildcard");
    assert_eq!(percent.total, 1);

    let backslash = users.list(&query(Some("k\\s"), 1, 20)).await.expect("listed");
    assert_eq!(usernames(&backslash.items), ["backslash"], "\\ is not an escape");
}

fn first_session(user_id: UserId) -> NewSession {
    NewSession {
        id: folio_domain::accounts::values::SessionId::new(Uuid::now_v7()),
        user_id,
        refresh_token: crate::fixtures::new_refresh_token(TimeDelta::days(1)),
        created_at: now(),
    }
}

#[tokio::test]
async fn create_with_a_session_stores_both_and_a_duplicate_stores_neither() {
    let db = TestDatabase::create().await;
    let (users, sessions) = repositories(&db);
    let alice = new_user("alice");
    let session = first_session(alice.id);
    let session_id = session.id;
    users.create(&alice, Some(session), &[]).await.expect("created");
    let stored = sessions.find(session_id).await.expect("read").expect("the session was stored with the user");
    assert_eq!(stored.user_id, alice.id);

    let clash = NewUser { email: Email::parse("other@example.com").expect("valid"), ..new_user("alice") };
    let clash_session = first_session(clash.id);
    let clash_session_id = clash_session.id;
    let result = users.create(&clash, Some(clash_session), &[]).await;
    assert!(matches!(result, Err(UserWriteError::Duplicate(UniqueField::Username))), "{result:?}");
    assert!(sessions.find(clash_session_id).await.expect("read").is_none(), "no session without its user");
}
