//! What the WeChat 公众号 editor and the common portal editors (UEditor and its relatives) keep when
//! an article is pasted into them. docs/article-rules.md explains each rule and its sources; a test
//! keeps that table and these lists the same. Every exported article is checked against them
//! before it is written, so a converter mistake stops the export instead of reaching an editor.

use super::html::{tokenize, Token};

/// The elements an article may use, with the attributes each may carry. The narrowest of the
/// editors decides: UEditor's default whitelist gives `<img>` no `style` and `<hr>` no attributes.
pub const TAGS: &[(&str, &[&str])] = &[
    ("p", &["style"]),
    ("br", &[]),
    ("h2", &["style"]),
    ("h3", &["style"]),
    ("h4", &["style"]),
    ("strong", &["style"]),
    ("em", &["style"]),
    ("u", &[]),
    ("del", &[]),
    ("sub", &["style"]),
    ("sup", &["style"]),
    ("span", &["style"]),
    ("code", &["style"]),
    ("pre", &["style"]),
    ("blockquote", &["style"]),
    ("ul", &["style"]),
    ("ol", &["style"]),
    ("li", &["style"]),
    ("table", &["style"]),
    ("thead", &["style"]),
    ("tbody", &["style"]),
    ("tr", &["style"]),
    ("th", &["style", "colspan", "rowspan"]),
    ("td", &["style", "colspan", "rowspan"]),
    ("img", &["src", "alt", "width"]),
    ("hr", &[]),
];

/// CSS properties a `style` attribute may set: box, text and colour only. WeChat removes
/// positioning, transforms and animation; none of them is needed for a readable article.
pub const PROPERTIES: &[&str] = &[
    "margin",
    "padding",
    "padding-left",
    "line-height",
    "font-size",
    "font-weight",
    "font-style",
    "font-family",
    "color",
    "background-color",
    "text-align",
    "text-indent",
    "border",
    "border-left",
    "border-top",
    "border-collapse",
    "width",
    "list-style-type",
    "white-space",
    "word-break",
];

/// The attributes `tag` may carry, or `None` when the tag is not allowed at all.
pub fn allowed_attributes(tag: &str) -> Option<&'static [&'static str]> {
    TAGS.iter().find(|(t, _)| *t == tag).map(|(_, a)| *a)
}

/// Every way `fragment` breaks the rules, in document order; empty when it keeps them all.
pub fn check(fragment: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for token in tokenize(fragment) {
        let (name, attrs) = match &token {
            Token::Start { name, attrs, .. } => (name, attrs),
            Token::End(name) => {
                if allowed_attributes(name).is_none() {
                    problems.push(format!("`</{name}>` is not kept by the editors"));
                }
                continue;
            }
            Token::Declaration(d) => {
                problems.push(format!("`{d}` does not belong in an article"));
                continue;
            }
            _ => continue,
        };
        let Some(allowed) = allowed_attributes(name) else {
            problems.push(format!("`<{name}>` is not kept by the editors"));
            continue;
        };
        for (attr, value) in attrs {
            if !allowed.contains(&attr.as_str()) {
                problems.push(format!("`<{name}>` may not carry `{attr}`"));
            } else if attr == "style" {
                for property in style_properties(value) {
                    if !PROPERTIES.contains(&property.as_str()) {
                        problems.push(format!("`<{name}>` sets the CSS property `{property}`, which the editors remove"));
                    }
                }
            } else if attr == "src" && (value.contains(':') || value.starts_with('/') || value.contains("..")) {
                problems.push(format!("`<{name}>` must name a file beside the article, not `{value}`"));
            }
        }
    }
    problems
}

/// The rules as docs/article-rules.md writes them: the rows of the table between
/// `<!-- rules:tags -->` and `<!-- /rules:tags -->` (a tag, then its attributes, each in backticks),
/// and the backticked names between `<!-- rules:properties -->` and `<!-- /rules:properties -->`.
pub fn from_doc(doc: &str) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let between = |name: &str| -> &str {
        let open = format!("<!-- rules:{name} -->");
        let close = format!("<!-- /rules:{name} -->");
        let start = doc.find(&open).map(|s| s + open.len()).unwrap_or(doc.len());
        let end = doc[start..].find(&close).map(|e| start + e).unwrap_or(start);
        &doc[start..end]
    };
    let quoted = |text: &str| -> Vec<String> { text.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    let tags = between("tags")
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').collect();
            Some((quoted(cells.get(1)?).into_iter().next()?, quoted(cells.get(2)?)))
        })
        .collect();
    (tags, quoted(between("properties")))
}

/// The property names of a `style` attribute, lower-cased, in order.
pub fn style_properties(style: &str) -> Vec<String> {
    style.split(';').filter_map(|d| d.split_once(':').map(|(p, _)| p.trim().to_ascii_lowercase())).filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_kind_of_break() {
        let bad = r#"<div class="x"><p id="a" style="color:red;position:absolute">t</p><img src="https://x/a.png" style="width:1px"><script>x</script></div>"#;
        let problems = check(bad);
        let all = problems.join("\n");
        for expected in ["<div>", "`id`", "`position`", "https://x/a.png", "may not carry `style`", "<script>"] {
            assert!(all.contains(expected), "{expected} not in:\n{all}");
        }
        assert!(check(r#"<p style="color:#222;line-height:1.75">a<br><img src="images/a.png" alt="b" width="300"></p>"#).is_empty());
    }

    /// The lists here and the tables in docs/article-rules.md are one set of rules.
    #[test]
    fn rules_match_the_documentation() {
        let doc = include_str!("../../docs/article-rules.md");
        let (tags, properties) = from_doc(doc);
        let ours: Vec<(String, Vec<String>)> = TAGS.iter().map(|(t, a)| (t.to_string(), a.iter().map(|s| s.to_string()).collect())).collect();
        assert_eq!(tags, ours);
        assert_eq!(properties, PROPERTIES.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    }
}
