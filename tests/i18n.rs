//! Sites in more than one language (Zola's `[languages]`): URLs under `/<code>/`, `lang`, `dir` and
//! `hreflang`, the language switcher, and per-language feeds, sitemap, taxonomies and search
//! indexes. The fixture `i18n-site` is Chinese by default with English, Uyghur (right to left) and
//! Tibetan; `zola-i18n` is a Zola multilingual site written with Zola's conventions.

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::*;
use placard::config::Config;
use placard::content::{Library, LoadOptions};
use placard::Errors;

fn built(name: &str) -> Scratch {
    let scratch = Scratch::of(name);
    assert_ok(&scratch.build(&[]));
    scratch
}

fn load(root: &Path) -> (Config, Library) {
    let mut warnings = Errors::default();
    let config = Config::load(root, &mut warnings).unwrap_or_else(|e| panic!("{:?}", e.0));
    let options = LoadOptions { drafts: false, today: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap() };
    let (library, _) = Library::load(root, &config, &options).unwrap_or_else(|e| panic!("{:?}", e.0));
    (config, library)
}

/// The `href` of every `<a>` in the language switcher, with its `hreflang`.
fn switcher(html: &str) -> Vec<(String, String)> {
    let nav = html.split("<nav class=\"langs\"").nth(1).and_then(|rest| rest.split("</nav>").next()).unwrap_or_else(|| panic!("no switcher in {html}"));
    nav.split("<a ")
        .skip(1)
        .map(|a| {
            let attr = |name: &str| a.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next()).unwrap_or("").to_string();
            (attr("hreflang"), attr("href"))
        })
        .collect()
}

fn alternates(html: &str) -> Vec<(String, String)> {
    html.lines()
        .filter(|l| l.starts_with("<link rel=\"alternate\" hreflang="))
        .map(|l| {
            let attr = |name: &str| l.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next()).unwrap_or("").to_string();
            (attr("hreflang"), attr("href"))
        })
        .collect()
}

#[test]
fn each_language_lives_under_its_own_folder() {
    let s = built("i18n-site");
    let out = s.public();
    for path in ["index.html", "news/hotline/index.html", "news/market/index.html", "places/urumqi/index.html"] {
        assert!(out.join(path).is_file(), "{path}");
    }
    for path in ["en/index.html", "en/news/index.html", "en/news/hotline/index.html", "en/channels/index.html"] {
        assert!(out.join(path).is_file(), "{path}");
    }
    for path in ["ug/index.html", "ug/places/urumqi/index.html", "bo/index.html", "bo/places/lhasa/index.html"] {
        assert!(out.join(path).is_file(), "{path}");
    }
    // Only what was translated exists in a language, and no language falls back to another's text.
    assert!(!out.join("en/news/market/index.html").exists());
    assert!(!out.join("ug/places/lhasa/index.html").exists());
    // 404 stays one page.
    assert!(out.join("404.html").is_file() && !out.join("en/404.html").exists());

    let en_news = read(&out, "en/news/index.html");
    assert!(en_news.contains("Hotline opened") && !en_news.contains("集市宣传") && !en_news.contains("举报电话开通"), "{en_news}");
    let zh_news = read(&out, "news/index.html");
    assert!(zh_news.contains("举报电话开通") && zh_news.contains("集市宣传") && !zh_news.contains("Hotline opened"), "{zh_news}");
    // An `@/` link names the file it links to, language code and all, as in Zola.
    let en_page = read(&out, "en/news/hotline/index.html");
    assert!(en_page.contains("href=\"https://town.example.org/en/channels/\""), "{en_page}");
}

#[test]
fn pages_say_their_language_and_direction() {
    let s = built("i18n-site");
    let out = s.public();
    for (path, lang, dir) in [
        ("index.html", "zh-CN", "ltr"),
        ("en/news/hotline/index.html", "en", "ltr"),
        ("ug/places/urumqi/index.html", "ug", "rtl"),
        ("ug/index.html", "ug", "rtl"),
        ("bo/places/lhasa/index.html", "bo", "ltr"),
    ] {
        let html = read(&out, path);
        assert!(html.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")), "{path}: {}", &html[..300.min(html.len())]);
    }
    // The phone number in right-to-left text stays readable left to right.
    let ug = read(&out, "ug/places/urumqi/index.html");
    assert!(ug.contains("<a class=\"contact\" dir=\"ltr\" href=\"tel:"), "{ug}");
    assert!(ug.contains("<strong dir=\"ltr\">0123-6110110</strong>"), "{ug}");
    // English pages get the theme's English wording; other languages its Chinese.
    let en = read(&out, "en/index.html");
    assert!(en.contains(">Skip to content<") && en.contains(">Home<") && !en.contains("跳到正文"), "{en}");
    assert!(ug.contains(">跳到正文<"), "{ug}");
}

#[test]
fn translations_are_linked_with_hreflang_and_the_switcher() {
    let s = built("i18n-site");
    let out = s.public();
    let base = "https://town.example.org";

    let en = read(&out, "en/news/hotline/index.html");
    assert_eq!(
        alternates(&en),
        [
            ("zh-CN".to_string(), format!("{base}/news/hotline/")),
            ("x-default".to_string(), format!("{base}/news/hotline/")),
            ("en".to_string(), format!("{base}/en/news/hotline/")),
        ]
    );
    // Every language is offered: the translation where there is one, else the language's home.
    assert_eq!(
        switcher(&en),
        [
            ("zh-CN".to_string(), format!("{base}/news/hotline/")),
            ("bo".to_string(), format!("{base}/bo/")),
            ("en".to_string(), format!("{base}/en/news/hotline/")),
            ("ug".to_string(), format!("{base}/ug/")),
        ]
    );
    assert!(en.contains("hreflang=\"en\" lang=\"en\" dir=\"ltr\" aria-current=\"true\""), "{en}");

    let ug = read(&out, "ug/places/urumqi/index.html");
    let links = switcher(&ug);
    assert_eq!(links[0], ("zh-CN".to_string(), format!("{base}/places/urumqi/")));
    assert!(ug.contains(&format!("href=\"{base}/places/urumqi/\" hreflang=\"zh-CN\" lang=\"zh-CN\" dir=\"ltr\"")), "{ug}");

    // A page in one language only has no alternates, but still a way to every language.
    let market = read(&out, "news/market/index.html");
    assert!(alternates(&market).is_empty());
    assert_eq!(switcher(&market).iter().find(|(l, _)| l == "en").unwrap().1, format!("{base}/en/"));
    // The switcher is plain links: no script is needed to follow it.
    assert!(!market.contains("onclick") && !market.contains("<select"));
}

#[test]
fn feeds_sitemap_and_taxonomies_are_per_language() {
    let s = built("i18n-site");
    let out = s.public();
    let zh = read(&out, "atom.xml");
    assert!(zh.contains("xml:lang=\"zh-CN\"") && zh.contains("/news/hotline/") && !zh.contains("/en/"), "{zh}");
    let en = read(&out, "en/atom.xml");
    assert!(en.contains("xml:lang=\"en\"") && en.contains("<title>Test Town</title>"), "{en}");
    assert!(en.contains("https://town.example.org/en/news/hotline/") && !en.contains("https://town.example.org/news/"), "{en}");
    // Uyghur and Tibetan did not ask for feeds.
    assert!(!out.join("ug/atom.xml").exists() && !out.join("bo/atom.xml").exists());

    // Each language has its own terms, under its own folder, with the feeds its config asks for.
    let zh_tags = read(&out, "tags/index.html");
    assert!(zh_tags.contains("/tags/举报/") && !zh_tags.contains("tags/hotline/"), "{zh_tags}");
    let en_tags = read(&out, "en/tags/index.html");
    assert!(en_tags.contains("/en/tags/hotline/") && !en_tags.contains("/tags/举报/"), "{en_tags}");
    assert!(out.join("tags/举报/atom.xml").is_file() && !out.join("en/tags/hotline/atom.xml").exists());

    let sitemap = read(&out, "sitemap.xml");
    for url in ["/news/hotline/", "/en/news/hotline/", "/ug/places/urumqi/", "/bo/places/lhasa/", "/en/tags/hotline/"] {
        assert!(sitemap.contains(&format!("<loc>https://town.example.org{url}</loc>")), "{url} missing from the sitemap");
    }
}

#[test]
fn each_language_has_its_own_search_index() {
    let s = built("i18n-site");
    let out = s.public();
    let query = |dir: &str, q: &str| -> Vec<String> { placard::search::query(&out.join(dir), q).into_iter().map(|(p, _)| p).collect() };
    assert_eq!(query("en/search", "hotline"), ["/en/news/hotline/"]);
    assert_eq!(query("en/search", "HOTLINE opened"), ["/en/news/hotline/"], "words are folded to lower case");
    assert!(query("search", "hotline").is_empty(), "the Chinese index holds Chinese pages only");
    assert_eq!(query("search", "举报电话")[0], "/news/hotline/");
    // Tibetan is split into syllables at the tsheg: each syllable finds the page.
    assert_eq!(query("bo/search", "ལྷ་ས"), ["/bo/places/lhasa/"]);
    assert_eq!(query("bo/search", "ལྗོངས"), ["/bo/places/lhasa/"]);
    // Uyghur words are whole words between spaces.
    assert_eq!(query("ug/search", "ئۈرۈمچى"), ["/ug/places/urumqi/"]);
    assert!(query("ug/search", "ལྷ").is_empty());
    // Each language's search page reads the index beside it.
    let page = read(&out, "en/search/index.html");
    assert!(page.contains("data-index=\"https://town.example.org/en/search/\""), "{page}");
    assert!(page.contains("<html lang=\"en\""));
}

#[test]
fn a_file_in_an_unknown_language_is_a_located_error() {
    let s = Scratch::of("i18n-site");
    s.write("content/news/market.de.md", "+++\ntitle = \"Markt\"\n+++\n");
    let run = s.build(&[]);
    assert_clean_failure(&run);
    let err = stderr(&run);
    assert!(err.contains("market.de.md") && err.contains("`de`") && err.contains("[languages.de]"), "{err}");
}

#[test]
fn translations_can_be_found_from_any_language() {
    let root = fixture("i18n-site");
    let (config, library) = load(&root);
    let en = library.translation_of("news/hotline.md", "en").expect("English translation");
    assert_eq!((en.relative.as_str(), en.path.as_str(), en.lang.as_str()), ("news/hotline.en.md", "/en/news/hotline/", "en"));
    assert_eq!(library.translation_of("@/news/hotline.en.md", "zh-CN").unwrap().relative, "news/hotline.md");
    assert_eq!(library.translation_of("/en/news/hotline/", &config.default_language).unwrap().path, "/news/hotline/");
    assert!(library.translation_of("news/market.md", "en").is_none());
    assert_eq!(library.translation_of("places/urumqi.md", "ug").unwrap().meta.title.as_deref(), Some("ئۈرۈمچى"));
    assert_eq!(library.section_translation_of("news/_index.md", "en").unwrap().path, "/en/news/");
    // Translations list every language's version, the default first, the page itself included.
    let zh = library.translation_of("news/hotline.md", "zh-CN").unwrap();
    let langs: Vec<&str> = zh.translations.iter().map(|&i| library.pages[i].lang.as_str()).collect();
    assert_eq!(langs, ["zh-CN", "en"]);
    // Sections hold pages of their own language only.
    let en_news = library.section_translation_of("news/_index.md", "en").unwrap();
    assert!(en_news.pages.iter().all(|&p| library.pages[p].lang == "en") && en_news.pages.len() == 1);
}

#[test]
fn a_zola_multilingual_site_builds_as_zola_builds_it() {
    let s = built("zola-i18n");
    let out = s.public();
    let base = "https://lantern.example.cn";
    let home = read(&out, "index.html");
    assert!(home.contains("lang=en title=Lantern Street home=Home"), "{home}");
    assert!(home.contains("more=Read more") && home.contains(&format!("url={base}/notices/ plain={base}/notices/")), "{home}");
    let fr = read(&out, "fr/index.html");
    assert!(fr.contains("lang=fr title=Rue des Lanternes home=Accueil"), "{fr}");
    assert!(fr.contains("more=Lire la suite") && fr.contains(&format!("url={base}/fr/notices/ plain={base}/fr/notices/")), "{fr}");
    assert!(fr.contains(&format!("<a href=\"{base}/fr/notices/\">avis</a>")), "{fr}");
    assert!(fr.contains(&format!("tr en {base}/")) && fr.contains(&format!("tr fr {base}/fr/")), "{fr}");

    let page = read(&out, "fr/notices/water/index.html");
    assert!(page.contains("lang=fr page=Coupure d&#39;eau fr"), "{page}");
    assert!(page.contains("body The water is off on Tuesday.") && page.contains("body L&#39;eau est coupée mardi."), "{page}");
    assert!(page.contains("tax quartiers 1"), "{page}");
    let section = read(&out, "fr/notices/index.html");
    assert!(section.contains("page Coupure d&#39;eau fr") && !section.contains("Water cut") && !section.contains("Only in English"), "{section}");

    // A translated page's own `path` is taken as written, without the language folder.
    assert!(out.join("avis-fixe/index.html").is_file() && !out.join("fr/avis-fixe/index.html").exists());
    // Bundle files go with every language's version of the bundle.
    assert!(out.join("notices/lamp-bundle/map.txt").is_file() && out.join("fr/notices/lamp-bundle/map.txt").is_file());
    // Taxonomies, feeds and search per language, as each language's table asks.
    assert!(read(&out, "fr/quartiers/index.html").contains(&format!("Porte Nord={base}/fr/quartiers/porte-nord/")));
    assert!(out.join("areas/north-gate/atom.xml").is_file() && !out.join("fr/areas").exists() && !out.join("quartiers").exists());
    assert!(read(&out, "fr/atom.xml").contains("xml:lang=\"fr\""));
    assert!(out.join("notices/atom.xml").is_file() && !out.join("fr/notices/atom.xml").exists());
    assert!(out.join("search/meta.json").is_file() && !out.join("fr/search").exists());
}

#[test]
fn the_default_language_table_is_merged_and_clashes_are_errors() {
    let s = Scratch::of("zola-i18n");
    s.append("config.toml", "\n[languages.en]\ndescription = \"Notices of the street\"\n");
    assert_ok(&s.build(&[]));
    let s = Scratch::of("zola-i18n");
    s.append("config.toml", "\n[languages.en]\ntitle = \"Another title\"\n");
    let run = s.build(&[]);
    assert_clean_failure(&run);
    assert!(stderr(&run).contains("`title` of the default language `en` is set twice"), "{}", stderr(&run));
}

/// The fixture built with `base` as its address, served on loopback.
fn served_fixture(name: &str) -> (Scratch, String) {
    let scratch = Scratch::of(name);
    let base = serve(&scratch.public());
    assert_ok(&scratch.build(&["--base-url", &base]));
    (scratch, base)
}

/// Opens `url` in a fresh tab of a 360 px phone, with or without scripts; returns (target, session).
fn open_phone(browser: &mut placard::browser::Browser, url: &str, scripts: bool) -> (String, String) {
    use serde_json::json;
    let (target, session) = browser.new_page().unwrap();
    let s = Some(session.as_str());
    for domain in ["Page.enable", "Runtime.enable"] {
        browser.call(domain, json!({}), s).unwrap();
    }
    browser.call("Emulation.setDeviceMetricsOverride", json!({"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true}), s).unwrap();
    browser.call("Emulation.setScriptExecutionDisabled", json!({"value": !scripts}), s).unwrap();
    browser.events.clear();
    browser.call("Page.navigate", json!({"url": url}), s).unwrap();
    browser.wait_for("Page.loadEventFired", std::time::Duration::from_secs(20)).unwrap();
    (target, session)
}

/// Evaluates `expression` (which returns a JSON string) in the page.
fn eval(browser: &mut placard::browser::Browser, session: &str, expression: &str) -> serde_json::Value {
    let result = browser.call("Runtime.evaluate", serde_json::json!({"expression": expression, "returnByValue": true}), Some(session)).unwrap();
    serde_json::from_str(result["result"]["value"].as_str().unwrap_or("null")).unwrap_or(serde_json::Value::Null)
}

/// In Chromium: the English page's switcher leads to the Chinese page with scripts off (plain links),
/// each language's search page finds its own language's pages, and the Uyghur page is laid out right
/// to left on a 360 px phone with its phone number left to right. The screenshot of that page is
/// written to `target/tmp/i18n-rtl-360.png` for a person to look at.
#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
fn languages_in_a_real_browser() {
    use placard::browser::{find_chromium, Browser};
    use serde_json::json;
    let Some(chromium) = require_tool("chromium", find_chromium()) else { return };
    let (_site, base) = served_fixture("i18n-site");
    let mut browser = Browser::launch(&chromium).expect("start chromium");

    // The switcher without JavaScript: a tap on 中文 opens the Chinese version of the same page.
    let (target, session) = open_phone(&mut browser, &format!("{base}/en/news/hotline/"), false);
    let link = eval(
        &mut browser,
        &session,
        "JSON.stringify((r => [r.x + r.width / 2, r.y + r.height / 2])(document.querySelector('.langs a[hreflang=\"zh-CN\"]').getBoundingClientRect()))",
    );
    let (x, y) = (link[0].as_f64().unwrap(), link[1].as_f64().unwrap());
    browser.events.clear();
    for kind in ["mousePressed", "mouseReleased"] {
        browser.call("Input.dispatchMouseEvent", json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}), Some(&session)).unwrap();
    }
    browser.wait_for("Page.loadEventFired", std::time::Duration::from_secs(20)).unwrap();
    let landed = eval(&mut browser, &session, "JSON.stringify({url: location.href, lang: document.documentElement.lang, title: document.querySelector('h1').textContent})");
    assert_eq!(landed["url"], format!("{base}/news/hotline/"), "{landed}");
    assert_eq!(landed["lang"], "zh-CN");
    assert_eq!(landed["title"], "举报电话开通");
    browser.close_page(&target).unwrap();

    // Search in each language, from that language's search page.
    for (path, query, expected) in [
        ("/en/search/", "hotline", "/en/news/hotline/"),
        ("/search/", "举报电话", "/news/hotline/"),
        ("/bo/search/", "ལྷ་ས", "/bo/places/lhasa/"),
        ("/ug/search/", "ئۈرۈمچى", "/ug/places/urumqi/"),
    ] {
        let url = format!("{base}{path}?q={}", placard::feeds::encode_iri(query));
        let (target, session) = open_phone(&mut browser, &url, true);
        let mut found = serde_json::Value::Null;
        for _ in 0..50 {
            found = eval(&mut browser, &session, "JSON.stringify([...document.querySelectorAll('#search-results a')].map(a => new URL(a.href).pathname))");
            if found.as_array().is_some_and(|a| !a.is_empty()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let paths: Vec<String> = found.as_array().map(|a| a.iter().map(|p| placard::feeds::decode_percent(p.as_str().unwrap_or(""))).collect()).unwrap_or_default();
        assert_eq!(paths, [expected], "{path}?q={query}");
        browser.close_page(&target).unwrap();
    }

    // The right-to-left page on a phone.
    let (target, session) = open_phone(&mut browser, &format!("{base}/ug/places/urumqi/"), true);
    let layout = eval(
        &mut browser,
        &session,
        "JSON.stringify({dir: getComputedStyle(document.body).direction, overflow: document.documentElement.scrollWidth - window.innerWidth, \
          h1: (r => [r.left, r.right])(document.querySelector('h1').getBoundingClientRect()), \
          tel: getComputedStyle(document.querySelector('.content a.contact')).direction, \
          telText: document.querySelector('.content a.contact').textContent, \
          font: getComputedStyle(document.querySelector('h1')).fontFamily})",
    );
    assert_eq!(layout["dir"], "rtl", "{layout}");
    assert_eq!(layout["tel"], "ltr", "{layout}");
    assert_eq!(layout["telText"], "0123-6110110");
    assert!(layout["overflow"].as_i64().unwrap() <= 0, "{layout}");
    assert!(layout["font"].as_str().unwrap().contains("Noto Naskh Arabic"), "{layout}");
    let shot = browser.call("Page.captureScreenshot", json!({"format": "png"}), Some(&session)).unwrap();
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("i18n-rtl-360.png");
    std::fs::write(&file, png).unwrap();
    eprintln!("screenshot: {}", file.display());
    browser.close_page(&target).unwrap();
}
