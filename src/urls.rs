//! URLs and the paths they map to: the site's base URL (every QR code, feed and print sheet starts
//! with it, so it is checked once, here, whether it comes from `config.toml` or `--base-url`), the
//! URL paths users write, and the output files they become. A leaf module: it uses nothing else of
//! the crate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// Checks that `raw` is an absolute http(s) address with a valid host and nothing that could break
/// out of an HTML attribute, and returns it without a trailing slash. The error says what is wrong
/// in words an office worker can act on.
pub fn validate_base_url(raw: &str) -> Result<String, String> {
    let url = raw.trim_end_matches('/');
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!("`{raw}` has no `https://` in front: QR codes and links need a full web address"));
    };
    if scheme != "https" && scheme != "http" {
        return Err(format!("`{raw}` is not a web address: it must start with https:// (or http://)"));
    }
    if let Some(bad) = url.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\' | '{' | '}' | '|' | '^')) {
        return Err(format!("`{raw}` contains the character {bad:?}, which cannot be part of a web address"));
    }
    if rest.contains(['?', '#']) {
        return Err(format!("`{raw}` has a query or fragment (`?` or `#`); the base URL is only the site's address and folder"));
    }
    let (authority, _path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err(format!("`{raw}` contains `@`: everything before it would be hidden from the reader, and the link would lead to the host after it"));
    }
    let host = host_of_authority(authority).ok_or_else(|| format!("`{raw}` has no valid host name"))?;
    if host.parse::<IpAddr>().is_err() && !is_dns_name(host) {
        return Err(format!("`{host}` is not a valid host name (letters, digits, dashes and dots, like www.example.gov.cn)"));
    }
    Ok(url.to_string())
}

/// Whether `base_url` leads to this computer or a private network: a code printed with it works
/// only here, so print refuses it unless asked, and preview sheets say so across the page.
pub fn is_local_base_url(base_url: &str) -> bool {
    let Some((_, rest)) = base_url.split_once("://") else { return false };
    let authority = rest.split('/').next().unwrap_or("");
    let Some(host) = host_of_authority(authority) else { return false };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") || host.ends_with(".lan") || host.ends_with(".internal") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => is_local_v4(ip),
        Ok(IpAddr::V6(ip)) => is_local_v6(ip),
        Err(_) => false,
    }
}

/// The host of `host[:port]` or `[v6]:port`, with the port checked.
fn host_of_authority(authority: &str) -> Option<&str> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner.split_once(']')?;
        host.parse::<Ipv6Addr>().ok()?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port {
        port.parse::<u16>().ok().filter(|p| *p > 0)?;
    }
    (!host.is_empty()).then_some(host)
}

/// A host name of dot-separated labels (letters, digits, dashes; internationalised names are
/// written in their ASCII `xn--` form by the office's registrar, so only that form is accepted).
fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified() || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_local_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback() || ip.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
}

/// Checks a user-written URL path (`path = ...`, aliases) and returns it as `/a/b/`, or says what is
/// wrong. Paths stay inside the output directory: no `..`, no backslashes, no empty components.
pub fn clean_url_path(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    for part in trimmed.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') || part.contains(':') {
            return Err(format!("`{raw}` is not a usable site path: `{part}` cannot be a path component"));
        }
        if part.chars().any(|c| c.is_control() || matches!(c, '?' | '#' | '<' | '>' | '"' | '|' | '*')) {
            return Err(format!("`{raw}` holds a character that cannot be used in a URL path"));
        }
    }
    if trimmed.ends_with(".html") || trimmed.ends_with(".xml") {
        Ok(format!("/{trimmed}"))
    } else {
        Ok(format!("/{trimmed}/"))
    }
}

/// The output file for a URL path: `/news/` → `news/index.html`, `/a.html` → `a.html`.
pub fn output_file(url_path: &str) -> String {
    let inner = url_path.trim_start_matches('/');
    if inner.is_empty() {
        "index.html".into()
    } else if inner.ends_with('/') {
        format!("{inner}index.html")
    } else {
        inner.to_string()
    }
}

/// What [`encode_iri`] escapes besides non-ASCII: control characters and the space.
const IRI_ESCAPED: &AsciiSet = &CONTROLS.add(b' ');

/// Percent-encodes the non-ASCII bytes, controls and spaces of a URL, so Chinese paths are valid
/// URIs (in feeds and the sitemap); everything else, `%` included, stays as written.
pub fn encode_iri(url: &str) -> String {
    utf8_percent_encode(url, IRI_ESCAPED).to_string()
}

/// Decodes `%XX` escapes (as browsers send Chinese paths); invalid escapes are kept as they are.
pub fn decode_percent(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_urls_are_percent_encoded() {
        assert_eq!(encode_iri("https://a.cn/政策/ x"), "https://a.cn/%E6%94%BF%E7%AD%96/%20x");
        assert_eq!(decode_percent("/%E6%94%BF%E7%AD%96/"), "/政策/");
        assert_eq!(decode_percent("100%"), "100%");
        assert_eq!(decode_percent("%zz%4"), "%zz%4");
    }

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(validate_base_url("https://qinghe.example.gov.cn/").unwrap(), "https://qinghe.example.gov.cn");
        assert_eq!(validate_base_url("http://127.0.0.1:1111").unwrap(), "http://127.0.0.1:1111");
        assert_eq!(validate_base_url("https://example.org/campaign").unwrap(), "https://example.org/campaign");
        assert!(validate_base_url("https://[::1]:8080").is_ok());
    }

    #[test]
    fn refuses_addresses_that_mislead_or_break_out() {
        for bad in [
            "qinghe.example.gov.cn",
            "javascript:alert(1)",
            "ftp://example.org",
            "https://exa mple.org",
            "https://example.org\"><script>",
            "https://www.12337.gov.cn@evil.example.com",
            "https://",
            "https://example.org:99999",
            "https://-bad-.example.org",
            "https://example.org/?x=1",
            "https://例子.中国",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn knows_local_hosts() {
        for local in [
            "http://127.0.0.1:1111",
            "http://localhost:1111",
            "http://192.168.1.5",
            "http://10.0.0.1/x",
            "http://[::1]:1111",
            "http://172.16.4.4",
            "http://printer.local",
        ] {
            assert!(is_local_base_url(local), "{local}");
        }
        for public in ["https://qinghe.example.gov.cn", "https://8.8.8.8", "https://172.32.0.1"] {
            assert!(!is_local_base_url(public), "{public}");
        }
    }
}
