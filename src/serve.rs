//! `placard serve`: builds into memory, serves the site on loopback, rebuilds when a source file
//! changes and reloads open browsers. A failed rebuild keeps the last good site online and shows the
//! error in the terminal and, as an overlay, in the browser.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode};

use crate::error::{Error, Errors};
use crate::output::{Entry, Output};
use crate::render::values::Shapes;
use crate::render::{Preview, PreviousBodies};
use crate::site::{BuildOptions, Site};
use crate::urls::decode_percent;

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
    /// The files of this round served before the rest of it was rendered (see [`Preview`]): the
    /// generation that served them, and their paths. A browser that reloaded one of them then
    /// need not reload again when the round ends.
    early: Option<(u64, Vec<String>)>,
    /// Whether the current generation is such an early step, with the rest of the round to come.
    partial: bool,
}

/// Shared between the HTTP threads and the rebuild loop.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// The port and the interface given on the command line, for checking Host headers.
    port: u16,
    interface: String,
    /// Connections being served now, held to [`MAX_CONNECTIONS`].
    connections: AtomicUsize,
    /// The HTML files served lately, newest first: a rebuild renders them first.
    recent: Mutex<Vec<String>>,
}

/// How many recently served pages a rebuild renders first.
const RECENT_PAGES: usize = 8;

/// Counts a connection for as long as it is served (the count is raised when the slot is taken).
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
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
    let (output, built, error) = match build(&options, None) {
        Ok((site, output, shapes)) => (output, Some((site, shapes)), None),
        Err(errors) => {
            print_errors(&errors, &options.root);
            (Output::default(), None, Some(overlay_text(&errors, &options.root)))
        }
    };
    let state = State { output, built, generation: 1, error, css_only: false, early: None, partial: false };
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        changed: Condvar::new(),
        port: address.port(),
        interface: interface.to_string(),
        connections: AtomicUsize::new(0),
        recent: Mutex::new(Vec::new()),
    });
    println!("serving {} at {base_url}/ (built in {} ms); press Ctrl+C to stop", options.root.display(), started.elapsed().as_millis());
    if interface != "127.0.0.1" && interface != "localhost" && interface != "::1" {
        eprintln!("warning: serving on {interface}, so other machines can reach this preview");
    }
    if open {
        if let Err(e) = open::that_detached(format!("{base_url}/")) {
            eprintln!("warning: could not open a browser ({e}); open {base_url}/ yourself");
        }
    }
    let watcher_shared = shared.clone();
    std::thread::spawn(move || watch(options, watcher_shared));
    for stream in listener.incoming().flatten() {
        let busy = shared.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS;
        let slot = Slot(shared.clone());
        if busy {
            let mut stream = stream;
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n");
            // Read what already arrived (briefly: this is the accept loop), so closing sends the
            // answer rather than a reset.
            let _ = stream.shutdown(Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
            let _ = stream.read(&mut [0u8; 4096]);
            continue;
        }
        // When no thread can be made, the closure is dropped: the connection closes and the slot frees.
        let _ = std::thread::Builder::new().spawn(move || {
            let _ = handle(stream, &slot.0);
            drop(slot);
        });
    }
    Ok(())
}

fn build(options: &BuildOptions, preview: Option<&Preview>) -> Result<(Site, Output, Arc<Shapes>), Errors> {
    let site = Site::load(options)?;
    let (output, shapes) = site.render_keeping_shapes(preview)?;
    print_errors(&site.warnings, &options.root);
    Ok((site, output, shapes))
}

/// Prints a line; a closed terminal must not take the server down with it (println! would panic).
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn print_errors(errors: &Errors, root: &Path) {
    for e in errors.iter() {
        let _ = write!(std::io::stderr(), "{}", e.render(root));
    }
}

fn overlay_text(errors: &Errors, root: &Path) -> String {
    errors.iter().filter(|e| !e.is_warning()).map(|e| e.render(root)).collect::<Vec<_>>().join("\n")
}

/// Rebuilds after changes to content, templates, themes, static files, data or the config.
fn watch(options: BuildOptions, shared: Arc<Shared>) {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<PathBuf>>();
    // Set as soon as an edit comes in: the rest of a rebuild that is still rendering is then
    // abandoned, since the next one renders everything again.
    let newer_edit = Arc::new(AtomicBool::new(false));
    let flag = newer_edit.clone();
    // Editors save in bursts (temporary file, rename, chmod): the debouncer waits until a burst is
    // over and hands it on as one batch.
    let handler = move |batch: notify_debouncer_full::DebounceEventResult| match batch {
        Ok(events) => {
            let paths = changed_paths(events);
            if !paths.is_empty() {
                flag.store(true, Ordering::SeqCst);
                let _ = tx.send(paths);
            }
        }
        Err(errors) => {
            for e in errors {
                eprintln!("warning: watching files: {e}");
            }
        }
    };
    let Ok(mut debouncer) = notify_debouncer_full::new_debouncer(Duration::from_millis(50), None, handler) else {
        eprintln!("error: cannot watch files on this system; edits will not be picked up");
        return;
    };
    let root = if options.root.as_os_str().is_empty() { PathBuf::from(".") } else { options.root.clone() };
    for part in ["content", "templates", "themes", "static", "data", "config.toml"] {
        let path = root.join(part);
        if path.exists() {
            if let Err(e) = debouncer.watch(&path, RecursiveMode::Recursive) {
                eprintln!("warning: cannot watch {}: {e}; edits there will not be picked up", path.display());
            }
        }
    }
    while let Ok(mut paths) = rx.recv() {
        // Edits that came in meanwhile join this round.
        newer_edit.store(false, Ordering::SeqCst);
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        paths.sort();
        paths.dedup();
        let css_only = paths.iter().all(|p| p.extension().is_some_and(|e| e == "css"));
        let started = Instant::now();
        // The edited page and the pages browsers have open are rendered, and served, first.
        let sources: Vec<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
        let outputs: Vec<String> = shared.recent.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let publish = |files: Vec<(String, Vec<u8>)>| publish_early(&shared, files);
        let preview = Preview { outputs: &outputs, sources: &sources, publish: &publish, previous: None, newer_edit: &newer_edit };
        // A stylesheet edit is swapped in without a reload, so nothing goes first.
        let preview = (!css_only).then_some(&preview);
        // Rendering runs without the lock, so the server goes on answering from the last build.
        let (built, healthy) = {
            let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            state.early = None;
            (state.built.take(), state.error.is_none())
        };
        // One Markdown file whose front matter did not change: re-render only what shows it.
        let mut changes = Output::default();
        let (quick, built) = match (&paths[..], built) {
            ([path], Some((mut site, mut shapes))) if path.extension().is_some_and(|e| e == "md") && healthy => {
                let result = site.update_page_body(&mut shapes, &mut changes, path, preview);
                (result, Some((site, shapes)))
            }
            (_, built) => (None, built),
        };
        let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        match quick {
            Some(Ok(files)) => {
                for (path, entry) in changes.iter() {
                    state.output.add_entry(path.clone(), entry.clone());
                }
                state.built = built;
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
                // After edits to Markdown or to templates other than shortcodes, the bodies that
                // cannot have changed are kept (see `PreviousBodies`).
                let bodies_kept = paths.iter().all(|p| match p.extension().and_then(|e| e.to_str()) {
                    Some("md") => true,
                    Some("html") => !p.components().any(|c| c.as_os_str() == "shortcodes"),
                    _ => false,
                });
                let previous = built.as_ref().filter(|_| bodies_kept && healthy).map(|(site, shapes)| PreviousBodies::of(&site.library, &site.config, shapes));
                let with_previous = preview.map(|p| Preview { previous: previous.as_ref(), ..*p });
                state.built = built;
                drop(state);
                let result = build(&options, with_previous.as_ref());
                state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                match result {
                    Ok((site, output, shapes)) => {
                        state.output = output;
                        state.built = Some((site, shapes));
                        state.error = None;
                        say(&format!("rebuilt in {} ms after a change to {}", started.elapsed().as_millis(), shown(&paths[0], &root)));
                    }
                    // Abandoned for a newer edit: the next round builds it, and browsers wait for that.
                    Err(_) if newer_edit.load(Ordering::SeqCst) => continue,
                    Err(errors) => {
                        print_errors(&errors, &options.root);
                        let _ = writeln!(std::io::stderr(), "the last good build is still being served");
                        state.error = Some(overlay_text(&errors, &options.root));
                    }
                }
            }
        }
        state.partial = false;
        state.css_only = css_only && state.error.is_none();
        state.generation += 1;
        drop(state);
        shared.changed.notify_all();
    }
}

/// The files a batch of file events changed. Reading a file is an event too (the build itself reads
/// them all): only changes count.
fn changed_paths(events: Vec<notify_debouncer_full::DebouncedEvent>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = events
        .into_iter()
        .map(|e| e.event)
        .filter(|e| {
            matches!(e.kind, EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any))
        })
        .flat_map(|e| e.paths)
        .filter(|p| !is_editor_noise(p))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Serves the first files of a round at once (see [`Preview`]); browsers showing one of them
/// reload now, the others when the round ends. If the round then fails, these files stay served
/// beside the error overlay, as the edited page would be on the next good build.
fn publish_early(shared: &Shared, files: Vec<(String, Vec<u8>)>) {
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    if files.is_empty() || state.error.is_some() {
        return;
    }
    let paths = files.iter().map(|(path, _)| path.clone()).collect();
    for (path, bytes) in files {
        state.output.add(path, bytes);
    }
    state.generation += 1;
    state.early = Some((state.generation, paths));
    state.partial = true;
    drop(state);
    shared.changed.notify_all();
}

/// Notes that a page was served, for [`Preview`].
fn remember(shared: &Shared, path: &str) {
    let mut recent = shared.recent.lock().unwrap_or_else(|e| e.into_inner());
    recent.retain(|p| p != path);
    recent.insert(0, path.to_string());
    recent.truncate(RECENT_PAGES);
}

fn shown(path: &Path, root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root).unwrap_or(path).display().to_string()
}

fn is_editor_noise(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.starts_with(".#") || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".swx") || name == "4913"
}

/// Reads one request head and answers it: the site's files, the live-reload endpoints, or the site's
/// 404 page. Anything oversized, slow, malformed or addressed to another host is refused here.
fn handle(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut reader = BufReader::with_capacity(4096, stream.try_clone()?);
    let mut stream = stream;
    let request = match read_head(&mut reader, Instant::now() + HEAD_DEADLINE) {
        Ok(request) => request,
        Err(Refusal::Closed) => return Ok(()),
        Err(refusal) => {
            let (status, text) = refusal.answer();
            return refuse(&mut stream, status, text);
        }
    };
    let head = request.method == "HEAD";
    if request.method != "GET" && !head {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain; charset=utf-8", b"only GET and HEAD", head);
    }
    match &request.host {
        None => return respond(&mut stream, "400 Bad Request", "text/plain; charset=utf-8", b"a request without a Host header is not answered", head),
        Some(host) => {
            let local = stream.local_addr()?.ip().to_canonical();
            if !host_allowed(host, shared.port, local, &shared.interface) {
                let text = format!(
                    "this preview answers only to http://localhost:{port}/ and http://{local_host}:{port}/, not to `{shown}`: \
                     a page on another site must not read it (DNS rebinding)\n",
                    port = shared.port,
                    local_host = url_host(local),
                    shown = host.chars().take(100).collect::<String>()
                );
                return respond(&mut stream, "403 Forbidden", "text/plain; charset=utf-8", text.as_bytes(), head);
            }
        }
    }
    let target = request.target.as_str();
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
    // Copy what is needed and let go of the lock before writing: a slow client must not stall
    // the rebuild or the other clients.
    let entry = match state.output.get(&path) {
        Some(Entry::Bytes(bytes)) => Body::Bytes(bytes.clone()),
        Some(Entry::Copy(source)) => Body::File(source.clone()),
        None => Body::Bytes(b"404 Not Found".to_vec()),
    };
    drop(state);
    let kind = content_type(&path);
    let html = kind.starts_with("text/html");
    if html && status.starts_with("200") {
        remember(shared, &path);
    }
    match entry {
        Body::Bytes(body) if html => respond(&mut stream, status, kind, &inject_reload(&body), head),
        Body::Bytes(body) => respond(&mut stream, status, kind, &body, head),
        Body::File(source) => send_file(&mut stream, status, kind, &path, &source, html, head),
    }
}

/// Limits on a request head. Browsers send far less; anything larger is an attack or a mistake,
/// and is refused before it is held in memory.
const MAX_REQUEST_LINE: usize = 8 * 1024;
const MAX_HEADER_LINE: usize = 8 * 1024;
const MAX_HEADER_BYTES: usize = 32 * 1024;
const MAX_HEADERS: usize = 100;
/// The whole head must arrive within this time, however slowly it trickles in (slowloris).
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// A client that stops reading is dropped after this long without progress.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; more get a short 503 instead of a thread each.
const MAX_CONNECTIONS: usize = 256;
/// HTML files copied from `static/` are read whole only up to this size, to add the reload script.
const MAX_INJECTED_HTML: u64 = 16 * 1024 * 1024;

/// What a request asks for, as far as this server cares.
struct Request {
    method: String,
    target: String,
    host: Option<String>,
}

/// Why a request head was not accepted.
#[derive(Debug, PartialEq)]
enum Refusal {
    /// The client closed the connection, or sent nothing before the deadline: nobody to answer.
    Closed,
    TimedOut,
    UriTooLong,
    HeadersTooLarge,
    Malformed(&'static str),
}

impl Refusal {
    fn answer(&self) -> (&'static str, &'static str) {
        match self {
            Refusal::Closed => ("400 Bad Request", ""),
            Refusal::TimedOut => ("408 Request Timeout", "the request did not arrive in time\n"),
            Refusal::UriTooLong => ("414 URI Too Long", "the request line is longer than 8 KiB\n"),
            Refusal::HeadersTooLarge => ("431 Request Header Fields Too Large", "the request headers are larger than this preview accepts\n"),
            Refusal::Malformed(why) => ("400 Bad Request", why),
        }
    }
}

/// What to send: bytes from the build in memory, or a source file streamed from disk.
enum Body {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// Reads the request line and headers within `deadline`, never holding more than the limits.
fn read_head(reader: &mut BufReader<TcpStream>, deadline: Instant) -> Result<Request, Refusal> {
    let mut line = Vec::new();
    match read_line(reader, MAX_REQUEST_LINE, deadline, &mut line) {
        Ok(true) => {}
        Ok(false) if line.is_empty() => return Err(Refusal::Closed),
        Ok(false) => return Err(Refusal::Malformed("the request ended early\n")),
        Err(LineError::TooLong) => return Err(Refusal::UriTooLong),
        Err(LineError::TimedOut) if line.is_empty() => return Err(Refusal::Closed),
        Err(LineError::TimedOut) => return Err(Refusal::TimedOut),
        Err(LineError::Io) => return Err(Refusal::Closed),
    }
    let text = std::str::from_utf8(&line).map_err(|_| Refusal::Malformed("the request line is not UTF-8\n"))?;
    let mut parts = text.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(Refusal::Malformed("the request line needs a method and a path\n"));
    };
    let mut request = Request { method: method.to_string(), target: target.to_string(), host: None };
    let (mut count, mut total) = (0, 0);
    loop {
        line.clear();
        match read_line(reader, MAX_HEADER_LINE, deadline, &mut line) {
            Ok(true) => {}
            Ok(false) => return Err(Refusal::Malformed("the request ended inside its headers\n")),
            Err(LineError::TooLong) => return Err(Refusal::HeadersTooLarge),
            Err(LineError::TimedOut) => return Err(Refusal::TimedOut),
            Err(LineError::Io) => return Err(Refusal::Closed),
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            return Ok(request);
        }
        count += 1;
        total += line.len();
        if count > MAX_HEADERS || total > MAX_HEADER_BYTES {
            return Err(Refusal::HeadersTooLarge);
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(Refusal::Malformed("a header line has no colon\n"));
        };
        if name.trim().eq_ignore_ascii_case("host") {
            if request.host.is_some() {
                return Err(Refusal::Malformed("the request has two Host headers\n"));
            }
            request.host = Some(value.trim().to_string());
        }
    }
}

enum LineError {
    TooLong,
    TimedOut,
    Io,
}

/// Appends one line (up to and including `\n`) to `line`; `Ok(false)` when the stream ended first.
/// Stops as soon as the line passes `limit`, so a client cannot make the server hold more.
fn read_line(reader: &mut BufReader<TcpStream>, limit: usize, deadline: Instant, line: &mut Vec<u8>) -> Result<bool, LineError> {
    loop {
        let left = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()).ok_or(LineError::TimedOut)?;
        reader.get_ref().set_read_timeout(Some(left)).map_err(|_| LineError::Io)?;
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => return Err(LineError::TimedOut),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(LineError::Io),
        };
        if available.is_empty() {
            return Ok(false);
        }
        let room = limit.saturating_sub(line.len());
        let window = &available[..available.len().min(room)];
        if let Some(at) = window.iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&window[..=at]);
            reader.consume(at + 1);
            return Ok(true);
        }
        let taken = window.len();
        line.extend_from_slice(window);
        reader.consume(taken);
        if line.len() >= limit {
            return Err(LineError::TooLong);
        }
    }
}

/// Whether `host` (a Host header) names this server: `localhost`, a loopback address, the address
/// the connection arrived on, or the interface given on the command line, with the right port.
/// Anything else is a name that resolved here by accident or by DNS rebinding.
fn host_allowed(host: &str, port: u16, local: IpAddr, interface: &str) -> bool {
    let (name, given_port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else { return false };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return false,
            },
        };
        (inside, port)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let port_ok = match given_port {
        None => port == 80,
        Some(p) => p.parse::<u16>().ok() == Some(port) && !p.starts_with('+'),
    };
    if !port_ok || name.is_empty() {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") || (!interface.is_empty() && name.eq_ignore_ascii_case(interface.trim_matches(['[', ']']))) {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback() || ip.to_canonical() == local,
        Err(_) => false,
    }
}

/// An address as it appears in a URL's host.
fn url_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Answers a refused head and closes without reading the rest into memory: what the client still
/// sends is read into a small buffer and dropped for a moment, so that it receives the answer
/// instead of a reset.
fn refuse(stream: &mut TcpStream, status: &str, text: &str) -> std::io::Result<()> {
    if !text.is_empty() {
        let header =
            format!("HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len());
        stream.write_all(header.as_bytes())?;
    }
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 16 * 1024];
    let mut dropped = 0usize;
    while dropped < 8 * 1024 * 1024 {
        let Some(left) = until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else { break };
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => dropped += n,
        }
    }
    Ok(())
}

/// Streams a source file in chunks (the kernel copies it where it can), so that many clients
/// downloading a large file do not each hold a copy. A file that cannot be read is a 500 that says
/// which one and why, never an empty 200.
fn send_file(stream: &mut TcpStream, status: &str, kind: &str, path: &str, source: &Path, html: bool, head: bool) -> std::io::Result<()> {
    let opened = std::fs::File::open(source).and_then(|file| {
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(std::io::Error::other("it is a folder"));
        }
        Ok((file, meta.len()))
    });
    let (mut file, length) = match opened {
        Ok(found) => found,
        Err(e) => return unreadable(stream, path, source, &e, head),
    };
    if html && length <= MAX_INJECTED_HTML {
        let mut body = Vec::with_capacity(length as usize);
        if let Err(e) = file.read_to_end(&mut body) {
            return unreadable(stream, path, source, &e, head);
        }
        return respond(stream, status, kind, &inject_reload(&body), head);
    }
    let header = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\n{COMMON_HEADERS}\r\n");
    stream.write_all(header.as_bytes())?;
    if !head {
        // The length is promised in the header: never send more, even if the file grew meanwhile.
        let sent = std::io::copy(&mut file.take(length), stream)?;
        if sent < length {
            let _ = writeln!(std::io::stderr(), "warning: {} shrank while it was being served; the browser got a short copy", source.display());
        }
    }
    Ok(())
}

fn unreadable(stream: &mut TcpStream, path: &str, source: &Path, error: &std::io::Error, head: bool) -> std::io::Result<()> {
    let text = format!(
        "placard could not read {} (served as /{path}): {error}\nhint: check that the file exists and that its permissions let you read it; the rest of the site is still served\n",
        source.display()
    );
    let _ = write!(std::io::stderr(), "error: {text}");
    respond(stream, "500 Internal Server Error", "text/plain; charset=utf-8", text.as_bytes(), head)
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
            let early = state.early.as_ref().map(|(generation, paths)| serde_json::json!({ "generation": generation, "paths": paths }));
            let body = serde_json::json!({ "generation": state.generation, "error": state.error, "css_only": state.css_only, "partial": state.partial, "early": early })
                .to_string();
            drop(state);
            respond(stream, "200 OK", "application/json", body.as_bytes(), head)
        }
        _ => respond(stream, "404 Not Found", "text/plain; charset=utf-8", b"not found", head),
    }
}

/// Headers every answer carries: nothing is cached, nothing is sniffed, and each connection serves one request.
const COMMON_HEADERS: &str = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8], head: bool) -> std::io::Result<()> {
    let header = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{COMMON_HEADERS}\r\n", body.len());
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
  // This page's file in the site, as the server names it: /a/ is a/index.html.
  var here = decodeURIComponent(location.pathname).replace(/^\/+/, '');
  if (here === '' || /\/$/.test(here)) here += 'index.html';
  function poll() {
    fetch('/__placard/wait?since=' + generation, {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (s) {
      var first = generation === 0;
      // Files served early in a rebuild: this page reloads when it is one of them, and then not
      // again when the rebuild ends; the other pages wait for the end.
      var early = !!s.early && s.early.paths.indexOf(here) >= 0;
      if (!first && s.generation !== generation && !s.error) {
        if (s.partial) {
          if (early) { location.reload(); return; }
        } else if (early && generation === s.early.generation) {
          // Already showing this rebuild's version.
        } else if (s.css_only) {
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

    /// Serves `output` on a loopback port for one request at a time; returns the port.
    fn serve_output(output: Output) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = State { output, built: None, generation: 1, error: None, css_only: false, early: None, partial: false };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            changed: Condvar::new(),
            port,
            interface: "127.0.0.1".into(),
            recent: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = handle(stream, &shared);
            }
        });
        port
    }

    fn ask(port: u16, request: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn a_file_that_cannot_be_read_is_a_500_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("present.bin");
        std::fs::write(&present, b"0123456789").unwrap();
        let mut output = Output::default();
        output.copy("gone.png", dir.path().join("gone.png"));
        output.copy("folder.css", dir.path().to_path_buf());
        output.copy("present.bin", present);
        let port = serve_output(output);
        for (path, source) in [("/gone.png", "gone.png"), ("/folder.css", "")] {
            let answer = ask(port, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
            assert!(answer.starts_with("HTTP/1.1 500 "), "{path}: {answer}");
            let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
            assert!(body.contains("could not read") && body.contains(source) && body.contains("hint:"), "{path}: {body}");
        }
        let answer = ask(port, &format!("GET /present.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        assert!(answer.starts_with("HTTP/1.1 200 ") && answer.contains("Content-Length: 10\r\n") && answer.ends_with("\r\n\r\n0123456789"), "{answer}");
        let answer = ask(port, &format!("HEAD /present.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        assert!(answer.contains("Content-Length: 10\r\n") && answer.ends_with("\r\n\r\n"), "HEAD sends no body: {answer}");
    }

    #[test]
    fn heads_over_the_limits_are_refused() {
        let port = serve_output(Output::default());
        let host = format!("Host: 127.0.0.1:{port}\r\n");
        let long_path = "a".repeat(MAX_REQUEST_LINE);
        assert!(ask(port, &format!("GET /{long_path} HTTP/1.1\r\n{host}\r\n")).starts_with("HTTP/1.1 414 "));
        let long_header = format!("X-Big: {}\r\n", "b".repeat(MAX_HEADER_LINE));
        assert!(ask(port, &format!("GET / HTTP/1.1\r\n{host}{long_header}\r\n")).starts_with("HTTP/1.1 431 "));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
        assert!(ask(port, &format!("GET / HTTP/1.1\r\n{host}{many}\r\n")).starts_with("HTTP/1.1 431 "));
        assert!(ask(port, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").starts_with("HTTP/1.1 400 "));
        assert!(ask(port, "GET / HTTP/1.1\r\nNo colon here\r\n\r\n").starts_with("HTTP/1.1 400 "));
        assert!(ask(port, "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 400 "), "no Host header");
        // Within the limits, the same server answers (here with its plain 404).
        assert!(ask(port, &format!("GET / HTTP/1.1\r\n{host}X-Fine: {}\r\n\r\n", "c".repeat(4000))).starts_with("HTTP/1.1 404 "));
    }

    #[test]
    fn only_this_servers_own_names_are_answered() {
        let here: IpAddr = "127.0.0.1".parse().unwrap();
        for good in ["127.0.0.1:8000", "localhost:8000", "LocalHost:8000", "[::1]:8000", "127.0.0.2:8000"] {
            assert!(host_allowed(good, 8000, here, "127.0.0.1"), "{good}");
        }
        for bad in [
            "evil.example:8000",
            "evil.example",
            "127.0.0.1:8001",
            "localhost",
            "localhost:+8000",
            "localhost:8000:8000",
            "127.0.0.1.nip.io:8000",
            "[::1]x:8000",
            "[::1",
            ":8000",
            "",
            "192.168.1.5:8000",
        ] {
            assert!(!host_allowed(bad, 8000, here, "127.0.0.1"), "{bad}");
        }
        // Served on all interfaces, the address a client reached is this server's own name.
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        assert!(host_allowed("192.168.1.5:8000", 8000, lan, "0.0.0.0"));
        assert!(!host_allowed("192.168.1.6:8000", 8000, lan, "0.0.0.0"));
        assert!(host_allowed("preview.lan:80", 80, lan, "preview.lan"));
        assert!(host_allowed("preview.lan", 80, lan, "preview.lan"));
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
