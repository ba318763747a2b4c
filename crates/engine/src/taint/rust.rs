//! The Rust walker: expressions (Rust is expression-oriented) evaluated in source order, one [`Env`] per function.
//! Handler parameters are sources by their extractor type (`Path<…>`, `Json<…>`, `web::Query<…>`); other string-like
//! parameters are "unknown parameter" sources; numbers, `Uuid`, state and pools carry nothing.
//! Past [`MAX_NESTING`] it switches to [`Rs::flat`], one iterative pass (see there).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use secreview_model::LineSet;
use secreview_rules::data::SourceKind;
use secreview_syntax::{ParsedFile, named_children, walk};
use tree_sitter::Node;

use super::summary::{self, Across, Frozen, ModuleSummaries, SharedSummaries, Summary};
use super::{
    Arg, CallSite, Callee, Const, Core, Env, Fields, GuardOperand, MAX_FOLD_DEPTH, MAX_NESTING,
    MAX_PREFIX_SEGMENTS, Mask, Tables, Taint, Val, WORK_BASE, WORK_PER_BYTE, intersect, join_env,
    join_val, last_segment, squash,
};
use crate::project::Project;

const MAX_DEPTH: usize = 4;
/// Longest callee text read as a path (`Command::new`); longer ones are computed callees, named `?`.
const MAX_CALLEE_BYTES: usize = 256;
/// Longest expression text constant folding looks at.
const MAX_FOLD_BYTES: usize = 512;

/// One branch of an `if` / `match`, walked from the environment before the branch.
type Arm<'s, W> = Box<dyn FnOnce(&mut W) -> Val + 's>;
const MAX_LOOP_PASSES_DEPTH: usize = 3;

/// Parameter types that hold text (or bytes) an attacker could shape; other non-extractor types are not sources.
const TEXT_TYPES: [&str; 12] = [
    "str", "String", "PathBuf", "Path", "OsStr", "Cow", "u8]", "Vec<u8>", "AsRef", "Into<",
    "Display", "Url",
];

pub(super) fn analyse<'c, 'a>(
    core: &'c mut Core<'a>,
    added: &LineSet,
    across: Option<(&'c Across<'a>, &'a str)>,
) {
    let root = core.parsed.tree.root_node();
    let mut w = Rs::new(core, across, MODULE_LEVELS);
    let mut defs = Vec::new();
    w.index(root, &mut defs);
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

/// How many modules deep a scanned file's calls are followed into the crate (handler → service → repository).
const MODULE_LEVELS: u8 = 3;

struct Rs<'c, 'a, 't> {
    core: &'c mut Core<'a>,
    /// `use` aliases: `Command` → `std::process::Command`.
    uses: HashMap<String, String>,
    funcs: HashMap<String, Node<'t>>,
    methods: HashMap<String, Option<Node<'t>>>,
    summaries: HashMap<usize, Rc<Summary>>,
    in_progress: HashSet<usize>,
    env: Env,
    ret: Taint,
    /// The expression just evaluated cannot complete normally (return, break, continue, panic!, bail!).
    term: bool,
    depth: usize,
    loop_depth: usize,
    /// Current recursion nesting, bounded by [`MAX_NESTING`].
    nest: usize,
    /// Environment entries copied so far, and how many the file may copy (see [`WORK_BASE`]).
    work: usize,
    budget: usize,
    /// The project around the file and the file's path in it, for calls into other modules.
    across: Option<(&'c Across<'a>, &'a str)>,
    /// How many more modules deep calls are followed.
    levels: u8,
}

impl<'c, 'a: 't, 't> Rs<'c, 'a, 't> {
    fn new(core: &'c mut Core<'a>, across: Option<(&'c Across<'a>, &'a str)>, levels: u8) -> Self {
        let budget = WORK_BASE + WORK_PER_BYTE * core.parsed.text.len();
        Rs {
            core,
            uses: HashMap::new(),
            funcs: HashMap::new(),
            methods: HashMap::new(),
            summaries: HashMap::new(),
            in_progress: HashSet::new(),
            env: Env::new(),
            ret: Taint::default(),
            term: false,
            depth: 0,
            loop_depth: 0,
            nest: 0,
            work: 0,
            budget,
            across,
            levels,
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
    // File index
    // --------------------------------------------------------------------------------------------------------------

    fn index(&mut self, root: Node<'t>, defs: &mut Vec<Node<'t>>) {
        let mut found = Vec::new();
        walk(root, &mut |n| {
            if matches!(n.kind(), "use_declaration" | "function_item") {
                found.push(n);
            }
            true
        });
        for n in found {
            if n.kind() == "use_declaration" {
                if let Some(arg) = n.child_by_field_name("argument") {
                    self.use_tree(arg, "");
                }
                continue;
            }
            defs.push(n);
            let Some(name) = n
                .child_by_field_name("name")
                .map(|x| self.text(x).to_owned())
            else {
                continue;
            };
            let in_impl = n
                .parent()
                .and_then(|p| p.parent())
                .is_some_and(|g| matches!(g.kind(), "impl_item" | "trait_item"));
            if in_impl {
                self.methods
                    .entry(name)
                    .and_modify(|e| *e = None)
                    .or_insert(Some(n));
            } else {
                self.funcs.entry(name).or_insert(n);
            }
        }
    }

    /// Records the aliases of a `use` tree, walked with an explicit stack (`use a::{b::{c::{…}}}` nests freely).
    fn use_tree(&mut self, root: Node<'t>, prefix: &str) {
        let join = |p: &str, s: &str| {
            if p.is_empty() {
                s.to_owned()
            } else {
                format!("{p}::{s}")
            }
        };
        let mut stack = vec![(root, prefix.to_owned())];
        while let Some((n, prefix)) = stack.pop() {
            match n.kind() {
                "identifier" | "scoped_identifier" | "crate" | "super" => {
                    let full = join(&prefix, &squash(self.text(n)));
                    let alias = last_segment(&full).to_owned();
                    self.uses.insert(alias, full);
                }
                "self" => {
                    let alias = last_segment(&prefix).to_owned();
                    self.uses.insert(alias, prefix.clone());
                }
                "use_as_clause" => {
                    if let (Some(p), Some(a)) = (
                        n.child_by_field_name("path"),
                        n.child_by_field_name("alias"),
                    ) {
                        self.uses.insert(
                            self.text(a).to_owned(),
                            join(&prefix, &squash(self.text(p))),
                        );
                    }
                }
                "scoped_use_list" => {
                    let p = n
                        .child_by_field_name("path")
                        .map_or_else(|| prefix.clone(), |p| join(&prefix, &squash(self.text(p))));
                    if let Some(list) = n.child_by_field_name("list") {
                        stack.push((list, p));
                    }
                }
                "use_list" => {
                    let items: Vec<Node<'t>> = named_children(n).collect();
                    stack.extend(items.into_iter().rev().map(|c| (c, prefix.clone())));
                }
                _ => {}
            }
        }
    }

    fn resolve(&self, raw: &str) -> String {
        let (head, rest) = raw.split_once("::").map_or((raw, ""), |(h, r)| (h, r));
        match self.uses.get(head) {
            Some(full) if rest.is_empty() => full.clone(),
            Some(full) => format!("{full}::{rest}"),
            None => raw.to_owned(),
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Functions and parameters
    // --------------------------------------------------------------------------------------------------------------

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
            self.term,
            self.loop_depth,
        );
        self.depth += 1;
        self.loop_depth = 0;
        self.term = false;
        self.params(def);
        if let Some(body) = def.child_by_field_name("body") {
            let v = self.block(body);
            if !self.term {
                self.ret.join(&v.taint);
            }
        }
        let ret = std::mem::take(&mut self.ret);
        (self.env, self.ret, self.term, self.loop_depth) = saved;
        self.depth -= 1;
        self.in_progress.remove(&id);
        let summary = Rc::new(Summary {
            ret,
            sinks: summary::sinks_of(&self.core.param_sinks, id, None),
            // Rust arguments are positional: names are not needed to map them.
            params: Vec::new(),
            validator: false,
        });
        self.summaries.insert(id, Rc::clone(&summary));
        Some(summary)
    }

    fn param_nodes(def: Node<'t>) -> Vec<Node<'t>> {
        def.child_by_field_name("parameters")
            .map(|ps| {
                named_children(ps)
                    .filter(|p| p.kind() == "parameter")
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The outer type name of a type node: `web::Path` for `web::Path<(String, u32)>`, `str` for `&str`.
    fn outer_type(&self, ty: Node<'t>) -> String {
        let mut ty = ty;
        while ty.kind() == "reference_type" {
            let Some(inner) = ty.child_by_field_name("type") else {
                return String::new();
            };
            ty = inner;
        }
        match ty.kind() {
            "generic_type" => ty
                .child_by_field_name("type")
                .map(|t| squash(self.text(t)))
                .unwrap_or_default(),
            _ => squash(self.text(ty)),
        }
    }

    /// The first generic argument of a type (`T` of `Path<T>`), looking through `Option<…>`.
    fn type_arg(ty: Node<'t>) -> Option<Node<'t>> {
        let ty = if ty.kind() == "reference_type" {
            ty.child_by_field_name("type")?
        } else {
            ty
        };
        named_children(ty.child_by_field_name("type_arguments")?).next()
    }

    /// Whether a type carries no injectable data (`i64`, `(u32, Uuid)`, `Option<i32>`).
    fn clean_type(&self, ty: Node<'t>) -> bool {
        self.clean_type_at(ty, 0)
    }

    /// Past [`MAX_FOLD_DEPTH`] nested types a type is not known to be clean (so it stays a source).
    fn clean_type_at(&self, ty: Node<'t>, depth: usize) -> bool {
        if depth > MAX_FOLD_DEPTH {
            return false;
        }
        let clean = |t: Node<'t>| self.clean_type_at(t, depth + 1);
        match ty.kind() {
            "tuple_type" => named_children(ty).all(clean),
            "reference_type" => ty.child_by_field_name("type").is_some_and(clean),
            "generic_type" => {
                let outer = self.outer_type(ty);
                if outer == "Option" || outer == "Vec" {
                    Self::type_arg(ty).is_some_and(clean)
                } else {
                    self.core.t.is_clean_type(&outer)
                }
            }
            _ => self.core.t.is_clean_type(&squash(self.text(ty))),
        }
    }

    fn is_handler(&self, def: Node<'t>) -> bool {
        let mut prev = def.prev_named_sibling();
        while let Some(p) = prev {
            if p.kind() != "attribute_item" {
                break;
            }
            if let Some(attr) = p.named_child(0)
                && let Some(path) = attr.named_child(0)
            {
                let name = squash(self.text(path));
                if self
                    .core
                    .t
                    .handler_markers
                    .iter()
                    .any(|m| m == last_segment(&name))
                {
                    return true;
                }
            }
            prev = p.prev_named_sibling();
        }
        Self::param_nodes(def).into_iter().any(|p| {
            p.child_by_field_name("type")
                .is_some_and(|t| self.extractor(t).is_some())
        })
    }

    fn extractor(&self, ty: Node<'t>) -> Option<(SourceKind, String)> {
        let outer = self.outer_type(ty);
        // Extractors are taken by value; `&Path` and a bare `Path` are `std::path::Path`, not axum's `Path<T>`.
        let generic_only = matches!(last_segment(&outer), "Path" | "Query" | "Json" | "Form");
        if ty.kind() == "reference_type"
            || (generic_only && ty.kind() != "generic_type")
            || self.resolve(&outer).starts_with("std::")
        {
            return None;
        }
        let t = self.core.t;
        t.param_types
            .get(&outer)
            .or_else(|| t.param_types.get(last_segment(&outer)))
            .map(|s| (s.kind, s.origin.clone()))
    }

    fn params(&mut self, def: Node<'t>) {
        let handler = self.is_handler(def);
        for (i, p) in Self::param_nodes(def).into_iter().enumerate() {
            let (Some(pat), Some(ty)) = (
                p.child_by_field_name("pattern"),
                p.child_by_field_name("type"),
            ) else {
                continue;
            };
            let outer = self.outer_type(ty);
            let resolved: Rc<str> = Rc::from(self.resolve(&outer).as_str());
            let typed = Val {
                ty: Some(resolved),
                ..Val::default()
            };
            if let Some((kind, _)) = self.extractor(ty) {
                let inner = Self::type_arg(ty);
                if inner.is_some_and(|t| self.clean_type(t)) {
                    self.bind_param(pat, None, &Taint::default(), &typed);
                    continue;
                }
                let origin = format!("{outer} extractor");
                let taint = self.core.source(pat, kind, None, &origin);
                let inner_pat = if pat.kind() == "tuple_struct_pattern" {
                    named_children(pat).find(|c| pat.child_by_field_name("type") != Some(*c))
                } else {
                    None
                };
                match inner_pat {
                    Some(ip) => self.bind_param(ip, inner, &taint, &Val::default()),
                    None => self.bind_param(pat, None, &taint, &Val::default()),
                }
                continue;
            }
            if self.clean_type(ty) {
                self.bind_param(pat, None, &Taint::default(), &typed);
                continue;
            }
            let t = self.core.t;
            let name = self.text(pat).to_owned();
            let (kind, origin, idx) = if handler && t.handler_only_types.contains(&outer) {
                (SourceKind::Request, format!("request body `{name}`"), None)
            } else if TEXT_TYPES.iter().any(|k| squash(self.text(ty)).contains(k)) {
                (
                    SourceKind::Param,
                    format!("parameter `{name}`"),
                    u16::try_from(i).ok(),
                )
            } else {
                self.bind_param(pat, None, &Taint::default(), &typed);
                continue;
            };
            let mut taint = self.core.source(pat, kind, idx, &origin);
            for l in &mut taint.0 {
                l.scope = def.id();
            }
            self.bind_param(pat, Some(ty), &taint, &typed);
        }
    }

    /// Binds a parameter pattern, pairing tuple patterns with tuple types so `Path((name, id)): Path<(String, u32)>`
    /// taints `name` only.
    fn bind_param(&mut self, pat: Node<'t>, ty: Option<Node<'t>>, taint: &Taint, base: &Val) {
        if self.go_flat() {
            self.bind_flat(pat, taint);
            return;
        }
        self.nest += 1;
        self.bind_param_nested(pat, ty, taint, base);
        self.nest -= 1;
    }

    fn bind_param_nested(
        &mut self,
        pat: Node<'t>,
        ty: Option<Node<'t>>,
        taint: &Taint,
        base: &Val,
    ) {
        match pat.kind() {
            "identifier" => {
                let clean = ty.is_some_and(|t| self.clean_type(t));
                let v = Val {
                    taint: if clean {
                        Taint::default()
                    } else {
                        taint.clone()
                    },
                    ..base.clone()
                };
                self.env.insert(self.text(pat).to_owned(), v);
            }
            "tuple_pattern" => {
                let tys: Vec<Node<'t>> = ty
                    .filter(|t| t.kind() == "tuple_type")
                    .map(|t| named_children(t).collect())
                    .unwrap_or_default();
                for (i, p) in named_children(pat).enumerate() {
                    self.bind_param(p, tys.get(i).copied(), taint, base);
                }
            }
            "tuple_struct_pattern" => {
                let inner_ty = ty.and_then(Self::type_arg);
                for p in named_children(pat).filter(|c| pat.child_by_field_name("type") != Some(*c))
                {
                    self.bind_param(p, inner_ty, taint, base);
                }
            }
            "mut_pattern" | "ref_pattern" | "reference_pattern" => {
                if let Some(inner) = named_children(pat).last() {
                    self.bind_param(inner, ty, taint, base);
                }
            }
            "struct_pattern" => {
                for f in named_children(pat).filter(|c| c.kind() == "field_pattern") {
                    let target = f
                        .child_by_field_name("pattern")
                        .or_else(|| f.child_by_field_name("name"));
                    if let Some(t) = target {
                        self.bind_param(t, None, taint, base);
                    }
                }
            }
            "shorthand_field_identifier" => {
                self.env
                    .insert(self.text(pat).to_owned(), Val::tainted(taint.clone()));
            }
            _ => {}
        }
    }

    /// Binds a `let` / `for` / `match` pattern to a value.
    fn bind_pattern(&mut self, pat: Node<'t>, v: Val) {
        if self.go_flat() {
            self.bind_flat(pat, &v.taint);
            return;
        }
        self.nest += 1;
        self.bind_pattern_nested(pat, v);
        self.nest -= 1;
    }

    fn bind_pattern_nested(&mut self, pat: Node<'t>, v: Val) {
        match pat.kind() {
            "identifier" => {
                let name = self.text(pat).to_owned();
                if name == "_" {
                    return;
                }
                let note = format!("assigned to `{name}`");
                let mut v = v;
                v.taint = self.core.step(pat, &v.taint, &note);
                let prefix = format!("{name}.");
                // Scans the environment: charged like a snapshot, or 10,000 assignments would be quadratic.
                self.work += self.env.len();
                self.env.retain(|k, _| !k.starts_with(&prefix));
                self.env.insert(name, v);
            }
            "tuple_pattern" | "slice_pattern" => {
                for (i, p) in named_children(pat).enumerate() {
                    let key = i.to_string();
                    let ev = Val::tainted(v.element(Some(&key)));
                    self.bind_pattern(p, ev);
                }
            }
            "tuple_struct_pattern" => {
                for p in named_children(pat).filter(|c| pat.child_by_field_name("type") != Some(*c))
                {
                    self.bind_pattern(p, Val::tainted(v.taint.clone()));
                }
            }
            "struct_pattern" => {
                for f in named_children(pat) {
                    match f.kind() {
                        "field_pattern" => {
                            let name = f
                                .child_by_field_name("name")
                                .map(|n| self.text(n).to_owned());
                            let ev = Val::tainted(v.element(name.as_deref()));
                            if let Some(p) = f.child_by_field_name("pattern") {
                                self.bind_pattern(p, ev);
                            } else if let Some(n) = f.child_by_field_name("name") {
                                self.bind_pattern(n, ev);
                            }
                        }
                        "shorthand_field_identifier" | "identifier" => {
                            let ev = Val::tainted(v.element(Some(self.text(f))));
                            self.bind_pattern(f, ev);
                        }
                        _ => {}
                    }
                }
            }
            "shorthand_field_identifier" => {
                self.env.insert(self.text(pat).to_owned(), v);
            }
            "mut_pattern" | "ref_pattern" | "reference_pattern" | "match_pattern"
            | "or_pattern" => {
                for p in named_children(pat) {
                    self.bind_pattern(p, v.clone());
                }
            }
            _ => {}
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Blocks and control flow
    // --------------------------------------------------------------------------------------------------------------

    fn block(&mut self, n: Node<'t>) -> Val {
        let mut last = Val::default();
        for c in named_children(n) {
            last = Val::default();
            match c.kind() {
                "let_declaration" => self.let_decl(c),
                "expression_statement" => {
                    if let Some(e) = c.named_child(0) {
                        self.eval(e);
                    }
                }
                "function_item"
                | "struct_item"
                | "enum_item"
                | "impl_item"
                | "use_declaration"
                | "const_item"
                | "static_item"
                | "mod_item"
                | "trait_item"
                | "type_item"
                | "macro_definition"
                | "line_comment"
                | "block_comment"
                | "attribute_item"
                | "inner_attribute_item"
                | "empty_statement"
                | "label" => {}
                _ => last = self.eval(c),
            }
            if self.term {
                return Val::default();
            }
        }
        last
    }

    fn let_decl(&mut self, n: Node<'t>) {
        let mut v = n
            .child_by_field_name("value")
            .map(|e| self.eval(e))
            .unwrap_or_default();
        if self.term {
            return;
        }
        if let Some(ty) = n.child_by_field_name("type")
            && self.clean_type(ty)
        {
            v = Val {
                konst: v.konst,
                ty: v.ty,
                ctor: v.ctor,
                ..Val::default()
            };
        }
        if let Some(alt) = n.child_by_field_name("alternative") {
            // `let … else { diverges }`: walked for its sinks, then forgotten.
            let pre = self.snapshot();
            self.eval(alt);
            self.env = pre;
            self.term = false;
        }
        if let Some(p) = n.child_by_field_name("pattern") {
            self.bind_pattern(p, v);
        }
    }

    fn passes(&self) -> usize {
        if self.loop_depth > MAX_LOOP_PASSES_DEPTH {
            1
        } else {
            2
        }
    }

    /// Walks branches from the same starting environment and joins the ones that complete.
    fn branches(&mut self, arms: Vec<Arm<'_, Self>>) -> Val {
        let pre = self.snapshot();
        let mut env: Option<Env> = None;
        let mut val: Option<Val> = None;
        for arm in arms {
            self.work += pre.len();
            self.env.clone_from(&pre);
            self.term = false;
            let v = arm(self);
            if self.term {
                continue;
            }
            let e = std::mem::take(&mut self.env);
            env = Some(match env {
                Some(acc) => join_env(&acc, &e),
                None => e,
            });
            val = Some(match val {
                Some(acc) => join_val(&acc, &v),
                None => v,
            });
        }
        match env {
            Some(e) => {
                self.env = e;
                self.term = false;
                val.unwrap_or_default()
            }
            None => {
                self.env = pre;
                self.term = true;
                Val::default()
            }
        }
    }

    fn if_expr(&mut self, n: Node<'t>) -> Val {
        let Some(cond) = n.child_by_field_name("condition") else {
            return Val::default();
        };
        let cons = n.child_by_field_name("consequence");
        let alt = n
            .child_by_field_name("alternative")
            .and_then(|a| a.named_child(0));
        // Evaluate the condition once (sinks in it, `let` bindings).
        let mut lets: Vec<(Node<'t>, Val)> = Vec::new();
        let mut exprs: Vec<Node<'t>> = Vec::new();
        self.condition_parts(cond, &mut lets, &mut exprs);
        if self.term {
            return Val::default();
        }
        let k = if lets.is_empty() && exprs.len() == 1 {
            self.konst(exprs[0]).map(|k| k.truthy())
        } else {
            None
        };
        let then_arm = |w: &mut Self| {
            for (p, v) in &lets {
                w.bind_pattern(*p, v.clone());
            }
            for e in &exprs {
                w.apply_guards(*e, true);
            }
            cons.map(|c| w.eval(c)).unwrap_or_default()
        };
        let else_arm = |w: &mut Self| {
            if lets.is_empty() && exprs.len() == 1 {
                w.apply_guards(exprs[0], false);
            }
            alt.map(|a| w.eval(a)).unwrap_or_default()
        };
        match k {
            Some(true) => then_arm(self),
            Some(false) => else_arm(self),
            None => self.branches(vec![Box::new(then_arm), Box::new(else_arm)]),
        }
    }

    /// The `let` bindings and plain conditions of an `if`/`while` condition, in order. A `let` chain nests one
    /// level per `&&`, so it is flattened with an explicit stack.
    fn condition_parts(
        &mut self,
        c: Node<'t>,
        lets: &mut Vec<(Node<'t>, Val)>,
        exprs: &mut Vec<Node<'t>>,
    ) {
        let mut stack = vec![c];
        while let Some(c) = stack.pop() {
            match c.kind() {
                "let_condition" => {
                    let v = c
                        .child_by_field_name("value")
                        .map(|e| self.eval(e))
                        .unwrap_or_default();
                    if let Some(p) = c.child_by_field_name("pattern") {
                        lets.push((p, v));
                    }
                }
                "let_chain" => {
                    let parts: Vec<Node<'t>> = named_children(c).collect();
                    stack.extend(parts.into_iter().rev());
                }
                _ => {
                    self.eval(c);
                    exprs.push(c);
                }
            }
        }
    }

    fn match_expr(&mut self, n: Node<'t>) -> Val {
        let Some(value) = n.child_by_field_name("value") else {
            return Val::default();
        };
        let v = self.eval(value);
        if self.term {
            return Val::default();
        }
        let subject = self.guard_path(value);
        let Some(body) = n.child_by_field_name("body") else {
            return Val::default();
        };
        let mut arms: Vec<Arm<'_, Self>> = Vec::new();
        for arm in named_children(body).filter(|a| a.kind() == "match_arm") {
            let v = v.clone();
            let subject = subject.clone();
            arms.push(Box::new(move |w: &mut Self| {
                if let Some(p) = arm.child_by_field_name("pattern") {
                    let literal = named_children(p)
                        .next()
                        .is_some_and(Self::is_literal_pattern);
                    if literal && let Some(s) = &subject {
                        w.sanitize_path(s, w.core.t.all);
                    }
                    for c in named_children(p) {
                        if p.child_by_field_name("condition") == Some(c) {
                            w.eval(c);
                            w.apply_guards(c, true);
                        } else {
                            w.bind_pattern(c, v.clone());
                        }
                    }
                }
                arm.child_by_field_name("value")
                    .map(|e| w.eval(e))
                    .unwrap_or_default()
            }));
        }
        self.branches(arms)
    }

    /// A literal or an `|` of literals (which nests one level per alternative, so no recursion).
    fn is_literal_pattern(p: Node<'t>) -> bool {
        let mut stack = vec![p];
        while let Some(p) = stack.pop() {
            match p.kind() {
                "string_literal" | "raw_string_literal" | "integer_literal" | "char_literal"
                | "boolean_literal" => {}
                "or_pattern" => stack.extend(named_children(p)),
                _ => return false,
            }
        }
        true
    }

    fn loop_body(&mut self, pat: Option<(Node<'t>, &Val)>, cond: Option<Node<'t>>, body: Node<'t>) {
        self.loop_depth += 1;
        for _ in 0..self.passes() {
            let pre = self.snapshot();
            if let Some((p, v)) = pat {
                self.bind_pattern(p, v.clone());
            }
            if let Some(c) = cond {
                self.apply_guards(c, true);
            }
            self.eval(body);
            self.env = if self.term {
                pre
            } else {
                join_env(&pre, &self.env)
            };
            self.term = false;
        }
        self.loop_depth -= 1;
    }

    // --------------------------------------------------------------------------------------------------------------
    // Guards
    // --------------------------------------------------------------------------------------------------------------

    fn sanitize_path(&mut self, path: &str, mask: Mask) {
        let all = self.core.t.all;
        if let Some(v) = self.env.get_mut(path) {
            v.taint.sanitize(mask, all);
            if let Some(f) = &mut v.fields {
                for t in f.map.values_mut() {
                    t.sanitize(mask, all);
                }
                f.rest.sanitize(mask, all);
            }
        }
    }

    fn apply_guards(&mut self, cond: Node<'t>, positive: bool) {
        let mut facts = Vec::new();
        self.guards(cond, positive, &mut facts);
        for (p, m) in facts {
            self.sanitize_path(&p, m);
        }
    }

    /// Facts `c` establishes when it is `positive`; past [`MAX_NESTING`] or the budget none (nothing is
    /// sanitized).
    fn guards(&mut self, c: Node<'t>, positive: bool, out: &mut Vec<(String, Mask)>) {
        if self.go_flat() {
            return;
        }
        self.nest += 1;
        self.guards_nested(c, positive, out);
        self.nest -= 1;
    }

    fn guards_nested(&mut self, c: Node<'t>, positive: bool, out: &mut Vec<(String, Mask)>) {
        match c.kind() {
            "parenthesized_expression" => {
                if let Some(i) = c.named_child(0) {
                    self.guards(i, positive, out);
                }
            }
            "unary_expression" if self.text(c).starts_with('!') => {
                if let Some(i) = c.named_child(0) {
                    self.guards(i, !positive, out);
                }
            }
            "binary_expression" => {
                let op = c
                    .child_by_field_name("operator")
                    .map_or("", |o| self.text(o));
                let (Some(l), Some(r)) = (
                    c.child_by_field_name("left"),
                    c.child_by_field_name("right"),
                ) else {
                    return;
                };
                match op {
                    "&&" | "||" => {
                        let (mut a, mut b) = (Vec::new(), Vec::new());
                        self.guards(l, positive, &mut a);
                        self.guards(r, positive, &mut b);
                        if (op == "&&") == positive {
                            out.extend(a);
                            out.extend(b);
                        } else {
                            out.extend(intersect(&a, &b));
                        }
                    }
                    "==" | "!=" if (op == "==") == positive => {
                        for (var, other) in [(l, r), (r, l)] {
                            if self.literal(other).is_some()
                                && let Some(p) = self.guard_path(var)
                            {
                                out.push((p, self.core.t.all));
                            }
                        }
                    }
                    _ => {}
                }
            }
            "call_expression" if positive => {
                let Some(f) = c.child_by_field_name("function") else {
                    return;
                };
                let f = if f.kind() == "generic_function" {
                    f.child_by_field_name("function").unwrap_or(f)
                } else {
                    f
                };
                let recv_node = (f.kind() == "field_expression")
                    .then(|| f.child_by_field_name("value"))
                    .flatten();
                let callee = self.callee_of(f, None);
                let guards: Vec<(GuardOperand, Mask)> =
                    self.core.t.guards.find(&callee).copied().collect();
                for (operand, mask) in guards {
                    let node = match operand {
                        GuardOperand::Receiver => recv_node,
                        GuardOperand::Arg(i) => {
                            // `ALLOWED.contains(&x)` checks `x` only if the receiver is a fixed set, not text.
                            if let Some(r) = recv_node {
                                let rv = self.eval(r);
                                if !rv.taint.is_clean()
                                    || matches!(rv.konst, Some(Const::Str(_)))
                                    || matches!(r.kind(), "string_literal" | "raw_string_literal")
                                {
                                    continue;
                                }
                            }
                            c.child_by_field_name("arguments")
                                .and_then(|a| named_children(a).nth(i))
                        }
                    };
                    if let Some(p) = node.and_then(|n| self.guard_path(n)) {
                        out.push((p, mask));
                    }
                }
            }
            _ => {}
        }
    }

    /// The variable a check is about: `x`, `self.x`, or the root of `x.trim().to_lowercase()`.
    fn guard_path(&self, n: Node<'t>) -> Option<String> {
        let mut n = n;
        loop {
            n = match n.kind() {
                "identifier" | "self" | "field_expression" => return self.dotted(n),
                "reference_expression"
                | "parenthesized_expression"
                | "unary_expression"
                | "try_expression" => named_children(n).last()?,
                "call_expression" => {
                    let f = n.child_by_field_name("function")?;
                    let f = if f.kind() == "generic_function" {
                        f.child_by_field_name("function")?
                    } else {
                        f
                    };
                    if f.kind() != "field_expression" {
                        return None;
                    }
                    f.child_by_field_name("value")?
                }
                _ => return None,
            };
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Expressions
    // --------------------------------------------------------------------------------------------------------------

    /// `a.b.c` for identifier/field chains, in one pass down the chain.
    fn dotted(&self, n: Node<'t>) -> Option<String> {
        let mut fields = Vec::new();
        let mut cur = n;
        while cur.kind() == "field_expression" {
            fields.push(self.text(cur.child_by_field_name("field")?));
            cur = cur.child_by_field_name("value")?;
        }
        if !matches!(cur.kind(), "identifier" | "self") {
            return None;
        }
        let mut path = self.text(cur).to_owned();
        for f in fields.iter().rev() {
            path.push('.');
            path.push_str(f);
        }
        Some(path)
    }

    /// The expression under a field chain: `x` for `x.a.b`, the call for `f().a.b`.
    fn chain_bottom(n: Node<'t>) -> Node<'t> {
        let mut cur = n;
        while cur.kind() == "field_expression" {
            match cur.child_by_field_name("value") {
                Some(v) => cur = v,
                None => break,
            }
        }
        cur
    }

    fn literal(&self, n: Node<'t>) -> Option<Const> {
        match n.kind() {
            "integer_literal" => self
                .text(n)
                .replace('_', "")
                .trim_end_matches(char::is_alphabetic)
                .parse()
                .ok()
                .map(Const::Int),
            "boolean_literal" => Some(Const::Bool(self.text(n) == "true")),
            "string_literal" | "raw_string_literal" => {
                let s: String = named_children(n)
                    .filter(|c| matches!(c.kind(), "string_content" | "escape_sequence"))
                    .map(|c| self.text(c))
                    .collect();
                Some(Const::Str(s))
            }
            _ => None,
        }
    }

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
            "identifier" => self.env.get(self.text(n))?.konst.clone(),
            "parenthesized_expression" => konst(n.named_child(0)?),
            "unary_expression" if self.text(n).starts_with('!') => {
                Some(Const::Bool(!konst(n.named_child(0)?)?.truthy()))
            }
            "binary_expression" => {
                let op = self.text(n.child_by_field_name("operator")?);
                let l = konst(n.child_by_field_name("left")?)?;
                match (op, l.truthy()) {
                    ("&&", false) => return Some(Const::Bool(false)),
                    ("||", true) => return Some(Const::Bool(true)),
                    ("&&" | "||", _) => {
                        return Some(Const::Bool(
                            konst(n.child_by_field_name("right")?)?.truthy(),
                        ));
                    }
                    _ => {}
                }
                let r = konst(n.child_by_field_name("right")?)?;
                Const::compare(op, &l, &r)
                    .map(Const::Bool)
                    .or_else(|| Const::arith(op, &l, &r))
            }
            _ => self.literal(n),
        }
    }

    /// Evaluates an expression; past [`MAX_NESTING`] nested levels it switches to [`Rs::flat`], so generated code
    /// with thousands of chained `+`, nested blocks or calls cannot exhaust a worker's stack.
    fn eval(&mut self, n: Node<'t>) -> Val {
        if self.go_flat() {
            // The flat pass does not follow control flow: nothing it sees ends the enclosing code.
            let term = self.term;
            let t = self.flat(n);
            self.term = term;
            return Val::tainted(t);
        }
        self.nest += 1;
        let v = self.eval_inner(n);
        self.nest -= 1;
        v
    }

    fn eval_inner(&mut self, n: Node<'t>) -> Val {
        match n.kind() {
            "identifier" | "self" => self.env.get(self.text(n)).cloned().unwrap_or_default(),
            "string_literal" | "raw_string_literal" | "integer_literal" | "boolean_literal" => {
                self.literal(n).map(Val::konst).unwrap_or_default()
            }
            "char_literal" | "float_literal" | "scoped_identifier" | "unit_expression"
            | "line_comment" | "block_comment" => Val::default(),
            "field_expression" => {
                if let Some(p) = self.dotted(n)
                    && let Some(v) = self.env.get(&p)
                {
                    return v.clone();
                }
                let Some(obj) = n.child_by_field_name("value") else {
                    return Val::default();
                };
                let o = self.eval(obj);
                let field = n.child_by_field_name("field").map(|f| self.text(f));
                Val::tainted(o.element(field))
            }
            "call_expression" => self.call(n),
            "macro_invocation" => self.macro_call(n),
            "reference_expression"
            | "try_expression"
            | "await_expression"
            | "parenthesized_expression" => named_children(n)
                .last()
                .map(|c| self.eval(c))
                .unwrap_or_default(),
            "unary_expression" => {
                let v = named_children(n)
                    .last()
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                if self.text(n).starts_with('!') {
                    Val {
                        konst: self.konst(n),
                        ..Val::default()
                    }
                } else {
                    Val::tainted(v.taint)
                }
            }
            "binary_expression" => {
                let l = n
                    .child_by_field_name("left")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                let r = n
                    .child_by_field_name("right")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                let op = n
                    .child_by_field_name("operator")
                    .map_or("", |o| self.text(o));
                let konst = self.konst(n);
                if matches!(op, "==" | "!=" | "<" | ">" | "<=" | ">=" | "&&" | "||") {
                    Val {
                        konst,
                        ..Val::default()
                    }
                } else {
                    Val {
                        taint: l.taint.joined(&r.taint),
                        konst,
                        ..Val::default()
                    }
                }
            }
            "type_cast_expression" => {
                if let Some(v) = n.child_by_field_name("value") {
                    self.eval(v);
                }
                Val::default()
            }
            "assignment_expression" => {
                let v = n
                    .child_by_field_name("right")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                if let Some(l) = n.child_by_field_name("left") {
                    self.bind_place(l, v);
                }
                Val::default()
            }
            "compound_assignment_expr" => {
                let l = n.child_by_field_name("left");
                let old = l.map(|c| self.eval(c)).unwrap_or_default();
                let r = n
                    .child_by_field_name("right")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                if let Some(l) = l {
                    self.bind_place(l, Val::tainted(old.taint.joined(&r.taint)));
                }
                Val::default()
            }
            "if_expression" => self.if_expr(n),
            "match_expression" => self.match_expr(n),
            "for_expression" => {
                let it = n
                    .child_by_field_name("value")
                    .map(|c| self.eval(c))
                    .unwrap_or_default();
                let pat = n.child_by_field_name("pattern");
                let elem = Val::tainted(it.taint);
                if let Some(body) = n.child_by_field_name("body") {
                    self.loop_body(pat.map(|p| (p, &elem)), None, body);
                }
                Val::default()
            }
            "while_expression" => {
                let Some(cond) = n.child_by_field_name("condition") else {
                    return Val::default();
                };
                let mut lets = Vec::new();
                let mut exprs = Vec::new();
                self.condition_parts(cond, &mut lets, &mut exprs);
                if lets.is_empty()
                    && exprs.len() == 1
                    && self.konst(exprs[0]).is_some_and(|k| !k.truthy())
                {
                    return Val::default();
                }
                let pat = lets.into_iter().next();
                let guard = exprs.first().copied();
                if let Some(body) = n.child_by_field_name("body") {
                    self.loop_body(pat.as_ref().map(|(p, v)| (*p, v)), guard, body);
                }
                Val::default()
            }
            "loop_expression" => {
                if let Some(body) = n.child_by_field_name("body") {
                    self.loop_body(None, None, body);
                }
                Val::default()
            }
            "block" => self.block(n),
            "unsafe_block" | "async_block" | "const_block" | "else_clause" => named_children(n)
                .last()
                .map(|c| self.eval(c))
                .unwrap_or_default(),
            "closure_expression" => self.closure(n, None),
            "return_expression" => {
                if let Some(c) = n.named_child(0) {
                    let v = self.eval(c);
                    self.ret.join(&v.taint);
                }
                self.term = true;
                Val::default()
            }
            "break_expression" | "continue_expression" => {
                for c in named_children(n) {
                    self.eval(c);
                }
                self.term = true;
                Val::default()
            }
            "tuple_expression" | "array_expression" => {
                let items: Vec<Taint> = named_children(n)
                    .filter(|c| {
                        !matches!(
                            c.kind(),
                            "attribute_item" | "line_comment" | "block_comment"
                        )
                    })
                    .map(|c| self.eval(c).taint)
                    .collect();
                Val::sequence(items, Taint::default(), true)
            }
            "struct_expression" => {
                let mut f = Fields::default();
                if let Some(body) = n.child_by_field_name("body") {
                    for c in named_children(body) {
                        match c.kind() {
                            "field_initializer" => {
                                let name = c
                                    .child_by_field_name("field")
                                    .map(|x| self.text(x).to_owned());
                                let v = c
                                    .child_by_field_name("value")
                                    .map(|x| self.eval(x))
                                    .unwrap_or_default();
                                match name {
                                    Some(k) => {
                                        f.map.insert(k, v.taint);
                                    }
                                    None => f.rest.join(&v.taint),
                                }
                            }
                            "shorthand_field_initializer" => {
                                let name = self.text(c).to_owned();
                                let v = self.env.get(&name).cloned().unwrap_or_default();
                                f.map.insert(name, v.taint);
                            }
                            _ => {
                                let v = self.eval(c);
                                f.rest.join(&v.taint);
                            }
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
            "index_expression" => {
                let parts: Vec<Node<'t>> = named_children(n).collect();
                let Some(&obj) = parts.first() else {
                    return Val::default();
                };
                let v = self.eval(obj);
                let key = parts.get(1).and_then(|k| {
                    self.eval(*k);
                    self.konst(*k)
                });
                Val::tainted(v.element(key.map(|k| k.key()).as_deref()))
            }
            _ => {
                let mut taint = Taint::default();
                for c in named_children(n) {
                    taint.join(&self.eval(c).taint);
                    if self.term {
                        break;
                    }
                }
                Val::tainted(taint)
            }
        }
    }

    fn bind_place(&mut self, l: Node<'t>, v: Val) {
        // `*(*(x)) = v` binds `x`: through derefs and parentheses without recursion.
        let mut l = l;
        while matches!(l.kind(), "unary_expression" | "parenthesized_expression") {
            match named_children(l).last() {
                Some(i) => l = i,
                None => return,
            }
        }
        match l.kind() {
            "identifier" => self.bind_pattern(l, v),
            "field_expression" => {
                let Some(path) = self.dotted(l) else { return };
                let note = format!("assigned to `{path}`");
                let taint = self.core.step(l, &v.taint, &note);
                if let Some((base, _)) = path.split_once('.')
                    && base != "self"
                    && let Some(b) = self.env.get_mut(base)
                {
                    b.taint.join(&taint);
                }
                self.env.insert(path, Val::tainted(taint));
            }
            "index_expression" => {
                let Some(obj) = l.named_child(0) else { return };
                if let Some(path) = self.dotted(obj) {
                    let note = format!("stored in `{path}[…]`");
                    let taint = self.core.step(l, &v.taint, &note);
                    let var = self.env.entry(path).or_default();
                    match &mut var.fields {
                        Some(f) => {
                            f.rest.join(&taint);
                            f.len = None;
                        }
                        None => var.taint.join(&taint),
                    }
                    var.recompute();
                }
            }
            _ => {}
        }
    }

    fn closure(&mut self, n: Node<'t>, params: Option<&Taint>) -> Val {
        let saved_env = self.snapshot();
        let saved_ret = std::mem::take(&mut self.ret);
        if let Some(ps) = n.child_by_field_name("parameters") {
            for p in named_children(ps) {
                let pat = if p.kind() == "parameter" {
                    p.child_by_field_name("pattern").unwrap_or(p)
                } else {
                    p
                };
                let v = Val::tainted(params.cloned().unwrap_or_default());
                self.bind_pattern(pat, v);
            }
        }
        let mut v = n
            .child_by_field_name("body")
            .map(|b| self.eval(b))
            .unwrap_or_default();
        v.taint.join(&self.ret);
        self.env = saved_env;
        self.ret = saved_ret;
        self.term = false;
        Val::tainted(v.taint)
    }

    /// Macros are token trees, not expressions: a macro's value carries the taint of every variable it names,
    /// including `{name}` captured by a format string.
    fn macro_call(&mut self, n: Node<'t>) -> Val {
        let name = n
            .child_by_field_name("macro")
            .map(|m| squash(self.text(m)))
            .unwrap_or_default();
        let callee = Callee {
            raw: name.clone(),
            full: self.resolve(&name),
            typed: None,
            bare: true,
            last: last_segment(&name).to_owned(),
        };
        if self.core.t.terminators.any(&callee) {
            self.term = true;
            return Val::default();
        }
        let mut taint = Taint::default();
        let mut konst_only = true;
        if let Some(tt) = named_children(n).find(|c| c.kind() == "token_tree") {
            self.tokens(tt, &mut taint, &mut konst_only);
            // `format!("https://api.example.com/{path}")`: the host is fixed.
            if let Some(first) = named_children(tt).next()
                && first.kind() == "string_literal"
                && let Some(Const::Str(s)) = self.literal(first)
            {
                let prefix = s.split('{').next().unwrap_or("");
                taint.sanitize(self.core.t.prefix_mask(prefix), self.core.t.all);
            }
        }
        Val::tainted(taint)
    }

    /// The taint of every variable a token tree names; nested trees (`vec![[[…]]]`) go on an explicit stack.
    fn tokens(&mut self, tt: Node<'t>, taint: &mut Taint, konst_only: &mut bool) {
        let mut stack = vec![tt];
        while let Some(tt) = stack.pop() {
            let mut prev: Vec<&'a str> = Vec::new();
            let mut cursor = tt.walk();
            for c in tt.children(&mut cursor) {
                match c.kind() {
                    "identifier" => {
                        let name = self.text(c);
                        let path = if prev.len() >= 2
                            && prev[prev.len() - 1] == "."
                            && prev[prev.len() - 2] == "self"
                        {
                            format!("self.{name}")
                        } else {
                            name.to_owned()
                        };
                        if let Some(v) = self.env.get(&path).or_else(|| self.env.get(name)) {
                            taint.join(&v.taint);
                            *konst_only = false;
                        }
                    }
                    "string_literal" | "raw_string_literal" => {
                        let s = self.text(c);
                        for name in inline_args(s) {
                            if let Some(v) = self.env.get(name) {
                                taint.join(&v.taint);
                            }
                        }
                    }
                    "token_tree" => stack.push(c),
                    _ => {}
                }
                prev.push(self.text(c));
            }
        }
    }

    fn callee_of(&self, f: Node<'t>, recv: Option<&Val>) -> Callee {
        if f.kind() == "field_expression" {
            let method = f
                .child_by_field_name("field")
                .map(|m| self.text(m).to_owned())
                .unwrap_or_default();
            let raw = f
                .child_by_field_name("value")
                .and_then(|v| self.dotted(v))
                .map_or_else(|| format!("?.{method}"), |p| format!("{p}.{method}"));
            let typed = recv
                .and_then(|v| v.ty.as_ref())
                .map(|t| format!("{t}.{method}"));
            Callee {
                full: raw.clone(),
                raw,
                typed,
                bare: false,
                last: method,
            }
        } else {
            let text = self.text(f);
            let raw = if text.len() > MAX_CALLEE_BYTES {
                "?".to_owned()
            } else {
                squash(text)
            };
            let raw = match raw.find("::<") {
                Some(i) => raw[..i].to_owned(),
                None => raw,
            };
            let full = self.resolve(&raw);
            Callee {
                last: last_segment(&raw).to_owned(),
                full,
                raw,
                typed: None,
                bare: f.kind() == "identifier",
            }
        }
    }

    fn call(&mut self, n: Node<'t>) -> Val {
        let Some(func) = n.child_by_field_name("function") else {
            return Val::default();
        };
        let f = if func.kind() == "generic_function" {
            func.child_by_field_name("function").unwrap_or(func)
        } else {
            func
        };
        let t = self.core.t;
        let recv_node = (f.kind() == "field_expression")
            .then(|| f.child_by_field_name("value"))
            .flatten();
        let recv = recv_node.map(|r| self.eval(r));
        if self.term {
            return Val::default();
        }
        let callee = self.callee_of(f, recv.as_ref());
        let mut args: Vec<Arg<'t>> = Vec::new();
        if let Some(a) = n.child_by_field_name("arguments") {
            for c in named_children(a) {
                if matches!(
                    c.kind(),
                    "attribute_item" | "line_comment" | "block_comment"
                ) {
                    continue;
                }
                let val = if c.kind() == "closure_expression" {
                    let p = recv.as_ref().map(|r| r.taint.clone());
                    self.closure(c, p.as_ref())
                } else {
                    self.eval(c)
                };
                if self.term {
                    return Val::default();
                }
                args.push(Arg {
                    node: c,
                    name: None,
                    val,
                });
            }
        }
        let site = CallSite {
            node: n,
            callee,
            recv: recv_node.zip(recv),
            args,
        };
        let reported = self.core.check_call(&site);
        let v = self.call_result(n, f, recv_node, site);
        Val {
            taint: v.taint.sanitized(reported, t.all),
            ..v
        }
    }

    fn call_result(
        &mut self,
        n: Node<'t>,
        f: Node<'t>,
        recv_node: Option<Node<'t>>,
        site: CallSite<'t>,
    ) -> Val {
        let t = self.core.t;
        let CallSite {
            callee, recv, args, ..
        } = site;
        let recv_val = recv.map(|(_, v)| v);
        let mut args_taint = Taint::default();
        for a in &args {
            args_taint.join(&a.val.taint);
        }
        if let Some(spec) = t.call_sources.find(&callee).next() {
            return Val::tainted(self.core.source(n, spec.kind, None, &spec.origin));
        }
        if t.terminators.any(&callee) {
            self.term = true;
            return Val::default();
        }
        let mut input = args_taint.clone();
        if let Some(r) = &recv_val {
            input.join(&r.taint);
        }
        let mask = t.sanitizers.find(&callee).fold(0, |a, m| a | m);
        if mask != 0 {
            return Val::tainted(input.sanitized(mask, t.all));
        }
        if let Some(out) = t.origin_sanitize(&callee, input.clone()) {
            return Val::tainted(out);
        }
        if let Some(v) = self.helper(n, f, &callee, &args) {
            return v;
        }
        if let Some(v) = self.foreign(n, &callee, &args) {
            return v;
        }
        if let Some(r) = &recv_val {
            if t.mutators.any(&callee) {
                if let Some(path) = recv_node.and_then(|o| self.dotted(o)) {
                    let note = format!("added to `{path}`");
                    let added = self.core.step(n, &args_taint, &note);
                    let var = self.env.entry(path).or_default();
                    var.konst = None;
                    match &mut var.fields {
                        Some(f) => {
                            f.rest.join(&added);
                            f.len = None;
                        }
                        None => var.taint.join(&added),
                    }
                    var.recompute();
                }
                return Val::default();
            }
            let recv_is_text = recv_node
                .is_some_and(|o| matches!(o.kind(), "string_literal" | "raw_string_literal"))
                || matches!(r.konst, Some(Const::Str(_)));
            let propagates = t.propagators.any(&callee) || recv_is_text || args_taint.is_clean();
            let taint = if propagates {
                r.taint.clone().joined(&args_taint)
            } else {
                r.taint.clone().joined(&args_taint.via_call())
            };
            return Val {
                taint,
                ty: r.ty.clone(),
                ctor: r.ctor,
                ..Val::default()
            };
        }
        let (ty, ctor) = {
            let segs: Vec<&str> = callee.full.split("::").collect();
            if segs.len() >= 2 && segs[segs.len() - 2].starts_with(|c: char| c.is_ascii_uppercase())
            {
                (
                    Some(Rc::from(segs[..segs.len() - 1].join("::").as_str())),
                    Some((n.start_byte(), n.end_byte())),
                )
            } else {
                (None, None)
            }
        };
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

    fn helper(
        &mut self,
        n: Node<'t>,
        f: Node<'t>,
        callee: &Callee,
        args: &[Arg<'t>],
    ) -> Option<Val> {
        let def = match f.kind() {
            "identifier" if !self.uses.contains_key(&callee.raw) => *self.funcs.get(&callee.raw)?,
            "scoped_identifier" if callee.raw.starts_with("Self::") => {
                (*self.methods.get(&callee.last)?)?
            }
            "field_expression" => {
                let obj = f.child_by_field_name("value")?;
                if obj.kind() != "self" {
                    return None;
                }
                (*self.methods.get(&callee.last)?)?
            }
            _ => return None,
        };
        let summary = self.function(def)?;
        Some(Val::tainted(summary::apply(
            self.core,
            n,
            &callee.last,
            &summary,
            args,
            0,
        )))
    }
}

impl<'a: 't, 't> Rs<'_, 'a, 't> {
    /// Applies the summary of a function in another module of the crate (`db::delete_note(&pool, id)` with
    /// `use crate::db;`), if the callee resolves to one.
    fn foreign(&mut self, n: Node<'t>, callee: &Callee, args: &[Arg<'t>]) -> Option<Val> {
        let (across, importer) = self.across?;
        let levels = self.levels.checked_sub(1)?;
        if callee.raw.len() > MAX_CALLEE_BYTES || callee.raw.contains('.') {
            return None;
        }
        let (path, name) = across.project.resolve_name(importer, &callee.raw)?;
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
        let summary = across.summary(&m, path, &name, levels)?;
        Some(Val::tainted(summary::apply(
            self.core,
            n,
            &callee.last,
            &summary,
            args,
            0,
        )))
    }
}

/// Walks every free function of a Rust module for its summary.
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
    let mut w = Rs::new(&mut core, Some((&across, path)), levels);
    w.index(parsed.tree.root_node(), &mut Vec::new());
    let mut out = ModuleSummaries::default();
    let funcs: Vec<(String, Node<'_>)> = w.funcs.iter().map(|(k, v)| (k.clone(), *v)).collect();
    for (name, def) in funcs {
        if let Some(s) = w.function(def) {
            out.funcs.insert(name, Frozen::freeze(&s));
        }
    }
    out
}

/// One step of [`Rs::flat`]'s explicit stack.
enum Flat<'t> {
    /// Evaluate a node: its taint ends up on the value stack.
    Enter(Node<'t>),
    /// A node's operands are on the value stack from the mark on: combine them into its taint.
    Exit(Node<'t>, usize),
    /// Bind a pattern to the taint on top of the value stack (popping it).
    Bind(Node<'t>),
    /// Bind a closure's parameters to the taint on top of the value stack (the receiver), leaving it there.
    Params(Node<'t>),
    /// The taint on top of the value stack is the subject of the `match` being walked.
    Subject,
    /// Bind a match arm's pattern to the current subject.
    Arm(Node<'t>),
    /// The current `match` is done.
    EndSubject,
}

/// Items nested in a function body: analysed on their own, if at all.
const NESTED_ITEMS: [&str; 14] = [
    "function_item",
    "struct_item",
    "enum_item",
    "union_item",
    "impl_item",
    "trait_item",
    "mod_item",
    "use_declaration",
    "const_item",
    "static_item",
    "type_item",
    "macro_definition",
    "attribute_item",
    "inner_attribute_item",
];

impl<'a: 't, 't> Rs<'_, 'a, 't> {
    // --------------------------------------------------------------------------------------------------------------
    // Past the nesting limit: one iterative pass
    // --------------------------------------------------------------------------------------------------------------

    /// The taint of `root` from one iterative pass over its subtree in source order, used past [`MAX_NESTING`].
    /// `let`, assignments, `for` and match arms bind, joining with what the name held (branches are not told apart,
    /// so a later branch must not erase an earlier one's taint); calls and macros are checked against the sinks;
    /// sources, sanitizers and mutators apply; everything else joins the taint of its parts. Loops get one pass,
    /// helpers count as unknown calls, nothing is folded, and nothing ends the walk early. Less precise than
    /// [`Rs::eval`] — the alternative, treating deep code as clean, would let a branch hide a sink by nesting it
    /// in blocks — and linear in the subtree.
    fn flat(&mut self, root: Node<'t>) -> Taint {
        let mut todo = vec![Flat::Enter(root)];
        let mut vals: Vec<Taint> = Vec::new();
        let mut subjects: Vec<Taint> = Vec::new();
        while let Some(step) = todo.pop() {
            match step {
                Flat::Enter(n) => self.flat_enter(n, &mut todo, &mut vals),
                Flat::Exit(n, mark) => {
                    let parts = vals.split_off(mark.min(vals.len()));
                    let t = self.flat_exit(n, parts);
                    vals.push(t);
                }
                Flat::Bind(pat) => {
                    let t = vals.pop().unwrap_or_default();
                    self.bind_flat(pat, &t);
                }
                Flat::Params(closure) => {
                    let recv = vals.last().cloned().unwrap_or_default();
                    if let Some(ps) = closure.child_by_field_name("parameters") {
                        self.bind_flat(ps, &recv);
                    }
                }
                Flat::Subject => subjects.push(vals.last().cloned().unwrap_or_default()),
                Flat::Arm(pat) => {
                    let subject = subjects.last().cloned().unwrap_or_default();
                    self.bind_flat(pat, &subject);
                }
                Flat::EndSubject => {
                    subjects.pop();
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
        let kind = n.kind();
        if NESTED_ITEMS.contains(&kind) || kind.ends_with("comment") {
            vals.push(Taint::default());
            return;
        }
        let mark = vals.len();
        match kind {
            "identifier" | "self" => {
                let t = self.env.get(self.text(n)).map(|v| v.taint.clone());
                vals.push(t.unwrap_or_default());
            }
            "field_expression" => match self.dotted(n) {
                Some(path) => {
                    let t = self.path_taint(&path);
                    vals.push(t);
                }
                None => todo.push(Flat::Enter(Self::chain_bottom(n))),
            },
            "macro_invocation" => {
                let t = self.macro_call(n).taint;
                vals.push(t);
            }
            "call_expression" => {
                todo.push(Flat::Exit(n, mark));
                let args = Self::call_args(n);
                todo.extend(args.iter().rev().map(|a| Flat::Enter(*a)));
                // Closures passed to a method see the receiver (`xs.iter().map(|x| …)`), as in `Rs::call`.
                todo.extend(
                    args.iter()
                        .filter(|a| a.kind() == "closure_expression")
                        .map(|c| Flat::Params(*c)),
                );
                let (f, recv) = Self::callee_and_receiver(n);
                match (recv, f) {
                    (Some(r), _) | (None, Some(r)) => todo.push(Flat::Enter(r)),
                    (None, None) => vals.push(Taint::default()),
                }
            }
            "let_declaration" => {
                // The value, then the pattern binds it, then the `else` block (which diverges).
                todo.push(Flat::Exit(n, mark));
                if let Some(alt) = n.child_by_field_name("alternative") {
                    todo.push(Flat::Enter(alt));
                }
                if let Some(p) = n.child_by_field_name("pattern") {
                    todo.push(Flat::Bind(p));
                }
                match n.child_by_field_name("value") {
                    Some(v) => todo.push(Flat::Enter(v)),
                    None => vals.push(Taint::default()),
                }
            }
            "assignment_expression" | "compound_assignment_expr" | "let_condition" => {
                todo.push(Flat::Exit(n, mark));
                let value = if kind == "let_condition" {
                    "value"
                } else {
                    "right"
                };
                if let Some(v) = n.child_by_field_name(value) {
                    todo.push(Flat::Enter(v));
                }
            }
            "for_expression" => {
                todo.push(Flat::Exit(n, mark));
                if let Some(b) = n.child_by_field_name("body") {
                    todo.push(Flat::Enter(b));
                }
                if let Some(p) = n.child_by_field_name("pattern") {
                    todo.push(Flat::Bind(p));
                }
                match n.child_by_field_name("value") {
                    Some(v) => todo.push(Flat::Enter(v)),
                    None => vals.push(Taint::default()),
                }
            }
            "match_expression" => {
                todo.push(Flat::EndSubject);
                todo.push(Flat::Exit(n, mark));
                if let Some(b) = n.child_by_field_name("body") {
                    todo.push(Flat::Enter(b));
                }
                todo.push(Flat::Subject);
                match n.child_by_field_name("value") {
                    Some(v) => todo.push(Flat::Enter(v)),
                    None => vals.push(Taint::default()),
                }
            }
            "match_arm" => {
                todo.push(Flat::Exit(n, mark));
                if let Some(v) = n.child_by_field_name("value") {
                    todo.push(Flat::Enter(v));
                }
                if let Some(p) = n.child_by_field_name("pattern") {
                    if let Some(c) = p.child_by_field_name("condition") {
                        todo.push(Flat::Enter(c));
                    }
                    todo.push(Flat::Arm(p));
                }
            }
            _ => {
                todo.push(Flat::Exit(n, mark));
                let children: Vec<Node<'t>> = named_children(n).collect();
                todo.extend(children.into_iter().rev().map(Flat::Enter));
            }
        }
    }

    fn flat_exit(&mut self, n: Node<'t>, parts: Vec<Taint>) -> Taint {
        let mut joined = Taint::default();
        for p in &parts {
            joined.join(p);
        }
        match n.kind() {
            "call_expression" => self.flat_call(n, parts),
            "let_declaration" | "for_expression" => Taint::default(),
            "assignment_expression" | "compound_assignment_expr" => {
                if let Some(l) = n.child_by_field_name("left") {
                    if n.kind() == "compound_assignment_expr" {
                        joined.join(&self.place_taint(l));
                    }
                    self.bind_flat(l, &joined);
                }
                Taint::default()
            }
            "let_condition" => {
                if let Some(p) = n.child_by_field_name("pattern") {
                    self.bind_flat(p, &joined);
                }
                joined
            }
            "return_expression" => {
                self.ret.join(&joined);
                Taint::default()
            }
            _ => joined,
        }
    }

    /// The callee node (through `f::<T>`) and, for a method call, the receiver.
    fn callee_and_receiver(n: Node<'t>) -> (Option<Node<'t>>, Option<Node<'t>>) {
        let f = n.child_by_field_name("function").map(|func| {
            if func.kind() == "generic_function" {
                func.child_by_field_name("function").unwrap_or(func)
            } else {
                func
            }
        });
        let recv = f
            .filter(|f| f.kind() == "field_expression")
            .and_then(|f| f.child_by_field_name("value"));
        (f, recv)
    }

    fn call_args(n: Node<'t>) -> Vec<Node<'t>> {
        n.child_by_field_name("arguments")
            .map(|a| {
                named_children(a)
                    .filter(|c| {
                        !matches!(
                            c.kind(),
                            "attribute_item" | "line_comment" | "block_comment"
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `parts`: the receiver's (or callee's) taint, then each argument's, as [`Rs::flat_enter`] pushed them.
    fn flat_call(&mut self, n: Node<'t>, parts: Vec<Taint>) -> Taint {
        let t = self.core.t;
        let (Some(f), recv_node) = Self::callee_and_receiver(n) else {
            return Taint::default();
        };
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        let recv = recv_node.map(|r| (r, Val::tainted(first)));
        let args: Vec<Arg<'t>> = Self::call_args(n)
            .into_iter()
            .map(|node| Arg {
                node,
                name: None,
                val: Val::tainted(parts.next().unwrap_or_default()),
            })
            .collect();
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
        let mask = t.sanitizers.find(&callee).fold(0, |a, m| a | m);
        let out = if let Some(spec) = t.call_sources.find(&callee).next() {
            self.core.source(n, spec.kind, None, &spec.origin)
        } else if t.terminators.any(&callee) {
            Taint::default()
        } else if mask != 0 {
            input.sanitized(mask, t.all)
        } else if t.mutators.any(&callee)
            && let Some(path) = recv_node.and_then(|o| self.dotted(o))
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

    /// What the environment holds for a dotted path or its longest known prefix.
    fn path_taint(&self, path: &str) -> Taint {
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

    /// What an assignment place holds now (for `x += …`).
    fn place_taint(&self, place: Node<'t>) -> Taint {
        let mut p = place;
        while matches!(
            p.kind(),
            "index_expression" | "unary_expression" | "parenthesized_expression"
        ) {
            match p.named_child(0) {
                Some(c) => p = c,
                None => break,
            }
        }
        self.dotted(p)
            .map(|path| self.path_taint(&path))
            .unwrap_or_default()
    }

    /// Binds every name in a pattern or assignment place to `taint`, joined with what it held, without recursion.
    fn bind_flat(&mut self, pat: Node<'t>, taint: &Taint) {
        let mut stack = vec![pat];
        while let Some(p) = stack.pop() {
            match p.kind() {
                "identifier" | "shorthand_field_identifier" => {
                    let name = self.text(p);
                    if name != "_" {
                        self.weak_bind(name.to_owned(), taint);
                    }
                }
                "field_expression" => {
                    let Some(path) = self.dotted(p) else { continue };
                    if let Some((base, _)) = path.split_once('.')
                        && base != "self"
                        && self.env.contains_key(base)
                    {
                        self.weak_bind(base.to_owned(), taint);
                    }
                    self.weak_bind(path, taint);
                }
                "index_expression" => {
                    if let Some(path) = p.named_child(0).and_then(|o| self.dotted(o)) {
                        self.weak_bind(path, taint);
                    }
                }
                "field_pattern" => {
                    let target = p
                        .child_by_field_name("pattern")
                        .or_else(|| p.child_by_field_name("name"));
                    stack.extend(target);
                }
                "tuple_pattern"
                | "slice_pattern"
                | "tuple_struct_pattern"
                | "struct_pattern"
                | "mut_pattern"
                | "ref_pattern"
                | "reference_pattern"
                | "match_pattern"
                | "or_pattern"
                | "captured_pattern"
                | "closure_parameters"
                | "parameter"
                | "unary_expression"
                | "parenthesized_expression" => {
                    let ty = p.child_by_field_name("type");
                    let skip = p.child_by_field_name("condition");
                    stack.extend(named_children(p).filter(|c| Some(*c) != ty && Some(*c) != skip));
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

/// `{name}` / `{name:?}` captures in a format string literal.
fn inline_args(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let end = rest.find(['}', ':']).unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push(name);
        }
        rest = &rest[end..];
    }
    out
}
