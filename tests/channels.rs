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

/// The diagnostics (errors, not warnings) a failed run printed, each as its headline and location.
fn errors_of(out: &std::process::Output) -> Vec<(String, String)> {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(message) = line.strip_prefix("error: ") else { continue };
        if message.starts_with("build failed with") {
            continue;
        }
        let location = lines.get(i + 1).and_then(|l| l.trim().strip_prefix("--> ")).unwrap_or("").to_string();
        found.push((message.to_string(), location));
    }
    found
}

/// A bad channel page, what its one error says, and where it is.
struct Bad {
    file: &'static str,
    text: &'static str,
    says: &'static [&'static str],
    at: &'static str,
}

fn bad_channels() -> Vec<Bad> {
    vec![
        Bad {
            file: "content/channels/hotline.md",
            text: "+++\ntitle = \"举报电话\"\nweight = 1\n[channel]\nkind = \"phone\"\nvalue = \"0123-6110110\"\nprimay = true\n+++\n",
            says: &["unknown key `primay` in [channel]", "did you mean `primary`?"],
            at: "content/channels/hotline.md:7:1",
        },
        Bad {
            file: "content/channels/hotline.md",
            text: "+++\ntitle = \"举报电话\"\n[channel]\nkind = \"phnoe\"\nvalue = \"0123-6110110\"\n+++\n",
            says: &["`phnoe` is not a kind of channel", "did you mean `phone`?"],
            at: "content/channels/hotline.md:4:1",
        },
        Bad {
            file: "content/channels/hotline.md",
            text: "+++\ntitle = \"举报电话\"\n[channel]\nkind = \"phone\"\nvalue = \"0123-6110110\"\nqr = \"drect\"\n+++\n",
            says: &["`qr = \"drect\"` is not a choice", "did you mean `direct`?"],
            at: "content/channels/hotline.md:6:1",
        },
        Bad {
            file: "content/channels/hotline.md",
            text: "+++\ntitle = \"举报电话\"\n[extra]\nvalue = 1\n[channel]\nkind = \"phone\"\n  value = \"1233\"\n+++\n",
            says: &["`1233` is not a known service number", "did you mean 12337 (扫黑除恶举报)?", "service_numbers"],
            at: "content/channels/hotline.md:7:3",
        },
        Bad {
            file: "content/channels/hotline.md",
            text: "+++\ntitle = \"举报电话\"\n[channel]\nkind = \"phone\"\nvalue = \"0123-61101101\"\n+++\n",
            says: &["`0123-61101101` cannot be a landline", "+86 12361101101"],
            at: "content/channels/hotline.md:5:1",
        },
        Bad {
            file: "content/channels/platform.md",
            text: "+++\ntitle = \"平台\"\n[channel]\nid = \"12337\"\nkind = \"web\"\nvalue = \"https://www.12337.gov.cn@evil.example.com/\"\nqr = \"direct\"\n+++\n",
            says: &["has a user name before `@`", "leads to `evil.example.com`"],
            at: "content/channels/platform.md:6:1",
        },
        Bad {
            file: "content/channels/platform.md",
            text: "+++\ntitle = \"平台\"\n[channel]\nid = \"12337\"\nkind = \"web\"\nvalue = \"https://www.12337.gov.cn\"\nurl = \"https://evil.example.com/\"\n+++\n",
            says: &["`url` would make it lead somewhere else"],
            at: "content/channels/platform.md:7:1",
        },
        Bad {
            file: "content/channels/platform.md",
            text: "+++\ntitle = \"平台\"\n[channel]\nid = \"12337\"\nkind = \"web\"\nvalue = \"https://www.12337 .gov.cn\"\n+++\n",
            says: &["contains a space"],
            at: "content/channels/platform.md:6:1",
        },
        Bad {
            file: "content/channels/mobile.md",
            text: "---\ntitle: 短信\nchannel:\n  id: sms\n  kind: sms\n  value: \"0123-6110110\"\n---\n",
            says: &["is a landline, which cannot receive text messages"],
            at: "content/channels/mobile.md:6:3",
        },
        Bad {
            file: "content/channels/post.md",
            text: "+++\ntitle = \"信件\"\n[channel]\nkind = \"post\"\nvalue = \"青禾镇人民政府\"\npostcode = \"12345\"\n+++\n",
            says: &["`12345` is not a postal code"],
            at: "content/channels/post.md:6:1",
        },
        Bad {
            file: "content/channels/post.md",
            text: "+++\ntitle = \"信件\"\n[channel]\nkind = \"post\"\n+++\n",
            says: &["the [channel] table has no `value`"],
            at: "content/channels/post.md:3:1",
        },
        Bad {
            file: "content/channels/box.md",
            text: "+++\ntitle = \"举报箱\"\n[channel]\nkind = \"box\"\nvalue = \"镇政府门口\"\nqr = \"direct\"\n+++\n",
            says: &["a `box` channel has no direct QR payload"],
            at: "content/channels/box.md:6:1",
        },
    ]
}

/// One error per bad channel, at its line, and none from the page whose QR code and channel list
/// name the channel (content/poster-text.md shows `qr(channel="hotline")`), with `build` and `check`.
#[test]
fn a_bad_channel_is_one_error_at_its_line() {
    for bad in bad_channels() {
        let scratch = Scratch::of("channels-site");
        scratch.write(bad.file, bad.text);
        let out = scratch.build(&[]);
        assert_clean_failure(&out);
        let errors = errors_of(&out);
        assert_eq!(errors.len(), 1, "{}: exactly one error:\n{}", bad.file, stderr(&out));
        let (message, location) = &errors[0];
        assert!(location.ends_with(bad.at), "{message}: at `{location}`, expected {}", bad.at);
        let err = stderr(&out);
        for part in bad.says {
            assert!(err.contains(part), "expected `{part}` in:\n{err}");
        }
        let check = placard().arg("check").arg("--root").arg(scratch.site()).output().unwrap();
        assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
        let check_errors = errors_of(&check);
        assert_eq!(check_errors.len(), 1, "check: {}: exactly one error:\n{}{}", bad.file, stdout(&check), stderr(&check));
        assert_eq!(&check_errors[0], &errors[0]);
    }
}

#[test]
fn emergency_numbers_and_own_labels_reach_the_templates() {
    let scratch = Scratch::of("channels-site");
    scratch.write("content/channels/police.md", "+++\ntitle = \"报警\"\nweight = 4\n[channel]\nid = \"110\"\nkind = \"phone\"\nvalue = \"110\"\n+++\n");
    scratch.write(
        "content/channels/village.md",
        "+++\ntitle = \"东湾村\"\nweight = 5\n[channel]\nid = \"dongwan\"\nkind = \"phone\"\nvalue = \"0123-6110202\"\nlabel = \"东湾村举报电话\"\nanswered_by = \"东湾村委会\"\n+++\n",
    );
    scratch.write(
        "templates/shortcodes/channel_fields.html",
        "{% set c = get_channel(id=id) %}<p class=\"f\">{{ c.label }}|{{ c.kind_label }}|{{ c.emergency }}|{{ c.answered_by | default(value=\"\") }}|{{ c.display }}|{{ c.href }}</p>",
    );
    scratch.write(
        "content/fields.md",
        "+++\ntitle = \"x\"\n+++\n{{ channel_fields(id=\"110\") }}\n\n{{ channel_fields(id=\"dongwan\") }}\n\n{{ channel_fields(id=\"hotline\") }}\n",
    );
    assert_ok(&scratch.build(&[]));
    let page = read(&scratch.public(), "fields/index.html");
    assert!(page.contains("<p class=\"f\">报警电话|报警电话|true||110|tel:110</p>"), "{page}");
    assert!(page.contains("<p class=\"f\">东湾村举报电话|举报电话|false|东湾村委会|0123-6110202|tel:+861236110202</p>"), "{page}");
    assert!(page.contains("<p class=\"f\">举报电话|举报电话|false||0123-6110110|tel:+861236110110</p>"), "{page}");
}

#[test]
fn a_site_lists_its_own_service_numbers() {
    let scratch = Scratch::of("channels-site");
    let channel = "+++\ntitle = \"县反诈专线\"\n[channel]\nid = \"fanzha\"\nkind = \"phone\"\nvalue = \"96111\"\n+++\n";
    scratch.write("content/channels/fanzha.md", channel);
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("`96111` is not a known service number"), "{}", stderr(&out));
    let config = std::fs::read_to_string(scratch.site().join("config.toml")).unwrap();
    scratch.write("config.toml", &config.replace("[extra]", "[channels]\nservice_numbers = [\"96111\"]\n\n[extra]"));
    assert_ok(&scratch.build(&[]));
    assert!(read(&scratch.public(), "channels/index.html").contains("96111"));
}

#[test]
fn the_number_printed_beside_a_code_is_the_one_it_dials() {
    let scratch = Scratch::of("channels-site");
    scratch.write(
        "content/channels/hotline.md",
        "+++\ntitle = \"举报电话\"\nweight = 1\n[channel]\nkind = \"phone\"\nvalue = \"0755-23456789\"\nqr = \"direct\"\nprimary = true\n+++\n",
    );
    scratch.write("content/dial.md", "+++\ntitle = \"x\"\n+++\n{{ qr(channel=\"hotline\", size_mm=40) }}\n\n{{ qr(data=\"tel:0123 6110110\", size_mm=30) }}\n");
    assert_ok(&scratch.build(&[]));
    let page = read(&scratch.public(), "dial/index.html");
    assert!(page.contains("data-payload=\"tel:+8675523456789\""), "{page}");
    assert!(page.contains("<span class=\"qr-target\">0755-23456789</span>"), "{page}");
    assert!(page.contains("data-payload=\"tel:+861236110110\""), "{page}");
    assert!(page.contains("<span class=\"qr-target\">0123-6110110</span>"), "{page}");
    // A hand-written number that cannot be dialled is refused where it is written.
    scratch.write("content/dial.md", "+++\ntitle = \"x\"\n+++\n{{ qr(data=\"tel:1233\", size_mm=30) }}\n");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("content/dial.md:4:1") && stderr(&out).contains("did you mean 12337"), "{}", stderr(&out));
}

/// A file of static/ in the place of a generated QR image is caught by decoding what is published.
#[test]
fn a_static_file_that_replaces_a_generated_qr_image_fails_the_build() {
    let scratch = Scratch::of("channels-site");
    assert_ok(&scratch.build(&[]));
    let pngs: Vec<String> = tree(&scratch.public()).into_keys().filter(|k| k.starts_with("qr/") && k.ends_with(".png")).collect();
    let evil = placard::qr::QrCode::new("https://evil.example.com/", 40.0).unwrap();
    let target = &pngs[0];
    scratch.write(&format!("static/{target}"), "");
    std::fs::write(scratch.site().join("static").join(target), evil.png(8)).unwrap();
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let errors = errors_of(&out);
    assert_eq!(errors.len(), 1, "{}", stderr(&out));
    // The clash of two sources for one path is caught first, naming both; decoding what is
    // published is the second line of defence.
    assert!(errors[0].0.contains(&format!("`/{target}` is written twice")) && errors[0].0.contains("a static file"), "{errors:?}");
}

/// What callers (posters, letters, units, shortcodes) use to stay silent about a channel that has
/// its own error: `campaign.channels.is_rejected(id)`, also for a page whose front matter does not parse.
#[test]
fn rejected_channels_are_known_to_callers() {
    let scratch = Scratch::of("channels-site");
    scratch.write("content/channels/hotline.md", "+++\ntitle = \"x\"\n[channel]\nkind = \"phone\"\nvalue = \"1233\"\n+++\n");
    scratch.write("content/channels/mobile.md", "+++\ntitle = \"短信\n[channel]\nid = \"sms\"\nkind = \"sms\"\n+++\n");
    let mut warnings = placard::error::Errors::default();
    let config = placard::config::Config::load(&scratch.site(), &mut warnings).unwrap();
    let options = placard::content::LoadOptions { drafts: false, today: placard::site::today() };
    let (_, campaign, errors) = placard::campaign::load_partial(&scratch.site(), &config, &options).unwrap();
    assert_eq!(errors.error_count(), 2, "{errors:?}");
    assert!(campaign.channels.is_rejected("hotline"), "a channel that failed its checks");
    assert!(campaign.channels.is_rejected("sms"), "a channel page that does not parse, by its written id");
    assert!(!campaign.channels.is_rejected("12337") && campaign.channels.get("12337").is_some());
    assert!(!campaign.channels.is_rejected("nothing"));
    assert_eq!(campaign.channels.rejected().collect::<Vec<_>>(), ["hotline", "sms"]);
}

#[test]
fn channels_speak_each_language_and_fall_back_only_when_asked() {
    let site = Scratch::of("bilingual-site");
    site.write(
        "content/about.en.md",
        "+++\ntitle = \"About\"\n+++\n\nlabel: {{ contact(id=\"hotline\", show=\"label\") }}; hours: {{ contact(id=\"hotline\", show=\"hours\") }}; number: {{ contact(id=\"hotline\") }}; box: {{ contact(id=\"box\", show=\"label\", lang=\"zh-CN\") }}\n",
    );
    let out = site.build(&[]);
    assert_ok(&out);
    let about = read(&site.public(), "en/about/index.html");
    assert!(about.contains("label: Reporting hotline; hours: 24 hours;"), "{about}");
    assert!(about.contains(">0123-6110110</a>"), "the number is the channel's own: {about}");
    // The channel's translation page shows the channel in its language.
    let page = read(&site.public(), "en/channels/hotline/index.html");
    assert!(page.contains("Reporting hotline"), "{page}");
    // A channel without words in a language is an error unless the page asks for the fallback.
    site.write("content/about.ug.md", "+++\ntitle = \"x\"\n+++\n\n{{ contact(id=\"hotline\", show=\"label\") }}\n");
    let out = site.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("the channel `hotline` has no ug translation"), "{}", stderr(&out));
    site.write("content/about.ug.md", "+++\ntitle = \"x\"\n+++\n\n{{ contact(id=\"hotline\", show=\"label\", fallback=true) }}\n");
    let out = site.build(&[]);
    assert_ok(&out);
    let ug = read(&site.public(), "ug/about/index.html");
    let body = ug.split("<article>").nth(1).unwrap_or_default();
    assert!(body.contains("举报电话"), "the default language's label, as asked: {ug}");
}
