//! Slogans (宣传标语): one list per campaign, each slogan with an optional date range. They become
//! cloth banners (横幅) with characters sized to the banner's height, and text files for the LED
//! screens configured in `config.toml` (`[[print.led]]`), in the encoding each screen's software reads.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::content::campaign_tables::{SloganFrontMatter, SlogansFrontMatter};
use crate::content::{Date, Library};
use crate::error::{Error, Errors};

/// A slogan with its list and dates.
#[derive(Debug, Clone, Serialize)]
pub struct Slogan {
    /// `<list id>-<n>`, counting from 1 in the order written.
    pub id: String,
    pub list: String,
    pub text: String,
    #[serde(skip)]
    pub from: Option<NaiveDate>,
    #[serde(skip)]
    pub until: Option<NaiveDate>,
    #[serde(skip)]
    pub page: usize,
}

impl Slogan {
    /// Shown on `day`: started and not ended.
    pub fn shown_on(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| u >= day)
    }

    /// Still worth printing on `day`: not ended (a banner goes up before its campaign starts).
    pub fn current_on(&self, day: NaiveDate) -> bool {
        self.until.is_none_or(|u| u >= day)
    }
}

/// Every slogan of every list, in page order.
pub fn collect(library: &Library, errors: &mut Errors) -> Vec<Slogan> {
    let mut slogans = Vec::new();
    for (index, page) in library.pages.iter().enumerate() {
        let Some(meta) = &page.meta.slogans else { continue };
        let list = meta.id.clone().unwrap_or_else(|| page.slug.clone());
        if !crate::content::is_short_id(&list, 24) {
            errors.push(
                page.keys
                    .locate(Error::in_file(&page.file, format!("`{list}` cannot be a slogan list id")), "id")
                    .with_hint("give the list an id of lower-case letters, digits and dashes, like id = \"2026\""),
            );
            continue;
        }
        for (n, s) in meta.list.iter().enumerate() {
            let text = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.is_empty() {
                errors.push(
                    page.keys
                        .locate_nth(Error::in_file(&page.file, format!("slogan {} is empty", n + 1)), "text", n)
                        .with_hint("write the slogan's text, or remove it"),
                );
                continue;
            }
            let (from, until) = (s.from.as_ref().map(Date::day), s.until.as_ref().map(Date::day));
            if let (Some(f), Some(u)) = (from, until) {
                if u < f {
                    errors.push(
                        page.keys
                            .locate_nth(Error::in_file(&page.file, format!("slogan {} (\"{text}\") ends before it begins", n + 1)), "text", n)
                            .with_hint("`until` must be on or after `from`"),
                    );
                }
            }
            slogans.push(Slogan { id: format!("{list}-{}", n + 1), list: list.clone(), text, from, until, page: index });
        }
    }
    slogans
}

/// Width of `text` in character cells: a Chinese character is one, a Latin letter, digit or space
/// half of one (as on banners and on LED controllers, which count half-width cells).
pub fn cells(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum()
}

/// Characters on a banner: at most this share of the banner's height, at least the smaller share
/// (still readable across a road) before the slogan counts as too long; each end keeps half a
/// character clear.
pub const BANNER_TYPE: f64 = 0.62;
pub const BANNER_TYPE_MIN: f64 = 0.4;

/// The character height for `text` on a banner `width_mm` × `height_mm` (landscape), or the error's
/// message: how long the banner would have to be.
pub fn banner_type(text: &str, width_mm: f64, height_mm: f64) -> Result<f64, String> {
    let cells = cells(text).max(1.0);
    // The length a slogan needs at type height `t`: its characters, a little spacing, clear ends.
    let need = |t: f64| cells * t * 1.05 + t;
    let largest = height_mm * BANNER_TYPE;
    if need(largest) <= width_mm {
        return Ok(largest);
    }
    let fit = width_mm / (cells * 1.05 + 1.0);
    if fit >= height_mm * BANNER_TYPE_MIN {
        return Ok((fit * 10.0).floor() / 10.0);
    }
    Err(format!(
        "the slogan \"{text}\" is too long for a {} × {} mm banner: it needs a banner at least {:.0} mm long ({:.0} mm for full-size characters), or a shorter slogan",
        height_mm,
        width_mm,
        need(height_mm * BANNER_TYPE_MIN).ceil(),
        need(largest).ceil()
    ))
}

/// What `mount = "..."` means on the order sheet.
pub fn mount_finishing(mount: super::Mount) -> &'static str {
    match mount {
        super::Mount::Grommets => "四角及上下边每隔 50 cm 打金属扣眼（grommets），热切边",
        super::Mount::Sleeve => "左右两端缝穿杆套（sleeve），热切边",
    }
}

/// One LED screen from `[[print.led]]` in config.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    pub id: String,
    pub name: Option<String>,
    /// Characters per line, counting a Chinese character as one and a Latin letter or digit as half.
    pub chars_per_line: u32,
    pub lines: u32,
    /// `GB18030` (the default), `GBK` or `UTF-8`.
    #[serde(default = "default_encoding")]
    pub encoding: String,
    /// Which slogan lists it plays (ids); every list when not given.
    pub lists: Option<Vec<String>>,
}

fn default_encoding() -> String {
    "GB18030".into()
}

/// A file for one screen, ready to write into the print folder.
#[derive(Debug, Clone)]
pub struct LedFile {
    pub screen: String,
    /// Relative to the print folder, like `led/zhenfu.txt`.
    pub path: String,
    pub encoding: &'static encoding_rs::Encoding,
    pub bytes: Vec<u8>,
}

/// The LED files for the screens in `config.print.led` and the slogans shown on `today`.
pub fn led_files(config: &crate::config::Config, slogans: &[Slogan], today: NaiveDate, errors: &mut Errors) -> Vec<LedFile> {
    let file = std::path::Path::new("config.toml");
    let Some(list) = config.print.get("led") else { return vec![] };
    let screens: Vec<Screen> = match serde_json::from_value::<Vec<Screen>>(list.clone()) {
        Ok(screens) => screens,
        Err(e) => {
            errors.push(
                Error::in_file(file, format!("[[print.led]] cannot be read: {e}"))
                    .with_hint("each screen needs id, chars_per_line and lines; encoding (GB18030, GBK or UTF-8) and lists are optional"),
            );
            return vec![];
        }
    };
    let mut files = Vec::new();
    for (n, screen) in screens.iter().enumerate() {
        let at = |message: String, hint: &str| config.keys.locate_nth(Error::in_file(file, message), "print.led.id", n).with_hint(hint.to_string());
        if !crate::content::is_short_id(&screen.id, 32) {
            errors.push(at(format!("`{}` cannot be an LED screen id", screen.id), "use lower-case letters, digits and dashes"));
            continue;
        }
        let encoding = match screen.encoding.to_ascii_uppercase().replace('_', "-").as_str() {
            "GB18030" => encoding_rs::GB18030,
            "GBK" | "GB2312" => encoding_rs::GBK,
            "UTF-8" | "UTF8" => encoding_rs::UTF_8,
            _ => {
                errors.push(at(
                    format!("LED screen `{}`: `{}` is not an encoding placard writes", screen.id, screen.encoding),
                    "use \"GB18030\", \"GBK\" or \"UTF-8\"",
                ));
                continue;
            }
        };
        if screen.chars_per_line < 2 || screen.lines < 1 {
            errors.push(at(
                format!("LED screen `{}` has {} characters per line and {} lines", screen.id, screen.chars_per_line, screen.lines),
                "a screen shows at least 2 characters on 1 line",
            ));
            continue;
        }
        let mut text = String::new();
        let mut ok = true;
        for slogan in slogans.iter().filter(|s| s.shown_on(today) && screen.lists.as_ref().is_none_or(|l| l.contains(&s.list))) {
            match wrap(&slogan.text, f64::from(screen.chars_per_line)) {
                Ok(lines) => {
                    // One message per screenful: the controller shows `lines` lines at a time.
                    for page in lines.chunks(screen.lines as usize) {
                        for line in page {
                            text.push_str(line);
                            text.push_str("\r\n");
                        }
                        text.push_str("\r\n");
                    }
                }
                Err(word) => {
                    errors.push(at(
                        format!(
                            "LED screen `{}`: \"{word}\" in the slogan \"{}\" is wider than its {} characters per line",
                            screen.id, slogan.text, screen.chars_per_line
                        ),
                        "a word or number is never broken: shorten the slogan, or set a wider screen",
                    ));
                    ok = false;
                }
            }
        }
        let (bytes, _, unmappable) = encoding.encode(&text);
        if unmappable {
            errors.push(at(
                format!("LED screen `{}`: a slogan has a character that {} cannot write", screen.id, encoding.name()),
                "use GB18030, which writes every character, or replace the character",
            ));
            ok = false;
        }
        if ok {
            files.push(LedFile { path: format!("led/{}.txt", screen.id), screen: screen.id.clone(), encoding, bytes: bytes.into_owned() });
        }
    }
    files
}

/// Punctuation that may not start a line (it stays with the character before it).
const NO_LINE_START: &str = "，。、；：！？）》」』”’…—,.;:!?)%";
/// Punctuation that may not end a line.
const NO_LINE_END: &str = "（《「『“‘(";

/// Splits `text` into lines at most `width` cells wide without breaking a run of Latin letters or
/// digits (a number, a web address), keeping closing punctuation with what it closes and preferring
/// the spaces between phrases. The error is a word wider than a line.
pub fn wrap(text: &str, width: f64) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for phrase in text.split_whitespace() {
        let tokens = tokens(phrase);
        if let Some(wide) = tokens.iter().find(|t| cells(t) > width) {
            return Err(wide.clone());
        }
        let last = lines.last_mut().filter(|l: &&mut String| cells(l) + 0.5 + cells(phrase) <= width);
        if let Some(line) = last {
            line.push(' ');
            line.push_str(phrase);
            continue;
        }
        let mut line = String::new();
        for token in tokens {
            if cells(&line) + cells(&token) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push_str(&token);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    Ok(lines)
}

/// The unbreakable pieces of a phrase: a run of ASCII letters and digits (with `.-:/@`), or one
/// other character, with punctuation joined to its neighbour.
fn tokens(phrase: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut glue_next = false;
    for c in phrase.chars() {
        let ascii_word =
            c.is_ascii_alphanumeric() || (".-:/@_".contains(c) && tokens.last().is_some_and(|t| t.chars().last().is_some_and(|l| l.is_ascii_alphanumeric())));
        let join = glue_next
            || NO_LINE_START.contains(c)
            || (ascii_word && tokens.last().is_some_and(|t| t.chars().last().is_some_and(|l| l.is_ascii_alphanumeric() || ".-:/@_".contains(l))));
        match tokens.last_mut() {
            Some(last) if join => last.push(c),
            _ => tokens.push(c.to_string()),
        }
        glue_next = NO_LINE_END.contains(c);
    }
    tokens
}

/// `config.print` as given, for templates.
pub fn screens_value(config: &crate::config::Config) -> Value {
    config.print.get("led").cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_numbers_words_and_punctuation_together() {
        let lines = wrap("举报电话0123-6110110，全国平台www.12337.gov.cn", 8.0).unwrap();
        assert!(lines.iter().all(|l| cells(l) <= 8.0), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("0123-6110110")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("www.12337.gov.cn")), "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        assert_eq!(wrap("扫黑除恶 人人有责", 8.5).unwrap(), vec!["扫黑除恶 人人有责"]);
        assert_eq!(wrap("扫黑除恶 人人有责", 6.0).unwrap(), vec!["扫黑除恶", "人人有责"]);
        assert_eq!(wrap("www.12337.gov.cn", 4.0).unwrap_err(), "www.12337.gov.cn");
    }

    #[test]
    fn banner_type_follows_the_height_and_says_the_length_needed() {
        assert_eq!(banner_type("扫黑除恶 人人有责", 5000.0, 700.0).unwrap(), 700.0 * BANNER_TYPE);
        let long = "依法严厉打击黑恶势力违法犯罪 坚决铲除黑恶势力滋生土壤 建设更高水平的平安青禾";
        let err = banner_type(long, 5000.0, 700.0).unwrap_err();
        assert!(err.contains("at least") && err.contains("700 × 5000"), "{err}");
        let t = banner_type("常态化扫黑除恶 守护平安青禾", 6000.0, 900.0).unwrap();
        assert!((900.0 * BANNER_TYPE_MIN..=900.0 * BANNER_TYPE).contains(&t));
    }
}
