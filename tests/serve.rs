//! `placard serve` as a person uses it: the real binary on a copy of a fixture, plain HTTP requests
//! (including attempts to leave the site), edits picked up live, and a build error shown without the
//! server dying. A real Chromium checks the reload and the overlay when it is installed.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A running `placard serve`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(scratch: &Scratch) -> Server {
        let mut child = placard().args(["serve", "--port", "0", "--root"]).arg(scratch.site()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        // Keep reading, as a terminal would, so the server never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base = line.split(" at ").nth(1).and_then(|s| s.split_whitespace().next()).expect("serving … at URL").trim_end_matches('/').to_string();
        Server { child, base }
    }

    /// A raw GET, so that no client library tidies the path first. Returns (status, headers, body).
    fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        let address = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end");
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head, response[split + 4..].to_vec())
    }

    fn text(&self, path: &str) -> String {
        String::from_utf8_lossy(&self.get(path).2).into_owned()
    }

    /// Polls `path` until `done` holds for its text, for up to 20 s.
    fn wait_for(&self, path: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = self.text(path);
            if done(&text) {
                return text;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "timed out waiting for {what}; last:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serves_the_site_refuses_traversal_and_uses_the_sites_404() {
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    let (status, head, body) = server.get("/");
    assert_eq!(status, 200);
    assert!(head.contains("text/html; charset=utf-8"));
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("/__placard/livereload.js"), "the reload script is injected");
    assert!(html.contains(&server.base), "links point at the preview server");
    for (path, kind) in [("/style.css", "text/css"), ("/verify/", "text/html"), ("/sitemap.xml", "application/xml")] {
        let (status, head, _) = server.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(head.contains(kind), "{path}: {head}");
    }
    let png = html.split("href=\"").find_map(|s| s.split('"').next().filter(|u| u.ends_with(".png"))).map(|u| u.trim_start_matches(&server.base).to_string());
    if let Some(png) = png {
        assert!(server.get(&png).1.contains("image/png"));
    }
    let (status, head, _) = server.get("/channels");
    assert_eq!(status, 301);
    assert!(head.contains("Location: /channels/"));
    for attack in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc/passwd",
        "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd",
        "/static/..%252f..%252fetc/passwd",
    ] {
        let (status, _, body) = server.get(attack);
        assert!(status == 403 || status == 404, "{attack} gave {status}");
        assert!(!String::from_utf8_lossy(&body).contains("root:"), "{attack} leaked a file");
    }
    let (status, _, body) = server.get("/no-such-page/");
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("页面未找到"), "the site's own 404 page");
}

#[test]
fn edits_show_up_and_build_errors_keep_the_last_good_site() {
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    assert!(server.text("/").contains("欢迎。"));
    scratch.write("content/_index.md", "+++\ntitle = \"测试镇\"\n+++\n今天的新句子。\n");
    server.wait_for("/", "the edited sentence", |t| t.contains("今天的新句子。"));
    // A page whose front matter stays the same is re-rendered on its own, QR codes included.
    let page = std::fs::read_to_string(scratch.site().join("content/poster-text.md")).unwrap();
    scratch.write("content/poster-text.md", &page.replace("扫码举报：", "请扫码举报："));
    let html = server.wait_for("/poster-text/", "the edited page", |t| t.contains("请扫码举报："));
    assert!(html.contains("class=\"qr\""), "the page still has its QR codes");

    scratch.write("content/_index.md", "+++\ntitle = \"测试镇\n+++\n坏了。\n");
    let status = server.wait_for("/__placard/wait?since=0", "the build error", |t| t.contains("content/_index.md:2"));
    assert!(status.contains("error"), "{status}");
    let (code, _, body) = server.get("/");
    assert_eq!(code, 200, "the server keeps running");
    assert!(String::from_utf8_lossy(&body).contains("今天的新句子。"), "the last good build is still served");

    scratch.write("content/_index.md", "+++\ntitle = \"测试镇\"\n+++\n修好了。\n");
    server.wait_for("/", "the repaired page", |t| t.contains("修好了。"));
    assert!(server.text("/__placard/wait?since=0").contains("\"error\":null"));
}

#[test]
fn a_browser_reloads_after_an_edit_and_shows_the_error_overlay() {
    let Some(chromium) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    let mut browser = placard::browser::Browser::launch(&chromium).unwrap();
    let (_target, session) = browser.new_page().unwrap();
    let s = Some(session.as_str());
    browser.call("Page.enable", serde_json::json!({}), s).unwrap();
    browser.call("Page.navigate", serde_json::json!({"url": format!("{}/", server.base)}), s).unwrap();
    browser.wait_for("Page.loadEventFired", Duration::from_secs(20)).unwrap();
    let eval = |browser: &mut placard::browser::Browser, js: &str| -> String {
        let r = browser.call("Runtime.evaluate", serde_json::json!({"expression": js, "returnByValue": true}), s).unwrap();
        r["result"]["value"].as_str().unwrap_or("").to_string()
    };
    let poll = |browser: &mut placard::browser::Browser, js: &str, want: &str| {
        let started = Instant::now();
        loop {
            let got = eval(browser, js);
            if got.contains(want) {
                return got;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "waited for `{want}`, page shows: {got}");
            std::thread::sleep(Duration::from_millis(150));
        }
    };
    // Give the page a moment to start its long poll, then edit.
    std::thread::sleep(Duration::from_millis(300));
    scratch.write("content/_index.md", "+++\ntitle = \"测试镇\"\n+++\n浏览器看到了新句子。\n");
    poll(&mut browser, "document.body.innerText", "浏览器看到了新句子。");
    scratch.write("content/_index.md", "+++\ntitle = \"测试镇\n+++\n");
    let overlay = poll(&mut browser, "(document.getElementById('placard-overlay')||{}).textContent||''", "content/_index.md");
    assert!(overlay.contains("构建失败"), "{overlay}");
}
