//! Design target: a 2,000-file range diff in about 0.5–1 s. Ignored by default (timing on shared CI machines is
//! noise); run with `cargo test -p secreview-diff --release --test perf -- --ignored --nocapture`.
#![allow(clippy::print_stderr)]

mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use common::TestRepo;
use secreview_diff::{Mode, Options, collect};

#[test]
#[ignore = "timing; run explicitly"]
fn two_thousand_file_range_is_fast() {
    let t = TestRepo::init();
    let body = |i: usize, v: usize| -> String {
        (0..120).fold(String::new(), |mut s, l| {
            if l % 40 == v {
                writeln!(s, "changed_{i}_{l} = {v}").unwrap();
            } else {
                writeln!(s, "value_{i}_{l} = compute({l}, {i})").unwrap();
            }
            s
        })
    };
    for i in 0..2000 {
        t.write(&format!("pkg{}/mod_{i}.py", i % 40), body(i, 100));
    }
    let a = t.commit("base");
    for i in 0..2000 {
        t.write(&format!("pkg{}/mod_{i}.py", i % 40), body(i, i % 40));
    }
    // A few renames so rename detection has work.
    for i in 0..20 {
        let from = format!("pkg{}/mod_{i}.py", i % 40);
        let text = std::fs::read_to_string(t.abs(&from)).unwrap();
        t.remove(&from);
        t.write(&format!("moved/mod_{i}.py"), text);
    }
    let b = t.commit("change everything");

    let mode = Mode::Range {
        from: a.to_string(),
        to: b.to_string(),
    };
    let start = Instant::now();
    let set = collect(t.path(), &mode, &Options::default()).unwrap();
    let took = start.elapsed();
    eprintln!("2,000-file range diff: {took:?}");
    assert_eq!(set.files.len(), 2000);
    assert_eq!(
        set.files
            .iter()
            .filter(|f| f.old_path.as_deref() != Some(f.path.as_str()))
            .count(),
        20
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}
