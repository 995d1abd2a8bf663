//! `placard stats`: where residents scanned the QR codes (from web server access logs), what cadres
//! delivered and put up (their returns), what residents know (survey tallies), and all of it side by side
//! against the print order, in one coverage report.
//!
//! Privacy is the first rule here: an address or browser name is read, hashed in memory under a secret key
//! that is never stored, and forgotten; every output holds counts, dates and the site's own ids only.

pub mod coverage;
pub mod distinct;
pub mod html;
pub mod log;
pub mod plan;
pub mod returns;
pub mod scan;
pub mod summary;
pub mod survey;
pub mod table;

use std::path::{Path, PathBuf};

use crate::error::{display_width, Error, Errors};
use crate::site::{BuildOptions, Site};
use plan::Plan;
use returns::Returns;
use scan::Scans;
use survey::Survey;

/// The header of the scans CSV; part of the promise to anyone who reads the file with a script.
pub const CSV_HEADER: &str = "unit,item,scans,visitors,first,last";

/// What `placard stats` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub root: PathBuf,
    /// Access logs; `-` is standard input.
    pub logs: Vec<PathBuf>,
    pub csv: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub coverage: Option<PathBuf>,
    /// The returns folder; `data/returns/` under the site when it exists.
    pub returns: Option<PathBuf>,
    /// The survey tallies; `data/survey.csv` under the site when it exists.
    pub survey: Option<PathBuf>,
    /// The public summary, counts only (TOML, or JSON for a `.json` name).
    pub summary: Option<PathBuf>,
}

/// Everything `stats` found. Counts only.
pub struct Report {
    pub plan: Plan,
    pub scans: Scans,
    pub returns: Returns,
    pub survey: Survey,
    pub coverage: Vec<coverage::Line>,
    /// Unreadable lines and logs that ended early: reported, never fatal.
    pub warnings: Errors,
    /// Files written.
    pub written: Vec<PathBuf>,
}

/// Loads the site, checks the returns and survey, reads the logs and writes the reports asked for. Errors
/// in the site, the returns or the survey stop the run before any log is read and nothing is written.
pub fn run(options: &Options) -> Result<Report, Errors> {
    let site = Site::load(&BuildOptions { root: options.root.clone(), ..BuildOptions::default() })?;
    let plan = Plan::from_site(&site);
    let mut errors = Errors::default();
    for log in &options.logs {
        if log != Path::new("-") && !log.is_file() {
            errors.push(
                Error::new(format!("the log `{}` does not exist", log.display()))
                    .with_hint("give the access log files of the web server, or - to read standard input"),
            );
        }
    }
    let returns_dir = given_or_default(options.returns.as_deref(), &options.root.join(returns::DIR), true, "--returns", &mut errors);
    let survey_file = given_or_default(options.survey.as_deref(), &options.root.join(survey::FILE), false, "--survey", &mut errors);
    let returns = returns_dir.map(|dir| returns::load(&dir, &plan, &mut errors)).unwrap_or_default();
    let survey = survey_file.map(|file| survey::load(&file, &plan, &mut errors)).unwrap_or_default();
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    let scans = scan::read_all(&plan, &options.logs);
    let coverage = coverage::lines(&plan, &scans, &returns, &survey);
    let mut report = Report { plan, scans, returns, survey, coverage, warnings: Errors::default(), written: Vec::new() };
    report.warnings = warnings(&report.scans);
    write_outputs(options, &mut report)?;
    Ok(report)
}

/// Checks the site's own returns (`data/returns/`) and survey tallies (`data/survey.csv`), when they exist,
/// without reading any log: for `placard check`, so that a malformed row shows up with the content errors.
pub fn check_data(site: &Site) -> Errors {
    let plan = Plan::from_site(site);
    let mut errors = Errors::default();
    let dir = site.root.join(returns::DIR);
    if dir.is_dir() {
        returns::load(&dir, &plan, &mut errors);
    }
    let file = site.root.join(survey::FILE);
    if file.is_file() {
        survey::load(&file, &plan, &mut errors);
    }
    errors.sort();
    errors
}

/// The path given on the command line (which must exist), else the default when it exists, else none.
fn given_or_default(given: Option<&Path>, default: &Path, dir: bool, flag: &str, errors: &mut Errors) -> Option<PathBuf> {
    let exists = |p: &Path| if dir { p.is_dir() } else { p.is_file() };
    match given {
        Some(p) if exists(p) => Some(p.to_path_buf()),
        Some(p) => {
            let what = if dir { "folder" } else { "file" };
            errors.push(Error::new(format!("{flag}: the {what} `{}` does not exist", p.display())));
            None
        }
        None => exists(default).then(|| default.to_path_buf()),
    }
}

fn warnings(scans: &Scans) -> Errors {
    let mut warnings = Errors::default();
    for file in &scans.files {
        if let Some(problem) = &file.problem {
            warnings.push(
                Error::warning(format!("log `{}`: {problem}", file.name))
                    .with_hint("the lines before it were counted; a gzip file cut short while copying is the usual cause"),
            );
        }
    }
    if scans.unreadable > 0 {
        let more = if scans.unreadable as usize > scans.unreadable_at.len() { ", …" } else { "" };
        warnings.push(
            Error::warning(format!(
                "{} line{} could not be read and {} left out: {}{more}",
                scans.unreadable,
                s(scans.unreadable),
                if scans.unreadable == 1 { "was" } else { "were" },
                scans.unreadable_at.join(", ")
            ))
            .with_hint("stats reads the combined log format (nginx and Apache's default); cut or garbled lines are expected now and then"),
        );
    }
    warnings
}

fn s(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn write_outputs(options: &Options, report: &mut Report) -> Result<(), Errors> {
    let scans_csv = scans_csv(&report.plan, &report.scans);
    let coverage_csv = coverage::csv(&report.plan, &report.coverage);
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    if let Some(path) = &options.csv {
        files.push((path.clone(), scans_csv.clone()));
    }
    if let Some(path) = &options.coverage {
        files.push((path.clone(), coverage_csv.clone()));
    }
    if let Some(path) = &options.summary {
        files.push((path.clone(), summary::bytes(&summary::summary(report), path)?));
    }
    if let Some(dir) = &options.html {
        files.push((dir.join("index.html"), html::page(report).into_bytes()));
        files.push((dir.join("scans.csv"), scans_csv));
        files.push((dir.join("coverage.csv"), coverage_csv));
    }
    for (path, bytes) in files {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, "write", e))?;
        report.written.push(path);
    }
    Ok(())
}

/// The scans CSV: a row per unit landing page (empty item) and per printed variant, in the site's order.
pub fn scans_csv(plan: &Plan, scans: &Scans) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER.split(','));
    for (r, row) in plan.rows.iter().enumerate() {
        let c = &scans.rows[r];
        let day = |d: u32| if d == 0 { String::new() } else { log::format_day(d) };
        let _ = w.write_record([
            plan.units[row.unit].id.as_str(),
            row.item.map(|i| plan.items[i].id.as_str()).unwrap_or(""),
            &c.scans.to_string(),
            &c.visitors().to_string(),
            &day(c.first),
            &day(c.last),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// Pads `text` to `width` terminal cells (Chinese characters take two).
fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(display_width).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// The terminal summary: the scan table, channels, what was left out, blind spots and survey rates.
pub fn terminal(report: &Report) -> String {
    let (plan, scans) = (&report.plan, &report.scans);
    let mut out = String::new();
    let day = |d: u32| if d == 0 { "-".to_string() } else { log::format_day(d) };
    let unit_name = |u: usize| format!("{} {}", plan.units[u].id, plan.units[u].name);
    let row_name = |item: Option<usize>| match item {
        None => "  (unit page)".to_string(),
        Some(i) => format!("  {}", plan.items[i].id),
    };
    let channel_name = |c: usize| format!("{} {}", plan.channels[c].id, plan.channels[c].title);
    let cells = |s: &str| s.chars().map(display_width).sum::<usize>();
    let width = (0..plan.units.len())
        .map(|u| cells(&unit_name(u)))
        .chain(plan.rows.iter().map(|r| cells(&row_name(r.item))))
        .chain((0..plan.channels.len()).map(|c| cells(&channel_name(c))))
        .max()
        .unwrap_or(0)
        .max(12)
        + 2;
    let line = |out: &mut String, name: &str, c: &scan::Counter| {
        out.push_str(&format!("{}{:>8} {:>9}  {:<10}  {}\n", pad(name, width), c.scans, c.visitors(), day(c.first), day(c.last)));
    };
    out.push_str(&format!("{}{:>8} {:>9}  {:<10}  {}\n", pad("unit / item", width), "scans", "visitors", "first", "last"));
    for (u, _) in plan.units.iter().enumerate() {
        line(&mut out, &unit_name(u), &scans.units[u]);
        for (r, row) in plan.rows.iter().enumerate().filter(|(_, row)| row.unit == u) {
            line(&mut out, &row_name(row.item), &scans.rows[r]);
        }
    }
    if !plan.channels.is_empty() {
        out.push_str("\nchannel pages\n");
        for c in 0..plan.channels.len() {
            line(&mut out, &channel_name(c), &scans.channels[c]);
        }
    }
    out.push_str(&format!(
        "\nread {} line{} from {} log{}: {} scan{} counted",
        scans.lines,
        s(scans.lines),
        scans.files.len(),
        s(scans.files.len() as u64),
        scans.counted,
        s(scans.counted)
    ));
    if let Some((first, last)) = scans.period() {
        out.push_str(&format!(" ({} to {})", log::format_day(first), log::format_day(last)));
    }
    out.push_str(&format!(
        "\nleft out: {} by crawlers and scripts, {} not GET (HEAD and others), {} answered with an error, {} for other pages, {} unreadable\n",
        scans.crawlers, scans.not_get, scans.errors, scans.other_pages, scans.unreadable
    ));
    if scans.unknown > 0 {
        let mut listed: Vec<String> = scans.unknown_by_address.iter().map(|(a, (_, n))| format!("{}{a}/ {n}", plan.prefix)).collect();
        if scans.unknown_other > 0 {
            listed.push(format!("other {}", scans.unknown_other));
        }
        out.push_str(&format!("unknown QR addresses (no such unit, item or channel): {} — {}\n", scans.unknown, listed.join(", ")));
    }
    let blind: Vec<String> = blind_spots(plan, scans)
        .into_iter()
        .map(|b| match b {
            Blind::Unit(u) => format!("{} (whole unit)", plan.units[u].id),
            Blind::Row(r) => format!("{}/{}", plan.units[plan.rows[r].unit].id, plan.rows[r].item.map(|i| plan.items[i].id.as_str()).unwrap_or("")),
        })
        .collect();
    if blind.is_empty() {
        out.push_str("blind spots (no scans): none\n");
    } else {
        out.push_str(&format!("blind spots (no scans): {}\n", blind.join(", ")));
    }
    if report.survey.found {
        let a = report.survey.town_awareness();
        let sat = report.survey.town(survey::SATISFIED);
        out.push_str(&format!("survey: 知晓率 {} ({} answers), 满意度 {} ({} answers)\n", a.percent(), a.answers, sat.percent(), sat.answers));
    }
    if report.returns.found {
        out.push_str(&format!("returns: {} file{} read\n", report.returns.files, s(report.returns.files as u64)));
    }
    let gaps = report.coverage.iter().filter(|l| !l.gaps.is_empty()).count();
    out.push_str(&format!("coverage: {gaps} of {} lines with gaps\n", report.coverage.len()));
    out
}

/// A blind spot: nothing was scanned there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blind {
    /// A whole unit: neither its page nor any of its items.
    Unit(usize),
    /// One printed variant (plan row) of a unit that was scanned elsewhere.
    Row(usize),
}

/// Units, then variants, with no scans at all. A unit with no scans is listed once, not with each item.
pub fn blind_spots(plan: &Plan, scans: &Scans) -> Vec<Blind> {
    let mut out: Vec<Blind> = (0..plan.units.len()).filter(|u| scans.units[*u].scans == 0).map(Blind::Unit).collect();
    for (r, row) in plan.rows.iter().enumerate() {
        if row.item.is_some() && scans.rows[r].scans == 0 && scans.units[row.unit].scans > 0 {
            out.push(Blind::Row(r));
        }
    }
    out
}
