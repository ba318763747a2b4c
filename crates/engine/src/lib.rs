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
mod emit;
mod file;
mod query;
mod secrets;
mod suppress;
mod taint;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use secreview_model::{
    ChangedFile, Finding, Fingerprint, SkipReason, Skipped, Suppression, normalize_line,
    split_lines,
};
use secreview_rules::{CompiledRule, Matcher, RuleSet};
use secreview_syntax::{Lang, ParsedFile};

pub use emit::Hit;
pub use secrets::shannon_entropy;

use emit::Pending;
use file::FileCtx;

/// The rule that reports suppressions that do nothing (no reason, expired, or unused).
pub const INEFFECTIVE_SUPPRESSION: &str = "ineffective-suppression";

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

/// Which families of rules a scan runs: a per-commit scan of a pushed range runs only the secrets detectors,
/// while the net diff of the same range runs the code rules.
#[derive(Debug, Clone, Copy)]
pub struct Kinds {
    pub code: bool,
    pub secrets: bool,
}

impl Kinds {
    pub const ALL: Kinds = Kinds {
        code: true,
        secrets: true,
    };
}

#[derive(Debug, Default)]
pub struct ScanOutput {
    /// Sorted by (path, line, column, rule id), deduplicated, fingerprinted.
    pub findings: Vec<Finding>,
    /// Every suppression comment on a changed line, with how many findings it hid.
    pub suppressions: Vec<Suppression>,
    /// Files in a language we parse whose tree had syntax errors (analysed anyway).
    pub files_with_syntax_errors: Vec<String>,
    /// Files the code rules could not analyse (refused by the parser), sorted by path; their secrets were
    /// still scanned.
    pub not_parsed: Vec<Skipped>,
    /// The web routes the authorization analysis saw, in file order.
    pub routes: Vec<RouteInfo>,
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
                        && analysis != "engine.suppressions"
                    {
                        return Err(EngineError::Setup(format!(
                            "{}: rule `{}` names an unknown analysis `{analysis}` (known: {}, engine.suppressions)",
                            rule.source,
                            rule.meta.id,
                            authz::ANALYSES.join(", ")
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
        })
    }

    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    /// Gives the rule set back (reports need every rule's metadata after the scan).
    pub fn into_rules(self) -> RuleSet {
        self.set
    }

    /// Scans every file in parallel; the result does not depend on the number of threads.
    pub fn scan(&self, files: &[ChangedFile], kinds: Kinds) -> ScanOutput {
        let per_file: Vec<FileOutput> =
            files.par_iter().map(|f| self.scan_file(f, kinds)).collect();
        let mut pending = Vec::new();
        let mut out = ScanOutput::default();
        for f in per_file {
            pending.extend(f.pending);
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
        }
        out.findings = finish(pending);
        out.suppressions
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        out.files_with_syntax_errors.sort();
        out.not_parsed.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    fn scan_file(&self, file: &ChangedFile, kinds: Kinds) -> FileOutput {
        let ctx = FileCtx::new(file);
        let mut hits: Vec<(usize, Hit)> = Vec::new();
        let mut syntax_errors = false;
        let mut not_parsed = None;
        let mut routes = Vec::new();
        if kinds.code
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
            if !(q.is_empty() && t.is_empty() && a.is_empty()) {
                match secreview_syntax::parse(lang, file.new_text.clone()) {
                    Ok(parsed) => {
                        syntax_errors = parsed.tree.root_node().has_error();
                        routes = self.run_code_rules(&ctx, &parsed, &q, &t, &a, &mut hits);
                    }
                    Err(e) => not_parsed = Some(e.to_string()),
                }
            }
        }
        if kinds.secrets {
            self.secrets
                .run(&self.set, &ctx, self.settings.show_secrets, &mut hits);
        }
        // Every secret value seen in the file is redacted from every finding of it, whichever rule produced it.
        let secrets: Vec<String> = hits.iter().filter_map(|(_, h)| h.secret.clone()).collect();
        // Occurrence indexes count every hit of the file, before diff scoping, so a fingerprint does not change
        // when an identical line is added elsewhere in the branch (or when the scope changes between scans).
        hits.sort_by_key(|(ri, h)| (h.start_line, h.start_col, *ri));
        let mut seen: HashMap<(usize, String, u32), u32> = HashMap::new();
        let mut line_norms: Option<Vec<String>> = None;
        let mut suppressions = suppress::parse(&file.path, &file.new_text);
        let mut pending = Vec::new();
        for (ri, hit) in hits {
            let rule = &self.set.rules[ri];
            let (first, last) = (hit.start_line, hit.end_line.min(hit.start_line + 4));
            let flagged: Vec<&str> = (first..=last).map(|l| ctx.line_text(l)).collect();
            let flagged = flagged.join("\n");
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
            // Secrets: rank among the file's hits of that value; code: rank among hits on the same line.
            let slot = if hit.identity.is_none() { first } else { 0 };
            let n = seen.entry((ri, identity, slot)).or_insert(0);
            let occurrence = earlier * 1000 + *n;
            *n += 1;
            if !hit.regression && !file.added.intersects(hit.start_line, hit.end_line) {
                continue;
            }
            let line = hit.start_line;
            let mut p = emit::pending(rule, &file.path, ctx.line_text(line), &flagged, hit);
            p.occurrence = occurrence;
            if let Some(s) = suppressions.iter_mut().find(|s| {
                suppress::covers(s, &rule.meta.id, line)
                    && suppress::effective(s, &self.settings.today)
            }) {
                s.used += 1;
                continue;
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
        if !kinds.code {
            // Per-commit secrets scans use the suppressions but leave judging and listing them to the code scan
            // of the same range, which sees the final text.
            suppressions.clear();
        } else if let Some(rule) = self.set.get(INEFFECTIVE_SUPPRESSION) {
            pending.extend(self.ineffective(rule, &ctx, &suppressions, kinds));
        }
        if !self.settings.show_secrets {
            for p in &mut pending {
                emit::redact_values(&mut p.finding, &secrets);
            }
        }
        for p in &mut pending {
            p.finding.commit.clone_from(&file.commit);
        }
        FileOutput {
            path: file.path.clone(),
            pending,
            suppressions,
            syntax_errors,
            not_parsed,
            routes,
        }
    }

    fn run_code_rules(
        &self,
        ctx: &FileCtx<'_>,
        parsed: &ParsedFile,
        query_rules: &[usize],
        taint_rules: &[usize],
        authz_rules: &[usize],
        hits: &mut Vec<(usize, Hit)>,
    ) -> Vec<RouteInfo> {
        let mut buf = Vec::new();
        for &ri in query_rules {
            query::run(&self.set.rules[ri], ctx, parsed, &mut buf);
            hits.extend(buf.drain(..).map(|h| (ri, h)));
        }
        if !taint_rules.is_empty() {
            let rules: Vec<(usize, &CompiledRule)> = taint_rules
                .iter()
                .map(|&i| (i, &self.set.rules[i]))
                .collect();
            taint::run(
                &self.taint[lang_slot(parsed.lang)],
                &rules,
                ctx,
                parsed,
                hits,
            );
        }
        if !authz_rules.is_empty() {
            let rules: Vec<(usize, &CompiledRule)> = authz_rules
                .iter()
                .map(|&i| (i, &self.set.rules[i]))
                .collect();
            return authz::run(&self.authz, &rules, ctx, parsed, hits);
        }
        Vec::new()
    }

    #[allow(clippy::unused_self)] // an engine method like the other matchers, though it needs no engine state
    /// `kinds`: a suppression naming only rules of a family this scan did not run is not judged unused.
    fn ineffective(
        &self,
        rule: &CompiledRule,
        ctx: &FileCtx<'_>,
        sups: &[Suppression],
        kinds: Kinds,
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
                } else if s.used == 0 && self.judged(s, kinds) {
                    format!("matches no finding of {}", s.rule_ids.join(", "))
                } else {
                    return None;
                };
                let hit = Hit::at_line(s.line, rule.meta.confidence).detail(why);
                let text = ctx.line_text(s.line);
                Some(emit::pending(rule, &s.path, text, text, hit))
            })
            .collect()
    }
}

impl Engine {
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
    suppressions: Vec<Suppression>,
    syntax_errors: bool,
    /// Why the parser refused the file, if it did.
    not_parsed: Option<String>,
    routes: Vec<RouteInfo>,
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
    // A secret introduced once and seen again in a later commit of the same push is one leak.
    let mut seen_secret: HashSet<(String, String, String)> = HashSet::new();
    pending.retain(|p| {
        p.finding.commit.is_none()
            || seen_secret.insert((
                p.finding.rule_id.clone(),
                p.finding.location.path.clone(),
                p.identity.clone(),
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
