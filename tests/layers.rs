//! The crate's layers only point down: no top-level module uses one that uses it back, directly or
//! through others. Read from the source, as a reader would: every `crate::x` path (including
//! `crate::{x, y}` groups) outside comments and the unit tests of a file counts as a use of `x`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules it uses.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        let top = relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        // A file's unit tests may reach anywhere; they are not part of its layer.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let found = uses.entry(top.clone()).or_default();
        for line in code.lines().map(|l| l.split("//").next().unwrap_or("")) {
            for (i, _) in line.match_indices("crate::") {
                let rest = &line[i + "crate::".len()..];
                let first_name = |text: &str| text.trim_start().split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("").to_string();
                let names: Vec<String> = match rest.strip_prefix('{') {
                    Some(group) => group.split('}').next().unwrap_or("").split(',').map(first_name).collect(),
                    None => vec![first_name(rest)],
                };
                found.extend(names.into_iter().filter(|n| !n.is_empty() && *n != top));
            }
        }
    }
    let modules: BTreeSet<String> = uses.keys().cloned().collect();
    for used in uses.values_mut() {
        used.retain(|m| modules.contains(m));
    }
    uses
}

/// A path from `from` to `to` through the uses, if there is one.
fn path(uses: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(trail) = stack.pop() {
        let last = trail.last().unwrap().clone();
        for next in &uses[&last] {
            let mut longer = trail.clone();
            longer.push(next.clone());
            if next == to {
                return Some(longer);
            }
            if seen.insert(next.clone()) {
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let uses = uses();
    assert!(uses.len() > 20 && uses["render"].contains("content"), "the scan found the modules and their uses: {uses:?}");
    let mut cycles = Vec::new();
    for (module, used) in &uses {
        for other in used {
            if let Some(back) = path(&uses, other, module) {
                cycles.push(format!("{module} → {}", back.join(" → ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_ground_floor_and_content_use_nothing_above_them() {
    let uses = uses();
    for (module, allowed) in [
        ("urls", &[][..]),
        ("html", &[]),
        ("text", &[]),
        ("timing", &[]),
        ("locations", &["error"]),
        ("content", &["config", "error", "locations", "urls", "serde_errors", "text", "phone"]),
        ("campaign", &["channels", "config", "content", "error", "print"]),
    ] {
        let above: Vec<&String> = uses[module].iter().filter(|m| !allowed.contains(&m.as_str())).collect();
        assert!(above.is_empty(), "`{module}` uses {above:?}, which sit above it");
    }
}
