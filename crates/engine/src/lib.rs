//! # secreview-engine
//!
//! Runs compiled rules over changed files, in parallel with rayon: the `query` matcher (tree-sitter queries),
//! the `regex` matcher (secrets, with a keyword prefilter), the `taint` matcher (intra-procedural data flow) and
//! the builtin analyses (the authorization route model). Then it applies diff scoping (a finding must touch an
//! added line; a regression finding must point at a guard the diff removed), inline suppressions, dedupe,
//! fingerprints and the deterministic sort.
//!
//! It prints nothing and reads no files: input is [`ChangedFile`]s, output is [`ScanOutput`]. Everything costly
//! to build (queries, regexes, automata) is built once in [`Engine::new`] and shared by every worker; tree-sitter
//! parsers are per thread (in the syntax crate).

mod authz;
mod context;
mod emit;
mod file;
pub mod project;
mod query;
mod redact;
mod secrets;
mod suppress;
mod taint;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use secreview_model::{
    ChangedFile, Evidence, FileStatus, Finding, Fingerprint, Location, PolicyChange, PolicyKind,
    SkipReason, Skipped, SuppressedBy, SuppressedFinding, Suppression, SuppressionKind,
    normalize_line, split_lines,
};
use secreview_rules::{CompiledRule, Matcher, RuleSet};
use secreview_syntax::{Lang, ParsedFile};

pub use emit::Hit;
pub use project::Project;
pub use secrets::shannon_entropy;

use emit::Pending;
use file::FileCtx;
use redact::Redactor;

/// The rule that reports suppressions that do nothing (no reason, expired, or unused).
pub const INEFFECTIVE_SUPPRESSION: &str = "ineffective-suppression";

/// Builtin analyses the engine does not run itself: the suppression check runs inside every file scan, and
/// `scan.*` findings are made by the scan driver (about files it could not read) through [`Engine::file_finding`].
const DRIVER_ANALYSES: [&str; 2] = ["engine.suppressions", "scan.changed-file-not-scanned"];

/// Which inline `secreview: ignore[…]` comments may hide findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InlineSuppressions {
    /// Every effective suppression (except a stale one over lines the change rewrote).
    #[default]
    Honour,
    /// Only suppressions that predate the change: the change cannot suppress its own findings.
    FromBase,
    /// None: what they would hide is reported normally.
    Ignore,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot prepare the rules: {0}")]
    Setup(String),
}

/// Knobs that change what the engine reports, not how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `YYYY-MM-DD`, for suppression expiry; passed in so runs are reproducible.
    pub today: String,
    /// Show secret values in full (local triage only; the CLI refuses it under CI).
    pub show_secrets: bool,
}

/// Which families of findings a scan reports: a per-commit scan of a pushed range reports only secrets, while
/// the net diff of the same range reports the code findings.
///
/// This chooses what is *reported*, never what is *redacted*: every scan detects the secret values of every file
/// it reads and hides them from all it returns, whatever the kinds (only [`Settings::show_secrets`] shows them).
/// Hence no fields to set: a caller picks one of the constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    code: bool,
    secrets: bool,
}

impl Kinds {
    /// Code findings and secrets.
    pub const ALL: Kinds = Kinds {
        code: true,
        secrets: true,
    };
    /// Code findings only (secrets are still redacted from them).
    pub const CODE: Kinds = Kinds {
        code: true,
        secrets: false,
    };
    /// Secrets findings only.
    pub const SECRETS: Kinds = Kinds {
        code: false,
        secrets: true,
    };

    pub fn code(self) -> bool {
        self.code
    }

    pub fn secrets(self) -> bool {
        self.secrets
    }
}

#[derive(Debug, Default)]
pub struct ScanOutput {
    /// Sorted by (path, line, column, rule id), deduplicated, fingerprinted.
    pub findings: Vec<Finding>,
    /// Every suppression comment on a changed line, with how many findings it hid.
    pub suppressions: Vec<Suppression>,
    /// The findings suppressions hid, sorted like `findings`: reported as suppressed, never blocking.
    pub suppressed: Vec<SuppressedFinding>,
    /// Suppressions the change added or moved, and old ones it made stale, sorted by location.
    pub policy: Vec<PolicyChange>,
    /// Files in a language we parse whose tree had syntax errors (analysed anyway).
    pub files_with_syntax_errors: Vec<String>,
    /// Files the code rules could not analyse (refused by the parser), sorted by path; their secrets were
    /// still scanned.
    pub not_parsed: Vec<Skipped>,
    /// The web routes the authorization analysis saw, in file order.
    pub routes: Vec<RouteInfo>,
    /// Where the time went, summed over the workers (CPU time, not wall time).
    pub stats: ScanStats,
    /// The secret values this scan saw, to hide them from what it did not produce.
    pub secrets: Secrets,
}

/// Per-phase CPU time of a scan, summed over files and workers, for `--stats`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ScanStats {
    pub files: u32,
    pub files_parsed: u32,
    pub bytes_parsed: u64,
    pub parse: Duration,
    pub query: Duration,
    pub taint: Duration,
    pub authz: Duration,
    pub secrets: Duration,
    /// Diff scoping, suppressions, fingerprints and redaction.
    pub finish: Duration,
}

impl ScanStats {
    pub fn add(&mut self, o: &ScanStats) {
        self.files += o.files;
        self.files_parsed += o.files_parsed;
        self.bytes_parsed += o.bytes_parsed;
        self.parse += o.parse;
        self.query += o.query;
        self.taint += o.taint;
        self.authz += o.authz;
        self.secrets += o.secrets;
        self.finish += o.finish;
    }
}

/// The secret values a scan saw, kept to hide them from text the scan did not produce but a report prints
/// (skipped files' paths, branch names). Opaque: the values never leave it. Empty with `show_secrets`.
#[derive(Clone, Default)]
pub struct Secrets(Arc<Redactor>);

impl Secrets {
    /// `text` with every value of the scan redacted.
    pub fn redact(&self, text: &str) -> String {
        self.0.redact(text).into_owned()
    }

    /// Adds the values of another scan (the per-commit scans of a range).
    pub fn merge(&mut self, other: &Secrets) {
        if !other.0.is_empty() {
            Arc::make_mut(&mut self.0).extend(other.0.values().map(str::to_owned));
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values)", self.0.len())
    }
}

/// One web route and its protection, for `secreview routes` and the JSON metadata.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RouteInfo {
    pub file: String,
    pub line: u32,
    pub framework: String,
    pub methods: Vec<String>,
    pub path: Option<String>,
    pub handler: String,
    pub authenticated: bool,
    pub ownership_checked: bool,
    /// Where the authentication comes from, as `file:line note` (the router registration in `app/api/main.py`).
    pub auth_from: Option<String>,
    /// A role or permission check applies (an admin dependency, `IsAdminUser`, `@permission_required`).
    pub role_checked: bool,
    /// Where ownership (or the role check standing in for it) is established.
    pub ownership_from: Option<String>,
    /// The owner relation of the record the handler selects, when the data model shows one.
    pub owned_model: Option<String>,
}

pub struct Engine {
    set: RuleSet,
    settings: Settings,
    secrets: secrets::SecretsMatcher,
    query_rules: [Vec<usize>; 2],
    taint_rules: [Vec<usize>; 2],
    authz_rules: [Vec<usize>; 2],
    taint: [taint::Tables; 2],
    authz: authz::Names,
    inline: InlineSuppressions,
}

fn lang_slot(lang: Lang) -> usize {
    match lang {
        Lang::Python => 0,
        Lang::Rust => 1,
    }
}

impl Engine {
    pub fn new(set: RuleSet, settings: Settings) -> Result<Engine, EngineError> {
        let mut query_rules: [Vec<usize>; 2] = Default::default();
        let mut taint_rules: [Vec<usize>; 2] = Default::default();
        let mut authz_rules: [Vec<usize>; 2] = Default::default();
        let mut regex_rules = Vec::new();
        for (i, rule) in set.rules.iter().enumerate() {
            match &rule.matcher {
                Matcher::Query(qs) => {
                    for lang in Lang::ALL {
                        if qs.iter().any(|q| q.lang == lang) {
                            query_rules[lang_slot(lang)].push(i);
                        }
                    }
                }
                Matcher::Regex { .. } => regex_rules.push(i),
                Matcher::Taint { .. } => {
                    for &lang in &rule.langs {
                        taint_rules[lang_slot(lang)].push(i);
                    }
                }
                Matcher::Builtin { analysis } => {
                    if !authz::ANALYSES.contains(&analysis.as_str())
                        && !DRIVER_ANALYSES.contains(&analysis.as_str())
                    {
                        return Err(EngineError::Setup(format!(
                            "{}: rule `{}` names an unknown analysis `{analysis}` (known: {}, {})",
                            rule.source,
                            rule.meta.id,
                            authz::ANALYSES.join(", "),
                            DRIVER_ANALYSES.join(", ")
                        )));
                    }
                    if analysis.starts_with("authz.") {
                        for &lang in &rule.langs {
                            authz_rules[lang_slot(lang)].push(i);
                        }
                    }
                }
            }
        }
        let secrets = secrets::SecretsMatcher::new(&set, &regex_rules)?;
        let taint = [
            taint::Tables::new(Lang::Python, set.taint_table(Lang::Python))?,
            taint::Tables::new(Lang::Rust, set.taint_table(Lang::Rust))?,
        ];
        let authz = authz::Names::new(&set.authz);
        Ok(Engine {
            set,
            settings,
            secrets,
            query_rules,
            taint_rules,
            authz_rules,
            taint,
            authz,
            inline: InlineSuppressions::default(),
        })
    }

    /// Which inline suppressions may hide findings (default: all effective ones).
    #[must_use]
    pub fn with_inline_suppressions(mut self, mode: InlineSuppressions) -> Self {
        self.inline = mode;
        self
    }

    /// A finding of a driver-level rule (`analysis = "scan.…"`) about a whole file, such as a changed file that
    /// could not be read; `None` when that rule is not loaded (disabled).
    pub fn file_finding(&self, rule_id: &str, path: &str, detail: &str) -> Option<Finding> {
        let rule = self.set.get(rule_id)?;
        let hit = Hit::at_line(1, rule.meta.confidence).detail(detail);
        // The path may itself hold a token: the detectors see it like any text a report prints.
        let path = self.redact(path);
        finish(vec![emit::pending(
            rule,
            &path,
            ("", ""),
            hit,
            &Redactor::default(),
        )])
        .pop()
    }

    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    /// `text` (a path, a branch name, a URL: anything the caller is about to print that did not come from a
    /// scan) with every secret any detector recognises in it redacted; unchanged with `show_secrets`.
    pub fn redact(&self, text: &str) -> String {
        if self.settings.show_secrets {
            return text.to_owned();
        }
        let mut values = Vec::new();
        self.secrets.values(&self.set, text, &mut values);
        Redactor::new(values).redact(text).into_owned()
    }

    /// The secret values of a file, for redaction: its text (both versions, whole) and its path (both names).
    fn secret_values(&self, file: &ChangedFile) -> Vec<String> {
        let mut values = Vec::new();
        for text in [Some(&file.path), file.old_path.as_ref()]
            .into_iter()
            .flatten()
        {
            self.secrets.values(&self.set, text, &mut values);
        }
        for text in [Some(&file.new_text), file.old_text.as_ref()]
            .into_iter()
            .flatten()
        {
            self.secrets.values(&self.set, text, &mut values);
        }
        values
    }

    /// Gives the rule set back (reports need every rule's metadata after the scan).
    pub fn into_rules(self) -> RuleSet {
        self.set
    }

    /// Scans every file in parallel; the result does not depend on the number of threads. Facts defined in
    /// other files are not seen; [`Engine::scan_in`] takes the project around the files.
    pub fn scan(&self, files: &[ChangedFile], kinds: Kinds) -> ScanOutput {
        self.scan_in(files, kinds, &Project::empty())
    }

    /// Scans `files` as part of `project`: analyses follow imports into the project's other modules.
    pub fn scan_in(&self, files: &[ChangedFile], kinds: Kinds, project: &Project) -> ScanOutput {
        self.scan_in_progress(files, kinds, project, &|| {})
    }

    /// [`Engine::scan_in`], calling `file_done` (from the worker threads) as each file's analyses finish, for a
    /// progress display.
    pub fn scan_in_progress(
        &self,
        files: &[ChangedFile],
        kinds: Kinds,
        project: &Project,
        file_done: &(dyn Fn() + Sync),
    ) -> ScanOutput {
        // Always, whatever `kinds` says: a code-only scan quotes lines that may hold a token. Fingerprints use
        // it even with `show_secrets`, so they do not depend on that flag.
        let values: Vec<String> = files
            .par_iter()
            .flat_map_iter(|f| self.secret_values(f))
            .collect();
        let redactor = Arc::new(Redactor::new(values));
        let secrets = if self.settings.show_secrets {
            Secrets::default()
        } else {
            Secrets(Arc::clone(&redactor))
        };
        let per_file: Vec<FileOutput> = files
            .par_iter()
            .map(|f| {
                let out = self.scan_file(f, kinds, project, &redactor);
                file_done();
                out
            })
            .collect();
        let mut pending = Vec::new();
        let mut suppressed = Vec::new();
        let mut out = ScanOutput {
            secrets,
            ..ScanOutput::default()
        };
        for f in per_file {
            pending.extend(f.pending);
            suppressed.extend(f.suppressed);
            out.policy.extend(f.policy);
            out.suppressions.extend(f.suppressions);
            if let Some(error) = f.not_parsed {
                out.not_parsed.push(Skipped {
                    path: f.path.clone(),
                    reason: SkipReason::NotParsed { error },
                });
            }
            if f.syntax_errors {
                out.files_with_syntax_errors.push(f.path);
            }
            out.routes.extend(f.routes);
            out.stats.add(&f.stats);
        }
        out.findings = finish(pending);
        out.suppressed = finish_suppressed(suppressed);
        out.policy.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        out.policy.dedup();
        out.suppressions
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        out.files_with_syntax_errors.sort();
        out.not_parsed.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// Compiles the queries the code scan of `files` will run, so the compiling can overlap with other work (the
    /// CLI runs it beside the project build). The scan would compile the same ones on first use; this only
    /// moves the cost.
    pub fn precompile_queries(&self, files: &[ChangedFile]) {
        for file in files.iter().filter(|f| !f.lossy) {
            let Some(lang) = secreview_syntax::detect(&file.path, &file.new_text) else {
                continue;
            };
            let ctx = FileCtx::new(file);
            for &ri in &self.query_rules[lang_slot(lang)] {
                let rule = &self.set.rules[ri];
                let Matcher::Query(queries) = &rule.matcher else {
                    continue;
                };
                if !rule.applies_to_path(&file.path) {
                    continue;
                }
                for q in queries.iter().filter(|q| q.lang == lang) {
                    if q.may_match(ctx.text(), &|k| ctx.lower_contains(k)) {
                        q.parts();
                    }
                }
            }
        }
    }

    /// `redactor`: the secret values of the whole scan.
    fn scan_file(
        &self,
        file: &ChangedFile,
        kinds: Kinds,
        project: &Project,
        redactor: &Arc<Redactor>,
    ) -> FileOutput {
        let ctx = FileCtx::new(file);
        let mut hits: Vec<(usize, Hit)> = Vec::new();
        let mut syntax_errors = false;
        let mut not_parsed = None;
        let mut routes = Vec::new();
        let mut stats = ScanStats {
            files: 1,
            ..ScanStats::default()
        };
        // Lossily decoded text (not UTF-8) is not the program the parser would see: secrets only.
        let mut redactor = Arc::clone(redactor);
        if kinds.code
            && !file.lossy
            && let Some(lang) = secreview_syntax::detect(&file.path, &file.new_text)
        {
            let slot = lang_slot(lang);
            let active = |ids: &[usize]| -> Vec<usize> {
                ids.iter()
                    .copied()
                    .filter(|&i| self.set.rules[i].applies_to_path(&file.path))
                    .collect()
            };
            let (q, t, a) = (
                active(&self.query_rules[slot]),
                active(&self.taint_rules[slot]),
                active(&self.authz_rules[slot]),
            );
            let started = Instant::now();
            if !(q.is_empty() && t.is_empty() && a.is_empty()) {
                match secreview_syntax::parse(lang, file.new_text.clone()) {
                    Ok(parsed) => {
                        stats.parse = started.elapsed();
                        stats.files_parsed = 1;
                        stats.bytes_parsed = file.new_text.len() as u64;
                        syntax_errors = parsed.tree.root_node().has_error();
                        let shown = if self.settings.show_secrets {
                            Arc::new(Redactor::default())
                        } else {
                            Arc::clone(&redactor)
                        };
                        routes = redact::scoped(&shown, || {
                            self.run_code_rules(
                                &ctx,
                                (&parsed, project),
                                (&q, &t, &a),
                                &mut hits,
                                &mut stats,
                            )
                        });
                    }
                    Err(e) => not_parsed = Some(e.to_string()),
                }
            }
        }
        if kinds.secrets {
            let started = Instant::now();
            self.secrets
                .run(&self.set, &ctx, self.settings.show_secrets, &mut hits);
            stats.secrets = started.elapsed();
            // A value found in a hunk is also hidden from every other finding of the file. The whole-text pass
            // found it already, unless the hunk's edge cut a match differently.
            let late: Vec<String> = hits
                .iter()
                .filter_map(|(_, h)| h.secret.clone())
                .filter(|v| !redactor.covers(v))
                .collect();
            if !late.is_empty() {
                Arc::make_mut(&mut redactor).extend(late);
            }
        }
        let no_redaction = Redactor::default();
        let shown: &Redactor = if self.settings.show_secrets {
            &no_redaction
        } else {
            &redactor
        };
        let finishing = Instant::now();
        // Occurrence indexes count every hit of the file, before diff scoping, so a fingerprint does not change
        // when an identical line is added elsewhere in the branch (or when the scope changes between scans).
        hits.sort_by_key(|(ri, h)| (h.start_line, h.start_col, *ri));
        let mut seen: HashMap<(usize, String, u32), u32> = HashMap::new();
        let mut line_norms: Option<Vec<String>> = None;
        let mut suppressions = suppress::parse(&file.path, &file.new_text);
        let mut pending = Vec::new();
        let mut suppressed = Vec::new();
        let mut policy = Vec::new();
        for (ri, hit) in hits {
            let rule = &self.set.rules[ri];
            let (first, last) = (hit.start_line, hit.end_line.min(hit.start_line + 4));
            let flagged: Vec<&str> = (first..=last).map(|l| ctx.line_text(l)).collect();
            // The fingerprint input holds no secret: a fast hash of a line with a token in it would let anyone
            // holding a baseline test guesses of the token.
            let flagged = redactor.redact(&flagged.join("\n")).into_owned();
            let identity = normalize_line(hit.identity.as_deref().unwrap_or(&flagged));
            // Code findings: rank among identical lines of the whole file, so a copy added below an accepted
            // line gets its own fingerprint even when the matcher only looked at the changed lines.
            let earlier = if hit.identity.is_none() {
                let norms = line_norms.get_or_insert_with(|| {
                    split_lines(&file.new_text).map(normalize_line).collect()
                });
                let first_norm = normalize_line(ctx.line_text(first));
                norms
                    .iter()
                    .take(first as usize - 1)
                    .filter(|l| **l == first_norm)
                    .count() as u32
            } else {
                0
            };
            // Secrets: rank among the file's hits of that shape; code: rank among hits on the same line.
            let slot = if hit.identity.is_none() { first } else { 0 };
            let n = seen.entry((ri, identity, slot)).or_insert(0);
            let occurrence = earlier * 1000 + *n;
            *n += 1;
            if !hit.regression && !file.added.intersects(hit.start_line, hit.end_line) {
                continue;
            }
            let line = hit.start_line;
            let span = (hit.start_line, hit.end_line);
            let mut p = emit::pending(
                rule,
                &file.path,
                (ctx.line_text(line), &flagged),
                hit,
                shown,
            );
            p.occurrence = occurrence;
            match self.suppression_for(&suppressions, file, &rule.meta.id, span) {
                Some((i, None)) => {
                    let s = &mut suppressions[i];
                    s.used += 1;
                    let by = SuppressedBy {
                        kind: SuppressionKind::InSource,
                        path: s.path.clone(),
                        line: Some(s.line),
                        justification: s.reason.clone(),
                        added_by_change: file.status != FileStatus::Unchanged
                            && file.added.contains(s.line),
                    };
                    suppressed.push((p, by));
                    continue;
                }
                Some((i, Some(refusal))) => {
                    let s = &mut suppressions[i];
                    p.finding.evidence.push(Evidence {
                        location: Location::line(&s.path, s.line),
                        note: refusal.note(&rule.meta.id, line),
                    });
                    if let Some(why) = refusal.not_applied() {
                        s.not_applied = Some(why.to_owned());
                    } else {
                        policy.push(stale_change(s, &rule.meta.id, line));
                    }
                }
                None => {}
            }
            pending.push(p);
        }
        suppressions.retain(|s| file.added.contains(s.line));
        for s in &mut suppressions {
            s.expired = s
                .until
                .as_deref()
                .is_some_and(|u| u < self.settings.today.as_str());
        }
        if kinds.code && file.status != FileStatus::Unchanged {
            policy.extend(
                suppressions
                    .iter()
                    .map(|s| self.added_change(s, file, &ctx)),
            );
        }
        if !kinds.code {
            // Per-commit secrets scans use the suppressions but leave judging and listing them to the code scan
            // of the same range, which sees the final text.
            suppressions.clear();
        } else if let Some(rule) = self.set.get(INEFFECTIVE_SUPPRESSION) {
            // Code rules did not read a lossily decoded file: its code suppressions cannot be judged unused.
            let ran = Kinds {
                code: kinds.code && !file.lossy,
                ..kinds
            };
            pending.extend(self.ineffective(rule, &ctx, &suppressions, ran, (&redactor, shown)));
        }
        for p in pending
            .iter_mut()
            .chain(suppressed.iter_mut().map(|(p, _)| p))
        {
            shown.finding(&mut p.finding);
            p.finding.commit.clone_from(&file.commit);
        }
        // A suppression's reason and a policy note quote the file: they lose its secrets like findings do.
        for (_, by) in &mut suppressed {
            by.justification = shown.redact(&by.justification).into_owned();
        }
        for s in &mut suppressions {
            shown.suppression(s);
        }
        for r in &mut routes {
            shown.route(r);
        }
        stats.finish = finishing.elapsed();
        FileOutput {
            path: shown.redact(&file.path).into_owned(),
            pending,
            suppressed,
            policy,
            suppressions,
            syntax_errors,
            not_parsed,
            routes,
            stats,
        }
    }

    /// `rules`: the active (query, taint, authz) rule indexes for this file.
    fn run_code_rules(
        &self,
        ctx: &FileCtx<'_>,
        (parsed, project): (&ParsedFile, &Project),
        (query_rules, taint_rules, authz_rules): (&[usize], &[usize], &[usize]),
        hits: &mut Vec<(usize, Hit)>,
        stats: &mut ScanStats,
    ) -> Vec<RouteInfo> {
        let mut buf = Vec::new();
        let mut started = Instant::now();
        for &ri in query_rules {
            query::run(&self.set.rules[ri], ctx, parsed, &mut buf);
            hits.extend(buf.drain(..).map(|h| (ri, h)));
        }
        stats.query = lap(&mut started);
        if !taint_rules.is_empty() {
            let rules: Vec<(usize, &CompiledRule)> = taint_rules
                .iter()
                .map(|&i| (i, &self.set.rules[i]))
                .collect();
            let injected = authz::injected_aliases(project, &ctx.file.path, parsed);
            taint::run(
                &self.taint[lang_slot(parsed.lang)],
                &rules,
                ctx,
                (parsed, &injected, project),
                hits,
            );
        }
        stats.taint = lap(&mut started);
        let mut routes = Vec::new();
        if !authz_rules.is_empty() {
            let rules: Vec<(usize, &CompiledRule)> = authz_rules
                .iter()
                .map(|&i| (i, &self.set.rules[i]))
                .collect();
            routes = authz::run(&self.authz, project, &rules, ctx, parsed, hits);
        }
        stats.authz = lap(&mut started);
        routes
    }

    #[allow(clippy::unused_self)] // an engine method like the other matchers, though it needs no engine state
    /// `kinds`: a suppression naming only rules of a family this scan did not run is not judged unused.
    fn ineffective(
        &self,
        rule: &CompiledRule,
        ctx: &FileCtx<'_>,
        sups: &[Suppression],
        kinds: Kinds,
        (redactor, shown): (&Redactor, &Redactor),
    ) -> Vec<Pending> {
        sups.iter()
            .filter_map(|s| {
                let why = if s.reason.is_empty() {
                    "has no reason, so it suppresses nothing".to_owned()
                } else if s.expired {
                    format!("expired on {}", s.until.as_deref().unwrap_or(""))
                } else if s.until.as_deref().is_some_and(|u| !suppress::is_date(u)) {
                    format!(
                        "has an `until=` that is not a YYYY-MM-DD date ({})",
                        s.until.as_deref().unwrap_or("")
                    )
                } else if s.used == 0 && s.not_applied.is_none() && self.judged(s, kinds) {
                    format!("matches no finding of {}", s.rule_ids.join(", "))
                } else {
                    return None;
                };
                let hit = Hit::at_line(s.line, rule.meta.confidence).detail(why);
                let text = ctx.line_text(s.line);
                let flagged = redactor.redact(text);
                Some(emit::pending(rule, &s.path, (text, &flagged), hit, shown))
            })
            .collect()
    }
}

impl Engine {
    /// The suppression that applies to a finding of `rule_id` over `span`, else the first one that names it but
    /// is refused (with why), else `None`.
    fn suppression_for(
        &self,
        sups: &[Suppression],
        file: &ChangedFile,
        rule_id: &str,
        span: (u32, u32),
    ) -> Option<(usize, Option<suppress::Refusal>)> {
        let mut refused = None;
        for (i, s) in sups.iter().enumerate() {
            if !(suppress::covers(s, rule_id, span.0)
                && suppress::effective(s, &self.settings.today))
            {
                continue;
            }
            match suppress::refusal(s, file, span, self.inline) {
                None => return Some((i, None)),
                Some(r) => {
                    refused.get_or_insert((i, Some(r)));
                }
            }
        }
        refused
    }

    /// The policy change a suppression on an added line makes: added, or moved from where the base had it.
    fn added_change(&self, s: &Suppression, file: &ChangedFile, ctx: &FileCtx<'_>) -> PolicyChange {
        let ids = s.rule_ids.join(", ");
        let summary = match suppress::old_line(file, ctx.line_text(s.line)) {
            Some(old) => format!("`secreview: ignore[{ids}]` moved here (line {old} in the base)"),
            None => format!("`secreview: ignore[{ids}]` added"),
        };
        let applied = self.inline == InlineSuppressions::Honour
            && suppress::effective(s, &self.settings.today);
        PolicyChange::new(PolicyKind::Suppression, &s.path, summary)
            .at_line(s.line)
            .with_key(ids)
            .applied(applied)
    }

    /// Whether this scan ran every rule a suppression names (a code-only scan cannot tell whether a secrets
    /// suppression is used).
    fn judged(&self, s: &Suppression, kinds: Kinds) -> bool {
        s.rule_ids.iter().all(|id| {
            let is_secret = self
                .set
                .get(id)
                .is_some_and(|r| matches!(r.matcher, Matcher::Regex { .. }));
            if is_secret { kinds.secrets } else { kinds.code }
        })
    }
}

struct FileOutput {
    path: String,
    pending: Vec<Pending>,
    suppressed: Vec<(Pending, SuppressedBy)>,
    policy: Vec<PolicyChange>,
    suppressions: Vec<Suppression>,
    syntax_errors: bool,
    /// Why the parser refused the file, if it did.
    not_parsed: Option<String>,
    routes: Vec<RouteInfo>,
    stats: ScanStats,
}

/// The time since `since`, restarting the clock.
fn lap(since: &mut Instant) -> Duration {
    let now = Instant::now();
    let d = now - *since;
    *since = now;
    d
}

/// An old suppression over a line the change rewrote: listed so the reviewer sees why it no longer hides anything.
fn stale_change(s: &Suppression, rule_id: &str, target: u32) -> PolicyChange {
    PolicyChange::new(
        PolicyKind::StaleSuppression,
        &s.path,
        format!(
            "`secreview: ignore[{rule_id}]` predates the change; line {target} under it is new or changed, so its \
             finding is reported"
        ),
    )
    .at_line(s.line)
    .with_key(rule_id)
    .applied(false)
}

/// Suppressed findings get the same order, dedupe and fingerprints as reported ones, so a baseline or a SARIF
/// consumer can match them.
fn finish_suppressed(mut items: Vec<(Pending, SuppressedBy)>) -> Vec<SuppressedFinding> {
    items.sort_by(|a, b| a.0.finding.sort_key().cmp(&b.0.finding.sort_key()));
    items.dedup_by(|b, a| {
        a.0.finding.sort_key() == b.0.finding.sort_key() && a.0.identity == b.0.identity
    });
    items
        .into_iter()
        .map(|(p, suppressed_by)| {
            let mut finding = p.finding;
            finding.fingerprint = Fingerprint::compute(
                &finding.rule_id,
                &finding.location.path,
                &p.identity,
                p.occurrence,
            );
            SuppressedFinding {
                finding,
                suppressed_by,
            }
        })
        .collect()
}

/// Sort, dedupe (same rule at the same place: keep the most confident) and fingerprint.
fn finish(mut pending: Vec<Pending>) -> Vec<Finding> {
    pending.sort_by(|a, b| {
        a.finding
            .sort_key()
            .cmp(&b.finding.sort_key())
            .then(b.finding.confidence.total_cmp(&a.finding.confidence))
            .then_with(|| a.finding.message.cmp(&b.finding.message))
    });
    pending
        .dedup_by(|b, a| a.finding.sort_key() == b.finding.sort_key() && a.identity == b.identity);
    // A secret introduced once and seen again in a later commit of the same push is one leak (told apart by
    // value: two tokens of one shape share their identity).
    let mut seen_secret: HashSet<(String, String, String)> = HashSet::new();
    pending.retain(|p| {
        p.finding.commit.is_none()
            || seen_secret.insert((
                p.finding.rule_id.clone(),
                p.finding.location.path.clone(),
                p.secret.clone().unwrap_or_else(|| p.identity.clone()),
            ))
    });
    pending
        .into_iter()
        .map(|p| {
            let mut f = p.finding;
            f.fingerprint =
                Fingerprint::compute(&f.rule_id, &f.location.path, &p.identity, p.occurrence);
            f
        })
        .collect()
}
