//! Unit tests of the jobs admin service against a mocked store.

use std::future::ready;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::ports::{MockJobStore, RetryOutcome};
use super::values::JobId;
use super::{JobAdmin, JobAdminError, JobAdminService};
use crate::accounts::values::{Principal, Role, SessionId, UserId, Username};
use crate::pagination::PageRequest;
use crate::system::MockClock;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().expect("a valid time")
}

fn caller(role: Role) -> Principal {
    Principal {
        user_id: UserId::new(Uuid::from_u128(1)),
        username: Username::parse("caller").expect("valid"),
        session_id: SessionId::new(Uuid::from_u128(2)),
        role,
    }
}

fn admin_over(store: MockJobStore) -> JobAdmin<MockJobStore, MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    JobAdmin::new(store, clock)
}

#[tokio::test]
async fn only_admins_list_or_retry_jobs_and_nothing_is_read_for_others() {
    for role in [Role::User, Role::Moderator] {
        let mut store = MockJobStore::new();
        store.expect_list().times(0);
        store.expect_retry().times(0);
        let admin = admin_over(store);
        let page = PageRequest::new(Some(1), Some(10)).expect("a valid page");
        assert!(matches!(admin.list_jobs(caller(role), None, page).await, Err(JobAdminError::Forbidden)));
        let id = JobId::new(Uuid::from_u128(7));
        assert!(matches!(admin.retry_job(caller(role), id).await, Err(JobAdminError::Forbidden)));
    }
}

#[tokio::test]
async fn retry_maps_each_store_outcome() {
    let id = JobId::new(Uuid::from_u128(7));
    for (outcome, expected) in [
        (RetryOutcome::Requeued, None),
        (RetryOutcome::NotFound, Some("not found")),
        (RetryOutcome::NotDead, Some("not dead")),
    ] {
        let mut store = MockJobStore::new();
        store
            .expect_retry()
            .withf(move |given, at| *given == id && *at == now())
            .times(1)
            .returning(move |_, _| Box::pin(ready(Ok(outcome))));
        let result = admin_over(store).retry_job(caller(Role::Admin), id).await;
        let got = match result {
            Ok(()) => None,
            Err(JobAdminError::NotFound) => Some("not found"),
            Err(JobAdminError::NotDead) => Some("not dead"),
            Err(other) => panic!("unexpected {other:?}"),
        };
        assert_eq!(got, expected);
    }
}
