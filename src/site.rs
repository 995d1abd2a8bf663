//! The [`Site`] orchestrates a build: load the config, the content and the templates; render into
//! memory; add feeds and static files; write atomically.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use walkdir::WalkDir;

use crate::campaign::Campaign;
use crate::config::Config;
use crate::content::{Library, LoadOptions};
use crate::error::{Error, Errors};
use crate::output::{Entry, Origin, Output, WriteOptions};
use crate::render::templates::{built_in_files, theme_source, Templates, ThemeSource};
use crate::render::values::Shapes;
use crate::render::Preview;
use crate::sheets::Sheets;
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
    /// Replace an output folder that placard did not build (`build --force`).
    pub force: bool,
}

/// A loaded site, ready to render.
pub struct Site {
    pub root: PathBuf,
    pub config: Arc<Config>,
    pub library: Arc<Library>,
    /// Channels, units and print items, built from the library.
    pub campaign: Arc<Campaign>,
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
    /// The print sheets, their stylesheet and seals, and the order sheet: written only by
    /// `placard print`, into a folder of their own (see [`Site::print_dir`]).
    pub print_tree: Output,
}

impl Site {
    /// Loads config, content and templates, gathering every error before giving up.
    pub fn load(options: &BuildOptions) -> Result<Site, Errors> {
        let root = options.root.clone();
        let mut warnings = Errors::default();
        let mut config = Config::load(&root, &mut warnings)?;
        if let Some(url) = &options.base_url {
            config.base_url = crate::urls::validate_base_url(url).map_err(|why| {
                Error::new(format!("--base-url is not usable: {why}")).with_hint("pass a full web address, like --base-url https://www.example.gov.cn")
            })?;
        }
        let load = LoadOptions { drafts: options.drafts, today: options.today.unwrap_or_else(today) };
        // Content and template errors are reported together, so one run shows everything to fix.
        let library = crate::campaign::load(&root, &config, &load);
        let templates = Templates::load(&root, &config);
        let (library, campaign, templates) = match (library, templates) {
            (Ok((library, campaign, more)), Ok(templates)) => {
                warnings.extend(more);
                (library, campaign, templates)
            }
            (library, templates) => {
                let mut errors = Errors::default();
                if let Err(e) = library {
                    errors.extend(e);
                }
                if let Err(e) = templates {
                    errors.extend(e);
                }
                return Err(errors);
            }
        };
        Ok(Site { root, config: Arc::new(config), library: Arc::new(library), campaign: Arc::new(campaign), templates, warnings })
    }

    /// What rendering reads.
    fn inputs(&self) -> render::Inputs<'_> {
        render::Inputs { root: &self.root, config: &self.config, library: &self.library, campaign: &self.campaign, templates: &self.templates }
    }

    /// Renders the whole site into memory.
    pub fn render(&self) -> Result<Output, Errors> {
        self.render_into(Output::default(), None).map(|(output, _)| output)
    }

    /// [`Site::render`], also handing back the page shapes, which `serve` keeps so that it can
    /// re-render one edited page with [`Site::update_page_body`]. For a live preview, `preview`
    /// names the files to render and publish before the others.
    pub fn render_keeping_shapes(&self, preview: Option<&Preview>) -> Result<(Output, Arc<Shapes>), Errors> {
        self.render_into(Output::default(), preview)
    }

    /// Renders into `output`, which may be [`Output::streaming`] (then the rendered pages are
    /// written into its staging folder as they are made).
    fn render_into(&self, mut output: Output, preview: Option<&Preview>) -> Result<(Output, Arc<Shapes>), Errors> {
        self.add_static_files(&mut output)?;
        let shapes = render::render_site(&self.inputs(), &[&Sheets], &mut output, preview)?;
        let started = Instant::now();
        let mut feeds = Output::default();
        feeds::write_all(&self.config, &self.library, &shapes.page_bodies, &|name| self.templates.has(name), &mut feeds);
        output.merge(feeds, &Origin::new("the feeds, sitemap and robots.txt", None));
        timing("feeds", started);
        if self.config.language_codes().into_iter().any(|lang| self.config.search_of(lang)) {
            let started = Instant::now();
            let mut index = Output::default();
            crate::search::write_index(&self.config, &self.library, &self.campaign.channels, &shapes.page_bodies, &mut index);
            output.merge(index, &Origin::new("the search index", None));
            timing("search", started);
        }
        shapes.check_bodies()?;
        let started = Instant::now();
        // The site's own static files replace the theme's, as in Zola; a clash with anything
        // generated is an error, so a stray file can never stand in for a landing page.
        self.add_site_static(&mut output)?;
        self.add_print_assets(&mut output);
        let conflicts = output.conflicts(&self.root);
        if !conflicts.is_empty() {
            let mut errors = Errors::from(conflicts);
            errors.sort();
            return Err(errors);
        }
        // Every code is read back from the files as they will be published.
        render::qr_codes::verify_published(&output, &self.config.base_url)?;
        timing("checks", started);
        Ok((output, shapes))
    }

    /// The stylesheet of the print sheets (the theme's, or the site's own), copied into the print
    /// tree so that the tree stands alone.
    fn add_print_assets(&self, output: &mut Output) {
        if self.campaign.print.items.is_empty() {
            return;
        }
        if let Some(css) = output.get("print.css").cloned() {
            output.claim(format!("{}/print.css", crate::print::PRINT_DIR), css, Origin::new("the print stylesheet", None));
        }
    }

    /// Re-renders after an edit to the body of one page, when its front matter did not change (so no
    /// URL, listing order or taxonomy moved). `None` means "rebuild everything instead". The
    /// re-rendered files go into `output`; `preview` as for [`Site::render_keeping_shapes`].
    pub fn update_page_body(&mut self, shapes: &mut Arc<Shapes>, output: &mut Output, file: &Path, preview: Option<&Preview>) -> Option<Result<usize, Errors>> {
        let file = file.canonicalize().ok()?;
        // Only pages of the same file name are canonicalised: one path lookup per page would cost
        // tens of milliseconds on a big site.
        let index = self.library.pages.iter().position(|p| p.file.file_name() == file.file_name() && p.file.canonicalize().is_ok_and(|f| f == file))?;
        let source = std::fs::read_to_string(&file).ok()?;
        let split = crate::content::front_matter::split(&source, &file).ok()?;
        let page = &self.library.pages[index];
        if split.front_matter != page.keys.text() {
            return None;
        }
        let library = Arc::get_mut(&mut self.library)?;
        library.pages[index].body = crate::content::Source::new(split.body);
        library.pages[index].body_line = split.body_line;
        Some(render::rerender_page(&self.inputs(), &[&Sheets], shapes, index, output, preview))
    }

    /// The output folder: `--output-dir`, else `output_dir` from the config, else `public/`.
    pub fn output_dir(&self, options: &BuildOptions) -> PathBuf {
        match (&options.output_dir, &self.config.output_dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(dir)) => self.root.join(dir),
            (None, None) => self.root.join("public"),
        }
    }

    /// The print folder: `--print-dir`, else `print/` in the site folder. `placard build` never
    /// touches it.
    pub fn print_dir(&self, chosen: Option<&Path>) -> PathBuf {
        chosen.map(Path::to_path_buf).unwrap_or_else(|| self.root.join(crate::print::PRINT_DIR))
    }

    fn add_static_files(&self, output: &mut Output) -> Result<(), Errors> {
        match theme_source(&self.root, &self.config)? {
            ThemeSource::Folder(dir) => {
                copy_folder(&dir.join("static"), output, true, &self.config)?;
                if self.config.compile_sass {
                    crate::sass::compile_folder(&dir, true, output)?;
                }
            }
            ThemeSource::BuiltIn => {
                for (path, bytes) in built_in_files("static/") {
                    let origin = Origin { theme_static: true, ..Origin::new("the built-in theme's static file", None) };
                    output.claim(path, Entry::Bytes(bytes.to_vec()), origin);
                }
            }
            ThemeSource::None => {}
        }
        Ok(())
    }

    fn add_site_static(&self, output: &mut Output) -> Result<(), Errors> {
        copy_folder(&self.root.join("static"), output, false, &self.config)?;
        if self.config.compile_sass {
            crate::sass::compile_folder(&self.root, false, output)?;
        }
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
    let site = Site::load(options);
    timing("load", started);
    let site = match site {
        Ok(site) => site,
        Err(mut errors) => {
            // A build killed half-way through its swap is repaired first, even by one that stops here.
            if let Some(dir) = output_dir_without_site(options).filter(|dir| refuse_source_folder(&options.root, dir).is_ok()) {
                errors.extend(crate::output::repair(&dir).unwrap_or_else(|e| vec![e]));
            }
            return Err(errors);
        }
    };
    let output_dir = site.output_dir(options);
    let write = WriteOptions { force: options.force };
    refuse_source_folder(&site.root, &output_dir)?;
    let mut warnings = site.warnings.clone();
    warnings.extend(crate::output::repair(&output_dir)?);
    let with_warnings = |mut errors: Errors| {
        errors.extend(warnings.iter().cloned());
        errors
    };
    // Refused before rendering, so that nobody waits for a build that cannot be written.
    check_output_dir(&site.root, &output_dir, &write).map_err(|e| with_warnings(e.into()))?;
    // Pages are rendered straight into the staging folder of the atomic swap, so memory does not
    // grow with the site; a failed render leaves the previous output untouched, as a failed write does.
    let mut failed: Option<Errors> = None;
    let mut finished: Option<(Output, Output)> = None;
    let written = crate::output::replace_dir(&output_dir, &write, |dir| match site.render_into(Output::streaming(dir), None) {
        Ok((mut output, _)) => {
            let started = Instant::now();
            // Print sheets, seals and the order sheet are for the office and the print shop, not residents.
            let print_tree = output.split_off_prefix(&format!("{}/", crate::print::PRINT_DIR));
            output.fill(dir)?;
            timing("write", started);
            finished = Some((output, print_tree));
            Ok(())
        }
        Err(errors) => {
            failed = Some(errors);
            Err(Error::new("the site did not render"))
        }
    });
    if let Some(errors) = failed {
        return Err(with_warnings(errors));
    }
    let written = written.map_err(|e| with_warnings(Errors::from(e)))?;
    let Some((output, print_tree)) = finished else {
        return Err(with_warnings(Error::new("the site was not written").into()));
    };
    warnings.extend(written.notes);
    let report = BuildReport {
        pages: site.library.pages.len(),
        sections: site.library.sections.len(),
        files: output.len(),
        elapsed: started.elapsed(),
        output_dir,
        warnings,
        print_tree,
    };
    Ok((site, report))
}

/// Writes the print tree of a finished build into its own folder (see [`Site::print_dir`]) and
/// returns that folder. Refused when the base URL only works on this computer or a private network
/// (unless `allow_local`), and when the folder would sit inside the website's, or hold it, since a
/// later `placard build` would then delete the exports.
pub fn write_print_tree(site: &Site, built: &BuildReport, chosen: Option<&Path>, allow_local: bool) -> Result<PathBuf, Error> {
    if crate::urls::is_local_base_url(&site.config.base_url) && !allow_local {
        return Err(Error::new(format!(
            "the base URL `{}` leads to this computer or a private network: the QR codes on the sheets would not open on residents' phones",
            site.config.base_url
        ))
        .with_hint("set base_url in config.toml to the site's public address, or pass --allow-local-base-url for a test print"));
    }
    let print_dir = site.print_dir(chosen);
    let absolute = |p: &Path| normalize(&std::env::current_dir().unwrap_or_default().join(p));
    let (print, website) = (absolute(&print_dir), absolute(&built.output_dir));
    if print.starts_with(&website) || website.starts_with(&print) {
        return Err(Error::new(format!(
            "the print folder `{}` and the website folder `{}` cannot hold one another: each build replaces the website folder as a whole",
            print_dir.display(),
            built.output_dir.display()
        ))
        .with_hint("keep them side by side, like public/ and print/ (the default)"));
    }
    let write = WriteOptions::default();
    check_output_dir(&site.root, &print_dir, &write)?;
    built.print_tree.write_atomically(&print_dir, &write)?;
    Ok(print_dir)
}

/// Copies every non-hidden file under `dir` into the output root: a theme's static folder, or the
/// site's, whose files may replace the theme's.
fn copy_folder(dir: &Path, output: &mut Output, theme: bool, config: &Config) -> Result<(), Errors> {
    if !dir.is_dir() {
        return Ok(());
    }
    let walker = WalkDir::new(dir).sort_by_file_name().into_iter().filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    let mut errors = Errors::default();
    for entry in walker {
        // An unreadable folder or file is reported, never skipped: a missing file could be a
        // missing page of the site.
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                errors.push(Error::new(format!("could not read `{}`: {e}", path.display())).with_hint("check the file's permissions, or remove it"));
                continue;
            }
        };
        if entry.file_type().is_symlink() {
            errors.push(
                Error::new(format!("`{}` is a link; static files are copied, not followed", entry.path().display()))
                    .with_hint("put the file itself in the static folder"),
            );
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(dir) else { continue };
        let parts: Option<Vec<&str>> = relative.components().map(|c| c.as_os_str().to_str()).collect();
        let Some(parts) = parts else {
            errors.push(Error::new(format!("the name of `{}` is not valid text (UTF-8)", entry.path().display())).with_hint("rename the file"));
            continue;
        };
        // `ignored_static` leaves files out of the theme's static folder and the site's alike.
        if config.static_ignored(&parts.join("/"), entry.path()) {
            continue;
        }
        let origin = Origin { theme_static: theme, ..Origin::new("a static file", Some(entry.path())) };
        let file = Entry::Copy(entry.path().to_path_buf());
        if theme {
            output.claim(parts.join("/"), file, origin);
        } else {
            output.claim_over_theme(parts.join("/"), file, origin);
        }
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// Refuses output folders whose replacement would destroy the site's sources, and (through
/// [`crate::output::check_replaceable`]) folders placard did not build, unless `write.force`.
pub fn check_output_dir(root: &Path, output: &Path, write: &WriteOptions) -> Result<(), Error> {
    refuse_source_folder(root, output)?;
    crate::output::check_replaceable(output, write).map(|_| ())
}

/// The output folder of a site that did not load: `--output-dir`, else the config's, else `public/`.
fn output_dir_without_site(options: &BuildOptions) -> Option<PathBuf> {
    if let Some(dir) = &options.output_dir {
        return Some(dir.clone());
    }
    let config = Config::load(&options.root, &mut Errors::default()).ok()?;
    Some(options.root.join(config.output_dir.as_deref().unwrap_or(Path::new("public"))))
}

/// Refuses an output folder that holds the site or lies inside its sources, forced or not.
fn refuse_source_folder(root: &Path, output: &Path) -> Result<(), Error> {
    let absolute = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
        normalize(&p)
    };
    // Compared as written and as resolved on disk, so that a link (`public -> ..`) cannot hide the site.
    let real = |p: &Path| p.canonicalize().ok().or_else(|| Some(p.parent()?.canonicalize().ok()?.join(p.file_name()?)));
    let refuse = |why: &str| {
        Error::new(format!("refusing to use `{}` as the output folder: {why}", output.display())).with_hint("choose an empty or new folder, such as public/")
    };
    let pairs = [(absolute(root), absolute(output)), (real(&absolute(root)).unwrap_or_default(), real(&absolute(output)).unwrap_or_default())];
    for (root, out) in pairs.iter().filter(|(r, o)| !r.as_os_str().is_empty() && !o.as_os_str().is_empty()) {
        if root.starts_with(out) {
            return Err(refuse("it contains the site itself"));
        }
        for source in ["content", "templates", "static", "themes", "data", "config.toml"] {
            if out.starts_with(root.join(source)) {
                return Err(refuse(&format!("it is inside the site's `{source}`")));
            }
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

pub use crate::timing::timing;

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
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("content")).unwrap();
        // Not even when forced.
        let force = WriteOptions { force: true };
        assert!(check_output_dir(&root, &root, &force).is_err());
        assert!(check_output_dir(&root, &root.join("content/out"), &force).is_err());
        assert!(check_output_dir(&root, root.parent().unwrap(), &force).is_err());
        assert!(check_output_dir(&root, &root.join("public"), &WriteOptions::default()).is_ok());
        #[cfg(unix)]
        {
            // A link that leads back to the site is seen through.
            std::os::unix::fs::symlink("..", root.join("public")).unwrap();
            let err = check_output_dir(&root, &root.join("public"), &force).unwrap_err();
            assert!(err.message.contains("contains the site"), "{err}");
            std::os::unix::fs::symlink(root.join("content"), dir.path().join("out")).unwrap();
            assert!(check_output_dir(&root, &dir.path().join("out"), &force).is_err());
        }
    }
}
