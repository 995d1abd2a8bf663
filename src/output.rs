//! The built site in memory, one ordered map from output path to bytes, and the one writer that puts
//! it on disk: into a temporary folder first, then swapped in, so a failed build never damages the
//! previous output and two builds of the same input are byte-identical.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

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
}

impl Output {
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

    /// Writes everything to `target`, replacing what was there only once the new tree is complete.
    pub fn write_atomically(&self, target: &Path) -> Result<(), Error> {
        for path in self.files.keys() {
            if !is_safe_relative(path) {
                return Err(Error::new(format!("refusing to write `{path}`: it would land outside the output folder")));
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, "create the folder", e))?;
        let staging = parent.join(format!(".{name}.placard-new-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, "clear the temporary folder", e))?;
        }
        let result = self.write_tree(&staging);
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        swap_in(&staging, target)
    }

    fn write_tree(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the folder", e))?;
        let dirs: BTreeSet<&str> = self.files.keys().filter_map(|p| p.rsplit_once('/').map(|(d, _)| d)).collect();
        for d in dirs {
            let path = dir.join(d);
            std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, "create the folder", e))?;
        }
        self.files.par_iter().try_for_each(|(path, entry)| {
            let file = dir.join(path);
            match entry {
                Entry::Bytes(bytes) => std::fs::write(&file, bytes).map_err(|e| Error::io(&file, "write", e)),
                Entry::Copy(source) => std::fs::copy(source, &file).map(|_| ()).map_err(|e| Error::io(source, "copy", e)),
            }
        })
    }
}

/// Moves `staging` to `target`; the old `target` is moved aside first and deleted only after.
fn swap_in(staging: &Path, target: &Path) -> Result<(), Error> {
    if !target.exists() {
        return std::fs::rename(staging, target).map_err(|e| Error::io(target, "move the new site into", e));
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let old = target.with_file_name(format!(".{name}.placard-old-{}", std::process::id()));
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    std::fs::rename(target, &old).map_err(|e| Error::io(target, "move the previous output aside", e))?;
    if let Err(e) = std::fs::rename(staging, target) {
        // Put the previous site back: a failed build must leave it untouched.
        let _ = std::fs::rename(&old, target);
        return Err(Error::io(target, "move the new site into", e));
    }
    std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, "remove the previous output", e))
}

/// Only plain, relative, `/`-separated paths may be written.
fn is_safe_relative(path: &str) -> bool {
    !path.is_empty() && !path.contains('\\') && !path.contains('\0') && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_escape() {
        assert!(is_safe_relative("news/index.html"));
        assert!(is_safe_relative("新闻/index.html"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../x"));
    }

    #[test]
    fn swaps_in_and_replaces_old_output() {
        let dir = std::env::temp_dir().join(format!("placard-output-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let target = dir.join("public");
        let mut first = Output::default();
        first.add("a/index.html", b"one".to_vec());
        first.write_atomically(&target).unwrap();
        let mut second = Output::default();
        second.add("b.txt", b"two".to_vec());
        second.write_atomically(&target).unwrap();
        assert!(!target.join("a/index.html").exists());
        assert_eq!(std::fs::read(target.join("b.txt")).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary folders are cleaned up");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
