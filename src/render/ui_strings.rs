//! The default theme's own wording (skip link, menus, dates, pager…), for `trans(key=...)` when a
//! site's `[translations]` does not set the key. Chinese is the theme's language; English is given
//! so that an English page reads as English. Other languages get the Chinese wording, as official
//! bilingual practice puts Chinese first anyway: a site adds its own checked wording under
//! `[languages.<code>.translations]` rather than placard guessing at a minority language.

/// Each key with its Chinese and English text.
const STRINGS: &[(&str, &str, &str)] = &[
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("elder_mode", "长辈版", "Large text"),
    ("main_nav", "主导航", "Main menu"),
    ("home", "首页", "Home"),
    ("search", "搜索", "Search"),
    ("channels_nav", "举报渠道", "Reporting channels"),
    ("all_channels", "全部举报渠道", "All reporting channels"),
    ("verify_codes", "核验二维码与号码", "Check QR codes and numbers"),
    ("issuer", "主办：", "Issued by: "),
    ("address", "地址：", "Address: "),
    ("subscribe", "订阅本站更新", "Subscribe to updates"),
    ("no_cookies", "本站不使用 Cookie，不加载任何第三方资源。", "This site uses no cookies and loads nothing from other sites."),
    ("languages", "语言", "Languages"),
    ("published", "发布日期：", "Published: "),
    ("updated", "更新日期：", "Updated: "),
    ("valid_until", "有效期至：", "Valid until: "),
    ("author", "发布：", "By: "),
    ("toc", "目录", "Contents"),
    ("prev", "上一篇", "Previous"),
    ("next", "下一篇", "Next"),
    ("neighbours", "相邻文章", "Nearby articles"),
    ("breadcrumbs", "当前位置", "You are here"),
    ("empty", "暂无内容。", "Nothing here yet."),
    ("pagination", "分页", "Pages"),
    ("first_page", "第一页", "First page"),
    ("previous_page", "上一页", "Previous page"),
    ("next_page", "下一页", "Next page"),
    ("last_page", "最后一页", "Last page"),
    ("page_of", "页", "page"),
    ("see_all", "查看全部", "See all"),
    ("search_label", "输入要查找的字词或电话号码", "Words or a phone number to look for"),
    ("search_placeholder", "如：举报电话、高利放贷、12337", "e.g. hotline, 12337"),
    ("search_needs_js", "搜索需要浏览器开启 JavaScript。您也可以按栏目浏览：", "Search needs JavaScript. You can also browse by section:"),
    ("hours", "时间", "Hours"),
    ("answered_by", "受理", "Answered by"),
    ("postcode", "邮编", "Postcode"),
    ("expired_note", "已过期：", "Expired: "),
    ("expired_text", "本页内容已过期，仅作存档，请以最新发布的通知为准。", "This page has expired and is kept as a record only."),
];

/// What each language calls itself (the CLDR autonyms), for the language switcher.
const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("zh", "中文"),
    ("en", "English"),
    ("bo", "བོད་སྐད་"),
    ("ug", "ئۇيغۇرچە"),
    ("mn", "Монгол"),
    ("kk", "Қазақ тілі"),
    ("ko", "한국어"),
    ("ru", "Русский"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("ja", "日本語"),
    ("it", "Italiano"),
];

/// The theme's text for `key` in `lang`: English for `en…`, Chinese for every other language.
/// `language_name` is the language's own name, or its code when placard does not know it.
pub fn theme_string(key: &str, lang: &str) -> Option<&'static str> {
    let primary = lang.split(['-', '_']).next().unwrap_or(lang).to_ascii_lowercase();
    if key == "language_name" {
        return Some(LANGUAGE_NAMES.iter().find(|(code, _)| *code == primary).map(|(_, name)| *name).unwrap_or(""));
    }
    let (_, zh, en) = STRINGS.iter().find(|(k, _, _)| *k == key)?;
    Some(if primary == "en" { en } else { zh })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_pages_get_english_and_others_chinese() {
        assert_eq!(theme_string("home", "en"), Some("Home"));
        assert_eq!(theme_string("home", "en-GB"), Some("Home"));
        assert_eq!(theme_string("home", "zh-CN"), Some("首页"));
        assert_eq!(theme_string("home", "ug"), Some("首页"));
        assert_eq!(theme_string("language_name", "bo"), Some("བོད་སྐད་"));
        assert_eq!(theme_string("language_name", "xx"), Some(""));
        assert_eq!(theme_string("no-such-key", "en"), None);
    }
}
