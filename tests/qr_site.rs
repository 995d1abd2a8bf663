//! Every QR code the example site writes, read back by an independent reader: zbarimg decodes each
//! PNG under `qr/`, and each inline SVG after Chromium rasterises it. Skips when the tools are
//! missing, unless PLACARD_REQUIRE_TOOLS=1.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;

/// What zbarimg reads in `image`, one payload per symbol.
fn zbar(zbarimg: &Path, image: &Path) -> BTreeSet<String> {
    let out = Command::new(zbarimg).args(["--quiet", "--raw", "-Sbinary"]).arg(image).output().expect("run zbarimg");
    // With -Sbinary, zbarimg prints each symbol's bytes followed by a newline.
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// The inline SVG codes in the site's HTML: payload → one SVG of it.
fn inline_svgs(files: &std::collections::BTreeMap<String, Vec<u8>>) -> std::collections::BTreeMap<String, String> {
    let mut svgs = std::collections::BTreeMap::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        let mut rest = html.as_ref();
        while let Some(start) = rest.find("<svg") {
            let end = start + rest[start..].find("</svg>").unwrap_or_else(|| panic!("unclosed svg in {path}")) + "</svg>".len();
            let svg = &rest[start..end];
            if svg.contains("class=\"qr\"") {
                let payload = svg.split("data-payload=\"").nth(1).and_then(|s| s.split('"').next()).expect("data-payload");
                let payload = payload.replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'");
                svgs.entry(payload).or_insert_with(|| svg.to_string());
            }
            rest = &rest[end..];
        }
    }
    svgs
}

#[test]
#[ignore = "needs zbarimg, chromium (run by .ci/run with --include-ignored)"]
fn every_qr_code_in_the_example_site_decodes_with_zbarimg() {
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    let print = dir.path().join("print");
    let out =
        placard().arg("print").arg("--sheets").arg("--root").arg(repo()).arg("--output-dir").arg(&public).arg("--print-dir").arg(&print).output().unwrap();
    assert_ok(&out);
    let files = tree(&public);
    // The codes printed on the website's pages and on the print sheets (whose PNGs the site offers).
    let mut printed = files.clone();
    printed.extend(tree(&print).into_iter().map(|(path, bytes)| (format!("print/{path}"), bytes)));

    let svgs = inline_svgs(&printed);
    assert!(svgs.len() >= 7, "the example site prints a code for each channel, found {}", svgs.len());
    let expected: BTreeSet<String> = svgs.keys().cloned().collect();

    // Each PNG decodes to one of the payloads the pages print, and together they cover them all.
    let mut from_png = BTreeSet::new();
    for (path, _) in files.iter().filter(|(p, _)| p.starts_with("qr/") && p.ends_with(".png")) {
        let read = zbar(&zbarimg, &public.join(path));
        assert_eq!(read.len(), 1, "{path} holds exactly one readable code: {read:?}");
        let payload = read.into_iter().next().unwrap();
        assert!(expected.contains(&payload), "{path} decodes to `{payload}`, which no page or sheet prints");
        from_png.insert(payload);
    }
    assert_eq!(from_png, expected, "every printed code has a PNG that decodes to it");

    // Each inline SVG, rasterised by a real browser, decodes to its own payload.
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    for (payload, svg) in &svgs {
        let page = dir.path().join("svg.html");
        // 320 CSS px square, like a 35 mm code seen at phone-screenshot resolution.
        let sized = svg.replacen(&svg[svg.find(" width=").unwrap()..svg.find(" viewBox").unwrap()], " width=\"320\" height=\"320\"", 1);
        std::fs::write(&page, format!("<!doctype html><body style=\"margin:20px;background:#fff\">{sized}</body>")).unwrap();
        let shot = dir.path().join("svg.png");
        let status = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=400,400",
            ])
            .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("run chromium");
        assert!(status.status.success(), "chromium failed: {}", String::from_utf8_lossy(&status.stderr));
        let read = zbar(&zbarimg, &shot);
        assert_eq!(read, BTreeSet::from([payload.clone()]), "the inline SVG for `{payload}` decodes to its payload");
    }
}
