//! Loading Tera templates: the theme's first, the site's own `templates/` overriding them by name.
//! The default theme is built into the binary and used when the site has no copy of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use tera::{Context, Tera};
use walkdir::WalkDir;

use crate::config::Config;
use crate::error::{Error, Errors};

pub mod guard;
pub mod reads;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_theme.rs"));
}

/// The theme folder name of the built-in theme.
pub const DEFAULT_THEME: &str = "default";

/// The parsed templates and where each came from.
pub struct Templates {
    pub tera: Tera,
    /// Template name → the file it was read from (`None` for the built-in theme).
    origins: BTreeMap<String, Option<PathBuf>>,
    search_path: String,
    /// Why some template might show the body of a page it lists ([`reads`]); `None` when none can,
    /// and then listed pages carry no `content` or `toc`.
    pub listed_bodies_read: Option<String>,
}

/// Where a theme's files come from.
pub enum ThemeSource {
    Folder(PathBuf),
    BuiltIn,
    None,
}

/// The theme named in the config: its folder under `themes/`, else the built-in default theme.
pub fn theme_source(root: &Path, config: &Config) -> Result<ThemeSource, Error> {
    let Some(name) = &config.theme else { return Ok(ThemeSource::None) };
    let dir = root.join("themes").join(name);
    if dir.is_dir() {
        Ok(ThemeSource::Folder(dir))
    } else if name == DEFAULT_THEME {
        Ok(ThemeSource::BuiltIn)
    } else {
        Err(Error::in_file(root.join("config.toml"), format!("the theme `{name}` is not in `themes/{name}/`"))
            .with_hint(format!("copy the theme there, or use theme = \"{DEFAULT_THEME}\"")))
    }
}

/// Files of the built-in theme under `prefix` (like `static/`), as (path below prefix, bytes).
pub fn built_in_files(prefix: &str) -> impl Iterator<Item = (&'static str, &'static [u8])> + '_ {
    embedded::FILES.iter().filter_map(move |(path, bytes)| path.strip_prefix(prefix).map(|rest| (rest, *bytes)))
}

impl Templates {
    pub fn load(root: &Path, config: &Config) -> Result<Templates, Errors> {
        let mut sources: BTreeMap<String, (String, Option<PathBuf>)> = BTreeMap::new();
        let mut searched = Vec::new();
        match theme_source(root, config)? {
            ThemeSource::Folder(dir) => {
                let dir = dir.join("templates");
                searched.push(dir.display().to_string());
                read_folder(&dir, &mut sources)?;
            }
            ThemeSource::BuiltIn => {
                searched.push("the built-in default theme".into());
                for (name, bytes) in built_in_files("templates/") {
                    sources.insert(name.to_string(), (String::from_utf8_lossy(bytes).into_owned(), None));
                }
            }
            ThemeSource::None => {}
        }
        // As in Zola, each theme template is also reachable as `<theme>/templates/<name>`, so that a
        // site's own `index.html` can extend the theme's `index.html` it replaces.
        if let Some(theme) = &config.theme {
            let namespaced: Vec<(String, (String, Option<PathBuf>))> =
                sources.iter().map(|(name, source)| (format!("{theme}/templates/{name}"), source.clone())).collect();
            sources.extend(namespaced);
        }
        let own = root.join("templates");
        searched.insert(0, own.display().to_string());
        read_folder(&own, &mut sources)?;

        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".htm", ".xml"]);
        // Tera's default also escapes `/`, which bloats every URL in a page for no safety gain.
        tera.set_escape_fn(crate::markdown::escape_attr);
        let origins: BTreeMap<String, Option<PathBuf>> = sources.iter().map(|(k, (_, p))| (k.clone(), p.clone())).collect();
        let tera = prepare(tera, root, &sources, &origins)?;
        let listed_bodies_read = reads::listed_bodies_read(&tera.templates);
        Ok(Templates { tera, origins, search_path: searched.join(" and "), listed_bodies_read })
    }

    pub fn has(&self, name: &str) -> bool {
        self.origins.contains_key(name)
    }

    /// The names of the shortcodes the site can use.
    pub fn shortcodes(&self) -> Vec<&str> {
        self.origins.keys().filter_map(|k| k.strip_prefix("shortcodes/")?.strip_suffix(".html")).collect()
    }

    /// Where the template `name` was read from, for messages.
    pub fn origin(&self, name: &str) -> String {
        match self.origins.get(name) {
            Some(Some(path)) => format!("`{}`", path.display()),
            _ => format!("`{name}` of the built-in theme"),
        }
    }

    /// The file of template `name`, or its name when it is built in.
    pub fn origin_path(&self, name: &str) -> PathBuf {
        match self.origins.get(name) {
            Some(Some(path)) => path.clone(),
            _ => PathBuf::from(format!("(built-in theme)/templates/{name}")),
        }
    }

    pub fn search_path(&self) -> &str {
        &self.search_path
    }
}

/// Parses every template, refuses include / import / extends cycles and macros that can never stop,
/// puts the render-time probes of [`guard`] in, and hands the result to Tera.
fn prepare(
    mut tera: Tera,
    root: &Path,
    sources: &BTreeMap<String, (String, Option<PathBuf>)>,
    origins: &BTreeMap<String, Option<PathBuf>>,
) -> Result<Tera, Errors> {
    let mut errors = Errors::default();
    let mut parsed = BTreeMap::new();
    let mut scanned = BTreeMap::new();
    for (name, (text, path)) in sources {
        match tera::Template::new(name, None, text) {
            Ok(template) => {
                parsed.insert(name.clone(), template);
            }
            Err(e) => errors.push(template_error(&tera::Error::chain(format!("Failed to parse '{name}'"), e), origins)),
        }
        let label = match path {
            Some(p) => p.strip_prefix(root).unwrap_or(p).display().to_string(),
            None => format!("templates/{name} (built-in theme)"),
        };
        let file = path.clone().unwrap_or_else(|| PathBuf::from(format!("(built-in theme)/templates/{name}")));
        scanned.insert(name.clone(), guard::Source::new(name, label, file, text));
    }
    errors.extend(guard::missing_links(&parsed, &scanned));
    if errors.has_errors() {
        return Err(errors);
    }
    // Tera itself would recurse without end on these, before or while rendering.
    errors.extend(guard::check_cycles(&parsed, &scanned));
    if errors.has_errors() {
        return Err(errors);
    }
    let mut probes = guard::Probes::default();
    for (name, template) in parsed.iter_mut() {
        guard::instrument(template, &scanned[name], &mut probes);
    }
    tera.templates.extend(parsed);
    if let Err(e) = tera.build_inheritance_chains().and_then(|_| tera.check_macro_files()) {
        return Err(template_error(&e, origins).into());
    }
    guard::register(&mut tera, Arc::new(probes));
    Ok(tera)
}

/// Why a template did not render: Tera's innermost message, and a hint when one of placard's
/// limits stopped it (then the usual advice about missing variables would be wrong).
#[derive(Debug)]
pub struct Failure {
    pub cause: String,
    pub hint: Option<&'static str>,
}

/// Renders `name`, with the limits of [`guard`] counted afresh for this file. A panic inside Tera
/// becomes an error too, so one bad template cannot take down `serve`.
pub fn render(tera: &Tera, name: &str, context: &Context) -> Result<String, Failure> {
    if render_pool().is_some_and(|pool| pool.current_thread_index().is_some()) {
        return render_here(tera, name, context);
    }
    // Not on a render thread: use a fresh thread with the same stack. (Handing the work to the pool
    // from another pool's worker would let that worker pick up more work while it waits, nesting
    // renders on its own small stack.)
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().stack_size(RENDER_STACK).spawn_scoped(scope, || render_here(tera, name, context));
        match thread.map(|t| t.join()) {
            Ok(Ok(result)) => result,
            _ => Err(Failure { cause: format!("no thread could be started to render `{name}`"), hint: None }),
        }
    })
}

/// Runs `work` (which renders many files in parallel with rayon) on the render threads, so that
/// each [`render`] inside it runs on a big stack without starting a thread of its own.
pub fn on_render_threads<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match render_pool() {
        Some(pool) if pool.current_thread_index().is_none() => pool.install(work),
        _ => work(),
    }
}

/// Stack for each render thread. Tera recurses once or more per nested macro, include, block, loop
/// and `if`; [`guard::MAX_DEPTH`] levels of a busy navigation macro need several MB in a debug
/// build (measured: 3,000 levels of a macro with a loop, an `if` and a filter fit in 64 MB), more
/// than the 2 MB a thread gets by default. The memory is only reserved, not used.
const RENDER_STACK: usize = 64 << 20;

/// Threads with a big stack that renders run on, as many as rayon's own.
fn render_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .stack_size(RENDER_STACK)
            .thread_name(|i| format!("placard-render-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

fn render_here(tera: &Tera, name: &str, context: &Context) -> Result<String, Failure> {
    guard::reset();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tera.render(name, context))) {
        Ok(Ok(html)) => Ok(html),
        Ok(Err(e)) => Err(Failure { cause: cause(&e), hint: guard::tripped() }),
        Err(_) => Err(Failure { cause: format!("the template engine failed inside `{name}`"), hint: None }),
    }
}

fn read_folder(dir: &Path, sources: &mut BTreeMap<String, (String, Option<PathBuf>)>) -> Result<(), Errors> {
    if !dir.is_dir() {
        return Ok(());
    }
    // Links are followed (a theme is often linked in from elsewhere); a broken or looping one is an
    // error rather than a template that silently goes missing.
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let message = match e.loop_ancestor() {
                    Some(up) => format!("this link leads back to `{}`, a folder above it", up.display()),
                    None => format!("this could not be read as a template: {e}"),
                };
                return Err(Error::in_file(path, message).with_hint("remove the link, or point it at a file that exists").into());
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file() || path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        let Ok(relative) = path.strip_prefix(dir) else { continue };
        let name: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "read the template", e))?;
        sources.insert(name.join("/"), (text, Some(path.to_path_buf())));
    }
    Ok(())
}

/// A template that does not parse: the file, and the line and column Tera reports.
fn template_error(error: &tera::Error, origins: &BTreeMap<String, Option<PathBuf>>) -> Error {
    let text = describe(error);
    let name = text.split('\'').nth(1).unwrap_or("").to_string();
    let file = origins.get(&name).cloned().flatten().unwrap_or_else(|| PathBuf::from(format!("templates/{name}")));
    let (line, column) = text
        .split("--> ")
        .nth(1)
        .and_then(|rest| {
            let spot = rest.split_whitespace().next()?;
            let (l, c) = spot.split_once(':')?;
            Some((l.parse().ok()?, c.parse().ok()?))
        })
        .unwrap_or((0, 0));
    let detail = text.lines().filter(|l| l.trim_start().starts_with("= ")).map(|l| l.trim_start()[2..].to_string()).next();
    let message = match detail {
        Some(d) => format!("the template `{name}` has a syntax error: {d}"),
        None => format!("the template could not be read: {}", text.lines().next().unwrap_or("")),
    };
    Error::at(file, line, column, message).with_hint("Tera syntax: {{ value }}, {% if x %}...{% endif %}, {% for p in pages %}...{% endfor %}")
}

/// The innermost cause of a Tera error: the sentence that says what is wrong (a missing variable, a
/// function's own message), without Tera's "Failed to render" wrappers.
pub fn cause(error: &tera::Error) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Tera's error with its causes, on one line each.
pub fn describe(error: &tera::Error) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same templates through plain Tera and through [`prepare`] (cycle checks and probes).
    fn both(list: &[(&str, &str)]) -> (Tera, Tera) {
        let mut plain = Tera::default();
        plain.autoescape_on(vec![".html"]);
        plain.set_escape_fn(crate::markdown::escape_attr);
        plain.add_raw_templates(list.iter().copied()).unwrap();
        let mut base = Tera::default();
        base.autoescape_on(vec![".html"]);
        base.set_escape_fn(crate::markdown::escape_attr);
        let sources: BTreeMap<String, (String, Option<PathBuf>)> = list.iter().map(|(n, t)| (n.to_string(), (t.to_string(), None))).collect();
        let origins = sources.keys().map(|k| (k.clone(), None)).collect();
        let probed = prepare(base, Path::new("."), &sources, &origins).unwrap_or_else(|e| panic!("{e:?}"));
        (plain, probed)
    }

    #[test]
    fn probes_change_nothing_in_the_output() {
        let templates = [
            (
                "page.html",
                "{% extends \"base.html\" %}{% import \"m.html\" as m %}{% block body %}\
                 {{ x }}|{{ x | safe }}|{{ x | upper }}|{{ \"<b>\" ~ x }}|{{ 1 + 2 }}|{{ [1, 2] }}|{{ missing | default(value=\"<i>\") }}|\
                 {{ not x }}|{{ x is defined }}|{{ m::wrap(t=x) }}|{{ m::wrap(t=x) | safe }}|{{ m::tree(n=3) }}|\
                 {% set s = \"a\" ~ x %}{{ s }}|{% set_global g = 0 %}\
                 {% for i in range(start=1, end=10, step_by=2) %}{% if i == 7 %}{% break %}{% endif %}{% if i == 3 %}{% continue %}{% endif %}\
                 {{ loop.index }}:{{ i }}{% if loop.last %}!{% endif %},{% else %}none{% endfor %}|\
                 {% for k, v in obj %}{{ k }}={{ v }};{% endfor %}|{% for c in word %}{{ c }}{% endfor %}|\
                 {% filter upper %}{{ x }}{% include \"part.html\" %}{% endfilter %}|{{ super() }}{% endblock body %}",
            ),
            ("base.html", "<main>{% block body %}base{% endblock body %}</main>"),
            ("part.html", "<p>{{ x }}</p>{% for i in [1, 2] %}{{ i }}{% endfor %}"),
            (
                "m.html",
                "{% macro wrap(t) %}<span>{{ t }}</span>{% endmacro wrap %}\
                 {% macro tree(n) %}{% if n > 0 %}<li>{{ n }}{{ self::tree(n=n - 1) }}</li>{% endif %}{% endmacro tree %}",
            ),
        ];
        let (plain, probed) = both(&templates);
        let mut context = Context::new();
        context.insert("x", "<a href='/'>&</a>");
        context.insert("obj", &serde_json::json!({"a": 1, "b": "<c>"}));
        context.insert("word", "ab");
        let expected = plain.render("page.html", &context).unwrap();
        let got = render(&probed, "page.html", &context).unwrap();
        assert_eq!(got, expected);
        assert!(expected.contains("1:1,3:5,") && expected.contains("<li>3<li>2<li>1</li></li></li>"), "{expected}");
    }

    #[test]
    fn counters_start_afresh_for_each_file() {
        // 1,500 steps per render: fine each time, though many renders run on the same thread.
        let (_, probed) = both(&[("a.html", "{% for i in range(end=1500) %}{% endfor %}ok")]);
        for _ in 0..(guard::MAX_STEPS / 1500 + 2) {
            assert_eq!(render(&probed, "a.html", &Context::new()).unwrap(), "ok");
        }
        // A failed render (depth left high) does not poison the next one.
        let (_, probed) = both(&[
            ("m.html", "{% macro f(n) %}{% if n > 0 %}{{ self::f(n=n + 1) }}{% endif %}{% endmacro f %}"),
            ("a.html", "{% import \"m.html\" as m %}{% if bad %}{{ m::f(n=1) }}{% endif %}fine"),
        ]);
        let mut bad = Context::new();
        bad.insert("bad", &true);
        let failure = render(&probed, "a.html", &bad).unwrap_err();
        assert!(failure.cause.contains("nested more than") && failure.hint == Some(guard::DEPTH_HINT), "{failure:?}");
        assert_eq!(render(&probed, "a.html", &Context::new()).unwrap(), "fine");
    }
}
