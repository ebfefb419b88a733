//! Background jobs end to end: real `folio worker` processes on a real
//! database. Jobs of the `test` kind (registered because the test environment
//! sets `jobs.test_handlers`) sleep, fail on demand and record each run in a
//! file, so the tests can count runs.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use folio_postgres::testing::TestDatabase;
use folio_tests::{access_token, eventually, folio_command, sign_in_admin, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::process::Child;
use uuid::Uuid;

fn scratch_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("folio-jobs-{name}-{}", Uuid::now_v7().simple()))
}

/// Stores a due `test` job with `payload`; returns its id.
async fn enqueue_test_job(database: &TestDatabase, payload: &Value, max_attempts: u32) -> Uuid {
    let id = Uuid::now_v7();
    let payload = payload.to_string().replace('\'', "''");
    database
        .execute(&format!(
            "INSERT INTO jobs (id, kind, payload, state, max_attempts, run_at, created_at, updated_at) \
             VALUES ('{id}', 'test', '{payload}', 'queued', {max_attempts}, now(), now(), now())"
        ))
        .await;
    id
}

async fn job_state(database: &TestDatabase, id: Uuid) -> (String, i64) {
    let states = ["queued", "running", "succeeded", "dead"];
    let state = database
        .number(&format!(
            "SELECT (array_position(ARRAY['queued','running','succeeded','dead'], state) - 1)::bigint AS n \
             FROM jobs WHERE id = '{id}'"
        ))
        .await;
    let attempts = database.number(&format!("SELECT attempts::bigint AS n FROM jobs WHERE id = '{id}'")).await;
    (states[usize::try_from(state).expect("a known state")].to_owned(), attempts)
}

fn runs(record: &Path) -> Vec<String> {
    std::fs::read_to_string(record).unwrap_or_default().lines().map(str::to_owned).collect()
}

fn start_worker(database: &TestDatabase, env: &[(&str, &str)]) -> Child {
    folio_command(database)
        .arg("worker")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("folio worker starts")
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_mid_run_is_finished_by_another_worker() {
    let database = TestDatabase::create().await;
    let record = scratch_file("crash");
    let job = enqueue_test_job(&database, &json!({ "sleepMs": 3000, "record": record }), 5).await;
    let short_lease = [("FOLIO__JOBS__LEASE_SECONDS", "2"), ("FOLIO__JOBS__WORKERS", "1")];

    let mut doomed = start_worker(&database, &short_lease);
    eventually("the first worker to start the job", Duration::from_secs(60), || async {
        (job_state(&database, job).await.0 == "running").then_some(())
    })
    .await;
    // The process, not a flag: SIGKILL, so nothing of it runs after this.
    doomed.kill().await.expect("the worker is killed");

    let _rescuer = start_worker(&database, &short_lease);
    let (state, attempts) = eventually("another worker to finish the job", Duration::from_secs(60), || async {
        let (state, attempts) = job_state(&database, job).await;
        (state == "succeeded").then_some((state, attempts))
    })
    .await;

    assert_eq!((state.as_str(), attempts), ("succeeded", 2));
    assert_eq!(runs(&record), [format!("{job} 2")], "the killed attempt never completed; the second did, once");
    let _ = std::fs::remove_file(record);
}

#[tokio::test]
async fn two_workers_on_one_queue_handle_each_job_once() {
    let database = TestDatabase::create().await;
    let record = scratch_file("once");
    let mut jobs = Vec::new();
    for _ in 0..40 {
        jobs.push(enqueue_test_job(&database, &json!({ "sleepMs": 20, "record": record }), 5).await);
    }
    let env = [("FOLIO__JOBS__WORKERS", "3")];

    let _first = start_worker(&database, &env);
    let _second = start_worker(&database, &env);
    eventually("every job to succeed", Duration::from_secs(90), || async {
        let done = database.number("SELECT count(*) AS n FROM jobs WHERE kind = 'test' AND state = 'succeeded'").await;
        (done == 40).then_some(())
    })
    .await;

    let mut seen = runs(&record);
    assert_eq!(seen.len(), 40, "forty runs for forty jobs: {seen:?}");
    seen.sort();
    let mut expected: Vec<String> = jobs.iter().map(|id| format!("{id} 1")).collect();
    expected.sort();
    assert_eq!(seen, expected, "each job ran once, on its first attempt");
    let _ = std::fs::remove_file(record);
}

#[tokio::test]
async fn an_admin_lists_dead_jobs_and_retries_them() {
    let app = spawn_app().await;
    let record = scratch_file("retry");
    let flag = scratch_file("flag");
    std::fs::write(&flag, "fail").expect("flag written");
    let job = enqueue_test_job(&app.database, &json!({ "failWhileExists": flag, "record": record }), 1).await;
    eventually("the failing job to die", Duration::from_secs(60), || async {
        (job_state(&app.database, job).await.0 == "dead").then_some(())
    })
    .await;
    let admin = access_token(&sign_in_admin(&app, "root").await);
    let member = access_token(&app.register("member").await);

    let listed = app.send(Method::GET, "/api/v1/admin/jobs?state=dead", Some(&admin), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["meta"]["total"], 1);
    let dead = &listed.body["data"][0];
    assert_eq!(dead["id"], job.to_string());
    assert_eq!((dead["kind"].as_str(), dead["state"].as_str()), (Some("test"), Some("dead")));
    assert_eq!((dead["attempts"].as_u64(), dead["maxAttempts"].as_u64()), (Some(1), Some(1)));
    assert_eq!(dead["lastError"], "failing while the flag file exists");

    let refused = app.send(Method::GET, "/api/v1/admin/jobs?state=dead", Some(&member), None).await;
    assert_eq!((refused.status, refused.error_code()), (StatusCode::FORBIDDEN, "FORBIDDEN"));
    let anonymous = app.send(Method::GET, "/api/v1/admin/jobs", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let bad_state = app.send(Method::GET, "/api/v1/admin/jobs?state=sleeping", Some(&admin), None).await;
    assert_eq!((bad_state.status, bad_state.error_code()), (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"));
    let member_retry = app.send(Method::POST, &format!("/api/v1/admin/jobs/{job}/retry"), Some(&member), None).await;
    assert_eq!(member_retry.status, StatusCode::FORBIDDEN);
    let unknown_path = format!("/api/v1/admin/jobs/{}/retry", Uuid::now_v7());
    let unknown = app.send(Method::POST, &unknown_path, Some(&admin), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    std::fs::remove_file(&flag).expect("flag removed");
    let retried = app.send(Method::POST, &format!("/api/v1/admin/jobs/{job}/retry"), Some(&admin), None).await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.body);
    eventually("the retried job to succeed", Duration::from_secs(60), || async {
        (job_state(&app.database, job).await.0 == "succeeded").then_some(())
    })
    .await;
    assert_eq!(runs(&record), [format!("{job} 2")], "the retry is attempt 2: attempt numbers never repeat");
    let again = app.send(Method::POST, &format!("/api/v1/admin/jobs/{job}/retry"), Some(&admin), None).await;
    assert_eq!((again.status, again.error_code()), (StatusCode::CONFLICT, "CONFLICT"));
    let _ = std::fs::remove_file(record);
}

#[tokio::test]
async fn a_committed_change_gets_its_event_relayed_and_a_refused_one_has_none() {
    let app = spawn_app().await;
    app.register("alice").await;
    let duplicate = app
        .send(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({ "email": "alice@example.com", "username": "alice2", "password": folio_tests::PASSWORD })),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let registered = "SELECT count(*) AS n FROM outbox_events WHERE event_type = 'user.registered'";
    assert_eq!(app.database.number(registered).await, 1, "the refused registration wrote no event");
    eventually("the relay to handle the event", Duration::from_secs(30), || async {
        let handled = app.database.number(&format!("{registered} AND handled_at IS NOT NULL")).await;
        (handled == 1).then_some(())
    })
    .await;
}
