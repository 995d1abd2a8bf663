//! Templates and content that used to crash placard or slip through without a word, run through the
//! real binary on copies of `tests/fixtures/template-safety`: include / import / extends cycles,
//! macros that never stop, runaway loops, unclosed shortcodes, symbolic links and draft bundles.
//! Every broken case must end with exit code 1 (never an abort, 134), an error naming the file and
//! line, within bounded time and memory, and the previous `public/` left exactly as it was.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const FIXTURE: &str = "template-safety";

/// What a run did, with the most memory it was seen to hold.
struct Run {
    code: Option<i32>,
    stderr: String,
    peak_kb: u64,
    elapsed: Duration,
}

/// Runs `command` for at most `limit`, sampling its memory; a run that hangs is killed and fails.
fn run(mut command: Command, limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run placard");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    // Drained as it comes, so a chatty run never blocks on a full pipe.
    let out_reader = std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut peak_kb = 0;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
            let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("placard ran for more than {limit:?}; it should have stopped with an error");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = out_reader.join();
    Run { code: status.code(), stderr: err_reader.join().unwrap(), peak_kb, elapsed: started.elapsed() }
}

fn build_command(scratch: &Scratch) -> Command {
    let mut command = placard();
    command.arg("build").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public());
    command
}

/// A fixture copy that has built once, so that a later failed build can be seen to leave it alone.
fn built() -> Scratch {
    let scratch = Scratch::of(FIXTURE);
    let first = scratch.build(&[]);
    assert_ok(&first);
    scratch
}

/// Writes `files` into a built copy and builds again: the build must fail cleanly, naming the
/// problem, quickly and in little memory, without touching the previous output. Returns stderr.
fn fails_cleanly(files: &[(&str, &str)]) -> String {
    let scratch = built();
    let before = tree(&scratch.public());
    for (path, text) in files {
        scratch.write(path, text);
    }
    let run = run(build_command(&scratch), Duration::from_secs(120));
    assert_eq!(run.code, Some(1), "expected exit code 1 (not an abort):\n{}", run.stderr);
    assert!(run.stderr.contains("error:") && !run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.peak_kb < 1024 * 1024, "the build held {} MB", run.peak_kb / 1024);
    assert!(run.elapsed < Duration::from_secs(60), "the build took {:?}", run.elapsed);
    assert_eq!(tree(&scratch.public()), before, "the previous public/ must be left as it was");
    run.stderr
}

#[test]
fn a_template_that_includes_itself_is_refused_with_its_line() {
    let err = fails_cleanly(&[(
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<p>x</p>\n{% include \"page.html\" %}\n{% endblock content %}\n",
    )]);
    assert!(err.contains("templates/page.html:4 includes templates/page.html"), "{err}");
    assert!(err.contains("--> templates/page.html:4:1"), "{err}");
}

#[test]
fn templates_that_include_each_other_are_refused_with_the_chain() {
    let err = fails_cleanly(&[
        ("templates/partials/a.html", "<nav>\n{% include \"partials/b.html\" %}</nav>\n"),
        ("templates/partials/b.html", "<ul>\n\n\n{% if page %}{% include \"partials/a.html\" %}{% endif %}</ul>\n"),
        ("templates/page.html", "{% extends \"base.html\" %}{% block content %}{% include \"partials/a.html\" %}{% endblock content %}"),
    ]);
    assert!(
        err.contains("templates/partials/a.html:2 includes templates/partials/b.html, templates/partials/b.html:4 includes templates/partials/a.html"),
        "{err}"
    );
}

#[test]
fn an_import_cycle_is_refused() {
    let err = fails_cleanly(&[
        ("templates/macros/a.html", "{% import \"macros/b.html\" as b %}\n{% macro one() %}1{% endmacro one %}\n"),
        ("templates/macros/b.html", "\n{% import \"macros/a.html\" as a %}\n{% macro two() %}2{% endmacro two %}\n"),
        ("templates/page.html", "{% import \"macros/a.html\" as a %}{{ a::one() }}"),
    ]);
    assert!(err.contains("templates/macros/a.html:1 imports templates/macros/b.html, templates/macros/b.html:2 imports templates/macros/a.html"), "{err}");
}

#[test]
fn extends_cycles_are_refused_even_when_entered_from_outside() {
    // page → mid → top → mid: Tera itself would recurse forever building page's chain.
    let err = fails_cleanly(&[
        ("templates/page.html", "{% extends \"mid.html\" %}{% block content %}x{% endblock content %}"),
        ("templates/mid.html", "{% extends \"top.html\" %}"),
        ("templates/top.html", "\n\n{% extends \"mid.html\" %}"),
    ]);
    assert!(err.contains("templates/mid.html:1 extends templates/top.html, templates/top.html:3 extends templates/mid.html"), "{err}");
    let err = fails_cleanly(&[("templates/base.html", "{% extends \"page.html\" %}")]);
    assert!(err.contains("templates/base.html:1 extends templates/page.html, templates/page.html:1 extends templates/base.html"), "{err}");
}

#[test]
fn macros_that_always_call_themselves_are_refused_before_rendering() {
    let err = fails_cleanly(&[
        ("templates/macros.html", "{% macro nav(s) %}\n<ul>\n{{ self::nav(s=s) }}\n</ul>\n{% endmacro nav %}\n"),
        ("templates/page.html", "{% import \"macros.html\" as m %}{{ m::nav(s=1) }}"),
    ]);
    assert!(err.contains("the macro `nav` always calls itself") && err.contains("templates/macros.html:3 macro `nav` calls `self::nav`"), "{err}");
    let err = fails_cleanly(&[
        ("templates/macros.html", "{% macro ping() %}{{ self::pong() }}{% endmacro %}\n{% macro pong() %}{% set x = 1 %}{{ self::ping() }}{% endmacro %}\n"),
        ("templates/page.html", "{% import \"macros.html\" as m %}{{ m::ping() }}"),
    ]);
    assert!(err.contains("macros.html:1 macro `ping` calls `self::pong`, templates/macros.html:2 macro `pong` calls `self::ping`"), "{err}");
    // Across two macro files that a page imports side by side (inside a block, Tera lets each reach the other).
    let err = fails_cleanly(&[
        ("templates/macros/one.html", "{% macro f(n) %}[{{ two::g(n=n) }}]{% endmacro f %}"),
        ("templates/macros/two.html", "{% macro g(n) %}\n({{ one::f(n=n) }}){% endmacro g %}"),
        (
            "templates/page.html",
            "{% extends \"base.html\" %}{% import \"macros/one.html\" as one %}{% import \"macros/two.html\" as two %}\
             {% block content %}{{ one::f(n=1) }}{% endblock content %}",
        ),
    ]);
    assert!(err.contains("templates/macros/one.html:1 macro `f` calls `two::g`, templates/macros/two.html:2 macro `g` calls `one::f`"), "{err}");
}

#[test]
fn recursion_whose_condition_never_ends_stops_at_the_depth_limit() {
    let err = fails_cleanly(&[
        ("templates/macros.html", "\n{% macro down(n) %}{% if n > 0 %}<i>{{ self::down(n=n + 1) }}</i>{% endif %}{% endmacro down %}"),
        ("templates/page.html", "{% import \"macros.html\" as m %}{{ m::down(n=1) }}"),
    ]);
    assert!(err.contains("the macro `down` at templates/macros.html:2 is nested more than"), "{err}");
    assert!(err.contains("needs a condition that stops it"), "the hint fits the problem: {err}");
}

#[test]
fn runaway_loops_stop_with_the_template_and_line() {
    let err = fails_cleanly(&[("templates/page.html", "<p>\n{% for i in range(end=1000000000) %}{{ i }}{% endfor %}</p>")]);
    assert!(err.contains("range() at templates/page.html:2 would make 1000000000 numbers"), "{err}");
    let err = fails_cleanly(&[(
        "templates/page.html",
        "{% for i in range(end=100000) %}\n  {% for j in range(end=100000) %}{% if j == -1 %}x{% endif %}{% endfor %}\n{% endfor %}",
    )]);
    assert!(err.contains("the loop at templates/page.html:2 went past"), "{err}");
    let err = fails_cleanly(&[(
        "templates/page.html",
        "{% set_global s = \"0123456789\" %}{% for i in range(end=64) %}{% set_global s = s ~ s %}{% endfor %}{{ s | length }}",
    )]);
    assert!(err.contains("the variable `s` in templates/page.html grew past"), "{err}");
}

#[test]
fn deep_but_legitimate_recursion_still_renders() {
    let scratch = Scratch::of(FIXTURE);
    // A navigation tree over sections, the way Zola sites write it, and a deep numeric recursion.
    scratch.write(
        "templates/macros.html",
        "{% macro tree(path) %}{% set s = get_section(path=path) %}<li>{{ s.title }}{% if s.subsections %}<ul>\
         {% for sub in s.subsections %}{{ self::tree(path=sub) }}{% endfor %}</ul>{% endif %}</li>{% endmacro tree %}\n\
         {% macro deep(n) %}{% if n > 0 %}<b>{{ self::deep(n=n - 1) }}</b>{% endif %}{% endmacro deep %}",
    );
    scratch.write(
        "templates/page.html",
        "{% import \"macros.html\" as m %}<ul class=\"nav\">{{ m::tree(path=\"_index.md\") }}</ul><div class=\"deep\">{{ m::deep(n=600) }}</div>",
    );
    for level in ["a", "a/b", "a/b/c"] {
        scratch.write(&format!("content/news/{level}/_index.md"), &format!("+++\ntitle = \"Level {}\"\n+++\n", level.len().div_ceil(2)));
    }
    let run = run(build_command(&scratch), Duration::from_secs(120));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let html = read(&scratch.public(), "news/first/index.html");
    assert!(html.contains("<li>Home<ul><li>News<ul><li>Level 1<ul><li>Level 2<ul><li>Level 3</li></ul>"), "{html}");
    assert_eq!(html.matches("<b>").count(), 600);
}

/// A page whose body starts after several lines of front matter and a summary marker.
const PAGE_HEAD: &str = "+++\ntitle = \"First\"\ndate = 2024-01-02\n\n[extra]\nnote = \"x\"\n+++\nThe summary.\n\n<!-- more -->\n\n";

#[test]
fn an_unclosed_shortcode_is_an_error_at_its_line_and_column_in_build_and_check() {
    // Line 12 of the file (after 7 lines of front matter, a summary and its marker), column 9.
    let body = format!("{PAGE_HEAD}Call us {{{{ channel(name=\"hotline\"\n\nMore text.\n");
    let err = fails_cleanly(&[("content/news/first.md", &body)]);
    assert!(err.contains("content/news/first.md:12:9") && err.contains("the shortcode `channel` is never closed"), "{err}");

    let scratch = Scratch::of(FIXTURE);
    scratch.write("content/news/first.md", &body);
    let out = placard().arg("check").arg("--root").arg(scratch.site()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("content/news/first.md:12:9"), "{}", stderr(&out));

    // A body shortcode without its end, and one whose opening tag never closes.
    let err = fails_cleanly(&[("content/news/first.md", &format!("{PAGE_HEAD}text\n{{% note() %}}\nbody without an end\n"))]);
    assert!(err.contains("content/news/first.md:13:1") && err.contains("has no `{% end %}`"), "{err}");
    let err = fails_cleanly(&[("content/news/first.md", &format!("{PAGE_HEAD}\n\n  {{% note(kind=\"x\"\nbody\n{{% end %}}\n"))]);
    assert!(err.contains("content/news/first.md:14:3"), "{err}");
}

#[cfg(unix)]
#[test]
fn content_symlinks_are_followed_inside_the_site_and_refused_outside_it() {
    use std::os::unix::fs::symlink;
    let scratch = Scratch::of(FIXTURE);
    scratch.write("shared/hotline.md", "+++\ntitle = \"Hotline\"\n+++\nCall 12345.\n");
    symlink("../../shared/hotline.md", scratch.site().join("content/news/hotline.md")).unwrap();
    symlink("../shared", scratch.site().join("content/more")).unwrap();
    assert_ok(&scratch.build(&[]));
    assert!(read(&scratch.public(), "news/hotline/index.html").contains("Call 12345."));
    assert!(read(&scratch.public(), "more/hotline/index.html").contains("Call 12345."), "a linked folder inside the site is walked");

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "+++\ntitle = \"Secret\"\n+++\nnot for publishing\n").unwrap();
    let before = tree(&scratch.public());
    symlink(outside.path().join("secret.md"), scratch.site().join("content/news/secret.md")).unwrap();
    symlink(outside.path(), scratch.site().join("content/elsewhere")).unwrap();
    symlink("missing.md", scratch.site().join("content/news/gone.md")).unwrap();
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    for link in ["content/news/secret.md", "content/elsewhere"] {
        assert!(err.contains(&format!("--> {link}\n")), "{link} is named: {err}");
    }
    assert_eq!(err.matches("outside the site folder").count(), 2, "{err}");
    assert!(err.contains("content/news/gone.md") && err.contains("which does not exist"), "{err}");
    assert_eq!(tree(&scratch.public()), before);
    assert!(!tree(&scratch.public()).values().any(|b| String::from_utf8_lossy(b).contains("not for publishing")));
}

#[test]
fn a_draft_bundles_photo_is_held_back_with_advice_that_keeps_it_private() {
    let scratch = Scratch::of(FIXTURE);
    scratch.write("content/news/trip/index.md", "+++\ntitle = \"Trip\"\ndraft = true\n+++\nx\n");
    scratch.write("content/news/trip/photo.jpg", "not really a jpeg");
    // A published bundle above the draft must not pick the photo up either.
    scratch.write("content/news/outer/index.md", "+++\ntitle = \"Outer\"\n+++\nx\n");
    scratch.write("content/news/outer/inner/index.md", "+++\ntitle = \"Inner\"\ndraft = true\n+++\nx\n");
    scratch.write("content/news/outer/inner/face.jpg", "a face");
    let out = scratch.build(&[]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("`news/trip/` is a draft, so its files (photo.jpg) are not published"), "{err}");
    assert!(err.contains("`news/outer/inner/` is a draft"), "{err}");
    assert!(!err.contains("static/"), "no advice that would publish a draft's photo: {err}");
    let files = tree(&scratch.public());
    assert!(!files.keys().any(|k| k.ends_with(".jpg")), "{:?}", files.keys().collect::<Vec<_>>());
}

/// `serve` must stay up when templates are broken, and report the problem in its overlay.
#[test]
fn serve_survives_recursive_and_runaway_templates() {
    let scratch = Scratch::of(FIXTURE);
    let mut child = placard().args(["serve", "--port", "0", "--root"]).arg(scratch.site()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let address = line
        .split(" at ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("serving … at URL")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let get = |path: &str| -> (u16, String) {
        let mut stream = TcpStream::connect(&address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        (text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), text)
    };
    let wait_for = |what: &str| -> String {
        let started = Instant::now();
        loop {
            let (_, text) = get("/__placard/wait?since=0");
            if text.contains(what) {
                return text;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}; last:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    assert_eq!(get("/news/first/").0, 200);
    let cases: [(&str, &str, &str); 3] = [
        ("templates/page.html", "{% include \"page.html\" %}", "templates/page.html:1 includes templates/page.html"),
        ("templates/page.html", "{% macro f(n) %}{% if n %}{{ self::f(n=n + 1) }}{% endif %}{% endmacro %}{{ self::f(n=1) }}", "nested more than"),
        ("templates/page.html", "{% for i in range(end=1000000000) %}{{ i }}{% endfor %}", "would make 1000000000 numbers"),
    ];
    for (file, text, expected) in cases {
        scratch.write(file, text);
        wait_for(expected);
        assert!(child.try_wait().unwrap().is_none(), "serve is still running after: {text}");
        assert_eq!(get("/news/first/").0, 200, "the last good build is still served");
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Thousands of files render on the big-stack threads without any thread's stack filling up (an
/// earlier hand-over from rayon's workers nested one render inside another's wait, and a 3,000-page
/// site aborted).
#[test]
fn thousands_of_pages_render_without_exhausting_any_stack() {
    let scratch = Scratch::of(FIXTURE);
    for s in 0..10 {
        scratch.write(&format!("content/s{s}/_index.md"), &format!("+++\ntitle = \"Section {s}\"\n+++\n"));
        for p in 0..300 {
            scratch.write(&format!("content/s{s}/p{p}.md"), &format!("+++\ntitle = \"Page {s}-{p}\"\n+++\nText {p}.\n"));
        }
    }
    let run = run(build_command(&scratch), Duration::from_secs(300));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(read(&scratch.public(), "s9/p299/index.html").contains("Text 299."));
    assert_eq!(read(&scratch.public(), "s3/index.html").matches("<li>").count(), 300);
}
