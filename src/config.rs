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
    #[serde(default, alias = "generate_feed", alias = "generate_rss")]
    pub generate_feeds: bool,
    #[serde(default = "default_feed_filenames")]
    pub feed_filenames: Vec<String>,
    /// At most this many entries per feed: a feed is read over weak networks too.
    #[serde(default = "default_feed_limit", alias = "rss_limit")]
    pub feed_limit: usize,
    /// Zola before 0.19 named a single feed file.
    feed_filename: Option<String>,
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// placard: where reporting channels live and where their short links and check page go.
    #[serde(default)]
    pub channels: ChannelsConfig,
    /// placard: what `placard check` accepts besides the site's own channels.
    #[serde(default)]
    pub check: CheckConfig,
    /// Relative to the site root; `--output-dir` overrides it.
    pub output_dir: Option<PathBuf>,
    #[serde(default = "yes")]
    pub generate_sitemap: bool,
    #[serde(default = "yes")]
    pub generate_robots_txt: bool,
    #[serde(default)]
    pub extra: Value,
    /// placard: print settings (`[[print.led]]` screens); read by `print`.
    #[serde(default)]
    pub print: Value,

    // Zola keys that placard accepts so that a Zola site builds, but does not act on.
    compile_sass: Option<Value>,
    minify_html: Option<Value>,
    /// Writes the search index and page (`/search/`), as in Zola; off unless asked for.
    #[serde(default)]
    pub build_search_index: bool,
    hard_link_static: Option<Value>,
    ignored_content: Option<Value>,
    ignored_static: Option<Value>,
    author: Option<Value>,
    languages: Option<Value>,
    /// Zola's `[translations]` (the default language's strings), for `trans(key=...)`.
    pub translations: Option<Value>,
    slugify: Option<Value>,
    search: Option<Value>,
    link_checker: Option<Value>,
    preserve_dotfiles_in_output: Option<Value>,
}

/// One `[[taxonomies]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub name: String,
    pub paginate_by: Option<usize>,
    #[serde(default = "default_paginate_path")]
    pub paginate_path: String,
    /// Zola before 0.19 called this `rss`.
    #[serde(default, alias = "rss")]
    pub feed: bool,
    #[serde(default = "yes")]
    pub render: bool,
    /// Zola's multilingual key; placard builds one language.
    #[allow(dead_code)] // accepted so that Zola sites build
    lang: Option<IgnoredAny>,
}

/// The `[check]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Phone numbers, e-mail addresses and web addresses that may appear in sources although they
    /// are not channels of the site (a web address allows every page under it), like
    /// `["12345", "https://www.gov.cn/"]`. Everything else written out must be a channel, so that
    /// one edit of a channel changes every page, poster and letter.
    #[serde(default)]
    pub allowed_contacts: Vec<String>,
}

/// The `[channels]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsConfig {
    /// The content section whose pages are channels.
    #[serde(default = "default_channels_section")]
    pub section: String,
    /// Short QR landing pages live at `/<short_path>/<id>/`; short, because a shorter payload gives
    /// bigger modules at the same printed size.
    #[serde(default = "default_short_path")]
    pub short_path: String,
    /// The page listing every official number, address and QR target, so a poster can be checked.
    #[serde(default = "default_verify_path")]
    pub verify_path: String,
    /// Local short service numbers (a county's `96xxx` line) accepted besides the national ones in
    /// [`crate::phone::SERVICE_NUMBERS`]; a short number in neither list is refused as a likely typo.
    #[serde(default)]
    pub service_numbers: Vec<String>,
}

impl Default for ChannelsConfig {
    fn default() -> Self {
        ChannelsConfig { section: default_channels_section(), short_path: default_short_path(), verify_path: default_verify_path(), service_numbers: vec![] }
    }
}

fn default_channels_section() -> String {
    "channels".into()
}
fn default_short_path() -> String {
    "q".into()
}
fn default_verify_path() -> String {
    "verify".into()
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

    highlight_code: Option<Value>,
    highlight_theme: Option<Value>,
    highlight_themes_css: Option<Value>,
    render_emoji: Option<Value>,
    bottom_footnotes: Option<Value>,
    extra_syntaxes_and_themes: Option<Value>,
    lazy_async_image: Option<Value>,
    #[allow(dead_code)] // accepted so that Zola sites build
    insert_anchor_links: Option<Value>,
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
            warnings.push(Error::warning(format!("`{key}` is a Zola setting that placard does not act on; it is ignored")).located(
                &path,
                line_of_key(&text, key),
                1,
            ));
        }
        Ok(config)
    }

    fn validate(&mut self, path: &Path, text: &str) -> Result<(), Errors> {
        let mut errors = Errors::default();
        let at = |key: &str| line_of_key(text, key);
        match crate::urls::validate_base_url(&self.base_url) {
            Ok(url) => self.base_url = url,
            Err(why) => errors.push(
                Error::at(path, at("base_url"), 1, format!("`base_url` is not usable: {why}"))
                    .with_hint("write it like base_url = \"https://www.example.gov.cn\""),
            ),
        }
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
                errors.push(
                    Error::at(path, at("taxonomies"), 1, format!("taxonomy `{name}` has paginate_by = 0"))
                        .with_hint("use a positive number, or leave paginate_by out"),
                );
            }
        }
        for (key, value) in [("short_path", &self.channels.short_path), ("verify_path", &self.channels.verify_path), ("section", &self.channels.section)] {
            if crate::urls::clean_url_path(value).map(|p| p == "/").unwrap_or(true) {
                errors.push(
                    Error::at(path, at(key), 1, format!("[channels] {key} = \"{value}\" is not a usable folder name"))
                        .with_hint("use a short name of letters, like \"q\" or \"verify\""),
                );
            }
        }
        for number in &self.channels.service_numbers {
            if !(3..=6).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) || number.starts_with('0') {
                errors.push(
                    Error::at(path, at("service_numbers"), 1, format!("[channels] service_numbers: `{number}` is not a short service number"))
                        .with_hint("list short numbers of 3 to 6 digits as text, like service_numbers = [\"96110\"]; ordinary numbers need no listing"),
                );
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
            ("compile_sass", asks(&self.compile_sass)),
            ("minify_html", asks(&self.minify_html)),
            ("hard_link_static", asks(&self.hard_link_static)),
            ("ignored_content", asks(&self.ignored_content)),
            ("ignored_static", asks(&self.ignored_static)),
            ("author", asks(&self.author)),
            ("languages", asks(&self.languages)),
            ("slugify", asks(&self.slugify)),
            ("search", asks(&self.search)),
            ("link_checker", asks(&self.link_checker)),
            ("preserve_dotfiles_in_output", asks(&self.preserve_dotfiles_in_output)),
        ];
        let md = &self.markdown;
        let markdown = [
            ("highlight_code", asks(&md.highlight_code)),
            ("highlight_theme", asks(&md.highlight_theme)),
            ("highlight_themes_css", asks(&md.highlight_themes_css)),
            ("render_emoji", asks(&md.render_emoji)),
            ("bottom_footnotes", asks(&md.bottom_footnotes)),
            ("extra_syntaxes_and_themes", asks(&md.extra_syntaxes_and_themes)),
            ("lazy_async_image", asks(&md.lazy_async_image)),
            ("insert_anchor_links", asks(&md.insert_anchor_links)),
        ];
        top.into_iter().chain(markdown).filter(|(_, asks)| *asks).map(|(k, _)| k).collect()
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
            "build_search_index": self.build_search_index,
            "feed_filenames": self.feed_filenames,
            "taxonomies": self.taxonomies.iter().map(|t| json!({
                "name": t.name, "paginate_by": t.paginate_by, "paginate_path": t.paginate_path, "feed": t.feed,
            })).collect::<Vec<_>>(),
            "markdown": {
                "allow_html": self.markdown.allow_html,
                "smart_punctuation": self.markdown.smart_punctuation,
            },
            "channels": {
                "section": self.channels.section,
                "short_path": self.channels.short_path,
                "verify_path": self.channels.verify_path,
                "service_numbers": self.channels.service_numbers,
            },
            "extra": self.extra,
        })
    }
}

/// Whether an ignored Zola setting asks for something placard does not do (`false` asks for nothing).
fn asks(value: &Option<Value>) -> bool {
    value.as_ref().is_some_and(|v| v != &Value::Bool(false))
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
    fn older_zola_feed_keys_still_work() {
        let config = parse("base_url = \"https://a.cn\"\ngenerate_rss = true\nrss_limit = 5\ntaxonomies = [{ name = \"tags\", rss = true }]\n").unwrap();
        assert!(config.generate_feeds && config.taxonomies[0].feed);
        assert_eq!(config.feed_limit, 5);
    }

    #[test]
    fn service_numbers_are_short_digits() {
        let config = parse("base_url = \"https://a.cn\"\n[channels]\nservice_numbers = [\"96111\"]\n").unwrap();
        assert_eq!(config.channels.service_numbers, ["96111"]);
        let text = "base_url = \"https://a.cn\"\n[channels]\nservice_numbers = [\"96111\", \"0123-6110110\"]\n";
        let mut config = parse(text).unwrap();
        let errors = config.validate(Path::new("config.toml"), text).unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert!(errors.0[0].message.contains("`0123-6110110` is not a short service number"));
        assert_eq!(errors.0[0].location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn zola_keys_are_accepted() {
        let config = parse("base_url = \"https://a.cn\"\ncompile_sass = true\nbuild_search_index = false\n[markdown]\nhighlight_code = true\n").unwrap();
        assert_eq!(config.ignored_keys(), vec!["compile_sass", "highlight_code"]);
    }
}
