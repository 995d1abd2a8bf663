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
    /// Check the site without writing anything: broken links and anchors, images without alt
    /// text, invalid channels, QR codes, expired notices still linked; exits non-zero on errors
    Check {
        /// The site folder, holding config.toml and content/
        #[arg(long, short = 'r', default_value = ".")]
        root: PathBuf,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
    },
}

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
        Command::Check { root, drafts } => {
            let root = site_root(root);
            let report = placard::check::check(&BuildOptions { root: root.clone(), drafts, ..Default::default() });
            print_all(&report.problems, &root);
            let errors = report.problems.0.iter().filter(|e| !e.is_warning()).count();
            let warnings = report.problems.0.len() - errors;
            println!("checked {} pages and {} links: {errors} error{}, {warnings} warning{}", report.pages, report.links, plural(errors), plural(warnings));
            if errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Build { root, output_dir, base_url, drafts } => {
            let root = site_root(root);
            let options = BuildOptions { root: root.clone(), output_dir, base_url, drafts, today: None };
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
    for d in &diagnostics.0 {
        eprint!("{}", d.render(root));
    }
}

/// Prints the diagnostics and a closing line; always a failure exit code.
fn report(errors: &Errors, root: &Path) -> ExitCode {
    print_all(errors, root);
    let count = errors.0.iter().filter(|e| !e.is_warning()).count();
    eprintln!("error: build failed with {count} error{}; the previous output was left as it was", plural(count));
    ExitCode::FAILURE
}
