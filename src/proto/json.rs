//! RFC 8259 JSON, as much as Kith reads and writes: `config.json`, host-meta's JRD, the
//! store's records, the feed's cursors and the messages between tabs. A small tree and a
//! recursive reader instead of serde: serde's generated (de)serialisers and serde_json
//! cost the wasm some 40 KB for a handful of flat records.

use std::fmt::Write;

/// A JSON value. Objects keep their members in order; [`Json::get`] finds the first.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Deeper nesting is refused rather than risking the stack (serde_json's limit too).
const MAX_DEPTH: usize = 128;

impl Json {
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut reader = Reader {
            text: text.as_bytes(),
            at: 0,
        };
        let value = reader.value(0)?;
        reader.space();
        if reader.at < reader.text.len() {
            return Err(reader.error("trailing characters"));
        }
        Ok(value)
    }

    /// An empty object, filled with [`Json::with`].
    pub fn object() -> Json {
        Json::Object(Vec::new())
    }

    /// Adds a member (to an object; anything else stays as it is).
    pub fn with(mut self, key: &str, value: Json) -> Json {
        if let Json::Object(members) = &mut self {
            members.push((key.to_owned(), value));
        }
        self
    }

    /// Adds a member unless `value` is `None` (a field written only when set).
    pub fn with_some(self, key: &str, value: Option<Json>) -> Json {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    pub fn str(text: &str) -> Json {
        Json::String(text.to_owned())
    }

    /// `null` for `None`.
    pub fn opt_str(text: Option<&str>) -> Json {
        text.map_or(Json::Null, Json::str)
    }

    /// An object's member; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// A member that must be a string.
    pub fn string(&self, key: &str) -> Result<String, String> {
        match self.get(key) {
            Some(Json::String(s)) => Ok(s.clone()),
            _ => Err(expected(key, "a string")),
        }
    }

    /// A member that may be absent or null, or else a string.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            _ => Err(expected(key, "a string or null")),
        }
    }

    /// A member that must be a number.
    pub fn number(&self, key: &str) -> Result<f64, String> {
        match self.get(key) {
            Some(Json::Number(n)) => Ok(*n),
            _ => Err(expected(key, "a number")),
        }
    }

    /// A member that must be a boolean; `absent` when it is missing.
    pub fn boolean(&self, key: &str, absent: Option<bool>) -> Result<bool, String> {
        match (self.get(key), absent) {
            (Some(Json::Bool(b)), _) => Ok(*b),
            (None, Some(b)) => Ok(b),
            _ => Err(expected(key, "true or false")),
        }
    }

    /// The JSON text, compact (no spaces), as serde_json writes it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            // No NaN or infinity in JSON: serde_json writes them as null too.
            Json::Number(n) if !n.is_finite() => out.push_str("null"),
            Json::Number(n) => out.push_str(&number_text(*n)),
            Json::String(s) => write_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn expected(key: &str, what: &str) -> String {
    format!("\"{key}\" is not {what}")
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// Where the reader is, as serde_json says it: line and column, from 1.
    fn error(&self, what: &str) -> String {
        let before = &self.text[..self.at.min(self.text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        format!("{what} at line {line} column {column}")
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.text[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        match self.peek() {
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected `,` or `]`"));
                        }
                    }
                }
                Ok(Json::Array(items))
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        if self.peek() != Some(b'"') {
                            return Err(self.error("key must be a string"));
                        }
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.error("expected `:`"));
                        }
                        members.push((key, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected `,` or `}`"));
                        }
                    }
                }
                Ok(Json::Object(members))
            }
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.text.get(self.at) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        self.at += usize::from(self.text[self.at] == b'-');
        let first = self.text.get(self.at).copied();
        let whole = self.digits();
        if whole == 0 || (first == Some(b'0') && whole > 1) {
            return Err(self.error("invalid number"));
        }
        if self.text.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.text.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.text.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        // Only ASCII digits and signs were taken: this is valid UTF-8.
        let text = std::str::from_utf8(&self.text[start..self.at]).unwrap_or_default();
        Ok(Json::Number(parse_number(text)))
    }

    /// A string, the reader on its opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(&byte) = self.text.get(self.at) else {
                return Err(self.error("EOF while parsing a string"));
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let escape = self.text.get(self.at).copied();
                    self.at += 1;
                    let c = match escape {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => out.push(byte),
            }
        }
        // The input is a &str and escapes were encoded as UTF-8: this cannot fail.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.at..self.at + 4);
        let value = digits
            .and_then(|d| std::str::from_utf8(d).ok())
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        match value {
            Some(value) => {
                self.at += 4;
                Ok(value)
            }
            None => Err(self.error("invalid escape")),
        }
    }

    /// `\uXXXX`, a surrogate pair joined; a lone surrogate is an error (as in serde_json).
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.text[self.at..].starts_with(b"\\u") {
                return Err(self.error("lone leading surrogate in hex escape"));
            }
            self.at += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("lone leading surrogate in hex escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("lone surrogate in hex escape"))
    }
}

/// A finite number as JSON writes it: the shortest text that reads back the same, as
/// Rust's `{}` and JavaScript's `String(n)` both write it (whole numbers without `.0`).
/// Whole numbers are written here; the rest by the browser in the wasm, so that no float
/// formatting is linked into it (about 14 KB).
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return (n as i64).to_string();
    }
    fraction_text(n)
}

#[cfg(target_arch = "wasm32")]
fn fraction_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
fn fraction_text(n: f64) -> String {
    n.to_string()
}

/// A number already checked against JSON's grammar. In the browser, its own `parseFloat`
/// (exact, and no float parser linked into the wasm); elsewhere, Rust's.
#[cfg(target_arch = "wasm32")]
fn parse_number(text: &str) -> f64 {
    js_sys::parse_float(text)
}

#[cfg(not(target_arch = "wasm32"))]
fn parse_number(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_wrote() {
        let text = r#"{"account":"a@b","seq":1700000000123,"neg":-2.5e3,"ok":true,"no":false,"none":null,"list":["x","y\"z"],"nested":{"Node":{"service":"s","node":"n"}}}"#;
        let json = Json::parse(text).unwrap();
        assert_eq!(json.string("account").unwrap(), "a@b");
        assert_eq!(json.number("seq").unwrap(), 1_700_000_000_123.0);
        assert_eq!(json.number("neg").unwrap(), -2500.0);
        assert!(json.boolean("ok", None).unwrap());
        assert!(!json.boolean("no", None).unwrap());
        assert!(json.boolean("missing", None).is_err());
        assert!(json.boolean("missing", Some(true)).unwrap());
        assert_eq!(json.opt_string("none").unwrap(), None);
        assert_eq!(json.opt_string("missing").unwrap(), None);
        assert!(json.opt_string("seq").is_err());
        assert!(json.string("seq").is_err());
        assert_eq!(
            json.get("list"),
            Some(&Json::Array(vec![Json::str("x"), Json::str("y\"z")]))
        );
        let node = json.get("nested").and_then(|n| n.get("Node")).unwrap();
        assert_eq!(node.string("node").unwrap(), "n");
    }

    #[test]
    fn writes_compact_text_that_reads_back() {
        let json = Json::object()
            .with(
                "s",
                Json::str("quote \" backslash \\ newline \n tab \t bell \u{7} é 😀"),
            )
            .with("n", Json::Number(1_700_000_000_123.0))
            .with("f", Json::Number(0.5))
            .with("z", Json::Number(-0.0))
            .with("nan", Json::Number(f64::NAN))
            .with("b", Json::Bool(true))
            .with("a", Json::Array(vec![Json::Null, Json::object()]))
            .with_some("absent", None)
            .with_some("present", Some(Json::opt_str(None)));
        let text = json.to_text();
        assert_eq!(
            text,
            r#"{"s":"quote \" backslash \\ newline \n tab \t bell \u0007 é 😀","n":1700000000123,"f":0.5,"z":0,"nan":null,"b":true,"a":[null,{}],"present":null}"#
        );
        let back = Json::parse(&text).unwrap();
        assert_eq!(back.get("s"), json.get("s"));
        assert_eq!(back.get("nan"), Some(&Json::Null));
        assert_eq!(back.get("a"), json.get("a"));
    }

    #[test]
    fn reads_escapes_and_whitespace() {
        let json =
            Json::parse(" {\n \"k\" : \"\\u00e9\\ud83d\\ude00\\/\\b\\f\\r\" , \"e\": [ ] } ")
                .unwrap();
        assert_eq!(json.string("k").unwrap(), "é😀/\u{8}\u{c}\r");
        assert_eq!(json.get("e"), Some(&Json::Array(vec![])));
        assert_eq!(Json::parse("0").unwrap(), Json::Number(0.0));
        assert_eq!(Json::parse("-0.25E+2").unwrap(), Json::Number(-25.0));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "{\"a\":}",
            "{\"a\" 1}",
            "{a:1}",
            "[1,]",
            "[1 2]",
            "01",
            "1.",
            "-",
            "1e",
            ".5",
            "nul",
            "\"open",
            "\"tab\there\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "{} {}",
            "NaN",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert!(Json::parse(&deep).is_err());
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Json::parse(&fine).is_ok());
    }

    #[test]
    fn says_where_it_stopped() {
        assert_eq!(
            Json::parse("{\n  \"a\": x}").unwrap_err(),
            "expected value at line 2 column 8"
        );
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn the_browser_writes_numbers_as_rust_does() {
        for n in [
            0.25f64,
            0.5,
            0.1 + 0.2,
            123.456,
            -2.5,
            1_700_000_000_123.0,
            0.0,
            1e300,
            5e-7,
        ] {
            let rust = if n.abs() >= 1e21 || (n != 0.0 && n.abs() < 1e-6) {
                None // JavaScript writes these with an exponent, which JSON allows too
            } else {
                Some(n.to_string())
            };
            let text = number_text(n);
            assert_eq!(text.parse::<f64>(), Ok(n), "{n}");
            if let Some(rust) = rust {
                assert_eq!(text, rust, "{n}");
            }
        }
    }
}
