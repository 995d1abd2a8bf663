//! Every QR code keeps the promise printed beside it. The example's posters and letters are exported
//! to PDF by `placard print` in a real headless Chromium; each page is rasterised by `pdftoppm`, its
//! codes read by `zbarimg` and its text by `pdftotext`. Each decoded address is then opened in the
//! built site, in Chromium on a 360 px phone, and every phone number and e-mail address printed on
//! that sheet must be visible there. Skips when a tool is missing, unless PLACARD_REQUIRE_TOOLS=1.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use placard::browser::{find_chromium, Browser};
use placard::contacts::{self, ContactKind};
use serde_json::json;

const BASE: &str = "https://qinghe.example.gov.cn";

fn run(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The numbers and addresses a resident reads on a sheet: phones and e-mails, and web addresses of
/// other sites (the site's own address is where the code leads anyway).
fn promised(text: &str) -> BTreeSet<String> {
    // pdftotext may break a line inside a number; a sheet never prints a number across lines, so
    // joining the lines cannot invent one.
    contacts::find(&text.replace('\n', " "), &[])
        .into_iter()
        .filter(|f| f.kind != ContactKind::Web || !BASE.contains(contacts::host(&f.key)))
        .map(|f| f.key)
        .collect()
}

#[test]
#[ignore = "needs chromium, zbarimg, pdftoppm, pdftotext, pdfinfo (run by .ci/run with --include-ignored)"]
fn every_printed_code_opens_a_page_with_every_number_beside_it() {
    let Some(chromium) = require_tool("chromium", find_chromium()) else { return };
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let Some(pdftoppm) = require_tool("pdftoppm", on_path("pdftoppm")) else { return };
    let Some(pdftotext) = require_tool("pdftotext", on_path("pdftotext")) else { return };
    let Some(pdfinfo) = require_tool("pdfinfo", on_path("pdfinfo")) else { return };

    let scratch = Scratch::example();
    let printed = placard()
        .arg("print")
        .arg("--pdf")
        .arg("--root")
        .arg(scratch.site())
        .arg("--output-dir")
        .arg(scratch.public())
        .arg("--chrome")
        .arg(&chromium)
        .output()
        .unwrap();
    assert_ok(&printed);
    let local = serve(&scratch.public());
    let mut browser = Browser::launch(&chromium).expect("start chromium");
    let work = tempfile::tempdir().unwrap();

    let pdfs: Vec<_> = tree(&scratch.site().join("print")).into_keys().filter(|p| p.ends_with(".pdf")).collect();
    assert!(pdfs.len() >= 4, "the example exports its posters and letter: {pdfs:?}");
    let mut checked = 0;
    for pdf in pdfs {
        let file = scratch.site().join("print").join(&pdf);
        let file = file.to_str().unwrap();
        let pages: usize = run(&pdfinfo, &[file]).lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
        // Banners carry a slogan only: no number, no code. The office's paper forms carry no code
        // by design (a scan from them would count as a resident's; tests/print.rs checks it).
        if pdf.starts_with("banners/") || pdf.starts_with("forms/") {
            continue;
        }
        let mut page = 1;
        while page <= pages {
            let read_page = |page: usize| {
                let n = page.to_string();
                let prefix = work.path().join(format!("{}-{page}", pdf.replace('/', "-")));
                run(&pdftoppm, &["-r", "150", "-png", "-f", &n, "-l", &n, "-singlefile", file, prefix.to_str().unwrap()]);
                let png = format!("{}.png", prefix.display());
                let codes: Vec<String> = run(&zbarimg, &["-q", "--raw", &png]).lines().map(str::to_string).collect();
                (codes, run(&pdftotext, &["-f", &n, "-l", &n, file, "-"]))
            };
            let (mut codes, mut text) = read_page(page);
            // A letter's code sits on its last page, a contact card's on its back; the pages of one
            // copy are read together.
            while codes.is_empty() && (pdf.starts_with("letters/") || pdf.starts_with("cards/")) && page < pages {
                page += 1;
                let (more_codes, more_text) = read_page(page);
                codes = more_codes;
                text.push_str(&more_text);
            }
            assert!(!codes.is_empty(), "{pdf} page {page} has a QR code that zbarimg reads");
            let numbers = promised(&text);
            assert!(numbers.iter().any(|n| n.chars().all(|c| c.is_ascii_digit())), "{pdf} page {page} prints a number: {text}");
            for code in codes {
                let path = code.strip_prefix(BASE).unwrap_or_else(|| panic!("{pdf} page {page}: the code leads off the site: {code}"));
                let shown = page_text(&mut browser, &format!("{local}{path}"));
                let on_screen: BTreeSet<String> = contacts::find(&shown, &[]).into_iter().map(|f| f.key).collect();
                for number in &numbers {
                    assert!(on_screen.contains(number), "{pdf} page {page} prints {number} beside a code for {path}, which does not show it");
                }
                checked += 1;
            }
            page += 1;
        }
    }
    assert!(checked >= 10, "every variant's code was followed ({checked})");
}

/// The visible text of `url` on a 360 px phone, after checking that it is not the 404 page and that
/// it fits the screen.
fn page_text(browser: &mut Browser, url: &str) -> String {
    let (target, session) = browser.new_page().unwrap();
    let s = Some(session.as_str());
    browser.call("Page.enable", json!({}), s).unwrap();
    browser.call("Emulation.setDeviceMetricsOverride", json!({"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true}), s).unwrap();
    browser.events.clear();
    browser.call("Page.navigate", json!({"url": url}), s).unwrap();
    browser.wait_for("Page.loadEventFired", Duration::from_secs(20)).unwrap();
    let probe = "JSON.stringify({text: document.body.innerText, overflow: document.documentElement.scrollWidth - window.innerWidth})";
    let result = browser.call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}), s).unwrap();
    let report: serde_json::Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
    browser.close_page(&target).unwrap();
    let text = report["text"].as_str().unwrap().to_string();
    assert!(!text.contains("页面未找到"), "{url} is the 404 page");
    assert!(report["overflow"].as_i64().unwrap() <= 0, "{url} is wider than a 360 px phone");
    text
}
