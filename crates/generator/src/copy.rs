//! PostgreSQL's COPY text format and the stream that carries it: values
//! encoded straight into a byte buffer (escapes, bytea hex, integers, dates,
//! timestamps, array literals), a [`Sink`] that hands the buffer over in
//! chunks of about 1 MiB, and [`copy_rows`], which runs a table writer on a
//! blocking thread while its chunks go to `COPY ... FROM STDIN`.

use allmine_domain::progress::SharedProgress;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use crate::calendar::{MICROS_PER_DAY, civil_from_days};
use crate::error::GenerateError;
use crate::ids::object_id;

/// Rows are sent in chunks of about this size.
const CHUNK: usize = 1 << 20;

/// The database side hung up: the generator stops early.
#[derive(Debug)]
pub(crate) struct Closed;

/// Rows in PostgreSQL's COPY text format, handed over a chunk at a time.
pub(crate) struct Sink {
    buf: Vec<u8>,
    tx: mpsc::Sender<Vec<u8>>,
    rows: u64,
    at_row_start: bool,
    progress: SharedProgress,
    /// Rows already reported to `progress`: it hears of rows a chunk at a
    /// time, not per row.
    reported: u64,
}

impl Sink {
    fn new(tx: mpsc::Sender<Vec<u8>>, progress: SharedProgress) -> Self {
        Self {
            buf: Vec::with_capacity(CHUNK + 64 * 1024),
            tx,
            rows: 0,
            at_row_start: true,
            progress,
            reported: 0,
        }
    }

    fn separate(&mut self) {
        if !self.at_row_start {
            self.buf.push(b'\t');
        }
        self.at_row_start = false;
    }

    pub(crate) fn end_row(&mut self) -> Result<(), Closed> {
        self.buf.push(b'\n');
        self.at_row_start = true;
        self.rows += 1;
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Closed> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 64 * 1024));
        self.tx.blocking_send(full).map_err(|_| Closed)?;
        // Counted once PostgreSQL's side has taken the chunk, so the rate
        // shown is the load's, not the generator's.
        self.progress.advance(self.rows - self.reported);
        self.reported = self.rows;
        Ok(())
    }

    pub(crate) fn null(&mut self) {
        self.separate();
        self.buf.extend_from_slice(b"\\N");
    }

    pub(crate) fn text(&mut self, value: &str) {
        self.separate();
        escape_copy_text(&mut self.buf, value);
    }

    pub(crate) fn opt_text(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    pub(crate) fn int(&mut self, value: i64) {
        self.separate();
        push_i64(&mut self.buf, value);
    }

    pub(crate) fn boolean(&mut self, value: bool) {
        self.separate();
        self.buf.push(if value { b't' } else { b'f' });
    }

    /// A 12-byte id as bytea.
    pub(crate) fn id(&mut self, prefix: [u8; 4], n: u64) {
        self.separate();
        // `\x` in bytea's hex input, its backslash doubled for COPY.
        self.buf.extend_from_slice(b"\\\\x");
        push_hex(&mut self.buf, &object_id(prefix, n));
    }

    pub(crate) fn timestamp(&mut self, micros: i64) {
        self.separate();
        push_timestamp(&mut self.buf, micros);
    }

    pub(crate) fn opt_timestamp(&mut self, micros: Option<i64>) {
        match micros {
            Some(micros) => self.timestamp(micros),
            None => self.null(),
        }
    }

    pub(crate) fn date(&mut self, days: i64) {
        self.separate();
        push_date(&mut self.buf, days);
    }

    pub(crate) fn text_array(&mut self, items: &[&str]) {
        self.separate();
        let mut literal = String::from("{");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                literal.push(',');
            }
            push_array_element(&mut literal, item);
        }
        literal.push('}');
        escape_copy_text(&mut self.buf, &literal);
    }
}

/// Runs `produce` on a blocking thread and streams what it writes into
/// `statement` (a `COPY ... FROM STDIN`) while it works. Returns the rows
/// copied and what `produce` returned. Rows are reported to `progress` as
/// their chunks are handed over.
pub(crate) async fn copy_rows<T, F>(
    conn: &mut PgConnection,
    statement: &'static str,
    progress: &SharedProgress,
    produce: F,
) -> Result<(u64, T), GenerateError>
where
    F: FnOnce(&mut Sink) -> Result<T, Closed> + Send + 'static,
    T: Send + 'static,
{
    let mut copy = conn.copy_in_raw(statement).await?;
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(4);
    let progress = progress.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mut sink = Sink::new(tx, progress);
        let out = produce(&mut sink)?;
        sink.flush()?;
        Ok::<_, Closed>((sink.rows, out))
    });
    while let Some(chunk) = rx.recv().await {
        if let Err(error) = copy.send(chunk).await {
            drop(rx);
            let _ = producer.await;
            let _ = copy.abort("sending COPY data failed").await;
            return Err(error.into());
        }
    }
    match producer.await {
        Ok(Ok((rows, out))) => {
            let copied = copy.finish().await?;
            if copied != rows {
                return Err(GenerateError::Generator(format!(
                    "{statement}: PostgreSQL copied {copied} rows of {rows}"
                )));
            }
            Ok((rows, out))
        }
        Ok(Err(Closed)) => {
            let _ = copy.abort("the row generator stopped").await;
            Err(GenerateError::Generator("the COPY stream closed".into()))
        }
        Err(join) => {
            let _ = copy.abort("the row generator panicked").await;
            Err(GenerateError::Generator(join.to_string()))
        }
    }
}

// Text format -----------------------------------------------------------------

/// A value in COPY's text format: backslash, tab, newline and carriage
/// return are escaped.
fn escape_copy_text(buf: &mut Vec<u8>, value: &str) {
    for &byte in value.as_bytes() {
        match byte {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(byte),
        }
    }
}

/// One element of an array literal, quoted when it has to be.
fn push_array_element(literal: &mut String, item: &str) {
    let needs_quotes = item.is_empty()
        || item.eq_ignore_ascii_case("NULL")
        || item
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
    if !needs_quotes {
        literal.push_str(item);
        return;
    }
    literal.push('"');
    for c in item.chars() {
        if c == '"' || c == '\\' {
            literal.push('\\');
        }
        literal.push(c);
    }
    literal.push('"');
}

fn push_hex(buf: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        buf.push(HEX[usize::from(byte >> 4)]);
        buf.push(HEX[usize::from(byte & 0x0f)]);
    }
}

fn push_i64(buf: &mut Vec<u8>, value: i64) {
    if value < 0 {
        buf.push(b'-');
    }
    push_u64(buf, value.unsigned_abs());
}

fn push_u64(buf: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
}

/// `value` in exactly `width` digits, zero-padded.
fn push_padded(buf: &mut Vec<u8>, mut value: u64, width: usize) {
    let start = buf.len();
    buf.resize(start + width, b'0');
    for at in (start..start + width).rev() {
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `YYYY-MM-DD` (years 1000 to 9999).
fn push_date(buf: &mut Vec<u8>, days: i64) {
    let (year, month, day) = civil_from_days(days);
    push_padded(buf, year.unsigned_abs(), 4);
    buf.push(b'-');
    push_padded(buf, month, 2);
    buf.push(b'-');
    push_padded(buf, day, 2);
}

/// `YYYY-MM-DD HH:MM:SS.ffffff+00`.
fn push_timestamp(buf: &mut Vec<u8>, micros: i64) {
    push_date(buf, micros.div_euclid(MICROS_PER_DAY));
    let of_day = micros.rem_euclid(MICROS_PER_DAY).unsigned_abs();
    let seconds = of_day / 1_000_000;
    buf.push(b' ');
    push_padded(buf, seconds / 3600, 2);
    buf.push(b':');
    push_padded(buf, seconds / 60 % 60, 2);
    buf.push(b':');
    push_padded(buf, seconds % 60, 2);
    buf.push(b'.');
    push_padded(buf, of_day % 1_000_000, 6);
    buf.extend_from_slice(b"+00");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::USER_PREFIX;

    fn text(value: &str) -> String {
        let mut buf = Vec::new();
        escape_copy_text(&mut buf, value);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn copy_text_escapes_backslash_tab_newline_and_carriage_return() {
        assert_eq!(text("a\\b\tc\nd\re"), "a\\\\b\\tc\\nd\\re");
        assert_eq!(text("Çağrı O'Brien"), "Çağrı O'Brien");
    }

    #[test]
    fn array_elements_are_quoted_when_they_must_be() {
        let mut literal = String::new();
        for item in ["music", "live music", "", "NULL", "a\"b", "x,y"] {
            push_array_element(&mut literal, item);
            literal.push('|');
        }
        assert_eq!(literal, r#"music|"live music"|""|"NULL"|"a\"b"|"x,y"|"#);
    }

    #[test]
    fn ids_are_the_prefix_then_n_big_endian_as_bytea_hex() {
        let mut buf = Vec::new();
        push_hex(&mut buf, &object_id(USER_PREFIX, 1));
        assert_eq!(buf, b"5eed00010000000000000001");
        buf.clear();
        push_hex(&mut buf, &object_id(USER_PREFIX, 1_000_000));
        assert_eq!(buf, b"5eed000100000000000f4240");
    }

    #[test]
    fn timestamps_match_the_time_crate() {
        for micros in [
            0_i64,
            951_782_400_000_000,   // 2000-02-29
            1_767_225_599_999_999, // 2025-12-31 23:59:59.999999
            1_798_761_600_123_456,
            -86_400_000_000,
        ] {
            let mut buf = Vec::new();
            push_timestamp(&mut buf, micros);
            let at =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap();
            let expected = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
                at.microsecond()
            );
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        let mut buf = Vec::new();
        for value in [0, 7, -42, i64::MAX, i64::MIN] {
            push_i64(&mut buf, value);
            buf.push(b' ');
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            format!("0 7 -42 {} {} ", i64::MAX, i64::MIN)
        );
    }
}
