//! `/admin/jobs`: the background job queue, for admins.

use actix_web::{HttpResponse, web};
use folio_domain::ValidationErrors;
use folio_domain::jobs::model::JobRecord;
use folio_domain::jobs::values::{JobId, JobState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::envelope::{self, List};
use crate::error::ApiError;
use crate::input;
use crate::openapi as doc;
use crate::state::AppState;

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Job)]
pub(crate) struct JobResponse {
    id: Uuid,
    /// What it does, e.g. `webhook.delivery`.
    #[schema(example = "mail.welcome")]
    kind: &'static str,
    /// `queued`, `running`, `succeeded` or `dead`.
    #[schema(example = "dead")]
    state: &'static str,
    /// Attempts so far.
    attempts: u32,
    /// Attempts allowed before it is dead.
    max_attempts: u32,
    /// The last failure, if any.
    last_error: Option<String>,
    /// When it runs next (queued) or ran last.
    run_at: String,
    created_at: String,
    updated_at: String,
}

impl From<JobRecord> for JobResponse {
    fn from(job: JobRecord) -> Self {
        Self {
            id: job.id.as_uuid(),
            kind: job.kind.as_str(),
            state: job.state.as_str(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error,
            run_at: envelope::timestamp(job.run_at),
            created_at: envelope::timestamp(job.created_at),
            updated_at: envelope::timestamp(job.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct JobListQuery {
    /// Only jobs in this state: `queued`, `running`, `succeeded` or `dead`.
    state: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
}

/// List jobs
#[utoipa::path(
    get,
    path = crate::v1::paths::ADMIN_JOBS,
    operation_id = "listJobs",
    tag = "admin",
    params(JobListQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "A page of jobs, newest first.", body = List<JobResponse>),
        (status = 400, response = doc::BadRequest),
        (status = 401, response = doc::Unauthenticated),
        (status = 403, response = doc::Forbidden),
    ),
)]
pub(crate) async fn list(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    query: web::Query<JobListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = input::page_request(&mut errors, input::Paging::Pages { page: query.page, limit: query.limit });
    let state = match query.state.as_deref() {
        None => None,
        Some(name) => match JobState::parse(name) {
            Some(state) => Some(state),
            None => {
                errors.add("state", "invalid_state", "state must be one of queued, running, succeeded, dead");
                None
            }
        },
    };
    let Some(page) = page.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let jobs = services.jobs().list_jobs(principal, state, page).await?;
    Ok(envelope::page(jobs, JobResponse::from))
}

/// Retry a dead job
#[utoipa::path(
    post,
    path = crate::v1::paths::ADMIN_JOBS_ID_RETRY,
    operation_id = "retryJob",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The job's id.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 202, description = "The job is queued again with a fresh set of attempts."),
        (status = 401, response = doc::Unauthenticated),
        (status = 403, response = doc::Forbidden),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
    ),
)]
pub(crate) async fn retry(
    services: web::Data<AppState>,
    Authenticated(principal): Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    services.jobs().retry_job(principal, JobId::new(id.into_inner())).await?;
    Ok(HttpResponse::Accepted().finish())
}
