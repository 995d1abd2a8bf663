//! The output folder is safe: placard replaces only folders it built (they carry `.placard-output`),
//! puts a new build in place in one step, repairs what a killed build left, lets racing builds take
//! turns, and says truthfully what happened. Runs the real binary; kills use the debug binary's
//! `PLACARD_DEBUG_AT=STEP:kill` hook (a real SIGKILL at that step) and plain `kill -9` at random moments.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

const MARKER: &str = ".placard-output";

type Tree = BTreeMap<String, Vec<u8>>;

/// Names in `dir`, sorted: what a user sees beside the output folder.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn build_with(scratch: &Scratch, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = placard();
    command.arg("build").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public()).args(extra);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// A user's web root: their own files beside an `index.html`.
fn web_root(dir: &Path) {
    std::fs::create_dir_all(dir.join("photos/2024")).unwrap();
    std::fs::write(dir.join("keep.txt"), "my notes").unwrap();
    std::fs::write(dir.join("photos/2024/a.jpg"), [0xff, 0xd8, 0xff, 0xe0]).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>my own page</h1>").unwrap();
    std::fs::write(dir.join("sitemap.xml"), "<urlset/>").unwrap();
}

#[test]
fn a_folder_placard_did_not_build_is_never_touched() {
    let scratch = Scratch::of("zola-site");
    web_root(&scratch.public());
    let before = tree(&scratch.public());
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("refusing to replace") && err.contains("placard did not build this folder") && err.contains(MARKER), "{err}");
    assert!(err.contains("--force") && err.contains("--output-dir"), "the error says how to proceed: {err}");
    assert!(err.contains("left as it was"), "{err}");
    assert!(tree(&scratch.public()) == before, "every file is still there, unchanged");
    assert_eq!(names(scratch.dir.path()), ["public", "site"], "nothing was created beside it");

    // Without anything that looks like a site, the same.
    std::fs::remove_file(scratch.public().join("index.html")).unwrap();
    std::fs::remove_file(scratch.public().join("sitemap.xml")).unwrap();
    let before = tree(&scratch.public());
    assert_clean_failure(&scratch.build(&[]));
    assert!(tree(&scratch.public()) == before);

    // Only a hidden file, or only a folder: still the user's.
    for (what, make) in [("a dotfile", ".htaccess"), ("an empty subfolder", "photos")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("www");
        if make == "photos" {
            std::fs::create_dir_all(out.join(make)).unwrap();
        } else {
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join(make), "Deny from all").unwrap();
        }
        assert_clean_failure(&build(&scratch.site(), &out, &[]));
        assert_eq!(names(&out), [make], "{what} is kept");
        assert_eq!(names(dir.path()), ["www"]);
    }
}

#[test]
fn force_replaces_a_foreign_folder_and_it_is_placards_from_then_on() {
    let scratch = Scratch::of("zola-site");
    web_root(&scratch.public());
    let out = scratch.build(&["--force"]);
    assert_ok(&out);
    let built = tree(&scratch.public());
    assert!(!built.contains_key("keep.txt") && !built.keys().any(|k| k.starts_with("photos/")), "forced: replaced as a whole");
    assert!(built.contains_key(MARKER) && built.contains_key("blog/first-post/index.html"));
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);
    assert_ok(&scratch.build(&[]));
}

#[test]
fn an_empty_folder_or_a_new_one_is_used_and_marked_the_same_every_time() {
    let scratch = Scratch::of("zola-site");
    std::fs::create_dir_all(scratch.public()).unwrap();
    assert_ok(&scratch.build(&[]));
    let first = tree(&scratch.public());
    let marker = String::from_utf8(first[MARKER].clone()).unwrap();
    assert!(marker.contains("placard") && marker.contains("delete it"), "the marker explains itself: {marker}");

    // A file a user drops into placard's folder is not kept: the folder says so in the marker.
    std::fs::write(scratch.public().join("stray.txt"), "x").unwrap();
    assert_ok(&scratch.build(&[]));
    let second = tree(&scratch.public());
    assert!(first == second, "two builds are byte-identical, marker included, and the folder is replaced as a whole");
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);

    let fresh = scratch.dir.path().join("a/b/new");
    assert_ok(&build(&scratch.site(), &fresh, &[]));
    assert!(tree(&fresh) == first);
}

#[test]
fn an_older_placard_build_without_the_marker_is_refused_once_with_advice() {
    let scratch = Scratch::of("zola-site");
    assert_ok(&scratch.build(&[]));
    std::fs::remove_file(scratch.public().join(MARKER)).unwrap();
    let before = tree(&scratch.public());
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("older placard") && err.contains("delete the folder once") && err.contains("--force"), "{err}");
    assert!(tree(&scratch.public()) == before);
    std::fs::remove_dir_all(scratch.public()).unwrap();
    assert_ok(&scratch.build(&[]));
    assert_ok(&scratch.build(&[]));
}

#[test]
fn a_link_back_into_the_site_is_never_an_output_folder_even_forced() {
    let scratch = Scratch::of("zola-site");
    std::os::unix::fs::symlink(scratch.site().join("content"), scratch.public()).unwrap();
    let out = scratch.build(&["--force"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("inside the site's `content`"), "{}", stderr(&out));
    assert!(scratch.site().join("content/blog/first-post.md").exists());
}

/// A scratch site with a built `public/` (version one) and the content changed to version two.
fn two_versions() -> (Scratch, Tree, Tree) {
    let scratch = Scratch::of("zola-site");
    scratch.write("content/version.md", "+++\ntitle = \"Version\"\n+++\nversion one\n");
    assert_ok(&scratch.build(&[]));
    let one = tree(&scratch.public());
    scratch.write("content/version.md", "+++\ntitle = \"Version\"\n+++\nversion two\n");
    let reference = scratch.dir.path().join("reference");
    assert_ok(&build(&scratch.site(), &reference, &[]));
    let two = tree(&reference);
    std::fs::remove_dir_all(&reference).unwrap();
    assert!(one != two);
    (scratch, one, two)
}

/// The steps of a write, and which version `public/` must hold after a SIGKILL there (`None`: missing,
/// the one state the two-rename fallback cannot avoid, and the one the next build repairs first).
const STEPS: [(&str, bool, Option<u8>); 11] = [
    ("locked", false, Some(1)),
    ("staging", false, Some(1)),
    ("filled", false, Some(1)),
    ("swapped", false, Some(2)),
    ("removing", false, Some(2)),
    ("locked", true, Some(1)),
    ("staging", true, Some(1)),
    ("filled", true, Some(1)),
    ("aside", true, None),
    ("swapped", true, Some(2)),
    ("removing", true, Some(2)),
];

#[test]
fn a_kill_at_any_step_of_the_swap_leaves_a_complete_output_and_the_next_build_cleans_up() {
    for (step, two_renames, expected) in STEPS {
        let (scratch, one, two) = two_versions();
        let at = format!("{step}:kill");
        let mut env = vec![("PLACARD_DEBUG_AT", at.as_str())];
        if two_renames {
            env.push(("PLACARD_DEBUG_NO_EXCHANGE", "1"));
        }
        let killed = build_with(&scratch, &[], &env);
        let case = format!("kill at `{step}`{}", if two_renames { " (two renames)" } else { "" });
        assert_eq!(killed.status.signal(), Some(9), "{case}: the build was killed there: {}", stderr(&killed));
        match expected {
            Some(1) => assert!(tree(&scratch.public()) == one, "{case}: the previous output is intact"),
            Some(_) => assert!(tree(&scratch.public()) == two, "{case}: the new output is complete"),
            None => assert!(!scratch.public().exists(), "{case}"),
        }

        let next = scratch.build(&[]);
        assert_ok(&next);
        assert!(tree(&scratch.public()) == two, "{case}: the next build is complete");
        assert_eq!(names(scratch.dir.path()), ["public", "site"], "{case}: nothing is left behind\n{}", stderr(&next));
        if step != "locked" {
            assert!(stderr(&next).contains("left behind by an interrupted build"), "{case}: the repair is reported: {}", stderr(&next));
        }
    }
}

#[test]
#[cfg(target_os = "linux")]
fn on_linux_the_swap_is_one_step_and_public_is_never_missing() {
    let (scratch, _, two) = two_versions();
    // The two-rename fallback would stop at `aside`, with public/ moved away; the exchange never gets there.
    let out = build_with(&scratch, &[], &[("PLACARD_DEBUG_AT", "aside:kill")]);
    assert_ok(&out);
    assert!(tree(&scratch.public()) == two);
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);
}

#[test]
fn a_half_done_swap_is_put_back_first_even_when_the_next_build_fails() {
    let (scratch, one, _) = two_versions();
    let killed = build_with(&scratch, &[], &[("PLACARD_DEBUG_AT", "aside:kill"), ("PLACARD_DEBUG_NO_EXCHANGE", "1")]);
    assert_eq!(killed.status.signal(), Some(9));
    assert!(!scratch.public().exists());
    scratch.write("content/broken.md", "+++\ntitle = \"Broken\"\ndate = not-a-date\n+++\n");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("the last complete output was put back"), "{err}");
    assert!(err.contains("was put back in place") && !err.contains("left as it was"), "the closing line says what happened: {err}");
    assert!(tree(&scratch.public()) == one);
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);
}

#[test]
fn constructed_leftovers_are_repaired_unless_their_process_runs() {
    let (scratch, one, two) = two_versions();
    let dir = scratch.dir.path();
    // Killed between the two renames of an older placard: no public/, old and new beside it.
    std::fs::rename(scratch.public(), dir.join(".public.placard-old-99999")).unwrap();
    copy_dir(&dir.join(".public.placard-old-99999"), &dir.join(".public.placard-new-99999"));
    // Killed just after creating a staging folder: empty.
    std::fs::create_dir(dir.join(".public.placard-new-99998")).unwrap();
    // An older placard's debris, without the marker, its process gone.
    copy_dir(&dir.join(".public.placard-old-99999"), &dir.join(".public.placard-new-2147483646"));
    std::fs::remove_file(dir.join(".public.placard-new-2147483646").join(MARKER)).unwrap();
    // Named like ours, without the marker, and its process is running: somebody's, for all we know.
    let running = format!(".public.placard-old-{}", std::process::id());
    std::fs::create_dir(dir.join(&running)).unwrap();
    std::fs::write(dir.join(&running).join("keep.txt"), "mine").unwrap();
    let out = scratch.build(&["--drafts"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("put back"), "{err}");
    assert_eq!(err.matches("left behind by an interrupted build").count(), 3, "{err}");
    assert!(err.contains("left `") && err.contains("alone"), "{err}");
    assert_eq!(names(dir), [running.as_str(), "public", "site"]);
    assert_eq!(std::fs::read_to_string(dir.join(&running).join("keep.txt")).unwrap(), "mine");
    assert!(tree(&scratch.public()) != one && tree(&scratch.public()) != two, "built with drafts");
}

#[test]
fn a_forced_build_killed_mid_swap_loses_nothing_it_was_not_asked_to_delete() {
    let scratch = Scratch::of("zola-site");
    web_root(&scratch.public());
    let before = tree(&scratch.public());
    for step in ["staging", "filled"] {
        let killed = build_with(&scratch, &["--force"], &[("PLACARD_DEBUG_AT", &format!("{step}:kill"))]);
        assert_eq!(killed.status.signal(), Some(9));
        assert!(tree(&scratch.public()) == before, "killed at {step}: the folder is the user's, untouched");
        // The next build, not forced, still refuses it and removes its own leftovers.
        assert_clean_failure(&scratch.build(&[]));
        assert!(tree(&scratch.public()) == before);
        assert_eq!(names(scratch.dir.path()), ["public", "site"]);
    }
}

fn spawn_build(scratch: &Scratch, env: &[(&str, &str)]) -> Child {
    let mut command = placard();
    command.arg("build").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public());
    for (k, v) in env {
        command.env(k, v);
    }
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn racing_builds_take_turns_and_both_say_what_they_did() {
    let (scratch, _, two) = two_versions();
    // Each holds the lock for a while, so that the two surely meet.
    let env = [("PLACARD_DEBUG_AT", "locked:sleep700")];
    let (a, b) = (spawn_build(&scratch, &env), spawn_build(&scratch, &env));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert_ok(out);
        assert!(stdout(out).contains("built ") && !stderr(out).contains("left as it was"), "{}{}", stdout(out), stderr(out));
    }
    let waited = [&a, &b].iter().filter(|o| stderr(o).contains("waiting: another placard build")).count();
    assert!(waited >= 1, "one of them said it waited:\n{}\n{}", stderr(&a), stderr(&b));
    assert!(tree(&scratch.public()) == two);
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);

    // And four at once, without any pause.
    let children: Vec<Child> = (0..4).map(|_| spawn_build(&scratch, &[])).collect();
    for child in children {
        assert_ok(&child.wait_with_output().unwrap());
    }
    assert!(tree(&scratch.public()) == two);
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);
}

/// A site with `pages` generated pages and some weight in static files, so that a build takes a while.
fn large_site(pages: usize) -> Scratch {
    let scratch = Scratch::of("zola-site");
    scratch.write("content/bulk/_index.md", "+++\ntitle = \"Bulk\"\n+++\n");
    for i in 0..pages {
        scratch.write(&format!("content/bulk/p{i:05}.md"), &format!("+++\ntitle = \"Page {i}\"\n+++\nParagraph {i}.\n\n{}\n", "Some words. ".repeat(40)));
    }
    for i in 0..10 {
        scratch.write(&format!("static/assets/file{i}.bin"), &"x".repeat(256 * 1024));
    }
    scratch
}

#[test]
fn kill_9_at_random_moments_of_a_large_build_never_loses_the_output() {
    let scratch = large_site(400);
    let page = |n: u32| format!("+++\ntitle = \"Page 0\"\n+++\nVersion {n}.\n");
    // The two versions the site alternates between, built once each for reference.
    let mut versions = Vec::new();
    let mut duration = Duration::ZERO;
    for n in 0..2 {
        scratch.write("content/bulk/p00000.md", &page(n));
        let started = Instant::now();
        assert_ok(&scratch.build(&[]));
        duration = started.elapsed();
        versions.push(tree(&scratch.public()));
    }
    assert!(versions[0] != versions[1]);
    let mut outcomes: BTreeMap<&str, u32> = BTreeMap::new();
    // public/ holds version 1; each round builds the other version and kills it part-way, spreading
    // the kills over the whole build up to its end.
    for round in 0..10u32 {
        let (was, next) = ((round + 1) % 2, round % 2);
        scratch.write("content/bulk/p00000.md", &page(next));
        let mut child = spawn_build(&scratch, &[]);
        std::thread::sleep(duration * (round + 1) / 10);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = tree(&scratch.public());
        let state = if now == versions[was as usize] {
            "previous output"
        } else if now == versions[next as usize] {
            "new output"
        } else {
            panic!("after a kill at {}/10 of a build ({status:?}), public/ is neither complete version: {} files", round + 1, now.len())
        };
        *outcomes.entry(if status.success() { "finished before the kill" } else { state }).or_insert(0) += 1;
        // The next build repairs and cleans whatever the kill left.
        let after = scratch.build(&[]);
        assert_ok(&after);
        assert!(tree(&scratch.public()) == versions[next as usize]);
        assert_eq!(names(scratch.dir.path()), ["public", "site"], "{}", stderr(&after));
    }
    eprintln!("a full build took {duration:?}; 10 kills left: {outcomes:?}");
}

#[test]
fn serve_writes_nothing_even_beside_a_foreign_folder() {
    use std::io::{BufRead, BufReader, Read, Write};
    let scratch = Scratch::of("zola-site");
    web_root(&scratch.public());
    let before = tree(&scratch.public());
    let mut child: Child = placard().args(["serve", "--port", "0", "--root"]).arg(scratch.site()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let base = line.split(" at ").nth(1).and_then(|s| s.split_whitespace().next()).expect("serving … at URL").trim_end_matches('/').to_string();
    let address = base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET /blog/first-post/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{}", &response[..response.len().min(200)]);
    assert!(tree(&scratch.public()) == before, "serve never touches the output folder");
    assert_eq!(names(scratch.dir.path()), ["public", "site"]);
    let site_files: Vec<PathBuf> = walk(&scratch.site());
    assert!(!site_files.iter().any(|p| p.to_string_lossy().contains("placard-")), "{site_files:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir).into_iter().map(|e| e.unwrap().path().to_path_buf()).collect()
}
