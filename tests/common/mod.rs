//! Helpers shared by the integration tests: they run the real `placard` binary on real folders.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root, which is also the flagship example site.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// A `placard` command with a fixed "today", so expiry is the same on every run.
pub fn placard() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_placard"));
    command.env("PLACARD_TODAY", "2026-11-26");
    command
}

/// Runs `placard build` on `root` into `out` with extra arguments.
pub fn build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    placard().arg("build").arg("--root").arg(root).arg("--output-dir").arg(out).args(extra).output().expect("run placard")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts a run succeeded, showing its output when it did not.
pub fn assert_ok(output: &Output) {
    assert!(output.status.success(), "placard failed:\n{}{}", stdout(output), stderr(output));
}

/// Asserts a run failed cleanly: exit code 1 (a panic would be 101) with an `error:` line.
pub fn assert_clean_failure(output: &Output) {
    assert_eq!(output.status.code(), Some(1), "expected a clean failure:\n{}", stderr(output));
    assert!(stderr(output).contains("error:"), "{}", stderr(output));
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

/// Every file under `dir`: relative path → bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            files.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

pub fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}; files: {:?}", tree(dir).keys().collect::<Vec<_>>()))
}

/// Copies a folder tree (fixtures are copied before a test changes them).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the fixture `name` in a temporary folder, with `public/` beside it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn of(name: &str) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(name), &dir.path().join("site"));
        Scratch { dir }
    }

    pub fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    pub fn public(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.site().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn build(&self, extra: &[&str]) -> Output {
        build(&self.site(), &self.public(), extra)
    }
}
