//! The content layer in process: what `Library::load` makes of a site, without rendering anything.
//! Listings, dates, drafts, expiry, taxonomies, and the pages that are print sources.

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::*;
use placard::config::Config;
use placard::content::{Library, LoadOptions};
use placard::Errors;

fn load(root: &Path, drafts: bool, today: (i32, u32, u32)) -> Library {
    let mut warnings = Errors::default();
    let config = Config::load(root, &mut warnings).unwrap_or_else(|e| panic!("{e:?}"));
    let options = LoadOptions { drafts, today: NaiveDate::from_ymd_opt(today.0, today.1, today.2).unwrap() };
    let (library, _) = Library::load(root, &config, &options).unwrap_or_else(|e| panic!("{e:?}"));
    library
}

fn titles(library: &Library, pages: &[usize]) -> Vec<String> {
    pages.iter().map(|&p| library.pages[p].meta.title.clone().unwrap_or_default()).collect()
}

fn section<'a>(library: &'a Library, relative: &str) -> &'a placard::content::Section {
    library.sections.iter().find(|s| s.relative == relative).unwrap_or_else(|| panic!("no section {relative}"))
}

#[test]
fn a_date_sorted_listing_is_newest_first_with_dates_from_file_names() {
    let library = load(&fixture("zola-site"), false, (2026, 1, 1));
    let blog = section(&library, "blog/_index.md");
    assert_eq!(titles(&library, &blog.pages), ["Dated by file name", "First post", "Bundle post", "Custom slug", "Moved by path"]);
    let dated = library.pages.iter().find(|p| p.relative == "blog/2024-04-02-dated-file.md").unwrap();
    assert_eq!(dated.date.as_ref().map(|d| d.text.as_str()), Some("2024-04-02"), "the date comes from the file name");
    assert_eq!(dated.slug, "dated-file");
    // Neighbours follow the listing: `lower` is the next (older) page.
    let first = blog.pages[0];
    assert_eq!(library.pages[first].lower, Some(blog.pages[1]));
    assert_eq!(library.pages[blog.pages[1]].higher, Some(first));
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let without = load(&fixture("zola-site"), false, (2026, 1, 1));
    assert!(!without.pages.iter().any(|p| p.relative == "blog/draft.md"));
    let with = load(&fixture("zola-site"), true, (2026, 1, 1));
    assert!(with.pages.iter().any(|p| p.relative == "blog/draft.md"));
}

#[test]
fn terms_list_their_pages_newest_first() {
    let library = load(&fixture("zola-site"), false, (2026, 1, 1));
    let tags = library.taxonomies.iter().find(|t| t.config.name == "tags").unwrap();
    assert_eq!(tags.path, "/tags/");
    let rust = tags.terms.iter().find(|t| t.name == "Rust").unwrap();
    assert_eq!(rust.path, "/tags/rust/");
    assert_eq!(titles(&library, &rust.pages), ["Dated by file name", "First post"]);
    let names: Vec<&str> = tags.terms.iter().map(|t| t.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "terms are in a stable order");
}

#[test]
fn expired_notices_keep_their_page_but_leave_listings() {
    // `expires = 2025-12-31` (Zola-style expiry; reward notices have their own lifecycle).
    let before = load(&repo(), false, (2025, 6, 1));
    let after = load(&repo(), false, (2026, 6, 1));
    let notice = |library: &Library| library.pages.iter().position(|p| p.relative == "notices/xiansuo-zhengji-2025.md").unwrap();
    let notices = |library: &Library| section(library, "notices/_index.md").pages.clone();
    assert!(!before.pages[notice(&before)].expired && notices(&before).contains(&notice(&before)));
    assert!(after.pages[notice(&after)].expired && !notices(&after).contains(&notice(&after)));
}

#[test]
fn posters_and_letters_are_print_sources_not_web_pages() {
    let library = load(&repo(), false, (2026, 6, 1));
    let mut sources = 0;
    for page in &library.pages {
        // A translation of a print source (`box-a4.en.md`) is printed with it, not published.
        let printed = page.is_print_source() || page.translations.iter().any(|&t| library.pages[t].is_print_source());
        assert_eq!(page.published, !printed, "{}", page.relative);
        sources += usize::from(page.is_print_source());
        if page.meta.poster.is_some() || page.meta.letter.is_some() {
            assert!(page.is_print_source(), "{}", page.relative);
        }
    }
    assert!(sources >= 4, "the example has print sources: {sources}");
    let posters = library.sections.iter().position(|s| s.relative == "posters/_index.md").unwrap();
    let units = library.sections.iter().position(|s| s.relative == "units/_index.md").unwrap();
    assert!(!library.section_published(posters), "a section of print sources is not on the website");
    assert!(library.section_published(units));
    let root = section(&library, "_index.md");
    assert!(!root.subsections.contains(&posters) && root.subsections.contains(&units), "menus leave it out");
    // The campaign built from the content: channels and units, each unit with its own channels first.
    let mut errors = Errors::default();
    let config = Config::load(&repo(), &mut errors).unwrap();
    let options = LoadOptions { drafts: false, today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() };
    let campaign = placard::campaign::Campaign::collect(&library, &config, &options, &mut errors);
    assert!(!errors.has_errors(), "{errors:?}");
    assert!(campaign.channel("hotline").is_some());
    let dongwan = campaign.print.unit("dongwan").unwrap();
    assert_eq!(dongwan.channels[..dongwan.own_channels.len()], dongwan.own_channels[..]);
}
