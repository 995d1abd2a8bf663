//! The readable text of rendered HTML, for indexing and excerpts.

use super::*;

/// The readable text of rendered HTML, and the text of its headings.
#[derive(Debug, Default, PartialEq)]
pub struct Text {
    pub body: String,
    pub headings: String,
}

/// Elements that do not break words: a bigram may run across them.
pub(super) const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub",
    "sup", "time", "u", "var", "wbr",
];
/// Elements whose contents are not text a reader sees.
pub(super) const SKIPPED: &[&str] = &["script", "style", "svg", "template", "noscript", "math", "iframe", "object"];

/// Strips tags and decodes entities; whitespace is collapsed. A line break between two CJK characters
/// is dropped (Markdown wraps Chinese lines without meaning a space); element boundaries separate.
pub fn html_text(html: &str) -> Text {
    let mut body = String::with_capacity(html.len() / 2);
    let mut headings = String::new();
    let mut heading_depth = 0usize;
    let mut rest = html;
    let push = |text: &str, body: &mut String, headings: &mut String, depth: usize| {
        body.push_str(text);
        if depth > 0 {
            headings.push_str(text);
        }
    };
    while let Some(pos) = rest.find(['<', '&']) {
        push(&rest[..pos], &mut body, &mut headings, heading_depth);
        rest = &rest[pos..];
        if rest.starts_with('&') {
            let (decoded, used) = entity(rest);
            let mut buffer = [0u8; 4];
            push(decoded.map(|c| &*c.encode_utf8(&mut buffer)).unwrap_or("&"), &mut body, &mut headings, heading_depth);
            rest = &rest[used..];
            continue;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map(|e| &comment[e + 3..]).unwrap_or("");
            continue;
        }
        let Some(end) = rest.find('>') else {
            push(rest, &mut body, &mut headings, heading_depth);
            break;
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let closing = tag.starts_with('/');
        let name = tag.trim_start_matches('/').split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("").to_ascii_lowercase();
        if name.is_empty() {
            // Not a tag after all, like `a < b` (which comrak would have escaped).
            push(&format!("<{tag}>"), &mut body, &mut headings, heading_depth);
            continue;
        }
        if !closing && SKIPPED.contains(&name.as_str()) && !tag.ends_with('/') {
            let close = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&close) {
                Some(p) => rest[p..].find('>').map(|e| &rest[p + e + 1..]).unwrap_or(""),
                None => "",
            };
            body.push(BREAK);
            continue;
        }
        if matches!(name.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            if closing {
                heading_depth = heading_depth.saturating_sub(1);
                headings.push(BREAK);
            } else {
                heading_depth += 1;
            }
        }
        if !INLINE.contains(&name.as_str()) {
            body.push(BREAK);
        }
    }
    if !rest.contains(['<', '&']) {
        push(rest, &mut body, &mut headings, heading_depth);
    }
    Text { body: collapse(&body), headings: collapse(&headings) }
}

/// Decodes the entity at the start of `text` (which starts with `&`): the character, and the bytes used.
pub(super) fn entity(text: &str) -> (Option<char>, usize) {
    let Some(end) = text[1..].find(';').filter(|&e| e <= 10).map(|e| e + 1) else { return (None, 1) };
    let name = &text[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" | "ensp" | "emsp" | "thinsp" => Some(' '),
        "hellip" => Some('…'),
        "mdash" => Some('—'),
        "ndash" => Some('–'),
        "ldquo" => Some('“'),
        "rdquo" => Some('”'),
        "lsquo" => Some('‘'),
        "rsquo" => Some('’'),
        "middot" => Some('·'),
        _ => {
            let number = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#').and_then(|d| d.parse().ok())
            };
            number.and_then(char::from_u32).filter(|&c| c != '\0')
        }
    };
    match c {
        Some(c) => (Some(c), end + 1),
        None => (None, 1),
    }
}

/// One space for each stretch of whitespace and breaks; nothing for a line break between CJK characters.
pub(super) fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    let mut hard = false;
    let mut newline = false;
    let mut spaces = false;
    for c in text.chars() {
        if c == BREAK || c.is_whitespace() {
            gap = true;
            hard |= c == BREAK;
            newline |= c == '\n';
            spaces |= c != '\n' && c != BREAK;
            continue;
        }
        if gap && !out.is_empty() {
            let soft_wrap = !hard && !spaces && newline && out.chars().next_back().is_some_and(is_wide) && is_wide(c);
            if !soft_wrap {
                out.push(' ');
            }
        }
        gap = false;
        hard = false;
        newline = false;
        spaces = false;
        out.push(c);
    }
    out
}
