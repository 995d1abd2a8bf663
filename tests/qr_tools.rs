//! QR codes read by real tools, the way residents' phones would: the PNG decoded by zbar's
//! `zbarimg` and by ZXing (`zxingcpp` from Python, the decoder family of most phone scanners), both
//! independent of our encoder and of rqrr and both honouring the ECI designator, so UTF-8 Chinese
//! must come out as the same Chinese; and the SVG drawn by headless Chromium at its real
//! millimetre size, screenshotted and decoded by `zbarimg` too.
//! (zbar, like rqrr, returns Kanji-mode segments as raw bytes, so it cannot see the Kanji-mode
//! hazard; the unit test `chinese_text_is_byte_mode_not_kanji` in src/qr.rs guards that.)
//! Skips when a tool is missing, unless PLACARD_REQUIRE_TOOLS=1 (as CI sets), which makes it a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use placard::phone::PhoneNumber;
use placard::qr::{mecard_payload, sms_payload, tel_payload, QrCode};

mod common;
use common::{assert_ok, on_path, read, require_tool, Scratch};

fn num(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text, &[]).unwrap()
}

/// The payloads residents meet: a campaign link, the township's landline, the national 12337
/// line, an SMS, a contact card with a Chinese name, and plain Chinese text.
fn payloads() -> Vec<String> {
    vec![
        "https://qinghe.example.gov.cn/q/hotline/".to_string(),
        tel_payload(&num("0123-6110110")),
        tel_payload(&num("12337")),
        sms_payload(&num("12337"), Some("举报线索：青禾镇")),
        mecard_payload("青禾镇扫黑办", Some(&num("0123-6110110")), Some("jubao@qinghe.example.gov.cn"), Some("青禾镇人民路1号")),
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
#[ignore = "needs zbarimg (run by .ci/run with --include-ignored)"]
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

/// `python3` when it can import `zxingcpp`.
fn python_zxing() -> Option<PathBuf> {
    let python = on_path("python3")?;
    let ok = Command::new(&python).args(["-c", "import zxingcpp"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    ok.then_some(python)
}

/// Decodes every QR code in the PNG at `image` with ZXing: per code, the text as a scanner shows
/// it, and the text in ZXing's ECI mode, which starts `]Q2\000026` when the symbol says its bytes
/// are UTF-8 (ECI 26) and `]Q1` when it carries no designator.
fn zxing_decode(python: &Path, image: &Path) -> Vec<(String, String)> {
    let luma = image::open(image).unwrap().to_luma8();
    let raw = image.with_extension("gray");
    std::fs::write(&raw, luma.as_raw()).unwrap();
    let script = "import sys, zxingcpp\n\
        w, h = int(sys.argv[2]), int(sys.argv[3])\n\
        img = memoryview(bytearray(open(sys.argv[1], 'rb').read())).cast('B', shape=[h, w])\n\
        shown = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)\n\
        eci = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.ECI)\n\
        for b, e in zip(shown, eci):\n    \
            sys.stdout.buffer.write((b.text + '\\t' + e.text + '\\n').encode('utf-8'))\n";
    let output =
        Command::new(python).args(["-c", script]).arg(&raw).arg(luma.width().to_string()).arg(luma.height().to_string()).output().expect("run python3");
    assert!(output.status.success(), "zxingcpp failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("zxingcpp prints UTF-8");
    text.lines().map(|l| l.split_once('\t').map(|(t, id)| (t.to_string(), id.to_string())).unwrap()).collect()
}

/// Chinese text, and web addresses with Chinese slugs as the site's permalinks may have, with what
/// every reader must decode them to: the text itself, and the address in plain ASCII.
fn non_ascii() -> Vec<(&'static str, &'static str)> {
    vec![
        ("青禾镇扫黑除恶举报电话：0123-6110110。举报人信息严格保密。", "青禾镇扫黑除恶举报电话：0123-6110110。举报人信息严格保密。"),
        // Short Chinese text is what a Shift JIS guess turns into Japanese mojibake.
        ("扫黑办", "扫黑办"),
        ("https://qinghe.example.gov.cn/policies/举报人保护/", "https://qinghe.example.gov.cn/policies/%E4%B8%BE%E6%8A%A5%E4%BA%BA%E4%BF%9D%E6%8A%A4/"),
        (
            "https://qinghe.example.gov.cn/tags/扫黑除恶/?from=海报#举报",
            "https://qinghe.example.gov.cn/tags/%E6%89%AB%E9%BB%91%E9%99%A4%E6%81%B6/?from=%E6%B5%B7%E6%8A%A5#%E4%B8%BE%E6%8A%A5",
        ),
    ]
}

#[test]
#[ignore = "needs zbarimg, zxingcpp (run by .ci/run with --include-ignored)"]
fn chinese_text_and_chinese_slugs_decode_the_same_in_zbar_and_zxing() {
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let Some(python) = require_tool("zxingcpp", python_zxing()) else { return };
    let dir = tempfile::tempdir().unwrap();
    for (input, expected) in non_ascii() {
        let code = QrCode::new(input, 40.0).unwrap_or_else(|e| panic!("{input}: {e}"));
        let path = dir.path().join(code.file_name());
        std::fs::write(&path, code.png(6)).unwrap();
        assert_eq!(zbar_decode(&zbarimg, &path), [expected], "zbarimg, {input}");
        let read = zxing_decode(&python, &path);
        assert_eq!(read.len(), 1, "zxing, {input}: {read:?}");
        assert_eq!(read[0].0, expected, "zxing, {input}");
        // Text that is not ASCII says it is UTF-8 (ECI 26); web addresses are plain ASCII.
        if !expected.is_ascii() {
            assert_eq!(read[0].1, format!("]Q2\\000026{expected}"), "zxing in ECI mode, {input}");
        }
    }
}

#[test]
#[ignore = "needs zbarimg, zxingcpp (run by .ci/run with --include-ignored)"]
fn published_codes_of_a_built_site_decode_in_zbar_and_zxing() {
    let Some(zbarimg) = require_tool("zbarimg", on_path("zbarimg")) else { return };
    let Some(python) = require_tool("zxingcpp", python_zxing()) else { return };
    let scratch = Scratch::of("channels-site");
    let body: String = non_ascii().iter().map(|(input, _)| format!("{{{{ qr(data=\"{input}\", size_mm=40) }}}}\n\n")).collect();
    scratch.write("content/codes.md", &format!("+++\ntitle = \"二维码\"\n+++\n{body}"));
    assert_ok(&scratch.build(&[]));
    let page = read(&scratch.public(), "codes/index.html");
    let pngs: Vec<&str> = page.split("class=\"qr-download\" href=\"https://town.example.org/").skip(1).map(|r| r.split('"').next().unwrap()).collect();
    assert_eq!(pngs.len(), non_ascii().len(), "one download per code");
    for (png, (input, expected)) in pngs.iter().zip(non_ascii()) {
        let path = scratch.public().join(png);
        assert_eq!(zbar_decode(&zbarimg, &path), [expected], "zbarimg, {png} for {input}");
        assert_eq!(zxing_decode(&python, &path).into_iter().map(|(t, _)| t).collect::<Vec<_>>(), [expected], "zxing, {png} for {input}");
    }
}

#[test]
#[ignore = "needs zbarimg, chromium (run by .ci/run with --include-ignored)"]
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
