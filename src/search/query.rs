//! Querying the built index as search.js does in the browser: for tests and measurements.

use std::path::Path;

use super::*;

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
