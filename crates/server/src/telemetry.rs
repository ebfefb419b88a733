//! Logging: `tracing` with an `EnvFilter` (`RUST_LOG`, default `info`), pretty
//! lines in development and JSON lines in production.
//!
//! Lines are written by a thread of their own, not by the thread that logs:
//! a request's access line must never wait for stdout (a slow pipe reader or
//! a busy disk would otherwise hold the request threads). The queue between
//! them is bounded; when it is full, lines are dropped rather than the server
//! slowed down.

use std::io::BufWriter;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::settings::LogFormat;

/// Most lines waiting for the writer thread (a few MiB at most).
const QUEUED_LINES: usize = 16_384;

/// The writer thread drains every queued line into this buffer and writes it
/// once the queue is empty: under load one `write` carries many lines instead
/// of one each, and a lone line still goes out at once.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Installs the global subscriber. Call once, first thing in `main`, and keep
/// the guard until the process ends: dropping it writes the lines still queued.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(true)
        .thread_name("folio-log")
        .finish(BufWriter::with_capacity(WRITE_BUFFER_BYTES, std::io::stdout()));
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
    guard
}
