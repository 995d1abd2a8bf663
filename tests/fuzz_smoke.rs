//! A short, deterministic fuzz run for plain `cargo test`: the checks of the cargo-fuzz targets
//! (`fuzz/checks.rs`) over the committed seed corpus (`fuzz/seeds/<target>/`) and a few thousand
//! mutations of it. The mutator is a fixed-seed xorshift, so a failure repeats exactly; the failing
//! input is written next to the test binary's scratch space for `cargo fuzz run <target> <file>`.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

/// Mutations per target; with the seeds themselves this is a few thousand inputs in all.
const ITERATIONS: usize = 2000;
/// Inputs stay small, as the fuzzer's do by default, so each check takes microseconds.
const MAX_LEN: usize = 8 * 1024;

/// Pieces that matter to the parsers under test, spliced in to reach their edge cases sooner.
const TOKENS: &[&str] = &[
    "\u{3000}",
    "\u{a0}",
    "+++",
    "---",
    "\n",
    "\r\n",
    "\u{feff}",
    "=",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{% end %}",
    "(",
    ")",
    ",",
    ":",
    "#",
    "-",
    "+86",
    "@",
    ".",
    "https://",
    "http://",
    "&amp;",
    "&#",
    ";",
    "<",
    ">",
    "</p>",
    "<script>",
    "PLACARDSC",
    "X",
    "0",
    "9",
    "中",
    "举报",
    "１",
    "🙂",
    "\0",
    "```",
    "~~~",
    "date = ",
    "title: ",
    "\\",
    "*",
    "&",
    "1e9",
    "-1",
    "true",
    "null",
    "%",
];

/// xorshift64*: tiny, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(seeds.len() >= 3, "{}: the committed corpus has only {} seeds", dir.display(), seeds.len());
    seeds
}

/// One to four edits: flip, insert, delete, repeat, splice another seed, or insert a token.
fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let piece = out[start..end].to_vec();
                let times = 1 + rng.below(8);
                for _ in 0..times {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let start = rng.below(other.len());
                let end = (start + rng.below(256)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.bytes());
            }
        }
        out.truncate(MAX_LEN);
    }
    out
}

/// Runs `check` on every seed and on `ITERATIONS` mutations; panics with the input that failed.
fn run(target: &str, check: fn(&[u8])) {
    let seeds = seeds(target);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64);
    let mut inputs: Vec<Vec<u8>> = seeds.clone();
    let mut pool = seeds.clone();
    for _ in 0..ITERATIONS {
        let base = pool[rng.below(pool.len())].clone();
        let input = mutate(&mut rng, &base, &seeds);
        // Keep some mutants as bases, so edits stack up the way a fuzzer's corpus grows.
        if rng.below(4) == 0 && pool.len() < 256 {
            pool.push(input.clone());
        }
        inputs.push(input);
    }
    for input in &inputs {
        if let Err(panic) = std::panic::catch_unwind(|| check(input)) {
            let message = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            let saved = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-failure-{target}"));
            let _ = std::fs::write(&saved, input);
            panic!("{target} panicked: {message}\ninput ({} bytes, saved to {}): {:?}", input.len(), saved.display(), String::from_utf8_lossy(input));
        }
    }
    eprintln!("{target}: {} inputs, no panic", inputs.len());
}

#[test]
fn front_matter_survives_mutated_files() {
    run("front_matter", checks::front_matter);
}

#[test]
fn shortcode_parser_survives_mutated_bodies() {
    run("shortcodes", checks::shortcodes);
}

#[test]
fn channel_values_survive_mutated_values() {
    run("channel_values", checks::channel_values);
}

#[test]
fn search_tokenizer_survives_mutated_text() {
    run("search_tokens", checks::search_tokens);
}

/// Inputs that once crashed placard (found by the fuzzer: a multi-byte space such as U+3000 after
/// `{{` made the shortcode parser slice inside a character) stay fixed.
#[test]
fn former_crashes_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/shortcodes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let input = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| checks::shortcodes(&input));
        assert!(outcome.is_ok(), "{} still crashes", file.display());
    }
}

#[test]
fn the_mutator_is_deterministic_and_changes_its_input() {
    let seeds = vec![b"+++\ntitle = \"x\"\n+++\nbody".to_vec()];
    let (mut a, mut b) = (Rng(7), Rng(7));
    let first: Vec<Vec<u8>> = (0..50).map(|_| mutate(&mut a, &seeds[0], &seeds)).collect();
    let second: Vec<Vec<u8>> = (0..50).map(|_| mutate(&mut b, &seeds[0], &seeds)).collect();
    assert_eq!(first, second, "a fixed seed gives the same inputs");
    assert!(first.iter().filter(|m| *m != &seeds[0]).count() > 40, "mutations change the input");
}
