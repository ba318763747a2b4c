#![no_main]
//! `old NUL new` through the added/removed line-set computation of a scan: never a panic, and every line number
//! names a line of its side (counted the way the engine counts lines).

use libfuzzer_sys::fuzz_target;
use secreview_model::count_lines;

fuzz_target!(|data: &[u8]| {
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let Ok((added, removed)) = secreview_diff::line_sets(old, new) else {
        return;
    };
    let new_lines = count_lines(&String::from_utf8_lossy(new));
    let old_lines = count_lines(&String::from_utf8_lossy(old));
    if let Some(&(s, e)) = added.ranges().last() {
        assert!(s >= 1 && e <= new_lines, "added {s}..={e} of {new_lines} new lines");
    }
    if let Some(&(s, e)) = removed.ranges().last() {
        assert!(s >= 1 && e <= old_lines, "removed {s}..={e} of {old_lines} old lines");
    }
    if old == new {
        assert!(added.is_empty() && removed.is_empty());
    }
});
