//! Python front-end of the route model: `FastAPI`, Flask, Django function views and class-based views, DRF
//! `@api_view` functions and viewsets.

use std::collections::HashMap;

use secreview_syntax::{ParsedFile, named_children, walk, walk_with_parent};
use tree_sitter::Node;

use super::Scope;
use super::defaults;
use super::imported;
use super::layers::{self, Layers};
use super::model::{
    Ev, Framework, Lookup, Loosened, Names, Owner, Route, contains_word, loads_one, sql_writes,
};
use super::schema;
use super::wiring;

const HTTP_VERBS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// Routes and file-level facts extracted from one Python file.
pub(crate) struct PyFile<'a> {
    pub routes: Vec<Route>,
    /// Same-file functions by name, for following helpers and dependencies one level.
    funcs: HashMap<String, Node<'a>>,
    /// `CurrentUser = Annotated[User, Depends(get_current_user)]`: alias → its `Depends(…)` text.
    aliases: HashMap<String, String>,
    /// `check_in` results by function node id.
    checks: std::cell::RefCell<HashMap<usize, Option<Ev>>>,
    /// Guards of each router object where another module registers it (see `wiring`), by router name.
    registered: std::cell::RefCell<HashMap<String, Option<imported::DependencyFacts>>>,
    /// The file's place in the project, for dependencies imported from other modules.
    scope: Scope<'a>,
    /// Summaries of the services and repositories the handlers call in other modules.
    layers: Layers<'a>,
    /// The project's DRF `DEFAULT_PERMISSION_CLASSES`, read on first use.
    drf_defaults: std::cell::OnceCell<Option<defaults::DrfDefaults>>,
}

/// Text of a node.
fn t<'a>(p: &'a ParsedFile, n: Node<'_>) -> &'a str {
    p.text(n)
}

fn ev(p: &ParsedFile, n: Node<'_>, note: impl Into<String>) -> Ev {
    let (line, col) = p.line_col(n.start_byte());
    Ev::new(line, col, note)
}

/// The web framework a file uses, from its imports (a docstring that mentions Django does not make a Flask
/// file a Django one).
fn framework_of(text: &str) -> Option<Framework> {
    let imports: Vec<&str> = text
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("from ") || l.starts_with("import "))
        .collect();
    let uses = |m: &str| {
        imports.iter().any(|l| {
            let module = l.split_whitespace().nth(1).unwrap_or("");
            module == m
                || module.starts_with(&format!("{m}."))
                || module.starts_with(&format!("{m}_"))
        })
    };
    // django-ninja apps are Django apps with FastAPI-style operation decorators.
    if uses("ninja") {
        Some(Framework::Django)
    } else if uses("fastapi") || uses("starlette") {
        Some(Framework::FastApi)
    } else if uses("rest_framework") {
        Some(Framework::Drf)
    } else if uses("django") {
        Some(Framework::Django)
    } else if uses("flask") {
        Some(Framework::Flask)
    } else {
        None
    }
}

/// Longest callee text the name checks read: the tail of a longer one (a 10,000-call method chain) holds the
/// method and the nearest receivers, and reading the whole text at every call of the chain would be quadratic.
const MAX_CALLEE_BYTES: usize = 256;

/// The callee of a call as dotted text (`db.session.get`), or the function's text (its tail when very long).
fn callee<'a>(p: &'a ParsedFile, call: Node<'_>) -> &'a str {
    let text = call.child_by_field_name("function").map_or("", |f| t(p, f));
    let mut from = text.len().saturating_sub(MAX_CALLEE_BYTES);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..]
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The variable a statement assigns to, for `x = …`, `x: T = …`, `x = await …`.
fn assigned_var<'a>(p: &'a ParsedFile, stmt: Node<'_>) -> Option<&'a str> {
    let expr = if stmt.kind() == "expression_statement" {
        stmt.named_child(0)?
    } else {
        stmt
    };
    if expr.kind() != "assignment" {
        return None;
    }
    let left = expr.child_by_field_name("left")?;
    (left.kind() == "identifier").then(|| t(p, left))
}

// Methods that do not read `self` keep one call shape for the whole front-end.
#[allow(clippy::unused_self)]
impl<'a> PyFile<'a> {
    pub fn extract(p: &'a ParsedFile, names: &Names, scope: Scope<'a>) -> PyFile<'a> {
        let root = p.tree.root_node();
        let framework = framework_of(&p.text);
        let mut funcs = HashMap::new();
        let mut defs = Vec::new();
        collect_defs(p, root, &mut funcs, &mut defs);
        let mut file = PyFile {
            routes: Vec::new(),
            funcs,
            aliases: HashMap::new(),
            checks: std::cell::RefCell::new(HashMap::new()),
            registered: std::cell::RefCell::new(HashMap::new()),
            scope,
            layers: Layers::new(scope.project),
            drf_defaults: std::cell::OnceCell::new(),
        };
        let Some(framework) = framework else {
            return file;
        };
        let protected_groups = file.protected_groups(p, names);
        file.aliases = dependency_aliases(p);
        let mut classes_with_routes = Vec::new();
        for (def, decorators, class) in defs {
            if let Some(route) = file.route_for(
                p,
                names,
                framework,
                def,
                &decorators,
                class,
                &protected_groups,
            ) {
                if let Some(c) = class {
                    classes_with_routes.push(c.id());
                }
                file.routes.push(route);
            }
        }
        // A `ModelViewSet` with no handler methods still serves every action through the framework's own.
        walk(root, &mut |n| {
            if n.kind() == "class_definition"
                && !classes_with_routes.contains(&n.id())
                && is_view_class(p, n)
            {
                let bases = n
                    .child_by_field_name("superclasses")
                    .map_or("", |b| t(p, b));
                let writes = [
                    "ModelViewSet",
                    "CreateModelMixin",
                    "UpdateModelMixin",
                    "DestroyModelMixin",
                    "CreateAPIView",
                    "UpdateAPIView",
                    "DestroyAPIView",
                    "RetrieveUpdateDestroyAPIView",
                    "RetrieveUpdateAPIView",
                    "RetrieveDestroyAPIView",
                    "ListCreateAPIView",
                    "CreateView",
                    "UpdateView",
                    "DeleteView",
                ];
                // `ReadOnlyModelViewSet` contains `ModelViewSet` but serves no write.
                let read_only = bases.contains("ReadOnly");
                if let Some(name) = n.child_by_field_name("name")
                    && !read_only
                    && writes.iter().any(|w| bases.contains(w))
                {
                    let cname = t(p, name).to_owned();
                    let django = ["CreateView", "UpdateView", "DeleteView"]
                        .iter()
                        .any(|g| bases.contains(g))
                        && !bases.contains("APIView");
                    let fw = if django {
                        Framework::Django
                    } else {
                        Framework::Drf
                    };
                    let mut r = Route::new(cname.clone(), fw, ev(p, name, "view class"), cname);
                    r.class_based = true;
                    r.inherits_unknown = !only_stock_bases(p, n);
                    r.methods
                        .extend(["GET", "POST", "PUT", "PATCH", "DELETE"].map(str::to_owned));
                    file.class_evidence(p, names, n, &mut r);
                    if let Some(m) = file.serializer_class_writes(p, names, n, bases) {
                        r.mass_assignment.push(m);
                    }
                    file.default_permissions(p, names, n, &mut r);
                    file.url_guards(p, names, n, &mut r);
                    // Without its own `permission_classes` a DRF view takes the settings' defaults, which may
                    // include object permissions this file cannot see.
                    if (django || r.permission_classes.is_some() || r.default_permissions.is_some())
                        && let Some(l) = file.implicit_lookup(p, names, n, bases)
                    {
                        r.lookups.push(l);
                    }
                    file.routes.push(r);
                }
            }
            matches!(n.kind(), "module" | "block" | "decorated_definition")
        });
        file
    }

    /// Router objects protected as a whole: `APIRouter(dependencies=[Depends(auth)])`, Flask blueprints with a
    /// `before_request` hook that checks authentication.
    fn protected_groups(&self, p: &ParsedFile, names: &Names) -> HashMap<String, (Ev, bool)> {
        let mut out = HashMap::new();
        walk(p.tree.root_node(), &mut |n| {
            let kind = n.kind();
            if kind == "assignment"
                && let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                )
                && r.kind() == "call"
            {
                let c = callee(p, r);
                if matches!(
                    last_segment(c),
                    "APIRouter" | "FastAPI" | "Router" | "NinjaAPI"
                ) && let Some(args) = r.child_by_field_name("arguments")
                {
                    for kw in named_children(args).filter(|k| k.kind() == "keyword_argument") {
                        let key = kw.child_by_field_name("name").map_or("", |k| t(p, k));
                        let val = kw.child_by_field_name("value").map_or("", |v| t(p, v));
                        // django-ninja: `Router(auth=BearerTokenAuth())` guards every operation on it.
                        if key == "auth" && wiring::ninja_auth_guards(val, names) {
                            out.insert(
                                t(p, l).to_owned(),
                                (
                                    ev(p, kw, format!("router auth `{val}`")),
                                    names.is_privilege(val),
                                ),
                            );
                        }
                        if key == "dependencies" {
                            let privileged = depends_names(val).any(|d| names.is_privilege(d));
                            if privileged || depends_names(val).any(|d| names.is_auth(d)) {
                                out.insert(
                                    t(p, l).to_owned(),
                                    (ev(p, kw, format!("router dependencies {val}")), privileged),
                                );
                            }
                        }
                    }
                }
            }
            if kind == "decorated_definition" {
                for d in named_children(n).filter(|d| d.kind() == "decorator") {
                    let dt = t(p, d).trim_start_matches('@').trim();
                    if let Some(group) = dt.strip_suffix(".before_request")
                        && let Some(def) = n.child_by_field_name("definition")
                    {
                        let body = t(p, def);
                        let privileged = names.is_privilege(body);
                        if body.contains("is_authenticated")
                            || privileged
                            || names.is_auth(body)
                                && (body.contains("abort") || body.contains("redirect"))
                        {
                            let what = if privileged {
                                "a privileged user"
                            } else {
                                "login"
                            };
                            out.insert(
                                group.to_owned(),
                                (
                                    ev(p, d, format!("`{group}.before_request` requires {what}")),
                                    privileged,
                                ),
                            );
                        }
                    }
                }
            }
            // Router objects and hooks are statements: no need to descend into expressions.
            matches!(
                kind,
                "module"
                    | "block"
                    | "function_definition"
                    | "decorated_definition"
                    | "class_definition"
                    | "expression_statement"
                    | "if_statement"
                    | "with_statement"
                    | "try_statement"
            )
        });
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn route_for(
        &self,
        p: &'a ParsedFile,
        names: &Names,
        framework: Framework,
        def: Node<'a>,
        decorators: &[Node<'a>],
        class: Option<Node<'a>>,
        protected_groups: &HashMap<String, (Ev, bool)>,
    ) -> Option<Route> {
        let name = t(p, def.child_by_field_name("name")?).to_owned();
        let params = params_of(p, def);
        let def_ev = ev(p, def.child_by_field_name("name")?, "handler");
        let mut route: Option<Route> = None;
        let mut key_params: Vec<String> = Vec::new();
        // Decorator-registered routes (FastAPI, Flask, DRF @api_view).
        let mut registered_at: Option<usize> = None;
        for (di, d) in decorators.iter().enumerate() {
            let expr = d.named_child(0)?;
            let (fname, args) = if expr.kind() == "call" {
                (callee(p, expr), expr.child_by_field_name("arguments"))
            } else {
                (t(p, expr), None)
            };
            let (obj, verb) = fname.rsplit_once('.').unwrap_or(("", fname));
            let is_route = HTTP_VERBS.contains(&verb) || verb == "route" || verb == "api_route";
            if !obj.is_empty() && is_route && args.is_some() {
                let args = args?;
                let path = named_children(args)
                    .find(|a| a.kind() == "string")
                    .map(|s| string_value(t(p, s)));
                // URL rules start with `/`: `@mock.patch("app.mail.send")` is a test double, not a PATCH route.
                if path
                    .as_deref()
                    .is_some_and(|p| !p.is_empty() && !p.starts_with('/'))
                {
                    continue;
                }
                let mut r = Route::new(name.clone(), framework, def_ev.clone(), obj.to_owned());
                let mut operation_public = None;
                if HTTP_VERBS.contains(&verb) {
                    r.methods.push(verb.to_ascii_uppercase());
                }
                for kw in named_children(args).filter(|k| k.kind() == "keyword_argument") {
                    let key = kw.child_by_field_name("name").map_or("", |k| t(p, k));
                    let val = kw.child_by_field_name("value").map_or("", |v| t(p, v));
                    match key {
                        "methods" => r
                            .methods
                            .extend(string_items(val).map(str::to_ascii_uppercase)),
                        "dependencies" => {
                            for dep in depends_names(val) {
                                self.classify_dependency(p, names, dep, kw, &mut r);
                            }
                        }
                        // django-ninja's per-operation `auth=` overrides the router's.
                        "auth" if wiring::ninja_auth_public(val) => {
                            operation_public =
                                Some(ev(p, kw, format!("`auth={val}` lets anonymous callers in")));
                        }
                        "auth" if wiring::ninja_auth_guards(val, names) => {
                            r.auth.push(ev(p, kw, format!("operation auth `{val}`")));
                        }
                        _ => {}
                    }
                }
                if verb == "route" && r.methods.is_empty() {
                    r.methods.push("GET".into());
                }
                if let Some(path) = &path {
                    key_params.extend(path_params(path));
                }
                r.path = path;
                if let Some((g, privileged)) = protected_groups.get(obj) {
                    r.auth.push(g.clone());
                    if *privileged {
                        r.privilege.push(g.clone());
                    }
                } else {
                    self.registration_guards(p, names, obj, *d, &mut r);
                }
                if let Some(open) = operation_public {
                    r.auth.clear();
                    r.privilege.clear();
                    r.allow_any = Some(open);
                }
                registered_at = Some(di);
                route = Some(r);
            } else if fname == "api_view" || fname.ends_with(".api_view") {
                let mut r = Route::new(
                    name.clone(),
                    Framework::Drf,
                    def_ev.clone(),
                    "api_view".into(),
                );
                if let Some(args) = args {
                    r.methods
                        .extend(string_items(t(p, args)).map(str::to_ascii_uppercase));
                }
                route = Some(r);
            }
        }
        // Django views: functions taking `request` first in a Django file, and methods of class-based views.
        if route.is_none() {
            if let Some(class) = class {
                // DRF `@action(detail=True, methods=["post"])` methods are routes of the viewset too.
                let action = decorators
                    .iter()
                    .find(|d| t(p, **d).trim_start_matches('@').starts_with("action"));
                if !is_view_class(p, class) || !is_view_method(&name) && action.is_none() {
                    return None;
                }
                let cname = class
                    .child_by_field_name("name")
                    .map_or("", |n| t(p, n))
                    .to_owned();
                // Flask `MethodView`s are class-based views too, like Django's and DRF's.
                let mut r = Route::new(format!("{cname}.{name}"), framework, def_ev.clone(), cname);
                r.class_based = true;
                r.inherits_unknown = !only_stock_bases(p, class);
                r.methods
                    .extend(method_of_view_method(&name).map(str::to_owned));
                // flask-restx `@ns.route("/users/<int:user_id>")` over the class registers its path.
                r.path = class_route_path(p, class);
                if let Some(path) = &r.path {
                    key_params.extend(path_params(path));
                }
                if let Some(a) = action {
                    let listed: Vec<String> = string_items(t(p, *a))
                        .map(str::to_ascii_uppercase)
                        .filter(|m| HTTP_VERBS.iter().any(|v| v.eq_ignore_ascii_case(m)))
                        .collect();
                    if listed.is_empty() {
                        r.methods.push("GET".into());
                    }
                    r.methods.extend(listed);
                }
                route = Some(r);
            } else if matches!(framework, Framework::Django | Framework::Drf)
                && params.first().is_some_and(|(n, _, _)| n == "request")
                && is_module_level(def)
                && (looks_like_view(p, def, decorators)
                    || wiring::url_registered(self.scope.project, self.scope.path, &name))
            {
                let fw = framework;
                let mut r = Route::new(name.clone(), fw, def_ev.clone(), "views".into());
                for d in decorators {
                    let dt = t(p, *d);
                    if dt.contains("require_POST") {
                        r.methods.push("POST".into());
                    }
                    if dt.contains("require_http_methods") {
                        r.methods
                            .extend(string_items(dt).map(str::to_ascii_uppercase));
                    }
                }
                route = Some(r);
            }
        }
        let mut route = route?;
        // Django URL kwargs and DRF `pk`: every parameter after `request` is client-controlled.
        if matches!(route.framework, Framework::Django | Framework::Drf) {
            // `self` is already dropped from `params`; skip `request`.
            // Only id-like kwargs select records; `organizer`/`event` slugs are tenancy scopes that middleware
            // resolves, and `token`-like kwargs are unguessable capabilities.
            key_params.extend(
                params
                    .iter()
                    .skip(1)
                    .map(|(n, _, _)| n.clone())
                    .filter(|n| is_id_name(n)),
            );
            // `self.kwargs["pk"]` reads the URL kwarg in class-based views.
            if class.is_some() {
                key_params.push("kwargs".into());
            }
        }
        for (di, d) in decorators.iter().enumerate() {
            // Decorators apply bottom-up: one above the route decorator wraps a function that is already
            // registered, so the URL serves the unwrapped view.
            if registered_at.is_some_and(|r| di < r) {
                let mut scratch = Route::new(
                    String::new(),
                    route.framework,
                    route.def.clone(),
                    String::new(),
                );
                self.classify_decorator(p, names, *d, &mut scratch);
                if let Some(a) = scratch.auth.first().or(scratch.privilege.first()) {
                    let reg = decorators
                        .get(registered_at.unwrap_or(0))
                        .map_or("", |r| t(p, *r).split('(').next().unwrap_or(""));
                    route.misordered = Some(Ev {
                        note: format!("{} sits above `{reg}(…)`, so it wraps nothing", a.note),
                        ..a.clone()
                    });
                    continue;
                }
            }
            self.classify_decorator(p, names, *d, &mut route);
        }
        if let Some(class) = class {
            self.class_evidence(p, names, class, &mut route);
        }
        self.default_permissions(p, names, def, &mut route);
        self.url_guards(p, names, def, &mut route);
        for (pname, annotation, default) in &params {
            let aliased = annotation
                .as_deref()
                .and_then(|a| self.aliases.get(a.trim()));
            match default.as_deref().or(aliased.map(String::as_str)) {
                Some(dflt) if dflt.starts_with("Depends(") || dflt.starts_with("Security(") => {
                    let dep = depends_names(dflt).next().unwrap_or("");
                    let node = def;
                    // `require_role("admin")`: a dependency factory given a role; compared with the base.
                    let factory = dep.split('(').next().unwrap_or(dep);
                    if let Some(arg) = call_arguments(dflt, factory)
                        .filter(|a| super::model::privilege_rank(a).is_some())
                    {
                        let (line, col) = default_position(p, def, dflt);
                        route
                            .privilege_args
                            .push((factory.to_owned(), Ev::new(line, col, arg)));
                    }
                    self.classify_dependency(p, names, dep, node, &mut route);
                    if dep.is_empty() && annotation.as_deref().is_some_and(|a| names.is_auth(a)) {
                        route.auth.push(ev(
                            p,
                            def,
                            format!(
                                "parameter `{pname}: {}`",
                                annotation.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                }
                _ => {
                    // `caller: Caller` where `Caller` is an `Annotated[…, Depends(…)]` alias of another module.
                    let imported = route.framework == Framework::FastApi
                        && annotation.as_deref().is_some_and(|a| {
                            is_dotted_name(a)
                                && self.imported_dependency(p, names, a, def, &mut route)
                        });
                    // FastAPI query/body ids are client-controlled too.
                    if !imported && route.framework == Framework::FastApi && is_id_name(pname) {
                        key_params.push(pname.clone());
                    }
                }
            }
        }
        key_params.sort();
        key_params.dedup();
        // `/checkout/{client_secret}`: the unguessable value is the authorization (a capability URL), so the
        // route is public by design and the value selects nothing an attacker could enumerate.
        if let Some(k) = key_params.iter().find(|k| is_capability_key(k)) {
            route.capability = Some(ev(p, def, format!("capability key `{k}` in the path")));
        }
        key_params.retain(|k| !is_capability_key(k));
        let body = def.child_by_field_name("body")?;
        self.body_evidence(p, names, body, &key_params, &params, &mut route);
        Some(route)
    }

    fn classify_dependency(
        &self,
        p: &ParsedFile,
        names: &Names,
        dep: &str,
        at: Node<'_>,
        route: &mut Route,
    ) {
        if dep.is_empty() {
            return;
        }
        if names.is_privilege(dep) {
            route.privilege.push(ev(
                p,
                at,
                format!("dependency `{dep}` requires a privileged user"),
            ));
            route.auth.push(ev(p, at, format!("dependency `{dep}`")));
            return;
        }
        if names.is_auth(dep) {
            route.auth.push(ev(p, at, format!("dependency `{dep}`")));
        }
        // A dependency imported from another module of the project: what its definition does.
        if !self.funcs.contains_key(last_segment(dep)) {
            self.imported_dependency(p, names, dep, at, route);
            return;
        }
        // A same-file dependency that authenticates or checks ownership itself (`Depends(get_owned_rating)`).
        if let Some(f) = self.funcs.get(last_segment(dep)) {
            let text = t(p, *f);
            if depends_names(text).any(|d| names.is_auth(d)) || names.is_auth(params_text(p, *f)) {
                route
                    .auth
                    .push(ev(p, *f, format!("dependency `{dep}` authenticates")));
            }
            if let Some(check) = self.check_in(p, names, *f) {
                route.ownership.push(Ev::new(
                    check.line,
                    check.col,
                    format!("dependency `{dep}`: {}", check.note),
                ));
            }
        }
    }

    /// The first auth or privilege decorator on a same-file function, as it would guard the function's route.
    fn decorator_guard(&self, p: &ParsedFile, names: &Names, f: Node<'_>) -> Option<Ev> {
        let parent = f.parent().filter(|d| d.kind() == "decorated_definition")?;
        let mut scratch = Route::new(
            String::new(),
            Framework::Django,
            ev(p, f, ""),
            String::new(),
        );
        for d in named_children(parent).filter(|d| d.kind() == "decorator") {
            self.classify_decorator(p, names, d, &mut scratch);
        }
        scratch.auth.into_iter().next()
    }

    /// Adds the guards another module declares where it registers the router `group` (`include_router(router,
    /// dependencies=[…])`, a guarded app that includes it), as evidence at the route decorator `at`.
    fn registration_guards(
        &self,
        p: &ParsedFile,
        names: &Names,
        group: &str,
        at: Node<'_>,
        route: &mut Route,
    ) {
        let facts = self
            .registered
            .borrow_mut()
            .entry(group.to_owned())
            .or_insert_with(|| {
                wiring::registration_guards(self.scope.project, self.scope.path, group, names)
            })
            .clone();
        let Some(facts) = facts else {
            return;
        };
        facts.guard(
            route,
            p.line_col(at.start_byte()),
            &format!("router `{group}`"),
        );
    }

    /// A model built or updated from a whole request schema that lets the client set privileged fields:
    /// `User(**payload.model_dump())`, `Model.objects.create(**payload.dict())`, or a DRF serializer with such
    /// fields fed `data=request.data`. The schema may live in another module.
    fn privileged_copy(
        &self,
        p: &ParsedFile,
        names: &Names,
        call: Node<'_>,
        params: &[(String, Option<String>, Option<String>)],
    ) -> Option<Ev> {
        let callee = callee(p, call);
        let last = last_segment(callee);
        let args = call.child_by_field_name("arguments")?;
        // DRF: `NoteSerializer(data=request.data)`, `NoteSerializer(note, data=request.data)`.
        if last.ends_with("Serializer") {
            let fed = named_children(args).any(|a| {
                a.kind() == "keyword_argument"
                    && a.child_by_field_name("name")
                        .is_some_and(|k| t(p, k) == "data")
                    && a.child_by_field_name("value")
                        .is_some_and(|v| is_raw_request_data(t(p, v)))
            });
            if !fed {
                return None;
            }
            let found =
                schema::privileged_fields(self.scope.project, self.scope.path, p, callee, names)?;
            return Some(privileged_ev(
                p,
                call,
                &format!("`{last}` fed the whole request body"),
                &found,
            ));
        }
        if !builds_model(last) {
            return None;
        }
        let (param, schema) = named_children(args)
            .filter(|a| a.kind() == "dictionary_splat")
            .find_map(|a| dumped_schema_param(t(p, a).trim_start_matches("**"), params))?;
        let found =
            schema::privileged_fields(self.scope.project, self.scope.path, p, schema, names)?;
        Some(privileged_ev(
            p,
            call,
            &format!(
                "`{}` built from every field of `{param}`",
                truncate(t(p, call))
            ),
            &found,
        ))
    }

    /// A DRF view whose framework `create`/`update` write through `serializer_class = X`, where `X` (in any
    /// module) lets the client set privileged fields: the stock actions save whatever the serializer accepts.
    /// Likewise a Django `CreateView` or `UpdateView` whose `fields` (or `form_class`) include privileged model
    /// fields.
    fn serializer_class_writes(
        &self,
        p: &ParsedFile,
        names: &Names,
        class: Node<'_>,
        bases: &str,
    ) -> Option<Ev> {
        const WRITERS: &[&str] = &[
            "ModelViewSet",
            "CreateModelMixin",
            "UpdateModelMixin",
            "CreateAPIView",
            "UpdateAPIView",
            "ListCreateAPIView",
            "RetrieveUpdateAPIView",
            "RetrieveUpdateDestroyAPIView",
        ];
        // Django's `CreateView` and `UpdateView` build their form from `model` and `fields` (or `form_class`) on
        // the view itself.
        if (bases.contains("UpdateView") || bases.contains("CreateView"))
            && !bases.contains("APIView")
        {
            let found =
                schema::view_form_fields(self.scope.project, self.scope.path, p, class, names)
                    .or_else(|| self.class_attr_schema(p, names, class, "form_class"))?;
            let at = class_attr(p, class, "fields")
                .or_else(|| class_attr(p, class, "form_class"))
                .unwrap_or(class);
            return Some(privileged_ev(
                p,
                at,
                "the view's form saves every field it lists",
                &found,
            ));
        }
        if !WRITERS.iter().any(|w| bases.contains(w)) {
            return None;
        }
        let found = self.class_attr_schema(p, names, class, "serializer_class")?;
        let assign = class_attr(p, class, "serializer_class")?;
        Some(privileged_ev(
            p,
            assign,
            &format!(
                "the view's stock create/update save `{}` as the client sends it",
                assign
                    .child_by_field_name("right")
                    .map_or("", |v| last_segment(t(p, v)))
            ),
            &found,
        ))
    }

    /// The privileged fields of the schema class a view names in `attr` (`serializer_class = X`, `form_class = X`).
    fn class_attr_schema(
        &self,
        p: &ParsedFile,
        names: &Names,
        class: Node<'_>,
        attr: &str,
    ) -> Option<schema::Privileged> {
        let value = class_attr(p, class, attr)?.child_by_field_name("right")?;
        if !matches!(value.kind(), "identifier" | "attribute") {
            return None;
        }
        schema::privileged_fields(self.scope.project, self.scope.path, p, t(p, value), names)
    }

    /// Adds the guards the project's Django URL configurations put around the view (see
    /// `wiring::url_guards`), as evidence at the view's definition `at`.
    fn url_guards(&self, p: &ParsedFile, names: &Names, at: Node<'_>, route: &mut Route) {
        if !matches!(route.framework, Framework::Django | Framework::Drf)
            || route.is_authenticated()
        {
            return;
        }
        // A view function is registered by its name, a class-based view by its class.
        let view = if route.class_based {
            route.group.clone()
        } else {
            route.name.clone()
        };
        let facts = self
            .registered
            .borrow_mut()
            .entry(format!("urls:{view}"))
            .or_insert_with(|| {
                wiring::url_guards(self.scope.project, self.scope.path, &view, names)
            })
            .clone();
        if let Some(facts) = facts {
            facts.guard(
                route,
                p.line_col(at.start_byte()),
                &format!("view `{view}`"),
            );
        }
    }

    /// Adds what an imported dependency (or annotation alias) establishes, as evidence at its use site `at`
    /// pointing at the definition. Returns whether it established anything.
    fn imported_dependency(
        &self,
        p: &ParsedFile,
        names: &Names,
        dep: &str,
        at: Node<'_>,
        route: &mut Route,
    ) -> bool {
        let Some(facts) = imported::dependency(self.scope.project, self.scope.path, dep, names)
        else {
            return false;
        };
        let (line, col) = p.line_col(at.start_byte());
        let what = format!("dependency `{dep}`");
        facts.guard(route, (line, col), &what);
        if let Some(f) = &facts.ownership {
            route.ownership.push(f.at_use(line, col, &what));
        }
        true
    }

    /// The owner facts of the model a lookup call loads (`session.get(Document, id)`, `Note.query.get(id)`,
    /// `get_object_or_404(Note, pk=pk)`, `select(Document).where(…)`): the first class-like name in the call
    /// chain, resolved in this file or through its imports.
    fn model_owner(&self, p: &ParsedFile, names: &Names, stmt: &str) -> Option<Owner> {
        let model = model_name(stmt)?;
        imported::model_owner(self.scope.project, self.scope.path, p, model, names)
    }

    fn classify_decorator(&self, p: &ParsedFile, names: &Names, d: Node<'_>, route: &mut Route) {
        let text = t(p, d).trim_start_matches('@').trim();
        let name = text.split('(').next().unwrap_or(text);
        if name.ends_with("csrf_exempt") || text.contains("csrf_exempt") {
            route.csrf_exempt = Some(ev(p, d, "`@csrf_exempt`"));
            return;
        }
        if name.ends_with("permission_classes") {
            self.permission_classes(p, names, d, text, route);
            return;
        }
        let (_, verb) = name.rsplit_once('.').unwrap_or(("", name));
        if HTTP_VERBS.contains(&verb)
            || verb == "route"
            || verb == "api_route"
            || name == "api_view"
        {
            return;
        }
        if names.is_privilege(name) {
            route
                .privilege
                .push(ev(p, d, format!("decorator `@{name}`")));
            route.auth.push(ev(p, d, format!("decorator `@{name}`")));
            privilege_arguments(p, d, name, route);
        } else if names.is_auth(name) {
            route.auth.push(ev(p, d, format!("decorator `@{name}`")));
        } else {
            // A decorator the project defines (here or in another module): what its wrapper does.
            self.project_decorator(p, names, name, d, route);
        }
    }

    fn project_decorator(
        &self,
        p: &ParsedFile,
        names: &Names,
        name: &str,
        d: Node<'_>,
        route: &mut Route,
    ) {
        let Some(facts) = imported::definition(self.scope.project, self.scope.path, name, names)
        else {
            return;
        };
        facts.guard(
            route,
            p.line_col(d.start_byte()),
            &format!("decorator `@{name}`"),
        );
    }

    fn permission_classes(
        &self,
        p: &ParsedFile,
        names: &Names,
        at: Node<'_>,
        text: &str,
        route: &mut Route,
    ) {
        let classes: Vec<&str> = identifiers(text)
            .filter(|w| {
                *w != "permission_classes" && w.chars().next().is_some_and(char::is_uppercase)
            })
            .collect();
        route.permission_classes = Some(ev(p, at, text.trim().to_owned()));
        let allow_all = classes.is_empty()
            || classes
                .iter()
                .all(|c| names.allow_all_names.iter().any(|a| a == c));
        if allow_all {
            route.allow_any = Some(ev(p, at, format!("`{}` lets everyone in", text.trim())));
            route.auth.clear();
            return;
        }
        route.auth.push(ev(p, at, format!("`{}`", text.trim())));
        let (line, col) = p.line_col(at.start_byte());
        Self::classify_permission_classes(names, &classes, route, |note| Ev::new(line, col, note));
    }

    /// A DRF view that sets no `permission_classes` (here or, as far as this file shows, in a base class) gets
    /// the project's `DEFAULT_PERMISSION_CLASSES`, as evidence at the view `at` pointing at the settings line.
    fn default_permissions(&self, p: &ParsedFile, names: &Names, at: Node<'_>, route: &mut Route) {
        if route.framework != Framework::Drf
            || route.permission_classes.is_some()
            || route.inherits_unknown
        {
            return;
        }
        let Some(found) = self
            .drf_defaults
            .get_or_init(|| defaults::drf_defaults(self.scope.project, &names.allow_all_names))
        else {
            return;
        };
        let (line, col) = p.line_col(at.start_byte());
        let at_use = |note: String| {
            let mut e = Ev::new(line, col, note);
            e.origin = Some((found.at.path.clone(), found.at.line, found.at.col));
            e
        };
        let listed = found.classes.join(", ");
        route.default_permissions = Some(at_use(format!("{}: [{listed}]", found.at.note)));
        let classes: Vec<&str> = found
            .classes
            .iter()
            .map(String::as_str)
            .filter(|c| !names.allow_all_names.iter().any(|a| a == c))
            .collect();
        if classes.is_empty() {
            return;
        }
        route
            .auth
            .push(at_use(format!("default permission classes [{listed}]")));
        Self::classify_permission_classes(names, &classes, route, at_use);
    }

    /// The privilege and object-level checks a list of permission classes adds to a route.
    fn classify_permission_classes(
        names: &Names,
        classes: &[&str],
        route: &mut Route,
        at: impl Fn(String) -> Ev,
    ) {
        for &c in classes {
            let builtin = matches!(
                c,
                "IsAuthenticated"
                    | "IsAuthenticatedOrReadOnly"
                    | "AllowAny"
                    | "DjangoModelPermissionsOrAnonReadOnly"
            );
            if c == "IsAdminUser" || names.is_privilege(c) {
                route.privilege.push(at(format!("permission class `{c}`")));
            } else if !builtin {
                // A project permission class (IsOwner, CanEditNote …) is an object-level check.
                route.ownership.push(at(format!("permission class `{c}`")));
            }
        }
    }

    /// The object lookup a generic view or viewset makes on its own (`get_object()` over `queryset` / `model`),
    /// at the line that names the records: `queryset = Note.objects.all()` or `model = Note`. Only a view that
    /// changes single objects (update / destroy) selects one by the URL's `pk`.
    fn implicit_lookup(
        &self,
        p: &ParsedFile,
        names: &Names,
        class: Node<'_>,
        bases: &str,
    ) -> Option<Lookup> {
        let object_writes = [
            "ModelViewSet",
            "UpdateModelMixin",
            "DestroyModelMixin",
            "UpdateAPIView",
            "DestroyAPIView",
            "RetrieveUpdateDestroyAPIView",
            "RetrieveUpdateAPIView",
            "RetrieveDestroyAPIView",
            "UpdateView",
            "DeleteView",
        ];
        if !object_writes.iter().any(|w| bases.contains(w)) {
            return None;
        }
        let body = class.child_by_field_name("body")?;
        let stmt = named_children(body).find(|st| {
            st.kind() == "expression_statement" && {
                let text = t(p, *st).trim_start();
                text.starts_with("queryset")
                    || text.starts_with("model ")
                    || text.starts_with("model=")
            }
        })?;
        let text = t(p, stmt);
        // The default lookup is the framework's, not code anyone wrote: it is reported only when the data model
        // shows the record has an owner (admin and back-office views edit shared catalogues all day).
        let owner = self.model_owner(p, names, text);
        if !matches!(owner, Some(Owner::Owned(_))) {
            return None;
        }
        let (line, col) = p.line_col(stmt.start_byte());
        Some(Lookup {
            ev: Ev::new(
                line,
                col,
                "record selected by the URL's `pk` through `get_object()`",
            ),
            key: "pk".into(),
            var: None,
            mutating: true,
            single: true,
            owner,
            via: None,
            delegated_caller: false,
            through_view: true,
        })
    }

    /// Class-level evidence of Django/DRF views: mixins, `permission_classes`, `get_queryset` scoped to the user.
    fn class_evidence(&self, p: &ParsedFile, names: &Names, class: Node<'_>, route: &mut Route) {
        if let Some(bases) = class.child_by_field_name("superclasses") {
            for b in named_children(bases) {
                let bt = t(p, b);
                if names.is_privilege(bt) {
                    route.privilege.push(ev(p, b, format!("mixin `{bt}`")));
                }
                if names.is_auth(bt) {
                    route.auth.push(ev(p, b, format!("mixin `{bt}`")));
                }
            }
        }
        let Some(body) = class.child_by_field_name("body") else {
            return;
        };
        for stmt in named_children(body) {
            let st = t(p, stmt);
            if stmt.kind() == "expression_statement"
                && st.trim_start().starts_with("permission_classes")
            {
                self.permission_classes(p, names, stmt, st, route);
            }
            // Flask `MethodView.decorators` / flask-restful `method_decorators` wrap every method.
            let st_trim = st.trim_start();
            if stmt.kind() == "expression_statement"
                && (st_trim.starts_with("decorators") || st_trim.starts_with("method_decorators"))
            {
                for name in identifiers(st_trim).skip(1) {
                    if names.is_privilege(name) {
                        route
                            .privilege
                            .push(ev(p, stmt, format!("class decorator `{name}`")));
                        route
                            .auth
                            .push(ev(p, stmt, format!("class decorator `{name}`")));
                    } else if names.is_auth(name) {
                        route
                            .auth
                            .push(ev(p, stmt, format!("class decorator `{name}`")));
                    }
                }
            }
            if stmt.kind() == "expression_statement"
                && st.trim_start().starts_with("permission_required")
            {
                route
                    .privilege
                    .push(ev(p, stmt, format!("`{}`", truncate(st))));
                route.auth.push(ev(p, stmt, format!("`{}`", truncate(st))));
            }
            if stmt.kind() == "decorated_definition" || stmt.kind() == "function_definition" {
                let f = if stmt.kind() == "decorated_definition" {
                    stmt.child_by_field_name("definition")
                } else {
                    Some(stmt)
                };
                if let Some(f) = f
                    && f.child_by_field_name("name").is_some_and(|n| {
                        matches!(
                            t(p, n),
                            "get_queryset" | "get_object" | "has_object_permission" | "test_func"
                        )
                    })
                {
                    let ft = t(p, f);
                    let fname = f.child_by_field_name("name").map_or("", |n| t(p, n));
                    if names.mentions_principal(ft)
                        && (names.mentions_owner_field(ft) || ft.contains("request.user"))
                        || names.is_privilege(ft)
                    {
                        let e = ev(p, f, "scoped to the requesting user in the view class");
                        // `get_queryset` / `get_object` scope only the lookups that go through them; an
                        // `@action` that queries the model directly bypasses them.
                        if matches!(fname, "get_queryset" | "get_object") {
                            route.class_scope = Some(e);
                        } else {
                            route.ownership.push(e);
                        }
                    }
                }
            }
        }
    }

    /// The first ownership or privilege check in a function's body, if any (used for helpers and dependencies).
    /// Memoised per function: every handler that calls the same helper would otherwise walk it again.
    fn check_in(&self, p: &ParsedFile, names: &Names, f: Node<'_>) -> Option<Ev> {
        if let Some(hit) = self.checks.borrow().get(&f.id()) {
            return hit.clone();
        }
        let found = Self::find_check(p, names, f);
        self.checks.borrow_mut().insert(f.id(), found.clone());
        found
    }

    pub(crate) fn find_check(p: &ParsedFile, names: &Names, f: Node<'_>) -> Option<Ev> {
        let body = f.child_by_field_name("body")?;
        let mut found = None;
        walk_with_parent(body, &mut |n, parent| {
            if found.is_some() {
                return false;
            }
            if let Some(e) = ownership_node(p, names, n, parent) {
                found = Some(e);
            }
            true
        });
        found
    }

    #[allow(clippy::too_many_lines)]
    fn body_evidence(
        &self,
        p: &'a ParsedFile,
        names: &Names,
        body: Node<'a>,
        keys: &[String],
        params: &[(String, Option<String>, Option<String>)],
        route: &mut Route,
    ) {
        let mut lookup_vars: Vec<String> = Vec::new();
        let mut request_user_checked = false;
        let mut request_user_vars: Vec<(String, Ev)> = Vec::new();
        let body_params: Vec<&str> = params
            .iter()
            .filter(|(_, a, d)| {
                route.framework == Framework::FastApi
                    && d.as_deref()
                        .is_none_or(|d| !d.starts_with("Depends(") && !d.starts_with("Security("))
                    && a.as_deref().is_some_and(|a| {
                        a.chars().next().is_some_and(char::is_uppercase) && !is_scalar_type(a)
                    })
            })
            .map(|(n, _, _)| n.as_str())
            .collect();
        // A client-chosen user id (`/users/{user_id}/…`) names whom to act for; it is not a record key.
        for k in keys.iter().filter(|k| names.is_owner_field(k)) {
            request_user_vars.push((k.clone(), route.def.clone()));
        }
        let keys: Vec<String> = keys
            .iter()
            .filter(|k| !names.is_owner_field(k))
            .cloned()
            .collect();
        let keys = keys.as_slice();
        for (pname, _, d) in params {
            let from_client = route.framework == Framework::FastApi
                && d.as_deref()
                    .is_none_or(|d| !d.starts_with("Depends(") && !d.starts_with("Security("));
            if from_client && names.is_owner_field(pname) {
                request_user_vars.push((pname.clone(), route.def.clone()));
            }
        }
        // Where each key is read as a value, as sorted byte offsets: "does this call's argument list use the key"
        // is then a binary search, not a walk of the arguments at every call (quadratic for `f(f(f(…)))`).
        let key_uses: Vec<(String, Vec<usize>)> = keys
            .iter()
            .map(|k| (k.clone(), value_uses(p, body, k)))
            .collect();
        let uses_key = |a: Node<'_>, k: &str| {
            key_uses.iter().any(|(key, offsets)| {
                key == k && {
                    let i = offsets.partition_point(|&o| o < a.start_byte());
                    offsets.get(i).is_some_and(|&o| o < a.end_byte())
                }
            })
        };
        // The statements enclosing the current node, innermost last: the statement a lookup is reported at, without
        // a walk up the tree (`Node::parent` starts from the root) at every call.
        let mut statements: Vec<Node<'_>> = Vec::new();
        let mut capability_of: Option<(usize, bool)> = None;
        walk_with_parent(body, &mut |n, parent| {
            // `Node::kind` validates UTF-8 on every call; this closure runs for every node of every handler.
            let kind = n.kind();
            while statements
                .last()
                .is_some_and(|s| s.end_byte() <= n.start_byte() && s.id() != n.id())
            {
                statements.pop();
            }
            if parent.is_some_and(|par| matches!(par.kind(), "block" | "module")) {
                statements.push(n);
            }
            let statement = statements.last().copied().unwrap_or(n);
            match kind {
                "function_definition" | "class_definition" | "lambda" => return false,
                "comparison_operator"
                | "boolean_operator"
                | "not_operator"
                | "call"
                | "attribute"
                | "subscript" => {
                    if let Some(e) = ownership_node(p, names, n, parent) {
                        if e.note.starts_with("privilege") {
                            route.privilege.push(e);
                        } else {
                            route.ownership.push(e);
                        }
                    }
                }
                _ => {}
            }
            if kind == "boolean_operator"
                && let Some(e) = loosened_check(p, names, n, parent)
            {
                route.loosened.push(e);
            }
            if kind == "attribute"
                && t(p, n).ends_with("is_authenticated")
                && rejects_anonymous(p, parent)
            {
                route
                    .body_auth
                    .push(ev(p, n, "explicit `is_authenticated` check"));
            }
            if kind == "call" {
                let c = callee(p, n);
                let lc = last_segment(c);
                // Signing someone in or out (`auth_login`, `auth_logout`) is what public login views do: it
                // requires no caller.
                let session_change = {
                    let l = lc.to_ascii_lowercase();
                    l.contains("logout") || l.contains("login") && !l.contains("required")
                };
                if names.is_auth(lc)
                    && !names.is_owner_field(lc)
                    && lc != "get_user_model"
                    && !session_change
                {
                    route.body_auth.push(ev(p, n, format!("calls `{c}`")));
                }
                // A same-file helper that checks ownership: a plain call, a `self.` method, or a method of a
                // service/repository object (not `db.get`, which would collide with any same-file `get`).
                let receiver = c
                    .rsplit_once('.')
                    .map_or("", |(o, _)| o)
                    .to_ascii_lowercase();
                let follows = !c.contains('.')
                    || receiver == "self"
                    || receiver == "cls"
                    || [
                        "service",
                        "svc",
                        "repo",
                        "repository",
                        "crud",
                        "manager",
                        "policy",
                    ]
                    .iter()
                    .any(|s| receiver.ends_with(s));
                if follows
                    && let Some(f) = self.funcs.get(lc)
                    && f.child_by_field_name("body").map(|b| b.id()) != Some(body.id())
                    && let Some(check) = self.check_in(p, names, *f)
                {
                    route.ownership.push(Ev::new(
                        check.line,
                        check.col,
                        format!("helper `{lc}` checks ({})", check.note),
                    ));
                }
                let args = n.child_by_field_name("arguments");
                let args_text = args.map_or("", |a| t(p, a));
                // `kwargs` stands for the URL kwargs of a class-based view: only reading one (`self.kwargs["pk"]`)
                // selects a record; passing `**kwargs` on to `super()` does not.
                let key = args.and_then(|a| {
                    keys.iter().find(|k| {
                        if k.as_str() == "kwargs" {
                            args_text.contains("kwargs[") || args_text.contains("kwargs.get(")
                        } else {
                            uses_key(a, k)
                        }
                    })
                });
                // A branch on whether setup is done makes the route a first-run wizard, closed once it ran.
                if names.is_first_run_check(c) && in_condition(n) {
                    route.first_run.get_or_insert_with(|| {
                        ev(
                            p,
                            n,
                            format!("a first-run setup route: it branches on `{c}()`"),
                        )
                    });
                }
                // A signature check makes an anonymous endpoint (a webhook, a signed link) public by design.
                if verifies_signature(lc) {
                    route.signed.get_or_insert_with(|| {
                        ev(p, n, format!("verifies a signature with `{c}`"))
                    });
                }
                // `return update_check(request, code)`: a dispatcher view hands the request to views of this
                // file, whose own decorators guard it.
                if !c.contains('.')
                    && args.is_some_and(|a| a.named_child(0).is_some_and(|x| t(p, x) == "request"))
                    && let Some(f) = self.funcs.get(lc)
                    && let Some(guard) = self.decorator_guard(p, names, *f)
                {
                    route.body_auth.push(ev(
                        p,
                        n,
                        format!("delegates to `{lc}`, guarded by {}", guard.note),
                    ));
                }
                // A call into a service or repository of another module: what its summary says it does with
                // the key (loads the record by it, checks the owner somewhere below).
                let delegated = key.and_then(|_| body.parent()).and_then(|handler| {
                    self.layers
                        .call_summary(self.scope.path, p, handler, n, names)
                });
                if let Some(summary) = &delegated {
                    let (line, col) = p.line_col(n.start_byte());
                    if let Some(check) = &summary.check {
                        route.ownership.push(check.at_use(
                            line,
                            col,
                            &format!("`{c}` reaches a check"),
                        ));
                    } else if let Some((who, scope)) = args.and_then(|a| {
                        layers::arguments(p, a)
                            .into_iter()
                            .find_map(|(index, kw, v)| {
                                let who = principal_arg(t(p, v), params)?;
                                Some((who, summary.scope_for(index, kw)?))
                            })
                    }) {
                        // The caller is handed to the layer that loads the record, and that layer uses it to
                        // select (`get_accessible_org_ids(session, auth_subject)`): scoping delegated downwards.
                        route.ownership.push(scope.at_use(
                            line,
                            col,
                            &format!("`{c}` is given the caller `{who}`"),
                        ));
                    }
                }
                // `get_object_or_404(get_pages_queryset(request), pk=id)`: the queryset comes from a project
                // helper that is given the request (or the caller) and reads the principal itself.
                if key.is_some()
                    && let Some(a) = args
                    && let Some((inner, fact)) = named_children(a)
                        .filter(|v| v.kind() == "call")
                        .filter(|v| {
                            v.child_by_field_name("arguments").is_some_and(|ia| {
                                named_children(ia).any(|x| {
                                    let xt = t(p, x);
                                    xt == "request" || principal_arg(xt, params).is_some()
                                })
                            })
                        })
                        .find_map(|v| {
                            let handler = body.parent()?;
                            let s =
                                self.layers
                                    .call_summary(self.scope.path, p, handler, v, names)?;
                            Some((v, s.reads_principal.clone()?))
                        })
                {
                    let (line, col) = p.line_col(inner.start_byte());
                    route.ownership.push(fact.at_use(
                        line,
                        col,
                        &format!("queryset from `{}`", truncate(t(p, inner))),
                    ));
                }
                let via = match (key, &delegated, args) {
                    (Some(k), Some(summary), Some(a)) => layers::arguments(p, a)
                        .into_iter()
                        .find(|(_, _, v)| uses_key(*v, k))
                        .and_then(|(index, kw, _)| summary.load_for(index, kw).cloned()),
                    _ => None,
                };
                if let Some(key) = key
                    && (names.is_lookup_call(c) || via.is_some())
                    && !is_trivial_call(lc)
                {
                    let stmt = statement;
                    let line = p.line_of(stmt.start_byte());
                    // Once per statement: every call nested in it would read its whole text again.
                    let capability = match capability_of {
                        Some((id, c)) if id == stmt.id() => c,
                        _ => {
                            let c = is_capability_lookup(t(p, stmt));
                            capability_of = Some((stmt.id(), c));
                            c
                        }
                    };
                    if !capability && !route.lookups.iter().any(|l| l.ev.line == line) {
                        let stmt_text = t(p, stmt);
                        let mutating = names.is_mutation_call(lc)
                            || sql_writes(stmt_text)
                            || has_mutation_call(p, names, stmt)
                            || via.as_ref().is_some_and(|l| l.mutating);
                        let var = assigned_var(p, stmt).map(str::to_owned);
                        if let Some(v) = &var {
                            lookup_vars.push(v.clone());
                        }
                        let (sl, sc) = p.line_col(stmt.start_byte());
                        route.lookups.push(Lookup {
                            ev: Ev::new(
                                sl,
                                sc,
                                format!("record selected by client-supplied `{key}`"),
                            ),
                            key: key.clone(),
                            var,
                            mutating,
                            single: loads_one(stmt_text) || via.is_some(),
                            owner: self
                                .model_owner(p, names, stmt_text)
                                .or_else(|| via.as_ref().and_then(|l| l.owner.clone())),
                            via: via
                                .as_ref()
                                .map(|l| l.fact.at_use(sl, sc, &format!("`{c}`"))),
                            through_view: [
                                "get_queryset(",
                                "get_object(",
                                "self.queryset",
                                "filter_queryset(",
                            ]
                            .iter()
                            .any(|m| stmt_text.contains(m)),
                            delegated_caller: delegated.is_none()
                                && args.is_some_and(|a| {
                                    layers::arguments(p, a)
                                        .iter()
                                        .any(|(_, _, v)| principal_arg(t(p, *v), params).is_some())
                                }),
                        });
                        if mutating {
                            route
                                .mutations
                                .push(Ev::new(sl, sc, format!("changed by `{c}`")));
                        }
                    }
                }
                // Mutations of a looked-up object: `db.delete(obj)`, `obj.save()`, `setattr(obj, …)`.
                if names.is_mutation_call(c)
                    || matches!(
                        lc,
                        "commit" | "add" | "create" | "bulk_create" | "insert" | "get_or_create"
                    )
                {
                    route.writes = true;
                    let receiver = c.rsplit_once('.').map_or("", |(o, _)| o);
                    if let Some(v) = lookup_vars
                        .iter()
                        .find(|v| contains_word(args_text, v) || receiver == v.as_str())
                        && names.is_mutation_call(c)
                    {
                        route
                            .mutations
                            .push(ev(p, n, format!("`{v}` changed by `{c}`")));
                    }
                }
                if is_whole_payload_call(p, n, &body_params) {
                    route.mass_assignment.push(ev(
                        p,
                        n,
                        format!(
                            "`{}` built from the whole request payload",
                            truncate(t(p, n))
                        ),
                    ));
                } else if let Some(e) = self.privileged_copy(p, names, n, params) {
                    route.mass_assignment.push(e);
                }
            }
            if kind == "assignment"
                && let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                )
            {
                let lt = t(p, l);
                let rt = t(p, r);
                if l.kind() == "attribute" {
                    let obj = l.child_by_field_name("object").map_or("", |o| t(p, o));
                    if lookup_vars.iter().any(|v| v == obj) {
                        route.mutations.push(ev(p, n, format!("`{lt}` assigned")));
                        route.writes = true;
                    }
                    let field = l.child_by_field_name("attribute").map_or("", |a| t(p, a));
                    if names.is_owner_field(field)
                        && let Some(src) = request_user_value(rt, &request_user_vars, &body_params)
                    {
                        route.request_user_ids.push(ev(
                            p,
                            n,
                            format!("owner `{lt}` set from {src}"),
                        ));
                    }
                }
                if l.kind() == "identifier"
                    && let Some(src) = request_user_source(rt)
                {
                    if names.is_owner_field(lt) {
                        request_user_vars
                            .push((lt.to_owned(), ev(p, n, format!("`{lt}` read from {src}"))));
                    }
                    if is_id_name(lt) {
                        // `note_id = request.args["id"]`: a client-controlled key.
                    }
                }
            }
            if kind == "keyword_argument"
                && let (Some(k), Some(v)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                )
                && names.is_owner_field(t(p, k))
                && writes_record(p, n)
                && let Some(src) = request_user_value(t(p, v), &request_user_vars, &body_params)
            {
                route
                    .request_user_ids
                    .push(ev(p, n, format!("`{}` taken from {src}", t(p, n))));
            }
            if kind == "comparison_operator" {
                let ct = t(p, n);
                let sides: Vec<&str> = named_children(n).map(|c| t(p, c)).collect();
                let owner_side = named_children(n).any(|c| {
                    c.kind() == "attribute"
                        && c.child_by_field_name("attribute")
                            .is_some_and(|a| names.is_owner_field(t(p, a)))
                });
                let from_request = sides
                    .iter()
                    .find_map(|sd| request_user_value(sd, &request_user_vars, &body_params));
                if names.mentions_principal(ct)
                    && sides
                        .iter()
                        .any(|sd| request_user_vars.iter().any(|(v, _)| v == sd))
                {
                    // `if user_id != current_user.id: raise 403` checks the client-supplied id.
                    request_user_checked = true;
                } else if owner_side && let Some(src) = from_request {
                    route.request_user_ids.push(ev(
                        p,
                        n,
                        format!("authorization decided on {src} (`{}`)", truncate(ct)),
                    ));
                }
            }
            if kind == "for_statement" {
                let right = n.child_by_field_name("right").map_or("", |r| t(p, r));
                let inner = n.child_by_field_name("body").map_or("", |b| t(p, b));
                if inner.contains("setattr(")
                    && (request_user_source(right).is_some() || is_raw_request_data(right))
                {
                    route.mass_assignment.push(ev(
                        p,
                        n,
                        format!("`setattr` over every key of `{}`", truncate(right)),
                    ));
                } else if inner.contains("setattr(")
                    && let Some((param, schema)) = dumped_schema_param(right, params)
                    && let Some(found) = schema::privileged_fields(
                        self.scope.project,
                        self.scope.path,
                        p,
                        schema,
                        names,
                    )
                {
                    route.mass_assignment.push(privileged_ev(
                        p,
                        n,
                        &format!("`setattr` over every field of `{param}`"),
                        &found,
                    ));
                }
            }
            true
        });
        if request_user_checked {
            route.request_user_ids.clear();
        }
    }
}

/// Any call in the statement that changes state (`db.execute(delete(Rating).where(…))`, `q.filter(…).update(…)`).
fn has_mutation_call(p: &ParsedFile, names: &Names, stmt: Node<'_>) -> bool {
    let mut found = false;
    walk(stmt, &mut |n| {
        if n.kind() == "call" && names.is_mutation_call(callee(p, n)) {
            found = true;
        }
        !found
    });
    found
}

/// Byte offsets, in order, where `name` is used as a value inside `node` — not as a keyword name (`pk=`) or an
/// attribute (`self.customer.pk`).
fn value_uses(p: &ParsedFile, node: Node<'_>, name: &str) -> Vec<usize> {
    let mut out = Vec::new();
    walk_with_parent(node, &mut |n, parent| {
        if n.kind() == "identifier" && t(p, n) == name {
            let is_kw_name = parent.is_some_and(|par| {
                par.kind() == "keyword_argument"
                    && par
                        .child_by_field_name("name")
                        .is_some_and(|k| k.id() == n.id())
            });
            let is_attr_field = parent.is_some_and(|par| {
                par.kind() == "attribute"
                    && par
                        .child_by_field_name("attribute")
                        .is_some_and(|a| a.id() == n.id())
            });
            if !is_kw_name && !is_attr_field {
                out.push(n.start_byte());
            }
        }
        true
    });
    out
}

/// A parameter holding an unguessable value (`client_secret`, `invite_token`, `signature`).
fn is_capability_key(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["token", "secret", "signature", "nonce", "otp"]
        .iter()
        .any(|w| l == *w || l.ends_with(&format!("_{w}")) || l.starts_with(&format!("{w}_")))
}

/// A record found by an unguessable value (`notifications_token=…`, `secret=…`): knowing the value is the
/// authorization, so it is not an insecure direct object reference.
fn is_capability_lookup(stmt: &str) -> bool {
    let l = stmt.to_ascii_lowercase();
    ["token", "secret", "signature", "nonce", "hash", "otp"]
        .iter()
        .any(|w| l.contains(&format!("{w}=")) || l.contains(&format!("{w} ==")))
        || l.contains("_token") && l.contains('=')
}

/// Evidence of an ownership check or a privilege check at `n` (whose parent the caller's walk knows).
fn ownership_node(
    p: &ParsedFile,
    names: &Names,
    n: Node<'_>,
    parent: Option<Node<'_>>,
) -> Option<Ev> {
    let text = t(p, n);
    match n.kind() {
        "comparison_operator" => {
            // `obj.user_id != current_user.id`, `Rating.user_id == user.id`, `note.owner == request.user`
            let has_owner = named_children(n).any(|c| {
                let ct = t(p, c);
                (c.kind() == "attribute"
                    && c.child_by_field_name("attribute")
                        .is_some_and(|a| names.is_owner_field(t(p, a))))
                    || names.is_owner_field(ct)
            });
            if has_owner {
                return Some(ev(p, n, format!("ownership check `{}`", truncate(text))));
            }
            if text.contains("role") && names.is_privilege(text) {
                return Some(ev(p, n, format!("privilege check `{}`", truncate(text))));
            }
            if is_participant_check(p, names, n) {
                return Some(ev(p, n, format!("participant check `{}`", truncate(text))));
            }
            None
        }
        "call" => {
            let c = callee(p, n);
            // User-scoped queries: `filter_by(id=…, user_id=current_user.id)`, `get_object_or_404(M, pk=pk, owner=request.user)`.
            if let Some(args) = n.child_by_field_name("arguments") {
                for kw in named_children(args).filter(|k| k.kind() == "keyword_argument") {
                    let key = kw.child_by_field_name("name").map_or("", |k| t(p, k));
                    let val = kw.child_by_field_name("value").map_or("", |v| t(p, v));
                    let base = key.split("__").next().unwrap_or(key);
                    // In a constructor or create call the owner is being assigned, which checks nothing.
                    if names.is_owner_field(base)
                        && names.mentions_principal(val)
                        && !writes_record(p, kw)
                    {
                        return Some(ev(
                            p,
                            kw,
                            format!("query scoped to the user `{}`", truncate(t(p, kw))),
                        ));
                    }
                }
            }
            if names.is_privilege(c) {
                return Some(ev(p, n, format!("privilege check `{}`", truncate(text))));
            }
            None
        }
        "attribute" => {
            let attr = n.child_by_field_name("attribute").map_or("", |a| t(p, a));
            let in_condition = parent.is_some_and(|par| {
                matches!(
                    par.kind(),
                    "if_statement"
                        | "not_operator"
                        | "boolean_operator"
                        | "comparison_operator"
                        | "assert_statement"
                )
            });
            if in_condition && names.is_privilege(attr) {
                return Some(ev(p, n, format!("privilege check `{}`", truncate(text))));
            }
            None
        }
        _ => None,
    }
}

/// `user not in (conv.sender, conv.recipient)`, `current_user.id in {t.buyer_id, t.seller_id}`,
/// `msg.sender_id == current_user.id`: the caller's identity compared with a record's fields that name people
/// other than an `owner` (participants of a conversation, the two sides of a trade).
fn is_participant_check(p: &ParsedFile, names: &Names, cmp: Node<'_>) -> bool {
    let mut cursor = cmp.walk();
    let ops: Vec<&str> = cmp
        .children_by_field_name("operators", &mut cursor)
        .map(|o| t(p, o))
        .collect();
    let [op] = ops.as_slice() else {
        return false;
    };
    let operands: Vec<Node<'_>> = named_children(cmp).collect();
    let [left, right] = operands.as_slice() else {
        return false;
    };
    let record_fields = |n: Node<'_>| match n.kind() {
        "attribute" => !is_principal_identity(names, t(p, n)),
        "tuple" | "list" | "set" => {
            let items: Vec<Node<'_>> = named_children(n).collect();
            !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.kind() == "attribute" && !is_principal_identity(names, t(p, *i)))
        }
        _ => false,
    };
    match *op {
        // `request.user in project.members.all()` as well as a tuple of a record's fields.
        "in" | "not in" => {
            is_principal_identity(names, t(p, *left))
                && (record_fields(*right)
                    || right.kind() == "call" && !names.mentions_principal(t(p, *right)))
        }
        "==" | "!=" | "is" | "is not" => {
            let attr_names_person = |n: Node<'_>| {
                n.kind() == "attribute"
                    && n.child_by_field_name("attribute").is_some_and(|a| {
                        let a = t(p, a).to_ascii_lowercase();
                        a.ends_with("_id") || a.ends_with("_by") || a.ends_with("_user")
                    })
            };
            is_principal_identity(names, t(p, *left))
                && record_fields(*right)
                && attr_names_person(*right)
                || is_principal_identity(names, t(p, *right))
                    && record_fields(*left)
                    && attr_names_person(*left)
        }
        _ => false,
    }
}

/// The authenticated caller or its id: `request.user`, `current_user.id`, `user.pk`, `g.user.id`, `user_id`.
fn is_principal_identity(names: &Names, text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    let bare = matches!(
        l.as_str(),
        "user"
            | "me"
            | "current_user"
            | "request.user"
            | "self.request.user"
            | "g.user"
            | "user_id"
    );
    bare || names.mentions_principal(&l)
        && [".id", ".pk", ".uuid", "_id", ".user"]
            .iter()
            .any(|s| l.ends_with(s))
        && !l.contains('(')
}

/// A boolean operator that lets a condition without any check bypass one that is a check: `or` in a granting
/// condition (`if note.owner_id == user.id or note.is_public:`), `and` in a rejecting one (`if note.owner_id !=
/// user.id and not note.shared: raise …`). Reported at the operator, with the bypass in the note.
fn loosened_check(
    p: &ParsedFile,
    names: &Names,
    op: Node<'_>,
    parent: Option<Node<'_>>,
) -> Option<Loosened> {
    let operator = op.child_by_field_name("operator").map(|o| t(p, o))?;
    let cond = parent.filter(|par| {
        matches!(par.kind(), "if_statement" | "elif_clause")
            && par
                .child_by_field_name("condition")
                .is_some_and(|c| c.id() == op.id())
    })?;
    let body = cond.child_by_field_name("consequence")?;
    let consequence = t(p, body);
    let rejecting = [
        "raise ",
        "abort(",
        "401",
        "403",
        "404",
        "Forbidden",
        "Denied",
    ]
    .iter()
    .any(|w| consequence.contains(w));
    let loosens = if rejecting {
        operator == "and"
    } else {
        operator == "or"
    };
    if !loosens {
        return None;
    }
    let has_check = |n: Node<'_>| {
        let mut found = false;
        walk_with_parent(n, &mut |m, par| {
            if !found && ownership_node(p, names, m, par).is_some() {
                found = true;
            }
            !found
        });
        found
    };
    let sides: Vec<Node<'_>> = named_children(op).collect();
    let [left, right] = sides.as_slice() else {
        return None;
    };
    let bypass = match (has_check(*left), has_check(*right)) {
        (true, false) => *right,
        (false, true) => *left,
        _ => return None,
    };
    Some(Loosened {
        at: ev(
            p,
            op,
            format!(
                "`{}`: `{}` bypasses the check",
                truncate(t(p, op)),
                truncate(t(p, bypass))
            ),
        ),
        rejecting,
        body: p.lines(body),
    })
}

/// The string and name arguments of a privilege decorator (`@permission_required("app.delete_x")`), recorded for
/// comparison with the base version.
fn privilege_arguments(p: &ParsedFile, d: Node<'_>, name: &str, route: &mut Route) {
    let Some(call) = d.named_child(0).filter(|c| c.kind() == "call") else {
        return;
    };
    let Some(args) = call.child_by_field_name("arguments") else {
        return;
    };
    route
        .privilege_args
        .push((name.to_owned(), ev(p, args, t(p, args).to_owned())));
}

/// `(…)` of the call of `callee` inside a dependency text: `Depends(require_role("admin"))` → `("admin")`.
fn call_arguments(text: &str, callee: &str) -> Option<String> {
    let start = text.find(callee)? + callee.len();
    let rest = text[start..].trim_start();
    if !rest.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(rest[..=i].to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

/// Where a parameter default's text sits in the function (its line is what a diff changes), else the `def`.
fn default_position(p: &ParsedFile, def: Node<'_>, dflt: &str) -> (u32, u32) {
    let params = def.child_by_field_name("parameters").unwrap_or(def);
    match t(p, params).find(dflt) {
        Some(off) => p.line_col(params.start_byte() + off),
        None => p.line_col(def.start_byte()),
    }
}

/// One line of quoted code for a note: secrets redacted, then cut (see `redact::excerpt`).
fn truncate(s: &str) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::redact::excerpt(&one, 70)
}

/// Words that name the acting principal in a parameter (`current_user`, `auth_subject`, `caller`, `member`).
const PRINCIPAL_PARAM_WORDS: &[&str] = &[
    "user",
    "subject",
    "caller",
    "member",
    "principal",
    "viewer",
    "account",
    "identity",
    "actor",
];

/// The handler parameter an argument passes when it is the caller (`member`, `current_user.id`,
/// `auth_subject`), not a client-chosen id (`user_id` in the path).
fn principal_arg<'p>(
    arg: &str,
    params: &'p [(String, Option<String>, Option<String>)],
) -> Option<&'p str> {
    let head = arg.split('.').next().unwrap_or(arg).trim();
    params
        .iter()
        .find(|(name, annotation, _)| {
            name == head
                && !is_id_name(name)
                && annotation.as_deref().is_none_or(|a| !is_scalar_type(a))
                && PRINCIPAL_PARAM_WORDS
                    .iter()
                    .any(|w| name.to_ascii_lowercase().contains(w))
        })
        .map(|(name, _, _)| name.as_str())
}

/// The model a lookup statement names: its first class-like identifier (`session.get(Document, id)`,
/// `select(Board).where(…)`, `Note.query.get(id)`).
pub(crate) fn model_name(stmt: &str) -> Option<&str> {
    identifiers(stmt).find(|w| {
        w.chars().next().is_some_and(char::is_uppercase)
            && w.chars().any(char::is_lowercase)
            && !matches!(
                *w,
                "Depends" | "HTTPException" | "Query" | "Path" | "Body" | "Q" | "F"
            )
    })
}

/// Functions and methods with their decorators and enclosing class.
type Def<'a> = (Node<'a>, Vec<Node<'a>>, Option<Node<'a>>);

fn collect_defs<'a>(
    p: &ParsedFile,
    node: Node<'a>,
    funcs: &mut HashMap<String, Node<'a>>,
    defs: &mut Vec<Def<'a>>,
) {
    // Recursion over nested definitions: each level is one more indentation level, and the parser refuses files
    // indented deeper than `secreview_syntax::MAX_PYTHON_INDENT` (100), so this stays shallow.
    fn visit<'a>(
        p: &ParsedFile,
        n: Node<'a>,
        class: Option<Node<'a>>,
        funcs: &mut HashMap<String, Node<'a>>,
        defs: &mut Vec<Def<'a>>,
    ) {
        for child in named_children(n) {
            let (def, decorators) = if child.kind() == "decorated_definition" {
                let decos: Vec<Node<'a>> = named_children(child)
                    .filter(|d| d.kind() == "decorator")
                    .collect();
                match child.child_by_field_name("definition") {
                    Some(d) => (d, decos),
                    None => continue,
                }
            } else {
                (child, Vec::new())
            };
            match def.kind() {
                "function_definition" => {
                    if let Some(name) = def.child_by_field_name("name") {
                        funcs.entry(t(p, name).to_owned()).or_insert(def);
                    }
                    // Router factories (`def get_users_router(): router = APIRouter() … @router.get(…)`) define
                    // their handlers inside a function: decorated nested functions are handlers too.
                    if let Some(body) = def.child_by_field_name("body") {
                        let mut nested = Vec::new();
                        visit(p, body, None, funcs, &mut nested);
                        defs.extend(nested.into_iter().filter(|(_, decos, _)| !decos.is_empty()));
                    }
                    defs.push((def, decorators, class));
                }
                "class_definition" => {
                    if let Some(body) = def.child_by_field_name("body") {
                        visit(p, body, Some(def), funcs, defs);
                    }
                }
                _ => {}
            }
        }
    }
    visit(p, node, None, funcs, defs);
}

/// Module-level `Name = Annotated[T, Depends(dep)]` aliases.
pub(crate) fn dependency_aliases(p: &ParsedFile) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for stmt in named_children(p.tree.root_node()) {
        let Some(expr) = stmt
            .named_child(0)
            .filter(|e| stmt.kind() == "expression_statement" && e.kind() == "assignment")
        else {
            continue;
        };
        let (Some(l), Some(r)) = (
            expr.child_by_field_name("left"),
            expr.child_by_field_name("right"),
        ) else {
            continue;
        };
        let rt = t(p, r);
        if l.kind() == "identifier"
            && rt.starts_with("Annotated[")
            && let Some(i) = rt.find("Depends(").or_else(|| rt.find("Security("))
        {
            out.insert(t(p, l).to_owned(), rt[i..].to_owned());
        }
    }
    out
}

/// (name, annotation, default) for each parameter.
pub(crate) fn params_of(
    p: &ParsedFile,
    def: Node<'_>,
) -> Vec<(String, Option<String>, Option<String>)> {
    let Some(params) = def.child_by_field_name("parameters") else {
        return Vec::new();
    };
    named_children(params)
        .filter_map(|n| {
            let name = match n.kind() {
                "identifier" => Some(t(p, n)),
                "typed_parameter" => named_children(n)
                    .find(|c| c.kind() == "identifier")
                    .map(|c| t(p, c)),
                "default_parameter" | "typed_default_parameter" => {
                    n.child_by_field_name("name").map(|c| t(p, c))
                }
                _ => None,
            }?;
            let ann = n.child_by_field_name("type").map(|a| t(p, a).to_owned());
            let dflt = n.child_by_field_name("value").map(|v| t(p, v).to_owned());
            // `Annotated[User, Depends(get_current_user)]` carries the dependency in the annotation.
            let dflt = dflt.or_else(|| {
                ann.as_deref().and_then(|a| {
                    a.find("Depends(")
                        .or_else(|| a.find("Security("))
                        .map(|i| a[i..].to_owned())
                })
            });
            Some((name.to_owned(), ann, dflt))
        })
        .filter(|(n, _, _)| n != "self" && n != "cls")
        .collect()
}

/// `Caller`, `deps.CurrentUser`: a name an import can bind (not `int`, `list[str]` or `str | None`).
pub(crate) fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c == '_' || c.is_alphabetic())
                && part.chars().all(|c| c == '_' || c.is_alphanumeric())
        })
}

pub(crate) fn params_text<'a>(p: &'a ParsedFile, def: Node<'_>) -> &'a str {
    def.child_by_field_name("parameters")
        .map_or("", |n| t(p, n))
}

/// The names inside `Depends(x)` / `Security(x)` occurrences of a text.
pub(crate) fn depends_names(text: &str) -> impl Iterator<Item = &str> {
    ["Depends(", "Security("].into_iter().flat_map(move |m| {
        text.match_indices(m).map(move |(i, _)| {
            // `Depends(\n    Authenticator(…)\n)` as formatters write it: the name starts after the whitespace.
            let rest = text[i + m.len()..].trim_start();
            let end = rest
                .find([',', ')', ' ', '\n', '\t', '\r'])
                .unwrap_or(rest.len());
            rest[..end].trim()
        })
    })
}

fn string_value(s: &str) -> String {
    s.trim_start_matches(['r', 'f', 'b', 'u', 'R', 'F', 'B', 'U'])
        .trim_matches(['"', '\''])
        .to_owned()
}

/// Quoted items of a list literal's text (`["GET", "POST"]`).
fn string_items(text: &str) -> impl Iterator<Item = &str> {
    text.split(['"', '\''])
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()))
}

fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// `{rating_id}` (`FastAPI`) and `<int:note_id>` (Flask) path parameters.
fn path_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [('{', '}'), ('<', '>')] {
        let mut rest = path;
        while let Some(s) = rest.find(open) {
            let Some(e) = rest[s..].find(close) else {
                break;
            };
            let inner = &rest[s + 1..s + e];
            let name = inner.rsplit(':').next().unwrap_or(inner);
            if !name.is_empty() {
                out.push(name.to_owned());
            }
            rest = &rest[s + e..];
        }
    }
    out
}

pub(crate) fn is_id_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l == "id"
        || l == "pk"
        || l.ends_with("_id")
        || l.ends_with("_pk")
        || l == "uuid"
        || l.ends_with("_uuid")
        || l == "slug"
}

fn is_scalar_type(a: &str) -> bool {
    matches!(
        a.split('[').next().unwrap_or(a).trim(),
        "UUID" | "Optional" | "Annotated" | "Decimal" | "Enum" | "Literal"
    )
}

/// A Django function view, not a helper that happens to take `request`: public, and it returns a response or
/// carries a view decorator.
/// A call that checks a signature or a signed value (`hmac.compare_digest`, `signing.unsign`,
/// `verify_github_signature`, Stripe's `Webhook.construct_event`).
fn verifies_signature(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "unsign" | "compare_digest" | "constant_time_compare" | "construct_event"
    ) || l.contains("signature")
        || l.starts_with("unsign_")
        || (l.contains("verify")
            && (l.contains("hmac") || l.contains("webhook") || l.contains("sign")))
}

/// `name(request` appears in the module outside the definition itself.
fn is_called_with_request(text: &str, name: &str) -> bool {
    let call = format!("{name}(request");
    text.match_indices(&call).any(|(i, _)| {
        let before = &text[..i];
        !before.ends_with("def ")
            && !before.ends_with('.')
            && !before.ends_with('_')
            && !before.chars().last().is_some_and(char::is_alphanumeric)
    })
}

/// A parameter after `request` annotated with a class the URL resolver cannot produce (URL kwargs are `str`,
/// `int`, `UUID`, slugs or path converters' types, not model instances).
fn takes_model_instance(p: &ParsedFile, def: Node<'_>) -> bool {
    params_of(p, def).iter().skip(1).any(|(_, a, _)| {
        a.as_deref().is_some_and(|a| {
            let a = a.trim();
            a.chars().next().is_some_and(char::is_uppercase)
                && !is_scalar_type(a)
                && !matches!(a, "UUID" | "Decimal" | "Path" | "Any")
        })
    })
}

/// Whether an `is_authenticated` test (its parent node given) turns anonymous callers away: negated (`if not
/// user.is_authenticated: return redirect(…)`), asserted, or an `if` whose branch rejects. `if
/// request.user.is_authenticated: logout(request)` on a public page tests the login without requiring one.
fn rejects_anonymous(p: &ParsedFile, parent: Option<Node<'_>>) -> bool {
    let Some(par) = parent else {
        return false;
    };
    // Negated, asserted or combined tests (`if not u.is_authenticated`, `assert …`) reject; a bare `if` does
    // only when its branch does.
    if matches!(par.kind(), "if_statement" | "elif_clause") {
        let consequence = par
            .child_by_field_name("consequence")
            .map_or("", |c| t(p, c));
        return [
            "raise ",
            "abort(",
            "redirect(",
            "401",
            "403",
            "Denied",
            "login",
            "Response(",
        ]
        .iter()
        .any(|w| consequence.contains(w));
    }
    true
}

/// The path of a `@namespace.route("/x")` / `@api.resource("/x")` decorator over a view class.
fn class_route_path(p: &ParsedFile, class: Node<'_>) -> Option<String> {
    let parent = class
        .parent()
        .filter(|d| d.kind() == "decorated_definition")?;
    named_children(parent)
        .filter(|d| d.kind() == "decorator")
        .find_map(|d| {
            let call = d.named_child(0).filter(|c| c.kind() == "call")?;
            let verb = last_segment(callee(p, call));
            if verb != "route" && verb != "resource" {
                return None;
            }
            let args = call.child_by_field_name("arguments")?;
            named_children(args)
                .find(|a| a.kind() == "string")
                .map(|s| string_value(t(p, s)))
        })
}

/// A function defined at module level (possibly decorated), not one nested in another function: a decorator's
/// `wrapper(request, …)` is not a view.
fn is_module_level(def: Node<'_>) -> bool {
    let mut cur = def.parent();
    while let Some(n) = cur {
        if n.kind() == "function_definition" || n.kind() == "class_definition" {
            return false;
        }
        cur = n.parent();
    }
    true
}

fn looks_like_view(p: &ParsedFile, def: Node<'_>, decorators: &[Node<'_>]) -> bool {
    let name = def.child_by_field_name("name").map_or("", |n| t(p, n));
    if name.starts_with('_') {
        return false;
    }
    // Views are reached through the URLconf. A function another view calls with its request
    // (`return email_form(request, channel)`), or one taking a model instance the URLconf cannot pass
    // (`channel: Channel`), is a helper whose guards are its caller's, decorated or not.
    if is_called_with_request(&p.text, name) || takes_model_instance(p, def) {
        return false;
    }
    if !decorators.is_empty() {
        return true;
    }
    let body = def.child_by_field_name("body").map_or("", |b| t(p, b));
    [
        "render(",
        "redirect(",
        "HttpResponse",
        "JsonResponse",
        "Response(",
        "TemplateResponse",
        "FileResponse",
        "StreamingHttpResponse",
        "render_to_response(",
    ]
    .iter()
    .any(|r| {
        body.contains(&format!("return {r}"))
            || body.contains(&format!("return {}", r.trim_end_matches('(')))
    })
}

/// Whether every base of a view class is a framework class (`View`, `FormView`, `APIView`, `ModelViewSet`,
/// `MethodView`, the auth mixins): a project base class may add guards this file cannot show.
fn only_stock_bases(p: &ParsedFile, class: Node<'_>) -> bool {
    const STOCK: [&str; 34] = [
        "View",
        "TemplateView",
        "FormView",
        "CreateView",
        "UpdateView",
        "DeleteView",
        "DetailView",
        "ListView",
        "RedirectView",
        "ArchiveIndexView",
        "MethodView",
        "APIView",
        "GenericAPIView",
        "ViewSet",
        "GenericViewSet",
        "ModelViewSet",
        "ReadOnlyModelViewSet",
        "CreateAPIView",
        "ListAPIView",
        "RetrieveAPIView",
        "DestroyAPIView",
        "UpdateAPIView",
        "ListCreateAPIView",
        "RetrieveUpdateAPIView",
        "RetrieveDestroyAPIView",
        "RetrieveUpdateDestroyAPIView",
        "CreateModelMixin",
        "UpdateModelMixin",
        "DestroyModelMixin",
        "ListModelMixin",
        "RetrieveModelMixin",
        "LoginRequiredMixin",
        "PermissionRequiredMixin",
        "UserPassesTestMixin",
    ];
    class.child_by_field_name("superclasses").is_none_or(|s| {
        named_children(s)
            .filter(|b| b.kind() != "keyword_argument")
            .all(|b| {
                let bt = t(p, b);
                let last = bt.rsplit('.').next().unwrap_or(bt);
                STOCK.contains(&last) || last == "object"
            })
    })
}

fn is_view_class(p: &ParsedFile, class: Node<'_>) -> bool {
    class.child_by_field_name("superclasses").is_some_and(|s| {
        let st = t(p, s);
        // flask-restx / flask-restful `Resource` classes are class-based views as well.
        ["View", "ViewSet", "APIView", "Resource"]
            .iter()
            .any(|m| st.contains(m))
    })
}

fn is_view_method(name: &str) -> bool {
    matches!(
        name,
        "get"
            | "post"
            | "put"
            | "patch"
            | "delete"
            | "update"
            | "partial_update"
            | "destroy"
            | "retrieve"
            | "create"
            | "perform_update"
            | "perform_destroy"
            | "form_valid"
    )
}

fn method_of_view_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "get" | "retrieve" => "GET",
        "post" | "create" | "form_valid" => "POST",
        "put" | "update" | "perform_update" => "PUT",
        "patch" | "partial_update" => "PATCH",
        "delete" | "destroy" | "perform_destroy" => "DELETE",
        _ => return None,
    })
}

fn is_trivial_call(name: &str) -> bool {
    matches!(
        name,
        "int"
            | "str"
            | "float"
            | "print"
            | "len"
            | "HTTPException"
            | "abort"
            | "jsonify"
            | "Response"
            | "HttpResponse"
            | "JSONResponse"
            | "format"
            | "info"
            | "debug"
            | "warning"
            | "error"
            | "exception"
            | "append"
            | "isinstance"
            | "bool"
            | "UUID"
            | "dict"
            | "list"
    )
}

/// A keyword argument of a call that writes a record: a model constructor (`Note(owner_id=…)`) or a
/// create/update call. Filters of reads (`filter_by(user_id=…)` on a public listing) are not writes.
fn writes_record(p: &ParsedFile, kw: Node<'_>) -> bool {
    let Some(call) = kw
        .parent()
        .and_then(|args| args.parent())
        .filter(|c| c.kind() == "call")
    else {
        return false;
    };
    let name = last_segment(callee(p, call));
    name.chars().next().is_some_and(char::is_uppercase)
        || matches!(
            name,
            "create"
                | "update"
                | "insert"
                | "values"
                | "add"
                | "save"
                | "get_or_create"
                | "update_or_create"
                | "bulk_create"
        )
}

/// Request data that holds a user id: `request.form["owner_id"]`, `request.json.get("user_id")`.
fn request_user_source(text: &str) -> Option<String> {
    let l = text.to_ascii_lowercase();
    let from_request = [
        "request.form",
        "request.json",
        "request.args",
        "request.values",
        "request.get_json",
        "request.data",
        "request.post",
        "request.get[",
        "request.get.get",
        "request.query_params",
    ]
    .iter()
    .any(|m| l.contains(m));
    let names_user = [
        "user_id",
        "owner_id",
        "author_id",
        "userid",
        "owner",
        "\"user\"",
        "'user'",
        "created_by",
    ]
    .iter()
    .any(|m| l.contains(m));
    (from_request && names_user).then(|| format!("the request (`{}`)", truncate(text)))
}

/// A value that comes from the request and names a user: a tracked variable, a body field, a request read.
fn request_user_value(value: &str, vars: &[(String, Ev)], body_params: &[&str]) -> Option<String> {
    if let Some((v, _)) = vars.iter().find(|(v, _)| v == value.trim()) {
        return Some(format!("request parameter `{v}`"));
    }
    if let Some((obj, field)) = value.trim().split_once('.')
        && body_params.contains(&obj)
        && [
            "user_id",
            "owner_id",
            "author_id",
            "created_by",
            "owner",
            "user",
        ]
        .contains(&field)
    {
        return Some(format!("the request body (`{}`)", value.trim()));
    }
    request_user_source(value)
}

fn is_raw_request_data(text: &str) -> bool {
    let l = text.replace(' ', "");
    [
        "request.json",
        "request.get_json(",
        "request.form",
        "request.data",
        "request.POST",
        "awaitrequest.json()",
        "request.values",
    ]
    .iter()
    .any(|m| l.contains(m))
}

/// A call that builds or updates a record: a class (`User(…)`, not a response or another schema) or an ORM
/// create/update.
fn builds_model(last: &str) -> bool {
    const SCHEMA_SUFFIXES: &[&str] = &[
        "Schema",
        "Response",
        "Out",
        "Read",
        "Public",
        "DTO",
        "Dto",
        "In",
        "Create",
        "Update",
        "Exception",
        "Error",
    ];
    let class = last.chars().next().is_some_and(char::is_uppercase)
        && !SCHEMA_SUFFIXES.iter().any(|s| last.ends_with(s));
    class
        || matches!(
            last,
            "create" | "update" | "insert" | "bulk_create" | "update_or_create" | "get_or_create"
        )
}

/// `payload.dict()`, `payload.model_dump(exclude_unset=True)`, `dict(payload)`, `vars(payload)`,
/// `payload.__dict__`: the whole of a schema-typed parameter, as (parameter, schema annotation). A dump that
/// names its fields (`include=` / `exclude=`) is an explicit allow-list and is not whole.
fn dumped_schema_param<'p>(
    text: &str,
    params: &'p [(String, Option<String>, Option<String>)],
) -> Option<(&'p str, &'p str)> {
    let text = text.trim();
    if text.contains("include=") || text.contains("exclude=") {
        return None;
    }
    params.iter().find_map(|(name, annotation, default)| {
        let annotation = annotation.as_deref()?.trim();
        if default
            .as_deref()
            .is_some_and(|d| d.starts_with("Depends(") || d.starts_with("Security("))
            || !annotation.chars().next().is_some_and(char::is_uppercase)
            || !is_dotted_name(annotation)
        {
            return None;
        }
        let whole = [".dict(", ".model_dump(", ".__dict__"]
            .iter()
            .any(|m| text.starts_with(&format!("{name}{m}")))
            || text == format!("dict({name})")
            || text == format!("vars({name})");
        whole.then_some((name.as_str(), annotation))
    })
}

/// Mass-assignment evidence at `n`, proven where the schema declares its privileged fields.
/// The `attr = …` assignment of a class body (`serializer_class = NoteSerializer`).
fn class_attr<'t>(p: &ParsedFile, class: Node<'t>, attr: &str) -> Option<Node<'t>> {
    let body = class.child_by_field_name("body")?;
    named_children(body)
        .filter_map(|stmt| stmt.named_child(0).filter(|a| a.kind() == "assignment"))
        .find(|a| {
            a.child_by_field_name("left")
                .is_some_and(|l| t(p, l) == attr)
        })
}

fn privileged_ev(p: &ParsedFile, n: Node<'_>, what: &str, found: &schema::Privileged) -> Ev {
    let (line, col) = p.line_col(n.start_byte());
    let mut e = Ev::new(line, col, format!("{what}: {}", found.at.note));
    e.origin.clone_from(&found.at.origin);
    e
}

/// `Model(**request.json)`, `Model.objects.create(**request.data)`, `obj.update(**request.get_json())`.
fn is_whole_payload_call(p: &ParsedFile, call: Node<'_>, body_params: &[&str]) -> bool {
    let Some(args) = call.child_by_field_name("arguments") else {
        return false;
    };
    named_children(args)
        .filter(|a| a.kind() == "dictionary_splat")
        .any(|a| {
            let inner = t(p, a).trim_start_matches("**");
            is_raw_request_data(inner)
                || body_params.iter().any(|b| {
                    // A Pydantic body dumped whole without `include=`/`exclude=` when it is not a typed schema
                    // visible here is left alone: the schema is the allow-list.
                    inner.starts_with(&format!("{b}.")) && inner.contains("__dict__")
                })
        })
}

/// Whether `n` is part of an `if` / `elif` condition (up to the enclosing statement).
fn in_condition(n: Node<'_>) -> bool {
    let mut cur = n;
    while let Some(parent) = cur.parent() {
        match parent.kind() {
            "if_statement" | "elif_clause" => {
                return parent
                    .child_by_field_name("condition")
                    .is_some_and(|c| c.id() == cur.id());
            }
            "block" | "function_definition" | "module" => return false,
            _ => cur = parent,
        }
    }
    false
}
