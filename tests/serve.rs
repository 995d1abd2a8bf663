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

    /// Sends `request` as it is and returns (status, headers, body); status 0 when nothing came back.
    fn raw(&self, request: &[u8]) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(self.address()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream.write_all(request).unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(response.len());
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, head, response.get(split + 4..).unwrap_or_default().to_vec())
    }

    fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    fn port(&self) -> u16 {
        self.address().rsplit(':').next().unwrap().parse().unwrap()
    }

    /// The server's peak memory (VmHWM) in KiB since the last [`Server::reset_peak`].
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/PID/status");
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Resets the peak so that it measures only what follows (Linux `clear_refs` value 5).
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").unwrap();
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
fn a_rebuild_serves_the_edited_page_and_the_open_pages_first() {
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    // A page a browser has open.
    assert!(server.text("/").contains("欢迎。"));
    let before: serde_json::Value = serde_json::from_str(&server.text("/__placard/wait?since=0")).unwrap();
    // A front-matter edit rebuilds everything; the home page goes first as a page that is open.
    scratch.write("content/_index.md", "+++\ntitle = \"测试镇人民政府\"\n+++\n欢迎。\n");
    server.wait_for("/", "the new title", |t| t.contains("测试镇人民政府"));
    let status = server.wait_for("/__placard/wait?since=0", "the end of the rebuild", |t| t.contains("\"partial\":false") && t.contains("\"early\":{"));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let early = &status["early"];
    let paths: Vec<&str> = early["paths"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
    assert!(paths.contains(&"index.html"), "the open page went first: {status}");
    assert!(!paths.iter().any(|p| p.starts_with("channels/")), "pages nobody has open wait for the rest: {status}");
    // Two steps: the early files, then the rest; browsers showing an early file reload once.
    assert_eq!(early["generation"].as_u64().unwrap() + 1, status["generation"].as_u64().unwrap(), "{status}");
    assert!(status["generation"].as_u64() > before["generation"].as_u64());
}

#[test]
fn a_body_kept_from_the_last_build_never_keeps_a_stale_link() {
    let scratch = Scratch::of("channels-site");
    scratch.write("content/link.md", "+++\ntitle = \"链接\"\n+++\n见[宣传页](@/poster-text.md)。\n");
    scratch.write("content/plain.md", "+++\ntitle = \"说明\"\n+++\n不变的正文。\n");
    let server = Server::start(&scratch);
    assert!(server.text("/link/").contains("/poster-text/"));
    // A front-matter edit elsewhere moves the page that link.md links to; plain.md's body, which
    // cannot have changed, is kept, but link.md's must be made again.
    let page = std::fs::read_to_string(scratch.site().join("content/poster-text.md")).unwrap();
    scratch.write("content/poster-text.md", &page.replacen("+++\n", "+++\nslug = \"xuanchuan\"\n", 1));
    server.wait_for("/link/", "the link to the moved page", |t| t.contains("/xuanchuan/"));
    assert!(server.text("/plain/").contains("不变的正文。"));
}

#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
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

#[test]
fn requests_for_another_host_are_refused_so_other_sites_cannot_read_the_preview() {
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    let port = server.port();
    // A page on evil.example whose name now resolves to 127.0.0.1 (DNS rebinding) sends its own
    // name as the Host: it must get nothing of the site, not even the build errors.
    for host in [format!("evil.example:{port}"), "evil.example".to_string(), format!("127.0.0.1:{}", port.wrapping_add(1)), format!("127.0.0.1.nip.io:{port}")]
    {
        for path in ["/", "/__placard/wait?since=1", "/style.css"] {
            let (status, _, body) = server.raw(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
            assert_eq!(status, 403, "{host} {path}");
            let body = String::from_utf8_lossy(&body);
            assert!(!body.contains("欢迎") && !body.contains("generation") && !body.contains("body {"), "{host} {path} leaked: {body}");
            assert!(body.contains("DNS rebinding"), "the refusal says why: {body}");
        }
    }
    let (status, _, _) = server.raw(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(status, 400, "a request without a Host header");
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let (status, _, body) = server.raw(format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        assert_eq!(status, 200, "{host}");
        assert!(String::from_utf8_lossy(&body).contains("欢迎。"), "{host}");
    }
}

#[test]
#[cfg(target_os = "linux")]
fn an_enormous_header_is_refused_without_being_held_in_memory() {
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    server.reset_peak();
    let before = server.peak_kib();
    let stream = TcpStream::connect(server.address()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let host = server.address().to_string();
    // 128 MiB of one header line, written while the answer is read; the server may stop reading.
    let sender = std::thread::spawn(move || {
        let mut sent = 0usize;
        if write!(writer, "GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: ").is_err() {
            return sent;
        }
        let chunk = vec![b'a'; 1 << 20];
        while sent < 128 << 20 {
            match writer.write_all(&chunk) {
                Ok(()) => sent += chunk.len(),
                Err(_) => break,
            }
        }
        sent
    });
    let mut answer = Vec::new();
    let _ = (&stream).read_to_end(&mut answer);
    let sent = sender.join().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431 "), "got: {}", answer.lines().next().unwrap_or("nothing"));
    assert!(sent < 128 << 20, "the server read all {sent} bytes instead of closing the connection");
    let grown = server.peak_kib().saturating_sub(before);
    eprintln!("refusing a header of {sent} bytes grew the peak by {grown} KiB");
    assert!(grown < 16 * 1024, "the server's peak memory grew by {grown} KiB while refusing the header");
    let (status, _, _) = server.get("/");
    assert_eq!(status, 200, "the server still answers");
}

#[test]
#[cfg(target_os = "linux")]
fn large_files_are_streamed_to_many_clients_without_a_copy_each() {
    use std::io::BufRead;
    const SIZE: u64 = 32 << 20;
    let scratch = Scratch::of("channels-site");
    std::fs::create_dir_all(scratch.site().join("static")).unwrap();
    // A sparse file: large to serve, nothing to write.
    std::fs::File::create(scratch.site().join("static/big.bin")).unwrap().set_len(SIZE).unwrap();
    let server = Server::start(&scratch);
    server.reset_peak();
    let before = server.peak_kib();
    // Eight downloads at once, each waiting after the headers, as slow phones would.
    let mut clients: Vec<BufReader<TcpStream>> = (0..8)
        .map(|_| {
            let mut stream = TcpStream::connect(server.address()).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            write!(stream, "GET /big.bin HTTP/1.1\r\nHost: {}\r\n\r\n", server.address()).unwrap();
            BufReader::new(stream)
        })
        .collect();
    for client in &mut clients {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            assert!(client.read_line(&mut line).unwrap() > 0, "the server closed early: {head}");
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        assert!(head.starts_with("HTTP/1.1 200 ") && head.contains(&format!("Content-Length: {SIZE}\r\n")), "{head}");
    }
    // Every download has started; give the server time to fill its buffers, then measure.
    std::thread::sleep(Duration::from_millis(300));
    let grown = server.peak_kib().saturating_sub(before);
    for client in &mut clients {
        let mut body = 0u64;
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = client.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            assert!(buffer[..n].iter().all(|&b| b == 0), "the file's bytes arrive as they are");
            body += n as u64;
        }
        assert_eq!(body, SIZE, "each client gets the whole file");
    }
    eprintln!("eight downloads of {SIZE} bytes grew the peak by {grown} KiB");
    assert!(grown < 32 * 1024, "eight downloads of a {} MiB file grew the server's peak memory by {grown} KiB", SIZE >> 20);
}

#[test]
fn a_request_head_that_trickles_in_is_cut_off() {
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    let mut stream = TcpStream::connect(server.address()).unwrap();
    write!(stream, "GET / HTTP/1.1\r\nHost: {}\r\n", server.address()).unwrap();
    // One header byte every half second (slowloris): each read is quick, the head never ends.
    stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed = loop {
        if started.elapsed() > Duration::from_secs(16) {
            break false;
        }
        if stream.write_all(b"X").is_err() {
            break true;
        }
        let mut buffer = [0u8; 1024];
        match stream.read(&mut buffer) {
            Ok(0) => break true,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break true,
        }
    };
    assert!(closed, "the server still held the connection after {} s", started.elapsed().as_secs());
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408 "), "{}", String::from_utf8_lossy(&answer));
}

#[test]
fn connections_beyond_the_limit_get_a_quick_503_and_the_server_recovers() {
    // src/serve.rs MAX_CONNECTIONS.
    const LIMIT: usize = 256;
    let scratch = Scratch::of("channels-site");
    let server = Server::start(&scratch);
    // Connections that start a request and stall hold their slots until the head deadline.
    let mut held: Vec<TcpStream> = (0..LIMIT)
        .map(|_| {
            let mut stream = TcpStream::connect(server.address()).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    // The server counts each connection as it accepts it; wait until it has accepted them all.
    let started = Instant::now();
    let request = format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", server.address());
    let status = loop {
        let (status, _, _) = server.raw(request.as_bytes());
        if status == 503 || started.elapsed() > Duration::from_secs(8) {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status, 503, "connection {} was served while {LIMIT} others were held", LIMIT + 1);
    for stream in &mut held {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    drop(held);
    let started = Instant::now();
    loop {
        let (status, _, _) = server.get("/");
        if status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(8), "the server did not recover: {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
