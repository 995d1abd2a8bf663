//! Reporting channels: the hotline, the SMS number, the mailbox, the national platform, the report
//! boxes. A channel is a page in the channels section with a `[channel]` table; this module checks
//! each one and turns it into the one [`Channel`] shape that pages, posters, letters and the
//! verification page all read.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::content::library::locate;
use crate::content::Library;
use crate::error::{suggest, Error, Errors};
use crate::qr;

/// The `[channel]` table of a channel page's front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelFrontMatter {
    /// Short ASCII id used in shortcodes and the short QR URL `/q/<id>/`; defaults to the file's slug.
    pub id: Option<String>,
    pub kind: String,
    /// The number, address, URL, account name or box location.
    pub value: String,
    pub hours: Option<String>,
    pub answered_by: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub primary: bool,
    /// What the channel's QR code holds: `page` (default, a short link to a page with tap-to-call
    /// links, which every scanner including WeChat's opens) or `direct` (tel:, SMSTO:, mailto:, the URL).
    pub qr: Option<String>,
    /// Six-digit postal code, for `post`.
    pub postcode: Option<String>,
    /// A web address for `wechat` (the account's article or QR page).
    pub url: Option<String>,
}

/// The kinds of channel, with the words residents see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

const KINDS: &[&str] = &["phone", "sms", "email", "web", "wechat", "post", "box", "visit"];

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "phone" => Kind::Phone,
            "sms" => Kind::Sms,
            "email" => Kind::Email,
            "web" => Kind::Web,
            "wechat" => Kind::Wechat,
            "post" => Kind::Post,
            "box" => Kind::Box,
            "visit" => Kind::Visit,
            _ => return None,
        })
    }

    /// The label residents read next to the value.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Phone => "举报电话",
            Kind::Sms => "短信举报",
            Kind::Email => "举报邮箱",
            Kind::Web => "网络举报",
            Kind::Wechat => "微信举报",
            Kind::Post => "信件举报",
            Kind::Box => "举报箱",
            Kind::Visit => "来访举报",
        }
    }

    /// The verb on a tap target.
    pub fn action(self) -> &'static str {
        match self {
            Kind::Phone => "拨打",
            Kind::Sms => "发短信",
            Kind::Email => "发邮件",
            Kind::Web | Kind::Wechat => "打开",
            Kind::Post | Kind::Box | Kind::Visit => "查看",
        }
    }
}

/// A validated reporting channel, as every template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub id: String,
    pub kind: Kind,
    pub kind_label: &'static str,
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
    /// What the channel's QR code encodes.
    pub qr_payload: String,
    /// Index of the channel's page in the library (not serialised).
    #[serde(skip)]
    pub page: usize,
}

/// The URL path of the short landing page for `id`.
pub fn short_path(config: &Config, id: &str) -> String {
    format!("/{}/{id}/", config.channels.short_path)
}

/// Collects and checks every channel page. Problems are located at the offending front-matter line.
pub fn collect(library: &Library, config: &Config, errors: &mut Errors) -> Vec<Channel> {
    let mut channels: Vec<Channel> = Vec::new();
    let section_prefix = format!("{}/", config.channels.section.trim_matches('/'));
    for (index, page) in library.pages.iter().enumerate() {
        let Some(meta) = &page.meta.channel else {
            continue;
        };
        let source = std::fs::read_to_string(&page.file).unwrap_or_default();
        let at = |key: &str, message: String| locate(Error::in_file(&page.file, message), &source, key);
        if !page.relative.starts_with(&section_prefix) {
            errors.push(
                at("channel", format!("a [channel] table belongs in the channels section, `content/{section_prefix}`"))
                    .with_hint(format!("move this page into content/{section_prefix}, or set [channels] section in config.toml")),
            );
            continue;
        }
        let Some(kind) = Kind::parse(meta.kind.trim()) else {
            let hint = match suggest(meta.kind.trim(), KINDS) {
                Some(near) => format!("did you mean `{near}`? kinds are: {}", KINDS.join(", ")),
                None => format!("kinds are: {}", KINDS.join(", ")),
            };
            errors.push(at("kind", format!("`{}` is not a kind of channel", meta.kind)).with_hint(hint));
            continue;
        };
        let id = meta.id.clone().unwrap_or_else(|| page.slug.clone());
        if !valid_id(&id) {
            errors.push(
                at(if meta.id.is_some() { "id" } else { "kind" }, format!("`{id}` cannot be a channel id"))
                    .with_hint("give the channel an id of lower-case letters, digits and dashes, at most 24 characters, like id = \"hotline\": it appears in the short QR link"),
            );
            continue;
        }
        let checked = match check_value(kind, meta) {
            Ok(c) => c,
            Err((message, hint)) => {
                errors.push(at("value", message).with_hint(hint));
                continue;
            }
        };
        if let Some(warning) = checked.warning {
            errors.push(Error { severity: crate::error::Severity::Warning, ..at("value", warning) });
        }
        if let Some(code) = &meta.postcode {
            if !(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())) {
                errors.push(at("postcode", format!("`{code}` is not a postal code")).with_hint("postal codes in China have six digits, like 100000"));
                continue;
            }
        }
        let short = short_path(config, &id);
        let payload = match meta.qr.as_deref().unwrap_or("page") {
            "page" => config.permalink(&short),
            "direct" => match direct_payload(kind, meta, &checked.href) {
                Some(p) => p,
                None => {
                    errors.push(
                        at("qr", format!("a `{}` channel has no direct QR payload", meta.kind))
                            .with_hint("use qr = \"page\", which links to the channel's landing page"),
                    );
                    continue;
                }
            },
            other => {
                errors.push(
                    at("qr", format!("`qr = \"{other}\"` is not a choice")).with_hint("use qr = \"page\" (a short link, scans everywhere) or qr = \"direct\""),
                );
                continue;
            }
        };
        if let Some(first) = channels.iter().find(|c| c.id == id) {
            errors.push(
                at("id", format!("the channel id `{id}` is already used by `{}`", library.pages[first.page].file.display()))
                    .with_hint("every channel needs its own id; set id = \"...\" in one of them"),
            );
            continue;
        }
        channels.push(Channel {
            kind_label: kind.label(),
            action: kind.action(),
            kind,
            title: page.meta.title.clone().unwrap_or_else(|| kind.label().to_string()),
            value: meta.value.clone(),
            display: checked.display,
            href: checked.href,
            hours: meta.hours.clone(),
            answered_by: meta.answered_by.clone(),
            notes: meta.notes.clone(),
            postcode: meta.postcode.clone(),
            primary: meta.primary,
            weight: page.meta.weight.unwrap_or(0),
            permalink: config.permalink(&page.path),
            short_url: config.permalink(&short),
            short_path: short,
            qr_payload: payload,
            page: index,
            id,
        });
    }
    // Primary channels first, then by weight: the order residents see everywhere.
    channels.sort_by(|a, b| b.primary.cmp(&a.primary).then(a.weight.cmp(&b.weight)).then(a.id.cmp(&b.id)));
    channels
}

fn valid_id(id: &str) -> bool {
    crate::content::is_short_id(id, 24)
}

/// A channel value as checked: what residents read, the link it opens, and any warning.
pub struct Checked {
    display: String,
    href: Option<String>,
    warning: Option<String>,
}

type Problem = (String, String);

/// Checks a channel's value for its kind; the problem is (message, hint). Public for the fuzz targets.
pub fn check_value(kind: Kind, meta: &ChannelFrontMatter) -> Result<Checked, Problem> {
    let value = meta.value.trim();
    if value.is_empty() {
        return Err(("the channel has no value".into(), "write the number, address or link as value = \"...\"".into()));
    }
    let plain = |display: &str| Checked { display: display.to_string(), href: None, warning: None };
    match kind {
        Kind::Phone => {
            let number = phone_number(value)?;
            Ok(Checked { href: Some(qr::tel_payload(&number.digits)), display: number.display, warning: None })
        }
        Kind::Sms => {
            let number = phone_number(value)?;
            if number.landline {
                return Err((
                    format!("`{value}` is a landline, which cannot receive text messages"),
                    "use a mobile number or an SMS service number such as 12110".into(),
                ));
            }
            let href = qr::tel_payload(&number.digits).replacen("tel:", "sms:", 1);
            Ok(Checked { href: Some(href), display: number.display, warning: None })
        }
        Kind::Email => {
            if !valid_email(value) {
                return Err((format!("`{value}` is not an email address"), "write it like jubao@example.gov.cn".into()));
            }
            Ok(Checked { display: value.to_string(), href: Some(format!("mailto:{value}")), warning: None })
        }
        Kind::Web => {
            let warning = web_url(value)?;
            // Printed without the scheme: shorter to read aloud and to type.
            let display = value.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/').to_string();
            Ok(Checked { display, href: Some(value.to_string()), warning })
        }
        Kind::Wechat => match &meta.url {
            Some(url) => {
                let warning = web_url(url)?;
                Ok(Checked { display: value.to_string(), href: Some(url.clone()), warning })
            }
            None => Ok(plain(value)),
        },
        Kind::Post | Kind::Box | Kind::Visit => Ok(plain(value)),
    }
}

fn direct_payload(kind: Kind, meta: &ChannelFrontMatter, href: &Option<String>) -> Option<String> {
    match kind {
        Kind::Phone => href.clone(),
        Kind::Sms => href.as_ref().map(|h| qr::sms_payload(h.trim_start_matches("sms:"), None)),
        Kind::Email => Some(qr::mailto_payload(meta.value.trim(), None)),
        Kind::Web | Kind::Wechat => href.clone(),
        Kind::Post | Kind::Box | Kind::Visit => None,
    }
}

/// A phone number in the forms residents dial.
struct PhoneNumber {
    /// Digits only, with the trunk 0 of landlines kept (as written locally).
    digits: String,
    display: String,
    landline: bool,
}

fn phone_number(value: &str) -> Result<PhoneNumber, Problem> {
    let hint = "write a mobile number (13812345678), a landline with its area code (0123-6110110), a 400 number, or a short service number (110, 12337)";
    let bad = || (format!("`{value}` is not a phone number"), hint.to_string());
    let mut text: String = value.chars().filter(|c| !matches!(c, ' ' | '(' | ')' | '（' | '）')).collect();
    if let Some(rest) = text.strip_prefix("+86") {
        text = rest.trim_start_matches('-').to_string();
        // An international form drops the trunk 0 of landlines; put it back for local display.
        if !text.starts_with('1') && !text.starts_with('0') {
            text.insert(0, '0');
        }
    }
    if text.chars().any(|c| !(c.is_ascii_digit() || c == '-')) {
        return Err(bad());
    }
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let dashes = text.matches('-').count();
    if dashes > 1 && !(digits.starts_with("400") || digits.starts_with("800")) || text.starts_with('-') || text.ends_with('-') {
        return Err(bad());
    }
    let grouped = |parts: &[usize]| {
        let mut out = Vec::new();
        let mut at = 0;
        for &n in parts {
            out.push(&digits[at..at + n]);
            at += n;
        }
        out.join(" ")
    };
    match digits.len() {
        3..=5 if !digits.starts_with('0') && !text.contains('-') => Ok(PhoneNumber { display: digits.clone(), digits, landline: false }),
        11 if digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9') => {
            Ok(PhoneNumber { display: grouped(&[3, 4, 4]), digits, landline: false })
        }
        10 if digits.starts_with("400") || digits.starts_with("800") => {
            let display = format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..]);
            Ok(PhoneNumber { display, digits, landline: false })
        }
        10..=12 if digits.starts_with('0') => {
            // Area codes: 010 and 02X have three digits, all others four.
            let area = if digits.starts_with("01") && digits.as_bytes()[2] == b'0' || digits.starts_with("02") { 3 } else { 4 };
            let local = digits.len() - area;
            if !(7..=8).contains(&local) {
                return Err(bad());
            }
            if let Some((written_area, _)) = text.split_once('-') {
                if written_area.len() != area {
                    return Err((format!("`{value}`: the area code should have {area} digits"), hint.to_string()));
                }
            }
            Ok(PhoneNumber { display: format!("{}-{}", &digits[..area], &digits[area..]), digits, landline: true })
        }
        _ => Err(bad()),
    }
}

fn valid_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    let local_ok = !local.is_empty() && local.len() <= 64 && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

/// Checks a web address; an `http://` one is allowed with a warning, since reports deserve TLS.
fn web_url(value: &str) -> Result<Option<String>, Problem> {
    let (secure, rest) = match (value.strip_prefix("https://"), value.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err((format!("`{value}` is not a web address"), "write the full address, like https://www.12337.gov.cn".into())),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !host.contains('.') || host.chars().any(|c| c.is_whitespace()) {
        return Err((format!("`{value}` has no valid host name"), "write the full address, like https://www.12337.gov.cn".into()));
    }
    Ok((!secure).then(|| format!("`{value}` is not encrypted (http://): reports deserve https:// if the site offers it")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_of_every_chinese_form() {
        let n = phone_number("0123-6110110").unwrap();
        assert_eq!((n.display.as_str(), n.landline), ("0123-6110110", true));
        assert_eq!(qr::tel_payload(&n.digits), "tel:+861236110110");
        assert_eq!(phone_number("010-12345678").unwrap().display, "010-12345678");
        assert_eq!(phone_number("13812345678").unwrap().display, "138 1234 5678");
        assert_eq!(phone_number("+86 138 1234 5678").unwrap().display, "138 1234 5678");
        assert_eq!(phone_number("12337").unwrap().display, "12337");
        assert_eq!(phone_number("110").unwrap().display, "110");
        assert_eq!(phone_number("4001234567").unwrap().display, "400-123-4567");
        for bad in ["12-34", "1381234567", "0123-61101", "123-6110110", "电话", "0123-6110110-1", "23812345678"] {
            assert!(phone_number(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn emails_and_web_addresses() {
        assert!(valid_email("saohei@qinghe.example.gov.cn"));
        for bad in ["saohei", "a@b", "a b@c.cn", "@c.cn", "a@-c.cn"] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert_eq!(web_url("https://www.12337.gov.cn").unwrap(), None);
        assert!(web_url("http://www.12337.gov.cn").unwrap().unwrap().contains("https"));
        assert!(web_url("www.12337.gov.cn").is_err());
    }

    #[test]
    fn ids_are_short_ascii() {
        assert!(valid_id("hotline"));
        assert!(valid_id("12337"));
        assert!(!valid_id("举报电话"));
        assert!(!valid_id("Hotline"));
        assert!(!valid_id(&"a".repeat(25)));
    }
}
