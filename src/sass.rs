//! `compile_sass = true`: every `.scss` and `.sass` file under the site's (and the theme's) `sass/`
//! folder becomes a `.css` file at the same place below the output root, as in Zola. Files whose
//! name starts with `_` are partials: they are only imported, never written on their own.

use std::path::Path;

use walkdir::WalkDir;

use crate::error::{Error, Errors};
use crate::output::{Entry, Origin, Output};

/// Compiles the `sass/` folder of `dir` into `output`. With `theme`, the files may be replaced by the
/// site's own (same path), as theme static files are.
pub fn compile_folder(dir: &Path, theme: bool, output: &mut Output) -> Result<(), Errors> {
    let sass = dir.join("sass");
    if !sass.is_dir() {
        return Ok(());
    }
    let mut errors = Errors::default();
    let walker = WalkDir::new(&sass).sort_by_file_name().into_iter().filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(Error::in_file(e.path().unwrap_or(&sass), format!("could not read this: {e}")));
                continue;
            }
        };
        let path = entry.path();
        let is_sass = path.extension().is_some_and(|x| x == "scss" || x == "sass");
        if !entry.file_type().is_file() || !is_sass || entry.file_name().to_string_lossy().starts_with('_') {
            continue;
        }
        let Some(relative) = path.strip_prefix(&sass).ok().and_then(|r| r.with_extension("css").to_str().map(|s| s.replace('\\', "/"))) else {
            errors.push(Error::in_file(path, "this file name is not valid UTF-8").with_hint("rename it"));
            continue;
        };
        match compile_file(path) {
            Ok(css) => {
                let origin = Origin { theme_static: theme, ..Origin::new("a compiled Sass file", Some(path)) };
                if theme {
                    output.claim(relative, Entry::Bytes(css.into_bytes()), origin);
                } else {
                    output.claim_over_theme(relative, Entry::Bytes(css.into_bytes()), origin);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// One Sass file to CSS, its imports read relative to it. An error names the file and line.
fn compile_file(path: &Path) -> Result<String, Error> {
    let options = grass_compiler::Options::default().style(grass_compiler::OutputStyle::Compressed);
    grass_compiler::from_path(path, &options).map_err(|e| {
        let text = e.to_string();
        let line = text.lines().find_map(|l| l.split_whitespace().next().and_then(|n| n.parse::<usize>().ok())).unwrap_or(0);
        let first = text.lines().next().unwrap_or("").trim_start_matches("Error: ").to_string();
        Error::at(path, line, 1, format!("this Sass file does not compile: {first}"))
            .with_hint("fix the line shown; files whose name starts with `_` are partials, imported with @use or @import")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_compile_and_partials_are_only_imported() {
        let dir = tempfile::tempdir().unwrap();
        let sass = dir.path().join("sass");
        std::fs::create_dir_all(sass.join("deep")).unwrap();
        std::fs::write(sass.join("_colours.scss"), "$ink: #123;\n").unwrap();
        std::fs::write(sass.join("main.scss"), "@import 'colours';\nbody { p { color: $ink; } }\n").unwrap();
        std::fs::write(sass.join("deep/indented.sass"), "a\n  margin: 0\n").unwrap();
        let mut output = Output::default();
        compile_folder(dir.path(), false, &mut output).unwrap();
        let Some(Entry::Bytes(css)) = output.get("main.css") else { panic!("main.css missing") };
        assert!(String::from_utf8_lossy(css).contains("body p{color:#123}"));
        assert!(output.contains("deep/indented.css"));
        assert!(!output.contains("_colours.css") && !output.contains("colours.css"));
        std::fs::write(sass.join("bad.scss"), "a {\n  color: $missing;\n}\n").unwrap();
        let errors = compile_folder(dir.path(), false, &mut Output::default()).unwrap_err();
        assert!(errors[0].message.contains("does not compile"), "{}", errors[0].message);
        assert_eq!(errors[0].location.as_ref().unwrap().line, 2);
    }
}
