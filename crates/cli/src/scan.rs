//! `secreview scan`: settings → changed files → engine → gate → report.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use secreview_diff::{ChangeSet, Mode, Options};
use secreview_engine::{Engine, InlineSuppressions, Kinds, Project, ScanOutput, Secrets};
use secreview_model::{
    Finding, PolicyChange, Severity, SkipReason, Skipped, SuppressedBy, SuppressedFinding,
    SuppressionKind,
};
use secreview_report::{Format, ReportInput, TableOptions};
use secreview_rules::RuleSet;
use serde_json::json;

use crate::Exit;
use crate::args::{FailOn, ModeArgs, ScanArgs};
use crate::config::{Config, RuleMode};
use crate::policy::{Baselines, LoadedBaseline, Policy};

/// Findings less confident than this are shown as warnings and never fail the gate unless `--min-confidence`
/// (or `min_confidence` in the config) says otherwise. A finding's confidence estimates the chance that a reviewer
/// agrees it is a real problem; below 0.7 our own labelled corpora (fixtures, fixture repos, triaged real apps)
/// show more disagreement than a blocked merge is worth, so those findings inform instead of block.
pub(crate) const DEFAULT_BLOCKING_CONFIDENCE: f32 = 0.7;

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
    /// Where the policy came from and what the change's side of it holds.
    pub policy: Policy,
    pub inline: InlineSuppressions,
    /// Rule directories copied out of the base commit (`--policy-from-base`); deleted when the scan ends.
    pub _base_rules: Option<tempfile::TempDir>,
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

pub(crate) fn globs(patterns: &[String], what: &str) -> Result<Option<GlobSet>> {
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
        let crate::policy::Resolved {
            config,
            mode,
            config_shown,
            policy,
        } = crate::policy::resolve(a, &root)?;
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
                // `sarf=x.sarif` is a typo, not a file name: writing the table to `sarf=x.sarif` would pass silently.
                Some((f, _))
                    if !f.is_empty()
                        && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
                {
                    bail!(
                        "unknown output format `{f}` in `--output {o}`  hint: FORMAT=FILE takes table, json, sarif, markdown, github or gitlab; for a file name with `=`, write ./{o}"
                    );
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
        let min_confidence = a
            .min_confidence
            .or(config.min_confidence)
            .unwrap_or(DEFAULT_BLOCKING_CONFIDENCE);
        if !(0.0..=1.0).contains(&min_confidence) {
            let hint = if (1.0..=100.0).contains(&min_confidence) {
                format!(
                    "confidence is a fraction: did you mean {}?",
                    min_confidence / 100.0
                )
            } else {
                "pass a value from 0.0 to 1.0, e.g. 0.7".to_owned()
            };
            bail!("--min-confidence {min_confidence} is outside 0.0..=1.0  hint: {hint}");
        }
        if a.show_secrets && std::env::var_os("CI").is_some() {
            bail!(
                "--show-secrets is refused when CI is set: CI logs are shared and kept  hint: triage secrets locally"
            );
        }
        let mut rule_dirs = a.rules.clone();
        rule_dirs.extend(config.rules_dirs.iter().map(|d| root.join(d)));
        let shown_rule_dirs: Vec<String> =
            rule_dirs.iter().map(|d| d.display().to_string()).collect();
        let (rule_dirs, base_rules) = crate::policy::base_rule_dirs(a, &root, &policy, rule_dirs)?;
        let baseline = if policy.from_base {
            policy.base_baseline.clone()
        } else {
            policy.head_baseline.clone()
        };
        let inline = if a.no_inline_suppressions {
            InlineSuppressions::Ignore
        } else if a.policy_from_base {
            InlineSuppressions::FromBase
        } else {
            InlineSuppressions::Honour
        };
        let color = !a.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal();
        let shown = json!({
            "format": {"value": format.as_str(), "source": src(a.format.is_some(), config.format.is_some())},
            "fail_on": {"value": fail_on.map_or("never", Severity::as_str), "source": src(a.fail_on.is_some(), config.fail_on.is_some())},
            "min_confidence": {"value": (f64::from(min_confidence) * 100.0).round() / 100.0, "source": src(a.min_confidence.is_some(), config.min_confidence.is_some())},
            "config_file": config_shown,
            "policy": {
                "source": if policy.from_base { "base" } else { "change" },
                "commit": policy.commit,
            },
            "inline_suppressions": match inline {
                InlineSuppressions::Honour => "honour",
                InlineSuppressions::FromBase => "from-base",
                InlineSuppressions::Ignore => "ignore",
            },
            "rule_dirs": shown_rule_dirs,
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
            policy,
            inline,
            _base_rules: base_rules,
            shown,
        })
    }

    /// Whether the path filters (include, exclude, the scanned subtree) keep `path`.
    fn selects(&self, path: &str, subtree: Option<&str>) -> bool {
        let inside = subtree.is_none_or(|s| path == s || s.ends_with('/') && path.starts_with(s));
        inside
            && self.include.as_ref().is_none_or(|g| g.is_match(path))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(path))
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
    /// The `origin` URL without credentials, for SARIF and JSON.
    pub repository_uri: Option<String>,
    /// What the change does to its own review, sorted by location.
    pub policy_changes: Vec<PolicyChange>,
    pub phases: Phases,
}

/// Wall time of each phase of `run_scan`, for `--stats`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Phases {
    pub rules: Duration,
    pub diff: Duration,
    pub context: Duration,
    /// Python modules in the project view, and how many of them were read beyond the changed files.
    pub context_modules: (usize, usize),
    pub scan: Duration,
}

/// Collects the changed files and runs the engine: the shared core of `scan`, `baseline` and the hooks.
pub(crate) fn run_scan(settings: &Settings, baselines: &Baselines) -> Result<Outcome> {
    init_threads(settings.jobs);
    let started = Instant::now();
    let opts = Options {
        max_file_bytes: settings.max_file_bytes,
        attributes_at: settings
            .policy
            .commit
            .clone()
            .filter(|_| settings.policy.from_base),
        ..Options::default()
    };
    let mut phases = Phases::default();
    let mut clock = Instant::now();
    let rules = load_rules(settings)?;
    let engine = Engine::new(
        rules,
        secreview_engine::Settings {
            today: crate::today(),
            show_secrets: settings.show_secrets,
        },
    )?
    .with_inline_suppressions(settings.inline);
    phases.rules = lap(&mut clock);
    let mut changes = secreview_diff::collect(&settings.path, &settings.mode, &opts)?;
    let whole_tree = settings.mode == Mode::All;
    let subtree = subtree_prefix(&settings.path, &changes.root);
    let selected = |p: &str| settings.selects(p, subtree.as_deref());
    let in_subtree = |p: &str| {
        subtree
            .as_deref()
            .is_none_or(|s| p == s || s.ends_with('/') && p.starts_with(s))
    };
    // Before the path filters: an `exclude = ["**"]` must not hide the `.gitattributes` edit next to it.
    let mut policy_changes = crate::policy::changes(
        &settings.policy,
        baselines,
        &changes,
        &in_subtree,
        whole_tree,
    );
    let unscanned = if settings.policy.from_base && !whole_tree {
        unscanned_findings(&engine, &changes.skipped, &selected)
    } else {
        Vec::new()
    };
    apply_path_filters(&mut changes, settings);
    phases.diff = lap(&mut clock);
    let project = project_for(
        &changes,
        ContextSide::of(&settings.mode),
        settings.max_file_bytes,
    )?;
    phases.context = lap(&mut clock);
    phases.context_modules = (project.len(), project.context_len());
    let progress = progress_spinner(changes.files.len());
    let mut output = match &settings.mode {
        // A pushed or reviewed range leaks every secret any of its commits added, even if a later one removed it.
        Mode::Range { from, to } => {
            let mut out = engine.scan_in(&changes.files, Kinds::CODE, &project);
            let mut commits =
                secreview_diff::collect_commits(&settings.path, Some(from), to, &opts)?;
            apply_path_filters(&mut commits, settings);
            let secrets = engine.scan(&commits.files, Kinds::SECRETS);
            merge(&mut out, secrets);
            out
        }
        _ => engine.scan_in(&changes.files, Kinds::ALL, &project),
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    output.findings.extend(unscanned);
    output
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    phases.scan = lap(&mut clock);
    // Files the parser refused were still scanned for secrets; list them so a reviewer sees what code rules missed.
    changes.skipped.extend(output.not_parsed.iter().cloned());
    changes.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    apply_overrides(&mut output.findings, settings);
    for s in &mut output.suppressed {
        apply_overrides(std::slice::from_mut(&mut s.finding), settings);
    }
    let stale_baseline = match &baselines.decided {
        Some(b) => {
            let (hidden, stale) = b.baseline.split(&mut output.findings);
            output
                .suppressed
                .extend(hidden.into_iter().map(|f| baselined(f, b)));
            output
                .suppressed
                .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
            stale
        }
        None => Vec::new(),
    };
    policy_changes.append(&mut output.policy);
    policy_changes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    policy_changes.dedup();
    redact_changes(&engine, &output.secrets, &mut changes);
    redact_policy(&engine, &output.secrets, &mut policy_changes);
    let repository_uri = secreview_diff::origin_url(&settings.path)
        .map(|u| engine.redact(&output.secrets.redact(&u)));
    changes.meta.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    changes.meta.files_scanned = u32::try_from(changes.files.len()).unwrap_or(u32::MAX);
    changes.meta.files_skipped = u32::try_from(changes.skipped.len()).unwrap_or(u32::MAX);
    let rules = engine_into_rules(engine);
    Ok(Outcome {
        changes,
        output,
        rules,
        stale_baseline,
        repository_uri,
        policy_changes,
        phases,
    })
}

/// The time since `since`, restarting the clock.
fn lap(since: &mut Instant) -> Duration {
    let now = Instant::now();
    let d = now - *since;
    *since = now;
    d
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The `--stats` block: wall time per phase, then the engine's CPU time per matcher summed over workers.
fn stats_text(outcome: &Outcome, report: Duration) -> String {
    let (p, s) = (&outcome.phases, &outcome.output.stats);
    let mut t = String::from("secreview stats\n");
    let rows = [
        ("load rules", p.rules, String::new()),
        (
            "diff",
            p.diff,
            format!(
                "{} changed files to scan, {} skipped",
                outcome.changes.files.len(),
                outcome.changes.skipped.len()
            ),
        ),
        (
            "context",
            p.context,
            format!(
                "{} Python modules in the project view, {} read for context",
                p.context_modules.0, p.context_modules.1
            ),
        ),
        (
            "scan",
            p.scan,
            format!(
                "{} files, {} parsed ({} KiB), {} threads",
                s.files,
                s.files_parsed,
                s.bytes_parsed / 1024,
                rayon::current_num_threads()
            ),
        ),
        ("report", report, String::new()),
    ];
    for (name, d, note) in rows {
        let _ = writeln!(t, "  {name:<11} {:>10}  {note}", ms(d)); // into a `String`: cannot fail
    }
    let _ = writeln!(
        t,
        "  cpu         parse {}, query {}, taint {}, authz {}, secrets {}, scoping {}",
        ms(s.parse),
        ms(s.query),
        ms(s.taint),
        ms(s.authz),
        ms(s.secrets),
        ms(s.finish)
    );
    t
}

/// Where the project view's modules beyond the changed files are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContextSide {
    /// Nowhere: every file is already a changed file (`--all`).
    ChangedFiles,
    /// The head commit's tree (branch, range, staged, pushed ranges).
    HeadCommit,
    /// The disk: uncommitted edits are what the user is about to commit (`--worktree`).
    WorkTree,
}

impl ContextSide {
    pub fn of(mode: &Mode) -> ContextSide {
        match mode {
            Mode::All => ContextSide::ChangedFiles,
            Mode::Worktree => ContextSide::WorkTree,
            _ => ContextSide::HeadCommit,
        }
    }
}

/// The project around the changed files: the changed files plus the modules they import, transitively and
/// bounded (see `secreview_engine::project`).
pub(crate) fn project_for(
    changes: &ChangeSet,
    side: ContextSide,
    max_file_bytes: u64,
) -> Result<Project> {
    let snapshot = match side {
        ContextSide::ChangedFiles => None,
        ContextSide::HeadCommit | ContextSide::WorkTree => {
            secreview_diff::Snapshot::open(changes, side == ContextSide::WorkTree, max_file_bytes)?
        }
    };
    let Some(snapshot) = snapshot else {
        let paths = changes.files.iter().map(|f| f.path.clone());
        return Ok(Project::build(&changes.files, paths, |_| None));
    };
    Ok(Project::build(
        &changes.files,
        snapshot.paths().iter().cloned(),
        |p| snapshot.read(p),
    ))
}

/// The rule for changed files the scan could not read, made only under `--policy-from-base`: by default the
/// policy section lists them, and a developer's own run need not fail on a large generated file.
const UNSCANNED_RULE: &str = "changed-file-not-scanned";

/// Under `--policy-from-base`, a changed file the change made unreadable (too large, not UTF-8) blocks like a
/// finding: otherwise padding a file past the cap would pass whatever it holds.
fn unscanned_findings(
    engine: &Engine,
    skipped: &[Skipped],
    selected: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    skipped
        .iter()
        .filter(|s| {
            matches!(s.reason, SkipReason::TooLarge { .. } | SkipReason::NotUtf8)
                && selected(&s.path)
        })
        .filter_map(|s| engine.file_finding(UNSCANNED_RULE, &s.path, &s.reason.describe()))
        .collect()
}

/// The line of the baseline entry holding `fingerprint`: its `"rule"` line, where a reader starts reading it.
pub(crate) fn entry_line(text: &str, fingerprint: &str) -> Option<u32> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.contains(fingerprint))?;
    let start = (at.saturating_sub(3)..=at)
        .rev()
        .find(|&i| lines[i].contains("\"rule\""))
        .unwrap_or(at);
    u32::try_from(start + 1).ok()
}

/// A finding the baseline accepted, kept visible as suppressed.
fn baselined(finding: Finding, b: &LoadedBaseline) -> SuppressedFinding {
    let line = entry_line(&b.text, finding.fingerprint.as_str());
    let added = b
        .added
        .contains(&(finding.rule_id.clone(), finding.fingerprint.0.clone()));
    SuppressedFinding {
        suppressed_by: SuppressedBy {
            kind: SuppressionKind::External,
            path: b.shown.clone(),
            line,
            justification: format!("accepted in the baseline {}", b.shown),
            added_by_change: added,
        },
        finding,
    }
}

/// What the engine did not scan but the reports print — skipped files' paths, the branch and base names — loses
/// every secret the scan saw and every one a detector recognises in it.
pub(crate) fn redact_changes(engine: &Engine, seen: &Secrets, changes: &mut ChangeSet) {
    redact_skipped(engine, seen, &mut changes.skipped);
    for name in [&mut changes.meta.branch, &mut changes.meta.base]
        .into_iter()
        .flatten()
    {
        *name = engine.redact(&seen.redact(name));
    }
}

/// Policy changes quote config values, suppression comments and `.gitattributes` lines from the change.
fn redact_policy(engine: &Engine, seen: &Secrets, changes: &mut [PolicyChange]) {
    let clean = |t: &str| engine.redact(&seen.redact(t));
    for c in changes {
        c.path = clean(&c.path);
        c.summary = clean(&c.summary);
        for v in [&mut c.key, &mut c.before, &mut c.after]
            .into_iter()
            .flatten()
        {
            *v = clean(v);
        }
    }
}

pub(crate) fn redact_skipped(engine: &Engine, seen: &Secrets, skipped: &mut [Skipped]) {
    for s in skipped {
        s.path = engine.redact(&seen.redact(&s.path));
    }
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
    out.stats.add(&more.stats);
    out.suppressed.extend(more.suppressed);
    out.suppressed
        .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    out.policy.extend(more.policy);
    out.secrets.merge(&more.secrets);
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
        suppressed: &outcome.output.suppressed,
        policy_changes: &outcome.policy_changes,
        settings: &shown,
        fail_on: settings.fail_on,
        repository_uri: outcome.repository_uri.as_deref(),
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
        && outcome.output.suppressed.is_empty()
        && outcome.policy_changes.is_empty()
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

/// `COLUMNS` when set (an explicit override), else the terminal's own width.
fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(tty_width)
}

#[cfg(unix)]
fn tty_width() -> Option<u16> {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .map(|w| w.ws_col)
        .filter(|&c| c > 0)
}

#[cfg(not(unix))]
fn tty_width() -> Option<u16> {
    None
}

pub(crate) fn scan(a: &ScanArgs) -> Result<Exit> {
    let started_at = crate::now_utc();
    let settings = Settings::from_args(a)?;
    let baselines = crate::policy::load_baselines(
        &settings.path,
        &repo_root(&settings.path),
        &settings.policy,
    )?;
    let mut outcome = run_scan(&settings, &baselines)?;
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
    let rendering = Instant::now();
    let text = render_all(&settings, &outcome, &started_at)?;
    if a.stats {
        eprint!("{}", stats_text(&outcome, rendering.elapsed()));
    }
    // Decided before printing: a reader that closes the pipe early must not turn findings into a pass.
    let exit = gate(&outcome.output.findings, settings.fail_on);
    crate::print_gated(&text, exit)
}
