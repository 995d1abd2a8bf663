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
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::channels::Channels;
use crate::config::Config;
use crate::content::Library;
use crate::markdown::Rendered;
use crate::output::Output;

mod hash;
mod html_text;
mod postings;
mod query;
mod tokens;

pub use hash::{fnv1a32, FastMap, FxHasher};
pub use html_text::{html_text, Text};
pub use postings::{decode_postings, shard_name};
pub use query::{query, rank, search, Hit, Search};
pub use tokens::{fold, index_tokens, is_cjk, query_tokens};
#[allow(unused_imports)] // the building code and the tests use these crate-internal parts
use {html_text::*, postings::*, tokens::*};

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

/// The output folder of `lang`'s index: `search` for the default language, `en/search` for `en`.
/// Each language has its own index beside its own search page, so a query typed on an English
/// page finds English pages.
pub fn index_dir(config: &Config, lang: &str) -> String {
    format!("{}/{DIR}", config.lang_prefix(lang)).trim_start_matches('/').to_string()
}

/// The built index of the default language: output paths (under `search/`) and contents.
pub fn build(config: &Config, library: &Library, channels: &Channels, bodies: &[Arc<Rendered>]) -> BTreeMap<String, Vec<u8>> {
    build_for(config, library, channels, bodies, &config.default_language)
}

/// The built index of the pages of `lang`, under [`index_dir`].
pub fn build_for(config: &Config, library: &Library, channels: &Channels, bodies: &[Arc<Rendered>], lang: &str) -> BTreeMap<String, Vec<u8>> {
    let dir = index_dir(config, lang);
    // Documents in ranking tie-break order: newest first, undated last, then by path.
    let mut pages: Vec<usize> = (0..library.pages.len()).filter(|&i| library.pages[i].lang == lang && indexed(library, i)).collect();
    pages.sort_by(|&a, &b| {
        let (pa, pb) = (&library.pages[a], &library.pages[b]);
        crate::content::front_matter::newest_first(pa.date.as_ref(), pb.date.as_ref()).then_with(|| pa.path.cmp(&pb.path))
    });
    let channel_of: HashMap<usize, &crate::channels::Channel> = channels.iter().map(|c| (c.page, c)).collect();

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
                    let (tokens, excerpt) = analyse(library, bodies, i, channel_of.get(&i).copied());
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
            section: if section.canonical == "_index.md" { String::new() } else { section.meta.title.clone().unwrap_or_default() },
            date: page.date.as_ref().map(|d| d.text.chars().take(10).collect()).unwrap_or_default(),
        });
    }

    let count = docs.len();
    let mut tokens: Vec<(String, String)> = postings.into_iter().map(|(token, p)| (token, p.finish(count))).collect();
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
        files.insert(format!("{dir}/t/{}.json", shard_name(n as u32, shards)), json);
    }
    for (k, chunk) in docs.chunks(DOCS_PER_SHARD).enumerate() {
        let rows: Vec<Value> = chunk.iter().enumerate().map(|(j, d)| json!([d.title, d.path, d.section, d.date, excerpts[k * DOCS_PER_SHARD + j]])).collect();
        files.insert(format!("{dir}/d/{k}.json"), serde_json::to_vec(&rows).unwrap_or_default());
    }
    let meta = json!({
        "version": VERSION,
        "hash": "fnv1a32",
        "shards": shards,
        "docs": count,
        "docs_per_shard": DOCS_PER_SHARD,
    });
    files.insert(format!("{dir}/meta.json"), serde_json::to_vec(&meta).unwrap_or_default());
    files
}

/// Writes the index of each language that asks for one (`build_search_index`) into the output.
pub fn write_index(config: &Config, library: &Library, channels: &Channels, bodies: &[Arc<Rendered>], output: &mut Output) {
    for lang in config.language_codes().into_iter().filter(|lang| config.search_of(lang)) {
        for (path, bytes) in build_for(config, library, channels, bodies, lang) {
            output.add(path, bytes);
        }
    }
}

/// Page `i`'s tokens with their weights, and its excerpt.
fn analyse(library: &Library, bodies: &[Arc<Rendered>], i: usize, channel: Option<&crate::channels::Channel>) -> (Vec<(String, u32)>, String) {
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
    let mut text = bodies.get(i).map(|b| html_text(&b.content.text())).unwrap_or_default();
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

    #[test]
    fn tibetan_is_split_into_syllables_and_arabic_script_into_words() {
        // ལྷ་ས (Lhasa): two syllables at the tsheg; the subjoined ཧ and the shad stay in or out of them.
        assert_eq!(sorted(index_tokens("ལྷ་ས། བོད་རང་སྐྱོང་ལྗོངས།")), ["བོད", "རང", "ལྗོངས", "ལྷ", "ས", "སྐྱོང"]);
        assert_eq!(query_tokens("ལྷ་ས"), ["ལྷ", "ས"]);
        // A vowel sign belongs to its syllable: བོད is one token, not བ and ད.
        assert_eq!(query_tokens("བོད"), ["བོད"]);
        // Uyghur: words between spaces, the Arabic comma ends a word.
        assert_eq!(sorted(index_tokens("ئۈرۈمچى، شىنجاڭ")), ["ئۈرۈمچى", "شىنجاڭ"]);
        // Other scripts with spaces are lower-cased whole words, Unicode-aware.
        assert_eq!(query_tokens("Hotline ÜBER Straße"), ["hotline", "über", "straße"]);
    }
}
