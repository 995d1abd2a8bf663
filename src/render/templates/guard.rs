//! Keeping templates from crashing placard.
//!
//! Tera renders by plain recursion and has no limits of its own: a template that includes itself, or
//! a macro that calls itself without a condition, overflows the stack and aborts the process, and a
//! loop over `range(end=1e9)` takes all the memory. So, before anything renders:
//!
//! - include / import / extends cycles, and macro cycles whose calls sit outside any `if` or `for`
//!   (they can never stop), are reported with the chain of files and lines;
//! - every template's syntax tree gets small probes: a depth counter around each macro body and each
//!   template, a step counter in each loop body, a size check on values a template builds, and a
//!   bounded `range`, with a time limit per file as the last resort. A probe that trips stops the
//!   render with an error naming the template and line.
//!
//! Recursive macros with a condition (a navigation tree over sections) still work, down to
//! [`MAX_DEPTH`] levels. Tera's syntax tree has no positions, so lines come from a small scan of the
//! template's tags ([`Source`]).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tera::ast::{Block, Expr, ExprVal, FunctionCall, LogicOperator, Node, WS};
use tera::{Template, Tera, Value};

use crate::error::{line_col, Error};

/// How deep macros and included templates may nest while one file renders. A navigation tree is a
/// few levels deep; a runaway recursion reaches this at once.
pub const MAX_DEPTH: usize = 1000;
/// How many loop steps one rendered file may take, all loops together.
pub const MAX_STEPS: u64 = 2_000_000;
/// How many bytes one rendered file may produce (counted before escaping, macros included).
pub const MAX_OUTPUT: u64 = 128 << 20;
/// How long one file may take to render.
pub const MAX_TIME: Duration = Duration::from_secs(120);
/// How many numbers one `range()` may make.
pub const MAX_RANGE: u64 = 100_000;
/// How large a text a template may build in a variable or a macro argument.
pub const MAX_VALUE: usize = 16 << 20;
/// How many items an array a template builds may hold.
pub const MAX_ITEMS: usize = 1_000_000;

const ENTER: &str = "__placard_enter";
const LEAVE: &str = "__placard_leave";
const STEP: &str = "__placard_step";
const OUT: &str = "__placard_out";
const VALUE: &str = "__placard_value";
/// The hidden argument that tells `range()` where it is called.
const AT: &str = "placard_at";

/// The hint shown with a tripped probe.
pub const DEPTH_HINT: &str = "a macro or template that calls or includes itself needs a condition that stops it, \
     like {% if section.subsections %}...{% endif %} around the call";
pub const BUDGET_HINT: &str = "a template should loop over the site's pages and data, not over huge ranges: \
     check the loop's bounds (range(end=...)) and loops nested inside each other";

// ---------------------------------------------------------------------------------------------
// Where the tags are: Tera's tree has no line numbers, so a small scan finds them in the text.

/// One `{{ ... }}` or `{% ... %}` tag of a template, without its delimiters and trim marks.
#[derive(Debug, Clone)]
struct Tag {
    statement: bool,
    inner: String,
    line: usize,
    column: usize,
}

impl Tag {
    fn word(&self) -> &str {
        first_word(&self.inner)
    }
}

fn first_word(text: &str) -> &str {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("")
}

/// The tags of `text` in order, skipping comments and the inside of `{% raw %}` blocks. Quoted text
/// inside a tag may hold `%}` or `}}`.
fn scan_tags(text: &str) -> Vec<Tag> {
    let bytes = text.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(found) = text[i..].find('{') {
        let start = i + found;
        let close: &[u8; 2] = match bytes.get(start + 1) {
            Some(b'#') => {
                i = text[start + 2..].find("#}").map(|e| start + 2 + e + 2).unwrap_or(text.len());
                continue;
            }
            Some(b'{') => b"}}",
            Some(b'%') => b"%}",
            _ => {
                i = start + 1;
                continue;
            }
        };
        let mut j = start + 2;
        let mut quote: Option<u8> = None;
        let end = loop {
            if j + 1 >= bytes.len() {
                break None;
            }
            let c = bytes[j];
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
            } else if matches!(c, b'"' | b'\'' | b'`') {
                quote = Some(c);
            } else if c == close[0] && bytes[j + 1] == close[1] {
                break Some(j);
            }
            j += 1;
        };
        let Some(end) = end else { break };
        let inner = text[start + 2..end].trim_start_matches('-').trim_end_matches('-').trim().to_string();
        let (line, column) = line_col(text, start);
        let statement = close == b"%}";
        let raw = statement && first_word(&inner) == "raw";
        tags.push(Tag { statement, inner, line, column });
        i = end + 2;
        if raw {
            // Nothing inside a raw block is a tag.
            let mut from = i;
            while let Some(at) = text[from..].find("{%") {
                let tag_start = from + at;
                let rest = text[tag_start + 2..].trim_start_matches('-').trim_start();
                if first_word(rest) == "endraw" {
                    i = tag_start;
                    break;
                }
                from = tag_start + 2;
            }
        }
    }
    tags
}

/// A template's name, the file it came from (as shown in messages) and where its tags are.
pub struct Source {
    pub name: String,
    /// The file as people see it: `templates/a.html`, or the built-in theme's.
    pub label: String,
    pub file: PathBuf,
    tags: Vec<Tag>,
}

impl Source {
    pub fn new(name: &str, label: String, file: PathBuf, text: &str) -> Source {
        Source { name: name.to_string(), label, file, tags: scan_tags(text) }
    }

    /// The tag range of the macro `name`: from its `{% macro %}` tag to its `{% endmacro %}`.
    fn macro_range(&self, name: &str) -> Option<(usize, usize)> {
        let start = self.tags.iter().position(|t| t.statement && t.word() == "macro" && first_word(t.inner[5..].trim_start()) == name)?;
        let end = self.tags[start..].iter().position(|t| t.statement && t.word() == "endmacro").map(|e| start + e).unwrap_or(self.tags.len());
        Some((start, end))
    }

    /// The first tag in `unit` (a macro's body, or the whole file) that `matches`: its line and column.
    fn find(&self, in_macro: Option<&str>, matches: impl Fn(&Tag) -> bool) -> (usize, usize) {
        let (from, to) = in_macro.and_then(|m| self.macro_range(m)).unwrap_or((0, self.tags.len()));
        self.tags[from..to].iter().find(|t| matches(t)).map(|t| (t.line, t.column)).unwrap_or((0, 0))
    }

    fn statement_with(&self, in_macro: Option<&str>, word: &str, quoted: &str) -> (usize, usize) {
        self.find(in_macro, |t| t.statement && t.word() == word && contains_quoted(&t.inner, quoted))
    }
}

fn contains_quoted(text: &str, value: &str) -> bool {
    ['"', '\'', '`'].iter().any(|q| text.contains(&format!("{q}{value}{q}")))
}

/// Positions of `range(` calls and `for` tags, in the order the syntax tree holds them.
struct Spots {
    loops: Vec<(usize, usize)>,
    ranges: Vec<(usize, usize)>,
}

impl Spots {
    fn of(source: &Source) -> Spots {
        let loops = source.tags.iter().filter(|t| t.statement && t.word() == "for").map(|t| (t.line, t.column)).collect();
        let mut ranges = Vec::new();
        for tag in &source.tags {
            let mut from = 0;
            while let Some(at) = tag.inner[from..].find("range") {
                let start = from + at;
                let before_ok = tag.inner[..start].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
                let after = tag.inner[start + 5..].trim_start();
                if before_ok && after.starts_with('(') {
                    ranges.push((tag.line, tag.column));
                }
                from = start + 5;
            }
        }
        Spots { loops, ranges }
    }
}

// ---------------------------------------------------------------------------------------------
// Cycles, found before anything renders.

/// A template's body or one of its macros: what can render and call or include others.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Template(String),
    Macro(String, String),
}

impl Unit {
    fn file(&self) -> &str {
        match self {
            Unit::Template(t) | Unit::Macro(t, _) => t,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Extends,
    Includes,
    Imports,
    Calls,
}

#[derive(Debug, Clone)]
struct Edge {
    from: Unit,
    to: Unit,
    kind: Kind,
    line: usize,
    column: usize,
    /// Inside an `if` or a `for` (or another place that may not run), so it may stop by itself.
    conditional: bool,
    /// How the call was written (`self::nav`), for messages.
    written: String,
}

/// What a walk of a body finds: includes and macro calls, and whether each sits under a condition.
enum Found {
    Include(Vec<String>, bool),
    Call(String, String, bool),
}

fn walk_nodes(nodes: &[Node], conditional: bool, found: &mut Vec<Found>) {
    for node in nodes {
        match node {
            Node::VariableBlock(_, e) => walk_expr(e, conditional, found),
            Node::Set(_, set) => walk_expr(&set.value, conditional, found),
            Node::FilterSection(_, section, _) => {
                for arg in section.filter.args.values() {
                    walk_expr(arg, conditional, found);
                }
                walk_nodes(&section.body, conditional, found);
            }
            Node::Block(_, block, _) => walk_nodes(&block.body, conditional, found),
            Node::Forloop(_, forloop, _) => {
                walk_expr(&forloop.container, conditional, found);
                walk_nodes(&forloop.body, true, found);
                if let Some(empty) = &forloop.empty_body {
                    walk_nodes(empty, true, found);
                }
            }
            Node::If(branches, _) => {
                for (n, (_, condition, body)) in branches.conditions.iter().enumerate() {
                    walk_expr(condition, conditional || n > 0, found);
                    walk_nodes(body, true, found);
                }
                if let Some((_, body)) = &branches.otherwise {
                    walk_nodes(body, true, found);
                }
            }
            Node::Include(_, names, _) => found.push(Found::Include(names.clone(), conditional)),
            _ => {}
        }
    }
}

fn walk_expr(expr: &Expr, conditional: bool, found: &mut Vec<Found>) {
    walk_val(&expr.val, conditional, found);
    for filter in &expr.filters {
        // `default`'s value is only worked out when the variable is missing.
        let maybe = conditional || filter.name == "default";
        for arg in filter.args.values() {
            walk_expr(arg, maybe, found);
        }
    }
}

fn walk_val(val: &ExprVal, conditional: bool, found: &mut Vec<Found>) {
    match val {
        ExprVal::Array(items) => items.iter().for_each(|e| walk_expr(e, conditional, found)),
        ExprVal::In(i) => {
            walk_expr(&i.lhs, conditional, found);
            walk_expr(&i.rhs, conditional, found);
        }
        ExprVal::Math(m) => {
            walk_expr(&m.lhs, conditional, found);
            walk_expr(&m.rhs, conditional, found);
        }
        ExprVal::Logic(l) => {
            walk_expr(&l.lhs, conditional, found);
            let short_circuit = matches!(l.operator, LogicOperator::And | LogicOperator::Or);
            walk_expr(&l.rhs, conditional || short_circuit, found);
        }
        ExprVal::Test(t) => t.args.iter().for_each(|e| walk_expr(e, conditional, found)),
        ExprVal::MacroCall(call) => {
            for arg in call.args.values() {
                walk_expr(arg, conditional, found);
            }
            found.push(Found::Call(call.namespace.clone(), call.name.clone(), conditional));
        }
        ExprVal::FunctionCall(call) => call.args.values().for_each(|e| walk_expr(e, conditional, found)),
        ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| walk_val(v, conditional, found)),
        _ => {}
    }
}

/// Which template each macro namespace of `name` points to, the way Tera resolves them: its own
/// macros as `self`, its imports, what those import, then what its parents see.
fn namespaces(name: &str, templates: &BTreeMap<String, Template>, seen: &mut BTreeSet<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let Some(template) = templates.get(name) else { return map };
    if !seen.insert(name.to_string()) {
        return map;
    }
    if !template.macros.is_empty() {
        map.insert("self".to_string(), name.to_string());
    }
    for (file, namespace) in &template.imported_macro_files {
        map.insert(namespace.clone(), file.clone());
        for (k, v) in namespaces(file, templates, seen) {
            map.entry(k).or_insert(v);
        }
    }
    let mut parent = template.parent.clone();
    let mut hops = 0;
    while let (Some(p), true) = (parent, hops < templates.len()) {
        for (k, v) in namespaces(&p, templates, seen) {
            map.entry(k).or_insert(v);
        }
        parent = templates.get(&p).and_then(|t| t.parent.clone());
        hops += 1;
    }
    map
}

fn edges(templates: &BTreeMap<String, Template>, sources: &BTreeMap<String, Source>) -> Vec<Edge> {
    let mut edges = Vec::new();
    let all_names: BTreeMap<&str, BTreeMap<String, String>> = templates.keys().map(|n| (n.as_str(), namespaces(n, templates, &mut BTreeSet::new()))).collect();
    // Inside a block, Tera looks macros up in the block's template even while running a macro from
    // another file, so a macro file can reach the namespaces of the templates that import it.
    let mut borrowed: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for names in all_names.values() {
        for file in names.values() {
            let entry = borrowed.entry(file.as_str()).or_default();
            for (k, v) in names {
                entry.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    for (name, template) in templates {
        let source = &sources[name];
        let here = Unit::Template(name.clone());
        if let Some(parent) = &template.parent {
            let (line, column) = source.statement_with(None, "extends", parent);
            edges.push(Edge {
                from: here.clone(),
                to: Unit::Template(parent.clone()),
                kind: Kind::Extends,
                line,
                column,
                conditional: false,
                written: String::new(),
            });
        }
        for (file, _) in &template.imported_macro_files {
            let (line, column) = source.statement_with(None, "import", file);
            edges.push(Edge {
                from: here.clone(),
                to: Unit::Template(file.clone()),
                kind: Kind::Imports,
                line,
                column,
                conditional: false,
                written: String::new(),
            });
        }
        let names = &all_names[name.as_str()];
        let fallback = borrowed.get(name.as_str());
        let mut bodies: Vec<(Unit, Option<&str>, &[Node])> = vec![(here.clone(), None, &template.ast)];
        for (macro_name, definition) in &template.macros {
            bodies.push((Unit::Macro(name.clone(), macro_name.clone()), Some(macro_name), &definition.body));
        }
        for (unit, in_macro, body) in bodies {
            let mut found = Vec::new();
            walk_nodes(body, false, &mut found);
            for item in found {
                match item {
                    Found::Include(targets, conditional) => {
                        let Some(target) = targets.iter().find(|t| templates.contains_key(*t)) else { continue };
                        let (line, column) = source.statement_with(in_macro, "include", target);
                        edges.push(Edge {
                            from: unit.clone(),
                            to: Unit::Template(target.clone()),
                            kind: Kind::Includes,
                            line,
                            column,
                            conditional,
                            written: String::new(),
                        });
                    }
                    Found::Call(namespace, macro_name, conditional) => {
                        let Some(file) = names.get(&namespace).or_else(|| fallback.and_then(|f| f.get(&namespace))) else { continue };
                        if !templates.get(file).is_some_and(|t| t.macros.contains_key(&macro_name)) {
                            continue;
                        }
                        let written = format!("{namespace}::{macro_name}");
                        let (line, column) = source.find(in_macro, |t| t.inner.contains(&written));
                        edges.push(Edge {
                            from: unit.clone(),
                            to: Unit::Macro(file.clone(), macro_name),
                            kind: Kind::Calls,
                            line,
                            column,
                            conditional,
                            written,
                        });
                    }
                }
            }
        }
    }
    edges
}

/// One shortest cycle through each group of units that reach themselves along `edges`.
fn cycles(edges: &[&Edge]) -> Vec<Vec<Edge>> {
    let mut out: BTreeMap<&Unit, Vec<&Edge>> = BTreeMap::new();
    for edge in edges {
        out.entry(&edge.from).or_default().push(edge);
    }
    let mut covered: BTreeSet<Unit> = BTreeSet::new();
    let mut found = Vec::new();
    for start in out.keys() {
        if covered.contains(*start) {
            continue;
        }
        // Breadth first from `start`, remembering the edge that reached each unit.
        let mut reached: BTreeMap<&Unit, &Edge> = BTreeMap::new();
        let mut queue: VecDeque<&Unit> = VecDeque::from([*start]);
        let mut closing: Option<&Edge> = None;
        'search: while let Some(unit) = queue.pop_front() {
            for edge in out.get(unit).into_iter().flatten() {
                if edge.to == **start {
                    closing = Some(edge);
                    break 'search;
                }
                if !reached.contains_key(&edge.to) {
                    reached.insert(&edge.to, edge);
                    queue.push_back(&edge.to);
                }
            }
        }
        let Some(last) = closing else { continue };
        let mut chain = vec![last.clone()];
        let mut unit = &last.from;
        while unit != *start {
            let Some(edge) = reached.get(unit) else { break };
            chain.push((*edge).clone());
            unit = &edge.from;
        }
        chain.reverse();
        covered.extend(chain.iter().map(|e| e.from.clone()));
        found.push(chain);
    }
    found
}

fn describe_edge(edge: &Edge, sources: &BTreeMap<String, Source>) -> String {
    let label = |unit: &Unit| sources.get(unit.file()).map(|s| s.label.clone()).unwrap_or_else(|| unit.file().to_string());
    let at = if edge.line > 0 { format!("{}:{}", label(&edge.from), edge.line) } else { label(&edge.from) };
    let to = label(&edge.to);
    match (&edge.from, edge.kind) {
        (_, Kind::Extends) => format!("{at} extends {to}"),
        (_, Kind::Imports) => format!("{at} imports {to}"),
        (Unit::Macro(_, m), Kind::Includes) => format!("{at} macro `{m}` includes {to}"),
        (_, Kind::Includes) => format!("{at} includes {to}"),
        (Unit::Macro(_, m), Kind::Calls) => format!("{at} macro `{m}` calls `{}`", edge.written),
        (_, Kind::Calls) => format!("{at} calls `{}`", edge.written),
    }
}

/// Include, import and extends cycles, and macro cycles that no condition can stop, as errors
/// located at the first link of each cycle.
pub fn check_cycles(templates: &BTreeMap<String, Template>, sources: &BTreeMap<String, Source>) -> Vec<Error> {
    let all = edges(templates, sources);
    let mut errors = Vec::new();
    let file_edges: Vec<&Edge> = all.iter().filter(|e| e.kind != Kind::Calls && matches!(e.from, Unit::Template(_))).collect();
    let mut reported: BTreeSet<Unit> = BTreeSet::new();
    for chain in cycles(&file_edges) {
        reported.extend(chain.iter().map(|e| e.from.clone()));
        let links: Vec<String> = chain.iter().map(|e| describe_edge(e, sources)).collect();
        let what = if chain.len() == 1 {
            format!("a template leads back to itself, so rendering would never end: {}", links[0])
        } else {
            format!("templates lead back to each other in a loop, so rendering would never end: {}", links.join(", "))
        };
        errors.push(locate(&chain[0], sources, what).with_hint(
            "remove one of these links: a template cannot include, import or extend itself, directly or through others \
             (to repeat part of a page for nested sections, use a macro that calls itself inside an {% if %})",
        ));
    }
    let unconditional: Vec<&Edge> = all.iter().filter(|e| !e.conditional).collect();
    for chain in cycles(&unconditional) {
        if chain.iter().all(|e| reported.contains(&e.from)) {
            continue;
        }
        let links: Vec<String> = chain.iter().map(|e| describe_edge(e, sources)).collect();
        let what = match (&chain[0].from, chain.len()) {
            (Unit::Macro(_, m), 1) => format!("the macro `{m}` always calls itself, so it would never stop: {}", links[0]),
            _ => format!("these always call each other, so they would never stop: {}", links.join(", ")),
        };
        errors.push(locate(&chain[0], sources, what).with_hint(
            "a macro that calls itself needs a condition that ends it: put the call inside {% if ... %} (for example \
             {% if section.subsections %}) or a {% for %} over a list that gets shorter",
        ));
    }
    errors
}

/// `extends` and `import` of templates that do not exist, located at their tag.
pub fn missing_links(templates: &BTreeMap<String, Template>, sources: &BTreeMap<String, Source>) -> Vec<Error> {
    let mut errors = Vec::new();
    let known: Vec<&str> = templates.keys().map(String::as_str).collect();
    for (name, template) in templates {
        let source = &sources[name];
        let links = template.parent.iter().map(|p| ("extends", p)).chain(template.imported_macro_files.iter().map(|(f, _)| ("import", f)));
        for (word, target) in links {
            if templates.contains_key(target) {
                continue;
            }
            let (line, column) = source.statement_with(None, word, target);
            let verb = if word == "extends" { "extends" } else { "imports" };
            let mut error = Error::at(&source.file, line, column, format!("the template `{name}` {verb} `{target}`, which does not exist"));
            error = match crate::error::suggest(target, &known) {
                Some(close) => error.with_hint(format!("did you mean `{close}`? template names are paths below templates/")),
                None => error.with_hint("template names are paths below templates/ (or the theme's templates/)"),
            };
            errors.push(error);
        }
    }
    errors
}

fn locate(edge: &Edge, sources: &BTreeMap<String, Source>, message: String) -> Error {
    match sources.get(edge.from.file()) {
        Some(source) => Error::at(&source.file, edge.line, edge.column, message),
        None => Error::new(message),
    }
}

// ---------------------------------------------------------------------------------------------
// Probes in the syntax tree.

/// Where each probe sits, for its error message, and how much fixed text it stands for.
#[derive(Debug, Default)]
pub struct Probes {
    spots: Vec<Spot>,
}

#[derive(Debug)]
struct Spot {
    label: String,
    line: usize,
    /// "the macro `nav`", "the template", "the loop", "range()".
    what: String,
    /// Bytes of literal text this probe's body writes each time it runs.
    text: u64,
}

impl Probes {
    fn add(&mut self, label: &str, line: usize, what: String, text: u64) -> i64 {
        self.spots.push(Spot { label: label.to_string(), line, what, text });
        (self.spots.len() - 1) as i64
    }

    fn spot(&self, args: &HashMap<String, Value>, key: &str) -> Option<&Spot> {
        args.get(key).and_then(Value::as_u64).and_then(|i| self.spots.get(i as usize))
    }
}

impl Spot {
    fn place(&self) -> String {
        if self.line > 0 {
            format!("{}:{}", self.label, self.line)
        } else {
            self.label.clone()
        }
    }
}

fn probe_call(name: &str, id: Option<i64>) -> Node {
    let mut args = HashMap::new();
    if let Some(id) = id {
        args.insert("at".to_string(), Expr::new(ExprVal::Int(id)));
    }
    Node::VariableBlock(WS::default(), Expr::new(ExprVal::FunctionCall(FunctionCall { name: name.to_string(), args })))
}

fn probe_filter(name: &str, id: i64) -> FunctionCall {
    FunctionCall { name: name.to_string(), args: HashMap::from([("at".to_string(), Expr::new(ExprVal::Int(id)))]) }
}

/// Adds a filter at the end of `expr`, before a final `safe` (which Tera only sees when it is last).
fn push_filter(expr: &mut Expr, filter: FunctionCall) {
    let at = if expr.filters.last().is_some_and(|f| f.name == "safe") { expr.filters.len() - 1 } else { expr.filters.len() };
    expr.filters.insert(at, filter);
}

/// Whether `expr` builds a new value (and so could grow without end when repeated).
fn builds(expr: &Expr) -> bool {
    matches!(expr.val, ExprVal::StringConcat(_) | ExprVal::Math(_)) || expr.filters.iter().any(|f| f.name != "safe" && f.name != "default")
}

/// Whether Tera escapes `expr`'s text whatever its last filter is: then an added filter changes nothing.
/// (Tera decides escaping from the last filter or function's `is_safe`, and placard's are all unsafe
/// except `qr`.)
fn escaped_anyway(expr: &Expr) -> bool {
    if expr.is_marked_safe() {
        return true;
    }
    if expr.filters.iter().any(|f| f.name != "safe" && f.name != "default") {
        return true;
    }
    match &expr.val {
        ExprVal::Ident(name) => name != "__tera_context",
        ExprVal::String(_) => true,
        ExprVal::FunctionCall(call) => call.name != "qr",
        _ => false,
    }
}

/// Text bytes written directly by `nodes`, not counting loop bodies (their steps count them).
fn text_bytes(nodes: &[Node]) -> u64 {
    nodes
        .iter()
        .map(|node| match node {
            Node::Text(t) | Node::Raw(_, t, _) => t.len() as u64,
            Node::If(branches, _) => {
                branches.conditions.iter().map(|(_, _, b)| text_bytes(b)).sum::<u64>() + branches.otherwise.as_ref().map(|(_, b)| text_bytes(b)).unwrap_or(0)
            }
            Node::Block(_, block, _) => text_bytes(&block.body),
            Node::FilterSection(_, section, _) => text_bytes(&section.body),
            _ => 0,
        })
        .sum()
}

struct Instrument<'a> {
    probes: &'a mut Probes,
    label: &'a str,
    spots: Spots,
    loops_seen: usize,
    ranges_seen: usize,
}

impl Instrument<'_> {
    fn nodes(&mut self, nodes: &mut [Node]) {
        for node in nodes.iter_mut() {
            match node {
                Node::VariableBlock(_, expr) => {
                    self.expr(expr);
                    if escaped_anyway(expr) {
                        let id = self.probes.add(self.label, 0, "output".into(), 0);
                        push_filter(expr, probe_filter(OUT, id));
                    }
                }
                Node::Set(_, set) => {
                    self.expr(&mut set.value);
                    if builds(&set.value) {
                        let id = self.probes.add(self.label, 0, format!("the variable `{}`", set.key), 0);
                        push_filter(&mut set.value, probe_filter(VALUE, id));
                    }
                }
                Node::FilterSection(_, section, _) => {
                    section.filter.args.values_mut().for_each(|e| self.expr(e));
                    self.nodes(&mut section.body);
                }
                Node::Block(_, block, _) => self.nodes(&mut block.body),
                Node::Forloop(_, forloop, _) => {
                    let (line, _) = self.spots.loops.get(self.loops_seen).copied().unwrap_or((0, 0));
                    self.loops_seen += 1;
                    self.expr(&mut forloop.container);
                    self.nodes(&mut forloop.body);
                    let id = self.probes.add(self.label, line, "the loop".into(), text_bytes(&forloop.body));
                    forloop.body.insert(0, probe_call(STEP, Some(id)));
                    if let Some(empty) = &mut forloop.empty_body {
                        self.nodes(empty);
                    }
                }
                Node::If(branches, _) => {
                    for (_, condition, body) in &mut branches.conditions {
                        self.expr(condition);
                        self.nodes(body);
                    }
                    if let Some((_, body)) = &mut branches.otherwise {
                        self.nodes(body);
                    }
                }
                Node::MacroDefinition(_, definition, _) => {
                    definition.args.values_mut().flatten().for_each(|e| self.expr(e));
                    self.nodes(&mut definition.body);
                    let what = format!("the macro `{}`", definition.name);
                    let line = 0;
                    let id = self.probes.add(self.label, line, what, text_bytes(&definition.body));
                    definition.body.insert(0, probe_call(ENTER, Some(id)));
                    definition.body.push(probe_call(LEAVE, None));
                }
                _ => {}
            }
        }
    }

    fn expr(&mut self, expr: &mut Expr) {
        self.val(&mut expr.val);
        for filter in &mut expr.filters {
            filter.args.values_mut().for_each(|e| self.expr(e));
        }
    }

    fn val(&mut self, val: &mut ExprVal) {
        match val {
            ExprVal::Array(items) => items.iter_mut().for_each(|e| self.expr(e)),
            ExprVal::In(i) => {
                self.expr(&mut i.lhs);
                self.expr(&mut i.rhs);
            }
            ExprVal::Math(m) => {
                self.expr(&mut m.lhs);
                self.expr(&mut m.rhs);
            }
            ExprVal::Logic(l) => {
                self.expr(&mut l.lhs);
                self.expr(&mut l.rhs);
            }
            ExprVal::Test(t) => t.args.iter_mut().for_each(|e| self.expr(e)),
            ExprVal::MacroCall(call) => {
                for (key, arg) in call.args.iter_mut() {
                    self.expr(arg);
                    if builds(arg) {
                        let id = self.probes.add(self.label, 0, format!("the argument `{key}` of `{}::{}`", call.namespace, call.name), 0);
                        push_filter(arg, probe_filter(VALUE, id));
                    }
                }
            }
            ExprVal::FunctionCall(call) => self.function(call),
            ExprVal::StringConcat(concat) => concat.values.iter_mut().for_each(|v| self.val(v)),
            _ => {}
        }
    }

    fn function(&mut self, call: &mut FunctionCall) {
        // Arguments first: that is the order their tags appear in, for `range(end=range(...))`.
        call.args.values_mut().for_each(|e| self.expr(e));
        if call.name == "range" {
            let (line, _) = self.spots.ranges.get(self.ranges_seen).copied().unwrap_or((0, 0));
            self.ranges_seen += 1;
            let id = self.probes.add(self.label, line, "range()".into(), 0);
            call.args.insert(AT.to_string(), Expr::new(ExprVal::Int(id)));
        }
    }
}

/// Puts the probes into `template` (a freshly parsed one) and re-derives the copies of its macros
/// and blocks that Tera keeps beside the tree.
pub fn instrument(template: &mut Template, source: &Source, probes: &mut Probes) {
    let mut walk = Instrument { probes, label: &source.label, spots: Spots::of(source), loops_seen: 0, ranges_seen: 0 };
    walk.nodes(&mut template.ast);
    // Macro lines: the probes above were added without them; fill them in by name.
    for node in &template.ast {
        if let Node::MacroDefinition(_, definition, _) = node {
            if let Some(Node::VariableBlock(_, e)) = definition.body.first() {
                if let ExprVal::FunctionCall(call) = &e.val {
                    if let Some(ExprVal::Int(id)) = call.args.get("at").map(|a| &a.val) {
                        let (line, _) = source.find(None, |t| t.statement && t.word() == "macro" && first_word(t.inner[5..].trim_start()) == definition.name);
                        walk.probes.spots[*id as usize].line = line;
                    }
                }
            }
        }
    }
    let id = walk.probes.add(&source.label, 0, "the template".into(), text_bytes(&template.ast));
    template.ast.insert(0, probe_call(ENTER, Some(id)));
    template.ast.push(probe_call(LEAVE, None));

    template.macros = template
        .ast
        .iter()
        .filter_map(|n| match n {
            Node::MacroDefinition(_, d, _) => Some((d.name.clone(), d.clone())),
            _ => None,
        })
        .collect();
    let mut blocks = HashMap::new();
    collect_blocks(&template.ast, &mut blocks);
    template.blocks = blocks;
}

fn collect_blocks(nodes: &[Node], blocks: &mut HashMap<String, Block>) {
    for node in nodes {
        if let Node::Block(_, block, _) = node {
            blocks.insert(block.name.clone(), block.clone());
            collect_blocks(&block.body, blocks);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The probes at render time. One file renders on one thread from start to end, so the counters
// are per thread, and [`reset`] starts them afresh for each file.

#[derive(Clone, Copy, Default)]
struct Counters {
    depth: usize,
    steps: u64,
    bytes: u64,
    /// Set when a probe stopped the render, so the caller can give the matching hint.
    tripped: Option<&'static str>,
    started: Option<Instant>,
}

thread_local! {
    static COUNTERS: Cell<Counters> = const { Cell::new(Counters { depth: 0, steps: 0, bytes: 0, tripped: None, started: None }) };
}

/// Starts the counters afresh: call before rendering a file.
pub fn reset() {
    COUNTERS.set(Counters { started: Some(Instant::now()), ..Counters::default() });
}

/// The hint for the probe that stopped the last render on this thread, if one did.
pub fn tripped() -> Option<&'static str> {
    COUNTERS.get().tripped
}

fn trip(hint: &'static str, message: String) -> tera::Error {
    let mut c = COUNTERS.get();
    c.tripped = Some(hint);
    COUNTERS.set(c);
    tera::Error::msg(message)
}

/// Counts `bytes` more of output, and checks the time; `c` is written back by the caller, so the trip
/// is marked on it.
fn add_bytes(c: &mut Counters, bytes: u64, spot: Option<&Spot>) -> tera::Result<()> {
    // The last resort for what the counts let through (each step doing something very slow). It only
    // ever turns a render into an error, so the clock never reaches the output.
    if c.started.is_some_and(|t| t.elapsed() > MAX_TIME) {
        c.tripped = Some(BUDGET_HINT);
        let place = spot.map(|s| format!(" ({} at {})", s.what, s.place())).unwrap_or_default();
        return Err(tera::Error::msg(format!("this file took more than {} s to render{place}, so placard stopped it", MAX_TIME.as_secs())));
    }
    c.bytes = c.bytes.saturating_add(bytes);
    if c.bytes > MAX_OUTPUT {
        c.tripped = Some(BUDGET_HINT);
        let place = spot.map(|s| format!(" ({} at {})", s.what, s.place())).unwrap_or_default();
        return Err(tera::Error::msg(format!("this file grew past {} MB while rendering{place}, so placard stopped it", MAX_OUTPUT >> 20)));
    }
    Ok(())
}

/// Registers the probes' functions and filters, and the bounded `range`, on `tera`.
pub fn register(tera: &mut Tera, probes: Arc<Probes>) {
    let p = probes.clone();
    tera.register_function(ENTER, move |args: &HashMap<String, Value>| {
        let spot = p.spot(args, "at");
        let mut c = COUNTERS.get();
        c.depth += 1;
        if c.depth > MAX_DEPTH {
            COUNTERS.set(c);
            let place = spot.map(|s| format!("{} at {}", s.what, s.place())).unwrap_or_else(|| "a macro".into());
            return Err(trip(
                DEPTH_HINT,
                format!("{place} is nested more than {MAX_DEPTH} levels deep (macros calling macros, or templates including templates), so placard stopped it"),
            ));
        }
        let result = add_bytes(&mut c, spot.map(|s| s.text).unwrap_or(0), spot);
        COUNTERS.set(c);
        result.map(|_| Value::String(String::new()))
    });
    tera.register_function(LEAVE, |_: &HashMap<String, Value>| {
        let mut c = COUNTERS.get();
        c.depth = c.depth.saturating_sub(1);
        COUNTERS.set(c);
        Ok(Value::String(String::new()))
    });
    let p = probes.clone();
    tera.register_function(STEP, move |args: &HashMap<String, Value>| {
        let spot = p.spot(args, "at");
        let mut c = COUNTERS.get();
        c.steps += 1;
        if c.steps > MAX_STEPS {
            COUNTERS.set(c);
            let place = spot.map(|s| format!("the loop at {}", s.place())).unwrap_or_else(|| "a loop".into());
            return Err(trip(BUDGET_HINT, format!("{place} went past {MAX_STEPS} loop steps for one file, so placard stopped it")));
        }
        let result = add_bytes(&mut c, spot.map(|s| s.text).unwrap_or(0), spot);
        COUNTERS.set(c);
        result.map(|_| Value::String(String::new()))
    });
    let p = probes.clone();
    tera.register_filter(OUT, move |value: &Value, args: &HashMap<String, Value>| {
        let size = match value {
            Value::String(s) => s.len() as u64,
            Value::Array(a) => a.len() as u64,
            Value::Object(o) => o.len() as u64,
            _ => 8,
        };
        let mut c = COUNTERS.get();
        let result = add_bytes(&mut c, size, p.spot(args, "at"));
        COUNTERS.set(c);
        result.map(|_| value.clone())
    });
    let p = probes.clone();
    tera.register_filter(VALUE, move |value: &Value, args: &HashMap<String, Value>| {
        let spot = p.spot(args, "at");
        let place = || spot.map(|s| format!("{} in {}", s.what, s.label)).unwrap_or_else(|| "a value".into());
        match value {
            Value::String(s) if s.len() > MAX_VALUE => {
                Err(trip(BUDGET_HINT, format!("{} grew past {} MB of text, so placard stopped it", place(), MAX_VALUE >> 20)))
            }
            Value::Array(a) if a.len() > MAX_ITEMS => Err(trip(BUDGET_HINT, format!("{} grew past {MAX_ITEMS} items, so placard stopped it", place()))),
            _ => Ok(value.clone()),
        }
    });
    let p = probes;
    tera.register_function("range", move |args: &HashMap<String, Value>| range(args, p.spot(args, AT)));
}

/// Tera's `range(start=0, end, step_by=1)`, refusing to make more than [`MAX_RANGE`] numbers.
fn range(args: &HashMap<String, Value>, spot: Option<&Spot>) -> tera::Result<Value> {
    let place = spot.map(|s| format!(" at {}", s.place())).unwrap_or_default();
    let number = |key: &str, default: Option<i64>| -> tera::Result<i64> {
        match args.get(key) {
            None => default.ok_or_else(|| tera::Error::msg(format!("range(){place} needs `end`, like range(end=10)"))),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
                .ok_or_else(|| tera::Error::msg(format!("range(){place}: `{key}` must be a whole number, not {v}"))),
        }
    };
    let start = number("start", Some(0))?;
    let end = number("end", None)?;
    let step = number("step_by", Some(1))?;
    if step <= 0 {
        return Err(format!("range(){place}: `step_by` must be 1 or more").into());
    }
    if start > end {
        return Err(format!("range(){place}: `start` ({start}) is greater than `end` ({end})").into());
    }
    let count = ((end as i128 - start as i128) + step as i128 - 1) / step as i128;
    if count > MAX_RANGE as i128 {
        return Err(trip(
            BUDGET_HINT,
            format!("range(){place} would make {count} numbers; placard allows at most {MAX_RANGE} in one range, so it stopped this render"),
        ));
    }
    Ok(Value::Array((0..count as i64).map(|i| Value::from(start + i * step)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(list: &[(&str, &str)]) -> (BTreeMap<String, Template>, BTreeMap<String, Source>) {
        let mut templates = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for (name, text) in list {
            templates.insert(name.to_string(), Template::new(name, None, text).unwrap());
            sources.insert(name.to_string(), Source::new(name, format!("templates/{name}"), PathBuf::from(format!("templates/{name}")), text));
        }
        (templates, sources)
    }

    fn messages(list: &[(&str, &str)]) -> Vec<String> {
        let (t, s) = parsed(list);
        check_cycles(&t, &s).into_iter().map(|e| format!("{}:{} {}", e.location.map(|l| l.line).unwrap_or(0), "", e.message)).collect()
    }

    #[test]
    fn finds_include_cycles_with_lines() {
        let m = messages(&[("a.html", "x\n\n{% include \"b.html\" %}"), ("b.html", "y\ny\ny\ny\n{% if x %}{% include 'a.html' %}{% endif %}")]);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("templates/a.html:3 includes templates/b.html, templates/b.html:5 includes templates/a.html"), "{m:?}");
        let m = messages(&[("a.html", "{% include \"a.html\" %}")]);
        assert!(m[0].contains("templates/a.html:1 includes templates/a.html"), "{m:?}");
    }

    #[test]
    fn finds_import_and_extends_cycles() {
        let m = messages(&[("a.html", "{% import \"b.html\" as b %}{% macro x() %}{% endmacro %}"), ("b.html", "{% import \"a.html\" as a %}")]);
        assert!(m[0].contains("imports templates/b.html") && m[0].contains("imports templates/a.html"), "{m:?}");
        let m = messages(&[("a.html", "{% extends \"b.html\" %}"), ("b.html", "{% extends \"c.html\" %}"), ("c.html", "{% extends \"b.html\" %}")]);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("templates/b.html:1 extends templates/c.html, templates/c.html:1 extends templates/b.html"), "{m:?}");
    }

    #[test]
    fn unconditional_macro_recursion_is_an_error_but_guarded_recursion_is_not() {
        let m = messages(&[("m.html", "{% macro f(n) %}\n{{ self::f(n=n) }}{% endmacro %}")]);
        assert!(m[0].contains("templates/m.html:2 macro `f` calls `self::f`"), "{m:?}");
        let m = messages(&[("m.html", "{% macro f(n) %}{% if n > 0 %}{{ self::f(n=n - 1) }}{% endif %}{% endmacro %}")]);
        assert!(m.is_empty(), "{m:?}");
        // Across files, through an import.
        let m = messages(&[
            ("a.html", "{% import \"b.html\" as b %}{% macro f() %}{{ b::g() }}{% endmacro %}"),
            ("b.html", "{% import \"a.html\" as a %}{% macro g() %}{{ a::f() }}{% endmacro %}"),
        ]);
        assert!(m.iter().any(|x| x.contains("imports")), "{m:?}");
    }

    #[test]
    fn macro_cycles_across_files_imported_side_by_side_are_found() {
        // page imports both files; inside its blocks, each file's macro can reach the other's.
        let m = messages(&[
            ("page.html", "{% extends \"base.html\" %}{% import \"m1.html\" as a %}{% import \"m2.html\" as b %}{% block x %}{{ a::f() }}{% endblock x %}"),
            ("base.html", "{% block x %}{% endblock x %}"),
            ("m1.html", "{% macro f() %}{{ b::g() }}{% endmacro %}"),
            ("m2.html", "\n{% macro g() %}{{ a::f() }}{% endmacro %}"),
        ]);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("templates/m1.html:1 macro `f` calls `b::g`, templates/m2.html:2 macro `g` calls `a::f`"), "{m:?}");
    }

    #[test]
    fn tags_skip_comments_raw_and_quoted_delimiters() {
        let tags = scan_tags("{# {% include 'x' %} #}\n{% raw %}{% include 'y' %}{% endraw %}\n{{ \"%}}\" }}{%- for a in b -%}");
        let words: Vec<&str> = tags.iter().map(|t| t.word()).collect();
        assert_eq!(words, ["raw", "endraw", "", "for"]);
        assert_eq!((tags[3].line, tags[3].column), (3, 12));
    }

    #[test]
    fn range_is_bounded() {
        let args = HashMap::from([("end".to_string(), Value::from(1e9))]);
        assert!(range(&args, None).unwrap_err().to_string().contains("at most"));
        let args = HashMap::from([("start".to_string(), Value::from(2)), ("end".to_string(), Value::from(9)), ("step_by".to_string(), Value::from(3))]);
        assert_eq!(range(&args, None).unwrap(), serde_json::json!([2, 5, 8]));
    }
}
