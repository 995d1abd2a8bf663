//! Colouring code blocks, for Zola 0.22's `[markdown.highlighting]`, through syntect with pure-Rust
//! regular expressions (no C library to build). Zola 0.22 itself uses giallo, whose VS Code themes
//! and JSON grammars syntect cannot read: a theme is looked up among syntect's own and the site's
//! `.tmTheme` files, and what cannot be honoured is a warning (code is then published uncoloured,
//! the same text), never a silent change.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use syntect::highlighting::{Theme, ThemeSet};
use syntect::html::{append_highlighted_html_for_styled_line, ClassStyle, ClassedHTMLGenerator, IncludeBackground};
use syntect::parsing::{SyntaxDefinition, SyntaxSet};
use syntect::util::LinesWithEndings;

use crate::error::{Error, Errors};
use crate::html::escape_attr;
use serde::Deserialize;

/// A highlighter for one site: its grammars and, for inline colours, its theme.
pub struct Highlighter {
    syntaxes: Arc<SyntaxSet>,
    /// `None`: classes (`z-keyword` …) for the site's own stylesheet.
    theme: Option<Theme>,
}

impl fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("Highlighter").field("theme", &self.theme.as_ref().and_then(|t| t.name.clone())).finish()
    }
}

fn default_syntaxes() -> &'static Arc<SyntaxSet> {
    static SET: OnceLock<Arc<SyntaxSet>> = OnceLock::new();
    SET.get_or_init(|| Arc::new(SyntaxSet::load_defaults_newlines()))
}

fn default_themes() -> &'static ThemeSet {
    static SET: OnceLock<ThemeSet> = OnceLock::new();
    SET.get_or_init(ThemeSet::load_defaults)
}

impl Highlighter {
    /// Builds the highlighter `[markdown.highlighting]` asks for; `config` is `config.toml`, whose
    /// folder the grammar and theme paths are relative to. `None` (with a warning) when nothing
    /// usable is named.
    pub fn from_config(settings: &HighlightingConfig, config: &Path, warnings: &mut Errors) -> Option<Highlighter> {
        let root = config.parent().unwrap_or(Path::new(""));
        let warn =
            |warnings: &mut Errors, message: String, hint: &str| warnings.push(Error::warning(message).located(config, 0, 0).with_hint(hint.to_string()));
        let mut syntaxes = default_syntaxes().clone();
        let own: Vec<&String> = settings.extra_grammars.iter().filter(|g| g.ends_with(".sublime-syntax")).collect();
        for grammar in settings.extra_grammars.iter().filter(|g| !g.ends_with(".sublime-syntax")) {
            warn(
                warnings,
                format!("[markdown.highlighting] the grammar `{grammar}` is not a .sublime-syntax file; its code blocks are not coloured"),
                "placard reads Sublime Text grammars (.sublime-syntax); convert it, or leave it out",
            );
        }
        if !own.is_empty() {
            let mut builder = SyntaxSet::clone(&syntaxes).into_builder();
            for grammar in own {
                let text = std::fs::read_to_string(root.join(grammar)).unwrap_or_default();
                match SyntaxDefinition::load_from_str(&text, true, None) {
                    Ok(definition) => builder.add(definition),
                    Err(e) => warn(warnings, format!("[markdown.highlighting] the grammar `{grammar}` could not be read: {e}"), "fix the file or leave it out"),
                }
            }
            syntaxes = Arc::new(builder.build());
        }
        if settings.style == HighlightStyle::Class {
            return Some(Highlighter { syntaxes, theme: None });
        }
        let Some(name) = settings.theme.as_ref().or(settings.light_theme.as_ref()) else {
            warn(
                warnings,
                "[markdown.highlighting] names no theme; code blocks are not coloured".into(),
                "add theme = \"InspiredGitHub\" (or style = \"class\" to colour them from your stylesheet)",
            );
            return None;
        };
        if let Some(theme) = default_themes().themes.get(name) {
            return Some(Highlighter { syntaxes, theme: Some(theme.clone()) });
        }
        // A site theme named by its file name; a VS Code (.json) theme is taken from a .tmTheme beside it.
        for file in &settings.extra_themes {
            let path = root.join(file);
            if path.file_stem().and_then(|s| s.to_str()) != Some(name.as_str()) {
                continue;
            }
            let tm = path.with_extension("tmTheme");
            if let Ok(theme) = ThemeSet::get_theme(&tm) {
                return Some(Highlighter { syntaxes, theme: Some(theme) });
            }
        }
        let known: Vec<&str> = default_themes().themes.keys().map(String::as_str).collect();
        warn(
            warnings,
            format!("[markdown.highlighting] the theme `{name}` is not one placard can read; code blocks are not coloured"),
            &format!("use one of {}, or a .tmTheme file listed in extra_themes", known.join(", ")),
        );
        None
    }

    /// The HTML of `code` in language `lang` (its `language-x` name or a file extension), or `None`
    /// when the language is unknown.
    pub fn highlight(&self, lang: &str, code: &str) -> Option<String> {
        let syntax = self.syntaxes.find_syntax_by_token(lang)?;
        match &self.theme {
            Some(theme) => {
                let mut lines = syntect::easy::HighlightLines::new(syntax, theme);
                let mut html = String::with_capacity(code.len() * 2);
                for line in LinesWithEndings::from(code) {
                    let regions = lines.highlight_line(line, &self.syntaxes).ok()?;
                    append_highlighted_html_for_styled_line(&regions, IncludeBackground::No, &mut html).ok()?;
                }
                Some(html)
            }
            None => {
                let mut classed = ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, ClassStyle::SpacedPrefixed { prefix: "z-" });
                for line in LinesWithEndings::from(code) {
                    classed.parse_html_for_line_which_includes_newline(line).ok()?;
                }
                Some(classed.finalize())
            }
        }
    }
}

fn write_attributes(output: &mut dyn Write, attributes: &HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
    // Sorted, so the output does not depend on hash-map order.
    let mut sorted: Vec<_> = attributes.iter().collect();
    sorted.sort();
    for (name, value) in sorted {
        write!(output, " {name}=\"{}\"", escape_attr(value))?;
    }
    Ok(())
}

impl comrak::adapters::SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(&self, output: &mut dyn Write, lang: Option<&str>, code: &str) -> fmt::Result {
        match lang.filter(|l| !l.is_empty()).and_then(|l| self.highlight(l, code)) {
            Some(html) => output.write_str(&html),
            None => output.write_str(&escape_attr(code)),
        }
    }

    fn write_pre_tag(&self, output: &mut dyn Write, attributes: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
        output.write_str("<pre")?;
        if let Some(theme) = &self.theme {
            let (bg, fg) = (theme.settings.background, theme.settings.foreground);
            let mut style = String::new();
            if let Some(c) = bg {
                style.push_str(&format!("background-color:#{:02x}{:02x}{:02x};", c.r, c.g, c.b));
            }
            if let Some(c) = fg {
                style.push_str(&format!("color:#{:02x}{:02x}{:02x};", c.r, c.g, c.b));
            }
            if !style.is_empty() {
                write!(output, " style=\"{style}\"")?;
            }
        }
        write_attributes(output, &attributes)?;
        output.write_str(">")
    }

    fn write_code_tag(&self, output: &mut dyn Write, attributes: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
        output.write_str("<code")?;
        write_attributes(output, &attributes)?;
        output.write_str(">")
    }
}

/// Zola 0.22's `[markdown.highlighting]`: read and checked (so a typo or a missing grammar file is
/// found), though placard writes code blocks uncoloured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HighlightingConfig {
    #[serde(default)]
    pub error_on_missing_language: bool,
    #[serde(default)]
    pub style: HighlightStyle,
    pub theme: Option<String>,
    pub light_theme: Option<String>,
    pub dark_theme: Option<String>,
    /// Grammar files, relative to the site folder.
    #[serde(default)]
    pub extra_grammars: Vec<String>,
    /// Theme files, relative to the site folder.
    #[serde(default)]
    pub extra_themes: Vec<String>,
}

/// How Zola colours code: inline styles or classes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HighlightStyle {
    #[default]
    Inline,
    Class,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> HighlightingConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn inline_colours_classes_and_unknown_languages() {
        let mut warnings = Errors::default();
        let inline = Highlighter::from_config(&settings("theme = \"InspiredGitHub\""), Path::new("config.toml"), &mut warnings).unwrap();
        let html = inline.highlight("rust", "fn main() { let x = \"<b>\"; }\n").unwrap();
        assert!(html.contains("<span style=\"color:#"), "{html}");
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"), "code stays escaped: {html}");
        assert!(inline.highlight("no-such-language", "x").is_none());
        let classed = Highlighter::from_config(&settings("style = \"class\""), Path::new("config.toml"), &mut warnings).unwrap();
        assert!(classed.highlight("rust", "fn main() {}\n").unwrap().contains("class=\"z-"), "classes");
        assert!(warnings.is_empty());
        assert!(Highlighter::from_config(&settings("theme = \"made-up\""), Path::new("config.toml"), &mut warnings).is_none());
        assert!(warnings[0].message.contains("`made-up`"));
    }
}
