//! Content loading: walking `content/`, reading front matter, working out URLs, and linking pages,
//! sections and taxonomies into a [`Library`] of plain data.

pub mod campaign_tables;
pub mod front_matter;
pub mod library;
pub mod taxonomies;

pub use front_matter::{Date, SortBy};
pub use library::{Library, LoadOptions, Page, Section, Source};
pub use taxonomies::{Taxonomy, Term};

/// Makes a URL component from a file name or title. ASCII is lower-cased; letters and digits of any
/// script are kept (so Chinese stays Chinese, not pinyin); everything else becomes a single `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    slug
}

/// Makes a URL part as `[slugify]` asks. `on` is [`slugify`]; `safe` keeps the name as written less
/// the characters no file name may hold; `off` keeps it as written. Even `off` drops `/` and `\\`,
/// which would put the file in another folder than its URL names, and a name of only dots.
pub fn slug_with(text: &str, mode: crate::config::SlugMode) -> String {
    use crate::config::SlugMode;
    let kept: String = match mode {
        SlugMode::On => return slugify(text),
        SlugMode::Safe => text.trim_end_matches([' ', '.']).chars().filter(|c| !r#"<>:"/\|?*"#.contains(*c)).collect(),
        SlugMode::Off => text.chars().filter(|c| !matches!(c, '/' | '\\')).collect(),
    };
    if kept.chars().all(|c| c == '.') {
        String::new()
    } else {
        kept
    }
}

/// Whether `id` suits a short link and a file name: lower-case ASCII letters, digits and dashes,
/// not starting with a dash, at most `max_len` long. Channels, units and print items share it,
/// since they share the short links `/q/<id>/`.
pub fn is_short_id(id: &str, max_len: usize) -> bool {
    !id.is_empty()
        && id.len() <= max_len
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub use crate::urls::{clean_url_path, output_file};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_chinese_and_fold_ascii() {
        assert_eq!(slugify("什么是黑恶势力"), "什么是黑恶势力");
        assert_eq!(slugify("My First_Post!"), "my-first-post");
        assert_eq!(slugify("  扫黑 除恶 2024 "), "扫黑-除恶-2024");
        assert_eq!(slugify("「举报」须知"), "举报-须知");
    }

    #[test]
    fn slug_modes_follow_zola_but_keep_chinese() {
        use crate::config::SlugMode::*;
        assert_eq!(slug_with("a_post With Dates", On), "a-post-with-dates");
        assert_eq!(slug_with("a_post With Dates", Safe), "a_post With Dates");
        assert_eq!(slug_with("what? <now>. ", Safe), "what now");
        assert_eq!(slug_with("举报 须知", On), "举报-须知");
        assert_eq!(slug_with("举报 须知", Safe), "举报 须知");
        assert_eq!(slug_with("../up", Off), "..up");
        assert_eq!(slug_with("..", Off), "");
        assert_eq!(slug_with("a:b", Off), "a:b");
    }

    #[test]
    fn url_paths_cannot_escape() {
        assert_eq!(clean_url_path("about/us").unwrap(), "/about/us/");
        assert_eq!(clean_url_path("/old.html").unwrap(), "/old.html");
        assert!(clean_url_path("../etc").is_err());
        assert!(clean_url_path("a//b").is_err());
        assert!(clean_url_path("a\\..\\b").is_err());
        assert_eq!(output_file("/"), "index.html");
        assert_eq!(output_file("/新闻/"), "新闻/index.html");
    }
}
