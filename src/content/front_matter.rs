//! Front matter: splitting it from the body, and the keys pages and sections accept (Zola's, plus
//! placard's `expires`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::Error;
use crate::serde_errors::{from_toml, from_yaml};

/// A Markdown file cut into its front matter and body.
#[derive(Debug)]
pub struct Split<'a> {
    pub front_matter: &'a str,
    /// 1-based line of the first front-matter line (the line after the opening fence).
    pub front_matter_line: usize,
    pub is_yaml: bool,
    pub body: &'a str,
    /// 1-based line where the body starts, so Markdown errors can point into the file.
    pub body_line: usize,
}

/// Splits `source` at its `+++` (TOML) or `---` (YAML) fences. A file with no front matter is all body.
pub fn split<'a>(source: &'a str, path: &Path) -> Result<Split<'a>, Error> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let first_line = source.lines().next().unwrap_or("").trim_end();
    let fence = match first_line {
        "+++" => "+++",
        "---" => "---",
        _ => {
            if first_line.starts_with("++") || first_line.starts_with("+++") {
                return Err(Error::at(path, 1, 1, format!("`{first_line}` does not open front matter"))
                    .with_hint("front matter starts with a line holding exactly +++ (TOML) or --- (YAML)"));
            }
            return Ok(Split { front_matter: "", front_matter_line: 1, is_yaml: false, body: source, body_line: 1 });
        }
    };
    let start = source.find('\n').map(|i| i + 1).unwrap_or(source.len());
    let mut offset = start;
    for (line, raw) in (2..).zip(source[start..].split_inclusive('\n')) {
        if raw.trim_end() == fence {
            return Ok(Split {
                front_matter: &source[start..offset],
                front_matter_line: 2,
                is_yaml: fence == "---",
                body: &source[offset + raw.len()..],
                body_line: line + 1,
            });
        }
        offset += raw.len();
    }
    Err(Error::at(path, 1, 1, format!("the front matter opened with `{fence}` on line 1 is never closed"))
        .with_hint(format!("add a line holding only {fence} after the last front-matter line")))
}

/// Parses the front matter of `split` into `T`, with errors located in the original file.
pub fn parse<T: for<'de> Deserialize<'de>>(split: &Split, path: &Path) -> Result<T, Error> {
    if split.front_matter.trim().is_empty() {
        // An empty YAML document is `null`, not an empty map; both mean "no keys", which TOML says best.
        return from_toml("", path, 1);
    }
    if split.is_yaml {
        from_yaml(split.front_matter, path, split.front_matter_line)
    } else {
        from_toml(split.front_matter, path, split.front_matter_line)
    }
}

/// A date or date-time from front matter or a file name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// For ordering; a time zone offset, when given, is kept in `text` only.
    pub datetime: NaiveDateTime,
    /// As templates see it: `2024-03-01`, or RFC 3339 when a time was given.
    pub text: String,
}

/// The one date order of listings, term pages, feeds and the search index: newest first, undated
/// last. Callers break ties themselves (by file, or by URL path).
pub fn newest_first(a: Option<&Date>, b: Option<&Date>) -> std::cmp::Ordering {
    a.is_none().cmp(&b.is_none()).then_with(|| b.cmp(&a))
}

impl Date {
    /// Parses `2024-03-01`, `2024-03-01T08:00:00`, `2024-03-01 08:00:00` or RFC 3339.
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Date { datetime: day.and_hms_opt(0, 0, 0)?, text: day.format("%Y-%m-%d").to_string() });
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Some(Date { datetime: dt.naive_local(), text: dt.to_rfc3339() });
        }
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
                return Some(Date { datetime: dt, text: dt.format("%Y-%m-%dT%H:%M:%S").to_string() });
            }
        }
        None
    }

    pub fn day(&self) -> NaiveDate {
        self.datetime.date()
    }

    /// RFC 3339 for feeds; a date without a time zone is taken as UTC midnight.
    pub fn rfc3339(&self) -> String {
        match DateTime::parse_from_rfc3339(&self.text) {
            Ok(dt) => dt.to_rfc3339(),
            Err(_) => format!("{}Z", self.datetime.format("%Y-%m-%dT%H:%M:%S")),
        }
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2024-03-01")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).ok_or_else(|| E::custom(format!("`{v}` is not a date; write dates as 2024-03-01")))
            }
            // TOML hands its native dates over as a one-entry map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                let (_, value): (IgnoredAny, String) = map.next_entry()?.ok_or_else(|| de::Error::custom("empty date"))?;
                self.visit_str(&value)
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

fn yes() -> bool {
    true
}

/// The keys a page's front matter may hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    /// placard: after this day the page is shown as expired and left out of listings and feeds.
    pub expires: Option<Date>,
    pub weight: Option<i64>,
    #[serde(default)]
    pub draft: bool,
    pub slug: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    pub template: Option<String>,
    #[serde(default = "yes")]
    pub in_search_index: bool,
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub extra: Value,
    // The campaign tables are boxed: most pages have none, and inline they made every page of a
    // 100,000-page site 2.5 KB bigger.
    /// placard: this page is a reporting channel (in the channels section).
    pub channel: Option<Box<super::campaign_tables::ChannelFrontMatter>>,
    /// placard: this page is a unit (village, community…) that print items make variants for.
    pub unit: Option<Box<super::campaign_tables::UnitFrontMatter>>,
    /// placard: this page is a poster.
    pub poster: Option<Box<super::campaign_tables::PosterFrontMatter>>,
    /// placard: this page is a letter to residents.
    pub letter: Option<Box<super::campaign_tables::LetterFrontMatter>>,
    /// placard: this page is a print item of another kind (card, sticker, handout…).
    pub print: Option<Box<super::campaign_tables::ItemFrontMatter>>,
    /// placard: this page is a notice (通告) with a validity period, printed while in force.
    pub notice: Option<Box<super::campaign_tables::NoticeFrontMatter>>,
    /// placard: this page is a list of slogans (banners, LED screens).
    pub slogans: Option<Box<super::campaign_tables::SlogansFrontMatter>>,
    /// `false`: the page is not published at all (no file, listing, feed or sitemap entry).
    #[serde(default = "yes")]
    pub render: bool,
    #[allow(dead_code)] // accepted so that Zola sites build
    #[serde(default)]
    lang: Option<IgnoredAny>,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first.
    Date,
    /// Most recently updated first (`updated`, else `date`), as Zola's `update_date`.
    #[serde(rename = "update_date")]
    UpdateDate,
    /// Lightest first.
    Weight,
    #[serde(alias = "title_bytes")]
    Title,
    Slug,
    /// By file path.
    #[default]
    None,
}

/// The keys a section's `_index.md` front matter may hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub sort_by: SortBy,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub draft: bool,
    pub template: Option<String>,
    pub page_template: Option<String>,
    pub paginate_by: Option<usize>,
    #[serde(default = "default_paginate_path")]
    pub paginate_path: String,
    #[serde(default)]
    pub paginate_reversed: bool,
    #[serde(default)]
    pub transparent: bool,
    #[serde(default = "yes")]
    pub in_search_index: bool,
    #[serde(default = "yes")]
    pub render: bool,
    pub redirect_to: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Zola: this section gets its own feed (`<section>/atom.xml`). Off unless asked for.
    #[serde(default)]
    pub generate_feeds: bool,
    #[serde(default)]
    pub extra: Value,
    #[allow(dead_code)] // accepted so that Zola sites build
    #[serde(default)]
    insert_anchor_links: Option<IgnoredAny>,
    #[allow(dead_code)] // accepted so that Zola sites build
    #[serde(default)]
    lang: Option<IgnoredAny>,
}

fn default_paginate_path() -> String {
    "page".into()
}

impl Default for SectionFrontMatter {
    fn default() -> Self {
        from_toml("", Path::new(""), 1).expect("an empty table is a valid section front matter")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_toml_and_yaml_and_counts_lines() {
        let path = Path::new("a.md");
        let s = split("+++\ntitle = \"x\"\n+++\nbody\n", path).unwrap();
        assert_eq!((s.front_matter, s.body, s.body_line, s.is_yaml), ("title = \"x\"\n", "body\n", 4, false));
        let s = split("---\r\ntitle: x\r\n---\r\nbody", path).unwrap();
        assert!(s.is_yaml);
        assert_eq!(s.body, "body");
        assert!(split("+++\ntitle = 1\n", path).unwrap_err().message.contains("never closed"));
    }

    #[test]
    fn dates_from_toml_and_yaml_agree() {
        let s = split("+++\ndate = 2024-03-01\n+++\n", Path::new("a.md")).unwrap();
        let toml: PageFrontMatter = parse(&s, Path::new("a.md")).unwrap();
        let s = split("---\ndate: 2024-03-01\n---\n", Path::new("a.md")).unwrap();
        let yaml: PageFrontMatter = parse(&s, Path::new("a.md")).unwrap();
        assert_eq!(toml.date.unwrap().text, "2024-03-01");
        assert_eq!(yaml.date.unwrap().text, "2024-03-01");
    }

    #[test]
    fn every_zola_sort_order_is_understood() {
        for (name, expected) in [
            ("date", SortBy::Date),
            ("update_date", SortBy::UpdateDate),
            ("weight", SortBy::Weight),
            ("title", SortBy::Title),
            ("title_bytes", SortBy::Title),
            ("slug", SortBy::Slug),
            ("none", SortBy::None),
        ] {
            let text = format!("sort_by = \"{name}\"\n");
            let meta: SectionFrontMatter = from_toml(&text, Path::new("_index.md"), 1).unwrap();
            assert_eq!(meta.sort_by, expected, "{name}");
        }
    }

    #[test]
    fn bad_date_is_located() {
        let s = split("+++\ntitle = \"x\"\ndate = \"2024-13-01\"\n+++\n", Path::new("a.md")).unwrap();
        let err = parse::<PageFrontMatter>(&s, Path::new("a.md")).unwrap_err();
        assert_eq!(err.location.unwrap().line, 3);
        assert!(err.message.contains("not a date"), "{}", err.message);
    }
}
