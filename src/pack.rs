//! `placard pack`: the website, or one unit's part of it, as a zip that a village cadre carries on a
//! phone or a USB stick. Inside, every link is relative and names its file (`news/index.html`, not
//! `news/`), because a page opened from a file has no web server to find a folder's index. Links to
//! pages that are not in the pack lead to a page that says so, never off into the void.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::LazyLock;

use regex::Regex;

use crate::content::output_file;
use crate::error::Error;
use crate::markdown::escape_attr;
use crate::output::{Entry, Output};
use crate::site::Site;

/// Written into the zip's comment, so that `pack` only ever replaces a file it made itself.
pub const MARK: &str = "placard pack";
/// The page that stands in for links to pages left out of a unit's pack.
const NOT_IN_PACK: &str = "offline.html";
/// The sections whose pages a unit's pack carries besides the unit's own page and channels.
const UNIT_SECTIONS: &[&str] = &["policies", "notices"];

static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\b(href|src|action|data-index|data-base)="([^"]*)""#).expect("valid pattern"));
/// `srcset="a.jpg 480w, b.jpg 800w"`: a list of addresses, each with its width.
static SRCSET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\bsrcset="([^"]*)""#).expect("valid pattern"));
static REFRESH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(content="\d+;\s*url=)([^"]*)""#).expect("valid pattern"));
static WEB_ONLY_LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"<link rel="(?:canonical|alternate)"[^>]*>\n?"#).expect("valid pattern"));

/// Builds the pack of `website` (the rendered site, without its print tree): all of it, or only
/// what unit `unit` needs. Returns the zip's bytes, the same for the same input.
pub fn pack(site: &Site, website: &Output, unit: Option<&str>) -> Result<Vec<u8>, Error> {
    let files = match unit {
        None => website.iter().map(|(path, _)| path.clone()).collect(),
        Some(id) => unit_files(site, website, id)?,
    };
    let base_url = &site.config.base_url;
    let mut packed: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for path in &files {
        let Some(entry) = website.get(path) else { continue };
        let bytes = match entry {
            Entry::Bytes(bytes) => bytes.clone(),
            Entry::Copy(source) => std::fs::read(source).map_err(|e| Error::io(source, "read", e))?,
        };
        let bytes = if path.ends_with(".html") { relink(&String::from_utf8_lossy(&bytes), path, base_url, &|p| files.contains(p)).into_bytes() } else { bytes };
        packed.insert(path.clone(), bytes);
    }
    if let Some(id) = unit {
        let start = start_page(site, id, &files);
        packed.insert("index.html".into(), relink(&start, "index.html", base_url, &|p| files.contains(p)).into_bytes());
    }
    packed.insert(NOT_IN_PACK.into(), not_in_pack_page(site).into_bytes());
    zip(&packed)
}

/// What a unit's pack holds: its landing page, its channels, the policy pages and the notices in
/// force, the verification page, and every file those pages use.
fn unit_files(site: &Site, website: &Output, id: &str) -> Result<BTreeSet<String>, Error> {
    let library = &site.library;
    let Some(unit) = site.campaign.print.unit(id) else {
        let known: Vec<&str> = site.campaign.print.units.iter().map(|u| u.id.as_str()).collect();
        let hint = match crate::error::suggest(id, &known) {
            Some(near) => format!("did you mean `{near}`? the units are: {}", known.join(", ")),
            None if known.is_empty() => "this site has no units (pages with a [unit] table in content/units/)".to_string(),
            None => format!("the units are: {}", known.join(", ")),
        };
        return Err(Error::new(format!("there is no unit `{id}`")).with_hint(hint));
    };
    let mut pages: BTreeSet<String> = BTreeSet::new();
    pages.insert(output_file(&unit.short_path));
    for channel in unit.channels.iter().filter_map(|c| site.campaign.channel(c)) {
        pages.insert(output_file(&library.pages[channel.page].path));
    }
    for (s, section) in library.sections.iter().enumerate() {
        let name = section.path.trim_matches('/');
        if UNIT_SECTIONS.contains(&name) && library.section_published(s) {
            pages.insert(output_file(&section.path));
            for &p in &section.pages {
                pages.insert(output_file(&library.pages[p].path));
            }
        }
    }
    pages.insert(output_file(&format!("/{}/", site.config.channels.verify_path.trim_matches('/'))));
    pages.retain(|p| website.contains(p));
    // The files those pages use: stylesheets, scripts, QR images, pictures.
    let mut files = pages.clone();
    for page in &pages {
        let Some(Entry::Bytes(html)) = website.get(page) else { continue };
        let html = String::from_utf8_lossy(html);
        let srcsets = SRCSET.captures_iter(&html).flat_map(|c| srcset_urls(&c[1]).into_iter().map(str::to_string).collect::<Vec<_>>());
        let values: Vec<String> = ATTRIBUTE.captures_iter(&html).map(|c| c[2].to_string()).chain(srcsets).collect();
        for value in values {
            if let Some(file) = site_file(&value, page, &site.config.base_url, &|p| website.contains(p)) {
                if !file.ends_with(".html") {
                    files.insert(file);
                }
            }
        }
    }
    Ok(files)
}

/// The file inside the site that `value` (an attribute of the page at `from`) names, if it names one.
fn site_file(value: &str, from: &str, base_url: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    let value = value.replace("&amp;", "&");
    let path = if let Some(rest) = value.strip_prefix(base_url) {
        if !rest.is_empty() && !rest.starts_with(['/', '?', '#']) {
            return None;
        }
        format!("/{}", rest.trim_start_matches('/'))
    } else if value.starts_with('/') && !value.starts_with("//") {
        value.clone()
    } else if !value.contains(':') && !value.starts_with('#') && !value.is_empty() {
        // Already relative: resolve against the page's folder.
        let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("/{dir}/{value}")
    } else {
        return None;
    };
    let path = path.split(['#', '?']).next().unwrap_or("");
    // Chinese slugs come percent-encoded in links; the files carry the characters themselves.
    let path = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    let path = normalize(&path)?;
    let file = output_file(&path);
    if path.ends_with('/') || exists(&file) {
        return Some(file);
    }
    let trimmed = path.trim_start_matches('/').to_string();
    if exists(&trimmed) {
        return Some(trimmed);
    }
    let index = format!("{}/index.html", trimmed);
    exists(&index).then_some(index)
}

/// Removes `.` and `..` from a `/`-rooted path; `None` when it climbs out of the site.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let trailing = if path.ends_with('/') && !parts.is_empty() { "/" } else { "" };
    Some(format!("/{}{trailing}", parts.join("/")))
}

/// Rewrites the links of the page at `path` to relative links to files; links to pages outside
/// the pack lead to [`NOT_IN_PACK`]. Canonical and feed links, which only make sense on the web,
/// are dropped.
pub fn relink(html: &str, path: &str, base_url: &str, in_pack: &dyn Fn(&str) -> bool) -> String {
    let html = WEB_ONLY_LINK.replace_all(html, "");
    let depth = path.matches('/').count();
    let up = "../".repeat(depth);
    // Resolves a link to a file: a page must be in the pack, any other file is taken as it is named.
    let resolve = |value: &str| site_file(value, path, base_url, &|p| in_pack(p) || !p.ends_with(".html"));
    // Each address of a srcset, like any other link; one outside the pack is dropped from the list.
    let html = SRCSET.replace_all(&html, |captures: &regex::Captures| {
        let mut kept = Vec::new();
        for candidate in captures[1].split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let (url, width) = candidate.split_once(char::is_whitespace).unwrap_or((candidate, ""));
            match resolve(url) {
                Some(file) if in_pack(&file) => kept.push(format!("{up}{file} {}", width.trim()).trim_end().to_string()),
                Some(_) => {}
                None => kept.push(candidate.to_string()),
            }
        }
        format!("srcset=\"{}\"", escape_attr(&kept.join(", ")))
    });
    // Redirect pages (aliases, page 1 of a listing) send the browser on with a meta refresh.
    let html = REFRESH.replace_all(&html, |captures: &regex::Captures| {
        let target = match resolve(&captures[2]) {
            Some(file) if in_pack(&file) => format!("{up}{file}"),
            Some(_) => format!("{up}{NOT_IN_PACK}"),
            None => captures[2].to_string(),
        };
        format!("{}{}\"", &captures[1], escape_attr(&target))
    });
    ATTRIBUTE
        .replace_all(&html, |captures: &regex::Captures| {
            let (name, value) = (&captures[1], &captures[2]);
            let fragment = value.find('#').map(|i| &value[i..]).unwrap_or("");
            let Some(file) = resolve(value) else {
                return captures[0].to_string();
            };
            let target = if name == "data-base" || name == "data-index" {
                // The search page's roots: folders, for search.js to append to.
                format!("{up}{}", file.trim_end_matches("index.html"))
            } else if in_pack(&file) {
                format!("{up}{file}{fragment}")
            } else {
                format!("{up}{NOT_IN_PACK}")
            };
            format!("{name}=\"{}\"", escape_attr(&target))
        })
        .into_owned()
}

/// The addresses of a `srcset` value.
fn srcset_urls(srcset: &str) -> Vec<&str> {
    srcset.split(',').filter_map(|c| c.split_whitespace().next()).collect()
}

/// The start page of a unit's pack: what is in it, in the order a resident needs it.
fn start_page(site: &Site, id: &str, files: &BTreeSet<String>) -> String {
    let library = &site.library;
    let config = &site.config;
    let unit = site.campaign.print.unit(id).expect("checked by unit_files");
    let link = |path: &str, title: &str| format!("<li><a href=\"{}\">{}</a></li>\n", escape_attr(&config.permalink(path)), escape_attr(title));
    let mut body = String::new();
    body.push_str(&format!("<h1>{}扫黑除恶资料（离线版）</h1>\n", escape_attr(&unit.name)));
    body.push_str("<p>这些网页不用上网也能打开。举报电话可以直接点击拨打；其他内容请联网后访问网站。</p>\n<h2>举报渠道</h2>\n<ul>\n");
    body.push_str(&link(&unit.short_path, &format!("{}的举报渠道", unit.name)));
    body.push_str(&link(&format!("/{}/", config.channels.verify_path.trim_matches('/')), "核验举报电话和二维码"));
    body.push_str("</ul>\n");
    for (s, section) in library.sections.iter().enumerate() {
        if !files.contains(&output_file(&section.path)) {
            continue;
        }
        let title = section.meta.title.clone().unwrap_or_else(|| section.path.trim_matches('/').to_string());
        body.push_str(&format!("<h2>{}</h2>\n<ul>\n", escape_attr(&title)));
        for &p in &library.sections[s].pages {
            let page = &library.pages[p];
            if files.contains(&output_file(&page.path)) {
                body.push_str(&link(&page.path, page.meta.title.as_deref().unwrap_or(&page.slug)));
            }
        }
        body.push_str("</ul>\n");
    }
    page_shell(site, &format!("{}离线资料", unit.name), &body)
}

fn not_in_pack_page(site: &Site) -> String {
    let url = escape_attr(&site.config.base_url);
    let body =
        format!("<h1>这一页不在离线包里</h1>\n<p>联网后可以在网站上查看：<strong>{url}</strong></p>\n<p><a href=\"index.html\">回到离线资料首页</a></p>\n");
    page_shell(site, "不在离线包里", &body)
}

/// A plain page with the site's stylesheet, for the pages the pack adds.
fn page_shell(site: &Site, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n<main class=\"wrap\">\n{body}</main>\n</body>\n</html>\n",
        lang = escape_attr(&site.config.default_language),
        title = escape_attr(title),
    )
}

/// The files as a zip, in sorted order with fixed times and permissions, so two packs of the same
/// site are the same bytes.
fn zip(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, Error> {
    use zip::write::SimpleFileOptions;
    let options =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).last_modified_time(zip::DateTime::default()).unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let failed = |e: &dyn std::fmt::Display| Error::new(format!("could not make the zip: {e}"));
    for (path, bytes) in files {
        writer.start_file(path.as_str(), options).map_err(|e| failed(&e))?;
        writer.write_all(bytes).map_err(|e| failed(&e))?;
    }
    writer.set_comment(MARK);
    Ok(writer.finish().map_err(|e| failed(&e))?.into_inner())
}

/// Writes `bytes` to `file` through a temporary file. A file that is there already is replaced only
/// when an earlier `placard pack` made it.
pub fn write(file: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    if file.exists() {
        let old = std::fs::read(file).map_err(|e| Error::io(file, "read", e))?;
        if !old.ends_with(MARK.as_bytes()) {
            return Err(Error::new(format!("refusing to replace `{}`: placard did not make it", file.display()))
                .with_hint("choose another file with --output, or move that file away first"));
        }
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the folder", e))?;
    }
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    std::fs::write(&partial, bytes).map_err(|e| Error::io(&partial, "write", e))?;
    std::fs::rename(&partial, file).map_err(|e| Error::io(file, "write", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_relative_files() {
        let in_pack =
            |p: &str| ["index.html", "news/index.html", "news/a/index.html", "style.css", "新/index.html", "news/a/p.jpg", "news/a/p.480.jpg"].contains(&p);
        let html = "<link rel=\"canonical\" href=\"https://a.cn/news/a/\">\n<a href=\"https://a.cn/news/\">新闻</a><a href=\"/%E6%96%B0/\">新</a>\
                    <a href=\"https://a.cn/\">首页</a><a href=\"/news/a/#x\">a</a><link rel=\"stylesheet\" href=\"https://a.cn/style.css\">\
                    <img src=\"https://a.cn/news/a/p.jpg\" srcset=\"https://a.cn/news/a/p.480.jpg 480w, https://a.cn/x/far.jpg 800w\">\
                    <a href=\"https://a.cn/gone/\">g</a><a href=\"https://other.cn/\">o</a><a href=\"tel:110\">110</a><a href=\"#top\">t</a>";
        let out = relink(html, "news/a/index.html", "https://a.cn", &in_pack);
        assert!(!out.contains("canonical"));
        for expected in [
            "href=\"../../news/index.html\"",
            "href=\"../../新/index.html\"",
            "href=\"../../index.html\"",
            "href=\"../../news/a/index.html#x\"",
            "href=\"../../style.css\"",
            "href=\"../../offline.html\"",
            "srcset=\"../../news/a/p.480.jpg 480w\"",
            "href=\"https://other.cn/\"",
            "href=\"tel:110\"",
            "href=\"#top\"",
        ] {
            assert!(out.contains(expected), "{expected} in {out}");
        }
    }

    #[test]
    fn paths_cannot_climb_out() {
        assert_eq!(normalize("/a/../b/"), Some("/b/".into()));
        assert_eq!(normalize("/../x"), None);
        assert_eq!(normalize("/"), Some("/".into()));
    }
}
