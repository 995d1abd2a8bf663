//! Bad input gives a located, plainly worded error, a non-zero exit, no panic, and leaves the
//! previous output exactly as it was.

mod common;

use common::*;

/// Builds the fixture once, breaks it with `change`, rebuilds, and checks the error and the old output.
fn assert_breaks(change: impl FnOnce(&Scratch), expected: &[&str]) -> String {
    let scratch = Scratch::of("zola-site");
    assert_ok(&scratch.build(&[]));
    let before = tree(&scratch.public());
    change(&scratch);
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    for part in expected {
        assert!(err.contains(part), "expected `{part}` in:\n{err}");
    }
    assert!(tree(&scratch.public()) == before, "the previous public/ must be untouched");
    let leftovers: Vec<_> = std::fs::read_dir(scratch.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary folders are left behind: {leftovers:?}");
    err
}

#[test]
fn broken_toml_front_matter() {
    let err = assert_breaks(
        |s| s.write("content/blog/first-post.md", "+++\ntitle = \"First post\ndate = 2024-03-01\n+++\nBody\n"),
        &["content/blog/first-post.md:2:", "-->"],
    );
    assert!(err.contains(" | title = \"First post"), "shows the source line:\n{err}");
}

#[test]
fn unknown_front_matter_key_gets_a_suggestion() {
    assert_breaks(
        |s| s.write("content/blog/first-post.md", "+++\ntitle = \"x\"\ndescripton = \"typo\"\n+++\n"),
        &["unknown key `descripton`", "content/blog/first-post.md:3:1", "did you mean `description`?"],
    );
}

#[test]
fn broken_yaml_front_matter() {
    assert_breaks(|s| s.write("content/about.md", "---\ntitle: About\ndate: [2024\n---\nx\n"), &["content/about.md:"]);
}

#[test]
fn unclosed_front_matter() {
    assert_breaks(|s| s.write("content/about.md", "+++\ntitle = \"About\"\n\nNo closing fence.\n"), &["never closed", "content/about.md:1:1"]);
}

#[test]
fn bad_date() {
    assert_breaks(
        |s| s.write("content/about.md", "+++\ntitle = \"About\"\ndate = \"2024-02-30\"\n+++\n"),
        &["`2024-02-30` is not a date", "content/about.md:3:"],
    );
}

#[test]
fn unknown_config_key() {
    let scratch_config = |s: &Scratch| {
        let config = std::fs::read_to_string(s.site().join("config.toml")).unwrap();
        s.write("config.toml", &config.replace("title = ", "titel = "));
    };
    assert_breaks(scratch_config, &["unknown key `titel`", "config.toml:2:1", "did you mean `title`?"]);
}

#[test]
fn template_syntax_error() {
    assert_breaks(
        |s| s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title \n{% endblock %}\n"),
        &["templates/page.html:", "syntax error"],
    );
}

#[test]
fn template_render_error_names_page_and_template() {
    assert_breaks(
        |s| s.write("templates/page.html", "{% extends \"base.html\" %}{% block content %}{{ page.no_such_field }}{% endblock %}"),
        &["page.html", "no_such_field"],
    );
}

#[test]
fn broken_internal_link() {
    assert_breaks(
        |s| s.write("content/about.md", "+++\ntitle = \"About\"\n+++\n\nFirst line.\nSee [this](@/blog/missing.md).\n"),
        &["content/about.md:6:5", "@/blog/missing.md", "does not exist"],
    );
}

#[test]
fn unknown_shortcode() {
    assert_breaks(
        |s| s.write("content/about.md", "+++\ntitle = \"About\"\n+++\n{{ nope(a=1) }}\n"),
        &["there is no shortcode `nope`", "content/about.md:4:1", "youtube"],
    );
}

#[test]
fn unconfigured_taxonomy() {
    assert_breaks(
        |s| s.write("content/about.md", "+++\ntitle = \"About\"\n[taxonomies]\nauthors = [\"x\"]\n+++\n"),
        &["taxonomy `authors` is not configured", "content/about.md:4:1"],
    );
}

#[test]
fn load_data_outside_the_site_is_refused() {
    assert_breaks(
        |s| {
            s.write("templates/shortcodes/leak.html", "{{ load_data(path=\"../../../../etc/hostname\") }}");
            s.write("content/about.md", "+++\ntitle = \"About\"\n+++\n{{ leak() }}\n");
        },
        &["outside the site folder", "content/about.md:4:1"],
    );
}

#[test]
fn all_errors_are_reported_at_once() {
    let err = assert_breaks(
        |s| {
            s.write("content/about.md", "+++\ntitel = \"About\"\n+++\n");
            s.write("content/blog/first-post.md", "+++\ntitle = \"x\"\ndate = \"soon\"\n+++\n");
        },
        &["content/about.md:2:1", "content/blog/first-post.md:3:"],
    );
    assert!(err.contains("2 errors"), "{err}");
}

#[test]
fn missing_config_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), &dir.path().join("public"), &[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("config.toml") && stderr(&out).contains("placard init"), "{}", stderr(&out));
}

#[test]
fn static_files_are_never_skipped_without_a_word() {
    let scratch = Scratch::of("zola-site");
    assert_ok(&scratch.build(&[]));
    let before = tree(&scratch.public());
    std::fs::create_dir_all(scratch.site().join("static")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", scratch.site().join("static/host.txt")).unwrap();
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("static/host.txt") && stderr(&out).contains("is a link"), "{}", stderr(&out));
    assert_eq!(tree(&scratch.public()), before);
}
