//! The log's writer thread, which gathers lines and writes them in batches.
//!
//! A thread that logs only appends its line to a buffer; the writer thread
//! takes the buffer every [`GATHER`] (or sooner, once it holds
//! [`EARLY_BYTES`]) and writes it with one call. The writer is woken once
//! per batch, not once per line: `tracing-appender`'s writer thread, woken
//! for every line, multiplied the machine's context switches under load (one
//! access line per request) and cost a large share of the throughput of
//! `just bench`'s first scenario, most of which batching won back (compare a
//! run with `RUST_LOG=warn`). Written here because no crate we found gathers
//! by time.
//!
//! The buffer is bounded: when the writer falls behind (a slow pipe reader,
//! a full disk), new lines are dropped rather than the logging thread held,
//! and the number dropped is reported on stderr.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// How long the first line of a batch waits for others.
const GATHER: Duration = Duration::from_millis(50);

/// A batch this large is written without waiting for the rest of [`GATHER`].
const EARLY_BYTES: usize = 256 * 1024;

/// The most bytes waiting for the writer; lines beyond are dropped.
const MAX_PENDING_BYTES: usize = 4 * 1024 * 1024;

/// How long stopping waits for the last lines to be written: an output
/// nobody reads must not keep the process from exiting.
const LAST_WRITE: Duration = Duration::from_secs(1);

/// Lines not written yet, shared by the logging threads and the writer.
#[derive(Debug, Default)]
struct Pending {
    lines: Vec<u8>,
    dropped: u64,
    /// The writer sleeps until the next line: that line must wake it.
    writer_idle: bool,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    pending: Mutex<Pending>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A thread that panicked while holding the lock left whole lines or
        // none (it only extends the buffer): the buffer is still good.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hands lines to the writer thread; a [`MakeWriter`] for `tracing-subscriber`.
#[derive(Debug, Clone)]
pub struct BatchedLog {
    shared: Arc<Shared>,
}

/// Stops the writer thread when dropped, after it has written every line
/// given before (waiting [`LAST_WRITE`] at most). Keep it until the process ends.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub struct BatchedLogGuard {
    shared: Arc<Shared>,
    /// Disconnected once the writer thread has returned.
    finished: mpsc::Receiver<()>,
}

impl BatchedLog {
    /// Starts the writer thread, named `thread_name`, writing to `output`.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start(thread_name: &str, output: impl Write + Send + 'static) -> io::Result<(Self, BatchedLogGuard)> {
        let shared = Arc::new(Shared::default());
        let (done, finished) = mpsc::channel::<()>();
        let writer_shared = Arc::clone(&shared);
        std::thread::Builder::new().name(thread_name.to_owned()).spawn(move || {
            write_batches(&writer_shared, output);
            drop(done);
        })?;
        Ok((Self { shared: Arc::clone(&shared) }, BatchedLogGuard { shared, finished }))
    }

    fn append(&self, line: &[u8]) {
        let mut pending = self.shared.lock();
        if pending.lines.len() + line.len() > MAX_PENDING_BYTES {
            pending.dropped += 1;
            return;
        }
        let before = pending.lines.len();
        pending.lines.extend_from_slice(line);
        let first = before == 0 && pending.writer_idle;
        let crossed = before < EARLY_BYTES && pending.lines.len() >= EARLY_BYTES;
        drop(pending);
        if first || crossed {
            self.shared.changed.notify_one();
        }
    }
}

/// One formatted line (tracing-subscriber's pretty format and json-subscriber
/// both write each event with one `write_all`, which one `write` here takes
/// whole).
#[derive(Debug)]
pub struct LineWriter<'a> {
    log: &'a BatchedLog,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.log.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedLog {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { log: self }
    }
}

impl Drop for BatchedLogGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_one();
        let _ = self.finished.recv_timeout(LAST_WRITE);
    }
}

/// The writer thread: waits for a first line, lets others gather, writes them all.
fn write_batches(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::new();
    loop {
        let mut pending = shared.lock();
        while pending.lines.is_empty() && !pending.closed {
            pending.writer_idle = true;
            pending = shared.changed.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        pending.writer_idle = false;
        let deadline = Instant::now() + GATHER;
        while pending.lines.len() < EARLY_BYTES && !pending.closed {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|left| !left.is_zero()) else {
                break;
            };
            pending = shared.changed.wait_timeout(pending, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        std::mem::swap(&mut batch, &mut pending.lines);
        let dropped = std::mem::take(&mut pending.dropped);
        let closed = pending.closed;
        drop(pending);
        // Nowhere to report a failing stdout: the lines are lost either way.
        let _ = output.write_all(&batch).and_then(|()| output.flush());
        batch.clear();
        if dropped > 0 {
            eprintln!("folio: {dropped} log lines dropped: the log writer fell behind its output");
        }
        if closed {
            return;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write as _;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use tracing_subscriber::fmt::MakeWriter as _;

    use super::{BatchedLog, MAX_PENDING_BYTES};

    /// An output the test can read while the writer thread holds it (also
    /// what the telemetry tests format lines into).
    #[derive(Clone, Default)]
    pub(crate) struct Output(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Output {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("output lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Output {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("output lock").clone()).expect("utf-8")
        }
    }

    fn log_line(log: &BatchedLog, line: &str) {
        log.make_writer().write_all(line.as_bytes()).expect("appending never fails");
    }

    #[test]
    fn every_line_is_written_whole_and_in_order_by_the_time_the_guard_is_dropped() {
        let output = Output::default();
        let (log, guard) = BatchedLog::start("test-log", output.clone()).expect("writer starts");
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for line in 0..2_000 {
                        log_line(&log, &format!("thread {thread} line {line}\n"));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("logging thread");
        }
        drop(guard);
        let text = output.text();
        assert_eq!(text.lines().count(), 8_000);
        for thread in 0..4 {
            let prefix = format!("thread {thread} line ");
            let numbers: Vec<usize> = text
                .lines()
                .filter_map(|line| line.strip_prefix(&prefix))
                .map(|number| number.parse().expect("a whole line"))
                .collect();
            assert_eq!(numbers, (0..2_000).collect::<Vec<_>>(), "thread {thread}'s lines in order");
        }
    }

    #[test]
    fn a_lone_line_is_written_without_more_lines_or_the_guard() {
        let output = Output::default();
        let (log, _guard) = BatchedLog::start("test-log", output.clone()).expect("writer starts");
        log_line(&log, "alone\n");
        let waited = Instant::now();
        while output.text().is_empty() {
            assert!(waited.elapsed() < Duration::from_secs(10), "the line was never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(output.text(), "alone\n");
        log_line(&log, "again\n");
        while output.text().len() == "alone\n".len() {
            assert!(waited.elapsed() < Duration::from_secs(10), "the second line was never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(output.text(), "alone\nagain\n");
    }

    /// An output that blocks until the test lets it go.
    struct Stuck(Arc<Mutex<()>>, Output);

    impl std::io::Write for Stuck {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let _wait = self.0.lock().expect("gate");
            self.1.write(bytes)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_beyond_the_bound_are_dropped_whole_while_the_output_is_stuck() {
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().expect("gate");
        let output = Output::default();
        let (log, guard) =
            BatchedLog::start("test-log", Stuck(Arc::clone(&gate), output.clone())).expect("writer starts");
        // The writer takes a first batch and blocks on the gate; the rest
        // pile up until the bound.
        let line = format!("{}\n", "x".repeat(1023));
        let lines = 3 * MAX_PENDING_BYTES / line.len();
        for _ in 0..lines {
            log_line(&log, &line);
        }
        drop(held);
        drop(guard);
        let text = output.text();
        let written = text.lines().count();
        assert!(text.lines().all(|written| written.len() == 1023), "only whole lines");
        // The batch the writer held when it blocked, and a full buffer after it.
        assert!(written <= 2 * MAX_PENDING_BYTES / line.len(), "{written} lines written of {lines}");
        assert!(written >= MAX_PENDING_BYTES / line.len(), "the buffer was filled: {written}");
    }
}
