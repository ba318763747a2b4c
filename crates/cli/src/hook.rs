//! Git hooks: `hook install` writes a small script into the hooks directory (honouring `core.hooksPath`);
//! `hook pre-push` implements git's pre-push protocol and scans only what is being pushed.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use secreview_diff::{Mode, Options};
use secreview_engine::{Engine, Kinds, ScanOutput};
use secreview_report::{Format, ReportInput, TableOptions};

use crate::Exit;
use crate::args::HookCommand;
use crate::baseline::Baseline;
use crate::scan::{Settings, apply_overrides, apply_path_filters, gate, load_rules, merge};

/// Marks hooks secreview wrote, so it can replace its own and refuses to clobber others.
const MARKER: &str = "# installed by secreview";

pub(crate) fn run(cmd: HookCommand) -> Result<Exit> {
    match cmd {
        HookCommand::Install {
            path,
            pre_push: _,
            pre_commit,
            force,
        } => install(&path, pre_commit, force),
        HookCommand::PrePush { path, fail_on, .. } => {
            let mut stdin = String::new();
            if !std::io::stdin().is_terminal() {
                std::io::stdin().read_to_string(&mut stdin)?;
            }
            pre_push(&path, &stdin, fail_on)
        }
    }
}

fn hooks_dir(path: &Path) -> Result<PathBuf> {
    Ok(secreview_diff::hooks_dir(path)?)
}

fn install(path: &Path, pre_commit: bool, force: bool) -> Result<Exit> {
    let dir = hooks_dir(path)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (name, body) = if pre_commit {
        (
            "pre-commit",
            "exec secreview scan --staged --format table \"$@\"",
        )
    } else {
        ("pre-push", "exec secreview hook pre-push \"$@\"")
    };
    let file = dir.join(name);
    if file.exists() {
        let existing = std::fs::read_to_string(&file).unwrap_or_default();
        if !existing.contains(MARKER) && !force {
            bail!(
                "{} already exists and was not written by secreview  hint: add `secreview hook pre-push` to it yourself, or pass --force to replace it",
                file.display()
            );
        }
    }
    let script = format!(
        "#!/bin/sh\n{MARKER}\n# Blocks the {name} when secreview finds high-severity issues in what is being pushed.\n\
         # Bypass once with `git {} --no-verify`.\n{body}\n",
        if pre_commit { "commit" } else { "push" }
    );
    std::fs::write(&file, script).with_context(|| format!("cannot write {}", file.display()))?;
    make_executable(&file)?;
    eprintln!("installed {}", file.display());
    Ok(Exit::Clean)
}

#[cfg(unix)]
fn make_executable(file: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(file)?.permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(file, perm)?;
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_file: &Path) -> Result<()> {
    Ok(())
}

/// Scans every pushed range: code rules on each range's net diff, secrets on every commit of it.
fn pre_push(path: &Path, stdin: &str, fail_on: Option<crate::args::FailOn>) -> Result<Exit> {
    let ranges = secreview_diff::pre_push_ranges(path, stdin)?;
    let args = crate::args::ScanArgs {
        path: path.to_path_buf(),
        ..Default::default()
    };
    let settings = Settings::from_args(&args)?;
    let fail_on = fail_on.map_or(settings.fail_on, crate::scan::fail_on);
    if ranges.is_empty() {
        return Ok(Exit::Clean);
    }
    crate::scan::init_threads(settings.jobs);
    let engine = Engine::new(
        load_rules(&settings)?,
        secreview_engine::Settings {
            today: crate::today(),
            show_secrets: false,
        },
    )?;
    let opts = Options {
        max_file_bytes: settings.max_file_bytes,
        ..Options::default()
    };
    let mut all = ScanOutput::default();
    let mut meta = secreview_model::ScanMeta {
        mode: "pre-push".into(),
        ..Default::default()
    };
    let mut skipped = Vec::new();
    for r in &ranges {
        let code = match &r.from {
            Some(from) => {
                let mode = Mode::Range {
                    from: from.clone(),
                    to: r.to.clone(),
                };
                let mut cs = secreview_diff::collect(path, &mode, &opts)?;
                apply_path_filters(&mut cs, &settings);
                meta.files_scanned += u32::try_from(cs.files.len()).unwrap_or(0);
                skipped.extend(cs.skipped.clone());
                engine.scan(
                    &cs.files,
                    Kinds {
                        code: true,
                        secrets: false,
                    },
                )
            }
            None => ScanOutput::default(),
        };
        merge(&mut all, code);
        let mut commits = secreview_diff::collect_commits(path, r.from.as_deref(), &r.to, &opts)?;
        apply_path_filters(&mut commits, &settings);
        meta.commits += commits.meta.commits;
        merge(
            &mut all,
            engine.scan(
                &commits.files,
                Kinds {
                    code: false,
                    secrets: true,
                },
            ),
        );
        meta.head = Some(r.to.clone());
        meta.base.clone_from(&r.from);
    }
    all.findings
        .dedup_by(|a, b| a.fingerprint == b.fingerprint && a.rule_id == b.rule_id);
    // The same settings as `scan`: per-rule severity and mode, the confidence floor, the baseline.
    apply_overrides(&mut all.findings, &settings);
    if let Some(b) = settings
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()?
    {
        b.filter(&mut all.findings);
    }
    skipped.extend(all.not_parsed.iter().cloned());
    meta.files_skipped = u32::try_from(skipped.len()).unwrap_or(0);
    let rules: Vec<_> = engine
        .rules()
        .rules
        .iter()
        .map(|r| r.meta.clone())
        .collect();
    let input = ReportInput {
        meta: &meta,
        rules: &rules,
        skipped: &skipped,
        suppressions: &all.suppressions,
        fail_on,
        ..ReportInput::new(env!("CARGO_PKG_VERSION"), &all.findings)
    };
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    // Git shows the hook's output to the pusher; stdout and stderr both reach them, stderr is conventional.
    eprint!(
        "{}",
        secreview_report::render(Format::Table, &input, &TableOptions { color, width: None })
    );
    let exit = gate(&all.findings, fail_on);
    if exit == Exit::Findings {
        eprintln!(
            "secreview: push blocked. Fix the findings above, or bypass once with `git push --no-verify`."
        );
    }
    Ok(exit)
}
