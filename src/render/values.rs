//! The shapes templates see: `page`, `section`, `term`, `paginator`. Each page's value is built once
//! and shared by every listing, so a big site does not serialise the same page thousands of times.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::campaign::Campaign;
use crate::config::Config;
use crate::content::{Library, Page, Section};
use crate::error::Error;
use crate::markdown::Rendered;
use crate::spill::Spill;

/// Precomputed template values for every page and section.
pub struct Shapes {
    /// Each page's stored shape: everything but `content`, `summary`, `toc`, `lower` and `higher`,
    /// which [`Shapes::listed`] and [`Shapes::page`] add when a template needs them.
    pub page_listing: Vec<Listing>,
    /// Rendered bodies, by page and by section index.
    pub page_bodies: Vec<Arc<Rendered>>,
    pub section_bodies: Vec<Arc<Rendered>>,
    /// Each section's own fields ([`section_meta`]), built once: a nav that calls
    /// `get_section(metadata_only=true)` for every section on every page only copies them.
    pub section_meta: Vec<Value>,
    /// Where a big one-shot build keeps the bodies beyond its memory budget.
    pub spill: Option<Arc<Spill>>,
    /// Whether listed pages carry their `content` and `toc`: only when some template might read
    /// them ([`crate::render::templates::reads`]).
    pub listed_bodies: bool,
}

impl Shapes {
    pub fn new(
        library: &Library,
        campaign: &Campaign,
        config: &Config,
        page_bodies: Vec<Arc<Rendered>>,
        section_bodies: Vec<Arc<Rendered>>,
        spill: Option<Arc<Spill>>,
        listed_bodies: bool,
    ) -> Shapes {
        use rayon::prelude::*;
        let page_listing = library.pages.par_iter().enumerate().map(|(i, p)| page_listing(library, campaign, config, p, Some(&page_bodies[i]))).collect();
        let section_meta = library.sections.iter().map(|s| section_meta(library, config, s)).collect();
        Shapes { page_listing, page_bodies, section_bodies, section_meta, spill, listed_bodies }
    }

    /// Fails when a body kept in the spill file could not be read back: something shown since
    /// may lack it, so the build must not be published.
    pub fn check_bodies(&self) -> Result<(), Error> {
        match self.spill.as_ref().and_then(|s| s.failure()) {
            Some(why) => Err(Error::new(format!("a rendered page could not be read back from the build's temporary file: {why}"))
                .with_hint("check the free space and health of the disk the output folder is on, then build again")),
            None => Ok(()),
        }
    }

    /// The full `page` value: its own shape with its body, plus its neighbours.
    pub fn page(&self, library: &Library, index: usize) -> Value {
        let mut value = self.with_body(index);
        let page = &library.pages[index];
        if let Value::Object(map) = &mut value {
            map.insert("lower".into(), page.lower.map(|i| self.listed(i)).unwrap_or(Value::Null));
            map.insert("higher".into(), page.higher.map(|i| self.listed(i)).unwrap_or(Value::Null));
        }
        value
    }

    /// Page `index` as a listing shows it: as Zola gives it, with its body and table of contents
    /// when a template might show them ([`Shapes::listed_bodies`]).
    pub fn listed(&self, index: usize) -> Value {
        if self.listed_bodies {
            self.with_body(index)
        } else {
            self.with_summary(index)
        }
    }

    /// Page `index` with its summary, which is kept with its body rather than in every stored
    /// listing, so that a big site holds it once.
    fn with_summary(&self, index: usize) -> Value {
        let mut value = self.page_listing[index].value();
        if let (Value::Object(map), Some(summary)) = (&mut value, &self.page_bodies[index].summary) {
            map.insert("summary".into(), Value::String(summary.clone()));
        }
        value
    }

    /// Page `index` with its body and table of contents. They are added here, when a template is
    /// about to see them, rather than kept in every stored listing value: a big site then holds
    /// each body once, not once per listing.
    fn with_body(&self, index: usize) -> Value {
        let mut value = self.with_summary(index);
        let body = &self.page_bodies[index];
        if let Value::Object(map) = &mut value {
            map.insert("content".into(), Value::String(body.content.text().into_owned()));
            map.insert("toc".into(), json!(body.toc));
        }
        value
    }

    /// The `section` value, listing `pages` (a paginated section passes only the current pager's pages).
    pub fn section(&self, library: &Library, config: &Config, index: usize, pages: &[usize], with_body: bool) -> Value {
        // The section's own fields are precomputed; the arguments stay for the callers' sake.
        let _ = (library, config);
        let mut value = self.section_meta[index].clone();
        if let Value::Object(map) = &mut value {
            if with_body {
                let body = &self.section_bodies[index];
                map.insert("content".into(), Value::String(body.content.text().into_owned()));
                map.insert("toc".into(), json!(body.toc));
                map.insert("word_count".into(), json!(body.word_count));
                map.insert("reading_time".into(), json!(body.reading_time));
            }
            map.insert("pages".into(), Value::Array(pages.iter().map(|&i| self.listed(i)).collect()));
        }
        value
    }

    /// A term for the list of all terms: its pages in link shape only (`title`, `path`, `permalink`,
    /// `date`), because that list can name every page of the site many times over.
    pub fn term_in_list(&self, library: &Library, config: &Config, term: &crate::content::Term) -> Value {
        let pages: Vec<Value> = term
            .pages
            .iter()
            .map(|&i| {
                let page = &library.pages[i];
                json!({
                    "title": page.meta.title,
                    "path": page.path,
                    "permalink": config.permalink(&page.path),
                    "date": page.date.as_ref().map(|d| &d.text),
                })
            })
            .collect();
        term_value(config, term, pages)
    }

    /// A taxonomy term with the given pages.
    pub fn term(&self, config: &Config, term: &crate::content::Term, pages: &[usize]) -> Value {
        term_value(config, term, pages.iter().map(|&i| self.listed(i)).collect())
    }
}

/// The `term` shape, with `pages` in whichever shape the caller needs.
pub fn term_value(config: &Config, term: &crate::content::Term, pages: Vec<Value>) -> Value {
    let mut value = json!({
        "name": term.name,
        "slug": term.slug,
        "path": term.path,
        "permalink": config.permalink(&term.path),
        "page_count": term.pages.len(),
    });
    // Moved in, not passed to `json!`, which would serialise (copy) every listed page again.
    with_field(&mut value, "pages", Value::Array(pages));
    value
}

fn with_field(value: &mut Value, key: &str, field: Value) {
    if let Value::Object(map) = value {
        map.insert(key.to_string(), field);
    }
}

/// `key: value` pairs as a list with each value made by `json!`.
macro_rules! fields {
    ($($key:literal: $value:expr),* $(,)?) => { vec![$(($key, json!($value))),*] };
}

/// A page's stored listing: its fields, without the map a template sees, which [`Listing::value`]
/// builds when one asks. A `serde_json` map spends a string per key and a tree per page: at
/// 100,000 pages, some 150 MB more than this list.
pub struct Listing(Box<[(&'static str, Value)]>);

impl Listing {
    fn new(mut fields: Vec<(&'static str, Value)>) -> Listing {
        fields.sort_by_key(|(key, _)| *key);
        Listing(fields.into_boxed_slice())
    }

    /// The page's value as templates see it.
    pub fn value(&self) -> Value {
        Value::Object(self.0.iter().map(|(key, value)| (key.to_string(), value.clone())).collect())
    }
}

/// A page as listings show it. `body` is `None` before Markdown is rendered (for shortcodes).
pub fn page_listing(library: &Library, campaign: &Campaign, config: &Config, page: &Page, body: Option<&Rendered>) -> Listing {
    let meta = &page.meta;
    let mut taxonomies = Map::new();
    for (name, terms) in &meta.taxonomies {
        taxonomies.insert(name.clone(), json!(terms));
    }
    let ancestors: Vec<&str> = library.ancestors(Some(page.section)).into_iter().map(|i| library.sections[i].relative.as_str()).collect();
    let (year, month, day) = match &page.date {
        Some(d) => {
            use chrono::Datelike;
            let day = d.day();
            (json!(day.year()), json!(day.month()), json!(day.day()))
        }
        None => (Value::Null, Value::Null, Value::Null),
    };
    Listing::new(fields! {
        "relative_path": page.relative,
        "title": meta.title,
        "description": meta.description,
        "date": page.date.as_ref().map(|d| &d.text),
        "updated": meta.updated.as_ref().map(|d| &d.text),
        "expires": meta.expires.as_ref().map(|d| &d.text),
        "expired": page.expired,
        "year": year,
        "month": month,
        "day": day,
        "slug": page.slug,
        "path": page.path,
        "permalink": config.permalink(&page.path),
        "components": components(&page.path),
        // Set from the body when a template sees the page (`Shapes::listed`).
        "summary": Value::Null,
        "word_count": body.map(|b| b.word_count),
        "reading_time": body.map(|b| b.reading_time),
        "taxonomies": taxonomies,
        "extra": null_to_object(&meta.extra),
        "draft": meta.draft,
        "weight": meta.weight,
        "authors": meta.authors,
        "in_search_index": meta.in_search_index,
        "lang": page.lang,
        "dir": config.dir_of(&page.lang).as_str(),
        "translations": page.translations.iter().map(|&t| {
            let other = &library.pages[t];
            translated(config, &other.lang, &other.path, &other.meta.title, &other.relative)
        }).collect::<Vec<_>>(),
        "assets": assets(&page.path, &page.assets),
        "ancestors": ancestors,
        // A channel's translation page (`hotline.en.md`) shows the channel in its language.
        "channel": campaign.channels.iter().find(|c| std::ptr::eq(&library.pages[c.page], page) || page.translations.first() == Some(&c.page)).and_then(|c| c.in_lang(&page.lang, c.lang == page.lang)),
        "unit": campaign.print.units.iter().find(|u| std::ptr::eq(&library.pages[u.page], page)).map(|u| campaign.print.unit_value(&campaign.channels, &u.id)),
        "print": campaign.print.items.iter().find(|i| std::ptr::eq(&library.pages[i.page], page)).map(|i| json!({
            "kind": i.kind, "id": i.id, "path": i.path, "permalink": config.permalink(&i.path),
            "paper": i.sheet.describe(), "variants": i.variants(),
        })),
        "notice": campaign.print.notices.iter().find(|n| n.page < library.pages.len() && std::ptr::eq(&library.pages[n.page], page)),
    })
}

/// A section's own fields, without its body or pages.
pub fn section_meta(library: &Library, config: &Config, section: &Section) -> Value {
    let meta = &section.meta;
    let ancestors: Vec<&str> = library.ancestors(section.parent).into_iter().map(|i| library.sections[i].relative.as_str()).collect();
    let subsections: Vec<&str> = {
        let mut subs: Vec<&Section> = section.subsections.iter().map(|&i| &library.sections[i]).collect();
        subs.sort_by(|a, b| a.meta.weight.cmp(&b.meta.weight).then(a.relative.cmp(&b.relative)));
        subs.into_iter().map(|s| s.relative.as_str()).collect()
    };
    json!({
        "relative_path": section.relative,
        "title": meta.title,
        "description": meta.description,
        "path": section.path,
        "permalink": config.permalink(&section.path),
        "components": components(&section.path),
        "extra": null_to_object(&meta.extra),
        "weight": meta.weight,
        "paginate_by": meta.paginate_by,
        "transparent": meta.transparent,
        "in_search_index": meta.in_search_index,
        "subsections": subsections,
        "ancestors": ancestors,
        "assets": assets(&section.path, &section.assets),
        "lang": section.lang,
        "dir": config.dir_of(&section.lang).as_str(),
        "translations": section.translations.iter().map(|&t| {
            let other = &library.sections[t];
            translated(config, &other.lang, &other.path, &other.meta.title, &other.relative)
        }).collect::<Vec<_>>(),
        "page_count": section.pages.len(),
        "content": "",
        "toc": [],
        "pages": [],
    })
}

/// One entry of `translations`, in Zola's shape (`path` is the file inside `content/`, as
/// `get_page` takes it), plus its writing direction.
fn translated(config: &Config, lang: &str, path: &str, title: &Option<String>, relative: &str) -> Value {
    json!({ "lang": lang, "permalink": config.permalink(path), "title": title, "path": relative, "dir": config.dir_of(lang).as_str() })
}

fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty()).collect()
}

fn assets(path: &str, files: &[std::path::PathBuf]) -> Vec<String> {
    let mut urls: Vec<String> = files.iter().filter_map(|f| f.file_name()?.to_str().map(|name| format!("{path}{name}"))).collect();
    urls.sort();
    urls
}

fn null_to_object(value: &Value) -> Value {
    if value.is_null() {
        Value::Object(Map::new())
    } else {
        value.clone()
    }
}

/// The `paginator` value of pager `index` (0-based) out of `pagers`.
pub struct Pagination<'a> {
    pub base_path: &'a str,
    pub paginate_path: &'a str,
    pub paginate_by: usize,
    pub total_items: usize,
}

impl Pagination<'_> {
    /// The URL path of pager `n` (1-based): the first pager lives at the base path itself.
    pub fn pager_path(&self, n: usize) -> String {
        if n <= 1 {
            self.base_path.to_string()
        } else {
            format!("{}{}/{n}/", self.base_path, self.paginate_path)
        }
    }

    pub fn value(&self, config: &Config, n: usize, count: usize, pages: Value) -> Value {
        let link = |k: usize| config.permalink(&self.pager_path(k));
        let mut value = json!({
            "paginate_by": self.paginate_by,
            "base_url": config.permalink(&format!("{}{}/", self.base_path, self.paginate_path)),
            "number_pagers": count,
            "first": link(1),
            "last": link(count),
            "previous": if n > 1 { json!(link(n - 1)) } else { Value::Null },
            "next": if n < count { json!(link(n + 1)) } else { Value::Null },
            "current_index": n,
            "total_pages": self.total_items,
        });
        // Moved in: `json!` would serialise (copy) the listed pages, bodies and all.
        with_field(&mut value, "pages", pages);
        value
    }
}
