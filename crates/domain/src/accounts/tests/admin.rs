//! Administration of other people's accounts: only admins; reading; roles and status.

use super::*;

const NON_ADMIN_ROLES: [Role; 2] = [Role::User, Role::Moderator];

#[tokio::test]
async fn list_users_by_a_user_or_moderator_is_forbidden_and_reads_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.list_users(actor(role), UserQuery::default()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn get_user_by_a_user_or_moderator_is_forbidden_and_reads_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.get_user(actor(role), alice_id()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn change_role_by_a_user_or_moderator_is_forbidden_and_writes_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        // Promoting oneself is the attempt that matters most.
        let own_id = actor(role).user_id;
        let result = accounts.change_role(actor(role), own_id, Role::Admin).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn deactivate_by_a_user_or_moderator_is_forbidden_and_writes_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.deactivate(actor(role), alice_id()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn reactivate_by_a_user_or_moderator_is_forbidden_and_writes_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.reactivate(actor(role), alice_id()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}
#[tokio::test]
async fn list_users_by_an_admin_returns_the_repositorys_page_for_the_query() {
    // Arrange
    let query = UserQuery {
        search: crate::pagination::SearchTerm::parse("alice").expect("short"),
        page: PageRequest::new(Some(2), Some(10)).expect("a valid page"),
    };
    let page = Page { items: vec![alice()], request: query.page, total: 11 };
    let mut ports = Ports::new();
    let returned = page.clone();
    ports.users.expect_list().with(eq(query.clone())).times(1).returning(move |_| ready(Ok(returned.clone())));
    let accounts = ports.into_accounts();

    // Act
    let listed = accounts.list_users(actor(Role::Admin), query).await.expect("an admin may list");

    // Assert
    assert_eq!(listed, page);
}

#[tokio::test]
async fn get_user_by_an_admin_returns_the_account() {
    let accounts = Ports::new().finding_user(alice()).into_accounts();

    let user = accounts.get_user(actor(Role::Admin), alice_id()).await.expect("an admin may read");

    assert_eq!(user, alice());
}

#[tokio::test]
async fn get_user_of_an_unknown_id_returns_not_found() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_by_id().with(eq(alice_id())).times(1).returning(|_| ready(Ok(None)));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.get_user(actor(Role::Admin), alice_id()).await;

    // Assert
    assert!(matches!(result, Err(AdminError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn get_user_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_by_id().times(1).returning(|_| ready(Err(unavailable())));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.get_user(actor(Role::Admin), alice_id()).await;

    // Assert
    let Err(AdminError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
#[tokio::test]
async fn change_role_of_the_last_active_admin_to_user_is_guarded_and_returns_last_active_admin() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::User), AdminGuard::KeepAnActiveAdmin, || {
            Err(AccessWriteError::NoActiveAdminLeft)
        })
        .into_accounts();

    // Act
    let result = accounts.change_role(actor(Role::Admin), alice_id(), Role::User).await;

    // Assert
    assert!(matches!(result, Err(AdminError::LastActiveAdmin)), "got {result:?}");
}

#[tokio::test]
async fn change_role_of_an_active_admin_to_moderator_is_guarded_and_succeeds_when_another_admin_remains() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::Moderator), AdminGuard::KeepAnActiveAdmin, || {
            Ok(alice().with_role(Role::Moderator))
        })
        .into_accounts();

    // Act
    let user = accounts.change_role(actor(Role::Admin), alice_id(), Role::Moderator).await.expect("demoted");

    // Assert
    assert_eq!(user, alice().with_role(Role::Moderator));
}

#[tokio::test]
async fn promoting_a_user_to_admin_is_not_guarded() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::Admin), AdminGuard::None, || {
            Ok(alice().with_role(Role::Admin))
        })
        .into_accounts();

    // Act
    let user = accounts.change_role(actor(Role::Admin), alice_id(), Role::Admin).await.expect("promoted");

    // Assert
    assert_eq!(user, alice().with_role(Role::Admin));
}

#[tokio::test]
async fn change_role_of_an_unknown_user_returns_not_found() {
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::Moderator), AdminGuard::KeepAnActiveAdmin, || {
            Err(AccessWriteError::NotFound)
        })
        .into_accounts();

    let result = accounts.change_role(actor(Role::Admin), alice_id(), Role::Moderator).await;

    assert!(matches!(result, Err(AdminError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn deactivating_anyone_is_guarded_because_a_stale_read_cannot_be_trusted() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(
            alice_id(),
            AccessChange::SetStatus(AccountStatus::Deactivated),
            AdminGuard::KeepAnActiveAdmin,
            || Ok(alice().with_role(Role::Moderator).deactivated()),
        )
        .into_accounts();

    // Act
    let user = accounts.deactivate(actor(Role::Admin), alice_id()).await.expect("deactivated");

    // Assert
    assert_eq!(user, alice().with_role(Role::Moderator).deactivated());
}

#[tokio::test]
async fn deactivating_the_last_active_admin_is_guarded_and_returns_last_active_admin() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(
            alice_id(),
            AccessChange::SetStatus(AccountStatus::Deactivated),
            AdminGuard::KeepAnActiveAdmin,
            || Err(AccessWriteError::NoActiveAdminLeft),
        )
        .into_accounts();

    // Act
    let result = accounts.deactivate(actor(Role::Admin), alice_id()).await;

    // Assert
    assert!(matches!(result, Err(AdminError::LastActiveAdmin)), "got {result:?}");
}

#[tokio::test]
async fn deactivating_an_already_deactivated_admin_is_still_guarded() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(
            alice_id(),
            AccessChange::SetStatus(AccountStatus::Deactivated),
            AdminGuard::KeepAnActiveAdmin,
            || Ok(alice().with_role(Role::Admin).deactivated()),
        )
        .into_accounts();

    // Act
    let user = accounts.deactivate(actor(Role::Admin), alice_id()).await.expect("still deactivated");

    // Assert
    assert_eq!(user, alice().with_role(Role::Admin).deactivated());
}

#[tokio::test]
async fn reactivating_a_deactivated_admin_is_not_guarded_and_returns_the_active_account() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetStatus(AccountStatus::Active), AdminGuard::None, || {
            Ok(alice().with_role(Role::Admin))
        })
        .into_accounts();

    // Act
    let user = accounts.reactivate(actor(Role::Admin), alice_id()).await.expect("reactivated");

    // Assert
    assert_eq!(user, alice().with_role(Role::Admin));
    assert!(user.is_active());
}

#[tokio::test]
async fn change_access_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetStatus(AccountStatus::Active), AdminGuard::None, || {
            Err(AccessWriteError::Port(unavailable()))
        })
        .into_accounts();

    // Act
    let result = accounts.reactivate(actor(Role::Admin), alice_id()).await;

    // Assert
    let Err(AdminError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
