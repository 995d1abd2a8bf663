//! The rest of the campaign (issue 12) through the real binary on `tests/fixtures/campaign-site`:
//! reward notices with a lifecycle, slogans on banners and LED screens, contact cards, report-box
//! stickers, school handouts, letters to enterprises, and the order sheet's copies rules. The
//! tool-gated tests judge the PDFs with poppler (`pdfinfo -box`, `pdftotext`) and zbarimg.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::json;

mod common;
use common::{assert_ok, fixture, on_path, placard, read, require_tool, stderr, tree, Scratch};

/// (folder/item, variants, trim w×h in mm as the page lays it out, sheets per variant)
type SheetCase = (&'static str, &'static [&'static str], (f64, f64), usize);
/// (pdf, trim w×h in mm as printed, pages, texts, QR payload endings)
type PdfCase = (&'static str, (f64, f64), usize, &'static [&'static str], &'static [&'static str]);

/// `placard print` (`--sheets` unless `full`) on `site` into a fresh folder: (dir, public, print, output).
fn print(site: &Path, full: bool) -> (tempfile::TempDir, PathBuf, PathBuf, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let (public, print) = (dir.path().join("public"), dir.path().join("print"));
    let mut command = placard();
    command.arg("print");
    if !full {
        command.arg("--sheets");
    }
    let out = command.arg("--root").arg(site).arg("--output-dir").arg(&public).arg("--print-dir").arg(&print).output().unwrap();
    (dir, public, print, out)
}

/// The value of attribute `name` on the first element of `html` that has it.
fn attr(html: &str, name: &str) -> String {
    html.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next()).unwrap_or_default().to_string()
}

/// The `@page { size }` of a print page, in mm.
fn page_size(html: &str) -> (f64, f64) {
    let size = html.split("@page{size:").nth(1).unwrap().split(';').next().unwrap();
    let mm: Vec<f64> = size.split_whitespace().map(|v| v.trim_end_matches("mm").parse().unwrap()).collect();
    (mm[0], mm[1])
}

/// Rows of order.csv as (id, kind, rule, copies).
fn order(print: &Path) -> Vec<(String, String, String, u32)> {
    let text = read(print, "order.csv");
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("order.csv has no column {name}: {header:?}"));
    let (id, kind, rule, copies) = (col("编号"), col("类型"), col("计算方法"), col("数量"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] != "合计")
        .map(|r| (r[id].to_string(), r[kind].to_string(), r[rule].to_string(), r[copies].parse().unwrap()))
        .collect()
}

#[test]
fn every_kind_prints_sheets_of_its_size_one_variant_per_unit() {
    let (_dir, _public, print, out) = print(&fixture("campaign-site"), false);
    assert_ok(&out);
    // (folder/item, variants, trim w×h in mm as the page lays it out, sheets per variant)
    let expected: &[SheetCase] = &[
        ("notices/reward-2026-a3", &["east"], (297.0, 420.0), 1),
        ("notices/reward-2026-a2", &["east"], (420.0, 594.0), 1),
        ("cards/card", &["east", "west"], (90.0, 54.0), 2),
        ("stickers/boxtag", &["east"], (150.0, 100.0), 1),
        ("handouts/parents", &["east-school"], (210.0, 297.0), 1),
        // Banners are drawn at 1:10: 0.7 × 5 m is a 500 × 70 mm page.
        ("banners/road-1", &["town"], (500.0, 70.0), 1),
        ("banners/wide-y2026-1", &["town"], (600.0, 90.0), 1),
    ];
    for (item, variants, (w, h), per) in expected {
        for variant in *variants {
            let html = read(&print, &format!("{item}/{variant}/index.html"));
            let (tw, th): (f64, f64) = (attr(&html, "data-trim-w").parse().unwrap(), attr(&html, "data-trim-h").parse().unwrap());
            assert!((tw - w).abs() < 0.01 && (th - h).abs() < 0.01, "{item}/{variant}: trim {tw}×{th}, expected {w}×{h}");
            let (pw, ph) = page_size(&html);
            let (bleed, slug): (f64, f64) = (attr(&html, "data-bleed").parse().unwrap(), attr(&html, "data-slug").parse().unwrap());
            assert!((pw - (w + 2.0 * (bleed + slug))).abs() < 0.01 && (ph - (h + 2.0 * (bleed + slug))).abs() < 0.01, "{item}: page {pw}×{ph}");
            assert_eq!(html.matches("data-kind=").count(), *per, "{item}/{variant}: sheets per copy");
        }
        let combined = read(&print, &format!("{item}/index.html"));
        assert_eq!(combined.matches("data-kind=").count(), variants.len() * per, "{item}: the combined page holds every variant");
    }
    // A lapsed notice is not printed; the expired slogan makes no banner; schools get handouts,
    // villages do not, and "all" leaves the school out.
    let files = tree(&print);
    assert!(!files.keys().any(|k| k.contains("reward-2025") || k.contains("revoked")), "lapsed notices printed");
    assert!(files.keys().any(|k| k.starts_with("banners/road-3/")) && !files.keys().any(|k| k.starts_with("banners/road-4/")), "the expired slogan");
    assert!(!files.keys().any(|k| k.starts_with("handouts/parents/east/")));
    assert!(!files.keys().any(|k| k.starts_with("cards/card/east-school/")));
    // The sticker shows the unit's own box and its opening rule; the card the unit's own phone first.
    let sticker = read(&print, "stickers/boxtag/east/index.html");
    assert!(sticker.contains("东村村委会门口") && sticker.contains("每周四下午由镇扫黑办两名工作人员共同开箱"), "{sticker}");
    let card = read(&print, "cards/card/east/index.html");
    let (own, town) = (card.find("0123-6110202").unwrap(), card.find("0123-6110110").unwrap());
    assert!(own < town, "the village's own number comes first");
    // The handout has its tear-off slip below the perforation, with the school's name.
    let handout = read(&print, "handouts/parents/east-school/index.html");
    let (perforation, slip) = (handout.find("class=\"perforation\"").unwrap(), handout.find("回　执").unwrap());
    assert!(perforation < slip && handout.contains("家长签名") && handout.contains("班级") && handout.contains("东村小学"));
    // The notice: title, 文号, reward table, 落款 with the issuer, and no seal image anywhere.
    let notice = read(&print, "notices/reward-2026-a3/east/index.html");
    for text in [
        "关于征集黑恶势力违法犯罪线索的悬赏通告",
        "测扫黑办〔2026〕1号",
        "5万元至10万元",
        "测试镇扫黑除恶斗争领导小组办公室",
        "2026年3月1日",
        "data-seal-room=\"42\"",
    ] {
        assert!(notice.contains(text), "the notice lacks {text}");
    }
}

#[test]
fn order_sheet_writes_out_every_copies_rule() {
    let (_dir, _public, print, out) = print(&fixture("campaign-site"), false);
    assert_ok(&out);
    let rows = order(&print);
    let row = |id: &str| rows.iter().find(|r| r.0 == id).unwrap_or_else(|| panic!("no row {id} in {rows:#?}"));
    // Per household plus spares, per enterprise, a missing count, per pupil, fixed per unit, town-wide.
    assert_eq!(row("card-east").2, "126 户 × 1 + 20");
    assert_eq!(row("card-east").3, 146);
    assert_eq!(row("firms-east").2, "8 家企业 × 1");
    assert_eq!(row("firms-east").3, 8);
    assert!(row("firms-west").2.contains("enterprises") && row("firms-west").3 == 0, "{:?}", row("firms-west"));
    assert_eq!(row("parents-east-school").2, "210 名学生 × 1");
    assert_eq!(row("reward-2026-a3-east").2, "每单位 2 份");
    assert_eq!(row("boxtag-east").2, "每单位 2 份");
    assert_eq!(row("road-1-town").2, "全镇共 6 份 + 1");
    assert_eq!(row("road-1-town").3, 7);
    // Every row's number is what its rule says.
    for (id, _, rule, copies) in &rows {
        let numbers: Vec<u32> = rule.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
        let computed = match numbers[..] {
            [count, each, extra] => count * each + extra,
            [count, each] if rule.contains('×') => count * each,
            [n, extra] => n + extra,
            [n] if !rule.contains("缺少") => n,
            _ => 0,
        };
        assert_eq!(computed, *copies, "{id}: {rule} is not {copies}");
    }
    // Every item and variant is on the sheet.
    let files = tree(&print);
    for page in files.keys().filter(|k| k.matches('/').count() == 3 && k.ends_with("/index.html") && !k.starts_with("led/")) {
        let mut parts = page.split('/');
        let (_, item, variant) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        assert!(rows.iter().any(|r| r.0 == format!("{item}-{variant}")), "{page} is not on the order sheet");
    }
    let kinds: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    for kind in ["悬赏通告", "横幅", "便民联系卡", "举报箱贴", "致家长的一封信", "一封信"] {
        assert!(kinds.contains(kind), "no {kind} on the order sheet: {kinds:?}");
    }
    let text = read(&print, "order.csv");
    assert!(text.contains("grommets") && text.contains("sleeve"), "banners say how they hang");
}

#[test]
fn led_files_decode_in_their_encoding_and_fit_the_screen() {
    let (_dir, _public, print, out) = print(&fixture("campaign-site"), false);
    assert_ok(&out);
    let screens = [("gate", encoding_rs::GB18030, 8.0, 2), ("market", encoding_rs::GBK, 10.0, 1), ("hall", encoding_rs::UTF_8, 12.0, 3)];
    for (id, encoding, width, lines) in screens {
        let bytes = std::fs::read(print.join(format!("led/{id}.txt"))).unwrap();
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
        assert!(!had_errors, "{id}: not valid {}", encoding.name());
        if encoding != encoding_rs::UTF_8 {
            assert!(std::str::from_utf8(&bytes).is_err(), "{id}: the file is in {}, not UTF-8", encoding.name());
        }
        let cells = |l: &str| -> f64 { l.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum() };
        for line in text.split("\r\n") {
            assert!(cells(line) <= width, "{id}: \"{line}\" is wider than {width}");
        }
        // Screenfuls of at most `lines` lines, separated by an empty line.
        for screen in text.split("\r\n\r\n").filter(|s| !s.is_empty()) {
            assert!(screen.split("\r\n").count() <= lines, "{id}: {screen:?}");
        }
        let joined: String = text.split("\r\n").collect::<Vec<_>>().join("");
        assert!(joined.contains("依法严厉打击黑恶势力违法犯罪") && joined.contains("扫黑除恶"), "{id}: {text}");
        assert!(!joined.contains("春节期间"), "{id}: the expired slogan is still played");
        // The year is a number: it is never split over two lines.
        assert!(text.split("\r\n").any(|l| l.contains("2026")), "{id}: 2026 broken: {text:?}");
    }
}

#[test]
fn a_slogan_too_long_for_its_banner_gives_the_length_it_needs() {
    let scratch = Scratch::of("campaign-site");
    let list = std::fs::read_to_string(scratch.site().join("content/slogans/list.md")).unwrap();
    scratch.write(
        "content/slogans/list.md",
        &list.replace(
            "  { text = \"扫黑除恶 人人有责\" },",
            "  { text = \"扫黑除恶 人人有责\" },\n  { text = \"坚持依法严惩黑恶势力违法犯罪和深挖彻查保护伞\" },",
        ),
    );
    let (_dir, _public, _print, out) = print(&scratch.site(), false);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("content/banners/road.md"), "{err}");
    assert!(err.contains("too long for a 700 × 5000 mm banner") && err.contains("needs a banner at least"), "{err}");
    let need: f64 = err.split("at least ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(need > 5000.0, "{need}");
}

#[test]
fn lapsed_notices_are_marked_and_check_names_the_pages_that_quote_them() {
    let (_dir, public, _print, out) = print(&fixture("campaign-site"), false);
    assert_ok(&out);
    let revoked = read(&public, "notices/revoked/index.html");
    assert!(revoked.contains("data-notice-lapsed") && revoked.contains("已撤销") && revoked.contains("2026年5月1日"), "{revoked}");
    let superseded = read(&public, "notices/reward-2025/index.html");
    assert!(superseded.contains("data-notice-lapsed") && superseded.contains("已被新通告替代"));
    assert!(superseded.contains("href=\"https://town.example.org/notices/reward-2026/\""), "points to the replacement");
    let current = read(&public, "notices/reward-2026/index.html");
    assert!(!current.contains("data-notice-lapsed") && current.contains("现行有效") && current.contains("测扫黑办〔2026〕1号"));
    let listing = read(&public, "notices/index.html");
    assert!(
        listing.contains("data-notice-state=\"revoked\"")
            && listing.contains("data-notice-state=\"superseded\"")
            && listing.contains("data-notice-state=\"in_force\"")
    );
    assert!(!tree(&public).keys().any(|k| k.contains("seal")), "no seal on the website");

    let check = placard().arg("check").arg("--root").arg(fixture("campaign-site")).output().unwrap();
    let text = stderr(&check) + &common::stdout(&check);
    assert!(check.status.success(), "warnings only: {text}");
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("warning:")).collect();
    assert!(warnings.iter().any(|w| w.contains("quotes the reward \"6万元\"") && w.contains("已撤销")), "{text}");
    assert!(warnings.iter().any(|w| w.contains("links to") && w.contains("已撤销")), "{text}");
    assert!(text.contains("content/news/quote.md:8"), "names the page and line: {text}");
    // The page that quotes the notice in force is fine.
    assert!(!text.contains("content/news/current.md"), "{text}");
}

#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
fn a_lapsed_notice_is_marked_in_a_real_browser() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let (_dir, public, _print, out) = print(&fixture("campaign-site"), false);
    assert_ok(&out);
    let mut browser = placard::browser::Browser::launch(&chromium).unwrap();
    let (_target, session) = browser.new_page().unwrap();
    let s = Some(session.as_str());
    browser.call("Page.enable", json!({}), s).unwrap();
    let probe = r#"(() => {
        const mark = document.querySelector('[data-notice-lapsed]');
        if (!mark) return JSON.stringify(null);
        const r = mark.getBoundingClientRect();
        return JSON.stringify({ text: mark.innerText, visible: r.width > 0 && r.height > 0 && getComputedStyle(mark).visibility === 'visible', link: mark.querySelector('a') ? mark.querySelector('a').href : null });
    })()"#;
    let mut seen = Vec::new();
    for (page, lapsed) in [("notices/revoked", true), ("notices/reward-2025", true), ("notices/reward-2026", false)] {
        browser.events.clear();
        let url = format!("file://{}", public.join(page).join("index.html").display());
        browser.call("Page.navigate", json!({ "url": url }), s).unwrap();
        browser.wait_for("Page.loadEventFired", Duration::from_secs(20)).unwrap();
        let result = browser.call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}), s).unwrap();
        let value: serde_json::Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
        if lapsed {
            assert_eq!(value["visible"], true, "{page}: {value}");
            assert!(value["text"].as_str().unwrap().contains("不再执行"), "{page}: {value}");
        } else {
            assert!(value.is_null(), "{page} is in force: {value}");
        }
        seen.push(value);
    }
    assert!(seen[1]["link"].as_str().unwrap().ends_with("/notices/reward-2026/"), "{:?}", seen[1]);
}

/// `pdfinfo -box` page `n`'s box `name` in points.
fn pdf_box(info: &str, n: usize, name: &str) -> [f64; 4] {
    let line = info
        .lines()
        .find(|l| l.starts_with(&format!("Page {n:>4} {name}:")) || l.starts_with(&format!("Page {n} {name}:")))
        .unwrap_or_else(|| panic!("no {name} for page {n}"));
    let v: Vec<f64> = line.split(':').nth(1).unwrap().split_whitespace().map(|t| t.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

#[test]
#[ignore = "needs chromium, pdfinfo, pdftotext, pdftoppm, zbarimg (run by .ci/run with --include-ignored)"]
fn exported_pdfs_of_every_kind_have_their_size_text_and_codes() {
    let Some(_) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let Some(pdfinfo) = require_tool("pdfinfo", on_path("pdfinfo")) else { return };
    let Some(pdftotext) = require_tool("pdftotext", on_path("pdftotext")) else { return };
    let Some(pdftoppm) = require_tool("pdftoppm", on_path("pdftoppm")) else { return };
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let (dir, _public, print, out) = print(&fixture("campaign-site"), true);
    assert_ok(&out);
    let pt = |mm: f64| mm * 72.0 / 25.4;
    // (pdf, trim w×h mm as printed, pages, texts, QR payload ends)
    let cases: &[PdfCase] = &[
        (
            "notices/reward-2026-a3.pdf",
            (297.0, 420.0),
            1,
            &["测扫黑办〔2026〕1号", "5万元至10万元", "500元至5000元", "测试镇扫黑除恶斗争领导小组办公室", "2026年3月1日"],
            &["/q/east/reward-2026-a3/"],
        ),
        ("notices/reward-2026-a2.pdf", (420.0, 594.0), 1, &["测扫黑办〔2026〕1号", "5万元至10万元"], &["/q/east/reward-2026-a2/"]),
        ("cards/card.pdf", (90.0, 54.0), 4, &["0123-6110202", "0123-6110110", "110"], &["/q/east/card/", "/q/west/card/"]),
        ("stickers/boxtag.pdf", (150.0, 100.0), 1, &["东村村委会门口", "每周四下午"], &["/q/east/boxtag/"]),
        ("handouts/parents.pdf", (210.0, 297.0), 1, &["致学生家长的一封信", "家长签名", "东村小学"], &["/q/east-school/parents/"]),
        ("banners/road-2.pdf", (500.0, 70.0), 1, &["依法严厉打击黑恶势力违法犯罪"], &[]),
        ("banners/wide-y2026-1.pdf", (600.0, 90.0), 1, &["扫黑除恶"], &[]),
    ];
    for (pdf, (w, h), pages, texts, codes) in cases {
        let path = print.join(pdf);
        let boxes = String::from_utf8_lossy(&Command::new(&pdfinfo).args(["-box", "-f", "1", "-l", "99"]).arg(&path).output().unwrap().stdout).into_owned();
        let count: usize = boxes.lines().find(|l| l.starts_with("Pages:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(count, *pages, "{pdf}: {boxes}");
        for n in 1..=count {
            let trim = pdf_box(&boxes, n, "TrimBox");
            assert!((trim[2] - trim[0] - pt(*w)).abs() < 1.0 && (trim[3] - trim[1] - pt(*h)).abs() < 1.0, "{pdf} page {n}: trim {trim:?} is not {w}×{h} mm");
        }
        let text = String::from_utf8_lossy(&Command::new(&pdftotext).args(["-layout"]).arg(&path).arg("-").output().unwrap().stdout).replace([' ', '\n'], "");
        for want in *texts {
            assert!(text.contains(want), "{pdf}: pdftotext has no {want}: {text}");
        }
        let prefix = dir.path().join("scan");
        assert!(Command::new(&pdftoppm).args(["-r", "200", "-png"]).arg(&path).arg(&prefix).status().unwrap().success());
        let mut read_codes = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let page = entry.unwrap().path();
            if !page.file_name().unwrap().to_string_lossy().starts_with("scan") {
                continue;
            }
            let out = Command::new(&zbarimg).args(["--quiet", "--raw"]).arg(&page).output().unwrap();
            read_codes.extend(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string));
            std::fs::remove_file(page).unwrap();
        }
        for code in *codes {
            assert!(read_codes.iter().any(|c| c.ends_with(code)), "{pdf}: no code for {code}: {read_codes:?}");
        }
        if codes.is_empty() {
            assert!(read_codes.is_empty(), "{pdf}: {read_codes:?}");
        }
    }
    // The letter to enterprises is measured; its pages are on the order sheet.
    let order = read(&print, "order.csv");
    assert!(order.lines().filter(|l| l.starts_with("firms-")).all(|l| l.contains(",1,单面,") || l.contains(",2,双面,")), "{order}");
}
