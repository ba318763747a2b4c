//! Where the review policy comes from, and what the scanned change does to it.
//!
//! The policy is everything that decides what blocks: `.secreview.toml`, the baseline, the rule directories it
//! names, `.gitattributes` and inline suppressions. A branch can edit all of them, so a gate that reads them from
//! the branch can be opened by the branch it reviews. By default secreview still reads the change's own policy (a
//! developer's local run should honour their edits) but lists every edit in every format; `--policy-from-base`
//! reads the policy from the base side of the diff instead, so the change cannot weaken its own gate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secreview_diff::{ChangeSet, Mode};
use secreview_model::{PolicyChange, PolicyKind, SkipReason};

use crate::args::ScanArgs;
use crate::baseline::Baseline;
use crate::config::Config;

/// The config file name looked up at the repository root.
const CONFIG_FILE: &str = ".secreview.toml";
/// Long TOML values (a 300-glob exclude list) are cut in the report; the JSON keeps `before`/`after` whole.
const MAX_VALUE_CHARS: usize = 120;

/// Both sides of the policy: what the change has (work tree) and what the base had (its commit).
#[derive(Debug, Default)]
pub(crate) struct Policy {
    /// `--policy-from-base`: the base side decides.
    pub from_base: bool,
    /// The base side's commit; `None` outside git or before the first commit.
    pub commit: Option<String>,
    /// The config file's repository-relative path, when it lives in the repository.
    pub config_rel: Option<String>,
    pub head_text: Option<String>,
    pub base_text: Option<String>,
    /// The baseline each side names (CLI `--baseline` wins on both), repository-relative when inside it.
    pub head_baseline: Option<PathBuf>,
    pub base_baseline: Option<PathBuf>,
    /// Rule directories inside the repository that either side's config names (repository-relative, with `/`).
    pub rule_dirs: Vec<String>,
}

/// What `Settings` needs from the policy resolution.
pub(crate) struct Resolved {
    pub config: Config,
    pub mode: Mode,
    /// Shown in the JSON settings: the file, or `FILE@COMMIT` when read from the base.
    pub config_shown: Option<String>,
    pub policy: Policy,
}

/// `path` relative to `root` with `/` separators, when it lies inside it (either may not exist yet).
pub(crate) fn rel_to(root: &Path, path: &Path) -> Option<String> {
    // Lexically first: a directory the change deleted has no canonical form, but `root.join(dir)` still names it.
    if let Ok(rel) = path.strip_prefix(root) {
        let clean = rel.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        let text = rel.to_string_lossy().replace('\\', "/");
        let text = text
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned();
        if clean && !text.is_empty() {
            return Some(text);
        }
    }
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let parent = abs.parent()?.canonicalize().ok()?;
    let full = parent.join(abs.file_name()?);
    let rel = full.strip_prefix(&canon_root).ok()?;
    let text = rel.to_string_lossy().replace('\\', "/");
    (!text.is_empty()).then_some(text)
}

fn read_at(a: &ScanArgs, commit: &str, rel: &str) -> Result<Option<String>> {
    Ok(secreview_diff::read_at(&a.path, commit, rel)?)
}

fn parse_at(text: Option<&str>, origin: &str) -> Result<Config> {
    match text {
        Some(t) => Config::parse(t).map_err(|e| anyhow::anyhow!("{origin}:{e}")),
        None => Ok(Config::default()),
    }
}

/// Reads both sides of the config and picks the one that decides. Under `--policy-from-base` the base's `base`
/// key may move the base itself, so the commit is looked up again with it.
pub(crate) fn resolve(a: &ScanArgs, root: &Path) -> Result<Resolved> {
    let explicit = a.config.as_deref();
    let file = explicit.map_or_else(|| root.join(CONFIG_FILE), Path::to_path_buf);
    let (head_config, head_path) = Config::load(explicit, root)?;
    let head_text = match &head_path {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the config file {}", p.display()))?,
        ),
        None => None,
    };
    // An explicit config outside the repository belongs to whoever runs the scan (the CI job), not the change.
    let config_rel = rel_to(root, &file);
    let mut policy = Policy {
        from_base: a.policy_from_base,
        config_rel: config_rel.clone(),
        head_text,
        ..Policy::default()
    };
    let (config, mode, config_shown) = if a.policy_from_base {
        let first = crate::scan::mode_of(&a.mode, None)?;
        let mut commit = base_commit(a, &first)?;
        let mut base_text = side_text(a, commit.as_deref(), config_rel.as_deref(), &file)?;
        let mut config = parse_at(base_text.as_deref(), &shown(&file, commit.as_deref()))?;
        let mut mode = first;
        if matches!(mode, Mode::Branch { base: None }) && config.base.is_some() {
            mode = crate::scan::mode_of(&a.mode, config.base.as_deref())?;
            commit = base_commit(a, &mode)?;
            base_text = side_text(a, commit.as_deref(), config_rel.as_deref(), &file)?;
            config = parse_at(base_text.as_deref(), &shown(&file, commit.as_deref()))?;
        }
        let config_shown = base_text.as_ref().map(|_| shown(&file, commit.as_deref()));
        policy.commit = commit;
        policy.base_text = base_text;
        (config, mode, config_shown)
    } else {
        let mode = crate::scan::mode_of(&a.mode, head_config.base.as_deref())?;
        // Only for the report: a failure here (no base yet, not a repository) is `collect`'s to explain.
        policy.commit = secreview_diff::policy_commit(&a.path, &mode).ok().flatten();
        policy.base_text = match (&policy.commit, &config_rel) {
            (Some(c), Some(rel)) => read_at(a, c, rel).ok().flatten(),
            _ => None,
        };
        let config_shown = head_path.map(|p| p.display().to_string());
        (head_config, mode, config_shown)
    };
    let base_config = if a.policy_from_base {
        None
    } else {
        policy
            .base_text
            .as_deref()
            .and_then(|t| Config::parse(t).ok())
    };
    let head_config_keys = policy
        .head_text
        .as_deref()
        .and_then(|t| Config::parse(t).ok());
    let (head_side, base_side) = if a.policy_from_base {
        (head_config_keys.as_ref(), Some(&config))
    } else {
        (Some(&config), base_config.as_ref())
    };
    let baseline_of = |c: Option<&Config>| {
        a.baseline
            .clone()
            .or_else(|| c.and_then(|c| c.baseline.as_ref().map(|b| root.join(b))))
    };
    policy.head_baseline = baseline_of(head_side);
    policy.base_baseline = baseline_of(base_side);
    let mut dirs = BTreeSet::new();
    for c in [head_side, base_side].into_iter().flatten() {
        for d in &c.rules_dirs {
            if let Some(rel) = rel_to(root, &root.join(d)) {
                dirs.insert(rel);
            }
        }
    }
    for d in &a.rules {
        if let Some(rel) = rel_to(root, d) {
            dirs.insert(rel);
        }
    }
    policy.rule_dirs = dirs.into_iter().collect();
    Ok(Resolved {
        config,
        mode,
        config_shown,
        policy,
    })
}

fn shown(file: &Path, commit: Option<&str>) -> String {
    match commit {
        Some(c) => format!("{}@{}", file.display(), short(c)),
        None => file.display().to_string(),
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn base_commit(a: &ScanArgs, mode: &Mode) -> Result<Option<String>> {
    secreview_diff::policy_commit(&a.path, mode)
        .map_err(anyhow::Error::from)
        .context("--policy-from-base needs the base commit of the scan")
}

/// The base side's text of a policy file: at the commit when it lives in the repository, from disk when it is
/// the CI job's own file outside it.
fn side_text(
    a: &ScanArgs,
    commit: Option<&str>,
    rel: Option<&str>,
    file: &Path,
) -> Result<Option<String>> {
    match (rel, commit) {
        (Some(rel), Some(c)) => read_at(a, c, rel),
        // Before the first commit there is no base policy: the defaults apply.
        (Some(_), None) => Ok(None),
        (None, _) => match std::fs::read_to_string(file) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && a.config.is_none() => Ok(None),
            Err(e) => {
                Err(e).with_context(|| format!("cannot read the config file {}", file.display()))
            }
        },
    }
}

/// Under `--policy-from-base`, rule directories inside the repository are copied out of the base commit into a
/// temporary directory, so rule files the change edits do not count. Returns the directories to load and the
/// temporary directory that must outlive the scan.
pub(crate) fn base_rule_dirs(
    a: &ScanArgs,
    root: &Path,
    policy: &Policy,
    dirs: Vec<PathBuf>,
) -> Result<(Vec<PathBuf>, Option<tempfile::TempDir>)> {
    let Some(commit) = policy.commit.as_deref().filter(|_| policy.from_base) else {
        return Ok((dirs, None));
    };
    let mut tmp = None;
    let mut out = Vec::with_capacity(dirs.len());
    for (i, dir) in dirs.into_iter().enumerate() {
        let Some(rel) = rel_to(root, &dir) else {
            out.push(dir);
            continue;
        };
        let files = secreview_diff::read_dir_at(&a.path, commit, &rel)?;
        let t: &tempfile::TempDir = match &tmp {
            Some(t) => t,
            None => tmp.insert(tempfile::tempdir().context("cannot create a temporary directory")?),
        };
        let target = t.path().join(i.to_string());
        std::fs::create_dir_all(&target)
            .with_context(|| format!("cannot create {}", target.display()))?;
        for (name, bytes) in files {
            let p = target.join(&name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
        }
        out.push(target);
    }
    Ok((out, tmp))
}

/// A baseline file as one side has it, with what the reports need to point at its entries.
#[derive(Clone)]
pub(crate) struct LoadedBaseline {
    pub baseline: Baseline,
    /// Repository-relative when inside the repository.
    pub shown: String,
    pub text: String,
    /// `(rule, fingerprint)` of entries the change added (in its baseline, not in the base side's).
    pub added: BTreeSet<(String, String)>,
}

/// Both baselines: the one that decides this scan, and the change's own (whose added entries are listed).
#[derive(Default)]
pub(crate) struct Baselines {
    pub decided: Option<LoadedBaseline>,
    pub head: Option<LoadedBaseline>,
}

/// Loads the change's baseline (work tree) and the base side's; the base's decides under `--policy-from-base`.
pub(crate) fn load_baselines(a_path: &Path, root: &Path, policy: &Policy) -> Result<Baselines> {
    let head = match &policy.head_baseline {
        // Under `--policy-from-base` a broken baseline in the change must not stop the scan: it decides nothing.
        Some(p) if policy.from_base => read_disk_baseline(p).ok().flatten(),
        Some(p) => read_disk_baseline(p)?,
        None => None,
    };
    let base = side_baseline(a_path, root, policy)?;
    let base_keys: BTreeSet<(String, String)> = base
        .as_ref()
        .map(|(b, _, _)| entry_keys(b))
        .unwrap_or_default();
    let added: BTreeSet<(String, String)> = match (&head, &policy.commit) {
        (Some((b, _, _)), Some(_)) => entry_keys(b).difference(&base_keys).cloned().collect(),
        _ => BTreeSet::new(),
    };
    let load = |(baseline, path, text): (Baseline, PathBuf, String)| LoadedBaseline {
        baseline,
        shown: rel_to(root, &path).unwrap_or_else(|| path.display().to_string()),
        text,
        added: added.clone(),
    };
    let head = head.map(load);
    let decided = if policy.from_base {
        base.map(load)
    } else {
        head.clone()
    };
    Ok(Baselines { decided, head })
}

fn entry_keys(b: &Baseline) -> BTreeSet<(String, String)> {
    b.findings
        .iter()
        .map(|e| (e.rule.clone(), e.fingerprint.clone()))
        .collect()
}

fn read_disk_baseline(p: &Path) -> Result<Option<(Baseline, PathBuf, String)>> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("cannot read the baseline {}", p.display()))?;
    let b = Baseline::parse(&text, &p.display().to_string())?;
    Ok(Some((b, p.to_path_buf(), text)))
}

/// The base side's baseline: at the commit when inside the repository (missing there: none), else from disk.
fn side_baseline(
    a_path: &Path,
    root: &Path,
    policy: &Policy,
) -> Result<Option<(Baseline, PathBuf, String)>> {
    let Some(p) = &policy.base_baseline else {
        return Ok(None);
    };
    match (rel_to(root, p), &policy.commit) {
        (Some(rel), Some(commit)) => {
            let Some(text) = secreview_diff::read_at(a_path, commit, &rel)? else {
                return Ok(None);
            };
            let b = Baseline::parse(&text, &format!("{rel}@{}", short(commit)))?;
            Ok(Some((b, p.clone(), text)))
        }
        (Some(_), None) => Ok(None),
        // Outside the repository it is the CI job's file, the same on both sides.
        (None, _) => read_disk_baseline(p),
    }
}

/// Every policy edit the change set shows, except suppressions (the engine lists those).
pub(crate) fn changes(
    policy: &Policy,
    baselines: &Baselines,
    changes: &ChangeSet,
    in_subtree: &dyn Fn(&str) -> bool,
    whole_tree: bool,
) -> Vec<PolicyChange> {
    // Unscanned files the *base* config excludes are nobody's news; the change's own `exclude` must not hide them.
    let base_globs = base_filters(policy);
    let selected = |p: &str| {
        in_subtree(p)
            && base_globs.0.as_ref().is_none_or(|g| g.is_match(p))
            && !base_globs.1.as_ref().is_some_and(|g| g.is_match(p))
    };
    let applied = !policy.from_base;
    let mut out = Vec::new();
    // Without a base commit (a plain directory, no history yet) there is nothing to compare the files with.
    if policy.commit.is_some() {
        out.extend(config_changes(policy));
        if let Some(b) = &baselines.head {
            out.extend(baseline_changes(b, applied));
        }
    }
    if !whole_tree {
        out.extend(attribute_changes(changes, applied));
        out.extend(rule_file_changes(policy, changes, applied));
        out.extend(unscanned_files(changes, &selected));
    }
    for c in &mut out {
        if !applied && c.kind != PolicyKind::UnscannedFile {
            c.applied = false;
        }
    }
    out
}

/// The base side's include and exclude globs (none when it has no config or a broken one).
fn base_filters(policy: &Policy) -> (Option<globset::GlobSet>, Option<globset::GlobSet>) {
    let Some(config) = policy
        .base_text
        .as_deref()
        .and_then(|t| Config::parse(t).ok())
    else {
        return (None, None);
    };
    (
        crate::scan::globs(&config.include, "include")
            .ok()
            .flatten(),
        crate::scan::globs(&config.exclude, "exclude")
            .ok()
            .flatten(),
    )
}

fn config_changes(policy: &Policy) -> Vec<PolicyChange> {
    let Some(path) = &policy.config_rel else {
        return Vec::new();
    };
    let keys = |t: Option<&str>| {
        let mut map = BTreeMap::new();
        if let Some(table) = t.and_then(|t| t.parse::<toml::Table>().ok()) {
            flatten("", &toml::Value::Table(table), &mut map);
        }
        map
    };
    let (head, base) = (
        keys(policy.head_text.as_deref()),
        keys(policy.base_text.as_deref()),
    );
    let head_lines = key_lines(policy.head_text.as_deref().unwrap_or(""));
    let base_lines = key_lines(policy.base_text.as_deref().unwrap_or(""));
    let names: BTreeSet<&String> = head.keys().chain(base.keys()).collect();
    let mut out = Vec::new();
    for key in names {
        let (before, after) = (base.get(key), head.get(key));
        if before == after {
            continue;
        }
        let (summary, line) = match (before, after) {
            (None, Some(a)) => (
                format!("{key} set to {}", clip(&a.to_string())),
                find_line(&head_lines, key),
            ),
            (Some(b), Some(a)) => (
                format!(
                    "{key} changed from {} to {}",
                    clip(&b.to_string()),
                    clip(&a.to_string())
                ),
                find_line(&head_lines, key),
            ),
            (Some(b), None) => (
                format!("{key} removed (was {})", clip(&b.to_string())),
                find_line(&base_lines, key),
            ),
            (None, None) => continue,
        };
        let mut c = PolicyChange::new(PolicyKind::ConfigKey, path, summary).with_key(key);
        c.line = line;
        c.before = before.map(ToString::to_string);
        c.after = after.map(ToString::to_string);
        out.push(c);
    }
    out
}

/// Dotted keys to leaf values; inline and standard tables alike, so `[rules] disable` is `rules.disable`.
fn flatten(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned(), v.clone());
        }
    }
}

/// The first line defining each dotted key (`[table]` headers tracked; quotes dropped), for pointing at keys.
/// A full TOML span walk was rejected: line granularity is what the report shows, and config files are small.
fn key_lines(text: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let mut table = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.starts_with('[') {
            let inner = line.trim_start_matches('[');
            let name = inner.split(']').next().unwrap_or("");
            table = unquote_key(name);
            out.entry(table.clone()).or_insert(n);
            continue;
        }
        let Some((k, _)) = line.split_once('=') else {
            continue;
        };
        if line.starts_with('#') {
            continue;
        }
        let k = unquote_key(k);
        let full = if table.is_empty() {
            k
        } else {
            format!("{table}.{k}")
        };
        out.entry(full).or_insert(n);
    }
    out
}

fn unquote_key(k: &str) -> String {
    k.split('.')
        .map(|p| p.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// The line of `key`, else of its nearest parent (a leaf inside an inline table sits on its parent's line).
fn find_line(lines: &BTreeMap<String, u32>, key: &str) -> Option<u32> {
    let mut k = key;
    loop {
        if let Some(l) = lines.get(k) {
            return Some(*l);
        }
        k = k.rsplit_once('.')?.0;
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE_CHARS {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(MAX_VALUE_CHARS).collect();
    out.push('…');
    out
}

fn baseline_changes(b: &LoadedBaseline, applied: bool) -> Vec<PolicyChange> {
    b.baseline
        .findings
        .iter()
        .filter(|e| b.added.contains(&(e.rule.clone(), e.fingerprint.clone())))
        .map(|e| {
            let mut c = PolicyChange::new(
                PolicyKind::BaselineEntry,
                &b.shown,
                format!(
                    "accepts {} in {} (fingerprint {})",
                    e.rule,
                    e.path,
                    short(&e.fingerprint)
                ),
            )
            .with_key(&e.rule)
            .applied(applied);
            c.line = crate::scan::entry_line(&b.text, &e.fingerprint);
            c
        })
        .collect()
}

fn is_attributes(path: &str) -> bool {
    path == ".gitattributes" || path.ends_with("/.gitattributes")
}

fn attribute_changes(changes: &ChangeSet, applied: bool) -> Vec<PolicyChange> {
    let mut out = Vec::new();
    for f in changes.files.iter().filter(|f| is_attributes(&f.path)) {
        let lines: Vec<&str> = f.new_text.lines().collect();
        for n in f.added.iter() {
            let Some(text) = lines.get(n as usize - 1).map(|l| l.trim()) else {
                continue;
            };
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            out.push(
                PolicyChange::new(
                    PolicyKind::Attributes,
                    &f.path,
                    format!("`{}` added", clip(text)),
                )
                .at_line(n)
                .applied(applied),
            );
        }
    }
    out
}

fn rule_file_changes(policy: &Policy, changes: &ChangeSet, applied: bool) -> Vec<PolicyChange> {
    let under = |p: &str| {
        policy
            .rule_dirs
            .iter()
            .any(|d| p.starts_with(&format!("{}/", d.trim_end_matches('/'))))
    };
    let edited = changes
        .files
        .iter()
        .filter(|f| under(&f.path))
        .map(|f| (f.path.as_str(), "rule file added or changed"));
    let deleted = changes
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::Deleted && under(&s.path))
        .map(|s| (s.path.as_str(), "rule file deleted"));
    edited
        .chain(deleted)
        .map(|(p, what)| PolicyChange::new(PolicyKind::RuleFile, p, what).applied(applied))
        .collect()
}

/// Changed files the scan could not read for a reason the change controls.
fn unscanned_files(changes: &ChangeSet, selected: &dyn Fn(&str) -> bool) -> Vec<PolicyChange> {
    changes
        .skipped
        .iter()
        .filter(|s| is_policy_skip(&s.reason) && selected(&s.path))
        .map(|s| PolicyChange::new(PolicyKind::UnscannedFile, &s.path, s.reason.describe()))
        .collect()
}

/// Skips a branch can cause on purpose: padding past the cap, a non-UTF-8 byte, a `binary` attribute.
pub(crate) fn is_policy_skip(reason: &SkipReason) -> bool {
    matches!(
        reason,
        SkipReason::TooLarge { .. } | SkipReason::NotUtf8 | SkipReason::MarkedBinary
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_are_diffed_and_located() {
        let policy = Policy {
            config_rel: Some(".secreview.toml".into()),
            base_text: Some("fail_on = \"high\"\nexclude = [\"docs/**\"]\n[rules]\nmode = { a = \"warn\" }\n".into()),
            head_text: Some(
                "# relaxed\nfail_on = \"never\"\n\n[rules]\ndisable = [\"x\"]\nmode = { a = \"warn\", b = \"warn\" }\n"
                    .into(),
            ),
            ..Policy::default()
        };
        let got: Vec<(String, Option<u32>, String)> = config_changes(&policy)
            .into_iter()
            .map(|c| (c.key.unwrap(), c.line, c.summary))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "exclude".into(),
                    Some(2),
                    "exclude removed (was [\"docs/**\"])".into()
                ),
                (
                    "fail_on".into(),
                    Some(2),
                    "fail_on changed from \"high\" to \"never\"".into()
                ),
                (
                    "rules.disable".into(),
                    Some(5),
                    "rules.disable set to [\"x\"]".into()
                ),
                (
                    "rules.mode.b".into(),
                    Some(6),
                    "rules.mode.b set to \"warn\"".into()
                ),
            ]
        );
    }
}
