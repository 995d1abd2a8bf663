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
