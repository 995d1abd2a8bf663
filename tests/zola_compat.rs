//! A Zola-style site (tests/fixtures/zola-compat) built by `placard build`: every Zola setting that
//! decides what is published is honoured, and the Zola features such sites lean on work as in Zola.

mod common;

use common::*;
use sha2::{Digest, Sha256, Sha384};

fn built() -> (Scratch, std::collections::BTreeMap<String, Vec<u8>>) {
    let scratch = Scratch::of("zola-compat");
    let out = scratch.build(&[]);
    assert_ok(&out);
    let files = tree(&scratch.public());
    (scratch, files)
}

/// Every published file, as text, joined: what a reader could ever fetch.
fn everything(files: &std::collections::BTreeMap<String, Vec<u8>>) -> String {
    files.values().map(|b| String::from_utf8_lossy(b).into_owned()).collect::<Vec<_>>().join("\n")
}

#[test]
fn what_the_site_leaves_out_is_never_published() {
    let (_scratch, files) = built();
    let all = everything(&files);
    // ignored_content: a page matched by `*/scratch.md`, an asset matched by `*.xlsx`.
    assert!(!all.contains("SCRATCH-TEXT") && !files.keys().any(|k| k.contains("scratch")), "{:?}", files.keys());
    assert!(!files.keys().any(|k| k.ends_with(".xlsx")));
    assert!(files.contains_key("notices_2024/market_day/map.txt"), "other assets of the bundle stay");
    assert!(files.contains_key("notices_2024/market_day/photos/stall.txt"), "a bundle's subfolder is kept: {:?}", files.keys());
    // ignored_static: a whole folder of static/.
    assert!(!all.contains("PRIVATE-NOTE") && !files.keys().any(|k| k.starts_with("private/")));
    assert!(files.contains_key("js/app.js"));
    // render = false: no page, no alias, no listing, feed, sitemap or taxonomy entry, no bundle file.
    for secret in ["HELD-BACK-TEXT", "Held back", "HELD-BACK-ASSET", "Hidden Area", "hidden-area", "held-back"] {
        assert!(!all.contains(secret), "`{secret}` was published");
    }
    assert!(!files.keys().any(|k| k.contains("hidden")), "{:?}", files.keys());
    // A section with render = false gets no page, but its pages are published, as in Zola.
    assert!(!files.contains_key("about/index.html"));
    assert!(files.contains_key("about/office_hours/index.html"));
}

#[test]
fn theme_templates_are_reachable_through_the_theme_name() {
    let (scratch, _) = built();
    let home = read(&scratch.public(), "index.html");
    assert!(home.contains("theme-index <main>site-index Home"), "{home}");
    assert!(!home.contains("theme-main"));
}

#[test]
fn get_hash_digests_files_and_text_as_zola_does() {
    let (scratch, _) = built();
    let home = read(&scratch.public(), "index.html");
    let script = std::fs::read(scratch.site().join("static/js/app.js")).unwrap();
    let hex: String = Sha256::digest(&script).iter().map(|b| format!("{b:02x}")).collect();
    assert!(home.contains(&format!("[{hex}]")), "{home}");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(Sha384::digest(b"lantern"));
    assert!(home.contains(&format!("[{b64}]")), "sha384 in base64 is the default: {home}");
    scratch.write("templates/index.html", "{{ get_hash(path=\"../../etc/passwd\") }}");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("get_hash"), "{}", stderr(&out));
}

#[test]
fn a_taxonomy_uses_its_own_templates_before_the_shared_ones() {
    let (scratch, _) = built();
    assert_eq!(read(&scratch.public(), "key-areas/index.html").trim(), "own-list Market Square=market-square;");
    let single = read(&scratch.public(), "key-areas/market-square/index.html");
    assert!(single.starts_with("own-single Market Square Notice number 3;"), "{single}");
    std::fs::remove_dir_all(scratch.site().join("templates/key_areas")).unwrap();
    assert_ok(&scratch.build(&[]));
    assert_eq!(read(&scratch.public(), "key-areas/index.html").trim(), "generic-list");
    assert_eq!(read(&scratch.public(), "key-areas/market-square/index.html").trim(), "generic-single");
}

#[test]
fn slugify_modes_shape_urls() {
    let (scratch, files) = built();
    // paths = "safe": underscores in file and folder names stay; taxonomies = "on": hyphens.
    for path in ["notices_2024/notice_1/index.html", "notices_2024/market_day/index.html", "key-areas/market-square/index.html"] {
        assert!(files.contains_key(path), "{path} missing: {:?}", files.keys());
    }
    scratch.write("config.toml", &std::fs::read_to_string(scratch.site().join("config.toml")).unwrap().replace("paths = \"safe\"", "paths = \"on\""));
    assert_ok(&scratch.build(&[]));
    let files = tree(&scratch.public());
    assert!(files.contains_key("notices_2024/notice-1/index.html"), "{:?}", files.keys());
    assert!(files.contains_key("notices_2024/index.html"), "a folder name fit for a URL is kept, as in Zola");
    scratch.write("config.toml", "base_url = \"https://a.cn\"\n[slugify]\npaths = \"sometimes\"\n");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("config.toml:3"), "{}", stderr(&out));
}

#[test]
fn pagination_keys_and_section_feeds() {
    let (scratch, files) = built();
    let first = read(&scratch.public(), "notices_2024/index.html");
    let first_lower = first.to_lowercase();
    assert!(first.contains("pager 1/2: Market day; Notice number 3;"), "paginate_reversed: {first}");
    let second = read(&scratch.public(), "notices_2024/page/2/index.html");
    assert!(second.contains("pager 2/2: Notice number 2; Notice number 1;"), "{second}");
    // A page in a folder without `_index.md` is published but listed by no section, as in Zola.
    assert!(files.contains_key("notices_2024/archive/loose_leaf/index.html"));
    assert!(!first_lower.contains("loose leaf") && !second.to_lowercase().contains("loose leaf"));
    // The section asked for its own feed; the site feed exists too; a section that did not ask has none.
    let feed = read(&scratch.public(), "notices_2024/atom.xml");
    assert_eq!(feed.matches("<entry>").count(), 4, "{feed}");
    assert!(feed.contains("<title>Lantern Street Notices - Notices 2024</title>"));
    assert!(feed.contains("<author><name>Street office</name></author>"), "config's author: {feed}");
    assert!(files.contains_key("atom.xml") && !files.contains_key("about/atom.xml"));
    // The sitemap lists the second pager (a page of its own), not `page/1/` (a redirect).
    let sitemap = read(&scratch.public(), "sitemap.xml");
    assert!(sitemap.contains("<loc>https://lantern.example.cn/notices_2024/page/2/</loc>"), "{sitemap}");
    assert!(!sitemap.contains("page/1/"), "{sitemap}");
}

#[test]
fn internal_templates_can_be_replaced() {
    let (scratch, _) = built();
    let alias = read(&scratch.public(), "old-notices/index.html");
    assert!(alias.contains("site-alias https://lantern.example.cn/notices_2024/"), "{alias}");
    assert_eq!(read(&scratch.public(), "robots.txt"), "User-agent: lantern\nSitemap: https://lantern.example.cn/sitemap.xml\n");
    // Without them, placard's own.
    std::fs::remove_file(scratch.site().join("templates/internal/alias.html")).unwrap();
    std::fs::remove_file(scratch.site().join("templates/robots.txt")).unwrap();
    assert_ok(&scratch.build(&[]));
    assert!(read(&scratch.public(), "old-notices/index.html").contains("http-equiv=\"refresh\""));
    assert!(read(&scratch.public(), "robots.txt").starts_with("User-agent: *"));
    // Feed and sitemap templates of the theme replace placard's own, with Zola's variables.
    scratch.write("themes/lantern/templates/sitemap.xml", "<urlset>{% for e in entries %}{{ e.permalink }}|{{ e.updated }};{% endfor %}</urlset>");
    scratch.write(
        "themes/lantern/templates/atom.xml",
        "{{ feed_url }} {{ last_updated }}{% if section %} S:{{ section.title }}{% endif %}{% if term %} T:{{ term.name }}{% endif %}:{% for p in pages %} {{ p.title }};{% endfor %}",
    );
    assert_ok(&scratch.build(&[]));
    let sitemap = read(&scratch.public(), "sitemap.xml");
    assert!(sitemap.starts_with("<urlset>https://lantern.example.cn/|"), "{sitemap}");
    assert!(sitemap.contains("https://lantern.example.cn/notices_2024/market_day/|2024-04-01;"), "{sitemap}");
    let feed = read(&scratch.public(), "notices_2024/atom.xml");
    assert_eq!(
        feed,
        "https://lantern.example.cn/notices_2024/atom.xml 2024-04-01T00:00:00Z S:Notices 2024: Market day; Notice number 3; Notice number 2; Notice number 1;"
    );
    assert!(read(&scratch.public(), "key-areas/market-square/atom.xml").contains(" T:Market Square:"));
    assert!(read(&scratch.public(), "atom.xml").starts_with("https://lantern.example.cn/atom.xml "));
    // A template that fails to render stops the build, naming it.
    scratch.write("themes/lantern/templates/sitemap.xml", "{{ entries.nothing.here }}");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("sitemap.xml"), "{}", stderr(&out));
}

#[test]
fn sass_compiles_beside_static_files() {
    let (scratch, files) = built();
    assert_eq!(read(&scratch.public(), "site.css").trim_end(), "main h1{color:#246}", "compressed, as Zola writes it");
    assert!(files.contains_key("sub/side.css") && files.contains_key("lantern.css"), "{:?}", files.keys());
    assert!(!files.keys().any(|k| k.contains("palette")), "partials are not published");
    scratch.write("sass/site.scss", "main {\n  color: $nowhere;\n}\n");
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("sass/site.scss:2"), "{}", stderr(&out));
}

#[test]
fn zola_settings_placard_cannot_honour_stop_the_build() {
    let scratch = Scratch::of("zola-compat");
    let config = std::fs::read_to_string(scratch.site().join("config.toml")).unwrap();
    // (top-level keys go first, tables last, so that each lands where TOML puts it)
    let without_static = config.replace("ignored_static = [\"private/**\"]\n", "");
    for (text, named) in [
        (format!("{config}\n[languages.fr]\nbuild_search_index = true\nsearch = {{ include_content = false }}\n"), "[languages.fr] `search`"),
        (format!("build_search_index = true\n{config}\n[search]\ninclude_content = false\n"), "[search]"),
        (format!("ignored_static = [\"[unclosed\"]\n{without_static}"), "ignored_static"),
    ] {
        scratch.write("config.toml", &text);
        let out = scratch.build(&[]);
        assert_clean_failure(&out);
        assert!(stderr(&out).contains(named), "{named}: {}", stderr(&out));
    }
}

#[test]
fn code_blocks_are_coloured_as_highlighting_asks() {
    let (scratch, _) = built();
    let page = read(&scratch.public(), "notices_2024/notice_1/index.html");
    assert!(page.contains("<pre style=\"background-color:#"), "{page}");
    assert!(page.contains("<span style=\"color:#"), "{page}");
    assert!(page.contains("&quot;8:30 &lt; 17:30&quot;") || page.contains("8:30 &lt; 17:30"), "the text stays, escaped: {page}");
    // Classes for the site's own stylesheet.
    let config = std::fs::read_to_string(scratch.site().join("config.toml")).unwrap();
    scratch.write("config.toml", &config.replace("theme = \"InspiredGitHub\"", "style = \"class\""));
    assert_ok(&scratch.build(&[]));
    let page = read(&scratch.public(), "notices_2024/notice_1/index.html");
    assert!(page.contains("<span class=\"z-") && !page.contains("style=\"color"), "{page}");
    // A theme placard cannot read: a warning naming it, and the code published uncoloured.
    scratch.write("config.toml", &config.replace("theme = \"InspiredGitHub\"", "theme = \"no-such-theme\""));
    let out = scratch.build(&[]);
    assert_ok(&out);
    assert!(stderr(&out).contains("`no-such-theme`"), "{}", stderr(&out));
    let page = read(&scratch.public(), "notices_2024/notice_1/index.html");
    assert!(page.contains("<pre><code class=\"language-rust\">let office = &quot;8:30 &lt; 17:30&quot;;"), "{page}");
    // A typo in the table is an error, as every unknown key is.
    scratch.write("config.toml", &config.replace("theme = \"InspiredGitHub\"", "them = \"InspiredGitHub\""));
    let out = scratch.build(&[]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("unknown key `them`"), "{}", stderr(&out));
}

#[test]
fn get_section_limit_lists_the_first_pages_and_counts_them_all() {
    let (scratch, _) = built();
    let template = "{% set all = get_section(path=\"notices_2024/_index.md\") %}\
                    {% set few = get_section(path=\"notices_2024/_index.md\", limit=1) %}\
                    [{{ all.pages | length }}|{{ few.pages | length }}|{{ few.page_count }}|{{ few.pages.0.permalink }}|{{ all.pages.0.permalink }}]";
    scratch.write("templates/index.html", template);
    let out = scratch.build(&[]);
    assert_ok(&out);
    let home = read(&scratch.public(), "index.html");
    let inside = home.trim().trim_start_matches('[').trim_end_matches(']').to_string();
    let parts: Vec<&str> = inside.split('|').collect();
    assert_eq!(parts.len(), 5, "{home}");
    let all: usize = parts[0].parse().unwrap();
    assert!(all > 1, "the fixture's section lists several pages: {home}");
    assert_eq!((parts[1], parts[2].parse::<usize>().unwrap()), ("1", all), "{home}");
    assert_eq!(parts[3], parts[4], "the first page, in the section's order: {home}");
}

/// Listed pages carry their `content` and `toc` only when a template might read them; whenever one
/// can, in any of the ways a template reaches a listed page, it gets them.
#[test]
fn a_template_that_reads_listed_bodies_gets_them() {
    let scratch = Scratch::of("zola-site");
    // Each case: the listing's body, and a template it uses, which would not count on its own.
    let cases = [
        ("a listed page", "{% for p in section.pages %}{{ p.content | safe }}{% endfor %}", None),
        ("a loop named page", "{% for page in section.pages %}{{ page.content | safe }}{% endfor %}", None),
        ("a table of contents", "{% for p in section.pages %}{% for h in p.toc %}<i>{{ h.title }}</i>{% endfor %}{% endfor %}", None),
        (
            "a macro argument named page",
            "{% for p in section.pages %}{{ b::body(page=p) }}{% endfor %}",
            Some(("macros.html", "{% macro body(page) %}{{ page.content | safe }}{% endmacro %}")),
        ),
        ("an included template", "{% for page in section.pages %}{% include \"part.html\" %}{% endfor %}", Some(("part.html", "{{ page.content | safe }}"))),
        (
            "an included template reading `item`",
            "{% for item in section.pages %}{% include \"part.html\" %}{% endfor %}",
            Some(("part.html", "{{ item.content | safe }}")),
        ),
        ("get with a literal key", "{% for p in section.pages %}{{ p | get(key=\"content\") | safe }}{% endfor %}", None),
        ("map over an attribute", "{{ section.pages | map(attribute=\"content\") | join(sep=\"\") | safe }}", None),
        ("a key chosen at run time", "{% set k = \"con\" ~ \"tent\" %}{% for p in section.pages %}{{ p[k] | safe }}{% endfor %}", None),
        ("json_encode", "{{ section.pages | json_encode | safe }}", None),
    ];
    for (case, body, helper) in cases {
        let import = if body.contains("b::") { "{% import \"macros.html\" as b %}" } else { "" };
        scratch.write("templates/section.html", &format!("{{% extends \"base.html\" %}}{import}{{% block content %}}{body}{{% endblock %}}"));
        if let Some((name, text)) = helper {
            scratch.write(&format!("templates/{name}"), text);
        }
        let out = scratch.build(&[]);
        assert_ok(&out);
        let blog = read(&scratch.public(), "blog/index.html");
        // "Details" is a heading below the first post's summary: only its whole body has it.
        assert!(blog.contains("Details"), "{case}: the listing lacks the listed page's body:\n{blog}");
        if let Some((name, _)) = helper {
            std::fs::remove_file(scratch.site().join("templates").join(name)).unwrap();
        }
    }
    // Without them, no listing carries bodies (the fixture's own templates read none): the same
    // listing that reads `p.title` only still builds, and a page still shows its own body.
    scratch
        .write("templates/section.html", "{% extends \"base.html\" %}{% block content %}{% for p in section.pages %}{{ p.title }}{% endfor %}{% endblock %}");
    let out = placard().env("PLACARD_TIMINGS", "1").arg("build").arg("--root").arg(scratch.site()).arg("--output-dir").arg(scratch.public()).output().unwrap();
    assert_ok(&out);
    assert!(stderr(&out).contains("listed pages carry no bodies"), "{}", stderr(&out));
    assert!(read(&scratch.public(), "blog/first-post/index.html").contains("Details"));
}
