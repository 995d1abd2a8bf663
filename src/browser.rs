//! A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`), with
//! no network port and no extra dependencies. Print export and the real-browser tests use it.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::error::Error;

/// The names Chromium goes by on Linux distributions, tried in order on `PATH`.
const CANDIDATES: &[&str] = &["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

/// Finds a Chromium: `$PLACARD_CHROME` when set, else the first candidate on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PLACARD_CHROME") {
        return Some(PathBuf::from(path));
    }
    let paths = std::env::var_os("PATH")?;
    CANDIDATES.iter().find_map(|name| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// A running headless browser. It is killed when dropped.
pub struct Browser {
    child: Child,
    to_browser: File,
    from_browser: BufReader<File>,
    next_id: u64,
    /// Events received while waiting for replies, oldest first.
    pub events: VecDeque<Value>,
    profile: PathBuf,
}

impl Browser {
    /// Starts `chromium` headless with a fresh, throw-away profile and no background networking.
    pub fn launch(chromium: &Path) -> Result<Browser, Error> {
        let profile = std::env::temp_dir().join(format!("placard-chromium-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&profile).map_err(|e| Error::io(&profile, "create the browser profile", e))?;
        let (theirs_in, ours_to) = pipe()?;
        let (ours_from, theirs_out) = pipe()?;
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
            .stderr(Stdio::null());
        // Chromium reads commands on fd 3 and writes replies on fd 4.
        unsafe {
            command.pre_exec(move || {
                // Move both ends out of the way first, in case either already is 3 or 4.
                let a = libc::fcntl(theirs_in, libc::F_DUPFD, 10);
                let b = libc::fcntl(theirs_out, libc::F_DUPFD, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| Error::new(format!("could not start `{}`: {e}", chromium.display())))?;
        unsafe {
            libc::close(theirs_in);
            libc::close(theirs_out);
        }
        let to_browser = unsafe { File::from_raw_fd(ours_to) };
        let from_browser = BufReader::new(unsafe { File::from_raw_fd(ours_from) });
        Ok(Browser { child, to_browser, from_browser, next_id: 0, events: VecDeque::new(), profile })
    }

    /// Sends a DevTools command (to a page when `session` is given) and waits for its result.
    pub fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Result<Value, Error> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| Error::new(e.to_string()))?;
        bytes.push(0);
        self.to_browser.write_all(&bytes).map_err(|e| Error::new(format!("the browser stopped listening: {e}")))?;
        loop {
            let reply = self.read_message()?;
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
        while Instant::now() < deadline {
            let event = self.read_message()?;
            let hit = event["method"] == method;
            self.events.push_back(event.clone());
            if hit {
                return Ok(event);
            }
        }
        Err(Error::new(format!("the browser did not send `{method}` within {} s", timeout.as_secs())))
    }

    /// Opens a new tab; returns (target id, session id).
    pub fn new_page(&mut self) -> Result<(String, String), Error> {
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}), None)?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached = self.call("Target.attachToTarget", json!({"targetId": target_id, "flatten": true}), None)?;
        let session = attached["sessionId"].as_str().ok_or_else(|| Error::new("the browser did not open a page"))?;
        Ok((target_id, session.to_string()))
    }

    /// Closes a tab opened with [`Browser::new_page`].
    pub fn close_page(&mut self, target_id: &str) -> Result<(), Error> {
        self.call("Target.closeTarget", json!({"targetId": target_id}), None).map(|_| ())
    }

    fn read_message(&mut self) -> Result<Value, Error> {
        let mut buffer = Vec::new();
        let read = self.from_browser.read_until(0, &mut buffer).map_err(|e| Error::new(format!("reading from the browser failed: {e}")))?;
        if read == 0 {
            return Err(Error::new("the browser closed its connection (did it crash?)"));
        }
        buffer.pop();
        serde_json::from_slice(&buffer).map_err(|e| Error::new(format!("the browser sent something unreadable: {e}")))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A pipe as (read end, write end).
fn pipe() -> Result<(RawFd, RawFd), Error> {
    let mut fds = [0 as RawFd; 2];
    // Close-on-exec, so the browser inherits only the two ends moved to fds 3 and 4.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::new(format!("could not create a pipe: {}", std::io::Error::last_os_error())));
    }
    Ok((fds[0], fds[1])) // (read end, write end)
}

fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}
