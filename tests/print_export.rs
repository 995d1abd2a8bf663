//! `placard print`'s export through a real headless Chromium: a tiny hand-written print site goes in,
//! and the PDFs are judged by poppler's own tools (`pdfinfo`, `pdffonts`), the way a print shop's
//! preflight would, rather than by our own reading of the bytes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use placard::print::export::{export, png_width, ExportOptions, PrintItem};

mod common;
use common::{on_path, require_tool};

/// Shared by both pages: reached by a relative URL, as the real print pages reach `print.css`. The
/// screen rules mimic the real theme's grey backdrop, which must not show in a PNG.
const CSS: &str = "html,body{margin:0;padding:0;background:#fff}\n\
.sheet{position:relative;overflow:hidden;break-after:page;page-break-after:always;background:#fff;font-family:\"Noto Sans CJK SC\",sans-serif}\n\
.sheet:last-child{break-after:auto;page-break-after:auto}\n\
.band{height:40mm;background:#c00000;-webkit-print-color-adjust:exact;print-color-adjust:exact}\n\
h1{margin:10mm;font-size:20mm;color:#c00000}\n\
p{margin:10mm;font-size:8mm}\n\
@media screen{body{background:#ddd;padding:10mm}.sheet{margin:0 auto 10mm}}\n";

/// One print page: `sheets` sheets of `w`×`h` mm, each with Chinese text and an inline SVG.
fn page(w: u32, h: u32, css_href: &str, sheets: &[&str]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>印刷版</title>\n\
         <link rel=\"stylesheet\" href=\"{css_href}\">\n\
         <style>@page {{ size: {w}mm {h}mm; margin: 0 }} .sheet{{width:{w}mm;height:{h}mm}}</style>\n</head>\n<body>\n"
    );
    for unit in sheets {
        html.push_str(&format!(
            "<section class=\"sheet\"><div class=\"band\"></div><h1>扫黑除恶 人人有责</h1>\
             <p>{unit}举报电话：0123-6110110 · 全国扫黑办 12337</p>\
             <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60mm\" height=\"60mm\" viewBox=\"0 0 10 10\">\
             <rect width=\"10\" height=\"10\" fill=\"#fff\"/><rect x=\"1\" y=\"1\" width=\"3\" height=\"3\"/>\
             <rect x=\"6\" y=\"1\" width=\"3\" height=\"3\"/><rect x=\"1\" y=\"6\" width=\"3\" height=\"3\"/>\
             <circle cx=\"7.5\" cy=\"7.5\" r=\"1.5\" fill=\"#c00000\"/></svg></section>\n"
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The hand-written site: an A3 poster with bleed (303×426 mm) with one variant, and an A4-with-bleed
/// (216×303 mm) item with two variants, so two sheets in its combined page.
fn site(root: &Path) -> Vec<PrintItem> {
    write(root, "print/print.css", CSS);
    write(root, "print/posters/market-a3/index.html", &page(303, 426, "../../print.css", &["东湾村"]));
    write(root, "print/posters/market-a3/town/index.html", &page(303, 426, "../../../print.css", &["东湾村"]));
    write(root, "print/letters/to-residents/index.html", &page(216, 303, "../../print.css", &["东湾村", "石桥社区"]));
    write(root, "print/letters/to-residents/dongwan/index.html", &page(216, 303, "../../../print.css", &["东湾村"]));
    write(root, "print/letters/to-residents/shiqiao/index.html", &page(216, 303, "../../../print.css", &["石桥社区"]));
    vec![
        PrintItem {
            kind: "poster".into(),
            id: "market-a3".into(),
            title: "集市海报".into(),
            combined: "print/posters/market-a3/index.html".into(),
            variants: vec![("town".into(), "print/posters/market-a3/town/index.html".into())],
            width_mm: 303.0,
            height_mm: 426.0,
        },
        PrintItem {
            kind: "letter".into(),
            id: "to-residents".into(),
            title: "致居民的一封信".into(),
            combined: "print/letters/to-residents/index.html".into(),
            variants: vec![
                ("dongwan".into(), "print/letters/to-residents/dongwan/index.html".into()),
                ("shiqiao".into(), "print/letters/to-residents/shiqiao/index.html".into()),
            ],
            width_mm: 216.0,
            height_mm: 303.0,
        },
    ]
}

fn run(tool: &Path, args: &[&str], file: &Path) -> String {
    let output = Command::new(tool).args(args).arg(file).output().unwrap();
    assert!(output.status.success(), "{} failed on {}: {}", tool.display(), file.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every page's size in points, as `pdfinfo -f 1 -l N` reports it ("Page    1 size: W x H pts").
fn pdf_pages(pdfinfo: &Path, file: &Path) -> Vec<(f64, f64)> {
    let info = run(pdfinfo, &[], file);
    let count: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).expect("pdfinfo prints Pages:").trim().parse().unwrap();
    let last = count.to_string();
    let detail = run(pdfinfo, &["-f", "1", "-l", &last], file);
    let sizes: Vec<(f64, f64)> = detail
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size: "))
        .map(|l| {
            let dims = l.split(" size: ").nth(1).unwrap();
            let mut numbers = dims.split_whitespace().filter_map(|n| n.parse::<f64>().ok());
            (numbers.next().unwrap(), numbers.next().unwrap())
        })
        .collect();
    assert_eq!(sizes.len(), count, "pdfinfo listed {} page sizes for {count} pages:\n{detail}", sizes.len());
    sizes
}

/// Each font `pdffonts` lists, as (name, embedded?), reading the `emb` column by the position of the
/// dashes under the header, since font types contain spaces ("CID Type 0C").
fn pdf_fonts(pdffonts: &Path, file: &Path) -> Vec<(String, bool)> {
    let text = run(pdffonts, &[], file);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let dashes = lines.next().unwrap_or_default();
    let emb = header.find("emb").unwrap_or_else(|| panic!("no emb column in pdffonts output:\n{text}"));
    assert!(dashes.starts_with('-'), "unexpected pdffonts output:\n{text}");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let name = l.split_whitespace().next().unwrap_or_default().to_string();
            let column = l.get(emb..emb + 3).unwrap_or_default();
            (name, column == "yes")
        })
        .collect()
}

fn mm_to_pt(mm: f64) -> f64 {
    mm * 72.0 / 25.4
}

#[test]
fn exports_pdfs_of_the_right_size_with_embedded_fonts_and_1080_px_pngs() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let Some(pdfinfo) = require_tool("pdfinfo", on_path("pdfinfo")) else { return };
    let Some(pdffonts) = require_tool("pdffonts", on_path("pdffonts")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let items = site(dir.path());
    let options = ExportOptions { pdf: true, png: true, only: None, chrome: Some(chromium) };

    let mut calls = Vec::new();
    let started = Instant::now();
    let report = export(dir.path(), &items, &options, &mut |done, total, label| calls.push((done, total, label.to_string()))).unwrap();
    eprintln!("exported {} PDFs and {} PNGs in {:.2} s", report.pdfs.len(), report.pngs.len(), started.elapsed().as_secs_f64());

    // Deterministic names, in item order; progress once per file, ending at the total.
    let out = |rel: &str| dir.path().join(rel);
    assert_eq!(report.pdfs, vec![out("print/posters/market-a3.pdf"), out("print/letters/to-residents.pdf")]);
    // Letters run over pages and are printed, not shared as pictures: only posters get PNGs.
    assert_eq!(report.pngs, vec![out("print/posters/market-a3/town.png")]);
    assert!(!out("print/letters/to-residents/dongwan.png").exists());
    let labels: Vec<&str> = calls.iter().map(|(_, _, l)| l.as_str()).collect();
    assert_eq!(labels, ["print/posters/market-a3.pdf", "print/posters/market-a3/town.png", "print/letters/to-residents.pdf"]);
    assert!(calls.iter().enumerate().all(|(i, (done, total, _))| *done == i + 1 && *total == 3), "{calls:?}");
    assert_eq!(report.pages, 3);

    // Page sizes and counts, as poppler reads them: one page per sheet, each exactly the sheet.
    for (pdf, item, sheets) in [(&report.pdfs[0], &items[0], 1), (&report.pdfs[1], &items[1], 2)] {
        let bytes = std::fs::read(pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{} is not a PDF", pdf.display());
        let pages = pdf_pages(&pdfinfo, pdf);
        assert_eq!(pages.len(), sheets, "{}: {pages:?}", pdf.display());
        let (w, h) = (mm_to_pt(item.width_mm), mm_to_pt(item.height_mm));
        for (n, (pw, ph)) in pages.iter().enumerate() {
            assert!((pw - w).abs() <= 0.5 && (ph - h).abs() <= 0.5, "{} page {}: {pw} x {ph} pts, want {w:.2} x {h:.2}", pdf.display(), n + 1);
        }
        // A print shop rejects a PDF whose fonts are not embedded: the text would come out in theirs.
        let fonts = pdf_fonts(&pdffonts, pdf);
        assert!(!fonts.is_empty(), "{} lists no fonts", pdf.display());
        let missing: Vec<&str> = fonts.iter().filter(|(_, emb)| !emb).map(|(n, _)| n.as_str()).collect();
        assert!(missing.is_empty(), "{}: fonts not embedded: {missing:?}", pdf.display());
    }

    // PNGs: 1080 px wide, and the sheet fills the picture (the red band at the very top, no grey
    // screen backdrop), which also shows the stylesheet was found by its relative URL.
    for png in &report.pngs {
        let bytes = std::fs::read(png).unwrap();
        assert_eq!(png_width(&bytes), Some(1080), "{}", png.display());
        let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert_eq!(image.width(), 1080);
        let corner = image.get_pixel(2, 2).0;
        assert!(corner[0] > 150 && corner[1] < 60 && corner[2] < 60, "{}: top-left pixel is {corner:?}, not the band's red", png.display());
        let bottom = image.get_pixel(540, image.height() - 3).0;
        assert!(bottom.iter().all(|&c| c > 245), "{}: bottom is {bottom:?}, not the white sheet", png.display());
    }
    assert!(!walkdir::WalkDir::new(dir.path()).into_iter().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".partial")));
}

#[test]
fn only_exports_one_item_and_unknown_ids_are_listed() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let items = site(dir.path());
    let options = ExportOptions { pdf: true, png: false, only: Some("to-residents".into()), chrome: Some(chromium.clone()) };
    let report = export(dir.path(), &items, &options, &mut |_, _, _| {}).unwrap();
    assert_eq!(report.pdfs, vec![dir.path().join("print/letters/to-residents.pdf")]);
    assert!(report.pngs.is_empty());
    assert!(!dir.path().join("print/posters/market-a3.pdf").exists());

    let options = ExportOptions { pdf: true, png: true, only: Some("nope".into()), chrome: Some(chromium) };
    let err = export(dir.path(), &items, &options, &mut |_, _, _| {}).unwrap_err().to_string();
    assert!(err.contains("`nope`") && err.contains("market-a3") && err.contains("to-residents"), "{err}");
}

#[test]
fn without_a_browser_the_error_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let items = site(dir.path());
    let options = ExportOptions { pdf: true, png: true, only: None, chrome: Some(PathBuf::from("/nonexistent")) };
    let err = export(dir.path(), &items, &options, &mut |_, _, _| {}).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Chromium"), "{text}");
    assert!(text.contains("apt-get install chromium fonts-noto-cjk"), "{text}");
    assert!(text.contains("--chrome PATH"), "{text}");
    assert!(!dir.path().join("print/posters/market-a3.pdf").exists());
}

#[test]
fn a_missing_print_page_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut items = site(dir.path());
    items[1].variants[1].1 = "print/letters/to-residents/gone/index.html".into();
    // Any existing file will do as the browser: the pages are checked before it is started.
    let options = ExportOptions { pdf: true, png: true, only: None, chrome: Some(std::env::current_exe().unwrap()) };
    let err = export(dir.path(), &items, &options, &mut |_, _, _| {}).unwrap_err().to_string();
    assert!(err.contains("gone/index.html") && err.contains("to-residents"), "{err}");
}
