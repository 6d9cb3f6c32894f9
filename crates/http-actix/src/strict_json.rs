//! A strict reader for JSON request bodies.
//!
//! `serde_json` keeps the last of two equal keys, nests as deep as its
//! recursion limit (128) and only says "number out of range" with a line and
//! column. Request bodies are read here instead, so that each of these is
//! refused naming the field it concerns: the body must be UTF-8, nest at most
//! [`MAX_DEPTH`] levels, name each key of an object once, and hold only
//! numbers that fit an `f64`. Everything else is plain JSON (RFC 8259).

use serde_json::{Map, Number, Value};

/// Deepest nesting of arrays and objects a body may have; the body itself is
/// level 1.
pub const MAX_DEPTH: usize = 32;

/// Longest part of a key repeated in a message; longer keys are cut.
const MAX_KEY_ECHO: usize = 64;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// The bytes are not UTF-8.
    NotUtf8,
    /// Not JSON: the first offending character is here (1-based).
    Syntax {
        /// Line, from 1.
        line: usize,
        /// Character in the line, from 1.
        column: usize,
    },
    /// Arrays and objects nest deeper than [`MAX_DEPTH`] under this field
    /// (`body` when the body itself is too deep).
    TooDeep {
        /// The top-level field.
        field: String,
    },
    /// An object names this key twice (`interests[0].a`-style path).
    DuplicateKey {
        /// Where.
        field: String,
    },
    /// A number too large for an `f64` (such as `1e309`).
    NumberOutOfRange {
        /// Where.
        field: String,
    },
}

/// Reads one JSON value from `bytes` under the rules in the module
/// documentation.
///
/// ```
/// use allmine_http::strict_json::{parse, JsonProblem};
/// assert!(parse(br#"{"name": "Ada"}"#).is_ok());
/// assert_eq!(
///     parse(br#"{"name": "Ada", "name": "Bob"}"#),
///     Err(JsonProblem::DuplicateKey { field: "name".into() })
/// );
/// ```
pub fn parse(bytes: &[u8]) -> Result<Value, JsonProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| JsonProblem::NotUtf8)?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        path: Vec::new(),
    };
    reader.skip_whitespace();
    let value = reader.value(1)?;
    reader.skip_whitespace();
    if reader.at < reader.bytes.len() {
        return Err(reader.syntax());
    }
    Ok(value)
}

enum Segment {
    Key(String),
    Index(usize),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    path: Vec<Segment>,
}

impl Reader<'_> {
    fn value(&mut self, depth: usize) -> Result<Value, JsonProblem> {
        match self.peek() {
            Some(b'{') | Some(b'[') if depth > MAX_DEPTH => Err(JsonProblem::TooDeep {
                field: self.top_field(),
            }),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.syntax()),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonProblem> {
        self.at += 1;
        let mut map = Map::new();
        self.skip_whitespace();
        if self.eat(b'}') {
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.syntax());
            }
            let key = self.string()?;
            self.path.push(Segment::Key(key.clone()));
            if map.contains_key(&key) {
                return Err(JsonProblem::DuplicateKey {
                    field: self.render_path(),
                });
            }
            self.skip_whitespace();
            if !self.eat(b':') {
                return Err(self.syntax());
            }
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            self.path.pop();
            map.insert(key, value);
            self.skip_whitespace();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                return Ok(Value::Object(map));
            }
            return Err(self.syntax());
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonProblem> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            self.path.push(Segment::Index(items.len()));
            let value = self.value(depth + 1)?;
            self.path.pop();
            items.push(value);
            self.skip_whitespace();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            return Err(self.syntax());
        }
    }

    fn string(&mut self) -> Result<String, JsonProblem> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(&self.text[start..self.at]);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.syntax()),
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                // A raw control character, or the end of the input.
                _ => return Err(self.syntax()),
            }
        }
    }

    /// After `\u`: four hex digits, and a low surrogate after a high one.
    fn unicode_escape(&mut self) -> Result<char, JsonProblem> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(self.syntax());
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.syntax());
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.syntax()),
            other => other,
        };
        char::from_u32(code).ok_or_else(|| self.syntax())
    }

    fn hex4(&mut self) -> Result<u32, JsonProblem> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.syntax())?;
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.syntax())?;
        self.at += 4;
        Ok(code)
    }

    fn number(&mut self) -> Result<Value, JsonProblem> {
        let start = self.at;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax()),
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.syntax());
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.syntax());
            }
            self.digits();
        }
        let lexeme = &self.text[start..self.at];
        if integer {
            if let Ok(n) = lexeme.parse::<u64>() {
                return Ok(Value::Number(n.into()));
            }
            // `-0` stays a float, as serde_json keeps it.
            if let Ok(n) = lexeme.parse::<i64>()
                && n != 0
            {
                return Ok(Value::Number(n.into()));
            }
        }
        // As serde_json does: anything else is an f64, if it fits one.
        lexeme
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| JsonProblem::NumberOutOfRange {
                field: self.render_path(),
            })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonProblem> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.syntax())
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn syntax(&self) -> JsonProblem {
        let before = &self.text[..self.at.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        JsonProblem::Syntax {
            line,
            column: before[line_start..].chars().count() + 1,
        }
    }

    fn top_field(&self) -> String {
        match self.path.first() {
            Some(Segment::Key(key)) => echo(key),
            Some(Segment::Index(i)) => format!("[{i}]"),
            None => "body".into(),
        }
    }

    fn render_path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Key(key) if out.is_empty() => out.push_str(&echo(key)),
                Segment::Key(key) => {
                    out.push('.');
                    out.push_str(&echo(key));
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if out.is_empty() { "body".into() } else { out }
    }
}

/// A key as it may appear in a message: at most [`MAX_KEY_ECHO`] characters,
/// control characters shown escaped.
pub(crate) fn echo(key: &str) -> String {
    let mut out: String = key
        .chars()
        .take(MAX_KEY_ECHO)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if key.chars().nth(MAX_KEY_ECHO).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a": [1, -2, 3.5, 1e3, -0, 18446744073709551615, -9223372036854775808], "b": {"c": null, "d": true, "e": false}}"#,
            r#"  "x\n\"\\\/\b\f\r\t\u00e7\ud83d\ude00"  "#,
            "[]",
            "{}",
            "0",
            "99999999999999999999",
            "1e-400",
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(parse(text.as_bytes()).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_json_with_its_position() {
        for (text, line, column) in [
            ("{", 1, 2),
            ("{\"a\": }", 1, 7),
            ("{\"a\": 1,}", 1, 9),
            ("[1 2]", 1, 4),
            ("{\n  \"a\": tru}", 2, 8),
            ("\"\u{1}\"", 1, 2),
            ("\"\\ud800\"", 1, 8),
            ("\"\\udc00\"", 1, 8),
            ("01", 1, 2),
            ("1.", 1, 3),
            ("-", 1, 2),
            ("{} x", 1, 4),
            ("\"\\x\"", 1, 3),
        ] {
            assert_eq!(
                parse(text.as_bytes()),
                Err(JsonProblem::Syntax { line, column }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_invalid_utf8() {
        assert_eq!(parse(b"{\"bio\": \"\xff\"}"), Err(JsonProblem::NotUtf8));
    }

    #[test]
    fn names_the_duplicated_key_wherever_it_is() {
        assert_eq!(
            parse(br#"{"a": 1, "b": {"c": 1, "c": 2}}"#),
            Err(JsonProblem::DuplicateKey {
                field: "b.c".into()
            })
        );
        assert_eq!(
            parse(br#"{"interests": [{"x": 1, "x": 1}]}"#),
            Err(JsonProblem::DuplicateKey {
                field: "interests[0].x".into()
            })
        );
        // Escapes are decoded before keys are compared.
        assert_eq!(
            parse(br#"{"name": 1, "n\u0061me": 2}"#),
            Err(JsonProblem::DuplicateKey {
                field: "name".into()
            })
        );
    }

    #[test]
    fn nests_at_most_thirty_two_levels() {
        let nested = |levels: usize| {
            format!(
                "{{\"bio\": {}{}}}",
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            )
        };
        assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            parse(nested(MAX_DEPTH + 1).as_bytes()),
            Err(JsonProblem::TooDeep {
                field: "bio".into()
            })
        );
        let bomb = "[".repeat(100_000);
        assert_eq!(
            parse(bomb.as_bytes()),
            Err(JsonProblem::TooDeep {
                field: "[0]".into()
            })
        );
    }

    #[test]
    fn names_numbers_too_large_for_a_double() {
        assert_eq!(
            parse(br#"{"minutePriceInLiveStream": 1e309}"#),
            Err(JsonProblem::NumberOutOfRange {
                field: "minutePriceInLiveStream".into()
            })
        );
        assert_eq!(
            parse(br#"{"a": [0, -1e400]}"#),
            Err(JsonProblem::NumberOutOfRange {
                field: "a[1]".into()
            })
        );
        assert_eq!(parse(b"-1e20").unwrap(), json!(-1e20));
    }

    #[test]
    fn long_or_odd_keys_are_cut_and_escaped_in_messages() {
        let key = "k".repeat(100);
        let text = format!("{{\"{key}\": 1, \"{key}\": 2}}");
        let Err(JsonProblem::DuplicateKey { field }) = parse(text.as_bytes()) else {
            panic!()
        };
        assert_eq!(field, format!("{}…", "k".repeat(64)));
        let Err(JsonProblem::DuplicateKey { field }) = parse(br#"{"a\u0000": 1, "a\u0000": 2}"#)
        else {
            panic!()
        };
        assert_eq!(field, "a\\u{0}");
    }
}
