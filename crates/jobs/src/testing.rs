//! A job handler for tests of the runner itself (crash safety, exactly-once),
//! registered only when `jobs.test_handlers` is on, never in production.

use std::io::Write;
use std::time::Duration;

use folio_domain::jobs::JobError;
use folio_domain::jobs::model::ClaimedJob;
use folio_domain::jobs::ports::{BoxFuture, JobHandler};
use serde::Deserialize;

/// Handles [`folio_domain::jobs::values::JobKind::Test`] jobs, whose payload is
/// `{"sleepMs": n, "failTimes": k, "failWhileExists": "/flag", "record": "/path"}`:
/// it sleeps, fails the first `k` attempts and any attempt while the flag file
/// exists, then appends `"<job id> <attempt>\n"` to the record file.
#[derive(Debug, Default, Clone, Copy)]
pub struct TestHandler;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestPayload {
    #[serde(default)]
    sleep_ms: u64,
    #[serde(default)]
    fail_times: u32,
    #[serde(default)]
    fail_while_exists: Option<String>,
    record: String,
}

impl JobHandler for TestHandler {
    fn handle<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let payload: TestPayload = serde_json::from_value(job.payload.clone())
                .map_err(|error| JobError::Permanent(format!("bad test payload: {error}")))?;
            tokio::time::sleep(Duration::from_millis(payload.sleep_ms)).await;
            if job.attempt <= payload.fail_times {
                return Err(JobError::Transient(format!("failing attempt {} on purpose", job.attempt)));
            }
            if payload.fail_while_exists.is_some_and(|flag| std::path::Path::new(&flag).exists()) {
                return Err(JobError::Transient("failing while the flag file exists".to_owned()));
            }
            let line = format!("{} {}\n", job.id, job.attempt);
            let path = payload.record;
            tokio::task::spawn_blocking(move || {
                let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
                file.write_all(line.as_bytes())
            })
            .await
            .map_err(|error| JobError::Transient(error.to_string()))?
            .map_err(|error| JobError::Transient(format!("could not record the run: {error}")))
        })
    }
}
