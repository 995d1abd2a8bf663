//! QR codes read by real tools, the way residents' phones would: the PNG decoded by zbar's
//! `zbarimg` (a decoder independent of both our encoder and rqrr, with its own text-encoding
//! handling, so UTF-8 Chinese must come out as the same Chinese), and the SVG drawn by headless
//! Chromium at its real millimetre size, screenshotted and decoded by `zbarimg` too.
//! (zbar, like rqrr, returns Kanji-mode segments as raw bytes, so it cannot see the Kanji-mode
//! hazard; the unit test `chinese_text_is_byte_mode_not_kanji` in src/qr.rs guards that.)
//! Skips when a tool is missing, unless PLACARD_REQUIRE_TOOLS=1 (as CI sets), which makes it a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use placard::qr::{mecard_payload, sms_payload, tel_payload, QrCode};

mod common;
use common::{on_path, require_tool};

/// The payloads residents meet: a campaign link, the township's landline, the national 12337
/// line, an SMS, a contact card with a Chinese name, and plain Chinese text.
fn payloads() -> Vec<String> {
    vec![
        "https://qinghe.example.gov.cn/q/hotline/".to_string(),
        tel_payload("0123-6110110"),
        tel_payload("12337"),
        sms_payload("12337", Some("举报线索：青禾镇")),
        mecard_payload("青禾镇扫黑办", Some("0123-6110110"), Some("jubao@qinghe.example.gov.cn"), Some("青禾镇人民路1号")),
        "青禾镇扫黑除恶举报电话：0123-6110110，全国12337。举报人信息严格保密。".to_string(),
    ]
}

/// Decodes every QR code in `image` with `zbarimg --raw`, one text per symbol.
fn zbar_decode(zbarimg: &Path, image: &Path) -> Vec<String> {
    let output = Command::new(zbarimg).args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(image).output().expect("run zbarimg");
    assert!(
        output.status.success(),
        "zbarimg found no QR code in {} (exit {:?}): {}",
        image.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("zbarimg prints UTF-8");
    // --raw ends each symbol with a newline; none of our payloads contains one.
    text.lines().map(str::to_string).collect()
}

#[test]
fn zbarimg_reads_every_png_as_its_exact_payload() {
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let dir = tempfile::tempdir().unwrap();
    for payload in payloads() {
        let code = QrCode::new(&payload, 40.0).unwrap_or_else(|e| panic!("{payload}: {e}"));
        let path = dir.path().join(code.file_name());
        std::fs::write(&path, code.png(6)).unwrap();
        assert_eq!(zbar_decode(&zbarimg, &path), [payload.as_str()], "version {} level {}", code.version, code.ec);
    }
}

#[test]
fn chromium_draws_the_svg_at_print_size_and_zbarimg_reads_it() {
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = "https://qinghe.example.gov.cn/q/hotline/".to_string();
    let mecard = payloads()[4].clone();

    // A standalone .svg file (checks it is a valid SVG document on its own), and the SVG inline in
    // an HTML page, as the site uses it. 40 mm is about 151 CSS px: roughly 4 px per module, not a
    // whole number, which is what a phone screen shows.
    for (i, payload) in [url.clone(), mecard].into_iter().enumerate() {
        let code = QrCode::new(&payload, 40.0).unwrap();
        let svg = dir.path().join(format!("code-{i}.svg"));
        std::fs::write(&svg, code.svg("举报二维码")).unwrap();
        let shot = screenshot(&chromium, dir.path(), &svg, &format!("svg-{i}"));
        assert_eq!(zbar_decode(&zbarimg, &shot), [payload.as_str()], "standalone SVG");
        // It is drawn at its millimetre size: the dark modules span `modules` of the
        // `modules + 8` module widths of 40 mm (96 CSS px per inch).
        let expected = 40.0 / 25.4 * 96.0 * code.modules as f64 / (code.modules + 8) as f64;
        let width = dark_width(&shot);
        assert!((width as f64 - expected).abs() <= 2.0, "dark area is {width} px wide, expected about {expected:.1} px");
    }

    let code = QrCode::new(&url, 40.0).unwrap();
    let html = dir.path().join("page.html");
    std::fs::write(&html, format!("<!doctype html><meta charset=\"utf-8\"><body style=\"margin:20px;background:#fff\">{}</body>", code.svg("扫码举报")))
        .unwrap();
    let shot = screenshot(&chromium, dir.path(), &html, "html");
    assert_eq!(zbar_decode(&zbarimg, &shot), [url], "SVG inline in HTML");
}

/// Width in pixels of the dark area of a screenshot (from the leftmost to the rightmost dark pixel).
fn dark_width(png: &Path) -> u32 {
    let image = image::open(png).unwrap().to_luma8();
    let dark_xs: Vec<u32> = image.enumerate_pixels().filter(|(_, _, p)| p[0] < 128).map(|(x, _, _)| x).collect();
    assert!(!dark_xs.is_empty(), "{} is blank", png.display());
    dark_xs.iter().max().unwrap() - dark_xs.iter().min().unwrap() + 1
}

/// Screenshots `file` in a 400×400 headless Chromium window and returns the PNG path.
fn screenshot(chromium: &Path, dir: &Path, file: &Path, name: &str) -> PathBuf {
    let png = dir.join(format!("{name}.png"));
    let profile = dir.join(format!("profile-{name}"));
    // Chromium's log goes to a file: an unread pipe could fill up and stall it.
    let log_path = dir.join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(chromium)
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
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed ({status}): {}", std::fs::read_to_string(&log_path).unwrap_or_default());
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish the screenshot of {} in 90 s", file.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(png.is_file(), "chromium wrote no screenshot for {}", file.display());
    png
}
