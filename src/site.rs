//! The [`Site`] orchestrates a build: load the config, the content and the templates; render into
//! memory; add feeds and static files; write atomically.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use walkdir::WalkDir;

use crate::config::Config;
use crate::content::{Library, LoadOptions};
use crate::error::{Error, Errors};
use crate::output::Output;
use crate::render::templates::{built_in_files, theme_source, Templates, ThemeSource};
use crate::render::values::Shapes;
use crate::{feeds, render};

/// What the command line asks of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// The day `expires` dates are compared with; see [`today`].
    pub today: Option<NaiveDate>,
}

/// A loaded site, ready to render.
pub struct Site {
    pub root: PathBuf,
    pub config: Arc<Config>,
    pub library: Arc<Library>,
    pub templates: Templates,
    /// Problems that do not stop the build.
    pub warnings: Errors,
}

/// What a finished build did, for the one-line summary.
#[derive(Debug)]
pub struct BuildReport {
    pub pages: usize,
    pub sections: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub output_dir: PathBuf,
    pub warnings: Errors,
}

impl Site {
    /// Loads config, content and templates, gathering every error before giving up.
    pub fn load(options: &BuildOptions) -> Result<Site, Errors> {
        let root = options.root.clone();
        let mut warnings = Errors::default();
        let mut config = Config::load(&root, &mut warnings)?;
        if let Some(url) = &options.base_url {
            config.base_url = url.trim_end_matches('/').to_string();
        }
        let load = LoadOptions { drafts: options.drafts, today: options.today.unwrap_or_else(today) };
        // Content and template errors are reported together, so one run shows everything to fix.
        let library = Library::load(&root, &config, &load);
        let templates = Templates::load(&root, &config);
        let (library, templates) = match (library, templates) {
            (Ok((library, more)), Ok(templates)) => {
                warnings.0.extend(more.0);
                (library, templates)
            }
            (library, templates) => {
                let mut errors = Errors::default();
                if let Err(e) = library {
                    errors.0.extend(e.0);
                }
                if let Err(e) = templates {
                    errors.0.extend(e.0);
                }
                return Err(errors);
            }
        };
        Ok(Site { root, config: Arc::new(config), library: Arc::new(library), templates, warnings })
    }

    /// Renders the whole site into memory.
    pub fn render(&self) -> Result<Output, Errors> {
        self.render_keeping_shapes().map(|(output, _)| output)
    }

    /// [`Site::render`], also handing back the page shapes, which `serve` keeps so that it can
    /// re-render one edited page with [`Site::update_page_body`].
    pub fn render_keeping_shapes(&self) -> Result<(Output, Arc<Shapes>), Errors> {
        let mut output = Output::default();
        self.add_static_files(&mut output)?;
        let shapes = render::render_site(&self.root, &self.config, &self.library, &self.templates, &mut output)?;
        feeds::write_all(&self.config, &self.library, &shapes, &mut output);
        if self.config.build_search_index {
            crate::search::write_index(&self.config, &self.library, &shapes, &mut output);
        }
        // The site's own static files win over anything generated, as in Zola.
        self.add_site_static(&mut output)?;
        render::qr_codes::verify_published(&output, &self.config.base_url)?;
        Ok((output, shapes))
    }

    /// Re-renders after an edit to the body of one page, when its front matter did not change (so no
    /// URL, listing order or taxonomy moved). `None` means "rebuild everything instead".
    pub fn update_page_body(&mut self, shapes: &mut Arc<Shapes>, output: &mut Output, file: &Path) -> Option<Result<usize, Errors>> {
        let file = file.canonicalize().ok()?;
        let index = self.library.pages.iter().position(|p| p.file.canonicalize().is_ok_and(|f| f == file))?;
        let source = std::fs::read_to_string(&file).ok()?;
        let split = crate::content::front_matter::split(&source, &file).ok()?;
        let page = &self.library.pages[index];
        if split.front_matter != page.front_matter {
            return None;
        }
        let library = Arc::get_mut(&mut self.library)?;
        library.pages[index].body = split.body.to_string();
        library.pages[index].body_line = split.body_line;
        Some(render::rerender_page(&self.root, &self.config, &self.library, &self.templates, shapes, index, output))
    }

    /// The output folder: `--output-dir`, else `output_dir` from the config, else `public/`.
    pub fn output_dir(&self, options: &BuildOptions) -> PathBuf {
        match (&options.output_dir, &self.config.output_dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(dir)) => self.root.join(dir),
            (None, None) => self.root.join("public"),
        }
    }

    fn add_static_files(&self, output: &mut Output) -> Result<(), Errors> {
        match theme_source(&self.root, &self.config)? {
            ThemeSource::Folder(dir) => copy_folder(&dir.join("static"), output),
            ThemeSource::BuiltIn => {
                for (path, bytes) in built_in_files("static/") {
                    output.add(path, bytes.to_vec());
                }
            }
            ThemeSource::None => {}
        }
        Ok(())
    }

    fn add_site_static(&self, output: &mut Output) -> Result<(), Errors> {
        copy_folder(&self.root.join("static"), output);
        Ok(())
    }
}

/// Loads, renders and writes the site; the previous output stays untouched unless all of it worked.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Errors> {
    build_site(options).map(|(_, report)| report)
}

/// [`build`], also handing back the loaded site (for `placard print`, which exports what it built).
pub fn build_site(options: &BuildOptions) -> Result<(Site, BuildReport), Errors> {
    let started = Instant::now();
    let site = Site::load(options)?;
    let output_dir = site.output_dir(options);
    check_output_dir(&site.root, &output_dir)?;
    let output = site.render().map_err(|mut errors| {
        errors.0.extend(site.warnings.0.iter().cloned());
        errors
    })?;
    output.write_atomically(&output_dir)?;
    let report = BuildReport {
        pages: site.library.pages.len(),
        sections: site.library.sections.len(),
        files: output.len(),
        elapsed: started.elapsed(),
        output_dir,
        warnings: Errors(site.warnings.0.clone()),
    };
    Ok((site, report))
}

/// Copies every non-hidden file under `dir` into the output root.
fn copy_folder(dir: &Path, output: &mut Output) {
    if !dir.is_dir() {
        return;
    }
    let walker = WalkDir::new(dir).sort_by_file_name().into_iter().filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker.filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(dir) else { continue };
        let parts: Option<Vec<&str>> = relative.components().map(|c| c.as_os_str().to_str()).collect();
        if let Some(parts) = parts {
            output.copy(parts.join("/"), entry.path().to_path_buf());
        }
    }
}

/// Refuses output folders whose replacement would destroy the site's sources or unrelated files.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<(), Error> {
    let absolute = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
        normalize(&p)
    };
    let root = absolute(root);
    let out = absolute(output);
    let refuse = |why: &str| {
        Error::new(format!("refusing to use `{}` as the output folder: {why}", output.display())).with_hint("choose an empty or new folder, such as public/")
    };
    if root.starts_with(&out) {
        return Err(refuse("it contains the site itself"));
    }
    for source in ["content", "templates", "static", "themes", "data", "config.toml"] {
        if out.starts_with(root.join(source)) {
            return Err(refuse(&format!("it is inside the site's `{source}`")));
        }
    }
    if out.is_file() {
        return Err(refuse("it is a file"));
    }
    if out.is_dir() {
        let mut entries = std::fs::read_dir(&out).map_err(|e| Error::io(&out, "read", e))?;
        let empty = entries.next().is_none();
        let built = ["index.html", "404.html", "sitemap.xml"].iter().any(|f| out.join(f).exists());
        if !empty && !built {
            return Err(refuse("it holds files that do not look like a built site, and building would replace them"));
        }
    }
    Ok(())
}

/// Removes `.` and `..` without touching the disk (the output folder may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Today's date for `expires`: `PLACARD_TODAY` (YYYY-MM-DD) when set, else the date in China
/// (UTC+8), since notices expire by the local calendar. The build output records no date.
pub fn today() -> NaiveDate {
    if let Some(day) = std::env::var("PLACARD_TODAY").ok().and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()) {
        return day;
    }
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_dir_cannot_swallow_sources() {
        let root = std::env::temp_dir().join("placard-site-check");
        assert!(check_output_dir(&root, &root).is_err());
        assert!(check_output_dir(&root, &root.join("content/out")).is_err());
        assert!(check_output_dir(&root, root.parent().unwrap()).is_err());
        assert!(check_output_dir(&root, &root.join("public")).is_ok());
    }
}
