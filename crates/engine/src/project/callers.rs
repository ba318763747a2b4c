//! Who calls a function, and with what: the project's call sites of one function, read off the IR of every
//! module that mentions its name.
//!
//! A taint finding whose source is a function's own parameter ("`cmd` from parameter `name` reaches
//! `subprocess.run`") is only as real as the values the function is called with. `run_report("daily")` and
//! `run_report(WEEKLY)` make the flow harmless; a function nobody in the project calls is an entry point for
//! code outside it (a library API, a management command), whose callers we cannot see. [`Project::callers`]
//! answers which of these holds, so the taint analysis can drop the first and lower the second.
//!
//! Matching is by name and deliberately liberal: any call whose callee ends in the function's name (`f(…)`,
//! `mod.f(…)`, `obj.f(…)`, `Type::f(…)`, an import alias of it) counts as a call of it, and any other mention
//! of the name (`map(f, xs)`, `callback=f`, `f.delay(…)`, `self.f` read as a value) counts as a caller we cannot
//! see into. Counting an unrelated call can only keep a finding, never hide one, so the answer errs towards
//! reporting. A caller that forwards its own parameter (`def wrapper(name): run_report(name)`) is followed to
//! its callers, up to [`MAX_CALLER_DEPTH`] levels.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use secreview_syntax::ir::{self, Expr, ExprKind, Function, ParamKind, Stmt, StmtKind, walk};
use secreview_syntax::{Lang, ParsedFile};

use super::{Project, module_lang};

/// Reads a file of the scanned tree that the project did not read when it was built.
pub type TreeReader = Box<dyn FnMut(&[String]) -> Vec<Option<String>> + Send>;

/// Callers forwarding their own parameter are followed this many levels (`view → service → helper`).
pub const MAX_CALLER_DEPTH: usize = 3;

/// More modules than this mention the name (a common name: `run`, `get`): nothing is concluded, since the
/// mentions are mostly other functions of the same name and reading them all would cost more than the
/// finding is worth.
pub const MAX_CALLER_MODULES: usize = 32;

/// Trees larger than this many source files are not searched for callers (reading them all would dominate
/// the scan); their parameter findings keep their confidence.
pub const MAX_CORPUS_FILES: usize = 20_000;

/// The function whose callers are asked for, and the parameter whose values matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub path: String,
    pub function: String,
    /// The class (Python) or type (Rust `impl`) the function is a method of.
    pub class: Option<String>,
    pub param: String,
}

/// A call site, for evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub path: String,
    pub line: u32,
}

/// What the project's call sites say about a parameter's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callers {
    /// Nothing in the project calls the function or mentions its name: it is called from outside.
    None,
    /// Every call passes a constant for the parameter, directly or through callers' own parameters.
    Constants { calls: usize },
    /// A call passes something else (the first such site), or the function is used as a value.
    Open(Site),
    /// Nothing can be concluded: too many modules mention the name, the tree is not readable, or the parameter
    /// does not map to arguments (`*args`).
    Unknown,
}

/// The call-site index of a project: the tree's source files, read on the first question.
#[derive(Default)]
pub(crate) struct CallIndex {
    reader: Mutex<Option<TreeReader>>,
    /// Every Python and Rust file of the tree; `None` when the tree cannot be read (see [`Project::corpus`]).
    corpus: OnceLock<Option<Vec<Source>>>,
    memo: Mutex<HashMap<Target, Callers>>,
}

impl CallIndex {
    pub fn set_reader(&mut self, reader: TreeReader) {
        self.reader = Mutex::new(Some(reader));
    }
}

/// A source file of the tree.
struct Source {
    path: String,
    lang: Lang,
    /// The text, when the project does not hold the module.
    text: Option<String>,
}

/// How one call passes the parameter.
enum Arg<'m> {
    Constant,
    Open,
    /// The enclosing function's own parameter of this name.
    Forwarded(&'m str),
    /// A recursive call, or a call that does not reach the parameter: says nothing.
    Neutral,
}

impl Project {
    /// What the project's calls of `target` pass for its parameter (see the module doc).
    pub fn callers(&self, target: &Target) -> Callers {
        if let Some(known) = self
            .calls
            .memo
            .lock()
            .ok()
            .and_then(|m| m.get(target).cloned())
        {
            return known;
        }
        let mut visited = HashSet::new();
        let verdict = self.callers_at(target, 0, &mut visited);
        if let Ok(mut m) = self.calls.memo.lock() {
            m.insert(target.clone(), verdict.clone());
        }
        verdict
    }

    fn callers_at(&self, target: &Target, depth: usize, visited: &mut HashSet<Target>) -> Callers {
        visited.insert(target.clone());
        let Some(lang) = module_lang(&target.path) else {
            return Callers::Unknown;
        };
        let Some(shape) = self.with_source(&target.path, |parsed| Shape::of(parsed, target)) else {
            return Callers::Unknown;
        };
        let Some(shape) = shape else {
            return Callers::Unknown;
        };
        let Some(corpus) = self.corpus() else {
            return Callers::Unknown;
        };
        let mentions: Vec<&Source> = corpus
            .iter()
            .filter(|s| {
                s.lang == lang
                    && s.text
                        .as_deref()
                        .or_else(|| self.modules.get(&s.path).map(|m| m.text.as_str()))
                        .is_some_and(|t| t.contains(target.function.as_str()))
            })
            .collect();
        if mentions.len() > MAX_CALLER_MODULES {
            return Callers::Unknown;
        }
        let mut calls = 0;
        for Source { path, text, .. } in mentions {
            let found = match text {
                Some(text) => secreview_syntax::parse(lang, text.clone())
                    .ok()
                    .map(|p| self.sites_in(&p, path, (target, &shape), depth, visited)),
                None => self.with_source(path, |p| {
                    self.sites_in(p, path, (target, &shape), depth, visited)
                }),
            };
            match found {
                Some(Ok(n)) => calls += n,
                Some(Err(site)) => return Callers::Open(site),
                None => return Callers::Unknown,
            }
        }
        if calls == 0 {
            Callers::None
        } else {
            Callers::Constants { calls }
        }
    }

    /// The calls of the target in one module: `Ok(n)` when all `n` pass constants, or the first site that
    /// does not.
    fn sites_in(
        &self,
        parsed: &ParsedFile,
        path: &str,
        (target, shape): (&Target, &Shape),
        depth: usize,
        visited: &mut HashSet<Target>,
    ) -> Result<usize, Site> {
        let module = ir::lower(parsed);
        // `from m import f as g` calls `f` as `g`.
        let mut names: Vec<&str> = vec![target.function.as_str()];
        names.extend(
            module
                .imports
                .iter()
                .filter(|i| i.name == Some(target.function.as_str()))
                .filter_map(|i| i.alias),
        );
        let site = |line: u32| Site {
            path: path.to_owned(),
            line,
        };
        let mut calls = 0;
        let scopes = walk::functions(&module);
        let classes = walk::classes(&module);
        let mut bodies: Vec<(Option<walk::Scope<'_, '_>>, &[Stmt<'_>])> =
            vec![(None, module.body.as_slice())];
        bodies.extend(classes.iter().map(|c| (None, c.body.as_slice())));
        bodies.extend(
            scopes
                .iter()
                .map(|s| (Some(*s), s.function.body.as_slice())),
        );
        for (scope, body) in bodies {
            let fixed = loop_constants(body);
            let mut uses: Vec<(u32, Arg<'_>)> = Vec::new();
            let mut callees: HashSet<(u32, u32)> = HashSet::new();
            walk::exprs(body, &mut |e| {
                if let ExprKind::Call(c) = &e.kind {
                    if !c.is_macro && last_name(&c.callee).is_some_and(|n| names.contains(&n)) {
                        callees.insert((c.callee.span.start, c.callee.span.end));
                        uses.push((e.span.line, shape.arg(c, scope, &fixed)));
                    }
                } else if last_name(e).is_some_and(|n| names.contains(&n))
                    && !callees.contains(&(e.span.start, e.span.end))
                    && !is_own_definition(e, scope, target)
                {
                    uses.push((e.span.line, Arg::Open));
                }
            });
            for (line, arg) in uses {
                match arg {
                    Arg::Constant => calls += 1,
                    Arg::Neutral => {}
                    Arg::Open => return Err(site(line)),
                    Arg::Forwarded(param) => {
                        let Some(s) = scope else {
                            return Err(site(line));
                        };
                        let outer = Target {
                            path: path.to_owned(),
                            function: s.function.name.to_owned(),
                            class: s.class.map(|c| c.name.to_owned()),
                            param: param.to_owned(),
                        };
                        if visited.contains(&outer) {
                            continue;
                        }
                        if depth + 1 >= MAX_CALLER_DEPTH {
                            return Err(site(line));
                        }
                        match self.callers_at(&outer, depth + 1, visited) {
                            Callers::Constants { .. } => calls += 1,
                            _ => return Err(site(line)),
                        }
                    }
                }
            }
        }
        Ok(calls)
    }

    /// Calls `f` with the parsed module at `path`: a project module, or a file of the tree read now.
    fn with_source<R>(&self, path: &str, f: impl FnOnce(&ParsedFile) -> R) -> Option<R> {
        if self.modules.contains_key(path) {
            return self.with_parsed(path, f);
        }
        let lang = module_lang(path)?;
        let text = self
            .corpus()?
            .iter()
            .find(|s| s.path == path)
            .and_then(|s| s.text.clone())?;
        secreview_syntax::parse(lang, text).ok().map(|p| f(&p))
    }

    /// The tree's source files, read once: the project's modules, and every other Python and Rust file through
    /// the tree reader. `None` when the tree has files the project holds no reader for.
    fn corpus(&self) -> Option<&[Source]> {
        self.calls
            .corpus
            .get_or_init(|| {
                let mut all: Vec<Source> = Vec::new();
                let others: Vec<&String> = self
                    .paths
                    .python
                    .iter()
                    .chain(self.paths.rust.iter())
                    .filter(|p| !self.modules.contains_key(*p))
                    .collect();
                if self.modules.len() + others.len() > MAX_CORPUS_FILES {
                    return None;
                }
                all.extend(self.modules.iter().map(|(p, m)| Source {
                    path: p.clone(),
                    lang: m.lang,
                    text: None,
                }));
                if !others.is_empty() {
                    let mut guard = self.calls.reader.lock().ok()?;
                    let read_many = guard.as_mut()?;
                    let others: Vec<String> = others.into_iter().cloned().collect();
                    for (p, text) in others.iter().zip(read_many(&others)) {
                        if let (Some(lang), Some(text)) = (module_lang(p), text) {
                            all.push(Source {
                                path: p.clone(),
                                lang,
                                text: Some(text),
                            });
                        }
                    }
                }
                all.sort_by(|a, b| a.path.cmp(&b.path));
                Some(all)
            })
            .as_deref()
    }
}

/// The name a callee or a mention ends in: `f`, `m.f`, `Type::f`.
fn last_name<'a>(e: &Expr<'a>) -> Option<&'a str> {
    match &e.kind {
        ExprKind::Name(n) => Some(n),
        ExprKind::Attr(a) => Some(a.name),
        ExprKind::Path(p) => p.last().copied(),
        _ => None,
    }
}

/// A mention of the name that is the function itself: a Python `self.f` inside `f` (a recursive reference is
/// no caller).
fn is_own_definition(e: &Expr<'_>, scope: Option<walk::Scope<'_, '_>>, target: &Target) -> bool {
    scope.is_some_and(|s| {
        s.function.name == target.function && last_name(e) == Some(s.function.name)
    })
}

/// The target function's parameters, as its calls bind them.
struct Shape {
    /// Position of the parameter among the declared parameters (the receiver included).
    position: usize,
    name: String,
    /// The parameter's default is a constant (a call that leaves it out passes a constant).
    default_constant: bool,
    has_default: bool,
    /// The first declared parameter is the receiver bound by `obj.f(…)` (`self`, `cls`, Rust's `&self`).
    receiver: bool,
    class: Option<String>,
    /// A Python `@classmethod`: `Class.f(…)` binds `cls` too.
    classmethod: bool,
    lang: Lang,
}

impl Shape {
    fn of(parsed: &ParsedFile, target: &Target) -> Option<Shape> {
        let module = ir::lower(parsed);
        let scope = walk::functions(&module).into_iter().find(|s| {
            s.function.name == target.function && s.class.map(|c| c.name) == target.class.as_deref()
        })?;
        let f: &Function<'_> = scope.function;
        let position = f.params.iter().position(|p| p.name == target.param)?;
        let param = &f.params[position];
        if matches!(param.kind, ParamKind::VarArgs | ParamKind::KwArgs) {
            return None;
        }
        let decorated = |name: &str| f.decorators.iter().any(|d| last_name(d) == Some(name));
        let receiver = match parsed.lang {
            Lang::Python => scope.class.is_some() && !decorated("staticmethod"),
            Lang::Rust => f
                .params
                .first()
                .is_some_and(|p| p.kind == ParamKind::SelfParam),
        };
        Some(Shape {
            position,
            name: target.param.clone(),
            default_constant: param.default.as_ref().is_some_and(is_constant),
            has_default: param.default.is_some(),
            receiver,
            class: target.class.clone(),
            classmethod: decorated("classmethod"),
            lang: parsed.lang,
        })
    }

    /// How the call `c`, made inside `scope`, passes the parameter.
    fn arg<'m>(
        &self,
        c: &'m ir::Call<'_>,
        scope: Option<walk::Scope<'m, '_>>,
        fixed: &HashSet<&str>,
    ) -> Arg<'m> {
        if let Some(k) = c.kwargs.iter().find(|k| k.name == self.name) {
            return classify(&k.value, scope, fixed);
        }
        // `obj.f(a)` binds the receiver; `Class.f(obj, a)` and Rust's `Type::f(&obj, a)` pass it.
        let bound = self.receiver
            && match (&c.callee.kind, self.lang) {
                (ExprKind::Attr(a), Lang::Python) => {
                    self.classmethod
                        || !matches!(&a.base.kind, ExprKind::Name(n) if Some(*n) == self.class.as_deref())
                }
                (ExprKind::Attr(_), Lang::Rust) => true,
                _ => false,
            };
        let shift = usize::from(bound);
        if self.position < shift {
            // The parameter is the receiver itself.
            return Arg::Open;
        }
        let at = self.position - shift;
        if c.args
            .iter()
            .take(at + 1)
            .any(|a| matches!(a.kind, ExprKind::Spread(..)))
        {
            return Arg::Open;
        }
        match c.args.get(at) {
            Some(a) => classify(a, scope, fixed),
            // A call that leaves out a required parameter is another function of the same name.
            None if !self.has_default => Arg::Neutral,
            None if self.default_constant => Arg::Constant,
            None => Arg::Open,
        }
    }
}

/// `fixed`: names of the body that only ever hold constants (see [`loop_constants`]).
fn classify<'m>(
    e: &'m Expr<'_>,
    scope: Option<walk::Scope<'m, '_>>,
    fixed: &HashSet<&str>,
) -> Arg<'m> {
    if is_constant(e) || matches!(&e.kind, ExprKind::Name(n) if fixed.contains(n)) {
        return Arg::Constant;
    }
    if let ExprKind::Name(n) = &e.kind
        && let Some(s) = scope
        && let Some(p) = s
            .function
            .params
            .iter()
            .find(|p| p.name == *n && p.kind == ParamKind::Normal)
    {
        return Arg::Forwarded(p.name);
    }
    Arg::Open
}

/// Names a body binds only as the target of `for` loops over constant containers (`for table in ["a", "b"]:`,
/// a migration's usual shape): every value they take is in the source. A name also bound any other way
/// (assigned, a parameter, another loop, a `with … as`, an `except … as`) is not one of them.
fn loop_constants<'m>(body: &'m [Stmt<'_>]) -> HashSet<&'m str> {
    let mut fixed: HashSet<&str> = HashSet::new();
    let mut other: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&'m Stmt<'_>> = body.iter().collect();
    let name = |e: &Expr<'m>| match &e.kind {
        ExprKind::Name(n) => Some(*n),
        _ => None,
    };
    while let Some(st) = stack.pop() {
        match &st.kind {
            StmtKind::Loop(l) => {
                if let Some(t) = &l.target {
                    match (name(t), &l.iter) {
                        (Some(n), Some(it)) if is_constant(it) => {
                            fixed.insert(n);
                        }
                        (Some(n), _) => {
                            other.insert(n);
                        }
                        // A tuple target (`for a, b in …`): its names are not followed.
                        (None, _) => walk::names_in(t, &mut |n| {
                            other.insert(n);
                        }),
                    }
                }
                stack.extend(l.body.iter().chain(&l.else_));
            }
            StmtKind::Assign(a) => {
                for t in &a.targets {
                    walk::names_in(t, &mut |n| {
                        other.insert(n);
                    });
                }
                stack.extend(a.else_.iter());
            }
            StmtKind::AugAssign(a) => walk::names_in(&a.target, &mut |n| {
                other.insert(n);
            }),
            StmtKind::If(i) => stack.extend(i.then.iter().chain(&i.else_)),
            StmtKind::Match(m) => stack.extend(m.arms.iter().flat_map(|a| &a.body)),
            StmtKind::Try(t) => {
                for h in &t.handlers {
                    other.extend(h.name);
                    stack.extend(h.body.iter());
                }
                stack.extend(t.body.iter().chain(&t.else_).chain(&t.finally));
            }
            StmtKind::With(w) => {
                for item in &w.items {
                    if let Some(t) = &item.target {
                        walk::names_in(t, &mut |n| {
                            other.insert(n);
                        });
                    }
                }
                stack.extend(w.body.iter());
            }
            _ => {}
        }
    }
    fixed.retain(|n| !other.contains(n));
    fixed
}

/// A value fixed in the source: a literal, a string built from literals, a container of constants, or a name
/// spelled as a constant (`WEEKLY`, `settings.REPORT_DIR`, `Kind::Daily`).
fn is_constant(e: &Expr<'_>) -> bool {
    let mut stack = vec![e];
    let mut seen = 0;
    while let Some(e) = stack.pop() {
        seen += 1;
        if seen > 256 {
            return false;
        }
        match &e.kind {
            ExprKind::Lit(_) => {}
            ExprKind::StrBuild(b) => stack.extend(b.parts.iter()),
            ExprKind::Container(c) => stack.extend(c.items.iter()),
            ExprKind::Unary(x) => stack.push(x),
            ExprKind::BinOp(b) => {
                stack.push(&b.left);
                stack.push(&b.right);
            }
            ExprKind::Name(n) if is_constant_name(n) => {}
            ExprKind::Attr(a) if is_constant_name(a.name) => {}
            ExprKind::Path(p)
                if p.len() >= 2
                    && p.last()
                        .is_some_and(|l| is_constant_name(l) || is_variant(l)) => {}
            // `"x".to_string()`, `String::from("x")`, `"x".into()`.
            ExprKind::Call(c) if is_conversion(c) => {
                if let ExprKind::Attr(a) = &c.callee.kind {
                    stack.push(&a.base);
                }
                stack.extend(c.args.iter());
            }
            _ => return false,
        }
    }
    true
}

/// `WEEKLY`, `MAX_ROWS`: a module-level constant by convention.
fn is_constant_name(n: &str) -> bool {
    n.chars().any(|c| c.is_ascii_uppercase())
        && n.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `Daily` in `Kind::Daily`: a Rust enum variant or associated constant.
fn is_variant(n: &str) -> bool {
    n.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// Conversions that keep a constant constant.
fn is_conversion(c: &ir::Call<'_>) -> bool {
    const METHODS: &[&str] = &["to_string", "to_owned", "into", "as_str", "clone", "as_ref"];
    match &c.callee.kind {
        ExprKind::Attr(a) => c.args.is_empty() && METHODS.contains(&a.name),
        ExprKind::Path(p) => {
            matches!(p.as_slice(), [t, "from" | "new"] if matches!(*t, "String" | "PathBuf" | "Path" | "OsString"))
        }
        _ => false,
    }
}
