//! `placard build` on real sites: URLs as Zola gives them, the flagship example, determinism,
//! drafts, expiry, and the safety of the output folder.

mod common;

use common::*;

#[test]
fn zola_style_site_lands_at_zola_urls() {
    let scratch = Scratch::of("zola-site");
    let out = scratch.build(&[]);
    assert_ok(&out);
    let public = scratch.public();
    let files = tree(&public);
    for expected in [
        "index.html",
        "about/index.html",       // YAML front matter
        "blog/index.html",        // section, first pager
        "blog/page/2/index.html", // pagination
        "blog/page/3/index.html",
        "blog/page/1/index.html", // redirect to the first pager
        "blog/first-post/index.html",
        "blog/dated-file/index.html",     // date prefix stripped from the slug
        "blog/my-custom-slug/index.html", // slug = "My Custom Slug"
        "elsewhere/moved/index.html",     // path = ...
        "blog/bundle-post/index.html",    // page bundle
        "blog/bundle-post/diagram.txt",   // its co-located asset
        "docs/index.html",
        "docs/guide/index.html",
        "docs/guide/getting-started/index.html", // Getting_Started.md
        "docs/intro/index.html",
        "tags/index.html",
        "tags/rust/index.html",
        "tags/web-dev/index.html",
        "tags/rust/atom.xml",
        "categories/news/index.html",
        "old-about/index.html", // aliases
        "about-us.html",
        "css/site.css", // static/
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
    ] {
        assert!(files.contains_key(expected), "missing {expected}; got {:?}", files.keys().collect::<Vec<_>>());
    }
    assert!(!files.keys().any(|f| f.contains("draft")), "drafts are left out by default");

    let first = read(&public, "blog/first-post/index.html");
    assert!(first.contains("<h2 id=\"details\">Details</h2>"), "{first}");
    assert!(first.contains("https://example.org/tags/web-dev/"));
    let about = read(&public, "about/index.html");
    assert!(about.contains("href=\"https://example.org/blog/first-post/#details\""), "@/ link resolved: {about}");
    let guide = read(&public, "docs/guide/getting-started/index.html");
    assert!(guide.contains("<aside class=\"note tip\"><p>Read <em>this</em> first.</p>"), "body shortcode: {guide}");
    let bundle = read(&public, "blog/bundle-post/index.html");
    assert!(bundle.contains("<div class=\"video\" data-id=\"abc\" data-autoplay=\"true\"></div>"), "{bundle}");
    // Newest first, two a page; the transparent guide's page shows in its parent's listing.
    let blog = read(&public, "blog/index.html");
    assert!(blog.find("Dated by file name").unwrap() < blog.find("First post").unwrap(), "{blog}");
    assert!(read(&public, "docs/index.html").contains("Getting started"));
    assert!(read(&public, "old-about/index.html").contains("url=https://example.org/about/"));
    assert!(first.contains("<footer>Read more cGxhY2FyZA==</footer>"), "trans and base64_encode work as in Zola: {first}");
    let rust = read(&public, "tags/index.html");
    assert!(rust.contains("Rust (2)"), "{rust}");
}

#[test]
fn drafts_build_when_asked() {
    let scratch = Scratch::of("zola-site");
    assert_ok(&scratch.build(&["--drafts"]));
    assert!(scratch.public().join("blog/draft/index.html").exists());
}

#[test]
fn base_url_can_be_overridden() {
    let scratch = Scratch::of("zola-site");
    assert_ok(&scratch.build(&["--base-url", "http://127.0.0.1:1111/"]));
    assert!(read(&scratch.public(), "index.html").contains("http://127.0.0.1:1111/css/site.css"));
}

#[test]
fn flagship_example_builds_completely_and_identically_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let first = build(&repo(), &a, &[]);
    assert_ok(&first);
    assert!(stdout(&first).contains("pages"), "one-line summary: {}", stdout(&first));
    // The second build keeps every page's body in its temporary file (a memory budget of 0 bytes,
    // as a 100,000-page site does with all but the first ones), and reads each back where it shows.
    let spilled = placard()
        .env("PLACARD_BODY_BUDGET", "0")
        .env("PLACARD_TIMINGS", "1")
        .arg("build")
        .arg("--root")
        .arg(repo())
        .arg("--output-dir")
        .arg(&b)
        .output()
        .unwrap();
    assert_ok(&spilled);
    let bytes = stderr(&spilled).lines().find_map(|l| l.split("bodies kept in the temporary file: ").nth(1)?.strip_suffix(" bytes")?.parse::<u64>().ok());
    assert!(bytes.is_some_and(|b| b > 10_000), "the second build kept the bodies in its file: {}", stderr(&spilled));
    // The file has no name: nothing is left beside the output.
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(beside.len(), 2, "only the two outputs: {beside:?}");
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between two builds");
    }

    // The example campaign is all there: home, policies, the reward notice, news, the ledger.
    for page in ["index.html", "policies/index.html", "notices/index.html", "news/index.html", "ledger/index.html", "atom.xml", "404.html", "style.css"] {
        assert!(ta.contains_key(page), "missing {page}");
    }
    let policies = ta.keys().filter(|k| k.starts_with("policies/") && k.ends_with("/index.html")).count();
    assert!(policies >= 5, "at least 4 policy pages plus the list, got {policies}");
    let news = ta.keys().filter(|k| k.starts_with("news/") && k.ends_with("/index.html") && !k.contains("/page/")).count();
    assert!(news >= 6, "at least 5 news pages plus the list, got {news}");
    // Chinese file names keep Chinese URLs.
    assert!(ta.contains_key("policies/什么是黑恶势力/index.html"), "{:?}", ta.keys().filter(|k| k.starts_with("policies")).collect::<Vec<_>>());
    // The ledger is rendered from data/ledger.csv through load_data.
    let ledger = String::from_utf8_lossy(&ta["ledger/index.html"]).into_owned();
    let csv = std::fs::read_to_string(repo().join("data/ledger.csv")).unwrap();
    let rows = csv.lines().count() - 1;
    assert_eq!(ledger.matches("<tr").count(), rows + 1, "one row per CSV record plus the header");
    // The reward notice has the usual structure.
    let notice = String::from_utf8_lossy(&ta["notices/xuanshang-tonggao/index.html"]).into_owned();
    for part in ["悬赏通告", "举报范围", "奖励", "保密", "不予奖励", "诬告", "举报方式", "2026年3月1日"] {
        assert!(notice.contains(part), "the reward notice mentions {part}");
    }
}

#[test]
fn every_example_page_is_private_and_light() {
    let dir = tempfile::tempdir().unwrap();
    assert_ok(&build(&repo(), dir.path(), &[]));
    let files = tree(dir.path());
    // What every page loads besides itself: the stylesheet and the large-type switch's script.
    let css = files["style.css"].len() + files["elder.js"].len();
    for (path, bytes) in &files {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        // Nothing is loaded from another host: every src= and stylesheet is on the site itself.
        for attr in ["src=\"http", "src='http", "@import", "url(http"] {
            for (i, _) in html.match_indices(attr) {
                let rest = &html[i..];
                assert!(
                    rest.contains("qinghe.example.gov.cn") && rest.find("qinghe.example.gov.cn").unwrap() < 20,
                    "{path} loads from another host: {}",
                    &rest[..rest.len().min(80)]
                );
            }
        }
        for link in html.match_indices("<link").map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()]) {
            if link.contains("stylesheet") || link.contains("preload") || link.contains("icon") {
                assert!(!link.contains("http") || link.contains("https://qinghe.example.gov.cn/"), "{path}: {link}");
            }
        }
        // The weight budget of issue 14: at most 30 KB on first load (the Chromium test measures the
        // transfer); the long policy page and the ledger are long by nature.
        // Print pages open from the disk for the print shop, where a CSP's 'self' would block their
        // own stylesheet; they load nothing from anywhere else either (checked above).
        if html.contains("<html") && !html.contains("http-equiv=\"refresh\"") && !path.starts_with("print/") {
            assert!(html.contains("Content-Security-Policy"), "{path} has a CSP");
            assert!(html.contains("name=\"referrer\" content=\"no-referrer\""), "{path} sends no referrer");
            // The English pages (under en/) say so; every other page is Chinese.
            let lang = if path.starts_with("en/") { "lang=\"en\"" } else { "lang=\"zh-CN\"" };
            assert!(html.contains(lang), "{path}");
            assert!(bytes.len() + css < 30 * 1024 || path.contains("十类") || path == "ledger/index.html", "{path} with CSS is {} bytes", bytes.len() + css);
        }
    }
}

#[test]
fn expired_notices_leave_listings_but_keep_their_page() {
    let scratch = Scratch::of("zola-site");
    scratch.write(
        "content/blog/old-notice.md",
        "+++\ntitle = \"Old notice\"\ndate = 2024-06-01\nexpires = 2024-12-31\n[taxonomies]\ntags = [\"Rust\"]\n+++\nGone.\n",
    );
    assert_ok(&scratch.build(&[]));
    let public = scratch.public();
    assert!(public.join("blog/old-notice/index.html").exists(), "the page itself stays reachable");
    let listings: String =
        ["blog/index.html", "blog/page/2/index.html", "blog/page/3/index.html", "tags/rust/index.html", "atom.xml"].iter().map(|p| read(&public, p)).collect();
    assert!(!listings.contains("Old notice"), "expired pages are not listed");
}

#[test]
fn chinese_file_names_make_chinese_urls() {
    let scratch = Scratch::of("zola-site");
    scratch.write("content/政策/_index.md", "+++\ntitle = \"政策解读\"\n+++\n");
    scratch.write("content/政策/举报人 保护.md", "+++\ntitle = \"举报人保护\"\n+++\n## 保密 措施\n文字。\n");
    assert_ok(&scratch.build(&[]));
    let html = read(&scratch.public(), "政策/举报人-保护/index.html");
    assert!(html.contains("<h2 id=\"保密-措施\">"), "{html}");
    assert!(read(&scratch.public(), "sitemap.xml").contains("/%E6%94%BF%E7%AD%96/"), "sitemap URLs are percent-encoded");
}

#[test]
fn two_pages_on_one_url_name_both_files() {
    let scratch = Scratch::of("zola-site");
    scratch.write("content/blog/clash.md", "+++\ntitle = \"Clash\"\npath = \"blog/first-post\"\n+++\n");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("/blog/first-post/") && err.contains("first-post.md") && err.contains("clash.md"), "{err}");
}

#[test]
fn output_folder_that_is_not_a_site_is_never_replaced() {
    let scratch = Scratch::of("zola-site");
    let precious = scratch.dir.path().join("documents");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("letter.docx"), "important").unwrap();
    let out = build(&scratch.site(), &precious, &[]);
    assert_clean_failure(&out);
    assert_eq!(std::fs::read_to_string(precious.join("letter.docx")).unwrap(), "important");
    let out = build(&scratch.site(), &scratch.site(), &[]);
    assert_clean_failure(&out);
    assert!(scratch.site().join("content/_index.md").exists());
}

#[test]
fn init_creates_a_site_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("new-site");
    let out = placard().arg("init").arg(&site).output().unwrap();
    assert_ok(&out);
    let public = dir.path().join("out");
    assert_ok(&build(&site, &public, &[]));
    assert!(read(&public, "index.html").contains("常态化扫黑除恶"));
    assert!(public.join("style.css").exists(), "the built-in theme's static files are copied");
    // A small complete campaign: channels, a unit with its landing page, a poster, a letter and a
    // notice, and `placard check` is satisfied with it.
    for file in ["channels/index.html", "q/hotline/index.html", "q/village/index.html", "q/village/market/index.html", "notices/reward/index.html"] {
        assert!(public.join(file).is_file(), "{file}");
    }
    assert!(read(&public, "q/village/index.html").contains("某某村村委会门口"), "the unit's landing page shows its box");
    let checked = placard().arg("check").arg("--root").arg(&site).output().unwrap();
    assert_ok(&checked);
    assert!(stdout(&checked).contains(": 0 errors,"), "{}", stdout(&checked));
    // Without Chromium the layout check is skipped, and says so; nothing else may warn.
    let err = stderr(&checked);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert!(warnings.iter().all(|w| w.contains("skipped the layout check")), "{warnings:?}");
    // A second init never overwrites.
    let again = placard().arg("init").arg(&site).output().unwrap();
    assert_clean_failure(&again);
}

#[test]
fn listings_carry_page_bodies_as_in_zola() {
    let scratch = Scratch::of("zola-site");
    scratch.write("templates/section.html", "{% for p in section.pages %}<div class=\"item\">{{ p.content | safe }}{{ p.toc | length }}</div>{% endfor %}");
    assert_ok(&scratch.build(&[]));
    let blog = read(&scratch.public(), "blog/index.html");
    assert!(blog.contains("<p>Body.</p>"), "{blog}");
    let docs = read(&scratch.public(), "docs/index.html");
    assert!(docs.contains("<p>Intro.</p>"), "{docs}");
}

#[test]
fn a_site_without_a_404_template_gets_a_plain_one() {
    let scratch = Scratch::of("zola-site");
    let _ = std::fs::remove_file(scratch.site().join("templates/404.html"));
    assert_ok(&scratch.build(&[]));
    let page = read(&scratch.public(), "404.html");
    assert!(page.contains("Page not found") && page.contains("href=\"https://"), "{page}");
}
