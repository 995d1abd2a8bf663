//! Character classes of the text placard handles. A leaf module: it uses nothing else of the crate.

/// Han ideographs (with 〇), kana and Hangul: scripts written without spaces between words, which
/// the search index splits into characters and bigrams and word counts count one by one.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3007 | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_chinese_kana_and_hangul() {
        for c in ['举', '〇', 'か', '한', '𠀀'] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', '1', '，', ' ', 'é'] {
            assert!(!is_cjk(c), "{c}");
        }
    }
}
