//! Guards that Rust routers apply by composition: actix-web `.wrap(auth)` on an `App` or `scope`, axum
//! `.layer(auth)` / `.route_layer(auth)` on a `Router`, and the same on an outer router that `.nest`s, `.merge`s,
//! `.configure`s or `.service`s one built by a function of another module.
//!
//! Each method chain (`Router::new().route(…).route_layer(…).route(…)`) is read in source order. axum layers
//! wrap only the routes added before them; actix `wrap` covers the whole `App` or `scope`. A router function
//! whose own chain leaves a handler open is followed to the chains that compose it, up to [`MAX_LEVELS`] levels.

use std::collections::HashSet;

use secreview_syntax::{ParsedFile, named_children, walk};
use tree_sitter::Node;

use super::imported::Fact;
use super::model::{Framework, Names};
use crate::project::Project;

/// Composition levels followed upwards (a module's router, nested in an API router, merged into the app).
const MAX_LEVELS: usize = 4;

/// Calls that register one handler on a route: axum's method routers and actix's `.to(h)`.
const METHOD_CALLS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "any", "to",
];

/// One step of a router chain.
enum Item<'t> {
    /// `.layer(…)`, `.route_layer(…)`, `.wrap(…)` whose argument authenticates.
    Guard(Node<'t>),
    /// Handlers registered by `.route(…)` / `.service(h)`, as written, with the HTTP method when the
    /// registration names one (`post(h)`, `web::post().to(h)`).
    Handlers(Vec<(String, Option<String>)>),
    /// A router another function builds (`.nest("/x", notes::router())`, `.configure(notes::config)`).
    SubFn(String),
    /// A router built inline (`.nest("/x", Router::new().route(…))`, `.service(web::scope(…)…)`).
    Inline(Vec<Item<'t>>),
}

/// Where a guard that covers a handler is, as evidence in the module that applies it.
pub(crate) fn guard_of(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    handler: &str,
    framework: Framework,
    names: &Names,
) -> Option<Fact> {
    let target = Target::Handler {
        path,
        name: handler,
    };
    let mut memo = Memo::new();
    if let Some(f) = find(project, path, p, &target, framework, names, 0, &mut memo) {
        return Some(f);
    }
    // Registered in another module: `App::new().wrap(auth).service(notes::create_note)` in `main.rs`.
    for wiring in project.rust_wiring().iter().filter(|w| *w != path) {
        if !registers_name(project, wiring, handler, names) {
            continue;
        }
        let Some(wp) = project.parsed(wiring) else {
            continue;
        };
        if let Some(f) = find(project, wiring, wp, &target, framework, names, 0, &mut memo) {
            return Some(f);
        }
    }
    None
}

/// A registration of a handler found in another module.
pub(crate) struct Registered {
    /// The HTTP method the registration names (`web::get().to(h)`), if any (`.service(h)` names none).
    pub method: Option<String>,
}

/// Whether a Rust wiring module of the project registers the function `name` of the module at `path` as a
/// handler (`.route("", web::get().to(features::tag::index))` in `routes.rs`), with the method it names.
pub(crate) fn registered_elsewhere(
    project: &Project,
    path: &str,
    name: &str,
    names: &Names,
) -> Option<Registered> {
    for wiring in project.rust_wiring().iter().filter(|w| *w != path) {
        if !registers_name(project, wiring, name, names) {
            continue;
        }
        let Some(wp) = project.parsed(wiring) else {
            continue;
        };
        for (_, items) in chains(wp, names) {
            if let Some(m) = method_in(project, wiring, &items, path, name) {
                return Some(m);
            }
        }
    }
    None
}

fn method_in(
    project: &Project,
    from: &str,
    items: &[Item<'_>],
    path: &str,
    name: &str,
) -> Option<Registered> {
    items.iter().find_map(|item| match item {
        Item::Handlers(hs) => hs
            .iter()
            .find(|(w, _)| {
                w.rsplit("::").next() == Some(name)
                    && refers_to_handler(project, from, w, path, name)
            })
            .map(|(_, m)| Registered { method: m.clone() }),
        Item::Inline(inner) => method_in(project, from, inner, path, name),
        _ => None,
    })
}

/// Whether the wiring module registers a handler whose last path segment is `name`: the router chains of a
/// module are read once per scan for this (`Project::memo_names`), so asking it for every function of every
/// file does not walk every wiring module again.
fn registers_name(project: &Project, wiring: &str, name: &str, names: &Names) -> bool {
    project
        .memo_names(wiring, |wp| {
            let mut out = HashSet::new();
            for (_, items) in chains(wp, names) {
                handler_names(&items, &mut out);
            }
            out
        })
        .is_some_and(|set| set.contains(name))
}

fn handler_names(items: &[Item<'_>], out: &mut HashSet<String>) {
    for item in items {
        match item {
            Item::Handlers(hs) => {
                for (written, _) in hs {
                    out.insert(written.rsplit("::").next().unwrap_or(written).to_owned());
                }
            }
            Item::Inline(inner) => handler_names(inner, out),
            Item::Guard(_) | Item::SubFn(_) => {}
        }
    }
}

/// Router functions already followed upwards in this question, by (module, function).
type Memo = std::collections::HashMap<(String, String), Option<Fact>>;

enum Target<'a> {
    /// A handler function `name` defined in module `path`.
    Handler { path: &'a str, name: &'a str },
    /// A router function `name` defined in module `path`.
    RouterFn { path: &'a str, name: &'a str },
}

#[allow(clippy::too_many_arguments)]
fn find(
    project: &Project,
    path: &str,
    p: &ParsedFile,
    target: &Target<'_>,
    framework: Framework,
    names: &Names,
    level: usize,
    memo: &mut Memo,
) -> Option<Fact> {
    if level >= MAX_LEVELS {
        return None;
    }
    for (enclosing, items) in chains(p, names) {
        match registered(project, path, &items, target, framework, None) {
            Some(Reg::Guarded(guard)) => return Some(fact(path, p, guard)),
            Some(Reg::Open) => {
                // Registered here without a guard: a chain that composes this router function may add one.
                let Some(fname) = enclosing else { continue };
                let key = (path.to_owned(), fname.clone());
                if let Some(known) = memo.get(&key) {
                    if known.is_some() {
                        return known.clone();
                    }
                    continue;
                }
                // Cut cycles: a router function is followed once per question.
                memo.insert(key.clone(), None);
                for caller in callers(project, path) {
                    let Some(cp) = project.parsed(caller) else {
                        continue;
                    };
                    let up = Target::RouterFn { path, name: &fname };
                    if let Some(f) =
                        find(project, caller, cp, &up, framework, names, level + 1, memo)
                    {
                        memo.insert(key, Some(f.clone()));
                        return Some(f);
                    }
                }
            }
            None => {}
        }
    }
    None
}

/// The Rust modules that may compose routers of `path`: every project module that reads as router wiring, and
/// the module itself.
fn callers<'p>(project: &'p Project, path: &'p str) -> impl Iterator<Item = &'p str> {
    project
        .rust_wiring()
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(path))
}

/// How a chain registers the target.
enum Reg<'t> {
    /// Behind this guard.
    Guarded(Node<'t>),
    /// With no guard of this chain over it.
    Open,
}

/// Whether the chain registers the target (`None` when it does not), and behind which guard. `outer` is a guard
/// of an enclosing chain that covers this inline one.
fn registered<'t>(
    project: &Project,
    path: &str,
    items: &[Item<'t>],
    target: &Target<'_>,
    framework: Framework,
    outer: Option<Node<'t>>,
) -> Option<Reg<'t>> {
    for (i, item) in items.iter().enumerate() {
        // actix `wrap` covers every service of its App or scope; an axum layer only what was added before it.
        let later_guard = items[i + 1..].iter().find_map(|it| match it {
            Item::Guard(g) => Some(*g),
            _ => None,
        });
        let earlier_guard = items[..i].iter().find_map(|it| match it {
            Item::Guard(g) => Some(*g),
            _ => None,
        });
        let guard = later_guard
            .or(if framework == Framework::Actix {
                earlier_guard
            } else {
                None
            })
            .or(outer);
        let hit = match (item, target) {
            (Item::Handlers(hs), Target::Handler { path: tp, name }) => hs
                .iter()
                .any(|(written, _)| refers_to_handler(project, path, written, tp, name)),
            (Item::SubFn(f), Target::RouterFn { path: tp, name }) => {
                refers_to_fn(project, path, f, tp, name)
            }
            (Item::Inline(inner), _) => {
                if let Some(found) = registered(project, path, inner, target, framework, guard) {
                    return Some(found);
                }
                false
            }
            _ => false,
        };
        if hit {
            return Some(guard.map_or(Reg::Open, Reg::Guarded));
        }
    }
    None
}

/// A registered handler, as written in the module `from`, is the function `name` of module `path`: by name in
/// the same module, else by resolving the path (a name the index cannot resolve, e.g. from a glob import of
/// an external prelude, is taken by its name).
fn refers_to_handler(project: &Project, from: &str, written: &str, path: &str, name: &str) -> bool {
    let last = written.rsplit("::").next().unwrap_or(written);
    if last != name {
        return false;
    }
    if from == path {
        return true;
    }
    project
        .resolve_name(from, written)
        .is_none_or(|(m, s)| m == path && s == name)
}

fn refers_to_fn(project: &Project, from: &str, written: &str, path: &str, name: &str) -> bool {
    let last = written.rsplit("::").next().unwrap_or(written);
    if last != name {
        return false;
    }
    if from == path && !written.contains("::") {
        return true;
    }
    project
        .resolve_name(from, written)
        .is_some_and(|(m, s)| m == path && s == name)
}

/// Every outermost method chain of the module, with the function it is written in.
fn chains<'t>(p: &'t ParsedFile, names: &Names) -> Vec<(Option<String>, Vec<Item<'t>>)> {
    let mut out = Vec::new();
    // Most modules build no router: a text check spares walking their whole tree for every question.
    if !ROUTER_METHODS.iter().any(|m| p.text.contains(m)) {
        return out;
    }
    let mut current_fn: Vec<(usize, String)> = Vec::new();
    walk(p.tree.root_node(), &mut |n| {
        while current_fn
            .last()
            .is_some_and(|(end, _)| *end <= n.start_byte())
        {
            current_fn.pop();
        }
        if n.kind() == "function_item"
            && let Some(name) = n.child_by_field_name("name")
        {
            current_fn.push((n.end_byte(), p.text(name).to_owned()));
        }
        if is_router_chain(p, n) {
            out.push((
                current_fn.last().map(|(_, f)| f.clone()),
                chain_items(p, n, names),
            ));
            return false;
        }
        true
    });
    out
}

/// The router methods as they appear in source, for the text check before a module's chains are walked.
const ROUTER_METHODS: [&str; 6] = [
    ".route(",
    ".service(",
    ".nest(",
    ".merge(",
    ".configure(",
    ".nest_service(",
];

/// A method call chain with at least one router method: `.route(`, `.service(`, `.nest(`, `.merge(`,
/// `.configure(`.
fn is_router_chain(p: &ParsedFile, n: Node<'_>) -> bool {
    if n.kind() != "call_expression" {
        return false;
    }
    let mut cur = n;
    loop {
        let Some(f) = cur.child_by_field_name("function") else {
            return false;
        };
        if f.kind() != "field_expression" {
            return false;
        }
        let method = f.child_by_field_name("field").map_or("", |x| p.text(x));
        if matches!(
            method,
            "route" | "service" | "nest" | "merge" | "configure" | "nest_service"
        ) {
            return true;
        }
        match f.child_by_field_name("value") {
            Some(v) if v.kind() == "call_expression" => cur = v,
            _ => return false,
        }
    }
}

/// The chain's method calls in source order.
fn chain_items<'t>(p: &'t ParsedFile, n: Node<'t>, names: &Names) -> Vec<Item<'t>> {
    let mut calls = Vec::new();
    let mut cur = n;
    while cur.kind() == "call_expression" {
        let Some(f) = cur
            .child_by_field_name("function")
            .filter(|f| f.kind() == "field_expression")
        else {
            break;
        };
        let method = f.child_by_field_name("field").map_or("", |x| p.text(x));
        if let Some(args) = cur.child_by_field_name("arguments") {
            calls.push((method, args));
        }
        match f.child_by_field_name("value") {
            Some(v) => cur = v,
            None => break,
        }
    }
    calls.reverse();
    let mut items = Vec::new();
    for (method, args) in calls {
        match method {
            "layer" | "route_layer" | "wrap" | "wrap_fn"
                if names.is_auth(p.text(args)) && !only_attaches_identity(p.text(args)) =>
            {
                items.push(Item::Guard(args));
            }
            "route" | "service" | "nest" | "merge" | "configure" | "nest_service" => {
                items.extend(registration(p, method, args, names));
            }
            _ => {}
        }
    }
    items
}

/// Middleware that loads the caller's identity or session for handlers to use, and lets anonymous requests
/// through: actix-identity's `IdentityMiddleware`, session stores, axum-login's `AuthManagerLayer`. The guard is
/// then the handler's extractor (`Identity`, `AuthSession`), not the layer.
fn only_attaches_identity(args: &str) -> bool {
    let l = args.to_ascii_lowercase();
    [
        "identitymiddleware",
        "sessionmiddleware",
        "sessionmanagerlayer",
        "cookiesession",
        "authmanagerlayer",
        "authmanagerlayerbuilder",
    ]
    .iter()
    .any(|m| l.contains(m))
}

/// What one registration's arguments add: handlers, a router function, or an inline router.
fn registration<'t>(
    p: &'t ParsedFile,
    method: &str,
    args: Node<'t>,
    names: &Names,
) -> Vec<Item<'t>> {
    let mut out = Vec::new();
    let mut handlers = Vec::new();
    for a in named_children(args) {
        if is_router_chain(p, a) {
            out.push(Item::Inline(chain_items(p, a, names)));
            continue;
        }
        match a.kind() {
            // `.service(create_note)`, `.configure(notes::config)`.
            "identifier" | "scoped_identifier" => {
                let text = p.text(a);
                // `.service(h)` mounts an attribute-routed handler; `.configure(f)` runs a router function.
                if method == "service" {
                    handlers.push((text.to_owned(), None));
                }
                out.push(Item::SubFn(text.to_owned()));
            }
            // `.nest("/notes", notes::router())`, `.merge(routes(state.clone()))`.
            "call_expression"
                if a.child_by_field_name("function")
                    .is_some_and(|f| matches!(f.kind(), "identifier" | "scoped_identifier")) =>
            {
                let f = a.child_by_field_name("function").map_or("", |f| p.text(f));
                let last = f.rsplit("::").next().unwrap_or(f);
                if METHOD_CALLS.contains(&last) {
                    handlers.extend(method_handlers(p, a));
                } else {
                    out.push(Item::SubFn(f.to_owned()));
                }
            }
            _ => handlers.extend(method_handlers(p, a)),
        }
    }
    if !handlers.is_empty() {
        out.push(Item::Handlers(handlers));
    }
    out
}

/// `get(list).post(create)`, `web::post().to(create)`, `web::resource("/x").route(web::get().to(show))`: the
/// handler names.
fn method_handlers(p: &ParsedFile, n: Node<'_>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    walk(n, &mut |c| {
        if c.kind() == "call_expression"
            && let Some(f) = c.child_by_field_name("function")
        {
            let name = if f.kind() == "field_expression" {
                f.child_by_field_name("field").map_or("", |x| p.text(x))
            } else {
                let t = p.text(f);
                t.rsplit("::").next().unwrap_or(t)
            };
            if METHOD_CALLS.contains(&name)
                && let Some(arg) = c
                    .child_by_field_name("arguments")
                    .and_then(|a| named_children(a).next())
                && matches!(arg.kind(), "identifier" | "scoped_identifier")
            {
                // `web::post().to(h)`: the method is the receiver's call.
                let verb = if name == "to" {
                    f.child_by_field_name("value")
                        .and_then(|v| v.child_by_field_name("function"))
                        .map(|vf| {
                            let t = p.text(vf);
                            t.rsplit("::").next().unwrap_or(t)
                        })
                        .filter(|v| METHOD_CALLS.contains(v) && *v != "to")
                } else {
                    Some(name)
                };
                out.push((
                    p.text(arg).to_owned(),
                    verb.filter(|v| *v != "any").map(str::to_ascii_uppercase),
                ));
            }
        }
        true
    });
    out
}

fn fact(path: &str, p: &ParsedFile, guard: Node<'_>) -> Fact {
    let (line, col) = p.line_col(guard.start_byte());
    let text: String = p
        .text(guard)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let short: String = text.chars().take(80).collect();
    Fact {
        path: path.to_owned(),
        line,
        col,
        note: format!("router guard `{short}`"),
    }
}
