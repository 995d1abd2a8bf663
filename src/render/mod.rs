//! Rendering: Markdown bodies (with shortcodes), then every page, section, taxonomy and special page
//! through Tera, in parallel, into an in-memory [`Output`]. A pure function of the loaded site.

pub mod functions;
pub mod qr_codes;
pub mod shortcodes;
pub mod templates;
pub mod ui_strings;
pub mod values;
pub mod zola;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{json, Value};
use tera::{Context, Tera};

use crate::campaign::Campaign;
use crate::config::Config;
use crate::content::{output_file, Library};
use crate::error::{Error, Errors};
use crate::feeds::FeedOf;
use crate::markdown::{self, Rendered};
use crate::output::{Entry, Origin, Output};
use functions::SiteData;
use qr_codes::{QrCodes, QrFunction};
use templates::Templates;
use values::{Pagination, Shapes};

/// What rendering reads: the site's folder, config, content, campaign and templates.
pub struct Inputs<'a> {
    pub root: &'a Path,
    pub config: &'a Arc<Config>,
    pub library: &'a Arc<Library>,
    pub campaign: &'a Arc<Campaign>,
    pub templates: &'a Templates,
}

/// A renderer of an output tree of its own (the print sheets) through the site's templates, as
/// mdBook's renderers share one book. [`render_site`] runs each after the pages and before the
/// verification page, so that page lists every QR code they print too. Renderers sit above this
/// module and are handed in, so rendering never reaches up to them.
pub trait Renderer: Sync {
    /// Every file it makes, each with who made it (for the error when two files clash). With
    /// `only_page`, just the files that show that page, for a live preview's quick update.
    fn render(&self, engine: &Engine, only_page: Option<usize>) -> Result<Vec<(String, Entry, Origin)>, Errors>;
}

/// For a live preview: the files to render before all others, and what to do with them the moment
/// they are ready. `serve` publishes them at once, so that the page being edited, and the pages
/// browsers have open, do not wait for the rest of a 10,000-page site (as Hugo's fast render).
pub struct Preview<'a> {
    /// Output paths, like `news/a/index.html`: the pages browsers have open.
    pub outputs: &'a [String],
    /// Source files (canonical paths): the pages made from them, an edited page above all.
    pub sources: &'a [std::path::PathBuf],
    /// Called once with the first files, before the rest is rendered.
    pub publish: &'a (dyn Fn(Vec<(String, Vec<u8>)>) + Sync),
    /// The bodies of the render before, when only Markdown files or templates other than
    /// shortcodes changed since.
    pub previous: Option<&'a PreviousBodies>,
    /// Set when a newer edit makes the rest of this render useless: what is not rendered yet is
    /// then left out, and the render fails.
    pub newer_edit: &'a std::sync::atomic::AtomicBool,
}

/// The page bodies of a live preview's last render, by source file. After an edit to Markdown files
/// only, a body is reused when its Markdown and its page's URL are unchanged and it calls no
/// shortcode, links no page with `@/` and shows no image: what those make can depend on other
/// pages or produce files of their own. Saves the Markdown of every page on a front-matter edit.
pub struct PreviousBodies {
    bodies: std::collections::HashMap<std::path::PathBuf, (Arc<str>, String, Arc<Rendered>)>,
}

impl PreviousBodies {
    /// The bodies of `shapes`, made from `library`.
    pub fn of(library: &Library, config: &Config, shapes: &Shapes) -> PreviousBodies {
        let bodies = library
            .pages
            .iter()
            .zip(&shapes.page_bodies)
            .map(|(page, body)| (page.file.clone(), (page.body.text(), config.permalink(&page.path), body.clone())))
            .collect();
        PreviousBodies { bodies }
    }

    fn reusable(&self, page: &crate::content::Page, config: &Config) -> Option<Arc<Rendered>> {
        let (source, permalink, body) = self.bodies.get(&page.file)?;
        let text = page.body.text();
        let self_contained = !["{{", "{%", "@/", "![", "<img"].iter().any(|mark| text.contains(mark));
        (self_contained && *source == text && *permalink == config.permalink(&page.path)).then(|| body.clone())
    }
}

impl Preview<'_> {
    fn abandoned(preview: Option<&Preview>) -> bool {
        preview.is_some_and(|p| p.newer_edit.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// The site's templates set up with every placard function and the shared QR codes: what a
/// [`Renderer`] renders through.
pub struct Engine<'a> {
    pages: &'a Pages<'a>,
}

impl Engine<'_> {
    /// The loaded content.
    pub fn library(&self) -> &Library {
        self.pages.library
    }

    /// The channels, units and print items.
    pub fn campaign(&self) -> &Campaign {
        self.pages.campaign
    }

    /// The site's configuration.
    pub fn config(&self) -> &Config {
        self.pages.config
    }

    /// Each page's rendered body, by page index.
    pub fn page_body(&self, index: usize) -> &Rendered {
        &self.pages.shapes.page_bodies[index]
    }

    /// Whether the site or its theme has `template`.
    pub fn has(&self, template: &str) -> bool {
        self.pages.templates.has(template)
    }

    /// What a template's context starts with for the file at URL `path`: `config`, `lang`,
    /// `current_path` and `current_url`.
    pub fn context(&self, path: &str) -> Context {
        self.pages.base_context(path)
    }

    /// Renders `template`; an error names `file` (and, through `key`, the line of its front matter
    /// that chose the template).
    pub fn render(&self, template: &str, context: &Context, file: &Path, key: &str) -> Result<String, Error> {
        self.pages.render_template(template, context, file, key)
    }
}

impl Inputs<'_> {
    /// The one Tera setup: the templates with every placard function. `shapes` is `None` for the
    /// shortcodes, which render while the bodies are being made and so see pages without bodies.
    fn engine(&self, shapes: Option<Arc<Shapes>>, codes: &Arc<QrCodes>, images: &Arc<crate::images::Images>) -> Tera {
        let mut tera = self.templates.tera.clone();
        let data = Arc::new(SiteData {
            root: self.root.to_path_buf(),
            config: self.config.clone(),
            library: self.library.clone(),
            campaign: self.campaign.clone(),
            shapes,
        });
        tera.register_function("qr", QrFunction { data: data.clone(), codes: codes.clone() });
        functions::register_images(&mut tera, &data, images.clone());
        functions::register(&mut tera, data);
        tera
    }

    fn bodies<'a>(&'a self, tera: &'a Tera, config_values: &'a BTreeMap<String, Value>, images: &'a crate::images::Images) -> Bodies<'a> {
        Bodies { tera, config_values, templates: self.templates, config: self.config, library: self.library, campaign: self.campaign, images }
    }

    fn pages<'a>(&'a self, tera: &'a Tera, config_values: &BTreeMap<String, Value>, shapes: &'a Shapes) -> Pages<'a> {
        let common = common_contexts(config_values);
        Pages { tera, common, templates: self.templates, config: self.config, library: self.library, campaign: self.campaign, shapes }
    }
}

/// Renders every page, listing and generated file of the site, and the trees of `renderers`, into
/// `output`; hands back the page shapes, which `serve` keeps for [`rerender_page`].
/// With `preview`, the files it names are rendered and handed to its `publish` before the others.
pub fn render_site(inputs: &Inputs, renderers: &[&dyn Renderer], output: &mut Output, preview: Option<&Preview>) -> Result<Arc<Shapes>, Errors> {
    // Template renders need big stacks: see `templates::on_render_threads`.
    templates::on_render_threads(|| render_site_here(inputs, renderers, output, preview))
}

fn render_site_here(inputs: &Inputs, renderers: &[&dyn Renderer], output: &mut Output, preview: Option<&Preview>) -> Result<Arc<Shapes>, Errors> {
    let (config, library, templates) = (inputs.config, inputs.library, inputs.templates);
    let started = std::time::Instant::now();
    let codes = Arc::new(QrCodes::default());
    let images = Arc::new(crate::images::Images::new(inputs.root, &config.base_url, config.theme.as_deref()));
    let config_values = config_values(config);
    let shortcode_tera = inputs.engine(None, &codes, &images);
    let bodies = inputs.bodies(&shortcode_tera, &config_values, &images);

    let previous = preview.and_then(|p| p.previous);
    // A one-shot build keeps the bodies beyond a budget in a temporary file beside its staging
    // folder, so that memory does not grow with the site (see `crate::spill`).
    let spill = output.staging().and_then(|dir| crate::spill::Spill::create(dir.parent().unwrap_or(dir)));
    let page_bodies: Vec<Result<Arc<Rendered>, Vec<Error>>> = (0..library.pages.len())
        .into_par_iter()
        .map(|i| match previous.and_then(|p| p.reusable(&library.pages[i], config)) {
            Some(body) => Ok(body),
            None => bodies.page(i).map(|mut body| {
                if let Some(spill) = &spill {
                    body.content = spill.keep(body.content);
                }
                Arc::new(body)
            }),
        })
        .collect();
    let section_bodies: Vec<Result<Arc<Rendered>, Vec<Error>>> = (0..library.sections.len()).into_par_iter().map(|i| bodies.section(i).map(Arc::new)).collect();
    let mut errors = Errors::default();
    let page_bodies = collect_ok(page_bodies, &mut errors);
    let section_bodies = collect_ok(section_bodies, &mut errors);
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    // A streaming build is a one-shot build: nothing reads the pages' Markdown again, so it goes
    // now rather than staying to the end (`serve` and `check` render into memory and keep it).
    if output.staging().is_some() {
        library.pages.iter().for_each(|page| page.body.release());
    }

    let shapes = Arc::new(Shapes::new(library, inputs.campaign, config, page_bodies, section_bodies, spill, templates.listed_bodies_read.is_some()));
    let tera = inputs.engine(Some(shapes.clone()), &codes, &images);
    let pages = inputs.pages(&tera, &config_values, &shapes);

    crate::timing::timing("Markdown", started);
    match &templates.listed_bodies_read {
        Some(why) => crate::timing::note(&format!("listed pages carry their bodies ({why})")),
        None => crate::timing::note("listed pages carry no bodies: no template reads them"),
    }
    if let Some(spill) = &shapes.spill {
        crate::timing::note(&format!("bodies kept in the temporary file: {} bytes", spill.spilled()));
    }
    let started = std::time::Instant::now();
    let newer_edit = || Preview::abandoned(preview);
    let mut jobs = pages.jobs();
    // Listings go first: one of them (a home page listing every section's pages, a list of all
    // terms) can take a tenth of the build on one thread, and started last it would leave the other
    // threads idle at the end.
    jobs.sort_by_key(|job| !matches!(job, Job::SectionPager { .. } | Job::TaxonomyList(_)));
    let (first, jobs) = pages.render_first(jobs, preview);
    // A streaming build writes each file as soon as it is rendered, so the site is never in memory whole.
    let staging = output.staging().map(Path::to_path_buf);
    let print_prefix = format!("{}/", crate::print::PRINT_DIR);
    let stage = |result: Result<(String, String), Error>| {
        result.and_then(|(path, html)| crate::output::stage(staging.as_deref(), &print_prefix, path, html.into_bytes()))
    };
    let mut rendered: Vec<StagedJob> = first.into_iter().map(|(job, result)| (job, stage(result))).collect();
    rendered.par_extend(jobs.into_par_iter().map(|job| {
        let result = if newer_edit() { Err(Error::new("left out for a newer edit")) } else { stage(pages.render(&job)) };
        (job, result)
    }));
    for (job, result) in rendered {
        match result {
            Ok((path, entry)) => output.claim(path, entry, pages.origin(&job)),
            Err(e) => errors.push(e),
        }
    }
    let engine = Engine { pages: &pages };
    for renderer in renderers {
        match renderer.render(&engine, None) {
            Ok(files) => files.into_iter().for_each(|(path, entry, origin)| output.claim(path, entry, origin)),
            Err(e) => errors.extend(e),
        }
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    // The verification page comes last, so it can list every QR code the other pages printed.
    match pages.verify_page(&codes) {
        Ok(Some((path, html))) => output.claim(path, Entry::Bytes(html.into_bytes()), Origin::new("the verification page", None)),
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    let mut code_images = Output::default();
    if let Err(e) = codes.finish(&mut code_images) {
        errors.extend(e);
    }
    output.merge(code_images, &Origin::new("a QR code image", None));
    if let Err(e) = images.finish(output) {
        errors.extend(e);
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    if let Err(e) = pages.redirects(output) {
        errors.push(e);
    }
    if let Err(e) = pages.internal_templates(output) {
        errors.push(e);
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    pages.assets(output);
    if !templates.has("404.html") {
        // As in Zola, a site without a 404 template still gets a plain page for its web server.
        output.claim("404.html", Entry::Bytes(not_found_page(config).into_bytes()), Origin::new("the built-in 404 page", None));
    }
    crate::timing::timing("rendering", started);
    Ok(shapes)
}

/// The plain 404 page written when the site and its theme have no `404.html` template.
fn not_found_page(config: &Config) -> String {
    let home = markdown::escape_attr(&config.permalink("/"));
    let lang = markdown::escape_attr(&config.default_language);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>页面未找到 · Page not found</title>\n</head>\n<body>\n\
         <h1>页面未找到 · Page not found</h1>\n<p><a href=\"{home}\">返回首页 · Home</a></p>\n</body>\n</html>\n"
    )
}

/// Re-renders what shows page `index` after its body (not its front matter) changed: the page and
/// its short links and print pages, its neighbours, the listings and term pages that show it, the
/// home page (the caller refreshes the feeds). `serve` uses this so that saving one page on a 10,000-page site does not
/// rebuild the other 9,999. `library` and `shapes` must not be shared (the previous render's
/// template functions are gone by then); returns the number of files rendered. With `preview`, the
/// files it wants first are rendered and handed to its `publish` before the others.
pub fn rerender_page(
    inputs: &Inputs,
    renderers: &[&dyn Renderer],
    shapes: &mut Arc<Shapes>,
    index: usize,
    output: &mut Output,
    preview: Option<&Preview>,
) -> Result<usize, Errors> {
    templates::on_render_threads(|| rerender_page_here(inputs, renderers, shapes, index, output, preview))
}

fn rerender_page_here(
    inputs: &Inputs,
    renderers: &[&dyn Renderer],
    shapes: &mut Arc<Shapes>,
    index: usize,
    output: &mut Output,
    preview: Option<&Preview>,
) -> Result<usize, Errors> {
    let (config, library) = (inputs.config, inputs.library);
    let codes = Arc::new(QrCodes::default());
    let images = Arc::new(crate::images::Images::new(inputs.root, &config.base_url, config.theme.as_deref()));
    let config_values = config_values(config);
    let body = {
        let shortcode_tera = inputs.engine(None, &codes, &images);
        inputs.bodies(&shortcode_tera, &config_values, &images).page(index).map_err(Errors::from)?
    };
    let Some(shapes_mut) = Arc::get_mut(shapes) else {
        return Err(Error::new("the page shapes are still shared; rebuilding everything instead").into());
    };
    shapes_mut.page_listing[index] = values::page_listing(library, inputs.campaign, config, &library.pages[index], Some(&body));
    shapes_mut.page_bodies[index] = Arc::new(body);

    let tera = inputs.engine(Some(shapes.clone()), &codes, &images);
    let pages = inputs.pages(&tera, &config_values, shapes.as_ref());
    let jobs = pages.jobs_showing(index);
    let (first, jobs) = pages.render_first(jobs, preview);
    let rest: Vec<Result<(String, String), Error>> = jobs.par_iter().map(|job| pages.render(job)).collect();
    let rendered: Vec<Result<(String, String), Error>> = first.into_iter().map(|(_, result)| result).chain(rest).collect();
    let mut errors = Errors::default();
    let mut count = rendered.len();
    for result in rendered {
        match result {
            Ok((path, html)) => output.add(path, html.into_bytes()),
            Err(e) => errors.push(e),
        }
    }
    let engine = Engine { pages: &pages };
    for renderer in renderers {
        match renderer.render(&engine, Some(index)) {
            Ok(files) => {
                count += files.len();
                files.into_iter().for_each(|(path, entry, _)| output.add_entry(path, entry));
            }
            Err(e) => errors.extend(e),
        }
    }
    if let Err(e) = codes.finish(output) {
        errors.extend(e);
    }
    if let Err(e) = images.finish(output) {
        errors.extend(e);
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(count)
    }
}

fn collect_ok(results: Vec<Result<Arc<Rendered>, Vec<Error>>>, errors: &mut Errors) -> Vec<Arc<Rendered>> {
    results
        .into_iter()
        .map(|r| match r {
            Ok(rendered) => rendered,
            Err(list) => {
                errors.extend(list);
                Arc::new(Rendered::default())
            }
        })
        .collect()
}

/// Renders Markdown bodies with their shortcodes.
struct Bodies<'a> {
    tera: &'a Tera,
    /// `config` as each language's templates see it.
    config_values: &'a std::collections::BTreeMap<String, Value>,
    templates: &'a Templates,
    config: &'a Config,
    library: &'a Library,
    campaign: &'a Campaign,
    images: &'a crate::images::Images,
}

impl Bodies<'_> {
    fn page(&self, index: usize) -> Result<Rendered, Vec<Error>> {
        let page = &self.library.pages[index];
        let meta = values::page_listing(self.library, self.campaign, self.config, page, None).value();
        self.body(&page.body.text(), &page.file, page.body_line, &self.config.permalink(&page.path), ("page", meta), &page.lang)
    }

    fn section(&self, index: usize) -> Result<Rendered, Vec<Error>> {
        let section = &self.library.sections[index];
        let meta = values::section_meta(self.library, self.config, section);
        self.body(&section.body, &section.file, section.body_line, &self.config.permalink(&section.path), ("section", meta), &section.lang)
    }

    fn body(&self, body: &str, file: &Path, body_line: usize, permalink: &str, owner: (&str, Value), lang: &str) -> Result<Rendered, Vec<Error>> {
        let (text, calls) =
            shortcodes::extract(body).map_err(|e| vec![Error::at(file, body_line + e.line - 1, e.column, e.message).with_hint(SHORTCODE_HINT)])?;
        let mut html_calls = Vec::with_capacity(calls.len());
        let mut errors = Vec::new();
        for call in &calls {
            let line = body_line + call.line - 1;
            let name = format!("shortcodes/{}.html", call.name);
            if !self.templates.has(&name) {
                errors.push(
                    Error::at(file, line, call.column, format!("there is no shortcode `{}`", call.name))
                        .with_hint(format!("shortcodes are templates in templates/shortcodes/; known: {}", self.templates.shortcodes().join(", "))),
                );
                continue;
            }
            let mut context = Context::new();
            for (key, value) in &call.args {
                context.insert(key, value);
            }
            if let Some(body) = &call.body {
                context.insert("body", body);
            }
            context.insert("nth", &call.nth);
            context.insert(owner.0, &owner.1);
            context.insert("config", &self.config_values[lang]);
            context.insert("lang", lang);
            match templates::render(self.tera, &name, &context) {
                Ok(html) => html_calls.push(html),
                Err(f) => errors.push(Error::at(file, line, call.column, format!("the shortcode `{}` failed: {}", call.name, f.cause)).with_hint(
                    f.hint.map(String::from).unwrap_or_else(|| format!("check its arguments here, or the template {}", self.templates.origin(&name))),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let cx = markdown::Context {
            config: &self.config.markdown,
            library: self.library,
            base_url: &self.config.base_url,
            file,
            body_line,
            permalink,
            images: Some(self.images),
        };
        let mut rendered = markdown::render(&text, &cx)?;
        if !html_calls.is_empty() {
            rendered.content = shortcodes::insert(&rendered.content.text(), &html_calls).into();
            rendered.summary = rendered.summary.map(|s| shortcodes::insert(&s, &html_calls));
        }
        Ok(rendered)
    }
}

const SHORTCODE_HINT: &str = "shortcodes look like {{ name(key=\"value\") }}, or {% name() %}...{% end %} with a body";

/// A rendered job: its file's path and HTML.
type RenderedJob = (Job, Result<(String, String), Error>);
/// A rendered job whose file is staged (written, when the build streams).
type StagedJob = (Job, Result<(String, Entry), Error>);

/// One HTML file to render.
enum Job {
    Page(usize),
    /// A channel's page again at its short QR link `/q/<id>/`, so a scan lands in one request.
    ShortLink(usize),
    /// A unit's page again at its short link.
    UnitLink(usize),
    /// A unit's page again at `/q/<unit>/<item>/`, where the QR code on that item's variant lands,
    /// so scans can be counted per item; it names the unit's short link as canonical.
    UnitItemLink {
        unit: usize,
        item: usize,
    },
    SectionPager {
        section: usize,
        pager: usize,
    },
    TaxonomyList(usize),
    TermPager {
        taxonomy: usize,
        term: usize,
        pager: usize,
    },
    NotFound,
    /// The search page of a language at `/search/` (`/en/search/`), beside its index.
    Search(String),
}

/// Renders pages, listings and special files through the site's templates.
struct Pages<'a> {
    tera: &'a Tera,
    /// What every page's context starts with (`config`, `lang`), serialised once per language, not
    /// once per page.
    common: std::collections::BTreeMap<String, Context>,
    templates: &'a Templates,
    config: &'a Config,
    library: &'a Library,
    campaign: &'a Campaign,
    shapes: &'a Shapes,
}

impl Pages<'_> {
    fn jobs(&self) -> Vec<Job> {
        let mut jobs: Vec<Job> = (0..self.library.pages.len()).filter(|&i| self.library.pages[i].published).map(Job::Page).collect();
        jobs.extend((0..self.campaign.channels.len()).map(Job::ShortLink));
        jobs.extend((0..self.campaign.print.units.len()).map(Job::UnitLink));
        jobs.extend(self.unit_item_links(|_| true));
        for (i, section) in self.library.sections.iter().enumerate() {
            if !section.meta.render || section.meta.redirect_to.is_some() || !self.library.section_published(i) {
                continue;
            }
            let pagers = pager_count(section.pages.len(), section.meta.paginate_by);
            jobs.extend((1..=pagers).map(|pager| Job::SectionPager { section: i, pager }));
        }
        for (t, taxonomy) in self.library.taxonomies.iter().enumerate() {
            if !taxonomy.config.render {
                continue;
            }
            jobs.push(Job::TaxonomyList(t));
            for (n, term) in taxonomy.terms.iter().enumerate() {
                let pagers = pager_count(term.pages.len(), taxonomy.config.paginate_by);
                jobs.extend((1..=pagers).map(|pager| Job::TermPager { taxonomy: t, term: n, pager }));
            }
        }
        if self.templates.has("404.html") {
            jobs.push(Job::NotFound);
        }
        let taken = |path: &str| self.library.pages.iter().any(|p| p.path == path) || self.library.sections.iter().any(|s| s.path == path);
        for lang in self.config.language_codes() {
            let path = format!("{}/search/", self.config.lang_prefix(lang));
            if self.config.search_of(lang) && self.templates.has("search.html") && !taken(&path) {
                jobs.push(Job::Search(lang.to_string()));
            }
        }
        jobs
    }

    /// The per-item landing pages of the units that `wanted` picks.
    fn unit_item_links(&self, wanted: impl Fn(usize) -> bool) -> Vec<Job> {
        let print = &self.campaign.print;
        let mut jobs = Vec::new();
        for (item, it) in print.items.iter().enumerate() {
            for (unit, _) in print.units.iter().enumerate().filter(|(u, unit)| wanted(*u) && it.units.contains(&unit.id)) {
                jobs.push(Job::UnitItemLink { unit, item });
            }
        }
        jobs
    }

    /// The jobs whose output shows page `i`: see [`rerender_page`].
    fn jobs_showing(&self, i: usize) -> Vec<Job> {
        let lib = self.library;
        let page = &lib.pages[i];
        let mut jobs = if page.published { vec![Job::Page(i)] } else { vec![] };
        jobs.extend(page.lower.into_iter().chain(page.higher).map(Job::Page));
        jobs.extend(self.campaign.channels.iter().enumerate().filter(|(_, c)| c.page == i).map(|(c, _)| Job::ShortLink(c)));
        jobs.extend(self.campaign.print.units.iter().enumerate().filter(|(_, u)| u.page == i).map(|(u, _)| Job::UnitLink(u)));
        jobs.extend(self.unit_item_links(|u| self.campaign.print.units[u].page == i));
        for (s, section) in lib.sections.iter().enumerate() {
            if !section.meta.render || section.meta.redirect_to.is_some() || !lib.section_published(s) {
                continue;
            }
            if let Some(position) = section.pages.iter().position(|&p| p == i) {
                let pager = section.meta.paginate_by.map(|by| position / by + 1).unwrap_or(1);
                jobs.push(Job::SectionPager { section: s, pager });
            } else if section.parent.is_none() {
                // The home page lists the newest pages of every section.
                jobs.push(Job::SectionPager { section: s, pager: 1 });
            }
        }
        for (t, taxonomy) in lib.taxonomies.iter().enumerate().filter(|(_, t)| t.config.render) {
            for (n, term) in taxonomy.terms.iter().enumerate() {
                if let Some(position) = term.pages.iter().position(|&p| p == i) {
                    let pager = taxonomy.config.paginate_by.map(|by| position / by + 1).unwrap_or(1);
                    jobs.push(Job::TermPager { taxonomy: t, term: n, pager });
                }
            }
        }
        jobs
    }

    /// The context of a page of the default language at `path`.
    fn base_context(&self, path: &str) -> Context {
        self.base_context_in(path, &self.config.default_language)
    }

    /// The context of a page of `lang` at `path`: `config` and `lang` are that language's.
    fn base_context_in(&self, path: &str, lang: &str) -> Context {
        let mut context = self.common.get(lang).cloned().unwrap_or_default();
        context.insert("current_path", path);
        context.insert("current_url", &self.config.permalink(path));
        context
    }

    fn render(&self, job: &Job) -> Result<(String, String), Error> {
        let lib = self.library;
        match *job {
            Job::Page(i) => self.render_page(i, &lib.pages[i].path),
            Job::ShortLink(c) => self.render_page(self.campaign.channels[c].page, &self.campaign.channels[c].short_path),
            Job::UnitLink(u) => self.render_page(self.campaign.print.units[u].page, &self.campaign.print.units[u].short_path),
            Job::UnitItemLink { unit, item } => {
                let unit = &self.campaign.print.units[unit];
                self.render_page_as(unit.page, &self.campaign.print.items[item].landing_path(unit), Some(&unit.short_url))
            }
            Job::SectionPager { section: i, pager } => {
                let section = &lib.sections[i];
                let default = if section.canonical == "_index.md" { "index.html" } else { "section.html" };
                let template = section.meta.template.clone().unwrap_or_else(|| default.into());
                let pagination = Pagination {
                    base_path: &section.path,
                    paginate_path: &section.meta.paginate_path,
                    paginate_by: section.meta.paginate_by.unwrap_or(0),
                    total_items: section.pages.len(),
                };
                let path = pagination.pager_path(pager);
                let mut context = self.base_context_in(&path, &section.lang);
                let mut order = section.pages.clone();
                if section.meta.paginate_by.is_some() && section.meta.paginate_reversed {
                    order.reverse();
                }
                let pages = self.paginate(&mut context, &pagination, order, pager);
                put(&mut context, "section", self.shapes.section(lib, self.config, i, &pages, true));
                let html = self.render_template(&template, &context, &section.file, "template")?;
                Ok((output_file(&path), html))
            }
            Job::TaxonomyList(t) => {
                let taxonomy = &lib.taxonomies[t];
                let mut context = self.base_context_in(&taxonomy.path, &taxonomy.lang);
                context.insert("taxonomy", &taxonomy_value(taxonomy));
                let terms: Vec<Value> = taxonomy.terms.iter().map(|term| self.shapes.term_in_list(lib, self.config, term)).collect();
                put(&mut context, "terms", Value::Array(terms));
                let template = self.taxonomy_template(&taxonomy.config.name, "list");
                let html = self.render_template(&template, &context, Path::new("config.toml"), "taxonomies")?;
                Ok((output_file(&taxonomy.path), html))
            }
            Job::TermPager { taxonomy: t, term: n, pager } => {
                let taxonomy = &lib.taxonomies[t];
                let term = &taxonomy.terms[n];
                let pagination = Pagination {
                    base_path: &term.path,
                    paginate_path: &taxonomy.config.paginate_path,
                    paginate_by: taxonomy.config.paginate_by.unwrap_or(0),
                    total_items: term.pages.len(),
                };
                let path = pagination.pager_path(pager);
                let mut context = self.base_context_in(&path, &taxonomy.lang);
                context.insert("taxonomy", &taxonomy_value(taxonomy));
                let pages = self.paginate(&mut context, &pagination, term.pages.clone(), pager);
                put(&mut context, "term", self.shapes.term(self.config, term, &pages));
                let template = self.taxonomy_template(&taxonomy.config.name, "single");
                let html = self.render_template(&template, &context, Path::new("config.toml"), "taxonomies")?;
                Ok((output_file(&path), html))
            }
            Job::NotFound => {
                let context = self.base_context("/404.html");
                let html = self.render_template("404.html", &context, Path::new("templates/404.html"), "")?;
                Ok(("404.html".into(), html))
            }
            Job::Search(ref lang) => {
                let path = format!("{}/search/", self.config.lang_prefix(lang));
                let context = self.base_context_in(&path, lang);
                let html = self.render_template("search.html", &context, Path::new("templates/search.html"), "")?;
                Ok((output_file(&path), html))
            }
        }
    }

    /// The pages that pager `pager` of a listing shows, in `order`; when the listing is paginated,
    /// also its `paginator` in `context`. Sections and taxonomy terms paginate alike.
    fn paginate(&self, context: &mut Context, pagination: &Pagination, order: Vec<usize>, pager: usize) -> Vec<usize> {
        if pagination.paginate_by == 0 {
            return order;
        }
        let slice: Vec<usize> = order.chunks(pagination.paginate_by).nth(pager - 1).unwrap_or(&[]).to_vec();
        let count = pager_count(order.len(), Some(pagination.paginate_by));
        let listed = Value::Array(slice.iter().map(|&p| self.shapes.listed(p)).collect());
        put(context, "paginator", pagination.value(self.config, pager, count, listed));
        slice
    }

    /// Renders the jobs that `preview` wants first and hands the good ones to its `publish`;
    /// returns them, each with its job, and the jobs still to render.
    fn render_first(&self, jobs: Vec<Job>, preview: Option<&Preview>) -> (Vec<RenderedJob>, Vec<Job>) {
        let Some(preview) = preview else { return (Vec::new(), jobs) };
        let (now, later): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|job| self.wanted_first(job, preview));
        let rendered: Vec<RenderedJob> = now
            .into_par_iter()
            .map(|job| {
                let result = self.render(&job);
                (job, result)
            })
            .collect();
        // A page with a QR code waits for the rest: its code's image is made at the end.
        let ready = rendered.iter().filter_map(|(_, r)| r.as_ref().ok()).filter(|(_, html)| !html.contains(crate::output::QR_MARKUP));
        (preview.publish)(ready.map(|(path, html)| (path.clone(), html.clone().into_bytes())).collect());
        (rendered, later)
    }

    /// Whether `job` writes one of the files `preview` names, or shows a page made from one of its
    /// source files.
    fn wanted_first(&self, job: &Job, preview: &Preview) -> bool {
        let from_source = |file: &Path| preview.sources.iter().any(|s| s.file_name() == file.file_name() && file.canonicalize().is_ok_and(|f| f == *s));
        match *job {
            Job::Page(i) if from_source(&self.library.pages[i].file) => true,
            _ => preview.outputs.contains(&self.output_path(job)),
        }
    }

    /// The file `job` writes, found without rendering it.
    fn output_path(&self, job: &Job) -> String {
        let lib = self.library;
        let url = match *job {
            Job::Page(i) => lib.pages[i].path.clone(),
            Job::ShortLink(c) => self.campaign.channels[c].short_path.clone(),
            Job::UnitLink(u) => self.campaign.print.units[u].short_path.clone(),
            Job::UnitItemLink { unit, item } => self.campaign.print.items[item].landing_path(&self.campaign.print.units[unit]),
            Job::SectionPager { section, pager } => {
                let section = &lib.sections[section];
                let pagination = Pagination { base_path: &section.path, paginate_path: &section.meta.paginate_path, paginate_by: 0, total_items: 0 };
                pagination.pager_path(pager)
            }
            Job::TaxonomyList(t) => lib.taxonomies[t].path.clone(),
            Job::TermPager { taxonomy, term, pager } => {
                let (taxonomy, term) = (&lib.taxonomies[taxonomy], &lib.taxonomies[taxonomy].terms[term]);
                let pagination = Pagination { base_path: &term.path, paginate_path: &taxonomy.config.paginate_path, paginate_by: 0, total_items: 0 };
                pagination.pager_path(pager)
            }
            Job::NotFound => return "404.html".into(),
            Job::Search(ref lang) => format!("{}/search/", self.config.lang_prefix(lang)),
        };
        output_file(&url)
    }

    /// Who writes `job`'s file, for the error when two sources write one path.
    fn origin(&self, job: &Job) -> Origin {
        let lib = self.library;
        match *job {
            Job::Page(i) => Origin::new("the page", Some(&lib.pages[i].file)),
            Job::ShortLink(c) => {
                Origin::new(format!("the QR landing page of channel `{}`", self.campaign.channels[c].id), Some(&lib.pages[self.campaign.channels[c].page].file))
            }
            Job::UnitLink(u) => Origin::new(
                format!("the QR landing page of unit `{}`", self.campaign.print.units[u].id),
                Some(&lib.pages[self.campaign.print.units[u].page].file),
            ),
            Job::UnitItemLink { unit, item } => Origin::new(
                format!("the QR landing page of `{}` for unit `{}`", self.campaign.print.items[item].id, self.campaign.print.units[unit].id),
                Some(&lib.pages[self.campaign.print.items[item].page].file),
            ),
            Job::SectionPager { section, .. } => Origin::new("the section", Some(&lib.sections[section].file)),
            Job::TaxonomyList(t) | Job::TermPager { taxonomy: t, .. } => Origin::new(format!("the taxonomy `{}`", lib.taxonomies[t].config.name), None),
            Job::NotFound => Origin::new("the 404 page", None),
            Job::Search(_) => Origin::new("the search page", None),
        }
    }

    /// Renders page `i` at the URL `path` (its own, or a channel's short link).
    fn render_page(&self, i: usize, path: &str) -> Result<(String, String), Error> {
        self.render_page_as(i, path, None)
    }

    /// [`Pages::render_page`], naming `canonical` as the page's canonical address when it is shown
    /// again under another path.
    fn render_page_as(&self, i: usize, path: &str, canonical: Option<&str>) -> Result<(String, String), Error> {
        let lib = self.library;
        let page = &lib.pages[i];
        let template = match &page.meta.template {
            Some(t) => t.clone(),
            None => lib
                .ancestors(Some(page.section))
                .into_iter()
                .rev()
                .find_map(|s| lib.sections[s].meta.page_template.clone())
                .unwrap_or_else(|| "page.html".into()),
        };
        let mut context = self.base_context_in(path, &page.lang);
        if let Some(canonical) = canonical {
            context.insert("canonical_url", canonical);
        }
        put(&mut context, "page", self.shapes.page(lib, i));
        let html = self.render_template(&template, &context, &page.file, "template")?;
        Ok((output_file(path), html))
    }

    /// The verification page (核验): every official channel and every QR target the site prints.
    fn verify_page(&self, codes: &QrCodes) -> Result<Option<(String, String)>, Error> {
        let path = format!("/{}/", self.config.channels.verify_path.trim_matches('/'));
        if !self.templates.has("verify.html") {
            return Ok(None);
        }
        let mut context = self.base_context(&path);
        context.insert("channels", &self.campaign.channels);
        let list = codes.list();
        let short_links = self.config.permalink(&format!("/{}/", self.config.channels.short_path.trim_matches('/')));
        context.insert("qr_groups", &QrCodes::grouped(&list, &short_links));
        context.insert("qr_codes", &list);
        let html = self.render_template("verify.html", &context, Path::new("config.toml"), "")?;
        Ok(Some((output_file(&path), html)))
    }

    /// A taxonomy's own `<name>/list.html` (or `single.html`) when the site or theme has one, else
    /// the shared `taxonomy_list.html` (or `taxonomy_single.html`), as Zola looks them up.
    fn taxonomy_template(&self, name: &str, kind: &str) -> String {
        let own = format!("{name}/{kind}.html");
        if self.templates.has(&own) {
            own
        } else {
            format!("taxonomy_{kind}.html")
        }
    }

    fn render_template(&self, template: &str, context: &Context, file: &Path, key: &str) -> Result<String, Error> {
        if !self.templates.has(template) {
            let error = Error::in_file(file, format!("the template `{template}` does not exist"))
                .with_hint(format!("templates are looked up in {}", self.templates.search_path()));
            let lib = self.library;
            let keys = lib.pages.iter().map(|p| (&p.file, &p.keys)).chain(lib.sections.iter().map(|s| (&s.file, &s.keys))).find(|(f, _)| *f == file);
            return Err(match keys {
                Some((_, keys)) => keys.locate(error, key),
                None if file == Path::new("config.toml") => self.config.keys.locate(error, key),
                None => error,
            });
        }
        templates::render(self.tera, template, context).map_err(|f| {
            if let Some(error) = functions::image_call_failure(&f.cause, file, &self.templates.origin_path(template)) {
                return error;
            }
            Error::new(format!("could not render `{}` with `{template}`: {}", file.display(), f.cause))
                .located(self.templates.origin_path(template), 0, 0)
                .with_hint(f.hint.unwrap_or("a variable may be missing: guard optional values with `{% if x is defined %}` or `| default(value=...)`"))
        })
    }

    /// Files placard makes itself unless the site or theme has a template for them, as in Zola:
    /// `robots.txt` (sees `config`), `sitemap.xml` (sees `entries`: `permalink`, `updated`) and each
    /// feed file such as `atom.xml` (sees `feed_url`, `last_updated`, `pages`, and `section` or `term`).
    fn internal_templates(&self, output: &mut Output) -> Result<(), Error> {
        let lib = self.library;
        if self.config.generate_robots_txt && self.templates.has("robots.txt") {
            let context = self.base_context("/robots.txt");
            let text = self.render_template("robots.txt", &context, Path::new("templates/robots.txt"), "")?;
            output.claim("robots.txt", Entry::Bytes(text.into_bytes()), Origin::new("the robots.txt template", None));
        }
        if self.config.generate_sitemap && self.templates.has("sitemap.xml") {
            let entries: Vec<Value> = crate::feeds::sitemap_entries(self.config, lib)
                .into_iter()
                .map(|(path, updated)| json!({"permalink": crate::urls::encode_iri(&self.config.permalink(&path)), "updated": updated}))
                .collect();
            let mut context = self.base_context("/sitemap.xml");
            put(&mut context, "entries", Value::Array(entries));
            let text = self.render_template("sitemap.xml", &context, Path::new("templates/sitemap.xml"), "")?;
            output.claim("sitemap.xml", Entry::Bytes(text.into_bytes()), Origin::new("the sitemap.xml template", None));
        }
        for feed in crate::feeds::feeds(self.config, lib).into_iter().filter(|f| self.templates.has(&f.file)) {
            let file = feed.output_path();
            let mut context = self.base_context_in(&format!("/{file}"), &feed.lang);
            context.insert("feed_url", &self.config.permalink(&format!("/{file}")));
            context.insert("last_updated", &feed.last_updated(lib));
            put(&mut context, "pages", Value::Array(feed.pages.iter().map(|&i| self.shapes.page(lib, i)).collect()));
            match feed.of {
                FeedOf::Site => {}
                FeedOf::Section(s) => put(&mut context, "section", self.shapes.section(lib, self.config, s, &[], false)),
                FeedOf::Term(t, n) => {
                    context.insert("taxonomy", &taxonomy_value(&lib.taxonomies[t]));
                    put(&mut context, "term", self.shapes.term(self.config, &lib.taxonomies[t].terms[n], &[]));
                }
            }
            let text = self.render_template(&feed.file, &context, Path::new("config.toml"), "feed_filenames")?;
            output.claim(file, Entry::Bytes(text.into_bytes()), Origin::new("a feed template", None));
        }
        Ok(())
    }

    /// The alias template: the site's or theme's `internal/alias.html` (Zola's name) or
    /// `alias.html`, rendered with `url`; else placard's built-in redirect page.
    fn redirect_html(&self, to: &str) -> Result<String, Error> {
        let Some(name) = ["internal/alias.html", "alias.html"].into_iter().find(|n| self.templates.has(n)) else {
            return Ok(redirect_page(to, &self.config.default_language));
        };
        let mut context = self.base_context("/");
        context.insert("url", to);
        self.render_template(name, &context, &self.templates.origin_path(name), "")
    }

    /// Alias and `redirect_to` pages, plus the pager-1 redirect Zola writes for paginated listings.
    fn redirects(&self, output: &mut Output) -> Result<(), Error> {
        let lib = self.library;
        let mut redirects: Vec<(String, String, Origin)> = Vec::new();
        for page in lib.pages.iter().filter(|p| p.published) {
            for alias in &page.meta.aliases {
                redirects.push((alias.clone(), self.config.permalink(&page.path), Origin::new(format!("the alias `{alias}`"), Some(&page.file))));
            }
        }
        for section in &lib.sections {
            for alias in &section.meta.aliases {
                redirects.push((alias.clone(), self.config.permalink(&section.path), Origin::new(format!("the alias `{alias}`"), Some(&section.file))));
            }
            if let Some(target) = &section.meta.redirect_to {
                let to = if target.starts_with("http") { target.clone() } else { self.config.permalink(&format!("/{}", target.trim_start_matches('/'))) };
                redirects.push((section.path.clone(), to, Origin::new("the section's `redirect_to`", Some(&section.file))));
            }
            if section.meta.paginate_by.is_some() && section.meta.render {
                let from = format!("{}{}/1/", section.path, section.meta.paginate_path);
                redirects.push((from, self.config.permalink(&section.path), Origin::new("the redirect from page 1 of the section", Some(&section.file))));
            }
        }
        for taxonomy in lib.taxonomies.iter().filter(|t| t.config.render && t.config.paginate_by.is_some()) {
            for term in &taxonomy.terms {
                let from = format!("{}{}/1/", term.path, taxonomy.config.paginate_path);
                redirects.push((from, self.config.permalink(&term.path), Origin::new(format!("the redirect from page 1 of the term `{}`", term.name), None)));
            }
        }
        for (from, to, origin) in redirects {
            let html = self.redirect_html(&to)?;
            output.claim(output_file(&from), Entry::Bytes(html.into_bytes()), origin);
        }
        Ok(())
    }

    /// Bundle and section assets, copied beside their page. The assets of print sources (a letter's
    /// seal, a poster's pictures) go into the print tree only, never onto the website.
    fn assets(&self, output: &mut Output) {
        let lib = self.library;
        let pages = lib.pages.iter().map(|p| (&p.path, &p.assets, p.published, &p.file));
        let sections = lib.sections.iter().enumerate().map(|(i, s)| (&s.path, &s.assets, lib.section_published(i), &s.file));
        for (path, assets, published, source) in pages.chain(sections) {
            let folder = if published { String::new() } else { format!("{}/", crate::print::PRINT_DIR) };
            let home = source.parent().unwrap_or(Path::new(""));
            for file in assets {
                // A file in a subfolder of a bundle keeps that subfolder, as in Zola.
                let below = file.strip_prefix(home).ok().and_then(|r| r.components().map(|c| c.as_os_str().to_str()).collect::<Option<Vec<_>>>());
                if let Some(parts) = below.filter(|p| !p.is_empty()) {
                    let origin = Origin::new("a file of a page bundle", Some(file));
                    output.claim(format!("{folder}{}{}", path.trim_start_matches('/'), parts.join("/")), published_asset(file, published), origin);
                }
            }
        }
    }
}

/// A bundle file as it is published: a JPEG photo on the website loses the place and time its
/// camera wrote into it (nothing else changes); everything else is copied as it is.
fn published_asset(file: &Path, on_website: bool) -> Entry {
    let jpeg = file.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"));
    if on_website && jpeg {
        // An unreadable file is reported by the writer, which copies it.
        if let Some(clean) = std::fs::read(file).ok().and_then(|bytes| crate::images::without_metadata(&bytes)) {
            return Entry::Bytes(clean);
        }
    }
    Entry::Copy(file.to_path_buf())
}

/// `config` as the templates of each language see it.
fn config_values(config: &Config) -> std::collections::BTreeMap<String, Value> {
    config.language_codes().into_iter().map(|lang| (lang.to_string(), config.to_value_for(lang))).collect()
}

/// The part of [`Pages::base_context_in`] that is the same for every page of a language.
fn common_contexts(values: &std::collections::BTreeMap<String, Value>) -> std::collections::BTreeMap<String, Context> {
    values
        .iter()
        .map(|(lang, value)| {
            let mut context = Context::new();
            context.insert("config", value);
            context.insert("lang", lang);
            (lang.clone(), context)
        })
        .collect()
}

fn taxonomy_value(taxonomy: &crate::content::Taxonomy) -> Value {
    // The path is `/<slug>/`, or `/<lang>/<slug>/` for another language: the slug is the last part.
    let slug = taxonomy.path.trim_matches('/').rsplit('/').next().unwrap_or("");
    json!({
        "name": taxonomy.config.name,
        "slug": slug,
        "lang": taxonomy.lang,
        "path": taxonomy.path,
        "paginate_by": taxonomy.config.paginate_by,
        "paginate_path": taxonomy.config.paginate_path,
        "feed": taxonomy.config.feed,
    })
}

/// Moves `value` into the template context. `Context::insert` would serialise (copy) it again, and
/// listings with page bodies are the biggest values a build makes.
fn put(context: &mut Context, key: &str, value: Value) {
    let mut map = serde_json::Map::new();
    map.insert(key.to_string(), value);
    if let Ok(extra) = Context::from_value(Value::Object(map)) {
        context.extend(extra);
    }
}

/// How many pagers a listing of `items` needs; an empty listing still gets its first page.
fn pager_count(items: usize, paginate_by: Option<usize>) -> usize {
    match paginate_by {
        Some(by) if by > 0 => items.div_ceil(by).max(1),
        _ => 1,
    }
}

/// A tiny page that sends browsers (with or without JavaScript) and search engines to `to`, in the
/// site's language: Chinese for a `zh` site, English otherwise.
pub fn redirect_page(to: &str, lang: &str) -> String {
    let to = markdown::escape_attr(to);
    let chinese = lang == "zh" || lang.starts_with("zh-");
    let (title, before, after) = if chinese { ("页面已移动", "此页面已移至 ", "。") } else { ("Page moved", "This page has moved to ", ".") };
    let lang = markdown::escape_attr(lang);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"canonical\" href=\"{to}\"><meta name=\"robots\" content=\"noindex\">\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\"></head>\
         <body><p>{before}<a href=\"{to}\">{to}</a>{after}</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_pages_speak_the_site_language() {
        let zh = redirect_page("https://a.cn/新/", "zh-CN");
        assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("此页面已移至"));
        let en = redirect_page("https://a.cn/x?a=1&b=\"2\"", "en");
        assert!(en.contains("lang=\"en\"") && en.contains("This page has moved to") && !en.contains("此页面"));
        assert!(en.contains("url=https://a.cn/x?a=1&amp;b=&quot;2&quot;"), "{en}");
    }
}
