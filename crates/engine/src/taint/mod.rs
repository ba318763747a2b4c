//! The `taint` matcher: intra-procedural data flow from sources to sinks (see `rules/injection/_<lang>.toml`).
//!
//! Design, and the alternatives it rejects:
//! - **One linear walk per function**, statements in source order, keeping a map variable → [`Val`] (its taint
//!   labels, the constant keys of a dict/list/tuple, a constant value, the type it was built from). No SSA, no
//!   fixpoint: branches are walked separately and joined, loops get two passes (enough for loop-carried flows
//!   through one variable). A full fixpoint dataflow would be more general and several times slower; the design's
//!   budget is "within 2× of parsing".
//! - **Taint is per sink class.** A label carries the bitset of classes it was sanitized for: `html.escape` clears
//!   `template` but the value still reaches SQL. A label fully sanitized (`int()`) disappears.
//! - **Unknown calls pass taint through** (`f(tainted)` is tainted) at a lower confidence (×0.85), except names in
//!   the `propagator` table (string building, path joining: full confidence) and the sanitizers (clean for their
//!   classes). Treating unknown calls as clean would miss `q = build(request.args["q"])`; the penalty keeps such
//!   findings below the ones whose whole flow is understood.
//! - **Helpers get summaries** (see `summary`): a helper is analysed once with its parameters as labelled sources;
//!   the labels that reach its `return` say which arguments flow to the result, with which sanitizers, and the
//!   sinks its parameters reach are reported at the call that passes request data. Python helpers in other
//!   modules of the project are summarised too (three modules deep, shared by the scan's threads). Recursion and
//!   same-file depth > 4 fall back to the unknown-call rule.
//! - **Precision**: a variable overwritten with a constant is clean; a branch whose condition folds to a constant
//!   is the only one walked; checks (`x in ALLOWED`, `x == "a"`, `re.fullmatch(p, x)`, `p.startswith(BASE)`,
//!   `url_has_allowed_host_and_scheme(u)`) sanitize their operand in the branch where they hold, and after an
//!   `if not check: return/raise/abort()`.
//!
//! Confidence: the rule's base for a request source, ×0.6 for an unknown function parameter, ×0.42 for process
//! input (argv, env, stdin); ×0.85 when the flow passed an unknown call.

// A tree walker names nodes `n`, `l`, `r`, `c` and pairs `cond`/`cons`, and dispatches on node kinds with `match`
// even when one arm is left; these lints fight that convention.
#![allow(
    clippy::similar_names,
    clippy::many_single_char_names,
    clippy::single_match_else
)]

mod python;
mod regress;
mod rust;
mod summary;
mod template_vars;

pub(crate) use summary::SharedSummaries;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use secreview_model::{Evidence, Location, Severity};
use secreview_rules::data::{SourceKind, TaintTable};
use secreview_rules::{CompiledRule, Matcher};
use secreview_syntax::ir::walk;
use secreview_syntax::{Lang, ParsedFile};
use tree_sitter::Node;

use crate::EngineError;
use crate::emit::Hit;
use crate::file::FileCtx;
use crate::project::{Callers, Project, Target};
use crate::redact::excerpt;

/// A set of sink classes, one bit per class (at most 32 classes per language).
pub(crate) type Mask = u32;

/// Confidence factors per source kind, relative to the rule's base.
const PARAM_FACTOR: f32 = 0.6;
const LOCAL_FACTOR: f32 = 0.42;
/// Applied once when the flow went through a call we know nothing about.
const UNKNOWN_CALL_FACTOR: f32 = 0.85;
/// Longest flow kept per label; later steps are not recorded (loops would grow it without bound).
const MAX_STEPS: u16 = 12;
/// Most method calls remembered per variable for `when_configured`, and the longest call text kept.
pub(crate) const MAX_CONFIGURED: usize = 8;
pub(crate) const MAX_CONFIGURED_TEXT: usize = 160;
/// Most labels a value keeps; more distinct (kind, sanitizers) combinations are dropped, weakest first.
const MAX_LABELS: usize = 6;

/// Deepest nesting a walker recurses into: expressions, blocks, assignment targets and conditions counted
/// together, through helper summaries too (a helper analysed from inside an expression continues at that depth).
/// Deeper code goes to the walker's iterative `flat` pass, which still binds, checks sinks and joins taint, so no
/// input depth can exhaust a worker's stack (generated code, or a branch nesting a sink 10,000 deep to hide it).
/// One level costs up to ~14 KiB of stack in a debug build (`f(f(…))`), so 64 levels stay under 1 MiB, half
/// a rayon worker's default stack; real code rarely nests half that deep.
pub(crate) const MAX_NESTING: usize = 64;
/// How many environment entries the walkers may copy for one file (branch snapshots, joins), as a base plus a
/// share per byte of source, before the rest of the file goes to the flat pass. Snapshots cost the size of the
/// environment, so 3,000 variables followed by 3,000 `if`s are quadratic (minutes in a debug build); real files
/// stay far below the budget, and past it the cost is linear again.
pub(crate) const WORK_BASE: usize = 500_000;
pub(crate) const WORK_PER_BYTE: usize = 4;
/// Deepest expression constant folding looks into (folded conditions are short).
pub(crate) const MAX_FOLD_DEPTH: usize = 32;
/// Segments of a long dotted path tried as prefixes against the environment (`self.x.y` → `self.x` → `self`).
pub(crate) const MAX_PREFIX_SEGMENTS: usize = 8;

/// A callee name from the tables, compiled for matching (see `_python.toml` for the forms).
#[derive(Debug, Clone)]
pub(crate) struct Name {
    text: String,
    /// `.execute`: matches the end of any dotted callee.
    suffix: bool,
    /// No `.` / `::`: also matches a direct call of anything imported under this name.
    simple: bool,
}

impl Name {
    fn new(text: &str) -> Self {
        let suffix = text.starts_with('.');
        Name {
            text: text.to_owned(),
            suffix,
            simple: !suffix && !text.contains('.') && !text.contains("::"),
        }
    }

    fn last(&self) -> &str {
        last_segment(&self.text)
    }

    pub(crate) fn matches(&self, c: &Callee) -> bool {
        if self.suffix {
            let s = self.text.as_str();
            c.raw.ends_with(s)
                || c.full.ends_with(s)
                || c.typed.as_deref().is_some_and(|t| t.ends_with(s))
        } else {
            c.full == self.text
                || c.raw == self.text
                || c.typed.as_deref() == Some(self.text.as_str())
                || (self.simple && c.bare && last_segment(&c.full) == self.text)
        }
    }
}

/// The last segment of a dotted or `::` path.
pub(crate) fn last_segment(s: &str) -> &str {
    let s = s.rsplit('.').next().unwrap_or(s);
    s.rsplit("::").next().unwrap_or(s)
}

/// A list of names indexed by their last segment, so a call site only tests the few that can match.
#[derive(Debug)]
pub(crate) struct NameIndex<T> {
    by_last: HashMap<String, Vec<(Name, T)>>,
}

impl<T> Default for NameIndex<T> {
    fn default() -> Self {
        NameIndex {
            by_last: HashMap::new(),
        }
    }
}

impl<T> NameIndex<T> {
    fn insert(&mut self, name: &str, value: T) {
        let n = Name::new(name);
        self.by_last
            .entry(n.last().to_owned())
            .or_default()
            .push((n, value));
    }

    pub(crate) fn find<'s>(&'s self, c: &'s Callee) -> impl Iterator<Item = &'s T> + 's {
        self.by_last
            .get(last_segment(&c.last))
            .into_iter()
            .flatten()
            .filter(move |(n, _)| n.matches(c))
            .map(|(_, v)| v)
    }

    pub(crate) fn any(&self, c: &Callee) -> bool {
        self.find(c).next().is_some()
    }
}

/// How a callee is named at a call site.
#[derive(Debug, Clone, Default)]
pub(crate) struct Callee {
    /// As written, dotted (`cur.execute`, `?.execute` for a computed receiver, `Command::new`).
    pub raw: String,
    /// After import / `use` resolution (`os.system`, `std::process::Command::new`).
    pub full: String,
    /// `Type.method` when the receiver's constructor is known.
    pub typed: Option<String>,
    /// A direct call of a name (not a method, not a path).
    pub bare: bool,
    /// The method or function name.
    pub last: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GuardOperand {
    Receiver,
    Arg(usize),
}

#[derive(Debug)]
pub(crate) struct Sink {
    pub class: usize,
    pub args: Vec<usize>,
    pub kwargs: Vec<String>,
    pub receiver: bool,
    pub first_element: bool,
    pub when_kwarg: Vec<(String, String)>,
    pub unless: Vec<(String, Vec<String>)>,
    pub when_ctor: Vec<String>,
    pub exclude: Vec<Name>,
    pub when_import: Vec<String>,
    pub when_receiver: Vec<String>,
    pub returns: bool,
    pub when_configured: Vec<(String, Vec<String>)>,
    pub option_words: bool,
    pub template_vars: bool,
    pub store_key: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct SourceSpec {
    pub kind: SourceKind,
    pub origin: String,
}

/// The compiled taint tables of one language. Built once, shared by every worker (no `Rc` inside).
#[derive(Debug)]
pub(crate) struct Tables {
    pub classes: Vec<String>,
    pub all: Mask,
    pub sinks: Vec<Sink>,
    pub sink_index: NameIndex<usize>,
    /// `x[k] = v` targets: (name, sink index).
    pub stores: NameIndex<usize>,
    /// Attribute sources by their first segment: (dotted path, kind, note).
    pub attr_sources: HashMap<String, Vec<(String, SourceSpec)>>,
    pub call_sources: NameIndex<SourceSpec>,
    pub param_types: HashMap<String, SourceSpec>,
    pub param_defaults: HashMap<String, SourceSpec>,
    pub sanitizers: NameIndex<Mask>,
    /// `.replace(text, …)` sanitizers: (callee, removed texts, classes).
    pub replacers: NameIndex<(Vec<String>, Mask)>,
    /// Texts whose absence (`TEXT not in x`) makes a value safe for the classes.
    pub absent: Vec<(String, Mask)>,
    pub guards: NameIndex<(GuardOperand, Mask)>,
    pub propagators: NameIndex<()>,
    pub mutators: NameIndex<()>,
    pub terminators: NameIndex<()>,
    pub keyed_set: NameIndex<()>,
    pub keyed_get: NameIndex<()>,
    pub command_line_flags: Vec<String>,
    pub clean_types: Vec<String>,
    pub request_types: Vec<String>,
    pub request_param_names: Vec<String>,
    pub handler_markers: Vec<String>,
    pub clean_route_converters: Vec<String>,
    pub handler_only_types: Vec<String>,
    pub dependency_defaults: Vec<String>,
    /// Classes a fixed `scheme://host/` prefix makes safe (the attacker only picks the path): ssrf, redirect.
    pub origin_mask: Mask,
    /// `internal_url`: a value in the path or query of a URL whose fixed host is internal.
    pub internal_mask: Mask,
    /// `argument`: an argv word that can start with `-` (a constant prefix makes it safe).
    pub argument_mask: Mask,
    /// Sanitizers that clean only their arguments; the receiver's taint passes (`sql.SQL(…).format`).
    pub arg_sanitizers: NameIndex<Mask>,
    /// Sanitizers that do not clean labels whose origin contains one of the texts.
    pub origin_sanitizers: NameIndex<(Mask, Vec<String>)>,
    /// Guards that hold where the call is false with one of the constant first arguments.
    pub false_guards: NameIndex<(GuardOperand, Mask, Vec<String>)>,
    pub option_programs: Vec<String>,
    pub word_splitters: NameIndex<()>,
    pub enum_bases: Vec<String>,
    pub internal_host_suffixes: Vec<String>,
    /// (class, class that subsumes it at the same call).
    pub subsumed_by: Vec<(usize, usize)>,
}

/// Whether a URL prefix fixes scheme and host: `https://api.example.com/…`.
#[cfg(test)]
pub(crate) fn fixed_origin(prefix: &str) -> bool {
    origin_host(prefix).is_some()
}

/// The host of a URL prefix that fixes scheme and host (`https://api.example.com/…` → `api.example.com`).
fn origin_host(prefix: &str) -> Option<&str> {
    let (scheme, rest) = prefix.split_once("://")?;
    let i = rest.find('/')?;
    let host = &rest[..i];
    (!scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphabetic())
        && i > 0
        && !host.contains(['{', '%', '@']))
    .then_some(host)
}

/// Whether a fixed host is on the internal network: no dot (`http://billing/`, `localhost`), an internal suffix
/// (`.internal`, `.svc.cluster.local`), or a private, loopback or link-local IP address.
pub(crate) fn internal_host(host: &str, suffixes: &[String]) -> bool {
    let host = host.trim_start_matches('[');
    let name = match host.split_once(']') {
        Some((v6, _)) => v6,
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let name = name.to_ascii_lowercase();
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return match ip {
            std::net::IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
            std::net::IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
        };
    }
    !name.contains('.') || suffixes.iter().any(|s| name.ends_with(s.as_str()))
}

impl Tables {
    pub fn new(lang: Lang, table: &TaintTable) -> Result<Self, EngineError> {
        let setup =
            |m: String| EngineError::Setup(format!("rules/injection/_{}.toml: {m}", lang.name()));
        let mut classes: Vec<String> = Vec::new();
        for s in &table.sink {
            for c in std::iter::once(&s.class).chain(&s.also) {
                if !classes.contains(c) {
                    classes.push(c.clone());
                }
            }
        }
        if classes.len() > 32 {
            return Err(setup(format!(
                "{} sink classes; at most 32 are supported",
                classes.len()
            )));
        }
        let all: Mask = if classes.len() == 32 {
            u32::MAX
        } else {
            (1u32 << classes.len()) - 1
        };
        let mask_of = |names: &[String]| -> Result<Mask, EngineError> {
            let mut m = 0;
            for n in names {
                if n == "*" {
                    m = all;
                } else {
                    let i = classes.iter().position(|c| c == n).ok_or_else(|| {
                        setup(format!(
                            "sanitizer class `{n}` is no sink's class (known: {})",
                            classes.join(", ")
                        ))
                    })?;
                    m |= 1 << i;
                }
            }
            // `internal_url` is the part of `ssrf` a fixed origin leaves: what makes a URL safe to fetch (a host
            // allow-list, `url_for`, a prefix check) makes its path safe too.
            let bit = |name: &str| classes.iter().position(|c| c == name).map_or(0, |i| 1 << i);
            if m & bit("ssrf") != 0 {
                m |= bit("internal_url");
            }
            Ok(m)
        };
        let mut t = Tables {
            classes: classes.clone(),
            all,
            sinks: Vec::new(),
            sink_index: NameIndex::default(),
            stores: NameIndex::default(),
            attr_sources: HashMap::new(),
            call_sources: NameIndex::default(),
            param_types: HashMap::new(),
            param_defaults: HashMap::new(),
            sanitizers: NameIndex::default(),
            replacers: NameIndex::default(),
            absent: Vec::new(),
            guards: NameIndex::default(),
            propagators: NameIndex::default(),
            mutators: NameIndex::default(),
            terminators: NameIndex::default(),
            keyed_set: NameIndex::default(),
            keyed_get: NameIndex::default(),
            command_line_flags: table.command_line_flags.clone(),
            clean_types: table.clean_types.clone(),
            request_types: table.request_types.clone(),
            request_param_names: table.request_param_names.clone(),
            handler_markers: table.handler_markers.clone(),
            clean_route_converters: table.clean_route_converters.clone(),
            handler_only_types: table.handler_only_types.clone(),
            dependency_defaults: table.dependency_defaults.clone(),
            origin_mask: 0,
            internal_mask: 0,
            argument_mask: 0,
            arg_sanitizers: NameIndex::default(),
            origin_sanitizers: NameIndex::default(),
            false_guards: NameIndex::default(),
            option_programs: table.option_programs.clone(),
            word_splitters: NameIndex::default(),
            enum_bases: table.enum_bases.clone(),
            internal_host_suffixes: table
                .internal_host_suffixes
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            subsumed_by: Vec::new(),
        };
        t.internal_mask = t.class_bit("internal_url").unwrap_or(0);
        t.argument_mask = t.class_bit("argument").unwrap_or(0);
        for (c, by) in &table.subsumed_by {
            let pos = |n: &str| classes.iter().position(|x| x == n);
            let (Some(c), Some(by)) = (pos(c), pos(by)) else {
                return Err(setup(format!(
                    "subsumed_by `{c} = \"{by}\"` names a class no sink has"
                )));
            };
            t.subsumed_by.push((c, by));
        }
        for w in &table.word_splitters {
            t.word_splitters.insert(w, ());
        }
        t.origin_mask = ["ssrf", "redirect"]
            .iter()
            .filter_map(|c| t.class_bit(c))
            .fold(0, |a, b| a | b);
        for (s, class_name) in table.sink.iter().flat_map(|s| {
            std::iter::once(&s.class)
                .chain(&s.also)
                .map(move |c| (s, c))
        }) {
            let class = classes.iter().position(|c| c == class_name).unwrap_or(0);
            let args = if s.args.is_empty() && !s.receiver && s.kwargs.is_empty() {
                vec![0]
            } else {
                s.args.clone()
            };
            let i = t.sinks.len();
            t.sinks.push(Sink {
                class,
                args,
                kwargs: s.kwargs.clone(),
                receiver: s.receiver,
                first_element: s.first_element,
                when_kwarg: s
                    .when_kwarg
                    .iter()
                    .map(|(k, v)| (k.clone(), squash(v)))
                    .collect(),
                unless: s
                    .unless_kwarg
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().map(|x| squash(x)).collect()))
                    .collect(),
                when_ctor: s.when_ctor.iter().map(|x| squash(x)).collect(),
                exclude: s.exclude.iter().map(|x| Name::new(x)).collect(),
                when_import: s.when_import.clone(),
                when_receiver: s.when_receiver.iter().map(|r| r.to_lowercase()).collect(),
                returns: s.returns,
                when_configured: s
                    .when_configured
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().map(|x| squash(x)).collect()))
                    .collect(),
                option_words: s.option_words,
                template_vars: s.template_vars,
                store_key: s.store_key,
            });
            for c in &s.call {
                t.sink_index.insert(c, i);
            }
            for c in &s.store {
                t.stores.insert(c, i);
            }
        }
        for src in &table.source {
            let origin = |what: &str| SourceSpec {
                kind: src.kind,
                origin: what.to_owned(),
            };
            for a in &src.attr {
                let head = a.split('.').next().unwrap_or(a).to_owned();
                t.attr_sources
                    .entry(head)
                    .or_default()
                    .push((a.clone(), origin(a)));
            }
            for c in &src.call {
                t.call_sources.insert(c, origin(&format!("{c}()")));
            }
            for p in &src.param_type {
                t.param_types
                    .insert(p.clone(), origin(&format!("{p} extractor")));
            }
            for p in &src.param_default {
                t.param_defaults
                    .insert(p.clone(), origin(&format!("{p}() parameter")));
            }
        }
        for s in &table.sanitizer {
            let mask = mask_of(&s.classes)?;
            for a in &s.absent {
                t.absent.push((a.clone(), mask));
            }
            if !s.removes.is_empty() {
                for c in &s.call {
                    t.replacers.insert(c, (s.removes.clone(), mask));
                }
                continue;
            }
            if s.keeps_receiver || !s.unless_origin.is_empty() {
                for c in &s.call {
                    if s.keeps_receiver {
                        t.arg_sanitizers.insert(c, mask);
                    } else {
                        t.origin_sanitizers
                            .insert(c, (mask, s.unless_origin.clone()));
                    }
                }
                continue;
            }
            match s.guard.as_deref() {
                None => {
                    for c in &s.call {
                        t.sanitizers.insert(c, mask);
                    }
                }
                Some(g) => {
                    let op = if g == "receiver" {
                        GuardOperand::Receiver
                    } else {
                        let n = g
                            .strip_prefix("arg")
                            .and_then(|n| n.parse().ok())
                            .ok_or_else(|| {
                                setup(format!(
                                    "sanitizer guard `{g}` must be \"receiver\" or \"arg<N>\""
                                ))
                            })?;
                        GuardOperand::Arg(n)
                    };
                    for c in &s.call {
                        if s.false_with.is_empty() {
                            t.guards.insert(c, (op, mask));
                        } else {
                            t.false_guards.insert(c, (op, mask, s.false_with.clone()));
                        }
                    }
                }
            }
        }
        for p in &table.propagator {
            t.propagators.insert(p, ());
        }
        for p in &table.mutator {
            t.mutators.insert(p, ());
        }
        for p in &table.terminator {
            t.terminators.insert(p, ());
        }
        for p in &table.keyed_set {
            t.keyed_set.insert(p, ());
        }
        for p in &table.keyed_get {
            t.keyed_get.insert(p, ());
        }
        Ok(t)
    }

    pub(crate) fn class_bit(&self, name: &str) -> Option<Mask> {
        self.classes.iter().position(|c| c == name).map(|i| 1 << i)
    }

    /// The classes for which a value known not to contain `text` is safe.
    pub(crate) fn absent_mask(&self, text: &str) -> Mask {
        if text.is_empty() {
            return 0;
        }
        self.absent
            .iter()
            .filter(|(a, _)| a.contains(text))
            .fold(0, |m, (_, c)| m | c)
    }

    /// The classes `.replace(from, to)` makes safe: `from` is a removed text and `to` does not bring it back
    /// (or doubles it, the SQL way of quoting a quote).
    pub(crate) fn replace_mask(&self, callee: &Callee, from: &str, to: &str) -> Mask {
        self.replacers
            .find(callee)
            .filter(|(texts, _)| {
                texts
                    .iter()
                    .any(|t| t == from && (!to.contains(from) || to == format!("{from}{from}")))
            })
            .fold(0, |m, (_, c)| m | c)
    }

    /// The classes a value is safe for when a constant `prefix` comes before it in the text it is part of: a fixed
    /// `scheme://host/` leaves the attacker the path (no SSRF or open redirect; an internal host keeps
    /// `internal_url`), and any prefix but dashes keeps an argv word from starting with `-`.
    pub(crate) fn prefix_mask(&self, prefix: &str) -> Mask {
        let mut m = 0;
        if let Some(host) = origin_host(prefix) {
            m |= self.origin_mask;
            if !internal_host(host, &self.internal_host_suffixes) {
                m |= self.internal_mask;
            }
        }
        if !prefix.is_empty() && !prefix.chars().all(|c| c == '-') {
            m |= self.argument_mask;
        }
        m
    }

    /// Whether an argv program (`git`, `/usr/bin/git`) reads options from any later word.
    pub(crate) fn is_option_program(&self, prog: &str) -> bool {
        let name = prog.rsplit(['/', '\\']).next().unwrap_or(prog);
        let name = name.strip_suffix(".exe").unwrap_or(name);
        self.option_programs.iter().any(|p| p == name)
    }

    /// Applies an `unless_origin` sanitizer: labels from the listed origins keep their taint.
    pub(crate) fn origin_sanitize(&self, callee: &Callee, taint: Taint) -> Option<Taint> {
        let specs: Vec<&(Mask, Vec<String>)> = self.origin_sanitizers.find(callee).collect();
        if specs.is_empty() {
            return None;
        }
        let mut out = taint;
        for (mask, unless) in specs {
            out.sanitize_where(*mask, self.all, |l| {
                !unless.iter().any(|u| l.origin.contains(u.as_str()))
            });
        }
        Some(out)
    }

    pub(crate) fn is_clean_type(&self, ty: &str) -> bool {
        // `sa.Select[t.Any]` is a `Select` whatever it selects.
        let head = ty.split_once('[').map_or(ty, |(h, _)| h).trim();
        let last = last_segment(head);
        self.clean_types.iter().any(|c| c == ty || c == last)
    }
}

/// Whitespace removed, for comparing argument texts with table strings.
pub(crate) fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

// ------------------------------------------------------------------------------------------------------------------
// Taint values
// ------------------------------------------------------------------------------------------------------------------

/// One step of a flow, linked to the previous one (shared between the values derived from it).
#[derive(Debug)]
pub(crate) struct Step {
    /// The file the step is in, when it is not the scanned file (a project function in another module).
    pub path: Option<Rc<str>>,
    pub start: (u32, u32),
    pub end: (u32, u32),
    pub note: String,
    pub prev: Option<Rc<Step>>,
    pub len: u16,
}

/// One way a value is tainted.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub kind: SourceKind,
    /// For a helper's summary: the parameter this label stands for.
    pub param: Option<u16>,
    /// For a parameter label: the function whose parameter it is (its node id), so a summary keeps only its
    /// own parameters' flows, not those of the helpers it calls.
    pub scope: usize,
    /// The value holds this taint only in one of its attributes (`user.website = form["w"]` taints `user`).
    pub partial: bool,
    /// The value is an attribute read off a tainted object (`user.id`).
    pub field: bool,
    /// Classes this label was sanitized for.
    pub sanitized: Mask,
    pub via_call: bool,
    pub origin: Rc<str>,
    pub flow: Option<Rc<Step>>,
}

impl Label {
    fn rank(&self) -> (u8, bool, u32) {
        let k = match self.kind {
            SourceKind::Request => 0,
            SourceKind::Param => 1,
            SourceKind::Local => 2,
        };
        (k, self.via_call, self.sanitized.count_ones())
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Taint(Vec<Label>);

impl Taint {
    pub fn source(kind: SourceKind, param: Option<u16>, origin: &str, step: Step) -> Taint {
        Taint(vec![Label {
            kind,
            param,
            scope: 0,
            partial: false,
            field: false,
            sanitized: 0,
            via_call: false,
            origin: Rc::from(origin),
            flow: Some(Rc::new(step)),
        }])
    }

    pub fn is_clean(&self) -> bool {
        self.0.is_empty()
    }

    pub fn labels(&self) -> &[Label] {
        &self.0
    }

    pub fn add(&mut self, l: Label) {
        if let Some(e) = self.0.iter_mut().find(|e| {
            e.kind == l.kind
                && e.param == l.param
                && e.scope == l.scope
                && e.sanitized == l.sanitized
        }) {
            if (e.via_call && !l.via_call) || (e.partial && !l.partial) {
                *e = l;
            }
            return;
        }
        self.0.push(l);
        if self.0.len() > MAX_LABELS {
            self.0.sort_by_key(Label::rank);
            self.0.truncate(MAX_LABELS);
        }
    }

    pub fn join(&mut self, other: &Taint) {
        for l in &other.0 {
            self.add(l.clone());
        }
    }

    pub fn joined(mut self, other: &Taint) -> Taint {
        self.join(other);
        self
    }

    pub fn sanitize(&mut self, mask: Mask, all: Mask) {
        for l in &mut self.0 {
            l.sanitized |= mask;
        }
        self.0.retain(|l| l.sanitized & all != all);
    }

    /// Sanitizes only the labels `pred` accepts.
    pub fn sanitize_where(&mut self, mask: Mask, all: Mask, pred: impl Fn(&Label) -> bool) {
        for l in &mut self.0 {
            if pred(l) {
                l.sanitized |= mask;
            }
        }
        self.0.retain(|l| l.sanitized & all != all);
    }

    pub fn sanitized(mut self, mask: Mask, all: Mask) -> Taint {
        self.sanitize(mask, all);
        self
    }

    /// The taint an object gets from one of its attributes.
    pub fn partial(mut self) -> Taint {
        for l in &mut self.0 {
            l.partial = true;
        }
        self
    }

    /// The taint of an attribute read off a tainted object.
    pub fn field(mut self) -> Taint {
        for l in &mut self.0 {
            l.field = true;
        }
        self
    }

    pub fn via_call(mut self) -> Taint {
        for l in &mut self.0 {
            l.via_call = true;
        }
        self
    }

    /// Appends a flow step in file `path` (`None`: the scanned file) to every label.
    pub fn step_in(
        &self,
        path: Option<&Rc<str>>,
        start: (u32, u32),
        end: (u32, u32),
        note: &str,
    ) -> Taint {
        Taint(
            self.0
                .iter()
                .map(|l| {
                    let len = l.flow.as_ref().map_or(0, |s| s.len);
                    let mut l = l.clone();
                    if len < MAX_STEPS {
                        l.flow = Some(Rc::new(Step {
                            path: path.cloned(),
                            start,
                            end,
                            note: note.to_owned(),
                            prev: l.flow.take(),
                            len: len + 1,
                        }));
                    }
                    l
                })
                .collect(),
        )
    }

    /// The labels a sink of class `bit` records: the strongest live one (the finding), and every other live
    /// parameter label (each parameter that reaches the sink belongs in its function's summary).
    pub fn reported(&self, bit: Mask) -> Vec<&Label> {
        let Some(best) = self.live(bit) else {
            return Vec::new();
        };
        let mut out = vec![best];
        out.extend(self.0.iter().filter(|l| {
            l.sanitized & bit == 0
                && l.kind == SourceKind::Param
                && l.scope != 0
                && !std::ptr::eq(*l, best)
        }));
        out
    }

    /// The strongest label not sanitized for `bit`.
    pub fn live(&self, bit: Mask) -> Option<&Label> {
        self.0
            .iter()
            .filter(|l| l.sanitized & bit == 0)
            .min_by_key(|l| l.rank())
    }
}

/// A constant the walker can fold (for dead-branch elimination and dict keys).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Const {
    Int(i64),
    Str(String),
    Bool(bool),
    None,
}

impl Const {
    pub fn truthy(&self) -> bool {
        match self {
            Const::Int(i) => *i != 0,
            Const::Str(s) => !s.is_empty(),
            Const::Bool(b) => *b,
            Const::None => false,
        }
    }

    /// The key this constant selects in a container.
    pub fn key(&self) -> String {
        match self {
            Const::Int(i) => i.to_string(),
            Const::Str(s) => s.clone(),
            Const::Bool(b) => b.to_string(),
            Const::None => "None".into(),
        }
    }

    pub fn compare(op: &str, a: &Const, b: &Const) -> Option<bool> {
        use std::cmp::Ordering;
        let ord = match (a, b) {
            (Const::Int(x), Const::Int(y)) => Some(x.cmp(y)),
            (Const::Str(x), Const::Str(y)) => Some(x.cmp(y)),
            (Const::Bool(x), Const::Bool(y)) => Some(x.cmp(y)),
            _ => None,
        };
        match op {
            "==" | "is" => Some(a == b),
            "!=" | "is not" => Some(a != b),
            "<" => ord.map(|o| o == Ordering::Less),
            "<=" => ord.map(|o| o != Ordering::Greater),
            ">" => ord.map(|o| o == Ordering::Greater),
            ">=" => ord.map(|o| o != Ordering::Less),
            "in" | "not in" => match (a, b) {
                (Const::Str(x), Const::Str(y)) => Some(y.contains(x.as_str()) == (op == "in")),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn arith(op: &str, a: &Const, b: &Const) -> Option<Const> {
        match (a, b) {
            (Const::Int(x), Const::Int(y)) => match op {
                "+" => x.checked_add(*y).map(Const::Int),
                "-" => x.checked_sub(*y).map(Const::Int),
                "*" => x.checked_mul(*y).map(Const::Int),
                "//" | "/" if *y != 0 => Some(Const::Int(x.div_euclid(*y))),
                "%" if *y != 0 => Some(Const::Int(x.rem_euclid(*y))),
                _ => None,
            },
            (Const::Str(x), Const::Str(y)) if op == "+" => Some(Const::Str(format!("{x}{y}"))),
            _ => None,
        }
    }
}

/// The known contents of a container built from literals: constant keys (`"0"`, `"1"` for sequences) and what
/// went in under keys we could not read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    pub map: BTreeMap<String, Taint>,
    pub rest: Taint,
    /// Sequences: the length, while every index is known (so `append` and `pop` stay precise).
    pub len: Option<usize>,
    /// Sequences: the last element is a `command_line_flags` constant (`-c`), so the next one is a command line.
    pub after_flag: bool,
}

/// The key under which a sequence keeps the elements that follow a `command_line_flags` element.
pub(crate) const COMMAND_LINE_KEY: &str = "$command-line";
/// The key under which an argv list of an `option_programs` program keeps its words before `--`.
pub(crate) const OPTIONS_KEY: &str = "$options";

/// The taint of the words of an argv list that its program may read as options: after a constant program of
/// `option_programs`, up to a constant `--`. Whether a word can start with `-` is its `argument` class: a
/// constant prefix (`f"--branch={b}"`, `"refs/" + b`) sanitized it where the word was built.
fn option_words(items: &[(Taint, Option<Const>)], t: &Tables) -> Taint {
    let mut out = Taint::default();
    let Some((_, Some(Const::Str(prog)))) = items.first() else {
        return out;
    };
    if t.argument_mask == 0 || !t.is_option_program(prog) {
        return out;
    }
    for (taint, k) in &items[1..] {
        if matches!(k, Some(Const::Str(s)) if s == "--") {
            break;
        }
        out.join(taint);
    }
    out
}

/// What the walker knows about a value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Val {
    /// Everything that went into the value.
    pub taint: Taint,
    pub fields: Option<Box<Fields>>,
    pub konst: Option<Const>,
    /// The type it was constructed from (`requests.Session`, `std::process::Command`).
    pub ty: Option<Rc<str>>,
    /// Byte range of the call that constructed it (for `when_ctor` / `unless_kwarg`).
    pub ctor: Option<(usize, usize)>,
    /// Method calls made on the variable so far, whitespace removed (`setFeature(feature_external_ges,True)`),
    /// for `when_configured`; at most [`MAX_CONFIGURED`].
    pub configured: Vec<Rc<str>>,
}

impl Val {
    pub fn tainted(taint: Taint) -> Val {
        Val {
            taint,
            ..Val::default()
        }
    }

    pub fn konst(c: Const) -> Val {
        Val {
            konst: Some(c),
            ..Val::default()
        }
    }

    /// The value under a constant key (`d["k"]`, `t[0]`), or everything when the key is unknown.
    pub fn element(&self, key: Option<&str>) -> Taint {
        match (&self.fields, key) {
            (Some(f), Some(k)) => f.map.get(k).cloned().unwrap_or_else(|| f.rest.clone()),
            _ => self.taint.clone(),
        }
    }

    pub fn recompute(&mut self) {
        if let Some(f) = &self.fields {
            let mut t = f.rest.clone();
            for v in f.map.values() {
                t.join(v);
            }
            self.taint = t;
        }
    }

    /// A sequence literal whose constant elements are known: what follows a `command_line_flags` element is
    /// also kept under [`COMMAND_LINE_KEY`].
    pub fn argv(items: Vec<(Taint, Option<Const>)>, t: &Tables) -> Val {
        let flags = &t.command_line_flags;
        let options = option_words(&items, t);
        let mut line = Taint::default();
        let mut prev: Option<&Const> = None;
        for (t, k) in &items {
            if prev.is_some_and(|p| is_flag(p, flags)) {
                line.join(t);
            }
            prev = k.as_ref();
        }
        let after_flag = items
            .last()
            .and_then(|(_, k)| k.as_ref())
            .is_some_and(|k| is_flag(k, flags));
        let mut v = Val::sequence(
            items.into_iter().map(|(t, _)| t).collect(),
            Taint::default(),
            true,
        );
        if let Some(f) = &mut v.fields {
            f.after_flag = after_flag;
            if !line.is_clean() {
                f.map.insert(COMMAND_LINE_KEY.to_owned(), line);
            }
            if !options.is_clean() {
                f.map.insert(OPTIONS_KEY.to_owned(), options);
            }
        }
        v
    }

    /// A sequence built from element values.
    pub fn sequence(items: Vec<Taint>, rest: Taint, exact: bool) -> Val {
        let len = items.len();
        let mut f = Fields {
            map: items
                .into_iter()
                .enumerate()
                .map(|(i, t)| (i.to_string(), t))
                .collect(),
            rest,
            len: exact.then_some(len),
            after_flag: false,
        };
        if !exact {
            f.len = None;
        }
        let mut v = Val {
            fields: Some(Box::new(f)),
            ..Val::default()
        };
        v.recompute();
        v
    }
}

pub(crate) type Env = HashMap<String, Val>;

/// Whether a constant argv element makes the next one a command line (`-c`).
pub(crate) fn is_flag(k: &Const, flags: &[String]) -> bool {
    matches!(k, Const::Str(s) if flags.iter().any(|f| f == s))
}

/// Guard facts established by both of two conditions (`x == "a" or x == "b"`).
pub(crate) fn intersect(a: &[(String, Mask)], b: &[(String, Mask)]) -> Vec<(String, Mask)> {
    a.iter()
        .filter_map(|(p, m)| {
            let mb = b
                .iter()
                .filter(|(q, _)| q == p)
                .fold(0, |acc, (_, m2)| acc | m2);
            (m & mb != 0).then(|| (p.clone(), m & mb))
        })
        .collect()
}

pub(crate) fn join_val(a: &Val, b: &Val) -> Val {
    let fields = match (&a.fields, &b.fields) {
        (Some(x), Some(y)) => {
            let mut map = x.map.clone();
            for (k, v) in &y.map {
                map.entry(k.clone())
                    .and_modify(|e| e.join(v))
                    .or_insert_with(|| v.clone());
            }
            Some(Box::new(Fields {
                map,
                rest: x.rest.clone().joined(&y.rest),
                len: if x.len == y.len { x.len } else { None },
                after_flag: x.after_flag && y.after_flag,
            }))
        }
        _ => None,
    };
    let mut v = Val {
        taint: a.taint.clone().joined(&b.taint),
        fields,
        konst: if a.konst == b.konst {
            a.konst.clone()
        } else {
            None
        },
        ty: a.ty.clone().or_else(|| b.ty.clone()),
        ctor: a.ctor.or(b.ctor),
        configured: union_configured(&a.configured, &b.configured),
    };
    if v.fields.is_some() {
        let whole = v.taint.clone();
        v.recompute();
        v.taint.join(&whole);
    }
    v
}

/// The calls made on a variable in either branch (a feature turned on in one branch may be on at the sink).
fn union_configured(a: &[Rc<str>], b: &[Rc<str>]) -> Vec<Rc<str>> {
    let mut out = a.to_vec();
    for c in b {
        if out.len() < MAX_CONFIGURED && !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

pub(crate) fn join_env(a: &Env, b: &Env) -> Env {
    let mut out = a.clone();
    for (k, v) in b {
        match out.get_mut(k) {
            Some(e) => *e = join_val(e, v),
            None => {
                let mut v = v.clone();
                v.konst = None;
                out.insert(k.clone(), v);
            }
        }
    }
    for (k, v) in &mut out {
        if !b.contains_key(k) {
            v.konst = None;
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------------------------
// Call sites and sink checks (shared by the language walkers)
// ------------------------------------------------------------------------------------------------------------------

pub(crate) struct Arg<'t> {
    pub node: Node<'t>,
    /// Keyword name (`shell`), `None` for positional.
    pub name: Option<String>,
    pub val: Val,
}

pub(crate) struct CallSite<'t> {
    pub node: Node<'t>,
    pub callee: Callee,
    pub recv: Option<(Node<'t>, Val)>,
    pub args: Vec<Arg<'t>>,
}

impl<'t> CallSite<'t> {
    pub fn positional(&self, i: usize) -> Option<&Arg<'t>> {
        self.args.iter().filter(|a| a.name.is_none()).nth(i)
    }

    pub fn keyword(&self, k: &str) -> Option<&Arg<'t>> {
        self.args.iter().find(|a| a.name.as_deref() == Some(k))
    }

    /// The positional or keyword argument named by a table key (`"1"` or `Loader`).
    fn by_key(&self, key: &str) -> Option<&Arg<'t>> {
        match key.parse::<usize>() {
            Ok(i) => self.positional(i),
            Err(_) => self.keyword(key),
        }
    }
}

/// A sink reached by a tainted value, before it becomes a [`Hit`] per rule.
#[derive(Debug, Clone)]
pub(crate) struct SinkHit {
    pub class: usize,
    pub start_byte: usize,
    pub start: (u32, u32),
    pub end: (u32, u32),
    pub label: Label,
    /// `cursor.execute()`
    pub callee: String,
    /// `argument 0`, `` `url=` argument ``, `receiver`, `stored value`
    pub position: String,
    /// The tainted expression as written, shortened.
    pub what: String,
    /// Where the flow goes on after this call, for a sink inside a project function the call reaches: the
    /// steps in the callee, ending at the sink itself (the hit is reported at the call, on the changed line).
    pub tail: Option<Rc<Step>>,
    /// With `tail`: the sink at its end, as the message names it (`os.system() in app/util.py:12`).
    pub sink: Option<String>,
    /// Where else the flow goes: (path, line, note) of the template line printing it raw.
    pub related: Option<(String, u32, String)>,
}

/// Per-file state shared by the walkers: the tables, the text, the classes some active rule wants, the hits.
pub(crate) struct Core<'a> {
    pub t: &'a Tables,
    pub parsed: &'a ParsedFile,
    /// Type names this file binds to framework-injected values (`FastAPI`: `SessionDep = Annotated[Session,
    /// Depends(get_db)]`, here or imported from a deps module): parameters annotated with them are not input.
    pub injected: &'a [String],
    pub active: Mask,
    pub hits: Vec<SinkHit>,
    /// Per sink of the table: off in this file (its `when_import` modules are not imported). Empty: all on.
    pub off: Vec<bool>,
    /// The file walked, when it is not the scanned one (a project module read for a summary): its flow steps
    /// carry this path.
    pub path: Option<Rc<str>>,
    /// Sinks reached by a function's own parameter labels, for its summary (see [`summary`]).
    pub param_sinks: Vec<SinkHit>,
    /// Guard functions that count as no check here: this diff made them return `True` (regression rules).
    pub void_guards: &'a [String],
    /// The project around the file, for the templates a render call names.
    pub project: Option<&'a Project>,
}

impl<'a> Core<'a> {
    /// The state for walking a project module for its summaries: its hits are not reported, its steps carry its
    /// path.
    pub fn for_module(
        t: &'a Tables,
        (parsed, path): (&'a ParsedFile, &str),
        active: Mask,
        project: &'a Project,
    ) -> Core<'a> {
        Core {
            t,
            parsed,
            injected: &[],
            active,
            hits: Vec::new(),
            off: Vec::new(),
            path: Some(Rc::from(path)),
            param_sinks: Vec::new(),
            void_guards: &[],
            project: Some(project),
        }
    }

    pub fn text(&self, n: Node<'_>) -> &'a str {
        &self.parsed.text[n.byte_range()]
    }

    pub fn pos(&self, n: Node<'_>) -> ((u32, u32), (u32, u32)) {
        (
            self.parsed.line_col(n.start_byte()),
            self.parsed.line_col(n.end_byte()),
        )
    }

    /// A flow step at a node.
    pub fn step(&self, n: Node<'_>, taint: &Taint, note: &str) -> Taint {
        if taint.is_clean() {
            return Taint::default();
        }
        let (s, e) = self.pos(n);
        taint.step_in(self.path.as_ref(), s, e, note)
    }

    /// A new source label at a node.
    pub fn source(&self, n: Node<'_>, kind: SourceKind, param: Option<u16>, origin: &str) -> Taint {
        let (start, end) = self.pos(n);
        let note = format!("source: {origin} (line {})", start.0);
        Taint::source(
            kind,
            param,
            origin,
            Step {
                path: self.path.clone(),
                start,
                end,
                note,
                prev: None,
                len: 1,
            },
        )
    }

    fn ctor_text(&self, v: &Val) -> Option<String> {
        v.ctor
            .and_then(|(s, e)| self.parsed.text.get(s..e))
            .map(squash)
    }

    fn contains_any(&self, a: &Arg<'_>, needles: &[String]) -> bool {
        if needles.is_empty() {
            return true;
        }
        let text = squash(self.text(a.node));
        let ctor = self.ctor_text(&a.val);
        // `content_type=PROBLEM_JSON` with `PROBLEM_JSON = "application/problem+json"`: the folded value.
        let folded = match &a.val.konst {
            Some(Const::Str(v)) => Some(v.as_str()),
            _ => None,
        };
        needles.iter().any(|n| {
            text.contains(n.as_str())
                || ctor.as_deref().is_some_and(|c| c.contains(n.as_str()))
                || folded.is_some_and(|v| v.contains(n.as_str()))
        })
    }

    /// Checks a call against the sink tables and records every tainted sink argument; returns the classes
    /// reported.
    pub fn check_call(&mut self, site: &CallSite<'_>) -> Mask {
        let mut reported = 0;
        if self.active == 0 {
            return reported;
        }
        let t = self.t;
        let specs: Vec<usize> = t.sink_index.find(&site.callee).copied().collect();
        for si in specs {
            let spec = &t.sinks[si];
            let bit = 1 << spec.class;
            if self.active & bit == 0
                || spec.returns
                || self.off.get(si).copied().unwrap_or(false)
                || spec.exclude.iter().any(|x| x.matches(&site.callee))
            {
                continue;
            }
            if !spec.when_receiver.is_empty() {
                let name = site
                    .recv
                    .as_ref()
                    .map(|(n, _)| last_segment(self.text(*n)).to_lowercase());
                if !name.is_some_and(|n| spec.when_receiver.iter().any(|r| n.contains(r.as_str())))
                {
                    continue;
                }
            }
            if !spec.when_configured.iter().all(|(k, calls)| {
                let val = if k == "receiver" {
                    site.recv.as_ref().map(|(_, v)| v)
                } else {
                    site.by_key(k).map(|a| &a.val)
                };
                val.is_some_and(|v| {
                    v.configured
                        .iter()
                        .any(|c| calls.iter().any(|w| c.contains(w.as_str())))
                })
            }) {
                continue;
            }
            let when = spec.when_kwarg.iter().all(|(k, v)| {
                site.by_key(k)
                    .is_some_and(|a| squash(self.text(a.node)) == *v)
            });
            if !when {
                continue;
            }
            if spec
                .unless
                .iter()
                .any(|(k, vals)| site.by_key(k).is_some_and(|a| self.contains_any(a, vals)))
            {
                continue;
            }
            if spec.template_vars {
                if self.check_template_vars(site, spec.class) {
                    reported |= bit;
                }
                continue;
            }
            if !spec.when_ctor.is_empty() {
                // The builder chain itself counts too: `HttpResponse::Ok().content_type("text/html").body(…)`.
                let ctor = site.recv.as_ref().map(|(n, v)| {
                    let chain = squash(self.text(*n));
                    match self.ctor_text(v) {
                        Some(c) => format!("{c} {chain}"),
                        None => chain,
                    }
                });
                if !ctor.is_some_and(|c| spec.when_ctor.iter().any(|w| c.contains(w.as_str()))) {
                    continue;
                }
            }
            let mut operands: Vec<(Node<'_>, Taint, String)> = Vec::new();
            if spec.receiver
                && let Some((n, v)) = &site.recv
            {
                operands.push((*n, v.taint.clone(), "receiver".into()));
            }
            let operand = |a: &Arg<'_>| {
                if spec.option_words {
                    return a
                        .val
                        .fields
                        .as_ref()
                        .and_then(|f| f.map.get(OPTIONS_KEY).cloned())
                        .unwrap_or_default();
                }
                if spec.first_element {
                    let mut t = a.val.element(Some("0"));
                    if let Some(f) = &a.val.fields
                        && let Some(line) = f.map.get(COMMAND_LINE_KEY)
                    {
                        t.join(line);
                    }
                    t
                } else {
                    a.val.taint.clone()
                }
            };
            // `create_subprocess_exec("git", "clone", url)`: the positional arguments are the argv words.
            if spec.option_words
                && let Some(a) = site.positional(0)
                && matches!(a.val.konst, Some(Const::Str(_)))
            {
                let words: Vec<(Taint, Option<Const>)> = site
                    .args
                    .iter()
                    .filter(|a| a.name.is_none())
                    .map(|a| (a.val.taint.clone(), a.val.konst.clone()))
                    .collect();
                operands.push((site.node, option_words(&words, t), "argv words".into()));
            }
            for &i in &spec.args {
                if let Some(a) = site.positional(i) {
                    operands.push((a.node, operand(a), format!("argument {i}")));
                }
            }
            for k in &spec.kwargs {
                if k == "*" {
                    for a in site.args.iter().filter(|a| a.name.is_some()) {
                        let name = a.name.as_deref().unwrap_or("");
                        operands.push((a.node, operand(a), format!("`{name}=` argument")));
                    }
                } else if let Some(a) = site.keyword(k) {
                    operands.push((a.node, operand(a), format!("`{k}=` argument")));
                }
            }
            for (n, taint, position) in operands {
                for l in taint.reported(bit) {
                    let callee = display_callee(&site.callee);
                    self.record(
                        spec.class,
                        site.node,
                        l.clone(),
                        callee,
                        position.clone(),
                        n,
                    );
                    reported |= bit;
                }
            }
        }
        reported
    }

    /// A render call's context variables that its template prints raw; true when one was tainted.
    fn check_template_vars(&mut self, site: &CallSite<'_>, class: usize) -> bool {
        let Some(project) = self.project else {
            return false;
        };
        let Some(name) =
            site.args
                .iter()
                .filter(|a| a.name.is_none())
                .find_map(|a| match &a.val.konst {
                    Some(Const::Str(s)) if crate::project::is_template(s) => Some(s.clone()),
                    _ => None,
                })
        else {
            return false;
        };
        let Some((tpath, ttext)) = project.template(name.trim_start_matches('/')) else {
            return false;
        };
        let bit = 1 << class;
        let mut vars: Vec<(String, Taint, Node<'_>)> = Vec::new();
        for a in &site.args {
            match a.name.as_deref() {
                Some(k) if !matches!(k, "**" | "context") => {
                    vars.push((k.to_owned(), a.val.taint.clone(), a.node));
                }
                _ => {
                    if let Some(f) = &a.val.fields {
                        for (k, t) in &f.map {
                            vars.push((k.clone(), t.clone(), a.node));
                        }
                    }
                }
            }
        }
        // Only flows the tables understand end to end: a value out of an unknown call (`get_page(route)`, a
        // record loaded by a request id) is stored content far more often than the request's text, and markup
        // that a view sends on purpose.
        let live = |t: &Taint| {
            t.labels()
                .iter()
                .filter(|l| l.sanitized & bit == 0 && !l.via_call)
                .min_by_key(|l| l.rank())
                .cloned()
        };
        if !vars.iter().any(|(_, t, _)| live(t).is_some()) {
            return false;
        }
        let uses = template_vars::raw_uses(ttext);
        let mut found = false;
        for (var, taint, node) in vars {
            let (Some(l), Some(u)) = (live(&taint), uses.iter().find(|u| u.var == var)) else {
                continue;
            };
            let callee = format!(
                "{}, printed unescaped by `{}` at {tpath}:{}",
                display_callee(&site.callee),
                excerpt(&u.text, 60),
                u.line
            );
            self.record(class, site.node, l, callee, format!("as `{var}`"), node);
            if let Some(h) = self.hits.last_mut() {
                h.related = Some((
                    tpath.to_owned(),
                    u.line,
                    format!("template prints `{var}` unescaped: {}", u.text),
                ));
            }
            found = true;
        }
        found
    }

    /// Checks a value a request handler returns against the `returns` sinks (its body: the caller passes the
    /// first element of a returned tuple).
    pub fn check_return(&mut self, at: Node<'_>, what: Node<'_>, value: &Taint) {
        if self.active == 0 || value.is_clean() {
            return;
        }
        for (si, spec) in self.t.sinks.iter().enumerate() {
            let bit = 1 << spec.class;
            if !spec.returns || self.active & bit == 0 || self.off.get(si).copied().unwrap_or(false)
            {
                continue;
            }
            for l in value.reported(bit) {
                let l = l.clone();
                self.record(
                    spec.class,
                    at,
                    l,
                    "the view's `return`".into(),
                    "(sent as the HTML body)".into(),
                    what,
                );
            }
        }
    }

    /// Checks `target[k] = value` against the `store` sinks; true when `target` is a sink container (which the
    /// walker then does not track: what it holds was reported where it went in).
    pub fn check_store(
        &mut self,
        stmt: Node<'_>,
        target: &Callee,
        value_node: Node<'_>,
        value: &Taint,
    ) -> bool {
        let specs: Vec<usize> = self.t.stores.find(target).copied().collect();
        if specs.is_empty() {
            return false;
        }
        if self.active == 0 || value.is_clean() {
            return true;
        }
        for si in specs {
            let class = self.t.sinks[si].class;
            let bit = 1 << class;
            if self.active & bit == 0 {
                continue;
            }
            for l in value.reported(bit) {
                let callee = format!("{}[…] =", target.raw);
                self.record(
                    class,
                    stmt,
                    l.clone(),
                    callee,
                    "stored value".into(),
                    value_node,
                );
            }
        }
        true
    }

    /// The key of a store into a `store_key` sink container (`session[key] = …`).
    pub fn check_store_key(
        &mut self,
        stmt: Node<'_>,
        target: &Callee,
        key: Node<'_>,
        taint: &Taint,
    ) {
        if self.active == 0 || taint.is_clean() {
            return;
        }
        let specs: Vec<usize> = self.t.stores.find(target).copied().collect();
        for si in specs {
            let spec = &self.t.sinks[si];
            let bit = 1 << spec.class;
            if !spec.store_key || self.active & bit == 0 {
                continue;
            }
            if let Some(l) = taint.live(bit) {
                let callee = format!("{}[…] =", target.raw);
                self.record(spec.class, stmt, l.clone(), callee, "key".into(), key);
            }
        }
    }

    fn record(
        &mut self,
        class: usize,
        at: Node<'_>,
        label: Label,
        callee: String,
        position: String,
        what: Node<'_>,
    ) {
        let (start, end) = self.pos(at);
        let what = shown_text(self.text(what));
        let hit = SinkHit {
            class,
            start_byte: at.start_byte(),
            start,
            end,
            label,
            callee,
            position,
            what,
            tail: None,
            sink: None,
            related: None,
        };
        self.push_hit(hit);
    }

    /// Keeps the strongest hit per (class, place); a parameter's hit is also kept for its function's summary.
    pub fn push_hit(&mut self, hit: SinkHit) {
        self.keep_param_sink(&hit);
        if let Some(e) = self
            .hits
            .iter_mut()
            .find(|h| h.class == hit.class && h.start_byte == hit.start_byte)
        {
            if hit.label.rank() < e.label.rank() {
                *e = hit;
            }
            return;
        }
        self.hits.push(hit);
    }

    /// Keeps a hit of a function's own parameter for the function's summary (see `summary::sinks_of`).
    pub fn keep_param_sink(&mut self, hit: &SinkHit) {
        if hit.label.kind == SourceKind::Param
            && hit.label.scope != 0
            && !self.param_sinks.iter().any(|h| {
                h.class == hit.class
                    && h.start_byte == hit.start_byte
                    && h.label.scope == hit.label.scope
                    && h.label.param == hit.label.param
            })
        {
            self.param_sinks.push(hit.clone());
        }
    }
}

/// An expression as a message shows it: whitespace collapsed, shortened.
pub(crate) fn shown_text(text: &str) -> String {
    excerpt(&text.split_whitespace().collect::<Vec<_>>().join(" "), 40)
}

fn display_callee(c: &Callee) -> String {
    let name = if c.raw.starts_with('?') {
        c.last.as_str()
    } else {
        c.raw.as_str()
    };
    format!("{name}()")
}

// ------------------------------------------------------------------------------------------------------------------
// Entry point
// ------------------------------------------------------------------------------------------------------------------

pub(crate) fn run(
    tables: &Tables,
    rules: &[(usize, &CompiledRule)],
    ctx: &FileCtx<'_>,
    (parsed, injected, project): (&ParsedFile, &[String], &Project),
    hits: &mut Vec<(usize, Hit)>,
) {
    // Which classes each rule wants; regression rules go their own way.
    let mut wanted: Vec<(usize, &CompiledRule, Mask)> = Vec::new();
    let mut regressions: Vec<(usize, &CompiledRule, Mask)> = Vec::new();
    for &(ri, rule) in rules {
        if let Matcher::Taint {
            sinks, regression, ..
        } = &rule.matcher
        {
            let m = sinks
                .iter()
                .filter_map(|s| tables.class_bit(s))
                .fold(0, |a, b| a | b);
            if m != 0 && *regression {
                regressions.push((ri, rule, m));
            } else if m != 0 {
                wanted.push((ri, rule, m));
            }
        }
    }
    if !regressions.is_empty() {
        regress::run(tables, &regressions, ctx, (parsed, injected), hits);
    }
    let mut active = wanted.iter().fold(0, |a, w| a | w.2);
    // A subsumed class needs its subsuming class's hits to be dropped, even when no active rule reports those.
    for &(c, by) in &tables.subsumed_by {
        if active & (1 << c) != 0 {
            active |= 1 << by;
        }
    }
    if active == 0 || ctx.file.added.ranges().is_empty() {
        return;
    }
    let mut core = Core {
        t: tables,
        parsed,
        injected,
        active,
        hits: Vec::new(),
        off: Vec::new(),
        path: None,
        param_sinks: Vec::new(),
        void_guards: &[],
        project: Some(project),
    };
    let across = summary::Across::new(project, &project.taint);
    let importer = project.module_path(&ctx.file.path);
    match parsed.lang {
        Lang::Python => python::analyse(&mut core, &ctx.file.added, importer.map(|p| (&across, p))),
        Lang::Rust => rust::analyse(&mut core, &ctx.file.added, importer.map(|p| (&across, p))),
    }
    let path = &ctx.file.path;
    let subsumed = |h: &SinkHit| {
        tables.subsumed_by.iter().any(|&(c, by)| {
            h.class == c
                && core
                    .hits
                    .iter()
                    .any(|o| o.class == by && o.start_byte == h.start_byte)
        })
    };
    for h in core.hits.iter().filter(|h| !subsumed(h)) {
        let bit = 1 << h.class;
        let callers = param_callers(h, ctx, parsed, project);
        if matches!(callers, Some(Callers::Constants { .. })) {
            continue;
        }
        for (ri, rule, m) in &wanted {
            let reported = match &rule.matcher {
                Matcher::Taint { sources, .. } => {
                    sources.is_empty() || sources.contains(&h.label.kind)
                }
                _ => false,
            };
            if m & bit == 0 || !reported {
                continue;
            }
            let mut hit = to_hit(h, rule.meta.confidence, path);
            if let Some(c) = &callers {
                weigh_callers(&mut hit, c, rule.meta.severity);
            }
            hits.push((*ri, hit));
        }
    }
}

/// What the project's calls pass for the parameter a hit starts at (see `project::callers`): asked only for a
/// parameter of a function of this file, on a changed line.
fn param_callers(
    h: &SinkHit,
    ctx: &FileCtx<'_>,
    parsed: &ParsedFile,
    project: &Project,
) -> Option<Callers> {
    if h.label.kind != SourceKind::Param || !ctx.file.added.intersects(h.start.0, h.end.0) {
        return None;
    }
    let mut root = h.label.flow.as_deref()?;
    while let Some(prev) = root.prev.as_deref() {
        root = prev;
    }
    if root.path.is_some() {
        return None;
    }
    let target = param_target(parsed, &ctx.file.path, root.start)?;
    Some(project.callers(&target))
}

/// The function whose parameter starts at `at` (line, column), as a callers question.
fn param_target(parsed: &ParsedFile, path: &str, at: (u32, u32)) -> Option<Target> {
    let module = secreview_syntax::ir::lower(parsed);
    walk::functions(&module).into_iter().find_map(|s| {
        let p = s
            .function
            .params
            .iter()
            .find(|p| parsed.line_col(p.span.start as usize) == at)?;
        Some(Target {
            path: path.to_owned(),
            function: s.function.name.to_owned(),
            class: s.class.map(|c| c.name.to_owned()),
            param: p.name.to_owned(),
        })
    })
}

/// A parameter flow of a function nobody in the project calls is an entry point for callers we cannot see:
/// reported, but never above low severity. One whose callers pass values we cannot follow says where.
fn weigh_callers(hit: &mut Hit, callers: &Callers, severity: Severity) {
    match callers {
        Callers::None => {
            hit.severity = Some(severity.min(Severity::Low));
            hit.detail
                .push_str(" (nothing in the project calls the function: low severity)");
        }
        Callers::Open(site) => hit.evidence.push(Evidence {
            location: Location::line(&site.path, site.line),
            note: "called here with a value that is not a constant".to_owned(),
        }),
        Callers::Constants { .. } | Callers::Unknown => {}
    }
}

/// Whether a rule reports a hit's source kind.
fn reports_source(rule: &CompiledRule, h: &SinkHit) -> bool {
    match &rule.matcher {
        Matcher::Taint { sources, .. } => sources.is_empty() || sources.contains(&h.label.kind),
        _ => false,
    }
}

fn to_hit(h: &SinkHit, base: f32, path: &str) -> Hit {
    let mut confidence = match h.label.kind {
        SourceKind::Request => base,
        SourceKind::Param => base * PARAM_FACTOR,
        SourceKind::Local => base * LOCAL_FACTOR,
    };
    if h.label.via_call {
        confidence *= UNKNOWN_CALL_FACTOR;
    }
    let loc = |p: Option<&Rc<str>>, s: (u32, u32), e: (u32, u32)| Location {
        path: p.map_or(path, |p| &**p).to_owned(),
        start_line: s.0,
        start_col: s.1,
        end_line: e.0,
        end_col: e.1,
    };
    let evidence = |chain: Option<&Step>| {
        let mut out = Vec::new();
        let mut cur = chain;
        while let Some(s) = cur {
            out.push(Evidence {
                location: loc(s.path.as_ref(), s.start, s.end),
                note: s.note.clone(),
            });
            cur = s.prev.as_deref();
        }
        out.reverse();
        out
    };
    let mut steps = evidence(h.label.flow.as_deref());
    let (at_call, detail) = match &h.sink {
        Some(sink) => (
            format!("passed to {} as {}", h.callee, h.position),
            format!(
                "`{}` from {} reaches {sink} through {}",
                h.what, h.label.origin, h.callee
            ),
        ),
        None => (
            format!("reaches {} {}", h.callee, h.position),
            format!("`{}` from {} reaches {}", h.what, h.label.origin, h.callee),
        ),
    };
    steps.push(Evidence {
        location: loc(None, h.start, h.end),
        note: at_call,
    });
    steps.extend(evidence(h.tail.as_deref()));
    let related = h.related.as_ref().map(|(p, line, note)| Evidence {
        location: Location {
            path: p.clone(),
            start_line: *line,
            start_col: 1,
            end_line: *line,
            end_col: 1,
        },
        note: note.clone(),
    });
    let mut hit = Hit::span(h.start, h.end, confidence).detail(detail);
    hit.flow = steps;
    hit.evidence.extend(related);
    hit
}
