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
    /// Zola's `"none"` (the default: pagers 2, 3, … are in the sitemap) or `"all"` (they are not).
    #[serde(default)]
    pub exclude_paginated_pages_in_sitemap: PagersInSitemap,
    #[serde(default)]
    pub extra: Value,
    /// placard: print settings (`[[print.led]]` screens); read by `print`.
    #[serde(default)]
    pub print: Value,

    /// Compiles `sass/*.scss` and `*.sass` (partials `_x` left out) to CSS at the same relative path.
    #[serde(default)]
    pub compile_sass: bool,
    /// Glob patterns of content files (pages, sections, assets) that are never built or published.
    #[serde(default)]
    pub ignored_content: Vec<String>,
    /// Glob patterns of static files that are never published.
    #[serde(default)]
    pub ignored_static: Vec<String>,
    /// How URLs of pages and taxonomy terms, and heading anchors, are made from names.
    #[serde(default)]
    pub slugify: SlugifyConfig,
    /// `ignored_content` compiled; built by [`Config::load`].
    #[serde(skip)]
    pub ignored_content_set: Option<globset::GlobSet>,
    /// `ignored_static` compiled; built by [`Config::load`].
    #[serde(skip)]
    pub ignored_static_set: Option<globset::GlobSet>,

    // Zola keys that placard accepts so that a Zola site builds, but does not act on.
    minify_html: Option<Value>,
    /// Writes the search index and page (`/search/`), as in Zola; off unless asked for.
    #[serde(default)]
    pub build_search_index: bool,
    hard_link_static: Option<Value>,
    /// The author feed entries name when a page names none (Zola's key).
    pub author: Option<String>,
    /// Zola's `[languages.<code>]`: the languages besides the default one (a table for the default
    /// language itself is merged into the top-level settings by [`Config::load`]).
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, LanguageOptions>,
    /// Zola's `[translations]` (the default language's strings), for `trans(key=...)`.
    pub translations: Option<Value>,
    /// placard: writing direction of the default language, `"rtl"` or `"ltr"`; guessed from the
    /// language code when left out (see [`crate::config::direction_of`]).
    pub dir: Option<TextDir>,
    search: Option<Value>,
    link_checker: Option<Value>,
    preserve_dotfiles_in_output: Option<Value>,
}

/// Which pagers of paginated listings the sitemap leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PagersInSitemap {
    #[default]
    None,
    All,
}

/// Zola's three ways of making a URL part or an anchor from a name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlugMode {
    /// Lower-case; runs of anything but letters and digits become one `-`. Chinese stays Chinese.
    #[default]
    On,
    /// As written, less the characters no file name may hold (`<>:"/\|?*`).
    Safe,
    /// As written.
    Off,
}

/// The `[slugify]` table.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlugifyConfig {
    #[serde(default)]
    pub paths: SlugMode,
    #[serde(default)]
    pub taxonomies: SlugMode,
    #[serde(default)]
    pub anchors: SlugMode,
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
    /// Zola before 0.15 named a taxonomy's language here; the language's own table replaced it.
    #[allow(dead_code)] // accepted so that older Zola sites build
    lang: Option<IgnoredAny>,
}

/// One `[languages.<code>]` table: what differs for the pages of one language, as in Zola.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageOptions {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default, alias = "generate_feed", alias = "generate_rss")]
    pub generate_feeds: bool,
    /// Empty means Zola's default, `atom.xml`.
    #[serde(default)]
    pub feed_filenames: Vec<String>,
    /// Zola before 0.19 named a single feed file.
    feed_filename: Option<String>,
    #[serde(default)]
    pub build_search_index: bool,
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// The strings `trans(key=..., lang=...)` returns for this language.
    #[serde(default)]
    pub translations: std::collections::BTreeMap<String, Value>,
    /// Accepted as Zola has it; placard's index has one shape for every language.
    search: Option<Value>,
    /// placard: `"rtl"` or `"ltr"`, when the guess from the language code is wrong.
    pub dir: Option<TextDir>,
}

/// Which way a language's text runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TextDir {
    #[default]
    Ltr,
    Rtl,
}

impl TextDir {
    /// The value of an HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            TextDir::Ltr => "ltr",
            TextDir::Rtl => "rtl",
        }
    }
}

/// The direction of a language from its code (`ug`, `ar`, `fa-IR`, `he`, …): the primary subtag of
/// the scripts written right to left, or an explicit `-Arab`/`-Hebr`/`-Thaa`/`-Syrc`/`-Nkoo`
/// script subtag. `ug-Latn` or `uz-Arab` say their script and win over the language's habit.
pub fn direction_of(code: &str) -> TextDir {
    let lower = code.to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    let script = parts.find(|p| p.len() == 4);
    const RTL_SCRIPTS: [&str; 7] = ["arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg"];
    if let Some(script) = script {
        return if RTL_SCRIPTS.contains(&script) { TextDir::Rtl } else { TextDir::Ltr };
    }
    // Uyghur, Arabic, Persian, Hebrew, Urdu, Pashto, Sindhi, Kurdish (Sorani), Dhivehi, Yiddish,
    // Syriac, N'Ko, Balochi, Dari: written right to left unless a script subtag says otherwise.
    const RTL_LANGUAGES: [&str; 15] = ["ug", "ar", "fa", "he", "iw", "ur", "ps", "sd", "ckb", "dv", "yi", "syr", "nqo", "bal", "prs"];
    if RTL_LANGUAGES.contains(&primary) {
        TextDir::Rtl
    } else {
        TextDir::Ltr
    }
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
    external_links_class: Option<Value>,
    external_links_external: Option<Value>,
    definition_list: Option<Value>,
    github_alerts: Option<Value>,
    /// Zola 0.22's `[markdown.highlighting]` table: code blocks are coloured (see [`crate::highlight`]).
    pub highlighting: Option<HighlightingConfig>,
    /// Built from `highlighting` by [`Config::load`].
    #[serde(skip)]
    pub highlighter: Option<std::sync::Arc<crate::highlight::Highlighter>>,
}

pub use crate::highlight::{HighlightStyle, HighlightingConfig};

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
            external_links_class: None,
            external_links_external: None,
            definition_list: None,
            github_alerts: None,
            highlighting: None,
            highlighter: None,
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
        config.merge_default_language(&path, &text)?;
        config.validate(&path, &text)?;
        config.refuse_unsupported(&path, &text)?;
        if let Some(settings) = &config.markdown.highlighting {
            config.markdown.highlighter = crate::highlight::Highlighter::from_config(settings, &path, warnings).map(std::sync::Arc::new);
        }
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
        for (key, patterns, set) in
            [("ignored_content", &self.ignored_content, &mut self.ignored_content_set), ("ignored_static", &self.ignored_static, &mut self.ignored_static_set)]
        {
            match glob_set(patterns) {
                Ok(built) => *set = built,
                Err(why) => errors.push(
                    Error::at(path, at(key), 1, format!("`{key}` holds a pattern that is not a glob: {why}"))
                        .with_hint("write patterns like \"*.xlsx\" or \"drafts/**\""),
                ),
            }
        }
        if let Some(h) = &self.markdown.highlighting {
            for (key, files) in [("extra_grammars", &h.extra_grammars), ("extra_themes", &h.extra_themes)] {
                for file in files.iter().filter(|f| !path.parent().unwrap_or(Path::new("")).join(f).is_file()) {
                    errors.push(
                        Error::at(path, at(key), 1, format!("[markdown.highlighting] {key}: `{file}` is not a file of the site"))
                            .with_hint("give the path from the site folder, like \"syntaxes/mine.json\", or remove it"),
                    );
                }
            }
        }
        for (code, options) in &self.languages {
            let table = format!("languages.{code}");
            if !is_language_code(code) {
                errors.push(
                    Error::at(path, line_of_language(text, code), 1, format!("`{code}` is not a language code"))
                        .with_hint("use a code like \"en\", \"bo\", \"ug\" or \"zh-Hant\": letters and digits in parts joined by `-`"),
                );
            }
            let mut seen = std::collections::BTreeSet::new();
            for taxonomy in &options.taxonomies {
                if taxonomy.name.trim().is_empty() || taxonomy.name.contains('/') || !seen.insert(taxonomy.name.clone()) || taxonomy.paginate_by == Some(0) {
                    errors.push(
                        Error::at(path, line_of_language(text, code), 1, format!("[{table}] taxonomy `{}` is not usable", taxonomy.name))
                            .with_hint("give each taxonomy a name once, without `/`, and a positive paginate_by (or none)"),
                    );
                }
            }
            for name in &options.feed_filenames {
                if name.contains('/') || name.contains("..") || name.is_empty() {
                    errors.push(Error::at(path, line_of_language(text, code), 1, format!("[{table}] feed file name `{name}` must be a plain file name")));
                }
            }
        }
        if self.is_multilingual() && !is_language_code(&self.default_language) {
            errors.push(
                Error::at(path, at("default_language"), 1, format!("default_language `{}` is not a language code", self.default_language))
                    .with_hint("use a code like \"zh-CN\" or \"zh\""),
            );
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

    /// Zola settings that would change which files are published, or what a published file holds
    /// for readers, and that placard cannot honour: building anyway would publish something else
    /// than the site asks for, so the build stops.
    fn refuse_unsupported(&self, path: &Path, text: &str) -> Result<(), Errors> {
        let mut errors = Errors::default();
        if self.build_search_index && asks(&self.search) {
            errors.push(
                Error::at(path, line_of_table(text, "search"), 1, "`[search]` changes what the search index publishes, which placard does not support")
                    .with_hint("remove the [search] table: placard's index holds titles, descriptions and text of pages that are in_search_index"),
            );
        }
        for (code, options) in &self.languages {
            if options.build_search_index && asks(&options.search) {
                errors.push(
                    Error::at(
                        path,
                        line_of_language(text, code),
                        1,
                        format!("[languages.{code}] `search` changes what the search index publishes, which placard does not support"),
                    )
                    .with_hint("remove the `search` setting of this language: placard's index holds titles, descriptions and text of pages"),
                );
            }
        }
        if asks(&self.preserve_dotfiles_in_output) {
            errors.push(
                Error::at(
                    path,
                    line_of_key(text, "preserve_dotfiles_in_output"),
                    1,
                    "`preserve_dotfiles_in_output` is not supported: placard replaces the whole output folder",
                )
                .with_hint("keep such files in static/ instead, or remove the setting"),
            );
        }
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(())
        }
    }

    /// Zola lets `[languages.<default>]` hold the default language's settings instead of the top
    /// level; they are moved up here, and a setting given in both places is an error.
    fn merge_default_language(&mut self, path: &Path, text: &str) -> Result<(), Errors> {
        for options in self.languages.values_mut() {
            if let Some(name) = options.feed_filename.take() {
                options.feed_filenames = vec![name];
            }
        }
        let Some(own) = self.languages.remove(&self.default_language) else { return Ok(()) };
        let table = format!("languages.{}", self.default_language);
        let twice = |key: &str| {
            Error::at(
                path,
                line_of_language(text, &self.default_language),
                1,
                format!("`{key}` of the default language `{}` is set twice: at the top and in [{table}]", self.default_language),
            )
            .with_hint(format!("keep one of the two `{key}` settings"))
        };
        let mut errors = Errors::default();
        match own.title {
            Some(t) if self.title.is_empty() => self.title = t,
            Some(_) => errors.push(twice("title")),
            None => {}
        }
        match own.description {
            Some(d) if self.description.is_empty() => self.description = d,
            Some(_) => errors.push(twice("description")),
            None => {}
        }
        if !own.feed_filenames.is_empty() {
            if self.feed_filenames == default_feed_filenames() {
                self.feed_filenames = own.feed_filenames;
            } else {
                errors.push(twice("feed_filenames"));
            }
        }
        if !own.taxonomies.is_empty() {
            if self.taxonomies.is_empty() {
                self.taxonomies = own.taxonomies;
            } else {
                errors.push(twice("taxonomies"));
            }
        }
        if !own.translations.is_empty() {
            if self.translations.is_none() {
                self.translations = Some(Value::Object(own.translations.into_iter().collect()));
            } else {
                errors.push(twice("translations"));
            }
        }
        if own.dir.is_some() {
            if self.dir.is_none() {
                self.dir = own.dir;
            } else {
                errors.push(twice("dir"));
            }
        }
        self.generate_feeds |= own.generate_feeds;
        self.build_search_index |= own.build_search_index;
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(())
        }
    }

    /// Whether the site has more than one language.
    pub fn is_multilingual(&self) -> bool {
        !self.languages.is_empty()
    }

    /// Every language of the site: the default first, then the others by code.
    pub fn language_codes(&self) -> Vec<&str> {
        std::iter::once(self.default_language.as_str()).chain(self.languages.keys().map(String::as_str)).collect()
    }

    /// Whether `code` is one of the site's languages.
    pub fn has_language(&self, code: &str) -> bool {
        code == self.default_language || self.languages.contains_key(code)
    }

    /// The URL prefix of a language: empty for the default one, `/en` for `en`.
    pub fn lang_prefix(&self, lang: &str) -> String {
        if lang == self.default_language || lang.is_empty() {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    /// The taxonomies of `lang`.
    pub fn taxonomies_of(&self, lang: &str) -> &[TaxonomyConfig] {
        match self.languages.get(lang) {
            Some(options) => &options.taxonomies,
            None => &self.taxonomies,
        }
    }

    /// The feed files of `lang`'s whole-site feed, empty when the language has no feed.
    pub fn feeds_of(&self, lang: &str) -> Vec<String> {
        match self.languages.get(lang) {
            Some(o) if !o.generate_feeds => vec![],
            Some(o) if o.feed_filenames.is_empty() => default_feed_filenames(),
            Some(o) => o.feed_filenames.clone(),
            None if self.generate_feeds => self.feed_filenames.clone(),
            None => vec![],
        }
    }

    /// The feed file names of `lang` (what section and term feeds are called).
    pub fn feed_filenames_of(&self, lang: &str) -> Vec<String> {
        match self.languages.get(lang) {
            Some(o) if o.feed_filenames.is_empty() => default_feed_filenames(),
            Some(o) => o.feed_filenames.clone(),
            None => self.feed_filenames.clone(),
        }
    }

    /// Whether `lang` has a search index.
    pub fn search_of(&self, lang: &str) -> bool {
        match self.languages.get(lang) {
            Some(o) => o.build_search_index,
            None => self.build_search_index,
        }
    }

    /// The title of the site in `lang` (the default title when the language names none).
    pub fn title_of(&self, lang: &str) -> &str {
        self.languages.get(lang).and_then(|o| o.title.as_deref()).unwrap_or(&self.title)
    }

    /// The writing direction of `lang`: as configured, else guessed from its code.
    pub fn dir_of(&self, lang: &str) -> TextDir {
        let set = if lang == self.default_language { self.dir } else { self.languages.get(lang).and_then(|o| o.dir) };
        set.unwrap_or_else(|| direction_of(lang))
    }

    /// `trans(key, lang)`: the string under `[translations]` (default language) or
    /// `[languages.<lang>.translations]`; `None` when the language has no such key.
    pub fn translation(&self, lang: &str, key: &str) -> Option<&Value> {
        if lang == self.default_language {
            self.translations.as_ref()?.get(key)
        } else {
            self.languages.get(lang)?.translations.get(key)
        }
    }

    fn ignored_keys(&self) -> Vec<&'static str> {
        let top = [
            ("minify_html", asks(&self.minify_html)),
            ("hard_link_static", asks(&self.hard_link_static)),
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
            ("definition_list", asks(&md.definition_list)),
            ("github_alerts", asks(&md.github_alerts)),
            ("external_links_class", asks(&md.external_links_class)),
            ("external_links_external", asks(&md.external_links_external)),
        ];
        top.into_iter().chain(markdown).filter(|(_, asks)| *asks).map(|(k, _)| k).collect()
    }

    /// Whether the sitemap lists the further pagers of paginated listings.
    pub fn sitemap_lists_pagers(&self) -> bool {
        self.exclude_paginated_pages_in_sitemap == PagersInSitemap::None
    }

    /// The taxonomy configured under `name`.
    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }

    /// The absolute URL of a site path such as `/news/`.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The shape templates of the default language see as `config`.
    pub fn to_value(&self) -> Value {
        self.to_value_for(&self.default_language)
    }

    /// The shape templates of `lang` see as `config`: as in Zola, `title`, `description`, the feed,
    /// search and taxonomy settings are that language's, and `languages` holds the other ones.
    pub fn to_value_for(&self, lang: &str) -> Value {
        let own = self.languages.get(lang);
        let taxonomies = self.taxonomies_of(lang);
        let description = own.and_then(|o| o.description.as_deref()).unwrap_or(&self.description);
        let mut languages = serde_json::Map::new();
        for code in self.language_codes().into_iter().filter(|c| *c != lang) {
            let other = self.languages.get(code);
            languages.insert(
                code.to_string(),
                json!({
                    "title": self.title_of(code),
                    "description": other.and_then(|o| o.description.as_deref()).unwrap_or(&self.description),
                    "generate_feeds": !self.feeds_of(code).is_empty(),
                    "feed_filenames": self.feed_filenames_of(code),
                    "build_search_index": self.search_of(code),
                    "taxonomies": self.taxonomies_of(code).iter().map(taxonomy_config_value).collect::<Vec<_>>(),
                    "translations": match other { Some(o) => json!(o.translations), None => self.translations.clone().unwrap_or(json!({})) },
                    "dir": self.dir_of(code).as_str(),
                }),
            );
        }
        json!({
            "base_url": self.base_url,
            "title": self.title_of(lang),
            "description": description,
            "author": self.author,
            "default_language": self.default_language,
            "languages": languages,
            // placard: every language, the default first, and the writing direction of this one.
            "language_codes": self.language_codes(),
            "dir": self.dir_of(lang).as_str(),
            "generate_feeds": !self.feeds_of(lang).is_empty(),
            "build_search_index": self.search_of(lang),
            "feed_filenames": self.feed_filenames_of(lang),
            "taxonomies": taxonomies.iter().map(taxonomy_config_value).collect::<Vec<_>>(),
            "translations": match own { Some(o) => json!(o.translations), None => self.translations.clone().unwrap_or(json!({})) },
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

/// A BCP 47-shaped language code (`en`, `zh-Hans-CN`, `bo`): it becomes a URL folder and a file
/// name part, so nothing else may pass.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn taxonomy_config_value(t: &TaxonomyConfig) -> Value {
    json!({ "name": t.name, "paginate_by": t.paginate_by, "paginate_path": t.paginate_path, "feed": t.feed })
}

/// Compiles glob patterns the way Zola matches them: `*` also crosses `/`.
fn glob_set(patterns: &[String]) -> Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(globset::Glob::new(pattern).map_err(|e| format!("`{pattern}`: {e}"))?);
    }
    builder.build().map(Some).map_err(|e| e.to_string())
}

impl Config {
    /// Whether a file of `content/` (given by its path below `content/`, and its full path) is left out.
    pub fn content_ignored(&self, relative: &str, full: &Path) -> bool {
        self.ignored_content_set.as_ref().is_some_and(|set| set.is_match(relative) || set.is_match(full))
    }

    /// Whether a file of a `static/` folder (its path below `static/`, and its full path) is left out.
    pub fn static_ignored(&self, relative: &str, full: &Path) -> bool {
        self.ignored_static_set.as_ref().is_some_and(|set| set.is_match(relative) || set.is_match(full))
    }
}

/// The line of `[languages.<code>]` (the code may be quoted), for errors about one language.
fn line_of_language(text: &str, code: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix("[languages.").is_some_and(|rest| rest.trim_start_matches('"').starts_with(code)))
        .map(|i| i + 1)
        .unwrap_or_else(|| line_of_table(text, "languages"))
}

/// The line of `[table]` or `table =`, for locating errors about a whole table.
fn line_of_table(text: &str, table: &str) -> usize {
    let header = format!("[{table}");
    text.lines().position(|l| l.trim_start().starts_with(&header)).map(|i| i + 1).unwrap_or_else(|| line_of_key(text, table))
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
        // A table such as `[markdown.highlighting]` is found by its header.
        .or_else(|| text.lines().position(|l| l.trim().starts_with('[') && l.trim().trim_end_matches(']').ends_with(key)).map(|i| i + 1))
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
        let config = parse("base_url = \"https://a.cn\"\nminify_html = true\nbuild_search_index = false\n[markdown]\nhighlight_code = true\n[markdown.highlighting]\ntheme = \"x\"\nstyle = \"class\"\n").unwrap();
        assert_eq!(config.ignored_keys(), vec!["minify_html", "highlight_code"]);
        let err = parse("base_url = \"https://a.cn\"\n[markdown.highlighting]\nthemes = \"x\"\n").unwrap_err();
        assert_eq!(err.message, "unknown key `themes`");
    }

    #[test]
    fn settings_that_change_what_is_published_are_refused() {
        let text = "base_url = \"https://a.cn\"\npreserve_dotfiles_in_output = true\n";
        assert!(parse(text).unwrap().refuse_unsupported(Path::new("config.toml"), text).is_err());
        let text = "base_url = \"https://a.cn\"\npreserve_dotfiles_in_output = false\n[languages]\n";
        assert!(parse(text).unwrap().refuse_unsupported(Path::new("config.toml"), text).is_ok());
    }

    #[test]
    fn languages_are_read_as_zola_has_them() {
        let text = "base_url = \"https://a.cn\"\ntitle = \"镇\"\ndefault_language = \"zh\"\ngenerate_feeds = true\n\
                    [translations]\nhi = \"你好\"\n[languages.en]\ntitle = \"Town\"\ngenerate_feeds = true\nfeed_filenames = [\"rss.xml\"]\n\
                    taxonomies = [{ name = \"tags\" }]\n[languages.en.translations]\nhi = \"Hello\"\n[languages.ug]\n[languages.ug-Latn]\n";
        let mut config = parse(text).unwrap();
        config.merge_default_language(Path::new("config.toml"), text).unwrap();
        config.validate(Path::new("config.toml"), text).unwrap();
        assert!(config.is_multilingual());
        assert_eq!(config.language_codes(), ["zh", "en", "ug", "ug-Latn"]);
        assert_eq!((config.lang_prefix("zh"), config.lang_prefix("en")), (String::new(), "/en".to_string()));
        assert_eq!((config.title_of("en"), config.title_of("ug")), ("Town", "镇"));
        assert_eq!(config.feeds_of("en"), ["rss.xml"]);
        assert!(config.feeds_of("ug").is_empty());
        assert_eq!(config.taxonomies_of("en")[0].name, "tags");
        assert_eq!(config.translation("en", "hi"), Some(&json!("Hello")));
        assert_eq!(config.translation("zh", "hi"), Some(&json!("你好")));
        assert_eq!((config.dir_of("ug"), config.dir_of("ug-Latn"), config.dir_of("zh")), (TextDir::Rtl, TextDir::Ltr, TextDir::Ltr));
        let en = config.to_value_for("en");
        assert_eq!((en["title"].as_str(), en["dir"].as_str()), (Some("Town"), Some("ltr")));
        assert!(en["languages"].get("zh").is_some() && en["languages"].get("en").is_none());
    }

    #[test]
    fn directions_come_from_the_code_unless_set() {
        for code in ["ug", "ar", "fa-IR", "he", "ur", "ug-CN", "uz-Arab"] {
            assert_eq!(direction_of(code), TextDir::Rtl, "{code}");
        }
        for code in ["zh-CN", "bo", "ii", "en", "mn", "ug-Latn", "ug-Cyrl", "kk"] {
            assert_eq!(direction_of(code), TextDir::Ltr, "{code}");
        }
        let text = "base_url = \"https://a.cn\"\n[languages.xx]\ndir = \"rtl\"\n";
        assert_eq!(parse(text).unwrap().dir_of("xx"), TextDir::Rtl);
    }

    #[test]
    fn bad_language_codes_and_doubled_default_settings_are_errors() {
        let text = "base_url = \"https://a.cn\"\n[languages.\"../x\"]\n";
        let mut config = parse(text).unwrap();
        let errors = config.validate(Path::new("config.toml"), text).unwrap_err();
        assert!(errors.0[0].message.contains("`../x` is not a language code"), "{:?}", errors.0);
        assert_eq!(errors.0[0].location.as_ref().unwrap().line, 2);
        let text = "base_url = \"https://a.cn\"\ntitle = \"A\"\ndefault_language = \"en\"\n[languages.en]\ntitle = \"B\"\n[languages.fr]\n";
        let errors = parse(text).unwrap().merge_default_language(Path::new("config.toml"), text).unwrap_err();
        assert!(errors.0[0].message.contains("`title` of the default language `en` is set twice"));
        assert_eq!(errors.0[0].location.as_ref().unwrap().line, 4);
        assert!(is_language_code("zh-Hant-TW") && !is_language_code("e") && !is_language_code("en_US") && !is_language_code("en-"));
    }

    #[test]
    fn ignore_patterns_match_as_in_zola() {
        let text = "base_url = \"https://a.cn\"\nignored_content = [\"*/skip.md\", \"*.xlsx\"]\nignored_static = [\"drafts/**\"]\n";
        let mut config = parse(text).unwrap();
        config.validate(Path::new("config.toml"), text).unwrap();
        assert!(config.content_ignored("news/skip.md", Path::new("/s/content/news/skip.md")));
        assert!(config.content_ignored("skip.md", Path::new("/s/content/skip.md")));
        assert!(config.content_ignored("a/b/list.xlsx", Path::new("/s/content/a/b/list.xlsx")));
        assert!(!config.content_ignored("news/keep.md", Path::new("/s/content/news/keep.md")));
        assert!(config.static_ignored("drafts/a.css", Path::new("/s/static/drafts/a.css")));
        assert!(!config.static_ignored("site.css", Path::new("/s/static/site.css")));
        let text = "base_url = \"https://a.cn\"\nignored_content = [\"[oops\"]\n";
        let errors = parse(text).unwrap().validate(Path::new("config.toml"), text).unwrap_err();
        assert_eq!(errors.0[0].location.as_ref().unwrap().line, 2);
    }
}
