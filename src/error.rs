//! One error type for the whole pipeline, with a source location and a hint, printed the way rustc
//! prints its diagnostics so that office staff see the file, the line and the fix.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a source file a problem was found. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

/// How serious a diagnostic is: warnings are printed but never stop a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem with the site's input or output, with where it is and how to fix it.
#[derive(Debug, Clone)]
pub struct Error {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub hint: Option<String>,
    /// The error underneath, kept for [`std::error::Error::source`] (an I/O error, say).
    pub cause: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

/// The result type of fallible placard operations that report one problem.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with no source location (for problems with the command line or the file system).
    pub fn new(message: impl Into<String>) -> Self {
        Error { severity: Severity::Error, message: message.into(), location: None, hint: None, cause: None }
    }

    /// An error found at `line:column` of `path`.
    pub fn at(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Error::new(message).located(path, line, column)
    }

    /// An error about a whole file.
    pub fn in_file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::at(path, 0, 0, message)
    }

    /// A warning: printed, but the build goes on.
    pub fn warning(message: impl Into<String>) -> Self {
        Error { severity: Severity::Warning, ..Error::new(message) }
    }

    pub fn located(mut self, path: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        self.location = Some(Location { path: path.into(), line, column });
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// An I/O failure on `path`, worded for people.
    pub fn io(path: &Path, action: &str, err: std::io::Error) -> Self {
        let mut error = Error::new(format!("could not {action} `{}`: {err}", path.display()));
        error.cause = Some(std::sync::Arc::new(err));
        error
    }

    /// Renders the diagnostic like rustc: a headline, the location, the source line with a caret, a hint.
    /// Paths are shown relative to `root` when they are inside it.
    pub fn render(&self, root: &Path) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{label}: {}\n", self.message));
        if let Some(loc) = &self.location {
            let shown = loc.path.strip_prefix(root).unwrap_or(&loc.path);
            if loc.line == 0 {
                out.push_str(&format!("  --> {}\n", shown.display()));
            } else {
                out.push_str(&format!("  --> {}:{}:{}\n", shown.display(), loc.line, loc.column.max(1)));
                if let Some(text) = source_line(&loc.path, loc.line) {
                    let width = loc.line.to_string().len();
                    let pad = " ".repeat(width);
                    // The caret sits under the column; count characters, not bytes, and give wide CJK
                    // characters two cells so the caret lines up in a terminal.
                    let before: String = text.chars().take(loc.column.saturating_sub(1)).collect();
                    let cells: usize = before.chars().map(display_width).sum();
                    out.push_str(&format!("{pad} |\n{} | {}\n{pad} | {}^\n", loc.line, text, " ".repeat(cells)));
                }
            }
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  = help: {hint}\n"));
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            if loc.line > 0 {
                write!(f, "{}:{}:{}: ", loc.path.display(), loc.line, loc.column.max(1))?;
            } else {
                write!(f, "{}: ", loc.path.display())?;
            }
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (help: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

/// Everything that went wrong in one step, in a stable order; a build stops when any is an error.
/// It reads as a slice of [`Error`]s; it grows only through [`Errors::push`] and [`Extend`], so
/// nothing can drop a problem on the way to the report.
#[derive(Debug, Default, Clone)]
pub struct Errors(Vec<Error>);

impl std::ops::Deref for Errors {
    type Target = [Error];

    fn deref(&self) -> &[Error] {
        &self.0
    }
}

impl Errors {
    pub fn push(&mut self, error: Error) {
        self.0.push(error);
    }

    /// How many are errors, not warnings.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|e| !e.is_warning()).count()
    }

    /// Drops a problem reported twice at the same place: two checks can find one cause.
    pub fn dedup(&mut self) {
        self.0.dedup_by(|a, b| a.message == b.message && a.location == b.location);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|e| !e.is_warning())
    }

    /// Sorts by file and line so that reports read top to bottom and are the same on every run.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let key = |e: &Error| e.location.as_ref().map(|l| (l.path.clone(), l.line, l.column));
            key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
        });
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Errors(vec![error])
    }
}

impl From<Vec<Error>> for Errors {
    fn from(errors: Vec<Error>) -> Self {
        Errors(errors)
    }
}

impl Extend<Error> for Errors {
    fn extend<T: IntoIterator<Item = Error>>(&mut self, errors: T) {
        self.0.extend(errors);
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

fn source_line(path: &Path, line: usize) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().nth(line - 1).map(|l| l.trim_end().to_string())
}

/// Terminal cells taken by a character: East Asian wide characters take two, a tab four.
pub(crate) fn display_width(c: char) -> usize {
    if c == '\t' {
        4
    } else {
        unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
    }
}

/// Converts a byte offset in `text` to a 1-based (line, column), counting columns in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The known word closest to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known.iter().map(|k| (strsim::levenshtein(word, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 3)).min().map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "标题 = 1\nab = 中文x";
        assert_eq!(line_col(text, 0), (1, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_col(text, x), (2, 8));
    }

    #[test]
    fn suggests_near_keys_only() {
        assert_eq!(suggest("titel", &["title", "date"]), Some("title"));
        assert_eq!(suggest("zzzzzz", &["title", "date"]), None);
    }
}
