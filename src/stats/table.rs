//! Reading the CSV files that cadres fill in, checked like content: every problem is an error that names
//! the file, the line, the column and the fix, and all of them are reported at once.

use std::path::{Path, PathBuf};

use crate::error::{Error, Errors};

pub use crate::print::formats::Column;

/// One data row: its fields in the order of the form's columns (absent optional columns are empty).
pub struct Row {
    pub line: usize,
    fields: Vec<String>,
    /// The character column where each form column's field starts on the line (1 when unknown).
    starts: Vec<usize>,
}

/// A checked CSV file.
pub struct Table {
    pub path: PathBuf,
    pub rows: Vec<Row>,
}

impl Row {
    /// The field of form column `index`, trimmed.
    pub fn get(&self, index: usize) -> &str {
        self.fields[index].trim()
    }

    /// An error about form column `index` of this row.
    pub fn error(&self, table: &Table, columns: &[Column], index: usize, message: impl std::fmt::Display) -> Error {
        Error::at(&table.path, self.line, self.starts[index], format!("column `{}`: {message}", columns[index].name))
    }
}

/// Reads `path` as a form with `columns`. Blank rows (all fields empty, as spreadsheets write them) are
/// skipped. Returns `None` when the header is unusable, after reporting why.
pub fn read(path: &Path, columns: &[Column], errors: &mut Errors) -> Option<Table> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            errors.push(Error::io(path, "read", e));
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        errors.push(
            Error::in_file(path, "this file is not UTF-8 text")
                .with_hint("in Excel or WPS choose 另存为 → \"CSV UTF-8（逗号分隔）\"; a plain \"CSV\" is saved as GBK"),
        );
        return None;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines: Vec<&str> = text.lines().collect();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            errors.push(Error::at(path, 1, 1, format!("the header line cannot be read: {e}")));
            return None;
        }
        None => {
            errors.push(Error::in_file(path, "this file is empty").with_hint(format!("the first line names the columns: {}", names(columns))));
            return None;
        }
    };
    let header_starts = field_starts(lines.first().copied().unwrap_or_default());
    // Which form column each file column is.
    let mut map: Vec<Option<usize>> = Vec::new();
    let mut bad_header = false;
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        let column = header_starts.get(i).copied().unwrap_or(1);
        if name.is_empty() {
            map.push(None);
            continue;
        }
        let found = columns.iter().position(|c| c.name.eq_ignore_ascii_case(name) || c.aliases.contains(&name));
        match found {
            Some(index) if map.contains(&Some(index)) => {
                errors.push(Error::at(path, 1, column, format!("the column `{}` appears twice", columns[index].name)).with_hint("keep one of them"));
                bad_header = true;
            }
            Some(index) => map.push(Some(index)),
            None => {
                let known: Vec<&str> = columns.iter().map(|c| c.name).collect();
                let hint = match crate::error::suggest(name, &known) {
                    Some(near) => format!("did you mean `{near}`? the columns are: {}", names(columns)),
                    None => format!("the columns are: {}", names(columns)),
                };
                errors.push(Error::at(path, 1, column, format!("`{name}` is not a column of this form")).with_hint(hint));
                bad_header = true;
            }
        }
    }
    for (index, column) in columns.iter().enumerate() {
        if column.required && !map.contains(&Some(index)) {
            errors.push(
                Error::at(path, 1, 1, format!("the column `{}` is missing", column.name))
                    .with_hint(format!("the first line names the columns: {}", names(columns))),
            );
            bad_header = true;
        }
    }
    if bad_header {
        return None;
    }
    let mut table = Table { path: path.to_path_buf(), rows: Vec::new() };
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(Error::at(path, line, 1, format!("this row cannot be read: {e}")).with_hint("check the quotes on this line"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let starts = lines.get(line.wrapping_sub(1)).map(|l| field_starts(l)).unwrap_or_default();
        if record.len() > header.len() && record.iter().skip(header.len()).any(|f| !f.trim().is_empty()) {
            let column = starts.get(header.len()).copied().unwrap_or(1);
            errors.push(
                Error::at(path, line, column, format!("this row has {} fields but the header names {} columns", record.len(), header.len()))
                    .with_hint("a comma inside a value needs the value in double quotes, like \"3组,4组\""),
            );
            continue;
        }
        let mut row = Row { line, fields: vec![String::new(); columns.len()], starts: vec![1; columns.len()] };
        for (i, value) in record.iter().enumerate() {
            if let Some(Some(index)) = map.get(i) {
                row.fields[*index] = value.to_string();
                row.starts[*index] = starts.get(i).copied().unwrap_or(1);
            }
        }
        // A short row (fields missing at the end) points at its end, where the missing fields belong.
        for index in map.iter().skip(record.len()).flatten() {
            row.starts[*index] = lines.get(line.wrapping_sub(1)).map(|l| l.chars().count() + 1).unwrap_or(1);
        }
        table.rows.push(row);
    }
    Some(table)
}

fn names(columns: &[Column]) -> String {
    columns.iter().map(|c| if c.required { c.name.to_string() } else { format!("{} (optional)", c.name) }).collect::<Vec<_>>().join(", ")
}

/// The 1-based character column where each field of a CSV line starts, honouring double quotes.
fn field_starts(line: &str) -> Vec<usize> {
    let mut starts = vec![1];
    let mut quoted = false;
    for (i, c) in line.chars().enumerate() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => starts.push(i + 2),
            _ => {}
        }
    }
    starts
}

/// A date as cadres write it: `2026-03-05`, `2026/3/5`, `2026.3.5` or `2026年3月5日`, as `2026-03-05`.
pub fn parse_date(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('日');
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let ok = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_digit());
    if y.len() != 4 || !ok(y, 4) || !ok(m, 2) || !ok(d, 2) {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// A whole number as cadres write it, `12`; `None` for anything else.
pub fn parse_count(text: &str) -> Option<u32> {
    let text = text.trim();
    (!text.is_empty() && text.len() <= 7 && text.chars().all(|c| c.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_ways_spreadsheets_write_them() {
        assert_eq!(parse_date("2026-03-05").as_deref(), Some("2026-03-05"));
        assert_eq!(parse_date("2026/3/5").as_deref(), Some("2026-03-05"));
        assert_eq!(parse_date("2026年3月5日").as_deref(), Some("2026-03-05"));
        for bad in ["3/5", "2026-02-30", "26-3-5", "2026-3", "", "三月五日"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_are_plain_digits() {
        assert_eq!(parse_count(" 12 "), Some(12));
        for bad in ["-1", "1.5", "十二", "", "12份"] {
            assert_eq!(parse_count(bad), None, "{bad}");
        }
    }

    #[test]
    fn field_starts_count_characters_and_skip_quoted_commas() {
        assert_eq!(field_starts("a,\"b,c\",三组,d"), vec![1, 3, 9, 12]);
    }
}
