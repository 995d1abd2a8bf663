//! `placard pack`: the site, or one unit's part of it, as a zip that works from a phone's storage.
//! The pages are opened with `file://` in a real headless Chromium: every link and image resolves
//! inside the pack and nothing is requested from a network.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use placard::browser::{find_chromium, Browser};
use serde_json::json;

fn pack(site: &Path, extra: &[&str]) -> std::process::Output {
    placard().arg("pack").arg("--root").arg(site).args(extra).output().unwrap()
}

fn unzip(file: &Path, into: &Path) -> Vec<String> {
    let reader = std::fs::File::open(file).unwrap();
    let mut archive = zip::ZipArchive::new(reader).unwrap();
    archive.extract(into).unwrap();
    (0..archive.len()).map(|i| archive.by_index(i).unwrap().name().to_string()).collect()
}

#[test]
fn a_units_pack_holds_what_the_unit_needs_and_is_the_same_every_time() {
    let scratch = Scratch::example();
    let zip = scratch.dir.path().join("dongwan.zip");
    assert_ok(&pack(&scratch.site(), &["--unit", "dongwan", "--output", zip.to_str().unwrap()]));
    let first = std::fs::read(&zip).unwrap();
    assert_ok(&pack(&scratch.site(), &["--unit", "dongwan", "--output", zip.to_str().unwrap()]));
    assert_eq!(std::fs::read(&zip).unwrap(), first, "two packs of the same site are byte-identical");
    let dir = tempfile::tempdir().unwrap();
    let names = unzip(&zip, dir.path());
    for needed in [
        "index.html",
        "q/dongwan/index.html",
        "channels/dongwan-tel/index.html",
        "channels/hotline/index.html",
        "notices/xuanshang-tonggao/index.html",
        "style.css",
    ] {
        assert!(names.iter().any(|n| n == needed), "{needed} in {names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("q/shiqiao") || n.starts_with("news/") || n.starts_with("print")), "only this unit's part: {names:?}");
    let start = read(dir.path(), "index.html");
    assert!(start.contains("东湾村") && start.contains("href=\"q/dongwan/index.html\""), "{start}");
    // Nothing in the pack points at the web site's own address.
    for name in names.iter().filter(|n| n.ends_with(".html")) {
        let html = read(dir.path(), name);
        assert!(!html.contains("href=\"https://qinghe.example.gov.cn"), "{name} links to the web site");
        assert!(!html.contains("src=\"https://qinghe.example.gov.cn"), "{name} loads from the web site");
    }
}

#[test]
fn pack_refuses_unknown_units_and_foreign_files() {
    let scratch = Scratch::example();
    let out = pack(&scratch.site(), &["--unit", "dongwna"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("did you mean `dongwan`?"), "{}", stderr(&out));
    let mine = scratch.dir.path().join("mine.zip");
    std::fs::write(&mine, b"a user's own file").unwrap();
    let out = pack(&scratch.site(), &["--output", mine.to_str().unwrap()]);
    assert_clean_failure(&out);
    assert_eq!(std::fs::read(&mine).unwrap(), b"a user's own file");
}

#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
fn every_link_in_a_pack_resolves_inside_it_from_a_file() {
    let Some(chromium) = require_tool("chromium", find_chromium()) else { return };
    let scratch = Scratch::example();
    let mut browser = Browser::launch(&chromium).expect("start chromium");
    for unit in [None, Some("dongwan")] {
        let zip = scratch.dir.path().join("pack.zip");
        let mut args = vec!["--output", zip.to_str().unwrap()];
        if let Some(unit) = unit {
            args.extend(["--unit", unit]);
        }
        assert_ok(&pack(&scratch.site(), &args));
        let dir = tempfile::tempdir().unwrap();
        let names = unzip(&zip, dir.path());
        let root = dir.path().canonicalize().unwrap();
        let pages: Vec<&String> = names.iter().filter(|n| n.ends_with(".html")).collect();
        assert!(pages.len() >= 10, "{unit:?}: {pages:?}");
        for page in pages {
            let html = read(dir.path(), page);
            if let Some(at) = html.find("http-equiv=\"refresh\" content=\"0; url=") {
                // A redirect page moves on at once; its target must be in the pack.
                let rest = &html[at + "http-equiv=\"refresh\" content=\"0; url=".len()..];
                let to = &rest[..rest.find('"').unwrap()];
                let file = Path::new(page).parent().unwrap().join(to);
                assert!(dir.path().join(&file).is_file(), "{page} redirects to {to}, which is not in the pack");
                continue;
            }
            let (target, session) = browser.new_page().unwrap();
            let s = Some(session.as_str());
            browser.call("Page.enable", json!({}), s).unwrap();
            browser.call("Network.enable", json!({}), s).unwrap();
            browser.events.clear();
            let url = format!("file://{}/{}", root.display(), page);
            browser.call("Page.navigate", json!({"url": url}), s).unwrap();
            browser.wait_for("Page.loadEventFired", Duration::from_secs(20)).unwrap();
            let probe = "JSON.stringify({links: [...document.querySelectorAll('a[href], link[href], img[src], script[src]')].map(e => e.href || e.src), \
                         css: [...document.styleSheets].length})";
            let result = browser.call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}), s).unwrap();
            let report: serde_json::Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
            assert!(report["css"].as_u64().unwrap() >= 1, "{page}: the stylesheet loads from the file");
            for link in report["links"].as_array().unwrap().iter().filter_map(|l| l.as_str()) {
                if let Some(path) = link.strip_prefix("file://") {
                    let file = percent_decode(path.split(['#', '?']).next().unwrap());
                    assert!(Path::new(&file).is_file(), "{unit:?} {page}: `{link}` does not resolve inside the pack");
                    assert!(Path::new(&file).starts_with(&root), "{page}: `{link}` leaves the pack");
                } else {
                    let allowed = ["tel:", "sms:", "mailto:", "data:", "https://www.12337.gov.cn"].iter().any(|p| link.starts_with(p));
                    assert!(allowed, "{unit:?} {page}: `{link}` is neither in the pack nor a channel");
                }
            }
            for event in &browser.events {
                if event["method"] == "Network.requestWillBeSent" {
                    let url = event["params"]["request"]["url"].as_str().unwrap_or("");
                    assert!(url.starts_with("file://") || url.starts_with("data:"), "{page} requested {url}");
                }
            }
            browser.close_page(&target).unwrap();
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
