//! `COPY ... FROM STDIN` in text format, a megabyte at a time.

use std::fmt::Write as _;
use std::time::Instant;

use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::SinkExt as _;
use tokio_postgres::{CopyInSink, Transaction};
use uuid::Uuid;

use crate::{CHUNK_BYTES, SeedProgress};

/// One `COPY ... FROM STDIN` in text format: rows are written into a buffer
/// that is sent to the server a megabyte at a time.
pub(crate) struct Copy {
    table: &'static str,
    sink: std::pin::Pin<Box<CopyInSink<Bytes>>>,
    row: Row,
    done: u64,
    total: u64,
    started: Instant,
}

impl Copy {
    pub(crate) async fn start(
        transaction: &Transaction<'_>,
        table: &'static str,
        statement: &str,
        total: usize,
    ) -> Result<Self, tokio_postgres::Error> {
        let sink = Box::pin(transaction.copy_in(statement).await?);
        Ok(Self {
            table,
            sink,
            row: Row { buffer: BytesMut::with_capacity(CHUNK_BYTES * 2), first: true },
            done: 0,
            total: total as u64,
            started: Instant::now(),
        })
    }

    pub(crate) fn row(&mut self) -> &mut Row {
        &mut self.row
    }

    pub(crate) async fn end_row(
        &mut self,
        progress: &mut (dyn FnMut(SeedProgress) + Send),
    ) -> Result<(), tokio_postgres::Error> {
        self.row.buffer.put_u8(b'\n');
        self.row.first = true;
        self.done += 1;
        if self.row.buffer.len() >= CHUNK_BYTES {
            let chunk = self.row.buffer.split().freeze();
            self.sink.as_mut().send(chunk).await?;
        }
        // About ten reports per table.
        let step = (self.total / 10).max(1);
        if self.done.is_multiple_of(step) && self.done < self.total {
            progress(SeedProgress::Rows { table: self.table, done: self.done, total: self.total });
        }
        Ok(())
    }

    pub(crate) async fn finish(
        mut self,
        progress: &mut (dyn FnMut(SeedProgress) + Send),
    ) -> Result<(), tokio_postgres::Error> {
        if !self.row.buffer.is_empty() {
            let chunk = self.row.buffer.split().freeze();
            self.sink.as_mut().send(chunk).await?;
        }
        let rows = self.sink.as_mut().finish().await?;
        progress(SeedProgress::Loaded { table: self.table, rows, elapsed: self.started.elapsed() });
        Ok(())
    }
}

/// The fields of one row in `COPY`'s text format: tab-separated, `\N` for
/// NULL, backslash escapes for the characters that would break the format.
pub(crate) struct Row {
    buffer: BytesMut,
    first: bool,
}

impl Row {
    pub(crate) fn separate(&mut self) {
        if !self.first {
            self.buffer.put_u8(b'\t');
        }
        self.first = false;
    }

    pub(crate) fn text(&mut self, value: &str) {
        self.separate();
        for byte in value.bytes() {
            match byte {
                b'\\' => self.buffer.put_slice(b"\\\\"),
                b'\n' => self.buffer.put_slice(b"\\n"),
                b'\r' => self.buffer.put_slice(b"\\r"),
                b'\t' => self.buffer.put_slice(b"\\t"),
                _ => self.buffer.put_u8(byte),
            }
        }
    }

    pub(crate) fn null(&mut self) {
        self.separate();
        self.buffer.put_slice(b"\\N");
    }

    pub(crate) fn uuid(&mut self, id: Uuid) {
        self.separate();
        let mut encoded = Uuid::encode_buffer();
        self.buffer.put_slice(id.hyphenated().encode_lower(&mut encoded).as_bytes());
    }

    pub(crate) fn int(&mut self, value: i64) {
        self.separate();
        let _ = write!(self.buffer, "{value}");
    }

    pub(crate) fn time(&mut self, millis: i64) {
        self.separate();
        match chrono::DateTime::from_timestamp_millis(millis) {
            Some(time) => {
                let _ = write!(self.buffer, "{}", time.format("%Y-%m-%d %H:%M:%S%.3f+00"));
            }
            None => self.buffer.put_slice(b"\\N"),
        }
    }

    pub(crate) fn maybe_time(&mut self, millis: Option<i64>) {
        match millis {
            Some(millis) => self.time(millis),
            None => self.null(),
        }
    }

    /// A `text[]` of words that need no quoting (letters, digits, hyphens;
    /// never `null`).
    pub(crate) fn plain_array(&mut self, items: &[&str]) {
        self.separate();
        self.buffer.put_u8(b'{');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.buffer.put_u8(b',');
            }
            self.buffer.put_slice(item.as_bytes());
        }
        self.buffer.put_u8(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::START_MS;

    #[test]
    fn copy_text_escapes_what_would_break_the_format() {
        let mut row = Row { buffer: BytesMut::new(), first: true };
        row.text("a\tb\nc\\d\re");
        row.null();
        row.plain_array(&["rust", "web-dev"]);
        row.time(START_MS);
        assert_eq!(&row.buffer[..], b"a\\tb\\nc\\\\d\\re\t\\N\t{rust,web-dev}\t2024-01-01 00:00:00.000+00");
    }
}
