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
use secreview_report::{Excerpt, Format, HiddenBelow, ReportInput, Signature, TableOptions};
use secreview_rules::RuleSet;
use serde_json::json;

use crate::Exit;
use crate::args::{ColorWhen, FailOn, ModeArgs, ScanArgs, SeverityArg};
use crate::config::{Config, RuleMode};
use crate::policy::{Baselines, LoadedBaseline, Policy};

/// Findings less confident than this are shown as warnings and never fail the gate unless `--min-confidence`
/// (or `min_confidence` in the config) says otherwise. A finding's confidence estimates the chance that a reviewer
/// agrees it is a real problem; below 0.7 our own labelled corpora (fixtures, fixture repos, triaged real apps)
/// show more disagreement than a blocked merge is worth, so those findings inform instead of block.
pub(crate) const DEFAULT_BLOCKING_CONFIDENCE: f32 = 0.7;

/// Validated settings: CLI beats config beats defaults.
pub(crate) struct Settings {
    /// The first path: where the repository is found.
    pub path: PathBuf,
    /// Every path given (the first included): the scan covers the files in or under them.
    pub paths: Vec<PathBuf>,
    pub quiet: bool,
    pub exit_zero: bool,
    /// `--hide-below`: findings under it are counted, not listed.
    pub hide_below: Option<Severity>,
    pub category: Option<String>,
    /// `--select` / `--ignore`: rule ids or pack names.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
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
        let paths: Vec<PathBuf> = std::iter::once(a.path.clone())
            .chain(a.more_paths.iter().cloned())
            .collect();
        for p in &a.more_paths {
            if !p.exists() {
                bail!(
                    "{} does not exist  hint: pass files or directories of the repository",
                    p.display()
                );
            }
            if !same_root(&repo_root(p), &root) {
                bail!(
                    "{} is not in the same repository as {}  hint: scan each repository on its own",
                    p.display(),
                    a.path.display()
                );
            }
        }
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
                        "unknown output format `{f}` in `--output {o}`  hint: FORMAT=FILE takes {}; for a file name with `=`, write ./{o}",
                        Format::NAMES
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
        let hide_below = a.hide_below.map(severity_of);
        if let (Some(hide), Some(floor)) = (hide_below, fail_on)
            && hide > floor
        {
            bail!(
                "--hide-below {hide} would hide {floor} findings that --fail-on {floor} blocks  hint: use --hide-below {floor} or lower, or raise --fail-on"
            );
        }
        let color = color_wanted(a.color, a.no_color);
        let mut config = config;
        config.include.extend(a.include.iter().cloned());
        config.exclude.extend(a.exclude.iter().cloned());
        let default_excludes =
            mode == Mode::All && !a.no_default_excludes && config.default_excludes.unwrap_or(true);
        if default_excludes {
            config
                .exclude
                .extend(DEFAULT_ALL_EXCLUDES.iter().map(|g| (*g).to_owned()));
        }
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
            "selected_rules": a.select,
            "ignored_rules": a.ignore,
            "severity_overrides": config.rules.severity,
            "mode_overrides": config.rules.mode,
            "include": config.include,
            "exclude": config.exclude,
            "default_excludes": default_excludes,
            "paths": paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "base": match &mode { Mode::Branch { base } => json!(base), _ => serde_json::Value::Null },
            "jobs": {"value": a.jobs.or(config.jobs).unwrap_or(0), "source": src(a.jobs.is_some(), config.jobs.is_some())},
            "max_file_size": {"value": a.max_file_size.or(config.max_file_size).unwrap_or(DEFAULT_MAX_FILE_BYTES), "source": src(a.max_file_size.is_some(), config.max_file_size.is_some())},
            "hide_below": hide_below.map(Severity::as_str),
            "exit_zero": a.exit_zero,
        });
        Ok(Settings {
            path: a.path.clone(),
            paths,
            quiet: a.quiet,
            exit_zero: a.exit_zero,
            hide_below,
            category: a.category.clone(),
            select: a.select.clone(),
            ignore: a.ignore.clone(),
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
                .unwrap_or(DEFAULT_MAX_FILE_BYTES),
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

    /// Whether the path filters (include, exclude, the scanned subtrees) keep `path`.
    fn selects(&self, path: &str, subtree: &Subtrees) -> bool {
        subtree.contains(path)
            && self.include.as_ref().is_none_or(|g| g.is_match(path))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(path))
    }
}

/// Files larger than this are skipped unless `--max-file-size` or `max_file_size` says otherwise.
pub(crate) const DEFAULT_MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// What `--all` leaves out unless `--no-default-excludes` (or `default_excludes = false`) says otherwise:
/// documentation and test fixtures, whose example URLs, sample keys and deliberately vulnerable snippets
/// outnumbered the real findings of whole-tree scans. A branch scan reviews whatever the change touches, so
/// these apply to `--all` only.
pub(crate) const DEFAULT_ALL_EXCLUDES: &[&str] = &[
    "docs/**",
    "doc/**",
    "**/*.md",
    "**/*.rst",
    "**/*.adoc",
    "**/tests/fixtures/**",
    "**/test/fixtures/**",
    "**/testdata/**",
    "**/__fixtures__/**",
    "**/fixtures/**",
];

fn severity_of(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Critical => Severity::Critical,
        SeverityArg::High => Severity::High,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Info => Severity::Info,
    }
}

/// `--color always` colours even a pipe; `never` (or `--no-color`) never; `auto` a terminal unless `NO_COLOR`
/// is set, or anything when `FORCE_COLOR` is (the convention CI systems and test runners use).
fn color_wanted(when: ColorWhen, no_color: bool) -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0");
    match when {
        _ if no_color => false,
        ColorWhen::Never => false,
        ColorWhen::Always => true,
        ColorWhen::Auto => {
            set("FORCE_COLOR")
                || std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    }
}

fn same_root(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The parts of the repository the scan covers: everything, or the files and directories given as paths.
#[derive(Debug, Default)]
pub(crate) struct Subtrees {
    /// Empty: the whole repository.
    files: BTreeSet<String>,
    dirs: Vec<String>,
}

impl Subtrees {
    fn whole(&self) -> bool {
        self.files.is_empty() && self.dirs.is_empty()
    }

    pub(crate) fn contains(&self, path: &str) -> bool {
        self.whole()
            || self.files.contains(path)
            || self.dirs.iter().any(|d| path.starts_with(d.as_str()))
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
    select_rules(&mut set, &settings.select, &settings.ignore)?;
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
    set.authz
        .privileged_fields
        .extend(a.privileged_fields.iter().cloned());
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

/// `--select` keeps only the named rules and packs, `--ignore` drops them; a name that is neither a rule id
/// nor a pack is an error (a typo would otherwise scan everything, or nothing, silently).
fn select_rules(set: &mut RuleSet, select: &[String], ignore: &[String]) -> Result<()> {
    let expand = |set: &RuleSet, names: &[String], flag: &str| -> Result<BTreeSet<String>> {
        let mut ids = BTreeSet::new();
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let matched: Vec<String> = set
                .rules
                .iter()
                .filter(|r| r.meta.id == name || r.meta.pack == name)
                .map(|r| r.meta.id.clone())
                .collect();
            if matched.is_empty() {
                bail!(
                    "{flag} names unknown rule or pack `{name}`  hint: `secreview rules` lists the ids and packs"
                );
            }
            ids.extend(matched);
        }
        Ok(ids)
    };
    let mut drop = expand(set, ignore, "--ignore")?;
    if !select.is_empty() {
        let keep = expand(set, select, "--select")?;
        drop.extend(
            set.rules
                .iter()
                .map(|r| r.meta.id.clone())
                .filter(|id| !keep.contains(id)),
        );
    }
    let drop: Vec<String> = drop.into_iter().collect();
    set.disable(&drop);
    Ok(())
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

/// The paths below the repository root limit the scan to those files and subtrees (`secreview scan --all src/
/// lib/x.py`); any path that is the root itself means the whole repository.
pub(crate) fn subtrees(paths: &[PathBuf], root: &Path) -> Subtrees {
    let mut t = Subtrees::default();
    for p in paths {
        match subtree_prefix(p, root) {
            None => return Subtrees::default(),
            Some(s) if s.ends_with('/') => t.dirs.push(s),
            Some(s) => {
                t.files.insert(s);
            }
        }
    }
    t
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
    let subtree = subtrees(&settings.paths, &changes.root);
    if inc.is_none() && exc.is_none() && subtree.whole() {
        return;
    }
    let mut kept = Vec::with_capacity(changes.files.len());
    for f in changes.files.drain(..) {
        if !subtree.contains(&f.path) {
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
    /// Redacted source around each finding (keyed by fingerprint), for Markdown and SARIF.
    pub excerpts: std::collections::BTreeMap<String, Excerpt>,
    /// How many findings `--hide-below` left out.
    pub hidden_below: usize,
    /// `file://` URI of the scanned root (redacted), for SARIF.
    pub root_uri: Option<String>,
}

/// Above this many changed files the scan's workers compile queries in parallel anyway (and nearly every
/// query is needed), so a separate thread would only contend with them.
const PRECOMPILE_MAX_FILES: usize = 200;

/// Wall time of each phase of `run_scan`, for `--stats`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Phases {
    pub rules: Duration,
    pub diff: Duration,
    pub context: Duration,
    /// Python modules in the project view, and how many of them were read beyond the changed files.
    pub context_modules: (usize, usize),
    /// (module, levels) taint summaries computed for calls into other modules.
    pub summarised: usize,
    pub scan: Duration,
}

fn load_engine(settings: &Settings) -> Result<Engine> {
    let rules = load_rules(settings)?;
    Ok(Engine::new(
        rules,
        secreview_engine::Settings {
            today: crate::today(),
            show_secrets: settings.show_secrets,
        },
    )?
    .with_inline_suppressions(settings.inline))
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
    // Loading the rules and reading the diff are independent: on two cores, the start-up costs the longer one.
    let (engine, changes) = std::thread::scope(|s| {
        let engine = s.spawn(|| {
            let clock = Instant::now();
            let engine = load_engine(settings);
            (engine, clock.elapsed())
        });
        let clock = Instant::now();
        let changes = secreview_diff::collect(&settings.path, &settings.mode, &opts);
        let diff = clock.elapsed();
        let (engine, rules) = engine
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (phases.rules, phases.diff) = (rules, diff);
        (engine, changes)
    });
    // A broken rule file is reported before a diff problem, as when the two ran in turn.
    let engine = engine?;
    let mut changes = changes?;
    let mut clock = Instant::now();
    let whole_tree = settings.mode == Mode::All;
    let subtree = subtrees(&settings.paths, &changes.root);
    let selected = |p: &str| settings.selects(p, &subtree);
    let in_subtree = |p: &str| subtree.contains(p);
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
    phases.diff += lap(&mut clock);
    let progress = progress_spinner(changes.files.len(), settings.quiet);
    let total = changes.files.len();
    phase(
        progress.as_ref(),
        format!("[1/3] project view: {total} changed files, reading the modules they import"),
    );
    // Compiling the queries the changed files need costs milliseconds each: on a second core, beside the
    // project build's blob reads, it is off the critical path.
    let project = std::thread::scope(|s| {
        if changes.files.len() <= PRECOMPILE_MAX_FILES {
            s.spawn(|| engine.precompile_queries(&changes.files));
        }
        project_for(
            &changes,
            ContextSide::of(&settings.mode),
            settings.max_file_bytes,
        )
    })?;
    phases.context = lap(&mut clock);
    phases.context_modules = (project.len(), project.context_len());
    // The counter first, so the phase line's draw already shows `0/N`.
    count_files(progress.as_ref(), total);
    phase(
        progress.as_ref(),
        format!(
            "[2/3] analysing files ({} modules in the project view)",
            project.len()
        ),
    );
    let file_done = || {
        if let Some(p) = &progress {
            p.inc(1);
        }
    };
    let mut output = match &settings.mode {
        // A pushed or reviewed range leaks every secret any of its commits added, even if a later one removed it.
        Mode::Range { from, to } => {
            let mut out =
                engine.scan_in_progress(&changes.files, Kinds::CODE, &project, &file_done);
            uncount_files(progress.as_ref());
            let mut commits =
                secreview_diff::collect_commits(&settings.path, Some(from), to, &opts)?;
            apply_path_filters(&mut commits, settings);
            phase(
                progress.as_ref(),
                format!(
                    "[3/3] secrets in every commit: {} file versions",
                    commits.files.len()
                ),
            );
            let secrets = engine.scan(&commits.files, Kinds::SECRETS);
            merge(&mut out, secrets);
            out
        }
        _ => engine.scan_in_progress(&changes.files, Kinds::ALL, &project, &file_done),
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    output.findings.extend(unscanned);
    output
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    phases.scan = lap(&mut clock);
    phases.summarised = project.taint_summaries();
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
    let excerpts = excerpts(&engine, &output, &changes);
    let root_uri = changes.root.canonicalize().ok().map(|r| {
        engine.redact(
            &output
                .secrets
                .redact(&secreview_report::file_uri(&r.to_string_lossy())),
        )
    });
    let hidden_below = match settings.hide_below {
        Some(floor) => {
            let before = output.findings.len();
            output.findings.retain(|f| f.severity >= floor);
            before - output.findings.len()
        }
        None => 0,
    };
    let rules = engine_into_rules(engine);
    Ok(Outcome {
        changes,
        output,
        rules,
        stale_baseline,
        repository_uri,
        policy_changes,
        phases,
        excerpts,
        hidden_below,
        root_uri,
    })
}

/// Lines of context on each side of a finding in the Markdown report.
const CONTEXT_LINES: usize = 3;
/// A handler signature longer than this many lines is not looked for further.
const MAX_SIGNATURE_LINES: usize = 40;

/// The source around every finding (and suppressed finding) in a file of this scan, redacted: every value the
/// scan saw and every one a detector recognises in the file is replaced before a line is cut out, so a key
/// split over lines cannot show through a window. A file whose redaction changed its line count (a multi-line
/// key) gets no window: its snippet is shown as before. Findings from an earlier commit of a range get none
/// either: the head's text is not theirs.
fn excerpts(
    engine: &Engine,
    output: &ScanOutput,
    changes: &ChangeSet,
) -> std::collections::BTreeMap<String, Excerpt> {
    let mut out = std::collections::BTreeMap::new();
    let hidden = output.suppressed.iter().map(|s| &s.finding);
    let findings: Vec<&Finding> = output
        .findings
        .iter()
        .chain(hidden)
        .filter(|f| f.commit.is_none())
        .collect();
    let mut by_path: std::collections::BTreeMap<&str, Vec<&Finding>> =
        std::collections::BTreeMap::new();
    for f in findings {
        by_path.entry(f.location.path.as_str()).or_default().push(f);
    }
    for (path, found) in by_path {
        let Some(file) = changes
            .files
            .iter()
            .rev()
            .find(|c| c.path == path && c.commit.is_none())
        else {
            continue;
        };
        let original: Vec<&str> = file.new_text.lines().collect();
        let redacted = engine.redact(&output.secrets.redact(&file.new_text));
        let lines: Vec<&str> = redacted.lines().collect();
        let window_ok = lines.len() == original.len();
        for f in found {
            let line = f.location.start_line.max(1) as usize;
            let (first, window) = if window_ok && line <= lines.len() {
                let first = line.saturating_sub(CONTEXT_LINES).max(1);
                let last = (line + CONTEXT_LINES).min(lines.len());
                (
                    first,
                    lines[first - 1..last]
                        .iter()
                        .map(|l| (*l).to_owned())
                        .collect(),
                )
            } else {
                (line, Vec::new())
            };
            let signature = (f.pack == "authz")
                .then(|| handler_signature(f, &original, path))
                .flatten();
            out.insert(
                f.fingerprint.as_str().to_owned(),
                Excerpt {
                    first_line: u32::try_from(first).unwrap_or(u32::MAX),
                    lines: window,
                    signature,
                },
            );
        }
    }
    out
}

/// Where an access-control finding's handler is declared: the line of its "handler …" evidence (or the
/// finding's own line), through the line that ends the signature — the `:` closing a Python `def`'s
/// parameters, the `{` opening a Rust `fn`'s body.
fn handler_signature(f: &Finding, lines: &[&str], path: &str) -> Option<Signature> {
    let start = f
        .evidence
        .iter()
        .find(|e| e.note.starts_with("handler ") && e.location.path == f.location.path)
        .map_or(f.location.start_line, |e| e.location.start_line) as usize;
    let first = lines.get(start.checked_sub(1)?)?;
    let rust = Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("rs"));
    let keyword = if rust { "fn " } else { "def " };
    if !first.contains(keyword) {
        return None;
    }
    let mut depth: i32 = 0;
    for (i, line) in lines
        .iter()
        .enumerate()
        .skip(start - 1)
        .take(MAX_SIGNATURE_LINES)
    {
        let code = line
            .split(if rust { "//" } else { "#" })
            .next()
            .unwrap_or("");
        for c in code.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ => {}
            }
        }
        let trimmed = code.trim_end();
        let ends = if rust {
            depth <= 0 && trimmed.contains('{')
        } else {
            depth <= 0 && trimmed.ends_with(':')
        };
        if ends {
            let start_col = first.chars().take_while(|c| c.is_whitespace()).count() + 1;
            return Some(Signature {
                start_line: u32::try_from(start).ok()?,
                start_col: u32::try_from(start_col).ok()?,
                end_line: u32::try_from(i + 1).ok()?,
                end_col: u32::try_from(trimmed.chars().count() + 1).ok()?,
            });
        }
    }
    None
}

/// `https://github.com/o/r/blob/SHA/` (or GitLab's `/-/blob/`) for an `origin` on github.com or gitlab.com,
/// in HTTPS or SSH form; `None` for any other host, where the link layout is not known.
pub(crate) fn web_url(origin: &str, head: &str) -> Option<String> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("ssh://git@"))
        .or_else(|| origin.strip_prefix("git@"))?;
    let (host, path) = rest.split_once(['/', ':'])?;
    let host = host.rsplit('@').next()?;
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let safe = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    let parts: Vec<&str> = path.split('/').collect();
    let head_ok = head.len() >= 7 && head.chars().all(|c| c.is_ascii_hexdigit());
    if !head_ok || parts.len() < 2 || !parts.iter().all(|p| safe(p)) {
        return None;
    }
    match host {
        "github.com" if parts.len() == 2 => Some(format!("https://github.com/{path}/blob/{head}/")),
        "gitlab.com" => Some(format!("https://gitlab.com/{path}/-/blob/{head}/")),
        _ => None,
    }
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
                "{} Python modules in the project view, {} read for context, {} module summaries for data flow",
                p.context_modules.0, p.context_modules.1, p.summarised
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
    // Nothing to analyse needs no view of the tree (an empty pre-push range is the common case).
    if changes.files.is_empty() {
        return Ok(Project::build(&[], Vec::new(), |_| None));
    }
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
    let project = Project::build_batched(&changes.files, snapshot.paths().iter().cloned(), |ps| {
        snapshot.read_many(ps)
    });
    // The callers of a changed function live anywhere in the tree: read on demand, and only then.
    Ok(project.with_reader(Box::new(move |ps| snapshot.read_many(ps))))
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

/// Fewer changed files than this scan too fast for a spinner to help.
const SPINNER_MIN_FILES: usize = 200;

/// A spinner on stderr for long scans, only for a person watching a terminal: never in CI logs, pipes or
/// `--quiet` runs. It names the phase and the file count: `[2/3] project view: 1,204 files, 310 modules`.
fn progress_spinner(files: usize, quiet: bool) -> Option<indicatif::ProgressBar> {
    let interactive = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive || files < SPINNER_MIN_FILES {
        return None;
    }
    let p = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        p.set_style(style);
    }
    p.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(p)
}

/// Shows `done/total` files after the phase line while the engine reports each file it finishes.
fn count_files(p: Option<&indicatif::ProgressBar>, total: usize) {
    if let Some(p) = p {
        p.set_length(total as u64);
        p.set_position(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos}/{len} ({elapsed})")
        {
            p.set_style(style);
        }
    }
}

/// Back to the phase line alone, for phases that count something else.
fn uncount_files(p: Option<&indicatif::ProgressBar>) {
    if let Some(p) = p
        && let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
    {
        p.set_style(style);
    }
}

/// Sets the spinner's phase line and draws it now (a short phase would otherwise never show).
fn phase(p: Option<&indicatif::ProgressBar>, text: String) {
    if let Some(p) = p {
        p.set_message(text);
        p.tick();
    }
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
    let routes = route_stats(&outcome.output);
    let web = outcome
        .repository_uri
        .as_deref()
        .zip(outcome.changes.meta.head.as_deref())
        .and_then(|(origin, head)| web_url(origin, head));
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
        min_confidence: Some(settings.min_confidence),
        hidden_below: settings.hide_below.map(|floor| HiddenBelow {
            floor,
            count: outcome.hidden_below,
        }),
        category: settings.category.as_deref(),
        root_uri: outcome.root_uri.as_deref(),
        web_url: web.as_deref(),
        excerpts: &outcome.excerpts,
        routes: Some(&routes),
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

/// One format, rendered as `render_all` renders the files (no colour, default width).
fn render_one(settings: &Settings, outcome: &Outcome, started_at: &str, format: Format) -> String {
    let metas: Vec<_> = outcome.rules.rules.iter().map(|r| r.meta.clone()).collect();
    let finished = crate::now_utc();
    let routes = route_stats(&outcome.output);
    let web = outcome
        .repository_uri
        .as_deref()
        .zip(outcome.changes.meta.head.as_deref())
        .and_then(|(origin, head)| web_url(origin, head));
    let input = report_input(
        settings,
        outcome,
        &metas,
        &routes,
        web.as_deref(),
        started_at,
        &finished,
    );
    secreview_report::render(format, &input, &TableOptions::default())
}

/// The report input of a finished scan.
fn report_input<'a>(
    settings: &'a Settings,
    outcome: &'a Outcome,
    metas: &'a [secreview_model::RuleMeta],
    routes: &'a serde_json::Value,
    web: Option<&'a str>,
    started_at: &'a str,
    finished: &'a str,
) -> ReportInput<'a> {
    ReportInput {
        tool_version: env!("CARGO_PKG_VERSION"),
        meta: &outcome.changes.meta,
        findings: &outcome.output.findings,
        rules: metas,
        skipped: &outcome.changes.skipped,
        suppressions: &outcome.output.suppressions,
        suppressed: &outcome.output.suppressed,
        policy_changes: &outcome.policy_changes,
        settings: &settings.shown,
        fail_on: settings.fail_on,
        repository_uri: outcome.repository_uri.as_deref(),
        started_at: Some(started_at),
        finished_at: Some(finished),
        min_confidence: Some(settings.min_confidence),
        hidden_below: settings.hide_below.map(|floor| HiddenBelow {
            floor,
            count: outcome.hidden_below,
        }),
        category: settings.category.as_deref(),
        root_uri: outcome.root_uri.as_deref(),
        web_url: web,
        excerpts: &outcome.excerpts,
        routes: Some(routes),
    }
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
pub(crate) fn terminal_width() -> Option<u16> {
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
    let pre_commit;
    let a = if a.pre_commit {
        pre_commit = pre_commit_args(a)?;
        &pre_commit
    } else {
        a
    };
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
    if !syntax.is_empty() && !settings.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "note: {} file(s) have syntax errors and were analysed as far as they parse",
            syntax.len()
        );
    }
    let stale: BTreeSet<_> = outcome.stale_baseline.iter().collect();
    if !stale.is_empty() && !settings.quiet {
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
    let mut text = render_all(&settings, &outcome, &started_at)?;
    if settings.quiet && outcome.output.findings.is_empty() {
        text.clear();
    }
    write_step_summary(&settings, &outcome, &started_at)?;
    if a.stats {
        eprint!("{}", stats_text(&outcome, rendering.elapsed()));
    }
    // Decided before printing: a reader that closes the pipe early must not turn findings into a pass.
    let mut exit = gate(&outcome.output.findings, settings.fail_on);
    if settings.exit_zero {
        exit = Exit::Clean;
    }
    crate::print_gated(&text, exit)
}

/// GitHub caps a step summary at 1 MiB; a longer report is cut at a line and says so.
const STEP_SUMMARY_BUDGET: usize = 1024 * 1024 - 1024;

/// With GitHub annotations requested and `$GITHUB_STEP_SUMMARY` set (a GitHub Actions step), the Markdown
/// report is appended to the job summary: the annotations show ten findings of each kind, the summary shows
/// all of them.
fn write_step_summary(settings: &Settings, outcome: &Outcome, started_at: &str) -> Result<()> {
    let wants = settings.format == Format::Github
        || settings.outputs.iter().any(|(f, _)| *f == Format::Github);
    let Some(file) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    if !wants {
        return Ok(());
    }
    let mut text = render_one(settings, outcome, started_at, Format::Markdown);
    if text.len() > STEP_SUMMARY_BUDGET {
        let mut cut = STEP_SUMMARY_BUDGET;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let end = text[..cut].rfind('\n').unwrap_or(0);
        text.truncate(end);
        text.push_str("\n\n*Truncated at GitHub's 1 MiB step-summary limit: the full report is in `--format markdown`.*\n");
    }
    let path = PathBuf::from(file);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .with_context(|| format!("cannot write the step summary {}", path.display()))
}

/// `--pre-commit`: what the pre-commit framework asks for, as ordinary scan arguments. At the pre-push stage
/// it exports the pushed range (`PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF`): every commit of it is scanned for
/// secrets, as the native pre-push hook does; a first push of a whole history has no range and scans the
/// whole tree. Otherwise the staged changes of the files it passes are scanned, or — when nothing of them is
/// staged, as under `pre-commit run --all-files` or `--files` — those files whole.
fn pre_commit_args(a: &ScanArgs) -> Result<ScanArgs> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let mut args = a.clone();
    if a.mode.base.is_some()
        || a.mode.staged
        || a.mode.worktree
        || a.mode.range.is_some()
        || a.mode.all
    {
        bail!(
            "--pre-commit chooses the mode itself  hint: drop --base/--staged/--worktree/--range/--all"
        );
    }
    if let (Some(from), Some(to)) = (var("PRE_COMMIT_FROM_REF"), var("PRE_COMMIT_TO_REF")) {
        args.mode.range = Some(format!("{from}..{to}"));
        return Ok(args);
    }
    if var("PRE_COMMIT_REMOTE_NAME").is_some() {
        args.mode.all = true;
        return Ok(args);
    }
    let root = repo_root(&a.path);
    let paths: Vec<PathBuf> = std::iter::once(a.path.clone())
        .chain(a.more_paths.iter().cloned())
        .collect();
    let wanted = subtrees(&paths, &root);
    let staged = secreview_diff::collect(&a.path, &Mode::Staged, &Options::default())?;
    let any_staged = staged
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(staged.skipped.iter().map(|s| s.path.as_str()))
        .any(|p| wanted.contains(p));
    if any_staged {
        args.mode.staged = true;
    } else {
        args.mode.all = true;
        // The files pre-commit names are the scope: its own exclude/files patterns already chose them.
        args.no_default_excludes = true;
    }
    Ok(args)
}
