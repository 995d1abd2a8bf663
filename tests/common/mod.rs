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

    /// A copy of the example site at the repository root (its sources only, not its output).
    pub fn example() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        for part in ["content", "themes", "data", "static", "templates"] {
            if repo().join(part).is_dir() {
                copy_dir(&repo().join(part), &site.join(part));
            }
        }
        std::fs::copy(repo().join("config.toml"), site.join("config.toml")).unwrap();
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

    /// Runs `placard check` on the copy.
    pub fn check(&self) -> Output {
        placard().arg("check").arg("--root").arg(self.site()).output().expect("run placard")
    }

    /// Appends `text` to a file of the copy.
    pub fn append(&self, relative: &str, text: &str) {
        let path = self.site().join(relative);
        let mut old = std::fs::read_to_string(&path).unwrap();
        old.push_str(text);
        std::fs::write(path, old).unwrap();
    }
}

/// The real tool `name`, found at `found`. Tests that need one are `#[ignore = "needs …"]`, so a
/// plain `cargo test` counts them as ignored; when they are asked for (`--include-ignored`, as
/// `.ci/run` does after installing the tools) a missing tool is a failure that says what to install,
/// never a quiet pass. Returns an `Option` so that callers read `let Some(x) = … else { return }`.
pub fn require_tool(name: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    let package = match name {
        "zbarimg" => "apt-get install zbar-tools",
        "pdfinfo" | "pdffonts" | "pdftoppm" | "pdftotext" => "apt-get install poppler-utils",
        "zxingcpp" => "pip install zxing-cpp",
        other => return Some(found.unwrap_or_else(|| panic!("{other} is needed by this test but was not found (apt-get install {other})"))),
    };
    Some(found.unwrap_or_else(|| panic!("{name} is needed by this test but was not found ({package})")))
}

/// The program `name` on PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// A minimal static file server on 127.0.0.1 for browser tests: serves `dir`, answers 404 otherwise.
pub fn serve(dir: &Path) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_err() {
                continue;
            }
            let raw = line.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/").to_string();
            let path = placard::urls::decode_percent(&raw);
            let mut file = dir.join(path.trim_start_matches('/'));
            if path.ends_with('/') {
                file = file.join("index.html");
            }
            let safe = !path.contains("..");
            let (status, body) = match std::fs::read(&file) {
                Ok(body) if safe => ("200 OK", body),
                _ => ("404 Not Found", std::fs::read(dir.join("404.html")).unwrap_or_default()),
            };
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("css") => "text/css",
                Some("js") => "text/javascript",
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                Some("xml") => "application/xml",
                _ => "text/html; charset=utf-8",
            };
            let head = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body));
        }
    });
    base
}
