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
            // django-ninja: `api.add_router("/x/", router, auth=…)`, or `NinjaAPI(auth=…)` / `Router(auth=…)`.
            for kw in keyword(p, call, "auth")
                .into_iter()
                .chain(constructor_keyword(p, includer, "auth"))
            {
                facts.absorb(site.auth_keyword(kw, names));
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

impl IncludeSite<'_> {
    /// The fact of a django-ninja `auth=` argument: any authenticator but `None` or an anonymous fallback.
    fn auth_keyword(&self, kw: Node<'_>, names: &Names) -> DependencyFacts {
        let Some(value) = kw.child_by_field_name("value") else {
            return DependencyFacts::default();
        };
        let text = self.p.text(value);
        if !ninja_auth_guards(text, names) {
            return DependencyFacts::default();
        }
        let (line, col) = self.p.line_col(kw.start_byte());
        DependencyFacts {
            auth: Some(Fact {
                path: self.path.to_owned(),
                line,
                col,
                note: format!(
                    "`{}` is registered through `{}` with `auth={text}`",
                    self.arg, self.includer
                ),
            }),
            privilege: None,
            ownership: None,
        }
    }
}

/// Whether a django-ninja `auth=` value rejects anonymous callers: `None` and a list that ends in an anonymous
/// fallback (`[BearerTokenAuth(), AllowAnonymous()]`) let them in.
pub(crate) fn ninja_auth_guards(value: &str, names: &Names) -> bool {
    value != "None" && !ninja_auth_public(value) && names.is_auth(value)
}

/// `auth=None` or an anonymous fallback: the operation is public by declaration.
pub(crate) fn ninja_auth_public(value: &str) -> bool {
    let l = value.to_ascii_lowercase();
    value == "None" || l.contains("anonymous")
}

/// `x.include_router(…)` calls anywhere in a module (app factories register inside a function), with `x`.
fn include_calls(p: &ParsedFile) -> Vec<(&str, Node<'_>)> {
    let mut out = Vec::new();
    walk(p.tree.root_node(), &mut |n| {
        if n.kind() == "call"
            && let Some(f) = n.child_by_field_name("function")
            && f.kind() == "attribute"
            && f.child_by_field_name("attribute")
                .is_some_and(|a| matches!(p.text(a), "include_router" | "add_router"))
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
    // django-ninja's `add_router("/prefix/", router)` names the prefix first.
    named_children(args)
        .find(|a| !matches!(a.kind(), "keyword_argument" | "comment" | "string"))
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
    constructor_keyword(p, includer, "dependencies")
}

/// The keyword argument `name` of the includer's own construction in the module (`FastAPI`, `APIRouter`,
/// `Starlette`, django-ninja's `NinjaAPI` and `Router`).
fn constructor_keyword<'t>(p: &'t ParsedFile, includer: &str, name: &str) -> Option<Node<'t>> {
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
                matches!(
                    last,
                    "FastAPI" | "APIRouter" | "Starlette" | "NinjaAPI" | "Router"
                )
            })
        {
            found = keyword(p, r, name);
            return false;
        }
        !matches!(n.kind(), "string" | "comment" | "call")
    });
    found
}

/// What the project's Django URL configurations establish for the view `view` (a function or class name) of
/// the module at `path`: a pattern that wraps it (`path("x/", login_required(View.as_view()))`), or a whole
/// `urlpatterns` list passed through an auth decorator (`decorate_urlpatterns(urlpatterns, require_admin)`)
/// that lists it, includes a configuration that lists it, or belongs to the view's own app package.
pub(crate) fn url_guards(
    project: &Project,
    path: &str,
    view: &str,
    names: &Names,
) -> Option<DependencyFacts> {
    let target = ViewRef { path, view };
    let mut facts = DependencyFacts::default();
    for wiring in project.wiring() {
        let Some(p) = project.parsed(wiring) else {
            continue;
        };
        if !p.text.contains("urlpatterns") {
            continue;
        }
        let conf = UrlConf {
            project,
            path: wiring,
            p,
        };
        for (decorator, call) in conf.wrapped_views() {
            if conf.names_view(call, &target) {
                facts.absorb(conf.decorator_facts(decorator, call, view, names));
            }
        }
        for (decorator, call) in conf.decorated_patterns(names) {
            if conf.covers(&target, 0) {
                facts.absorb(conf.decorator_facts(decorator, call, view, names));
            }
        }
        if facts.auth.is_some() && facts.privilege.is_some() {
            break;
        }
    }
    (facts.auth.is_some() || facts.privilege.is_some()).then_some(facts)
}

/// Whether a URL configuration of the project lists the function `view` of the module at `path` as a pattern's
/// view (`path("ping/<uuid:code>/", views.ping)`): then it is a view, even if other views call it too.
pub(crate) fn url_registered(project: &Project, path: &str, view: &str) -> bool {
    let target = ViewRef { path, view };
    project.wiring().iter().any(|wiring| {
        let Some(p) = project.parsed(wiring) else {
            return false;
        };
        if !p.text.contains("urlpatterns") || !p.text.contains(view) {
            return false;
        }
        let conf = UrlConf {
            project,
            path: wiring,
            p,
        };
        conf.lists(&target)
    })
}

/// The view a route belongs to: a module-level function or class of a module.
struct ViewRef<'a> {
    path: &'a str,
    view: &'a str,
}

/// One Django URL configuration module.
struct UrlConf<'a> {
    project: &'a Project,
    path: &'a str,
    p: &'a ParsedFile,
}

/// Callees that list a URL pattern; their view argument is the second positional one.
const PATTERN_CALLS: &[&str] = &["path", "re_path", "url"];

impl<'a> UrlConf<'a> {
    /// `D(view)` / `D(args)(View.as_view())` calls anywhere in the module, as (decorator text, call).
    fn wrapped_views(&self) -> Vec<(&'a str, Node<'a>)> {
        let p = self.p;
        let mut out = Vec::new();
        walk(p.tree.root_node(), &mut |n| {
            if n.kind() == "call"
                && let Some(f) = n.child_by_field_name("function")
                && let Some(args) = n.child_by_field_name("arguments")
                && named_children(args).count() == 1
                && named_children(args).all(|a| a.kind() != "keyword_argument")
            {
                let name = decorator_name(p, f);
                if !name.is_empty() && !PATTERN_CALLS.contains(&name) && name != "include" {
                    out.push((p.text(f), n));
                }
            }
            !matches!(n.kind(), "string" | "comment")
        });
        out
    }

    /// Whether the single argument of `call` is the view (`V`, `views.v`, `V.as_view(…)`).
    fn names_view(&self, call: Node<'_>, target: &ViewRef<'_>) -> bool {
        let Some(arg) = call
            .child_by_field_name("arguments")
            .and_then(|a| named_children(a).next())
        else {
            return false;
        };
        view_name(self.p, arg).is_some_and(|v| self.refers(v, target))
    }

    fn refers(&self, name: &str, target: &ViewRef<'_>) -> bool {
        // Resolving costs a few lookups; most pattern arguments name other views.
        if last_name(name) != target.view {
            return false;
        }
        if self.path == target.path && name == target.view {
            return true;
        }
        self.project
            .resolve_name(self.path, name)
            .is_some_and(|(module, symbol)| module == target.path && symbol == target.view)
    }

    /// `decorate_urlpatterns(urlpatterns, D)`-style calls: a pattern list and an auth decorator passed to one
    /// helper that wraps every view of the list, as (decorator text, call).
    fn decorated_patterns(&self, names: &Names) -> Vec<(&'a str, Node<'a>)> {
        let p = self.p;
        let mut out = Vec::new();
        walk(p.tree.root_node(), &mut |n| {
            if n.kind() == "call"
                && let Some(args) = n.child_by_field_name("arguments")
            {
                let positional: Vec<Node<'_>> = named_children(args)
                    .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
                    .collect();
                if let [list, decorator] = positional.as_slice()
                    && list.kind() == "identifier"
                    && p.text(*list).ends_with("patterns")
                    && matches!(decorator.kind(), "identifier" | "attribute" | "call")
                    && self.is_guard(p.text(*decorator), names)
                {
                    out.push((p.text(*decorator), n));
                }
            }
            !matches!(n.kind(), "string" | "comment")
        });
        out
    }

    fn is_guard(&self, decorator: &str, names: &Names) -> bool {
        imported::dependency_in(self.project, self.path, self.p, decorator, names)
            .is_some_and(|f| f.auth.is_some() || f.privilege.is_some())
    }

    /// Whether a guard on this module's patterns reaches the view: the module lists it, includes a module that
    /// does, or is the URL configuration of the view's app package (`app/urls.py` or `app/urls/__init__.py`
    /// serve `app/**/views*.py`, including views registered by hooks the analysis cannot follow).
    fn covers(&self, target: &ViewRef<'_>, level: usize) -> bool {
        if level >= MAX_LEVELS {
            return false;
        }
        if let Some(app) = app_dir(self.path)
            && (app.is_empty() || target.path.starts_with(&format!("{app}/")))
            && target.path != self.path
        {
            return true;
        }
        let p = self.p;
        let mut found = false;
        let mut includes = Vec::new();
        walk(p.tree.root_node(), &mut |n| {
            if found {
                return false;
            }
            if n.kind() == "call"
                && let Some(f) = n.child_by_field_name("function")
                && let Some(args) = n.child_by_field_name("arguments")
            {
                let callee = last_name(p.text(f));
                let positional: Vec<Node<'_>> = named_children(args)
                    .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
                    .collect();
                if PATTERN_CALLS.contains(&callee)
                    && let Some(v) = positional.get(1)
                    && view_name(p, *v).is_some_and(|v| self.refers(v, target))
                {
                    found = true;
                }
                if callee == "include"
                    && let Some(m) = positional.first()
                {
                    includes.push(p.text(*m));
                }
            }
            !matches!(n.kind(), "string" | "comment")
        });
        found
            || includes
                .into_iter()
                .any(|m| self.include_covers(m, target, level))
    }

    /// Whether a pattern of this module names the view directly.
    fn lists(&self, target: &ViewRef<'_>) -> bool {
        let p = self.p;
        let mut found = false;
        walk(p.tree.root_node(), &mut |n| {
            if found {
                return false;
            }
            if n.kind() == "call"
                && let Some(f) = n.child_by_field_name("function")
                && PATTERN_CALLS.contains(&last_name(p.text(f)))
                && let Some(args) = n.child_by_field_name("arguments")
                && let Some(v) = named_children(args)
                    .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
                    .nth(1)
            {
                // `path("x/", login_required(views.v))` lists `views.v` inside the wrapper.
                let v = if v.kind() == "call" && view_name(p, v).is_none() {
                    v.child_by_field_name("arguments")
                        .and_then(|a| named_children(a).next())
                        .unwrap_or(v)
                } else {
                    v
                };
                found = view_name(p, v).is_some_and(|name| self.refers(name, target));
            }
            !matches!(n.kind(), "string" | "comment")
        });
        found
    }

    /// `include("app.urls")` or `include(app_urls)`: whether the included configuration covers the view.
    fn include_covers(&self, module: &str, target: &ViewRef<'_>, level: usize) -> bool {
        let dotted = module.trim_matches(|c| c == '"' || c == '\'');
        let resolved = if dotted.len() == module.len() {
            self.project
                .resolve_name(self.path, dotted)
                .and_then(|(m, sym)| {
                    // `from app import urls as app_urls`: the module itself, not a name in it.
                    let as_module = format!("{}/{sym}", m.trim_end_matches("/__init__.py"));
                    [
                        format!("{as_module}.py"),
                        format!("{as_module}/__init__.py"),
                    ]
                    .into_iter()
                    .find(|c| self.project.parsed(c).is_some())
                    .or(Some(m))
                })
        } else {
            self.project.resolve_module(self.path, dotted)
        };
        let Some(path) = resolved else {
            return false;
        };
        let Some(p) = self.project.parsed(&path) else {
            return false;
        };
        let Some(path) = self.project.module_path(&path) else {
            return false;
        };
        UrlConf {
            project: self.project,
            path,
            p,
        }
        .covers(target, level + 1)
    }

    fn decorator_facts(
        &self,
        decorator: &str,
        call: Node<'_>,
        view: &str,
        names: &Names,
    ) -> DependencyFacts {
        let Some(found) =
            imported::dependency_in(self.project, self.path, self.p, decorator, names)
        else {
            return DependencyFacts::default();
        };
        let (line, col) = self.p.line_col(call.start_byte());
        let short = decorator.split('(').next().unwrap_or(decorator);
        let at = |f: Fact| Fact {
            path: self.path.to_owned(),
            line,
            col,
            note: format!(
                "the URL configuration wraps `{view}` in `{short}` ({})",
                f.note
            ),
        };
        DependencyFacts {
            auth: found.auth.map(at),
            privilege: found.privilege.map(at),
            ownership: None,
        }
    }
}

/// The decorator a call applies, when it looks like one: `login_required` in `login_required(v)`,
/// `permission_required` in `permission_required("x")(v)`.
fn decorator_name<'a>(p: &'a ParsedFile, f: Node<'_>) -> &'a str {
    let f = if f.kind() == "call" {
        match f.child_by_field_name("function") {
            Some(inner) => inner,
            None => return "",
        }
    } else {
        f
    };
    if !matches!(f.kind(), "identifier" | "attribute") {
        return "";
    }
    last_name(p.text(f))
}

fn last_name(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

/// The view a pattern argument names: `v`, `views.v`, `V.as_view(…)` (→ `V`).
fn view_name<'a>(p: &'a ParsedFile, arg: Node<'_>) -> Option<&'a str> {
    match arg.kind() {
        "identifier" | "attribute" => Some(p.text(arg)),
        "call" => {
            let f = arg.child_by_field_name("function")?;
            let (obj, method) = p.text(f).rsplit_once('.')?;
            (method == "as_view").then_some(obj)
        }
        _ => None,
    }
}

/// The app package a URL configuration module serves: `app` for `app/urls.py` and `app/urls/__init__.py`.
fn app_dir(urls: &str) -> Option<&str> {
    let pkg = urls
        .strip_suffix("/urls/__init__.py")
        .or_else(|| urls.strip_suffix("/urls.py"))?;
    Some(pkg)
}
