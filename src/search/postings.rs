//! The posting-list codec (see the format in the module documentation of `search`).

use super::*;

/// The postings of one token while the index is built: list form.
#[derive(Default)]
pub(super) struct Postings {
    last: Option<u32>,
    list: String,
}

impl Postings {
    /// Adds `doc` (ids come in increasing order) with the token's weight in it.
    pub(super) fn push(&mut self, doc: u32, weight: u32) {
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

    /// The posting string as written: the shorter of the list and the bitmap form over `docs`.
    pub(super) fn finish(self, docs: usize) -> String {
        finish_postings(self.list, docs)
    }
}

pub(super) fn push_number(out: &mut String, mut value: u32) {
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

pub(super) fn digit(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Reads a variable-length number at `*at`.
pub(super) fn read_number(bytes: &[u8], at: &mut usize) -> Option<u32> {
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
pub(super) fn finish_postings(list: String, docs: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
