//! The binary as the end-to-end tests run it: not under CI (so `--show-secrets` is allowed where a test asks),
//! without colour, and with a fixed "today" so suppression expiry is reproducible.

use assert_cmd::Command;

pub fn secreview() -> Command {
    let mut c = Command::cargo_bin("secreview").unwrap();
    c.env_remove("CI")
        .env("NO_COLOR", "1")
        .env("SECREVIEW_TODAY", "2026-11-24");
    c
}
