//! The Python walker: statements in source order, expressions recursively, one [`Env`] per function.
//! Past [`MAX_NESTING`] it switches to [`Py::flat`], one iterative pass (see there).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use secreview_model::LineSet;
use secreview_rules::data::SourceKind;
use secreview_syntax::{ParsedFile, named_children, walk};
use tree_sitter::Node;

use super::summary::{self, Across, Frozen, ModuleSummaries, SharedSummaries, Summary};
use super::{
    Arg, COMMAND_LINE_KEY, CallSite, Callee, Const, Core, Env, Fields, GuardOperand,
    MAX_CONFIGURED, MAX_CONFIGURED_TEXT, MAX_FOLD_DEPTH, MAX_NESTING, MAX_PREFIX_SEGMENTS, Mask,
    Tables, Taint, Val, WORK_BASE, WORK_PER_BYTE, intersect, is_flag, join_env, last_segment,
    squash,
};
use crate::project::Project;

mod shapes;

/// Deepest chain of helper summaries computed while another function is being analysed.
const MAX_DEPTH: usize = 4;
/// Longest expression text constant folding looks at.
const MAX_FOLD_BYTES: usize = 512;
/// Content types in a returned tuple's headers that make the body something other than HTML.
const NON_HTML_TYPES: &[&str] = &["text/plain", "json", "text/csv", "octet-stream"];
/// How many modules deep a scanned file's calls are followed into the project: route → service → repository
/// → the helper with the sink.
const MODULE_LEVELS: u8 = 3;
/// Marks a [`Val::ty`] naming a project class as `@<module path>:<Class>` (not a dotted library type).
const PROJECT_TYPE: &str = "@";
/// Longest callee text resolved into the project (generated chains are not worth a lookup).
const MAX_CALLEE_BYTES: usize = 256;
/// Loops nested deeper than this get one pass instead of two.
const MAX_LOOP_PASSES_DEPTH: usize = 3;

pub(super) fn analyse<'c, 'a>(
    core: &'c mut Core<'a>,
    added: &LineSet,
    across: Option<(&'c Across<'a>, &'a str)>,
) {
    let parsed = core.parsed;
    let root = parsed.tree.root_node();
    let mut w = Py::new(core, across, MODULE_LEVELS);
    let mut defs = Vec::new();
    w.index(root, &mut defs);
    w.index_shapes(root);
    w.core.off.clone_from(&w.ix.off);
    // Module-level code (scripts: `sys.argv` → `os.system`).
    w.block(root);
    w.env.clear();
    for def in defs {
        let (s, e) = (
            def.start_position().row as u32 + 1,
            def.end_position().row as u32 + 1,
        );
        if added.intersects(s, e) {
            w.function(def);
        }
    }
}

/// What a walk knows about its module before walking a function: built once per module, and shared by every
/// summary of a module read for calls into it.
#[derive(Default)]
struct FileIndex<'t> {
    /// Local name → dotted module path (`np` → `numpy`, `system` → `os.system`).
    imports: HashMap<String, String>,
    /// Module-level functions by name.
    funcs: HashMap<String, Node<'t>>,
    /// Methods by name (`None` when several classes define it).
    methods: HashMap<String, Option<Node<'t>>>,
    /// Method node id → its class's node id, and each class's methods (for instance attributes).
    class_of: HashMap<usize, usize>,
    class_methods: HashMap<usize, Vec<Node<'t>>>,
    /// Module-level names assigned a literal exactly once.
    module_consts: HashMap<String, Option<Const>>,
    /// Per sink of the table: off in this module (see [`Py::sinks_off`]).
    off: Vec<bool>,
}

struct Py<'c, 'a, 't> {
    core: &'c mut Core<'a>,
    /// The module's imports, functions and constants.
    ix: Rc<FileIndex<'t>>,
    /// Function node id → its summary.
    summaries: HashMap<usize, Rc<Summary>>,
    in_progress: HashSet<usize>,
    env: Env,
    ret: Taint,
    /// Parameters that are the request object under another name (`req: Request`).
    aliases: Vec<String>,
    depth: usize,
    loop_depth: usize,
    /// Current recursion nesting, bounded by [`MAX_NESTING`].
    nest: usize,
    /// Environment entries copied so far, and how many the file may copy (see [`WORK_BASE`]).
    work: usize,
    budget: usize,
    /// The function being walked is a request handler whose return value is a `returns` sink.
    view_returns: bool,
    /// Variables holding `urlparse(u)` / `urlsplit(u)` → the path of `u`, so `parsed.netloc` checks `u`.
    parsed_urls: HashMap<String, String>,
    /// The project around the file and the file's path in it, for calls into other modules.
    across: Option<(&'c Across<'a>, &'a str)>,
    /// How many more modules deep calls are followed (see [`MODULE_LEVELS`]).
    levels: u8,
    /// The function being walked returns one of its parameters untouched, and how many `return` / `raise`
    /// statements it has: both together make it a validator (see [`Summary::validator`]).
    returns_param: bool,
    exits: u32,
    /// Module tables and enumerations (see `shapes`).
    shapes: shapes::Facts,
    /// Environments at the `break` / `continue` statements of the innermost loop being walked.
    loop_exits: Vec<Env>,
    /// Per class node id: the `self.x` attributes its methods set from a source (see [`Py::instance_attrs`]).
    instance_attrs: HashMap<usize, Rc<Vec<(String, Val)>>>,
    /// While a class's attributes are collected: what the walked methods left in `self.x`.
    collecting: Option<Vec<(String, Val)>>,
}

impl<'c, 'a: 't, 't> Py<'c, 'a, 't> {
    /// A walker over `core`'s file; `levels`: how many modules deep calls into other modules are followed.
    fn new(core: &'c mut Core<'a>, across: Option<(&'c Across<'a>, &'a str)>, levels: u8) -> Self {
        let budget = WORK_BASE + WORK_PER_BYTE * core.parsed.text.len();
        Py {
            core,
            ix: Rc::default(),
            summaries: HashMap::new(),
            in_progress: HashSet::new(),
            env: Env::new(),
            ret: Taint::default(),
            aliases: Vec::new(),
            depth: 0,
            levels,
            loop_depth: 0,
            nest: 0,
            work: 0,
            budget,
            view_returns: false,
            parsed_urls: HashMap::new(),
            across,
            returns_param: false,
            exits: 0,
            shapes: shapes::Facts::default(),
            loop_exits: Vec::new(),
            instance_attrs: HashMap::new(),
            collecting: None,
        }
    }

    fn text(&self, n: Node<'_>) -> &'a str {
        self.core.text(n)
    }

    /// A copy of the environment for a branch, charged to the file's budget (with the join that follows it).
    fn snapshot(&mut self) -> Env {
        self.work += 2 * self.env.len();
        self.env.clone()
    }

    /// Past the nesting limit or the work budget, code goes to the flat pass.
    fn go_flat(&self) -> bool {
        self.nest >= MAX_NESTING || self.work > self.budget
    }

    // --------------------------------------------------------------------------------------------------------------
    // File index: imports, functions, module constants
    // --------------------------------------------------------------------------------------------------------------

    /// Indexes the module (`self.ix`) and lists its function definitions in `defs`.
    fn index(&mut self, root: Node<'t>, defs: &mut Vec<Node<'t>>) {
        let mut ix = FileIndex::default();
        for child in named_children(root) {
            if child.kind() == "expression_statement"
                && let Some(a) = child.named_child(0)
                && a.kind() == "assignment"
                && let (Some(l), Some(r)) = (
                    a.child_by_field_name("left"),
                    a.child_by_field_name("right"),
                )
                && l.kind() == "identifier"
            {
                let k = self.literal(r);
                let name = self.text(l).to_owned();
                match ix.module_consts.get_mut(&name) {
                    Some(v) => *v = None,
                    None => {
                        ix.module_consts.insert(name, k);
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(root, &mut |n| {
            match n.kind() {
                "import_statement" | "import_from_statement" | "function_definition" => {
                    found.push(n);
                }
                _ => {}
            }
            true
        });
        for n in found {
            match n.kind() {
                "import_statement" => self.import(&mut ix, n, None),
                "import_from_statement" => {
                    let module = n
                        .child_by_field_name("module_name")
                        .map(|m| self.text(m).to_owned());
                    self.import(&mut ix, n, module.as_deref());
                }
                _ => {
                    defs.push(n);
                    let Some(name) = n
                        .child_by_field_name("name")
                        .map(|x| self.text(x).to_owned())
                    else {
                        continue;
                    };
                    let parent = n.parent();
                    let parent = match parent {
                        Some(p) if p.kind() == "decorated_definition" => p.parent(),
                        p => p,
                    };
                    match parent.map(|p| p.kind()) {
                        Some("module") => {
                            ix.funcs.entry(name).or_insert(n);
                        }
                        Some("block")
                            if parent
                                .and_then(|p| p.parent())
                                .is_some_and(|c| c.kind() == "class_definition") =>
                        {
                            ix.methods
                                .entry(name)
                                .and_modify(|e| *e = None)
                                .or_insert(Some(n));
                            if let Some(class) = parent.and_then(|p| p.parent()) {
                                ix.class_of.insert(n.id(), class.id());
                                ix.class_methods.entry(class.id()).or_default().push(n);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        self.ix = Rc::new(ix);
        let off = self.sinks_off();
        if let Some(ix) = Rc::get_mut(&mut self.ix) {
            ix.off = off;
        }
    }

    fn import(&self, ix: &mut FileIndex<'t>, n: Node<'t>, module: Option<&str>) {
        for c in named_children(n) {
            if n.child_by_field_name("module_name") == Some(c) {
                continue;
            }
            let (path, alias) = match c.kind() {
                "dotted_name" => {
                    let p = self.text(c).to_owned();
                    let head = p.split('.').next().unwrap_or(&p).to_owned();
                    if module.is_some() {
                        let last = last_segment(&p).to_owned();
                        (p, last)
                    } else {
                        (head.clone(), head)
                    }
                }
                "aliased_import" => {
                    let (Some(name), Some(alias)) = (
                        c.child_by_field_name("name"),
                        c.child_by_field_name("alias"),
                    ) else {
                        continue;
                    };
                    (self.text(name).to_owned(), self.text(alias).to_owned())
                }
                _ => continue,
            };
            // A relative import keeps its dots (`.services.Billing`): the project resolves it from this module.
            let full = match module {
                Some(m) if m.ends_with('.') => format!("{m}{path}"),
                Some(m) => format!("{m}.{path}"),
                None => path,
            };
            ix.imports.insert(alias, full);
        }
    }

    /// Per sink: off because none of its `when_import` modules is imported by this file.
    fn sinks_off(&self) -> Vec<bool> {
        let imported = |m: &str| {
            self.ix.imports.values().any(|full| {
                full == m || (full.starts_with(m) && full.as_bytes().get(m.len()) == Some(&b'.'))
            })
        };
        self.core
            .t
            .sinks
            .iter()
            .map(|s| !s.when_import.is_empty() && !s.when_import.iter().any(|m| imported(m)))
            .collect()
    }

    fn resolve(&self, raw: &str) -> String {
        let (head, rest) = raw.split_once('.').map_or((raw, ""), |(h, r)| (h, r));
        match self.ix.imports.get(head) {
            Some(full) if rest.is_empty() => full.clone(),
            Some(full) => format!("{full}.{rest}"),
            None => raw.to_owned(),
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Functions
    // --------------------------------------------------------------------------------------------------------------

    /// Analyses a function once (recording its sinks) and returns its summary; `None` while it is on the stack.
    fn function(&mut self, def: Node<'t>) -> Option<Rc<Summary>> {
        let id = def.id();
        if let Some(s) = self.summaries.get(&id) {
            return Some(Rc::clone(s));
        }
        if self.in_progress.contains(&id) || self.depth > MAX_DEPTH {
            return None;
        }
        self.in_progress.insert(id);
        let saved = (
            std::mem::take(&mut self.env),
            std::mem::take(&mut self.ret),
            std::mem::take(&mut self.aliases),
            self.loop_depth,
            self.view_returns,
            std::mem::take(&mut self.parsed_urls),
        );
        let saved_shape = (
            std::mem::take(&mut self.returns_param),
            std::mem::take(&mut self.exits),
        );
        self.depth += 1;
        self.loop_depth = 0;
        self.view_returns = self.is_handler(def) && self.has_return_sink();
        self.params(def);
        self.seed_instance_attrs(def);
        if let Some(body) = def.child_by_field_name("body") {
            self.block(body);
        }
        // Only the class's own methods (walked at depth 1 of the collection), not what they call: another
        // class's `self` is another object.
        if self.depth == 1
            && let Some(out) = &mut self.collecting
        {
            out.extend(
                self.env
                    .iter()
                    .filter(|(k, v)| k.starts_with("self.") && carries_source(v))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        let ret = std::mem::take(&mut self.ret);
        (
            self.env,
            self.ret,
            self.aliases,
            self.loop_depth,
            self.view_returns,
            self.parsed_urls,
        ) = saved;
        self.depth -= 1;
        self.in_progress.remove(&id);
        let validator = self.returns_param && self.exits >= 2;
        (self.returns_param, self.exits) = saved_shape;
        let summary = Rc::new(Summary {
            validator,
            ret,
            sinks: summary::sinks_of(&self.core.param_sinks, id, self.core.path.as_ref()),
            params: self.param_list(def).into_iter().map(|p| p.1).collect(),
        });
        self.summaries.insert(id, Rc::clone(&summary));
        Some(summary)
    }

    /// Starts a method with what the class's other methods store in `self.x` from request or local data
    /// (`self.query = request.GET["q"]` in `get`, read in `build_sql`): the object carries it between them.
    fn seed_instance_attrs(&mut self, def: Node<'t>) {
        let Some(&class) = self.ix.class_of.get(&def.id()) else {
            return;
        };
        let first = self.param_list(def).into_iter().next();
        if first.is_none_or(|(_, name, _, _)| name != "self") {
            return;
        }
        for (path, v) in self.instance_attrs(class).iter() {
            self.env.entry(path.clone()).or_insert_with(|| v.clone());
        }
    }

    /// The `self.x` attributes that some method of the class sets from a source, walking each method that
    /// assigns an attribute of `self` once. Parameters' flows are left out: a parameter of one method says
    /// nothing in another. Collected walks seed nothing and their summaries are dropped, so the result does not
    /// depend on which method asked first.
    fn instance_attrs(&mut self, class: usize) -> Rc<Vec<(String, Val)>> {
        if let Some(found) = self.instance_attrs.get(&class) {
            return Rc::clone(found);
        }
        if self.collecting.is_some() {
            return Rc::default();
        }
        let setters: Vec<Node<'t>> = self
            .ix
            .class_methods
            .get(&class)
            .map(|ms| {
                ms.iter()
                    .copied()
                    .filter(|m| self.assigns_self_attr(*m))
                    .take(MAX_ATTR_SETTERS)
                    .collect()
            })
            .unwrap_or_default();
        let mut merged: Vec<(String, Val)> = Vec::new();
        if !setters.is_empty() {
            // From a clean slate: a method being walked must not be skipped as in progress.
            let saved = (
                std::mem::take(&mut self.summaries),
                std::mem::take(&mut self.in_progress),
                std::mem::take(&mut self.depth),
            );
            self.collecting = Some(Vec::new());
            for m in setters {
                self.function(m);
            }
            let found = self.collecting.take().unwrap_or_default();
            (self.summaries, self.in_progress, self.depth) = saved;
            for (path, mut v) in found {
                v.taint.0.retain(|l| l.kind != SourceKind::Param);
                match merged.iter_mut().find(|(p, _)| *p == path) {
                    Some((_, e)) => e.taint.join(&v.taint),
                    None => merged.push((path, v)),
                }
            }
        }
        let merged = Rc::new(merged);
        self.instance_attrs.insert(class, Rc::clone(&merged));
        merged
    }

    /// Whether the method's own body (not a nested function's) assigns `self.<attr> = …`.
    fn assigns_self_attr(&self, def: Node<'t>) -> bool {
        let Some(body) = def.child_by_field_name("body") else {
            return false;
        };
        let mut found = false;
        walk(body, &mut |n| {
            if found
                || matches!(
                    n.kind(),
                    "function_definition" | "lambda" | "class_definition"
                )
            {
                return false;
            }
            if n.kind() == "assignment"
                && let Some(l) = n.child_by_field_name("left")
                && l.kind() == "attribute"
                && l.child_by_field_name("object")
                    .is_some_and(|o| o.kind() == "identifier" && self.text(o) == "self")
            {
                found = true;
            }
            true
        });
        found
    }

    fn has_return_sink(&self) -> bool {
        let off = &self.core.off;
        self.core
            .t
            .sinks
            .iter()
            .enumerate()
            .any(|(i, s)| s.returns && !off.get(i).copied().unwrap_or(false))
    }

    /// A view's returned body: the first element of `return body, status, headers`; nothing for a dict or list
    /// (serialised as JSON) or when the headers set a non-HTML content type.
    fn check_view_return(&mut self, stmt: Node<'t>, value: Node<'t>, v: &Val) {
        let mut body = value;
        let mut taint = v.taint.clone();
        if matches!(value.kind(), "expression_list" | "tuple") {
            let Some(first) = value.named_child(0) else {
                return;
            };
            let rest = &self.text(value)[first.end_byte() - value.start_byte()..];
            if NON_HTML_TYPES.iter().any(|t| rest.contains(t)) {
                return;
            }
            body = first;
            taint = v.element(Some("0"));
        }
        let body = match body.kind() {
            "parenthesized_expression" => body.named_child(0).unwrap_or(body),
            _ => body,
        };
        if matches!(
            body.kind(),
            "dictionary" | "list" | "dictionary_comprehension" | "list_comprehension"
        ) {
            return;
        }
        if body.kind() == "identifier"
            && self
                .env
                .get(self.text(body))
                .is_some_and(|b| b.fields.is_some())
        {
            return;
        }
        self.core.check_return(stmt, body, &taint);
    }

    /// The right operand of a binary operator. For `"%s?next=%s" % (url, target)`, the operands formatted past
    /// the template's first `?` or `#` are in the query or fragment: they cannot change where the URL points.
    fn percent_operands(&mut self, op: Node<'t>, left: &Val, right: Node<'t>) -> Val {
        let template = match &left.konst {
            Some(Const::Str(t))
                if right.kind() == "tuple"
                    && op
                        .child_by_field_name("operator")
                        .is_some_and(|o| self.text(o) == "%") =>
            {
                t.clone()
            }
            _ => return self.eval(right),
        };
        let Some(cut) = template.find(['?', '#']) else {
            return self.eval(right);
        };
        let before =
            template[..cut].matches('%').count() - 2 * template[..cut].matches("%%").count();
        let mut taint = Taint::default();
        for (i, c) in named_children(right).enumerate() {
            let mut part = self.eval(c).taint;
            if i >= before {
                part.sanitize(self.core.t.origin_mask, self.core.t.all);
            }
            taint.join(&part);
        }
        Val::tainted(taint)
    }

    /// A function named as private to its module or class (`_helper`, not a dunder).
    fn is_private(&self, def: Node<'t>) -> bool {
        def.child_by_field_name("name")
            .map(|n| self.text(n))
            .is_some_and(|n| n.starts_with('_') && !n.starts_with("__"))
    }

    /// `__init__`, `__call__`: a special method is called by Python on the code's behalf, never routed.
    fn is_dunder(&self, def: Node<'t>) -> bool {
        def.child_by_field_name("name")
            .map(|n| self.text(n))
            .is_some_and(|n| n.starts_with("__") && n.ends_with("__"))
    }

    fn is_handler(&self, def: Node<'t>) -> bool {
        let Some(p) = def.parent().filter(|p| p.kind() == "decorated_definition") else {
            return false;
        };
        named_children(p)
            .filter(|d| d.kind() == "decorator")
            .any(|d| {
                let Some(e) = d.named_child(0) else {
                    return false;
                };
                let f = if e.kind() == "call" {
                    e.child_by_field_name("function")
                } else {
                    Some(e)
                };
                f.filter(|f| f.kind() == "attribute")
                    .and_then(|f| f.child_by_field_name("attribute"))
                    .is_some_and(|a| {
                        self.core
                            .t
                            .handler_markers
                            .iter()
                            .any(|m| m == self.text(a))
                    })
            })
    }

    /// The parameters of a function: name, type text, default node.
    fn param_list(
        &self,
        def: Node<'t>,
    ) -> Vec<(Node<'t>, String, Option<String>, Option<Node<'t>>)> {
        let Some(ps) = def.child_by_field_name("parameters") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in named_children(ps) {
            let (name, ty, default) = match p.kind() {
                "identifier" => (Some(p), None, None),
                "typed_parameter" => (
                    named_children(p)
                        .find(|c| c.kind() == "identifier" || c.kind().ends_with("splat_pattern")),
                    p.child_by_field_name("type"),
                    None,
                ),
                "default_parameter" | "typed_default_parameter" => (
                    p.child_by_field_name("name"),
                    p.child_by_field_name("type"),
                    p.child_by_field_name("value"),
                ),
                "list_splat_pattern" | "dictionary_splat_pattern" => (p.named_child(0), None, None),
                _ => continue,
            };
            let Some(mut name) = name else { continue };
            if name.kind().ends_with("splat_pattern")
                && let Some(inner) = name.named_child(0)
            {
                name = inner;
            }
            out.push((
                name,
                self.text(name).to_owned(),
                ty.map(|t| self.text(t).to_owned()),
                default,
            ));
        }
        out
    }

    /// Parameters a handler's route binds through a clean converter (`<int:item_id>` → `item_id`).
    fn converted_params(&self, def: Node<'t>) -> Vec<&'a str> {
        let Some(p) = def.parent().filter(|p| p.kind() == "decorated_definition") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for d in named_children(p).filter(|d| d.kind() == "decorator") {
            let Some(args) = d
                .named_child(0)
                .filter(|e| e.kind() == "call")
                .and_then(|e| e.child_by_field_name("arguments"))
            else {
                continue;
            };
            let Some(route) = args.named_child(0).filter(|a| a.kind() == "string") else {
                continue;
            };
            let mut rest = self.text(route);
            while let Some((_, after)) = rest.split_once('<') {
                let Some((inside, tail)) = after.split_once('>') else {
                    break;
                };
                if let Some((conv, name)) = inside.split_once(':')
                    && self.core.t.clean_route_converters.iter().any(|c| c == conv)
                {
                    out.push(name);
                }
                rest = tail;
            }
        }
        out
    }

    fn params(&mut self, def: Node<'t>) {
        let t = self.core.t;
        let handler = self.is_handler(def);
        let converted = if handler {
            self.converted_params(def)
        } else {
            Vec::new()
        };
        let mut django = false;
        for (i, (node, name, ty, default)) in self.param_list(def).into_iter().enumerate() {
            if i == 0 && (name == "self" || name == "cls") {
                continue;
            }
            let default_text = default.map_or("", |d| self.text(d));
            let ty_text = ty.as_deref().unwrap_or("");
            let mentions = |names: &[String], text: &str| {
                names.iter().any(|n| text.contains(&format!("{n}(")))
            };
            if mentions(&t.dependency_defaults, default_text)
                || mentions(&t.dependency_defaults, ty_text)
                || self.core.injected.iter().any(|a| a == ty_text.trim())
            {
                continue;
            }
            let core_ty = strip_optional(ty_text);
            let is_request_obj = t.request_types.iter().any(|r| r == last_segment(core_ty))
                || (!django && ty.is_none() && t.request_param_names.contains(&name));
            if is_request_obj {
                if name != "request" {
                    self.aliases.push(name.clone());
                }
                // A private helper (`_handle_action(self, request, action)`) takes `request` from the view that
                // calls it, and a constructor (`__init__(self, panel, request, form)`) from the code that builds
                // it: their other parameters are what the caller passes, not URL captures.
                django = (t.request_param_names.contains(&name)
                    && !self.is_private(def)
                    && !self.is_dunder(def))
                    || django;
                continue;
            }
            // A member of one of the module's enumerations (`kind: ImageKind`) is one of its fixed values:
            // FastAPI and pydantic refuse anything else.
            if (!core_ty.is_empty()
                && (t.is_clean_type(core_ty) || self.shapes.enums.contains(last_segment(core_ty))))
                || converted.contains(&name.as_str())
            {
                continue;
            }
            let by_default = t.param_defaults.iter().find(|(k, _)| {
                default_text.starts_with(&format!("{k}(")) || ty_text.contains(&format!("{k}("))
            });
            let by_type = t.param_types.get(last_segment(core_ty));
            let (kind, origin, idx) = if let Some((_, s)) = by_default {
                (s.kind, format!("request parameter `{name}`"), None)
            } else if let Some(s) = by_type {
                (s.kind, format!("request parameter `{name}`"), None)
            } else if (handler || django) && self.core.path.is_none() {
                // A module walked for its summaries is called, not routed to: `safe_referrer(request,
                // default)` gets `default` from its caller, so it stays a parameter there.
                (
                    SourceKind::Request,
                    format!("route parameter `{name}`"),
                    None,
                )
            } else {
                (
                    SourceKind::Param,
                    format!("parameter `{name}`"),
                    u16::try_from(i).ok(),
                )
            };
            let mut taint = self.core.source(node, kind, idx, &origin);
            for l in &mut taint.0 {
                l.scope = def.id();
            }
            self.env.insert(name, Val::tainted(taint));
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Statements
    // --------------------------------------------------------------------------------------------------------------

    /// Runs a block; true when it cannot complete normally (return, raise, continue, break, `abort()`).
    fn block(&mut self, n: Node<'t>) -> bool {
        if self.go_flat() {
            self.flat(n);
            return false;
        }
        self.nest += 1;
        let mut term = false;
        for s in named_children(n) {
            // The budget can run out half-way through a block: the rest of it is walked flat.
            if self.go_flat() {
                self.flat(s);
            } else if self.stmt(s) {
                term = true;
                break;
            }
        }
        self.nest -= 1;
        term
    }

    fn stmt(&mut self, n: Node<'t>) -> bool {
        match n.kind() {
            "expression_statement" => {
                let mut term = false;
                for c in named_children(n) {
                    term |= self.expr_stmt(c);
                }
                term
            }
            "return_statement" => {
                self.exits += 1;
                if let Some(e) = n.named_child(0) {
                    let v = self.eval(e);
                    if self.view_returns {
                        self.check_view_return(n, e, &v);
                    }
                    // `return url`: the parameter itself, its flow still only its source step.
                    if e.kind() == "identifier"
                        && v.taint.labels().iter().any(|l| {
                            l.kind == SourceKind::Param
                                && l.flow.as_ref().is_some_and(|f| f.len == 1)
                        })
                    {
                        self.returns_param = true;
                    }
                    self.ret.join(&v.taint);
                }
                true
            }
            "raise_statement" => {
                self.exits += 1;
                for c in named_children(n) {
                    self.eval(c);
                }
                true
            }
            "continue_statement" | "break_statement" => {
                self.exit_loop_here();
                true
            }
            "if_statement" => self.if_stmt(n),
            "for_statement" => self.for_stmt(n),
            "while_statement" => self.while_stmt(n),
            "try_statement" => self.try_stmt(n),
            "with_statement" => self.with_stmt(n),
            "match_statement" => self.match_stmt(n),
            "assert_statement" => {
                if let Some(c) = n.named_child(0) {
                    self.eval(c);
                    self.apply_guards(c, true);
                }
                false
            }
            "delete_statement" => {
                for c in named_children(n) {
                    if c.kind() == "identifier" {
                        self.env.remove(self.text(c));
                    }
                }
                false
            }
            "block" => self.block(n),
            "function_definition"
            | "class_definition"
            | "decorated_definition"
            | "import_statement"
            | "import_from_statement"
            | "future_import_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "pass_statement"
            | "comment" => false,
            _ => {
                for c in named_children(n) {
                    self.eval(c);
                }
                false
            }
        }
    }

    fn expr_stmt(&mut self, c: Node<'t>) -> bool {
        match c.kind() {
            "assignment" => {
                self.assign(c);
                false
            }
            "augmented_assignment" => {
                let (Some(l), Some(r)) = (
                    c.child_by_field_name("left"),
                    c.child_by_field_name("right"),
                ) else {
                    return false;
                };
                let old = self.eval(l);
                let new = self.eval(r);
                let op = c
                    .child_by_field_name("operator")
                    .map_or("", |o| self.text(o));
                let konst = match (&old.konst, &new.konst) {
                    (Some(a), Some(b)) => Const::arith(op.trim_end_matches('='), a, b),
                    _ => None,
                };
                let v = Val {
                    taint: old.taint.joined(&new.taint),
                    konst,
                    ..Val::default()
                };
                self.bind(l, v, c);
                false
            }
            _ => {
                let term = c.kind() == "call" && self.is_terminator(c);
                self.eval(c);
                term
            }
        }
    }

    fn is_terminator(&self, call: Node<'t>) -> bool {
        let Some(f) = call.child_by_field_name("function") else {
            return false;
        };
        let callee = self.callee_of(f, None);
        self.core.t.terminators.any(&callee)
    }

    fn assign(&mut self, n: Node<'t>) -> Val {
        let Some(l) = n.child_by_field_name("left") else {
            return Val::default();
        };
        let Some(r) = n.child_by_field_name("right") else {
            return Val::default();
        };
        let mut v = if r.kind() == "assignment" {
            self.assign(r)
        } else {
            self.eval(r)
        };
        if let Some(ty) = n.child_by_field_name("type")
            && self.core.t.is_clean_type(strip_optional(self.text(ty)))
        {
            v = Val {
                konst: v.konst,
                ..Val::default()
            };
        }
        self.bind(l, v.clone(), n);
        if l.kind() == "identifier" {
            let name = self.text(l).to_owned();
            match self.url_parse_operand(r) {
                Some(p) => {
                    self.parsed_urls.insert(name, p);
                }
                None => {
                    self.parsed_urls.remove(&name);
                }
            }
        }
        v
    }

    /// `u` of `urlparse(u)` / `urlsplit(u)`.
    fn url_parse_operand(&self, call: Node<'t>) -> Option<String> {
        if call.kind() != "call" {
            return None;
        }
        let f = self.text(call.child_by_field_name("function")?);
        if !matches!(last_segment(f), "urlparse" | "urlsplit" | "parse_url") {
            return None;
        }
        let arg = named_children(call.child_by_field_name("arguments")?).next()?;
        self.guard_path(arg)
    }

    /// Binds an assignment target to a value.
    fn bind(&mut self, target: Node<'t>, v: Val, stmt: Node<'t>) {
        if self.go_flat() {
            self.bind_flat(target, &v.taint, stmt);
            return;
        }
        self.nest += 1;
        self.bind_nested(target, v, stmt);
        self.nest -= 1;
    }

    fn bind_nested(&mut self, target: Node<'t>, v: Val, stmt: Node<'t>) {
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_owned();
                let note = format!("assigned to `{name}`");
                let taint = self.core.step(target, &v.taint, &note);
                let prefix = format!("{name}.");
                // Scans the environment: charged like a snapshot, or 10,000 assignments would be quadratic.
                self.work += self.env.len();
                self.env.retain(|k, _| !k.starts_with(&prefix));
                let mut v = v;
                v.taint = taint;
                if let Some(f) = &mut v.fields {
                    // The element taints keep their flow; the assignment step is on the whole value.
                    let _ = f;
                }
                self.env.insert(name, v);
            }
            "attribute" => {
                let Some(path) = self.dotted(target) else {
                    if let Some(o) = target.child_by_field_name("object") {
                        self.eval(o);
                    }
                    return;
                };
                let note = format!("assigned to `{path}`");
                let taint = self.core.step(target, &v.taint, &note);
                if let Some((base, _)) = path.split_once('.')
                    && base != "self"
                    && let Some(b) = self.env.get_mut(base)
                {
                    b.taint.join(&taint.clone().partial());
                }
                let mut v = v;
                v.taint = taint;
                self.env.insert(path, v);
            }
            "subscript" => {
                let Some(obj) = target.child_by_field_name("value") else {
                    return;
                };
                let key = target
                    .child_by_field_name("subscript")
                    .and_then(|k| {
                        self.eval(k);
                        self.konst(k)
                    })
                    .map(|k| k.key());
                if let Some(raw) = self.dotted(obj) {
                    let callee = Callee {
                        full: self.resolve(&raw),
                        last: last_segment(&raw).to_owned(),
                        raw,
                        typed: None,
                        bare: false,
                    };
                    let value_node = stmt.child_by_field_name("right").unwrap_or(stmt);
                    if self.core.check_store(stmt, &callee, value_node, &v.taint) {
                        self.check_store_key(stmt, &callee, target);
                        return;
                    }
                }
                let Some(path) = self.dotted(obj) else {
                    self.eval(obj);
                    return;
                };
                let note = format!("stored in `{path}[…]`");
                let taint = self.core.step(target, &v.taint, &note);
                let var = self.env.entry(path).or_default();
                match (&mut var.fields, key) {
                    (Some(f), Some(k)) => {
                        if let Some(len) = f.len
                            && k.parse::<usize>().map_or(true, |i| i >= len)
                        {
                            f.len = None;
                        }
                        f.map.insert(k, taint);
                    }
                    (Some(f), None) => {
                        f.rest.join(&taint);
                        f.len = None;
                    }
                    (None, _) => var.taint.join(&taint),
                }
                var.recompute();
                var.konst = None;
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
            | "expression_list" => {
                let mut i = 0usize;
                for el in named_children(target) {
                    if el.kind() == "list_splat_pattern" || el.kind() == "list_splat" {
                        if let Some(inner) = el.named_child(0) {
                            self.bind(inner, Val::tainted(v.taint.clone()), stmt);
                        }
                        i += 1;
                        continue;
                    }
                    let key = i.to_string();
                    let ev = Val::tainted(v.element(Some(&key)));
                    self.bind(el, ev, stmt);
                    i += 1;
                }
            }
            "list_splat_pattern" | "parenthesized_expression" | "as_pattern_target" => {
                if let Some(inner) = target.named_child(0) {
                    self.bind(inner, v, stmt);
                }
            }
            _ => {}
        }
    }

    fn if_stmt(&mut self, n: Node<'t>) -> bool {
        let Some(cond) = n.child_by_field_name("condition") else {
            return false;
        };
        let Some(cons) = n.child_by_field_name("consequence") else {
            return false;
        };
        let mut alts = Vec::new();
        let mut cursor = n.walk();
        for (i, c) in n.children(&mut cursor).enumerate() {
            if n.field_name_for_child(i as u32) == Some("alternative") {
                alts.push(c);
            }
        }
        self.eval(cond);
        self.if_chain(cond, cons, &alts)
    }

    /// An `if` and its `elif`/`else` clauses, walked as a loop (a chain of 10,000 `elif`s must not recurse):
    /// each undecided condition leaves its branch's environment to be merged, innermost first, at the end.
    fn if_chain(&mut self, cond: Node<'t>, cons: Node<'t>, alts: &[Node<'t>]) -> bool {
        let mut open: Vec<(Env, bool)> = Vec::new();
        let (mut cond, mut cons, mut alts) = (cond, cons, alts);
        let mut term = loop {
            match self.konst(cond).map(|k| k.truthy()) {
                Some(true) => {
                    self.apply_guards(cond, true);
                    break self.block(cons);
                }
                Some(false) => self.apply_guards(cond, false),
                None => {
                    let pre = self.snapshot();
                    self.apply_guards(cond, true);
                    let t1 = self.block(cons);
                    let env1 = std::mem::replace(&mut self.env, pre);
                    self.apply_guards(cond, false);
                    open.push((env1, t1));
                }
            }
            let Some(a) = alts.first() else { break false };
            if a.kind() != "elif_clause" {
                break a.child_by_field_name("body").is_some_and(|b| self.block(b));
            }
            let (Some(c), Some(b)) = (
                a.child_by_field_name("condition"),
                a.child_by_field_name("consequence"),
            ) else {
                break false;
            };
            self.eval(c);
            (cond, cons, alts) = (c, b, &alts[1..]);
        };
        while let Some((env1, t1)) = open.pop() {
            term = self.merge(env1, t1, term);
        }
        term
    }

    /// Joins the environment of a first branch (`env1`, terminated `t1`) with the current one (terminated `t2`).
    fn merge(&mut self, env1: Env, t1: bool, t2: bool) -> bool {
        match (t1, t2) {
            (true, true) => true,
            (true, false) => false,
            (false, true) => {
                self.env = env1;
                false
            }
            (false, false) => {
                self.env = join_env(&env1, &self.env);
                false
            }
        }
    }

    fn passes(&self) -> usize {
        if self.loop_depth > MAX_LOOP_PASSES_DEPTH {
            1
        } else {
            2
        }
    }

    fn for_stmt(&mut self, n: Node<'t>) -> bool {
        let (Some(left), Some(right), Some(body)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
            n.child_by_field_name("body"),
        ) else {
            return false;
        };
        let it = self.eval(right);
        let elem = Val::tainted(self.core.step(left, &it.taint, "iterated"));
        let elem = Val {
            fields: None,
            ..elem
        };
        let elem = Val::tainted(elem.taint);
        let outer = std::mem::take(&mut self.loop_exits);
        self.loop_depth += 1;
        for _ in 0..self.passes() {
            let pre = self.snapshot();
            self.bind_loop_target(left, &elem, n);
            let term = self.block(body);
            self.env = if term { pre } else { join_env(&pre, &self.env) };
        }
        self.loop_depth -= 1;
        if let Some(alt) = n.child_by_field_name("alternative")
            && let Some(b) = alt.child_by_field_name("body")
        {
            self.block(b);
        }
        self.join_loop_exits(outer);
        false
    }

    /// A `break` / `continue`: what the loop body knows here reaches the code after the loop (a search loop's
    /// `param = name; break`), so it is kept for [`Self::join_loop_exits`] rather than dropped with the branch.
    fn exit_loop_here(&mut self) {
        if self.loop_depth > 0 {
            let env = self.snapshot();
            self.loop_exits.push(env);
        }
    }

    /// After a loop: joins the environments of its `break`s and `continue`s, and restores the enclosing loop's.
    fn join_loop_exits(&mut self, outer: Vec<Env>) {
        for e in std::mem::replace(&mut self.loop_exits, outer) {
            self.env = join_env(&self.env, &e);
        }
    }

    fn bind_loop_target(&mut self, left: Node<'t>, elem: &Val, stmt: Node<'t>) {
        if self.go_flat() {
            self.bind_flat(left, &elem.taint, stmt);
            return;
        }
        self.nest += 1;
        self.bind_loop_target_nested(left, elem, stmt);
        self.nest -= 1;
    }

    fn bind_loop_target_nested(&mut self, left: Node<'t>, elem: &Val, stmt: Node<'t>) {
        match left.kind() {
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                for el in named_children(left) {
                    self.bind_loop_target(el, elem, stmt);
                }
            }
            _ => self.bind(left, elem.clone(), stmt),
        }
    }

    fn while_stmt(&mut self, n: Node<'t>) -> bool {
        let (Some(cond), Some(body)) = (
            n.child_by_field_name("condition"),
            n.child_by_field_name("body"),
        ) else {
            return false;
        };
        self.eval(cond);
        if self.konst(cond).is_some_and(|k| !k.truthy()) {
            return false;
        }
        let outer = std::mem::take(&mut self.loop_exits);
        self.loop_depth += 1;
        for _ in 0..self.passes() {
            let pre = self.snapshot();
            self.apply_guards(cond, true);
            let term = self.block(body);
            self.env = if term { pre } else { join_env(&pre, &self.env) };
            self.eval(cond);
        }
        self.loop_depth -= 1;
        self.join_loop_exits(outer);
        false
    }

    fn try_stmt(&mut self, n: Node<'t>) -> bool {
        let pre = self.snapshot();
        let t_body = n.child_by_field_name("body").is_some_and(|b| self.block(b));
        let body_env = self.snapshot();
        let mut outs: Vec<(Env, bool)> = Vec::new();
        let mut finally = None;
        let mut normal = (body_env.clone(), t_body);
        for c in named_children(n) {
            match c.kind() {
                "except_clause" | "except_group_clause" => {
                    self.env = join_env(&pre, &body_env);
                    let t = named_children(c)
                        .filter(|b| b.kind() == "block")
                        .last()
                        .is_some_and(|b| self.block(b));
                    outs.push((std::mem::take(&mut self.env), t));
                }
                "else_clause" if !t_body => {
                    self.work += body_env.len();
                    self.env.clone_from(&body_env);
                    let t = c.child_by_field_name("body").is_some_and(|b| self.block(b));
                    normal = (std::mem::take(&mut self.env), t);
                }
                "finally_clause" => finally = Some(c),
                _ => {}
            }
        }
        outs.insert(0, normal);
        let mut env: Option<Env> = None;
        for (e, t) in outs {
            if t {
                continue;
            }
            env = Some(match env {
                Some(acc) => join_env(&acc, &e),
                None => e,
            });
        }
        let mut term = env.is_none();
        self.env = env.unwrap_or(pre);
        if let Some(f) = finally
            && let Some(b) = named_children(f).find(|b| b.kind() == "block")
        {
            term |= self.block(b);
        }
        term
    }

    fn with_stmt(&mut self, n: Node<'t>) -> bool {
        for clause in named_children(n).filter(|c| c.kind() == "with_clause") {
            for item in named_children(clause).filter(|c| c.kind() == "with_item") {
                let Some(value) = item.child_by_field_name("value") else {
                    continue;
                };
                if value.kind() == "as_pattern" {
                    let Some(expr) = value.named_child(0) else {
                        continue;
                    };
                    let v = self.eval(expr);
                    if let Some(alias) = value.child_by_field_name("alias") {
                        self.bind(alias, v, item);
                    }
                } else {
                    self.eval(value);
                }
            }
        }
        n.child_by_field_name("body").is_some_and(|b| self.block(b))
    }

    fn match_stmt(&mut self, n: Node<'t>) -> bool {
        if let Some(s) = n.child_by_field_name("subject") {
            self.eval(s);
        }
        match self.constant_case(n) {
            Some(shapes::CaseChoice::Case(case)) => {
                return case
                    .child_by_field_name("consequence")
                    .is_some_and(|b| self.block(b));
            }
            Some(shapes::CaseChoice::None) => return false,
            None => {}
        }
        let pre = self.snapshot();
        let mut acc = pre.clone();
        let Some(body) = n.child_by_field_name("body") else {
            return false;
        };
        for case in named_children(body).filter(|c| c.kind() == "case_clause") {
            self.work += pre.len();
            self.env.clone_from(&pre);
            let t = case
                .child_by_field_name("consequence")
                .is_some_and(|b| self.block(b));
            if !t {
                acc = join_env(&acc, &self.env);
            }
        }
        self.env = acc;
        false
    }

    // --------------------------------------------------------------------------------------------------------------
    // Guards: facts a condition establishes about its operands
    // --------------------------------------------------------------------------------------------------------------

    fn apply_guards(&mut self, cond: Node<'t>, positive: bool) {
        let mut facts = Vec::new();
        self.guards(cond, positive, &mut facts);
        let all = self.core.t.all;
        for (path, mask) in facts {
            if let Some(v) = self.env.get_mut(&path) {
                v.taint.sanitize(mask, all);
                if let Some(f) = &mut v.fields {
                    for t in f.map.values_mut() {
                        t.sanitize(mask, all);
                    }
                    f.rest.sanitize(mask, all);
                }
            }
        }
    }

    /// Facts `cond` establishes when it is `positive`; past [`MAX_NESTING`] or the budget none (nothing is
    /// sanitized).
    fn guards(&mut self, cond: Node<'t>, positive: bool, out: &mut Vec<(String, Mask)>) {
        if self.go_flat() {
            return;
        }
        self.nest += 1;
        self.guards_nested(cond, positive, out);
        self.nest -= 1;
    }

    fn guards_nested(&mut self, cond: Node<'t>, positive: bool, out: &mut Vec<(String, Mask)>) {
        let all = self.core.t.all;
        match cond.kind() {
            "parenthesized_expression" => {
                if let Some(c) = cond.named_child(0) {
                    self.guards(c, positive, out);
                }
            }
            "not_operator" => {
                if let Some(c) = cond.child_by_field_name("argument") {
                    self.guards(c, !positive, out);
                }
            }
            "boolean_operator" => {
                let op = cond
                    .child_by_field_name("operator")
                    .map_or("", |o| self.text(o));
                let (Some(l), Some(r)) = (
                    cond.child_by_field_name("left"),
                    cond.child_by_field_name("right"),
                ) else {
                    return;
                };
                self.quoted_literal_facts(cond, positive, out);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                self.guards(l, positive, &mut a);
                self.guards(r, positive, &mut b);
                if (op == "and" && positive) || (op == "or" && !positive) {
                    out.extend(a);
                    out.extend(b);
                } else {
                    // `x == "a" or x == "b"`: what both sides establish.
                    out.extend(intersect(&a, &b));
                }
            }
            "comparison_operator" => {
                let ops: Vec<Node<'t>> = named_children(cond).collect();
                let Some(op) = cond.child_by_field_name("operators") else {
                    return;
                };
                if ops.len() != 2 {
                    return;
                }
                let op = self
                    .text(op)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let (l, r) = (ops[0], ops[1]);
                // `urlparse(u).netloc == host` and friends: a same-host check on `u`.
                for side in [l, r] {
                    if let Some(p) = self.host_check_operand(side) {
                        let holds = matches!(op.as_str(), "==" | "in" | "is");
                        let negated = matches!(op.as_str(), "!=" | "not in" | "is not");
                        if (holds && positive) || (negated && !positive) {
                            let mask = ["redirect", "ssrf", "internal_url"]
                                .iter()
                                .filter_map(|c| self.core.t.class_bit(c))
                                .fold(0, |a, b| a | b);
                            out.push((p, mask));
                        }
                        return;
                    }
                }
                if self.containment_facts(l, r, &op, positive, out) {
                    return;
                }
                // `if "'" in x: return` — past it, `x` has no quote.
                if matches!(op.as_str(), "in" | "not in")
                    && (op == "in") != positive
                    && let Some(Const::Str(text)) = self.literal(l)
                    && let Some(p) = self.guard_path(r)
                {
                    let m = self.core.t.absent_mask(&text);
                    if m != 0 {
                        out.push((p, m));
                    }
                    return;
                }
                let holds = match op.as_str() {
                    "in" | "==" => positive,
                    "not in" | "!=" => !positive,
                    _ => return,
                };
                if !holds {
                    return;
                }
                if op.ends_with("in") {
                    if self.is_allow_list(r)
                        && let Some(p) = self.guard_path(l)
                    {
                        out.push((p, all));
                    }
                } else {
                    for (var, other) in [(l, r), (r, l)] {
                        if self.literal(other).is_some_and(|k| k != Const::None)
                            && let Some(p) = self.guard_path(var)
                        {
                            out.push((p, all));
                        }
                    }
                }
            }
            "call" if positive => {
                let Some(f) = cond.child_by_field_name("function") else {
                    return;
                };
                let callee = self.callee_of(f, None);
                if self.core.void_guards.contains(&callee.last) {
                    return;
                }
                let guards: Vec<(GuardOperand, Mask)> =
                    self.core.t.guards.find(&callee).copied().collect();
                for (operand, mask) in guards {
                    let node = match operand {
                        GuardOperand::Receiver => (f.kind() == "attribute")
                            .then(|| f.child_by_field_name("object"))
                            .flatten(),
                        GuardOperand::Arg(i) => {
                            cond.child_by_field_name("arguments").and_then(|a| {
                                named_children(a)
                                    .filter(|c| c.kind() != "keyword_argument")
                                    .nth(i)
                                    // Checked by keyword, in order (`url_has_allowed_host_and_scheme(url=u,
                                    // allowed_hosts=…)`): the checked value comes first there too.
                                    .or_else(|| {
                                        named_children(a)
                                            .filter(|c| c.kind() == "keyword_argument")
                                            .nth(i)
                                            .and_then(|k| k.child_by_field_name("value"))
                                    })
                            })
                        }
                    };
                    if let Some(p) = node.and_then(|n| self.guard_path(n)) {
                        out.push((p, mask));
                    }
                }
            }
            "call" => self.false_guard_facts(cond, out),
            _ => {}
        }
    }

    /// `urlparse(u).netloc`, `urlsplit(u).hostname` → `u`.
    fn host_check_operand(&self, n: Node<'t>) -> Option<String> {
        if n.kind() != "attribute" {
            return None;
        }
        let attr = self.text(n.child_by_field_name("attribute")?);
        if !matches!(attr, "netloc" | "hostname" | "host") {
            return None;
        }
        let obj = n.child_by_field_name("object")?;
        if obj.kind() == "call" {
            let f = self.text(obj.child_by_field_name("function")?);
            if !matches!(
                last_segment(f),
                "urlparse" | "urlsplit" | "URL" | "urllib3.util.parse_url" | "parse_url"
            ) {
                return None;
            }
            let arg = named_children(obj.child_by_field_name("arguments")?).next()?;
            return self.guard_path(arg);
        }
        // `parsed.netloc` where `parsed = urlparse(u)`.
        if obj.kind() == "identifier" {
            return self.parsed_urls.get(self.text(obj)).cloned();
        }
        None
    }

    /// A collection the check compares against: literal constants, or a value that carries no taint and is not a
    /// string (`x in "abc"` is a substring test, not an allow-list).
    fn is_allow_list(&mut self, n: Node<'t>) -> bool {
        if matches!(n.kind(), "string" | "concatenated_string") {
            return false;
        }
        let v = self.eval(n);
        v.taint.is_clean() && !matches!(v.konst, Some(Const::Str(_)))
    }

    /// The variable a check is about: `x`, `self.x`, or the root of `x.lower().strip()`.
    fn guard_path(&self, n: Node<'t>) -> Option<String> {
        let mut n = n;
        loop {
            n = match n.kind() {
                "identifier" | "attribute" => return self.dotted(n),
                "parenthesized_expression" => n.named_child(0)?,
                "call" => {
                    let f = n.child_by_field_name("function")?;
                    if f.kind() == "attribute" {
                        f.child_by_field_name("object")?
                    } else if self.core.t.propagators.any(&self.callee_of(f, None)) {
                        named_children(n.child_by_field_name("arguments")?).next()?
                    } else {
                        return None;
                    }
                }
                _ => return None,
            };
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Expressions
    // --------------------------------------------------------------------------------------------------------------

    /// `a.b.c` for identifier/attribute chains, in one pass down the chain.
    fn dotted(&self, n: Node<'t>) -> Option<String> {
        let mut attrs = Vec::new();
        let mut cur = n;
        while cur.kind() == "attribute" {
            attrs.push(self.text(cur.child_by_field_name("attribute")?));
            cur = cur.child_by_field_name("object")?;
        }
        if cur.kind() != "identifier" {
            return None;
        }
        let mut path = self.text(cur).to_owned();
        for a in attrs.iter().rev() {
            path.push('.');
            path.push_str(a);
        }
        Some(path)
    }

    /// The expression under an attribute chain: `x` for `x.a.b`, the call for `f().a.b`.
    fn chain_bottom(n: Node<'t>) -> Node<'t> {
        let mut cur = n;
        while cur.kind() == "attribute" {
            match cur.child_by_field_name("object") {
                Some(o) => cur = o,
                None => break,
            }
        }
        cur
    }

    /// A source attribute path (`request.args`, `sys.argv`) that `raw` starts with.
    fn attr_source(&self, raw: &str) -> Option<(SourceKind, String)> {
        let raw = raw.strip_prefix("self.").unwrap_or(raw);
        let (head, rest) = raw.split_once('.').map_or((raw, ""), |(h, r)| (h, r));
        let mut candidates = Vec::with_capacity(2);
        let head_sub = if self.aliases.iter().any(|a| a == head) {
            Some("request".to_owned())
        } else if self.env.contains_key(head) {
            None
        } else {
            self.ix
                .imports
                .get(head)
                .map(|full| last_segment(full).to_owned())
        };
        let own = match head_sub {
            Some(h) if rest.is_empty() => h,
            Some(h) => format!("{h}.{rest}"),
            None => raw.to_owned(),
        };
        candidates.push(own);
        if self.ix.imports.contains_key(head) {
            candidates.push(self.resolve(raw));
        }
        for c in &candidates {
            let h = c.split('.').next().unwrap_or(c);
            let Some(list) = self.core.t.attr_sources.get(h) else {
                continue;
            };
            for (attr, spec) in list {
                if c == attr
                    || (c.starts_with(attr.as_str()) && c.as_bytes().get(attr.len()) == Some(&b'.'))
                {
                    return Some((spec.kind, spec.origin.clone()));
                }
            }
        }
        None
    }

    /// A literal constant, looking through any number of unary signs (`---1`) without recursion.
    fn literal(&self, n: Node<'t>) -> Option<Const> {
        let mut negate = false;
        let mut cur = n;
        while cur.kind() == "unary_operator" {
            negate ^= self.text(cur).starts_with('-');
            cur = cur.child_by_field_name("argument")?;
        }
        let k = match cur.kind() {
            "integer" => parse_int(self.text(cur)).map(Const::Int),
            "true" => Some(Const::Bool(true)),
            "false" => Some(Const::Bool(false)),
            "none" => Some(Const::None),
            "string" => self.string_const(cur),
            "concatenated_string" => {
                let mut s = String::new();
                for c in named_children(cur) {
                    match self.string_const(c)? {
                        Const::Str(x) => s.push_str(&x),
                        _ => return None,
                    }
                }
                Some(Const::Str(s))
            }
            _ => None,
        }?;
        match k {
            Const::Int(i) if negate => i.checked_neg().map(Const::Int),
            k => Some(k),
        }
    }

    fn string_const(&self, n: Node<'t>) -> Option<Const> {
        if n.kind() != "string" {
            return None;
        }
        let raw = named_children(n)
            .find(|c| c.kind() == "string_start")
            .is_some_and(|c| self.text(c).contains(['r', 'R']));
        let mut s = String::new();
        for c in named_children(n) {
            match c.kind() {
                "interpolation" => return None,
                "string_content" | "escape_sequence" if raw => s.push_str(self.text(c)),
                "string_content" | "escape_sequence" => s.push_str(&unescape(self.text(c))),
                _ => {}
            }
        }
        Some(Const::Str(s))
    }

    /// Constant folding over literals and variables holding constants.
    fn konst(&self, n: Node<'t>) -> Option<Const> {
        self.fold(n, 0)
    }

    fn fold(&self, n: Node<'t>, depth: usize) -> Option<Const> {
        // Conditions worth folding are short; long ones would make folding quadratic along `+` chains.
        if n.end_byte() - n.start_byte() > MAX_FOLD_BYTES || depth > MAX_FOLD_DEPTH {
            return None;
        }
        let konst = |c: Node<'t>| self.fold(c, depth + 1);
        match n.kind() {
            "identifier" => {
                let name = self.text(n);
                match self.env.get(name) {
                    Some(v) => v.konst.clone(),
                    None => self.ix.module_consts.get(name).cloned().flatten(),
                }
            }
            "parenthesized_expression" => konst(n.named_child(0)?),
            "not_operator" => Some(Const::Bool(
                !konst(n.child_by_field_name("argument")?)?.truthy(),
            )),
            "binary_operator" => {
                let op = self.text(n.child_by_field_name("operator")?);
                let l = konst(n.child_by_field_name("left")?)?;
                let r = konst(n.child_by_field_name("right")?)?;
                Const::arith(op, &l, &r)
            }
            "comparison_operator" => {
                let ops: Vec<Node<'t>> = named_children(n).collect();
                if ops.len() != 2 {
                    return None;
                }
                let op = self.text(n.child_by_field_name("operators")?);
                let op = op.split_whitespace().collect::<Vec<_>>().join(" ");
                let l = konst(ops[0])?;
                let r = konst(ops[1])?;
                Const::compare(&op, &l, &r).map(Const::Bool)
            }
            "boolean_operator" => {
                let op = self.text(n.child_by_field_name("operator")?);
                let l = konst(n.child_by_field_name("left")?)?;
                match (op, l.truthy()) {
                    ("and", false) | ("or", true) => Some(l),
                    _ => konst(n.child_by_field_name("right")?),
                }
            }
            "subscript" => {
                let v = konst(n.child_by_field_name("value")?)?;
                let k = konst(n.child_by_field_name("subscript")?)?;
                match (v, k) {
                    (Const::Str(s), Const::Int(i)) => {
                        let chars: Vec<char> = s.chars().collect();
                        let idx = if i < 0 {
                            i64::try_from(chars.len()).ok()? + i
                        } else {
                            i
                        };
                        chars
                            .get(usize::try_from(idx).ok()?)
                            .map(|c| Const::Str(c.to_string()))
                    }
                    _ => None,
                }
            }
            _ => self.literal(n),
        }
    }

    /// Evaluates an expression; past [`MAX_NESTING`] nested levels it switches to [`Py::flat`], so generated code
    /// with thousands of chained `+` or nested calls cannot exhaust a worker's stack.
    fn eval(&mut self, n: Node<'t>) -> Val {
        if self.go_flat() {
            return Val::tainted(self.flat(n));
        }
        self.nest += 1;
        let v = self.eval_inner(n);
        self.nest -= 1;
        v
    }

    fn eval_inner(&mut self, n: Node<'t>) -> Val {
        match n.kind() {
            "identifier" => {
                let name = self.text(n);
                match self.env.get(name) {
                    Some(v) => v.clone(),
                    None => match self.ix.module_consts.get(name).cloned().flatten() {
                        Some(k) => Val::konst(k),
                        None => self.module_value(name),
                    },
                }
            }
            "integer" | "true" | "false" | "none" => {
                self.literal(n).map(Val::konst).unwrap_or_default()
            }
            "float" | "ellipsis" | "comment" | "lambda" => Val::default(),
            "string" => {
                let mut taint = Taint::default();
                // Past a literal `?` or `#`, an interpolation is in the query or fragment: it cannot change
                // where the URL points (`f"{url}?{query.urlencode()}"`).
                let mut in_query = false;
                for c in named_children(n) {
                    if c.kind() == "string_content" && self.text(c).contains(['?', '#']) {
                        in_query = true;
                    }
                    if c.kind() != "interpolation" {
                        continue;
                    }
                    if let Some(e) = c
                        .child_by_field_name("expression")
                        .or_else(|| c.named_child(0))
                    {
                        let mut part = self.eval(e).taint;
                        if in_query {
                            part.sanitize(self.core.t.origin_mask, self.core.t.all);
                        }
                        taint.join(&part);
                    }
                }
                let prefix = named_children(n)
                    .take_while(|c| c.kind() != "interpolation")
                    .filter(|c| c.kind() == "string_content")
                    .map(|c| self.text(c))
                    .collect::<String>();
                taint.sanitize(self.core.t.prefix_mask(&prefix), self.core.t.all);
                Val {
                    taint,
                    konst: self.string_const(n),
                    ..Val::default()
                }
            }
            "concatenated_string" => {
                let mut taint = Taint::default();
                for c in named_children(n) {
                    taint.join(&self.eval(c).taint);
                }
                Val {
                    taint,
                    konst: self.literal(n),
                    ..Val::default()
                }
            }
            "attribute" => self.attribute(n),
            "subscript" => {
                let Some(obj) = n.child_by_field_name("value") else {
                    return Val::default();
                };
                let v = self.eval(obj);
                let mut key = None;
                let mut taint = Taint::default();
                let mut cursor = n.walk();
                for (i, c) in n.children(&mut cursor).enumerate() {
                    if n.field_name_for_child(i as u32) == Some("subscript") {
                        let kv = self.eval(c);
                        key = if c.kind() == "slice" {
                            None
                        } else {
                            self.konst(c).map(|k| k.key())
                        };
                        // A tainted index selects attacker-chosen data only from tainted containers.
                        let _ = kv;
                    }
                }
                taint.join(&v.element(key.as_deref()));
                Val {
                    taint,
                    konst: self.konst(n),
                    ..Val::default()
                }
            }
            "call" => self.call(n),
            "binary_operator" => {
                let l = n
                    .child_by_field_name("left")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                let r = match n.child_by_field_name("right") {
                    Some(right) => self.percent_operands(n, &l, right),
                    None => Val::default(),
                };
                let mut taint = l.taint.joined(&r.taint);
                if let Some(Const::Str(prefix)) = &l.konst {
                    let percent = n
                        .child_by_field_name("operator")
                        .is_some_and(|o| self.text(o) == "%");
                    let prefix = if percent {
                        prefix.split('%').next().unwrap_or("")
                    } else {
                        prefix
                    };
                    taint.sanitize(self.core.t.prefix_mask(prefix), self.core.t.all);
                }
                Val {
                    taint,
                    konst: self.konst(n),
                    ..Val::default()
                }
            }
            "boolean_operator" => {
                let l = n
                    .child_by_field_name("left")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                let r = n
                    .child_by_field_name("right")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                Val {
                    taint: l.taint.joined(&r.taint),
                    konst: self.konst(n),
                    ..Val::default()
                }
            }
            "comparison_operator" | "not_operator" => {
                for c in named_children(n) {
                    self.eval(c);
                }
                Val {
                    konst: self.konst(n),
                    ..Val::default()
                }
            }
            "unary_operator" => {
                let v = n
                    .child_by_field_name("argument")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                Val {
                    taint: v.taint,
                    konst: self.literal(n),
                    ..Val::default()
                }
            }
            "conditional_expression" => {
                let parts: Vec<Node<'t>> = named_children(n).collect();
                if parts.len() != 3 {
                    return self.union_children(n);
                }
                let (a, c, b) = (parts[0], parts[1], parts[2]);
                self.eval(c);
                match self.konst(c).map(|k| k.truthy()) {
                    Some(true) => self.eval(a),
                    Some(false) => self.eval(b),
                    None => {
                        let va = self.eval(a);
                        let vb = self.eval(b);
                        Val::tainted(va.taint.joined(&vb.taint))
                    }
                }
            }
            "list" | "tuple" | "set" | "expression_list" | "pattern_list" => {
                let mut items = Vec::new();
                let mut rest = Taint::default();
                let mut exact = true;
                let mut lead = 0;
                for c in named_children(n) {
                    if matches!(c.kind(), "list_splat" | "list_splat_pattern") {
                        rest.join(&self.eval(c).taint);
                        if exact {
                            lead = items.len();
                        }
                        exact = false;
                    } else {
                        let v = self.eval(c);
                        items.push((v.taint, v.konst));
                    }
                }
                if exact {
                    Val::argv(items, self.core.t)
                } else {
                    // The words before the first splat keep their places (`["uv", "run", *args]` runs `uv`);
                    // the splat and everything after it is one word of unknown length.
                    let mut tail = rest;
                    for (t, _) in items.drain(lead..) {
                        tail.join(&t);
                    }
                    items.push((tail.clone(), None));
                    let mut v = Val::argv(items, self.core.t);
                    if let Some(f) = &mut v.fields {
                        f.len = None;
                        f.rest.join(&tail);
                    }
                    v.recompute();
                    v
                }
            }
            "dictionary" => {
                let mut f = Fields::default();
                for c in named_children(n) {
                    match c.kind() {
                        "pair" => {
                            let k = c.child_by_field_name("key");
                            let kv = k.map(|k| self.eval(k)).unwrap_or_default();
                            let vv = c
                                .child_by_field_name("value")
                                .map(|v| self.eval(v))
                                .unwrap_or_default();
                            match k.and_then(|k| self.konst(k)) {
                                Some(key) => {
                                    f.map.insert(key.key(), vv.taint);
                                }
                                None => {
                                    f.rest.join(&kv.taint);
                                    f.rest.join(&vv.taint);
                                }
                            }
                        }
                        _ => {
                            let v = self.eval(c);
                            f.rest.join(&v.taint);
                        }
                    }
                }
                let mut v = Val {
                    fields: Some(Box::new(f)),
                    ..Val::default()
                };
                v.recompute();
                v
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => self.comprehension(n),
            "parenthesized_expression"
            | "await"
            | "list_splat"
            | "dictionary_splat"
            | "keyword_argument"
            | "interpolation"
            | "format_expression" => {
                let inner = n
                    .child_by_field_name("value")
                    .or_else(|| n.child_by_field_name("expression"))
                    .or_else(|| named_children(n).last());
                inner.map(|c| self.eval(c)).unwrap_or_default()
            }
            "named_expression" => {
                let v = n
                    .child_by_field_name("value")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                if let Some(name) = n.child_by_field_name("name") {
                    self.bind(name, v.clone(), n);
                }
                v
            }
            _ => self.union_children(n),
        }
    }

    fn union_children(&mut self, n: Node<'t>) -> Val {
        let mut taint = Taint::default();
        for c in named_children(n) {
            taint.join(&self.eval(c).taint);
        }
        Val::tainted(taint)
    }

    fn attribute(&mut self, n: Node<'t>) -> Val {
        if let Some(path) = self.dotted(n) {
            if let Some((kind, origin)) = self.attr_source(&path) {
                return Val::tainted(self.core.source(n, kind, None, &origin));
            }
            if let Some(v) = self.env.get(&path) {
                return v.clone();
            }
        }
        let Some(obj) = n.child_by_field_name("object") else {
            return Val::default();
        };
        let o = self.eval(obj);
        Val::tainted(o.taint.field())
    }

    fn comprehension(&mut self, n: Node<'t>) -> Val {
        let saved = self.snapshot();
        for c in named_children(n) {
            match c.kind() {
                "for_in_clause" => {
                    let it = c
                        .child_by_field_name("right")
                        .map(|r| self.eval(r))
                        .unwrap_or_default();
                    if let Some(l) = c.child_by_field_name("left") {
                        let elem = Val::tainted(it.taint);
                        self.bind_loop_target(l, &elem, c);
                    }
                }
                "if_clause" => {
                    if let Some(cond) = c.named_child(0) {
                        self.eval(cond);
                        self.apply_guards(cond, true);
                    }
                }
                _ => {}
            }
        }
        let body = n
            .child_by_field_name("body")
            .map(|b| self.eval(b))
            .unwrap_or_default();
        self.env = saved;
        Val::tainted(body.taint)
    }

    fn callee_of(&self, f: Node<'t>, recv: Option<&Val>) -> Callee {
        let (raw, last) = match f.kind() {
            "attribute" => {
                let last = f
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a).to_owned())
                    .unwrap_or_default();
                (self.dotted(f).unwrap_or_else(|| format!("?.{last}")), last)
            }
            _ => {
                let raw = self.dotted(f).unwrap_or_else(|| "?".into());
                let last = last_segment(&raw).to_owned();
                (raw, last)
            }
        };
        let full = self.resolve(&raw);
        let typed = recv
            .and_then(|v| v.ty.as_ref())
            .map(|t| format!("{t}.{last}"));
        Callee {
            raw,
            full,
            typed,
            bare: f.kind() == "identifier",
            last,
        }
    }

    fn call(&mut self, n: Node<'t>) -> Val {
        let Some(f) = n.child_by_field_name("function") else {
            return Val::default();
        };
        let t = self.core.t;
        let (recv_node, recv) = if f.kind() == "attribute" {
            let o = f.child_by_field_name("object");
            (o, o.map(|o| self.eval(o)))
        } else {
            if !matches!(f.kind(), "identifier") {
                self.eval(f);
            }
            (None, None)
        };
        let callee = self.callee_of(f, recv.as_ref());
        // Arguments
        let mut args: Vec<Arg<'t>> = Vec::new();
        if let Some(a) = n.child_by_field_name("arguments") {
            if a.kind() == "generator_expression" {
                let v = self.eval(a);
                args.push(Arg {
                    node: a,
                    name: None,
                    val: v,
                });
            } else {
                for c in named_children(a) {
                    match c.kind() {
                        "keyword_argument" => {
                            let name = c
                                .child_by_field_name("name")
                                .map(|x| self.text(x).to_owned());
                            let Some(vn) = c.child_by_field_name("value") else {
                                continue;
                            };
                            let val = self.eval(vn);
                            args.push(Arg {
                                node: vn,
                                name,
                                val,
                            });
                        }
                        "dictionary_splat" => {
                            let val = self.eval(c);
                            args.push(Arg {
                                node: c,
                                name: Some("**".into()),
                                val,
                            });
                        }
                        "comment" => {}
                        _ => {
                            let val = self.eval(c);
                            args.push(Arg {
                                node: c,
                                name: None,
                                val,
                            });
                        }
                    }
                }
            }
        }
        let site = CallSite {
            node: n,
            callee,
            recv: recv_node.zip(recv),
            args,
        };
        let reported = self.core.check_call(&site);
        self.remember_configuration(n, f);
        let v = self.call_result(n, f, site);
        // A value already reported at this sink is not reported again where it flows next (`execute(text(q))`).
        Val {
            taint: v.taint.sanitized(reported, t.all),
            ..v
        }
    }

    /// Remembers a method call on a variable (`parser.setFeature(feature_external_ges, True)`) for the sinks that
    /// depend on how their argument was configured.
    fn remember_configuration(&mut self, n: Node<'t>, f: Node<'t>) {
        if f.kind() != "attribute" {
            return;
        }
        let (Some(obj), Some(attr)) = (
            f.child_by_field_name("object"),
            f.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let Some(path) = self.dotted(obj) else { return };
        let text = &self.core.parsed.text[attr.start_byte()..n.end_byte()];
        if text.len() > MAX_CONFIGURED_TEXT {
            return;
        }
        let text: Rc<str> = Rc::from(squash(text));
        if let Some(var) = self.env.get_mut(&path)
            && var.configured.len() < MAX_CONFIGURED
            && !var.configured.contains(&text)
        {
            var.configured.push(text);
        }
    }

    fn call_result(&mut self, n: Node<'t>, f: Node<'t>, site: CallSite<'t>) -> Val {
        let t = self.core.t;
        let recv_node = site.recv.as_ref().map(|(r, _)| *r);
        let CallSite {
            callee, recv, args, ..
        } = site;
        let recv_val = recv.map(|(_, v)| v);
        let all_args = || {
            let mut t = Taint::default();
            for a in &args {
                t.join(&a.val.taint);
            }
            t
        };
        // `request.args.get("n", type=int)`
        if args.iter().any(|a| {
            a.name.as_deref() == Some("type")
                && matches!(self.text(a.node), "int" | "float" | "bool")
        }) {
            return Val::default();
        }
        // Sources
        if let Some((kind, origin)) = self.attr_source(&callee.raw) {
            return Val::tainted(self.core.source(n, kind, None, &origin));
        }
        if let Some(spec) = t.call_sources.find(&callee).next() {
            return Val::tainted(self.core.source(n, spec.kind, None, &spec.origin));
        }
        if t.terminators.any(&callee) {
            return Val::default();
        }
        let mut input = all_args();
        if let Some(r) = &recv_val {
            input.join(&r.taint);
        }
        if let Some(v) = self.shape_call(n, &callee, recv_val.as_ref(), &args, &input) {
            return v;
        }
        let mask = t.sanitizers.find(&callee).fold(0, |a, m| a | m);
        if mask != 0 {
            return Val::tainted(input.sanitized(mask, t.all));
        }
        if t.replacers.any(&callee) {
            let text = |i: usize| {
                args.iter()
                    .filter(|a| a.name.is_none())
                    .nth(i)
                    .and_then(|a| self.konst(a.node))
            };
            if let (Some(Const::Str(from)), Some(Const::Str(to))) = (text(0), text(1)) {
                let m = t.replace_mask(&callee, &from, &to);
                if m != 0 {
                    return Val::tainted(input.sanitized(m, t.all));
                }
            }
        }
        // Same-file helpers, then project functions in other modules.
        if let Some(v) = self.helper(n, f, &callee, &args) {
            return v;
        }
        if let Some(v) = self.foreign(n, f, &callee, &args, recv_val.as_ref()) {
            return v;
        }
        let ty_of_result = || -> (Option<Rc<str>>, Option<(usize, usize)>) {
            if last_segment(&callee.full).starts_with(|c: char| c.is_ascii_uppercase()) {
                (
                    Some(Rc::from(callee.full.as_str())),
                    Some((n.start_byte(), n.end_byte())),
                )
            } else if let Some(r) = &recv_val {
                (r.ty.clone(), r.ctor)
            } else {
                (None, None)
            }
        };
        let (ty, ctor) = ty_of_result();
        if let Some(r) = &recv_val {
            if t.keyed_set.any(&callee) {
                if let Some(path) = recv_node.and_then(|o| self.dotted(o)) {
                    self.keyed_store(&path, &args, n);
                }
                return Val::default();
            }
            if t.keyed_get.any(&callee) && r.fields.is_some() {
                let key = self.keyed_key(&args, false);
                let mut taint = r.element(key.as_deref());
                for a in args.iter().filter(|a| a.name.is_some()) {
                    taint.join(&a.val.taint);
                }
                return Val::tainted(taint);
            }
            // Methods that fold their arguments into the receiver.
            if t.mutators.any(&callee) {
                if let Some(path) = recv_node.and_then(|o| self.dotted(o)) {
                    self.mutate(&path, &callee.last, &args, n);
                }
                return Val::default();
            }
            match callee.last.as_str() {
                "get" | "pop" if r.fields.is_some() => {
                    let key = args
                        .first()
                        .filter(|a| a.name.is_none())
                        .and_then(|a| self.konst(a.node));
                    let mut taint = r.element(key.as_ref().map(Const::key).as_deref());
                    if let Some(d) = args.get(1) {
                        taint.join(&d.val.taint);
                    }
                    if callee.last == "pop"
                        && let Some(path) = recv_node.and_then(|o| self.dotted(o))
                    {
                        self.pop(&path, key.as_ref());
                    }
                    return Val::tainted(taint);
                }
                "copy" => return r.clone(),
                _ => {}
            }
            let recv_is_text = recv_node
                .is_some_and(|o| matches!(o.kind(), "string" | "concatenated_string"))
                || matches!(r.konst, Some(Const::Str(_)));
            let mut args_taint = all_args();
            if callee.last == "format"
                && let Some(Const::Str(prefix)) = &r.konst
            {
                let prefix = prefix.split('{').next().unwrap_or("");
                args_taint.sanitize(t.prefix_mask(prefix), t.all);
            }
            let propagates = t.propagators.any(&callee) || recv_is_text || args_taint.is_clean();
            let taint = if propagates {
                r.taint.clone().joined(&args_taint)
            } else {
                r.taint.clone().joined(&args_taint.via_call())
            };
            return Val {
                taint,
                ty,
                ctor,
                ..Val::default()
            };
        }
        let taint = if t.propagators.any(&callee) {
            input
        } else {
            input.via_call()
        };
        Val {
            taint,
            ty,
            ctor,
            ..Val::default()
        }
    }

    /// Applies a same-file helper's summary, if the callee is one.
    fn helper(
        &mut self,
        n: Node<'t>,
        f: Node<'t>,
        callee: &Callee,
        args: &[Arg<'t>],
    ) -> Option<Val> {
        let (def, offset) = match f.kind() {
            "identifier" if !self.ix.imports.contains_key(&callee.raw) => {
                (*self.ix.funcs.get(&callee.raw)?, 0)
            }
            "attribute" => {
                let obj = f.child_by_field_name("object")?;
                if !matches!(self.text(obj), "self" | "cls") {
                    return None;
                }
                ((*self.ix.methods.get(&callee.last)?)?, 1)
            }
            _ => return None,
        };
        let summary = self.function(def)?;
        Some(self.apply(n, callee, &summary, args, offset))
    }

    /// Applies the summary of a project function in another module, if the callee resolves to one. A project
    /// class's constructor gives its instances their type, so their method calls resolve too.
    fn foreign(
        &mut self,
        n: Node<'t>,
        f: Node<'t>,
        callee: &Callee,
        args: &[Arg<'t>],
        recv: Option<&Val>,
    ) -> Option<Val> {
        let (across, importer) = self.across?;
        let levels = self.levels.checked_sub(1)?;
        let (path, qual) = self.project_target(f, callee, recv)?;
        if path == importer {
            return None;
        }
        let path = across.project.module_path(&path)?;
        let m = summary::module_summaries(
            across,
            (self.core.t, self.core.active),
            path,
            levels,
            summarise_module,
        )?;
        let qual = qual.join(".");
        if m.classes.contains(&qual) {
            let mut taint = Taint::default();
            for a in args {
                taint.join(&a.val.taint);
            }
            return Some(Val {
                taint: taint.via_call(),
                ty: Some(Rc::from(format!("{PROJECT_TYPE}{path}:{qual}"))),
                ctor: Some((n.start_byte(), n.end_byte())),
                ..Val::default()
            });
        }
        let summary = across.summary(&m, path, &qual, levels)?;
        let method = f.kind() == "attribute"
            && matches!(
                summary.params.first().map(String::as_str),
                Some("self" | "cls")
            );
        Some(self.apply(n, callee, &summary, args, usize::from(method)))
    }

    /// The project module and qualified name a call names: a method of a project class's instance, or a name
    /// this file imports (`helpers.run`, `from .svc import Billing` then `Billing.charge`).
    fn project_target(
        &self,
        f: Node<'t>,
        callee: &Callee,
        recv: Option<&Val>,
    ) -> Option<(String, Vec<String>)> {
        let (across, importer) = self.across?;
        if f.kind() == "attribute"
            && let Some(ty) = recv.and_then(|v| v.ty.as_deref())
        {
            let (path, class) = ty.strip_prefix(PROJECT_TYPE)?.rsplit_once(':')?;
            let mut qual: Vec<String> = class.split('.').map(str::to_owned).collect();
            qual.push(callee.last.clone());
            return Some((path.to_owned(), qual));
        }
        let head = callee.raw.split('.').next()?;
        if !self.ix.imports.contains_key(head) || callee.raw.len() > MAX_CALLEE_BYTES {
            return None;
        }
        let (path, symbol) = across.project.resolve_dotted(importer, &callee.full)?;
        Some((path, symbol.split('.').map(str::to_owned).collect()))
    }

    /// Applies a summary at a call (see [`summary::apply`]).
    fn apply(
        &mut self,
        n: Node<'t>,
        callee: &Callee,
        summary: &Summary,
        args: &[Arg<'t>],
        offset: usize,
    ) -> Val {
        Val::tainted(summary::apply(
            self.core,
            n,
            &callee.last,
            summary,
            args,
            offset,
        ))
    }

    fn mutate(&mut self, path: &str, method: &str, args: &[Arg<'t>], n: Node<'t>) {
        let mut added = Taint::default();
        for a in args {
            added.join(&a.val.taint);
        }
        let note = format!("added to `{path}`");
        let added = self.core.step(n, &added, &note);
        let flags = &self.core.t.command_line_flags;
        let appended_flag = args
            .first()
            .and_then(|a| a.val.konst.as_ref())
            .is_some_and(|k| is_flag(k, flags));
        let var = self.env.entry(path.to_owned()).or_default();
        var.konst = None;
        match &mut var.fields {
            Some(f) if method == "append" && f.len.is_some() => {
                let len = f.len.unwrap_or(0);
                if f.after_flag && !added.is_clean() {
                    f.map
                        .entry(COMMAND_LINE_KEY.to_owned())
                        .or_default()
                        .join(&added);
                }
                f.after_flag = appended_flag;
                f.map.insert(len.to_string(), added);
                f.len = Some(len + 1);
            }
            Some(f) => {
                f.rest.join(&added);
                f.len = None;
                f.after_flag = false;
            }
            None => var.taint.join(&added),
        }
        var.recompute();
    }

    /// The key a `keyed_set` / `keyed_get` call names: its constant positional arguments (all of them, or all
    /// but the stored value), `None` when one is not constant.
    fn keyed_key(&self, args: &[Arg<'t>], skip_last: bool) -> Option<String> {
        let positional: Vec<&Arg<'t>> = args.iter().filter(|a| a.name.is_none()).collect();
        let n = positional.len().saturating_sub(usize::from(skip_last));
        let mut parts = Vec::with_capacity(n);
        for a in &positional[..n] {
            parts.push(self.konst(a.node)?.key());
        }
        Some(parts.join("\u{1f}"))
    }

    /// `conf.set("section", "key", value)`: the receiver keeps `value` under its key.
    fn keyed_store(&mut self, path: &str, args: &[Arg<'t>], n: Node<'t>) {
        let Some(value) = args.iter().rfind(|a| a.name.is_none()) else {
            return;
        };
        let key = self.keyed_key(args, true);
        let note = format!("stored in `{path}`");
        let added = self.core.step(n, &value.val.taint, &note);
        let var = self.env.entry(path.to_owned()).or_default();
        let whole = var.taint.clone();
        let f = var.fields.get_or_insert_with(|| {
            Box::new(Fields {
                rest: whole,
                ..Fields::default()
            })
        });
        match key {
            Some(k) => {
                f.map.insert(k, added);
            }
            None => f.rest.join(&added),
        }
        f.len = None;
        var.konst = None;
        var.recompute();
    }

    /// `xs.pop(i)` on a sequence of known length shifts the later elements down.
    fn pop(&mut self, path: &str, key: Option<&Const>) {
        let Some(var) = self.env.get_mut(path) else {
            return;
        };
        let Some(f) = &mut var.fields else { return };
        let Some(len) = f.len else {
            return;
        };
        if len == 0 {
            return;
        }
        let idx = match key {
            None => len - 1,
            Some(Const::Int(i)) if *i >= 0 && (*i as usize) < len => *i as usize,
            Some(Const::Int(i)) if *i < 0 && i.unsigned_abs() as usize <= len => {
                len - i.unsigned_abs() as usize
            }
            _ => {
                f.len = None;
                return;
            }
        };
        f.after_flag = false;
        for i in idx..len - 1 {
            let next = f.map.remove(&(i + 1).to_string()).unwrap_or_default();
            f.map.insert(i.to_string(), next);
        }
        f.map.remove(&(len - 1).to_string());
        f.len = Some(len - 1);
        var.recompute();
    }
}

/// One step of [`Py::flat`]'s explicit stack.
enum Flat<'t> {
    /// Evaluate a node: its taint ends up on the value stack.
    Enter(Node<'t>),
    /// A node's operands are on the value stack from the mark on: combine them into its taint.
    Exit(Node<'t>, usize),
    /// Bind an assignment target to the taint on top of the value stack (popping it).
    Bind(Node<'t>),
}

impl<'a: 't, 't> Py<'_, 'a, 't> {
    // --------------------------------------------------------------------------------------------------------------
    // Past the nesting limit: one iterative pass
    // --------------------------------------------------------------------------------------------------------------

    /// The taint of `root` (an expression, a statement or a block) from one iterative pass over its subtree in
    /// source order, used past [`MAX_NESTING`]. Assignments bind, joining with what the target held (branches are
    /// not told apart, so a later branch must not erase an earlier one's taint); calls are checked against the sinks;
    /// sources, sanitizers and terminators apply; everything else joins the taint of its parts. Loops get one pass,
    /// helpers count as unknown calls, and nothing is folded. Less precise than [`Py::eval`] — the alternative,
    /// treating deep code as clean, would let a branch hide a sink by nesting it — and linear in the subtree.
    fn flat(&mut self, root: Node<'t>) -> Taint {
        let mut todo = vec![Flat::Enter(root)];
        let mut vals: Vec<Taint> = Vec::new();
        while let Some(step) = todo.pop() {
            match step {
                Flat::Enter(n) => self.flat_enter(n, &mut todo, &mut vals),
                Flat::Exit(n, mark) => {
                    let parts = vals.split_off(mark.min(vals.len()));
                    let t = self.flat_exit(n, parts);
                    vals.push(t);
                }
                Flat::Bind(target) => {
                    let t = vals.pop().unwrap_or_default();
                    self.bind_flat(target, &t, target);
                }
            }
        }
        let mut out = Taint::default();
        for t in &vals {
            out.join(t);
        }
        out
    }

    fn flat_enter(&mut self, n: Node<'t>, todo: &mut Vec<Flat<'t>>, vals: &mut Vec<Taint>) {
        let exit =
            |todo: &mut Vec<Flat<'t>>, vals: &Vec<Taint>| todo.push(Flat::Exit(n, vals.len()));
        match n.kind() {
            // Analysed on their own (definitions) or not at all (lambdas, as in `eval`).
            "function_definition"
            | "class_definition"
            | "decorated_definition"
            | "lambda"
            | "import_statement"
            | "import_from_statement"
            | "comment" => {
                vals.push(Taint::default());
            }
            "identifier" => {
                let t = self.env.get(self.text(n)).map(|v| v.taint.clone());
                vals.push(t.unwrap_or_default());
            }
            "attribute" => {
                // A whole chain at once: one path for `x.a.b`, or the taint of what `f().a.b` is read from.
                match self.dotted(n) {
                    Some(path) => {
                        let t = self.path_taint(n, &path);
                        vals.push(t);
                    }
                    None => todo.push(Flat::Enter(Self::chain_bottom(n))),
                }
            }
            "call" => {
                exit(todo, vals);
                let operands = Self::call_operands(n);
                todo.extend(operands.into_iter().rev().map(Flat::Enter));
            }
            "assignment" | "augmented_assignment" | "named_expression" | "as_pattern" => {
                let value = match n.kind() {
                    "assignment" | "augmented_assignment" => n.child_by_field_name("right"),
                    "named_expression" => n.child_by_field_name("value"),
                    _ => n.named_child(0),
                };
                exit(todo, vals);
                if let Some(v) = value {
                    todo.push(Flat::Enter(v));
                }
            }
            "for_statement" | "for_in_clause" => {
                exit(todo, vals);
                for field in ["alternative", "body"] {
                    if let Some(b) = n.child_by_field_name(field) {
                        todo.push(Flat::Enter(b));
                    }
                }
                if let Some(l) = n.child_by_field_name("left") {
                    todo.push(Flat::Bind(l));
                }
                if let Some(r) = n.child_by_field_name("right") {
                    todo.push(Flat::Enter(r));
                }
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => {
                // The clauses bind before the body reads them, though the body comes first in the text.
                exit(todo, vals);
                let body = n.child_by_field_name("body");
                if let Some(b) = body {
                    todo.push(Flat::Enter(b));
                }
                let clauses: Vec<Node<'t>> =
                    named_children(n).filter(|c| Some(*c) != body).collect();
                todo.extend(clauses.into_iter().rev().map(Flat::Enter));
            }
            _ => {
                exit(todo, vals);
                let children: Vec<Node<'t>> = named_children(n).collect();
                todo.extend(children.into_iter().rev().map(Flat::Enter));
            }
        }
    }

    fn flat_exit(&mut self, n: Node<'t>, parts: Vec<Taint>) -> Taint {
        let joined = |parts: &[Taint]| {
            let mut t = Taint::default();
            for p in parts {
                t.join(p);
            }
            t
        };
        match n.kind() {
            "call" => self.flat_call(n, parts),
            "assignment" | "augmented_assignment" | "named_expression" | "as_pattern" => {
                let mut t = joined(&parts);
                let target = match n.kind() {
                    "assignment" | "augmented_assignment" => n.child_by_field_name("left"),
                    "named_expression" => n.child_by_field_name("name"),
                    _ => n.child_by_field_name("alias"),
                };
                if let Some(target) = target {
                    if n.kind() == "augmented_assignment" {
                        t.join(&self.target_taint(target));
                    }
                    self.bind_flat(target, &t, n);
                }
                t
            }
            "for_statement" | "for_in_clause" => Taint::default(),
            "return_statement" => {
                self.ret.join(&joined(&parts));
                Taint::default()
            }
            _ => joined(&parts),
        }
    }

    /// What a call's operands are, in the order [`Py::flat_call`] reads their taints back: the receiver (or the
    /// callee itself), then each argument's value.
    fn call_operands(n: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        if let Some(f) = n.child_by_field_name("function") {
            let recv = (f.kind() == "attribute")
                .then(|| f.child_by_field_name("object"))
                .flatten();
            out.push(recv.unwrap_or(f));
        }
        out.extend(Self::call_args(n).into_iter().map(|(node, _)| node));
        out
    }

    /// A call's arguments: the value node and, for keyword arguments, the keyword.
    fn call_args(n: Node<'t>) -> Vec<(Node<'t>, Option<Node<'t>>)> {
        let Some(a) = n.child_by_field_name("arguments") else {
            return Vec::new();
        };
        if a.kind() == "generator_expression" {
            return vec![(a, None)];
        }
        named_children(a)
            .filter(|c| c.kind() != "comment")
            .map(|c| match c.kind() {
                "keyword_argument" => (
                    c.child_by_field_name("value").unwrap_or(c),
                    c.child_by_field_name("name"),
                ),
                _ => (c, None),
            })
            .collect()
    }

    fn flat_call(&mut self, n: Node<'t>, parts: Vec<Taint>) -> Taint {
        let t = self.core.t;
        let Some(f) = n.child_by_field_name("function") else {
            return Taint::default();
        };
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        let recv = (f.kind() == "attribute")
            .then(|| f.child_by_field_name("object"))
            .flatten()
            .map(|o| (o, Val::tainted(first)));
        let mut args = Vec::new();
        for (node, kw) in Self::call_args(n) {
            let name = match (kw, node.kind()) {
                (Some(k), _) => Some(self.text(k).to_owned()),
                (None, "dictionary_splat") => Some("**".to_owned()),
                _ => None,
            };
            let val = Val::tainted(parts.next().unwrap_or_default());
            args.push(Arg { node, name, val });
        }
        let site = CallSite {
            node: n,
            callee: self.callee_of(f, None),
            recv,
            args,
        };
        let reported = self.core.check_call(&site);
        let CallSite {
            callee, recv, args, ..
        } = site;
        let mut args_taint = Taint::default();
        for a in &args {
            args_taint.join(&a.val.taint);
        }
        let mut input = args_taint.clone();
        if let Some((_, r)) = &recv {
            input.join(&r.taint);
        }
        let typed_scalar = args.iter().any(|a| {
            a.name.as_deref() == Some("type")
                && matches!(self.text(a.node), "int" | "float" | "bool")
        });
        let mask = t.sanitizers.find(&callee).fold(0, |a, m| a | m);
        let out = if typed_scalar || t.terminators.any(&callee) {
            Taint::default()
        } else if let Some((kind, origin)) = self.attr_source(&callee.raw) {
            self.core.source(n, kind, None, &origin)
        } else if let Some(spec) = t.call_sources.find(&callee).next() {
            self.core.source(n, spec.kind, None, &spec.origin)
        } else if mask != 0 {
            input.sanitized(mask, t.all)
        } else if t.mutators.any(&callee)
            && let Some(path) = recv.as_ref().and_then(|(o, _)| self.dotted(*o))
        {
            self.weak_bind(path, &args_taint);
            Taint::default()
        } else if t.propagators.any(&callee) {
            input
        } else {
            input.via_call()
        };
        out.sanitized(reported, t.all)
    }

    /// The taint of a dotted path: a source, or what the environment holds for it or its longest known prefix.
    fn path_taint(&self, n: Node<'t>, path: &str) -> Taint {
        if let Some((kind, origin)) = self.attr_source(path) {
            return self.core.source(n, kind, None, &origin);
        }
        if let Some(v) = self.env.get(path) {
            return v.taint.clone();
        }
        let segs: Vec<&str> = path.splitn(MAX_PREFIX_SEGMENTS + 1, '.').collect();
        for k in (1..segs.len().min(MAX_PREFIX_SEGMENTS + 1)).rev() {
            if let Some(v) = self.env.get(&segs[..k].join(".")) {
                return v.taint.clone();
            }
        }
        Taint::default()
    }

    /// What an assignment target holds now (for `x += …`).
    fn target_taint(&self, target: Node<'t>) -> Taint {
        let target = if target.kind() == "subscript" {
            target.child_by_field_name("value").unwrap_or(target)
        } else {
            target
        };
        self.dotted(target)
            .and_then(|p| self.env.get(&p))
            .map(|v| v.taint.clone())
            .unwrap_or_default()
    }

    /// Binds every name in an assignment target to `taint`, joined with what it held, without recursion; a store
    /// into a sink container (`response.headers[k] = v`) is checked like in [`Py::bind`].
    fn bind_flat(&mut self, target: Node<'t>, taint: &Taint, stmt: Node<'t>) {
        let mut stack = vec![target];
        while let Some(t) = stack.pop() {
            match t.kind() {
                "identifier" | "attribute" => {
                    let Some(path) = self.dotted(t) else { continue };
                    if let Some((base, _)) = path.split_once('.')
                        && base != "self"
                        && self.env.contains_key(base)
                    {
                        self.weak_bind(base.to_owned(), taint);
                    }
                    self.weak_bind(path, taint);
                }
                "subscript" => {
                    let Some(raw) = t.child_by_field_name("value").and_then(|o| self.dotted(o))
                    else {
                        continue;
                    };
                    let callee = Callee {
                        full: self.resolve(&raw),
                        last: last_segment(&raw).to_owned(),
                        raw: raw.clone(),
                        typed: None,
                        bare: false,
                    };
                    let value_node = stmt.child_by_field_name("right").unwrap_or(stmt);
                    if !self.core.check_store(stmt, &callee, value_node, taint) {
                        self.weak_bind(raw, taint);
                    }
                }
                "pattern_list"
                | "tuple_pattern"
                | "list_pattern"
                | "tuple"
                | "list"
                | "expression_list"
                | "list_splat_pattern"
                | "list_splat"
                | "parenthesized_expression"
                | "as_pattern_target" => {
                    stack.extend(named_children(t));
                }
                _ => {}
            }
        }
    }

    /// Joins `taint` into a variable; what was known about its contents or constant value no longer holds.
    fn weak_bind(&mut self, name: String, taint: &Taint) {
        let v = self.env.entry(name).or_default();
        v.recompute();
        v.fields = None;
        v.konst = None;
        v.taint.join(taint);
    }
}

/// The text of a non-raw string literal's content with its simple escapes decoded (`\'` → `'`); other
/// escapes (`\x41`, `\N{…}`) are kept as written.
/// A value one method can hand another through `self`: tainted by a source, not only by a parameter.
fn carries_source(v: &Val) -> bool {
    v.taint
        .labels()
        .iter()
        .any(|l| l.kind != SourceKind::Param && !l.partial)
}

/// How many methods of one class are walked to collect its instance attributes.
const MAX_ATTR_SETTERS: usize = 16;

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') | None => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.replace('_', "");
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok();
    }
    s.parse().ok()
}

/// `Optional[int]`, `int | None`, `Annotated[int, …]` → `int`.
fn strip_optional(ty: &str) -> &str {
    let mut t = ty.trim();
    for prefix in ["Optional[", "Annotated["] {
        if let Some(inner) = t.strip_prefix(prefix) {
            t = inner.strip_suffix(']').unwrap_or(inner);
            if prefix == "Annotated[" {
                t = t.split(',').next().unwrap_or(t).trim();
            }
        }
    }
    if let Some((a, b)) = t.split_once('|') {
        let (a, b) = (a.trim(), b.trim());
        t = if a == "None" { b } else { a };
    }
    t
}

/// Walks every top-level function and method of a module for its summary.
fn summarise_module(
    project: &Project,
    shared: &SharedSummaries,
    t: &Tables,
    active: Mask,
    (parsed, path): (&ParsedFile, &str),
    levels: u8,
) -> ModuleSummaries {
    let across = Across::new(project, shared);
    let mut core = Core::for_module(t, (parsed, path), active, project);
    let mut w = Py::new(&mut core, Some((&across, path)), levels);
    w.index(parsed.tree.root_node(), &mut Vec::new());
    w.index_shapes(parsed.tree.root_node());
    w.core.off.clone_from(&w.ix.off);
    let mut out = ModuleSummaries::default();
    let root = parsed.tree.root_node();
    for (name, def) in top_defs(parsed, root) {
        if def.kind() == "class_definition" {
            out.classes.insert(name.to_owned());
            let Some(body) = def.child_by_field_name("body") else {
                continue;
            };
            for (method, m) in top_defs(parsed, body) {
                if m.kind() == "function_definition"
                    && let Some(s) = w.function(m)
                {
                    out.funcs
                        .insert(format!("{name}.{method}"), Frozen::freeze(&s));
                }
            }
        } else if let Some(s) = w.function(def) {
            out.funcs.insert(name.to_owned(), Frozen::freeze(&s));
        }
    }
    out
}

/// The function and class definitions directly in `block`, by name (decorators looked through).
fn top_defs<'t>(parsed: &'t ParsedFile, block: Node<'t>) -> Vec<(&'t str, Node<'t>)> {
    named_children(block)
        .filter_map(|c| {
            let d = if c.kind() == "decorated_definition" {
                c.child_by_field_name("definition")?
            } else {
                c
            };
            if !matches!(d.kind(), "function_definition" | "class_definition") {
                return None;
            }
            let name = d.child_by_field_name("name")?;
            Some((&parsed.text[name.byte_range()], d))
        })
        .collect()
}
