//! Web server access logs in the combined format that nginx and Apache write by default:
//!
//! ```text
//! 203.0.113.7 - - [02/Mar/2026:08:15:02 +0800] "GET /q/dongwan/ HTTP/1.1" 200 5120 "-" "Mozilla/5.0 …"
//! ```
//!
//! Lines are read as bytes (servers escape but do not validate what clients send) and parsed in place,
//! with one reused buffer, so reading a log costs the same memory whatever its size.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A line longer than this is not a request line; it is skipped as unreadable without being kept whole.
pub const MAX_LINE: usize = 16 * 1024;

/// The parts of one log line that `stats` uses. The client address and browser are only ever hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub addr: &'a [u8],
    /// The day as logged (the server's local date), as `yyyymmdd`.
    pub day: u32,
    pub method: &'a [u8],
    pub target: &'a [u8],
    pub status: u16,
    pub agent: &'a [u8],
}

/// Parses one combined-format line, or `None` when it is not one (truncated, garbled, another format).
pub fn parse(line: &[u8]) -> Option<Entry<'_>> {
    let line = trim_end(line);
    let space = line.iter().position(|&b| b == b' ')?;
    let addr = &line[..space];
    if addr.is_empty() {
        return None;
    }
    // Ident and user come next; neither may hold a `[`, so the timestamp is the first bracket.
    let open = space + line[space..].iter().position(|&b| b == b'[')?;
    let close = open + line[open..].iter().position(|&b| b == b']')?;
    let day = parse_day(&line[open + 1..close])?;
    let rest = line[close + 1..].strip_prefix(b" \"")?;
    let (request, rest) = quoted(rest)?;
    let rest = rest.strip_prefix(b" ")?;
    let (status, rest) = rest.split_at_checked(3)?;
    if !status.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = status.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    let rest = rest.strip_prefix(b" ")?;
    let bytes_end = rest.iter().position(|&b| b == b' ')?;
    let bytes = &rest[..bytes_end];
    if !(bytes == b"-" || (!bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit))) {
        return None;
    }
    let rest = rest[bytes_end..].strip_prefix(b" \"")?;
    let (_referer, rest) = quoted(rest)?;
    let rest = rest.strip_prefix(b" \"")?;
    // Whatever a server adds after the browser (forwarded-for, timings) is ignored.
    let (agent, _) = quoted(rest)?;
    let mut parts = request.split(|&b| b == b' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    Some(Entry { addr, day, method, target, status, agent })
}

fn trim_end(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = line {
        line = rest;
    }
    line
}

/// A quoted field (the opening quote already consumed) and what follows its closing quote. Apache writes
/// an inner quote as `\"`, nginx as `\x22`; both keep the backslash, so skipping the byte after one is enough.
fn quoted(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return Some((&text[..i], &text[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// `02/Mar/2026:08:15:02 +0800` → 20260302. The time and offset must be there (a cut line has lost
/// them) but only the date is used: a day is the day the server lived through.
fn parse_day(stamp: &[u8]) -> Option<u32> {
    if stamp.len() != 26 || stamp[2] != b'/' || stamp[6] != b'/' || stamp[11] != b':' || stamp[20] != b' ' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &stamp[range];
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let day = digits(0..2)?;
    const MONTHS: [&[u8]; 12] = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let month = MONTHS.iter().position(|m| *m == &stamp[3..6])? as u32 + 1;
    let year = digits(7..11)?;
    let (h, m, s) = (digits(12..14)?, digits(15..17)?, digits(18..20)?);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || !matches!(stamp[21], b'+' | b'-') || digits(22..26).is_none() {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some(year * 10000 + month * 100 + day)
}

/// `yyyymmdd` as `yyyy-mm-dd`.
pub fn format_day(day: u32) -> String {
    format!("{:04}-{:02}-{:02}", day / 10000, day / 100 % 100, day % 100)
}

/// Substrings (lower case) of the browser names of crawlers, link previewers, monitors and scripts. A
/// resident's phone browser, WeChat's included, has none of them; a request without a browser name is
/// also left out, since every phone sends one.
pub const CRAWLERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "archiver",
    "facebookexternalhit",
    "feedfetcher",
    "mediapartners",
    "bingpreview",
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "pingdom",
    "uptime",
    "monitor",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "httpclient",
    "scrapy",
    "node-fetch",
    "axios/",
    "postmanruntime",
    "zgrab",
    "masscan",
    "nmap",
    "sogou",
    "yisouspider",
    "360spider",
    "bytespider",
    "petalbot",
    "yandex",
];

/// Whether a browser name belongs to a program rather than a resident. `scratch` is reused between calls.
pub fn is_crawler(agent: &[u8], scratch: &mut Vec<u8>) -> bool {
    if agent.is_empty() || agent == b"-" {
        return true;
    }
    scratch.clear();
    scratch.extend(agent.iter().map(u8::to_ascii_lowercase));
    // `str::contains` searches far faster than comparing every window; browser names are ASCII, and
    // one that is not valid UTF-8 is searched as bytes.
    match std::str::from_utf8(scratch) {
        Ok(text) => CRAWLERS.iter().any(|c| text.contains(c)),
        Err(_) => CRAWLERS.iter().any(|c| scratch.windows(c.len()).any(|w| w == c.as_bytes())),
    }
}

/// One input: a file (gzipped or not, told by its first bytes, not its name) or standard input.
pub fn open(path: &Path) -> std::io::Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = if path == Path::new("-") { Box::new(std::io::stdin().lock()) } else { Box::new(std::fs::File::open(path)?) };
    let mut reader = BufReader::with_capacity(256 * 1024, raw);
    let gzipped = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    if gzipped {
        // Rotated logs are often several gzip members in one file (`cat a.gz b.gz`); read them all.
        Ok(Box::new(BufReader::with_capacity(256 * 1024, flate2::bufread::MultiGzDecoder::new(reader))))
    } else {
        Ok(Box::new(reader))
    }
}

/// What reading one line gave.
pub enum Line {
    /// A whole line is in the buffer (without a final newline when the input ended without one).
    Text,
    /// The line was longer than [`MAX_LINE`]; it was skipped.
    TooLong,
    End,
}

/// Reads the next line into `buf`, keeping at most [`MAX_LINE`] bytes of it.
pub fn next_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Line> {
    buf.clear();
    let read = reader.take(MAX_LINE as u64).read_until(b'\n', buf)?;
    if read == 0 {
        return Ok(Line::End);
    }
    if buf.ends_with(b"\n") || read < MAX_LINE {
        return Ok(Line::Text);
    }
    // Skip the rest of the overlong line without keeping it.
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(Line::TooLong);
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(Line::TooLong);
            }
            None => {
                let n = chunk.len();
                reader.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"203.0.113.7 - - [02/Mar/2026:08:15:02 +0800] "GET /q/dongwan/market-a3/?from=wx HTTP/1.1" 200 5120 "-" "Mozilla/5.0 (Linux; Android 10) MicroMessenger/8.0""#;

    #[test]
    fn parses_the_combined_format() {
        let e = parse(LINE.as_bytes()).unwrap();
        assert_eq!(e.addr, b"203.0.113.7");
        assert_eq!(e.day, 20260302);
        assert_eq!(e.method, b"GET");
        assert_eq!(e.target, b"/q/dongwan/market-a3/?from=wx");
        assert_eq!(e.status, 200);
        assert!(e.agent.ends_with(b"MicroMessenger/8.0"));
        assert!(!is_crawler(e.agent, &mut Vec::new()));
    }

    #[test]
    fn accepts_escaped_quotes_ipv6_and_extra_fields() {
        let line = r#"2001:db8::1 - user [31/Dec/2025:23:59:59 -0500] "GET /q/a/ HTTP/1.1" 304 - "http://x/\"y\"" "Mozilla \"quoted\"" "10.0.0.1" 0.003"#;
        let e = parse(line.as_bytes()).unwrap();
        assert_eq!(e.addr, b"2001:db8::1");
        assert_eq!(e.day, 20251231);
        assert_eq!(e.status, 304);
        assert_eq!(e.agent, br#"Mozilla \"quoted\""#);
    }

    #[test]
    fn refuses_every_truncation_of_a_line() {
        // A line cut anywhere before its browser field closes is unreadable, never half-counted.
        let cut_at = LINE.rfind('"').unwrap();
        for end in 0..cut_at {
            assert!(parse(&LINE.as_bytes()[..end]).is_none(), "accepted a line cut at {end}: {}", &LINE[..end]);
        }
        assert!(parse(LINE.as_bytes()).is_some());
    }

    #[test]
    fn refuses_garbled_dates_and_statuses() {
        for bad in [
            LINE.replace("02/Mar/2026", "32/Mar/2026"),
            LINE.replace("02/Mar/2026", "29/Feb/2026"),
            LINE.replace("Mar", "Mär"),
            LINE.replace(" 200 ", " 2x0 "),
            LINE.replace(" 5120 ", " 51a0 "),
            LINE.replace("08:15:02", "25:15:02"),
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn knows_crawlers_by_name() {
        let mut scratch = Vec::new();
        for agent in ["Mozilla/5.0 (compatible; Baiduspider/2.0)", "Googlebot/2.1", "curl/8.5.0", "-", "", "Mozilla/5.0 HeadlessChrome/120"] {
            assert!(is_crawler(agent.as_bytes(), &mut scratch), "{agent}");
        }
        assert!(!is_crawler(b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148 Safari/604.1", &mut scratch));
        assert!(is_crawler(b"\xff\xfe Googlebot", &mut scratch), "found in bytes that are not UTF-8 too");
    }

    #[test]
    fn overlong_lines_are_skipped_not_kept() {
        let mut input = vec![b'x'; MAX_LINE * 3];
        input.extend_from_slice(b"\nnext\n");
        let mut reader: &[u8] = &input;
        let mut buf = Vec::new();
        assert!(matches!(next_line(&mut reader, &mut buf).unwrap(), Line::TooLong));
        assert!(buf.len() <= MAX_LINE);
        assert!(matches!(next_line(&mut reader, &mut buf).unwrap(), Line::Text));
        assert_eq!(buf, b"next\n");
        assert!(matches!(next_line(&mut reader, &mut buf).unwrap(), Line::End));
    }
}
