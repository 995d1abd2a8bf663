//! The campaign's own front-matter tables (`[channel]`, `[unit]`, `[poster]`, `[letter]`, `[print]`,
//! `[notice]`, `[slogans]`), as written. Loading parses them with the page, so a mistyped value is
//! reported at its line; the campaign layer above (`channels`, `print`) checks their rules and
//! builds the models that templates see.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::Date;

/// Which way up a sheet is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    Portrait,
    Landscape,
}

/// How a cloth banner is hung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mount {
    /// Metal eyelets (扣眼) at the corners and along the edges.
    #[default]
    #[serde(alias = "扣眼")]
    Grommets,
    /// A sleeve (穿杆套) at each end for a pole.
    #[serde(alias = "穿杆", alias = "杆套")]
    Sleeve,
}

/// The `[channel]` table of a channel page's front matter, kept as written. Loading a page never
/// fails because of it: the campaign layer (`channels::collect`) checks it, so that a misspelt key is reported once, at its
/// line, and the channel's id is still known to be the one that failed.
#[derive(Debug, Clone)]
pub struct ChannelFrontMatter {
    raw: Value,
}

impl<'de> Deserialize<'de> for ChannelFrontMatter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|raw| ChannelFrontMatter { raw })
    }
}

impl ChannelFrontMatter {
    /// The table as written.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The `id` as written, when it is text.
    pub fn id(&self) -> Option<&str> {
        self.raw.get("id").and_then(Value::as_str)
    }
}

/// Which units an item is made for: `"all"`, `"schools"` or a list of ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum UnitsSpec {
    All(String),
    List(Vec<String>),
}

/// The `[unit]` table of a page in the units section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitFrontMatter {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    pub households: Option<u32>,
    /// Enterprises in the unit, for letters to enterprises.
    pub enterprises: Option<u32>,
    /// Pupils of a school, for its handouts.
    pub pupils: Option<u32>,
    /// The unit a school belongs to (its id).
    pub parent: Option<String>,
    pub contact_title: Option<String>,
    pub office_address: Option<String>,
    /// 村民小组 or buildings, for the delivery sign-off sheet (`print::forms`).
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Where each poster goes, by item id, for the posting record (`print::forms`).
    #[serde(default)]
    pub places: std::collections::BTreeMap<String, Vec<String>>,
}

/// The `[poster]` table of a page in the posters section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosterFrontMatter {
    pub id: Option<String>,
    pub size: Option<String>,
    pub orientation: Option<Orientation>,
    pub bleed_mm: Option<f64>,
    pub crop_marks: Option<bool>,
    pub channels: Option<Vec<String>>,
    pub units: Option<UnitsSpec>,
    pub color: Option<String>,
    pub copies: Option<CopiesSpec>,
    pub extra_copies: Option<u32>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
    /// The languages on one sheet, the default language first: `["zh-CN", "en"]` for a bilingual
    /// sheet. The text of a language other than the default comes from the page's translation.
    pub languages: Option<Vec<String>>,
    /// How a bilingual sheet sets its two texts: `"stacked"` (the default) or `"side-by-side"`.
    pub layout: Option<String>,
    /// Further editions of the same item, each a list of languages: `[["en"]]`.
    pub editions: Option<Vec<Vec<String>>>,
    /// Print a channel with no translation into a sheet's language in the default language's
    /// words (a warning says which); without it that is an error.
    pub channel_fallback: Option<bool>,
}

/// The `[letter]` table of a page in the letters section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterFrontMatter {
    pub id: Option<String>,
    pub salutation: Option<String>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
    pub seal: Option<String>,
    pub channels: Option<Vec<String>>,
    pub units: Option<UnitsSpec>,
    /// `"household"` (the default), `"enterprise"`, or a number of copies per unit.
    pub copies: Option<CopiesSpec>,
    pub extra_copies: Option<u32>,
    /// The languages on one sheet, the default language first: `["zh-CN", "en"]` for a bilingual
    /// sheet. The text of a language other than the default comes from the page's translation.
    pub languages: Option<Vec<String>>,
    /// How a bilingual sheet sets its two texts: `"stacked"` (the default) or `"side-by-side"`.
    pub layout: Option<String>,
    /// Further editions of the same item, each a list of languages: `[["en"]]`.
    pub editions: Option<Vec<Vec<String>>>,
    /// Print a channel with no translation into a sheet's language in the default language's
    /// words (a warning says which); without it that is an error.
    pub channel_fallback: Option<bool>,
}

/// The `[print]` table: a print item of any kind in `print::KINDS` (cards, stickers, handouts…).
/// Like posters and letters, such a page is printed, not published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFrontMatter {
    pub kind: String,
    pub id: Option<String>,
    pub size: Option<String>,
    pub orientation: Option<Orientation>,
    pub bleed_mm: Option<f64>,
    pub crop_marks: Option<bool>,
    pub channels: Option<Vec<String>>,
    pub units: Option<UnitsSpec>,
    pub color: Option<String>,
    pub copies: Option<CopiesSpec>,
    pub extra_copies: Option<u32>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
    pub salutation: Option<String>,
    /// The one channel the item is about, e.g. the report box a sticker goes on; on a unit's
    /// variant, that unit's own channel of the same kind takes its place.
    pub channel: Option<String>,
    /// Banners: the slogan list to print, as `@/slogans/x.md` (every list when not given).
    pub slogans: Option<String>,
    /// Banners: `"grommets"` (扣眼) or `"sleeve"` (穿杆套).
    pub mount: Option<Mount>,
    /// Survey forms: the questions to ask, in place of the standard ones (`print::forms`).
    pub questions: Option<Vec<QuestionSpec>>,
    /// The languages on one sheet, the default language first: `["zh-CN", "en"]` for a bilingual
    /// sheet. The text of a language other than the default comes from the page's translation.
    pub languages: Option<Vec<String>>,
    /// How a bilingual sheet sets its two texts: `"stacked"` (the default) or `"side-by-side"`.
    pub layout: Option<String>,
    /// Further editions of the same item, each a list of languages: `[["en"]]`.
    pub editions: Option<Vec<Vec<String>>>,
    /// Print a channel with no translation into a sheet's language in the default language's
    /// words (a warning says which); without it that is an error.
    pub channel_fallback: Option<bool>,
}

/// The `[notice]` table of a notice (通告) page: the page stays on the website and is also printed
/// as an official posting for as long as it is in force.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeFrontMatter {
    pub id: Option<String>,
    /// The document number (文号), like `青禾扫黑办〔2026〕1号`.
    pub number: Option<String>,
    pub issuer: Option<String>,
    /// The date of the 落款; the page's date when not given.
    pub date: Option<Date>,
    pub valid_from: Option<Date>,
    #[serde(alias = "expires")]
    pub valid_until: Option<Date>,
    /// The day it was revoked (撤销).
    pub revoked: Option<Date>,
    /// The notice that replaced it, as `@/notices/x.md`.
    pub superseded_by: Option<String>,
    /// Printed sizes; A3 and A2 when not given.
    pub sizes: Option<Vec<String>>,
    pub units: Option<UnitsSpec>,
    pub channels: Option<Vec<String>>,
    pub copies: Option<CopiesSpec>,
    pub extra_copies: Option<u32>,
    /// The languages on one sheet, the default language first: `["zh-CN", "en"]` for a bilingual
    /// sheet. The text of a language other than the default comes from the page's translation.
    pub languages: Option<Vec<String>>,
    /// How a bilingual sheet sets its two texts: `"stacked"` (the default) or `"side-by-side"`.
    pub layout: Option<String>,
    /// Further editions of the same item, each a list of languages: `[["en"]]`.
    pub editions: Option<Vec<Vec<String>>>,
    /// Print a channel with no translation into a sheet's language in the default language's
    /// words (a warning says which); without it that is an error.
    pub channel_fallback: Option<bool>,
}

/// A 村民小组 or building of a unit: `groups = [{ name = "一组", households = 42 }]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    /// Households in it: a household letter's copies for the group.
    pub households: Option<u32>,
}

/// A question of a survey form's `questions = [{ id = "know_box", text = "…" }]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSpec {
    pub id: String,
    /// The question as printed.
    pub text: String,
    /// A short label for reports (the printed text when not given).
    pub label: Option<String>,
}

/// The `[slogans]` table of a slogan list page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlogansFrontMatter {
    pub id: Option<String>,
    #[serde(default)]
    pub list: Vec<SloganFrontMatter>,
}

/// One slogan: `{ text = "…", from = 2026-03-01, until = 2026-12-31 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloganFrontMatter {
    pub text: String,
    pub from: Option<Date>,
    pub until: Option<Date>,
}

/// `copies = ...` in front matter: a number (that many per unit) or what to count by.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CopiesSpec {
    Fixed(u32),
    Per(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serde_errors::from_toml;

    #[test]
    fn choices_are_enums_with_did_you_mean() {
        let path = std::path::Path::new("p.md");
        let item: ItemFrontMatter = from_toml("kind = \"banner\"\norientation = \"landscape\"\nmount = \"穿杆\"\n", path, 2).unwrap();
        assert_eq!((item.orientation, item.mount), (Some(Orientation::Landscape), Some(Mount::Sleeve)));
        let error = from_toml::<ItemFrontMatter>("kind = \"poster\"\norientation = \"lanscape\"\n", path, 2).unwrap_err();
        assert_eq!(error.message, "`lanscape` is not one of the choices here");
        assert_eq!(error.location.as_ref().map(|l| l.line), Some(3));
        assert!(error.hint.as_deref().is_some_and(|h| h.starts_with("did you mean `landscape`?")), "{error:?}");
        let error = from_toml::<ItemFrontMatter>("kind = \"banner\"\nmount = \"glue\"\n", path, 2).unwrap_err();
        assert!(error.hint.as_deref().is_some_and(|h| h.contains("grommets") && h.contains("sleeve")), "{error:?}");
    }
}
