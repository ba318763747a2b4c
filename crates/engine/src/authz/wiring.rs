//! Guards declared where a router is registered, in another module.
//!
//! `FastAPI` applications often guard a whole router where it is wired in, not where its routes are written:
//! `app.include_router(feedbacks_router, dependencies=[Depends(get_admin)])` in `backoffice/__init__.py`, or a
//! sub-application `app = FastAPI(dependencies=[Depends(get_admin)])` that includes it, or an `api_router` that is
//! itself included with a guard one level up. The route module imports none of these files, so they come from
//! the project's wiring files (`Project::wiring`), read from the route's ancestor directories.

use secreview_syntax::{ParsedFile, named_children, walk};
use tree_sitter::Node;

use super::imported::{self, DependencyFacts, Fact};
use super::model::Names;
use super::python::depends_names;
use crate::project::Project;

/// Registration levels followed upwards: a router included by an `api_router`, included by the app, mounted in
/// a parent app. Real layouts stop at three.
const MAX_LEVELS: usize = 4;

/// What the registrations of the router object `router` (a module-level name in the module at `path`) establish
/// for every route on it, with the evidence at the registration site.
pub(crate) fn registration_guards(
    project: &Project,
    path: &str,
    router: &str,
    names: &Names,
) -> Option<DependencyFacts> {
    let facts = guards_of(project, path, router, names, 0);
    (facts.auth.is_some() || facts.privilege.is_some()).then_some(facts)
}

fn guards_of(
    project: &Project,
    path: &str,
    router: &str,
    names: &Names,
    level: usize,
) -> DependencyFacts {
    let mut facts = DependencyFacts::default();
    if level >= MAX_LEVELS {
        return facts;
    }
    for wiring in project.wiring() {
        let Some(p) = project.parsed(wiring) else {
            continue;
        };
        for (includer, call) in include_calls(p) {
            let Some(arg) = first_positional(p, call) else {
                continue;
            };
            if !refers_to(project, wiring, arg, path, router) {
                continue;
            }
            let site = IncludeSite {
                project,
                path: wiring,
                p,
                includer,
                arg,
            };
            if let Some(kw) = keyword(p, call, "dependencies") {
                facts.absorb(site.dependencies(kw, names));
            }
            if let Some(ctor) = constructor_dependencies(p, includer) {
                facts.absorb(site.dependencies(ctor, names));
            }
            if facts.auth.is_none() || facts.privilege.is_none() {
                facts.absorb(guards_of(project, wiring, includer, names, level + 1));
            }
            if facts.auth.is_some() && facts.privilege.is_some() {
                return facts;
            }
        }
    }
    facts
}

/// One `includer.include_router(arg, …)` call in a wiring module.
struct IncludeSite<'a> {
    project: &'a Project,
    path: &'a str,
    p: &'a ParsedFile,
    includer: &'a str,
    arg: &'a str,
}

impl IncludeSite<'_> {
    /// The facts of the `Depends(…)` entries of a `dependencies=[…]` argument, as evidence at that argument.
    fn dependencies(&self, kw: Node<'_>, names: &Names) -> DependencyFacts {
        let text = self.p.text(kw);
        let (line, col) = self.p.line_col(kw.start_byte());
        let mut facts = DependencyFacts::default();
        for dep in depends_names(text) {
            let Some(found) = imported::dependency_in(self.project, self.path, self.p, dep, names)
            else {
                continue;
            };
            let at = |f: Fact| Fact {
                path: self.path.to_owned(),
                line,
                col,
                note: format!(
                    "`{}` is registered through `{}` with `Depends({dep})` ({})",
                    self.arg, self.includer, f.note
                ),
            };
            facts.absorb(DependencyFacts {
                auth: found.auth.map(at),
                privilege: found.privilege.map(at),
                ownership: None,
            });
        }
        facts
    }
}

/// `x.include_router(…)` calls anywhere in a module (app factories register inside a function), with `x`.
fn include_calls(p: &ParsedFile) -> Vec<(&str, Node<'_>)> {
    let mut out = Vec::new();
    walk(p.tree.root_node(), &mut |n| {
        if n.kind() == "call"
            && let Some(f) = n.child_by_field_name("function")
            && f.kind() == "attribute"
            && f.child_by_field_name("attribute")
                .is_some_and(|a| p.text(a) == "include_router")
            && let Some(obj) = f.child_by_field_name("object")
        {
            out.push((p.text(obj), n));
            return false;
        }
        // Registrations are statements of the module or of a factory function; expressions hold none deeper.
        !matches!(n.kind(), "string" | "comment")
    });
    out
}

fn first_positional<'a>(p: &'a ParsedFile, call: Node<'_>) -> Option<&'a str> {
    let args = call.child_by_field_name("arguments")?;
    named_children(args)
        .find(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
        .map(|a| p.text(a))
}

fn keyword<'t>(p: &ParsedFile, call: Node<'t>, name: &str) -> Option<Node<'t>> {
    let args = call.child_by_field_name("arguments")?;
    named_children(args).find(|k| {
        k.kind() == "keyword_argument"
            && k.child_by_field_name("name")
                .is_some_and(|n| p.text(n) == name)
    })
}

/// Whether `arg`, as written in the wiring module, is the router `router` of the module at `path`.
fn refers_to(project: &Project, wiring: &str, arg: &str, path: &str, router: &str) -> bool {
    if wiring == path && arg == router {
        return true;
    }
    project
        .resolve_name(wiring, arg)
        .is_some_and(|(module, symbol)| module == path && symbol == router)
}

/// The `dependencies=[…]` of the includer's own construction in the module: `app = FastAPI(dependencies=…)`,
/// `api_router = APIRouter(dependencies=…)`.
fn constructor_dependencies<'t>(p: &'t ParsedFile, includer: &str) -> Option<Node<'t>> {
    let mut found = None;
    walk(p.tree.root_node(), &mut |n| {
        if found.is_some() {
            return false;
        }
        if n.kind() == "assignment"
            && n.child_by_field_name("left")
                .is_some_and(|l| p.text(l) == includer)
            && let Some(r) = n.child_by_field_name("right")
            && r.kind() == "call"
            && r.child_by_field_name("function").is_some_and(|f| {
                let name = p.text(f);
                let last = name.rsplit('.').next().unwrap_or(name);
                matches!(last, "FastAPI" | "APIRouter" | "Starlette")
            })
        {
            found = keyword(p, r, "dependencies");
            return false;
        }
        !matches!(n.kind(), "string" | "comment" | "call")
    });
    found
}
