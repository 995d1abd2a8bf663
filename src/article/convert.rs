//! Turns a page's rendered body into the subset of HTML the editors keep (see [`super::rules`]):
//! every element carries its look in a `style` attribute, links become text with their address
//! written out (WeChat removes links to other sites), images and QR codes become files beside the
//! article, and forms, scripts and frames are left out. The plain text of the article is written
//! alongside, for editors that take only text.

use super::html::{is_block, Element, Node};
use crate::markdown::escape_attr;

/// Body text: 17 px like the website, generous line height for small phone screens.
const P: &str = "margin:0 0 1em;line-height:1.75;font-size:17px;color:#222";
const H2: &str = "margin:1.5em 0 0.75em;font-size:20px;font-weight:bold;line-height:1.4;color:#a61b1b";
const H3: &str = "margin:1.25em 0 0.5em;font-size:18px;font-weight:bold;line-height:1.4;color:#222";
const H4: &str = "margin:1em 0 0.5em;font-size:17px;font-weight:bold;line-height:1.4;color:#222";
const LIST: &str = "margin:0 0 1em;padding-left:2em;line-height:1.75;font-size:17px;color:#222";
const LI: &str = "margin:0 0 0.5em";
const QUOTE: &str = "margin:0 0 1em;padding-left:1em;border-left:4px solid #ccc;color:#555";
const TABLE: &str = "margin:0 0 1em;border-collapse:collapse;width:100%;font-size:15px;line-height:1.5";
const TH: &str = "border:1px solid #bbb;padding:6px 8px;background-color:#f3f3f3;font-weight:bold";
const TD: &str = "border:1px solid #bbb;padding:6px 8px";
const CODE: &str = "font-family:monospace;background-color:#f3f3f3";
const PRE: &str = "margin:0 0 1em;padding:8px;font-family:monospace;font-size:14px;white-space:pre-wrap;word-break:break-all;background-color:#f3f3f3";
const CAPTION: &str = "margin:0 0 1em;font-size:15px;color:#666;text-align:center";
const NOTE: &str = "color:#576b95";
/// Largest shown width of a content image (px): the narrowest phone screen the site supports, so
/// that no editor that keeps the `width` attribute (UEditor does; `<img>` may carry no style)
/// makes a picture wider than a phone.
pub const IMAGE_WIDTH: u32 = 360;

/// Where the converter gets the files an article needs; the exporter resolves them against the
/// built site, tests against a stand-in.
pub trait Assets {
    /// The file beside the article for image `src` (as written in the page), such as
    /// `images/zhanban.png`, and its width in pixels when known; `Err` says why there is none.
    fn image(&mut self, src: &str) -> Result<(String, Option<u32>), String>;
    /// A PNG of a QR code that decodes to `payload`, beside the article.
    fn qr(&mut self, payload: &str) -> Result<String, String>;
    /// The readable form of a link's target (`0123-6110110`, `qinghe.example.gov.cn/policies/…`).
    fn link_target(&self, href: &str) -> Option<String>;
}

/// A converted body.
#[derive(Debug, Default)]
pub struct Converted {
    pub html: String,
    pub text: String,
    /// What was left out or could not be carried over, for warnings.
    pub notes: Vec<String>,
}

/// Elements left out together with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "canvas", "form", "input", "button", "select", "textarea", "video",
    "audio", "link", "meta", "head", "title", "math",
];

/// Converts the nodes of a page body.
pub fn convert(nodes: &[Node], assets: &mut dyn Assets) -> Converted {
    let mut cx = Cx { out: Converted::default(), assets, lists: Vec::new(), pre: 0, fresh_item: false };
    cx.flow(nodes, true);
    cx.out.text = tidy_text(&cx.out.text);
    cx.out
}

struct Cx<'a> {
    out: Converted,
    assets: &'a mut dyn Assets,
    /// Open lists: `Some(next number)` for `<ol>`, `None` for `<ul>`.
    lists: Vec<Option<u32>>,
    pre: usize,
    /// Just after a list item's marker in the text, where a paragraph needs no blank line.
    fresh_item: bool,
}

fn is_inline(node: &Node) -> bool {
    match node {
        Node::Text(_) => true,
        Node::Element(e) => !is_block(&e.name) && !DROPPED.contains(&e.name.as_str()) && e.name != "table",
    }
}

fn is_blank(node: &Node) -> bool {
    matches!(node, Node::Text(t) if t.trim().is_empty())
}

impl Cx<'_> {
    /// Converts a sequence of nodes. In `wrap` mode (the body, a `<div>`, a blockquote) loose
    /// text and inline elements are gathered into paragraphs, which is what the editors do anyway
    /// and would do with their own style.
    fn flow(&mut self, nodes: &[Node], wrap: bool) {
        let mut i = 0;
        while i < nodes.len() {
            if wrap && is_inline(&nodes[i]) {
                let start = i;
                while i < nodes.len() && is_inline(&nodes[i]) {
                    i += 1;
                }
                let run = &nodes[start..i];
                if run.iter().all(is_blank) {
                    continue;
                }
                // A loose anchor like `<span id="continue-reading"></span>` makes no paragraph.
                if text_of(run).trim().is_empty() && !run.iter().any(has_image) {
                    continue;
                }
                let style = if run.iter().any(has_image) && text_of(run).trim().is_empty() { format!("{P};text-align:center") } else { P.to_string() };
                self.block("p", &style, run, false);
                continue;
            }
            self.node(&nodes[i], wrap);
            i += 1;
        }
    }

    fn node(&mut self, node: &Node, wrap: bool) {
        match node {
            Node::Text(text) => self.text(text),
            Node::Element(e) => self.element(e, wrap),
        }
    }

    fn text(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.fresh_item = false;
        }
        self.out.html.push_str(&escape_text(text));
        if self.pre > 0 {
            self.out.text.push_str(text);
        } else {
            push_collapsed(&mut self.out.text, text);
        }
    }

    fn element(&mut self, e: &Element, wrap: bool) {
        let name = e.name.as_str();
        if DROPPED.contains(&name) {
            self.out.notes.push(format!("left out `<{name}>`: the editors remove {}", dropped_what(name)));
            return;
        }
        match name {
            "p" => {
                let style =
                    if e.children.iter().any(has_image) && text_of(&e.children).trim().is_empty() { format!("{P};text-align:center") } else { P.to_string() };
                self.block("p", &style, &e.children, false);
            }
            "h1" | "h2" => self.block("h2", H2, &e.children, false),
            "h3" => self.block("h3", H3, &e.children, false),
            "h4" | "h5" | "h6" => self.block("h4", H4, &e.children, false),
            "blockquote" => self.block("blockquote", QUOTE, &e.children, true),
            "ul" | "ol" => {
                let ordered = name == "ol";
                let start = e.attr("start").and_then(|s| s.trim().parse().ok()).unwrap_or(1);
                self.lists.push(ordered.then_some(start));
                let style = format!("{LIST};list-style-type:{}", if ordered { "decimal" } else { "disc" });
                self.open_block(name, &style);
                // Only items belong in a list; stray text between them is whitespace.
                for child in &e.children {
                    if !is_blank(child) {
                        self.node(child, false);
                    }
                }
                self.close(name);
                self.lists.pop();
            }
            "li" => {
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "• ".to_string(),
                };
                self.out.text.push('\n');
                self.out.text.push_str(&"  ".repeat(self.lists.len().saturating_sub(1)));
                self.out.text.push_str(&marker);
                self.fresh_item = true;
                self.out.html.push_str(&format!("<li style=\"{LI}\">"));
                self.flow(&e.children, false);
                self.close("li");
            }
            "table" => self.table(e),
            "pre" => {
                self.pre += 1;
                self.block("pre", PRE, &e.children, false);
                self.pre -= 1;
            }
            "hr" => {
                self.out.html.push_str("<hr>\n");
                self.out.text.push_str("\n\n————\n\n");
            }
            "br" => {
                self.out.html.push_str("<br>");
                self.out.text.push('\n');
            }
            "strong" | "b" => self.inline("strong", None, &e.children),
            "em" | "i" | "cite" | "dfn" => self.inline("em", None, &e.children),
            "u" | "ins" => self.inline("u", None, &e.children),
            "del" | "s" | "strike" => self.inline("del", None, &e.children),
            "sub" | "sup" => self.inline(name, None, &e.children),
            "code" | "kbd" | "samp" | "tt" => {
                if self.pre > 0 {
                    self.flow(&e.children, false);
                } else {
                    self.inline("code", Some(CODE), &e.children);
                }
            }
            "mark" => self.inline("span", Some("background-color:#fff3a0"), &e.children),
            "a" => self.link(e),
            "img" => self.image(e),
            "svg" => self.svg(e),
            "figcaption" | "caption" => self.block("p", CAPTION, &e.children, false),
            "summary" | "dt" => {
                self.open_block("p", &format!("{P};margin:0 0 0.25em"));
                self.inline("strong", None, &e.children);
                self.close("p");
            }
            "dd" => self.block("p", &format!("{P};padding-left:2em"), &e.children, false),
            // Containers with no look of their own in an article: their content stays.
            _ => self.flow(&e.children, wrap && is_block(name)),
        }
    }

    fn open_block(&mut self, tag: &str, style: &str) {
        self.out.html.push_str(&format!("<{tag} style=\"{}\">", escape_attr(style)));
        if std::mem::take(&mut self.fresh_item) {
            return;
        }
        if !self.out.text.is_empty() && !self.out.text.ends_with("\n\n") {
            self.out.text.push_str(if self.out.text.ends_with('\n') { "\n" } else { "\n\n" });
        }
    }

    fn close(&mut self, tag: &str) {
        self.out.html.push_str(&format!("</{tag}>"));
        if is_block(tag) {
            self.out.html.push('\n');
            if tag != "li" {
                self.out.text.push_str("\n\n");
            }
        }
    }

    fn block(&mut self, tag: &str, style: &str, children: &[Node], wrap: bool) {
        self.open_block(tag, style);
        self.flow(children, wrap);
        self.close(tag);
    }

    fn inline(&mut self, tag: &str, style: Option<&str>, children: &[Node]) {
        match style {
            Some(style) => self.out.html.push_str(&format!("<{tag} style=\"{}\">", escape_attr(style))),
            None => self.out.html.push_str(&format!("<{tag}>")),
        }
        self.flow(children, false);
        self.out.html.push_str(&format!("</{tag}>"));
    }

    /// A link keeps its text; when the text does not already say where it leads, the address
    /// follows in brackets, so a reader can still find it once the editor has removed the link.
    fn link(&mut self, e: &Element) {
        self.flow(&e.children, false);
        let Some(href) = e.attr("href").map(str::trim).filter(|h| !h.is_empty() && !h.starts_with('#')) else { return };
        let Some(target) = self.assets.link_target(href) else { return };
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase();
        if squash(&text_of(&e.children)).contains(&squash(&target)) {
            return;
        }
        self.out.html.push_str(&format!("<span style=\"{NOTE}\">（{}）</span>", escape_text(&target)));
        self.out.text.push_str(&format!("（{target}）"));
    }

    fn image(&mut self, e: &Element) {
        let alt = e.attr("alt").unwrap_or("").trim().to_string();
        let src = e.attr("src").unwrap_or("").trim();
        match self.assets.image(src) {
            Ok((file, width)) => {
                let width = width.unwrap_or(IMAGE_WIDTH).min(IMAGE_WIDTH);
                self.out.html.push_str(&format!("<img src=\"{}\" alt=\"{}\" width=\"{width}\">", escape_attr(&file), escape_attr(&alt)));
                self.out.text.push_str(&format!("[图片：{}]（{file}）", if alt.is_empty() { "无说明" } else { &alt }));
            }
            Err(why) => {
                self.out.notes.push(format!("the image `{src}` is not in the article: {why}"));
                let shown = format!("[图片：{}]", if alt.is_empty() { src } else { &alt });
                self.out.html.push_str(&escape_text(&shown));
                self.out.text.push_str(&shown);
            }
        }
    }

    /// WeChat removes SVG, so a QR code drawn inline (`qr()` marks it with `data-payload`) becomes
    /// a PNG file; other drawings are left out with a note.
    fn svg(&mut self, e: &Element) {
        let label = e.attr("aria-label").unwrap_or("").trim();
        let Some(payload) = e.attr("data-payload") else {
            self.out.notes.push("an SVG drawing was left out: the editors remove SVG".into());
            return;
        };
        match self.assets.qr(payload) {
            Ok(file) => {
                let alt = if label.is_empty() { "二维码".to_string() } else { format!("二维码：{label}") };
                self.out.html.push_str(&format!("<img src=\"{}\" alt=\"{}\" width=\"200\">", escape_attr(&file), escape_attr(&alt)));
                self.out.text.push_str(&format!("[{alt}]（{file}）"));
            }
            Err(why) => self.out.notes.push(format!("a QR code for `{payload}` was left out: {why}")),
        }
    }

    fn table(&mut self, e: &Element) {
        // The caption goes above the table as a line of its own: not every editor keeps <caption>.
        let mut rows: Vec<(&Element, bool)> = Vec::new();
        collect_rows(&e.children, false, &mut rows);
        for child in &e.children {
            if let Node::Element(c) = child {
                if c.name == "caption" {
                    self.block("p", &format!("{P};font-weight:bold;text-align:center;margin:0 0 0.5em"), &c.children, false);
                }
            }
        }
        self.open_block("table", TABLE);
        self.out.html.push('\n');
        let heads = rows.iter().take_while(|(_, head)| *head).count();
        for (n, (row, _)) in rows.iter().enumerate() {
            if n == 0 && heads > 0 {
                self.out.html.push_str("<thead>\n");
            }
            if n == heads {
                self.out.html.push_str("<tbody>\n");
            }
            self.out.html.push_str("<tr>");
            let mut first = true;
            for cell in row.children.iter().filter_map(|c| match c {
                Node::Element(c) if c.name == "td" || c.name == "th" => Some(c),
                _ => None,
            }) {
                if !first {
                    self.out.text.push_str(" | ");
                }
                first = false;
                let mut style = if cell.name == "th" { TH.to_string() } else { TD.to_string() };
                let align = cell.attr("align").map(str::to_string).or_else(|| {
                    cell.attr("style")
                        .and_then(|s| s.split(';').find_map(|d| d.split_once(':').filter(|(p, _)| p.trim() == "text-align").map(|(_, v)| v.trim().to_string())))
                });
                if let Some(align) = align.filter(|a| matches!(a.as_str(), "left" | "center" | "right")) {
                    style.push_str(&format!(";text-align:{align}"));
                }
                self.out.html.push_str(&format!("<{} style=\"{style}\"", cell.name));
                for span in ["colspan", "rowspan"] {
                    if let Some(n) = cell.attr(span).and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| (2..=100).contains(n)) {
                        self.out.html.push_str(&format!(" {span}=\"{n}\""));
                    }
                }
                self.out.html.push('>');
                self.flow(&cell.children, false);
                self.out.html.push_str(&format!("</{}>", cell.name));
            }
            self.out.html.push_str("</tr>\n");
            self.out.text.push('\n');
            if n + 1 == heads {
                self.out.html.push_str("</thead>\n");
            }
        }
        if rows.len() > heads {
            self.out.html.push_str("</tbody>\n");
        }
        self.close("table");
    }
}

/// The rows of a table in order, each marked when it is a heading row (in `<thead>`).
fn collect_rows<'a>(nodes: &'a [Node], head: bool, rows: &mut Vec<(&'a Element, bool)>) {
    for node in nodes {
        if let Node::Element(e) = node {
            match e.name.as_str() {
                "tr" => rows.push((e, head)),
                "thead" => collect_rows(&e.children, true, rows),
                "tbody" | "tfoot" => collect_rows(&e.children, false, rows),
                _ => {}
            }
        }
    }
    // A heading row after a body row would make a second <thead>; such rows count as body rows.
    let mut seen_body = false;
    for row in rows.iter_mut() {
        seen_body |= !row.1;
        if seen_body {
            row.1 = false;
        }
    }
}

fn dropped_what(name: &str) -> &'static str {
    match name {
        "form" | "input" | "button" | "select" | "textarea" => "forms",
        "script" | "noscript" | "template" => "scripts",
        "iframe" | "frame" | "object" | "embed" => "embedded pages",
        "video" | "audio" => "video and audio from other sites (upload it in the editor instead)",
        _ => "it",
    }
}

fn has_image(node: &Node) -> bool {
    match node {
        Node::Element(e) => e.name == "img" || e.name == "svg" || e.children.iter().any(has_image),
        Node::Text(_) => false,
    }
}

/// The text of nodes, as a reader sees it (dropped elements excluded).
pub fn text_of(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if !DROPPED.contains(&e.name.as_str()) => out.push_str(&text_of(&e.children)),
            Node::Element(_) => {}
        }
    }
    out
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\u{a0}', "&nbsp;")
}

/// Appends `text` with runs of whitespace as one space, and none at the start of a line.
fn push_collapsed(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !(out.is_empty() || out.ends_with(' ') || out.ends_with('\n')) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

/// Trims each line and keeps at most one blank line between blocks.
fn tidy_text(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::html::parse;
    use super::super::rules::check;
    use super::*;

    struct Fake;
    impl Assets for Fake {
        fn image(&mut self, src: &str) -> Result<(String, Option<u32>), String> {
            match src {
                "missing.png" => Err("there is no such file".into()),
                _ => Ok((format!("images/{src}"), Some(300))),
            }
        }
        fn qr(&mut self, payload: &str) -> Result<String, String> {
            Ok(format!("images/qr-{}.png", payload.len()))
        }
        fn link_target(&self, href: &str) -> Option<String> {
            Some(href.trim_start_matches("https://").trim_start_matches("tel:").trim_end_matches('/').to_string())
        }
    }

    fn run(html: &str) -> Converted {
        let out = convert(&parse(html), &mut Fake);
        let problems = check(&out.html);
        assert!(problems.is_empty(), "{problems:?} in\n{}", out.html);
        out
    }

    #[test]
    fn every_element_gets_an_inline_style_and_no_class_or_id() {
        let out = run(
            r#"<h2 id="a">一、范围</h2><p class="x">正文<strong>重点</strong><em>强调</em></p><ul><li>甲</li><li>乙</li></ul><ol start="3"><li>丙</li></ol><blockquote><p>引文</p></blockquote>"#,
        );
        assert!(out.html.starts_with("<h2 style=\""), "{}", out.html);
        assert!(!out.html.contains("class") && !out.html.contains("id="), "{}", out.html);
        assert!(out.html.contains("<strong>重点</strong><em>强调</em>"));
        assert!(out.html.contains("list-style-type:decimal"));
        assert_eq!(out.text, "一、范围\n\n正文重点强调\n\n• 甲\n• 乙\n\n3. 丙\n\n引文\n");
    }

    #[test]
    fn links_become_text_with_their_address() {
        let out =
            run(r##"<p>见<a href="https://x.cn/policies/a/">举报人保护</a>，电话 <a class="contact" href="tel:110">110</a>，<a href="#top">上文</a>。</p>"##);
        assert!(!out.html.contains("<a"), "{}", out.html);
        assert!(out.html.contains("举报人保护<span style=\"color:#576b95\">（x.cn/policies/a）</span>"), "{}", out.html);
        // A link whose text is its target is not repeated; an anchor is plain text.
        assert_eq!(out.text, "见举报人保护（x.cn/policies/a），电话 110，上文。\n");
    }

    #[test]
    fn tables_keep_their_cells_and_alignment() {
        let out = run(
            r#"<div class="table-wrap"><table><caption>台账</caption><thead><tr><th style="text-align: center">项</th><th>数</th></tr></thead><tbody><tr><td>a</td><td align="right">1</td></tr></tbody></table></div>"#,
        );
        assert!(out.html.contains("<thead>\n<tr><th style=\""), "{}", out.html);
        assert!(out.html.contains("text-align:center\">项</th>"));
        assert!(out.html.contains("text-align:right\">1</td>"));
        assert_eq!(out.text, "台账\n\n项 | 数\na | 1\n");
    }

    #[test]
    fn images_and_qr_codes_become_files() {
        let out = run(
            r#"<p><img src="zhanban.png" alt="展板" /></p><figure><svg class="qr" data-payload="https://x.cn/q/hotline/" aria-label="举报电话"><path d=""/></svg></figure><p><img src="missing.png" alt="缺"></p>"#,
        );
        assert!(out.html.contains(r#"<p style="margin:0 0 1em;line-height:1.75;font-size:17px;color:#222;text-align:center"><img src="images/zhanban.png" alt="展板" width="300"></p>"#), "{}", out.html);
        assert!(out.html.contains(r#"<img src="images/qr-23.png" alt="二维码：举报电话" width="200">"#), "{}", out.html);
        assert!(!out.html.contains("<svg"));
        assert!(out.html.contains("[图片：缺]"));
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    }

    #[test]
    fn forms_scripts_and_frames_are_left_out_with_a_note() {
        let out =
            run(r#"<p>前</p><form action="/x"><input name="q"><button>搜</button></form><script>alert(1)</script><iframe src="https://v"></iframe><p>后</p>"#);
        assert_eq!(out.text, "前\n\n后\n");
        assert_eq!(out.notes.len(), 3, "{:?}", out.notes);
    }

    #[test]
    fn loose_text_is_gathered_into_paragraphs() {
        let out = run("<div>一段<em>文字</em></div>\n<span id=\"continue-reading\"></span>\n<p>二</p>");
        assert!(out.html.starts_with("<p style=\""), "{}", out.html);
        assert_eq!(out.html.matches("<p ").count(), 2, "{}", out.html);
    }

    #[test]
    fn definition_lists_and_text_escaping() {
        let out = run("<dl><dt>时间</dt><dd>8:30 &lt; 9:00 &amp; later</dd></dl><pre><code>a  b\n c</code></pre>");
        assert!(out.html.contains("8:30 &lt; 9:00 &amp; later"), "{}", out.html);
        assert!(out.text.contains("a  b\n c"), "{}", out.text);
    }
}
