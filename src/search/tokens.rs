//! The tokenizer: folding, character classes, and the tokens the index stores and a query looks up.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
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
pub(super) fn is_wide(c: char) -> bool {
    is_cjk(c) || matches!(c as u32, 0x2014 | 0x2018..=0x201F | 0x2026 | 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

/// Combining marks that belong to the letter before them but that `char::is_alphabetic` does not
/// count: Tibetan vowel signs and subjoined letters, Arabic-script vowel marks (as Uyghur writes
/// them), and the general combining diacritics. Without them one word would fall into pieces.
fn is_word_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F
        | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
        | 0x0F18..=0x0F19 | 0x0F35 | 0x0F37 | 0x0F39 | 0x0F3E..=0x0F3F | 0x0F71..=0x0F84 | 0x0F86..=0x0F87 | 0x0F8D..=0x0FBC | 0x0FC6
        | 0x200D)
}

/// Tibetan marks that end a syllable (the tsheg U+0F0B and its non-breaking form) or a clause
/// (the shad U+0F0D and its kin): Tibetan has no spaces between words, so its tokens are syllables.
pub(super) fn is_tibetan_break(c: char) -> bool {
    matches!(c as u32, 0x0F0B..=0x0F14)
}

pub(super) fn class(c: char) -> Class {
    if is_tibetan_break(c) {
        Class::Other
    } else if is_word_mark(c) {
        Class::Letter
    } else if is_cjk(c) {
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
pub(super) struct Run {
    class: Class,
    chars: Vec<char>,
    /// For digit runs: the previous digit run ended one hyphen before this one (`0123-6110110`).
    joined: bool,
}

pub(super) fn runs(text: &str) -> Vec<Run> {
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
pub(super) fn each_token(text: &str, mut found: impl FnMut(&str)) {
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
