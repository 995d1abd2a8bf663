//! What a resident scans or reads must be true: landing pages show what the paper promises, every
//! number comes from one channel, no output path has two sources, and print material stays off the
//! website. Each test runs the real binary on a copy of the example site or a small fixture.

mod common;

use common::*;

/// The example's hotline as its channel page defines it.
const HOTLINE: &str = "0123-6110110";

#[test]
fn a_unit_landing_page_shows_the_units_own_channels_first() {
    let scratch = Scratch::example();
    assert_ok(&scratch.build(&[]));
    for unit in std::fs::read_dir(scratch.site().join("content/units")).unwrap() {
        let file = unit.unwrap().path();
        let text = std::fs::read_to_string(&file).unwrap();
        let Some(id) = text.lines().find_map(|l| l.strip_prefix("id = \"").and_then(|r| r.strip_suffix('"'))) else { continue };
        let channels: Vec<&str> = text
            .lines()
            .find_map(|l| l.strip_prefix("channels = ["))
            .map(|l| l.trim_end_matches(']').split(',').map(|c| c.trim().trim_matches('"')).filter(|c| !c.is_empty()).collect())
            .unwrap_or_default();
        assert!(!channels.is_empty(), "{} has own channels", file.display());
        let page = read(&scratch.public(), &format!("q/{id}/index.html"));
        // The primary channels are also in every page's header; what counts is the unit's section.
        let landing = &page[page.find("class=\"unit-channels\"").unwrap_or_else(|| panic!("/q/{id}/ has a channel section"))..];
        let hotline_at = landing.find(HOTLINE).unwrap_or_else(|| panic!("/q/{id}/ shows the town hotline"));
        for channel in channels {
            let source = read(&scratch.site(), &format!("content/channels/{channel}.md"));
            let value = source.lines().find_map(|l| l.strip_prefix("value = \"").and_then(|r| r.strip_suffix('"'))).unwrap();
            let at = landing.find(value).unwrap_or_else(|| panic!("/q/{id}/ shows its own channel {channel} ({value})"));
            assert!(at < hotline_at, "/q/{id}/ lists its own channel {channel} before the town's");
            if value.starts_with("0123-") {
                let dial = format!("tel:+86{}", value.trim_start_matches('0').replace('-', ""));
                assert!(landing.contains(&dial), "/q/{id}/ has a tap-to-call link {dial}");
            }
        }
    }
}

#[test]
fn a_stale_number_is_found_in_every_file_that_still_has_it() {
    let scratch = Scratch::example();
    assert_ok(&scratch.check());
    // The office changes the hotline, but two pages and a template still carry the old number.
    let channel = read(&scratch.site(), "content/channels/hotline.md").replace(HOTLINE, "0123-6110119");
    scratch.write("content/channels/hotline.md", &channel);
    scratch.append("content/about.md", "\n夜间请拨 0123-6110110 留言。\n");
    scratch.append("content/news/jincun-ruhu.md", "\n举报电话：0123 6110110\n");
    scratch.append("themes/default/templates/404.html", "\n<p>热线 01236110110</p>\n");
    let checked = scratch.check();
    let err = stderr(&checked);
    assert_clean_failure(&checked);
    for file in ["content/about.md", "content/news/jincun-ruhu.md", "themes/default/templates/404.html"] {
        assert!(err.contains(&format!("--> {file}:")), "names {file}:\n{err}");
    }
    assert!(err.contains("looks like the channel `hotline`"), "says which channel it looks like:\n{err}");
    // The build itself is not blocked by prose (it cannot know which number is right), but check is.
    assert_eq!(err.matches("is not a channel of this site").count(), 3, "{err}");
}

#[test]
fn deliberate_exceptions_are_listed_in_the_config() {
    let scratch = Scratch::example();
    scratch.append("content/about.md", "\n市民热线 12345，参考 https://www.gov.cn/zhengce/ 。\n");
    let err = stderr(&scratch.check());
    assert!(err.contains("`12345` is not a channel") && err.contains("`https://www.gov.cn/zhengce/`"), "{err}");
    scratch.append("config.toml", "\n[check]\nallowed_contacts = [\"12345\", \"https://www.gov.cn/\"]\n");
    let checked = scratch.check();
    assert_ok(&checked);
}

#[test]
fn print_material_never_reaches_the_website() {
    let scratch = Scratch::example();
    // A letter with a seal, as a page bundle.
    let letter = read(&scratch.site(), "content/letters/zhi-jumin.md");
    std::fs::remove_file(scratch.site().join("content/letters/zhi-jumin.md")).unwrap();
    let letter = letter.replacen("[letter]\n", "[letter]\nseal = \"seal-公章.png\"\n", 1);
    scratch.write("content/letters/zhi-jumin/index.md", &letter);
    // Its English edition's text moves into the bundle with it.
    let english = read(&scratch.site(), "content/letters/zhi-jumin.en.md");
    std::fs::remove_file(scratch.site().join("content/letters/zhi-jumin.en.md")).unwrap();
    scratch.write("content/letters/zhi-jumin/index.en.md", &english);
    let seal = b"\x89PNG\r\n\x1a\nnot really a seal but unique bytes 7f3c";
    std::fs::write(scratch.site().join("content/letters/zhi-jumin/seal-公章.png"), seal).unwrap();
    assert_ok(&scratch.build(&[]));
    let public = tree(&scratch.public());
    for (path, bytes) in &public {
        assert!(bytes.windows(seal.len()).all(|w| w != seal), "the seal is published as {path}");
        assert!(!path.starts_with("print/"), "print material published: {path}");
        assert!(!path.ends_with("order.csv"), "the order sheet is published: {path}");
        assert!(!path.starts_with("letters/") && !path.starts_with("posters/"), "print sources published: {path}");
    }
    for (path, bytes) in public.iter().filter(|(p, _)| p.ends_with(".html") || p.ends_with(".xml")) {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("seal-公章") && !text.contains("/letters/zhi-jumin/"), "{path} links to print material");
    }
}

#[test]
fn build_never_touches_the_print_folder() {
    let scratch = Scratch::example();
    let print = scratch.site().join("print");
    std::fs::create_dir_all(print.join("posters")).unwrap();
    std::fs::write(print.join("posters/market-a3.pdf"), b"%PDF exported earlier").unwrap();
    assert_ok(&scratch.build(&[]));
    // Also when the website goes to the default public/ inside the site folder.
    assert_ok(&placard().arg("build").arg("--root").arg(scratch.site()).output().unwrap());
    assert_eq!(std::fs::read(print.join("posters/market-a3.pdf")).unwrap(), b"%PDF exported earlier");
}

#[test]
fn a_path_written_by_two_sources_is_an_error_naming_both() {
    let cases: [(&str, &str, &str); 4] = [
        ("static/q/hotline/index.html", "<p>替换的落地页</p>", "static/q/hotline/index.html"),
        ("content/about.md", "", "the alias `/q/hotline/index.html`"),
        ("static/verify/index.html", "<p>假的核验页</p>", "the verification page"),
        ("static/atom.xml", "<feed/>", "the feeds"),
    ];
    for (file, text, names) in cases {
        let scratch = Scratch::example();
        let before = {
            assert_ok(&scratch.build(&[]));
            tree(&scratch.public())
        };
        if file == "content/about.md" {
            let about = read(&scratch.site(), file).replacen("+++\n", "+++\naliases = [\"q/hotline/index.html\"]\n", 1);
            scratch.write(file, &about);
        } else {
            scratch.write(file, text);
        }
        let built = scratch.build(&[]);
        assert_clean_failure(&built);
        let err = stderr(&built);
        assert!(err.contains("is written twice") && err.contains(names), "{file}:\n{err}");
        assert_eq!(err.matches("is written twice").count(), 1, "one error per clash:\n{err}");
        assert_eq!(tree(&scratch.public()), before, "the previous output is untouched");
    }
}

#[test]
fn a_site_static_file_may_still_replace_the_themes() {
    let scratch = Scratch::example();
    scratch.write("static/style.css", "body{color:#000}");
    assert_ok(&scratch.build(&[]));
    assert_eq!(read(&scratch.public(), "style.css"), "body{color:#000}");
}

#[test]
fn the_base_url_must_be_a_real_web_address() {
    let scratch = Scratch::example();
    for bad in [
        "qinghe.example.gov.cn",
        "javascript:alert(1)",
        "https://qinghe.example.gov.cn\"><script>",
        "https://a b.cn",
        "https://www.12337.gov.cn@evil.example.com",
    ] {
        let built = scratch.build(&["--base-url", bad]);
        assert_clean_failure(&built);
        assert!(stderr(&built).contains("--base-url is not usable"), "{bad}: {}", stderr(&built));
        let config = read(&scratch.site(), "config.toml");
        let changed = config.replacen("base_url = \"https://qinghe.example.gov.cn\"", &format!("base_url = {}", toml_string(bad)), 1);
        scratch.write("config.toml", &changed);
        let built = scratch.build(&[]);
        assert_clean_failure(&built);
        assert!(stderr(&built).contains("config.toml:1:1") && stderr(&built).contains("`base_url` is not usable"), "{bad}: {}", stderr(&built));
        scratch.write("config.toml", &config);
    }
}

#[test]
fn print_refuses_a_base_url_that_only_works_here() {
    let scratch = Scratch::example();
    let printed =
        placard().arg("print").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public()).env("PATH", "/nonexistent").output().unwrap();
    // With a public base URL the sheets are written even before Chromium is looked for.
    assert!(scratch.site().join("print/posters/market-a3/dongwan/index.html").is_file(), "{}", stderr(&printed));
    let config = read(&scratch.site(), "config.toml").replacen("https://qinghe.example.gov.cn", "http://192.168.1.20:8080", 1);
    scratch.write("config.toml", &config);
    let printed = placard().arg("print").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public()).output().unwrap();
    assert_clean_failure(&printed);
    assert!(stderr(&printed).contains("--allow-local-base-url"), "{}", stderr(&printed));
}

#[test]
fn a_preview_sheet_says_it_is_a_preview() {
    let scratch = Scratch::example();
    let config = read(&scratch.site(), "config.toml").replacen("https://qinghe.example.gov.cn", "http://127.0.0.1:1111", 1);
    scratch.write("config.toml", &config);
    let printed = placard()
        .arg("print")
        .arg("--root")
        .arg(scratch.site())
        .arg("--output-dir")
        .arg(scratch.public())
        .arg("--allow-local-base-url")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let sheet = read(&scratch.site().join("print"), "posters/market-a3/dongwan/index.html");
    assert!(sheet.contains("预览稿"), "{}\n{sheet}", stderr(&printed));
    let config = read(&scratch.site(), "config.toml").replacen("http://127.0.0.1:1111", "https://qinghe.example.gov.cn", 1);
    scratch.write("config.toml", &config);
    let _ = placard().arg("print").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public()).env("PATH", "/nonexistent").output().unwrap();
    let sheet = read(&scratch.site().join("print"), "posters/market-a3/dongwan/index.html");
    assert!(!sheet.contains("预览稿"), "a real sheet has no preview mark");
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn errors_after_a_summary_marker_keep_their_line_and_column() {
    let scratch = Scratch::example();
    scratch.write(
        "content/news/marker.md",
        "+++\ntitle = \"测试\"\ndate = 2026-05-01\n+++\n\n第一段。\n\n<!-- more -->\n\n第二段。\n\n详见[这里](@/不存在.md)。\n",
    );
    let built = scratch.build(&[]);
    assert_clean_failure(&built);
    assert!(stderr(&built).contains("--> content/news/marker.md:12:3"), "{}", stderr(&built));
    let checked = scratch.check();
    assert!(stderr(&checked).contains("content/news/marker.md:12:3"), "{}", stderr(&checked));
}

#[test]
fn every_printed_variant_has_a_code_of_its_own() {
    let scratch = Scratch::example();
    let printed =
        placard().arg("print").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public()).env("PATH", "/nonexistent").output().unwrap();
    let print = scratch.site().join("print");
    let verify = read(&scratch.public(), "verify/index.html");
    let mut variants = 0;
    for (path, bytes) in tree(&print) {
        // Variant sheets sit at <kind>s/<item>/<unit>/index.html. The paper forms (print/forms/) are
        // the office's own and carry no code by design (tests/print.rs checks that).
        if path.starts_with("forms/") {
            continue;
        }
        let parts: Vec<&str> = path.split('/').collect();
        let [_, item, unit, "index.html"] = parts[..] else { continue };
        if unit == "town" {
            continue;
        }
        variants += 1;
        let sheet = String::from_utf8(bytes).unwrap();
        let target = format!("https://qinghe.example.gov.cn/q/{unit}/{item}/");
        assert!(sheet.contains(&target), "{path} prints a code for {target}:\n{}", stderr(&printed));
        let landing = read(&scratch.public(), &format!("q/{unit}/{item}/index.html"));
        assert!(landing.contains(&format!("<link rel=\"canonical\" href=\"https://qinghe.example.gov.cn/q/{unit}/\">")), "{path}");
        assert!(landing.contains("class=\"unit-channels\""), "/q/{unit}/{item}/ shows the unit's channels");
        // /verify/ lists each unit's landing address once, with the item folders under it.
        let unit_line = verify.lines().find(|l| l.contains(&format!("<code>https://qinghe.example.gov.cn/q/{unit}/</code>"))).unwrap_or_default();
        assert!(unit_line.contains(&format!("<code>{item}/</code>")), "/verify/ lists {target}: {unit_line}");
    }
    assert!(variants >= 10, "the example prints per-unit variants ({variants})");
}

#[test]
fn config_values_are_escaped_where_they_are_written() {
    let scratch = Scratch::example();
    let config = read(&scratch.site(), "config.toml");
    let hostile = config
        .replacen("title = \"青禾镇常态化扫黑除恶\"", "title = \"青禾\\\"><script>alert(1)</script>'\"", 1)
        .replacen("description = \"", "description = \"<img src=x onerror=alert(2)>&amp;\\\"", 1)
        .replacen("issuer = \"", "issuer = \"<b onmouseover=alert(3)>\\\"", 1);
    assert_ne!(hostile, config, "the example's config has these keys");
    scratch.write("config.toml", &hostile);
    assert_ok(&scratch.build(&[]));
    for (path, bytes) in tree(&scratch.public()) {
        let text = String::from_utf8_lossy(&bytes);
        for raw in ["<script>alert(1)", "<img src=x", "<b onmouseover", "\"><script"] {
            assert!(!text.contains(raw), "{path} carries `{raw}` unescaped");
        }
    }
}

#[test]
fn a_unit_that_fails_is_one_error_and_what_names_it_stays_quiet() {
    let scratch = Scratch::example();
    let unit = read(&scratch.site(), "content/units/dongwan.md").replacen("households = 412", "households = \"很多\"", 1);
    scratch.write("content/units/dongwan.md", &unit);
    let built = scratch.build(&[]);
    assert_clean_failure(&built);
    let err = stderr(&built);
    assert_eq!(err.matches("error:").count(), 2, "one error and the closing line:\n{err}");
    assert!(err.contains("--> content/units/dongwan.md:11:"), "{err}");
    // The same for a channel whose key is misspelt: the units, posters and letters naming it are quiet.
    let scratch = Scratch::example();
    let channel = read(&scratch.site(), "content/channels/dongwan-tel.md").replacen("primary = false", "primay = false", 1);
    scratch.write("content/channels/dongwan-tel.md", &channel);
    let built = scratch.build(&[]);
    let err = stderr(&built);
    assert_eq!(err.matches("error:").count(), 2, "one error and the closing line:\n{err}");
    assert!(err.contains("unknown key `primay`") && err.contains("did you mean `primary`"), "{err}");
}
