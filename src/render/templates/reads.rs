//! Whether a template might show the body of a page it lists.
//!
//! As in Zola, a listed page (in `section.pages`, `paginator.pages`, `term.pages`, or as a
//! page's `lower` and `higher`) has its `content` and `toc`. Most templates show only titles, dates
//! and summaries, though, and a home page that lists every section would copy every body of the
//! site while it renders: most of a gigabyte at 100,000 pages. So the templates are read once, and
//! listed pages carry their bodies only when a template might read them.
//!
//! The reading is cautious: anything that could reach a listed page's `content` or `toc` counts,
//! even where it would not at run time. Only `page.content`, `page.toc`, `section.content` and
//! `section.toc` of the page or section being rendered do not count. Counted: any other path
//! with them (`p.content`, `page.lower.toc`), those words given to a filter (`get(key="content")`,
//! `map(attribute="toc")`), a key chosen at run time (`p[key]`, `get(key=k)`), `json_encode`,
//! `__tera_context`, a loop over the fields of a page, `page` or `section` set to something else,
//! anything inside a loop or macro that gives `page` or `section` another meaning, and a template
//! included (or a block placed) where one of them, or a print template's `item`, may be a listed
//! page: the included template is read on its own, where those names mean what they usually do.

use std::collections::HashMap;

use tera::ast::{Expr, ExprVal, Node};
use tera::Template;

/// The words that name a page's body in Zola's page shape.
const BODY_FIELDS: [&str; 2] = ["content", "toc"];
/// The names of the page or section being rendered, which always carries its own body.
const OWN: [&str; 2] = ["page", "section"];
/// Values placard gives templates that hold no listed page: the config, and the print item, its
/// sheets and the print lists of the print templates (their texts are the item's own).
const PLAIN: [&str; 5] = ["config", "item", "sheets", "items", "units"];

/// Why some template might read a listed page's body, naming the template, or `None` when none can.
pub fn listed_bodies_read(templates: &HashMap<String, Template>) -> Option<String> {
    let mut names: Vec<&String> = templates.keys().collect();
    names.sort();
    names.into_iter().find_map(|name| {
        let ast = &templates[name].ast;
        // A name set anywhere in the template to a value that may hold a page is never plain there;
        // one only ever set from plain values (`set t = item.texts.0`) is.
        let mut sets = Vec::new();
        set_values(ast, &mut sets);
        let plain_value = |value: &Expr| matches!(&value.val, ExprVal::Ident(i) if segments(i).is_some_and(|s| PLAIN.contains(&s[0])));
        let unsafe_names: Vec<String> = sets.iter().filter(|(_, value)| !plain_value(value)).map(|(key, _)| key.to_string()).collect();
        let plain = PLAIN.iter().copied().chain(sets.iter().map(|(key, _)| *key)).filter(|n| !unsafe_names.iter().any(|u| u == n)).map(String::from).collect();
        let shadowed = unsafe_names.iter().any(|n| PLAIN.contains(&n.as_str()));
        let mut reader = Reader { rebound: false, shadowed, plain, unsafe_names, why: None };
        reader.nodes(ast);
        reader.why.map(|why| format!("{name}: {why}"))
    })
}

struct Reader {
    /// Whether `page` or `section` means something else here (a loop variable, a macro argument).
    rebound: bool,
    /// Whether one of [`PLAIN`] may hold a page here (a loop variable `item` over listed pages):
    /// a template included here, read on its own with that name as plain data, would be wrong.
    shadowed: bool,
    /// The names that hold no listed page here: [`PLAIN`], names set only from them, and loop
    /// variables over them.
    plain: Vec<String>,
    /// The names the template sets to a value that may hold a page.
    unsafe_names: Vec<String>,
    why: Option<String>,
}

/// Every `set` of the template: its name and value.
fn set_values<'a>(nodes: &'a [Node], sets: &mut Vec<(&'a str, &'a Expr)>) {
    for node in nodes {
        match node {
            Node::Set(_, set) => sets.push((&set.key, &set.value)),
            Node::FilterSection(_, section, _) => set_values(&section.body, sets),
            Node::Block(_, block, _) => set_values(&block.body, sets),
            Node::Forloop(_, forloop, _) => {
                set_values(&forloop.body, sets);
                forloop.empty_body.iter().for_each(|body| set_values(body, sets));
            }
            Node::If(branches, _) => {
                branches.conditions.iter().for_each(|(_, _, body)| set_values(body, sets));
                branches.otherwise.iter().for_each(|(_, body)| set_values(body, sets));
            }
            Node::MacroDefinition(_, definition, _) => set_values(&definition.body, sets),
            _ => {}
        }
    }
}

impl Reader {
    fn found(&mut self, why: String) {
        self.why.get_or_insert(why);
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            if self.why.is_some() {
                return;
            }
            match node {
                Node::VariableBlock(_, expr) => self.expr(expr),
                Node::Set(_, set) => {
                    if OWN.contains(&set.key.as_str()) {
                        self.found(format!("sets `{}`", set.key));
                    }
                    self.expr(&set.value);
                }
                Node::FilterSection(_, section, _) => {
                    section.filter.args.values().for_each(|e| self.expr(e));
                    self.nodes(&section.body);
                }
                Node::Block(_, block, _) => {
                    // A child template's block renders where the parent puts it, maybe in a loop.
                    if self.rebound || self.shadowed {
                        self.found(format!("the block `{}` sits where `page`, `section` or `item` may be a listed page", block.name));
                    }
                    self.nodes(&block.body);
                }
                Node::Include(_, names, _) if self.rebound || self.shadowed => {
                    self.found(format!("includes {} where `page`, `section` or `item` may be a listed page", names.join(", ")));
                }
                Node::Forloop(_, forloop, _) => {
                    self.expr(&forloop.container);
                    if forloop.key.is_some() && !fields_of_plain_data(&forloop.container) {
                        self.found("loops over the fields of a value that may be a page".into());
                    }
                    let rebinds = OWN.contains(&forloop.value.as_str()) || forloop.key.as_deref().is_some_and(|k| OWN.contains(&k));
                    let from_plain = self.is_plain(&forloop.container);
                    let shadows = !from_plain && forloop.key.iter().chain([&forloop.value]).any(|n| PLAIN.contains(&n.as_str()));
                    let (before, shadowed_before) = (self.plain.clone(), self.shadowed);
                    self.shadowed |= shadows;
                    for name in forloop.key.iter().chain([&forloop.value]) {
                        self.plain.retain(|n| n != name);
                        if from_plain && !self.unsafe_names.contains(name) {
                            self.plain.push(name.clone());
                        }
                    }
                    self.scoped(rebinds, &forloop.body);
                    self.plain = before;
                    self.shadowed = shadowed_before;
                    if let Some(empty) = &forloop.empty_body {
                        self.nodes(empty);
                    }
                }
                Node::If(branches, _) => {
                    for (_, condition, body) in &branches.conditions {
                        self.expr(condition);
                        self.nodes(body);
                    }
                    if let Some((_, body)) = &branches.otherwise {
                        self.nodes(body);
                    }
                }
                Node::MacroDefinition(_, definition, _) => {
                    definition.args.values().flatten().for_each(|e| self.expr(e));
                    // A macro sees its arguments and the context the template renders with, not
                    // the variables of its caller: an argument `page` is whatever the caller passed.
                    let before = self.plain.clone();
                    self.plain.retain(|n| !definition.args.contains_key(n));
                    self.scoped(OWN.iter().any(|n| definition.args.contains_key(*n)), &definition.body);
                    self.plain = before;
                }
                _ => {}
            }
        }
    }

    /// Whether `expr` reads from a name that holds no listed page.
    fn is_plain(&self, expr: &Expr) -> bool {
        let ExprVal::Ident(ident) = &expr.val else { return false };
        segments(ident).is_some_and(|s| self.plain.iter().any(|n| n == s[0]))
    }

    fn scoped(&mut self, rebinds: bool, body: &[Node]) {
        let before = self.rebound;
        self.rebound |= rebinds;
        self.nodes(body);
        self.rebound = before;
    }

    fn expr(&mut self, expr: &Expr) {
        self.val(&expr.val);
        // Filters on the config or a print item cannot reach a listed page, whatever they pick.
        let on_plain = self.is_plain(expr);
        for filter in &expr.filters {
            if filter.name == "json_encode" && !on_plain {
                self.found("uses json_encode, which shows every field".into());
            }
            let literal_key = filter.args.get("key").is_some_and(|k| matches!(k.val, ExprVal::String(_)) && k.filters.is_empty());
            if filter.name == "get" && !literal_key && !on_plain {
                self.found("uses get with a key chosen at run time".into());
            }
            for arg in filter.args.values() {
                // A field named to a filter: `get(key="content")`, `map(attribute="toc")`.
                if let ExprVal::String(text) = &arg.val {
                    if BODY_FIELDS.contains(&text.as_str()) {
                        self.found(format!("names \"{text}\" to the filter {}", filter.name));
                    }
                }
                self.expr(arg);
            }
        }
    }

    fn val(&mut self, val: &ExprVal) {
        match val {
            ExprVal::Ident(ident) => self.ident(ident),
            ExprVal::Test(test) => {
                self.ident(&test.ident);
                test.args.iter().for_each(|e| self.expr(e));
            }
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(e)),
            ExprVal::In(i) => {
                self.expr(&i.lhs);
                self.expr(&i.rhs);
            }
            ExprVal::Math(m) => {
                self.expr(&m.lhs);
                self.expr(&m.rhs);
            }
            ExprVal::Logic(l) => {
                self.expr(&l.lhs);
                self.expr(&l.rhs);
            }
            ExprVal::MacroCall(call) => call.args.values().for_each(|e| self.expr(e)),
            ExprVal::FunctionCall(call) => call.args.values().for_each(|e| self.expr(e)),
            ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| self.val(v)),
            _ => {}
        }
    }

    fn ident(&mut self, ident: &str) {
        let Some(segments) = segments(ident) else {
            self.found(format!("cannot read the path `{ident}`"));
            return;
        };
        if self.plain.iter().any(|n| n == segments[0]) {
            return;
        }
        // A key chosen at run time may be `content`, unless it picks from data that holds no page:
        // anything below `extra` (written in front matter or the config) or `taxonomies`.
        let picked = segments.iter().position(|s| *s == RUN_TIME).is_some_and(|at| !segments[1..at].iter().any(|s| matches!(*s, "taxonomies" | "extra")));
        if picked {
            self.found(format!("reads `{ident}` with a key chosen at run time"));
            return;
        }
        if segments[0] == "__tera_context" {
            self.found("uses __tera_context, which shows every value".into());
            return;
        }
        let names_body = segments[1..].iter().any(|s| BODY_FIELDS.contains(s));
        let own_body = segments.len() == 2 && OWN.contains(&segments[0]) && !self.rebound;
        if names_body && !own_body {
            self.found(format!("reads `{ident}`"));
        }
    }
}

/// A part of a path chosen at run time, as `key` in `p[key]`.
const RUN_TIME: &str = "[]";

/// The parts of a path like `page.lower["content"]` or `p.0.toc`: `["page", "lower", "content"]`;
/// a part chosen at run time (`p[key]`) is [`RUN_TIME`]. `None` when the path cannot be read.
fn segments(ident: &str) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    let mut rest = ident;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        if end > 0 {
            segments.push(&rest[..end]);
        }
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
        } else if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            let key = after[..close].trim();
            let literal = key.trim_matches(|c| c == '"' || c == '\'' || c == '`');
            let quoted = literal.len() + 2 == key.len();
            segments.push(if quoted || key.parse::<i64>().is_ok() { literal } else { RUN_TIME });
            rest = &after[close + 1..];
        } else {
            break;
        }
    }
    (!segments.is_empty()).then_some(segments)
}

/// Whether a `for key, value in ...` loop walks data that holds no page: the site's config, or a
/// page's taxonomies or `extra`.
fn fields_of_plain_data(container: &Expr) -> bool {
    // `group_by` makes a map of lists: its values are lists of pages, not pages.
    if container.filters.last().is_some_and(|f| f.name == "group_by") {
        return true;
    }
    let ExprVal::Ident(ident) = &container.val else { return true };
    match segments(ident) {
        Some(segments) => segments[0] == "config" || matches!(segments.last(), Some(&"taxonomies" | &"extra")) && segments.len() > 1,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(templates: &[(&str, &str)]) -> Option<String> {
        let map = templates.iter().map(|(name, text)| (name.to_string(), Template::new(name, None, text).unwrap())).collect();
        listed_bodies_read(&map)
    }

    #[test]
    fn the_own_page_and_section_bodies_do_not_count() {
        let page = "{{ page.content | safe }}{% for h in page.toc %}{{ h.title }}{% endfor %}{% if page.toc %}x{% endif %}";
        let listing =
            "{{ section.content | safe }}{% for p in section.pages %}<a href=\"{{ p.permalink }}\">{{ p.title }}</a>{{ p.summary | safe }}{% endfor %}";
        let home =
            "{% for s in section.subsections %}{% set sub = get_section(path=s) %}{% for p in sub.pages | slice(end=5) %}{{ p.title }}{% endfor %}{% endfor %}";
        let archive =
            "{% for year, pages in section.pages | group_by(attribute=\"year\") %}{{ year }}{% for page in pages %}{{ page.title }}{% endfor %}{% endfor %}";
        let macros = "{% macro card(p) %}{{ p.title }} {{ p.date }}{{ config.extra.titles[p.slug] }}{% endmacro %}{% macro tax_title(config, name) %}{{ config.extra.taxonomy_titles[name] }}{% endmacro %}{% macro own() %}{{ page.content | safe }}{% endmacro %}{% for name, terms in page.taxonomies %}{{ name }}{% endfor %}";
        let print = "{% set t = item.texts.0 %}{{ t.content }}{{ item.texts.0.content | safe }}{% for t in item.texts %}{{ t.content | safe }}{% endfor %}{% if item.content %}{{ item.content }}{% endif %}";
        let config = "{{ config.extra | get(key=lang) }}{{ config.extra.menu | json_encode }}";
        let words = "{% for tax, terms in page.taxonomies %}{{ page.taxonomies[tax] | length }}{{ page.extra[tax] }}{% endfor %}{{ trans(key=\"toc\", lang=page.lang) }}{% set what = \"content\" %}{{ what }}";
        let base = "{% block content %}{% endblock content %}{% for k, v in config.extra %}{{ k }}{% endfor %}{{ config.languages[lang].title }}";
        assert_eq!(
            read(&[
                ("page.html", page),
                ("section.html", listing),
                ("index.html", home),
                ("macros.html", macros),
                ("base.html", base),
                ("archive.html", archive),
                ("words.html", words),
                ("print/body.html", print),
                ("config.html", config)
            ]),
            None
        );
    }

    #[test]
    fn every_way_to_reach_a_listed_body_counts() {
        for template in [
            "{% for p in section.pages %}{{ p.content | safe }}{% endfor %}",
            "{{ page.lower.content | safe }}",
            "{{ page.higher.toc | length }}",
            "{% for page in section.pages %}{{ page.content | safe }}{% endfor %}",
            "{% for page in paginator.pages %}{% include \"card.html\" %}{% endfor %}",
            "{% macro card(page) %}{{ page.content | safe }}{% endmacro %}",
            "{% set p = get_page(path=\"a.md\") %}{{ p.content | safe }}",
            "{{ section.pages | map(attribute=\"content\") | join(sep=\"\") }}",
            "{{ section.pages.0 | get(key=\"toc\") }}",
            "{% set k = \"x\" %}{{ section.pages.0 | get(key=k) }}",
            "{% for p in section.pages %}{{ p[key] }}{% endfor %}",
            "{{ section.pages.0[\"content\"] }}",
            "{{ section.pages | json_encode }}",
            "{% for p in section.pages %}{{ p | json_encode }}{% endfor %}",
            "{{ page.lower | get(key=k) }}",
            "{{ __tera_context }}",
            "{% for k, v in section.pages.0 %}{{ v }}{% endfor %}",
            "{% set page = section.pages.0 %}{{ page.content }}",
            "{% if section.pages.0.content is defined %}x{% endif %}",
            "{% set item = section.pages.0 %}{{ item.content }}",
            "{% for item in section.pages %}{{ item.content }}{% endfor %}",
            "{% macro m(item) %}{{ item.content }}{% endmacro %}",
            "{% macro m(config) %}{{ config.content }}{% endmacro %}",
            "{% for t in item.texts %}{% for p in section.pages %}{{ p.toc }}{% endfor %}{% endfor %}",
            "{% for t in item.texts %}{{ t.content }}{% endfor %}{% set t = section.pages.0 %}",
            "{% set t = item.texts.0 %}{% set t = section.pages.0 %}{{ t.content }}",
            "{% for item in section.pages %}{% include \"card.html\" %}{% endfor %}",
            "{% set item = section.pages.0 %}{% include \"card.html\" %}",
        ] {
            assert!(read(&[("t.html", template)]).is_some(), "not counted: {template}");
        }
    }

    #[test]
    fn the_answer_names_the_template_and_what_it_reads() {
        let why = read(&[("a.html", "{{ page.title }}"), ("list.html", "{% for p in section.pages %}{{ p.content }}{% endfor %}")]).unwrap();
        assert_eq!(why, "list.html: reads `p.content`");
    }

    #[test]
    fn paths_split_into_their_parts() {
        assert_eq!(segments("page.lower[\"content\"]"), Some(vec!["page", "lower", "content"]));
        assert_eq!(segments("p.0.toc"), Some(vec!["p", "0", "toc"]));
        assert_eq!(segments("p[0]"), Some(vec!["p", "0"]));
        assert_eq!(segments("p[key]"), Some(vec!["p", RUN_TIME]));
        assert_eq!(segments("p[key"), None);
    }
}
