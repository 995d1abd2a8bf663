//! Phone numbers, e-mail addresses and web addresses written out in sources. A number in prose
//! that is not one of the site's channels is how a stale hotline survives an edit of its channel
//! page, so `placard check` finds every one of them here and names the file and line.

use std::sync::LazyLock;

use regex::Regex;

/// What kind of contact a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContactKind {
    Phone,
    Email,
    Web,
}

impl ContactKind {
    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ContactKind::Phone => "phone number",
            ContactKind::Email => "e-mail address",
            ContactKind::Web => "web address",
        }
    }
}

/// One contact found in a text, 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: ContactKind,
    /// As written.
    pub text: String,
    /// The form it is compared in: digits only for numbers, lower case for addresses.
    pub key: String,
    pub line: usize,
    pub column: usize,
}

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bhttps?://[^\s<>()\[\]{}'`\x22\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+").expect("valid pattern"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+").expect("valid pattern"));
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:gov\.cn|org\.cn|com\.cn|net\.cn|edu\.cn|cn|com|org|net|gov)\b(?:/[A-Za-z0-9._~%/?=&#-]*)?")
        .expect("valid pattern")
});
/// Mobile numbers, landlines with an area code, 400/800 numbers, with the spaces and dashes people
/// write; plus short runs of digits, which count only when they are service numbers
/// ([`crate::phone::SERVICE_NUMBERS`] and the site's own), since prose is full of counts and years.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}|[48]00[- ]?\d{3}[- ]?\d{4}|\d{3,5})").expect("valid pattern")
});

/// Characters after a short number that make it a count, a date or an article, not a number to dial.
const NOT_A_NUMBER_AFTER: &str = "年月日号条户元万人名个米岁天次件起%％期届批项家所座层楼栋室号路";

/// Every contact in `text`. Web addresses are found first and e-mail addresses next, and the
/// characters they cover are not searched again, so `www.12337.gov.cn` is one web address, not also
/// the number 12337.
pub fn find(text: &str, extra_services: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let overlaps = |taken: &[(usize, usize)], s: usize, e: usize| taken.iter().any(|&(a, b)| s < b && a < e);
        let push = |kind, start: usize, end: usize, key: String, findings: &mut Vec<Finding>| {
            let column = line[..start].chars().count() + 1;
            findings.push(Finding { kind, text: line[start..end].to_string(), key, line: index + 1, column });
        };
        for m in URL.find_iter(line) {
            let end = m.start() + trim_url(m.as_str()).len();
            push(ContactKind::Web, m.start(), end, web_key(&line[m.start()..end]), &mut findings);
            taken.push((m.start(), end));
        }
        for m in EMAIL.find_iter(line) {
            if overlaps(&taken, m.start(), m.end()) {
                continue;
            }
            push(ContactKind::Email, m.start(), m.end(), m.as_str().to_ascii_lowercase(), &mut findings);
            taken.push((m.start(), m.end()));
        }
        for m in DOMAIN.find_iter(line) {
            if overlaps(&taken, m.start(), m.end()) || line[..m.start()].ends_with(['@', '.', '/', '-']) {
                continue;
            }
            let end = m.start() + trim_url(m.as_str()).len();
            push(ContactKind::Web, m.start(), end, web_key(&line[m.start()..end]), &mut findings);
            taken.push((m.start(), end));
        }
        for m in PHONE.find_iter(line) {
            if overlaps(&taken, m.start(), m.end()) {
                continue;
            }
            // A match inside a longer run of digits or letters (an id, a code) is not a number to dial.
            let before = line[..m.start()].chars().next_back();
            let after = line[m.end()..].chars().next();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
                || after.is_some_and(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || c == '_' || (c == '.' && line[m.end() + 1..].starts_with(|d: char| d.is_ascii_digit()))
                })
            {
                continue;
            }
            let digits = dial_digits(m.as_str());
            let service = crate::phone::service_number(&digits).is_some() || extra_services.contains(&digits);
            // `households = 120` in front matter or data is a count, not the ambulance number.
            let data_value = line[..m.start()].trim_end().ends_with(['=', ':']);
            if digits.len() <= 5 && data_value {
                continue;
            }
            if digits.len() <= 5 && (!service || after.is_some_and(|c| NOT_A_NUMBER_AFTER.contains(c))) {
                continue;
            }
            push(ContactKind::Phone, m.start(), m.end(), digits, &mut findings);
        }
    }
    findings.sort_by_key(|f| (f.line, f.column));
    findings
}

/// The digits a phone dials, without the country code: `+86 0123-6110110` → `01236110110`.
pub fn dial_digits(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let plus = text.trim_start().starts_with('+');
    match digits.strip_prefix("86") {
        Some(rest) if plus || rest.len() >= 10 => rest.to_string(),
        _ => digits,
    }
}

/// The form a web address is compared in: lower-case host and path, no scheme, no trailing slash.
pub fn web_key(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).unwrap_or(&lower);
    rest.trim_end_matches('/').to_string()
}

/// The host of a web key (`www.12337.gov.cn/x` → `www.12337.gov.cn`).
pub fn host(web_key: &str) -> &str {
    web_key.split(['/', '?', '#']).next().unwrap_or(web_key)
}

/// Sentence punctuation is not part of an address: `见 https://a.cn/x.` ends at `x`.
fn trim_url(url: &str) -> &str {
    url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '"', '*', '_'])
}

/// Whether two numbers differ by at most two digits (a typo, or one edited digit).
pub fn looks_alike(a: &str, b: &str) -> bool {
    a.len() == b.len() && a != b && a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(ContactKind, String)> {
        find(text, &[]).into_iter().map(|f| (f.kind, f.key)).collect()
    }

    #[test]
    fn finds_numbers_people_write() {
        let found = keys("举报电话：0123-6110110，手机 138 0013 8000，热线 400-810-1234，全国 12337，报警 110。");
        assert_eq!(
            found,
            vec![
                (ContactKind::Phone, "01236110110".into()),
                (ContactKind::Phone, "13800138000".into()),
                (ContactKind::Phone, "4008101234".into()),
                (ContactKind::Phone, "12337".into()),
                (ContactKind::Phone, "110".into()),
            ]
        );
    }

    #[test]
    fn leaves_counts_years_and_ids_alone() {
        assert!(keys("共有412户，2025年3月，第110条，编号 A110，1100元，版本 1.110，12337-1，110%，1233").is_empty());
        assert!(keys("households = 120\ncopies: 110").is_empty(), "counts in front matter are not numbers to dial");
        assert_eq!(keys("报警：110").len(), 1, "a colon in prose still introduces a number");
        // A site's own service number counts once it is listed.
        assert!(find("拨打 96123", &[]).is_empty());
        assert_eq!(find("拨打 96123", &["96123".to_string()]).len(), 1);
    }

    #[test]
    fn addresses_are_found_once() {
        let found = keys("网站 https://www.12337.gov.cn/ 或 www.12337.gov.cn，邮箱 saohei@qinghe.example.gov.cn。");
        assert_eq!(
            found,
            vec![
                (ContactKind::Web, "www.12337.gov.cn".into()),
                (ContactKind::Web, "www.12337.gov.cn".into()),
                (ContactKind::Email, "saohei@qinghe.example.gov.cn".into()),
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let found = find("第一行\n电话：0123-6110110", &[]);
        assert_eq!((found[0].line, found[0].column), (2, 4));
    }

    #[test]
    fn country_codes_are_dropped() {
        assert_eq!(dial_digits("+86 0123-6110110"), "01236110110");
        assert_eq!(dial_digits("+86 138 0013 8000"), "13800138000");
        assert_eq!(dial_digits("86110"), "86110");
        assert!(looks_alike("01236110110", "01236110111"));
        assert!(!looks_alike("01236110110", "01236110110"));
    }
}
