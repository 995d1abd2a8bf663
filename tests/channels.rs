//! Reporting channels and QR codes, built by the real binary: one-tap links on every page, the
//! channels and verification pages, short landing links, and clear errors for bad channels and codes.

mod common;

use common::*;

fn built(scratch: &Scratch) -> std::collections::BTreeMap<String, Vec<u8>> {
    assert_ok(&scratch.build(&[]));
    tree(&scratch.public())
}

fn html_pages(files: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
        .filter(|(_, html)| !html.contains("http-equiv=\"refresh\""))
        .collect()
}

#[test]
fn every_page_offers_the_primary_channels_in_one_tap() {
    let scratch = Scratch::of("channels-site");
    let files = built(&scratch);
    for (path, html) in html_pages(&files) {
        assert!(html.contains("href=\"tel:+861236110110\""), "{path} lacks the hotline tap target");
        assert!(html.contains("href=\"https://www.12337.gov.cn\" rel=\"noreferrer\""), "{path} lacks the national platform");
        assert!(!html.contains("sms:+8613800000000\"><span>"), "{path}: a non-primary channel is not in the header");
    }
}

#[test]
fn channel_pages_short_links_and_the_verify_page() {
    let scratch = Scratch::of("channels-site");
    let files = built(&scratch);
    let public = scratch.public();
    // The channels page lists all three; each channel has a page and a short landing link.
    let list = read(&public, "channels/index.html");
    for value in ["0123-6110110", "138 0000 0000", "www.12337.gov.cn"] {
        assert!(list.contains(value), "channels page lists {value}");
    }
    let landing = read(&public, "q/hotline/index.html");
    assert!(landing.contains("拨打 <strong>0123-6110110</strong>"), "{landing}");
    assert!(landing.contains("rel=\"canonical\" href=\"https://town.example.org/channels/hotline/\""));
    let article = |html: &str| html[html.find("<article>").unwrap()..html.find("</article>").unwrap()].to_string();
    assert_eq!(article(&read(&public, "channels/hotline/index.html")), article(&landing), "the landing page is the channel page, served in one request");
    // The verification page names every number and every QR target the site prints.
    let verify = read(&public, "verify/index.html");
    for target in ["0123-6110110", "https://town.example.org/q/hotline/", "SMSTO:", "https://www.12337.gov.cn", "https://town.example.org/poster-text/"] {
        assert!(verify.contains(target), "verify page lists {target}");
    }
    // Each QR code comes with its human-readable target and a PNG to download.
    let page = read(&public, "poster-text/index.html");
    assert!(page.contains("<span class=\"qr-target\">0123-6110110 · town.example.org/q/hotline</span>"), "{page}");
    assert!(page.contains("width=\"40mm\""), "printed size in millimetres");
    let pngs: Vec<&String> = files.keys().filter(|k| k.starts_with("qr/") && k.ends_with(".png")).collect();
    assert!(pngs.len() >= 4, "one PNG per code: {pngs:?}");
    for png in pngs {
        assert!(
            page.contains(png.as_str()) || files.iter().any(|(p, b)| p.ends_with(".html") && String::from_utf8_lossy(b).contains(png.as_str())),
            "{png} is linked from a page"
        );
    }
}

/// Adds a channel (or page) to the fixture and expects the build to fail with `expected` in stderr.
fn assert_refused(file: &str, text: &str, expected: &[&str]) {
    let scratch = Scratch::of("channels-site");
    scratch.write(file, text);
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    for part in expected {
        assert!(err.contains(part), "expected `{part}` in:\n{err}");
    }
}

#[test]
fn malformed_number_is_located_with_the_forms_that_work() {
    assert_refused(
        "content/channels/bad.md",
        "+++\ntitle = \"坏号码\"\n[channel]\nkind = \"phone\"\nvalue = \"6110-110\"\n+++\n",
        &["`6110-110` is not a phone number", "content/channels/bad.md:5:1", "0123-6110110"],
    );
}

#[test]
fn unknown_kind_and_bad_email_and_duplicate_id() {
    assert_refused(
        "content/channels/bad.md",
        "+++\ntitle = \"x\"\n[channel]\nkind = \"phnoe\"\nvalue = \"110\"\n+++\n",
        &["`phnoe` is not a kind of channel", "bad.md:4:1", "did you mean `phone`?"],
    );
    assert_refused(
        "content/channels/bad.md",
        "+++\ntitle = \"x\"\n[channel]\nkind = \"email\"\nvalue = \"jubao.example.org\"\n+++\n",
        &["is not an email address", "bad.md:5:1"],
    );
    assert_refused(
        "content/channels/again.md",
        "+++\ntitle = \"x\"\n[channel]\nid = \"hotline\"\nkind = \"phone\"\nvalue = \"110\"\n+++\n",
        &["the channel id `hotline` is already used", "again.md", "hotline.md"],
    );
}

#[test]
fn qr_code_too_small_to_scan_says_the_size_that_works() {
    assert_refused("content/tiny.md", "+++\ntitle = \"x\"\n+++\n\n{{ qr(channel=\"hotline\", size_mm=8) }}\n", &["content/tiny.md:5:1", "too small", "mm"]);
}

#[test]
fn overlong_qr_payload_is_refused() {
    let long = "扫黑除恶".repeat(40);
    assert_refused(
        "content/long.md",
        &format!("+++\ntitle = \"x\"\n+++\n{{{{ qr(data=\"{long}\", size_mm=60) }}}}\n"),
        &["content/long.md:4:1", "480 bytes long", "shorten"],
    );
}

#[test]
fn http_web_channel_builds_with_a_warning() {
    let scratch = Scratch::of("channels-site");
    scratch.write("content/channels/old.md", "+++\ntitle = \"旧平台\"\n[channel]\nkind = \"web\"\nvalue = \"http://old.example.org\"\n+++\n");
    let out = scratch.build(&[]);
    assert_ok(&out);
    assert!(stderr(&out).contains("warning: `http://old.example.org` is not encrypted"), "{}", stderr(&out));
}
