//! The [`Library`]: every page and section of the site, loaded once, validated, with URLs worked out
//! and listings sorted. It is plain data: nothing here renders or touches the disk after loading.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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
    /// The line of each front-matter key, for errors found after loading.
    pub keys: KeyLines,
    /// The front matter as written, so `serve` can tell an edit of the body alone.
    pub front_matter: String,
    pub body: String,
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
}

impl Page {
    /// Posters and letters: their text is printed, not published as a web page.
    pub fn is_print_source(&self) -> bool {
        self.meta.poster.is_some() || self.meta.letter.is_some() || self.meta.print.is_some() || self.meta.slogans.is_some()
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
}

/// The whole site's content.
#[derive(Debug, Default)]
pub struct Library {
    pub pages: Vec<Page>,
    pub sections: Vec<Section>,
    pub taxonomies: Vec<Taxonomy>,
    by_relative: HashMap<String, Item>,
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
        let parsed: Vec<Result<Parsed, Error>> = found.markdown.par_iter().map(|f| parse_file(&content, f, config.slugify.paths)).collect();
        let mut sections = Vec::new();
        let mut pages = Vec::new();
        for result in parsed {
            match result {
                Ok(Parsed::Section(s)) => sections.push(*s),
                Ok(Parsed::Page(p)) => pages.push(*p),
                Err(e) => errors.push(e),
            }
        }
        if !sections.iter().any(|s: &Section| s.relative == "_index.md") {
            // Zola builds a home page even without content/_index.md.
            sections.push(Section {
                file: content.join("_index.md"),
                relative: "_index.md".into(),
                meta: SectionFrontMatter::default(),
                keys: KeyLines::default(),
                body: String::new(),
                body_line: 1,
                path: "/".into(),
                pages: vec![],
                subsections: vec![],
                parent: None,
                assets: vec![],
            });
        }
        sections.sort_by(|a, b| a.relative.cmp(&b.relative));

        // Drafts are dropped, and so is everything inside a draft section.
        let mut unpublished: Vec<String> = Vec::new();
        if !options.drafts {
            let draft_dirs: Vec<String> = sections.iter().filter(|s| s.meta.draft).map(|s| section_dir(&s.relative)).collect();
            let in_draft = |relative: &str| draft_dirs.iter().any(|d| relative.starts_with(d.as_str()));
            sections.retain(|s| !s.meta.draft && !in_draft(&s.relative) || s.relative == "_index.md");
            // The folders of draft bundles and sections: their files must not be published either.
            unpublished = draft_dirs.clone();
            unpublished.extend(pages.iter().filter(|p| p.meta.draft && p.relative.ends_with("/index.md")).map(|p| page_dir(&p.relative)));
            pages.retain(|p| !p.meta.draft && !in_draft(&p.relative));
        }
        // A page with `render = false` gets no file, no place in listings, feeds or the sitemap, and
        // its bundle's files stay unpublished with it: as in Zola, nothing of it is published.
        let not_rendered: Vec<String> = pages.iter().filter(|p| !p.meta.render && p.relative.ends_with("/index.md")).map(|p| page_dir(&p.relative)).collect();
        unpublished.extend(not_rendered.iter().cloned());
        pages.retain(|p| p.meta.render);
        pages.sort_by(|a, b| a.relative.cmp(&b.relative));

        let mut library = Library { pages, sections, taxonomies: vec![], by_relative: HashMap::new() };
        library.attach_assets(found.assets, &unpublished, &not_rendered, &mut errors);
        library.link_sections(config.slugify.paths);
        for page in &mut library.pages {
            page.expired = page.meta.expires.as_ref().is_some_and(|d| d.day() < options.today);
            page.published = !page.is_print_source();
        }
        // Listings of sections (menus, the search page) leave out the print sources' sections too.
        let published: Vec<bool> = (0..library.sections.len()).map(|s| library.section_published(s)).collect();
        for section in &mut library.sections {
            section.subsections.retain(|&s| published[s]);
        }
        library.index();
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

    fn index(&mut self) {
        for (i, p) in self.pages.iter().enumerate() {
            self.by_relative.insert(p.relative.clone(), Item::Page(i));
        }
        for (i, s) in self.sections.iter().enumerate() {
            self.by_relative.insert(s.relative.clone(), Item::Section(i));
        }
    }

    /// Gives each page and section its parent, and each section its subsections.
    fn link_sections(&mut self, mode: SlugMode) {
        let by_dir: HashMap<String, usize> = self.sections.iter().enumerate().map(|(i, s)| (section_dir(&s.relative), i)).collect();
        let nearest = |mut dir: &str| -> usize {
            loop {
                if let Some(&i) = by_dir.get(dir) {
                    return i;
                }
                dir = parent_dir(dir);
            }
        };
        for i in 0..self.sections.len() {
            let dir = section_dir(&self.sections[i].relative);
            if !dir.is_empty() {
                let parent = nearest(parent_dir(&dir));
                self.sections[i].parent = Some(parent);
                self.sections[parent].subsections.push(i);
            }
        }
        for page in &mut self.pages {
            // A bundle's own folder holds no section; look from the folder above it.
            let dir = page_dir(&page.relative);
            let dir = if page.relative.ends_with("/index.md") { parent_dir(&dir).to_string() } else { dir };
            page.section = nearest(&dir);
            page.orphan = !by_dir.contains_key(&dir);
        }
        // Section URLs follow their folder names; pages follow their section's folder and slug.
        for i in 0..self.sections.len() {
            let dir = section_dir(&self.sections[i].relative);
            self.sections[i].path = dir_url(&dir, mode);
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
        let bundles: HashMap<String, usize> =
            self.pages.iter().enumerate().filter(|(_, p)| p.relative.ends_with("/index.md")).map(|(i, p)| (page_dir(&p.relative), i)).collect();
        let sections: HashMap<String, usize> = self.sections.iter().enumerate().map(|(i, s)| (section_dir(&s.relative), i)).collect();
        for relative in assets {
            if let Some(draft) = unpublished.iter().filter(|d| relative.starts_with(d.as_str())).max_by_key(|d| d.len()) {
                held_back.entry(draft).or_default().push(relative);
                continue;
            }
            let dir = page_dir(&relative);
            // An asset belongs to the innermost bundle above it, or to the section whose folder holds it.
            let mut up = dir.as_str();
            let bundle = loop {
                if let Some(&i) = bundles.get(up) {
                    break Some(i);
                }
                if up.is_empty() {
                    break None;
                }
                up = parent_dir(up);
            };
            let file = self.sections[0].file.parent().unwrap_or(Path::new("")).join(&relative);
            if let Some(i) = bundle {
                self.pages[i].assets.push(file);
            } else if let Some(&i) = sections.get(&dir) {
                self.sections[i].assets.push(file);
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

fn parse_file(content: &Path, relative: &str, mode: SlugMode) -> Result<Parsed, Error> {
    let file = content.join(relative);
    let source = std::fs::read_to_string(&file)
        .map_err(|e| Error::in_file(&file, format!("could not read this file: {e}")).with_hint("Markdown files must be saved as UTF-8"))?;
    let split = front_matter::split(&source, &file)?;
    let keys = if split.is_yaml {
        KeyLines::of_yaml(split.front_matter, split.front_matter_line)
    } else {
        KeyLines::of_toml(split.front_matter, split.front_matter_line)
    };
    let body = split.body.to_string();
    let body_line = split.body_line;
    if relative == "_index.md" || relative.ends_with("/_index.md") {
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
            body,
            body_line,
            path: String::new(),
            pages: vec![],
            subsections: vec![],
            parent: None,
            assets: vec![],
        })));
    }
    let mut meta: PageFrontMatter = front_matter::parse(&split, &file)?;
    meta.aliases = clean_aliases(&meta.aliases, &file, &keys)?;
    let is_bundle = relative == "index.md" || relative.ends_with("/index.md");
    let dir = page_dir(relative);
    let stem = if is_bundle {
        dir.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string()
    } else {
        relative.rsplit('/').next().unwrap_or("").trim_end_matches(".md").to_string()
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
            let base = dir_url(&parent, mode);
            if slug.is_empty() {
                base
            } else {
                format!("{base}{slug}/")
            }
        }
    };
    Ok(Parsed::Page(Box::new(Page {
        keys,
        front_matter: split.front_matter.to_string(),
        file,
        relative: relative.to_string(),
        meta,
        body,
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
}
