//! `placard check`: load and render everything without writing, then look for what a build lets
//! through but a resident would trip over: broken links and anchors, images without alt text, and
//! current pages that still send readers to an expired notice. Every problem names its file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::content::{output_file, Library};
use crate::error::{Error, Errors, Location};
use crate::feeds::decode_percent;
use crate::output::{Entry, Output};
use crate::site::{BuildOptions, Site};

/// Checking links to other sites (`--external`): how long to wait for each.
#[derive(Debug, Clone)]
pub struct External {
    pub timeout: std::time::Duration,
}

/// What a check found, and how much it looked at.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub problems: Errors,
    pub pages: usize,
    pub links: usize,
    /// Links to other sites that were checked with `--external`.
    pub external: usize,
}

/// Runs every check. Load and render errors come back as problems too, so one run shows everything.
pub fn check(options: &BuildOptions, external: Option<&External>) -> CheckReport {
    let site = match Site::load(options) {
        Ok(site) => site,
        Err(errors) => return check_sources(options, errors),
    };
    let output = match site.render() {
        Ok(output) => output,
        Err(mut errors) => {
            errors.0.extend(site.warnings.0.iter().cloned());
            return CheckReport { problems: errors, ..Default::default() };
        }
    };
    let mut report = CheckReport { problems: Errors(site.warnings.0.clone()), ..Default::default() };
    let checker = Checker { base_url: &site.config.base_url, markdown: &site.config.markdown, library: &site.library, files: Files::Rendered(&output) };
    let outward = checker.bodies(&mut report);
    checker.templates(&output, &mut report);
    // Posters and letters laid out in Chromium, as `placard print` does (skipped, with a warning, without one).
    report.problems.0.extend(crate::print::export::check_rendered_layout(&output, &crate::print::export_items(&site.library.print)));
    if let Some(external) = external {
        report.external = outward.len();
        report.problems.0.extend(check_external(outward, external));
    }
    report.problems.sort();
    report
}

/// When the site does not load, the Markdown itself can still be checked against the pages that did
/// load, so a broken channel does not hide a missing alt text.
fn check_sources(options: &BuildOptions, errors: Errors) -> CheckReport {
    let mut report = CheckReport { problems: errors, ..Default::default() };
    let mut ignored = Errors::default();
    let Ok(config) = crate::config::Config::load(&options.root, &mut ignored) else { return report };
    let load = crate::content::LoadOptions { drafts: options.drafts, today: options.today.unwrap_or_else(crate::site::today) };
    let Ok((library, _)) = Library::load_partial(&options.root, &config, &load) else { return report };
    let mut known: BTreeSet<String> = BTreeSet::new();
    for path in library.pages.iter().map(|p| &p.path).chain(library.sections.iter().map(|s| &s.path)) {
        known.insert(output_file(path));
    }
    let checker = Checker { base_url: &config.base_url, markdown: &config.markdown, library: &library, files: Files::Known(&known, &options.root) };
    let _ = checker.bodies(&mut report);
    report.problems.sort();
    report.problems.0.dedup_by(|a, b| a.message == b.message && a.location == b.location);
    report
}

/// What exists in the site: the rendered output, or (when rendering was impossible) the page URLs.
enum Files<'a> {
    Rendered(&'a Output),
    Known(&'a BTreeSet<String>, &'a Path),
}

struct Checker<'a> {
    base_url: &'a str,
    markdown: &'a crate::config::MarkdownConfig,
    library: &'a Library,
    files: Files<'a>,
}

/// Where a link points inside the site: the output file and the fragment.
struct Target {
    file: String,
    fragment: Option<String>,
}

impl Checker<'_> {
    /// Links and images written in Markdown: located precisely in the source file. Returns the links
    /// to other sites (with where each is written) for `--external`.
    fn bodies(&self, report: &mut CheckReport) -> BTreeMap<String, Vec<Location>> {
        let mut outward: BTreeMap<String, Vec<Location>> = BTreeMap::new();
        for channel in &self.library.channels {
            if let Some(href) = channel.href.as_ref().filter(|h| h.starts_with("http")) {
                let file = &self.library.pages[channel.page].file;
                outward.entry(href.clone()).or_default().push(Location { path: file.clone(), line: 0, column: 0 });
            }
        }
        let expired: BTreeMap<String, &Path> = self.library.pages.iter().filter(|p| p.expired).map(|p| (output_file(&p.path), p.file.as_path())).collect();
        let pages = self.library.pages.iter().map(|p| (&p.file, &p.body, p.body_line, &p.path, p.expired));
        let sections = self.library.sections.iter().map(|s| (&s.file, &s.body, s.body_line, &s.path, false));
        for (file, body, body_line, path, is_expired) in pages.chain(sections) {
            report.pages += 1;
            for reference in crate::markdown::references(body, self.markdown) {
                let line = body_line + reference.line - 1;
                let at = |message: String| Error::at(file.as_path(), line, reference.column, message);
                if reference.image {
                    if reference.text.trim().is_empty() {
                        report.problems.push(
                            at(format!("the image `{}` has no alt text", reference.url))
                                .with_hint("describe the picture for people who cannot see it: ![村委会门口的举报箱](box.jpg)"),
                        );
                    }
                    continue;
                }
                report.links += 1;
                let url = match reference.url.strip_prefix("@/") {
                    // `@/` links were resolved by the build; check what they became.
                    Some(target) => match self.library.url_path(target.split('#').next().unwrap_or(target)) {
                        Some(p) => format!("{p}{}", target.find('#').map(|i| &target[i..]).unwrap_or("")),
                        None => continue, // already a build error
                    },
                    None => reference.url.clone(),
                };
                let Some(target) = self.resolve(&url, path) else {
                    if url.starts_with("http://") || url.starts_with("https://") {
                        outward.entry(url.clone()).or_default().push(Location { path: file.to_path_buf(), line, column: reference.column });
                    }
                    continue;
                };
                if let Some(problem) = self.missing(&target) {
                    report.problems.push(
                        at(format!("the link `{}` {problem}", reference.url))
                            .with_hint("fix the address, or link with @/path/to/file.md so placard checks it at every build"),
                    );
                    continue;
                }
                if !is_expired {
                    if let Some(notice) = expired.get(&target.file) {
                        report.problems.push(
                            at(format!("this page links to `{}`, which has expired", notice.display()))
                                .with_hint("link to the current notice instead, or remove the link"),
                        );
                    }
                }
            }
        }
        outward
    }

    /// Links that templates put on every page (menus, footers): each broken target reported once.
    fn templates(&self, output: &Output, report: &mut CheckReport) {
        let mut broken: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (path, entry) in output.iter() {
            let Entry::Bytes(bytes) = entry else { continue };
            if !path.ends_with(".html") {
                continue;
            }
            let html = String::from_utf8_lossy(bytes);
            let page_path = format!("/{}", path.trim_end_matches("index.html"));
            let mut seen = BTreeSet::new();
            for href in attribute_values(&html, "href").chain(attribute_values(&html, "src")) {
                if !seen.insert(href.clone()) {
                    continue;
                }
                let Some(target) = self.resolve(&href, &page_path) else { continue };
                if let Some(problem) = self.missing(&target) {
                    let entry = broken.entry(format!("`{href}` {problem}")).or_insert((page_path.clone(), 0));
                    entry.1 += 1;
                }
            }
        }
        for (message, (first, count)) in broken {
            report.problems.push(
                Error::new(format!("a link in the templates: {message} (on {count} page{}, first {first})", if count == 1 { "" } else { "s" }))
                    .with_hint("check the menu in config.toml ([extra] menu) and the templates' links"),
            );
        }
    }

    /// Resolves `url` written on the page at `page_path` to an output file, when it is inside the site.
    fn resolve(&self, url: &str, page_path: &str) -> Option<Target> {
        let base = self.base_url;
        let (path, fragment) = match url.split_once('#') {
            Some((p, f)) => (p, Some(decode_percent(f))),
            None => (url, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        let site_path = if let Some(rest) = path.strip_prefix(base) {
            if !(rest.is_empty() || rest.starts_with('/')) {
                return None;
            }
            if rest.is_empty() {
                "/".to_string()
            } else {
                rest.to_string()
            }
        } else if path.starts_with('/') && !path.starts_with("//") {
            path.to_string()
        } else if path.is_empty() {
            page_path.to_string()
        } else if path.contains(':') || path.starts_with("//") {
            return None; // another site, or tel:, mailto:, data:
        } else {
            let dir =
                if page_path.ends_with('/') { page_path.to_string() } else { page_path.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default() };
            normalize(&format!("{dir}{path}"))?
        };
        let site_path = decode_percent(&site_path);
        let file = if site_path.ends_with('/') || !site_path.rsplit('/').next().unwrap_or("").contains('.') {
            output_file(&format!("{}/", site_path.trim_end_matches('/')))
        } else {
            site_path.trim_start_matches('/').to_string()
        };
        Some(Target { file, fragment })
    }

    /// Why `target` does not work, or `None` when it does.
    fn missing(&self, target: &Target) -> Option<String> {
        let output = match self.files {
            Files::Rendered(output) => output,
            Files::Known(known, root) => {
                let exists =
                    known.contains(&target.file) || root.join("static").join(&target.file).is_file() || root.join("content").join(&target.file).is_file();
                return (!exists).then(|| "points to a page that does not exist".into());
            }
        };
        let Some(entry) = output.get(&target.file) else {
            return Some("points to a page that does not exist".into());
        };
        let (Some(fragment), Entry::Bytes(bytes)) = (&target.fragment, entry) else { return None };
        if fragment.is_empty() {
            return None;
        }
        let html = String::from_utf8_lossy(bytes);
        let id = format!("id=\"{}\"", crate::markdown::escape_attr(fragment));
        (!html.contains(&id)).then(|| format!("points to `#{fragment}`, which is not a heading or anchor on that page"))
    }
}

/// Asks every outward link's server whether the page is still there: in parallel across hosts, one
/// request at a time per host (so no site is hammered), `HEAD` first and `GET` where `HEAD` is
/// refused. Each broken link is reported where it is first written.
fn check_external(links: BTreeMap<String, Vec<Location>>, options: &External) -> Vec<Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent("placard-link-check")
        .build()
        .into();
    let mut by_host: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for url in links.keys() {
        let host = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or("").to_ascii_lowercase();
        by_host.entry(host).or_default().push(url);
    }
    let probe = |url: &str| -> Result<u16, String> {
        let status = agent.head(url).call().map_err(|e| e.to_string())?.status().as_u16();
        if matches!(status, 403 | 405 | 501) {
            // Some servers refuse HEAD; ask the way a browser would before calling the link broken.
            return agent.get(url).call().map(|r| r.status().as_u16()).map_err(|e| e.to_string());
        }
        Ok(status)
    };
    // Waiting on the network, not the CPU: more threads than cores.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(8).build();
    let run = || -> Vec<(String, Result<u16, String>)> {
        use rayon::prelude::*;
        by_host.par_iter().flat_map_iter(|(_, urls)| urls.iter().map(|u| (u.to_string(), probe(u))).collect::<Vec<_>>()).collect()
    };
    let results = match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    let mut problems = Vec::new();
    for (url, result) in results {
        let problem = match result {
            Ok(status) if status < 400 => continue,
            Ok(status) => format!("the link `{url}` answers {status}"),
            Err(why) => format!("the link `{url}` could not be checked: {why}"),
        };
        let places = &links[&url];
        let first = &places[0];
        let mut error = Error::new(problem).located(first.path.clone(), first.line, first.column);
        error = if places.len() > 1 {
            error.with_hint(format!("linked from {} places; fix the address or remove the link", places.len()))
        } else {
            error.with_hint("fix the address or remove the link; the other site may have moved the page")
        };
        problems.push(error);
    }
    problems
}

/// The values of `name="..."` attributes in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> impl Iterator<Item = String> + 'a {
    let needle = format!(" {name}=\"");
    html.match_indices(needle.clone().as_str()).map(|(i, _)| i).collect::<Vec<_>>().into_iter().filter_map(move |i| {
        let start = i + needle.len();
        let end = start + html[start..].find('"')?;
        Some(html[start..end].replace("&amp;", "&"))
    })
}

/// Resolves `.` and `..` in a site path; `None` if it climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let trailing = if path.ends_with('/') && !parts.is_empty() { "/" } else { "" };
    Some(format!("/{}{trailing}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_and_cannot_climb_out() {
        assert_eq!(normalize("/news/a/../b/").as_deref(), Some("/news/b/"));
        assert_eq!(normalize("/a/./img.png").as_deref(), Some("/a/img.png"));
        assert_eq!(normalize("/../x"), None);
    }

    #[test]
    fn finds_attribute_values() {
        let values: Vec<String> = attribute_values("<a href=\"/x/\">x</a><img src=\"a.png\" alt=\"\"><a  href=\"#t\">", "href").collect();
        assert_eq!(values, vec!["/x/".to_string(), "#t".to_string()]);
    }
}
