//! Logging: `tracing` with an `EnvFilter` (`RUST_LOG`, default `info`), pretty
//! lines in development and JSON lines in production. Pretty lines are
//! coloured only when stdout is a terminal: a file or a pipe gets plain text.
//!
//! Lines are written by a thread of their own, in batches, not by the thread
//! that logs: a request's access line must never wait for stdout (a slow pipe
//! reader or a busy disk would otherwise hold the request threads). See
//! [`crate::log_writer`].

use std::io::IsTerminal as _;

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
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
    let colour = std::io::stdout().is_terminal();
    // A second call (only possible in tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => {
            registry.with(tracing_subscriber::fmt::layer().with_ansi(colour).with_writer(writer)).try_init()
        }
        LogFormat::Json => registry.with(json_lines(writer)).try_init(),
    };
    Ok(guard)
}

/// One JSON object per line: timestamp, level, target, the event's fields at
/// the top level, and `spans`, every span of the line outermost first (the
/// request span carries the request id); the innermost is not repeated on
/// its own.
///
/// json-subscriber rather than tracing-subscriber's own JSON format: the
/// latter parses each span's stored fields again to write every line, which
/// made the access line of `GET /api/v1/posts/{slug}` markedly dearer (count
/// it with `just instructions`, which runs the server under callgrind).
fn json_lines<S, W>(writer: W) -> json_subscriber::fmt::Layer<S, W>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    json_subscriber::fmt::layer().flatten_event(true).with_current_span(false).with_span_list(true).with_writer(writer)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::json_lines;
    use crate::log_writer::tests::Output;

    #[test]
    fn a_line_carries_its_fields_on_top_and_its_spans_outermost_first() {
        let output = Output::default();
        let writer = output.clone();
        let subscriber = tracing_subscriber::registry().with(json_lines(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let request = tracing::info_span!("request", request_id = "abc-1", method = "GET");
            let inner = request.in_scope(|| tracing::info_span!("db.posts.update", post_id = 7));
            inner.in_scope(|| tracing::warn!(status = 503, latency_ms = 1.5, route = "/x \"y\"", "request handled"));
        });
        let text = output.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "one line per event: {text}");
        let line: Value = serde_json::from_str(lines[0]).expect("a JSON object per line");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "request handled");
        assert_eq!(line["status"], 503);
        assert_eq!(line["latency_ms"], 1.5);
        assert_eq!(line["route"], "/x \"y\"");
        assert_eq!(line["target"], module_path!());
        assert!(line["timestamp"].as_str().is_some_and(|time| time.ends_with('Z')), "{line}");
        assert_eq!(
            line["spans"],
            json!([
                { "name": "request", "request_id": "abc-1", "method": "GET" },
                { "name": "db.posts.update", "post_id": 7 },
            ])
        );
        assert!(line.get("span").is_none(), "the innermost span is not repeated: {line}");
        assert!(line.get("fields").is_none(), "fields are on the top level: {line}");
    }
}
