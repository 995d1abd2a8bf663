//! Every `config.toml` and front-matter example in `docs/` builds as written: a newcomer copies
//! them first, so a broken example is a broken promise. Each ```toml block is classified by what it
//! holds and placed in a small site of its own:
//! - a block with `base_url` is a whole `config.toml`;
//! - a block that opens with a placard table (`[channel]`, `[unit]`, `[poster]`, `[letter]`, …) is
//!   the front matter of a page in the section where such pages live;
//! - any other block is part of a `config.toml` and is added to a minimal one.

mod common;

use common::*;

/// The ```toml blocks of a Markdown file, with the line each starts on.
fn toml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some((i + 2, String::new())),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some((_, block)), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// A site whose pages give every placard table something to point at: the channels, the unit and
/// the notice the documented examples name.
fn base_site(scratch: &Scratch, config: &str) {
    scratch.write("config.toml", config);
    scratch.write("content/_index.md", "+++\ntitle = \"首页\"\n+++\n");
    for section in ["channels", "units", "posters", "letters", "notices"] {
        scratch.write(&format!("content/{section}/_index.md"), "+++\ntitle = \"x\"\n+++\n");
    }
    let channel = |id: &str, kind: &str, value: &str| format!("+++\ntitle = \"{id}\"\n[channel]\nid = \"{id}\"\nkind = \"{kind}\"\nvalue = \"{value}\"\n+++\n");
    scratch.write("content/channels/hotline.md", &channel("hotline", "phone", "0123-6110110"));
    scratch.write("content/channels/12337.md", &channel("12337", "web", "https://www.12337.gov.cn"));
    scratch.write("content/channels/110.md", &channel("110", "phone", "110"));
    scratch.write("content/channels/dongwan-box.md", &channel("dongwan-box", "box", "东湾村村委会门口"));
    scratch.write("content/channels/dongwan-tel.md", &channel("dongwan-tel", "phone", "0123-6110202"));
    scratch.write(
        "content/units/dongwan.md",
        "+++\ntitle = \"东湾村\"\n[unit]\nid = \"dongwan\"\nname = \"东湾村\"\nchannels = [\"dongwan-box\"]\nhouseholds = 10\n+++\n",
    );
    scratch.write("content/units/shiqiao.md", "+++\ntitle = \"石桥村\"\n[unit]\nid = \"shiqiao\"\nname = \"石桥村\"\nhouseholds = 10\n+++\n");
}

const MINIMAL_CONFIG: &str = "base_url = \"https://www.example.gov.cn\"\ntitle = \"示例\"\ntheme = \"default\"\n";

/// Where a page with this placard table lives.
fn section_of(table: &str) -> Option<&'static str> {
    Some(match table {
        "channel" => "channels",
        "unit" => "units",
        "poster" => "posters",
        "letter" => "letters",
        "notice" => "notices",
        _ => return None,
    })
}

#[test]
fn every_toml_example_in_the_docs_builds() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, block) in toml_blocks(&text) {
            let scratch = Scratch::of("zola-site");
            let _ = std::fs::remove_dir_all(scratch.site());
            let first_table = block.lines().map(str::trim).find(|l| l.starts_with('[')).map(|l| l.trim_matches(['[', ']']).to_string());
            let opens_with_table = block.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).is_some_and(|l| l.starts_with('['));
            let name = format!("{}:{line}", file.file_name().unwrap().to_string_lossy());
            if block.contains("base_url") {
                base_site(&scratch, &block);
            } else if let (true, Some(section)) = (opens_with_table, first_table.as_deref().and_then(section_of)) {
                base_site(&scratch, MINIMAL_CONFIG);
                let id = block.lines().find_map(|l| l.trim().strip_prefix("id = \"").and_then(|r| r.split('"').next())).unwrap_or("example").to_string();
                // A documented example may reuse an id of the base site: it replaces that page.
                let _ = std::fs::remove_file(scratch.site().join(format!("content/{section}/{id}.md")));
                let page = format!("+++\ntitle = \"示例\"\n{block}+++\n\n正文。\n");
                match block.lines().find_map(|l| l.trim().strip_prefix("seal = \"").and_then(|r| r.split('"').next())) {
                    // A letter with a seal is a page bundle with the image beside it.
                    Some(seal) => {
                        scratch.write(&format!("content/{section}/doc-example/index.md"), &page);
                        let image = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 0, 0]));
                        image.save(scratch.site().join(format!("content/{section}/doc-example/{seal}"))).unwrap();
                    }
                    None => scratch.write(&format!("content/{section}/doc-example.md"), &page),
                }
            } else {
                base_site(&scratch, &format!("{MINIMAL_CONFIG}\n{block}"));
            }
            let out = scratch.build(&[]);
            assert!(out.status.success(), "the example at {name} does not build:\n{block}\n{}", stderr(&out));
            checked += 1;
        }
    }
    assert!(checked >= 4, "the docs have examples: {checked}");
}
