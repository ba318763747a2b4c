//! Function summaries: what a function does with its parameters, computed once and applied at every call.
//!
//! A helper is walked with each parameter as a labelled source ([`SourceKind::Param`], its index and the
//! function's node id as `scope`). Two things come out:
//! - the labels that reach its `return` ([`Summary::ret`]): which arguments flow into the result, through which
//!   sanitizers, and the sources the function reads itself (`self.request.args.get(name)`);
//! - the sinks its parameters reach ([`Summary::sinks`]), inside the function or further down, with the steps
//!   from the parameter to the sink.
//!
//! At a call, an argument's taint that is live for a parameter's sink is reported **at the call**, the flow
//! continuing into the callee to the sink: the call is what the diff changed, and the message names both. A
//! caller's own parameter passed on becomes a sink of the caller's summary, so wrappers of wrappers compose.
//! The callee may be in another module of the project (`python::Py::foreign`, `rust::Rs::foreign`); its steps
//! then carry its path. Modules are walked for their summaries once per scan, all their functions at once, and
//! kept frozen ([`Frozen`], no `Rc`) in [`SharedSummaries`] for every thread, keyed by the levels left so that
//! a result never depends on which file asked first.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use secreview_rules::data::SourceKind;

use tree_sitter::Node;

use secreview_syntax::ParsedFile;

use super::{Arg, Core, Label, Mask, SinkHit, Step, Tables, Taint, shown_text};
use crate::project::Project;

/// What a function does with its parameters.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// What reaches the function's `return`.
    pub ret: Taint,
    /// Sinks its parameters reach.
    pub sinks: Vec<ParamSink>,
    /// Parameter names in order (`self` / `cls` included), to map keyword arguments.
    pub params: Vec<String>,
    /// Returns a parameter untouched on one path and leaves by another `return` or a `raise`: the shape of a
    /// validator (`if not safe(u): raise …; return u`), whose checks may be ones the walker cannot read.
    pub validator: bool,
}

/// A sink that the value of one parameter reaches.
#[derive(Debug)]
pub(crate) struct ParamSink {
    pub param: u16,
    pub class: usize,
    /// Classes the value was sanitized for on the way.
    pub sanitized: Mask,
    pub via_call: bool,
    /// The sink gets an attribute of the parameter (`session["id"] = user.id`), not the parameter itself.
    pub field: bool,
    /// From the parameter to the sink, the sink last.
    pub flow: Rc<Step>,
    /// The sink as a message names it: `os.system() in app/util.py:12`.
    pub sink: String,
}

impl ParamSink {
    /// The sink part of a parameter's hit in the walked function (`path`: its file, `None` for the scanned one).
    pub fn from_hit(h: &SinkHit, path: Option<&Rc<str>>) -> Option<ParamSink> {
        let param = h.label.param?;
        let mut steps = chain_of(h.label.flow.as_deref());
        let (note, sink) = match &h.sink {
            // Already a call into a deeper function: keep its steps, the sink stays the deepest one.
            Some(sink) => (
                format!("passed to {} as {}", h.callee, h.position),
                sink.clone(),
            ),
            None => (
                format!("reaches {} {}", h.callee, h.position),
                match path {
                    Some(p) => format!("{} in {p}:{}", h.callee, h.start.0),
                    None => format!("{} (line {})", h.callee, h.start.0),
                },
            ),
        };
        steps.push(StepData {
            path: path.cloned(),
            start: h.start,
            end: h.end,
            note,
        });
        steps.extend(chain_of(h.tail.as_deref()));
        Some(ParamSink {
            param,
            class: h.class,
            sanitized: h.label.sanitized,
            via_call: h.label.via_call,
            field: h.label.field,
            flow: link(steps)?,
            sink,
        })
    }

    /// The steps inside the callee, the first one renamed for the call (`parameter `cmd` of run()`).
    pub fn tail(&self, callee: &str) -> Option<Rc<Step>> {
        let mut steps = chain_of(Some(&self.flow));
        if let Some(first) = steps.first_mut()
            && let Some(name) = first.note.split('`').nth(1)
        {
            first.note = format!("parameter `{name}` of {callee}");
        }
        link(steps)
    }
}

/// One step, unlinked.
struct StepData {
    path: Option<Rc<str>>,
    start: (u32, u32),
    end: (u32, u32),
    note: String,
}

/// The steps of a chain, oldest first.
fn chain_of(mut cur: Option<&Step>) -> Vec<StepData> {
    let mut out = Vec::new();
    while let Some(s) = cur {
        out.push(StepData {
            path: s.path.clone(),
            start: s.start,
            end: s.end,
            note: s.note.clone(),
        });
        cur = s.prev.as_deref();
    }
    out.reverse();
    out
}

/// Links steps (oldest first) into a chain; `None` when there are none.
fn link(steps: Vec<StepData>) -> Option<Rc<Step>> {
    let mut prev: Option<Rc<Step>> = None;
    for (i, s) in steps.into_iter().enumerate() {
        prev = Some(Rc::new(Step {
            path: s.path,
            start: s.start,
            end: s.end,
            note: s.note,
            prev,
            len: u16::try_from(i + 1).unwrap_or(u16::MAX),
        }));
    }
    prev
}

/// The parameter sinks a walk recorded for the function with node id `scope`.
pub(crate) fn sinks_of(hits: &[SinkHit], scope: usize, path: Option<&Rc<str>>) -> Vec<ParamSink> {
    hits.iter()
        .filter(|h| h.label.kind == SourceKind::Param && h.label.scope == scope)
        .filter_map(|h| ParamSink::from_hit(h, path))
        .collect()
}

/// The argument a call passes for parameter `i` of a function with parameters `params` (`offset`: 1 when the
/// receiver is the first parameter).
fn arg_for<'b, 't>(
    args: &'b [Arg<'t>],
    params: &[String],
    i: usize,
    offset: usize,
) -> Option<&'b Arg<'t>> {
    let name = params.get(i).map(String::as_str);
    i.checked_sub(offset)
        .and_then(|pi| args.iter().filter(|a| a.name.is_none()).nth(pi))
        .or_else(|| {
            args.iter()
                .find(|a| a.name.is_some() && a.name.as_deref() == name)
        })
}

/// Applies a summary at a call: reports the arguments that reach the callee's sinks (at the call) and
/// returns the taint of the result. `offset`: 1 when the receiver is the first parameter.
pub(crate) fn apply(
    core: &mut Core<'_>,
    n: Node<'_>,
    callee: &str,
    summary: &Summary,
    args: &[Arg<'_>],
    offset: usize,
) -> Taint {
    let all = core.t.all;
    let (start, end) = core.pos(n);
    let shown = format!("{callee}()");
    for ps in &summary.sinks {
        let bit: Mask = 1 << ps.class;
        if core.active & bit == 0 {
            continue;
        }
        let Some(a) = arg_for(args, &summary.params, usize::from(ps.param), offset) else {
            continue;
        };
        let mut t = a.val.taint.clone().sanitized(ps.sanitized, all);
        if ps.via_call {
            t = t.via_call();
        }
        let Some(l) = t.live(bit) else { continue };
        // `f` reads `user.id` off its parameter, and the caller's `user` is tainted only in another attribute
        // (`user.website = form["w"]`), is an object built from request data (`Users(name=name)`), or one a
        // call returned for it (an unknown call, or a query builder, which sanitizes for SQL:
        // `Users.query.filter_by(name=name).first()`): its `id` is not the request's.
        if ps.field && (l.partial || l.via_call || l.sanitized != 0 || a.val.ty.is_some()) {
            continue;
        }
        let position = match &a.name {
            Some(k) => format!("`{k}=`"),
            None => format!("argument {}", usize::from(ps.param).saturating_sub(offset)),
        };
        let what = shown_text(core.text(a.node));
        let hit = SinkHit {
            class: ps.class,
            start_byte: n.start_byte(),
            start,
            end,
            label: l.clone(),
            callee: shown.clone(),
            position,
            what,
            tail: ps.tail(&shown),
            sink: Some(ps.sink.clone()),
            related: None,
        };
        // A parameter passed on is this function's summary, not a finding: the sink's own walk reports
        // parameter flows where they end, once.
        if hit.label.kind == SourceKind::Param {
            core.keep_param_sink(&hit);
        } else {
            core.push_hit(hit);
        }
    }
    let mut out = Taint::default();
    let note = format!("returned by {shown} (line {})", start.0);
    let path = core.path.clone();
    for l in summary.ret.labels() {
        match l.param {
            Some(i) if l.kind == SourceKind::Param => {
                if let Some(a) = arg_for(args, &summary.params, usize::from(i), offset) {
                    let mut t = a.val.taint.clone().sanitized(l.sanitized, all);
                    // A validator hands its argument back only after checks the walker may not read
                    // (`validate_url(u)` raising on private hosts, `get_next_path(u)` falling back to
                    // "./"): the result keeps the confidence of an unknown call.
                    if l.via_call || summary.validator {
                        t = t.via_call();
                    }
                    out.join(&t.step_in(path.as_ref(), start, end, &note));
                }
            }
            _ => {
                let t = Taint(vec![l.clone()]);
                out.join(&t.step_in(path.as_ref(), start, end, &note));
            }
        }
    }
    out
}

/// Every function summary of one module, walked with a given number of module levels left to follow, in a
/// form that can be shared between the scan's threads.
#[derive(Debug, Default)]
pub(crate) struct ModuleSummaries {
    /// By qualified name: `run`, `Billing.charge`.
    pub funcs: HashMap<String, Frozen>,
    /// Top-level class names (a call constructs an instance).
    pub classes: HashSet<String>,
}

/// A [`Summary`] without `Rc`s.
#[derive(Debug)]
pub(crate) struct Frozen {
    ret: Vec<FrozenLabel>,
    sinks: Vec<FrozenSink>,
    params: Vec<String>,
    validator: bool,
}

#[derive(Debug)]
struct FrozenLabel {
    kind: SourceKind,
    param: Option<u16>,
    sanitized: Mask,
    via_call: bool,
    partial: bool,
    field: bool,
    origin: String,
    flow: Vec<FrozenStep>,
}

#[derive(Debug)]
struct FrozenSink {
    param: u16,
    class: usize,
    sanitized: Mask,
    via_call: bool,
    field: bool,
    flow: Vec<FrozenStep>,
    sink: String,
}

#[derive(Debug)]
struct FrozenStep {
    path: Option<String>,
    start: (u32, u32),
    end: (u32, u32),
    note: String,
}

fn freeze_steps(chain: Option<&Step>) -> Vec<FrozenStep> {
    chain_of(chain)
        .into_iter()
        .map(|s| FrozenStep {
            path: s.path.map(|p| p.to_string()),
            start: s.start,
            end: s.end,
            note: s.note,
        })
        .collect()
}

fn thaw_steps(steps: &[FrozenStep], paths: &mut PathCache) -> Option<Rc<Step>> {
    link(
        steps
            .iter()
            .map(|s| StepData {
                path: s.path.as_deref().map(|p| paths.get(p)),
                start: s.start,
                end: s.end,
                note: s.note.clone(),
            })
            .collect(),
    )
}

/// One `Rc<str>` per path while thawing.
#[derive(Default)]
struct PathCache(HashMap<String, Rc<str>>);

impl PathCache {
    fn get(&mut self, p: &str) -> Rc<str> {
        Rc::clone(self.0.entry(p.to_owned()).or_insert_with(|| Rc::from(p)))
    }
}

impl Frozen {
    pub fn freeze(s: &Summary) -> Frozen {
        Frozen {
            ret: s
                .ret
                .labels()
                .iter()
                .map(|l| FrozenLabel {
                    kind: l.kind,
                    param: l.param,
                    sanitized: l.sanitized,
                    via_call: l.via_call,
                    partial: l.partial,
                    field: l.field,
                    origin: l.origin.to_string(),
                    flow: freeze_steps(l.flow.as_deref()),
                })
                .collect(),
            sinks: s
                .sinks
                .iter()
                .map(|k| FrozenSink {
                    param: k.param,
                    class: k.class,
                    sanitized: k.sanitized,
                    via_call: k.via_call,
                    field: k.field,
                    flow: freeze_steps(Some(&k.flow)),
                    sink: k.sink.clone(),
                })
                .collect(),
            params: s.params.clone(),
            validator: s.validator,
        }
    }

    pub fn thaw(&self) -> Summary {
        let mut paths = PathCache::default();
        let mut ret = Taint::default();
        for l in &self.ret {
            ret.add(Label {
                kind: l.kind,
                param: l.param,
                scope: 0,
                partial: l.partial,
                field: l.field,
                sanitized: l.sanitized,
                via_call: l.via_call,
                origin: Rc::from(l.origin.as_str()),
                flow: thaw_steps(&l.flow, &mut paths),
            });
        }
        let sinks = self
            .sinks
            .iter()
            .filter_map(|k| {
                Some(ParamSink {
                    param: k.param,
                    class: k.class,
                    sanitized: k.sanitized,
                    via_call: k.via_call,
                    field: k.field,
                    flow: thaw_steps(&k.flow, &mut paths)?,
                    sink: k.sink.clone(),
                })
            })
            .collect();
        Summary {
            ret,
            sinks,
            params: self.params.clone(),
            validator: self.validator,
        }
    }
}

/// Module summaries of one scan, shared by its threads: keyed by (module path, levels left, sink classes
/// wanted). The levels are part of the key so that a summary never depends on who asked first: a module
/// walked with `n` levels left follows its calls into modules walked with `n - 1`.
#[derive(Default)]
pub(crate) struct SharedSummaries(Mutex<HashMap<(String, u8, Mask), Arc<ModuleSummaries>>>);

impl SharedSummaries {
    pub fn get(&self, key: &(String, u8, Mask)) -> Option<Arc<ModuleSummaries>> {
        self.0.lock().ok()?.get(key).cloned()
    }

    pub fn len(&self) -> usize {
        self.0.lock().map_or(0, |m| m.len())
    }

    /// Keeps `m` unless another thread computed the same module first (the two are equal).
    pub fn keep(&self, key: (String, u8, Mask), m: ModuleSummaries) -> Arc<ModuleSummaries> {
        let m = Arc::new(m);
        match self.0.lock() {
            Ok(mut map) => Arc::clone(map.entry(key).or_insert(m)),
            Err(_) => m,
        }
    }
}

/// Stack for walking a module for its summaries: each level is a walk of its own, nested in the caller's.
const MODULE_STACK: usize = 16 << 20;

/// A language's module walk for summaries: (project, shared cache, tables, sink classes wanted, the module and its
/// path, levels left).
pub(crate) type Summarise =
    fn(&Project, &SharedSummaries, &Tables, Mask, (&ParsedFile, &str), u8) -> ModuleSummaries;

/// The summaries of module `path` walked with `levels` left: from the scan's shared cache, or computed now by
/// `summarise`.
pub(crate) fn module_summaries(
    across: &Across<'_>,
    (t, active): (&Tables, Mask),
    path: &str,
    levels: u8,
    summarise: Summarise,
) -> Option<Arc<ModuleSummaries>> {
    let key = (path.to_owned(), levels, active);
    if let Some(m) = across.shared.get(&key) {
        return Some(m);
    }
    let (project, shared) = (across.project, across.shared);
    // A thread of its own: the walk nests in the caller's (which may be deep in an expression already), and
    // its own calls nest further; a fresh stack keeps every level's bound independent of who asked.
    let m = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(MODULE_STACK)
            .spawn_scoped(scope, || {
                project.with_parsed(path, |parsed| {
                    summarise(project, shared, t, active, (parsed, path), levels)
                })
            })
            .ok()?
            .join()
            .ok()?
    })?;
    Some(shared.keep(key, m))
}

/// What one scanned file's walk knows of the modules it calls into.
pub(crate) struct Across<'a> {
    pub project: &'a Project,
    pub shared: &'a SharedSummaries,
    /// Thawed summaries, by (module path, qualified name, levels left).
    thawed: RefCell<HashMap<(String, String, u8), Rc<Summary>>>,
}

impl<'a> Across<'a> {
    pub fn new(project: &'a Project, shared: &'a SharedSummaries) -> Self {
        Across {
            project,
            shared,
            thawed: RefCell::default(),
        }
    }

    /// The summary of `qual` in `m` (walked with `levels` left), thawed once per scanned file.
    pub fn summary(
        &self,
        m: &ModuleSummaries,
        path: &str,
        qual: &str,
        levels: u8,
    ) -> Option<Rc<Summary>> {
        let key = (path.to_owned(), qual.to_owned(), levels);
        if let Some(s) = self.thawed.borrow().get(&key) {
            return Some(Rc::clone(s));
        }
        let s = Rc::new(m.funcs.get(qual)?.thaw());
        self.thawed.borrow_mut().insert(key, Rc::clone(&s));
        Some(s)
    }
}
