//! Rendered HTML that a big one-shot build keeps in a temporary file rather than in memory.
//!
//! Every page's body stays needed to the end of a build: listings, feeds and the search index read
//! it after its own page is written. At 100,000 pages that is most of a gigabyte. So a build that
//! streams its output keeps bodies in memory up to a budget ([`BUDGET`]) and writes the rest to one
//! unnamed temporary file, reading each back when something shows it. Small sites never touch the
//! file; `serve` and `check` never create one.

use std::borrow::Cow;
use std::fs::File;
#[cfg(not(unix))]
use std::io::Read;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How many bytes of body HTML a build holds in memory before it writes further bodies out.
/// `PLACARD_BODY_BUDGET` (bytes) overrides it, for tests of the file's path on small sites.
pub const BUDGET: usize = 96 << 20;

/// A rendered body's HTML: in memory, or at a place in a [`Spill`] file.
#[derive(Debug, Clone, Default)]
pub struct Html(Repr);

#[derive(Debug, Clone)]
enum Repr {
    Held(String),
    Spilled { file: Arc<Spill>, at: u64, len: usize },
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Held(String::new())
    }
}

impl From<String> for Html {
    fn from(text: String) -> Html {
        Html(Repr::Held(text))
    }
}

impl Html {
    /// The HTML. A body that cannot be read back from its file reads as empty, and the file
    /// remembers the failure for [`Spill::failure`], which fails the build before its output is
    /// swapped in.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Held(text) => Cow::Borrowed(text),
            Repr::Spilled { file, at, len } => Cow::Owned(file.read(*at, *len)),
        }
    }
}

/// An unnamed temporary file holding the bodies beyond the memory budget. It disappears when the
/// build ends, however it ends.
#[derive(Debug)]
pub struct Spill {
    /// The file, for writing, and where the next body goes.
    file: Mutex<(File, u64)>,
    #[cfg(unix)]
    reader: File,
    /// Bytes of HTML held in memory so far, against `budget`.
    held: AtomicUsize,
    budget: usize,
    /// The first read that failed, as a message for the build's error.
    failed: Mutex<Option<String>>,
}

impl Spill {
    /// A spill file in `dir` (beside the build's staging folder, so on the disk the output goes to).
    /// `None` when it cannot be made: the bodies then simply stay in memory.
    pub fn create(dir: &Path) -> Option<Arc<Spill>> {
        let budget = std::env::var("PLACARD_BODY_BUDGET").ok().and_then(|v| v.parse().ok()).unwrap_or(BUDGET);
        Spill::new(tempfile::tempfile_in(dir).ok()?, budget)
    }

    fn new(file: File, budget: usize) -> Option<Arc<Spill>> {
        Some(Arc::new(Spill {
            #[cfg(unix)]
            reader: file.try_clone().ok()?,
            file: Mutex::new((file, 0)),
            held: AtomicUsize::new(0),
            budget,
            failed: Mutex::new(None),
        }))
    }

    /// `html` as the build keeps it: in memory while the bodies held stay within the budget, else
    /// in the file (or in memory after all, if writing fails: that costs memory, never output).
    pub fn keep(self: &Arc<Spill>, html: Html) -> Html {
        let Repr::Held(text) = html.0 else { return html };
        if self.held.fetch_add(text.len(), Ordering::Relaxed) + text.len() <= self.budget || text.is_empty() {
            return Html(Repr::Held(text));
        }
        self.held.fetch_sub(text.len(), Ordering::Relaxed);
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let (file, end) = &mut *guard;
        let at = *end;
        let written = file.seek(SeekFrom::Start(at)).and_then(|_| file.write_all(text.as_bytes()));
        match written {
            Ok(()) => {
                *end += text.len() as u64;
                Html(Repr::Spilled { file: self.clone(), at, len: text.len() })
            }
            Err(_) => {
                // `end` did not move: the next body overwrites whatever the failed write left.
                self.held.fetch_add(text.len(), Ordering::Relaxed);
                Html(Repr::Held(text))
            }
        }
    }

    fn read(&self, at: u64, len: usize) -> String {
        let mut bytes = vec![0; len];
        let result = self.read_at(at, &mut bytes);
        match result.map_err(|e| e.to_string()).and_then(|()| String::from_utf8(bytes).map_err(|_| "it came back changed".to_string())) {
            Ok(text) => text,
            Err(why) => {
                self.failed.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(why);
                String::new()
            }
        }
    }

    /// Reads at `at`. On Unix, a positional read of a handle of its own: the render threads
    /// reading bodies never wait for each other or for a write.
    #[cfg(unix)]
    fn read_at(&self, at: u64, bytes: &mut [u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.reader.read_exact_at(bytes, at)
    }

    #[cfg(not(unix))]
    fn read_at(&self, at: u64, bytes: &mut [u8]) -> std::io::Result<()> {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let file = &mut guard.0;
        file.seek(SeekFrom::Start(at)).and_then(|_| file.read_exact(bytes))
    }

    /// Why a body could not be read back, if one could not: the build must then fail, since a
    /// page, listing, feed or search index may lack it.
    pub fn failure(&self) -> Option<String> {
        self.failed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many bytes of HTML went to the file.
    pub fn spilled(&self) -> u64 {
        self.file.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spill(budget: usize) -> Arc<Spill> {
        Spill::new(tempfile::tempfile().unwrap(), budget).unwrap()
    }

    #[test]
    fn bodies_beyond_the_budget_go_to_the_file_and_come_back_whole() {
        let spill = spill(16);
        let first = spill.keep(Html::from("<p>一二</p>".to_string()));
        let second = spill.keep(Html::from("<p>举报电话 12345</p>".to_string()));
        let third = spill.keep(Html::from("<p>三</p>".to_string()));
        assert!(matches!(first.0, Repr::Held(_)), "the first body fits the budget");
        assert!(matches!(second.0, Repr::Spilled { .. }) && matches!(third.0, Repr::Spilled { .. }));
        assert_eq!(second.text(), "<p>举报电话 12345</p>");
        assert_eq!(third.text(), "<p>三</p>");
        assert_eq!(first.text(), "<p>一二</p>");
        assert_eq!(spill.spilled(), ("<p>举报电话 12345</p>".len() + "<p>三</p>".len()) as u64);
        assert_eq!(spill.failure(), None);
    }

    #[test]
    fn a_body_that_cannot_be_read_back_is_remembered_as_a_failure() {
        let spill = spill(0);
        let body = spill.keep(Html::from("<p>正文</p>".to_string()));
        let Repr::Spilled { at, len, .. } = body.0 else { panic!("a zero budget spills every body") };
        // A read past the end of the file fails, as a damaged temporary file would.
        assert_eq!(spill.read(at + 1000, len), "");
        assert!(spill.failure().is_some());
    }
}
