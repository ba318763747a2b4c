#![no_main]
//! Arbitrary bytes analysed as Python: parsing, the taint and authz walkers, queries, secrets.

use libfuzzer_sys::fuzz_target;

#[path = "scan.rs"]
mod scan;

fuzz_target!(|data: &[u8]| scan::scan("app/fuzz.py", data));
