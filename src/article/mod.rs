//! `placard article`: a page as an article to paste into the WeChat 公众号 editor or a county
//! portal's editor. Both editors remove stylesheets, scripts, classes and forms, and WeChat removes
//! links to other sites and SVG, so the article carries its look in inline styles only (the rules
//! are in [`rules`] and docs/article-rules.md), writes links out as text, and brings its images
//! as files beside it. It ends with the site's primary reporting channels and a QR code (a PNG) to
//! the first channel's landing page (a unit's page: the unit's channels and its landing page).
//!
//! Layout of one export: `<out>/<slug>/article.html` (open it in a browser, select all, copy,
//! paste), `article.txt` (title, summary and original link for the editor's fields, then the
//! text), `images/…` and `qr.png`. Same input, same bytes.

pub mod convert;
pub mod html;
pub mod rules;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::channels::Channel;
use crate::content::{library::Item, Page};
use crate::error::{suggest, Error, Errors};
use crate::markdown::escape_attr;
use crate::output::{Entry, Output};
use crate::qr::QrCode;
use crate::render::values::Shapes;
use crate::site::Site;

/// Shown width of the closing QR code (px), and the width of its PNG: about 10 px per module for a
/// short link, which survives WeChat's recompression and a long-press scan.
const QR_SHOWN_PX: u32 = 220;
const QR_PNG_PX: u32 = 440;
/// Printed size given to [`QrCode::new`]; an article is read on screens, so only the checks matter.
const QR_SIZE_MM: f64 = 40.0;

/// What to export.
#[derive(Debug, Clone)]
pub enum Target {
    /// One page, by its content path (`content/notices/x.md`, `notices/x.md`) or URL path
    /// (`/notices/x/`, or the full address).
    Page(String),
    /// Every page of a section and its subsections (`notices`, `content/notices/_index.md`,
    /// `/notices/`), except expired ones.
    Section(String),
}

/// One exported article.
#[derive(Debug)]
pub struct Exported {
    /// The page's file inside `content/`.
    pub source: String,
    pub dir: PathBuf,
    /// Bytes of article.html, article.txt, the images together, and qr.png.
    pub html_bytes: usize,
    pub text_bytes: usize,
    pub images: usize,
    pub image_bytes: usize,
    pub qr_bytes: usize,
}

/// What an export did.
#[derive(Debug, Default)]
pub struct Report {
    pub exported: Vec<Exported>,
    /// Pages of the section left out because they expired.
    pub expired: Vec<String>,
    pub warnings: Errors,
}

/// One article in memory: its files by path inside its folder.
pub struct Article {
    pub page: usize,
    pub files: BTreeMap<String, Vec<u8>>,
    pub notes: Vec<Error>,
}

/// Renders the site in memory and writes the articles of `target` under `out`.
pub fn run(site: &Site, target: &Target, out: &Path) -> Result<Report, Errors> {
    refuse_site_folder(site, out)?;
    let pages = select(site, target)?;
    let (output, shapes) = site.render_keeping_shapes(None)?;
    let mut report = Report::default();
    let mut articles = Vec::new();
    let mut errors = Errors::default();
    for &index in &pages.pages {
        match article(site, &output, &shapes, index) {
            Ok(a) => articles.push(a),
            Err(e) => errors.push(e),
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    report.expired = pages.expired.iter().map(|&i| format!("content/{}", site.library.pages[i].relative)).collect();
    let folders = folder_names(site, &pages.pages);
    for (article, folder) in articles.into_iter().zip(folders) {
        let dir = out.join(&folder);
        write_folder(&dir, &article.files)?;
        let size = |f: &str| article.files.get(f).map_or(0, Vec::len);
        let images: Vec<&Vec<u8>> = article.files.iter().filter(|(p, _)| p.starts_with("images/")).map(|(_, b)| b).collect();
        report.warnings.extend(article.notes);
        report.exported.push(Exported {
            source: format!("content/{}", site.library.pages[article.page].relative),
            dir,
            html_bytes: size("article.html"),
            text_bytes: size("article.txt"),
            images: images.len(),
            image_bytes: images.iter().map(|b| b.len()).sum(),
            qr_bytes: size("qr.png"),
        });
    }
    Ok(report)
}

/// The pages a target names, in listing order, and the expired pages it leaves out.
pub struct Selection {
    pub pages: Vec<usize>,
    pub expired: Vec<usize>,
}

/// Finds the pages of `target`, or says which names were meant.
pub fn select(site: &Site, target: &Target) -> Result<Selection, Error> {
    match target {
        Target::Page(spec) => Ok(Selection { pages: vec![find_page(site, spec)?], expired: Vec::new() }),
        Target::Section(spec) => {
            let section = find_section(site, spec)?;
            let library = &site.library;
            let mut all = Vec::new();
            let mut queue = vec![section];
            while let Some(s) = queue.pop() {
                all.extend(library.sections[s].pages.iter().copied());
                // Listings leave expired pages out; they are named in the report instead.
                let expired: Vec<usize> =
                    (0..library.pages.len()).filter(|&i| library.pages[i].section == s && library.pages[i].expired && !all.contains(&i)).collect();
                all.extend(expired);
                let mut subs = library.sections[s].subsections.clone();
                subs.sort_by(|a, b| library.sections[*b].relative.cmp(&library.sections[*a].relative));
                queue.extend(subs);
            }
            let (expired, pages): (Vec<usize>, Vec<usize>) = all.into_iter().partition(|&i| library.pages[i].expired);
            if pages.is_empty() {
                let why = if expired.is_empty() { "it has no pages" } else { "all its pages have expired" };
                return Err(Error::new(format!("the section `{spec}` has nothing to export: {why}"))
                    .with_hint("export a single page by its path instead, like `placard article content/notices/x.md`"));
            }
            Ok(Selection { pages, expired })
        }
    }
}

/// The page named by its content path or URL path.
pub fn find_page(site: &Site, spec: &str) -> Result<usize, Error> {
    let library = &site.library;
    let relative = content_relative(spec);
    match library.get(&relative) {
        Some(Item::Page(i)) => return Ok(i),
        Some(Item::Section(_)) => {
            return Err(Error::new(format!("`{spec}` is a section, not a page"))
                .with_hint(format!("export all its pages with `placard article --section {}`", section_name(&relative))))
        }
        None => {}
    }
    let path = url_path(site, spec);
    if let Some(i) = library.pages.iter().position(|p| p.path == path || crate::urls::decode_percent(&p.path) == path) {
        return Ok(i);
    }
    if library.sections.iter().any(|s| s.path == path || crate::urls::decode_percent(&s.path) == path) {
        return Err(Error::new(format!("`{spec}` is a section, not a page"))
            .with_hint(format!("export all its pages with `placard article --section {}`", path.trim_matches('/'))));
    }
    let by_file: Vec<String> = library.pages.iter().map(|p| format!("content/{}", p.relative)).collect();
    let by_path: Vec<String> = library.pages.iter().map(|p| crate::urls::decode_percent(&p.path)).collect();
    let known: Vec<&str> = if spec.ends_with(".md") { by_file.iter().map(String::as_str).collect() } else { by_path.iter().map(String::as_str).collect() };
    let wanted = if spec.ends_with(".md") { format!("content/{relative}") } else { path.clone() };
    let hint = match suggest(&wanted, &known) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "name a page by its file, like `content/notices/xuanshang-tonggao.md`, or by its address, like `/notices/xuanshang-tonggao/`".to_string(),
    };
    Err(Error::new(format!("there is no page `{spec}`")).with_hint(hint))
}

/// The section named by its folder, `_index.md` path or URL path.
pub fn find_section(site: &Site, spec: &str) -> Result<usize, Error> {
    let library = &site.library;
    let wanted = section_name(&content_relative(spec));
    let wanted_path = url_path(site, spec).trim_matches('/').to_string();
    let name = |s: &crate::content::Section| section_name(&s.relative);
    if let Some(i) = library.sections.iter().position(|s| name(s) == wanted || crate::urls::decode_percent(&s.path).trim_matches('/') == wanted_path) {
        return Ok(i);
    }
    let names: Vec<String> = library.sections.iter().map(name).filter(|n| !n.is_empty()).collect();
    let known: Vec<&str> = names.iter().map(String::as_str).collect();
    let hint = match suggest(&wanted, &known) {
        Some(near) => format!("did you mean `{near}`? the sections are: {}", known.join(", ")),
        None => format!("the sections are: {}", known.join(", ")),
    };
    Err(Error::new(format!("there is no section `{spec}`")).with_hint(hint))
}

/// `content/notices/x.md`, `./notices/x.md`, `@/notices/x.md` → `notices/x.md`.
fn content_relative(spec: &str) -> String {
    let spec = spec.trim().replace('\\', "/");
    let spec = spec.trim_start_matches("./").trim_start_matches("@/");
    spec.strip_prefix("content/").unwrap_or(spec).trim_start_matches('/').to_string()
}

/// `notices/_index.md` → `notices`; the root section is ``.
fn section_name(relative: &str) -> String {
    relative.trim_end_matches("_index.md").trim_matches('/').to_string()
}

/// A page's URL path as written on the command line: the full address, `/notices/x/` or
/// `notices/x`, decoded, with slashes at both ends.
fn url_path(site: &Site, spec: &str) -> String {
    let spec = spec.trim();
    let base = site.config.base_url.trim_end_matches('/');
    let spec = spec.strip_prefix(base).unwrap_or(spec);
    let spec = spec.split(['?', '#']).next().unwrap_or("");
    let spec = crate::urls::decode_percent(spec);
    let spec = spec.trim_end_matches("index.html");
    format!("/{}/", spec.trim_matches('/')).replace("//", "/")
}

/// One folder per page: its slug, or its URL path with `-` for `/` when two pages share a slug.
fn folder_names(site: &Site, pages: &[usize]) -> Vec<String> {
    let library = &site.library;
    let slug = |i: usize| {
        let page: &Page = &library.pages[i];
        if page.slug.is_empty() {
            page.path.trim_matches('/').replace('/', "-")
        } else {
            page.slug.clone()
        }
    };
    pages
        .iter()
        .map(|&i| {
            let clash = pages.iter().filter(|&&j| slug(j) == slug(i)).count() > 1;
            let name = if clash { library.pages[i].path.trim_matches('/').replace('/', "-") } else { slug(i) };
            if name.is_empty() {
                "index".to_string()
            } else {
                name
            }
        })
        .collect()
}

/// Refuses to write articles among the site's sources, where the next build would publish them,
/// or into its website folder, which the next build replaces.
fn refuse_site_folder(site: &Site, out: &Path) -> Result<(), Error> {
    let absolute = |p: &Path| {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
        p.components().fold(PathBuf::new(), |mut acc, c| {
            match c {
                std::path::Component::ParentDir => {
                    acc.pop();
                }
                std::path::Component::CurDir => {}
                other => acc.push(other),
            }
            acc
        })
    };
    let (root, out_abs) = (absolute(&site.root), absolute(out));
    let website = absolute(&site.output_dir(&crate::BuildOptions { root: site.root.clone(), ..Default::default() }));
    for (folder, why) in [
        (root.join("content"), "the next build would publish them as part of the site"),
        (root.join("static"), "the next build would publish them as part of the site"),
        (root.join("templates"), "it holds the site's templates"),
        (root.join("themes"), "it holds the site's themes"),
        (website, "every build replaces the website folder"),
    ] {
        if out_abs.starts_with(&folder) {
            return Err(Error::new(format!("refusing to write articles into `{}`: {why}", out.display()))
                .with_hint("write them beside the site, like articles/ (the default)"));
        }
    }
    if root.starts_with(&out_abs) {
        return Err(Error::new(format!("refusing to write articles into `{}`: it holds the site itself", out.display()))
            .with_hint("write them into a folder of their own, like articles/ (the default)"));
    }
    Ok(())
}

/// Replaces `dir` with `files`. A folder that exists but holds no article.html was not written
/// here and is left alone.
fn write_folder(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), Error> {
    if dir.exists() {
        if !dir.join("article.html").is_file() {
            return Err(Error::new(format!("refusing to replace `{}`: it is not an article placard exported (it has no article.html)", dir.display()))
                .with_hint("choose another output folder with -o, or move that folder away"));
        }
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, "replace", e))?;
    }
    for (path, bytes) in files {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", e))?;
        }
        std::fs::write(&file, bytes).map_err(|e| Error::io(&file, "write", e))?;
    }
    Ok(())
}

/// Builds the article of page `index` in memory.
pub fn article(site: &Site, output: &Output, shapes: &Shapes, index: usize) -> Result<Article, Error> {
    let page = &site.library.pages[index];
    let body = shapes.page_bodies.get(index).map(|b| b.content.text()).unwrap_or_default();
    let mut assets = SiteAssets { site, output, page, files: BTreeMap::new() };
    let converted = convert::convert(&html::parse(&body), &mut assets);
    let mut files = assets.files;
    let mut notes: Vec<Error> = converted.notes.iter().map(|n| Error::warning(format!("article: {n}")).located(&page.file, 0, 0)).collect();
    if page.expired {
        notes.push(Error::warning("article: this page has expired; check that the article is still true before posting it").located(&page.file, 0, 0));
    }

    let closing = closing(site, page)?;
    if closing.channels == 0 {
        notes.push(Error::warning("article: the site has no primary reporting channels, so the article ends without them").located(&page.file, 0, 0));
    }
    files.insert("qr.png".into(), closing.qr_png);

    let title = page.meta.title.clone().unwrap_or_else(|| page.slug.clone());
    let mut doc = String::new();
    doc.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    doc.push_str(&format!("<title>{}</title>\n</head>\n<body>\n", escape_attr(&title)));
    let fragment = format!("<!-- placard:body -->\n{}<!-- placard:end-body -->\n{}", converted.html, closing.html);
    let problems = rules::check(&fragment);
    if !problems.is_empty() {
        return Err(Error::new(format!("the article of this page breaks the editors' rules: {}", problems.join("; ")))
            .located(&page.file, 0, 0)
            .with_hint("this is a bug in placard; please report it with the page"));
    }
    doc.push_str(&fragment);
    doc.push_str("</body>\n</html>\n");
    files.insert("article.html".into(), doc.into_bytes());

    let mut text = format!("标题：{title}\n");
    if let Some(description) = page.meta.description.as_deref().filter(|d| !d.trim().is_empty()) {
        text.push_str(&format!("摘要：{}\n", description.trim()));
    }
    if let Some(date) = &page.date {
        text.push_str(&format!("日期：{}\n", date.text));
    }
    text.push_str(&format!("原文链接：{}\n\n", site.config.permalink(&page.path)));
    text.push_str(&converted.text);
    text.push('\n');
    text.push_str(&closing.text);
    files.insert("article.txt".into(), text.into_bytes());
    Ok(Article { page: index, files, notes })
}

/// The end of every article: the channels residents can use, and a QR code.
struct Closing {
    html: String,
    text: String,
    qr_png: Vec<u8>,
    channels: usize,
}

fn closing(site: &Site, page: &Page) -> Result<Closing, Error> {
    let library = &site.library;
    // A village's or community's own page ends with its own channels first, then the town's, and
    // its code leads to its landing page, as on its posters.
    let campaign = &site.campaign;
    let unit = campaign.print.units.iter().find(|u| std::ptr::eq(&library.pages[u.page], page));
    let (reporting, emergency): (Vec<&Channel>, Vec<&Channel>) = match unit {
        Some(u) => u.channels.iter().filter_map(|id| campaign.channel(id)).partition(|c| !c.emergency),
        None => campaign.channels.iter().filter(|c| c.primary).partition(|c| !c.emergency),
    };
    const HEAD: &str = "margin:1.5em 0 0.75em;font-size:18px;font-weight:bold;line-height:1.4;color:#a61b1b";
    const LINE: &str = "margin:0 0 0.75em;line-height:1.75;font-size:17px;color:#222";
    const SMALL: &str = "font-size:15px;color:#555";
    let mut html = String::from("<hr>\n");
    let mut text = String::new();
    if !reporting.is_empty() {
        html.push_str(&format!("<h3 style=\"{HEAD}\">举报渠道</h3>\n"));
        text.push_str("举报渠道\n");
        for c in &reporting {
            html.push_str(&format!("<p style=\"{LINE}\"><strong>{}</strong>：<strong>{}</strong>", esc(&c.label), esc(&c.display)));
            text.push_str(&format!("{}：{}", c.label, c.display));
            let mut details = Vec::new();
            if let Some(who) = c.answered_by.as_deref().filter(|s| !s.is_empty()) {
                details.push(format!("受理：{who}"));
            }
            if let Some(hours) = c.hours.as_deref().filter(|s| !s.is_empty()) {
                details.push(format!("时间：{hours}"));
            }
            for detail in &details {
                html.push_str(&format!("<br><span style=\"{SMALL}\">{}</span>", esc(detail)));
            }
            if !details.is_empty() {
                text.push_str(&format!("（{}）", details.join("；")));
            }
            html.push_str("</p>\n");
            text.push('\n');
        }
    }
    for c in &emergency {
        html.push_str(&format!("<p style=\"{LINE}\">遇到正在发生的违法犯罪，请立即拨打<strong>{}</strong>（{}）。</p>\n", esc(&c.display), esc(&c.label)));
        text.push_str(&format!("遇到正在发生的违法犯罪，请立即拨打{}（{}）。\n", c.display, c.label));
    }
    // The first channel's landing page is already an official QR target (posters and the
    // verification page use it); without channels, the page itself.
    let (target, what) = match (unit, reporting.first()) {
        (Some(u), _) => (u.short_url.clone(), format!("打开{}的举报渠道页面", u.name)),
        (None, Some(c)) => (c.short_url.clone(), format!("打开{}页面", c.title)),
        (None, None) => (site.config.permalink(&page.path), "打开本文网页".to_string()),
    };
    let code = QrCode::new(&target, QR_SIZE_MM)
        .map_err(|e| Error::new(format!("the article's QR code for `{target}` cannot be made: {e}")).located(&page.file, 0, 0))?;
    code.verify()
        .map_err(|why| Error::new(format!("the article's QR code does not read back: {why}")).with_hint("this is a bug in placard; please report it"))?;
    let readable = crate::render::qr_codes::human_target(&code.payload);
    html.push_str(&format!(
        "<p style=\"{LINE};text-align:center\"><img src=\"qr.png\" alt=\"二维码：{}\" width=\"{QR_SHOWN_PX}\"><br><span style=\"{SMALL}\">长按识别二维码，{}：{}</span></p>\n",
        escape_attr(&readable),
        esc(&what),
        esc(&readable)
    ));
    text.push_str(&format!("[二维码]（qr.png）长按识别二维码，{what}：{readable}\n"));
    Ok(Closing { html, text, qr_png: code.png_width(QR_PNG_PX), channels: reporting.len() })
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Resolves a page's images and links against the rendered site.
struct SiteAssets<'a> {
    site: &'a Site,
    output: &'a Output,
    page: &'a Page,
    files: BTreeMap<String, Vec<u8>>,
}

impl SiteAssets<'_> {
    /// The output path of a same-site address, resolved against the page; `None` for other sites.
    fn output_path(&self, src: &str) -> Option<String> {
        let base = self.site.config.base_url.trim_end_matches('/');
        let src = src.split(['?', '#']).next().unwrap_or("");
        let path = if let Some(rest) = src.strip_prefix(base).filter(|r| r.is_empty() || r.starts_with('/')) {
            rest.to_string()
        } else if src.starts_with("//") || src.contains(':') {
            return None;
        } else if src.starts_with('/') {
            src.to_string()
        } else {
            format!("{}{src}", self.page.path)
        };
        let mut parts: Vec<&str> = Vec::new();
        let decoded = crate::urls::decode_percent(&path);
        for part in decoded.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        let joined = parts.join("/");
        Some(if path.ends_with('/') || joined.is_empty() { crate::content::output_file(&format!("/{joined}/")) } else { joined })
    }

    fn add(&mut self, folder: &str, name: &str, bytes: Vec<u8>) -> String {
        let (stem, ext) = name.rsplit_once('.').map_or((name, ""), |(s, e)| (s, e));
        let mut n = 1;
        loop {
            let candidate = match (n, ext) {
                (1, "") => format!("{folder}/{stem}"),
                (1, _) => format!("{folder}/{stem}.{ext}"),
                (_, "") => format!("{folder}/{stem}-{n}"),
                _ => format!("{folder}/{stem}-{n}.{ext}"),
            };
            match self.files.get(&candidate) {
                Some(existing) if *existing == bytes => return candidate,
                Some(_) => n += 1,
                None => {
                    self.files.insert(candidate.clone(), bytes);
                    return candidate;
                }
            }
        }
    }
}

impl convert::Assets for SiteAssets<'_> {
    fn image(&mut self, src: &str) -> Result<(String, Option<u32>), String> {
        if src.starts_with("data:") {
            return Err("it is written into the page as data; save it as a file in the page's folder".into());
        }
        let Some(path) = self.output_path(src) else {
            return Err("it is on another site, and WeChat shows no images from other sites: save it in the page's folder".into());
        };
        let bytes = match self.output.get(&path) {
            Some(Entry::Bytes(bytes)) => bytes.clone(),
            Some(Entry::Copy(file)) => std::fs::read(file).map_err(|e| format!("`{}` cannot be read: {e}", file.display()))?,
            None => return Err(format!("the site has no file `{path}`")),
        };
        let width = image::ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format().ok().and_then(|r| r.into_dimensions().ok()).map(|(w, _)| w);
        let name = path.rsplit('/').next().unwrap_or("image").to_string();
        Ok((self.add("images", &name, bytes), width))
    }

    fn qr(&mut self, payload: &str) -> Result<String, String> {
        let code = QrCode::new(payload, QR_SIZE_MM).map_err(|e| e.to_string())?;
        code.verify()?;
        let name = code.file_name();
        Ok(self.add("images", &name, code.png_width(QR_PNG_PX)))
    }

    fn link_target(&self, href: &str) -> Option<String> {
        let base = self.site.config.base_url.trim_end_matches('/');
        let absolute = if href.contains(':') {
            href.to_string()
        } else {
            let path = self.output_path(href)?;
            let path = path.strip_suffix("index.html").unwrap_or(&path);
            format!("{base}/{path}")
        };
        Some(crate::render::qr_codes::human_target(&absolute))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_on_the_command_line() {
        assert_eq!(content_relative("content/notices/x.md"), "notices/x.md");
        assert_eq!(content_relative("./notices/x.md"), "notices/x.md");
        assert_eq!(section_name("notices/_index.md"), "notices");
        assert_eq!(section_name("_index.md"), "");
    }
}
