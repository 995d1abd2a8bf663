//! What each fuzz target checks, shared by the cargo-fuzz targets in `fuzz/fuzz_targets/` and by the
//! short deterministic run in `tests/fuzz_smoke.rs`. Each function takes arbitrary bytes and panics
//! only when placard breaks a promise: a panic inside placard, or an invariant below.

#![allow(dead_code)] // each fuzz target uses one of these functions

use std::path::Path;

use placard::channels::{check_channel_value, Kind};
use placard::content::front_matter::{self, PageFrontMatter, SectionFrontMatter};
use placard::render::shortcodes;
use placard::search;

/// Front matter: splitting at the fences, then parsing as a page, a section and free-form data.
pub fn front_matter(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let path = Path::new("content/fuzz.md");
    let Ok(split) = front_matter::split(source, path) else { return };
    // The parts are slices of the file, in order: nothing is invented or lost before the body.
    assert!(source.ends_with(split.body), "the body is the end of the file");
    assert!(split.front_matter_line >= 1 && split.body_line >= split.front_matter_line);
    let _ = front_matter::parse::<PageFrontMatter>(&split, path);
    let _ = front_matter::parse::<SectionFrontMatter>(&split, path);
    let _ = front_matter::parse::<serde_json::Value>(&split, path);
    if let Some(line) = source.lines().nth(1) {
        let _ = front_matter::Date::parse(line.trim());
    }
}

/// Shortcodes: cutting calls out of a body and putting rendered HTML back in their place.
pub fn shortcodes(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let Ok((markdown, calls)) = shortcodes::extract(body) else { return };
    if !body.contains("{{") && !body.contains("{%") {
        assert!(calls.is_empty() && markdown == body, "a body without calls is kept as it is");
    }
    for call in &calls {
        assert!(call.line >= 1 && call.column >= 1 && call.nth >= 1, "positions are 1-based: {call:?}");
    }
    let rendered: Vec<String> = (0..calls.len()).map(|i| format!("<div>rendered {i}</div>")).collect();
    let html = shortcodes::insert(&markdown, &rendered);
    let _ = shortcodes::insert(&format!("<p>{html}</p>"), &rendered);
}

/// Channel values: the first byte picks the kind, the rest is the value (a NUL starts the `url`).
pub fn channel_values(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    const KINDS: [(Kind, &str); 8] = [
        (Kind::Phone, "phone"),
        (Kind::Sms, "sms"),
        (Kind::Email, "email"),
        (Kind::Web, "web"),
        (Kind::Wechat, "wechat"),
        (Kind::Post, "post"),
        (Kind::Box, "box"),
        (Kind::Visit, "visit"),
    ];
    let (kind, _) = KINDS[first as usize % KINDS.len()];
    let text = String::from_utf8_lossy(rest);
    let (value, url) = match text.split_once('\0') {
        Some((value, url)) => (value, Some(url)),
        None => (&*text, None),
    };
    let _ = check_channel_value(kind, value, url);
}

/// The search tokenizer: HTML to text, index tokens and query tokens.
pub fn search_tokens(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let extracted = search::html_text(&text);
    let index = search::index_tokens(&text);
    assert!(index.keys().all(|t| !t.is_empty()) && index.values().all(|&n| n >= 1), "no empty token, no zero count");
    // Searching for a page's own text must find it: every query token is an index token.
    for token in search::query_tokens(&text) {
        assert!(index.contains_key(&token), "query token {token:?} is not among the index tokens");
    }
    let _ = search::index_tokens(&extracted.body);
    let _ = search::query_tokens(&extracted.headings);
}
