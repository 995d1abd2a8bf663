//! Reporting channels: the hotline, the SMS number, the mailbox, the national platform, the report
//! boxes. A channel is a page in the channels section with a `[channel]` table; this module checks
//! each one and turns it into the one [`Channel`] shape that pages, posters, letters and the
//! verification page all read.
//!
//! A channel that fails its checks is reported once, at its front-matter line, and its id is kept in
//! [`Channels::rejected`], so that posters, letters, units and shortcodes that name it can stay
//! silent instead of adding "there is no channel" errors for the same cause.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Config;
pub use crate::content::campaign_tables::ChannelFrontMatter;
use crate::content::Library;
use crate::error::{suggest, Error, Errors, Severity};
use crate::locations::KeyLines;
use crate::phone::PhoneNumber;
use crate::qr;

/// The keys a `[channel]` table may hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFields {
    /// Short ASCII id used in shortcodes and the short QR URL `/q/<id>/`; defaults to the file's slug.
    id: Option<String>,
    kind: Kind,
    /// The number, address, URL, account name or box location.
    value: String,
    /// What residents read beside the value (`东湾村举报电话`); defaults to the kind's label.
    label: Option<String>,
    hours: Option<String>,
    /// The body that answers (`镇扫黑办`, `东湾村委会`).
    answered_by: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    primary: bool,
    /// What the channel's QR code holds; see [`QrMode`].
    #[serde(default)]
    qr: QrMode,
    /// Six-digit postal code, for `post`.
    postcode: Option<String>,
    /// A web address for `wechat` (the account's article or QR page).
    url: Option<String>,
}

/// What a channel's QR code holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QrMode {
    /// A short link to the channel's landing page with tap-to-call links, which every scanner,
    /// WeChat's included, opens.
    #[default]
    Page,
    /// The channel itself: `tel:`, `SMSTO:`, `mailto:` or the web address.
    Direct,
}

/// The kinds of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Phone,
    Sms,
    Email,
    Web,
    Wechat,
    Post,
    Box,
    Visit,
}

/// One row of [`KINDS`]: the words residents see for a kind of channel.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub kind: Kind,
    /// The label printed beside the value unless the channel sets its own; emergency numbers use
    /// theirs instead (see [`crate::phone::SERVICE_NUMBERS`]).
    pub label: &'static str,
    /// The verb on a tap target.
    pub action: &'static str,
}

/// Every kind with its default label and action: the one place these words live.
pub const KINDS: &[KindInfo] = &[
    KindInfo { kind: Kind::Phone, label: "举报电话", action: "拨打" },
    KindInfo { kind: Kind::Sms, label: "短信举报", action: "发短信" },
    KindInfo { kind: Kind::Email, label: "举报邮箱", action: "发邮件" },
    KindInfo { kind: Kind::Web, label: "网络举报", action: "打开" },
    KindInfo { kind: Kind::Wechat, label: "微信举报", action: "打开" },
    KindInfo { kind: Kind::Post, label: "信件举报", action: "查看" },
    KindInfo { kind: Kind::Box, label: "举报箱", action: "查看" },
    KindInfo { kind: Kind::Visit, label: "来访举报", action: "查看" },
];

impl Kind {
    fn info(self) -> &'static KindInfo {
        // Every kind has a row; the test `every_kind_has_one_row` keeps it so.
        KINDS.iter().find(|k| k.kind == self).unwrap_or(&KINDS[0])
    }

    /// The default label residents read next to the value.
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// The verb on a tap target.
    pub fn action(self) -> &'static str {
        self.info().action
    }
}

/// A validated reporting channel, as every template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub id: String,
    pub kind: Kind,
    /// The default label for this channel: the kind's, or an emergency number's (`报警电话` for 110).
    pub kind_label: &'static str,
    /// What is printed beside the value: the channel's own `label`, else `kind_label`.
    pub label: String,
    /// An emergency number (110, 119, 120, 122): shown apart from the reporting channels.
    pub emergency: bool,
    pub action: &'static str,
    pub title: String,
    /// As written in front matter.
    pub value: String,
    /// As printed: numbers grouped the way Chinese readers expect.
    pub display: String,
    /// `tel:`, `sms:`, `mailto:` or web link for one-tap use; `None` for boxes, addresses.
    pub href: Option<String>,
    pub hours: Option<String>,
    pub answered_by: Option<String>,
    pub notes: Option<String>,
    pub postcode: Option<String>,
    pub primary: bool,
    pub weight: i64,
    /// The channel's own page.
    pub permalink: String,
    /// The short landing page the QR code opens, `https://…/q/<id>/`.
    pub short_url: String,
    pub short_path: String,
    /// What the channel's QR code encodes (plain ASCII for web addresses).
    pub qr_payload: String,
    /// The language the fields above are written in (the site's default language).
    pub lang: String,
    /// The channel's words in every language it has them in, the default language included:
    /// `channel.i18n.en.label`. Only words: the value, number and links are the same everywhere.
    pub i18n: BTreeMap<String, ChannelText>,
    /// Index of the channel's page in the library (not serialised).
    #[serde(skip)]
    pub page: usize,
}

/// The words of a channel in one language: all that a translation file (`hotline.en.md`) may
/// change. What is dialled, written to or scanned never depends on the language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelText {
    pub label: String,
    pub title: String,
    pub hours: Option<String>,
    pub answered_by: Option<String>,
    pub notes: Option<String>,
}

/// The keys a translation's `[channel]` table may hold: words only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslatedFields {
    label: Option<String>,
    hours: Option<String>,
    answered_by: Option<String>,
    notes: Option<String>,
}

/// Keys of `[channel]` that say where a report goes. A translation inherits them and may not
/// write them: a second copy of a number is the copy that goes stale.
const INHERITED_KEYS: &[&str] = &["id", "kind", "value", "postcode", "url", "qr", "primary"];

impl Channel {
    /// The words of the channel in the default language.
    pub fn default_text(&self) -> ChannelText {
        ChannelText {
            label: self.label.clone(),
            title: self.title.clone(),
            hours: self.hours.clone(),
            answered_by: self.answered_by.clone(),
            notes: self.notes.clone(),
        }
    }

    /// Whether the channel has its words in `lang` (the default language always does).
    pub fn has_lang(&self, lang: &str) -> bool {
        self.i18n.contains_key(lang)
    }

    /// The channel with its words in `lang`. Without a translation into `lang`: the channel in
    /// the default language when `fallback` is true, `None` otherwise, so that a caller falls
    /// back only where it says so.
    pub fn in_lang(&self, lang: &str, fallback: bool) -> Option<Channel> {
        let Some(text) = self.i18n.get(lang) else {
            return fallback.then(|| self.clone());
        };
        let mut channel = self.clone();
        channel.label = text.label.clone();
        channel.title = text.title.clone();
        channel.hours = text.hours.clone();
        channel.answered_by = text.answered_by.clone();
        channel.notes = text.notes.clone();
        channel.lang = lang.to_string();
        Some(channel)
    }
}

/// The words of `channel` in `lang` from its translation page: `title` is the translation's page
/// title, `meta` its `[channel]` table, if any. The number, address, kind and links are inherited
/// and may not be written again: `at(key, message)` locates the error at the offending key.
/// A label that the translation does not give is its title; with neither, it is an error, since
/// printing the Chinese label in an English column would say nothing to its reader.
pub fn translate(
    channel: &Channel,
    lang: &str,
    title: Option<&str>,
    meta: Option<&ChannelFrontMatter>,
    at: &dyn Fn(&str, String) -> Error,
) -> Result<ChannelText, Error> {
    let raw = meta.map(|m| m.raw().clone()).unwrap_or(Value::Object(Default::default()));
    if let Some(object) = raw.as_object() {
        for key in INHERITED_KEYS {
            let Some(written) = object.get(*key) else { continue };
            let own = match *key {
                "id" => Some(Value::String(channel.id.clone())),
                "kind" => serde_json::to_value(channel.kind).ok(),
                "value" => Some(Value::String(channel.value.clone())),
                "postcode" => channel.postcode.clone().map(Value::String),
                "primary" => Some(Value::Bool(channel.primary)),
                _ => None,
            };
            let message = if own.as_ref() == Some(written) {
                format!("`{key}` is inherited from the channel `{}`: a translation gives only its words", channel.id)
            } else {
                format!(
                    "this translation sets `{key}` to {written}, but the channel `{}` has {}",
                    channel.id,
                    own.map(|v| v.to_string()).unwrap_or("none".into())
                )
            };
            return Err(at(key, message).with_hint(format!(
                "remove `{key}` from this file: the {lang} page shows what the channel's own page says, so residents reading either language reach the same place"
            )));
        }
    }
    let fields: TranslatedFields = serde_json::from_value(raw).map_err(|e| {
        let message = e.to_string();
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        let key = quoted.first().copied().unwrap_or("");
        at(key, format!("`{key}` cannot be translated in [channel]")).with_hint("a translation's [channel] may give label, hours, answered_by and notes")
    })?;
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    let label = match (fields.label.as_deref().map(str::trim), title) {
        (Some(label), _) if !label.is_empty() => label.to_string(),
        (None, Some(title)) => title.to_string(),
        _ => {
            return Err(at("label", format!("the {lang} translation of channel `{}` has no label", channel.id))
                .with_hint("write label = \"...\" under [channel], short and plain, like label = \"Reporting hotline\""))
        }
    };
    if label.chars().count() > 48 {
        return Err(at("label", format!("the label `{label}` is too long for a channel"))
            .with_hint("write a short label of at most 48 characters that says what the channel is"));
    }
    Ok(ChannelText {
        title: title.map(str::to_string).unwrap_or_else(|| label.clone()),
        label,
        hours: fields.hours,
        answered_by: fields.answered_by,
        notes: fields.notes,
    })
}

/// The site's channels, primary first, and the ids of channel pages that failed their checks.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    list: Vec<Channel>,
    rejected: BTreeSet<String>,
}

impl Channels {
    /// The valid channel with `id`.
    pub fn get(&self, id: &str) -> Option<&Channel> {
        self.list.iter().find(|c| c.id == id)
    }

    /// Whether `id` names a channel page that failed its checks and was already reported. Code that
    /// looks up a channel by id should stay silent when this is true: the cause has its own error.
    pub fn is_rejected(&self, id: &str) -> bool {
        self.rejected.contains(id) && self.get(id).is_none()
    }

    /// Ids of channel pages that failed their checks, sorted.
    pub fn rejected(&self) -> impl Iterator<Item = &str> {
        self.rejected.iter().map(String::as_str).filter(|id| self.get(id).is_none())
    }

    /// The valid channels as a list.
    pub fn as_slice(&self) -> &[Channel] {
        &self.list
    }
}

impl std::ops::Deref for Channels {
    type Target = [Channel];
    fn deref(&self) -> &[Channel] {
        &self.list
    }
}

impl<'a> IntoIterator for &'a Channels {
    type Item = &'a Channel;
    type IntoIter = std::slice::Iter<'a, Channel>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl Serialize for Channels {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(serializer)
    }
}

/// The URL path of the short landing page for `id`.
pub fn short_path(config: &Config, id: &str) -> String {
    format!("/{}/{id}/", config.channels.short_path)
}

/// Collects and checks every channel page. Each problem is reported once, at the offending
/// front-matter line; the ids of channels that failed are kept in [`Channels::rejected`].
pub fn collect(library: &Library, config: &Config, errors: &mut Errors) -> Channels {
    let mut channels = Channels::default();
    for (index, page) in library.pages.iter().enumerate() {
        let Some(meta) = &page.meta.channel else {
            continue;
        };
        // A translation (`hotline.en.md`) gives its channel's words in its language, below.
        if crate::content::library::is_translation(page, &config.default_language) {
            continue;
        }
        let id = meta.id().map(str::to_string).unwrap_or_else(|| page.slug.clone());
        let at = |key: &str, message: String| {
            let (line, column) = key_position(&page.keys, key);
            Error::at(&page.file, line, column, message)
        };
        let channel = match check_channel(library, index, meta, &id, config, &at, errors) {
            Ok(mut channel) => {
                channel.i18n.insert(channel.lang.clone(), channel.default_text());
                for (lang, t) in page_translations(library, index) {
                    let translated = &library.pages[t];
                    let at = |key: &str, message: String| {
                        let (line, column) = key_position(&translated.keys, key);
                        Error::at(&translated.file, line, column, message)
                    };
                    match translate(&channel, &lang, translated.meta.title.as_deref(), translated.meta.channel.as_deref(), &at) {
                        Ok(text) => {
                            channel.i18n.insert(lang, text);
                        }
                        // The channel itself stays valid in its own language; the translation
                        // is left out, and what uses it says so.
                        Err(error) => errors.push(error),
                    }
                }
                channel
            }
            Err(error) => {
                errors.push(error);
                channels.rejected.insert(id);
                continue;
            }
        };
        if let Some(first) = channels.get(&id) {
            let other = library.pages[first.page].file.display().to_string();
            errors.push(
                at("id", format!("the channel id `{id}` is already used by `{other}`"))
                    .with_hint("every channel needs its own id; set id = \"...\" in one of them"),
            );
            continue;
        }
        channels.list.push(channel);
    }
    // Channel pages that could not be loaded at all were reported by the loader.
    channels.rejected.extend(library.unloaded_ids(errors, "channel"));
    // Primary channels first, then by weight: the order residents see everywhere.
    channels.list.sort_by(|a, b| b.primary.cmp(&a.primary).then(a.weight.cmp(&b.weight)).then(a.id.cmp(&b.id)));
    channels
}

/// The translations of page `index` as (language, page index), sorted by language.
fn page_translations(library: &Library, index: usize) -> Vec<(String, usize)> {
    crate::content::library::translations_of(library, index)
}

/// Checks one channel page; the error, when there is one, is the only one reported for it.
/// Warnings (an `http://` address) go to `warnings`.
fn check_channel(
    library: &Library,
    index: usize,
    meta: &ChannelFrontMatter,
    id: &str,
    config: &Config,
    at: &dyn Fn(&str, String) -> Error,
    warnings: &mut Errors,
) -> Result<Channel, Error> {
    let page = &library.pages[index];
    let section_prefix = format!("{}/", config.channels.section.trim_matches('/'));
    if !page.relative.starts_with(&section_prefix) {
        return Err(at("", format!("a [channel] table belongs in the channels section, `content/{section_prefix}`"))
            .with_hint(format!("move this page into content/{section_prefix}, or set [channels] section in config.toml")));
    }
    let fields: ChannelFields = serde_json::from_value(meta.raw().clone()).map_err(|e| field_error(&e.to_string(), meta.raw(), at))?;
    if !valid_id(id) {
        return Err(at(if fields.id.is_some() { "id" } else { "kind" }, format!("`{id}` cannot be a channel id")).with_hint(
            "give the channel an id of lower-case letters, digits and dashes, at most 24 characters, like id = \"hotline\": it appears in the short QR link",
        ));
    }
    let checked = check_value(&fields, &config.channels.service_numbers).map_err(|Problem { key, message, hint }| at(key, message).with_hint(hint))?;
    if let Some(code) = &fields.postcode {
        if !(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())) {
            return Err(at("postcode", format!("`{code}` is not a postal code")).with_hint("postal codes in China have six digits, like 100000"));
        }
    }
    if let Some(label) = &fields.label {
        if label.trim().is_empty() || label.chars().count() > 24 {
            return Err(at("label", format!("`{label}` cannot be a channel's label"))
                .with_hint("write a short label of at most 24 characters that says what the channel is, like label = \"东湾村举报电话\""));
        }
    }
    let short = short_path(config, id);
    let payload = match (fields.qr, &checked.direct) {
        (QrMode::Page, _) => config.permalink(&short),
        (QrMode::Direct, Some(direct)) => direct.clone(),
        (QrMode::Direct, None) => {
            return Err(at("qr", format!("a `{}` channel has no direct QR payload", kind_name(fields.kind)))
                .with_hint("use qr = \"page\", which links to the channel's landing page"));
        }
    };
    if let Some(warning) = &checked.warning {
        warnings.push(Error { severity: Severity::Warning, ..at(if fields.kind == Kind::Wechat { "url" } else { "value" }, warning.clone()) });
    }
    let kind = fields.kind;
    let kind_label = checked.emergency.unwrap_or(kind.label());
    let label = fields.label.as_deref().map(str::trim).unwrap_or(kind_label).to_string();
    Ok(Channel {
        kind_label,
        emergency: checked.emergency.is_some(),
        action: kind.action(),
        kind,
        title: page.meta.title.clone().unwrap_or_else(|| label.clone()),
        label,
        value: fields.value.clone(),
        display: checked.display,
        href: checked.href,
        hours: fields.hours,
        answered_by: fields.answered_by,
        notes: fields.notes,
        postcode: fields.postcode,
        primary: fields.primary,
        weight: page.meta.weight.unwrap_or(0),
        permalink: config.permalink(&page.path),
        short_url: config.permalink(&short),
        short_path: short,
        qr_payload: payload,
        lang: config.default_language.clone(),
        i18n: BTreeMap::new(),
        page: index,
        id: id.to_string(),
    })
}

fn kind_name(kind: Kind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Turns serde's complaint about a `[channel]` table into an error at the key it is about, with a
/// "did you mean" for a misspelt key or kind.
fn field_error(message: &str, raw: &Value, at: &dyn Fn(&str, String) -> Error) -> Error {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let did_you_mean = |unknown: &str, expected: &[&str], what: &str| match suggest(unknown, expected) {
        Some(near) => format!("did you mean `{near}`? {what}: {}", expected.join(", ")),
        None => format!("{what}: {}", expected.join(", ")),
    };
    if let (true, Some((unknown, expected))) = (message.starts_with("unknown field"), quoted.split_first()) {
        return at(unknown, format!("unknown key `{unknown}` in [channel]")).with_hint(did_you_mean(unknown, expected, "the keys of [channel] are"));
    }
    if let (true, Some((unknown, expected))) = (message.starts_with("unknown variant"), quoted.split_first()) {
        // Which key held it: `kind` or `qr`, the two keys with a fixed set of words.
        let key = ["kind", "qr"].into_iter().find(|k| raw.get(k).and_then(Value::as_str) == Some(*unknown)).unwrap_or("kind");
        let (message, what) = match key {
            "qr" => (format!("`qr = \"{unknown}\"` is not a choice"), "use `page` (a short link, scans everywhere) or `direct`; the choices are"),
            _ => (format!("`{unknown}` is not a kind of channel"), "kinds are"),
        };
        return at(key, message).with_hint(did_you_mean(unknown, expected, what));
    }
    if let (true, Some(field)) = (message.starts_with("missing field"), quoted.first()) {
        let example = if *field == "kind" { "kind = \"phone\"" } else { "value = \"0123-6110110\"" };
        return at("", format!("the [channel] table has no `{field}`")).with_hint(format!("add a line such as {example}"));
    }
    let key = ["id", "kind", "value", "label", "hours", "answered_by", "notes", "primary", "qr", "postcode", "url"]
        .into_iter()
        .find(|k| raw.get(k).is_some() && message.contains("invalid type") && wrong_type(k, raw))
        .unwrap_or("");
    at(key, format!("[channel]: {message}")).with_hint("text needs \"quotes\"; primary is true or false")
}

/// Whether `key` holds a value of the wrong type (text expected, except `primary`).
fn wrong_type(key: &str, raw: &Value) -> bool {
    match raw.get(key) {
        Some(Value::Bool(_)) => key != "primary",
        Some(Value::String(_)) => key == "primary",
        Some(_) => true,
        None => false,
    }
}

/// The line and column where `key` is set inside the page's channel table (TOML `[channel]` or an
/// inline table, YAML `channel:`); the table's own line for `""` or a key that is not written.
fn key_position(keys: &KeyLines, key: &str) -> (usize, usize) {
    let written = if key.is_empty() { None } else { keys.position(&format!("channel.{key}")) };
    written.or_else(|| keys.line_of("channel").map(|line| (line, 1))).unwrap_or((0, 0))
}

fn valid_id(id: &str) -> bool {
    crate::content::is_short_id(id, 24)
}

/// A channel's value, checked: what is printed, what a tap opens, what a direct QR code holds.
#[derive(Debug)]
struct Checked {
    display: String,
    href: Option<String>,
    direct: Option<String>,
    /// An emergency number's label (`报警电话`).
    emergency: Option<&'static str>,
    warning: Option<String>,
}

/// Why a value was refused: the key to point at, what is wrong, and what to write instead.
#[derive(Debug)]
struct Problem {
    key: &'static str,
    message: String,
    hint: String,
}

fn problem(key: &'static str, message: String, hint: impl Into<String>) -> Problem {
    Problem { key, message, hint: hint.into() }
}

/// Checks `value` (and a wechat channel's `url`) as a channel of `kind` is checked, with the national
/// service numbers only: the printed form, or what is wrong. For the fuzz targets.
pub fn check_channel_value(kind: Kind, value: &str, url: Option<&str>) -> Result<String, String> {
    let fields = ChannelFields {
        id: None,
        kind,
        value: value.to_string(),
        label: None,
        hours: None,
        answered_by: None,
        notes: None,
        primary: false,
        qr: QrMode::default(),
        postcode: None,
        url: url.map(str::to_string),
    };
    check_value(&fields, &[]).map(|checked| checked.display).map_err(|problem| problem.message)
}

fn check_value(fields: &ChannelFields, services: &[String]) -> Result<Checked, Problem> {
    let value = fields.value.trim();
    if value.is_empty() {
        return Err(problem("value", "the channel has no value".into(), "write the number, address or link as value = \"...\""));
    }
    let plain = |display: &str| Checked { display: display.to_string(), href: None, direct: None, emergency: None, warning: None };
    // A web address printed as one thing and leading to another is what a forged sticker does.
    if let (Some(url), false) = (&fields.url, fields.kind == Kind::Wechat) {
        if fields.kind != Kind::Web || url.trim() != value {
            return Err(problem(
                "url",
                format!("a `{}` channel prints its value, so `url` would make it lead somewhere else", kind_name(fields.kind)),
                "remove `url`: only a wechat channel has one (the account's page); a web channel's address is its value",
            ));
        }
    }
    let phone = || PhoneNumber::parse(value, services).map_err(|e| problem("value", e.message, e.hint));
    match fields.kind {
        Kind::Phone => {
            let number = phone()?;
            Ok(Checked {
                href: Some(number.tel_uri()),
                direct: Some(qr::tel_payload(&number)),
                emergency: number.emergency_label(),
                display: number.display(),
                warning: None,
            })
        }
        Kind::Sms => {
            let number = phone()?;
            if number.is_landline() {
                return Err(problem(
                    "value",
                    format!("`{value}` is a landline, which cannot receive text messages"),
                    "use a mobile number or an SMS service number such as 12110",
                ));
            }
            Ok(Checked {
                href: Some(format!("sms:{}", number.dial())),
                direct: Some(qr::sms_payload(&number, None)),
                emergency: None,
                display: number.display(),
                warning: None,
            })
        }
        Kind::Email => {
            if !valid_email(value) {
                return Err(problem("value", format!("`{value}` is not an email address"), "write it like jubao@example.gov.cn"));
            }
            Ok(Checked {
                display: value.to_string(),
                href: Some(format!("mailto:{value}")),
                direct: Some(qr::mailto_payload(value, None)),
                emergency: None,
                warning: None,
            })
        }
        Kind::Web => {
            let web = web_url(value).map_err(|(message, hint)| problem("value", message, hint))?;
            let direct = qr::ascii_url(value)
                .map_err(|why| problem("value", format!("`{value}` cannot be put in a QR code: {why}"), "write the address with a plain host name"))?;
            Ok(Checked { display: web.printed, href: Some(value.to_string()), direct: Some(direct), emergency: None, warning: web.warning })
        }
        Kind::Wechat => match &fields.url {
            Some(url) => {
                let web = web_url(url.trim()).map_err(|(message, hint)| problem("url", message, hint))?;
                let direct = qr::ascii_url(url.trim())
                    .map_err(|why| problem("url", format!("`{url}` cannot be put in a QR code: {why}"), "write the address with a plain host name"))?;
                Ok(Checked { display: value.to_string(), href: Some(url.trim().to_string()), direct: Some(direct), emergency: None, warning: web.warning })
            }
            None => Ok(plain(value)),
        },
        Kind::Post | Kind::Box | Kind::Visit => Ok(plain(value)),
    }
}

fn valid_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    let local_ok = !local.is_empty() && local.len() <= 64 && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    local_ok && valid_host(domain).is_ok()
}

/// A checked web address: the text printed for it, and a warning for `http://`.
#[derive(Debug, PartialEq)]
struct WebUrl {
    printed: String,
    warning: Option<String>,
}

/// Checks a web address that residents will read and tap. Refused: anything but `http(s)://`, user
/// info (`https://www.12337.gov.cn@evil.example.com/` leads to `evil.example.com`), backslashes,
/// spaces and invisible characters, and hosts that are not plain ASCII names (look-alike letters).
/// What is left prints as itself without the scheme, so the printed text leads where the link does.
/// `http://` is allowed with a warning: reports deserve TLS.
fn web_url(value: &str) -> Result<WebUrl, (String, String)> {
    let example = "write the full address, like https://www.12337.gov.cn";
    let (secure, rest) = match (value.strip_prefix("https://"), value.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err((format!("`{value}` is not a web address"), example.into())),
    };
    if let Some(c) = value.chars().find(|c| c.is_whitespace() || c.is_control() || is_invisible(*c)) {
        return Err((format!("`{value}` contains a space or an invisible character (U+{:04X})", c as u32), "retype the address without spaces".into()));
    }
    if value.contains('\\') {
        return Err((format!("`{value}` contains a backslash, which browsers read as `/`"), example.into()));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err((
            format!("`{value}` has a user name before `@`: it leads to `{}`, not to the address it seems to show", authority.rsplit('@').next().unwrap_or("")),
            "write only the real site's address, like https://www.12337.gov.cn".into(),
        ));
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && port.len() <= 5 => host,
        Some(_) => return Err((format!("`{value}` has a port that is not a number"), example.into())),
        None => authority,
    };
    valid_host(host).map_err(|why| (format!("`{value}` has no valid host name: {why}"), example.into()))?;
    // Printed without the scheme: shorter to read aloud and to type.
    let printed = rest.trim_end_matches('/').to_string();
    let warning = (!secure).then(|| format!("`{value}` is not encrypted (http://): reports deserve https:// if the site offers it"));
    Ok(WebUrl { printed, warning })
}

/// Characters that print as nothing but change where an address leads or how it reads.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// A host name of plain ASCII labels: letters, digits and inner dashes, at most 63 characters each,
/// at least two labels, and a top-level label of letters (or an `xn--` name).
fn valid_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("it is empty".into());
    }
    if !host.is_ascii() {
        return Err(format!("`{host}` is not plain ASCII; write an internationalised name in its xn-- form"));
    }
    if host.len() > 253 {
        return Err("it is longer than 253 characters".into());
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err(format!("`{host}` has no dot, so it is not a name on the internet"));
    }
    for label in &labels {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!("`{label}` is not a valid part of a host name"));
        }
    }
    let tld = labels[labels.len() - 1];
    if !(tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--")) {
        return Err(format!("`{tld}` is not a top-level domain"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(toml_table: &str) -> Result<ChannelFields, serde_json::Error> {
        let raw: Value = toml::from_str(toml_table).unwrap();
        serde_json::from_value(raw)
    }

    fn checked(toml_table: &str) -> Result<Checked, Problem> {
        check_value(&fields(toml_table).unwrap(), &[])
    }

    #[test]
    fn every_kind_has_one_row() {
        for kind in [Kind::Phone, Kind::Sms, Kind::Email, Kind::Web, Kind::Wechat, Kind::Post, Kind::Box, Kind::Visit] {
            assert_eq!(KINDS.iter().filter(|k| k.kind == kind).count(), 1, "{kind:?}");
        }
        assert_eq!(Kind::Phone.label(), "举报电话");
        assert_eq!(Kind::Box.label(), "举报箱");
        assert_eq!(Kind::Sms.action(), "发短信");
    }

    #[test]
    fn emergency_numbers_are_labelled_as_such() {
        let police = checked("kind = \"phone\"\nvalue = \"110\"").unwrap();
        assert_eq!((police.emergency, police.display.as_str(), police.href.as_deref()), (Some("报警电话"), "110", Some("tel:110")));
        assert_eq!(checked("kind = \"phone\"\nvalue = \"120\"").unwrap().emergency, Some("急救电话"));
        assert_eq!(checked("kind = \"phone\"\nvalue = \"119\"").unwrap().emergency, Some("火警电话"));
        assert_eq!(checked("kind = \"phone\"\nvalue = \"12337\"").unwrap().emergency, None);
        assert_eq!(checked("kind = \"phone\"\nvalue = \"0123-6110110\"").unwrap().emergency, None);
    }

    #[test]
    fn kinds_and_qr_modes_are_enums_with_did_you_mean() {
        let raw: Value = toml::from_str("kind = \"phnoe\"\nvalue = \"110\"").unwrap();
        let keys = KeyLines::of_toml("title = \"x\"\n[channel]\nkind = \"phnoe\"\nvalue = \"110\"\n", 2);
        let at = |key: &str, message: String| {
            let (line, column) = key_position(&keys, key);
            Error::at("x.md", line, column, message)
        };
        let err = field_error(&fields("kind = \"phnoe\"\nvalue = \"110\"").unwrap_err().to_string(), &raw, &at);
        assert_eq!(err.message, "`phnoe` is not a kind of channel");
        assert_eq!(err.location.unwrap().line, 4);
        assert!(err.hint.unwrap().starts_with("did you mean `phone`?"));

        let raw: Value = toml::from_str("kind = \"phone\"\nvalue = \"110\"\nqr = \"drect\"").unwrap();
        let err = field_error(&fields("kind = \"phone\"\nvalue = \"110\"\nqr = \"drect\"").unwrap_err().to_string(), &raw, &at);
        assert_eq!(err.message, "`qr = \"drect\"` is not a choice");
        assert!(err.hint.unwrap().contains("did you mean `direct`?"));

        let raw: Value = toml::from_str("kind = \"phone\"\nvalue = \"110\"\nprimay = true").unwrap();
        let err = field_error(&fields("kind = \"phone\"\nvalue = \"110\"\nprimay = true").unwrap_err().to_string(), &raw, &at);
        assert_eq!(err.message, "unknown key `primay` in [channel]");
        assert!(err.hint.unwrap().starts_with("did you mean `primary`?"));
        assert_eq!(fields("kind = \"web\"\nvalue = \"https://a.cn\"\nqr = \"direct\"").unwrap().qr, QrMode::Direct);
        assert_eq!(fields("kind = \"web\"\nvalue = \"https://a.cn\"").unwrap().qr, QrMode::Page);
    }

    #[test]
    fn keys_are_found_inside_the_channel_table() {
        let toml = KeyLines::of_toml("title = \"x\"\n[extra]\nvalue = 1\n[channel]\nkind = \"phone\"\n  value = \"110\"\n", 2);
        assert_eq!(key_position(&toml, "value"), (7, 3), "not the `value` of [extra]");
        assert_eq!(key_position(&toml, ""), (5, 1));
        assert_eq!(key_position(&toml, "label"), (5, 1), "a key not written points at the table");
        let yaml = KeyLines::of_yaml("title: x\nchannel:\n  kind: phone\n  value: \"110\"\nvalue: 2\n", 2);
        assert_eq!(key_position(&yaml, "value"), (5, 3));
        let inline = KeyLines::of_toml("channel = { kind = \"phone\", value = \"110\" }\n", 2);
        assert_eq!(key_position(&inline, "value"), (2, 29));
    }

    #[test]
    fn phone_and_sms_values() {
        let hotline = checked("kind = \"phone\"\nvalue = \"0123-6110110\"").unwrap();
        assert_eq!(
            (hotline.display.as_str(), hotline.href.as_deref(), hotline.direct.as_deref()),
            ("0123-6110110", Some("tel:+861236110110"), Some("tel:+861236110110"))
        );
        let sms = checked("kind = \"sms\"\nvalue = \"13800000000\"").unwrap();
        assert_eq!((sms.href.as_deref(), sms.direct.as_deref()), (Some("sms:+8613800000000"), Some("SMSTO:+8613800000000:")));
        assert!(checked("kind = \"sms\"\nvalue = \"0123-6110110\"").unwrap_err().message.contains("landline"));
        let err = checked("kind = \"phone\"\nvalue = \"1233\"").unwrap_err();
        assert_eq!((err.key, err.message.as_str()), ("value", "`1233` is not a known service number"));
        assert!(check_value(&fields("kind = \"phone\"\nvalue = \"96111\"").unwrap(), &["96111".into()]).is_ok());
        assert!(checked("kind = \"phone\"\nvalue = \"0123-61101101\"").is_err());
    }

    #[test]
    fn emails_and_web_addresses() {
        assert!(valid_email("saohei@qinghe.example.gov.cn"));
        for bad in ["saohei", "a@b", "a b@c.cn", "@c.cn", "a@-c.cn", "a@c.1"] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert_eq!(web_url("https://www.12337.gov.cn").unwrap(), WebUrl { printed: "www.12337.gov.cn".into(), warning: None });
        assert_eq!(web_url("https://www.12337.gov.cn/").unwrap().printed, "www.12337.gov.cn");
        assert_eq!(web_url("https://a.example.cn:8443/举报/").unwrap().printed, "a.example.cn:8443/举报");
        assert!(web_url("http://www.12337.gov.cn").unwrap().warning.unwrap().contains("https"));
        for (bad, why) in [
            ("www.12337.gov.cn", "is not a web address"),
            ("https://www.12337.gov.cn@evil.example.com/", "leads to `evil.example.com`"),
            ("https://user:pw@www.12337.gov.cn/", "user name"),
            ("https://www.12337 .gov.cn", "space"),
            ("https://www.12337.gov.cn\u{200b}.evil.com", "invisible"),
            ("https://www.12337.gov.cn\\@evil.com", "backslash"),
            ("https://www.１２３３７.gov.cn", "not plain ASCII"),
            ("https://localhost/", "no dot"),
            ("https://-a.example.cn/", "not a valid part"),
            ("https://a..cn/", "not a valid part"),
            ("https://a.example.c/", "top-level"),
            ("https://127.0.0.1/", "top-level"),
            ("https://a.example.cn:80x/", "port"),
        ] {
            let (message, _) = web_url(bad).unwrap_err();
            assert!(message.contains(why), "{bad}: {message}");
        }
    }

    #[test]
    fn a_web_channel_leads_where_its_printed_text_says() {
        let err = checked("kind = \"web\"\nvalue = \"https://www.12337.gov.cn\"\nurl = \"https://evil.example.com\"").unwrap_err();
        assert_eq!(err.key, "url");
        assert!(checked("kind = \"web\"\nvalue = \"https://www.12337.gov.cn\"\nurl = \"https://www.12337.gov.cn\"").is_ok());
        assert_eq!(checked("kind = \"phone\"\nvalue = \"110\"\nurl = \"https://evil.example.com\"").unwrap_err().key, "url");
        // A wechat account's name is printed and its page opened: that is what `url` is for.
        let wechat = checked("kind = \"wechat\"\nvalue = \"青禾镇扫黑办\"\nurl = \"https://mp.example.cn/a\"").unwrap();
        assert_eq!(wechat.href.as_deref(), Some("https://mp.example.cn/a"));
        // A Chinese path is written in plain ASCII for the QR code, and printed as written.
        let web = checked("kind = \"web\"\nvalue = \"https://a.example.cn/举报/\"\nqr = \"direct\"").unwrap();
        assert_eq!((web.display.as_str(), web.direct.as_deref()), ("a.example.cn/举报", Some("https://a.example.cn/%E4%B8%BE%E6%8A%A5/")));
    }

    #[test]
    fn ids_are_short_ascii() {
        assert!(valid_id("hotline"));
        assert!(valid_id("12337"));
        assert!(!valid_id("举报电话"));
        assert!(!valid_id("Hotline"));
        assert!(!valid_id(&"a".repeat(25)));
    }

    #[test]
    fn rejected_ids_stay_quiet_only_while_no_valid_channel_has_them() {
        let mut channels = Channels::default();
        channels.rejected.insert("hotline".into());
        assert!(channels.is_rejected("hotline") && !channels.is_rejected("sms"));
        assert_eq!(channels.rejected().collect::<Vec<_>>(), ["hotline"]);
    }

    fn hotline() -> Channel {
        let checked = checked("kind = \"phone\"\nvalue = \"0123-6110110\"").unwrap();
        let mut c = Channel {
            id: "hotline".into(),
            kind: Kind::Phone,
            kind_label: "举报电话",
            label: "镇扫黑办举报电话".into(),
            emergency: false,
            action: "拨打",
            title: "举报电话".into(),
            value: "0123-6110110".into(),
            display: checked.display,
            href: checked.href,
            hours: Some("工作日 8:30—17:30".into()),
            answered_by: Some("镇扫黑办".into()),
            notes: None,
            postcode: None,
            primary: true,
            weight: 0,
            permalink: String::new(),
            short_url: String::new(),
            short_path: String::new(),
            qr_payload: String::new(),
            lang: "zh-CN".into(),
            i18n: BTreeMap::new(),
            page: 0,
        };
        c.i18n.insert("zh-CN".into(), c.default_text());
        c
    }

    /// A translation's `[channel]` table, and where its keys are in a file that starts with `+++`.
    fn translation(toml_table: &str) -> (Option<ChannelFrontMatter>, KeyLines) {
        let keys = KeyLines::of_toml(&format!("title = \"Hotline\"\n[channel]\n{toml_table}\n"), 2);
        let meta = if toml_table.is_empty() { None } else { Some(toml::from_str::<ChannelFrontMatter>(toml_table).unwrap()) };
        (meta, keys)
    }

    fn translate_with(toml_table: &str, title: Option<&str>) -> Result<ChannelText, Error> {
        let (meta, keys) = translation(toml_table);
        let at = |key: &str, message: String| {
            let (line, column) = key_position(&keys, key);
            Error::at("hotline.en.md", line, column, message)
        };
        translate(&hotline(), "en", title, meta.as_ref(), &at)
    }

    #[test]
    fn a_translation_gives_words_and_keeps_the_number() {
        let text = translate_with("label = \"Reporting hotline\"\nhours = \"Weekdays 8:30–17:30\"\nanswered_by = \"Town office\"", Some("Hotline")).unwrap();
        assert_eq!((text.label.as_str(), text.title.as_str()), ("Reporting hotline", "Hotline"));
        assert_eq!(text.hours.as_deref(), Some("Weekdays 8:30–17:30"));
        let mut c = hotline();
        c.i18n.insert("en".into(), text);
        let en = c.in_lang("en", false).unwrap();
        assert_eq!((en.label.as_str(), en.answered_by.as_deref(), en.lang.as_str()), ("Reporting hotline", Some("Town office"), "en"));
        // What is dialled is the channel's own, in every language.
        assert_eq!((en.display.as_str(), en.href.as_deref()), (c.display.as_str(), c.href.as_deref()));
        // Without a translation the words stay Chinese only where the caller asks for it.
        assert!(c.in_lang("bo", false).is_none());
        assert_eq!(c.in_lang("bo", true).unwrap().label, "镇扫黑办举报电话");
        // The label defaults to the translation's title; with neither there is no label.
        assert_eq!(translate_with("hours = \"24 h\"", Some("Hotline")).unwrap().label, "Hotline");
        let err = translate_with("", None).unwrap_err();
        assert!(err.message.contains("has no label"), "{}", err.message);
    }

    #[test]
    fn a_translation_may_not_change_where_a_report_goes() {
        let err = translate_with("label = \"Hotline\"\nvalue = \"0123-6110111\"", None).unwrap_err();
        assert!(err.message.contains("sets `value`") && err.message.contains("0123-6110110"), "{}", err.message);
        assert_eq!(err.location.as_ref().map(|l| (l.line, l.column)), Some((5, 1)), "at the value line");
        assert!(err.hint.unwrap().starts_with("remove `value`"));
        // Even the same number is refused: it would be the copy that goes stale.
        let err = translate_with("label = \"Hotline\"\nvalue = \"0123-6110110\"", None).unwrap_err();
        assert!(err.message.contains("inherited"), "{}", err.message);
        for key in ["kind = \"sms\"", "id = \"hotline-en\"", "url = \"https://evil.example.com\"", "primary = false", "qr = \"direct\""] {
            let err = translate_with(&format!("label = \"Hotline\"\n{key}"), None).unwrap_err();
            assert_eq!(err.location.as_ref().map(|l| l.line), Some(5), "{key}: {}", err.message);
        }
        let err = translate_with("label = \"Hotline\"\nlabell = \"x\"", None).unwrap_err();
        assert!(err.message.contains("`labell`"), "{}", err.message);
    }
}
