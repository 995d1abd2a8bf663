//! `placard check` on sites with planted problems: each is listed with its file and line, the exit
//! status is non-zero, and nothing is written.

mod common;

use common::*;

fn check(scratch: &Scratch) -> std::process::Output {
    placard().arg("check").arg("--root").arg(scratch.site()).output().unwrap()
}

#[test]
fn the_clean_example_site_passes() {
    let out = placard().arg("check").arg("--root").arg(repo()).output().unwrap();
    assert_ok(&out);
    assert!(stdout(&out).contains("0 errors"), "{}", stdout(&out));
}

#[test]
fn broken_links_missing_alt_text_and_an_invalid_channel_are_all_listed() {
    let scratch = Scratch::of("channels-site");
    scratch.write("content/broken.md", "+++\ntitle = \"坏链接\"\n+++\n\n看[这里](/no-such-page/)。\n\n![](pic.png)\n");
    scratch.write("content/channels/bad.md", "+++\ntitle = \"坏号码\"\n[channel]\nkind = \"phone\"\nvalue = \"12-34\"\n+++\n");
    let out = check(&scratch);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "content/broken.md:5:2",
        "the link `/no-such-page/` points to a page that does not exist",
        "content/broken.md:7:1",
        "the image `pic.png` has no alt text",
        "content/channels/bad.md:5:1",
        "`12-34` is not a phone number",
    ] {
        assert!(err.contains(expected), "expected `{expected}` in:\n{err}");
    }
    assert!(!scratch.public().exists(), "check writes nothing");
}

#[test]
fn missing_anchors_and_links_to_expired_notices() {
    let scratch = Scratch::of("channels-site");
    scratch.write("content/old.md", "+++\ntitle = \"旧通告\"\ndate = 2024-01-01\nexpires = 2024-12-31\n+++\n## 内容\n");
    scratch.write("content/links.md", "+++\ntitle = \"链接\"\n+++\n见[旧通告](@/old.md)和[小节](@/old.md#不存在)。\n");
    let out = check(&scratch);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("content/links.md:4:2") && err.contains("has expired"), "{err}");
    assert!(err.contains("points to `#不存在`, which is not a heading"), "{err}");
    assert!(!err.contains("#内容"), "{err}");
}

/// A local stand-in for other sites: `/ok` answers 200, `/gone` 404, `/slow` only after 3 s, and
/// `/no-head` refuses HEAD (405) but serves GET.
fn outside_server() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                let (method, path) = (line.split_whitespace().next().unwrap_or(""), line.split_whitespace().nth(1).unwrap_or(""));
                let status = match path {
                    "/ok" => "200 OK",
                    "/no-head" if method == "HEAD" => "405 Method Not Allowed",
                    "/no-head" => "200 OK",
                    "/slow" => {
                        std::thread::sleep(std::time::Duration::from_secs(3));
                        "200 OK"
                    }
                    _ => "404 Not Found",
                };
                let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            });
        }
    });
    base
}

#[test]
fn external_links_are_checked_only_when_asked() {
    let base = outside_server();
    let scratch = Scratch::of("channels-site");
    // Only loopback addresses may be asked: drop the fixture's real national platform.
    std::fs::remove_file(scratch.site().join("content/channels/platform.md")).unwrap();
    scratch.write(
        "content/outside.md",
        &format!("+++\ntitle = \"外链\"\n+++\n\n[好]({base}/ok)\n\n[没了]({base}/gone)\n\n[慢]({base}/slow)\n\n[只收GET]({base}/no-head)\n"),
    );
    // Links to other sites are deliberate exceptions to "every address is a channel".
    let config = read(&scratch.site(), "config.toml");
    scratch.write("config.toml", &format!("{config}\n[check]\nallowed_contacts = [\"127.0.0.1\"]\n"));
    // Without --external nothing leaves the machine, and the site is clean.
    assert_ok(&check(&scratch));
    let out = placard().args(["check", "--external", "--timeout", "1", "--root"]).arg(scratch.site()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("the link `{base}/gone` answers 404")) && err.contains("content/outside.md:7:1"), "{err}");
    assert!(err.contains(&format!("the link `{base}/slow` could not be checked")) && err.contains("content/outside.md:9:1"), "{err}");
    assert!(!err.contains("/ok`") && !err.contains("/no-head`"), "{err}");
    assert!(stdout(&out).contains("4 outside links"), "{}", stdout(&out));
}
