//! Machine-read files: the Atom feeds, `sitemap.xml` and `robots.txt`. Dates come from content only,
//! never from the clock, so feeds are identical on every build.

use crate::config::Config;
use crate::content::{output_file, Library, Page};
use crate::urls::encode_iri;
// One escaper for HTML and XML text and attributes.
use crate::markdown::escape_attr as escape_xml;
use crate::markdown::Rendered;
use crate::output::Output;

/// What a feed is about, for a feed template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOf {
    Site,
    Section(usize),
    /// (taxonomy, term)
    Term(usize, usize),
}

/// One feed file to write.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The listing it belongs to, like `/` or `/news/`.
    pub path: String,
    /// The file name, one of `feed_filenames`.
    pub file: String,
    pub title: String,
    pub of: FeedOf,
    /// The language of its pages: each language has its own feeds, as in Zola.
    pub lang: String,
    /// Newest first, at most `feed_limit`.
    pub pages: Vec<usize>,
}

impl Feed {
    /// The output file, like `news/atom.xml`.
    pub fn output_path(&self) -> String {
        format!("{}{}", self.path.trim_start_matches('/'), self.file)
    }

    /// The newest date among its pages (RFC 3339), or the start of 1970 for an empty feed.
    pub fn last_updated(&self, library: &Library) -> String {
        self.pages.iter().filter_map(|&i| page_updated(&library.pages[i])).max().unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
    }
}

/// Every feed the site asks for: the site's, each section's that has `generate_feeds = true` in its
/// front matter (as in Zola), and each term's of a taxonomy with `feed = true`.
pub fn feeds(config: &Config, library: &Library) -> Vec<Feed> {
    let mut feeds = Vec::new();
    let mut add = |path: &str, title: String, of: FeedOf, lang: &str, files: Vec<String>, pages: Vec<usize>| {
        for file in files {
            feeds.push(Feed { path: path.to_string(), file, title: title.clone(), of, lang: lang.to_string(), pages: pages.clone() });
        }
    };
    for lang in config.language_codes() {
        let files = config.feeds_of(lang);
        if !files.is_empty() {
            let pages = feed_pages(config, library, (0..library.pages.len()).filter(|&i| library.pages[i].lang == lang));
            add(&format!("{}/", config.lang_prefix(lang)), config.title_of(lang).to_string(), FeedOf::Site, lang, files, pages);
        }
    }
    for (s, section) in library.sections.iter().enumerate() {
        if !section.meta.generate_feeds || !section.meta.render || !library.section_published(s) || section.canonical == "_index.md" {
            continue;
        }
        let site = config.title_of(&section.lang);
        let title = match &section.meta.title {
            Some(t) if !t.is_empty() => format!("{site} - {t}"),
            _ => site.to_string(),
        };
        let pages = feed_pages(config, library, section.pages.iter().copied());
        add(&section.path, title, FeedOf::Section(s), &section.lang, config.feed_filenames_of(&section.lang), pages);
    }
    for (t, taxonomy) in library.taxonomies.iter().enumerate() {
        if !(taxonomy.config.feed && taxonomy.config.render) {
            continue;
        }
        for (n, term) in taxonomy.terms.iter().enumerate() {
            let title = format!("{} - {}", config.title_of(&taxonomy.lang), term.name);
            let pages = feed_pages(config, library, term.pages.iter().copied());
            add(&term.path, title, FeedOf::Term(t, n), &taxonomy.lang, config.feed_filenames_of(&taxonomy.lang), pages);
        }
    }
    feeds
}

/// Writes the feeds, the sitemap and robots.txt into `output`. A file whose name `overridden` says
/// yes to is left out: the site's own template makes it (see `render`).
/// `bodies` holds each page's rendered body, by page index.
pub fn write_all(config: &Config, library: &Library, bodies: &[std::sync::Arc<Rendered>], overridden: &dyn Fn(&str) -> bool, output: &mut Output) {
    for feed in feeds(config, library).iter().filter(|f| !overridden(&f.file)) {
        output.add(feed.output_path(), atom(config, library, bodies, feed).into_bytes());
    }
    if config.generate_sitemap && !overridden("sitemap.xml") {
        output.add("sitemap.xml", sitemap(config, library).into_bytes());
    }
    if config.generate_robots_txt && !overridden("robots.txt") {
        let robots = format!("User-agent: *\nDisallow:\nAllow: /\nSitemap: {}\n", config.permalink("/sitemap.xml"));
        output.add("robots.txt", robots.into_bytes());
    }
}

/// Dated, unexpired pages, newest first, at most `feed_limit` of them.
fn feed_pages(config: &Config, library: &Library, pages: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut pages: Vec<usize> = pages.filter(|&i| library.pages[i].date.is_some() && !library.pages[i].expired && library.pages[i].published).collect();
    pages.sort_by(|&a, &b| {
        let (pa, pb) = (&library.pages[a], &library.pages[b]);
        crate::content::front_matter::newest_first(pa.date.as_ref(), pb.date.as_ref()).then(pa.relative.cmp(&pb.relative))
    });
    pages.truncate(config.feed_limit);
    pages
}

fn atom(config: &Config, library: &Library, bodies: &[std::sync::Arc<Rendered>], feed: &Feed) -> String {
    let (title, path, pages) = (&feed.title, &feed.path, &feed.pages);
    let self_url = config.permalink(&format!("{path}{}", feed.file));
    let updated = feed.last_updated(library);
    let mut xml = String::with_capacity(4096);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str(&format!("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n", escape_xml(&feed.lang)));
    xml.push_str(&format!("<title>{}</title>\n", escape_xml(title)));
    let description = config.languages.get(&feed.lang).and_then(|l| l.description.as_deref()).unwrap_or(&config.description);
    if !description.is_empty() {
        xml.push_str(&format!("<subtitle>{}</subtitle>\n", escape_xml(description)));
    }
    xml.push_str(&format!("<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", escape_xml(&encode_iri(&self_url))));
    xml.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape_xml(&encode_iri(&config.permalink(path)))));
    xml.push_str("<generator>placard</generator>\n");
    xml.push_str(&format!("<updated>{updated}</updated>\n<id>{}</id>\n", escape_xml(&encode_iri(&self_url))));
    for &i in pages {
        let page = &library.pages[i];
        let link = escape_xml(&encode_iri(&config.permalink(&page.path)));
        let published = page.date.as_ref().map(|d| d.rfc3339()).unwrap_or_default();
        xml.push_str("<entry>\n");
        xml.push_str(&format!("<title>{}</title>\n", escape_xml(page.meta.title.as_deref().unwrap_or(&page.slug))));
        xml.push_str(&format!("<published>{published}</published>\n"));
        xml.push_str(&format!("<updated>{}</updated>\n", page_updated(page).unwrap_or(published)));
        if let Some(author) = page.meta.authors.first().or(config.author.as_ref()) {
            xml.push_str(&format!("<author><name>{}</name></author>\n", escape_xml(author)));
        }
        xml.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n<id>{link}</id>\n"));
        if let Some(description) = &page.meta.description {
            xml.push_str(&format!("<summary>{}</summary>\n", escape_xml(description)));
        }
        xml.push_str(&format!("<content type=\"html\" xml:base=\"{link}\">{}</content>\n", escape_xml(&bodies[i].content.text())));
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

fn page_updated(page: &Page) -> Option<String> {
    page.meta.updated.as_ref().or(page.date.as_ref()).map(|d| d.rfc3339())
}

/// The sitemap's URL paths, sorted, each with its last change (`YYYY-MM-DD`) when known.
pub fn sitemap_entries(config: &Config, library: &Library) -> Vec<(String, Option<String>)> {
    let mut entries: Vec<(String, Option<String>)> = Vec::new();
    for page in library.pages.iter().filter(|p| p.published) {
        let lastmod = page.meta.updated.as_ref().or(page.date.as_ref()).map(|d| d.day().to_string());
        entries.push((page.path.clone(), lastmod));
    }
    // As in Zola, the further pagers of a listing are pages of their own; the first pager's
    // `page/1/` is only a redirect, which a sitemap should not list.
    let pagers = |path: &str, paginate_path: &str, by: Option<usize>, items: usize| -> Vec<(String, Option<String>)> {
        match by {
            Some(by) if by > 0 && config.sitemap_lists_pagers() => (2..=items.div_ceil(by)).map(|n| (format!("{path}{paginate_path}/{n}/"), None)).collect(),
            _ => vec![],
        }
    };
    for (s, section) in library.sections.iter().enumerate() {
        if section.meta.render && section.meta.redirect_to.is_none() && library.section_published(s) {
            entries.push((section.path.clone(), None));
            entries.extend(pagers(&section.path, &section.meta.paginate_path, section.meta.paginate_by, section.pages.len()));
        }
    }
    for taxonomy in library.taxonomies.iter().filter(|t| t.config.render) {
        entries.push((taxonomy.path.clone(), None));
        for term in &taxonomy.terms {
            entries.push((term.path.clone(), None));
            entries.extend(pagers(&term.path, &taxonomy.config.paginate_path, taxonomy.config.paginate_by, term.pages.len()));
        }
    }
    entries.sort();
    entries.dedup();
    entries
}

fn sitemap(config: &Config, library: &Library) -> String {
    let entries = sitemap_entries(config, library);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (path, lastmod) in entries {
        debug_assert!(!output_file(&path).is_empty());
        xml.push_str(&format!("<url><loc>{}</loc>", escape_xml(&encode_iri(&config.permalink(&path)))));
        if let Some(day) = lastmod {
            xml.push_str(&format!("<lastmod>{day}</lastmod>"));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}
