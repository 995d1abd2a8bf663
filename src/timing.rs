//! Phase timings for the bench (`PLACARD_TIMINGS=1`). A leaf module: it uses nothing else of the
//! crate.

use std::time::Instant;

/// With `PLACARD_TIMINGS=1`, prints how long a phase of the build took to stderr (never into the output).
pub fn timing(phase: &str, started: Instant) {
    if on() {
        eprintln!("placard timing: {phase:<10} {:>8.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    }
}

/// With `PLACARD_TIMINGS=1`, prints a fact about the build that explains its figures.
pub fn note(text: &str) {
    if on() {
        eprintln!("placard timing: {text}");
    }
}

fn on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PLACARD_TIMINGS").is_some_and(|v| v == "1"))
}
