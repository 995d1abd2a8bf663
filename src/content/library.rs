//! The [`Library`]: every page and section of the site, loaded once, validated, with URLs worked out
//! and listings sorted. It is plain data: nothing here renders or touches the disk after loading.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use walkdir::WalkDir;

use super::front_matter::newest_first;
use super::front_matter::{self, Date, PageFrontMatter, SectionFrontMatter, SortBy};
use super::taxonomies::{self, Taxonomy};
use super::{clean_url_path, slug_with};
use crate::config::Config;
use crate::config::SlugMode;
use crate::error::{Error, Errors};
use crate::locations::KeyLines;

/// What loading needs besides the config.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub drafts: bool,
    /// The day against which `expires` is compared.
    pub today: NaiveDate,
}

/// A Markdown page: `news/first.md` or the bundle `news/first/index.md`.
#[derive(Debug)]
pub struct Page {
    /// The file on disk.
    pub file: PathBuf,
    /// The path inside `content/`, with `/` separators, as `@/` links and `get_page` name it.
    pub relative: String,
    pub meta: PageFrontMatter,
    /// The front matter as written, with the line of each of its keys for errors found after
    /// loading; `serve` compares its text to tell an edit of the body alone.
    pub keys: KeyLines,
    /// The Markdown below the front matter.
    pub body: Source,
    /// The line of the file where `body` starts.
    pub body_line: usize,
    pub slug: String,
    /// The URL path, like `/news/first/`.
    pub path: String,
    /// The date from front matter, else from a `2024-03-01-name.md` file name.
    pub date: Option<Date>,
    pub expired: bool,
    /// Whether the page goes on the website. Posters and letters are print sources: they feed the
    /// print tree, and their web pages, listings and assets stay out of the website output.
    pub published: bool,
    /// The section whose folder holds this page (or the nearest one above, for a page in a folder
    /// without `_index.md`).
    pub section: usize,
    /// In a folder without `_index.md`: as in Zola, no section lists the page, though it is published.
    pub orphan: bool,
    /// Files of a page bundle, copied next to the page.
    pub assets: Vec<PathBuf>,
    /// The neighbours in the section's listing.
    pub lower: Option<usize>,
    pub higher: Option<usize>,
    /// The language code: the site's default, or the code in the file name (`page.en.md`).
    pub lang: String,
    /// `relative` without the language code (`news/a.en.md` → `news/a.md`): what the
    /// translations of one page share.
    pub canonical: String,
    /// The pages that hold this content in each language, this one included: the default
    /// language first, then the others in the order of their codes.
    pub translations: Vec<usize>,
}

impl Page {
    /// Posters and letters: their text is printed, not published as a web page.
    pub fn is_print_source(&self) -> bool {
        self.meta.poster.is_some() || self.meta.letter.is_some() || self.meta.print.is_some() || self.meta.slogans.is_some()
    }
}

/// A page's Markdown source. A one-shot build lets go of it once every body is rendered
/// ([`Source::release`]): nothing reads it after that, and a 100,000-page site would otherwise hold
/// some 450 MB of Markdown to the end. Shared reads, so it sits behind a lock, not `&mut`.
#[derive(Debug, Default)]
pub struct Source(std::sync::Mutex<Option<Arc<str>>>);

impl Source {
    pub fn new(text: &str) -> Source {
        Source(std::sync::Mutex::new(Some(Arc::from(text))))
    }

    /// The Markdown. Empty after [`Source::release`], which only a build that is past its Markdown
    /// phase calls.
    pub fn text(&self) -> Arc<str> {
        let text = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        debug_assert!(text.is_some(), "a page's Markdown was read after it was released");
        text.unwrap_or_else(|| Arc::from(""))
    }

    /// Frees the Markdown.
    pub fn release(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A section: a folder with an `_index.md`.
#[derive(Debug)]
pub struct Section {
    pub file: PathBuf,
    pub relative: String,
    pub meta: SectionFrontMatter,
    /// The line of each front-matter key, for errors found after loading.
    pub keys: KeyLines,
    pub body: String,
    pub body_line: usize,
    pub path: String,
    /// Listed pages (drafts and expired pages left out), sorted by the section's `sort_by`;
    /// includes the pages of transparent subsections.
    pub pages: Vec<usize>,
    pub subsections: Vec<usize>,
    pub parent: Option<usize>,
    /// Non-Markdown files beside `_index.md`, copied next to the section page.
    pub assets: Vec<PathBuf>,
    /// The language code: the site's default, or the code in the file name (`_index.en.md`).
    pub lang: String,
    /// `relative` without the language code (`news/_index.en.md` → `news/_index.md`).
    pub canonical: String,
    /// The sections that are this section in each language, this one included, the default first.
    pub translations: Vec<usize>,
}

/// The whole site's content.
#[derive(Debug, Default)]
pub struct Library {
    pub pages: Vec<Page>,
    pub sections: Vec<Section>,
    pub taxonomies: Vec<Taxonomy>,
    by_relative: HashMap<String, Item>,
    /// (canonical path, language) → the page or section.
    by_canonical: HashMap<(String, String), Item>,
}

/// A page or a section, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Page(usize),
    Section(usize),
}

impl Library {
    /// Loads `content/` under `root`, collecting every problem instead of stopping at the first.
    pub fn load(root: &Path, config: &Config, options: &LoadOptions) -> Result<(Library, Errors), Errors> {
        let (library, errors) = Library::load_partial(root, config, options)?;
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok((library, errors))
        }
    }

    /// Loads what can be loaded, returning the problems beside it: `placard check` uses this to go
    /// on looking for more problems after the first ones. Files that failed to parse are left out.
    pub fn load_partial(root: &Path, config: &Config, options: &LoadOptions) -> Result<(Library, Errors), Errors> {
        let content = root.join("content");
        let mut errors = Errors::default();
        let found = discover(&content, config, &mut errors)?;

        // Reading and parsing is the only I/O-heavy part of loading, so it runs in parallel.
        let parsed: Vec<Result<Parsed, Error>> = found.markdown.par_iter().map(|f| parse_file(&content, f, config)).collect();
        let mut sections = Vec::new();
        let mut pages = Vec::new();
        for result in parsed {
            match result {
                Ok(Parsed::Section(s)) => sections.push(*s),
                Ok(Parsed::Page(p)) => pages.push(*p),
                Err(e) => errors.push(e),
            }
        }
        for lang in config.language_codes() {
            if !sections.iter().any(|s: &Section| s.canonical == "_index.md" && s.lang == lang) {
                // Zola builds a home page even without content/_index.md, and one for each language.
                let relative = if lang == config.default_language { "_index.md".to_string() } else { format!("_index.{lang}.md") };
                sections.push(Section {
                    file: content.join(&relative),
                    relative,
                    meta: SectionFrontMatter::default(),
                    keys: KeyLines::default(),
                    body: String::new(),
                    body_line: 1,
                    path: format!("{}/", config.lang_prefix(lang)),
                    pages: vec![],
                    subsections: vec![],
                    parent: None,
                    assets: vec![],
                    lang: lang.to_string(),
                    canonical: "_index.md".into(),
                    translations: vec![],
                });
            }
        }
        // The default language's items come first (so the home page is section 0), then each
        // other language's, each by path.
        let order = |lang: &str| (lang != config.default_language, lang.to_string());
        sections.sort_by(|a, b| order(&a.lang).cmp(&order(&b.lang)).then_with(|| a.relative.cmp(&b.relative)));

        // Drafts are dropped, and so is everything inside a draft section of the same language.
        let mut unpublished: Vec<String> = Vec::new();
        if !options.drafts {
            let draft_dirs: Vec<(String, String)> = sections.iter().filter(|s| s.meta.draft).map(|s| (section_dir(&s.canonical), s.lang.clone())).collect();
            let in_draft = |canonical: &str, lang: &str| draft_dirs.iter().any(|(d, l)| l == lang && canonical.starts_with(d.as_str()));
            sections.retain(|s| !s.meta.draft && !in_draft(&s.canonical, &s.lang) || s.canonical == "_index.md");
            // The folders of draft bundles and sections: their files must not be published either.
            unpublished = draft_dirs.iter().map(|(d, _)| d.clone()).collect();
            unpublished.extend(pages.iter().filter(|p| p.meta.draft && is_bundle_file(&p.canonical)).map(|p| page_dir(&p.canonical)));
            pages.retain(|p| !p.meta.draft && !in_draft(&p.canonical, &p.lang));
        }
        // A page with `render = false` gets no file, no place in listings, feeds or the sitemap, and
        // its bundle's files stay unpublished with it: as in Zola, nothing of it is published.
        let mut not_rendered: Vec<String> = pages.iter().filter(|p| !p.meta.render && is_bundle_file(&p.canonical)).map(|p| page_dir(&p.canonical)).collect();
        unpublished.extend(not_rendered.iter().cloned());
        pages.retain(|p| p.meta.render);
        // A folder whose bundle or section is still published in another language keeps its files.
        let kept = |dir: &String| {
            pages.iter().any(|p| is_bundle_file(&p.canonical) && page_dir(&p.canonical) == *dir)
                || sections.iter().any(|s| s.canonical != "_index.md" && section_dir(&s.canonical) == *dir)
        };
        unpublished.retain(|d| !kept(d));
        not_rendered.retain(|d| !kept(d));
        pages.sort_by(|a, b| order(&a.lang).cmp(&order(&b.lang)).then_with(|| a.relative.cmp(&b.relative)));

        let mut library = Library { pages, sections, taxonomies: vec![], by_relative: HashMap::new(), by_canonical: HashMap::new() };
        library.attach_assets(found.assets, &unpublished, &not_rendered, &mut errors);
        library.link_sections(config);
        // A translation of a poster or letter (`poster.en.md`) is printed with it, never published alone.
        let printed: std::collections::HashSet<String> = library.pages.iter().filter(|p| p.is_print_source()).map(|p| p.canonical.clone()).collect();
        for page in &mut library.pages {
            page.expired = page.meta.expires.as_ref().is_some_and(|d| d.day() < options.today);
            page.published = !page.is_print_source() && !printed.contains(&page.canonical);
        }
        // Listings of sections (menus, the search page) leave out the print sources' sections too.
        let published: Vec<bool> = (0..library.sections.len()).map(|s| library.section_published(s)).collect();
        for section in &mut library.sections {
            section.subsections.retain(|&s| published[s]);
        }
        library.index(config);
        library.sort_listings();
        library.taxonomies = taxonomies::collect(&library, config, &mut errors);
        errors.sort();
        Ok((library, errors))
    }

    /// The page or section at `relative` (a path inside `content/`, like `news/first.md`).
    pub fn get(&self, relative: &str) -> Option<Item> {
        let relative = relative.trim_start_matches("@/").trim_start_matches('/');
        self.by_relative.get(relative).copied()
    }

    /// Whether section `s` goes on the website: not when every page in it is a print source (its
    /// `_index.md` then holds instructions for staff, not for residents).
    pub fn section_published(&self, s: usize) -> bool {
        let mut pages = self.pages.iter().filter(|p| p.section == s).peekable();
        pages.peek().is_none() || pages.any(|p| p.published)
    }

    /// The ids written in the `[table]` (`unit`, `channel`, …) of pages that could not be loaded
    /// because of one of `errors` (the id in the table, else the one the file name gives). Those
    /// pages were reported already, so whatever names them stays quiet: one error per cause.
    pub fn unloaded_ids(&self, errors: &Errors, table: &str) -> std::collections::BTreeSet<String> {
        let loaded: std::collections::BTreeSet<&Path> = self.pages.iter().map(|p| p.file.as_path()).collect();
        let (toml, yaml) = (format!("[{table}]"), format!("{table}:"));
        let mut ids = std::collections::BTreeSet::new();
        for error in errors.iter().filter(|e| !e.is_warning()) {
            let Some(file) = error.location.as_ref().map(|l| l.path.as_path()) else { continue };
            if loaded.contains(file) || file.extension().is_none_or(|e| e != "md") {
                continue;
            }
            // No parser produced anything for this file, so its id can only be read from its text;
            // this runs only for files that failed to load.
            let Ok(source) = std::fs::read_to_string(file) else { continue };
            let mut lines = source.lines().skip_while(|l| l.trim() != toml && l.trim() != yaml);
            if lines.next().is_none() {
                continue;
            }
            let written = lines.take_while(|l| !l.trim().starts_with('[') && l.trim() != "+++" && l.trim() != "---").find_map(|l| {
                let rest = l.trim().strip_prefix("id")?.trim_start();
                let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
                Some(value.trim().trim_matches(['"', '\'']).to_string())
            });
            let stem = file.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
            let stem = if stem == "index" { file.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy()).unwrap_or_default() } else { stem };
            ids.insert(written.unwrap_or_else(|| super::slugify(&stem)));
        }
        ids
    }

    /// The `lang` version of the page named by `path_or_key`, or `None` when the page has no
    /// translation in `lang` (pass `config.default_language` for the default language).
    ///
    /// `path_or_key` is a path inside `content/` as `@/` links write it, with or without `@/` and
    /// with or without a language code (`channels/a.md`, `@/channels/a.en.md`: any language of the
    /// page finds all of them), or a page's URL path (`/channels/a/`, `/en/channels/a/`).
    /// Translations are found by file name, as in Zola: `a.md`, `a.en.md`, `a.ug.md` are one page.
    pub fn translation_of(&self, path_or_key: &str, lang: &str) -> Option<&Page> {
        match self.translated_item(path_or_key, lang)? {
            Item::Page(i) => Some(&self.pages[i]),
            Item::Section(_) => None,
        }
    }

    /// [`Library::translation_of`] for sections (`news/_index.md`, `/en/news/`).
    pub fn section_translation_of(&self, path_or_key: &str, lang: &str) -> Option<&Section> {
        match self.translated_item(path_or_key, lang)? {
            Item::Section(i) => Some(&self.sections[i]),
            Item::Page(_) => None,
        }
    }

    /// The page or section that is the `lang` version of `path_or_key` (see [`Library::translation_of`]).
    pub fn translated_item(&self, path_or_key: &str, lang: &str) -> Option<Item> {
        let item = self.get(path_or_key).or_else(|| self.by_url(path_or_key))?;
        let canonical = match item {
            Item::Page(i) => &self.pages[i].canonical,
            Item::Section(i) => &self.sections[i].canonical,
        };
        self.by_canonical.get(&(canonical.clone(), lang.to_string())).copied()
    }

    /// The page or section at URL path `path`, like `/news/a/`.
    fn by_url(&self, path: &str) -> Option<Item> {
        if !path.starts_with('/') {
            return None;
        }
        let path = if path.ends_with('/') || path.ends_with(".html") { path.to_string() } else { format!("{path}/") };
        self.pages.iter().position(|p| p.path == path).map(Item::Page).or_else(|| self.sections.iter().position(|s| s.path == path).map(Item::Section))
    }

    /// The page or section whose file is `relative` in the language `lang` (`news/a.md` with `en`
    /// is `news/a.en.md`), as `get_page(path=..., lang=...)` asks for it.
    pub fn get_in(&self, relative: &str, lang: &str) -> Option<Item> {
        let relative = relative.trim_start_matches("@/").trim_start_matches('/');
        self.by_canonical.get(&(relative.to_string(), lang.to_string())).copied()
    }

    /// The URL path of the page or section at `relative`.
    pub fn url_path(&self, relative: &str) -> Option<&str> {
        match self.get(relative)? {
            Item::Page(i) => Some(&self.pages[i].path),
            Item::Section(i) => Some(&self.sections[i].path),
        }
    }

    /// Sections from the root down to (not including) `section`, as indices.
    pub fn ancestors(&self, mut section: Option<usize>) -> Vec<usize> {
        let mut chain = Vec::new();
        while let Some(i) = section {
            chain.push(i);
            section = self.sections[i].parent;
        }
        chain.reverse();
        chain
    }

    fn index(&mut self, config: &Config) {
        for (i, p) in self.pages.iter().enumerate() {
            self.by_relative.insert(p.relative.clone(), Item::Page(i));
            self.by_canonical.insert((p.canonical.clone(), p.lang.clone()), Item::Page(i));
        }
        for (i, s) in self.sections.iter().enumerate() {
            self.by_relative.insert(s.relative.clone(), Item::Section(i));
            self.by_canonical.insert((s.canonical.clone(), s.lang.clone()), Item::Section(i));
        }
        // Every language's version of one file, in the order of `config.language_codes()`.
        let codes = config.language_codes();
        let found = |canonical: &str| -> Vec<Item> {
            codes.iter().filter_map(|lang| self.by_canonical.get(&(canonical.to_string(), lang.to_string())).copied()).collect()
        };
        let page_lists: Vec<Vec<usize>> =
            self.pages.iter().map(|p| found(&p.canonical).into_iter().filter_map(|it| if let Item::Page(i) = it { Some(i) } else { None }).collect()).collect();
        let section_lists: Vec<Vec<usize>> = self
            .sections
            .iter()
            .map(|s| found(&s.canonical).into_iter().filter_map(|it| if let Item::Section(i) = it { Some(i) } else { None }).collect())
            .collect();
        for (page, list) in self.pages.iter_mut().zip(page_lists) {
            page.translations = list;
        }
        for (section, list) in self.sections.iter_mut().zip(section_lists) {
            section.translations = list;
        }
    }

    /// Gives each page and section its parent, and each section its subsections.
    fn link_sections(&mut self, config: &Config) {
        // Each language has its own tree of sections, as in Zola: `news/_index.en.md` lists the
        // English pages of `news/`, and its parent is the English home page.
        let by_dir: HashMap<(String, String), usize> =
            self.sections.iter().enumerate().map(|(i, s)| ((section_dir(&s.canonical), s.lang.clone()), i)).collect();
        let nearest = |mut dir: &str, lang: &str| -> usize {
            loop {
                if let Some(&i) = by_dir.get(&(dir.to_string(), lang.to_string())) {
                    return i;
                }
                if dir.is_empty() {
                    return 0; // every language has a home page, so this is not reached
                }
                dir = parent_dir(dir);
            }
        };
        for i in 0..self.sections.len() {
            let dir = section_dir(&self.sections[i].canonical);
            if !dir.is_empty() {
                let parent = nearest(parent_dir(&dir), &self.sections[i].lang);
                self.sections[i].parent = Some(parent);
                self.sections[parent].subsections.push(i);
            }
        }
        for page in &mut self.pages {
            // A bundle's own folder holds no section; look from the folder above it.
            let dir = page_dir(&page.canonical);
            let dir = if is_bundle_file(&page.canonical) { parent_dir(&dir).to_string() } else { dir };
            page.section = nearest(&dir, &page.lang);
            page.orphan = !by_dir.contains_key(&(dir, page.lang.clone()));
        }
        // Section URLs follow their folder names; pages follow their section's folder and slug.
        for section in &mut self.sections {
            let dir = section_dir(&section.canonical);
            section.path = format!("{}{}", config.lang_prefix(&section.lang), dir_url(&dir, config.slugify.paths));
        }
    }

    /// Sorts each section's listing and links neighbours.
    fn sort_listings(&mut self) {
        let mut listed: Vec<Vec<usize>> = vec![Vec::new(); self.sections.len()];
        for (i, page) in self.pages.iter().enumerate() {
            if page.expired || !page.published || page.orphan {
                continue;
            }
            // A transparent section's pages also show in its parent's listing.
            let mut section = Some(page.section);
            while let Some(s) = section {
                listed[s].push(i);
                section = if self.sections[s].meta.transparent { self.sections[s].parent } else { None };
            }
        }
        for (s, mut pages) in listed.into_iter().enumerate() {
            let pages_ref = &self.pages;
            let by_path = |a: &usize, b: &usize| pages_ref[*a].relative.cmp(&pages_ref[*b].relative);
            match self.sections[s].meta.sort_by {
                SortBy::Date => pages.sort_by(|a, b| newest_first(pages_ref[*a].date.as_ref(), pages_ref[*b].date.as_ref()).then_with(|| by_path(a, b))),
                SortBy::Weight => pages.sort_by(|a, b| {
                    let (wa, wb) = (pages_ref[*a].meta.weight, pages_ref[*b].meta.weight);
                    wa.is_none().cmp(&wb.is_none()).then(wa.cmp(&wb)).then_with(|| by_path(a, b))
                }),
                SortBy::UpdateDate => pages.sort_by(|a, b| {
                    let changed = |i: &usize| pages_ref[*i].meta.updated.as_ref().or(pages_ref[*i].date.as_ref());
                    let (da, db) = (changed(a), changed(b));
                    da.is_none().cmp(&db.is_none()).then(db.cmp(&da)).then_with(|| by_path(a, b))
                }),
                SortBy::Slug => pages.sort_by(|a, b| pages_ref[*a].slug.cmp(&pages_ref[*b].slug).then_with(|| by_path(a, b))),
                SortBy::Title => pages.sort_by(|a, b| {
                    let title = |i: &usize| pages_ref[*i].meta.title.clone().unwrap_or_default();
                    title(a).cmp(&title(b)).then_with(|| by_path(a, b))
                }),
                SortBy::None => pages.sort_by(by_path),
            }
            self.sections[s].pages = pages;
        }
        for s in 0..self.sections.len() {
            let pages = self.sections[s].pages.clone();
            for (n, &p) in pages.iter().enumerate() {
                if self.pages[p].section != s {
                    continue; // neighbours come from the page's own section
                }
                self.pages[p].higher = n.checked_sub(1).map(|m| pages[m]);
                self.pages[p].lower = pages.get(n + 1).copied();
            }
        }
    }

    /// Moves non-Markdown files to the bundle or section they sit in. Files inside an `unpublished`
    /// (draft) folder stay unpublished, even when a published bundle sits above that folder.
    fn attach_assets(&mut self, assets: Vec<String>, unpublished: &[String], not_rendered: &[String], errors: &mut Errors) {
        let mut held_back: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        // A folder's files go with its bundle or section in every language, as in Zola.
        let mut bundles: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in self.pages.iter().enumerate().filter(|(_, p)| p.canonical.ends_with("/index.md")) {
            bundles.entry(page_dir(&p.canonical)).or_default().push(i);
        }
        let mut sections: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in self.sections.iter().enumerate() {
            sections.entry(section_dir(&s.canonical)).or_default().push(i);
        }
        for relative in assets {
            if let Some(draft) = unpublished.iter().filter(|d| relative.starts_with(d.as_str())).max_by_key(|d| d.len()) {
                held_back.entry(draft).or_default().push(relative);
                continue;
            }
            let dir = page_dir(&relative);
            // An asset belongs to the innermost bundle above it, or to the section whose folder holds it.
            let mut up = dir.as_str();
            let bundle = loop {
                if let Some(i) = bundles.get(up) {
                    break Some(i);
                }
                if up.is_empty() {
                    break None;
                }
                up = parent_dir(up);
            };
            let file = self.sections[0].file.parent().unwrap_or(Path::new("")).join(&relative);
            if let Some(owners) = bundle {
                for &i in owners {
                    self.pages[i].assets.push(file.clone());
                }
            } else if let Some(owners) = sections.get(&dir) {
                for &i in owners {
                    self.sections[i].assets.push(file.clone());
                }
            } else {
                errors.push(Error::warning(format!("`{relative}` is not copied to the site")).located(&file, 0, 0).with_hint(
                    "to publish it, move it next to a page's index.md or a section's _index.md (or into static/); \
                             to keep it private, move it out of content/",
                ));
            }
        }
        let content = self.sections[0].file.parent().unwrap_or(Path::new("")).to_path_buf();
        for (dir, files) in held_back {
            let (why, key) =
                if not_rendered.iter().any(|d| d == dir) { ("a page with `render = false`", "render = false") } else { ("a draft", "draft = true") };
            let shown: Vec<&str> = files.iter().take(3).map(|f| f.rsplit('/').next().unwrap_or(f)).collect();
            let more = if files.len() > 3 { format!(" and {} more", files.len() - 3) } else { String::new() };
            errors.push(
                Error::warning(format!("`{dir}` is {why}, so its files ({}{more}) are not published either", shown.join(", ")))
                    .located(
                        if content.join(dir).join("index.md").is_file() { content.join(dir).join("index.md") } else { content.join(dir).join("_index.md") },
                        0,
                        0,
                    )
                    .with_hint(format!("they will be published with the page when `{key}` is removed from its front matter; until then nothing needs doing")),
            );
        }
    }

    /// Two pages, sections, aliases, taxonomy pages or `more` (URL, file, what it is: the
    /// campaign's short links) on one URL is an error naming both files.
    pub fn check_unique_urls(&self, config: &Config, more: &[(&str, &Path, &str)], errors: &mut Errors) {
        let verify = format!("/{}/", config.channels.verify_path.trim_matches('/'));
        let mut owners: BTreeMap<&str, Vec<(&Path, &str)>> = BTreeMap::new();
        for s in &self.sections {
            owners.entry(&s.path).or_default().push((&s.file, "section"));
            for alias in &s.meta.aliases {
                owners.entry(alias).or_default().push((&s.file, "alias"));
            }
        }
        for p in &self.pages {
            owners.entry(&p.path).or_default().push((&p.file, "page"));
            for alias in &p.meta.aliases {
                owners.entry(alias).or_default().push((&p.file, "alias"));
            }
        }
        let config_file = Path::new("config.toml");
        for &(url, file, what) in more {
            owners.entry(url).or_default().push((file, what));
        }
        owners.entry(&verify).or_default().push((config_file, "verification page"));
        for t in &self.taxonomies {
            owners.entry(&t.path).or_default().push((config_file, "taxonomy"));
        }
        for feed in &config.feed_filenames {
            if let Some(owner) = owners.get(format!("/{feed}/").as_str()) {
                errors.push(Error::in_file(owner[0].0, format!("this {} takes the URL of the feed `/{feed}`", owner[0].1)));
            }
        }
        for (url, files) in owners {
            if files.len() > 1 {
                let (first, kind) = files[0];
                let others: Vec<String> = files[1..].iter().map(|(f, k)| format!("{k} `{}`", f.display())).collect();
                errors.push(
                    Error::in_file(first, format!("two pages want the URL `{url}`: this {kind} and {}", others.join(", ")))
                        .with_hint("give one of them a different file name, `slug` or `path`"),
                );
            }
        }
    }
}

/// Whether `page` is a translation of another page (`poster.en.md` beside `poster.md`): it gives
/// the words of that page in its language and is never a print item or channel of its own.
pub fn is_translation(page: &Page, default_lang: &str) -> bool {
    page.lang != default_lang
}

/// The translations of page `index` as (language, page index), in the order of the site's
/// languages; none for a page that is itself a translation.
pub fn translations_of(library: &Library, index: usize) -> Vec<(String, usize)> {
    let page = &library.pages[index];
    if page.translations.first() != Some(&index) {
        return vec![];
    }
    page.translations.iter().skip(1).map(|&t| (library.pages[t].lang.clone(), t)).collect()
}

/// What the walk of `content/` found, sorted by path.
struct Found {
    markdown: Vec<String>,
    assets: Vec<String>,
}

/// Walks `content/`. Symbolic links are followed while they stay inside the site folder; a link that
/// leads out of it, nowhere, or back into a folder above it is an error naming the link, never skipped
/// without a word.
fn discover(content: &Path, config: &Config, errors: &mut Errors) -> Result<Found, Errors> {
    if !content.is_dir() {
        return Err(Error::new(format!("there is no content folder at `{}`", content.display()))
            .with_hint("create it and put an _index.md in it, or run `placard init` to start a new site")
            .into());
    }
    let site = match content.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.canonicalize().ok(),
        _ => Path::new(".").canonicalize().ok(),
    };
    let mut found = Found { markdown: vec![], assets: vec![] };
    let mut links: Vec<Error> = Vec::new();
    let walker = WalkDir::new(content).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
        // Hidden files and editor droppings are never content.
        let name = e.file_name().to_string_lossy();
        if e.depth() > 0 && (name.starts_with('.') || name.ends_with('~') || name.starts_with("#")) {
            return false;
        }
        // `ignored_content` leaves out files and whole folders, matched as Zola matches them.
        if e.depth() > 0 && relative_str(content, e.path()).is_some_and(|r| config.content_ignored(&r, e.path())) {
            return false;
        }
        if e.depth() == 0 || !e.path_is_symlink() {
            return true;
        }
        match (e.path().canonicalize(), &site) {
            (Ok(real), Some(site)) if !real.starts_with(site) => {
                links.push(
                    Error::in_file(e.path(), format!("this is a link to `{}`, which is outside the site folder", real.display()))
                        .with_hint("placard only publishes files inside the site: copy the file (or folder) into content/ instead of linking to it"),
                );
                false
            }
            _ => true,
        }
    });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let error = match (e.path(), e.loop_ancestor()) {
                    (Some(path), Some(ancestor)) => Error::in_file(path, format!("this link leads back to `{}`, a folder above it", ancestor.display()))
                        .with_hint("remove the link: following it would never end"),
                    (Some(path), None) if path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) => {
                        let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
                        Error::in_file(path, format!("this is a link to `{target}`, which does not exist"))
                            .with_hint("remove the link, or put the file it should point to in place")
                    }
                    (Some(path), None) => Error::in_file(path, format!("could not read this: {e}")),
                    (None, _) => Error::new(format!("could not read the content folder: {e}")),
                };
                errors.push(error);
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(relative) = relative_str(content, entry.path()) else {
            errors.push(Error::in_file(entry.path(), "this file name is not valid UTF-8").with_hint("rename it"));
            continue;
        };
        if relative.ends_with(".md") {
            found.markdown.push(relative);
        } else {
            found.assets.push(relative);
        }
    }
    errors.extend(links);
    Ok(found)
}

enum Parsed {
    Page(Box<Page>),
    Section(Box<Section>),
}

/// The language of a content file and its path without the language code: `news/a.en.md` →
/// (`en`, `news/a.md`). Only a multilingual site reads codes from file names; there, a file name
/// with a code that no `[languages.<code>]` names is an error, as in Zola.
/// The error is a message and a hint.
pub fn split_language(relative: &str, config: &Config) -> Result<(String, String), (String, String)> {
    let default = || (config.default_language.clone(), relative.to_string());
    if !config.is_multilingual() {
        return Ok(default());
    }
    let (dir, name) = match relative.rfind('/') {
        Some(i) => relative.split_at(i + 1),
        None => ("", relative),
    };
    let Some(stem) = name.strip_suffix(".md") else { return Ok(default()) };
    let Some((base, code)) = stem.rsplit_once('.') else { return Ok(default()) };
    if config.has_language(code) && !base.is_empty() {
        return Ok((code.to_string(), format!("{dir}{base}.md")));
    }
    let known = config.language_codes().join(", ");
    let base = if base.is_empty() { "name" } else { base };
    Err((
        format!("the file name says its language is `{code}`, but config.toml has no [languages.{code}] (the site's languages: {known})"),
        format!("if `{code}` is a language, add [languages.{code}] to config.toml; if not, take the `.` out of the file name (like `{base}-{code}.md`)"),
    ))
}

/// Whether `relative` is a bundle's `index.md` (not a section's `_index.md`).
fn is_bundle_file(relative: &str) -> bool {
    relative == "index.md" || relative.ends_with("/index.md")
}

fn parse_file(content: &Path, relative: &str, config: &Config) -> Result<Parsed, Error> {
    let mode = config.slugify.paths;
    let file = content.join(relative);
    let (lang, canonical) = split_language(relative, config).map_err(|(message, hint)| Error::in_file(&file, message).with_hint(hint))?;
    let source = std::fs::read_to_string(&file)
        .map_err(|e| Error::in_file(&file, format!("could not read this file: {e}")).with_hint("Markdown files must be saved as UTF-8"))?;
    let split = front_matter::split(&source, &file)?;
    let keys = if split.is_yaml {
        KeyLines::of_yaml(split.front_matter, split.front_matter_line)
    } else {
        KeyLines::of_toml(split.front_matter, split.front_matter_line)
    };
    let body_line = split.body_line;
    if canonical == "_index.md" || canonical.ends_with("/_index.md") {
        let meta: SectionFrontMatter = front_matter::parse(&split, &file)?;
        let mut meta = meta;
        meta.aliases = clean_aliases(&meta.aliases, &file, &keys)?;
        if meta.paginate_by == Some(0) {
            return Err(keys
                .locate(Error::in_file(&file, "`paginate_by = 0` would make empty pages"), "paginate_by")
                .with_hint("use a positive number, or leave paginate_by out"));
        }
        return Ok(Parsed::Section(Box::new(Section {
            file,
            relative: relative.to_string(),
            meta,
            keys,
            body: split.body.to_string(),
            body_line,
            path: String::new(),
            pages: vec![],
            subsections: vec![],
            parent: None,
            assets: vec![],
            lang,
            canonical,
            translations: vec![],
        })));
    }
    let mut meta: PageFrontMatter = front_matter::parse(&split, &file)?;
    meta.aliases = clean_aliases(&meta.aliases, &file, &keys)?;
    let is_bundle = is_bundle_file(&canonical);
    let dir = page_dir(&canonical);
    let stem = if is_bundle {
        dir.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string()
    } else {
        canonical.rsplit('/').next().unwrap_or("").trim_end_matches(".md").to_string()
    };
    // A bundle's folder is the page itself, so its URL is built from the folder above.
    let parent = if is_bundle { parent_dir(&dir).to_string() } else { dir.clone() };
    let (file_date, stem_rest) = date_prefix(&stem);
    let date = meta.date.clone().or(file_date);
    let slug = match &meta.slug {
        Some(s) if !slug_with(s, mode).is_empty() => slug_with(s, mode),
        Some(s) => return Err(keys.locate(Error::in_file(&file, format!("the slug `{s}` has no letters or digits")), "slug")),
        None => slug_with(stem_rest, mode),
    };
    let path = match &meta.path {
        Some(p) => clean_url_path(p).map_err(|m| keys.locate(Error::in_file(&file, m), "path"))?,
        None => {
            // As in Zola, a page's own `path` is taken as written; other pages of a language go
            // under its folder.
            let base = format!("{}{}", config.lang_prefix(&lang), dir_url(&parent, mode));
            if slug.is_empty() {
                base
            } else {
                format!("{base}{slug}/")
            }
        }
    };
    Ok(Parsed::Page(Box::new(Page {
        keys,
        file,
        relative: relative.to_string(),
        meta,
        body: Source::new(split.body),
        body_line,
        slug,
        path,
        date,
        expired: false,
        published: true,
        orphan: false,
        section: 0,
        assets: vec![],
        lower: None,
        higher: None,
        lang,
        canonical,
        translations: vec![],
    })))
}

fn clean_aliases(aliases: &[String], file: &Path, keys: &KeyLines) -> Result<Vec<String>, Error> {
    aliases.iter().map(|a| clean_url_path(a).map_err(|m| keys.locate(Error::in_file(file, m), "aliases"))).collect()
}

/// `2024-03-01-title` → (the date, `title`); anything else is returned whole.
fn date_prefix(stem: &str) -> (Option<Date>, &str) {
    if stem.len() > 11 && stem.is_char_boundary(10) && stem.is_char_boundary(11) {
        let (head, rest) = stem.split_at(10);
        if let (Some(date), true) = (Date::parse(head), rest.starts_with('-') || rest.starts_with('_')) {
            return (Some(date), &rest[1..]);
        }
    }
    (None, stem)
}

/// The folder of a section's `_index.md`, with a trailing `/` (empty for the root).
fn section_dir(relative: &str) -> String {
    relative.strip_suffix("_index.md").unwrap_or(relative).to_string()
}

/// The folder a file sits in, with a trailing `/` (empty for the content root).
fn page_dir(relative: &str) -> String {
    match relative.rfind('/') {
        Some(i) => relative[..=i].to_string(),
        None => String::new(),
    }
}

/// `a/b/` → `a/`; `a/` → ``.
fn parent_dir(dir: &str) -> &str {
    let trimmed = dir.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => &dir[..=i],
        None => "",
    }
}

/// The URL of a content folder. As in Zola, a folder name that is already fit for a URL (letters
/// and digits of any script, `-`, `_`, `.`) is kept as written; others are made into slugs.
fn dir_url(dir: &str, mode: SlugMode) -> String {
    let mut url = String::from("/");
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        if part.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')) && part != ".." {
            url.push_str(part);
        } else {
            url.push_str(&slug_with(part, mode));
        }
        url.push('/');
    }
    url
}

fn relative_str(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_dates() {
        assert_eq!(parent_dir("a/b/"), "a/");
        assert_eq!(parent_dir("a/"), "");
        assert_eq!(dir_url("政策/Key Targets/", SlugMode::On), "/政策/key-targets/");
        assert_eq!(dir_url("applying_a_template/Sub/", SlugMode::On), "/applying_a_template/Sub/");
        assert_eq!(dir_url("a b/", SlugMode::Safe), "/a b/");
        let (date, rest) = date_prefix("2024-03-01-集市宣传");
        assert_eq!((date.unwrap().text.as_str(), rest), ("2024-03-01", "集市宣传"));
        assert_eq!(date_prefix("2024-notes").1, "2024-notes");
    }

    #[test]
    fn language_codes_in_file_names() {
        let text = "base_url = \"https://a.cn\"\ndefault_language = \"zh-CN\"\n[languages.en]\n[languages.ug]\n";
        let config: Config = crate::serde_errors::from_toml(text, Path::new("config.toml"), 1).unwrap();
        let split = |r: &str| split_language(r, &config);
        assert_eq!(split("news/a.en.md").unwrap(), ("en".to_string(), "news/a.md".to_string()));
        assert_eq!(split("news/_index.ug.md").unwrap(), ("ug".to_string(), "news/_index.md".to_string()));
        assert_eq!(split("b/index.en.md").unwrap(), ("en".to_string(), "b/index.md".to_string()));
        assert_eq!(split("news/a.zh-CN.md").unwrap(), ("zh-CN".to_string(), "news/a.md".to_string()));
        assert_eq!(split("news/a.md").unwrap(), ("zh-CN".to_string(), "news/a.md".to_string()));
        let (message, hint) = split("news/a.de.md").unwrap_err();
        assert!(message.contains("`de`") && message.contains("zh-CN, en, ug"), "{message}");
        assert!(hint.contains("[languages.de]") && hint.contains("a-de.md"), "{hint}");
        // A site in one language reads dots in file names as part of the name, as before.
        let single: Config = crate::serde_errors::from_toml("base_url = \"https://a.cn\"\n", Path::new("config.toml"), 1).unwrap();
        assert_eq!(split_language("v1.2.md", &single).unwrap(), ("zh-CN".to_string(), "v1.2.md".to_string()));
    }
}
