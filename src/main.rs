//! The `placard` command line. All the work is in the library; this file parses arguments and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use placard::{BuildOptions, Errors};

/// A static site generator for public-awareness campaigns: a fast, private website, print-ready
/// posters and letters, and QR codes, from a folder of Markdown.
#[derive(Parser)]
#[command(name = "placard", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new site with example content in DIR (default: the current folder, which must be empty)
    Init {
        /// Folder to create the site in
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Build the site into the output folder (public/ by default)
    Build {
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Where to write the site (replaced as a whole, only after a successful build)
        #[arg(long, short = 'o')]
        output_dir: Option<PathBuf>,
        /// Use this base URL instead of the one in config.toml
        #[arg(long, short = 'u')]
        base_url: Option<String>,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Replace the output folder even if placard did not build it (it has no `.placard-output`
        /// file), deleting everything in it
        #[arg(long)]
        force: bool,
    },
    /// Serve the site from memory on this computer, rebuilding and reloading the browser on every edit
    Serve {
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// The address to listen on; the default keeps the preview on this computer
        #[arg(long, short = 'i', default_value = "127.0.0.1")]
        interface: String,
        /// The port to listen on (0 picks a free one)
        #[arg(long, short = 'p', default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser
        #[arg(long, short = 'O')]
        open: bool,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
    },
    /// Build the site, then export every poster and letter as PDF (one page per village or
    /// community) and PNG (1080 px wide) through a headless Chromium
    Print {
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Where to write the website (public/ by default)
        #[arg(long, short = 'o')]
        output_dir: Option<PathBuf>,
        /// Where to write the print sheets, the order sheet and the PDFs and PNGs (print/ in the
        /// site folder by default; `placard build` never touches it)
        #[arg(long)]
        print_dir: Option<PathBuf>,
        /// Print even though the base URL leads to this computer or a private network (for a test
        /// print only: such codes do not work on residents' phones)
        #[arg(long)]
        allow_local_base_url: bool,
        /// Export PDFs (with neither --pdf nor --png, both are exported)
        #[arg(long)]
        pdf: bool,
        /// Export PNGs for WeChat groups and screens
        #[arg(long)]
        png: bool,
        /// Export only the poster or letter with this id
        #[arg(long)]
        only: Option<String>,
        /// Write only the print sheets (HTML, to print from a browser) and the order sheet: no
        /// browser is needed, and nothing checks that the text fits
        #[arg(long, conflicts_with_all = ["pdf", "png", "only"])]
        sheets: bool,
        /// The Chromium (or Chrome) program to use, when it is not on PATH
        #[arg(long)]
        chrome: Option<PathBuf>,
    },
    /// Write the website, or one unit's part of it, as a zip that works with no network: from a
    /// phone's storage or a USB stick (every link is relative)
    Pack {
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Only what this unit (village or community) needs: its landing page, its channels, the
        /// policies and the notices in force
        #[arg(long)]
        unit: Option<String>,
        /// The zip file to write (default: pack/site.zip, or pack/<unit>.zip, in the site folder)
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Export a page, or every page of a section, as an article to paste into the WeChat 公众号
    /// editor or a portal's editor: inline styles only, images and a QR code as files beside it,
    /// ending with the reporting channels
    Article {
        /// The page: its file (content/notices/x.md) or its address (/notices/x/)
        #[arg(required_unless_present = "section", conflicts_with = "section")]
        page: Option<String>,
        /// Export every page of this section (notices, or content/notices/_index.md) that has not expired
        #[arg(long, short = 's')]
        section: Option<String>,
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Where to write the articles, one folder each (articles/ in the site folder by default)
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
    },
    /// Check the site without writing anything: broken links and anchors, images without alt
    /// text, invalid channels, QR codes, expired notices still linked; exits non-zero on errors
    Check {
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Also ask other sites whether the pages linked to still exist (in parallel, one request at
        /// a time per site)
        #[arg(long)]
        external: bool,
        /// Seconds to wait for each outside site
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Count QR scans per unit and item in web server access logs, check cadres' returns and survey
    /// tallies, and report coverage; outputs hold counts only, never an address
    Stats {
        /// Access logs in the combined format (nginx and Apache's default), plain or gzipped; - reads
        /// standard input
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Write scans per unit and item as CSV (unit,item,scans,visitors,first,last)
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Write the report page (index.html with charts, scans.csv, coverage.csv) into this folder
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write the coverage report (planned, delivered, posted, scanned, known) as CSV
        #[arg(long)]
        coverage: Option<PathBuf>,
        /// The folder of delivery and posting returns (default: data/returns/ in the site)
        #[arg(long)]
        returns: Option<PathBuf>,
        /// The survey tallies CSV (default: data/survey.csv in the site)
        #[arg(long)]
        survey: Option<PathBuf>,
        /// Write a summary with counts only (per unit: planned, delivered, posted, scans, survey
        /// rates), as TOML or, for a .json name, JSON, for a public page (docs/stats.md)
        #[arg(long)]
        summary: Option<PathBuf>,
    },
}

// Rendering allocates and frees many small template values; mimalloc does this with about a third
// fewer instructions than the system allocator (measured with callgrind, bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Init { dir } => match placard::init::init(&dir) {
            Ok(files) => {
                for file in files {
                    println!("created {}", dir.join(file).display());
                }
                println!("\nnext: cd {} && placard build", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => report(&Errors::from(e), Path::new(".")),
        },
        Command::Serve { root, interface, port, open, drafts } => {
            let root = site_root(root);
            let options = BuildOptions { root: root.clone(), drafts, ..Default::default() };
            match placard::serve::serve(options, &interface, port, open) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => report(&Errors::from(e), &root),
            }
        }
        Command::Print { root, output_dir, print_dir, allow_local_base_url, pdf, png, only, chrome, sheets } => {
            let root = site_root(root);
            let options = BuildOptions { root: root.clone(), output_dir, ..Default::default() };
            let (site, built) = match placard::site::build_site(&options) {
                Ok(done) => done,
                Err(errors) => return report(&errors, &root),
            };
            print_all(&built.warnings, &root);
            let print_dir = match placard::site::write_print_tree(&site, &built, print_dir.as_deref(), allow_local_base_url) {
                Ok(dir) => dir,
                Err(e) => {
                    print_all(&Errors::from(e), &root);
                    eprintln!("error: nothing was printed; the website was built into {}", built.output_dir.display());
                    return ExitCode::FAILURE;
                }
            };
            if sheets {
                eprintln!("warning: the sheets were not laid out in a browser, so nothing checked that their text fits; `placard print` without --sheets does");
                println!("wrote the print sheets and the order sheet → {}", print_dir.display());
                return ExitCode::SUCCESS;
            }
            let items = placard::print::export_items(&site.campaign.print);
            let export = placard::print::export::ExportOptions { pdf: pdf || !png, png: png || !pdf, only, chrome };
            let started = std::time::Instant::now();
            let mut progress = |done: usize, total: usize, label: &str| progress_bar(done, total, label);
            match placard::print::export::export(&print_dir, &items, &export, &mut progress) {
                Ok(done) => {
                    eprintln!();
                    println!(
                        "exported {} PDF{} ({} pages) and {} PNG{} in {:.1} s → {}",
                        done.pdfs.len(),
                        plural(done.pdfs.len()),
                        done.pages,
                        done.pngs.len(),
                        plural(done.pngs.len()),
                        started.elapsed().as_secs_f64(),
                        print_dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!();
                    print_all(&Errors::from(e), &root);
                    eprintln!("error: the export stopped; the site itself was built into {}", built.output_dir.display());
                    ExitCode::FAILURE
                }
            }
        }
        Command::Pack { root, unit, output } => {
            let root = site_root(root);
            let options = BuildOptions { root: root.clone(), ..Default::default() };
            let started = std::time::Instant::now();
            let site = match placard::Site::load(&options) {
                Ok(site) => site,
                Err(errors) => return report(&errors, &root),
            };
            let mut website = match site.render() {
                Ok(output) => output,
                Err(errors) => return report(&errors, &root),
            };
            let _print = website.split_off_prefix(&format!("{}/", placard::print::PRINT_DIR));
            let file = output.unwrap_or_else(|| root.join("pack").join(format!("{}.zip", unit.as_deref().unwrap_or("site"))));
            match placard::pack::pack(&site, &website, unit.as_deref()).and_then(|zip| placard::pack::write(&file, &zip).map(|()| zip.len())) {
                Ok(bytes) => {
                    print_all(&site.warnings, &root);
                    println!(
                        "packed {} in {:.2} s: {} KB → {}",
                        unit.as_deref().unwrap_or("the site"),
                        started.elapsed().as_secs_f64(),
                        bytes / 1024,
                        file.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    print_all(&Errors::from(e), &root);
                    eprintln!("error: no pack was written");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Article { page, section, root, output, drafts } => {
            let root = site_root(root);
            let options = BuildOptions { root: root.clone(), drafts, ..Default::default() };
            let site = match placard::Site::load(&options) {
                Ok(site) => site,
                Err(errors) => return report(&errors, &root),
            };
            let target = match (page, section) {
                (_, Some(section)) => placard::article::Target::Section(section),
                (Some(page), None) => placard::article::Target::Page(page),
                (None, None) => return report(&Errors::from(placard::Error::new("name a page, or a section with --section")), &root),
            };
            let out = output.unwrap_or_else(|| root.join("articles"));
            match placard::article::run(&site, &target, &out) {
                Ok(done) => {
                    print_all(&site.warnings, &root);
                    print_all(&done.warnings, &root);
                    for a in &done.exported {
                        println!(
                            "{} → {}/article.html ({:.1} KB; {} image{}, {:.1} KB; qr.png {:.1} KB)",
                            a.source,
                            a.dir.display(),
                            a.html_bytes as f64 / 1024.0,
                            a.images,
                            plural(a.images),
                            a.image_bytes as f64 / 1024.0,
                            a.qr_bytes as f64 / 1024.0
                        );
                    }
                    for skipped in &done.expired {
                        println!("{skipped}: left out, it has expired");
                    }
                    println!("exported {} article{} → {}", done.exported.len(), plural(done.exported.len()), out.display());
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    print_all(&errors, &root);
                    eprintln!("error: no article was written");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check { root, drafts, external, timeout } => {
            let root = site_root(root);
            let outside = external.then(|| placard::check::External { timeout: std::time::Duration::from_secs(timeout.max(1)) });
            let report = placard::check::check(&BuildOptions { root: root.clone(), drafts, ..Default::default() }, outside.as_ref());
            print_all(&report.problems, &root);
            let errors = report.problems.error_count();
            let warnings = report.problems.len() - errors;
            let outside = if external { format!(" and {} outside links", report.external) } else { String::new() };
            println!(
                "checked {} pages, {} links{outside}: {errors} error{}, {warnings} warning{}",
                report.pages,
                report.links,
                plural(errors),
                plural(warnings)
            );
            if errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Stats { logs, root, csv, html, coverage, returns, survey, summary } => {
            let root = site_root(root);
            let options = placard::stats::Options { root: root.clone(), logs, csv, html, coverage, returns, survey, summary };
            match placard::stats::run(&options) {
                Ok(report) => {
                    print_all(&report.warnings, &root);
                    print!("{}", placard::stats::terminal(&report));
                    for file in &report.written {
                        println!("wrote {}", file.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    print_all(&errors, &root);
                    let count = errors.error_count();
                    eprintln!("error: stats stopped with {count} error{}; nothing was written", plural(count));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Build { root, output_dir, base_url, drafts, force } => {
            let root = site_root(root);
            let options = BuildOptions { root: root.clone(), output_dir, base_url, drafts, today: None, force };
            match placard::build(&options) {
                Ok(report) => {
                    print_all(&report.warnings, &root);
                    println!(
                        "built {} pages, {} sections, {} files in {:.2} s → {}",
                        report.pages,
                        report.sections,
                        report.files,
                        report.elapsed.as_secs_f64(),
                        report.output_dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(errors) => report(&errors, &root),
            }
        }
    }
}

/// A one-line progress bar on the terminal; nothing when the output is not a terminal.
fn progress_bar(done: usize, total: usize, label: &str) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if !err.is_terminal() || total == 0 {
        return;
    }
    let width = 24;
    let filled = done * width / total;
    let _ = write!(err, "\r[{}{}] {done}/{total} {label:<40}", "#".repeat(filled), ".".repeat(width - filled));
    let _ = err.flush();
}

/// Messages name files relative to the site, so `./content/a.md` reads as `content/a.md`.
fn site_root(root: PathBuf) -> PathBuf {
    if root == Path::new(".") {
        PathBuf::new()
    } else {
        root
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_all(diagnostics: &Errors, root: &Path) {
    for d in diagnostics.iter() {
        eprint!("{}", d.render(root));
    }
}

/// Prints the diagnostics and a closing line; always a failure exit code. The line says what became of
/// the previous output only as [`placard::output::previous_output`] knows it.
fn report(errors: &Errors, root: &Path) -> ExitCode {
    use placard::output::PreviousOutput;
    print_all(errors, root);
    let count = errors.error_count();
    let previous = match placard::output::previous_output() {
        PreviousOutput::Intact => "the previous output was left as it was".to_string(),
        PreviousOutput::PutBack => "the last complete output, which an interrupted build had moved aside, was put back in place".to_string(),
        PreviousOutput::Displaced(at) => format!("the previous output is NOT in place: it is in {} (see above)", at.display()),
    };
    eprintln!("error: build failed with {count} error{}; {previous}", plural(count));
    ExitCode::FAILURE
}
