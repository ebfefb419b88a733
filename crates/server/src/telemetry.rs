//! Logging: `tracing` with an `EnvFilter` (`RUST_LOG`, default `info`), pretty
//! lines in development and JSON lines in production.
//!
//! Lines are written by a thread of their own, in batches, not by the thread
//! that logs: a request's access line must never wait for stdout (a slow pipe
//! reader or a busy disk would otherwise hold the request threads). See
//! [`crate::log_writer`].

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::log_writer::{BatchedLog, BatchedLogGuard};
use crate::settings::LogFormat;

/// Installs the global subscriber. Call once, first thing in `main`, and keep
/// the guard until the process ends: dropping it writes the lines still queued.
///
/// # Errors
/// When the log's writer thread cannot be started.
pub fn init(format: LogFormat) -> std::io::Result<BatchedLogGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = BatchedLog::start("folio-log", std::io::stdout())?;
    let registry = tracing_subscriber::registry().with(filter);
    // A second call (only possible in tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => registry.with(tracing_subscriber::fmt::layer().with_writer(writer)).try_init(),
        // Every span of the line, outermost first (the request span carries
        // the request id); the innermost is not repeated on its own.
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(true)
                    .with_writer(writer),
            )
            .try_init(),
    };
    Ok(guard)
}
