//! # secreview (the binary)
//!
//! Turns command-line arguments and `.secreview.toml` into validated settings, asks the diff crate for the
//! changed files, the engine for findings and the report crate for text, then decides the exit code: 0 nothing at
//! or above `--fail-on`, 1 findings at or above it, 2 a usage or runtime error (one line, plus a hint where the
//! user can act). Also: hook installation and git's pre-push protocol, baselines, `rules`, `explain`, `routes`,
//! `demo`, completions.
//!
//! Libraries never print; this crate owns stdout and stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod baseline;
mod config;
mod demo;
mod hook;
mod info;
mod policy;
mod scan;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

pub use args::Cli;
/// `.secreview.toml` parsing, public for the config fuzz target.
#[doc(hidden)]
pub use config::Config;

/// The process exit status, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Runs the command line and returns the exit status; errors are printed here, once.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Clean
            };
            let _ = e.print();
            return code.into();
        }
    };
    match dispatch(cli) {
        Ok(exit) => exit.into(),
        // Only ungated output gets here (a scan's report goes through `print_gated`).
        Err(e) if is_broken_pipe(&e) => Exit::Clean.into(),
        Err(e) => {
            let text = format!("{e:#}");
            let (msg, hint) = match text.split_once("  hint: ") {
                Some((m, h)) => (m.trim().to_owned(), Some(h.trim().to_owned())),
                None => (text, None),
            };
            // Errors name paths and refs from the repository: print them inert, on one line each.
            eprintln!("error: {}", secreview_report::escape_control(&msg));
            if let Some(h) = hint {
                eprintln!("hint: {}", secreview_report::escape_control(&h));
            }
            Exit::Error.into()
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    use args::Command;
    match cli.command {
        Command::Scan(a) => scan::scan(&a),
        Command::Baseline(a) => baseline::write(&a),
        Command::Hook(h) => hook::run(h),
        Command::Rules(a) => info::rules(&a),
        Command::Explain { rule_id, rules } => info::explain(&rule_id, &rules),
        Command::Routes(a) => info::routes(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "secreview", &mut out);
            std::io::stdout().write_all(&out)?;
            Ok(Exit::Clean)
        }
    }
}

/// Writes to stdout, turning a closed pipe into an error `run` maps to exit 0 (for output that gates nothing:
/// `rules`, `explain`, `routes`; a scan uses [`print_gated`]).
pub(crate) fn print_out(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes a gated run's report to stdout; see [`write_gated`].
pub(crate) fn print_gated(text: &str, exit: Exit) -> anyhow::Result<Exit> {
    write_gated(&mut std::io::stdout().lock(), text, exit)
}

/// Writes the report of a run whose exit status `exit` was decided before printing. A reader that stops early
/// (`secreview scan | head -1`) closes the pipe; the run still exits with the gate's decision, so blocking
/// findings fail it even when nobody read them all. Other write errors are errors.
pub(crate) fn write_gated(out: &mut impl Write, text: &str, exit: Exit) -> anyhow::Result<Exit> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(exit),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit),
        Err(e) => Err(e.into()),
    }
}

/// Today's date as `YYYY-MM-DD` (UTC), for suppression expiry; `SECREVIEW_TODAY` overrides it for tests.
pub(crate) fn today() -> String {
    if let Ok(t) = std::env::var("SECREVIEW_TODAY") {
        return t;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's algorithm.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// RFC 3339 UTC timestamp without fractions, for report metadata.
pub(crate) fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
