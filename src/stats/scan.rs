//! Counting QR scans in access logs, one line at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::distinct::{Distinct, Visitors};
use super::log::{self, Line};
use super::plan::{Plan, Target, Unknown};

/// At most this many different unknown addresses are told apart; the rest are counted together, so a
/// scanner probing random addresses cannot make the report (or memory) grow.
pub const MAX_UNKNOWN: usize = 200;
/// Unreadable lines whose place is listed; the rest are counted only.
pub const MAX_LISTED: usize = 20;

/// Scans of one page (or one group of pages), with unique visitors per day.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    pub scans: u64,
    /// First and last day with a scan, as `yyyymmdd` (0 when none).
    pub first: u32,
    pub last: u32,
    days: BTreeMap<u32, Distinct>,
}

impl Counter {
    fn add(&mut self, day: u32, visitor: u64) {
        self.scans += 1;
        if self.first == 0 || day < self.first {
            self.first = day;
        }
        if day > self.last {
            self.last = day;
        }
        self.days.entry(day).or_default().insert(visitor);
    }

    /// Unique visitors, day by day, added up: someone who scans on two days counts twice.
    pub fn visitors(&self) -> u64 {
        self.days.values().map(Distinct::count).sum()
    }

    /// Whether any day's count is an estimate rather than exact.
    pub fn estimated(&self) -> bool {
        self.days.values().any(Distinct::is_estimate)
    }

    /// Scans per day, in date order.
    pub fn by_day(&self) -> Vec<(u32, u64)> {
        self.days.iter().map(|(d, v)| (*d, v.count())).collect()
    }
}

/// What happened to the lines of one log.
#[derive(Debug, Clone, Default)]
pub struct FileSummary {
    /// As given on the command line (`-` is standard input).
    pub name: String,
    pub lines: u64,
    /// Why reading stopped early, if it did (a cut gzip file, a read error).
    pub problem: Option<String>,
}

/// Everything counted from the logs. Holds counts only: no address, browser or hash.
#[derive(Debug, Clone, Default)]
pub struct Scans {
    /// One per plan row.
    pub rows: Vec<Counter>,
    /// All scans of a unit: its landing page and every item printed for it.
    pub units: Vec<Counter>,
    /// All scans of an item, across units.
    pub items: Vec<Counter>,
    pub channels: Vec<Counter>,
    pub files: Vec<FileSummary>,
    pub lines: u64,
    pub unreadable: u64,
    /// Places (`file:line`) of the first unreadable lines.
    pub unreadable_at: Vec<String>,
    /// Lines for pages other than QR landing pages.
    pub other_pages: u64,
    pub not_get: u64,
    pub crawlers: u64,
    /// Answered with something other than 200 or 304.
    pub errors: u64,
    /// GET requests by browsers for QR addresses that name no unit, item or channel.
    pub unknown: u64,
    /// Those, by what they asked for (`unit` or `unit/item`, lower case).
    pub unknown_by_address: BTreeMap<String, (Unknown, u64)>,
    pub unknown_other: u64,
    pub counted: u64,
}

impl Scans {
    pub fn new(plan: &Plan) -> Scans {
        Scans {
            rows: vec![Counter::default(); plan.rows.len()],
            units: vec![Counter::default(); plan.units.len()],
            items: vec![Counter::default(); plan.items.len()],
            channels: vec![Counter::default(); plan.channels.len()],
            ..Scans::default()
        }
    }

    /// Reads one log to its end. An unreadable line is counted and skipped; a read error ends this
    /// file (recorded in its summary) but not the run.
    pub fn read(&mut self, plan: &Plan, visitors: &mut Visitors, path: &Path) {
        let name = path.display().to_string();
        let mut summary = FileSummary { name: if path == Path::new("-") { "stdin".into() } else { name.clone() }, ..FileSummary::default() };
        match log::open(path) {
            Ok(mut reader) => {
                let mut buf = Vec::with_capacity(1024);
                let mut scratch = Vec::with_capacity(256);
                loop {
                    match log::next_line(&mut *reader, &mut buf) {
                        Ok(Line::End) => break,
                        Ok(Line::Text) => {
                            summary.lines += 1;
                            match log::parse(&buf) {
                                Some(entry) => self.count(plan, visitors, &entry, &mut scratch),
                                None => self.unreadable(&summary),
                            }
                        }
                        Ok(Line::TooLong) => {
                            summary.lines += 1;
                            self.unreadable(&summary);
                        }
                        Err(e) => {
                            summary.problem = Some(format!("reading stopped after line {}: {e}", summary.lines));
                            break;
                        }
                    }
                }
            }
            Err(e) => summary.problem = Some(format!("could not be opened: {e}")),
        }
        self.lines += summary.lines;
        self.files.push(summary);
    }

    fn unreadable(&mut self, file: &FileSummary) {
        self.unreadable += 1;
        if self.unreadable_at.len() < MAX_LISTED {
            self.unreadable_at.push(format!("{}:{}", file.name, file.lines));
        }
    }

    /// Counts one parsed line.
    pub fn count(&mut self, plan: &Plan, visitors: &mut Visitors, entry: &log::Entry, scratch: &mut Vec<u8>) {
        let Some(target) = plan.classify(entry.target) else {
            self.other_pages += 1;
            return;
        };
        if entry.method != b"GET" {
            self.not_get += 1;
            return;
        }
        if log::is_crawler(entry.agent, scratch) {
            self.crawlers += 1;
            return;
        }
        let target = match target {
            Ok(t) => t,
            Err((kind, asked)) => {
                // Counted whatever the answer: a misprinted code gets 404s, and that is what the office must see.
                self.unknown += 1;
                let asked = String::from_utf8_lossy(asked).to_ascii_lowercase();
                if listable(&asked) && (self.unknown_by_address.len() < MAX_UNKNOWN || self.unknown_by_address.contains_key(&asked)) {
                    self.unknown_by_address.entry(asked).or_insert((kind, 0)).1 += 1;
                } else {
                    self.unknown_other += 1;
                }
                return;
            }
        };
        if entry.status != 200 && entry.status != 304 {
            self.errors += 1;
            return;
        }
        self.counted += 1;
        let visitor = visitors.hash(entry.addr, entry.agent, entry.target);
        match target {
            Target::Row(r) => {
                self.rows[r].add(entry.day, visitor);
                let row = &plan.rows[r];
                self.units[row.unit].add(entry.day, visitor);
                if let Some(i) = row.item {
                    self.items[i].add(entry.day, visitor);
                }
            }
            Target::Channel(c) => self.channels[c].add(entry.day, visitor),
        }
    }

    /// First and last day with a counted scan anywhere.
    pub fn period(&self) -> Option<(u32, u32)> {
        let all = self.units.iter().chain(&self.channels).filter(|c| c.scans > 0);
        let first = all.clone().map(|c| c.first).min()?;
        let last = all.map(|c| c.last).max()?;
        Some((first, last))
    }
}

/// Whether an unknown address may be shown: only id-like paths. A long run of digits could be a phone
/// number someone typed, and anything with dots could be an address, so those are only counted.
fn listable(asked: &str) -> bool {
    asked.len() <= 65
        && asked.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/')
        && asked.split('/').all(|segment| segment.bytes().filter(u8::is_ascii_digit).count() <= 5)
}

/// Reads every log in order.
pub fn read_all(plan: &Plan, logs: &[PathBuf]) -> Scans {
    let mut visitors = Visitors::default();
    let mut scans = Scans::new(plan);
    for path in logs {
        scans.read(plan, &mut visitors, path);
    }
    scans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::plan::tests::sample;

    fn line(addr: &str, day: &str, method: &str, path: &str, status: u16, agent: &str) -> String {
        format!("{addr} - - [{day}/Mar/2026:10:00:00 +0800] \"{method} {path} HTTP/1.1\" {status} 100 \"-\" \"{agent}\"\n")
    }

    #[test]
    fn only_id_like_unknown_addresses_are_listed() {
        for ok in ["nowhere", "east/old-poster", "12338", "a2"] {
            assert!(listable(ok), "{ok}");
        }
        for hidden in ["13800138000", "east/0123-6110110", "203.0.113.5", "east/zhang%20san", "x?y", &"a".repeat(70)] {
            assert!(!listable(hidden), "{hidden}");
        }
    }

    #[test]
    fn counts_only_browser_gets_answered_200_or_304() {
        let plan = sample();
        let phone = "Mozilla/5.0 (iPhone) MicroMessenger";
        let mut log = String::new();
        log += &line("10.0.0.1", "01", "GET", "/q/a/p/", 200, phone);
        log += &line("10.0.0.1", "01", "GET", "/q/a/p/", 304, phone); // same visitor, same day
        log += &line("10.0.0.2", "01", "GET", "/q/a/p/", 200, phone);
        log += &line("10.0.0.1", "02", "GET", "/q/a/p/", 200, phone); // same visitor, next day
        log += &line("10.0.0.3", "02", "HEAD", "/q/a/p/", 200, phone);
        log += &line("10.0.0.3", "02", "GET", "/q/a/p/", 500, phone);
        log += &line("10.0.0.3", "02", "GET", "/q/a/p/", 200, "Baiduspider");
        log += &line("10.0.0.3", "02", "GET", "/q/a/", 200, phone);
        log += &line("10.0.0.3", "02", "GET", "/q/b/l/", 404, phone);
        log += &line("10.0.0.3", "02", "GET", "/news/", 200, phone);
        log += "garbage\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("access.log");
        std::fs::write(&file, log).unwrap();
        let scans = read_all(&plan, &[file]);
        assert_eq!((scans.lines, scans.unreadable, scans.counted), (11, 1, 5));
        assert_eq!((scans.not_get, scans.errors, scans.crawlers, scans.unknown, scans.other_pages), (1, 1, 1, 1, 1));
        let row = &scans.rows[1];
        assert_eq!((row.scans, row.visitors(), row.first, row.last), (4, 3, 20260301, 20260302));
        assert_eq!(scans.units[0].scans, 5);
        assert_eq!(scans.units[0].visitors(), 2 + 2, "day 1: .1 and .2; day 2: .1 and .3");
        assert_eq!(scans.items[0].scans, 4);
        assert_eq!(scans.unknown_by_address.get("b/l").map(|v| v.1), Some(1));
        assert!(scans.unreadable_at[0].ends_with("access.log:11"));
    }
}
