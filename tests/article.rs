//! `placard article`: pages exported for the WeChat 公众号 editor and portal editors. Every article
//! is read back here with a reader of this file's own and checked against the rules as
//! docs/article-rules.md writes them (not against the code's lists), and its text against the text
//! of the page on the built website.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

/// The rules as docs/article-rules.md writes them: tag → attributes, and the CSS properties.
fn rules() -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let doc = std::fs::read_to_string(repo().join("docs/article-rules.md")).unwrap();
    let between = |name: &str| {
        let open = format!("<!-- rules:{name} -->");
        let close = format!("<!-- /rules:{name} -->");
        let start = doc.find(&open).unwrap_or_else(|| panic!("{open} missing")) + open.len();
        let end = start + doc[start..].find(&close).unwrap_or_else(|| panic!("{close} missing"));
        doc[start..end].to_string()
    };
    let quoted = |text: &str| text.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>();
    let mut tags = BTreeMap::new();
    for line in between("tags").lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').collect();
        tags.insert(quoted(cells[1])[0].clone(), quoted(cells[2]));
    }
    let properties = quoted(&between("properties"));
    assert!(tags.len() > 10 && properties.len() > 5, "the rules in docs/article-rules.md did not parse");
    (tags, properties)
}

/// A strict reader for what placard writes: `(tag, attributes)` for every start tag, and the text.
/// It fails on anything it cannot read, which an export must never contain.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
}

fn read_tags(html: &str) -> (Vec<Tag>, String) {
    let mut tags = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").expect("unclosed comment");
            rest = &after[end + 3..];
            continue;
        }
        let end = rest.find('>').expect("unclosed tag");
        let inner = &rest[1..end];
        rest = &rest[end + 1..];
        if inner.starts_with('!') {
            tags.push(Tag { name: inner.to_ascii_lowercase(), attrs: vec![], closing: false });
            continue;
        }
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/').trim_end_matches('/');
        let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
        let name = inner[..name_end].to_string();
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "odd tag name `{name}` in {inner}");
        let mut attrs = Vec::new();
        let mut a = inner[name_end..].trim();
        while !a.is_empty() {
            let eq = a.find("=\"").unwrap_or_else(|| panic!("attribute without a quoted value in <{inner}>"));
            let key = a[..eq].trim().to_string();
            let close = a[eq + 2..].find('"').expect("unclosed attribute value");
            attrs.push((key, a[eq + 2..eq + 2 + close].to_string()));
            a = a[eq + 2 + close + 1..].trim();
        }
        tags.push(Tag { name, attrs, closing });
    }
    text.push_str(rest);
    (tags, decode(&text))
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
}

/// The wrapper of article.html, which a selection in the browser never copies.
const WRAPPER: &[&str] = &["!doctype html", "html", "head", "meta", "title", "body"];

/// Checks one article folder against the rules; returns the text between the body markers, with
/// the bracketed addresses of links taken out.
fn check_article(dir: &Path, rules: &(BTreeMap<String, Vec<String>>, Vec<String>)) -> String {
    let html = std::fs::read_to_string(dir.join("article.html")).unwrap();
    let (tags, properties) = rules;
    for banned in ["class=", "<style", "<script", "<link", "<iframe", "<form", "<input", "<button", "<svg", " id=", "onclick"] {
        assert!(!html.contains(banned), "{}: article.html contains `{banned}`", dir.display());
    }
    let body_start = html.find("<body>").expect("a body") + "<body>".len();
    let body_end = html.rfind("</body>").expect("a body end");
    let (head_tags, _) = read_tags(&html[..body_start]);
    for tag in &head_tags {
        assert!(WRAPPER.contains(&tag.name.as_str()), "{}: `<{}>` outside the body", dir.display(), tag.name);
        if tag.name == "meta" {
            assert_eq!(tag.attrs, [("charset".to_string(), "utf-8".to_string())]);
        }
    }
    let body = &html[body_start..body_end];
    let (body_tags, _) = read_tags(body);
    let mut open: Vec<&str> = Vec::new();
    for tag in &body_tags {
        let allowed = tags.get(&tag.name).unwrap_or_else(|| panic!("{}: `<{}>` is not in docs/article-rules.md", dir.display(), tag.name));
        if tag.closing {
            assert_eq!(open.pop(), Some(tag.name.as_str()), "{}: `</{}>` closes nothing open", dir.display(), tag.name);
            continue;
        }
        if !["br", "hr", "img"].contains(&tag.name.as_str()) {
            open.push(&tag.name);
        }
        for (attr, value) in &tag.attrs {
            assert!(allowed.contains(attr), "{}: `<{}>` carries `{attr}`", dir.display(), tag.name);
            if attr == "style" {
                for declaration in value.split(';').filter(|d| !d.trim().is_empty()) {
                    let (property, _) = declaration.split_once(':').unwrap_or_else(|| panic!("bad declaration `{declaration}`"));
                    assert!(properties.contains(&property.trim().to_string()), "{}: `<{}>` sets `{property}`", dir.display(), tag.name);
                }
            }
            if attr == "src" {
                assert!(
                    !value.contains(':') && !value.starts_with('/') && !value.contains(".."),
                    "{}: image `{value}` is not beside the article",
                    dir.display()
                );
                let file = dir.join(value);
                assert!(file.is_file(), "{}: image `{value}` is missing", dir.display());
                let bytes = std::fs::read(&file).unwrap();
                assert!(image::load_from_memory(&bytes).is_ok(), "{}: `{value}` is not a readable image", dir.display());
            }
        }
        if tag.name == "img" {
            assert!(tag.attrs.iter().any(|(a, v)| a == "alt" && !v.trim().is_empty()), "{}: an image without alt text", dir.display());
        }
    }
    assert!(open.is_empty(), "{}: left open: {open:?}", dir.display());
    let start = body.find("<!-- placard:body -->").expect("body marker");
    let end = body.find("<!-- placard:end-body -->").expect("end-of-body marker");
    // Addresses written after links sit in a span of their own whose whole text is `（…）`.
    let mut content = body[start..end].to_string();
    while let Some(at) = content.find("<span style=\"color:#576b95\">（") {
        let close = at + content[at..].find("）</span>").expect("a closed address note") + "）</span>".len();
        content.replace_range(at..close, "");
    }
    let (_, text) = read_tags(&content);
    text
}

/// The text of the page's main content on the website, with scripts, forms and frames removed.
fn website_text(public: &Path, url_path: &str) -> String {
    let file = public.join(url_path.trim_matches('/')).join("index.html");
    let html = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let start = html.find("<div class=\"content\">").expect("a content div") + "<div class=\"content\">".len();
    // The content div ends where its nesting does.
    let mut depth = 1;
    let mut i = start;
    while depth > 0 {
        let next_open = html[i..].find("<div").map(|p| p + i);
        let next_close = html[i..].find("</div>").map(|p| p + i).expect("the content div ends");
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                i = o + 4;
            }
            _ => {
                depth -= 1;
                i = next_close + 6;
            }
        }
    }
    let mut content = html[start..i - 6].to_string();
    for element in ["script", "style", "form", "iframe", "button", "select", "textarea", "noscript"] {
        while let Some(at) = content.find(&format!("<{element}")) {
            let close = format!("</{element}>");
            let end = content[at..].find(&close).map(|e| at + e + close.len()).unwrap_or(content.len());
            content.replace_range(at..end, "");
        }
    }
    // SVG drawings carry no text a reader sees.
    while let Some(at) = content.find("<svg") {
        let end = at + content[at..].find("</svg>").unwrap() + 6;
        content.replace_range(at..end, "");
    }
    read_loose_text(&content)
}

/// Text of HTML written by the website (any markup), tags removed.
fn read_loose_text(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    decode(&out)
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Exports `args` of `root` into a fresh folder and builds the website beside it.
fn export(root: &Path, args: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("articles");
    let run = placard().arg("article").args(args).arg("--root").arg(root).arg("-o").arg(&out).output().unwrap();
    assert_ok(&run);
    let public = dir.path().join("public");
    assert_ok(&build(root, &public, &[]));
    (dir, out, public, stdout(&run))
}

/// Every exported article keeps the rules, and its text is the page's text.
fn check_all(root: &Path, out: &Path, public: &Path) -> Vec<(String, usize, usize)> {
    let rules = rules();
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let dir = entry.unwrap().path();
        let text = std::fs::read_to_string(dir.join("article.txt")).unwrap();
        let link = text.lines().find_map(|l| l.strip_prefix("原文链接：")).expect("article.txt names the original");
        let url_path = link.split_once("://").map(|(_, rest)| &rest[rest.find('/').unwrap()..]).unwrap();
        let article_text = check_article(&dir, &rules);
        let url_path = percent_encoding::percent_decode_str(url_path).decode_utf8().unwrap();
        let page_text = website_text(public, &url_path);
        assert_eq!(squash(&article_text), squash(&page_text), "{}: the article's text differs from the page's", dir.display());
        assert!(dir.join("qr.png").is_file(), "{}: no qr.png", dir.display());
        let html = std::fs::metadata(dir.join("article.html")).unwrap().len() as usize;
        let images: usize = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "png"))
            .map(|e| e.metadata().unwrap().len() as usize)
            .sum();
        sizes.push((dir.file_name().unwrap().to_string_lossy().into_owned(), html, images));
    }
    assert!(!sizes.is_empty(), "nothing exported from {}", root.display());
    sizes.sort();
    sizes
}

/// The article's QR code decodes to the first primary channel's landing page.
fn qr_target(dir: &Path) -> String {
    let image = image::open(dir.join("qr.png")).unwrap().to_luma8();
    placard::qr::read_image(&image).unwrap().text
}

#[test]
fn a_section_exports_within_the_editors_rules() {
    let root = fixture("article-site");
    let (_dir, out, public, printed) = export(&root, &["--section", "notices"]);
    check_all(&root, &out, &public);
    // Subsections come along; two pages with one slug get folders of their own; expired pages do not.
    let folders: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for folder in ["rich", "notices-plain", "notices-sub-plain"] {
        assert!(folders.contains(&folder.to_string()), "{folder} not in {folders:?}");
    }
    assert_eq!(folders.len(), 3, "{folders:?}");
    assert!(printed.contains("content/notices/old.md: left out, it has expired"), "{printed}");

    let rich = out.join("rich");
    let html = read(&rich, "article.html");
    // Links become text with their address; the address is not repeated where the text is it.
    assert!(html.contains("国家平台<span style=\"color:#576b95\">（www.12337.gov.cn/help）</span>"), "{html}");
    assert!(html.contains("举报人保护<span style=\"color:#576b95\">（town.example.org/notices/plain）</span>"), "{html}");
    assert!(!html.contains("（example.com/a/b）"), "{html}");
    assert!(!html.contains("<a "), "{html}");
    // The bundle's photo and the inline QR codes are files beside the article.
    // (Its name may carry the width it was resized to for phones, like photo.<key>.png.)
    let photos: Vec<String> = std::fs::read_dir(rich.join("images"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("photo"))
        .collect();
    assert_eq!(photos.len(), 1, "{photos:?}");
    let qr_images: Vec<_> =
        std::fs::read_dir(rich.join("images")).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("qr-")).collect();
    assert_eq!(qr_images.len(), 1, "one file for the same code shown twice");
    let inline = image::open(qr_images[0].path()).unwrap().to_luma8();
    assert_eq!(placard::qr::read_image(&inline).unwrap().text, "https://town.example.org/q/hotline/");
    // Tables keep their cells and alignment.
    assert!(html.contains("text-align:right\"><strong>5万元</strong>至10万元</td>"), "{html}");
    // The end: channels with number, who answers and hours, the emergency number apart, a QR code.
    for expected in [
        "举报电话</strong>：<strong>0123-6110110",
        "受理：镇扫黑办值班人员",
        "时间：工作日 8:30—17:30",
        "www.12337.gov.cn</strong>",
        "拨打<strong>110</strong>",
    ] {
        assert!(html.contains(expected), "{expected} not in\n{html}");
    }
    assert!(!html.contains("jubao@town.example.org</strong>"), "a channel that is not primary is not listed at the end");
    assert_eq!(qr_target(&rich), "https://town.example.org/q/hotline/");
    let text = read(&rich, "article.txt");
    assert!(text.starts_with("标题：悬赏通告（测试全部写法）\n摘要："), "{text}");
    assert!(text.contains("举报电话：0123-6110110（受理：镇扫黑办值班人员；时间：工作日 8:30—17:30）"), "{text}");
    assert!(text.contains("情况 | 金额\n"), "{text}");
}

#[test]
fn the_example_sites_articles_keep_the_rules() {
    let root = repo();
    let (_dir, out, public, _) = export(&root, &["--section", "notices"]);
    let mut figures = check_all(&root, &out, &public);
    for section in ["news", "policies", "units", "channels"] {
        let dir = tempfile::tempdir().unwrap();
        let more = dir.path().join("a");
        assert_ok(&placard().arg("article").args(["--section", section, "-r"]).arg(&root).arg("-o").arg(&more).output().unwrap());
        figures.extend(check_all(&root, &more, &public));
    }
    for (name, html, images) in &figures {
        println!("{name}: article.html {html} bytes, images and QR {images} bytes");
    }
}

#[test]
fn a_page_by_file_or_address_gives_the_same_bytes_every_time() {
    let root = fixture("article-site");
    let (_a, by_file, _, _) = export(&root, &["content/notices/rich/index.md"]);
    let (_b, by_path, _, _) = export(&root, &["/notices/rich/"]);
    let (_c, by_url, _, _) = export(&root, &["https://town.example.org/notices/rich/"]);
    let first = tree(&by_file);
    assert!(first.contains_key("rich/article.html") && first.contains_key("rich/article.txt") && first.contains_key("rich/qr.png"), "{:?}", first.keys());
    assert_eq!(first, tree(&by_path));
    assert_eq!(first, tree(&by_url));
}

#[test]
fn unknown_names_say_what_was_meant() {
    let root = repo();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| placard().arg("article").args(args).arg("-r").arg(&root).arg("-o").arg(dir.path()).output().unwrap();
    let typo = run(&["content/notices/xuanshang-tonggoa.md"]);
    assert_clean_failure(&typo);
    assert!(stderr(&typo).contains("there is no page `content/notices/xuanshang-tonggoa.md`"), "{}", stderr(&typo));
    assert!(stderr(&typo).contains("did you mean `content/notices/xuanshang-tonggao.md`?"), "{}", stderr(&typo));
    let path = run(&["/notices/xuanshang-tongao/"]);
    assert_clean_failure(&path);
    assert!(stderr(&path).contains("did you mean `/notices/xuanshang-tonggao/`?"), "{}", stderr(&path));
    let section = run(&["--section", "notice"]);
    assert_clean_failure(&section);
    assert!(stderr(&section).contains("did you mean `notices`?"), "{}", stderr(&section));
    let not_a_page = run(&["content/notices/_index.md"]);
    assert_clean_failure(&not_a_page);
    assert!(stderr(&not_a_page).contains("--section notices"), "{}", stderr(&not_a_page));
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written when the name is wrong");
}

#[test]
fn a_folder_it_did_not_write_is_left_alone() {
    let root = fixture("article-site");
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("rich");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "my own notes").unwrap();
    let run = placard().args(["article", "content/notices/rich/index.md", "-r"]).arg(&root).arg("-o").arg(dir.path()).output().unwrap();
    assert_clean_failure(&run);
    assert!(stderr(&run).contains("refusing to replace"), "{}", stderr(&run));
    assert_eq!(std::fs::read_to_string(mine.join("notes.txt")).unwrap(), "my own notes");
    // A folder it wrote is replaced whole, so no stale picture stays behind.
    std::fs::remove_dir_all(&mine).unwrap();
    assert_ok(&placard().args(["article", "content/notices/rich/index.md", "-r"]).arg(&root).arg("-o").arg(dir.path()).output().unwrap());
    std::fs::write(mine.join("images/stale.png"), "old").unwrap();
    assert_ok(&placard().args(["article", "content/notices/rich/index.md", "-r"]).arg(&root).arg("-o").arg(dir.path()).output().unwrap());
    assert!(!mine.join("images/stale.png").exists());
}

#[test]
fn articles_stay_out_of_the_sources_and_the_website() {
    let scratch = Scratch::of("article-site");
    for inside in ["content/articles", "static/a", "public"] {
        let run =
            placard().args(["article", "content/notices/plain.md", "-r"]).arg(scratch.site()).arg("-o").arg(scratch.site().join(inside)).output().unwrap();
        assert_clean_failure(&run);
        assert!(stderr(&run).contains("refusing to write articles into"), "{inside}: {}", stderr(&run));
        assert!(!scratch.site().join(inside).join("notices-plain").exists() && !scratch.site().join(inside).join("plain").exists());
    }
}

#[test]
fn what_cannot_come_along_is_named_with_its_page() {
    let scratch = Scratch::of("article-site");
    scratch.write(
        "content/notices/outside.md",
        "+++\ntitle = \"外链图片\"\ndate = 2026-07-01\n+++\n\n正文。\n\n![别处的图](https://cdn.example.com/x.png)\n\n<form><input name=\"q\"></form>\n",
    );
    let out = scratch.dir.path().join("out");
    let run = placard().args(["article", "content/notices/outside.md", "-r"]).arg(scratch.site()).arg("-o").arg(&out).output().unwrap();
    assert_ok(&run);
    let err = stderr(&run);
    assert!(err.contains("warning: article: the image `https://cdn.example.com/x.png` is not in the article: it is on another site"), "{err}");
    assert!(err.contains("warning: article: left out `<form>`"), "{err}");
    assert!(err.contains("--> content/notices/outside.md"), "{err}");
    let html = read(&out.join("outside"), "article.html");
    assert!(html.contains("[图片：别处的图]") && !html.contains("cdn.example.com/x.png\""), "{html}");
    check_article(&out.join("outside"), &rules());
}

#[test]
fn a_villages_page_ends_with_its_own_channels_and_landing_page() {
    let dir = tempfile::tempdir().unwrap();
    let run = placard().args(["article", "content/units/dongwan.md", "-r"]).arg(repo()).arg("-o").arg(dir.path()).output().unwrap();
    assert_ok(&run);
    let article = dir.path().join("dongwan");
    let html = read(&article, "article.html");
    let closing = &html[html.find("<!-- placard:end-body -->").unwrap()..];
    let own = closing.find("0123-6110202").expect("the village's own number");
    let town = closing.find("0123-6110110").expect("the town's hotline");
    assert!(own < town, "the village's own channel comes first:\n{closing}");
    assert_eq!(qr_target(&article), "https://qinghe.example.gov.cn/q/dongwan/");
}
