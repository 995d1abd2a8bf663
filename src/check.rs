//! `placard check`: load and render everything without writing, then look for what a build lets
//! through but a resident would trip over: broken links and anchors, images without alt text, and
//! current pages that still send readers to an expired notice. Every problem names its file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::content::{output_file, Library};
use crate::error::{Error, Errors, Location};
use crate::output::{Entry, Output};
use crate::site::{BuildOptions, Site};
use crate::urls::decode_percent;

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
            errors.extend(site.warnings.iter().cloned());
            return CheckReport { problems: errors, ..Default::default() };
        }
    };
    let mut report = CheckReport { problems: site.warnings.clone(), ..Default::default() };
    let checker = Checker {
        base_url: &site.config.base_url,
        markdown: &site.config.markdown,
        library: &site.library,
        channels: &site.campaign.channels,
        files: Files::Rendered(&output),
    };
    let outward = checker.bodies(&mut report);
    checker.templates(&output, &mut report);
    report.problems.extend(written_contacts(&site));
    report.problems.extend(crate::print::notices::check_quotes(&site.library, &site.campaign.print));
    // Posters and letters laid out in Chromium, as `placard print` does (skipped, with a warning, without one).
    report.problems.extend(crate::print::export::check_rendered_layout(&output, &crate::print::export_items(&site.campaign.print)));
    if let Some(external) = external {
        report.external = outward.len();
        report.problems.extend(check_external(outward, external));
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
    let Ok((library, campaign, _)) = crate::campaign::load_partial(&options.root, &config, &load) else { return report };
    let mut known: BTreeSet<String> = BTreeSet::new();
    for path in library.pages.iter().map(|p| &p.path).chain(library.sections.iter().map(|s| &s.path)) {
        known.insert(output_file(path));
    }
    let checker = Checker {
        base_url: &config.base_url,
        markdown: &config.markdown,
        library: &library,
        channels: &campaign.channels,
        files: Files::Known(&known, &options.root),
    };
    let _ = checker.bodies(&mut report);
    report.problems.sort();
    report.problems.dedup();
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
    channels: &'a crate::channels::Channels,
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
        for channel in self.channels.iter() {
            if let Some(href) = channel.href.as_ref().filter(|h| h.starts_with("http")) {
                let file = &self.library.pages[channel.page].file;
                outward.entry(href.clone()).or_default().push(Location { path: file.clone(), line: 0, column: 0 });
            }
        }
        let expired: BTreeMap<String, &Path> = self.library.pages.iter().filter(|p| p.expired).map(|p| (output_file(&p.path), p.file.as_path())).collect();
        let pages = self.library.pages.iter().map(|p| (&p.file, p.body.text(), p.body_line, &p.path, p.expired));
        let sections = self.library.sections.iter().map(|s| (&s.file, std::sync::Arc::<str>::from(s.body.as_str()), s.body_line, &s.path, false));
        for (file, body, body_line, path, is_expired) in pages.chain(sections) {
            report.pages += 1;
            for reference in crate::markdown::references(&body, self.markdown) {
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

/// What a written-out contact may be: one of the site's channels, the site itself, or a deliberate
/// exception from `[check] allowed_contacts`.
struct KnownContacts {
    /// (dialled digits, channel id, as printed)
    phones: Vec<(String, String, String)>,
    emails: Vec<(String, String)>,
    /// (host, channel id); the site's own host has no channel id.
    hosts: Vec<(String, Option<String>)>,
    allowed_digits: Vec<String>,
    allowed_text: Vec<String>,
}

impl KnownContacts {
    fn of(site: &Site) -> KnownContacts {
        use crate::channels::Kind;
        use crate::contacts::{dial_digits, host, web_key};
        let mut known = KnownContacts { phones: vec![], emails: vec![], hosts: vec![], allowed_digits: vec![], allowed_text: vec![] };
        known.hosts.push((host(&web_key(&site.config.base_url)).to_string(), None));
        for c in site.campaign.channels.iter() {
            match c.kind {
                Kind::Phone | Kind::Sms => known.phones.push((dial_digits(&c.value), c.id.clone(), c.display.clone())),
                Kind::Email => known.emails.push((c.value.to_ascii_lowercase(), c.id.clone())),
                _ => {}
            }
            for url in [Some(&c.value), c.href.as_ref()].into_iter().flatten().filter(|u| u.starts_with("http")) {
                let h = host(&web_key(url)).to_string();
                // A platform named by its number (www.12337.gov.cn): prose that writes 12337 names it.
                for run in h.split(|ch: char| !ch.is_ascii_digit()).filter(|r| (3..=5).contains(&r.len())) {
                    known.phones.push((run.to_string(), c.id.clone(), c.display.clone()));
                }
                known.hosts.push((h, Some(c.id.clone())));
            }
        }
        for allowed in &site.config.check.allowed_contacts {
            if allowed.contains(['@', '.', '/']) {
                known.allowed_text.push(web_key(allowed).to_ascii_lowercase());
            } else {
                known.allowed_digits.push(dial_digits(allowed));
            }
        }
        known
    }

    /// `None` when `finding` is fine; else the hint to give.
    fn problem(&self, finding: &crate::contacts::Finding) -> Option<String> {
        use crate::contacts::{host, looks_alike, ContactKind};
        let through = "write it through its channel: {{ contact(id=\"…\") }} in Markdown, get_channel(id=\"…\") in templates";
        let except = "or, if it is deliberate, list it under [check] allowed_contacts in config.toml";
        match finding.kind {
            ContactKind::Phone => {
                // A landline written without its area code still names the channel.
                let is_channel =
                    |d: &str| d == finding.key || (finding.key.len() >= 7 && d.len() > finding.key.len() && d.starts_with('0') && d.ends_with(&finding.key));
                if self.phones.iter().any(|(d, _, _)| is_channel(d)) || self.allowed_digits.contains(&finding.key) {
                    return None;
                }
                Some(match self.phones.iter().find(|(d, _, _)| looks_alike(d, &finding.key)) {
                    Some((_, id, shown)) => {
                        format!("it looks like the channel `{id}` ({shown}), perhaps an old number: write {{{{ contact(id=\"{id}\") }}}} so it follows the channel page")
                    }
                    None => format!("a number residents may dial must be a channel of the site: {through}; {except}"),
                })
            }
            ContactKind::Email => {
                if self.emails.iter().any(|(e, _)| *e == finding.key) || self.allowed_text.contains(&finding.key) {
                    return None;
                }
                let near = self.emails.iter().find(|(e, _)| e.split('@').nth(1) == finding.key.split('@').nth(1));
                Some(match near {
                    Some((e, id)) => format!("it looks like the channel `{id}` ({e}): write {{{{ contact(id=\"{id}\") }}}}; {except}"),
                    None => format!("{through}; {except}"),
                })
            }
            ContactKind::Web => {
                let h = host(&finding.key);
                if self.hosts.iter().any(|(known, _)| known == h)
                    || self
                        .allowed_text
                        .iter()
                        .any(|a| finding.key == *a || finding.key.starts_with(&format!("{a}/")) || (!a.contains('/') && host_name(h) == a))
                {
                    return None;
                }
                Some(format!("links to other sites must be a web channel of the site; {except}"))
            }
        }
    }
}

/// A web key's host without its port: an allowed host allows every port.
fn host_name(host: &str) -> &str {
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// Every phone number, e-mail address and web address written out in content, templates, data and
/// the config that is not one of the site's channels: after a channel's number changes, this lists
/// every place that still carries the old one.
fn written_contacts(site: &Site) -> Vec<Error> {
    let known = KnownContacts::of(site);
    let root = &site.root;
    let mut files: Vec<std::path::PathBuf> = vec![root.join("config.toml")];
    let mut folders = vec![root.join("content"), root.join("templates"), root.join("data")];
    if let Ok(crate::render::templates::ThemeSource::Folder(dir)) = crate::render::templates::theme_source(root, &site.config) {
        folders.push(dir.join("templates"));
    }
    for folder in folders.iter().filter(|f| f.is_dir()) {
        let walk = walkdir::WalkDir::new(folder).sort_by_file_name().into_iter().filter_map(Result::ok);
        files.extend(walk.filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.')).map(|e| e.into_path()));
    }
    let mut problems = Vec::new();
    for file in files {
        // Pictures and other binary files hold no text to check.
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let skip = definition_lines(&text, file.file_name().is_some_and(|n| n == "config.toml"));
        for finding in crate::contacts::find(&text, &site.config.channels.service_numbers) {
            if skip.contains(&finding.line) {
                continue;
            }
            if let Some(hint) = known.problem(&finding) {
                problems.push(
                    Error::at(&file, finding.line, finding.column, format!("the {} `{}` is not a channel of this site", finding.kind.describe(), finding.text))
                        .with_hint(hint),
                );
            }
        }
    }
    problems
}

/// Lines where a contact is defined rather than quoted: a channel's own `value`, `url` and
/// `postcode`, and the config's `base_url`.
fn definition_lines(text: &str, is_config: bool) -> BTreeSet<usize> {
    let key_of = |line: &str| line.trim_start().split(['=', ':']).next().unwrap_or("").trim().to_string();
    let mut lines = BTreeSet::new();
    if is_config {
        lines.extend(text.lines().enumerate().filter(|(_, l)| key_of(l) == "base_url").map(|(i, _)| i + 1));
        return lines;
    }
    let mut rows = text.lines().enumerate();
    let Some((_, first)) = rows.next() else { return lines };
    let fence = first.trim_end();
    if fence != "+++" && fence != "---" {
        return lines;
    }
    let mut in_channel = false;
    for (i, line) in rows {
        let trimmed = line.trim();
        if trimmed == fence {
            break;
        }
        if trimmed.starts_with('[') {
            in_channel = trimmed == "[channel]";
        } else if !line.starts_with([' ', '\t']) && trimmed.ends_with(':') {
            in_channel = trimmed == "channel:";
        } else if in_channel && matches!(key_of(line).as_str(), "value" | "url" | "postcode") {
            lines.insert(i + 1);
        }
    }
    lines
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
