//! Source locations: where each key of a front matter or of config.toml is written, so a later
//! check can point at the line without reading the file again. The text is kept when the file is
//! read; its keys are found by the parser only when an error first asks, because a clean build
//! asks for none and should not parse every front matter twice.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::error::Error;

/// Each key of a front matter, as a dotted path (`poster.size`, `slogans.list.text`), with the
/// 1-based line and column of each place it is written (several for the keys of an array of tables).
#[derive(Debug, Clone, Default)]
pub struct KeyLines {
    /// The front matter (or config) as written.
    text: String,
    yaml: bool,
    /// The file's line that `text` starts on.
    first_line: usize,
    lines: OnceLock<Found>,
}

impl KeyLines {
    /// The keys of TOML front matter `text`, which starts at line `first_line` of its file, from
    /// the spans the TOML parser gives each key. Text that does not parse gives no keys (its error
    /// is reported by the parse proper).
    pub fn of_toml(text: &str, first_line: usize) -> KeyLines {
        KeyLines { text: text.to_string(), yaml: false, first_line, lines: OnceLock::new() }
    }

    /// The keys of YAML front matter `text`, which starts at line `first_line`. The YAML parser
    /// (serde_norway) reports locations only in its errors, so nesting is read from the indentation
    /// of `key:` lines: front matter is plain block YAML in practice.
    pub fn of_yaml(text: &str, first_line: usize) -> KeyLines {
        KeyLines { text: text.to_string(), yaml: true, first_line, lines: OnceLock::new() }
    }

    /// The text the keys are found in, as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn lines(&self) -> &Found {
        self.lines.get_or_init(|| if self.yaml { find_yaml(&self.text, self.first_line) } else { find_toml(&self.text, self.first_line) })
    }
}

/// Each key's dotted path with every (line, column) it is written at.
type Found = BTreeMap<String, Vec<(usize, usize)>>;

fn note(found: &mut Found, path: &str, at: (usize, usize)) {
    found.entry(path.to_string()).or_default().push(at);
}

/// The keys of TOML `text` (see [`KeyLines::of_toml`]).
fn find_toml(text: &str, first_line: usize) -> Found {
    let mut found = Found::new();
    if let Ok(table) = toml::de::DeTable::parse(text) {
        let line_at = |offset: usize| {
            let before = &text[..offset.min(text.len())];
            let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
            (first_line + before.matches('\n').count(), before[line_start..].chars().count() + 1)
        };
        walk_toml(&mut found, "", table.get_ref(), &line_at);
    }
    found
}

fn walk_toml(found: &mut Found, prefix: &str, table: &toml::de::DeTable, line_at: &dyn Fn(usize) -> (usize, usize)) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.get_ref().to_string() } else { format!("{prefix}.{}", key.get_ref()) };
        note(found, &path, line_at(key.span().start));
        walk_toml_value(found, &path, value.get_ref(), line_at);
    }
}

fn walk_toml_value(found: &mut Found, path: &str, value: &toml::de::DeValue, line_at: &dyn Fn(usize) -> (usize, usize)) {
    match value {
        toml::de::DeValue::Table(table) => walk_toml(found, path, table, line_at),
        // Arrays of tables (`[[slogans.list]]`, `list = [{ text = "…" }]`) share one path.
        toml::de::DeValue::Array(items) => items.iter().for_each(|item| walk_toml_value(found, path, item.get_ref(), line_at)),
        _ => {}
    }
}

/// The keys of YAML `text` (see [`KeyLines::of_yaml`]).
fn find_yaml(text: &str, first_line: usize) -> Found {
    let mut found = Found::new();
    // (indentation, key) of the enclosing mappings.
    let mut open: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let item = trimmed.strip_prefix("- ").map(str::trim_start);
        let indent = line.len() - trimmed.len() + if item.is_some() { 2 } else { 0 };
        let entry = item.unwrap_or(trimmed);
        let Some((key, _)) = entry.split_once(':') else { continue };
        let key = key.trim().trim_matches(['"', '\'']);
        if key.is_empty() || key.contains(' ') && !entry.starts_with(['"', '\'']) {
            continue;
        }
        while open.last().is_some_and(|(i, _)| *i >= indent) {
            open.pop();
        }
        let path = open.iter().map(|(_, k)| k.as_str()).chain([key]).collect::<Vec<_>>().join(".");
        note(&mut found, &path, (first_line + n, indent + 1));
        open.push((indent, key.to_string()));
    }
    found
}

impl KeyLines {
    /// Every (line, column) where `key` is written, in file order: `key` is a dotted path
    /// (`poster.size`), or a bare key name, which stands for every key of that name anywhere.
    fn positions(&self, key: &str) -> Vec<(usize, usize)> {
        if let Some(lines) = self.lines().get(key) {
            return lines.clone();
        }
        let mut lines: Vec<(usize, usize)> =
            self.lines().iter().filter(|(path, _)| path.rsplit('.').next() == Some(key)).flat_map(|(_, l)| l.iter().copied()).collect();
        lines.sort_unstable();
        lines
    }

    /// The first (line, column) of `key` (see [`KeyLines::positions`]).
    pub fn position(&self, key: &str) -> Option<(usize, usize)> {
        self.positions(key).first().copied()
    }

    /// The first line of `key` (see [`KeyLines::positions`]).
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.position(key).map(|(line, _)| line)
    }

    /// Points `error` (already naming its file) at the line of `key`, when the key is written.
    pub fn locate(&self, error: Error, key: &str) -> Error {
        self.locate_nth(error, key, 0)
    }

    /// Points `error` at the `n`th (from 0) line that writes `key`: the key of the `n`th table
    /// in an array of tables, such as one slogan of a list.
    pub fn locate_nth(&self, error: Error, key: &str, n: usize) -> Error {
        match (self.positions(key).get(n), &error.location) {
            (Some(&(line, _)), Some(location)) => {
                let path = location.path.clone();
                error.located(path, line, 1)
            }
            _ => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_keys_carry_their_lines_from_the_parser() {
        let text = "title = \"x\"\n\n[poster]\nsize = \"A3\"\n[[slogans.list]]\ntext = \"a\"\n[[slogans.list]]\ntext = \"b\"\n[extra]\nsize = 1\n";
        let keys = KeyLines::of_toml(text, 2);
        assert_eq!(keys.line_of("title"), Some(2));
        assert_eq!(keys.line_of("poster.size"), Some(5));
        assert_eq!(keys.line_of("extra.size"), Some(11));
        assert_eq!(keys.line_of("size"), Some(5), "a bare key is its first occurrence");
        assert_eq!(keys.line_of("slogans.list.text"), Some(7));
        assert_eq!(keys.positions("text"), [(7, 1), (9, 1)]);
        let inline = KeyLines::of_toml("channel = { kind = \"phone\", value = \"110\" }\n", 2);
        assert_eq!(inline.position("channel.value"), Some((2, 29)));
        assert_eq!(KeyLines::of_toml("[channel]\n  value = 1\n", 5).position("channel.value"), Some((6, 3)));
        assert_eq!(keys.line_of("missing"), None);
        assert_eq!(KeyLines::of_toml("title = ", 2).line_of("title"), None);
    }

    #[test]
    fn yaml_keys_follow_the_indentation() {
        let text = "title: x\nposter:\n  size: A3\n  channels:\n    - hotline\nlist:\n  - text: a\n    from: 2026-01-01\nextra:\n  size: 1\n";
        let keys = KeyLines::of_yaml(text, 2);
        assert_eq!(keys.line_of("title"), Some(2));
        assert_eq!(keys.position("poster.size"), Some((4, 3)));
        assert_eq!(keys.line_of("poster.channels"), Some(5));
        assert_eq!(keys.line_of("list.text"), Some(8));
        assert_eq!(keys.line_of("list.from"), Some(9));
        assert_eq!(keys.line_of("extra.size"), Some(11));
    }

    #[test]
    fn locate_moves_an_error_to_the_key() {
        let keys = KeyLines::of_toml("a = 1\nb = 2\n", 2);
        let error = keys.locate(Error::in_file("x.md", "bad"), "b");
        assert_eq!(error.location.map(|l| l.line), Some(3));
    }
}
