//! A small, forgiving HTML reader for the page bodies placard renders (Markdown through comrak, plus
//! shortcodes and, with `allow_html`, the author's own HTML). It builds a tree good enough to
//! convert: it never fails, closes what was left open, and ignores stray end tags. It is not a
//! browser's parser, and does not need to be: it only ever reads a page's body.

/// A node of the tree: an element or a run of text (entities decoded).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element with its attributes in source order (names lower-cased, values decoded).
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One token of the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Start {
        name: String,
        attrs: Vec<(String, String)>,
        self_closing: bool,
    },
    End(String),
    Text(String),
    Comment(String),
    /// `<!DOCTYPE …>` and `<?…>`.
    Declaration(String),
}

/// Elements that never have content.
pub const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];
/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript", "iframe"];

/// Splits `html` into tokens. Never fails: a `<` that starts no tag is text.
pub fn tokenize(html: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    let flush = |tokens: &mut Vec<Token>, from: usize, to: usize| {
        if to > from {
            tokens.push(Token::Text(decode_entities(&html[from..to])));
        }
    };
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &html[i..];
        if let Some(body) = rest.strip_prefix("<!--") {
            flush(&mut tokens, text_start, i);
            let end = body.find("-->").map(|e| e + 3).unwrap_or(body.len());
            tokens.push(Token::Comment(body[..end.saturating_sub(3).min(body.len())].to_string()));
            i += 4 + end;
            text_start = i;
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            flush(&mut tokens, text_start, i);
            let end = rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
            tokens.push(Token::Declaration(rest[..end].to_string()));
            i += end;
            text_start = i;
            continue;
        }
        if let Some(after) = rest.strip_prefix("</") {
            if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                flush(&mut tokens, text_start, i);
                let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':').collect();
                let end = rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
                tokens.push(Token::End(name.to_ascii_lowercase()));
                i += end;
                text_start = i;
                continue;
            }
        }
        if rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            flush(&mut tokens, text_start, i);
            let (token, used) = start_tag(rest);
            i += used;
            text_start = i;
            if let Token::Start { name, self_closing: false, .. } = &token {
                if RAW_TEXT.contains(&name.as_str()) {
                    // Everything up to `</name` is the element's text, markup or not.
                    let close = format!("</{name}");
                    let raw_end = html[i..].to_ascii_lowercase().find(&close).map(|e| i + e).unwrap_or(html.len());
                    let name = name.clone();
                    tokens.push(token);
                    if raw_end > i {
                        tokens.push(Token::Text(html[i..raw_end].to_string()));
                    }
                    tokens.push(Token::End(name));
                    i = html[raw_end..].find('>').map(|e| raw_end + e + 1).unwrap_or(html.len());
                    text_start = i;
                    continue;
                }
            }
            tokens.push(token);
            continue;
        }
        i += 1;
    }
    flush(&mut tokens, text_start, html.len());
    tokens
}

/// Reads one start tag at the start of `input` (which begins with `<` and a letter); returns the
/// token and the bytes it used.
fn start_tag(input: &str) -> (Token, usize) {
    let bytes = input.as_bytes();
    let mut i = 1;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':') {
        i += 1;
    }
    let name = input[1..i].to_ascii_lowercase();
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut self_closing = false;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        match bytes[i] {
            b'>' => {
                i += 1;
                break;
            }
            b'/' => {
                i += 1;
                if bytes.get(i) == Some(&b'>') {
                    self_closing = true;
                    i += 1;
                    break;
                }
                continue;
            }
            _ => {}
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        if i == start {
            // A lone `=`: skip it.
            i += 1;
            continue;
        }
        let attr = input[start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let end = input[i + 1..].find(q as char).map(|e| i + 1 + e).unwrap_or(input.len());
                    value = decode_entities(&input[i + 1..end]);
                    i = (end + 1).min(input.len());
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = decode_entities(&input[start..i]);
                }
            }
        }
        // The first of two same-named attributes wins, as in browsers.
        if !attrs.iter().any(|(n, _)| *n == attr) {
            attrs.push((attr, value));
        }
    }
    (Token::Start { name, attrs, self_closing }, i.min(input.len()))
}

/// Decodes the character references comrak and Tera write, plus numeric ones; others stay as
/// written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1);
        let decoded = end.filter(|&e| rest[e..].starts_with(';')).and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses `html` into a forest. Unclosed elements close at the end; a `<p>` closes when a block
/// starts; `<li>`, `<tr>`, `<td>` and `<th>` close their open siblings, as HTML allows.
pub fn parse(html: &str) -> Vec<Node> {
    let mut stack: Vec<Element> = vec![Element { name: String::new(), attrs: Vec::new(), children: Vec::new() }];
    for token in tokenize(html) {
        match token {
            Token::Text(text) => push(&mut stack, Node::Text(text)),
            Token::Comment(_) | Token::Declaration(_) => {}
            Token::Start { name, attrs, self_closing } => {
                implicit_close(&mut stack, &name);
                let element = Element { name, attrs, children: Vec::new() };
                if self_closing || VOID.contains(&element.name.as_str()) {
                    push(&mut stack, Node::Element(element));
                } else {
                    stack.push(element);
                }
            }
            Token::End(name) => {
                if let Some(at) = stack.iter().rposition(|e| e.name == name).filter(|&at| at > 0) {
                    while stack.len() > at {
                        close(&mut stack);
                    }
                }
            }
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    stack.pop().map(|root| root.children).unwrap_or_default()
}

fn push(stack: &mut [Element], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

fn close(stack: &mut Vec<Element>) {
    if let Some(done) = stack.pop() {
        push(stack, Node::Element(done));
    }
}

/// Closes what a new `name` element ends implicitly.
fn implicit_close(stack: &mut Vec<Element>, name: &str) {
    let close_to = |stack: &mut Vec<Element>, target: &[&str], barrier: &[&str]| {
        let found = stack.iter().rposition(|e| target.contains(&e.name.as_str()) || barrier.contains(&e.name.as_str()));
        if let Some(at) = found.filter(|&at| at > 0 && target.contains(&stack[at].name.as_str())) {
            while stack.len() > at {
                close(stack);
            }
        }
    };
    match name {
        "li" => close_to(stack, &["li"], &["ul", "ol"]),
        "tr" => close_to(stack, &["tr"], &["table", "thead", "tbody", "tfoot"]),
        "td" | "th" => close_to(stack, &["td", "th"], &["tr", "table"]),
        "dt" | "dd" => close_to(stack, &["dt", "dd"], &["dl"]),
        _ if is_block(name) => close_to(stack, &["p"], &["div", "section", "li", "td", "th", "blockquote", "article", "aside", "dd"]),
        _ => {}
    }
}

/// Elements that start a block of their own (and so end an open paragraph).
pub fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "aside"
            | "header"
            | "footer"
            | "nav"
            | "main"
            | "figure"
            | "figcaption"
            | "blockquote"
            | "pre"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "hr"
            | "details"
            | "summary"
            | "form"
            | "address"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| match n {
                Node::Element(e) => format!("{}[{}]", e.name, names(&e.children).join(",")),
                Node::Text(t) => format!("'{t}'"),
            })
            .collect()
    }

    #[test]
    fn reads_comrak_output() {
        let tree = parse("<p>a &amp; <strong>b</strong><br />c</p>\n<ol>\n<li>x</li>\n</ol>");
        assert_eq!(names(&tree), ["p['a & ',strong['b'],br[],'c']", "'\n'", "ol['\n',li['x'],'\n']"]);
    }

    #[test]
    fn attributes_quoted_unquoted_and_decoded() {
        let tree = parse(r#"<img src="a.png" alt='say &quot;hi&quot;' width=20 hidden>"#);
        let Node::Element(img) = &tree[0] else { panic!("{tree:?}") };
        assert_eq!(img.attr("src"), Some("a.png"));
        assert_eq!(img.attr("alt"), Some("say \"hi\""));
        assert_eq!(img.attr("width"), Some("20"));
        assert_eq!(img.attr("hidden"), Some(""));
    }

    #[test]
    fn forgives_bad_markup() {
        // Unclosed items, a stray end tag, a paragraph ended by a list, a lone `<`.
        let tree = parse("<ul><li>a<li>b</ul></span><p>x<ul><li>y</li></ul>1 < 2");
        assert_eq!(names(&tree), ["ul[li['a'],li['b']]", "p['x']", "ul[li['y']]", "'1 < 2'"]);
    }

    #[test]
    fn script_content_is_raw_and_comments_vanish() {
        let tree = parse("<script>if (a < b) { x('</p>') }</script><!-- c --><p>t</p>");
        assert_eq!(names(&tree), ["script['if (a < b) { x('</p>') }']", "p['t']"]);
    }

    #[test]
    fn broken_input_never_panics() {
        for input in [
            "<",
            "</",
            "<!--",
            "<!",
            "<p 中文=值>文",
            "<a href='未闭合",
            "&#xFFFFFFFF;&#;&",
            "<img src=图.png",
            "<script>未闭合",
            "<p\u{3000}a=\"b\"c>",
            "</p></li>",
            "<x y=>",
        ] {
            let tree = parse(input);
            let _ = super::super::convert::text_of(&tree);
        }
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("&lt;&#20013;&#x6587;&gt; &unknown; & &amp"), "<中文> &unknown; & &amp");
    }
}
