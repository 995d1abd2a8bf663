//! Shortcodes with Zola's syntax: `{{ name(key="value") }}` inline and `{% name(...) %}body{% end %}`.
//!
//! Calls are cut out of the Markdown before it is parsed and replaced by placeholders; after the
//! Markdown is HTML, each placeholder is replaced by its rendered template. That way the template's
//! HTML is never escaped and never re-parsed as Markdown.

use serde_json::{Map, Number, Value};

/// One shortcode call found in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Map<String, Value>,
    /// The raw text between the tags, for shortcodes with a body.
    pub body: Option<String>,
    /// 1-based line of the call within the body, and its column.
    pub line: usize,
    pub column: usize,
    /// How many calls of this name came before it, plus one (Zola's `nth`).
    pub nth: usize,
}

/// A shortcode call that could not be understood, with its position in the body.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

const PLACEHOLDER: &str = "PLACARDSC";

/// The Markdown with each call replaced by a placeholder, and the calls in order.
pub fn extract(body: &str) -> Result<(String, Vec<Call>), SyntaxError> {
    let mut out = String::with_capacity(body.len());
    let mut calls: Vec<Call> = Vec::new();
    let mut fence: Option<String> = None;
    let mut offset = 0;
    // Line by line, so that fenced code keeps its braces; a call with a body may span lines.
    while offset < body.len() {
        let line_end = body[offset..].find('\n').map(|i| offset + i + 1).unwrap_or(body.len());
        let line = &body[offset..line_end];
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
            out.push_str(line);
            offset = line_end;
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
            out.push_str(line);
            offset = line_end;
            continue;
        }
        // Scan this line for calls; a body call may move `offset` past several lines.
        let mut i = offset;
        let mut next = line_end;
        while i < next {
            let rest = &body[i..next];
            let Some(found) = rest.find(['{']) else {
                out.push_str(rest);
                i = next;
                break;
            };
            out.push_str(&rest[..found]);
            i += found;
            let here = &body[i..];
            if let Some(inner) = here.strip_prefix("{{/*").or_else(|| here.strip_prefix("{%/*")) {
                // Zola's escape: {{/* x() */}} prints {{ x() }} literally.
                let close = if here.starts_with("{{") { "*/}}" } else { "*/%}" };
                if let Some(end) = inner.find(close) {
                    let open = &here[..2];
                    out.push_str(open);
                    out.push_str(&inner[..end]);
                    out.push_str(&close[2..]);
                    i += 4 + end + close.len();
                    continue;
                }
            }
            let (line_no, column) = position(body, i);
            let parsed = if here.starts_with("{{") {
                parse_call(here, "{{", "}}").map(|(name, args, len)| (name, args, None, len))
            } else if here.starts_with("{%") {
                if find_end(here).is_some_and(|(at, _)| at == 0) {
                    return Err(SyntaxError {
                        line: line_no,
                        column,
                        message: "this `{% end %}` closes no shortcode: nothing like `{% name() %}` is open before it".into(),
                    });
                }
                match parse_call(here, "{%", "%}") {
                    Some((name, Err(message), len)) => Some((name, Err(message), None, len)),
                    Some((name, args, len)) => {
                        let after = &here[len..];
                        let Some((body_len, end_len)) = find_end(after) else {
                            return Err(SyntaxError { line: line_no, column, message: format!("the shortcode `{name}` opened here has no `{{% end %}}`") });
                        };
                        Some((name, args, Some(after[..body_len].to_string()), len + body_len + end_len))
                    }
                    None => None,
                }
            } else {
                None
            };
            match parsed {
                Some((name, args, call_body, len)) => {
                    let args = args.map_err(|message| SyntaxError { line: line_no, column, message })?;
                    let nth = calls.iter().filter(|c| c.name == name).count() + 1;
                    out.push_str(&format!("{PLACEHOLDER}{}X", calls.len()));
                    calls.push(Call { name, args, body: call_body, line: line_no, column, nth });
                    i += len;
                    if i > next {
                        next = body[i..].find('\n').map(|n| i + n + 1).unwrap_or(body.len());
                    }
                }
                None => {
                    out.push('{');
                    i += 1;
                }
            }
        }
        offset = next.max(i);
    }
    Ok((out, calls))
}

/// Replaces the placeholders in `html` with the rendered shortcodes. A placeholder alone in a
/// paragraph replaces the whole paragraph, so block-level HTML is not wrapped in `<p>`.
pub fn insert(html: &str, rendered: &[String]) -> String {
    if rendered.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + rendered.iter().map(|r| r.len()).sum::<usize>());
    let mut rest = html;
    while let Some(at) = rest.find(PLACEHOLDER) {
        let after = &rest[at + PLACEHOLDER.len()..];
        let digits = after.chars().take_while(|c| c.is_ascii_digit()).count();
        let index: Option<usize> = after[..digits].parse().ok();
        match (index, after[digits..].starts_with('X')) {
            (Some(n), true) if n < rendered.len() => {
                let mut head = &rest[..at];
                let mut tail = &after[digits + 1..];
                if head.ends_with("<p>") && tail.starts_with("</p>") {
                    head = &head[..head.len() - 3];
                    tail = &tail[4..];
                }
                out.push_str(head);
                out.push_str(rendered[n].trim_end_matches('\n'));
                rest = tail;
            }
            _ => {
                out.push_str(&rest[..at + PLACEHOLDER.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    crate::error::line_col(text, offset)
}

/// Finds `{% end %}` (any spacing); returns the body length and the tag length.
fn find_end(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(at) = text[from..].find("{%") {
        let start = from + at;
        let inner = &text[start + 2..];
        let trimmed = inner.trim_start();
        if let Some(after) = trimmed.strip_prefix("end") {
            let after_trim = after.trim_start();
            if after_trim.starts_with("%}") {
                let tag_len = 2 + (inner.len() - after_trim.len()) + 2;
                return Some((start, tag_len));
            }
        }
        from = start + 2;
    }
    None
}

type ParsedCall = (String, Result<Map<String, Value>, String>, usize);

/// Parses `open name(args) close` at the start of `text`. `None` means "not a shortcode call", which
/// leaves ordinary braces in prose alone; a call with bad arguments is `Some` with an error.
fn parse_call(text: &str, open: &str, close: &str) -> Option<ParsedCall> {
    let mut p = Parser { text, pos: open.len() };
    p.skip_ws();
    let name = p.ident()?;
    p.skip_ws();
    if !p.eat('(') {
        return None;
    }
    // From here on this is a shortcode call: `{{ name(` is never left as text, or a call missing its
    // end would be published as raw text without a word.
    let args = match p.args() {
        Ok(a) => a,
        Err(message) => {
            // Find the closing tag so that the error is reported for the right call.
            return Some(match text.find(close) {
                Some(end) => (name, Err(message), end + close.len()),
                None => {
                    let message = format!("the shortcode `{name}` is never closed: end the call with `) {close}` ({message})");
                    (name, Err(message), text.len())
                }
            });
        }
    };
    p.skip_ws();
    if !text[p.pos..].starts_with(close) {
        let message = format!("the shortcode `{name}` is not closed: `{close}` must come right after its `)`");
        let end = text.find(close).map(|e| e + close.len()).unwrap_or(text.len());
        return Some((name, Err(message), end));
    }
    Some((name, Ok(args), p.pos + close.len()))
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        // Whitespace includes multi-byte spaces (U+3000, typed in Chinese text): step by the
        // character, never by the byte.
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let ident = &self.text[start..self.pos];
        (!ident.is_empty() && !ident.starts_with(|c: char| c.is_ascii_digit())).then(|| ident.to_string())
    }

    fn args(&mut self) -> Result<Map<String, Value>, String> {
        let mut args = Map::new();
        loop {
            self.skip_ws();
            if self.eat(')') {
                return Ok(args);
            }
            let key = self.ident().ok_or("shortcode arguments are written key=value, like id=\"hotline\"")?;
            self.skip_ws();
            if !self.eat('=') {
                return Err(format!("the argument `{key}` needs a value, like {key}=\"...\""));
            }
            self.skip_ws();
            let value = self.value()?;
            args.insert(key, value);
            self.skip_ws();
            if !self.eat(',') {
                self.skip_ws();
                if self.eat(')') {
                    return Ok(args);
                }
                return Err("separate shortcode arguments with commas".into());
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(q @ ('"' | '\'' | '`')) => {
                self.pos += 1;
                let start = self.pos;
                let end = self.text[start..].find(q).ok_or("a quoted argument is never closed")?;
                self.pos = start + end + 1;
                Ok(Value::String(self.text[start..start + end].to_string()))
            }
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.eat(']') {
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.skip_ws();
                    self.eat(',');
                }
            }
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_') {
                    self.pos += 1;
                }
                let word = &self.text[start..self.pos];
                match word {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    _ => {
                        if let Ok(n) = word.parse::<i64>() {
                            Ok(Value::Number(n.into()))
                        } else if let Some(n) = word.parse::<f64>().ok().and_then(Number::from_f64) {
                            Ok(Value::Number(n))
                        } else {
                            Err(format!("`{word}` is not a value: put text in quotes, like \"{word}\""))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_and_body_calls() {
        let (text, calls) = extract("前文 {{ qr(data=\"https://a.cn\", size_mm=30) }} 后文\n\n{% notice(kind='warning') %}\n**注意**\n{% end %}\n").unwrap();
        assert_eq!(text, "前文 PLACARDSC0X 后文\n\nPLACARDSC1X\n");
        assert_eq!(calls[0].name, "qr");
        assert_eq!(calls[0].args["size_mm"], 30);
        assert_eq!(calls[1].body.as_deref(), Some("\n**注意**\n"));
        assert_eq!((calls[1].line, calls[1].column), (3, 1));
    }

    #[test]
    fn leaves_prose_code_and_escapes_alone() {
        let (text, calls) = extract("a {b} {{ not a call }}\n```\n{{ x() }}\n```\n{{/* x() */}}\n").unwrap();
        assert!(calls.is_empty());
        assert_eq!(text, "a {b} {{ not a call }}\n```\n{{ x() }}\n```\n{{ x() }}\n");
    }

    #[test]
    fn reports_bad_arguments() {
        let err = extract("ok\n{{ qr(size=big) }}\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("quotes"));
        assert!(extract("{% n() %} no end").unwrap_err().message.contains("end"));
    }

    #[test]
    fn unclosed_calls_are_errors_at_their_place() {
        let err = extract("第一行\n\n正文 {{ qr(channel=\"hotline\"\n后文\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 4));
        assert!(err.message.contains("never closed"), "{}", err.message);
        let err = extract("a\n{{ qr(channel=\"hotline) }}\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
        let err = extract("a\n  {{ qr(channel=\"x\") | safe }}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.message.contains("right after"), "{}", err.message);
        let err = extract("x\n{% channel(id=\"a\" %}\nbody\n{% end %}").unwrap_err();
        assert_eq!(err.line, 2);
        let err = extract("x\n{% channel() %}\nbody\n").unwrap_err();
        assert!(err.message.contains("{% end %}"), "{}", err.message);
        let err = extract("text\n\n{%end%}\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 1));
        // Braces in prose that are not calls stay text.
        assert!(extract("{{ 名字 }} {% if %} {{x}} {{ a.b }}").is_ok());
    }

    #[test]
    fn block_placeholders_replace_their_paragraph() {
        let html = insert("<p>PLACARDSC0X</p>\n<p>a PLACARDSC1X b</p>", &["<div>x</div>\n".into(), "<b>y</b>".into()]);
        assert_eq!(html, "<div>x</div>\n<p>a <b>y</b> b</p>");
    }
}
