//! Chinese phone numbers: one type that parses and checks a number once, and gives both the form
//! printed for people and the form a phone dials. Everything that prints or encodes a number goes
//! through [`PhoneNumber`], so the digits beside a QR code are always the ones it dials.
//!
//! The numbering plan, as far as a campaign site needs it:
//! - mobiles: 11 digits starting `13`–`19`, printed `138 1234 5678`, dialled `+8613812345678`;
//! - landlines: trunk `0`, an area code (`010` and `02X` have three digits with eight-digit local
//!   numbers, all others four digits with seven- or eight-digit local numbers), printed
//!   `0123-6110110`, dialled `+861236110110` (the trunk 0 dropped);
//! - `400`/`800` company numbers: 10 digits, printed `400-123-4567`, dialled as written;
//! - short service numbers (110, 12337, …): only those in [`SERVICE_NUMBERS`] or added by the site
//!   in `[channels] service_numbers`, because a mistyped short number (`1233`) is still all digits.

use std::fmt;

/// A short national number residents may be told to call, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceNumber {
    /// The digits.
    pub number: &'static str,
    /// What the number is for, in Chinese.
    pub purpose: &'static str,
    /// The label for an emergency number (`报警电话`…); `None` for reporting and service lines.
    pub emergency: Option<&'static str>,
}

const fn service(number: &'static str, purpose: &'static str) -> ServiceNumber {
    ServiceNumber { number, purpose, emergency: None }
}

const fn emergency(number: &'static str, purpose: &'static str, label: &'static str) -> ServiceNumber {
    ServiceNumber { number, purpose, emergency: Some(label) }
}

/// National short numbers in use across mainland China. Local ones (a county's 96xxx line) are
/// added by the site in `[channels] service_numbers`.
pub const SERVICE_NUMBERS: &[ServiceNumber] = &[
    emergency("110", "公安报警", "报警电话"),
    emergency("119", "火警", "火警电话"),
    emergency("120", "医疗急救", "急救电话"),
    emergency("122", "交通事故报警", "交通事故报警电话"),
    service("12110", "短信报警"),
    service("12309", "检察服务"),
    service("12315", "市场监管投诉举报"),
    service("12318", "文化市场举报"),
    service("12319", "城市管理服务"),
    service("12321", "网络不良与垃圾信息举报"),
    service("12333", "人力资源和社会保障咨询"),
    service("12337", "扫黑除恶举报"),
    service("12338", "妇女维权"),
    service("12339", "国家安全举报"),
    service("12345", "政务服务便民热线"),
    service("12348", "法律援助"),
    service("12355", "青少年服务"),
    service("12366", "纳税服务"),
    service("12368", "法院诉讼服务"),
    service("12369", "环保举报"),
    service("12380", "组织部门举报"),
    service("12388", "纪检监察举报"),
    service("12389", "公安机关警务督察举报"),
    service("96110", "反诈预警劝阻"),
];

/// The national entry for `number`, if it is one.
pub fn service_number(number: &str) -> Option<&'static ServiceNumber> {
    SERVICE_NUMBERS.iter().find(|s| s.number == number)
}

/// What sort of number a [`PhoneNumber`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKind {
    /// An 11-digit mobile number.
    Mobile,
    /// A fixed line; `area` is the length of the area code with its trunk 0 (3 or 4).
    Landline { area: usize },
    /// A 400 or 800 company number.
    Company,
    /// A short service number (110, 12337, or one the site lists).
    Service,
}

/// A checked Chinese phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// Digits as dialled inside China (landlines with their trunk 0).
    digits: String,
    kind: PhoneKind,
}

/// Why a text is not a phone number, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneError {
    /// What is wrong, quoting the text.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.hint)
    }
}

impl std::error::Error for PhoneError {}

const FORMS: &str =
    "write a mobile number (13812345678), a landline with its area code (0123-6110110), a 400 number (400-123-4567), or a short service number (110, 12337)";

impl PhoneNumber {
    /// Parses a number as people write it: spaces, one dash between area code and number (or the
    /// dashes of a 400 number), brackets around the area code, full-width digits, and a `+86` or
    /// `0086` prefix are accepted. `extra_services` are the site's own short numbers.
    pub fn parse(text: &str, extra_services: &[String]) -> Result<PhoneNumber, PhoneError> {
        let bad = |message: String| PhoneError { message, hint: FORMS.to_string() };
        let not_a_number = || bad(format!("`{}` is not a phone number", text.trim()));
        let mut cleaned = String::new();
        for c in text.trim().chars() {
            match c {
                '０'..='９' => cleaned.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                '＋' => cleaned.push('+'),
                '－' | '—' | '–' => cleaned.push('-'),
                ' ' | '\u{3000}' | '(' | ')' | '（' | '）' => {}
                c if c.is_ascii_digit() || c == '-' || c == '+' => cleaned.push(c),
                _ => return Err(not_a_number()),
            }
        }
        let international = if let Some(rest) = cleaned.strip_prefix("+86").or_else(|| cleaned.strip_prefix("0086")) {
            cleaned = rest.trim_start_matches('-').to_string();
            true
        } else {
            false
        };
        if cleaned.contains('+') || cleaned.is_empty() || cleaned.starts_with('-') || cleaned.ends_with('-') || cleaned.contains("--") {
            return Err(not_a_number());
        }
        let mut digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
        let groups: Vec<&str> = cleaned.split('-').collect();
        // The international form drops a landline's trunk 0; put it back so one rule checks both.
        if international && !digits.starts_with('0') && !(digits.len() == 11 && digits.starts_with('1')) {
            digits.insert(0, '0');
        }
        let company = (digits.starts_with("400") || digits.starts_with("800")) && digits.len() == 10;
        // 400 numbers and mobiles are written in three groups; landlines have one dash at most.
        let three_groups = company || digits.len() == 11 && digits.starts_with('1');
        if groups.len() > 2 && !three_groups || groups.len() > 3 {
            return Err(not_a_number());
        }

        if company {
            return Ok(PhoneNumber { digits, kind: PhoneKind::Company });
        }
        if digits.len() == 11 && digits.starts_with('1') {
            if !matches!(digits.as_bytes()[1], b'3'..=b'9') {
                return Err(bad(format!("`{}` is not a mobile number: mobile numbers start with 13 to 19", text.trim())));
            }
            return Ok(PhoneNumber { digits, kind: PhoneKind::Mobile });
        }
        if digits.starts_with('0') {
            return landline(text.trim(), digits, &groups);
        }
        if !international && groups.len() == 1 && (3..=6).contains(&digits.len()) {
            if service_number(&digits).is_some() || extra_services.iter().any(|s| s.trim() == digits) {
                return Ok(PhoneNumber { digits, kind: PhoneKind::Service });
            }
            let mut known: Vec<&str> = SERVICE_NUMBERS.iter().map(|s| s.number).collect();
            known.extend(extra_services.iter().map(|s| s.trim()));
            // 12337 first: it is the number this kind of campaign prints most.
            let mut near: Vec<&str> = known.iter().copied().filter(|k| one_edit_apart(&digits, k)).collect();
            near.sort_by_key(|k| (*k != "12337", *k));
            let named = |k: &str| match service_number(k) {
                Some(s) => format!("{k} ({})", s.purpose),
                None => k.to_string(),
            };
            let hint = match near.as_slice() {
                [first, others @ ..] => format!(
                    "did you mean {}?{} If `{digits}` is a real local service number, list it in config.toml under [channels] as service_numbers = [\"{digits}\"]",
                    named(first),
                    if others.is_empty() { String::new() } else { format!(" Also close: {}.", others.iter().map(|k| named(k)).collect::<Vec<_>>().join(", ")) }
                ),
                [] => format!(
                    "national service numbers are {}. If `{digits}` is a real local one, list it in config.toml under [channels] as service_numbers = [\"{digits}\"]",
                    known.join(", ")
                ),
            };
            return Err(PhoneError { message: format!("`{digits}` is not a known service number"), hint });
        }
        Err(not_a_number())
    }

    /// Parses the dialled form of a `tel:` link (`+861236110110`, `12337`), as written by
    /// [`PhoneNumber::dial`]; service numbers are trusted here, since they were checked when the link was made.
    pub fn from_dial(dial: &str) -> Option<PhoneNumber> {
        if dial.bytes().all(|b| b.is_ascii_digit()) && (3..=6).contains(&dial.len()) {
            return Some(PhoneNumber { digits: dial.to_string(), kind: PhoneKind::Service });
        }
        PhoneNumber::parse(dial, &[]).ok()
    }

    /// What sort of number this is.
    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// Whether this is a fixed line (which cannot receive text messages).
    pub fn is_landline(&self) -> bool {
        matches!(self.kind, PhoneKind::Landline { .. })
    }

    /// The national emergency label (`报警电话`, `火警电话`…) when this is 110, 119, 120 or 122.
    pub fn emergency_label(&self) -> Option<&'static str> {
        match self.kind {
            PhoneKind::Service => service_number(&self.digits).and_then(|s| s.emergency),
            _ => None,
        }
    }

    /// The digits as dialled inside China, landlines with their trunk 0: `01236110110`.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The form printed for people: `0123-6110110`, `138 1234 5678`, `400-123-4567`, `12337`.
    pub fn display(&self) -> String {
        let d = &self.digits;
        match self.kind {
            PhoneKind::Mobile => format!("{} {} {}", &d[..3], &d[3..7], &d[7..]),
            PhoneKind::Landline { area } => format!("{}-{}", &d[..area], &d[area..]),
            PhoneKind::Company => format!("{}-{}-{}", &d[..3], &d[3..6], &d[6..]),
            PhoneKind::Service => d.clone(),
        }
    }

    /// The form a phone dials from anywhere, roaming included: `+861236110110`, `+8613812345678`;
    /// service and 400 numbers only exist inside China and stay as they are.
    pub fn dial(&self) -> String {
        match self.kind {
            PhoneKind::Mobile => format!("+86{}", self.digits),
            PhoneKind::Landline { .. } => format!("+86{}", &self.digits[1..]),
            PhoneKind::Company | PhoneKind::Service => self.digits.clone(),
        }
    }

    /// A `tel:` link that opens the dialler with this number.
    pub fn tel_uri(&self) -> String {
        format!("tel:{}", self.dial())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Checks a landline. The area code's length follows from its digits (`010`, `02X`: three; others
/// four). A number whose dialled form would look like another kind is refused: `0123-61101101`
/// would dial `+86 12361101101`, which is a mobile-shaped number, and was printed as one.
fn landline(text: &str, digits: String, groups: &[&str]) -> Result<PhoneNumber, PhoneError> {
    let bad = |message: String| PhoneError { message, hint: FORMS.to_string() };
    let area = if digits.starts_with("010") || digits.starts_with("02") { 3 } else { 4 };
    if digits.len() < area + 7 || digits.as_bytes().get(1) == Some(&b'0') {
        return Err(bad(format!("`{text}` is not a phone number")));
    }
    let local = &digits[area..];
    if let [written_area, _] = groups {
        // Written without the trunk 0 after +86, the area code is one digit shorter.
        let written = if written_area.starts_with('0') { written_area.len() } else { written_area.len() + 1 };
        if written != area {
            return Err(bad(format!("`{text}`: the area code `{}` should have {area} digits", &digits[..area])));
        }
    }
    let local_ok = if area == 3 { local.len() == 8 } else { (7..=8).contains(&local.len()) };
    if !local_ok {
        let lengths = if area == 3 { "8 digits" } else { "7 or 8 digits" };
        return Err(bad(format!("`{text}`: after the area code `{}` a local number has {lengths}, not {}", &digits[..area], local.len())));
    }
    if local.starts_with('0') || local.starts_with('1') {
        return Err(bad(format!("`{text}`: local numbers do not start with {}", &local[..1])));
    }
    // Dialled without its trunk 0 the number must not look like a mobile number.
    let national = &digits[1..];
    if national.len() == 11 && national.starts_with('1') {
        return Err(PhoneError {
            message: format!("`{text}` cannot be a landline: dialled from a mobile as +86 {national} it would be an 11-digit mobile-style number"),
            hint: format!("a landline is dialled as +86, its area code without the 0, then the local number; that must not read as a mobile number. Check the area code and the count of digits. {FORMS}"),
        });
    }
    Ok(PhoneNumber { digits, kind: PhoneKind::Landline { area } })
}

/// Whether `a` becomes `b` with one digit added, removed or changed (for "did you mean").
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.len() as isize - b.len() as isize {
        0 => a.iter().zip(b).filter(|(x, y)| x != y).count() == 1,
        1 | -1 => {
            let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
            (0..long.len()).any(|skip| long[..skip] == short[..skip] && long[skip + 1..] == short[skip..])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text, &[]).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_form_prints_and_dials_the_same_number() {
        for (written, display, dial) in [
            ("0123-6110110", "0123-6110110", "+861236110110"),
            ("(0123) 6110110", "0123-6110110", "+861236110110"),
            ("+86 123 6110110", "0123-6110110", "+861236110110"),
            ("010-62345678", "010-62345678", "+861062345678"),
            ("010 6512 3456", "010-65123456", "+861065123456"),
            ("021-62345678", "021-62345678", "+862162345678"),
            ("0755-2345678", "0755-2345678", "+867552345678"),
            ("0755-23456789", "0755-23456789", "+8675523456789"),
            ("13812345678", "138 1234 5678", "+8613812345678"),
            ("138-1234-5678", "138 1234 5678", "+8613812345678"),
            ("+86 138 1234 5678", "138 1234 5678", "+8613812345678"),
            ("0086 138 0013 8000", "138 0013 8000", "+8613800138000"),
            ("１３８００１３８０００", "138 0013 8000", "+8613800138000"),
            ("400-123-4567", "400-123-4567", "4001234567"),
            ("4001234567", "400-123-4567", "4001234567"),
            ("110", "110", "110"),
            ("12337", "12337", "12337"),
        ] {
            let n = parse(written);
            assert_eq!((n.display().as_str(), n.dial().as_str()), (display, dial), "{written}");
            // The dialled form reads back as the very same number: what is printed is what is dialled.
            assert_eq!(PhoneNumber::from_dial(&n.dial()), Some(n.clone()), "{written}");
            assert_eq!(parse(&n.display()), n, "{written}: the printed form parses back");
        }
    }

    #[test]
    fn impossible_numbers_are_refused() {
        for bad in [
            "0123-61101101", // dials +86 12361101101, a mobile-shaped number
            "12-34",
            "1381234567",
            "0123-61101",
            "123-6110110",
            "电话",
            "0123-6110110-1",
            "23812345678",
            "12812345678",
            "010-1234567",
            "0123-0110110",
            "00123-6110110",
            "+86 110",
            "",
            "-110",
        ] {
            assert!(PhoneNumber::parse(bad, &[]).is_err(), "{bad} should be refused");
        }
        let err = PhoneNumber::parse("0123-61101101", &[]).unwrap_err();
        assert!(err.message.contains("+86 12361101101"), "{err}");
        let err = PhoneNumber::parse("012-36110110", &[]).unwrap_err();
        assert!(err.message.contains("should have 4 digits"), "{err}");
    }

    #[test]
    fn short_numbers_come_from_the_known_list_or_the_config() {
        let err = PhoneNumber::parse("1233", &[]).unwrap_err();
        assert_eq!(err.message, "`1233` is not a known service number");
        assert!(err.hint.contains("did you mean 12337 (扫黑除恶举报)?") && err.hint.contains("service_numbers"), "{}", err.hint);
        assert!(PhoneNumber::parse("96111", &[]).is_err());
        let local = PhoneNumber::parse("96111", &["96111".to_string()]).unwrap();
        assert_eq!((local.kind(), local.dial().as_str()), (PhoneKind::Service, "96111"));
        for s in SERVICE_NUMBERS {
            assert_eq!(parse(s.number).kind(), PhoneKind::Service, "{}", s.number);
        }
    }

    #[test]
    fn emergency_numbers_are_known_as_such() {
        assert_eq!(parse("110").emergency_label(), Some("报警电话"));
        assert_eq!(parse("119").emergency_label(), Some("火警电话"));
        assert_eq!(parse("120").emergency_label(), Some("急救电话"));
        assert_eq!(parse("122").emergency_label(), Some("交通事故报警电话"));
        assert_eq!(parse("12337").emergency_label(), None);
        assert_eq!(parse("0123-6110110").emergency_label(), None);
        assert!(parse("0123-6110110").is_landline() && !parse("13812345678").is_landline());
    }

    #[test]
    fn tel_links() {
        assert_eq!(parse("0123-6110110").tel_uri(), "tel:+861236110110");
        assert_eq!(parse("110").tel_uri(), "tel:110");
    }
}
