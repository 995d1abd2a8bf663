//! A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`), with
//! no network port and no extra dependencies. Print export and the real-browser tests use it.
//!
//! Hand-written on purpose: the DevTools crates talk over a WebSocket, which means a listening port
//! that any local program could reach; the pipe reaches only this process. Every read and write has a
//! deadline, so a Chromium that hangs or dies becomes an error within [`Browser::timeout`], never a
//! hang. The pipe needs Unix file descriptors; on other platforms [`Browser::launch`] says so.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::error::Error;

/// The names Chromium goes by on Linux distributions, tried in order on `PATH`.
const CANDIDATES: &[&str] = &["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

/// How long one DevTools call may take when `PLACARD_BROWSER_TIMEOUT` does not say otherwise.
/// Printing a long letter to PDF takes a few seconds on a slow office PC; a minute is far beyond that.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Finds a Chromium: `$PLACARD_CHROME` when set, else the first candidate on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PLACARD_CHROME") {
        return Some(PathBuf::from(path));
    }
    let paths = std::env::var_os("PATH")?;
    CANDIDATES.iter().find_map(|name| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// The timeout for DevTools calls: `PLACARD_BROWSER_TIMEOUT` (seconds) when set and valid, else
/// [`DEFAULT_TIMEOUT`].
pub fn default_timeout() -> Duration {
    timeout_from(std::env::var("PLACARD_BROWSER_TIMEOUT").ok().as_deref())
}

/// Seconds as written in `PLACARD_BROWSER_TIMEOUT`; anything unusable means the default.
fn timeout_from(setting: Option<&str>) -> Duration {
    setting
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// A running headless browser. It is killed when dropped.
pub struct Browser {
    #[cfg(unix)]
    inner: unix::Pipe,
    #[cfg(not(unix))]
    never: std::convert::Infallible,
    /// Events received while waiting for replies, oldest first.
    pub events: VecDeque<Value>,
    timeout: Duration,
}

impl Browser {
    /// The longest one call (or one wait in [`Browser::wait_for`]) may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Changes the timeout of later calls.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Opens a new tab; returns (target id, session id).
    pub fn new_page(&mut self) -> Result<(String, String), Error> {
        let target = self.call("Target.createTarget", serde_json::json!({"url": "about:blank"}), None)?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached = self.call("Target.attachToTarget", serde_json::json!({"targetId": target_id, "flatten": true}), None)?;
        let session = attached["sessionId"].as_str().ok_or_else(|| Error::new("the browser did not open a page"))?;
        Ok((target_id, session.to_string()))
    }

    /// Closes a tab opened with [`Browser::new_page`].
    pub fn close_page(&mut self, target_id: &str) -> Result<(), Error> {
        self.call("Target.closeTarget", serde_json::json!({"targetId": target_id}), None).map(|_| ())
    }
}

#[cfg(unix)]
mod unix {
    //! The pipe itself: Chromium reads commands on its fd 3 and writes replies on its fd 4, each
    //! message ending in a NUL byte.

    use std::collections::VecDeque;
    use std::fs::File;
    use std::io::{ErrorKind, Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};

    use super::{default_timeout, Browser};
    use crate::error::Error;

    /// Chromium's stderr, kept in its throw-away profile and quoted when it fails.
    const STDERR_NAME: &str = "chromium-stderr.log";

    /// The process and our ends of its two pipes.
    pub(super) struct Pipe {
        child: Child,
        program: PathBuf,
        to_browser: File,
        from_browser: File,
        /// Bytes read but not yet returned as a message.
        pending: Vec<u8>,
        next_id: u64,
        profile: PathBuf,
    }

    impl Browser {
        /// Starts `chromium` headless with a fresh, throw-away profile and no background networking.
        /// Calls time out after [`super::default_timeout`].
        pub fn launch(chromium: &Path) -> Result<Browser, Error> {
            Browser::launch_with_timeout(chromium, default_timeout())
        }

        /// Like [`Browser::launch`], with calls timing out after `timeout`.
        pub fn launch_with_timeout(chromium: &Path, timeout: Duration) -> Result<Browser, Error> {
            let profile = std::env::temp_dir().join(format!("placard-chromium-{}-{}", std::process::id(), unique()));
            std::fs::create_dir_all(&profile).map_err(|e| Error::io(&profile, "create the browser profile", e))?;
            match spawn(chromium, &profile) {
                Ok((child, to_browser, from_browser)) => {
                    let inner = Pipe { child, program: chromium.to_path_buf(), to_browser, from_browser, pending: Vec::new(), next_id: 0, profile };
                    Ok(Browser { inner, events: VecDeque::new(), timeout })
                }
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&profile);
                    Err(e)
                }
            }
        }

        /// Sends a DevTools command (to a page when `session` is given) and waits for its result,
        /// at most [`Browser::timeout`].
        pub fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Result<Value, Error> {
            let deadline = Instant::now() + self.timeout;
            let pipe = &mut self.inner;
            pipe.next_id += 1;
            let id = pipe.next_id;
            let mut message = json!({ "id": id, "method": method, "params": params });
            if let Some(s) = session {
                message["sessionId"] = json!(s);
            }
            let mut bytes = serde_json::to_vec(&message).map_err(|e| Error::new(e.to_string()))?;
            bytes.push(0);
            pipe.send(&bytes, deadline, method, self.timeout)?;
            loop {
                let reply = self.inner.receive(deadline, method, self.timeout)?;
                if reply.get("id").and_then(Value::as_u64) == Some(id) {
                    if let Some(error) = reply.get("error") {
                        return Err(Error::new(format!("the browser refused `{method}`: {error}")));
                    }
                    return Ok(reply.get("result").cloned().unwrap_or(Value::Null));
                }
                self.events.push_back(reply);
            }
        }

        /// Waits until an event named `method` arrives (or `timeout` passes), keeping all events seen.
        pub fn wait_for(&mut self, method: &str, timeout: Duration) -> Result<Value, Error> {
            if let Some(found) = self.events.iter().find(|e| e["method"] == method) {
                return Ok(found.clone());
            }
            let deadline = Instant::now() + timeout;
            loop {
                let event = self.inner.receive(deadline, method, timeout)?;
                let hit = event["method"] == method;
                self.events.push_back(event.clone());
                if hit {
                    return Ok(event);
                }
            }
        }
    }

    impl Pipe {
        /// Writes all of `bytes` before `deadline`; the write end is non-blocking, so a browser that
        /// stops reading cannot block us once the pipe's buffer is full.
        fn send(&mut self, mut bytes: &[u8], deadline: Instant, method: &str, timeout: Duration) -> Result<(), Error> {
            while !bytes.is_empty() {
                match self.to_browser.write(bytes) {
                    Ok(0) => return Err(self.gone(method)),
                    Ok(n) => bytes = &bytes[n..],
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        if !wait_until_ready(self.to_browser.as_raw_fd(), libc::POLLOUT, deadline) {
                            return Err(self.silent(method, timeout));
                        }
                    }
                    Err(_) => return Err(self.gone(method)),
                }
            }
            Ok(())
        }

        /// Reads the next NUL-terminated message before `deadline`.
        fn receive(&mut self, deadline: Instant, method: &str, timeout: Duration) -> Result<Value, Error> {
            loop {
                if let Some(end) = self.pending.iter().position(|&b| b == 0) {
                    let message: Vec<u8> = self.pending.drain(..=end).collect();
                    return serde_json::from_slice(&message[..end]).map_err(|e| Error::new(format!("the browser sent something unreadable: {e}")));
                }
                if !wait_until_ready(self.from_browser.as_raw_fd(), libc::POLLIN, deadline) {
                    return Err(self.silent(method, timeout));
                }
                let mut chunk = [0u8; 64 * 1024];
                match self.from_browser.read(&mut chunk) {
                    Ok(0) => return Err(self.gone(method)),
                    Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                    Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
                    Err(e) => return Err(Error::new(format!("reading from the browser failed: {e}"))),
                }
            }
        }

        /// The error for a browser that answered nothing in time.
        fn silent(&mut self, method: &str, timeout: Duration) -> Error {
            let state = match self.child.try_wait() {
                Ok(Some(status)) => format!("it exited ({status})"),
                _ => "it is still running but stuck".to_string(),
            };
            Error::new(format!(
                "the browser `{}` did not answer `{method}` within {} s: {state}{}",
                self.program.display(),
                seconds(timeout),
                self.stderr_tail()
            ))
            .with_hint("close other programs if the machine is busy and try again; set PLACARD_BROWSER_TIMEOUT=120 (seconds) to wait longer")
        }

        /// The error for a browser whose end of the pipe closed: it exited or crashed.
        fn gone(&mut self, method: &str) -> Error {
            // The pipe closes as the process exits; give it a moment to be reaped for its status.
            let mut status = None;
            for _ in 0..50 {
                if let Ok(Some(s)) = self.child.try_wait() {
                    status = Some(s);
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let how = status.map(|s| format!(" ({s})")).unwrap_or_default();
            Error::new(format!(
                "the browser `{}` closed its connection before answering `{method}`: it exited or crashed{how}{}",
                self.program.display(),
                self.stderr_tail()
            ))
            .with_hint(format!(
                "run `{} --headless --remote-debugging-pipe about:blank` by hand to see why; it must be a complete Chromium or Chrome",
                self.program.display()
            ))
        }

        /// The last lines Chromium wrote to stderr, to say why it failed.
        fn stderr_tail(&self) -> String {
            let Ok(text) = std::fs::read_to_string(self.profile.join(STDERR_NAME)) else { return String::new() };
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if lines.is_empty() {
                return String::new();
            }
            let tail = lines[lines.len().saturating_sub(5)..].join("\n  ");
            format!("; it said:\n  {tail}")
        }
    }

    impl Drop for Pipe {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.profile);
        }
    }

    /// Starts the process with the pipe on its fds 3 and 4. All four ends are owned, so every one
    /// is closed on every path, including a failed spawn; the child's ends close when this returns.
    fn spawn(chromium: &Path, profile: &Path) -> Result<(Child, File, File), Error> {
        let (theirs_in, ours_to) = pipe()?;
        let (ours_from, theirs_out) = pipe()?;
        let stderr = File::create(profile.join(STDERR_NAME)).map(Stdio::from).unwrap_or_else(|_| Stdio::null());
        let mut command = Command::new(chromium);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--mute-audio",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let (child_in, child_out) = (theirs_in.as_raw_fd(), theirs_out.as_raw_fd());
        // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
        // calls are allowed: it calls fcntl and dup2 and allocates nothing (`last_os_error` only
        // reads errno). `child_in` and `child_out` are open in the child, because the OwnedFds they
        // come from live until `spawn` below has returned.
        unsafe {
            command.pre_exec(move || {
                // Move both ends out of the way first, in case either already is 3 or 4. The copies are
                // close-on-exec; dup2 clears the flag on 3 and 4, so the browser inherits just those.
                let a = libc::fcntl(child_in, libc::F_DUPFD_CLOEXEC, 10);
                let b = libc::fcntl(child_out, libc::F_DUPFD_CLOEXEC, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| {
            Error::new(format!("could not start the browser `{}`: {e}", chromium.display()))
                .with_hint("check the path given with --chrome or PLACARD_CHROME, or install Chromium (apt-get install chromium)")
        })?;
        // Our copies of the child's ends must close now, or we would never see the browser exit.
        drop((theirs_in, theirs_out));
        set_nonblocking(&ours_to)?;
        Ok((child, File::from(ours_to), File::from(ours_from)))
    }

    /// A close-on-exec pipe as (read end, write end), so that other processes started meanwhile do
    /// not inherit it (the browser gets its two ends through `pre_exec` instead).
    fn pipe() -> Result<(OwnedFd, OwnedFd), Error> {
        let mut fds = [-1 as libc::c_int; 2];
        let failed = || Error::new(format!("could not create a pipe to the browser: {}", std::io::Error::last_os_error()));
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd", target_os = "openbsd", target_os = "netbsd", target_os = "dragonfly"))]
        {
            // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
            if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
                return Err(failed());
            }
        }
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly"
        )))]
        {
            // SAFETY: `fds` is a valid array of two ints for pipe to fill.
            if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
                return Err(failed());
            }
        }
        // SAFETY: the call succeeded, so both are new open descriptors that nothing else owns.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly"
        )))]
        for fd in [&read, &write] {
            // SAFETY: fcntl on a descriptor we own, with an integer argument.
            if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
                return Err(failed());
            }
        }
        Ok((read, write))
    }

    fn set_nonblocking(fd: &OwnedFd) -> Result<(), Error> {
        let raw = fd.as_raw_fd();
        // SAFETY: fcntl with F_GETFL/F_SETFL on a descriptor we own; no pointers are passed.
        let ok = unsafe {
            let flags = libc::fcntl(raw, libc::F_GETFL);
            flags >= 0 && libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) >= 0
        };
        if ok {
            Ok(())
        } else {
            Err(Error::new(format!("could not set up the pipe to the browser: {}", std::io::Error::last_os_error())))
        }
    }

    /// Waits until `fd` is ready for `events` (or has hung up); false when `deadline` passed first.
    fn wait_until_ready(fd: libc::c_int, events: libc::c_short, deadline: Instant) -> bool {
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else { return false };
            let mut entry = libc::pollfd { fd, events, revents: 0 };
            // Round up, so that a deadline less than 1 ms away is not a busy loop of zero timeouts.
            let ms = left.as_millis().saturating_add(1).min(i32::MAX as u128) as libc::c_int;
            // SAFETY: `entry` is one valid pollfd, and we pass a count of one.
            let ready = unsafe { libc::poll(&mut entry, 1, ms) };
            if ready > 0 {
                // Readable, writable, or hung up / in error: the read or write that follows says which.
                return true;
            }
            if ready < 0 && std::io::Error::last_os_error().kind() != ErrorKind::Interrupted {
                return true;
            }
        }
    }

    fn seconds(d: Duration) -> String {
        let s = d.as_secs_f64();
        if s.fract() == 0.0 {
            format!("{s:.0}")
        } else {
            format!("{s:.1}")
        }
    }

    fn unique() -> u128 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    }
}

#[cfg(not(unix))]
impl Browser {
    /// What is missing on this platform, for every entry point.
    fn unsupported() -> Error {
        Error::new("placard drives Chromium through --remote-debugging-pipe, which needs Unix file descriptors 3 and 4; this platform has no such pipe")
            .with_hint("run `placard print` on Linux or macOS, or open the print pages in a browser and print them to PDF by hand")
    }

    /// Always fails here: see [`Browser::unsupported`].
    pub fn launch(_chromium: &std::path::Path) -> Result<Browser, Error> {
        Err(Browser::unsupported())
    }

    /// Always fails here: see [`Browser::unsupported`].
    pub fn launch_with_timeout(_chromium: &std::path::Path, _timeout: Duration) -> Result<Browser, Error> {
        Err(Browser::unsupported())
    }

    /// Cannot be reached: no `Browser` exists on this platform.
    pub fn call(&mut self, _method: &str, _params: Value, _session: Option<&str>) -> Result<Value, Error> {
        match self.never {}
    }

    /// Cannot be reached: no `Browser` exists on this platform.
    pub fn wait_for(&mut self, _method: &str, _timeout: Duration) -> Result<Value, Error> {
        match self.never {}
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::time::Instant;

    /// A fake "chromium": a shell script in a temporary folder.
    fn fake(dir: &tempfile::TempDir, name: &str, script: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Launches, retrying while another test thread's fork still holds the script open for writing.
    fn launch(program: &Path, timeout: Duration) -> Browser {
        for _ in 0..50 {
            match Browser::launch_with_timeout(program, timeout) {
                Ok(browser) => return browser,
                Err(e) if e.message.contains("busy") => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("{}", e.message),
            }
        }
        panic!("{} stayed busy", program.display())
    }

    /// Runs `work` on a thread and fails the test if it takes longer than `limit`: on a hang, the
    /// test fails instead of hanging with it.
    fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> (T, Duration) {
        let (tx, rx) = std::sync::mpsc::channel();
        let started = Instant::now();
        std::thread::spawn(move || {
            let _ = tx.send(work());
        });
        let value = rx.recv_timeout(limit).unwrap_or_else(|_| panic!("still waiting after {} s", limit.as_secs()));
        (value, started.elapsed())
    }

    #[test]
    fn a_browser_that_never_answers_is_an_error_within_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        // Reads nothing and writes nothing, holding both ends of the pipe open.
        let program = fake(&dir, "chromium", "exec sleep 600");
        let mut browser = launch(&program, Duration::from_millis(800));
        assert_eq!(browser.timeout(), Duration::from_millis(800));
        let (error, took) = within(Duration::from_secs(20), move || {
            let error = browser.new_page().unwrap_err();
            let waited = browser.wait_for("Page.loadEventFired", Duration::from_millis(300)).unwrap_err();
            (error.message, waited.message)
        });
        assert!(error.0.contains("did not answer `Target.createTarget` within 0.8 s") && error.0.contains("stuck"), "{}", error.0);
        assert!(error.1.contains("`Page.loadEventFired` within 0.3 s"), "{}", error.1);
        assert!(took >= Duration::from_millis(1000) && took < Duration::from_secs(10), "took {took:?}");
    }

    #[test]
    fn a_browser_that_exits_at_once_is_an_error_that_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let program = fake(&dir, "chromium", "echo 'cannot open display' >&2\nexit 3");
        // A long timeout: the exit must be noticed when it happens, not when the timeout ends.
        let mut browser = launch(&program, Duration::from_secs(60));
        let (error, took) = within(Duration::from_secs(20), move || browser.new_page().unwrap_err().message);
        assert!(error.contains("closed its connection before answering `Target.createTarget`") && error.contains("exit status: 3"), "{error}");
        assert!(error.contains("cannot open display"), "its stderr is quoted: {error}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
    }

    #[test]
    fn a_browser_that_stops_reading_cannot_block_a_call() {
        let dir = tempfile::tempdir().unwrap();
        let program = fake(&dir, "chromium", "exec sleep 600");
        let mut browser = launch(&program, Duration::from_millis(500));
        // Larger than any pipe buffer: the write itself would block forever without a deadline.
        let big = "x".repeat(4 << 20);
        let (error, _) =
            within(Duration::from_secs(20), move || browser.call("Runtime.evaluate", serde_json::json!({ "expression": big }), None).unwrap_err().message);
        assert!(error.contains("did not answer `Runtime.evaluate` within 0.5 s"), "{error}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_failed_spawn_leaks_no_file_descriptor() {
        let open = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let missing = Path::new("/nonexistent/placard-test/chromium");
        let before = open();
        for _ in 0..100 {
            let error = Browser::launch(missing).err().expect("no such program");
            assert!(error.message.contains("could not start the browser"), "{}", error.message);
        }
        // Four ends per attempt would be 400; other tests' descriptors come and go meanwhile.
        let grown = open().saturating_sub(before);
        assert!(grown < 100, "{grown} more file descriptors are open after 100 failed launches");
    }

    #[test]
    fn the_timeout_comes_from_the_setting_or_is_a_minute() {
        // The parser only: the environment itself is shared by tests running in parallel.
        assert_eq!(timeout_from(None), Duration::from_secs(60));
        assert_eq!(timeout_from(Some("120")), Duration::from_secs(120));
        assert_eq!(timeout_from(Some(" 2.5 ")), Duration::from_millis(2500));
        for unusable in ["", "0", "-5", "soon", "NaN", "inf", "1e12"] {
            assert_eq!(timeout_from(Some(unusable)), DEFAULT_TIMEOUT, "{unusable}");
        }
    }
}
