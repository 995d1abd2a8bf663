//! `placard stats` on generated access logs with known counts, and on returns and survey fixtures.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use common::*;

/// A small deterministic generator (an LCG), so each seed gives the same log on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The fixture site's QR addresses: (unit, item) with "" for a unit's own page.
const ROWS: &[(&str, &str)] = &[
    ("east", ""),
    ("east", "letter"),
    ("east", "market"),
    ("east", "school"),
    ("west", ""),
    ("west", "letter"),
    ("west", "market"),
    ("north", ""),
    ("north", "letter"),
    ("north", "market"),
    ("town", "notice"),
];

const PHONES: &[&str] = &[
    "Mozilla/5.0 (Linux; Android 12; TestPhone-A) AppleWebKit/537.36 MicroMessenger/8.0.40",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) TestPhone-B Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 10; TestPhone-C) Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 9; TestPhone-D) UCBrowser/13.4",
];

const CRAWLERS: &[&str] = &[
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; Googlebot/2.1)",
    "curl/8.5.0",
    "Sogou web spider/4.0",
    "-",
];

#[derive(Default)]
struct Expected {
    scans: u64,
    /// (day, address, browser): distinct per day, added up over days.
    visits: BTreeSet<(u32, String, String)>,
    first: u32,
    last: u32,
}

/// What a generated log should count to.
#[derive(Default)]
struct Model {
    rows: BTreeMap<(String, String), Expected>,
    lines: u64,
    counted: u64,
    crawlers: u64,
    not_get: u64,
    errors: u64,
    other: u64,
    unknown: u64,
    unreadable: u64,
    channel_scans: u64,
    addresses: BTreeSet<String>,
}

fn address(rng: &mut Rng) -> String {
    // Distinctive addresses, so finding one in an output cannot be a coincidence.
    match rng.below(3) {
        0 => format!("203.0.113.{}", 100 + rng.below(60)),
        1 => format!("198.51.100.{}", 100 + rng.below(60)),
        _ => format!("2001:db8:5a7::{:x}", 0x1000 + rng.below(40)),
    }
}

fn line(addr: &str, day: u32, method: &str, target: &str, status: u16, agent: &str) -> String {
    format!("{addr} - - [{day:02}/Mar/2026:{:02}:{:02}:07 +0800] \"{method} {target} HTTP/1.1\" {status} 2314 \"-\" \"{agent}\"", day % 24, day * 2 % 60)
}

/// The address a QR code leads to, in one of the ways a phone may ask for it.
fn target(rng: &mut Rng, unit: &str, item: &str) -> String {
    let path = if item.is_empty() { format!("/q/{unit}/") } else { format!("/q/{unit}/{item}/") };
    match rng.below(6) {
        0 => format!("{path}?from=singlemessage&isappinstalled=0"),
        1 => format!("{path}index.html"),
        2 => path.trim_end_matches('/').to_string(),
        _ => path,
    }
}

/// `n` log lines of every kind, with what they should count to.
fn generate(seed: u64, n: usize) -> (Vec<String>, Model) {
    let mut rng = Rng(seed);
    let mut model = Model::default();
    model.addresses.insert("203.0.113.200".into());
    for (unit, item) in ROWS {
        model.rows.insert((unit.to_string(), item.to_string()), Expected::default());
    }
    let mut lines = Vec::new();
    for _ in 0..n {
        let addr = address(&mut rng);
        let day = 1 + rng.below(28) as u32;
        let (unit, item) = rng.pick(ROWS);
        let kind = rng.below(100);
        let text = match kind {
            0..=49 => {
                let agent = rng.pick(PHONES);
                let status = rng.pick(&[200, 200, 200, 304]);
                let e = model.rows.get_mut(&(unit.to_string(), item.to_string())).unwrap();
                e.scans += 1;
                e.visits.insert((day, addr.clone(), agent.to_string()));
                e.first = if e.first == 0 { day } else { e.first.min(day) };
                e.last = e.last.max(day);
                model.counted += 1;
                line(&addr, day, "GET", &target(&mut rng, unit, item), status, agent)
            }
            50..=54 => {
                model.crawlers += 1;
                line(&addr, day, "GET", &target(&mut rng, unit, item), 200, rng.pick(CRAWLERS))
            }
            55..=59 => {
                model.not_get += 1;
                let method = rng.pick(&["HEAD", "POST", "OPTIONS"]);
                line(&addr, day, method, &target(&mut rng, unit, item), 200, rng.pick(PHONES))
            }
            60..=64 => {
                model.errors += 1;
                let status = rng.pick(&[404, 500, 502, 301, 206, 403]);
                line(&addr, day, "GET", &target(&mut rng, unit, item), status, rng.pick(PHONES))
            }
            65..=70 => {
                model.unknown += 1;
                let path = rng.pick(&["/q/nowhere/", "/q/east/no-such-poster/", "/q/west/school/", "/q/town/", "/q/eastt/market/", "/q/hotline/market/"]);
                let status = rng.pick(&[404, 200]);
                line(&addr, day, "GET", path, status, rng.pick(PHONES))
            }
            71..=76 => {
                model.other += 1;
                let path = rng.pick(&["/", "/news/", "/channels/hotline/", "/qa/", "/print/posters/market/east/"]);
                line(&addr, day, "GET", path, 200, rng.pick(PHONES))
            }
            77..=80 => {
                model.channel_scans += 1;
                model.counted += 1;
                let path = rng.pick(&["/q/hotline/", "/q/east-box/"]);
                line(&addr, day, "GET", path, 200, rng.pick(PHONES))
            }
            81..=88 => {
                // Cut anywhere before the browser field is closed: a truncated write.
                model.unreadable += 1;
                let full = line(&addr, day, "GET", &target(&mut rng, unit, item), 200, rng.pick(PHONES));
                let cut = rng.below(full.rfind('"').unwrap() as u64) as usize;
                let cut = (0..=cut).rev().find(|c| full.is_char_boundary(*c)).unwrap();
                full[..cut].to_string()
            }
            _ => {
                model.unreadable += 1;
                rng.pick(&[" ", "garbage", "\u{fffd}\u{fffd} binary", "203.0.113.200 - - [not a date] \"GET /q/east/ HTTP/1.1\" 200 1 \"-\" \"x\""]).to_string()
            }
        };
        model.addresses.insert(addr);
        lines.push(text);
        model.lines += 1;
    }
    (lines, model)
}

fn expected_csv(model: &Model) -> String {
    let mut csv = String::from("unit,item,scans,visitors,first,last\n");
    for (unit, item) in ROWS {
        let e = &model.rows[&(unit.to_string(), item.to_string())];
        let day = |d: u32| if d == 0 { String::new() } else { format!("2026-03-{d:02}") };
        csv += &format!("{unit},{item},{},{},{},{}\n", e.scans, e.visits.len(), day(e.first), day(e.last));
    }
    csv
}

fn gzip(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    // Two gzip members in one file, as `cat a.gz b.gz` makes after log rotation.
    for half in lines.chunks(lines.len().div_ceil(2).max(1)) {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for l in half {
            enc.write_all(l.as_bytes()).unwrap();
            enc.write_all(b"\n").unwrap();
        }
        out.extend(enc.finish().unwrap());
    }
    out
}

fn run_stats(args: &[&std::ffi::OsStr], stdin: &[u8]) -> Output {
    let mut child = placard().arg("stats").args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Every byte written: stdout, stderr and every file under `dir`.
fn everything(output: &Output, dir: &Path) -> String {
    let mut all = stdout(output) + &stderr(output);
    for (name, bytes) in tree(dir) {
        all += &format!("\n== {name}\n{}", String::from_utf8_lossy(&bytes));
    }
    all
}

/// Bars of one chart in the report: data-key → data-value.
fn chart(html: &str, id: &str) -> Vec<(String, u64)> {
    let start = html.find(&format!("<svg data-chart=\"{id}\"")).unwrap_or_else(|| panic!("no chart {id}"));
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    svg.split("<g")
        .skip(1)
        .map(|g| {
            let attr = |name: &str| {
                let at = g.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                g[at..at + g[at..].find('"').unwrap()].to_string()
            };
            (attr("data-key"), attr("data-value").parse().unwrap())
        })
        .collect()
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    text.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

#[test]
fn generated_logs_count_exactly_and_leak_nothing() {
    for seed in [1u64, 7, 2026] {
        let (lines, model) = generate(seed, 3000);
        let dir = tempfile::tempdir().unwrap();
        let third = lines.len() / 3;
        let plain = dir.path().join("access.log");
        let mut text = lines[..third].join("\n");
        text.push('\n');
        std::fs::write(&plain, text).unwrap();
        // Named without .gz: gzip is told by its first bytes.
        let gz = dir.path().join("access.log.2");
        std::fs::write(&gz, gzip(&lines[third..2 * third])).unwrap();
        // Standard input, with no newline after the last line.
        let stdin = lines[2 * third..].join("\n");
        let out = dir.path().join("out");
        let csv = out.join("scans.csv");
        let html = out.join("report");
        let output = run_stats(
            &[
                "--root".as_ref(),
                fixture("stats-site").as_os_str(),
                plain.as_os_str(),
                gz.as_os_str(),
                "-".as_ref(),
                "--csv".as_ref(),
                csv.as_os_str(),
                "--html".as_ref(),
                html.as_os_str(),
                "--coverage".as_ref(),
                out.join("coverage.csv").as_os_str(),
            ],
            stdin.as_bytes(),
        );
        assert_ok(&output);
        let expected = expected_csv(&model);
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), expected, "seed {seed}");
        assert_eq!(read(&html, "scans.csv"), expected);

        let text = stdout(&output);
        let summary = format!("read {} lines from 3 logs: {} scans counted", model.lines, model.counted);
        assert!(text.contains(&summary), "seed {seed}: expected `{summary}` in\n{text}");
        let left_out = format!(
            "left out: {} by crawlers and scripts, {} not GET (HEAD and others), {} answered with an error, {} for other pages, {} unreadable",
            model.crawlers, model.not_get, model.errors, model.other, model.unreadable
        );
        assert!(text.contains(&left_out), "seed {seed}: expected `{left_out}` in\n{text}");
        assert!(text.contains(&format!("unknown QR addresses (no such unit, item or channel): {} —", model.unknown)), "{text}");
        assert!(text.contains("/q/nowhere/") && text.contains("/q/west/school/"), "unknown addresses are named: {text}");
        assert!(stderr(&output).contains(&format!("{} lines could not be read", model.unreadable)), "{}", stderr(&output));
        assert!(stderr(&output).contains("access.log:"), "unreadable lines are located: {}", stderr(&output));

        // Nothing that identifies a resident, anywhere.
        let all = everything(&output, dir.path().join("out").as_path());
        for addr in &model.addresses {
            assert!(!all.contains(addr.as_str()), "seed {seed}: the address {addr} appears in the output");
        }
        assert!(!all.contains("TestPhone") && !all.contains("MicroMessenger") && !all.contains("Baiduspider"), "a browser name appears in the output");

        // The charts show the CSV's counts: per unit (all of its rows), per item (across units), per row.
        let page = read(&html, "index.html");
        let rows = parse_csv(&expected);
        let sum = |f: &dyn Fn(&Vec<String>) -> bool| rows.iter().filter(|r| f(r)).map(|r| r[2].parse::<u64>().unwrap()).sum::<u64>();
        let units = chart(&page, "units");
        assert_eq!(units.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["east", "west", "north", "town"]);
        for (unit, value) in &units {
            assert_eq!(*value, sum(&|r| &r[0] == unit), "unit {unit}");
        }
        let items = chart(&page, "items");
        assert_eq!(items.len(), 4);
        for (item, value) in &items {
            assert_eq!(*value, sum(&|r| &r[1] == item), "item {item}");
        }
        for unit in ["east", "west", "north", "town"] {
            let bars = chart(&page, &format!("unit-{unit}"));
            let expected: Vec<(String, u64)> = rows.iter().filter(|r| r[0] == unit).map(|r| (r[1].clone(), r[2].parse().unwrap())).collect();
            assert_eq!(bars, expected, "unit {unit}");
        }
        let channels: u64 = chart(&page, "channels").iter().map(|(_, v)| v).sum();
        assert_eq!(channels, model.channel_scans);
        assert_self_contained(&page);

        // The coverage CSV carries the same scan counts.
        let coverage = read(&out, "coverage.csv");
        for row in parse_csv(&coverage).iter().filter(|r| !r[1].is_empty()) {
            let scans = rows.iter().find(|r| r[0] == row[0] && r[1] == row[1]).unwrap()[2].clone();
            assert_eq!(row[6], scans, "coverage of {}/{}", row[0], row[1]);
        }
    }
}

/// No script, no address of another host, nothing to fetch: the page stands alone.
fn assert_self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for bad in ["http://", "https://", "<script", "src=", "href=", "url(", "@import", "//"] {
        assert!(!lower.contains(bad), "the report contains `{bad}`");
    }
}

#[test]
fn blind_spots_come_first_and_unknowns_are_not_counted_as_scans() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let mut text = String::new();
    for (i, target) in ["/q/east/market/", "/q/east/market/", "/q/west/", "/q/nowhere/", "/q/east/nothing/"].iter().enumerate() {
        text += &line(&format!("203.0.113.{}", 10 + i), 3, "GET", target, 200, PHONES[0]);
        text.push('\n');
    }
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("report");
    let output = placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(&log).arg("--html").arg(&out).output().unwrap();
    assert_ok(&output);
    let page = read(&out, "index.html");
    let blind = page.find("id=\"blind\"").unwrap();
    assert!(blind < page.find("data-chart").unwrap(), "blind spots come before the charts");
    let list = &page[blind..page[blind..].find("</ul>").unwrap() + blind];
    for expected in [
        "北村（north）：整个村（社区）没有扫码",
        "东村（east） · 致居民的一封信（letter）",
        "东村（east） · 校园海报（school）",
        "西村（west） · 集市海报（market）",
    ] {
        assert!(list.contains(expected), "`{expected}` missing from the blind spots:\n{list}");
    }
    assert!(!list.contains("东村（east） · 集市海报（market）"), "east/market was scanned:\n{list}");
    assert_eq!(
        read(&out, "scans.csv"),
        "unit,item,scans,visitors,first,last\neast,,0,0,,\neast,letter,0,0,,\neast,market,2,2,2026-03-03,2026-03-03\neast,school,0,0,,\n\
         west,,1,1,2026-03-03,2026-03-03\nwest,letter,0,0,,\nwest,market,0,0,,\nnorth,,0,0,,\nnorth,letter,0,0,,\nnorth,market,0,0,,\ntown,notice,0,0,,\n"
    );
    let summary = stdout(&output);
    assert!(summary.contains("unknown QR addresses (no such unit, item or channel): 2 — /q/east/nothing/ 1, /q/nowhere/ 1"), "{summary}");
}

#[test]
fn a_cut_gzip_file_is_reported_and_the_run_goes_on() {
    let (lines, _) = generate(3, 4000);
    let dir = tempfile::tempdir().unwrap();
    let gz = gzip(&lines);
    let cut = dir.path().join("access.log.1.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let whole = dir.path().join("access.log");
    std::fs::write(&whole, lines[..10].join("\n")).unwrap();
    let csv = dir.path().join("scans.csv");
    let output = placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(&cut).arg(&whole).arg("--csv").arg(&csv).output().unwrap();
    assert_ok(&output);
    assert!(stderr(&output).contains("warning: log `") && stderr(&output).contains("access.log.1.gz`: reading stopped after line"), "{}", stderr(&output));
    assert!(stdout(&output).contains("from 2 logs"), "{}", stdout(&output));
    assert!(csv.is_file());
}

#[test]
fn a_missing_log_stops_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("scans.csv");
    let output = placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(dir.path().join("nope.log")).arg("--csv").arg(&csv).output().unwrap();
    assert_clean_failure(&output);
    assert!(stderr(&output).contains("nope.log` does not exist"), "{}", stderr(&output));
    assert!(!csv.exists());
}

#[test]
fn coverage_puts_plan_returns_scans_and_survey_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let lines = [
        line("203.0.113.1", 5, "GET", "/q/east/market/", 200, PHONES[0]),
        line("203.0.113.2", 5, "GET", "/q/east/school/", 200, PHONES[1]),
        line("203.0.113.3", 6, "GET", "/q/west/letter/", 304, PHONES[2]),
        line("203.0.113.3", 6, "GET", "/q/west/letter/", 200, PHONES[2]),
        line("203.0.113.4", 7, "GET", "/q/town/notice/", 200, PHONES[3]),
    ];
    std::fs::write(&log, lines.join("\n")).unwrap();
    let coverage = dir.path().join("coverage.csv");
    let output = placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(&log).arg("--coverage").arg(&coverage).output().unwrap();
    assert_ok(&output);
    // Planned: order sheet (posters × copies, letters one per household); delivered and posted: the
    // fixture's returns; awareness: (38+30)/80 for east, (19+19+19)/60 for west; satisfaction (37+10)/50.
    let expected = "unit,item,kind,planned,delivered,posted,scans,visitors,awareness,awareness_answers,satisfaction,satisfaction_answers,gaps
east,,unit,124,114,3,2,2,85.0,80,94.0,50,awareness_below_90
east,letter,letter,120,110,,0,0,,,,,short_delivered;no_scans
east,market,poster,2,2,1,1,1,,,,,not_all_posted
east,school,poster,2,2,2,1,1,,,,,
west,,unit,82,82,2,2,1,95.0,60,95.0,20,
west,letter,letter,80,80,,2,1,,,,,
west,market,poster,2,2,2,0,0,,,,,no_scans
north,,unit,42,,0,0,0,,0,,0,no_scans;no_survey
north,letter,letter,40,,,0,0,,,,,no_delivery_record;no_scans
north,market,poster,2,,0,0,0,,,,,no_delivery_record;not_all_posted;no_scans
town,,unit,5,,0,1,1,,,,,
town,notice,poster,5,,0,1,1,,,,,no_delivery_record;not_all_posted
";
    assert_eq!(std::fs::read_to_string(&coverage).unwrap(), expected);
    let text = stdout(&output);
    assert!(text.contains("survey: 知晓率 89.3% (140 answers), 满意度 94.3% (70 answers)"), "{text}");
}

#[test]
fn survey_rates_show_the_answers_behind_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("empty.log");
    std::fs::write(&log, "").unwrap();
    let out = dir.path().join("report");
    let output = placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(&log).arg("--html").arg(&out).output().unwrap();
    assert_ok(&output);
    let page = read(&out, "index.html");
    let survey = &page[page.find("id=\"survey\"").unwrap()..];
    // East: satisfied from two batches of sheets, 47 of 50; the office's own question is shown too.
    assert!(survey.contains("94.0%<br><span class=\"small\">n = 50</span>"), "{survey}");
    assert!(survey.contains("knows_grid_worker") && survey.contains("60.0%<br><span class=\"small\">n = 20</span>"), "{survey}");
    let north = &survey[survey.find("<td>北村（north）</td>").unwrap()..];
    let north = &north[..north.find("</tr>").unwrap()];
    assert!(north.ends_with("<td class=\"n gap\">未调查</td>"), "no awareness rate without answers: {north}");
}

/// Each problem in the bad fixtures, by file, line and column name.
#[test]
fn bad_returns_and_survey_rows_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(&log, line("203.0.113.9", 1, "GET", "/q/east/", 200, PHONES[0])).unwrap();
    let csv = dir.path().join("scans.csv");
    let bad = fixture("stats-bad");
    let output = placard()
        .arg("stats")
        .arg("--root")
        .arg(fixture("stats-site"))
        .arg(&log)
        .arg("--csv")
        .arg(&csv)
        .arg("--returns")
        .arg(bad.join("returns"))
        .arg("--survey")
        .arg(bad.join("survey.csv"))
        .output()
        .unwrap();
    assert_clean_failure(&output);
    assert!(!csv.exists(), "nothing is written when the returns are wrong");
    let err = stderr(&output);
    let expected: &[(&str, &str, &str)] = &[
        ("returns/delivery-east.csv:2:1", "column `item`: there is no poster or letter `markt`", "did you mean `market`?"),
        ("returns/delivery-east.csv:3:8", "column `group`: the group is empty", "村民小组"),
        ("returns/delivery-east.csv:4:11", "column `copies_delivered`: `十二` is not a number", "digits"),
        ("returns/delivery-east.csv:5:13", "column `date`: `2026-02-30` is not a date", "2026-03-05"),
        ("returns/delivery-east.csv:6:26", "this row has 5 fields but the header names 4", "double quotes"),
        ("returns/delivery-nowhere.csv\n", "there is no unit `nowhere`", "the units are: east, west, north, town"),
        ("returns/posting-east.csv:2:1", "column `item`: `letter` is a letter; letters are delivered, not put up", "delivery-<unit>.csv"),
        ("returns/posting-east.csv:3:11", "column `date`: `3月2日` is not a date", "2026-03-05"),
        ("returns/posting-west.csv:1:6", "`locaton` is not a column of this form", "did you mean `location`?"),
        ("returns/posting-west.csv:1:1", "the column `location` is missing", "the first line names the columns"),
        ("returns/summary.csv\n", "placard does not know this returns file", "delivery-<unit>.csv"),
        ("survey.csv:2:1", "column `unit`: there is no unit `eest`", "did you mean `east`?"),
        ("survey.csv:3:6", "column `question`: `know_hotlin` is not a standard question", "did you mean `know_hotline`?"),
        ("survey.csv:4:19", "column `yes`: 41 yes answers out of 40 answers", "cannot exceed"),
        ("survey.csv:5:15", "column `answers`: `abc` is not a number", "digits"),
    ];
    let blocks: Vec<&str> = err.split("error: ").skip(1).collect();
    for (place, message, hint) in expected {
        let found = blocks.iter().find(|b| b.contains(place) && b.starts_with(message));
        let block = found.unwrap_or_else(|| panic!("no error `{message}` at {place}:\n{err}"));
        assert!(block.contains(hint), "the error at {place} lacks the hint `{hint}`:\n{block}");
    }
    assert!(err.contains(&format!("stats stopped with {} errors", expected.len())), "{err}");
}

/// The report in a real headless Chromium: it renders, requests nothing but itself, and the bars it
/// draws carry the CSV's counts, with lengths in proportion. Skips without Chromium.
#[test]
#[ignore = "needs chromium (run by .ci/run with --include-ignored)"]
fn the_report_renders_in_chromium_with_the_csv_counts() {
    use placard::browser::{find_chromium, Browser};
    use serde_json::json;
    let Some(chromium) = require_tool("chromium", find_chromium()) else { return };
    let (lines, _) = generate(11, 600);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(&log, lines.join("\n")).unwrap();
    let out = dir.path().join("report");
    assert_ok(&placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(&log).arg("--html").arg(&out).output().unwrap());
    let csv = parse_csv(&read(&out, "scans.csv"));

    let mut browser = Browser::launch(&chromium).expect("start chromium");
    let (target, session) = browser.new_page().unwrap();
    let s = Some(session.as_str());
    for domain in ["Page.enable", "Network.enable", "Runtime.enable", "Log.enable"] {
        browser.call(domain, json!({}), s).unwrap();
    }
    browser.events.clear();
    let url = format!("file://{}", out.join("index.html").display());
    browser.call("Page.navigate", json!({ "url": url }), s).unwrap();
    browser.wait_for("Page.loadEventFired", std::time::Duration::from_secs(20)).unwrap();
    let probe = "JSON.stringify([...document.querySelectorAll('svg[data-chart]')].map(svg => ({
        chart: svg.dataset.chart,
        shown: svg.getBoundingClientRect().width > 0,
        bars: [...svg.querySelectorAll('g')].map(g => [g.dataset.key, Number(g.dataset.value), g.querySelector('rect').getBoundingClientRect().width])
    })))";
    let result = browser.call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}), s).unwrap();
    let charts: serde_json::Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
    for event in &browser.events {
        if event["method"] == "Network.requestWillBeSent" {
            let url = event["params"]["request"]["url"].as_str().unwrap_or("");
            assert!(url.starts_with("file://") || url.starts_with("data:"), "the report requested {url}");
        }
        assert_ne!(event["method"], "Runtime.exceptionThrown", "{event}");
    }
    browser.close_page(&target).unwrap();

    let charts = charts.as_array().unwrap();
    assert!(charts.len() >= 6, "units, items, four units, channels: {charts:?}");
    for chart in charts {
        let id = chart["chart"].as_str().unwrap();
        assert_eq!(chart["shown"], true, "{id} is not drawn");
        let bars: Vec<(String, u64, f64)> =
            chart["bars"].as_array().unwrap().iter().map(|b| (b[0].as_str().unwrap().to_string(), b[1].as_u64().unwrap(), b[2].as_f64().unwrap())).collect();
        if let Some(unit) = id.strip_prefix("unit-") {
            let expected: Vec<(String, u64)> = csv.iter().filter(|r| r[0] == unit).map(|r| (r[1].clone(), r[2].parse().unwrap())).collect();
            assert_eq!(bars.iter().map(|(k, v, _)| (k.clone(), *v)).collect::<Vec<_>>(), expected, "{id}");
        }
        // A longer bar never stands for a smaller count, and no count draws nothing but zero.
        for a in &bars {
            assert_eq!(a.2 > 0.0, a.1 > 0, "{id}: bar {a:?}");
            for b in &bars {
                if a.1 < b.1 {
                    assert!(a.2 <= b.2, "{id}: {a:?} is drawn longer than {b:?}");
                }
            }
        }
    }
}

/// The same checks without logs, for `placard check`: the site's own data/ folder.
#[test]
fn check_data_finds_the_same_errors_in_the_sites_own_data() {
    let scratch = Scratch::of("stats-site");
    let options = placard::BuildOptions { root: scratch.site(), ..Default::default() };
    let site = placard::Site::load(&options).unwrap();
    assert!(placard::stats::check_data(&site).is_empty(), "the fixture's own returns and survey are valid");
    copy_dir(&fixture("stats-bad"), &scratch.site().join("data"));
    let errors = placard::stats::check_data(&site);
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 15, "{shown:#?}");
    assert!(shown.iter().any(|e| e.contains("data/survey.csv:3:6: column `question`")), "{shown:#?}");
}

/// Past 2,048 visitors on one page in one day the count is an estimate; it is close, marked with ≈, and the
/// same logs still give byte-identical reports.
#[test]
fn large_visitor_counts_are_close_estimates_and_the_same_on_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let mut text = String::new();
    for i in 0..5000u32 {
        text += &line(&format!("2001:db8:77::{:x}", i), 9, "GET", "/q/east/market/", 200, PHONES[(i % 4) as usize]);
        text.push('\n');
    }
    std::fs::write(&log, text).unwrap();
    let run = |name: &str| {
        let out = dir.path().join(name);
        assert_ok(&placard().arg("stats").arg("--root").arg(fixture("stats-site")).arg(&log).arg("--html").arg(&out).output().unwrap());
        tree(&out)
    };
    let (first, second) = (run("a"), run("b"));
    assert_eq!(first, second, "two runs on the same log differ");
    let csv = String::from_utf8(first["scans.csv"].clone()).unwrap();
    let row = csv.lines().find(|l| l.starts_with("east,market,")).unwrap();
    let fields: Vec<&str> = row.split(',').collect();
    assert_eq!(fields[2], "5000");
    let visitors: f64 = fields[3].parse().unwrap();
    assert!((visitors - 5000.0).abs() / 5000.0 < 0.05, "estimate {visitors} for 5000 visitors");
    assert!(String::from_utf8_lossy(&first["index.html"]).contains("≈"), "the estimate is marked");
}

/// `--summary`: per unit and for the town, the coverage report's totals and the survey rates with their
/// answers, and nothing else: no address, browser or per-visitor figure. TOML and JSON say the same, and
/// the default theme's `coverage_summary` shortcode shows it on a page, or says it is not published yet.
#[test]
fn the_summary_holds_counts_only_and_a_page_can_show_it() {
    let scratch = Scratch::of("stats-site");
    let dir = scratch.dir.path();
    let (lines, model) = generate(5, 400);
    let log = dir.join("access.log");
    std::fs::write(&log, lines.join("\n")).unwrap();
    let coverage = dir.join("coverage.csv");
    let toml_file = scratch.site().join("data/coverage-summary.toml");
    let json_file = dir.join("summary.json");
    let mut texts = Vec::new();
    for file in [&toml_file, &json_file] {
        let output = run_stats(
            &[
                "--root".as_ref(),
                scratch.site().as_os_str(),
                log.as_os_str(),
                "--coverage".as_ref(),
                coverage.as_os_str(),
                "--summary".as_ref(),
                file.as_os_str(),
            ],
            b"",
        );
        assert_ok(&output);
        texts.push(std::fs::read_to_string(file).unwrap());
    }
    let from_toml: serde_json::Value = serde_json::to_value(toml::from_str::<toml::Table>(&texts[0]).unwrap()).unwrap();
    let from_json: serde_json::Value = serde_json::from_str(&texts[1]).unwrap();
    assert_eq!(from_toml, from_json, "TOML and JSON say the same");
    for text in &texts {
        for address in &model.addresses {
            assert!(!text.contains(address.as_str()), "{address} in the summary");
        }
        assert!(!text.contains("TestPhone") && !text.contains("Mozilla") && !text.contains("visitors"), "{text}");
    }
    let top: BTreeSet<&str> = from_json.as_object().unwrap().keys().map(String::as_str).collect();
    assert!(top.is_subset(&["title", "first_day", "last_day", "town", "units"].into()), "{top:?}");
    let allowed: BTreeSet<&str> =
        ["id", "name", "planned", "delivered", "posted", "scans", "awareness", "awareness_answers", "satisfaction", "satisfaction_answers"].into();
    let units = from_json["units"].as_array().unwrap();
    for entry in units.iter().chain([&from_json["town"]]) {
        for (key, value) in entry.as_object().unwrap() {
            assert!(allowed.contains(key.as_str()), "`{key}` in the summary");
            assert!(value.is_number() || key == "id" || key == "name", "{key} = {value}");
        }
    }
    // Each unit's entry is its totals line of the coverage report.
    let csv = std::fs::read_to_string(&coverage).unwrap();
    let unit_lines: Vec<Vec<String>> = parse_csv(&csv).into_iter().filter(|l| l[1].is_empty()).collect();
    assert_eq!(units.len(), unit_lines.len());
    let number =
        |v: &serde_json::Value| v.as_f64().map(|n| if n.fract() == 0.0 && !v.is_f64() { format!("{n:.0}") } else { format!("{n:.1}") }).unwrap_or_default();
    for (entry, line) in units.iter().zip(&unit_lines) {
        assert_eq!(entry["id"], line[0].as_str());
        for (key, column) in [("planned", 3), ("delivered", 4), ("posted", 5), ("scans", 6), ("awareness", 8), ("satisfaction", 10)] {
            assert_eq!(number(&entry[key]), line[column], "{} {key}", line[0]);
        }
        for (key, column) in [("awareness_answers", 9), ("satisfaction_answers", 11)] {
            assert_eq!(entry[key].as_u64().unwrap_or(0).to_string(), if line[column].is_empty() { "0".to_string() } else { line[column].clone() });
        }
    }
    let sum = |key: &str| units.iter().map(|u| u[key].as_u64().unwrap_or(0)).sum::<u64>();
    assert_eq!(from_json["town"]["planned"].as_u64().unwrap(), sum("planned"));
    assert_eq!(from_json["town"]["scans"].as_u64().unwrap(), sum("scans") + model.channel_scans, "the town counts channel codes too");
    assert_eq!(from_json["town"]["awareness_answers"].as_u64().unwrap(), 140);

    // Published on a page through the shortcode; without the file the page says so and still builds.
    scratch.write("content/coverage.md", "+++\ntitle = \"覆盖情况\"\n+++\n\n{{ coverage_summary() }}\n");
    assert_ok(&scratch.build(&[]));
    let page = read(&scratch.public(), "coverage/index.html");
    for entry in units {
        let id = entry["id"].as_str().unwrap();
        let row = between(&page, &format!("<tr data-unit=\"{id}\">"), "</tr>");
        assert!(row.contains(&format!("<td>{}</td>", entry["planned"])) && row.contains(&format!("<td>{}</td>", entry["scans"])), "{id}: {row}");
    }
    assert!(page.contains("85.0%（80 份）"), "east's awareness with its answers");
    std::fs::remove_file(&toml_file).unwrap();
    assert_ok(&scratch.build(&[]));
    assert!(read(&scratch.public(), "coverage/index.html").contains("覆盖情况统计尚未发布"));
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    &text[at..at + text[at..].find(end).unwrap()]
}

/// The paper forms are not campaign material: stats plans, scans and reports leave them out. A site's
/// survey form may list its own questions; the tallies are read against them.
#[test]
fn forms_are_not_counted_and_their_questions_check_the_tallies() {
    let scratch = Scratch::of("forms-site");
    let dir = scratch.dir.path();
    let csv = dir.join("scans.csv");
    let html = dir.join("report");
    scratch.write("data/survey.csv", "unit,question,answers,yes\neast,know_grid_workr,10,5\n");
    let args = |csv: &Path, html: &Path| -> Vec<std::ffi::OsString> {
        vec!["--root".into(), scratch.site().into(), "-".into(), "--csv".into(), csv.into(), "--html".into(), html.into()]
    };
    let run = |csv: &Path, html: &Path| {
        let a = args(csv, html);
        run_stats(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>(), b"")
    };
    let output = run(&csv, &html);
    assert_clean_failure(&output);
    assert!(stderr(&output).contains("did you mean `know_grid_worker`?"), "{}", stderr(&output));
    scratch.write("data/survey.csv", "unit,question,answers,yes\neast,know_grid_worker,10,5\neast,satisfied,10,9\n");
    let output = run(&csv, &html);
    assert_ok(&output);
    let scans = std::fs::read_to_string(&csv).unwrap();
    for form in ["fafang", "zhangtie", "wenjuan"] {
        assert!(!scans.contains(form), "{form} in {scans}");
    }
    assert!(scans.contains("east,boxsticker,") && scans.contains("town,notice,"), "{scans}");
    let page = read(&html, "index.html");
    assert!(page.contains("知道网格员"), "the form's label for its own question");
    assert!(!page.contains("fafang") && !page.contains("发放签收表"));
}
