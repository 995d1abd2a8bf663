//! `placard print`: turns the built print pages (`public/print/…`) into print-shop PDFs and PNG previews
//! through a headless Chromium driven over the DevTools pipe ([`crate::browser`]).
//!
//! The print pages are ordinary HTML whose CSS gives an exact `@page` size with no margin, and whose
//! assets are linked by relative URLs, so Chromium can open them straight from disk (`file://`): no
//! server, no network. One browser and one tab serve the whole export; navigating a warm tab takes
//! milliseconds, where starting a browser takes about a second.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::browser::{find_chromium, Browser};
use crate::error::Error;

/// How wide every PNG preview is, in pixels: enough for a phone screen or a chat message.
pub const PNG_WIDTH_PX: u32 = 1080;

/// How long one page may take to load before the export gives up on it. Local files load in
/// milliseconds; this only guards against a page that never finishes.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// What to install when no browser is found, worded for the person running the command.
const INSTALL_HINT: &str = "install Chromium and the print fonts with `apt-get install chromium fonts-wqy-microhei fonts-arphic-gbsn00lp` (Debian/Ubuntu), or pass `--chrome PATH` to use a Chromium or Chrome installed elsewhere";

/// What to install when a PDF would carry Type 3 fonts (see the README's "Print fonts").
const FONT_HINT: &str = "print uses 黑体/宋体/仿宋 when installed, else WenQuanYi Micro Hei and AR PL SungtiL GB: install them with `apt-get install fonts-wqy-microhei fonts-arphic-gbsn00lp`, and do not make print text bold or italic in print.css";

/// One printable item: a poster or a letter, with a combined HTML file (all variants, one page each)
/// and one HTML file per variant (unit).
#[derive(Debug, Clone)]
pub struct PrintItem {
    /// The kind (`"poster"`, `"letter"`, `"card"`…), for messages.
    pub kind: String,
    /// The output goes under `print/<folder>/`.
    pub folder: String,
    /// Text that flows over as many pages as it needs (letters); otherwise every sheet is one page.
    pub flow: bool,
    /// Sheets (pages) per variant for kinds that do not flow: 2 for a two-sided card.
    pub pages_per_variant: usize,
    pub id: String,
    pub title: String,
    /// Output-relative path of the combined page, e.g. "print/posters/market-a3/index.html"
    pub combined: String,
    /// (variant id, output-relative path of its page), e.g. ("dongwan", "print/posters/market-a3/dongwan/index.html")
    pub variants: Vec<(String, String)>,
    /// Page size in mm including bleed, for checking and for the PNG width.
    pub width_mm: f64,
    pub height_mm: f64,
}

/// What `placard print` was asked to make.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Write one PDF per item (every variant a page).
    pub pdf: bool,
    /// Write one PNG preview per variant.
    pub png: bool,
    /// Export only the item with this id.
    pub only: Option<String>,
    /// The browser to use instead of looking for one on `PATH` (`--chrome PATH`).
    pub chrome: Option<PathBuf>,
}

/// What an export wrote, in the order it wrote it.
#[derive(Debug, Clone, Default)]
pub struct ExportReport {
    pub pdfs: Vec<PathBuf>,
    pub pngs: Vec<PathBuf>,
    /// PDF pages written, over all PDFs.
    pub pages: usize,
    /// Pages per copy of every letter variant, as printed: (item id, variant id, pages).
    pub letter_pages: Vec<(String, String, usize)>,
}

/// Posters get a PNG per variant for WeChat groups and screens; letters do not.
fn wants_png(item: &PrintItem, options: &ExportOptions) -> bool {
    options.png && !item.flow
}

/// Exports into `output_dir` (the folder that holds the rendered print pages): for each item,
/// `print/<kind>s/<id>.pdf` (one page per variant, from the combined page) and
/// `print/<kind>s/<id>/<variant>.png` 1080 px wide per poster variant, cropped to the trim (letters
/// run over pages and are printed, not shared as pictures).
///
/// Before anything is written, every sheet is laid out in Chromium and measured ([`layout_problems`]):
/// text that would be clipped, would overlap a QR code or would leave the safe area stops the export
/// with an error naming the item, the unit and how many millimetres it runs over.
/// `progress(done, total, label)` is called after each file so the CLI can draw a progress bar.
pub fn export(output_dir: &Path, items: &[PrintItem], options: &ExportOptions, progress: &mut dyn FnMut(usize, usize, &str)) -> Result<ExportReport, Error> {
    let items = select(items, options.only.as_deref())?;
    let mut report = ExportReport::default();
    let per_item = |item: &PrintItem| usize::from(options.pdf) + if wants_png(item, options) { item.variants.len() } else { 0 };
    let total: usize = items.iter().map(|item| per_item(item)).sum();
    if total == 0 {
        // Nothing to make (no items, or neither PDFs nor PNGs asked for): no browser needed either.
        return Ok(report);
    }
    let chromium = chromium(options.chrome.as_deref())?;
    // Check every input before starting the browser, so a missing page costs nothing and names itself.
    for item in &items {
        check_item(output_dir, item)?;
    }
    let mut browser = start(&chromium)?;
    let (target, session) =
        browser.new_page().map_err(|e| Error::new(format!("`{}` did not answer as a Chromium: {}", chromium.display(), e.message)).with_hint(INSTALL_HINT))?;
    let mut tab = Tab { browser: &mut browser, session: &session };
    tab.call("Page.enable", json!({}))?;

    // Measure everything first: one sheet that does not fit stops the export before any file is
    // written, so a print run never starts from a half-checked set.
    let mut measured = Vec::new();
    let mut problems = Vec::new();
    for item in &items {
        let sheets = tab.measure(&output_dir.join(&item.combined))?;
        problems.extend(layout_problems(item, &sheets));
        measured.push(sheets);
    }
    if !problems.is_empty() {
        return Err(combine(problems));
    }

    let mut done = 0;
    for (item, sheets) in items.iter().zip(&measured) {
        let dir = output_dir.join(&item.folder);
        if options.pdf {
            let rel = format!("print/{}/{}.pdf", item.folder, item.id);
            let out = dir.join(format!("{}.pdf", item.id));
            report.pages += tab.pdf(output_dir, item, sheets, &out)?;
            if item.flow {
                for (variant, page) in &item.variants {
                    let pages = tab.count_pages(&output_dir.join(page))?;
                    if pages > 2 {
                        let name = sheets.iter().find(|s| s.unit == *variant).map_or(variant.as_str(), |s| s.unit_name.as_str());
                        return Err(Error::new(format!(
                            "letter `{}`, unit {name} ({variant}): it prints on {pages} pages; a letter is at most one sheet, printed on both sides",
                            item.id
                        ))
                        .with_hint("shorten the letter's text"));
                    }
                    report.letter_pages.push((item.id.clone(), variant.clone(), pages));
                }
            }
            report.pdfs.push(out);
            done += 1;
            progress(done, total, &rel);
        }
        if wants_png(item, options) {
            // The front of each variant: a two-sided card shows its front in previews.
            for ((variant, page), sheet) in item.variants.iter().zip(sheets.iter().step_by(item.pages_per_variant.max(1))) {
                let rel = format!("print/{}/{}/{variant}.png", item.folder, item.id);
                let out = dir.join(&item.id).join(format!("{variant}.png"));
                tab.png(&output_dir.join(page), sheet, &out)?;
                report.pngs.push(out);
                done += 1;
                progress(done, total, &rel);
            }
        }
    }
    // Closing the tab is a courtesy; the browser is killed when dropped either way.
    let _ = browser.close_page(&target);
    if !report.letter_pages.is_empty() {
        super::order::record_pages(&output_dir.join(super::order::CSV_FILE), &report.letter_pages)?;
    }
    Ok(report)
}

/// What the layout check of `placard check` found.
#[derive(Debug)]
pub enum LayoutCheck {
    /// No browser: nothing was measured, for the reason given.
    Skipped(String),
    /// Every sheet was measured; one error per problem (none when all fit).
    Checked(Vec<Error>),
}

/// The same layout check `placard print` makes before exporting, for `placard check`: every sheet of
/// every item in `output_dir` is laid out in Chromium and measured. Without a browser the check is
/// skipped, and the reason says so.
pub fn check_layout(output_dir: &Path, items: &[PrintItem], chrome: Option<&Path>) -> LayoutCheck {
    if items.is_empty() {
        return LayoutCheck::Checked(Vec::new());
    }
    let chromium = match chrome.map(Path::to_path_buf).or_else(find_chromium) {
        Some(path) if path.is_file() => path,
        _ => return LayoutCheck::Skipped("no browser (Chromium) was found".into()),
    };
    match measure(output_dir, items, &chromium) {
        Ok(measured) => LayoutCheck::Checked(items.iter().zip(&measured).flat_map(|(item, sheets)| layout_problems(item, sheets)).collect()),
        Err(e) => LayoutCheck::Skipped(format!("the browser failed: {}", e.message)),
    }
}

/// Every sheet of every item in `output_dir`, laid out and measured in the Chromium at `chromium`,
/// item by item: what the layout check judges, for tests and tools that want the figures.
pub fn measure(output_dir: &Path, items: &[PrintItem], chromium: &Path) -> Result<Vec<Vec<Measured>>, Error> {
    let mut browser = start(chromium)?;
    let (_target, session) = browser.new_page()?;
    let mut tab = Tab { browser: &mut browser, session: &session };
    tab.call("Page.enable", json!({}))?;
    let mut measured = Vec::new();
    for item in items {
        check_item(output_dir, item)?;
        measured.push(tab.measure(&output_dir.join(&item.combined))?);
    }
    Ok(measured)
}

/// The layout check for `placard check`, on a site rendered in memory: its files are written to a
/// temporary folder for Chromium to open, the sheets of `items` are measured, and the folder is
/// removed. One error per problem; without a browser, one warning saying the check was skipped.
pub fn check_rendered_layout(output: &crate::output::Output, items: &[PrintItem]) -> Vec<Error> {
    if items.is_empty() {
        return Vec::new();
    }
    let skipped = |why: &str| {
        vec![Error::warning(format!("skipped the layout check of posters and letters: {why}"))
            .with_hint("install Chromium (`apt-get install chromium`) so that `placard check` can find text that would be cut off, or run `placard print`, which always checks")]
    };
    if find_chromium().is_none_or(|path| !path.is_file()) {
        return skipped("no browser (Chromium) was found");
    }
    let dir = std::env::temp_dir().join(format!("placard-check-{}-{}", std::process::id(), CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    let site = dir.join("site");
    let result = match output.write_atomically(&site, &crate::output::WriteOptions::default()) {
        // The sheets are the `print/` subtree of the rendered site, as `placard print` writes them.
        Ok(_) => check_layout(&site.join(super::PRINT_DIR), items, None),
        Err(e) => LayoutCheck::Skipped(format!("the site could not be written to a temporary folder: {}", e.message)),
    };
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        LayoutCheck::Checked(problems) => problems,
        LayoutCheck::Skipped(why) => skipped(&why),
    }
}

/// Numbers the temporary folders of layout checks within one process.
static CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn start(chromium: &Path) -> Result<Browser, Error> {
    Browser::launch(chromium)
        .map_err(|e| Error::new(format!("placard print needs Chromium, and it could not be started: {}", e.message)).with_hint(INSTALL_HINT))
}

/// The items to export: all of them, or the one(s) whose id is `only`.
fn select<'a>(items: &'a [PrintItem], only: Option<&str>) -> Result<Vec<&'a PrintItem>, Error> {
    let Some(only) = only else { return Ok(items.iter().collect()) };
    let chosen: Vec<&PrintItem> = items.iter().filter(|item| item.id == only).collect();
    if chosen.is_empty() {
        let ids: Vec<&str> = items.iter().map(|item| item.id.as_str()).collect();
        let hint = if ids.is_empty() { "this site has no posters or letters".to_string() } else { format!("the ids are: {}", ids.join(", ")) };
        return Err(Error::new(format!("there is no poster or letter with the id `{only}`")).with_hint(hint));
    }
    Ok(chosen)
}

/// Refuses items whose ids would make odd file names, whose sizes make no sense, or whose pages are
/// missing. Ids become file names, so one with a `/` or `..` could write outside `print/`.
fn check_item(output_dir: &Path, item: &PrintItem) -> Result<(), Error> {
    let safe = |name: &str| !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
    for name in [item.kind.as_str(), item.id.as_str()].into_iter().chain(item.variants.iter().map(|(v, _)| v.as_str())) {
        if !safe(name) {
            return Err(Error::new(format!("`{name}` cannot be used in a file name (in {} `{}`)", item.kind, item.id)));
        }
    }
    if !(item.width_mm > 0.0 && item.height_mm > 0.0 && item.width_mm.is_finite() && item.height_mm.is_finite()) {
        return Err(Error::new(format!("{} `{}` has no usable page size ({} × {} mm)", item.kind, item.id, item.width_mm, item.height_mm)));
    }
    for page in std::iter::once(&item.combined).chain(item.variants.iter().map(|(_, p)| p)) {
        let path = output_dir.join(page);
        if !path.is_file() {
            return Err(Error::in_file(&path, format!("the print page of {} `{}` is missing", item.kind, item.id))
                .with_hint("run `placard build` first, or check the output folder"));
        }
    }
    Ok(())
}

/// The browser to use: `--chrome PATH` when given (it must exist), else the one [`find_chromium`] finds.
fn chromium(chosen: Option<&Path>) -> Result<PathBuf, Error> {
    match chosen {
        Some(path) if path.is_file() => Ok(path.to_path_buf()),
        Some(path) => {
            Err(Error::new(format!("placard print needs Chromium to make PDFs and PNGs, and `{}` does not exist", path.display())).with_hint(INSTALL_HINT))
        }
        None => find_chromium().ok_or_else(|| Error::new("placard print needs Chromium to make PDFs and PNGs, and none was found").with_hint(INSTALL_HINT)),
    }
}

/// The one tab the whole export runs in.
struct Tab<'a> {
    browser: &'a mut Browser,
    session: &'a str,
}

impl Tab<'_> {
    fn call(&mut self, method: &str, params: Value) -> Result<Value, Error> {
        self.browser.call(method, params, Some(self.session))
    }

    /// Lays `page` out as it prints and measures every sheet on it ([`PROBE`]).
    fn measure(&mut self, page: &Path) -> Result<Vec<Measured>, Error> {
        self.call("Emulation.clearDeviceMetricsOverride", json!({}))?;
        self.call("Emulation.setEmulatedMedia", json!({"media": ""}))?;
        self.load(page)?;
        let reply = self.call("Runtime.evaluate", json!({"expression": PROBE, "awaitPromise": true, "returnByValue": true}))?;
        let text = reply.pointer("/result/value").and_then(Value::as_str).ok_or_else(|| {
            let why = reply.pointer("/exceptionDetails/exception/description").and_then(Value::as_str).unwrap_or("no answer");
            Error::in_file(page, format!("the layout of the print page could not be measured: {why}"))
        })?;
        serde_json::from_str(text).map_err(|e| Error::in_file(page, format!("the layout measurement could not be read: {e}")))
    }

    /// Prints the combined page to `out`, with its boxes set from the measured `sheets`; returns its page count.
    fn pdf(&mut self, output_dir: &Path, item: &PrintItem, sheets: &[Measured], out: &Path) -> Result<usize, Error> {
        let page = output_dir.join(&item.combined);
        let bytes = self.print(&page)?;
        let mut doc = lopdf::Document::load_mem(&bytes).map_err(|e| Error::in_file(&page, format!("Chromium printed a PDF that cannot be read: {e}")))?;
        let sizes = media_sizes(&doc);
        check_pdf(item, sheets, out, &sizes)?;
        let type3 = type3_fonts(&doc);
        if type3 > 0 {
            return Err(Error::in_file(
                out,
                format!(
                    "{} `{}` would carry {type3} Type 3 font{} (glyphs drawn as pictures), which print shops' preflight rejects",
                    item.kind,
                    item.id,
                    if type3 == 1 { "" } else { "s" }
                ),
            )
            .with_hint(FONT_HINT));
        }
        set_boxes(&mut doc, item, sheets);
        let mut fixed = Vec::new();
        doc.save_to(&mut fixed).map_err(|e| Error::in_file(out, format!("the PDF could not be written: {e}")))?;
        write(out, &fixed)?;
        Ok(sizes.len())
    }

    /// How many pages one variant's own page prints on (letters: one sheet, one or two sides).
    fn count_pages(&mut self, page: &Path) -> Result<usize, Error> {
        let bytes = self.print(page)?;
        let doc = lopdf::Document::load_mem(&bytes).map_err(|e| Error::in_file(page, format!("Chromium printed a PDF that cannot be read: {e}")))?;
        Ok(doc.get_pages().len())
    }

    /// Chromium's PDF of `page`, laid out by the page's own `@page` rules, with no header or footer.
    fn print(&mut self, page: &Path) -> Result<Vec<u8>, Error> {
        // A PNG before may have left the tab with a phone-sized viewport and print media emulated;
        // printing lays out by `@page` anyway, but a clean tab keeps screen-dependent CSS out of it.
        self.call("Emulation.clearDeviceMetricsOverride", json!({}))?;
        self.call("Emulation.setEmulatedMedia", json!({"media": ""}))?;
        self.load(page)?;
        // The fitting script must have finished before printing, or the PDF gets the unfitted text.
        self.call(
            "Runtime.evaluate",
            json!({"expression": "Promise.resolve(window.placardReady).then(() => true)", "awaitPromise": true, "returnByValue": true}),
        )?;
        let printed = self.call(
            "Page.printToPDF",
            json!({
                // The page's own `@page { size }` decides the paper, bleed and slug included.
                "preferCSSPageSize": true,
                "printBackground": true,
                "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
                // Chromium's own header and footer (date, title, URL) would come out as Type 3 fonts.
                "displayHeaderFooter": false,
                "generateTaggedPDF": false,
                "transferMode": "ReturnAsBase64",
            }),
        )?;
        let bytes = decode(&printed, page)?;
        if !bytes.starts_with(b"%PDF") {
            return Err(Error::in_file(page, "Chromium printed something that is not a PDF"));
        }
        Ok(bytes)
    }

    /// Screenshots one variant page to `out`, cropped to the trim (no bleed, no marks), [`PNG_WIDTH_PX`] wide.
    fn png(&mut self, page: &Path, sheet: &Measured, out: &Path) -> Result<(), Error> {
        let media_w = sheet.trim_w + 2.0 * (sheet.bleed + sheet.slug);
        let media_h = sheet.trim_h + 2.0 * (sheet.bleed + sheet.slug);
        // The viewport is the whole sheet in CSS pixels; the clip takes the trim out of it and scales it
        // to exactly PNG_WIDTH_PX device pixels.
        self.call("Emulation.setDeviceMetricsOverride", json!({"width": css_px(media_w), "height": css_px(media_h), "deviceScaleFactor": 1, "mobile": false}))?;
        // Print media: the pages' screen styles put a grey backdrop, padding and shadows around the
        // sheet for viewing on a monitor, which would shift the sheet out of the picture.
        self.call("Emulation.setEmulatedMedia", json!({"media": "print"}))?;
        self.load(page)?;
        self.call(
            "Runtime.evaluate",
            json!({"expression": "Promise.resolve(window.placardReady).then(() => true)", "awaitPromise": true, "returnByValue": true}),
        )?;
        let px = 96.0 / 25.4;
        let (x, y) = ((sheet.slug + sheet.bleed) * px, (sheet.slug + sheet.bleed) * px);
        let (w, h) = (sheet.trim_w * px, sheet.trim_h * px);
        let scale = f64::from(PNG_WIDTH_PX) / w;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": false, "clip": {"x": x, "y": y, "width": w, "height": h, "scale": scale}}),
        )?;
        let bytes = decode(&shot, page)?;
        let bytes = match png_width(&bytes) {
            Some(PNG_WIDTH_PX) => bytes,
            // Rounding of a fractional clip can leave a pixel more or less; scale to the exact width.
            Some(other) if other.abs_diff(PNG_WIDTH_PX) <= 2 => exact_width(&bytes, page)?,
            Some(other) => return Err(Error::in_file(page, format!("the PNG came out {other} px wide instead of {PNG_WIDTH_PX} px"))),
            None => return Err(Error::in_file(page, "Chromium's screenshot is not a PNG")),
        };
        write(out, &bytes)
    }

    /// Opens `page` in the tab and waits until it has loaded, its images included, and its fonts are ready.
    fn load(&mut self, page: &Path) -> Result<(), Error> {
        let url = file_url(page)?;
        // Events of earlier pages must not count as this one's load event.
        self.browser.events.clear();
        let navigated = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(error) = navigated.get("errorText").and_then(Value::as_str) {
            return Err(Error::in_file(page, format!("Chromium could not open the page: {error}")));
        }
        self.browser.wait_for("Page.loadEventFired", LOAD_TIMEOUT).map_err(|e| Error::in_file(page, e.message))?;
        // `load` does not wait for web fonts that are used but still loading; printing before they are
        // ready would bake a fallback font into the PDF.
        self.call("Runtime.evaluate", json!({"expression": "document.fonts.ready.then(() => true)", "awaitPromise": true, "returnByValue": true}))?;
        Ok(())
    }
}

/// A PNG resized to exactly [`PNG_WIDTH_PX`] wide, keeping its proportions.
fn exact_width(bytes: &[u8], page: &Path) -> Result<Vec<u8>, Error> {
    let image = image::load_from_memory(bytes).map_err(|e| Error::in_file(page, format!("Chromium's screenshot could not be read: {e}")))?;
    let height = (f64::from(image.height()) * f64::from(PNG_WIDTH_PX) / f64::from(image.width())).round() as u32;
    let resized = image.resize_exact(PNG_WIDTH_PX, height.max(1), image::imageops::FilterType::Lanczos3);
    let mut out = std::io::Cursor::new(Vec::new());
    resized.write_to(&mut out, image::ImageFormat::Png).map_err(|e| Error::in_file(page, format!("the PNG could not be written: {e}")))?;
    Ok(out.into_inner())
}

/// One sheet (a poster variant, or one letter) as Chromium laid it out.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Measured {
    /// `"poster"` or `"letter"`.
    pub kind: String,
    pub item: String,
    /// The variant id (a unit id, or `town`) and the unit's name.
    pub unit: String,
    pub unit_name: String,
    /// Trim size, bleed, slug (the margin for crop marks outside the bleed) and safe margin, in mm.
    pub trim_w: f64,
    pub trim_h: f64,
    pub bleed: f64,
    pub slug: f64,
    pub safe: f64,
    /// What does not fit, worst first within each kind.
    pub problems: Vec<Problem>,
    /// The measured height of the digits of the main reporting number, in mm (posters).
    pub lead_cap_mm: Option<f64>,
    /// The body type scale the page settled on (1 = the design size).
    pub fit: Option<f64>,
    /// Font sizes in mm of the parts whose order the design promises (0 when a sheet has none).
    pub sizes: TypeSizes,
}

/// Font sizes in mm: the slogan, the main number, the largest secondary number, body text and the
/// type under the QR code.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSizes {
    pub slogan: f64,
    pub lead: f64,
    pub secondary: f64,
    pub body: f64,
    pub qr_caption: f64,
}

/// One way a sheet does not fit: `what` (see [`describe`]), how far in mm, and the text concerned.
#[derive(Debug, Clone, Deserialize)]
pub struct Problem {
    pub what: String,
    pub mm: f64,
    #[serde(default)]
    pub text: String,
}

/// Every problem of every sheet of `item`, one error each, naming the item, the unit and the distance.
pub fn layout_problems(item: &PrintItem, sheets: &[Measured]) -> Vec<Error> {
    let mut errors = Vec::new();
    let per_variant = if item.flow { 1 } else { item.pages_per_variant.max(1) };
    if sheets.len() != item.variants.len() * per_variant {
        errors.push(Error::new(format!(
            "{} `{}` has {} variants, but its print page lays out {} sheets",
            item.kind,
            item.id,
            item.variants.len(),
            sheets.len()
        )));
    }
    for sheet in sheets {
        // Text that does not fit also runs out of the safe area and over the QR code: one cause, one error.
        let overflowing = sheet.problems.iter().any(|p| p.what == "fit" || p.what == "pages");
        let consequence = |p: &&Problem| overflowing && (p.what.starts_with("safe-") || p.what == "qr");
        for problem in sheet.problems.iter().filter(|p| !consequence(p)) {
            let (what, hint) = describe(sheet, problem);
            errors.push(Error::new(format!("{} `{}`, unit {} ({}): {what}", sheet.kind, sheet.item, sheet.unit_name, sheet.unit)).with_hint(hint));
        }
    }
    errors
}

/// The sentence and the fix for one problem.
fn describe(sheet: &Measured, p: &Problem) -> (String, String) {
    let text = if p.text.chars().count() > 24 { format!("{}…", p.text.chars().take(24).collect::<String>()) } else { p.text.clone() };
    let shorten = if sheet.kind == "letter" {
        "shorten the letter's text".to_string()
    } else if super::kinds::find(&sheet.kind).is_ok_and(|k| k.form.is_some()) {
        "shorten the group or place name in the unit's [unit] table, the item's title, or the form page's text".to_string()
    } else {
        "shorten the poster's text, or give it a larger size (size = \"A2\")".to_string()
    };
    match p.what.as_str() {
        "fit" => (format!("the text runs over by {:.1} mm: even at the smallest type size it needs that much more height than the sheet has", p.mm), shorten),
        "pages" => (format!("the letter runs {:.1} mm past its second page; a letter is at most one sheet, printed on both sides", p.mm), shorten),
        "qr" => (format!("\"{text}\" overlaps the QR code by {:.1} mm", p.mm), shorten),
        "clip" => (format!("\"{text}\" is cut off: {:.1} mm of it would not print", p.mm), shorten),
        "lead" => (
            format!("the main reporting number is {} mm tall, {:.1} mm short of the height a passer-by needs on this sheet", p.text, p.mm),
            "do not make `.lead-number` smaller in print.css".into(),
        ),
        "qr-type" => (
            format!("the type under the QR code is {} mm, {:.1} mm smaller than the minimum", p.text, p.mm),
            "do not make the QR caption smaller in print.css".into(),
        ),
        side => {
            let side = side.strip_prefix("safe-").unwrap_or(side);
            (
                format!(
                    "\"{text}\" runs {:.1} mm past the {side} of the safe area (text stays {} mm inside the trim, where the guillotine cannot reach)",
                    p.mm, sheet.safe
                ),
                shorten,
            )
        }
    }
}

/// One error for the export, listing every problem: the office sees all of them in one run.
fn combine(problems: Vec<Error>) -> Error {
    let count = problems.len();
    let hint = problems.iter().find_map(|e| e.hint.clone());
    let lines: Vec<String> = problems.into_iter().map(|e| e.message).collect();
    let message = if count == 1 {
        format!("{} — nothing was exported", lines[0])
    } else {
        format!("{count} sheets do not fit, nothing was exported:\n  {}", lines.join("\n  "))
    };
    let error = Error::new(message);
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// Measures every sheet (`[data-kind]`) of a print page after its fitting script has run, and returns
/// them as JSON ([`Measured`]). Distances in mm, rounded to 0.1.
const PROBE: &str = include_str!("probe.js");

/// Checks a printed PDF against the item and its measured sheets: every page the sheet's size with
/// its bleed and slug (a mismatch means the template's `@page` and the model disagree), the bleed box
/// the item's size, and for posters one page per variant (more means a sheet overflowed onto a second
/// page, which the print shop would print as is). Letters may run over two pages each.
fn check_pdf(item: &PrintItem, sheets: &[Measured], out: &Path, sizes: &[(f64, f64)]) -> Result<(), Error> {
    for (n, &(w, h)) in sizes.iter().enumerate() {
        let Some(sheet) = sheet_of_page(item, sheets, n) else { break };
        let bleed_box = (sheet.trim_w + 2.0 * sheet.bleed, sheet.trim_h + 2.0 * sheet.bleed);
        let want = (mm_to_pt(bleed_box.0 + 2.0 * sheet.slug), mm_to_pt(bleed_box.1 + 2.0 * sheet.slug));
        let model = (bleed_box.0 - item.width_mm).abs() > 0.1 || (bleed_box.1 - item.height_mm).abs() > 0.1;
        if model || (w - want.0).abs() > 1.0 || (h - want.1).abs() > 1.0 {
            return Err(Error::in_file(
                out,
                format!(
                    "page {} is {:.1} × {:.1} mm, but {} `{}` is {} × {} mm with its bleed, plus {} mm on each side for crop marks",
                    n + 1,
                    w / 72.0 * 25.4,
                    h / 72.0 * 25.4,
                    item.kind,
                    item.id,
                    item.width_mm,
                    item.height_mm,
                    sheet.slug
                ),
            )
            .with_hint("the print page's `@page { size }` must match the item's size, bleed and crop-mark margin included"));
        }
    }
    let variants = item.variants.len();
    if !item.flow && sizes.len() != variants * item.pages_per_variant.max(1) {
        return Err(Error::in_file(
            out,
            format!(
                "{} `{}` printed on {} pages, but it has {variants} variant{} of {} page{} each: a sheet does not fit its page",
                item.kind,
                item.id,
                sizes.len(),
                if variants == 1 { "" } else { "s" },
                item.pages_per_variant,
                if item.pages_per_variant == 1 { "" } else { "s" }
            ),
        )
        .with_hint("shorten the poster's text, or look at the print page in a browser to see what overflows"));
    }
    if sizes.len() < variants {
        return Err(Error::in_file(out, format!("{} `{}` printed on {} pages, fewer than its {variants} variants", item.kind, item.id, sizes.len())));
    }
    Ok(())
}

/// The sheet page `n` (from 0) of the combined PDF belongs to: posters have one page per sheet;
/// letters all share one geometry (A4, no bleed), so any sheet will do.
fn sheet_of_page<'a>(item: &PrintItem, sheets: &'a [Measured], n: usize) -> Option<&'a Measured> {
    if !item.flow {
        sheets.get(n)
    } else {
        sheets.first()
    }
}

/// How many Type 3 fonts the PDF holds: Chromium writes one for a CFF (OpenType/PostScript) font, a
/// faked bold or italic, or its own header and footer.
fn type3_fonts(doc: &lopdf::Document) -> usize {
    doc.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(lopdf::Object::as_name).is_ok_and(|n| n == b"Font"))
        .filter(|d| d.get(b"Subtype").and_then(lopdf::Object::as_name).is_ok_and(|n| n == b"Type3"))
        .count()
}

/// Every page's MediaBox size in points, in page order.
fn media_sizes(doc: &lopdf::Document) -> Vec<(f64, f64)> {
    doc.get_pages()
        .values()
        .map(|&id| page_box(doc, id, b"MediaBox").map(|[x0, y0, x1, y1]| ((x1 - x0).abs(), (y1 - y0).abs())).unwrap_or((0.0, 0.0)))
        .collect()
}

/// A page's box, looked up on the page and then on its parents (boxes are inherited).
fn page_box(doc: &lopdf::Document, mut id: lopdf::ObjectId, key: &[u8]) -> Option<[f64; 4]> {
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(found) = dict.get_deref(key, doc).and_then(lopdf::Object::as_array) {
            let numbers: Vec<f64> = found.iter().filter_map(|o| o.as_float().ok().map(f64::from).or_else(|| o.as_i64().ok().map(|i| i as f64))).collect();
            return <[f64; 4]>::try_from(numbers).ok();
        }
        id = dict.get(b"Parent").and_then(lopdf::Object::as_reference).ok()?;
    }
    None
}

/// Sets each page's TrimBox at the trim and BleedBox at the bleed, both measured from the MediaBox
/// Chromium wrote (the trim sits `slug + bleed` inside it on every side). Removes the creation and
/// modification dates, so the same sheets give the same PDF.
fn set_boxes(doc: &mut lopdf::Document, item: &PrintItem, sheets: &[Measured]) {
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    for (n, id) in pages.into_iter().enumerate() {
        let Some(sheet) = sheet_of_page(item, sheets, n) else { break };
        let Some([x0, y0, x1, y1]) = page_box(doc, id, b"MediaBox") else { continue };
        let (left, bottom, right, top) = (x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1));
        let rect = |inset_mm: f64| {
            let inset = mm_to_pt(inset_mm);
            let r = |v: f64| lopdf::Object::Real((v * 1000.0).round() as f32 / 1000.0);
            lopdf::Object::Array(vec![r(left + inset), r(bottom + inset), r(right - inset), r(top - inset)])
        };
        if let Ok(dict) = doc.get_dictionary_mut(id) {
            dict.set("BleedBox", rect(sheet.slug));
            dict.set("TrimBox", rect(sheet.slug + sheet.bleed));
        }
    }
    if let Ok(info) = doc.trailer.get(b"Info").and_then(lopdf::Object::as_reference) {
        if let Ok(dict) = doc.get_dictionary_mut(info) {
            dict.remove(b"CreationDate");
            dict.remove(b"ModDate");
        }
    }
}

/// The `data` field of a DevTools reply, base64-decoded.
fn decode(reply: &Value, page: &Path) -> Result<Vec<u8>, Error> {
    let data = reply.get("data").and_then(Value::as_str).ok_or_else(|| Error::in_file(page, "Chromium returned no data for the page"))?;
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| Error::in_file(page, format!("Chromium's reply could not be decoded: {e}")))?;
    if bytes.is_empty() {
        return Err(Error::in_file(page, "Chromium returned an empty file for the page"));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` through a temporary file, so an interrupted export never leaves half a PDF
/// that looks finished.
fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the folder", e))?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes).map_err(|e| Error::io(&partial, "write", e))?;
    std::fs::rename(&partial, path).map_err(|e| Error::io(path, "write", e))
}

/// CSS pixels (96 per inch) for a length in millimetres, rounded to whole pixels as viewports are.
fn css_px(mm: f64) -> u32 {
    (mm / 25.4 * 96.0).round().max(1.0) as u32
}

fn mm_to_pt(mm: f64) -> f64 {
    mm / 25.4 * 72.0
}

/// A PNG's width, from its IHDR chunk (bytes 16..20, big-endian), or `None` when it is not a PNG.
pub fn png_width(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < 24 || !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || &bytes[12..16] != b"IHDR" {
        return None;
    }
    Some(u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]))
}

/// A `file://` URL for `path`, made absolute and percent-encoded, so folders with spaces, `#` or
/// Chinese names still open (and relative links inside the page resolve against it).
fn file_url(path: &Path) -> Result<String, Error> {
    let absolute = std::fs::canonicalize(path).map_err(|e| Error::io(path, "open", e))?;
    let mut url = String::from("file://");
    for &byte in absolute.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_sizes_follow_96_dpi() {
        assert_eq!(css_px(303.0), 1145);
        assert_eq!(css_px(25.4), 96);
    }

    #[test]
    fn png_width_reads_the_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1080u32.to_be_bytes());
        png.extend_from_slice(&[0; 8]);
        assert_eq!(png_width(&png), Some(1080));
        assert_eq!(png_width(b"GIF89a not a png at all"), None);
    }

    #[test]
    fn file_urls_are_encoded() {
        let dir = std::env::temp_dir().join(format!("placard url #{} 海报", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = file_url(&dir).unwrap();
        assert!(url.starts_with("file:///"), "{url}");
        assert!(url.contains("placard%20url%20%23") && url.contains("%E6%B5%B7"), "{url}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
