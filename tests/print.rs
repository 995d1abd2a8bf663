//! Print pages of the example site: one variant per unit with that unit's contacts, exact sheet
//! sizes, QR modules of at least 1 mm, text inside the safe area (checked in a real Chromium), and
//! an order sheet whose letter counts are the households.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

fn example() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    assert_ok(&build(&repo(), &public, &[]));
    (dir, public)
}

/// The `@page` size a print page asks for, in mm.
fn page_size(html: &str) -> (f64, f64) {
    let at = html.find("@page{size:").expect("@page size") + "@page{size:".len();
    let spec = &html[at..at + html[at..].find(';').unwrap()];
    let mut parts = spec.split_whitespace().map(|p| p.trim_end_matches("mm").parse::<f64>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap())
}

#[test]
fn posters_have_exact_sheets_one_variant_per_unit_and_big_enough_qr_modules() {
    let (_dir, public) = example();
    let files = tree(&public);
    let units: Vec<String> = files.keys().filter_map(|k| k.strip_prefix("units/")?.strip_suffix("/index.html").map(str::to_string)).collect();
    assert!(units.len() >= 4, "at least four units: {units:?}");
    let posters: Vec<String> =
        files.keys().filter_map(|k| k.strip_prefix("print/posters/")?.strip_suffix("/index.html")).filter(|k| !k.contains('/')).map(str::to_string).collect();
    assert!(posters.len() >= 3, "at least three posters: {posters:?}");
    for poster in &posters {
        let combined = read(&public, &format!("print/posters/{poster}/index.html"));
        let (w, h) = page_size(&combined);
        let a = [(216.0, 303.0), (303.0, 426.0), (426.0, 600.0), (600.0, 847.0)];
        assert!(a.iter().any(|&(pw, ph)| (w, h) == (pw, ph) || (w, h) == (ph, pw)), "{poster}: {w}×{h} mm is a paper size plus 2 × 3 mm bleed");
        let sheets = combined.matches("<section class=\"sheet").count();
        assert!(sheets >= 1);
        // Every variant names its unit's own QR landing page, and its QR modules are ≥ 1 mm.
        for svg in combined.split("<svg").skip(1) {
            let width: f64 = svg.split("width=\"").nth(1).unwrap().split("mm").next().unwrap().parse().unwrap();
            let modules: f64 = svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
            assert!(width / modules >= 1.0 - 1e-9, "{poster}: QR modules of {:.2} mm", width / modules);
        }
    }
    let market = read(&public, "print/posters/market-a3/index.html");
    for unit in &units {
        assert!(market.contains(&format!("/q/{unit}/")), "the market poster has a variant for {unit} with its short link");
        let variant = read(&public, &format!("print/posters/market-a3/{unit}/index.html"));
        assert_eq!(variant.matches("<section class=\"sheet").count(), 1);
        assert!(variant.contains("class=\"crop"), "crop marks are drawn");
    }
    // The unit's landing page lists its own channels first, then the town's.
    let dongwan = read(&public, "q/dongwan/index.html");
    assert!(dongwan.contains("东湾村"), "{dongwan}");
}

#[test]
fn letters_and_the_order_sheet() {
    let (_dir, public) = example();
    let letter = read(&public, "print/letters/zhi-jumin/index.html");
    assert!(letter.contains("全镇居民朋友们："));
    assert!(letter.matches("<article class=\"letter\"").count() >= 4, "one letter per unit");
    let csv = read(&public, "print/order.csv");
    let households: u32 = tree(&public).keys().filter(|k| k.starts_with("units/") && k.ends_with("/index.html") && *k != "units/index.html").count() as u32;
    assert!(households >= 4);
    let letter_copies: u32 = csv.lines().filter(|l| l.contains("一封信")).map(|l| l.rsplit(',').next().unwrap().parse::<u32>().unwrap()).sum();
    let total: u32 = csv.lines().last().unwrap().rsplit(',').next().unwrap().parse().unwrap();
    assert!(letter_copies >= 1000, "about 1000+ letters, one per household: {letter_copies}");
    let rows: u32 = csv.lines().skip(1).filter(|l| !l.starts_with("合计")).map(|l| l.rsplit(',').next().unwrap().parse::<u32>().unwrap()).sum();
    assert_eq!(rows, total, "the total adds up");
    let index = read(&public, "print/index.html");
    assert!(index.contains(&total.to_string()));
}

#[test]
fn poster_text_stays_inside_the_safe_area_in_a_real_browser() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let (_dir, public) = example();
    let mut browser = placard::browser::Browser::launch(&chromium).unwrap();
    let (_target, session) = browser.new_page().unwrap();
    let s = Some(session.as_str());
    browser.call("Page.enable", json!({}), s).unwrap();
    // Measures every text box against the trim box, inset by the 5 mm safe margin, and checks that
    // the poster body does not overflow its box (text that would be clipped).
    let probe = r#"(() => {
        const mm = 96 / 25.4, problems = [];
        for (const sheet of document.querySelectorAll('.sheet')) {
            const trim = sheet.querySelector('.trim').getBoundingClientRect();
            const body = sheet.querySelector('.poster-body');
            if (body.scrollHeight > body.clientHeight + 1) problems.push(sheet.dataset.posterId + ': body overflows by ' + (body.scrollHeight - body.clientHeight) + 'px');
            const walker = document.createTreeWalker(sheet.querySelector('.safe'), NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                if (!n.textContent.trim()) continue;
                const range = document.createRange(); range.selectNodeContents(n);
                for (const r of range.getClientRects()) {
                    if (r.width === 0) continue;
                    if (r.left < trim.left + 5 * mm - 0.5 || r.right > trim.right - 5 * mm + 0.5 || r.top < trim.top + 5 * mm - 0.5 || r.bottom > trim.bottom - 5 * mm + 0.5)
                        problems.push(sheet.dataset.posterId + ': "' + n.textContent.trim().slice(0, 20) + '" is outside the safe area');
                }
            }
        }
        return JSON.stringify(problems);
    })()"#;
    for entry in std::fs::read_dir(public.join("print/posters")).unwrap() {
        let combined = entry.unwrap().path().join("index.html");
        if !combined.is_file() {
            continue;
        }
        browser.events.clear();
        browser.call("Page.navigate", json!({"url": format!("file://{}", combined.display())}), s).unwrap();
        browser.wait_for("Page.loadEventFired", Duration::from_secs(20)).unwrap();
        let result = browser.call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}), s).unwrap();
        let problems: Vec<String> = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
        assert!(problems.is_empty(), "{}: {problems:#?}", combined.display());
    }
}

/// `placard print` on the example: every PDF page has the exact sheet size, fonts are embedded,
/// and at 150 dpi zbarimg reads on every page the QR code of that page's own unit.
#[test]
fn exported_pdfs_have_exact_sizes_embedded_fonts_and_codes_that_scan() {
    let Some(_) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let Some(pdfinfo) = require_tool("pdfinfo", on_path("pdfinfo")) else { return };
    let Some(pdffonts) = require_tool("pdffonts", on_path("pdffonts")) else { return };
    let Some(pdftoppm) = require_tool("pdftoppm", on_path("pdftoppm")) else { return };
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    let out = placard().arg("print").arg("--root").arg(repo()).arg("--output-dir").arg(&public).output().unwrap();
    assert_ok(&out);
    let files = tree(&public);
    let pdfs: Vec<&String> = files.keys().filter(|k| k.ends_with(".pdf")).collect();
    assert!(pdfs.len() >= 4, "3 posters and a letter: {pdfs:?}");
    let pngs = files.keys().filter(|k| k.starts_with("print/") && k.ends_with(".png")).count();
    assert!(pngs >= 10, "one PNG per variant: {pngs}");
    for pdf in pdfs {
        let path = public.join(pdf);
        let html = read(&public, &pdf.replace(".pdf", "/index.html"));
        let (w, h) = if pdf.contains("letters/") { (210.0, 297.0) } else { page_size(&html) };
        let info =
            String::from_utf8_lossy(&std::process::Command::new(&pdfinfo).args(["-f", "1", "-l", "999"]).arg(&path).output().unwrap().stdout).into_owned();
        let sizes: Vec<&str> = info.lines().filter(|l| l.starts_with("Page") && l.contains("size:")).collect();
        assert!(!sizes.is_empty(), "{info}");
        for line in &sizes {
            let nums: Vec<f64> = line.split_whitespace().filter_map(|t| t.parse().ok()).collect();
            let (pw, ph) = (nums[nums.len() - 2] * 25.4 / 72.0, nums[nums.len() - 1] * 25.4 / 72.0);
            assert!((pw - w).abs() < 0.5 && (ph - h).abs() < 0.5, "{pdf}: page is {pw:.1}×{ph:.1} mm, expected {w}×{h} mm");
        }
        let fonts = String::from_utf8_lossy(&std::process::Command::new(&pdffonts).arg(&path).output().unwrap().stdout).into_owned();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{pdf} has fonts");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(cols[cols.len() - 5], "yes", "{pdf}: font not embedded: {row}");
        }
        // Rasterise at 150 dpi, as a print check would, and read every page's codes.
        let prefix = dir.path().join("page");
        let status = std::process::Command::new(&pdftoppm).args(["-r", "150", "-png"]).arg(&path).arg(&prefix).status().unwrap();
        assert!(status.success());
        let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("page"))
            .collect();
        pages.sort();
        let expected: std::collections::BTreeSet<String> =
            html.split("data-payload=\"").skip(1).map(|s| s.split('"').next().unwrap().replace("&amp;", "&")).collect();
        let mut read_any = std::collections::BTreeSet::new();
        for page in &pages {
            let out = std::process::Command::new(&zbarimg).args(["--quiet", "--raw"]).arg(page).output().unwrap();
            let decoded: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
            // A two-page letter carries its code on its last page only.
            if !pdf.contains("letters/") {
                assert!(!decoded.is_empty(), "{pdf}: no QR code could be read on {}", page.display());
            }
            for d in decoded {
                assert!(expected.contains(&d), "{pdf}: read `{d}`, which the page does not print");
                read_any.insert(d);
            }
            std::fs::remove_file(page).unwrap();
        }
        assert_eq!(read_any, expected, "{pdf}: every code printed was read");
    }
}
