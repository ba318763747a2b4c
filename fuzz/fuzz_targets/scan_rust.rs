#![no_main]
//! Arbitrary bytes analysed as Rust: parsing, the taint and authz walkers, queries, secrets.

use libfuzzer_sys::fuzz_target;

#[path = "scan.rs"]
mod scan;

fuzz_target!(|data: &[u8]| scan::scan("src/fuzz.rs", data));
