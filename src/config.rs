//! `config.toml`: Zola's keys where they fit, strict about typos, and a serialised shape for templates.

use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Errors};
use crate::serde_errors::from_toml;

/// The site configuration, read from `config.toml` at the site root.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub base_url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub default_language: String,
    pub theme: Option<String>,
    #[serde(default, alias = "generate_feed")]
    pub generate_feeds: bool,
    #[serde(default = "default_feed_filenames")]
    pub feed_filenames: Vec<String>,
    /// At most this many entries per feed: a feed is read over weak networks too.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Zola before 0.19 named a single feed file.
    feed_filename: Option<String>,
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// Relative to the site root; `--output-dir` overrides it.
    pub output_dir: Option<PathBuf>,
    #[serde(default = "yes")]
    pub generate_sitemap: bool,
    #[serde(default = "yes")]
    pub generate_robots_txt: bool,
    #[serde(default)]
    pub extra: Value,

    // Zola keys that placard accepts so that a Zola site builds, but does not act on.
    compile_sass: Option<IgnoredAny>,
    minify_html: Option<IgnoredAny>,
    build_search_index: Option<IgnoredAny>,
    hard_link_static: Option<IgnoredAny>,
    ignored_content: Option<IgnoredAny>,
    ignored_static: Option<IgnoredAny>,
    author: Option<IgnoredAny>,
    languages: Option<IgnoredAny>,
    translations: Option<IgnoredAny>,
    slugify: Option<IgnoredAny>,
    search: Option<IgnoredAny>,
    link_checker: Option<IgnoredAny>,
    preserve_dotfiles_in_output: Option<IgnoredAny>,
}

/// One `[[taxonomies]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub name: String,
    pub paginate_by: Option<usize>,
    #[serde(default = "default_paginate_path")]
    pub paginate_path: String,
    #[serde(default)]
    pub feed: bool,
    #[serde(default = "yes")]
    pub render: bool,
    /// Zola's multilingual key; placard builds one language.
    #[allow(dead_code)] // accepted so that Zola sites build
    lang: Option<IgnoredAny>,
}

/// The `[markdown]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Raw HTML in Markdown is escaped unless this is true.
    #[serde(default)]
    pub allow_html: bool,
    #[serde(default)]
    pub smart_punctuation: bool,
    #[serde(default)]
    pub external_links_target_blank: bool,
    #[serde(default)]
    pub external_links_no_follow: bool,
    /// On by default: a referrer could tell another site which notice a reader came from.
    #[serde(default = "yes")]
    pub external_links_no_referrer: bool,

    highlight_code: Option<IgnoredAny>,
    highlight_theme: Option<IgnoredAny>,
    highlight_themes_css: Option<IgnoredAny>,
    render_emoji: Option<IgnoredAny>,
    bottom_footnotes: Option<IgnoredAny>,
    extra_syntaxes_and_themes: Option<IgnoredAny>,
    lazy_async_image: Option<IgnoredAny>,
    #[allow(dead_code)] // accepted so that Zola sites build
    insert_anchor_links: Option<IgnoredAny>,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            allow_html: false,
            smart_punctuation: false,
            external_links_target_blank: false,
            external_links_no_follow: false,
            external_links_no_referrer: true,
            highlight_code: None,
            highlight_theme: None,
            highlight_themes_css: None,
            render_emoji: None,
            bottom_footnotes: None,
            extra_syntaxes_and_themes: None,
            lazy_async_image: None,
            insert_anchor_links: None,
        }
    }
}

fn default_language() -> String {
    "zh-CN".into()
}
fn default_feed_filenames() -> Vec<String> {
    vec!["atom.xml".into()]
}
fn default_feed_limit() -> usize {
    20
}
fn default_paginate_path() -> String {
    "page".into()
}
fn yes() -> bool {
    true
}

impl Config {
    /// Reads and validates `config.toml` in `root`. Warnings are pushed to `warnings`.
    pub fn load(root: &Path, warnings: &mut Errors) -> Result<Config, Errors> {
        let path = root.join("config.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            let error = Error::io(&path, "read the site configuration", e);
            if root.join("content").is_dir() {
                error
            } else {
                error.with_hint("run `placard build` inside a site folder, pass `--root DIR`, or create a site with `placard init DIR`")
            }
        })?;
        let mut config: Config = from_toml(&text, &path, 1)?;
        if let Some(name) = config.feed_filename.take() {
            config.feed_filenames = vec![name];
        }
        config.validate(&path, &text)?;
        for key in config.ignored_keys() {
            warnings.push(
                Error::warning(format!("`{key}` is a Zola setting that placard does not act on; it is ignored"))
                    .located(&path, line_of_key(&text, key), 1),
            );
        }
        Ok(config)
    }

    fn validate(&mut self, path: &Path, text: &str) -> Result<(), Errors> {
        let mut errors = Errors::default();
        let at = |key: &str| line_of_key(text, key);
        let url = self.base_url.trim_end_matches('/').to_string();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() <= "https://".len() {
            errors.push(
                Error::at(path, at("base_url"), 1, format!("`base_url` must be a full web address, not `{}`", self.base_url))
                    .with_hint("write it like base_url = \"https://www.example.gov.cn\""),
            );
        }
        self.base_url = url;
        let mut seen = std::collections::BTreeSet::new();
        for taxonomy in &self.taxonomies {
            let name = &taxonomy.name;
            if name.trim().is_empty() || name.contains('/') {
                errors.push(Error::at(path, at("taxonomies"), 1, format!("taxonomy name `{name}` cannot be used in a URL")));
            }
            if !seen.insert(name.clone()) {
                errors.push(Error::at(path, at("taxonomies"), 1, format!("taxonomy `{name}` is defined twice")));
            }
            if taxonomy.paginate_by == Some(0) {
                errors.push(Error::at(path, at("taxonomies"), 1, format!("taxonomy `{name}` has paginate_by = 0")).with_hint("use a positive number, or leave paginate_by out"));
            }
        }
        for name in &self.feed_filenames {
            if name.contains('/') || name.contains("..") || name.is_empty() {
                errors.push(Error::at(path, at("feed_filenames"), 1, format!("feed file name `{name}` must be a plain file name")));
            }
        }
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(())
        }
    }

    fn ignored_keys(&self) -> Vec<&'static str> {
        let top = [
            ("compile_sass", self.compile_sass.is_some()),
            ("minify_html", self.minify_html.is_some()),
            ("build_search_index", self.build_search_index.is_some()),
            ("hard_link_static", self.hard_link_static.is_some()),
            ("ignored_content", self.ignored_content.is_some()),
            ("ignored_static", self.ignored_static.is_some()),
            ("author", self.author.is_some()),
            ("languages", self.languages.is_some()),
            ("translations", self.translations.is_some()),
            ("slugify", self.slugify.is_some()),
            ("search", self.search.is_some()),
            ("link_checker", self.link_checker.is_some()),
            ("preserve_dotfiles_in_output", self.preserve_dotfiles_in_output.is_some()),
        ];
        let md = &self.markdown;
        let markdown = [
            ("highlight_code", md.highlight_code.is_some()),
            ("highlight_theme", md.highlight_theme.is_some()),
            ("highlight_themes_css", md.highlight_themes_css.is_some()),
            ("render_emoji", md.render_emoji.is_some()),
            ("bottom_footnotes", md.bottom_footnotes.is_some()),
            ("extra_syntaxes_and_themes", md.extra_syntaxes_and_themes.is_some()),
            ("lazy_async_image", md.lazy_async_image.is_some()),
            ("insert_anchor_links", md.insert_anchor_links.is_some()),
        ];
        top.into_iter().chain(markdown).filter(|(_, set)| *set).map(|(k, _)| k).collect()
    }

    /// The taxonomy configured under `name`.
    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }

    /// The absolute URL of a site path such as `/news/`.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The shape templates see as `config`.
    pub fn to_value(&self) -> Value {
        json!({
            "base_url": self.base_url,
            "title": self.title,
            "description": self.description,
            "default_language": self.default_language,
            "generate_feeds": self.generate_feeds,
            "feed_filenames": self.feed_filenames,
            "taxonomies": self.taxonomies.iter().map(|t| json!({
                "name": t.name, "paginate_by": t.paginate_by, "paginate_path": t.paginate_path, "feed": t.feed,
            })).collect::<Vec<_>>(),
            "markdown": {
                "allow_html": self.markdown.allow_html,
                "smart_punctuation": self.markdown.smart_punctuation,
            },
            "extra": self.extra,
        })
    }
}

/// The line where `key` is set, for locating errors about a value that parsed but is not valid.
fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        from_toml(text, Path::new("config.toml"), 1)
    }

    #[test]
    fn unknown_key_is_named_with_a_suggestion() {
        let err = parse("base_url = \"https://a.cn\"\ntitel = \"x\"\n").unwrap_err();
        assert_eq!(err.message, "unknown key `titel`");
        assert_eq!(err.location.as_ref().unwrap().line, 2);
        assert_eq!(err.hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn zola_keys_are_accepted() {
        let config = parse("base_url = \"https://a.cn\"\ncompile_sass = true\nbuild_search_index = false\n[markdown]\nhighlight_code = true\n").unwrap();
        assert_eq!(config.ignored_keys(), vec!["compile_sass", "build_search_index", "highlight_code"]);
    }
}
