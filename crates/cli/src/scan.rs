//! `secreview scan`: settings → changed files → engine → gate → report.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use secreview_diff::{ChangeSet, Mode, Options};
use secreview_engine::{Engine, Kinds, ScanOutput};
use secreview_model::{Finding, Severity, SkipReason, Skipped};
use secreview_report::{Format, ReportInput, TableOptions};
use secreview_rules::RuleSet;
use serde_json::json;

use crate::Exit;
use crate::args::{FailOn, ModeArgs, ScanArgs};
use crate::baseline::Baseline;
use crate::config::{Config, RuleMode};

/// Validated settings: CLI beats config beats defaults.
pub(crate) struct Settings {
    pub path: PathBuf,
    pub mode: Mode,
    pub format: Format,
    pub outputs: Vec<(Format, PathBuf)>,
    /// A plain `--output FILE` replaces standard output; `FORMAT=FILE` outputs are extra.
    pub stdout_replaced: bool,
    pub output_dir: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub min_confidence: f32,
    pub rule_dirs: Vec<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub color: bool,
    pub max_file_bytes: u64,
    pub include: Option<GlobSet>,
    pub exclude: Option<GlobSet>,
    pub config: Config,
    pub show_secrets: bool,
    /// What the JSON metadata shows: each effective setting and where it came from.
    pub shown: serde_json::Value,
}

pub(crate) fn fail_on(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

fn parse_fail_on(s: &str) -> Result<Option<Severity>> {
    if s.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    s.parse::<Severity>()
        .map(Some)
        .map_err(|e| anyhow::anyhow!("fail_on: {e}"))
}

pub(crate) fn mode_of(m: &ModeArgs, config_base: Option<&str>) -> Result<Mode> {
    Ok(if m.staged {
        Mode::Staged
    } else if m.worktree {
        Mode::Worktree
    } else if m.all {
        Mode::All
    } else if let Some(r) = &m.range {
        Mode::range(r)?
    } else {
        Mode::Branch {
            base: m.base.clone().or_else(|| config_base.map(str::to_owned)),
        }
    })
}

/// The repository root for `path` (for config lookup), or `path` itself outside git.
pub(crate) fn repo_root(path: &Path) -> PathBuf {
    secreview_diff::repo_root(path).unwrap_or_else(|| path.to_path_buf())
}

fn globs(patterns: &[String], what: &str) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).with_context(|| format!("bad {what} glob `{p}`"))?);
    }
    Ok(Some(b.build()?))
}

impl Settings {
    pub fn from_args(a: &ScanArgs) -> Result<Settings> {
        if !a.path.exists() {
            bail!(
                "{} does not exist  hint: pass the repository or directory to scan",
                a.path.display()
            );
        }
        let root = repo_root(&a.path);
        let (config, config_path) = Config::load(a.config.as_deref(), &root)?;
        let src = |cli: bool, cfg: bool| {
            if cli {
                "cli"
            } else if cfg {
                "config"
            } else {
                "default"
            }
        };
        let format_text = a
            .format
            .clone()
            .or_else(|| config.format.clone())
            .unwrap_or_else(|| "table".into());
        let format: Format = format_text.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut outputs = Vec::new();
        let mut stdout_replaced = false;
        for o in &a.output {
            match o.split_once('=') {
                Some((f, file)) if f.parse::<Format>().is_ok() => {
                    outputs.push((
                        f.parse::<Format>().map_err(|e| anyhow::anyhow!("{e}"))?,
                        PathBuf::from(file),
                    ));
                }
                _ => {
                    stdout_replaced = true;
                    outputs.push((format, PathBuf::from(o)));
                }
            }
        }
        let fail_on = match (a.fail_on, &config.fail_on) {
            (Some(f), _) => fail_on(f),
            (None, Some(s)) => parse_fail_on(s)?,
            (None, None) => Some(Severity::High),
        };
        let min_confidence = a.min_confidence.or(config.min_confidence).unwrap_or(0.0);
        if !(0.0..=1.0).contains(&min_confidence) {
            bail!("--min-confidence {min_confidence} is outside 0.0..=1.0");
        }
        if a.show_secrets && std::env::var_os("CI").is_some() {
            bail!(
                "--show-secrets is refused when CI is set: CI logs are shared and kept  hint: triage secrets locally"
            );
        }
        let mut rule_dirs = a.rules.clone();
        rule_dirs.extend(config.rules_dirs.iter().map(|d| root.join(d)));
        let baseline = a
            .baseline
            .clone()
            .or_else(|| config.baseline.as_ref().map(|b| root.join(b)));
        let mode = mode_of(&a.mode, config.base.as_deref())?;
        let color = !a.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal();
        let shown = json!({
            "format": {"value": format.as_str(), "source": src(a.format.is_some(), config.format.is_some())},
            "fail_on": {"value": fail_on.map_or("never", Severity::as_str), "source": src(a.fail_on.is_some(), config.fail_on.is_some())},
            "min_confidence": {"value": min_confidence, "source": src(a.min_confidence.is_some(), config.min_confidence.is_some())},
            "config_file": config_path.as_ref().map(|p| p.display().to_string()),
            "rule_dirs": rule_dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
            "baseline": baseline.as_ref().map(|b| b.display().to_string()),
            "disabled_rules": config.rules.disable,
            "include": config.include,
            "exclude": config.exclude,
        });
        Ok(Settings {
            path: a.path.clone(),
            mode,
            format,
            outputs,
            stdout_replaced,
            output_dir: a.output_dir.clone(),
            fail_on,
            min_confidence,
            rule_dirs,
            baseline,
            jobs: a.jobs.or(config.jobs),
            color,
            max_file_bytes: a
                .max_file_size
                .or(config.max_file_size)
                .unwrap_or(2 * 1024 * 1024),
            include: globs(&config.include, "include")?,
            exclude: globs(&config.exclude, "exclude")?,
            config,
            show_secrets: a.show_secrets,
            shown,
        })
    }
}

/// Loads the rules with the config's additions and removals applied.
pub(crate) fn load_rules(settings: &Settings) -> Result<RuleSet> {
    let mut set = RuleSet::load(&settings.rule_dirs)?;
    let cfg = &settings.config;
    let unknown = set.disable(&cfg.rules.disable);
    if !unknown.is_empty() {
        bail!(
            "config disables unknown rule(s): {}  hint: `secreview rules` lists the ids",
            unknown.join(", ")
        );
    }
    for id in cfg.rules.severity.keys().chain(cfg.rules.mode.keys()) {
        if set.get(id).is_none() {
            bail!("config names unknown rule `{id}`  hint: `secreview rules` lists the ids");
        }
    }
    let a = &cfg.authz;
    set.authz
        .auth_markers
        .extend(a.auth_markers.iter().cloned());
    set.authz.auth_names.extend(a.auth_names.iter().cloned());
    set.authz
        .privilege_markers
        .extend(a.privilege_markers.iter().cloned());
    set.authz
        .owner_fields
        .extend(a.owner_fields.iter().cloned());
    set.authz
        .principal_markers
        .extend(a.principal_markers.iter().cloned());
    set.authz
        .public_route_words
        .extend(a.public_route_words.iter().cloned());
    set.authz
        .allow_all_names
        .extend(a.allow_all_names.iter().cloned());
    set.authz
        .lookup_calls
        .extend(a.lookup_calls.iter().cloned());
    set.authz
        .mutation_calls
        .extend(a.mutation_calls.iter().cloned());
    let s = &cfg.secrets;
    set.secrets
        .placeholder_words
        .extend(s.placeholder_words.iter().cloned());
    set.secrets
        .example_values
        .extend(s.example_values.iter().cloned());
    set.secrets
        .reference_patterns
        .extend(s.reference_patterns.iter().cloned());
    set.secrets.skip_paths.extend(s.skip_paths.iter().cloned());
    set.secrets.test_paths.extend(s.test_paths.iter().cloned());
    set.secrets
        .generic_rules
        .extend(s.generic_rules.iter().cloned());
    Ok(set)
}

/// Most worker threads `--jobs` / `jobs` may ask for: the work is CPU-bound, and a branch's own config must not
/// make the gate spawn thousands of threads.
pub(crate) const MAX_JOBS: usize = 64;

/// Sizes the worker pool: `jobs` threads (0 or unset: one per core), clamped to [`MAX_JOBS`] with a note.
pub(crate) fn init_threads(jobs: Option<usize>) {
    let Some(n) = jobs.filter(|&n| n > 0) else {
        return;
    };
    if n > MAX_JOBS {
        eprintln!("note: --jobs {n} is more than the {MAX_JOBS} allowed; using {MAX_JOBS}");
    }
    // Fails only if a pool already exists (a second call in one process): the first setting stands.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n.min(MAX_JOBS))
        .build_global();
}

/// `PATH` below the repository root limits the scan to that subtree (`secreview scan --all src/`).
fn subtree_prefix(path: &Path, root: &Path) -> Option<String> {
    let p = path.canonicalize().ok()?;
    let r = root.canonicalize().ok()?;
    let rel = p
        .strip_prefix(&r)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    // A file is its own subtree: `secreview scan --all app.py`.
    let prefix = if p.is_dir() {
        format!("{rel}/")
    } else {
        rel.clone()
    };
    (!rel.is_empty()).then_some(prefix)
}

/// Drops excluded (or not included) files, and files outside the scanned subtree, into `skipped`.
pub(crate) fn apply_path_filters(changes: &mut ChangeSet, settings: &Settings) {
    let (inc, exc) = (&settings.include, &settings.exclude);
    let subtree = subtree_prefix(&settings.path, &changes.root);
    if inc.is_none() && exc.is_none() && subtree.is_none() {
        return;
    }
    let mut kept = Vec::with_capacity(changes.files.len());
    for f in changes.files.drain(..) {
        let outside = subtree
            .as_ref()
            .is_some_and(|s| !(f.path == *s || s.ends_with('/') && f.path.starts_with(s.as_str())));
        if outside {
            continue;
        }
        let included = inc.as_ref().is_none_or(|g| g.is_match(&f.path));
        let excluded = exc.as_ref().is_some_and(|g| g.is_match(&f.path));
        if included && !excluded {
            kept.push(f);
        } else {
            changes.skipped.push(Skipped {
                path: f.path,
                reason: SkipReason::Excluded,
            });
        }
    }
    changes.files = kept;
}

/// The result of one scan, before rendering.
pub(crate) struct Outcome {
    pub changes: ChangeSet,
    pub output: ScanOutput,
    pub rules: RuleSet,
    pub stale_baseline: Vec<String>,
}

/// Collects the changed files and runs the engine: the shared core of `scan`, `baseline` and the hooks.
pub(crate) fn run_scan(settings: &Settings, baseline: Option<&Baseline>) -> Result<Outcome> {
    init_threads(settings.jobs);
    let started = Instant::now();
    let opts = Options {
        max_file_bytes: settings.max_file_bytes,
        ..Options::default()
    };
    let rules = load_rules(settings)?;
    let engine = Engine::new(
        rules,
        secreview_engine::Settings {
            today: crate::today(),
            show_secrets: settings.show_secrets,
        },
    )?;
    let mut changes = secreview_diff::collect(&settings.path, &settings.mode, &opts)?;
    apply_path_filters(&mut changes, settings);
    let progress = progress_spinner(changes.files.len());
    let mut output = match &settings.mode {
        // A pushed or reviewed range leaks every secret any of its commits added, even if a later one removed it.
        Mode::Range { from, to } => {
            let mut out = engine.scan(
                &changes.files,
                Kinds {
                    code: true,
                    secrets: false,
                },
            );
            let mut commits =
                secreview_diff::collect_commits(&settings.path, Some(from), to, &opts)?;
            apply_path_filters(&mut commits, settings);
            let secrets = engine.scan(
                &commits.files,
                Kinds {
                    code: false,
                    secrets: true,
                },
            );
            merge(&mut out, secrets);
            out
        }
        _ => engine.scan(&changes.files, Kinds::ALL),
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    // Files the parser refused were still scanned for secrets; list them so a reviewer sees what code rules missed.
    changes.skipped.extend(output.not_parsed.iter().cloned());
    changes.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    apply_overrides(&mut output.findings, settings);
    let stale_baseline = match baseline {
        Some(b) => b.filter(&mut output.findings),
        None => Vec::new(),
    };
    changes.meta.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    changes.meta.files_scanned = u32::try_from(changes.files.len()).unwrap_or(u32::MAX);
    changes.meta.files_skipped = u32::try_from(changes.skipped.len()).unwrap_or(u32::MAX);
    let rules = engine_into_rules(engine);
    Ok(Outcome {
        changes,
        output,
        rules,
        stale_baseline,
    })
}

/// A spinner on stderr for long scans, only for a person watching a terminal: never in CI logs or pipes.
fn progress_spinner(files: usize) -> Option<indicatif::ProgressBar> {
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive || files < 200 {
        return None;
    }
    let p = indicatif::ProgressBar::new_spinner();
    p.set_message(format!("scanning {files} files…"));
    p.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(p)
}

fn engine_into_rules(engine: Engine) -> RuleSet {
    engine.into_rules()
}

pub(crate) fn merge(out: &mut ScanOutput, more: ScanOutput) {
    out.findings.extend(more.findings);
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.suppressions.extend(more.suppressions);
    out.not_parsed.extend(more.not_parsed);
}

/// Per-rule severity overrides, `warn` mode and the confidence floor.
pub(crate) fn apply_overrides(findings: &mut [Finding], settings: &Settings) {
    let rc = &settings.config.rules;
    for f in findings {
        if let Some(s) = rc.severity.get(&f.rule_id) {
            f.severity = *s;
        }
        if rc.mode.get(&f.rule_id) == Some(&RuleMode::Warn)
            || f.confidence < settings.min_confidence
        {
            f.warning_only = true;
        }
    }
}

/// Whether the findings fail the gate.
pub(crate) fn gate(findings: &[Finding], fail_on: Option<Severity>) -> Exit {
    let blocked = fail_on.is_some_and(|floor| {
        findings
            .iter()
            .any(|f| !f.warning_only && f.severity >= floor)
    });
    if blocked { Exit::Findings } else { Exit::Clean }
}

/// Renders every requested output; returns the text for stdout (empty when everything went to files).
pub(crate) fn render_all(
    settings: &Settings,
    outcome: &Outcome,
    started_at: &str,
) -> Result<String> {
    let metas: Vec<_> = outcome.rules.rules.iter().map(|r| r.meta.clone()).collect();
    let finished = crate::now_utc();
    let repo_uri = secreview_diff::origin_url(&settings.path);
    let mut shown = settings.shown.clone();
    if !outcome.stale_baseline.is_empty() {
        shown["stale_baseline_entries"] = json!(outcome.stale_baseline);
    }
    shown["routes"] = route_stats(&outcome.output);
    let input = ReportInput {
        tool_version: env!("CARGO_PKG_VERSION"),
        meta: &outcome.changes.meta,
        findings: &outcome.output.findings,
        rules: &metas,
        skipped: &outcome.changes.skipped,
        suppressions: &outcome.output.suppressions,
        settings: &shown,
        fail_on: settings.fail_on,
        repository_uri: repo_uri.as_deref(),
        started_at: Some(started_at),
        finished_at: Some(&finished),
    };
    let term_width = if std::io::stdout().is_terminal() {
        terminal_width()
    } else {
        None
    };
    let table = TableOptions {
        color: settings.color,
        width: term_width,
    };
    let plain = TableOptions {
        color: false,
        width: None,
    };
    for (format, file) in &settings.outputs {
        let text = secreview_report::render(*format, &input, &plain);
        std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))?;
    }
    if let Some(dir) = &settings.output_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let file = secreview_report::next_numbered_path(dir, "security-review");
        let text = secreview_report::render(Format::Markdown, &input, &plain);
        std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
        eprintln!("wrote {}", file.display());
    }
    if settings.stdout_replaced {
        return Ok(String::new());
    }
    if settings.format == Format::Table
        && outcome.changes.files.is_empty()
        && outcome.output.findings.is_empty()
    {
        return Ok(format!(
            "nothing to scan: the {} diff has no added or changed files{}\n",
            outcome.changes.meta.mode,
            if outcome.changes.skipped.is_empty() {
                String::new()
            } else {
                format!(" ({} skipped)", outcome.changes.skipped.len())
            }
        ));
    }
    Ok(secreview_report::render(settings.format, &input, &table))
}

/// Per framework: routes seen in the scanned files, how many authenticate, how many check ownership, and the
/// authz findings in those files.
fn route_stats(out: &ScanOutput) -> serde_json::Value {
    let mut stats: std::collections::BTreeMap<&str, [u32; 4]> = std::collections::BTreeMap::new();
    for r in &out.routes {
        let e = stats.entry(r.framework.as_str()).or_default();
        e[0] += 1;
        e[1] += u32::from(r.authenticated);
        e[2] += u32::from(r.ownership_checked);
    }
    for f in out.findings.iter().filter(|f| f.pack == "authz") {
        if let Some(r) = out.routes.iter().find(|r| r.file == f.location.path) {
            stats.entry(r.framework.as_str()).or_default()[3] += 1;
        }
    }
    stats
        .into_iter()
        .map(|(k, [routes, protected, owned, findings])| {
            (k.to_owned(), json!({"routes": routes, "authenticated": protected, "ownership_checked": owned, "findings": findings}))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

pub(crate) fn scan(a: &ScanArgs) -> Result<Exit> {
    let started_at = crate::now_utc();
    let settings = Settings::from_args(a)?;
    let baseline = settings
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()?;
    let mut outcome = run_scan(&settings, baseline.as_ref())?;
    if settings.show_secrets {
        eprintln!("warning: --show-secrets prints secret values in full; do not share this output");
    }
    let syntax = &outcome.output.files_with_syntax_errors;
    if !syntax.is_empty() && std::io::stderr().is_terminal() {
        eprintln!(
            "note: {} file(s) have syntax errors and were analysed as far as they parse",
            syntax.len()
        );
    }
    let stale: BTreeSet<_> = outcome.stale_baseline.iter().collect();
    if !stale.is_empty() {
        eprintln!(
            "note: {} baseline entr(ies) no longer match any finding; regenerate the baseline to prune them",
            stale.len()
        );
    }
    outcome
        .output
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let text = render_all(&settings, &outcome, &started_at)?;
    crate::print_out(&text)?;
    Ok(gate(&outcome.output.findings, settings.fail_on))
}
