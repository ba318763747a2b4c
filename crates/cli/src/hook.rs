//! Git hooks: `hook install` writes a small script into the hooks directory (honouring `core.hooksPath`);
//! `hook pre-push` implements git's pre-push protocol and scans only what is being pushed.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use secreview_diff::Options;
use secreview_engine::{Engine, Kinds, ScanOutput};
use secreview_report::{Format, ReportInput, TableOptions};

use crate::Exit;
use crate::args::HookCommand;
use crate::baseline::Baseline;
use crate::scan::{
    Settings, apply_overrides, apply_path_filters, gate, load_rules, merge, redact_skipped,
};

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
    let (name, command) = if pre_commit {
        ("pre-commit", "scan --staged --format table")
    } else {
        ("pre-push", "hook pre-push")
    };
    let file = dir.join(name);
    if file.exists() {
        let existing = std::fs::read_to_string(&file).unwrap_or_default();
        if !existing.contains(MARKER) {
            if !force {
                bail!(
                    "{} already exists and was not written by secreview  hint: add `secreview hook pre-push` to it yourself, or pass --force to keep it as {name}.legacy and run it first",
                    file.display()
                );
            }
            keep_legacy(&file, name)?;
        }
    }
    let script = hook_script(name, command, pre_commit);
    std::fs::write(&file, script).with_context(|| format!("cannot write {}", file.display()))?;
    make_executable(&file)?;
    eprintln!("installed {}", file.display());
    Ok(Exit::Clean)
}

/// `--force` over a foreign hook: the user's hook survives as `NAME.legacy`, and ours runs it first.
fn keep_legacy(file: &Path, name: &str) -> Result<()> {
    let legacy = file.with_file_name(format!("{name}.legacy"));
    if legacy.exists() {
        bail!(
            "{} already exists, so {} cannot be kept as it  hint: merge or remove one of them, then install again",
            legacy.display(),
            file.display()
        );
    }
    std::fs::rename(file, &legacy)
        .with_context(|| format!("cannot move {} to {}", file.display(), legacy.display()))?;
    eprintln!(
        "kept the existing hook as {} (it runs first)",
        legacy.display()
    );
    Ok(())
}

/// The hook runs the binary that installed it (hooks run with whatever `PATH` the git client has, often not
/// the user's shell's), else `secreview` from `PATH`; when neither exists it says so in one line and fails, so
/// a push is never let through unscanned.
fn hook_script(name: &str, command: &str, pre_commit: bool) -> String {
    let installed = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(shell_quote))
        .unwrap_or_else(|| "''".to_owned());
    let verb = if pre_commit { "commit" } else { "push" };
    let chain = legacy_chain(name, pre_commit);
    format!(
        "#!/bin/sh\n{MARKER}\n\
         # Blocks the {verb} when secreview finds high-severity issues in it.\n\
         # Bypass once with `git {verb} --no-verify`.\n\
         installed={installed}\n\
         secreview=\"$installed\"\n\
         if [ ! -x \"$secreview\" ]; then\n\
         \x20   secreview=$(command -v secreview) || {{\n\
         \x20       echo \"secreview: the {name} hook cannot find the secreview binary (not at $installed, not on PATH)  hint: reinstall it with 'secreview hook install', or bypass once with 'git {verb} --no-verify'\" >&2\n\
         \x20       exit 2\n\
         \x20   }}\n\
         fi\n\
         {chain}\
         exec \"$secreview\" {command} \"$@\"\n"
    )
}

/// Runs a kept `NAME.legacy` hook first, with the same arguments (and, for pre-push, the same standard input);
/// its failure stops the push or commit as it did before secreview was installed.
fn legacy_chain(name: &str, pre_commit: bool) -> String {
    let run = if pre_commit {
        "    \"$legacy\" \"$@\" || exit $?\n".to_owned()
    } else {
        // git writes the pushed refs on stdin once: keep them for both hooks.
        "    input=$(cat)\n    printf '%s\\n' \"$input\" | \"$legacy\" \"$@\" || exit $?\n    \
         printf '%s\\n' \"$input\" | exec \"$secreview\" hook pre-push \"$@\"\n"
            .to_owned()
    };
    format!("legacy=\"$(dirname \"$0\")/{name}.legacy\"\nif [ -x \"$legacy\" ]; then\n{run}fi\n")
}

/// `'…'` for `sh`, with embedded single quotes closed, escaped and reopened.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
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
        let pushed = secreview_diff::collect_pushed(path, r, &opts)?;
        let mut cs = pushed.net;
        apply_path_filters(&mut cs, &settings);
        meta.files_scanned += u32::try_from(cs.files.len()).unwrap_or(0);
        skipped.extend(cs.skipped.clone());
        // The pushed tip's tree is the project the pushed files live in.
        let project = crate::scan::project_for(
            &cs,
            crate::scan::ContextSide::HeadCommit,
            settings.max_file_bytes,
        )?;
        let code = engine.scan_in(&cs.files, Kinds::CODE, &project);
        merge(&mut all, code);
        let mut commits = pushed.commits;
        apply_path_filters(&mut commits, &settings);
        meta.commits += commits.meta.commits;
        merge(&mut all, engine.scan(&commits.files, Kinds::SECRETS));
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
        // Shown as suppressed below the findings, never dropped silently.
        let (hidden, _) = b.split(&mut all.findings);
        all.suppressed.extend(hidden.into_iter().map(|finding| {
            secreview_model::SuppressedFinding {
                suppressed_by: secreview_model::SuppressedBy {
                    kind: secreview_model::SuppressionKind::External,
                    path: settings
                        .baseline
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    line: None,
                    justification: "accepted in the baseline".to_owned(),
                    added_by_change: false,
                },
                finding,
            }
        }));
    }
    skipped.extend(all.not_parsed.iter().cloned());
    redact_skipped(&engine, &all.secrets, &mut skipped);
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
        suppressed: &all.suppressed,
        fail_on,
        ..ReportInput::new(env!("CARGO_PKG_VERSION"), &all.findings)
    };
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    // Decided before printing: a closed stderr must not change what the push is told.
    let exit = gate(&all.findings, fail_on);
    let mut text =
        secreview_report::render(Format::Table, &input, &TableOptions { color, width: None });
    if exit == Exit::Findings {
        text.push_str(
            "secreview: push blocked. Fix the findings above, or bypass once with `git push --no-verify`.\n",
        );
    }
    // Git shows the hook's output to the pusher; stdout and stderr both reach them, stderr is conventional.
    crate::write_gated(&mut std::io::stderr().lock(), &text, exit)
}
