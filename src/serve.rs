//! `placard serve`: builds into memory, serves the site on loopback, rebuilds when a source file
//! changes and reloads open browsers. A failed rebuild keeps the last good site online and shows the
//! error in the terminal and, as an overlay, in the browser.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::error::{Error, Errors};
use crate::feeds::decode_percent;
use crate::output::{Entry, Output};
use crate::render::values::Shapes;
use crate::site::{BuildOptions, Site};

/// Where the live-reload script and its stylesheet are served; no site file can live there.
const INTERNAL: &str = "/__placard/";

/// What the server shows: the last good build, and the current error if the last build failed.
struct State {
    output: Output,
    /// The last good build's site and page shapes, for re-rendering one edited page.
    built: Option<(Site, Arc<Shapes>)>,
    /// Bumped after every build, good or bad; browsers wait for it to change.
    generation: u64,
    /// The last build's errors, rendered for the overlay.
    error: Option<String>,
    /// Whether the last change touched only stylesheets, so browsers can swap CSS without a reload.
    css_only: bool,
}

/// Shared between the HTTP threads and the rebuild loop.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// Serves `options.root` on `interface:port` until the process is stopped.
pub fn serve(options: BuildOptions, interface: &str, port: u16, open: bool) -> Result<(), Error> {
    let listener = TcpListener::bind((interface, port)).map_err(|e| {
        Error::new(format!("could not listen on {interface}:{port}: {e}")).with_hint("another program may use this port; try --port 0 to pick a free one")
    })?;
    let address = listener.local_addr().map_err(|e| Error::new(e.to_string()))?;
    let base_url = format!("http://{address}");
    let mut options = options;
    options.base_url = Some(base_url.clone());

    let started = Instant::now();
    let (output, built, error) = match build(&options) {
        Ok((site, output, shapes)) => (output, Some((site, shapes)), None),
        Err(errors) => {
            print_errors(&errors, &options.root);
            (Output::default(), None, Some(overlay_text(&errors, &options.root)))
        }
    };
    let state = State { output, built, generation: 1, error, css_only: false };
    let shared = Arc::new(Shared { state: Mutex::new(state), changed: Condvar::new() });
    println!("serving {} at {base_url}/ (built in {} ms); press Ctrl+C to stop", options.root.display(), started.elapsed().as_millis());
    if interface != "127.0.0.1" && interface != "localhost" && interface != "::1" {
        eprintln!("warning: serving on {interface}, so other machines can reach this preview");
    }
    if open {
        let _ = std::process::Command::new("xdg-open").arg(format!("{base_url}/")).spawn();
    }
    let watcher_shared = shared.clone();
    std::thread::spawn(move || watch(options, watcher_shared));
    for stream in listener.incoming().flatten() {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = handle(stream, &shared);
        });
    }
    Ok(())
}

fn build(options: &BuildOptions) -> Result<(Site, Output, Arc<Shapes>), Errors> {
    let site = Site::load(options)?;
    let (output, shapes) = site.render_keeping_shapes()?;
    print_errors(&site.warnings, &options.root);
    Ok((site, output, shapes))
}

/// Prints a line; a closed terminal must not take the server down with it (println! would panic).
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn print_errors(errors: &Errors, root: &Path) {
    for e in &errors.0 {
        let _ = write!(std::io::stderr(), "{}", e.render(root));
    }
}

fn overlay_text(errors: &Errors, root: &Path) -> String {
    errors.0.iter().filter(|e| !e.is_warning()).map(|e| e.render(root)).collect::<Vec<_>>().join("\n")
}

/// Rebuilds after changes to content, templates, themes, static files, data or the config.
fn watch(options: BuildOptions, shared: Arc<Shared>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let Ok(mut watcher) = notify::recommended_watcher(tx) else {
        eprintln!("error: cannot watch files on this system; edits will not be picked up");
        return;
    };
    let root = if options.root.as_os_str().is_empty() { PathBuf::from(".") } else { options.root.clone() };
    for part in ["content", "templates", "themes", "static", "data", "config.toml"] {
        let path = root.join(part);
        if path.exists() {
            let _ = watcher.watch(&path, RecursiveMode::Recursive);
        }
    }
    while let Ok(first) = rx.recv() {
        // Editors save in bursts (temporary file, rename, chmod): wait until they are done.
        let mut events = vec![first];
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(60)) {
            events.push(more);
        }
        // Reading a file is an event too (the build itself reads them all): only changes count.
        let mut paths: Vec<PathBuf> = events
            .into_iter()
            .flatten()
            .filter(|e| {
                matches!(e.kind, EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any))
            })
            .flat_map(|e| e.paths)
            .filter(|p| !is_editor_noise(p))
            .collect();
        paths.sort();
        paths.dedup();
        if paths.is_empty() {
            continue;
        }
        let css_only = paths.iter().all(|p| p.extension().is_some_and(|e| e == "css"));
        let started = Instant::now();
        let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        // One Markdown file whose front matter did not change: re-render only what shows it.
        let quick = match (&paths[..], state.built.take()) {
            ([path], Some((mut site, mut shapes))) if path.extension().is_some_and(|e| e == "md") && state.error.is_none() => {
                let State { output, .. } = &mut *state;
                let result = site.update_page_body(&mut shapes, output, path);
                state.built = Some((site, shapes));
                result
            }
            (_, built) => {
                state.built = built;
                None
            }
        };
        match quick {
            Some(Ok(files)) => {
                state.error = None;
                say(&format!("updated {files} files in {} ms after a change to {}", started.elapsed().as_millis(), shown(&paths[0], &root)));
            }
            Some(Err(errors)) => {
                print_errors(&errors, &options.root);
                let _ = writeln!(std::io::stderr(), "the last good build is still being served");
                state.error = Some(overlay_text(&errors, &options.root));
                // The site in memory may now be half updated: the next change rebuilds it all.
                state.built = None;
            }
            None => {
                drop(state);
                let result = build(&options);
                state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                match result {
                    Ok((site, output, shapes)) => {
                        state.output = output;
                        state.built = Some((site, shapes));
                        state.error = None;
                        say(&format!("rebuilt in {} ms after a change to {}", started.elapsed().as_millis(), shown(&paths[0], &root)));
                    }
                    Err(errors) => {
                        print_errors(&errors, &options.root);
                        let _ = writeln!(std::io::stderr(), "the last good build is still being served");
                        state.error = Some(overlay_text(&errors, &options.root));
                    }
                }
            }
        }
        state.css_only = css_only && state.error.is_none();
        state.generation += 1;
        drop(state);
        shared.changed.notify_all();
    }
}

fn shown(path: &Path, root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root).unwrap_or(path).display().to_string()
}

fn is_editor_noise(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.starts_with(".#") || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".swx") || name == "4913"
}

/// Answers one request: the site's files, the live-reload endpoints, or the site's 404 page.
fn handle(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read and drop the headers; nothing here depends on them.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain; charset=utf-8", b"only GET and HEAD", method == "HEAD");
    }
    let head = method == "HEAD";
    let raw_path = target.split(['?', '#']).next().unwrap_or("/");
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    if let Some(endpoint) = raw_path.strip_prefix(INTERNAL) {
        return internal(&mut stream, shared, endpoint, query, head);
    }
    let Some(path) = site_file(raw_path) else {
        return respond(&mut stream, "403 Forbidden", "text/plain; charset=utf-8", b"this path is not part of the site", head);
    };
    let state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    let (status, path) = if state.output.contains(&path) {
        ("200 OK", path)
    } else if state.output.contains(&format!("{path}/index.html")) {
        // A folder asked for without its slash: send the browser to the canonical URL.
        let location = format!("{}/", raw_path.trim_end_matches('/'));
        drop(state);
        let head_text = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return stream.write_all(head_text.as_bytes());
    } else {
        ("404 Not Found", "404.html".to_string())
    };
    let body = match state.output.get(&path) {
        Some(Entry::Bytes(bytes)) => bytes.clone(),
        Some(Entry::Copy(source)) => std::fs::read(source).unwrap_or_default(),
        None => b"404 Not Found".to_vec(),
    };
    drop(state);
    let kind = content_type(&path);
    if kind.starts_with("text/html") {
        let body = inject_reload(&body);
        return respond(&mut stream, status, kind, &body, head);
    }
    respond(&mut stream, status, kind, &body, head)
}

/// Maps a request path to an output path, or `None` for anything that could leave the site:
/// `..` in any spelling (decoded first, so `%2e%2e` and `..%2f` are caught), backslashes, NULs.
fn site_file(raw: &str) -> Option<String> {
    let decoded = decode_percent(raw);
    if decoded.contains('\\') || decoded.contains('\0') || !decoded.starts_with('/') {
        return None;
    }
    let relative = decoded.trim_start_matches('/');
    if Path::new(relative).components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    if relative.split('/').any(|part| part == "." || part == "..") {
        return None;
    }
    if relative.is_empty() {
        Some("index.html".into())
    } else if relative.ends_with('/') {
        Some(format!("{relative}index.html"))
    } else {
        Some(relative.to_string())
    }
}

/// The live-reload endpoints: the script, its overlay stylesheet, and a long poll for changes.
fn internal(stream: &mut TcpStream, shared: &Shared, endpoint: &str, query: &str, head: bool) -> std::io::Result<()> {
    match endpoint {
        "livereload.js" => respond(stream, "200 OK", "text/javascript; charset=utf-8", LIVERELOAD_JS.as_bytes(), head),
        "overlay.css" => respond(stream, "200 OK", "text/css; charset=utf-8", OVERLAY_CSS.as_bytes(), head),
        "wait" => {
            // Long poll: answer when the generation differs from the one the page was built from.
            let seen: u64 = query.split('&').find_map(|kv| kv.strip_prefix("since=")).and_then(|v| v.parse().ok()).unwrap_or(0);
            let state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let (state, _) = shared.changed.wait_timeout_while(state, Duration::from_secs(25), |s| s.generation == seen).unwrap_or_else(|e| e.into_inner());
            let body = serde_json::json!({ "generation": state.generation, "error": state.error, "css_only": state.css_only }).to_string();
            drop(state);
            respond(stream, "200 OK", "application/json", body.as_bytes(), head)
        }
        _ => respond(stream, "404 Not Found", "text/plain; charset=utf-8", b"not found", head),
    }
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8], head: bool) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    // Drain what the client may still send so closing does not reset the connection.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(10)));
    let mut sink = [0u8; 512];
    let _ = stream.read(&mut sink);
    Ok(())
}

/// Adds the live-reload script to an HTML page (served with `defer`, so it never blocks rendering).
fn inject_reload(body: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{INTERNAL}livereload.js\" defer></script>");
    let html = String::from_utf8_lossy(body);
    match html.rfind("</body>") {
        Some(at) => format!("{}{tag}{}", &html[..at], &html[at..]).into_bytes(),
        None => format!("{html}{tag}").into_bytes(),
    }
}

/// Content types for what a campaign site holds.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("").to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "webmanifest" => "application/manifest+json",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Waits for the next build; reloads the page, swaps stylesheets, or shows the error overlay.
const LIVERELOAD_JS: &str = r#"(function () {
  var generation = 0;
  function overlay(text) {
    var box = document.getElementById('placard-overlay');
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      var css = document.createElement('link');
      css.rel = 'stylesheet'; css.href = '/__placard/overlay.css';
      document.head.appendChild(css);
      box = document.createElement('div');
      box.id = 'placard-overlay'; box.setAttribute('role', 'alert');
      document.body.appendChild(box);
    }
    box.textContent = '构建失败，仍在显示上一次成功的版本\n\n' + text;
  }
  function poll() {
    fetch('/__placard/wait?since=' + generation, {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (s) {
      var first = generation === 0;
      if (!first && s.generation !== generation && !s.error) {
        if (s.css_only) {
          document.querySelectorAll('link[rel=stylesheet]').forEach(function (l) { var u = new URL(l.href); u.searchParams.set('v', s.generation); l.href = u.toString(); });
        } else { location.reload(); return; }
      }
      generation = s.generation;
      overlay(s.error);
      poll();
    }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"#;

const OVERLAY_CSS: &str = "#placard-overlay{position:fixed;inset:0;z-index:2147483647;margin:0;padding:1.5rem;overflow:auto;background:rgba(20,0,0,.94);color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_site() {
        assert_eq!(site_file("/").as_deref(), Some("index.html"));
        assert_eq!(site_file("/news/").as_deref(), Some("news/index.html"));
        assert_eq!(site_file("/%E6%94%BF%E7%AD%96/").as_deref(), Some("政策/index.html"));
        for bad in ["/../etc/passwd", "/%2e%2e/etc/passwd", "/..%2fetc/passwd", "/a/..%2F..%2Fetc", "/%2E%2E%5Cwin.ini", "/a/%00", "/./x"] {
            assert_eq!(site_file(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/site.webmanifest"), "application/manifest+json");
        assert_eq!(content_type("qr/x.svg"), "image/svg+xml");
        assert_eq!(content_type("print/a.pdf"), "application/pdf");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("atom.xml"), "application/xml; charset=utf-8");
    }
}
