//! Raw rule → compiled rule ("parse, don't validate"): everything a matcher needs is checked and built once here,
//! so the engine never re-parses a query or a regex per file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use secreview_model::{RuleMeta, Severity, owasp};
use secreview_syntax::Lang;
use tree_sitter::Query;

use crate::RuleError;
use crate::schema::{Checksum, ContextSource, RawContext, RawRule, RuleKind};

/// The sections every rule's `docs` must have, in the ruff/clippy style.
pub const DOC_SECTIONS: [&str; 4] = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Fix",
];

/// A tree-sitter query of a rule. Compiling a query costs milliseconds (tree-sitter analyses every pattern), so
/// the embedded packs' queries are compiled on first use — after the keyword prefilter, only for languages present
/// in the diff — and checked by the rules meta-test instead; user rules are compiled at load so mistakes surface
/// with their row and column.
#[derive(Debug)]
pub struct CompiledQuery {
    pub lang: Lang,
    /// Lowercase literals; the file must contain one (case-insensitively) for the query to run.
    pub keywords: Vec<String>,
    pattern: String,
    capture_name: String,
    not_inside: Option<String>,
    file_matches: Option<String>,
    context: Vec<RawContext>,
    /// Overrides the rule's base confidence for this query's matches.
    pub confidence: Option<f32>,
    /// Overrides the rule's severity for this query's matches.
    pub severity: Option<Severity>,
    /// The `{detail}` template (`{@capture}`, `{context}`); `None`: the match's first line.
    pub detail: Option<String>,
    compiled: OnceLock<Option<QueryParts>>,
    /// What [`crate::prefilter::required_literals`] derives from the pattern, on first use.
    requires: OnceLock<Option<crate::prefilter::Requirement>>,
    file_matches_rx: OnceLock<Option<Regex>>,
}

/// The compiled pieces of a [`CompiledQuery`], shared by every worker.
#[derive(Debug)]
pub struct QueryParts {
    pub query: Arc<Query>,
    pub capture: u32,
    pub not_inside: Option<Arc<Query>>,
    /// Every requirement must hold (see [`crate::schema::RawContext`]).
    pub context: Vec<ContextRule>,
    /// `(capture index, name)` of the captures the detail template names.
    pub detail_captures: Vec<(u32, String)>,
}

/// A compiled context requirement of a query.
#[derive(Debug)]
pub struct ContextRule {
    pub names: Option<Regex>,
    pub not_names: Option<Regex>,
    pub unless: Option<Regex>,
    /// Never empty: an omitted `from` means every source.
    pub from: Vec<ContextSource>,
    /// The match is kept only when the requirement does not hold.
    pub absent: bool,
}

/// Every context source, in the order reasons are reported (nearest first).
pub const ALL_CONTEXT_SOURCES: [ContextSource; 7] = [
    ContextSource::Inner,
    ContextSource::Outer,
    ContextSource::Function,
    ContextSource::Decorators,
    ContextSource::Uses,
    ContextSource::Except,
    ContextSource::Conditions,
];

impl CompiledQuery {
    /// The compiled query; `None` only for an embedded query that does not compile (the meta-test forbids it).
    pub fn parts(&self) -> Option<&QueryParts> {
        self.compiled.get_or_init(|| self.build().ok()).as_ref()
    }

    /// Whether the query can match a file with this text, judged without compiling it: the keywords (against
    /// the lowercased text, which `lower` supplies on demand), the literals its predicates need, and
    /// `file_matches`.
    pub fn may_match(&self, text: &str, lower_contains: &dyn Fn(&str) -> bool) -> bool {
        if !self.keywords.is_empty() && !self.keywords.iter().any(|k| lower_contains(k)) {
            return false;
        }
        let requires = self
            .requires
            .get_or_init(|| crate::prefilter::required_literals(&self.pattern));
        if requires.as_ref().is_some_and(|r| !r.holds(text)) {
            return false;
        }
        let file_matches = self.file_matches_rx.get_or_init(|| {
            self.file_matches
                .as_deref()
                .and_then(|rx| Regex::new(rx).ok())
        });
        file_matches.as_ref().is_none_or(|rx| rx.is_match(text))
    }

    fn build(&self) -> Result<QueryParts, QueryBuildError> {
        let query = shared_query(self.lang, &self.pattern)?;
        stray_predicate(&query, &self.pattern)?;
        let capture = query
            .capture_index_for_name(&self.capture_name)
            .ok_or_else(|| {
                QueryBuildError::Invalid(format!(
                    "the query has no capture `@{}`",
                    self.capture_name
                ))
            })?;
        let not_inside = match &self.not_inside {
            Some(src) => {
                let nq = shared_query(self.lang, src)?;
                if nq.capture_index_for_name("scope").is_none() {
                    return Err(QueryBuildError::Invalid(
                        "`not_inside` must capture `@scope`".into(),
                    ));
                }
                Some(nq)
            }
            None => None,
        };
        let regex =
            |src: &str| Regex::new(src).map_err(|e| QueryBuildError::Invalid(e.to_string()));
        if let Some(rx) = &self.file_matches {
            regex(rx)?;
        }
        let mut context = Vec::new();
        for c in &self.context {
            context.push(ContextRule {
                names: c.names.as_deref().map(regex).transpose()?,
                not_names: c.not_names.as_deref().map(regex).transpose()?,
                unless: c.unless.as_deref().map(regex).transpose()?,
                from: if c.from.is_empty() {
                    ALL_CONTEXT_SOURCES.to_vec()
                } else {
                    c.from.clone()
                },
                absent: c.absent,
            });
        }
        let mut detail_captures = Vec::new();
        for name in self
            .detail
            .as_deref()
            .map(template_captures)
            .unwrap_or_default()
        {
            let i = query.capture_index_for_name(&name).ok_or_else(|| {
                QueryBuildError::Invalid(format!(
                    "`detail` names `{{@{name}}}`, which the query does not capture"
                ))
            })?;
            detail_captures.push((i, name));
        }
        Ok(QueryParts {
            query,
            capture,
            not_inside,
            context,
            detail_captures,
        })
    }
}

/// Rules share query texts (one pattern, several `context` variants): each distinct text is compiled once per
/// process and shared, since compiling is what a small scan spends most of its time on.
fn shared_query(lang: Lang, src: &str) -> Result<Arc<Query>, QueryBuildError> {
    type Cell = Arc<OnceLock<Option<Arc<Query>>>>;
    static COMPILED: OnceLock<Mutex<HashMap<(Lang, String), Cell>>> = OnceLock::new();
    let cell: Cell = {
        let mut map = COMPILED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(map.entry((lang, src.to_owned())).or_default())
    };
    // Compiled outside the lock, so workers compile different queries in parallel.
    let compiled = cell.get_or_init(|| {
        let query = Query::new(&lang.grammar(), src).ok()?;
        stray_predicate(&query, src).ok()?;
        Some(Arc::new(query))
    });
    if let Some(q) = compiled {
        return Ok(Arc::clone(q));
    }
    // The failure is rare (a user rule's typo): compile again for its message.
    let query = Query::new(&lang.grammar(), src).map_err(QueryBuildError::Query)?;
    stray_predicate(&query, src)?;
    Err(QueryBuildError::Invalid(
        "the query does not compile".into(),
    ))
}

/// tree-sitter parses a predicate written after a pattern at the top level (`(identifier) @x (#eq? @x "a")`) as a
/// pattern of its own that constrains nothing, so the query silently matches too much: refuse it.
fn stray_predicate(query: &Query, source: &str) -> Result<(), QueryBuildError> {
    for i in 0..query.pattern_count() {
        let start = query.start_byte_for_pattern(i);
        if source
            .get(start..)
            .is_some_and(|rest| rest.starts_with("(#"))
        {
            let row = source[..start].matches('\n').count() + 1;
            return Err(QueryBuildError::Invalid(format!(
                "the predicate at row {row} stands outside the pattern it should constrain: wrap the pattern and \
                 its predicates in parentheses, `((call) @match (#eq? @match \"…\"))`"
            )));
        }
    }
    Ok(())
}

/// The capture names a detail template refers to as `{@name}`.
fn template_captures(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("{@") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        if !out.iter().any(|n: &String| n == name) {
            out.push(name.to_owned());
        }
        rest = &rest[end..];
    }
    out
}

enum QueryBuildError {
    Query(tree_sitter::QueryError),
    Invalid(String),
}

#[derive(Debug)]
pub struct CompiledPattern {
    pub name: String,
    /// The regex source; validated at load, compiled on first use (see [`CompiledPattern::regex`]).
    pub source: String,
    regex: OnceLock<Option<Regex>>,
    /// The capture group holding the secret; `None`: group 1 if the regex has one, else the whole match.
    group: Option<usize>,
    pub keywords: Vec<String>,
    pub entropy: Option<f32>,
    pub checksum: Option<Checksum>,
    pub confidence: Option<f32>,
    pub severity: Option<Severity>,
    pub multiline: bool,
}

#[derive(Debug)]
pub enum Matcher {
    Query(Vec<CompiledQuery>),
    Regex {
        patterns: Vec<CompiledPattern>,
        allow: Vec<Regex>,
    },
    Taint {
        sinks: Vec<String>,
        /// Source kinds reported; empty means all.
        sources: Vec<crate::data::SourceKind>,
        /// Only flows that a check removed by the diff used to stop.
        regression: bool,
    },
    Builtin {
        analysis: String,
    },
}

#[derive(Debug)]
pub struct CompiledRule {
    pub meta: RuleMeta,
    pub matcher: Matcher,
    pub langs: Vec<Lang>,
    paths: Globs,
    exclude_paths: Globs,
    /// Where the rule came from (`embedded:authz/x.toml` or a file path), for messages.
    pub source: String,
}

impl CompiledPattern {
    /// The compiled regex. Compilation is deferred to the first hunk whose keywords unlock the pattern: the
    /// secrets pack has hundreds of detectors and compiling them all costs more than a typical pre-push scan.
    /// The syntax was validated at load; `None` only if the compiled program exceeds the regex size limit, which
    /// the rules meta-test rules out for the embedded packs.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }

    /// The capture group that holds the value (0: the whole match).
    pub fn group(&self) -> usize {
        self.group.unwrap_or_else(|| {
            let explicit = self
                .regex()
                .map_or(0, |r| r.captures_len().saturating_sub(1));
            usize::from(explicit >= 1)
        })
    }
}

/// A rule's `paths` or `exclude_paths`: each glob is checked at load, the set is built on first use (building
/// the sets of every rule was a third of an empty scan's start-up).
#[derive(Debug)]
struct Globs {
    patterns: Vec<String>,
    set: OnceLock<Option<GlobSet>>,
}

impl Globs {
    /// `None` when there are no globs.
    fn set(&self) -> Option<&GlobSet> {
        self.set
            .get_or_init(|| {
                if self.patterns.is_empty() {
                    return None;
                }
                let mut b = GlobSetBuilder::new();
                for p in &self.patterns {
                    b.add(Glob::new(p).ok()?);
                }
                b.build().ok()
            })
            .as_ref()
    }
}

impl CompiledRule {
    /// Whether the rule applies to a file at `path` at all.
    pub fn applies_to_path(&self, path: &str) -> bool {
        self.paths.set().is_none_or(|g| g.is_match(path))
            && !self.exclude_paths.set().is_some_and(|g| g.is_match(path))
    }

    pub fn id(&self) -> &str {
        &self.meta.id
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `eager`: compile queries now (user rules: report mistakes at load); otherwise on first use (embedded rules,
/// checked by the meta-test).
pub(crate) fn compile(
    raw: RawRule,
    source: &str,
    stem: Option<&str>,
    eager: bool,
) -> Result<CompiledRule, RuleError> {
    let invalid = |message: String| RuleError::Invalid {
        file: source.to_owned(),
        id: raw.id.clone(),
        message,
    };
    if !is_kebab(&raw.id) {
        return Err(invalid(
            "the id must be kebab-case (lowercase words joined by `-`)".into(),
        ));
    }
    if let Some(stem) = stem
        && stem != raw.id
    {
        return Err(invalid(format!(
            "the id must equal the file name stem `{stem}`"
        )));
    }
    if !(0.0..=1.0).contains(&raw.confidence) {
        return Err(invalid(format!(
            "confidence {} is outside 0.0..=1.0",
            raw.confidence
        )));
    }
    // Informational rules about the tool itself (an unused suppression) have no weakness to name.
    if raw.cwe.is_empty() && raw.severity != Severity::Info {
        return Err(invalid(
            "`cwe` needs at least one entry, e.g. [\"CWE-89\"]".into(),
        ));
    }
    if let Some(missing) = DOC_SECTIONS.iter().find(|s| !raw.docs.contains(*s)) {
        return Err(invalid(format!("`docs` lacks the section `{missing}`")));
    }
    let langs = languages(&raw, &invalid)?;
    let owasp2021 = category(raw.owasp2021.as_deref(), &invalid)?
        .or_else(|| raw.cwe.iter().find_map(|c| c.owasp2021()));
    let owasp2025 = category(raw.owasp2025.as_deref(), &invalid)?
        .or_else(|| raw.cwe.iter().find_map(|c| c.owasp2025()));
    let paths = globs(&raw.paths, &invalid)?;
    let exclude_paths = globs(&raw.exclude_paths, &invalid)?;
    let matcher = matcher(&raw, source, eager, &invalid)?;
    let meta = RuleMeta {
        id: raw.id,
        pack: raw.pack,
        kind: raw.kind.as_str().to_owned(),
        title: raw.title,
        severity: raw.severity,
        confidence: raw.confidence,
        cwe: raw.cwe,
        owasp2021,
        owasp2025,
        languages: langs.iter().map(|l| l.name().to_owned()).collect(),
        message: raw.message,
        recommendation: raw.recommendation,
        docs: raw.docs,
        exploit: raw.exploit,
        references: raw.references,
    };
    Ok(CompiledRule {
        meta,
        matcher,
        langs,
        paths,
        exclude_paths,
        source: source.to_owned(),
    })
}

fn languages(
    raw: &RawRule,
    invalid: &impl Fn(String) -> RuleError,
) -> Result<Vec<Lang>, RuleError> {
    let mut langs = Vec::new();
    for name in &raw.languages {
        if name == "any" {
            continue;
        }
        let lang = Lang::from_name(name).ok_or_else(|| {
            invalid(format!(
                "unknown language `{name}` (known: python, rust, any)"
            ))
        })?;
        langs.push(lang);
    }
    // `scan.*` analyses judge whole files the driver could not read, whatever their language.
    let about_files = raw
        .analysis
        .as_deref()
        .is_some_and(|a| a.starts_with("scan."));
    if langs.is_empty() && !about_files && matches!(raw.kind, RuleKind::Taint | RuleKind::Builtin) {
        return Err(invalid(
            "`languages` must name python and/or rust for this kind".into(),
        ));
    }
    Ok(langs)
}

fn category(
    code: Option<&str>,
    invalid: &impl Fn(String) -> RuleError,
) -> Result<Option<&'static owasp::OwaspCategory>, RuleError> {
    code.map(|c| owasp::by_code(c).ok_or_else(|| invalid(format!("unknown OWASP category `{c}`"))))
        .transpose()
}

fn globs(patterns: &[String], invalid: &impl Fn(String) -> RuleError) -> Result<Globs, RuleError> {
    for p in patterns {
        Glob::new(p).map_err(|e| invalid(format!("bad glob `{p}`: {e}")))?;
    }
    Ok(Globs {
        patterns: patterns.to_vec(),
        set: OnceLock::new(),
    })
}

fn matcher(
    raw: &RawRule,
    source: &str,
    eager: bool,
    invalid: &impl Fn(String) -> RuleError,
) -> Result<Matcher, RuleError> {
    let stray = |what: &str, present: bool| -> Result<(), RuleError> {
        if present {
            Err(invalid(format!(
                "`{what}` does not apply to kind = \"{}\"",
                raw.kind.as_str()
            )))
        } else {
            Ok(())
        }
    };
    match raw.kind {
        RuleKind::Query => {
            stray("pattern", !raw.pattern.is_empty())?;
            stray("sinks", !raw.sinks.is_empty())?;
            stray("sources", !raw.sources.is_empty())?;
            if raw.query.is_empty() {
                return Err(invalid("a query rule needs at least one [[query]]".into()));
            }
            raw.query
                .iter()
                .map(|q| compile_query(raw, q, source, eager, invalid))
                .collect::<Result<_, _>>()
                .map(Matcher::Query)
        }
        RuleKind::Regex => {
            stray("query", !raw.query.is_empty())?;
            if raw.pattern.is_empty() {
                return Err(invalid(
                    "a regex rule needs at least one [[pattern]]".into(),
                ));
            }
            let patterns = raw
                .pattern
                .iter()
                .map(|p| compile_pattern(raw, p, source, eager))
                .collect::<Result<_, _>>()?;
            let allow = raw
                .allow
                .iter()
                .map(|a| regex_or_err(raw, "allow", a, source))
                .collect::<Result<_, _>>()?;
            Ok(Matcher::Regex { patterns, allow })
        }
        RuleKind::Taint => {
            stray("query", !raw.query.is_empty())?;
            stray("pattern", !raw.pattern.is_empty())?;
            if raw.sinks.is_empty() {
                return Err(invalid("a taint rule needs `sinks = [\"<class>\"]`".into()));
            }
            Ok(Matcher::Taint {
                sinks: raw.sinks.clone(),
                sources: raw.sources.clone(),
                regression: raw.regression,
            })
        }
        RuleKind::Builtin => {
            stray("query", !raw.query.is_empty())?;
            stray("pattern", !raw.pattern.is_empty())?;
            let analysis = raw
                .analysis
                .clone()
                .ok_or_else(|| invalid("a builtin rule needs `analysis = \"…\"`".into()))?;
            Ok(Matcher::Builtin { analysis })
        }
    }
}

fn compile_query(
    raw: &RawRule,
    q: &crate::schema::RawQuery,
    source: &str,
    eager: bool,
    invalid: &impl Fn(String) -> RuleError,
) -> Result<CompiledQuery, RuleError> {
    let lang = Lang::from_name(&q.language)
        .ok_or_else(|| invalid(format!("unknown query language `{}`", q.language)))?;
    for text in std::iter::once(&q.pattern).chain(&q.not_inside) {
        let depth = query_nesting(text);
        if depth > MAX_QUERY_NESTING {
            return Err(invalid(format!(
                "a query nests {depth} levels of brackets; at most {MAX_QUERY_NESTING} are allowed"
            )));
        }
    }
    if q.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err(invalid(
            "a [[query]] confidence is outside 0.0..=1.0".into(),
        ));
    }
    // A user rule's regex typo is named with its place; the embedded packs' regexes are the meta-test's job.
    let regexes =
        q.file_matches
            .iter()
            .map(|r| ("file_matches", r))
            .chain(q.context.iter().flat_map(|c| {
                c.names
                    .iter()
                    .map(|r| ("context names", r))
                    .chain(c.not_names.iter().map(|r| ("context not_names", r)))
                    .chain(c.unless.iter().map(|r| ("context unless", r)))
            }));
    for (what, rx) in regexes.filter(|_| eager) {
        regex_syntax::ast::parse::Parser::new()
            .parse(rx)
            .map_err(|e| RuleError::Regex {
                file: source.to_owned(),
                id: raw.id.clone(),
                what: what.to_owned(),
                message: e.to_string().lines().last().unwrap_or("").trim().to_owned(),
            })?;
    }
    let cq = CompiledQuery {
        lang,
        keywords: q.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
        pattern: q.pattern.clone(),
        capture_name: q.capture.clone().unwrap_or_else(|| "match".into()),
        not_inside: q.not_inside.clone(),
        file_matches: q.file_matches.clone(),
        context: q.context.clone(),
        confidence: q.confidence,
        severity: q.severity,
        detail: q.detail.clone(),
        compiled: OnceLock::new(),
        requires: OnceLock::new(),
        file_matches_rx: OnceLock::new(),
    };
    if eager {
        let parts = cq.build().map_err(|e| match e {
            QueryBuildError::Query(e) => query_error(raw, source, &e),
            QueryBuildError::Invalid(m) => invalid(m),
        })?;
        // A fresh OnceLock: setting it cannot fail.
        let _ = cq.compiled.set(Some(parts));
    }
    Ok(cq)
}

/// Deepest bracket nesting a query may have. tree-sitter parses queries recursively, so a rule file from a
/// branch's `rules_dirs` with 50,000 nested `(` would overflow the stack and abort the scan; real queries nest a
/// handful of levels.
const MAX_QUERY_NESTING: usize = 64;

/// The deepest `(`/`[` nesting of a query's text, outside strings and `;` comments.
fn query_nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '"' => {
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            ';' => {
                for s in chars.by_ref() {
                    if s == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    max
}

fn query_error(raw: &RawRule, source: &str, e: &tree_sitter::QueryError) -> RuleError {
    RuleError::Query {
        file: source.to_owned(),
        id: raw.id.clone(),
        row: e.row + 1,
        col: e.column + 1,
        message: e.message.lines().next().unwrap_or("").trim().to_owned(),
        kind: format!("{:?}", e.kind),
    }
}

/// Explicit capture groups of a parsed pattern (`(…)` and `(?P<name>…)`, not `(?:…)`).
fn capture_groups(ast: &regex_syntax::ast::Ast) -> usize {
    struct Count(usize);
    impl regex_syntax::ast::Visitor for Count {
        type Output = usize;
        type Err = std::convert::Infallible;
        fn finish(self) -> Result<usize, Self::Err> {
            Ok(self.0)
        }
        fn visit_pre(&mut self, ast: &regex_syntax::ast::Ast) -> Result<(), Self::Err> {
            if let regex_syntax::ast::Ast::Group(g) = ast
                && g.capture_index().is_some()
            {
                self.0 += 1;
            }
            Ok(())
        }
    }
    regex_syntax::ast::visit(ast, Count(0)).unwrap_or_else(|e| match e {})
}

fn regex_or_err(raw: &RawRule, what: &str, rx: &str, source: &str) -> Result<Regex, RuleError> {
    Regex::new(rx).map_err(|e| RuleError::Regex {
        file: source.to_owned(),
        id: raw.id.clone(),
        what: what.to_owned(),
        message: e.to_string().lines().last().unwrap_or("").trim().to_owned(),
    })
}

/// `validate`: check the regex's syntax and group now, so a user rule's mistake names the rule at load. The
/// embedded packs are checked by the rules meta-test instead, which keeps their parsing off every start-up.
fn compile_pattern(
    raw: &RawRule,
    p: &crate::schema::RawPattern,
    source: &str,
    validate: bool,
) -> Result<CompiledPattern, RuleError> {
    if validate {
        // The syntax tree only: translating to HIR (Unicode case folding of every class) costs far more, and
        // the regex itself is compiled on first use anyway.
        let ast = regex_syntax::ast::parse::Parser::new()
            .parse(&p.regex)
            .map_err(|e| RuleError::Regex {
                file: source.to_owned(),
                id: raw.id.clone(),
                what: format!("pattern `{}`", p.name),
                message: e.to_string().lines().last().unwrap_or("").trim().to_owned(),
            })?;
        let groups = capture_groups(&ast);
        let group = p.group.unwrap_or(usize::from(groups >= 1));
        if group > groups {
            return Err(RuleError::Invalid {
                file: source.to_owned(),
                id: raw.id.clone(),
                message: format!("pattern `{}` has no capture group {group}", p.name),
            });
        }
    }
    if p.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err(RuleError::Invalid {
            file: source.to_owned(),
            id: raw.id.clone(),
            message: format!("pattern `{}` confidence is outside 0.0..=1.0", p.name),
        });
    }
    Ok(CompiledPattern {
        name: p.name.clone(),
        source: p.regex.clone(),
        regex: OnceLock::new(),
        group: p.group,
        keywords: p.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
        entropy: p.entropy,
        checksum: p.checksum,
        confidence: p.confidence,
        severity: p.severity,
        multiline: p.multiline,
    })
}
