//! The built site in memory, one ordered map from output path to bytes, and the one writer that puts
//! a folder on disk.
//!
//! placard deletes only what it made. Every folder it builds holds [`MARKER`]; any other non-empty
//! folder is refused unless the user forces it ([`WriteOptions::force`]). [`replace_dir`] writes a new
//! folder beside the target and then puts it in place in one step (`renameat2(RENAME_EXCHANGE)` on
//! Linux, two renames elsewhere), holding a lock beside the target so that two builds take turns, and
//! first repairing whatever a killed build left behind ([`repair`]). Commands that write a folder
//! (`build`, `print`, a future `pack`) go through [`replace_dir`] or [`Output::write_atomically`].

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::error::Error;

/// The file placard writes at the top of every folder it builds: its sign that the folder is its own
/// to replace. The text never changes, so two builds stay byte-identical.
pub const MARKER: &str = ".placard-output";

const MARKER_TEXT: &str = "This folder was built by placard (`placard build`).\n\
placard replaces the whole folder at every build, so keep no files of your own in it.\n\
placard only replaces or deletes folders that hold this file: delete it, and placard will leave\n\
the folder alone.\n";

/// A file of the built site.
#[derive(Debug, Clone)]
pub enum Entry {
    Bytes(Vec<u8>),
    /// A file copied as it is (static files, bundle assets), read only when written or served.
    Copy(PathBuf),
}

/// Who wrote a file: a generated page, a QR image, a static file, an alias, a bundle asset. When two
/// sources claim one path, the error names both, so nobody can silently replace a landing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// In words, like "the alias `q/hotline/` of this page".
    pub what: String,
    /// The source file, when there is one.
    pub file: Option<PathBuf>,
    /// A theme's static file, which the site's own static folder may replace (as in Zola).
    pub theme_static: bool,
}

impl Origin {
    pub fn new(what: impl Into<String>, file: Option<&Path>) -> Origin {
        Origin { what: what.into(), file: file.map(Path::to_path_buf), theme_static: false }
    }

    fn describe(&self, root: &Path) -> String {
        match &self.file {
            Some(file) => format!("{} ({})", self.what, file.strip_prefix(root).unwrap_or(file).display()),
            None => self.what.clone(),
        }
    }
}

/// The whole built site: output path (`news/index.html`, `/`-separated) → contents.
#[derive(Debug, Default)]
pub struct Output {
    files: BTreeMap<String, Entry>,
    /// Who wrote each claimed path; see [`Output::claim`].
    origins: BTreeMap<String, Origin>,
    /// Paths claimed twice: (path, first, second).
    conflicts: Vec<(String, Origin, Origin)>,
    /// The staging folder of a build that writes files as they are rendered ([`Output::streaming`]).
    staging: Option<PathBuf>,
}

/// How a write may treat what is already at the target.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Replace a non-empty folder that placard did not build (`placard build --force`): everything
    /// in it is deleted. Without it such a folder is refused.
    pub force: bool,
}

/// What a successful write did.
#[derive(Debug, Default)]
pub struct Written {
    /// A previous folder was replaced (`false`: the target was new or empty).
    pub replaced: bool,
    /// Warnings about what was found and repaired on the way (an interrupted build's output put back,
    /// its leftovers removed or left alone, and why).
    pub notes: Vec<Error>,
}

/// What is at an output path before placard writes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Missing,
    Empty,
    /// A folder holding [`MARKER`]: placard built it and may replace it.
    Owned,
    /// A non-empty folder without the marker. `looks_built` when it holds `index.html`, `404.html` or
    /// `sitemap.xml`, as an older placard's output (or another generator's) would; only the advice differs.
    Foreign {
        looks_built: bool,
    },
}

/// What became of the previous output when a write in this process failed, so that the closing line
/// of a failed command never claims more than is true (see [`previous_output`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PreviousOutput {
    /// Untouched (or never there).
    #[default]
    Intact,
    /// An interrupted build had left it aside; it was put back in place before this one failed.
    PutBack,
    /// It could not be put back and is at this path; the error said so and how to move it back.
    Displaced(PathBuf),
}

static PREVIOUS: Mutex<PreviousOutput> = Mutex::new(PreviousOutput::Intact);

/// What the writes of this process did to the previous output, for a failed command's closing line.
pub fn previous_output() -> PreviousOutput {
    PREVIOUS.lock().map(|s| s.clone()).unwrap_or_default()
}

fn set_previous(state: PreviousOutput) {
    if let Ok(mut s) = PREVIOUS.lock() {
        // Displaced is the most serious news and is never overwritten by a later, milder one.
        if !matches!(*s, PreviousOutput::Displaced(_)) {
            *s = state;
        }
    }
}

impl Output {
    /// An output whose generated files go straight into `staging` (the folder [`replace_dir`] hands
    /// to its `fill`) as they are rendered, so that a build's memory does not grow with the site.
    /// Such files stay listed, as copies of themselves, so that [`Output::claim`] still sees every
    /// path and the QR check can read them back from the folder; [`Output::fill`] does not rewrite them.
    pub fn streaming(staging: &Path) -> Output {
        Output { staging: Some(staging.to_path_buf()), ..Output::default() }
    }

    /// The folder that [`stage`] writes into, when streaming.
    pub fn staging(&self) -> Option<&Path> {
        self.staging.as_deref()
    }

    /// Whether `path` was rendered straight into the staging folder by [`stage`], which streams only
    /// pages that show no QR code ([`QR_MARKUP`]).
    pub fn streamed(&self, path: &str) -> bool {
        match (&self.staging, self.files.get(path)) {
            (Some(dir), Some(Entry::Copy(source))) => *source == dir.join(path),
            _ => false,
        }
    }

    /// Adds a file for `origin`. A path that another source already claimed is kept as the first
    /// source wrote it, and the clash is recorded for [`Output::conflicts`].
    pub fn claim(&mut self, path: impl Into<String>, entry: Entry, origin: Origin) {
        let path = path.into();
        if let Some(first) = self.origins.get(&path) {
            self.conflicts.push((path, first.clone(), origin));
            return;
        }
        self.origins.insert(path.clone(), origin);
        self.files.insert(path, entry);
    }

    /// [`Output::claim`] for the site's own static files, which replace a theme's static file of the
    /// same path without complaint: that is how a site overrides its theme's stylesheet.
    pub fn claim_over_theme(&mut self, path: impl Into<String>, entry: Entry, origin: Origin) {
        let path = path.into();
        if self.origins.get(&path).is_some_and(|first| first.theme_static) {
            self.origins.remove(&path);
        }
        self.claim(path, entry, origin)
    }

    /// Moves every file of `other` in, each claimed for `origin` (when a phase such as the feeds
    /// writes many files on behalf of one source).
    pub fn merge(&mut self, other: Output, origin: &Origin) {
        for (path, entry) in other.files {
            let origin = other.origins.get(&path).cloned().unwrap_or_else(|| origin.clone());
            self.claim(path, entry, origin);
        }
        self.conflicts.extend(other.conflicts);
    }

    /// One error for every path that two sources wrote; files are named relative to `root`.
    pub fn conflicts(&self, root: &Path) -> Vec<Error> {
        self.conflicts
            .iter()
            .map(|(path, first, second)| {
                let message = format!("`/{path}` is written twice: by {} and by {}", first.describe(root), second.describe(root));
                let error = match second.file.as_ref().or(first.file.as_ref()) {
                    Some(file) => Error::in_file(file, message),
                    None => Error::new(message),
                };
                error.with_hint("a link or QR code to this address must lead to one thing only: rename or remove one of the two")
            })
            .collect()
    }

    /// Removes and returns the files under `prefix` (like `print/`), with the prefix taken off their
    /// paths: the print tree leaves the website this way.
    pub fn split_off_prefix(&mut self, prefix: &str) -> Output {
        let mut taken = Output::default();
        let paths: Vec<String> = self.files.range(prefix.to_string()..).map(|(p, _)| p.clone()).take_while(|p| p.starts_with(prefix)).collect();
        for path in paths {
            if let Some(entry) = self.files.remove(&path) {
                let origin = self.origins.remove(&path);
                let short = path[prefix.len()..].to_string();
                if let Some(origin) = origin {
                    taken.origins.insert(short.clone(), origin);
                }
                taken.files.insert(short, entry);
            }
        }
        taken
    }

    /// Adds a generated file, replacing one of the same path.
    pub fn add(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files.insert(path.into(), Entry::Bytes(bytes));
    }

    /// Adds a file, replacing one of the same path.
    pub fn add_entry(&mut self, path: impl Into<String>, entry: Entry) {
        self.files.insert(path.into(), entry);
    }

    /// Adds a file copied from `source`.
    pub fn copy(&mut self, path: impl Into<String>, source: PathBuf) {
        self.files.insert(path.into(), Entry::Copy(source));
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Paths and entries in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.files.iter()
    }

    /// Writes everything to `target` through [`replace_dir`]: the previous output is replaced only
    /// once the new tree is complete, and only if placard built it (or `options.force`).
    pub fn write_atomically(&self, target: &Path, options: &WriteOptions) -> Result<Written, Error> {
        self.check_paths()?;
        replace_dir(target, options, |dir| self.write_tree(dir))
    }

    /// Writes every file not yet in `dir` (the staging folder of [`replace_dir`]), after checking
    /// that no path leaves the folder or takes the marker's name.
    pub fn fill(&self, dir: &Path) -> Result<(), Error> {
        self.check_paths()?;
        self.write_tree(dir)
    }

    fn check_paths(&self) -> Result<(), Error> {
        for path in self.files.keys() {
            if !is_safe_relative(path) {
                return Err(Error::new(format!("refusing to write `{path}`: it would land outside the output folder")));
            }
            if path == MARKER {
                return Err(Error::new(format!("refusing to write `{path}`: placard keeps that name for its own mark on the output folder"))
                    .with_hint("rename the file or page that produces it"));
            }
        }
        Ok(())
    }

    fn write_tree(&self, dir: &Path) -> Result<(), Error> {
        let dirs: BTreeSet<&str> = self.files.keys().filter_map(|p| p.rsplit_once('/').map(|(d, _)| d)).collect();
        for d in dirs {
            let path = dir.join(d);
            fs::create_dir_all(&path).map_err(|e| Error::io(&path, "create the folder", e))?;
        }
        self.files.par_iter().try_for_each(|(path, entry)| {
            let file = dir.join(path);
            match entry {
                Entry::Bytes(bytes) => fs::write(&file, bytes).map_err(|e| Error::io(&file, "write", e)),
                // Streamed into this folder already (see `Output::streaming`).
                Entry::Copy(source) if *source == file => Ok(()),
                Entry::Copy(source) => fs::copy(source, &file).map(|_| ()).map_err(|e| Error::io(source, "copy", e)),
            }
        })
    }
}

/// How a page shows a QR code (`class="qr…"`), as `render::qr_codes::verify_published` looks for it.
pub const QR_MARKUP: &str = "class=\"qr";

/// A finished file for `path`: written into `staging` at once when there is one and the path may be
/// written there (the entry then names the written file), else kept in memory. Paths under
/// `keep_prefix` (the print tree, which is not the website's) and paths that [`Output::fill`] would
/// refuse stay in memory, so the refusal and the print tree work as without streaming. Safe to call
/// from many threads at once.
pub fn stage(staging: Option<&Path>, keep_prefix: &str, path: String, mut bytes: Vec<u8>) -> Result<(String, Entry), Error> {
    // A page that shows a QR code stays in memory until the end, so that the check of every code as
    // published (`render::qr_codes::verify_published`) reads it there; the files streamed to disk
    // never hold one, and that check skips them (see `Output::streamed`).
    let shows_qr = match std::str::from_utf8(&bytes) {
        Ok(text) => text.contains(QR_MARKUP),
        Err(_) => bytes.windows(QR_MARKUP.len()).any(|w| w == QR_MARKUP.as_bytes()),
    };
    match staging {
        Some(dir) if is_safe_relative(&path) && path != MARKER && !path.starts_with(keep_prefix) && !shows_qr => {
            let file = dir.join(&path);
            if let Some(parent) = file.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create the folder", e))?;
            }
            fs::write(&file, &bytes).map_err(|e| Error::io(&file, "write", e))?;
            Ok((path, Entry::Copy(file)))
        }
        _ => {
            // Growth by doubling could otherwise leave the site in memory at twice its size.
            bytes.shrink_to_fit();
            Ok((path, Entry::Bytes(bytes)))
        }
    }
}

/// Replaces the folder `target` with one that `fill` writes, as one step, the guard and the repairs
/// included. This is the entry point for any command that writes a whole folder:
///
/// 1. takes the lock beside `target` (`.NAME.placard-lock`), waiting with a message while another
///    build holds it;
/// 2. [`repair`]s what a killed build left (puts its last complete output back, removes its leftovers);
/// 3. refuses a non-empty `target` without [`MARKER`] unless `options.force` ([`check_replaceable`]);
/// 4. writes the marker and then calls `fill` on a staging folder `.NAME.placard-new-PID` beside
///    `target` (a failure removes it and leaves `target` untouched);
/// 5. puts the staging folder in place in one step and removes the previous folder.
///
/// A symbolic link at `target` is followed: the folder it points to is the one replaced.
pub fn replace_dir(target: &Path, options: &WriteOptions, fill: impl FnOnce(&Path) -> Result<(), Error>) -> Result<Written, Error> {
    let (parent, name) = resolve(target)?;
    let target = parent.join(&name);
    let _lock = DirLock::acquire(&parent, &name)?;
    failpoint("locked");
    let mut written = Written { notes: repair_locked(&parent, &name)?, ..Written::default() };
    let existing = check_replaceable(&target, options)?;

    let staging = temp_path(&parent, &name, "new");
    // Under the lock nothing else writes here; a folder of this name is from a killed build whose PID we got.
    if fs::symlink_metadata(&staging).is_ok() {
        remove_leftover(&staging, &mut written.notes);
    }
    fs::create_dir(&staging).map_err(|e| Error::io(&staging, "create the temporary folder", e))?;
    // The marker goes in first, so that any folder a killed build leaves is recognisably placard's.
    let filled = fs::write(staging.join(MARKER), MARKER_TEXT).map_err(|e| Error::io(&staging.join(MARKER), "write", e)).and_then(|()| {
        failpoint("staging");
        fill(&staging)
    });
    if let Err(e) = filled {
        let _ = remove_owned(&staging);
        return Err(e);
    }
    failpoint("filled");

    if existing == Existing::Missing {
        if let Err(e) = rename_noreplace(&staging, &target) {
            let _ = remove_owned(&staging);
            return Err(move_error(&target, e));
        }
        return Ok(written);
    }
    if let Existing::Foreign { .. } = existing {
        // Forced over a folder placard did not make, whose deletion the user asked for: mark it, so
        // that if a kill interrupts its removal, the next build recognises it and finishes the job.
        if let Err(e) = fs::write(target.join(MARKER), MARKER_TEXT) {
            let _ = remove_owned(&staging);
            return Err(Error::io(&target.join(MARKER), "write", e));
        }
    }
    let old = swap(&staging, &target, &temp_path(&parent, &name, "old")).map_err(|e| match existing {
        // Not replaced after all: the folder is the user's again, and must not stay marked as placard's.
        Existing::Foreign { .. } => match fs::remove_file(target.join(MARKER)) {
            Ok(()) => e,
            Err(why) => {
                let hint = format!(
                    "{}; also delete `{}` ({why}), or placard will take the folder for its own",
                    e.hint.clone().unwrap_or_default(),
                    target.join(MARKER).display()
                );
                e.with_hint(hint)
            }
        },
        _ => e,
    })?;
    written.replaced = true;
    failpoint("swapped");
    // The previous folder is now at `old`; a failure to delete it costs nothing but space, and the
    // next build removes it, so it is a warning and the build still succeeds.
    let removed = match existing {
        Existing::Empty => fs::remove_dir(&old).map_err(|e| {
            // Files appeared in the empty folder during the build: they are somebody's. Keep them under
            // a name that no later repair takes for a leftover.
            let kept = parent.join(format!(".{}.kept-{}", name.to_string_lossy(), std::process::id()));
            let kept = if fs::rename(&old, &kept).is_ok() { kept } else { old.clone() };
            Error::warning(format!("files appeared in `{}` during the build ({e}); they were moved to `{}`", target.display(), kept.display()))
                .with_hint("look through them and delete that folder")
        }),
        _ => remove_owned(&old).map_err(|e| removal_warning(&old, e)),
    };
    if let Err(note) = removed {
        written.notes.push(note);
    }
    Ok(written)
}

fn removal_warning(old: &Path, e: io::Error) -> Error {
    Error::warning(format!("the new output is in place, but the previous one could not be removed from `{}`: {e}", old.display()))
        .with_hint("the next build removes it; or delete it by hand")
}

/// Classifies what is at `target` now, following a symbolic link.
pub fn inspect(target: &Path) -> Result<Existing, Error> {
    let meta = match fs::metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Missing),
        Err(e) => return Err(Error::io(target, "read", e)),
    };
    if !meta.is_dir() {
        return Err(Error::new(format!("refusing to use `{}` as the output folder: it is a file, not a folder", target.display()))
            .with_hint("choose a folder with --output-dir (a new one is created)"));
    }
    let mut entries = fs::read_dir(target).map_err(|e| Error::io(target, "read", e))?;
    if entries.next().is_none() {
        return Ok(Existing::Empty);
    }
    if fs::symlink_metadata(target.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return Ok(Existing::Owned);
    }
    let looks_built = ["index.html", "404.html", "sitemap.xml"].iter().any(|f| target.join(f).exists());
    Ok(Existing::Foreign { looks_built })
}

/// The guard: `Ok` when placard may replace `target` (missing, empty, built by placard, or forced),
/// otherwise an error that says why not and how to proceed. Read-only, so commands call it before
/// doing any long work; [`replace_dir`] calls it again under the lock.
pub fn check_replaceable(target: &Path, options: &WriteOptions) -> Result<Existing, Error> {
    let existing = inspect(target)?;
    let Existing::Foreign { looks_built } = existing else { return Ok(existing) };
    if options.force {
        return Ok(existing);
    }
    let shown = target.display();
    let hint = if looks_built {
        format!(
            "it looks like a site built by an older placard or by another tool. If nothing in it is yours, delete the folder once \
             (or run `placard build --force` once); placard marks the folders it builds with `{MARKER}` and replaces those without asking. \
             Otherwise build elsewhere with --output-dir NEW-FOLDER"
        )
    } else {
        "build into a new or empty folder (--output-dir NEW-FOLDER), or move your files out of this one; \
         `placard build --force` replaces it, deleting everything in it"
            .to_string()
    };
    Err(Error::new(format!(
        "refusing to replace `{shown}`: placard did not build this folder (it has no `{MARKER}` file), and building would delete everything in it"
    ))
    .with_hint(hint))
}

/// Repairs what killed builds left beside `target`, under the lock: when `target` is missing but a
/// previous output was moved aside (`.NAME.placard-old-PID`), puts it back; then removes leftover
/// temporary folders that carry [`MARKER`] or are empty. Returns warnings saying what it did.
pub fn repair(target: &Path) -> Result<Vec<Error>, Error> {
    let absolute = if target.is_absolute() { target.to_path_buf() } else { std::env::current_dir().map_err(|e| Error::io(target, "resolve", e))?.join(target) };
    if !lexical(&absolute).parent().is_some_and(Path::is_dir) {
        return Ok(Vec::new());
    }
    let (parent, name) = resolve(target)?;
    let _lock = DirLock::acquire(&parent, &name)?;
    repair_locked(&parent, &name)
}

fn repair_locked(parent: &Path, name: &OsString) -> Result<Vec<Error>, Error> {
    let target = parent.join(name);
    let mut notes = Vec::new();
    let mut leftovers = leftovers(parent, name);
    if leftovers.is_empty() {
        return Ok(notes);
    }
    if fs::symlink_metadata(&target).is_err() {
        // A kill between "move the old output aside" and "move the new one in": the aside copy is the
        // last complete output. (With RENAME_EXCHANGE this state cannot arise, but other platforms and
        // older placards can leave it.)
        // Marked ones first (an unmarked one can only be from a placard older than the marker), then the newest.
        let newest = leftovers
            .iter()
            .enumerate()
            .filter(|(_, (_, kind))| *kind == "old")
            .max_by_key(|(_, (path, _))| (path.join(MARKER).is_file(), fs::metadata(path).and_then(|m| m.modified()).ok()));
        if let Some((i, _)) = newest {
            let (old, _) = leftovers.remove(i);
            if let Err(e) = fs::rename(&old, &target) {
                set_previous(PreviousOutput::Displaced(old.clone()));
                return Err(Error::new(format!(
                    "an interrupted build left the last complete output in `{}`, and it could not be put back: {e}",
                    old.display()
                ))
                .with_hint(format!("move it back by hand: mv '{}' '{}'", old.display(), target.display())));
            }
            set_previous(PreviousOutput::PutBack);
            notes.push(Error::warning(format!(
                "an interrupted build had left `{}` missing; the last complete output was put back from `{}`",
                target.display(),
                old.file_name().unwrap_or_default().to_string_lossy()
            )));
        }
    }
    for (path, _) in leftovers {
        remove_leftover(&path, &mut notes);
    }
    Ok(notes)
}

/// Temporary folders of `name` in `parent`: `.NAME.placard-new-PID` and `.NAME.placard-old-PID`, sorted.
fn leftovers(parent: &Path, name: &OsString) -> Vec<(PathBuf, &'static str)> {
    let prefix = format!(".{}.placard-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else { return Vec::new() };
    let mut found: Vec<(PathBuf, &'static str)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            let rest = file.strip_prefix(&prefix)?;
            let (kind, pid) = rest.split_once('-')?;
            let kind = match kind {
                "new" => "new",
                "old" => "old",
                _ => return None,
            };
            (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then(|| (entry.path(), kind))
        })
        .collect();
    found.sort();
    found
}

/// Removes a leftover temporary folder (we hold the lock, so no build of ours is using it) when it
/// is recognisably placard's: marked, empty, or unmarked from a placard older than the marker whose
/// process is gone. Says so either way.
fn remove_leftover(path: &Path, notes: &mut Vec<Error>) {
    let shown = path.display();
    let is_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    let marked = is_dir && fs::symlink_metadata(path.join(MARKER)).is_ok_and(|m| m.is_file());
    let result = if marked {
        remove_owned(path)
    } else if is_dir && fs::read_dir(path).is_ok_and(|mut d| d.next().is_none()) {
        fs::remove_dir(path)
    } else if is_dir && !pid_alive(path) {
        fs::remove_dir_all(path)
    } else {
        notes.push(
            Error::warning(format!(
                "left `{shown}` alone: it is named like placard's temporary folders, but it does not carry its `{MARKER}` file and the process named in it is running"
            ))
            .with_hint("if no older placard is building right now, look through it and delete it by hand"),
        );
        return;
    };
    match result {
        Ok(()) => notes.push(Error::warning(format!("removed `{shown}`, left behind by an interrupted build"))),
        Err(e) => notes.push(Error::warning(format!("could not remove `{shown}`, left behind by an interrupted build: {e}")).with_hint("delete it by hand")),
    }
}

/// Whether the process whose id ends the temporary folder's name is running (another than this one).
fn pid_alive(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let Some(pid) = name.rsplit('-').next().and_then(|p| p.parse::<i32>().ok()) else { return false };
    if pid <= 0 || pid as u32 == std::process::id() {
        return false;
    }
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only asks whether the process exists.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    true
}

/// Deletes a folder that carries [`MARKER`], the marker last, so that a kill half-way leaves a folder
/// that is still recognisably placard's and the next build finishes the job.
fn remove_owned(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
        failpoint("removing");
    }
    match fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::remove_dir(dir)
}

/// Puts `staging` at `target`; returns where the previous `target` now is (normally `old`).
fn swap(staging: &Path, target: &Path, old: &Path) -> Result<PathBuf, Error> {
    match exchange(staging, target) {
        // The previous output now sits at the staging name; give it the name that says so. Should
        // that fail, it is removed from where it is.
        Ok(()) => Ok(if fs::rename(staging, old).is_ok() { old.to_path_buf() } else { staging.to_path_buf() }),
        Err(e) if exchange_unsupported(&e) => swap_in_two_steps(staging, target, old).map(|()| old.to_path_buf()),
        Err(e) => {
            let _ = remove_owned(staging);
            Err(move_error(target, e))
        }
    }
}

/// The portable swap: `target` → `old`, `staging` → `target`, with a rollback whose failure is reported.
fn swap_in_two_steps(staging: &Path, target: &Path, old: &Path) -> Result<(), Error> {
    if let Err(e) = fs::rename(target, old) {
        let _ = remove_owned(staging);
        return Err(Error::io(target, "move the previous output aside", e));
    }
    failpoint("aside");
    let Err(e) = fs::rename(staging, target) else { return Ok(()) };
    let _ = remove_owned(staging);
    match fs::rename(old, target) {
        Ok(()) => Err(move_error(target, e)),
        Err(back) => {
            set_previous(PreviousOutput::Displaced(old.to_path_buf()));
            Err(Error::new(format!(
                "could not move the new site into `{}` ({e}), and the previous output could not be put back ({back}): it is now in `{}`",
                target.display(),
                old.display()
            ))
            .with_hint(format!(
                "move it back by hand (mv '{}' '{}'), or run the build again, which puts it back first",
                old.display(),
                target.display()
            )))
        }
    }
}

fn move_error(target: &Path, e: io::Error) -> Error {
    let hint = match e.raw_os_error() {
        Some(libc::EXDEV) | Some(libc::EBUSY) => {
            "the output folder seems to be a mount point or on another disk than its parent; placard replaces the folder as a whole, \
             so mount (or link) its parent folder instead, or build elsewhere and copy"
        }
        _ => "check the permissions of the output folder and of the folder that holds it",
    };
    Error::io(target, "move the new site into", e).with_hint(hint)
}

/// Exchanges two paths in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    if debug_flag("PLACARD_DEBUG_NO_EXCHANGE") {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    renameat2(a, b, libc::RENAME_EXCHANGE)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The file system or kernel cannot exchange: fall back to two renames.
fn exchange_unsupported(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Unsupported || matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ENOTSUP))
}

/// Renames `a` to `b`, failing if `b` exists (an empty folder appearing meanwhile is not silently replaced).
fn rename_noreplace(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    match renameat2(a, b, libc::RENAME_NOREPLACE) {
        Err(e) if exchange_unsupported(&e) => {}
        done => return done,
    }
    if fs::symlink_metadata(b).is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    fs::rename(a, b)
}

#[cfg(target_os = "linux")]
fn renameat2(a: &Path, b: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // The raw system call, so that an older C library without the wrapper still works.
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let done = unsafe { libc::syscall(libc::SYS_renameat2, libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), flags) };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `.NAME.placard-KIND-PID` beside the target.
fn temp_path(parent: &Path, name: &OsString, kind: &str) -> PathBuf {
    parent.join(format!(".{}.placard-{kind}-{}", name.to_string_lossy(), std::process::id()))
}

/// The target as (real parent folder, name): absolute, a symbolic link at the target followed, `.`
/// and `..` resolved. The parent is created if needed.
fn resolve(target: &Path) -> Result<(PathBuf, OsString), Error> {
    let absolute = if target.is_absolute() { target.to_path_buf() } else { std::env::current_dir().map_err(|e| Error::io(target, "resolve", e))?.join(target) };
    let absolute = match fs::symlink_metadata(&absolute) {
        Ok(_) => absolute.canonicalize().map_err(|e| {
            Error::io(target, "follow", e).with_hint("the output folder is a link to a folder that does not exist; fix the link or choose another folder")
        })?,
        Err(_) => lexical(&absolute),
    };
    let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Err(Error::new(format!("refusing to use `{}` as the output folder: it is the root of the disk", target.display())));
    };
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create the folder", e))?;
    let parent = parent.canonicalize().map_err(|e| Error::io(parent, "resolve", e))?;
    Ok((parent, name.to_os_string()))
}

/// Removes `.` and `..` without touching the disk.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// An exclusive lock on writing one output folder: `flock` on `.NAME.placard-lock` beside it. The file
/// is removed when the lock is released, so nothing is left behind; a waiter that then finds it was
/// holding a removed file simply tries again.
struct DirLock {
    path: PathBuf,
    _file: File,
}

impl DirLock {
    fn acquire(parent: &Path, name: &OsString) -> Result<DirLock, Error> {
        let path = parent.join(format!(".{}.placard-lock", name.to_string_lossy()));
        let mut told = false;
        loop {
            let mut file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, "create the lock file", e).with_hint("placard needs to write in the folder that holds the output folder"))?;
            if !flock(&file, false).map_err(|e| Error::io(&path, "lock", e))? {
                if !told {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let who = if holder.is_empty() { String::new() } else { format!(" (process {holder})") };
                    eprintln!("waiting: another placard build{who} is writing `{}`; this one continues when it is done", parent.join(name).display());
                    told = true;
                }
                flock(&file, true).map_err(|e| Error::io(&path, "lock", e))?;
            }
            if same_file(&file, &path) {
                let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| write!(file, "{}", std::process::id()));
                return Ok(DirLock { path, _file: file });
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Removed while still locked (the lock ends when the file closes, just after).
        let _ = fs::remove_file(&self.path);
    }
}

/// Takes the lock; `false` when `wait` is off and another process holds it.
#[cfg(unix)]
fn flock(file: &File, wait: bool) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    let operation = if wait { libc::LOCK_EX } else { libc::LOCK_EX | libc::LOCK_NB };
    loop {
        // SAFETY: the descriptor belongs to `file`, which is open for the duration of the call.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) if !wait => return Ok(false),
            _ => return Err(e),
        }
    }
}

/// Elsewhere builds are not serialised; the swap and the repairs still protect the output.
#[cfg(not(unix))]
fn flock(_: &File, _: bool) -> io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

/// Test hooks of debug builds only: `PLACARD_DEBUG_AT=STEP:kill` kills the process with SIGKILL at
/// that step of a write, and `STEP:sleepMS` pauses there, so that tests can interrupt the real binary
/// at each step. Steps: locked, staging, filled, aside, swapped, removing.
#[cfg(debug_assertions)]
fn failpoint(step: &str) {
    let Ok(spec) = std::env::var("PLACARD_DEBUG_AT") else { return };
    for one in spec.split(',') {
        let Some((at, action)) = one.split_once(':') else { continue };
        if at != step {
            continue;
        }
        if action == "kill" {
            #[cfg(unix)]
            // SAFETY: signalling our own process.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            std::process::abort();
        }
        if let Some(ms) = action.strip_prefix("sleep").and_then(|ms| ms.parse().ok()) {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}

#[cfg(not(debug_assertions))]
fn failpoint(_: &str) {}

#[cfg(debug_assertions)]
fn debug_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

#[cfg(not(debug_assertions))]
fn debug_flag(_: &str) -> bool {
    false
}

/// Only plain, relative, `/`-separated paths may be written.
fn is_safe_relative(path: &str) -> bool {
    !path.is_empty() && !path.contains('\\') && !path.contains('\0') && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> Output {
        let mut out = Output::default();
        for (path, text) in files {
            out.add(*path, text.as_bytes().to_vec());
        }
        out
    }

    /// Names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    const FORCE: WriteOptions = WriteOptions { force: true };

    #[test]
    fn a_streaming_build_writes_pages_as_they_come_and_keeps_every_guarantee() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let written = replace_dir(&target, &WriteOptions::default(), |staging| {
            let mut out = Output::streaming(staging);
            let origin = || Origin::new("a page", None);
            let page = |path: &str, text: &str| stage(out_dir(staging), "print/", path.to_string(), text.as_bytes().to_vec()).unwrap();
            fn out_dir(p: &Path) -> Option<&Path> {
                Some(p)
            }
            let (path, entry) = page("news/a/index.html", "<p>a</p>");
            // On disk at once, before the tree is filled.
            assert_eq!(fs::read_to_string(staging.join("news/a/index.html")).unwrap(), "<p>a</p>");
            out.claim(path, entry, origin());
            assert!(out.streamed("news/a/index.html"));
            // A page with a QR code, the print tree and the marker's name stay in memory.
            for (path, text) in [("q/index.html", "<figure class=\"qr-code\">"), ("print/p/index.html", "<p>p</p>")] {
                let (path, entry) = page(path, text);
                assert!(matches!(entry, Entry::Bytes(_)), "{path}");
                assert!(!staging.join(&path).exists(), "{path}");
                out.claim(path, entry, origin());
            }
            assert!(matches!(page(MARKER, "x").1, Entry::Bytes(_)));
            // A second source for a streamed path is still a conflict.
            let (path, entry) = page("news/a/index.html", "<p>b</p>");
            out.claim(path, entry, origin());
            assert_eq!(out.conflicts(Path::new("")).len(), 1);
            let _print = out.split_off_prefix("print/");
            out.fill(staging)
        })
        .unwrap();
        assert!(!written.replaced);
        assert_eq!(names(&target), [MARKER, "news", "q"]);
        assert_eq!(fs::read_to_string(target.join("q/index.html")).unwrap(), "<figure class=\"qr-code\">");
        assert!(fs::read_to_string(target.join("news/a/index.html")).is_ok());
    }

    #[test]
    fn refuses_paths_that_escape() {
        assert!(is_safe_relative("news/index.html"));
        assert!(is_safe_relative("新闻/index.html"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../x"));
    }

    #[test]
    fn swaps_in_and_replaces_old_output_leaving_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let first = site(&[("a/index.html", "one")]).write_atomically(&target, &WriteOptions::default()).unwrap();
        assert!(!first.replaced && first.notes.is_empty());
        let marker = fs::read(target.join(MARKER)).unwrap();
        let second = site(&[("b.txt", "two")]).write_atomically(&target, &WriteOptions::default()).unwrap();
        assert!(second.replaced && second.notes.is_empty(), "{:?}", second.notes);
        assert!(!target.join("a/index.html").exists());
        assert_eq!(fs::read(target.join("b.txt")).unwrap(), b"two");
        assert_eq!(fs::read(target.join(MARKER)).unwrap(), marker, "the marker is the same at every build");
        assert_eq!(names(dir.path()), ["public"], "no temporary folder or lock file is left");
    }

    #[test]
    fn a_folder_without_the_marker_is_never_replaced_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("www");
        write(&target.join("keep.txt"), "mine");
        write(&target.join("photos/a.jpg"), "jpeg");
        write(&target.join("index.html"), "my page");
        let err = site(&[("index.html", "new")]).write_atomically(&target, &WriteOptions::default()).unwrap_err();
        assert!(err.message.contains("placard did not build this folder"), "{err}");
        assert!(err.hint.as_deref().unwrap_or("").contains("--force"), "{err}");
        assert_eq!(fs::read_to_string(target.join("keep.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(target.join("index.html")).unwrap(), "my page");
        assert_eq!(names(dir.path()), ["www"]);
        // The same without anything that looks like a site.
        fs::remove_file(target.join("index.html")).unwrap();
        assert!(matches!(inspect(&target).unwrap(), Existing::Foreign { looks_built: false }));
        assert!(site(&[("index.html", "new")]).write_atomically(&target, &WriteOptions::default()).is_err());
        assert!(target.join("photos/a.jpg").exists());
        // Forced, it is replaced as a whole.
        let written = site(&[("index.html", "new")]).write_atomically(&target, &FORCE).unwrap();
        assert!(written.replaced);
        assert_eq!(names(&target), [MARKER, "index.html"]);
        assert_eq!(names(dir.path()), ["www"]);
    }

    #[test]
    fn empty_and_missing_folders_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("empty");
        fs::create_dir(&target).unwrap();
        assert_eq!(inspect(&target).unwrap(), Existing::Empty);
        site(&[("x", "1")]).write_atomically(&target, &WriteOptions::default()).unwrap();
        assert_eq!(inspect(&target).unwrap(), Existing::Owned);
        let nested = dir.path().join("a/b/c");
        site(&[("x", "1")]).write_atomically(&nested, &WriteOptions::default()).unwrap();
        assert_eq!(names(&nested), [MARKER, "x"]);
    }

    #[test]
    fn a_file_is_not_an_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("file");
        fs::write(&target, "text").unwrap();
        assert!(site(&[("x", "1")]).write_atomically(&target, &FORCE).is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "text");
    }

    #[test]
    fn a_failed_fill_leaves_the_previous_output_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        site(&[("a", "old")]).write_atomically(&target, &WriteOptions::default()).unwrap();
        let err = replace_dir(&target, &WriteOptions::default(), |staging| {
            fs::write(staging.join("half"), "x").unwrap();
            Err(Error::new("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.message, "disk full");
        assert_eq!(names(&target), [MARKER, "a"]);
        assert_eq!(names(dir.path()), ["public"]);
    }

    #[test]
    fn both_swaps_put_the_new_folder_in_place() {
        for two_steps in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let (staging, target, old) = (dir.path().join(".p.placard-new-1"), dir.path().join("p"), dir.path().join(".p.placard-old-1"));
            write(&staging.join("new"), "n");
            write(&target.join("old"), "o");
            if two_steps {
                swap_in_two_steps(&staging, &target, &old).unwrap();
            } else {
                swap(&staging, &target, &old).unwrap();
            }
            assert_eq!(names(&target), ["new"]);
            assert_eq!(names(&old), ["old"]);
            assert!(!staging.exists());
        }
    }

    #[test]
    fn a_failed_two_step_swap_puts_the_previous_output_back() {
        let dir = tempfile::tempdir().unwrap();
        let (target, old) = (dir.path().join("p"), dir.path().join(".p.placard-old-1"));
        write(&target.join("old"), "o");
        // The staging folder is missing, so the second rename fails and the first is undone.
        let err = swap_in_two_steps(&dir.path().join("missing"), &target, &old).unwrap_err();
        assert!(err.message.contains("move the new site into"), "{err}");
        assert_eq!(names(&target), ["old"]);
        assert!(!old.exists());
    }

    /// The states a kill can leave, each repaired by the next write.
    #[test]
    fn repairs_every_state_a_kill_can_leave() {
        let options = WriteOptions::default();
        let owned = |path: &Path, file: &str| {
            write(&path.join(MARKER), MARKER_TEXT);
            write(&path.join(file), file);
        };
        // Killed while writing the first build: only a staging folder.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        owned(&dir.path().join(".public.placard-new-41"), "half");
        let notes = repair(&target).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));

        // Killed between "old aside" and "new in": no target, both temporary folders.
        owned(&dir.path().join(".public.placard-old-42"), "previous");
        owned(&dir.path().join(".public.placard-new-42"), "next");
        let notes = repair(&target).unwrap();
        assert!(notes[0].message.contains("put back"), "{notes:?}");
        assert_eq!(names(dir.path()), ["public"]);
        assert_eq!(names(&target), [MARKER, "previous"]);

        // Only the old one, no target (the staging folder was already gone).
        fs::rename(&target, dir.path().join(".public.placard-old-43")).unwrap();
        repair(&target).unwrap();
        assert_eq!(names(&target), [MARKER, "previous"]);

        // Killed after the swap, while deleting the previous output (its marker still there).
        owned(&dir.path().join(".public.placard-old-44"), "deleting");
        // Killed right after creating the staging folder, before the marker: empty.
        fs::create_dir(dir.path().join(".public.placard-new-45")).unwrap();
        let written = site(&[("fresh", "1")]).write_atomically(&target, &options).unwrap();
        assert_eq!(written.notes.len(), 2, "{:?}", written.notes);
        assert_eq!(names(dir.path()), ["public"]);
        assert_eq!(names(&target), [MARKER, "fresh"]);
    }

    #[test]
    #[cfg(unix)]
    fn unmarked_leftovers_are_removed_only_when_their_process_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        // An older placard's debris (no marker), its process long gone.
        let stale = dir.path().join(format!(".public.placard-new-{}", i32::MAX));
        write(&stale.join("index.html"), "old build");
        // One whose process is running (here: the test's parent, never this process).
        let running = dir.path().join(format!(".public.placard-old-{}", std::os::unix::process::parent_id()));
        write(&running.join("keep.txt"), "mine");
        // Not placard's naming at all: never even looked at.
        write(&dir.path().join(".public.placard-older/keep.txt"), "mine");
        write(&dir.path().join("public-old/keep.txt"), "mine");
        fs::create_dir(&target).unwrap();
        let notes = repair(&target).unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes.iter().any(|n| n.message.contains("removed")), "{notes:?}");
        assert!(notes.iter().any(|n| n.message.contains("alone")), "{notes:?}");
        assert!(running.join("keep.txt").exists());
        let kept = running.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(names(dir.path()), [kept.as_str(), ".public.placard-older", "public", "public-old"]);
    }

    #[test]
    fn removal_keeps_the_marker_until_last() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("x");
        write(&folder.join(MARKER), MARKER_TEXT);
        write(&folder.join("a/b/c.html"), "c");
        write(&folder.join("d.html"), "d");
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc", folder.join("link")).unwrap();
        remove_owned(&folder).unwrap();
        assert!(!folder.exists());
        assert!(Path::new("/etc").exists(), "links are removed, not followed");
    }

    #[test]
    fn builds_take_turns_and_the_lock_file_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        let name = OsString::from("public");
        let first = DirLock::acquire(dir.path(), &name).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let parent = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let lock = DirLock::acquire(&parent, &OsString::from("public")).unwrap();
            tx.send(()).unwrap();
            drop(lock);
        });
        assert!(rx.recv_timeout(std::time::Duration::from_millis(300)).is_err(), "the second waits for the first");
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the second gets the lock once the first is done");
        waiter.join().unwrap();
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[test]
    fn a_symlinked_output_folder_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        site(&[("a", "1")]).write_atomically(&real, &WriteOptions::default()).unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            site(&[("b", "2")]).write_atomically(&link, &WriteOptions::default()).unwrap();
            assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
            assert_eq!(names(&real), [MARKER, "b"]);
            assert_eq!(names(dir.path()), ["link", "real"]);
        }
    }

    #[test]
    fn the_marker_name_cannot_be_generated() {
        let dir = tempfile::tempdir().unwrap();
        assert!(site(&[(MARKER, "x")]).write_atomically(&dir.path().join("p"), &WriteOptions::default()).is_err());
        assert!(!dir.path().join("p").exists());
    }
}
