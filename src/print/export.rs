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
use serde_json::{json, Value};

use crate::browser::{find_chromium, Browser};
use crate::error::Error;

/// How wide every PNG preview is, in pixels: enough for a phone screen or a chat message.
pub const PNG_WIDTH_PX: u32 = 1080;

/// How long one page may take to load before the export gives up on it. Local files load in
/// milliseconds; this only guards against a page that never finishes.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// What to install when no browser is found, worded for the person running the command.
const INSTALL_HINT: &str =
    "install Chromium and the Chinese fonts with `apt-get install chromium fonts-noto-cjk` (Debian/Ubuntu), or pass `--chrome PATH` to use a Chromium or Chrome installed elsewhere";

/// One printable item: a poster or a letter, with a combined HTML file (all variants, one page each)
/// and one HTML file per variant (unit).
#[derive(Debug, Clone)]
pub struct PrintItem {
    /// `"poster"` or `"letter"`; the output goes under `print/<kind>s/`.
    pub kind: String,
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
}

/// Posters get a PNG per variant for WeChat groups and screens; letters do not.
fn wants_png(item: &PrintItem, options: &ExportOptions) -> bool {
    options.png && item.kind != "letter"
}

/// Exports into `output_dir` (the built site): for each item, `print/<kind>s/<id>.pdf` (one page per
/// variant, from the combined page) and `print/<kind>s/<id>/<variant>.png` 1080 px wide per poster
/// variant (letters run over several pages and are printed, not shared as pictures).
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
    let mut browser = Browser::launch(&chromium)
        .map_err(|e| Error::new(format!("placard print needs Chromium, and it could not be started: {}", e.message)).with_hint(INSTALL_HINT))?;
    // A `--chrome` that starts but is no Chromium fails here, at its first DevTools command.
    let (target, session) =
        browser.new_page().map_err(|e| Error::new(format!("`{}` did not answer as a Chromium: {}", chromium.display(), e.message)).with_hint(INSTALL_HINT))?;
    let mut tab = Tab { browser: &mut browser, session: &session };
    tab.call("Page.enable", json!({}))?;

    let mut done = 0;
    for item in &items {
        let dir = output_dir.join(format!("{}s", item.kind));
        if options.pdf {
            let rel = format!("print/{}s/{}.pdf", item.kind, item.id);
            let out = dir.join(format!("{}.pdf", item.id));
            report.pages += tab.pdf(output_dir, item, &out)?;
            report.pdfs.push(out);
            done += 1;
            progress(done, total, &rel);
        }
        if wants_png(item, options) {
            for (variant, page) in &item.variants {
                let rel = format!("print/{}s/{}/{variant}.png", item.kind, item.id);
                let out = dir.join(&item.id).join(format!("{variant}.png"));
                tab.png(&output_dir.join(page), item, &out)?;
                report.pngs.push(out);
                done += 1;
                progress(done, total, &rel);
            }
        }
    }
    // Closing the tab is a courtesy; the browser is killed when dropped either way.
    let _ = browser.close_page(&target);
    Ok(report)
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

    /// Prints the combined page to `out`; returns its page count.
    fn pdf(&mut self, output_dir: &Path, item: &PrintItem, out: &Path) -> Result<usize, Error> {
        let page = output_dir.join(&item.combined);
        // A PNG before may have left the tab with a phone-sized viewport and print media emulated;
        // printing lays out by `@page` anyway, but a clean tab keeps screen-dependent CSS out of it.
        self.call("Emulation.clearDeviceMetricsOverride", json!({}))?;
        self.call("Emulation.setEmulatedMedia", json!({"media": ""}))?;
        self.load(&page)?;
        let printed = self.call(
            "Page.printToPDF",
            json!({
                // The page's own `@page { size }` decides the paper, bleed included.
                "preferCSSPageSize": true,
                "printBackground": true,
                "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
                "displayHeaderFooter": false,
                "transferMode": "ReturnAsBase64",
            }),
        )?;
        let bytes = decode(&printed, &page)?;
        if !bytes.starts_with(b"%PDF") {
            return Err(Error::in_file(&page, "Chromium printed something that is not a PDF"));
        }
        let (pages, sizes) = pdf_pages(&bytes);
        if let Some(sizes) = sizes {
            check_pdf(item, out, &sizes)?;
        }
        write(out, &bytes)?;
        Ok(pages)
    }

    /// Screenshots one variant page to `out`, [`PNG_WIDTH_PX`] wide.
    fn png(&mut self, page: &Path, item: &PrintItem, out: &Path) -> Result<(), Error> {
        // The viewport is the sheet in CSS pixels, and the scale factor shrinks or grows it to 1080
        // device pixels, so the screenshot is exactly the sheet, laid out as on paper.
        let width = css_px(item.width_mm);
        let height = css_px(item.height_mm);
        let scale = f64::from(PNG_WIDTH_PX) / width as f64;
        self.call("Emulation.setDeviceMetricsOverride", json!({"width": width, "height": height, "deviceScaleFactor": scale, "mobile": false}))?;
        // Print media: the pages' screen styles put a grey backdrop, padding and shadows around the
        // sheet for viewing on a monitor, which would shift the sheet out of the picture.
        self.call("Emulation.setEmulatedMedia", json!({"media": "print"}))?;
        self.load(page)?;
        let shot = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": false}))?;
        let bytes = decode(&shot, page)?;
        match png_width(&bytes) {
            Some(PNG_WIDTH_PX) => {}
            Some(other) => return Err(Error::in_file(page, format!("the PNG came out {other} px wide instead of {PNG_WIDTH_PX} px"))),
            None => return Err(Error::in_file(page, "Chromium's screenshot is not a PNG")),
        }
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

/// Checks a printed PDF against the item: every page the item's size (a mismatch means the template's
/// `@page` and the model disagree), and for posters one page per variant (more means a sheet overflowed
/// onto a second page, which the print shop would print as is). Letters may run over several pages.
fn check_pdf(item: &PrintItem, out: &Path, sizes: &[(f64, f64)]) -> Result<(), Error> {
    let want = (mm_to_pt(item.width_mm), mm_to_pt(item.height_mm));
    for (n, &(w, h)) in sizes.iter().enumerate() {
        if (w - want.0).abs() > 1.0 || (h - want.1).abs() > 1.0 {
            return Err(Error::in_file(
                out,
                format!(
                    "page {} is {:.1} × {:.1} mm, but {} `{}` is {} × {} mm",
                    n + 1,
                    w / 72.0 * 25.4,
                    h / 72.0 * 25.4,
                    item.kind,
                    item.id,
                    item.width_mm,
                    item.height_mm
                ),
            )
            .with_hint("the print page's `@page { size }` must match the item's size, bleed included"));
        }
    }
    let variants = item.variants.len();
    if item.kind == "poster" && sizes.len() != variants {
        return Err(Error::in_file(
            out,
            format!(
                "poster `{}` printed on {} pages, but it has {variants} variant{}: a sheet does not fit its page",
                item.id,
                sizes.len(),
                if variants == 1 { "" } else { "s" }
            ),
        )
        .with_hint("shorten the poster's text, or look at the print page in a browser to see what overflows"));
    }
    if sizes.len() < variants {
        return Err(Error::in_file(out, format!("{} `{}` printed on {} pages, fewer than its {variants} variants", item.kind, item.id, sizes.len())));
    }
    Ok(())
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

/// What the export can tell about a PDF Chromium printed, without a PDF library: its page count
/// (page objects, `/Type /Page`) and, when every page has its own `/MediaBox`, each page's size in
/// points. Chromium (Skia) writes page dictionaries uncompressed, one `/MediaBox` each; a PDF written
/// otherwise yields no sizes (or a count of 0), and the caller then does not judge it.
fn pdf_pages(pdf: &[u8]) -> (usize, Option<Vec<(f64, f64)>>) {
    let count = find_all(pdf, b"/Type")
        .filter(|&at| {
            let rest = &pdf[at + 5..];
            let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
            rest.starts_with(b"/Page") && !rest.get(5).is_some_and(|b| b.is_ascii_alphanumeric())
        })
        .count();
    let mut sizes = Vec::new();
    for at in find_all(pdf, b"/MediaBox") {
        let rest = &pdf[at + 9..pdf.len().min(at + 9 + 200)];
        let (Some(open), Some(close)) = (rest.iter().position(|&b| b == b'['), rest.iter().position(|&b| b == b']')) else { continue };
        if close < open {
            continue;
        }
        let numbers: Vec<f64> = String::from_utf8_lossy(&rest[open + 1..close]).split_whitespace().filter_map(|n| n.parse().ok()).collect();
        if let [x0, y0, x1, y1] = numbers[..] {
            sizes.push(((x1 - x0).abs(), (y1 - y0).abs()));
        }
    }
    // A box on the page tree rather than on each page would make the sizes and the pages disagree.
    let sizes = (count > 0 && sizes.len() == count).then_some(sizes);
    (count, sizes)
}

/// Every position where `needle` starts in `haystack`.
fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    haystack.windows(needle.len()).enumerate().filter(move |(_, w)| *w == needle).map(|(i, _)| i)
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
    fn pages_and_their_sizes_are_read_from_the_pdf() {
        let pdf = b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>>\n2 0 obj <</Type /Page /MediaBox [0 0 858.8976 1207.5591]>>\n3 0 obj <</Type/Page\n/MediaBox [0 0 612 792]>>";
        assert_eq!(pdf_pages(pdf), (2, Some(vec![(858.8976, 1207.5591), (612.0, 792.0)])));
        // A box inherited from the page tree: the pages are counted, their sizes not guessed.
        let inherited = b"%PDF-1.4\n1 0 obj <</Type /Pages /MediaBox [0 0 612 792]>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type /Page>>";
        assert_eq!(pdf_pages(inherited), (2, None));
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
