//! What the layers behind a handler do: services, repositories and helpers in other modules.
//!
//! `svc.rename(project_id, body.name)` in a route says nothing by itself. Whether it is an insecure direct object
//! reference depends on `ProjectService.rename` (in `app/services/projects.py`), which calls
//! `self.repo.get(project_id)` (in `app/repositories/projects.py`): the record is loaded by the client's key and
//! nobody compares its owner. The twin `svc.get_for_member(project_id, member)` reaches a query scoped by
//! `Project.owner_id == owner_id` two files away, and is fine.
//!
//! Each project function gets a [`Summary`], computed once per scan of a file and bottom-up over the calls it
//! makes (bounded depth, cycles cut): an ownership or privilege check anywhere in it or below, and for each
//! parameter where a record is loaded or changed by it. A call is resolved through what the module knows of its
//! receiver: a parameter's annotation (or its `Annotated[T, Depends(…)]` alias, here or imported), a local
//! `x = T(…)` / `T.from_session(…)`, `self.attr` typed in `__init__`, an imported module, an imported module-level
//! instance (`benefit = BenefitService()`), or a class's own methods and its project base classes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use secreview_syntax::{ParsedFile, named_children, walk, walk_with_parent};
use tree_sitter::Node;

use super::imported::{self, Fact, class_method, top_level};
use super::model::{Names, Owner};
use super::python::{PyFile, is_dotted_name, model_name, params_of};
use crate::project::Project;

/// Calls followed below the handler: service → access helper → repository → statement builders → the scoped
/// query. Layered apps put the owner comparison five calls down; summaries are cached, so depth is cheap.
const MAX_DEPTH: usize = 6;
/// Base classes searched for an inherited method (`BenefitRepository` → `RepositoryBase`).
const MAX_BASES: usize = 3;
/// Longest callee expression resolved: real ones are a few names long, and generated chains (`a.b.b.b…`,
/// `f(f(f(…)))`) would make every call of the chain re-read the whole chain.
const MAX_CALLEE_BYTES: usize = 256;

/// What a project function does about ownership, with evidence in its own file.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// An ownership or privilege check in the function or anything it calls.
    pub check: Option<Fact>,
    /// Per parameter (in order, `self`/`cls` left out): where a record is loaded or changed by its value.
    pub loads: Vec<Option<Load>>,
    /// Per parameter: where its value scopes something below (an argument of a project or library call, a
    /// comparison), so a principal passed there can restrict what is loaded. Constructors (`Board(owner_id=
    /// member.id)`) and logging do not scope.
    pub scopes: Vec<Option<Fact>>,
    pub params: Vec<String>,
    /// Where the function itself reads the acting principal (`request.user`, `current_user.id`): a queryset
    /// helper that does is scoped by whoever asks.
    pub reads_principal: Option<Fact>,
}

#[derive(Debug, Clone)]
pub(crate) struct Load {
    pub fact: Fact,
    pub mutating: bool,
    /// What the data model says about the loaded record's owner, read where the query names its model.
    pub owner: Option<Owner>,
}

impl Summary {
    fn param_index(&self, index: Option<usize>, keyword: Option<&str>) -> Option<usize> {
        match keyword {
            Some(k) => self.params.iter().position(|p| p == k),
            None => index,
        }
    }

    /// The load reached by the argument at position `index` or passed as keyword `keyword`.
    pub fn load_for(&self, index: Option<usize>, keyword: Option<&str>) -> Option<&Load> {
        self.loads.get(self.param_index(index, keyword)?)?.as_ref()
    }

    /// Where the argument at `index` / `keyword` scopes what the function does.
    pub fn scope_for(&self, index: Option<usize>, keyword: Option<&str>) -> Option<&Fact> {
        self.scopes.get(self.param_index(index, keyword)?)?.as_ref()
    }
}

/// A function found in the project: its module, parse and node, and its class when it is a method.
#[derive(Clone, Copy)]
struct Func<'p> {
    path: &'p str,
    p: &'p ParsedFile,
    def: Node<'p>,
    class: Option<Node<'p>>,
}

/// Summaries of one scan of a file, by (module path, definition offset).
pub(crate) struct Layers<'p> {
    project: &'p Project,
    cache: RefCell<HashMap<(String, usize), Rc<Summary>>>,
    /// Definitions being summarised, to cut recursion.
    active: RefCell<Vec<(String, usize)>>,
    /// The handler environments, by definition offset: every call of a handler resolves against the same one.
    envs: RefCell<HashMap<usize, Rc<Env<'p>>>>,
}

/// Names a function body binds to a type: parameters and locals, each with the module (and its parse) in which
/// the type's name is meaningful (an alias imported from `deps.py` names a class that `deps.py` imports).
type Env<'p> = HashMap<String, (&'p str, &'p ParsedFile, String)>;

impl<'p> Layers<'p> {
    pub fn new(project: &'p Project) -> Layers<'p> {
        Layers {
            project,
            cache: RefCell::new(HashMap::new()),
            active: RefCell::new(Vec::new()),
            envs: RefCell::new(HashMap::new()),
        }
    }

    /// The summary of the project function a handler's call reaches (in this module or another). `handler` is
    /// the handler's definition in the module at `path`.
    pub fn call_summary(
        &self,
        path: &'p str,
        p: &'p ParsedFile,
        handler: Node<'p>,
        call: Node<'p>,
        names: &Names,
    ) -> Option<Rc<Summary>> {
        let callee = call.child_by_field_name("function")?;
        if callee.byte_range().len() > MAX_CALLEE_BYTES {
            return None;
        }
        let env = Rc::clone(
            self.envs
                .borrow_mut()
                .entry(handler.start_byte())
                .or_insert_with(|| Rc::new(self.env_of(path, p, handler))),
        );
        let target = self.resolve(path, p, None, &env, callee, 0)?;
        Some(self.summary(target, names, 1))
    }

    fn summary(&self, f: Func<'p>, names: &Names, depth: usize) -> Rc<Summary> {
        let key = (f.path.to_owned(), f.def.start_byte());
        if let Some(s) = self.cache.borrow().get(&key) {
            return Rc::clone(s);
        }
        if depth > MAX_DEPTH || self.active.borrow().contains(&key) {
            return Rc::new(Summary::default());
        }
        self.active.borrow_mut().push(key.clone());
        let s = Rc::new(self.compute(f, names, depth));
        self.active.borrow_mut().pop();
        self.cache.borrow_mut().insert(key, Rc::clone(&s));
        s
    }

    fn compute(&self, f: Func<'p>, names: &Names, depth: usize) -> Summary {
        let name_node = f.def.child_by_field_name("name").unwrap_or(f.def);
        let fname = f.p.text(name_node);
        let qual = match f.class.and_then(|c| c.child_by_field_name("name")) {
            Some(c) => format!("{}.{fname}", f.p.text(c)),
            None => fname.to_owned(),
        };
        let params: Vec<String> = params_of(f.p, f.def)
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        let mut s = Summary {
            check: PyFile::find_check(f.p, names, f.def)
                .map(|c| fact_at_line(f.path, c.line, c.col, format!("`{qual}`: {}", c.note))),
            loads: vec![None; params.len()],
            scopes: vec![None; params.len()],
            params: params.clone(),
            reads_principal: None,
        };
        let Some(body) = f.def.child_by_field_name("body") else {
            return s;
        };
        let env = self.env_of(f.path, f.p, f.def);
        // Which parameters each local derives from (`stmt = select(P).where(P.id == project_id)`).
        let mut mutated: Vec<usize> = Vec::new();
        let mut derived: HashMap<String, Vec<usize>> = params
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), vec![i]))
            .collect();
        walk_with_parent(body, &mut |n, _| {
            match n.kind() {
                "function_definition" | "class_definition" | "lambda" => return false,
                "assignment" => {
                    if let (Some(l), Some(r)) = (
                        n.child_by_field_name("left"),
                        n.child_by_field_name("right"),
                    ) && l.kind() == "identifier"
                    {
                        let from = uses(f.p, r, &derived);
                        if !from.is_empty() {
                            derived.insert(f.p.text(l).to_owned(), from);
                        }
                    }
                }
                "call" => {
                    // `session.delete(board)`, `board.save()`: the record the key selected is changed.
                    let callee = n.child_by_field_name("function").unwrap_or(n);
                    if names.is_mutation_call(f.p.text(callee)) {
                        mutated.extend(uses(f.p, n, &derived));
                    }
                    if scoping_call(f.p.text(callee)) {
                        note_scopes(f, &qual, n, &derived, &mut s.scopes);
                    }
                    self.call_in_body(f, &qual, &env, &derived, n, names, depth, &mut s);
                }
                _ => {}
            }
            if n.kind() == "comparison_operator" {
                note_scopes(f, &qual, n, &derived, &mut s.scopes);
            }
            if n.kind() == "attribute"
                && s.reads_principal.is_none()
                && names.mentions_principal(f.p.text(n))
            {
                let (line, col) = f.p.line_col(n.start_byte());
                s.reads_principal = Some(fact_at_line(
                    f.path,
                    line,
                    col,
                    format!(
                        "`{qual}` reads `{}`",
                        crate::redact::excerpt(f.p.text(n), 40)
                    ),
                ));
            }
            // `board.title = title`
            if n.kind() == "assignment"
                && let Some(l) = n.child_by_field_name("left")
                && l.kind() == "attribute"
                && let Some(o) = l.child_by_field_name("object")
                && let Some(from) = derived.get(f.p.text(o))
            {
                mutated.extend(from.iter().copied());
            }
            true
        });
        // A record loaded by the key and then changed (not a lookup of something else followed by a create).
        for i in mutated {
            if let Some(Some(load)) = s.loads.get_mut(i) {
                load.mutating = true;
            }
        }
        s
    }

    #[allow(clippy::too_many_arguments)]
    fn call_in_body(
        &self,
        f: Func<'p>,
        qual: &str,
        env: &Env<'p>,
        derived: &HashMap<String, Vec<usize>>,
        call: Node<'p>,
        names: &Names,
        depth: usize,
        s: &mut Summary,
    ) {
        let Some(callee) = call
            .child_by_field_name("function")
            .filter(|c| c.byte_range().len() <= MAX_CALLEE_BYTES)
        else {
            return;
        };
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let c = f.p.text(callee);
        let target = self
            .resolve(f.path, f.p, f.class, env, callee, depth)
            .map(|t| self.summary(t, names, depth + 1));
        if let Some(t) = &target
            && s.check.is_none()
        {
            s.check.clone_from(&t.check);
        }
        for (index, keyword, arg) in arguments(f.p, args) {
            let from = uses(f.p, arg, derived);
            if from.is_empty() {
                continue;
            }
            let load = match &target {
                Some(t) => t.load_for(index, keyword).cloned().map(|l| Load {
                    fact: Fact {
                        note: format!("`{qual}` → {}", l.fact.note),
                        ..l.fact
                    },
                    mutating: l.mutating,
                    owner: l.owner,
                }),
                None if names.is_lookup_call(c) => {
                    let (line, col) = f.p.line_col(call.start_byte());
                    Some(Load {
                        fact: fact_at_line(
                            f.path,
                            line,
                            col,
                            format!("`{qual}` → `{}(…)`", crate::redact::excerpt(c, 60)),
                        ),
                        mutating: names.is_mutation_call(c),
                        owner: model_name(f.p.text(call)).and_then(|m| {
                            imported::model_owner(self.project, f.path, f.p, m, names)
                        }),
                    })
                }
                None => None,
            };
            let Some(load) = load else { continue };
            for i in from {
                if let Some(slot) = s.loads.get_mut(i)
                    && slot.as_ref().is_none_or(|l| !l.mutating && load.mutating)
                {
                    *slot = Some(load.clone());
                }
            }
        }
    }

    /// The project function `callee` (a call's function expression in `f`'s module) refers to.
    fn resolve(
        &self,
        path: &'p str,
        p: &'p ParsedFile,
        class: Option<Node<'p>>,
        env: &Env<'p>,
        callee: Node<'p>,
        depth: usize,
    ) -> Option<Func<'p>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match callee.kind() {
            "identifier" => self.function_named(path, p, p.text(callee)),
            "attribute" => {
                let method = p.text(callee.child_by_field_name("attribute")?);
                let object = callee.child_by_field_name("object")?;
                let (tpath, tp, tclass) = self.object_class(path, p, class, env, object)?;
                self.method_of(tpath, tp, tclass, method, 0)
            }
            _ => None,
        }
    }

    /// The class an expression's value is an instance of (or is: `T.create(…)`), when the module can tell.
    fn object_class(
        &self,
        path: &'p str,
        p: &'p ParsedFile,
        class: Option<Node<'p>>,
        env: &Env<'p>,
        object: Node<'p>,
    ) -> Option<(&'p str, &'p ParsedFile, Node<'p>)> {
        let text = p.text(object);
        match object.kind() {
            "identifier" if text == "self" || text == "cls" => class.map(|c| (path, p, c)),
            "identifier" => {
                if let Some((tpath, tp, ty)) = env.get(text) {
                    return self.class_named(tpath, tp, ty);
                }
                if let Some(c) = self.class_named(path, p, text) {
                    return Some(c);
                }
                // An imported module-level instance: `from .service import benefit as benefit_service`.
                let (module, symbol) = self.project.resolve_name(path, text)?;
                let (mpath, mp) = self.module(&module)?;
                let ty = instance_type(mp, &symbol)?;
                self.class_named(mpath, mp, &ty)
            }
            "attribute" => {
                let attr = p.text(object.child_by_field_name("attribute")?);
                let inner = object.child_by_field_name("object")?;
                if p.text(inner) == "self" {
                    let c = class?;
                    let ty = attribute_type(p, c, attr)?;
                    return self.class_named(path, p, &ty);
                }
                // `crud.items.get(…)`-style module paths, and module-level instances reached through a module.
                let (module, symbol) = self.project.resolve_name(path, text)?;
                let (mpath, mp) = self.module(&module)?;
                let ty = instance_type(mp, &symbol)?;
                self.class_named(mpath, mp, &ty)
            }
            "call" => {
                let f = object.child_by_field_name("function")?;
                let ft = p.text(f);
                // `ProjectService(db).rename(…)`, `Repo.from_session(s).get(…)`.
                let ty = constructed_type(ft)?;
                self.class_named(path, p, ty)
            }
            _ => None,
        }
    }

    /// A module-level function `name` of the module at `path`, or the one an import there names.
    fn function_named(&self, path: &'p str, p: &'p ParsedFile, name: &str) -> Option<Func<'p>> {
        if let Some(def) = top_level(p, name).filter(|d| d.kind() == "function_definition") {
            return Some(Func {
                path,
                p,
                def,
                class: None,
            });
        }
        let (module, symbol) = self.project.resolve_name(path, name)?;
        let (mpath, mp) = self.module(&module)?;
        let def = top_level(mp, &symbol).filter(|d| d.kind() == "function_definition")?;
        Some(Func {
            path: mpath,
            p: mp,
            def,
            class: None,
        })
    }

    /// The class `name` as seen from the module at `path`: defined there, or imported (through re-exports).
    fn class_named(
        &self,
        path: &'p str,
        p: &'p ParsedFile,
        name: &str,
    ) -> Option<(&'p str, &'p ParsedFile, Node<'p>)> {
        if let Some(c) = top_level(p, name).filter(|d| d.kind() == "class_definition") {
            return Some((path, p, c));
        }
        let (mut module, mut symbol) = self.project.resolve_name(path, name)?;
        for _ in 0..MAX_DEPTH {
            let (mpath, mp) = self.module(&module)?;
            if let Some(c) = top_level(mp, &symbol).filter(|d| d.kind() == "class_definition") {
                return Some((mpath, mp, c));
            }
            (module, symbol) = self.project.resolve_name(mpath, &symbol)?;
        }
        None
    }

    /// The method `name` of a class or of its project base classes.
    fn method_of(
        &self,
        path: &'p str,
        p: &'p ParsedFile,
        class: Node<'p>,
        name: &str,
        bases_seen: usize,
    ) -> Option<Func<'p>> {
        if let Some(def) = class_method(p, class, name) {
            return Some(Func {
                path,
                p,
                def,
                class: Some(class),
            });
        }
        if bases_seen >= MAX_BASES {
            return None;
        }
        let bases = class.child_by_field_name("superclasses")?;
        named_children(bases).find_map(|b| {
            let bt = p.text(b);
            let bt = bt.split('[').next().unwrap_or(bt);
            let (bpath, bp, bclass) = self.class_named(path, p, bt)?;
            self.method_of(bpath, bp, bclass, name, bases_seen + 1)
        })
    }

    fn module(&self, path: &str) -> Option<(&'p str, &'p ParsedFile)> {
        let key = self.project.module_path(path)?;
        Some((key, self.project.parsed(key)?))
    }

    /// The types a function's body can resolve names to: annotated parameters (through `Annotated[T, …]` and
    /// aliases of it) and locals assigned from a constructor.
    fn env_of(&self, path: &'p str, p: &'p ParsedFile, def: Node<'p>) -> Env<'p> {
        let mut env = Env::new();
        for (name, annotation, _) in params_of(p, def) {
            if let Some(ty) = annotation
                .as_deref()
                .and_then(|a| self.annotation_type(path, p, a))
            {
                env.insert(name, ty);
            }
        }
        if let Some(body) = def.child_by_field_name("body") {
            walk(body, &mut |n| {
                if matches!(
                    n.kind(),
                    "function_definition" | "class_definition" | "lambda"
                ) {
                    return false;
                }
                if n.kind() == "assignment"
                    && let (Some(l), Some(r)) = (
                        n.child_by_field_name("left"),
                        n.child_by_field_name("right"),
                    )
                    && l.kind() == "identifier"
                {
                    let r = if r.kind() == "await" {
                        r.named_child(0).unwrap_or(r)
                    } else {
                        r
                    };
                    if r.kind() == "call"
                        && let Some(f) = r.child_by_field_name("function")
                        && let Some(ty) = constructed_type(p.text(f))
                    {
                        env.insert(p.text(l).to_owned(), (path, p, ty.to_owned()));
                    }
                }
                true
            });
        }
        env
    }

    /// `ProjectService`, `Annotated[ProjectService, Depends(…)]`, `ServiceDep` (an alias of the latter, here or
    /// imported), `ProjectService | None` → `ProjectService`, with the module that names it.
    fn annotation_type(
        &self,
        path: &'p str,
        p: &'p ParsedFile,
        annotation: &str,
    ) -> Option<(&'p str, &'p ParsedFile, String)> {
        let a = annotation.trim();
        if let Some(inner) = a.strip_prefix("Annotated[") {
            return annotated_first(inner).map(|t| (path, p, t.to_owned()));
        }
        let a = plain_type(a)?;
        if let Some(rhs) = module_assignment(p, a) {
            return rhs
                .strip_prefix("Annotated[")
                .and_then(annotated_first)
                .map(|t| (path, p, t.to_owned()));
        }
        if let Some((module, symbol)) = self.project.resolve_name(path, a)
            && let Some((mpath, mp)) = self.module(&module)
            && let Some(rhs) = module_assignment(mp, &symbol)
        {
            return rhs
                .strip_prefix("Annotated[")
                .and_then(annotated_first)
                .map(|t| (mpath, mp, t.to_owned()));
        }
        Some((path, p, a.to_owned()))
    }
}

/// The type of `Annotated[T, …]`, given the text after `Annotated[`.
fn annotated_first(inner: &str) -> Option<&str> {
    plain_type(inner.split(',').next()?.trim())
}

/// `T | None`, `Optional[T]` → `T`, when `T` is a class-like dotted name.
fn plain_type(a: &str) -> Option<&str> {
    let a = a.trim();
    let a = a
        .strip_prefix("Optional[")
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(a);
    let a = a.split('|').map(str::trim).find(|t| *t != "None")?;
    let last = a.rsplit('.').next()?;
    (is_dotted_name(a) && last.chars().next().is_some_and(char::is_uppercase)).then_some(a)
}

/// The class a call constructs: `ProjectService(…)`, `Repo.from_session(…)`, `Repo.create(…)`.
fn constructed_type(callee: &str) -> Option<&str> {
    let callee = callee.trim();
    let last = callee.rsplit('.').next()?;
    if last.chars().next().is_some_and(char::is_uppercase) && is_dotted_name(callee) {
        return Some(callee);
    }
    let (ty, ctor) = callee.rsplit_once('.')?;
    let ty_last = ty.rsplit('.').next()?;
    (ty_last.chars().next().is_some_and(char::is_uppercase)
        && is_dotted_name(ty)
        && (ctor.starts_with("from_") || matches!(ctor, "create" | "new" | "build" | "of")))
    .then_some(ty)
}

/// The right-hand side of the module-level `name = …`.
fn module_assignment<'t>(p: &'t ParsedFile, name: &str) -> Option<&'t str> {
    named_children(p.tree.root_node()).find_map(|stmt| {
        let a = stmt.named_child(0)?;
        if stmt.kind() != "expression_statement" || a.kind() != "assignment" {
            return None;
        }
        let l = a.child_by_field_name("left")?;
        (p.text(l) == name).then(|| a.child_by_field_name("right").map(|r| p.text(r)))?
    })
}

/// The class of a module-level instance: `benefit = BenefitService()`.
fn instance_type(p: &ParsedFile, name: &str) -> Option<String> {
    let rhs = module_assignment(p, name)?;
    let callee = rhs.split('(').next()?;
    (rhs.contains('(')).then_some(())?;
    constructed_type(callee).map(str::to_owned)
}

/// The type of `self.<attr>` from the class: `self.repo = Repo(db)` or `self.repo = repo` with `repo: Repo` in
/// `__init__`, or a class-level annotation `repo: Repo`.
fn attribute_type(p: &ParsedFile, class: Node<'_>, attr: &str) -> Option<String> {
    let body = class.child_by_field_name("body")?;
    for stmt in named_children(body) {
        if stmt.kind() == "expression_statement"
            && let Some(a) = stmt.named_child(0)
            && a.kind() == "assignment"
            && a.child_by_field_name("left")
                .is_some_and(|l| p.text(l) == attr)
            && let Some(ty) = a.child_by_field_name("type")
        {
            return plain_type(p.text(ty)).map(str::to_owned);
        }
    }
    let init = class_method(p, class, "__init__")?;
    let params = params_of(p, init);
    let target = format!("self.{attr}");
    let mut found = None;
    walk(init.child_by_field_name("body")?, &mut |n| {
        if found.is_some() {
            return false;
        }
        if n.kind() == "assignment"
            && let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            )
            && p.text(l) == target
        {
            found = match r.kind() {
                "call" => r
                    .child_by_field_name("function")
                    .and_then(|f| constructed_type(p.text(f)))
                    .map(str::to_owned),
                "identifier" => params
                    .iter()
                    .find(|(n, _, _)| n == p.text(r))
                    .and_then(|(_, a, _)| a.as_deref().and_then(plain_type))
                    .map(str::to_owned),
                _ => None,
            };
        }
        true
    });
    found
}

/// A call whose arguments can restrict what is read: not a model constructor (`Board(owner_id=…)`, which
/// assigns an owner) and not logging or notification.
fn scoping_call(callee: &str) -> bool {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    !last.chars().next().is_some_and(char::is_uppercase)
        && !matches!(
            last,
            "info"
                | "debug"
                | "warning"
                | "warn"
                | "error"
                | "exception"
                | "log"
                | "print"
                | "emit"
                | "send"
                | "notify"
                | "track"
                | "enqueue"
                | "delay"
                | "append"
                | "add"
                | "str"
                | "repr"
                | "format"
        )
}

/// Records, for each parameter `n` reads, the first place it scopes something.
fn note_scopes(
    f: Func<'_>,
    qual: &str,
    n: Node<'_>,
    derived: &HashMap<String, Vec<usize>>,
    scopes: &mut [Option<Fact>],
) {
    for i in uses(f.p, n, derived) {
        if let Some(slot) = scopes.get_mut(i)
            && slot.is_none()
        {
            let (line, col) = f.p.line_col(n.start_byte());
            let text = f.p.text(n).split_whitespace().collect::<Vec<_>>().join(" ");
            *slot = Some(fact_at_line(
                f.path,
                line,
                col,
                format!(
                    "`{qual}` uses it in `{}`",
                    crate::redact::excerpt(&text, 60)
                ),
            ));
        }
    }
}

/// (position, keyword, value) of each argument; `*args`/`**kwargs` splats have neither.
pub(crate) fn arguments<'a>(
    p: &'a ParsedFile,
    args: Node<'a>,
) -> Vec<(Option<usize>, Option<&'a str>, Node<'a>)> {
    let mut out = Vec::new();
    let mut position = 0;
    for a in named_children(args) {
        match a.kind() {
            "keyword_argument" => {
                if let (Some(k), Some(v)) = (
                    a.child_by_field_name("name"),
                    a.child_by_field_name("value"),
                ) {
                    out.push((None, Some(p.text(k)), v));
                }
            }
            "list_splat" | "dictionary_splat" | "comment" => {}
            _ => {
                out.push((Some(position), None, a));
                position += 1;
            }
        }
    }
    out
}

/// The parameter indexes an expression reads, through the locals derived from them.
fn uses(p: &ParsedFile, n: Node<'_>, derived: &HashMap<String, Vec<usize>>) -> Vec<usize> {
    let mut out = Vec::new();
    walk_with_parent(n, &mut |c, parent| {
        if c.kind() == "identifier" {
            let is_attr_name = parent.is_some_and(|par| {
                par.kind() == "attribute"
                    && par
                        .child_by_field_name("attribute")
                        .is_some_and(|a| a.id() == c.id())
            });
            let is_kw_name = parent.is_some_and(|par| {
                par.kind() == "keyword_argument"
                    && par
                        .child_by_field_name("name")
                        .is_some_and(|k| k.id() == c.id())
            });
            if !is_attr_name
                && !is_kw_name
                && let Some(ix) = derived.get(p.text(c))
            {
                out.extend(ix.iter().copied());
            }
        }
        !matches!(c.kind(), "lambda" | "function_definition")
    });
    out.sort_unstable();
    out.dedup();
    out
}

fn fact_at_line(path: &str, line: u32, col: u32, note: String) -> Fact {
    Fact {
        path: path.to_owned(),
        line,
        col,
        note,
    }
}
