//! Turns TOML and YAML parse errors into located, plainly worded [`Error`]s.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{line_col, suggest, Error};

/// Parses TOML `text` found at `first_line` of `path` (front matter starts below line 1).
pub fn from_toml<T: DeserializeOwned>(text: &str, path: &Path, first_line: usize) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        with_hints(e.message().trim(), path, first_line + line - 1, column)
    })
}

/// Parses YAML `text` found at `first_line` of `path`.
pub fn from_yaml<T: DeserializeOwned>(text: &str, path: &Path, first_line: usize) -> Result<T, Error> {
    serde_norway::from_str(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        // serde_norway appends " at line X column Y" to its message; the location is shown separately.
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        with_hints(&message, path, first_line + line - 1, column)
    })
}

/// Rewords serde's messages and adds a "did you mean" hint for unknown keys and choices.
fn with_hints(message: &str, path: &Path, line: usize, column: usize) -> Error {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field") {
        if let Some((unknown, expected)) = quoted.split_first() {
            let error = Error::at(path, line, column, format!("unknown key `{unknown}`"));
            return match suggest(unknown, expected) {
                Some(near) => error.with_hint(format!("did you mean `{near}`?")),
                None => error.with_hint(format!("the keys allowed here are: {}", expected.join(", "))),
            };
        }
    }
    if message.starts_with("unknown variant") {
        if let Some((unknown, expected)) = quoted.split_first() {
            let error = Error::at(path, line, column, format!("`{unknown}` is not one of the choices here"));
            return match suggest(unknown, expected) {
                Some(near) => error.with_hint(format!("did you mean `{near}`? The choices are: {}", expected.join(", "))),
                None => error.with_hint(format!("the choices are: {}", expected.join(", "))),
            };
        }
    }
    if message.starts_with("missing field") {
        if let Some(field) = quoted.first() {
            return Error::at(path, line, column, format!("the required key `{field}` is missing")).with_hint(format!("add a line such as `{field} = ...`"));
        }
    }
    let mut error = Error::at(path, line, column, message.to_string());
    if message.contains("invalid type") || message.contains("expected") {
        error = error.with_hint("check the value's type: text needs \"quotes\", lists need [brackets], dates are written 2024-03-01");
    }
    error
}
