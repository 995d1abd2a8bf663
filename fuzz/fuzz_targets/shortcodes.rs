//! cargo-fuzz target; the checks live in ../checks.rs, shared with tests/fuzz_smoke.rs.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::shortcodes(data));
