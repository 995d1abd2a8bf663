//! Print in one language or two. An item's front matter says which languages one sheet carries
//! (`languages = ["zh-CN", "en"]`), how two are set (`layout = "stacked" | "side-by-side"`) and
//! which further editions to print (`editions = [["en"]]`). The default language's text is the
//! page itself; every other language's text is the page's translation (`poster.en.md`). Each
//! edition becomes a print item of its own, so every check made on an item is made on each.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;

/// How a sheet sets its languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One language.
    Single,
    /// The default language above, the second below, each with its own heading and text.
    Stacked,
    /// Two columns, the default language on the left. A right-to-left second language is set
    /// right to left inside its own column; the columns themselves are not mirrored, so the
    /// default language stays first on every sheet.
    SideBySide,
}

/// One language of a sheet.
#[derive(Debug, Clone, Serialize)]
pub struct SheetLanguage {
    /// The language code as written (`zh-CN`, `en`, `bo`, `ug`).
    pub code: String,
    /// `ltr`, or `rtl` for scripts written right to left (Uyghur, in Arabic script), as the site's
    /// `[languages]` say ([`crate::config::Config::dir_of`]).
    pub dir: &'static str,
    /// Whether it is the site's default language, whose text is the page itself.
    pub default: bool,
    /// The fixed words of the sheet in this language (the default language's when placard has
    /// none for it: such a language is only printed beside the default one).
    pub words: &'static Words,
    /// The page whose text is printed in this language: the item's own or its translation.
    #[serde(skip)]
    pub page: usize,
}

/// One edition of an item: the languages on its sheets and how they are set.
#[derive(Debug, Clone)]
pub struct Edition {
    pub languages: Vec<SheetLanguage>,
    pub layout: Layout,
    /// Appended to the item's id: empty for the first edition, `-en` or `-zh-cn-en` for others.
    pub suffix: String,
}

/// What one item's front matter says about languages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spec<'a> {
    pub languages: Option<&'a [String]>,
    pub layout: Option<&'a str>,
    pub editions: Option<&'a [Vec<String>]>,
}

/// The fixed words of a print sheet (beside the channel's own words and the item's text).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Words {
    /// Under a code that opens the list of every channel.
    pub scan_all: &'static str,
    /// Under a code that opens one unit's channels: before and after the unit's name.
    pub scan_unit: (&'static str, &'static str),
    /// The title of a letter's channel list.
    pub channels: &'static str,
    /// Around an emergency number: before it and after it.
    pub emergency: (&'static str, &'static str),
    /// Before the sheet's number.
    pub number: &'static str,
    /// Before the verification address.
    pub verify: &'static str,
    pub town: &'static str,
    /// Above a translated text: which text is the official one (empty in the default language).
    pub note: &'static str,
    /// Under a notice's code.
    pub verify_notice: &'static str,
    /// That a report's sender is protected.
    pub confidential: &'static str,
}

/// The languages placard has its fixed print words in. A sheet in any other language alone would
/// carry these words in Chinese, so such a language is printed only beside the default language.
/// The English is plain and literal, as on a government's bilingual sign.
const WORDS: &[(&str, Words)] = &[
    (
        "zh",
        Words {
            scan_all: "扫码查看全部举报渠道",
            scan_unit: ("扫码查看", "举报渠道"),
            channels: "举报渠道",
            emergency: ("正在发生的违法犯罪，请拨打", ""),
            number: "编号",
            verify: "核验",
            town: "全镇",
            note: "",
            verify_notice: "扫码核验通告",
            confidential: "举报人信息严格保密",
        },
    ),
    (
        "en",
        Words {
            scan_all: "Scan for all reporting channels",
            scan_unit: ("Scan for the reporting channels of ", ""),
            channels: "Reporting channels",
            emergency: ("Crime in progress: call ", ""),
            number: "No.",
            verify: "Verify",
            town: "Town",
            note: "Translation for reference; the Chinese text is the official one.",
            verify_notice: "Scan to check this notice",
            confidential: "Informants' details are kept confidential",
        },
    ),
];

/// The fixed words in `code` (by its primary subtag), if placard has them.
pub fn words(code: &str) -> Option<&'static Words> {
    let primary = code.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    WORDS.iter().find(|(c, _)| *c == primary).map(|(_, w)| w)
}

/// A language code such as `en`, `zh-CN`, `bo`, `ug-Arab`: a primary subtag of 2–3 letters and
/// subtags of 2–8 letters or digits.
fn valid_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The file a translation into `lang` of the page in `file` is read from: `poster.en.md` beside
/// `poster.md`, `index.en.md` in a bundle.
pub fn translation_file(file: &Path, lang: &str) -> String {
    let stem = file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let name = format!("{stem}.{lang}.md");
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name).display().to_string(),
        _ => name,
    }
}

pub use crate::content::library::{is_translation, translations_of};

/// The editions of an item: the first from `languages` and `layout`, then one per `editions`
/// entry. `translation(lang)` finds the page's translation into `lang`; `at(key, message)`
/// locates an error at a front-matter key.
pub fn editions(
    default_lang: &str,
    page: usize,
    file: &Path,
    spec: Spec,
    translation: &dyn Fn(&str) -> Option<usize>,
    dir: &dyn Fn(&str) -> &'static str,
    at: &dyn Fn(&str, String) -> Error,
) -> Result<Vec<Edition>, Error> {
    let first: Vec<String> = spec.languages.map(<[String]>::to_vec).unwrap_or_else(|| vec![default_lang.to_string()]);
    let mut lists = vec![(first, "languages")];
    lists.extend(spec.editions.unwrap_or_default().iter().map(|e| (e.clone(), "editions")));
    let mut editions: Vec<Edition> = Vec::new();
    for (n, (list, key)) in lists.into_iter().enumerate() {
        let languages = sheet_languages(default_lang, page, file, &list, key, translation, dir, at)?;
        let layout = match (languages.len(), spec.layout) {
            (1, None) => Layout::Single,
            (1, Some(_)) if n > 0 => Layout::Single,
            (1, Some(layout)) => {
                return Err(at("layout", format!("layout = \"{layout}\" sets two languages, but this sheet has one"))
                    .with_hint("remove layout, or add the second language: languages = [\"zh-CN\", \"en\"]"))
            }
            (_, None | Some("stacked")) => Layout::Stacked,
            (_, Some("side-by-side")) => Layout::SideBySide,
            (_, Some(other)) => {
                return Err(at("layout", format!("`{other}` is not a layout")).with_hint("write layout = \"stacked\" or layout = \"side-by-side\""))
            }
        };
        let suffix = if n == 0 { String::new() } else { format!("-{}", list.join("-").to_ascii_lowercase()) };
        if editions.iter().any(|e| e.languages.iter().map(|l| &l.code).eq(languages.iter().map(|l| &l.code))) {
            return Err(at(key, format!("the edition in {} is printed twice", list.join(" + "))).with_hint("list each edition once"));
        }
        editions.push(Edition { languages, layout, suffix });
    }
    Ok(editions)
}

#[allow(clippy::too_many_arguments)]
fn sheet_languages(
    default_lang: &str,
    page: usize,
    file: &Path,
    list: &[String],
    key: &str,
    translation: &dyn Fn(&str) -> Option<usize>,
    dir: &dyn Fn(&str) -> &'static str,
    at: &dyn Fn(&str, String) -> Error,
) -> Result<Vec<SheetLanguage>, Error> {
    let example = format!("like {key} = [\"{default_lang}\", \"en\"]");
    match list.len() {
        0 => return Err(at(key, "a sheet needs at least one language".into()).with_hint(format!("write the languages, {example}"))),
        1 | 2 => {}
        n => {
            return Err(at(key, format!("a sheet in {n} languages is not readable from the street"))
                .with_hint(format!("print at most two languages on one sheet, {example}; more languages are more editions")))
        }
    }
    if let Some((_, code)) = list.iter().enumerate().find(|(i, c)| list[..*i].contains(c)) {
        return Err(at(key, format!("`{code}` is listed twice")).with_hint(format!("write two different languages, {example}")));
    }
    // Order next: a sheet in the wrong order is wrong whatever its texts say.
    if list.iter().skip(1).any(|c| c == default_lang) {
        return Err(at(key, format!("`{default_lang}` comes second on this sheet"))
            .with_hint(format!("official bilingual notices put {default_lang} first: write {key} = [\"{default_lang}\", \"{}\"]", list[0])));
    }
    let mut languages = Vec::new();
    for code in list {
        if !valid_code(code) {
            return Err(
                at(key, format!("`{code}` is not a language code")).with_hint(format!("write codes such as \"{default_lang}\", \"en\", \"bo\" or \"ug\""))
            );
        }
        let default = code == default_lang;
        let page = if default {
            page
        } else {
            translation(code).ok_or_else(|| {
                at(key, format!("there is no {code} translation of this page to print"))
                    .with_hint(format!("write the {code} text in `{}`, beside this file", translation_file(file, code)))
            })?
        };
        let words = words(code).or_else(|| words(default_lang)).unwrap_or(&WORDS[0].1);
        languages.push(SheetLanguage { code: code.clone(), dir: dir(code), default, words, page });
    }
    if let [only] = languages.as_slice() {
        if !only.default && words(&only.code).is_none() {
            return Err(at(key, format!("a sheet in `{}` alone would print its fixed words (scan here, call, number) in {default_lang}", only.code))
                .with_hint(format!("print `{}` beside the default language: {key} = [\"{default_lang}\", \"{}\"]", only.code, only.code)));
        }
    }
    Ok(languages)
}

/// The text of each language of `item`'s sheets, in order, for its template: `lang`, `dir`,
/// `default`, `title` (the item's title, or its translation's) and `content` (the rendered body).
pub fn texts<'a>(item: &super::PrintItem, library: &crate::content::Library, content: impl Fn(usize) -> std::borrow::Cow<'a, str>) -> serde_json::Value {
    let texts: Vec<serde_json::Value> = item
        .languages
        .iter()
        .map(|lang| {
            let title = if lang.default { item.title.clone() } else { library.pages[lang.page].meta.title.clone().unwrap_or_else(|| item.title.clone()) };
            serde_json::json!({
                "lang": lang.code,
                "dir": lang.dir,
                "default": lang.default,
                "words": lang.words,
                // Whether the fixed words are this language's own, not the default language's.
                "own_words": lang.default || words(&lang.code).is_some(),
                "title": title,
                "salutation": if lang.default { item.salutation.clone() } else { translated_salutation(&library.pages[lang.page]) },
                "content": content(lang.page),
            })
        })
        .collect();
    serde_json::Value::Array(texts)
}

/// The salutation a translation gives in its own `[letter]` or `[print]` table (`Dear residents`).
fn translated_salutation(page: &crate::content::Page) -> Option<String> {
    page.meta.letter.as_ref().and_then(|l| l.salutation.clone()).or_else(|| page.meta.print.as_ref().and_then(|p| p.salutation.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(languages: Option<&[&str]>, layout: Option<&str>, more: &[&[&str]], have: &[&str]) -> Result<Vec<Edition>, Error> {
        let languages: Option<Vec<String>> = languages.map(|l| l.iter().map(|s| s.to_string()).collect());
        let more: Vec<Vec<String>> = more.iter().map(|e| e.iter().map(|s| s.to_string()).collect()).collect();
        let spec = Spec { languages: languages.as_deref(), layout, editions: (!more.is_empty()).then_some(more.as_slice()) };
        let translation = |lang: &str| have.iter().position(|h| *h == lang).map(|i| 10 + i);
        let at = |key: &str, message: String| Error::new(format!("{key}: {message}"));
        let dir = |code: &str| crate::config::direction_of(code).as_str();
        editions("zh-CN", 3, Path::new("content/posters/market.md"), spec, &translation, &dir, &at)
    }

    #[test]
    fn one_language_by_default_and_translations_for_the_others() {
        let plain = run(None, None, &[], &[]).unwrap();
        assert_eq!(plain.len(), 1);
        assert_eq!((plain[0].layout, plain[0].languages[0].page, plain[0].suffix.as_str()), (Layout::Single, 3, ""));
        let both = run(Some(&["zh-CN", "en"]), Some("side-by-side"), &[&["en"], &["zh-CN"]], &["bo", "en"]).unwrap();
        assert_eq!(both.iter().map(|e| e.suffix.as_str()).collect::<Vec<_>>(), ["", "-en", "-zh-cn"]);
        assert_eq!(both[0].layout, Layout::SideBySide);
        assert_eq!(both[0].languages.iter().map(|l| (l.code.as_str(), l.page, l.default)).collect::<Vec<_>>(), [("zh-CN", 3, true), ("en", 11, false)]);
        assert_eq!((both[1].layout, both[1].languages[0].page), (Layout::Single, 11));
        assert_eq!(run(Some(&["zh-CN", "bo"]), None, &[], &["bo"]).unwrap()[0].layout, Layout::Stacked);
    }

    #[test]
    fn the_default_language_comes_first_and_each_language_needs_its_text() {
        let err = run(Some(&["en", "zh-CN"]), None, &[], &["en"]).unwrap_err();
        assert!(err.message.contains("comes second") && err.hint.unwrap().contains("[\"zh-CN\", \"en\"]"), "{}", err.message);
        let err = run(Some(&["zh-CN", "en"]), None, &[], &[]).unwrap_err();
        assert!(err.message.starts_with("languages: there is no en translation"), "{}", err.message);
        assert!(err.hint.unwrap().contains("content/posters/market.en.md"));
        let err = run(None, None, &[&["zh-CN", "ug"]], &[]).unwrap_err();
        assert!(err.message.starts_with("editions:"), "{}", err.message);
        assert!(run(Some(&["zh-CN", "en", "bo"]), None, &[], &["en", "bo"]).unwrap_err().message.contains("3 languages"));
        assert!(run(Some(&["zh-CN", "zh-CN"]), None, &[], &[]).unwrap_err().message.contains("twice"));
        assert!(run(Some(&["English"]), None, &[], &[]).unwrap_err().message.contains("not a language code"));
        assert!(run(Some(&[]), None, &[], &[]).unwrap_err().message.contains("at least one"));
        assert!(run(Some(&["zh-CN", "en"]), Some("columns"), &[], &["en"]).unwrap_err().message.contains("not a layout"));
        assert!(run(None, Some("stacked"), &[], &[]).unwrap_err().message.contains("has one"));
        assert!(run(None, None, &[&["zh-CN"]], &[]).unwrap_err().message.contains("printed twice"));
    }

    #[test]
    fn a_language_without_fixed_words_is_printed_only_beside_the_default() {
        let err = run(Some(&["bo"]), None, &[], &["bo"]).unwrap_err();
        assert!(err.message.contains("alone"), "{}", err.message);
        assert!(run(Some(&["en"]), None, &[], &["en"]).is_ok());
        assert!(run(Some(&["zh-CN", "bo"]), None, &[], &["bo"]).is_ok());
    }

    #[test]
    fn right_to_left_languages_are_set_right_to_left() {
        let ug = run(Some(&["zh-CN", "ug"]), Some("side-by-side"), &[], &["ug"]).unwrap();
        assert_eq!(ug[0].languages.iter().map(|l| l.dir).collect::<Vec<_>>(), ["ltr", "rtl"]);
    }

    #[test]
    fn fixed_words_by_primary_subtag() {
        assert_eq!(words("zh-CN").unwrap().number, "编号");
        assert_eq!(words("en-GB").unwrap().number, "No.");
        assert!(words("bo").is_none());
    }
}
