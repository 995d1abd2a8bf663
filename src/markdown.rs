//! Markdown to HTML with comrak (GFM), plus what a site needs around it: heading ids that keep
//! Chinese, a table of contents, the `<!-- more -->` summary, `@/` links, and word counts that count
//! Chinese characters.

pub use crate::html::escape_attr;
use std::path::Path;
use std::sync::Mutex;

use comrak::adapters::{HeadingAdapter, HeadingMeta};
use comrak::nodes::{NodeValue, Sourcepos};
use comrak::options::Plugins;
use comrak::{Anchorizer, Arena, Options};
use serde::Serialize;

use crate::config::MarkdownConfig;
use crate::content::Library;
use crate::error::Error;
use crate::spill::Html;

/// The marker between a page's summary and the rest, on a line of its own.
const MORE_MARKER: &str = "<!-- more -->";
/// What the marker becomes before parsing, so that it survives HTML escaping as a paragraph of its own.
const MORE_PLACEHOLDER: &str = "PLACARDMORE7f3a";
/// What a bundle photo's address becomes until its `<img>` gets `srcset` and its size.
const PHOTO_PLACEHOLDER: &str = "PLACARDPHOTO7f3a-";
/// Widths of a bundle photo for `srcset`: a phone, a phone at twice the density or a desktop
/// column, and a high-density screen.
const PHOTO_WIDTHS: [u32; 3] = [480, 800, 1200];
/// JPEG quality of bundle photos, and the most bytes each width may take on a slow network.
const PHOTO_QUALITY: u8 = 72;
const PHOTO_BUDGET: usize = 150 * 1024;
/// The theme's text column is 36em wide and fills phones.
const PHOTO_SIZES: &str = "(max-width: 38em) 100vw, 36em";

/// What rendering a Markdown body gives.
#[derive(Debug, Default, Clone)]
pub struct Rendered {
    /// The HTML; a big build may keep it in a temporary file ([`crate::spill`]).
    pub content: Html,
    /// The HTML before `<!-- more -->`, when the page has the marker.
    pub summary: Option<String>,
    pub toc: Vec<Heading>,
    pub word_count: usize,
    /// Minutes, rounded up.
    pub reading_time: usize,
}

/// One entry of a table of contents.
#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub permalink: String,
    pub children: Vec<Heading>,
}

/// Everything rendering a body needs to know about where it lives.
pub struct Context<'a> {
    pub config: &'a MarkdownConfig,
    pub library: &'a Library,
    pub base_url: &'a str,
    /// The file the Markdown came from, and the line its body starts on, for error locations.
    pub file: &'a Path,
    pub body_line: usize,
    /// The permalink of the page, for table-of-contents links.
    pub permalink: &'a str,
    /// Where photos of page bundles are resized; `None` leaves images as written.
    pub images: Option<&'a crate::images::Images>,
}

/// Renders `markdown` to HTML. Broken `@/` links are errors, each located in the source file.
pub fn render(markdown: &str, cx: &Context) -> Result<Rendered, Vec<Error>> {
    let (source, marker) = mark_summary(markdown);
    let options = options(cx.config);
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, &source, &options);

    let mut errors = Vec::new();
    let mut text = String::new();
    let mut photos: Vec<Vec<crate::images::Resized>> = Vec::new();
    for node in root.descendants() {
        let mut data = node.data.borrow_mut();
        let sourcepos = data.sourcepos;
        match &mut data.value {
            NodeValue::Link(link) if link.url.starts_with("@/") => match resolve_internal(&link.url, cx) {
                Ok(url) => link.url = url,
                Err(e) => {
                    errors.push(at(cx, &source, marker, sourcepos, e).with_hint("`@/` links name a file inside content/, like [政策](@/policies/_index.md)"))
                }
            },
            NodeValue::Image(link) => match (cx.images, bundle_photo(&link.url, cx)) {
                (Some(images), Some(Ok(file))) => {
                    let located = at(cx, &source, marker, sourcepos, String::new());
                    let asker = located.location.map(|l| crate::images::Asker { file: l.path, line: l.line, column: l.column });
                    match images.variants(&file, &PHOTO_WIDTHS, PHOTO_QUALITY, PHOTO_BUDGET, asker) {
                        Ok(variants) if !variants.is_empty() => {
                            link.url = format!("{PHOTO_PLACEHOLDER}{}", photos.len());
                            photos.push(variants);
                        }
                        Ok(_) => {}
                        Err(why) => {
                            errors.push(at(cx, &source, marker, sourcepos, format!("the picture `{}` cannot be used: {why}", link.url)).with_hint(PHOTO_HINT))
                        }
                    }
                }
                (Some(_), Some(Err(why))) => errors.push(at(cx, &source, marker, sourcepos, why).with_hint(PHOTO_HINT)),
                _ => {}
            },
            NodeValue::Text(t) => text.push_str(t),
            NodeValue::Code(c) => text.push_str(&c.literal),
            NodeValue::CodeBlock(c) => text.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let headings = HeadingIds::default();
    let mut plugins = Plugins::default();
    plugins.render.heading_adapter = Some(&headings);
    // `[markdown.highlighting]`: code blocks coloured by crate::highlight.
    plugins.render.codefence_syntax_highlighter = cx.config.highlighter.as_deref().map(|h| h as &dyn comrak::adapters::SyntaxHighlighterAdapter);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    comrak::format_html_with_plugins(root, &options, &mut html, &plugins).map_err(|_| vec![Error::new("Markdown could not be written as HTML")])?;
    if cx.config.external_links_target_blank || cx.config.external_links_no_follow || cx.config.external_links_no_referrer {
        html = mark_external_links(&html, cx.base_url, cx.config);
    }
    for (n, variants) in photos.iter().enumerate() {
        html = html.replace(&format!("<img src=\"{PHOTO_PLACEHOLDER}{n}\""), &photo_attributes(variants));
    }

    let (word_count, reading_time) = count_words(&text);
    let toc = headings.into_toc(cx.permalink);
    let placeholder = format!("<p>{MORE_PLACEHOLDER}</p>\n");
    let (content, summary) = match html.find(&placeholder) {
        Some(at) => {
            let summary = html[..at].to_string();
            let content = format!("{summary}<span id=\"continue-reading\"></span>\n{}", &html[at + placeholder.len()..]);
            (content, Some(summary))
        }
        None => (html, None),
    };
    let mut content = content;
    content.shrink_to_fit();
    Ok(Rendered { content: Html::from(content), summary, toc, word_count, reading_time })
}

/// A link or image found in Markdown, with its position in the body (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub image: bool,
    pub url: String,
    /// For images: the alt text (empty when missing).
    pub text: String,
    pub line: usize,
    pub column: usize,
}

/// Every link and image in `markdown`, for `placard check`.
pub fn references(markdown: &str, config: &MarkdownConfig) -> Vec<Reference> {
    let (source, marker) = mark_summary(markdown);
    let options = options(config);
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, &source, &options);
    let mut found = Vec::new();
    for node in root.descendants() {
        let data = node.data.borrow();
        let (image, url) = match &data.value {
            NodeValue::Link(link) => (false, link.url.clone()),
            NodeValue::Image(link) => (true, link.url.clone()),
            _ => continue,
        };
        let mut text = String::new();
        for child in node.descendants().skip(1) {
            if let NodeValue::Text(t) = &child.data.borrow().value {
                text.push_str(t);
            }
        }
        found.push(Reference {
            image,
            url,
            text,
            line: source_line(data.sourcepos.start.line, marker),
            column: char_column(&source, data.sourcepos.start.line, data.sourcepos.start.column),
        });
    }
    found
}

/// Renders Markdown that is not a page body (the `markdown` filter); `inline` drops the outer `<p>`.
pub fn render_fragment(markdown: &str, config: &MarkdownConfig, inline: bool) -> String {
    let options = options(config);
    let html = comrak::markdown_to_html(markdown, &options);
    if inline {
        let trimmed = html.trim_end();
        if let Some(inner) = trimmed.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
            if !inner.contains("<p>") {
                return inner.to_string();
            }
        }
    }
    html
}

fn options(config: &MarkdownConfig) -> Options<'static> {
    let mut options = Options::default();
    let ext = &mut options.extension;
    ext.strikethrough = true;
    ext.table = true;
    ext.autolink = true;
    ext.tasklist = true;
    ext.footnotes = true;
    // Lets **强调** work next to Chinese punctuation, where plain CommonMark refuses it.
    ext.cjk_friendly_emphasis = true;
    options.parse.smart = config.smart_punctuation;
    // Error columns count characters, as editors do, not UTF-8 bytes.
    options.parse.sourcepos_chars = true;
    options.render.r#unsafe = config.allow_html;
    // Escaped, not dropped: authors see the HTML they typed instead of losing text silently.
    options.render.escape = !config.allow_html;
    options
}

/// Replaces a `<!-- more -->` line with a placeholder paragraph (outside code fences). The
/// paragraph takes three lines where the marker took one, so the marker's line comes back too, for
/// [`source_line`] to map positions after it back to the file.
fn mark_summary(markdown: &str) -> (std::borrow::Cow<'_, str>, Option<usize>) {
    if !markdown.contains(MORE_MARKER) {
        return (markdown.into(), None);
    }
    let mut marker = None;
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<&str> = None;
    let mut done = false;
    for (number, line) in markdown.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
        } else if !done && trimmed == MORE_MARKER {
            out.push('\n');
            out.push_str(MORE_PLACEHOLDER);
            out.push_str("\n\n");
            done = true;
            marker = Some(number + 1);
            continue;
        }
        out.push_str(line);
    }
    (out.into(), marker)
}

/// comrak counts columns in bytes; people (and the error printer) count characters.
fn char_column(source: &str, line: usize, byte_column: usize) -> usize {
    match source.lines().nth(line.saturating_sub(1)) {
        Some(text) => text.get(..byte_column.saturating_sub(1)).map_or(byte_column, |before| before.chars().count() + 1),
        None => byte_column,
    }
}

/// The line of the original Markdown for `line` of the text [`mark_summary`] made.
fn source_line(line: usize, marker: Option<usize>) -> usize {
    match marker {
        Some(m) if line > m + 2 => line - 2,
        Some(m) if line > m => m,
        _ => line,
    }
}

fn resolve_internal(url: &str, cx: &Context) -> Result<String, String> {
    let target = &url[2..];
    let (file, fragment) = match target.split_once('#') {
        Some((f, frag)) => (f, Some(frag)),
        None => (target, None),
    };
    let path = cx.library.url_path(file).ok_or_else(|| format!("the link `{url}` points to `content/{file}`, which does not exist (or is a draft)"))?;
    Ok(match fragment {
        Some(f) => format!("{}{path}#{f}", cx.base_url),
        None => format!("{}{path}", cx.base_url),
    })
}

fn at(cx: &Context, source: &str, marker: Option<usize>, pos: Sourcepos, message: String) -> Error {
    let column = char_column(source, pos.start.line, pos.start.column);
    Error::at(cx.file, cx.body_line + source_line(pos.start.line, marker) - 1, column, message)
}

const PHOTO_HINT: &str = "put the picture (JPEG, PNG or WebP) in the page's folder beside index.md and write its file name, like ![会场照片](photo.jpg)";

/// The file of a picture that sits in the folder of a published page bundle (`index.md` or
/// `_index.md`), written as a plain relative name like `photo.jpg`. `None` for anything else
/// (addresses, static files, print sources, pictures placard does not resize), which stays as written.
fn bundle_photo(url: &str, cx: &Context) -> Option<Result<std::path::PathBuf, String>> {
    if url.is_empty() || url.contains(':') || url.starts_with('/') || url.contains(['?', '#']) {
        return None;
    }
    let name = percent_encoding::percent_decode_str(url).decode_utf8().ok()?;
    let relative = Path::new(name.as_ref());
    let extension = relative.extension()?.to_str()?.to_ascii_lowercase();
    if !matches!(extension.as_str(), "jpg" | "jpeg" | "png" | "webp") || !relative.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
        return None;
    }
    let file_name = cx.file.file_name()?.to_str()?;
    if !(file_name.starts_with("index.") || file_name.starts_with("_index.")) {
        return None;
    }
    // The pictures of posters and letters are printed: they keep their full size.
    if cx.library.pages.iter().any(|p| p.file == cx.file && !p.published) {
        return None;
    }
    let folder = cx.file.parent()?;
    let file = folder.join(relative);
    if file.is_file() {
        Some(Ok(file))
    } else {
        Some(Err(format!("the picture `{name}` is not in this page's folder, beside `{file_name}`")))
    }
}

/// `src`, `srcset`, `sizes`, `width` and `height` of a bundle photo, and lazy loading: the phone
/// picks the smallest file that is sharp on its screen, and the page does not jump as it loads.
fn photo_attributes(variants: &[crate::images::Resized]) -> String {
    // The fallback for browsers without srcset: the column width of a desktop screen.
    let src = variants.iter().rev().find(|v| v.width <= 800).unwrap_or(&variants[0]);
    let mut out = format!("<img src=\"{}\"", escape_attr(&src.url));
    if variants.len() > 1 {
        let set: Vec<String> = variants.iter().map(|v| format!("{} {}w", escape_attr(&v.url), v.width)).collect();
        out.push_str(&format!(" srcset=\"{}\" sizes=\"{PHOTO_SIZES}\"", set.join(", ")));
    }
    out.push_str(&format!(" width=\"{}\" height=\"{}\" loading=\"lazy\" decoding=\"async\"", src.width, src.height));
    out
}

/// A heading as it is met: (level, id, title).
type HeadingEntry = (u8, String, String);

/// Gives each heading an id (GitHub's style, which keeps Chinese) and records it for the TOC.
#[derive(Default)]
struct HeadingIds {
    state: Mutex<(Anchorizer, Vec<HeadingEntry>)>,
}

impl HeadingAdapter for HeadingIds {
    fn enter(&self, output: &mut dyn std::fmt::Write, heading: &HeadingMeta, _: Option<Sourcepos>) -> std::fmt::Result {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut id = state.0.anchorize(heading.content.trim());
        if id.is_empty() || id.chars().all(|c| c == '-') {
            id = state.0.anchorize("section");
        }
        write!(output, "<h{} id=\"{}\">", heading.level, escape_attr(&id))?;
        state.1.push((heading.level, id, heading.content.trim().to_string()));
        Ok(())
    }

    fn exit(&self, output: &mut dyn std::fmt::Write, heading: &HeadingMeta) -> std::fmt::Result {
        write!(output, "</h{}>", heading.level)
    }
}

impl HeadingIds {
    /// Nests the flat list of headings: each heading holds the deeper ones that follow it.
    fn into_toc(self, permalink: &str) -> Vec<Heading> {
        let (_, flat) = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut roots: Vec<Heading> = Vec::new();
        for (level, id, title) in flat {
            let heading = Heading { level, permalink: format!("{permalink}#{id}"), id, title, children: vec![] };
            insert_heading(&mut roots, heading);
        }
        roots
    }
}

fn insert_heading(list: &mut Vec<Heading>, heading: Heading) {
    match list.last_mut() {
        Some(last) if last.level < heading.level => insert_heading(&mut last.children, heading),
        _ => list.push(heading),
    }
}

/// Adds `rel` and `target` to links that leave the site.
fn mark_external_links(html: &str, base_url: &str, config: &MarkdownConfig) -> String {
    let mut rel = Vec::new();
    if config.external_links_no_follow {
        rel.push("nofollow");
    }
    if config.external_links_no_referrer {
        rel.push("noreferrer");
    }
    if config.external_links_target_blank {
        rel.push("noopener");
    }
    let mut attrs = String::new();
    if !rel.is_empty() {
        attrs.push_str(&format!("rel=\"{}\" ", rel.join(" ")));
    }
    if config.external_links_target_blank {
        attrs.push_str("target=\"_blank\" ");
    }
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(i) = rest.find("<a href=\"") {
        let href_start = i + "<a href=\"".len();
        let href = &rest[href_start..];
        let external = (href.starts_with("http://") || href.starts_with("https://")) && !href.starts_with(base_url);
        out.push_str(&rest[..i]);
        out.push_str("<a ");
        if external {
            out.push_str(&attrs);
        }
        out.push_str("href=\"");
        rest = &rest[href_start..];
    }
    out.push_str(rest);
    out
}

/// Counts words the way readers read: each Chinese, Japanese or Korean character is a word, and so is
/// each run of other letters or digits. Reading time assumes 300 characters or 200 words a minute.
pub fn count_words(text: &str) -> (usize, usize) {
    let mut cjk = 0usize;
    let mut words = 0usize;
    let mut in_word = false;
    for c in text.chars() {
        if crate::text::is_cjk(c) {
            cjk += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                words += 1;
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
    let minutes = (cjk as f64 / 300.0 + words as f64 / 200.0).ceil() as usize;
    (cjk + words, minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx<'a>(config: &'a MarkdownConfig, library: &'a Library) -> Context<'a> {
        Context { config, library, base_url: "https://a.cn", file: Path::new("a.md"), body_line: 4, permalink: "https://a.cn/p/", images: None }
    }

    #[test]
    fn chinese_headings_get_ids_and_a_toc() {
        let (config, library) = (MarkdownConfig::default(), Library::default());
        let out = render("## 举报方式\n\n### 电话 举报\n\n## 举报方式\n", &cx(&config, &library)).unwrap();
        assert!(out.content.text().contains("<h2 id=\"举报方式\">举报方式</h2>"), "{}", out.content.text());
        assert!(out.content.text().contains("<h3 id=\"电话-举报\">"));
        assert!(out.content.text().contains("<h2 id=\"举报方式-1\">"));
        assert_eq!(out.toc.len(), 2);
        assert_eq!(out.toc[0].children[0].permalink, "https://a.cn/p/#电话-举报");
    }

    #[test]
    fn raw_html_is_escaped_by_default() {
        let (config, library) = (MarkdownConfig::default(), Library::default());
        let out = render("<script>alert(1)</script>\n", &cx(&config, &library)).unwrap();
        assert!(!out.content.text().contains("<script>"), "{}", out.content.text());
        assert!(out.content.text().contains("&lt;script&gt;"));
    }

    #[test]
    fn lines_after_the_summary_marker_stay_right() {
        let config = MarkdownConfig::default();
        let text = "第一段。\n\n<!-- more -->\n\n第二段。\n\n[x](https://a.cn) ![](b.png)\n见[坏链](@/无.md)\n";
        let found = references(text, &config);
        assert_eq!(found.iter().map(|r| (r.line, r.column)).collect::<Vec<_>>(), vec![(7, 1), (7, 19), (8, 2)]);
        assert_eq!(source_line(3, Some(3)), 3);
        assert_eq!(source_line(5, Some(3)), 3);
        assert_eq!(source_line(6, Some(3)), 4);
        assert_eq!(source_line(2, Some(3)), 2);
    }

    #[test]
    fn summary_splits_at_more() {
        let (config, library) = (MarkdownConfig::default(), Library::default());
        let out = render("第一段。\n\n<!-- more -->\n\n第二段。\n", &cx(&config, &library)).unwrap();
        assert_eq!(out.summary.as_deref(), Some("<p>第一段。</p>\n"));
        assert!(out.content.text().contains("continue-reading") && out.content.text().contains("第二段"));
    }

    #[test]
    fn broken_internal_link_is_located() {
        let (config, library) = (MarkdownConfig::default(), Library::default());
        let errors = render("文字\n\n见[这里](@/missing.md)。\n", &cx(&config, &library)).unwrap_err();
        let loc = errors[0].location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (6, 2));
        assert!(errors[0].message.contains("content/missing.md"));
    }

    #[test]
    fn external_links_get_no_referrer() {
        let (config, library) = (MarkdownConfig::default(), Library::default());
        let out = render("[12337](https://www.12337.gov.cn) [本站](https://a.cn/x/)\n", &cx(&config, &library)).unwrap();
        assert!(out.content.text().contains("<a rel=\"noreferrer\" href=\"https://www.12337.gov.cn\">"), "{}", out.content.text());
        assert!(out.content.text().contains("<a href=\"https://a.cn/x/\">"));
    }

    #[test]
    fn words_count_chinese_characters() {
        assert_eq!(count_words("扫黑除恶 hotline 12337"), (6, 1));
        assert_eq!(count_words(&"字".repeat(301)).1, 2);
    }
}
