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
.sheet,.letter{display:flow-root;position:relative;break-after:page;page-break-after:always;background:#fff;font-family:\"WenQuanYi Micro Hei\",sans-serif}\n\
.sheet:last-child,.letter:last-child{break-after:auto;page-break-after:auto}\n\
.trim{position:absolute}\n\
.band{height:40mm;background:#c00000;-webkit-print-color-adjust:exact;print-color-adjust:exact}\n\
h1{margin:10mm;font-size:20mm;font-weight:400;color:#c00000}\n\
p{margin:10mm;font-size:8mm}\n\
.crop{position:absolute;background:#000;width:6mm;height:.1mm}\n\
@media screen{body{background:#ddd;padding:10mm}.sheet,.letter{margin:0 auto 10mm}}\n";

/// The QR-like picture every sheet carries.
const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60mm\" height=\"60mm\" viewBox=\"0 0 10 10\">\
<rect width=\"10\" height=\"10\" fill=\"#fff\"/><rect x=\"1\" y=\"1\" width=\"3\" height=\"3\"/>\
<rect x=\"6\" y=\"1\" width=\"3\" height=\"3\"/><rect x=\"1\" y=\"6\" width=\"3\" height=\"3\"/>\
<circle cx=\"7.5\" cy=\"7.5\" r=\"1.5\" fill=\"#c00000\"/></svg>";

/// A poster page: an A3 trim (297×420 mm) with 3 mm bleed and a 10 mm slug for crop marks, so the
/// page is 323×446 mm, one sheet per unit, each with `extra` HTML inside its trim.
fn poster(item: &str, css_href: &str, sheets: &[(&str, &str, &str)]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>印刷版</title>\n\
         <link rel=\"stylesheet\" href=\"{css_href}\">\n\
         <style>@page {{ size: 323mm 446mm; margin: 0 }} .sheet{{width:323mm;height:446mm}} .trim{{left:13mm;top:13mm;width:297mm;height:420mm}}</style>\n</head>\n<body>\n"
    );
    for (unit, name, extra) in sheets {
        html.push_str(&format!(
            "<section class=\"sheet\" data-kind=\"poster\" data-item=\"{item}\" data-unit=\"{unit}\" data-unit-name=\"{name}\" data-trim-w=\"297\" data-trim-h=\"420\" data-bleed=\"3\" data-slug=\"10\" data-safe=\"5\">\
             <div class=\"trim\"><div class=\"band\"></div><h1>扫黑除恶 人人有责</h1>\
             <p>{name}举报电话：0123-6110110 · 全国扫黑办 12337</p><div style=\"margin:10mm\">{SVG}</div>{extra}</div>\
             <i class=\"crop\" style=\"left:2mm;top:12.95mm\"></i></section>\n"
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// A letter page: A4, no bleed, one page per unit.
fn letter(css_href: &str, sheets: &[(&str, &str)]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>印刷版</title>\n\
         <link rel=\"stylesheet\" href=\"{css_href}\">\n\
         <style>@page {{ size: 210mm 297mm; margin: 0 }} .letter{{width:210mm;height:297mm}}</style>\n</head>\n<body>\n"
    );
    for (unit, name) in sheets {
        html.push_str(&format!(
            "<article class=\"letter\" data-kind=\"letter\" data-item=\"to-residents\" data-unit=\"{unit}\" data-unit-name=\"{name}\" data-trim-w=\"210\" data-trim-h=\"297\" data-bleed=\"0\" data-slug=\"0\" data-page-h=\"297\">\
             <h1>致居民的一封信</h1><p>{name}举报电话：0123-6110110</p><div style=\"margin:10mm\">{SVG}</div></article>\n"
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

fn item(kind: &str, id: &str, variants: &[&str], size: (f64, f64)) -> PrintItem {
    PrintItem {
        kind: kind.into(),
        folder: format!("{kind}s"),
        flow: kind == "letter",
        pages_per_variant: 1,
        id: id.into(),
        title: id.into(),
        // Relative to the print folder, as `placard print` hands them over.
        combined: format!("{kind}s/{id}/index.html"),
        variants: variants.iter().map(|v| (v.to_string(), format!("{kind}s/{id}/{v}/index.html"))).collect(),
        width_mm: size.0,
        height_mm: size.1,
    }
}

/// The hand-written site: an A3 poster with bleed (303×426 mm, 323×446 mm with the slug) with one
/// variant, and an A4 letter with two variants, so two pages in its combined page.
fn site(root: &Path) -> Vec<PrintItem> {
    write(root, "print/print.css", CSS);
    let town = [("town", "全镇", "")];
    write(root, "print/posters/market-a3/index.html", &poster("market-a3", "../../print.css", &town));
    write(root, "print/posters/market-a3/town/index.html", &poster("market-a3", "../../../print.css", &town));
    write(root, "print/letters/to-residents/index.html", &letter("../../print.css", &[("dongwan", "东湾村"), ("shiqiao", "石桥社区")]));
    write(root, "print/letters/to-residents/dongwan/index.html", &letter("../../../print.css", &[("dongwan", "东湾村")]));
    write(root, "print/letters/to-residents/shiqiao/index.html", &letter("../../../print.css", &[("shiqiao", "石桥社区")]));
    vec![item("poster", "market-a3", &["town"], (303.0, 426.0)), item("letter", "to-residents", &["dongwan", "shiqiao"], (210.0, 297.0))]
}

/// One box of one page as `pdfinfo -box` prints it, in points: (x0, y0, x1, y1).
fn pdf_box(info: &str, page: usize, name: &str) -> [f64; 4] {
    let prefix = format!("Page {page:>4} {name}:");
    let line = info.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {name} for page {page}:\n{info}"));
    let numbers: Vec<f64> = line[prefix.len()..].split_whitespace().map(|n| n.parse().unwrap()).collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
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
#[ignore = "needs chromium, pdfinfo, pdffonts (run by .ci/run with --include-ignored)"]
fn exports_pdfs_of_the_right_size_with_embedded_fonts_and_1080_px_pngs() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let Some(pdfinfo) = require_tool("pdfinfo", on_path("pdfinfo")) else { return };
    let Some(pdffonts) = require_tool("pdffonts", on_path("pdffonts")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let items = site(dir.path());
    let options = ExportOptions { pdf: true, png: true, only: None, chrome: Some(chromium) };

    let mut calls = Vec::new();
    let started = Instant::now();
    let report = export(&dir.path().join("print"), &items, &options, &mut |done, total, label| calls.push((done, total, label.to_string()))).unwrap();
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
        // The page is the bleed box plus the slug for crop marks (10 mm a side on the poster, none on
        // the letter); the boxes inside it nest: trim inside bleed inside media.
        let slug = if item.kind == "poster" { 10.0 } else { 0.0 };
        let bleed = if item.kind == "poster" { 3.0 } else { 0.0 };
        let (w, h) = (mm_to_pt(item.width_mm + 2.0 * slug), mm_to_pt(item.height_mm + 2.0 * slug));
        let boxes = run(&pdfinfo, &["-box", "-f", "1", "-l", &sheets.to_string()], pdf);
        for (n, (pw, ph)) in pages.iter().enumerate() {
            assert!((pw - w).abs() <= 0.5 && (ph - h).abs() <= 0.5, "{} page {}: {pw} x {ph} pts, want {w:.2} x {h:.2}", pdf.display(), n + 1);
            let media = pdf_box(&boxes, n + 1, "MediaBox");
            let bleed_box = pdf_box(&boxes, n + 1, "BleedBox");
            let trim = pdf_box(&boxes, n + 1, "TrimBox");
            for i in 0..4 {
                let inward = if i < 2 { 1.0 } else { -1.0 };
                assert!((bleed_box[i] - (media[i] + inward * mm_to_pt(slug))).abs() < 0.05, "{}: bleed box {bleed_box:?} in media {media:?}", pdf.display());
                assert!((trim[i] - (bleed_box[i] + inward * mm_to_pt(bleed))).abs() < 0.05, "{}: trim box {trim:?} in bleed box {bleed_box:?}", pdf.display());
            }
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
        // Cropped to the trim: A3's proportions, and no crop mark in the corner.
        let want = (1080.0_f64 * 420.0 / 297.0).round() as u32;
        assert!(image.height().abs_diff(want) <= 1, "{}: {} px high, want {want} (the trim only)", png.display(), image.height());
        let bottom = image.get_pixel(540, image.height() - 3).0;
        assert!(bottom.iter().all(|&c| c > 245), "{}: bottom is {bottom:?}, not the white sheet", png.display());
    }
    assert!(!walkdir::WalkDir::new(dir.path()).into_iter().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".partial")));
}

#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
fn only_exports_one_item_and_unknown_ids_are_listed() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let items = site(dir.path());
    let options = ExportOptions { pdf: true, png: false, only: Some("to-residents".into()), chrome: Some(chromium.clone()) };
    let report = export(&dir.path().join("print"), &items, &options, &mut |_, _, _| {}).unwrap();
    assert_eq!(report.pdfs, vec![dir.path().join("print/letters/to-residents.pdf")]);
    assert!(report.pngs.is_empty());
    assert!(!dir.path().join("print/posters/market-a3.pdf").exists());

    let options = ExportOptions { pdf: true, png: true, only: Some("nope".into()), chrome: Some(chromium) };
    let err = export(&dir.path().join("print"), &items, &options, &mut |_, _, _| {}).unwrap_err().to_string();
    assert!(err.contains("`nope`") && err.contains("market-a3") && err.contains("to-residents"), "{err}");
}

#[test]
fn without_a_browser_the_error_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let items = site(dir.path());
    let options = ExportOptions { pdf: true, png: true, only: None, chrome: Some(PathBuf::from("/nonexistent")) };
    let err = export(&dir.path().join("print"), &items, &options, &mut |_, _, _| {}).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Chromium"), "{text}");
    assert!(text.contains("apt-get install chromium fonts-wqy-microhei fonts-arphic-gbsn00lp"), "{text}");
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
    let err = export(&dir.path().join("print"), &items, &options, &mut |_, _, _| {}).unwrap_err().to_string();
    assert!(err.contains("gone/index.html") && err.contains("to-residents"), "{err}");
}

/// A sheet's text or pictures outside the safe area, hidden by an element, or over the QR code stop
/// the export, naming the item, the unit and how far, in mm as the browser measured it; nothing is
/// written. Each fault is placed a known distance over, so the distance reported is checked too.
#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
fn sheets_that_do_not_fit_stop_the_export_with_item_unit_and_distance() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "print/print.css", CSS);
    // Trim 297 mm wide, safe area 5 mm inside: a 40 mm picture at 264 mm ends 12 mm past it.
    let outside = "<svg xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"标记\" style=\"position:absolute;left:264mm;top:200mm\" width=\"40mm\" height=\"10mm\"><rect width=\"10\" height=\"10\"/></svg>";
    // 30 mm of text in a 10 mm box that hides its overflow: 20 mm cut off.
    let clipped = "<div style=\"position:absolute;left:20mm;top:300mm;width:100mm;height:10mm;overflow:hidden\"><p style=\"margin:0;height:30mm;font-size:5mm\">举报有奖 保密承诺</p></div>";
    // A line of text 8 mm high laid 5 mm into the QR code's top edge.
    let over_qr = "<figure class=\"qr-code\" style=\"position:absolute;left:100mm;top:300mm;margin:0\"><svg width=\"40mm\" height=\"40mm\" viewBox=\"0 0 1 1\"><rect width=\"1\" height=\"1\"/></svg></figure>\
                   <span style=\"position:absolute;left:110mm;top:297mm;font-size:8mm;line-height:8mm\">举报电话</span>";
    let sheets = [("dongwan", "东湾村", outside), ("shiqiao", "石桥社区", clipped), ("liuwan", "柳湾村", over_qr), ("town", "全镇", "")];
    write(dir.path(), "print/posters/bad/index.html", &poster("bad", "../../print.css", &sheets));
    for (unit, _, _) in &sheets {
        write(dir.path(), &format!("print/posters/bad/{unit}/index.html"), &poster("bad", "../../../print.css", &sheets));
    }
    let items = vec![item("poster", "bad", &["dongwan", "shiqiao", "liuwan", "town"], (303.0, 426.0))];
    let options = ExportOptions { pdf: true, png: true, only: None, chrome: Some(chromium.clone()) };
    let err = export(&dir.path().join("print"), &items, &options, &mut |_, _, _| {}).unwrap_err().to_string();
    let line = |unit: &str| err.lines().find(|l| l.contains(unit)).unwrap_or_else(|| panic!("no line for {unit}: {err}")).to_string();
    let mm = |text: &str| -> f64 { text.split(" mm").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap() };
    let dongwan = line("东湾村 (dongwan)");
    assert!(dongwan.contains("poster `bad`") && dongwan.contains("right of the safe area"), "{dongwan}");
    assert!((mm(dongwan.split("runs ").nth(1).unwrap()) - 12.0).abs() <= 0.3, "{dongwan}");
    let shiqiao = line("石桥社区 (shiqiao)");
    assert!(shiqiao.contains("cut off"), "{shiqiao}");
    assert!((mm(shiqiao.split("cut off: ").nth(1).unwrap()) - 20.0).abs() <= 0.5, "{shiqiao}");
    let liuwan = line("柳湾村 (liuwan)");
    assert!(liuwan.contains("overlaps the QR code"), "{liuwan}");
    assert!((mm(liuwan.split("by ").nth(1).unwrap()) - 5.0).abs() <= 0.5, "{liuwan}");
    assert!(!err.contains("(town)"), "the sheet that fits is not named: {err}");
    assert!(!dir.path().join("print/posters/bad.pdf").exists(), "nothing is exported");
    assert!(!dir.path().join("print/posters/bad/town.png").exists(), "nothing is exported");

    // The same check for `placard check`, item by item, one error per problem.
    match placard::print::export::check_layout(&dir.path().join("print"), &items, Some(&chromium)) {
        placard::print::export::LayoutCheck::Checked(problems) => assert_eq!(problems.len(), 3, "{problems:#?}"),
        other => panic!("{other:?}"),
    }
    let no_browser = placard::print::export::check_layout(&dir.path().join("print"), &items, Some(Path::new("/nonexistent/chromium")));
    assert!(matches!(&no_browser, placard::print::export::LayoutCheck::Skipped(why) if why.contains("no browser")), "{no_browser:?}");
}
