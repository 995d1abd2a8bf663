//! The search index, built with the site so that the search page needs no server: Chinese is indexed
//! as single characters and overlapping bigrams, Latin words lower-cased, numbers whole (and phone
//! numbers like `0123-6110110` also joined), so "举报电话", "高利放贷" and "12337" are all found.
//!
//! The index is split so that a query downloads only what it needs, which matters on weak rural
//! networks:
//!
//! - `search/meta.json`: `{"version", "hash": "fnv1a32", "shards", "docs", "docs_per_shard"}`.
//! - `search/t/<hex>.json`: the tokens whose `fnv1a32(UTF-8 bytes) % shards` is that number (in
//!   lower-case hex, zero-padded to the width of `shards - 1`), as `{"token": "postings", …}`.
//! - `search/d/<k>.json`: documents `k * docs_per_shard …`, each `[title, path, section, date, excerpt]`.
//!
//! Document ids follow the ranking tie-break (newest first, then by path), so ranking never needs a
//! document before it is shown. A posting list is a string over the URL-safe base64 alphabet
//! `A–Z a–z 0–9 - _` (digit values 0–63), made of variable-length numbers: big-endian groups of five
//! bits, every group but the last written as `32 + bits`, the last as `bits`. Two forms:
//!
//! - list: for each document, `(delta << 1) | (weight != 1)`, then the weight when that bit is set;
//!   `delta` is the id for the first document and the difference from the previous id after that;
//! - bitmap (for tokens in many documents): `~`, then one digit per six documents (bit `i` of digit
//!   `k` is document `6k + i`; trailing zero digits left out), then either `.` and `(delta, weight)`
//!   pairs for the documents whose weight is not 1 (deltas between those documents, the first from
//!   0), or `:` and one digit per document of the bitmap, in order: its weight.
//!
//! A posting's weight is what the token adds to a document's score: [`W_TITLE`] when it is in the
//! title, [`W_META`] in the description or a taxonomy term, [`W_HEADING`] in a heading, [`W_BODY`]
//! anywhere in the text (how often does not count: that would make posting lists much bigger). A
//! query's tokens must all match (when none does, documents matching some of them are shown, most
//! tokens first); documents are ranked by the sum of their weights, then by id.
//! `themes/default/static/search.js` does the same in the browser; [`query`] does it here, for tests
//! and measurements.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::config::Config;
use crate::content::Library;
use crate::output::Output;
use crate::render::values::Shapes;

/// What one block of pages gathers while the index is built: its postings (token → (doc, weight)
/// pairs, in doc order) and its excerpts.
type Block = (FastMap<String, Vec<(u32, u32)>>, Vec<String>);

/// The format version, in `meta.json`.
pub const VERSION: u32 = 1;
/// The output folder of the index.
pub const DIR: &str = "search";
/// Documents per doc shard: small, so showing ten results fetches little besides them.
pub const DOCS_PER_SHARD: usize = 8;
/// How many results the search page shows at first (and adds with "more").
pub const PAGE_SIZE: usize = 10;
/// Token shards are made about this big on average (before compression), within the bounds below.
const TARGET_SHARD_BYTES: usize = 4 * 1024;
const MAX_SHARDS: usize = 4096;
/// Characters of text kept per document for the result snippet.
const EXCERPT_CHARS: usize = 120;
/// Longer words and digit runs are not indexed (they are hashes, not words).
const MAX_TOKEN_CHARS: usize = 32;

pub const W_TITLE: u32 = 10;
pub const W_META: u32 = 3;
pub const W_HEADING: u32 = 2;
pub const W_BODY: u32 = 1;

/// Digit values of the posting alphabet.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A hard break in extracted text: an element boundary that no bigram may cross.
const BREAK: char = '\u{0}';

/// A hash map keyed by short tokens. Indexing hashes tens of millions of them, where the standard
/// hasher's protection against crafted keys buys nothing (the keys are the site's own text).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The multiply-rotate hash of rustc's `FxHasher`: fast on short keys, and deterministic.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// 32-bit FNV-1a over the UTF-8 bytes of `text`.
pub fn fnv1a32(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= byte as u32;
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Digit,
    Letter,
    Hyphen,
    Other,
}

/// Full-width ASCII to half-width, the ideographic space to a space, then lower case (when that is
/// one character). search.js folds the same way.
pub fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

pub use crate::text::is_cjk;

/// CJK characters and the full-width punctuation around them, where a line break means no space.
fn is_wide(c: char) -> bool {
    is_cjk(c) || matches!(c as u32, 0x2014 | 0x2018..=0x201F | 0x2026 | 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

fn class(c: char) -> Class {
    if is_cjk(c) {
        Class::Cjk
    } else if c.is_ascii_digit() {
        Class::Digit
    } else if matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}') {
        Class::Hyphen
    } else if c.is_alphabetic() {
        Class::Letter
    } else {
        Class::Other
    }
}

/// A stretch of folded text of one kind.
#[derive(Debug)]
struct Run {
    class: Class,
    chars: Vec<char>,
    /// For digit runs: the previous digit run ended one hyphen before this one (`0123-6110110`).
    joined: bool,
}

fn runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    // Whether the last thing seen was a digit run followed by exactly one hyphen.
    let mut hyphen_after_digits = false;
    let mut previous = Class::Other;
    for c in text.chars().map(fold) {
        let cls = class(c);
        match cls {
            Class::Cjk | Class::Digit | Class::Letter => {
                if cls == previous {
                    if let Some(run) = runs.last_mut() {
                        run.chars.push(c);
                    }
                } else {
                    let joined = cls == Class::Digit && hyphen_after_digits;
                    runs.push(Run { class: cls, chars: vec![c], joined });
                }
                hyphen_after_digits = false;
            }
            Class::Hyphen => hyphen_after_digits = previous == Class::Digit,
            Class::Other => hyphen_after_digits = false,
        }
        previous = cls;
    }
    runs
}

/// Every token of `text` as the index stores it, with how often it occurs: each CJK character and
/// each pair of neighbouring CJK characters, each word, each digit run, and digit runs joined
/// across single hyphens.
pub fn index_tokens(text: &str) -> FastMap<String, u32> {
    let mut counts: FastMap<String, u32> = FastMap::default();
    each_token(text, |token| match counts.get_mut(token) {
        Some(n) => *n += 1,
        None => {
            counts.insert(token.to_string(), 1);
        }
    });
    counts
}

/// Calls `found` with every token of `text` (see [`index_tokens`]), from one reused buffer, so that
/// indexing allocates per distinct token rather than per occurrence.
fn each_token(text: &str, mut found: impl FnMut(&str)) {
    let mut buffer = String::new();
    let mut number = String::new();
    let mut number_parts = 0;
    for run in runs(text) {
        if run.class == Class::Digit {
            if !run.joined {
                if number_parts > 1 && number.chars().count() <= MAX_TOKEN_CHARS {
                    found(&number);
                }
                number.clear();
                number_parts = 0;
            }
            number.extend(run.chars.iter());
            number_parts += 1;
        }
        match run.class {
            Class::Cjk => {
                for (i, &c) in run.chars.iter().enumerate() {
                    buffer.clear();
                    buffer.push(c);
                    found(&buffer);
                    if let Some(&next) = run.chars.get(i + 1) {
                        buffer.push(next);
                        found(&buffer);
                    }
                }
            }
            _ if run.chars.len() <= MAX_TOKEN_CHARS => {
                buffer.clear();
                buffer.extend(run.chars.iter());
                found(&buffer);
            }
            _ => {}
        }
    }
    if number_parts > 1 && number.chars().count() <= MAX_TOKEN_CHARS {
        found(&number);
    }
}

/// The tokens a query looks up, in order, without repeats: a single CJK character alone, longer CJK
/// runs as their bigrams, words and digit runs whole. A query for `0123-6110110` looks up both parts.
pub fn query_tokens(query: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut add = |token: String| {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    };
    for run in runs(query) {
        match run.class {
            Class::Cjk if run.chars.len() == 1 => add(run.chars[0].to_string()),
            Class::Cjk => {
                for pair in run.chars.windows(2) {
                    add(pair.iter().collect());
                }
            }
            _ if run.chars.len() <= MAX_TOKEN_CHARS => add(run.chars.iter().collect()),
            _ => {}
        }
    }
    tokens
}

// ---------------------------------------------------------------------------------------------
// Text from HTML

/// The readable text of rendered HTML, and the text of its headings.
#[derive(Debug, Default, PartialEq)]
pub struct Text {
    pub body: String,
    pub headings: String,
}

/// Elements that do not break words: a bigram may run across them.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub",
    "sup", "time", "u", "var", "wbr",
];
/// Elements whose contents are not text a reader sees.
const SKIPPED: &[&str] = &["script", "style", "svg", "template", "noscript", "math", "iframe", "object"];

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
fn entity(text: &str) -> (Option<char>, usize) {
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
fn collapse(text: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// Building

/// A page in the index.
struct Doc {
    title: String,
    path: String,
    section: String,
    date: String,
}

/// Whether page `i` belongs in the search index.
pub fn indexed(library: &Library, i: usize) -> bool {
    let page = &library.pages[i];
    !page.expired
        && page.meta.in_search_index
        && page.published
        && library.ancestors(Some(page.section)).iter().all(|&s| library.sections[s].meta.in_search_index)
}

/// The postings of one token while the index is built: list form.
#[derive(Default)]
struct Postings {
    last: Option<u32>,
    list: String,
}

impl Postings {
    fn push(&mut self, doc: u32, weight: u32) {
        let delta = match self.last {
            Some(last) => doc - last,
            None => doc,
        };
        self.last = Some(doc);
        push_number(&mut self.list, (delta << 1) | u32::from(weight != 1));
        if weight != 1 {
            push_number(&mut self.list, weight);
        }
    }
}

fn push_number(out: &mut String, mut value: u32) {
    let mut groups = [0u8; 7];
    let mut n = 0;
    loop {
        groups[n] = (value & 31) as u8;
        n += 1;
        value >>= 5;
        if value == 0 {
            break;
        }
    }
    for i in (1..n).rev() {
        out.push(ALPHABET[32 + groups[i] as usize] as char);
    }
    out.push(ALPHABET[groups[0] as usize] as char);
}

fn digit(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Reads a variable-length number at `*at`.
fn read_number(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut value: u32 = 0;
    loop {
        let d = digit(*bytes.get(*at)?)?;
        *at += 1;
        value = value.checked_mul(32)?.checked_add(d & 31)?;
        if d < 32 {
            return Some(value);
        }
    }
}

/// Decodes a posting string into (document, weight), by document.
pub fn decode_postings(text: &str) -> Option<Vec<(u32, u32)>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    if let Some(rest) = text.strip_prefix('~') {
        let split = rest.find(['.', ':'])?;
        let (bitmap, tail) = (&rest[..split], &rest[split + 1..]);
        for (k, &c) in bitmap.as_bytes().iter().enumerate() {
            let d = digit(c)?;
            for bit in 0..6 {
                if d & (1 << bit) != 0 {
                    out.push(((k * 6 + bit) as u32, 1));
                }
            }
        }
        let tail = tail.as_bytes();
        if rest.as_bytes()[split] == b':' {
            // One digit per document, in order.
            if tail.len() != out.len() {
                return None;
            }
            for (posting, &c) in out.iter_mut().zip(tail) {
                posting.1 = digit(c)?;
            }
            return Some(out);
        }
        let (mut at, mut doc) = (0, 0u32);
        while at < tail.len() {
            doc += read_number(tail, &mut at)?;
            let weight = read_number(tail, &mut at)?;
            let slot = out.binary_search_by_key(&doc, |p| p.0).ok()?;
            out[slot].1 = weight;
        }
        return Some(out);
    }
    let (mut at, mut doc) = (0, 0u32);
    let mut first = true;
    while at < bytes.len() {
        let value = read_number(bytes, &mut at)?;
        doc = if first { value >> 1 } else { doc + (value >> 1) };
        first = false;
        let weight = if value & 1 == 1 { read_number(bytes, &mut at)? } else { 1 };
        out.push((doc, weight));
    }
    Some(out)
}

/// The shorter of the list form and the bitmap form of `list` (postings in list form) over `docs`.
fn finish_postings(list: String, docs: usize) -> String {
    let bitmap_len = docs.div_ceil(6) + 2;
    if list.len() <= bitmap_len {
        return list;
    }
    let Some(postings) = decode_postings(&list) else { return list };
    let mut bits = vec![0u8; docs.div_ceil(6)];
    let mut exceptions = String::new();
    let mut previous = 0;
    for &(doc, weight) in &postings {
        bits[doc as usize / 6] |= 1 << (doc % 6);
        if weight != 1 {
            push_number(&mut exceptions, doc - previous);
            push_number(&mut exceptions, weight);
            previous = doc;
        }
    }
    while bits.last() == Some(&0) {
        bits.pop();
    }
    let mut bitmap = String::with_capacity(bits.len() + postings.len() + 2);
    bitmap.push('~');
    bitmap.extend(bits.iter().map(|&b| ALPHABET[b as usize] as char));
    // The weights either as exceptions to 1, or one digit each when that is shorter (and they fit).
    if exceptions.len() > postings.len() && postings.iter().all(|p| p.1 < 64) {
        bitmap.push(':');
        bitmap.extend(postings.iter().map(|p| ALPHABET[p.1 as usize] as char));
    } else {
        bitmap.push('.');
        bitmap.push_str(&exceptions);
    }
    if bitmap.len() < list.len() {
        bitmap
    } else {
        list
    }
}

/// The file name of token shard `n` of `shards`: lower-case hex, as wide as `shards - 1` needs.
pub fn shard_name(n: u32, shards: u32) -> String {
    let width = format!("{:x}", shards.saturating_sub(1)).len();
    format!("{n:0width$x}")
}

/// The built index: output paths (under `search/`) and contents.
pub fn build(config: &Config, library: &Library, shapes: &Shapes) -> BTreeMap<String, Vec<u8>> {
    let _ = config;
    // Documents in ranking tie-break order: newest first, undated last, then by path.
    let mut pages: Vec<usize> = (0..library.pages.len()).filter(|&i| indexed(library, i)).collect();
    pages.sort_by(|&a, &b| {
        let (pa, pb) = (&library.pages[a], &library.pages[b]);
        crate::content::front_matter::newest_first(pa.date.as_ref(), pb.date.as_ref()).then_with(|| pa.path.cmp(&pb.path))
    });
    let channel_of: HashMap<usize, &crate::channels::Channel> = library.channels.iter().map(|c| (c.page, c)).collect();

    let mut docs = Vec::with_capacity(pages.len());
    let mut excerpts = Vec::with_capacity(pages.len());
    let mut postings: FastMap<String, Postings> = FastMap::default();
    // Pages are read in parallel, a block at a time; each block gathers its own postings (in doc
    // order), so the merge touches each distinct token once per block rather than once per page.
    const BLOCK: usize = 64;
    for (c, chunk) in pages.chunks(BLOCK * 16).enumerate() {
        let blocks: Vec<Block> = chunk
            .par_chunks(BLOCK)
            .enumerate()
            .map(|(b, block)| {
                let mut local: FastMap<String, Vec<(u32, u32)>> = FastMap::default();
                let mut block_excerpts = Vec::with_capacity(block.len());
                for (k, &i) in block.iter().enumerate() {
                    let id = (c * BLOCK * 16 + b * BLOCK + k) as u32;
                    let (tokens, excerpt) = analyse(library, shapes, i, channel_of.get(&i).copied());
                    for (token, weight) in tokens {
                        local.entry(token).or_default().push((id, weight));
                    }
                    block_excerpts.push(excerpt);
                }
                (local, block_excerpts)
            })
            .collect();
        // Blocks come back in order, so each token's postings stay in doc order.
        for (local, block_excerpts) in blocks {
            for (token, list) in local {
                let entry = postings.entry(token).or_default();
                for (id, weight) in list {
                    entry.push(id, weight);
                }
            }
            excerpts.extend(block_excerpts);
        }
    }
    for &i in &pages {
        let page = &library.pages[i];
        let section = &library.sections[page.section];
        docs.push(Doc {
            title: page.meta.title.clone().unwrap_or_else(|| page.slug.clone()),
            path: page.path.clone(),
            section: if section.relative == "_index.md" { String::new() } else { section.meta.title.clone().unwrap_or_default() },
            date: page.date.as_ref().map(|d| d.text.chars().take(10).collect()).unwrap_or_default(),
        });
    }

    let count = docs.len();
    let mut tokens: Vec<(String, String)> = postings.into_iter().map(|(token, p)| (token, finish_postings(p.list, count))).collect();
    tokens.sort();
    // `"token":"postings",` in JSON, with the token's UTF-8 bytes.
    let total: usize = tokens.iter().map(|(t, p)| t.len() + p.len() + 6).sum();
    let shards = total.div_ceil(TARGET_SHARD_BYTES).clamp(1, MAX_SHARDS).next_power_of_two().min(MAX_SHARDS) as u32;

    let mut files = BTreeMap::new();
    let mut by_shard: Vec<BTreeMap<&str, &str>> = vec![BTreeMap::new(); shards as usize];
    for (token, list) in &tokens {
        by_shard[(fnv1a32(token) % shards) as usize].insert(token, list);
    }
    for (n, shard) in by_shard.iter().enumerate() {
        let json = serde_json::to_vec(shard).unwrap_or_default();
        files.insert(format!("{DIR}/t/{}.json", shard_name(n as u32, shards)), json);
    }
    for (k, chunk) in docs.chunks(DOCS_PER_SHARD).enumerate() {
        let rows: Vec<Value> = chunk.iter().enumerate().map(|(j, d)| json!([d.title, d.path, d.section, d.date, excerpts[k * DOCS_PER_SHARD + j]])).collect();
        files.insert(format!("{DIR}/d/{k}.json"), serde_json::to_vec(&rows).unwrap_or_default());
    }
    let meta = json!({
        "version": VERSION,
        "hash": "fnv1a32",
        "shards": shards,
        "docs": count,
        "docs_per_shard": DOCS_PER_SHARD,
    });
    files.insert(format!("{DIR}/meta.json"), serde_json::to_vec(&meta).unwrap_or_default());
    files
}

/// Writes the index under `search/` in the output.
pub fn write_index(config: &Config, library: &Library, shapes: &Shapes, output: &mut Output) {
    for (path, bytes) in build(config, library, shapes) {
        output.add(path, bytes);
    }
}

/// Page `i`'s tokens with their weights, and its excerpt.
fn analyse(library: &Library, shapes: &Shapes, i: usize, channel: Option<&crate::channels::Channel>) -> (Vec<(String, u32)>, String) {
    let page = &library.pages[i];
    let title = page.meta.title.clone().unwrap_or_default();
    let description = page.meta.description.clone().unwrap_or_default();
    let mut meta_text = description.clone();
    for terms in page.meta.taxonomies.values() {
        for term in terms {
            meta_text.push(BREAK);
            meta_text.push_str(term);
        }
    }
    let mut text = shapes.page_bodies.get(i).map(|b| html_text(&b.content)).unwrap_or_default();
    let excerpt = excerpt(if description.trim().is_empty() { &text.body } else { &description });
    if let Some(c) = channel {
        // A channel's number, hours and notes are on its page, from the template rather than the body.
        for part in [Some(&c.value), Some(&c.display), c.hours.as_ref(), c.answered_by.as_ref(), c.notes.as_ref(), c.postcode.as_ref()].into_iter().flatten() {
            text.body.push(' ');
            text.body.push_str(part);
        }
    }
    // Which fields each token occurs in; its weight is the sum of those fields' weights.
    let mut fields: FastMap<String, u32> = FastMap::default();
    for (text, weight) in [(&title, W_TITLE), (&meta_text, W_META), (&text.headings, W_HEADING), (&text.body, W_BODY)] {
        each_token(text, |token| match fields.get_mut(token) {
            Some(bits) => *bits |= 1 << weight_bit(weight),
            None => {
                fields.insert(token.to_string(), 1 << weight_bit(weight));
            }
        });
    }
    let tokens = fields
        .into_iter()
        .map(|(token, bits)| {
            let weight = [W_TITLE, W_META, W_HEADING, W_BODY].iter().filter(|w| bits & (1 << weight_bit(**w)) != 0).sum();
            (token, weight)
        })
        .collect();
    (tokens, excerpt)
}

/// A distinct bit per field weight, for the field set of a token.
fn weight_bit(weight: u32) -> u32 {
    match weight {
        W_TITLE => 0,
        W_META => 1,
        W_HEADING => 2,
        _ => 3,
    }
}

fn excerpt(text: &str) -> String {
    let text = collapse(text);
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Querying (as search.js does)

/// One result of [`search`].
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: u32,
    pub score: u32,
    /// How many of the query's tokens the document has.
    pub matched: usize,
    /// Filled in for the results whose doc shard was read.
    pub path: Option<String>,
    pub title: Option<String>,
}

/// What a search found, and what the browser would download for it.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub tokens: Vec<String>,
    pub hits: Vec<Hit>,
    /// No document has every token: the hits have some of them.
    pub partial: bool,
    /// The index files read (relative to the index folder), in order; the doc shards only for the
    /// first `shown` hits.
    pub files: Vec<String>,
    pub bytes: u64,
}

/// Runs `q` against the index in `index_dir` (the `search/` folder of a built site) as search.js
/// does, reading doc shards for the first `shown` hits.
pub fn search(index_dir: &Path, q: &str, shown: usize) -> std::io::Result<Search> {
    let mut result = Search { tokens: query_tokens(q), ..Default::default() };
    let read = |name: &str, result: &mut Search| -> std::io::Result<Value> {
        let bytes = std::fs::read(index_dir.join(name))?;
        if !result.files.iter().any(|f| f == name) {
            result.files.push(name.to_string());
            result.bytes += bytes.len() as u64;
        }
        serde_json::from_slice(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{name}: {e}")))
    };
    if result.tokens.is_empty() {
        return Ok(result);
    }
    let meta = read("meta.json", &mut result)?;
    let shards = meta["shards"].as_u64().unwrap_or(1) as u32;
    let per_shard = meta["docs_per_shard"].as_u64().unwrap_or(DOCS_PER_SHARD as u64) as u32;
    let mut lists = Vec::new();
    for token in result.tokens.clone() {
        let name = format!("t/{}.json", shard_name(fnv1a32(&token) % shards, shards));
        let shard = read(&name, &mut result)?;
        lists.push(shard.get(&token).and_then(Value::as_str).and_then(decode_postings).unwrap_or_default());
    }
    let (hits, partial) = rank(&lists);
    result.partial = partial;
    result.hits = hits.into_iter().map(|(doc, score, matched)| Hit { doc, score, matched, path: None, title: None }).collect();
    for i in 0..result.hits.len().min(shown) {
        let doc = result.hits[i].doc;
        let rows = read(&format!("d/{}.json", doc / per_shard), &mut result)?;
        let row = &rows[(doc % per_shard) as usize];
        result.hits[i].title = row[0].as_str().map(str::to_string);
        result.hits[i].path = row[1].as_str().map(str::to_string);
    }
    Ok(result)
}

/// Ranks documents for a query whose tokens have the posting `lists`: documents with every token by
/// score, then id; when there are none, documents with most tokens first. Returns (doc, score,
/// tokens matched) and whether the match is partial.
pub fn rank(lists: &[Vec<(u32, u32)>]) -> (Vec<(u32, u32, usize)>, bool) {
    let mut scores: BTreeMap<u32, (u32, usize)> = BTreeMap::new();
    for list in lists {
        for &(doc, weight) in list {
            let entry = scores.entry(doc).or_insert((0, 0));
            entry.0 += weight;
            entry.1 += 1;
        }
    }
    let all: Vec<(u32, u32, usize)> = scores.into_iter().map(|(doc, (score, matched))| (doc, score, matched)).collect();
    let complete: Vec<(u32, u32, usize)> = all.iter().copied().filter(|h| h.2 == lists.len()).collect();
    let partial = complete.is_empty() && lists.len() > 1;
    let mut hits = if partial { all } else { complete };
    hits.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    (hits, partial)
}

/// Every result of `q` as (URL path, score), best first. Reads the index like the search page does.
pub fn query(index_dir: &Path, q: &str) -> Vec<(String, u32)> {
    let Ok(found) = search(index_dir, q, usize::MAX) else { return vec![] };
    found.hits.into_iter().map(|h| (h.path.unwrap_or_default(), h.score)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(map: FastMap<String, u32>) -> Vec<String> {
        let mut keys: Vec<String> = map.into_keys().collect();
        keys.sort();
        keys
    }

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a32(""), 0x811c9dc5);
        assert_eq!(fnv1a32("a"), 0xe40c292c);
        assert_eq!(fnv1a32("foobar"), 0xbf9cf968);
    }

    #[test]
    fn chinese_is_indexed_as_characters_and_bigrams() {
        assert_eq!(sorted(index_tokens("举报电话")), ["举", "举报", "报", "报电", "电", "电话", "话"]);
        assert_eq!(query_tokens("举报电话"), ["举报", "报电", "电话"]);
        assert_eq!(query_tokens("黑"), ["黑"]);
        // Punctuation separates runs.
        assert!(!index_tokens("举报，电话").contains_key("报，"));
        assert!(!index_tokens("举报，电话").contains_key("报电"));
    }

    #[test]
    fn numbers_are_whole_and_phone_numbers_joined() {
        let tokens = index_tokens("请拨打0123-6110110或12337。");
        for t in ["0123", "6110110", "01236110110", "12337"] {
            assert!(tokens.contains_key(t), "{t}: {:?}", sorted(tokens.clone()));
        }
        assert!(!tokens.contains_key("611"));
        assert_eq!(query_tokens("0123-6110110"), ["0123", "6110110"]);
        assert_eq!(query_tokens("12337 举报"), ["12337", "举报"]);
        // Full-width digits and letters fold to ASCII, letters to lower case.
        assert_eq!(query_tokens("１２３３７ ＷｅＣｈａｔ PDF"), ["12337", "wechat", "pdf"]);
        assert!(index_tokens("WeChat").contains_key("wechat"));
    }

    #[test]
    fn html_becomes_text_with_headings() {
        let text = html_text(
            "<h2 id=\"x\">一、举报<em>电话</em></h2>\n<p>拨打&nbsp;<strong>110</strong>，\n或者&amp;写信</p><svg><text>不要</text></svg><p>下一段</p>",
        );
        assert_eq!(text.headings, "一、举报电话");
        assert_eq!(text.body, "一、举报电话 拨打 110，或者&写信 下一段");
        // Chinese wrapped across lines joins; Latin keeps its space; paragraphs stay apart.
        assert_eq!(html_text("<p>举报\n电话</p><p>abc\ndef</p>").body, "举报电话 abc def");
        assert_eq!(html_text("a &lt; b &#x4E2D;&#25991;").body, "a < b 中文");
    }

    #[test]
    fn postings_round_trip_in_both_forms() {
        let docs = 100;
        let cases: Vec<Vec<(u32, u32)>> = vec![
            vec![(0, 1)],
            vec![(3, 11), (4, 1), (40, 2), (99, 17)],
            (0..100).map(|d| (d, if d % 7 == 0 { 13 } else { 1 })).collect(),
            (0..100).step_by(2).map(|d| (d, 1)).collect(),
            vec![(5, 1), (1000, 3), (70000, 1)],
        ];
        for case in cases {
            let mut p = Postings::default();
            for &(d, w) in &case {
                p.push(d, w);
            }
            assert_eq!(decode_postings(&p.list).unwrap(), case);
            let docs = docs.max(case.last().unwrap().0 as usize + 1);
            let finished = finish_postings(p.list.clone(), docs);
            assert_eq!(decode_postings(&finished).unwrap(), case, "{finished}");
        }
        let mut p = Postings::default();
        for d in 0..300 {
            p.push(d, d % 5 + 1);
        }
        let finished = finish_postings(p.list, 300);
        assert!(finished.starts_with('~') && finished.contains(':'), "{finished}");
        assert_eq!(decode_postings(&finished).unwrap(), (0..300).map(|d| (d, d % 5 + 1)).collect::<Vec<_>>());
        // Dense lists become bitmaps.
        let mut p = Postings::default();
        for d in 0..600 {
            p.push(d, 1);
        }
        assert!(finish_postings(p.list, 600).starts_with('~'));
    }

    #[test]
    fn ranking_needs_every_token_unless_none_has_all() {
        let lists = vec![vec![(0, 1), (1, 10), (2, 1)], vec![(1, 1), (2, 3)]];
        let (hits, partial) = rank(&lists);
        assert!(!partial);
        assert_eq!(hits, [(1, 11, 2), (2, 4, 2)]);
        let (hits, partial) = rank(&[vec![(0, 1)], vec![(1, 3)], vec![(1, 1), (2, 1)]]);
        assert!(partial);
        assert_eq!(hits, [(1, 4, 2), (0, 1, 1), (2, 1, 1)]);
    }

    #[test]
    fn shard_names_are_padded_hex() {
        assert_eq!(shard_name(0, 1), "0");
        assert_eq!(shard_name(10, 256), "0a");
        assert_eq!(shard_name(255, 256), "ff");
        assert_eq!(shard_name(5, 4096), "005");
    }
}
